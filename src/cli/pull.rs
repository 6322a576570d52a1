//! `reviewpack pull`, `check` and `run`: the commands that talk to Harness.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::Args;

use crate::harness::check;
use crate::harness::client::{ApiKey, BearerToken, Client, ClientConfig, Credential};
use crate::harness::pull::{pull_with_scim, NoProgress, Progress, PullOptions};
use crate::harness::record::{self, RecordedPull, Recorder};
use crate::snapshot;

use super::report::PackArgs;
use super::Output;

/// Where the account is and how to reach it.
#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    /// The account identifier; may be omitted when the key is a
    /// `pat.<account>.…` or `sat.<account>.…` token.
    #[arg(long)]
    account_id: Option<String>,
    /// The API base URL; a self-managed host works too.
    #[arg(long, default_value = "https://app.harness.io")]
    base_url: String,
    /// Read the API key from this file instead of HARNESS_API_KEY.
    #[arg(long)]
    api_key_file: Option<PathBuf>,
    /// Authenticate with a Bearer token (a JWT) read from this file instead
    /// of an API key; HARNESS_BEARER works too. Needs --account-id.
    #[arg(long, value_name = "PATH", conflicts_with = "api_key_file")]
    bearer_file: Option<PathBuf>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Client-side limit in requests per minute (Harness allows 400 per key).
    #[arg(long = "rate-limit", default_value_t = 300)]
    rate_limit: u32,
    /// Attempts per request before giving up.
    #[arg(long, default_value_t = 6, hide = true)]
    max_attempts: u32,
    /// First retry delay in milliseconds (doubles per attempt, capped at 30 s).
    #[arg(long, default_value_t = 500, hide = true)]
    retry_base_ms: u64,
    /// Request timeout in seconds.
    #[arg(long, default_value_t = 60, hide = true)]
    timeout_secs: u64,
    /// Also trust the CA certificates in this PEM file (a self-managed
    /// installation behind a private certificate authority).
    #[arg(long, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
}

/// What `pull` needs besides the connection.
#[derive(Debug, Args)]
pub(crate) struct PullArgs {
    /// Days of audit-trail evidence (logins, changes) to read.
    #[arg(long, default_value_t = 180)]
    activity_days: u32,
    /// Write a snapshot marked INCOMPLETE instead of failing when a list
    /// fails or does not add up.
    #[arg(long)]
    allow_partial: bool,
    /// Write a snapshot marked UNVERIFIED instead of failing when Harness's
    /// access check cannot be used and nothing else vouches that the org,
    /// project, user-group, service-account and role-assignment lists hold
    /// everything (Harness leaves out what the key may not view, silently).
    #[arg(long)]
    allow_unverified: bool,
    /// The end of the activity window (RFC 3339); default: now.
    #[arg(long, hide = true)]
    activity_end: Option<String>,
    /// Search the audit trail for removals from this date (YYYY-MM-DD or
    /// RFC 3339) when it is earlier than the activity window's start: the
    /// previous snapshot's capture, so every revocation since can be timed.
    #[arg(long, value_name = "DATE")]
    removals_since: Option<String>,
    /// Also list the account's SCIM Users and Groups (the identities the
    /// identity provider provisions) into the snapshot, so `unmanaged-user`
    /// and `unmanaged-privileged-group` use that listing as evidence.
    #[arg(long)]
    scim: bool,
    /// Read user groups and projects one scope at a time, as Harness
    /// versions before February 2023 need, instead of one list across every
    /// child scope (the pull also falls back by itself when Harness refuses
    /// that list; this saves the one refused request).
    #[arg(long)]
    per_scope_lists: bool,
    /// Record every request and response of the pull into this directory,
    /// the key removed and names, emails and identifiers replaced by
    /// pseudonyms (docs/operations.md, "Recording a pull"): to send when a
    /// pull fails or surprises. Written when the pull fails too.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct PullCommand {
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(flatten)]
    pull: PullArgs,
    /// The snapshot file to write.
    #[arg(short = 'o', long = "out")]
    out: PathBuf,
    /// Replace the snapshot file when it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckCommand {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Warn when the key's token (or the Bearer token) expires within this
    /// many days.
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    expiry_warning_days: u32,
}

