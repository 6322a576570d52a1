//! `inactive-user`: an enabled user with access and no login within
//! `inactive_days` of `--as-of`, told apart by when the user joined (a new
//! user who has not logged in yet is not a stale account), with the limits
//! of the login evidence stated in every finding.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::findings::ctx::Ctx;
use crate::findings::draft::{principal_of, ts, Draft};
use crate::findings::finding::Severity;
use crate::findings::rule::Rule;
use crate::graph::Principal;
use crate::snapshot::{Scope, USER_ADDITIONS_LIST};

#[derive(Serialize)]
struct Window {
    days: u32,
    start: String,
    end: String,
}

/// When a user joined the account, as far as the snapshot can tell.
#[derive(Debug, Clone, Copy)]
enum Joined {
    /// An `ADD_COLLABORATOR` audit event (added, or accepted an invite).
    Added(DateTime<Utc>),
    /// SCIM's `meta.created`.
    Scim(DateTime<Utc>),
    /// Absent from the previous review's snapshot, captured then.
    SincePrevious(DateTime<Utc>),
    /// The pull read every user addition of the window and found none: the
    /// user was added before the window began.
    BeforeWindow,
    /// No evidence either way (an older snapshot, or no addition list).
    Unknown,
}

impl Joined {
    fn source(self) -> &'static str {
        match self {
            Joined::Added(_) => "user-addition audit event",
            Joined::Scim(_) => "SCIM meta.created",
            Joined::SincePrevious(_) => "absent from the previous review's snapshot",
            Joined::BeforeWindow => "no user-addition event in the activity window",
            Joined::Unknown => "unknown",
        }
    }
}

/// What the snapshot (and the previous one) says about when user `i` joined.
fn joined(ctx: &Ctx<'_, '_>, i: usize) -> Joined {
    let s = ctx.snapshot();
    let u = &s.users[i];
    if let Some(j) = s.activity.joined.iter().find(|j| j.user == u.id) {
        return Joined::Added(j.at);
    }
    let scim_created = s.scim.as_ref().and_then(|scim| {
        scim.users
            .iter()
            .find(|x| {
                x.id == u.id.as_str()
                    || x.user_name.eq_ignore_ascii_case(&u.email)
                    || x.emails.iter().any(|e| e.eq_ignore_ascii_case(&u.email))
            })
            .and_then(|x| x.created)
    });
    if let Some(c) = scim_created {
        return Joined::Scim(c);
    }
    if let Some(prev) = ctx.previous {
        if !prev.users.contains(&u.id) {
            return Joined::SincePrevious(prev.captured_at);
        }
    }
    let additions_read = s
        .completeness
        .lists
        .iter()
        .any(|l| l.endpoint == USER_ADDITIONS_LIST && l.complete);
    if additions_read {
        return Joined::BeforeWindow;
    }
    Joined::Unknown
}

/// What every `inactive-user` finding says about the evidence's limits.
const API_ACTIVITY_NOTE: &str = "Harness keeps no last-used time for API keys or tokens, and reviewpack reads only logins and user additions from the audit trail: activity through API keys or personal access tokens is not seen";

