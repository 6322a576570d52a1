//! `findings.json` (schema `reviewpack.findings/v1`, design.md section 8).
//!
//! No finding rules are implemented in this version, so the list is empty
//! and `rules_evaluated` says so; the CLI says it too.

use std::path::Path;

use serde_json::json;

use super::ReportContext;

/// The schema name written into findings.json.
pub const FINDINGS_SCHEMA: &str = "reviewpack.findings/v1";

/// Writes findings.json; returns the number of findings.
pub fn write(ctx: &ReportContext<'_, '_>, path: &Path) -> std::io::Result<usize> {
    let s = &ctx.loaded.snapshot;
    let doc = json!({
        "schema": FINDINGS_SCHEMA,
        "tool_version": env!("CARGO_PKG_VERSION"),
        "account_id": s.account.id,
        "snapshot_sha256": ctx.loaded.sha256,
        "snapshot_captured_at": s.captured_at().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "snapshot_complete": s.completeness.complete,
        "as_of": ctx.as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "policy": null,
        "rules_evaluated": [],
        "findings": [],
    });
    let mut bytes = serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(path, bytes)?;
    Ok(0)
}
