//! `pull`: every access-control object at every scope, into a snapshot.
//!
//! One function per phase, each returning typed objects:
//! [`Puller::caller`] and [`Puller::account`] (who pulls, which account);
//! [`Puller::scopes`] (orgs, then each org's projects), each preceded by
//! Harness's access check ([`super::access`]: the lists that narrow
//! silently are not read for a key lacking their view); then, at every scope
//! at once (bounded by the client's concurrency and rate limit),
//! [`Puller::principals`] (users and their memberships, groups, service
//! accounts), [`Puller::access_objects`] (roles, resource groups, the
//! permission catalogue), [`Puller::assignments`], [`Puller::activity`]
//! (audit logins and user additions) and [`Puller::scim`]; then
//! [`Puller::hidden_roles`] asks the server for the roles assignments name
//! that the role lists did not return, and [`Puller::credentials`] lists the
//! service accounts' API keys and their tokens.
//!
//! Harness lists most objects one exact scope at a time, so most lists are
//! read at the account, each org and each project. Where the server lists a
//! scope and all its children in one paged call whose items name their own
//! scope (projects of every org, user groups of every scope:
//! docs/harness-behaviour.md U3, U7), [`Puller::across`] reads that one list
//! instead, and falls back to one list per scope when the server refuses it
//! or its answer cannot account for every scope. Role assignments, roles,
//! resource groups, service accounts and memberships have no such list the
//! pull can use (A7, O7, R7, K5, U9).
//!
//! The phases are one file each (`scopes.rs`, `principals.rs`,
//! `access_objects.rs`, `assignments.rs`, `activity.rs`, `scim.rs`,
//! `credentials.rs`), each an `impl Puller` returning its own typed result;
//! this file holds those result types and [`pull_with_scim`], which runs
//! the phases. `preflight.rs` asks the access check, `across.rs` reads the
//! lists that span child scopes and `collect.rs` keeps the accounting.
//!
//! Every list is accounted for in a [`Collector`]: a list that failed or did
//! not add up makes the pull fail unless partial snapshots are allowed, and
//! then the snapshot says so. What the key may not read at all (API keys and
//! tokens need `core_serviceaccount_manageapikey`, which Account Viewer lacks)
//! is not a failure: it is recorded in `completeness.unread`, and the rules
//! that need it are reported as not evaluated.

mod access_objects;
mod across;
mod activity;
mod assignments;
mod collect;
mod credentials;
mod preflight;
mod principals;
mod scim;
mod scopes;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use serde::de::DeserializeOwned;

use super::access;
use super::client::{ApiError, Call, Client, Method};
use super::convert;
use super::paging::{list_paged, Listed};
use super::wire;
use crate::snapshot::{
    Activity, Caller, Completeness, ListCompleteness, Permission, Provenance, ResourceGroup, Role,
    Scope, ServiceAccount, Snapshot, User, UserGroup, FORMAT, VERSION,
};
use collect::{Accounts, Collector};
use preflight::Access;

pub use access_objects::PERMISSIONS_PATH;
pub use credentials::MANAGE_API_KEY;
pub use principals::GROUPS_OF_EVERY_SCOPE;
pub use scim::scim_path;

/// What the pull needs besides the client.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Days of audit evidence to read.
    pub activity_days: u32,
    /// The end of the activity window (normally now).
    pub activity_end: DateTime<Utc>,
    /// Where to search the audit trail for removals from, when earlier
    /// than the activity window's start (the previous snapshot's capture).
    pub removals_since: Option<DateTime<Utc>>,
    /// Keep going past failed or incomplete lists, marking the snapshot.
    pub allow_partial: bool,
    /// Write a snapshot whose completeness cannot be vouched for (the
    /// access check unusable), marking it UNVERIFIED.
    pub allow_unverified: bool,
    /// The command line with secrets removed, for provenance.
    pub command_line: Vec<String>,
    /// Read user groups and projects one scope at a time even where Harness
    /// lists every child scope in one call (as older servers need; the pull
    /// also falls back by itself when the server refuses the one call).
    pub per_scope_lists: bool,
}

