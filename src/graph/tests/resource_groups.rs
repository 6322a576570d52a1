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

/// `ff_featureflag_edit` on a group that selects only Environments.
fn feature_flag_access(selected: &str, permissions: &[&str]) -> Vec<String> {
    let mut f = Fixture::new();
    f.user_in("alice", &[])
        .role(&account(), "flags", permissions)
        .typed_resource_group(&account(), "envs", &[(account(), true)], &[selected]);
    let a = f.assign(&account(), user("alice"), role("flags"), "envs");
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    permission_ids(access(&g, a))
        .into_iter()
        .map(str::to_string)
        .collect()
}

#[test]
fn feature_flag_permissions_act_on_the_environments_a_group_selects() {
    // resource-permissions-exception-mapping.yml: ENVIRONMENT takes
    // ff_featureflag_edit/_delete/_toggle and ff_targetgroup_edit/_delete.
    let perms = [
        "ff_featureflag_edit",
        "ff_featureflag_view",
        "ff_targetgroup_edit",
        "core_environment_view",
        "core_service_view",
    ];
    assert_eq!(
        feature_flag_access("ENVIRONMENT", &perms),
        vec![
            "core_environment_view",
            "ff_featureflag_edit",
            "ff_targetgroup_edit"
        ]
    );
    // Near misses: the view is not mapped to environments, and a group of
    // services gives no feature-flag permission.
    assert_eq!(
        feature_flag_access("SERVICE", &perms),
        vec!["core_service_view"]
    );
    // The selector's type is compared without case, as the server does.
    assert_eq!(
        feature_flag_access("environment", &["ff_featureflag_toggle"]),
        vec!["ff_featureflag_toggle"]
    );
}

#[test]
fn every_permission_of_the_servers_catalogue_has_harnesss_resource_type() {
    // The server's catalogue (permissions.yml), pulled with no resource
    // types: each permission's type must come from Harness's table, never
    // from a guess at its identifier.
    let catalogue: Vec<(&str, &str, &str)> = include_str!("server_permissions.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut c = l.split('\t');
            (c.next().unwrap(), c.next().unwrap(), c.next().unwrap_or(""))
        })
        .collect();
    assert_eq!(catalogue.len(), 264, "the whole catalogue is read");
    let s = Fixture::new().snapshot;
    let g = AccessGraph::build(&s);
    for (id, _, _) in &catalogue {
        let t = super::permission_types::known_resource_type(id)
            .unwrap_or_else(|| panic!("{id} has no resource type in Harness's table"));
        assert_eq!(g.permission_resource_type(id), t, "{id}");
        assert!(g.permission_acts_on(id, t), "{id} acts on its own type");
    }
    // The old guess took `environmentgroup` to ENVIRONMENTGROUP.
    assert_eq!(
        g.permission_resource_type("core_environmentgroup_view"),
        "ENVIRONMENT_GROUP"
    );
    // Every extra mapping names a permission of the catalogue and a type of
    // the table.
    for (p, t) in super::permission_types::EXTRA_RESOURCE_TYPES {
        assert!(catalogue.iter().any(|(id, _, _)| id == p), "{p}");
        assert!(
            super::permission_types::RESOURCE_TYPES
                .iter()
                .any(|(_, x)| x == t),
            "{t}"
        );
        assert!(g.permission_acts_on(p, t));
    }

    // With the catalogue pulled as the server answers it (statuses
    // included), a role holding every permission on an all-resources group
    // grants exactly the ACTIVE ones: STAGING and EXPERIMENTAL permissions
    // are allowed to everyone, never a grant of the role.
    let mut f = Fixture::new();
    f.snapshot.permissions = catalogue
        .iter()
        .map(|(id, status, levels)| crate::snapshot::Permission {
            id: (*id).into(),
            name: None,
            resource_type: super::permission_types::known_resource_type(id)
                .unwrap()
                .to_string(),
            action: id.rsplit('_').next().map(str::to_string),
            status: Some((*status).to_string()),
            allowed_scope_levels: levels
                .split(',')
                .filter_map(|l| serde_json::from_value(serde_json::json!(l)).ok())
                .collect(),
        })
        .collect();
    let all: Vec<&str> = catalogue.iter().map(|(id, _, _)| *id).collect();
    f.user_in("alice", &[]).role(&account(), "everything", &all);
    let a = f.assign(&account(), user("alice"), role("everything"), ALL_CHILDREN);
    let s = f.snapshot;
    let g = AccessGraph::build(&s);
    let active: Vec<&str> = {
        let mut v: Vec<&str> = catalogue
            .iter()
            .filter(|(_, st, _)| *st == "ACTIVE")
            .map(|(id, _, _)| *id)
            .collect();
        v.sort();
        v
    };
    assert_eq!(active.len(), 257);
    assert_eq!(permission_ids(access(&g, a)), active);
}
