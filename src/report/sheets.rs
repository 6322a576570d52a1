//! The pack's tables, defined once: which sheets exist, their columns, and
//! the rows each holds. `review.xlsx` and `csv/` both render these, so a
//! sheet and its CSV file always carry the same rows in the same order.
//!
//! Rows are produced into a sink one at a time (never collected), so a sheet
//! of millions of grants costs one row of memory. A renderer that must know
//! the size first (the XLSX writer sizes its tables and continuation sheets
//! before writing) asks [`row_count`], which is cheap and must agree with the
//! producer; the XLSX writer checks that it does.
//!
//! Nothing here does I/O beyond calling the sink, and nothing here escapes or
//! neutralises text: each renderer does that for its own format.

use std::collections::{BTreeMap, HashMap};
use std::io;

use chrono::{DateTime, Utc};

use crate::findings::{Finding, Severity};
use crate::graph::{
    format_included_scopes, format_resources, format_targets, is_all_users_group, AccessGraph,
    AssignmentStatus, Grant, GroupRef, Principal, PrivilegeLevel, ResolvedPrincipal,
    ResolvedResourceGroup, Via,
};
use crate::snapshot::{ApiKeyType, Scope, Snapshot, User};

use super::controls;
use super::ReportContext;

pub use crate::output::Cell;

/// A column: its CSV header, its XLSX header and its XLSX width.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// snake_case CSV header.
    pub key: &'static str,
    /// Header in the workbook.
    pub title: &'static str,
    /// Width in the workbook, in characters.
    pub width: f64,
}

const fn col(key: &'static str, title: &'static str, width: f64) -> Column {
    Column { key, title, width }
}

/// The reviewer columns the review sheets of `review.xlsx` end with.
pub const REVIEW_COLUMNS: &[Column] = &[
    col("decision", "Decision", 11.0),
    col("reviewer", "Reviewer", 20.0),
    col("review_date", "Review date", 12.0),
    col("justification", "Justification", 40.0),
    col("ticket", "Ticket", 14.0),
];

/// The choices of the Decision column.
pub const DECISIONS: &[&str] = &["Keep", "Revoke", "Modify"];

/// The sheets of the pack, in workbook order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SheetId {
    /// Headline facts and counts.
    Summary,
    /// Every finding, most severe first.
    Findings,
    /// Every admin and escalation grant, with its path.
    PrivilegedAccess,
    /// Every user and service account.
    Principals,
    /// Every grant.
    EffectiveAccess,
    /// Every role assignment and how it resolved.
    RoleAssignments,
    /// Every user group.
    Groups,
    /// Every membership.
    GroupMembers,
    /// Every role.
    Roles,
    /// Every resource group.
    ResourceGroups,
    /// Every API token.
    Tokens,
    /// The controls the pack evidences, and those it cannot.
    Controls,
    /// Where the snapshot came from and how complete it is.
    Provenance,
}

impl SheetId {
    /// Every sheet, in workbook order.
    pub const ALL: [SheetId; 13] = [
        SheetId::Summary,
        SheetId::Findings,
        SheetId::PrivilegedAccess,
        SheetId::Principals,
        SheetId::EffectiveAccess,
        SheetId::RoleAssignments,
        SheetId::Groups,
        SheetId::GroupMembers,
        SheetId::Roles,
        SheetId::ResourceGroups,
        SheetId::Tokens,
        SheetId::Controls,
        SheetId::Provenance,
    ];

    /// The sheet's name in the workbook (continuations add ` (2)`, ...).
    pub fn name(self) -> &'static str {
        match self {
            SheetId::Summary => "Summary",
            SheetId::Findings => "Findings",
            SheetId::PrivilegedAccess => "Privileged Access",
            SheetId::Principals => "Principals",
            SheetId::EffectiveAccess => "Effective Access",
            SheetId::RoleAssignments => "Role Assignments",
            SheetId::Groups => "Groups",
            SheetId::GroupMembers => "Group Members",
            SheetId::Roles => "Roles",
            SheetId::ResourceGroups => "Resource Groups",
            SheetId::Tokens => "Tokens",
            SheetId::Controls => "Controls",
            SheetId::Provenance => "Provenance",
        }
    }

    /// The file name under `csv/`.
    pub fn csv_name(self) -> &'static str {
        match self {
            SheetId::Summary => "summary.csv",
            SheetId::Findings => "findings.csv",
            SheetId::PrivilegedAccess => "privileged_access.csv",
            SheetId::Principals => "principals.csv",
            SheetId::EffectiveAccess => "effective_access.csv",
            SheetId::RoleAssignments => "role_assignments.csv",
            SheetId::Groups => "groups.csv",
            SheetId::GroupMembers => "group_members.csv",
            SheetId::Roles => "roles.csv",
            SheetId::ResourceGroups => "resource_groups.csv",
            SheetId::Tokens => "tokens.csv",
            SheetId::Controls => "controls.csv",
            SheetId::Provenance => "provenance.csv",
        }
    }

    /// One line under the sheet's title: what a row is.
    pub fn about(self) -> &'static str {
        match self {
            SheetId::Summary => "Headline facts of this review.",
            SheetId::Findings => "One row per finding, most severe first. Decide each: Keep (accept), Revoke or Modify.",
            SheetId::PrivilegedAccess => "One row per admin or escalation grant, with the path it comes through. Decide each.",
            SheetId::Principals => "One row per user and service account. Decide each: Keep, Revoke (remove the account) or Modify.",
            SheetId::EffectiveAccess => "One row per grant: a principal holding a role assignment directly or through a group. Decide each.",
            SheetId::RoleAssignments => "One row per role assignment, with how it resolved: active, disabled (dormant) or orphaned.",
            SheetId::Groups => "One row per user group; members counts the effective members.",
            SheetId::GroupMembers => "One row per group membership; the built-in all-users groups expanded to every user of their scope.",
            SheetId::Roles => "One row per role, with its permissions and the escalation permissions among them.",
            SheetId::ResourceGroups => "One row per resource group, with the scopes and resources it covers.",
            SheetId::Tokens => "One row per API token. Harness records no last-used time for tokens.",
            SheetId::Controls => "The SOC 2 and ISO 27001 controls this pack evidences, and those it cannot (manual).",
            SheetId::Provenance => "Where the snapshot came from, how complete it is, and how this pack was made.",
        }
    }

    /// True for the sheets reviewers decide on (they get reviewer columns).
    pub fn is_review(self) -> bool {
        matches!(
            self,
            SheetId::Findings
                | SheetId::PrivilegedAccess
                | SheetId::Principals
                | SheetId::EffectiveAccess
        )
    }

    /// The data columns (reviewer columns excluded).
    pub fn columns(self) -> &'static [Column] {
        match self {
            SheetId::Summary | SheetId::Provenance => KEY_VALUE,
            SheetId::Findings => FINDINGS,
            SheetId::PrivilegedAccess => PRIVILEGED,
            SheetId::Principals => PRINCIPALS,
            SheetId::EffectiveAccess => EFFECTIVE_ACCESS,
            SheetId::RoleAssignments => ROLE_ASSIGNMENTS,
            SheetId::Groups => GROUPS,
            SheetId::GroupMembers => GROUP_MEMBERS,
            SheetId::Roles => ROLES,
            SheetId::ResourceGroups => RESOURCE_GROUPS,
            SheetId::Tokens => TOKENS,
            SheetId::Controls => CONTROLS,
        }
    }
}