#[derive(Debug, Args)]
pub(crate) struct RunCommand {
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(flatten)]
    pull: PullArgs,
    #[command(flatten)]
    pack: PackArgs,
    /// Last quarter's snapshot: also write the diff against it into DIR/diff
    /// (access gained and lost, findings new and resolved).
    #[arg(long, value_name = "SNAPSHOT")]
    previous: Option<PathBuf>,
    /// With --previous: the decisions made on it (a campaign's decisions.csv,
    /// or the filled-in review.xlsx). The diff then checks each Revoke and
    /// Modify against the account as just pulled: the close-out check, in one
    /// command.
    #[arg(long, value_name = "FILE", requires = "previous")]
    decisions: Option<PathBuf>,
}

fn read_key(file: Option<&Path>, out: &Output) -> anyhow::Result<ApiKey> {
    let key = match file {
        Some(path) => {
            warn_if_readable_by_others(path, "--api-key-file", out);
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the API key file {}", path.display()))?
        }
        None => std::env::var("HARNESS_API_KEY").map_err(|_| {
            anyhow::anyhow!(
                "no API key: set HARNESS_API_KEY or pass --api-key-file PATH (a key is never taken from a flag value); or use a Bearer token with HARNESS_BEARER or --bearer-file and --account-id"
            )
        })?,
    };
    if key.trim().is_empty() {
        bail!("the API key is empty");
    }
    Ok(ApiKey::new(&key))
}

/// The Bearer token from `--bearer-file` or HARNESS_BEARER, if either is
/// given (never from a flag value, like the key).
fn read_bearer(file: Option<&Path>, out: &Output) -> anyhow::Result<Option<BearerToken>> {
    let token =
        match file {
            Some(path) => {
                warn_if_readable_by_others(path, "--bearer-file", out);
                Some(std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read the Bearer token file {}", path.display())
                })?)
            }
            None => std::env::var("HARNESS_BEARER").ok(),
        };
    match token {
        None => Ok(None),
        Some(t) if t.trim().is_empty() => bail!("the Bearer token is empty"),
        Some(t) => Ok(Some(BearerToken::new(&t))),
    }
}

/// Warns when a secret's file can be read by its group or by others.
fn warn_if_readable_by_others(path: &Path, flag: &str, out: &Output) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                out.note(format_args!(
                    "warning: {flag} {} is readable by its group or others (mode {mode:03o}); run chmod 600 {}",
                    path.display(),
                    path.display()
                ));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, flag, out);
}

/// Checks `--base-url`: https (or http, with a warning unless the host is
/// this machine), and no credentials in it, since the URL is recorded in
/// every snapshot and pack.
fn check_base_url(base_url: &str, out: &Output) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(base_url).map_err(|e| {
        anyhow::anyhow!("--base-url {base_url:?} is not a URL ({e}); it must start with https://")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        bail!(
            "--base-url must not carry a user name or password (it is recorded in every snapshot and pack): give the host only, and the key in HARNESS_API_KEY or --api-key-file"
        );
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = url.host_str().unwrap_or("");
            let loopback = host == "localhost"
                || host
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                out.note(format_args!(
                    "warning: --base-url {base_url} is plain http: the API key crosses the network unencrypted; use https://"
                ));
            }
            Ok(())
        }
        other => bail!(
            "--base-url {base_url:?} uses {other}://; it must start with https:// (http:// only for a server on this machine)"
        ),
    }
}

impl ConnectArgs {
    /// The credential and the account it is for.
    fn credential(&self, out: &Output) -> anyhow::Result<(Credential, String)> {
        if let Some(token) = read_bearer(self.bearer_file.as_deref(), out)? {
            if self.api_key_file.is_some() || std::env::var_os("HARNESS_API_KEY").is_some() {
                bail!(
                    "both an API key (HARNESS_API_KEY or --api-key-file) and a Bearer token (HARNESS_BEARER or --bearer-file) are given: choose one"
                );
            }
            let Some(account) = self.account_id.clone() else {
                bail!("--account-id is needed with a Bearer token: the token does not name its account, and Harness needs it in the Harness-Account header");
            };
            return Ok((Credential::Bearer(token), account));
        }
        let key = read_key(self.api_key_file.as_deref(), out)?;
        let account = match (&self.account_id, key.account_id()) {
            (Some(a), _) => a.clone(),
            (None, Some(a)) => a.to_string(),
            (None, None) => bail!(
                "--account-id is needed: the API key does not name its account (only pat.<account>.… and sat.<account>.… keys do)"
            ),
        };
        Ok((Credential::ApiKey(key), account))
    }

