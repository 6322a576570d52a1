//! Audit evidence over the activity window: logins, user additions, and
//! the removals a review's revocations are timed by.

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};

use super::{AuditEvidence, PullError, Puller};
use crate::harness::client::{Call, Client, Method};
use crate::harness::{convert, wire};
use crate::snapshot::{Removal, Scope, USER_ADDITIONS_LIST};

/// The list entries of the two removal queries.
pub const REMOVALS_LIST: &str = "POST /audit/api/audits/list (removals)";
/// See [`REMOVALS_LIST`].
pub const GROUP_CHANGES_LIST: &str =
    "POST /audit/api/audits/list (groups, service accounts, keys, tokens deleted or changed)";

/// At most this many events' details (one `GET /audit/api/auditYaml` each)
/// are read; the rest stay marked unread. A quarter's deleted assignments
/// and group changes in a large account are a few thousand.
pub const REMOVAL_DETAILS_MAX: usize = 5_000;
/// Details read at once.
const DETAIL_READS_AT_ONCE: usize = 8;

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
        let removals_since = self
            .opts
            .removals_since
            .map_or(window_start, |t| t.min(window_start));
        let query = |actions: &[&str], resources: &[&str], since: DateTime<Utc>| {
            let filter = wire::AuditFilter {
                filter_type: Some("Audit".into()),
                scopes: vec![wire::ScopeIds {
                    account_identifier: Some(self.client.config().account_id.clone()),
                    ..Default::default()
                }],
                actions: actions.iter().map(|a| a.to_string()).collect(),
                resources: resources
                    .iter()
                    .map(|k| wire::AuditResourceFilter {
                        kind: k.to_string(),
                        identifier: None,
                    })
                    .collect(),
                static_filter: None,
                start_time: Some(since.timestamp_millis()),
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
        self.col.plan(4);
        let (logins, additions, deleted, changed) = tokio::join!(
            query(&["LOGIN", "LOGIN2FA"], &[], window_start),
            query(&["ADD_COLLABORATOR"], &[], window_start),
            // A deleted role assignment is audited on its principal; a user
            // removed from a scope (or the account) on the user.
            query(
                &["ROLE_ASSIGNMENT_DELETED", "REMOVE_COLLABORATOR"],
                &[],
                removals_since
            ),
            // Group membership changes are group updates.
            query(
                &["DELETE", "UPDATE"],
                &convert::REMOVAL_RESOURCE_TYPES,
                removals_since
            ),
        );
        let deleted = self.col.take(REMOVALS_LIST, &Scope::Account, deleted)?;
        let changed = self
            .col
            .take(GROUP_CHANGES_LIST, &Scope::Account, changed)?;
        let removals = self
            .removal_details(deleted.iter().chain(&changed).filter_map(convert::removal))
            .await;
        Ok(AuditEvidence {
            removals_since,
            removals,
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

impl Puller<'_> {
    /// Reads the details of the removals that need them (which assignment
    /// a deletion removed, which members a group update removed), at most
    /// [`REMOVAL_DETAILS_MAX`], newest first; a group update that removed
    /// nobody is dropped. What cannot be read stays marked unread, and one
    /// notice says how many and why.
    async fn removal_details(&self, found: impl Iterator<Item = Removal>) -> Vec<Removal> {
        let mut found: Vec<Removal> = found.collect();
        found.sort_by(|a, b| (b.at, &b.audit_id).cmp(&(a.at, &a.audit_id)));
        let wanted: Vec<usize> = found
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.details_read && !r.audit_id.is_empty())
            .map(|(i, _)| i)
            .collect();
        let skipped = wanted.len().saturating_sub(REMOVAL_DETAILS_MAX);
        let answers: Vec<(usize, Result<wire::YamlDiff, String>)> =
            stream::iter(wanted.into_iter().take(REMOVAL_DETAILS_MAX))
                .map(|i| {
                    let id = found[i].audit_id.clone();
                    async move {
                        let call = Call {
                            method: Method::Get,
                            path: "/audit/api/auditYaml",
                            scope: &Scope::Account,
                            query: vec![("auditId", id)],
                            body: None,
                        };
                        let r = self.client.call::<wire::YamlDiff>(&call).await;
                        (i, r.map(|(y, _)| y).map_err(|e| e.cause.to_string()))
                    }
                })
                .buffer_unordered(DETAIL_READS_AT_ONCE)
                .collect()
                .await;
        let mut failed = 0usize;
        let mut first_error = None;
        for (i, answer) in answers {
            let understood = match answer {
                Ok(yaml) => convert::removal_details(&mut found[i], &yaml),
                Err(e) => {
                    first_error.get_or_insert(e);
                    false
                }
            };
            if !understood {
                failed += 1;
            }
        }
        if failed + skipped > 0 {
            let why = match (&first_error, skipped) {
                (Some(e), _) => format!("first error: {e}"),
                (None, 0) => "their YAML was not in the form Harness writes".into(),
                (None, _) => format!("only the newest {REMOVAL_DETAILS_MAX} are read"),
            };
            self.col.notice(&format!(
                "the details of {} audited removal(s) (which assignment was deleted, which members a group update removed) were not read ({why}); they are kept marked details_read: false, and a review's revocations they might time are reported as not timed",
                failed + skipped
            ));
        }
        // A group update that removed nobody is not a removal.
        found.retain(|r| !(r.details_read && r.action == "UPDATE" && r.removed.is_empty()));
        found
    }
}