const KEY_VALUE: &[Column] = &[col("item", "Item", 46.0), col("value", "Value", 100.0)];

const FINDINGS: &[Column] = &[
    col("severity", "Severity", 10.0),
    col("rule", "Rule", 26.0),
    col("principal_kind", "Principal kind", 14.0),
    col("principal_id", "Principal ID", 26.0),
    col("principal_name", "Principal name", 24.0),
    col("principal_email", "Principal email", 28.0),
    col("scope", "Scope", 20.0),
    col("message", "Message", 60.0),
    col("controls", "Controls", 28.0),
    col("exemption", "Exemption", 30.0),
    col("evidence", "Evidence", 50.0),
    col("id", "Finding ID", 20.0),
];

const PRIVILEGED: &[Column] = &[
    col("principal_kind", "Principal kind", 14.0),
    col("principal_id", "Principal ID", 26.0),
    col("principal_name", "Principal name", 24.0),
    col("principal_email", "Principal email", 28.0),
    col("principal_status", "Status", 10.0),
    col("privilege_level", "Privilege", 11.0),
    col("admin_of", "Admin of", 18.0),
    col("escalation_permissions", "Escalation permissions", 30.0),
    col("path", "Path", 70.0),
    col("via", "Via", 28.0),
    col("via_group_name", "Via group name", 24.0),
    col("assignment_scope", "Assignment scope", 20.0),
    col("assignment_id", "Assignment ID", 30.0),
    col("role_id", "Role", 22.0),
    col("resource_group_id", "Resource group", 30.0),
    col("target_scopes", "Target scopes", 24.0),
    col("resources", "Resources", 20.0),
];

const PRINCIPALS: &[Column] = &[
    col("kind", "Kind", 14.0),
    col("id", "ID", 26.0),
    col("name", "Name", 24.0),
    col("email", "Email", 28.0),
    col("scope", "Scope", 14.0),
    col("status", "Status", 10.0),
    col("two_factor", "2FA", 6.0),
    col("externally_managed", "SCIM", 6.0),
    col("groups", "Groups", 36.0),
    col("direct_assignments", "Direct assignments", 10.0),
    col("grants", "Grants", 8.0),
    col("highest_privilege", "Highest privilege", 12.0),
    col("admin_of", "Admin of", 20.0),
    col("last_login", "Last login", 21.0),
];

const EFFECTIVE_ACCESS: &[Column] = &[
    col("principal_kind", "Principal kind", 14.0),
    col("principal_id", "Principal ID", 26.0),
    col("principal_name", "Principal name", 24.0),
    col("principal_email", "Principal email", 28.0),
    col("via", "Via", 28.0),
    col("assignment_id", "Assignment ID", 30.0),
    col("assignment_scope", "Assignment scope", 20.0),
    col("role_id", "Role", 22.0),
    col("role_scope", "Role scope", 14.0),
    col("resource_group_id", "Resource group", 30.0),
    col("resource_group_scope", "Resource group scope", 14.0),
    col("target_scopes", "Target scopes", 24.0),
    col("resources", "Resources", 20.0),
    col("privilege_level", "Privilege", 11.0),
    col("admin_of", "Admin of", 14.0),
    col("permissions", "Permissions", 60.0),
];

const ROLE_ASSIGNMENTS: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("id", "ID", 30.0),
    col("principal_type", "Principal type", 16.0),
    col("principal_id", "Principal ID", 26.0),
    col("principal_scope_level", "Principal scope level", 12.0),
    col("resolved_principal", "Resolved principal", 32.0),
    col("role_id", "Role", 22.0),
    col("role_scope", "Role scope", 14.0),
    col("resource_group_id", "Resource group", 30.0),
    col("status", "Status", 10.0),
    col("reason", "Reason", 36.0),
    col("managed", "Managed", 9.0),
    col("privilege_level", "Privilege", 11.0),
    col("grants", "Grants", 8.0),
];

const GROUPS: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("id", "ID", 26.0),
    col("name", "Name", 28.0),
    col("members", "Members", 9.0),
    col("all_users_builtin", "All-users built-in", 10.0),
    col("sso_linked", "SSO linked", 9.0),
    col("sso_type", "SSO type", 9.0),
    col("sso_group", "SSO group", 20.0),
    col("externally_managed", "SCIM", 6.0),
    col("harness_managed", "Harness managed", 9.0),
    col("active_assignments", "Active assignments", 10.0),
    col("highest_privilege", "Highest privilege", 12.0),
];

const GROUP_MEMBERS: &[Column] = &[
    col("group_scope", "Group scope", 20.0),
    col("group_id", "Group ID", 26.0),
    col("group_name", "Group name", 28.0),
    col("user_id", "User ID", 26.0),
    col("user_name", "User name", 24.0),
    col("user_email", "User email", 28.0),
    col("user_status", "User status", 12.0),
    col("membership", "Membership", 22.0),
];

const ROLES: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("id", "ID", 26.0),
    col("name", "Name", 24.0),
    col("harness_managed", "Harness managed", 9.0),
    col("allowed_scope_levels", "Allowed scope levels", 20.0),
    col("permission_count", "Permissions (count)", 10.0),
    col("escalation_permissions", "Escalation permissions", 36.0),
    col("active_assignments", "Active assignments", 10.0),
    col("permissions", "Permissions", 60.0),
];

const RESOURCE_GROUPS: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("id", "ID", 30.0),
    col("name", "Name", 28.0),
    col("harness_managed", "Harness managed", 9.0),
    col("included_scopes", "Included scopes", 30.0),
    col("resources", "Resources", 40.0),
    col("active_assignments", "Active assignments", 10.0),
];

