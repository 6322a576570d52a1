//! The test fixture kit for the graph and the rules (`#[cfg(test)]` only).
//!
//! One small account: orgs `eng` and `ops`, projects `eng/pay`, `eng/web`
//! and `ops/infra`, one permission catalogue, and the Harness-managed roles
//! listed at every scope of their level. A test adds only the users, groups,
//! service accounts, roles, resource groups and role assignments its rule is
//! about, then builds the graph (`AccessGraph::build(&f.snapshot)`) or runs
//! the rules with an optional inline TOML policy ([`Fixture::findings`]).
//!
//! It sits at the crate root, beside `graph` and `findings` rather than in
//! either, because it serves both: it builds snapshots for the graph and
//! runs the rules, and `graph` must not depend on `findings`. Rule tests
//! compare a finding's evidence with [`assert_evidence!`], one call each.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Serialize;

use crate::findings::{
    evaluate_with, Evaluation, Finding, FindingPrincipal, Policy, Roster, Rule, Severity,
};
use crate::graph::AccessGraph;
use crate::snapshot::{
    ApiKeyType, LoginEvidence, Org, Permission, PrincipalRef, Project, ResourceFilter,
    ResourceGroup, ResourceSelector, Role, RoleAssignment, RoleRef, Scope, ScopeLevel,
    ScopeSelector, ServiceAccount, Snapshot, Token, User, UserGroup,
};

/// The built-in resource group over the assignment scope and its children.
pub const ALL_CHILDREN: &str = "_all_resources_including_child_scopes";
/// The built-in account-level resource group.
pub const ALL_ACCOUNT: &str = "_all_account_level_resources";
/// The built-in organization-level resource group.
pub const ALL_ORG: &str = "_all_organization_level_resources";
/// The built-in project-level resource group.
pub const ALL_PROJECT: &str = "_all_project_level_resources";

/// The permission catalogue: (id, resource type, action).
/// `core_governancepolicy_*` deliberately has a catalogue type
/// (`GOVERNANCE_POLICY`) that differs from what its identifier suggests
/// (`GOVERNANCEPOLICY`), so tests can tell the catalogue is what is read.
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    ("core_user_view", "USER", "view"),
    ("core_user_manage", "USER", "manage"),
    ("core_user_invite", "USER", "invite"),
    ("core_usergroup_view", "USERGROUP", "view"),
    ("core_usergroup_manage", "USERGROUP", "manage"),
    ("core_serviceaccount_view", "SERVICEACCOUNT", "view"),
    ("core_serviceaccount_edit", "SERVICEACCOUNT", "edit"),
    ("core_serviceaccount_delete", "SERVICEACCOUNT", "delete"),
    (
        "core_serviceaccount_manageapikey",
        "SERVICEACCOUNT",
        "manageapikey",
    ),
    ("core_role_view", "ROLE", "view"),
    ("core_role_edit", "ROLE", "edit"),
    ("core_role_delete", "ROLE", "delete"),
    ("core_resourcegroup_view", "RESOURCEGROUP", "view"),
    ("core_resourcegroup_edit", "RESOURCEGROUP", "edit"),
    ("core_resourcegroup_delete", "RESOURCEGROUP", "delete"),
    ("core_pipeline_view", "PIPELINE", "view"),
    ("core_pipeline_edit", "PIPELINE", "edit"),
    ("core_pipeline_delete", "PIPELINE", "delete"),
    ("core_pipeline_execute", "PIPELINE", "execute"),
    ("core_secret_view", "SECRET", "view"),
    ("core_secret_edit", "SECRET", "edit"),
    ("core_secret_access", "SECRET", "access"),
    ("core_governancepolicy_view", "GOVERNANCE_POLICY", "view"),
    ("core_governancepolicy_edit", "GOVERNANCE_POLICY", "edit"),
    ("core_authsetting_view", "AUTHSETTING", "view"),
    ("core_authsetting_edit", "AUTHSETTING", "edit"),
];

/// Every access-control management permission (what a custom admin needs).
pub const ACM: &[&str] = &[
    "core_resourcegroup_edit",
    "core_role_edit",
    "core_serviceaccount_edit",
    "core_user_manage",
    "core_usergroup_manage",
];

/// Every permission of the catalogue (the managed admin roles hold them).
pub fn all_permissions() -> Vec<&'static str> {
    CATALOGUE.iter().map(|(id, _, _)| *id).collect()
}

