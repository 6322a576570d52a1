//! Step 5: the resource group decides the target scopes (built-in groups,
//! `includedScopes` with and without child scopes, entries naming no scope,
//! an empty list) and the resource types; a missing one orphans the
//! assignment.

use super::*;

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
