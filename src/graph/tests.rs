//! The graph rules of design.md section 6, one test per rule, each with a case
//! where access exists and a near-miss where it must not.
//!
//! Every test starts from the crate's fixture kit ([`Fixture::new`]): an
//! account with orgs `eng` and `ops`, projects `eng/pay`, `eng/web` and
//! `ops/infra`, a small permission catalogue and the Harness-managed roles
//! listed at every scope of their level. A test adds only the users, groups,
//! service accounts, roles, resource groups and role assignments its rule is
//! about.

use std::sync::Arc;

use super::*;
use crate::snapshot::{PrincipalRef, ResourceFilter, ResourceGroup, ScopeLevel};
use crate::testkit::*;

// ---------------------------------------------------------------------------
// Helpers on a built graph
// ---------------------------------------------------------------------------

fn principal(g: &AccessGraph<'_>, key: &str) -> Principal {
    g.find_principal(key)
        .unwrap_or_else(|| panic!("{key} is not a principal of the snapshot"))
}

/// The (assignment, via label) pairs a principal holds, sorted.
fn held(g: &AccessGraph<'_>, key: &str) -> Vec<(usize, String)> {
    let mut v: Vec<(usize, String)> = g
        .grants_of(principal(g, key))
        .iter()
        .map(|gr| (gr.assignment, g.via_label(gr.via)))
        .collect();
    v.sort();
    v
}

/// Every principal holding `assignment`, by identity id, sorted.
fn holders(g: &AccessGraph<'_>, assignment: usize) -> Vec<String> {
    let mut v: Vec<String> = g
        .grants
        .iter()
        .filter(|gr| gr.assignment == assignment)
        .map(|gr| g.identity(gr.principal).id)
        .collect();
    v.sort();
    v
}

fn status<'g>(g: &'g AccessGraph<'_>, assignment: usize) -> &'g AssignmentStatus {
    &g.assignments[assignment].status
}

fn orphaned_for(reason: OrphanReason) -> AssignmentStatus {
    AssignmentStatus::Orphaned(vec![reason])
}

fn access<'g>(g: &'g AccessGraph<'_>, assignment: usize) -> &'g Access {
    g.access_of(assignment)
        .unwrap_or_else(|| panic!("assignment {assignment} has no access"))
}

fn permission_ids(a: &Access) -> Vec<&str> {
    a.permissions.iter().map(|p| p.as_str()).collect()
}

// ---------------------------------------------------------------------------
// Step 2: principals
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Step 3: group expansion
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Step 4: roles
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Step 5: resource groups
// ---------------------------------------------------------------------------

#[test]
fn all_resources_including_child_scopes_covers_the_assignment_scope_and_descendants() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]);
    let a = f.assign(
        &org("eng"),
        user("alice"),
        role("_organization_viewer"),
        ALL_CHILDREN,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    let acc = access(&g, a);

    assert_eq!(
        g.assignments[a].resource_group,
        Some(ResolvedResourceGroup::Builtin(ALL_CHILDREN.into()))
    );
    assert!(acc.covers(&org("eng")));
    assert!(acc.covers(&project("eng", "pay")));
    assert!(acc.covers(&project("eng", "web")));
    assert!(!acc.covers(&account()));
    assert!(!acc.covers(&org("ops")));
    assert!(!acc.covers(&project("ops", "infra")));
    assert_eq!(acc.resources, None);
}

#[test]
fn scope_level_builtin_resource_groups_cover_only_the_assignment_scope() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]);
    let acc_rg = f.assign(
        &account(),
        user("alice"),
        role("_account_viewer"),
        ALL_ACCOUNT,
    );
    let org_rg = f.assign(
        &org("eng"),
        user("alice"),
        role("_organization_viewer"),
        ALL_ORG,
    );
    let proj_rg = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role("_project_viewer"),
        ALL_PROJECT,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    let a = access(&g, acc_rg);
    assert!(a.covers(&account()));
    assert!(!a.covers(&org("eng")));
    assert!(!a.covers(&project("eng", "pay")));

    let o = access(&g, org_rg);
    assert!(o.covers(&org("eng")));
    assert!(!o.covers(&project("eng", "pay")));
    assert!(!o.covers(&account()));

    let p = access(&g, proj_rg);
    assert!(p.covers(&project("eng", "pay")));
    assert!(!p.covers(&project("eng", "web")));
}

