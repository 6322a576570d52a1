//! How a step found by the search is told: its target, whose grant allows
//! it, the assignment that carries the permission, and one sentence a
//! reviewer can check against Harness.

use super::index::{Edge, EscalationIndex, Node};
use super::step::{EscalationStep, StepAction};
use crate::graph::assignment::ResolvedResourceGroup;
use crate::graph::principal::Principal;
use crate::snapshot::Scope;

impl EscalationIndex<'_, '_> {
    /// Renders a step taken from `from` (the search started at `start`).
    pub(super) fn render(&self, from: &Node, start: &Node, e: &Edge) -> EscalationStep {
        let s = self.graph.snapshot;
        let acting = if e.by_start { start } else { from };
        let prefix = self.prefix(acting, start);
        let via = self.assignment_text(e.carrier);
        let perm = e.permission.as_deref().unwrap_or("");
        let (target, text) = match (&e.to, e.action) {
            (Node::Admin(scope), StepAction::HoldAdmin) => (
                format!("admin of {scope}"),
                format!("{prefix}is admin of {scope} through {via}"),
            ),
            (Node::Admin(scope), StepAction::BindAdminRole) => (
                format!("admin of {scope}"),
                format!(
                    "{prefix}can bind {} to a user group at {scope} it is in, or creates and joins: Harness checks only the permission to manage the group ({perm} through {via})",
                    admin_role_of(scope)
                ),
            ),
            (Node::Admin(scope), StepAction::MintToken) => (
                format!("admin of {scope}"),
                format!("{prefix}can mint an API token for that service account and act as admin of {scope} ({perm} through {via})"),
            ),
            (Node::Admin(scope), StepAction::RepointLogin) => (
                format!("admin of {scope}"),
                format!("{prefix}can change the account's login settings (SAML, OAuth, LDAP) to an identity provider it controls and sign in as an account admin ({perm} through {via}); this assumes an admin signs in through that login"),
            ),
            (Node::Admin(scope), _) => (
                format!("admin of {scope}"),
                format!("{prefix}can assign itself any role at {scope} ({perm} through {via})"),
            ),
            (Node::BoundServiceAccount { scope, .. }, _) => (
                format!("a service account at {scope}"),
                format!(
                    "{prefix}can bind {} to a service account at {scope} it creates or may edit: Harness checks only the permission to edit the service account ({perm} through {via})",
                    admin_role_of(scope)
                ),
            ),
            (Node::Group(i), _) => {
                let x = &s.user_groups[*i];
                let target = format!("group:{}/{}", x.scope, x.id);
                let text = format!("{prefix}can add itself to {target} ({perm} through {via})");
                (target, text)
            }
            (Node::Principal(p), StepAction::ReuseServiceAccountIdentifier) => {
                let target = self.graph.identity(*p).id;
                let text = format!("{prefix}shares its identifier with {target}, so Harness gives it {target}'s grants, such as {via} (Harness keys a service account's grants by its bare identifier; docs/harness-behaviour.md P6, unverified for current Harness)");
                (target, text)
            }
            (Node::Principal(p), StepAction::ImpersonateUser) => {
                let who = self.graph.identity(*p);
                let target = match who.email {
                    Some(email) if !email.is_empty() => format!("user {email} ({})", who.id),
                    _ => format!("user {}", who.id),
                };
                let text = format!("{prefix}can impersonate {target}, an admin of {}, and act with that user's grants in 30-minute sessions ({perm} through {via}; Harness impersonates only users who have logged in at least once, never oneself, and the session cannot create API keys or tokens)", e.target_scope);
                (target, text)
            }
            (Node::Principal(p), _) => {
                let target = self.graph.identity(*p).id;
                let text =
                    format!("{prefix}can mint an API token for {target} and act as it ({perm} through {via})");
                (target, text)
            }
            (Node::EditedRole(ai), _) => {
                let role = self.graph.assignments[*ai].role.map(|ri| &s.roles[ri]);
                let target = role.map_or_else(
                    || format!("role {}", s.role_assignments[*ai].role.id),
                    |r| format!("role {}/{}", r.scope, r.id),
                );
                let text = format!(
                    "{prefix}can add any permission to {target}, held through {} ({perm} through {via})",
                    self.assignment_text(e.edited.unwrap_or(*ai))
                );
                (target, text)
            }
            (Node::WidenedResourceGroup(ai), _) => {
                let a = &s.role_assignments[*ai];
                let target = format!("resource group {}/{}", a.scope, a.resource_group);
                let target = match self.graph.assignments[*ai].resource_group {
                    Some(ResolvedResourceGroup::Listed(gi)) => {
                        let rg = &s.resource_groups[gi];
                        format!("resource group {}/{}", rg.scope, rg.id)
                    }
                    _ => target,
                };
                let text = format!(
                    "{prefix}can widen {target} to every resource, which {} runs through ({perm} through {via})",
                    self.assignment_text(e.edited.unwrap_or(*ai))
                );
                (target, text)
            }
        };
        let a = &s.role_assignments[e.carrier];
        EscalationStep {
            action: e.action,
            target,
            target_scope: e.target_scope.clone(),
            held_by: self.label(acting, start),
            permission: e.permission.as_ref().map(|p| p.to_string()),
            assignment_id: a.id.to_string(),
            assignment_scope: a.scope.clone(),
            role_id: a.role.id.to_string(),
            resource_group_id: a.resource_group.to_string(),
            text,
        }
    }

