//! Privilege levels: Harness's own admin definition (PL-47632 included), a
//! custom role holding every access-control management permission, and
//! escalation, write, read and none.

use super::*;

#[test]
fn account_admin_on_an_all_resources_group_at_account_is_admin_of_the_account() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]).user_in("bob", &[]);
    let a = f.assign(
        &account(),
        user("alice"),
        role("_account_admin"),
        ALL_CHILDREN,
    );
    let b = f.assign(&account(), user("bob"), role("_account_admin"), ALL_ACCOUNT);
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    for x in [a, b] {
        assert_eq!(access(&g, x).level, PrivilegeLevel::Admin);
        assert_eq!(access(&g, x).admin_of, Some(account()));
    }
    assert_eq!(g.admin_scopes(principal(&g, "alice")), vec![account()]);
    assert_eq!(g.admin_scopes(principal(&g, "bob")), vec![account()]);
}

#[test]
fn account_admin_on_a_single_project_resource_group_is_not_admin_pl_47632() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]).resource_group(
        &account(),
        "pay_only",
        &[(project("eng", "pay"), false)],
    );
    let a = f.assign(
        &account(),
        user("alice"),
        role("_account_admin"),
        "pay_only",
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    let acc = access(&g, a);

    assert_eq!(acc.admin_of, None);
    assert_ne!(acc.level, PrivilegeLevel::Admin);
    assert_eq!(acc.level, PrivilegeLevel::Escalation);
    assert!(g.admin_scopes(principal(&g, "alice")).is_empty());
}

#[test]
fn org_and_project_admin_roles_are_admin_of_their_own_scope() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]).user_in("bob", &[]);
    let o = f.assign(
        &org("eng"),
        user("alice"),
        role("_organization_admin"),
        ALL_ORG,
    );
    let p = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role("_project_admin"),
        ALL_CHILDREN,
    );
    // Near-miss: project admin on a narrower custom group.
    f.typed_resource_group(
        &project("eng", "web"),
        "pipes",
        &[(project("eng", "web"), false)],
        &["PIPELINE"],
    );
    let narrow = f.assign(
        &project("eng", "web"),
        user("bob"),
        role("_project_admin"),
        "pipes",
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(access(&g, o).admin_of, Some(org("eng")));
    assert_eq!(access(&g, p).admin_of, Some(project("eng", "pay")));
    assert_eq!(
        g.admin_scopes(principal(&g, "alice")),
        vec![org("eng"), project("eng", "pay")]
    );
    assert_eq!(access(&g, narrow).admin_of, None);
    assert_eq!(access(&g, narrow).level, PrivilegeLevel::Write);
}

#[test]
fn custom_role_with_all_access_control_management_on_its_own_scope_is_admin() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .user_in("bob", &[])
        .user_in("carol", &[])
        .role(&org("eng"), "iam_owner", ACM)
        .role(&org("eng"), "iam_almost", &ACM[1..])
        .resource_group(&org("eng"), "eng_all", &[(org("eng"), true)])
        .resource_group(&org("eng"), "pay_all", &[(project("eng", "pay"), true)]);
    let admin = f.assign(&org("eng"), user("alice"), role("iam_owner"), "eng_all");
    // Near-miss: one management permission short.
    let short = f.assign(&org("eng"), user("bob"), role("iam_almost"), "eng_all");
    // Near-miss: all of them, but on a group that does not cover the org itself.
    let elsewhere = f.assign(&org("eng"), user("carol"), role("iam_owner"), "pay_all");
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(access(&g, admin).level, PrivilegeLevel::Admin);
    assert_eq!(access(&g, admin).admin_of, Some(org("eng")));
    assert_eq!(access(&g, short).level, PrivilegeLevel::Escalation);
    assert_eq!(access(&g, short).admin_of, None);
    assert_eq!(access(&g, elsewhere).admin_of, None);
    assert_eq!(
        g.highest_level(principal(&g, "alice")),
        PrivilegeLevel::Admin
    );
    assert_eq!(
        g.highest_level(principal(&g, "bob")),
        PrivilegeLevel::Escalation
    );
}

#[test]
fn custom_role_with_all_access_control_management_on_a_type_filtered_group_is_not_admin() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .role(&account(), "iam_owner", ACM)
        .typed_resource_group(
            &account(),
            "iam_types",
            &[(account(), true)],
            &[
                "USER",
                "USERGROUP",
                "SERVICEACCOUNT",
                "ROLE",
                "RESOURCEGROUP",
            ],
        );
    let a = f.assign(&account(), user("alice"), role("iam_owner"), "iam_types");
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(access(&g, a).admin_of, None);
    assert_eq!(access(&g, a).level, PrivilegeLevel::Escalation);
}

