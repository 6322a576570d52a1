//! A seeded generator of synthetic Harness accounts, for scale tests and the
//! benchmarks (benches/scale.rs includes this file).
//!
//! The shape is set by [`Shape`]; the same shape and seed always give the
//! same snapshot. The account is one Harness could return (a test holds
//! it): every role assignment names a principal that exists where Harness
//! looks for it (a user who is a member of the assignment's scope, a group
//! or service account at that scope or an ancestor, with its `scopeLevel`),
//! a role there (a managed role of the scope's level, or a custom role of
//! the very scope), and a resource group of the assignment's scope (the
//! built-ins of its level, or a custom group there). Orphaned and disabled
//! assignments are a stated, small fraction ([`Shape::orphans_per_mille`],
//! [`Shape::disabled_per_mille`]); no binding is made twice.
//!
//! The content imitates a real account: users work in one home org and a
//! few of its projects; most bindings are at project scope, to project
//! groups and to account and org groups reused across many projects; every
//! scope binds its built-in all-users group to the viewer role (Harness's
//! default, `managed`); a few bindings are admin, most logins are recent.

use std::collections::{BTreeMap, HashSet};

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
    /// Average members per group (project groups are smaller, account
    /// groups larger).
    pub group_size: usize,
    /// Organizations.
    pub orgs: usize,
    /// Projects, spread over the orgs.
    pub projects: usize,
    /// Projects each user is a member of (mostly in the user's home org).
    pub projects_per_user: usize,
    /// Custom roles (a quarter at the account, half at orgs, a quarter at
    /// projects).
    pub custom_roles: usize,
    /// Custom resource groups (spread like the custom roles).
    pub resource_groups: usize,
    /// Role assignments in all, the managed all-users bindings included.
    pub assignments: usize,
    /// Service accounts.
    pub service_accounts: usize,
    /// Tokens per service account (one API key each).
    pub tokens_per_sa: usize,
    /// Assignments left orphaned on purpose (naming a deleted user), per
    /// thousand.
    pub orphans_per_mille: usize,
    /// Assignments disabled on purpose, per thousand.
    pub disabled_per_mille: usize,
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
            group_size: 12,
            orgs: at_least(50.0 * f, 2),
            projects: at_least(1_000.0 * f, 4),
            projects_per_user: 3,
            custom_roles: at_least(200.0 * f, 8),
            resource_groups: at_least(200.0 * f, 8),
            assignments: at_least(250_000.0 * f, 50),
            service_accounts: at_least(1_000.0 * f, 5),
            tokens_per_sa: 2,
            orphans_per_mille: 5,
            disabled_per_mille: 5,
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
        assignment_counts: None,
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

/// Picks up to `n` distinct items of `pool`.
fn sample(rng: &mut Rng, pool: &[usize], n: usize) -> Vec<usize> {
    if n >= pool.len() {
        return pool.to_vec();
    }
    let mut picked = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let x = pool[rng.below(pool.len())];
        if picked.insert(x) {
            out.push(x);
        }
    }
    out
}

/// Custom role templates: (name, permissions). The last two hold
/// access-control management and so make escalation paths; they are rare.
const ROLE_TEMPLATES: &[(&str, &[&str])] = &[
    (
        "developer",
        &[
            "core_pipeline_view",
            "core_pipeline_edit",
            "core_pipeline_execute",
            "core_connector_view",
            "core_connector_access",
            "core_secret_view",
            "core_secret_access",
            "core_project_view",
        ],
    ),
    (
        "deployer",
        &[
            "core_pipeline_view",
            "core_pipeline_execute",
            "core_connector_access",
            "core_secret_access",
            "core_project_view",
        ],
    ),
    (
        "auditor",
        &[
            "core_audit_view",
            "core_pipeline_view",
            "core_project_view",
            "core_role_view",
            "core_resourcegroup_view",
            "core_user_view",
            "core_usergroup_view",
        ],
    ),
    (
        "secret manager",
        &[
            "core_secret_view",
            "core_secret_edit",
            "core_secret_access",
            "core_connector_view",
        ],
    ),
    (
        "pipeline author",
        &[
            "core_pipeline_view",
            "core_pipeline_edit",
            "core_pipeline_delete",
            "core_project_view",
        ],
    ),
    (
        "team lead",
        &[
            "core_usergroup_view",
            "core_usergroup_manage",
            "core_user_view",
            "core_pipeline_view",
        ],
    ),
    (
        "service account operator",
        &[
            "core_serviceaccount_view",
            "core_serviceaccount_edit",
            "core_serviceaccount_manageapikey",
        ],
    ),
];

