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
//! invite is published by the NextGen manager's service principal.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use reviewpack::harness::wire::{
    AuditEvent, AuditFilter, AuditPrincipal, AuditResource, AuthenticationInfo,
};
use reviewpack::snapshot::Snapshot;
use serde_json::Value;

use super::convert::{ms, scope_ids, to_value};

/// Actions `staticFilter: EXCLUDE_LOGIN_EVENTS` removes.
const LOGIN_ACTIONS: [&str; 3] = ["LOGIN", "LOGIN2FA", "UNSUCCESSFUL_LOGIN"];

/// The parts of the request body the fake honours.
#[derive(Debug, Default)]
pub struct Filter {
    pub wire: AuditFilter,
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
            if !filter.keeps("LOGIN", "USER", &email, at) {
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
        if !filter.keeps("ADD_COLLABORATOR", "SERVICE", "ng-manager", at) {
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

    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    out.into_iter().map(|(_, _, v)| v).collect()
}