/// Why a pull produced no snapshot.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// An API call failed after its retries.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// Some lists did not add up (only without `--allow-partial`).
    #[error("the pull is incomplete, so no snapshot was written: {}; run again, or pass --allow-partial to write a snapshot marked INCOMPLETE", describe_incomplete(.0))]
    Incomplete(Vec<ListCompleteness>),
    /// Harness's access check could not be used and some lists it would
    /// vouch for cannot be vouched for otherwise (only without
    /// `--allow-unverified` or `--allow-partial`).
    #[error("the pull cannot vouch that it read every {}, so no snapshot was written: Harness's access check (POST /authz/api/acl) could not be used, and Harness leaves out what a key may not view without an error. {}. Run `reviewpack check` to see what the key may read, give the key Account Viewer on _all_resources_including_child_scopes (or make the access check reachable), or pass --allow-unverified to write a snapshot marked UNVERIFIED", unverified_what(.0), describe_unverified(.0))]
    Unverified(Vec<ListCompleteness>),
    /// Harness's access check said the key lacks permissions the lists need
    /// (only without `--allow-partial`): each with the scopes it lacks it at.
    #[error("{}", preflight::describe_missing(.0))]
    MissingPermissions(Vec<(&'static access::Needed, Vec<Scope>)>),
}

impl From<ApiError> for PullError {
    fn from(e: ApiError) -> Self {
        PullError::Api(Box::new(e))
    }
}

fn unverified_what(lists: &[ListCompleteness]) -> String {
    let mut what: Vec<&str> = lists
        .iter()
        .map(|l| match l.endpoint.as_str() {
            "GET /ng/api/organizations" => "org",
            "GET /ng/api/projects" => "project",
            "GET /ng/api/serviceaccount/aggregate" => "service account",
            "POST /authz/api/roleassignments/filter" => "role assignment",
            _ => "user group",
        })
        .collect();
    what.sort_unstable();
    what.dedup();
    what.join(", ")
}

fn describe_unverified(lists: &[ListCompleteness]) -> String {
    let mut parts: Vec<String> = lists
        .iter()
        .take(5)
        .map(|l| format!("{} at {}", l.endpoint, l.scope))
        .collect();
    if lists.len() > 5 {
        parts.push(format!("and {} more", lists.len() - 5));
    }
    format!(
        "Not vouched for: {}; {}",
        parts.join(", "),
        lists
            .first()
            .and_then(|l| l.unverified.as_deref())
            .unwrap_or_default()
    )
}

fn describe_incomplete(lists: &[ListCompleteness]) -> String {
    let mut parts: Vec<String> = lists
        .iter()
        .take(5)
        .map(|l| {
            format!(
                "{} at {}: {}",
                l.endpoint,
                l.scope,
                l.note.as_deref().unwrap_or("incomplete")
            )
        })
        .collect();
    if lists.len() > 5 {
        parts.push(format!("and {} more", lists.len() - 5));
    }
    parts.join("; ")
}

/// Progress reporting: called as lists finish.
pub trait Progress: Send + Sync {
    /// `done` of `planned` lists finished; the client's counters.
    fn update(&self, done: usize, planned: usize, requests: u64, retries: u64, throttled_ms: u64);

    /// Something the person pulling should know once, such as a list read
    /// another way than planned. The text may quote the server: print it
    /// made safe for a terminal.
    fn notice(&self, _message: &str) {}
}

/// No progress output.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: usize, _: usize, _: u64, _: u64, _: u64) {}
}

/// The account's users, with the scopes they belong to, its groups and its
/// service accounts.
struct Principals {
    users: Vec<User>,
    user_groups: Vec<UserGroup>,
    service_accounts: Vec<ServiceAccount>,
}

/// Roles, resource groups and the permission catalogue.
struct AccessObjects {
    roles: Vec<Role>,
    resource_groups: Vec<ResourceGroup>,
    permissions: Vec<Permission>,
}

