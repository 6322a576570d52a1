//! Effective access gained, lost and changed, computed from both graphs.
//!
//! A grant is identified by (principal id, via, assignment scope and id, role
//! id, resource group id): the same row of effective_access.csv in both packs.
//! Comparing grants rather than assignments is what makes a new admin through
//! a membership change show up when no assignment changed, and a widened
//! resource group or a role that gained a permission show on every grant that
//! runs through it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use crate::graph::{format_resources, format_targets, AccessGraph, Grant};
use crate::snapshot::Scope;

use super::model::{AccessChange, AccessChanges, AccessEntry, AccessState};

/// (principal id, via, assignment scope, assignment id, role id, resource
/// group id).
pub(crate) type GrantKey = (String, String, String, String, String, String);

/// One side's grants, keyed.
pub(crate) fn grant_entries(g: &AccessGraph<'_>) -> BTreeMap<GrantKey, AccessEntry> {
    let s = g.snapshot();
    let mut out = BTreeMap::new();
    for grant in &g.grants {
        let Some(e) = entry(g, grant) else { continue };
        let a = &s.role_assignments[grant.assignment];
        let key = (
            e.principal_id.clone(),
            e.via.clone(),
            e.assignment_scope.clone(),
            e.assignment_id.clone(),
            a.role.id.to_string(),
            a.resource_group.to_string(),
        );
        out.insert(key, e);
    }
    out
}

fn entry(g: &AccessGraph<'_>, grant: &Grant) -> Option<AccessEntry> {
    let s = g.snapshot();
    let access = g.access_of(grant.assignment)?;
    let a = &s.role_assignments[grant.assignment];
    let id = g.identity(grant.principal);
    Some(AccessEntry {
        principal_kind: id.kind,
        principal_id: id.id,
        principal_name: id.name.to_string(),
        principal_email: id.email.map(str::to_string),
        via: g.via_label(grant.via),
        assignment_id: a.id.to_string(),
        assignment_scope: a.scope.to_string(),
        role_id: a.role.id.to_string(),
        resource_group_id: a.resource_group.to_string(),
        privilege_level: access.level,
        admin_of: access.admin_of.as_ref().map(Scope::to_string),
        target_scopes: format_targets(&access.targets),
        resources: format_resources(access.resources.as_deref()),
        permissions: access.permissions.iter().map(|p| p.to_string()).collect(),
    })
}

fn state(e: &AccessEntry) -> AccessState {
    AccessState {
        privilege_level: e.privilege_level,
        admin_of: e.admin_of.clone(),
        target_scopes: e.target_scopes.clone(),
        resources: e.resources.clone(),
    }
}

fn sort_entries(v: &mut [AccessEntry]) {
    v.sort_by(|a, b| {
        (
            Reverse(a.privilege_level),
            &a.principal_id,
            &a.via,
            &a.assignment_scope,
            &a.assignment_id,
        )
            .cmp(&(
                Reverse(b.privilege_level),
                &b.principal_id,
                &b.via,
                &b.assignment_scope,
                &b.assignment_id,
            ))
    });
}

/// Grants gained, lost and changed, from both sides' [`grant_entries`].
pub(crate) fn effective_access(
    o: &BTreeMap<GrantKey, AccessEntry>,
    n: &BTreeMap<GrantKey, AccessEntry>,
) -> AccessChanges {
    let mut out = AccessChanges::default();
    for (k, ne) in n {
        let Some(oe) = o.get(k) else {
            out.gained.push(ne.clone());
            continue;
        };
        let (os, ns) = (state(oe), state(ne));
        if os == ns && oe.permissions == ne.permissions {
            continue;
        }
        let op: BTreeSet<&String> = oe.permissions.iter().collect();
        let np: BTreeSet<&String> = ne.permissions.iter().collect();
        let direction = match ns.privilege_level.cmp(&os.privilege_level) {
            std::cmp::Ordering::Greater => "up",
            std::cmp::Ordering::Less => "down",
            std::cmp::Ordering::Equal => "same",
        };
        out.changed.push(AccessChange {
            principal_kind: ne.principal_kind,
            principal_id: ne.principal_id.clone(),
            principal_name: ne.principal_name.clone(),
            principal_email: ne.principal_email.clone(),
            via: ne.via.clone(),
            assignment_id: ne.assignment_id.clone(),
            assignment_scope: ne.assignment_scope.clone(),
            role_id: ne.role_id.clone(),
            resource_group_id: ne.resource_group_id.clone(),
            direction,
            old: os,
            new: ns,
            permissions_added: np.difference(&op).map(|p| (*p).clone()).collect(),
            permissions_removed: op.difference(&np).map(|p| (*p).clone()).collect(),
        });
    }
    for (k, oe) in o {
        if !n.contains_key(k) {
            out.lost.push(oe.clone());
        }
    }
    sort_entries(&mut out.gained);
    sort_entries(&mut out.lost);
    // Level changes first (up before down), then by the new level.
    let rank = |c: &AccessChange| match c.direction {
        "up" => 0,
        "down" => 1,
        _ => 2,
    };
    out.changed.sort_by(|a, b| {
        (
            rank(a),
            Reverse(a.new.privilege_level),
            &a.principal_id,
            &a.via,
            &a.assignment_scope,
            &a.assignment_id,
        )
            .cmp(&(
                rank(b),
                Reverse(b.new.privilege_level),
                &b.principal_id,
                &b.via,
                &b.assignment_scope,
                &b.assignment_id,
            ))
    });
    out
}
