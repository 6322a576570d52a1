//! Evidence beyond the access model: audit-trail activity (the latest login,
//! the user additions and the audited removals in the window) and the
//! account's SCIM listing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::UserId;
use crate::snapshot::Scope;

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
    /// Where the audited removals were searched from (to `window_end`):
    /// the window start, or the previous snapshot's capture (`pull
    /// --removals-since`, `run --previous`). Absent when removals were not
    /// read (snapshots from before the removals were pulled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removals_since: Option<DateTime<Utc>>,
    /// Removals the audit trail records in that window: deleted role
    /// assignments, users removed from a scope, deleted groups, service
    /// accounts, API keys and tokens, and group updates that removed
    /// members; oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removals: Vec<Removal>,
}

/// One audited removal: what Harness's audit trail says was removed, where,
/// when and by whom (docs/harness-behaviour.md E7 to E9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    /// When (the audit event's timestamp).
    pub at: DateTime<Utc>,
    /// The audit event's id.
    pub audit_id: String,
    /// `ROLE_ASSIGNMENT_DELETED`, `REMOVE_COLLABORATOR`, `DELETE` or `UPDATE`.
    pub action: String,
    /// The event's resource type: `USER`, `USER_GROUP`, `SERVICE_ACCOUNT`,
    /// `API_KEY` or `TOKEN`. A deleted role assignment is audited on its
    /// principal, not on the assignment.
    pub resource_type: String,
    /// The resource's identifier (a user's email).
    pub resource: String,
    /// The scope the event names.
    pub scope: Scope,
    /// Who did it: the audit principal's type and identifier (a user's
    /// email), `TYPE identifier`; empty when the event names none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
    /// What the event's details (its YAML) say was removed: a deleted role
    /// assignment's identifier, or the user ids a group update removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// A deleted role assignment's role and resource group, from its
    /// details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// See `role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Whether the details were read: `false` when they could not be (an
    /// error, or more events than `pull` reads details for), so `removed`
    /// is unknown rather than empty.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub details_read: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
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
