//! One HTTP client for the whole pull: `x-api-key` or Bearer auth, a client-side rate
//! limit, bounded concurrency, timeouts, and retries with capped, jittered
//! exponential backoff on 429, 5xx, connection errors and truncated bodies.
//!
//! Errors name the endpoint, the scope and the cause, and turn Harness's
//! error envelopes (including `failedPermissionChecks`) and proxies' HTML
//! pages into sentences. The key is held in [`ApiKey`] (a Bearer token in
//! [`BearerToken`]), whose `Debug` prints `***`, and is only ever written into
//! a request header marked sensitive. A Bearer request also carries
//! `Harness-Account`, which Harness requires for every auth method other
//! than `x-api-key`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Semaphore;

use super::wire::{Envelope, ErrorBody};
use crate::snapshot::Scope;

/// The API key. Never printed.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, trimming surrounding white space (files end in newlines).
    pub fn new(key: &str) -> ApiKey {
        ApiKey(key.trim().to_string())
    }

    /// The account id embedded in `pat.<account>.…` / `sat.<account>.…` keys.
    pub fn account_id(&self) -> Option<&str> {
        let mut parts = self.0.split('.');
        match (parts.next(), parts.next()) {
            (Some("pat" | "sat"), Some(acct)) if !acct.is_empty() => Some(acct),
            _ => None,
        }
    }

    /// The token identifier of a `sat.<account>.<token>.<secret>` key: the
    /// service account's token the pull runs as.
    pub fn service_account_token_id(&self) -> Option<&str> {
        let parts: Vec<&str> = self.0.split('.').collect();
        (parts.len() >= 4 && parts[0] == "sat").then(|| parts[2])
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// A Bearer token (a JWT from a session or SSO login). Never printed.
#[derive(Clone)]
pub struct BearerToken(String);

impl BearerToken {
    /// Wraps a token, trimming white space and an optional `Bearer ` prefix.
    pub fn new(token: &str) -> BearerToken {
        let t = token.trim();
        let t = t
            .strip_prefix("Bearer ")
            .or_else(|| t.strip_prefix("bearer "))
            .unwrap_or(t);
        BearerToken(t.trim().to_string())
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(***)")
    }
}

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum Credential {
    /// `x-api-key: <key>`.
    ApiKey(ApiKey),
    /// `Authorization: Bearer <token>` with `Harness-Account: <account>`.
    Bearer(BearerToken),
}

impl Credential {
    /// The headers this credential adds to a request, secrets marked
    /// sensitive (so reqwest never prints them). SCIM endpoints read the
    /// credential only from `Authorization: Bearer`
    /// (`NextGenAuthenticationFilter.getApiKeyForScim`), so there an API key
    /// goes in that header instead of `x-api-key`.
    fn headers(&self, account_id: &str, scim: bool) -> Result<HeaderMap, String> {
        let mut headers = HeaderMap::new();
        let bearer = |secret: &str, what: &str| {
            HeaderValue::from_str(&format!("Bearer {secret}"))
                .map(|mut v| {
                    v.set_sensitive(true);
                    v
                })
                .map_err(|_| format!("the {what} contains characters a header cannot carry"))
        };
        match self {
            Credential::ApiKey(key) if scim => {
                headers.insert(AUTHORIZATION, bearer(key.expose(), "API key")?);
            }
            Credential::ApiKey(key) => {
                let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
                    "the API key contains characters a header cannot carry".to_string()
                })?;
                value.set_sensitive(true);
                headers.insert("x-api-key", value);
            }
            Credential::Bearer(token) => {
                headers.insert(AUTHORIZATION, bearer(token.expose(), "Bearer token")?);
                let account = HeaderValue::from_str(account_id).map_err(|_| {
                    "the account id contains characters a header cannot carry".to_string()
                })?;
                headers.insert("Harness-Account", account);
            }
        }
        Ok(headers)
    }
}

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://app.harness.io` or a self-managed host (no trailing slash).
    pub base_url: String,
    /// The account identifier.
    pub account_id: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests per minute; 0 means no client-side limit.
    pub rate_limit_per_minute: u32,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// First backoff delay.
    pub backoff_base: Duration,
    /// Longest backoff delay.
    pub backoff_cap: Duration,
    /// PEM certificates to trust besides the system's (a self-managed
    /// installation behind a private CA).
    pub extra_roots_pem: Option<Vec<u8>>,
}

