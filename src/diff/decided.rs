//! What the checks of Revoke and Modify decisions share: which grants a
//! decision names, why a grant is gone, who the principal is, the outcome
//! row and the evidence of a not-done finding. [`super::revocations`] and
//! [`super::modifications`] both build on it.

use std::collections::BTreeMap;

use serde_json::json;

use crate::findings::FindingPrincipal;
use crate::graph::{AccessGraph, AssignmentStatus, Principal};

use super::decisions::{Decision, DecisionSet, DecisionTarget};
use super::model::{AccessEntry, RevocationCheck};

/// Whether a grant of a side is one the decision names.
pub(super) fn matches(target: &DecisionTarget, e: &AccessEntry) -> bool {
    match target {
        DecisionTarget::Grant {
            via,
            assignment_id,
            assignment_scope,
            ..
        } => {
            e.assignment_id == *assignment_id
                && via.as_ref().is_none_or(|v| *v == e.via)
                && assignment_scope
                    .as_ref()
                    .is_none_or(|s| *s == e.assignment_scope)
        }
        DecisionTarget::Principal { .. } => true,
        DecisionTarget::Token { .. } | DecisionTarget::Entitlement { .. } => false,
    }
}

/// The token a Token target names, in a snapshot.
pub(super) fn find_token<'s>(
    g: &AccessGraph<'s>,
    target: &DecisionTarget,
) -> Option<&'s crate::snapshot::Token> {
    let DecisionTarget::Token {
        scope,
        parent,
        api_key,
        token,
        ..
    } = target
    else {
        return None;
    };
    g.snapshot().tokens.iter().find(|t| {
        t.scope.to_string() == *scope
            && t.parent == *parent
            && t.api_key.as_str() == api_key
            && t.id.as_str() == token
    })
}

/// Why a grant the decision names is gone from NEW.
pub(super) fn why_gone(new: &AccessGraph<'_>, target: &DecisionTarget) -> String {
    if new.find_principal(target.principal_id()).is_none() {
        return "the principal is no longer in the account".into();
    }
    let DecisionTarget::Grant {
        via,
        assignment_id,
        assignment_scope,
        ..
    } = target
    else {
        return "the principal holds no access".into();
    };
    let s = new.snapshot();
    let found = s.role_assignments.iter().position(|a| {
        a.id.as_str() == assignment_id
            && assignment_scope
                .as_ref()
                .is_none_or(|sc| *sc == a.scope.to_string())
    });
    let Some(ai) = found else {
        return "the role assignment was removed".into();
    };
    match &new.assignments[ai].status {
        AssignmentStatus::Disabled => {
            "the role assignment is disabled (dormant: re-enabling it restores the access)".into()
        }
        AssignmentStatus::Orphaned(reasons) => format!(
            "the role assignment is orphaned ({}) and grants nothing",
            reasons
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        AssignmentStatus::Internal => {
            "the role assignment is bound to a Harness service, not to the principal".into()
        }
        AssignmentStatus::Active => match via.as_deref() {
            Some(v) if v.starts_with("group:") => {
                format!("the principal is no longer a member of {v}")
            }
            _ => "the grant is no longer present".into(),
        },
    }
}

/// What the principal looks like: NEW's identity, else OLD's; with the
/// principal in that graph.
pub(super) fn identity(
    old: &AccessGraph<'_>,
    new: &AccessGraph<'_>,
    id: &str,
) -> Option<(FindingPrincipal, Principal)> {
    let (g, p) = match new.find_principal(id) {
        Some(p) => (new, p),
        None => (old, old.find_principal(id)?),
    };
    let i = g.identity(p);
    Some((
        FindingPrincipal {
            kind: i.kind.to_string(),
            id: i.id,
            name: i.name.to_string(),
            email: i.email.map(str::to_string),
        },
        p,
    ))
}

/// The outcome row of a Revoke or Modify decision, before its detail.
pub(super) fn base_row(
    d: &Decision,
    decision: &'static str,
    who: Option<&FindingPrincipal>,
    in_old: bool,
) -> RevocationCheck {
    let (via, assignment_id, assignment_scope, target) = match &d.target {
        DecisionTarget::Grant {
            via,
            assignment_id,
            assignment_scope,
            ..
        } => (
            via.clone(),
            Some(assignment_id.clone()),
            assignment_scope.clone(),
            "grant",
        ),
        DecisionTarget::Principal { .. } => (None, None, None, "principal"),
        DecisionTarget::Token { .. } => (None, None, None, "token"),
        DecisionTarget::Entitlement { entitlement, .. } => {
            use crate::graph::EntitlementRef as R;
            match entitlement {
                R::RoleAssignment { scope, id } => (
                    None,
                    Some(id.clone()),
                    Some(scope.clone()),
                    "role assignment",
                ),
                R::GroupMembership { scope, group, .. } => (
                    Some(format!("group:{scope}/{group}")),
                    None,
                    None,
                    "group membership",
                ),
                R::ScopeMembership { scope, .. } => {
                    (None, None, Some(scope.clone()), "scope membership")
                }
                R::Principal(_) => (None, None, None, "account member"),
                R::Token { .. } => (None, None, None, "token"),
            }
        }
    };
    RevocationCheck {
        decision,
        modify_to: (decision == "Modify").then(|| d.modify_to.clone()),
        sheet: d.sheet.clone(),
        row: d.row,
        target,
        principal_id: d.target.principal_id().to_string(),
        principal_name: who.map(|f| f.name.clone()).unwrap_or_default(),
        principal_email: who.and_then(|f| f.email.clone()),
        via,
        assignment_id,
        assignment_scope,
        reviewer: d.reviewer.clone(),
        review_date: d.review_date.clone(),
        justification: d.justification.clone(),
        ticket: d.ticket.clone(),
        in_old,
        detail: String::new(),
        finding_id: None,
        timing: None,
    }
}

/// The evidence every not-done finding carries: where the decision was
/// made and by whom.
pub(super) fn decision_evidence(
    set: &DecisionSet,
    d: &Decision,
) -> BTreeMap<String, serde_json::Value> {
    let mut evidence: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    evidence.insert("decisions_file".into(), json!(set.file));
    evidence.insert("decisions_sha256".into(), json!(set.sha256));
    evidence.insert("decision_sheet".into(), json!(d.sheet));
    evidence.insert("decision_row".into(), json!(d.row));
    evidence.insert("reviewer".into(), json!(d.reviewer));
    evidence.insert("review_date".into(), json!(d.review_date));
    evidence.insert("ticket".into(), json!(d.ticket));
    evidence
}

/// ` by REVIEWER` for a finding's message, or nothing when the row names no
/// reviewer.
pub(super) fn decided_by(d: &Decision) -> String {
    if d.reviewer.is_empty() {
        String::new()
    } else {
        format!(" by {}", d.reviewer)
    }
}
