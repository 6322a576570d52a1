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
use reviewpack::harness::wire::{AccountDto, Page, UserAggregate, UserInfo};
use reviewpack::snapshot::{ApiKeyType, AssignmentCounts, Role, RoleAssignment, Scope, Snapshot};
use serde_json::{json, Value};

use super::audit;
use super::builtins;
use super::convert::{self, scope_ids, to_value};
use super::grow;
use super::{json_response, lock, ApiError, CorrelationId, Shared};

/// Harness's default and maximum page sizes.
const DEFAULT_PAGE_SIZE: i64 = 50;
const MAX_PAGE_SIZE: i64 = 100;

/// One endpoint the client (or Harness's Python SDK) calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    CurrentUser,
    Account,
    Organizations,
    Projects,
    UserBatch,
    UserAggregate,
    UserGroups,
    ServiceAccounts,
    ApiKeys,
    Tokens,
    Roles,
    Role,
    Permissions,
    ResourceGroups,
    RoleAssignments,
    RoleAssignmentsGet,
    RoleAssignmentAggregate,
    Audits,
    AuditYaml,
    AccessCheck,
}

impl Endpoint {
    fn paged(self) -> bool {
        !matches!(
            self,
            Endpoint::CurrentUser
                | Endpoint::Account
                | Endpoint::Permissions
                | Endpoint::Role
                | Endpoint::RoleAssignmentAggregate
                | Endpoint::AuditYaml
                | Endpoint::AccessCheck
        )
    }

    fn takes_body(self) -> bool {
        matches!(
            self,
            Endpoint::UserBatch
                | Endpoint::UserAggregate
                | Endpoint::RoleAssignments
                | Endpoint::RoleAssignmentAggregate
                | Endpoint::Audits
                | Endpoint::AccessCheck
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
        .route("/ng/api/accounts/{account}", get(route!(E::Account)))
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
        .route("/authz/api/roles/{identifier}", get(route!(E::Role)))
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
        // The unfiltered list, as Harness's Python SDK reads it.
        .route(
            "/authz/api/roleassignments",
            get(route!(E::RoleAssignmentsGet)),
        )
        .route(
            "/authz/api/roleassignments/aggregate",
            post(route!(E::RoleAssignmentAggregate)),
        )
        .route("/audit/api/audits/list", post(route!(E::Audits)))
        .route("/audit/api/auditYaml", get(route!(E::AuditYaml)))
        .route("/authz/api/acl", post(route!(E::AccessCheck)))
        .route("/ng/api/token/validate", post(validate_token))
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
#[derive(Clone)]
pub struct Ctx {
    pub params: Vec<(String, String)>,
    pub scope: Scope,
    pub account: String,
    pub missing: BTreeSet<String>,
    pub body: Value,
    /// The request path (for path parameters).
    pub path: String,
    /// Role lists and reads at this scope return custom roles only
    /// (`RoleResourceImpl` with the hide-managed-role flags).
    pub hide_managed_roles: bool,
    /// Token lists filter by the exact scope (`Faults::tokens_exact_scope`).
    pub tokens_exact_scope: bool,
    /// Scopes where the key holds no permission (`Faults::unviewable_scopes`).
    pub unviewable: Vec<Scope>,
    /// `Faults::child_scope_groups_unsupported`.
    pub child_scope_groups_unsupported: bool,
    /// `Faults::group_filter_type_ignored`.
    pub group_filter_type_ignored: bool,
    /// `Faults::granted_resources`.
    pub granted: Vec<(String, Scope, String)>,
    /// `Faults::missing_at`.
    pub missing_at: Vec<(String, Scope)>,
    /// Who the key is, as the access check names it: (identifier, type).
    pub caller: (String, String),
}

impl Ctx {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.param(name)
            .ok_or_else(|| ApiError::failure(name, format!("{name}: must not be null")))
    }

    /// Whether the key holds `permission` at `scope`: the fake's one model
    /// of the caller's grants, which every endpoint and the access check
    /// read (every permission everywhere, less `Faults::missing_permission`,
    /// `Faults::missing_at` and the `Faults::unviewable_scopes`).
    pub fn can(&self, permission: &str, scope: &Scope) -> bool {
        !self.missing.contains(permission)
            && !self.unviewable.contains(scope)
            && !self
                .missing_at
                .iter()
                .any(|(p, s)| p == permission && s == scope)
    }

    /// Whether the key holds `permission` on one resource: at its scope, or
    /// on it by name (`Faults::granted_resources`).
    pub fn can_on(&self, permission: &str, kind: &str, scope: &Scope, id: &str) -> bool {
        self.can(permission, scope)
            || (!self.unviewable.contains(scope)
                && self
                    .granted
                    .iter()
                    .any(|(k, s, i)| k == kind && s == scope && i == id))
    }

    /// The principal as Harness's messages name it.
    fn principal_phrase(&self) -> String {
        format!(
            "Principal of type {} with identifier {}",
            self.caller.1, self.caller.0
        )
    }

    /// The items of a list the server narrows to what the key may view
    /// (`UserGroupServiceImpl.list`, `ServiceAccountServiceImpl.
    /// listAggregateServiceAccounts`): all of them with the permission at the
    /// requested scope; without it, those whose identifier the key may view
    /// one by one (matched by identifier, so the same identifier at another
    /// scope comes too); none viewable of some is a 403 with no failed checks,
    /// and an empty list stays empty. Never a 403 naming the permission.
    fn narrowed<'s, T>(
        &self,
        items: Vec<&'s T>,
        permission: &str,
        kind: &str,
        place: impl Fn(&T) -> (&Scope, &str),
    ) -> Result<Vec<&'s T>, ApiError> {
        if self.can(permission, &self.scope) || items.is_empty() {
            return Ok(items);
        }
        let permitted: BTreeSet<&str> = items
            .iter()
            .filter(|i| {
                let (scope, id) = place(i);
                self.can_on(permission, kind, scope, id)
            })
            .map(|i| place(i).1)
            .collect();
        if permitted.is_empty() {
            return Err(ApiError::access_denied_to_every_item(
                &self.principal_phrase(),
                permission,
            ));
        }
        Ok(items
            .into_iter()
            .filter(|i| permitted.contains(place(i).1))
            .collect())
    }

