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
//! Every list is accounted for in a [`Collector`]: a list that failed or did
//! not add up makes the pull fail unless partial snapshots are allowed, and
//! then the snapshot says so. What the key may not read at all (API keys and
//! tokens need `core_serviceaccount_manageapikey`, which Account Viewer lacks)
//! is not a failure: it is recorded in `completeness.unread`, and the rules
//! that need it are reported as not evaluated.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use serde::de::DeserializeOwned;

use super::access::{self, Grants};
use super::client::{ApiError, ApiErrorCause, Call, Client, Credential, Method};
use super::convert;
use super::paging::{list_paged, list_scim, list_unpaged, Listed};
use super::wire;
use crate::snapshot::{
    Account, Activity, ApiKey, Caller, Completeness, ListCompleteness, Org, Permission, Project,
    Provenance, ResourceGroup, Role, RoleAssignment, RoleIndex, Scim, Scope, ServiceAccount,
    Snapshot, Token, Unread, UnreadKind, User, UserGroup, UserId, FORMAT, ROLE_LOOKUP_ENDPOINT,
    USER_ADDITIONS_LIST, VERSION,
};

/// Where resource groups are listed on most installations.
const RG_PATH: &str = "/resourcegroup/api/v2/resourcegroup";
/// Where some installations list them instead.
const RG_PATH_AUTHZ: &str = "/authz/api/v2/resourcegroup";
/// The permission that API key and token lists need (`ApiKeyServiceImpl.
/// validateParentIdentifier`, `TokenServiceImpl.validateTokenListPermissions`).
pub const MANAGE_API_KEY: &str = "core_serviceaccount_manageapikey";
/// The aggregate endpoint reads at most this many assignments per call
/// (`RoleAssignmentResourceImpl.getAggregated`).
const AGGREGATE_CAP: usize = 1000;

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
    /// Harness's access check said the key lacks permissions the lists need
    /// (only without `--allow-partial`): each with the scopes it lacks it at.
    #[error("{}", describe_missing(.0))]
    MissingPermissions(Vec<(&'static access::Needed, Vec<Scope>)>),
}

impl From<ApiError> for PullError {
    fn from(e: ApiError) -> Self {
        PullError::Api(Box::new(e))
    }
}

fn describe_missing(missing: &[(&'static access::Needed, Vec<Scope>)]) -> String {
    let each: Vec<String> = missing
        .iter()
        .map(|(n, at)| {
            format!(
                "{} at {} ({} need it; without it {})",
                n.permission,
                access::name_scopes(at),
                n.lists,
                n.without
            )
        })
        .collect();
    let names: Vec<&str> = missing.iter().map(|(n, _)| n.permission).collect();
    format!(
        "the API key lacks {} (Harness's access check, {}, said so before the lists it guards were read): {}; grant {} to the key's user or service account (the Account Viewer role on _all_resources_including_child_scopes holds them all) and run again (docs/operations.md lists what each permission is for), or pass --allow-partial to write a snapshot marked INCOMPLETE",
        names.join(", "),
        access::ACL_ENDPOINT,
        each.join("; "),
        if names.len() == 1 { "it" } else { "them" },
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

/// The permissions Harness named when it refused a call for lack of one
/// (a JSON 403); `None` for any other failure, a proxy's HTML 403 included.
fn access_denied(e: &ApiError) -> Option<Vec<String>> {
    match &e.cause {
        ApiErrorCause::Harness { status: 403, .. } => Some(e.cause.missing_permissions()),
        _ => None,
    }
}

/// Why something was not asked: the access check's answer.
fn denied_reason(permission: &str, scope: &Scope) -> String {
    format!(
        "Harness's access check ({}) says the key lacks {permission} at {scope}",
        access::ACL_ENDPOINT
    )
}

/// The permissions whose absence at a scope makes Harness narrow a list
/// there without an error (docs/harness-behaviour.md U6, U7, A2): a list
/// read at a scope the key lacks one of them at is not complete, whatever
/// its count says. `orgs` are the orgs read (the projects list across orgs
/// needs the project view at each; an org's own list is recorded at it).
fn narrowed_by(list: &ListCompleteness, orgs: &[Scope]) -> Vec<(&'static str, Vec<Scope>)> {
    let here = vec![list.scope.clone()];
    match list.endpoint.as_str() {
        "GET /ng/api/organizations" => vec![("core_organization_view", here)],
        "GET /ng/api/projects" if list.scope == Scope::Account => {
            vec![("core_project_view", orgs.to_vec())]
        }
        "GET /ng/api/projects" => vec![("core_project_view", here)],
        GROUPS_OF_EVERY_SCOPE | "GET /ng/api/user-groups" => vec![("core_usergroup_view", here)],
        "GET /ng/api/serviceaccount/aggregate" => vec![("core_serviceaccount_view", here)],
        "POST /authz/api/roleassignments/filter" => vec![
            ("core_user_view", here.clone()),
            ("core_usergroup_view", here.clone()),
            ("core_serviceaccount_view", here),
        ],
        _ => Vec::new(),
    }
}

/// Marks incomplete each list Harness narrowed silently because the key
/// lacks a permission where it was read (only reached with
/// `--allow-partial`: otherwise the pull stopped before the lists).
fn mark_narrowed(lists: &mut [ListCompleteness], grants: &Grants, orgs: &[Scope]) {
    for list in lists.iter_mut().filter(|l| l.complete) {
        let lacking: Vec<String> = narrowed_by(list, orgs)
            .into_iter()
            .filter_map(|(perm, at)| {
                let denied: Vec<Scope> =
                    at.into_iter().filter(|s| !grants.allows(perm, s)).collect();
                (!denied.is_empty()).then(|| format!("{perm} at {}", access::name_scopes(&denied)))
            })
            .collect();
        if !lacking.is_empty() {
            list.complete = false;
            list.note = Some(format!(
                "the key lacks {} (Harness's access check): Harness answers this list without an error but leaves out what the key may not view",
                lacking.join(", ")
            ));
        }
    }
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

#[derive(Default)]
struct Accounts {
    lists: Vec<ListCompleteness>,
    unread: Vec<Unread>,
    done: usize,
    planned: usize,
}

/// Collects results from every phase, keeping the accounting and deciding
/// what a failure means.
struct Collector<'a> {
    allow_partial: bool,
    progress: &'a dyn Progress,
    client: &'a Client,
    state: Mutex<Accounts>,
}

impl Collector<'_> {
    fn state(&self) -> std::sync::MutexGuard<'_, Accounts> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `n` more lists are on their way.
    fn plan(&self, n: usize) {
        self.state().planned += n;
    }

    fn finished(&self, st: &mut Accounts) {
        st.done += 1;
        let stats = &self.client.stats;
        self.progress.update(
            st.done,
            st.planned.max(st.done),
            stats.requests.load(Ordering::Relaxed),
            stats.retries.load(Ordering::Relaxed),
            stats.throttled_ms.load(Ordering::Relaxed),
        );
    }

    /// Accounts for one list: its items, or its failure (fatal unless
    /// partial snapshots are allowed, then recorded as incomplete).
    fn take<T>(
        &self,
        endpoint: &str,
        scope: &Scope,
        r: Result<Listed<T>, ApiError>,
    ) -> Result<Vec<T>, PullError> {
        let mut st = self.state();
        self.finished(&mut st);
        match r {
            Ok(mut l) => {
                // The label names the list (audit query, parent key) where
                // the endpoint alone would be ambiguous.
                l.accounting.endpoint = endpoint.to_string();
                l.accounting.scope = scope.clone();
                st.lists.push(l.accounting);
                Ok(l.items)
            }
            Err(e) if self.allow_partial => {
                st.lists.push(ListCompleteness {
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

    /// Like [`Collector::take`], but a refusal for lack of permission is a
    /// stated gap: `gap` turns the permissions Harness named into what to
    /// record, and the list yields `None`.
    fn take_or_unread<T>(
        &self,
        endpoint: &str,
        scope: &Scope,
        r: Result<Listed<T>, ApiError>,
        gap: impl FnOnce(Option<String>, String) -> Unread,
    ) -> Result<Option<Vec<T>>, PullError> {
        if let Err(e) = &r {
            if let Some(missing) = access_denied(e) {
                let mut st = self.state();
                self.finished(&mut st);
                st.unread
                    .push(gap(missing.into_iter().next(), e.cause.to_string()));
                return Ok(None);
            }
        }
        self.take(endpoint, scope, r).map(Some)
    }

    /// A planned list that ended without an accounting entry.
    fn finished_without_list(&self) {
        let mut st = self.state();
        self.finished(&mut st);
    }

    fn record(&self, list: ListCompleteness) {
        let mut st = self.state();
        self.finished(&mut st);
        st.lists.push(list);
    }

    fn unread(&self, u: Unread) {
        self.state().unread.push(u);
    }

    fn notice(&self, message: &str) {
        self.progress.notice(message);
    }

    /// Changes the entry already recorded for `endpoint` at `scope`.
    fn amend(&self, endpoint: &str, scope: &Scope, f: impl FnOnce(&mut ListCompleteness)) {
        let mut st = self.state();
        if let Some(l) = st
            .lists
            .iter_mut()
            .find(|l| l.endpoint == endpoint && l.scope == *scope)
        {
            f(l);
        }
    }
}

/// The completeness label of the one list of every scope's user groups
/// (`filterType=INCLUDE_CHILD_SCOPE_GROUPS`, docs/harness-behaviour.md U3).
pub const GROUPS_OF_EVERY_SCOPE: &str =
    "GET /ng/api/user-groups?filterType=INCLUDE_CHILD_SCOPE_GROUPS";

/// A list of the account and every scope below it in one paged call, each
/// item naming its own scope.
struct AcrossScopes<'c, T> {
    /// The call, at account scope.
    call: Call<'c>,
    /// The completeness label.
    label: &'static str,
    /// What the items are, for notes: "user groups".
    what: &'static str,
    /// What the per-scope reading lists instead, for notes.
    instead: &'static str,
    /// What one list covers, for its completeness note.
    covers: &'static str,
    /// The key that tells two items apart (scope included).
    key: fn(&T) -> String,
    /// The scope an item names; `None` when it names none the pull can use.
    scope_of: &'c (dyn Fn(&T) -> Option<Scope> + Sync),
    /// The scopes the pull reads; items elsewhere are not kept.
    known: &'c HashSet<Scope>,
    /// A server that ignores the request's child-scope parameter answers
    /// with the account's own items only: with child scopes to read, a list
    /// holding nothing below the account is not trusted.
    expect_items_below_account: bool,
}

/// What became of a list across child scopes.
enum Across<T> {
    /// The items at the scopes the pull reads, each with its scope.
    Read(Vec<(Scope, T)>),
    /// Not usable (why, already told): list each scope instead.
    PerScope,
}

/// The SCIM base path of an account.
pub fn scim_path(account: &str, resource: &str) -> String {
    format!("/ng/api/scim/account/{account}/{resource}")
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
}

/// What Harness's access check said about the key, and whether it can be
/// asked (after one refusal it is not asked again).
#[derive(Default)]
struct Access {
    grants: Grants,
    refused: AtomicBool,
}

impl Access {
    fn usable(&self) -> bool {
        !self.refused.load(Ordering::Relaxed)
    }
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

    /// Reads a list across child scopes. It is used only when it accounts
    /// for every item as the per-scope lists would: read in full (paging
    /// added up), every item naming a scope of this account, and, where a
    /// server could have ignored the child-scope parameter, items below the
    /// account when there are scopes below it. Otherwise the reason is told
    /// once and the caller lists each scope. Items at scopes the pull does
    /// not read (orgs and projects the key cannot list, or just deleted) are
    /// not kept; the list's completeness entry counts them and the person
    /// pulling is told, since they show the review does not cover every
    /// scope of the account.
    async fn across<T: DeserializeOwned>(
        &self,
        spec: AcrossScopes<'_, T>,
    ) -> Result<Across<T>, PullError> {
        self.col.plan(1);
        let listed = match list_paged(self.client, &spec.call, spec.key).await {
            Ok(l) => l,
            Err(e) if e.cause.is_final() => {
                // Every per-scope list would fail the same way.
                self.col.take::<T>(spec.label, &Scope::Account, Err(e))?;
                return Ok(Across::Read(Vec::new()));
            }
            Err(e) => {
                self.col.finished_without_list();
                return Ok(self.per_scope(&spec, &format!("it answered {}", e.cause)));
            }
        };
        if !listed.accounting.complete {
            self.col.finished_without_list();
            let why = format!(
                "it did not add up on two readings ({})",
                listed.accounting.note.as_deref().unwrap_or("incomplete")
            );
            return Ok(self.per_scope(&spec, &why));
        }
        let mut placed = Vec::with_capacity(listed.items.len());
        for item in listed.items {
            match (spec.scope_of)(&item) {
                Some(scope) => placed.push((scope, item)),
                None => {
                    self.col.finished_without_list();
                    let why = format!(
                        "an item named no org or project of this account (item {:?})",
                        (spec.key)(&item)
                    );
                    return Ok(self.per_scope(&spec, &why));
                }
            }
        }
        if spec.expect_items_below_account
            && spec.known.iter().any(|s| *s != Scope::Account)
            && placed.iter().all(|(s, _)| *s == Scope::Account)
        {
            self.col.finished_without_list();
            return Ok(self.per_scope(
                &spec,
                "it held nothing below the account, as a server that ignores the child-scope parameter answers",
            ));
        }
        let (kept, elsewhere): (Vec<_>, Vec<_>) = placed
            .into_iter()
            .partition(|(s, _)| spec.known.contains(s));
        let mut note = spec.covers.to_string();
        if !elsewhere.is_empty() {
            let scopes: BTreeSet<&Scope> = elsewhere.iter().map(|(s, _)| s).collect();
            let named: Vec<String> = scopes.iter().take(3).map(|s| s.to_string()).collect();
            let more = scopes.len().saturating_sub(named.len());
            let at = format!(
                "{}{}",
                named.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
            note.push_str(&format!(
                "; {} more at {} scope(s) the pull did not list ({at}) not kept",
                elsewhere.len(),
                scopes.len()
            ));
            self.col.notice(&format!(
                "warning: Harness lists {} {} at {} org(s) or project(s) the key could not list ({at}): those scopes are not in this review; give the key view permissions there (or ignore this if they were just deleted)",
                elsewhere.len(),
                spec.what,
                scopes.len()
            ));
        }
        self.col.record(ListCompleteness {
            endpoint: spec.label.to_string(),
            scope: Scope::Account,
            total_items: listed.accounting.total_items,
            stored: kept.len() as u64,
            pages: listed.accounting.pages,
            retries: listed.accounting.retries,
            complete: true,
            note: Some(note),
        });
        Ok(Across::Read(kept))
    }

    /// Tells why a list across child scopes is not used.
    fn per_scope<T>(&self, spec: &AcrossScopes<'_, T>, why: &str) -> Across<T> {
        self.col.notice(&format!(
            "note: reading {} one {} at a time: the list across child scopes ({}) was not used because {why}",
            spec.what, spec.instead, spec.label
        ));
        Across::PerScope
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

    /// Who is pulling. A 401 means a bad key: stop now with that message.
    async fn caller(&self) -> Result<Option<Caller>, PullError> {
        let call = Call {
            method: Method::Get,
            path: "/ng/api/user/currentUser",
            scope: &Scope::Account,
            query: vec![],
            body: None,
        };
        match self.client.call::<wire::UserInfo>(&call).await {
            Ok((u, _)) => Ok(u.uuid.map(|id| Caller {
                kind: "user".into(),
                id,
                name: u.name,
                email: u.email,
            })),
            Err(e) if matches!(e.cause.status(), Some(401)) => Err(e.into()),
            Err(e)
                if matches!(
                    &e.cause,
                    ApiErrorCause::Transport { .. }
                        | ApiErrorCause::GaveUp { .. }
                        | ApiErrorCause::CrossOriginRedirect { .. }
                ) =>
            {
                Err(e.into())
            }
            // A service-account key is not a user; found from its token later.
            Err(_) => Ok(None),
        }
    }

    /// The account's name and sign-in settings (`GET /ng/api/accounts/{id}`,
    /// `core_account_view`). Never fatal: without it the pack names the
    /// account by its identifier. Not asked when the access check said the
    /// key lacks the permission (the answer would be a 403).
    async fn account(&self, grants: &Grants) -> Account {
        let id = self.client.config().account_id.clone();
        let path = format!("/ng/api/accounts/{id}");
        let call = Call {
            method: Method::Get,
            path: &path,
            scope: &Scope::Account,
            query: vec![],
            body: None,
        };
        let mut account = Account {
            id,
            name: None,
            authentication_mechanism: None,
            two_factor_enforced: None,
        };
        const VIEW: &str = "core_account_view";
        if !grants.allows(VIEW, &Scope::Account) {
            self.col.unread(Unread {
                what: UnreadKind::AccountName,
                scope: None,
                id: None,
                needs: Some(VIEW.to_string()),
                reason: denied_reason(VIEW, &Scope::Account),
            });
            return account;
        }
        match self.client.call::<wire::AccountDto>(&call).await {
            Ok((a, _)) => {
                account.name = a.name.filter(|n| !n.is_empty());
                account.authentication_mechanism = a.authentication_mechanism;
                account.two_factor_enforced = a.two_factor_admin_enforced;
            }
            Err(e) => self.col.unread(Unread {
                what: UnreadKind::AccountName,
                scope: None,
                id: None,
                needs: access_denied(&e).and_then(|m| m.into_iter().next()),
                reason: e.to_string(),
            }),
        }
        account
    }

    /// Orgs, then each org's projects.
    async fn scopes(&self) -> Result<(Vec<Org>, Vec<Project>), PullError> {
        self.col.plan(1);
        let orgs_r = self
            .list::<wire::OrganizationResponse>(
                Method::Get,
                "/ng/api/organizations",
                &Scope::Account,
                vec![],
                None,
                |o| o.organization.identifier.clone(),
            )
            .await;
        let orgs: Vec<Org> = self
            .col
            .take("GET /ng/api/organizations", &Scope::Account, orgs_r)?
            .into_iter()
            .map(convert::org)
            .collect();
        let org_scopes: Vec<Scope> = orgs.iter().map(|o| Scope::Org(o.id.clone())).collect();
        if !self.opts.per_scope_lists && !org_scopes.is_empty() {
            // Without `orgIdentifier` the list holds every org's projects,
            // each naming its org (`ProjectResource.list`, U7).
            let known: HashSet<Scope> = org_scopes.iter().cloned().collect();
            let scope_of = |p: &wire::ProjectResponse| {
                let org = p.project.org_identifier.as_deref()?;
                Scope::from_identifiers(Some(org), None).filter(|s| *s != Scope::Account)
            };
            let spec = AcrossScopes {
                call: Call {
                    method: Method::Get,
                    path: "/ng/api/projects",
                    scope: &Scope::Account,
                    query: vec![],
                    body: None,
                },
                label: "GET /ng/api/projects",
                what: "projects",
                instead: "org",
                covers: "every org's projects in one list (no orgIdentifier)",
                key: |p: &wire::ProjectResponse| {
                    let org = p.project.org_identifier.as_deref().unwrap_or_default();
                    format!("{org}/{}", p.project.identifier)
                },
                scope_of: &scope_of,
                known: &known,
                expect_items_below_account: false,
            };
            if let Across::Read(items) = self.across(spec).await? {
                let mut projects: Vec<Project> = items
                    .into_iter()
                    .map(|(org, p)| convert::project(org.org().unwrap_or_default(), p))
                    .collect();
                projects.sort_by(|a, b| (&a.org, &a.id).cmp(&(&b.org, &b.id)));
                return Ok((orgs, projects));
            }
        }
        let listed = self
            .at_each(&org_scopes, |s| async move {
                let org = s.org().unwrap_or_default().to_string();
                self.list::<wire::ProjectResponse>(
                    Method::Get,
                    "/ng/api/projects",
                    &Scope::Account,
                    vec![("orgIdentifier", org)],
                    None,
                    |p| p.project.identifier.clone(),
                )
                .await
            })
            .await;
        let mut projects = Vec::new();
        for (org_scope, r) in listed {
            let org = org_scope.org().unwrap_or_default().to_string();
            for p in self.col.take("GET /ng/api/projects", &org_scope, r)? {
                projects.push(convert::project(&org, p));
            }
        }
        projects.sort_by(|a, b| (&a.org, &a.id).cmp(&(&b.org, &b.id)));
        Ok((orgs, projects))
    }

    /// Account users (`user/batch`), each org's and project's members
    /// (`user/aggregate`), user groups and service accounts at every scope.
    async fn principals(
        &self,
        scopes: &[Scope],
        groups_viewable: bool,
    ) -> Result<Principals, PullError> {
        let below_account: Vec<Scope> = scopes
            .iter()
            .filter(|s| **s != Scope::Account)
            .cloned()
            .collect();
        self.col.plan(1);
        let (users_r, members, groups, sas) = tokio::join!(
            self.list::<wire::UserMetadata>(
                Method::Post,
                "/ng/api/user/batch",
                &Scope::Account,
                vec![],
                Some(serde_json::json!({})),
                |u| u.uuid.clone(),
            ),
            self.at_each(&below_account, |s| async move {
                self.list::<wire::UserAggregate>(
                    Method::Post,
                    "/ng/api/user/aggregate",
                    &s,
                    vec![],
                    Some(serde_json::json!({})),
                    |u| u.user.uuid.clone(),
                )
                .await
            }),
            self.user_groups(scopes, groups_viewable),
            self.at_each(scopes, |s| async move {
                self.list::<wire::ServiceAccountAggregate>(
                    Method::Get,
                    "/ng/api/serviceaccount/aggregate",
                    &s,
                    vec![],
                    None,
                    |a| a.service_account.identifier.clone(),
                )
                .await
            }),
        );
        let mut users: Vec<User> = self
            .col
            .take("POST /ng/api/user/batch", &Scope::Account, users_r)?
            .into_iter()
            .map(convert::user)
            .collect();
        // Memberships: users of each org and project.
        let mut by_id: BTreeMap<UserId, usize> = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
        for (scope, r) in members {
            for m in self.col.take("POST /ng/api/user/aggregate", &scope, r)? {
                let id = UserId(m.user.uuid.clone());
                let i = *by_id.entry(id).or_insert_with(|| {
                    users.push(convert::user(m.user));
                    users.len() - 1
                });
                users[i].scopes.push(scope.clone());
            }
        }
        let user_groups = groups?;
        let mut service_accounts = Vec::new();
        for (scope, r) in sas {
            let items = self
                .col
                .take("GET /ng/api/serviceaccount/aggregate", &scope, r)?;
            service_accounts.extend(
                items
                    .into_iter()
                    .map(|a| convert::service_account(&scope, a)),
            );
        }
        Ok(Principals {
            users,
            user_groups,
            service_accounts,
        })
    }

    /// The user groups of every scope: one list across child scopes
    /// (`filterType=INCLUDE_CHILD_SCOPE_GROUPS`, U3), or one list per scope
    /// when asked to or when that list cannot be used. `viewable`: the key
    /// holds the view at the account (else Harness narrows the list, which
    /// may then hold nothing below the account on any server).
    async fn user_groups(
        &self,
        scopes: &[Scope],
        viewable: bool,
    ) -> Result<Vec<UserGroup>, PullError> {
        if !self.opts.per_scope_lists {
            let account = self.client.config().account_id.clone();
            let known: HashSet<Scope> = scopes.iter().cloned().collect();
            let scope_of = move |g: &wire::UserGroup| {
                if g.account_identifier
                    .as_deref()
                    .is_some_and(|a| a != account)
                {
                    return None;
                }
                Scope::from_identifiers(
                    g.org_identifier.as_deref(),
                    g.project_identifier.as_deref(),
                )
            };
            let spec = AcrossScopes {
                call: Call {
                    method: Method::Get,
                    path: "/ng/api/user-groups",
                    scope: &Scope::Account,
                    query: vec![("filterType", "INCLUDE_CHILD_SCOPE_GROUPS".to_string())],
                    body: None,
                },
                label: GROUPS_OF_EVERY_SCOPE,
                what: "user groups",
                instead: "scope",
                covers: "the user groups of the account and of every org and project in one list",
                // Identifiers repeat across scopes (`_project_all_users`).
                key: |g: &wire::UserGroup| {
                    let scope = Scope::from_identifiers(
                        g.org_identifier.as_deref(),
                        g.project_identifier.as_deref(),
                    );
                    format!("{scope:?}/{}", g.identifier)
                },
                scope_of: &scope_of,
                known: &known,
                expect_items_below_account: viewable,
            };
            if let Across::Read(items) = self.across(spec).await? {
                return Ok(items
                    .into_iter()
                    .map(|(scope, g)| convert::user_group(&scope, g))
                    .collect());
            }
        }
        let listed = self
            .at_each(scopes, |s| async move {
                self.list::<wire::UserGroup>(
                    Method::Get,
                    "/ng/api/user-groups",
                    &s,
                    vec![],
                    None,
                    |g| g.identifier.clone(),
                )
                .await
            })
            .await;
        let mut user_groups = Vec::new();
        for (scope, r) in listed {
            let items = self.col.take("GET /ng/api/user-groups", &scope, r)?;
            user_groups.extend(items.into_iter().map(|g| convert::user_group(&scope, g)));
        }
        Ok(user_groups)
    }

    /// Roles and resource groups at every scope, and the permission catalogue
    /// with every permission (`scopeFilterDisabled=true`: without it the
    /// server leaves out the permissions not allowed at the account level).
    async fn access_objects(&self, scopes: &[Scope]) -> Result<AccessObjects, PullError> {
        // Resource groups live under /resourcegroup on most installations and
        // under /authz on some; after one 404 use the other for every scope.
        let rg_under_authz = AtomicBool::new(false);
        let rg_under_authz = &rg_under_authz;
        self.col.plan(1);
        let permissions_call = Call {
            method: Method::Get,
            path: "/authz/api/permissions",
            scope: &Scope::Account,
            query: vec![("scopeFilterDisabled", "true".into())],
            body: None,
        };
        let (roles, rgs, permissions_r) = tokio::join!(
            self.at_each(scopes, |s| async move {
                self.list::<wire::RoleResponse>(
                    Method::Get,
                    "/authz/api/roles",
                    &s,
                    vec![],
                    None,
                    |r| r.role.identifier.clone(),
                )
                .await
            }),
            self.at_each(scopes, |s| async move {
                let key = |r: &wire::ResourceGroupResponse| r.resource_group.identifier.clone();
                let list = |path| self.list(Method::Get, path, &s, vec![], None, key);
                if rg_under_authz.load(Ordering::Relaxed) {
                    return list(RG_PATH_AUTHZ).await;
                }
                match list(RG_PATH).await {
                    Err(e) if e.cause.status() == Some(404) => {
                        rg_under_authz.store(true, Ordering::Relaxed);
                        list(RG_PATH_AUTHZ).await
                    }
                    other => other,
                }
            }),
            list_unpaged::<wire::PermissionResponse>(self.client, &permissions_call),
        );
        let mut out = AccessObjects {
            roles: Vec::new(),
            resource_groups: Vec::new(),
            permissions: Vec::new(),
        };
        for (scope, r) in roles {
            let items = self.col.take("GET /authz/api/roles", &scope, r)?;
            out.roles
                .extend(items.into_iter().map(|x| convert::role(&scope, x)));
        }
        for (scope, r) in rgs {
            let label = match &r {
                Ok(l) => l.accounting.endpoint.clone(),
                Err(e) => e.endpoint.clone(),
            };
            let items = self.col.take(&label, &scope, r)?;
            out.resource_groups.extend(
                items
                    .into_iter()
                    .map(|x| convert::resource_group(&scope, x)),
            );
        }
        let items = self
            .col
            .take("GET /authz/api/permissions", &Scope::Account, permissions_r)?;
        out.permissions = items.into_iter().map(convert::permission).collect();
        Ok(out)
    }

    /// Role assignments at every scope (`roleassignments/filter` with an
    /// empty filter: the server returns the principal types the key may
    /// view, and hides its internal baseline assignments).
    async fn assignments(&self, scopes: &[Scope]) -> Result<Vec<RoleAssignment>, PullError> {
        let listed = self
            .at_each(scopes, |s| async move {
                self.list::<wire::RoleAssignmentResponse>(
                    Method::Post,
                    "/authz/api/roleassignments/filter",
                    &s,
                    vec![],
                    Some(serde_json::json!({})),
                    |r| r.role_assignment.identifier.clone(),
                )
                .await
            })
            .await;
        let mut out = Vec::new();
        for (scope, r) in listed {
            let items = self
                .col
                .take("POST /authz/api/roleassignments/filter", &scope, r)?;
            out.extend(
                items
                    .into_iter()
                    .map(|x| convert::role_assignment(&scope, x)),
            );
        }
        Ok(out)
    }

    /// Audit evidence over the window: logins, and users added to the
    /// account (`ADD_COLLABORATOR`), each its own filtered query so neither
    /// pages through the account's other events.
    async fn activity(&self, window_start: DateTime<Utc>) -> Result<AuditEvidence, PullError> {
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

    /// The account's SCIM Users and Groups, when asked for.
    async fn scim(&self, wanted: bool) -> Result<Option<Scim>, PullError> {
        if !wanted {
            return Ok(None);
        }
        self.col.plan(2);
        let (users, groups) = tokio::join!(
            self.scim_list("Users", |u: &wire::ScimUser| u
                .id
                .clone()
                .unwrap_or_default()),
            self.scim_list("Groups", |g: &wire::ScimGroup| g
                .id
                .clone()
                .unwrap_or_default()),
        );
        let account = &self.client.config().account_id;
        let users = self.col.take(
            &format!("GET {}", scim_path(account, "Users")),
            &Scope::Account,
            users,
        )?;
        let groups = self.col.take(
            &format!("GET {}", scim_path(account, "Groups")),
            &Scope::Account,
            groups,
        )?;
        Ok(Some(Scim {
            users: users.into_iter().map(convert::scim_user).collect(),
            groups: groups.into_iter().map(convert::scim_group).collect(),
        }))
    }

    /// Lists a SCIM resource. A 403 or 404 becomes a sentence that does not
    /// pretend to know which: Harness answers 404 for SCIM being off and for
    /// any internal failure alike (`NGScimUserResource`).
    async fn scim_list<T: DeserializeOwned>(
        &self,
        resource: &str,
        key: fn(&T) -> String,
    ) -> Result<Listed<T>, ApiError> {
        let path = scim_path(&self.client.config().account_id, resource);
        let call = Call {
            method: Method::Get,
            path: &path,
            scope: &Scope::Account,
            query: vec![],
            body: None,
        };
        let jwt = matches!(self.client.credential(), Credential::Bearer(_));
        list_scim(self.client, &call, key).await.map_err(|mut e| {
            if matches!(e.cause.status(), Some(401 | 403 | 404)) {
                e.cause = ApiErrorCause::ScimUnavailable {
                    cause: Box::new(e.cause),
                    jwt,
                };
            }
            e
        })
    }

    /// Asks the server for the roles assignments name that the role lists
    /// did not return. With Harness's hide-managed-role flags, org and
    /// project role lists (and `GET /authz/api/roles/{id}`) return custom
    /// roles only, yet assignments there still name `_project_admin`; the
    /// aggregate endpoint returns the roles a scope's assignments name with
    /// no managed filter. It reads at most 1,000 assignments per call, so it
    /// is asked per scope for just the missing roles, and per role again when
    /// the cap was reached.
    async fn hidden_roles(
        &self,
        roles: &[Role],
        assignments: &[RoleAssignment],
    ) -> Result<Vec<Role>, PullError> {
        let index = RoleIndex::new(roles);
        let mut missing: BTreeMap<&Scope, BTreeSet<&str>> = BTreeMap::new();
        for a in assignments {
            if index.resolve(a).is_none() {
                missing
                    .entry(&a.scope)
                    .or_default()
                    .insert(a.role.id.as_str());
            }
        }
        let scopes: Vec<Scope> = missing.keys().map(|s| (*s).clone()).collect();
        let looked_up = self
            .at_each(&scopes, |s| {
                let ids: Vec<String> = missing[&s].iter().map(|x| x.to_string()).collect();
                async move { self.lookup_roles(&s, ids).await }
            })
            .await;
        let mut found = Vec::new();
        for (scope, r) in looked_up {
            let ids = &missing[&scope];
            match r {
                Ok((roles, pages, retries)) => {
                    let got: Vec<Role> = roles
                        .into_iter()
                        .filter(|r| ids.contains(r.role.identifier.as_str()))
                        .map(|r| convert::role(&scope, r))
                        .collect();
                    self.col.record(ListCompleteness {
                        endpoint: ROLE_LOOKUP_ENDPOINT.to_string(),
                        scope: scope.clone(),
                        total_items: None,
                        stored: got.len() as u64,
                        pages,
                        retries,
                        complete: true,
                        note: Some(format!(
                            "asked for {} role(s) the role list did not return; {} found",
                            ids.len(),
                            got.len()
                        )),
                    });
                    found.extend(got);
                }
                Err(e) => {
                    // The assignments themselves were read; what they grant is
                    // what is missing, so this is a gap, not a failed pull.
                    let needs = access_denied(&e).and_then(|m| m.into_iter().next());
                    for id in ids {
                        self.col.unread(Unread {
                            what: UnreadKind::Role,
                            scope: Some(scope.clone()),
                            id: Some(id.to_string()),
                            needs: needs.clone(),
                            reason: e.to_string(),
                        });
                    }
                    self.col.finished_without_list();
                }
            }
        }
        let mut seen = HashSet::new();
        found.retain(|r| seen.insert((r.scope.clone(), r.id.clone())));
        Ok(found)
    }

    /// One scope's aggregate lookup: the roles found, pages and retries.
    async fn lookup_roles(
        &self,
        scope: &Scope,
        ids: Vec<String>,
    ) -> Result<(Vec<wire::RoleResponse>, u32, u32), ApiError> {
        let ask = |ids: Vec<String>| async move {
            let call = Call {
                method: Method::Post,
                path: "/authz/api/roleassignments/aggregate",
                scope,
                query: vec![],
                body: Some(serde_json::json!({ "roleFilter": ids })),
            };
            self.client
                .call::<wire::RoleAssignmentAggregate>(&call)
                .await
        };
        let (first, mut retries) = ask(ids.clone()).await?;
        let mut pages = 1;
        let capped = first.role_assignments.len() >= AGGREGATE_CAP;
        let mut roles = first.roles;
        if capped {
            // The cap may have cut off every assignment of some role: ask for
            // each role still missing on its own.
            let have: HashSet<String> = roles.iter().map(|r| r.role.identifier.clone()).collect();
            for id in ids.into_iter().filter(|i| !have.contains(i)) {
                let (more, r) = ask(vec![id]).await?;
                retries += r;
                pages += 1;
                roles.extend(more.roles);
            }
        }
        Ok((roles, pages, retries))
    }

    /// Each service account's API keys, then every token. The key lists need
    /// `core_serviceaccount_manageapikey`: one list is tried first, and when
    /// the key lacks that permission the rest are not tried and the gap is
    /// recorded. Tokens come from one account-wide list (`token/aggregate`
    /// takes `parentIdentifier` and `apiKeyIdentifier` as optional, and with
    /// no org or project it spans every scope: `TokenServiceImpl`); a key
    /// whose `tokensCount` does not match what that list returned is listed
    /// on its own. Tokens that list names at scopes the pull does not read
    /// (projects the key cannot list) are not kept: the snapshot holds no
    /// object at a scope it does not have.
    async fn credentials(
        &self,
        service_accounts: &[ServiceAccount],
        scopes: &[Scope],
        access: &Access,
    ) -> Result<(Vec<ApiKey>, Vec<Token>), PullError> {
        let Some((first, rest)) = service_accounts.split_first() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let tokens_not_read = || Unread {
            what: UnreadKind::Tokens,
            scope: None,
            id: None,
            needs: Some(MANAGE_API_KEY.to_string()),
            reason: "API keys were not readable, so neither were their tokens".into(),
        };
        let mut keys: Vec<(ApiKey, Option<i64>)> = Vec::new();
        // Without the permission at the account (so no account-wide token
        // list), the server checks it on each service account: ask for each.
        let (to_list, account_wide_allowed) = match self
            .key_permits(service_accounts, access)
            .await?
        {
            Some(permitted) if permitted.is_empty() => {
                self.col.unread(Unread {
                    what: UnreadKind::ApiKeys,
                    scope: None,
                    id: None,
                    needs: Some(MANAGE_API_KEY.to_string()),
                    reason: format!(
                        "Harness's access check ({}) says the key lacks {MANAGE_API_KEY} on every service account",
                        access::ACL_ENDPOINT
                    ),
                });
                self.col.unread(tokens_not_read());
                return Ok((Vec::new(), Vec::new()));
            }
            Some(permitted) => (permitted, false),
            None => {
                // Held at the account, or the access check cannot say: one
                // list first, and no more when it is refused.
                self.col.plan(1);
                match self.api_keys(first).await? {
                    Some(k) => keys.extend(k),
                    None => {
                        self.col.unread(tokens_not_read());
                        return Ok((Vec::new(), Vec::new()));
                    }
                }
                (rest.iter().collect(), true)
            }
        };
        self.col.plan(to_list.len());
        let listed = join_all(to_list.iter().map(|sa| self.api_keys(sa))).await;
        for r in listed {
            keys.extend(r?.unwrap_or_default());
        }
        if keys.iter().all(|(_, count)| *count == Some(0)) {
            return Ok((keys.into_iter().map(|(k, _)| k).collect(), Vec::new()));
        }

        // Every token of the account in one list, where the key may list
        // it (the server checks the permission at the account).
        let all = if !account_wide_allowed {
            None
        } else {
            self.col.plan(1);
            Some(
                self.list::<wire::TokenAggregate>(
                    Method::Get,
                    "/ng/api/token/aggregate",
                    &Scope::Account,
                    vec![("apiKeyType", "SERVICE_ACCOUNT".to_string())],
                    None,
                    |t| {
                        format!(
                            "{:?}/{:?}/{:?}/{:?}/{}",
                            t.token.org_identifier,
                            t.token.project_identifier,
                            t.token.parent_identifier,
                            t.token.api_key_identifier,
                            t.token.identifier
                        )
                    },
                )
                .await,
            )
        };
        let refused = |needs: Option<String>, reason: String| Unread {
            what: UnreadKind::Tokens,
            scope: Some(Scope::Account),
            id: None,
            needs,
            reason,
        };
        let mut tokens: Vec<Token> = Vec::new();
        let listed = match all {
            Some(all) => self.col.take_or_unread(
                "GET /ng/api/token/aggregate",
                &Scope::Account,
                all,
                refused,
            )?,
            None => None,
        };
        let account_wide = listed.is_some();
        if let Some(items) = listed {
            let known: HashSet<&Scope> = scopes.iter().collect();
            let (kept, elsewhere): (Vec<Token>, Vec<Token>) = items
                .into_iter()
                .filter_map(convert::token_of_account)
                .partition(|t| known.contains(&t.scope));
            tokens.extend(kept);
            if !elsewhere.is_empty() {
                let at: BTreeSet<String> = elsewhere.iter().map(|t| t.scope.to_string()).collect();
                let at = at.into_iter().collect::<Vec<_>>().join(", ");
                self.col
                    .amend("GET /ng/api/token/aggregate", &Scope::Account, |l| {
                        l.stored = l.stored.saturating_sub(elsewhere.len() as u64);
                        l.note = Some(format!(
                            "{} more at scopes the pull did not list (at {at}) not kept",
                            elsewhere.len()
                        ));
                    });
                self.col.notice(&format!(
                    "warning: Harness lists {} service-account token(s) at org(s) or project(s) the key could not list ({at}): not kept, those scopes are not in this review",
                    elsewhere.len()
                ));
            }
        }
        // Keys the account-wide list did not fully cover.
        let mut per_key: BTreeMap<(&Scope, &str, &str), i64> = BTreeMap::new();
        for t in &tokens {
            *per_key
                .entry((&t.scope, t.parent.as_str(), t.api_key.as_str()))
                .or_default() += 1;
        }
        let short: Vec<&ApiKey> = keys
            .iter()
            .filter(|(k, count)| {
                let got = per_key
                    .get(&(&k.scope, k.parent.as_str(), k.id.as_str()))
                    .copied()
                    .unwrap_or(0);
                !account_wide || count.is_some_and(|c| c != got)
            })
            .map(|(k, _)| k)
            .collect();
        if account_wide && !short.is_empty() {
            // The list did not say what tokensCount did: list those keys'
            // tokens one by one rather than trust either.
            tokens.retain(|t| {
                !short
                    .iter()
                    .any(|k| k.scope == t.scope && k.parent == t.parent && k.id == t.api_key)
            });
        }
        self.col.plan(short.len());
        let listed = join_all(short.iter().map(|k| self.key_tokens(k))).await;
        for r in listed {
            tokens.extend(r?.unwrap_or_default());
        }
        Ok((keys.into_iter().map(|(k, _)| k).collect(), tokens))
    }

    /// The service accounts whose API keys the key may list, when the access
    /// check says it lacks the permission at the account (the server checks
    /// it on each service account: `ApiKeyServiceImpl.validateParentIdentifier`);
    /// the refused ones are recorded as gaps. `None` when the key holds it at
    /// the account or the access check cannot say.
    async fn key_permits<'s>(
        &self,
        service_accounts: &'s [ServiceAccount],
        access: &Access,
    ) -> Result<Option<Vec<&'s ServiceAccount>>, PullError> {
        if !access.usable() || access.grants.allows(MANAGE_API_KEY, &Scope::Account) {
            return Ok(None);
        }
        let asks: Vec<access::Ask> = service_accounts
            .iter()
            .map(|sa| access::Ask {
                permission: MANAGE_API_KEY,
                resource_type: "SERVICEACCOUNT",
                scope: Some(sa.scope.clone()),
                identifier: Some(sa.id.to_string()),
                at: sa.scope.clone(),
            })
            .collect();
        let Some(answers) = self.ask_access(access, &asks).await? else {
            return Ok(None);
        };
        let (permitted, refused): (Vec<_>, Vec<_>) = service_accounts
            .iter()
            .zip(answers)
            .partition(|(_, ok)| *ok);
        if !permitted.is_empty() {
            for (sa, _) in refused {
                self.col.unread(Unread {
                    what: UnreadKind::ApiKeys,
                    scope: Some(sa.scope.clone()),
                    id: Some(sa.id.to_string()),
                    needs: Some(MANAGE_API_KEY.to_string()),
                    reason: format!(
                        "Harness's access check ({}) says the key lacks {MANAGE_API_KEY} on this service account",
                        access::ACL_ENDPOINT
                    ),
                });
            }
        }
        Ok(Some(permitted.into_iter().map(|(sa, _)| sa).collect()))
    }

    /// Asks Harness's access check `asks` and records the answers.
    async fn check_access(
        &self,
        access: &mut Access,
        asks: Vec<access::Ask>,
    ) -> Result<(), PullError> {
        if let Some(answers) = self.ask_access(access, &asks).await? {
            access.grants.record(&asks, &answers);
        }
        Ok(())
    }

    /// Stops the pull when the key lacks a required permission. With
    /// `--allow-partial` it goes on (the lists the permission guards are
    /// marked incomplete at the end), saying so when `tell`.
    fn stop_if_missing(&self, access: &Access, tell: bool) -> Result<(), PullError> {
        let missing: Vec<_> = access
            .grants
            .missing()
            .into_iter()
            .filter(|(n, _)| n.required)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if !self.opts.allow_partial {
            return Err(PullError::MissingPermissions(missing));
        }
        if tell {
            for (n, at) in missing {
                self.col.notice(&format!(
                    "warning: the key lacks {} at {} (Harness's access check): {}; the lists it guards are marked incomplete",
                    n.permission,
                    access::name_scopes(&at),
                    n.without
                ));
            }
        }
        Ok(())
    }

    /// Asks Harness's access check; `None` when it cannot be used, told once
    /// (then `access` is marked unusable and the lists' own answers are the
    /// only signal, as before the check existed).
    async fn ask_access(
        &self,
        access: &Access,
        asks: &[access::Ask],
    ) -> Result<Option<Vec<bool>>, PullError> {
        if !access.usable() {
            return Ok(None);
        }
        if asks.is_empty() {
            return Ok(Some(Vec::new()));
        }
        match access::ask(self.client, asks).await {
            Ok(answers) => Ok(Some(answers)),
            Err(access::Unusable::Final(e)) => Err(e.into()),
            Err(access::Unusable::Refused(why)) => {
                access.refused.store(true, Ordering::Relaxed);
                self.col.notice(&format!(
                    "note: Harness's access check ({}) could not be used ({why}); whether the key may view every org, project, user group and service account is judged from the lists' own answers instead, and Harness narrows some lists without an error (docs/operations.md, Known gaps): run `reviewpack check` or give the key Account Viewer on _all_resources_including_child_scopes",
                    access::ACL_ENDPOINT
                ));
                Ok(None)
            }
        }
    }

    /// One service account's API keys with each key's `tokensCount`; `None`
    /// when the key may not list them.
    async fn api_keys(
        &self,
        sa: &ServiceAccount,
    ) -> Result<Option<Vec<(ApiKey, Option<i64>)>>, PullError> {
        let parent = sa.id.to_string();
        let r = self
            .list::<wire::ApiKeyAggregate>(
                Method::Get,
                "/ng/api/apikey/aggregate",
                &sa.scope,
                vec![
                    ("apiKeyType", "SERVICE_ACCOUNT".to_string()),
                    ("parentIdentifier", parent.clone()),
                ],
                None,
                |k| k.api_key.identifier.clone(),
            )
            .await;
        let label = format!("GET /ng/api/apikey/aggregate?parentIdentifier={parent}");
        let gap = |needs: Option<String>, reason: String| Unread {
            what: UnreadKind::ApiKeys,
            scope: Some(sa.scope.clone()),
            id: Some(parent.clone()),
            needs: needs.or_else(|| Some(MANAGE_API_KEY.to_string())),
            reason,
        };
        Ok(self
            .col
            .take_or_unread(&label, &sa.scope, r, gap)?
            .map(|items| {
                items
                    .into_iter()
                    .map(|k| {
                        let count = k.tokens_count;
                        (convert::api_key(&sa.scope, &parent, k), count)
                    })
                    .collect()
            }))
    }

    /// One API key's tokens; `None` when the key may not list them.
    async fn key_tokens(&self, k: &ApiKey) -> Result<Option<Vec<Token>>, PullError> {
        let r = self
            .list::<wire::TokenAggregate>(
                Method::Get,
                "/ng/api/token/aggregate",
                &k.scope,
                vec![
                    ("apiKeyType", "SERVICE_ACCOUNT".to_string()),
                    ("parentIdentifier", k.parent.clone()),
                    ("apiKeyIdentifier", k.id.to_string()),
                ],
                None,
                |t| t.token.identifier.clone(),
            )
            .await;
        let label = format!(
            "GET /ng/api/token/aggregate?parentIdentifier={}&apiKeyIdentifier={}",
            k.parent, k.id
        );
        let gap = |needs: Option<String>, reason: String| Unread {
            what: UnreadKind::Tokens,
            scope: Some(k.scope.clone()),
            id: Some(k.id.to_string()),
            needs: needs.or_else(|| Some(MANAGE_API_KEY.to_string())),
            reason,
        };
        Ok(self
            .col
            .take_or_unread(&label, &k.scope, r, gap)?
            .map(|items| {
                items
                    .into_iter()
                    .map(|t| convert::token(&k.scope, &k.parent, k.id.as_str(), t))
                    .collect()
            }))
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

    // A service-account key runs as the service account owning its token.
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
                });
        }
    }

    let mut accounts = col.state.into_inner().unwrap_or_else(|e| e.into_inner());
    mark_narrowed(&mut accounts.lists, &acl.grants, &org_scopes);
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
        },
        scim,
    };
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
