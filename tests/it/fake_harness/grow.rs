//! The `grow_path` fault: a list gains one item between its pages.
//!
//! The new item goes into the served snapshot (so a re-list sees it too) and
//! is placed first among the items of its list, which shifts every later
//! item by one: the next page repeats the last item of page 0, as a real
//! list does when something is created while a client pages through it.

use reviewpack::snapshot::{
    ApiKey, ApiKeyId, GroupId, JoinEvidence, LoginEvidence, Org, PrincipalRef, Project,
    ResourceFilter, ResourceGroup, ResourceGroupId, Role, RoleAssignment, RoleId, RoleRef,
    ScopeSelector, ServiceAccount, ServiceAccountId, Snapshot, Token, TokenId, User, UserGroup,
    UserId,
};

use super::endpoints::{Ctx, Endpoint};

/// Adds one item to the list `ep` serves for `ctx`; `n` makes it unique.
pub fn grow(ep: Endpoint, snap: &mut Snapshot, ctx: &Ctx, n: u32) {
    let scope = ctx.scope.clone();
    let id = format!("grown_{n}");
    match ep {
        Endpoint::Organizations => snap.orgs.insert(
            0,
            Org {
                id: id.clone(),
                name: format!("Grown org {n}"),
                description: None,
                tags: Default::default(),
            },
        ),
        Endpoint::Projects => {
            let org = ctx
                .param("orgIdentifier")
                .map(str::to_string)
                .or_else(|| snap.orgs.first().map(|o| o.id.clone()))
                .unwrap_or_else(|| "default".into());
            snap.projects.insert(
                0,
                Project {
                    org,
                    id: id.clone(),
                    name: format!("Grown project {n}"),
                    description: None,
                    tags: Default::default(),
                },
            )
        }
        Endpoint::UserBatch | Endpoint::UserAggregate => {
            let mut scopes = scope.self_and_ancestors();
            scopes.reverse();
            snap.users.insert(
                0,
                User {
                    id: UserId(format!("grown-user-{n}")),
                    name: format!("Grown User {n}"),
                    email: format!("grown{n}@fake.invalid"),
                    disabled: false,
                    locked: false,
                    externally_managed: false,
                    two_factor_enabled: Some(false),
                    scopes,
                },
            )
        }
        Endpoint::UserGroups => snap.user_groups.insert(
            0,
            UserGroup {
                scope,
                id: GroupId(id.clone()),
                name: format!("Grown group {n}"),
                members: Vec::new(),
                sso_linked: false,
                sso_type: None,
                sso_group: None,
                externally_managed: false,
                harness_managed: false,
                description: None,
                tags: Default::default(),
            },
        ),
        Endpoint::ServiceAccounts => snap.service_accounts.insert(
            0,
            ServiceAccount {
                scope,
                id: ServiceAccountId(id.clone()),
                name: format!("Grown SA {n}"),
                email: Some(format!("{id}@service.harness.io")),
                description: None,
                tags: Default::default(),
                created_at: Some(snap.provenance.started_at),
                api_key_count: None,
            },
        ),
        Endpoint::ApiKeys => {
            let (Ok(key_type), Some(parent)) = (ctx.key_type(), ctx.param("parentIdentifier"))
            else {
                return;
            };
            snap.api_keys.insert(
                0,
                ApiKey {
                    scope,
                    key_type,
                    parent: parent.to_string(),
                    id: ApiKeyId(id.clone()),
                    name: format!("Grown key {n}"),
                    created_at: Some(snap.provenance.started_at),
                },
            )
        }
        Endpoint::Tokens => {
            let (Ok(key_type), Some(parent), Some(key)) = (
                ctx.key_type(),
                ctx.param("parentIdentifier"),
                ctx.param("apiKeyIdentifier"),
            ) else {
                return;
            };
            snap.tokens.insert(
                0,
                Token {
                    scope,
                    key_type,
                    parent: parent.to_string(),
                    api_key: ApiKeyId(key.to_string()),
                    id: TokenId(id.clone()),
                    name: format!("Grown token {n}"),
                    valid_from: Some(snap.provenance.started_at),
                    valid_to: None,
                    valid: Some(true),
                    created_at: Some(snap.provenance.started_at),
                },
            )
        }
        Endpoint::Roles => snap.roles.insert(
            0,
            Role {
                scope: scope.clone(),
                id: RoleId(id.clone()),
                name: format!("Grown role {n}"),
                permissions: Vec::new(),
                allowed_scope_levels: vec![scope.level()],
                harness_managed: false,
                assignment_counts: None,
            },
        ),
        Endpoint::ResourceGroups => snap.resource_groups.insert(
            0,
            ResourceGroup {
                scope: scope.clone(),
                id: ResourceGroupId(id.clone()),
                name: format!("Grown resource group {n}"),
                harness_managed: false,
                included_scopes: vec![ScopeSelector {
                    scope: Some(scope),
                    include_child_scopes: false,
                }],
                resource_filter: ResourceFilter {
                    include_all: false,
                    resources: Vec::new(),
                },
            },
        ),
        Endpoint::RoleAssignments => {
            // A visible principal that exists, a role and resource group of
            // this scope where there are any.
            let principal = snap
                .users
                .iter()
                .find(|_| !ctx.missing.contains("core_user_view"))
                .map(|u| PrincipalRef {
                    kind: "USER".into(),
                    id: u.id.0.clone(),
                    scope_level: None,
                })
                .or_else(|| {
                    snap.user_groups
                        .iter()
                        .find(|g| g.scope == scope && !ctx.missing.contains("core_usergroup_view"))
                        .map(|g| PrincipalRef {
                            kind: "USER_GROUP".into(),
                            id: g.id.0.clone(),
                            scope_level: Some(scope.level()),
                        })
                })
                .unwrap_or_else(|| PrincipalRef {
                    kind: "SERVICE_ACCOUNT".into(),
                    id: id.clone(),
                    scope_level: Some(scope.level()),
                });
            let role = snap
                .roles
                .iter()
                .find(|r| r.scope == scope)
                .map_or_else(|| RoleId(id.clone()), |r| r.id.clone());
            let resource_group = snap
                .resource_groups
                .iter()
                .find(|g| g.scope == scope)
                .map_or_else(|| ResourceGroupId(id.clone()), |g| g.id.clone());
            snap.role_assignments.insert(
                0,
                RoleAssignment {
                    scope: scope.clone(),
                    id: reviewpack::snapshot::AssignmentId(id.clone()),
                    principal,
                    role: RoleRef {
                        id: role,
                        scope_level: Some(scope.level()),
                    },
                    resource_group,
                    disabled: false,
                    managed: false,
                    internal: false,
                },
            )
        }
        Endpoint::Audits => {
            let Ok(filter) = ctx.audit_filter() else {
                return;
            };
            // The newest event the filter admits, so it lands on page 0.
            let end = filter
                .wire
                .end_time
                .and_then(chrono::DateTime::from_timestamp_millis)
                .unwrap_or(snap.activity.window_end);
            let user = UserId(format!("grown-user-{n}"));
            let asks = |a: &str| filter.wire.actions.iter().any(|x| x == a);
            if asks("REMOVE_COLLABORATOR") || asks("DELETE") {
                // A removal that needs no details.
                let (action, kind) = if asks("DELETE") {
                    ("DELETE", "TOKEN")
                } else {
                    ("REMOVE_COLLABORATOR", "USER")
                };
                snap.activity.removals.insert(
                    0,
                    reviewpack::snapshot::Removal {
                        at: end,
                        audit_id: format!("grown-removal-{n}"),
                        action: action.into(),
                        resource_type: kind.into(),
                        resource: format!("grown{n}"),
                        scope: reviewpack::snapshot::Scope::Account,
                        by: String::new(),
                        removed: vec![],
                        role: None,
                        resource_group: None,
                        details_read: true,
                    },
                );
            } else if asks("ADD_COLLABORATOR") {
                snap.activity
                    .joined
                    .insert(0, JoinEvidence { user, at: end });
            } else {
                snap.activity.logins.insert(
                    0,
                    LoginEvidence {
                        user,
                        last_login: end,
                        events: 1,
                    },
                );
            }
        }
        Endpoint::CurrentUser
        | Endpoint::Account
        | Endpoint::Permissions
        | Endpoint::Role
        | Endpoint::RoleAssignmentsGet
        | Endpoint::RoleAssignmentAggregate
        | Endpoint::AuditYaml
        | Endpoint::AccessCheck => {}
    }
}
