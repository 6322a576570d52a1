//! SCIM Users and Groups (raw SCIM bodies, no envelope).

use serde::{Deserialize, Serialize};

/// A SCIM `ListResponse` (RFC 7644): a raw body, no Harness envelope;
/// `startIndex` is 1-based.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimListResponse<T> {
    /// `urn:ietf:params:scim:api:messages:2.0:ListResponse`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Items in all.
    #[serde(default)]
    pub total_results: Option<i64>,
    /// The 1-based index of this page's first item.
    #[serde(default)]
    pub start_index: Option<i64>,
    /// Items on this page.
    #[serde(default)]
    pub items_per_page: Option<i64>,
    /// The items.
    #[serde(default = "Vec::new", rename = "Resources")]
    pub resources: Vec<T>,
}

/// A SCIM email.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimEmail {
    /// The address.
    #[serde(default)]
    pub value: Option<String>,
    /// The primary address.
    #[serde(default)]
    pub primary: Option<bool>,
}

/// A SCIM name.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimName {
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub family_name: Option<String>,
}

/// A SCIM multi-valued reference (`groups[]`, `members[]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimRef {
    /// The referenced id.
    #[serde(default)]
    pub value: Option<String>,
    /// Its display name.
    #[serde(default)]
    pub display: Option<String>,
}

/// `ScimUser`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimUser {
    /// Schema URNs.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The SCIM id (Harness: the user's uuid).
    #[serde(default)]
    pub id: Option<String>,
    /// The identity provider's id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The login name (Harness: the email).
    #[serde(default)]
    pub user_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Whether the user is active.
    #[serde(default)]
    pub active: Option<bool>,
    /// Name parts.
    #[serde(default)]
    pub name: Option<ScimName>,
    /// Emails.
    #[serde(default)]
    pub emails: Vec<ScimEmail>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<ScimRef>,
    /// Resource metadata.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

/// `ScimGroup`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimGroup {
    /// Schema URNs.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The SCIM id (Harness: the user group identifier).
    #[serde(default)]
    pub id: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Members.
    #[serde(default)]
    pub members: Vec<ScimRef>,
    /// Resource metadata.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}
