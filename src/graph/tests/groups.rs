//! Step 3: groups expand to their members; the built-in all-users groups
//! mean every user of their scope, listed or not.

use super::*;

#[test]
fn group_expands_to_its_known_members_and_ignores_unknown_ones() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .user_in("bob", &[])
        .user_in("carol", &[])
        .group(&account(), "ops", &["alice", "departed", "bob", "alice"]);
    let a = f.assign(
        &account(),
        group("ops"),
        role("_account_viewer"),
        ALL_ACCOUNT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &AssignmentStatus::Active);
    assert_eq!(holders(&g, a), vec!["alice", "bob"]);
    assert!(held(&g, "carol").is_empty());
    assert_eq!(g.find_principal("departed"), None);
    // The member list itself: sorted, each user once, unknown ids left out.
    let ops = GroupRef {
        index: Some(0),
        builtin_from_assignment: None,
    };
    assert_eq!(g.group_members(ops), [0, 1]);
}

#[test]
fn listed_all_users_group_means_every_user_of_its_scope_not_its_stored_members() {
    let mut f = Fixture::new();
    f.user_in("insider", &[org("eng"), project("eng", "pay")])
        .user_in("outsider", &[org("eng"), project("eng", "web")])
        // The stored list names only the outsider, who is not in the project.
        .group(&project("eng", "pay"), "_project_all_users", &["outsider"]);
    let a = f.assign(
        &project("eng", "pay"),
        group("_project_all_users"),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(holders(&g, a), vec!["insider"]);
    let all_users = GroupRef {
        index: Some(0),
        builtin_from_assignment: None,
    };
    assert_eq!(g.group_members(all_users), [0], "the scope's users");
    assert_eq!(
        held(&g, "insider"),
        vec![(a, "group:project:eng/pay/_project_all_users".to_string())]
    );
}

#[test]
fn listed_all_users_group_with_an_empty_member_list_still_holds_every_user_of_its_scope() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]).user_in("bob", &[org("eng")]).group(
        &account(),
        "_account_all_users",
        &[],
    );
    let a = f.assign(
        &project("eng", "pay"),
        group_at("_account_all_users", ScopeLevel::Account),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(holders(&g, a), vec!["alice", "bob"]);
}

#[test]
fn unlisted_all_users_groups_are_builtin_at_their_own_level() {
    let mut f = Fixture::new();
    f.user_in("alice", &[org("eng")])
        .user_in("bob", &[org("ops")])
        .user_in("carol", &[org("eng"), project("eng", "pay")]);
    let acc = f.assign(
        &project("eng", "pay"),
        group_at("_account_all_users", ScopeLevel::Account),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let eng = f.assign(
        &org("eng"),
        group("_organization_all_users"),
        role("_organization_viewer"),
        ALL_ORG,
    );
    let pay = f.assign(
        &project("eng", "pay"),
        group("_project_all_users"),
        role("_pipeline_executor"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    for a in [acc, eng, pay] {
        assert_eq!(status(&g, a), &AssignmentStatus::Active, "assignment {a}");
    }
    assert_eq!(holders(&g, acc), vec!["alice", "bob", "carol"]);
    assert_eq!(holders(&g, eng), vec!["alice", "carol"]);
    assert_eq!(holders(&g, pay), vec!["carol"]);
    assert_eq!(
        held(&g, "carol"),
        vec![
            (acc, "group:account/_account_all_users".to_string()),
            (eng, "group:org:eng/_organization_all_users".to_string()),
            (pay, "group:project:eng/pay/_project_all_users".to_string()),
        ]
    );
}

#[test]
fn unlisted_all_users_group_named_at_the_wrong_level_is_orphaned() {
    // `_account_all_users` without scopeLevel from a project means a project
    // group of that name, which is neither listed nor built in.
    let mut f = Fixture::new();
    f.user_in("alice", &[project("eng", "pay")]);
    let a = f.assign(
        &project("eng", "pay"),
        group("_account_all_users"),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &orphaned_for(OrphanReason::PrincipalMissing));
    assert!(g.grants.is_empty());
}