/// `inactive-user`: enabled (not locked: `disabled-user-with-access` tells
/// that story), holds access, and no login within `inactive_days` of
/// `--as-of`. A user who never logged in is told apart by when it joined:
/// a new user (joined within the threshold) is `info`, not a stale account;
/// a user whose join date is unknown is `low`, with the reason.
pub fn inactive_user(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let threshold = ctx.policy.thresholds.inactive_days;
    let limit = Duration::days(i64::from(threshold));
    let act = &s.activity;
    let window = Window {
        days: act.window_days,
        start: ts(act.window_start),
        end: ts(act.window_end),
    };
    // Logins are known from the window's start to the earlier of its end and
    // --as-of; a login after --as-of does not count.
    let seen_until = act.window_end.min(ctx.as_of);
    let covered = (seen_until - act.window_start).max(Duration::zero());
    let covered_days = covered.num_days();
    let short = covered < limit;
    let mut out = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        let p = Principal::User(i);
        if u.disabled || u.locked || g.grants_of(p).is_empty() {
            continue;
        }
        let seen = g.last_login(i);
        let counted = seen.filter(|l| l.last_login <= ctx.as_of);
        let after = seen
            .filter(|l| l.last_login > ctx.as_of)
            .map(|l| ts(l.last_login));
        let base = |kind: &str, message: String| {
            Draft::new(Rule::InactiveUser, message)
                .principal(principal_of(g, p))
                .scope(&Scope::Account)
                .evidence("kind", kind)
                .evidence("inactive_days", threshold)
                .evidence("as_of", ts(ctx.as_of))
                .evidence("activity_window", &window)
                .evidence("days_of_login_evidence", covered_days)
                .evidence("window_shorter_than_threshold", short)
                .evidence("login_after_as_of", &after)
                .evidence("user_status", u.status())
                .evidence("api_activity", API_ACTIVITY_NOTE)
        };
        if let Some(l) = counted {
            let age = ctx.as_of - l.last_login;
            if age <= limit {
                continue;
            }
            let days = age.num_days();
            out.push(
                base(
                    "stale",
                    format!(
                        "Last login {} ({days} days before {}), beyond the {threshold}-day threshold.",
                        l.last_login.date_naive(),
                        ctx.as_of.date_naive()
                    ),
                )
                .evidence("last_login", ts(l.last_login))
                .evidence("days_since_last_login", days)
                .evidence("login_events_in_window", l.events),
            );
            continue;
        }
        let not_proof = if short {
            format!(
                " The login evidence covers {covered_days} days, fewer than the {threshold}-day threshold, so absence of a login is not proof; pull with --activity-days {threshold} or more."
            )
        } else {
            String::new()
        };
        let later = match &after {
            Some(t) => format!(" A login at {t}, after --as-of, is not counted."),
            None => String::new(),
        };
        let joined = joined(ctx, i);
        let with_join = |d: Draft, at: Option<DateTime<Utc>>| {
            d.evidence("last_login", None::<String>)
                .evidence("joined", at.map(ts))
                .evidence("join_evidence", joined.source())
        };
        let draft = match joined {
            Joined::Added(at) | Joined::Scim(at) if at > ctx.as_of => continue,
            Joined::Added(at) | Joined::Scim(at) if at >= act.window_start || short => {
                let days = (ctx.as_of - at).num_days();
                if ctx.as_of - at <= limit {
                    with_join(
                        base(
                            "new-not-logged-in-yet",
                            format!(
                                "Has not logged in yet; joined {days} days ago ({}, {}), within the {threshold}-day threshold.{later}",
                                at.date_naive(),
                                joined.source()
                            ),
                        ),
                        Some(at),
                    )
                    .severity(Severity::Info)
                } else {
                    with_join(
                        base(
                            "never-logged-in",
                            format!(
                                "Never logged in since joining {days} days ago ({}, {}).{later}{not_proof}",
                                at.date_naive(),
                                joined.source()
                            ),
                        ),
                        Some(at),
                    )
                    .severity(if short { Severity::Low } else { Severity::Medium })
                }
            }
            Joined::SincePrevious(prev) => {
                let days = (ctx.as_of - prev).num_days();
                let (kind, severity) = if ctx.as_of - prev <= limit {
                    ("new-not-logged-in-yet", Severity::Info)
                } else {
                    ("no-login-join-date-unknown", Severity::Low)
                };
                with_join(
                    base(
                        kind,
                        format!(
                            "Has not logged in; not in the previous review's snapshot ({}), so joined at most {days} days ago.{later}",
                            prev.date_naive()
                        ),
                    ),
                    None,
                )
                .evidence("joined_after", ts(prev))
                .severity(severity)
            }
            // Added before the window (or created by SCIM before it): the user
            // existed throughout the evidence.
            Joined::BeforeWindow | Joined::Added(_) | Joined::Scim(_) => {
                let at = match joined {
                    Joined::Added(at) | Joined::Scim(at) => Some(at),
                    _ => None,
                };
                with_join(
                    base(
                        "no-login-in-window",
                        format!(
                            "No login in the {covered_days} days from {} to {}; the user was added before that ({}).{later}{not_proof}",
                            act.window_start.date_naive(),
                            seen_until.date_naive(),
                            joined.source()
                        ),
                    ),
                    at,
                )
                .evidence("no_login_in_days", covered_days)
                .severity(if short { Severity::Low } else { Severity::Medium })
            }
            Joined::Unknown => with_join(
                base(
                    "no-login-join-date-unknown",
                    format!(
                        "No login in the {covered_days} days from {} to {}; when the user joined is unknown (this snapshot has no user-addition evidence), so this may be a new account as well as a stale one.{later}{not_proof}",
                        act.window_start.date_naive(),
                        seen_until.date_naive()
                    ),
                ),
                None,
            )
            .evidence("no_login_in_days", covered_days)
            .severity(Severity::Low),
        };
        out.push(draft);
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use crate::findings::Rule;
    use crate::snapshot::Scope;
    use crate::testkit::*;

    #[test]
    fn every_inactive_user_kind_is_documented_in_rules_md() {
        let rules = include_str!("../../../docs/rules.md");
        for kind in [
            "stale",
            "no-login-in-window",
            "never-logged-in",
            "new-not-logged-in-yet",
            "no-login-join-date-unknown",
        ] {
            assert!(rules.contains(&format!("| `{kind}` |")), "{kind}");
        }
    }

    #[test]
    fn inactive_user_fires_beyond_the_threshold_and_a_login_inside_is_active() {
        let mut f = Fixture::new();
        let now = f.as_of;
        f.viewer("recent");
        f.viewer("old");
        f.viewer("edge");
        f.set_login("old", Some(now - Duration::days(120)));
        f.set_login("edge", Some(now - Duration::days(85)));
        let found = f.findings(Rule::InactiveUser);
        assert_eq!(subjects(&found), vec![("old", "account")]);
        // 120 days since the last login, against the default 90.
        assert_evidence!("inactive_user_stale", found[0]);
        // --as-of moves the clock: as of 30 days ago, 120 days was 90, not
        // beyond the threshold; and yesterday's login of "recent" had not
        // happened yet.
        f.as_of = now - Duration::days(30);
        let found = f.findings(Rule::InactiveUser);
        assert_eq!(subjects(&found), vec![("recent", "account")]);
        assert!(found[0].message.contains("after --as-of, is not counted"));
        // Outside the activity window no login is known: the rule is not
        // evaluated, and says why.
        f.as_of = now + Duration::days(10);
        let ev = f.evaluate();
        assert!(ev.findings.iter().all(|x| x.rule != "inactive-user"));
        let (_, why) = ev
            .rules_not_evaluated
            .iter()
            .find(|(r, _)| *r == "inactive-user")
            .unwrap();
        assert!(why.contains("lies outside the activity window"), "{why}");
        // And the policy moves the threshold.
        f.as_of = now;
        f.policy_toml("[thresholds]\ninactive_days = 80\n");
        assert_eq!(f.findings(Rule::InactiveUser).len(), 2);
    }

    /// Marks the fixture as a pull that read every user addition of its
    /// window (so a user with none was added before it).
    fn additions_read(f: &mut Fixture) {
        f.snapshot
            .completeness
            .lists
            .push(crate::snapshot::ListCompleteness {
                endpoint: crate::snapshot::USER_ADDITIONS_LIST.into(),
                scope: Scope::Account,
                total_items: Some(0),
                stored: 0,
                pages: 1,
                retries: 0,
                complete: true,
                note: None,
                unverified: None,
            });
    }

    fn joined(f: &mut Fixture, id: &str, days_ago: i64) {
        let at = captured() - chrono::Duration::days(days_ago);
        f.snapshot
            .activity
            .joined
            .push(crate::snapshot::JoinEvidence {
                user: id.into(),
                at,
            });
    }

    fn one(f: &Fixture) -> (String, crate::findings::Severity, String) {
        let found = f.findings(Rule::InactiveUser);
        assert_eq!(found.len(), 1, "{found:?}");
        (
            found[0].evidence["kind"].as_str().unwrap().to_string(),
            found[0].severity,
            found[0].message.clone(),
        )
    }

    #[test]
    fn no_login_with_an_unknown_join_date_says_so_and_is_not_rated_stale() {
        let mut f = Fixture::new();
        f.viewer("ghost");
        f.set_login("ghost", None);
        let (kind, sev, m) = one(&f);
        assert_eq!(kind, "no-login-join-date-unknown");
        assert_eq!(sev, crate::findings::Severity::Low);
        assert!(m.starts_with("No login in the 180 days"), "{m}");
        assert!(m.contains("2026-04-04 to 2026-10-01"), "{m}");
        assert!(m.contains("when the user joined is unknown"), "{m}");
        assert!(!m.to_lowercase().contains("never"), "{m}");
        // The window, no last login, and the limits of the evidence.
        let found = f.findings(Rule::InactiveUser);
        assert_evidence!("inactive_user_no_login_join_date_unknown", found[0]);
    }

    #[test]
    fn added_before_the_window_and_never_seen_is_a_stale_account() {
        let mut f = Fixture::new();
        f.viewer("ghost");
        f.set_login("ghost", None);
        additions_read(&mut f);
        let (kind, sev, m) = one(&f);
        assert_eq!(kind, "no-login-in-window");
        assert_eq!(sev, crate::findings::Severity::Medium);
        assert!(m.contains("added before that"), "{m}");
    }

    #[test]
    fn a_user_added_last_week_is_new_not_inactive() {
        let mut f = Fixture::new();
        f.viewer("newbie");
        f.set_login("newbie", None);
        additions_read(&mut f);
        joined(&mut f, "newbie", 6);
        let (kind, sev, m) = one(&f);
        assert_eq!(kind, "new-not-logged-in-yet");
        assert_eq!(sev, crate::findings::Severity::Info);
        assert!(m.contains("joined 6 days ago"), "{m}");
        // Near miss: joined 120 days ago and never seen is a stale account.
        let mut f = Fixture::new();
        f.viewer("old");
        f.set_login("old", None);
        additions_read(&mut f);
        joined(&mut f, "old", 120);
        let (kind, sev, m) = one(&f);
        assert_eq!(kind, "never-logged-in");
        assert_eq!(sev, crate::findings::Severity::Medium);
        assert!(
            m.contains("Never logged in since joining 120 days ago"),
            "{m}"
        );
    }

    #[test]
    fn the_join_date_comes_from_scim_or_the_previous_review_when_there_is_no_event() {
        let mut f = Fixture::new();
        f.viewer("scimmed");
        f.set_login("scimmed", None);
        f.snapshot.scim = Some(crate::snapshot::Scim {
            users: vec![crate::snapshot::ScimUser {
                id: "scimmed".into(),
                user_name: "scimmed@example.com".into(),
                external_id: None,
                active: true,
                emails: vec![],
                created: Some(captured() - chrono::Duration::days(3)),
            }],
            groups: vec![],
        });
        let (kind, _, m) = one(&f);
        assert_eq!(kind, "new-not-logged-in-yet");
        assert!(m.contains("SCIM meta.created"), "{m}");

        // Absent from last quarter's snapshot (taken 30 days ago): new.
        let mut f = Fixture::new();
        f.viewer("recent");
        f.set_login("recent", None);
        let mut prev = f.snapshot.clone();
        prev.users.retain(|u| u.id.as_str() != "recent");
        prev.provenance.finished_at = captured() - chrono::Duration::days(30);
        let g = crate::graph::AccessGraph::build(&f.snapshot);
        let prev = crate::findings::PreviousReview::of(&prev);
        let ev = crate::findings::evaluate_since(&g, &f.policy, f.as_of, None, Some(&prev));
        let found: Vec<_> = ev
            .findings
            .iter()
            .filter(|x| x.rule == "inactive-user")
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence["kind"], "new-not-logged-in-yet");
        assert_eq!(found[0].severity, crate::findings::Severity::Info);
        // In last quarter's snapshot too: not known to be new.
        let same = crate::findings::PreviousReview::of(&f.snapshot);
        let ev = crate::findings::evaluate_since(&g, &f.policy, f.as_of, None, Some(&same));
        let found: Vec<_> = ev
            .findings
            .iter()
            .filter(|x| x.rule == "inactive-user")
            .collect();
        assert_eq!(found[0].evidence["kind"], "no-login-join-date-unknown");
    }

    #[test]
    fn a_login_after_as_of_does_not_count() {
        let mut f = Fixture::new();
        f.viewer("late");
        additions_read(&mut f);
        // Logged in yesterday; the review is as of 100 days ago.
        f.as_of = captured() - chrono::Duration::days(100);
        let (kind, _, m) = one(&f);
        assert_eq!(kind, "no-login-in-window");
        assert!(m.contains("after --as-of, is not counted"), "{m}");
        // The evidence before --as-of covers 80 days of a 180-day window:
        // fewer than the 90-day threshold, so it is not proof.
        assert!(m.contains("not proof"), "{m}");
        let found = f.findings(Rule::InactiveUser);
        assert_eq!(found[0].evidence["window_shorter_than_threshold"], true);
        assert_eq!(found[0].severity, crate::findings::Severity::Low);
        // Near miss: as of now, yesterday's login keeps the user active.
        f.as_of = captured();
        assert!(f.findings(Rule::InactiveUser).is_empty());
    }

    #[test]
    fn a_window_shorter_than_the_threshold_says_absence_is_not_proof() {
        let mut f = Fixture::new();
        f.viewer("ghost");
        f.set_login("ghost", None);
        additions_read(&mut f);
        f.snapshot.activity.window_days = 30;
        f.snapshot.activity.window_start = captured() - chrono::Duration::days(30);
        let (_, sev, m) = one(&f);
        assert!(
            m.contains("covers 30 days, fewer than the 90-day threshold"),
            "{m}"
        );
        assert_eq!(sev, crate::findings::Severity::Low);
    }

    #[test]
    fn a_policy_severity_still_wins_over_the_finding_s_own() {
        let mut f = Fixture::new();
        f.viewer("newbie");
        f.set_login("newbie", None);
        joined(&mut f, "newbie", 6);
        f.policy_toml("[rules.inactive-user]\nseverity = \"high\"\n");
        let (_, sev, _) = one(&f);
        assert_eq!(sev, crate::findings::Severity::High);
    }

    #[test]
    fn inactive_user_needs_access_and_an_enabled_account() {
        let mut f = Fixture::new();
        f.user("no_access");
        f.set_login("no_access", None);
        f.viewer("disabled");
        f.set_login("disabled", None);
        f.user_mut("disabled").disabled = true;
        assert!(f.findings(Rule::InactiveUser).is_empty());
    }
}
