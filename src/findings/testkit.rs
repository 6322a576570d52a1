//! Test fixture for the rules: a small account (orgs `eng` and `ops`,
//! projects `eng/pay`, `eng/web`, `ops/infra`), a permission catalogue and
//! the Harness-managed roles; each test adds only what its rule is about,
//! then runs the rules with an optional inline TOML policy.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{evaluate_with, Evaluation, Finding, Policy, Roster, Rule};
use crate::graph::AccessGraph;
use crate::snapshot::{
    ApiKeyType, LoginEvidence, Org, Permission, PrincipalRef, Project, ResourceFilter,
    ResourceGroup, ResourceSelector, Role, RoleAssignment, RoleRef, Scope, ScopeLevel,
    ScopeSelector, ServiceAccount, Snapshot, Token, User, UserGroup,
};

pub const ALL_CHILDREN: &str = "_all_resources_including_child_scopes";
pub const ALL_ACCOUNT: &str = "_all_account_level_resources";
pub const ALL_ORG: &str = "_all_organization_level_resources";
pub const ALL_PROJECT: &str = "_all_project_level_resources";

/// `(id, resource type, action)`.
const CATALOGUE: &[(&str, &str, &str)] = &[
    ("core_user_view", "USER", "view"),
    ("core_user_manage", "USER", "manage"),
    ("core_usergroup_view", "USERGROUP", "view"),
    ("core_usergroup_manage", "USERGROUP", "manage"),
    ("core_serviceaccount_view", "SERVICEACCOUNT", "view"),
    ("core_serviceaccount_edit", "SERVICEACCOUNT", "edit"),
    (
        "core_serviceaccount_manageapikey",
        "SERVICEACCOUNT",
        "manageapikey",
    ),
    ("core_role_view", "ROLE", "view"),
    ("core_role_edit", "ROLE", "edit"),
    ("core_resourcegroup_view", "RESOURCEGROUP", "view"),
    ("core_resourcegroup_edit", "RESOURCEGROUP", "edit"),
    ("core_pipeline_view", "PIPELINE", "view"),
    ("core_pipeline_edit", "PIPELINE", "edit"),
    ("core_pipeline_execute", "PIPELINE", "execute"),
    ("core_secret_view", "SECRET", "view"),
    ("core_secret_access", "SECRET", "access"),
    ("core_secret_edit", "SECRET", "edit"),
    ("core_authsetting_view", "AUTHSETTING", "view"),
    ("core_authsetting_edit", "AUTHSETTING", "edit"),
];

/// The project most tests use.
pub fn proj() -> Scope {
    Scope::Project("eng".into(), "pay".into())
}

/// `org:eng`.
pub fn eng() -> Scope {
    Scope::Org("eng".into())
}

/// A user principal reference.
pub fn user(id: &str) -> PrincipalRef {
    PrincipalRef {
        kind: "USER".into(),
        id: id.into(),
        scope_level: None,
    }
}

/// A group at the assignment's own level.
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
        kind: "USER_GROUP".into(),
        id: id.into(),
        scope_level: Some(level),
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

pub struct Fixture {
    pub snapshot: Snapshot,
    pub policy: Policy,
    pub as_of: DateTime<Utc>,
    pub roster: Option<Roster>,
}

