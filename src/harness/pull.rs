//! `pull`: every access-control object at every scope, into a snapshot.
//!
//! Order: the caller's identity; orgs, then each org's projects; then, at
//! every scope at once (bounded by the client's concurrency and rate limit),
//! users, group, service accounts, roles, resource groups and role
//! assignments, with the permission catalogue and the audit evidence; then
//! each service account's API keys and each key's tokens. Every list is
//! accounted for; a list that failed or did not add up makes the pull fail
//! unless partial snapshots are allowed, and then the snapshot says so.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use tokio::task::JoinSet;

use super::client::{ApiError, ApiErrorCause, Call, Client, Method};
use super::convert;
use super::paging::{list_paged, list_scim, list_unpaged, Listed};
use super::wire;
use crate::snapshot::{
    Account, Activity, Caller, Completeness, ListCompleteness, Provenance, Scim, Scope, Snapshot,
    UserId, FORMAT, VERSION,
};

/// Where resource groups are listed on most installations.
const RG_PATH: &str = "/resourcegroup/api/v2/resourcegroup";
/// Where some installations list them instead.
const RG_PATH_AUTHZ: &str = "/authz/api/v2/resourcegroup";

/// What the pull needs besides the client.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Days of audit evidence to read.
    pub activity_days: u32,
    /// The end of the activity window (normally now).
    pub activity_end: DateTime<Utc>,
    /// Keep going past failed or incomplete lists, marking the snapshot.
    pub allow_partial: bool,
    /// The command line with secrets removed, for provenance.
    pub command_line: Vec<String>,
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
}

impl From<ApiError> for PullError {
    fn from(e: ApiError) -> Self {
        PullError::Api(Box::new(e))
    }
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
}

/// No progress output.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: usize, _: usize, _: u64, _: u64, _: u64) {}
}

enum Part {
    Users(Result<Listed<wire::UserMetadata>, ApiError>),
    Members(Scope, Result<Listed<wire::UserAggregate>, ApiError>),
    Groups(Scope, Result<Listed<wire::UserGroup>, ApiError>),
    ServiceAccounts(
        Scope,
        Result<Listed<wire::ServiceAccountAggregate>, ApiError>,
    ),
    Roles(Scope, Result<Listed<wire::RoleResponse>, ApiError>),
    ResourceGroups(Scope, Result<Listed<wire::ResourceGroupResponse>, ApiError>),
    Assignments(
        Scope,
        Result<Listed<wire::RoleAssignmentResponse>, ApiError>,
    ),
    Permissions(Result<Listed<wire::PermissionResponse>, ApiError>),
    ScimUsers(Result<Listed<wire::ScimUser>, ApiError>),
    ScimGroups(Result<Listed<wire::ScimGroup>, ApiError>),
    Logins(Result<Listed<wire::AuditEvent>, ApiError>),
    Changes(Result<Listed<wire::AuditEvent>, ApiError>),
    ApiKeys(
        Scope,
        String,
        Result<Listed<wire::ApiKeyAggregate>, ApiError>,
    ),
    Tokens(
        Scope,
        String,
        String,
        Result<Listed<wire::TokenAggregate>, ApiError>,
    ),
}

async fn paged<T: DeserializeOwned>(
    client: &Client,
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
    list_paged(client, &call, key).await
}

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

/// Collects results, keeping the accounting and deciding what a failure means.
struct Collector<'a> {
    allow_partial: bool,
    lists: Vec<ListCompleteness>,
    done: usize,
    planned: usize,
    progress: &'a dyn Progress,
    client: &'a Client,
}

