//! `reviewpack pull`, `check` and `run` against the fake Harness API over
//! real HTTP: the round trip, every fault of design.md section 11, and the
//! key staying secret.

use std::path::Path;
use std::time::Duration;

use reviewpack::harness::pull::GROUPS_OF_EVERY_SCOPE;
use reviewpack::snapshot::{self, Scope, Snapshot};

use crate::fake_harness::{FakeHarness, Faults};
use crate::util::{demo, reviewpack, stderr_of, tempdir};

/// The demo account's invented key (tests/it/util.rs).
const KEY: &str = crate::util::DEMO_KEY;
const END: &str = "2026-10-01T09:00:00Z";

fn demo_snapshot() -> Snapshot {
    snapshot::load(&demo()).unwrap().snapshot
}

/// Runs `reviewpack <cmd> --base-url … <args>` with the key in the environment
/// and fast retries.
fn run(fake: &FakeHarness, cmd: &str, args: &[&str]) -> std::process::Output {
    reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .arg(cmd)
        .args(["--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args(["--retry-base-ms", "1", "--timeout-secs", "5"])
        .args(args)
        .output()
        .unwrap()
}

fn pull(fake: &FakeHarness, out: &Path, extra: &[&str]) -> std::process::Output {
    let out = out.to_str().unwrap().to_string();
    // Several tests pull again into the same file: replacing it is asked for.
    let mut args = vec!["--activity-end", END, "--force", "-o", out.as_str()];
    args.extend_from_slice(extra);
    run(fake, "pull", &args)
}

/// Asserts two snapshots hold the same objects (provenance aside).
fn assert_same_objects(got: &Snapshot, want: &Snapshot) {
    assert_eq!(got.account.id, want.account.id);
    assert_eq!(got.orgs, want.orgs);
    assert_eq!(got.projects, want.projects);
    assert_eq!(got.users, want.users);
    assert_eq!(got.user_groups, want.user_groups);
    assert_eq!(got.service_accounts, want.service_accounts);
    assert_eq!(got.api_keys, want.api_keys);
    assert_eq!(got.tokens, want.tokens);
    assert_eq!(got.roles, want.roles);
    assert_eq!(got.permissions, want.permissions);
    assert_eq!(got.resource_groups, want.resource_groups);
    assert_eq!(got.role_assignments, want.role_assignments);
    assert_eq!(got.activity.logins, want.activity.logins);
    assert_eq!(got.activity.joined, want.activity.joined);
    assert_eq!(got.activity.removals, want.activity.removals);
    assert_eq!(got.account, want.account);
}

fn never_shows_key(out: &std::process::Output) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("S3cr3tV4lu3"), "the key leaked: {all}");
}

