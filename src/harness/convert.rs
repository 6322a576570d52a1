//! Wire -> model: the one place Harness's JSON shapes become snapshot types.
//!
//! The scope an object was listed at is authoritative (lists are per exact
//! scope); the ids inside the object are not trusted over it. Absent text
//! becomes empty, absent flags false, epoch milliseconds UTC times.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeZone, Utc};

use super::wire;
use crate::snapshot::{
    self as model, ApiKeyType, AssignmentId, AttributeFilter, GroupId, JoinEvidence, LoginEvidence,
    PermissionId, PrincipalRef, ResourceFilter, ResourceGroupId, ResourceSelector, RoleId, RoleRef,
    Scope, ScopeLevel, ScopeSelector, ServiceAccountId, UserId,
};

/// Epoch milliseconds to UTC; `None` for absent or out-of-range values.
pub fn ms(t: Option<i64>) -> Option<DateTime<Utc>> {
    t.and_then(|t| Utc.timestamp_millis_opt(t).single())
}

fn levels(v: Option<Vec<String>>) -> Vec<ScopeLevel> {
    v.unwrap_or_default()
        .iter()
        .filter_map(|s| ScopeLevel::parse(s))
        .collect()
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// An org.
pub fn org(o: wire::OrganizationResponse) -> model::Org {
    let o = o.organization;
    model::Org {
        name: o.name.unwrap_or_else(|| o.identifier.clone()),
        id: o.identifier,
        description: nonempty(o.description),
        tags: o.tags.unwrap_or_default(),
    }
}

/// A project of `org`.
pub fn project(org: &str, p: wire::ProjectResponse) -> model::Project {
    let p = p.project;
    model::Project {
        org: org.to_string(),
        name: p.name.unwrap_or_else(|| p.identifier.clone()),
        id: p.identifier,
        description: nonempty(p.description),
        tags: p.tags.unwrap_or_default(),
    }
}

/// An account user; membership scopes are filled in by the caller.
pub fn user(u: wire::UserMetadata) -> model::User {
    model::User {
        id: UserId(u.uuid),
        name: u.name.unwrap_or_default(),
        email: u.email.unwrap_or_default(),
        disabled: u.disabled.unwrap_or(false),
        locked: u.locked.unwrap_or(false),
        externally_managed: u.externally_managed.unwrap_or(false),
        two_factor_enabled: u.two_factor_authentication_enabled,
        scopes: vec![Scope::Account],
    }
}

/// A user group listed at `scope`.
pub fn user_group(scope: &Scope, g: wire::UserGroup) -> model::UserGroup {
    model::UserGroup {
        scope: scope.clone(),
        name: g.name.unwrap_or_else(|| g.identifier.clone()),
        id: GroupId(g.identifier),
        members: g
            .users
            .unwrap_or_default()
            .into_iter()
            .map(UserId)
            .collect(),
        sso_linked: g.sso_linked.or(g.is_sso_linked).unwrap_or(false),
        sso_type: nonempty(g.linked_sso_type),
        sso_group: nonempty(g.sso_group_name),
        externally_managed: g.externally_managed.unwrap_or(false),
        harness_managed: g.harness_managed.unwrap_or(false),
        description: nonempty(g.description),
        tags: g.tags.unwrap_or_default(),
    }
}

/// A service account listed at `scope`.
pub fn service_account(scope: &Scope, s: wire::ServiceAccountAggregate) -> model::ServiceAccount {
    let a = s.service_account;
    model::ServiceAccount {
        scope: scope.clone(),
        name: a.name.unwrap_or_else(|| a.identifier.clone()),
        id: ServiceAccountId(a.identifier),
        email: nonempty(a.email),
        description: nonempty(a.description),
        tags: a.tags.unwrap_or_default(),
        created_at: ms(s.created_at),
        api_key_count: s.tokens_count.and_then(|n| u64::try_from(n).ok()),
    }
}

/// An API key of a service account at `scope`.
pub fn api_key(scope: &Scope, parent: &str, k: wire::ApiKeyAggregate) -> model::ApiKey {
    let a = k.api_key;
    model::ApiKey {
        scope: scope.clone(),
        key_type: ApiKeyType::ServiceAccount,
        parent: parent.to_string(),
        name: a.name.unwrap_or_else(|| a.identifier.clone()),
        id: model::ApiKeyId(a.identifier),
        created_at: ms(k.created_at),
    }
}

/// A token of an API key.
pub fn token(scope: &Scope, parent: &str, key: &str, t: wire::TokenAggregate) -> model::Token {
    let x = t.token;
    model::Token {
        scope: scope.clone(),
        key_type: ApiKeyType::ServiceAccount,
        parent: parent.to_string(),
        api_key: model::ApiKeyId(key.to_string()),
        name: x.name.unwrap_or_else(|| x.identifier.clone()),
        id: model::TokenId(x.identifier),
        valid_from: ms(x.valid_from),
        valid_to: ms(x.valid_to).or(ms(t.expiry_at)),
        valid: x.valid,
        created_at: ms(t.created_at),
    }
}

/// A token from the account-wide token list: its scope, service account and
/// key come from its own fields (the list spans every scope). `None` when it
/// does not name them.
pub fn token_of_account(t: wire::TokenAggregate) -> Option<model::Token> {
    let x = &t.token;
    let scope =
        Scope::from_identifiers(x.org_identifier.as_deref(), x.project_identifier.as_deref())?;
    let parent = nonempty(x.parent_identifier.clone())?;
    let key = nonempty(x.api_key_identifier.clone())?;
    Some(token(&scope, &parent, &key, t))
}

/// A role listed at `scope`.
pub fn role(scope: &Scope, r: wire::RoleResponse) -> model::Role {
    let assignment_counts = assignment_counts(&r);
    let x = r.role;
    model::Role {
        scope: scope.clone(),
        name: x.name.unwrap_or_else(|| x.identifier.clone()),
        id: RoleId(x.identifier),
        permissions: x
            .permissions
            .unwrap_or_default()
            .into_iter()
            .map(PermissionId)
            .collect(),
        allowed_scope_levels: levels(x.allowed_scope_levels),
        harness_managed: r.harness_managed.unwrap_or(false),
        assignment_counts,
    }
}

/// The role list's per-role assignment counts, when it sent any (a role
/// read one by one, or through the aggregate lookup, comes without them).
fn assignment_counts(r: &wire::RoleResponse) -> Option<model::AssignmentCounts> {
    let counts = [
        r.role_assigned_to_user_count,
        r.role_assigned_to_user_group_count,
        r.role_assigned_to_service_account_count,
    ];
    if counts.iter().all(Option::is_none) {
        return None;
    }
    let n = |c: Option<i64>| c.and_then(|c| u64::try_from(c).ok()).unwrap_or(0);
    Some(model::AssignmentCounts {
        users: n(counts[0]),
        user_groups: n(counts[1]),
        service_accounts: n(counts[2]),
    })
}

/// A permission of the catalogue.
pub fn permission(p: wire::PermissionResponse) -> model::Permission {
    let x = p.permission;
    model::Permission {
        resource_type: x.resource_type.unwrap_or_default(),
        id: PermissionId(x.identifier),
        name: nonempty(x.name),
        action: nonempty(x.action),
        status: nonempty(x.status),
        allowed_scope_levels: levels(x.allowed_scope_levels),
    }
}

/// A resource group listed at `scope`.
pub fn resource_group(scope: &Scope, r: wire::ResourceGroupResponse) -> model::ResourceGroup {
    let g = r.resource_group;
    let included_scopes = g
        .included_scopes
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| {
            let include_child_scopes = s.filter.as_deref() == Some("INCLUDING_CHILD_SCOPES");
            // No account identifier: "the scope the group is used at"
            // (`ResourceGroupFactory.getScope`), how Harness stores and
            // returns its built-in groups.
            let scope = match s.account_identifier.as_deref().filter(|a| !a.is_empty()) {
                None => None,
                Some(_) => Some(Scope::from_identifiers(
                    s.org_identifier.as_deref(),
                    s.project_identifier.as_deref(),
                )?),
            };
            Some(ScopeSelector {
                scope,
                include_child_scopes,
            })
        })
        .collect();
    let f = g.resource_filter;
    model::ResourceGroup {
        scope: scope.clone(),
        name: g.name.unwrap_or_else(|| g.identifier.clone()),
        id: ResourceGroupId(g.identifier),
        harness_managed: r.harness_managed.unwrap_or(false),
        included_scopes,
        resource_filter: ResourceFilter {
            include_all: f
                .as_ref()
                .and_then(|f| f.include_all_resources)
                .unwrap_or(false),
            resources: f
                .and_then(|f| f.resources)
                .unwrap_or_default()
                .into_iter()
                .map(|s| ResourceSelector {
                    resource_type: s.resource_type,
                    identifiers: s.identifiers.unwrap_or_default(),
                    attribute_filter: s.attribute_filter.map(|a| AttributeFilter {
                        name: a.attribute_name.unwrap_or_default(),
                        values: a.attribute_values.unwrap_or_default(),
                    }),
                })
                .collect(),
        },
    }
}

