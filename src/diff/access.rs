//! Effective access gained, lost and changed, computed from both graphs.
//!
//! A grant is identified by (principal id, via, assignment scope and id, role
//! id, resource group id): the same row of effective_access.csv in both packs.
//! Comparing grants rather than assignments is what makes a new admin through
//! a membership change show up when no assignment changed, and a widened
//! resource group or a role that gained a permission show on every grant that
//! runs through it.
//!
//! A large account has hundreds of thousands of grants per side and only a
//! few thousand differ, so each side's grants are sorted by a key read from
//! the snapshot as needed (and from a few labels made once per side,
//! [`Labels`]), never written out per grant, and an [`AccessEntry`] is only
//! made for a grant that is listed.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeSet, HashMap};

use crate::graph::{format_resources, format_targets, Access, AccessGraph, Grant, Principal, Via};
use crate::snapshot::Scope;

use super::model::{AccessChange, AccessChanges, AccessEntry, AccessState};

/// (principal id, via, assignment scope, assignment id, role id, resource
/// group id), borrowed.
type GrantKey<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

/// The text of a side's grant keys that the snapshot does not hold as such:
/// service account ids, via labels and assignment scopes.
pub(crate) struct Labels {
    /// `sa:SCOPE/ID`, per service account.
    service_accounts: Vec<String>,
    /// Index into `vias`, per via of any grant.
    via_index: HashMap<Via, u32>,
    /// `direct` or `group:SCOPE/ID`.
    vias: Vec<String>,
    /// Per role assignment: index into `scopes`.
    assignment_scope: Vec<u32>,
    /// Each assignment scope, written out once.
    scopes: Vec<String>,
}

impl Labels {
    /// Labels for every grant of the graph.
    pub(crate) fn new(g: &AccessGraph<'_>) -> Labels {
        let s = g.snapshot();
        let service_accounts = (0..s.service_accounts.len())
            .map(|i| g.identity(Principal::ServiceAccount(i)).id)
            .collect();
        let mut via_index = HashMap::new();
        let mut vias = Vec::new();
        for grant in &g.grants {
            via_index.entry(grant.via).or_insert_with(|| {
                vias.push(g.via_label(grant.via));
                (vias.len() - 1) as u32
            });
        }
        let mut by_scope: HashMap<&Scope, u32> = HashMap::new();
        let mut scopes = Vec::new();
        let assignment_scope = s
            .role_assignments
            .iter()
            .map(|a| {
                *by_scope.entry(&a.scope).or_insert_with(|| {
                    scopes.push(a.scope.to_string());
                    (scopes.len() - 1) as u32
                })
            })
            .collect();
        Labels {
            service_accounts,
            via_index,
            vias,
            assignment_scope,
            scopes,
        }
    }
}

/// A grant as sorted: its principal id, its via, and its index in the
/// graph; the rest of its key follows from its assignment.
#[derive(Clone, Copy)]
struct Keyed<'a> {
    principal: &'a str,
    /// Index into [`Labels::vias`].
    via: u32,
    /// Index into the graph's grants.
    grant: u32,
}

/// The text of grant keys, for one side.
#[derive(Clone, Copy)]
struct Keys<'a> {
    graph: &'a AccessGraph<'a>,
    labels: &'a Labels,
}

