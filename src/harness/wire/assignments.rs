//! Role assignments and the aggregate lookup of the roles they name.

use serde::{Deserialize, Serialize};

use super::{RoleResponse, ScopeIds};

/// `RoleAssignmentResponse`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentResponse {
    /// The assignment.
    pub role_assignment: RoleAssignment,
    /// Where it was made.
    #[serde(default)]
    pub scope: Option<ScopeIds>,
    /// Created by Harness.
    #[serde(default)]
    pub harness_managed: Option<bool>,
}

/// `RoleAssignment`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// Identifier.
    pub identifier: String,
    /// Resource group.
    #[serde(default)]
    pub resource_group_identifier: Option<String>,
    /// Role (old field).
    #[serde(default)]
    pub role_identifier: Option<String>,
    /// Role with its level.
    #[serde(default)]
    pub role_reference: Option<RoleReference>,
    /// Principal.
    pub principal: AuthzPrincipal,
    /// Disabled.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// Managed.
    #[serde(default)]
    pub managed: Option<bool>,
    /// One of Harness's internal assignments (`RoleAssignmentDTO.internal`).
    #[serde(default)]
    pub internal: Option<bool>,
}

/// `RoleReference`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleReference {
    /// Role identifier.
    pub identifier: String,
    /// Level, lowercase.
    #[serde(default)]
    pub scope_level: Option<String>,
}

/// `AuthzPrincipal`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthzPrincipal {
    /// Level, lowercase.
    #[serde(default)]
    pub scope_level: Option<String>,
    /// Identifier.
    pub identifier: String,
    /// `USER`, `USER_GROUP`, `SERVICE_ACCOUNT`, ...
    #[serde(rename = "type")]
    pub kind: String,
}

/// `RoleAssignmentAggregateResponse` of `POST /authz/api/roleassignments/aggregate`:
/// the scope's assignments (the first 1,000 matching the filter) with the
/// roles and resource groups they name, managed ones included.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentAggregate {
    /// The assignments (bare `RoleAssignment`s, no wrapper).
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignment>,
    /// The scope asked about.
    #[serde(default)]
    pub scope: Option<ScopeIds>,
    /// The roles those assignments name, resolvable at the scope.
    #[serde(default)]
    pub roles: Vec<RoleResponse>,
    /// The resource groups they name (identifier and name only).
    #[serde(default)]
    pub resource_groups: Vec<NamedRef>,
}

/// `{identifier, name}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedRef {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
}