/// The catalogue's view permissions (the managed viewer roles hold them).
pub fn view_permissions() -> Vec<&'static str> {
    CATALOGUE
        .iter()
        .filter(|(_, _, action)| *action == "view")
        .map(|(id, _, _)| *id)
        .collect()
}

/// `account`.
pub fn account() -> Scope {
    Scope::Account
}

/// `org:ORG`.
pub fn org(o: &str) -> Scope {
    Scope::Org(o.into())
}

/// `project:ORG/PROJECT`.
pub fn project(o: &str, p: &str) -> Scope {
    Scope::Project(o.into(), p.into())
}

/// `org:eng`.
pub fn eng() -> Scope {
    org("eng")
}

/// `project:eng/pay`, the project most rule tests use.
pub fn proj() -> Scope {
    project("eng", "pay")
}

/// A user principal reference.
pub fn user(id: &str) -> PrincipalRef {
    PrincipalRef {
        kind: "USER".into(),
        id: id.into(),
        scope_level: None,
    }
}

/// A group at the assignment's own level (no `scopeLevel`).
pub fn group(id: &str) -> PrincipalRef {
    PrincipalRef {
        kind: "USER_GROUP".into(),
        id: id.into(),
        scope_level: None,
    }
}

/// A group at an explicit level.
pub fn group_at(id: &str, level: ScopeLevel) -> PrincipalRef {
    PrincipalRef {
        scope_level: Some(level),
        ..group(id)
    }
}

/// A service account, searched upwards from the assignment scope.
pub fn sa(id: &str) -> PrincipalRef {
    PrincipalRef {
        kind: "SERVICE_ACCOUNT".into(),
        id: id.into(),
        scope_level: None,
    }
}

/// A service account at an explicit level.
pub fn sa_at(id: &str, level: ScopeLevel) -> PrincipalRef {
    PrincipalRef {
        scope_level: Some(level),
        ..sa(id)
    }
}

/// A role reference exactly as given: no `scopeLevel`.
pub fn role(id: &str) -> RoleRef {
    RoleRef {
        id: id.into(),
        scope_level: None,
    }
}

/// A role reference with `scopeLevel`.
pub fn role_at(id: &str, level: ScopeLevel) -> RoleRef {
    RoleRef {
        id: id.into(),
        scope_level: Some(level),
    }
}

/// The role of an assignment, as a test names it: by identifier (`"x"`:
/// the kit adds the `scopeLevel` Harness stores for a custom role of an
/// ancestor scope) or as an exact reference ([`role`], [`role_at`]), for
/// the tests of role resolution itself.
pub enum RoleChoice {
    /// A role identifier.
    Named(String),
    /// The reference exactly as stored.
    Exact(RoleRef),
}

impl From<&str> for RoleChoice {
    fn from(id: &str) -> RoleChoice {
        RoleChoice::Named(id.to_string())
    }
}

impl From<RoleRef> for RoleChoice {
    fn from(r: RoleRef) -> RoleChoice {
        RoleChoice::Exact(r)
    }
}

/// (principal id, scope) of each finding, in order.
pub fn subjects(found: &[Finding]) -> Vec<(&str, &str)> {
    found
        .iter()
        .map(|f| {
            (
                f.principal.as_ref().map_or("", |p| p.id.as_str()),
                f.scope.as_deref().unwrap_or(""),
            )
        })
        .collect()
}

/// The capture time of every fixture snapshot.
pub fn captured() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap()
}

/// What an evidence snapshot shows of a finding: its stable id (diff and
/// reviewer decisions depend on it), rule, severity, principal, scope,
/// message and evidence; the controls are the rule's, not the finding's.
#[derive(Serialize)]
struct EvidenceView<'f> {
    id: &'f str,
    rule: &'f str,
    severity: Severity,
    principal: Option<&'f FindingPrincipal>,
    scope: Option<&'f str>,
    message: &'f str,
    evidence: &'f BTreeMap<String, serde_json::Value>,
}