#[test]
fn escalation_write_read_and_none_levels() {
    let mut f = Fixture::new();
    f.user_in("esc", &[])
        .user_in("writer", &[])
        .user_in("reader", &[])
        .user_in("nobody", &[])
        .role(
            &account(),
            "group_manager",
            &["core_usergroup_view", "core_usergroup_manage"],
        )
        .role(
            &account(),
            "runner",
            &["core_pipeline_view", "core_pipeline_execute"],
        )
        .role(
            &account(),
            "looker",
            &["core_pipeline_view", "core_secret_view"],
        )
        .typed_resource_group(&account(), "secrets", &[(account(), true)], &["SECRET"]);
    let e = f.assign(&account(), user("esc"), role("group_manager"), ALL_CHILDREN);
    let w = f.assign(&account(), user("writer"), role("runner"), ALL_CHILDREN);
    let r = f.assign(&account(), user("reader"), role("looker"), ALL_CHILDREN);
    // The filter keeps only secrets; the role has none of those: no permission survives.
    let n = f.assign(&account(), user("nobody"), role("runner"), "secrets");
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(access(&g, e).level, PrivilegeLevel::Escalation);
    assert_eq!(access(&g, w).level, PrivilegeLevel::Write);
    assert_eq!(access(&g, r).level, PrivilegeLevel::Read);
    assert_eq!(access(&g, n).level, PrivilegeLevel::None);
    assert!(access(&g, n).permissions.is_empty());
    for (who, level) in [
        ("esc", PrivilegeLevel::Escalation),
        ("writer", PrivilegeLevel::Write),
        ("reader", PrivilegeLevel::Read),
        ("nobody", PrivilegeLevel::None),
    ] {
        assert_eq!(g.highest_level(principal(&g, who)), level, "{who}");
        assert!(g.admin_scopes(principal(&g, who)).is_empty(), "{who}");
    }
}

#[test]
fn highest_level_is_the_strongest_of_all_grants() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .user_in("bob", &[])
        .group(&account(), "admins", &["alice"]);
    f.assign(
        &account(),
        user("alice"),
        role("_account_viewer"),
        ALL_ACCOUNT,
    );
    f.assign(
        &project("eng", "pay"),
        user("alice"),
        role("_pipeline_executor"),
        ALL_PROJECT,
    );
    f.assign(
        &org("eng"),
        group_at("admins", ScopeLevel::Account),
        role("_organization_admin"),
        ALL_ORG,
    );
    f.assign(
        &account(),
        user("bob"),
        role("_account_viewer"),
        ALL_ACCOUNT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        g.highest_level(principal(&g, "alice")),
        PrivilegeLevel::Admin
    );
    assert_eq!(g.admin_scopes(principal(&g, "alice")), vec![org("eng")]);
    assert_eq!(g.highest_level(principal(&g, "bob")), PrivilegeLevel::Read);
}

#[test]
fn permissions_the_access_check_allows_to_everyone_are_no_grant_of_a_role() {
    // ACLServiceImpl.checkAccess permits every principal a permission whose
    // catalogue status is INACTIVE, EXPERIMENTAL or STAGING
    // (disabledPermissions): a role holding one grants nothing by it.
    let mut f = Fixture::new();
    f.user_in("notifier", &[]).user_in("runner", &[]);
    for (id, status) in [
        ("core_notification_edit", "EXPERIMENTAL"),
        ("core_usergroup_manage", "ACTIVE"),
    ] {
        if let Some(p) = f
            .snapshot
            .permissions
            .iter_mut()
            .find(|p| p.id.as_str() == id)
        {
            p.status = Some(status.into());
        } else {
            f.snapshot.permissions.push(crate::snapshot::Permission {
                id: id.into(),
                name: None,
                resource_type: "NOTIFICATION".into(),
                action: Some("edit".into()),
                status: Some(status.into()),
                allowed_scope_levels: Vec::new(),
            });
        }
    }
    f.role(&account(), "notifier", &["core_notification_edit"]);
    f.role(
        &account(),
        "runner_plus",
        &["core_pipeline_execute", "core_notification_edit"],
    );
    let n = f.assign(&account(), user("notifier"), role("notifier"), ALL_CHILDREN);
    let r = f.assign(
        &account(),
        user("runner"),
        role("runner_plus"),
        ALL_CHILDREN,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    assert_eq!(access(&g, n).level, PrivilegeLevel::None);
    assert!(access(&g, n).permissions.is_empty());
    let got: Vec<&str> = access(&g, r)
        .permissions
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(got, ["core_pipeline_execute"]);
    assert!(g.permission_always_allowed("core_notification_edit"));
    // Near miss: the same permission ACTIVE is granted.
    let mut s2 = s.clone();
    for p in &mut s2.permissions {
        if p.id.as_str() == "core_notification_edit" {
            p.status = Some("ACTIVE".into());
        }
    }
    let g2 = AccessGraph::build(&s2);
    assert_eq!(access(&g2, n).level, PrivilegeLevel::Write);
}