    fn client(&self, out: &Output) -> anyhow::Result<Client> {
        check_base_url(&self.base_url, out)?;
        let (credential, account) = self.credential(out)?;
        let mut cfg = ClientConfig::new(&self.base_url, &account);
        if let Some(path) = &self.ca_cert {
            cfg.extra_roots_pem = Some(std::fs::read(path).with_context(|| {
                format!("cannot read the CA certificate file {}", path.display())
            })?);
        }
        cfg.concurrency = self.concurrency.max(1);
        cfg.rate_limit_per_minute = self.rate_limit;
        cfg.max_attempts = self.max_attempts.max(1);
        cfg.backoff_base = Duration::from_millis(self.retry_base_ms);
        cfg.request_timeout = Duration::from_secs(self.timeout_secs.max(1));
        Client::with_credential(cfg, credential).map_err(anyhow::Error::msg)
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// An indicatif bar on stderr, only when stderr is a terminal.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn update(&self, done: usize, planned: usize, requests: u64, retries: u64, throttled_ms: u64) {
        self.0.set_length(planned as u64);
        self.0.set_position(done as u64);
        self.0.set_message(format!(
            "{requests} requests, {retries} retries, {:.0}s waiting for the rate limit",
            throttled_ms as f64 / 1000.0
        ));
    }

    fn notice(&self, message: &str) {
        let line = format!("reviewpack: {}", super::term_safe(message));
        self.0.suspend(|| eprintln!("{line}"));
    }
}

/// No bar (stderr is not a terminal), but notices still go to stderr.
struct NoticesOnly;

impl Progress for NoticesOnly {
    fn update(&self, _: usize, _: usize, _: u64, _: u64, _: u64) {}

    fn notice(&self, message: &str) {
        eprintln!("reviewpack: {}", super::term_safe(message));
    }
}

fn progress(out: &Output) -> Box<dyn Progress> {
    if out.quiet {
        return Box::new(NoProgress);
    }
    if !std::io::stderr().is_terminal() {
        return Box::new(NoticesOnly);
    }
    let bar = indicatif::ProgressBar::new(1);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} lists {pos}/{len} [{elapsed}] {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Box::new(Bar(bar))
}

/// Pulls into memory and returns the snapshot's canonical bytes.
/// `since`: where to search for removals when `--removals-since` is not
/// given (`run --previous`: the previous snapshot's capture).
fn pull_bytes(
    connect: &ConnectArgs,
    args: &PullArgs,
    since: Option<DateTime<Utc>>,
    command_line: &[String],
    out: &Output,
) -> anyhow::Result<Vec<u8>> {
    let activity_end: DateTime<Utc> = match &args.activity_end {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .with_context(|| format!("--activity-end {s:?} is not an RFC 3339 time"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let removals_since = match &args.removals_since {
        Some(s) => Some(crate::text::parse_time(s).with_context(|| {
            format!("--removals-since {s:?} is not a date (YYYY-MM-DD) or an RFC 3339 time")
        })?),
        None => since,
    };
    if let Some(dir) = &args.record {
        record::check_target(dir).context("--record")?;
    }
    let mut client = connect.client(out)?;
    let recorder = args.record.as_ref().map(|_| {
        let r = Arc::new(Recorder::new());
        client.record_into(r.clone());
        r
    });
    let client = Arc::new(client);
    let opts = PullOptions {
        activity_days: args.activity_days,
        activity_end,
        removals_since,
        allow_partial: args.allow_partial,
        allow_unverified: args.allow_unverified,
        command_line: command_line.to_vec(),
        per_scope_lists: args.per_scope_lists,
    };
    let progress = progress(out);
    let pulled = runtime()?.block_on(pull_with_scim(
        client.clone(),
        &opts,
        args.scim,
        progress.as_ref(),
    ));
    drop(progress);
    if let (Some(dir), Some(recorder)) = (&args.record, &recorder) {
        let error = pulled.as_ref().err().map(|e| e.to_string());
        let written = record::write(
            dir,
            recorder,
            &client,
            RecordedPull::of(&opts, args.scim, client.config().concurrency),
            error.as_deref().map_or(Ok(()), Err),
        );
        match (written, &pulled) {
            (Ok(n), _) => out.note(format_args!(
                "recorded {n} requests and their responses in {} (key removed, names, emails and identifiers pseudonymised; look through it before you send it)",
                dir.display()
            )),
            (Err(e), Ok(_)) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("cannot write the recording {}", dir.display())))
            }
            // The pull's own error matters more; say this one in passing.
            (Err(e), Err(_)) => out.note(format_args!(
                "warning: cannot write the recording {}: {e}",
                dir.display()
            )),
        }
    }
    let snap = pulled?;
    for line in unread_warnings(&snap) {
        out.note(format_args!("warning: {line}"));
    }
    if !snap.completeness.complete {
        out.note(format_args!(
            "warning: {} list(s) are incomplete; the snapshot is marked INCOMPLETE",
            snap.completeness
                .lists
                .iter()
                .filter(|l| !l.complete)
                .count()
        ));
    }
    out.note(format_args!(
        "pulled {} users, {} groups, {} service accounts, {} role assignments in {} requests ({} retries)",
        snap.users.len(),
        snap.user_groups.len(),
        snap.service_accounts.len(),
        snap.role_assignments.len(),
        client.stats.requests.load(std::sync::atomic::Ordering::Relaxed),
        client.stats.retries.load(std::sync::atomic::Ordering::Relaxed),
    ));
    if let Some(scim) = &snap.scim {
        out.note(format_args!(
            "SCIM lists {} users and {} groups",
            scim.users.len(),
            scim.groups.len()
        ));
    }
    for hop in client.redirects() {
        out.note(format_args!("followed a redirect on the same host: {hop}"));
    }
    // The evidence never holds the credential, whatever the server echoed.
    Ok(client
        .scrub(&String::from_utf8_lossy(&snapshot::to_bytes(&snap)))
        .into_bytes())
}

