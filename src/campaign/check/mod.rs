//! Matching returned rows to what the pack sent, and every check of a
//! campaign. Pure: the pack's assignments and the returned files in, the
//! accepted decisions, per-reviewer counts and problems out.
use std::sync::Arc;

use serde::Serialize;

use super::pack::PackCampaign;
use super::read::Returned;
use super::{Problem, ProblemKind, Unreadable};
use crate::findings::Roster;

mod decide;
mod matching;
mod per_reviewer;
mod per_row;
#[cfg(test)]
mod tests;

/// A decision the campaign accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The row key.
    pub row_key: Arc<str>,
    /// The entitlement's kind (`PR`, `SM`, `GM`, `RA`, `TK`).
    pub kind: Arc<str>,
    /// The entitlement in words.
    pub entitlement: Arc<str>,
    /// The principal it is about.
    pub principal_id: Arc<str>,
    /// The principal's email.
    pub principal_email: Arc<str>,
    /// The access's privilege level.
    pub privilege_level: Arc<str>,
    /// The reviewer the pack assigned.
    pub assigned_reviewer: Arc<str>,
    /// Keep, Revoke or Modify.
    pub decision: &'static str,
    /// Who decided (the Reviewer cell).
    pub reviewer: Arc<str>,
    /// The Review date cell.
    pub review_date: Arc<str>,
    /// The Justification cell.
    pub justification: Arc<str>,
    /// The Ticket cell.
    pub ticket: Arc<str>,
    /// The Modify to cell.
    pub modify_to: Arc<str>,
    /// The file it came from.
    pub file: Arc<str>,
    /// The sheet and row in that file.
    pub file_sheet: Arc<str>,
    /// The 1-based row.
    pub file_row: usize,
}

/// One returned file, as the campaign saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// The file name.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// The reviewer it says it is for.
    pub reviewer: Option<String>,
    /// Rows read from it.
    pub rows: usize,
    /// False when the whole file was refused.
    pub accepted: bool,
    /// The corrected file that replaced this one, when one did.
    pub replaced_by: Option<String>,
}

/// One reviewer's campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReviewerStats {
    /// The reviewer.
    pub reviewer: String,
    /// Rows assigned.
    pub assigned: usize,
    /// Rows with an accepted decision.
    pub decided: usize,
    /// Of those, Keep.
    pub keep: usize,
    /// Revoke.
    pub revoke: usize,
    /// Modify.
    pub modify: usize,
    /// Rows assigned with no accepted decision.
    pub undecided: usize,
    /// Files returned by or for this reviewer.
    pub files: Vec<String>,
    /// Problems naming this reviewer.
    pub problems: usize,
}

/// Totals over the campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Rows the pack sent (every row of the campaign sheets).
    pub rows: usize,
    /// Rows assigned to a reviewer.
    pub assigned: usize,
    /// Rows with no independent reviewer.
    pub unassigned: usize,
    /// Rows with an accepted decision.
    pub decided: usize,
    /// Keep.
    pub keep: usize,
    /// Revoke.
    pub revoke: usize,
    /// Modify.
    pub modify: usize,
    /// Assigned rows with no accepted decision.
    pub undecided: usize,
    /// Rows decided differently (in one file or two; not accepted).
    pub conflicting: usize,
    /// Rows refused (changed, invented, or in a foreign file).
    pub refused: usize,
}

/// What a collection found.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// The returned files.
    pub files: Vec<FileSummary>,
    /// Per reviewer, sorted by reviewer.
    pub reviewers: Vec<ReviewerStats>,
    /// Every problem, strongest first.
    pub problems: Vec<Problem>,
    /// The accepted decisions, in the pack's row order.
    pub accepted: Vec<Accepted>,
    /// Totals.
    pub totals: Totals,
    /// When the collection ran.
    pub collected_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the answers were due (the pack's policy).
    pub due: Option<chrono::NaiveDate>,
}

impl Collected {
    /// `COMPLETE` when every assigned entitlement has an accepted decision
    /// and no problem at high or above remains; else `INCOMPLETE`, with why.
    pub fn status(&self) -> (&'static str, String) {
        let blocking = self
            .problems
            .iter()
            .filter(|p| p.severity >= crate::findings::Severity::High)
            .count();
        let mut why = Vec::new();
        if self.totals.undecided > 0 {
            why.push(format!(
                "{} of {} assigned entitlements have no accepted decision",
                self.totals.undecided, self.totals.assigned
            ));
        }
        if blocking > 0 {
            why.push(format!("{blocking} problem(s) at high or critical remain"));
        }
        if let (Some(due), Some(at), false) = (self.due, self.collected_at, why.is_empty()) {
            if at.date_naive() > due {
                why.push(format!("past due: the answers were due {due}"));
            }
        }
        if why.is_empty() {
            ("COMPLETE", format!("every one of the {} assigned entitlements has an accepted decision, and no high or critical problem remains", self.totals.assigned))
        } else {
            ("INCOMPLETE", why.join("; "))
        }
    }
}

