//! The diff report: plain data, serialised as diff.json (schema
//! `reviewpack.diff/v1`, docs/diff-format.md) and rendered as XLSX, HTML and
//! CSV. Every list is sorted, so equal inputs give equal bytes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::findings::{Finding, PolicySource};
use crate::graph::PrivilegeLevel;

/// The value of diff.json's `schema` field.
pub const DIFF_SCHEMA: &str = "reviewpack.diff/v1";

/// Everything that changed between two snapshots of one account.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    /// Always [`DIFF_SCHEMA`].
    pub schema: &'static str,
    /// The reviewpack version that wrote the diff.
    pub tool_version: &'static str,
    /// The account (NEW's identifier).
    pub account_id: String,
    /// True when OLD and NEW name different accounts (only with `--force`).
    pub accounts_differ: bool,
    /// The earlier snapshot.
    pub old: SnapshotSide,
    /// The later snapshot.
    pub new: SnapshotSide,
    /// Counts of every list below.
    pub summary: Summary,
    /// Users and service accounts added, removed or changed.
    pub principals: PrincipalChanges,
    /// Stored group memberships added and removed.
    pub group_memberships: MembershipChanges,
    /// Role assignments added, removed, enabled and disabled.
    pub role_assignments: AssignmentChanges,
    /// Roles added, removed, or whose permissions changed.
    pub roles: RoleChanges,
    /// Resource groups added, removed, or whose scopes or resources changed.
    pub resource_groups: ResourceGroupChanges,
    /// Effective access gained, lost and changed, from both graphs.
    pub effective_access: AccessChanges,
    /// Findings new, resolved and persisting, by finding id.
    pub findings: FindingChanges,
    /// The previous review's decisions checked against NEW (`--decisions`).
    pub decisions: Option<DecisionsCheck>,
    /// What the gate decided (`--fail-on`, `--fail-on-rule`, rules at
    /// `deny`): by default over the new findings only.
    pub gate: Option<crate::findings::Verdict>,
    /// `--expect-unchanged`: every grant of OLD still held in NEW.
    pub guard: Option<super::GuardReport>,
}

/// One of the two snapshots compared.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotSide {
    /// The file name it was read from (no directory, so the diff does not
    /// depend on where the files lie).
    pub file: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// The account identifier.
    pub account_id: String,
    /// The account name.
    pub account_name: Option<String>,
    /// When the pull finished.
    pub captured_at: DateTime<Utc>,
    /// False when the snapshot is marked INCOMPLETE.
    pub complete: bool,
}

/// How many entries each list holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// True when nothing changed between OLD and NEW (decisions aside).
    pub empty: bool,
    /// Principals added.
    pub principals_added: usize,
    /// Principals removed.
    pub principals_removed: usize,
    /// Principals changed.
    pub principals_changed: usize,
    /// Memberships added.
    pub memberships_added: usize,
    /// Memberships removed.
    pub memberships_removed: usize,
    /// Role assignments added.
    pub assignments_added: usize,
    /// Role assignments removed.
    pub assignments_removed: usize,
    /// Role assignments enabled.
    pub assignments_enabled: usize,
    /// Role assignments disabled.
    pub assignments_disabled: usize,
    /// Roles added.
    pub roles_added: usize,
    /// Roles removed.
    pub roles_removed: usize,
    /// Roles whose permissions changed.
    pub roles_changed: usize,
    /// Resource groups added.
    pub resource_groups_added: usize,
    /// Resource groups removed.
    pub resource_groups_removed: usize,
    /// Resource groups whose scopes or resources changed.
    pub resource_groups_changed: usize,
    /// Grants gained.
    pub access_gained: usize,
    /// Grants gained at admin level.
    pub admin_gained: usize,
    /// Grants lost.
    pub access_lost: usize,
    /// Grants whose level, permissions, scopes or resources changed.
    pub access_changed: usize,
    /// Findings new in NEW (revocation-not-done ones included).
    pub findings_new: usize,
    /// Findings of OLD gone from NEW.
    pub findings_resolved: usize,
    /// Findings in both.
    pub findings_persisting: usize,
    /// Revocations carried out.
    pub revocations_verified: usize,
    /// Revocations still to do.
    pub revocations_not_done: usize,
    /// Modifications carried out.
    pub modifications_verified: usize,
    /// Modifications still to do.
    pub modifications_not_done: usize,
    /// Modifications that cannot be checked.
    pub modifications_unchecked: usize,
    /// Revoke decisions that cannot be checked (what OLD never held, or
    /// decisions of another snapshot).
    pub revocations_unchecked: usize,
}