#[test]
fn listed_builtin_resource_group_without_included_scopes_keeps_its_builtin_meaning() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]);
    f.snapshot.resource_groups.push(ResourceGroup {
        scope: org("eng"),
        id: ALL_CHILDREN.into(),
        name: "All Resources Including Child Scopes".into(),
        harness_managed: true,
        included_scopes: Vec::new(),
        resource_filter: ResourceFilter {
            include_all: true,
            resources: Vec::new(),
        },
    });
    let a = f.assign(
        &org("eng"),
        user("alice"),
        role("_organization_viewer"),
        ALL_CHILDREN,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        g.assignments[a].resource_group,
        Some(ResolvedResourceGroup::Listed(0))
    );
    assert!(access(&g, a).covers(&project("eng", "pay")));
    assert!(!access(&g, a).covers(&org("ops")));
}

#[test]
fn custom_resource_group_including_child_scopes_covers_descendants() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .resource_group(&account(), "eng_tree", &[(org("eng"), true)]);
    let a = f.assign(
        &account(),
        user("alice"),
        role("_account_viewer"),
        "eng_tree",
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    let acc = access(&g, a);

    assert!(acc.covers(&org("eng")));
    assert!(acc.covers(&project("eng", "pay")));
    assert!(!acc.covers(&account()));
    assert!(!acc.covers(&project("ops", "infra")));
}

#[test]
fn custom_resource_group_excluding_child_scopes_does_not_cover_a_child_project() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .resource_group(&account(), "eng_only", &[(org("eng"), false)]);
    let a = f.assign(
        &account(),
        user("alice"),
        role("_account_viewer"),
        "eng_only",
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    let acc = access(&g, a);

    assert!(acc.covers(&org("eng")));
    assert!(!acc.covers(&project("eng", "pay")));
    assert!(!acc.covers(&account()));
}

#[test]
fn resource_filter_keeps_only_the_role_permissions_on_the_listed_types() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .role(
            &account(),
            "mixed",
            &[
                "core_pipeline_execute",
                "core_secret_access",
                "core_governancepolicy_edit",
            ],
        )
        .typed_resource_group(
            &account(),
            "pipelines_and_policies",
            &[(account(), true)],
            &["PIPELINE", "GOVERNANCE_POLICY"],
        );
    let a = f.assign(
        &account(),
        user("alice"),
        role("mixed"),
        "pipelines_and_policies",
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    let acc = access(&g, a);

    // GOVERNANCE_POLICY is the catalogue's type; the identifier alone would
    // suggest GOVERNANCEPOLICY and drop the permission.
    assert_eq!(
        permission_ids(acc),
        vec!["core_governancepolicy_edit", "core_pipeline_execute"]
    );
    assert!(!acc.has_permission("core_secret_access"));
    assert_eq!(
        acc.resources.as_ref().map(|r| r.len()),
        Some(2),
        "the selectors are kept for the report"
    );
}

#[test]
fn missing_custom_resource_group_orphans_the_assignment() {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        // Near-miss: it exists, but at the account, not at the assignment scope.
        .resource_group(&account(), "eng_tree", &[(org("eng"), true)]);
    let missing = f.assign(
        &account(),
        user("alice"),
        role("_account_viewer"),
        "no_such_rg",
    );
    let wrong_scope = f.assign(
        &org("eng"),
        user("alice"),
        role("_organization_viewer"),
        "eng_tree",
    );
    let found = f.assign(
        &account(),
        user("alice"),
        role("_account_viewer"),
        "eng_tree",
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        status(&g, missing),
        &orphaned_for(OrphanReason::ResourceGroupMissing)
    );
    assert_eq!(
        status(&g, wrong_scope),
        &orphaned_for(OrphanReason::ResourceGroupMissing)
    );
    assert_eq!(status(&g, found), &AssignmentStatus::Active);
    assert_eq!(held(&g, "alice"), vec![(found, "direct".to_string())]);
}

