//! `pull --record DIR`: every request and response of a pull, written to a
//! directory a user can look through and send when a pull fails or
//! surprises, and that the test tree's fake Harness can serve back.
//!
//! Why it exists: the fake Harness answers as its authors read Harness's
//! source; a real server answers as it does. A recording of a real pull is
//! that truth, in a form a maintainer can replay without the account.
//!
//! The client hands each attempt's request and answer to a [`Recorder`]
//! (in memory only: originals never touch the disk). When the pull ends,
//! well or not, [`write`] scrubs the credential from every text as the
//! client scrubs errors (`client::scrub_secret`), replaces names, emails
//! and identifiers with pseudonyms ([`pseudonym`]), and writes the
//! directory atomically and private (`atomic::StagedDir`): a failed or
//! interrupted write leaves nothing. Request headers are never written (they
//! carry the credential); of the response headers only those the client
//! reads (`Content-Type`, `Retry-After`, `Location`).
//!
//! The layout (docs/operations.md, "Recording a pull"):
//! `DIR/manifest.json` ([`Manifest`]: what was pulled, how, and how it
//! ended) and `DIR/exchanges/000001.json`… ([`Exchange`], one per attempt,
//! numbered in the order they were sent).
//!
//! What it must not do: keep an original anywhere but in memory, or write
//! the recording other than all at once.

pub mod pseudonym;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{ApiKey, BearerToken, Client, Credential};
use super::pull::{PullOptions, PERMISSIONS_PATH};
use pseudonym::{Kind, Pseudonymiser};

/// `manifest.json`'s `format`.
pub const FORMAT: &str = "reviewpack-recording";
/// `manifest.json`'s `version`.
pub const VERSION: u32 = 1;
/// The response headers recorded (lower case): the ones the client reads.
pub const RECORDED_HEADERS: &[&str] = &["content-type", "retry-after", "location"];

/// Collects a pull's attempts as they happen. Shared by every task of the
/// pull; holds originals, in memory only.
#[derive(Debug, Default)]
pub struct Recorder {
    sent: AtomicU64,
    raw: Mutex<Vec<RawExchange>>,
}

/// One attempt as sent and answered, before anything is removed.
#[derive(Debug, Clone)]
pub(crate) struct RawExchange {
    pub seq: u64,
    pub method: &'static str,
    /// The path under the base URL.
    pub path: String,
    /// The full URL, to resolve a `Location` against.
    pub url: reqwest::Url,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub response: Option<RawResponse>,
    /// Why there is no response (a connection error, a timeout).
    pub error: Option<String>,
}

/// An answer as received.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    pub status: u16,
    /// The [`RECORDED_HEADERS`] present, lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// The number of the attempt about to be sent (from 1).
    pub(crate) fn next_seq(&self) -> u64 {
        self.sent.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn push(&self, e: RawExchange) {
        self.raw.lock().unwrap_or_else(|p| p.into_inner()).push(e);
    }

    /// Attempts recorded so far.
    pub fn len(&self) -> usize {
        self.raw.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `manifest.json`: what was pulled, how, and how it ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// The tool that recorded it.
    pub tool: Tool,
    /// When the recording was written.
    pub recorded_at: DateTime<Utc>,
    /// The account's pseudonym: a replay pulls this account.
    pub account_identifier: String,
    /// How the pull authenticated (never the secret).
    pub credential: RecordedCredential,
    /// The pull's settings that shape its requests.
    pub pull: RecordedPull,
    /// How the pull ended.
    pub outcome: Outcome,
    /// The pull's error (scrubbed and pseudonymised like the rest), when
    /// it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How many exchange files there are.
    pub exchanges: usize,
    /// How many pseudonyms of each kind were given.
    pub pseudonyms: BTreeMap<String, u32>,
}

/// The tool that wrote a recording.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tool {
    /// `reviewpack`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// How a pull ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The pull produced a snapshot.
    Pulled,
    /// The pull stopped with an error.
    Failed,
}

/// The kind of credential a pull used.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// `sat.<account>.<token>.<secret>`: the pull runs as the service
    /// account owning the token.
    ServiceAccountToken,
    /// `pat.<account>.<token>.<secret>`.
    PersonalAccessToken,
    /// Any other API key.
    ApiKey,
    /// A Bearer token.
    Bearer,
}

