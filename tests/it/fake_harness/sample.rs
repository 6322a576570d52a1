//! A small, hand-made account that touches every object type and every
//! scope level, for tests of the fake (and of `pull` against it).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reviewpack::snapshot::{
    Account, Activity, ApiKey, ApiKeyId, ApiKeyType, AssignmentId, AttributeFilter, Caller,
    Completeness, GroupId, JoinEvidence, LoginEvidence, Org, Permission, PermissionId,
    PrincipalRef, Project, Provenance, Removal, ResourceFilter, ResourceGroup, ResourceGroupId,
    ResourceSelector, Role, RoleAssignment, RoleId, RoleRef, Scope, ScopeLevel, ScopeSelector,
    ServiceAccount, ServiceAccountId, Snapshot, Token, TokenId, User, UserGroup, UserId, FORMAT,
    VERSION,
};

/// The account id of [`small_snapshot`].
pub const SMALL_ACCOUNT: &str = "acc_Fake-123";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid test time")
        .with_timezone(&Utc)
}

fn org(o: &str) -> Scope {
    Scope::Org(o.into())
}

fn proj(o: &str, p: &str) -> Scope {
    Scope::Project(o.into(), p.into())
}

fn user(id: &str, name: &str, scopes: Vec<Scope>) -> User {
    User {
        id: UserId(id.into()),
        name: name.into(),
        email: format!("{}@example.com", name.to_ascii_lowercase()),
        disabled: false,
        locked: false,
        externally_managed: false,
        two_factor_enabled: Some(true),
        scopes,
    }
}

/// What the audit trail holds of the quarter's removals: one of each kind
/// the handlers publish (docs/harness-behaviour.md E7 to E9).
fn removals() -> Vec<Removal> {
    let removal =
        |at: &str, id: &str, action: &str, kind: &str, resource: &str, scope: Scope| Removal {
            at: t(at),
            audit_id: id.into(),
            action: action.into(),
            resource_type: kind.into(),
            resource: resource.into(),
            scope,
            by: "USER alice@example.com".into(),
            removed: vec![],
            role: None,
            resource_group: None,
            details_read: true,
        };
    let a = Scope::Account;
    let eng = org("eng");
    vec![
        // Bob's direct account admin, deleted: audited on Bob.
        Removal {
            removed: vec!["ra_bob_admin".into()],
            role: Some("_account_admin".into()),
            resource_group: Some("_all_account_level_resources".into()),
            ..removal(
                "2026-01-10T10:00:00Z",
                "audit-ra-bob",
                "ROLE_ASSIGNMENT_DELETED",
                "USER",
                "bob@example.com",
                a.clone(),
            )
        },
        // A group update that took Carol out of platform_admins.
        Removal {
            removed: vec!["u-carol".into()],
            ..removal(
                "2026-01-11T10:00:00Z",
                "audit-group-admins",
                "UPDATE",
                "USER_GROUP",
                "platform_admins",
                a.clone(),
            )
        },
        // Dan left: removed from the account (the event names his email
        // only).
        removal(
            "2026-01-12T10:00:00Z",
            "audit-dan",
            "REMOVE_COLLABORATOR",
            "USER",
            "dan@example.com",
            a.clone(),
        ),
        // A token revoked.
        removal(
            "2026-01-13T10:00:00Z",
            "audit-token",
            "DELETE",
            "TOKEN",
            "ci_tok_older",
            a.clone(),
        ),
        // An org group deleted, by a service account.
        Removal {
            by: "SERVICE_ACCOUNT ci_bot".into(),
            ..removal(
                "2026-01-14T10:00:00Z",
                "audit-eng-old",
                "DELETE",
                "USER_GROUP",
                "eng_old",
                eng,
            )
        },
    ]
}

fn group(scope: Scope, id: &str, members: &[&str]) -> UserGroup {
    UserGroup {
        scope,
        id: GroupId(id.into()),
        name: id.replace('_', " "),
        members: members.iter().map(|m| UserId((*m).into())).collect(),
        sso_linked: false,
        sso_type: None,
        sso_group: None,
        externally_managed: false,
        harness_managed: false,
        description: None,
        tags: BTreeMap::new(),
    }
}

