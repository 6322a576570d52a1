//! A seeded generator of synthetic Harness accounts, for scale tests and the
//! benchmarks (benches/scale.rs includes this file).
//!
//! The shape is set by [`Shape`]; the same shape and seed always give the
//! same snapshot. The content imitates a real account: most role
//! assignments bind groups at project scope, users belong to a few projects
//! and their orgs, groups are mostly project-level, and a minority of
//! bindings are admin, direct user grants or service accounts.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use reviewpack::snapshot::{
    Account, Activity, ApiKey, ApiKeyId, ApiKeyType, AssignmentId, Completeness, GroupId,
    JoinEvidence, LoginEvidence, Org, Permission, PermissionId, PrincipalRef, Project, Provenance,
    ResourceFilter, ResourceGroup, ResourceGroupId, ResourceSelector, Role, RoleAssignment, RoleId,
    RoleRef, Scope, ScopeLevel, ScopeSelector, ServiceAccount, ServiceAccountId, Snapshot, Token,
    TokenId, User, UserGroup, UserId, FORMAT, VERSION,
};

/// The size of a synthetic account.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Users.
    pub users: usize,
    /// User groups (besides the built-in all-users groups).
    pub groups: usize,
    /// Average members per group.
    pub group_size: usize,
    /// Organizations.
    pub orgs: usize,
    /// Projects, spread over the orgs.
    pub projects: usize,
    /// Projects each user is a member of.
    pub projects_per_user: usize,
    /// Custom roles (at account and org scope).
    pub custom_roles: usize,
    /// Custom resource groups (at account and org scope).
    pub resource_groups: usize,
    /// Role assignments in all.
    pub assignments: usize,
    /// Service accounts.
    pub service_accounts: usize,
    /// Tokens per service account (one API key each).
    pub tokens_per_sa: usize,
    /// Seed.
    pub seed: u64,
}

impl Shape {
    /// An account of about `users` users, scaled like the design's 50k target
    /// (50,000 users, 5,000 groups, 1,000 projects, 250,000 assignments).
    pub fn scaled(users: usize) -> Shape {
        let f = users as f64 / 50_000.0;
        let at_least = |n: f64, min: usize| (n.round() as usize).max(min);
        Shape {
            users,
            groups: at_least(5_000.0 * f, 10),
            group_size: 20,
            orgs: at_least(50.0 * f, 2),
            projects: at_least(1_000.0 * f, 4),
            projects_per_user: 3,
            custom_roles: at_least(40.0 * f, 4),
            resource_groups: at_least(40.0 * f, 4),
            assignments: at_least(250_000.0 * f, 50),
            service_accounts: at_least(1_000.0 * f, 5),
            tokens_per_sa: 2,
            seed: 42,
        }
    }
}

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const PERMISSIONS: &[(&str, &str, &str)] = &[
    ("core_account_view", "ACCOUNT", "view"),
    ("core_audit_view", "AUDIT", "view"),
    ("core_authsetting_edit", "AUTHSETTING", "edit"),
    ("core_authsetting_view", "AUTHSETTING", "view"),
    ("core_connector_access", "CONNECTOR", "access"),
    ("core_connector_edit", "CONNECTOR", "edit"),
    ("core_connector_view", "CONNECTOR", "view"),
    ("core_organization_view", "ORGANIZATION", "view"),
    ("core_pipeline_delete", "PIPELINE", "delete"),
    ("core_pipeline_edit", "PIPELINE", "edit"),
    ("core_pipeline_execute", "PIPELINE", "execute"),
    ("core_pipeline_view", "PIPELINE", "view"),
    ("core_project_view", "PROJECT", "view"),
    ("core_resourcegroup_edit", "RESOURCEGROUP", "edit"),
    ("core_resourcegroup_view", "RESOURCEGROUP", "view"),
    ("core_role_edit", "ROLE", "edit"),
    ("core_role_view", "ROLE", "view"),
    ("core_secret_access", "SECRET", "access"),
    ("core_secret_edit", "SECRET", "edit"),
    ("core_secret_view", "SECRET", "view"),
    ("core_serviceaccount_edit", "SERVICEACCOUNT", "edit"),
    (
        "core_serviceaccount_manageapikey",
        "SERVICEACCOUNT",
        "manageapikey",
    ),
    ("core_serviceaccount_view", "SERVICEACCOUNT", "view"),
    ("core_user_manage", "USER", "manage"),
    ("core_user_view", "USER", "view"),
    ("core_usergroup_manage", "USERGROUP", "manage"),
    ("core_usergroup_view", "USERGROUP", "view"),
];

fn perms(filter: impl Fn(&str) -> bool) -> Vec<PermissionId> {
    PERMISSIONS
        .iter()
        .filter(|(p, _, _)| filter(p))
        .map(|(p, _, _)| PermissionId((*p).into()))
        .collect()
}