impl<'a> Keys<'a> {
    fn via(self, e: &Keyed<'a>) -> &'a str {
        &self.labels.vias[e.via as usize]
    }

    /// Assignment scope, assignment id, role id, resource group id.
    fn assignment(self, e: &Keyed<'a>) -> (&'a str, &'a str, &'a str, &'a str) {
        let ai = self.graph.grants[e.grant as usize].assignment;
        let a = &self.graph.snapshot().role_assignments[ai];
        (
            &self.labels.scopes[self.labels.assignment_scope[ai] as usize],
            a.id.as_str(),
            a.role.id.as_str(),
            a.resource_group.as_str(),
        )
    }

    fn key(self, e: &Keyed<'a>) -> GrantKey<'a> {
        let (scope, id, role, rg) = self.assignment(e);
        (e.principal, self.via(e), scope, id, role, rg)
    }

    fn cmp(self, x: &Keyed<'a>, y: &Keyed<'a>) -> Ordering {
        x.principal
            .cmp(y.principal)
            .then_with(|| self.via(x).cmp(self.via(y)))
            .then_with(|| self.assignment(x).cmp(&self.assignment(y)))
    }
}

/// One side's grants, keyed: one per key, sorted by key.
pub(crate) struct SideGrants<'a> {
    keys: Keys<'a>,
    /// When two grants share a key, the later one (in the graph's order) is
    /// kept.
    entries: Vec<Keyed<'a>>,
}

impl<'a> SideGrants<'a> {
    /// Every grant of the graph that has access, keyed.
    pub(crate) fn new(graph: &'a AccessGraph<'a>, labels: &'a Labels) -> SideGrants<'a> {
        let s = graph.snapshot();
        let keys = Keys { graph, labels };
        let mut entries: Vec<Keyed<'a>> = Vec::with_capacity(graph.grants.len());
        for (i, grant) in graph.grants.iter().enumerate() {
            if graph.access_of(grant.assignment).is_none() {
                continue;
            }
            let principal = match grant.principal {
                Principal::User(u) => s.users[u].id.as_str(),
                Principal::ServiceAccount(x) => labels.service_accounts[x].as_str(),
            };
            entries.push(Keyed {
                principal,
                via: labels.via_index[&grant.via],
                grant: u32::try_from(i).expect("fewer than 2^32 grants"),
            });
        }
        // Stable: equal keys stay in the graph's order, so keeping the last
        // of each run keeps the later grant.
        entries.sort_by(|x, y| keys.cmp(x, y));
        let mut kept = 0;
        for i in 0..entries.len() {
            if kept > 0 && keys.cmp(&entries[kept - 1], &entries[i]) == Ordering::Equal {
                entries[kept - 1] = entries[i];
            } else {
                entries[kept] = entries[i];
                kept += 1;
            }
        }
        entries.truncate(kept);
        SideGrants { keys, entries }
    }

    fn grant(&self, e: &Keyed<'a>) -> &'a Grant {
        &self.keys.graph.grants[e.grant as usize]
    }

    fn access(&self, e: &Keyed<'a>) -> &'a Access {
        self.keys
            .graph
            .access_of(self.grant(e).assignment)
            .expect("keyed grants have access")
    }

    fn entry(&self, e: &Keyed<'a>) -> AccessEntry {
        entry(self.keys.graph, self.grant(e)).expect("keyed grants have access")
    }

    /// Every grant of the principal with this id, as entries, in key order.
    pub(crate) fn entries_of(&self, principal_id: &str) -> Vec<AccessEntry> {
        let from = self.entries.partition_point(|e| e.principal < principal_id);
        self.entries[from..]
            .iter()
            .take_while(|e| e.principal == principal_id)
            .map(|e| self.entry(e))
            .collect()
    }
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

/// True when two accesses read the same in every output: level, admin
/// scope, targets, resources and permissions as written.
fn same_access(o: &Access, n: &Access) -> bool {
    if o == n {
        return true;
    }
    o.level == n.level
        && o.admin_of.as_ref().map(Scope::to_string) == n.admin_of.as_ref().map(Scope::to_string)
        && format_targets(&o.targets) == format_targets(&n.targets)
        && format_resources(o.resources.as_deref()) == format_resources(n.resources.as_deref())
        && o.permissions.len() == n.permissions.len()
        && o.permissions
            .iter()
            .zip(&n.permissions)
            .all(|(a, b)| a.as_str() == b.as_str())
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

fn changed(oe: AccessEntry, ne: AccessEntry) -> Option<AccessChange> {
    let (os, ns) = (state(&oe), state(&ne));
    if os == ns && oe.permissions == ne.permissions {
        return None;
    }
    let op: BTreeSet<&String> = oe.permissions.iter().collect();
    let np: BTreeSet<&String> = ne.permissions.iter().collect();
    let direction = match ns.privilege_level.cmp(&os.privilege_level) {
        Ordering::Greater => "up",
        Ordering::Less => "down",
        Ordering::Equal => "same",
    };
    let permissions_added = np.difference(&op).map(|p| (*p).clone()).collect();
    let permissions_removed = op.difference(&np).map(|p| (*p).clone()).collect();
    Some(AccessChange {
        principal_kind: ne.principal_kind,
        principal_id: ne.principal_id,
        principal_name: ne.principal_name,
        principal_email: ne.principal_email,
        via: ne.via,
        assignment_id: ne.assignment_id,
        assignment_scope: ne.assignment_scope,
        role_id: ne.role_id,
        resource_group_id: ne.resource_group_id,
        direction,
        old: os,
        new: ns,
        permissions_added,
        permissions_removed,
    })
}

/// Grants gained, lost and changed, from both sides' keyed grants.
pub(crate) fn effective_access(o: &SideGrants<'_>, n: &SideGrants<'_>) -> AccessChanges {
    let mut out = AccessChanges::default();
    // Whether an (OLD assignment, NEW assignment) pair reads the same: every
    // grant through the same pair has the same access.
    let mut same: HashMap<(usize, usize), bool> = HashMap::new();
    let (mut i, mut j) = (0, 0);
    let (oe, ne) = (&o.entries, &n.entries);
    // Both lists are sorted by key: walk them together. Gained and changed
    // come in NEW's key order and lost in OLD's.
    while i < oe.len() || j < ne.len() {
        let ord = match (oe.get(i), ne.get(j)) {
            (Some(x), Some(y)) => o.keys.key(x).cmp(&n.keys.key(y)),
            (Some(_), None) => Ordering::Less,
            (None, _) => Ordering::Greater,
        };
        match ord {
            Ordering::Less => {
                out.lost.push(o.entry(&oe[i]));
                i += 1;
            }
            Ordering::Greater => {
                out.gained.push(n.entry(&ne[j]));
                j += 1;
            }
            Ordering::Equal => {
                let (x, y) = (&oe[i], &ne[j]);
                let pair = (o.grant(x).assignment, n.grant(y).assignment);
                let is_same = *same
                    .entry(pair)
                    .or_insert_with(|| same_access(o.access(x), n.access(y)));
                if !is_same {
                    if let Some(c) = changed(o.entry(x), n.entry(y)) {
                        out.changed.push(c);
                    }
                }
                i += 1;
                j += 1;
            }
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
