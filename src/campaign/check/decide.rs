//! Step 2: one decision per entitlement. The same decision twice (in one
//! file or two) is one decision; different decisions are a conflict, shown
//! with both and taken from neither (the later one is not chosen silently).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Accepted, Collected, PackCampaign, ProblemKind, Problems};
use crate::campaign::read::ReturnedRow;

/// Settles each row's decision into `out.accepted`, taking the candidates
/// (each accepted row keeps the returned row's texts, shared, not copied);
/// returns the rows left undecided by a conflict.
pub(super) fn decide(
    pack: &PackCampaign,
    files: &[Arc<str>],
    mut candidates: Vec<(usize, usize, ReturnedRow, &'static str)>,
    out: &mut Collected,
    problems: &mut Problems,
) -> BTreeSet<usize> {
    let mut conflicted = BTreeSet::new();
    // Grouped by pack row, each group in file order (the sort is stable).
    candidates.sort_by_key(|c| c.0);
    let mut rest = candidates.into_iter().peekable();
    while let Some((idx, fi, r, v)) = rest.next() {
        let mut cands = vec![(fi, r, v)];
        while let Some((_, fi, r, v)) = rest.next_if(|c| c.0 == idx) {
            cands.push((fi, r, v));
        }
        let (key, a) = &pack.rows[idx];
        let distinct: BTreeSet<(&str, String)> = cands
            .iter()
            .map(|(_, r, v)| (*v, r.modify_to.to_ascii_lowercase()))
            .collect();
        if distinct.len() > 1 {
            conflicted.insert(idx);
            let shown = cands
                .iter()
                .map(|(fi, r, v)| format!("{v} in {} ({} row {})", files[*fi], r.sheet, r.row))
                .collect::<Vec<_>>()
                .join("; ");
            problems.push(
                ProblemKind::DecidedTwice,
                Some(&a.reviewer),
                None,
                None,
                Some(key),
                format!("row {key} is decided differently: {shown}; neither is taken"),
            );
            continue;
        }
        let (fi, r, v) = cands.swap_remove(0);
        out.accepted.push(Accepted {
            row_key: key.clone(),
            kind: a.kind.clone(),
            entitlement: a.entitlement.clone(),
            principal_id: a.principal_id.clone(),
            principal_email: a.principal_email.clone(),
            privilege_level: a.privilege_level.clone(),
            assigned_reviewer: a.reviewer.clone(),
            decision: v,
            reviewer: r.reviewer,
            review_date: r.review_date,
            justification: r.justification,
            ticket: r.ticket,
            modify_to: r.modify_to,
            file: files[fi].clone(),
            file_sheet: r.sheet,
            file_row: r.row,
        });
    }
    conflicted
}