#[test]
fn every_missing_part_is_named_in_the_orphan_reasons() {
    let mut f = Fixture::new();
    let a = f.assign(&account(), user("ghost"), role("no_role"), "no_rg");
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(
        status(&g, a),
        &AssignmentStatus::Orphaned(vec![
            OrphanReason::PrincipalMissing,
            OrphanReason::RoleMissing,
            OrphanReason::ResourceGroupMissing,
        ])
    );
    assert!(g.access_of(a).is_none());
}

// ---------------------------------------------------------------------------
// Step 1: disabled assignments
// ---------------------------------------------------------------------------

#[test]
fn disabled_assignment_grants_nothing_but_keeps_what_reenabling_would_grant() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]).user_in("bob", &[]);
    let off = f.assign(
        &account(),
        user("alice"),
        role("_account_admin"),
        ALL_CHILDREN,
    );
    f.disable(off);
    let on = f.assign(
        &account(),
        user("bob"),
        role("_account_admin"),
        ALL_CHILDREN,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, off), &AssignmentStatus::Disabled);
    assert_eq!(status(&g, off).as_str(), "disabled");
    assert!(held(&g, "alice").is_empty());
    assert_eq!(
        g.highest_level(principal(&g, "alice")),
        PrivilegeLevel::None
    );
    assert_eq!(access(&g, off).level, PrivilegeLevel::Admin);
    assert_eq!(access(&g, off).admin_of, Some(account()));

    assert_eq!(status(&g, on), &AssignmentStatus::Active);
    assert_eq!(held(&g, "bob"), vec![(on, "direct".to_string())]);
}

// ---------------------------------------------------------------------------
// Privilege levels
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Lookups and traceability
// ---------------------------------------------------------------------------

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

#[test]
fn a_selector_naming_no_scope_covers_the_scope_the_group_is_used_at() {
    // Harness stores its built-in groups once, with `includedScopes:
    // [{"filter": ...}]` and no identifiers (ResourceGroupFactory.getScope).
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .role(&account(), "viewer", &["core_pipeline_view"]);
    for (scope, children) in [(org("eng"), true), (project("eng", "pay"), false)] {
        f.snapshot.resource_groups.push(ResourceGroup {
            scope: scope.clone(),
            id: "builtin".into(),
            name: "builtin".into(),
            harness_managed: true,
            included_scopes: vec![crate::snapshot::ScopeSelector {
                scope: None,
                include_child_scopes: children,
            }],
            resource_filter: ResourceFilter {
                include_all: true,
                resources: Vec::new(),
            },
        });
    }
    let at_org = f.assign(
        &org("eng"),
        user("alice"),
        role_at("viewer", ScopeLevel::Account),
        "builtin",
    );
    let at_project = f.assign(
        &project("eng", "pay"),
        user("alice"),
        role_at("viewer", ScopeLevel::Account),
        "builtin",
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    assert_eq!(format_targets(&access(&g, at_org).targets), "org:eng/**");
    assert!(access(&g, at_org).covers(&project("eng", "web")));
    assert_eq!(
        format_targets(&access(&g, at_project).targets),
        "project:eng/pay"
    );
    assert!(!access(&g, at_project).covers(&org("eng")));
}

#[test]
fn a_custom_resource_group_with_no_included_scopes_covers_nothing() {
    // ResourceGroupFactory.buildResourceSelector: an empty includedScopes
    // yields no selector at all.
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .role(&org("eng"), "deployer", &["core_pipeline_execute"])
        .resource_group(&org("eng"), "nothing", &[])
        .resource_group(&org("eng"), "eng_only", &[(org("eng"), false)]);
    let empty = f.assign(&org("eng"), user("alice"), role("deployer"), "nothing");
    let near_miss = f.assign(&org("eng"), user("alice"), role("deployer"), "eng_only");
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    assert!(access(&g, empty).targets.is_empty());
    assert!(!access(&g, empty).covers(&org("eng")));
    assert!(access(&g, near_miss).covers(&org("eng")));
}
