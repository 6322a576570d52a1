//! Evidence beyond the access model: audit-trail activity (the latest login
//! and the user additions in the window) and the account's SCIM listing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::UserId;

/// Audit-trail evidence of activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    /// The window searched, in days.
    pub window_days: u32,
    /// Start of the window.
    pub window_start: DateTime<Utc>,
    /// End of the window.
    pub window_end: DateTime<Utc>,
    /// The latest login per user found in the window.
    #[serde(default)]
    pub logins: Vec<LoginEvidence>,
    /// When users were added to the account, from `ADD_COLLABORATOR` audit
    /// events in the window (the latest per user).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joined: Vec<JoinEvidence>,
    /// Version 1 and 2 snapshots held every principal's latest audited
    /// change; nothing used it, so it is read and dropped.
    #[serde(default, rename = "changes", skip_serializing)]
    pub legacy_changes: Dropped,
}

/// A field older snapshots have and this version reads past: any value, kept
/// as nothing (so it never makes two snapshots differ).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped;

impl<'de> Deserialize<'de> for Dropped {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Dropped, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Dropped)
    }
}

/// A user's latest `LOGIN` / `LOGIN2FA` event in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginEvidence {
    /// The user.
    pub user: UserId,
    /// Time of the latest login.
    pub last_login: DateTime<Utc>,
    /// How many login events the window held.
    pub events: u32,
}

/// When a user was added to the account: the latest `ADD_COLLABORATOR`
/// audit event at account scope in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinEvidence {
    /// The user.
    pub user: UserId,
    /// When they were added (or accepted an invite).
    pub at: DateTime<Utc>,
}

/// What the account's SCIM endpoint lists: the identities the identity
/// provider provisions (`pull --scim`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scim {
    /// SCIM users, sorted by id.
    #[serde(default)]
    pub users: Vec<ScimUser>,
    /// SCIM groups, sorted by id.
    #[serde(default)]
    pub groups: Vec<ScimGroup>,
}

/// One SCIM user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimUser {
    /// The SCIM id (Harness: the user's uuid).
    pub id: String,
    /// `userName` (Harness: the email).
    pub user_name: String,
    /// The identity provider's id for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// `active`.
    pub active: bool,
    /// Email addresses, sorted.
    #[serde(default)]
    pub emails: Vec<String>,
    /// When the identity provider created the user in Harness (SCIM
    /// `meta.created`), when SCIM said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
}

/// One SCIM group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimGroup {
    /// The SCIM id (Harness: the user group identifier).
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// Member SCIM user ids, sorted.
    #[serde(default)]
    pub members: Vec<String>,
}
