//! Lookups and traceability: principals by email, uuid or service-account
//! key; grants grouped per principal and traced to their assignment; one
//! shared access per role, resource group and scope.

use super::*;

#[test]
fn find_principal_by_email_uuid_and_service_account_key() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .service_account(&project("eng", "pay"), "deployer")
        .service_account(&account(), "deployer");
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(g.find_principal("alice"), Some(Principal::User(0)));
    assert_eq!(
        g.find_principal("alice@example.com"),
        Some(Principal::User(0))
    );
    assert_eq!(
        g.find_principal("ALICE@Example.COM"),
        Some(Principal::User(0))
    );
    assert_eq!(
        g.find_principal("sa:project:eng/pay/deployer"),
        Some(Principal::ServiceAccount(0))
    );
    assert_eq!(
        g.find_principal("sa:account/deployer"),
        Some(Principal::ServiceAccount(1))
    );
    assert_eq!(
        g.identity(Principal::ServiceAccount(0)).id,
        "sa:project:eng/pay/deployer"
    );

    // Near-misses.
    assert_eq!(g.find_principal("ALICE"), None, "uuids are case-sensitive");
    assert_eq!(g.find_principal("sa:org:eng/deployer"), None);
    assert_eq!(g.find_principal("sa:deployer"), None);
    assert_eq!(g.find_principal("nobody@example.com"), None);
}

#[test]
fn grants_are_grouped_per_principal_and_point_at_their_assignment() {
    let mut f = Fixture::new();
    f.user_in("alice", &[project("eng", "pay")])
        .user_in("bob", &[project("eng", "pay")])
        .group(&account(), "devs", &["alice", "bob"])
        .service_account(&project("eng", "pay"), "ci");
    let a0 = f.assign(
        &project("eng", "pay"),
        user("bob"),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let a1 = f.assign(
        &project("eng", "pay"),
        group_at("devs", ScopeLevel::Account),
        role("_pipeline_executor"),
        ALL_PROJECT,
    );
    let a2 = f.assign(
        &project("eng", "pay"),
        sa("ci"),
        role("_pipeline_executor"),
        ALL_PROJECT,
    );
    let a3 = f.assign(
        &account(),
        user("alice"),
        role("_account_viewer"),
        ALL_ACCOUNT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        held(&g, "alice"),
        vec![
            (a1, "group:account/devs".to_string()),
            (a3, "direct".to_string())
        ]
    );
    assert_eq!(
        held(&g, "bob"),
        vec![
            (a0, "direct".to_string()),
            (a1, "group:account/devs".to_string())
        ]
    );
    assert_eq!(
        held(&g, "sa:project:eng/pay/ci"),
        vec![(a2, "direct".to_string())]
    );

    // Every grant traces to the right Harness object.
    for gr in &g.grants {
        let ra = &s.role_assignments[gr.assignment];
        match (gr.principal, gr.via) {
            (Principal::User(u), Via::Direct) => {
                assert_eq!(ra.principal.id, s.users[u].id.as_str())
            }
            (Principal::ServiceAccount(x), Via::Direct) => {
                assert_eq!(ra.principal.id, s.service_accounts[x].id.as_str())
            }
            (Principal::User(u), Via::Group(grp)) => {
                let (_, id) = g.group_scope_and_id(grp);
                assert_eq!(ra.principal.id, id);
                assert!(g.group_members(grp).contains(&u));
            }
            (p, v) => panic!("unexpected grant {p:?} via {v:?}"),
        }
        assert_eq!(
            g.assignments[gr.assignment].status,
            AssignmentStatus::Active
        );
    }
    // grants_of is a contiguous slice of `grants` per principal.
    let total: usize = g.principals().map(|p| g.grants_of(p).len()).sum();
    assert_eq!(total, g.grants.len());
    for p in g.principals() {
        assert!(g.grants_of(p).iter().all(|gr| gr.principal == p));
    }
}

#[test]
fn principal_without_grants_has_level_none_and_no_admin_scopes() {
    let mut f = Fixture::new();
    f.user_in("idle", &[]);
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    let p = principal(&g, "idle");

    assert!(g.grants_of(p).is_empty());
    assert_eq!(g.highest_level(p), PrivilegeLevel::None);
    assert!(g.admin_scopes(p).is_empty());
}

#[test]
fn same_role_and_resource_group_at_one_scope_share_one_access() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]).user_in("bob", &[]);
    let a = f.assign(
        &org("eng"),
        user("alice"),
        role("_organization_viewer"),
        ALL_ORG,
    );
    let b = f.assign(
        &org("eng"),
        user("bob"),
        role("_organization_viewer"),
        ALL_ORG,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    let (x, y) = (
        g.assignments[a].access.as_ref().unwrap(),
        g.assignments[b].access.as_ref().unwrap(),
    );
    assert!(Arc::ptr_eq(x, y));
}
