//! Entitlements: what one Harness action removes, and so what a reviewer
//! decides on (design.md section 8). Grants are derived: "Gavin has
//! Organization Viewer through All Organization Users" cannot be revoked on
//! its own; removing Gavin from the org, or deleting the group's role
//! assignment, can. Each entitlement is one of:
//!
//! - a principal in the account (a user, a service account): remove it;
//! - a user's membership of an org or project: remove the user there;
//! - a membership of a listed user group: remove the member;
//! - an active role assignment (to a user, a service account or a group):
//!   delete it;
//! - an API token: delete it.
//!
//! Each has a stable key (the row key of campaigns and decisions), and
//! [`AccessGraph::gives`] says what it gives, from the graph: level, admin
//! scopes, escalation permissions, the scopes covered, the roles, and how
//! many effective grants hang on it. This module only reads the graph.

use std::collections::{BTreeSet, HashMap};

use super::access::Access;
use super::assignment::AssignmentStatus;
use super::build::AccessGraph;
use super::format::format_target_refs;
use super::principal::{is_all_users_group, GroupRef, Principal, ResolvedPrincipal, Via};
use super::privilege::PrivilegeLevel;
use crate::snapshot::Scope;

/// One entitlement, by index into the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Entitlement {
    /// A user or service account in the account.
    Principal(Principal),
    /// `users[user].scopes[scope]`: the user's membership of an org or
    /// project (never the account: that is [`Entitlement::Principal`]).
    ScopeMembership {
        /// Index into `snapshot.users`.
        user: usize,
        /// Index into that user's `scopes`.
        scope: usize,
    },
    /// A member of a listed group (the built-in all-users groups have no
    /// members of their own: their membership is the scope membership).
    GroupMembership {
        /// Index into `snapshot.user_groups`.
        group: usize,
        /// Index into `snapshot.users`.
        user: usize,
    },
    /// An active role assignment, by index into `snapshot.role_assignments`.
    RoleAssignment(usize),
    /// A token, by index into `snapshot.tokens`.
    Token(usize),
}

/// The kind of an entitlement, as outputs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntitlementKind {
    /// `PR`.
    Principal,
    /// `SM`.
    ScopeMembership,
    /// `GM`.
    GroupMembership,
    /// `RA`.
    RoleAssignment,
    /// `TK`.
    Token,
}

impl EntitlementKind {
    /// Every kind, in row order.
    pub const ALL: [EntitlementKind; 5] = [
        EntitlementKind::Principal,
        EntitlementKind::ScopeMembership,
        EntitlementKind::GroupMembership,
        EntitlementKind::RoleAssignment,
        EntitlementKind::Token,
    ];

    /// The two letters a key starts with.
    pub fn code(self) -> &'static str {
        match self {
            EntitlementKind::Principal => "PR",
            EntitlementKind::ScopeMembership => "SM",
            EntitlementKind::GroupMembership => "GM",
            EntitlementKind::RoleAssignment => "RA",
            EntitlementKind::Token => "TK",
        }
    }

    /// The kind a key's code names.
    pub fn of_code(code: &str) -> Option<EntitlementKind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// How the sheets say it.
    pub fn label(self) -> &'static str {
        match self {
            EntitlementKind::Principal => "account member",
            EntitlementKind::ScopeMembership => "scope membership",
            EntitlementKind::GroupMembership => "group membership",
            EntitlementKind::RoleAssignment => "role assignment",
            EntitlementKind::Token => "API token",
        }
    }
}

impl Entitlement {
    /// Its kind.
    pub fn kind(self) -> EntitlementKind {
        match self {
            Entitlement::Principal(_) => EntitlementKind::Principal,
            Entitlement::ScopeMembership { .. } => EntitlementKind::ScopeMembership,
            Entitlement::GroupMembership { .. } => EntitlementKind::GroupMembership,
            Entitlement::RoleAssignment(_) => EntitlementKind::RoleAssignment,
            Entitlement::Token(_) => EntitlementKind::Token,
        }
    }
}

/// Who an entitlement is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A user or service account.
    Principal(Principal),
    /// A user group (a group's role assignment), with its members.
    Group(GroupRef),
    /// A token or assignment whose holder the snapshot does not know.
    Unknown,
}

