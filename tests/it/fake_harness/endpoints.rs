//! The routes: exactly the endpoints the client calls, then a catch-all.
//!
//! Every route goes through [`dispatch`], which checks the key, the account,
//! the scope and the paging parameters the way Harness does, then asks the
//! endpoint for its items and wraps them in the `ResponseDTO` envelope (and a
//! `PageResponse` where paged).

use std::collections::BTreeSet;

use axum::extract::{Request as AxumRequest, State as AxumState};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use reviewpack::harness::wire::{Page, UserAggregate, UserInfo};
use reviewpack::snapshot::{ApiKeyType, Scope, Snapshot};
use serde_json::{json, Value};

use super::audit;
use super::convert::{self, scope_ids, to_value};
use super::grow;
use super::{json_response, lock, ApiError, CorrelationId, Shared};

/// Harness's default and maximum page sizes.
const DEFAULT_PAGE_SIZE: i64 = 50;
const MAX_PAGE_SIZE: i64 = 100;

/// One endpoint the client calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    CurrentUser,
    Organizations,
    Projects,
    UserBatch,
    UserAggregate,
    UserGroups,
    ServiceAccounts,
    ApiKeys,
    Tokens,
    Roles,
    Permissions,
    ResourceGroups,
    RoleAssignments,
    Audits,
}

impl Endpoint {
    fn paged(self) -> bool {
        !matches!(self, Endpoint::CurrentUser | Endpoint::Permissions)
    }

    fn takes_body(self) -> bool {
        matches!(
            self,
            Endpoint::UserBatch
                | Endpoint::UserAggregate
                | Endpoint::RoleAssignments
                | Endpoint::Audits
        )
    }
}

macro_rules! route {
    ($ep:expr) => {
        |AxumState(shared): AxumState<Shared>, req: AxumRequest| async move {
            dispatch(shared, $ep, req).await
        }
    };
}

/// The router: every endpoint, then the catch-all for any other path or
/// method.
pub fn router(shared: Shared) -> Router {
    use Endpoint as E;
    Router::new()
        .route("/ng/api/user/currentUser", get(route!(E::CurrentUser)))
        .route("/ng/api/organizations", get(route!(E::Organizations)))
        .route("/ng/api/projects", get(route!(E::Projects)))
        .route("/ng/api/user/batch", post(route!(E::UserBatch)))
        .route("/ng/api/user/aggregate", post(route!(E::UserAggregate)))
        .route("/ng/api/user-groups", get(route!(E::UserGroups)))
        .route(
            "/ng/api/serviceaccount/aggregate",
            get(route!(E::ServiceAccounts)),
        )
        .route("/ng/api/apikey/aggregate", get(route!(E::ApiKeys)))
        .route("/ng/api/token/aggregate", get(route!(E::Tokens)))
        .route("/authz/api/roles", get(route!(E::Roles)))
        .route("/authz/api/permissions", get(route!(E::Permissions)))
        .route(
            "/resourcegroup/api/v2/resourcegroup",
            get(route!(E::ResourceGroups)),
        )
        // The same list under the access-control service, as some
        // installations serve it.
        .route(
            "/authz/api/v2/resourcegroup",
            get(route!(E::ResourceGroups)),
        )
        .route(
            "/authz/api/roleassignments/filter",
            post(route!(E::RoleAssignments)),
        )
        .route("/audit/api/audits/list", post(route!(E::Audits)))
        // SCIM: raw SCIM bodies, no envelope, 1-based paging.
        .route(
            "/ng/api/scim/account/{account}/Users",
            get(
                |AxumState(shared): AxumState<Shared>, req: AxumRequest| async move {
                    scim(shared, ScimResource::Users, req)
                },
            ),
        )
        .route(
            "/ng/api/scim/account/{account}/Groups",
            get(
                |AxumState(shared): AxumState<Shared>, req: AxumRequest| async move {
                    scim(shared, ScimResource::Groups, req)
                },
            ),
        )
        .method_not_allowed_fallback(catch_all)
        .fallback(catch_all)
        .with_state(shared)
}

