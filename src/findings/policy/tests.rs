//! Policy file parsing: every key, every refusal and its message.
use super::*;
use chrono::TimeZone;

fn parse(text: &str) -> Result<Policy, PolicyError> {
    Policy::parse(Path::new("policy.toml"), text.as_bytes())
}

const FULL: &str = r#"
[thresholds]
inactive_days = 30
max_account_admins = 2
token_max_days = 90

[rules.direct-user-grant]
level = "allow"

[rules.inactive-user]
severity = "high"
level = "deny"

[[sod]]
name = "secrets-and-groups"
description = "Manages groups and reads secrets"
permissions = ["core_usergroup_manage", "core_secret_access"]

[service_accounts]
owner_tags = ["owner", "team"]

[service_accounts.owners]
"sa:org:ops/ops_runner" = "sre-lead@example.com"

[[exempt]]
rule = "admin-without-2fa"
principal = "victor.haldane@example.com"
reason = "Hardware key on order"
approved_by = "ciso@example.com"
expires = 2026-12-31

[[exempt]]
rule = "excess-admins"
scope = "account"
reason = "Migration"
approved_by = "ciso@example.com"
expires = "2026-01-31"
"#;

#[test]
fn defaults_are_the_documented_ones() {
    let p = Policy::default();
    assert_eq!(p.thresholds.inactive_days, 90);
    assert_eq!(p.thresholds.max_account_admins, 5);
    assert_eq!(p.thresholds.token_max_days, 365);
    assert_eq!(p.rules.len(), Rule::ALL.len());
    assert!(p.rules.values().all(|r| r.level == Level::Warn));
    assert!(p.sod_defaults);
    assert_eq!(p.service_accounts.owner_tags, vec!["owner"]);
    // An empty file is the defaults, with the file recorded.
    let e = parse("").unwrap();
    assert_eq!(e.thresholds, p.thresholds);
    assert_eq!(e.source.kind, "file");
    assert_eq!(e.source.file_name.as_deref(), Some("policy.toml"));
}

#[test]
fn every_section_is_read() {
    let p = parse(FULL).unwrap();
    assert_eq!(p.thresholds.inactive_days, 30);
    assert_eq!(p.thresholds.max_account_admins, 2);
    assert_eq!(p.thresholds.token_max_days, 90);
    assert_eq!(p.rule(Rule::DirectUserGrant).level, Level::Allow);
    let inactive = p.rule(Rule::InactiveUser);
    assert_eq!(inactive.level, Level::Deny);
    assert_eq!(inactive.severity, Severity::High);
    assert_eq!(inactive.default_severity, Severity::Medium);
    assert!(!p.sod_defaults);
    assert_eq!(p.sod[0].permissions.len(), 2);
    assert_eq!(p.service_accounts.owner_tags, vec!["owner", "team"]);
    assert_eq!(
        p.service_accounts.owners["sa:org:ops/ops_runner"],
        "sre-lead@example.com"
    );
    assert_eq!(p.exemptions.len(), 2);
    assert_eq!(
        p.exemptions[0].expires,
        NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
    );
    assert_eq!(
        p.exemptions[1].expires,
        NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()
    );
}

#[test]
fn an_empty_sod_list_turns_the_default_set_off() {
    let p = parse("sod = []\n").unwrap();
    assert!(p.sod.is_empty());
    assert!(!p.sod_defaults);
}