/// What an entitlement gives, from the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gives {
    /// The strongest level.
    pub level: PrivilegeLevel,
    /// The scopes it makes its holder admin of.
    pub admin_of: BTreeSet<Scope>,
    /// The escalation permissions among what it gives.
    pub escalation: BTreeSet<String>,
    /// The scopes covered, as `account/**; org:eng`.
    pub scopes: String,
    /// The roles, as `Role name on resource group at scope`, strongest
    /// first, at most [`ROLES_SHOWN`] with a count of the rest.
    pub roles: String,
    /// The effective-access rows that hang on it.
    pub grants: usize,
}

/// How many roles a summary names.
pub const ROLES_SHOWN: usize = 4;

impl<'s> AccessGraph<'s> {
    /// Every entitlement of the snapshot, in row order: principals (users
    /// then service accounts), scope memberships (by user, then scope),
    /// group memberships (by group, then member), active role assignments,
    /// tokens.
    pub fn entitlements(&self) -> Vec<Entitlement> {
        let s = self.snapshot;
        let mut v: Vec<Entitlement> = self.principals().map(Entitlement::Principal).collect();
        for (u, user) in s.users.iter().enumerate() {
            for (i, sc) in user.scopes.iter().enumerate() {
                if *sc != Scope::Account {
                    v.push(Entitlement::ScopeMembership { user: u, scope: i });
                }
            }
        }
        for (gi, grp) in s.user_groups.iter().enumerate() {
            if is_all_users_group(grp.id.as_str(), grp.scope.level()) {
                continue;
            }
            let mut seen = BTreeSet::new();
            for m in &grp.members {
                if let Some(u) = self.user_index(m.as_str()) {
                    if seen.insert(u) {
                        v.push(Entitlement::GroupMembership { group: gi, user: u });
                    }
                }
            }
        }
        for (ai, a) in self.assignments.iter().enumerate() {
            if a.status == AssignmentStatus::Active {
                v.push(Entitlement::RoleAssignment(ai));
            }
        }
        v.extend((0..s.tokens.len()).map(Entitlement::Token));
        v
    }

    /// The entitlement's key: `PR:PRINCIPAL`, `SM:USER|SCOPE`,
    /// `GM:SCOPE/GROUP|USER`, `RA:SCOPE/ASSIGNMENT`,
    /// `TK:SCOPE/PARENT/API_KEY/TOKEN`. Stable for the same objects across
    /// snapshots, so next quarter's diff can find what was decided.
    pub fn entitlement_key(&self, e: Entitlement) -> String {
        let s = self.snapshot;
        let code = e.kind().code();
        match e {
            Entitlement::Principal(p) => format!("{code}:{}", self.identity(p).id),
            Entitlement::ScopeMembership { user, scope } => {
                let u = &s.users[user];
                format!("{code}:{}|{}", u.id, u.scopes[scope])
            }
            Entitlement::GroupMembership { group, user } => {
                let grp = &s.user_groups[group];
                format!("{code}:{}/{}|{}", grp.scope, grp.id, s.users[user].id)
            }
            Entitlement::RoleAssignment(ai) => {
                let a = &s.role_assignments[ai];
                format!("{code}:{}/{}", a.scope, a.id)
            }
            Entitlement::Token(i) => {
                let t = &s.tokens[i];
                format!("{code}:{}/{}/{}/{}", t.scope, t.parent, t.api_key, t.id)
            }
        }
    }

    /// The scope an entitlement lives at: where it is removed.
    pub fn entitlement_scope(&self, e: Entitlement) -> Scope {
        let s = self.snapshot;
        match e {
            Entitlement::Principal(Principal::User(_)) => Scope::Account,
            Entitlement::Principal(Principal::ServiceAccount(i)) => {
                s.service_accounts[i].scope.clone()
            }
            Entitlement::ScopeMembership { user, scope } => s.users[user].scopes[scope].clone(),
            Entitlement::GroupMembership { group, .. } => s.user_groups[group].scope.clone(),
            Entitlement::RoleAssignment(ai) => s.role_assignments[ai].scope.clone(),
            Entitlement::Token(i) => s.tokens[i].scope.clone(),
        }
    }

