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

mod access;
mod assignments;
mod compliance;
mod entitlements;
mod findings;
mod groups;
mod principals;
mod reconcile;
mod roles;
mod summary;
mod tokens;

use std::collections::HashMap;
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
pub use super::sheet_id::SheetId;
use super::ReportContext;

pub use crate::output::Cell;

pub use self::access::*;
use self::assignments::*;
use self::compliance::*;
pub use self::entitlements::*;
pub use self::findings::*;
use self::groups::*;
pub use self::principals::*;
pub use self::reconcile::*;
use self::roles::*;
pub use self::summary::*;
use self::tokens::*;

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
    col("modify_to", "Modify to", 24.0),
];

/// The column naming each row's reviewer, on the campaign sheets of a pack
/// made with `[reviewers]`.
pub const ASSIGNED_REVIEWER: Column = col("assigned_reviewer", "Assigned reviewer", 26.0);
/// Why that reviewer (beside [`ASSIGNED_REVIEWER`]).
pub const REVIEWER_BASIS: Column = col("reviewer_basis", "Why this reviewer", 40.0);

/// The choices of the Decision column.
pub const DECISIONS: &[&str] = &["Keep", "Revoke", "Modify"];

impl SheetId {
    /// The data columns (reviewer columns excluded).
    pub fn columns(self) -> &'static [Column] {
        match self {
            SheetId::Summary | SheetId::Provenance => KEY_VALUE,
            SheetId::Findings => FINDINGS,
            SheetId::Entitlements => ENTITLEMENTS,
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
            SheetId::Reconciliation => RECONCILIATION,
        }
    }
}

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
        SheetId::Reconciliation => reconciliation_steps(ctx).len(),
        SheetId::Findings => ctx.findings.len(),
        // The shared rows know their number; the graph would list them all.
        SheetId::Entitlements => ctx
            .entitlement_rows
            .map_or_else(|| entitlement_count(g), EntitlementRows::len),
        SheetId::PrivilegedAccess => g.privileged_grants().count(),
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

/// A sheet's data columns in this pack: its own, and on the campaign sheets
/// of a pack made with `[reviewers]`, the assigned reviewer.
pub fn data_columns(ctx: &ReportContext<'_, '_>, sheet: SheetId) -> Vec<Column> {
    let mut v = sheet.columns().to_vec();
    if assigns(ctx, sheet) {
        v.push(ASSIGNED_REVIEWER);
        v.push(REVIEWER_BASIS);
    }
    v
}

fn assigns(ctx: &ReportContext<'_, '_>, sheet: SheetId) -> bool {
    ctx.assignments.is_some() && super::reviewers::CAMPAIGN_SHEETS.contains(&sheet)
}

/// Produces every row of a sheet, in order, into `sink`, with the columns of
/// [`data_columns`].
pub fn write_rows(
    ctx: &ReportContext<'_, '_>,
    sheet: SheetId,
    sink: &mut Sink<'_>,
) -> io::Result<()> {
    match ctx.assignments.filter(|_| assigns(ctx, sheet)) {
        None => sheet_rows(ctx, sheet, sink),
        Some(a) => {
            let mut i = 0usize;
            sheet_rows(ctx, sheet, &mut |mut row: Vec<Cell>| {
                push_reviewer_columns(a, i, &mut row);
                i += 1;
                sink(row)
            })
        }
    }
}

/// Adds the reviewer columns of [`data_columns`] to row `i` of a campaign
/// sheet (the Entitlements sheet of a pack whose policy names reviewers).
pub fn push_reviewer_columns(a: &super::reviewers::Assignments, i: usize, row: &mut Vec<Cell>) {
    row.push(match a.reviewer_of(i) {
        Some(r) => r.into(),
        None => Cell::Empty,
    });
    row.push(a.basis_text(i).into());
}

/// Produces every row of a sheet, in order, into `sink`: the sheet's own
/// columns.
fn sheet_rows(ctx: &ReportContext<'_, '_>, sheet: SheetId, sink: &mut Sink<'_>) -> io::Result<()> {
    match sheet {
        SheetId::Summary => key_values(summary_items(ctx), sink),
        SheetId::Provenance => key_values(provenance_items(ctx), sink),
        SheetId::Controls => control_rows(ctx, sink),
        SheetId::Reconciliation => reconciliation_rows(ctx, sink),
        SheetId::Findings => findings(ctx, sink),
        SheetId::Entitlements => entitlements(ctx, sink),
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
