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
//!
//! `credential.rs` holds the key and the scrubbing of anything that could
//! echo it, `error.rs` what a failed call says, `transport.rs` one call's
//! attempts (retries, backoff, redirects, decoding) and `rate_limit.rs` the
//! client-side limit.
//!
//! The limiter and the backoff are hand-written, not `governor` and
//! `backon`: the limiter is one FIFO schedule of evenly spaced slots shared
//! by every task of a pull and reports each wait for the progress counters,
//! where `governor`'s `Quota::per_minute(n)` first lets a burst of `n`
//! through and does not say how long a task waited. Each attempt must also
//! take a concurrency permit and a rate-limit slot, use `Retry-After` when
//! Harness sends one (its 429s usually carry none) and count itself, which
//! `backon` would leave to this loop anyway, so it would save about twenty
//! lines for two more dependencies. The jitter stays within [½, 1) of the
//! capped delay, so the cap holds (`backon` adds up to one more delay).

mod credential;
mod error;
mod rate_limit;
mod transport;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::harness::record::Recorder;
use crate::snapshot::Scope;
use rate_limit::RateLimiter;
use transport::{decode_envelope, decode_raw, redirect_policy};

pub use credential::{scrub_secret, ApiKey, BearerToken, Credential};
pub use error::{ApiError, ApiErrorCause, RefusedCredential};

/// `TokenResource.validateToken`: the token behind an API key.
pub const VALIDATE_KEY_PATH: &str = "/ng/api/token/validate";

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
    /// Where every attempt is recorded, with `pull --record`.
    recorder: Option<Arc<Recorder>>,
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
    /// POST with the client's own API key as a `text/plain` body, as
    /// `POST /ng/api/token/validate` takes the key it validates
    /// ([`Client::validate_own_key`]); the body is never recorded.
    PostOwnKey,
}

impl Call<'_> {
    /// `GET /ng/api/user-groups`.
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.endpoint_method(), self.path)
    }

    /// `GET` or `POST`.
    pub fn endpoint_method(&self) -> &'static str {
        match self.method {
            Method::Get => "GET",
            Method::Post | Method::PostOwnKey => "POST",
        }
    }
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
            recorder: None,
            stats: Stats::default(),
        })
    }

    /// Records every attempt (request and answer) into `recorder` from now
    /// on (`pull --record`).
    pub fn record_into(&mut self, recorder: Arc<Recorder>) {
        self.recorder = Some(recorder);
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

    /// Asks Harness about the client's own API key: `POST
    /// /ng/api/token/validate` with the key as its body answers the key's
    /// token (identifier, validity, parent, and the parent's name and email)
    /// to any caller the key authenticates, needing no permission
    /// (docs/harness-behaviour.md T1). Only for an API key: a Bearer token
    /// is no API key token.
    pub async fn validate_own_key(&self) -> Result<(crate::harness::wire::Token, u32), ApiError> {
        let call = Call {
            method: Method::PostOwnKey,
            path: VALIDATE_KEY_PATH,
            scope: &Scope::Account,
            query: vec![],
            body: None,
        };
        self.call(&call).await
    }

    /// Sends a call whose JSON body is a typed value.
    pub fn body<B: Serialize>(b: &B) -> serde_json::Value {
        serde_json::to_value(b).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::transport::redact_url;
    use super::*;

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
