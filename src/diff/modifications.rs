//! Checking the previous review's Modify decisions against the new snapshot.
//!
//! A Modify on a grant (a Privileged Access or Effective Access row) says
//! in Modify to what the access should become: a role (its identifier or
//! its name), or a role on a resource group (`ROLE on RG`). Harness cannot
//! change the role of an assignment in place, so a modification is a new
//! assignment and the old one removed. It is **done** when NEW no longer
//! holds the grant as it was and the principal holds the named role (on the
//! named resource group) at the same assignment scope, through any group or
//! directly; it is also counted done, and said so, when the grant is gone
//! and nothing new is held at that scope (less than decided). It is **not
//! done**, a `modification-not-done` finding, when the grant is still as it
//! was (whether or not the new role was added beside it), or when it is gone
//! and the principal holds something new at that scope other than what was
//! named. A Modify of a whole principal (Principals sheet), of a
//! token, or with Modify to empty names no single outcome: it is listed as
//! **unchecked**, with why.

use std::collections::BTreeSet;

use serde_json::json;

use crate::findings::{Finding, Rule};
use crate::graph::AccessGraph;

use super::access::SideGrants;
use super::decided::{base_row, decided_by, decision_evidence, identity, matches, why_gone};
use super::decisions::{Decision, DecisionSet, DecisionTarget};
use super::model::{AccessEntry, DecisionsCheck};

/// The rule code of a Modify decision not carried out.
pub const MODIFICATION_NOT_DONE: &str = "modification-not-done";

/// What Modify to names: a role, and perhaps a resource group.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    role: String,
    resource_group: Option<String>,
}

/// Reads `ROLE` or `ROLE on RG` (any case for `on`); None when empty.
fn parse_target(s: &str) -> Option<Target> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    match lower.find(" on ") {
        Some(i) => Some(Target {
            role: s[..i].trim().to_string(),
            resource_group: Some(s[i + 4..].trim().to_string()).filter(|r| !r.is_empty()),
        }),
        None => Some(Target {
            role: s.to_string(),
            resource_group: None,
        }),
    }
}

/// The identifiers a name stands for in NEW: itself, and every role (or
/// resource group) whose identifier or name matches it, ignoring case.
fn ids_named<'a>(
    name: &str,
    objects: impl Iterator<Item = (&'a str, &'a str)>,
) -> BTreeSet<String> {
    let mut ids = BTreeSet::from([name.to_ascii_lowercase()]);
    for (id, display) in objects {
        if id.eq_ignore_ascii_case(name) || display.trim().eq_ignore_ascii_case(name) {
            ids.insert(id.to_ascii_lowercase());
        }
    }
    ids
}

/// Whether a grant of NEW is what the target names.
fn is_target(e: &AccessEntry, roles: &BTreeSet<String>, groups: &Option<BTreeSet<String>>) -> bool {
    roles.contains(&e.role_id.to_ascii_lowercase())
        && groups
            .as_ref()
            .is_none_or(|g| g.contains(&e.resource_group_id.to_ascii_lowercase()))
}

fn describe(e: &AccessEntry) -> String {
    format!(
        "{} on {} at {} via {} ({})",
        e.role_id, e.resource_group_id, e.assignment_scope, e.via, e.privilege_level
    )
}

