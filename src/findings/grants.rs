//! How access is granted: `direct-user-grant`, `all-users-group-privileged`,
//! `broad-secret-access` and `sod-conflict`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ctx::Ctx;
use super::draft::{grant_evidence, group_principal, plural, principal_of, Draft, GrantEvidence};
use super::rule::Rule;
use crate::graph::{
    format_targets, is_all_users_group, AssignmentStatus, PrivilegeLevel, ResolvedPrincipal, Via,
};
use crate::snapshot::Scope;

/// The permission that reads secret values.
pub const SECRET_ACCESS: &str = "core_secret_access";

/// `direct-user-grant`: an active, non-Harness-managed assignment naming a
/// user.
pub fn direct_user_grant(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut out = Vec::new();
    for (ai, r) in g.assignments.iter().enumerate() {
        let a = &s.role_assignments[ai];
        if r.status != AssignmentStatus::Active || a.managed {
            continue;
        }
        let Some(ResolvedPrincipal::User(u)) = r.principal else {
            continue;
        };
        let level = r.access.as_ref().map_or(PrivilegeLevel::None, |x| x.level);
        out.push(
            Draft::new(
                Rule::DirectUserGrant,
                format!(
                    "Role {} on {} is bound directly to the user by assignment {} ({level}), not through a group.",
                    a.role.id, a.resource_group, a.id
                ),
            )
            .principal(principal_of(g, crate::graph::Principal::User(u)))
            .scope(&a.scope)
            .key(a.id.as_str())
            .evidence("assignment", grant_evidence(g, Via::Direct, ai))
            .evidence("privilege_level", level),
        );
    }
    out
}

/// `all-users-group-privileged`: a built-in all-users group bound to a role
/// that allows more than viewing.
pub fn all_users_group_privileged(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut out = Vec::new();
    for (ai, r) in g.assignments.iter().enumerate() {
        if r.status != AssignmentStatus::Active {
            continue;
        }
        let Some(ResolvedPrincipal::Group(gr)) = r.principal else {
            continue;
        };
        let (scope, id) = g.group_scope_and_id(gr);
        if !is_all_users_group(id, scope.level()) {
            continue;
        }
        let Some(access) = r.access.as_deref() else {
            continue;
        };
        if access.level <= PrivilegeLevel::Read {
            continue;
        }
        let a = &s.role_assignments[ai];
        let above_view: Vec<&str> = access
            .permissions
            .iter()
            .map(|p| p.as_str())
            .filter(|p| !g.permission_is_view(p))
            .collect();
        let members = g.group_members(gr).len();
        out.push(
            Draft::new(
                Rule::AllUsersGroupPrivileged,
                format!(
                    "Every user of {scope} ({}) gets role {} on {} ({}) through assignment {}.",
                    plural(members, "user"),
                    a.role.id,
                    a.resource_group,
                    access.level,
                    a.id
                ),
            )
            .principal(group_principal(g, gr))
            .scope(&a.scope)
            .key(a.id.as_str())
            .evidence("assignment", grant_evidence(g, Via::Group(gr), ai))
            .evidence("privilege_level", access.level)
            .evidence("permissions_above_view", &above_view)
            .evidence("users_affected", members),
        );
    }
    out
}

/// `broad-secret-access`: a principal that can read secrets in a scope and
/// every child scope, without being admin of that scope.
pub fn broad_secret_access(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let mut out = Vec::new();
    for p in g.principals() {
        let admin = g.admin_scopes(p);
        let mut by_scope: BTreeMap<Scope, Vec<GrantEvidence>> = BTreeMap::new();
        for gr in g.grants_of(p) {
            let Some(access) = g.access_of(gr.assignment) else {
                continue;
            };
            if !access.has_permission(SECRET_ACCESS) {
                continue;
            }
            for t in &access.targets {
                // A project has no child scopes: "across child scopes" needs
                // an account or org subtree.
                if !t.include_child_scopes || t.scope.project().is_some() {
                    continue;
                }
                if admin.iter().any(|a| t.scope.is_within(a)) {
                    continue;
                }
                by_scope
                    .entry(t.scope.clone())
                    .or_default()
                    .push(grant_evidence(g, gr.via, gr.assignment));
            }
        }
        // Keep the widest scopes only: account/** makes org:eng/** redundant.
        let scopes: Vec<Scope> = by_scope.keys().cloned().collect();
        for (scope, paths) in by_scope {
            if scopes.iter().any(|o| *o != scope && scope.is_within(o)) {
                continue;
            }
            out.push(
                Draft::new(
                    Rule::BroadSecretAccess,
                    format!(
                        "Can read secrets ({SECRET_ACCESS}) in {scope} and every child scope through {}, without being admin there.",
                        plural(paths.len(), "grant")
                    ),
                )
                .principal(principal_of(g, p))
                .scope(&scope)
                .evidence("permission", SECRET_ACCESS)
                .evidence("covers", format!("{scope}/**"))
                .evidence("grants", &paths),
            );
        }
    }
    out
}

