//! Snapshot-to-snapshot comparison (design.md section 9): what changed in
//! access between two pulls of one account, and whether the previous review's
//! revocations were carried out.
//!
//! [`compare`] is a pure function of the two snapshots, their graphs, their
//! findings and the decisions read from the previous pack. Objects are
//! matched by the identifiers Harness gives them, never by position, and
//! effective access is compared grant by grant from both graphs, so a new
//! admin through a group membership shows even when no role assignment
//! changed. [`write_diff`] renders the [`DiffReport`] (diff.json, diff.xlsx,
//! diff.html, csv/) into a staging directory, with a manifest; the caller
//! moves the directory into place. Nothing here touches the network or
//! decides the exit code: the CLI applies `--fail-on` to the report's new
//! findings (revocation-not-done ones included).

mod access;
pub mod decisions;
mod findings;
mod manifest;
mod model;
mod objects;
mod render_csv;
mod render_html;
mod render_xlsx;
mod revocations;
mod tables;

use std::path::Path;

pub use decisions::{read_decisions, DecisionSet, DecisionsError};
pub use findings::{diff_findings, FindingsDiff};
pub use manifest::ManifestInput;
pub use model::*;
pub use revocations::REVOCATION_NOT_DONE;

use crate::findings::{sort_findings, Finding, PolicySource};
use crate::graph::AccessGraph;
use crate::snapshot::LoadedSnapshot;

/// One of the two snapshots, loaded, with its graph.
pub struct DiffSide<'a> {
    /// The loaded snapshot with its hash.
    pub loaded: &'a LoadedSnapshot,
    /// The file name to record (no directory).
    pub file: &'a str,
    /// Its graph.
    pub graph: &'a AccessGraph<'a>,
}

/// Both sides' findings, from the same rules and policy.
pub struct FindingsRun<'a> {
    /// OLD's findings (evaluated as of OLD's capture time).
    pub old: &'a [Finding],
    /// NEW's findings (evaluated as of NEW's capture time).
    pub new: &'a [Finding],
    /// The rule codes that ran.
    pub rules_evaluated: &'a [String],
    /// Where the policy came from.
    pub policy: &'a PolicySource,
}

fn side(s: &DiffSide<'_>) -> SnapshotSide {
    let snap = &s.loaded.snapshot;
    SnapshotSide {
        file: s.file.to_string(),
        sha256: s.loaded.sha256.clone(),
        account_id: snap.account.id.clone(),
        account_name: snap.account.name.clone(),
        captured_at: snap.captured_at(),
        complete: snap.completeness.complete,
    }
}

/// Compares OLD with NEW. Findings are compared when given; `decisions` are
/// the previous review's, checked against NEW.
pub fn compare(
    old: &DiffSide<'_>,
    new: &DiffSide<'_>,
    findings: Option<&FindingsRun<'_>>,
    decisions: Option<&DecisionSet>,
) -> DiffReport {
    let (og, ng) = (old.graph, new.graph);
    let (os, ns) = (&old.loaded.snapshot, &new.loaded.snapshot);
    let principals = objects::principals(og, ng);
    let group_memberships = objects::group_memberships(og, ng);
    let role_assignments = objects::role_assignments(og, ng);
    let roles = objects::roles(&os.roles, &ns.roles);
    let resource_groups = objects::resource_groups(&os.resource_groups, &ns.resource_groups);
    // Each side's grants, keyed, once: effective access and the decisions
    // check both read them.
    let (oe, ne) = (access::grant_entries(og), access::grant_entries(ng));
    let effective_access = access::effective_access(&oe, &ne);

    let mut findings = match findings {
        Some(run) => {
            let d = diff_findings(run.old, run.new);
            let mut rules = run.rules_evaluated.to_vec();
            rules.sort();
            rules.dedup();
            FindingChanges {
                evaluated: true,
                rules_evaluated: rules,
                policy: Some(run.policy.clone()),
                new: d.new,
                resolved: d.resolved,
                persisting: d.persisting,
            }
        }
        None => FindingChanges::default(),
    };
    // Decided before revocation-not-done findings join the new ones: those
    // are about the decisions, not about a change between the snapshots.
    let findings_changed = findings.new.len() + findings.resolved.len();
    let decisions = decisions.map(|set| {
        let (check, not_done) = revocations::check(set, (og, &oe), (ng, &ne));
        for f in not_done {
            if !findings.new.iter().any(|x| x.id == f.id) {
                findings.new.push(f);
            }
        }
        sort_findings(&mut findings.new);
        check
    });

    let mut summary = Summary {
        empty: false,
        principals_added: principals.added.len(),
        principals_removed: principals.removed.len(),
        principals_changed: principals.changed.len(),
        memberships_added: group_memberships.added.len(),
        memberships_removed: group_memberships.removed.len(),
        assignments_added: role_assignments.added.len(),
        assignments_removed: role_assignments.removed.len(),
        assignments_enabled: role_assignments.enabled.len(),
        assignments_disabled: role_assignments.disabled.len(),
        roles_added: roles.added.len(),
        roles_removed: roles.removed.len(),
        roles_changed: roles.changed.len(),
        resource_groups_added: resource_groups.added.len(),
        resource_groups_removed: resource_groups.removed.len(),
        resource_groups_changed: resource_groups.changed.len(),
        access_gained: effective_access.gained.len(),
        admin_gained: effective_access
            .gained
            .iter()
            .filter(|e| e.privilege_level == crate::graph::PrivilegeLevel::Admin)
            .count(),
        access_lost: effective_access.lost.len(),
        access_changed: effective_access.changed.len(),
        findings_new: findings.new.len(),
        findings_resolved: findings.resolved.len(),
        findings_persisting: findings.persisting.len(),
        revocations_verified: decisions.as_ref().map_or(0, |d| d.verified.len()),
        revocations_not_done: decisions.as_ref().map_or(0, |d| d.not_done.len()),
    };
    summary.empty = summary.principals_added
        + summary.principals_removed
        + summary.principals_changed
        + summary.memberships_added
        + summary.memberships_removed
        + summary.assignments_added
        + summary.assignments_removed
        + summary.assignments_enabled
        + summary.assignments_disabled
        + summary.roles_added
        + summary.roles_removed
        + summary.roles_changed
        + summary.resource_groups_added
        + summary.resource_groups_removed
        + summary.resource_groups_changed
        + summary.access_gained
        + summary.access_lost
        + summary.access_changed
        + findings_changed
        == 0;

    DiffReport {
        schema: DIFF_SCHEMA,
        tool_version: env!("CARGO_PKG_VERSION"),
        account_id: ns.account.id.clone(),
        accounts_differ: os.account.id != ns.account.id,
        old: side(old),
        new: side(new),
        summary,
        principals,
        group_memberships,
        role_assignments,
        roles,
        resource_groups,
        effective_access,
        findings,
        decisions,
    }
}

