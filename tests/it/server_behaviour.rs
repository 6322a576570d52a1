//! The fake copies the Harness server, quirks included: one test per server
//! behaviour the client relies on, each named in docs/harness-behaviour.md
//! with the server source it comes from. These poke the fake over raw HTTP;
//! the pull tests then show the client copes.

use reviewpack::harness::wire::{
    Envelope, ErrorBody, Page, ProjectResponse, ResourceGroupResponse, RoleAssignmentResponse,
    RoleResponse, TokenAggregate, UserGroup,
};
use reviewpack::snapshot::{
    AssignmentId, PermissionId, PrincipalRef, ResourceGroupId, Role, RoleAssignment, RoleId,
    RoleRef, Scope, ScopeLevel,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::fake_harness::http::{get, post, send_with, HttpResponse};
use crate::fake_harness::{small_snapshot, FakeHarness, Faults, SMALL_ACCOUNT};

const KEY: &str = "sat.acc_Fake-123.tok.s3cr3t";

fn start() -> FakeHarness {
    FakeHarness::start(small_snapshot(), KEY)
}

fn q(path: &str, extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { "&" };
    format!("{path}?accountIdentifier={SMALL_ACCOUNT}{sep}{extra}")
}

fn data<T: DeserializeOwned>(r: &HttpResponse) -> T {
    assert_eq!(r.status, 200, "body: {}", r.body);
    let env: Envelope<T> =
        serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body));
    env.data.expect("data")
}

