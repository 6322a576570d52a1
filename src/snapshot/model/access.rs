//! What grants access: roles and the permission catalogue, resource groups
//! with their scope and resource selections, and the role assignments that
//! bind a principal to a role on a resource group at a scope.

use serde::{Deserialize, Serialize};

use super::ids::{AssignmentId, PermissionId, ResourceGroupId, RoleId};
use crate::snapshot::scope::{Scope, ScopeLevel};

/// A role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// The scope it lives at.
    pub scope: Scope,
    /// Identifier.
    pub id: RoleId,
    /// Display name.
    pub name: String,
    /// Permission identifiers, sorted.
    #[serde(default)]
    pub permissions: Vec<PermissionId>,
    /// Levels it may be assigned at.
    #[serde(default)]
    pub allowed_scope_levels: Vec<ScopeLevel>,
    /// A built-in role.
    #[serde(default)]
    pub harness_managed: bool,
    /// What the role list said of the role's assignments at its scope
    /// (`roleAssignedTo*Count`); `None` when the role was not read from
    /// that list (a hidden managed role looked up another way, or an older
    /// snapshot).
    #[serde(default)]
    pub assignment_counts: Option<AssignmentCounts>,
}

/// How many role assignments at a scope name a role, by principal type, as
/// Harness's role list counts them: every assignment of the scope, disabled
/// ones included, internal ones left out, and **whatever the caller may
/// view** (`RoleServiceImpl.listWithPrincipalCount`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentCounts {
    /// To users.
    pub users: u64,
    /// To user groups.
    pub user_groups: u64,
    /// To service accounts.
    pub service_accounts: u64,
}

/// One entry of the permission catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    /// Identifier, `<module>_<resourcetype>_<action>`.
    pub id: PermissionId,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The resource type it acts on, such as `PIPELINE`.
    pub resource_type: String,
    /// The action, such as `view`, `edit`, `execute`.
    #[serde(default)]
    pub action: Option<String>,
    /// `ACTIVE`, `EXPERIMENTAL`, ... (open string).
    #[serde(default)]
    pub status: Option<String>,
    /// Levels it applies at.
    #[serde(default)]
    pub allowed_scope_levels: Vec<ScopeLevel>,
}

/// A resource group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceGroup {
    /// The scope it lives at.
    pub scope: Scope,
    /// Identifier.
    pub id: ResourceGroupId,
    /// Display name.
    pub name: String,
    /// A built-in resource group.
    #[serde(default)]
    pub harness_managed: bool,
    /// The scopes whose resources it covers.
    #[serde(default)]
    pub included_scopes: Vec<ScopeSelector>,
    /// Which resources of those scopes.
    pub resource_filter: ResourceFilter,
}

/// One `includedScopes` entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSelector {
    /// The scope named; `None` when the entry names no scope, which Harness
    /// reads as "the scope the resource group is used at" (its built-in
    /// groups are stored that way, once, for every scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// `INCLUDING_CHILD_SCOPES` on the wire.
    pub include_child_scopes: bool,
}

impl ScopeSelector {
    /// The scope this entry covers for an assignment made at `used_at`.
    pub fn scope_at<'a>(&'a self, used_at: &'a Scope) -> &'a Scope {
        self.scope.as_ref().unwrap_or(used_at)
    }
}

/// A resource group's `resourceFilter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceFilter {
    /// Every resource of every type.
    pub include_all: bool,
    /// Otherwise, these selections.
    #[serde(default)]
    pub resources: Vec<ResourceSelector>,
}

/// One selection of a resource filter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSelector {
    /// The resource type, such as `PIPELINE` or `SECRET`.
    pub resource_type: String,
    /// Specific resources; empty means every resource of the type.
    #[serde(default)]
    pub identifiers: Vec<String>,
    /// An attribute filter instead of identifiers.
    #[serde(default)]
    pub attribute_filter: Option<AttributeFilter>,
}

/// An attribute filter, such as `category in [CLOUD_PROVIDER]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeFilter {
    /// Attribute name.
    pub name: String,
    /// Accepted values.
    #[serde(default)]
    pub values: Vec<String>,
}

/// A role assignment: (principal, role, resource group) at a scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignment {
    /// The scope it was made at.
    pub scope: Scope,
    /// Identifier.
    pub id: AssignmentId,
    /// Who.
    pub principal: PrincipalRef,
    /// Which role.
    pub role: RoleRef,
    /// Which resource group (at the assignment's scope).
    pub resource_group: ResourceGroupId,
    /// Dormant: grants nothing until re-enabled.
    #[serde(default)]
    pub disabled: bool,
    /// Created by Harness (`managed` / `harnessManaged`).
    #[serde(default)]
    pub managed: bool,
    /// One of Harness's internal assignments (`internal`: the baseline
    /// roles bound to the all-users groups, public access): lists hide
    /// them, so a snapshot holds one only when a list did not.
    #[serde(default)]
    pub internal: bool,
}

/// The principal of a role assignment, as Harness references it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalRef {
    /// `USER`, `USER_GROUP`, `SERVICE_ACCOUNT` (open string: `API_KEY`,
    /// `SERVICE` also exist and grant nothing we can resolve).
    pub kind: String,
    /// A user uuid, group identifier or service account identifier.
    pub id: String,
    /// The level the group or service account lives at; absent means the
    /// assignment's own level (groups) or a search upwards (service accounts).
    #[serde(default)]
    pub scope_level: Option<ScopeLevel>,
}

/// The role of a role assignment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRef {
    /// Role identifier.
    pub id: RoleId,
    /// The level the role lives at; absent means the assignment's scope, then
    /// its ancestors.
    #[serde(default)]
    pub scope_level: Option<ScopeLevel>,
}