    /// Who an entitlement is about.
    pub fn entitlement_holder(&self, e: Entitlement) -> Holder {
        let s = self.snapshot;
        match e {
            Entitlement::Principal(p) => Holder::Principal(p),
            Entitlement::ScopeMembership { user, .. }
            | Entitlement::GroupMembership { user, .. } => Holder::Principal(Principal::User(user)),
            Entitlement::RoleAssignment(ai) => match self.assignments[ai].principal {
                Some(ResolvedPrincipal::User(u)) => Holder::Principal(Principal::User(u)),
                Some(ResolvedPrincipal::ServiceAccount(i)) => {
                    Holder::Principal(Principal::ServiceAccount(i))
                }
                Some(ResolvedPrincipal::Group(g)) => Holder::Group(g),
                None => Holder::Unknown,
            },
            Entitlement::Token(i) => {
                let t = &s.tokens[i];
                let p = match t.key_type {
                    crate::snapshot::ApiKeyType::ServiceAccount => s
                        .service_accounts
                        .iter()
                        .position(|sa| sa.scope == t.scope && sa.id.as_str() == t.parent)
                        .map(Principal::ServiceAccount),
                    crate::snapshot::ApiKeyType::User => {
                        self.user_index(&t.parent).map(Principal::User)
                    }
                };
                p.map_or(Holder::Unknown, Holder::Principal)
            }
        }
    }

    /// The grants an entitlement carries: removing it removes them (unless
    /// another path gives the same access).
    pub fn entitlement_grants(&self, e: Entitlement) -> Vec<super::Grant> {
        let s = self.snapshot;
        match e {
            Entitlement::Principal(p) => self.grants_of(p).to_vec(),
            Entitlement::ScopeMembership { user, scope } => {
                let sc = &s.users[user].scopes[scope];
                self.grants_of(Principal::User(user))
                    .iter()
                    .filter(|g| s.role_assignments[g.assignment].scope.is_within(sc))
                    .copied()
                    .collect()
            }
            Entitlement::GroupMembership { group, user } => self
                .grants_of(Principal::User(user))
                .iter()
                .filter(
                    |g| matches!(g.via, Via::Group(GroupRef { index: Some(i), .. }) if i == group),
                )
                .copied()
                .collect(),
            Entitlement::RoleAssignment(ai) => self.grants_of_assignment(ai),
            Entitlement::Token(_) => match self.entitlement_holder(e) {
                Holder::Principal(p) => self.grants_of(p).to_vec(),
                _ => Vec::new(),
            },
        }
    }

    /// Every grant of one assignment (one per member for a group's).
    pub fn grants_of_assignment(&self, ai: usize) -> Vec<super::Grant> {
        match self.assignments[ai].principal {
            Some(ResolvedPrincipal::User(u)) => self.grant_of(Principal::User(u), ai),
            Some(ResolvedPrincipal::ServiceAccount(i)) => {
                self.grant_of(Principal::ServiceAccount(i), ai)
            }
            Some(ResolvedPrincipal::Group(g)) => self
                .group_members(g)
                .iter()
                .copied()
                .flat_map(|u| self.grant_of(Principal::User(u), ai))
                .collect(),
            None => Vec::new(),
        }
    }

    /// How many grants one assignment carries, without making them: a
    /// role assignment to a scope's all-users group carries one per user of
    /// the scope, and its row needs only the count.
    pub fn grant_count_of_assignment(&self, ai: usize) -> usize {
        let count = |p: Principal| {
            let gs = self.grants_of(p);
            let start = gs.partition_point(|g| g.assignment < ai);
            gs[start..]
                .iter()
                .take_while(|g| g.assignment == ai)
                .count()
        };
        match self.assignments[ai].principal {
            Some(ResolvedPrincipal::User(u)) => count(Principal::User(u)),
            Some(ResolvedPrincipal::ServiceAccount(i)) => count(Principal::ServiceAccount(i)),
            Some(ResolvedPrincipal::Group(g)) => self
                .group_members(g)
                .iter()
                .copied()
                .map(|u| count(Principal::User(u)))
                .sum(),
            None => 0,
        }
    }

