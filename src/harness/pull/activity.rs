//! Audit evidence over the activity window: logins and user additions.

use chrono::{DateTime, Utc};

use super::{AuditEvidence, PullError, Puller};
use crate::harness::client::{Client, Method};
use crate::harness::wire;
use crate::snapshot::{Scope, USER_ADDITIONS_LIST};

fn audit_key(e: &wire::AuditEvent) -> String {
    match &e.audit_id {
        Some(id) => id.clone(),
        None => format!(
            "{:?}/{:?}/{:?}",
            e.timestamp,
            e.action,
            e.authentication_info
                .as_ref()
                .and_then(|a| a.principal.as_ref())
                .and_then(|p| p.identifier.clone())
        ),
    }
}

impl Puller<'_> {
    /// Audit evidence over the window: logins, and users added to the
    /// account (`ADD_COLLABORATOR`), each its own filtered query so neither
    /// pages through the account's other events.
    pub(super) async fn activity(
        &self,
        window_start: DateTime<Utc>,
    ) -> Result<AuditEvidence, PullError> {
        let query = |actions: &[&str]| {
            let filter = wire::AuditFilter {
                filter_type: Some("Audit".into()),
                scopes: vec![wire::ScopeIds {
                    account_identifier: Some(self.client.config().account_id.clone()),
                    ..Default::default()
                }],
                actions: actions.iter().map(|a| a.to_string()).collect(),
                static_filter: None,
                start_time: Some(window_start.timestamp_millis()),
                end_time: Some(self.opts.activity_end.timestamp_millis()),
            };
            self.list::<wire::AuditEvent>(
                Method::Post,
                "/audit/api/audits/list",
                &Scope::Account,
                vec![],
                Some(Client::body(&filter)),
                audit_key,
            )
        };
        self.col.plan(2);
        let (logins, additions) =
            tokio::join!(query(&["LOGIN", "LOGIN2FA"]), query(&["ADD_COLLABORATOR"]));
        Ok(AuditEvidence {
            logins: self.col.take(
                "POST /audit/api/audits/list (logins)",
                &Scope::Account,
                logins,
            )?,
            additions: self
                .col
                .take(USER_ADDITIONS_LIST, &Scope::Account, additions)?,
        })
    }
}
