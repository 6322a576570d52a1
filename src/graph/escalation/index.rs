//! The search's state and its lookups: the nodes a principal can act as, the
//! steps between them before they are rendered, and the
//! [`EscalationIndex`] of groups, service accounts and scopes built once per
//! graph, with the cache of each node's own steps shared by every search.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::step::StepAction;
use crate::graph::access::Access;
use crate::graph::assignment::AssignmentStatus;
use crate::graph::build::AccessGraph;
use crate::graph::principal::{is_all_users_group, Principal, ResolvedPrincipal};
use crate::graph::privilege::{ACCESS_CONTROL_MANAGEMENT, ESCALATION_PERMISSIONS};
use crate::snapshot::{PermissionId, Scope};

/// A state of the search: whose grants the principal can act with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Node {
    /// A user or service account (the start, or one it can mint a token for).
    Principal(Principal),
    /// Membership of `snapshot.user_groups[i]`.
    Group(usize),
    /// Assignment `i` after its custom role was given every permission.
    EditedRole(usize),
    /// Assignment `i` after its custom resource group was widened.
    WidenedResourceGroup(usize),
    /// A service account at `scope` the principal has bound the scope's
    /// admin role to; `mint` is the assignment letting it mint its token.
    BoundServiceAccount { scope: Scope, mint: usize },
    /// Admin of a scope: the goal.
    Admin(Scope),
}

/// One access a node holds, with the assignment it comes from.
#[derive(Clone)]
pub(super) struct Held {
    pub(super) assignment: usize,
    pub(super) access: Arc<Access>,
}

/// A step found by the search, before it is rendered: cheap to make, so
/// the search can afford to find the same step many times.
#[derive(Debug, Clone)]
pub(super) struct Edge {
    pub(super) to: Node,
    pub(super) action: StepAction,
    /// The permission used (`None` for `hold-admin`).
    pub(super) permission: Option<Cow<'static, str>>,
    /// The assignment carrying the permission (or the admin grant).
    pub(super) carrier: usize,
    /// True when the carrier is the principal's own grant rather than the
    /// node's (an edit of what it has become, with its own permission).
    pub(super) by_start: bool,
    /// For edits: the assignment whose role or resource group is edited.
    pub(super) edited: Option<usize>,
    /// Where the target lives (admin steps: the scope administered).
    pub(super) target_scope: Scope,
}

/// What the search knows about a node, computed once per index.
pub(super) struct NodeInfo {
    /// Steps from the node's own grants.
    pub(super) edges: Vec<Edge>,
    /// Its grants that can edit roles or resource groups.
    pub(super) editors: Vec<Held>,
    /// Its grants through a custom role or a custom resource group: the
    /// only ones an edit can change.
    pub(super) editable: Vec<Held>,
}

/// Lookups for the escalation search, built once per graph. Node expansions
/// are cached, so searching from every principal shares the work.
pub struct EscalationIndex<'g, 's> {
    pub(super) graph: &'g AccessGraph<'s>,
    /// Per listed group: its active assignments.
    pub(super) group_assignments: Vec<Vec<usize>>,
    /// Listed groups with active assignments, by scope (all-users groups
    /// left out: everyone is in them).
    pub(super) groups_by_scope: HashMap<Scope, Vec<usize>>,
    /// Every listed group, by scope (all-users groups and groups without
    /// assignments included: a manager can bind a role to any of them).
    pub(super) all_groups_by_scope: HashMap<Scope, Vec<usize>>,
    /// Service accounts that hold any grant, by scope.
    pub(super) sas_by_scope: HashMap<Scope, Vec<usize>>,
    /// Each known scope with itself and its descendants.
    pub(super) subtree: HashMap<Scope, Vec<Scope>>,
    /// Every permission an edited role could be given.
    pub(super) catalogue: Vec<PermissionId>,
    /// Per scope some user administers: its admins, those with login
    /// evidence first (built when first asked: only impersonation uses it).
    pub(super) admin_users: std::cell::OnceCell<Vec<(Scope, Vec<usize>)>>,
    pub(super) cache: RefCell<HashMap<Node, Rc<NodeInfo>>>,
}

impl<'s> AccessGraph<'s> {
    /// Builds the lookups the escalation search needs.
    pub fn escalation_index(&self) -> EscalationIndex<'_, 's> {
        let s = self.snapshot;
        let mut group_assignments = vec![Vec::new(); s.user_groups.len()];
        for (ai, r) in self.assignments.iter().enumerate() {
            if r.status != AssignmentStatus::Active {
                continue;
            }
            if let Some(ResolvedPrincipal::Group(g)) = r.principal {
                if let Some(i) = g.index {
                    group_assignments[i].push(ai);
                }
            }
        }
        let mut groups_by_scope: HashMap<Scope, Vec<usize>> = HashMap::new();
        for (i, g) in s.user_groups.iter().enumerate() {
            if !is_all_users_group(g.id.as_str(), g.scope.level())
                && !group_assignments[i].is_empty()
            {
                groups_by_scope.entry(g.scope.clone()).or_default().push(i);
            }
        }
        let mut all_groups_by_scope: HashMap<Scope, Vec<usize>> = HashMap::new();
        for (i, g) in s.user_groups.iter().enumerate() {
            all_groups_by_scope
                .entry(g.scope.clone())
                .or_default()
                .push(i);
        }
        let mut sas_by_scope: HashMap<Scope, Vec<usize>> = HashMap::new();
        for (i, sa) in s.service_accounts.iter().enumerate() {
            if !self.grants_of(Principal::ServiceAccount(i)).is_empty() {
                sas_by_scope.entry(sa.scope.clone()).or_default().push(i);
            }
        }
        let mut subtree: HashMap<Scope, Vec<Scope>> = HashMap::new();
        let mut known: Vec<Scope> = self.scopes.clone();
        known.extend(groups_by_scope.keys().cloned());
        known.extend(sas_by_scope.keys().cloned());
        known.sort();
        known.dedup();
        for sc in &known {
            for anc in sc.self_and_ancestors() {
                subtree.entry(anc).or_default().push(sc.clone());
            }
        }
        let mut catalogue: Vec<PermissionId> = s.permissions.iter().map(|p| p.id.clone()).collect();
        catalogue.extend(
            ESCALATION_PERMISSIONS
                .iter()
                .chain(ACCESS_CONTROL_MANAGEMENT)
                .map(|p| PermissionId::from(*p)),
        );
        catalogue.sort();
        catalogue.dedup();
        EscalationIndex {
            graph: self,
            group_assignments,
            groups_by_scope,
            all_groups_by_scope,
            sas_by_scope,
            subtree,
            catalogue,
            admin_users: std::cell::OnceCell::new(),
            cache: RefCell::new(HashMap::new()),
        }
    }
}
