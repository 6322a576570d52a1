//! The graph rules of design.md section 6, one test per rule, each with a case
//! where access exists and a near-miss where it must not.
//!
//! Every test starts from the crate's fixture kit ([`Fixture::new`]): an
//! account with orgs `eng` and `ops`, projects `eng/pay`, `eng/web` and
//! `ops/infra`, a small permission catalogue and the Harness-managed roles
//! listed at every scope of their level. A test adds only the users, groups,
//! service accounts, roles, resource groups and role assignments its rule is
//! about.
//!
//! One file per step of the rules: `disabled` (step 1), `principals`
//! (step 2), `groups` (step 3), `roles` (step 4), `resource_groups`
//! (step 5); then `levels` (privilege levels) and `lookups` (lookups and
//! traceability). This file holds the helpers they share on a built graph.

use std::sync::Arc;

use super::*;
use crate::snapshot::{PrincipalRef, ResourceFilter, ResourceGroup, ScopeLevel};
use crate::testkit::*;

mod disabled;
mod groups;
mod levels;
mod lookups;
mod principals;
mod resource_groups;
mod roles;

fn principal(g: &AccessGraph<'_>, key: &str) -> Principal {
    g.find_principal(key)
        .unwrap_or_else(|| panic!("{key} is not a principal of the snapshot"))
}

/// The (assignment, via label) pairs a principal holds, sorted.
fn held(g: &AccessGraph<'_>, key: &str) -> Vec<(usize, String)> {
    let mut v: Vec<(usize, String)> = g
        .grants_of(principal(g, key))
        .iter()
        .map(|gr| (gr.assignment, g.via_label(gr.via)))
        .collect();
    v.sort();
    v
}

/// Every principal holding `assignment`, by identity id, sorted.
fn holders(g: &AccessGraph<'_>, assignment: usize) -> Vec<String> {
    let mut v: Vec<String> = g
        .grants
        .iter()
        .filter(|gr| gr.assignment == assignment)
        .map(|gr| g.identity(gr.principal).id)
        .collect();
    v.sort();
    v
}

fn status<'g>(g: &'g AccessGraph<'_>, assignment: usize) -> &'g AssignmentStatus {
    &g.assignments[assignment].status
}

fn orphaned_for(reason: OrphanReason) -> AssignmentStatus {
    AssignmentStatus::Orphaned(vec![reason])
}

fn access<'g>(g: &'g AccessGraph<'_>, assignment: usize) -> &'g Access {
    g.access_of(assignment)
        .unwrap_or_else(|| panic!("assignment {assignment} has no access"))
}

fn permission_ids(a: &Access) -> Vec<&str> {
    a.permissions.iter().map(|p| p.as_str()).collect()
}