/// How a pull authenticated: the kind, and the token's identifier
/// (pseudonymised; Harness lists it with the key, it is not the secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordedCredential {
    /// The kind.
    pub kind: CredentialKind,
    /// The token identifier's pseudonym, for `pat.` and `sat.` keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_identifier: Option<String>,
}

/// Placeholder secret of a replay's credential.
const REPLAY_SECRET: &str = "replay-not-a-secret";

impl RecordedCredential {
    /// A credential of the same shape for replaying against `account`: the
    /// recorded token identifier, a placeholder secret.
    pub fn replay_credential(&self, account: &str) -> Credential {
        let token = self.token_identifier.as_deref().unwrap_or("token");
        match self.kind {
            CredentialKind::ServiceAccountToken => Credential::ApiKey(ApiKey::new(&format!(
                "sat.{account}.{token}.{REPLAY_SECRET}"
            ))),
            CredentialKind::PersonalAccessToken => Credential::ApiKey(ApiKey::new(&format!(
                "pat.{account}.{token}.{REPLAY_SECRET}"
            ))),
            CredentialKind::ApiKey => Credential::ApiKey(ApiKey::new(REPLAY_SECRET)),
            CredentialKind::Bearer => Credential::Bearer(BearerToken::new(REPLAY_SECRET)),
        }
    }
}

/// The pull's settings that shape its requests: a replay must use the same
/// to ask the same questions (the audit window is in the request bodies).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordedPull {
    /// `--activity-days`.
    pub activity_days: u32,
    /// The end of the activity window.
    pub activity_end: DateTime<Utc>,
    /// `--removals-since` (or `run --previous`'s capture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removals_since: Option<DateTime<Utc>>,
    /// `--scim`.
    pub scim: bool,
    /// `--per-scope-lists`.
    pub per_scope_lists: bool,
    /// `--allow-partial`.
    pub allow_partial: bool,
    /// `--allow-unverified`.
    pub allow_unverified: bool,
    /// `--concurrency`: with 1 the requests go out in one fixed order, so a
    /// replay with 1 meets a failure where the pull met it.
    pub concurrency: usize,
}

impl RecordedPull {
    /// The settings of a pull with `opts` (and `--scim` when `scim`) by a
    /// client with `concurrency` requests in flight.
    pub fn of(opts: &PullOptions, scim: bool, concurrency: usize) -> RecordedPull {
        RecordedPull {
            activity_days: opts.activity_days,
            activity_end: opts.activity_end,
            removals_since: opts.removals_since,
            scim,
            per_scope_lists: opts.per_scope_lists,
            allow_partial: opts.allow_partial,
            allow_unverified: opts.allow_unverified,
            concurrency,
        }
    }

    /// The pull options that ask the recorded questions again.
    pub fn options(&self) -> PullOptions {
        PullOptions {
            activity_days: self.activity_days,
            activity_end: self.activity_end,
            removals_since: self.removals_since,
            allow_partial: self.allow_partial,
            allow_unverified: self.allow_unverified,
            command_line: vec!["reviewpack".into(), "pull".into()],
            per_scope_lists: self.per_scope_lists,
        }
    }
}

/// `exchanges/NNNNNN.json`: one attempt.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exchange {
    /// Its place in the order attempts were sent, from 1.
    pub seq: u64,
    /// The request.
    pub request: RecordedRequest,
    /// The answer; none when the attempt got none (see `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    /// Why there was no answer (could not connect, timed out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A request: no headers (they carry the credential).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The path under the base URL.
    pub path: String,
    /// The query parameters in the order sent, decoded.
    pub query: Vec<(String, String)>,
    /// The JSON body of a POST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// An answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedResponse {
    /// The HTTP status.
    pub status: u16,
    /// The [`RECORDED_HEADERS`] it carried, lower-case names.
    pub headers: BTreeMap<String, String>,
    /// The body, when it is JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The body, when it is not JSON (an HTML page, a cut-off answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
}

/// A recording read back.
#[derive(Debug, Clone)]
pub struct Recording {
    /// `manifest.json`.
    pub manifest: Manifest,
    /// Every exchange, in the order sent.
    pub exchanges: Vec<Exchange>,
}

