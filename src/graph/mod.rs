//! The effective-access graph: who can do what, on which scopes, through
//! which group, role, resource group and role assignment.
//!
//! Built once from a [`Snapshot`], never mutated, and never doing I/O. The
//! rules are those of design.md section 6, in order: disabled assignments are
//! kept apart (dormant, not access); principals, roles and resource groups are
//! resolved at the scope levels Harness uses, and an assignment whose
//! principal, role or resource group cannot be found is orphaned and grants
//! nothing; groups expand to their members (the built-in all-users groups to
//! every user of their scope); the resource group decides target scopes and
//! resource types. Every [`Grant`] keeps the index of the assignment it came
//! from, so every row of every report traces back to a Harness object.
//!
//! What a role-and-resource-group pair allows ([`Access`]) is computed once
//! per distinct (role, resource group, scope) and shared, because large
//! accounts bind the same few roles hundreds of thousands of times.

mod escalation;
mod explain;
mod privilege;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

pub use escalation::{EscalationIndex, EscalationPath, EscalationStep, StepAction};
pub use explain::{Ask, Explanation, GrantPath, PrincipalView, Question};
pub use privilege::*;

use crate::snapshot::{
    PermissionId, ResourceGroupId, ResourceSelector, RoleAssignment, RoleIndex, Scope, ScopeLevel,
    Snapshot, UnreadKind, ROLE_LOOKUP_ENDPOINT,
};

/// The built-in all-users groups and the level each belongs to.
pub const ALL_USERS_GROUPS: &[(&str, ScopeLevel)] = &[
    ("_account_all_users", ScopeLevel::Account),
    ("_organization_all_users", ScopeLevel::Organization),
    ("_project_all_users", ScopeLevel::Project),
];

/// True for a built-in all-users group identifier at its own level.
pub fn is_all_users_group(id: &str, level: ScopeLevel) -> bool {
    ALL_USERS_GROUPS
        .iter()
        .any(|(g, l)| *g == id && *l == level)
}

/// A principal that can hold access: an account user or a service account,
/// by index into the snapshot's `users` / `service_accounts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    /// `snapshot.users[i]`.
    User(usize),
    /// `snapshot.service_accounts[i]`.
    ServiceAccount(usize),
}

/// How a principal came by a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via {
    /// The assignment names the principal itself.
    Direct,
    /// Through membership of `snapshot.user_groups[i]`, or of a built-in
    /// all-users group the snapshot does not list (`None` index, scope given).
    Group(GroupRef),
}

/// A group an assignment names, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupRef {
    /// Index into `snapshot.user_groups`, when the snapshot lists it.
    pub index: Option<usize>,
    /// For a built-in all-users group the snapshot does not list: the index
    /// of the role assignment whose resolution named it (for its scope).
    pub builtin_from_assignment: Option<usize>,
}

/// The resolved principal of an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolvedPrincipal {
    /// A user.
    User(usize),
    /// A service account.
    ServiceAccount(usize),
    /// A user group.
    Group(GroupRef),
}

/// A resolved resource group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResolvedResourceGroup {
    /// A resource group the snapshot lists (built-in ones included).
    Listed(usize),
    /// A built-in resource group the snapshot does not list; Harness has
    /// them at every scope.
    Builtin(ResourceGroupId),
}

/// A scope an access covers, resolved for the scope the assignment was made
/// at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// The scope.
    pub scope: Scope,
    /// The whole subtree below it too.
    pub include_child_scopes: bool,
}

/// What one role on one resource group at one scope allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The role's permissions that apply to the resource group's resource
    /// types, sorted.
    pub permissions: Vec<PermissionId>,
    /// The scopes covered; `include_child_scopes` marks a whole subtree.
    pub targets: Vec<Target>,
    /// Which resources of those scopes: `None` means all of them.
    pub resources: Option<Vec<ResourceSelector>>,
    /// The strongest thing it allows.
    pub level: PrivilegeLevel,
    /// The scope this grant makes its holder administrator of.
    pub admin_of: Option<Scope>,
}

impl Access {
    /// True when the access covers `scope`.
    pub fn covers(&self, scope: &Scope) -> bool {
        self.targets.iter().any(|t| {
            if t.include_child_scopes {
                scope.is_within(&t.scope)
            } else {
                *scope == t.scope
            }
        })
    }

    /// True when the access includes `permission`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions
            .binary_search_by(|p| p.as_str().cmp(permission))
            .is_ok()
    }
}

