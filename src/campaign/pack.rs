//! What the pack sent: its manifest (the snapshot SHA-256 every returned
//! file must carry), and `reviewers/assignments.csv` (every row key, its
//! sheet, its reviewer, and who and what it is about), checked against the
//! manifest's hash so an edited assignment list is refused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::findings::DEFAULT_RUBBER_STAMP_ROWS;
use crate::output::seal::{sha256_file, MANIFEST};
use crate::output::tables::{find_header, read_text_file, Header};
use crate::report::split::{ASSIGNMENTS_CSV, REVIEWERS_DIR};

/// One row the pack sent for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedRow {
    /// The sheet's name (Effective Access, ...).
    pub sheet: String,
    /// Its reviewer; empty when unassigned.
    pub reviewer: String,
    /// Why that reviewer.
    pub basis: String,
    /// The principal: user uuid or `sa:SCOPE/ID`.
    pub principal_id: String,
    /// The principal's email, lowercased, when it has one.
    pub principal_email: String,
    /// `admin`, `escalation`, `write`, `read` or `none`.
    pub privilege_level: String,
}

/// The campaign as the pack sent it.
#[derive(Debug, Clone, Default)]
pub struct PackCampaign {
    /// The pack directory.
    pub dir: PathBuf,
    /// The snapshot's SHA-256.
    pub snapshot_sha256: String,
    /// The account.
    pub account_id: String,
    /// The account's name, when known.
    pub account_name: Option<String>,
    /// When the snapshot was captured (as the manifest writes it).
    pub captured_at: String,
    /// Every row key sent, in file order, with its row.
    pub rows: Vec<(String, AssignedRow)>,
    /// Row key to index into `rows`.
    pub index: HashMap<String, usize>,
    /// `[reviewers] rubber_stamp_rows` of the pack's policy.
    pub rubber_stamp_rows: usize,
}

/// Why a pack cannot start a collection.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// A file of the pack could not be read.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The directory is not a pack with reviewer assignments.
    #[error("{path}: {message}")]
    NotACampaign {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong, and what to do.
        message: String,
    },
}

/// Reads a pack made with `--split-by-reviewer`.
pub fn read_pack(dir: &Path) -> Result<PackCampaign, PackError> {
    let io = |path: PathBuf| move |source| PackError::Io { path, source };
    let not = |path: &Path, message: &str| PackError::NotACampaign {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let manifest_path = dir.join(MANIFEST);
    let bytes = std::fs::read(&manifest_path).map_err(io(manifest_path.clone()))?;
    let manifest: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| not(&manifest_path, &format!("not JSON: {e}")))?;
    if manifest["tool"]["name"] != "reviewpack" || manifest["snapshot"]["sha256"].as_str().is_none()
    {
        return Err(not(
            &manifest_path,
            "not the manifest of a reviewpack pack (collect reads the pack directory `report` wrote)",
        ));
    }
    let rel = format!("{REVIEWERS_DIR}/{ASSIGNMENTS_CSV}");
    let listed = manifest["files"]
        .as_array()
        .and_then(|files| files.iter().find(|f| f["path"] == rel.as_str()))
        .and_then(|f| f["sha256"].as_str())
        .ok_or_else(|| {
            not(
                dir,
                "the pack has no reviewer assignments: make it with a [reviewers] table in the policy and --split-by-reviewer",
            )
        })?
        .to_string();
    let path = dir.join(REVIEWERS_DIR).join(ASSIGNMENTS_CSV);
    let (sha, _) = sha256_file(&path).map_err(io(path.clone()))?;
    if sha != listed {
        return Err(not(
            &path,
            "does not match the pack's manifest (SHA-256 differs): the assignments were changed after the pack was made",
        ));
    }
    let table = read_text_file(&path).map_err(|e| not(&path, &format!("{e:#}")))?;
    let rows = &table.tables[0].rows;
    let (hi, h): (usize, Header) = find_header(rows, &["row_key", "sheet", "reviewer"])
        .ok_or_else(|| not(&path, "no row_key, sheet and reviewer columns"))?;
    let mut out = PackCampaign {
        dir: dir.to_path_buf(),
        snapshot_sha256: manifest["snapshot"]["sha256"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        account_id: manifest["account"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        account_name: manifest["account"]["name"].as_str().map(str::to_string),
        captured_at: manifest["snapshot"]["captured_at"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        rubber_stamp_rows: DEFAULT_RUBBER_STAMP_ROWS,
        ..PackCampaign::default()
    };
    for r in &rows[hi + 1..] {
        let key = h.get(r, "row_key");
        if key.is_empty() {
            continue;
        }
        out.index.insert(key.clone(), out.rows.len());
        out.rows.push((
            key,
            AssignedRow {
                sheet: h.get(r, "sheet"),
                reviewer: h.get(r, "reviewer").to_ascii_lowercase(),
                basis: h.get(r, "basis"),
                principal_id: h.get(r, "principal_id"),
                principal_email: h.get(r, "principal_email").to_ascii_lowercase(),
                privilege_level: h.get(r, "privilege_level"),
            },
        ));
    }
    // The policy the pack was made with names the rubber-stamp threshold.
    let findings = dir.join("findings.json");
    if let Ok(bytes) = std::fs::read(&findings) {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            if let Some(n) = v["policy"]["reviewers"]["rubber_stamp_rows"].as_u64() {
                out.rubber_stamp_rows = n as usize;
            }
        }
    }
    Ok(out)
}