/// An output format of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DiffFormat {
    /// `csv/`.
    Csv,
    /// `diff.json`.
    Json,
    /// `diff.xlsx`.
    Xlsx,
    /// `diff.html`.
    Html,
}

impl DiffFormat {
    /// Every format, the default.
    pub const ALL: [DiffFormat; 4] = [
        DiffFormat::Csv,
        DiffFormat::Json,
        DiffFormat::Xlsx,
        DiffFormat::Html,
    ];

    /// Parses one `--format` word.
    pub fn parse(s: &str) -> Option<DiffFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(DiffFormat::Csv),
            "json" => Some(DiffFormat::Json),
            "xlsx" => Some(DiffFormat::Xlsx),
            "html" => Some(DiffFormat::Html),
            _ => None,
        }
    }

    /// The `--format` word.
    pub fn as_str(self) -> &'static str {
        match self {
            DiffFormat::Csv => "csv",
            DiffFormat::Json => "json",
            DiffFormat::Xlsx => "xlsx",
            DiffFormat::Html => "html",
        }
    }
}

/// diff.json's bytes: pretty JSON with a final newline.
pub fn to_json(report: &DiffReport) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(report).expect("a diff report always serialises");
    out.push(b'\n');
    out
}

/// Writes the requested formats, then manifest.json and SHA256SUMS, into
/// `dir` (a staging directory); returns the files written, sorted.
pub fn write_diff(
    report: &DiffReport,
    formats: &[DiffFormat],
    manifest: &ManifestInput<'_>,
    dir: &Path,
) -> std::io::Result<Vec<String>> {
    let mut files = Vec::new();
    if formats.contains(&DiffFormat::Json) {
        std::fs::write(dir.join("diff.json"), to_json(report))?;
        files.push("diff.json".to_string());
    }
    let tables = if formats.contains(&DiffFormat::Csv) || formats.contains(&DiffFormat::Xlsx) {
        tables::tables(report)
    } else {
        Vec::new()
    };
    if formats.contains(&DiffFormat::Csv) {
        files.extend(render_csv::write(&tables, &dir.join("csv"))?);
    }
    if formats.contains(&DiffFormat::Xlsx) {
        render_xlsx::write(report, &tables, &dir.join("diff.xlsx"))?;
        files.push("diff.xlsx".to_string());
    }
    if formats.contains(&DiffFormat::Html) {
        render_html::write(report, &dir.join("diff.html"))?;
        files.push("diff.html".to_string());
    }
    files.extend(manifest::write(report, manifest, dir)?);
    files.sort();
    Ok(files)
}
