//! A fake Harness NextGen API over real HTTP, serving any [`Snapshot`] back
//! in Harness's wire shapes (`reviewpack::harness::wire`), with switchable
//! faults.
//!
//! Why it exists: `pull` must be tested against the API's real behaviour
//! (envelopes, 0-based paging capped at 100, exact-scope lists, unpaged
//! endpoints, audit filter bodies, error bodies, HTML pages from proxies,
//! 429s without `Retry-After`) without a network. Everything it serves is a
//! pure function of the snapshot it holds, listed in snapshot order, so a
//! round trip snapshot -> fake -> `pull` -> snapshot can be compared exactly.
//!
//! What it must not do: invent behaviour the README does not describe, or
//! answer a request the client should not make. Unknown routes reach a
//! catch-all that answers 404 and records the request in
//! [`FakeHarness::unexpected`], so tests can assert that list is empty.
//!
//! [`FakeHarness::replay`] serves a recording made by `pull --record`
//! instead (`replay.rs`): the answers a real Harness gave, pseudonymised,
//! matched by method, path, query and body.
//!
//! Tests are synchronous: the server runs on its own thread with its own
//! tokio runtime and stops when the [`FakeHarness`] is dropped.

// A support library shared by several test modules: not every module uses
// every item.
#![allow(dead_code)]

mod audit;
pub mod builtins;
mod convert;
mod endpoints;
mod grow;
pub mod http;
pub mod redirector;
mod replay;
mod sample;

pub use endpoints::with_server_counts;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request as AxumRequest, State as AxumState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use reviewpack::harness::wire::{ErrorBody, PermissionCheck, ScopeIds};
use reviewpack::snapshot::Snapshot;

pub use sample::{small_snapshot, SMALL_ACCOUNT};

