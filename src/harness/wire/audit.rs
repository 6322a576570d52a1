//! The audit trail: the list filter and its events.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ScopeIds;

/// The body of `POST /audit/api/audits/list` (`AuditFilterProperties`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditFilter {
    /// Always `Audit`.
    #[serde(default)]
    pub filter_type: Option<String>,
    /// Scopes to search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<ScopeIds>,
    /// Actions to keep, such as `LOGIN`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// Resource types to keep (any of them; `AuditServiceImpl.getResourceCriteria`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<AuditResourceFilter>,
    /// `EXCLUDE_LOGIN_EVENTS` or `EXCLUDE_SYSTEM_EVENTS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_filter: Option<String>,
    /// Window start (ms).
    #[serde(default)]
    pub start_time: Option<i64>,
    /// Window end (ms).
    #[serde(default)]
    pub end_time: Option<i64>,
}

/// An audit event (`AuditEventDto`), the parts used.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Id.
    #[serde(default)]
    pub audit_id: Option<String>,
    /// Action (open string).
    #[serde(default)]
    pub action: Option<String>,
    /// Module.
    #[serde(default)]
    pub module: Option<String>,
    /// Time (ms).
    #[serde(default)]
    pub timestamp: Option<i64>,
    /// The scope of the resource acted on.
    #[serde(default)]
    pub resource_scope: Option<ScopeIds>,
    /// Who.
    #[serde(default)]
    pub authentication_info: Option<AuthenticationInfo>,
    /// On what.
    #[serde(default)]
    pub resource: Option<AuditResource>,
}

/// `AuthenticationInfoDto`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationInfo {
    /// The principal.
    #[serde(default)]
    pub principal: Option<AuditPrincipal>,
    /// Labels such as `userId`, `username`, `email`.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
}

/// `AuditPrincipal`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPrincipal {
    /// `USER`, `SERVICE_ACCOUNT`, `API_KEY`, `SYSTEM`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Users: the email.
    #[serde(default)]
    pub identifier: Option<String>,
}

/// `AuditResource`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditResource {
    /// Type.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Identifier.
    #[serde(default)]
    pub identifier: Option<String>,
    /// Labels such as `userId`.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
}

/// One entry of the filter's `resources`: a type, and an identifier when
/// one resource is wanted. Only what is set is sent: the server rejects an
/// empty type and a label without key or value (`AuditFilterPropertiesValidator`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditResourceFilter {
    /// `USER_GROUP`, `TOKEN`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// One resource's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
}

/// `GET /audit/api/auditYaml?auditId=`: an event's YAML before and after
/// (`YamlDiffRecordDTO`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct YamlDiff {
    /// Before.
    #[serde(default)]
    pub old_yaml: Option<String>,
    /// After.
    #[serde(default)]
    pub new_yaml: Option<String>,
}