const TOKENS: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("owner_kind", "Owner kind", 14.0),
    col("owner_id", "Owner ID", 28.0),
    col("owner_name", "Owner name", 24.0),
    col("api_key_id", "API key ID", 22.0),
    col("api_key_name", "API key name", 22.0),
    col("token_id", "Token ID", 22.0),
    col("token_name", "Token name", 22.0),
    col("created_at", "Created", 21.0),
    col("valid_from", "Valid from", 21.0),
    col("valid_to", "Valid to", 21.0),
    col("harness_valid", "Harness valid flag", 9.0),
    col("expiry", "Expiry", 12.0),
    col("days_to_expiry", "Days to expiry", 9.0),
    col("days_since_expiry", "Days since expiry", 9.0),
    col("lifetime_days", "Lifetime (days)", 9.0),
];

const CONTROLS: &[Column] = &[
    col("control", "Control", 18.0),
    col("title", "Title", 30.0),
    col("status", "Status", 11.0),
    col("what", "What the pack shows, or what to collect", 70.0),
    col("where", "Where", 36.0),
    col("findings", "Findings", 9.0),
    col("open_findings", "Open findings", 9.0),
];

/// A sink for rows.
pub type Sink<'a> = dyn FnMut(Vec<Cell>) -> io::Result<()> + 'a;