fn error(r: &HttpResponse, status: u16) -> ErrorBody {
    assert_eq!(r.status, status, "body: {}", r.body);
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

fn at(scope: &str) -> String {
    match scope {
        "account" => String::new(),
        "org" => "orgIdentifier=eng".into(),
        _ => "orgIdentifier=eng&projectIdentifier=pay".into(),
    }
}

/// A managed `_project_admin` (allowed at projects only) and an assignment
/// naming it at `project:eng/pay`.
fn with_project_admin(fake: &FakeHarness) {
    fake.mutate(|s| {
        s.roles.push(Role {
            scope: Scope::Account,
            id: RoleId("_project_admin".into()),
            name: "Project Admin".into(),
            permissions: vec![PermissionId("core_pipeline_execute".into())],
            allowed_scope_levels: vec![ScopeLevel::Project],
            harness_managed: true,
            assignment_counts: None,
        });
        s.role_assignments.push(RoleAssignment {
            scope: Scope::Project("eng".into(), "pay".into()),
            id: AssignmentId("ra_pay_admin".into()),
            principal: PrincipalRef {
                kind: "USER".into(),
                id: "u-alice".into(),
                scope_level: None,
            },
            role: RoleRef {
                id: RoleId("_project_admin".into()),
                scope_level: None,
            },
            resource_group: ResourceGroupId("_all_project_level_resources".into()),
            disabled: false,
            managed: false,
            internal: false,
        });
    });
}

#[test]
fn built_in_resource_groups_come_without_scope_and_with_bare_selectors() {
    let fake = start();
    let base = fake.base_url();
    let ids_at = |scope: &str| -> Vec<String> {
        let p: Page<ResourceGroupResponse> = data(&get(
            &base,
            &q("/resourcegroup/api/v2/resourcegroup", &at(scope)),
            Some(KEY),
        ));
        p.content
            .iter()
            .filter(|r| r.harness_managed == Some(true))
            .map(|r| r.resource_group.identifier.clone())
            .collect()
    };
    // Listed wherever their allowedScopeLevels hold the scope's level.
    assert_eq!(
        ids_at("account"),
        [
            "_all_account_level_resources",
            "_all_resources_including_child_scopes"
        ]
    );
    assert_eq!(
        ids_at("org"),
        [
            "_all_organization_level_resources",
            "_all_resources_including_child_scopes"
        ]
    );
    assert_eq!(ids_at("project"), ["_all_project_level_resources"]);

    // NON_NULL: no scope fields at all, a selector with only its filter.
    let raw: Value = data(&get(
        &base,
        &q("/resourcegroup/api/v2/resourcegroup", &at("project")),
        Some(KEY),
    ));
    let rg = &raw["content"][0]["resourceGroup"];
    for field in ["accountIdentifier", "orgIdentifier", "projectIdentifier"] {
        assert!(rg.get(field).is_none(), "{field} in {rg}");
    }
    assert_eq!(
        rg["includedScopes"],
        serde_json::json!([{"filter": "EXCLUDING_CHILD_SCOPES"}])
    );
    assert_eq!(rg["allowedScopeLevels"], serde_json::json!(["project"]));
}

#[test]
fn a_viewer_key_cannot_list_api_keys_or_tokens() {
    let fake = start();
    let base = fake.base_url();
    let keys = q(
        "/ng/api/apikey/aggregate",
        "apiKeyType=SERVICE_ACCOUNT&parentIdentifier=ci_bot",
    );
    let tokens = q("/ng/api/token/aggregate", "apiKeyType=SERVICE_ACCOUNT");
    // The default key can.
    assert_eq!(get(&base, &keys, Some(KEY)).status, 200);
    assert_eq!(get(&base, &tokens, Some(KEY)).status, 200);
    // Account Viewer holds every view permission but not this one.
    fake.set_faults(Faults {
        missing_permission: Some("core_serviceaccount_manageapikey".into()),
        ..Faults::default()
    });
    for path in [&keys, &tokens] {
        let e = error(&get(&base, path, Some(KEY)), 403);
        assert_eq!(e.code.as_deref(), Some("NG_ACCESS_DENIED"));
        assert_eq!(
            e.failed_permission_checks[0].permission.as_deref(),
            Some("core_serviceaccount_manageapikey")
        );
    }
    // Viewing service accounts needs only the view permission.
    let sas = q("/ng/api/serviceaccount/aggregate", "");
    assert_eq!(get(&base, &sas, Some(KEY)).status, 200);
}

#[test]
fn tokens_listed_at_the_account_span_every_scope_and_keys_count_their_tokens() {
    let fake = start();
    let base = fake.base_url();
    let tokens = |extra: &str| -> Vec<(String, Option<String>)> {
        let p: Page<TokenAggregate> = data(&get(
            &base,
            &q(
                "/ng/api/token/aggregate",
                &format!("apiKeyType=SERVICE_ACCOUNT{extra}"),
            ),
            Some(KEY),
        ));
        p.content
            .iter()
            .map(|t| (t.token.identifier.clone(), t.token.org_identifier.clone()))
            .collect()
    };
    // No parent, no key, no org: every service-account token of the account.
    let all = tokens("");
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all.contains(&("deploy_tok".into(), Some("eng".into()))));
    // An org narrows to that org (and its projects).
    assert_eq!(
        tokens("&orgIdentifier=eng"),
        [("deploy_tok".to_string(), Some("eng".to_string()))]
    );
    // The key list says how many tokens each key has.
    let keys: Value = data(&get(
        &base,
        &q(
            "/ng/api/apikey/aggregate",
            "apiKeyType=SERVICE_ACCOUNT&parentIdentifier=ci_bot",
        ),
        Some(KEY),
    ));
    assert_eq!(keys["content"][0]["tokensCount"], 2);
}