/// Whether a recording may be written at `dir`: it does not exist, is an
/// empty directory, or holds an earlier recording (which it replaces).
/// Checked before the pull, so a long pull does not end in this error.
pub fn check_target(dir: &Path) -> std::io::Result<()> {
    let refuse = |why: String| std::io::Error::new(std::io::ErrorKind::AlreadyExists, why);
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(refuse(format!(
            "{} exists and is not a directory",
            dir.display()
        )));
    }
    if std::fs::read_dir(dir)?.next().is_none() || holds_recording(dir) {
        return Ok(());
    }
    Err(refuse(format!(
        "{} exists and is not an earlier recording; give --record a new or empty directory",
        dir.display()
    )))
}

fn holds_recording(dir: &Path) -> bool {
    std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .is_some_and(|m| m["format"] == FORMAT)
}

/// Writes what `recorder` holds into `dir` (replacing an earlier recording
/// there), every text scrubbed of `client`'s credential and pseudonymised;
/// `outcome` is the pull's: `Err` with its message when it failed. Returns
/// the number of exchanges written.
pub fn write(
    dir: &Path,
    recorder: &Recorder,
    client: &Client,
    pull: RecordedPull,
    outcome: Result<(), &str>,
) -> std::io::Result<usize> {
    check_target(dir)?;
    let raw = std::mem::take(&mut *recorder.raw.lock().unwrap_or_else(|p| p.into_inner()));
    let (manifest, exchanges) = pseudonymise(&raw, client, pull, outcome);
    let staged = crate::atomic::StagedDir::new(dir, true, &[])?;
    crate::atomic::write_file(&staged.path().join("manifest.json"), &pretty(&manifest))?;
    let exchanges_dir = staged.path().join("exchanges");
    crate::atomic::create_dir_all(&exchanges_dir)?;
    for e in &exchanges {
        crate::atomic::write_file(
            &exchanges_dir.join(format!("{:06}.json", e.seq)),
            &pretty(e),
        )?;
    }
    staged.commit()?;
    Ok(exchanges.len())
}

/// Pretty JSON with a final newline.
fn pretty<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("plain data serialises");
    out.push(b'\n');
    out
}

/// The manifest and exchanges, scrubbed and pseudonymised.
///
/// Pseudonyms are numbered by a walk over the exchanges sorted by request
/// (method, path, query, body; then the order sent), not in the order
/// sent, which the pull's concurrency shuffles: two recordings of one
/// unchanged account number alike. A first walk gives every structured
/// value (JSON, query, path, YAML) its pseudonym, so that the second, which
/// writes, can find those values inside free text too.
fn pseudonymise(
    raw: &[RawExchange],
    client: &Client,
    pull: RecordedPull,
    outcome: Result<(), &str>,
) -> (Manifest, Vec<Exchange>) {
    let mut order: Vec<usize> = (0..raw.len()).collect();
    order.sort_by_cached_key(|&i| {
        let e = &raw[i];
        (
            e.method,
            e.path.clone(),
            format!("{:?}", e.query),
            e.body.as_ref().map(Value::to_string),
            e.seq,
        )
    });
    let mut p = Pseudonymiser::new();
    let account = p.of_kind(Kind::Account, &client.config().account_id);
    let (kind, token) = match client.credential() {
        Credential::Bearer(_) => (CredentialKind::Bearer, None),
        Credential::ApiKey(k) => match (k.service_account_token_id(), k.token_id()) {
            (Some(t), _) => (CredentialKind::ServiceAccountToken, Some(t)),
            (None, Some(t)) => (CredentialKind::PersonalAccessToken, Some(t)),
            (None, None) => (CredentialKind::ApiKey, None),
        },
    };
    let token = token.map(|t| p.of_kind(Kind::Id, t));
    for &i in &order {
        exchange(&raw[i], client, &mut p);
    }
    p.freeze_phrases();
    let mut exchanges: Vec<Option<Exchange>> = vec![None; raw.len()];
    for &i in &order {
        exchanges[i] = Some(exchange(&raw[i], client, &mut p));
    }
    let mut exchanges: Vec<Exchange> = exchanges.into_iter().flatten().collect();
    exchanges.sort_by_key(|e| e.seq);
    let error = outcome.err().map(|e| p.free_text(&clean(client, e)));
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        tool: Tool {
            name: "reviewpack".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        recorded_at: Utc::now(),
        account_identifier: account,
        credential: RecordedCredential {
            kind,
            token_identifier: token,
        },
        pull,
        outcome: if error.is_some() {
            Outcome::Failed
        } else {
            Outcome::Pulled
        },
        error,
        exchanges: exchanges.len(),
        pseudonyms: p.counts(),
    };
    (manifest, exchanges)
}

