//! `diff BEFORE AFTER --expect-unchanged`: the guard of a change that must
//! not change access, such as a move to SCIM provisioning. Every grant
//! BEFORE held must still be held AFTER by the same principal, through any
//! path (another group, another assignment, one inherited from above): each
//! permission on each scope it reached, on at least the same resources. A
//! user is the same when its id is, else when its email is (the identity
//! provider may create the user anew); a group that replaced a local one of
//! the same name is named, with how it was matched. Access gained is
//! counted, never a failure.

use serde::Serialize;

use crate::graph::{Access, AccessGraph, Principal};

/// The guard's verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GuardReport {
    /// Principals of BEFORE with at least one grant.
    pub principals_checked: usize,
    /// BEFORE's grants checked.
    pub grants_checked: usize,
    /// Of those, still held AFTER.
    pub grants_held: usize,
    /// The grants not held AFTER, each with what is missing.
    pub lost: Vec<LostGrant>,
    /// Users found AFTER under another id, by email.
    pub users_matched: Vec<Matched>,
    /// Local groups of BEFORE gone AFTER, and the group that took their
    /// place, by name (or none).
    pub groups_replaced: Vec<Matched>,
    /// AFTER's grants that BEFORE did not hold (counted, not a failure).
    pub grants_gained: usize,
    /// True when nothing was lost.
    pub unchanged: bool,
}

/// A grant BEFORE held that AFTER does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostGrant {
    /// The principal's id in BEFORE (user uuid or `sa:SCOPE/ID`).
    pub principal_id: String,
    /// Its email, if any.
    pub principal_email: Option<String>,
    /// How it held the grant (`direct` or `group:SCOPE/ID`).
    pub via: String,
    /// The assignment BEFORE: scope, id, role, resource group.
    pub assignment: String,
    /// What AFTER does not give it: `permission on scope`, or why nothing
    /// can be given (the principal is gone).
    pub missing: Vec<String>,
}

/// One identity matched across the two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matched {
    /// In BEFORE.
    pub before: String,
    /// In AFTER (empty: nothing took its place).
    pub after: String,
    /// `email`, `name`, or `none`.
    pub how: &'static str,
}

/// How many missing permissions a lost grant lists before "and N more".
const LISTED: usize = 20;

/// Checks that AFTER holds every grant of BEFORE.
pub fn expect_unchanged(before: &AccessGraph<'_>, after: &AccessGraph<'_>) -> GuardReport {
    let mut r = GuardReport::default();
    let (bs, as_) = (before.snapshot(), after.snapshot());
    for p in before.principals() {
        let grants = before.grants_of(p);
        if grants.is_empty() {
            continue;
        }
        r.principals_checked += 1;
        let id = before.identity(p);
        let q = match after.find_principal(&id.id) {
            Some(q) => Some(q),
            None => match (p, id.email) {
                (Principal::User(_), Some(email)) if !email.is_empty() => {
                    let q = after.find_principal(email);
                    if let Some(q) = q {
                        r.users_matched.push(Matched {
                            before: format!("{} <{email}>", id.id),
                            after: after.identity(q).id,
                            how: "email",
                        });
                    }
                    q
                }
                _ => None,
            },
        };
        for g in grants {
            let Some(was) = before.access_of(g.assignment) else {
                continue;
            };
            r.grants_checked += 1;
            let missing = match q {
                None => vec!["the principal is not in AFTER (by id or email)".to_string()],
                Some(q) => missing(was, after, q),
            };
            if missing.is_empty() {
                r.grants_held += 1;
                continue;
            }
            let a = &bs.role_assignments[g.assignment];
            let mut listed: Vec<String> = missing.iter().take(LISTED).cloned().collect();
            if missing.len() > LISTED {
                listed.push(format!("and {} more", missing.len() - LISTED));
            }
            r.lost.push(LostGrant {
                principal_id: id.id.clone(),
                principal_email: id.email.map(str::to_string),
                via: before.via_label(g.via),
                assignment: format!(
                    "{}/{} ({} on {})",
                    a.scope, a.id, a.role.id, a.resource_group
                ),
                missing: listed,
            });
        }
    }
    // Gained: AFTER's grants that BEFORE's same principal (by id, else by
    // email) did not hold all of.
    for q in after.principals() {
        let id = after.identity(q);
        let p = before
            .find_principal(&id.id)
            .or_else(|| match (q, id.email) {
                (Principal::User(_), Some(e)) if !e.is_empty() => before.find_principal(e),
                _ => None,
            });
        for g in after.grants_of(q) {
            let Some(now) = after.access_of(g.assignment) else {
                continue;
            };
            if p.is_none_or(|p| !missing(now, before, p).is_empty()) {
                r.grants_gained += 1;
            }
        }
    }
    // Local groups BEFORE that AFTER no longer lists: replaced by a group
    // of the same name (SCIM names groups after the identity provider's).
    for grp in &bs.user_groups {
        if grp.harness_managed || grp.externally_managed {
            continue;
        }
        if as_
            .user_groups
            .iter()
            .any(|x| x.scope == grp.scope && x.id == grp.id)
        {
            continue;
        }
        let by_name = as_
            .user_groups
            .iter()
            .find(|x| x.scope == grp.scope && x.name.trim().eq_ignore_ascii_case(grp.name.trim()));
        r.groups_replaced.push(Matched {
            before: format!("group:{}/{}", grp.scope, grp.id),
            after: by_name
                .map(|x| format!("group:{}/{}", x.scope, x.id))
                .unwrap_or_default(),
            how: if by_name.is_some() { "name" } else { "none" },
        });
    }
    r.unchanged = r.lost.is_empty();
    r
}