/// A user or service account as the diff lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrincipalEntry {
    /// `user` or `service_account`.
    pub kind: &'static str,
    /// User uuid or `sa:SCOPE/IDENTIFIER`.
    pub id: String,
    /// Display name (untrusted).
    pub name: String,
    /// Email (untrusted).
    pub email: Option<String>,
    /// `enabled`, `disabled`, `locked`, `disabled, locked`.
    pub status: String,
    /// Users: 2FA as Harness reported it.
    pub two_factor: Option<bool>,
    /// Users: provisioned by SCIM.
    pub externally_managed: bool,
    /// The strongest level held in that snapshot.
    pub highest_privilege: PrivilegeLevel,
    /// Scopes administered in that snapshot.
    pub admin_of: Vec<String>,
}

/// One field of a principal that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `name`, `email`, `status`, `two_factor`, `externally_managed`,
    /// `scopes`, `description`, `tags`.
    pub field: &'static str,
    /// The value in OLD.
    pub old: String,
    /// The value in NEW.
    pub new: String,
}

/// A principal present in both snapshots whose attributes changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrincipalChange {
    /// `user` or `service_account`.
    pub kind: &'static str,
    /// User uuid or `sa:SCOPE/IDENTIFIER`.
    pub id: String,
    /// Display name in NEW.
    pub name: String,
    /// Email in NEW.
    pub email: Option<String>,
    /// What changed.
    pub changes: Vec<FieldChange>,
}

/// Principal changes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrincipalChanges {
    /// In NEW only (as NEW shows them).
    pub added: Vec<PrincipalEntry>,
    /// In OLD only (as OLD showed them).
    pub removed: Vec<PrincipalEntry>,
    /// In both, with different attributes.
    pub changed: Vec<PrincipalChange>,
}

/// One stored membership of a listed group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Membership {
    /// The group's scope.
    pub group_scope: String,
    /// The group's identifier.
    pub group_id: String,
    /// The group's name (untrusted).
    pub group_name: String,
    /// The member's uuid.
    pub user_id: String,
    /// The member's name, when the snapshot knows the user.
    pub user_name: String,
    /// The member's email, when the snapshot knows the user.
    pub user_email: String,
}

/// Membership changes (the built-in all-users groups are left out: they
/// follow the users' scopes, which show under principals changed).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MembershipChanges {
    /// Memberships in NEW only.
    pub added: Vec<Membership>,
    /// Memberships in OLD only.
    pub removed: Vec<Membership>,
}

/// A role assignment as the diff lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentEntry {
    /// The scope it was made at.
    pub scope: String,
    /// Its identifier.
    pub id: String,
    /// `USER`, `USER_GROUP`, `SERVICE_ACCOUNT`, ...
    pub principal_type: String,
    /// The principal as the assignment names it.
    pub principal_id: String,
    /// `principal.scopeLevel`, when given.
    pub principal_scope_level: Option<String>,
    /// The role.
    pub role_id: String,
    /// The resource group.
    pub resource_group_id: String,
    /// Created by Harness.
    pub managed: bool,
    /// `active`, `disabled` or `orphaned` in the snapshot it is shown from.
    pub status: &'static str,
    /// What it grants (or would grant, when disabled); `None` when orphaned.
    pub privilege_level: Option<PrivilegeLevel>,
    /// Users and service accounts holding it (0 while disabled).
    pub grants: usize,
}

/// Role assignment changes, keyed by (scope, identifier).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AssignmentChanges {
    /// In NEW only (an assignment whose principal, role or resource group
    /// changed under the same identifier counts as removed and added).
    pub added: Vec<AssignmentEntry>,
    /// In OLD only.
    pub removed: Vec<AssignmentEntry>,
    /// Disabled in OLD, enabled in NEW (as NEW shows them).
    pub enabled: Vec<AssignmentEntry>,
    /// Enabled in OLD, disabled in NEW (as NEW shows them).
    pub disabled: Vec<AssignmentEntry>,
}