/// RFC 3339 in UTC to the second, as every output writes times.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn two_factor(u: &User) -> &'static str {
    match u.two_factor_enabled {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

/// Joins scopes with `; `.
pub fn join_scopes(v: &[Scope]) -> String {
    v.iter()
        .map(Scope::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// How many rows [`write_rows`] produces for a sheet.
pub fn row_count(ctx: &ReportContext<'_, '_>, sheet: SheetId) -> usize {
    let g = ctx.graph;
    let s = g.snapshot();
    match sheet {
        SheetId::Summary => summary_items(ctx).len(),
        SheetId::Provenance => provenance_items(ctx).len(),
        SheetId::Controls => controls::rows(ctx.findings).len(),
        SheetId::Findings => ctx.findings.len(),
        SheetId::PrivilegedAccess => privileged_grants(g).count(),
        SheetId::Principals => s.users.len() + s.service_accounts.len(),
        SheetId::EffectiveAccess => g
            .grants
            .iter()
            .filter(|x| g.access_of(x.assignment).is_some())
            .count(),
        SheetId::RoleAssignments => s.role_assignments.len(),
        SheetId::Groups => s.user_groups.len(),
        SheetId::GroupMembers => s
            .user_groups
            .iter()
            .enumerate()
            .map(|(i, x)| {
                if is_all_users_group(x.id.as_str(), x.scope.level()) {
                    g.group_members(GroupRef {
                        index: Some(i),
                        builtin_from_assignment: None,
                    })
                    .len()
                } else {
                    x.members.len()
                }
            })
            .sum(),
        SheetId::Roles => s.roles.len(),
        SheetId::ResourceGroups => s.resource_groups.len(),
        SheetId::Tokens => s.tokens.len(),
    }
}

/// Produces every row of a sheet, in order, into `sink`.
pub fn write_rows(
    ctx: &ReportContext<'_, '_>,
    sheet: SheetId,
    sink: &mut Sink<'_>,
) -> io::Result<()> {
    match sheet {
        SheetId::Summary => key_values(summary_items(ctx), sink),
        SheetId::Provenance => key_values(provenance_items(ctx), sink),
        SheetId::Controls => {
            for r in controls::rows(ctx.findings) {
                sink(vec![
                    r.control.into(),
                    r.title.into(),
                    r.status.into(),
                    r.what.into(),
                    r.r#where.into(),
                    r.findings.map_or(Cell::Empty, Cell::from),
                    r.open_findings.map_or(Cell::Empty, Cell::from),
                ])?;
            }
            Ok(())
        }
        SheetId::Findings => findings(ctx, sink),
        SheetId::PrivilegedAccess => privileged(ctx.graph, sink),
        SheetId::Principals => principals(ctx.graph, sink),
        SheetId::EffectiveAccess => effective_access(ctx.graph, sink),
        SheetId::RoleAssignments => role_assignments(ctx.graph, sink),
        SheetId::Groups => groups(ctx.graph, sink),
        SheetId::GroupMembers => group_members(ctx.graph, sink),
        SheetId::Roles => roles(ctx.graph, sink),
        SheetId::ResourceGroups => resource_groups(ctx.graph, sink),
        SheetId::Tokens => tokens(ctx, sink),
    }
}

fn key_values(items: Vec<(String, Cell)>, sink: &mut Sink<'_>) -> io::Result<()> {
    for (k, v) in items {
        sink(vec![Cell::Text(k), v])?;
    }
    Ok(())
}

/// Counts that the summary sheet, the HTML tiles and the CLI share.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Account users.
    pub users: usize,
    /// Users neither disabled nor locked.
    pub users_enabled: usize,
    /// Disabled users.
    pub users_disabled: usize,
    /// Locked users.
    pub users_locked: usize,
    /// Service accounts.
    pub service_accounts: usize,
    /// User groups.
    pub groups: usize,
    /// Roles.
    pub roles: usize,
    /// Resource groups.
    pub resource_groups: usize,
    /// Role assignments.
    pub assignments: usize,
    /// Active role assignments.
    pub assignments_active: usize,
    /// Disabled role assignments.
    pub assignments_disabled: usize,
    /// Orphaned role assignments.
    pub assignments_orphaned: usize,
    /// Role assignments bound to Harness's own services (`SERVICE`).
    pub assignments_internal: usize,
    /// Grants (effective-access rows).
    pub grants: usize,
    /// Principals administering at least one scope.
    pub admins: usize,
    /// Principals administering the account.
    pub account_admins: usize,
    /// Principals whose strongest level is escalation.
    pub escalation_holders: usize,
    /// Admin and escalation grants.
    pub privileged_grants: usize,
    /// API tokens.
    pub tokens: usize,
    /// Findings per severity, strongest first (all five listed).
    pub findings_by_severity: Vec<(Severity, usize)>,
    /// Findings under an active exemption.
    pub findings_exempt: usize,
}

/// Computes the shared counts.
pub fn counts(ctx: &ReportContext<'_, '_>) -> Counts {
    let g = ctx.graph;
    let s = g.snapshot();
    let mut c = Counts {
        users: s.users.len(),
        users_enabled: s.users.iter().filter(|u| !u.disabled && !u.locked).count(),
        users_disabled: s.users.iter().filter(|u| u.disabled).count(),
        users_locked: s.users.iter().filter(|u| u.locked).count(),
        service_accounts: s.service_accounts.len(),
        groups: s.user_groups.len(),
        roles: s.roles.len(),
        resource_groups: s.resource_groups.len(),
        assignments: s.role_assignments.len(),
        tokens: s.tokens.len(),
        grants: row_count(ctx, SheetId::EffectiveAccess),
        privileged_grants: privileged_grants(g).count(),
        ..Counts::default()
    };
    for r in &g.assignments {
        match r.status {
            AssignmentStatus::Active => c.assignments_active += 1,
            AssignmentStatus::Disabled => c.assignments_disabled += 1,
            AssignmentStatus::Orphaned(_) => c.assignments_orphaned += 1,
            AssignmentStatus::Internal => c.assignments_internal += 1,
        }
    }
    for p in g.principals() {
        let admin = g.admin_scopes(p);
        if !admin.is_empty() {
            c.admins += 1;
        }
        if admin.contains(&Scope::Account) {
            c.account_admins += 1;
        }
        if g.highest_level(p) == PrivilegeLevel::Escalation {
            c.escalation_holders += 1;
        }
    }
    for sev in Severity::DESCENDING {
        let n = ctx.findings.iter().filter(|f| f.severity == sev).count();
        c.findings_by_severity.push((sev, n));
    }
    c.findings_exempt = ctx.findings.iter().filter(|f| f.is_exempt()).count();
    c
}

/// One line saying whether the snapshot is complete.
pub fn completeness_line(s: &Snapshot) -> String {
    if s.completeness.complete {
        "complete: every list matched the count Harness reported".to_string()
    } else {
        let lists = &s.completeness.lists;
        let bad = lists.iter().filter(|l| !l.complete).count();
        format!(
            "INCOMPLETE: {bad} of {} lists were not read completely (pulled with --allow-partial); this pack does not cover the whole account",
            lists.len()
        )
    }
}

/// What the pulling key could not read, one sentence per kind of gap, with
/// the rules that therefore did not run (empty when nothing is missing).
pub fn evidence_gaps(s: &Snapshot) -> Vec<String> {
    use crate::snapshot::UnreadKind;
    let mut out = Vec::new();
    let of = |k: UnreadKind| s.completeness.unread.iter().filter(move |u| u.what == k);
    if let Some(u) = of(UnreadKind::ApiKeys).chain(of(UnreadKind::Tokens)).next() {
        out.push(format!(
            "Service accounts' API keys and tokens were not read (the pulling key lacks {}): token-long-lived and token-expired-not-removed were not evaluated, and the Tokens sheet lists only what was read.",
            u.needs.as_deref().unwrap_or("the permission to list them")
        ));
    }
    let roles: Vec<_> = of(UnreadKind::Role).collect();
    if !roles.is_empty() {
        out.push(format!(
            "{} role(s) named by role assignments could not be read; those assignments are listed as orphaned (role not readable) and grant nothing here.",
            roles.len()
        ));
    }
    if let Some(u) = of(UnreadKind::AccountName).next() {
        out.push(format!(
            "The account's name and sign-in settings were not read ({}).",
            u.needs.as_deref().unwrap_or("the request failed")
        ));
    }
    out
}

/// What Harness's own lists leave out, for every pull: said on the
/// Provenance sheet and page so nobody counts it as missing evidence.
pub const NOT_LISTED_BY_HARNESS: &str = "Harness's internal baseline assignments (_account_basic, _organization_basic, _project_basic bound to the all-users groups) are hidden by roleassignments/filter and are not in this pack; nor are principal types other than users, groups and service accounts.";

/// The account as a pack names it: `Name (id)`, or the id.
pub fn account_label(s: &Snapshot) -> String {
    match &s.account.name {
        Some(n) if !n.is_empty() => format!("{n} ({})", s.account.id),
        _ => s.account.id.clone(),
    }
}

fn caller_label(s: &Snapshot) -> String {
    match &s.provenance.caller {
        Some(c) => {
            let mut out = format!("{} {}", c.kind, c.id);
            if let Some(n) = &c.name {
                out.push_str(&format!(" ({n})"));
            }
            if let Some(e) = &c.email {
                out.push_str(&format!(" <{e}>"));
            }
            out
        }
        None => "not recorded".to_string(),
    }
}

/// The policy the findings were evaluated with, in one line.
/// The roster the findings were checked against, with its hash.
pub fn roster_line(ctx: &ReportContext<'_, '_>) -> String {
    match ctx.roster {
        Some(r) => format!(
            "{} ({} format by {}, {} rows), SHA-256 {}",
            r.file, r.format, r.detected_by, r.rows, r.sha256
        ),
        None => "none (run with --roster to check users against the workforce)".to_string(),
    }
}

pub fn policy_line(ctx: &ReportContext<'_, '_>) -> String {
    let p = ctx.policy;
    let t = &p.thresholds;
    let source = match (&p.source.file_name, &p.source.sha256) {
        (Some(name), Some(sha)) => format!("file {name} (SHA-256 {sha})"),
        (Some(name), None) => format!("file {name}"),
        _ => "built-in defaults".to_string(),
    };
    format!(
        "{source}; inactive_days {}, max_account_admins {}, token_max_days {}; {} exemptions (findings.json has the whole effective policy)",
        t.inactive_days,
        t.max_account_admins,
        t.token_max_days,
        p.exemptions.len()
    )
}

fn summary_items(ctx: &ReportContext<'_, '_>) -> Vec<(String, Cell)> {
    let s = &ctx.loaded.snapshot;
    let c = counts(ctx);
    let mut v: Vec<(String, Cell)> = vec![("Completeness".into(), completeness_line(s).into())];
    for gap in evidence_gaps(s) {
        v.push(("Gap in the evidence".into(), gap.into()));
    }
    v.extend([
        ("Account".into(), account_label(s).into()),
        ("Account ID".into(), s.account.id.clone().into()),
        (
            "Snapshot captured at".into(),
            fmt_time(s.captured_at()).into(),
        ),
        ("Snapshot SHA-256".into(), ctx.loaded.sha256.clone().into()),
        ("Pulled from".into(), s.provenance.base_url.clone().into()),
        ("Pulled by".into(), caller_label(s).into()),
        (
            "Inactivity measured as of".into(),
            fmt_time(ctx.as_of).into(),
        ),
        ("Policy".into(), policy_line(ctx).into()),
        ("Roster".into(), roster_line(ctx).into()),
        (
            "Activity window".into(),
            format!(
                "{} days: {} to {} (audit LOGIN / LOGIN2FA events)",
                s.activity.window_days,
                fmt_time(s.activity.window_start),
                fmt_time(s.activity.window_end)
            )
            .into(),
        ),
        ("Users".into(), c.users.into()),
        ("Users enabled".into(), c.users_enabled.into()),
        ("Users disabled".into(), c.users_disabled.into()),
        ("Users locked".into(), c.users_locked.into()),
        ("Service accounts".into(), c.service_accounts.into()),
        ("User groups".into(), c.groups.into()),
        ("Roles".into(), c.roles.into()),
        ("Resource groups".into(), c.resource_groups.into()),
        ("Role assignments".into(), c.assignments.into()),
        (
            "Role assignments active".into(),
            c.assignments_active.into(),
        ),
        (
            "Role assignments disabled (dormant)".into(),
            c.assignments_disabled.into(),
        ),
        (
            "Role assignments orphaned".into(),
            c.assignments_orphaned.into(),
        ),
        ("Grants (effective access rows)".into(), c.grants.into()),
        ("Principals with admin access".into(), c.admins.into()),
        ("Account admins".into(), c.account_admins.into()),
        (
            "Principals holding escalation permissions (not admin)".into(),
            c.escalation_holders.into(),
        ),
        ("Privileged grants".into(), c.privileged_grants.into()),
        ("API tokens".into(), c.tokens.into()),
        ("Findings".into(), ctx.findings.len().into()),
    ]);
    if c.assignments_internal > 0 {
        let at = v
            .iter()
            .position(|(k, _)| k == "Role assignments orphaned")
            .map_or(v.len(), |i| i + 1);
        v.insert(
            at,
            (
                "Role assignments to Harness services (managed by Harness, not reviewed)".into(),
                c.assignments_internal.into(),
            ),
        );
    }
    for (sev, n) in &c.findings_by_severity {
        v.push((format!("Findings {sev}"), (*n).into()));
    }
    v.push((
        "Findings under an active exemption".into(),
        c.findings_exempt.into(),
    ));
    v.push((
        "Made by".into(),
        format!("reviewpack {}", env!("CARGO_PKG_VERSION")).into(),
    ));
    v
}

fn provenance_items(ctx: &ReportContext<'_, '_>) -> Vec<(String, Cell)> {
    let s = &ctx.loaded.snapshot;
    let p = &s.provenance;
    let mut v: Vec<(String, Cell)> = vec![
        ("Completeness".into(), completeness_line(s).into()),
        ("Account".into(), account_label(s).into()),
        (
            "Snapshot format".into(),
            format!("{} version {}", s.format, s.version).into(),
        ),
        ("Snapshot SHA-256".into(), ctx.loaded.sha256.clone().into()),
        (
            "Snapshot file in this pack".into(),
            "snapshot.json (byte for byte)".into(),
        ),
        ("Pulled from".into(), p.base_url.clone().into()),
        ("Pulled by".into(), caller_label(s).into()),
        ("Pull started".into(), fmt_time(p.started_at).into()),
        (
            "Pull finished (capture time)".into(),
            fmt_time(p.finished_at).into(),
        ),
        (
            "Pulled with".into(),
            format!("reviewpack {}", p.tool_version).into(),
        ),
        ("Pull command line".into(), p.command_line.join(" ").into()),
        ("Note".into(), p.note.clone().unwrap_or_default().into()),
        ("Not listed by Harness".into(), NOT_LISTED_BY_HARNESS.into()),
        (
            "Activity window".into(),
            format!(
                "{} days: {} to {}",
                s.activity.window_days,
                fmt_time(s.activity.window_start),
                fmt_time(s.activity.window_end)
            )
            .into(),
        ),
        (
            "Inactivity measured as of".into(),
            fmt_time(ctx.as_of).into(),
        ),
        ("Policy".into(), policy_line(ctx).into()),
        ("Roster".into(), roster_line(ctx).into()),
        (
            "Pack made with".into(),
            format!("reviewpack {}", env!("CARGO_PKG_VERSION")).into(),
        ),
        (
            "Verify".into(),
            "sha256sum -c SHA256SUMS (in the pack directory); manifest.json lists every file"
                .into(),
        ),
    ];
    let lists = &s.completeness.lists;
    v.push((
        "Lists read".into(),
        format!(
            "{} lists, {} complete",
            lists.len(),
            lists.iter().filter(|l| l.complete).count()
        )
        .into(),
    ));
    // Incomplete lists first: they are what a reader must see.
    let mut ordered: Vec<_> = lists.iter().collect();
    ordered.sort_by_key(|l| l.complete);
    for l in ordered {
        let total = l
            .total_items
            .map_or("unpaged".to_string(), |t| format!("{t} reported"));
        let mut value = format!(
            "{}: {} stored, {total}, {} pages, {} retries",
            if l.complete { "complete" } else { "INCOMPLETE" },
            l.stored,
            l.pages,
            l.retries
        );
        if let Some(n) = &l.note {
            value.push_str(&format!("; {n}"));
        }
        v.push((format!("List {} at {}", l.endpoint, l.scope), value.into()));
    }
    v
}

fn severity_rank(s: Severity) -> std::cmp::Reverse<Severity> {
    std::cmp::Reverse(s)
}

/// The findings in the order every output lists them: most severe first,
/// then by rule, scope, principal and id.
pub fn sorted_findings(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by(|a, b| {
        (
            severity_rank(a.severity),
            &a.rule,
            &a.scope,
            a.principal.as_ref().map(|p| &p.id),
            &a.id,
        )
            .cmp(&(
                severity_rank(b.severity),
                &b.rule,
                &b.scope,
                b.principal.as_ref().map(|p| &p.id),
                &b.id,
            ))
    });
    v
}

/// A finding's controls as `SOC2:CC6.3; ISO27001:A.8.2`.
pub fn finding_controls(f: &Finding) -> String {
    f.controls
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A finding's exemption in one line, or empty.
pub fn finding_exemption(f: &Finding) -> String {
    match &f.exempted {
        None => String::new(),
        Some(e) if !e.note.is_empty() => e.note.clone(),
        Some(e) if e.active => format!(
            "exempt until {} ({}; approved by {})",
            e.expires, e.reason, e.approved_by
        ),
        Some(e) => format!("exemption expired on {}; finding applies again", e.expires),
    }
}

fn findings(ctx: &ReportContext<'_, '_>, sink: &mut Sink<'_>) -> io::Result<()> {
    for f in sorted_findings(ctx.findings) {
        let p = f.principal.as_ref();
        sink(vec![
            f.severity.as_str().into(),
            f.rule.clone().into(),
            p.map(|p| p.kind.clone()).into(),
            p.map(|p| p.id.clone()).into(),
            p.map(|p| p.name.clone()).into(),
            p.and_then(|p| p.email.clone()).into(),
            f.scope.clone().into(),
            f.message.clone().into(),
            finding_controls(f).into(),
            finding_exemption(f).into(),
            serde_json::to_string(&f.evidence)
                .unwrap_or_default()
                .into(),
            f.id.clone().into(),
        ])?;
    }
    Ok(())
}

/// The grants at admin or escalation level, in grant order.
pub fn privileged_grants<'g>(g: &'g AccessGraph<'_>) -> impl Iterator<Item = &'g Grant> + 'g {
    g.grants.iter().filter(|x| {
        g.access_of(x.assignment)
            .is_some_and(|a| a.level >= PrivilegeLevel::Escalation)
    })
}

/// The display name of the group a grant comes through, if any.
pub fn via_group_name<'s>(g: &AccessGraph<'s>, via: Via) -> Option<&'s str> {
    match via {
        Via::Direct => None,
        Via::Group(GroupRef { index: Some(i), .. }) => Some(&g.snapshot().user_groups[i].name),
        Via::Group(_) => None,
    }
}