    /// 403 unless the key holds `permission` (at the requested scope; the
    /// client never asks at a scope it cannot list, and if it did, every
    /// permission the key lacks there is refused).
    fn require(&self, permission: &str) -> Result<(), ApiError> {
        if !self.can(permission, &self.scope) {
            Err(ApiError::access_denied(
                Some(&self.principal_phrase()),
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

/// What Harness answers a credential it does not accept: 401
/// `INVALID_TOKEN` with the message of that code's template ("Token is not
/// valid.", `response_messages.properties`), whatever the filter's own
/// exception said (`WingsExceptionMapperV2` takes the message from
/// `ExceptionLogger.getResponseMessageList`, which fills in the code's
/// template, and INVALID_TOKEN's quotes nothing). An API key whose token
/// expired, was revoked or never existed, or whose secret is wrong, gets
/// this same answer (`NextGenAuthenticationFilter` wraps every failure of
/// `validateApiKey`): docs/harness-behaviour.md T2.
pub(crate) fn token_not_valid() -> ApiError {
    let mut e = ApiError::error(
        StatusCode::UNAUTHORIZED,
        "INVALID_TOKEN",
        "Token is not valid.",
    );
    e.response_messages = vec![("INVALID_TOKEN", "Token is not valid.")];
    e
}

/// What Harness answers a JWT whose `exp` has passed
/// (`JWTTokenServiceUtils.verifyJWTToken`: java-jwt 3.1.0 throws
/// `InvalidClaimException`, answered `EXPIRED_TOKEN` with its template,
/// "Token expired."): docs/harness-behaviour.md T4.
pub(crate) fn token_expired() -> ApiError {
    let mut e = ApiError::error(StatusCode::UNAUTHORIZED, "EXPIRED_TOKEN", "Token expired.");
    e.response_messages = vec![("EXPIRED_TOKEN", "Token expired.")];
    e
}

/// The `exp` claim of a JWT, when `token` is one stating it.
fn jwt_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = reviewpack::text::base64_decode(payload)?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.get("exp")?.as_f64().map(|e| e as i64)
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
            return Err(token_not_valid());
        }
        // The signature holds (the token is the one accepted); then its
        // claims, `exp` among them, against the server's clock.
        if jwt_exp(token).is_some_and(|exp| exp <= chrono::Utc::now().timestamp()) {
            return Err(token_expired());
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
    if key.is_empty() || key != st.api_key || st.faults.key_expired {
        return Err(token_not_valid());
    }
    Ok(())
}

/// `POST /ng/api/token/validate?accountIdentifier=A` with an API key as
/// its `text/plain` body (`TokenResource.validateToken`, authenticated like
/// any request, no permission checked): the key's token
/// (`TokenServiceImpl.validateToken`: found by the key's third part, the
/// token's id; `TokenValidationHelper.validateToken` then checks account,
/// prefix, secret and expiry). The fake's snapshot keeps no token ids, so
/// it finds the token whose identifier is the key's third part; a key
/// naming none is `Token not found`, as Harness answers an unknown id.
async fn validate_token(AxumState(shared): AxumState<Shared>, req: AxumRequest) -> Response {
    let corr = correlation(&req);
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let st = lock(&shared);
    let result = (|| {
        authenticate(&st, &parts.headers)?;
        let params = parse_query(parts.uri.query().unwrap_or(""));
        let account = st.snapshot.account.id.clone();
        if !params
            .iter()
            .any(|(k, v)| k == "accountIdentifier" && *v == account)
        {
            return Err(ApiError::failure(
                "accountIdentifier",
                "accountIdentifier: must not be null",
            ));
        }
        let invalid = |m: String| {
            ApiError::error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                format!("Invalid request: {m}"),
            )
        };
        let key = String::from_utf8_lossy(&bytes).trim().to_string();
        let split: Vec<&str> = key.split('.').collect();
        if split.len() != 4 && split.len() != 3 {
            return Err(invalid(
                "Invalid API Token: Token length not matching for API token".into(),
            ));
        }
        let token_id = split[split.len() - 2];
        let token = st
            .snapshot
            .tokens
            .iter()
            .find(|t| t.id.0 == token_id)
            .ok_or_else(|| invalid(format!("Invalid API token {token_id}: Token not found")))?;
        if key != st.api_key {
            return Err(invalid(format!(
                "Invalid API token {token_id}: Raw password not matching for new API token format"
            )));
        }
        let sa = st
            .snapshot
            .service_accounts
            .iter()
            .find(|s| s.scope == token.scope && s.id.as_str() == token.parent);
        Ok(convert::validated_token(
            &account,
            token,
            sa.map(|s| s.name.as_str()),
            sa.and_then(|s| s.email.as_deref()),
            chrono::Utc::now(),
        ))
    })();
    drop(st);
    match result {
        Ok(data) => success(data, corr),
        Err(e) => e.into_response_with(&corr),
    }
}

/// Harness's envelope of a successful answer (`ResponseDTO`, status
/// SUCCESS).
fn success(data: Value, corr: String) -> Response {
    json_response(
        StatusCode::OK,
        &ResponseDto {
            status: "SUCCESS",
            data,
            meta_data: None,
            correlation_id: corr,
        },
    )
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
        // RoleResourceImpl: the project flag at a project, else the org flag
        // at an org *or a project* (its else-if also fires there).
        let hide_managed_roles = (scope.project().is_some()
            && st.faults.hide_project_managed_roles)
            || (scope.org().is_some() && st.faults.hide_org_managed_roles);
        let ctx = Ctx {
            params: params.clone(),
            scope,
            account,
            missing,
            body,
            path: parts.uri.path().to_string(),
            hide_managed_roles,
            tokens_exact_scope: st.faults.tokens_exact_scope,
            unviewable: st.faults.unviewable_scopes.clone(),
            child_scope_groups_unsupported: st.faults.child_scope_groups_unsupported,
            group_filter_type_ignored: st.faults.group_filter_type_ignored,
            granted: st.faults.granted_resources.clone(),
            missing_at: st.faults.missing_at.clone(),
            caller: acl_principal(&st.snapshot),
        };
        if !ep.paged() {
            return unpaged(ep, &st.snapshot, &ctx);
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
    let echo = st.faults.echo_credential.then_some(st.faults.echo_encoded);
    drop(st);
    match result {
        Ok(data) => success(data, corr),
        Err(mut e) => {
            if let Some(encoded) = echo {
                // Echo whatever credential came: the careless server.
                let sent = parts
                    .headers
                    .get("x-api-key")
                    .or_else(|| parts.headers.get("authorization"))
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let echoed = super::echo_of(&sent, encoded);
                e.body.message = Some(format!(
                    "{} (request key {echoed})",
                    e.body.message.unwrap_or_default()
                ));
                return e.into_response_with(&echoed);
            }
            e.into_response_with(&corr)
        }
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
fn unpaged(ep: Endpoint, snap: &Snapshot, ctx: &Ctx) -> Result<Value, ApiError> {
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
                        // `UserInfoServiceImpl.getUserEmail`.
                        "Invalid request: Current user can be accessed only by 'USER' principal type",
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
        Endpoint::Account => {
            // `AccountResource.get`: @NGAccessControlCheck core_account_view.
            ctx.require("core_account_view")?;
            let id = ctx.path.rsplit('/').next().unwrap_or("");
            if id != snap.account.id {
                return Err(ApiError::error(
                    StatusCode::NOT_FOUND,
                    "RESOURCE_NOT_FOUND",
                    format!("Account {id} not found"),
                ));
            }
            Ok(to_value(&AccountDto {
                identifier: Some(snap.account.id.clone()),
                name: snap.account.name.clone(),
                company_name: snap.account.name.clone(),
                authentication_mechanism: snap.account.authentication_mechanism.clone(),
                two_factor_admin_enforced: snap.account.two_factor_enforced,
            }))
        }
        Endpoint::Permissions => {
            // Without scopeFilterDisabled the server keeps only the
            // permissions allowed at the requested scope's level.
            let all = ctx.param("scopeFilterDisabled") == Some("true");
            Ok(Value::Array(
                snap.permissions
                    .iter()
                    .filter(|p| all || p.allowed_scope_levels.contains(&ctx.scope.level()))
                    .map(convert::permission)
                    .collect(),
            ))
        }
        Endpoint::Role => {
            ctx.require("core_role_view")?;
            let id = ctx.path.rsplit('/').next().unwrap_or("");
            roles_at(snap, ctx)
                .into_iter()
                .find(|r| r.id.as_str() == id)
                .map(|r| convert::role(&ctx.account, &with_scope(r, &ctx.scope), None))
                .ok_or_else(|| {
                    ApiError::error(
                        StatusCode::NOT_FOUND,
                        "RESOURCE_NOT_FOUND",
                        format!("Role with identifier [{id}] is not found in the given scope"),
                    )
                })
        }
        Endpoint::AuditYaml => {
            // `AuditYamlResourceImpl.get`: the event, else 400; then the
            // audit permission on its scope; then its YAML record.
            let id = ctx.required("auditId")?;
            let unknown = || {
                ApiError::error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST",
                    format!("No audit found with auditId {id}"),
                )
            };
            let r = snap
                .activity
                .removals
                .iter()
                .find(|r| r.audit_id == id)
                .ok_or_else(unknown)?;
            let filter = audit::Filter::from_body(&serde_json::json!({
                "scopes": [scope_ids(&ctx.account, &r.scope)]
            }))
            .map_err(|m| ApiError::failure("auditId", m))?;
            audit_permission(ctx, &filter)?;
            audit::yaml(snap, id)
                .map(|y| to_value(&y))
                .ok_or_else(unknown)
        }
        Endpoint::RoleAssignmentAggregate => {
            // `RoleAssignmentResourceImpl.getAggregated`: the first 1,000
            // assignments the filter admits, the roles they name with no
            // managed filter, their resource groups by name only.
            let filter = AssignmentFilter::from_ctx(ctx)?;
            let assignments: Vec<&RoleAssignment> = snap
                .role_assignments
                .iter()
                .filter(|a| a.scope == ctx.scope && !a.internal && filter.admits(a))
                .take(AGGREGATE_CAP)
                .collect();
            let role_ids: BTreeSet<&str> = assignments.iter().map(|a| a.role.id.as_str()).collect();
            let unhidden = Ctx {
                hide_managed_roles: false,
                ..ctx.clone()
            };
            let roles: Vec<Value> = roles_at(snap, &unhidden)
                .into_iter()
                .filter(|r| role_ids.contains(r.id.as_str()))
                .map(|r| convert::role(&ctx.account, &with_scope(r, &ctx.scope), None))
                .collect();
            let rg_ids: BTreeSet<&str> = assignments
                .iter()
                .map(|a| a.resource_group.as_str())
                .collect();
            let rgs: Vec<Value> = resource_group_names(snap, &ctx.scope)
                .into_iter()
                .filter(|(id, _)| rg_ids.contains(id.as_str()))
                .map(|(id, name)| json!({"identifier": id, "name": name}))
                .collect();
            let bare: Vec<Value> = assignments
                .iter()
                .map(|a| convert::role_assignment(&ctx.account, a)["roleAssignment"].clone())
                .collect();
            Ok(json!({
                "roleAssignments": bare,
                "scope": convert::scope_ids(&ctx.account, &ctx.scope),
                "roles": roles,
                "resourceGroups": rgs,
            }))
        }
        Endpoint::AccessCheck => access_check(snap, ctx),
        _ => unreachable!("{ep:?} is paged"),
    }
}

/// The access check's principal for the served account's caller: a user by
/// uuid, a service account by identifier (`NextGenAuthenticationFilter.
/// getPrincipal`: a `sat.` key is its service account).
fn acl_principal(snap: &Snapshot) -> (String, String) {
    match &snap.provenance.caller {
        Some(c) if c.kind == "service_account" => {
            let id = c.id.rsplit('/').next().unwrap_or(&c.id);
            (id.to_string(), "SERVICE_ACCOUNT".into())
        }
        Some(c) => (c.id.clone(), "USER".into()),
        None => ("unknown".into(), "USER".into()),
    }
}

/// `POST /authz/api/acl`, as `ACLResourceImpl.get` answers an API key, in
/// the server's order: the body's validation first (more than 10,000 checks,
/// or a check without a resource type or permission: 400 `FAILURE`); no
/// checks, an empty list; a `principal` other than the caller (one with no
/// identifier included) is refused (`AccessControlResourceUtils.
/// checkPreconditions`), none means the caller; an identifier with
/// attributes is refused. One answer per check, in order, echoing it with
/// `permitted` from the fake's grants ([`permitted`]).
fn access_check(snap: &Snapshot, ctx: &Ctx) -> Result<Value, ApiError> {
    const MAX: usize = 10_000;
    let checks = ctx
        .body
        .get("permissions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text = |c: &Value, k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if checks.len() > MAX {
        return Err(ApiError::failure(
            "permissions",
            format!(
                "The number of permission checks '{}' must be less than {MAX}",
                checks.len()
            ),
        ));
    }
    if checks
        .iter()
        .any(|c| text(c, "resourceType").is_none() || text(c, "permission").is_none())
    {
        return Err(ApiError::failure(
            "permissions",
            "resourceType and permission: must not be empty",
        ));
    }
    let asked = ctx.body.get("principal").filter(|p| !p.is_null());
    if checks.is_empty() {
        return Ok(
            json!({"principal": asked.cloned().unwrap_or(Value::Null), "accessControlList": []}),
        );
    }
    if asked
        .is_some_and(|p| text(p, "principalIdentifier").as_deref() != Some(ctx.caller.0.as_str()))
    {
        return Err(ApiError::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "Missing principal in context or User doesn't have permission to check access for a different principal",
        ));
    }
    let with_attributes = |c: &Value| c.get("resourceAttributes").is_some_and(|a| !a.is_null());
    if checks
        .iter()
        .any(|c| text(c, "resourceIdentifier").is_some() && with_attributes(c))
    {
        return Err(ApiError::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "Cannot pass both resource attributes and resource identifier in permission check",
        ));
    }
    let principal = json!({"principalIdentifier": ctx.caller.0, "principalType": ctx.caller.1});
    let mut answers = Vec::with_capacity(checks.len());
    for c in &checks {
        let kind = text(c, "resourceType").unwrap_or_default();
        let permission = text(c, "permission").unwrap_or_default();
        let id = text(c, "resourceIdentifier");
        // `PermissionCheckDTOMapper`: a scope without an account is none.
        let scope_ids = c
            .get("resourceScope")
            .filter(|s| text(s, "accountIdentifier").is_some());
        let scope = match scope_ids {
            Some(s) if text(s, "accountIdentifier").as_deref() == Some(ctx.account.as_str()) => {
                Scope::from_identifiers(
                    text(s, "orgIdentifier").as_deref(),
                    text(s, "projectIdentifier").as_deref(),
                )
            }
            // Another account's resources: no grant of the key's.
            Some(_) => None,
            None => Some(Scope::Account),
        };
        let permitted = scope
            .is_some_and(|scope| permitted(snap, ctx, &permission, &kind, &scope, id.as_deref()));
        let mut answer =
            json!({"permission": permission, "resourceType": kind, "permitted": permitted});
        if let Some(s) = scope_ids {
            answer["resourceScope"] = s.clone();
        }
        if let Some(id) = id {
            answer["resourceIdentifier"] = json!(id);
        }
        answers.push(answer);
    }
    Ok(json!({"principal": principal, "accessControlList": answers}))
}

/// Whether the key holds `permission` on a resource of type `kind` at
/// `scope` (`id`: one resource; none: every one of the type there), from
/// the fake's grants ([`Ctx::can`], [`Ctx::can_on`]). An org or a project
/// named by identifier is checked as the org and project lists check each
/// item (`ScopeAccessHelper`): at the item's own scope. An identifier naming
/// no org or project matches only a grant covering every item
/// (`ACLDAOImpl.getQueryStrings`: the child-scope grants of the scope and
/// above), which in the fake's model is the permission held at the scope
/// and at every org or project of the type within it.
fn permitted(
    snap: &Snapshot,
    ctx: &Ctx,
    permission: &str,
    kind: &str,
    scope: &Scope,
    id: Option<&str>,
) -> bool {
    let items: Vec<Scope> = match (kind, scope) {
        ("ORGANIZATION", Scope::Account) => {
            snap.orgs.iter().map(|o| Scope::Org(o.id.clone())).collect()
        }
        ("PROJECT", Scope::Org(o)) => snap
            .projects
            .iter()
            .filter(|p| p.org == *o)
            .map(|p| p.scope())
            .collect(),
        _ => {
            return match id {
                Some(id) => ctx.can_on(permission, kind, scope, id),
                None => ctx.can(permission, scope),
            }
        }
    };
    let named = id.and_then(|id| {
        items
            .iter()
            .find(|s| s.project().or(s.org()) == Some(id))
            .map(|s| (s, id))
    });
    match (id, named) {
        (_, Some((item, id))) => ctx.can_on(permission, kind, item, id),
        // No identifier: the scope's own grants (the fake's one model).
        (None, None) => ctx.can(permission, scope),
        (Some(_), None) => {
            ctx.can(permission, scope) && items.iter().all(|s| ctx.can(permission, s))
        }
    }
}

/// The aggregate endpoint's cap (`PageRequest.builder().pageSize(1000)`).
const AGGREGATE_CAP: usize = 1000;

/// A managed role shown at the scope it is read at (it has none of its own).
fn with_scope(r: &Role, scope: &Scope) -> Role {
    Role {
        scope: scope.clone(),
        ..r.clone()
    }
}

/// The roles a list at `ctx.scope` returns: custom roles of that exact scope,
/// then the managed roles allowed at its level unless the hide flags apply
/// (`RoleDaoImpl.createCriteriaFromFilter`, `RoleResourceImpl.get`).
/// What the role list says of a role's assignments at `scope`
/// (`RoleServiceImpl.listWithPrincipalCount`): every assignment of the
/// scope naming the role, disabled ones included and internal ones left
/// out, by principal type, whatever the caller may view.
pub fn role_assignment_counts(snap: &Snapshot, scope: &Scope, role: &str) -> AssignmentCounts {
    let mut c = AssignmentCounts::default();
    for a in snap
        .role_assignments
        .iter()
        .filter(|a| a.scope == *scope && !a.internal && a.role.id.as_str() == role)
    {
        match a.principal.kind.as_str() {
            "USER" => c.users += 1,
            "USER_GROUP" => c.user_groups += 1,
            "SERVICE_ACCOUNT" => c.service_accounts += 1,
            _ => {}
        }
    }
    c
}

/// How many API keys a service account has: what the server sends as its
/// `tokensCount` (`ServiceAccountServiceImpl`, `getApiKeysPerParentIdentifier`).
pub fn api_keys_of(snap: &Snapshot, sa: &reviewpack::snapshot::ServiceAccount) -> usize {
    snap.api_keys
        .iter()
        .filter(|k| {
            k.scope == sa.scope
                && k.key_type == ApiKeyType::ServiceAccount
                && k.parent == sa.id.as_str()
        })
        .count()
}

/// Sets what a pull of `snap` from the server would record of the server's
/// own counts: every role's list counts at its scope and every service
/// account's API-key count (for snapshots built to be served).
pub fn with_server_counts(snap: &mut Snapshot) {
    let counts: Vec<AssignmentCounts> = snap
        .roles
        .iter()
        .map(|r| role_assignment_counts(snap, &r.scope, r.id.as_str()))
        .collect();
    for (r, c) in snap.roles.iter_mut().zip(counts) {
        r.assignment_counts = Some(c);
    }
    let keys: Vec<usize> = snap
        .service_accounts
        .iter()
        .map(|s| api_keys_of(snap, s))
        .collect();
    for (s, n) in snap.service_accounts.iter_mut().zip(keys) {
        s.api_key_count = Some(n as u64);
    }
}

fn roles_at<'s>(snap: &'s Snapshot, ctx: &Ctx) -> Vec<&'s Role> {
    let mut out: Vec<&Role> = Vec::new();
    if !ctx.hide_managed_roles {
        out.extend(
            builtins::managed_roles(snap)
                .into_iter()
                .filter(|r| builtins::role_allowed_at(r, &ctx.scope)),
        );
    }
    out.extend(
        snap.roles
            .iter()
            .filter(|r| !r.harness_managed && r.scope == ctx.scope),
    );
    out
}

