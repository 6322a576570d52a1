//! Snapshot model -> Harness wire shapes. Pure functions; one per item type.
//!
//! Everything goes through `reviewpack::harness::wire` so the fake answers in
//! exactly the shapes the client parses. Fields Harness sends that the wire
//! types do not model (`createdAt`, `lastModifiedAt`, ...) are left out: the
//! client never reads them. Absent optional values go out as `null`, as
//! Harness sends them, except where the server's DTO is
//! `@JsonInclude(NON_NULL)` (user groups, v2 resource groups and their scope
//! selectors: the wire types skip `None` there) and `scopeLevel`, which
//! Harness omits.

use chrono::{DateTime, Utc};
use reviewpack::harness::wire;
use reviewpack::snapshot::{self as model, ApiKeyType, Scope, ScopeLevel};
use serde_json::Value;

/// Epoch milliseconds.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// `{accountIdentifier, orgIdentifier, projectIdentifier}` of a scope.
pub fn scope_ids(account: &str, scope: &Scope) -> wire::ScopeIds {
    wire::ScopeIds {
        account_identifier: Some(account.to_string()),
        org_identifier: scope.org().map(str::to_string),
        project_identifier: scope.project().map(str::to_string),
    }
}

/// `USER` / `SERVICE_ACCOUNT`.
pub fn key_type(t: ApiKeyType) -> &'static str {
    match t {
        ApiKeyType::User => "USER",
        ApiKeyType::ServiceAccount => "SERVICE_ACCOUNT",
    }
}

fn levels(ls: &[ScopeLevel]) -> Vec<String> {
    ls.iter().map(|l| l.as_str().to_string()).collect()
}

pub fn to_value<T: serde::Serialize>(x: &T) -> Value {
    serde_json::to_value(x).expect("wire types serialise")
}

pub fn organization(o: &model::Org) -> Value {
    to_value(&wire::OrganizationResponse {
        organization: wire::Organization {
            identifier: o.id.clone(),
            name: Some(o.name.clone()),
            description: o.description.clone(),
            tags: Some(o.tags.clone()),
        },
        harness_managed: Some(o.id == "default"),
    })
}

pub fn project(p: &model::Project) -> Value {
    to_value(&wire::ProjectResponse {
        project: wire::Project {
            org_identifier: Some(p.org.clone()),
            identifier: p.id.clone(),
            name: Some(p.name.clone()),
            description: p.description.clone(),
            tags: Some(p.tags.clone()),
        },
    })
}

pub fn user_metadata(u: &model::User) -> wire::UserMetadata {
    wire::UserMetadata {
        uuid: u.id.0.clone(),
        name: Some(u.name.clone()),
        email: Some(u.email.clone()),
        locked: Some(u.locked),
        disabled: Some(u.disabled),
        externally_managed: Some(u.externally_managed),
        two_factor_authentication_enabled: u.two_factor_enabled,
    }
}

pub fn user_group(account: &str, g: &model::UserGroup) -> Value {
    let ids = scope_ids(account, &g.scope);
    to_value(&wire::UserGroup {
        account_identifier: ids.account_identifier,
        org_identifier: ids.org_identifier,
        project_identifier: ids.project_identifier,
        identifier: g.id.0.clone(),
        name: Some(g.name.clone()),
        users: Some(g.members.iter().map(|m| m.0.clone()).collect()),
        is_sso_linked: Some(g.sso_linked),
        sso_linked: Some(g.sso_linked),
        linked_sso_type: g.sso_type.clone(),
        sso_group_name: g.sso_group.clone(),
        externally_managed: Some(g.externally_managed),
        harness_managed: Some(g.harness_managed),
        description: g.description.clone(),
        tags: Some(g.tags.clone()),
    })
}

/// `api_keys`: how many API keys it has, which the server sends as
/// `tokensCount` (`ServiceAccountServiceImpl`, `getApiKeysPerParentIdentifier`).
pub fn service_account(account: &str, sa: &model::ServiceAccount, api_keys: usize) -> Value {
    let ids = scope_ids(account, &sa.scope);
    to_value(&wire::ServiceAccountAggregate {
        service_account: wire::ServiceAccount {
            identifier: sa.id.0.clone(),
            name: Some(sa.name.clone()),
            email: sa.email.clone(),
            description: sa.description.clone(),
            tags: Some(sa.tags.clone()),
            account_identifier: ids.account_identifier,
            org_identifier: ids.org_identifier,
            project_identifier: ids.project_identifier,
        },
        created_at: sa.created_at.map(ms),
        tokens_count: Some(api_keys as i64),
    })
}