    /// How many grants each assignment carries, by assignment index, in one
    /// pass over the grants: [`Self::grant_count_of_assignment`] of every
    /// assignment at once.
    pub fn grant_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.assignments.len()];
        for grant in &self.grants {
            counts[grant.assignment] += 1;
        }
        counts
    }

    fn grant_of(&self, p: Principal, ai: usize) -> Vec<super::Grant> {
        let gs = self.grants_of(p);
        let start = gs.partition_point(|g| g.assignment < ai);
        gs[start..]
            .iter()
            .take_while(|g| g.assignment == ai)
            .copied()
            .collect()
    }

    /// What an entitlement gives.
    pub fn gives(&self, e: Entitlement) -> Gives {
        if let Entitlement::RoleAssignment(ai) = e {
            let mut out = self.gives_of_assignments(&[ai]);
            out.grants = self.grant_count_of_assignment(ai);
            return out;
        }
        let grants = self.entitlement_grants(e);
        let mut out = self.gives_of_assignments(&self.entitlement_assignments(e, &grants));
        out.grants = grants.len();
        out
    }

    /// The assignments an entitlement's access comes from: a role
    /// assignment's own (what it gives even to a group with no member yet),
    /// else the distinct assignments of its grants, sorted.
    pub fn entitlement_assignments(&self, e: Entitlement, grants: &[super::Grant]) -> Vec<usize> {
        if let Entitlement::RoleAssignment(ai) = e {
            return vec![ai];
        }
        let mut v: Vec<usize> = grants.iter().map(|g| g.assignment).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The distinct assignments an entitlement's access comes from, sorted,
    /// and how many grants it carries: what [`Self::entitlement_assignments`]
    /// of [`Self::entitlement_grants`] and their number say, without making
    /// the grants (a principal's are sorted by assignment, so each
    /// assignment is one run of them).
    pub fn entitlement_reach(&self, e: Entitlement) -> (Vec<usize>, usize) {
        let s = self.snapshot;
        // The grants `keep` keeps, by runs of one assignment; `per_run`:
        // `keep` depends on the assignment alone, asked once a run.
        let runs =
            |grants: &[super::Grant], per_run: bool, keep: &dyn Fn(&super::Grant) -> bool| {
                let mut assignments: Vec<usize> = Vec::new();
                let mut count = 0;
                let mut last: Option<(usize, bool)> = None;
                for g in grants {
                    let kept = match last {
                        Some((a, kept)) if per_run && a == g.assignment => kept,
                        _ => keep(g),
                    };
                    last = Some((g.assignment, kept));
                    if kept {
                        count += 1;
                        if assignments.last() != Some(&g.assignment) {
                            assignments.push(g.assignment);
                        }
                    }
                }
                (assignments, count)
            };
        match e {
            Entitlement::RoleAssignment(ai) => (vec![ai], self.grant_count_of_assignment(ai)),
            Entitlement::Principal(p) => runs(self.grants_of(p), true, &|_| true),
            Entitlement::ScopeMembership { user, scope } => {
                let sc = &s.users[user].scopes[scope];
                runs(self.grants_of(Principal::User(user)), true, &|g| {
                    s.role_assignments[g.assignment].scope.is_within(sc)
                })
            }
            Entitlement::GroupMembership { group, user } => runs(
                self.grants_of(Principal::User(user)),
                false,
                &|g| matches!(g.via, Via::Group(GroupRef { index: Some(i), .. }) if i == group),
            ),
            Entitlement::Token(_) => match self.entitlement_holder(e) {
                Holder::Principal(p) => runs(self.grants_of(p), true, &|_| true),
                _ => (Vec::new(), 0),
            },
        }
    }

    /// What a set of active assignments gives (grant count left at 0).
    pub fn gives_of_assignments(&self, assignments: &[usize]) -> Gives {
        let mut out = self.gives_of_accesses(&self.access_set(assignments));
        out.roles = self.roles_text(assignments);
        out
    }

    /// The distinct accesses of a set of assignments, ordered by address:
    /// what they give depends on these alone, so a caller may key a cache
    /// on them (a large account binds the same few roles thousands of
    /// times, and group members share their group's).
    pub fn access_set(&self, assignments: &[usize]) -> Vec<&Access> {
        let mut accesses: Vec<&Access> = assignments
            .iter()
            .filter_map(|&a| self.access_of(a))
            .collect();
        accesses.sort_unstable_by_key(|a| *a as *const Access as usize);
        accesses.dedup_by_key(|a| *a as *const Access as usize);
        accesses
    }

    /// What a set of accesses gives: level, admin of, escalation and scopes
    /// (roles empty, grant count 0).
    pub fn gives_of_accesses(&self, accesses: &[&Access]) -> Gives {
        let mut out = self.gives_of_accesses_but_scopes(accesses);
        let mut targets: Vec<&super::Target> =
            accesses.iter().flat_map(|a| a.targets.iter()).collect();
        targets.sort();
        targets.dedup();
        out.scopes = format_target_refs(targets.into_iter());
        out
    }

    /// [`Self::gives_of_accesses`] but the scopes covered (left empty), for
    /// a caller that names them its own way.
    pub fn gives_of_accesses_but_scopes(&self, accesses: &[&Access]) -> Gives {
        let mut out = Gives::default();
        for access in accesses {
            out.level = out.level.max(access.level);
            if let Some(a) = &access.admin_of {
                out.admin_of.insert(a.clone());
            }
            for p in &access.escalation {
                if !out.escalation.contains(p.as_str()) {
                    out.escalation.insert(p.as_str().to_string());
                }
            }
        }
        out
    }

    /// The roles of a set of assignments as [`Gives::roles`] names them:
    /// `Role name on resource group at scope`, strongest first, at most
    /// [`ROLES_SHOWN`] with a count of the rest.
    pub fn roles_text(&self, assignments: &[usize]) -> String {
        let mut roles: Vec<RoleKey<'_>> = assignments
            .iter()
            .filter_map(|&ai| self.role_key(ai))
            .collect();
        roles.sort_unstable();
        roles.dedup();
        roles_label(roles.len(), roles.into_iter().map(role_name))
    }

    /// How an assignment's role is named and ordered in [`Self::roles_text`]
    /// (none without an access).
    fn role_key(&self, ai: usize) -> Option<RoleKey<'_>> {
        let s = self.snapshot;
        let access = self.access_of(ai)?;
        let a = &s.role_assignments[ai];
        let role = match self.assignments[ai].role {
            Some(r) => s.roles[r].name.as_str(),
            None => a.role.id.as_str(),
        };
        Some((
            std::cmp::Reverse(access.level),
            role,
            a.resource_group.as_str(),
            &a.scope,
        ))
    }

    /// Every assignment's place in the order [`Self::roles_text`] names
    /// roles, sorted once: a caller naming the roles of many sets
    /// (the Entitlements sheet) then sorts numbers, not texts.
    pub fn role_order(&self) -> RoleOrder {
        let mut keyed: Vec<(RoleKey<'_>, usize)> = (0..self.assignments.len())
            .filter_map(|ai| self.role_key(ai).map(|k| (k, ai)))
            .collect();
        keyed.sort_unstable();
        let mut rank = vec![u32::MAX; self.assignments.len()];
        let mut first = Vec::new();
        let mut last: Option<RoleKey<'_>> = None;
        for (key, ai) in keyed {
            if last.as_ref() != Some(&key) {
                first.push(ai);
                last = Some(key);
            }
            rank[ai] = (first.len() - 1) as u32;
        }
        let names = vec![None; first.len()];
        RoleOrder { rank, first, names }
    }
}