/// (identifier, name) of every resource group a scope's list holds.
fn resource_group_names(snap: &Snapshot, scope: &Scope) -> Vec<(String, String)> {
    builtins::builtin_groups_at(scope)
        .map(|g| (g.id.to_string(), g.name.to_string()))
        .chain(
            snap.resource_groups
                .iter()
                .filter(|g| !g.harness_managed && g.scope == *scope)
                .map(|g| (g.id.0.clone(), g.name.clone())),
        )
        .collect()
}

/// `RoleAssignmentFilterDTO`, the parts the fake honours. With no principal
/// filter the server lists only the principal types the key may view, of
/// USER, USER_GROUP and SERVICE_ACCOUNT (`buildRoleAssignmentFilterWithPermissionFilter`):
/// any other type (`SERVICE`) is never listed.
struct AssignmentFilter {
    types: BTreeSet<String>,
    roles: BTreeSet<String>,
    resource_groups: BTreeSet<String>,
    disabled: BTreeSet<bool>,
    managed: BTreeSet<bool>,
}

impl AssignmentFilter {
    fn from_ctx(ctx: &Ctx) -> Result<AssignmentFilter, ApiError> {
        let strings = |k: &str| -> BTreeSet<String> {
            ctx.body
                .get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let bools = |k: &str| -> BTreeSet<bool> {
            ctx.body
                .get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_bool).collect())
                .unwrap_or_default()
        };
        let viewable: BTreeSet<String> = ["USER", "USER_GROUP", "SERVICE_ACCOUNT"]
            .into_iter()
            .filter(|k| principal_permission(k).is_some_and(|p| ctx.can(p, &ctx.scope)))
            .map(str::to_string)
            .collect();
        let asked = strings("principalTypeFilter");
        let types: BTreeSet<String> = if asked.is_empty() {
            viewable
        } else {
            asked.intersection(&viewable).cloned().collect()
        };
        if types.is_empty() {
            return Err(ApiError::error(
                StatusCode::UNAUTHORIZED,
                "USER_NOT_AUTHORIZED",
                "Current principal is not authorized to the view the role assignments",
            ));
        }
        Ok(AssignmentFilter {
            types,
            roles: strings("roleFilter"),
            resource_groups: strings("resourceGroupFilter"),
            disabled: bools("disabledFilter"),
            managed: bools("harnessManagedFilter"),
        })
    }

    fn admits(&self, a: &RoleAssignment) -> bool {
        self.types.contains(&a.principal.kind)
            && (self.roles.is_empty() || self.roles.contains(a.role.id.as_str()))
            && (self.resource_groups.is_empty()
                || self.resource_groups.contains(a.resource_group.as_str()))
            && (self.disabled.is_empty() || self.disabled.contains(&a.disabled))
            && (self.managed.is_empty() || self.managed.contains(&a.managed))
    }
}

