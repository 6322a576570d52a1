//! Tests of the fake Harness API itself, over real HTTP with a bare
//! `TcpStream` client: if the fake is wrong, every `pull` test is wrong.

use reviewpack::harness::wire::{
    AuditEvent, Envelope, ErrorBody, OrganizationResponse, Page, PermissionResponse,
    ResourceGroupResponse, RoleAssignmentResponse, RoleResponse, ServiceAccountAggregate,
    TokenAggregate, UserAggregate, UserGroup, UserInfo, UserMetadata,
};
use reviewpack::snapshot::Scope;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::fake_harness::http::{get, post, HttpResponse};
use crate::fake_harness::{small_snapshot, FakeHarness, Faults, SMALL_ACCOUNT};

const KEY: &str = "sat.acc_Fake-123.tok.s3cr3t";

fn start() -> FakeHarness {
    FakeHarness::start(small_snapshot(), KEY)
}

/// `path` with the account parameter (and `extra`) appended.
fn q(path: &str, extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { "&" };
    format!("{path}?accountIdentifier={SMALL_ACCOUNT}{sep}{extra}")
}

fn ok_json(r: &HttpResponse) -> Value {
    assert_eq!(r.status, 200, "body: {}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(v["status"], "SUCCESS");
    assert!(v["metaData"].is_null(), "{v}");
    assert_eq!(v["correlationId"].as_str().map(str::len), Some(36), "{v}");
    v
}

/// Parses a successful paged answer with the client's own wire types.
fn page<T: DeserializeOwned>(r: &HttpResponse) -> Page<T> {
    ok_json(r);
    let env: Envelope<Page<T>> =
        serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body));
    env.data.expect("data")
}

