//! Step 1: each returned row matched to the entitlement the pack sent, and
//! taken only from the reviewer it was sent to. A file decides nothing when
//! it is from another snapshot, names no reviewer, names someone the
//! campaign sent nothing, or was replaced by a corrected file of the same
//! reviewer; a row is refused, with one line naming file, sheet and row, when
//! its key was not sent, was sent to someone else (or to nobody), names
//! another principal, names another reviewer in its Reviewer cell, has a
//! review date that is no date, or a Modify the entitlement cannot take.

use std::collections::{BTreeMap, BTreeSet};

use super::{place, Collected, FileSummary, PackCampaign, ProblemKind, Problems, Returned};
use crate::campaign::read::ReturnedRow;
use crate::campaign::Unreadable;
use crate::findings::Roster;

/// What the returned files hold for the pack.
pub(super) struct Matched {
    /// `(pack row, file, row, verdict)`, in file order; only rows with a
    /// decision, checked as each file is read, so a campaign holds one
    /// file's rows at a time.
    pub candidates: Vec<(usize, usize, ReturnedRow, &'static str)>,
    /// Per reviewer, the files returned by them.
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

/// Why a review date is not one, if it is not: a calendar date
/// (`YYYY-MM-DD`, optionally with a time) between the snapshot's capture
/// day and the collection's day.
pub(super) fn date_problem(
    text: &str,
    captured_day: Option<chrono::NaiveDate>,
    collected_day: Option<chrono::NaiveDate>,
) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return Some("no review date: write the day of the decision, such as 2026-10-15".into());
    }
    let day = t
        .get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let rest_ok = t.len() == 10
        || t.get(10..).is_some_and(|r| {
            let r = r.trim_start_matches(['T', ' ']);
            chrono::NaiveTime::parse_from_str(r.trim_end_matches('Z'), "%H:%M:%S").is_ok()
                || chrono::NaiveTime::parse_from_str(r.trim_end_matches('Z'), "%H:%M").is_ok()
        });
    match (day, rest_ok) {
        (Some(d), true) => match (captured_day, collected_day) {
            (Some(c), _) if d < c => Some(format!(
                "review date {t} is before the snapshot was taken ({c}): the review cannot have been done then"
            )),
            (_, Some(c)) if d > c => Some(format!(
                "review date {t} is after this collection ({c}): a decision cannot be dated in the future"
            )),
            _ => None,
        },
        _ => Some(format!(
            "review date {t:?} is not a date: write it as YYYY-MM-DD, such as 2026-10-15"
        )),
    }
}

/// Every address of a reviewer: the email and the roster's aliases.
pub(super) fn addresses(email: &str, roster: Option<&Roster>) -> BTreeSet<String> {
    let email = email.trim().to_ascii_lowercase();
    let mut v = BTreeSet::from([email.clone()]);
    if let Some(r) = roster {
        for e in r.lookup(&email) {
            v.extend(e.emails.iter().cloned());
        }
    }
    v
}