impl ClientConfig {
    /// Defaults of design.md section 10 for an account.
    pub fn new(base_url: &str, account_id: &str) -> ClientConfig {
        ClientConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            account_id: account_id.to_string(),
            concurrency: 8,
            rate_limit_per_minute: 300,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_attempts: 6,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            extra_roots_pem: None,
        }
    }
}

/// What went wrong with one API call, after retries.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{endpoint} at {scope}: {cause}")]
pub struct ApiError {
    /// `GET /ng/api/user-groups`.
    pub endpoint: String,
    /// The scope asked about.
    pub scope: Scope,
    /// Why.
    pub cause: ApiErrorCause,
}

/// The cause of an [`ApiError`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiErrorCause {
    /// Harness answered with an error status or envelope.
    #[error("{}", describe_http(*status, body))]
    Harness {
        /// HTTP status.
        status: u16,
        /// The parsed error body.
        body: ErrorBody,
    },
    /// An HTML page instead of JSON: a proxy, firewall or login redirect.
    #[error("got an HTML page from {url} (HTTP {status}), not the Harness API: check --base-url, proxies and network access")]
    Html {
        /// HTTP status.
        status: u16,
        /// The URL asked.
        url: String,
    },
    /// A body that is not the JSON expected.
    #[error("unreadable response from {url} (HTTP {status}): {detail}")]
    BadBody {
        /// HTTP status.
        status: u16,
        /// The URL asked.
        url: String,
        /// The parse error.
        detail: String,
    },
    /// No HTTP answer: connection refused, DNS, TLS, timeout.
    #[error("{detail}")]
    Transport {
        /// What failed.
        detail: String,
    },
    /// A SCIM endpoint refused the list (401, 403 or 404). Harness answers
    /// 404 both when SCIM is off and when the SCIM service failed inside
    /// (`NGScimUserResource`), so the message does not claim to know which.
    #[error("{}", describe_scim(cause, *jwt))]
    ScimUnavailable {
        /// The answer as received.
        cause: Box<ApiErrorCause>,
        /// The credential was a Bearer session token, which SCIM refuses.
        jwt: bool,
    },
    /// A redirect to another origin (scheme, host or port), not followed:
    /// the key is only ever sent to the `--base-url` origin.
    #[error("{from} answered HTTP {status} redirecting to {to}, {}; reviewpack sends the key only to the --base-url origin, so it did not follow{}", if *.downgrade { "another origin and a downgrade from https to plain http" } else { "another origin (scheme, host or port)" }, if *.downgrade { "" } else { ": if that host is your Harness API, pass it as --base-url" })]
    CrossOriginRedirect {
        /// HTTP status.
        status: u16,
        /// The URL asked (no query).
        from: String,
        /// Where it pointed (no query).
        to: String,
        /// https to http.
        downgrade: bool,
    },
    /// Retries used up.
    #[error("gave up after {attempts} attempts; last error: {last}")]
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// The last error.
        last: Box<ApiErrorCause>,
    },
}

impl ApiErrorCause {
    /// The permissions Harness said were missing.
    pub fn missing_permissions(&self) -> Vec<String> {
        match self {
            ApiErrorCause::Harness { body, .. } => permissions_named(body),
            ApiErrorCause::GaveUp { last, .. } => last.missing_permissions(),
            ApiErrorCause::ScimUnavailable { cause, .. } => cause.missing_permissions(),
            _ => Vec::new(),
        }
    }

    /// A failure no other request or way of listing gets round: a bad key
    /// (401), no network, a redirect away from the base URL.
    pub fn is_final(&self) -> bool {
        match self {
            ApiErrorCause::Transport { .. } | ApiErrorCause::CrossOriginRedirect { .. } => true,
            ApiErrorCause::GaveUp { last, .. } => last.is_final(),
            other => other.status() == Some(401),
        }
    }

    /// The HTTP status, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiErrorCause::Harness { status, .. }
            | ApiErrorCause::Html { status, .. }
            | ApiErrorCause::BadBody { status, .. }
            | ApiErrorCause::CrossOriginRedirect { status, .. } => Some(*status),
            ApiErrorCause::GaveUp { last, .. } => last.status(),
            ApiErrorCause::ScimUnavailable { cause, .. } => cause.status(),
            ApiErrorCause::Transport { .. } => None,
        }
    }
}

