//! `pull`, `check` and `report` against the fake in its server-faithful
//! shapes: what breaks on a first real account when a client assumes the
//! server behaves as a fake written from the same reading would.

use std::path::Path;

use reviewpack::graph::AccessGraph;
use reviewpack::snapshot::{self, Scope, Snapshot, UnreadKind, ROLE_LOOKUP_ENDPOINT};

use crate::fake_harness::{FakeHarness, Faults};
use crate::util::{demo, read, reviewpack, stderr_of, tempdir};

const KEY: &str = crate::util::DEMO_KEY;
const END: &str = "2026-10-01T09:00:00Z";

fn demo_snapshot() -> Snapshot {
    snapshot::load(&demo()).unwrap().snapshot
}

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

fn pull(fake: &FakeHarness, out: &Path) -> std::process::Output {
    pull_with(fake, out, &[])
}

/// `pull` with more options.
fn pull_with(fake: &FakeHarness, out: &Path, extra: &[&str]) -> std::process::Output {
    // The tests pull again into the same file: replacing it is asked for.
    let mut args = vec!["--activity-end", END, "--force"];
    args.extend_from_slice(extra);
    args.extend(["-o", out.to_str().unwrap()]);
    run(fake, "pull", &args)
}

/// `report SNAPSHOT -o PACK`, which must succeed.
fn report(snapshot: &Path, pack: &Path) {
    let out = reviewpack()
        .arg("report")
        .arg(snapshot)
        .arg("-o")
        .arg(pack)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

fn pulled(fake: &FakeHarness) -> Snapshot {
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(fake, &path);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
    snapshot::load(&path).unwrap().snapshot
}

/// Every assignment's status and what it grants, in assignment order.
fn grants(s: &Snapshot) -> Vec<String> {
    let g = AccessGraph::build(s);
    g.assignments
        .iter()
        .zip(&s.role_assignments)
        .map(|(r, a)| {
            let access = r
                .access
                .as_ref()
                .map(|x| format!("{:?} {:?} {:?}", x.level, x.targets, x.permissions));
            format!("{} {} {:?} {access:?}", a.scope, a.id, r.status)
        })
        .collect()
}

#[test]
fn built_in_resource_groups_cover_the_scope_they_are_used_at() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let got = pulled(&fake);
    // The built-ins came without identifiers and stay that way.
    let builtin = got
        .resource_groups
        .iter()
        .find(|g| g.harness_managed && g.id.as_str() == "_all_project_level_resources")
        .unwrap();
    assert_eq!(builtin.included_scopes[0].scope, None);
    // Gavin's project admin on the built-in project group covers the project.
    let g = AccessGraph::build(&got);
    let gavin = got
        .users
        .iter()
        .position(|u| u.email == "gavin.roche@example.com")
        .unwrap();
    let checkout = snapshot::Scope::Project("eng".into(), "checkout".into());
    let admin = g
        .grants_of(reviewpack::graph::Principal::User(gavin))
        .iter()
        .filter_map(|gr| g.access_of(gr.assignment))
        .find(|a| a.admin_of.is_some())
        .unwrap();
    assert_eq!(admin.admin_of.as_ref(), Some(&checkout));
    assert!(admin.covers(&checkout));
    // ...and explain says so.
    let dir = tempdir();
    let path = dir.path().join("s.json");
    snapshot::save(&path, &got).unwrap();
    let out = reviewpack()
        .arg("explain")
        .arg(&path)
        .args([
            "gavin.roche@example.com",
            "--permission",
            "core_user_manage",
        ])
        .args(["--scope", "project:eng/checkout"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Can it do core_user_manage on project:eng/checkout? YES"),
        "{text}"
    );
}

#[test]
fn an_account_viewer_key_pulls_warns_and_the_pack_says_the_token_rules_did_not_run() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        missing_permission: Some("core_serviceaccount_manageapikey".into()),
        ..Faults::default()
    });
    // check: exit 0, the permission on its own line with what it feeds.
    let out = run(&fake, "check", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains("core_serviceaccount_manageapikey"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.trim_start().starts_with("missing"), "{line}");
    assert!(text.contains("token-long-lived"), "{text}");
    assert!(!text.contains("MISSING"), "{text}");

    // pull: exit 0, one warning naming the permission, a complete snapshot
    // with the gap recorded.
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    fake.clear_requests();
    let out = pull(&fake, &path);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("core_serviceaccount_manageapikey"),
        "{err}"
    );
    // Harness's access check said no for the account and for each service
    // account (as the key lists check it): no key or token list was asked.
    let key_lists = fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/ng/api/apikey") || r.path.starts_with("/ng/api/token"))
        .filter(|r| r.path != "/ng/api/token/validate")
        .count();
    assert_eq!(key_lists, 0);
    let per_account = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/authz/api/acl")
        .find(|r| {
            r.body
                .contains("\"resourceIdentifier\":\"reviewpack_reader\"")
        })
        .expect("the access check was asked about each service account");
    assert!(per_account
        .body
        .contains("core_serviceaccount_manageapikey"));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert!(got.completeness.complete);
    assert!(got.api_keys.is_empty() && got.tokens.is_empty());
    // No token list to find the key's token in, yet the pull names its
    // caller: Harness names the key's own service account to the key
    // (POST /ng/api/token/validate; harness-behaviour T1, T3).
    let caller = got.provenance.caller.as_ref().expect("the caller is named");
    assert_eq!(caller.id, "sa:account/reviewpack_reader");
    assert_eq!(caller.kind, "service_account");
    let kinds: Vec<UnreadKind> = got.completeness.unread.iter().map(|u| u.what).collect();
    assert!(kinds.contains(&UnreadKind::ApiKeys), "{kinds:?}");
    assert!(kinds.contains(&UnreadKind::Tokens), "{kinds:?}");
    assert!(got
        .completeness
        .unread
        .iter()
        .all(|u| u.needs.as_deref() == Some("core_serviceaccount_manageapikey")));
    // The population is whole: every principal and assignment.
    let demo = demo_snapshot();
    assert_eq!(got.users, demo.users);
    assert_eq!(got.service_accounts, demo.service_accounts);
    assert_eq!(got.role_assignments, demo.role_assignments);

    // report: the token rules are not evaluated, with the reason, and the
    // Summary sheet and page say so.
    let pack = dir.path().join("pack");
    report(&path, &pack);
    let doc: serde_json::Value = serde_json::from_str(&read(&pack.join("findings.json"))).unwrap();
    let skipped: Vec<(&str, &str)> = doc["rules_not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rule"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    for rule in ["token-long-lived", "token-expired-not-removed"] {
        let (_, why) = skipped
            .iter()
            .find(|(r, _)| *r == rule)
            .unwrap_or_else(|| panic!("{rule} in {skipped:?}"));
        assert!(why.contains("core_serviceaccount_manageapikey"), "{why}");
        assert!(!doc["rules_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == rule));
    }
    assert!(!doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"].as_str().unwrap().starts_with("token-")));
    let summary = read(&pack.join("csv/summary.csv"));
    assert!(
        summary.contains("Gap in the evidence")
            && summary
                .contains("token-long-lived and token-expired-not-removed were not evaluated"),
        "{summary}"
    );
    let page = read(&pack.join("index.html"));
    assert!(page.contains("Gap in the evidence"), "page");
    assert!(page.contains("core_serviceaccount_manageapikey"), "page");
    // Harness's service-account list still said how many API keys each
    // has (its tokensCount counts keys): the Reconciliation names what
    // could not be read instead of nothing.
    assert_eq!(
        got.service_accounts
            .iter()
            .map(|s| s.api_key_count)
            .collect::<Vec<_>>(),
        demo.service_accounts
            .iter()
            .map(|s| s.api_key_count)
            .collect::<Vec<_>>()
    );
    let rec = read(&pack.join("csv/reconciliation.csv"));
    let line = rec
        .lines()
        .find(|l| l.starts_with("service-account API keys Harness counts"))
        .unwrap_or_else(|| panic!("{rec}"));
    assert!(
        line.contains(",8,API keys stored for those service accounts: 0,8,"),
        "{line}"
    );
    assert!(
        line.contains("2 API keys of sa:account/ci_bot exist but could not be listed: their tokens and their expiry are unknown"),
        "{line}"
    );
    assert!(line.contains("and 3 more service accounts"), "{line}");
}

#[test]
fn assignments_naming_hidden_managed_roles_resolve_through_the_aggregate_endpoint() {
    let demo = demo_snapshot();
    let plain = pulled(&FakeHarness::start(demo.clone(), KEY));
    let fake = FakeHarness::start(demo, KEY);
    fake.set_faults(Faults {
        hide_project_managed_roles: true,
        hide_org_managed_roles: true,
        ..Faults::default()
    });
    let hidden = pulled(&fake);
    // The lists at orgs and projects held no managed role: every one there
    // came from a lookup at its scope...
    let looked_up_at = |scope: &snapshot::Scope| {
        hidden
            .completeness
            .lists
            .iter()
            .any(|l| l.endpoint == ROLE_LOOKUP_ENDPOINT && &l.scope == scope)
    };
    assert!(hidden
        .roles
        .iter()
        .filter(|r| r.harness_managed && r.scope != snapshot::Scope::Account)
        .all(|r| looked_up_at(&r.scope)));
    assert!(hidden.roles.len() < plain.roles.len());
    // ...yet every assignment grants exactly what it grants without the flags.
    assert_eq!(grants(&hidden), grants(&plain));
    let lookups: Vec<_> = hidden
        .completeness
        .lists
        .iter()
        .filter(|l| l.endpoint == ROLE_LOOKUP_ENDPOINT)
        .collect();
    assert!(!lookups.is_empty());
    assert!(lookups.iter().all(|l| l.complete));
    let orphans = |s: &Snapshot| {
        AccessGraph::build(s)
            .assignments
            .iter()
            .filter(|a| a.status.as_str() == "orphaned")
            .count()
    };
    assert_eq!(orphans(&hidden), orphans(&plain));
    // Without the flags nothing is looked up.
    assert!(!plain
        .completeness
        .lists
        .iter()
        .any(|l| l.endpoint == ROLE_LOOKUP_ENDPOINT));
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path == "/authz/api/roleassignments/aggregate"));
}

#[test]
fn a_missing_role_is_deleted_when_the_server_says_so_and_unreadable_when_it_cannot() {
    // An assignment naming a role that exists nowhere.
    let mut demo = demo_snapshot();
    let a = demo
        .role_assignments
        .iter_mut()
        .find(|a| a.scope != snapshot::Scope::Account && !a.disabled)
        .unwrap();
    a.role.id = "_deleted_role".into();
    a.role.scope_level = None;
    let scope = a.scope.clone();
    let id = a.id.clone();
    let fake = FakeHarness::start(demo.clone(), KEY);
    let got = pulled(&fake);
    let reason = |s: &Snapshot| {
        let g = AccessGraph::build(s);
        let i = s
            .role_assignments
            .iter()
            .position(|x| x.id == id && x.scope == scope)
            .unwrap();
        match &g.assignments[i].status {
            reviewpack::graph::AssignmentStatus::Orphaned(r) => r
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; "),
            other => panic!("{other:?}"),
        }
    };
    assert!(reason(&got).contains("deleted"), "{}", reason(&got));

    // When the lookup itself fails the role is "not readable", a stated gap.
    let fake = FakeHarness::start(demo, KEY);
    fake.set_faults(Faults {
        not_found_path: Some("/authz/api/roleassignments/aggregate".into()),
        ..Faults::default()
    });
    let got = pulled(&fake);
    assert!(got.completeness.complete);
    let gap = got
        .completeness
        .unread
        .iter()
        .find(|u| u.what == UnreadKind::Role)
        .unwrap();
    assert_eq!(gap.id.as_deref(), Some("_deleted_role"));
    assert_eq!(gap.scope.as_ref(), Some(&scope));
    assert!(
        reason(&got).contains("role not readable"),
        "{}",
        reason(&got)
    );
}

#[test]
fn the_account_name_is_read_and_a_key_without_account_view_still_pulls() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let got = pulled(&fake);
    assert_eq!(got.account.name.as_deref(), Some("Acme Demo"));
    assert_eq!(
        got.account.authentication_mechanism.as_deref(),
        Some("USER_PASSWORD")
    );
    fake.set_faults(Faults {
        missing_permission: Some("core_account_view".into()),
        ..Faults::default()
    });
    let got = pulled(&fake);
    assert_eq!(got.account.name, None);
    assert!(got
        .completeness
        .unread
        .iter()
        .any(|u| u.what == UnreadKind::AccountName
            && u.needs.as_deref() == Some("core_account_view")));
}

