//! Privilege escalation: the "P can become Q" edges of design.md section 6
//! and the shortest path from a principal to admin-equivalent access.
//!
//! A principal that holds an escalation permission can take on more access
//! than it was granted, one step at a time:
//!
//! - `core_usergroup_manage` over a group's scope: join the group, and hold
//!   every grant of the group;
//! - `core_serviceaccount_manageapikey` over a service account's scope: mint
//!   a token for it, and act with every grant of the service account;
//! - `core_role_edit` over a custom role it holds: add any permission to the
//!   role, so the assignment grants everything its resource group allows;
//! - `core_resourcegroup_edit` over a custom resource group one of its
//!   assignments runs through: widen it to every resource of the assignment
//!   scope and its children;
//! - `core_user_manage` or role-assignment management over a scope: assign
//!   itself any role there (admin-equivalent at that scope); `core_user_manage`
//!   on a resource group that selects only the holder is enough;
//! - `core_usergroup_manage` over a scope: bind the scope's admin role to a
//!   group it is in, or creates and joins (the server checks only the
//!   permission to manage the principal when a role is bound:
//!   `RoleAssignmentApiUtils.checkUpdatePermission`);
//! - `core_serviceaccount_edit` with `core_serviceaccount_manageapikey` over
//!   a scope: bind the scope's admin role to a service account there, then
//!   mint its token and act as it;
//! - `core_authsetting_edit` at the account: point login at an identity
//!   provider it controls and sign in as an admin (an assumption, said in
//!   the step).
//!
//! A permission counts only at the scope levels the catalogue allows it at
//! (`core_authsetting_edit` on a project does nothing).
//!
//! The search is a breadth-first walk over these edges, so each admin scope
//! reached is reached by a shortest path. The principal keeps its own grants
//! along the way, so its own edit permissions apply to the roles and resource
//! groups of whatever it has become. Steps into a scope the principal
//! already administers are not followed: Harness binds a group or service
//! account only at its own level or below, and an assignment's access stays
//! inside its scope, so nothing there leads anywhere new. Edges are visited
//! in a fixed order (grants by assignment, targets by index), so the path
//! chosen among equally short ones is the same on every run. Each node's own
//! steps are computed once per index and shared by every principal's search.
//! This module only reads the graph; it is a pure function of the snapshot.
//!
//! Not modelled: attribute-filtered selections (read as selecting every
//! resource of the type, the conservative reading), and chains that need
//! permissions gained on two different branches at once.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;

use super::access::{Access, Target};
use super::assignment::{AssignmentStatus, ResolvedResourceGroup};
use super::build::AccessGraph;
use super::principal::{is_all_users_group, Principal, ResolvedPrincipal};
use super::privilege::{
    is_builtin_admin_binding, is_escalation, PrivilegeLevel, ACCESS_CONTROL_MANAGEMENT,
    ESCALATION_PERMISSIONS, RG_ALL_INCLUDING_CHILDREN,
};
use crate::snapshot::{PermissionId, ResourceGroupId, Scope};

const GROUP_MANAGE: &str = "core_usergroup_manage";
const MINT_KEY: &str = "core_serviceaccount_manageapikey";
const ROLE_EDIT: &str = "core_role_edit";
const RG_EDIT: &str = "core_resourcegroup_edit";
const USER_MANAGE: &str = "core_user_manage";
const SA_EDIT: &str = "core_serviceaccount_edit";
const AUTH_EDIT: &str = "core_authsetting_edit";

/// What one step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepAction {
    /// Add itself to a user group.
    JoinGroup,
    /// Mint an API token for a service account.
    MintToken,
    /// Add permissions to a custom role it holds.
    EditRole,
    /// Widen a custom resource group one of its assignments runs through.
    WidenResourceGroup,
    /// Assign itself any role at a scope.
    AssignRole,
    /// Bind the scope's admin role to a user group it is in, or creates and
    /// joins.
    BindAdminRole,
    /// Bind the scope's admin role to a service account it may edit (or
    /// create), to mint its token next.
    BindServiceAccount,
    /// Point the account's login at an identity provider it controls.
    RepointLogin,
    /// Hold admin of a scope through an assignment (the last step).
    HoldAdmin,
}

