//! Checking decisions on entitlements (a campaign's decisions.csv, or the
//! Entitlements sheet of review.xlsx) against the one action each stands
//! for:
//!
//! - Revoke of a principal: it is gone from the account;
//! - Revoke of a scope membership: the user is no longer a member of that
//!   org or project (or no longer in the account);
//! - Revoke of a group membership: the group no longer lists the user (or
//!   the group or the user is gone);
//! - Revoke of a role assignment: it is gone, disabled or orphaned;
//! - Modify of a role assignment: NEW has, at the same scope and for the
//!   same principal, an active assignment of the role (on the resource
//!   group) Modify to names, and the old one is gone or became it; gone with
//!   nothing new for the principal there is done too (less than decided);
//!   still as it was, or something else instead, is not done.
//!
//! A decision about something OLD did not hold is never verified: it is
//! listed as unchecked. When an entitlement is gone but the access it gave
//! is still held another way (another group, another assignment of the same
//! role at the same scope), the check says so.

use serde_json::json;

use crate::findings::{Finding, FindingPrincipal, Rule};
use crate::graph::{AccessGraph, AssignmentStatus, Entitlement, EntitlementRef};

use super::decided::{base_row, decided_by, decision_evidence, identity};
use super::decisions::{Decision, DecisionSet, Verdict};
use super::model::DecisionsCheck;
use super::remediation::{self, Timing};

/// Who a finding about the entitlement names: the user or service account,
/// or the group of a group's role assignment.
fn principal_of(
    old: &AccessGraph<'_>,
    new: &AccessGraph<'_>,
    pid: &str,
) -> Option<FindingPrincipal> {
    if let Some(rest) = pid.strip_prefix("group:") {
        let (scope, id) = rest.rsplit_once('/')?;
        let name = [new, old]
            .iter()
            .flat_map(|g| g.snapshot().user_groups.iter())
            .find(|x| x.id.as_str() == id && x.scope.to_string() == scope)
            .map_or_else(|| id.to_string(), |x| x.name.clone());
        return Some(FindingPrincipal {
            kind: "user_group".into(),
            id: pid.to_string(),
            name,
            email: None,
        });
    }
    identity(old, new, pid).map(|(f, _)| f)
}

/// Why the entitlement is no longer in NEW.
fn why_gone(new: &AccessGraph<'_>, e: &EntitlementRef) -> String {
    let s = new.snapshot();
    let user_gone = |u: &str| new.user_index(u).is_none();
    match e {
        EntitlementRef::Principal(_) => "the principal is no longer in the account".into(),
        EntitlementRef::ScopeMembership { user, scope } => {
            if user_gone(user) {
                "the user is no longer in the account".into()
            } else {
                format!("the user is no longer a member of {scope}")
            }
        }
        EntitlementRef::GroupMembership { scope, group, user } => {
            if user_gone(user) {
                "the user is no longer in the account".into()
            } else if !s
                .user_groups
                .iter()
                .any(|g| g.id.as_str() == group && scope.parse().ok().as_ref() == Some(&g.scope))
            {
                format!("the group {scope}/{group} was deleted")
            } else {
                format!("the user is no longer a member of {scope}/{group}")
            }
        }
        EntitlementRef::RoleAssignment { scope, id } => {
            let scope: Option<crate::snapshot::Scope> = scope.parse().ok();
            match s
                .role_assignments
                .iter()
                .position(|a| a.id.as_str() == id && scope.as_ref() == Some(&a.scope))
            {
                None => "the role assignment was deleted".into(),
                Some(ai) => match &new.assignments[ai].status {
                    AssignmentStatus::Disabled => {
                        "the role assignment is disabled (dormant: re-enabling it restores the access)".into()
                    }
                    AssignmentStatus::Orphaned(r) => format!(
                        "the role assignment is orphaned ({}) and grants nothing",
                        r.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                    ),
                    _ => "the role assignment grants nothing".into(),
                },
            }
        }
        EntitlementRef::Token { .. } => "the token is no longer listed".into(),
    }
}