/// A role assignment listed at `scope`.
pub fn role_assignment(scope: &Scope, r: wire::RoleAssignmentResponse) -> model::RoleAssignment {
    let a = r.role_assignment;
    let role = match a.role_reference {
        Some(rr) => RoleRef {
            id: RoleId(rr.identifier),
            scope_level: rr.scope_level.as_deref().and_then(ScopeLevel::parse),
        },
        None => RoleRef {
            id: RoleId(a.role_identifier.unwrap_or_default()),
            scope_level: None,
        },
    };
    model::RoleAssignment {
        scope: scope.clone(),
        id: AssignmentId(a.identifier),
        principal: PrincipalRef {
            kind: a.principal.kind,
            id: a.principal.identifier,
            scope_level: a
                .principal
                .scope_level
                .as_deref()
                .and_then(ScopeLevel::parse),
        },
        role,
        resource_group: ResourceGroupId(a.resource_group_identifier.unwrap_or_default()),
        disabled: a.disabled.unwrap_or(false),
        managed: a.managed.unwrap_or(false) || r.harness_managed.unwrap_or(false),
        internal: a.internal.unwrap_or(false),
    }
}

fn label<'a>(labels: &'a Option<BTreeMap<String, String>>, key: &str) -> Option<&'a str> {
    labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