impl StepAction {
    /// The kebab-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::JoinGroup => "join-group",
            StepAction::MintToken => "mint-token",
            StepAction::EditRole => "edit-role",
            StepAction::WidenResourceGroup => "widen-resource-group",
            StepAction::AssignRole => "assign-role",
            StepAction::BindAdminRole => "bind-admin-role",
            StepAction::BindServiceAccount => "bind-service-account",
            StepAction::RepointLogin => "repoint-login",
            StepAction::HoldAdmin => "hold-admin",
        }
    }
}

/// One "P can become Q" step, traced to the role assignment that allows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationStep {
    /// What the step does.
    pub action: StepAction,
    /// What the principal becomes or reaches: `group:SCOPE/ID`,
    /// `sa:SCOPE/ID`, `role SCOPE/ID`, `resource group SCOPE/ID` or
    /// `admin of SCOPE`.
    pub target: String,
    /// The scope the target lives at (for admin steps: the scope administered).
    pub target_scope: Scope,
    /// Whose grant allows the step: `direct` (the principal's own),
    /// `group:SCOPE/ID`, `sa:SCOPE/ID`, or an edited role or widened
    /// resource group reached earlier.
    pub held_by: String,
    /// The permission used (none for `hold-admin`).
    pub permission: Option<String>,
    /// The role assignment carrying that permission (or the admin grant).
    pub assignment_id: String,
    /// The scope of that assignment.
    pub assignment_scope: Scope,
    /// Its role.
    pub role_id: String,
    /// Its resource group.
    pub resource_group_id: String,
    /// One sentence.
    pub text: String,
}

/// The shortest way from a principal to admin of a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationPath {
    /// The scope the principal can become admin of.
    pub admin_of: Scope,
    /// The steps, first to last; the last reaches admin (`hold-admin`,
    /// `assign-role`, `bind-admin-role`, `mint-token` or `repoint-login`).
    pub steps: Vec<EscalationStep>,
}

impl EscalationPath {
    /// The path on one line: `join group:account/admins -> admin of account`.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::with_capacity(self.steps.len());
        for s in &self.steps {
            parts.push(match s.action {
                StepAction::HoldAdmin => s.target.clone(),
                other => format!("{} {}", other.as_str(), s.target),
            });
        }
        parts.join(" -> ")
    }
}

/// A state of the search: whose grants the principal can act with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Node {
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
struct Held {
    assignment: usize,
    access: Arc<Access>,
}

/// A step found by the search, before it is rendered: cheap to make, so
/// the search can afford to find the same step many times.
#[derive(Debug, Clone)]
struct Edge {
    to: Node,
    action: StepAction,
    /// The permission used (`None` for `hold-admin`).
    permission: Option<Cow<'static, str>>,
    /// The assignment carrying the permission (or the admin grant).
    carrier: usize,
    /// True when the carrier is the principal's own grant rather than the
    /// node's (an edit of what it has become, with its own permission).
    by_start: bool,
    /// For edits: the assignment whose role or resource group is edited.
    edited: Option<usize>,
    /// Where the target lives (admin steps: the scope administered).
    target_scope: Scope,
}

/// What the search knows about a node, computed once per index.
struct NodeInfo {
    /// Steps from the node's own grants.
    edges: Vec<Edge>,
    /// Its grants that can edit roles or resource groups.
    editors: Vec<Held>,
    /// Its grants through a custom role or a custom resource group: the
    /// only ones an edit can change.
    editable: Vec<Held>,
}

/// Lookups for the escalation search, built once per graph. Node expansions
/// are cached, so searching from every principal shares the work.
pub struct EscalationIndex<'g, 's> {
    graph: &'g AccessGraph<'s>,
    /// Per listed group: its active assignments.
    group_assignments: Vec<Vec<usize>>,
    /// Listed groups with active assignments, by scope (all-users groups
    /// left out: everyone is in them).
    groups_by_scope: HashMap<Scope, Vec<usize>>,
    /// Service accounts that hold any grant, by scope.
    sas_by_scope: HashMap<Scope, Vec<usize>>,
    /// Each known scope with itself and its descendants.
    subtree: HashMap<Scope, Vec<Scope>>,
    /// Every permission an edited role could be given.
    catalogue: Vec<PermissionId>,
    cache: RefCell<HashMap<Node, Rc<NodeInfo>>>,
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
            sas_by_scope,
            subtree,
            catalogue,
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// The shortest escalation paths from `p` to admin of scopes it does not
    /// administer already (see [`EscalationIndex::paths_from`]).
    pub fn escalation_paths(&self, p: Principal) -> Vec<EscalationPath> {
        self.escalation_index().paths_from(p)
    }
}