pub fn api_key(account: &str, k: &model::ApiKey, tokens: usize) -> Value {
    let ids = scope_ids(account, &k.scope);
    to_value(&wire::ApiKeyAggregate {
        api_key: wire::ApiKey {
            identifier: k.id.0.clone(),
            name: Some(k.name.clone()),
            api_key_type: Some(key_type(k.key_type).to_string()),
            parent_identifier: Some(k.parent.clone()),
            account_identifier: ids.account_identifier,
            org_identifier: ids.org_identifier,
            project_identifier: ids.project_identifier,
        },
        created_at: k.created_at.map(ms),
        tokens_count: Some(tokens as i64),
    })
}

pub fn token(account: &str, t: &model::Token) -> Value {
    let ids = scope_ids(account, &t.scope);
    to_value(&wire::TokenAggregate {
        token: wire::Token {
            identifier: t.id.0.clone(),
            name: Some(t.name.clone()),
            valid_from: t.valid_from.map(ms),
            valid_to: t.valid_to.map(ms),
            valid: t.valid,
            account_identifier: ids.account_identifier,
            org_identifier: ids.org_identifier,
            project_identifier: ids.project_identifier,
            api_key_identifier: Some(t.api_key.0.clone()),
            parent_identifier: Some(t.parent.clone()),
            api_key_type: Some(key_type(t.key_type).to_string()),
            scheduled_expire_time: None,
            email: None,
            username: None,
        },
        expiry_at: t.valid_to.map(ms),
        created_at: t.created_at.map(ms),
    })
}

/// `TokenDTO` as `POST /ng/api/token/validate` answers it
/// (`TokenServiceImpl.validateToken`): the token, with `valid` computed now
/// (`Token.isValid`), the parent's email and name filled in (`getToken`),
/// `encodedPassword` set to null, and the DTO's other nulls sent as nulls
/// (it is not `NON_NULL`).
pub fn validated_token(
    account: &str,
    t: &model::Token,
    parent_name: Option<&str>,
    parent_email: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Value {
    let ids = scope_ids(account, &t.scope);
    let valid = t.valid_from.is_none_or(|f| now > f) && t.valid_to.is_some_and(|v| now < v);
    serde_json::json!({
        "identifier": t.id.0,
        "name": t.name,
        "validFrom": t.valid_from.map(ms),
        "validTo": t.valid_to.map(ms),
        "scheduledExpireTime": null,
        "valid": valid,
        "accountIdentifier": ids.account_identifier,
        "projectIdentifier": ids.project_identifier,
        "orgIdentifier": ids.org_identifier,
        "apiKeyIdentifier": t.api_key.0,
        "parentIdentifier": t.parent,
        "apiKeyType": key_type(t.key_type),
        "description": null,
        "tags": {},
        "email": parent_email,
        "username": parent_name,
        "encodedPassword": null,
    })
}

/// `counts`: the role list's per-role assignment counts
/// (`RoleWithPrincipalCountResponseDTO`); `None` for a single read.
pub fn role(account: &str, r: &model::Role, counts: Option<model::AssignmentCounts>) -> Value {
    to_value(&wire::RoleResponse {
        role: wire::Role {
            identifier: r.id.0.clone(),
            name: Some(r.name.clone()),
            permissions: Some(r.permissions.iter().map(|p| p.0.clone()).collect()),
            allowed_scope_levels: Some(levels(&r.allowed_scope_levels)),
        },
        scope: Some(scope_ids(account, &r.scope)),
        harness_managed: Some(r.harness_managed),
        role_assigned_to_user_count: counts.map(|c| c.users as i64),
        role_assigned_to_user_group_count: counts.map(|c| c.user_groups as i64),
        role_assigned_to_service_account_count: counts.map(|c| c.service_accounts as i64),
    })
}

pub fn permission(p: &model::Permission) -> Value {
    to_value(&wire::PermissionResponse {
        permission: wire::Permission {
            identifier: p.id.0.clone(),
            name: p.name.clone(),
            status: p.status.clone(),
            allowed_scope_levels: Some(levels(&p.allowed_scope_levels)),
            resource_type: Some(p.resource_type.clone()),
            action: p.action.clone(),
        },
    })
}

pub fn resource_group(account: &str, g: &model::ResourceGroup) -> Value {
    let ids = scope_ids(account, &g.scope);
    let included = g
        .included_scopes
        .iter()
        .map(|s| {
            let sid = s
                .scope
                .as_ref()
                .map(|x| scope_ids(account, x))
                .unwrap_or_default();
            wire::ScopeSelector {
                filter: Some(selector_filter(s.include_child_scopes).to_string()),
                account_identifier: sid.account_identifier,
                org_identifier: sid.org_identifier,
                project_identifier: sid.project_identifier,
            }
        })
        .collect();
    let resources = g
        .resource_filter
        .resources
        .iter()
        .map(|r| wire::ResourceSelector {
            resource_type: r.resource_type.clone(),
            identifiers: (!r.identifiers.is_empty()).then(|| r.identifiers.clone()),
            attribute_filter: r.attribute_filter.as_ref().map(|a| wire::AttributeFilter {
                attribute_name: Some(a.name.clone()),
                attribute_values: Some(a.values.clone()),
            }),
        })
        .collect();
    to_value(&wire::ResourceGroupResponse {
        resource_group: wire::ResourceGroup {
            account_identifier: ids.account_identifier,
            org_identifier: ids.org_identifier,
            project_identifier: ids.project_identifier,
            identifier: g.id.0.clone(),
            name: Some(g.name.clone()),
            description: None,
            allowed_scope_levels: Some(vec![g.scope.level().as_str().to_string()]),
            included_scopes: Some(included),
            resource_filter: Some(wire::ResourceFilter {
                resources: Some(resources),
                include_all_resources: Some(g.resource_filter.include_all),
            }),
        },
        harness_managed: Some(g.harness_managed),
    })
}

fn selector_filter(include_child_scopes: bool) -> &'static str {
    if include_child_scopes {
        "INCLUDING_CHILD_SCOPES"
    } else {
        "EXCLUDING_CHILD_SCOPES"
    }
}