#[derive(Serialize)]
struct SodEvidence<'a> {
    name: &'a str,
    description: &'a str,
    permissions: &'a [String],
}

/// One principal caught by a conflict, as the evidence lists it.
#[derive(Serialize)]
struct Affected {
    kind: String,
    id: String,
    name: String,
    email: Option<String>,
    status: &'static str,
}

/// The grants that together complete an SoD set on a scope: its cause.
type Cause = Vec<(usize, Via)>;

/// `sod-conflict`: a non-admin principal that holds every permission of a
/// policy SoD set on one scope.
///
/// One cause, one finding: principals whose conflict comes from the same
/// grants (the same assignments, through the same groups) share one finding.
/// Its principal is the group when every causing grant runs through one
/// group, the principal itself when it is the only one affected, and none
/// otherwise; `principals_affected` lists everyone it catches.
pub fn sod_conflict(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    // (set index, scope, cause) -> principals, in principal order.
    let mut causes: BTreeMap<(usize, Scope, Cause), Vec<crate::graph::Principal>> = BTreeMap::new();
    // Which permissions of each set each assignment's access holds, one bit
    // per permission: worked out once per assignment, not once per grant.
    let masks: Vec<Vec<u64>> = ctx
        .policy
        .sod
        .iter()
        .map(|set| {
            g.assignments
                .iter()
                .map(|r| {
                    r.access.as_ref().map_or(0, |a| {
                        set.permissions
                            .iter()
                            .enumerate()
                            .filter(|(_, x)| a.has_permission(x))
                            .fold(0u64, |m, (i, _)| m | (1 << i))
                    })
                })
                .collect()
        })
        .collect();
    for p in g.principals() {
        let grants = g.grants_of(p);
        for (si, set) in ctx.policy.sod.iter().enumerate() {
            let full = if set.permissions.len() >= 64 {
                u64::MAX
            } else {
                (1u64 << set.permissions.len()) - 1
            };
            let mask = &masks[si];
            // Most principals lack some permission of the set anywhere.
            if grants.iter().fold(0, |m, x| m | mask[x.assignment]) != full {
                continue;
            }
            let relevant: Vec<(usize, Via, &crate::graph::Access, u64)> = grants
                .iter()
                .filter(|x| mask[x.assignment] != 0)
                .filter_map(|x| {
                    g.access_of(x.assignment)
                        .map(|a| (x.assignment, x.via, a, mask[x.assignment]))
                })
                .collect();
            let admin = g.admin_scopes(p);
            // Where the permissions meet is one of their target scopes.
            let mut candidates: Vec<&Scope> = relevant
                .iter()
                .flat_map(|(_, _, a, _)| a.targets.iter().map(|t| &t.scope))
                .collect();
            candidates.sort();
            candidates.dedup();
            let conflicts: Vec<&Scope> = candidates
                .into_iter()
                .filter(|s| !admin.iter().any(|a| s.is_within(a)))
                .filter(|s| {
                    relevant
                        .iter()
                        .filter(|(_, _, a, _)| a.covers(s))
                        .fold(0, |m, (_, _, _, bits)| m | bits)
                        == full
                })
                .collect();
            for &scope in &conflicts {
                if conflicts.iter().any(|o| *o != scope && scope.is_within(o)) {
                    continue;
                }
                let mut cause: Cause = relevant
                    .iter()
                    .filter(|(_, _, a, _)| a.covers(scope))
                    .map(|(ai, via, _, _)| (*ai, *via))
                    .collect();
                cause.sort();
                cause.dedup();
                causes
                    .entry((si, scope.clone(), cause))
                    .or_default()
                    .push(p);
            }
        }
    }
    let mut out = Vec::new();
    for ((si, scope, cause), affected) in causes {
        let set = &ctx.policy.sod[si];
        let grants: Vec<GrantEvidence> = cause
            .iter()
            .map(|(ai, via)| grant_evidence(g, *via, *ai))
            .collect();
        let targets: Vec<String> = cause
            .iter()
            .filter_map(|(ai, _)| g.access_of(*ai))
            .map(|a| format_targets(&a.targets))
            .collect();
        let one_group = match cause.first() {
            Some((_, Via::Group(gr))) if cause.iter().all(|(_, v)| *v == Via::Group(*gr)) => {
                Some(*gr)
            }
            _ => None,
        };
        let list: Vec<Affected> = affected
            .iter()
            .map(|&p| {
                let who = principal_of(g, p);
                Affected {
                    kind: who.kind,
                    id: who.id,
                    name: who.name,
                    email: who.email,
                    status: match p {
                        crate::graph::Principal::User(i) => g.snapshot().users[i].status(),
                        crate::graph::Principal::ServiceAccount(_) => "enabled",
                    },
                }
            })
            .collect();
        let perms = set.permissions.join(" + ");
        let mut draft = match (one_group, affected.as_slice()) {
            (Some(gr), _) => {
                let who = group_principal(g, gr);
                Draft::new(
                    Rule::SodConflict,
                    format!(
                        "Through {}, {} every permission of SoD set {} ({perms}) on {scope}.",
                        who.id,
                        if list.len() == 1 {
                            "1 member holds".to_string()
                        } else {
                            format!("{} members hold", list.len())
                        },
                        set.name,
                    ),
                )
                .principal(who)
            }
            (None, [p]) => Draft::new(
                Rule::SodConflict,
                format!(
                    "Holds every permission of SoD set {} ({perms}) on {scope}.",
                    set.name
                ),
            )
            .principal(principal_of(g, *p)),
            (None, _) => {
                let ids: Vec<&str> = grants.iter().map(|x| x.assignment_id.as_str()).collect();
                let paths: Vec<String> = grants
                    .iter()
                    .map(|x| format!("{} via {}", x.assignment_id, x.via))
                    .collect();
                Draft::new(
                    Rule::SodConflict,
                    format!(
                        "{} principals hold every permission of SoD set {} ({perms}) on {scope} through the same role assignments ({}).",
                        list.len(),
                        set.name,
                        paths.join(", ")
                    ),
                )
                .key(ids.join("+"))
            }
        };
        draft = draft
            .scope(&scope)
            .key(set.name.as_str())
            .evidence(
                "sod_set",
                SodEvidence {
                    name: &set.name,
                    description: &set.description,
                    permissions: &set.permissions,
                },
            )
            .evidence(
                "sod_set_source",
                if ctx.policy.sod_defaults {
                    "default"
                } else {
                    "policy"
                },
            )
            .evidence("grants", &grants)
            .evidence("grant_targets", &targets)
            .evidence("principals_affected_count", list.len())
            .evidence("principals_affected", &list);
        out.push(draft);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::findings::Rule;
    use crate::snapshot::{Scope, ScopeLevel};
    use crate::testkit::*;

    #[test]
    fn direct_user_grant_fires_for_users_not_groups_nor_managed_defaults() {
        let mut f = Fixture::new();
        f.user("victor").user("amara");
        f.group(&Scope::Account, "viewers", &["amara"]);
        f.assign(
            &Scope::Account,
            user("victor"),
            "_account_viewer",
            ALL_ACCOUNT,
        );
        f.assign(
            &Scope::Account,
            group("viewers"),
            "_account_viewer",
            ALL_ACCOUNT,
        );
        let managed = f.assign(&proj(), user("amara"), "_project_viewer", ALL_PROJECT);
        f.snapshot.role_assignments[managed].managed = true;
        let disabled = f.assign(&proj(), user("amara"), "_project_admin", ALL_PROJECT);
        f.disable(disabled);
        let found = f.findings(Rule::DirectUserGrant);
        assert_eq!(subjects(&found), vec![("victor", "account")]);
        assert_eq!(found[0].evidence["assignment"]["assignment_id"], "ra0");
    }

    #[test]
    fn all_users_group_above_viewer_fires_and_the_viewer_default_does_not() {
        let mut f = Fixture::new();
        f.user("a");
        f.role(
            &eng(),
            "deployer",
            &["core_pipeline_view", "core_pipeline_execute"],
        );
        f.assign(
            &eng(),
            group_at("_organization_all_users", ScopeLevel::Organization),
            "_organization_viewer",
            ALL_ORG,
        );
        f.assign(
            &eng(),
            group_at("_organization_all_users", ScopeLevel::Organization),
            "deployer",
            ALL_CHILDREN,
        );
        let found = f.findings(Rule::AllUsersGroupPrivileged);
        assert_eq!(
            subjects(&found),
            vec![("group:org:eng/_organization_all_users", "org:eng")]
        );
        assert_evidence!("all_users_group_deployer_on_an_org", found[0]);
        // An ordinary group with the same binding is not an all-users group.
        let mut f = Fixture::new();
        f.user("a");
        f.group(&eng(), "deployers", &["a"]);
        f.role(&eng(), "deployer", &["core_pipeline_execute"]);
        f.assign(&eng(), group("deployers"), "deployer", ALL_CHILDREN);
        assert!(f.findings(Rule::AllUsersGroupPrivileged).is_empty());
    }

    #[test]
    fn broad_secret_access_needs_child_scopes_and_a_non_admin() {
        let mut f = Fixture::new();
        f.user("rm").user("pa").user("boss");
        f.role(
            &Scope::Account,
            "release_manager",
            &["core_secret_view", "core_secret_access"],
        );
        f.typed_resource_group(
            &Scope::Account,
            "broad_secrets",
            &[(Scope::Account, true)],
            &["SECRET"],
        );
        f.assign(
            &Scope::Account,
            user("rm"),
            "release_manager",
            "broad_secrets",
        );
        // Secret access in one project only: not broad.
        f.assign(&proj(), user("pa"), "release_manager", ALL_PROJECT);
        // The account admin can do it all anyway: covered by admin-access.
        f.assign(
            &Scope::Account,
            user("boss"),
            "_account_admin",
            ALL_CHILDREN,
        );
        let found = f.findings(Rule::BroadSecretAccess);
        assert_eq!(subjects(&found), vec![("rm", "account")]);
        assert_eq!(found[0].evidence["covers"], "account/**");
    }

    #[test]
    fn sod_conflict_fires_where_the_permissions_meet_on_one_scope() {
        let mut f = Fixture::new();
        f.user("rm").user("split").user("boss");
        f.role(&Scope::Account, "editor", &["core_pipeline_edit"]);
        f.role(&Scope::Account, "runner", &["core_pipeline_execute"]);
        // rm: edit on the whole eng org, execute in eng/pay: they meet there.
        f.assign(&eng(), user("rm"), "editor", ALL_CHILDREN);
        f.assign(&proj(), user("rm"), "runner", ALL_PROJECT);
        // split: edit in eng/pay, execute in ops: they never meet.
        f.assign(&proj(), user("split"), "editor", ALL_PROJECT);
        f.snapshot
            .users
            .last_mut()
            .unwrap()
            .scopes
            .push(Scope::Org("ops".into()));
        f.assign(&Scope::Org("ops".into()), user("split"), "runner", ALL_ORG);
        // An admin of the scope holds everything by definition.
        f.assign(&proj(), user("boss"), "_project_admin", ALL_PROJECT);
        let found = f.findings(Rule::SodConflict);
        assert_eq!(subjects(&found), vec![("rm", "project:eng/pay")]);
        // The default set, met through two assignments.
        assert_evidence!("sod_conflict_edit_on_org_execute_on_project", found[0]);
        // A policy with its own sets replaces the defaults.
        f.policy_toml(
            "[[sod]]\nname = \"secrets-and-runs\"\npermissions = [\"core_secret_access\", \"core_pipeline_execute\"]\n",
        );
        assert!(f.findings(Rule::SodConflict).is_empty());
    }

    #[test]
    fn sod_conflict_from_one_binding_is_one_finding_naming_everyone_it_catches() {
        // A role completing the set on the all-users group: every user of
        // the account conflicts, for one cause.
        let mut f = Fixture::new();
        for u in ["a", "b", "c"] {
            f.user(u);
        }
        f.group(&Scope::Account, "_account_all_users", &["a", "b", "c"]);
        f.role(
            &Scope::Account,
            "ship_it",
            &["core_pipeline_edit", "core_pipeline_execute"],
        );
        f.assign(
            &Scope::Account,
            group("_account_all_users"),
            "ship_it",
            ALL_ACCOUNT,
        );
        let found = f.findings(Rule::SodConflict);
        assert_eq!(
            subjects(&found),
            vec![("group:account/_account_all_users", "account")]
        );
        let who: Vec<&str> = found[0].evidence["principals_affected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        assert_eq!(who, vec!["a", "b", "c"]);
        assert_evidence!("sod_conflict_one_binding_on_the_all_users_group", found[0]);
        // A member with a cause of their own (a direct grant adding to the
        // group's) gets a finding of their own; the group keeps the rest.
        f.role(&Scope::Account, "runner", &["core_pipeline_execute"]);
        f.assign(&Scope::Account, user("c"), "runner", ALL_ACCOUNT);
        let found = f.findings(Rule::SodConflict);
        assert_eq!(
            subjects(&found),
            vec![
                ("c", "account"),
                ("group:account/_account_all_users", "account")
            ]
        );
        // Two groups that together complete the set, with the same members:
        // one finding, no single principal to name, keyed by its cause.
        let mut f = Fixture::new();
        for u in ["a", "b"] {
            f.user(u);
        }
        f.group(&Scope::Account, "authors", &["a", "b"]);
        f.group(&Scope::Account, "runners", &["a", "b"]);
        f.role(&Scope::Account, "editor", &["core_pipeline_edit"]);
        f.role(&Scope::Account, "runner", &["core_pipeline_execute"]);
        f.assign(&Scope::Account, group("authors"), "editor", ALL_ACCOUNT);
        f.assign(&Scope::Account, group("runners"), "runner", ALL_ACCOUNT);
        let found = f.findings(Rule::SodConflict);
        assert_eq!(found.len(), 1);
        assert!(found[0].principal.is_none());
        assert_evidence!("sod_conflict_two_groups_same_members", found[0]);
    }
}
