//! `reviewpack explain` on the demo account: paths, questions, dormant
//! bindings, JSON, and errors.

use crate::util::{demo, reviewpack, stderr_of};

fn explain(args: &[&str]) -> (String, String, Option<i32>) {
    let out = reviewpack()
        .arg("explain")
        .arg(demo())
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout.clone()).unwrap(),
        stderr_of(&out),
        out.status.code(),
    )
}

#[test]
fn admin_through_a_group_shows_the_whole_path() {
    let (out, err, code) = explain(&["amara.okonkwo@example.com"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("highest privilege: admin (admin of: account)"),
        "{out}"
    );
    assert!(out.contains("via group:account/platform_admins"), "{out}");
    assert!(
        out.contains("role_assignment_QTW4VF2ln4HrZi6fDpCQ"),
        "{out}"
    );
    insta::assert_snapshot!("explain__admin_via_group", out);
}

#[test]
fn narrow_account_admin_is_not_account_admin() {
    // _account_admin on a resource group covering one project (PL-47632).
    let (out, _, code) = explain(&[
        "priya.raman@example.com",
        "--permission",
        "core_user_manage",
        "--scope",
        "account",
    ]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("Can it do core_user_manage on account? NO"),
        "{out}"
    );

    let (out, _, _) = explain(&[
        "priya.raman@example.com",
        "--permission",
        "core_user_manage",
        "--scope",
        "project:eng/payments",
    ]);
    assert!(
        out.contains("Can it do core_user_manage on project:eng/payments? YES"),
        "{out}"
    );
    assert!(
        out.contains("role_assignment_WxOUhMbJ4ZaWOgiHwTrJ"),
        "{out}"
    );
    insta::assert_snapshot!("explain__narrow_admin_question", out);
}

#[test]
fn disabled_assignment_is_dormant_not_access() {
    let (out, _, code) = explain(&["marcus.feld@example.com"]);
    assert_eq!(code, Some(0));
    assert!(!out.contains("admin of: account"), "{out}");
    let dormant = out.split("Dormant").nth(1).expect("a dormant section");
    assert!(
        dormant.contains("role_assignment_GpYkk2sXrizI5RPn7T7r"),
        "{out}"
    );
    assert!(dormant.contains("admin of account"), "{out}");
}

#[test]
fn service_account_explains_as_json() {
    let (out, err, code) = explain(&["sa:account/terraform_automation", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["principal"]["kind"], "service_account");
    assert_eq!(v["highest_privilege"], "admin");
    assert_eq!(v["admin_of"], serde_json::json!(["account"]));
    insta::assert_json_snapshot!("explain__service_account_json", v);
}

#[test]
fn resource_filter_keeps_only_permissions_on_its_types() {
    // org:eng/eng_pipelines holds PIPELINE resources only: through it the
    // eng_deployer role executes pipelines but its connector permission
    // does not survive the filter.
    let via_filter = "role_assignment_OwGL807yhfCpqJujnhKg";
    let (out, _, _) = explain(&[
        "hana.kobayashi@example.com",
        "--permission",
        "core_pipeline_execute",
    ]);
    assert!(out.contains(via_filter), "{out}");
    let (out, _, _) = explain(&[
        "hana.kobayashi@example.com",
        "--permission",
        "core_connector_access",
    ]);
    assert!(out.contains("YES"), "through other grants: {out}");
    assert!(!out.contains(via_filter), "{out}");
}

#[test]
fn hostile_names_are_printed_as_text() {
    let (out, _, code) = explain(&["hyperlink.test@example.org"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("=HYPERLINK(\"http://example.invalid\",\"click\")"),
        "{out}"
    );
}

#[test]
fn unknown_principal_and_bad_scope_are_errors() {
    let (_, err, code) = explain(&["nobody@example.com"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no principal \"nobody@example.com\""), "{err}");
    let (_, err, code) = explain(&["grace.ito@example.com", "--scope", "proj:x"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("invalid scope"), "{err}");
}

#[test]
fn lookups_by_uuid_and_email_case_agree() {
    let (a, _, _) = explain(&["UsfiwXh58RFui0QfrbY6h_", "--json"]);
    let (b, _, _) = explain(&["Grace.Ito@Example.com", "--json"]);
    assert_eq!(a, b);
}

/// `explain` shows the new escalation steps: a project service account
/// named like the account's admin service account holds its grants (P6),
/// said as unverified.
#[test]
fn a_reused_service_account_identifier_is_explained() {
    let dir = crate::util::tempdir();
    let path = dir.path().join("snap.json");
    let mut snap: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo()).unwrap()).unwrap();
    let sas = snap["service_accounts"].as_array_mut().unwrap();
    let mut twin = sas
        .iter()
        .find(|s| s["id"] == "terraform_automation")
        .unwrap()
        .clone();
    twin["scope"] = "project:eng/checkout".into();
    twin["name"] = "Checkout helper".into();
    sas.push(twin);
    // The snapshot's own order: by scope, then identifier.
    let mut loaded: reviewpack::snapshot::Snapshot = serde_json::from_value(snap).unwrap();
    loaded.normalize();
    let counted = loaded
        .completeness
        .lists
        .iter_mut()
        .find(|l| {
            l.endpoint == "GET /ng/api/serviceaccount/aggregate"
                && l.scope.to_string() == "project:eng/checkout"
        })
        .unwrap();
    counted.stored += 1;
    counted.total_items = counted.total_items.map(|t| t + 1);
    std::fs::write(&path, reviewpack::snapshot::to_bytes(&loaded)).unwrap();
    let out = reviewpack()
        .arg("explain")
        .arg(&path)
        .arg("sa:project:eng/checkout/terraform_automation")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        text.contains("reuse-service-account-identifier sa:account/terraform_automation"),
        "{text}"
    );
    assert!(text.contains("shares its identifier"), "{text}");
    assert!(text.contains("unverified for current Harness"), "{text}");
}

#[test]
fn impersonating_an_admin_is_explained() {
    // The second account assignment binds _account_viewer to a user; make
    // its role a custom one holding core_user_impersonate.
    let dir = crate::util::tempdir();
    let path = dir.path().join("snap.json");
    let mut snap: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo()).unwrap()).unwrap();
    let roles = snap["roles"].as_array_mut().unwrap();
    let mut support = roles
        .iter()
        .find(|r| r["id"] == "group_manager" && r["scope"] == "account")
        .unwrap()
        .clone();
    support["id"] = "support_impersonation".into();
    support["name"] = "Support impersonation".into();
    support["permissions"] = serde_json::json!(["core_user_impersonate"]);
    roles.push(support);
    let ra = snap["role_assignments"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a["id"] == "role_assignment_EwnfHrWbDCqCW6lrbenK")
        .unwrap();
    let who = ra["principal"]["id"].as_str().unwrap().to_string();
    ra["role"]["id"] = "support_impersonation".into();
    let mut loaded: reviewpack::snapshot::Snapshot = serde_json::from_value(snap).unwrap();
    loaded.normalize();
    std::fs::write(&path, reviewpack::snapshot::to_bytes(&loaded)).unwrap();
    let out = reviewpack()
        .arg("explain")
        .arg(&path)
        .arg(&who)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(text.contains("impersonate-user"), "{text}");
    assert!(text.contains("can impersonate"), "{text}");
    assert!(text.contains("admin of account"), "{text}");
}
