//! `manifest.json` and `SHA256SUMS` of a pack: what the pack was made from
//! and with (snapshot, policy, roster, parameters), sealed by
//! [`crate::output::seal`]. No wall-clock time or output path is recorded, so
//! the same inputs give the same bytes.

use std::path::Path;

use serde_json::json;

use crate::output::seal::{seal, MANIFEST_SCHEMA};

use super::sheets::fmt_time;
use super::{Format, ReportContext};

/// Writes the pack's manifest.json and SHA256SUMS over the files already in
/// `dir` (see [`seal`]).
pub fn write(ctx: &ReportContext<'_, '_>, formats: &[Format], dir: &Path) -> std::io::Result<()> {
    let s = &ctx.loaded.snapshot;
    let mut inputs = vec![json!({
        "role": "snapshot",
        "file": "snapshot.json",
        "sha256": ctx.loaded.sha256,
    })];
    if let Some(sha) = &ctx.policy.source.sha256 {
        inputs.push(json!({
            "role": "policy",
            "file": ctx.policy.source.file_name,
            "sha256": sha,
        }));
    }
    if let Some(r) = ctx.roster {
        inputs.push(json!({
            "role": "roster",
            "file": r.file,
            "sha256": r.sha256,
            "format": r.format,
            "rows": r.rows,
        }));
    }
    let doc = json!({
        "schema": MANIFEST_SCHEMA,
        "tool": crate::output::seal::tool(),
        "account": {"id": s.account.id, "name": s.account.name},
        "snapshot": {
            "file": "snapshot.json",
            "sha256": ctx.loaded.sha256,
            "captured_at": fmt_time(s.captured_at()),
            "complete": s.completeness.complete,
            "format": s.format,
            "version": s.version,
            // Who the pull ran as, and with which token (never its secret).
            "extracted_by": s.provenance.caller,
        },
        "inputs": inputs,
        "parameters": {
            "as_of": fmt_time(ctx.as_of),
            "formats": formats.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            "policy": ctx.policy.source,
            "campaign_key_sha256": ctx.assignments.and_then(|a| a.key_sha256.clone()),
            "operator": ctx.operator,
        },
        "findings": ctx.findings.len(),
        "verify": "sha256sum -c SHA256SUMS",
    });
    seal(dir, doc)
}
