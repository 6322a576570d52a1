//! The key goes to the configured origin only, is never printed or stored
//! whatever the server echoes, and `--base-url` cannot smuggle credentials
//! into the evidence. The redirect cases run against a local redirecting
//! server over real HTTP and TLS.

use std::path::Path;

use reviewpack::snapshot;

use crate::fake_harness::redirector::Redirector;
use crate::fake_harness::{FakeHarness, Faults};
use crate::util::{demo, reviewpack, stderr_of, tempdir};

const KEY: &str = crate::util::DEMO_KEY;
const SECRET: &str = "S3cr3tV4lu3";
const END: &str = "2026-10-01T09:00:00Z";

fn fake() -> FakeHarness {
    FakeHarness::start(snapshot::load(&demo()).unwrap().snapshot, KEY)
}

fn pull_from(base_url: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .args(["pull", "--base-url", base_url, "--rate-limit", "0"])
        .args([
            "--retry-base-ms",
            "1",
            "--timeout-secs",
            "5",
            "--max-attempts",
            "2",
        ])
        .args(["--activity-end", END, "-o", out.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

fn all_output(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_redirect_to_another_origin_is_never_followed_over_tls_or_http() {
    let target = fake();
    for (tls, status) in [
        (true, 301),
        (true, 302),
        (true, 307),
        (true, 308),
        (false, 308),
    ] {
        let r = Redirector::start(tls, &target.base_url(), status);
        let dir = tempdir();
        let ca = dir.path().join("ca.pem");
        r.write_ca(&ca);
        let path = dir.path().join("snap.json");
        let out = pull_from(&r.base_url(), &path, &["--ca-cert", ca.to_str().unwrap()]);
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{tls} {status}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        // Both hosts are named, and the way out.
        assert!(err.contains(&r.base_url()), "{err}");
        assert!(err.contains(&target.base_url()), "{err}");
        assert!(err.contains(&format!("HTTP {status}")), "{err}");
        assert!(err.contains("another origin"), "{err}");
        // From https to a plain-http host it is a downgrade too, and no hint
        // to use that host is given.
        assert_eq!(err.contains("downgrade"), tls, "{err}");
        assert_eq!(err.contains("pass it as --base-url"), !tls, "{err}");
        assert!(!all_output(&out).contains(SECRET), "{err}");
        assert!(!path.exists());
        // The key went to the configured origin only: the other host heard
        // nothing at all.
        assert!(!r.seen().is_empty());
        assert!(
            target.requests().is_empty(),
            "{tls} {status}: {:?}",
            target.requests()
        );
    }
}

#[test]
fn https_to_plain_http_on_the_same_host_is_a_refused_downgrade() {
    // The redirect points at the same host and port without TLS.
    let r = Redirector::start(true, "http://127.0.0.1:9", 308);
    let dir = tempdir();
    let ca = dir.path().join("ca.pem");
    r.write_ca(&ca);
    let out = pull_from(
        &r.base_url(),
        &dir.path().join("s.json"),
        &["--ca-cert", ca.to_str().unwrap()],
    );
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("a downgrade from https to plain http"),
        "{err}"
    );
    assert!(!err.contains("pass it as --base-url"), "{err}");
    assert!(!all_output(&out).contains(SECRET));
    // Only the first request was made; nothing followed.
    assert_eq!(r.seen().len(), 1, "{:?}", r.seen());
}

#[test]
fn without_the_ca_certificate_the_tls_server_is_not_trusted() {
    let r = Redirector::start(true, "https://127.0.0.1:9", 308);
    let dir = tempdir();
    let out = pull_from(&r.base_url(), &dir.path().join("s.json"), &[]);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("certificate") || err.contains("could not connect"),
        "{err}"
    );
    assert!(r.seen().is_empty(), "no request before the handshake");
}

#[test]
fn a_same_origin_redirect_is_followed_and_recorded() {
    let f = fake();
    f.set_faults(Faults {
        redirect_prefix: Some(("/old".into(), String::new(), 308)),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull_from(&format!("{}/old", f.base_url()), &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("followed a redirect on the same host"),
        "{}",
        stderr_of(&out)
    );
    let got = snapshot::load(&path).unwrap().snapshot;
    assert!(!got.provenance.redirects.is_empty());
    let hop = format!(
        "{}/old/ng/api/organizations -> {}/ng/api/organizations",
        f.base_url(),
        f.base_url()
    );
    assert!(
        got.provenance.redirects.contains(&hop),
        "{:?}",
        got.provenance.redirects
    );
    assert_eq!(got.users, snapshot::load(&demo()).unwrap().snapshot.users);
}

#[test]
fn a_key_echoed_by_the_server_is_never_printed_or_stored() {
    let f = fake();
    // The access check refused (as on an older server), its 404 echoing the
    // key into the note that says so; then the audit list's own 403, echoing
    // the key too, is what tells the permission is missing.
    f.set_faults(Faults {
        echo_credential: true,
        missing_permission: Some("core_audit_view".into()),
        not_found_path: Some("/authz/api/acl".into()),
        ..Faults::default()
    });
    // pull: the error names the endpoint but not the key.
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull_from(&f.base_url(), &path, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("the API key lacks core_audit_view"), "{err}");
    let note = err
        .lines()
        .find(|l| l.contains("could not be used"))
        .unwrap_or_else(|| panic!("the access check's refusal is told: {err}"));
    assert!(note.contains("[redacted]"), "{note}");
    assert!(
        err.contains("[redacted]"),
        "the echo is shown redacted: {err}"
    );
    assert!(!all_output(&out).contains(SECRET), "{err}");
    // --allow-partial: the note stored in the snapshot is scrubbed too.
    let out = pull_from(&f.base_url(), &path, &["--allow-partial"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("[redacted]"),
        "the echo was recorded, redacted"
    );
    assert!(!text.contains(SECRET));
    // check prints details on stdout.
    let out = reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .args(["check", "--base-url", &f.base_url(), "--rate-limit", "0"])
        .output()
        .unwrap();
    assert!(!all_output(&out).contains(SECRET), "{}", all_output(&out));
    assert!(all_output(&out).contains("core_audit_view"));
    // A wrong key, echoed back in the 401: not shown either.
    let out = reviewpack()
        .env(
            "HARNESS_API_KEY",
            "sat.Xq3demoACCT0000000001.other.An0th3rS3cretValue",
        )
        .args([
            "pull",
            "--base-url",
            &f.base_url(),
            "--rate-limit",
            "0",
            "-o",
        ])
        .arg(dir.path().join("x.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !all_output(&out).contains("An0th3rS3cretValue"),
        "{}",
        all_output(&out)
    );
}

/// Issue 21: the key was scrubbed only when echoed verbatim. A server or
/// proxy echoing it percent-encoded, JSON-escaped or base64-encoded (the
/// whole key and its secret part) must not put it into stderr, stdout or
/// the snapshot either.
#[test]
fn a_key_echoed_encoded_by_the_server_is_never_printed_or_stored() {
    let f = fake();
    f.set_faults(Faults {
        echo_credential: true,
        echo_encoded: true,
        missing_permission: Some("core_audit_view".into()),
        not_found_path: Some("/authz/api/acl".into()),
        ..Faults::default()
    });
    let echoes = crate::fake_harness::encoded_echoes(KEY);
    let assert_clean = |what: &str, text: &str| {
        assert!(!text.contains(SECRET), "{what}: {text}");
        for e in &echoes {
            assert!(
                !text.contains(e.as_str()),
                "{what} holds the echo {e}: {text}"
            );
        }
        // The base64 forms inside a longer text: no long run of the
        // encoded key is left.
        for e in &echoes[3..] {
            let tail = &e[e.len().saturating_sub(16)..e.len() - 4];
            assert!(!text.contains(tail), "{what} holds {tail} of {e}: {text}");
        }
    };
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull_from(&f.base_url(), &path, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("the API key lacks core_audit_view"), "{err}");
    assert!(
        err.contains("[redacted]"),
        "the echo is shown redacted: {err}"
    );
    assert_clean("pull", &all_output(&out));
    let out = pull_from(&f.base_url(), &path, &["--allow-partial"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("[redacted]"),
        "the echo was recorded, redacted"
    );
    assert_clean("the snapshot", &text);
    assert_clean("pull --allow-partial", &all_output(&out));
    let out = reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .args(["check", "--base-url", &f.base_url(), "--rate-limit", "0"])
        .output()
        .unwrap();
    assert!(all_output(&out).contains("core_audit_view"));
    assert_clean("check", &all_output(&out));
}

#[test]
fn base_url_credentials_are_refused_and_plain_http_warns() {
    let run = |url: &str| {
        reviewpack()
            .env("HARNESS_API_KEY", KEY)
            .args([
                "check",
                "--base-url",
                url,
                "--timeout-secs",
                "1",
                "--max-attempts",
                "1",
            ])
            .output()
            .unwrap()
    };
    let out = run("https://svc:hunter2pw@harness.example.invalid");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("must not carry a user name or password"),
        "{err}"
    );
    assert!(!err.contains("hunter2pw"), "{err}");

    let out = run("ftp://harness.example.invalid");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("must start with https://"));

    // Plain http to another machine warns (then fails to connect); to this
    // machine it does not.
    let out = run("http://harness.example.invalid");
    assert!(
        stderr_of(&out).contains("is plain http"),
        "{}",
        stderr_of(&out)
    );
    let f = fake();
    let out = run(&f.base_url());
    assert!(
        !stderr_of(&out).contains("plain http"),
        "{}",
        stderr_of(&out)
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_readable_by_others_warns() {
    use std::os::unix::fs::PermissionsExt;
    let f = fake();
    let dir = tempdir();
    let key = dir.path().join("key");
    std::fs::write(&key, KEY).unwrap();
    let check = || {
        reviewpack()
            .args(["check", "--base-url", &f.base_url(), "--rate-limit", "0"])
            .arg("--api-key-file")
            .arg(&key)
            .output()
            .unwrap()
    };
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = check();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("readable by its group or others (mode 644)"),
        "{}",
        stderr_of(&out)
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = check();
    assert!(
        !stderr_of(&out).contains("readable by"),
        "{}",
        stderr_of(&out)
    );
}