fn describe_http(status: u16, body: &ErrorBody) -> String {
    let mut s = format!("HTTP {status}");
    if let Some(code) = &body.code {
        s.push_str(&format!(" {code}"));
    }
    if let Some(m) = body.message.as_deref().filter(|m| !m.is_empty()) {
        s.push_str(&format!(": {m}"));
    }
    if let Some(c) = &body.correlation_id {
        s.push_str(&format!(" (correlation id {c})"));
    }
    let missing = permissions_named(body);
    if !missing.is_empty() {
        s.push_str(&format!(
            "; the API key lacks {}: grant it to the key's user or service account and run again (docs/operations.md lists what each permission is for)",
            missing.join(", ")
        ));
    } else if status == 401 {
        s.push_str(
            "; the API key is invalid, expired or revoked: check HARNESS_API_KEY or --api-key-file (with a Bearer token: HARNESS_BEARER or --bearer-file, and that --account-id is the token's account)",
        );
    }
    s
}

/// The permissions an access-denied body names: its `failedPermissionChecks`,
/// else the one its message names. A list the key may view none of answers
/// `Missing permission core_usergroup_view on usergroup` with no failed
/// checks (`AbstractAccessControlClient.checkForAccessOrThrow` of a list);
/// the audit list answers `You need core_audit_view permission on ACCOUNT
/// …` (`AuditPermissionValidator`).
fn permissions_named(body: &ErrorBody) -> Vec<String> {
    let listed: Vec<String> = body
        .failed_permission_checks
        .iter()
        .filter_map(|c| c.permission.clone())
        .collect();
    if !listed.is_empty() {
        return listed;
    }
    let word = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let message = body.message.as_deref().unwrap_or_default();
    let named = match message.split("Missing permission ").nth(1) {
        Some(rest) => Some(word(rest)),
        None => message
            .split("You need ")
            .nth(1)
            .map(|rest| (word(rest), rest))
            .filter(|(p, rest)| rest[p.len()..].starts_with(" permission"))
            .map(|(p, _)| p),
    };
    named.filter(|p| p.contains('_')).into_iter().collect()
}

fn describe_scim(cause: &ApiErrorCause, jwt: bool) -> String {
    let why = match cause.status() {
        Some(401) if jwt => "SCIM endpoints accept only an API key token (pat./sat.) as their Bearer credential, not a session token: pull --scim with HARNESS_API_KEY or --api-key-file",
        Some(401) => "SCIM endpoints read the key only as `Authorization: Bearer`, and the server refused it: check that the key is valid",
        Some(403) => "the credential lacks core_user_view or core_usergroup_view at the account (SCIM also needs every Users and User Groups permission)",
        _ => "SCIM may be off for this account, or the SCIM service failed (Harness answers 404 for its own failures too)",
    };
    let detail = match cause {
        ApiErrorCause::Harness { status, body } => {
            let mut d = format!("HTTP {status}");
            if let Some(m) = body.message.as_deref().filter(|m| !m.is_empty()) {
                d.push_str(&format!(": {m}"));
            }
            d
        }
        other => other.to_string(),
    };
    format!(
        "the SCIM endpoint refused the list ({detail}): {why}; pull without --scim, or pass --allow-partial to record the SCIM lists as incomplete"
    )
}

/// Counters for progress and provenance.
#[derive(Debug, Default)]
pub struct Stats {
    /// HTTP requests sent.
    pub requests: AtomicU64,
    /// Retries spent.
    pub retries: AtomicU64,
    /// Milliseconds spent waiting for the client-side rate limit.
    pub throttled_ms: AtomicU64,
}

/// The rate limiter: requests are spaced evenly at the configured rate.
struct RateLimiter {
    interval: Option<Duration>,
    next: tokio::sync::Mutex<Instant>,
}

impl RateLimiter {
    fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            interval: (per_minute > 0)
                .then(|| Duration::from_secs_f64(60.0 / f64::from(per_minute))),
            next: tokio::sync::Mutex::new(Instant::now()),
        }
    }

    /// Waits for this request's slot; returns the time waited.
    async fn acquire(&self) -> Duration {
        let Some(interval) = self.interval else {
            return Duration::ZERO;
        };
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + interval;
            slot
        };
        let wait = slot.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        wait
    }
}

/// The Harness API client.
pub struct Client {
    http: reqwest::Client,
    cfg: ClientConfig,
    credential: Credential,
    /// Auth headers for every endpoint but SCIM.
    auth: HeaderMap,
    /// Auth headers for SCIM endpoints.
    scim_auth: HeaderMap,
    /// Same-origin redirects followed, `from -> to` (no query), in order.
    redirects: Arc<Mutex<Vec<String>>>,
    limiter: RateLimiter,
    permits: Semaphore,
    jitter: Mutex<u64>,
    /// Counters.
    pub stats: Stats,
}

