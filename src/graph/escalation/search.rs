//! The search: breadth-first from a principal over the steps `edges`
//! finds, so each admin scope is reached by a shortest path, keeping only
//! the widest scopes reached; and the single steps `explain` lists.

use std::collections::{HashMap, HashSet, VecDeque};

use super::edges::is_capability;
use super::index::{Edge, EscalationIndex, Node};
use super::step::{EscalationPath, EscalationStep, StepAction};
use crate::graph::build::AccessGraph;
use crate::graph::principal::Principal;
use crate::graph::privilege::PrivilegeLevel;
use crate::snapshot::Scope;

impl<'s> AccessGraph<'s> {
    /// The shortest escalation paths from `p` to admin of scopes it does not
    /// administer already (see [`EscalationIndex::paths_from`]).
    pub fn escalation_paths(&self, p: Principal) -> Vec<EscalationPath> {
        self.escalation_index().paths_from(p)
    }
}

impl<'g, 's> EscalationIndex<'g, 's> {
    /// The shortest path from `p` to each scope it can become admin of but
    /// does not administer already, keeping only the widest such scopes
    /// (admin of the account makes admin of each org redundant). Sorted by
    /// scope.
    pub fn paths_from(&self, p: Principal) -> Vec<EscalationPath> {
        let own_admin = self.graph.admin_scopes(p);
        let administered = |s: &Scope| own_admin.iter().any(|o| s.is_within(o));
        let shares_identifier = matches!(p, Principal::ServiceAccount(si)
            if !self.shared_identifier_edges(si).is_empty());
        if !shares_identifier && !self.has_capability(p, &administered) {
            return Vec::new();
        }
        let start = Node::Principal(p);
        let start_info = self.info(&start);
        let start_held = self.held(&start);
        let mut parent: HashMap<Node, (Node, Edge)> = HashMap::new();
        let mut seen: HashSet<Node> = HashSet::from([start.clone()]);
        let mut queue = VecDeque::from([start.clone()]);
        let mut reached: Vec<Scope> = Vec::new();
        // Steps through a reused service-account identifier rest on what
        // the server source shows, unverified for current Harness: they are
        // taken only once every other step has been followed, so a path
        // without them is preferred wherever one exists.
        let mut deferred: Vec<(Node, Edge)> = Vec::new();
        let mut second_phase = false;
        loop {
            while let Some(node) = queue.pop_front() {
                let info = self.info(&node);
                let mut cross = if node == start {
                    Vec::new()
                } else {
                    self.cross_edges(&info, &start_info)
                };
                // A group joined: its own manager binds the admin role to it.
                if let Node::Group(gi) = &node {
                    cross.extend(self.bind_after_join(&start_held, *gi));
                }
                if let (Node::EditedRole(_) | Node::WidenedResourceGroup(_), Principal::User(u)) =
                    (&node, p)
                {
                    cross.extend(self.edges_as_user(&node, u));
                }
                for e in info.edges.iter().chain(cross.iter()) {
                    if !self.open_to(p, e) {
                        continue;
                    }
                    if !second_phase && e.action == StepAction::ReuseServiceAccountIdentifier {
                        deferred.push((node.clone(), e.clone()));
                        continue;
                    }
                    // Harness binds a group or service account only at its own
                    // level or below, and an assignment's access stays inside its
                    // scope, so nothing inside a scope the principal administers
                    // leads anywhere new.
                    if administered(&e.target_scope) || seen.contains(&e.to) {
                        continue;
                    }
                    seen.insert(e.to.clone());
                    parent.insert(e.to.clone(), (node.clone(), e.clone()));
                    match &e.to {
                        Node::Admin(scope) => reached.push(scope.clone()),
                        other => queue.push_back(other.clone()),
                    }
                }
                if reached.contains(&Scope::Account) {
                    // Nothing is wider than the account.
                    break;
                }
            }
            if second_phase || deferred.is_empty() || reached.contains(&Scope::Account) {
                break;
            }
            second_phase = true;
            for (from, e) in std::mem::take(&mut deferred) {
                if administered(&e.target_scope) || seen.contains(&e.to) {
                    continue;
                }
                seen.insert(e.to.clone());
                parent.insert(e.to.clone(), (from, e.clone()));
                match &e.to {
                    Node::Admin(scope) => reached.push(scope.clone()),
                    other => queue.push_back(other.clone()),
                }
            }
        }
        let new = reached;
        let mut widest: Vec<Scope> = new
            .iter()
            .filter(|s| !new.iter().any(|t| t != *s && s.is_within(t)))
            .cloned()
            .collect();
        widest.sort();
        widest.dedup();
        widest
            .into_iter()
            .map(|scope| {
                let mut steps = Vec::new();
                let mut cur = Node::Admin(scope.clone());
                while let Some((prev, edge)) = parent.get(&cur) {
                    steps.push(self.render(prev, &start, edge));
                    cur = prev.clone();
                }
                steps.reverse();
                EscalationPath {
                    admin_of: scope,
                    steps,
                }
            })
            .collect()
    }

    /// The single steps `p` can take ("P can become Q"), leaving out those
    /// inside scopes it already administers. Sorted by action and target.
    pub fn edges_from(&self, p: Principal) -> Vec<EscalationStep> {
        let own_admin = self.graph.admin_scopes(p);
        let start = Node::Principal(p);
        let info = self.info(&start);
        let mut out: Vec<EscalationStep> = info
            .edges
            .iter()
            .filter(|e| e.action != StepAction::HoldAdmin)
            .filter(|e| self.open_to(p, e))
            .filter(|e| !own_admin.iter().any(|o| e.target_scope.is_within(o)))
            .map(|e| self.render(&start, &start, e))
            .collect();
        out.sort_by(|a, b| {
            (a.action, &a.target, &a.assignment_id).cmp(&(b.action, &b.target, &b.assignment_id))
        });
        out.dedup_by(|a, b| a.action == b.action && a.target == b.target);
        out
    }

    /// Whether the principal the search started from can take step `e`:
    /// joining a group is open to a user Harness lets in (see
    /// [`EscalationIndex::can_join`]), never to a service account.
    fn open_to(&self, p: Principal, e: &Edge) -> bool {
        match (&e.action, &e.to, p) {
            (StepAction::JoinGroup, Node::Group(gi), Principal::User(u)) => self.can_join(u, *gi),
            (StepAction::JoinGroup, _, _) => false,
            // Impersonation is a signed-in user's session (the Users page of
            // Account Settings); whether a service account's token can start
            // one is unverified, so it is not a step for one.
            (StepAction::ImpersonateUser, _, p) => matches!(p, Principal::User(_)),
            _ => true,
        }
    }

    /// True when `p` holds an escalation permission on some scope it does
    /// not administer: without one, every step stays inside its own admin
    /// scopes.
    fn has_capability(&self, p: Principal, administered: &dyn Fn(&Scope) -> bool) -> bool {
        self.graph.grants_of(p).iter().any(|g| {
            self.graph.access_of(g.assignment).is_some_and(|a| {
                let capable = match a.level {
                    PrivilegeLevel::Escalation => true,
                    PrivilegeLevel::Admin => {
                        a.permissions.iter().any(|x| is_capability(x.as_str()))
                    }
                    _ => false,
                };
                capable && a.targets.iter().any(|t| !administered(&t.scope))
            })
        })
    }
}
