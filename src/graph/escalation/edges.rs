//! The steps open to one node of the search: holding admin, joining groups,
//! minting tokens, assigning or binding roles, repointing login, and editing
//! the custom roles and resource groups it holds. Each permission counts
//! only where the catalogue allows it and only on the resources its
//! resource group selects.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::index::{Edge, EscalationIndex, Held, Node, NodeInfo};
use super::step::StepAction;
use crate::graph::access::{Access, Target};
use crate::graph::assignment::ResolvedResourceGroup;
use crate::graph::principal::Principal;
use crate::graph::privilege::{
    holds_access_control_management, is_builtin_admin_binding, is_escalation, PrivilegeLevel,
    RG_ALL_INCLUDING_CHILDREN, USERGROUP_CREATE, USERGROUP_MANAGE_ROLE_ASSIGNMENTS,
    USERGROUP_MANAGE_SCIM, USERGROUP_MANAGE_USERS,
};
use crate::snapshot::{PermissionId, ResourceGroupId, Scope};

const GROUP_MANAGE: &str = "core_usergroup_manage";
const MINT_KEY: &str = "core_serviceaccount_manageapikey";
const ROLE_EDIT: &str = "core_role_edit";
const RG_EDIT: &str = "core_resourcegroup_edit";
const USER_MANAGE: &str = "core_user_manage";
const SA_EDIT: &str = "core_serviceaccount_edit";
const AUTH_EDIT: &str = "core_authsetting_edit";
const IMPERSONATE: &str = "core_user_impersonate";

/// True when a grant lets its holder move along an escalation edge.
pub(super) fn is_capability(permission: &str) -> bool {
    is_escalation(permission)
}

fn is_role_assignment_management(permission: &str) -> bool {
    permission.contains("_roleassignment_") && !permission.ends_with("_view")
}

/// What a user-group permission is asked for: adding a member through the
/// user-group API, adding one through the SCIM API, creating a group, or
/// binding a role to a group.
#[derive(Clone, Copy)]
enum GroupAct {
    Join,
    ScimJoin,
    Create,
    Bind,
}

impl GroupAct {
    /// The permissions that allow it: `core_usergroup_manage`, or its split
    /// counterpart (developer-hub `add-user-groups.md`). Which of the two a
    /// given account enforces is its feature flag, which no API reads:
    /// **unverified** per account, so either counts (harness-behaviour P7).
    fn permissions(self) -> [&'static str; 2] {
        match self {
            GroupAct::Join => [GROUP_MANAGE, USERGROUP_MANAGE_USERS],
            GroupAct::ScimJoin => [GROUP_MANAGE, USERGROUP_MANAGE_SCIM],
            GroupAct::Create => [GROUP_MANAGE, USERGROUP_CREATE],
            GroupAct::Bind => [GROUP_MANAGE, USERGROUP_MANAGE_ROLE_ASSIGNMENTS],
        }
    }

    /// The permission of `a` that allows it, if any.
    fn held(self, a: &Access) -> Option<&'static str> {
        self.permissions().into_iter().find(|p| a.has_permission(p))
    }
}

fn can_edit(a: &Access) -> bool {
    a.has_permission(ROLE_EDIT) || a.has_permission(RG_EDIT)
}