fn error(r: &HttpResponse, status: u16) -> ErrorBody {
    assert_eq!(r.status, status, "body: {}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

fn ids(p: &Page<UserGroup>) -> Vec<&str> {
    p.content.iter().map(|g| g.identifier.as_str()).collect()
}

#[test]
fn the_api_key_is_required_and_never_recorded() {
    let fake = start();
    let base = fake.base_url();
    let path = q("/ng/api/organizations", "");

    let e = error(&get(&base, &path, None), 401);
    assert_eq!(e.status.as_deref(), Some("ERROR"));
    assert_eq!(e.code.as_deref(), Some("INVALID_TOKEN"));
    assert_eq!(e.message.as_deref(), Some("Token is not valid."));
    assert!(e.correlation_id.is_some());
    let e = error(&get(&base, &path, Some("pat.acc.tok.wrong")), 401);
    assert_eq!(e.code.as_deref(), Some("INVALID_TOKEN"));

    let orgs: Page<OrganizationResponse> = page(&get(&base, &path, Some(KEY)));
    let got: Vec<_> = orgs
        .content
        .iter()
        .map(|o| (o.organization.identifier.as_str(), o.harness_managed))
        .collect();
    assert_eq!(got, [("default", Some(true)), ("eng", Some(false))]);

    // The account must be the key's, and present.
    let e = error(
        &get(
            &base,
            "/ng/api/organizations?accountIdentifier=other",
            Some(KEY),
        ),
        400,
    );
    assert_eq!(e.status.as_deref(), Some("FAILURE"));
    let e = error(&get(&base, "/ng/api/organizations", Some(KEY)), 400);
    assert_eq!(e.status.as_deref(), Some("FAILURE"));

    // A key put into the query by mistake is redacted in the request log.
    get(
        &base,
        &q("/ng/api/organizations", &format!("token={KEY}")),
        Some(KEY),
    );
    let reqs = fake.requests();
    assert_eq!(reqs.len(), fake.request_count());
    assert_eq!(reqs.len(), 6);
    assert!(reqs.iter().all(|r| r.method == "GET"
        && r.path == "/ng/api/organizations"
        && !r.query.contains("s3cr3t")));
    assert!(reqs[5].query.ends_with("token=REDACTED"), "{:?}", reqs[5]);
    assert!(fake.unexpected().is_empty());
}

#[test]
fn page_size_above_100_is_refused() {
    let fake = start();
    let base = fake.base_url();
    let e = error(
        &get(&base, &q("/ng/api/user-groups", "pageSize=101"), Some(KEY)),
        400,
    );
    assert_eq!(e.status.as_deref(), Some("FAILURE"));
    assert_eq!(e.message.as_deref(), Some("pageSize must be <= 100"));
    let p: Page<UserGroup> = page(&get(
        &base,
        &q("/ng/api/user-groups", "pageSize=100"),
        Some(KEY),
    ));
    assert_eq!(p.page_size, Some(100));
    // The default is 50.
    let p: Page<UserGroup> = page(&get(&base, &q("/ng/api/user-groups", ""), Some(KEY)));
    assert_eq!(p.page_size, Some(50));
}

#[test]
fn user_groups_are_listed_per_exact_scope_in_zero_based_pages() {
    let fake = start();
    let base = fake.base_url();
    let at = |extra: &str| -> Page<UserGroup> {
        page(&get(&base, &q("/ng/api/user-groups", extra), Some(KEY)))
    };

    let p0 = at("orgIdentifier=eng&pageIndex=0&pageSize=2");
    assert_eq!(ids(&p0), ["eng_g1", "eng_g2"]);
    assert_eq!(
        (
            p0.total_pages,
            p0.total_items,
            p0.page_item_count,
            p0.page_index,
            p0.empty
        ),
        (Some(3), Some(5), Some(2), Some(0), Some(false))
    );
    assert!(p0
        .content
        .iter()
        .all(|g| g.org_identifier.as_deref() == Some("eng")
            && g.project_identifier.is_none()
            && g.account_identifier.as_deref() == Some(SMALL_ACCOUNT)));
    assert_eq!(
        p0.content[0].users,
        Some(vec!["u-alice".into(), "u-bob".into()])
    );
    let p1 = at("orgIdentifier=eng&pageIndex=1&pageSize=2");
    assert_eq!(ids(&p1), ["eng_g3", "eng_g4"]);
    assert_eq!(p1.content[0].externally_managed, Some(true));
    let p2 = at("orgIdentifier=eng&pageIndex=2&pageSize=2");
    assert_eq!(ids(&p2), ["eng_g5"]);
    assert_eq!(p2.page_item_count, Some(1));
    let p3 = at("orgIdentifier=eng&pageIndex=3&pageSize=2");
    assert!(p3.content.is_empty());
    assert_eq!((p3.empty, p3.total_items), (Some(true), Some(5)));

    // Account and project scope hold only their own groups.
    let acct = at("");
    assert_eq!(ids(&acct), ["_account_all_users", "platform_admins"]);
    let admins = &acct.content[1];
    assert_eq!(
        (
            admins.is_sso_linked,
            admins.sso_linked,
            admins.linked_sso_type.as_deref()
        ),
        (Some(true), Some(true), Some("SAML"))
    );
    assert_eq!(admins.sso_group_name.as_deref(), Some("harness-admins"));
    assert_eq!(acct.content[0].harness_managed, Some(true));
    assert_eq!(
        ids(&at("orgIdentifier=eng&projectIdentifier=pay")),
        ["pay_devs"]
    );
    // A project without its org is a bad request.
    error(
        &get(
            &base,
            &q("/ng/api/user-groups", "projectIdentifier=pay"),
            Some(KEY),
        ),
        400,
    );
    assert!(fake.unexpected().is_empty());
}

#[test]
fn unknown_routes_reach_the_catch_all_and_are_recorded() {
    let fake = start();
    let base = fake.base_url();
    let r = get(&base, &q("/ng/api/user/u-alice", ""), Some(KEY));
    let e = error(&r, 404);
    let msg = e.message.unwrap_or_default();
    assert!(msg.contains("GET /ng/api/user/u-alice"), "{msg}");
    // A known path with the wrong method, and a request without a key.
    error(&get(&base, &q("/ng/api/user/batch", ""), Some(KEY)), 404);
    error(&post(&base, "/gateway/ng/api/user/batch", None, "{}"), 404);
    assert_eq!(
        fake.unexpected(),
        [
            format!("GET /ng/api/user/u-alice?accountIdentifier={SMALL_ACCOUNT}"),
            format!("GET /ng/api/user/batch?accountIdentifier={SMALL_ACCOUNT}"),
            "POST /gateway/ng/api/user/batch".to_string(),
        ]
    );
    assert_eq!(fake.request_count(), 3);
}

#[test]
fn a_key_without_serviceaccount_view_gets_role_assignments_without_service_accounts() {
    let fake = start();
    let base = fake.base_url();
    let ra_path = q("/authz/api/roleassignments/filter", "");
    let kinds = |p: &Page<RoleAssignmentResponse>| -> Vec<String> {
        p.content
            .iter()
            .map(|a| a.role_assignment.principal.kind.clone())
            .collect()
    };
    let before: Page<RoleAssignmentResponse> = page(&post(&base, &ra_path, Some(KEY), "{}"));
    assert_eq!(before.total_items, Some(5));
    assert!(kinds(&before).contains(&"SERVICE_ACCOUNT".to_string()));

    fake.set_faults(Faults {
        missing_permission: Some("core_serviceaccount_view".into()),
        ..Faults::default()
    });
    let after: Page<RoleAssignmentResponse> = page(&post(&base, &ra_path, Some(KEY), "{}"));
    assert_eq!(
        after.total_items,
        Some(4),
        "silently, with a matching count"
    );
    assert!(!kinds(&after).contains(&"SERVICE_ACCOUNT".to_string()));
    assert!(kinds(&after).contains(&"USER_GROUP".to_string()));
    // Other lists are unaffected.
    let groups: Page<UserGroup> = page(&get(&base, &q("/ng/api/user-groups", ""), Some(KEY)));
    assert_eq!(groups.total_items, Some(2));
}

#[test]
fn a_list_that_checks_its_permission_refuses_with_the_failed_check() {
    let fake = start();
    let base = fake.base_url();
    fake.set_faults(Faults {
        missing_permission: Some("core_role_view".into()),
        ..Faults::default()
    });
    let r = get(&base, &q("/authz/api/roles", ""), Some(KEY));
    let e = error(&r, 403);
    assert_eq!(e.status.as_deref(), Some("ERROR"));
    assert_eq!(e.code.as_deref(), Some("NG_ACCESS_DENIED"));
    assert_eq!(
        e.message.as_deref(),
        Some("Principal of type USER with identifier u-alice : Missing permission core_role_view on role")
    );
    let check = &e.failed_permission_checks[0];
    assert_eq!(check.permission.as_deref(), Some("core_role_view"));
    assert_eq!(check.resource_type.as_deref(), Some("ROLE"));
    assert_eq!(
        check
            .resource_scope
            .as_ref()
            .and_then(|s| s.account_identifier.as_deref()),
        Some(SMALL_ACCOUNT)
    );
}

#[test]
fn throttling_and_server_errors_come_in_bursts_then_clear() {
    let fake = start();
    let base = fake.base_url();
    let path = q("/authz/api/roles", "");
    fake.set_faults(Faults {
        too_many_requests: 2,
        ..Faults::default()
    });
    for _ in 0..2 {
        let r = get(&base, &path, Some(KEY));
        let e = error(&r, 429);
        assert_eq!(e.status.as_deref(), Some("ERROR"));
        assert_eq!(r.header("retry-after"), None);
    }
    let roles: Page<RoleResponse> = page(&get(&base, &path, Some(KEY)));
    assert_eq!(roles.total_items, Some(2));

    fake.set_faults(Faults {
        too_many_requests: 1,
        retry_after_secs: Some(7),
        server_errors: 2,
        server_error_status: 502,
        ..Faults::default()
    });
    let r = get(&base, &path, Some(KEY));
    error(&r, 429);
    assert_eq!(r.header("retry-after"), Some("7"));
    error(&get(&base, &path, Some(KEY)), 502);
    error(&get(&base, &path, Some(KEY)), 502);
    ok_json(&get(&base, &path, Some(KEY)));

    fake.set_faults(Faults {
        server_errors: 1,
        ..Faults::default()
    });
    error(&get(&base, &path, Some(KEY)), 503);

    // The simulated server limit counts admitted requests in the last minute.
    fake.set_faults(Faults {
        rate_limit_per_minute: Some(3),
        ..Faults::default()
    });
    let statuses: Vec<u16> = (0..5)
        .map(|_| get(&base, &path, Some(KEY)).status)
        .collect();
    // Requests from earlier in this test already filled the window.
    assert!(statuses.iter().all(|s| *s == 429), "{statuses:?}");
}

#[test]
fn the_rate_limit_admits_that_many_requests_per_minute() {
    let fake = start();
    let base = fake.base_url();
    fake.set_faults(Faults {
        rate_limit_per_minute: Some(3),
        ..Faults::default()
    });
    let path = q("/authz/api/permissions", "");
    let statuses: Vec<u16> = (0..5)
        .map(|_| get(&base, &path, Some(KEY)).status)
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
}

#[test]
fn an_html_403_page_and_a_truncated_body_are_served_on_request() {
    let fake = start();
    let base = fake.base_url();
    fake.set_faults(Faults {
        html_403_path: Some("/authz/".into()),
        truncate_path: Some("/ng/api/organizations".into()),
        ..Faults::default()
    });
    let r = get(&base, &q("/authz/api/roles", ""), Some(KEY));
    assert_eq!(r.status, 403);
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));
    assert!(r.body.starts_with("<!DOCTYPE html>"));

    let path = q("/ng/api/organizations", "");
    let cut = get(&base, &path, Some(KEY));
    assert_eq!(cut.status, 200);
    assert!(
        serde_json::from_str::<Value>(&cut.body).is_err(),
        "{}",
        cut.body
    );
    assert!(
        cut.body.starts_with("{\"status\":\"SUCCESS\""),
        "{}",
        cut.body
    );
    // Once only.
    ok_json(&get(&base, &path, Some(KEY)));
}

