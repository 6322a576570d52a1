//! Running the rules: each rule family returns drafts; this module turns
//! them into [`Finding`]s (stable id, severity after the policy, controls,
//! exemption), sorts them, and decides whether a run fails.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::policy::{Level, Policy};
use super::roster::Roster;
use super::{Finding, FindingPrincipal, Rule, Severity};
use crate::graph::{AccessGraph, GroupRef, Principal, Via};
use crate::snapshot::{Scope, Snapshot, Unread, UnreadKind};

/// What every rule reads.
pub struct Ctx<'a, 's> {
    /// The graph (and through it, the snapshot).
    pub graph: &'a AccessGraph<'s>,
    /// The effective policy.
    pub policy: &'a Policy,
    /// The time inactivity and expiry are measured against.
    pub as_of: DateTime<Utc>,
    /// The workforce roster (`--roster`), when one was given.
    pub roster: Option<&'a Roster>,
    /// The previous review (`diff`, `run --previous`): a user absent from
    /// it joined since.
    pub previous: Option<&'a PreviousReview>,
}

/// What a review needs of the previous one: when it was captured and who
/// was there.
#[derive(Debug, Clone)]
pub struct PreviousReview {
    /// The previous snapshot's capture time.
    pub captured_at: DateTime<Utc>,
    /// Its users.
    pub users: std::collections::HashSet<crate::snapshot::UserId>,
}

impl PreviousReview {
    /// The parts of `s` a later review needs.
    pub fn of(s: &Snapshot) -> PreviousReview {
        PreviousReview {
            captured_at: s.captured_at(),
            users: s.users.iter().map(|u| u.id.clone()).collect(),
        }
    }
}

impl<'s> Ctx<'_, 's> {
    /// The snapshot.
    pub fn snapshot(&self) -> &'s Snapshot {
        self.graph.snapshot()
    }
}

/// A finding before the policy is applied.
#[derive(Debug, Clone)]
pub struct Draft {
    rule: Rule,
    principal: Option<FindingPrincipal>,
    scope: Option<String>,
    message: String,
    evidence: BTreeMap<String, serde_json::Value>,
    keys: Vec<String>,
    severity: Option<Severity>,
}

impl Draft {
    /// A draft of `rule` with its one-sentence message.
    pub fn new(rule: Rule, message: impl Into<String>) -> Draft {
        Draft {
            rule,
            principal: None,
            scope: None,
            message: message.into(),
            evidence: BTreeMap::new(),
            keys: Vec::new(),
            severity: None,
        }
    }

    /// The severity this finding warrants when it differs from the rule's
    /// default (a never-logged-in new user is not a stale account); a
    /// severity the policy sets for the rule still wins.
    pub fn severity(mut self, s: Severity) -> Draft {
        self.severity = Some(s);
        self
    }

    /// Who it is about.
    pub fn principal(mut self, p: FindingPrincipal) -> Draft {
        self.principal = Some(p);
        self
    }

    /// The scope it concerns.
    pub fn scope(mut self, s: &Scope) -> Draft {
        self.scope = Some(s.to_string());
        self
    }

    /// One fact behind it.
    pub fn evidence(mut self, key: &str, value: impl Serialize) -> Draft {
        let v = serde_json::to_value(value).expect("evidence serialises");
        self.evidence.insert(key.to_string(), v);
        self
    }

    /// An evidence key that tells this finding apart from others of the
    /// same rule, principal and scope (such as an assignment id); part of
    /// the stable id.
    pub fn key(mut self, key: impl Into<String>) -> Draft {
        self.keys.push(key.into());
        self
    }
}

