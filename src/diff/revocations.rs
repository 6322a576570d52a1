//! Checking the previous review's Revoke decisions against the new snapshot.
//!
//! A Revoke on a grant is done when NEW has no grant with that principal,
//! assignment (and via and assignment scope, when the row gives them); a
//! Revoke on a principal is done when NEW no longer has the principal or it
//! holds no grant. Everything else still present is a `revocation-not-done`
//! finding. A disabled assignment grants nothing, so disabling counts as done,
//! and the detail says it can be re-enabled. Modify decisions are handed to
//! [`super::modifications`] from the same loop, so a file is read once.

use std::collections::BTreeSet;

use serde_json::json;

use crate::findings::Finding;
use crate::graph::{AccessGraph, PrivilegeLevel};

use super::access::SideGrants;
use super::decided::{
    base_row, decided_by, decision_evidence, find_token, identity, matches, why_gone,
};
use super::decisions::{DecisionSet, DecisionTarget, Verdict};
use super::model::{AccessEntry, DecisionsCheck};

/// The rule code of a Revoke decision not carried out.
pub const REVOCATION_NOT_DONE: &str = "revocation-not-done";

/// Checks every Revoke and Modify decision; returns the check and the
/// revocation-not-done and modification-not-done findings (sorted by id).
pub(crate) fn check(
    set: &DecisionSet,
    (old, old_grants): (&AccessGraph<'_>, &SideGrants<'_>),
    (new, new_grants): (&AccessGraph<'_>, &SideGrants<'_>),
) -> (DecisionsCheck, Vec<Finding>) {
    let mut out = DecisionsCheck {
        file: set.file.clone(),
        sha256: set.sha256.clone(),
        rows: set.decisions.len() + set.kept + set.undecided,
        keep: set.kept,
        undecided: set.undecided,
        ignored_sheets: set.ignored_sheets.clone(),
        problems: set.problems.clone(),
        ..DecisionsCheck::default()
    };
    let mut findings = Vec::new();
    let mut seen = BTreeSet::new();
    // Each side's entitlements by key, made at the first entitlement
    // decision (a campaign's decisions.csv holds hundreds of thousands).
    let mut index: Option<super::entitlements::Indexes> = None;
    for d in &set.decisions {
        // Decisions about another snapshot prove nothing about OLD.
        if let Some(named) = &set.other_snapshot {
            let decision = if d.verdict == Verdict::Modify {
                out.modify += 1;
                "Modify"
            } else {
                out.revoke += 1;
                "Revoke"
            };
            let ident = identity(old, new, d.target.principal_id());
            let mut row = base_row(d, decision, ident.as_ref().map(|(f, _)| f), false);
            row.detail = format!(
                "decided on snapshot {named}, not on the previous snapshot compared here: not checked"
            );
            out.unchecked.push(row);
            continue;
        }
        // Keep and undecided rows are counted by the reader, not kept.
        if let DecisionTarget::Entitlement { entitlement, .. } = &d.target {
            let revoke = d.verdict == Verdict::Revoke;
            if !seen.insert((revoke, d.target.clone())) {
                continue;
            }
            if revoke {
                out.revoke += 1;
            } else {
                out.modify += 1;
            }
            let index = index.get_or_insert_with(|| super::entitlements::Indexes::of(old, new));
            findings.extend(super::entitlements::check(
                set,
                d,
                entitlement,
                (old, new),
                index,
                &mut out,
            ));
            continue;
        }
        if d.verdict == Verdict::Modify {
            out.modify += 1;
            if seen.insert((false, d.target.clone())) {
                findings.extend(super::modifications::check(
                    set,
                    d,
                    (old, old_grants),
                    (new, new_grants),
                    &mut out,
                ));
            }
            continue;
        }
        if d.verdict != Verdict::Revoke || !seen.insert((true, d.target.clone())) {
            continue;
        }
        out.revoke += 1;
        let pid = d.target.principal_id();
        let in_old_grants = old_grants.entries_of(pid);
        let new_entries = new_grants.entries_of(pid);
        let still: Vec<&AccessEntry> = new_entries
            .iter()
            .filter(|e| matches(&d.target, e))
            .collect();
        let ident = identity(old, new, pid);
        let in_old = match &d.target {
            DecisionTarget::Grant { .. } => in_old_grants.iter().any(|e| matches(&d.target, e)),
            DecisionTarget::Principal { .. } => old.find_principal(pid).is_some(),
            DecisionTarget::Token { .. } => find_token(old, &d.target).is_some(),
            DecisionTarget::Entitlement { .. } => false,
        };
        let mut row = base_row(d, "Revoke", ident.as_ref().map(|(f, _)| f), in_old);
        // Only what OLD held can have been removed.
        if !in_old {
            row.detail = "the previous snapshot does not hold this: there is nothing to verify (a decision about another snapshot, or an invented row)".into();
            out.unchecked.push(row);
            continue;
        }
        let token_still = find_token(new, &d.target);
        if let DecisionTarget::Token { .. } = &d.target {
            if token_still.is_none() {
                row.detail = "the token is no longer listed".into();
                out.verified.push(row);
                continue;
            }
        } else if still.is_empty() {
            row.detail = why_gone(new, &d.target);
            out.verified.push(row);
            continue;
        }
        // Still present: NEW has the principal, so `ident` is NEW's.
        let Some((principal, p)) = ident else {
            continue;
        };
        let by = decided_by(d);
        let mut evidence = decision_evidence(set, d);
        let (scope, message, key_parts) = match &d.target {
            DecisionTarget::Grant { assignment_id, .. } => {
                let e = still[0];
                let held = still
                    .iter()
                    .map(|e| {
                        format!(
                            "{} on {} at {} via {} ({})",
                            e.role_id,
                            e.resource_group_id,
                            e.assignment_scope,
                            e.via,
                            e.privilege_level
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                row.detail = format!("still held: {held}");
                evidence.insert("assignment_id".into(), json!(e.assignment_id));
                evidence.insert("assignment_scope".into(), json!(e.assignment_scope));
                evidence.insert("via".into(), json!(e.via));
                evidence.insert("role_id".into(), json!(e.role_id));
                evidence.insert("resource_group_id".into(), json!(e.resource_group_id));
                evidence.insert("privilege_level".into(), json!(e.privilege_level));
                (
                    e.assignment_scope.clone(),
                    format!(
                        "Revoke decided{by} in the previous review ({} row {}) is not done: {} still holds {held}.",
                        d.sheet, d.row, principal.name
                    ),
                    vec![
                        assignment_id.clone(),
                        e.via.clone(),
                        e.role_id.clone(),
                        e.resource_group_id.clone(),
                    ],
                )
            }
            DecisionTarget::Token {
                scope,
                parent,
                api_key,
                token,
                ..
            } => {
                let t = token_still.expect("checked above");
                let until = t
                    .valid_to
                    .map(|v| {
                        format!(
                            ", valid until {}",
                            v.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                        )
                    })
                    .unwrap_or_default();
                row.detail = format!("the token is still listed{until}");
                evidence.insert(
                    "token".into(),
                    json!(format!("{scope}/{parent}/{api_key}/{token}")),
                );
                (
                    scope.clone(),
                    format!(
                        "Revoke of token {token} (API key {api_key}) decided{by} in the previous review ({} row {}) is not done: {} still has it{until}.",
                        d.sheet, d.row, principal.name
                    ),
                    vec!["token".to_string(), format!("{api_key}/{token}")],
                )
            }
            DecisionTarget::Entitlement { .. } => continue,
            DecisionTarget::Principal { .. } => {
                let level: PrivilegeLevel = new.highest_level(p);
                row.detail = format!(
                    "still holds {} grant(s), highest level {level}",
                    still.len()
                );
                evidence.insert("remaining_grants".into(), json!(still.len()));
                evidence.insert("highest_privilege".into(), json!(level));
                (
                    "account".to_string(),
                    format!(
                        "Revoke of all access decided{by} in the previous review ({} row {}) is not done: {} still holds {} grant(s), highest level {level}.",
                        d.sheet, d.row, principal.name, still.len()
                    ),
                    vec!["all-access".to_string()],
                )
            }
        };
        // The rules' own id formula, so the finding keeps its id across diffs.
        let id =
            crate::findings::finding_id(REVOCATION_NOT_DONE, &principal.id, &scope, &key_parts);
        row.finding_id = Some(id.clone());
        out.not_done.push(row);
        findings.push(Finding {
            id,
            rule: REVOCATION_NOT_DONE.into(),
            severity: crate::findings::Rule::RevocationNotDone.default_severity(),
            principal: Some(principal),
            scope: Some(scope),
            message,
            evidence,
            controls: crate::findings::Rule::RevocationNotDone.controls(),
            exempted: None,
        });
    }
    findings.sort_by(|a, b| a.id.cmp(&b.id));
    findings.dedup_by(|a, b| a.id == b.id);
    (out, findings)
}
