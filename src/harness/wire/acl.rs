//! The access check, `POST /authz/api/acl`.

use serde::{Deserialize, Serialize};

use super::ScopeIds;

/// `AccessCheckRequestDTO`, the body of `POST /authz/api/acl`. With no
/// `principal` the server checks the caller (`ACLResourceImpl.get`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheckRequest {
    /// The checks, at most 10,000 (`@Size(max = 10000)`).
    #[serde(default)]
    pub permissions: Vec<AccessCheck>,
    /// Whom to check; omitted: the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<AclPrincipal>,
}

/// `PermissionCheckDTO`: one permission on one resource (no identifier: on
/// every resource of the type at the scope).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheck {
    /// The scope of the resource; omitted for the account resource itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_scope: Option<ScopeIds>,
    /// `USERGROUP`, `SERVICEACCOUNT`, `ACCOUNT`, ...
    #[serde(default)]
    pub resource_type: Option<String>,
    /// One resource; omitted: all of the type at the scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_identifier: Option<String>,
    /// Such as `core_usergroup_view`.
    #[serde(default)]
    pub permission: Option<String>,
}

/// `Principal` of the access check.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AclPrincipal {
    /// A user's uuid or a service account's identifier.
    #[serde(default)]
    pub principal_identifier: Option<String>,
    /// `USER`, `SERVICE_ACCOUNT`, `API_KEY`, `SERVICE` (open).
    #[serde(default)]
    pub principal_type: Option<String>,
}

/// `AccessCheckResponseDTO`: one answer per check, in the checks' order.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheckResponse {
    /// Whom the server checked.
    #[serde(default)]
    pub principal: Option<AclPrincipal>,
    /// The answers.
    #[serde(default)]
    pub access_control_list: Vec<AccessControl>,
}

/// `AccessControlDTO` (`@JsonInclude(NON_NULL)`): the check echoed, with
/// `permitted`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessControl {
    /// The permission checked.
    #[serde(default)]
    pub permission: Option<String>,
    /// The scope checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_scope: Option<ScopeIds>,
    /// The resource type checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The resource checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_identifier: Option<String>,
    /// The answer.
    #[serde(default)]
    pub permitted: Option<bool>,
}