#[test]
fn hidden_managed_roles_are_left_out_of_lists_and_reads_but_not_the_aggregate() {
    let fake = start();
    with_project_admin(&fake);
    let base = fake.base_url();
    let role_ids = |scope: &str| -> Vec<String> {
        let p: Page<RoleResponse> =
            data(&get(&base, &q("/authz/api/roles", &at(scope)), Some(KEY)));
        p.content
            .iter()
            .map(|r| r.role.identifier.clone())
            .collect()
    };
    let read = |scope: &str| {
        get(
            &base,
            &q("/authz/api/roles/_project_admin", &at(scope)),
            Some(KEY),
        )
    };
    assert_eq!(role_ids("project"), ["_project_admin"]);
    assert_eq!(read("project").status, 200);

    fake.set_faults(Faults {
        hide_project_managed_roles: true,
        ..Faults::default()
    });
    assert!(role_ids("project").is_empty());
    assert_eq!(role_ids("account"), ["_account_admin", "_account_viewer"]);
    let e = error(&read("project"), 404);
    assert!(e.message.unwrap().contains("_project_admin"));

    // The org flag hides them at projects too (RoleResourceImpl's else-if).
    fake.set_faults(Faults {
        hide_org_managed_roles: true,
        ..Faults::default()
    });
    assert!(role_ids("project").is_empty());

    // The aggregate returns the role the scope's assignments name.
    let agg: Value = data(&post(
        &base,
        &q("/authz/api/roleassignments/aggregate", &at("project")),
        Some(KEY),
        r#"{"roleFilter":["_project_admin"]}"#,
    ));
    assert_eq!(agg["roleAssignments"][0]["identifier"], "ra_pay_admin");
    assert_eq!(agg["roles"][0]["role"]["identifier"], "_project_admin");
    assert_eq!(agg["roles"][0]["harnessManaged"], true);
    assert_eq!(
        agg["resourceGroups"],
        serde_json::json!([{"identifier": "_all_project_level_resources", "name": "All Project Level Resources"}])
    );
}

#[test]
fn role_assignment_lists_hold_only_users_groups_and_service_accounts() {
    let fake = start();
    fake.mutate(|s| {
        s.role_assignments.push(RoleAssignment {
            scope: Scope::Account,
            id: AssignmentId("ra_service".into()),
            principal: PrincipalRef {
                kind: "SERVICE".into(),
                id: "pipeline-service".into(),
                scope_level: None,
            },
            role: RoleRef {
                id: RoleId("_account_viewer".into()),
                scope_level: None,
            },
            resource_group: ResourceGroupId("_all_account_level_resources".into()),
            disabled: false,
            managed: true,
            internal: false,
        });
    });
    let p: Page<RoleAssignmentResponse> = data(&post(
        &fake.base_url(),
        &q("/authz/api/roleassignments/filter", ""),
        Some(KEY),
        "{}",
    ));
    assert!(p
        .content
        .iter()
        .all(|a| a.role_assignment.principal.kind != "SERVICE"));
    assert_eq!(p.total_items, Some(5));
}

#[test]
fn scim_reads_only_a_bearer_api_key_and_counts_one_page_as_the_total() {
    let fake = start();
    let base = fake.base_url();
    let path = format!("/ng/api/scim/account/{SMALL_ACCOUNT}/Users?startIndex=1&count=1");
    // x-api-key is not read on SCIM endpoints.
    let r = get(&base, &path, Some(KEY));
    let e = error(&r, 401);
    assert_eq!(e.message.as_deref(), Some("Bearer prefix not found"));
    // A session token is not an API key.
    let r = send_with(
        &base,
        "GET",
        &path,
        &[("Authorization", "Bearer eyJhbGciOi.session.jwt")],
        None,
    );
    assert_eq!(r.status, 401);
    // The key as Bearer works; totalResults is this page's size.
    let bearer = format!("Bearer {KEY}");
    let scim = |path: &str| {
        let r = send_with(&base, "GET", path, &[("Authorization", &bearer)], None);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    let page = scim(&path);
    assert_eq!(page["totalResults"], 1);
    assert_eq!(page["itemsPerPage"], 1);
    assert_eq!(page["Resources"][0]["userName"], "bob@example.com");

    // Users the SCIM store has but NextGen does not are taken off their page,
    // which comes back short in the middle of the list.
    fake.set_faults(Faults {
        scim_users_not_in_ng: vec!["ghost@example.com".into()],
        ..Faults::default()
    });
    let first = scim(&path);
    assert_eq!(first["totalResults"], 0);
    assert_eq!(first["Resources"], serde_json::json!([]));
    let second = scim(&format!(
        "/ng/api/scim/account/{SMALL_ACCOUNT}/Users?startIndex=2&count=1"
    ));
    assert_eq!(second["Resources"][0]["userName"], "bob@example.com");
}

#[test]
fn the_permission_catalogue_needs_scope_filter_disabled_for_every_level() {
    let fake = start();
    let ids = |extra: &str| -> Vec<String> {
        let v: Value = data(&get(
            &fake.base_url(),
            &q("/authz/api/permissions", extra),
            Some(KEY),
        ));
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["permission"]["identifier"].as_str().unwrap().to_string())
            .collect()
    };
    // core_user_view names no level in this account: left out unless asked.
    assert!(!ids("").contains(&"core_user_view".to_string()));
    assert!(ids("scopeFilterDisabled=true").contains(&"core_user_view".to_string()));
}