/// The stable id: the first 16 hex digits of SHA-256 over
/// `rule|principal|scope|key1,key2,...`.
pub fn finding_id(rule: &str, principal: &str, scope: &str, keys: &[String]) -> String {
    let text = format!("{rule}|{principal}|{scope}|{}", keys.join(","));
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The outcome of running every rule.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Findings, sorted (severity descending, rule, principal id, scope, id).
    pub findings: Vec<Finding>,
    /// Rule codes that ran.
    pub rules_evaluated: Vec<&'static str>,
    /// Rule codes that did not run, with why.
    pub rules_not_evaluated: Vec<(&'static str, String)>,
}

/// Which rules a policy runs on a snapshot as of a time, with or without a
/// roster, and why each other rule does not run: not built into `report`,
/// needs `--roster`, allowed by the policy, the evidence it reads was not
/// readable by the pulling key (`completeness.unread`), or `--as-of` lies
/// outside the activity window.
pub fn rules_plan_with(
    policy: &Policy,
    roster: bool,
    snapshot: &Snapshot,
    as_of: DateTime<Utc>,
) -> (Vec<Rule>, Vec<(Rule, String)>) {
    let mut run = Vec::new();
    let mut skipped = Vec::new();
    for &rule in Rule::ALL {
        let needs_roster = matches!(rule, Rule::NotInRoster | Rule::RosterTerminated);
        let reason = rule
            .not_evaluated_reason()
            .filter(|_| !(roster && needs_roster))
            .map(str::to_string)
            .or_else(|| evidence_gap(rule, &snapshot.completeness.unread))
            .or_else(|| activity_gap(rule, snapshot, as_of));
        if let Some(why) = reason {
            skipped.push((rule, why));
        } else if policy.rule(rule).level == Level::Allow {
            skipped.push((rule, "level = \"allow\" in the policy".to_string()));
        } else {
            run.push(rule);
        }
    }
    (run, skipped)
}

/// Why `inactive-user` cannot run: `--as-of` lies outside the activity
/// window (up to the capture time), where no login is known.
fn activity_gap(rule: Rule, s: &Snapshot, as_of: DateTime<Utc>) -> Option<String> {
    if rule != Rule::InactiveUser {
        return None;
    }
    let start = s.activity.window_start;
    let end = s.activity.window_end.max(s.captured_at());
    (as_of < start || as_of > end).then(|| {
        format!(
            "--as-of {} lies outside the activity window ({} to {}): logins are known only inside it; pass an --as-of inside the window or pull a fresh snapshot",
            ts(as_of),
            ts(start),
            ts(end)
        )
    })
}

/// Why `rule` cannot run on evidence the key could not read: the token rules
/// need every service account's API keys and tokens, and a rule run on part
/// of them would pass the rest silently.
fn evidence_gap(rule: Rule, unread: &[Unread]) -> Option<String> {
    if !matches!(rule, Rule::TokenLongLived | Rule::TokenExpiredNotRemoved) {
        return None;
    }
    let gap = unread
        .iter()
        .find(|u| matches!(u.what, UnreadKind::ApiKeys | UnreadKind::Tokens))?;
    Some(format!(
        "service accounts' API keys and tokens were not read: the pulling key lacks {}",
        gap.needs
            .as_deref()
            .unwrap_or("the permission to list them")
    ))
}

/// Runs every rule the policy does not `allow` against the graph, without a
/// roster (the roster rules are listed as not evaluated).
pub fn evaluate(graph: &AccessGraph<'_>, policy: &Policy, as_of: DateTime<Utc>) -> Evaluation {
    evaluate_with(graph, policy, as_of, None)
}

/// Like [`evaluate`], with the workforce roster when one is given.
pub fn evaluate_with(
    graph: &AccessGraph<'_>,
    policy: &Policy,
    as_of: DateTime<Utc>,
    roster: Option<&Roster>,
) -> Evaluation {
    evaluate_since(graph, policy, as_of, roster, None)
}

/// Like [`evaluate_with`], knowing the previous review's snapshot (users
/// absent from it joined since).
pub fn evaluate_since(
    graph: &AccessGraph<'_>,
    policy: &Policy,
    as_of: DateTime<Utc>,
    roster: Option<&Roster>,
    previous: Option<&PreviousReview>,
) -> Evaluation {
    let ctx = Ctx {
        graph,
        policy,
        as_of,
        roster,
        previous,
    };
    let (rules, skipped) = rules_plan_with(policy, roster.is_some(), graph.snapshot(), as_of);
    let mut out = Evaluation {
        rules_not_evaluated: skipped
            .into_iter()
            .map(|(r, why)| (r.code(), why))
            .collect(),
        ..Evaluation::default()
    };
    let mut drafts = Vec::new();
    for rule in rules {
        out.rules_evaluated.push(rule.code());
        drafts.extend(run(rule, &ctx));
    }
    out.findings = one_story_per_disabled_user(drafts)
        .into_iter()
        .map(|d| finish(d, &ctx))
        .collect();
    sort_findings(&mut out.findings);
    out
}

/// Rules whose finding on a disabled or locked user is folded into its
/// `disabled-user-with-access` finding: with the account switched off they
/// describe access nobody can use until it is switched back on, and the fix
/// is the same (remove the access).
pub const FOLDED_INTO_DISABLED_USER: &[Rule] = &[
    Rule::PrivilegeEscalationPath,
    Rule::InactiveUser,
    Rule::UnmanagedUser,
    Rule::AdminWithout2fa,
    Rule::DirectUserGrant,
    Rule::BroadSecretAccess,
    Rule::SodConflict,
];

/// One story per disabled or locked user: drafts of
/// [`FOLDED_INTO_DISABLED_USER`] about a user who has a
/// `disabled-user-with-access` draft become entries of its `also_found`
/// evidence (rule, scope, message) and are named in its message. Admin
/// inventory (`admin-access`) and the roster rules (another source of
/// evidence) stay findings of their own.
fn one_story_per_disabled_user(drafts: Vec<Draft>) -> Vec<Draft> {
    let holders: std::collections::HashSet<String> = drafts
        .iter()
        .filter(|d| d.rule == Rule::DisabledUserWithAccess)
        .filter_map(|d| d.principal.as_ref().map(|p| p.id.clone()))
        .collect();
    let mut folded: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    let mut kept = Vec::with_capacity(drafts.len());
    for d in drafts {
        let holder = d
            .principal
            .as_ref()
            .map(|p| p.id.clone())
            .filter(|id| holders.contains(id));
        match holder {
            Some(id) if FOLDED_INTO_DISABLED_USER.contains(&d.rule) => {
                folded.entry(id).or_default().push(serde_json::json!({
                    "rule": d.rule.code(),
                    "scope": d.scope,
                    "message": d.message,
                }));
            }
            _ => kept.push(d),
        }
    }
    for d in &mut kept {
        if d.rule != Rule::DisabledUserWithAccess {
            continue;
        }
        let also = d
            .principal
            .as_ref()
            .and_then(|p| folded.remove(&p.id))
            .unwrap_or_default();
        if !also.is_empty() {
            let mut rules: Vec<&str> = also.iter().filter_map(|v| v["rule"].as_str()).collect();
            rules.dedup();
            d.message = format!(
                "{} Folded in here (they apply once the user is switched back on): {}.",
                d.message,
                rules.join(", ")
            );
        }
        d.evidence
            .insert("also_found".into(), serde_json::Value::Array(also));
    }
    kept
}

fn run(rule: Rule, ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    use super::{activity, admin, escalation, grants, hygiene, names, roster, tokens};
    match rule {
        Rule::AdminAccess => admin::admin_access(ctx),
        Rule::ExcessAdmins => admin::excess_admins(ctx),
        Rule::AdminWithout2fa => admin::admin_without_2fa(ctx),
        Rule::ServiceAccountAdmin => admin::service_account_admin(ctx),
        Rule::PrivilegeEscalationPath => escalation::privilege_escalation_path(ctx),
        Rule::InactiveUser => activity::inactive_user(ctx),
        Rule::DisabledUserWithAccess => activity::disabled_user_with_access(ctx),
        Rule::UnmanagedUser => activity::unmanaged_user(ctx),
        Rule::UnmanagedPrivilegedGroup => activity::unmanaged_privileged_group(ctx),
        Rule::DirectUserGrant => grants::direct_user_grant(ctx),
        Rule::AllUsersGroupPrivileged => grants::all_users_group_privileged(ctx),
        Rule::BroadSecretAccess => grants::broad_secret_access(ctx),
        Rule::SodConflict => grants::sod_conflict(ctx),
        Rule::TokenLongLived => tokens::token_long_lived(ctx),
        Rule::TokenExpiredNotRemoved => tokens::token_expired_not_removed(ctx),
        Rule::ServiceAccountNoOwner => tokens::service_account_no_owner(ctx),
        Rule::OrphanedAssignment => hygiene::orphaned_assignment(ctx),
        Rule::EmptyPrivilegedGroup => hygiene::empty_privileged_group(ctx),
        Rule::DisabledAssignment => hygiene::disabled_assignment(ctx),
        Rule::UnknownGroupMember => hygiene::unknown_group_member(ctx),
        Rule::DeceptiveName => names::deceptive_name(ctx),
        Rule::PopulationIncomplete => hygiene::population_incomplete(ctx),
        Rule::NotInRoster => roster::not_in_roster(ctx),
        Rule::RosterTerminated => roster::roster_terminated(ctx),
        Rule::RevocationNotDone => Vec::new(),
    }
}

fn finish(d: Draft, ctx: &Ctx<'_, '_>) -> Finding {
    let principal_id = d.principal.as_ref().map_or("", |p| p.id.as_str());
    let scope = d.scope.as_deref().unwrap_or("");
    let id = finding_id(d.rule.code(), principal_id, scope, &d.keys);
    let setting = ctx.policy.rule(d.rule);
    let severity = match d.severity {
        Some(own) if setting.severity == setting.default_severity => own,
        _ => setting.severity,
    };
    let mut f = Finding {
        id,
        rule: d.rule.code().to_string(),
        severity,
        principal: d.principal,
        scope: d.scope,
        message: d.message,
        evidence: d.evidence,
        controls: d.rule.controls(),
        exempted: None,
    };
    f.exempted = ctx.policy.exemption_for(&f, ctx.as_of);
    f
}

/// Sorts findings: severity descending, then rule, principal id, scope, id.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| principal_key(a).cmp(principal_key(b)))
            .then_with(|| a.scope.cmp(&b.scope))
            .then_with(|| a.id.cmp(&b.id))
    });
}