#[test]
fn reviewers_name_a_default_scopes_and_the_manager_rule() {
    let p = parse(
        "[reviewers]\ndefault = \"SecOps@Example.com\"\n\"org:payments\" = \"pat@example.com\"\n\"project:research/ml\" = \"ml-lead@example.com\"\nby_manager = true\nrubber_stamp_rows = 5\n",
    )
    .unwrap();
    let r = p.reviewers.unwrap();
    assert_eq!(r.default.as_deref(), Some("secops@example.com"));
    assert_eq!(r.scopes["org:payments"], "pat@example.com");
    assert_eq!(r.scopes["project:research/ml"], "ml-lead@example.com");
    assert!(r.by_manager);
    assert_eq!(r.rubber_stamp_rows, 5);
    // Without the table there is no campaign, and findings.json says
    // nothing about reviewers.
    let p = parse("").unwrap();
    assert!(p.reviewers.is_none());
    assert!(!serde_json::to_string(&p).unwrap().contains("reviewers"));
    for (text, want) in [
        (
            "[reviewers]\n\"team:x\" = \"a@example.com\"\n",
            "reviewers.\"team:x\": not a scope",
        ),
        (
            "[reviewers]\ndefault = \"nobody\"\n",
            "reviewers.default: expected a reviewer's email",
        ),
        (
            "[reviewers]\nby_manager = \"yes\"\n",
            "reviewers.by_manager: expected true or false",
        ),
        (
            "[reviewers]\nrubber_stamp_rows = 0\n",
            "reviewers.rubber_stamp_rows: expected a number of rows",
        ),
    ] {
        let e = parse(text).expect_err(text).to_string();
        assert!(e.contains(want), "{e}");
    }
}

#[test]
fn errors_name_the_file_and_the_key_on_one_line() {
    let too_many_sod = format!(
        "[[sod]]\nname = \"x\"\npermissions = [{}]\n",
        (0..65)
            .map(|i| format!("\"core_p{i}_edit\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let cases: &[(&str, &str)] = &[
        ("[rules.admin-acess]\nlevel = \"deny\"\n", "policy.toml: rules.admin-acess: unknown rule code"),
        ("[rules.inactive-user]\nlevel = \"block\"\n", "policy.toml: rules.inactive-user.level: unknown variant"),
        ("[rules.inactive-user]\nseverity = \"extreme\"\n", "policy.toml: rules.inactive-user.severity: unknown variant"),
        ("[thresholds]\ninactive_dayz = 3\n", "policy.toml: thresholds.inactive_dayz: unknown field `inactive_dayz`"),
        ("[thresholds]\ninactive_days = \"ninety\"\n", "policy.toml: thresholds.inactive_days:"),
        ("[thresholds]\ninactive_days = 0\n", "policy.toml: thresholds.inactive_days: must be at least 1"),
        ("[[exempt]]\nrule = \"inactive-user\"\nprincipal = \"x\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = \"soon\"\n", "policy.toml: exempt[0].expires: expected a date"),
        ("[[exempt]]\nrule = \"inactive-user\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = 2026-01-01\n", "policy.toml: exempt[0]: names no principal"),
        ("[[exempt]]\nrule = \"inactive-user\"\nprincipal = \"x\"\napproved_by = \"a\"\nexpires = 2026-01-01\n", "policy.toml: exempt[0]: missing field `reason`"),
        ("[[sod]]\nname = \"x\"\npermissions = [\"core_pipeline_edit\"]\n", "policy.toml: sod[0].permissions: needs at least two"),
        ("[service_accounts.owners]\nops_runner = \"me\"\n", "policy.toml: service_accounts.owners.\"ops_runner\": expected a service account"),
        (&too_many_sod, "policy.toml: sod[0].permissions: names 65 permissions; a set holds at most 64"),
        ("inactive_days = 30\n", "policy.toml: inactive_days: unknown field `inactive_days`"),
        ("[rules\n", "policy.toml: line 1, column"),
    ];
    for (text, want) in cases {
        let e = parse(text).expect_err(text).to_string();
        assert!(e.starts_with(want), "{text:?}\n got: {e}\nwant: {want}");
        assert!(!e.contains('\n'), "one line: {e}");
    }
}

#[test]
fn an_exemption_applies_through_its_expiry_day_and_then_says_it_expired() {
    let p = parse(FULL).unwrap();
    let e = &p.exemptions[0];
    let on_the_day = Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
    let day_after = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    assert!(e.is_active(on_the_day));
    assert!(!e.is_active(day_after));
    let s = e.status(day_after);
    assert!(!s.active);
    assert_eq!(
        s.note,
        "exemption expired on 2026-12-31; finding applies again"
    );
    assert!(e
        .status(on_the_day)
        .note
        .starts_with("exempt until 2026-12-31"));
}
