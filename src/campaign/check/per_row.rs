//! Step 3: each accepted decision on its own: self-review (the reviewer is
//! the principal, by email or roster alias), Keep on admin or escalation
//! access without a justification, Modify without a target, Revoke or
//! Modify without a ticket.

use std::collections::BTreeSet;

use super::{place, Accepted, ProblemKind, Problems, Roster};

/// Returns the row keys of self-reviewed decisions: they are not taken.
pub(super) fn check(
    accepted: &[Accepted],
    roster: Option<&Roster>,
    problems: &mut Problems,
) -> BTreeSet<std::sync::Arc<str>> {
    let mut own_rows = BTreeSet::new();
    let aliases = |email: &str| -> BTreeSet<String> {
        let mut v = BTreeSet::from([email.to_ascii_lowercase()]);
        if let Some(r) = roster {
            for e in r.lookup(email) {
                v.extend(e.emails.iter().cloned());
            }
        }
        v
    };
    for d in accepted {
        let place = place(&d.file, &d.file_sheet, d.file_row);
        let mut add = |kind: ProblemKind, message: String| {
            problems.push(
                kind,
                Some(&d.assigned_reviewer),
                Some(&d.file),
                Some((&d.file_sheet, d.file_row)),
                Some(&d.row_key),
                message,
            );
        };
        if !d.principal_email.is_empty() {
            let own = aliases(&d.principal_email);
            let who = d.reviewer.trim().to_ascii_lowercase();
            if own.contains(&who) || own.contains(&*d.assigned_reviewer) {
                add(
                    ProblemKind::SelfReview,
                    format!(
                        "{place}: {} decided {} on their own access ({}); the decision is not taken",
                        if own.contains(&who) {
                            &who
                        } else {
                            &*d.assigned_reviewer
                        },
                        d.decision,
                        d.row_key
                    ),
                );
                own_rows.insert(d.row_key.clone());
                continue;
            }
        }
        if d.decision == "Keep"
            && matches!(&*d.privilege_level, "admin" | "escalation")
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
    own_rows
}