/// (strongest first, role name, resource group, scope).
type RoleKey<'a> = (
    std::cmp::Reverse<PrivilegeLevel>,
    &'a str,
    &'a str,
    &'a Scope,
);

/// `Role on RG at scope; ...; and N more` of the first [`ROLES_SHOWN`].
fn roles_label(n: usize, shown: impl Iterator<Item = String>) -> String {
    let mut shown: Vec<String> = shown.take(ROLES_SHOWN).collect();
    if n > ROLES_SHOWN {
        shown.push(format!("and {} more", n - ROLES_SHOWN));
    }
    shown.join("; ")
}

/// One role as [`roles_label`] names it.
fn role_name((_, role, rg, scope): RoleKey<'_>) -> String {
    format!("{role} on {rg} at {scope}")
}

/// Every assignment's rank in the roles order ([`AccessGraph::role_order`]):
/// equal rank, equal name.
#[derive(Debug, Clone)]
pub struct RoleOrder {
    /// By assignment; `u32::MAX` for one without an access.
    rank: Vec<u32>,
    /// By rank: an assignment of that rank.
    first: Vec<usize>,
    /// By rank: its name, once made.
    names: Vec<Option<std::sync::Arc<str>>>,
}

impl RoleOrder {
    /// What [`AccessGraph::roles_text`] says of `assignments`; one role's
    /// name is shared by every set naming it alone.
    pub fn text(&mut self, g: &AccessGraph<'_>, assignments: &[usize]) -> std::sync::Arc<str> {
        let mut ranks: Vec<u32> = assignments
            .iter()
            .map(|&ai| self.rank[ai])
            .filter(|&r| r != u32::MAX)
            .collect();
        ranks.sort_unstable();
        ranks.dedup();
        let n = ranks.len();
        let mut name = |r: u32| -> Option<std::sync::Arc<str>> {
            let r = r as usize;
            if self.names[r].is_none() {
                self.names[r] = g.role_key(self.first[r]).map(|k| role_name(k).into());
            }
            self.names[r].clone()
        };
        if n == 1 {
            return name(ranks[0]).unwrap_or_else(|| "".into());
        }
        let names: Vec<std::sync::Arc<str>> = ranks
            .into_iter()
            .take(ROLES_SHOWN)
            .filter_map(&mut name)
            .collect();
        roles_label(n, names.iter().map(|s| s.to_string())).into()
    }
}

