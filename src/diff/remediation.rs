//! When a revocation was carried out, and by whom: the removal the audit
//! trail of the new snapshot records for an entitlement the previous
//! snapshot held (docs/harness-behaviour.md E7 to E10), held against the
//! decision's `remediate_by` day.
//!
//! Each entitlement is removed by one Harness action, and also goes when
//! what holds it goes (a deleted principal takes its assignments, and the
//! server does not audit those cascaded deletions): the match takes the
//! entitlement's own removal first, then its holder's. A deleted role
//! assignment is audited on its principal; when the event's details were
//! not read, a deletion on the same principal at the same scope is taken
//! and the match says it is by principal and scope only.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::graph::EntitlementRef;
use crate::snapshot::{Removal, Scope, Snapshot};

/// How a removal was matched to the entitlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The entitlement's own removal, named in the event.
    Exactly,
    /// A deleted assignment on the same principal and scope, whose details
    /// were not read.
    PrincipalAndScope,
    /// The removal of what held it: the user, the group, the service
    /// account or the API key.
    Holder,
}

/// Whether a decided change was carried out in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timing {
    /// The day it was due (`remediate_by`), when the decision had one.
    pub remediate_by: Option<String>,
    /// When the audit trail says it was removed.
    pub removed_at: Option<String>,
    /// Who removed it (`TYPE identifier`, a user's email).
    pub removed_by: Option<String>,
    /// The audit event: action, resource type and identifier, id.
    pub event: Option<String>,
    /// How the event was matched.
    pub matched_by: Option<MatchedBy>,
    /// `on time`, `late`, `not done`, `overdue`, `not timed` or `no deadline`.
    pub status: &'static str,
    /// Days past `remediate_by`: when removed (late) or at the new
    /// snapshot's capture (not done).
    pub days_late: Option<i64>,
    /// What the status rests on, in words.
    pub note: String,
}

/// A user's email in `snap`, by uuid.
fn email_of<'s>(snap: &'s Snapshot, uuid: &str) -> Option<&'s str> {
    snap.users
        .iter()
        .find(|u| u.id.0 == uuid)
        .map(|u| u.email.as_str())
}

/// The audit resource a principal is removed as, and what removes it:
/// (`resource_type`, identifier, scope or `None` for the account).
fn principal_resource(old: &Snapshot, pid: &str) -> Option<(&'static str, String, Scope)> {
    if let Some(rest) = pid.strip_prefix("sa:") {
        let (scope, id) = rest.rsplit_once('/')?;
        return Some(("SERVICE_ACCOUNT", id.to_string(), scope.parse().ok()?));
    }
    Some(("USER", email_of(old, pid)?.to_string(), Scope::Account))
}

fn is(r: &Removal, action: &str, kind: &str, id: &str, scope: &Scope) -> bool {
    r.action == action
        && r.resource_type == kind
        && r.resource.eq_ignore_ascii_case(id)
        && r.scope == *scope
}

/// A principal's own removal: a user removed from the account, a service
/// account deleted.
fn principal_removed<'r>(
    old: &Snapshot,
    pid: &str,
    removals: &'r [&'r Removal],
) -> Option<&'r Removal> {
    let (kind, id, scope) = principal_resource(old, pid)?;
    let action = if kind == "USER" {
        "REMOVE_COLLABORATOR"
    } else {
        "DELETE"
    };
    removals
        .iter()
        .copied()
        .find(|r| is(r, action, kind, &id, &scope))
}

