//! Running the rules: plan which rules run, run each rule family, fold the
//! findings about a disabled user into one story, turn the drafts into
//! [`Finding`]s (stable id, severity after the policy, controls, exemption)
//! and sort them.
//!
//! This module depends on every rule file; the rule files depend only on
//! what they read (`ctx`) and write (`draft`), never on this one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::ctx::{Ctx, PreviousReview};
use super::draft::{finding_id, ts, Draft};
use super::finding::Finding;
use super::policy::{Level, Policy};
use super::roster::Roster;
use super::rule::Rule;
use super::{activity, admin, escalation, grants, hygiene, names, roster_rules, tokens};
use crate::graph::AccessGraph;
use crate::snapshot::{Snapshot, Unread, UnreadKind};

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
        exemptions: super::policy::ExemptionIndex::new(&policy.exemptions),
    };
    let (rules, skipped) = rules_plan_with(policy, roster.is_some(), graph.snapshot(), as_of);
    let mut out = Evaluation {
        rules_not_evaluated: skipped
            .into_iter()
            .map(|(r, why)| (r.code(), why))
            .collect(),
        ..Evaluation::default()
    };
    out.rules_evaluated = rules.iter().map(|r| r.code()).collect();
    let drafts: Vec<Draft> = run_all(&rules, &ctx).into_iter().flatten().collect();
    out.findings = one_story_per_disabled_user(drafts)
        .into_iter()
        .map(|d| finish(d, &ctx))
        .collect();
    sort_findings(&mut out.findings);
    out
}

/// Every rule's drafts, in the rules' order, the rules shared out over
/// every core (they only read the graph; the escalation search is the
/// longest, so each thread takes the next rule as it finishes one).
fn run_all(rules: &[Rule], ctx: &Ctx<'_, '_>) -> Vec<Vec<Draft>> {
    let order: Vec<usize> = (0..rules.len()).collect();
    crate::parallel::map_in_order(&order, |i| run(rules[i], ctx))
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
        Rule::NotInRoster => roster_rules::not_in_roster(ctx),
        Rule::RosterTerminated => roster_rules::roster_terminated(ctx),
        Rule::RevocationNotDone | Rule::ModificationNotDone | Rule::RemediationLate => Vec::new(),
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
    f.exempted = ctx.exemptions.status_for(&f, ctx.as_of);
    f
}

/// Sorts findings: severity descending, then rule, principal id, scope, id.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(finding_order);
}

/// The order of every findings list: severity descending, then rule,
/// principal id, scope, id.
pub fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| principal_key(a).cmp(principal_key(b)))
        .then_with(|| a.scope.cmp(&b.scope))
        .then_with(|| a.id.cmp(&b.id))
}

fn principal_key(f: &Finding) -> &str {
    f.principal.as_ref().map_or("", |p| p.id.as_str())
}