#[test]
fn the_permission_catalogue_is_read_with_scope_filter_disabled() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let got = pulled(&fake);
    assert_eq!(got.permissions, demo_snapshot().permissions);
    let asked = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/authz/api/permissions")
        .unwrap();
    assert_eq!(asked.param("scopeFilterDisabled").as_deref(), Some("true"));
}

#[test]
fn tokens_come_from_one_account_list_and_keys_it_missed_are_listed_on_their_own() {
    let demo = demo_snapshot();
    let fake = FakeHarness::start(demo.clone(), KEY);
    let got = pulled(&fake);
    assert_eq!(got.tokens, demo.tokens);
    let token_lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/ng/api/token/aggregate")
        .collect();
    assert_eq!(token_lists.len(), 1, "one list for the whole account");
    assert_eq!(token_lists[0].param("parentIdentifier"), None);

    // A server whose token lists hold the exact scope only: the account list
    // misses the org and project keys' tokens, their tokensCount says so,
    // and those keys are listed one by one.
    let fake = FakeHarness::start(demo.clone(), KEY);
    fake.set_faults(Faults {
        tokens_exact_scope: true,
        ..Faults::default()
    });
    let got = pulled(&fake);
    assert_eq!(got.tokens, demo.tokens);
    let per_key = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/ng/api/token/aggregate" && r.param("apiKeyIdentifier").is_some())
        .count();
    // Keys below the account with tokens (a key with none agrees with the
    // account list already).
    let below_account = demo
        .api_keys
        .iter()
        .filter(|k| {
            k.scope != snapshot::Scope::Account
                && demo
                    .tokens
                    .iter()
                    .any(|t| t.api_key == k.id && t.scope == k.scope)
        })
        .count();
    assert!(below_account > 0);
    assert_eq!(per_key, below_account);
}