/// The access OLD's entitlement gave that NEW still gives its principals
/// another way: for each principal it covered and each grant it carried, a
/// NEW grant of that principal (through another group, another assignment,
/// or one inherited from a scope above) whose access holds every permission
/// of the old one, on every scope the old one reached, on at least the same
/// resources. One line per principal and path.
fn still_reachable(old: &AccessGraph<'_>, e: Entitlement, new: &AccessGraph<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for grant in old.entitlement_grants(e) {
        let Some(before) = old.access_of(grant.assignment) else {
            continue;
        };
        let id = old.identity(grant.principal);
        let Some(p) = new.find_principal(&id.id) else {
            continue;
        };
        let covers = |after: &crate::graph::Access| {
            before
                .permissions
                .iter()
                .all(|x| after.has_permission(x.as_str()))
                && before
                    .targets
                    .iter()
                    .all(|t| after.targets.iter().any(|a| a.covers(t)))
                && (after.resources.is_none() || after.resources == before.resources)
        };
        let Some(path) = new
            .grants_of(p)
            .iter()
            .find(|g| new.access_of(g.assignment).is_some_and(covers))
        else {
            continue;
        };
        let a = &new.snapshot().role_assignments[path.assignment];
        let who = id.email.map_or(id.id.clone(), str::to_string);
        let line = format!(
            "{who} still holds it through {} (assignment {}/{}: {} on {})",
            new.via_label(path.via),
            a.scope,
            a.id,
            a.role.id,
            a.resource_group
        );
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// Each side's entitlements by key, and NEW's audited removals since OLD,
/// made once for all the decisions.
pub(super) struct Indexes<'s> {
    old: std::collections::HashMap<String, Entitlement>,
    new: std::collections::HashMap<String, Entitlement>,
    removals: Vec<&'s crate::snapshot::Removal>,
    gap: Option<String>,
}

impl<'s> Indexes<'s> {
    /// Both sides' indexes.
    pub(super) fn of(old: &AccessGraph<'_>, new: &AccessGraph<'s>) -> Indexes<'s> {
        Indexes {
            old: old.entitlement_index(),
            new: new.entitlement_index(),
            removals: remediation::window(old.snapshot(), new.snapshot()),
            gap: remediation::window_gap(old.snapshot(), new.snapshot()),
        }
    }

    /// When and by whom the entitlement was removed, against the
    /// decision's day.
    fn timing(&self, e: &EntitlementRef, old: &AccessGraph<'_>, d: &Decision) -> Timing {
        remediation::done(
            remediation::removal_of(e, old.snapshot(), &self.removals),
            &d.remediate_by,
            self.gap.as_deref(),
        )
    }
}

/// The remediation-late finding of a change carried out after its day.
fn late_finding(
    set: &DecisionSet,
    d: &Decision,
    e: &EntitlementRef,
    principal: Option<&FindingPrincipal>,
    scope: &str,
    t: &Timing,
) -> Option<Finding> {
    let days = t.days_late?;
    let principal = principal?.clone();
    let key = e.key();
    let mut evidence = decision_evidence(set, d);
    evidence.insert("entitlement".into(), json!(key));
    evidence.insert("entitlement_kind".into(), json!(e.kind().label()));
    evidence.insert("remediate_by".into(), json!(t.remediate_by));
    evidence.insert("removed_at".into(), json!(t.removed_at));
    evidence.insert("removed_by".into(), json!(t.removed_by));
    evidence.insert("audit_event".into(), json!(t.event));
    evidence.insert("days_late".into(), json!(days));
    let by = decided_by(d);
    Some(Finding {
        id: crate::findings::finding_id(
            Rule::RemediationLate.code(),
            &principal.id,
            scope,
            &[key],
        ),
        rule: Rule::RemediationLate.code().into(),
        severity: Rule::RemediationLate.default_severity(),
        message: format!(
            "{} of {} decided{by} in the previous review ({} row {}) was carried out {days} day(s) after its remediate_by day ({}): removed {}{}.",
            if d.verdict == Verdict::Modify { "Modify" } else { "Revoke" },
            e.kind().label(),
            d.sheet,
            d.row,
            t.remediate_by.as_deref().unwrap_or_default(),
            t.removed_at.as_deref().map_or("", |a| a.get(..10).unwrap_or(a)),
            t.removed_by.as_deref().map(|b| format!(" by {b}")).unwrap_or_default()
        ),
        principal: Some(principal),
        scope: Some(scope.to_string()),
        evidence,
        controls: Rule::RemediationLate.controls(),
        exempted: None,
    })
}