#[test]
fn round_trip_reproduces_every_object_of_the_demo_account() {
    let want = demo_snapshot();
    let fake = FakeHarness::start(want.clone(), KEY);
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    never_shows_key(&out);
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
    // The token the pull ran with is named by its identifier, never its
    // secret.
    let pulled = reviewpack::snapshot::load(&path).unwrap().snapshot;
    let caller = pulled.provenance.caller.as_ref().expect("the caller");
    assert_eq!(caller.token_id.as_deref(), KEY.split('.').nth(2));
    // The last line, on stdout, is the snapshot's SHA-256 as sha256sum
    // writes it: to paste into the ticket at pull time.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let sha = reviewpack::snapshot::sha256_hex(&std::fs::read(&path).unwrap());
    assert_eq!(
        stdout.lines().last(),
        Some(format!("{sha}  {}", path.display()).as_str()),
        "{stdout}"
    );

    let got = snapshot::load(&path).unwrap().snapshot;
    assert_same_objects(&got, &want);
    assert!(got.completeness.complete);
    // User groups and projects come in one list each, across child scopes;
    // every other list is read as the demo's raw pages were.
    let across: Vec<_> = got
        .completeness
        .lists
        .iter()
        .filter(|l| replaced_by_one_list(l))
        .collect();
    assert_eq!(across.len(), 2, "{across:?}");
    for l in &across {
        assert_eq!(l.scope, Scope::Account);
        assert!(l.complete, "{l:?}");
        assert_eq!(l.pages, 1);
    }
    let groups = across
        .iter()
        .find(|l| l.endpoint == GROUPS_OF_EVERY_SCOPE)
        .unwrap();
    assert_eq!(
        (groups.total_items, groups.stored),
        (
            Some(want.user_groups.len() as u64),
            want.user_groups.len() as u64
        )
    );
    let projects = across
        .iter()
        .find(|l| l.endpoint == "GET /ng/api/projects")
        .unwrap();
    assert_eq!(projects.stored, want.projects.len() as u64);
    let rest = |lists: &[reviewpack::snapshot::ListCompleteness]| -> Vec<_> {
        lists
            .iter()
            .filter(|l| !replaced_by_one_list(l))
            .cloned()
            .collect()
    };
    assert_lists_match(
        &rest(&got.completeness.lists),
        &rest(&want.completeness.lists),
    );
    // The caller as the demo recorded it; the pull also names its token.
    let mut caller = got.provenance.caller.clone();
    if let Some(c) = caller.as_mut() {
        assert_eq!(c.token_id.take().as_deref(), Some("review_q4_token"));
    }
    assert_eq!(caller, want.provenance.caller);
    assert_eq!(got.provenance.account_id, want.account.id);
    assert_eq!(got.activity.window_days, 180);
    assert!(!std::fs::read_to_string(&path)
        .unwrap()
        .contains("S3cr3tV4lu3"));
    assert_eq!(
        fake.request_count(),
        expected_requests(&want, Lists::AcrossScopes),
        "docs/operations.md formula"
    );
    // Every paged request respected Harness's page size.
    for r in fake.requests() {
        if let Some(size) = r.param("pageSize") {
            assert!(size.parse::<u32>().unwrap() <= 100, "{}", r.query);
        }
    }
}

/// A list the pull reads once across child scopes: user groups (and the
/// demo's per-scope entries of them), projects.
fn replaced_by_one_list(l: &reviewpack::snapshot::ListCompleteness) -> bool {
    l.endpoint.starts_with("GET /ng/api/user-groups") || l.endpoint == "GET /ng/api/projects"
}

/// The lists of a pull against the demo's, the audit changes aside.
fn assert_lists_match(
    got: &[reviewpack::snapshot::ListCompleteness],
    want: &[reviewpack::snapshot::ListCompleteness],
) {
    for (g, w) in got.iter().zip(want) {
        if g.endpoint.ends_with("(changes)") {
            // A snapshot keeps only each principal's latest change, so the
            // fake serves fewer change events than the demo's raw pages hold.
            assert_eq!(
                (&g.endpoint, &g.scope, g.complete),
                (&w.endpoint, &w.scope, w.complete)
            );
        } else {
            assert_eq!(g, w);
        }
    }
    assert_eq!(got.len(), want.len());
}

