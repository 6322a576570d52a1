//! Roles, the permission catalogue and resource groups.

use serde::{Deserialize, Serialize};

use super::ScopeIds;

/// `RoleResponse`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleResponse {
    /// The role.
    pub role: Role,
    /// Where it lives.
    #[serde(default)]
    pub scope: Option<ScopeIds>,
    /// Built-in.
    #[serde(default)]
    pub harness_managed: Option<bool>,
    /// The list's count of the role's assignments to users at the scope
    /// (`RoleWithPrincipalCountResponseDTO`; absent from single reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assigned_to_user_count: Option<i64>,
    /// The same, to user groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assigned_to_user_group_count: Option<i64>,
    /// The same, to service accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assigned_to_service_account_count: Option<i64>,
}

/// `Role`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Permission ids.
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
    /// Levels it may be assigned at.
    #[serde(default)]
    pub allowed_scope_levels: Option<Vec<String>>,
}

/// `PermissionResponse` (items of the unpaged `GET /authz/api/permissions`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionResponse {
    /// The permission.
    pub permission: Permission,
}

/// `Permission`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<String>,
    /// Levels.
    #[serde(default)]
    pub allowed_scope_levels: Option<Vec<String>>,
    /// Resource type.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// Action.
    #[serde(default)]
    pub action: Option<String>,
}

/// `ResourceGroupV2Response`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroupResponse {
    /// The resource group.
    pub resource_group: ResourceGroup,
    /// Built-in.
    #[serde(default)]
    pub harness_managed: Option<bool>,
}

/// `ResourceGroupV2`. `@JsonInclude(NON_NULL)` on the server, like its scope
/// selectors: a built-in group carries no scope fields at all.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    /// Account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_identifier: Option<String>,
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Levels it may be used at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_scope_levels: Option<Vec<String>>,
    /// Included scopes; an entry with no identifiers means "the scope the
    /// group is used at".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included_scopes: Option<Vec<ScopeSelector>>,
    /// Resource filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_filter: Option<ResourceFilter>,
}

/// `ScopeSelector`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeSelector {
    /// `INCLUDING_CHILD_SCOPES` or `EXCLUDING_CHILD_SCOPES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_identifier: Option<String>,
}

/// `ResourceFilter`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFilter {
    /// Selections.
    #[serde(default)]
    pub resources: Option<Vec<ResourceSelector>>,
    /// All resources.
    #[serde(default)]
    pub include_all_resources: Option<bool>,
}

/// `ResourceSelectorV2`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSelector {
    /// Resource type.
    pub resource_type: String,
    /// Identifiers.
    #[serde(default)]
    pub identifiers: Option<Vec<String>>,
    /// Attribute filter.
    #[serde(default)]
    pub attribute_filter: Option<AttributeFilter>,
}

/// `AttributeFilter`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeFilter {
    /// Name.
    #[serde(default)]
    pub attribute_name: Option<String>,
    /// Values.
    #[serde(default)]
    pub attribute_values: Option<Vec<String>>,
}