/// The latest login per user from LOGIN / LOGIN2FA events, keyed by
/// `authenticationInfo.labels.userId`, then `resource.labels.userId`, then
/// the principal's email.
pub fn logins(events: &[wire::AuditEvent], users: &[model::User]) -> Vec<LoginEvidence> {
    let by_email: HashMap<String, &UserId> = users
        .iter()
        .map(|u| (u.email.to_lowercase(), &u.id))
        .collect();
    let mut latest: BTreeMap<UserId, (DateTime<Utc>, u32)> = BTreeMap::new();
    for e in events {
        if !matches!(e.action.as_deref(), Some("LOGIN" | "LOGIN2FA")) {
            continue;
        }
        let Some(at) = ms(e.timestamp) else { continue };
        let auth_labels = e
            .authentication_info
            .as_ref()
            .and_then(|a| a.labels.clone());
        let res_labels = e.resource.as_ref().and_then(|r| r.labels.clone());
        let email = e
            .authentication_info
            .as_ref()
            .and_then(|a| a.principal.as_ref())
            .and_then(|p| p.identifier.clone())
            .or_else(|| label(&auth_labels, "email").map(str::to_string));
        let user = label(&auth_labels, "userId")
            .or_else(|| label(&res_labels, "userId"))
            .map(|s| UserId(s.to_string()))
            .or_else(|| {
                email
                    .as_deref()
                    .and_then(|m| by_email.get(&m.to_lowercase()).map(|u| (*u).clone()))
            });
        let Some(user) = user else { continue };
        let entry = latest.entry(user).or_insert((at, 0));
        entry.0 = entry.0.max(at);
        entry.1 += 1;
    }
    latest
        .into_iter()
        .map(|(user, (last_login, events))| LoginEvidence {
            user,
            last_login,
            events,
        })
        .collect()
}

/// When each user was added to the account: the latest `ADD_COLLABORATOR`
/// event whose resource scope is the account itself (adding a user to an org
/// or project is the same action at that scope). The event's resource is the
/// user's email (`UserMembershipAddEvent.getResource`); a `userId` label is
/// used when present.
pub fn joined(events: &[wire::AuditEvent], users: &[model::User]) -> Vec<JoinEvidence> {
    let by_email: HashMap<String, &UserId> = users
        .iter()
        .map(|u| (u.email.to_lowercase(), &u.id))
        .collect();
    let mut latest: BTreeMap<UserId, DateTime<Utc>> = BTreeMap::new();
    for e in events {
        if e.action.as_deref() != Some("ADD_COLLABORATOR") {
            continue;
        }
        let at_account = e.resource_scope.as_ref().is_none_or(|s| {
            s.org_identifier.as_deref().is_none_or(str::is_empty)
                && s.project_identifier.as_deref().is_none_or(str::is_empty)
        });
        let Some(at) = ms(e.timestamp).filter(|_| at_account) else {
            continue;
        };
        let res = e.resource.as_ref();
        if res
            .and_then(|r| r.kind.as_deref())
            .is_some_and(|k| !k.eq_ignore_ascii_case("USER"))
        {
            continue;
        }
        let labels = res.and_then(|r| r.labels.clone());
        let user = label(&labels, "userId")
            .map(|s| UserId(s.to_string()))
            .or_else(|| {
                res.and_then(|r| r.identifier.as_deref())
                    .and_then(|m| by_email.get(&m.to_lowercase()).map(|u| (*u).clone()))
            });
        let Some(user) = user else { continue };
        let entry = latest.entry(user).or_insert(at);
        *entry = (*entry).max(at);
    }
    latest
        .into_iter()
        .map(|(user, at)| JoinEvidence { user, at })
        .collect()
}

