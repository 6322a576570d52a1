//! Object-level changes: principals, stored group memberships, role
//! assignments, roles and resource groups, each keyed by the identifier
//! Harness gives it (scope and id), so the same object is matched across
//! snapshots whatever order or index it has.

use std::collections::{BTreeMap, BTreeSet};

use crate::graph::{
    format_included_scopes, format_resources, is_all_users_group, AccessGraph, Principal,
};
use crate::snapshot::{ResourceGroup, Role, RoleAssignment, Scope};

use super::model::{
    AssignmentChanges, AssignmentEntry, FieldChange, Membership, MembershipChanges,
    PrincipalChange, PrincipalChanges, PrincipalEntry, ResourceGroupChange, ResourceGroupChanges,
    RoleChange, RoleChanges,
};

/// A principal's entry as one snapshot shows it.
pub(crate) fn principal_entry(g: &AccessGraph<'_>, p: Principal) -> PrincipalEntry {
    let s = g.snapshot();
    let id = g.identity(p);
    let (status, two_factor, externally_managed) = match p {
        Principal::User(i) => {
            let u = &s.users[i];
            (
                u.status().to_string(),
                u.two_factor_enabled,
                u.externally_managed,
            )
        }
        Principal::ServiceAccount(_) => ("enabled".to_string(), None, false),
    };
    PrincipalEntry {
        kind: id.kind,
        id: id.id,
        name: id.name.to_string(),
        email: id.email.map(str::to_string),
        status,
        two_factor,
        externally_managed,
        highest_privilege: g.highest_level(p),
        admin_of: g.admin_scopes(p).iter().map(Scope::to_string).collect(),
    }
}

fn principals_by_id(g: &AccessGraph<'_>) -> BTreeMap<String, Principal> {
    g.principals().map(|p| (g.identity(p).id, p)).collect()
}