/// Where a returned row sits, as messages say it: `FILE, sheet S, row N`,
/// or `FILE, row N` for a CSV file (whose sheet is the file).
fn place(file: &str, sheet: &str, row: usize) -> String {
    if sheet == file {
        format!("{file}, row {row}")
    } else {
        format!("{file}, sheet {sheet}, row {row}")
    }
}

/// The problems found so far, and the one way to make one.
#[derive(Debug, Default)]
struct Problems(Vec<Problem>);

impl Problems {
    /// Adds a problem; `at` is the sheet and 1-based row of a returned file.
    fn push(
        &mut self,
        kind: ProblemKind,
        reviewer: Option<&str>,
        file: Option<&str>,
        at: Option<(&str, usize)>,
        row_key: Option<&str>,
        message: String,
    ) {
        self.0.push(Problem {
            severity: kind.severity(),
            kind,
            reviewer: reviewer.map(str::to_string),
            file: file.map(str::to_string),
            sheet: at.map(|(s, _)| s.to_string()),
            row: at.map(|(_, r)| r),
            row_key: row_key.map(str::to_string),
            about: None,
            message,
        });
    }

    /// Strongest first, then by kind, reviewer and place: the order of
    /// every output.
    fn sorted(mut self) -> Vec<Problem> {
        self.0.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.severity),
                a.kind,
                &a.reviewer,
                &a.file,
                &a.sheet,
                a.row,
                &a.row_key,
            )
                .cmp(&(
                    std::cmp::Reverse(b.severity),
                    b.kind,
                    &b.reviewer,
                    &b.file,
                    &b.sheet,
                    b.row,
                    &b.row_key,
                ))
        });
        self.0
    }
}

/// Whom and what the row `key` is about, when the pack sent it.
fn about(pack: &PackCampaign, key: &str) -> Option<super::About> {
    let (_, row) = &pack.rows[*pack.index.get(key)?];
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Some(super::About {
        principal_id: row.principal_id.to_string(),
        principal_name: pack.names.get(&*row.principal_id).cloned(),
        principal_email: text(&row.principal_email),
        entitlement: row.entitlement.to_string(),
    })
}

/// How a collection runs.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    /// The SHA-256 of the files named as corrected: each replaces every
    /// other file of its reviewer, which must come after it.
    pub corrected: std::collections::BTreeSet<String>,
    /// When the collection ran (a parameter, so the same inputs give the
    /// same outputs): no review can be dated after it.
    pub collected_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The campaign key, when the pack's workbooks carry return codes.
    pub key: Option<Vec<u8>>,
}

/// Collects the returned files against the pack, in four steps: match each
/// returned row to the entitlement the pack sent its reviewer (refusing
/// foreign, unnamed and replaced files, invented, moved and changed rows,
/// dates that are none, Modify the entitlement cannot take), settle one
/// decision per entitlement (a conflict is taken from neither), check each
/// accepted decision, then count per reviewer (undecided rows,
/// rubber-stamping).
///
/// The files are taken one at a time (read them lazily): only the rows with
/// a decision are kept past their file.
pub fn collect(
    pack: &PackCampaign,
    returned: impl IntoIterator<Item = Result<Returned, Unreadable>>,
    options: &CollectOptions,
    roster: Option<&Roster>,
) -> Collected {
    let mut out = Collected {
        collected_at: options.collected_at,
        due: pack
            .dates
            .due
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        ..Collected::default()
    };
    let mut problems = Problems::default();
    let matched = matching::match_rows(pack, returned, options, roster, &mut out, &mut problems);
    let files: Vec<Arc<str>> = out.files.iter().map(|f| f.file.as_str().into()).collect();
    let conflicted = decide::decide(pack, &files, matched.candidates, &mut out, &mut problems);
    // A self-reviewed decision is not taken: the row stays undecided.
    let own = per_row::check(&out.accepted, roster, &mut problems);
    if !own.is_empty() {
        out.accepted.retain(|d| !own.contains(&d.row_key));
        out.totals.refused += own.len();
    }
    per_reviewer::count(pack, matched.files_of, &conflicted, &mut out, &mut problems);
    out.problems = problems.sorted();
    // A problem about a row names the person it is about, not only its key.
    for p in &mut out.problems {
        p.about = p.row_key.as_deref().and_then(|k| about(pack, k));
    }
    // Accepted decisions in the pack's row order.
    out.accepted.sort_by_key(|d| pack.index[&*d.row_key]);
    out
}