/// Scopes by index: 0 is the account, 1..=orgs the orgs, then the projects.
struct Scopes {
    all: Vec<Scope>,
    orgs: usize,
}

impl Scopes {
    fn org(&self, o: usize) -> usize {
        1 + o
    }
    fn project(&self, p: usize) -> usize {
        1 + self.orgs + p
    }
    fn level(&self, k: usize) -> ScopeLevel {
        self.all[k].level()
    }
    /// `k`, then its ancestors up to the account.
    fn chain(&self, k: usize, org_of_project: &[usize]) -> Vec<usize> {
        match self.level(k) {
            ScopeLevel::Account => vec![0],
            ScopeLevel::Organization => vec![k, 0],
            ScopeLevel::Project => {
                vec![k, self.org(org_of_project[k - 1 - self.orgs]), 0]
            }
        }
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
    let org_of_project: Vec<usize> = (0..shape.projects).map(|i| i % shape.orgs).collect();
    let projects: Vec<Project> = (0..shape.projects)
        .map(|i| Project {
            org: orgs[org_of_project[i]].id.clone(),
            id: format!("proj{i:05}"),
            name: format!("Project {i}"),
            description: None,
            tags: BTreeMap::new(),
        })
        .collect();
    let mut projects_of_org: Vec<Vec<usize>> = vec![Vec::new(); shape.orgs];
    for (p, &o) in org_of_project.iter().enumerate() {
        projects_of_org[o].push(p);
    }
    let sc = Scopes {
        all: std::iter::once(Scope::Account)
            .chain(orgs.iter().map(|o| Scope::Org(o.id.clone())))
            .chain(projects.iter().map(Project::scope))
            .collect(),
        orgs: shape.orgs,
    };
    let n_scopes = sc.all.len();

    // Users: a home org, and a few projects, mostly of it.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_scopes];
    let mut users = Vec::with_capacity(shape.users);
    for i in 0..shape.users {
        let home = rng.below(shape.orgs);
        let mut ks = vec![0usize];
        for _ in 0..shape.projects_per_user {
            let p = if rng.chance(80) && !projects_of_org[home].is_empty() {
                projects_of_org[home][rng.below(projects_of_org[home].len())]
            } else {
                rng.below(shape.projects)
            };
            ks.push(sc.project(p));
            ks.push(sc.org(org_of_project[p]));
        }
        ks.sort_unstable();
        ks.dedup();
        for &k in &ks {
            members[k].push(i);
        }
        users.push(User {
            id: UserId(format!("u{i:08}")),
            name: format!("User {i}"),
            email: format!("user{i}@example.com"),
            disabled: rng.next() % 1000 < 10,
            locked: rng.next() % 1000 < 5,
            externally_managed: rng.chance(95),
            two_factor_enabled: Some(rng.chance(60)),
            scopes: ks.iter().map(|&k| sc.all[k].clone()).collect(),
        });
    }

    // Groups: 10% account, 20% org, 70% project, members from the scope's
    // members. Group 0 is the account's platform admins.
    let mut groups = Vec::new();
    let mut groups_at: Vec<Vec<usize>> = vec![Vec::new(); n_scopes];
    for i in 0..shape.groups {
        let (k, size) = match (i, rng.below(10)) {
            (0, _) => (0, 12),
            (_, 0) => (0, 1 + rng.below(shape.group_size * 6)),
            (_, 1 | 2) => (
                sc.org(rng.below(shape.orgs)),
                1 + rng.below(shape.group_size * 4),
            ),
            _ => (
                sc.project(rng.below(shape.projects)),
                1 + rng.below(shape.group_size * 2),
            ),
        };
        let chosen = sample(&mut rng, &members[k], size);
        let scim = rng.chance(if k == 0 { 50 } else { 30 });
        let sso = scim
            || rng.chance(if sc.level(k) == ScopeLevel::Project {
                20
            } else {
                40
            });
        groups_at[k].push(groups.len());
        groups.push(UserGroup {
            scope: sc.all[k].clone(),
            id: GroupId(if i == 0 {
                "platform_admins".into()
            } else {
                format!("group{i:05}")
            }),
            name: if i == 0 {
                "Platform Admins".into()
            } else {
                format!("Group {i}")
            },
            members: chosen.iter().map(|&u| users[u].id.clone()).collect(),
            sso_linked: sso,
            sso_type: None,
            sso_group: None,
            externally_managed: scim,
            harness_managed: false,
            description: None,
            tags: BTreeMap::new(),
        });
    }
    let all_users_id = |k: usize| match sc.level(k) {
        ScopeLevel::Account => "_account_all_users",
        ScopeLevel::Organization => "_organization_all_users",
        ScopeLevel::Project => "_project_all_users",
    };
    for (k, scope) in sc.all.iter().enumerate() {
        groups.push(UserGroup {
            scope: scope.clone(),
            id: GroupId(all_users_id(k).into()),
            name: "All Users".into(),
            members: vec![],
            sso_linked: false,
            sso_type: None,
            sso_group: None,
            externally_managed: false,
            harness_managed: true,
            description: None,
            tags: BTreeMap::new(),
        });
    }

    // Roles: the managed ones at every scope (as each scope's list returns
    // them), custom ones at the account, orgs and projects.
    let all = perms(|_| true);
    let views = perms(|p| p.ends_with("_view"));
    let exec =
        perms(|p| p.ends_with("_view") || p.ends_with("_execute") || p == "core_secret_access");
    let mut roles = Vec::new();
    for (k, s) in sc.all.iter().enumerate() {
        match sc.level(k) {
            ScopeLevel::Account => {
                roles.push(managed_role(s, "_account_admin", all.clone()));
                roles.push(managed_role(s, "_account_viewer", views.clone()));
            }
            ScopeLevel::Organization => {
                roles.push(managed_role(s, "_organization_admin", all.clone()));
                roles.push(managed_role(s, "_organization_viewer", views.clone()));
            }
            ScopeLevel::Project => {
                roles.push(managed_role(s, "_project_admin", all.clone()));
                roles.push(managed_role(s, "_project_viewer", views.clone()));
                roles.push(managed_role(s, "_pipeline_executor", exec.clone()));
            }
        }
    }
    let spread = |rng: &mut Rng| match rng.below(4) {
        0 => 0,
        1 | 2 => sc.org(rng.below(shape.orgs)),
        _ => sc.project(rng.below(shape.projects)),
    };
    let mut custom_roles_at: Vec<Vec<String>> = vec![Vec::new(); n_scopes];
    for i in 0..shape.custom_roles {
        let k = spread(&mut rng);
        // The escalation-capable templates (the last two) are rare.
        let t = if rng.chance(5) {
            ROLE_TEMPLATES.len() - 1 - rng.below(2)
        } else {
            rng.below(ROLE_TEMPLATES.len() - 2)
        };
        let (what, ps) = ROLE_TEMPLATES[t];
        let id = format!("custom_role_{i:04}");
        custom_roles_at[k].push(id.clone());
        let levels = match sc.level(k) {
            ScopeLevel::Account => vec![
                ScopeLevel::Account,
                ScopeLevel::Organization,
                ScopeLevel::Project,
            ],
            ScopeLevel::Organization => vec![ScopeLevel::Organization, ScopeLevel::Project],
            ScopeLevel::Project => vec![ScopeLevel::Project],
        };
        roles.push(Role {
            scope: sc.all[k].clone(),
            id: RoleId(id),
            name: format!("Custom {what} {i}"),
            permissions: ps.iter().map(|p| PermissionId((*p).into())).collect(),
            allowed_scope_levels: levels,
            harness_managed: false,
            assignment_counts: None,
        });
    }

    // Resource groups: the built-ins each scope's list returns, custom ones
    // spread like the roles.
    let mut rgs = Vec::new();
    for (k, s) in sc.all.iter().enumerate() {
        match sc.level(k) {
            ScopeLevel::Account => {
                rgs.push(builtin_rg(s, "_all_resources_including_child_scopes", true));
                rgs.push(builtin_rg(s, "_all_account_level_resources", false));
            }
            ScopeLevel::Organization => {
                rgs.push(builtin_rg(s, "_all_resources_including_child_scopes", true));
                rgs.push(builtin_rg(s, "_all_organization_level_resources", false));
            }
            ScopeLevel::Project => {
                rgs.push(builtin_rg(s, "_all_project_level_resources", false));
            }
        }
    }
    let mut custom_rgs_at: Vec<Vec<String>> = vec![Vec::new(); n_scopes];
    for i in 0..shape.resource_groups {
        let k = spread(&mut rng);
        let id = format!("custom_rg_{i:04}");
        custom_rgs_at[k].push(id.clone());
        let types = ["PIPELINE", "SECRET", "CONNECTOR"];
        rgs.push(ResourceGroup {
            scope: sc.all[k].clone(),
            id: ResourceGroupId(id),
            name: format!("Custom resource group {i}"),
            harness_managed: false,
            included_scopes: vec![ScopeSelector {
                scope: Some(sc.all[k].clone()),
                include_child_scopes: sc.level(k) != ScopeLevel::Project && rng.chance(50),
            }],
            resource_filter: if rng.chance(40) {
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
    let mut sas_at: Vec<Vec<usize>> = vec![Vec::new(); n_scopes];
    let mut keys = Vec::new();
    let mut tokens = Vec::new();
    for i in 0..shape.service_accounts {
        let k = match rng.below(4) {
            0 => 0,
            1 => sc.org(rng.below(shape.orgs)),
            _ => sc.project(rng.below(shape.projects)),
        };
        let scope = sc.all[k].clone();
        let id = format!("sa{i:05}");
        let mut tags = BTreeMap::new();
        if rng.chance(70) {
            tags.insert(
                "owner".to_string(),
                format!("user{}@example.com", rng.below(shape.users)),
            );
        }
        sas_at[k].push(sas.len());
        sas.push(ServiceAccount {
            scope: scope.clone(),
            id: ServiceAccountId(id.clone()),
            name: format!("Service account {i}"),
            email: Some(format!("{id}@service.example.com")),
            description: None,
            tags,
            created_at: Some(captured - Duration::days(400)),
            api_key_count: None,
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
            let days = match rng.below(20) {
                0..=11 => 60,
                12..=16 => 400,
                _ => -10,
            };
            tokens.push(Token {
                scope: scope.clone(),
                key_type: ApiKeyType::ServiceAccount,
                parent: id.clone(),
                api_key: ApiKeyId("key".into()),
                id: TokenId(format!("token{t}")),
                name: format!("token {t}"),
                valid_from: Some(captured - Duration::days(30)),
                valid_to: Some(captured + Duration::days(days)),
                valid: Some(days > 0),
                created_at: Some(captured - Duration::days(30)),
            });
        }
    }

    // Role assignments.
    let mut assignments: Vec<RoleAssignment> = Vec::with_capacity(shape.assignments);
    let mut bound: HashSet<(usize, String, String, String)> = HashSet::new();
    let push = |assignments: &mut Vec<RoleAssignment>,
                k: usize,
                principal: PrincipalRef,
                role: &str,
                rg: &str,
                disabled: bool,
                managed: bool| {
        let i = assignments.len();
        assignments.push(RoleAssignment {
            scope: sc.all[k].clone(),
            id: AssignmentId(format!("ra{i:07}")),
            principal,
            role: RoleRef {
                id: RoleId(role.into()),
                scope_level: Some(sc.level(k)),
            },
            resource_group: ResourceGroupId(rg.into()),
            disabled,
            managed,
            internal: false,
        });
    };
    let level_rg = |k: usize| match sc.level(k) {
        ScopeLevel::Account => "_all_account_level_resources",
        ScopeLevel::Organization => "_all_organization_level_resources",
        ScopeLevel::Project => "_all_project_level_resources",
    };
    let group_ref = |gi: usize, groups: &[UserGroup]| PrincipalRef {
        kind: "USER_GROUP".into(),
        id: groups[gi].id.to_string(),
        scope_level: Some(groups[gi].scope.level()),
    };
    // Harness's default: every scope binds its all-users group to viewer.
    for k in 0..n_scopes {
        let viewer = match sc.level(k) {
            ScopeLevel::Account => "_account_viewer",
            ScopeLevel::Organization => "_organization_viewer",
            ScopeLevel::Project => "_project_viewer",
        };
        let p = PrincipalRef {
            kind: "USER_GROUP".into(),
            id: all_users_id(k).into(),
            scope_level: Some(sc.level(k)),
        };
        bound.insert((k, format!("{p:?}"), viewer.into(), level_rg(k).into()));
        push(&mut assignments, k, p, viewer, level_rg(k), false, true);
    }
    // Orphans on purpose: bindings of users since deleted.
    let orphans = shape.assignments * shape.orphans_per_mille / 1000;
    for n in 0..orphans {
        let k = sc.project(rng.below(shape.projects));
        let p = PrincipalRef {
            kind: "USER".into(),
            id: format!("deleted{n:06}"),
            scope_level: None,
        };
        push(
            &mut assignments,
            k,
            p,
            "_project_viewer",
            level_rg(k),
            false,
            false,
        );
    }
    let platform_admins = 0usize;
    // Every account has its administrators' group.
    {
        let p = group_ref(platform_admins, &groups);
        let (role, rg) = ("_account_admin", "_all_resources_including_child_scopes");
        bound.insert((0, format!("{p:?}"), role.into(), rg.into()));
        push(&mut assignments, 0, p, role, rg, false, false);
    }
    while assignments.len() < shape.assignments {
        let k = match rng.below(100) {
            0 => 0,
            1..=9 => sc.org(rng.below(shape.orgs)),
            _ => sc.project(rng.below(shape.projects)),
        };
        let level = sc.level(k);
        let chain = sc.chain(k, &org_of_project);
        // The role first: admin bindings are few and go to named people.
        let admin_odds = match level {
            ScopeLevel::Account => 2,
            ScopeLevel::Organization => 2,
            ScopeLevel::Project => 3,
        };
        let roll = rng.below(100);
        let (role, rg): (String, String) = if roll < admin_odds {
            let (r, g) = match level {
                ScopeLevel::Account => ("_account_admin", "_all_resources_including_child_scopes"),
                ScopeLevel::Organization => (
                    "_organization_admin",
                    "_all_resources_including_child_scopes",
                ),
                ScopeLevel::Project => ("_project_admin", "_all_project_level_resources"),
            };
            (r.into(), g.into())
        } else if roll < 40 && !custom_roles_at[k].is_empty() {
            let r = custom_roles_at[k][rng.below(custom_roles_at[k].len())].clone();
            let g = if !custom_rgs_at[k].is_empty() && rng.chance(50) {
                custom_rgs_at[k][rng.below(custom_rgs_at[k].len())].clone()
            } else {
                level_rg(k).into()
            };
            (r, g)
        } else {
            let r = match level {
                ScopeLevel::Account => "_account_viewer",
                ScopeLevel::Organization => "_organization_viewer",
                ScopeLevel::Project if rng.chance(55) => "_pipeline_executor",
                ScopeLevel::Project => "_project_viewer",
            };
            (r.into(), level_rg(k).into())
        };
        let admin = roll < admin_odds;
        // Then the principal, from what exists where Harness looks.
        let pick_user = |rng: &mut Rng| {
            let m = &members[k];
            (!m.is_empty()).then(|| PrincipalRef {
                kind: "USER".into(),
                id: users[m[rng.below(m.len())]].id.to_string(),
                scope_level: None,
            })
        };
        let pick_group = |rng: &mut Rng| {
            // At a project: its own groups 65% of the time, its org's 25%,
            // the account's 10%; at an org, its own or the account's.
            let order: Vec<usize> = match (level, rng.below(20)) {
                (ScopeLevel::Project, 0..=12) => chain.clone(),
                (ScopeLevel::Project, 13..=17) => vec![chain[1], chain[2], chain[0]],
                (ScopeLevel::Project, _) => vec![chain[2], chain[1], chain[0]],
                (ScopeLevel::Organization, 0..=6) => chain.clone(),
                (ScopeLevel::Organization, _) => vec![chain[1], chain[0]],
                (ScopeLevel::Account, _) => chain.clone(),
            };
            order.iter().find_map(|&c| {
                let gs = &groups_at[c];
                (!gs.is_empty()).then(|| group_ref(gs[rng.below(gs.len())], &groups))
            })
        };
        let pick_sa = |rng: &mut Rng| {
            chain.iter().find_map(|&c| {
                let xs = &sas_at[c];
                (!xs.is_empty()).then(|| {
                    let sa = &sas[xs[rng.below(xs.len())]];
                    PrincipalRef {
                        kind: "SERVICE_ACCOUNT".into(),
                        id: sa.id.to_string(),
                        scope_level: Some(sa.scope.level()),
                    }
                })
            })
        };
        // Admin bindings go to named people or small groups of the scope
        // (the account's to its platform admins); the rest: 5% service
        // accounts, 55% users (adding a user to a project binds a role to
        // the user), 40% groups. A binding that exists already is
        // drawn again with the same kind of principal, so collisions (few
        // groups at a project) do not tilt the mix.
        let kind = if admin {
            if rng.chance(50) {
                1
            } else {
                3
            }
        } else {
            match rng.below(20) {
                0 => 0,
                1..=11 => 1,
                _ => 2,
            }
        };
        let mut chosen = None;
        for _ in 0..8 {
            let principal = match kind {
                0 => pick_sa(&mut rng).or_else(|| pick_group(&mut rng)),
                1 => pick_user(&mut rng),
                2 => pick_group(&mut rng).or_else(|| pick_user(&mut rng)),
                _ if level == ScopeLevel::Account => Some(group_ref(platform_admins, &groups)),
                _ => {
                    let gs = &groups_at[k];
                    if gs.is_empty() {
                        pick_user(&mut rng)
                    } else {
                        Some(group_ref(gs[rng.below(gs.len())], &groups))
                    }
                }
            };
            let Some(principal) = principal else {
                break;
            };
            if bound.insert((k, format!("{principal:?}"), role.clone(), rg.clone())) {
                chosen = Some(principal);
                break;
            }
        }
        let Some(principal) = chosen else {
            continue;
        };
        let disabled = (rng.next() % 1000) < shape.disabled_per_mille as u64;
        push(&mut assignments, k, principal, &role, &rg, disabled, false);
    }

    // Logins: most users signed in within the month; a few are stale, and a
    // few joined inside the window.
    let window_start = captured - Duration::days(180);
    let mut logins = Vec::new();
    let mut joined = Vec::new();
    let hours = |rng: &mut Rng, from_days: i64, to_days: i64| {
        Duration::hours(from_days * 24 + rng.below(((to_days - from_days) * 24) as usize) as i64)
    };
    for u in &users {
        let last = match rng.below(100) {
            0..=87 => Some(captured - hours(&mut rng, 0, 30)),
            88..=93 => Some(captured - hours(&mut rng, 30, 90)),
            94..=96 => Some(captured - hours(&mut rng, 90, 180)),
            _ => None,
        };
        let join = rng.chance(2).then(|| captured - hours(&mut rng, 0, 170));
        let last = match (join, last) {
            // A login before joining cannot be: a newcomer signed in since,
            // or not yet.
            (Some(j), Some(l)) if l < j => (rng.chance(70)).then(|| j + (captured - j) / 2),
            (_, l) => l,
        };
        if let Some(at) = join {
            joined.push(JoinEvidence {
                user: u.id.clone(),
                at,
            });
        }
        if let Some(l) = last {
            logins.push(LoginEvidence {
                user: u.id.clone(),
                last_login: l,
                events: 1 + rng.below(40) as u32,
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
            authentication_mechanism: Some("SAML".into()),
            two_factor_enforced: Some(false),
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
            removals_since: None,
            removals: vec![],
        },
        scim: None,
    };
    crate::fake_harness::with_server_counts(&mut snap);
    snap.normalize();
    snap
}

/// The same account a quarter later, still valid: every 100th assignment
/// (not Harness's own) removed, every 50th user joins a group of a scope
/// they belong to, every 200th user disabled, the pull 92 days later.
pub fn next_quarter(s: &mut Snapshot) {
    let mut i = 0;
    s.role_assignments.retain(|a| {
        i += 1;
        a.managed || i % 100 != 0
    });
    let n = s.user_groups.len();
    for k in 0..s.users.len() {
        if k % 200 == 0 {
            s.users[k].disabled = true;
        }
        if k % 50 != 0 {
            continue;
        }
        let user = &s.users[k];
        let found = (0..n).map(|d| (k + d) % n).find(|&g| {
            let grp = &s.user_groups[g];
            !grp.harness_managed
                && user.scopes.contains(&grp.scope)
                && !grp.members.contains(&user.id)
        });
        if let Some(g) = found {
            let id = s.users[k].id.clone();
            s.user_groups[g].members.push(id);
        }
    }
    // The pull, the login evidence and every credential date move a quarter
    // later together, so the diff shows only the changes above.
    let q = Duration::days(92);
    s.provenance.started_at += q;
    s.provenance.finished_at += q;
    s.activity.window_start += q;
    s.activity.window_end += q;
    for l in &mut s.activity.logins {
        l.last_login += q;
    }
    for j in &mut s.activity.joined {
        j.at += q;
    }
    for sa in &mut s.service_accounts {
        sa.created_at = sa.created_at.map(|t| t + q);
    }
    for k in &mut s.api_keys {
        k.created_at = k.created_at.map(|t| t + q);
    }
    for t in &mut s.tokens {
        t.valid_from = t.valid_from.map(|x| x + q);
        t.valid_to = t.valid_to.map(|x| x + q);
        t.created_at = t.created_at.map(|x| x + q);
    }
    crate::fake_harness::with_server_counts(s);
    s.normalize();
}