pub(super) fn match_rows(
    pack: &PackCampaign,
    returned: impl IntoIterator<Item = Result<Returned, Unreadable>>,
    options: &crate::campaign::CollectOptions,
    roster: Option<&Roster>,
    out: &mut Collected,
    problems: &mut Problems,
) -> Matched {
    let mut m = Matched {
        candidates: Vec::new(),
        files_of: BTreeMap::new(),
    };
    let reviewers: BTreeSet<&str> = pack
        .rows
        .iter()
        .map(|(_, a)| &*a.reviewer)
        .filter(|r| !r.is_empty())
        .collect();
    let captured_day = chrono::DateTime::parse_from_rfc3339(&pack.captured_at)
        .ok()
        .map(|t| t.date_naive());
    let collected_day = options.collected_at.map(|t| t.date_naive());
    let corrected = &options.corrected;
    // The reviewer each corrected file replaces the other files of.
    let mut corrected_by: BTreeMap<String, String> = BTreeMap::new();
    for (fi, f) in returned.into_iter().enumerate() {
        let mut f = match f {
            Ok(f) => f,
            Err(u) => {
                out.files.push(FileSummary {
                    file: u.file.clone(),
                    sha256: u.sha256.clone().unwrap_or_default(),
                    reviewer: None,
                    rows: 0,
                    accepted: false,
                    replaced_by: None,
                });
                problems.push(
                    ProblemKind::UnreadableFile,
                    None,
                    Some(&u.file),
                    None,
                    None,
                    format!(
                        "{} could not be read ({}): none of its rows are taken; ask for the file again (the workbook as sent, or a CSV export of its Entitlements sheet)",
                        u.file, u.error
                    ),
                );
                continue;
            }
        };
        let is_corrected = corrected.contains(&f.sha256);
        let mut summary = FileSummary {
            file: f.file.clone(),
            sha256: f.sha256.clone(),
            reviewer: f.reviewer.clone(),
            rows: f.rows.len(),
            accepted: false,
            replaced_by: None,
        };
        let mut refuse = |kind: ProblemKind, message: String, summary: FileSummary| {
            out.totals.refused += summary.rows;
            problems.push(
                kind,
                summary.reviewer.as_deref(),
                Some(&summary.file),
                None,
                None,
                message,
            );
            out.files.push(summary);
        };
        if f.snapshot_sha256.as_deref() != Some(pack.snapshot_sha256.as_str()) {
            let message = match &f.snapshot_sha256 {
                Some(other) => format!(
                    "{} is from another snapshot (SHA-256 {other}, this pack's is {}): none of its rows are read",
                    f.file, pack.snapshot_sha256
                ),
                None => format!(
                    "{} names no snapshot SHA-256 (not a reviewer workbook of this pack, or an export without its banner rows): none of its rows are read",
                    f.file
                ),
            };
            refuse(ProblemKind::ForeignFile, message, summary);
            continue;
        }
        let Some(reviewer) = f.reviewer.clone() else {
            refuse(
                ProblemKind::UnnamedFile,
                format!(
                    "{} names no reviewer (its About sheet, or the banner rows of a CSV export, are gone): a file that names no reviewer decides nothing; ask for the workbook as it was sent",
                    f.file
                ),
                summary,
            );
            continue;
        };
        if !reviewers.contains(reviewer.as_str()) {
            refuse(
                ProblemKind::UnknownReviewer,
                format!(
                    "{} is for {reviewer}, who was sent no rows in this campaign: none of its rows are taken",
                    f.file
                ),
                summary,
            );
            continue;
        }
        if let (Some(_), Some(key)) = (&pack.key_sha256, &options.key) {
            let want = crate::report::reviewers::return_code(key, &pack.snapshot_sha256, &reviewer);
            if f.code.as_deref() != Some(want.as_str()) {
                let message = match &f.code {
                    None => format!(
                        "{} carries no return code (its About sheet, or the banner of a CSV export, is gone): this campaign's files are bound to their reviewers by a code, so it decides nothing; ask {reviewer} for the workbook as it was sent",
                        f.file
                    ),
                    Some(_) => format!(
                        "{}'s return code is not {reviewer}'s: the file was not made from the workbook issued to {reviewer}, and decides nothing",
                        f.file
                    ),
                };
                refuse(ProblemKind::UnverifiedFile, message, summary);
                continue;
            }
        }
        if is_corrected {
            if let Some(other) = corrected_by.get(&reviewer) {
                problems.push(
                    ProblemKind::DecidedTwice,
                    Some(&reviewer),
                    Some(&f.file),
                    None,
                    None,
                    format!(
                        "{} and {other} are both named as {reviewer}'s corrected file: both are read, and a row they decide differently is taken from neither",
                        f.file
                    ),
                );
            }
            corrected_by.insert(reviewer.clone(), f.file.clone());
        } else if let Some(by) = corrected_by.get(&reviewer) {
            summary.replaced_by = Some(by.clone());
            out.files.push(summary);
            problems.push(
                ProblemKind::ReplacedFile,
                Some(&reviewer),
                Some(&f.file),
                None,
                None,
                format!(
                    "{} is replaced by {by}, named as {reviewer}'s corrected file: none of its rows are read",
                    f.file
                ),
            );
            continue;
        }
        summary.accepted = true;
        out.files.push(summary);
        m.files_of
            .entry(reviewer.clone())
            .or_default()
            .insert(f.file.clone());
        if f.about_only {
            problems.push(
                ProblemKind::NoRowKeys,
                Some(&reviewer),
                Some(&f.file),
                None,
                None,
                format!(
                    "{} is a CSV export of the About sheet (what \"Save as CSV\" writes for a workbook's first sheet): it holds no decisions; send the workbook itself, or a CSV export of its Entitlements sheet",
                    f.file
                ),
            );
        }
        for sheet in &f.without_row_key {
            problems.push(
                ProblemKind::NoRowKeys,
                Some(&reviewer),
                Some(&f.file),
                Some((sheet, 0)),
                None,
                format!(
                    "{}: sheet {sheet} has decisions but no Row key column (it was deleted): its rows cannot be matched to what was sent, and none is taken; return the workbook as it was sent",
                    f.file
                ),
            );
        }
        let own = addresses(&reviewer, roster);
        let rows = std::mem::take(&mut f.rows);
        for r in rows {
            let at = Some((&*r.sheet, r.row));
            let here = place(&f.file, &r.sheet, r.row);
            // `refused`: the row is counted as refused (a problem with its
            // decision word leaves it undecided instead).
            let mut flag = |kind: ProblemKind, message: String, refused: bool| {
                if refused {
                    out.totals.refused += 1;
                }
                problems.push(
                    kind,
                    Some(&reviewer),
                    Some(&f.file),
                    at,
                    Some(&r.key),
                    message,
                );
            };
            let mut refuse_row = |kind: ProblemKind, message: String| {
                let refused = kind != ProblemKind::UnknownDecision;
                flag(kind, message, refused)
            };
            let Some(&idx) = pack.index.get(&*r.key) else {
                refuse_row(
                    ProblemKind::InventedRow,
                    format!(
                        "{here}: row key {:?} is not one this pack sent; the row is refused",
                        r.key
                    ),
                );
                continue;
            };
            let a = &pack.rows[idx].1;
            if *a.reviewer != *reviewer {
                refuse_row(
                    ProblemKind::ChangedRow,
                    format!(
                        "{here}: row {} was sent to {}, and is in the file of {reviewer}; the row is refused",
                        r.key,
                        if a.reviewer.is_empty() {
                            "nobody (unassigned: decide it in review.xlsx)"
                        } else {
                            &a.reviewer
                        },
                    ),
                );
                continue;
            }
            if !r.principal_id.is_empty() && *r.principal_id != *a.principal_id {
                refuse_row(
                    ProblemKind::ChangedRow,
                    format!(
                        "{here}: row {} names principal {}, the row sent named {}; the row is refused",
                        r.key, r.principal_id, a.principal_id
                    ),
                );
                continue;
            }
            let v = match verdict(&r.decision) {
                None => {
                    refuse_row(
                        ProblemKind::UnknownDecision,
                        format!(
                            "{here}: decision {:?} is not Keep, Revoke or Modify",
                            r.decision
                        ),
                    );
                    continue;
                }
                Some(None) => continue,
                Some(Some(v)) => v,
            };
            if r.moved {
                refuse_row(
                    ProblemKind::MovedDecision,
                    format!(
                        "{here}: the decision in this row was moved here from another row (the decision column was sorted on its own, which puts decisions on other people's rows): the decision is not taken; decide the row again in the workbook as it was sent"
                    ),
                );
                continue;
            }
            let typed = r.reviewer.trim().to_ascii_lowercase();
            if typed.is_empty() {
                refuse_row(
                    ProblemKind::WrongReviewer,
                    format!("{here}: the Reviewer cell is empty: write your email; the decision is not taken"),
                );
                continue;
            }
            if !own.contains(&typed) {
                refuse_row(
                    ProblemKind::WrongReviewer,
                    format!(
                        "{here}: the Reviewer cell names {}, but the file and the row are {reviewer}'s; the decision is not taken",
                        r.reviewer
                    ),
                );
                continue;
            }
            if let Some(why) = date_problem(&r.review_date, captured_day, collected_day) {
                refuse_row(
                    ProblemKind::BadDate,
                    format!("{here}: {why}; the decision is not taken"),
                );
                continue;
            }
            if v == "Modify" {
                if &*a.kind != "RA" {
                    refuse_row(
                        ProblemKind::ModifyNotApplicable,
                        format!(
                            "{here}: Modify applies to role assignments; {} is a {} (decide Keep or Revoke); the decision is not taken",
                            r.key,
                            crate::graph::EntitlementKind::of_code(&a.kind)
                                .map_or("other entitlement", |k| k.label())
                        ),
                    );
                    continue;
                }
                if !r.modify_to.trim().is_empty() {
                    if let Some(why) = pack.targets.problem(&r.modify_to) {
                        refuse_row(
                            ProblemKind::ModifyTargetUnknown,
                            format!("{here}: {why}; the decision is not taken"),
                        );
                        continue;
                    }
                }
            }
            // The pack's copy of the key stands in for the file's.
            let mut r = r;
            r.key = pack.rows[idx].0.clone();
            m.candidates.push((idx, fi, r, v));
        }
    }
    m
}
