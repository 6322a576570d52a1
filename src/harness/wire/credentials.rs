//! Service accounts' API keys and tokens.

use serde::{Deserialize, Serialize};

/// `ApiKey` (items of the unpaged `GET /ng/api/apikey`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// `USER` or `SERVICE_ACCOUNT`.
    #[serde(default)]
    pub api_key_type: Option<String>,
    /// Parent.
    #[serde(default)]
    pub parent_identifier: Option<String>,
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

/// `ApiKeyAggregate` (items of `GET /ng/api/apikey/aggregate`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyAggregate {
    /// The key.
    pub api_key: ApiKey,
    /// Creation (ms).
    #[serde(default)]
    pub created_at: Option<i64>,
    /// How many tokens the key has.
    #[serde(default)]
    pub tokens_count: Option<i64>,
}

/// `TokenAggregate` (items of `GET /ng/api/token/aggregate`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenAggregate {
    /// The token.
    pub token: Token,
    /// Expiry (ms).
    #[serde(default)]
    pub expiry_at: Option<i64>,
    /// Creation (ms).
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// `Token`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Validity start (ms).
    #[serde(default)]
    pub valid_from: Option<i64>,
    /// Validity end (ms).
    #[serde(default)]
    pub valid_to: Option<i64>,
    /// Valid now.
    #[serde(default)]
    pub valid: Option<bool>,
    /// Account.
    #[serde(default)]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default)]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default)]
    pub project_identifier: Option<String>,
    /// Its API key.
    #[serde(default)]
    pub api_key_identifier: Option<String>,
    /// The key's parent.
    #[serde(default)]
    pub parent_identifier: Option<String>,
    /// `USER` or `SERVICE_ACCOUNT`.
    #[serde(default)]
    pub api_key_type: Option<String>,
    /// When a rotated token stops working (ms); it then overrides `validTo`
    /// (`Token.getExpiryTimestamp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_expire_time: Option<i64>,
    /// The parent's email (`POST /ng/api/token/validate` fills it in:
    /// `TokenServiceImpl.getToken`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The parent's name (likewise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}
