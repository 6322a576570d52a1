//! What one role on one resource group at one scope allows ([`Access`]),
//! and the scopes it covers ([`Target`]). Computed once per distinct
//! (role, resource group, scope) when the graph is built, and shared.

use super::privilege::PrivilegeLevel;
use crate::snapshot::{PermissionId, ResourceSelector, Scope};

/// A scope an access covers, resolved for the scope the assignment was made
/// at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// The scope.
    pub scope: Scope,
    /// The whole subtree below it too.
    pub include_child_scopes: bool,
}

impl Target {
    /// True when this target covers all of `other`: the same scope, or
    /// `other` within this one when this one includes child scopes.
    pub fn covers(&self, other: &Target) -> bool {
        if self.include_child_scopes {
            other.scope.is_within(&self.scope)
        } else {
            !other.include_child_scopes && self.scope == other.scope
        }
    }
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
    /// The escalation permissions among `permissions`, sorted (worked out
    /// once here: every entitlement row shared by the access asks).
    pub escalation: Vec<PermissionId>,
}

impl Access {
    /// An access from its parts, its escalation permissions worked out.
    pub fn new(
        permissions: Vec<PermissionId>,
        targets: Vec<Target>,
        resources: Option<Vec<ResourceSelector>>,
        level: PrivilegeLevel,
        admin_of: Option<Scope>,
    ) -> Access {
        let escalation = permissions
            .iter()
            .filter(|p| super::privilege::is_escalation(p.as_str()))
            .cloned()
            .collect();
        Access {
            permissions,
            targets,
            resources,
            level,
            admin_of,
            escalation,
        }
    }

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