#[test]
fn the_account_endpoint_names_the_account_and_its_sign_in() {
    let fake = start();
    let v: Value = data(&get(
        &fake.base_url(),
        &q(&format!("/ng/api/accounts/{SMALL_ACCOUNT}"), ""),
        Some(KEY),
    ));
    assert_eq!(v["name"], "Fake Co");
    assert_eq!(v["authenticationMechanism"], "SAML");
    assert_eq!(v["twoFactorAdminEnforced"], false);
    fake.set_faults(Faults {
        missing_permission: Some("core_account_view".into()),
        ..Faults::default()
    });
    let r = get(
        &fake.base_url(),
        &q(&format!("/ng/api/accounts/{SMALL_ACCOUNT}"), ""),
        Some(KEY),
    );
    error(&r, 403);
}

/// (identifier, org, project) of each user group on a page.
fn group_places(p: &Page<UserGroup>) -> Vec<(String, Option<String>, Option<String>)> {
    p.content
        .iter()
        .map(|g| {
            (
                g.identifier.clone(),
                g.org_identifier.clone(),
                g.project_identifier.clone(),
            )
        })
        .collect()
}

fn place(
    id: &str,
    org: Option<&str>,
    project: Option<&str>,
) -> (String, Option<String>, Option<String>) {
    (id.into(), org.map(Into::into), project.map(Into::into))
}

#[test]
fn user_groups_of_every_scope_come_in_one_list_each_naming_its_scope() {
    let fake = start();
    let base = fake.base_url();
    let groups = |extra: &str| -> Page<UserGroup> {
        data(&get(&base, &q("/ng/api/user-groups", extra), Some(KEY)))
    };
    let every = "filterType=INCLUDE_CHILD_SCOPE_GROUPS&pageSize=100";

    // At the account: every group of the account, each naming its scope
    // (UserGroupServiceImpl.createChildScopeCriteria: the account only).
    let all = groups(every);
    assert_eq!(all.total_items, Some(8));
    let places = group_places(&all);
    assert!(places.contains(&place("platform_admins", None, None)));
    assert!(places.contains(&place("eng_g3", Some("eng"), None)));
    assert!(places.contains(&place("pay_devs", Some("eng"), Some("pay"))));
    assert!(all
        .content
        .iter()
        .all(|g| g.account_identifier.as_deref() == Some(SMALL_ACCOUNT)));
    // At an org: the org and its projects.
    let eng = groups(&format!("{every}&orgIdentifier=eng"));
    assert_eq!(eng.total_items, Some(6));
    assert!(group_places(&eng)
        .iter()
        .all(|(_, org, _)| org.as_deref() == Some("eng")));
    // Paged like any list.
    let p1 = groups("filterType=INCLUDE_CHILD_SCOPE_GROUPS&pageIndex=1&pageSize=5");
    assert_eq!((p1.total_pages, p1.content.len()), (Some(2), 3));
    // Without the filter, still the exact scope.
    assert_eq!(groups("pageSize=100").total_items, Some(2));

    // The view is checked at the requested scope only: a key that cannot
    // see the project still gets its groups from the account's list, while
    // the project list leaves the project out.
    fake.set_faults(Faults {
        unviewable_scopes: vec![Scope::Project("eng".into(), "pay".into())],
        ..Faults::default()
    });
    assert!(group_places(&groups(every)).contains(&place("pay_devs", Some("eng"), Some("pay"))));
    let projects: Page<Value> = data(&get(&base, &q("/ng/api/projects", ""), Some(KEY)));
    assert_eq!(projects.total_items, Some(1), "{:?}", projects.content);

    // Without the view where the list is asked: the groups the key may see
    // one by one (UserGroupServiceImpl.list), matched by identifier; none
    // viewable is a 403 naming no failed check.
    fake.set_faults(Faults {
        missing_permission: Some("core_usergroup_view".into()),
        granted_resources: vec![(
            "USERGROUP".into(),
            Scope::Org("eng".into()),
            "eng_g1".into(),
        )],
        ..Faults::default()
    });
    assert_eq!(
        group_places(&groups(every)),
        [place("eng_g1", Some("eng"), None)]
    );
    fake.set_faults(Faults {
        missing_permission: Some("core_usergroup_view".into()),
        ..Faults::default()
    });
    let e = error(
        &get(&base, &q("/ng/api/user-groups", every), Some(KEY)),
        403,
    );
    assert!(e.failed_permission_checks.is_empty(), "{e:?}");
    // The view missing at the account only: groups below are checked one by
    // one and matched by identifier.
    fake.set_faults(Faults {
        unviewable_scopes: vec![Scope::Account],
        ..Faults::default()
    });
    let below = group_places(&groups(every));
    assert_eq!(below.len(), 6, "{below:?}");
    assert!(!below.contains(&place("platform_admins", None, None)));
}