/// A SCIM user.
pub fn scim_user(u: wire::ScimUser) -> model::ScimUser {
    model::ScimUser {
        id: u.id.unwrap_or_default(),
        user_name: u.user_name.unwrap_or_default(),
        external_id: nonempty(u.external_id),
        // SCIM's default for an absent `active` is true (RFC 7643 4.1.1 says
        // nothing; Harness always sends it).
        active: u.active.unwrap_or(true),
        emails: u
            .emails
            .into_iter()
            .filter_map(|e| nonempty(e.value))
            .collect(),
        created: u
            .meta
            .as_ref()
            .and_then(|m| m.get("created"))
            .and_then(|c| c.as_str())
            .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
            .map(|c| c.with_timezone(&Utc)),
    }
}

/// A SCIM group.
pub fn scim_group(g: wire::ScimGroup) -> model::ScimGroup {
    model::ScimGroup {
        id: g.id.unwrap_or_default(),
        display_name: g.display_name.unwrap_or_default(),
        members: g
            .members
            .into_iter()
            .filter_map(|m| nonempty(m.value))
            .collect(),
    }
}

/// The scope an audit event names (`resourceScope`): the account when it
/// names no org (or names a project without its org, which the server
/// refuses to store).
pub fn audit_scope(s: Option<&wire::ScopeIds>) -> Scope {
    let org = s
        .and_then(|s| s.org_identifier.as_deref())
        .filter(|o| !o.is_empty());
    let project = s
        .and_then(|s| s.project_identifier.as_deref())
        .filter(|p| !p.is_empty());
    match (org, project) {
        (Some(o), Some(p)) => Scope::Project(o.into(), p.into()),
        (Some(o), None) => Scope::Org(o.into()),
        _ => Scope::Account,
    }
}

/// The resource types whose `DELETE` removes access (and `UPDATE`, for a
/// group, may remove members).
pub const REMOVAL_RESOURCE_TYPES: [&str; 4] = ["USER_GROUP", "SERVICE_ACCOUNT", "API_KEY", "TOKEN"];

/// Whether an event's details (its YAML) say what it removed: a deleted
/// role assignment (which one), a group update (which members).
pub fn removal_needs_details(r: &model::Removal) -> bool {
    r.action == "ROLE_ASSIGNMENT_DELETED"
        || (r.action == "UPDATE" && r.resource_type == "USER_GROUP")
}

/// An audit event as a removal, details not read yet; `None` for events
/// that remove no access (another action or resource type) or name no
/// time or resource.
pub fn removal(e: &wire::AuditEvent) -> Option<model::Removal> {
    let action = e.action.as_deref()?;
    let kind = e.resource.as_ref()?.kind.as_deref()?.to_ascii_uppercase();
    let wanted = match action {
        "ROLE_ASSIGNMENT_DELETED" | "REMOVE_COLLABORATOR" => true,
        "DELETE" => REMOVAL_RESOURCE_TYPES.contains(&kind.as_str()),
        "UPDATE" => kind == "USER_GROUP",
        _ => false,
    };
    if !wanted {
        return None;
    }
    let resource = nonempty(e.resource.as_ref()?.identifier.clone())?;
    let at = ms(e.timestamp)?;
    let by = e
        .authentication_info
        .as_ref()
        .and_then(|a| a.principal.as_ref())
        .map(|p| {
            format!(
                "{} {}",
                p.kind.as_deref().unwrap_or(""),
                p.identifier.as_deref().unwrap_or("")
            )
            .trim()
            .to_string()
        })
        .unwrap_or_default();
    let mut r = model::Removal {
        at,
        audit_id: e.audit_id.clone().unwrap_or_default(),
        action: action.to_string(),
        resource_type: kind,
        resource,
        scope: audit_scope(e.resource_scope.as_ref()),
        by,
        removed: Vec::new(),
        role: None,
        resource_group: None,
        details_read: true,
    };
    r.details_read = !removal_needs_details(&r);
    Some(r)
}

/// Fills a removal's details from its YAML; `false` when the YAML says
/// nothing this reader understands (the details stay unread).
pub fn removal_details(r: &mut model::Removal, yaml: &wire::YamlDiff) -> bool {
    use super::audit_yaml;
    let old = yaml.old_yaml.as_deref().unwrap_or("");
    if r.action == "ROLE_ASSIGNMENT_DELETED" {
        let Some(a) = audit_yaml::deleted_assignment(old) else {
            return false;
        };
        r.removed = vec![a.identifier];
        r.role = a.role;
        r.resource_group = a.resource_group;
    } else {
        let new = yaml.new_yaml.as_deref().unwrap_or("");
        let Some(gone) = audit_yaml::removed_members(old, new) else {
            return false;
        };
        r.removed = gone;
    }
    r.details_read = true;
    true
}
