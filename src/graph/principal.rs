//! Who holds access and how: the principals of the graph (users and service
//! accounts, by index into the snapshot), the path a grant came by (direct
//! or through a group), the built-in all-users groups, and a principal's
//! identity as every output names it. Plain types, shared by the graph's
//! construction, its lookups, `explain` and the escalation search.

use crate::snapshot::ScopeLevel;

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
