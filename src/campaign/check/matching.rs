//! Step 1: each returned row matched to the row the pack sent. A file of
//! another snapshot is refused whole; a row key the pack did not send, or a
//! row moved to another sheet, another reviewer's file or another principal,
//! is refused with one line naming file, sheet and row.

use std::collections::{BTreeMap, BTreeSet};

use super::{place, Collected, FileSummary, PackCampaign, ProblemKind, Problems, Returned};
use crate::campaign::read::ReturnedRow;

/// What the returned files hold for the pack.
pub(super) struct Matched {
    /// Per pack row (its index): every decision for it, with the file's
    /// index and the verdict (Keep, Revoke, Modify). Rows with no decision
    /// are checked and dropped as each file is read, so a campaign holds one
    /// file's rows at a time, not every file's.
    /// `(pack row, file, row, verdict)`, in file order; one flat list, not
    /// a map of lists, as every decided row of the campaign sits in it.
    pub candidates: Vec<(usize, usize, ReturnedRow, &'static str)>,
    /// Per reviewer, the files returned by or for them.
    pub files_of: BTreeMap<String, BTreeSet<String>>,
}

/// A Decision cell: `None` for a word that is not a decision, `Some(None)`
/// for an empty cell.
fn verdict(word: &str) -> Option<Option<&'static str>> {
    match word.trim().to_ascii_lowercase().as_str() {
        "" => Some(None),
        "keep" => Some(Some("Keep")),
        "revoke" => Some(Some("Revoke")),
        "modify" => Some(Some("Modify")),
        _ => None,
    }
}

pub(super) fn match_rows(
    pack: &PackCampaign,
    returned: impl IntoIterator<Item = Returned>,
    out: &mut Collected,
    problems: &mut Problems,
) -> Matched {
    let mut m = Matched {
        candidates: Vec::new(),
        files_of: BTreeMap::new(),
    };
    for (fi, mut f) in returned.into_iter().enumerate() {
        let accepted = f.snapshot_sha256.as_deref() == Some(pack.snapshot_sha256.as_str());
        out.files.push(FileSummary {
            file: f.file.clone(),
            sha256: f.sha256.clone(),
            reviewer: f.reviewer.clone(),
            rows: f.rows.len(),
            accepted,
        });
        if !accepted {
            out.totals.refused += f.rows.len();
            problems.push(
                ProblemKind::ForeignFile,
                f.reviewer.as_deref(),
                Some(&f.file),
                None,
                None,
                match &f.snapshot_sha256 {
                    Some(other) => format!(
                        "{} is from another snapshot (SHA-256 {other}, this pack's is {}): none of its rows are read",
                        f.file, pack.snapshot_sha256
                    ),
                    None => format!(
                        "{} names no snapshot SHA-256 (not a reviewer workbook of this pack, or an export without its banner rows): none of its rows are read",
                        f.file
                    ),
                },
            );
            continue;
        }
        if let Some(r) = &f.reviewer {
            m.files_of
                .entry(r.clone())
                .or_default()
                .insert(f.file.clone());
        }
        let rows = std::mem::take(&mut f.rows);
        for r in rows {
            let at = Some((&*r.sheet, r.row));
            let Some(&idx) = pack.index.get(&*r.key) else {
                out.totals.refused += 1;
                problems.push(
                    ProblemKind::InventedRow,
                    f.reviewer.as_deref(),
                    Some(&f.file),
                    at,
                    Some(&r.key),
                    format!(
                        "{}: row key {:?} is not one this pack sent; the row is refused",
                        place(&f.file, &r.sheet, r.row),
                        r.key
                    ),
                );
                continue;
            };
            if let Some(why) = changed(pack, idx, &f, &r) {
                out.totals.refused += 1;
                problems.push(
                    ProblemKind::ChangedRow,
                    f.reviewer.as_deref(),
                    Some(&f.file),
                    at,
                    Some(&r.key),
                    format!(
                        "{}: row {} {why}; the row is refused",
                        place(&f.file, &r.sheet, r.row),
                        r.key
                    ),
                );
                continue;
            }
            match verdict(&r.decision) {
                None => problems.push(
                    ProblemKind::UnknownDecision,
                    Some(&pack.rows[idx].1.reviewer),
                    Some(&f.file),
                    at,
                    Some(&r.key),
                    format!(
                        "{}: decision {:?} is not Keep, Revoke or Modify",
                        place(&f.file, &r.sheet, r.row),
                        r.decision
                    ),
                ),
                Some(None) => {}
                Some(Some(v)) => {
                    // The pack's copy of the key stands in for the file's.
                    let mut r = r;
                    r.key = pack.rows[idx].0.clone();
                    m.candidates.push((idx, fi, r, v));
                }
            }
        }
    }
    m
}

/// How a returned row differs from the row the pack sent under its key, if
/// it does: another sheet, another reviewer's file, another principal.
fn changed(pack: &PackCampaign, idx: usize, f: &Returned, r: &ReturnedRow) -> Option<String> {
    let a = &pack.rows[idx].1;
    if !r.sheet_base.is_empty() && *r.sheet_base != *a.sheet {
        Some(format!(
            "sits on sheet {}, the pack sent it on {}",
            r.sheet_base, a.sheet
        ))
    } else if f.reviewer.as_deref().is_some_and(|fr| *fr != *a.reviewer) {
        Some(format!(
            "was sent to {}, and is in the file for {}",
            if a.reviewer.is_empty() {
                "nobody (unassigned)"
            } else {
                &a.reviewer
            },
            f.reviewer.as_deref().unwrap_or_default()
        ))
    } else if !r.principal_id.is_empty() && *r.principal_id != *a.principal_id {
        Some(format!(
            "names principal {}, the row sent named {}",
            r.principal_id, a.principal_id
        ))
    } else {
        None
    }
}
