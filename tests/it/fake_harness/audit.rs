//! Audit events synthesised from `snapshot.activity`, filtered as
//! `POST /audit/api/audits/list` filters them.
//!
//! Each `logins` entry becomes `events` LOGIN events (the latest exactly at
//! `last_login`, the others one hour apart before it), built the way
//! Harness's `LoginEvent` handler builds them (README §9): principal and
//! resource identifier are the email, `userId` labels carry the uuid. Each
//! `joined` entry becomes one `ADD_COLLABORATOR` event at account scope, built
//! as `UserEventHandler.handleUserMembershipAddedEvent` builds it: the
//! resource is `{type: USER, identifier: <email>}` (no uuid), and an accepted
//! invite is published by the NextGen manager's service principal. Each
//! `removals` entry becomes the event its handler publishes
//! (docs/harness-behaviour.md E7 to E9): `ROLE_ASSIGNMENT_DELETED` on the
//! assignment's principal (`RoleAssignmentEventHandler.getAuditResource`),
//! `REMOVE_COLLABORATOR` on the user's email with no labels (the event
//! builds them and drops them), `DELETE` or `UPDATE` on the group, service
//! account, API key or token; [`yaml`] serves its details as
//! `GET /audit/api/auditYaml` does.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use reviewpack::harness::wire::{
    AuditEvent, AuditFilter, AuditPrincipal, AuditResource, AuthenticationInfo, YamlDiff,
};
use reviewpack::snapshot::{Removal, Snapshot};
use serde_json::Value;

use super::convert::{ms, scope_ids, to_value};

/// Actions `staticFilter: EXCLUDE_LOGIN_EVENTS` removes.
const LOGIN_ACTIONS: [&str; 3] = ["LOGIN", "LOGIN2FA", "UNSUCCESSFUL_LOGIN"];

/// The parts of the request body the fake honours.
#[derive(Debug, Default)]
pub struct Filter {
    pub wire: AuditFilter,
    /// `resources[{type, identifier}]`: any of them (`getResourceCriteria`).
    /// `principals[{type, identifier}]`, which the wire type does not model.
    pub principals: Vec<(Option<String>, Option<String>)>,
}

