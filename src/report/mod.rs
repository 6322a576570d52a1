//! Renders a pack from a snapshot and its graph: CSV files, findings.json and
//! the snapshot itself today; XLSX and HTML are not implemented yet and are refused plainly.
//!
//! Every writer is a pure function of (snapshot, graph, as-of time) writing
//! into a staging directory; the caller moves the directory into place only
//! when every file is written, so a failed run never leaves half a pack.

mod csv;
mod findings_json;
pub mod sanitize;

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::graph::AccessGraph;
use crate::snapshot::LoadedSnapshot;

pub use findings_json::FINDINGS_SCHEMA;

/// An output format of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// `csv/` with one file per sheet.
    Csv,
    /// `findings.json`.
    Json,
    /// `review.xlsx` (not implemented yet).
    Xlsx,
    /// `index.html` (not implemented yet).
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

    /// True when this build can write the format.
    pub fn is_implemented(self) -> bool {
        matches!(self, Format::Csv | Format::Json)
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

/// Writes the requested formats into `dir` (a staging directory).
pub fn write_pack(
    ctx: &ReportContext<'_, '_>,
    formats: &[Format],
    dir: &Path,
) -> std::io::Result<ReportSummary> {
    let mut summary = ReportSummary {
        grants: ctx.graph.grants.len(),
        ..ReportSummary::default()
    };
    if formats.contains(&Format::Csv) {
        summary.files.extend(csv::write_all(ctx, &dir.join("csv"))?);
    }
    if formats.contains(&Format::Json) {
        summary.findings = findings_json::write(ctx, &dir.join("findings.json"))?;
        summary.files.push("findings.json".to_string());
    }
    // The evidence itself, byte for byte, so the pack can be re-made and
    // its hash checked.
    std::fs::write(dir.join("snapshot.json"), &ctx.loaded.bytes)?;
    summary.files.push("snapshot.json".to_string());
    summary.files.sort();
    Ok(summary)
}
