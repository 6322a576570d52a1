//! Who provisions an identity: `unmanaged-user` (a user with access that
//! SCIM does not manage, where the account uses SCIM) and
//! `unmanaged-privileged-group` (a privileged group neither linked to SSO
//! nor provisioned by SCIM, so its membership is managed by hand).

use std::collections::HashSet;

use crate::findings::ctx::Ctx;
use crate::findings::draft::{group_principal, plural, principal_of, Draft};
use crate::findings::rule::Rule;
use crate::graph::{
    is_all_users_group, AssignmentStatus, GroupRef, Principal, PrivilegeLevel, ResolvedPrincipal,
};
use crate::snapshot::Scope;

/// What the snapshot says about SCIM: the listing `pull --scim` read, or an
/// inference from the users' `externallyManaged` flags.
const SCIM_LISTING: &str = "scim listing";
const SCIM_INFERRED: &str = "inferred";

/// `unmanaged-user`: where the account uses SCIM, an enabled user with
/// access that is not managed by it.
///
/// With a `scim` section (`pull --scim`) the listing is the evidence: a user
/// is unmanaged when SCIM does not list it (by userName or email, ignoring
/// case) or Harness does not mark it externally managed; an empty listing
/// means the account does not use SCIM. Without one, SCIM use is inferred
/// from some users being externally managed.
pub fn unmanaged_user(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let s = ctx.snapshot();
    match &s.scim {
        Some(scim) => unmanaged_user_from_listing(ctx, scim),
        None => unmanaged_user_inferred(ctx),
    }
}

fn unmanaged_user_from_listing(ctx: &Ctx<'_, '_>, scim: &crate::snapshot::Scim) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    if scim.users.is_empty() {
        return Vec::new();
    }
    let listed: HashSet<String> = scim
        .users
        .iter()
        .flat_map(|u| std::iter::once(&u.user_name).chain(u.emails.iter()))
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        let p = Principal::User(i);
        if u.disabled || g.grants_of(p).is_empty() {
            continue;
        }
        let in_listing = listed.contains(&u.email.trim().to_lowercase());
        if in_listing && u.externally_managed {
            continue;
        }
        let why = if in_listing {
            "Listed by SCIM but not marked externally managed in Harness, so Harness does not treat it as provisioned"
        } else {
            "Absent from the account's SCIM listing"
        };
        out.push(
            Draft::new(
                Rule::UnmanagedUser,
                format!(
                    "{why} ({} SCIM users listed); highest privilege {}.",
                    scim.users.len(),
                    g.highest_level(p)
                ),
            )
            .principal(principal_of(g, p))
            .scope(&Scope::Account)
            .evidence("externally_managed", u.externally_managed)
            .evidence("in_scim_listing", in_listing)
            .evidence("scim_users", scim.users.len())
            .evidence("users", s.users.len())
            .evidence("scim_evidence", SCIM_LISTING)
            .evidence("highest_privilege", g.highest_level(p)),
        );
    }
    out
}

fn unmanaged_user_inferred(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let scim = s.users.iter().filter(|u| u.externally_managed).count();
    if scim == 0 {
        return Vec::new();
    }
    let inference = format!(
        "inferred: {scim} of {} users are externally managed, so the account is taken to use SCIM (pull with --scim for the SCIM listing as evidence)",
        s.users.len()
    );
    let mut out = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        let p = Principal::User(i);
        if u.disabled || u.externally_managed || g.grants_of(p).is_empty() {
            continue;
        }
        out.push(
            Draft::new(
                Rule::UnmanagedUser,
                format!(
                    "Not provisioned by SCIM, while {scim} of {} users are; highest privilege {}.",
                    s.users.len(),
                    g.highest_level(p)
                ),
            )
            .principal(principal_of(g, p))
            .scope(&Scope::Account)
            .evidence("externally_managed", false)
            .evidence("scim_users", scim)
            .evidence("users", s.users.len())
            .evidence("scim_in_use", inference.as_str())
            .evidence("scim_evidence", SCIM_INFERRED)
            .evidence("highest_privilege", g.highest_level(p)),
        );
    }
    out
}

