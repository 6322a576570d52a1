//! Users and their lifecycle: `inactive-user`, `disabled-user-with-access`
//! and `unmanaged-user`.
//!
//! Activity is what the audit trail showed within the pull's activity
//! window: Harness keeps no "last login" for other users. A user with no
//! login event in the window is reported as "no login in N days" (N the
//! window), never as "never logged in".

use chrono::Duration;
use serde::Serialize;

use super::evaluate::{grant_evidence, plural, principal_of, ts, Ctx, Draft};
use super::Rule;
use crate::graph::Principal;
use crate::snapshot::Scope;

#[derive(Serialize)]
struct Window {
    days: u32,
    start: String,
    end: String,
}

/// `inactive-user`: enabled, holds access, and no login within
/// `inactive_days` of `--as-of`.
pub fn inactive_user(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let threshold = ctx.policy.thresholds.inactive_days;
    let act = &s.activity;
    let window = Window {
        days: act.window_days,
        start: ts(act.window_start),
        end: ts(act.window_end),
    };
    let mut out = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        let p = Principal::User(i);
        if u.disabled || g.grants_of(p).is_empty() {
            continue;
        }
        let base = |message: String| {
            Draft::new(Rule::InactiveUser, message)
                .principal(principal_of(g, p))
                .scope(&Scope::Account)
                .evidence("inactive_days", threshold)
                .evidence("as_of", ts(ctx.as_of))
                .evidence("activity_window", &window)
                .evidence("user_status", u.status())
        };
        match g.last_login(i) {
            Some(l) => {
                let age = ctx.as_of - l.last_login;
                if age <= Duration::days(i64::from(threshold)) {
                    continue;
                }
                let days = age.num_days();
                out.push(
                    base(format!(
                        "Last login {} ({days} days before {}), beyond the {threshold}-day threshold.",
                        l.last_login.date_naive(),
                        ctx.as_of.date_naive()
                    ))
                    .evidence("last_login", ts(l.last_login))
                    .evidence("days_since_last_login", days)
                    .evidence("login_events_in_window", l.events),
                );
            }
            None => {
                let caveat = if act.window_days < threshold {
                    format!(
                        " The window is shorter than the {threshold}-day threshold; pull with --activity-days {threshold} or more to confirm."
                    )
                } else {
                    String::new()
                };
                out.push(
                    base(format!(
                        "No login in {} days (no LOGIN event in the activity window {} to {}).{caveat}",
                        act.window_days,
                        act.window_start.date_naive(),
                        act.window_end.date_naive()
                    ))
                    .evidence("last_login", None::<String>)
                    .evidence("no_login_in_days", act.window_days),
                );
            }
        }
    }
    out
}

/// `disabled-user-with-access`: a disabled or locked user still holding
/// grants.
pub fn disabled_user_with_access(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut out = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        if !u.disabled && !u.locked {
            continue;
        }
        let p = Principal::User(i);
        let grants = g.grants_of(p);
        if grants.is_empty() {
            continue;
        }
        let paths: Vec<_> = grants
            .iter()
            .map(|x| grant_evidence(g, x.via, x.assignment))
            .collect();
        let mut assignment_ids: Vec<&str> =
            paths.iter().map(|x| x.assignment_id.as_str()).collect();
        assignment_ids.dedup();
        out.push(
            Draft::new(
                Rule::DisabledUserWithAccess,
                format!(
                    "User is {} but still holds {} through {}; highest privilege {}.",
                    u.status(),
                    plural(grants.len(), "grant"),
                    plural(assignment_ids.len(), "role assignment"),
                    g.highest_level(p)
                ),
            )
            .principal(principal_of(g, p))
            .scope(&Scope::Account)
            .evidence("user_status", u.status())
            .evidence("disabled", u.disabled)
            .evidence("locked", u.locked)
            .evidence("highest_privilege", g.highest_level(p))
            .evidence("grants", &paths),
        );
    }
    out
}