/// True when a grant lets its holder move along an escalation edge.
fn is_capability(permission: &str) -> bool {
    is_escalation(permission)
}

fn is_role_assignment_management(permission: &str) -> bool {
    permission.contains("_roleassignment_") && !permission.ends_with("_view")
}

fn can_edit(a: &Access) -> bool {
    a.has_permission(ROLE_EDIT) || a.has_permission(RG_EDIT)
}

impl<'g, 's> EscalationIndex<'g, 's> {
    /// The shortest path from `p` to each scope it can become admin of but
    /// does not administer already, keeping only the widest such scopes
    /// (admin of the account makes admin of each org redundant). Sorted by
    /// scope.
    pub fn paths_from(&self, p: Principal) -> Vec<EscalationPath> {
        let own_admin = self.graph.admin_scopes(p);
        let administered = |s: &Scope| own_admin.iter().any(|o| s.is_within(o));
        if !self.has_capability(p, &administered) {
            return Vec::new();
        }
        let start = Node::Principal(p);
        let start_info = self.info(&start);
        let mut parent: HashMap<Node, (Node, Edge)> = HashMap::new();
        let mut seen: HashSet<Node> = HashSet::from([start.clone()]);
        let mut queue = VecDeque::from([start.clone()]);
        let mut reached: Vec<Scope> = Vec::new();
        while let Some(node) = queue.pop_front() {
            let info = self.info(&node);
            let cross = if node == start {
                Vec::new()
            } else {
                self.cross_edges(&info, &start_info)
            };
            for e in info.edges.iter().chain(cross.iter()) {
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
            .filter(|e| !own_admin.iter().any(|o| e.target_scope.is_within(o)))
            .map(|e| self.render(&start, &start, e))
            .collect();
        out.sort_by(|a, b| {
            (a.action, &a.target, &a.assignment_id).cmp(&(b.action, &b.target, &b.assignment_id))
        });
        out.dedup_by(|a, b| a.action == b.action && a.target == b.target);
        out
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

    /// The node's holdings and own steps, from the cache.
    fn info(&self, node: &Node) -> Rc<NodeInfo> {
        if let Some(i) = self.cache.borrow().get(node) {
            return i.clone();
        }
        let mut edges = Vec::new();
        if let Node::BoundServiceAccount { scope, mint } = node {
            edges.push(Edge {
                to: Node::Admin(scope.clone()),
                action: StepAction::MintToken,
                permission: Some(Cow::Borrowed(MINT_KEY)),
                carrier: *mint,
                by_start: false,
                edited: None,
                target_scope: scope.clone(),
            });
        }
        let held = self.held(node);
        for h in &held {
            self.access_edges(node, h, &mut edges);
        }
        self.bind_service_account_edges(&held, &mut edges);
        let editors: Vec<Held> = held
            .iter()
            .filter(|h| can_edit(&h.access))
            .cloned()
            .collect();
        let editable: Vec<Held> = held
            .iter()
            .filter(|h| self.is_editable(h.assignment))
            .cloned()
            .collect();
        self.edit_edges(&editors, &editable, false, &mut edges);
        let info = Rc::new(NodeInfo {
            edges,
            editors,
            editable,
        });
        self.cache.borrow_mut().insert(node.clone(), info.clone());
        info
    }

    /// The principal keeps its own grants whatever it becomes: its own edit
    /// permissions apply to what the node holds, and the node's to what the
    /// principal holds.
    fn cross_edges(&self, node: &NodeInfo, start: &NodeInfo) -> Vec<Edge> {
        let mut out = Vec::new();
        self.edit_edges(&start.editors, &node.editable, true, &mut out);
        self.edit_edges(&node.editors, &start.editable, false, &mut out);
        out
    }

    /// The accesses a node acts with.
    fn held(&self, node: &Node) -> Vec<Held> {
        let g = self.graph;
        let from_assignment = |ai: usize| {
            g.assignments[ai].access.clone().map(|access| Held {
                assignment: ai,
                access,
            })
        };
        match node {
            Node::Principal(p) => {
                let mut v: Vec<usize> = g.grants_of(*p).iter().map(|x| x.assignment).collect();
                v.dedup();
                v.into_iter().filter_map(from_assignment).collect()
            }
            Node::Group(i) => self.group_assignments[*i]
                .iter()
                .copied()
                .filter_map(from_assignment)
                .collect(),
            Node::EditedRole(ai) => self.edited_role(*ai).into_iter().collect(),
            Node::WidenedResourceGroup(ai) => self.widened(*ai).into_iter().collect(),
            Node::BoundServiceAccount { .. } | Node::Admin(_) => Vec::new(),
        }
    }

    /// Assignment `ai` once its role holds every permission its resource
    /// group lets through.
    fn edited_role(&self, ai: usize) -> Option<Held> {
        let g = self.graph;
        let base = g.assignments[ai].access.as_deref()?;
        let permissions: Vec<PermissionId> = match &base.resources {
            None => self.catalogue.clone(),
            Some(sel) => self
                .catalogue
                .iter()
                .filter(|p| {
                    let t = g.permission_resource_type(p.as_str());
                    sel.iter().any(|s| s.resource_type == t)
                })
                .cloned()
                .collect(),
        };
        let scope = &g.snapshot.role_assignments[ai].scope;
        let admin_of = (base.resources.is_none() && base.covers(scope)).then(|| scope.clone());
        Some(Held {
            assignment: ai,
            access: Arc::new(Access {
                level: level_of(&permissions, admin_of.is_some()),
                permissions,
                targets: base.targets.clone(),
                resources: base.resources.clone(),
                admin_of,
            }),
        })
    }

    /// Assignment `ai` once its resource group covers every resource of the
    /// assignment scope and its children.
    fn widened(&self, ai: usize) -> Option<Held> {
        let g = self.graph;
        let role = g.snapshot.roles.get(g.assignments[ai].role?)?;
        let scope = &g.snapshot.role_assignments[ai].scope;
        let permissions = role.permissions.clone();
        let builtin_admin = is_builtin_admin_binding(
            scope,
            &role.id,
            &ResourceGroupId::from(RG_ALL_INCLUDING_CHILDREN),
        );
        let custom_admin = ACCESS_CONTROL_MANAGEMENT
            .iter()
            .all(|m| permissions.iter().any(|p| p.as_str() == *m));
        let admin_of = (builtin_admin || custom_admin).then(|| scope.clone());
        Some(Held {
            assignment: ai,
            access: Arc::new(Access {
                level: level_of(&permissions, admin_of.is_some()),
                permissions,
                targets: vec![Target {
                    scope: scope.clone(),
                    include_child_scopes: true,
                }],
                resources: None,
                admin_of,
            }),
        })
    }

    /// Steps one access held by `node` allows: holding admin, joining
    /// groups, minting tokens, assigning roles, binding admin roles,
    /// repointing login.
    fn access_edges(&self, node: &Node, h: &Held, out: &mut Vec<Edge>) {
        let g = self.graph;
        let s = g.snapshot;
        let a = &h.access;
        // The user acting, when the node is one: its own uuid and groups
        // matter for self-selecting resource groups and existing groups.
        let acting_user = match node {
            Node::Principal(Principal::User(u)) => Some(*u),
            _ => None,
        };
        let allowed = |perm: &str, scope: &Scope| g.permission_allowed_at(perm, scope);
        let edge = |to: Node, action, permission: Option<Cow<'static, str>>, target_scope| Edge {
            to,
            action,
            permission,
            carrier: h.assignment,
            by_start: false,
            edited: None,
            target_scope,
        };
        if let Some(scope) = &a.admin_of {
            out.push(edge(
                Node::Admin(scope.clone()),
                StepAction::HoldAdmin,
                None,
                scope.clone(),
            ));
        }
        let assigns = a
            .permissions
            .iter()
            .map(PermissionId::as_str)
            .find(|p| *p == USER_MANAGE || is_role_assignment_management(p));
        if let Some(perm) = assigns {
            // core_user_manage assigns roles to the users it selects: every
            // user, or (a resource group naming the holder) the holder.
            let own = acting_user.map_or("", |u| s.users[u].id.as_str());
            let ok =
                perm != USER_MANAGE || selects(a, &g.permission_resource_type(USER_MANAGE), own);
            if ok {
                for t in a.targets.iter().filter(|t| allowed(perm, &t.scope)) {
                    out.push(edge(
                        Node::Admin(t.scope.clone()),
                        StepAction::AssignRole,
                        Some(Cow::Owned(perm.to_string())),
                        t.scope.clone(),
                    ));
                }
            }
        }
        if a.has_permission(GROUP_MANAGE) {
            let t = g.permission_resource_type(GROUP_MANAGE);
            for gi in self.covered(&self.groups_by_scope, a) {
                let grp = &s.user_groups[gi];
                if selects(a, &t, grp.id.as_str()) && allowed(GROUP_MANAGE, &grp.scope) {
                    out.push(edge(
                        Node::Group(gi),
                        StepAction::JoinGroup,
                        Some(Cow::Borrowed(GROUP_MANAGE)),
                        grp.scope.clone(),
                    ));
                }
            }
            // Binding a role is checked only against the permission to
            // manage the principal, so a user who may manage the scope's
            // groups binds the scope's admin role to a group: one it
            // creates and joins (managing every group of the scope), or one
            // it is already in.
            if let Some(u) = acting_user {
                for target in &a.targets {
                    let sc = &target.scope;
                    if selects(a, &t, "") && allowed(GROUP_MANAGE, sc) {
                        out.push(edge(
                            Node::Admin(sc.clone()),
                            StepAction::BindAdminRole,
                            Some(Cow::Borrowed(GROUP_MANAGE)),
                            sc.clone(),
                        ));
                    }
                }
                for &gi in &g.groups_of_user[u] {
                    let grp = &s.user_groups[gi];
                    if a.covers(&grp.scope)
                        && selects(a, &t, grp.id.as_str())
                        && allowed(GROUP_MANAGE, &grp.scope)
                    {
                        out.push(edge(
                            Node::Admin(grp.scope.clone()),
                            StepAction::BindAdminRole,
                            Some(Cow::Borrowed(GROUP_MANAGE)),
                            grp.scope.clone(),
                        ));
                    }
                }
            }
        }
        if a.has_permission(MINT_KEY) {
            let t = g.permission_resource_type(MINT_KEY);
            for si in self.covered(&self.sas_by_scope, a) {
                let sa = &s.service_accounts[si];
                if selects(a, &t, sa.id.as_str()) && allowed(MINT_KEY, &sa.scope) {
                    out.push(edge(
                        Node::Principal(Principal::ServiceAccount(si)),
                        StepAction::MintToken,
                        Some(Cow::Borrowed(MINT_KEY)),
                        sa.scope.clone(),
                    ));
                }
            }
        }
        // Whoever can change the account's login settings can point login
        // at an identity provider it controls and sign in as an admin.
        if a.has_permission(AUTH_EDIT)
            && a.covers(&Scope::Account)
            && allowed(AUTH_EDIT, &Scope::Account)
        {
            out.push(edge(
                Node::Admin(Scope::Account),
                StepAction::RepointLogin,
                Some(Cow::Borrowed(AUTH_EDIT)),
                Scope::Account,
            ));
        }
    }

    /// Steps that need two permissions, possibly from two grants: binding the
    /// scope's admin role to a service account (`core_serviceaccount_edit`)
    /// whose token it can mint (`core_serviceaccount_manageapikey`).
    fn bind_service_account_edges(&self, held: &[Held], out: &mut Vec<Edge>) {
        let g = self.graph;
        let s = g.snapshot;
        let sa_type = g.permission_resource_type(SA_EDIT);
        let mint_type = g.permission_resource_type(MINT_KEY);
        let minter = |scope: &Scope, id: &str| {
            held.iter().find(|m| {
                m.access.has_permission(MINT_KEY)
                    && m.access.covers(scope)
                    && selects(&m.access, &mint_type, id)
                    && g.permission_allowed_at(MINT_KEY, scope)
            })
        };
        for h in held.iter().filter(|h| h.access.has_permission(SA_EDIT)) {
            let a = &h.access;
            let mut targets: Vec<(Scope, &str)> = Vec::new();
            // A new service account (editing every one of the scope)...
            if selects(a, &sa_type, "") {
                targets.extend(a.targets.iter().map(|t| (t.scope.clone(), "")));
            }
            // ...or one it may edit.
            for si in self.covered(&self.sas_by_scope, a) {
                let sa = &s.service_accounts[si];
                if selects(a, &sa_type, sa.id.as_str()) {
                    targets.push((sa.scope.clone(), sa.id.as_str()));
                }
            }
            for (scope, id) in targets {
                if !g.permission_allowed_at(SA_EDIT, &scope) {
                    continue;
                }
                if let Some(m) = minter(&scope, id) {
                    out.push(Edge {
                        to: Node::BoundServiceAccount {
                            scope: scope.clone(),
                            mint: m.assignment,
                        },
                        action: StepAction::BindServiceAccount,
                        permission: Some(Cow::Borrowed(SA_EDIT)),
                        carrier: h.assignment,
                        by_start: false,
                        edited: None,
                        target_scope: scope,
                    });
                }
            }
        }
    }

    /// Edits that `editors` can make to the custom roles and resource
    /// groups of `holdings`.
    /// True when assignment `ai` runs through a custom role or a custom
    /// resource group, the only things an edit can change.
    fn is_editable(&self, ai: usize) -> bool {
        let g = self.graph;
        let s = g.snapshot;
        let r = &g.assignments[ai];
        let custom_role = r.role.is_some_and(|ri| !s.roles[ri].harness_managed);
        let custom_rg = matches!(
            &r.resource_group,
            Some(ResolvedResourceGroup::Listed(gi)) if !s.resource_groups[*gi].harness_managed
        );
        custom_role || custom_rg
    }

    fn edit_edges(&self, editors: &[Held], holdings: &[Held], by_start: bool, out: &mut Vec<Edge>) {
        if editors.is_empty() || holdings.is_empty() {
            return;
        }
        let g = self.graph;
        let s = g.snapshot;
        let role_type = g.permission_resource_type(ROLE_EDIT);
        let rg_type = g.permission_resource_type(RG_EDIT);
        for e in editors {
            let a = &e.access;
            let role_edit = a.has_permission(ROLE_EDIT);
            let rg_edit = a.has_permission(RG_EDIT);
            if !role_edit && !rg_edit {
                continue;
            }
            for h in holdings {
                let r = &g.assignments[h.assignment];
                let scope = &s.role_assignments[h.assignment].scope;
                if role_edit {
                    if let Some(ri) = r.role {
                        let role = &s.roles[ri];
                        if !role.harness_managed
                            && a.covers(&role.scope)
                            && selects(a, &role_type, role.id.as_str())
                        {
                            out.push(Edge {
                                to: Node::EditedRole(h.assignment),
                                action: StepAction::EditRole,
                                permission: Some(Cow::Borrowed(ROLE_EDIT)),
                                carrier: e.assignment,
                                by_start,
                                edited: Some(h.assignment),
                                target_scope: scope.clone(),
                            });
                        }
                    }
                }
                if rg_edit {
                    if let Some(ResolvedResourceGroup::Listed(gi)) = &r.resource_group {
                        let rg = &s.resource_groups[*gi];
                        if !rg.harness_managed
                            && a.covers(&rg.scope)
                            && selects(a, &rg_type, rg.id.as_str())
                        {
                            out.push(Edge {
                                to: Node::WidenedResourceGroup(h.assignment),
                                action: StepAction::WidenResourceGroup,
                                permission: Some(Cow::Borrowed(RG_EDIT)),
                                carrier: e.assignment,
                                by_start,
                                edited: Some(h.assignment),
                                target_scope: scope.clone(),
                            });
                        }
                    }
                }
            }
        }
    }

    /// Indices from `by_scope` whose scope the access covers.
    fn covered(&self, by_scope: &HashMap<Scope, Vec<usize>>, a: &Access) -> Vec<usize> {
        let mut v = Vec::new();
        for t in &a.targets {
            if t.include_child_scopes {
                for sc in self.subtree.get(&t.scope).into_iter().flatten() {
                    v.extend(by_scope.get(sc).into_iter().flatten().copied());
                }
            } else {
                v.extend(by_scope.get(&t.scope).into_iter().flatten().copied());
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Renders a step taken from `from` (the search started at `start`).
    fn render(&self, from: &Node, start: &Node, e: &Edge) -> EscalationStep {
        let s = self.graph.snapshot;
        let acting = if e.by_start { start } else { from };
        let prefix = self.prefix(acting, start);
        let via = self.assignment_text(e.carrier);
        let perm = e.permission.as_deref().unwrap_or("");
        let (target, text) = match (&e.to, e.action) {
            (Node::Admin(scope), StepAction::HoldAdmin) => (
                format!("admin of {scope}"),
                format!("{prefix}is admin of {scope} through {via}"),
            ),
            (Node::Admin(scope), StepAction::BindAdminRole) => (
                format!("admin of {scope}"),
                format!(
                    "{prefix}can bind {} to a user group at {scope} it is in, or creates and joins: Harness checks only the permission to manage the group ({perm} through {via})",
                    admin_role_of(scope)
                ),
            ),
            (Node::Admin(scope), StepAction::MintToken) => (
                format!("admin of {scope}"),
                format!("{prefix}can mint an API token for that service account and act as admin of {scope} ({perm} through {via})"),
            ),
            (Node::Admin(scope), StepAction::RepointLogin) => (
                format!("admin of {scope}"),
                format!("{prefix}can change the account's login settings (SAML, OAuth, LDAP) to an identity provider it controls and sign in as an account admin ({perm} through {via}); this assumes an admin signs in through that login"),
            ),
            (Node::Admin(scope), _) => (
                format!("admin of {scope}"),
                format!("{prefix}can assign itself any role at {scope} ({perm} through {via})"),
            ),
            (Node::BoundServiceAccount { scope, .. }, _) => (
                format!("a service account at {scope}"),
                format!(
                    "{prefix}can bind {} to a service account at {scope} it creates or may edit: Harness checks only the permission to edit the service account ({perm} through {via})",
                    admin_role_of(scope)
                ),
            ),
            (Node::Group(i), _) => {
                let x = &s.user_groups[*i];
                let target = format!("group:{}/{}", x.scope, x.id);
                let text = format!("{prefix}can add itself to {target} ({perm} through {via})");
                (target, text)
            }
            (Node::Principal(p), _) => {
                let target = self.graph.identity(*p).id;
                let text =
                    format!("{prefix}can mint an API token for {target} and act as it ({perm} through {via})");
                (target, text)
            }
            (Node::EditedRole(ai), _) => {
                let role = self.graph.assignments[*ai].role.map(|ri| &s.roles[ri]);
                let target = role.map_or_else(
                    || format!("role {}", s.role_assignments[*ai].role.id),
                    |r| format!("role {}/{}", r.scope, r.id),
                );
                let text = format!(
                    "{prefix}can add any permission to {target}, held through {} ({perm} through {via})",
                    self.assignment_text(e.edited.unwrap_or(*ai))
                );
                (target, text)
            }
            (Node::WidenedResourceGroup(ai), _) => {
                let a = &s.role_assignments[*ai];
                let target = format!("resource group {}/{}", a.scope, a.resource_group);
                let target = match self.graph.assignments[*ai].resource_group {
                    Some(ResolvedResourceGroup::Listed(gi)) => {
                        let rg = &s.resource_groups[gi];
                        format!("resource group {}/{}", rg.scope, rg.id)
                    }
                    _ => target,
                };
                let text = format!(
                    "{prefix}can widen {target} to every resource, which {} runs through ({perm} through {via})",
                    self.assignment_text(e.edited.unwrap_or(*ai))
                );
                (target, text)
            }
        };
        let a = &s.role_assignments[e.carrier];
        EscalationStep {
            action: e.action,
            target,
            target_scope: e.target_scope.clone(),
            held_by: self.label(acting),
            permission: e.permission.as_ref().map(|p| p.to_string()),
            assignment_id: a.id.to_string(),
            assignment_scope: a.scope.clone(),
            role_id: a.role.id.to_string(),
            resource_group_id: a.resource_group.to_string(),
            text,
        }
    }

    /// `assignment ID at SCOPE (role R on resource group G)`.
    fn assignment_text(&self, ai: usize) -> String {
        let a = &self.graph.snapshot.role_assignments[ai];
        format!(
            "assignment {} at {} (role {} on resource group {})",
            a.id, a.scope, a.role.id, a.resource_group
        )
    }

    /// How a step's sentence starts when the principal acts as something
    /// it has become.
    fn prefix(&self, node: &Node, start: &Node) -> String {
        let s = self.graph.snapshot;
        if node == start {
            return String::new();
        }
        match node {
            Node::Principal(p) => format!("acting as {}, ", self.graph.identity(*p).id),
            Node::Group(i) => {
                let x = &s.user_groups[*i];
                format!("as a member of group:{}/{}, ", x.scope, x.id)
            }
            Node::EditedRole(ai) => {
                let a = &s.role_assignments[*ai];
                format!("with role {} edited in assignment {}, ", a.role.id, a.id)
            }
            Node::WidenedResourceGroup(ai) => {
                let a = &s.role_assignments[*ai];
                format!(
                    "with resource group {} widened in assignment {}, ",
                    a.resource_group, a.id
                )
            }
            Node::BoundServiceAccount { scope, .. } => {
                format!("acting as the service account bound at {scope}, ")
            }
            Node::Admin(_) => String::new(),
        }
    }

    fn label(&self, node: &Node) -> String {
        let g = self.graph;
        let s = g.snapshot;
        match node {
            Node::Principal(p) => match p {
                Principal::User(_) => "direct".to_string(),
                Principal::ServiceAccount(_) => g.identity(*p).id,
            },
            Node::Group(i) => {
                let x = &s.user_groups[*i];
                format!("group:{}/{}", x.scope, x.id)
            }
            Node::EditedRole(ai) => {
                let a = &s.role_assignments[*ai];
                format!("role {} (edited) in assignment {}", a.role.id, a.id)
            }
            Node::WidenedResourceGroup(ai) => {
                let a = &s.role_assignments[*ai];
                format!(
                    "resource group {} (widened) in assignment {}",
                    a.resource_group, a.id
                )
            }
            Node::BoundServiceAccount { scope, .. } => {
                format!("service account bound at {scope}")
            }
            Node::Admin(scope) => format!("admin of {scope}"),
        }
    }
}

/// The built-in admin role of a scope's level.
fn admin_role_of(scope: &Scope) -> &'static str {
    match scope.level() {
        crate::snapshot::ScopeLevel::Account => "_account_admin",
        crate::snapshot::ScopeLevel::Organization => "_organization_admin",
        crate::snapshot::ScopeLevel::Project => "_project_admin",
    }
}

/// True when the access's resource selection includes resource `id` of
/// type `resource_type` (an empty `id` asks for every resource of the type).
/// Attribute filters are read as selecting everything of the type.
fn selects(a: &Access, resource_type: &str, id: &str) -> bool {
    match &a.resources {
        None => true,
        Some(sel) => sel.iter().any(|s| {
            s.resource_type.eq_ignore_ascii_case(resource_type)
                && (s.attribute_filter.is_some()
                    || s.identifiers.is_empty()
                    || (!id.is_empty() && s.identifiers.iter().any(|i| i == id)))
        }),
    }
}

fn level_of(permissions: &[PermissionId], admin: bool) -> PrivilegeLevel {
    if admin {
        PrivilegeLevel::Admin
    } else if permissions.iter().any(|p| is_escalation(p.as_str())) {
        PrivilegeLevel::Escalation
    } else if permissions.is_empty() {
        PrivilegeLevel::None
    } else {
        PrivilegeLevel::Write
    }
}