fn correlation(req: &AxumRequest) -> String {
    req.extensions()
        .get::<CorrelationId>()
        .map(|c| c.0.clone())
        .unwrap_or_else(|| "00000000-0000-4000-8000-ffffffffffff".into())
}

/// Answers anything the client should not ask: 404, recorded.
async fn catch_all(AxumState(shared): AxumState<Shared>, req: AxumRequest) -> Response {
    let corr = correlation(&req);
    let what = {
        let mut st = lock(&shared);
        let what = match req.uri().query() {
            Some(q) => format!(
                "{} {}?{}",
                req.method(),
                req.uri().path(),
                super::redact_query(q, &st.api_key)
            ),
            None => format!("{} {}", req.method(), req.uri().path()),
        };
        st.unexpected.push(what.clone());
        what
    };
    eprintln!("fake harness: unexpected request {what}");
    ApiError::error(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        format!(
            "fake Harness: no route for {} {}",
            req.method(),
            req.uri().path()
        ),
    )
    .into_response_with(&corr)
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=1&b=x%2Cy` -> `[("a","1"), ("b","x,y")]`.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// What an endpoint needs to answer one request.
pub struct Ctx {
    pub params: Vec<(String, String)>,
    pub scope: Scope,
    pub account: String,
    pub missing: BTreeSet<String>,
    pub body: Value,
}

impl Ctx {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.param(name)
            .ok_or_else(|| ApiError::failure(name, format!("{name}: must not be null")))
    }

    /// 403 unless the key holds `permission` (at the requested scope).
    fn require(&self, permission: &str) -> Result<(), ApiError> {
        if self.missing.contains(permission) {
            Err(ApiError::access_denied(
                permission,
                scope_ids(&self.account, &self.scope),
            ))
        } else {
            Ok(())
        }
    }

    fn number(&self, name: &str, default: i64) -> Result<i64, ApiError> {
        match self.param(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| ApiError::failure(name, format!("{name}: invalid number {v:?}"))),
        }
    }

    pub fn key_type(&self) -> Result<ApiKeyType, ApiError> {
        match self.required("apiKeyType")? {
            "USER" => Ok(ApiKeyType::User),
            "SERVICE_ACCOUNT" => Ok(ApiKeyType::ServiceAccount),
            other => Err(ApiError::failure(
                "apiKeyType",
                format!("apiKeyType: unknown value {other:?}"),
            )),
        }
    }

    pub fn audit_filter(&self) -> Result<audit::Filter, ApiError> {
        audit::Filter::from_body(&self.body).map_err(|m| ApiError::failure("body", m))
    }
}

/// The permission whose absence hides a principal type from role-assignment
/// lists (README §7).
fn principal_permission(kind: &str) -> Option<&'static str> {
    match kind {
        "USER" => Some("core_user_view"),
        "USER_GROUP" => Some("core_usergroup_view"),
        "SERVICE_ACCOUNT" => Some("core_serviceaccount_view"),
        _ => None,
    }
}

/// Checks `x-api-key`, or `Authorization: Bearer` with `Harness-Account`.
pub(crate) fn authenticate(
    st: &super::State,
    headers: &axum::http::HeaderMap,
) -> Result<(), ApiError> {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let unauthorized =
        |m: &str| ApiError::error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", m.to_string());
    if let Some(token) = header("authorization").strip_prefix("Bearer ") {
        if st.bearer.as_deref() != Some(token) {
            return Err(unauthorized("Invalid Bearer token"));
        }
        return match header("harness-account") {
            a if a == st.snapshot.account.id => Ok(()),
            "" => Err(unauthorized(
                "The Harness-Account header is required for Authorization methods other than the x-api-key header",
            )),
            _ => Err(unauthorized("Harness-Account does not match the token's account")),
        };
    }
    let key = header("x-api-key");
    if key.is_empty() || key != st.api_key {
        return Err(unauthorized("Invalid API key"));
    }
    Ok(())
}

/// Handles one request to a known endpoint.
async fn dispatch(shared: Shared, ep: Endpoint, req: AxumRequest) -> Response {
    let corr = correlation(&req);
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let mut st = lock(&shared);
    let result = (|| {
        // Key first: Harness authenticates before it validates.
        authenticate(&st, &parts.headers)?;
        let params = parse_query(parts.uri.query().unwrap_or(""));
        let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        let account = st.snapshot.account.id.clone();
        match get("accountIdentifier") {
            Some(a) if a == account => {}
            Some(a) if !a.is_empty() => {
                return Err(ApiError::failure(
                    "accountIdentifier",
                    format!("accountIdentifier {a:?} does not match the API key's account"),
                ))
            }
            _ => {
                return Err(ApiError::failure(
                    "accountIdentifier",
                    "accountIdentifier: must not be null",
                ))
            }
        }
        let scope = Scope::from_identifiers(get("orgIdentifier"), get("projectIdentifier"))
            .ok_or_else(|| {
                ApiError::failure(
                    "orgIdentifier",
                    "orgIdentifier: must not be null when projectIdentifier is given",
                )
            })?;
        let body = if ep.takes_body() {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                json!({})
            } else {
                match serde_json::from_slice::<Value>(&bytes) {
                    Ok(v @ Value::Object(_)) => v,
                    _ => {
                        return Err(ApiError::failure(
                            "body",
                            "Unable to process JSON: the body is not a JSON object",
                        ))
                    }
                }
            }
        } else {
            Value::Null
        };
        let missing = st
            .faults
            .missing_permission
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let ctx = Ctx {
            params: params.clone(),
            scope,
            account,
            missing,
            body,
        };
        if !ep.paged() {
            return unpaged(ep, &st.snapshot);
        }
        let page_index = ctx.number("pageIndex", 0)?;
        let page_size = ctx.number("pageSize", DEFAULT_PAGE_SIZE)?;
        if page_size > MAX_PAGE_SIZE {
            return Err(ApiError::failure(
                "pageSize",
                format!("pageSize must be <= {MAX_PAGE_SIZE}"),
            ));
        }
        if page_size < 1 {
            return Err(ApiError::failure("pageSize", "pageSize must be >= 1"));
        }
        if page_index < 0 {
            return Err(ApiError::failure("pageIndex", "pageIndex must be >= 0"));
        }
        // A list is built once per distinct request (paging aside) and
        // kept until the served account or the faults change, so a long list
        // read page by page costs what Harness's own would.
        let cache_key = format!(
            "{ep:?}?{}#{}",
            parts
                .uri
                .query()
                .unwrap_or("")
                .split('&')
                .filter(|kv| !kv.starts_with("pageIndex=") && !kv.starts_with("pageSize="))
                .collect::<Vec<_>>()
                .join("&"),
            String::from_utf8_lossy(&bytes)
        );
        let items = match st.list_cache.get(&cache_key) {
            Some(items) => items.clone(),
            None => {
                let items = std::sync::Arc::new(list(ep, &st.snapshot, &ctx)?);
                st.list_cache.insert(cache_key, items.clone());
                items
            }
        };
        let page = page_of(&items, page_index, page_size);
        let path = parts.uri.path();
        if page_index == 0
            && st.grow_armed
            && st
                .faults
                .grow_path
                .as_deref()
                .is_some_and(|p| path.starts_with(p))
        {
            st.grow_armed = false;
            st.list_cache.clear();
            st.grown += 1;
            let n = st.grown;
            grow::grow(ep, &mut st.snapshot, &ctx, n);
        }
        Ok(to_value(&page))
    })();
    drop(st);
    match result {
        Ok(data) => json_response(
            StatusCode::OK,
            &ResponseDto {
                status: "SUCCESS",
                data,
                meta_data: None,
                correlation_id: corr,
            },
        ),
        Err(e) => e.into_response_with(&corr),
    }
}

/// `ResponseDTO`, in Harness's field order (the wire type has no
/// `metaData`, which Harness always sends).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseDto {
    status: &'static str,
    data: Value,
    meta_data: Option<Value>,
    correlation_id: String,
}

/// One 0-based page of `items`.
fn page_of(items: &[Value], index: i64, size: i64) -> Page<Value> {
    let total = items.len() as i64;
    let start = index.saturating_mul(size).min(total) as usize;
    let end = (start as i64 + size).min(total) as usize;
    let content: Vec<Value> = items[start..end].to_vec();
    Page {
        total_pages: Some((total + size - 1) / size),
        total_items: Some(total),
        page_item_count: Some(content.len() as i64),
        page_size: Some(size),
        page_index: Some(index),
        empty: Some(content.is_empty()),
        content,
    }
}

/// The `data` of an unpaged endpoint.
fn unpaged(ep: Endpoint, snap: &Snapshot) -> Result<Value, ApiError> {
    match ep {
        Endpoint::CurrentUser => {
            let caller = snap
                .provenance
                .caller
                .as_ref()
                .filter(|c| c.kind == "user")
                .ok_or_else(|| {
                    ApiError::error(
                        StatusCode::BAD_REQUEST,
                        "INVALID_REQUEST",
                        "Current user is not a user principal",
                    )
                })?;
            let user = snap.users.iter().find(|u| u.id.0 == caller.id);
            Ok(to_value(&UserInfo {
                uuid: Some(caller.id.clone()),
                name: caller.name.clone().or_else(|| user.map(|u| u.name.clone())),
                email: caller
                    .email
                    .clone()
                    .or_else(|| user.map(|u| u.email.clone())),
            }))
        }
        Endpoint::Permissions => Ok(Value::Array(
            snap.permissions.iter().map(convert::permission).collect(),
        )),
        _ => unreachable!("{ep:?} is paged"),
    }
}

/// Every item of a paged list, in snapshot order, before paging.
fn list(ep: Endpoint, snap: &Snapshot, ctx: &Ctx) -> Result<Vec<Value>, ApiError> {
    let account = ctx.account.as_str();
    let scope = &ctx.scope;
    Ok(match ep {
        Endpoint::Organizations => snap.orgs.iter().map(convert::organization).collect(),
        Endpoint::Projects => {
            let org = ctx.param("orgIdentifier");
            snap.projects
                .iter()
                .filter(|p| org.is_none_or(|o| p.org == o))
                .map(convert::project)
                .collect()
        }
        Endpoint::UserBatch => snap
            .users
            .iter()
            .filter(|u| *scope == Scope::Account || u.scopes.contains(scope))
            .map(|u| to_value(&convert::user_metadata(u)))
            .collect(),
        Endpoint::UserAggregate => {
            ctx.require("core_user_view")?;
            snap.users
                .iter()
                .filter(|u| *scope == Scope::Account || u.scopes.contains(scope))
                .map(|u| {
                    to_value(&UserAggregate {
                        user: convert::user_metadata(u),
                    })
                })
                .collect()
        }
        Endpoint::UserGroups => {
            ctx.require("core_usergroup_view")?;
            let inherited = ctx.param("filterType") == Some("INCLUDE_INHERITED_GROUPS");
            let scopes = if inherited {
                scope.self_and_ancestors()
            } else {
                vec![scope.clone()]
            };
            snap.user_groups
                .iter()
                .filter(|g| scopes.contains(&g.scope))
                .map(|g| convert::user_group(account, g))
                .collect()
        }
        Endpoint::ServiceAccounts => {
            ctx.require("core_serviceaccount_view")?;
            snap.service_accounts
                .iter()
                .filter(|s| s.scope == *scope)
                .map(|s| convert::service_account(account, s))
                .collect()
        }
        Endpoint::ApiKeys => {
            let kind = ctx.key_type()?;
            let parent = ctx.required("parentIdentifier")?;
            ctx.require(key_permission(kind))?;
            snap.api_keys
                .iter()
                .filter(|k| k.scope == *scope && k.key_type == kind && k.parent == parent)
                .map(|k| convert::api_key(account, k))
                .collect()
        }
        Endpoint::Tokens => {
            let kind = ctx.key_type()?;
            let parent = ctx.required("parentIdentifier")?;
            let key = ctx.required("apiKeyIdentifier")?;
            ctx.require(key_permission(kind))?;
            snap.tokens
                .iter()
                .filter(|t| {
                    t.scope == *scope
                        && t.key_type == kind
                        && t.parent == parent
                        && t.api_key.0 == key
                })
                .map(|t| convert::token(account, t))
                .collect()
        }
        Endpoint::Roles => {
            ctx.require("core_role_view")?;
            snap.roles
                .iter()
                .filter(|r| r.scope == *scope)
                .map(|r| convert::role(account, r))
                .collect()
        }
        Endpoint::ResourceGroups => {
            ctx.require("core_resourcegroup_view")?;
            snap.resource_groups
                .iter()
                .filter(|g| g.scope == *scope)
                .map(|g| convert::resource_group(account, g))
                .collect()
        }
        Endpoint::RoleAssignments => {
            let hidden: Vec<&str> = ["USER", "USER_GROUP", "SERVICE_ACCOUNT"]
                .into_iter()
                .filter(|k| principal_permission(k).is_some_and(|p| ctx.missing.contains(p)))
                .collect();
            if hidden.len() == 3 {
                return Err(ApiError::error(
                    StatusCode::UNAUTHORIZED,
                    "USER_NOT_AUTHORIZED",
                    "Current principal is not authorized to view any principal type",
                ));
            }
            snap.role_assignments
                .iter()
                .filter(|a| a.scope == *scope && !hidden.contains(&a.principal.kind.as_str()))
                .map(|a| convert::role_assignment(account, a))
                .collect()
        }
        Endpoint::Audits => {
            ctx.require("core_audit_view")?;
            audit::events(snap, &ctx.audit_filter()?)
        }
        Endpoint::CurrentUser | Endpoint::Permissions => unreachable!("{ep:?} is unpaged"),
    })
}

/// The view permission guarding API keys and tokens of this type.
fn key_permission(kind: ApiKeyType) -> &'static str {
    match kind {
        ApiKeyType::ServiceAccount => "core_serviceaccount_view",
        ApiKeyType::User => "core_user_view",
    }
}

/// A SCIM resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScimResource {
    Users,
    Groups,
}

const SCIM_LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SCIM_ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const SCIM_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const SCIM_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// A response with `Content-Type: application/scim+json`.
fn scim_response(status: StatusCode, v: &Value) -> Response {
    let mut resp = json_response(status, v);
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/scim+json"),
    );
    resp
}

/// A SCIM error body (RFC 7644 section 3.12).
fn scim_error(status: StatusCode, detail: &str) -> Response {
    scim_response(
        status,
        &json!({"schemas": [SCIM_ERROR], "status": status.as_u16().to_string(), "detail": detail}),
    )
}

/// The SCIM users the served account lists: its `scim` section when it has
/// one, else its externally managed users.
pub fn scim_users(snap: &Snapshot) -> Vec<Value> {
    let user = |id: &str,
                user_name: &str,
                external_id: Option<&str>,
                active: bool,
                display: &str,
                emails: &[String]| {
        let emails: Vec<Value> = emails
            .iter()
            .enumerate()
            .map(|(i, e)| json!({"value": e, "primary": i == 0}))
            .collect();
        let mut v = json!({
            "schemas": [SCIM_USER],
            "id": id,
            "userName": user_name,
            "displayName": display,
            "active": active,
            "emails": emails,
            "groups": [],
            "meta": {"resourceType": "User"},
        });
        if let Some(x) = external_id {
            v["externalId"] = json!(x);
        }
        v
    };
    match &snap.scim {
        Some(scim) => scim
            .users
            .iter()
            .map(|u| {
                user(
                    &u.id,
                    &u.user_name,
                    u.external_id.as_deref(),
                    u.active,
                    &u.user_name,
                    &u.emails,
                )
            })
            .collect(),
        None => snap
            .users
            .iter()
            .filter(|u| u.externally_managed)
            .map(|u| {
                user(
                    u.id.as_str(),
                    &u.email,
                    None,
                    !u.disabled,
                    &u.name,
                    std::slice::from_ref(&u.email),
                )
            })
            .collect(),
    }
}

/// The SCIM groups the served account lists: its `scim` section when it has
/// one, else its externally managed groups (one per identifier).
pub fn scim_groups(snap: &Snapshot) -> Vec<Value> {
    let group = |id: &str, display: &str, members: &mut dyn Iterator<Item = &str>| {
        let members: Vec<Value> = members.map(|m| json!({"value": m})).collect();
        json!({
            "schemas": [SCIM_GROUP],
            "id": id,
            "displayName": display,
            "members": members,
            "meta": {"resourceType": "Group"},
        })
    };
    match &snap.scim {
        Some(scim) => scim
            .groups
            .iter()
            .map(|g| {
                group(
                    &g.id,
                    &g.display_name,
                    &mut g.members.iter().map(String::as_str),
                )
            })
            .collect(),
        None => {
            let mut seen = BTreeSet::new();
            snap.user_groups
                .iter()
                .filter(|g| g.externally_managed && seen.insert(g.id.as_str()))
                .map(|g| {
                    group(
                        g.id.as_str(),
                        &g.name,
                        &mut g.members.iter().map(|m| m.as_str()),
                    )
                })
                .collect()
        }
    }
}

/// `GET /ng/api/scim/account/{account}/Users|Groups`: authenticated like
/// every endpoint; 1-based `startIndex`, `count` capped at 100.
fn scim(shared: Shared, resource: ScimResource, req: AxumRequest) -> Response {
    let corr = correlation(&req);
    let st = lock(&shared);
    if let Err(e) = authenticate(&st, req.headers()) {
        return e.into_response_with(&corr);
    }
    let account = req
        .uri()
        .path()
        .trim_start_matches("/ng/api/scim/account/")
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    if account != st.snapshot.account.id {
        return scim_error(StatusCode::NOT_FOUND, "Account not found");
    }
    let missing = st.faults.missing_permission.as_deref().unwrap_or("");
    let needs = match resource {
        ScimResource::Users => "core_user_view",
        ScimResource::Groups => "core_usergroup_view",
    };
    if missing.split(',').any(|p| p.trim() == needs) {
        return scim_error(
            StatusCode::FORBIDDEN,
            &format!("Missing permission {needs}"),
        );
    }
    let params = parse_query(req.uri().query().unwrap_or(""));
    let number = |n: &str, default: i64| {
        params
            .iter()
            .find(|(k, _)| k == n)
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .unwrap_or(default)
    };
    let start = number("startIndex", 1).max(1);
    let count = number("count", MAX_PAGE_SIZE).clamp(0, MAX_PAGE_SIZE);
    let items = match resource {
        ScimResource::Users => scim_users(&st.snapshot),
        ScimResource::Groups => scim_groups(&st.snapshot),
    };
    drop(st);
    let total = items.len() as i64;
    let from = (start - 1).min(total) as usize;
    let to = (start - 1 + count).min(total) as usize;
    let page: Vec<Value> = items[from..to].to_vec();
    scim_response(
        StatusCode::OK,
        &json!({
            "schemas": [SCIM_LIST],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": page.len(),
            "Resources": page,
        }),
    )
}
