//! Step 4: resolving an assignment's role the way the server does: a
//! custom role at the assignment scope (or at `roleReference.scopeLevel`),
//! else a Harness-managed role, listed or not.

use super::*;

#[test]
fn role_scope_level_is_where_the_role_is_looked_up() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .role(&org("eng"), "releaser", &["core_pipeline_execute"])
        .role(&account(), "auditor", &["core_audit_view"]);
    let at_org = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role_at("releaser", ScopeLevel::Organization),
        ALL_PROJECT,
    );
    // Near-miss: the role lives at the account, the reference says org.
    let wrong_level = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role_at("auditor", ScopeLevel::Organization),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, at_org), &AssignmentStatus::Active);
    assert_eq!(
        s.roles[g.assignments[at_org].role.unwrap()].scope,
        org("eng")
    );
    assert_eq!(
        status(&g, wrong_level),
        &orphaned_for(OrphanReason::RoleMissing)
    );
    assert!(g.access_of(wrong_level).is_none());
}

#[test]
fn role_without_scope_level_is_the_assignments_own_never_an_ancestors() {
    // RoleDaoImpl.getInternal: a custom role at the assignment's scope, else a
    // managed one; no walk up. An account role is reached from a project only
    // when the assignment names its level (a reusable custom role).
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .role(&account(), "deployer", &["core_pipeline_view"])
        .role(
            &project("eng", "pay"),
            "deployer",
            &["core_pipeline_execute"],
        )
        .role(&account(), "auditor", &["core_pipeline_view"]);
    let own = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role("deployer"),
        ALL_PROJECT,
    );
    let unreachable = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role("auditor"),
        ALL_PROJECT,
    );
    let reused = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role_at("auditor", ScopeLevel::Account),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        permission_ids(access(&g, own)),
        vec!["core_pipeline_execute"]
    );
    assert_eq!(
        status(&g, unreachable),
        &orphaned_for(OrphanReason::RoleMissing)
    );
    assert_eq!(
        s.roles[g.assignments[reused].role.unwrap()].scope,
        account()
    );
    assert_eq!(status(&g, reused), &AssignmentStatus::Active);
}

#[test]
fn custom_role_of_a_sibling_project_is_not_found() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]).role(
        &project("eng", "web"),
        "web_deployer",
        &["core_pipeline_execute"],
    );
    let a = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role("web_deployer"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &orphaned_for(OrphanReason::RoleMissing));
    assert!(held(&g, "alice").is_empty());
}

#[test]
fn harness_managed_role_exists_at_every_scope_even_when_listed_once() {
    // design.md 6: "Harness-managed roles exist at every scope". A snapshot
    // that lists a managed role at one scope only must still resolve it from
    // another, even with an explicit roleReference.scopeLevel.
    let mut f = Fixture::new();
    f.user_in("alice", &[]);
    f.snapshot
        .roles
        .retain(|r| !(r.id.as_str() == "_project_viewer" && r.scope != project("ops", "infra")));
    let a = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role_at("_project_viewer", ScopeLevel::Project),
        ALL_PROJECT,
    );
    // Near-miss: a custom role is never borrowed from another scope.
    f.role(
        &project("ops", "infra"),
        "infra_viewer",
        &["core_pipeline_view"],
    );
    let custom = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role_at("infra_viewer", ScopeLevel::Project),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &AssignmentStatus::Active);
    assert_eq!(access(&g, a).level, PrivilegeLevel::Read);
    assert_eq!(status(&g, custom), &orphaned_for(OrphanReason::RoleMissing));
}