/// The audit events the snapshot's activity is made from.
struct AuditEvidence {
    logins: Vec<wire::AuditEvent>,
    additions: Vec<wire::AuditEvent>,
    /// Where removals were searched from.
    removals_since: DateTime<Utc>,
    /// Audited removals, with their details where read.
    removals: Vec<crate::snapshot::Removal>,
}

/// One pull: the client, the accounting and the options.
struct Puller<'a> {
    client: &'a Client,
    col: &'a Collector<'a>,
    opts: &'a PullOptions,
}

impl Puller<'_> {
    /// Reads every page of a list.
    async fn list<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        scope: &Scope,
        query: Vec<(&'static str, String)>,
        body: Option<serde_json::Value>,
        key: fn(&T) -> String,
    ) -> Result<Listed<T>, ApiError> {
        let call = Call {
            method,
            path,
            scope,
            query,
            body,
        };
        list_paged(self.client, &call, key).await
    }

    /// Runs `f` at every scope at once; the results keep the scopes' order.
    async fn at_each<T, F, Fut>(&self, scopes: &[Scope], f: F) -> Vec<(Scope, T)>
    where
        F: Fn(Scope) -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        self.col.plan(scopes.len());
        join_all(scopes.iter().map(|s| {
            let fut = f(s.clone());
            async move { (s.clone(), fut.await) }
        }))
        .await
    }
}

/// Pulls the whole account (without SCIM).
pub async fn pull(
    client: Arc<Client>,
    opts: &PullOptions,
    progress: &dyn Progress,
) -> Result<Snapshot, PullError> {
    pull_with_scim(client, opts, false, progress).await
}

