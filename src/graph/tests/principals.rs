//! Step 2: resolving an assignment's principal (user, group, service
//! account) at the scope level Harness looks at; unresolvable ones are
//! orphaned and grant nothing.

use super::*;

#[test]
fn user_assignment_resolves_to_the_user_with_that_uuid() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]).user_in("bob", &[]);
    let a = f.assign(
        &account(),
        user("alice"),
        role("_account_viewer"),
        ALL_ACCOUNT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &AssignmentStatus::Active);
    assert_eq!(g.assignments[a].principal, Some(ResolvedPrincipal::User(0)));
    assert_eq!(held(&g, "alice"), vec![(a, "direct".to_string())]);
    assert!(held(&g, "bob").is_empty());
}

#[test]
fn user_assignment_to_an_unknown_uuid_is_orphaned_and_grants_nothing() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]);
    let a = f.assign(
        &account(),
        user("ghost"),
        role("_account_viewer"),
        ALL_ACCOUNT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &orphaned_for(OrphanReason::PrincipalMissing));
    assert!(g.access_of(a).is_none());
    assert!(g.grants.is_empty());
}

#[test]
fn unsupported_principal_kind_is_orphaned() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]);
    let principal = PrincipalRef {
        kind: "API_KEY".into(),
        id: "alice".into(),
        scope_level: None,
    };
    let a = f.assign(&account(), principal, role("_account_viewer"), ALL_ACCOUNT);
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        status(&g, a),
        &orphaned_for(OrphanReason::UnsupportedPrincipalKind("API_KEY".into()))
    );
    assert!(g.grants.is_empty());
}

#[test]
fn a_harness_service_principal_is_internal_not_orphaned() {
    // Harness binds roles to its own microservices (PrincipalType SERVICE);
    // there is no such principal in the account to find, and nothing to
    // review.
    let mut f = Fixture::new();
    let principal = PrincipalRef {
        kind: "SERVICE".into(),
        id: "pipelineService".into(),
        scope_level: None,
    };
    let a = f.assign(&account(), principal, role("_account_viewer"), ALL_ACCOUNT);
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &AssignmentStatus::Internal);
    assert!(g.access_of(a).is_none());
    assert!(g.grants.is_empty());
}

#[test]
fn group_scope_level_account_from_a_project_assignment_resolves_to_the_account_group() {
    let mut f = Fixture::new();
    f.user_in("alice", &[project("eng", "pay")])
        .group(&account(), "platform", &["alice"]);
    let a = f.assign(
        &project("eng", "pay"),
        group_at("platform", ScopeLevel::Account),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &AssignmentStatus::Active);
    assert_eq!(
        g.assignments[a].principal,
        Some(ResolvedPrincipal::Group(GroupRef {
            index: Some(0),
            builtin_from_assignment: None
        }))
    );
    assert_eq!(
        held(&g, "alice"),
        vec![(a, "group:account/platform".to_string())]
    );
}

#[test]
fn group_without_scope_level_is_looked_up_at_the_assignment_scope_only() {
    // The group exists only at the account; the project assignment names it
    // without scopeLevel, so Harness looks for it in the project: orphaned.
    let mut f = Fixture::new();
    f.user_in("alice", &[project("eng", "pay")])
        .group(&account(), "platform", &["alice"]);
    let a = f.assign(
        &project("eng", "pay"),
        group("platform"),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &orphaned_for(OrphanReason::PrincipalMissing));
    assert!(held(&g, "alice").is_empty());
}

#[test]
fn group_without_scope_level_resolves_when_it_lives_at_the_assignment_scope() {
    let mut f = Fixture::new();
    f.user_in("alice", &[project("eng", "pay")])
        .group(&account(), "platform", &[])
        .group(&project("eng", "pay"), "platform", &["alice"]);
    let a = f.assign(
        &project("eng", "pay"),
        group("platform"),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, a), &AssignmentStatus::Active);
    assert_eq!(
        held(&g, "alice"),
        vec![(a, "group:project:eng/pay/platform".to_string())]
    );
}

#[test]
fn group_scope_level_below_the_assignment_scope_is_orphaned() {
    let mut f = Fixture::new();
    f.user_in("alice", &[project("eng", "pay")]).group(
        &project("eng", "pay"),
        "payers",
        &["alice"],
    );
    let a = f.assign(
        &account(),
        group_at("payers", ScopeLevel::Project),
        role("_account_viewer"),
        ALL_ACCOUNT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        status(&g, a),
        &orphaned_for(OrphanReason::PrincipalLevelBelowScope)
    );
    assert!(held(&g, "alice").is_empty());
}

#[test]
fn service_account_without_scope_level_is_searched_project_then_org_then_account() {
    let mut f = Fixture::new();
    f.service_account(&account(), "deployer")
        .service_account(&org("eng"), "deployer")
        .service_account(&account(), "auditor");
    // Nearest wins: the org SA, not the account one of the same id.
    let nearest = f.assign(
        &project("eng", "pay"),
        sa("deployer"),
        role("_pipeline_executor"),
        ALL_PROJECT,
    );
    // Found only at the account, two levels up.
    let far = f.assign(
        &project("eng", "pay"),
        sa("auditor"),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        g.assignments[nearest].principal,
        Some(ResolvedPrincipal::ServiceAccount(1))
    );
    assert_eq!(
        held(&g, "sa:org:eng/deployer"),
        vec![(nearest, "direct".to_string())]
    );
    assert!(held(&g, "sa:account/deployer").is_empty());
    assert_eq!(
        held(&g, "sa:account/auditor"),
        vec![(far, "direct".to_string())]
    );
}

#[test]
fn service_account_with_scope_level_is_looked_up_only_at_that_level() {
    let mut f = Fixture::new();
    f.service_account(&account(), "deployer")
        .service_account(&project("eng", "pay"), "deployer")
        .service_account(&project("eng", "pay"), "local_only");
    let at_account = f.assign(
        &project("eng", "pay"),
        sa_at("deployer", ScopeLevel::Account),
        role("_pipeline_executor"),
        ALL_PROJECT,
    );
    // Near-miss: it exists in the project, but the reference says org.
    let wrong_level = f.assign(
        &project("eng", "pay"),
        sa_at("local_only", ScopeLevel::Organization),
        role("_pipeline_executor"),
        ALL_PROJECT,
    );
    // A level below the assignment scope is never searched.
    let below = f.assign(
        &org("eng"),
        sa_at("local_only", ScopeLevel::Project),
        role("_organization_viewer"),
        ALL_ORG,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        held(&g, "sa:account/deployer"),
        vec![(at_account, "direct".to_string())]
    );
    assert!(held(&g, "sa:project:eng/pay/deployer").is_empty());
    assert_eq!(
        status(&g, wrong_level),
        &orphaned_for(OrphanReason::PrincipalMissing)
    );
    assert_eq!(
        status(&g, below),
        &orphaned_for(OrphanReason::PrincipalLevelBelowScope)
    );
    assert!(held(&g, "sa:project:eng/pay/local_only").is_empty());
}
