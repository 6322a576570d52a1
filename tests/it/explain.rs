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