/// `GET /ng/api/user-groups?filterType=INCLUDE_CHILD_SCOPE_GROUPS`, as
/// `UserGroupServiceImpl.list` answers it: the groups of the requested scope
/// and every scope below it (`createChildScopeCriteria`: the account, and
/// the org and project only when given), each naming its own scope. The
/// view permission is checked once, at the requested scope: with it every
/// such group is listed, whatever the key may see below; without it the
/// groups the key may view one by one are found (`getPermittedUserGroups`)
/// and the list is narrowed to their *identifiers*, so a group of the same
/// identifier at a scope the key cannot view comes too. Never a 403.
fn child_scope_groups(snap: &Snapshot, ctx: &Ctx) -> Result<Vec<Value>, ApiError> {
    let below: Vec<&reviewpack::snapshot::UserGroup> = snap
        .user_groups
        .iter()
        .filter(|g| g.scope.is_within(&ctx.scope))
        .collect();
    Ok(ctx
        .narrowed(below, "core_usergroup_view", "USERGROUP", |g| {
            (&g.scope, g.id.as_str())
        })?
        .into_iter()
        .map(|g| convert::user_group(&ctx.account, g))
        .collect())
}

/// The caller's user id, when the served account says the key is a user's.
fn caller_user(snap: &Snapshot) -> Option<&str> {
    snap.provenance
        .caller
        .as_ref()
        .filter(|c| c.kind == "user")
        .map(|c| c.id.as_str())
}