impl Collector<'_> {
    fn take<T>(
        &mut self,
        endpoint: &str,
        scope: &Scope,
        r: Result<Listed<T>, ApiError>,
    ) -> Result<Vec<T>, PullError> {
        self.done += 1;
        self.progress.update(
            self.done,
            self.planned,
            self.client.stats.requests.load(Ordering::Relaxed),
            self.client.stats.retries.load(Ordering::Relaxed),
            self.client.stats.throttled_ms.load(Ordering::Relaxed),
        );
        match r {
            Ok(mut l) => {
                // The label names the list (audit query, parent key) where
                // the endpoint alone would be ambiguous.
                l.accounting.endpoint = endpoint.to_string();
                l.accounting.scope = scope.clone();
                self.lists.push(l.accounting);
                Ok(l.items)
            }
            Err(e) if self.allow_partial => {
                self.lists.push(ListCompleteness {
                    endpoint: endpoint.to_string(),
                    scope: scope.clone(),
                    total_items: None,
                    stored: 0,
                    pages: 0,
                    retries: 0,
                    complete: false,
                    note: Some(e.cause.to_string()),
                });
                Ok(Vec::new())
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The SCIM base path of an account.
pub fn scim_path(account: &str, resource: &str) -> String {
    format!("/ng/api/scim/account/{account}/{resource}")
}

/// Lists a SCIM resource; a 403 or 404 becomes "SCIM is not enabled or the
/// credential may not read it".
async fn scim_list<T: DeserializeOwned>(
    client: &Client,
    resource: &str,
    key: fn(&T) -> String,
) -> Result<Listed<T>, ApiError> {
    let path = scim_path(&client.config().account_id, resource);
    let call = Call {
        method: Method::Get,
        path: &path,
        scope: &Scope::Account,
        query: vec![],
        body: None,
    };
    list_scim(client, &call, key).await.map_err(|mut e| {
        if matches!(e.cause.status(), Some(403 | 404)) {
            e.cause = ApiErrorCause::ScimUnavailable {
                cause: Box::new(e.cause),
            };
        }
        e
    })
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
    let account = Scope::Account;
    let mut col = Collector {
        allow_partial: opts.allow_partial,
        lists: Vec::new(),
        done: 0,
        planned: 2,
        progress,
        client: &client,
    };

    // Who is pulling. A 401 here means a bad key: stop now with that message.
    let current_user = Call {
        method: Method::Get,
        path: "/ng/api/user/currentUser",
        scope: &account,
        query: vec![],
        body: None,
    };
    let mut caller = match client.call::<wire::UserInfo>(&current_user).await {
        Ok((u, _)) => u.uuid.map(|id| Caller {
            kind: "user".into(),
            id,
            name: u.name,
            email: u.email,
        }),
        Err(e) if matches!(e.cause.status(), Some(401)) => return Err(e.into()),
        Err(e)
            if matches!(
                &e.cause,
                ApiErrorCause::Transport { .. } | ApiErrorCause::GaveUp { .. }
            ) =>
        {
            return Err(e.into())
        }
        Err(_) => None,
    };

    // Scopes.
    let orgs_r = paged::<wire::OrganizationResponse>(
        &client,
        Method::Get,
        "/ng/api/organizations",
        &account,
        vec![],
        None,
        |o| o.organization.identifier.clone(),
    )
    .await;
    let orgs: Vec<_> = col
        .take("GET /ng/api/organizations", &account, orgs_r)?
        .into_iter()
        .map(convert::org)
        .collect();
    col.planned += orgs.len();
    let mut set = JoinSet::new();
    for o in &orgs {
        let c = client.clone();
        let org_scope = Scope::Org(o.id.clone());
        let org_id = o.id.clone();
        set.spawn(async move {
            let r = paged::<wire::ProjectResponse>(
                &c,
                Method::Get,
                "/ng/api/projects",
                &Scope::Account,
                vec![("orgIdentifier", org_id.clone())],
                None,
                |p| p.project.identifier.clone(),
            )
            .await;
            (org_scope, org_id, r)
        });
    }
    let mut projects = Vec::new();
    while let Some(joined) = set.join_next().await {
        let (org_scope, org_id, r) = joined.expect("project task does not panic");
        for p in col.take("GET /ng/api/projects", &org_scope, r)? {
            projects.push(convert::project(&org_id, p));
        }
    }
    projects.sort_by(|a, b| (&a.org, &a.id).cmp(&(&b.org, &b.id)));

    let mut scopes = vec![Scope::Account];
    scopes.extend(orgs.iter().map(|o| Scope::Org(o.id.clone())));
    scopes.extend(projects.iter().map(|p| p.scope()));

    // Everything per scope, at once.
    let window_start = opts.activity_end - chrono::Duration::days(i64::from(opts.activity_days));
    let mut set = JoinSet::new();
    {
        let c = client.clone();
        set.spawn(async move {
            Part::Users(
                paged(
                    &c,
                    Method::Post,
                    "/ng/api/user/batch",
                    &Scope::Account,
                    vec![],
                    Some(serde_json::json!({})),
                    |u: &wire::UserMetadata| u.uuid.clone(),
                )
                .await,
            )
        });
        let c = client.clone();
        set.spawn(async move {
            let call = Call {
                method: Method::Get,
                path: "/authz/api/permissions",
                scope: &Scope::Account,
                query: vec![],
                body: None,
            };
            Part::Permissions(list_unpaged(&c, &call).await)
        });
        for logins in [true, false] {
            let c = client.clone();
            let filter = wire::AuditFilter {
                filter_type: Some("Audit".into()),
                scopes: vec![wire::ScopeIds {
                    account_identifier: Some(c.config().account_id.clone()),
                    ..Default::default()
                }],
                actions: if logins {
                    vec!["LOGIN".into(), "LOGIN2FA".into()]
                } else {
                    vec![]
                },
                static_filter: (!logins).then(|| "EXCLUDE_LOGIN_EVENTS".into()),
                start_time: Some(window_start.timestamp_millis()),
                end_time: Some(opts.activity_end.timestamp_millis()),
            };
            set.spawn(async move {
                let r = paged(
                    &c,
                    Method::Post,
                    "/audit/api/audits/list",
                    &Scope::Account,
                    vec![],
                    Some(Client::body(&filter)),
                    audit_key,
                )
                .await;
                if logins {
                    Part::Logins(r)
                } else {
                    Part::Changes(r)
                }
            });
        }
        col.planned += 4;
        if scim {
            let c = client.clone();
            set.spawn(async move {
                Part::ScimUsers(
                    scim_list(&c, "Users", |u: &wire::ScimUser| {
                        u.id.clone().unwrap_or_default()
                    })
                    .await,
                )
            });
            let c = client.clone();
            set.spawn(async move {
                Part::ScimGroups(
                    scim_list(&c, "Groups", |g: &wire::ScimGroup| {
                        g.id.clone().unwrap_or_default()
                    })
                    .await,
                )
            });
            col.planned += 2;
        }
    }
    let rg_under_authz = Arc::new(std::sync::atomic::AtomicBool::new(false));
    for scope in &scopes {
        macro_rules! spawn_list {
            ($variant:ident, $method:expr, $path:expr, $body:expr, $key:expr) => {{
                let c = client.clone();
                let s = scope.clone();
                set.spawn(async move {
                    let r = paged(&c, $method, $path, &s, vec![], $body, $key).await;
                    Part::$variant(s, r)
                });
                col.planned += 1;
            }};
        }
        if *scope != Scope::Account {
            spawn_list!(
                Members,
                Method::Post,
                "/ng/api/user/aggregate",
                Some(serde_json::json!({})),
                |u: &wire::UserAggregate| u.user.uuid.clone()
            );
        }
        spawn_list!(
            Groups,
            Method::Get,
            "/ng/api/user-groups",
            None,
            |g: &wire::UserGroup| g.identifier.clone()
        );
        spawn_list!(
            ServiceAccounts,
            Method::Get,
            "/ng/api/serviceaccount/aggregate",
            None,
            |s: &wire::ServiceAccountAggregate| s.service_account.identifier.clone()
        );
        spawn_list!(
            Roles,
            Method::Get,
            "/authz/api/roles",
            None,
            |r: &wire::RoleResponse| r.role.identifier.clone()
        );
        {
            // Resource groups live under /resourcegroup on most installations
            // and under /authz on some; after one 404 use the other for
            // every scope.
            let c = client.clone();
            let s = scope.clone();
            let use_authz = rg_under_authz.clone();
            set.spawn(async move {
                let key = |r: &wire::ResourceGroupResponse| r.resource_group.identifier.clone();
                let list = |path: &'static str| {
                    let (c, s) = (c.clone(), s.clone());
                    async move { paged(&c, Method::Get, path, &s, vec![], None, key).await }
                };
                let r = if use_authz.load(Ordering::Relaxed) {
                    list(RG_PATH_AUTHZ).await
                } else {
                    match list(RG_PATH).await {
                        Err(e) if e.cause.status() == Some(404) => {
                            use_authz.store(true, Ordering::Relaxed);
                            list(RG_PATH_AUTHZ).await
                        }
                        other => other,
                    }
                };
                Part::ResourceGroups(s, r)
            });
            col.planned += 1;
        }
        spawn_list!(
            Assignments,
            Method::Post,
            "/authz/api/roleassignments/filter",
            Some(serde_json::json!({})),
            |r: &wire::RoleAssignmentResponse| r.role_assignment.identifier.clone()
        );
    }

    let mut snap = Snapshot {
        format: FORMAT.to_string(),
        version: VERSION,
        provenance: Provenance {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            base_url: client.config().base_url.clone(),
            account_id: client.config().account_id.clone(),
            caller: None,
            started_at,
            finished_at: started_at,
            command_line: opts.command_line.clone(),
            note: None,
        },
        completeness: Completeness {
            complete: true,
            lists: Vec::new(),
        },
        account: Account {
            id: client.config().account_id.clone(),
            name: None,
        },
        orgs,
        projects,
        users: Vec::new(),
        user_groups: Vec::new(),
        service_accounts: Vec::new(),
        api_keys: Vec::new(),
        tokens: Vec::new(),
        roles: Vec::new(),
        permissions: Vec::new(),
        resource_groups: Vec::new(),
        role_assignments: Vec::new(),
        activity: Activity {
            window_days: opts.activity_days,
            window_start,
            window_end: opts.activity_end,
            logins: Vec::new(),
            changes: Vec::new(),
        },
        scim: scim.then(Scim::default),
    };
    let mut memberships: Vec<(Scope, Vec<wire::UserAggregate>)> = Vec::new();
    let mut login_events = Vec::new();
    let mut change_events = Vec::new();
    let mut key_set = JoinSet::new();
    while let Some(joined) = set.join_next().await {
        match joined.expect("list task does not panic") {
            Part::Users(r) => {
                let items = col.take("POST /ng/api/user/batch", &Scope::Account, r)?;
                snap.users.extend(items.into_iter().map(convert::user));
            }
            Part::Members(s, r) => {
                let items = col.take("POST /ng/api/user/aggregate", &s, r)?;
                memberships.push((s, items));
            }
            Part::Groups(s, r) => {
                let items = col.take("GET /ng/api/user-groups", &s, r)?;
                snap.user_groups
                    .extend(items.into_iter().map(|g| convert::user_group(&s, g)));
            }
            Part::ServiceAccounts(s, r) => {
                let items = col.take("GET /ng/api/serviceaccount/aggregate", &s, r)?;
                for sa in items {
                    let m = convert::service_account(&s, sa);
                    let c = client.clone();
                    let scope = s.clone();
                    let parent = m.id.to_string();
                    col.planned += 1;
                    key_set.spawn(async move {
                        let r = paged(
                            &c,
                            Method::Get,
                            "/ng/api/apikey/aggregate",
                            &scope,
                            vec![
                                ("apiKeyType", "SERVICE_ACCOUNT".to_string()),
                                ("parentIdentifier", parent.clone()),
                            ],
                            None,
                            |k: &wire::ApiKeyAggregate| k.api_key.identifier.clone(),
                        )
                        .await;
                        Part::ApiKeys(scope, parent, r)
                    });
                    snap.service_accounts.push(m);
                }
            }
            Part::Roles(s, r) => {
                let items = col.take("GET /authz/api/roles", &s, r)?;
                snap.roles
                    .extend(items.into_iter().map(|x| convert::role(&s, x)));
            }
            Part::ResourceGroups(s, r) => {
                let label = match &r {
                    Ok(l) => l.accounting.endpoint.clone(),
                    Err(e) => e.endpoint.clone(),
                };
                let items = col.take(&label, &s, r)?;
                snap.resource_groups
                    .extend(items.into_iter().map(|x| convert::resource_group(&s, x)));
            }
            Part::Assignments(s, r) => {
                let items = col.take("POST /authz/api/roleassignments/filter", &s, r)?;
                snap.role_assignments
                    .extend(items.into_iter().map(|x| convert::role_assignment(&s, x)));
            }
            Part::Permissions(r) => {
                let items = col.take("GET /authz/api/permissions", &Scope::Account, r)?;
                snap.permissions
                    .extend(items.into_iter().map(convert::permission));
            }
            Part::Logins(r) => {
                login_events =
                    col.take("POST /audit/api/audits/list (logins)", &Scope::Account, r)?;
            }
            Part::Changes(r) => {
                change_events =
                    col.take("POST /audit/api/audits/list (changes)", &Scope::Account, r)?;
            }
            Part::ScimUsers(r) => {
                let label = format!("GET {}", scim_path(&client.config().account_id, "Users"));
                let items = col.take(&label, &Scope::Account, r)?;
                if let Some(scim) = &mut snap.scim {
                    scim.users.extend(items.into_iter().map(convert::scim_user));
                }
            }
            Part::ScimGroups(r) => {
                let label = format!("GET {}", scim_path(&client.config().account_id, "Groups"));
                let items = col.take(&label, &Scope::Account, r)?;
                if let Some(scim) = &mut snap.scim {
                    scim.groups
                        .extend(items.into_iter().map(convert::scim_group));
                }
            }
            Part::ApiKeys(..) | Part::Tokens(..) => unreachable!("spawned on key_set"),
        }
    }

    // API keys, then their tokens.
    let mut token_set = JoinSet::new();
    while let Some(joined) = key_set.join_next().await {
        let Part::ApiKeys(scope, parent, r) = joined.expect("key task does not panic") else {
            unreachable!("only API key lists run here");
        };
        let label = format!("GET /ng/api/apikey/aggregate?parentIdentifier={parent}");
        for k in col.take(&label, &scope, r)? {
            let m = convert::api_key(&scope, &parent, k);
            let c = client.clone();
            let (s, p, key) = (scope.clone(), parent.clone(), m.id.to_string());
            col.planned += 1;
            token_set.spawn(async move {
                let r = paged(
                    &c,
                    Method::Get,
                    "/ng/api/token/aggregate",
                    &s,
                    vec![
                        ("apiKeyType", "SERVICE_ACCOUNT".to_string()),
                        ("parentIdentifier", p.clone()),
                        ("apiKeyIdentifier", key.clone()),
                    ],
                    None,
                    |t: &wire::TokenAggregate| t.token.identifier.clone(),
                )
                .await;
                Part::Tokens(s, p, key, r)
            });
            snap.api_keys.push(m);
        }
    }
    while let Some(joined) = token_set.join_next().await {
        let Part::Tokens(scope, parent, key, r) = joined.expect("token task does not panic") else {
            unreachable!("only token lists run here");
        };
        let label =
            format!("GET /ng/api/token/aggregate?parentIdentifier={parent}&apiKeyIdentifier={key}");
        for t in col.take(&label, &scope, r)? {
            snap.tokens.push(convert::token(&scope, &parent, &key, t));
        }
    }

    // Memberships: users of each org and project.
    let mut by_id: BTreeMap<UserId, usize> = snap
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.clone(), i))
        .collect();
    for (scope, members) in memberships {
        for m in members {
            let id = UserId(m.user.uuid.clone());
            let i = match by_id.get(&id) {
                Some(&i) => i,
                None => {
                    snap.users.push(convert::user(m.user));
                    by_id.insert(id, snap.users.len() - 1);
                    snap.users.len() - 1
                }
            };
            snap.users[i].scopes.push(scope.clone());
        }
    }

    snap.activity.logins = convert::logins(&login_events, &snap.users);
    snap.activity.changes = convert::changes(&change_events);

    // A service-account key runs as the service account owning its token.
    if caller.is_none() {
        if let Some(token_id) = client.key().and_then(|k| k.service_account_token_id()) {
            caller = snap
                .tokens
                .iter()
                .find(|t| t.id.as_str() == token_id)
                .and_then(|t| {
                    snap.service_accounts
                        .iter()
                        .find(|s| s.scope == t.scope && s.id.as_str() == t.parent)
                })
                .map(|s| Caller {
                    kind: "service_account".into(),
                    id: format!("sa:{}/{}", s.scope, s.id),
                    name: Some(s.name.clone()),
                    email: s.email.clone(),
                });
        }
    }
    snap.provenance.caller = caller;
    snap.completeness.complete = col.lists.iter().all(|l| l.complete);
    snap.completeness.lists = col.lists;
    snap.provenance.finished_at = Utc::now();
    snap.normalize();

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
    Ok(snap)
}
