//! `explain`: one principal's grants with their full paths, and the answer to
//! "can P do PERMISSION on SCOPE, and through what?".
//!
//! Produces plain data ([`Explanation`]); the CLI renders it as text or JSON.
//! It also carries the principal's escalation paths to admin and the "P can
//! become Q" steps open to it (see `escalation`).

use serde::Serialize;

use super::assignment::AssignmentStatus;
use super::build::AccessGraph;
use super::escalation::{EscalationPath, EscalationStep};
use super::format::{format_resources, format_targets};
use super::principal::{GroupRef, Principal, ResolvedPrincipal, Via};
use super::privilege::PrivilegeLevel;
use crate::snapshot::Scope;

/// Everything `explain` says about one principal.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Who.
    pub principal: PrincipalView,
    /// The strongest level held.
    pub highest_privilege: PrivilegeLevel,
    /// Scopes administered.
    pub admin_of: Vec<String>,
    /// The question asked, when `--permission` or `--scope` was given.
    pub question: Option<Question>,
    /// The grants (filtered to those relevant to the question, if any).
    pub grants: Vec<GrantPath>,
    /// Disabled assignments naming the principal or one of its groups: what
    /// re-enabling them would grant (filtered like `grants`).
    pub dormant: Vec<GrantPath>,
    /// The shortest path to admin of each scope it can make itself admin of
    /// (with `--scope`, those covering that scope).
    pub escalation_paths: Vec<EscalationPath>,
    /// "P can become Q" steps open to it now, outside scopes it administers.
    pub can_become: Vec<EscalationStep>,
}

/// The principal, as outputs name it.
#[derive(Debug, Clone, Serialize)]
pub struct PrincipalView {
    /// `user` or `service_account`.
    pub kind: &'static str,
    /// User uuid or `sa:SCOPE/IDENTIFIER`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// `enabled`, `disabled`, `locked`.
    pub status: String,
}

/// A question and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    /// The permission asked about.
    pub permission: Option<String>,
    /// The scope asked about.
    pub scope: Option<String>,
    /// True when at least one grant answers it.
    pub allowed: bool,
    /// True when every answering grant is limited to some resources.
    pub only_some_resources: bool,
}

/// One grant with its whole path.
#[derive(Debug, Clone, Serialize)]
pub struct GrantPath {
    /// `direct` or `group:SCOPE/ID`.
    pub via: String,
    /// The role assignment's identifier.
    pub assignment_id: String,
    /// The scope it was made at.
    pub assignment_scope: String,
    /// The role.
    pub role_id: String,
    /// Where the role was found.
    pub role_scope: String,
    /// The resource group.
    pub resource_group_id: String,
    /// The scopes covered (`/**` marks a subtree).
    pub targets: String,
    /// The resources covered.
    pub resources: String,
    /// The level.
    pub privilege_level: PrivilegeLevel,
    /// Scope administered through it.
    pub admin_of: Option<String>,
    /// The permissions it carries.
    pub permissions: Vec<String>,
}

/// What to ask.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    /// `--permission`.
    pub permission: Option<String>,
    /// `--scope`.
    pub scope: Option<Scope>,
}

impl AccessGraph<'_> {
    fn grant_path(&self, via: Via, ai: usize) -> Option<GrantPath> {
        let s = self.snapshot;
        let a = &s.role_assignments[ai];
        let r = &self.assignments[ai];
        let access = r.access.as_deref()?;
        let (role_id, role_scope) = match r.role {
            Some(i) => (s.roles[i].id.to_string(), s.roles[i].scope.to_string()),
            None => (a.role.id.to_string(), String::new()),
        };
        Some(GrantPath {
            via: self.via_label(via),
            assignment_id: a.id.to_string(),
            assignment_scope: a.scope.to_string(),
            role_id,
            role_scope,
            resource_group_id: a.resource_group.to_string(),
            targets: format_targets(&access.targets),
            resources: format_resources(access.resources.as_deref()),
            privilege_level: access.level,
            admin_of: access.admin_of.as_ref().map(Scope::to_string),
            permissions: access.permissions.iter().map(|p| p.to_string()).collect(),
        })
    }

    fn matches(&self, ai: usize, ask: &Ask) -> bool {
        let Some(access) = self.access_of(ai) else {
            return false;
        };
        ask.permission
            .as_deref()
            .is_none_or(|p| access.has_permission(p))
            && ask.scope.as_ref().is_none_or(|sc| access.covers(sc))
    }

    /// Disabled assignments that would reach `p`, as (via, assignment).
    fn dormant_of(&self, p: Principal) -> Vec<(Via, usize)> {
        let mut out = Vec::new();
        for (ai, r) in self.assignments.iter().enumerate() {
            if r.status != AssignmentStatus::Disabled {
                continue;
            }
            match (r.principal, p) {
                (Some(ResolvedPrincipal::User(u)), Principal::User(x)) if u == x => {
                    out.push((Via::Direct, ai))
                }
                (Some(ResolvedPrincipal::ServiceAccount(u)), Principal::ServiceAccount(x))
                    if u == x =>
                {
                    out.push((Via::Direct, ai))
                }
                (Some(ResolvedPrincipal::Group(g)), Principal::User(x))
                    if self.group_has_member(g, x) =>
                {
                    out.push((Via::Group(g), ai))
                }
                _ => {}
            }
        }
        out
    }

    fn group_has_member(&self, g: GroupRef, user: usize) -> bool {
        self.group_members(g).binary_search(&user).is_ok()
    }

    /// Explains one principal's access, optionally answering a question.
    pub fn explain(&self, p: Principal, ask: &Ask) -> Explanation {
        let id = self.identity(p);
        let status = match p {
            Principal::User(i) => self.snapshot.users[i].status().to_string(),
            Principal::ServiceAccount(_) => "enabled".to_string(),
        };
        let asked = ask.permission.is_some() || ask.scope.is_some();
        let relevant: Vec<_> = self
            .grants_of(p)
            .iter()
            .filter(|g| !asked || self.matches(g.assignment, ask))
            .collect();
        let question = asked.then(|| Question {
            permission: ask.permission.clone(),
            scope: ask.scope.as_ref().map(Scope::to_string),
            allowed: !relevant.is_empty(),
            only_some_resources: !relevant.is_empty()
                && relevant.iter().all(|g| {
                    self.access_of(g.assignment)
                        .is_some_and(|a| a.resources.is_some())
                }),
        });
        let grants = relevant
            .iter()
            .filter_map(|g| self.grant_path(g.via, g.assignment))
            .collect();
        let dormant = self
            .dormant_of(p)
            .into_iter()
            .filter(|(_, ai)| !asked || self.matches(*ai, ask))
            .filter_map(|(via, ai)| self.grant_path(via, ai))
            .collect();
        let index = self.escalation_index();
        let escalation_paths = index
            .paths_from(p)
            .into_iter()
            .filter(|x| ask.scope.as_ref().is_none_or(|s| s.is_within(&x.admin_of)))
            .collect();
        let can_become = index.edges_from(p);
        Explanation {
            principal: PrincipalView {
                kind: id.kind,
                id: id.id,
                name: id.name.to_string(),
                email: id.email.map(str::to_string),
                status,
            },
            highest_privilege: self.highest_level(p),
            admin_of: self.admin_scopes(p).iter().map(Scope::to_string).collect(),
            question,
            grants,
            dormant,
            escalation_paths,
            can_become,
        }
    }
}
