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
        }
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

/// Which rules a policy runs on a snapshot, with or without a roster, and
/// why each other rule does not run: not built into `report`, needs
/// `--roster`, allowed by the policy, or the evidence it reads was not
/// readable by the pulling key (`completeness.unread`).
pub fn rules_plan_with(
    policy: &Policy,
    roster: bool,
    unread: &[Unread],
) -> (Vec<Rule>, Vec<(Rule, String)>) {
    let mut run = Vec::new();
    let mut skipped = Vec::new();
    for &rule in Rule::ALL {
        let needs_roster = matches!(rule, Rule::NotInRoster | Rule::RosterTerminated);
        let reason = rule
            .not_evaluated_reason()
            .filter(|_| !(roster && needs_roster))
            .map(str::to_string)
            .or_else(|| evidence_gap(rule, unread));
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
    let ctx = Ctx {
        graph,
        policy,
        as_of,
        roster,
    };
    let unread = &graph.snapshot().completeness.unread;
    let (rules, skipped) = rules_plan_with(policy, roster.is_some(), unread);
    let mut out = Evaluation {
        rules_not_evaluated: skipped
            .into_iter()
            .map(|(r, why)| (r.code(), why))
            .collect(),
        ..Evaluation::default()
    };
    for rule in rules {
        out.rules_evaluated.push(rule.code());
        for d in run(rule, &ctx) {
            out.findings.push(finish(d, &ctx));
        }
    }
    sort_findings(&mut out.findings);
    out
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
    let mut f = Finding {
        id,
        rule: d.rule.code().to_string(),
        severity: ctx.policy.rule(d.rule).severity,
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
