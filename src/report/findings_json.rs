//! `findings.json` (schema `reviewpack.findings/v1`, design.md section 8;
//! JSON Schema in docs/findings-schema.json).
//!
//! One document: what the findings were computed from (snapshot hash,
//! `as_of`, activity window, the effective policy, the roster), which rules ran and
//! which did not (and why), counts per severity, and the findings in their
//! canonical order. Every map is sorted and no clock is read, so the same
//! snapshot, policy and `--as-of` give the same bytes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use super::ReportContext;
use crate::findings::{rules_plan_with, Counts, RosterSource, Severity};

/// The schema name written into findings.json.
pub const FINDINGS_SCHEMA: &str = "reviewpack.findings/v1";

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The document, in the order a reader wants it: what it is and what it
/// was made from first, the findings last.
#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    tool_version: &'static str,
    account_id: &'a str,
    snapshot_sha256: &'a str,
    snapshot_captured_at: String,
    snapshot_complete: bool,
    as_of: String,
    activity_window: serde_json::Value,
    policy: &'a crate::findings::Policy,
    roster: Option<&'a RosterSource>,
    rules_evaluated: Vec<&'static str>,
    rules_not_evaluated: Vec<serde_json::Value>,
    summary: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<&'a crate::findings::Verdict>,
    findings: &'a [crate::findings::Finding],
}

/// Writes findings.json; returns the number of findings.
pub fn write(ctx: &ReportContext<'_, '_>, path: &Path) -> std::io::Result<usize> {
    let s = &ctx.loaded.snapshot;
    let (run, skipped) = rules_plan_with(ctx.policy, ctx.roster.is_some(), s, ctx.as_of);
    let counts = Counts::of(ctx.findings);
    let by_severity: serde_json::Map<String, serde_json::Value> = Severity::DESCENDING
        .iter()
        .map(|sev| {
            (
                sev.as_str().to_string(),
                json!(counts.by_severity.get(sev).copied().unwrap_or(0)),
            )
        })
        .collect();
    let doc = Doc {
        schema: FINDINGS_SCHEMA,
        tool_version: env!("CARGO_PKG_VERSION"),
        account_id: &s.account.id,
        snapshot_sha256: &ctx.loaded.sha256,
        snapshot_captured_at: ts(s.captured_at()),
        snapshot_complete: s.completeness.complete,
        as_of: ts(ctx.as_of),
        activity_window: json!({
            "days": s.activity.window_days,
            "start": ts(s.activity.window_start),
            "end": ts(s.activity.window_end),
        }),
        policy: ctx.policy,
        roster: ctx.roster,
        rules_evaluated: run.iter().map(|r| r.code()).collect(),
        rules_not_evaluated: skipped
            .iter()
            .map(|(r, why)| json!({"rule": r.code(), "reason": why}))
            .collect(),
        summary: json!({
            "total": counts.total,
            "exempt": counts.exempt,
            "open_by_severity": by_severity,
        }),
        gate: ctx.verdict,
        findings: ctx.findings,
    };
    // Streamed: a large account has hundreds of thousands of findings, and a
    // JSON tree of them would cost gigabytes.
    let mut w = BufWriter::new(File::create(path)?);
    serde_json::to_writer_pretty(&mut w, &doc).map_err(std::io::Error::other)?;
    w.write_all(b"\n")?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(ctx.findings.len())
}