#[test]
fn per_scope_lists_read_the_same_objects_as_the_demos_raw_pages() {
    let want = demo_snapshot();
    let fake = FakeHarness::start(want.clone(), KEY);
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &["--per-scope-lists"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_same_objects(&got, &want);
    assert!(got.completeness.complete);
    assert_lists_match(&got.completeness.lists, &want.completeness.lists);
    assert_eq!(
        fake.request_count(),
        expected_requests(&want, Lists::PerScope),
        "docs/operations.md formula"
    );
    assert!(fake
        .requests()
        .iter()
        .all(|r| r.param("filterType").is_none()));
}

#[test]
fn an_older_harness_is_read_scope_by_scope_and_says_so_once() {
    let want = demo_snapshot();
    let fake = FakeHarness::start(want.clone(), KEY);
    for (faults, why) in [
        (
            Faults {
                child_scope_groups_unsupported: true,
                ..Faults::default()
            },
            "HTTP 404",
        ),
        (
            Faults {
                group_filter_type_ignored: true,
                ..Faults::default()
            },
            "held nothing below the account",
        ),
    ] {
        fake.set_faults(faults);
        fake.clear_requests();
        let dir = tempdir();
        let path = dir.path().join("snap.json");
        let out = pull(&fake, &path, &[]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let err = stderr_of(&out);
        assert_eq!(
            err.matches("reading user groups one scope at a time")
                .count(),
            1,
            "{err}"
        );
        assert!(err.contains(why), "{err}");
        never_shows_key(&out);
        let got = snapshot::load(&path).unwrap().snapshot;
        assert_same_objects(&got, &want);
        assert!(got.completeness.complete);
        let group_lists: Vec<_> = got
            .completeness
            .lists
            .iter()
            .filter(|l| l.endpoint.starts_with("GET /ng/api/user-groups"))
            .collect();
        assert!(
            group_lists
                .iter()
                .all(|l| l.endpoint == "GET /ng/api/user-groups"),
            "{group_lists:?}"
        );
        assert_eq!(group_lists.len(), 12, "one per scope");
        // The refused list, then every scope's (projects still in one list).
        assert_eq!(
            fake.request_count(),
            expected_requests(&want, Lists::GroupsPerScope) + 1
        );
    }
}

/// How the pull reads user groups and projects.
#[derive(Clone, Copy, PartialEq)]
enum Lists {
    /// One list each across child scopes.
    AcrossScopes,
    /// Projects across orgs, user groups one scope at a time.
    GroupsPerScope,
    /// Everything one scope at a time (`--per-scope-lists`).
    PerScope,
}

/// The request count of docs/operations.md, computed from an account's shape:
/// every paged list costs max(1, ceil(items / 100)) requests.
fn expected_requests(s: &Snapshot, lists: Lists) -> usize {
    let pages = |n: usize| n.div_ceil(100).max(1);
    let mut scopes = vec![Scope::Account];
    scopes.extend(s.orgs.iter().map(|o| Scope::Org(o.id.clone())));
    scopes.extend(s.projects.iter().map(|p| p.scope()));
    let at = |scope: &Scope, n: &dyn Fn(&Scope) -> usize| pages(n(scope));
    let projects = if lists == Lists::PerScope {
        s.orgs
            .iter()
            .map(|o| pages(s.projects.iter().filter(|p| p.org == o.id).count()))
            .sum::<usize>()
    } else {
        pages(s.projects.len())
    };
    let groups_per_scope = lists != Lists::AcrossScopes;
    // Harness's access check: the account, then every org and project in
    // one request (6 checks an org, 5 a project: one request holds about
    // 2,500 of them).
    let checks = 6 * s.orgs.len() + 5 * s.projects.len();
    assert!(checks < 2_000, "the formula's access check is one request");
    let mut total = 1 // currentUser
        + 1 // token/validate: the demo's key is a service account's, the caller
        + 1 // the access check at the account
        + usize::from(checks > 0) // and below it
        + 1 // the account
        + pages(s.orgs.len())
        + projects
        + if groups_per_scope { 0 } else { pages(s.user_groups.len()) }
        + pages(s.users.len())
        + 1 // permissions
        + pages(s.activity.logins.iter().map(|l| l.events as usize).sum())
        + pages(s.activity.joined.len())
        // Removals: one query for deleted assignments and users removed,
        // one for deleted or updated groups, service accounts, keys and
        // tokens; one details read per deleted assignment or group update.
        + pages(
            s.activity
                .removals
                .iter()
                .filter(|r| matches!(r.action.as_str(), "ROLE_ASSIGNMENT_DELETED" | "REMOVE_COLLABORATOR"))
                .count(),
        )
        + pages(
            s.activity
                .removals
                .iter()
                .filter(|r| matches!(r.action.as_str(), "DELETE" | "UPDATE"))
                .count(),
        )
        + s.activity
            .removals
            .iter()
            .filter(|r| r.action == "ROLE_ASSIGNMENT_DELETED" || r.action == "UPDATE")
            .count();
    for scope in &scopes {
        if *scope != Scope::Account {
            total += at(scope, &|sc| {
                s.users.iter().filter(|u| u.scopes.contains(sc)).count()
            });
        }
        if groups_per_scope {
            total += at(scope, &|sc| {
                s.user_groups.iter().filter(|x| &x.scope == sc).count()
            });
        }
        total += at(scope, &|sc| {
            s.service_accounts.iter().filter(|x| &x.scope == sc).count()
        });
        total += at(scope, &|sc| {
            s.roles.iter().filter(|x| &x.scope == sc).count()
        });
        total += at(scope, &|sc| {
            s.resource_groups.iter().filter(|x| &x.scope == sc).count()
        });
        total += at(scope, &|sc| {
            s.role_assignments.iter().filter(|x| &x.scope == sc).count()
        });
    }
    // One API key list per service account, then one account-wide token
    // list when any key has a token.
    for sa in &s.service_accounts {
        let keys = s
            .api_keys
            .iter()
            .filter(|k| k.scope == sa.scope && k.parent == sa.id.as_str())
            .count();
        total += pages(keys);
    }
    if !s.tokens.is_empty() {
        total += pages(s.tokens.len());
    }
    total
}

#[test]
fn missing_key_or_account_is_a_clear_error() {
    let out = reviewpack()
        .args(["pull", "--account-id", "x", "-o", "/nonexistent/x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("set HARNESS_API_KEY or pass --api-key-file"));

    let out = reviewpack()
        .env("HARNESS_API_KEY", "not-a-pat")
        .args(["pull", "-o", "x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("--account-id is needed"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn wrong_key_fails_with_401_and_never_echoes_the_key() {
    let fake = FakeHarness::start(demo_snapshot(), "another-key");
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(err.contains("HARNESS_API_KEY"), "says what to do: {err}");
    never_shows_key(&out);
    assert!(!path.exists(), "no snapshot on failure");
}

#[test]
fn key_from_a_file_works() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let dir = tempdir();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let path = dir.path().join("snap.json");
    let out = reviewpack()
        .env_remove("HARNESS_API_KEY")
        .args(["pull", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .arg("--api-key-file")
        .arg(&key_file)
        .args(["--activity-end", END, "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    never_shows_key(&out);
}

#[test]
fn a_429_storm_without_retry_after_is_ridden_out() {
    let want = demo_snapshot();
    let fake = FakeHarness::start(want.clone(), KEY);
    fake.set_faults(Faults {
        too_many_requests: 5,
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_same_objects(&got, &want);
    assert!(
        stderr_of(&out).contains("(5 retries)"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_5xx_burst_is_retried() {
    let want = demo_snapshot();
    let fake = FakeHarness::start(want.clone(), KEY);
    fake.set_faults(Faults {
        server_errors: 5,
        server_error_status: 502,
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_same_objects(&snapshot::load(&path).unwrap().snapshot, &want);
}

#[test]
fn endless_5xx_gives_up_naming_endpoint_scope_and_cause() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        server_errors: 10_000,
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &["--max-attempts", "3"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the network's failure: try again later"
    );
    let err = stderr_of(&out);
    assert!(err.contains("gave up after 3 attempts"), "{err}");
    assert!(err.contains("HTTP 503"), "{err}");
    assert!(err.contains(" at account"), "names the scope: {err}");
    assert!(
        err.contains("GET /") || err.contains("POST /"),
        "names the endpoint: {err}"
    );
    assert!(!path.exists());
}

#[test]
fn slow_responses_complete_and_timeouts_are_named() {
    let want = demo_snapshot();
    let fake = FakeHarness::start(want.clone(), KEY);
    fake.set_faults(Faults {
        latency: Duration::from_millis(150),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &["--concurrency", "16"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_same_objects(&snapshot::load(&path).unwrap().snapshot, &want);

    fake.set_faults(Faults {
        latency: Duration::from_millis(2500),
        ..Faults::default()
    });
    let path = dir.path().join("timeout.json");
    let out = reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .args(["pull", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args([
            "--retry-base-ms",
            "1",
            "--timeout-secs",
            "1",
            "--max-attempts",
            "2",
        ])
        .args(["--activity-end", END, "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr_of(&out);
    assert!(err.contains("timed out"), "{err}");
    assert!(!path.exists());
}

#[test]
fn an_html_403_from_a_proxy_is_named_as_such() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        html_403_path: Some("/authz/api/roles".into()),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("got an HTML page from"), "{err}");
    assert!(err.contains("/authz/api/roles (HTTP 403)"), "{err}");
    assert!(
        !err.contains("expected value"),
        "not a JSON parse error: {err}"
    );
    assert!(!path.exists());
}

#[test]
fn truncated_json_is_retried() {
    let want = demo_snapshot();
    let fake = FakeHarness::start(want.clone(), KEY);
    fake.set_faults(Faults {
        truncate_path: Some("/ng/api/user-groups".into()),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_same_objects(&snapshot::load(&path).unwrap().snapshot, &want);
}

/// The demo with 150 more users, so the user list spans two pages.
fn big_demo() -> Snapshot {
    let mut s = demo_snapshot();
    for i in 0..150 {
        s.users.push(reviewpack::snapshot::User {
            id: format!("zzExtraUser{i:03}").as_str().into(),
            name: format!("Extra {i}"),
            email: format!("extra{i}@example.com"),
            disabled: false,
            locked: false,
            externally_managed: true,
            two_factor_enabled: Some(true),
            scopes: vec![reviewpack::snapshot::Scope::Account],
        });
    }
    s.normalize();
    s
}

#[test]
fn a_list_that_grows_between_pages_is_read_again_and_complete() {
    let fake = FakeHarness::start(big_demo(), KEY);
    fake.set_faults(Faults {
        grow_path: Some("/ng/api/user/batch".into()),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    // The grown list is what the server now holds, complete.
    assert_eq!(got.users.len(), fake.snapshot().users.len());
    let demo_users = demo_snapshot().users.len();
    assert_eq!(got.users.len(), demo_users + 150 + 1);
    let users = got
        .completeness
        .lists
        .iter()
        .find(|l| l.endpoint == "POST /ng/api/user/batch")
        .unwrap();
    assert!(users.complete);
    assert_eq!(users.total_items, Some((demo_users + 151) as u64));
    assert!(users.pages >= 4, "read twice: {users:?}");
}

/// The demo with 250 more user groups spread over its scopes, the same
/// identifiers at several scopes, so the one list of every scope's groups
/// spans three pages.
fn many_groups_demo() -> Snapshot {
    let mut s = demo_snapshot();
    let mut scopes = vec![Scope::Account];
    scopes.extend(s.orgs.iter().map(|o| Scope::Org(o.id.clone())));
    scopes.extend(s.projects.iter().map(|p| p.scope()));
    let template = s.user_groups[0].clone();
    for i in 0..250 {
        s.user_groups.push(reviewpack::snapshot::UserGroup {
            scope: scopes[i % scopes.len()].clone(),
            id: reviewpack::snapshot::GroupId(format!("team{:03}", i / scopes.len())),
            name: format!("Team {i}"),
            ..template.clone()
        });
    }
    s.normalize();
    s
}

#[test]
fn the_list_of_every_scopes_groups_spans_pages_and_keeps_each_groups_scope() {
    let want = many_groups_demo();
    let fake = FakeHarness::start(want.clone(), KEY);
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_same_objects(&got, &want);
    let groups = got
        .completeness
        .lists
        .iter()
        .find(|l| l.endpoint == GROUPS_OF_EVERY_SCOPE)
        .unwrap();
    assert_eq!(
        (groups.pages, groups.stored),
        (3, want.user_groups.len() as u64)
    );
    assert_eq!(
        fake.request_count(),
        expected_requests(&want, Lists::AcrossScopes)
    );

    // A group added while the list is read: read again, and complete.
    fake.set_faults(Faults {
        grow_path: Some("/ng/api/user-groups".into()),
        ..Faults::default()
    });
    let path = dir.path().join("grown.json");
    let out = pull(&fake, &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_eq!(got.user_groups.len(), want.user_groups.len() + 1);
    let groups = got
        .completeness
        .lists
        .iter()
        .find(|l| l.endpoint == GROUPS_OF_EVERY_SCOPE)
        .unwrap();
    assert!(
        groups.complete && groups.pages >= 6,
        "read twice: {groups:?}"
    );
}

#[test]
fn missing_service_account_view_fails_the_pull_naming_the_permission() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        missing_permission: Some("core_serviceaccount_view".into()),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("the API key lacks core_serviceaccount_view"),
        "{err}"
    );
    assert!(
        err.contains("GET /ng/api/serviceaccount/aggregate"),
        "{err}"
    );
    assert!(err.contains("POST /authz/api/acl"), "{err}");
    assert!(!path.exists());
    // Harness's access check said so before any list it guards was read.
    assert!(fake.requests().iter().any(|r| r.path == "/authz/api/acl"));
    assert!(!fake
        .requests()
        .iter()
        .any(|r| r.path.starts_with("/ng/api/serviceaccount")
            || r.path.starts_with("/authz/api/roleassignments")));

    // With --allow-partial the snapshot is written and marked incomplete,
    // and the pack made from it says so.
    let out = pull(&fake, &path, &["--allow-partial"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("INCOMPLETE"),
        "{}",
        stderr_of(&out)
    );
    let got = snapshot::load(&path).unwrap().snapshot;
    assert!(!got.completeness.complete);
    let bad: Vec<_> = got
        .completeness
        .lists
        .iter()
        .filter(|l| !l.complete)
        .collect();
    // The service-account lists, and the role-assignment lists, which leave
    // service-account assignments out without an error.
    assert!(
        bad.iter().all(|l| l.endpoint.contains("serviceaccount")
            || l.endpoint == "POST /authz/api/roleassignments/filter"),
        "{bad:?}"
    );
    assert_eq!(bad.len(), 2 * 12, "every scope's: {bad:?}");
    assert!(bad.iter().all(|l| l
        .note
        .as_deref()
        .unwrap()
        .contains("core_serviceaccount_view")));

    let pack = dir.path().join("pack");
    let out = reviewpack()
        .arg("report")
        .arg(&path)
        .arg("-o")
        .arg(&pack)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stderr_of(&out).contains("INCOMPLETE"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn check_names_each_missing_permission() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let out = run(&fake, "check", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains("MISSING"), "{text}");

    fake.set_faults(Faults {
        missing_permission: Some("core_serviceaccount_view,core_audit_view".into()),
        ..Faults::default()
    });
    let out = run(&fake, "check", &["--json"]);
    assert_eq!(out.status.code(), Some(2));
    never_shows_key(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["permission"].as_str().unwrap())
        .collect();
    assert_eq!(missing, vec!["core_serviceaccount_view", "core_audit_view"]);
    assert!(stderr_of(&out).contains("core_serviceaccount_view, core_audit_view"));
    // From Harness's access check, not from the lists.
    assert_eq!(v["source"], "POST /authz/api/acl");
    assert!(!fake
        .requests()
        .iter()
        .any(|r| r.path.starts_with("/ng/api/serviceaccount") || r.path.starts_with("/audit")));

    // Without the org view Harness lists no org, silently: the access check
    // names it, and the pull stops before reading the (empty) org list.
    fake.set_faults(Faults {
        missing_permission: Some("core_organization_view".into()),
        ..Faults::default()
    });
    let out = run(&fake, "check", &[]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("MISSING") && l.contains("core_organization_view")),
        "{text}"
    );
    let dir = tempdir();
    let out = pull(&fake, &dir.path().join("snap.json"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("the API key lacks core_organization_view"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn run_pulls_then_writes_the_pack() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let dir = tempdir();
    let pack = dir.path().join("pack");
    let out = run(
        &fake,
        "run",
        &["--activity-end", END, "-o", pack.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(pack.join("csv/effective_access.csv").exists());
    let snap = snapshot::load(&pack.join("snapshot.json"))
        .unwrap()
        .snapshot;
    assert_same_objects(&snap, &demo_snapshot());
    let findings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("findings.json")).unwrap()).unwrap();
    assert_eq!(
        findings["snapshot_sha256"],
        snapshot::sha256_hex(&std::fs::read(pack.join("snapshot.json")).unwrap()).as_str()
    );
}

#[test]
fn resource_groups_fall_back_to_the_authz_path_on_404() {
    let want = demo_snapshot();
    let fake = FakeHarness::start(want.clone(), KEY);
    fake.set_faults(Faults {
        not_found_path: Some("/resourcegroup/".into()),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_same_objects(&got, &want);
    let rg_lists: Vec<_> = got
        .completeness
        .lists
        .iter()
        .filter(|l| l.endpoint.contains("resourcegroup"))
        .collect();
    assert_eq!(rg_lists.len(), 12, "one per scope");
    assert!(rg_lists
        .iter()
        .all(|l| l.endpoint == "GET /authz/api/v2/resourcegroup"));
}

#[test]
fn retry_after_is_honoured_when_present() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        too_many_requests: 1,
        retry_after_secs: Some(2),
        ..Faults::default()
    });
    let dir = tempdir();
    let start = std::time::Instant::now();
    // The backoff without Retry-After would be 1 ms.
    let out = pull(&fake, &dir.path().join("snap.json"), &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(start.elapsed() >= Duration::from_secs(2), "waited as told");
}

/// An -o that cannot be written is found before the pull (tests/it/ci.rs
/// has every case, and the snapshot kept when the pack fails after it).
#[test]
fn an_unwritable_pack_is_refused_before_the_pull() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let dir = tempdir();
    // The pack's parent is a file: once found only after the pull.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "x").unwrap();
    let pack = blocker.join("pack");
    let out = run(
        &fake,
        "run",
        &["--activity-end", END, "-o", pack.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("is not a directory"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(fake.request_count(), 0, "refused before pulling");

    let taken = dir.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let out = run(
        &fake,
        "run",
        &["--activity-end", END, "-o", taken.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--force"), "{}", stderr_of(&out));
    assert_eq!(fake.request_count(), 0, "refused before pulling");
}

/// The quarter's removals come from the audit trail with their details:
/// which assignment a deletion removed (on its principal), which members a
/// group update removed; when the details cannot be read, the removals are
/// kept marked unread and one notice says so, and the pull still succeeds.
#[test]
fn removals_are_read_from_the_audit_trail_with_their_details() {
    const SMALL_KEY: &str = "sat.acc_Fake-123.tok.s3cr3t";
    let want = crate::fake_harness::small_snapshot();
    let fake = FakeHarness::start(want.clone(), SMALL_KEY);
    let run = |_: &FakeHarness, cmd: &str, args: &[&str]| {
        reviewpack()
            .env("HARNESS_API_KEY", SMALL_KEY)
            .arg(cmd)
            .args(["--base-url", &fake.base_url(), "--rate-limit", "0"])
            .args(["--retry-base-ms", "1", "--timeout-secs", "5"])
            .args(args)
            .output()
            .unwrap()
    };
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let end = "2026-03-01T10:00:00Z";
    let out = run(
        &fake,
        "pull",
        &[
            "--activity-end",
            end,
            "--force",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_eq!(got.activity.removals, want.activity.removals);
    assert_eq!(got.activity.removals_since, want.activity.removals_since);
    let bob = &got.activity.removals[0];
    assert_eq!(bob.removed, ["ra_bob_admin"]);
    assert_eq!(bob.by, "USER alice@example.com");
    assert!(got.completeness.complete);

    // Searched from an earlier date: the request says so.
    let out = run(
        &fake,
        "pull",
        &[
            "--activity-end",
            end,
            "--removals-since",
            "2025-06-01",
            "--force",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_eq!(
        got.activity.removals_since.map(|t| t.to_rfc3339()),
        Some("2025-06-01T00:00:00+00:00".to_string())
    );
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path == "/audit/api/audits/list"
            && r.body.contains("ROLE_ASSIGNMENT_DELETED")
            && r.body.contains(
                &chrono::DateTime::parse_from_rfc3339("2025-06-01T00:00:00Z")
                    .unwrap()
                    .timestamp_millis()
                    .to_string()
            )));

    // Details that cannot be read: kept, marked unread, said once.
    fake.set_faults(Faults {
        not_found_path: Some("/audit/api/auditYaml".into()),
        ..Faults::default()
    });
    let out = run(
        &fake,
        "pull",
        &[
            "--activity-end",
            end,
            "--force",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(err.matches("audited removal(s)").count(), 1, "{err}");
    assert!(err.contains("the details of 2 audited removal(s)"), "{err}");
    let got = snapshot::load(&path).unwrap().snapshot;
    let unread: Vec<_> = got
        .activity
        .removals
        .iter()
        .filter(|r| !r.details_read)
        .map(|r| (r.audit_id.as_str(), r.removed.is_empty()))
        .collect();
    assert_eq!(
        unread,
        [("audit-ra-bob", true), ("audit-group-admins", true)]
    );
    assert_eq!(got.activity.removals.len(), want.activity.removals.len());
}
