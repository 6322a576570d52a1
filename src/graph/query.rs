//! What a built graph answers: a principal's grants, level and admin
//! scopes, a group's members, principals by key, identities and labels.
//! Read-only lookups over the indexes `build` made; every output (report,
//! diff, explain, findings) asks through these.

use super::access::Access;
use super::assignment::Grant;
use super::build::AccessGraph;
use super::principal::{Identity, Principal, Via};
use super::privilege::PrivilegeLevel;
use std::collections::HashMap;

use crate::snapshot::Scope;

impl<'s> AccessGraph<'s> {
    /// `group:SCOPE/ID` or `direct`.
    pub fn via_label(&self, via: Via) -> String {
        match via {
            Via::Direct => "direct".to_string(),
            Via::Group(g) => {
                let (scope, id) = self.group_scope_and_id(g);
                format!("group:{scope}/{id}")
            }
        }
    }

    /// Every grant a principal holds, sorted by assignment.
    pub fn grants_of(&self, p: Principal) -> &[Grant] {
        match self.grant_range.get(&p) {
            Some(&(s, e)) => &self.grants[s..e],
            None => &[],
        }
    }

    /// The access of an assignment (present for active and disabled ones).
    pub fn access_of(&self, assignment: usize) -> Option<&Access> {
        self.assignments[assignment].access.as_deref()
    }

    /// Every grant at escalation or admin level (the Privileged Access
    /// sheet's rows), in grant order.
    pub fn privileged_grants(&self) -> impl Iterator<Item = &Grant> + '_ {
        self.grants.iter().filter(|x| {
            self.access_of(x.assignment)
                .is_some_and(|a| a.level >= PrivilegeLevel::Escalation)
        })
    }

    /// The strongest level a principal holds.
    pub fn highest_level(&self, p: Principal) -> PrivilegeLevel {
        self.grants_of(p)
            .iter()
            .filter_map(|g| self.access_of(g.assignment))
            .map(|a| a.level)
            .max()
            .unwrap_or(PrivilegeLevel::None)
    }

    /// The scopes a principal administers, sorted.
    pub fn admin_scopes(&self, p: Principal) -> Vec<Scope> {
        let mut v: Vec<Scope> = self
            .grants_of(p)
            .iter()
            .filter_map(|g| self.access_of(g.assignment))
            .filter_map(|a| a.admin_of.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Finds a principal by email (case-insensitive), user uuid, or
    /// `sa:SCOPE/IDENTIFIER`.
    pub fn find_principal(&self, key: &str) -> Option<Principal> {
        if let Some(rest) = key.strip_prefix("sa:") {
            let (scope, id) = rest.rsplit_once('/')?;
            let scope: Scope = scope.parse().ok()?;
            return self
                .sa_by_key
                .get(&(&scope, id))
                .map(|&i| Principal::ServiceAccount(i));
        }
        if let Some(&i) = self.user_by_id.get(key) {
            return Some(Principal::User(i));
        }
        self.user_by_email
            .get(&key.to_lowercase())
            .map(|&i| Principal::User(i))
    }

    /// Every principal: users in snapshot order, then service accounts.
    pub fn principals(&self) -> impl Iterator<Item = Principal> + '_ {
        (0..self.snapshot.users.len())
            .map(Principal::User)
            .chain((0..self.snapshot.service_accounts.len()).map(Principal::ServiceAccount))
    }

    /// The principal's identity as shown in every output.
    pub fn identity(&self, p: Principal) -> Identity<'s> {
        match p {
            Principal::User(i) => {
                let u = &self.snapshot.users[i];
                Identity {
                    kind: "user",
                    id: u.id.as_str().to_string(),
                    name: &u.name,
                    email: Some(&u.email),
                }
            }
            Principal::ServiceAccount(i) => {
                let s = &self.snapshot.service_accounts[i];
                Identity {
                    kind: "service_account",
                    id: format!("sa:{}/{}", s.scope, s.id),
                    name: &s.name,
                    email: s.email.as_deref(),
                }
            }
        }
    }

    /// The listed groups whose stored member list names the user (the
    /// built-in all-users groups are left out: every user is in them).
    pub fn groups_of_user(&self, user: usize) -> &[usize] {
        &self.groups_of_user[user]
    }

    /// The user's latest login in the activity window, if any.
    pub fn last_login(&self, user: usize) -> Option<&'s crate::snapshot::LoginEvidence> {
        self.login_of_user[user].map(|i| &self.snapshot.activity.logins[i])
    }

    /// Looks up a user by uuid.
    pub fn user_index(&self, id: &str) -> Option<usize> {
        self.user_by_id.get(id).copied()
    }

    /// When assignment `ai` has the shape of the binding Harness makes
    /// itself when an account-level user group is given a role in a
    /// project (`RoleAssignmentResourceImpl.checkAndAddManagedRoleAssignmentForUserGroup`:
    /// `_organization_viewer` on `_all_organization_level_resources` at the
    /// project's org, same principal, `managed: false`): the projects of
    /// that org where the group still holds an assignment (empty when none
    /// is left: Harness does not remove the binding with them). `None` for
    /// any other assignment.
    pub fn inheritance_binding(&self, ai: usize) -> Option<&[Scope]> {
        self.inheritance_bindings
            .get_or_init(|| {
                let s = self.snapshot;
                let account_group = |a: &crate::snapshot::RoleAssignment| {
                    a.principal.kind == "USER_GROUP"
                        && a.principal.scope_level == Some(crate::snapshot::ScopeLevel::Account)
                };
                let mut projects: HashMap<(&str, &str), Vec<Scope>> = HashMap::new();
                for a in &s.role_assignments {
                    if let Scope::Project(org, _) = &a.scope {
                        if account_group(a) {
                            projects
                                .entry((org.as_str(), a.principal.id.as_str()))
                                .or_default()
                                .push(a.scope.clone());
                        }
                    }
                }
                let mut out = HashMap::new();
                for (i, a) in s.role_assignments.iter().enumerate() {
                    let Scope::Org(org) = &a.scope else { continue };
                    if account_group(a)
                        && a.role.id.as_str() == "_organization_viewer"
                        && a.resource_group.as_str() == "_all_organization_level_resources"
                        && !a.managed
                    {
                        let mut v = projects
                            .get(&(org.as_str(), a.principal.id.as_str()))
                            .cloned()
                            .unwrap_or_default();
                        v.sort();
                        v.dedup();
                        out.insert(i, v);
                    }
                }
                out
            })
            .get(&ai)
            .map(Vec::as_slice)
    }
}
