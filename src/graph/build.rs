//! Building the graph from a snapshot: the rules of design.md section 6, in
//! order. Disabled assignments are kept apart; principals, roles and
//! resource groups are resolved at the scope levels Harness uses (an
//! assignment naming something missing is orphaned and grants nothing);
//! groups expand to their members; the resource group decides target scopes
//! and resource types; each distinct (role, resource group, scope) has its
//! [`Access`] computed once and shared.
//!
//! Group expansion ([`AccessGraph::group_members`]) is here because building
//! needs it; every other lookup a built graph answers is `query`'s, and this
//! file never calls into it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use super::access::{Access, Target};
use super::assignment::{
    AssignmentStatus, Grant, OrphanReason, ResolvedAssignment, ResolvedResourceGroup,
    PRINCIPAL_SERVICE,
};
use super::permission_types;
use super::principal::{is_all_users_group, GroupRef, Principal, ResolvedPrincipal, Via};
use super::privilege::{
    holds_access_control_management, is_builtin_admin_binding, is_escalation, PrivilegeLevel,
    RG_ALL_DEPRECATED, RG_ALL_INCLUDING_CHILDREN, RG_SCOPE_ONLY,
};
use crate::snapshot::{
    PermissionId, ResourceGroupId, RoleAssignment, RoleIndex, Scope, ScopeLevel, Snapshot,
    UnreadKind, ROLE_LOOKUP_ENDPOINT,
};

