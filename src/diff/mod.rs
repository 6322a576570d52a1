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
mod decided;
pub mod decisions;
mod entitlements;
mod findings;
mod guard;
mod manifest;
mod model;
mod modifications;
mod objects;
mod remediation;
mod render_csv;
mod render_html;
mod render_xlsx;
mod revocations;
mod tables;

use std::io::{BufWriter, Write};
use std::path::Path;

pub use decisions::{read_decisions, DecisionSet, DecisionsError};
pub(crate) use findings::OldFindings;
pub use findings::{diff_findings, FindingsDiff};
pub use guard::{expect_unchanged, GuardReport, LostGrant, Matched};
pub use manifest::ManifestInput;
pub use model::*;
pub use modifications::MODIFICATION_NOT_DONE;
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
    let compared = compare_sides(old, new, decisions);
    let findings = match findings {
        Some(run) => finding_changes(
            diff_findings(run.old, run.new),
            run.rules_evaluated,
            run.policy,
        ),
        None => FindingChanges::default(),
    };
    compared.finish(findings)
}

/// The findings section from compared findings, the rules that ran and the
/// policy.
pub(crate) fn finding_changes(
    d: FindingsDiff,
    rules_evaluated: &[String],
    policy: &PolicySource,
) -> FindingChanges {
    let mut rules = rules_evaluated.to_vec();
    rules.sort();
    rules.dedup();
    FindingChanges {
        evaluated: true,
        rules_evaluated: rules,
        policy: Some(policy.clone()),
        new: d.new,
        resolved: d.resolved,
        persisting: d.persisting,
    }
}

/// Everything of the diff that needs both graphs: all but the findings
/// comparison, which [`Compared::finish`] adds. Holds no borrow of either
/// snapshot, so both can be dropped before the findings are evaluated.
pub(crate) struct Compared {
    account_id: String,
    accounts_differ: bool,
    old: SnapshotSide,
    new: SnapshotSide,
    principals: PrincipalChanges,
    group_memberships: MembershipChanges,
    role_assignments: AssignmentChanges,
    roles: RoleChanges,
    resource_groups: ResourceGroupChanges,
    effective_access: AccessChanges,
    /// The decisions checked, with the revocation-not-done findings.
    decisions: Option<(DecisionsCheck, Vec<Finding>)>,
}

/// Compares the two sides' objects and effective access, and checks the
/// decisions against them.
pub(crate) fn compare_sides(
    old: &DiffSide<'_>,
    new: &DiffSide<'_>,
    decisions: Option<&DecisionSet>,
) -> Compared {
    let (og, ng) = (old.graph, new.graph);
    let (os, ns) = (&old.loaded.snapshot, &new.loaded.snapshot);
    let principals = objects::principals(og, ng);
    let group_memberships = objects::group_memberships(og, ng);
    let role_assignments = objects::role_assignments(og, ng);
    let roles = objects::roles(&os.roles, &ns.roles);
    let resource_groups = objects::resource_groups(&os.resource_groups, &ns.resource_groups);
    // Each side's grants, keyed, once: effective access and the decisions
    // check both read them.
    let (ol, nl) = (access::Labels::new(og), access::Labels::new(ng));
    let (oe, ne) = (
        access::SideGrants::new(og, &ol),
        access::SideGrants::new(ng, &nl),
    );
    let effective_access = access::effective_access(&oe, &ne);
    let decisions = decisions.map(|set| revocations::check(set, (og, &oe), (ng, &ne)));
    Compared {
        account_id: ns.account.id.clone(),
        accounts_differ: os.account.id != ns.account.id,
        old: side(old),
        new: side(new),
        principals,
        group_memberships,
        role_assignments,
        roles,
        resource_groups,
        effective_access,
        decisions,
    }
}

impl Compared {
    /// The report, with the findings compared.
    pub(crate) fn finish(self, mut findings: FindingChanges) -> DiffReport {
        let Compared {
            account_id,
            accounts_differ,
            old,
            new,
            principals,
            group_memberships,
            role_assignments,
            roles,
            resource_groups,
            effective_access,
            decisions,
        } = self;
        // Decided before revocation-not-done findings join the new ones: those
        // are about the decisions, not about a change between the snapshots.
        let findings_changed = findings.new.len() + findings.resolved.len();
        let decisions = decisions.map(|(check, not_done)| {
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
            revocations_verified: count(&decisions, |d| &d.verified, "Revoke"),
            revocations_not_done: count(&decisions, |d| &d.not_done, "Revoke"),
            modifications_verified: count(&decisions, |d| &d.verified, "Modify"),
            modifications_not_done: count(&decisions, |d| &d.not_done, "Modify"),
            modifications_unchecked: count(&decisions, |d| &d.unchecked, "Modify"),
            revocations_unchecked: count(&decisions, |d| &d.unchecked, "Revoke"),
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
            account_id,
            accounts_differ,
            old,
            new,
            summary,
            principals,
            group_memberships,
            role_assignments,
            roles,
            resource_groups,
            effective_access,
            findings,
            decisions,
            gate: None,
            guard: None,
        }
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

/// How many checks of one list are of `decision` (Revoke or Modify).
fn count(
    decisions: &Option<DecisionsCheck>,
    list: impl Fn(&DecisionsCheck) -> &Vec<RevocationCheck>,
    decision: &str,
) -> usize {
    decisions.as_ref().map_or(0, |d| {
        list(d).iter().filter(|r| r.decision == decision).count()
    })
}

/// diff.json's bytes: pretty JSON with a final newline.
pub fn to_json(report: &DiffReport) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(report).expect("a diff report always serialises");
    out.push(b'\n');
    out
}

/// Writes diff.json: the bytes of [`to_json`], streamed to the file rather
/// than built in memory first (a large diff's JSON runs to hundreds of MB).
fn write_json(report: &DiffReport, path: &Path) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    serde_json::to_writer_pretty(&mut w, report).map_err(std::io::Error::from)?;
    w.write_all(b"\n")?;
    w.into_inner().map_err(|e| e.into_error())?;
    Ok(())
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
    // The workbook, the slowest to write, is made on another thread
    // meanwhile; a failure is reported as if the files were written one
    // after the other: json, csv, xlsx, html.
    std::thread::scope(|scope| {
        let xlsx = formats.contains(&DiffFormat::Xlsx).then(|| {
            scope.spawn(|| {
                render_xlsx::write(report, &tables::tables(report), &dir.join("diff.xlsx"))
            })
        });
        if formats.contains(&DiffFormat::Json) {
            write_json(report, &dir.join("diff.json"))?;
            files.push("diff.json".to_string());
        }
        if formats.contains(&DiffFormat::Csv) {
            files.extend(render_csv::write(
                &tables::tables(report),
                &dir.join("csv"),
            )?);
        }
        let html = formats
            .contains(&DiffFormat::Html)
            .then(|| render_html::write(report, &dir.join("diff.html")));
        if let Some(xlsx) = xlsx {
            xlsx.join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
            files.push("diff.xlsx".to_string());
        }
        if let Some(html) = html {
            html?;
            files.push("diff.html".to_string());
        }
        std::io::Result::Ok(())
    })?;
    files.extend(manifest::write(report, manifest, dir)?);
    files.sort();
    Ok(files)
}