/// Pulls the whole account; with `scim`, also the account's SCIM Users and
/// Groups into the snapshot's `scim` section.
pub async fn pull_with_scim(
    client: Arc<Client>,
    opts: &PullOptions,
    scim: bool,
    progress: &dyn Progress,
) -> Result<Snapshot, PullError> {
    let started_at = Utc::now();
    let col = Collector {
        allow_partial: opts.allow_partial,
        progress,
        client: &client,
        state: Mutex::new(Accounts::default()),
    };
    let p = Puller {
        client: &client,
        col: &col,
        opts,
    };

    let mut caller = p.caller().await?;
    // What the key may read, before the lists that would narrow silently.
    let mut acl = Access::default();
    let account_id = client.config().account_id.clone();
    p.check_access(&mut acl, access::at_account(&account_id))
        .await?;
    p.stop_if_missing(&acl, false)?;
    let account = p.account(&acl.grants).await;
    let (orgs, projects) = p.scopes().await?;
    let org_scopes: Vec<Scope> = orgs.iter().map(|o| Scope::Org(o.id.clone())).collect();
    let mut scopes = vec![Scope::Account];
    scopes.extend(org_scopes.iter().cloned());
    scopes.extend(projects.iter().map(|p| p.scope()));
    p.check_access(&mut acl, access::below_account(&account_id, &scopes))
        .await?;
    p.stop_if_missing(&acl, true)?;

    let window_start = opts.activity_end - chrono::Duration::days(i64::from(opts.activity_days));
    let (principals, mut access, assignments, audit, scim) = tokio::try_join!(
        p.principals(
            &scopes,
            acl.grants.allows("core_usergroup_view", &Scope::Account)
        ),
        p.access_objects(&scopes),
        p.assignments(&scopes),
        p.activity(window_start),
        p.scim(scim),
    )?;
    let found = p.hidden_roles(&access.roles, &assignments).await?;
    access.roles.extend(found);
    let (api_keys, tokens) = p
        .credentials(&principals.service_accounts, &scopes, &acl)
        .await?;

    // A service-account key runs as the service account owning its token:
    // Harness names it to the key itself (`POST /ng/api/token/validate`,
    // no permission needed; docs/harness-behaviour.md T1). A key's third
    // part is its token's internal id, which the token lists do not show
    // (T3), so matching it against them is only the fallback of a server
    // without that endpoint.
    if caller.is_none()
        && client
            .key()
            .and_then(|k| k.service_account_token_id())
            .is_some()
    {
        if let Ok((t, _)) = client.validate_own_key().await {
            let scope = Scope::from_identifiers(
                t.org_identifier.as_deref(),
                t.project_identifier.as_deref(),
            );
            caller =
                match (t.api_key_type.as_deref(), t.parent_identifier, scope) {
                    (Some("SERVICE_ACCOUNT"), Some(parent), Some(scope)) => Some(match principals
                        .service_accounts
                        .iter()
                        .find(|s| s.scope == scope && s.id.as_str() == parent)
                    {
                        Some(s) => Caller {
                            kind: "service_account".into(),
                            id: format!("sa:{}/{}", s.scope, s.id),
                            name: Some(s.name.clone()),
                            email: s.email.clone(),
                            token_id: None,
                        },
                        // Not listed (a key may not view its own service
                        // account): named by Harness's answer alone.
                        None => Caller {
                            kind: "service_account".into(),
                            id: format!("sa:{scope}/{parent}"),
                            name: None,
                            email: None,
                            token_id: None,
                        },
                    }),
                    _ => None,
                };
        }
    }
    if caller.is_none() {
        if let Some(token_id) = client.key().and_then(|k| k.service_account_token_id()) {
            caller = tokens
                .iter()
                .find(|t| t.id.as_str() == token_id)
                .and_then(|t| {
                    principals
                        .service_accounts
                        .iter()
                        .find(|s| s.scope == t.scope && s.id.as_str() == t.parent)
                })
                .map(|s| Caller {
                    kind: "service_account".into(),
                    id: format!("sa:{}/{}", s.scope, s.id),
                    name: Some(s.name.clone()),
                    email: s.email.clone(),
                    token_id: None,
                });
        }
    }
    // Which token the pull ran with: its identifier, never its secret.
    if let (Some(c), Some(token)) = (caller.as_mut(), client.key().and_then(|k| k.token_id())) {
        c.token_id = Some(token.to_string());
    }

    let mut accounts = col.state.into_inner().unwrap_or_else(|e| e.into_inner());
    preflight::mark_narrowed(&mut accounts.lists, &acl.grants, &org_scopes);
    let logins = convert::logins(&audit.logins, &principals.users);
    let joined = convert::joined(&audit.additions, &principals.users);
    let mut snap = Snapshot {
        format: FORMAT.to_string(),
        version: VERSION,
        provenance: Provenance {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            base_url: client.config().base_url.clone(),
            account_id: client.config().account_id.clone(),
            caller,
            started_at,
            finished_at: Utc::now(),
            command_line: opts.command_line.clone(),
            note: None,
            redirects: client.redirects(),
        },
        completeness: Completeness {
            complete: accounts.lists.iter().all(|l| l.complete),
            lists: accounts.lists,
            unread: accounts.unread,
        },
        account,
        orgs,
        projects,
        users: principals.users,
        user_groups: principals.user_groups,
        service_accounts: principals.service_accounts,
        api_keys,
        tokens,
        roles: access.roles,
        permissions: access.permissions,
        resource_groups: access.resource_groups,
        role_assignments: assignments,
        activity: Activity {
            window_days: opts.activity_days,
            window_start,
            window_end: opts.activity_end,
            logins,
            joined,
            legacy_changes: Default::default(),
            removals_since: Some(audit.removals_since),
            removals: audit.removals,
        },
        scim,
    };
    snap.normalize();
    // Without the access check, what else vouches for the lists Harness
    // narrows silently.
    if !acl.usable() {
        preflight::vouch(&mut snap, &org_scopes);
    }

    if !snap.completeness.complete && !opts.allow_partial {
        let bad = snap
            .completeness
            .lists
            .iter()
            .filter(|l| !l.complete)
            .cloned()
            .collect();
        return Err(PullError::Incomplete(bad));
    }
    let unverified: Vec<ListCompleteness> = snap
        .completeness
        .lists
        .iter()
        .filter(|l| l.unverified.is_some())
        .cloned()
        .collect();
    if !unverified.is_empty() && !opts.allow_partial && !opts.allow_unverified {
        return Err(PullError::Unverified(unverified));
    }
    Ok(snap)
}