/// What an entitlement key names, parsed (the inverse of
/// [`AccessGraph::entitlement_key`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntitlementRef {
    /// `PR:PRINCIPAL`: a user uuid or `sa:SCOPE/ID`.
    Principal(String),
    /// `SM:USER|SCOPE`.
    ScopeMembership {
        /// The user's uuid.
        user: String,
        /// The org or project, as `org:O` / `project:O/P`.
        scope: String,
    },
    /// `GM:SCOPE/GROUP|USER`.
    GroupMembership {
        /// The group's scope.
        scope: String,
        /// The group's identifier.
        group: String,
        /// The member's uuid.
        user: String,
    },
    /// `RA:SCOPE/ID`.
    RoleAssignment {
        /// The assignment's scope.
        scope: String,
        /// Its identifier.
        id: String,
    },
    /// `TK:SCOPE/PARENT/API_KEY/TOKEN`.
    Token {
        /// The token's scope.
        scope: String,
        /// The service account identifier or user uuid.
        parent: String,
        /// The API key.
        api_key: String,
        /// The token.
        token: String,
    },
}

impl EntitlementRef {
    /// Parses an entitlement key; `None` when it is not one.
    pub fn parse(key: &str) -> Option<EntitlementRef> {
        let (code, rest) = key.split_once(':')?;
        let nonempty = |x: &str| (!x.is_empty()).then(|| x.to_string());
        match EntitlementKind::of_code(code)? {
            EntitlementKind::Principal => Some(EntitlementRef::Principal(nonempty(rest)?)),
            EntitlementKind::ScopeMembership => {
                let (user, scope) = rest.split_once('|')?;
                scope.parse::<Scope>().ok()?;
                Some(EntitlementRef::ScopeMembership {
                    user: nonempty(user)?,
                    scope: nonempty(scope)?,
                })
            }
            EntitlementKind::GroupMembership => {
                let (place, user) = rest.rsplit_once('|')?;
                let (scope, group) = place.rsplit_once('/')?;
                scope.parse::<Scope>().ok()?;
                Some(EntitlementRef::GroupMembership {
                    scope: scope.to_string(),
                    group: nonempty(group)?,
                    user: nonempty(user)?,
                })
            }
            EntitlementKind::RoleAssignment => {
                let (scope, id) = rest.rsplit_once('/')?;
                scope.parse::<Scope>().ok()?;
                Some(EntitlementRef::RoleAssignment {
                    scope: scope.to_string(),
                    id: nonempty(id)?,
                })
            }
            EntitlementKind::Token => {
                let (rest, token) = rest.rsplit_once('/')?;
                let (rest, api_key) = rest.rsplit_once('/')?;
                let (scope, parent) = rest.rsplit_once('/')?;
                scope.parse::<Scope>().ok()?;
                Some(EntitlementRef::Token {
                    scope: scope.to_string(),
                    parent: nonempty(parent)?,
                    api_key: nonempty(api_key)?,
                    token: nonempty(token)?,
                })
            }
        }
    }

    /// Its kind.
    pub fn kind(&self) -> EntitlementKind {
        match self {
            EntitlementRef::Principal(_) => EntitlementKind::Principal,
            EntitlementRef::ScopeMembership { .. } => EntitlementKind::ScopeMembership,
            EntitlementRef::GroupMembership { .. } => EntitlementKind::GroupMembership,
            EntitlementRef::RoleAssignment { .. } => EntitlementKind::RoleAssignment,
            EntitlementRef::Token { .. } => EntitlementKind::Token,
        }
    }
}

impl AccessGraph<'_> {
    /// Every entitlement of the graph by its key: for checking many
    /// decisions (a lookup each, not a scan of the snapshot each).
    pub fn entitlement_index(&self) -> HashMap<String, Entitlement> {
        self.entitlements()
            .into_iter()
            .map(|e| (self.entitlement_key(e), e))
            .collect()
    }
}