/// What the base URL becomes in every text: a self-managed host names its
/// owner.
pub const BASE_URL_PLACEHOLDER: &str = "https://harness.invalid";

/// `text` scrubbed as the client scrubs what it shows (the credential and
/// anything shaped like a Harness token), and the base URL and its host
/// replaced by [`BASE_URL_PLACEHOLDER`].
fn clean(client: &Client, text: &str) -> String {
    let base = &client.config().base_url;
    let mut out = client
        .scrub(text)
        .replace(base.as_str(), BASE_URL_PLACEHOLDER);
    if let Some(host) = reqwest::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
    {
        out = out.replace(&host, "harness.invalid");
    }
    out
}

/// One exchange, scrubbed and pseudonymised.
fn exchange(e: &RawExchange, client: &Client, p: &mut Pseudonymiser) -> Exchange {
    let scrub = |s: &str| clean(client, s);
    let query: Vec<(String, String)> = e.query.iter().map(|(k, v)| (k.clone(), scrub(v))).collect();
    let request = RecordedRequest {
        method: e.method.to_string(),
        path: p.path(&scrub(&e.path)),
        query: p.query(&query),
        body: e
            .body
            .as_ref()
            .map(|b| json_body(&scrub(&b.to_string()), p)),
    };
    let response = e.response.as_ref().map(|r| {
        let mut headers = BTreeMap::new();
        for (name, value) in &r.headers {
            let value = scrub(value);
            let value = if name == "location" {
                location(&value, &e.url, p)
            } else {
                value
            };
            headers.insert(name.clone(), value);
        }
        let text = scrub(&String::from_utf8_lossy(&r.body));
        let (mut body, mut body_text) = (None, None);
        if !text.trim().is_empty() {
            match serde_json::from_str::<Value>(&text) {
                // The catalogue is Harness's vocabulary through and through.
                Ok(v) if e.path == PERMISSIONS_PATH && (200..300).contains(&r.status) => {
                    body = Some(v)
                }
                Ok(v) => body = Some(p.json("", &v)),
                Err(_) => body_text = Some(p.free_text(&text)),
            }
        }
        RecordedResponse {
            status: r.status,
            headers,
            body,
            body_text,
        }
    });
    Exchange {
        seq: e.seq,
        request,
        response,
        error: e.error.as_deref().map(|t| p.free_text(&scrub(t))),
    }
}

/// A request body: JSON, pseudonymised (text that is not JSON after
/// scrubbing is free text).
fn json_body(text: &str, p: &mut Pseudonymiser) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => p.json("", &v),
        Err(_) => Value::String(p.free_text(text)),
    }
}

/// A `Location` header: its path and query pseudonymised like a request's;
/// another origin is written as `https://other-origin.invalid`, never named.
fn location(value: &str, from: &reqwest::Url, p: &mut Pseudonymiser) -> String {
    let Ok(target) = from.join(value) else {
        return p.free_text(value);
    };
    let pairs: Vec<(String, String)> = target
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut url = reqwest::Url::parse("https://other-origin.invalid/").expect("static URL");
    url.set_path(&p.path(target.path()));
    if !pairs.is_empty() {
        url.query_pairs_mut().extend_pairs(p.query(&pairs));
    }
    if target.origin() != from.origin() {
        return url.to_string();
    }
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// Reads a recording written by [`write`].
pub fn read(dir: &Path) -> Result<Recording, String> {
    let manifest_path = dir.join("manifest.json");
    let bytes = std::fs::read(&manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{} is not a recording's manifest: {e}",
            manifest_path.display()
        )
    })?;
    if manifest.format != FORMAT || manifest.version > VERSION {
        return Err(format!(
            "{} is not a recording this reviewpack reads (format {:?}, version {})",
            manifest_path.display(),
            manifest.format,
            manifest.version
        ));
    }
    let mut exchanges = Vec::new();
    let exchanges_dir = dir.join("exchanges");
    let entries = std::fs::read_dir(&exchanges_dir)
        .map_err(|e| format!("cannot read {}: {e}", exchanges_dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let e: Exchange = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} is not an exchange: {e}", path.display()))?;
        exchanges.push(e);
    }
    exchanges.sort_by_key(|e| e.seq);
    Ok(Recording {
        manifest,
        exchanges,
    })
}
