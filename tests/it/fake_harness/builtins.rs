//! What the Harness server holds once, globally, and lists at every scope:
//! its built-in resource groups (`managed-resourcegroups.yml` in the
//! resource-group service) and, from the served snapshot, its managed roles.
//!
//! The server stores a built-in resource group with no account, org or
//! project and with bare scope selectors (`includedScopes: [{"filter": ...}]`:
//! "the scope the group is used at"), and a scope's list adds the built-ins
//! whose `allowedScopeLevels` hold that scope's level
//! (`ResourceGroupServiceImpl.getResourceGroupFilterCriteria`). Test
//! snapshots call [`with_builtin_resource_groups`] so that what they hold is
//! what a pull of the fake returns.

use reviewpack::snapshot::{
    ResourceFilter, ResourceGroup, ResourceGroupId, Role, Scope, ScopeLevel, ScopeSelector,
    Snapshot,
};

/// One built-in resource group of `managed-resourcegroups.yml` (version 6).
pub struct BuiltinGroup {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub include_child_scopes: bool,
    pub allowed: &'static [ScopeLevel],
}

/// The server's built-in resource groups.
pub const BUILTIN_RESOURCE_GROUPS: &[BuiltinGroup] = &[
    BuiltinGroup {
        id: "_all_account_level_resources",
        name: "All Account Level Resources",
        description: "All the resources at this account scope are included in this resource group.",
        include_child_scopes: false,
        allowed: &[ScopeLevel::Account],
    },
    BuiltinGroup {
        id: "_all_organization_level_resources",
        name: "All Organization Level Resources",
        description:
            "All the resources at this organization scope are included in this resource group.",
        include_child_scopes: false,
        allowed: &[ScopeLevel::Organization],
    },
    BuiltinGroup {
        id: "_all_project_level_resources",
        name: "All Project Level Resources",
        description: "All the resources at this project scope are included in this resource group.",
        include_child_scopes: false,
        allowed: &[ScopeLevel::Project],
    },
    BuiltinGroup {
        id: "_all_resources_including_child_scopes",
        name: "All Resources Including Child Scopes",
        description: "All the resources in this scope as well as the child scopes are included in this resource group.",
        include_child_scopes: true,
        allowed: &[ScopeLevel::Account, ScopeLevel::Organization],
    },
];

/// The built-in groups a list at `scope` includes.
pub fn builtin_groups_at(scope: &Scope) -> impl Iterator<Item = &'static BuiltinGroup> + '_ {
    BUILTIN_RESOURCE_GROUPS
        .iter()
        .filter(move |g| g.allowed.contains(&scope.level()))
}

/// A built-in group as a snapshot holds it after a pull at `scope`.
pub fn builtin_resource_group(scope: &Scope, g: &BuiltinGroup) -> ResourceGroup {
    ResourceGroup {
        scope: scope.clone(),
        id: ResourceGroupId(g.id.into()),
        name: g.name.into(),
        harness_managed: true,
        included_scopes: vec![ScopeSelector {
            scope: None,
            include_child_scopes: g.include_child_scopes,
        }],
        resource_filter: ResourceFilter {
            include_all: true,
            resources: Vec::new(),
        },
    }
}

/// Replaces `s`'s built-in resource groups with the server's, at every scope
/// where the server lists them.
pub fn with_builtin_resource_groups(s: &mut Snapshot) {
    s.resource_groups.retain(|g| !g.harness_managed);
    let mut scopes = vec![Scope::Account];
    scopes.extend(s.orgs.iter().map(|o| Scope::Org(o.id.clone())));
    scopes.extend(s.projects.iter().map(|p| p.scope()));
    for scope in scopes {
        for g in builtin_groups_at(&scope) {
            s.resource_groups.push(builtin_resource_group(&scope, g));
        }
    }
    s.normalize();
}

/// The managed roles the served account holds, once each (the server stores
/// them globally): the first of each identifier in the snapshot.
pub fn managed_roles(s: &Snapshot) -> Vec<&Role> {
    let mut seen = std::collections::BTreeSet::new();
    s.roles
        .iter()
        .filter(|r| r.harness_managed && seen.insert(r.id.as_str()))
        .collect()
}

/// Whether a managed role is listed at `scope`'s level (`RoleDaoImpl`:
/// `allowedScopeLevels` holds the level).
pub fn role_allowed_at(r: &Role, scope: &Scope) -> bool {
    r.allowed_scope_levels.contains(&scope.level())
}