impl EntitlementRef {
    /// Its key, as [`AccessGraph::entitlement_key`] writes it.
    pub fn key(&self) -> String {
        let code = self.kind().code();
        match self {
            EntitlementRef::Principal(id) => format!("{code}:{id}"),
            EntitlementRef::ScopeMembership { user, scope } => format!("{code}:{user}|{scope}"),
            EntitlementRef::GroupMembership { scope, group, user } => {
                format!("{code}:{scope}/{group}|{user}")
            }
            EntitlementRef::RoleAssignment { scope, id } => format!("{code}:{scope}/{id}"),
            EntitlementRef::Token {
                scope,
                parent,
                api_key,
                token,
            } => format!("{code}:{scope}/{parent}/{api_key}/{token}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    #[test]
    fn keys_parse_back_to_what_they_name() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/demo/snapshot.json");
        let loaded = crate::snapshot::load(&path).unwrap();
        let g = AccessGraph::build(&loaded.snapshot);
        let all = g.entitlements();
        for kind in EntitlementKind::ALL {
            assert!(all.iter().any(|e| e.kind() == kind), "{kind:?} in the demo");
        }
        let index = g.entitlement_index();
        assert_eq!(index.len(), all.len(), "keys are unique");
        for e in &all {
            let key = g.entitlement_key(*e);
            let r = EntitlementRef::parse(&key).unwrap_or_else(|| panic!("{key} parses"));
            assert_eq!(r.kind(), e.kind(), "{key}");
            assert_eq!(r.key(), key);
            assert_eq!(index.get(&r.key()), Some(e), "{key}");
        }
        assert_eq!(EntitlementRef::parse("XX:1"), None);
        assert_eq!(EntitlementRef::parse("RA:nowhere/ra1"), None);
        assert_eq!(EntitlementRef::parse("GM:account/g1|"), None);
    }

    #[test]
    fn counted_at_once_or_one_by_one_an_assignment_carries_the_same_grants() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/demo/snapshot.json");
        let loaded = crate::snapshot::load(&path).unwrap();
        let g = AccessGraph::build(&loaded.snapshot);
        let counts = g.grant_counts();
        assert!(
            counts.iter().any(|&n| n > 1),
            "a group's assignment in the demo"
        );
        for (ai, n) in counts.iter().enumerate() {
            assert_eq!(*n, g.grant_count_of_assignment(ai), "assignment {ai}");
            assert_eq!(*n, g.grants_of_assignment(ai).len(), "assignment {ai}");
        }
    }

    #[test]
    fn roles_ranked_once_and_sets_reached_without_grants_are_as_made_one_by_one() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/demo/snapshot.json");
        let loaded = crate::snapshot::load(&path).unwrap();
        let g = AccessGraph::build(&loaded.snapshot);
        let mut order = g.role_order();
        let mut more = 0;
        for e in g.entitlements() {
            let grants = g.entitlement_grants(e);
            let assignments = g.entitlement_assignments(e, &grants);
            // Reached without making the grants, the same.
            assert_eq!(
                g.entitlement_reach(e),
                (assignments.clone(), grants.len()),
                "{e:?}"
            );
            let text = order.text(&g, &assignments);
            assert_eq!(&*text, g.roles_text(&assignments), "{e:?}");
            more += usize::from(text.contains(" more"));
        }
        assert!(more > 0, "some principal holds more roles than are named");
        // Two assignments of one role on one resource group at one scope
        // (to two principals) are named once.
        let n = g.assignments.len();
        let (a, b) = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .find(|&(a, b)| g.role_key(a).is_some() && g.role_key(a) == g.role_key(b))
            .expect("the demo binds one role twice at one scope");
        assert_eq!(&*order.text(&g, &[a, b]), g.roles_text(&[a]));
        assert_eq!(g.roles_text(&[a, b]), g.roles_text(&[b]));
    }