/// The removal that took the entitlement away, and how it was matched.
pub fn removal_of<'r>(
    e: &EntitlementRef,
    old: &Snapshot,
    removals: &'r [&'r Removal],
) -> Option<(&'r Removal, MatchedBy)> {
    let find = |f: &dyn Fn(&Removal) -> bool| removals.iter().copied().find(|r| f(r));
    match e {
        EntitlementRef::Principal(pid) => {
            principal_removed(old, pid, removals).map(|r| (r, MatchedBy::Exactly))
        }
        EntitlementRef::ScopeMembership { user, scope } => {
            let email = email_of(old, user)?;
            let scope: Scope = scope.parse().ok()?;
            find(&|r| is(r, "REMOVE_COLLABORATOR", "USER", email, &scope))
                .map(|r| (r, MatchedBy::Exactly))
                .or_else(|| principal_removed(old, user, removals).map(|r| (r, MatchedBy::Holder)))
        }
        EntitlementRef::GroupMembership { scope, group, user } => {
            let scope: Scope = scope.parse().ok()?;
            find(&|r| {
                is(r, "UPDATE", "USER_GROUP", group, &scope) && r.removed.iter().any(|u| u == user)
            })
            .map(|r| (r, MatchedBy::Exactly))
            .or_else(|| {
                find(&|r| is(r, "DELETE", "USER_GROUP", group, &scope))
                    .or_else(|| principal_removed(old, user, removals))
                    .map(|r| (r, MatchedBy::Holder))
            })
        }
        EntitlementRef::RoleAssignment { scope, id } => {
            let scope: Scope = scope.parse().ok()?;
            let exact = find(&|r| {
                r.action == "ROLE_ASSIGNMENT_DELETED"
                    && r.scope == scope
                    && r.removed.iter().any(|x| x == id)
            });
            if let Some(r) = exact {
                return Some((r, MatchedBy::Exactly));
            }
            let a = old
                .role_assignments
                .iter()
                .find(|a| a.id.as_str() == id && a.scope == scope)?;
            let (kind, resource) = match a.principal.kind.as_str() {
                "USER" => ("USER", email_of(old, &a.principal.id)?.to_string()),
                "USER_GROUP" => ("USER_GROUP", a.principal.id.clone()),
                "SERVICE_ACCOUNT" => ("SERVICE_ACCOUNT", a.principal.id.clone()),
                _ => return None,
            };
            let unread = find(&|r| {
                !r.details_read
                    && r.action == "ROLE_ASSIGNMENT_DELETED"
                    && r.scope == scope
                    && r.resource_type == kind
                    && r.resource.eq_ignore_ascii_case(&resource)
            });
            if let Some(r) = unread {
                return Some((r, MatchedBy::PrincipalAndScope));
            }
            // The holder gone: a user removed from the account or from the
            // assignment's scope; a group or service account deleted (at any
            // scope: the assignment names its principal's level, not its
            // scope, so the identifier decides).
            let holder = match kind {
                "USER" => find(&|r| {
                    r.action == "REMOVE_COLLABORATOR"
                        && r.resource_type == "USER"
                        && r.resource.eq_ignore_ascii_case(&resource)
                        && (r.scope == Scope::Account || r.scope == scope)
                }),
                _ => find(&|r| {
                    r.action == "DELETE"
                        && r.resource_type == kind
                        && r.resource == resource
                        && scope.is_within(&r.scope)
                }),
            };
            holder.map(|r| (r, MatchedBy::Holder))
        }
        EntitlementRef::Token {
            scope,
            parent,
            api_key,
            token,
        } => {
            let scope: Scope = scope.parse().ok()?;
            find(&|r| is(r, "DELETE", "TOKEN", token, &scope))
                .map(|r| (r, MatchedBy::Exactly))
                .or_else(|| {
                    find(&|r| is(r, "DELETE", "API_KEY", api_key, &scope))
                        .or_else(|| find(&|r| is(r, "DELETE", "SERVICE_ACCOUNT", parent, &scope)))
                        .map(|r| (r, MatchedBy::Holder))
                })
        }
    }
}

/// The removals of `new` that can time a change made after `old` was
/// captured: those after it, oldest first (so the first match is the
/// removal that took the access).
pub fn window<'s>(old: &Snapshot, new: &'s Snapshot) -> Vec<&'s Removal> {
    let since = old.captured_at();
    new.activity
        .removals
        .iter()
        .filter(|r| r.at > since && r.at <= new.captured_at())
        .collect()
}