fn principal_key(f: &Finding) -> &str {
    f.principal.as_ref().map_or("", |p| p.id.as_str())
}

/// The non-exempt findings that fail a run: at or above `fail_on`, or of a
/// rule the policy sets to `deny`.
pub fn failing<'f>(
    findings: &'f [Finding],
    policy: &Policy,
    fail_on: Option<Severity>,
) -> Vec<&'f Finding> {
    findings
        .iter()
        .filter(|f| !f.is_exempt())
        .filter(|f| {
            fail_on.is_some_and(|s| f.severity >= s)
                || Rule::parse(&f.rule).is_some_and(|r| policy.rule(r).level == Level::Deny)
        })
        .collect()
}

/// Counts per severity, strongest first, with the exempt ones counted apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Non-exempt findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings hidden by an active exemption.
    pub exempt: usize,
    /// Every finding.
    pub total: usize,
}

impl Counts {
    /// Counts a list of findings.
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            c.total += 1;
            if f.is_exempt() {
                c.exempt += 1;
            } else {
                *c.by_severity.entry(f.severity).or_default() += 1;
            }
        }
        c
    }

    /// `2 critical, 5 high, 0 medium, 1 low, 30 info (3 exempt)`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = Severity::DESCENDING
            .iter()
            .map(|s| format!("{} {s}", self.by_severity.get(s).copied().unwrap_or(0)))
            .collect();
        format!("{} ({} exempt)", parts.join(", "), self.exempt)
    }
}