/// The demo as a key that cannot see `scope` pulls it: the scope and
/// everything at it gone, users no longer members there.
fn without_scope(mut s: Snapshot, scope: &Scope) -> Snapshot {
    s.projects.retain(|p| p.scope() != *scope);
    s.user_groups.retain(|g| g.scope != *scope);
    s.service_accounts.retain(|a| a.scope != *scope);
    s.api_keys.retain(|k| k.scope != *scope);
    s.tokens.retain(|t| t.scope != *scope);
    s.roles.retain(|r| r.scope != *scope);
    s.resource_groups.retain(|g| g.scope != *scope);
    s.role_assignments.retain(|a| a.scope != *scope);
    for u in &mut s.users {
        u.scopes.retain(|x| x != scope);
    }
    s
}

#[test]
fn a_project_the_key_cannot_view_stops_the_pull_and_allow_partial_reads_the_rest() {
    let hidden = Scope::Project("eng".into(), "mobile".into());
    let served = demo_snapshot();
    assert!(served.user_groups.iter().any(|g| g.scope == hidden));
    let want = without_scope(served.clone(), &hidden);
    let fake = FakeHarness::start(served, KEY);
    fake.set_faults(Faults {
        unviewable_scopes: vec![hidden.clone()],
        ..Faults::default()
    });

    // Harness leaves the project out of the project list without an error
    // (U7). The access check, asked as the list asks about each project,
    // says the key may not view every project of eng, though it holds the
    // view at eng itself: check names it, and the pull stops after reading
    // the scope tree, before any list at the scopes.
    let out = run(&fake, "check", &["--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let projects = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["permission"] == "core_project_view")
        .unwrap();
    assert_eq!(projects["missing_at"], serde_json::json!(["org:eng"]));
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    fake.clear_requests();
    let out = pull(&fake, &path);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("core_project_view at org:eng ("), "{err}");
    assert!(!path.exists());
    assert_eq!(asked(&fake, "/ng/api/projects"), 1);
    assert_eq!(asked(&fake, "/ng/api/user-groups"), 0);

    // --allow-partial: the rest is read, the project list is marked
    // incomplete, and the one list of every scope's user groups still holds
    // the project's groups, which shows the review misses a scope.
    let out = run(
        &fake,
        "pull",
        &[
            "--activity-end",
            END,
            "--allow-partial",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
    let err = stderr_of(&out);
    assert!(
        err.contains("at 1 org(s) or project(s) the key could not list (project:eng/mobile)"),
        "{err}"
    );
    assert_eq!(
        err.matches("warning: the key lacks core_project_view at org:eng")
            .count(),
        1,
        "{err}"
    );
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_eq!(got.projects, want.projects);
    assert_eq!(got.user_groups, want.user_groups);
    assert_eq!(got.users, want.users);
    assert_eq!(got.role_assignments, want.role_assignments);
    assert_eq!(got.roles, want.roles);
    assert_eq!(got.resource_groups, want.resource_groups);
    assert_eq!(got.service_accounts, want.service_accounts);
    assert_eq!(got.tokens, want.tokens);
    // Only the project list is incomplete; the groups' entry counts what
    // it left.
    assert!(!got.completeness.complete);
    let bad: Vec<_> = got
        .completeness
        .lists
        .iter()
        .filter(|l| !l.complete)
        .collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(
        (bad[0].endpoint.as_str(), &bad[0].scope),
        ("GET /ng/api/projects", &Scope::Account)
    );
    assert!(
        bad[0]
            .note
            .as_deref()
            .unwrap()
            .contains("core_project_view at org:eng"),
        "{bad:?}"
    );
    let groups = got
        .completeness
        .lists
        .iter()
        .find(|l| l.endpoint == reviewpack::harness::pull::GROUPS_OF_EVERY_SCOPE)
        .unwrap();
    let left = 2;
    assert_eq!(
        groups.total_items,
        Some(want.user_groups.len() as u64 + left)
    );
    assert_eq!(groups.stored, want.user_groups.len() as u64);
    assert!(
        groups
            .note
            .as_deref()
            .unwrap()
            .contains("2 more at 1 scope(s) the pull did not list (project:eng/mobile) not kept"),
        "{groups:?}"
    );
    // The pack loads it.
    let loaded = snapshot::from_slice(Path::new("s.json"), &std::fs::read(&path).unwrap());
    assert!(loaded.is_ok(), "{:?}", loaded.err());

    // Read scope by scope the result is the same, and eng's own project
    // list is the one marked.
    let path2 = dir.path().join("per-scope.json");
    let out = pull_with(&fake, &path2, &["--per-scope-lists", "--allow-partial"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!stderr_of(&out).contains("could not list"));
    let per_scope = snapshot::load(&path2).unwrap().snapshot;
    assert_eq!(per_scope.user_groups, got.user_groups);
    assert_eq!(per_scope.projects, got.projects);
    assert_eq!(per_scope.users, got.users);
    let bad: Vec<_> = per_scope
        .completeness
        .lists
        .iter()
        .filter(|l| !l.complete)
        .map(|l| (l.endpoint.as_str(), l.scope.clone()))
        .collect();
    assert_eq!(bad, [("GET /ng/api/projects", Scope::Org("eng".into()))]);
}

#[test]
fn an_org_the_key_cannot_view_is_named_though_it_may_view_the_accounts_orgs() {
    // The key's grant at the account excludes child scopes (Account Viewer
    // on _all_account_level_resources): a check of the org type with no
    // identifier says yes, yet the org list checks each org by identifier
    // and leaves ops out without an error (U11, X4).
    let hidden = Scope::Org("ops".into());
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        missing_at: vec![("core_organization_view".into(), hidden.clone())],
        ..Faults::default()
    });
    let out = run(&fake, "check", &["--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let orgs = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["permission"] == "core_organization_view")
        .unwrap();
    assert_eq!(orgs["ok"], false);
    assert_eq!(orgs["missing_at"], serde_json::json!(["account"]));

    let dir = tempdir();
    let path = dir.path().join("snap.json");
    fake.clear_requests();
    let out = pull(&fake, &path);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("the API key lacks core_organization_view"),
        "{err}"
    );
    assert_eq!(asked(&fake, "/ng/api/organizations"), 0, "{err}");

    // --allow-partial: ops is not in the snapshot, and the org list says
    // why it may be short.
    let out = run(
        &fake,
        "pull",
        &[
            "--activity-end",
            END,
            "--allow-partial",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert!(!got.orgs.iter().any(|o| o.id == "ops"));
    assert!(!got.completeness.complete);
    let orgs = got
        .completeness
        .lists
        .iter()
        .find(|l| l.endpoint == "GET /ng/api/organizations")
        .unwrap();
    assert!(!orgs.complete);
    assert!(
        orgs.note
            .as_deref()
            .unwrap()
            .contains("core_organization_view at account"),
        "{orgs:?}"
    );
}

#[test]
fn tokens_of_a_project_the_key_cannot_see_are_not_kept() {
    // The account-wide token list spans every scope (K4), the project the
    // key cannot list included.
    let hidden = Scope::Project("ops".into(), "infra".into());
    let served = demo_snapshot();
    assert!(served.tokens.iter().any(|t| t.scope == hidden));
    let want = without_scope(served.clone(), &hidden);
    let fake = FakeHarness::start(served, KEY);
    fake.set_faults(Faults {
        unviewable_scopes: vec![hidden.clone()],
        ..Faults::default()
    });
    // The key may not view every project of ops, so the pull needs
    // --allow-partial (the project list is the one marked incomplete).
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = run(
        &fake,
        "pull",
        &[
            "--activity-end",
            END,
            "--allow-partial",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_eq!(got.tokens, want.tokens);
    assert_eq!(got.api_keys, want.api_keys);
    assert_eq!(got.service_accounts, want.service_accounts);
    let bad: Vec<&str> = got
        .completeness
        .lists
        .iter()
        .filter(|l| !l.complete)
        .map(|l| l.endpoint.as_str())
        .collect();
    assert_eq!(bad, ["GET /ng/api/projects"]);
    let tokens = got
        .completeness
        .lists
        .iter()
        .find(|l| l.endpoint == "GET /ng/api/token/aggregate")
        .unwrap();
    assert_eq!(tokens.stored, want.tokens.len() as u64);
    assert!(
        tokens
            .note
            .as_deref()
            .unwrap_or("")
            .contains("at project:ops/infra"),
        "{tokens:?}"
    );
}

/// The requests the fake saw whose path starts with `prefix`.
fn asked(fake: &FakeHarness, prefix: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.starts_with(prefix))
        .count()
}

#[test]
fn a_key_without_usergroup_view_is_caught_before_any_silent_under_read() {
    // The key may view one group by name and lacks core_usergroup_view: a
    // real server answers the user-group lists with that one group and the
    // role-assignment lists without group assignments, both without an
    // error (docs/harness-behaviour.md U6, A2).
    let served = demo_snapshot();
    let fake = FakeHarness::start(served.clone(), KEY);
    fake.set_faults(Faults {
        missing_permission: Some("core_usergroup_view".into()),
        granted_resources: vec![("USERGROUP".into(), Scope::Account, "platform_admins".into())],
        ..Faults::default()
    });

    // check names it at every scope, from the access check.
    let out = run(&fake, "check", &["--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "POST /authz/api/acl");
    assert_eq!(v["orgs_and_projects_checked"], 11);
    let groups = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["permission"] == "core_usergroup_view")
        .unwrap();
    assert_eq!(groups["ok"], false);
    assert_eq!(groups["missing_at"].as_array().unwrap().len(), 12);
    assert!(stderr_of(&out).contains("core_usergroup_view"));

    // pull stops before reading any list the permission guards.
    fake.clear_requests();
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("the API key lacks core_usergroup_view"),
        "{err}"
    );
    assert!(err.contains("core_usergroup_view at account ("), "{err}");
    assert!(err.contains("POST /authz/api/acl"), "{err}");
    assert!(err.contains("--allow-partial"), "{err}");
    assert!(!path.exists());
    assert_eq!(asked(&fake, "/ng/api/user-groups"), 0);
    assert_eq!(asked(&fake, "/authz/api/roleassignments"), 0);
    assert_eq!(
        asked(&fake, "/ng/api/organizations"),
        0,
        "stopped at the account's check"
    );

    // --allow-partial: what the server gives is kept, and every list it
    // narrowed is marked incomplete, so the pack says INCOMPLETE.
    let out = run(
        &fake,
        "pull",
        &[
            "--activity-end",
            END,
            "--allow-partial",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert_eq!(
        err.matches("warning: the key lacks core_usergroup_view")
            .count(),
        1,
        "{err}"
    );
    let got = snapshot::load(&path).unwrap().snapshot;
    assert!(!got.completeness.complete);
    let ids: Vec<&str> = got.user_groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["platform_admins"]);
    let bad: Vec<_> = got
        .completeness
        .lists
        .iter()
        .filter(|l| !l.complete)
        .collect();
    assert!(bad
        .iter()
        .any(|l| l.endpoint == reviewpack::harness::pull::GROUPS_OF_EVERY_SCOPE));
    assert_eq!(
        bad.iter()
            .filter(|l| l.endpoint == "POST /authz/api/roleassignments/filter")
            .count(),
        12
    );
    assert!(bad
        .iter()
        .all(|l| l.note.as_deref().unwrap().contains("core_usergroup_view")));
}

#[test]
fn a_permission_missing_at_one_project_is_named_with_that_project() {
    // With the view at the account the one list of every scope's groups is
    // whole, but the project's role assignments would come without its
    // group assignments (A2 is checked per scope).
    let hole = Scope::Project("eng".into(), "payments".into());
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        missing_at: vec![("core_usergroup_view".into(), hole.clone())],
        ..Faults::default()
    });
    let out = run(&fake, "check", &[]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains("core_usergroup_view"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.trim_start().starts_with("MISSING"), "{text}");
    assert!(text.contains("lacks it at project:eng/payments;"), "{text}");

    let dir = tempdir();
    let path = dir.path().join("snap.json");
    fake.clear_requests();
    let out = pull(&fake, &path);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("lacks core_usergroup_view (Harness's access check")
            && err.contains("core_usergroup_view at project:eng/payments ("),
        "{err}"
    );
    // The scope tree was read (to know where to ask), no list it guards.
    assert_eq!(asked(&fake, "/ng/api/organizations"), 1);
    assert_eq!(asked(&fake, "/authz/api/roleassignments"), 0);
}

#[test]
fn harnesss_role_counts_name_assignments_a_list_left_out_silently() {
    // No access check to vouch for the lists, and a key that may not view
    // groups at one project: that project's assignment list comes back
    // without its group assignments and without an error (A2). Harness's
    // role list still counts them (O11), so the Reconciliation says where.
    let hole = Scope::Project("eng".into(), "payments".into());
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        missing_at: vec![("core_usergroup_view".into(), hole.clone())],
        not_found_path: Some("/authz/api/acl".into()),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull_with(&fake, &path, &["--allow-unverified", "--allow-partial"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    let demo = demo_snapshot();
    // Harness counts per role of the scope's own list: an assignment of a
    // role listed elsewhere (an account role reused in the project) is not
    // counted there.
    let groups_at = |s: &Snapshot| {
        s.role_assignments
            .iter()
            .filter(|a| a.scope == hole && a.principal.kind == "USER_GROUP")
            .filter(|a| {
                demo.roles
                    .iter()
                    .any(|r| r.scope == hole && r.id == a.role.id)
            })
            .count()
    };
    let missing = groups_at(&demo) - groups_at(&got);
    assert!(missing > 0, "the list left the group assignments out");
    let pack = dir.path().join("pack");
    report(&path, &pack);
    let rec = read(&pack.join("csv/reconciliation.csv"));
    let line = rec
        .lines()
        .find(|l| l.starts_with("role assignments Harness counts in its role lists"))
        .unwrap_or_else(|| panic!("{rec}"));
    assert!(
        line.contains(&format!(
            "project:eng/payments: {missing} fewer to user groups than Harness counts (the key may not view user groups there"
        )),
        "{line}"
    );
    // Near miss: the whole pull has nothing to name.
    let whole = pulled(&FakeHarness::start(demo_snapshot(), KEY));
    assert_eq!(groups_at(&whole), groups_at(&demo));
}

#[test]
fn without_the_access_check_the_lists_403_is_the_signal_said_once() {
    // An older server or a proxy refusing POST /authz/api/acl: the pull says
    // so once and reads as before, a list's 403 naming the permission.
    for refusal in [
        Faults {
            not_found_path: Some("/authz/api/acl".into()),
            ..Faults::default()
        },
        Faults {
            html_403_path: Some("/authz/api/acl".into()),
            ..Faults::default()
        },
    ] {
        let want = demo_snapshot();
        let fake = FakeHarness::start(want.clone(), KEY);
        fake.set_faults(refusal.clone());
        let dir = tempdir();
        let path = dir.path().join("snap.json");
        let out = pull(&fake, &path);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let err = stderr_of(&out);
        assert_eq!(
            err.matches("Harness's access check (POST /authz/api/acl) could not be used")
                .count(),
            1,
            "{err}"
        );
        assert_eq!(asked(&fake, "/authz/api/acl"), 1, "asked once, not again");
        let got = snapshot::load(&path).unwrap().snapshot;
        assert_eq!(got.user_groups, want.user_groups);
        assert_eq!(got.role_assignments, want.role_assignments);
        assert_eq!(got.tokens, want.tokens);
        assert!(got.completeness.complete);

        // The view missing: the service-account lists of scopes holding
        // one refuse (none viewable), and that names the permission.
        fake.set_faults(Faults {
            missing_permission: Some("core_serviceaccount_view".into()),
            ..refusal
        });
        let out = pull(&fake, &path);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr_of(&out);
        assert!(
            err.contains("GET /ng/api/serviceaccount/aggregate"),
            "{err}"
        );
        assert!(
            err.contains("the API key lacks core_serviceaccount_view"),
            "{err}"
        );

        // check falls back to one request per list.
        let out = run(&fake, "check", &["--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["source"], "lists");
        assert!(stderr_of(&out).contains("could not be used"));
    }
}

#[test]
fn a_key_allowed_to_manage_some_service_accounts_reads_their_tokens_and_records_the_rest() {
    // The key manages ci_bot's API keys only (a role on a resource group
    // naming it): the key lists check each service account, the
    // account-wide token list the whole account (K1, X4).
    let served = demo_snapshot();
    let fake = FakeHarness::start(served.clone(), KEY);
    fake.set_faults(Faults {
        missing_permission: Some("core_serviceaccount_manageapikey".into()),
        granted_resources: vec![("SERVICEACCOUNT".into(), Scope::Account, "ci_bot".into())],
        ..Faults::default()
    });
    let got = pulled(&fake);
    let parents: Vec<&str> = got.api_keys.iter().map(|k| k.parent.as_str()).collect();
    assert_eq!(parents, ["ci_bot", "ci_bot"]);
    let want: Vec<_> = served
        .tokens
        .iter()
        .filter(|t| t.parent == "ci_bot")
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got.tokens.iter().collect::<Vec<_>>(), want);
    // Only ci_bot's lists were asked; no account-wide token list.
    let asked: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/ng/api/apikey") || r.path.starts_with("/ng/api/token"))
        .filter(|r| r.path != "/ng/api/token/validate")
        .map(|r| r.param("parentIdentifier").unwrap_or_default())
        .collect();
    assert!(asked.iter().all(|p| p == "ci_bot"), "{asked:?}");
    // The other five are recorded gaps, so the token rules do not run.
    let gaps: Vec<&str> = got
        .completeness
        .unread
        .iter()
        .filter(|u| u.what == UnreadKind::ApiKeys)
        .map(|u| u.id.as_deref().unwrap())
        .collect();
    assert_eq!(gaps.len(), 5, "{gaps:?}");
    assert!(!gaps.contains(&"ci_bot"));
    assert!(got.completeness.complete);
}

/// Without Harness's access check, the lists Harness narrows silently are
/// vouched for by the caller's own grants in the snapshot, or marked
/// UNVERIFIED (and the pull stops unless `--allow-unverified`), or, when a
/// scope's built-in all-users group is missing from the group list,
/// INCOMPLETE (docs/harness-behaviour.md U6, U8, U10, U11, X4).
#[test]
fn without_the_access_check_completeness_is_vouched_for_or_said_unverified() {
    let acl_refused = || Faults {
        not_found_path: Some("/authz/api/acl".into()),
        ..Faults::default()
    };
    // The demo's caller holds the views on every resource (its assignment
    // to security_auditor): the lists are vouched for, with the check gone.
    let demo_snap = demo_snapshot();
    let fake = FakeHarness::start(demo_snap.clone(), KEY);
    fake.set_faults(acl_refused());
    let got = pulled(&fake);
    assert!(
        got.completeness.vouched(),
        "{:?}",
        got.completeness
            .lists
            .iter()
            .filter(|l| l.unverified.is_some())
            .collect::<Vec<_>>()
    );

    // A caller the snapshot shows no view for, whose key lacks the group
    // view: Harness answers the group lists with the groups it may view one
    // by one (here each scope's all-users group) and no error.
    let mut served = demo_snap.clone();
    let caller = served.provenance.caller.clone().unwrap().id;
    let sa = caller.rsplit('/').next().unwrap().to_string();
    served
        .role_assignments
        .retain(|a| !(a.principal.kind == "SERVICE_ACCOUNT" && a.principal.id == sa));
    let mut scopes = vec![Scope::Account];
    scopes.extend(served.orgs.iter().map(|o| Scope::Org(o.id.clone())));
    scopes.extend(served.projects.iter().map(|p| p.scope()));
    let all_users = |s: &Scope| match s {
        Scope::Account => "_account_all_users",
        Scope::Org(_) => "_organization_all_users",
        Scope::Project(..) => "_project_all_users",
    };
    let granted: Vec<(String, Scope, String)> = scopes
        .iter()
        .map(|s| ("USERGROUP".to_string(), s.clone(), all_users(s).to_string()))
        .collect();
    let fake = FakeHarness::start(served.clone(), KEY);
    fake.set_faults(Faults {
        missing_permission: Some("core_usergroup_view".into()),
        granted_resources: granted.clone(),
        ..acl_refused()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("cannot vouch that it read every"), "{err}");
    assert!(err.contains("--allow-unverified"), "{err}");
    assert!(!path.exists(), "no snapshot written");

    let out = run(
        &fake,
        "pull",
        &[
            "--activity-end",
            END,
            "-o",
            path.to_str().unwrap(),
            "--force",
            "--allow-unverified",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert!(got.completeness.complete, "counts add up");
    assert!(!got.completeness.vouched());
    let groups = got
        .completeness
        .lists
        .iter()
        .find(|l| l.endpoint.starts_with("GET /ng/api/user-groups"))
        .unwrap();
    let why = groups
        .unverified
        .as_deref()
        .expect("the group list is unverified");
    assert!(why.contains("core_usergroup_view"), "{why}");
    assert_eq!(
        got.user_groups.len(),
        scopes.len(),
        "only the all-users groups came"
    );
    // The pack says so on its first screen, and as a high finding.
    let pack = dir.path().join("pack");
    let out = reviewpack()
        .arg("report")
        .arg(&path)
        .arg("-o")
        .arg(&pack)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("the snapshot is UNVERIFIED"),
        "{}",
        stderr_of(&out)
    );
    let html = read(&pack.join("index.html"));
    let masthead = &html[..html.find("<section").unwrap()];
    assert!(
        masthead.contains("<strong>UNVERIFIED</strong>"),
        "{masthead}"
    );
    let findings: serde_json::Value =
        serde_json::from_str(&read(&pack.join("findings.json"))).unwrap();
    let pop: Vec<&serde_json::Value> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "population-incomplete")
        .collect();
    assert_eq!(pop.len(), 1);
    assert_eq!(pop[0]["severity"], "high");
    assert!(pop[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("The snapshot is UNVERIFIED"));

    // Narrowed past an all-users group (the account's, here; another
    // group there is viewable, so Harness answers without an error): that
    // is proof, so INCOMPLETE.
    let mut narrower: Vec<(String, Scope, String)> = granted
        .into_iter()
        .filter(|(_, s, _)| *s != Scope::Account)
        .collect();
    narrower.push(("USERGROUP".into(), Scope::Account, "platform_admins".into()));
    fake.set_faults(Faults {
        missing_permission: Some("core_usergroup_view".into()),
        granted_resources: narrower,
        ..acl_refused()
    });
    let out = run(
        &fake,
        "pull",
        &[
            "--activity-end",
            END,
            "-o",
            path.to_str().unwrap(),
            "--force",
            "--allow-unverified",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("the pull is incomplete"), "{err}");
    assert!(err.contains("built-in all-users group"), "{err}");
}