    #[test]
    fn the_org_viewer_binding_harness_makes_for_an_inherited_group_is_named() {
        // RoleAssignmentResourceImpl.checkAndAddManagedRoleAssignmentForUserGroup:
        // an account group given a role in a project also gets
        // _organization_viewer on _all_organization_level_resources at the
        // project's org.
        let account_group = || group_at("ops", crate::snapshot::ScopeLevel::Account);
        let mut f = Fixture::new();
        f.user("ann");
        f.group(&Scope::Account, "ops", &["ann"]);
        let project_ra = f.assign(&proj(), account_group(), "_project_viewer", ALL_PROJECT);
        let binding = f.assign(&eng(), account_group(), "_organization_viewer", ALL_ORG);
        // Near misses: another resource group; a group of the org itself;
        // an org that holds none of the group's projects.
        let wider = f.assign(
            &eng(),
            account_group(),
            "_organization_viewer",
            ALL_CHILDREN,
        );
        f.group(&eng(), "eng_ops", &["ann"]);
        let own = f.assign(&eng(), group("eng_ops"), "_organization_viewer", ALL_ORG);
        let elsewhere = f.assign(
            &org("ops"),
            account_group(),
            "_organization_viewer",
            ALL_ORG,
        );
        let s = f.snapshot.clone();
        let g = AccessGraph::build(&s);
        assert_eq!(g.inheritance_binding(binding), Some(&[proj()][..]));
        assert_eq!(g.inheritance_binding(elsewhere), Some(&[][..]));
        for ai in [project_ra, wider, own] {
            assert_eq!(g.inheritance_binding(ai), None, "{ai}");
        }
        let e = Entitlement::RoleAssignment(binding);
        let how = crate::report::sheets::remove_with(&g, e, g.gives(e).grants);
        assert!(
            how.contains(
                "Harness made it when account group ops was given a role in project:eng/pay"
            ),
            "{how}"
        );
        let e = Entitlement::RoleAssignment(elsewhere);
        let how = crate::report::sheets::remove_with(&g, e, g.gives(e).grants);
        assert!(how.contains("none is left there"), "{how}");
    }

    #[test]
    fn each_entitlement_gives_what_removing_it_removes() {
        let mut f = Fixture::new();
        f.user("ann").user_in("bob", &[]);
        f.group(&Scope::Account, "ops", &["ann", "bob"]);
        f.assign(&Scope::Account, group("ops"), "_account_admin", ALL_ACCOUNT);
        f.assign(&proj(), user("ann"), "_project_viewer", ALL_PROJECT);
        let s = f.snapshot.clone();
        let g = AccessGraph::build(&s);
        let all = g.entitlements();
        let keys: Vec<String> = all.iter().map(|e| g.entitlement_key(*e)).collect();
        let find = |prefix: &str| {
            let i = keys
                .iter()
                .position(|k| k.starts_with(prefix))
                .unwrap_or_else(|| panic!("{prefix} in {keys:?}"));
            all[i]
        };
        // The group's assignment: admin of the account, two members.
        let ra = find("RA:account/");
        let gives = g.gives(ra);
        assert_eq!(gives.level, PrivilegeLevel::Admin);
        assert_eq!(gives.admin_of, BTreeSet::from([Scope::Account]));
        assert_eq!(gives.grants, 2);
        assert!(gives.escalation.contains("core_usergroup_manage"));
        assert!(matches!(g.entitlement_holder(ra), Holder::Group(_)));
        // Ann's membership of the group gives her the admin, one grant.
        let gm = find("GM:account/ops|ann");
        let gives = g.gives(gm);
        assert_eq!((gives.level, gives.grants), (PrivilegeLevel::Admin, 1));
        // Her project membership carries the project grant, not the
        // account's; her org membership carries it too (the project is in
        // the org).
        let sm = find("SM:ann|project:eng/pay");
        let gives = g.gives(sm);
        assert_eq!((gives.level, gives.grants), (PrivilegeLevel::Read, 1));
        assert!(
            gives.roles.contains("at project:eng/pay"),
            "{}",
            gives.roles
        );
        assert_eq!(g.gives(find("SM:ann|org:eng")).grants, 1);
        // Near miss: bob has no scope memberships, so no SM rows.
        assert!(!keys.iter().any(|k| k.starts_with("SM:bob")));
        // Ann as a principal: everything.
        assert_eq!(g.gives(find("PR:ann")).grants, 2);
        // A role assignment gives its access even to a group with no member
        // yet: deleting it removes a latent admin binding.
        let mut f2 = Fixture::new();
        f2.group(&Scope::Account, "empty", &[]);
        f2.assign(
            &Scope::Account,
            group("empty"),
            "_account_admin",
            ALL_ACCOUNT,
        );
        let s2 = f2.snapshot.clone();
        let g2 = AccessGraph::build(&s2);
        let ra = g2.entitlements()[0];
        let gives = g2.gives(ra);
        assert_eq!((gives.level, gives.grants), (PrivilegeLevel::Admin, 0));
    }
}