/// Why nothing can be timed at all, when that is so: `new` did not search
/// the audit trail for removals, or searched from after `old`'s capture.
pub fn window_gap(old: &Snapshot, new: &Snapshot) -> Option<String> {
    match new.activity.removals_since {
        None => Some("the new snapshot holds no search of the audit trail for removals (pulled by an earlier version, or not pulled): pull it again to time the removals".into()),
        Some(since) if since > old.captured_at() => Some(format!(
            "the new snapshot's audit search for removals starts {}, after the previous snapshot's capture {}: removals in between are not seen (pull with --removals-since {})",
            since.format("%Y-%m-%d"),
            old.captured_at().format("%Y-%m-%d"),
            old.captured_at().format("%Y-%m-%d")
        )),
        Some(_) => None,
    }
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Days from `due`'s end to `at` (a removal on the due day is on time).
fn days_after(due: NaiveDate, at: DateTime<Utc>) -> i64 {
    (at.date_naive() - due).num_days()
}

/// The timing of a change that is done: when and by whom, against the
/// decision's `remediate_by`.
pub fn done(found: Option<(&Removal, MatchedBy)>, remediate_by: &str, gap: Option<&str>) -> Timing {
    let due = day(remediate_by);
    let mut t = Timing {
        remediate_by: due.map(|d| d.to_string()),
        removed_at: None,
        removed_by: None,
        event: None,
        matched_by: None,
        status: "not timed",
        days_late: None,
        note: String::new(),
    };
    let Some((r, how)) = found else {
        t.note = match gap {
            Some(g) => g.to_string(),
            None => "no audited removal found for it between the two snapshots (a change through the identity provider, a cascade Harness does not audit, or events outside the search)".into(),
        };
        return t;
    };
    t.removed_at = Some(r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    t.removed_by = (!r.by.is_empty()).then(|| r.by.clone());
    t.event = Some(format!(
        "{} {} {} at {} (audit {})",
        r.action, r.resource_type, r.resource, r.scope, r.audit_id
    ));
    t.matched_by = Some(how);
    let by = t
        .removed_by
        .as_deref()
        .map(|b| format!(" by {b}"))
        .unwrap_or_default();
    let how_text = match how {
        MatchedBy::Exactly => "",
        MatchedBy::PrincipalAndScope => {
            " (matched by principal and scope: the event's details were not read)"
        }
        MatchedBy::Holder => " (with what held it)",
    };
    let when = r.at.format("%Y-%m-%d");
    match due {
        None => {
            t.status = "no deadline";
            t.note =
                format!("removed {when}{by}{how_text}; the decision names no remediate_by day");
        }
        Some(d) => {
            let late = days_after(d, r.at);
            if late > 0 {
                t.status = "late";
                t.days_late = Some(late);
                t.note =
                    format!("removed {when}{by}{how_text}: {late} day(s) after it was due ({d})");
            } else {
                t.status = "on time";
                t.note = format!("removed {when}{by}{how_text}, due {d}");
            }
        }
    }
    t
}

/// The timing of a change not done at the new snapshot's capture.
pub fn not_done(remediate_by: &str, captured: DateTime<Utc>) -> Timing {
    let due = day(remediate_by);
    let late = due.map(|d| days_after(d, captured)).filter(|n| *n > 0);
    Timing {
        remediate_by: due.map(|d| d.to_string()),
        removed_at: None,
        removed_by: None,
        event: None,
        matched_by: None,
        status: if late.is_some() {
            "overdue"
        } else {
            "not done"
        },
        days_late: late,
        note: match (due, late) {
            (Some(d), Some(n)) => {
                format!("not done {n} day(s) after it was due ({d}), at the new snapshot's capture")
            }
            (Some(d), None) => format!("not done yet; due {d}"),
            _ => "not done; the decision names no remediate_by day".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removal_on_the_due_day_is_on_time_and_a_day_later_is_late() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 4).unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(days_after(due, at("2026-11-04T23:59:00Z")), 0);
        assert_eq!(days_after(due, at("2026-11-05T00:01:00Z")), 1);
        let t = not_done("2026-11-04", at("2027-01-01T09:00:00Z"));
        assert_eq!((t.status, t.days_late), ("overdue", Some(58)));
        let t = not_done("2026-11-04", at("2026-11-01T09:00:00Z"));
        assert_eq!((t.status, t.days_late), ("not done", None));
        let t = done(None, "2026-11-04", None);
        assert_eq!(t.status, "not timed");
        assert!(t.note.contains("no audited removal"), "{}", t.note);
    }
}