/// A running fake Harness API. Dropping it stops the server.
pub struct FakeHarness {
    addr: SocketAddr,
    shared: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Fault settings; [`FakeHarness::set_faults`] replaces them all (and re-arms
/// the one-shot faults).
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// The next N requests get 429 with a Harness error body.
    pub too_many_requests: usize,
    /// When set, 429s (from any cause) carry this `Retry-After`.
    pub retry_after_secs: Option<u64>,
    /// The next N requests (after any 429s) get `server_error_status`.
    pub server_errors: usize,
    /// Status of the server errors; 0 means 503.
    pub server_error_status: u16,
    /// Added to every response.
    pub latency: Duration,
    /// Requests whose path starts with this get an HTML 403 page, as from a
    /// proxy or WAF (before any key check).
    pub html_403_path: Option<String>,
    /// The next 200 response to a path starting with this is cut in half
    /// (invalid JSON); once.
    pub truncate_path: Option<String>,
    /// A view permission the key lacks, such as `core_serviceaccount_view`
    /// (several may be given, comma-separated). Endpoints needing it answer
    /// 403 `NG_ACCESS_DENIED`; role-assignment lists silently drop the
    /// principal type it guards.
    pub missing_permission: Option<String>,
    /// Permissions the key lacks at one scope only (its role's resource
    /// group leaves that scope out for that resource type), such as
    /// `("core_usergroup_view", project eng/pay)`. Unlike
    /// `unviewable_scopes`, the scope itself is still listed.
    pub missing_at: Vec<(String, reviewpack::snapshot::Scope)>,
    /// A paged list whose path starts with this gains one new item (in the
    /// served snapshot) after its page 0 is served; once.
    pub grow_path: Option<String>,
    /// A simulated server limit: a request arriving when this many requests
    /// were admitted in the last 60 s gets 429.
    pub rate_limit_per_minute: Option<u32>,
    /// Requests whose path starts with this get a JSON 404, as on an
    /// installation that does not serve that service path.
    pub not_found_path: Option<String>,
    /// `PL_HIDE_PROJECT_LEVEL_MANAGED_ROLE`: project role lists and reads
    /// return custom roles only.
    pub hide_project_managed_roles: bool,
    /// `PL_HIDE_ORGANIZATION_LEVEL_MANAGED_ROLE`: org (and, through the
    /// server's else-if, project) role lists and reads return custom roles
    /// only.
    pub hide_org_managed_roles: bool,
    /// Emails the SCIM store lists that NextGen does not have: they come
    /// first in the store and are taken off the pages they fall on.
    pub scim_users_not_in_ng: Vec<String>,
    /// The other plausible reading of `token/aggregate`: a list at a scope
    /// holds that exact scope's tokens only (the source read here spans
    /// child scopes when no org or project is given).
    pub tokens_exact_scope: bool,
    /// Every error answer echoes the credential the request carried in its
    /// message and correlation id, as a careless proxy or server might.
    pub echo_credential: bool,
    /// With `echo_credential`, the echo is transformed rather than verbatim:
    /// the credential and its secret part percent-encoded (lower- and
    /// upper-case hex), JSON `\u`-escaped and base64-encoded
    /// ([`encoded_echoes`]), as a proxy that encodes what it quotes might.
    pub echo_encoded: bool,
    /// Requests whose path starts with the first string are redirected, with
    /// the third as status, to the same path with that prefix replaced by
    /// the second, on this server (a same-origin redirect).
    pub redirect_prefix: Option<(String, String, u16)>,
    /// Orgs and projects where the key holds no permission at all (its
    /// role's resource group leaves them out), such as "a key that cannot
    /// see one project". The org and project lists leave them out (their
    /// per-item permission filter), a request at such a scope lacks every
    /// view permission, and a list across child scopes made at a scope the
    /// key can view still holds their user groups (its check is made at the
    /// requested scope only).
    pub unviewable_scopes: Vec<reviewpack::snapshot::Scope>,
    /// Resources the key may view one by one although it lacks the view
    /// permission at their scope (a role bound on a resource group that
    /// names them): `(resource type, scope, identifier)`, such as
    /// `("USERGROUP", Scope::Account, "platform_admins")`. Lists that
    /// narrow to what the key may view (user groups, service accounts) keep
    /// these, and the access check permits them.
    pub granted_resources: Vec<(String, reviewpack::snapshot::Scope, String)>,
    /// A Harness from before `INCLUDE_CHILD_SCOPE_GROUPS` (PL-31353,
    /// February 2023): the value is not one of its `UserGroupFilterType`s,
    /// so the query parameter does not convert and the request is refused
    /// (404 here; see docs/harness-behaviour.md U3 for the other reading).
    pub child_scope_groups_unsupported: bool,
    /// A Harness from before `filterType` (PL-23733, May 2022): the
    /// parameter is ignored and every user-group list is the exact scope's.
    pub group_filter_type_ignored: bool,
    /// The served key's token has expired (or was revoked): every request
    /// with it gets what Harness answers any key it does not accept, 401
    /// `INVALID_TOKEN` "Token is not valid." ([`endpoints::token_not_valid`]).
    pub key_expired: bool,
}

/// One request as the fake saw it (the API key never appears here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, such as `/ng/api/user-groups`.
    pub path: String,
    /// The raw query string (empty when none), with any value equal to the
    /// key replaced by `REDACTED`.
    pub query: String,
    /// The request body as text (empty for none), the key replaced by
    /// `REDACTED`.
    pub body: String,
}