impl Filter {
    pub fn from_body(body: &Value) -> Result<Filter, String> {
        let wire: AuditFilter =
            serde_json::from_value(body.clone()).map_err(|e| format!("invalid filter: {e}"))?;
        let principals = body
            .get("principals")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
                        (s("type"), s("identifier"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Filter { wire, principals })
    }

    /// Whether an event on this resource passes the `resources` filter.
    pub fn keeps_resource(&self, kind: &str, identifier: &str) -> bool {
        self.wire.resources.is_empty()
            || self
                .wire
                .resources
                .iter()
                .any(|r| r.kind == kind && r.identifier.as_deref().is_none_or(|i| i == identifier))
    }

    /// Whether an event with this action, principal and time passes.
    pub fn keeps(&self, action: &str, kind: &str, principal: &str, at_ms: i64) -> bool {
        let f = &self.wire;
        if !f.actions.is_empty() && !f.actions.iter().any(|a| a == action) {
            return false;
        }
        match f.static_filter.as_deref() {
            Some("EXCLUDE_LOGIN_EVENTS") if LOGIN_ACTIONS.contains(&action) => return false,
            Some("EXCLUDE_SYSTEM_EVENTS") if kind == "SYSTEM" => return false,
            _ => {}
        }
        if f.start_time.is_some_and(|t| at_ms < t) || f.end_time.is_some_and(|t| at_ms > t) {
            return false;
        }
        if !self.principals.is_empty()
            && !self.principals.iter().any(|(t, i)| {
                t.as_deref().is_none_or(|t| t == kind)
                    && i.as_deref().is_none_or(|i| i == principal)
            })
        {
            return false;
        }
        true
    }
}

/// Every event the snapshot implies that passes `filter`, newest first
/// (ties by audit id), as wire JSON.
pub fn events(snap: &Snapshot, filter: &Filter) -> Vec<Value> {
    let account = &snap.account.id;
    let mut out: Vec<(i64, String, Value)> = Vec::new();
    let mut push = |ev: AuditEvent| {
        let mut v = to_value(&ev);
        if let Value::Object(m) = &mut v {
            m.insert(
                "resourceScope".into(),
                to_value(&scope_ids(account, &reviewpack::snapshot::Scope::Account)),
            );
        }
        out.push((
            ev.timestamp.unwrap_or_default(),
            ev.audit_id.clone().unwrap_or_default(),
            v,
        ));
    };

    for login in &snap.activity.logins {
        let user = snap.users.iter().find(|u| u.id == login.user);
        let email = user.map_or_else(|| login.user.0.clone(), |u| u.email.clone());
        let name = user.map_or_else(|| email.clone(), |u| u.name.clone());
        for k in 0..login.events.max(1) {
            let at = ms(login.last_login - TimeDelta::hours(i64::from(k)));
            if !filter.keeps("LOGIN", "USER", &email, at) || !filter.keeps_resource("USER", &email)
            {
                continue;
            }
            push(AuditEvent {
                audit_id: Some(format!("login-{}-{k}", login.user)),
                action: Some("LOGIN".into()),
                module: Some("CORE".into()),
                timestamp: Some(at),
                resource_scope: None,
                authentication_info: Some(AuthenticationInfo {
                    principal: Some(AuditPrincipal {
                        kind: Some("USER".into()),
                        identifier: Some(email.clone()),
                    }),
                    labels: Some(BTreeMap::from([
                        ("userId".to_string(), login.user.0.clone()),
                        ("username".to_string(), name.clone()),
                    ])),
                }),
                resource: Some(AuditResource {
                    kind: Some("USER".into()),
                    identifier: Some(email.clone()),
                    labels: Some(BTreeMap::from([
                        ("resourceName".to_string(), name.clone()),
                        ("userId".to_string(), login.user.0.clone()),
                    ])),
                }),
            });
        }
    }

    for j in &snap.activity.joined {
        let user = snap.users.iter().find(|u| u.id == j.user);
        let email = user.map_or_else(|| j.user.0.clone(), |u| u.email.clone());
        let name = user.map_or_else(|| email.clone(), |u| u.name.clone());
        let at = ms(j.at);
        if !filter.keeps("ADD_COLLABORATOR", "SERVICE", "ng-manager", at)
            || !filter.keeps_resource("USER", &email)
        {
            continue;
        }
        push(AuditEvent {
            audit_id: Some(format!("joined-{}", j.user)),
            action: Some("ADD_COLLABORATOR".into()),
            module: Some("CORE".into()),
            timestamp: Some(at),
            resource_scope: None,
            authentication_info: Some(AuthenticationInfo {
                principal: Some(AuditPrincipal {
                    kind: Some("SERVICE".into()),
                    identifier: Some("ng-manager".into()),
                }),
                labels: None,
            }),
            resource: Some(AuditResource {
                kind: Some("USER".into()),
                identifier: Some(email),
                labels: Some(BTreeMap::from([("resourceName".to_string(), name)])),
            }),
        });
    }

    for r in &snap.activity.removals {
        let at = ms(r.at);
        let (by_kind, by_id) = r.by.split_once(' ').unwrap_or(("", r.by.as_str()));
        if !filter.keeps(&r.action, by_kind, by_id, at)
            || !filter.keeps_resource(&r.resource_type, &r.resource)
        {
            continue;
        }
        let labels = removal_labels(snap, r);
        let mut v = to_value(&AuditEvent {
            audit_id: Some(r.audit_id.clone()),
            action: Some(r.action.clone()),
            module: Some("CORE".into()),
            timestamp: Some(at),
            resource_scope: None,
            authentication_info: Some(AuthenticationInfo {
                principal: (!r.by.is_empty()).then(|| AuditPrincipal {
                    kind: Some(by_kind.to_string()),
                    identifier: Some(by_id.to_string()),
                }),
                labels: None,
            }),
            resource: Some(AuditResource {
                kind: Some(r.resource_type.clone()),
                identifier: Some(r.resource.clone()),
                labels,
            }),
        });
        if let Value::Object(m) = &mut v {
            m.insert(
                "resourceScope".into(),
                to_value(&scope_ids(account, &r.scope)),
            );
        }
        out.push((at, r.audit_id.clone(), v));
    }

    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    out.into_iter().map(|(_, _, v)| v).collect()
}

/// The labels the server puts on a removal's resource: none on
/// `REMOVE_COLLABORATOR` (`RemoveCollaboratorEvent.getResource` builds them
/// and drops them), the name (and a user's uuid) elsewhere.
fn removal_labels(snap: &Snapshot, r: &Removal) -> Option<BTreeMap<String, String>> {
    if r.action == "REMOVE_COLLABORATOR" {
        return None;
    }
    let name = |n: &str| ("resourceName".to_string(), n.to_string());
    match r.resource_type.as_str() {
        "USER" => snap
            .users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(&r.resource))
            .map(|u| BTreeMap::from([name(&u.name), ("userId".to_string(), u.id.0.clone())])),
        "USER_GROUP" => snap
            .user_groups
            .iter()
            .find(|g| g.id.as_str() == r.resource)
            .map(|g| BTreeMap::from([name(&g.name)])),
        "SERVICE_ACCOUNT" => snap
            .service_accounts
            .iter()
            .find(|s| s.id.as_str() == r.resource)
            .map(|s| BTreeMap::from([name(&s.name)])),
        _ => Some(BTreeMap::from([name(&r.resource)])),
    }
}

