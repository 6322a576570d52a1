//! What became of each role assignment once resolved (active, disabled,
//! orphaned and why, or internal), the resource group it resolved to, and
//! the effective [`Grant`]s an active one gives. Plain types; the
//! resolution itself is `build`'s.

use std::sync::Arc;

use super::access::Access;
use super::principal::{Principal, ResolvedPrincipal, Via};
use crate::snapshot::ResourceGroupId;

/// A resolved resource group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResolvedResourceGroup {
    /// A resource group the snapshot lists (built-in ones included).
    Listed(usize),
    /// A built-in resource group the snapshot does not list; Harness has
    /// them at every scope.
    Builtin(ResourceGroupId),
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
    /// Index into `snapshot.role_assignments` (and
    /// [`AccessGraph::assignments`](crate::graph::AccessGraph::assignments)).
    pub assignment: usize,
}
