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
//!
//! Layout: `principal`, `access` and `assignment` hold the plain types;
//! `build` builds the graph and `query` answers lookups on it; `privilege`
//! says how strong a grant is; `format` writes targets and resources the one
//! way every output uses; `explain` and `escalation` read the built graph.
//! Each file imports what it uses from the file that defines it; this one
//! only declares the modules and re-exports the API.

mod access;
mod assignment;
mod build;
mod entitlements;
mod escalation;
mod explain;
mod format;
mod permission_types;
mod principal;
mod privilege;
mod query;

pub use access::{Access, Target};
pub use assignment::{
    AssignmentStatus, Grant, OrphanReason, ResolvedAssignment, ResolvedResourceGroup,
    PRINCIPAL_SERVICE,
};
pub use build::AccessGraph;
pub use entitlements::{
    Entitlement, EntitlementKind, EntitlementRef, Gives, Holder, RoleOrder, ROLES_SHOWN,
};
pub use escalation::{EscalationIndex, EscalationPath, EscalationStep, StepAction};
pub use explain::{Ask, Explanation, GrantPath, PrincipalView, Question};
pub use format::{format_included_scopes, format_resources, format_target, format_targets};
pub use principal::{
    is_all_users_group, GroupRef, Identity, Principal, ResolvedPrincipal, Via, ALL_USERS_GROUPS,
};
pub use privilege::*;

#[cfg(test)]
mod tests;