/// Every item of a paged list, in snapshot order, before paging.
fn list(ep: Endpoint, snap: &Snapshot, ctx: &Ctx) -> Result<Vec<Value>, ApiError> {
    let account = ctx.account.as_str();
    let scope = &ctx.scope;
    Ok(match ep {
        // `OrganizationServiceImpl.listPermittedOrgs`: the orgs the key may
        // view, one by one.
        Endpoint::Organizations => snap
            .orgs
            .iter()
            .filter(|o| {
                ctx.can_on(
                    "core_organization_view",
                    "ORGANIZATION",
                    &Scope::Org(o.id.clone()),
                    &o.id,
                )
            })
            .map(convert::organization)
            .collect(),
        // `ProjectResource.list` -> `ProjectServiceImpl.listPermittedProjects`:
        // `orgIdentifier` is optional (without it, every org's projects in
        // one list, each naming its org), and each project is kept only if
        // the key may view it (`getCriteriaForPermittedProjects`).
        Endpoint::Projects => {
            let org = ctx.param("orgIdentifier");
            snap.projects
                .iter()
                .filter(|p| org.is_none_or(|o| p.org == o))
                .filter(|p| ctx.can_on("core_project_view", "PROJECT", &p.scope(), &p.id))
                .map(convert::project)
                .collect()
        }
        // `UserResource.getUsers`: checkForAccessOrThrow core_user_view at
        // the requested scope.
        Endpoint::UserBatch => {
            ctx.require("core_user_view")?;
            snap.users
                .iter()
                .filter(|u| *scope == Scope::Account || u.scopes.contains(scope))
                .map(|u| to_value(&convert::user_metadata(u)))
                .collect()
        }
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
            let filter = if ctx.group_filter_type_ignored {
                None
            } else {
                ctx.param("filterType")
            };
            let scopes = match filter {
                None | Some("EXCLUDE_INHERITED_GROUPS") => vec![scope.clone()],
                Some("INCLUDE_INHERITED_GROUPS") => scope.self_and_ancestors(),
                Some("INCLUDE_CHILD_SCOPE_GROUPS") if !ctx.child_scope_groups_unsupported => {
                    return child_scope_groups(snap, ctx);
                }
                Some(other) => {
                    return Err(ApiError::error(
                        StatusCode::NOT_FOUND,
                        "RESOURCE_NOT_FOUND",
                        format!("filterType {other:?} is not a UserGroupFilterType"),
                    ))
                }
            };
            // Narrowed to what the key may view, never a 403 naming the
            // permission (docs/harness-behaviour.md U6).
            let here: Vec<_> = snap
                .user_groups
                .iter()
                .filter(|g| scopes.contains(&g.scope))
                .collect();
            ctx.narrowed(here, "core_usergroup_view", "USERGROUP", |g| {
                (&g.scope, g.id.as_str())
            })?
            .into_iter()
            .map(|g| convert::user_group(account, g))
            .collect()
        }
        Endpoint::ServiceAccounts => {
            // Likewise (`listAggregateServiceAccounts`, U10).
            let here: Vec<_> = snap
                .service_accounts
                .iter()
                .filter(|s| s.scope == *scope)
                .collect();
            ctx.narrowed(here, "core_serviceaccount_view", "SERVICEACCOUNT", |s| {
                (&s.scope, s.id.as_str())
            })?
            .into_iter()
            .map(|s| convert::service_account(account, s, api_keys_of(snap, s)))
            .collect()
        }
        Endpoint::ApiKeys => {
            // `ApiKeyResource.listAggregatedApiKeys`: parentIdentifier is
            // required; `ApiKeyServiceImpl.validateParentIdentifier` checks
            // core_serviceaccount_manageapikey on the service account (a
            // user's keys only for that user).
            let kind = ctx.key_type()?;
            let parent = ctx.required("parentIdentifier")?;
            authorize_keys(snap, ctx, kind, Some(parent))?;
            snap.api_keys
                .iter()
                .filter(|k| k.scope == *scope && k.key_type == kind && k.parent == parent)
                .map(|k| {
                    let tokens = snap
                        .tokens
                        .iter()
                        .filter(|t| {
                            t.scope == k.scope
                                && t.key_type == k.key_type
                                && t.parent == k.parent
                                && t.api_key == k.id
                        })
                        .count();
                    convert::api_key(account, k, tokens)
                })
                .collect()
        }
        Endpoint::Tokens => {
            // `TokenServiceImpl.listAggregateTokens`: parentIdentifier and
            // apiKeyIdentifier are optional, and the scope filter adds the
            // org (and project) only when given, so at account scope the
            // list spans every scope of the account.
            let kind = ctx.key_type()?;
            let parent = ctx.param("parentIdentifier");
            let key = ctx.param("apiKeyIdentifier");
            authorize_keys(snap, ctx, kind, parent)?;
            snap.tokens
                .iter()
                .filter(|t| {
                    let in_scope = if ctx.tokens_exact_scope {
                        t.scope == *scope
                    } else {
                        scope.org().is_none_or(|o| t.scope.org() == Some(o))
                            && scope.project().is_none_or(|p| t.scope.project() == Some(p))
                    };
                    t.key_type == kind
                        && in_scope
                        && parent.is_none_or(|p| t.parent == p)
                        && key.is_none_or(|k| t.api_key.0 == k)
                })
                .map(|t| convert::token(account, t))
                .collect()
        }
        Endpoint::Roles => {
            ctx.require("core_role_view")?;
            roles_at(snap, ctx)
                .into_iter()
                .map(|r| {
                    let counts = role_assignment_counts(snap, scope, r.id.as_str());
                    convert::role(account, &with_scope(r, scope), Some(counts))
                })
                .collect()
        }
        Endpoint::ResourceGroups => {
            ctx.require("core_resourcegroup_view")?;
            builtins::builtin_groups_at(scope)
                .map(convert::builtin_resource_group)
                .chain(
                    snap.resource_groups
                        .iter()
                        .filter(|g| !g.harness_managed && g.scope == *scope)
                        .map(|g| convert::resource_group(account, g)),
                )
                .collect()
        }
        Endpoint::RoleAssignments | Endpoint::RoleAssignmentsGet => {
            let filter = AssignmentFilter::from_ctx(ctx)?;
            snap.role_assignments
                .iter()
                // `hideInternal`: lists leave Harness's internal ones out.
                .filter(|a| a.scope == *scope && !a.internal && filter.admits(a))
                .map(|a| convert::role_assignment(account, a))
                .collect()
        }
        Endpoint::Audits => {
            let filter = ctx.audit_filter()?;
            audit_permission(ctx, &filter)?;
            audit::events(snap, &filter)
        }
        Endpoint::CurrentUser
        | Endpoint::Account
        | Endpoint::Permissions
        | Endpoint::Role
        | Endpoint::RoleAssignmentAggregate
        | Endpoint::AuditYaml
        | Endpoint::AccessCheck => unreachable!("{ep:?} is unpaged"),
    })
}