impl<'f> EvidenceView<'f> {
    /// The parts of `f` an evidence snapshot shows.
    fn of(f: &'f Finding) -> EvidenceView<'f> {
        EvidenceView {
            id: &f.id,
            rule: &f.rule,
            severity: f.severity,
            principal: f.principal.as_ref(),
            scope: f.scope.as_deref(),
            message: &f.message,
            evidence: &f.evidence,
        }
    }
}

/// The JSON an evidence snapshot holds: [`EvidenceView`] pretty-printed,
/// with every hidden character (a bidirectional control or an invisible
/// one, see `crate::text`) written as a JSON escape (`\u202e`), so the
/// snapshot file shows it instead of reordering or hiding text around it.
/// The escape spells the same JSON value.
pub fn evidence_json(f: &Finding) -> String {
    let text = serde_json::to_string_pretty(&EvidenceView::of(f)).expect("evidence serialises");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if crate::text::hidden(c).is_some() {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Compares a finding with the snapshot `NAME` beside the test
/// (`snapshots/<module path>__NAME.snap`, the JSON of [`evidence_json`]):
/// `assert_evidence!("NAME", found[0])`. A test states who is flagged and
/// who is not with plain assertions, and leaves the evidence details to the
/// snapshot. A new or changed snapshot fails the test until it is reviewed
/// and accepted.
macro_rules! assert_evidence {
    ($name:expr, $finding:expr) => {{
        let finding = $crate::testkit::evidence_json(&$finding);
        insta::assert_snapshot!($name, finding);
    }};
}
pub(crate) use assert_evidence;

/// A snapshot under construction, with the policy, `--as-of` time and
/// roster the rules run with.
pub struct Fixture {
    /// The snapshot being built.
    pub snapshot: Snapshot,
    /// The policy (defaults unless [`Fixture::policy_toml`] replaces it).
    pub policy: Policy,
    /// The time the rules measure against (the capture time by default).
    pub as_of: DateTime<Utc>,
    /// The workforce roster, when a test gives one.
    pub roster: Option<Roster>,
}

impl Fixture {
    /// Account `acc` captured at [`captured`] with a 180-day activity
    /// window, orgs `eng` / `ops`, projects `eng/pay`, `eng/web`,
    /// `ops/infra`, the permission catalogue, and the managed roles at every
    /// scope of their level.
    pub fn new() -> Fixture {
        let t = captured();
        let mut f = Fixture {
            snapshot: Snapshot::empty("acc", t, 180),
            policy: Policy::default(),
            as_of: t,
            roster: None,
        };
        for o in ["eng", "ops"] {
            f.snapshot.orgs.push(Org {
                id: o.into(),
                name: o.into(),
                description: None,
                tags: Default::default(),
            });
        }
        for (o, p) in [("eng", "pay"), ("eng", "web"), ("ops", "infra")] {
            f.snapshot.projects.push(Project {
                org: o.into(),
                id: p.into(),
                name: p.into(),
                description: None,
                tags: Default::default(),
            });
        }
        for (id, resource_type, action) in CATALOGUE {
            f.snapshot.permissions.push(Permission {
                id: (*id).into(),
                name: None,
                resource_type: (*resource_type).into(),
                action: Some((*action).into()),
                status: Some("ACTIVE".into()),
                allowed_scope_levels: Vec::new(),
            });
        }
        let all = all_permissions();
        let views = view_permissions();
        f.managed_role(&account(), "_account_admin", &all);
        f.managed_role(&account(), "_account_viewer", &views);
        for o in ["eng", "ops"] {
            f.managed_role(&org(o), "_organization_admin", &all);
            f.managed_role(&org(o), "_organization_viewer", &views);
        }
        for (o, p) in [("eng", "pay"), ("eng", "web"), ("ops", "infra")] {
            f.managed_role(&project(o, p), "_project_admin", &all);
            f.managed_role(&project(o, p), "_project_viewer", &views);
            f.managed_role(
                &project(o, p),
                "_pipeline_executor",
                &["core_pipeline_view", "core_pipeline_execute"],
            );
        }
        f
    }

    /// An enabled user (uuid = `id`, email `id@example.com`) in the account,
    /// `org:eng` and `project:eng/pay`, with 2FA on and a login yesterday.
    pub fn user(&mut self, id: &str) -> &mut Self {
        self.user_in(id, &[eng(), proj()])
    }

    /// Like [`Fixture::user`], a member of the account and of `scopes` only.
    pub fn user_in(&mut self, id: &str, scopes: &[Scope]) -> &mut Self {
        let mut member_of = vec![Scope::Account];
        member_of.extend(scopes.iter().cloned());
        self.snapshot.users.push(User {
            id: id.into(),
            name: id.into(),
            email: format!("{id}@example.com"),
            disabled: false,
            locked: false,
            externally_managed: false,
            two_factor_enabled: Some(true),
            scopes: member_of,
        });
        let at = self.as_of - Duration::days(1);
        self.login(id, at);
        self
    }

    /// An account viewer: [`Fixture::user`] bound to `_account_viewer` on
    /// the account's resources.
    pub fn viewer(&mut self, id: &str) -> &mut Self {
        self.user(id);
        self.assign(&Scope::Account, user(id), "_account_viewer", ALL_ACCOUNT);
        self
    }

    /// A user to change.
    pub fn user_mut(&mut self, id: &str) -> &mut User {
        self.snapshot
            .users
            .iter_mut()
            .find(|u| u.id.as_str() == id)
            .expect("user exists")
    }

    /// Sets (or removes, with `None`) a user's latest login in the window.
    pub fn set_login(&mut self, id: &str, at: Option<DateTime<Utc>>) -> &mut Self {
        self.snapshot
            .activity
            .logins
            .retain(|l| l.user.as_str() != id);
        if let Some(at) = at {
            self.login(id, at);
        }
        self
    }

    fn login(&mut self, id: &str, at: DateTime<Utc>) {
        self.snapshot.activity.logins.push(LoginEvidence {
            user: id.into(),
            last_login: at,
            events: 1,
        });
    }

    /// A user group with stored members.
    pub fn group(&mut self, scope: &Scope, id: &str, members: &[&str]) -> &mut Self {
        self.snapshot.user_groups.push(UserGroup {
            scope: scope.clone(),
            id: id.into(),
            name: id.into(),
            members: members.iter().map(|m| (*m).into()).collect(),
            sso_linked: false,
            sso_type: None,
            sso_group: None,
            externally_managed: false,
            harness_managed: false,
            description: None,
            tags: Default::default(),
        });
        self
    }

    /// A group to change.
    pub fn group_mut(&mut self, id: &str) -> &mut UserGroup {
        self.snapshot
            .user_groups
            .iter_mut()
            .find(|g| g.id.as_str() == id)
            .expect("group exists")
    }

    /// A service account with an owner tag.
    pub fn service_account(&mut self, scope: &Scope, id: &str) -> &mut Self {
        self.snapshot.service_accounts.push(ServiceAccount {
            scope: scope.clone(),
            id: id.into(),
            name: id.into(),
            email: None,
            description: None,
            tags: [("owner".to_string(), "team@example.com".to_string())].into(),
            created_at: None,
            api_key_count: None,
        });
        self
    }

    /// A service account to change.
    pub fn sa_mut(&mut self, id: &str) -> &mut ServiceAccount {
        self.snapshot
            .service_accounts
            .iter_mut()
            .find(|s| s.id.as_str() == id)
            .expect("service account exists")
    }

    fn push_role(&mut self, scope: &Scope, id: &str, permissions: &[&str], managed: bool) {
        self.snapshot.roles.push(Role {
            scope: scope.clone(),
            id: id.into(),
            name: id.into(),
            permissions: permissions.iter().map(|p| (*p).into()).collect(),
            allowed_scope_levels: Vec::new(),
            harness_managed: managed,
            assignment_counts: None,
        });
    }

    /// A custom role.
    pub fn role(&mut self, scope: &Scope, id: &str, permissions: &[&str]) -> &mut Self {
        self.push_role(scope, id, permissions, false);
        self
    }

    /// A Harness-managed role.
    pub fn managed_role(&mut self, scope: &Scope, id: &str, permissions: &[&str]) -> &mut Self {
        self.push_role(scope, id, permissions, true);
        self
    }

    /// A custom resource group over every resource of `included`
    /// (`(scope, include_child_scopes)`).
    pub fn resource_group(
        &mut self,
        scope: &Scope,
        id: &str,
        included: &[(Scope, bool)],
    ) -> &mut Self {
        self.typed_resource_group(scope, id, included, &[])
    }

    /// A custom resource group over the listed resource types (all types
    /// when `types` is empty).
    pub fn typed_resource_group(
        &mut self,
        scope: &Scope,
        id: &str,
        included: &[(Scope, bool)],
        types: &[&str],
    ) -> &mut Self {
        self.snapshot.resource_groups.push(ResourceGroup {
            scope: scope.clone(),
            id: id.into(),
            name: id.into(),
            harness_managed: false,
            included_scopes: included
                .iter()
                .map(|(s, children)| ScopeSelector {
                    scope: Some(s.clone()),
                    include_child_scopes: *children,
                })
                .collect(),
            resource_filter: ResourceFilter {
                include_all: types.is_empty(),
                resources: types
                    .iter()
                    .map(|t| ResourceSelector {
                        resource_type: (*t).into(),
                        identifiers: Vec::new(),
                        attribute_filter: None,
                    })
                    .collect(),
            },
        });
        self
    }

    /// A custom resource group at `scope` selecting only the named resources
    /// of one type there (`resourceFilter.resources[{type, identifiers}]`).
    pub fn selecting_resource_group(
        &mut self,
        scope: &Scope,
        id: &str,
        resource_type: &str,
        identifiers: &[&str],
    ) -> &mut Self {
        self.typed_resource_group(scope, id, &[(scope.clone(), false)], &[resource_type]);
        let rg = self
            .snapshot
            .resource_groups
            .last_mut()
            .expect("just pushed");
        rg.resource_filter.resources[0].identifiers =
            identifiers.iter().map(|i| (*i).to_string()).collect();
        self
    }

    /// A role assignment with id `raN`; returns its index in
    /// `role_assignments`. A role named by identifier that is a custom role
    /// of an ancestor scope is stored with that scope's level, as Harness
    /// stores a reusable custom role's assignment; a role of the
    /// assignment's own scope (or a managed one) needs none.
    pub fn assign(
        &mut self,
        scope: &Scope,
        principal: PrincipalRef,
        role: impl Into<RoleChoice>,
        rg: &str,
    ) -> usize {
        let role = match role.into() {
            RoleChoice::Exact(r) => r,
            RoleChoice::Named(id) => {
                let custom_at = |s: &Scope| {
                    self.snapshot
                        .roles
                        .iter()
                        .any(|r| !r.harness_managed && r.id.as_str() == id && &r.scope == s)
                };
                let scope_level = if custom_at(scope) {
                    None
                } else {
                    scope
                        .self_and_ancestors()
                        .into_iter()
                        .find(|s| custom_at(s))
                        .map(|s| s.level())
                };
                RoleRef {
                    id: id.as_str().into(),
                    scope_level,
                }
            }
        };
        let i = self.snapshot.role_assignments.len();
        self.snapshot.role_assignments.push(RoleAssignment {
            scope: scope.clone(),
            id: format!("ra{i}").as_str().into(),
            principal,
            role,
            resource_group: rg.into(),
            disabled: false,
            managed: false,
            internal: false,
        });
        i
    }

    /// Disables an assignment.
    pub fn disable(&mut self, assignment: usize) -> &mut Self {
        self.snapshot.role_assignments[assignment].disabled = true;
        self
    }

    /// A service-account token valid from `from` to `to` (`None`: no expiry).
    pub fn token(
        &mut self,
        sa: &str,
        id: &str,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
    ) -> &mut Self {
        let scope = self
            .snapshot
            .service_accounts
            .iter()
            .find(|s| s.id.as_str() == sa)
            .expect("service account exists")
            .scope
            .clone();
        self.snapshot.tokens.push(Token {
            scope,
            key_type: ApiKeyType::ServiceAccount,
            parent: sa.into(),
            api_key: "key".into(),
            id: id.into(),
            name: id.into(),
            valid_from: Some(from),
            valid_to: to,
            valid: Some(true),
            created_at: Some(from),
        });
        self
    }

    /// Replaces the policy with an inline TOML one.
    pub fn policy_toml(&mut self, text: &str) -> &mut Self {
        self.policy = Policy::parse(std::path::Path::new("test.toml"), text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        self
    }

    /// Runs every rule on the snapshot.
    pub fn evaluate(&self) -> Evaluation {
        // A fixture is a snapshot `load` would accept, or the rule is tested
        // on evidence no report can be made from.
        if let Err(e) = crate::snapshot::check(&self.snapshot) {
            panic!("the fixture would not load: {}: {}", e.json_path, e.message);
        }
        let g = AccessGraph::build(&self.snapshot);
        evaluate_with(&g, &self.policy, self.as_of, self.roster.as_ref())
    }

    /// The findings of one rule.
    pub fn findings(&self, rule: Rule) -> Vec<Finding> {
        self.evaluate()
            .findings
            .into_iter()
            .filter(|f| f.rule == rule.code())
            .collect()
    }
}