/// A request: method, path, scope, extra query and optional JSON body.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// `GET` or `POST`.
    pub method: Method,
    /// Path under the base URL, such as `/ng/api/user-groups`.
    pub path: &'a str,
    /// The scope (adds `orgIdentifier` / `projectIdentifier`).
    pub scope: &'a Scope,
    /// More query parameters.
    pub query: Vec<(&'static str, String)>,
    /// JSON body for POST.
    pub body: Option<serde_json::Value>,
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Call<'_> {
    /// `GET /ng/api/user-groups`.
    pub fn endpoint(&self) -> String {
        let m = match self.method {
            Method::Get => "GET",
            Method::Post => "POST",
        };
        format!("{m} {}", self.path)
    }
}

enum Attempt<T> {
    Done(T),
    Retry(ApiErrorCause, Option<Duration>),
    Fail(ApiErrorCause),
}

impl Client {
    /// Builds a client with an API key. Fails only if the key cannot be a
    /// header or the TLS backend cannot start.
    pub fn new(cfg: ClientConfig, key: ApiKey) -> Result<Client, String> {
        Client::with_credential(cfg, Credential::ApiKey(key))
    }

    /// Builds a client with any credential.
    pub fn with_credential(cfg: ClientConfig, credential: Credential) -> Result<Client, String> {
        let auth = credential.headers(&cfg.account_id, false)?;
        let scim_auth = credential.headers(&cfg.account_id, true)?;
        let base = reqwest::Url::parse(&cfg.base_url)
            .map_err(|e| format!("the base URL {:?} is not a URL: {e}", cfg.base_url))?;
        let redirects = Arc::new(Mutex::new(Vec::new()));
        let mut builder = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            .user_agent(concat!("reviewpack/", env!("CARGO_PKG_VERSION")))
            .redirect(redirect_policy(base, redirects.clone()));
        if let Some(pem) = &cfg.extra_roots_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("the CA certificate file is not PEM: {e}"))?;
            if certs.is_empty() {
                return Err("the CA certificate file holds no PEM certificate".into());
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Ok(Client {
            http,
            limiter: RateLimiter::new(cfg.rate_limit_per_minute),
            permits: Semaphore::new(cfg.concurrency.max(1)),
            cfg,
            credential,
            auth,
            scim_auth,
            redirects,
            jitter: Mutex::new(seed | 1),
            stats: Stats::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// The API key, when the client uses one (for reading its embedded ids;
    /// never its secret).
    pub fn key(&self) -> Option<&ApiKey> {
        match &self.credential {
            Credential::ApiKey(k) => Some(k),
            Credential::Bearer(_) => None,
        }
    }

    /// The credential (its `Debug` hides the secret).
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The same-origin redirects followed so far, `from -> to`, each once.
    pub fn redirects(&self) -> Vec<String> {
        let mut v = self
            .redirects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        v.sort();
        v.dedup();
        v
    }

    /// `text` with the credential, and anything shaped like a Harness API
    /// token, replaced: for every text that came from the network (error
    /// bodies, messages, correlation ids, parse errors) before it is printed,
    /// logged or stored. A proxy or server that echoes the key must not make
    /// reviewpack print it.
    pub fn scrub(&self, text: &str) -> String {
        let secret = match &self.credential {
            Credential::ApiKey(k) => k.expose(),
            Credential::Bearer(t) => t.expose(),
        };
        scrub_secret(text, secret)
    }

    fn url(&self, call: &Call<'_>, with_account: bool) -> reqwest::Url {
        let mut url = reqwest::Url::parse(&format!("{}{}", self.cfg.base_url, call.path))
            .unwrap_or_else(|_| reqwest::Url::parse("http://invalid.invalid/").expect("static"));
        {
            let mut q = url.query_pairs_mut();
            if with_account {
                q.append_pair("accountIdentifier", &self.cfg.account_id);
            }
            if let Some(o) = call.scope.org() {
                q.append_pair("orgIdentifier", o);
            }
            if let Some(p) = call.scope.project() {
                q.append_pair("projectIdentifier", p);
            }
            for (k, v) in &call.query {
                q.append_pair(k, v);
            }
        }
        url
    }

    /// A factor in [0.5, 1.0) from a xorshift generator: jitter for backoff.
    fn jitter(&self) -> f64 {
        let mut s = self.jitter.lock().unwrap_or_else(|e| e.into_inner());
        let mut x = *s;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *s = x;
        0.5 + (x >> 11) as f64 / (1u64 << 53) as f64 / 2.0
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .cfg
            .backoff_base
            .saturating_mul(1u32 << attempt.min(16).saturating_sub(1));
        exp.min(self.cfg.backoff_cap).mul_f64(self.jitter())
    }

    /// Sends a call and returns its `data`, with the retries it took.
    pub async fn call<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<(T, u32), ApiError> {
        let url = self.url(call, true);
        self.send(call, &url, &self.auth, decode_envelope::<T>)
            .await
    }

    /// Sends a SCIM call: the credential as `Authorization: Bearer`, a raw
    /// JSON answer with no Harness envelope, and the same retries, rate limit
    /// and error handling as [`Client::call`]. No `accountIdentifier` is
    /// added: the path names the account.
    pub async fn call_scim<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
    ) -> Result<(T, u32), ApiError> {
        let url = self.url(call, false);
        self.send(call, &url, &self.scim_auth, decode_raw::<T>)
            .await
    }

    async fn send<T>(
        &self,
        call: &Call<'_>,
        url: &reqwest::Url,
        auth: &HeaderMap,
        decode: fn(u16, &[u8], &str) -> Attempt<T>,
    ) -> Result<(T, u32), ApiError> {
        let mut retries = 0u32;
        let mut attempt = 1u32;
        loop {
            let outcome = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .expect("semaphore never closed");
                let waited = self.limiter.acquire().await;
                self.stats
                    .throttled_ms
                    .fetch_add(waited.as_millis() as u64, Ordering::Relaxed);
                self.stats.requests.fetch_add(1, Ordering::Relaxed);
                self.attempt::<T>(call, url, auth, decode).await
            };
            let err = |cause| ApiError {
                endpoint: call.endpoint(),
                scope: call.scope.clone(),
                cause: self.scrub_cause(cause),
            };
            match outcome {
                Attempt::Done(v) => return Ok((v, retries)),
                Attempt::Fail(cause) => return Err(err(cause)),
                Attempt::Retry(cause, retry_after) => {
                    if attempt >= self.cfg.max_attempts {
                        return Err(err(ApiErrorCause::GaveUp {
                            attempts: attempt,
                            last: Box::new(cause),
                        }));
                    }
                    let delay = retry_after
                        .map(|d| d.min(self.cfg.backoff_cap.max(Duration::from_secs(1))))
                        .unwrap_or_else(|| self.backoff(attempt));
                    tokio::time::sleep(delay).await;
                    retries += 1;
                    attempt += 1;
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    async fn attempt<T>(
        &self,
        call: &Call<'_>,
        url: &reqwest::Url,
        auth: &HeaderMap,
        decode: fn(u16, &[u8], &str) -> Attempt<T>,
    ) -> Attempt<T> {
        let req = match call.method {
            Method::Get => self.http.get(url.clone()),
            Method::Post => self
                .http
                .post(url.clone())
                .json(call.body.as_ref().unwrap_or(&serde_json::json!({}))),
        }
        .headers(auth.clone());
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry(
                    ApiErrorCause::Transport {
                        detail: transport_detail(&e, url),
                    },
                    None,
                )
            }
        };
        let status = resp.status();
        let is_html = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        let resp_location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Attempt::Retry(
                    ApiErrorCause::Transport {
                        detail: transport_detail(&e, url),
                    },
                    None,
                )
            }
        };
        let shown_url = redact_url(url);
        let looks_html = is_html || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
        let retryable = status == StatusCode::TOO_MANY_REQUESTS
            || matches!(status.as_u16(), 500 | 502 | 503 | 504);
        if status.is_redirection() {
            // Only a redirect the policy refused reaches here: to another
            // origin, or past the hop limit on the same one.
            let to = resp_location
                .as_deref()
                .and_then(|l| url.join(l).ok())
                .map(|u| redact_url(&u))
                .unwrap_or_else(|| "nowhere (no Location header)".to_string());
            return Attempt::Fail(ApiErrorCause::CrossOriginRedirect {
                status: status.as_u16(),
                downgrade: url.scheme() == "https" && to.starts_with("http://"),
                from: shown_url,
                to: self.scrub(&to),
            });
        }
        if looks_html {
            let cause = ApiErrorCause::Html {
                status: status.as_u16(),
                url: shown_url,
            };
            return if retryable {
                Attempt::Retry(cause, retry_after)
            } else {
                Attempt::Fail(cause)
            };
        }
        if !status.is_success() {
            let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
            let cause = ApiErrorCause::Harness {
                status: status.as_u16(),
                body: self.scrub_body(body),
            };
            return if retryable {
                Attempt::Retry(cause, retry_after)
            } else {
                Attempt::Fail(cause)
            };
        }
        match decode(status.as_u16(), &bytes, &shown_url) {
            Attempt::Fail(cause) => Attempt::Fail(self.scrub_cause(cause)),
            Attempt::Retry(cause, after) => Attempt::Retry(self.scrub_cause(cause), after),
            done => done,
        }
    }

    fn scrub_body(&self, mut body: ErrorBody) -> ErrorBody {
        for field in [
            &mut body.status,
            &mut body.code,
            &mut body.message,
            &mut body.correlation_id,
        ] {
            if let Some(text) = field.as_mut() {
                *text = self.scrub(text);
            }
        }
        for check in &mut body.failed_permission_checks {
            for field in [&mut check.permission, &mut check.resource_type] {
                if let Some(text) = field.as_mut() {
                    *text = self.scrub(text);
                }
            }
            check.resource_scope = None;
        }
        body
    }

    fn scrub_cause(&self, cause: ApiErrorCause) -> ApiErrorCause {
        match cause {
            ApiErrorCause::Harness { status, body } => ApiErrorCause::Harness {
                status,
                body: self.scrub_body(body),
            },
            ApiErrorCause::BadBody {
                status,
                url,
                detail,
            } => ApiErrorCause::BadBody {
                status,
                url,
                detail: self.scrub(&detail),
            },
            ApiErrorCause::Transport { detail } => ApiErrorCause::Transport {
                detail: self.scrub(&detail),
            },
            other => other,
        }
    }

    /// Sends a call whose JSON body is a typed value.
    pub fn body<B: Serialize>(b: &B) -> serde_json::Value {
        serde_json::to_value(b).unwrap_or(serde_json::Value::Null)
    }
}

/// Follows a redirect only within the base URL's origin (same scheme, host
/// and port: so never from https to http) and at most five times, recording
/// each hop; any other redirect is not followed and reaches the caller as a
/// 3xx answer. The key is a request header, so following a redirect would
/// send it wherever the redirect points.
fn redirect_policy(
    base: reqwest::Url,
    followed: Arc<Mutex<Vec<String>>>,
) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.url().origin() != base.origin() || attempt.previous().len() > 5 {
            return attempt.stop();
        }
        if let Some(from) = attempt.previous().last() {
            let hop = format!("{} -> {}", redact_url(from), redact_url(attempt.url()));
            followed.lock().unwrap_or_else(|e| e.into_inner()).push(hop);
        }
        attempt.follow()
    })
}