const MANAGE_API_KEY: &str = "core_serviceaccount_manageapikey";

/// `AuditPermissionValidator.validate`, for each scope of the filter (none:
/// the account): `core_audit_view` on the account, or on the scope's org or
/// project; else 403 `ACCESS_DENIED` (an `AccessDeniedException`, not
/// `NG_ACCESS_DENIED`) naming no failed check, the permission in its
/// message only.
fn audit_permission(ctx: &Ctx, filter: &audit::Filter) -> Result<(), ApiError> {
    const VIEW: &str = "core_audit_view";
    let scopes: Vec<(Option<&str>, Option<&str>)> = if filter.wire.scopes.is_empty() {
        vec![(None, None)]
    } else {
        filter
            .wire
            .scopes
            .iter()
            .map(|s| (s.org_identifier.as_deref(), s.project_identifier.as_deref()))
            .collect()
    };
    for (org, project) in scopes {
        let allowed = ctx.can(VIEW, &Scope::Account)
            || org.is_some_and(|o| ctx.can(VIEW, &Scope::Org(o.into())))
            || org
                .zip(project)
                .is_some_and(|(o, p)| ctx.can(VIEW, &Scope::Project(o.into(), p.into())));
        if !allowed {
            let (kind, id) = match (org, project) {
                (Some(_), Some(p)) => ("PROJECT", p),
                (Some(o), None) => ("ORGANIZATION", o),
                _ => ("ACCOUNT", ctx.account.as_str()),
            };
            return Err(ApiError::error(
                StatusCode::FORBIDDEN,
                "ACCESS_DENIED",
                format!("You need {VIEW} permission on {kind} with identifier: {id} to perform this action"),
            ));
        }
    }
    Ok(())
}

