//! Step 4: per reviewer and over the campaign: rows assigned, decided
//! (Keep, Revoke, Modify), undecided, files returned; rubber-stamping (more
//! than `rubber_stamp_rows` rows, all Keep or all in the same minute).

use std::collections::{BTreeMap, BTreeSet};

use super::{Accepted, Collected, PackCampaign, ProblemKind, Problems, ReviewerStats};

pub(super) fn count(
    pack: &PackCampaign,
    files_of: BTreeMap<String, BTreeSet<String>>,
    conflicted: &BTreeSet<usize>,
    out: &mut Collected,
    problems: &mut Problems,
) {
    let decided: BTreeMap<&str, &Accepted> =
        out.accepted.iter().map(|d| (&*d.row_key, d)).collect();
    let mut stats: BTreeMap<String, ReviewerStats> = BTreeMap::new();
    // The minutes (or, for a date without a time, the days) each reviewer
    // decided in.
    let mut minutes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Undecided privileged entitlements per reviewer: admin or escalation,
    // a service account, or a token.
    let mut privileged: BTreeMap<String, usize> = BTreeMap::new();
    for (idx, (key, a)) in pack.rows.iter().enumerate() {
        out.totals.rows += 1;
        if a.reviewer.is_empty() {
            out.totals.unassigned += 1;
            continue;
        }
        out.totals.assigned += 1;
        if !stats.contains_key(&*a.reviewer) {
            stats.insert(
                a.reviewer.to_string(),
                ReviewerStats {
                    reviewer: a.reviewer.to_string(),
                    ..ReviewerStats::default()
                },
            );
        }
        let st = stats.get_mut(&*a.reviewer).expect("inserted above");
        st.assigned += 1;
        match decided.get(&**key) {
            Some(d) => {
                st.decided += 1;
                match d.decision {
                    "Keep" => st.keep += 1,
                    "Revoke" => st.revoke += 1,
                    _ => st.modify += 1,
                }
                let minute: String = d.review_date.chars().take(16).collect();
                minutes.entry(a.reviewer.to_string()).or_default().insert(
                    if d.review_date.contains(':') {
                        minute
                    } else {
                        format!("day {}", d.review_date)
                    },
                );
            }
            None => {
                st.undecided += 1;
                if matches!(&*a.privilege_level, "admin" | "escalation")
                    || &*a.kind == "TK"
                    || a.principal_id.starts_with("sa:")
                {
                    *privileged.entry(a.reviewer.to_string()).or_default() += 1;
                }
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
        let mut add = |kind: ProblemKind, message: String| {
            problems.push(kind, Some(&st.reviewer), None, None, None, message)
        };
        if let Some(n) = privileged.get(&st.reviewer) {
            add(
                ProblemKind::UndecidedPrivileged,
                format!(
                    "{n} privileged entitlement(s) assigned to {} (admin or escalation access, service accounts, tokens) have no decision: the campaign cannot be complete without them",
                    st.reviewer
                ),
            );
        }
        if st.undecided > 0 {
            add(
                ProblemKind::Undecided,
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
            );
        }
        if st.decided > n && st.keep == st.decided {
            add(
                ProblemKind::RubberStamp,
                format!(
                    "{} decided all {} rows Keep (more than {n}): check that each was looked at",
                    st.reviewer, st.decided
                ),
            );
        } else if st.decided > n {
            let m = &minutes[&st.reviewer];
            if m.len() == 1 && m.iter().all(|x| !x.starts_with("day ")) {
                add(
                    ProblemKind::RubberStamp,
                    format!(
                        "{} decided all {} rows in the same minute ({}): check that each was looked at",
                        st.reviewer,
                        st.decided,
                        m.iter().next().map(String::as_str).unwrap_or_default()
                    ),
                );
            }
        }
    }
    for p in &problems.0 {
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
}