/// `text` with `secret` and every Harness-API-token-shaped word replaced by
/// `[redacted]`. A token is `pat.<account>.<token id>.<secret>` or `sat.…`
/// (README section 1): four dot-separated parts of letters, digits, `_` and
/// `-`, the account at least 8 characters and the secret at least 12, not
/// part of an email address (`pat.o.brien.jr@…` stays).
pub fn scrub_secret(text: &str, secret: &str) -> String {
    let mut out = if secret.len() >= 8 {
        text.replace(secret, "[redacted]")
    } else {
        text.to_string()
    };
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    for prefix in ["pat.", "sat."] {
        let mut from = 0;
        while let Some(i) = out[from..].find(prefix).map(|i| i + from) {
            let end = out[i..]
                .find(|c: char| !token_char(c))
                .map_or(out.len(), |e| i + e);
            let starts_word = out[..i].chars().next_back().is_none_or(|c| !token_char(c));
            let parts: Vec<&str> = out[i..end].split('.').collect();
            let shaped = parts.len() == 4
                && parts[1].len() >= 8
                && !parts[2].is_empty()
                && parts[3].len() >= 12;
            let email = out[end..].starts_with('@');
            if starts_word && shaped && !email {
                out.replace_range(i..end, "[redacted]");
                from = i + "[redacted]".len();
            } else {
                from = i + prefix.len();
            }
        }
    }
    out
}