// --- Helpers shared by the rule families ------------------------------------

/// A user or service account as a finding names it.
pub fn principal_of(graph: &AccessGraph<'_>, p: Principal) -> FindingPrincipal {
    let id = graph.identity(p);
    FindingPrincipal {
        kind: id.kind.to_string(),
        id: id.id,
        name: id.name.to_string(),
        email: id.email.map(str::to_string),
    }
}

/// A user group as a finding names it: `group:SCOPE/ID`.
pub fn group_principal(graph: &AccessGraph<'_>, g: GroupRef) -> FindingPrincipal {
    let (scope, id) = graph.group_scope_and_id(g);
    let name = g
        .index
        .map(|i| graph.snapshot().user_groups[i].name.clone())
        .unwrap_or_else(|| id.to_string());
    FindingPrincipal {
        kind: "user_group".to_string(),
        id: format!("group:{scope}/{id}"),
        name,
        email: None,
    }
}

/// One grant as evidence: the path from the principal to the role.
#[derive(Debug, Clone, Serialize)]
pub struct GrantEvidence {
    /// `direct` or `group:SCOPE/ID`.
    pub via: String,
    /// The role assignment.
    pub assignment_id: String,
    /// Its scope.
    pub assignment_scope: String,
    /// The role.
    pub role_id: String,
    /// The resource group.
    pub resource_group_id: String,
    /// Scopes covered (`/**` marks a subtree).
    pub targets: String,
}

/// The evidence for assignment `ai` held via `via`.
pub fn grant_evidence(graph: &AccessGraph<'_>, via: Via, ai: usize) -> GrantEvidence {
    let a = &graph.snapshot().role_assignments[ai];
    GrantEvidence {
        via: graph.via_label(via),
        assignment_id: a.id.to_string(),
        assignment_scope: a.scope.to_string(),
        role_id: a.role.id.to_string(),
        resource_group_id: a.resource_group.to_string(),
        targets: graph
            .access_of(ai)
            .map(|x| crate::graph::format_targets(&x.targets))
            .unwrap_or_default(),
    }
}

/// RFC 3339 with seconds, UTC.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// "1 grant" / "2 grants".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_16_hex_and_depend_on_every_part() {
        let a = finding_id("direct-user-grant", "u1", "account", &["ra1".into()]);
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            a,
            finding_id("direct-user-grant", "u1", "account", &["ra1".into()])
        );
        assert_ne!(
            a,
            finding_id("direct-user-grant", "u1", "account", &["ra2".into()])
        );
        assert_ne!(
            a,
            finding_id("direct-user-grant", "u2", "account", &["ra1".into()])
        );
        assert_ne!(
            a,
            finding_id("direct-user-grant", "u1", "org:eng", &["ra1".into()])
        );
        // Pinned: the id formula is a contract (diff and decisions use it).
        let text = "admin-access|u1|account|";
        let d = Sha256::digest(text.as_bytes());
        let want: String = d.iter().take(8).map(|b| format!("{b:02x}")).collect();
        assert_eq!(finding_id("admin-access", "u1", "account", &[]), want);
    }
}