/// `unmanaged-privileged-group`: a user group (not a built-in all-users
/// group, not Harness-managed) with an active assignment at escalation or
/// admin level that is neither SSO-linked nor externally managed, nor listed
/// by SCIM when the snapshot has the listing.
pub fn unmanaged_privileged_group(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut bound: Vec<Vec<usize>> = vec![Vec::new(); s.user_groups.len()];
    for (ai, r) in g.assignments.iter().enumerate() {
        if r.status != AssignmentStatus::Active {
            continue;
        }
        if let Some(ResolvedPrincipal::Group(GroupRef { index: Some(i), .. })) = r.principal {
            bound[i].push(ai);
        }
    }
    let scim_ids: Option<(HashSet<&str>, HashSet<String>)> = s.scim.as_ref().map(|scim| {
        (
            scim.groups.iter().map(|x| x.id.as_str()).collect(),
            scim.groups
                .iter()
                .map(|x| x.display_name.trim().to_lowercase())
                .collect(),
        )
    });
    let mut out = Vec::new();
    for (i, grp) in s.user_groups.iter().enumerate() {
        if bound[i].is_empty()
            || grp.harness_managed
            || grp.sso_linked
            || grp.externally_managed
            || is_all_users_group(grp.id.as_str(), grp.scope.level())
        {
            continue;
        }
        if let Some((ids, names)) = &scim_ids {
            if ids.contains(grp.id.as_str()) || names.contains(&grp.name.trim().to_lowercase()) {
                continue;
            }
        }
        let privileged: Vec<usize> = bound[i]
            .iter()
            .copied()
            .filter(|&ai| {
                g.access_of(ai)
                    .is_some_and(|a| a.level >= PrivilegeLevel::Escalation)
            })
            .collect();
        let Some(level) = privileged
            .iter()
            .filter_map(|&ai| g.access_of(ai))
            .map(|a| a.level)
            .max()
        else {
            continue;
        };
        let gr = GroupRef {
            index: Some(i),
            builtin_from_assignment: None,
        };
        // An empty group is `empty-privileged-group`'s story: nobody's
        // membership is managed by hand yet.
        let members = g.group_members(gr).len();
        if members == 0 {
            continue;
        }
        let ids: Vec<&str> = privileged
            .iter()
            .map(|&ai| s.role_assignments[ai].id.as_str())
            .collect();
        let evidence = if scim_ids.is_some() {
            SCIM_LISTING
        } else {
            "group flags (sso_linked, externally_managed)"
        };
        out.push(
            Draft::new(
                Rule::UnmanagedPrivilegedGroup,
                format!(
                    "Group grants {level} access through {} but is neither linked to SSO nor provisioned by SCIM; {} managed by hand in Harness.",
                    plural(ids.len(), "role assignment"),
                    if members == 1 {
                        "its 1 member is".to_string()
                    } else {
                        format!("its {members} members are")
                    },
                ),
            )
            .principal(group_principal(g, gr))
            .scope(&grp.scope)
            .evidence("assignment_ids", &ids)
            .evidence("highest_privilege", level)
            .evidence("members", members)
            .evidence("sso_linked", false)
            .evidence("externally_managed", false)
            .evidence("scim_evidence", evidence),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::findings::Rule;
    use crate::snapshot::Scope;
    use crate::testkit::*;

    #[test]
    fn unmanaged_user_fires_only_where_scim_is_in_use() {
        let mut f = Fixture::new();
        f.viewer("manual");
        f.viewer("scim");
        // Nobody is SCIM-provisioned: no SCIM, no finding.
        assert!(f.findings(Rule::UnmanagedUser).is_empty());
        f.user_mut("scim").externally_managed = true;
        let found = f.findings(Rule::UnmanagedUser);
        assert_eq!(subjects(&found), vec![("manual", "account")]);
        assert_evidence!("unmanaged_user_inferred", found[0]);
    }

    fn scim_listing(f: &mut Fixture, users: &[&str], groups: &[&str]) {
        f.snapshot.scim = Some(crate::snapshot::Scim {
            users: users
                .iter()
                .map(|u| crate::snapshot::ScimUser {
                    id: (*u).into(),
                    user_name: u.to_string(),
                    external_id: None,
                    active: true,
                    emails: Vec::new(),
                    created: None,
                })
                .collect(),
            groups: groups
                .iter()
                .map(|g| crate::snapshot::ScimGroup {
                    id: (*g).into(),
                    display_name: (*g).into(),
                    members: Vec::new(),
                })
                .collect(),
        });
    }

    #[test]
    fn unmanaged_user_uses_the_scim_listing_as_evidence_when_there_is_one() {
        let mut f = Fixture::new();
        f.viewer("both");
        f.viewer("absent");
        f.viewer("flagless");
        f.user("listed_no_access");
        for u in ["both", "absent", "listed_no_access"] {
            f.user_mut(u).externally_managed = true;
        }
        // userName matches the Harness email ignoring case.
        scim_listing(
            &mut f,
            &[
                "BOTH@example.com",
                "flagless@example.com",
                "listed_no_access@example.com",
            ],
            &[],
        );
        let found = f.findings(Rule::UnmanagedUser);
        assert_eq!(
            subjects(&found),
            vec![("absent", "account"), ("flagless", "account")]
        );
        // Absent from the listing though flagged; listed but not flagged.
        assert_evidence!("unmanaged_user_absent_from_the_listing", found[0]);
        assert_evidence!("unmanaged_user_listed_but_not_flagged", found[1]);
        // A listing by email (not userName) counts too.
        f.snapshot.scim.as_mut().unwrap().users[0].user_name = "opaque-id".into();
        f.snapshot.scim.as_mut().unwrap().users[0].emails = vec!["Both@Example.com".into()];
        assert_eq!(f.findings(Rule::UnmanagedUser).len(), 2);
        // An empty listing: the account does not use SCIM.
        scim_listing(&mut f, &[], &[]);
        assert!(f.findings(Rule::UnmanagedUser).is_empty());
        // Without a listing, the inference of before.
        f.snapshot.scim = None;
        let found = f.findings(Rule::UnmanagedUser);
        assert_eq!(subjects(&found), vec![("flagless", "account")]);
        assert_eq!(found[0].evidence["scim_evidence"], "inferred");
    }

    #[test]
    fn unmanaged_privileged_group_fires_on_a_hand_managed_admin_group_only() {
        let mut f = Fixture::new();
        f.user("ann");
        for g in [
            "admins", "sso", "scimmed", "viewers", "managed", "dormant", "listed",
        ] {
            f.group(&Scope::Account, g, &["ann"]);
        }
        f.group(&Scope::Account, "_account_all_users", &[]);
        f.assign(
            &Scope::Account,
            group("admins"),
            "_account_admin",
            ALL_ACCOUNT,
        );
        for g in ["sso", "scimmed", "managed", "listed", "_account_all_users"] {
            f.assign(&Scope::Account, group(g), "_account_admin", ALL_ACCOUNT);
        }
        f.assign(
            &Scope::Account,
            group("viewers"),
            "_account_viewer",
            ALL_ACCOUNT,
        );
        let ra = f.assign(
            &Scope::Account,
            group("dormant"),
            "_account_admin",
            ALL_ACCOUNT,
        );
        f.disable(ra);
        f.group_mut("sso").sso_linked = true;
        f.group_mut("scimmed").externally_managed = true;
        f.group_mut("managed").harness_managed = true;
        let found = f.findings(Rule::UnmanagedPrivilegedGroup);
        assert_eq!(
            subjects(&found),
            vec![
                ("group:account/admins", "account"),
                ("group:account/listed", "account")
            ]
        );
        assert_evidence!("unmanaged_privileged_group_admins", found[0]);
        // An empty admin group is empty-privileged-group's finding, not
        // this one's (nobody's membership is managed by hand yet).
        f.group(&Scope::Account, "nobody", &[]);
        f.assign(
            &Scope::Account,
            group("nobody"),
            "_account_admin",
            ALL_ACCOUNT,
        );
        assert!(!subjects(&f.findings(Rule::UnmanagedPrivilegedGroup))
            .iter()
            .any(|(p, _)| p.contains("nobody")));
        assert_eq!(f.findings(Rule::EmptyPrivilegedGroup).len(), 1);
        // With a SCIM listing, a group it lists is managed by the IdP.
        scim_listing(&mut f, &["ann@example.com"], &["listed"]);
        let found = f.findings(Rule::UnmanagedPrivilegedGroup);
        assert_eq!(subjects(&found), vec![("group:account/admins", "account")]);
        assert_evidence!("unmanaged_privileged_group_admins_with_a_listing", found[0]);
    }

    #[test]
    fn unmanaged_privileged_group_counts_escalation_but_not_write() {
        let mut f = Fixture::new();
        f.user("ann");
        f.group(&Scope::Account, "iam", &["ann"]);
        f.group(&Scope::Account, "deployers", &["ann"]);
        f.role(
            &Scope::Account,
            "iam_editor",
            &["core_role_edit", "core_role_view"],
        );
        f.role(
            &Scope::Account,
            "deploy",
            &["core_pipeline_execute", "core_pipeline_view"],
        );
        f.assign(&Scope::Account, group("iam"), "iam_editor", ALL_ACCOUNT);
        f.assign(&Scope::Account, group("deployers"), "deploy", ALL_ACCOUNT);
        let found = f.findings(Rule::UnmanagedPrivilegedGroup);
        assert_eq!(subjects(&found), vec![("group:account/iam", "account")]);
        assert_eq!(found[0].evidence["highest_privilege"], "escalation");
    }
}
