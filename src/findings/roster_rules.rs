//! The two rules that read the workforce roster (`report --roster FILE`):
//! `not-in-roster` (a Harness user with access whom no roster row lists) and
//! `roster-terminated` (a leaver still enabled in Harness). The roster file
//! itself is `roster`'s; these rules only look names up in it, and run only
//! when a roster was given.

use serde::Serialize;

use super::ctx::Ctx;
use super::draft::{plural, principal_of, Draft};
use super::roster::{Roster, RosterEntry};
use super::rule::Rule;
use crate::graph::Principal;
use crate::snapshot::Scope;

#[derive(Serialize)]
struct RosterRow<'a> {
    file: &'a str,
    line: u64,
    status: &'a str,
    termination_date: Option<String>,
    manager: Option<&'a str>,
    emails: &'a [String],
}

fn row_evidence<'a>(roster: &'a Roster, e: &'a RosterEntry) -> RosterRow<'a> {
    RosterRow {
        file: &roster.source.file,
        line: e.line,
        status: &e.status,
        termination_date: e.termination_date.map(|d| d.to_string()),
        manager: e.manager.as_deref(),
        emails: &e.emails,
    }
}

/// `not-in-roster`: an enabled Harness user with access whose email no
/// roster row lists (disabled users are `disabled-user-with-access`'s).
pub fn not_in_roster(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let Some(roster) = ctx.roster else {
        return Vec::new();
    };
    let g = ctx.graph;
    let mut out = Vec::new();
    for (i, u) in ctx.snapshot().users.iter().enumerate() {
        let p = Principal::User(i);
        let grants = g.grants_of(p);
        if u.disabled || grants.is_empty() || !roster.lookup(&u.email).is_empty() {
            continue;
        }
        out.push(
            Draft::new(
                Rule::NotInRoster,
                format!(
                    "No row of the {} roster {} lists this email, yet the user holds {}; highest privilege {}.",
                    roster.source.format,
                    roster.source.file,
                    plural(grants.len(), "grant"),
                    g.highest_level(p)
                ),
            )
            .principal(principal_of(g, p))
            .scope(&Scope::Account)
            .evidence("email", u.email.to_lowercase())
            .evidence("user_status", u.status())
            .evidence("roster", &roster.source)
            .evidence("highest_privilege", g.highest_level(p))
            .evidence("grants", grants.len()),
        );
    }
    out
}

/// `roster-terminated`: a user the roster marks suspended, disabled,
/// deprovisioned or terminated (or whose termination date has passed by
/// `--as-of`), still enabled in Harness with access. A person listed twice
/// (a rehire) counts as present when any of their rows is.
pub fn roster_terminated(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let Some(roster) = ctx.roster else {
        return Vec::new();
    };
    let g = ctx.graph;
    let day = ctx.as_of.date_naive();
    let mut out = Vec::new();
    for (i, u) in ctx.snapshot().users.iter().enumerate() {
        let p = Principal::User(i);
        let grants = g.grants_of(p);
        if u.disabled || grants.is_empty() {
            continue;
        }
        let rows = roster.lookup(&u.email);
        if rows.is_empty() || rows.iter().any(|r| !r.gone_on(day)) {
            continue;
        }
        let row = rows[rows.len() - 1];
        let when = match row.termination_date {
            Some(d) => format!(", termination date {d}"),
            None => String::new(),
        };
        out.push(
            Draft::new(
                Rule::RosterTerminated,
                format!(
                    "The roster says {:?}{when} ({} line {}), but the user is {} in Harness with {}; highest privilege {}.",
                    row.status,
                    roster.source.file,
                    row.line,
                    u.status(),
                    plural(grants.len(), "grant"),
                    g.highest_level(p)
                ),
            )
            .principal(principal_of(g, p))
            .scope(&Scope::Account)
            .evidence("email", u.email.to_lowercase())
            .evidence("roster_status", row.status.as_str())
            .evidence(
                "termination_date",
                row.termination_date.map(|d| d.to_string()),
            )
            .evidence("roster_row", row_evidence(roster, row))
            .evidence("roster", &roster.source)
            .evidence("user_status", u.status())
            .evidence("highest_privilege", g.highest_level(p))
            .evidence("grants", grants.len()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::findings::{Roster, RosterError, Rule};
    use crate::testkit::*;

    fn parse(text: &str) -> Result<Roster, RosterError> {
        Roster::parse("r.csv", text.as_bytes(), None)
    }

    fn fixture() -> Fixture {
        let mut f = Fixture::new();
        for id in ["stays", "left", "alias", "unknown", "disabled", "rehired"] {
            f.viewer(id);
        }
        f.user("no_access");
        f.user_mut("disabled").disabled = true;
        f.user_mut("alias").email = "Alias@Example.com".into();
        f.roster = Some(
            parse(
                "email,status,termination_date,manager,aliases\n\
stays@example.com,active,,boss@example.com,\n\
LEFT@example.com,terminated,2026-09-30,boss@example.com,\n\
a.lias@example.com,active,,,alias@example.com\n\
disabled@example.com,terminated,2026-01-01,,\n\
rehired@example.com,terminated,2025-01-01,,\n\
rehired@example.com,active,,,\n",
            )
            .unwrap(),
        );
        f
    }

    #[test]
    fn not_in_roster_fires_for_an_unlisted_user_with_access_only() {
        let f = fixture();
        let found = f.findings(Rule::NotInRoster);
        // Not no_access (no grants), not disabled (another rule's), not the
        // ones listed directly or through an alias.
        assert_eq!(subjects(&found), vec![("unknown", "account")]);
        assert_evidence!("not_in_roster_unknown", found[0]);
    }

    #[test]
    fn roster_terminated_fires_for_a_leaver_still_enabled_and_not_for_an_active_one() {
        let f = fixture();
        let found = f.findings(Rule::RosterTerminated);
        assert_eq!(subjects(&found), vec![("left", "account")]);
        // The roster's status and date, and the row (line, manager) they
        // come from.
        assert_evidence!("roster_terminated_left", found[0]);
    }

    #[test]
    fn without_a_roster_both_rules_are_not_evaluated() {
        let mut f = fixture();
        f.roster = None;
        let ev = f.evaluate();
        assert!(ev.findings.iter().all(|x| !x.rule.contains("roster")));
        let skipped: Vec<&str> = ev.rules_not_evaluated.iter().map(|x| x.0).collect();
        assert!(skipped.contains(&"not-in-roster") && skipped.contains(&"roster-terminated"));
        let f = fixture();
        let ev = f.evaluate();
        assert!(ev.rules_evaluated.contains(&"roster-terminated"));
    }
}
