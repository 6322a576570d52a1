//! Matching returned rows to what the pack sent, and every check of a
//! campaign. Pure: the pack's assignments and the returned files in, the
//! accepted decisions, per-reviewer counts and problems out.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::pack::PackCampaign;
use super::read::{Returned, ReturnedRow};
use super::{Problem, ProblemKind};
use crate::findings::Roster;

/// A decision the campaign accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    /// The row key.
    pub row_key: String,
    /// The sheet the pack sent it on.
    pub sheet: String,
    /// The principal it is about.
    pub principal_id: String,
    /// The principal's email.
    pub principal_email: String,
    /// The access's privilege level.
    pub privilege_level: String,
    /// The reviewer the pack assigned.
    pub assigned_reviewer: String,
    /// Keep, Revoke or Modify.
    pub decision: &'static str,
    /// Who decided (the Reviewer cell).
    pub reviewer: String,
    /// The Review date cell.
    pub review_date: String,
    /// The Justification cell.
    pub justification: String,
    /// The Ticket cell.
    pub ticket: String,
    /// The Modify to cell.
    pub modify_to: String,
    /// The file it came from.
    pub file: String,
    /// The sheet and row in that file.
    pub file_sheet: String,
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
    /// Rows decided differently in two files (not accepted).
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
}

fn verdict(word: &str) -> Option<Option<&'static str>> {
    match word.trim().to_ascii_lowercase().as_str() {
        "" => Some(None),
        "keep" => Some(Some("Keep")),
        "revoke" => Some(Some("Revoke")),
        "modify" => Some(Some("Modify")),
        _ => None,
    }
}