/// Checks one decision on an entitlement into `out`; returns its finding
/// when it is not done.
pub(super) fn check(
    set: &DecisionSet,
    d: &Decision,
    e: &EntitlementRef,
    (old, new): (&AccessGraph<'_>, &AccessGraph<'_>),
    index: &Indexes<'_>,
    out: &mut DecisionsCheck,
) -> Vec<Finding> {
    let key = e.key();
    let pid = d.target.principal_id().to_string();
    let principal = principal_of(old, new, &pid);
    let decision = if d.verdict == Verdict::Modify {
        "Modify"
    } else {
        "Revoke"
    };
    let in_old = index.old.get(&key).copied();
    let mut row = base_row(d, decision, principal.as_ref(), in_old.is_some());
    let Some(old_e) = in_old else {
        row.detail = format!(
            "the previous snapshot does not hold this {}: there is nothing to verify (a decision about another snapshot, or an invented row)",
            e.kind().label()
        );
        out.unchecked.push(row);
        return Vec::new();
    };
    let scope = old.entitlement_scope(old_e).to_string();
    if decision == "Modify" {
        let verified = out.verified.len();
        let not_done = modify(set, d, e, old_e, (old, new), principal.clone(), row, out);
        // A Modify carried out is timed by the old assignment's removal.
        let mut found: Vec<Finding> = not_done.into_iter().collect();
        if out.verified.len() > verified {
            let t = index.timing(e, old, d);
            found.extend(late_finding(set, d, e, principal.as_ref(), &scope, &t));
            if let Some(row) = out.verified.last_mut() {
                row.finding_id = found.first().map(|f| f.id.clone());
                row.timing = Some(t);
            }
        } else if let Some(row) = out.not_done.last_mut().filter(|_| !found.is_empty()) {
            row.timing = Some(remediation::not_done(
                &d.remediate_by,
                new.snapshot().captured_at(),
            ));
        }
        return found;
    }
    let now = index.new.get(&key).copied();
    let Some(new_e) = now else {
        row.detail = why_gone(new, e);
        let other = still_reachable(old, old_e, new);
        if !other.is_empty() {
            row.detail.push_str(&format!(
                "; the access it gave is still held another way: {}",
                other.join("; ")
            ));
        }
        let t = index.timing(e, old, d);
        let late = late_finding(set, d, e, principal.as_ref(), &scope, &t);
        row.finding_id = late.as_ref().map(|f| f.id.clone());
        row.timing = Some(t);
        out.verified.push(row);
        return late.into_iter().collect();
    };
    // Still there: the finding.
    let Some(principal) = principal else {
        return Vec::new();
    };
    let timing = remediation::not_done(&d.remediate_by, new.snapshot().captured_at());
    let gives = new.gives(new_e);
    let still = match new_e {
        Entitlement::Principal(_) => format!(
            "is still in the account ({} grant(s), highest level {})",
            gives.grants, gives.level
        ),
        Entitlement::ScopeMembership { .. } => format!(
            "is still a member of {} ({} grant(s) there)",
            new.entitlement_scope(new_e),
            gives.grants
        ),
        Entitlement::GroupMembership { group, .. } => {
            let g = &new.snapshot().user_groups[group];
            format!(
                "is still a member of group {} ({}/{})",
                g.name, g.scope, g.id
            )
        }
        Entitlement::RoleAssignment(ai) => {
            let a = &new.snapshot().role_assignments[ai];
            format!(
                "still holds role assignment {} at {} ({} on {}, {} grant(s), level {})",
                a.id, a.scope, a.role.id, a.resource_group, gives.grants, gives.level
            )
        }
        Entitlement::Token(_) => "still has the token".into(),
    };
    // Where the change must happen: Harness, or the identity provider for a
    // SCIM user or an SSO- or SCIM-linked group's membership.
    let how = crate::report::sheets::remove_with(new, new_e, gives.grants);
    row.detail = format!("{still}; to remove it: {how}");
    let overdue = timing
        .days_late
        .map(|n| {
            format!(
                " It is {n} day(s) past its remediate_by day ({}).",
                timing.remediate_by.as_deref().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let scope = new.entitlement_scope(new_e).to_string();
    let key = new.entitlement_key(new_e);
    let mut evidence = decision_evidence(set, d);
    evidence.insert("entitlement".into(), json!(key));
    evidence.insert("entitlement_kind".into(), json!(e.kind().label()));
    evidence.insert("privilege_level".into(), json!(gives.level));
    evidence.insert("grants".into(), json!(gives.grants));
    evidence.insert("remove_with".into(), json!(how));
    evidence.insert("remediate_by".into(), json!(timing.remediate_by));
    evidence.insert("days_overdue".into(), json!(timing.days_late));
    let id = crate::findings::finding_id(
        super::revocations::REVOCATION_NOT_DONE,
        &principal.id,
        &scope,
        &[key],
    );
    row.finding_id = Some(id.clone());
    row.timing = Some(timing);
    out.not_done.push(row);
    let by = decided_by(d);
    vec![Finding {
        id,
        rule: super::revocations::REVOCATION_NOT_DONE.into(),
        severity: Rule::RevocationNotDone.default_severity(),
        message: format!(
            "Revoke of {} decided{by} in the previous review ({} row {}) is not done: {} {still}.{overdue}",
            e.kind().label(),
            d.sheet,
            d.row,
            principal.name
        ),
        principal: Some(principal),
        scope: Some(scope),
        evidence,
        controls: Rule::RevocationNotDone.controls(),
        exempted: None,
    }]
}

/// A Modify of a role assignment.
#[allow(clippy::too_many_arguments)]
fn modify(
    set: &DecisionSet,
    d: &Decision,
    e: &EntitlementRef,
    old_e: Entitlement,
    (old, new): (&AccessGraph<'_>, &AccessGraph<'_>),
    principal: Option<FindingPrincipal>,
    mut row: super::model::RevocationCheck,
    out: &mut DecisionsCheck,
) -> Option<Finding> {
    let Entitlement::RoleAssignment(old_ai) = old_e else {
        row.detail = format!(
            "Modify applies to role assignments; a {} has no role to change: check it by hand",
            e.kind().label()
        );
        out.unchecked.push(row);
        return None;
    };
    let wanted = d.modify_to.trim().to_string();
    if wanted.is_empty() {
        row.detail = "Modify to is empty, so there is nothing to compare with".into();
        out.unchecked.push(row);
        return None;
    }
    let (role_name, rg_name) = match wanted.to_ascii_lowercase().find(" on ") {
        Some(i) => (
            wanted[..i].trim().to_string(),
            Some(wanted[i + 4..].trim().to_string()),
        ),
        None => (wanted.clone(), None),
    };
    let os = old.snapshot();
    let oa = &os.role_assignments[old_ai];
    let is_target = |g: &AccessGraph<'_>, ai: usize| -> bool {
        let s = g.snapshot();
        let a = &s.role_assignments[ai];
        let role_ok = a.role.id.as_str().eq_ignore_ascii_case(&role_name)
            || g.assignments[ai]
                .role
                .is_some_and(|r| s.roles[r].name.trim().eq_ignore_ascii_case(&role_name));
        let rg_ok = rg_name.as_ref().is_none_or(|want| {
            a.resource_group.as_str().eq_ignore_ascii_case(want)
                || s.resource_groups.iter().any(|x| {
                    x.id == a.resource_group
                        && x.scope == a.scope
                        && x.name.trim().eq_ignore_ascii_case(want)
                })
        });
        role_ok && rg_ok
    };
    if is_target(old, old_ai) {
        row.detail = format!(
            "the assignment already was {wanted} in the previous snapshot: the decision changes nothing"
        );
        out.unchecked.push(row);
        return None;
    }
    // NEW's active assignments at the same scope to the same principal.
    let ns = new.snapshot();
    let same_principal: Vec<usize> = (0..ns.role_assignments.len())
        .filter(|&ai| {
            let a = &ns.role_assignments[ai];
            new.assignments[ai].status == AssignmentStatus::Active
                && a.scope == oa.scope
                && a.principal.kind == oa.principal.kind
                && a.principal.id == oa.principal.id
        })
        .collect();
    let still = same_principal
        .iter()
        .copied()
        .find(|&ai| ns.role_assignments[ai].id == oa.id && !is_target(new, ai));
    let became = same_principal
        .iter()
        .copied()
        .find(|&ai| is_target(new, ai));
    let before: std::collections::BTreeSet<&str> = os
        .role_assignments
        .iter()
        .filter(|a| a.scope == oa.scope && a.principal.id == oa.principal.id)
        .map(|a| a.id.as_str())
        .collect();
    let added: Vec<usize> = same_principal
        .iter()
        .copied()
        .filter(|&ai| !before.contains(ns.role_assignments[ai].id.as_str()))
        .collect();
    let describe = |ai: usize| {
        let a = &ns.role_assignments[ai];
        format!(
            "{} on {} (assignment {})",
            a.role.id, a.resource_group, a.id
        )
    };
    if still.is_none() {
        if let Some(ai) = became {
            row.detail = format!("now holds {} at {}", describe(ai), oa.scope);
            out.verified.push(row);
            return None;
        }
        if added.is_empty() {
            row.detail = format!(
                "{}, and nothing new is held at {}: less than the {wanted} decided",
                why_gone(new, e),
                oa.scope
            );
            out.verified.push(row);
            return None;
        }
    }
    let (held, why) = match still {
        Some(ai) => (
            describe(ai),
            if became.is_some() {
                format!("was given {wanted} but still holds the assignment as it was")
            } else {
                "still holds the assignment as it was".to_string()
            },
        ),
        None => (
            added
                .iter()
                .map(|&ai| describe(ai))
                .collect::<Vec<_>>()
                .join("; "),
            format!("holds something else instead of {wanted}"),
        ),
    };
    row.detail = format!("{why}: {held}");
    let principal = principal?;
    let scope = oa.scope.to_string();
    let mut evidence = decision_evidence(set, d);
    evidence.insert("modify_to".into(), json!(wanted));
    evidence.insert("assignment_id".into(), json!(oa.id.as_str()));
    evidence.insert("assignment_scope".into(), json!(scope));
    evidence.insert("held".into(), json!(held));
    let id = crate::findings::finding_id(
        super::modifications::MODIFICATION_NOT_DONE,
        &principal.id,
        &scope,
        &[oa.id.to_string(), wanted.to_ascii_lowercase()],
    );
    row.finding_id = Some(id.clone());
    out.not_done.push(row);
    let by = decided_by(d);
    Some(Finding {
        id,
        rule: super::modifications::MODIFICATION_NOT_DONE.into(),
        severity: Rule::ModificationNotDone.default_severity(),
        message: format!(
            "Modify to {wanted} decided{by} in the previous review ({} row {}) is not done: {} {why}: {held}.",
            d.sheet, d.row, principal.name
        ),
        principal: Some(principal),
        scope: Some(scope),
        evidence,
        controls: Rule::ModificationNotDone.controls(),
        exempted: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::access::{Labels, SideGrants};
    use super::super::decisions::{target_of_row_key, Decision, DecisionTarget};
    use super::*;
    use crate::snapshot::{Scope, Snapshot};
    use crate::testkit::*;

    /// Revoke of `key` (OLD's entitlement), checked against NEW: the
    /// check and its findings. The decision is due 2026-10-20.
    fn checked(
        old: &Snapshot,
        new: &Snapshot,
        key: &str,
        who: &str,
    ) -> (DecisionsCheck, Vec<Finding>) {
        let target: DecisionTarget = target_of_row_key(key, who).unwrap();
        let set = DecisionSet {
            file: "decisions.csv".into(),
            decisions: vec![Decision {
                sheet: "decisions.csv".into(),
                row: 2,
                verdict: Verdict::Revoke,
                target,
                reviewer: "pat@example.com".into(),
                review_date: "2026-10-15".into(),
                justification: String::new(),
                ticket: "T-1".into(),
                modify_to: String::new(),
                remediate_by: "2026-10-20".into(),
            }],
            ..DecisionSet::default()
        };
        let (og, ng) = (AccessGraph::build(old), AccessGraph::build(new));
        let (ol, nl) = (Labels::new(&og), Labels::new(&ng));
        let (oe, ne) = (SideGrants::new(&og, &ol), SideGrants::new(&ng, &nl));
        super::super::revocations::check(&set, (&og, &oe), (&ng, &ne))
    }

    /// Revoke of `key`, the check only.
    fn revoke(old: &Snapshot, new: &Snapshot, key: &str, principal: &str) -> DecisionsCheck {
        checked(old, new, key, principal).0
    }

    #[test]
    fn a_revoked_membership_is_verified_and_says_when_the_access_is_still_held() {
        let mut f = Fixture::new();
        f.user("ann");
        f.group(&proj(), "devs", &["ann"]);
        f.assign(&proj(), group("devs"), "_project_viewer", ALL_PROJECT);
        let old = f.snapshot.clone();
        // NEW: ann is out of the group, but an account admin binding
        // (every resource below the account) still gives her the viewer's
        // permissions in the project.
        f.group_mut("devs").members.clear();
        f.assign(&Scope::Account, user("ann"), "_account_admin", ALL_CHILDREN);
        let new = f.snapshot.clone();
        let c = revoke(&old, &new, "GM:project:eng/pay/devs|ann", "ann");
        assert_eq!(c.verified.len(), 1, "{c:?}");
        let detail = &c.verified[0].detail;
        assert!(
            detail.starts_with("the user is no longer a member of project:eng/pay/devs"),
            "{detail}"
        );
        assert!(
            detail.contains("still holds it through direct (assignment account/ra1"),
            "{detail}"
        );
        // Near miss: without the admin binding, nothing is said.
        f.snapshot.role_assignments.pop();
        let new = f.snapshot.clone();
        let c = revoke(&old, &new, "GM:project:eng/pay/devs|ann", "ann");
        assert!(
            !c.verified[0].detail.contains("still holds"),
            "{:?}",
            c.verified[0]
        );
    }

    #[test]
    fn removals_are_timed_by_their_audit_event_and_late_ones_are_findings() {
        use crate::snapshot::Removal;
        let mut f = Fixture::new();
        f.user("ann").user("bob");
        f.group(&proj(), "devs", &["ann", "bob"]);
        f.assign(&proj(), user("bob"), "_project_admin", ALL_PROJECT);
        let mut old = f.snapshot.clone();
        let day = |d: u32| format!("2026-10-{d:02}T12:00:00Z").parse().unwrap();
        old.provenance.finished_at = day(1);
        f.group_mut("devs").members.retain(|m| m.0 != "ann");
        f.snapshot.role_assignments.clear();
        let mut new = f.snapshot.clone();
        new.provenance.finished_at = day(31);
        new.activity.removals_since = Some(day(1));
        let removal = |at: u32, action: &str, kind: &str, resource: &str| Removal {
            at: day(at),
            audit_id: format!("a{at}"),
            action: action.into(),
            resource_type: kind.into(),
            resource: resource.into(),
            scope: proj(),
            by: "USER carol@example.com".into(),
            removed: vec![],
            role: None,
            resource_group: None,
            details_read: true,
        };
        new.activity.removals = vec![
            // Before OLD was captured: it cannot be this revocation.
            Removal {
                at: "2026-09-30T12:00:00Z".parse().unwrap(),
                removed: vec!["ann".into()],
                ..removal(1, "UPDATE", "USER_GROUP", "devs")
            },
            Removal {
                removed: vec!["ann".into()],
                ..removal(12, "UPDATE", "USER_GROUP", "devs")
            },
            // Bob's assignment deleted; its details were not read.
            Removal {
                details_read: false,
                ..removal(25, "ROLE_ASSIGNMENT_DELETED", "USER", "bob@example.com")
            },
        ];
        let c = revoke(&old, &new, "GM:project:eng/pay/devs|ann", "ann");
        let t = c.verified[0].timing.as_ref().unwrap();
        assert_eq!(
            (t.status, t.removed_at.as_deref(), t.matched_by),
            (
                "on time",
                Some("2026-10-12T12:00:00Z"),
                Some(remediation::MatchedBy::Exactly)
            ),
            "{t:?}"
        );
        assert_eq!(t.removed_by.as_deref(), Some("USER carol@example.com"));
        assert!(c.verified[0].finding_id.is_none());

        let (c, found) = checked(&old, &new, "RA:project:eng/pay/ra0", "bob");
        let t = c.verified[0].timing.as_ref().unwrap();
        assert_eq!(
            (t.status, t.days_late, t.matched_by),
            (
                "late",
                Some(5),
                Some(remediation::MatchedBy::PrincipalAndScope)
            ),
            "{t:?}"
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "remediation-late");
        assert_eq!(c.verified[0].finding_id.as_ref(), Some(&found[0].id));
        assert!(
            found[0].message.contains("5 day(s) after its remediate_by day (2026-10-20): removed 2026-10-25 by USER carol@example.com"),
            "{}",
            found[0].message
        );
        // Bob removed from the account instead: the holder's removal times it.
        new.activity.removals[2] = removal(14, "REMOVE_COLLABORATOR", "USER", "bob@example.com");
        new.activity.removals[2].scope = Scope::Account;
        let (c, found) = checked(&old, &new, "RA:project:eng/pay/ra0", "bob");
        let t = c.verified[0].timing.as_ref().unwrap();
        assert_eq!(
            (t.status, t.matched_by),
            ("on time", Some(remediation::MatchedBy::Holder)),
            "{t:?}"
        );
        assert!(found.is_empty());
        // No event at all: done, but not timed; never "on time".
        new.activity.removals.truncate(1);
        let (c, _) = checked(&old, &new, "RA:project:eng/pay/ra0", "bob");
        assert_eq!(c.verified[0].timing.as_ref().unwrap().status, "not timed");
        // A NEW that did not search the audit trail says so.
        new.activity.removals_since = None;
        let (c, _) = checked(&old, &new, "RA:project:eng/pay/ra0", "bob");
        let t = c.verified[0].timing.as_ref().unwrap();
        assert!(t.note.contains("pull it again"), "{t:?}");
        // Not done: overdue by the days since its day, at NEW's capture.
        let mut unchanged = old.clone();
        unchanged.provenance.finished_at = day(31);
        let (c, found) = checked(&old, &unchanged, "RA:project:eng/pay/ra0", "bob");
        let t = c.not_done[0].timing.as_ref().unwrap();
        assert_eq!((t.status, t.days_late), ("overdue", Some(11)), "{t:?}");
        assert!(
            found[0]
                .message
                .contains("11 day(s) past its remediate_by day"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_revoke_still_in_place_is_not_done_and_one_old_never_held_is_unchecked() {
        let mut f = Fixture::new();
        f.user("ann");
        f.assign(&proj(), user("ann"), "_project_admin", ALL_PROJECT);
        let old = f.snapshot.clone();
        let c = revoke(&old, &old, "RA:project:eng/pay/ra0", "ann");
        assert_eq!(c.not_done.len(), 1);
        assert!(c.not_done[0].finding_id.is_some());
        assert!(
            c.not_done[0]
                .detail
                .contains("still holds role assignment ra0"),
            "{:?}",
            c.not_done[0]
        );
        let c = revoke(&old, &old, "SM:ann|org:ops", "ann");
        assert_eq!(
            (c.verified.len(), c.unchecked.len()),
            (0, 1),
            "ann was never in ops"
        );
    }

    #[test]
    fn a_revoke_not_done_says_where_to_remove_it() {
        let mut f = Fixture::new();
        f.user("ann");
        f.assign(&proj(), user("ann"), "_project_admin", ALL_PROJECT);
        f.group(&proj(), "devs", &["ann"]);
        f.group_mut("devs").externally_managed = true;
        let old = f.snapshot.clone();
        let c = revoke(&old, &old, "RA:project:eng/pay/ra0", "ann");
        assert!(
            c.not_done[0]
                .detail
                .contains("to remove it: Delete role assignment ra0 at project:eng/pay"),
            "{:?}",
            c.not_done[0]
        );
        // A membership kept by the identity provider: removed there.
        let c = revoke(&old, &old, "GM:project:eng/pay/devs|ann", "ann");
        assert!(
            c.not_done[0].detail.contains(
                "come from SCIM: remove the user from that group in the identity provider"
            ),
            "{:?}",
            c.not_done[0]
        );
    }
}