impl Fixture {
    pub fn new() -> Fixture {
        let t = captured();
        let mut s = Snapshot::empty("acc", t, 180);
        for o in ["eng", "ops"] {
            s.orgs.push(Org {
                id: o.into(),
                name: o.into(),
                description: None,
                tags: Default::default(),
            });
        }
        for (o, p) in [("eng", "pay"), ("eng", "web"), ("ops", "infra")] {
            s.projects.push(Project {
                org: o.into(),
                id: p.into(),
                name: p.into(),
                description: None,
                tags: Default::default(),
            });
        }
        for (id, t, action) in CATALOGUE {
            s.permissions.push(Permission {
                id: (*id).into(),
                name: None,
                resource_type: (*t).into(),
                action: Some((*action).into()),
                status: None,
                allowed_scope_levels: Vec::new(),
            });
        }
        let all: Vec<&str> = CATALOGUE.iter().map(|c| c.0).collect();
        let views: Vec<&str> = CATALOGUE
            .iter()
            .filter(|c| c.2 == "view")
            .map(|c| c.0)
            .collect();
        let mut f = Fixture {
            snapshot: s,
            policy: Policy::default(),
            as_of: t,
            roster: None,
        };
        for (scope, id, perms) in [
            (Scope::Account, "_account_admin", &all),
            (Scope::Account, "_account_viewer", &views),
            (eng(), "_organization_admin", &all),
            (eng(), "_organization_viewer", &views),
            (proj(), "_project_admin", &all),
            (proj(), "_project_viewer", &views),
        ] {
            f.push_role(&scope, id, perms, true);
        }
        f.push_role(
            &proj(),
            "_pipeline_executor",
            &["core_pipeline_view", "core_pipeline_execute"],
            true,
        );
        f
    }

    fn push_role(&mut self, scope: &Scope, id: &str, perms: &[&str], managed: bool) {
        self.snapshot.roles.push(Role {
            scope: scope.clone(),
            id: id.into(),
            name: id.into(),
            permissions: perms.iter().map(|p| (*p).into()).collect(),
            allowed_scope_levels: Vec::new(),
            harness_managed: managed,
        });
    }

    /// An enabled user (uuid = `id`, email `id@example.com`) in the account,
    /// `org:eng` and `project:eng/pay`, with 2FA on and a login yesterday.
    pub fn user(&mut self, id: &str) -> &mut Self {
        self.snapshot.users.push(User {
            id: id.into(),
            name: id.into(),
            email: format!("{id}@example.com"),
            disabled: false,
            locked: false,
            externally_managed: false,
            two_factor_enabled: Some(true),
            scopes: vec![Scope::Account, eng(), proj()],
        });
        let at = self.as_of - Duration::days(1);
        self.login(id, at);
        self
    }

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

    pub fn group_mut(&mut self, id: &str) -> &mut UserGroup {
        self.snapshot
            .user_groups
            .iter_mut()
            .find(|g| g.id.as_str() == id)
            .expect("group exists")
    }

    pub fn service_account(&mut self, scope: &Scope, id: &str) -> &mut Self {
        self.snapshot.service_accounts.push(ServiceAccount {
            scope: scope.clone(),
            id: id.into(),
            name: id.into(),
            email: None,
            description: None,
            tags: [("owner".to_string(), "team@example.com".to_string())].into(),
            created_at: None,
        });
        self
    }

    pub fn sa_mut(&mut self, id: &str) -> &mut ServiceAccount {
        self.snapshot
            .service_accounts
            .iter_mut()
            .find(|s| s.id.as_str() == id)
            .expect("service account exists")
    }

    /// A custom role.
    pub fn role(&mut self, scope: &Scope, id: &str, perms: &[&str]) -> &mut Self {
        self.push_role(scope, id, perms, false);
        self
    }

    /// A custom resource group over every resource of `included`.
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
                .map(|(s, c)| ScopeSelector {
                    scope: Some(s.clone()),
                    include_child_scopes: *c,
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

    /// A role assignment with id `raN`; returns its index.
    pub fn assign(
        &mut self,
        scope: &Scope,
        principal: PrincipalRef,
        role: &str,
        rg: &str,
    ) -> usize {
        let i = self.snapshot.role_assignments.len();
        // A custom role of an ancestor scope is named with its level, as
        // Harness stores a reusable custom role's assignment; a role of the
        // assignment's own scope (or a managed one) needs none.
        let custom_at = |s: &Scope| {
            self.snapshot
                .roles
                .iter()
                .any(|r| !r.harness_managed && r.id.as_str() == role && &r.scope == s)
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
        self.snapshot.role_assignments.push(RoleAssignment {
            scope: scope.clone(),
            id: format!("ra{i}").as_str().into(),
            principal,
            role: RoleRef {
                id: role.into(),
                scope_level,
            },
            resource_group: rg.into(),
            disabled: false,
            managed: false,
        });
        i
    }

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
