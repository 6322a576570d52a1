//! What a set of permissions lets its holder do: the privilege levels of
//! design.md section 6, and Harness's own definition of "admin".

use serde::Serialize;

use crate::snapshot::{ResourceGroupId, RoleId, Scope, ScopeLevel};

/// How much a grant lets its holder do, weakest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrivilegeLevel {
    /// No permission survives the resource group's filter.
    #[default]
    None,
    /// View only.
    Read,
    /// Any edit, delete, execute, access or manage permission.
    Write,
    /// A permission that lets the holder grant itself more access.
    Escalation,
    /// Administrator of a scope, by Harness's definition.
    Admin,
}

impl PrivilegeLevel {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            PrivilegeLevel::None => "none",
            PrivilegeLevel::Read => "read",
            PrivilegeLevel::Write => "write",
            PrivilegeLevel::Escalation => "escalation",
            PrivilegeLevel::Admin => "admin",
        }
    }
}

impl std::fmt::Display for PrivilegeLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Permissions that let a holder grant itself more access (design.md 6).
pub const ESCALATION_PERMISSIONS: &[&str] = &[
    "core_authsetting_edit",
    "core_resourcegroup_edit",
    "core_role_edit",
    "core_serviceaccount_edit",
    "core_serviceaccount_manageapikey",
    "core_user_impersonate",
    "core_user_manage",
    "core_usergroup_manage",
    USERGROUP_MANAGE_USERS,
    USERGROUP_MANAGE_ROLE_ASSIGNMENTS,
    USERGROUP_MANAGE_SCIM,
];

/// User-group Manage as Harness splits it behind
/// `PL_USER_GROUPS_MANAGE_PERMISSION_SPLIT_ENFORCE` (developer-hub
/// `add-user-groups.md`, "Split the Manage permissions"): adding and
/// removing members.
pub const USERGROUP_MANAGE_USERS: &str = "core_usergroup_manageUsers";
/// The split permission to bind roles to a group.
pub const USERGROUP_MANAGE_ROLE_ASSIGNMENTS: &str = "core_usergroup_manageRoleAssignments";
/// The split permission to manage a group through SCIM.
pub const USERGROUP_MANAGE_SCIM: &str = "core_usergroup_manageSCIM";
/// The split permission to create a group.
pub const USERGROUP_CREATE: &str = "core_usergroup_create";

/// The access-control management permissions a custom role must hold, on all
/// resources of a scope, to count as that scope's admin. With the split
/// vocabulary, `core_usergroup_manage` is met by `manageUsers` and
/// `manageRoleAssignments` together ([`holds_access_control_management`]).
pub const ACCESS_CONTROL_MANAGEMENT: &[&str] = &[
    "core_resourcegroup_edit",
    "core_role_edit",
    "core_serviceaccount_edit",
    "core_user_manage",
    "core_usergroup_manage",
];

/// True when `holds` says yes to every access-control management
/// permission, user-group Manage in either vocabulary (an account may carry
/// roles of both while the split is rolled out).
pub fn holds_access_control_management(holds: impl Fn(&str) -> bool) -> bool {
    ACCESS_CONTROL_MANAGEMENT.iter().all(|m| {
        holds(m)
            || (*m == "core_usergroup_manage"
                && holds(USERGROUP_MANAGE_USERS)
                && holds(USERGROUP_MANAGE_ROLE_ASSIGNMENTS))
    })
}

/// Built-in resource group: the assignment scope and every descendant.
pub const RG_ALL_INCLUDING_CHILDREN: &str = "_all_resources_including_child_scopes";
/// Deprecated built-in; read conservatively as including child scopes.
pub const RG_ALL_DEPRECATED: &str = "_all_resources";
/// Built-in resource groups that cover only their own scope's resources.
pub const RG_SCOPE_ONLY: &[&str] = &[
    "_all_account_level_resources",
    "_all_organization_level_resources",
    "_all_project_level_resources",
];

/// True for `*_roleassignment_*` permissions other than view: assigning roles
/// is assigning oneself anything.
fn is_role_assignment_management(permission: &str) -> bool {
    permission.contains("_roleassignment_") && !permission.ends_with("_view")
}

/// True when the permission lets its holder widen its own access.
pub fn is_escalation(permission: &str) -> bool {
    ESCALATION_PERMISSIONS.contains(&permission) || is_role_assignment_management(permission)
}

/// The built-in admin role for a scope level, and its privileged variants.
fn admin_roles(level: ScopeLevel) -> &'static [&'static str] {
    match level {
        ScopeLevel::Account => &["_account_admin", "_super_account_admin"],
        ScopeLevel::Organization => &["_organization_admin", "_super_organization_admin"],
        ScopeLevel::Project => &["_project_admin"],
    }
}

/// The built-in "all resources of this scope" group for a level.
fn scope_level_rg(level: ScopeLevel) -> &'static str {
    match level {
        ScopeLevel::Account => "_all_account_level_resources",
        ScopeLevel::Organization => "_all_organization_level_resources",
        ScopeLevel::Project => "_all_project_level_resources",
    }
}

/// Harness's admin test (release note PL-47632): the scope-level admin role,
/// bound at that scope, on the all-resources group including child scopes or
/// the all-resources group of that level. `_account_admin` on a narrower
/// resource group is not admin.
pub fn is_builtin_admin_binding(
    assignment_scope: &Scope,
    role: &RoleId,
    resource_group: &ResourceGroupId,
) -> bool {
    let level = assignment_scope.level();
    admin_roles(level).contains(&role.as_str())
        && (resource_group.as_str() == RG_ALL_INCLUDING_CHILDREN
            || resource_group.as_str() == scope_level_rg(level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_admin_counts_only_on_the_two_all_resource_groups() {
        let a = Scope::Account;
        let role = RoleId::from("_account_admin");
        assert!(is_builtin_admin_binding(
            &a,
            &role,
            &"_all_resources_including_child_scopes".into()
        ));
        assert!(is_builtin_admin_binding(
            &a,
            &role,
            &"_all_account_level_resources".into()
        ));
        assert!(!is_builtin_admin_binding(
            &a,
            &role,
            &"payments_only".into()
        ));
        // The right role at the wrong level is not admin either.
        assert!(!is_builtin_admin_binding(
            &Scope::Org("eng".into()),
            &role,
            &"_all_resources_including_child_scopes".into()
        ));
    }

    #[test]
    fn escalation_set_holds_the_design_permissions_and_no_views() {
        assert!(is_escalation("core_usergroup_manage"));
        assert!(is_escalation("core_roleassignment_create"));
        assert!(!is_escalation("core_roleassignment_view"));
        assert!(!is_escalation("core_pipeline_execute"));
    }
}
