//! Renders a pack from a snapshot, its graph and its findings (design.md
//! section 8): `review.xlsx`, `index.html`, `csv/`, `findings.json`, the
//! snapshot itself, and `manifest.json` with `SHA256SUMS` over all of them.
//!
//! Every writer is a pure function of (snapshot, graph, findings, as-of
//! time) writing into a staging directory; the caller moves the directory
//! into place only when every file is written, so a failed run never leaves
//! half a pack. No writer reads the clock or the output path, so the same
//! inputs give byte-identical files. The sheets are defined once
//! ([`sheets`]); the workbook and the CSV files render the same rows.

mod controls;
mod csv;
pub mod exports;
mod findings_json;
mod html;
pub mod manifest;
pub mod reviewers;
pub mod sheet_id;
pub mod sheets;
pub mod split;
pub mod xlsx;
mod zip;

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::graph::AccessGraph;
use crate::snapshot::LoadedSnapshot;

pub use findings_json::FINDINGS_SCHEMA;
pub use html::render as render_html;
pub use zip::{write_zip, ZIP_ROOT};

/// An output format of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// `csv/` with one file per sheet.
    Csv,
    /// `findings.json`.
    Json,
    /// `review.xlsx`.
    Xlsx,
    /// `index.html`.
    Html,
}

impl Format {
    /// Parses one `--format` word.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "xlsx" => Some(Format::Xlsx),
            "html" => Some(Format::Html),
            _ => None,
        }
    }

    /// The `--format` word.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
        }
    }
}

/// Everything a renderer reads.
pub struct ReportContext<'a, 's> {
    /// The loaded snapshot with its hash.
    pub loaded: &'a LoadedSnapshot,
    /// Its graph.
    pub graph: &'a AccessGraph<'s>,
    /// The time inactivity is measured against.
    pub as_of: DateTime<Utc>,
    /// The findings, sorted (empty until the finding rules run).
    pub findings: &'a [crate::findings::Finding],
    /// The effective policy the findings were evaluated with (recorded in
    /// findings.json and the manifest).
    pub policy: &'a crate::findings::Policy,
    /// The workforce roster (`--roster`), when one was given: named with its
    /// hash in findings.json, the manifest and every provenance view.
    pub roster: Option<&'a crate::findings::RosterSource>,
    /// Who reviews which row, when the policy names reviewers.
    pub assignments: Option<&'a reviewers::Assignments>,
    /// Who made this pack (`--operator`), recorded in the manifest.
    pub operator: Option<&'a str>,
    /// What the gate decided (`--fail-on`, `--fail-on-rule`, rules at
    /// `deny`), written into findings.json.
    pub verdict: Option<&'a crate::findings::Verdict>,
    /// The Entitlements rows' facts from the graph, made once and shared by
    /// every writer of the rows; without them each writer makes its own.
    pub entitlement_rows: Option<&'a sheets::EntitlementRows>,
    /// What several of the pack's files show alike, made by the first that
    /// needs it (`Memo::default()` for a new context).
    pub memo: Memo,
}

/// The counts, the reconciliation walk and the findings' order of one
/// pack, made once: the Summary sheet, its CSV file, index.html and the
/// Reconciliation and Findings sheets each need them.
#[derive(Default)]
pub struct Memo {
    pub(crate) counts: std::sync::OnceLock<sheets::Counts>,
    pub(crate) reconciliation: std::sync::OnceLock<Vec<sheets::Step>>,
    /// The findings' order on the Findings sheet and the page.
    pub(crate) findings_order: std::sync::OnceLock<Vec<usize>>,
}

/// What a report run wrote.
#[derive(Debug, Default)]
pub struct ReportSummary {
    /// Files written, relative to the pack directory, sorted.
    pub files: Vec<String>,
    /// Rows of effective_access.csv.
    pub grants: usize,
    /// Findings listed.
    pub findings: usize,
}