/// Checks one Modify decision into `out`; returns its finding when it is
/// not done.
pub(super) fn check(
    set: &DecisionSet,
    d: &Decision,
    (old, old_grants): (&AccessGraph<'_>, &SideGrants<'_>),
    (new, new_grants): (&AccessGraph<'_>, &SideGrants<'_>),
    out: &mut DecisionsCheck,
) -> Option<Finding> {
    let pid = d.target.principal_id();
    let ident = identity(old, new, pid);
    let old_all = old_grants.entries_of(pid);
    let old_entries: Vec<&AccessEntry> = old_all.iter().filter(|e| matches(&d.target, e)).collect();
    let in_old = match &d.target {
        DecisionTarget::Grant { .. } => !old_entries.is_empty(),
        DecisionTarget::Principal { .. }
        | DecisionTarget::Token { .. }
        | DecisionTarget::Entitlement { .. } => old.find_principal(pid).is_some(),
    };
    let mut row = base_row(d, "Modify", ident.as_ref().map(|(f, _)| f), in_old);
    let (target, assignment_id, assignment_scope) = match (&d.target, parse_target(&d.modify_to)) {
        (DecisionTarget::Principal { .. }, _) => {
            row.detail = "a Modify of all of a principal's access names no single grant to compare: check it by hand".into();
            out.unchecked.push(row);
            return None;
        }
        (DecisionTarget::Token { .. }, _) => {
            row.detail = "a token has no role to change: check it by hand".into();
            out.unchecked.push(row);
            return None;
        }
        (DecisionTarget::Entitlement { .. }, _) => {
            // Entitlements are checked by super::entitlements.
            return None;
        }
        (DecisionTarget::Grant { .. }, None) => {
            row.detail = "Modify to is empty, so there is nothing to compare with".into();
            out.unchecked.push(row);
            return None;
        }
        (
            DecisionTarget::Grant {
                assignment_id,
                assignment_scope,
                ..
            },
            Some(t),
        ) => (t, assignment_id, assignment_scope),
    };
    let s = new.snapshot();
    let roles = ids_named(
        &target.role,
        s.roles.iter().map(|r| (r.id.as_str(), r.name.as_str())),
    );
    let groups = target.resource_group.as_deref().map(|rg| {
        ids_named(
            rg,
            s.resource_groups
                .iter()
                .map(|r| (r.id.as_str(), r.name.as_str())),
        )
    });
    if !old_entries.is_empty() && old_entries.iter().all(|e| is_target(e, &roles, &groups)) {
        row.detail = format!(
            "the access already was {} in the previous snapshot: the decision changes nothing",
            d.modify_to.trim()
        );
        out.unchecked.push(row);
        return None;
    }
    let new_entries = new_grants.entries_of(pid);
    let still: Vec<&AccessEntry> = new_entries
        .iter()
        .filter(|e| matches(&d.target, e) && !is_target(e, &roles, &groups))
        .collect();
    // The scope the access was at: the row's, else OLD's grant's.
    let scope = assignment_scope
        .clone()
        .or_else(|| old_entries.first().map(|e| e.assignment_scope.clone()))
        .or_else(|| still.first().map(|e| e.assignment_scope.clone()));
    let at_scope: Vec<&AccessEntry> = new_entries
        .iter()
        .filter(|e| scope.as_ref().is_none_or(|s| *s == e.assignment_scope))
        .collect();
    let became: Vec<&&AccessEntry> = at_scope
        .iter()
        .filter(|e| is_target(e, &roles, &groups))
        .collect();
    // Grants at that scope NEW has and OLD had not: what the access became
    // if not the target.
    let before: BTreeSet<(&str, &str)> = old_all
        .iter()
        .map(|e| (e.assignment_id.as_str(), e.via.as_str()))
        .collect();
    let added: Vec<&&AccessEntry> = at_scope
        .iter()
        .filter(|e| !before.contains(&(e.assignment_id.as_str(), e.via.as_str())))
        .collect();
    let wanted = &d.modify_to.trim();
    if still.is_empty() {
        if let Some(e) = became.first() {
            row.detail = format!("now holds {}", describe(e));
            out.verified.push(row);
            return None;
        }
        if added.is_empty() {
            row.detail = format!(
                "{}, and nothing new is held at {}: less than the {wanted} decided",
                why_gone(new, &d.target),
                scope.as_deref().unwrap_or("that scope")
            );
            out.verified.push(row);
            return None;
        }
    }
    // Not done: the grant is as it was, or became something else.
    let (principal, _) = ident?;
    let (held, why) = if still.is_empty() {
        (
            added
                .iter()
                .map(|e| describe(e))
                .collect::<Vec<_>>()
                .join("; "),
            format!("holds something else instead of {wanted}"),
        )
    } else {
        (
            still
                .iter()
                .map(|e| describe(e))
                .collect::<Vec<_>>()
                .join("; "),
            if !became.iter().any(|e| added.contains(e)) {
                "still holds the access as it was".to_string()
            } else {
                format!("was given {wanted} but still holds the access as it was")
            },
        )
    };
    row.detail = format!("{why}: {held}");
    let first = still.first().copied().or(added.first().map(|e| **e));
    let scope = scope.unwrap_or_else(|| "account".to_string());
    let by = decided_by(d);
    let mut evidence = decision_evidence(set, d);
    evidence.insert("modify_to".into(), json!(wanted));
    evidence.insert("assignment_id".into(), json!(assignment_id));
    evidence.insert("assignment_scope".into(), json!(scope));
    evidence.insert("held".into(), json!(held));
    if let Some(e) = first {
        evidence.insert("via".into(), json!(e.via));
        evidence.insert("role_id".into(), json!(e.role_id));
        evidence.insert("resource_group_id".into(), json!(e.resource_group_id));
        evidence.insert("privilege_level".into(), json!(e.privilege_level));
    }
    let id = crate::findings::finding_id(
        MODIFICATION_NOT_DONE,
        &principal.id,
        &scope,
        &[assignment_id.clone(), wanted.to_ascii_lowercase()],
    );
    row.finding_id = Some(id.clone());
    out.not_done.push(row);
    let message = format!(
        "Modify to {wanted} decided{by} in the previous review ({} row {}) is not done: {} {why}: {held}.",
        d.sheet, d.row, principal.name
    );
    Some(Finding {
        id,
        rule: MODIFICATION_NOT_DONE.into(),
        severity: Rule::ModificationNotDone.default_severity(),
        principal: Some(principal),
        scope: Some(scope),
        message,
        evidence,
        controls: Rule::ModificationNotDone.controls(),
        exempted: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_a_role_or_a_role_on_a_resource_group() {
        assert_eq!(parse_target("  "), None);
        assert_eq!(
            parse_target("_project_viewer"),
            Some(Target {
                role: "_project_viewer".into(),
                resource_group: None
            })
        );
        assert_eq!(
            parse_target("Pipeline Executor ON  Prod pipelines "),
            Some(Target {
                role: "Pipeline Executor".into(),
                resource_group: Some("Prod pipelines".into())
            })
        );
        // A role whose name merely contains "on" is not split.
        assert_eq!(
            parse_target("Deployment Monitor").map(|t| t.resource_group),
            Some(None)
        );
    }

    #[test]
    fn a_name_stands_for_every_identifier_it_names() {
        let objects = [("_project_viewer", "Project Viewer"), ("viewer2", "viewer")];
        let ids = ids_named("project viewer", objects.iter().copied());
        assert!(ids.contains("_project_viewer"));
        assert!(!ids.contains("viewer2"));
        let ids = ids_named("VIEWER2", objects.iter().copied());
        assert!(ids.contains("viewer2"));
    }
}