/// A body that does not parse: a cut-off body is a transport fault, worth
/// another try; anything else is final.
fn bad_body<T>(status: u16, url: &str, e: serde_json::Error) -> Attempt<T> {
    let cause = ApiErrorCause::BadBody {
        status,
        url: url.to_string(),
        detail: e.to_string(),
    };
    if e.is_eof() || e.is_syntax() {
        Attempt::Retry(cause, None)
    } else {
        Attempt::Fail(cause)
    }
}

/// Decodes a Harness `ResponseDTO` and returns its `data`.
fn decode_envelope<T: DeserializeOwned>(status: u16, bytes: &[u8], url: &str) -> Attempt<T> {
    match serde_json::from_slice::<Envelope<T>>(bytes) {
        Ok(env) => {
            let ok = env
                .status
                .as_deref()
                .is_none_or(|s| s.eq_ignore_ascii_case("SUCCESS"));
            match (ok, env.data) {
                (true, Some(data)) => Attempt::Done(data),
                _ => {
                    let body: ErrorBody = serde_json::from_slice(bytes).unwrap_or_default();
                    Attempt::Fail(ApiErrorCause::Harness {
                        status,
                        body: if body.message.is_none() && body.code.is_none() {
                            ErrorBody {
                                message: Some("a success status with no data".into()),
                                ..body
                            }
                        } else {
                            body
                        },
                    })
                }
            }
        }
        Err(e) => bad_body(status, url, e),
    }
}