/// `GET /audit/api/auditYaml?auditId=`: a removal's YAML before and after,
/// written as `NGYamlUtils.getYamlString` writes it (block style, sequences
/// at their key's indent, empty lists left out); `None` for an unknown id
/// or a removal whose details the snapshot does not hold.
pub fn yaml(snap: &Snapshot, audit_id: &str) -> Option<YamlDiff> {
    let r = snap
        .activity
        .removals
        .iter()
        .find(|r| r.audit_id == audit_id)?;
    if !r.details_read {
        return None;
    }
    match (r.action.as_str(), r.resource_type.as_str()) {
        ("ROLE_ASSIGNMENT_DELETED", kind) => {
            let id = r.removed.first()?;
            let principal = match kind {
                "USER" => snap
                    .users
                    .iter()
                    .find(|u| u.email.eq_ignore_ascii_case(&r.resource))
                    .map_or(r.resource.clone(), |u| u.id.0.clone()),
                _ => r.resource.clone(),
            };
            let mut y = format!("roleAssignment:\n  identifier: {id}\n");
            if let Some(rg) = &r.resource_group {
                y.push_str(&format!("  resourceGroupIdentifier: {rg}\n"));
            }
            if let Some(role) = &r.role {
                y.push_str(&format!("  roleIdentifier: {role}\n"));
            }
            y.push_str(&format!(
                "  principal:\n    identifier: {principal}\n    type: {kind}\n  disabled: false\n  managed: false\n  internal: false\n"
            ));
            Some(YamlDiff {
                old_yaml: Some(y),
                new_yaml: None,
            })
        }
        ("UPDATE", "USER_GROUP") => {
            let g = snap
                .user_groups
                .iter()
                .find(|g| g.id.as_str() == r.resource && g.scope == r.scope)?;
            let now: Vec<String> = g.members.iter().map(|u| u.0.clone()).collect();
            let mut before = now.clone();
            before.extend(r.removed.iter().cloned());
            let group = |users: &[String]| {
                let mut y = format!(
                    "userGroup:\n  accountIdentifier: {}\n  identifier: {}\n  name: \"{}\"\n",
                    snap.account.id,
                    g.id,
                    g.name.replace('\\', "\\\\").replace('"', "\\\"")
                );
                if !users.is_empty() {
                    y.push_str("  users:\n");
                    for u in users {
                        y.push_str(&format!("  - {u}\n"));
                    }
                }
                y.push_str("  externallyManaged: false\n  harnessManaged: false\n");
                y
            };
            Some(YamlDiff {
                old_yaml: Some(group(&before)),
                new_yaml: Some(group(&now)),
            })
        }
        _ => None,
    }
}
