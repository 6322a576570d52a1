//! Before the lists: what Harness's access check says the key may read
//! ([`crate::harness::access`]), whether the pull stops for it, and, with
//! `--allow-partial`, which lists it marks incomplete at the end.

use std::sync::atomic::{AtomicBool, Ordering};

use super::principals::GROUPS_OF_EVERY_SCOPE;
use super::{PullError, Puller};
use crate::harness::access::{self, Grants};
use crate::snapshot::{ListCompleteness, Scope, Snapshot};

pub(super) fn describe_missing(missing: &[(&'static access::Needed, Vec<Scope>)]) -> String {
    let each: Vec<String> = missing
        .iter()
        .map(|(n, at)| {
            format!(
                "{} at {} ({} need it; without it {})",
                n.permission,
                access::name_scopes(at),
                n.lists,
                n.without
            )
        })
        .collect();
    let names: Vec<&str> = missing.iter().map(|(n, _)| n.permission).collect();
    format!(
        "the API key lacks {} (Harness's access check, {}, said so before the lists it guards were read): {}; grant {} to the key's user or service account (the Account Viewer role on _all_resources_including_child_scopes holds them all) and run again (docs/operations.md lists what each permission is for), or pass --allow-partial to write a snapshot marked INCOMPLETE",
        names.join(", "),
        access::ACL_ENDPOINT,
        each.join("; "),
        if names.len() == 1 { "it" } else { "them" },
    )
}

/// Why something was not asked: the access check's answer.
pub(super) fn denied_reason(permission: &str, scope: &Scope) -> String {
    format!(
        "Harness's access check ({}) says the key lacks {permission} at {scope}",
        access::ACL_ENDPOINT
    )
}

/// The permissions whose absence at a scope makes Harness narrow a list
/// there without an error (docs/harness-behaviour.md U6, U7, A2): a list
/// read at a scope the key lacks one of them at is not complete, whatever
/// its count says. `orgs` are the orgs read (the projects list across orgs
/// needs the project view at each; an org's own list is recorded at it).
fn narrowed_by(list: &ListCompleteness, orgs: &[Scope]) -> Vec<(&'static str, Vec<Scope>)> {
    let here = vec![list.scope.clone()];
    match list.endpoint.as_str() {
        "GET /ng/api/organizations" => vec![("core_organization_view", here)],
        "GET /ng/api/projects" if list.scope == Scope::Account => {
            vec![("core_project_view", orgs.to_vec())]
        }
        "GET /ng/api/projects" => vec![("core_project_view", here)],
        GROUPS_OF_EVERY_SCOPE | "GET /ng/api/user-groups" => vec![("core_usergroup_view", here)],
        "GET /ng/api/serviceaccount/aggregate" => vec![("core_serviceaccount_view", here)],
        "POST /authz/api/roleassignments/filter" => vec![
            ("core_user_view", here.clone()),
            ("core_usergroup_view", here.clone()),
            ("core_serviceaccount_view", here),
        ],
        _ => Vec::new(),
    }
}

/// Marks incomplete each list Harness narrowed silently because the key
/// lacks a permission where it was read (only reached with
/// `--allow-partial`: otherwise the pull stopped before the lists).
pub(super) fn mark_narrowed(lists: &mut [ListCompleteness], grants: &Grants, orgs: &[Scope]) {
    for list in lists.iter_mut().filter(|l| l.complete) {
        let lacking: Vec<String> = narrowed_by(list, orgs)
            .into_iter()
            .filter_map(|(perm, at)| {
                let denied: Vec<Scope> =
                    at.into_iter().filter(|s| !grants.allows(perm, s)).collect();
                (!denied.is_empty()).then(|| format!("{perm} at {}", access::name_scopes(&denied)))
            })
            .collect();
        if !lacking.is_empty() {
            list.complete = false;
            list.note = Some(format!(
                "the key lacks {} (Harness's access check): Harness answers this list without an error but leaves out what the key may not view",
                lacking.join(", ")
            ));
        }
    }
}

/// What Harness's access check said about the key, and whether it can be
/// asked (after one refusal it is not asked again).
#[derive(Default)]
pub(super) struct Access {
    pub(super) grants: Grants,
    pub(super) refused: AtomicBool,
}

impl Access {
    pub(super) fn usable(&self) -> bool {
        !self.refused.load(Ordering::Relaxed)
    }
}

impl Puller<'_> {
    /// Asks Harness's access check `asks` and records the answers.
    pub(super) async fn check_access(
        &self,
        access: &mut Access,
        asks: Vec<access::Ask>,
    ) -> Result<(), PullError> {
        if let Some(answers) = self.ask_access(access, &asks).await? {
            access.grants.record(&asks, &answers);
        }
        Ok(())
    }

    /// Stops the pull when the key lacks a required permission. With
    /// `--allow-partial` it goes on (the lists the permission guards are
    /// marked incomplete at the end), saying so when `tell`.
    pub(super) fn stop_if_missing(&self, access: &Access, tell: bool) -> Result<(), PullError> {
        let missing: Vec<_> = access
            .grants
            .missing()
            .into_iter()
            .filter(|(n, _)| n.required)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if !self.opts.allow_partial {
            return Err(PullError::MissingPermissions(missing));
        }
        if tell {
            for (n, at) in missing {
                self.col.notice(&format!(
                    "warning: the key lacks {} at {} (Harness's access check): {}; the lists it guards are marked incomplete",
                    n.permission,
                    access::name_scopes(&at),
                    n.without
                ));
            }
        }
        Ok(())
    }

    /// Asks Harness's access check; `None` when it cannot be used, told once
    /// (then `access` is marked unusable and the lists' own answers are the
    /// only signal, as before the check existed).
    pub(super) async fn ask_access(
        &self,
        access: &Access,
        asks: &[access::Ask],
    ) -> Result<Option<Vec<bool>>, PullError> {
        if !access.usable() {
            return Ok(None);
        }
        if asks.is_empty() {
            return Ok(Some(Vec::new()));
        }
        match access::ask(self.client, asks).await {
            Ok(answers) => Ok(Some(answers)),
            Err(access::Unusable::Final(e)) => Err(e.into()),
            Err(access::Unusable::Refused(why, _)) => {
                access.refused.store(true, Ordering::Relaxed);
                self.col.notice(&format!(
                    "note: Harness's access check ({}) could not be used ({why}); whether the key may view every org, project, user group and service account is judged from the lists' own answers instead, and Harness narrows some lists without an error (docs/operations.md, Known gaps): run `reviewpack check` or give the key Account Viewer on _all_resources_including_child_scopes",
                    access::ACL_ENDPOINT
                ));
                Ok(None)
            }
        }
    }
}

/// The built-in all-users group every scope has (`NGConstants`; Harness
/// creates it with the scope and it cannot be deleted).
fn all_users_group(scope: &Scope) -> &'static str {
    match scope {
        Scope::Account => "_account_all_users",
        Scope::Org(_) => "_organization_all_users",
        Scope::Project(..) => "_project_all_users",
    }
}