fn role(scope: Scope, id: &str, perms: &[&str], managed: bool) -> Role {
    Role {
        allowed_scope_levels: vec![scope.level()],
        scope,
        id: RoleId(id.into()),
        name: id.trim_start_matches('_').replace('_', " "),
        permissions: perms.iter().map(|p| PermissionId((*p).into())).collect(),
        harness_managed: managed,
        assignment_counts: None,
    }
}

fn assignment(
    scope: Scope,
    id: &str,
    kind: &str,
    principal: &str,
    level: Option<ScopeLevel>,
    role: &str,
    rg: &str,
) -> RoleAssignment {
    RoleAssignment {
        role: RoleRef {
            id: RoleId(role.into()),
            scope_level: Some(scope.level()),
        },
        scope,
        id: AssignmentId(id.into()),
        principal: PrincipalRef {
            kind: kind.into(),
            id: principal.into(),
            scope_level: level,
        },
        resource_group: ResourceGroupId(rg.into()),
        disabled: false,
        managed: false,
        internal: false,
    }
}

/// Three users, groups at every level (five at `org:eng`, for paging),
/// service accounts with keys and tokens, roles, resource groups, role
/// assignments of every principal type, logins and a user addition; the
/// server's built-in resource groups at every scope.
pub fn small_snapshot() -> Snapshot {
    let a = Scope::Account;
    let eng = org("eng");
    let pay = proj("eng", "pay");
    let mut admins = group(a.clone(), "platform_admins", &["u-alice"]);
    admins.sso_linked = true;
    admins.sso_type = Some("SAML".into());
    admins.sso_group = Some("harness-admins".into());
    admins.description = Some("Platform admins".into());
    admins.tags.insert("owner".into(), "platform".into());
    let mut all_users = group(a.clone(), "_account_all_users", &[]);
    all_users.harness_managed = true;
    let mut scim = group(eng.clone(), "eng_g3", &["u-bob"]);
    scim.externally_managed = true;
    let mut carol = user("u-carol", "Carol", vec![a.clone()]);
    carol.disabled = true;
    carol.two_factor_enabled = None;
    let mut bob = user("u-bob", "Bob", vec![a.clone(), eng.clone()]);
    bob.externally_managed = true;
    bob.two_factor_enabled = Some(false);
    let mut disabled = assignment(
        a.clone(),
        "ra_carol_viewer",
        "USER",
        "u-carol",
        None,
        "_account_viewer",
        "_all_account_level_resources",
    );
    disabled.disabled = true;
    let mut managed = assignment(
        a.clone(),
        "ra_all_users_viewer",
        "USER_GROUP",
        "_account_all_users",
        Some(ScopeLevel::Account),
        "_account_viewer",
        "_all_account_level_resources",
    );
    managed.managed = true;

    let mut s = Snapshot {
        format: FORMAT.into(),
        version: VERSION,
        provenance: Provenance {
            tool_version: "0.0.0-test".into(),
            base_url: "https://app.harness.io".into(),
            account_id: SMALL_ACCOUNT.into(),
            caller: Some(Caller {
                kind: "user".into(),
                id: "u-alice".into(),
                name: Some("Alice".into()),
                email: Some("alice@example.com".into()),
                token_id: None,
            }),
            started_at: t("2026-03-01T10:00:00Z"),
            finished_at: t("2026-03-01T10:05:00Z"),
            command_line: vec!["reviewpack".into(), "pull".into()],
            note: Some("fake harness test account".into()),
            redirects: Vec::new(),
        },
        completeness: Completeness {
            complete: true,
            lists: Vec::new(),
            unread: Vec::new(),
        },
        account: Account {
            id: SMALL_ACCOUNT.into(),
            name: Some("Fake Co".into()),
            authentication_mechanism: Some("SAML".into()),
            two_factor_enforced: Some(false),
        },
        orgs: vec![
            Org {
                id: "default".into(),
                name: "Default".into(),
                description: None,
                tags: BTreeMap::new(),
            },
            Org {
                id: "eng".into(),
                name: "Engineering".into(),
                description: Some("Product engineering".into()),
                tags: BTreeMap::from([("cost_center".into(), "42".into())]),
            },
        ],
        projects: vec![
            Project {
                org: "default".into(),
                id: "sandbox".into(),
                name: "Sandbox".into(),
                description: None,
                tags: BTreeMap::new(),
            },
            Project {
                org: "eng".into(),
                id: "pay".into(),
                name: "Payments".into(),
                description: None,
                tags: BTreeMap::new(),
            },
        ],
        users: vec![
            user(
                "u-alice",
                "Alice",
                vec![a.clone(), eng.clone(), pay.clone()],
            ),
            bob,
            carol,
        ],
        user_groups: vec![
            all_users,
            admins,
            group(eng.clone(), "eng_g1", &["u-alice", "u-bob"]),
            group(eng.clone(), "eng_g2", &["u-bob"]),
            scim,
            group(eng.clone(), "eng_g4", &[]),
            group(eng.clone(), "eng_g5", &["u-alice"]),
            group(pay.clone(), "pay_devs", &["u-alice"]),
        ],
        service_accounts: vec![
            ServiceAccount {
                scope: a.clone(),
                id: ServiceAccountId("ci_bot".into()),
                name: "CI Bot".into(),
                email: Some("ci_bot@service.harness.io".into()),
                description: None,
                tags: BTreeMap::from([("owner".into(), "alice@example.com".into())]),
                created_at: Some(t("2025-01-01T00:00:00Z")),
                api_key_count: None,
            },
            ServiceAccount {
                scope: eng.clone(),
                id: ServiceAccountId("deployer".into()),
                name: "Deployer".into(),
                email: Some("deployer@service.harness.io".into()),
                description: Some("deploys".into()),
                tags: BTreeMap::new(),
                created_at: None,
                api_key_count: None,
            },
        ],
        api_keys: vec![
            ApiKey {
                scope: a.clone(),
                key_type: ApiKeyType::ServiceAccount,
                parent: "ci_bot".into(),
                id: ApiKeyId("ci_key".into()),
                name: "CI key".into(),
                created_at: Some(t("2025-01-02T00:00:00Z")),
            },
            ApiKey {
                scope: eng.clone(),
                key_type: ApiKeyType::ServiceAccount,
                parent: "deployer".into(),
                id: ApiKeyId("deploy_key".into()),
                name: "Deploy key".into(),
                created_at: None,
            },
        ],
        tokens: vec![
            Token {
                scope: a.clone(),
                key_type: ApiKeyType::ServiceAccount,
                parent: "ci_bot".into(),
                api_key: ApiKeyId("ci_key".into()),
                id: TokenId("ci_tok_old".into()),
                name: "old".into(),
                valid_from: Some(t("2025-01-02T00:00:00Z")),
                valid_to: None,
                valid: Some(true),
                created_at: Some(t("2025-01-02T00:00:00Z")),
            },
            Token {
                scope: a.clone(),
                key_type: ApiKeyType::ServiceAccount,
                parent: "ci_bot".into(),
                api_key: ApiKeyId("ci_key".into()),
                id: TokenId("ci_tok_new".into()),
                name: "new".into(),
                valid_from: Some(t("2026-01-01T00:00:00Z")),
                valid_to: Some(t("2026-07-01T00:00:00Z")),
                valid: Some(true),
                created_at: Some(t("2026-01-01T00:00:00Z")),
            },
            Token {
                scope: eng.clone(),
                key_type: ApiKeyType::ServiceAccount,
                parent: "deployer".into(),
                api_key: ApiKeyId("deploy_key".into()),
                id: TokenId("deploy_tok".into()),
                name: "deploy".into(),
                valid_from: None,
                valid_to: Some(t("2025-06-01T00:00:00Z")),
                valid: Some(false),
                created_at: None,
            },
        ],
        roles: vec![
            role(
                a.clone(),
                "_account_admin",
                &[
                    "core_user_view",
                    "core_user_manage",
                    "core_pipeline_execute",
                ],
                true,
            ),
            role(a.clone(), "_account_viewer", &["core_user_view"], true),
            role(eng.clone(), "eng_ops", &["core_pipeline_execute"], false),
        ],
        permissions: vec![
            Permission {
                id: PermissionId("core_pipeline_execute".into()),
                name: Some("Execute Pipeline".into()),
                resource_type: "PIPELINE".into(),
                action: Some("execute".into()),
                status: Some("ACTIVE".into()),
                allowed_scope_levels: vec![
                    ScopeLevel::Account,
                    ScopeLevel::Organization,
                    ScopeLevel::Project,
                ],
            },
            Permission {
                id: PermissionId("core_user_manage".into()),
                name: Some("Manage Users".into()),
                resource_type: "USER".into(),
                action: Some("manage".into()),
                status: Some("ACTIVE".into()),
                allowed_scope_levels: vec![ScopeLevel::Account],
            },
            Permission {
                id: PermissionId("core_user_view".into()),
                name: None,
                resource_type: "USER".into(),
                action: None,
                status: None,
                allowed_scope_levels: Vec::new(),
            },
        ],
        resource_groups: vec![ResourceGroup {
            scope: eng.clone(),
            id: ResourceGroupId("eng_pipelines".into()),
            name: "Eng pipelines".into(),
            harness_managed: false,
            included_scopes: vec![ScopeSelector {
                scope: Some(eng.clone()),
                include_child_scopes: true,
            }],
            resource_filter: ResourceFilter {
                include_all: false,
                resources: vec![
                    ResourceSelector {
                        resource_type: "CONNECTOR".into(),
                        identifiers: Vec::new(),
                        attribute_filter: Some(AttributeFilter {
                            name: "category".into(),
                            values: vec!["CLOUD_PROVIDER".into()],
                        }),
                    },
                    ResourceSelector {
                        resource_type: "PIPELINE".into(),
                        identifiers: vec!["deploy_prod".into()],
                        attribute_filter: None,
                    },
                ],
            },
        }],
        role_assignments: vec![
            assignment(
                a.clone(),
                "ra_alice_admin",
                "USER",
                "u-alice",
                None,
                "_account_admin",
                "_all_resources_including_child_scopes",
            ),
            managed,
            disabled,
            assignment(
                a.clone(),
                "ra_admins_viewer",
                "USER_GROUP",
                "platform_admins",
                Some(ScopeLevel::Account),
                "_account_viewer",
                "_all_account_level_resources",
            ),
            assignment(
                a.clone(),
                "ra_ci_bot_viewer",
                "SERVICE_ACCOUNT",
                "ci_bot",
                Some(ScopeLevel::Account),
                "_account_viewer",
                "_all_account_level_resources",
            ),
            assignment(
                eng.clone(),
                "ra_deployer_ops",
                "SERVICE_ACCOUNT",
                "deployer",
                Some(ScopeLevel::Organization),
                "eng_ops",
                "eng_pipelines",
            ),
            assignment(
                eng.clone(),
                "ra_g1_ops",
                "USER_GROUP",
                "eng_g1",
                None,
                "eng_ops",
                "eng_pipelines",
            ),
        ],
        activity: Activity {
            window_days: 180,
            window_start: t("2025-09-02T10:00:00Z"),
            window_end: t("2026-03-01T10:00:00Z"),
            logins: vec![
                LoginEvidence {
                    user: UserId("u-alice".into()),
                    last_login: t("2026-02-27T09:30:00Z"),
                    events: 3,
                },
                LoginEvidence {
                    user: UserId("u-bob".into()),
                    last_login: t("2025-12-01T08:00:00Z"),
                    events: 1,
                },
            ],
            joined: vec![JoinEvidence {
                user: UserId("u-bob".into()),
                at: t("2025-11-20T09:00:00Z"),
            }],
            legacy_changes: Default::default(),
            removals_since: Some(t("2025-09-02T10:00:00Z")),
            removals: removals(),
        },
        scim: None,
    };
    // The server's built-in resource groups, at every scope it lists them.
    super::builtins::with_builtin_resource_groups(&mut s);
    s
}