/// A role added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleChange {
    /// The scope it lives at.
    pub scope: String,
    /// Its identifier.
    pub id: String,
    /// Its name (NEW's, or OLD's when removed).
    pub name: String,
    /// A built-in role.
    pub harness_managed: bool,
    /// Permissions in NEW only (all of them for an added role).
    pub permissions_added: Vec<String>,
    /// Permissions in OLD only (all of them for a removed role).
    pub permissions_removed: Vec<String>,
    /// Escalation permissions among those added.
    pub escalation_added: Vec<String>,
}

/// Role changes, keyed by (scope, identifier).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RoleChanges {
    /// In NEW only.
    pub added: Vec<RoleChange>,
    /// In OLD only.
    pub removed: Vec<RoleChange>,
    /// In both, with different permissions.
    pub changed: Vec<RoleChange>,
}

/// A resource group added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceGroupChange {
    /// The scope it lives at.
    pub scope: String,
    /// Its identifier.
    pub id: String,
    /// Its name (NEW's, or OLD's when removed).
    pub name: String,
    /// `includedScopes` in OLD (`/**` marks a subtree); empty when added.
    pub included_scopes_old: String,
    /// `includedScopes` in NEW; empty when removed.
    pub included_scopes_new: String,
    /// Resources in OLD; empty when added.
    pub resources_old: String,
    /// Resources in NEW; empty when removed.
    pub resources_new: String,
}

/// Resource group changes, keyed by (scope, identifier).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ResourceGroupChanges {
    /// In NEW only.
    pub added: Vec<ResourceGroupChange>,
    /// In OLD only.
    pub removed: Vec<ResourceGroupChange>,
    /// In both, with different scopes or resources.
    pub changed: Vec<ResourceGroupChange>,
}

/// One grant: the columns of csv/effective_access.csv that identify and
/// describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessEntry {
    /// `user` or `service_account`.
    pub principal_kind: &'static str,
    /// User uuid or `sa:SCOPE/IDENTIFIER`.
    pub principal_id: String,
    /// Display name (untrusted).
    pub principal_name: String,
    /// Email (untrusted).
    pub principal_email: Option<String>,
    /// `direct` or `group:SCOPE/ID`.
    pub via: String,
    /// The role assignment.
    pub assignment_id: String,
    /// Its scope.
    pub assignment_scope: String,
    /// The role.
    pub role_id: String,
    /// The resource group.
    pub resource_group_id: String,
    /// The level.
    pub privilege_level: PrivilegeLevel,
    /// The scope administered through it.
    pub admin_of: Option<String>,
    /// The scopes covered (`/**` marks a subtree).
    pub target_scopes: String,
    /// The resources covered.
    pub resources: String,
    /// The permissions, sorted.
    pub permissions: Vec<String>,
}

/// What a grant allowed on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessState {
    /// The level.
    pub privilege_level: PrivilegeLevel,
    /// The scope administered through it.
    pub admin_of: Option<String>,
    /// The scopes covered.
    pub target_scopes: String,
    /// The resources covered.
    pub resources: String,
}

/// A grant present in both snapshots that allows something different.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessChange {
    /// `user` or `service_account`.
    pub principal_kind: &'static str,
    /// User uuid or `sa:SCOPE/IDENTIFIER`.
    pub principal_id: String,
    /// Display name in NEW.
    pub principal_name: String,
    /// Email in NEW.
    pub principal_email: Option<String>,
    /// `direct` or `group:SCOPE/ID`.
    pub via: String,
    /// The role assignment.
    pub assignment_id: String,
    /// Its scope.
    pub assignment_scope: String,
    /// The role.
    pub role_id: String,
    /// The resource group.
    pub resource_group_id: String,
    /// `up` (a stronger level), `down` (a weaker one) or `same`.
    pub direction: &'static str,
    /// In OLD.
    pub old: AccessState,
    /// In NEW.
    pub new: AccessState,
    /// Permissions in NEW only.
    pub permissions_added: Vec<String>,
    /// Permissions in OLD only.
    pub permissions_removed: Vec<String>,
}