/// Decodes a raw JSON body (no envelope), as SCIM answers.
fn decode_raw<T: DeserializeOwned>(status: u16, bytes: &[u8], url: &str) -> Attempt<T> {
    match serde_json::from_slice::<T>(bytes) {
        Ok(v) => Attempt::Done(v),
        Err(e) => bad_body(status, url, e),
    }
}

/// The URL without its query string (accountIdentifier and paging are noise
/// in a message; nothing secret is in a query, the key is a header).
fn redact_url(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

fn transport_detail(e: &reqwest::Error, url: &reqwest::Url) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    // reqwest's own message can include the URL; ours names it once, without
    // the query, and adds the innermost cause.
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut inner = None;
    while let Some(s) = source {
        inner = Some(s.to_string());
        source = s.source();
    }
    match inner {
        Some(i) => format!("{what}: {} ({i})", redact_url(url)),
        None => format!("{what}: {}", redact_url(url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::wire::PermissionCheck;

    #[test]
    fn api_key_never_prints_its_secret() {
        let k = ApiKey::new("pat.acct1.tok1.s3cret\n");
        assert_eq!(format!("{k:?}"), "ApiKey(***)");
        assert_eq!(k.account_id(), Some("acct1"));
        assert_eq!(k.service_account_token_id(), None);
        let s = ApiKey::new("sat.acct2.tok2.s3cret");
        assert_eq!(s.account_id(), Some("acct2"));
        assert_eq!(s.service_account_token_id(), Some("tok2"));
        assert_eq!(ApiKey::new("opaque").account_id(), None);
    }

    #[test]
    fn bearer_tokens_never_print_and_send_the_account_header() {
        let t = BearerToken::new("Bearer eyJhbGciOi.s3cret.sig\n");
        assert_eq!(format!("{t:?}"), "BearerToken(***)");
        let c = Credential::Bearer(t);
        assert!(!format!("{c:?}").contains("s3cret"));
        let h = c.headers("acct9", false).unwrap();
        assert_eq!(h["authorization"], "Bearer eyJhbGciOi.s3cret.sig");
        assert!(h["authorization"].is_sensitive());
        assert_eq!(h["harness-account"], "acct9");
        assert!(h.get("x-api-key").is_none());
        let k = Credential::ApiKey(ApiKey::new("pat.a.b.c"))
            .headers("a", false)
            .unwrap();
        assert!(k["x-api-key"].is_sensitive());
        assert!(k.get("harness-account").is_none());
        // SCIM reads the key only from `Authorization: Bearer`.
        let scim = Credential::ApiKey(ApiKey::new("pat.a.b.c"))
            .headers("a", true)
            .unwrap();
        assert_eq!(scim["authorization"], "Bearer pat.a.b.c");
        assert!(scim["authorization"].is_sensitive());
        assert!(scim.get("x-api-key").is_none());
        let client =
            Client::with_credential(ClientConfig::new("http://127.0.0.1:9", "acct9"), c).unwrap();
        assert!(client.key().is_none());
    }

    #[test]
    fn scrubbing_removes_the_secret_and_token_shapes_but_not_emails() {
        let key = "sat.acct1234.tok.s3cr3tv4lu3ABC";
        let t = format!("bad key {key} (echoed); other pat.AbCdEfGh12.t_1.ZZZZZZZZZZZZZZ; x");
        let s = scrub_secret(&t, key);
        assert_eq!(s, "bad key [redacted] (echoed); other [redacted]; x");
        // Not tokens: emails, short parts, words ending in pat.
        for keep in [
            "pat.o.brien.jr@example.com",
            "pat.smith@example.com",
            "compat.abcdefgh.x.yyyyyyyyyyyyyy",
            "pat.short.x.y",
        ] {
            assert_eq!(scrub_secret(keep, key), keep);
        }
        // A Bearer token (any shape) is scrubbed as the secret.
        assert_eq!(
            scrub_secret("token eyJhbGciOi.s3cret.sig here", "eyJhbGciOi.s3cret.sig"),
            "token [redacted] here"
        );
    }

    #[test]
    fn access_denied_names_the_missing_permission_and_what_to_do() {
        let body = ErrorBody {
            code: Some("NG_ACCESS_DENIED".into()),
            message: Some("Missing permission".into()),
            correlation_id: Some("c-1".into()),
            failed_permission_checks: vec![PermissionCheck {
                permission: Some("core_user_view".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let msg = describe_http(403, &body);
        assert!(msg.starts_with("HTTP 403 NG_ACCESS_DENIED: Missing permission"));
        assert!(msg.contains("correlation id c-1"));
        assert!(msg.contains("the API key lacks core_user_view"));
        assert!(describe_http(401, &ErrorBody::default()).contains("HARNESS_API_KEY"));
        assert!(describe_http(401, &ErrorBody::default()).contains("HARNESS_BEARER"));
    }

    #[test]
    fn a_refusal_naming_no_failed_check_is_read_for_the_permission_in_its_message() {
        let said = |code: &str, message: &str| {
            permissions_named(&ErrorBody {
                code: Some(code.into()),
                message: Some(message.into()),
                ..Default::default()
            })
        };
        assert_eq!(
            said(
                "NG_ACCESS_DENIED",
                "Principal of type USER with identifier u1 : Missing permission core_usergroup_view on usergroup"
            ),
            ["core_usergroup_view"]
        );
        assert_eq!(
            said(
                "ACCESS_DENIED",
                "You need core_audit_view permission on ACCOUNT with identifier: A to perform this action"
            ),
            ["core_audit_view"]
        );
        assert!(said("ACCESS_DENIED", "You need to sign in again").is_empty());
        assert!(said("ACCESS_DENIED", "Missing permission").is_empty());
    }

    #[test]
    fn backoff_doubles_and_is_capped_with_jitter() {
        let mut cfg = ClientConfig::new("http://127.0.0.1:9", "a");
        cfg.backoff_base = Duration::from_millis(100);
        cfg.backoff_cap = Duration::from_millis(1000);
        let c = Client::new(cfg, ApiKey::new("k")).unwrap();
        for _ in 0..50 {
            let first = c.backoff(1);
            assert!(first >= Duration::from_millis(50) && first < Duration::from_millis(100));
            let third = c.backoff(3);
            assert!(third >= Duration::from_millis(200) && third < Duration::from_millis(400));
            let late = c.backoff(20);
            assert!(late >= Duration::from_millis(500) && late < Duration::from_millis(1000));
        }
    }

    #[test]
    fn rate_limiter_spaces_requests_evenly() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            // 1200 a minute: one every 50 ms, no burst.
            let limiter = RateLimiter::new(1200);
            let start = Instant::now();
            for _ in 0..5 {
                limiter.acquire().await;
            }
            assert!(start.elapsed() >= Duration::from_millis(200));
            let unlimited = RateLimiter::new(0);
            for _ in 0..1000 {
                assert_eq!(unlimited.acquire().await, Duration::ZERO);
            }
        });
    }

    #[test]
    fn urls_carry_account_and_scope_but_errors_drop_the_query() {
        let c = Client::new(
            ClientConfig::new("https://h.example/", "A"),
            ApiKey::new("k"),
        )
        .unwrap();
        let scope = Scope::Project("o".into(), "p".into());
        let call = Call {
            method: Method::Get,
            path: "/ng/api/user-groups",
            scope: &scope,
            query: vec![("pageIndex", "0".into())],
            body: None,
        };
        let url = c.url(&call, true);
        assert_eq!(
            url.as_str(),
            "https://h.example/ng/api/user-groups?accountIdentifier=A&orgIdentifier=o&projectIdentifier=p&pageIndex=0"
        );
        assert_eq!(redact_url(&url), "https://h.example/ng/api/user-groups");
    }
}