    /// `assignment ID at SCOPE (role R on resource group G)`.
    fn assignment_text(&self, ai: usize) -> String {
        let a = &self.graph.snapshot.role_assignments[ai];
        format!(
            "assignment {} at {} (role {} on resource group {})",
            a.id, a.scope, a.role.id, a.resource_group
        )
    }

    /// How a step's sentence starts when the principal acts as something
    /// it has become.
    fn prefix(&self, node: &Node, start: &Node) -> String {
        let s = self.graph.snapshot;
        if node == start {
            return String::new();
        }
        match node {
            Node::Principal(p) => format!("acting as {}, ", self.graph.identity(*p).id),
            Node::Group(i) => {
                let x = &s.user_groups[*i];
                format!("as a member of group:{}/{}, ", x.scope, x.id)
            }
            Node::EditedRole(ai) => {
                let a = &s.role_assignments[*ai];
                format!("with role {} edited in assignment {}, ", a.role.id, a.id)
            }
            Node::WidenedResourceGroup(ai) => {
                let a = &s.role_assignments[*ai];
                format!(
                    "with resource group {} widened in assignment {}, ",
                    a.resource_group, a.id
                )
            }
            Node::BoundServiceAccount { scope, .. } => {
                format!("acting as the service account bound at {scope}, ")
            }
            Node::Admin(_) => String::new(),
        }
    }

    fn label(&self, node: &Node, start: &Node) -> String {
        let g = self.graph;
        let s = g.snapshot;
        match node {
            Node::Principal(p) => match p {
                Principal::User(_) if node == start => "direct".to_string(),
                Principal::User(_) => g.identity(*p).id,
                Principal::ServiceAccount(_) => g.identity(*p).id,
            },
            Node::Group(i) => {
                let x = &s.user_groups[*i];
                format!("group:{}/{}", x.scope, x.id)
            }
            Node::EditedRole(ai) => {
                let a = &s.role_assignments[*ai];
                format!("role {} (edited) in assignment {}", a.role.id, a.id)
            }
            Node::WidenedResourceGroup(ai) => {
                let a = &s.role_assignments[*ai];
                format!(
                    "resource group {} (widened) in assignment {}",
                    a.resource_group, a.id
                )
            }
            Node::BoundServiceAccount { scope, .. } => {
                format!("service account bound at {scope}")
            }
            Node::Admin(scope) => format!("admin of {scope}"),
        }
    }
}

/// The built-in admin role of a scope's level.
fn admin_role_of(scope: &Scope) -> &'static str {
    match scope.level() {
        crate::snapshot::ScopeLevel::Account => "_account_admin",
        crate::snapshot::ScopeLevel::Organization => "_organization_admin",
        crate::snapshot::ScopeLevel::Project => "_project_admin",
    }
}
