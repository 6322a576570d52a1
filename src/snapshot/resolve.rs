//! Where Harness finds the role an assignment names, shared by the graph
//! (which resolves every assignment) and `pull` (which asks the server for
//! the roles its lists did not return).
//!
//! The server's rule (`RoleDaoImpl.getInternal`): a custom role at the
//! assignment's own scope (or, for a reusable custom role, at the ancestor
//! `roleReference.scopeLevel` names), else a Harness-managed role (stored
//! once, globally) whose `allowedScopeLevels` hold the assignment's level.
//! There is no walk up the ancestors.

use std::collections::HashMap;

use super::{Role, RoleAssignment, Scope};

/// The endpoint `pull` asks for the roles an assignment names when the role
/// lists did not return them (Harness hides managed roles from org and
/// project lists behind feature flags). A complete entry for it in
/// `completeness.lists` at a scope means the server was asked there, so a
/// role still missing at that scope does not exist.
pub const ROLE_LOOKUP_ENDPOINT: &str = "POST /authz/api/roleassignments/aggregate";

/// The completeness label of the audit query for users added to the account
/// (`ADD_COLLABORATOR`). A complete entry means a user with no such event in
/// the activity window was added before it.
pub const USER_ADDITIONS_LIST: &str = "POST /audit/api/audits/list (users added)";

/// The roles of a snapshot, indexed the way Harness looks them up.
#[derive(Debug, Default)]
pub struct RoleIndex<'s> {
    custom: HashMap<(&'s Scope, &'s str), usize>,
    managed: HashMap<&'s str, Vec<usize>>,
    /// The copy of a managed role listed at a scope (the first one).
    managed_at: HashMap<(&'s Scope, &'s str), usize>,
    roles: &'s [Role],
}

impl<'s> RoleIndex<'s> {
    /// Indexes `roles` (a snapshot's `roles`).
    pub fn new(roles: &'s [Role]) -> RoleIndex<'s> {
        let mut ix = RoleIndex {
            custom: HashMap::with_capacity(roles.len()),
            managed: HashMap::new(),
            managed_at: HashMap::new(),
            roles,
        };
        for (i, r) in roles.iter().enumerate() {
            if r.harness_managed {
                ix.managed.entry(r.id.as_str()).or_default().push(i);
                ix.managed_at.entry((&r.scope, r.id.as_str())).or_insert(i);
            } else {
                ix.custom.entry((&r.scope, r.id.as_str())).or_insert(i);
            }
        }
        ix
    }

    /// The index into `roles` of the role `a` names, as the server resolves
    /// it; `None` when no listed role fits.
    pub fn resolve(&self, a: &RoleAssignment) -> Option<usize> {
        let id = a.role.id.as_str();
        let custom_scope = match a.role.scope_level {
            Some(level) => a.scope.ancestor_at(level),
            None => Some(a.scope.clone()),
        };
        if let Some(s) = &custom_scope {
            if let Some(&i) = self.custom.get(&(s, id)) {
                return Some(i);
            }
        }
        // A managed role is one role, listed at every scope where it is
        // allowed: the copy listed at the assignment's scope when there is
        // one (so outputs name that scope), else any allowed copy.
        let level = a.scope.level();
        let allowed = |i: &usize| {
            let levels = &self.roles[*i].allowed_scope_levels;
            // A snapshot that did not record the levels cannot say no.
            levels.is_empty() || levels.contains(&level)
        };
        // The copy at the assignment's scope, found by key: a managed role is
        // listed at every project, and a linear search per assignment is
        // quadratic on a large account.
        if let Some(&i) = self.managed_at.get(&(&a.scope, id)) {
            if allowed(&i) {
                return Some(i);
            }
        }
        let candidates = self.managed.get(id)?;
        candidates.iter().copied().find(allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{
        AssignmentId, PermissionId, PrincipalRef, ResourceGroupId, RoleId, RoleRef, ScopeLevel,
    };

    fn role(scope: Scope, id: &str, managed: bool, levels: &[ScopeLevel]) -> Role {
        Role {
            scope,
            id: RoleId(id.into()),
            name: id.into(),
            permissions: vec![PermissionId("core_pipeline_view".into())],
            allowed_scope_levels: levels.to_vec(),
            harness_managed: managed,
            assignment_counts: None,
        }
    }

    fn assignment(scope: Scope, role: &str, level: Option<ScopeLevel>) -> RoleAssignment {
        RoleAssignment {
            scope,
            id: AssignmentId("a".into()),
            principal: PrincipalRef {
                kind: "USER".into(),
                id: "u".into(),
                scope_level: None,
            },
            role: RoleRef {
                id: RoleId(role.into()),
                scope_level: level,
            },
            resource_group: ResourceGroupId("_all_project_level_resources".into()),
            disabled: false,
            managed: false,
            internal: false,
        }
    }

    #[test]
    fn custom_roles_resolve_at_the_exact_scope_and_never_at_an_ancestor() {
        let p = Scope::Project("o".into(), "p".into());
        let roles = vec![
            role(Scope::Account, "deployer", false, &[ScopeLevel::Account]),
            role(p.clone(), "local", false, &[ScopeLevel::Project]),
        ];
        let ix = RoleIndex::new(&roles);
        assert_eq!(ix.resolve(&assignment(p.clone(), "local", None)), Some(1));
        // The account's custom role is not found from the project by walking up...
        assert_eq!(ix.resolve(&assignment(p.clone(), "deployer", None)), None);
        // ...only when the assignment says where it lives (reusable roles).
        assert_eq!(
            ix.resolve(&assignment(p, "deployer", Some(ScopeLevel::Account))),
            Some(0)
        );
    }

    #[test]
    fn managed_roles_resolve_only_at_an_allowed_level() {
        let roles = vec![role(
            Scope::Org("o".into()),
            "_project_admin",
            true,
            &[ScopeLevel::Project],
        )];
        let ix = RoleIndex::new(&roles);
        let p = Scope::Project("x".into(), "y".into());
        assert_eq!(ix.resolve(&assignment(p, "_project_admin", None)), Some(0));
        assert_eq!(
            ix.resolve(&assignment(Scope::Account, "_project_admin", None)),
            None
        );
    }
}