/// `unmanaged-user`: where the account uses SCIM (inferred: some users are
/// externally managed), an enabled user with access that is not.
pub fn unmanaged_user(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let scim = s.users.iter().filter(|u| u.externally_managed).count();
    if scim == 0 {
        return Vec::new();
    }
    let inference = format!(
        "inferred: {scim} of {} users are externally managed, so the account is taken to use SCIM (reviewpack has no direct SCIM configuration evidence yet)",
        s.users.len()
    );
    let mut out = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        let p = Principal::User(i);
        if u.disabled || u.externally_managed || g.grants_of(p).is_empty() {
            continue;
        }
        out.push(
            Draft::new(
                Rule::UnmanagedUser,
                format!(
                    "Not provisioned by SCIM, while {scim} of {} users are; highest privilege {}.",
                    s.users.len(),
                    g.highest_level(p)
                ),
            )
            .principal(principal_of(g, p))
            .scope(&Scope::Account)
            .evidence("externally_managed", false)
            .evidence("scim_users", scim)
            .evidence("users", s.users.len())
            .evidence("scim_in_use", inference.as_str())
            .evidence("highest_privilege", g.highest_level(p)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::super::testkit::*;
    use crate::findings::Rule;
    use crate::snapshot::Scope;

    fn viewer(f: &mut Fixture, id: &str) {
        f.user(id);
        f.assign(&Scope::Account, user(id), "_account_viewer", ALL_ACCOUNT);
    }

    #[test]
    fn inactive_user_fires_beyond_the_threshold_and_a_login_inside_is_active() {
        let mut f = Fixture::new();
        let now = f.as_of;
        viewer(&mut f, "recent");
        viewer(&mut f, "old");
        viewer(&mut f, "edge");
        f.set_login("old", Some(now - Duration::days(120)));
        f.set_login("edge", Some(now - Duration::days(85)));
        let found = f.findings(Rule::InactiveUser);
        assert_eq!(subjects(&found), vec![("old", "account")]);
        assert_eq!(found[0].evidence["days_since_last_login"], 120);
        assert_eq!(found[0].evidence["inactive_days"], 90);
        // --as-of moves the clock: 85 days becomes 95.
        f.as_of = now + Duration::days(10);
        let found = f.findings(Rule::InactiveUser);
        assert_eq!(
            subjects(&found),
            vec![("edge", "account"), ("old", "account")]
        );
        // And the policy moves the threshold.
        f.as_of = now;
        f.policy_toml("[thresholds]\ninactive_days = 80\n");
        assert_eq!(f.findings(Rule::InactiveUser).len(), 2);
    }

    #[test]
    fn no_login_in_the_window_says_no_login_in_n_days_never_never_logged_in() {
        let mut f = Fixture::new();
        viewer(&mut f, "ghost");
        f.set_login("ghost", None);
        let found = f.findings(Rule::InactiveUser);
        assert_eq!(found.len(), 1);
        let m = &found[0].message;
        assert!(m.starts_with("No login in 180 days"), "{m}");
        assert!(m.contains("2026-04-04 to 2026-10-01"), "{m}");
        assert!(!m.to_lowercase().contains("never"), "{m}");
        assert_eq!(found[0].evidence["activity_window"]["days"], 180);
        assert_eq!(found[0].evidence["last_login"], serde_json::Value::Null);
    }

    #[test]
    fn inactive_user_needs_access_and_an_enabled_account() {
        let mut f = Fixture::new();
        f.user("no_access");
        f.set_login("no_access", None);
        viewer(&mut f, "disabled");
        f.set_login("disabled", None);
        f.user_mut("disabled").disabled = true;
        assert!(f.findings(Rule::InactiveUser).is_empty());
    }

    #[test]
    fn disabled_or_locked_users_with_grants_fire_and_enabled_ones_do_not() {
        let mut f = Fixture::new();
        viewer(&mut f, "gavin");
        viewer(&mut f, "pablo");
        viewer(&mut f, "ok");
        f.user("gone");
        f.user_mut("gavin").disabled = true;
        f.user_mut("pablo").locked = true;
        f.user_mut("gone").disabled = true;
        let found = f.findings(Rule::DisabledUserWithAccess);
        assert_eq!(
            subjects(&found),
            vec![("gavin", "account"), ("pablo", "account")]
        );
        assert_eq!(found[0].evidence["grants"][0]["assignment_id"], "ra0");
        assert_eq!(found[1].evidence["user_status"], "locked");
    }

    #[test]
    fn unmanaged_user_fires_only_where_scim_is_in_use() {
        let mut f = Fixture::new();
        viewer(&mut f, "manual");
        viewer(&mut f, "scim");
        // Nobody is SCIM-provisioned: no SCIM, no finding.
        assert!(f.findings(Rule::UnmanagedUser).is_empty());
        f.user_mut("scim").externally_managed = true;
        let found = f.findings(Rule::UnmanagedUser);
        assert_eq!(subjects(&found), vec![("manual", "account")]);
        assert!(found[0].evidence["scim_in_use"]
            .as_str()
            .unwrap()
            .starts_with("inferred"));
    }
}