/// What of `was` principal `q` does not hold in `after`: each permission
/// on each target scope no grant of `q` covers (with at least the same
/// resources), as `permission on scope`.
fn missing(was: &Access, after: &AccessGraph<'_>, q: Principal) -> Vec<String> {
    let held: Vec<&Access> = after
        .grants_of(q)
        .iter()
        .filter_map(|g| after.access_of(g.assignment))
        .collect();
    let mut out = Vec::new();
    for t in &was.targets {
        for perm in &was.permissions {
            let ok = held.iter().any(|a| {
                a.has_permission(perm.as_str())
                    && (a.resources.is_none() || a.resources == was.resources)
                    && a.targets.iter().any(|x| x.covers(t))
            });
            if !ok {
                out.push(format!(
                    "{} on {}{}",
                    perm.as_str(),
                    t.scope,
                    if t.include_child_scopes { "/**" } else { "" }
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn guard(before: &Fixture, after: &Fixture) -> GuardReport {
        let (b, a) = (
            AccessGraph::build(&before.snapshot),
            AccessGraph::build(&after.snapshot),
        );
        expect_unchanged(&b, &a)
    }

    /// Ann administers payments through a local group.
    fn local() -> Fixture {
        let mut f = Fixture::new();
        f.user_in("ann", &[eng(), proj()])
            .user_in("bob", &[eng(), proj()]);
        f.group(&proj(), "pay_admins", &["ann"]);
        f.assign(&proj(), group("pay_admins"), "_project_admin", ALL_PROJECT);
        f.assign(&proj(), user("bob"), "_project_viewer", ALL_PROJECT);
        f
    }

    #[test]
    fn access_held_through_a_scim_group_that_replaced_the_local_one_is_unchanged() {
        let before = local();
        let mut after = Fixture::new();
        after
            .user_in("ann", &[eng(), proj()])
            .user_in("bob", &[eng(), proj()]);
        after.group(&proj(), "pay_admins_scim", &["ann"]);
        after.group_mut("pay_admins_scim").externally_managed = true;
        after.group_mut("pay_admins_scim").name = "pay_admins".into();
        after.assign(
            &proj(),
            group("pay_admins_scim"),
            "_project_admin",
            ALL_PROJECT,
        );
        after.assign(&proj(), user("bob"), "_project_viewer", ALL_PROJECT);
        // Bob gains the admin role in the move.
        after.assign(&proj(), user("bob"), "_project_admin", ALL_PROJECT);
        let r = guard(&before, &after);
        assert!(r.unchanged, "{:?}", r.lost);
        assert_eq!(r.grants_checked, 2);
        assert_eq!(r.grants_held, 2);
        assert_eq!(
            r.groups_replaced,
            vec![Matched {
                before: "group:project:eng/pay/pay_admins".into(),
                after: "group:project:eng/pay/pay_admins_scim".into(),
                how: "name",
            }]
        );
        // Ann's access through the new group is the same access; Bob's new
        // role is gained, counted and not a failure.
        assert_eq!(r.grants_gained, 1);
    }

    #[test]
    fn access_lost_in_the_move_is_listed_with_what_is_missing() {
        let before = local();
        // The SCIM group came with only the viewer role.
        let mut after = Fixture::new();
        after
            .user_in("ann", &[eng(), proj()])
            .user_in("bob", &[eng(), proj()]);
        after.group(&proj(), "pay_admins_scim", &["ann"]);
        after.assign(
            &proj(),
            group("pay_admins_scim"),
            "_project_viewer",
            ALL_PROJECT,
        );
        after.assign(&proj(), user("bob"), "_project_viewer", ALL_PROJECT);
        let r = guard(&before, &after);
        assert!(!r.unchanged);
        assert_eq!(r.lost.len(), 1);
        let lost = &r.lost[0];
        assert_eq!(lost.principal_id, "ann");
        assert_eq!(lost.via, "group:project:eng/pay/pay_admins");
        assert!(
            lost.missing
                .iter()
                .any(|m| m == "core_user_manage on project:eng/pay"),
            "{:?}",
            lost.missing
        );
        assert!(!lost
            .missing
            .iter()
            .any(|m| m.starts_with("core_project_view")));
        assert_eq!(r.groups_replaced[0].how, "none");
    }

    #[test]
    fn a_user_created_anew_by_the_identity_provider_is_matched_by_email() {
        let before = local();
        let mut after = local();
        // Ann's account was recreated under a new id with the same email.
        after.user_mut("ann").id = "ann-scim".into();
        after.group_mut("pay_admins").members = vec!["ann-scim".into()];
        let r = guard(&before, &after);
        assert!(r.unchanged, "{:?}", r.lost);
        assert_eq!(r.users_matched.len(), 1);
        assert_eq!(r.users_matched[0].how, "email");
        assert_eq!(r.users_matched[0].after, "ann-scim");
        // Near miss: another email too, and she is gone.
        after.user_mut("ann-scim").email = "ann.new@example.com".into();
        let r = guard(&before, &after);
        assert!(!r.unchanged);
        assert_eq!(
            r.lost[0].missing,
            vec!["the principal is not in AFTER (by id or email)".to_string()]
        );
    }
}