/// One line per kind of gap the pull recorded in `completeness.unread`.
fn unread_warnings(snap: &snapshot::Snapshot) -> Vec<String> {
    use crate::snapshot::UnreadKind;
    let mut out = Vec::new();
    let of = |k: UnreadKind| snap.completeness.unread.iter().filter(move |u| u.what == k);
    let keys: Vec<_> = of(UnreadKind::ApiKeys)
        .chain(of(UnreadKind::Tokens))
        .collect();
    if !keys.is_empty() {
        let needs = keys
            .iter()
            .find_map(|u| u.needs.clone())
            .unwrap_or_else(|| "core_serviceaccount_manageapikey".into());
        out.push(format!(
            "the key lacks {needs}, so service accounts' API keys and tokens were not read (recorded in the snapshot); token-long-lived and token-expired-not-removed will not be evaluated (docs/operations.md explains the permission)"
        ));
    }
    let roles: Vec<_> = of(UnreadKind::Role).collect();
    if let Some(first) = roles.first() {
        out.push(format!(
            "{} role(s) named by assignments could not be read, so those assignments grant nothing in the pack (first: {} at {}: {})",
            roles.len(),
            first.id.as_deref().unwrap_or("?"),
            first.scope.as_ref().map(|s| s.to_string()).unwrap_or_default(),
            first.reason
        ));
    }
    if let Some(u) = of(UnreadKind::AccountName).next() {
        out.push(format!(
            "the account's name was not read ({}); the pack names the account by its identifier",
            u.reason
        ));
    }
    out
}

