//! Step 2: one decision per row. The same decision in several files is one
//! decision; different decisions in two files are a conflict, shown with
//! both and taken from neither (the later file is not chosen silently).

use std::collections::{BTreeMap, BTreeSet};

use super::{Accepted, Collected, PackCampaign, ProblemKind, Problems, Returned};
use crate::campaign::read::ReturnedRow;

/// Settles each row's decision into `out.accepted`; returns the rows left
/// undecided by a conflict.
pub(super) fn decide(
    pack: &PackCampaign,
    returned: &[Returned],
    candidates: &BTreeMap<usize, Vec<(usize, &ReturnedRow, &'static str)>>,
    out: &mut Collected,
    problems: &mut Problems,
) -> BTreeSet<usize> {
    let mut conflicted = BTreeSet::new();
    for (&idx, cands) in candidates {
        let (key, a) = &pack.rows[idx];
        let distinct: BTreeSet<(&str, String)> = cands
            .iter()
            .map(|(_, r, v)| (*v, r.modify_to.to_ascii_lowercase()))
            .collect();
        let files: BTreeSet<usize> = cands.iter().map(|(fi, _, _)| *fi).collect();
        if distinct.len() > 1 && files.len() > 1 {
            conflicted.insert(idx);
            let shown = cands
                .iter()
                .map(|(fi, r, v)| {
                    format!("{v} in {} ({} row {})", returned[*fi].file, r.sheet, r.row)
                })
                .collect::<Vec<_>>()
                .join("; ");
            problems.push(
                ProblemKind::DecidedTwice,
                Some(&a.reviewer),
                None,
                None,
                Some(key),
                format!("row {key} is decided differently in two files: {shown}; neither is taken"),
            );
            continue;
        }
        let (fi, r, v) = cands[0];
        out.accepted.push(Accepted {
            row_key: key.clone(),
            sheet: a.sheet.clone(),
            principal_id: a.principal_id.clone(),
            principal_email: a.principal_email.clone(),
            privilege_level: a.privilege_level.clone(),
            assigned_reviewer: a.reviewer.clone(),
            decision: v,
            reviewer: r.reviewer.clone(),
            review_date: r.review_date.clone(),
            justification: r.justification.clone(),
            ticket: r.ticket.clone(),
            modify_to: r.modify_to.clone(),
            file: returned[fi].file.clone(),
            file_sheet: r.sheet.clone(),
            file_row: r.row,
        });
    }
    conflicted
}