impl Request {
    /// The decoded value of query parameter `name`, if present.
    pub fn param(&self, name: &str) -> Option<String> {
        endpoints::parse_query(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

type Shared = Arc<Mutex<State>>;

/// Everything the server and the test thread share.
pub(crate) struct State {
    snapshot: Snapshot,
    api_key: String,
    /// The Bearer token accepted (with `Harness-Account`), when set.
    bearer: Option<String>,
    faults: Faults,
    truncate_armed: bool,
    grow_armed: bool,
    grown: u32,
    requests: Vec<Request>,
    unexpected: Vec<String>,
    admitted: VecDeque<Instant>,
    next_correlation: u64,
    /// Built lists by request (paging aside); cleared when the served
    /// account or the faults change.
    list_cache: std::collections::HashMap<String, std::sync::Arc<Vec<serde_json::Value>>>,
    /// The recording served instead of the snapshot ([`FakeHarness::replay`]).
    replay: Option<replay::Replay>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    // A panicking handler must not hide every later request's answer.
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

impl FakeHarness {
    /// Starts serving `snapshot` on `127.0.0.1:0`, accepting only `api_key`.
    /// The account id is `snapshot.account.id`.
    pub fn start(snapshot: Snapshot, api_key: &str) -> FakeHarness {
        let shared = new_state(snapshot, api_key, None);
        FakeHarness::serve(shared.clone(), endpoints::router(shared))
    }

    /// Serves a recording written by `pull --record` (its `manifest.json`
    /// and `exchanges/`): each request gets the answer recorded for the same
    /// method, path, query and body, the recorded attempts of one request in
    /// the order they were made (the last one again once they are used
    /// up). An unrecorded request gets a 404 naming it, and is listed in
    /// [`FakeHarness::unexpected`]. Any credential is accepted: the
    /// recording holds none. Faults still apply, before the recording.
    pub fn replay(dir: &std::path::Path) -> FakeHarness {
        let recording = reviewpack::harness::record::read(dir)
            .unwrap_or_else(|e| panic!("cannot replay {}: {e}", dir.display()));
        let shared = new_state(
            small_snapshot(),
            "",
            Some(replay::Replay::new(recording.exchanges)),
        );
        FakeHarness::serve(shared.clone(), replay::router(shared))
    }

    fn serve(shared: Shared, router: axum::Router) -> FakeHarness {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = router.layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            front_door,
        ));
        let thread = std::thread::Builder::new()
            .name("fake-harness".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    tokio::select! {
                        r = axum::serve(listener, app) => {
                            if let Err(e) = r {
                                eprintln!("fake harness: server error: {e}");
                            }
                        }
                        _ = rx => {}
                    }
                });
                // Dropping the runtime cancels open connections.
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawn fake harness thread");
        FakeHarness {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the fault settings and re-arms the one-shot faults.
    pub fn set_faults(&self, f: Faults) {
        let mut st = lock(&self.shared);
        st.truncate_armed = f.truncate_path.is_some();
        st.grow_armed = f.grow_path.is_some();
        st.list_cache.clear();
        st.faults = f;
    }

    /// Also accepts `Authorization: Bearer <token>`, but only with a
    /// `Harness-Account` header naming the served account (Harness requires
    /// it for every auth method but `x-api-key`).
    pub fn accept_bearer(&self, token: &str) {
        lock(&self.shared).bearer = Some(token.to_string());
    }

    /// Every request seen so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared).requests.clone()
    }

    /// How many requests were seen.
    pub fn request_count(&self) -> usize {
        lock(&self.shared).requests.len()
    }

    /// Forgets the requests seen so far (and the unexpected ones).
    pub fn clear_requests(&self) {
        let mut st = lock(&self.shared);
        st.requests.clear();
        st.unexpected.clear();
    }

    /// The requests the catch-all answered, as `METHOD /path?query`.
    pub fn unexpected(&self) -> Vec<String> {
        lock(&self.shared).unexpected.clone()
    }

    /// Changes the served account, for example between two pages.
    pub fn mutate(&self, f: impl FnOnce(&mut Snapshot)) {
        let mut st = lock(&self.shared);
        st.list_cache.clear();
        f(&mut st.snapshot);
    }

    /// The snapshot currently served (after any `mutate` or `grow_path`).
    pub fn snapshot(&self) -> Snapshot {
        lock(&self.shared).snapshot.clone()
    }
}

fn new_state(snapshot: Snapshot, api_key: &str, replay: Option<replay::Replay>) -> Shared {
    Arc::new(Mutex::new(State {
        snapshot,
        api_key: api_key.to_string(),
        bearer: None,
        faults: Faults::default(),
        truncate_armed: false,
        grow_armed: false,
        grown: 0,
        requests: Vec::new(),
        unexpected: Vec::new(),
        admitted: VecDeque::new(),
        next_correlation: 0,
        list_cache: Default::default(),
        replay,
    }))
}

impl Drop for FakeHarness {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The correlation id of the current request, put into the request's
/// extensions by [`front_door`].
#[derive(Clone, Debug)]
pub(crate) struct CorrelationId(pub String);

/// A Harness error answer: a status and an `ErrorDTO`/`FailureDTO` body.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub body: Box<ErrorBody>,
    /// `FailureDTO.errors`, for validation failures.
    pub field_errors: Vec<(String, String)>,
    /// `ErrorDTO.responseMessages` as `(code, message)`, level `ERROR`.
    pub response_messages: Vec<(&'static str, &'static str)>,
}

impl ApiError {
    /// `FAILURE` with HTTP 400, as Harness answers a validation error.
    pub fn failure(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: Box::new(ErrorBody {
                status: Some("FAILURE".into()),
                code: Some("INVALID_REQUEST".into()),
                message: Some(message.clone()),
                ..ErrorBody::default()
            }),
            field_errors: vec![(field.to_string(), message)],
            response_messages: Vec::new(),
        }
    }

    /// `ERROR` with the given status and code.
    pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: Box::new(ErrorBody {
                status: Some("ERROR".into()),
                code: Some(code.into()),
                message: Some(message.into()),
                ..ErrorBody::default()
            }),
            field_errors: Vec::new(),
            response_messages: Vec::new(),
        }
    }

    /// 403 `NG_ACCESS_DENIED` for a missing view permission at `scope`; the
    /// message starts with the principal the access check named, when one
    /// was (`AbstractAccessControlClient.generateAccessDeniedExceptionMessage`).
    pub fn access_denied(principal: Option<&str>, permission: &str, scope: ScopeIds) -> ApiError {
        let resource_type = permission_resource_type(permission);
        let mut e = ApiError::error(
            StatusCode::FORBIDDEN,
            "NG_ACCESS_DENIED",
            format!(
                "{}Missing permission {permission} on {}",
                principal.map(|p| format!("{p} : ")).unwrap_or_default(),
                resource_type.to_ascii_lowercase()
            ),
        );
        e.body.failed_permission_checks = vec![PermissionCheck {
            resource_scope: Some(scope),
            resource_type: Some(resource_type),
            permission: Some(permission.to_string()),
        }];
        e
    }

    /// 403 `NG_ACCESS_DENIED` with no failed checks, as a list that narrows
    /// to what the key may view answers when it may view none of its items
    /// (`AbstractAccessControlClient.checkForAccessOrThrow(List)`).
    pub fn access_denied_to_every_item(principal: &str, permission: &str) -> ApiError {
        ApiError::error(
            StatusCode::FORBIDDEN,
            "NG_ACCESS_DENIED",
            format!(
                "{principal} : Missing permission {permission} on {}",
                permission_resource_type(permission).to_ascii_lowercase()
            ),
        )
    }

    /// The response, with the request's correlation id.
    pub fn into_response_with(mut self, correlation_id: &str) -> Response {
        self.body.correlation_id = Some(correlation_id.to_string());
        let mut v = serde_json::to_value(&self.body).expect("error body serialises");
        if let serde_json::Value::Object(m) = &mut v {
            // ErrorDTO fields the wire type does not model, as Harness sends them.
            m.insert("detailedMessage".into(), serde_json::Value::Null);
            m.insert("metadata".into(), serde_json::Value::Null);
            if !self.field_errors.is_empty() {
                let errs = self
                    .field_errors
                    .iter()
                    .map(|(f, e)| serde_json::json!({"fieldId": f, "error": e}))
                    .collect();
                m.insert("errors".into(), serde_json::Value::Array(errs));
            } else {
                let messages: Vec<serde_json::Value> = self
                    .response_messages
                    .iter()
                    .map(|(code, message)| {
                        serde_json::json!({"code": code, "level": "ERROR", "message": message, "exception": null, "failureTypes": []})
                    })
                    .collect();
                m.insert(
                    "responseMessages".into(),
                    serde_json::Value::Array(messages),
                );
            }
        }
        json_response(self.status, &v)
    }
}