/// A built-in resource group as the server stores and lists it: no scope
/// fields at all, a bare scope selector.
pub fn builtin_resource_group(g: &super::builtins::BuiltinGroup) -> Value {
    to_value(&wire::ResourceGroupResponse {
        resource_group: wire::ResourceGroup {
            account_identifier: None,
            org_identifier: None,
            project_identifier: None,
            identifier: g.id.to_string(),
            name: Some(g.name.to_string()),
            description: Some(g.description.to_string()),
            allowed_scope_levels: Some(g.allowed.iter().map(|l| l.as_str().to_string()).collect()),
            included_scopes: Some(vec![wire::ScopeSelector {
                filter: Some(selector_filter(g.include_child_scopes).to_string()),
                account_identifier: None,
                org_identifier: None,
                project_identifier: None,
            }]),
            resource_filter: Some(wire::ResourceFilter {
                resources: Some(Vec::new()),
                include_all_resources: Some(true),
            }),
        },
        harness_managed: Some(true),
    })
}

pub fn role_assignment(account: &str, a: &model::RoleAssignment) -> Value {
    let mut v = to_value(&wire::RoleAssignmentResponse {
        role_assignment: wire::RoleAssignment {
            identifier: a.id.0.clone(),
            resource_group_identifier: Some(a.resource_group.0.clone()),
            role_identifier: Some(a.role.id.0.clone()),
            role_reference: Some(wire::RoleReference {
                identifier: a.role.id.0.clone(),
                scope_level: a.role.scope_level.map(|l| l.as_str().to_string()),
            }),
            principal: wire::AuthzPrincipal {
                scope_level: a.principal.scope_level.map(|l| l.as_str().to_string()),
                identifier: a.principal.id.clone(),
                kind: a.principal.kind.clone(),
            },
            disabled: Some(a.disabled),
            managed: Some(a.managed),
            internal: Some(a.internal),
        },
        scope: Some(scope_ids(account, &a.scope)),
        harness_managed: Some(a.managed),
    });
    // Harness omits an absent scopeLevel rather than sending null.
    for key in ["principal", "roleReference"] {
        if let Some(Value::Object(m)) = v.pointer_mut(&format!("/roleAssignment/{key}")) {
            if m.get("scopeLevel").is_some_and(Value::is_null) {
                m.remove("scopeLevel");
            }
        }
    }
    v
}
