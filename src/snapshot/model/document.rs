//! The snapshot document: its format and version, where it came from
//! ([`Provenance`]) and what the pull could and could not read
//! ([`Completeness`]), around the objects the other model files define.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::access::{Permission, ResourceGroup, Role, RoleAssignment};
use super::evidence::{Activity, Dropped, Scim};
use super::hierarchy::{Account, Org, Project};
use super::principals::{ApiKey, ServiceAccount, Token, User, UserGroup};
use crate::snapshot::scope::Scope;

/// The value of the `format` field.
pub const FORMAT: &str = "reviewpack.snapshot";
/// The newest snapshot version this build reads and the one it writes.
///
/// Version 2 added the optional top-level `scim` section. Version 3 lets an
/// `includedScopes` entry name no scope (Harness's built-in resource groups:
/// "the scope the group is used at"), adds `completeness.unread` (what the
/// key could not read) and `activity.joined` (when users were added), and
/// drops `activity.changes`. Version 4 adds `activity.removals_since`,
/// `activity.removals` and `completeness.lists[].unverified`. Version 5 adds
/// `roles[].assignment_counts`, `service_accounts[].api_key_count` and
/// `role_assignments[].internal`. Every older version still loads.
pub const VERSION: u32 = 5;

/// A whole snapshot of one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version; see [`VERSION`].
    pub version: u32,
    /// Who made this snapshot, when, how and from where.
    pub provenance: Provenance,
    /// Per-list accounting of what the API reported against what was stored.
    pub completeness: Completeness,
    /// The account.
    pub account: Account,
    /// Organizations.
    #[serde(default)]
    pub orgs: Vec<Org>,
    /// Projects.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// Users of the account, with the scopes they are members of.
    #[serde(default)]
    pub users: Vec<User>,
    /// User groups at every scope.
    #[serde(default)]
    pub user_groups: Vec<UserGroup>,
    /// Service accounts at every scope.
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccount>,
    /// API keys of service accounts (and of users, where listed).
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    /// Tokens of those API keys.
    #[serde(default)]
    pub tokens: Vec<Token>,
    /// Roles at every scope, Harness-managed ones included.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// The permission catalogue.
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// Resource groups at every scope, Harness-managed ones included.
    #[serde(default)]
    pub resource_groups: Vec<ResourceGroup>,
    /// Role assignments at every scope, disabled ones included.
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignment>,
    /// Audit-trail evidence of activity.
    pub activity: Activity,
    /// The SCIM listing (`pull --scim`); absent when SCIM was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim: Option<Scim>,
}

impl Snapshot {
    /// A snapshot of an account with no objects yet, captured at `at`, with
    /// an activity window of `window_days` ending then: the starting point
    /// for tests and builders.
    pub fn empty(account_id: &str, at: DateTime<Utc>, window_days: u32) -> Snapshot {
        Snapshot {
            format: FORMAT.into(),
            version: VERSION,
            provenance: Provenance {
                tool_version: env!("CARGO_PKG_VERSION").into(),
                base_url: "https://app.harness.io".into(),
                account_id: account_id.into(),
                caller: None,
                started_at: at,
                finished_at: at,
                command_line: Vec::new(),
                note: None,
                redirects: Vec::new(),
            },
            completeness: Completeness {
                complete: true,
                lists: Vec::new(),
                unread: Vec::new(),
            },
            account: Account {
                id: account_id.into(),
                name: None,
                authentication_mechanism: None,
                two_factor_enforced: None,
            },
            orgs: Vec::new(),
            projects: Vec::new(),
            users: Vec::new(),
            user_groups: Vec::new(),
            service_accounts: Vec::new(),
            api_keys: Vec::new(),
            tokens: Vec::new(),
            roles: Vec::new(),
            permissions: Vec::new(),
            resource_groups: Vec::new(),
            role_assignments: Vec::new(),
            activity: Activity {
                window_days,
                window_start: at - chrono::Duration::days(i64::from(window_days)),
                window_end: at,
                logins: Vec::new(),
                joined: Vec::new(),
                legacy_changes: Dropped,
                removals_since: None,
                removals: Vec::new(),
            },
            scim: None,
        }
    }
}