/// `core_serviceaccount_view` -> `SERVICEACCOUNT`.
pub(crate) fn permission_resource_type(permission: &str) -> String {
    let p = permission.strip_prefix("core_").unwrap_or(permission);
    let p = p.rsplit_once('_').map(|(t, _)| t).unwrap_or(p);
    p.replace('_', "").to_ascii_uppercase()
}

/// A JSON response with `Content-Type: application/json`.
pub(crate) fn json_response(status: StatusCode, v: &impl serde::Serialize) -> Response {
    let body = serde_json::to_vec(v).expect("JSON serialises");
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A uuid-shaped, deterministic correlation id: the n-th request's.
fn correlation_id(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// What the front door decided before routing.
enum Gate {
    Pass,
    TooMany,
    ServerError(StatusCode),
    Html403,
    NotFound,
    Redirect(u16, String),
}

/// The outer middleware, for every request (routes and catch-all alike):
/// records it, adds latency, applies request-level faults (as a proxy or the
/// rate limiter would, before any key check), and truncates a response when
/// asked.
async fn front_door(
    AxumState(shared): AxumState<Shared>,
    mut req: AxumRequest,
    next: Next,
) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    // Buffer the body so it can be recorded, then hand it on.
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 << 20).await {
        Ok(b) => b,
        Err(_) => axum::body::Bytes::new(),
    };
    req = AxumRequest::from_parts(parts, Body::from(bytes.clone()));

    // What a careless server echoes in its errors (`Faults::echo_credential`).
    let sent_key = req
        .headers()
        .get("x-api-key")
        .or_else(|| req.headers().get("authorization"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (corr, gate, latency, retry_after, echo) = {
        let mut st = lock(&shared);
        let corr = correlation_id(st.next_correlation);
        st.next_correlation += 1;
        let query = redact_query(&raw_query, &st.api_key);
        let mut body = String::from_utf8_lossy(&bytes).into_owned();
        if !st.api_key.is_empty() {
            // `POST /ng/api/token/validate` carries the key as its body.
            body = body.replace(&st.api_key, "REDACTED");
        }
        st.requests.push(Request {
            method: method.clone(),
            path: path.clone(),
            query,
            body,
        });
        let now = Instant::now();
        let window = Duration::from_secs(60);
        while st
            .admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            st.admitted.pop_front();
        }
        let limited = st
            .faults
            .rate_limit_per_minute
            .is_some_and(|limit| st.admitted.len() >= limit as usize);
        let redirect = st
            .faults
            .redirect_prefix
            .as_ref()
            .and_then(|(from, to, status)| {
                path.strip_prefix(from.as_str()).map(|rest| {
                    let q = if raw_query.is_empty() {
                        String::new()
                    } else {
                        format!("?{raw_query}")
                    };
                    Gate::Redirect(*status, format!("{to}{rest}{q}"))
                })
            });
        let gate = if let Some(r) = redirect {
            r
        } else if limited {
            Gate::TooMany
        } else if st.faults.too_many_requests > 0 {
            st.faults.too_many_requests -= 1;
            Gate::TooMany
        } else if st.faults.server_errors > 0 {
            st.faults.server_errors -= 1;
            let code = match st.faults.server_error_status {
                0 => 503,
                c => c,
            };
            Gate::ServerError(StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE))
        } else if st
            .faults
            .html_403_path
            .as_deref()
            .is_some_and(|p| path.starts_with(p))
        {
            Gate::Html403
        } else if st
            .faults
            .not_found_path
            .as_deref()
            .is_some_and(|p| path.starts_with(p))
        {
            Gate::NotFound
        } else {
            Gate::Pass
        };
        if !limited {
            st.admitted.push_back(now);
        }
        (
            corr,
            gate,
            st.faults.latency,
            st.faults.retry_after_secs,
            st.faults.echo_credential.then_some(st.faults.echo_encoded),
        )
    };

    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    match gate {
        Gate::Pass => {}
        Gate::Redirect(status, location) => {
            let mut resp = Response::new(Body::empty());
            *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND);
            resp.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_str(&location).expect("location"),
            );
            return resp;
        }
        Gate::TooMany => {
            let mut resp = ApiError::error(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Too many requests",
            )
            .into_response_with(&corr);
            if let Some(secs) = retry_after {
                resp.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_str(&secs.to_string()).expect("digits"),
                );
            }
            return resp;
        }
        Gate::NotFound => {
            let echoed = match echo {
                Some(encoded) => format!(" (request key {})", echo_of(&sent_key, encoded)),
                None => String::new(),
            };
            return ApiError::error(
                StatusCode::NOT_FOUND,
                "RESOURCE_NOT_FOUND",
                format!("No resource at {path}{echoed}"),
            )
            .into_response_with(&corr);
        }
        Gate::ServerError(status) => {
            return ApiError::error(
                status,
                "UNEXPECTED",
                format!("Service unavailable (HTTP {})", status.as_u16()),
            )
            .into_response_with(&corr);
        }
        Gate::Html403 => {
            let page = "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>\
                        <body><h1>403 Forbidden</h1><p>Request blocked by security policy.</p>\
                        </body></html>\n";
            return (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                page,
            )
                .into_response();
        }
    }

    req.extensions_mut().insert(CorrelationId(corr));
    let resp = next.run(req).await;

    if resp.status() == StatusCode::OK {
        let cut = {
            let mut st = lock(&shared);
            let hit = st.truncate_armed
                && st
                    .faults
                    .truncate_path
                    .as_deref()
                    .is_some_and(|p| path.starts_with(p));
            if hit {
                st.truncate_armed = false;
            }
            hit
        };
        if cut {
            let (mut parts, body) = resp.into_parts();
            let full = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = full.slice(..full.len() / 2);
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, Body::from(half));
        }
    }
    resp
}

