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
//! - the same with user-group Manage split (`PL_USER_GROUPS_MANAGE_
//!   PERMISSION_SPLIT_ENFORCE`): `core_usergroup_manageUsers` joins (with
//!   `manageSCIM` through SCIM), `core_usergroup_manageRoleAssignments`
//!   binds, and creating a group takes `core_usergroup_create` too; either
//!   vocabulary counts, as an account may carry both;
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
//!
//! Layout: `step` holds the public output (steps and paths); `index` the
//! search's state and the lookups built once per graph; `edges` finds the
//! steps open to a node; `search` walks them breadth-first; `render` turns
//! a step found into its sentence. This file only declares the modules and
//! re-exports the API.

mod edges;
mod index;
mod render;
mod search;
mod step;

pub use index::EscalationIndex;
pub use step::{EscalationPath, EscalationStep, StepAction};