/// A user's status, or `enabled` for a service account.
pub fn principal_status(g: &AccessGraph<'_>, p: Principal) -> &'static str {
    match p {
        Principal::User(i) => g.snapshot().users[i].status(),
        Principal::ServiceAccount(_) => "enabled",
    }
}

/// The role of an assignment as `(id, scope where found)`.
pub fn role_label(g: &AccessGraph<'_>, ai: usize) -> (String, String) {
    let s = g.snapshot();
    let a = &s.role_assignments[ai];
    match g.assignments[ai].role {
        Some(r) => (s.roles[r].id.to_string(), s.roles[r].scope.to_string()),
        None => (a.role.id.to_string(), String::new()),
    }
}

/// The path of a grant in one line: via, assignment, role, resource group,
/// what it covers.
pub fn grant_path(g: &AccessGraph<'_>, grant: &Grant) -> String {
    let s = g.snapshot();
    let a = &s.role_assignments[grant.assignment];
    let (role_id, role_scope) = role_label(g, grant.assignment);
    let role = if role_scope.is_empty() {
        role_id
    } else {
        format!("{role_scope}/{role_id}")
    };
    let mut out = format!(
        "{} → assignment {}/{} → role {} on resource group {}",
        g.via_label(grant.via),
        a.scope,
        a.id,
        role,
        a.resource_group
    );
    if let Some(access) = g.access_of(grant.assignment) {
        out.push_str(&format!(" → {}", format_targets(&access.targets)));
        if let Some(scope) = &access.admin_of {
            out.push_str(&format!(" (admin of {scope})"));
        }
    }
    out
}

/// The escalation permissions a grant carries, space-separated.
pub fn escalation_permissions(g: &AccessGraph<'_>, grant: &Grant) -> String {
    g.access_of(grant.assignment)
        .map(|a| {
            a.permissions
                .iter()
                .map(|p| p.as_str())
                .filter(|p| crate::graph::is_escalation(p))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn privileged(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    for grant in privileged_grants(g) {
        let Some(access) = g.access_of(grant.assignment) else {
            continue;
        };
        let id = g.identity(grant.principal);
        let a = &s.role_assignments[grant.assignment];
        let (role_id, _) = role_label(g, grant.assignment);
        sink(vec![
            id.kind.into(),
            id.id.into(),
            id.name.into(),
            id.email.unwrap_or_default().into(),
            principal_status(g, grant.principal).into(),
            access.level.as_str().into(),
            access
                .admin_of
                .as_ref()
                .map(Scope::to_string)
                .unwrap_or_default()
                .into(),
            escalation_permissions(g, grant).into(),
            grant_path(g, grant).into(),
            g.via_label(grant.via).into(),
            via_group_name(g, grant.via).unwrap_or_default().into(),
            a.scope.to_string().into(),
            a.id.to_string().into(),
            role_id.into(),
            a.resource_group.to_string().into(),
            format_targets(&access.targets).into(),
            format_resources(access.resources.as_deref()).into(),
        ])?;
    }
    Ok(())
}

/// A user's last login as shown everywhere: a time or `none in N days`.
pub fn last_login(g: &AccessGraph<'_>, user: usize) -> String {
    match g.last_login(user) {
        Some(l) => fmt_time(l.last_login),
        None => format!("none in {} days", g.snapshot().activity.window_days),
    }
}

/// The listed groups naming a user, as `SCOPE/ID`.
pub fn user_groups_label(g: &AccessGraph<'_>, user: usize) -> String {
    let s = g.snapshot();
    g.groups_of_user(user)
        .iter()
        .map(|&gi| {
            let x = &s.user_groups[gi];
            format!("{}/{}", x.scope, x.id)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn principals(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    for p in g.principals() {
        let id = g.identity(p);
        let grants = g.grants_of(p);
        let direct = grants.iter().filter(|x| x.via == Via::Direct).count();
        let level = g.highest_level(p);
        let admin = join_scopes(&g.admin_scopes(p));
        let row: Vec<Cell> = match p {
            Principal::User(i) => {
                let u = &s.users[i];
                vec![
                    id.kind.into(),
                    id.id.into(),
                    u.name.as_str().into(),
                    u.email.as_str().into(),
                    "account".into(),
                    u.status().into(),
                    two_factor(u).into(),
                    yes_no(u.externally_managed).into(),
                    user_groups_label(g, i).into(),
                    direct.into(),
                    grants.len().into(),
                    level.as_str().into(),
                    admin.into(),
                    last_login(g, i).into(),
                ]
            }
            Principal::ServiceAccount(i) => {
                let sa = &s.service_accounts[i];
                vec![
                    id.kind.into(),
                    id.id.into(),
                    sa.name.as_str().into(),
                    sa.email.clone().unwrap_or_default().into(),
                    sa.scope.to_string().into(),
                    "enabled".into(),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    direct.into(),
                    grants.len().into(),
                    level.as_str().into(),
                    admin.into(),
                    Cell::Empty,
                ]
            }
        };
        sink(row)?;
    }
    Ok(())
}

fn effective_access(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    use std::sync::Arc;
    let s = g.snapshot();
    // A large account has millions of grants but a few hundred thousand
    // assignments, a few thousand scopes and group paths, and fewer distinct
    // accesses: their text is made once and shared by every row.
    let mut scope_cache: HashMap<Scope, Arc<str>> = HashMap::new();
    let mut scope_cell = |sc: &Scope| -> Cell {
        if let Some(text) = scope_cache.get(sc) {
            return Cell::Shared(text.clone());
        }
        let text: Arc<str> = Arc::from(sc.to_string());
        scope_cache.insert(sc.clone(), text.clone());
        Cell::Shared(text)
    };
    let mut vias: HashMap<Via, Arc<str>> = HashMap::new();
    let mut accesses: HashMap<*const crate::graph::Access, [Cell; 5]> = HashMap::new();
    // The eleven cells a row takes from its assignment, per assignment.
    let mut per_assignment: Vec<Option<Arc<[Cell; 11]>>> = vec![None; s.role_assignments.len()];
    let mut principal: Option<(Principal, [Cell; 4])> = None;
    for grant in &g.grants {
        let Some(access) = g.access_of(grant.assignment) else {
            continue;
        };
        if principal.as_ref().map(|(p, _)| *p) != Some(grant.principal) {
            let id = g.identity(grant.principal);
            principal = Some((
                grant.principal,
                [
                    id.kind.into(),
                    id.id.into(),
                    id.name.into(),
                    id.email.unwrap_or_default().into(),
                ],
            ));
        }
        let who = &principal.as_ref().expect("set above").1;
        let cells = match &per_assignment[grant.assignment] {
            Some(c) => c.clone(),
            None => {
                let a = &s.role_assignments[grant.assignment];
                let r = &g.assignments[grant.assignment];
                let (role_id, role_scope) = match r.role {
                    Some(ri) => (s.roles[ri].id.as_str(), Some(&s.roles[ri].scope)),
                    None => (a.role.id.as_str(), None),
                };
                let rg_scope = match &r.resource_group {
                    Some(ResolvedResourceGroup::Listed(i)) => Some(&s.resource_groups[*i].scope),
                    Some(ResolvedResourceGroup::Builtin(_)) => Some(&a.scope),
                    None => None,
                };
                let [targets, resources, level, admin_of, permissions] = accesses
                    .entry(Arc::as_ptr(r.access.as_ref().expect("access_of is Some")))
                    .or_insert_with(|| {
                        let shared = |t: String| Cell::Shared(Arc::from(t));
                        [
                            shared(format_targets(&access.targets)),
                            shared(format_resources(access.resources.as_deref())),
                            shared(access.level.as_str().to_string()),
                            shared(
                                access
                                    .admin_of
                                    .as_ref()
                                    .map(Scope::to_string)
                                    .unwrap_or_default(),
                            ),
                            shared(
                                access
                                    .permissions
                                    .iter()
                                    .map(|p| p.as_str())
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            ),
                        ]
                    })
                    .clone();
                let c = Arc::new([
                    Cell::Shared(Arc::from(a.id.as_str())),
                    scope_cell(&a.scope),
                    Cell::Shared(Arc::from(role_id)),
                    role_scope.map_or(Cell::Text(String::new()), &mut scope_cell),
                    Cell::Shared(Arc::from(a.resource_group.as_str())),
                    rg_scope.map_or(Cell::Text(String::new()), &mut scope_cell),
                    targets,
                    resources,
                    level,
                    admin_of,
                    permissions,
                ]);
                per_assignment[grant.assignment] = Some(c.clone());
                c
            }
        };
        let via = vias
            .entry(grant.via)
            .or_insert_with(|| Arc::from(g.via_label(grant.via)))
            .clone();
        let mut row = Vec::with_capacity(16);
        row.extend(who.iter().cloned());
        row.push(Cell::Shared(via));
        row.extend(cells.iter().cloned());
        sink(row)?;
    }
    Ok(())
}

/// How an assignment's principal reads in a row: `user:EMAIL`,
/// `group:SCOPE/ID`, `sa:SCOPE/ID`, or empty when unresolved.
fn resolved_principal_label(g: &AccessGraph<'_>, ai: usize) -> String {
    let s = g.snapshot();
    match g.assignments[ai].principal {
        Some(ResolvedPrincipal::User(i)) => format!("user:{}", s.users[i].email),
        Some(ResolvedPrincipal::ServiceAccount(i)) => g.identity(Principal::ServiceAccount(i)).id,
        Some(ResolvedPrincipal::Group(gr)) => g.via_label(Via::Group(gr)),
        None => String::new(),
    }
}

fn role_assignments(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    let mut grants_per_assignment = vec![0usize; s.role_assignments.len()];
    for gr in &g.grants {
        grants_per_assignment[gr.assignment] += 1;
    }
    for (ai, a) in s.role_assignments.iter().enumerate() {
        let r = &g.assignments[ai];
        let (role_id, role_scope) = role_label(g, ai);
        let reason = match &r.status {
            AssignmentStatus::Orphaned(reasons) => reasons
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            AssignmentStatus::Disabled => "disabled: grants nothing until re-enabled".into(),
            AssignmentStatus::Internal => {
                "bound to a Harness service (SERVICE principal), managed by Harness".into()
            }
            AssignmentStatus::Active => String::new(),
        };
        let level = r
            .access
            .as_ref()
            .map(|x| x.level.as_str())
            .unwrap_or_default();
        sink(vec![
            a.scope.to_string().into(),
            a.id.to_string().into(),
            a.principal.kind.as_str().into(),
            a.principal.id.as_str().into(),
            a.principal
                .scope_level
                .map(|l| l.as_str().to_string())
                .unwrap_or_default()
                .into(),
            resolved_principal_label(g, ai).into(),
            role_id.into(),
            role_scope.into(),
            a.resource_group.to_string().into(),
            r.status.as_str().into(),
            reason.into(),
            yes_no(a.managed).into(),
            level.into(),
            grants_per_assignment[ai].into(),
        ])?;
    }
    Ok(())
}

/// For each listed group: active assignments naming it and their top level.
fn group_assignment_stats(g: &AccessGraph<'_>) -> Vec<(usize, PrivilegeLevel)> {
    let s = g.snapshot();
    let mut out = vec![(0usize, PrivilegeLevel::None); s.user_groups.len()];
    for r in &g.assignments {
        if let (
            AssignmentStatus::Active,
            Some(ResolvedPrincipal::Group(GroupRef { index: Some(i), .. })),
        ) = (&r.status, r.principal)
        {
            out[i].0 += 1;
            if let Some(a) = &r.access {
                out[i].1 = out[i].1.max(a.level);
            }
        }
    }
    out
}

fn groups(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    let stats = group_assignment_stats(g);
    for (i, x) in s.user_groups.iter().enumerate() {
        let gr = GroupRef {
            index: Some(i),
            builtin_from_assignment: None,
        };
        sink(vec![
            x.scope.to_string().into(),
            x.id.to_string().into(),
            x.name.as_str().into(),
            g.group_members(gr).len().into(),
            yes_no(is_all_users_group(x.id.as_str(), x.scope.level())).into(),
            yes_no(x.sso_linked).into(),
            x.sso_type.clone().unwrap_or_default().into(),
            x.sso_group.clone().unwrap_or_default().into(),
            yes_no(x.externally_managed).into(),
            yes_no(x.harness_managed).into(),
            stats[i].0.into(),
            stats[i].1.as_str().into(),
        ])?;
    }
    Ok(())
}

fn group_members(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    for (i, x) in s.user_groups.iter().enumerate() {
        let head = || -> Vec<Cell> {
            vec![
                x.scope.to_string().into(),
                x.id.to_string().into(),
                x.name.as_str().into(),
            ]
        };
        if is_all_users_group(x.id.as_str(), x.scope.level()) {
            let gr = GroupRef {
                index: Some(i),
                builtin_from_assignment: None,
            };
            for u in g.group_members(gr) {
                let user = &s.users[u];
                let mut row = head();
                row.extend([
                    user.id.to_string().into(),
                    user.name.as_str().into(),
                    user.email.as_str().into(),
                    user.status().into(),
                    "every user of the scope".into(),
                ]);
                sink(row)?;
            }
            continue;
        }
        for m in &x.members {
            let mut row = head();
            match g.user_index(m.as_str()) {
                Some(u) => {
                    let user = &s.users[u];
                    row.extend([
                        user.id.to_string().into(),
                        user.name.as_str().into(),
                        user.email.as_str().into(),
                        user.status().into(),
                        "member".into(),
                    ]);
                }
                None => row.extend([
                    m.to_string().into(),
                    Cell::Empty,
                    Cell::Empty,
                    "unknown user".into(),
                    "member".into(),
                ]),
            }
            sink(row)?;
        }
    }
    Ok(())
}

fn roles(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    let mut uses = vec![0usize; s.roles.len()];
    for r in &g.assignments {
        if let (AssignmentStatus::Active, Some(i)) = (&r.status, r.role) {
            uses[i] += 1;
        }
    }
    for (i, r) in s.roles.iter().enumerate() {
        let escalation: Vec<&str> = r
            .permissions
            .iter()
            .map(|p| p.as_str())
            .filter(|p| crate::graph::is_escalation(p))
            .collect();
        sink(vec![
            r.scope.to_string().into(),
            r.id.to_string().into(),
            r.name.as_str().into(),
            yes_no(r.harness_managed).into(),
            r.allowed_scope_levels
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
            r.permissions.len().into(),
            escalation.join(" ").into(),
            uses[i].into(),
            r.permissions
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
        ])?;
    }
    Ok(())
}

fn resource_groups(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    let mut uses = vec![0usize; s.resource_groups.len()];
    for r in &g.assignments {
        if let (AssignmentStatus::Active, Some(ResolvedResourceGroup::Listed(i))) =
            (&r.status, &r.resource_group)
        {
            uses[*i] += 1;
        }
    }
    for (i, x) in s.resource_groups.iter().enumerate() {
        let resources = if x.resource_filter.include_all {
            None
        } else {
            Some(x.resource_filter.resources.as_slice())
        };
        sink(vec![
            x.scope.to_string().into(),
            x.id.to_string().into(),
            x.name.as_str().into(),
            yes_no(x.harness_managed).into(),
            format_included_scopes(&x.included_scopes).into(),
            format_resources(resources).into(),
            uses[i].into(),
        ])?;
    }
    Ok(())
}

fn tokens(ctx: &ReportContext<'_, '_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let g = ctx.graph;
    let s = g.snapshot();
    let key_names: HashMap<(&Scope, ApiKeyType, &str, &str), &str> = s
        .api_keys
        .iter()
        .map(|k| {
            (
                (&k.scope, k.key_type, k.parent.as_str(), k.id.as_str()),
                k.name.as_str(),
            )
        })
        .collect();
    for t in &s.tokens {
        let (owner_kind, owner_id, owner_name) = match t.key_type {
            ApiKeyType::User => match g.user_index(&t.parent) {
                Some(i) => ("user", t.parent.clone(), s.users[i].name.clone()),
                None => ("user", t.parent.clone(), String::new()),
            },
            ApiKeyType::ServiceAccount => {
                let key = format!("sa:{}/{}", t.scope, t.parent);
                match g.find_principal(&key) {
                    Some(p) => ("service_account", key, g.identity(p).name.to_string()),
                    None => ("service_account", key, String::new()),
                }
            }
        };
        let key_name = key_names
            .get(&(&t.scope, t.key_type, t.parent.as_str(), t.api_key.as_str()))
            .copied()
            .unwrap_or_default();
        // Two columns rather than a negative count: a cell starting with `-`
        // would be neutralised like a formula.
        let (expiry, days_to_expiry, days_since_expiry) = match t.valid_to {
            None => ("no expiry", Cell::Empty, Cell::Empty),
            Some(to) if to <= ctx.as_of => (
                "expired",
                Cell::Empty,
                Cell::Int((ctx.as_of - to).num_days()),
            ),
            Some(to) => (
                "expires",
                Cell::Int((to - ctx.as_of).num_days()),
                Cell::Empty,
            ),
        };
        let lifetime = match (t.valid_from, t.valid_to) {
            (Some(from), Some(to)) => Cell::Int((to - from).num_days()),
            _ => Cell::Empty,
        };
        sink(vec![
            t.scope.to_string().into(),
            owner_kind.into(),
            owner_id.into(),
            owner_name.into(),
            t.api_key.to_string().into(),
            key_name.into(),
            t.id.to_string().into(),
            t.name.as_str().into(),
            t.created_at.map(fmt_time).into(),
            t.valid_from.map(fmt_time).into(),
            t.valid_to.map(fmt_time).into(),
            match t.valid {
                Some(v) => yes_no(v),
                None => "unknown",
            }
            .into(),
            expiry.into(),
            days_to_expiry,
            days_since_expiry,
            lifetime,
        ])?;
    }
    Ok(())
}

/// Number of findings citing each control id.
pub fn findings_per_control(findings: &[Finding]) -> BTreeMap<&str, (usize, usize)> {
    let mut m: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in findings {
        for c in &f.controls {
            let e = m.entry(c.id.as_str()).or_default();
            e.0 += 1;
            if !f.is_exempt() {
                e.1 += 1;
            }
        }
    }
    m
}