impl EscalationIndex<'_, '_> {
    /// The node's holdings and own steps, from the cache.
    pub(super) fn info(&self, node: &Node) -> Rc<NodeInfo> {
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
        if let Node::Principal(Principal::ServiceAccount(si)) = node {
            edges.extend(self.shared_identifier_edges(*si));
        }
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
    pub(super) fn cross_edges(&self, node: &NodeInfo, start: &NodeInfo) -> Vec<Edge> {
        let mut out = Vec::new();
        self.edit_edges(&start.editors, &node.editable, true, &mut out);
        self.edit_edges(&node.editors, &start.editable, false, &mut out);
        out
    }

    /// The accesses a node acts with.
    pub(super) fn held(&self, node: &Node) -> Vec<Held> {
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
                    sel.iter()
                        .any(|s| g.permission_acts_on(p.as_str(), &s.resource_type))
                })
                .cloned()
                .collect(),
        };
        let scope = &g.snapshot.role_assignments[ai].scope;
        let admin_of = (base.resources.is_none() && base.covers(scope)).then(|| scope.clone());
        Some(Held {
            assignment: ai,
            access: Arc::new(Access::new(
                permissions.clone(),
                base.targets.clone(),
                base.resources.clone(),
                level_of(&permissions, admin_of.is_some()),
                admin_of,
            )),
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
        let custom_admin =
            holds_access_control_management(|m| permissions.iter().any(|p| p.as_str() == m));
        let admin_of = (builtin_admin || custom_admin).then(|| scope.clone());
        Some(Held {
            assignment: ai,
            access: Arc::new(Access::new(
                permissions.clone(),
                vec![Target {
                    scope: scope.clone(),
                    include_child_scopes: true,
                }],
                None,
                level_of(&permissions, admin_of.is_some()),
                admin_of,
            )),
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
            // A role is assigned to a user only at a scope the user is a
            // member of (`UserValidator.validatePrincipal`); with
            // core_user_manage over itself only, it cannot make itself a
            // member elsewhere first.
            let self_only = perm == USER_MANAGE && a.resources.is_some();
            let member = |sc: &Scope| {
                *sc == Scope::Account || acting_user.is_some_and(|u| s.users[u].scopes.contains(sc))
            };
            if ok {
                for t in a
                    .targets
                    .iter()
                    .filter(|t| allowed(perm, &t.scope) && (!self_only || member(&t.scope)))
                {
                    out.push(edge(
                        Node::Admin(t.scope.clone()),
                        StepAction::AssignRole,
                        Some(Cow::Owned(perm.to_string())),
                        t.scope.clone(),
                    ));
                }
            }
        }
        let join = GroupAct::Join.held(a);
        let scim_join = GroupAct::ScimJoin.held(a);
        let bind = GroupAct::Bind.held(a);
        if join.is_some() || scim_join.is_some() || bind.is_some() {
            let t = g.permission_resource_type(GROUP_MANAGE);
            for gi in self.joinable_with(&self.groups_by_scope, a) {
                let grp = &s.user_groups[gi];
                if let Some(perm) = self.may_join(a, &t, gi) {
                    out.push(edge(
                        Node::Group(gi),
                        StepAction::JoinGroup,
                        Some(Cow::Borrowed(perm)),
                        grp.scope.clone(),
                    ));
                }
            }
            // The user itself may also join a group with no role yet, to
            // bind the scope's admin role to it next (the search adds that
            // step once the group is joined): the common "a team lead
            // manages the team group".
            if let Some(u) = acting_user {
                for gi in self.joinable_with(&self.all_groups_by_scope, a) {
                    let grp = &s.user_groups[gi];
                    if !self.group_assignments[gi].is_empty()
                        || g.groups_of_user[u].contains(&gi)
                        || !self.can_join(u, gi)
                    {
                        continue;
                    }
                    if let Some(perm) = self.may_join(a, &t, gi) {
                        out.push(edge(
                            Node::Group(gi),
                            StepAction::JoinGroup,
                            Some(Cow::Borrowed(perm)),
                            grp.scope.clone(),
                        ));
                    }
                }
            }
            // Binding a role is checked only against the permission to
            // manage the principal, so a user who may manage the scope's
            // groups binds the scope's admin role to a group: one it
            // creates and joins (creating, adding members and binding over
            // every group of the scope), or one it is already in.
            if let (Some(u), Some(bind)) = (acting_user, bind) {
                let create = GroupAct::Create.held(a).is_some() && join.is_some();
                for target in &a.targets {
                    let sc = &target.scope;
                    if create && selects(a, &t, "") && allowed(bind, sc) {
                        out.push(edge(
                            Node::Admin(sc.clone()),
                            StepAction::BindAdminRole,
                            Some(Cow::Borrowed(bind)),
                            sc.clone(),
                        ));
                    }
                }
                // Groups it is in, and the built-in all-users group of each
                // scope it is a member of (everyone there is in it; Harness
                // takes no member into it, but binds roles to it).
                let all_users = self
                    .covered(&self.all_groups_by_scope, a)
                    .into_iter()
                    .filter(|&gi| self.is_all_users(gi) && self.member_of_scope(u, gi));
                let mut mine: Vec<usize> = g.groups_of_user[u].clone();
                mine.extend(all_users);
                mine.sort_unstable();
                mine.dedup();
                for gi in mine {
                    let grp = &s.user_groups[gi];
                    if a.covers(&grp.scope)
                        && selects(a, &t, grp.id.as_str())
                        && allowed(bind, &grp.scope)
                    {
                        out.push(edge(
                            Node::Admin(grp.scope.clone()),
                            StepAction::BindAdminRole,
                            Some(Cow::Borrowed(bind)),
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
        // Impersonating a user (available only at the account scope) acts
        // with that user's grants: one step to an admin of each scope.
        if a.has_permission(IMPERSONATE)
            && a.targets.iter().any(|t| t.scope == Scope::Account)
            && allowed(IMPERSONATE, &Scope::Account)
        {
            let t = g.permission_resource_type(IMPERSONATE);
            for (scope, users) in self.admin_users() {
                let target = users
                    .iter()
                    .copied()
                    .find(|&v| Some(v) != acting_user && selects(a, &t, s.users[v].id.as_str()));
                if let Some(v) = target {
                    out.push(edge(
                        Node::Principal(Principal::User(v)),
                        StepAction::ImpersonateUser,
                        Some(Cow::Borrowed(IMPERSONATE)),
                        scope.clone(),
                    ));
                }
            }
        }
        // Creating a service account named like a privileged one at another
        // scope would carry its grants too (P6), but is not a step here: it
        // is open to every project admin, rests on the 2023 source alone, and
        // would stand in front of the verified paths (docs/rules.md).
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

    /// The groups a manage grant could add members to: those of the scopes
    /// it covers, and, held at the account, every group the identity
    /// provider manages, whatever its scope (the SCIM API checks the
    /// permission at the account: `NGScimGroupResource.updateGroup`).
    fn joinable_with(&self, by_scope: &HashMap<Scope, Vec<usize>>, a: &Access) -> Vec<usize> {
        let mut v = self.covered(by_scope, a);
        if a.targets.iter().any(|t| t.scope == Scope::Account) {
            let s = &self.graph.snapshot;
            v.extend(
                by_scope
                    .values()
                    .flatten()
                    .copied()
                    .filter(|&gi| s.user_groups[gi].externally_managed),
            );
            v.sort_unstable();
            v.dedup();
        }
        v
    }

    /// Whether grant `a` lets its holder add a member to group `gi`: through
    /// `PUT /ng/api/user-groups/{id}/member/{user}`, the permission over the
    /// group at its scope, for a group the identity provider does not
    /// manage (`UserGroupResource.addMember`, `checkExternallyManaged`);
    /// for one it manages (SCIM), only through the SCIM API, which checks
    /// the permission over the group's identifier at the **account**
    /// (`NGScimGroupResource.updateGroup`), whatever scope the group is at.
    /// The permission that allows it: `core_usergroup_manage`, or with the
    /// split vocabulary `core_usergroup_manageUsers` (`manageSCIM` through
    /// SCIM).
    fn may_join(&self, a: &Access, resource_type: &str, gi: usize) -> Option<&'static str> {
        let g = self.graph;
        let grp = &g.snapshot.user_groups[gi];
        if !selects(a, resource_type, grp.id.as_str()) {
            return None;
        }
        if grp.externally_managed {
            let perm = GroupAct::ScimJoin.held(a)?;
            (a.targets.iter().any(|t| t.scope == Scope::Account)
                && g.permission_allowed_at(perm, &Scope::Account))
            .then_some(perm)
        } else {
            let perm = GroupAct::Join.held(a)?;
            (a.covers(&grp.scope) && g.permission_allowed_at(perm, &grp.scope)).then_some(perm)
        }
    }

    /// A service account acts with the grants of every other service account
    /// of its identifier (P6): one step to each that holds grants, carried
    /// by that account's first grant (the ACL it would match).
    pub(super) fn shared_identifier_edges(&self, si: usize) -> Vec<Edge> {
        let g = self.graph;
        let s = g.snapshot;
        let me = &s.service_accounts[si];
        s.service_accounts
            .iter()
            .enumerate()
            .filter(|(oi, o)| *oi != si && o.id == me.id && o.scope != me.scope)
            .filter_map(|(oi, o)| {
                let carrier = g
                    .grants_of(Principal::ServiceAccount(oi))
                    .first()?
                    .assignment;
                Some(Edge {
                    to: Node::Principal(Principal::ServiceAccount(oi)),
                    action: StepAction::ReuseServiceAccountIdentifier,
                    permission: None,
                    carrier,
                    by_start: false,
                    edited: None,
                    target_scope: o.scope.clone(),
                })
            })
            .collect()
    }

    /// The steps a user takes with what `node` (a role it edited, a
    /// resource group it widened) now gives it: permissions gained by an
    /// edit feed the next step like any other grant, including those that
    /// depend on who acts (binding the admin role to a group it joins).
    /// Not cached: they depend on the user.
    pub(super) fn edges_as_user(&self, node: &Node, u: usize) -> Vec<Edge> {
        let mut out = Vec::new();
        let as_user = Node::Principal(Principal::User(u));
        for h in self.held(node) {
            self.access_edges(&as_user, &h, &mut out);
        }
        out
    }

    /// Every scope some user administers, with two of its admins (two, so
    /// a search from one of them still has another): users with login
    /// evidence first, since Harness impersonates only users who have
    /// logged in at least once and the snapshot's logins cover its window
    /// only.
    fn admin_users(&self) -> &[(Scope, Vec<usize>)] {
        self.admin_users.get_or_init(|| {
            let g = self.graph;
            let mut by_scope: std::collections::BTreeMap<Scope, Vec<(bool, usize)>> =
                std::collections::BTreeMap::new();
            for u in 0..g.snapshot.users.len() {
                let logged_in = g.login_of_user[u].is_some();
                for sc in g.admin_scopes(Principal::User(u)) {
                    by_scope.entry(sc).or_default().push((!logged_in, u));
                }
            }
            by_scope
                .into_iter()
                .map(|(sc, mut v)| {
                    v.sort_unstable();
                    (sc, v.into_iter().take(2).map(|(_, u)| u).collect())
                })
                .collect()
        })
    }

    /// True for a scope's built-in all-users group.
    pub(super) fn is_all_users(&self, gi: usize) -> bool {
        let grp = &self.graph.snapshot.user_groups[gi];
        crate::graph::principal::is_all_users_group(grp.id.as_str(), grp.scope.level())
    }

    /// True when user `u` is a member of group `gi`'s scope (every user is a
    /// member of the account).
    pub(super) fn member_of_scope(&self, u: usize, gi: usize) -> bool {
        let scope = &self.graph.snapshot.user_groups[gi].scope;
        *scope == Scope::Account || self.graph.snapshot.users[u].scopes.contains(scope)
    }

    /// Whether user `u` can add itself to group `gi`: Harness takes no
    /// member into its own groups (`UserGroupServiceImpl.addMember`,
    /// `checkToHarnessManagedUserGroup`) and drops, without an error, a
    /// user who is not a member of the group's scope (`updateInternal`,
    /// `sanitizeInternal`); a service account is never a group member.
    pub(super) fn can_join(&self, u: usize, gi: usize) -> bool {
        let grp = &self.graph.snapshot.user_groups[gi];
        !grp.harness_managed && !self.is_all_users(gi) && self.member_of_scope(u, gi)
    }

    /// Once the principal has joined group `gi`, its own permission to
    /// manage that group lets it bind the scope's admin role to it
    /// (`RoleAssignmentApiUtils.checkUpdatePermission` checks only the
    /// permission over the principal bound): the step, carried by the
    /// start's grant.
    pub(super) fn bind_after_join(&self, held: &[Held], gi: usize) -> Option<Edge> {
        let g = self.graph;
        let grp = &g.snapshot.user_groups[gi];
        let t = g.permission_resource_type(GROUP_MANAGE);
        let (h, perm) = held.iter().find_map(|h| {
            let perm = GroupAct::Bind.held(&h.access)?;
            (h.access.covers(&grp.scope)
                && selects(&h.access, &t, grp.id.as_str())
                && g.permission_allowed_at(perm, &grp.scope))
            .then_some((h, perm))
        })?;
        Some(Edge {
            to: Node::Admin(grp.scope.clone()),
            action: StepAction::BindAdminRole,
            permission: Some(Cow::Borrowed(perm)),
            carrier: h.assignment,
            by_start: true,
            edited: None,
            target_scope: grp.scope.clone(),
        })
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

    /// Edits that `editors` can make to the custom roles and resource
    /// groups of `holdings`.
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