fn managed_role(scope: &Scope, id: &str, permissions: Vec<PermissionId>) -> Role {
    Role {
        scope: scope.clone(),
        id: RoleId(id.into()),
        name: id.trim_start_matches('_').replace('_', " "),
        permissions,
        allowed_scope_levels: vec![scope.level()],
        harness_managed: true,
    }
}

fn builtin_rg(scope: &Scope, id: &str, children: bool) -> ResourceGroup {
    // The server's names: `_all_account_level_resources` is "All Account
    // Level Resources".
    let name = id
        .trim_start_matches('_')
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    ResourceGroup {
        scope: scope.clone(),
        id: ResourceGroupId(id.into()),
        name,
        harness_managed: true,
        // Stored once by the server, with a bare selector: "the scope the
        // group is used at".
        included_scopes: vec![ScopeSelector {
            scope: None,
            include_child_scopes: children,
        }],
        resource_filter: ResourceFilter {
            include_all: true,
            resources: vec![],
        },
    }
}

/// Generates the account.
pub fn generate(shape: Shape) -> Snapshot {
    let mut rng = Rng(shape.seed);
    let captured: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap();
    let orgs: Vec<Org> = (0..shape.orgs)
        .map(|i| Org {
            id: format!("org{i:03}"),
            name: format!("Org {i}"),
            description: None,
            tags: BTreeMap::new(),
        })
        .collect();
    let projects: Vec<Project> = (0..shape.projects)
        .map(|i| Project {
            org: orgs[i % orgs.len()].id.clone(),
            id: format!("proj{i:05}"),
            name: format!("Project {i}"),
            description: None,
            tags: BTreeMap::new(),
        })
        .collect();
    let project_scopes: Vec<Scope> = projects.iter().map(Project::scope).collect();
    let org_scopes: Vec<Scope> = orgs.iter().map(|o| Scope::Org(o.id.clone())).collect();

    let mut users: Vec<User> = (0..shape.users)
        .map(|i| {
            let mut scopes = vec![Scope::Account];
            for _ in 0..shape.projects_per_user {
                let p = &project_scopes[rng.below(project_scopes.len())];
                scopes.push(p.clone());
                scopes.push(p.parent().expect("projects have an org"));
            }
            scopes.sort();
            scopes.dedup();
            User {
                id: UserId(format!("u{i:08}")),
                name: format!("User {i}"),
                email: format!("user{i}@example.com"),
                disabled: rng.chance(2),
                locked: rng.chance(1),
                externally_managed: rng.chance(70),
                two_factor_enabled: Some(rng.chance(60)),
                scopes,
            }
        })
        .collect();
    users.sort_by(|a, b| a.id.cmp(&b.id));

    // Groups: 10% account, 20% org, 70% project.
    let mut groups = Vec::new();
    let mut group_refs: Vec<(Scope, String)> = Vec::new();
    for i in 0..shape.groups {
        let scope = match rng.below(10) {
            0 => Scope::Account,
            1 | 2 => org_scopes[rng.below(org_scopes.len())].clone(),
            _ => project_scopes[rng.below(project_scopes.len())].clone(),
        };
        let size = 1 + rng.below(shape.group_size * 2);
        let members = (0..size)
            .map(|_| users[rng.below(users.len())].id.clone())
            .collect();
        let id = format!("group{i:05}");
        group_refs.push((scope.clone(), id.clone()));
        groups.push(UserGroup {
            scope,
            id: GroupId(id),
            name: format!("Group {i}"),
            members,
            sso_linked: rng.chance(50),
            sso_type: None,
            sso_group: None,
            externally_managed: rng.chance(50),
            harness_managed: false,
            description: None,
            tags: BTreeMap::new(),
        });
    }
    let all_users = |scope: &Scope, id: &str| UserGroup {
        scope: scope.clone(),
        id: GroupId(id.into()),
        name: "All Users".into(),
        members: vec![],
        sso_linked: false,
        sso_type: None,
        sso_group: None,
        externally_managed: false,
        harness_managed: true,
        description: None,
        tags: BTreeMap::new(),
    };
    groups.push(all_users(&Scope::Account, "_account_all_users"));
    for s in &org_scopes {
        groups.push(all_users(s, "_organization_all_users"));
    }
    for s in &project_scopes {
        groups.push(all_users(s, "_project_all_users"));
    }

    // Roles: the managed ones at every scope, custom ones at account and orgs.
    let all = perms(|_| true);
    let views = perms(|p| p.ends_with("_view"));
    let exec =
        perms(|p| p.ends_with("_view") || p.ends_with("_execute") || p == "core_secret_access");
    let mut roles = vec![
        managed_role(&Scope::Account, "_account_admin", all.clone()),
        managed_role(&Scope::Account, "_account_viewer", views.clone()),
    ];
    for s in &org_scopes {
        roles.push(managed_role(s, "_organization_admin", all.clone()));
        roles.push(managed_role(s, "_organization_viewer", views.clone()));
    }
    for s in &project_scopes {
        roles.push(managed_role(s, "_project_admin", all.clone()));
        roles.push(managed_role(s, "_project_viewer", views.clone()));
        roles.push(managed_role(s, "_pipeline_executor", exec.clone()));
    }
    let mut custom_roles: Vec<(Scope, String)> = Vec::new();
    for i in 0..shape.custom_roles {
        let scope = if i % 4 == 0 {
            Scope::Account
        } else {
            org_scopes[rng.below(org_scopes.len())].clone()
        };
        let permissions: Vec<PermissionId> =
            all.iter().filter(|_| rng.chance(30)).cloned().collect();
        let id = format!("custom_role_{i:03}");
        custom_roles.push((scope.clone(), id.clone()));
        roles.push(Role {
            scope,
            id: RoleId(id),
            name: format!("Custom role {i}"),
            permissions,
            allowed_scope_levels: vec![
                ScopeLevel::Account,
                ScopeLevel::Organization,
                ScopeLevel::Project,
            ],
            harness_managed: false,
        });
    }

    // Resource groups: built-ins at every scope, custom ones at account/orgs.
    let mut rgs = vec![
        builtin_rg(
            &Scope::Account,
            "_all_resources_including_child_scopes",
            true,
        ),
        builtin_rg(&Scope::Account, "_all_account_level_resources", false),
    ];
    for s in &org_scopes {
        rgs.push(builtin_rg(s, "_all_resources_including_child_scopes", true));
        rgs.push(builtin_rg(s, "_all_organization_level_resources", false));
    }
    for s in &project_scopes {
        rgs.push(builtin_rg(s, "_all_project_level_resources", false));
    }
    let mut custom_rgs: Vec<(Scope, String)> = Vec::new();
    for i in 0..shape.resource_groups {
        let scope = if i % 4 == 0 {
            Scope::Account
        } else {
            org_scopes[rng.below(org_scopes.len())].clone()
        };
        let id = format!("custom_rg_{i:03}");
        custom_rgs.push((scope.clone(), id.clone()));
        let types = ["PIPELINE", "SECRET", "CONNECTOR"];
        rgs.push(ResourceGroup {
            scope: scope.clone(),
            id: ResourceGroupId(id),
            name: format!("Custom resource group {i}"),
            harness_managed: false,
            included_scopes: vec![ScopeSelector {
                scope: Some(scope),
                include_child_scopes: rng.chance(50),
            }],
            resource_filter: if rng.chance(50) {
                ResourceFilter {
                    include_all: true,
                    resources: vec![],
                }
            } else {
                ResourceFilter {
                    include_all: false,
                    resources: vec![ResourceSelector {
                        resource_type: types[rng.below(types.len())].into(),
                        identifiers: vec![],
                        attribute_filter: None,
                    }],
                }
            },
        });
    }

    // Service accounts, one API key each, with tokens.
    let mut sas = Vec::new();
    let mut keys = Vec::new();
    let mut tokens = Vec::new();
    for i in 0..shape.service_accounts {
        let scope = match rng.below(4) {
            0 => Scope::Account,
            1 => org_scopes[rng.below(org_scopes.len())].clone(),
            _ => project_scopes[rng.below(project_scopes.len())].clone(),
        };
        let id = format!("sa{i:05}");
        let mut tags = BTreeMap::new();
        if rng.chance(70) {
            tags.insert(
                "owner".to_string(),
                format!("user{}@example.com", rng.below(shape.users)),
            );
        }
        sas.push(ServiceAccount {
            scope: scope.clone(),
            id: ServiceAccountId(id.clone()),
            name: format!("Service account {i}"),
            email: Some(format!("{id}@service.example.com")),
            description: None,
            tags,
            created_at: Some(captured - Duration::days(400)),
        });
        keys.push(ApiKey {
            scope: scope.clone(),
            key_type: ApiKeyType::ServiceAccount,
            parent: id.clone(),
            id: ApiKeyId("key".into()),
            name: "key".into(),
            created_at: Some(captured - Duration::days(300)),
        });
        for t in 0..shape.tokens_per_sa {
            let days = [30i64, 400, -10][rng.below(3)];
            tokens.push(Token {
                scope: scope.clone(),
                key_type: ApiKeyType::ServiceAccount,
                parent: id.clone(),
                api_key: ApiKeyId("key".into()),
                id: TokenId(format!("token{t}")),
                name: format!("token {t}"),
                valid_from: Some(captured - Duration::days(20)),
                valid_to: Some(captured + Duration::days(days)),
                valid: Some(days > 0),
                created_at: Some(captured - Duration::days(20)),
            });
        }
    }

    // Role assignments: 70% groups, 25% users, 5% service accounts; mostly
    // at project scope; a few admins.
    let mut assignments = Vec::new();
    for i in 0..shape.assignments {
        let scope = match rng.below(20) {
            0 => Scope::Account,
            1..=3 => org_scopes[rng.below(org_scopes.len())].clone(),
            _ => project_scopes[rng.below(project_scopes.len())].clone(),
        };
        let principal = match rng.below(20) {
            0 => {
                let sa = &sas[rng.below(sas.len())];
                PrincipalRef {
                    kind: "SERVICE_ACCOUNT".into(),
                    id: sa.id.to_string(),
                    scope_level: Some(sa.scope.level()),
                }
            }
            1..=5 => PrincipalRef {
                kind: "USER".into(),
                id: users[rng.below(users.len())].id.to_string(),
                scope_level: None,
            },
            _ => {
                let (gs, gid) = &group_refs[rng.below(group_refs.len())];
                PrincipalRef {
                    kind: "USER_GROUP".into(),
                    id: gid.clone(),
                    scope_level: Some(gs.level()),
                }
            }
        };
        let (role, rg) = match (rng.below(100), scope.level()) {
            (0, ScopeLevel::Account) => ("_account_admin", "_all_resources_including_child_scopes"),
            (0, ScopeLevel::Organization) => {
                ("_organization_admin", "_all_organization_level_resources")
            }
            (0, ScopeLevel::Project) => ("_project_admin", "_all_project_level_resources"),
            (1..=9, _) => {
                let (_, r) = &custom_roles[rng.below(custom_roles.len())];
                (r.as_str(), "")
            }
            (_, ScopeLevel::Account) => ("_account_viewer", "_all_account_level_resources"),
            (_, ScopeLevel::Organization) => {
                ("_organization_viewer", "_all_organization_level_resources")
            }
            (n, ScopeLevel::Project) if n % 2 == 0 => {
                ("_pipeline_executor", "_all_project_level_resources")
            }
            (_, ScopeLevel::Project) => ("_project_viewer", "_all_project_level_resources"),
        };
        let rg = if rg.is_empty() {
            let candidates: Vec<&(Scope, String)> =
                custom_rgs.iter().filter(|(s, _)| *s == scope).collect();
            match candidates.first() {
                Some((_, id)) => id.clone(),
                None => "_all_resources_including_child_scopes".to_string(),
            }
        } else {
            rg.to_string()
        };
        assignments.push(RoleAssignment {
            scope,
            id: AssignmentId(format!("ra{i:07}")),
            principal,
            role: RoleRef {
                id: RoleId(role.into()),
                scope_level: None,
            },
            resource_group: ResourceGroupId(rg),
            disabled: rng.chance(1),
            managed: false,
        });
    }

    let window_start = captured - Duration::days(180);
    let mut logins = Vec::new();
    let mut joined = Vec::new();
    for u in &users {
        if rng.chance(80) {
            logins.push(LoginEvidence {
                user: u.id.clone(),
                last_login: captured - Duration::hours(rng.below(24 * 170) as i64),
                events: 1 + rng.below(20) as u32,
            });
        }
        if rng.chance(5) {
            joined.push(JoinEvidence {
                user: u.id.clone(),
                at: captured - Duration::hours(rng.below(24 * 170) as i64),
            });
        }
    }

    let mut snap = Snapshot {
        format: FORMAT.into(),
        version: VERSION,
        provenance: Provenance {
            tool_version: "0.1.0".into(),
            base_url: "https://app.harness.io".into(),
            account_id: "SynthACCOUNT".into(),
            caller: None,
            started_at: captured - Duration::minutes(30),
            finished_at: captured,
            command_line: vec![],
            note: Some(format!("synthetic account: {shape:?}")),
            redirects: Vec::new(),
        },
        completeness: Completeness {
            complete: true,
            lists: vec![],
            unread: vec![],
        },
        account: Account {
            id: "SynthACCOUNT".into(),
            name: Some("Synthetic".into()),
            authentication_mechanism: None,
            two_factor_enforced: None,
        },
        orgs,
        projects,
        users,
        user_groups: groups,
        service_accounts: sas,
        api_keys: keys,
        tokens,
        roles,
        permissions: PERMISSIONS
            .iter()
            .map(|(id, t, a)| Permission {
                id: PermissionId((*id).into()),
                name: None,
                resource_type: (*t).into(),
                action: Some((*a).into()),
                status: Some("ACTIVE".into()),
                allowed_scope_levels: vec![],
            })
            .collect(),
        resource_groups: rgs,
        role_assignments: assignments,
        activity: Activity {
            window_days: 180,
            window_start,
            window_end: captured,
            logins,
            joined,
            legacy_changes: Default::default(),
        },
        scim: None,
    };
    snap.normalize();
    snap
}
