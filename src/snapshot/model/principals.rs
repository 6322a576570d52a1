//! Who can hold access: the account's users, user groups and service
//! accounts, and the API keys and tokens of service accounts (and users).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ApiKeyId, GroupId, ServiceAccountId, TokenId, UserId};
use crate::snapshot::scope::Scope;

/// A user of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The uuid.
    pub id: UserId,
    /// Display name (user-controlled: untrusted).
    pub name: String,
    /// Email.
    pub email: String,
    /// Disabled in Harness.
    #[serde(default)]
    pub disabled: bool,
    /// Locked out.
    #[serde(default)]
    pub locked: bool,
    /// Provisioned by SCIM.
    #[serde(default)]
    pub externally_managed: bool,
    /// Two-factor authentication enabled; `None` when the API did not say.
    #[serde(default)]
    pub two_factor_enabled: Option<bool>,
    /// The scopes the user is a member of (always includes `account`).
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

impl User {
    /// `enabled`, `disabled`, `locked` or `disabled, locked`.
    pub fn status(&self) -> &'static str {
        match (self.disabled, self.locked) {
            (false, false) => "enabled",
            (true, false) => "disabled",
            (false, true) => "locked",
            (true, true) => "disabled, locked",
        }
    }
}

/// A user group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserGroup {
    /// The scope it lives at.
    pub scope: Scope,
    /// Identifier (unique within the scope).
    pub id: GroupId,
    /// Display name.
    pub name: String,
    /// Member user uuids as Harness stores them (ignored for the built-in
    /// all-users groups, which mean every user of the scope).
    #[serde(default)]
    pub members: Vec<UserId>,
    /// Linked to an SSO group.
    #[serde(default)]
    pub sso_linked: bool,
    /// `SAML`, `LDAP`, ... when linked.
    #[serde(default)]
    pub sso_type: Option<String>,
    /// The SSO group's name when linked.
    #[serde(default)]
    pub sso_group: Option<String>,
    /// Provisioned by SCIM.
    #[serde(default)]
    pub externally_managed: bool,
    /// Created and owned by Harness.
    #[serde(default)]
    pub harness_managed: bool,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A service account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccount {
    /// The scope it lives at.
    pub scope: Scope,
    /// Identifier (unique within the scope).
    pub id: ServiceAccountId,
    /// Display name.
    pub name: String,
    /// Email Harness gives it.
    #[serde(default)]
    pub email: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags (the owner mapping reads these).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// How many API keys it has, as its list says: the aggregate's
    /// `tokensCount`, which counts **API keys**, not tokens
    /// (`ServiceAccountServiceImpl` fills it from
    /// `getApiKeysPerParentIdentifier`). Known even when the key may not
    /// list the keys themselves. `None` in an older snapshot.
    #[serde(default)]
    pub api_key_count: Option<u64>,
}

/// Who an API key or token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiKeyType {
    /// A personal access token's key.
    User,
    /// A service account's key.
    ServiceAccount,
}

/// An API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    /// The scope it lives at (its parent's scope).
    pub scope: Scope,
    /// Whose key.
    pub key_type: ApiKeyType,
    /// The parent: a user uuid or a service account identifier.
    pub parent: String,
    /// Identifier.
    pub id: ApiKeyId,
    /// Display name.
    pub name: String,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// A token of an API key. Harness records no "last used" time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// The scope it lives at.
    pub scope: Scope,
    /// Whose key.
    pub key_type: ApiKeyType,
    /// The parent: a user uuid or a service account identifier.
    pub parent: String,
    /// The API key it belongs to.
    pub api_key: ApiKeyId,
    /// Identifier.
    pub id: TokenId,
    /// Display name.
    pub name: String,
    /// Start of validity.
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    /// End of validity; `None` means no expiry.
    #[serde(default)]
    pub valid_to: Option<DateTime<Utc>>,
    /// Harness's own `valid` flag.
    #[serde(default)]
    pub valid: Option<bool>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}
