//! `pull --record DIR` against the fake over real HTTP: the recording holds
//! no original name, email or identifier and no form of the key, and the
//! fake's replay mode serves it back to the client as a coherent account.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reviewpack::harness::client::{Client, ClientConfig};
use reviewpack::harness::pull::{pull_with_scim, NoProgress, PullError};
use reviewpack::harness::record::{self, Outcome, Recording};
use reviewpack::snapshot::{self, Snapshot};

use crate::fake_harness::{http, FakeHarness, Faults};
use crate::util::{demo, reviewpack, stderr_of, tempdir, tree};

const KEY: &str = crate::util::DEMO_KEY;
const SECRET: &str = "S3cr3tV4lu3DoNotLeak";
const END: &str = "2026-10-01T09:00:00Z";

fn demo_snapshot() -> Snapshot {
    snapshot::load(&demo()).unwrap().snapshot
}

fn pull_recording(fake: &FakeHarness, out: &Path, rec: &Path) -> std::process::Output {
    pull_recording_with(fake, out, rec, &[])
}

fn pull_recording_with(
    fake: &FakeHarness,
    out: &Path,
    rec: &Path,
    extra: &[&str],
) -> std::process::Output {
    reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .args(["pull", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args(["--retry-base-ms", "1", "--timeout-secs", "5"])
        .args([
            "--activity-end",
            END,
            "--force",
            "-o",
            out.to_str().unwrap(),
        ])
        .args(["--record", rec.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

/// Pulls from a replaying fake with the recording's account, credential
/// shape, settings and concurrency.
fn replay_pull(fake: &FakeHarness, rec: &Recording) -> Result<Snapshot, PullError> {
    let m = &rec.manifest;
    let mut cfg = ClientConfig::new(&fake.base_url(), &m.account_identifier);
    cfg.rate_limit_per_minute = 0;
    cfg.concurrency = m.pull.concurrency;
    cfg.backoff_base = Duration::from_millis(1);
    cfg.request_timeout = Duration::from_secs(5);
    let credential = m.credential.replay_credential(&m.account_identifier);
    let client = Arc::new(Client::with_credential(cfg, credential).unwrap());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(pull_with_scim(
            client,
            &m.pull.options(),
            m.pull.scim,
            &NoProgress,
        ))
}

/// Every name, email and identifier of an object Harness does not manage,
/// the account's and the key's among them: none may be in a recording.
fn originals(s: &Snapshot) -> Vec<String> {
    let mut v: Vec<String> = vec![
        s.account.id.to_string(),
        KEY.split('.').nth(2).unwrap().to_string(),
    ];
    v.extend(s.account.name.clone());
    for o in &s.orgs {
        v.extend([o.id.to_string(), o.name.clone()]);
        v.extend(o.description.clone());
    }
    for p in &s.projects {
        v.extend([p.id.to_string(), p.name.clone()]);
        v.extend(p.description.clone());
        v.extend(p.tags.keys().cloned());
    }
    for u in &s.users {
        v.extend([u.id.to_string(), u.name.clone(), u.email.clone()]);
    }
    for g in &s.user_groups {
        v.extend([g.id.to_string(), g.name.clone()]);
    }
    for a in &s.service_accounts {
        v.extend([a.id.to_string(), a.name.clone()]);
        v.extend(a.email.clone());
        v.extend(a.description.clone());
        v.extend(a.tags.keys().cloned());
        v.extend(a.tags.values().cloned());
    }
    for k in &s.api_keys {
        v.extend([k.id.to_string(), k.name.clone()]);
    }
    for t in &s.tokens {
        v.extend([t.id.to_string(), t.name.clone()]);
    }
    for r in &s.roles {
        v.extend([r.id.to_string(), r.name.clone()]);
    }
    for g in &s.resource_groups {
        v.extend([g.id.to_string(), g.name.clone()]);
    }
    for a in &s.role_assignments {
        v.push(a.id.to_string());
    }
    // Harness's own identifiers and anything a number or shorter than a
    // word are not the customer's (nor findable as such).
    v.retain(|o| !o.starts_with('_') && o.len() >= 3 && !o.chars().all(|c| c.is_ascii_digit()));
    v.sort();
    v.dedup();
    v
}

/// Asserts no file of the recording at `rec` holds an original of `s`
/// (exactly, or inside a longer text when it is 6 characters or more), the
/// key or its secret, or `fake`'s address; returns every string in it.
fn assert_no_original(rec: &Path, s: &Snapshot, fake: &FakeHarness) -> Vec<String> {
    let originals = originals(s);
    assert!(originals.len() > 150, "{}", originals.len());
    let mut values = Vec::new();
    for (name, bytes) in tree(rec) {
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains(SECRET) && !text.contains(KEY), "{name}");
        assert!(!text.contains(&fake.base_url()), "{name}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        strings(&v, &mut values);
    }
    for o in &originals {
        for v in &values {
            let inside = o.len() >= 6 && v.contains(o.as_str());
            assert!(v != o && !inside, "{o:?} is in the recording: {v:?}");
        }
    }
    values
}

/// Every string in a JSON value, object keys included.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|i| strings(i, out)),
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

/// The shape the replay must reproduce: how many of each object, and each
/// list's accounting without its scope's name.
fn shape(s: &Snapshot) -> serde_json::Value {
    let mut lists: Vec<String> = s
        .completeness
        .lists
        .iter()
        .map(|l| {
            // A key list is named by its service account's identifier, a
            // SCIM list by the account's.
            let endpoint = l.endpoint.split("?parentIdentifier=").next().unwrap();
            let endpoint = endpoint.replace(s.account.id.as_str(), "{account}");
            format!(
                "{endpoint} complete={} pages={} stored={} total={:?} unverified={}",
                l.complete,
                l.pages,
                l.stored,
                l.total_items,
                l.unverified.is_some()
            )
        })
        .collect();
    lists.sort();
    serde_json::json!({
        "orgs": s.orgs.len(),
        "projects": s.projects.len(),
        "users": s.users.len(),
        "user_groups": s.user_groups.len(),
        "service_accounts": s.service_accounts.len(),
        "api_keys": s.api_keys.len(),
        "tokens": s.tokens.len(),
        "roles": s.roles.len(),
        "permissions": s.permissions.len(),
        "resource_groups": s.resource_groups.len(),
        "role_assignments": s.role_assignments.len(),
        "logins": s.activity.logins.len(),
        "joined": s.activity.joined.len(),
        "removals": s.activity.removals.len(),
        "scim_users": s.scim.as_ref().map(|x| x.users.len()),
        "scim_groups": s.scim.as_ref().map(|x| x.groups.len()),
        "complete": s.completeness.complete,
        "unread": s.completeness.unread.len(),
        "lists": lists,
        "caller": s.provenance.caller.as_ref().map(|c| c.kind.clone()),
        "caller_token": s.provenance.caller.as_ref().map(|c| c.token_id.is_some()),
    })
}

#[test]
fn a_recorded_pull_holds_no_original_and_replays_to_the_same_snapshot_shape() {
    let want = demo_snapshot();
    let fake = FakeHarness::start(want.clone(), KEY);
    let dir = tempdir();
    let (snap, rec) = (dir.path().join("snap.json"), dir.path().join("rec"));
    let out = pull_recording_with(&fake, &snap, &rec, &["--scim"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let said = format!("recorded {} requests", fake.request_count());
    assert!(stderr_of(&out).contains(&said), "{}", stderr_of(&out));
    let pulled = snapshot::load(&snap).unwrap().snapshot;

    // One file per request made, and the manifest; all private.
    let files = tree(&rec);
    assert_eq!(files.len(), fake.request_count() + 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&rec), 0o700);
        assert_eq!(mode(&rec.join("exchanges")), 0o700);
        for (name, _) in &files {
            assert_eq!(mode(&rec.join(name)), 0o600, "{name}");
        }
    }

    // Nothing of the customer's: no original as a value, a key or inside
    // a longer text, no key or secret, not the server's address.
    let values = assert_no_original(&rec, &want, &fake);
    // Harness's vocabulary is kept.
    let all = values.join("\n");
    for kept in [
        "_account_admin",
        "_all_resources_including_child_scopes",
        "_account_all_users",
        "core_usergroup_view",
        "SERVICE_ACCOUNT",
        "USER_GROUP",
        "INCLUDE_CHILD_SCOPE_GROUPS",
        "user-0001@example.invalid",
    ] {
        assert!(all.contains(kept), "{kept} is not in the recording");
    }

    let recording = record::read(&rec).unwrap();
    let m = &recording.manifest;
    assert_eq!(m.outcome, Outcome::Pulled);
    assert_eq!(m.exchanges, fake.request_count());
    assert_eq!(m.account_identifier, "account_0001");
    assert_eq!(
        m.pull.activity_end.to_rfc3339(),
        "2026-10-01T09:00:00+00:00"
    );

    // The replay asks exactly what was recorded, and pulls the same shape.
    let replay = FakeHarness::replay(&rec);
    let mut first = replay_pull(&replay, &recording).unwrap();
    assert!(replay.unexpected().is_empty(), "{:?}", replay.unexpected());
    assert_eq!(replay.request_count(), m.exchanges);
    assert_eq!(shape(&first), shape(&pulled));
    assert!(first.scim.as_ref().is_some_and(|x| !x.users.is_empty()));
    assert_eq!(first.account.id.to_string(), m.account_identifier);
    // Twice: the same bytes (the pull's own wall-clock times aside).
    let mut second = replay_pull(&replay, &recording).unwrap();
    for s in [&mut first, &mut second] {
        s.provenance.started_at = m.pull.activity_end;
        s.provenance.finished_at = m.pull.activity_end;
    }
    assert_eq!(snapshot::to_bytes(&first), snapshot::to_bytes(&second));
    assert!(replay.unexpected().is_empty(), "{:?}", replay.unexpected());

    // A second recording replaces the first; a directory holding anything
    // else is refused before a request is sent.
    let out = pull_recording(&fake, &snap, &rec);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    fake.clear_requests();
    let out = pull_recording(&fake, &snap, &other);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("is not an earlier recording"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(fake.request_count(), 0);
    assert_eq!(
        std::fs::read_to_string(other.join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_failed_pull_is_recorded_without_the_key_in_any_form_and_replays_failing() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        echo_credential: true,
        echo_encoded: true,
        missing_permission: Some("core_audit_view".into()),
        not_found_path: Some("/authz/api/acl".into()),
        ..Faults::default()
    });
    let dir = tempdir();
    let (snap, rec) = (dir.path().join("snap.json"), dir.path().join("rec"));
    // One request at a time: the order they are made in is then fixed, and
    // the replay meets the failure where the pull did (with more in flight,
    // it may first ask what the failed pull never had answered).
    let out = pull_recording_with(&fake, &snap, &rec, &["--concurrency", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(!snap.exists());
    let text: String = tree(&rec)
        .into_iter()
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    assert!(
        text.contains("[redacted]"),
        "the echoes were recorded, scrubbed"
    );
    assert!(!text.contains(SECRET));
    let echoes = crate::fake_harness::encoded_echoes(KEY);
    for e in &echoes {
        assert!(
            !text.contains(e.as_str()),
            "the recording holds the echo {e}"
        );
    }
    for e in &echoes[3..] {
        let tail = &e[e.len().saturating_sub(16)..e.len() - 4];
        assert!(!text.contains(tail), "the recording holds {tail} of {e}");
    }
    assert_no_original(&rec, &demo_snapshot(), &fake);
    let recording = record::read(&rec).unwrap();
    let m = &recording.manifest;
    assert_eq!(m.outcome, Outcome::Failed);
    let error = m.error.as_deref().unwrap();
    assert!(error.contains("core_audit_view"), "{error}");
    assert_eq!(m.pull.concurrency, 1);
    assert!(
        !error.contains(&demo_snapshot().account.id.to_string()),
        "{error}"
    );

    // The replay fails as the pull did.
    let replay = FakeHarness::replay(&rec);
    let e = replay_pull(&replay, &recording).unwrap_err().to_string();
    assert!(e.contains("core_audit_view"), "{e}");
    assert!(replay.unexpected().is_empty(), "{:?}", replay.unexpected());
}

#[test]
fn a_retried_request_is_recorded_with_its_429_and_replayed_in_that_order() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        too_many_requests: 1,
        retry_after_secs: Some(1),
        ..Faults::default()
    });
    let dir = tempdir();
    let rec = dir.path().join("rec");
    let out = pull_recording(&fake, &dir.path().join("snap.json"), &rec);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let recording = record::read(&rec).unwrap();
    let first = &recording.exchanges[0];
    let answer = first.response.as_ref().unwrap();
    assert_eq!(answer.status, 429);
    assert_eq!(
        answer.headers.get("retry-after").map(String::as_str),
        Some("1")
    );
    assert_eq!(
        answer.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    let again = recording
        .exchanges
        .iter()
        .find(|e| e.seq > first.seq && e.request == first.request)
        .expect("the retry is recorded");
    assert_ne!(again.response.as_ref().unwrap().status, 429);

    // The replay meets the 429 first, waits as told, and asks nothing more
    // than the pull did.
    let replay = FakeHarness::replay(&rec);
    let started = std::time::Instant::now();
    replay_pull(&replay, &recording).unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(replay.request_count(), recording.exchanges.len());
    assert!(replay.unexpected().is_empty(), "{:?}", replay.unexpected());
}

#[test]
fn a_replay_answers_an_unrecorded_request_with_a_404_naming_it() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let dir = tempdir();
    let rec = dir.path().join("rec");
    let out = pull_recording(&fake, &dir.path().join("snap.json"), &rec);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let replay = FakeHarness::replay(&rec);
    let r = http::get(
        &replay.base_url(),
        "/ng/api/organizations?accountIdentifier=Xq3demoACCT0000000001&pageIndex=0",
        Some("any"),
    );
    assert_eq!(r.status, 404);
    let message = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains(
            "not in the recording: GET /ng/api/organizations?accountIdentifier=Xq3demoACCT0000000001&pageIndex=0"
        ),
        "{message}"
    );
    assert_eq!(replay.unexpected().len(), 1);
    // The recorded request itself is answered.
    let recording = record::read(&rec).unwrap();
    let orgs = recording
        .exchanges
        .iter()
        .find(|e| e.request.path == "/ng/api/organizations")
        .unwrap();
    let query: Vec<String> = orgs
        .request
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let r = http::get(
        &replay.base_url(),
        &format!("/ng/api/organizations?{}", query.join("&")),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        Some(&r.json()),
        orgs.response.as_ref().unwrap().body.as_ref()
    );
}

#[test]
fn run_refuses_a_recording_inside_its_pack_before_pulling() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let dir = tempdir();
    let pack = dir.path().join("pack");
    let out = reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .args(["run", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args(["-o", pack.to_str().unwrap()])
        .args(["--record", pack.join("rec").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("lies inside the pack directory"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(fake.request_count(), 0);
}

/// For a maintainer sent a recording: replays the recording in the
/// directory `REVIEWPACK_REPLAY` names and prints how the pull ends and
/// what it asked that the recording lacks.
/// `REVIEWPACK_REPLAY=DIR cargo test --test it replay_a_sent_recording -- --ignored --nocapture`
#[test]
#[ignore = "needs REVIEWPACK_REPLAY=DIR"]
fn replay_a_sent_recording() {
    let dir = std::env::var_os("REVIEWPACK_REPLAY").expect("REVIEWPACK_REPLAY=DIR");
    let recording = record::read(Path::new(&dir)).unwrap();
    let replay = FakeHarness::replay(Path::new(&dir));
    match replay_pull(&replay, &recording) {
        Ok(s) => println!("{}", serde_json::to_string_pretty(&shape(&s)).unwrap()),
        Err(e) => println!("the pull failed: {e}"),
    }
    println!(
        "recorded outcome: {:?} {:?}",
        recording.manifest.outcome, recording.manifest.error
    );
    println!("not in the recording: {:#?}", replay.unexpected());
}