/// Who may list API keys and tokens: a service account's need
/// core_serviceaccount_manageapikey (which Account Viewer lacks); a user's,
/// that user, or core_user_manage for every user's tokens.
fn authorize_keys(
    snap: &Snapshot,
    ctx: &Ctx,
    kind: ApiKeyType,
    parent: Option<&str>,
) -> Result<(), ApiError> {
    match kind {
        // On the service account named (`checkForAccessOrThrow` with its
        // identifier), or on every one at the scope when none is named.
        ApiKeyType::ServiceAccount => match parent {
            Some(p) if ctx.can_on(MANAGE_API_KEY, "SERVICEACCOUNT", &ctx.scope, p) => Ok(()),
            _ => ctx.require(MANAGE_API_KEY),
        },
        ApiKeyType::User => match parent {
            Some(p) if caller_user(snap) == Some(p) => Ok(()),
            _ => ctx.require("core_user_manage"),
        },
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
                emails: &[String],
                created: Option<chrono::DateTime<chrono::Utc>>| {
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
        if let Some(c) = created {
            v["meta"]["created"] = json!(c.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
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
                    u.created,
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
                    None,
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

/// Checks a SCIM request's credential the way `NextGenAuthenticationFilter`
/// does for `@ScimAPI` resources: only `Authorization: Bearer <token>`, and
/// the token must be an API key token (`tokenClient.validateApiKey`); the
/// `x-api-key` header is not read at all.
fn authenticate_scim(st: &super::State, headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(token) = authorization
        .find("Bearer ")
        .map(|i| authorization[i + "Bearer ".len()..].trim())
    else {
        // A missing header is unverified: the server's `contains` would
        // throw on null; treated like a header without the prefix.
        return Err(ApiError::error(
            StatusCode::UNAUTHORIZED,
            "INVALID_TOKEN",
            "Bearer prefix not found",
        ));
    };
    if token.is_empty() || token != st.api_key || st.faults.key_expired {
        return Err(token_not_valid());
    }
    Ok(())
}

/// `GET /ng/api/scim/account/{account}/Users|Groups`, as Harness answers it:
/// Bearer-only authentication; `startIndex` 1-based; `count` as asked (20
/// when absent); the page read from the SCIM store, then (users) the ones
/// NextGen does not know taken off it; `totalResults` the size of what is
/// left and `itemsPerPage` the count asked (`ScimUserServiceImpl.searchUser`,
/// `NGScimUserServiceImpl.removeUsersNotinNG`, `NGScimGroupServiceImpl`).
fn scim(shared: Shared, resource: ScimResource, req: AxumRequest) -> Response {
    let corr = correlation(&req);
    let st = lock(&shared);
    if let Err(e) = authenticate_scim(&st, req.headers()) {
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
        return ApiError::access_denied(None, needs, scope_ids(&account, &Scope::Account))
            .into_response_with(&corr);
    }
    let params = parse_query(req.uri().query().unwrap_or(""));
    let number = |n: &str, default: i64| {
        params
            .iter()
            .find(|(k, _)| k == n)
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .unwrap_or(default)
    };
    let start = number("startIndex", 0).max(0);
    let count = number("count", 20).max(0);
    // Users the SCIM store holds that NextGen does not: listed first by the
    // store, taken off the page afterwards.
    let phantoms: Vec<Value> = match resource {
        ScimResource::Users => st
            .faults
            .scim_users_not_in_ng
            .iter()
            .map(|email| json!({"schemas": [SCIM_USER], "id": format!("phantom-{email}"), "userName": email}))
            .collect(),
        ScimResource::Groups => Vec::new(),
    };
    let mut items = phantoms;
    items.extend(match resource {
        ScimResource::Users => scim_users(&st.snapshot),
        ScimResource::Groups => scim_groups(&st.snapshot),
    });
    let not_in_ng: BTreeSet<String> = st.faults.scim_users_not_in_ng.iter().cloned().collect();
    drop(st);
    let total = items.len() as i64;
    let skip = if start == 0 { 0 } else { start - 1 };
    let from = skip.min(total) as usize;
    let to = (skip + count).min(total) as usize;
    let page: Vec<Value> = items[from..to]
        .iter()
        .filter(|u| {
            u.get("userName")
                .and_then(Value::as_str)
                .is_none_or(|n| !not_in_ng.contains(n))
        })
        .cloned()
        .collect();
    scim_response(
        StatusCode::OK,
        &json!({
            "schemas": [SCIM_LIST],
            "totalResults": page.len(),
            "startIndex": start,
            "itemsPerPage": count,
            "Resources": page,
        }),
    )
}
