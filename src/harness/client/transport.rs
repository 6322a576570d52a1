//! One call's attempts: the concurrency permit and rate limit, retries
//! with capped exponential backoff, same-origin redirects only, and the
//! decoding of Harness's envelopes, raw SCIM bodies, error bodies and HTML
//! pages. Every cause is scrubbed of the credential before it leaves.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::{ApiError, ApiErrorCause, Call, Client, Method};
use crate::harness::record::{RawExchange, RawResponse, RECORDED_HEADERS};
use crate::harness::wire::{Envelope, ErrorBody};

pub(super) enum Attempt<T> {
    Done(T),
    Retry(ApiErrorCause, Option<Duration>),
    Fail(ApiErrorCause),
}

impl Client {
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

    pub(super) async fn send<T>(
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
        let empty = serde_json::json!({});
        let body = call.body.as_ref().unwrap_or(&empty);
        let req = match call.method {
            Method::Get => self.http.get(url.clone()),
            Method::Post => self.http.post(url.clone()).json(body),
            Method::PostOwnKey => {
                let key = match &self.credential {
                    super::Credential::ApiKey(k) => k.expose().to_string(),
                    super::Credential::Bearer(_) => String::new(),
                };
                self.http
                    .post(url.clone())
                    .header(CONTENT_TYPE, "text/plain; charset=utf-8")
                    .body(key)
            }
        }
        .headers(auth.clone());
        let recording = self.recorder.as_ref().map(|r| {
            let exchange = RawExchange {
                seq: r.next_seq(),
                method: call.endpoint_method(),
                path: call.path.to_string(),
                url: url.clone(),
                query: url
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
                body: (call.method == Method::Post).then(|| body.clone()),
                response: None,
                error: None,
            };
            (r, exchange)
        });
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let (detail, transient) = transport_detail(&e, url);
                if let Some((r, mut exchange)) = recording {
                    exchange.error = Some(detail.clone());
                    r.push(exchange);
                }
                return Attempt::Retry(ApiErrorCause::Transport { detail, transient }, None);
            }
        };
        let recorded_headers: Vec<(String, String)> = RECORDED_HEADERS
            .iter()
            .filter_map(|name| {
                let v = resp.headers().get(*name)?.to_str().ok()?;
                Some((name.to_string(), v.to_string()))
            })
            .collect();
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
                let (detail, transient) = transport_detail(&e, url);
                if let Some((r, mut exchange)) = recording {
                    exchange.error = Some(format!("HTTP {}, then {detail}", status.as_u16()));
                    r.push(exchange);
                }
                return Attempt::Retry(ApiErrorCause::Transport { detail, transient }, None);
            }
        };
        if let Some((r, mut exchange)) = recording {
            exchange.response = Some(RawResponse {
                status: status.as_u16(),
                headers: recorded_headers,
                body: bytes.to_vec(),
            });
            r.push(exchange);
        }
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
            if status == StatusCode::UNAUTHORIZED {
                return Attempt::Fail(ApiErrorCause::Unauthorized {
                    body: self.scrub_body(body),
                    credential: self.refused_credential(),
                });
            }
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
            ApiErrorCause::Unauthorized { body, credential } => ApiErrorCause::Unauthorized {
                body: self.scrub_body(body),
                credential,
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
            ApiErrorCause::Transport { detail, transient } => ApiErrorCause::Transport {
                detail: self.scrub(&detail),
                transient,
            },
            other => other,
        }
    }
}

/// Follows a redirect only within the base URL's origin (same scheme, host
/// and port: so never from https to http) and at most five times, recording
/// each hop; any other redirect is not followed and reaches the caller as a
/// 3xx answer. The key is a request header, so following a redirect would
/// send it wherever the redirect points.
pub(super) fn redirect_policy(
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
pub(super) fn decode_envelope<T: DeserializeOwned>(
    status: u16,
    bytes: &[u8],
    url: &str,
) -> Attempt<T> {
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
pub(super) fn decode_raw<T: DeserializeOwned>(status: u16, bytes: &[u8], url: &str) -> Attempt<T> {
    match serde_json::from_slice::<T>(bytes) {
        Ok(v) => Attempt::Done(v),
        Err(e) => bad_body(status, url, e),
    }
}

/// The URL without its query string (accountIdentifier and paging are noise
/// in a message; nothing secret is in a query, the key is a header).
pub(super) fn redact_url(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

/// What a request that got no answer says, and whether another try later
/// may not meet it ([`ApiErrorCause::is_transient`]): a timeout, or a
/// connection refused, reset, aborted or cut off. A name that does not
/// resolve and a TLS failure (an untrusted certificate) are the setup's,
/// and every later try meets them too.
fn transport_detail(e: &reqwest::Error, url: &reqwest::Url) -> (String, bool) {
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
    let mut transient = e.is_timeout();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            transient |= matches!(
                io.kind(),
                K::ConnectionRefused
                    | K::ConnectionReset
                    | K::ConnectionAborted
                    | K::NotConnected
                    | K::BrokenPipe
                    | K::TimedOut
                    | K::UnexpectedEof
            );
        }
        inner = Some(s.to_string());
        source = s.source();
    }
    // hyper reports a connection closed mid-answer in its own error type.
    let said = inner.as_deref().unwrap_or_default();
    transient |= [
        "connection closed",
        "connection reset",
        "incomplete message",
        "broken pipe",
    ]
    .iter()
    .any(|w| said.to_ascii_lowercase().contains(w))
        || (!e.is_connect() && e.is_body());
    let detail = match inner {
        Some(i) => format!("{what}: {} ({i})", redact_url(url)),
        None => format!("{what}: {}", redact_url(url)),
    };
    (detail, transient)
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::super::{ApiKey, ClientConfig};
    use super::*;

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
}