/// Where a snapshot came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The reviewpack version that wrote the snapshot.
    pub tool_version: String,
    /// The API base URL (`https://app.harness.io`, or a self-managed host).
    pub base_url: String,
    /// The account identifier.
    pub account_id: String,
    /// Whose key made the pull.
    #[serde(default)]
    pub caller: Option<Caller>,
    /// When the pull started (UTC).
    pub started_at: DateTime<Utc>,
    /// When the pull finished (UTC); the snapshot's capture time.
    pub finished_at: DateTime<Utc>,
    /// The command line, with secrets removed.
    #[serde(default)]
    pub command_line: Vec<String>,
    /// Free text, for example "invented demo account".
    #[serde(default)]
    pub note: Option<String>,
    /// Redirects the pull followed, `from -> to`: only within the base URL's
    /// origin (the key is never sent elsewhere).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<String>,
}

/// The identity behind the API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caller {
    /// `user` or `service_account`.
    pub kind: String,
    /// A user uuid or `sa:SCOPE/IDENTIFIER`.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// The identifier of the API token the pull ran with (the third part of
    /// a `pat.`/`sat.` key: never the secret), when the key has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}

/// Completeness accounting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completeness {
    /// True only when every list is complete.
    pub complete: bool,
    /// One entry per (endpoint, scope).
    #[serde(default)]
    pub lists: Vec<ListCompleteness>,
    /// What the key was not allowed to read: a stated gap in the evidence
    /// (the rules that need it are reported as not evaluated), not an
    /// incomplete population.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<Unread>,
}

impl Completeness {
    /// Lists whose counts add up but whose completeness cannot be vouched
    /// for (Harness's access check could not be used).
    pub fn unverified(&self) -> usize {
        self.lists.iter().filter(|l| l.unverified.is_some()).count()
    }

    /// Complete, and every list vouched for.
    pub fn vouched(&self) -> bool {
        self.complete && self.unverified() == 0
    }
}

/// Something the pull could not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unread {
    /// What was not read.
    pub what: UnreadKind,
    /// Where; absent for the whole account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The object's identifier, when one object was not read (a role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The permission the key lacks, when Harness named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
    /// Why, in one sentence.
    pub reason: String,
}

/// The kinds of [`Unread`] gaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnreadKind {
    /// Service accounts' API keys (and so their tokens).
    ApiKeys,
    /// Tokens of API keys.
    Tokens,
    /// A role an assignment names: neither listed nor returned by the
    /// aggregate endpoint, because that call failed.
    Role,
    /// The account's name.
    AccountName,
}

impl UnreadKind {
    /// How the kind is written in the snapshot and the pack.
    pub fn as_str(self) -> &'static str {
        match self {
            UnreadKind::ApiKeys => "api_keys",
            UnreadKind::Tokens => "tokens",
            UnreadKind::Role => "role",
            UnreadKind::AccountName => "account_name",
        }
    }
}

/// The accounting of one list at one scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListCompleteness {
    /// The endpoint, such as `GET /ng/api/user-groups`.
    pub endpoint: String,
    /// The scope listed.
    pub scope: Scope,
    /// `totalItems` as the API reported it; `None` for unpaged endpoints.
    #[serde(default)]
    pub total_items: Option<u64>,
    /// Items stored after de-duplication.
    pub stored: u64,
    /// Pages fetched.
    pub pages: u32,
    /// Retries spent.
    #[serde(default)]
    pub retries: u32,
    /// Whether the list is complete.
    pub complete: bool,
    /// Why it is incomplete, when it is.
    #[serde(default)]
    pub note: Option<String>,
    /// Why its completeness cannot be vouched for although its count adds
    /// up: Harness narrows this list without an error for a key without
    /// the view, and neither its access check (which could not be used) nor
    /// the caller's own grants in the snapshot say the key has it. Absent
    /// when vouched for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
}