/// The query string with any value equal to the key replaced.
fn redact_query(raw: &str, key: &str) -> String {
    if raw.is_empty() || key.is_empty() {
        return raw.to_string();
    }
    raw.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if endpoints::percent_decode(v) == key {
                format!("{k}=REDACTED")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The transformed echoes of a credential (`Faults::echo_encoded`): the
/// whole header value and its secret part (after the last dot), each
/// percent-encoded byte by byte (lower- and upper-case hex), JSON
/// `\u`-escaped, and base64-encoded alone and inside a longer text (standard
/// and URL-safe alphabets).
pub fn encoded_echoes(sent: &str) -> Vec<String> {
    let secret = sent.rsplit_once('.').map_or(sent, |(_, s)| s);
    let pct = |s: &str, upper: bool| -> String {
        s.bytes()
            .map(|b| {
                if upper {
                    format!("%{b:02X}")
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect()
    };
    let json_u = |s: &str| -> String { s.bytes().map(|b| format!("\\u{b:04x}")).collect() };
    vec![
        pct(sent, false),
        pct(secret, true),
        json_u(sent),
        base64(sent.as_bytes(), false),
        base64(format!("x-api-key: {sent}").as_bytes(), false),
        base64(format!("key={secret}").as_bytes(), true),
    ]
}

/// What an echoing server writes for the credential `sent`.
fn echo_of(sent: &str, encoded: bool) -> String {
    if encoded {
        encoded_echoes(sent).join(" ")
    } else {
        sent.to_string()
    }
}

/// Base64 with padding, standard or URL-safe alphabet.
fn base64(bytes: &[u8], url_safe: bool) -> String {
    reviewpack::text::base64(bytes, url_safe)
}