/// Writes the requested formats into `dir` (a staging directory), then
/// `snapshot.json`; with `split_by_reviewer` (and reviewers assigned), the
/// reviewer workbooks and lists too ([`split`]). The pack is not sealed
/// yet: the caller may add files (`run --previous` adds its diff), then
/// calls [`seal_pack`].
pub fn write_pack(
    ctx: &ReportContext<'_, '_>,
    formats: &[Format],
    dir: &Path,
    split_by_reviewer: bool,
) -> std::io::Result<ReportSummary> {
    let mut summary = ReportSummary {
        grants: ctx.graph.grants.len(),
        ..ReportSummary::default()
    };
    let csv_beside = formats.contains(&Format::Csv);
    // Where every grant is listed, as the page names them.
    let mut grant_files = Vec::new();
    if formats.contains(&Format::Xlsx) && xlsx::lists_grants(ctx, xlsx::Limits::EXCEL, csv_beside) {
        grant_files.push("review.xlsx (Effective Access)");
    }
    if csv_beside {
        grant_files.push("csv/effective_access.csv");
    }
    let split = match (split_by_reviewer, ctx.assignments) {
        (true, Some(a)) => Some(split::Split::plan(ctx, a, dir)?),
        _ => None,
    };
    // The workbook is the slowest file by far; on two cores it is written
    // beside the others rather than after them. Each thread then takes
    // reviewer workbooks until none is left. The Entitlements rows come
    // from the facts made once (`ctx.entitlement_rows`).
    let (xlsx_done, rest) = std::thread::scope(|scope| {
        let xlsx = scope.spawn(|| {
            then_reviewers(
                split.as_ref(),
                (|| -> std::io::Result<bool> {
                    if formats.contains(&Format::Xlsx) {
                        xlsx::write(ctx, &dir.join("review.xlsx"), csv_beside)?;
                        return Ok(true);
                    }
                    Ok(false)
                })(),
            )
        });
        let rest = then_reviewers(
            split.as_ref(),
            (|| -> std::io::Result<(Vec<String>, usize)> {
                let mut files = Vec::new();
                let mut findings = 0;
                if let Some(split) = &split {
                    split.write_lists()?;
                }
                if formats.contains(&Format::Html) {
                    html::write(ctx, &dir.join("index.html"), &grant_files)?;
                    files.push("index.html".to_string());
                }
                if formats.contains(&Format::Csv) {
                    files.extend(csv::write_all(ctx, &dir.join("csv"))?);
                }
                if formats.contains(&Format::Json) {
                    findings = findings_json::write(ctx, &dir.join("findings.json"))?;
                    files.push("findings.json".to_string());
                }
                Ok((files, findings))
            })(),
        );
        let xlsx_done = xlsx.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (xlsx_done, rest)
    });
    let (files, findings) = rest?;
    if xlsx_done? {
        summary.files.push("review.xlsx".to_string());
    }
    summary.files.extend(files);
    if let Some(split) = split {
        summary.files.extend(split.finish()?);
    }
    summary.findings = findings;
    // The evidence itself, byte for byte, so the pack can be re-made and
    // its hash checked.
    std::fs::write(dir.join("snapshot.json"), &ctx.loaded.bytes)?;
    summary.files.push("snapshot.json".to_string());
    summary.files.sort();
    Ok(summary)
}

/// After a writer thread's own files, the reviewer workbooks it can take;
/// if its own failed, the others are stopped (their error would only hide
/// its own).
fn then_reviewers<T>(
    split: Option<&split::Split<'_, '_, '_>>,
    done: std::io::Result<T>,
) -> std::io::Result<T> {
    if let Some(split) = split {
        match &done {
            Ok(_) => split.work(),
            Err(_) => split.give_up(),
        }
    }
    done
}

/// Seals a pack directory: `manifest.json` and `SHA256SUMS` over every file
/// in it, the pack's and any the caller added. Returns every file of the
/// pack, sorted.
pub fn seal_pack(
    ctx: &ReportContext<'_, '_>,
    formats: &[Format],
    dir: &Path,
) -> std::io::Result<Vec<String>> {
    manifest::write(ctx, formats, dir)?;
    crate::output::seal::list_files(dir)
}