/// When Harness's access check could not be used: what the pull can still
/// say about the lists Harness narrows without an error (docs/harness-
/// behaviour.md U6, U7, U10, U11). A group list missing a scope's built-in
/// all-users group was narrowed: it is incomplete. A list is vouched for
/// when the snapshot itself shows the caller (the key's user or service
/// account) holding, on every resource, the view the list needs at every
/// scope it covers; otherwise it is marked unverified, with why.
pub(super) fn vouch(snap: &mut Snapshot, orgs: &[Scope]) {
    // The all-users groups first: proof of narrowing.
    let held: std::collections::HashSet<(Scope, &str)> = snap
        .user_groups
        .iter()
        .map(|g| (g.scope.clone(), g.id.as_str()))
        .collect();
    let mut scopes = vec![Scope::Account];
    scopes.extend(orgs.iter().cloned());
    scopes.extend(snap.projects.iter().map(|p| p.scope()));
    let missing: Vec<Scope> = scopes
        .into_iter()
        .filter(|s| !held.contains(&(s.clone(), all_users_group(s))))
        .collect();
    let mut narrowed: Vec<usize> = Vec::new();
    for (i, list) in snap.completeness.lists.iter().enumerate() {
        if !list.complete {
            continue;
        }
        let covers = |s: &Scope| {
            if list.endpoint == GROUPS_OF_EVERY_SCOPE {
                true
            } else {
                list.endpoint == "GET /ng/api/user-groups" && list.scope == *s
            }
        };
        if missing.iter().any(covers) {
            narrowed.push(i);
        }
    }
    for i in narrowed {
        let list = &mut snap.completeness.lists[i];
        let at: Vec<Scope> = missing
            .iter()
            .filter(|s| list.endpoint == GROUPS_OF_EVERY_SCOPE || list.scope == **s)
            .cloned()
            .collect();
        list.complete = false;
        list.note = Some(format!(
            "narrowed by Harness: it lacks the built-in all-users group of {} (every org and project has one), so the key may not view every group there, and Harness left groups out without an error (its access check could not be used to say so)",
            access::name_scopes(&at)
        ));
    }

    // Then what the caller's own grants vouch for.
    let graph = crate::graph::AccessGraph::build(snap);
    let caller = snap
        .provenance
        .caller
        .as_ref()
        .and_then(|c| graph.find_principal(&c.id));
    let mut cache: std::collections::HashMap<(&'static str, Scope), bool> = Default::default();
    let mut vouched = |perm: &'static str, s: &Scope| -> bool {
        let Some(p) = caller else { return false };
        *cache.entry((perm, s.clone())).or_insert_with(|| {
            let q = graph
                .explain(
                    p,
                    &crate::graph::Ask {
                        permission: Some(perm.to_string()),
                        scope: Some(s.clone()),
                    },
                )
                .question;
            q.is_some_and(|q| q.allowed && !q.only_some_resources)
        })
    };
    let mut unverified: Vec<(usize, String)> = Vec::new();
    for (i, list) in snap.completeness.lists.iter().enumerate() {
        if !list.complete {
            continue;
        }
        let lacking: Vec<String> = narrowed_by(list, orgs)
            .into_iter()
            .filter_map(|(perm, at)| {
                let not: Vec<Scope> = at.into_iter().filter(|s| !vouched(perm, s)).collect();
                (!not.is_empty()).then(|| format!("{perm} at {}", access::name_scopes(&not)))
            })
            .collect();
        if !lacking.is_empty() {
            unverified.push((
                i,
                format!(
                    "Harness answers this list without an error but leaves out what the key may not view, and nothing says the key may view it all: its access check could not be used, and the snapshot does not show {} holding {} on every resource",
                    match &snap.provenance.caller {
                        Some(c) => format!("the key's {} {}", c.kind.replace('_', " "), c.id),
                        None => "the key's principal (unknown)".into(),
                    },
                    lacking.join(", ")
                ),
            ));
        }
    }
    drop(graph);
    for (i, why) in unverified {
        snap.completeness.lists[i].unverified = Some(why);
    }
    snap.completeness.complete = snap.completeness.lists.iter().all(|l| l.complete);
}