#[test]
fn an_older_harness_refuses_or_ignores_the_child_scope_group_filter() {
    let fake = start();
    let base = fake.base_url();
    let every = q(
        "/ng/api/user-groups",
        "filterType=INCLUDE_CHILD_SCOPE_GROUPS&pageSize=100",
    );
    // Before PL-31353 the value is not a UserGroupFilterType.
    fake.set_faults(Faults {
        child_scope_groups_unsupported: true,
        ..Faults::default()
    });
    let r = get(&base, &every, Some(KEY));
    assert_eq!(r.status, 404, "{}", r.body);
    // Before PL-23733 there is no filterType: the account's own groups.
    fake.set_faults(Faults {
        group_filter_type_ignored: true,
        ..Faults::default()
    });
    let p: Page<UserGroup> = data(&get(&base, &every, Some(KEY)));
    assert_eq!(
        group_places(&p),
        [
            place("_account_all_users", None, None),
            place("platform_admins", None, None)
        ]
    );
}

#[test]
fn projects_of_every_org_come_in_one_list_without_an_org() {
    let fake = start();
    let base = fake.base_url();
    let projects = |extra: &str| -> Vec<(Option<String>, String)> {
        let p: Page<ProjectResponse> = data(&get(&base, &q("/ng/api/projects", extra), Some(KEY)));
        p.content
            .into_iter()
            .map(|x| (x.project.org_identifier, x.project.identifier))
            .collect()
    };
    let all = projects("pageSize=100");
    assert_eq!(
        all,
        [
            (Some("default".to_string()), "sandbox".to_string()),
            (Some("eng".to_string()), "pay".to_string())
        ]
    );
    assert_eq!(
        projects("orgIdentifier=eng"),
        [(Some("eng".to_string()), "pay".to_string())]
    );
    // Each project is kept only if the key may view it.
    fake.set_faults(Faults {
        unviewable_scopes: vec![Scope::Project("default".into(), "sandbox".into())],
        ..Faults::default()
    });
    assert_eq!(projects(""), [(Some("eng".to_string()), "pay".to_string())]);

    // The org list likewise, one by one and never a 403 (U11), though the
    // key holds the view at the account; the user list refuses instead.
    fake.set_faults(Faults {
        missing_at: vec![("core_organization_view".into(), Scope::Org("eng".into()))],
        ..Faults::default()
    });
    let orgs: Page<Value> = data(&get(&base, &q("/ng/api/organizations", ""), Some(KEY)));
    let ids: Vec<&str> = orgs
        .content
        .iter()
        .map(|o| o["organization"]["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["default"]);
    assert_eq!(orgs.total_items, Some(1));
    fake.set_faults(Faults {
        missing_permission: Some("core_user_view".into()),
        ..Faults::default()
    });
    let e = error(
        &post(&base, &q("/ng/api/user/batch", ""), Some(KEY), "{}"),
        403,
    );
    assert_eq!(
        e.failed_permission_checks[0].permission.as_deref(),
        Some("core_user_view")
    );
}

/// The access check's answer list for a body of checks.
fn acl(fake: &FakeHarness, body: &Value) -> (Value, Vec<bool>) {
    let r = post(
        &fake.base_url(),
        &q("/authz/api/acl", ""),
        Some(KEY),
        &body.to_string(),
    );
    let data: Value = data(&r);
    let answers = data["accessControlList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["permitted"].as_bool().unwrap())
        .collect();
    (data, answers)
}

fn check(permission: &str, kind: &str, org: Option<&str>, id: Option<&str>) -> Value {
    let mut scope = json!({"accountIdentifier": SMALL_ACCOUNT});
    if let Some(o) = org {
        scope["orgIdentifier"] = json!(o);
    }
    let mut c = json!({"resourceScope": scope, "resourceType": kind, "permission": permission});
    if let Some(id) = id {
        c["resourceIdentifier"] = json!(id);
    }
    c
}

#[test]
fn user_group_and_service_account_lists_narrow_to_what_the_key_may_view_instead_of_refusing() {
    let fake = start();
    let base = fake.base_url();
    let list = |path: &str, extra: &str| get(&base, &q(path, extra), Some(KEY));
    let sa_ids = |r: &HttpResponse| -> Vec<String> {
        let p: Page<Value> = data(r);
        p.content
            .iter()
            .map(|a| {
                a["serviceAccount"]["identifier"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let sas = "/ng/api/serviceaccount/aggregate";

    // Without core_serviceaccount_view, a key that may view one service
    // account by name gets that one, with a count that matches: no error
    // (ServiceAccountServiceImpl.listAggregateServiceAccounts).
    fake.set_faults(Faults {
        missing_permission: Some("core_serviceaccount_view,core_usergroup_view".into()),
        granted_resources: vec![
            ("SERVICEACCOUNT".into(), Scope::Account, "ci_bot".into()),
            ("USERGROUP".into(), Scope::Account, "platform_admins".into()),
        ],
        ..Faults::default()
    });
    assert_eq!(sa_ids(&list(sas, "")), ["ci_bot"]);
    let groups: Page<UserGroup> = data(&list("/ng/api/user-groups", ""));
    assert_eq!(
        (groups.total_items, group_places(&groups)),
        (Some(1), vec![place("platform_admins", None, None)])
    );
    // A scope where it may view none: 403 with the permission in the
    // message only (checkForAccessOrThrow of a list); a scope with nothing
    // to list: an empty page.
    let e = error(&list(sas, "orgIdentifier=eng"), 403);
    assert_eq!(e.code.as_deref(), Some("NG_ACCESS_DENIED"));
    assert!(e.failed_permission_checks.is_empty());
    assert_eq!(
        e.message.as_deref(),
        Some("Principal of type USER with identifier u-alice : Missing permission core_serviceaccount_view on serviceaccount")
    );
    assert!(sa_ids(&list(sas, "orgIdentifier=default")).is_empty());
    // The access check says what the lists do not: the view is missing.
    let (_, answers) = acl(
        &fake,
        &json!({"permissions": [
            check("core_serviceaccount_view", "SERVICEACCOUNT", None, None),
            check("core_serviceaccount_view", "SERVICEACCOUNT", None, Some("ci_bot")),
            check("core_usergroup_view", "USERGROUP", None, None),
        ]}),
    );
    assert_eq!(answers, [false, true, false]);
}

#[test]
fn the_access_check_answers_for_the_caller_one_answer_per_check_in_order() {
    let fake = start();
    fake.set_faults(Faults {
        missing_permission: Some("core_audit_view".into()),
        unviewable_scopes: vec![Scope::Project("eng".into(), "pay".into())],
        ..Faults::default()
    });
    let project_check = {
        let mut c = check("core_usergroup_view", "USERGROUP", Some("eng"), None);
        c["resourceScope"]["projectIdentifier"] = json!("pay");
        c
    };
    let body = json!({"permissions": [
        check("core_usergroup_view", "USERGROUP", None, None),
        // The audit service's form: the account resource, no scope.
        {"resourceType": "ACCOUNT", "resourceIdentifier": SMALL_ACCOUNT, "permission": "core_audit_view"},
        // A scope type with no identifier: the org's own grants, which
        // say yes though the key may not view project pay ...
        check("core_project_view", "PROJECT", Some("eng"), None),
        project_check,
        // ... while the project list checks each project by identifier
        // (ScopeAccessHelper), and an identifier no project has matches
        // only a grant covering every project of the org.
        check("core_project_view", "PROJECT", Some("eng"), Some("pay")),
        check("core_project_view", "PROJECT", Some("eng"), Some("-")),
        check("core_project_view", "PROJECT", Some("default"), Some("-")),
        check("core_organization_view", "ORGANIZATION", None, Some("-")),
    ]});
    let (data, answers) = acl(&fake, &body);
    assert_eq!(
        answers,
        [true, false, true, false, false, false, true, true]
    );
    // No principal asked: the caller (the served account's user).
    assert_eq!(
        data["principal"],
        json!({"principalIdentifier": "u-alice", "principalType": "USER"})
    );
    // Each answer echoes its check (NON_NULL: no null fields).
    let first = &data["accessControlList"][0];
    assert_eq!(first["permission"], "core_usergroup_view");
    assert_eq!(first["resourceType"], "USERGROUP");
    assert_eq!(first["resourceScope"]["accountIdentifier"], SMALL_ACCOUNT);
    assert!(first.get("resourceIdentifier").is_none());

    // No checks: an empty list. Another principal, or an identifier with
    // attributes: refused. More than 10,000 checks: refused.
    let (_, none) = acl(&fake, &json!({"permissions": []}));
    assert!(none.is_empty());
    let base = fake.base_url();
    let send = |body: Value| {
        post(
            &base,
            &q("/authz/api/acl", ""),
            Some(KEY),
            &body.to_string(),
        )
    };
    for principal in [
        json!({"principalIdentifier": "u-bob", "principalType": "USER"}),
        json!({"principalType": "USER"}),
    ] {
        let other = send(json!({
            "permissions": [check("core_user_view", "USER", None, None)],
            "principal": principal,
        }));
        assert!(error(&other, 400)
            .message
            .unwrap()
            .contains("check access for a different principal"));
    }
    // The caller named: as if none were.
    let (_, mine) = acl(
        &fake,
        &json!({
            "permissions": [check("core_user_view", "USER", None, None)],
            "principal": {"principalIdentifier": "u-alice", "principalType": "USER"},
        }),
    );
    assert_eq!(mine, [true]);
    let mut both = check("core_user_view", "USER", None, Some("u-bob"));
    both["resourceAttributes"] = json!({"type": "x"});
    error(&send(json!({"permissions": [both]})), 400);
    // A check without its permission: the body's validation (@NotEmpty).
    let e = error(
        &send(json!({"permissions": [{"resourceType": "USER"}]})),
        400,
    );
    assert_eq!(e.status.as_deref(), Some("FAILURE"));
    let many: Vec<Value> = (0..10_001)
        .map(|_| check("core_user_view", "USER", None, None))
        .collect();
    let e = error(&send(json!({"permissions": many})), 400);
    assert_eq!(e.status.as_deref(), Some("FAILURE"));
    // The key is checked first, as everywhere.
    let r = post(&base, &q("/authz/api/acl", ""), Some("wrong"), "{}");
    error(&r, 401);
}

/// T1: `POST /ng/api/token/validate` with the key as its body answers the
/// key's own token (`TokenResource.validateToken`, no permission checked):
/// validity, parent, the parent's name and email, `encodedPassword` null.
/// T2: a key Harness does not accept, expired or wrong alike, is 401
/// `INVALID_TOKEN` "Token is not valid."; T4: an expired JWT is 401
/// `EXPIRED_TOKEN` "Token expired." (`JWTTokenServiceUtils`).
#[test]
fn a_key_reads_its_own_token_and_an_expired_credential_is_refused_as_harness_refuses_it() {
    const DEMO_KEY: &str = crate::util::DEMO_KEY;
    let demo = reviewpack::snapshot::load(&crate::util::demo())
        .unwrap()
        .snapshot;
    let account = demo.account.id.clone();
    let fake = FakeHarness::start(demo, DEMO_KEY);
    let base = fake.base_url();
    let path = format!("/ng/api/token/validate?accountIdentifier={account}");
    let validate = |auth: Option<&str>, body: &str| {
        let headers: Vec<(&str, &str)> = auth.map(|k| ("x-api-key", k)).into_iter().collect();
        send_with(&base, "POST", &path, &headers, Some(body))
    };

    let r = validate(Some(DEMO_KEY), DEMO_KEY);
    let t: Value = data(&r);
    assert_eq!(t["identifier"], "review_q4_token");
    assert_eq!(t["name"], "review-q4-2026");
    assert_eq!(t["apiKeyIdentifier"], "review_q4");
    assert_eq!(t["parentIdentifier"], "reviewpack_reader");
    assert_eq!(t["apiKeyType"], "SERVICE_ACCOUNT");
    assert_eq!(t["username"], "Reviewpack Reader");
    assert_eq!(t["email"], "reviewpack_reader@service.example.com");
    assert!(t["validTo"].is_i64() && t["validFrom"].is_i64());
    assert!(t["valid"].is_boolean());
    for null in ["encodedPassword", "scheduledExpireTime"] {
        assert!(t.get(null).is_some_and(Value::is_null), "{null}: {t}");
    }
    // The client's wire type reads it.
    let _: reviewpack::harness::wire::Token = serde_json::from_value(t).unwrap();

    // Another secret for the same token, or a token Harness does not have.
    let wrong = DEMO_KEY.replace("S3cr3t", "Wr0ng");
    let e = error(&validate(Some(DEMO_KEY), &wrong), 400);
    assert!(e.message.unwrap().contains("Raw password not matching"));
    let e = error(
        &validate(Some(DEMO_KEY), "sat.Xq3demoACCT0000000001.nope.secret"),
        400,
    );
    assert!(e.message.unwrap().contains("Token not found"));

    // Unauthenticated, or with a key whose token expired: the same answer.
    let wrong_key = error(&validate(Some(&wrong), DEMO_KEY), 401);
    fake.set_faults(Faults {
        key_expired: true,
        ..Faults::default()
    });
    let expired = error(&validate(Some(DEMO_KEY), DEMO_KEY), 401);
    for e in [&wrong_key, &expired] {
        assert_eq!(e.code.as_deref(), Some("INVALID_TOKEN"));
        assert_eq!(e.message.as_deref(), Some("Token is not valid."));
    }
    let raw = validate(Some(DEMO_KEY), DEMO_KEY).json();
    assert_eq!(raw["responseMessages"][0]["code"], "INVALID_TOKEN");
    assert_eq!(raw["responseMessages"][0]["message"], "Token is not valid.");
    fake.set_faults(Faults::default());

    // A JWT past its exp claim.
    let part = |s: &str| {
        reviewpack::text::base64(s.as_bytes(), true)
            .trim_end_matches('=')
            .to_string()
    };
    let exp = chrono::Utc::now().timestamp() - 60;
    let jwt = format!(
        "{}.{}.sig",
        part(r#"{"alg":"HS256"}"#),
        part(&format!(r#"{{"exp":{exp}}}"#))
    );
    fake.accept_bearer(&jwt);
    let bearer = format!("Bearer {jwt}");
    let r = send_with(
        &base,
        "GET",
        &q("/ng/api/organizations", "").replace(SMALL_ACCOUNT, &account),
        &[("Authorization", &bearer), ("Harness-Account", &account)],
        None,
    );
    let e = error(&r, 401);
    assert_eq!(e.code.as_deref(), Some("EXPIRED_TOKEN"));
    assert_eq!(e.message.as_deref(), Some("Token expired."));
}