/// Why an assignment is orphaned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum OrphanReason {
    /// The principal is not in the snapshot at the scope Harness would look.
    PrincipalMissing,
    /// `principal.scopeLevel` is below the assignment's scope.
    PrincipalLevelBelowScope,
    /// A principal type that holds no resolvable access (`API_KEY`, ...).
    UnsupportedPrincipalKind(String),
    /// The role is not in the snapshot at the scope Harness would look (a
    /// snapshot that does not say whether the server was asked).
    RoleMissing,
    /// The server was asked for the roles the lists did not return and did
    /// not return this one: it was deleted (or never existed).
    RoleDeleted,
    /// The key could not read the role: why.
    RoleNotReadable(String),
    /// The resource group is not in the snapshot at the assignment's scope.
    ResourceGroupMissing,
}

impl std::fmt::Display for OrphanReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrphanReason::PrincipalMissing => f.write_str("principal not found"),
            OrphanReason::PrincipalLevelBelowScope => {
                f.write_str("principal scope level is below the assignment scope")
            }
            OrphanReason::UnsupportedPrincipalKind(k) => {
                write!(f, "principal type {k} holds no resolvable access")
            }
            OrphanReason::RoleMissing => f.write_str("role not found"),
            OrphanReason::RoleDeleted => {
                f.write_str("role not found: deleted (Harness returns no such role at this scope)")
            }
            OrphanReason::RoleNotReadable(why) => write!(f, "role not readable: {why}"),
            OrphanReason::ResourceGroupMissing => f.write_str("resource group not found"),
        }
    }
}

/// The principal type of Harness's own services (`PrincipalType.SERVICE`).
pub const PRINCIPAL_SERVICE: &str = "SERVICE";

/// What became of one role assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignmentStatus {
    /// Grants access.
    Active,
    /// Disabled: a dormant binding, listed but never access.
    Disabled,
    /// Something it names is missing: no access.
    Orphaned(Vec<OrphanReason>),
    /// Bound to a Harness service principal (`SERVICE`: one of Harness's own
    /// microservices, not a user, group or service account of the account).
    /// Harness manages these; they are listed, not reviewed.
    Internal,
}

impl AssignmentStatus {
    /// `active`, `disabled` or `orphaned`.
    pub fn as_str(&self) -> &'static str {
        match self {
            AssignmentStatus::Active => "active",
            AssignmentStatus::Disabled => "disabled",
            AssignmentStatus::Orphaned(_) => "orphaned",
            AssignmentStatus::Internal => "internal",
        }
    }
}

/// One role assignment, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedAssignment {
    /// Active, disabled or orphaned.
    pub status: AssignmentStatus,
    /// The principal, when found.
    pub principal: Option<ResolvedPrincipal>,
    /// Index into `snapshot.roles`, when found.
    pub role: Option<usize>,
    /// The resource group, when found.
    pub resource_group: Option<ResolvedResourceGroup>,
    /// What it allows (also computed for disabled assignments, to show what
    /// re-enabling would grant); `None` when orphaned.
    pub access: Option<Arc<Access>>,
}

/// One effective grant: a principal holds an assignment's access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// Who holds it.
    pub principal: Principal,
    /// Directly or through a group.
    pub via: Via,
    /// Index into `snapshot.role_assignments` (and [`AccessGraph::assignments`]).
    pub assignment: usize,
}

/// The whole graph.
pub struct AccessGraph<'s> {
    snapshot: &'s Snapshot,
    /// Every known scope: the account, each org, each project, sorted.
    pub scopes: Vec<Scope>,
    /// One entry per `snapshot.role_assignments`, same order.
    pub assignments: Vec<ResolvedAssignment>,
    /// Every grant of every active assignment, sorted by principal, then
    /// assignment, then via.
    pub grants: Vec<Grant>,
    user_by_id: HashMap<&'s str, usize>,
    user_by_email: HashMap<String, usize>,
    group_by_key: HashMap<(&'s Scope, &'s str), usize>,
    sa_by_key: HashMap<(&'s Scope, &'s str), usize>,
    roles: RoleIndex<'s>,
    /// Scopes where the server was asked for the roles its lists did not
    /// return, so a role still missing there does not exist.
    role_lookup_scopes: HashSet<&'s Scope>,
    rg_by_key: HashMap<(&'s Scope, &'s str), usize>,
    permission_type: HashMap<&'s str, (&'s str, Option<&'s str>)>,
    permission_levels: HashMap<&'s str, &'s [ScopeLevel]>,
    users_by_scope: HashMap<&'s Scope, Vec<usize>>,
    grant_range: HashMap<Principal, (usize, usize)>,
    /// Per user: indices of the listed groups whose stored members name them.
    groups_of_user: Vec<Vec<usize>>,
    /// Per user: index into `snapshot.activity.logins`.
    login_of_user: Vec<Option<usize>>,
}

