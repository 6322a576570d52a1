//! Users, user groups and service accounts.

use serde::{Deserialize, Serialize};

use super::Tags;

/// `UserMetadata` (items of `POST /ng/api/user/batch`, and `user` of
/// `UserAggregate`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMetadata {
    /// uuid.
    pub uuid: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Locked.
    #[serde(default)]
    pub locked: Option<bool>,
    /// Disabled.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// SCIM-provisioned.
    #[serde(default)]
    pub externally_managed: Option<bool>,
    /// 2FA (missing from the Go SDK, present on the server).
    #[serde(default)]
    pub two_factor_authentication_enabled: Option<bool>,
}

/// `UserAggregate` (items of `POST /ng/api/user/aggregate`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAggregate {
    /// The user.
    pub user: UserMetadata,
}

/// `UserInfo` of `GET /ng/api/user/currentUser`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// uuid.
    #[serde(default)]
    pub uuid: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
}

/// `UserGroup` (v1: `users` are uuid strings). The server's DTO is
/// `@JsonInclude(NON_NULL)`: absent values are omitted, never `null`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserGroup {
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
    /// Member uuids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<String>>,
    /// SSO-linked (old spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_sso_linked: Option<bool>,
    /// SSO-linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_linked: Option<bool>,
    /// `SAML`, `LDAP`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_sso_type: Option<String>,
    /// SSO group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_group_name: Option<String>,
    /// SCIM-provisioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub externally_managed: Option<bool>,
    /// Built-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_managed: Option<bool>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// `ServiceAccount` (items of the unpaged `GET /ng/api/serviceaccount`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Tags>,
    /// Account.
    #[serde(default)]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default)]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default)]
    pub project_identifier: Option<String>,
}

/// `ServiceAccountAggregate`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountAggregate {
    /// The service account.
    pub service_account: ServiceAccount,
    /// Creation time (ms).
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Named for tokens, but the number of the service account's API keys
    /// (`ServiceAccountServiceImpl`: `getApiKeysPerParentIdentifier`).
    #[serde(default)]
    pub tokens_count: Option<i64>,
}