pub(crate) fn run_pull(
    cmd: PullCommand,
    command_line: &[String],
    out: &Output,
) -> anyhow::Result<ExitCode> {
    // Before the pull, which may take an hour: an existing snapshot is
    // evidence, replaced only when asked; and the place must be writable.
    crate::atomic::check_file_target(&cmd.out, cmd.force)
        .with_context(|| format!("cannot write the snapshot to {}", cmd.out.display()))?;
    let bytes = pull_bytes(&cmd.connect, &cmd.pull, None, command_line, out)?;
    crate::atomic::write_file_making_dirs(&cmd.out, &bytes)
        .with_context(|| format!("cannot write the snapshot {}", cmd.out.display()))?;
    out.note(format_args!("wrote {}", cmd.out.display()));
    check_pulled(&cmd.out, &bytes)?;
    // Last, on stdout (even with -q), in sha256sum's format: the line to
    // paste into the ticket now, before anyone could edit the file.
    println!("{}  {}", snapshot::sha256_hex(&bytes), cmd.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Loads the snapshot just written as `report` will, so a pull whose
/// output `report` would refuse fails now, naming the problem, rather than
/// at the next step. The file stays on disk for inspection.
fn check_pulled(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    snapshot::from_slice(path, bytes).map(|_| ()).map_err(|e| {
        anyhow::anyhow!(
            "the pulled snapshot fails the check report runs on every snapshot ({e}); it was written to {} for inspection, but report will refuse it. This is a defect in reviewpack or an answer from Harness it does not expect: please report it with that line",
            path.display()
        )
    })
}

/// `reviewpack run`: pulls, then writes the pack (and the diff against
/// `--previous`) from the snapshot just pulled.
pub(crate) fn pull_then_report(
    cmd: RunCommand,
    command_line: &[String],
    out: &Output,
) -> anyhow::Result<ExitCode> {
    // Fail on a bad --format, --as-of or -o before a long pull, not after.
    let settings = cmd.pack.validate()?;
    let inputs: Vec<(&'static str, &Path)> = cmd
        .previous
        .as_deref()
        .map(|p| ("previous snapshot", p))
        .into_iter()
        .chain(cmd.decisions.as_deref().map(|d| ("decisions file", d)))
        .chain(cmd.pull.record.as_deref().map(|r| ("recording", r)))
        .collect();
    cmd.pack.check_out(&inputs)?;
    if let Some(dir) = &cmd.pull.record {
        // Not yet there, so check_out cannot tell: the pack replaces its
        // directory whole.
        let inside = std::path::absolute(dir)
            .ok()
            .zip(std::path::absolute(&cmd.pack.out).ok())
            .is_some_and(|(r, pack)| r.starts_with(pack));
        if inside {
            bail!(
                "--record {} lies inside the pack directory {}, which the pack replaces: record elsewhere",
                dir.display(),
                cmd.pack.out.display()
            );
        }
    }
    // Likewise a bad --previous, or one of another account.
    let previous = match &cmd.previous {
        Some(path) => {
            let prev = super::load_snapshot(path)?;
            let account = cmd.connect.client(out)?.config().account_id.clone();
            super::diff::check_accounts(&prev.snapshot.account.id, &account, false)?;
            Some((path, prev))
        }
        None => None,
    };
    // The decisions too, before the pull: they must be about --previous.
    let decisions = match (&cmd.decisions, &previous) {
        (Some(d), Some((path, prev))) => {
            Some(super::diff::read_bound_decisions(d, path, prev, false)?)
        }
        _ => None,
    };
    let decisions = std::cell::RefCell::new(decisions);
    // The close-out: removals searched from the previous capture, so each
    // revocation since can be timed.
    let since = previous.as_ref().map(|(_, p)| p.snapshot.captured_at());
    let bytes = pull_bytes(&cmd.connect, &cmd.pull, since, command_line, out)?;
    let loaded = match snapshot::from_slice(Path::new("snapshot.json"), &bytes) {
        Ok(snapshot) => snapshot::LoadedSnapshot {
            snapshot,
            sha256: snapshot::sha256_hex(&bytes),
            bytes,
        },
        Err(e) => {
            let e = anyhow::anyhow!(
                "the pulled snapshot fails the check report runs on every snapshot ({e}), so no pack was written. This is a defect in reviewpack or an answer from Harness it does not expect: please report it with that line"
            );
            return Err(kept_context(e, keep_pulled_snapshot(&cmd.pack.out, &bytes)));
        }
    };
    let written = write_after_pull(
        &cmd, &settings, &previous, &decisions, &loaded, &inputs, out,
    );
    // A failure after the pull keeps the pull: it took minutes and an API
    // budget, and the report can be made again from it.
    written.map_err(|e| kept_context(e, keep_pulled_snapshot(&cmd.pack.out, &loaded.bytes)))
}

/// `e`, saying where the pulled snapshot was kept.
fn kept_context(e: anyhow::Error, kept: Kept) -> anyhow::Error {
    match kept {
        Kept::Beside(kept) => e.context(format!(
            "the pulled snapshot was kept at {}; make the pack from it with `reviewpack report {} -o DIR`",
            kept.display(),
            kept.display()
        )),
        Kept::InTemp(kept, why) => e.context(format!(
            "the pulled snapshot could not be kept beside the pack ({why}), so it was kept at {} in the temporary directory, which may be cleared: move it now, and make the pack from it with `reviewpack report {} -o DIR`",
            kept.display(),
            kept.display()
        )),
        Kept::Lost(why) => e.context(format!(
            "the pulled snapshot could not be kept either ({why})"
        )),
    }
}

/// Where a pulled snapshot went when the pack after it failed.
enum Kept {
    /// `DIR.snapshot.json` (or `DIR.snapshot.N.json`) beside the pack.
    Beside(PathBuf),
    /// In the temporary directory, and why not beside the pack.
    InTemp(PathBuf, String),
    /// Nowhere, and why.
    Lost(String),
}

/// Keeps a pulled snapshot whose pack failed: `DIR.snapshot.json` beside the
/// pack directory `DIR` whenever that can be written (an earlier kept
/// snapshot there is not replaced: `DIR.snapshot.2.json` and on), else in
/// the temporary directory.
fn keep_pulled_snapshot(pack: &Path, bytes: &[u8]) -> Kept {
    // `-o .` or `-o ..` name no file: use the directory's own name.
    let named = match pack.file_name() {
        Some(_) => Some(pack.to_path_buf()),
        None => pack.canonicalize().ok().filter(|p| p.file_name().is_some()),
    };
    let stem = named
        .as_deref()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "reviewpack-pulled".into());
    let candidates = |dir: &Path| -> Vec<PathBuf> {
        std::iter::once(dir.join(format!("{stem}.snapshot.json")))
            .chain((2..100).map(|n| dir.join(format!("{stem}.snapshot.{n}.json"))))
            .collect()
    };
    let write_new = |dir: &Path| -> Result<PathBuf, String> {
        let path = candidates(dir)
            .into_iter()
            .find(|p| !p.exists())
            .ok_or_else(|| format!("{} holds 99 kept snapshots already", dir.display()))?;
        crate::atomic::write_file_making_dirs(&path, bytes)
            .map(|()| path)
            .map_err(|e| format!("{}: {e}", dir.display()))
    };
    let beside = named
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let why = match write_new(&beside) {
        Ok(path) => return Kept::Beside(path),
        Err(why) => why,
    };
    match write_new(&std::env::temp_dir()) {
        Ok(path) => Kept::InTemp(path, why),
        Err(also) => Kept::Lost(format!("{why}; {also}")),
    }
}

fn write_after_pull(
    cmd: &RunCommand,
    settings: &super::report::PackSettings,
    previous: &Option<(&PathBuf, snapshot::LoadedSnapshot)>,
    decisions: &std::cell::RefCell<Option<crate::diff::DecisionSet>>,
    loaded: &snapshot::LoadedSnapshot,
    inputs: &[(&'static str, &Path)],
    out: &Output,
) -> anyhow::Result<ExitCode> {
    // The diff goes inside the pack before it is sealed, so the manifest,
    // SHA256SUMS and --zip cover it.
    let diff_verdict = std::cell::RefCell::new(None);
    let add_diff = |dir: &Path| -> anyhow::Result<Option<super::ci::Judged>> {
        if let Some((path, prev)) = previous {
            let judged = super::diff::write_for_run(
                settings.policy.clone(),
                settings.roster.as_ref(),
                prev,
                path,
                decisions.borrow_mut().take(),
                loaded,
                settings.gate.clone(),
                dir,
                out,
            )?;
            *diff_verdict.borrow_mut() = Some(judged.verdict.clone());
            return Ok(Some(judged));
        }
        Ok(None)
    };
    let prev = previous
        .as_ref()
        .map(|(_, p)| crate::findings::PreviousReview::of(&p.snapshot));
    // With --previous the gate judges what is new since it (unless
    // --fail-on-all): the previous snapshot's findings, by id, evaluated
    // as `report` would have made them.
    let previous_findings: Option<std::collections::HashSet<String>> =
        previous.as_ref().map(|(_, p)| {
            let g = crate::graph::AccessGraph::build(&p.snapshot);
            crate::findings::evaluate_with(
                &g,
                &settings.policy,
                p.snapshot.captured_at(),
                settings.roster.as_ref(),
            )
            .findings
            .into_iter()
            .map(|f| f.id)
            .collect()
        });
    let verdict = super::report::write(
        loaded,
        &cmd.pack,
        settings,
        inputs,
        prev.as_ref(),
        previous_findings.as_ref(),
        out,
        Some(&add_diff),
    )?;
    // The diff's verdict adds what only a diff finds (revocation-not-done).
    let diff_verdict = diff_verdict.into_inner();
    let mut verdicts = vec![&verdict];
    verdicts.extend(diff_verdict.as_ref());
    Ok(super::report::exit_code(super::gate::tell(
        &settings.gate,
        &verdicts,
    )))
}

pub(crate) fn run_check(cmd: CheckCommand, out: &Output) -> anyhow::Result<ExitCode> {
    let client = Arc::new(cmd.connect.client(out)?);
    let account = client.config().account_id.clone();
    let preflight = runtime()?.block_on(check::run(&client, &|m: &str| out.note(m)))?;
    let items = &preflight.items;
    // A permission a proxy's page answered for is not known to be missing.
    let missing: Vec<&str> = items
        .iter()
        .filter(|i| !i.ok && i.required && i.not_harness.is_none())
        .map(|i| i.permission)
        .collect();
    let blocked: Vec<&str> = items
        .iter()
        .filter(|i| i.not_harness.is_some())
        .map(|i| i.permission)
        .collect();
    let optional_missing: Vec<&check::CheckItem> = items
        .iter()
        .filter(|i| !i.ok && !i.required && i.not_harness.is_none())
        .collect();
    let now = Utc::now();
    let expiry = preflight
        .identity
        .as_ref()
        .map(|id| Expiry::of(&id.credential, now, cmd.expiry_warning_days));
    let mut stdout = std::io::stdout().lock();
    if cmd.json {
        let credential = preflight.identity.as_ref().map(|id| {
            let mut v = serde_json::to_value(&id.credential).unwrap_or_default();
            if let (serde_json::Value::Object(m), Some(e)) = (&mut v, &expiry) {
                m.insert("expires_in_days".into(), serde_json::json!(e.days_left));
                m.insert("warning_days".into(), serde_json::json!(e.window));
                m.insert("expiring".into(), serde_json::json!(e.expiring()));
                m.insert("expired".into(), serde_json::json!(e.expired()));
            }
            v
        });
        serde_json::to_writer_pretty(
            &mut stdout,
            &serde_json::json!({
                "account_id": account,
                "base_url": client.config().base_url,
                "caller": preflight.identity.as_ref().and_then(|i| i.holder.as_ref()),
                "credential": credential,
                "source": preflight.source,
                "orgs_and_projects_checked": preflight.below,
                "checks": items,
                "not_harness": preflight.not_harness,
                "ok": missing.is_empty() && blocked.is_empty(),
            }),
        )?;
        writeln!(stdout)?;
    } else {
        writeln!(stdout, "account {account} at {}", client.config().base_url)?;
        if let Some(id) = &preflight.identity {
            writeln!(stdout, "{}", describe_holder(id))?;
            if let Some(e) = &expiry {
                writeln!(stdout, "{}", e.line())?;
            }
        }
        if let Some(page) = &preflight.not_harness {
            writeln!(
                stdout,
                "a proxy or sign-in page answered instead of Harness: {}",
                super::term_safe(page)
            )?;
        } else {
            match preflight.source {
                "lists" => {
                    writeln!(stdout, "checked with one request to each list, at the account")?
                }
                source => writeln!(
                    stdout,
                    "checked with Harness's access check ({source}) at the account and {} org(s) and project(s)",
                    preflight.below
                )?,
            }
            for i in items {
                let status = match (i.ok, i.required, i.not_harness.is_some()) {
                    (true, _, _) => "ok",
                    (false, _, true) => "BLOCKED",
                    (false, true, false) => "MISSING",
                    (false, false, false) => "missing",
                };
                writeln!(stdout, "  {status:7} {:32} {}", i.permission, i.endpoint)?;
                if !i.ok {
                    let what = if i.required {
                        "needed for"
                    } else {
                        "optional, feeds"
                    };
                    writeln!(stdout, "          {what}: {}", i.feeds)?;
                }
                if let Some(d) = &i.detail {
                    writeln!(stdout, "          {}", super::term_safe(d))?;
                }
            }
        }
    }
    stdout.flush()?;
    if let Some(w) = expiry.as_ref().and_then(Expiry::warning) {
        out.note(format_args!("warning: {w}"));
    }
    if let Some(page) = &preflight.not_harness {
        bail!(
            "a proxy or sign-in page answered instead of Harness ({}), so nothing is known of the key's permissions: check --base-url (the API host, not the sign-in page), the proxy and the network path from here",
            super::term_safe(page)
        );
    }
    if !blocked.is_empty() {
        bail!(
            "a proxy or sign-in page answered instead of Harness for {} (BLOCKED above), so nothing is known of {}{}: check the proxy in front of those endpoints",
            blocked.join(", "),
            if blocked.len() == 1 { "it" } else { "them" },
            if missing.is_empty() {
                String::new()
            } else {
                format!("; the API key also lacks {}", missing.join(", "))
            }
        );
    }
    if missing.is_empty() {
        if optional_missing.is_empty() {
            out.note("the key can read everything pull reads");
        } else {
            out.note(format_args!(
                "the key can read everything pull needs; without {} pull records a gap: {}",
                optional_missing
                    .iter()
                    .map(|i| i.permission)
                    .collect::<Vec<_>>()
                    .join(" and "),
                optional_missing
                    .iter()
                    .map(|i| i.feeds)
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        Ok(ExitCode::SUCCESS)
    } else {
        bail!(
            "the API key lacks {}: pull would fail or miss objects; grant them (the Account Viewer role on _all_resources_including_child_scopes holds them all) and run check again",
            missing.join(", ")
        )
    }
}

/// `key of service account ci_reader (CI reader, ci@…) at account, token
/// …`: whom Harness runs the requests as.
fn describe_holder(id: &crate::harness::holder::Identity) -> String {
    let credential = match id.credential.kind {
        "service_account_token" => "service-account token",
        "personal_access_token" => "personal access token",
        "bearer" => "Bearer token",
        _ => "API key",
    };
    let who = match &id.holder {
        Some(h) => {
            let kind = if h.kind == "service_account" {
                "service account"
            } else {
                "user"
            };
            let detail: Vec<&str> = [h.name.as_deref(), h.email.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            format!(
                "belongs to {kind} {}{}{} (named by {})",
                h.id,
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", detail.join(", "))
                },
                h.scope
                    .as_deref()
                    .map(|s| format!(" at {s}"))
                    .unwrap_or_default(),
                h.source
            )
        }
        None => "belongs to a holder Harness did not name".to_string(),
    };
    let token = id
        .credential
        .token
        .as_ref()
        .map(|t| {
            format!(
                "; token {}{}",
                t.identifier,
                match (&t.name, &t.api_key) {
                    (Some(n), Some(k)) => format!(" ({n}, of API key {k})"),
                    (Some(n), None) => format!(" ({n})"),
                    (None, Some(k)) => format!(" (of API key {k})"),
                    (None, None) => String::new(),
                }
            )
        })
        .unwrap_or_default();
    super::term_safe(&format!("the {credential} {who}{token}"))
}

/// How near the credential's expiry is, against `--expiry-warning-days`.
struct Expiry {
    expires_at: Option<DateTime<Utc>>,
    source: Option<&'static str>,
    unknown: Option<String>,
    /// Whole days left (negative once passed).
    days_left: Option<i64>,
    seconds_left: Option<i64>,
    window: u32,
}

impl Expiry {
    fn of(c: &crate::harness::holder::Credentials, now: DateTime<Utc>, window: u32) -> Expiry {
        let seconds_left = c.expires_at.map(|t| (t - now).num_seconds());
        Expiry {
            expires_at: c.expires_at,
            source: c.expiry_source,
            unknown: c.expiry_unknown.clone(),
            days_left: seconds_left.map(|s| s.div_euclid(86_400)),
            seconds_left,
            window,
        }
    }

    fn expired(&self) -> bool {
        self.seconds_left.is_some_and(|s| s <= 0)
    }

    fn expiring(&self) -> bool {
        self.seconds_left
            .is_some_and(|s| s <= i64::from(self.window) * 86_400)
    }

    fn line(&self) -> String {
        match (self.expires_at, self.seconds_left) {
            (Some(at), Some(left)) => format!(
                "expires {} ({}{}), from {}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                if left > 0 { "in " } else { "" },
                crate::text::span_words(left) + if left > 0 { "" } else { " ago" },
                self.source.unwrap_or("Harness")
            ),
            _ => format!(
                "expiry not known: {}",
                super::term_safe(self.unknown.as_deref().unwrap_or("Harness did not say"))
            ),
        }
    }

    /// The warning to print, if the expiry is near or past.
    fn warning(&self) -> Option<String> {
        let at = self
            .expires_at?
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let left = self.seconds_left?;
        if self.expired() {
            Some(format!(
                "the credential's expiry ({at}) passed {} ago by this machine's clock, yet Harness accepted it: check this machine's clock, and replace the credential now",
                crate::text::span_words(left)
            ))
        } else if self.expiring() {
            Some(format!(
                "the credential expires {at}, in {} (within --expiry-warning-days {}): make a new token now and replace the secret the job reads (docs/operations.md, \"A reader for scheduled CI\")",
                crate::text::span_words(left),
                self.window
            ))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn a_pulled_snapshot_report_would_refuse_fails_the_pull_naming_why() {
        let demo = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/demo/snapshot.json"
        ))
        .unwrap();
        assert!(super::check_pulled(Path::new("s.json"), &demo).is_ok());
        let mut v: serde_json::Value = serde_json::from_slice(&demo).unwrap();
        let first = v["users"][0].clone();
        v["users"].as_array_mut().unwrap().push(first);
        let bad = serde_json::to_vec(&v).unwrap();
        let e = super::check_pulled(Path::new("s.json"), &bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("users[")
                && e.contains("written to s.json")
                && e.contains("report will refuse it"),
            "{e}"
        );
    }
}
