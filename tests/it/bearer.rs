//! Bearer auth end to end: `HARNESS_BEARER` / `--bearer-file` with
//! `--account-id`, against the fake Harness API, which (like Harness) refuses
//! a Bearer request without the `Harness-Account` header.

use std::io::{Read, Write};

use reviewpack::snapshot;

use crate::fake_harness::FakeHarness;
use crate::util::{demo, reviewpack, stderr_of, tempdir};

const ACCOUNT: &str = "Xq3demoACCT0000000001";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.B3arerS3cretDoNotLeak";
const END: &str = "2026-10-01T09:00:00Z";

fn fake() -> FakeHarness {
    let fake = FakeHarness::start(snapshot::load(&demo()).unwrap().snapshot, "unused-key");
    fake.accept_bearer(TOKEN);
    fake
}

fn pull_cmd(fake: &FakeHarness) -> assert_cmd::Command {
    let mut cmd = reviewpack();
    cmd.arg("pull")
        .args(["--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args(["--retry-base-ms", "1", "--timeout-secs", "5"])
        .args(["--activity-end", END]);
    cmd
}

fn never_shows_token(out: &std::process::Output) {
    for text in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(text).contains("B3arerS3cret"));
    }
}

/// A raw GET with the given extra header lines; returns the status line and
/// the body.
fn raw_get(fake: &FakeHarness, path: &str, headers: &str) -> (String, String) {
    let addr = fake.base_url().trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.lines().next().unwrap_or("").to_string();
    let body = resp.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[test]
fn a_bearer_pull_reads_the_whole_account_with_the_account_header() {
    let fake = fake();
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull_cmd(&fake)
        .env("HARNESS_BEARER", TOKEN)
        .args(["--account-id", ACCOUNT, "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    never_shows_token(&out);
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
    let got = snapshot::load(&path).unwrap().snapshot;
    let want = snapshot::load(&demo()).unwrap().snapshot;
    assert_eq!(got.users, want.users);
    assert_eq!(got.role_assignments, want.role_assignments);
    assert!(got.completeness.complete);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("B3arerS3cret"),
        "the token is not in the snapshot"
    );

    // From a file too, with a "Bearer " prefix and a trailing newline.
    let file = dir.path().join("token");
    std::fs::write(&file, format!("Bearer {TOKEN}\n")).unwrap();
    let path2 = dir.path().join("snap2.json");
    let out = pull_cmd(&fake)
        .arg("--bearer-file")
        .arg(&file)
        .args(["--account-id", ACCOUNT, "-o"])
        .arg(&path2)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn the_fake_refuses_a_bearer_request_without_harness_account() {
    let fake = fake();
    let path = format!("/ng/api/organizations?accountIdentifier={ACCOUNT}");
    let auth = format!("Authorization: Bearer {TOKEN}\r\n");
    let (status, body) = raw_get(&fake, &path, &auth);
    assert!(status.contains(" 401 "), "{status}");
    assert!(body.contains("Harness-Account"), "{body}");
    let (status, _) = raw_get(
        &fake,
        &path,
        &format!("{auth}Harness-Account: someone-else\r\n"),
    );
    assert!(status.contains(" 401 "), "{status}");
    let (status, _) = raw_get(
        &fake,
        &path,
        &format!("{auth}Harness-Account: {ACCOUNT}\r\n"),
    );
    assert!(status.contains(" 200 "), "{status}");
    let (status, _) = raw_get(
        &fake,
        &path,
        &format!("Authorization: Bearer wrong\r\nHarness-Account: {ACCOUNT}\r\n"),
    );
    assert!(status.contains(" 401 "), "{status}");
}

#[test]
fn bearer_needs_an_account_id_and_excludes_an_api_key() {
    let fake = fake();
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull_cmd(&fake)
        .env("HARNESS_BEARER", TOKEN)
        .arg("-o")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--account-id is needed with a Bearer token"));
    let out = pull_cmd(&fake)
        .env("HARNESS_BEARER", TOKEN)
        .env("HARNESS_API_KEY", "pat.x.y.z")
        .args(["--account-id", ACCOUNT, "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("choose one"),
        "{}",
        stderr_of(&out)
    );
    // A wrong token: 401, named, never echoed.
    let out = pull_cmd(&fake)
        .env("HARNESS_BEARER", "eyJ.wrong.B3arerS3cretDoNotLeak")
        .args(["--account-id", ACCOUNT, "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("HTTP 401"), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("HARNESS_BEARER"));
    never_shows_token(&out);
    assert!(!path.exists());
}

#[test]
fn scim_refuses_a_session_bearer_token_and_says_to_use_an_api_key() {
    // SCIM endpoints validate their Bearer credential as an API key token
    // (`NextGenAuthenticationFilter.getApiKeyForScim`): a session JWT is
    // refused, so a Bearer pull with --scim fails with a sentence saying so.
    let fake = fake();
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull_cmd(&fake)
        .env("HARNESS_BEARER", TOKEN)
        .args(["--account-id", ACCOUNT, "--scim", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(
        err.contains("accept only an API key token (pat./sat.)"),
        "{err}"
    );
    assert!(err.contains("HARNESS_API_KEY"), "{err}");
    never_shows_token(&out);
    assert!(!path.exists());
    // Without --scim the same token pulls everything else.
    let out = pull_cmd(&fake)
        .env("HARNESS_BEARER", TOKEN)
        .args(["--account-id", ACCOUNT, "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let (status, _) = raw_get(
        &fake,
        &format!("/ng/api/scim/account/{ACCOUNT}/Users"),
        &format!("Authorization: Bearer {TOKEN}\r\n"),
    );
    assert!(status.contains("401"), "{status}");
}