/// Collects the returned files against the pack.
pub fn collect(pack: &PackCampaign, returned: &[Returned], roster: Option<&Roster>) -> Collected {
    let mut out = Collected::default();
    let mut problems: Vec<Problem> = Vec::new();
    let problem = |kind: ProblemKind,
                   reviewer: Option<&str>,
                   file: Option<&str>,
                   r: Option<&ReturnedRow>,
                   key: Option<&str>,
                   message: String| Problem {
        severity: kind.severity(),
        kind,
        reviewer: reviewer.map(str::to_string),
        file: file.map(str::to_string),
        sheet: r.map(|r| r.sheet.clone()),
        row: r.map(|r| r.row),
        row_key: key.map(str::to_string),
        message,
    };
    // Candidates per pack row: (file index, row).
    let mut candidates: BTreeMap<usize, Vec<(usize, &ReturnedRow, &'static str)>> = BTreeMap::new();
    let mut files_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (fi, f) in returned.iter().enumerate() {
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
            problems.push(problem(
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
            ));
            continue;
        }
        if let Some(r) = &f.reviewer {
            files_of
                .entry(r.clone())
                .or_default()
                .insert(f.file.clone());
        }
        for r in &f.rows {
            let Some(&idx) = pack.index.get(&r.key) else {
                out.totals.refused += 1;
                problems.push(problem(
                    ProblemKind::InventedRow,
                    f.reviewer.as_deref(),
                    Some(&f.file),
                    Some(r),
                    Some(&r.key),
                    format!(
                        "{}, sheet {}, row {}: row key {:?} is not one this pack sent; the row is refused",
                        f.file, r.sheet, r.row, r.key
                    ),
                ));
                continue;
            };
            let a = &pack.rows[idx].1;
            let changed = if !r.sheet_base.is_empty() && r.sheet_base != a.sheet {
                Some(format!(
                    "sits on sheet {}, the pack sent it on {}",
                    r.sheet_base, a.sheet
                ))
            } else if f.reviewer.as_deref().is_some_and(|fr| fr != a.reviewer) {
                Some(format!(
                    "was sent to {}, and is in the file for {}",
                    if a.reviewer.is_empty() {
                        "nobody (unassigned)"
                    } else {
                        &a.reviewer
                    },
                    f.reviewer.as_deref().unwrap_or_default()
                ))
            } else if !r.principal_id.is_empty() && r.principal_id != a.principal_id {
                Some(format!(
                    "names principal {}, the row sent named {}",
                    r.principal_id, a.principal_id
                ))
            } else {
                None
            };
            if let Some(why) = changed {
                out.totals.refused += 1;
                problems.push(problem(
                    ProblemKind::ChangedRow,
                    f.reviewer.as_deref(),
                    Some(&f.file),
                    Some(r),
                    Some(&r.key),
                    format!(
                        "{}, sheet {}, row {}: row {} {why}; the row is refused",
                        f.file, r.sheet, r.row, r.key
                    ),
                ));
                continue;
            }
            match verdict(&r.decision) {
                None => problems.push(problem(
                    ProblemKind::UnknownDecision,
                    Some(&a.reviewer),
                    Some(&f.file),
                    Some(r),
                    Some(&r.key),
                    format!(
                        "{}, sheet {}, row {}: decision {:?} is not Keep, Revoke or Modify",
                        f.file, r.sheet, r.row, r.decision
                    ),
                )),
                Some(None) => {}
                Some(Some(v)) => candidates.entry(idx).or_default().push((fi, r, v)),
            }
        }
    }

    // One decision per row: the same everywhere, or a conflict.
    let mut conflicted: BTreeSet<usize> = BTreeSet::new();
    for (&idx, cands) in &candidates {
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
            problems.push(problem(
                ProblemKind::DecidedTwice,
                Some(&a.reviewer),
                None,
                None,
                Some(key),
                format!("row {key} is decided differently in two files: {shown}; neither is taken"),
            ));
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

    // Checks on each accepted decision.
    let aliases = |email: &str| -> BTreeSet<String> {
        let mut v = BTreeSet::from([email.to_ascii_lowercase()]);
        if let Some(r) = roster {
            for e in r.lookup(email) {
                v.extend(e.emails.iter().cloned());
            }
        }
        v
    };
    for d in &out.accepted {
        let at = || {
            Some(ReturnedRow {
                sheet: d.file_sheet.clone(),
                sheet_base: d.sheet.clone(),
                row: d.file_row,
                key: d.row_key.clone(),
                decision: d.decision.to_string(),
                reviewer: d.reviewer.clone(),
                review_date: d.review_date.clone(),
                justification: d.justification.clone(),
                ticket: d.ticket.clone(),
                modify_to: d.modify_to.clone(),
                principal_id: d.principal_id.clone(),
            })
        };
        let row = at();
        let place = format!("{}, sheet {}, row {}", d.file, d.file_sheet, d.file_row);
        let mut add = |kind: ProblemKind, message: String| {
            problems.push(problem(
                kind,
                Some(&d.assigned_reviewer),
                Some(&d.file),
                row.as_ref(),
                Some(&d.row_key),
                message,
            ));
        };
        if !d.principal_email.is_empty() {
            let own = aliases(&d.principal_email);
            let who = d.reviewer.trim().to_ascii_lowercase();
            if own.contains(&who) || own.contains(&d.assigned_reviewer) {
                add(
                    ProblemKind::SelfReview,
                    format!(
                        "{place}: {} decided {} on their own access ({})",
                        if own.contains(&who) {
                            &who
                        } else {
                            &d.assigned_reviewer
                        },
                        d.decision,
                        d.row_key
                    ),
                );
            }
        }
        if d.decision == "Keep"
            && matches!(d.privilege_level.as_str(), "admin" | "escalation")
            && d.justification.trim().is_empty()
        {
            add(
                ProblemKind::KeepWithoutJustification,
                format!(
                    "{place}: Keep on {} access with no justification ({})",
                    d.privilege_level, d.row_key
                ),
            );
        }
        if d.decision == "Modify" && d.modify_to.trim().is_empty() {
            add(
                ProblemKind::ModifyWithoutTarget,
                format!(
                    "{place}: Modify with nothing in Modify to, so next quarter cannot check it ({})",
                    d.row_key
                ),
            );
        }
        if d.decision != "Keep" && d.ticket.trim().is_empty() {
            add(
                ProblemKind::NoTicket,
                format!("{place}: {} with no ticket ({})", d.decision, d.row_key),
            );
        }
    }

    // Per reviewer: counts, undecided rows, rubber-stamping.
    let decided: BTreeMap<&str, &Accepted> = out
        .accepted
        .iter()
        .map(|d| (d.row_key.as_str(), d))
        .collect();
    let mut stats: BTreeMap<String, ReviewerStats> = BTreeMap::new();
    let mut dates: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (idx, (key, a)) in pack.rows.iter().enumerate() {
        out.totals.rows += 1;
        if a.reviewer.is_empty() {
            out.totals.unassigned += 1;
            continue;
        }
        out.totals.assigned += 1;
        let st = stats
            .entry(a.reviewer.clone())
            .or_insert_with(|| ReviewerStats {
                reviewer: a.reviewer.clone(),
                ..ReviewerStats::default()
            });
        st.assigned += 1;
        match decided.get(key.as_str()) {
            Some(d) => {
                st.decided += 1;
                match d.decision {
                    "Keep" => st.keep += 1,
                    "Revoke" => st.revoke += 1,
                    _ => st.modify += 1,
                }
                let minute: String = d.review_date.chars().take(16).collect();
                dates.entry(a.reviewer.clone()).or_default().insert(
                    if d.review_date.contains(':') {
                        minute
                    } else {
                        format!("day {}", d.review_date)
                    },
                );
            }
            None => {
                st.undecided += 1;
                if conflicted.contains(&idx) {
                    out.totals.conflicting += 1;
                }
            }
        }
    }
    for (r, files) in files_of {
        if let Some(st) = stats.get_mut(&r) {
            st.files = files.into_iter().collect();
        }
    }
    let n = pack.rubber_stamp_rows;
    for st in stats.values() {
        if st.undecided > 0 {
            problems.push(problem(
                ProblemKind::Undecided,
                Some(&st.reviewer),
                None,
                None,
                None,
                format!(
                    "{} of the {} rows assigned to {} have no decision{}",
                    st.undecided,
                    st.assigned,
                    st.reviewer,
                    if st.files.is_empty() {
                        " (no file came back)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if st.decided > n && st.keep == st.decided {
            problems.push(problem(
                ProblemKind::RubberStamp,
                Some(&st.reviewer),
                None,
                None,
                None,
                format!(
                    "{} decided all {} rows Keep (more than {n}): check that each was looked at",
                    st.reviewer, st.decided
                ),
            ));
        } else if st.decided > n {
            let d = &dates[&st.reviewer];
            if d.len() == 1 && d.iter().all(|x| !x.starts_with("day ")) {
                problems.push(problem(
                    ProblemKind::RubberStamp,
                    Some(&st.reviewer),
                    None,
                    None,
                    None,
                    format!(
                        "{} decided all {} rows in the same minute ({}): check that each was looked at",
                        st.reviewer,
                        st.decided,
                        d.iter().next().map(String::as_str).unwrap_or_default()
                    ),
                ));
            }
        }
    }
    for p in &problems {
        if let Some(st) = p.reviewer.as_ref().and_then(|r| stats.get_mut(r)) {
            st.problems += 1;
        }
    }
    for d in &out.accepted {
        out.totals.decided += 1;
        match d.decision {
            "Keep" => out.totals.keep += 1,
            "Revoke" => out.totals.revoke += 1,
            _ => out.totals.modify += 1,
        }
    }
    out.totals.undecided = stats.values().map(|s| s.undecided).sum();
    out.reviewers = stats.into_values().collect();
    problems.sort_by(|a, b| {
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
    out.problems = problems;
    // Accepted decisions in the pack's row order.
    out.accepted.sort_by_key(|d| pack.index[&d.row_key]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::pack::AssignedRow;
    use crate::campaign::read::{Returned, ReturnedRow};

    const SHA: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// A pack of `n` Effective Access rows for pat, of principal uN, and one
    /// admin row (key EA:admin...) and one row about pat herself.
    fn pack(n: usize, rubber: usize) -> PackCampaign {
        let mut p = PackCampaign {
            snapshot_sha256: SHA.into(),
            rubber_stamp_rows: rubber,
            ..PackCampaign::default()
        };
        let mut add = |key: String, pid: &str, email: &str, level: &str, reviewer: &str| {
            p.index.insert(key.clone(), p.rows.len());
            p.rows.push((
                key,
                AssignedRow {
                    sheet: "Effective Access".into(),
                    reviewer: reviewer.into(),
                    basis: "scope".into(),
                    principal_id: pid.into(),
                    principal_email: email.into(),
                    privilege_level: level.into(),
                },
            ));
        };
        for i in 0..n {
            add(
                format!("EA:u{i}|direct|account/ra{i}"),
                &format!("u{i}"),
                &format!("u{i}@example.com"),
                "read",
                "pat@example.com",
            );
        }
        add(
            "EA:boss|direct|account/ra-admin".into(),
            "boss",
            "boss@example.com",
            "admin",
            "pat@example.com",
        );
        add(
            "EA:pat|direct|account/ra-pat".into(),
            "pat",
            "pat@example.com",
            "read",
            "sam@example.com",
        );
        p
    }

    fn row(key: &str, decision: &str) -> ReturnedRow {
        ReturnedRow {
            sheet: "Effective Access".into(),
            sheet_base: "Effective Access".into(),
            row: 4,
            key: key.into(),
            decision: decision.into(),
            reviewer: "pat@example.com".into(),
            review_date: "2026-10-15".into(),
            justification: "needed".into(),
            ticket: "T-1".into(),
            modify_to: String::new(),
            principal_id: String::new(),
        }
    }

    fn file(name: &str, reviewer: &str, rows: Vec<ReturnedRow>) -> Returned {
        Returned {
            file: name.into(),
            sha256: "f".repeat(64),
            snapshot_sha256: Some(SHA.into()),
            reviewer: Some(reviewer.into()),
            rows,
        }
    }

    fn kinds(c: &Collected) -> Vec<ProblemKind> {
        c.problems.iter().map(|p| p.kind).collect()
    }

    fn has(c: &Collected, k: ProblemKind) -> bool {
        kinds(c).contains(&k)
    }

    /// Every row of pat's decided Keep (or as `decide` says).
    fn all_of_pat(p: &PackCampaign, decide: &dyn Fn(&str) -> ReturnedRow) -> Vec<ReturnedRow> {
        p.rows
            .iter()
            .filter(|(_, a)| a.reviewer == "pat@example.com")
            .map(|(k, _)| decide(k))
            .collect()
    }

    #[test]
    fn a_file_from_another_snapshot_is_refused_whole() {
        let p = pack(2, 20);
        let mut f = file(
            "pat.xlsx",
            "pat@example.com",
            all_of_pat(&p, &|k| row(k, "Keep")),
        );
        f.snapshot_sha256 = Some("b".repeat(64));
        let c = collect(&p, &[f.clone()], None);
        assert!(has(&c, ProblemKind::ForeignFile));
        assert_eq!(c.totals.decided, 0);
        // Near miss: the same file from this pack is read.
        f.snapshot_sha256 = Some(SHA.into());
        let c = collect(&p, &[f], None);
        assert!(!has(&c, ProblemKind::ForeignFile));
        assert_eq!(c.totals.decided, 3);
        // A file naming no snapshot at all is refused too.
        let mut g = file("x.csv", "pat@example.com", vec![]);
        g.snapshot_sha256 = None;
        assert!(has(&collect(&p, &[g], None), ProblemKind::ForeignFile));
    }

    #[test]
    fn invented_and_changed_rows_are_refused_with_file_sheet_and_row() {
        let p = pack(2, 20);
        let mut rows = all_of_pat(&p, &|k| row(k, "Keep"));
        rows.push(row("EA:ghost|direct|account/ra9", "Revoke"));
        let c = collect(&p, &[file("pat.xlsx", "pat@example.com", rows)], None);
        let invented = c
            .problems
            .iter()
            .find(|x| x.kind == ProblemKind::InventedRow)
            .unwrap();
        assert!(
            invented
                .message
                .starts_with("pat.xlsx, sheet Effective Access, row 4:"),
            "{}",
            invented.message
        );
        assert_eq!(c.totals.refused, 1);
        // A row moved to another sheet, into another reviewer's file, or
        // naming another principal is changed.
        let mut moved = row("EA:u0|direct|account/ra0", "Keep");
        moved.sheet_base = "Principals".into();
        let mut other_principal = row("EA:u1|direct|account/ra1", "Keep");
        other_principal.principal_id = "u7".into();
        let c = collect(
            &p,
            &[file(
                "pat.xlsx",
                "pat@example.com",
                vec![moved, other_principal],
            )],
            None,
        );
        assert_eq!(
            kinds(&c)
                .iter()
                .filter(|k| **k == ProblemKind::ChangedRow)
                .count(),
            2
        );
        let sams_row = row("EA:pat|direct|account/ra-pat", "Keep");
        let c = collect(
            &p,
            &[file("pat.xlsx", "pat@example.com", vec![sams_row.clone()])],
            None,
        );
        assert!(has(&c, ProblemKind::ChangedRow), "sam's row in pat's file");
        // Near miss: the same row in sam's own file is fine.
        let c = collect(
            &p,
            &[file("sam.xlsx", "sam@example.com", vec![sams_row])],
            None,
        );
        assert!(!has(&c, ProblemKind::ChangedRow));
    }

    #[test]
    fn a_row_decided_differently_in_two_files_is_taken_from_neither() {
        let p = pack(1, 20);
        let a = file(
            "pat.xlsx",
            "pat@example.com",
            vec![row("EA:u0|direct|account/ra0", "Keep")],
        );
        let b = file(
            "pat-2.xlsx",
            "pat@example.com",
            vec![row("EA:u0|direct|account/ra0", "Revoke")],
        );
        let c = collect(&p, &[a.clone(), b], None);
        let p2 = c
            .problems
            .iter()
            .find(|x| x.kind == ProblemKind::DecidedTwice)
            .unwrap();
        assert!(
            p2.message.contains("Keep in pat.xlsx") && p2.message.contains("Revoke in pat-2.xlsx"),
            "{}",
            p2.message
        );
        assert!(c.accepted.is_empty());
        assert_eq!(c.totals.conflicting, 1);
        // Near miss: the same decision twice is one decision.
        let c = collect(&p, &[a.clone(), a], None);
        assert!(!has(&c, ProblemKind::DecidedTwice));
        assert_eq!(c.accepted.len(), 1);
    }

    #[test]
    fn self_review_is_found_by_email_and_roster_alias() {
        let p = pack(1, 20);
        let mut mine = row("EA:pat|direct|account/ra-pat", "Keep");
        mine.reviewer = "Pat@Example.com".into();
        let c = collect(
            &p,
            &[file("sam.xlsx", "sam@example.com", vec![mine.clone()])],
            None,
        );
        assert!(has(&c, ProblemKind::SelfReview));
        // Near miss: sam decides it.
        mine.reviewer = "sam@example.com".into();
        let c = collect(
            &p,
            &[file("sam.xlsx", "sam@example.com", vec![mine.clone()])],
            None,
        );
        assert!(!has(&c, ProblemKind::SelfReview));
        // Pat under another address the roster lists is still pat.
        mine.reviewer = "p.alias@example.com".into();
        let roster = Roster::parse(
            "hr.csv",
            b"email,status,aliases\npat@example.com,active,p.alias@example.com\n",
            None,
        )
        .unwrap();
        let c = collect(
            &p,
            &[file("sam.xlsx", "sam@example.com", vec![mine])],
            Some(&roster),
        );
        assert!(has(&c, ProblemKind::SelfReview));
    }

    #[test]
    fn keep_on_admin_needs_a_justification_and_changes_need_tickets() {
        let p = pack(1, 20);
        let mut admin = row("EA:boss|direct|account/ra-admin", "Keep");
        admin.justification = String::new();
        let mut revoke = row("EA:u0|direct|account/ra0", "Revoke");
        revoke.ticket = String::new();
        let c = collect(
            &p,
            &[file(
                "pat.xlsx",
                "pat@example.com",
                vec![admin.clone(), revoke.clone()],
            )],
            None,
        );
        assert!(has(&c, ProblemKind::KeepWithoutJustification));
        assert!(has(&c, ProblemKind::NoTicket));
        // Near misses: a reason on the admin row, a ticket on the Revoke,
        // and Keep without a reason on ordinary access.
        admin.justification = "break-glass".into();
        revoke.ticket = "SEC-1".into();
        let mut plain = row("EA:u0|direct|account/ra0", "Keep");
        plain.justification = String::new();
        let c = collect(
            &p,
            &[file("pat.xlsx", "pat@example.com", vec![admin, plain])],
            None,
        );
        assert!(!has(&c, ProblemKind::KeepWithoutJustification));
        let c = collect(
            &p,
            &[file("pat.xlsx", "pat@example.com", vec![revoke])],
            None,
        );
        assert!(!has(&c, ProblemKind::NoTicket));
    }

    #[test]
    fn modify_needs_a_target_and_unknown_words_are_named() {
        let p = pack(1, 20);
        let modify = row("EA:u0|direct|account/ra0", "Modify");
        let c = collect(
            &p,
            &[file("pat.xlsx", "pat@example.com", vec![modify.clone()])],
            None,
        );
        assert!(has(&c, ProblemKind::ModifyWithoutTarget));
        let mut with_target = modify;
        with_target.modify_to = "_account_viewer".into();
        let c = collect(
            &p,
            &[file("pat.xlsx", "pat@example.com", vec![with_target])],
            None,
        );
        assert!(!has(&c, ProblemKind::ModifyWithoutTarget));
        let approve = row("EA:u0|direct|account/ra0", "Approve");
        let c = collect(
            &p,
            &[file("pat.xlsx", "pat@example.com", vec![approve])],
            None,
        );
        let u = c
            .problems
            .iter()
            .find(|x| x.kind == ProblemKind::UnknownDecision)
            .unwrap();
        assert!(u.message.contains("\"Approve\""));
    }

    #[test]
    fn undecided_rows_are_counted_per_reviewer() {
        let p = pack(3, 20);
        let mut rows = all_of_pat(&p, &|k| row(k, "Keep"));
        rows[0].decision = String::new();
        let c = collect(&p, &[file("pat.xlsx", "pat@example.com", rows)], None);
        let pat = c
            .reviewers
            .iter()
            .find(|r| r.reviewer == "pat@example.com")
            .unwrap();
        assert_eq!((pat.assigned, pat.decided, pat.undecided), (4, 3, 1));
        let sam = c
            .reviewers
            .iter()
            .find(|r| r.reviewer == "sam@example.com")
            .unwrap();
        assert_eq!(sam.undecided, 1, "no file came back from sam");
        let msgs: Vec<&str> = c
            .problems
            .iter()
            .filter(|x| x.kind == ProblemKind::Undecided)
            .map(|x| x.message.as_str())
            .collect();
        assert_eq!(msgs.len(), 2);
        assert!(msgs.iter().any(|m| m.contains("no file came back")));
        // Near miss: everything decided, nothing undecided for pat.
        let c = collect(
            &p,
            &[file(
                "pat.xlsx",
                "pat@example.com",
                all_of_pat(&p, &|k| row(k, "Keep")),
            )],
            None,
        );
        assert!(!c.problems.iter().any(|x| x.kind == ProblemKind::Undecided
            && x.reviewer.as_deref() == Some("pat@example.com")));
    }

    #[test]
    fn rubber_stamping_is_many_keeps_or_one_minute() {
        // Five rows, threshold 3: all Keep is flagged.
        let p = pack(4, 3);
        let c = collect(
            &p,
            &[file(
                "pat.xlsx",
                "pat@example.com",
                all_of_pat(&p, &|k| row(k, "Keep")),
            )],
            None,
        );
        assert!(has(&c, ProblemKind::RubberStamp));
        // Near miss: one Revoke among them.
        let c = collect(
            &p,
            &[file(
                "pat.xlsx",
                "pat@example.com",
                all_of_pat(&p, &|k| {
                    row(k, if k.contains("ra0") { "Revoke" } else { "Keep" })
                }),
            )],
            None,
        );
        assert!(!has(&c, ProblemKind::RubberStamp));
        // Mixed decisions, all stamped in the same minute, is flagged too.
        let stamped = |k: &str| {
            let mut r = row(k, if k.contains("ra0") { "Revoke" } else { "Keep" });
            r.review_date = "2026-10-15 09:30:12".into();
            r
        };
        let c = collect(
            &p,
            &[file(
                "pat.xlsx",
                "pat@example.com",
                all_of_pat(&p, &stamped),
            )],
            None,
        );
        assert!(has(&c, ProblemKind::RubberStamp));
        // Near miss: at most the threshold, nothing is flagged.
        let p = pack(2, 3);
        let c = collect(
            &p,
            &[file(
                "pat.xlsx",
                "pat@example.com",
                all_of_pat(&p, &|k| row(k, "Keep")),
            )],
            None,
        );
        assert!(!has(&c, ProblemKind::RubberStamp));
    }
}