impl<'s> AccessGraph<'s> {
    /// Builds the graph from a snapshot.
    pub fn build(snapshot: &'s Snapshot) -> AccessGraph<'s> {
        let mut scopes = vec![Scope::Account];
        scopes.extend(snapshot.orgs.iter().map(|o| Scope::Org(o.id.clone())));
        scopes.extend(snapshot.projects.iter().map(|p| p.scope()));
        scopes.sort();
        scopes.dedup();

        let mut g = AccessGraph {
            snapshot,
            scopes,
            assignments: Vec::with_capacity(snapshot.role_assignments.len()),
            grants: Vec::new(),
            user_by_id: HashMap::with_capacity(snapshot.users.len()),
            user_by_email: HashMap::with_capacity(snapshot.users.len()),
            group_by_key: HashMap::new(),
            sa_by_key: HashMap::new(),
            roles: RoleIndex::new(&snapshot.roles),
            role_lookup_scopes: snapshot
                .completeness
                .lists
                .iter()
                .filter(|l| l.endpoint == ROLE_LOOKUP_ENDPOINT && l.complete)
                .map(|l| &l.scope)
                .collect(),
            rg_by_key: HashMap::new(),
            permission_type: HashMap::new(),
            permission_levels: HashMap::new(),
            users_by_scope: HashMap::new(),
            grant_range: HashMap::new(),
            groups_of_user: vec![Vec::new(); snapshot.users.len()],
            login_of_user: vec![None; snapshot.users.len()],
        };
        for (i, u) in snapshot.users.iter().enumerate() {
            g.user_by_id.insert(u.id.as_str(), i);
            g.user_by_email.insert(u.email.to_lowercase(), i);
            for s in &u.scopes {
                g.users_by_scope.entry(s).or_default().push(i);
            }
        }
        for (i, x) in snapshot.user_groups.iter().enumerate() {
            g.group_by_key.insert((&x.scope, x.id.as_str()), i);
            if !is_all_users_group(x.id.as_str(), x.scope.level()) {
                for m in &x.members {
                    if let Some(&u) = g.user_by_id.get(m.as_str()) {
                        g.groups_of_user[u].push(i);
                    }
                }
            }
        }
        for v in &mut g.groups_of_user {
            v.sort_unstable();
            v.dedup();
        }
        for (i, l) in snapshot.activity.logins.iter().enumerate() {
            if let Some(&u) = g.user_by_id.get(l.user.as_str()) {
                g.login_of_user[u] = Some(i);
            }
        }
        for (i, x) in snapshot.service_accounts.iter().enumerate() {
            g.sa_by_key.insert((&x.scope, x.id.as_str()), i);
        }
        for (i, x) in snapshot.resource_groups.iter().enumerate() {
            g.rg_by_key.insert((&x.scope, x.id.as_str()), i);
        }
        for p in &snapshot.permissions {
            g.permission_type.insert(
                p.id.as_str(),
                (p.resource_type.as_str(), p.action.as_deref()),
            );
            g.permission_levels
                .insert(p.id.as_str(), p.allowed_scope_levels.as_slice());
        }

        let mut access_cache: HashMap<(usize, ResolvedResourceGroup, &Scope), Arc<Access>> =
            HashMap::new();
        let mut grants = Vec::new();
        for (ai, a) in snapshot.role_assignments.iter().enumerate() {
            let resolved = g.resolve(ai, a, &mut access_cache);
            if resolved.status == AssignmentStatus::Active {
                match resolved.principal {
                    Some(ResolvedPrincipal::User(u)) => grants.push(Grant {
                        principal: Principal::User(u),
                        via: Via::Direct,
                        assignment: ai,
                    }),
                    Some(ResolvedPrincipal::ServiceAccount(s)) => grants.push(Grant {
                        principal: Principal::ServiceAccount(s),
                        via: Via::Direct,
                        assignment: ai,
                    }),
                    Some(ResolvedPrincipal::Group(gr)) => {
                        for u in g.group_members(gr) {
                            grants.push(Grant {
                                principal: Principal::User(u),
                                via: Via::Group(gr),
                                assignment: ai,
                            });
                        }
                    }
                    None => {}
                }
            }
            g.assignments.push(resolved);
        }
        grants.sort_by_key(|g| (g.principal, g.assignment, g.via));
        grants.dedup();
        let mut start = 0;
        while start < grants.len() {
            let p = grants[start].principal;
            let mut end = start;
            while end < grants.len() && grants[end].principal == p {
                end += 1;
            }
            g.grant_range.insert(p, (start, end));
            start = end;
        }
        g.grants = grants;
        g
    }

    /// The snapshot the graph was built from.
    pub fn snapshot(&self) -> &'s Snapshot {
        self.snapshot
    }