#[test]
fn a_growing_list_shifts_its_items_between_pages() {
    let fake = start();
    let base = fake.base_url();
    fake.set_faults(Faults {
        grow_path: Some("/ng/api/user-groups".into()),
        ..Faults::default()
    });
    let at = |i: u32| -> Page<UserGroup> {
        page(&get(
            &base,
            &q(
                "/ng/api/user-groups",
                &format!("orgIdentifier=eng&pageSize=2&pageIndex={i}"),
            ),
            Some(KEY),
        ))
    };
    let p0 = at(0);
    assert_eq!(
        (ids(&p0), p0.total_items),
        (vec!["eng_g1", "eng_g2"], Some(5))
    );
    let p1 = at(1);
    assert_eq!(
        (ids(&p1), p1.total_items),
        (vec!["eng_g2", "eng_g3"], Some(6))
    );
    // The account really changed, and only once.
    assert_eq!(ids(&at(0)), ["grown_1", "eng_g1"]);
    assert_eq!(
        fake.snapshot().user_groups.len(),
        small_snapshot().user_groups.len() + 1
    );
}

#[test]
fn audit_events_are_synthesised_from_activity_and_filtered_by_the_body() {
    let fake = start();
    let base = fake.base_url();
    let path = q("/audit/api/audits/list", "pageSize=100");
    let events = |body: &str| -> Vec<AuditEvent> {
        page::<AuditEvent>(&post(&base, &path, Some(KEY), body)).content
    };
    let ms = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    };

    let logins = events(r#"{"filterType":"Audit","actions":["LOGIN","LOGIN2FA"]}"#);
    let got: Vec<_> = logins
        .iter()
        .map(|e| {
            let info = e.authentication_info.as_ref().unwrap();
            (
                e.timestamp.unwrap(),
                info.principal.as_ref().unwrap().identifier.clone().unwrap(),
                info.labels.as_ref().unwrap()["userId"].clone(),
            )
        })
        .collect();
    let alice = |t: &str| {
        (
            ms(t),
            "alice@example.com".to_string(),
            "u-alice".to_string(),
        )
    };
    assert_eq!(
        got,
        [
            alice("2026-02-27T09:30:00Z"),
            alice("2026-02-27T08:30:00Z"),
            alice("2026-02-27T07:30:00Z"),
            (
                ms("2025-12-01T08:00:00Z"),
                "bob@example.com".into(),
                "u-bob".into()
            ),
        ]
    );
    let first = &logins[0];
    assert_eq!(
        (first.action.as_deref(), first.module.as_deref()),
        (Some("LOGIN"), Some("CORE"))
    );
    let res = first.resource.as_ref().unwrap();
    assert_eq!(res.kind.as_deref(), Some("USER"));
    assert_eq!(res.identifier.as_deref(), Some("alice@example.com"));
    assert_eq!(res.labels.as_ref().unwrap()["resourceName"], "Alice");

    // A user added to the account: ADD_COLLABORATOR at account scope, the
    // resource the user's email (no uuid), published by the NextGen manager.
    let added = events(r#"{"filterType":"Audit","actions":["ADD_COLLABORATOR"]}"#);
    let got: Vec<_> = added
        .iter()
        .map(|e| {
            let r = e.resource.as_ref().unwrap();
            (
                e.action.clone().unwrap(),
                r.kind.clone().unwrap(),
                r.identifier.clone().unwrap(),
                e.timestamp.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [(
            "ADD_COLLABORATOR".to_string(),
            "USER".to_string(),
            "bob@example.com".to_string(),
            ms("2025-11-20T09:00:00Z")
        )]
    );
    // One addition and the sample's five removals.
    let login_free = events(r#"{"filterType":"Audit","staticFilter":"EXCLUDE_LOGIN_EVENTS"}"#);
    assert_eq!(login_free.len(), 6);

    // Removals, as their handlers publish them (E7 to E9): a deleted role
    // assignment on its principal (a user by email, with name and uuid
    // labels), a user removed with no labels at all, deletions and group
    // updates filtered by resource type.
    let removed = events(
        r#"{"filterType":"Audit","actions":["ROLE_ASSIGNMENT_DELETED","REMOVE_COLLABORATOR"]}"#,
    );
    let got: Vec<_> = removed
        .iter()
        .map(|e| {
            let r = e.resource.as_ref().unwrap();
            (
                e.action.clone().unwrap(),
                r.kind.clone().unwrap(),
                r.identifier.clone().unwrap(),
                r.labels.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "REMOVE_COLLABORATOR".to_string(),
                "USER".to_string(),
                "dan@example.com".to_string(),
                None
            ),
            (
                "ROLE_ASSIGNMENT_DELETED".to_string(),
                "USER".to_string(),
                "bob@example.com".to_string(),
                Some(std::collections::BTreeMap::from([
                    ("resourceName".to_string(), "Bob".to_string()),
                    ("userId".to_string(), "u-bob".to_string())
                ]))
            ),
        ]
    );
    let who = removed[1].authentication_info.as_ref().unwrap();
    let p = who.principal.as_ref().unwrap();
    assert_eq!(
        (p.kind.as_deref(), p.identifier.as_deref()),
        (Some("USER"), Some("alice@example.com"))
    );
    let kinds = |body: &str| -> Vec<String> {
        events(body)
            .iter()
            .map(|e| {
                let r = e.resource.as_ref().unwrap();
                format!("{} {}", e.action.clone().unwrap(), r.kind.clone().unwrap())
            })
            .collect()
    };
    assert_eq!(
        kinds(
            r#"{"filterType":"Audit","actions":["DELETE","UPDATE"],"resources":[{"type":"USER_GROUP"},{"type":"TOKEN"}]}"#
        ),
        ["DELETE USER_GROUP", "DELETE TOKEN", "UPDATE USER_GROUP"]
    );
    assert_eq!(
        kinds(r#"{"filterType":"Audit","resources":[{"type":"TOKEN"}]}"#),
        ["DELETE TOKEN"]
    );
    // A deletion by a service account names it.
    let org_group = &events(
        r#"{"filterType":"Audit","actions":["DELETE"],"resources":[{"type":"USER_GROUP"}]}"#,
    )[0];
    let p = org_group
        .authentication_info
        .as_ref()
        .unwrap()
        .principal
        .as_ref()
        .unwrap();
    assert_eq!(
        (p.kind.as_deref(), p.identifier.as_deref()),
        (Some("SERVICE_ACCOUNT"), Some("ci_bot"))
    );
    let scope = org_group.resource_scope.as_ref().unwrap();
    assert_eq!(scope.org_identifier.as_deref(), Some("eng"));

    // Each event's YAML, as `NGYamlUtils` writes it: the deleted
    // assignment; the group before and after the update.
    let yaml = |id: &str| {
        get(
            &base,
            &q("/audit/api/auditYaml", &format!("auditId={id}")),
            Some(KEY),
        )
    };
    let data: reviewpack::harness::wire::YamlDiff =
        serde_json::from_value(ok_json(&yaml("audit-ra-bob"))["data"].clone()).unwrap();
    let old = data.old_yaml.unwrap();
    assert!(
        old.starts_with("roleAssignment:\n  identifier: ra_bob_admin\n"),
        "{old}"
    );
    assert!(
        old.contains("\n  principal:\n    identifier: u-bob\n    type: USER\n"),
        "{old}"
    );
    let data = ok_json(&yaml("audit-group-admins"));
    let old = data["data"]["oldYaml"].as_str().unwrap();
    let new = data["data"]["newYaml"].as_str().unwrap();
    assert!(
        old.contains("  users:\n  - u-alice\n  - u-carol\n"),
        "{old}"
    );
    assert!(new.contains("  users:\n  - u-alice\n"), "{new}");
    assert!(!new.contains("u-carol"), "{new}");
    // An unknown id is a 400 naming it (`AuditYamlResourceImpl.get`).
    let e = error(&yaml("nope"), 400);
    assert_eq!(
        e.message.as_deref(),
        Some("No audit found with auditId nope")
    );

    // Times are inclusive bounds.
    let body = format!(
        r#"{{"filterType":"Audit","startTime":{},"endTime":{}}}"#,
        ms("2026-02-27T08:30:00Z"),
        ms("2026-02-27T09:30:00Z")
    );
    let got: Vec<_> = events(&body).iter().map(|e| e.timestamp.unwrap()).collect();
    assert_eq!(
        got,
        [ms("2026-02-27T09:30:00Z"), ms("2026-02-27T08:30:00Z")]
    );

    // The audit view is needed: `AuditPermissionValidator` refuses with
    // ACCESS_DENIED, the permission named in the message only.
    fake.set_faults(Faults {
        missing_permission: Some("core_audit_view".into()),
        ..Faults::default()
    });
    let e = error(&post(&base, &path, Some(KEY), "{}"), 403);
    assert_eq!(e.code.as_deref(), Some("ACCESS_DENIED"));
    assert!(e.failed_permission_checks.is_empty());
    assert_eq!(
        e.message.as_deref(),
        Some(format!(
            "You need core_audit_view permission on ACCOUNT with identifier: {SMALL_ACCOUNT} to perform this action"
        ).as_str())
    );
    // At an org the org's own grant is enough.
    fake.set_faults(Faults {
        missing_at: vec![("core_audit_view".into(), Scope::Account)],
        ..Faults::default()
    });
    let org_scope = format!(
        r#"{{"filterType":"Audit","scopes":[{{"accountIdentifier":"{SMALL_ACCOUNT}","orgIdentifier":"eng"}}]}}"#
    );
    assert_eq!(post(&base, &path, Some(KEY), &org_scope).status, 200);
    error(&post(&base, &path, Some(KEY), "{}"), 403);
}

#[test]
fn every_endpoint_answers_in_the_clients_wire_types() {
    let fake = start();
    let base = fake.base_url();
    let g = |p: &str, extra: &str| get(&base, &q(p, extra), Some(KEY));

    let me: Envelope<UserInfo> =
        serde_json::from_str(&ok_json(&g("/ng/api/user/currentUser", "")).to_string()).unwrap();
    let me = me.data.unwrap();
    assert_eq!(me.uuid.as_deref(), Some("u-alice"));
    assert_eq!(me.email.as_deref(), Some("alice@example.com"));

    let projects: Page<Value> = page(&g("/ng/api/projects", "orgIdentifier=eng"));
    assert_eq!(projects.content.len(), 1);
    assert_eq!(projects.content[0]["project"]["identifier"], "pay");
    let all: Page<Value> = page(&g("/ng/api/projects", ""));
    assert_eq!(all.total_items, Some(2));

    let users: Page<UserMetadata> = page(&post(
        &base,
        &q("/ng/api/user/batch", "pageSize=100"),
        Some(KEY),
        "{}",
    ));
    let u: Vec<_> = users
        .content
        .iter()
        .map(|u| {
            (
                u.uuid.as_str(),
                u.two_factor_authentication_enabled,
                u.disabled,
            )
        })
        .collect();
    assert_eq!(
        u,
        [
            ("u-alice", Some(true), Some(false)),
            ("u-bob", Some(false), Some(false)),
            ("u-carol", None, Some(true)),
        ]
    );
    let members: Page<UserAggregate> = page(&post(
        &base,
        &q(
            "/ng/api/user/aggregate",
            "orgIdentifier=eng&projectIdentifier=pay",
        ),
        Some(KEY),
        "{}",
    ));
    assert_eq!(members.content.len(), 1);
    assert_eq!(members.content[0].user.uuid, "u-alice");

    let sas: Page<ServiceAccountAggregate> =
        page(&g("/ng/api/serviceaccount/aggregate", "orgIdentifier=eng"));
    assert_eq!(sas.content[0].service_account.identifier, "deployer");
    let sas: Page<ServiceAccountAggregate> = page(&g("/ng/api/serviceaccount/aggregate", ""));
    assert_eq!(sas.content[0].created_at, Some(1_735_689_600_000));

    let keys: Page<Value> = page(&g(
        "/ng/api/apikey/aggregate",
        "apiKeyType=SERVICE_ACCOUNT&parentIdentifier=ci_bot",
    ));
    assert_eq!(keys.content[0]["apiKey"]["identifier"], "ci_key");
    error(
        &g("/ng/api/apikey/aggregate", "parentIdentifier=ci_bot"),
        400,
    );

    let tokens: Page<TokenAggregate> = page(&g(
        "/ng/api/token/aggregate",
        "apiKeyType=SERVICE_ACCOUNT&parentIdentifier=ci_bot&apiKeyIdentifier=ci_key",
    ));
    let t: Vec<_> = tokens
        .content
        .iter()
        .map(|t| (t.token.identifier.as_str(), t.token.valid_to, t.expiry_at))
        .collect();
    assert_eq!(
        t,
        [
            (
                "ci_tok_new",
                Some(1_782_864_000_000),
                Some(1_782_864_000_000)
            ),
            ("ci_tok_old", None, None),
        ]
    );

    let roles: Page<RoleResponse> = page(&g("/authz/api/roles", "orgIdentifier=eng"));
    assert_eq!(roles.content[0].role.identifier, "eng_ops");
    assert_eq!(
        roles.content[0].role.allowed_scope_levels,
        Some(vec!["organization".to_string()])
    );

    // Without scopeFilterDisabled the catalogue keeps only what the scope's
    // level allows (PermissionResourceImpl).
    let perms = |extra: &str| -> Vec<PermissionResponse> {
        let v = ok_json(&g("/authz/api/permissions", extra));
        serde_json::from_value(v["data"].clone()).unwrap()
    };
    assert_eq!(perms("").len(), 2);
    let all = perms("scopeFilterDisabled=true");
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].permission.resource_type.as_deref(), Some("PIPELINE"));

    let rgs: Page<ResourceGroupResponse> = page(&g(
        "/resourcegroup/api/v2/resourcegroup",
        "orgIdentifier=eng",
    ));
    let rg = &rgs
        .content
        .iter()
        .find(|r| r.resource_group.identifier == "eng_pipelines")
        .unwrap()
        .resource_group;
    let sel = &rg.included_scopes.as_ref().unwrap()[0];
    assert_eq!(sel.filter.as_deref(), Some("INCLUDING_CHILD_SCOPES"));
    assert_eq!(sel.org_identifier.as_deref(), Some("eng"));
    let resources = rg
        .resource_filter
        .as_ref()
        .unwrap()
        .resources
        .as_ref()
        .unwrap();
    let attr = resources[0].attribute_filter.as_ref().unwrap();
    assert_eq!(attr.attribute_name.as_deref(), Some("category"));
    assert_eq!(
        resources[1].identifiers,
        Some(vec!["deploy_prod".to_string()])
    );

    // scopeLevel is lowercase, and absent (not null) when Harness has none.
    let raw = ok_json(&post(
        &base,
        &q("/authz/api/roleassignments/filter", "orgIdentifier=eng"),
        Some(KEY),
        "{}",
    ));
    let content = raw["data"]["content"].as_array().unwrap();
    let principal = |i: usize| &content[i]["roleAssignment"]["principal"];
    assert_eq!(principal(0)["scopeLevel"], "organization");
    assert!(principal(1)
        .as_object()
        .unwrap()
        .get("scopeLevel")
        .is_none());
    assert_eq!(
        content[0]["roleAssignment"]["roleReference"]["scopeLevel"],
        "organization"
    );

    // A service-account caller has no current user.
    fake.mutate(|s| {
        let caller = s.provenance.caller.as_mut().unwrap();
        caller.kind = "service_account".into();
        caller.id = "sa:account/ci_bot".into();
    });
    let e = error(&g("/ng/api/user/currentUser", ""), 400);
    assert_eq!(e.code.as_deref(), Some("INVALID_REQUEST"));
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
}

#[test]
fn the_server_stops_when_dropped() {
    let fake = start();
    let addr = fake.base_url().trim_start_matches("http://").to_string();
    ok_json(&get(
        &fake.base_url(),
        &q("/authz/api/permissions", ""),
        Some(KEY),
    ));
    drop(fake);
    assert!(std::net::TcpStream::connect(addr).is_err());
}
