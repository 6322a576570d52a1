//! manifest.json and SHA256SUMS for a diff directory: the tool version, the
//! inputs and their hashes, the parameters, and the SHA-256 of every file.
//!
//! The same shape as the pack's manifest, sealed the same way
//! ([`crate::output::seal`]), with two snapshots and a decisions file as
//! inputs instead of one snapshot.
//! Paths are the files' names only and no clock is read, so the same inputs
//! give the same bytes wherever they lie.

use std::path::Path;

use serde_json::json;

use crate::output::seal::{seal, MANIFEST, MANIFEST_SCHEMA, SHA256SUMS};

use super::model::DiffReport;

/// Parameters recorded in the manifest.
#[derive(Debug, Clone, Default)]
pub struct ManifestInput<'a> {
    /// The formats written (`--format` words).
    pub formats: Vec<&'a str>,
    /// `--fail-on`, when given.
    pub fail_on: Option<&'a str>,
    /// The policy file name and SHA-256, when one was used.
    pub policy: Option<(String, String)>,
}

/// Writes manifest.json (over every file already in `dir`) and SHA256SUMS
/// (over those and manifest.json); returns their names.
pub(crate) fn write(
    r: &DiffReport,
    input: &ManifestInput<'_>,
    dir: &Path,
) -> std::io::Result<Vec<String>> {
    let mut inputs = vec![
        json!({"role": "old", "file": r.old.file, "sha256": r.old.sha256,
               "account_id": r.old.account_id, "captured_at": r.old.captured_at}),
        json!({"role": "new", "file": r.new.file, "sha256": r.new.sha256,
               "account_id": r.new.account_id, "captured_at": r.new.captured_at}),
    ];
    if let Some(d) = &r.decisions {
        inputs.push(json!({"role": "decisions", "file": d.file, "sha256": d.sha256}));
    }
    if let Some((file, sha)) = &input.policy {
        inputs.push(json!({"role": "policy", "file": file, "sha256": sha}));
    }
    let doc = json!({
        "schema": MANIFEST_SCHEMA,
        "kind": "diff",
        "tool": crate::output::seal::tool(),
        "account": {"id": r.account_id, "name": r.new.account_name},
        "inputs": inputs,
        "parameters": {
            "formats": input.formats,
            "fail_on": input.fail_on,
            "accounts_differ": r.accounts_differ,
        },
        "verify": "sha256sum -c SHA256SUMS",
    });
    seal(dir, doc)?;
    Ok(vec![SHA256SUMS.to_string(), MANIFEST.to_string()])
}