    fn resolve(
        &self,
        ai: usize,
        a: &'s RoleAssignment,
        cache: &mut HashMap<(usize, ResolvedResourceGroup, &'s Scope), Arc<Access>>,
    ) -> ResolvedAssignment {
        if a.principal.kind == PRINCIPAL_SERVICE {
            return ResolvedAssignment {
                status: AssignmentStatus::Internal,
                principal: None,
                role: self.resolve_role(a),
                resource_group: self.resolve_resource_group(&a.scope, &a.resource_group),
                access: None,
            };
        }
        let mut reasons = Vec::new();
        let principal = match self.resolve_principal(ai, a) {
            Ok(p) => Some(p),
            Err(r) => {
                reasons.push(r);
                None
            }
        };
        let role = self.resolve_role(a);
        if role.is_none() {
            reasons.push(self.missing_role_reason(a));
        }
        let rg = self.resolve_resource_group(&a.scope, &a.resource_group);
        if rg.is_none() {
            reasons.push(OrphanReason::ResourceGroupMissing);
        }
        let access = match (role, &rg) {
            (Some(r), Some(g)) => Some(
                cache
                    .entry((r, g.clone(), &a.scope))
                    .or_insert_with(|| Arc::new(self.compute_access(&a.scope, r, g)))
                    .clone(),
            ),
            _ => None,
        };
        let status = if !reasons.is_empty() {
            AssignmentStatus::Orphaned(reasons)
        } else if a.disabled {
            AssignmentStatus::Disabled
        } else {
            AssignmentStatus::Active
        };
        let access = if matches!(status, AssignmentStatus::Orphaned(_)) {
            None
        } else {
            access
        };
        ResolvedAssignment {
            status,
            principal,
            role,
            resource_group: rg,
            access,
        }
    }

    fn resolve_principal(
        &self,
        ai: usize,
        a: &RoleAssignment,
    ) -> Result<ResolvedPrincipal, OrphanReason> {
        let p = &a.principal;
        match p.kind.as_str() {
            "USER" => self
                .user_by_id
                .get(p.id.as_str())
                .map(|&i| ResolvedPrincipal::User(i))
                .ok_or(OrphanReason::PrincipalMissing),
            "USER_GROUP" => {
                let level = p.scope_level.unwrap_or(a.scope.level());
                let scope = a
                    .scope
                    .ancestor_at(level)
                    .ok_or(OrphanReason::PrincipalLevelBelowScope)?;
                if let Some(&i) = self.group_by_key.get(&(&scope, p.id.as_str())) {
                    Ok(ResolvedPrincipal::Group(GroupRef {
                        index: Some(i),
                        builtin_from_assignment: None,
                    }))
                } else if is_all_users_group(&p.id, scope.level()) {
                    Ok(ResolvedPrincipal::Group(GroupRef {
                        index: None,
                        builtin_from_assignment: Some(ai),
                    }))
                } else {
                    Err(OrphanReason::PrincipalMissing)
                }
            }
            "SERVICE_ACCOUNT" => {
                let candidates = match p.scope_level {
                    Some(level) => vec![a
                        .scope
                        .ancestor_at(level)
                        .ok_or(OrphanReason::PrincipalLevelBelowScope)?],
                    None => a.scope.self_and_ancestors(),
                };
                candidates
                    .iter()
                    .find_map(|s| self.sa_by_key.get(&(s, p.id.as_str())))
                    .map(|&i| ResolvedPrincipal::ServiceAccount(i))
                    .ok_or(OrphanReason::PrincipalMissing)
            }
            other => Err(OrphanReason::UnsupportedPrincipalKind(other.to_string())),
        }
    }

    fn resolve_role(&self, a: &RoleAssignment) -> Option<usize> {
        self.roles.resolve(a)
    }

    /// Why the role of `a` is missing: the key could not read it, the server
    /// said it does not exist, or the snapshot cannot tell.
    fn missing_role_reason(&self, a: &RoleAssignment) -> OrphanReason {
        let unread = self.snapshot.completeness.unread.iter().find(|u| {
            u.what == UnreadKind::Role
                && u.scope.as_ref() == Some(&a.scope)
                && u.id.as_deref() == Some(a.role.id.as_str())
        });
        match unread {
            Some(u) => OrphanReason::RoleNotReadable(u.reason.clone()),
            None if self.role_lookup_scopes.contains(&a.scope) => OrphanReason::RoleDeleted,
            None => OrphanReason::RoleMissing,
        }
    }

    fn resolve_resource_group(
        &self,
        scope: &Scope,
        id: &ResourceGroupId,
    ) -> Option<ResolvedResourceGroup> {
        if let Some(&i) = self.rg_by_key.get(&(scope, id.as_str())) {
            return Some(ResolvedResourceGroup::Listed(i));
        }
        let builtin = id.as_str() == RG_ALL_INCLUDING_CHILDREN
            || id.as_str() == RG_ALL_DEPRECATED
            || RG_SCOPE_ONLY.contains(&id.as_str());
        builtin.then(|| ResolvedResourceGroup::Builtin(id.clone()))
    }

    /// The resource type a permission acts on: the catalogue's word, else the
    /// middle of `<module>_<type>_<action>` upper-cased.
    pub fn permission_resource_type(&self, permission: &str) -> String {
        if let Some((t, _)) = self.permission_type.get(permission) {
            return (*t).to_string();
        }
        let parts: Vec<&str> = permission.split('_').collect();
        if parts.len() >= 3 {
            parts[1..parts.len() - 1].join("_").to_uppercase()
        } else {
            permission.to_uppercase()
        }
    }

    /// True when the catalogue allows `permission` at `scope`'s level: a
    /// permission acts only at the levels its `allowedScopeLevels` name
    /// (`core_authsetting_edit` is an account permission; on a project it
    /// does nothing). A permission the catalogue does not list, or lists
    /// with no levels, is taken to act everywhere.
    pub fn permission_allowed_at(&self, permission: &str, scope: &Scope) -> bool {
        match self.permission_levels.get(permission) {
            Some(levels) if !levels.is_empty() => levels.contains(&scope.level()),
            _ => true,
        }
    }

    /// True when a permission only views.
    pub fn permission_is_view(&self, permission: &str) -> bool {
        match self.permission_type.get(permission) {
            Some((_, Some(action))) => action.eq_ignore_ascii_case("view"),
            _ => permission.ends_with("_view"),
        }
    }

    fn compute_access(&self, scope: &Scope, role: usize, rg: &ResolvedResourceGroup) -> Access {
        let role_obj = &self.snapshot.roles[role];
        let (targets, resources) = match rg {
            ResolvedResourceGroup::Builtin(id) => (builtin_targets(scope, id), None),
            ResolvedResourceGroup::Listed(i) => {
                let g = &self.snapshot.resource_groups[*i];
                if g.harness_managed && g.included_scopes.is_empty() {
                    // A built-in group from a snapshot that did not record
                    // its selectors: Harness's definition of it.
                    (builtin_targets(scope, &g.id), None)
                } else {
                    // An entry naming no scope means the assignment's own
                    // (Harness's built-in groups); an empty list covers
                    // nothing (`ResourceGroupFactory.buildResourceSelector`).
                    let mut targets: Vec<Target> = g
                        .included_scopes
                        .iter()
                        .map(|t| Target {
                            scope: t.scope_at(scope).clone(),
                            include_child_scopes: t.include_child_scopes,
                        })
                        .filter(|t| t.scope.is_within(scope))
                        .collect();
                    targets.sort();
                    targets.dedup();
                    let resources = if g.resource_filter.include_all {
                        None
                    } else {
                        Some(g.resource_filter.resources.clone())
                    };
                    (targets, resources)
                }
            }
        };
        let permissions: Vec<PermissionId> = match &resources {
            None => role_obj.permissions.clone(),
            Some(sel) => {
                let types: BTreeSet<&str> = sel.iter().map(|s| s.resource_type.as_str()).collect();
                role_obj
                    .permissions
                    .iter()
                    .filter(|p| types.contains(self.permission_resource_type(p.as_str()).as_str()))
                    .cloned()
                    .collect()
            }
        };
        let mut permissions = permissions;
        permissions.sort();
        permissions.dedup();

        let covers_own_scope = targets.iter().any(|t| t.scope == *scope);
        let rg_id = match rg {
            ResolvedResourceGroup::Builtin(id) => id.clone(),
            ResolvedResourceGroup::Listed(i) => self.snapshot.resource_groups[*i].id.clone(),
        };
        let builtin_admin = is_builtin_admin_binding(scope, &role_obj.id, &rg_id);
        let custom_admin = resources.is_none()
            && covers_own_scope
            && ACCESS_CONTROL_MANAGEMENT
                .iter()
                .all(|m| permissions.iter().any(|p| p.as_str() == *m));
        let admin_of = (builtin_admin || custom_admin).then(|| scope.clone());
        let level = if admin_of.is_some() {
            PrivilegeLevel::Admin
        } else if permissions.iter().any(|p| is_escalation(p.as_str())) {
            PrivilegeLevel::Escalation
        } else if permissions
            .iter()
            .any(|p| !self.permission_is_view(p.as_str()))
        {
            PrivilegeLevel::Write
        } else if !permissions.is_empty() {
            PrivilegeLevel::Read
        } else {
            PrivilegeLevel::None
        };
        Access {
            permissions,
            targets,
            resources,
            level,
            admin_of,
        }
    }

    /// The member users of a group. The built-in all-users groups mean every
    /// user of their scope, whatever their stored member list says; members
    /// the snapshot does not know are left out.
    pub fn group_members(&self, g: GroupRef) -> Vec<usize> {
        let (scope, id) = self.group_scope_and_id(g);
        if is_all_users_group(id, scope.level()) {
            let mut v = self.users_by_scope.get(&scope).cloned().unwrap_or_default();
            v.sort_unstable();
            return v;
        }
        let Some(i) = g.index else {
            return Vec::new();
        };
        let mut v: Vec<usize> = self.snapshot.user_groups[i]
            .members
            .iter()
            .filter_map(|m| self.user_by_id.get(m.as_str()).copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The scope and identifier of a resolved group.
    pub fn group_scope_and_id(&self, g: GroupRef) -> (Scope, &'s str) {
        if let Some(i) = g.index {
            let x = &self.snapshot.user_groups[i];
            return (x.scope.clone(), x.id.as_str());
        }
        let a = &self.snapshot.role_assignments[g.builtin_from_assignment.unwrap_or(0)];
        let level = a.principal.scope_level.unwrap_or(a.scope.level());
        let scope = a.scope.ancestor_at(level).unwrap_or(Scope::Account);
        (scope, a.principal.id.as_str())
    }

    /// `group:SCOPE/ID` or `direct`.
    pub fn via_label(&self, via: Via) -> String {
        match via {
            Via::Direct => "direct".to_string(),
            Via::Group(g) => {
                let (scope, id) = self.group_scope_and_id(g);
                format!("group:{scope}/{id}")
            }
        }
    }

    /// Every grant a principal holds, sorted by assignment.
    pub fn grants_of(&self, p: Principal) -> &[Grant] {
        match self.grant_range.get(&p) {
            Some(&(s, e)) => &self.grants[s..e],
            None => &[],
        }
    }

    /// The access of an assignment (present for active and disabled ones).
    pub fn access_of(&self, assignment: usize) -> Option<&Access> {
        self.assignments[assignment].access.as_deref()
    }

    /// The strongest level a principal holds.
    pub fn highest_level(&self, p: Principal) -> PrivilegeLevel {
        self.grants_of(p)
            .iter()
            .filter_map(|g| self.access_of(g.assignment))
            .map(|a| a.level)
            .max()
            .unwrap_or(PrivilegeLevel::None)
    }

    /// The scopes a principal administers, sorted.
    pub fn admin_scopes(&self, p: Principal) -> Vec<Scope> {
        let mut v: Vec<Scope> = self
            .grants_of(p)
            .iter()
            .filter_map(|g| self.access_of(g.assignment))
            .filter_map(|a| a.admin_of.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Finds a principal by email (case-insensitive), user uuid, or
    /// `sa:SCOPE/IDENTIFIER`.
    pub fn find_principal(&self, key: &str) -> Option<Principal> {
        if let Some(rest) = key.strip_prefix("sa:") {
            let (scope, id) = rest.rsplit_once('/')?;
            let scope: Scope = scope.parse().ok()?;
            return self
                .sa_by_key
                .get(&(&scope, id))
                .map(|&i| Principal::ServiceAccount(i));
        }
        if let Some(&i) = self.user_by_id.get(key) {
            return Some(Principal::User(i));
        }
        self.user_by_email
            .get(&key.to_lowercase())
            .map(|&i| Principal::User(i))
    }

    /// Every principal: users in snapshot order, then service accounts.
    pub fn principals(&self) -> impl Iterator<Item = Principal> + '_ {
        (0..self.snapshot.users.len())
            .map(Principal::User)
            .chain((0..self.snapshot.service_accounts.len()).map(Principal::ServiceAccount))
    }

    /// The principal's identity as shown in every output.
    pub fn identity(&self, p: Principal) -> Identity<'s> {
        match p {
            Principal::User(i) => {
                let u = &self.snapshot.users[i];
                Identity {
                    kind: "user",
                    id: u.id.as_str().to_string(),
                    name: &u.name,
                    email: Some(&u.email),
                }
            }
            Principal::ServiceAccount(i) => {
                let s = &self.snapshot.service_accounts[i];
                Identity {
                    kind: "service_account",
                    id: format!("sa:{}/{}", s.scope, s.id),
                    name: &s.name,
                    email: s.email.as_deref(),
                }
            }
        }
    }

    /// The listed groups whose stored member list names the user (the
    /// built-in all-users groups are left out: every user is in them).
    pub fn groups_of_user(&self, user: usize) -> &[usize] {
        &self.groups_of_user[user]
    }

    /// The user's latest login in the activity window, if any.
    pub fn last_login(&self, user: usize) -> Option<&'s crate::snapshot::LoginEvidence> {
        self.login_of_user[user].map(|i| &self.snapshot.activity.logins[i])
    }

    /// Looks up a user by uuid.
    pub fn user_index(&self, id: &str) -> Option<usize> {
        self.user_by_id.get(id).copied()
    }
}

/// A principal as outputs name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity<'s> {
    /// `user` or `service_account`.
    pub kind: &'static str,
    /// A user uuid or `sa:SCOPE/IDENTIFIER`.
    pub id: String,
    /// Display name (untrusted).
    pub name: &'s str,
    /// Email (untrusted).
    pub email: Option<&'s str>,
}

fn builtin_targets(scope: &Scope, id: &ResourceGroupId) -> Vec<Target> {
    let include_child_scopes =
        id.as_str() == RG_ALL_INCLUDING_CHILDREN || id.as_str() == RG_ALL_DEPRECATED;
    vec![Target {
        scope: scope.clone(),
        include_child_scopes,
    }]
}

/// Renders target scopes as `account/**; org:eng` (`/**` marks a subtree).
pub fn format_targets(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|t| format_scope_entry(&t.scope.to_string(), t.include_child_scopes))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Renders a resource group's `includedScopes` as stored: an entry naming no
/// scope is `(assignment scope)`, an empty list `none`.
pub fn format_included_scopes(selectors: &[crate::snapshot::ScopeSelector]) -> String {
    if selectors.is_empty() {
        return "none".to_string();
    }
    selectors
        .iter()
        .map(|t| match &t.scope {
            Some(s) => format_scope_entry(&s.to_string(), t.include_child_scopes),
            None => format_scope_entry("(assignment scope)", t.include_child_scopes),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn format_scope_entry(scope: &str, include_child_scopes: bool) -> String {
    if include_child_scopes {
        format!("{scope}/**")
    } else {
        scope.to_string()
    }
}

/// Renders a resource selection: `all`, or `PIPELINE: deploy_prod; SECRET: all`.
pub fn format_resources(resources: Option<&[ResourceSelector]>) -> String {
    match resources {
        None => "all".to_string(),
        Some([]) => "none".to_string(),
        Some(sel) => sel
            .iter()
            .map(|s| {
                let what = if let Some(f) = &s.attribute_filter {
                    format!("{} in [{}]", f.name, f.values.join(", "))
                } else if s.identifiers.is_empty() {
                    "all".to_string()
                } else {
                    s.identifiers.join(", ")
                };
                format!("{}: {}", s.resource_type, what)
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

#[cfg(test)]
mod tests;