fn two_factor_word(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
    .to_string()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The attributes compared, as (field, value) pairs.
fn principal_fields(g: &AccessGraph<'_>, p: Principal) -> Vec<(&'static str, String)> {
    let s = g.snapshot();
    match p {
        Principal::User(i) => {
            let u = &s.users[i];
            vec![
                ("name", u.name.clone()),
                ("email", u.email.clone()),
                ("status", u.status().to_string()),
                ("two_factor", two_factor_word(u.two_factor_enabled)),
                ("externally_managed", yes_no(u.externally_managed)),
                (
                    "scopes",
                    u.scopes
                        .iter()
                        .map(Scope::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ]
        }
        Principal::ServiceAccount(i) => {
            let a = &s.service_accounts[i];
            vec![
                ("name", a.name.clone()),
                ("email", a.email.clone().unwrap_or_default()),
                ("description", a.description.clone().unwrap_or_default()),
                (
                    "tags",
                    a.tags
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ]
        }
    }
}

/// Users and service accounts added, removed and changed.
pub(crate) fn principals(old: &AccessGraph<'_>, new: &AccessGraph<'_>) -> PrincipalChanges {
    let o = principals_by_id(old);
    let n = principals_by_id(new);
    let mut out = PrincipalChanges::default();
    for (id, &np) in &n {
        match o.get(id) {
            None => out.added.push(principal_entry(new, np)),
            Some(&op) => {
                let changes: Vec<FieldChange> = principal_fields(old, op)
                    .into_iter()
                    .zip(principal_fields(new, np))
                    .filter(|((_, a), (_, b))| a != b)
                    .map(|((field, a), (_, b))| FieldChange {
                        field,
                        old: a,
                        new: b,
                    })
                    .collect();
                if !changes.is_empty() {
                    let e = new.identity(np);
                    out.changed.push(PrincipalChange {
                        kind: e.kind,
                        id: e.id,
                        name: e.name.to_string(),
                        email: e.email.map(str::to_string),
                        changes,
                    });
                }
            }
        }
    }
    for (id, &op) in &o {
        if !n.contains_key(id) {
            out.removed.push(principal_entry(old, op));
        }
    }
    out
}

/// Stored memberships of listed groups as (group scope, group id, user id,
/// group index, member index), sorted by the first three: one per key, the
/// later one when a key repeats (as a map insert would keep).
fn memberships<'a>(
    g: &AccessGraph<'a>,
    scopes: &'a [String],
) -> Vec<(&'a str, &'a str, &'a str, usize, usize)> {
    let s = g.snapshot();
    let mut out = Vec::new();
    for (gi, x) in s.user_groups.iter().enumerate() {
        if is_all_users_group(x.id.as_str(), x.scope.level()) {
            continue;
        }
        for (mi, m) in x.members.iter().enumerate() {
            out.push((scopes[gi].as_str(), x.id.as_str(), m.as_str(), gi, mi));
        }
    }
    // Stable, so the last of a run of equal keys is the later one.
    out.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let mut kept = 0;
    for i in 0..out.len() {
        let same = kept > 0 && {
            let (p, q) = (&out[kept - 1], &out[i]);
            (p.0, p.1, p.2) == (q.0, q.1, q.2)
        };
        if !same {
            kept += 1;
        }
        out[kept - 1] = out[i];
    }
    out.truncate(kept);
    out
}

fn membership(g: &AccessGraph<'_>, scope: &str, gi: usize, mi: usize) -> Membership {
    let s = g.snapshot();
    let x = &s.user_groups[gi];
    let m = &x.members[mi];
    let (user_name, user_email) = match g.user_index(m.as_str()) {
        Some(u) => (s.users[u].name.clone(), s.users[u].email.clone()),
        None => (String::new(), String::new()),
    };
    Membership {
        group_scope: scope.to_string(),
        group_id: x.id.to_string(),
        group_name: x.name.clone(),
        user_id: m.to_string(),
        user_name,
        user_email,
    }
}

/// Group memberships added and removed.
pub(crate) fn group_memberships(old: &AccessGraph<'_>, new: &AccessGraph<'_>) -> MembershipChanges {
    let group_scopes = |g: &AccessGraph<'_>| -> Vec<String> {
        g.snapshot()
            .user_groups
            .iter()
            .map(|x| x.scope.to_string())
            .collect()
    };
    let (os, ns) = (group_scopes(old), group_scopes(new));
    let (o, n) = (memberships(old, &os), memberships(new, &ns));
    let mut out = MembershipChanges::default();
    let (mut i, mut j) = (0, 0);
    while i < o.len() || j < n.len() {
        let ord = match (o.get(i), n.get(j)) {
            (Some(a), Some(b)) => (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, _) => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                let x = o[i];
                out.removed.push(membership(old, x.0, x.3, x.4));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let x = n[j];
                out.added.push(membership(new, x.0, x.3, x.4));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn assignment_entry(g: &AccessGraph<'_>, ai: usize, grants: &[usize]) -> AssignmentEntry {
    let a = &g.snapshot().role_assignments[ai];
    let r = &g.assignments[ai];
    AssignmentEntry {
        scope: a.scope.to_string(),
        id: a.id.to_string(),
        principal_type: a.principal.kind.clone(),
        principal_id: a.principal.id.clone(),
        principal_scope_level: a.principal.scope_level.map(|l| l.as_str().to_string()),
        role_id: a.role.id.to_string(),
        resource_group_id: a.resource_group.to_string(),
        managed: a.managed,
        status: r.status.as_str(),
        privilege_level: r.access.as_ref().map(|x| x.level),
        grants: grants[ai],
    }
}

fn grants_per_assignment(g: &AccessGraph<'_>) -> Vec<usize> {
    let mut v = vec![0usize; g.snapshot().role_assignments.len()];
    for x in &g.grants {
        v[x.assignment] += 1;
    }
    v
}

/// Role assignments as ((scope, id), index), sorted by key: one per key,
/// the later one when a key repeats (as a map insert would keep).
fn assignments_by_key<'s>(g: &AccessGraph<'s>) -> Vec<((&'s Scope, &'s str), usize)> {
    let mut v: Vec<((&'s Scope, &'s str), usize)> = g
        .snapshot()
        .role_assignments
        .iter()
        .enumerate()
        .map(|(i, a)| ((&a.scope, a.id.as_str()), i))
        .collect();
    // Stable, so the last of a run of equal keys is the later one.
    v.sort_by(|a, b| a.0.cmp(&b.0));
    let mut kept = 0;
    for i in 0..v.len() {
        if !(kept > 0 && v[kept - 1].0 == v[i].0) {
            kept += 1;
        }
        v[kept - 1] = v[i];
    }
    v.truncate(kept);
    v
}

/// True when two assignments with the same identifier bind the same
/// principal, role and resource group.
fn same_binding(a: &RoleAssignment, b: &RoleAssignment) -> bool {
    a.principal == b.principal && a.role == b.role && a.resource_group == b.resource_group
}

/// Role assignments added, removed, enabled and disabled.
pub(crate) fn role_assignments(old: &AccessGraph<'_>, new: &AccessGraph<'_>) -> AssignmentChanges {
    let o = assignments_by_key(old);
    let n = assignments_by_key(new);
    let og = grants_per_assignment(old);
    let ng = grants_per_assignment(new);
    let os = &old.snapshot().role_assignments;
    let ns = &new.snapshot().role_assignments;
    let mut out = AssignmentChanges::default();
    // Removed ones are listed in OLD's key order, the others in NEW's: a
    // walk of both sorted lists together gives both.
    let (mut i, mut j) = (0, 0);
    while i < o.len() || j < n.len() {
        let ord = match (o.get(i), n.get(j)) {
            (Some(a), Some(b)) => a.0.cmp(&b.0),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, _) => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                out.removed.push(assignment_entry(old, o[i].1, &og));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.added.push(assignment_entry(new, n[j].1, &ng));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (oi, ni) = (o[i].1, n[j].1);
                if same_binding(&os[oi], &ns[ni]) {
                    match (os[oi].disabled, ns[ni].disabled) {
                        (true, false) => out.enabled.push(assignment_entry(new, ni, &ng)),
                        (false, true) => out.disabled.push(assignment_entry(new, ni, &ng)),
                        _ => {}
                    }
                } else {
                    out.added.push(assignment_entry(new, ni, &ng));
                    out.removed.push(assignment_entry(old, oi, &og));
                }
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn role_change(r: &Role, added: Vec<String>, removed: Vec<String>) -> RoleChange {
    let escalation_added = added
        .iter()
        .filter(|p| crate::graph::is_escalation(p))
        .cloned()
        .collect();
    RoleChange {
        scope: r.scope.to_string(),
        id: r.id.to_string(),
        name: r.name.clone(),
        harness_managed: r.harness_managed,
        permissions_added: added,
        permissions_removed: removed,
        escalation_added,
    }
}

fn permission_set(r: &Role) -> BTreeSet<String> {
    r.permissions.iter().map(|p| p.to_string()).collect()
}

/// Roles added, removed, or whose permissions changed.
pub(crate) fn roles(old: &[Role], new: &[Role]) -> RoleChanges {
    let o: BTreeMap<_, _> = old.iter().map(|r| ((&r.scope, r.id.as_str()), r)).collect();
    let n: BTreeMap<_, _> = new.iter().map(|r| ((&r.scope, r.id.as_str()), r)).collect();
    let mut out = RoleChanges::default();
    for (k, nr) in &n {
        let np = permission_set(nr);
        match o.get(k) {
            None => out
                .added
                .push(role_change(nr, np.into_iter().collect(), Vec::new())),
            Some(or) => {
                let op = permission_set(or);
                if op != np {
                    out.changed.push(role_change(
                        nr,
                        np.difference(&op).cloned().collect(),
                        op.difference(&np).cloned().collect(),
                    ));
                }
            }
        }
    }
    for (k, or) in &o {
        if !n.contains_key(k) {
            out.removed.push(role_change(
                or,
                Vec::new(),
                permission_set(or).into_iter().collect(),
            ));
        }
    }
    out
}

fn rg_scopes(g: &ResourceGroup) -> String {
    format_included_scopes(&g.included_scopes)
}

fn rg_resources(g: &ResourceGroup) -> String {
    if g.resource_filter.include_all {
        format_resources(None)
    } else {
        format_resources(Some(&g.resource_filter.resources))
    }
}

/// Resource groups added, removed, or whose scopes or resources changed.
pub(crate) fn resource_groups(
    old: &[ResourceGroup],
    new: &[ResourceGroup],
) -> ResourceGroupChanges {
    let o: BTreeMap<_, _> = old.iter().map(|r| ((&r.scope, r.id.as_str()), r)).collect();
    let n: BTreeMap<_, _> = new.iter().map(|r| ((&r.scope, r.id.as_str()), r)).collect();
    let mut out = ResourceGroupChanges::default();
    let entry = |o: Option<&ResourceGroup>, n: Option<&ResourceGroup>| {
        let named = n.or(o).expect("one side is present");
        ResourceGroupChange {
            scope: named.scope.to_string(),
            id: named.id.to_string(),
            name: named.name.clone(),
            included_scopes_old: o.map(rg_scopes).unwrap_or_default(),
            included_scopes_new: n.map(rg_scopes).unwrap_or_default(),
            resources_old: o.map(rg_resources).unwrap_or_default(),
            resources_new: n.map(rg_resources).unwrap_or_default(),
        }
    };
    for (k, nr) in &n {
        match o.get(k) {
            None => out.added.push(entry(None, Some(nr))),
            Some(or) => {
                let mut os = or.included_scopes.clone();
                let mut ns = nr.included_scopes.clone();
                os.sort();
                ns.sort();
                let mut of = or.resource_filter.clone();
                let mut nf = nr.resource_filter.clone();
                of.resources.sort();
                nf.resources.sort();
                if os != ns || of != nf {
                    out.changed.push(entry(Some(or), Some(nr)));
                }
            }
        }
    }
    for (k, or) in &o {
        if !n.contains_key(k) {
            out.removed.push(entry(Some(or), None));
        }
    }
    out
}