/// The whole graph. The indexes are visible to the rest of `graph` (`query`,
/// `explain`, `escalation`), never outside it.
pub struct AccessGraph<'s> {
    pub(super) snapshot: &'s Snapshot,
    /// Every known scope: the account, each org, each project, sorted.
    pub scopes: Vec<Scope>,
    /// One entry per `snapshot.role_assignments`, same order.
    pub assignments: Vec<ResolvedAssignment>,
    /// Every grant of every active assignment, sorted by principal, then
    /// assignment, then via.
    pub grants: Vec<Grant>,
    pub(super) user_by_id: HashMap<&'s str, usize>,
    pub(super) user_by_email: HashMap<String, usize>,
    pub(super) group_by_key: HashMap<(&'s Scope, &'s str), usize>,
    pub(super) sa_by_key: HashMap<(&'s Scope, &'s str), usize>,
    pub(super) roles: RoleIndex<'s>,
    /// Scopes where the server was asked for the roles its lists did not
    /// return, so a role still missing there does not exist.
    pub(super) role_lookup_scopes: HashSet<&'s Scope>,
    pub(super) rg_by_key: HashMap<(&'s Scope, &'s str), usize>,
    pub(super) permission_type: HashMap<&'s str, (&'s str, Option<&'s str>)>,
    pub(super) permission_levels: HashMap<&'s str, &'s [ScopeLevel]>,
    /// Permissions Harness's access check allows to everyone (catalogue
    /// status INACTIVE, EXPERIMENTAL or STAGING): no role grants them.
    pub(super) always_allowed: std::collections::HashSet<&'s str>,
    pub(super) users_by_scope: HashMap<&'s Scope, Vec<usize>>,
    pub(super) grant_range: HashMap<Principal, (usize, usize)>,
    /// Per user: indices of the listed groups whose stored members name them.
    pub(super) groups_of_user: Vec<Vec<usize>>,
    /// Per listed group: its member users, sorted (empty for the built-in
    /// all-users groups, whose members are their scope's users).
    pub(super) members_of_group: Vec<Vec<usize>>,
    /// Per user: index into `snapshot.activity.logins`.
    pub(super) login_of_user: Vec<Option<usize>>,
    /// The Organization Viewer bindings Harness makes when an account group
    /// is given a role in a project, with the projects of that org where
    /// the group still has one (built when first asked).
    pub(super) inheritance_bindings: std::sync::OnceLock<HashMap<usize, Vec<Scope>>>,
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
            always_allowed: Default::default(),
            users_by_scope: HashMap::new(),
            grant_range: HashMap::new(),
            groups_of_user: vec![Vec::new(); snapshot.users.len()],
            members_of_group: vec![Vec::new(); snapshot.user_groups.len()],
            login_of_user: vec![None; snapshot.users.len()],
            inheritance_bindings: std::sync::OnceLock::new(),
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
                let mut members = Vec::with_capacity(x.members.len());
                for m in &x.members {
                    if let Some(&u) = g.user_by_id.get(m.as_str()) {
                        g.groups_of_user[u].push(i);
                        members.push(u);
                    }
                }
                members.sort_unstable();
                members.dedup();
                g.members_of_group[i] = members;
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
            if p.status.as_deref().is_some_and(is_always_allowed_status) {
                g.always_allowed.insert(p.id.as_str());
            }
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
                        for &u in g.group_members(gr) {
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

    /// The resource type a permission acts on: the catalogue's word, else
    /// Harness's own table by the permission's key
    /// ([`super::permission_types`]), else the middle of
    /// `<module>_<type>_<action>` upper-cased.
    pub fn permission_resource_type(&self, permission: &str) -> String {
        if let Some((t, _)) = self.permission_type.get(permission) {
            return (*t).to_string();
        }
        if let Some(t) = permission_types::known_resource_type(permission) {
            return t.to_string();
        }
        let parts: Vec<&str> = permission.split('_').collect();
        if parts.len() >= 3 {
            parts[1..parts.len() - 1].join("_").to_uppercase()
        } else {
            permission.to_uppercase()
        }
    }

    /// True when `permission` acts on resources of `resource_type`: its own
    /// type or one of the extra types Harness maps it to (feature-flag
    /// permissions act on environments), compared without case as
    /// `InMemoryPermissionRepository.isPermissionCompatibleWithResourceSelector`
    /// does.
    pub fn permission_acts_on(&self, permission: &str, resource_type: &str) -> bool {
        self.permission_resource_type(permission)
            .eq_ignore_ascii_case(resource_type)
            || permission_types::extra_resource_types(permission)
                .any(|t| t.eq_ignore_ascii_case(resource_type))
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

    /// True for a permission Harness's access check allows to everyone
    /// (its catalogue status is INACTIVE, EXPERIMENTAL or STAGING), so no
    /// role grants it and no key can lack it.
    pub fn permission_always_allowed(&self, permission: &str) -> bool {
        self.always_allowed.contains(permission)
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
                    .filter(|p| types.iter().any(|t| self.permission_acts_on(p.as_str(), t)))
                    .cloned()
                    .collect()
            }
        };
        let mut permissions = permissions;
        // Allowed to everyone by the access check: not a grant of the role.
        permissions.retain(|p| !self.always_allowed.contains(p.as_str()));
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
            && holds_access_control_management(|m| permissions.iter().any(|p| p.as_str() == m));
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
        Access::new(permissions, targets, resources, level, admin_of)
    }

    /// The member users of a group. The built-in all-users groups mean every
    /// user of their scope, whatever their stored member list says; members
    /// the snapshot does not know are left out.
    /// Sorted, each once.
    pub fn group_members(&self, g: GroupRef) -> &[usize] {
        if let Some(i) = g.index {
            let x = &self.snapshot.user_groups[i];
            if !is_all_users_group(x.id.as_str(), x.scope.level()) {
                return &self.members_of_group[i];
            }
        }
        let (scope, id) = self.group_scope_and_id(g);
        if is_all_users_group(id, scope.level()) {
            // Kept sorted since the build.
            return self.users_by_scope.get(&scope).map_or(&[], Vec::as_slice);
        }
        match g.index {
            Some(i) => &self.members_of_group[i],
            None => &[],
        }
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
}

fn builtin_targets(scope: &Scope, id: &ResourceGroupId) -> Vec<Target> {
    let include_child_scopes =
        id.as_str() == RG_ALL_INCLUDING_CHILDREN || id.as_str() == RG_ALL_DEPRECATED;
    vec![Target {
        scope: scope.clone(),
        include_child_scopes,
    }]
}

impl AccessGraph<'_> {
    /// A permission's action: the catalogue's word, else the last part of
    /// `<module>_<type>_<action>`.
    pub fn permission_action(&self, permission: &str) -> String {
        if let Some((_, Some(action))) = self.permission_type.get(permission) {
            return action.to_ascii_lowercase();
        }
        permission
            .rsplit('_')
            .next()
            .unwrap_or(permission)
            .to_string()
    }
}

/// The catalogue statuses whose permissions `ACLServiceImpl.checkAccess`
/// allows to every principal (`disabledPermissions`): INACTIVE,
/// EXPERIMENTAL and STAGING.
pub fn is_always_allowed_status(status: &str) -> bool {
    ["INACTIVE", "EXPERIMENTAL", "STAGING"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(status.trim()))
}