/// Effective access changes. A grant is identified by (principal id, via,
/// assignment scope and id, role id, resource group id).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AccessChanges {
    /// In NEW only, strongest first.
    pub gained: Vec<AccessEntry>,
    /// In OLD only, strongest first.
    pub lost: Vec<AccessEntry>,
    /// In both, allowing something different; level changes first.
    pub changed: Vec<AccessChange>,
}

/// Findings compared by id.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FindingChanges {
    /// False when no finding rules ran (the lists below then only hold
    /// revocation-not-done findings).
    pub evaluated: bool,
    /// The rules that ran, sorted.
    pub rules_evaluated: Vec<String>,
    /// Where the policy both sides were evaluated with came from.
    pub policy: Option<PolicySource>,
    /// In NEW only (with revocation-not-done findings), most severe first.
    pub new: Vec<Finding>,
    /// In OLD only (as OLD had them), most severe first.
    pub resolved: Vec<Finding>,
    /// In both (as NEW has them), most severe first.
    pub persisting: Vec<Finding>,
}

/// A decision the previous review made, as read from its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationCheck {
    /// `Revoke` or `Modify`.
    pub decision: &'static str,
    /// Modify: the Modify to cell, as written.
    pub modify_to: Option<String>,
    /// The sheet it came from (the file name for a CSV file).
    pub sheet: String,
    /// Its 1-based row number in that sheet.
    pub row: usize,
    /// `grant` (one effective-access row) or `principal` (all its access).
    pub target: &'static str,
    /// User uuid or `sa:SCOPE/IDENTIFIER`.
    pub principal_id: String,
    /// The principal's name (from NEW, else OLD; empty if in neither).
    pub principal_name: String,
    /// The principal's email.
    pub principal_email: Option<String>,
    /// Grants: `direct` or `group:SCOPE/ID`, when the row gives it.
    pub via: Option<String>,
    /// Grants: the role assignment.
    pub assignment_id: Option<String>,
    /// Grants: its scope, when the row gives it.
    pub assignment_scope: Option<String>,
    /// The reviewer (untrusted).
    pub reviewer: String,
    /// The review date as written.
    pub review_date: String,
    /// The justification (untrusted).
    pub justification: String,
    /// The ticket (untrusted).
    pub ticket: String,
    /// True when OLD holds the grant or principal the row names.
    pub in_old: bool,
    /// Why it counts as done, or what remains.
    pub detail: String,
    /// The revocation-not-done or modification-not-done finding, for
    /// decisions not carried out (or remediation-late, for one carried out
    /// late).
    pub finding_id: Option<String>,
    /// When it was carried out and by whom, against its `remediate_by` day
    /// (entitlement decisions; `None` for the older decision rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<super::remediation::Timing>,
}

/// A decision row that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionProblem {
    /// The sheet (the file name for a CSV file).
    pub sheet: String,
    /// 1-based row number.
    pub row: usize,
    /// What is wrong.
    pub message: String,
}

/// The previous review's decisions, checked against NEW.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DecisionsCheck {
    /// The decisions file name.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Rows with a principal read from review sheets.
    pub rows: usize,
    /// Rows decided Keep.
    pub keep: usize,
    /// Rows decided Modify.
    pub modify: usize,
    /// Rows decided Revoke (duplicates of the same grant counted once).
    pub revoke: usize,
    /// Rows with no decision.
    pub undecided: usize,
    /// Sheets with a Decision column that were not read, such as Findings.
    pub ignored_sheets: Vec<String>,
    /// Rows that could not be used (unknown decision words, no principal).
    pub problems: Vec<DecisionProblem>,
    /// Revokes and Modifies carried out: the access is gone from NEW, or
    /// became what Modify to names.
    pub verified: Vec<RevocationCheck>,
    /// Revokes and Modifies not carried out: each is a revocation-not-done
    /// or modification-not-done finding.
    pub not_done: Vec<RevocationCheck>,
    /// Modifies that cannot be checked (a whole principal, a token, or no
    /// Modify to), each saying why.
    pub unchecked: Vec<RevocationCheck>,
}
