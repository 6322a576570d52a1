//! The snapshot's data model: what `pull` stores and every later stage reads.
//!
//! Plain data, no I/O. Optional wire fields are `Option`, Harness enums we do
//! not interpret are open strings, and every collection is a sorted `Vec`
//! (sorted by [`Snapshot::normalize`]) so two snapshots of the same account
//! serialise to the same bytes. `docs/snapshot-format.md` documents each field.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::scope::{Scope, ScopeLevel};

/// The value of the `format` field.
pub const FORMAT: &str = "reviewpack.snapshot";
/// The newest snapshot version this build reads and the one it writes.
///
/// Version 2 added the optional top-level `scim` section. Version 3 lets an
/// `includedScopes` entry name no scope (Harness's built-in resource groups:
/// "the scope the group is used at"), adds `completeness.unread` (what the
/// key could not read) and `activity.joined` (when users were added), and
/// drops `activity.changes`. Version 1 and 2 files still load.
pub const VERSION: u32 = 3;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The identifier as Harness spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }
    )*};
}

id_type! {
    /// A user's uuid (Harness `uuid`; unique in the account).
    UserId,
    /// A user group identifier (unique within its scope).
    GroupId,
    /// A service account identifier (unique within its scope).
    ServiceAccountId,
    /// An API key identifier (unique within its parent).
    ApiKeyId,
    /// A token identifier (unique within its API key).
    TokenId,
    /// A role identifier (unique within its scope).
    RoleId,
    /// A resource group identifier (unique within its scope).
    ResourceGroupId,
    /// A role assignment identifier (unique within its scope).
    AssignmentId,
    /// A permission identifier such as `core_user_view`.
    PermissionId,
}

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
}

/// The account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The account identifier.
    pub id: String,
    /// The account name.
    #[serde(default)]
    pub name: Option<String>,
    /// How users sign in: `USER_PASSWORD`, `SAML`, `LDAP`, `OAUTH` (Harness's
    /// `authenticationMechanism`; open string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_mechanism: Option<String>,
    /// Whether the account enforces two-factor authentication for everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_factor_enforced: Option<bool>,
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// The organization it belongs to.
    pub org: String,
    /// Identifier (unique within the org).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Project {
    /// The project's scope.
    pub fn scope(&self) -> Scope {
        Scope::Project(self.org.clone(), self.id.clone())
    }
}

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

/// A role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// The scope it lives at.
    pub scope: Scope,
    /// Identifier.
    pub id: RoleId,
    /// Display name.
    pub name: String,
    /// Permission identifiers, sorted.
    #[serde(default)]
    pub permissions: Vec<PermissionId>,
    /// Levels it may be assigned at.
    #[serde(default)]
    pub allowed_scope_levels: Vec<ScopeLevel>,
    /// A built-in role.
    #[serde(default)]
    pub harness_managed: bool,
}

/// One entry of the permission catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    /// Identifier, `<module>_<resourcetype>_<action>`.
    pub id: PermissionId,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The resource type it acts on, such as `PIPELINE`.
    pub resource_type: String,
    /// The action, such as `view`, `edit`, `execute`.
    #[serde(default)]
    pub action: Option<String>,
    /// `ACTIVE`, `EXPERIMENTAL`, ... (open string).
    #[serde(default)]
    pub status: Option<String>,
    /// Levels it applies at.
    #[serde(default)]
    pub allowed_scope_levels: Vec<ScopeLevel>,
}

/// A resource group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceGroup {
    /// The scope it lives at.
    pub scope: Scope,
    /// Identifier.
    pub id: ResourceGroupId,
    /// Display name.
    pub name: String,
    /// A built-in resource group.
    #[serde(default)]
    pub harness_managed: bool,
    /// The scopes whose resources it covers.
    #[serde(default)]
    pub included_scopes: Vec<ScopeSelector>,
    /// Which resources of those scopes.
    pub resource_filter: ResourceFilter,
}

/// One `includedScopes` entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSelector {
    /// The scope named; `None` when the entry names no scope, which Harness
    /// reads as "the scope the resource group is used at" (its built-in
    /// groups are stored that way, once, for every scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// `INCLUDING_CHILD_SCOPES` on the wire.
    pub include_child_scopes: bool,
}

impl ScopeSelector {
    /// The scope this entry covers for an assignment made at `used_at`.
    pub fn scope_at<'a>(&'a self, used_at: &'a Scope) -> &'a Scope {
        self.scope.as_ref().unwrap_or(used_at)
    }
}

/// A resource group's `resourceFilter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceFilter {
    /// Every resource of every type.
    pub include_all: bool,
    /// Otherwise, these selections.
    #[serde(default)]
    pub resources: Vec<ResourceSelector>,
}

/// One selection of a resource filter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSelector {
    /// The resource type, such as `PIPELINE` or `SECRET`.
    pub resource_type: String,
    /// Specific resources; empty means every resource of the type.
    #[serde(default)]
    pub identifiers: Vec<String>,
    /// An attribute filter instead of identifiers.
    #[serde(default)]
    pub attribute_filter: Option<AttributeFilter>,
}

/// An attribute filter, such as `category in [CLOUD_PROVIDER]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeFilter {
    /// Attribute name.
    pub name: String,
    /// Accepted values.
    #[serde(default)]
    pub values: Vec<String>,
}

/// A role assignment: (principal, role, resource group) at a scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignment {
    /// The scope it was made at.
    pub scope: Scope,
    /// Identifier.
    pub id: AssignmentId,
    /// Who.
    pub principal: PrincipalRef,
    /// Which role.
    pub role: RoleRef,
    /// Which resource group (at the assignment's scope).
    pub resource_group: ResourceGroupId,
    /// Dormant: grants nothing until re-enabled.
    #[serde(default)]
    pub disabled: bool,
    /// Created by Harness (`managed` / `harnessManaged`).
    #[serde(default)]
    pub managed: bool,
}

/// The principal of a role assignment, as Harness references it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalRef {
    /// `USER`, `USER_GROUP`, `SERVICE_ACCOUNT` (open string: `API_KEY`,
    /// `SERVICE` also exist and grant nothing we can resolve).
    pub kind: String,
    /// A user uuid, group identifier or service account identifier.
    pub id: String,
    /// The level the group or service account lives at; absent means the
    /// assignment's own level (groups) or a search upwards (service accounts).
    #[serde(default)]
    pub scope_level: Option<ScopeLevel>,
}

/// The role of a role assignment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRef {
    /// Role identifier.
    pub id: RoleId,
    /// The level the role lives at; absent means the assignment's scope, then
    /// its ancestors.
    #[serde(default)]
    pub scope_level: Option<ScopeLevel>,
}

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
