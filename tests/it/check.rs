//! `reviewpack check` for a scheduled job (issue #24): it names whose key
//! it is and when the key stops working, warns before it does, says an
//! expired credential apart from other refusals, and names a proxy's or
//! sign-in page as such. Against the fake Harness API over real HTTP.

use std::process::Output;

use chrono::{Duration, Utc};
use reviewpack::snapshot::{self, Snapshot};
use serde_json::Value;

use crate::fake_harness::{FakeHarness, Faults};
use crate::util::{demo, reviewpack, stderr_of};

const KEY: &str = crate::util::DEMO_KEY;
const ACCOUNT: &str = "Xq3demoACCT0000000001";

/// The demo account with the caller's token (`review_q4_token`) expiring
/// `days` from now.
fn demo_expiring_in(days: i64) -> Snapshot {
    let mut s = snapshot::load(&demo()).unwrap().snapshot;
    let t = s
        .tokens
        .iter_mut()
        .find(|t| t.id.0 == "review_q4_token")
        .unwrap();
    t.valid_from = Some(Utc::now() - Duration::days(30));
    t.valid_to = Some(Utc::now() + Duration::days(days) + Duration::hours(1));
    s
}

fn check(fake: &FakeHarness, args: &[&str]) -> Output {
    reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .args(["check", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args(["--retry-base-ms", "1", "--timeout-secs", "5"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn never_shows_key(out: &Output) {
    for text in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(text).contains("S3cr3tV4lu3"));
    }
}

/// A JWT (unsigned: the fake accepts the token it is told to) with `exp`.
fn jwt(exp: i64) -> String {
    let part = |s: &str| {
        reviewpack::text::base64(s.as_bytes(), true)
            .trim_end_matches('=')
            .to_string()
    };
    format!(
        "{}.{}.{}",
        part(r#"{"alg":"HS256","typ":"JWT"}"#),
        part(&format!(
            r#"{{"type":"USER","name":"u1","exp":{exp},"issuer":"Harness Inc"}}"#
        )),
        "B3arerS1gnatureDoNotLeak"
    )
}

#[test]
fn check_names_whose_key_it_is_and_warns_before_its_token_expires() {
    let fake = FakeHarness::start(demo_expiring_in(5), KEY);
    let out = check(&fake, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    never_shows_key(&out);
    let text = stdout(&out);
    assert!(
        text.contains(
            "the service-account token belongs to service account reviewpack_reader (Reviewpack Reader, reviewpack_reader@service.example.com) at account (named by POST /ng/api/token/validate); token review_q4_token (review-q4-2026, of API key review_q4)"
        ),
        "{text}"
    );
    assert!(text.contains("expires 20"), "{text}");
    assert!(text.contains("(in 5 days)"), "{text}");
    let err = stderr_of(&out);
    assert!(
        err.contains("warning: the credential expires")
            && err.contains("within --expiry-warning-days 14"),
        "{err}"
    );
    // Harness was asked with the key as the body, as it expects.
    let asked = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/ng/api/token/validate")
        .expect("asked Harness about the key");
    assert_eq!(asked.method, "POST");
    assert_eq!(asked.body, "REDACTED", "the key itself, as plain text");

    let out = check(&fake, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["caller"]["kind"], "service_account");
    assert_eq!(v["caller"]["id"], "reviewpack_reader");
    assert_eq!(v["caller"]["name"], "Reviewpack Reader");
    assert_eq!(v["caller"]["scope"], "account");
    assert_eq!(v["caller"]["source"], "POST /ng/api/token/validate");
    let c = &v["credential"];
    assert_eq!(c["kind"], "service_account_token");
    assert_eq!(c["token"]["identifier"], "review_q4_token");
    assert_eq!(c["expires_in_days"], 5);
    assert_eq!(c["expiring"], true);
    assert_eq!(c["expired"], false);
    assert_eq!(c["warning_days"], 14);
    assert!(c["expiry_source"].as_str().unwrap().contains("validTo"));
    assert!(c["expires_at"].as_str().unwrap().starts_with("20"));

    // Far from its expiry: no warning, unless the window is wider.
    let fake = FakeHarness::start(demo_expiring_in(60), KEY);
    let out = check(&fake, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        !stderr_of(&out).contains("warning: the credential"),
        "{}",
        stderr_of(&out)
    );
    assert!(stdout(&out).contains("(in 60 days)"), "{}", stdout(&out));
    let out = check(&fake, &["--expiry-warning-days", "90", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr_of(&out).contains("within --expiry-warning-days 90"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["credential"]["expiring"], true);
}

#[test]
fn where_harness_does_not_say_the_expiry_is_unknown_and_the_caller_comes_from_the_access_check() {
    let fake = FakeHarness::start(demo_expiring_in(60), KEY);
    // An installation without the endpoint (before October 2022).
    fake.set_faults(Faults {
        not_found_path: Some("/ng/api/token/validate".into()),
        ..Faults::default()
    });
    let out = check(&fake, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["caller"]["kind"], "service_account");
    assert_eq!(v["caller"]["id"], "reviewpack_reader");
    assert_eq!(
        v["caller"]["source"],
        "POST /authz/api/acl (the principal it checked)"
    );
    let unknown = v["credential"]["expiry_unknown"].as_str().unwrap();
    assert!(unknown.contains("HTTP 404"), "{unknown}");
    assert!(v["credential"].get("expires_at").is_none());
    assert_eq!(v["credential"]["expiring"], false);
    let out = check(&fake, &[]);
    assert!(stdout(&out).contains("expiry not known: Harness did not say"));
}

#[test]
fn a_bearer_tokens_expiry_is_read_from_its_exp_claim() {
    let fake = FakeHarness::start(demo_expiring_in(60), "unused-key");
    let token = jwt((Utc::now() + Duration::days(3) + Duration::hours(1)).timestamp());
    fake.accept_bearer(&token);
    let out = reviewpack()
        .env("HARNESS_BEARER", &token)
        .args(["check", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args(["--account-id", ACCOUNT, "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["credential"]["kind"], "bearer");
    assert_eq!(
        v["credential"]["expiry_source"],
        "the token's own exp claim"
    );
    assert_eq!(v["credential"]["expires_in_days"], 3);
    assert_eq!(v["credential"]["expiring"], true);
    // The demo's key is a service account's: no user; the access check
    // names the principal.
    assert_eq!(v["caller"]["id"], "reviewpack_reader");
    assert!(stderr_of(&out).contains("warning: the credential expires"));
    assert!(!fake
        .requests()
        .iter()
        .any(|r| r.path == "/ng/api/token/validate"));
    for text in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(text).contains("B3arerS1gnature"));
    }
}

#[test]
fn an_expired_bearer_token_is_said_to_have_expired_and_when() {
    let fake = FakeHarness::start(demo_expiring_in(60), "unused-key");
    let token = jwt((Utc::now() - Duration::hours(3)).timestamp());
    fake.accept_bearer(&token);
    let dir = crate::util::tempdir();
    let snap = dir.path().join("snap.json");
    for args in [vec!["check"], vec!["pull", "-o", snap.to_str().unwrap()]] {
        let out = reviewpack()
            .env("HARNESS_BEARER", &token)
            .args(&args)
            .args(["--base-url", &fake.base_url(), "--rate-limit", "0"])
            .args(["--account-id", ACCOUNT])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        let err = stderr_of(&out);
        assert!(
            err.contains("Harness refused the Bearer token: it expired at ")
                && err.contains("(3 hours ago, by its exp claim)")
                && err.contains("HTTP 401 EXPIRED_TOKEN: Token expired.")
                && err.contains("sign in again"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("B3arerS1gnature"));
    }
    assert!(!snap.exists());
}

#[test]
fn an_expired_api_key_gets_its_own_message_not_the_generic_401() {
    let fake = FakeHarness::start(demo_expiring_in(60), KEY);
    fake.set_faults(Faults {
        key_expired: true,
        ..Faults::default()
    });
    let dir = crate::util::tempdir();
    let snap = dir.path().join("snap.json");
    for args in [vec!["check"], vec!["pull", "-o", snap.to_str().unwrap()]] {
        let out = reviewpack()
            .env("HARNESS_API_KEY", KEY)
            .args(&args)
            .args(["--base-url", &fake.base_url(), "--rate-limit", "0"])
            .output()
            .unwrap();
        // The setup's failure, not the network's: no point retrying.
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        never_shows_key(&out);
        let err = stderr_of(&out);
        assert!(
            err.contains(
                "Harness refused the API key (HTTP 401 INVALID_TOKEN: Token is not valid."
            ) && err.contains("its token has expired, or was revoked or deleted")
                && err.contains("Harness answers all of these alike")
                && err.contains("Make a new token"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("invalid, expired or revoked: check"), "{err}");
    }
    assert!(!snap.exists());
}

#[test]
fn a_proxy_page_is_named_once_not_as_eight_missing_permissions() {
    let fake = FakeHarness::start(demo_expiring_in(60), KEY);
    fake.set_faults(Faults {
        html_403_path: Some("/".into()),
        ..Faults::default()
    });
    let out = check(&fake, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let text = stdout(&out);
    let pages: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("a proxy or sign-in page answered instead of Harness: "))
        .collect();
    assert_eq!(pages.len(), 1, "{text}");
    assert!(pages[0].contains("got an HTML page from") && pages[0].contains("(HTTP 403)"));
    assert!(
        !text.contains("MISSING") && !text.contains("BLOCKED"),
        "{text}"
    );
    let err = stderr_of(&out);
    assert!(
        err.contains("a proxy or sign-in page answered instead of Harness")
            && err.contains("nothing is known of the key's permissions"),
        "{err}"
    );
    assert!(!err.contains("the API key lacks"), "{err}");

    let out = check(&fake, &["--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert!(v["not_harness"].as_str().unwrap().contains("HTML page"));
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["not_harness"].is_string()));
}

/// A proxy in front of some endpoints only: the lists behind it are
/// BLOCKED, not MISSING, and the rest are checked.
#[test]
fn a_proxy_in_front_of_some_endpoints_blocks_those_checks_only() {
    let fake = FakeHarness::start(demo_expiring_in(60), KEY);
    // The access check (/authz/api/acl), the role list and the audit list.
    fake.set_faults(Faults {
        html_403_path: Some("/a".into()),
        ..Faults::default()
    });
    let out = check(&fake, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let text = stdout(&out);
    let status_of = |permission: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(permission))
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_else(|| panic!("{permission} in {text}"))
            .to_string()
    };
    assert_eq!(status_of("core_role_view"), "BLOCKED");
    assert_eq!(status_of("core_audit_view"), "BLOCKED");
    assert_eq!(status_of("core_user_view"), "ok");
    assert!(!text.contains("MISSING"), "{text}");
    let err = stderr_of(&out);
    assert!(
        err.contains("instead of Harness for core_role_view, core_audit_view"),
        "{err}"
    );
    assert!(!err.contains("the API key lacks"), "{err}");
}
