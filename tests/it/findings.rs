//! Findings through the CLI: every rule on the demo account, `--fail-on`,
//! policy files (levels, exemptions active and expired, bad files), the
//! JSON Schema of findings.json, and escalation paths in `explain`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::fake_harness::FakeHarness;
use crate::util::{demo, read, reviewpack, root, stderr_of, tempdir};

/// Rules the demo cannot trigger on its own: the roster rules need
/// `--roster` (tests/it/roster.rs runs them with samples/roster/), the
/// demo snapshot is complete, every group member is a user of it and no name
/// hides a character (tests/it/pack.rs runs those two rules on a copy of the
/// demo that has them).
const NOT_ON_DEMO: &[&str] = &[
    "not-in-roster",
    "roster-terminated",
    "unknown-group-member",
    "deceptive-name",
    "population-incomplete",
    // Produced by `diff --decisions`; tests/it/diff.rs covers it.
    "revocation-not-done",
    "modification-not-done",
    "remediation-late",
];

fn report(snapshot: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    reviewpack()
        .arg("report")
        .arg(snapshot)
        .arg("-o")
        .arg(out)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap()
}

fn findings_json(pack: &Path) -> Value {
    serde_json::from_str(&read(&pack.join("findings.json"))).unwrap()
}

fn rules_of(doc: &Value) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        *m.entry(f["rule"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    m
}

fn write_policy(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Every design rule code, from the schema (one list, checked against the
/// binary's output below).
fn all_codes() -> Vec<String> {
    let schema = schema();
    schema["$defs"]["rule_code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn report_on_the_demo_lists_every_rule() {
    let dir = tempdir();
    let pack = dir.path().join("pack");
    let out = report(&demo(), &pack, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc = findings_json(&pack);
    let seen = rules_of(&doc);
    for code in all_codes() {
        if NOT_ON_DEMO.contains(&code.as_str()) {
            continue;
        }
        assert!(
            seen.contains_key(&code),
            "no {code} finding on the demo: {seen:?}"
        );
    }
    // The roster rules and the diff's rule are listed as not evaluated, with why.
    let skipped: Vec<(&str, &str)> = doc["rules_not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["rule"].as_str().unwrap(), x["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            ("not-in-roster", "needs --roster FILE"),
            ("roster-terminated", "needs --roster FILE"),
            (
                "revocation-not-done",
                "checked by `diff --decisions`, not by `report`"
            ),
            (
                "modification-not-done",
                "checked by `diff --decisions`, not by `report`"
            ),
            (
                "remediation-late",
                "checked by `diff --decisions`, not by `report`"
            )
        ]
    );
    assert_eq!(doc["rules_evaluated"].as_array().unwrap().len(), 22);
    // One summary line on stderr, by severity.
    let err = stderr_of(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("reviewpack: findings: "))
        .unwrap_or_else(|| panic!("no summary line in {err}"));
    assert!(
        line.contains(" critical, ") && line.ends_with(" exempt)"),
        "{line}"
    );
}

#[test]
fn demo_findings_are_the_documented_cases() {
    let dir = tempdir();
    let pack = dir.path().join("pack");
    assert!(report(&demo(), &pack, &[]).status.success());
    let doc = findings_json(&pack);
    let find = |rule: &str| -> Vec<&Value> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .collect()
    };
    let who = |rule: &str| -> BTreeSet<String> {
        find(rule)
            .iter()
            .map(|f| {
                let p = &f["principal"];
                p["email"]
                    .as_str()
                    .or(p["id"].as_str())
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    // Victor: direct admin, no 2FA. Bjørn (no 2FA, SSO-managed) is not here.
    assert_eq!(
        who("admin-without-2fa"),
        BTreeSet::from(["victor.haldane@example.com".to_string()])
    );
    // Priya's _account_admin on payments_only is not account admin.
    let account_admins: BTreeSet<String> = find("admin-access")
        .iter()
        .filter(|f| f["scope"] == "account")
        .map(|f| f["principal"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(account_admins.len(), 6);
    assert!(!account_admins.contains("awSSq_edNistBSbia4vKMO"));
    // Grace manages every account group: she can bind _account_admin to a
    // group of hers (Harness checks only the group permission), one step,
    // named by its assignment.
    let mut esc = find("privilege-escalation-path");
    // The review's own key lists tokens, so it holds manageapikey: it can
    // mint a token of the admin service account (docs/operations.md).
    assert_eq!(esc.len(), 2);
    let reader = esc.remove(
        esc.iter()
            .position(|f| f["principal"]["id"] == "sa:account/reviewpack_reader")
            .unwrap(),
    );
    assert_eq!(reader["evidence"]["path"][0]["action"], "mint-token");
    assert_eq!(esc[0]["principal"]["email"], "grace.ito@example.com");
    assert_eq!(esc[0]["scope"], "account");
    assert_eq!(
        esc[0]["evidence"]["assignment_ids"],
        serde_json::json!(["role_assignment_nJJJ1hWeOFGVc303vYTv"])
    );
    assert_eq!(esc[0]["evidence"]["path"][0]["action"], "bind-admin-role");
    // Céline's login 85 days ago is inside the 90-day threshold.
    let inactive = who("inactive-user");
    assert!(!inactive.contains("celine.dubois@example.com"));
    assert!(inactive.contains("kofi.asante@example.com"));
    // No login in the window reads "no login in 180 days", never "never".
    for f in find("inactive-user") {
        let m = f["message"].as_str().unwrap();
        assert!(!m.to_lowercase().contains("never"), "{m}");
    }
    assert!(find("inactive-user").iter().any(|f| f["message"]
        .as_str()
        .unwrap()
        .starts_with("No login in the 180 days")));
    // Gavin (disabled) and Pablo (locked).
    assert_eq!(
        who("disabled-user-with-access"),
        BTreeSet::from([
            "gavin.roche@example.com".to_string(),
            "pablo.serrano@example.com".to_string()
        ])
    );
    assert_eq!(
        who("service-account-no-owner"),
        BTreeSet::from(["ops_runner@service.example.com".to_string()])
    );
    // The id formula is the contract of design.md section 7.
    let victor = find("admin-without-2fa")[0];
    assert_eq!(
        victor["id"],
        reviewpack::findings::finding_id(
            "admin-without-2fa",
            "U-2nEAdY8lMTM6CcvKK4bA",
            "account",
            &[]
        )
        .as_str()
    );
}

#[test]
fn findings_are_sorted_and_ids_are_unique_and_stable() {
    let dir = tempdir();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    assert!(report(&demo(), &a, &[]).status.success());
    // A day earlier (inside the activity window: later than the capture
    // logins are unknown and inactive-user is not evaluated).
    assert!(report(&demo(), &b, &["--as-of", "2026-09-30T09:00:00Z"])
        .status
        .success());
    let da = findings_json(&a);
    let db = findings_json(&b);
    let ids = |d: &Value| -> Vec<String> {
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let ia = ids(&da);
    assert_eq!(ia.iter().collect::<BTreeSet<_>>().len(), ia.len(), "unique");
    // A day apart the same issues keep the same ids.
    let ib: BTreeSet<String> = ids(&db).into_iter().collect();
    assert!(ia.iter().all(|i| ib.contains(i)));
    let rank = |s: &str| {
        ["critical", "high", "medium", "low", "info"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let keys: Vec<(usize, String)> = da["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                rank(f["severity"].as_str().unwrap()),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn fail_on_sets_exit_code_1_only_at_or_above_the_severity() {
    let dir = tempdir();
    // The demo has high findings and no critical one.
    let out = report(&demo(), &dir.path().join("a"), &["--fail-on", "high"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("failing:"), "{}", stderr_of(&out));
    // The pack is still written: exit 1 is success with findings.
    assert!(dir.path().join("a/findings.json").exists());
    let out = report(&demo(), &dir.path().join("b"), &["--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let out = report(&demo(), &dir.path().join("c"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));

    let out = report(&demo(), &dir.path().join("d"), &["--fail-on", "severe"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--fail-on \"severe\" is not a severity"),
        "{err}"
    );
    assert!(!dir.path().join("d").exists());
}

/// Exempts every high finding of the demo until 2026-12-31.
const EXEMPT_HIGHS: &str = r#"
[[exempt]]
rule = "admin-without-2fa"
principal = "victor.haldane@example.com"
reason = "Hardware key on order"
approved_by = "ciso@example.com"
expires = 2026-12-31

[[exempt]]
rule = "all-users-group-privileged"
principal = "group:org:eng/_organization_all_users"
reason = "Deploy role for all engineers, accepted by the CTO"
approved_by = "cto@example.com"
expires = 2026-12-31

[[exempt]]
rule = "disabled-user-with-access"
scope = "account"
reason = "Leavers offboarded in the next sprint"
approved_by = "it-lead@example.com"
expires = 2026-12-31

[[exempt]]
rule = "privilege-escalation-path"
principal = "grace.ito@example.com"
reason = "Helpdesk lead, monitored"
approved_by = "ciso@example.com"
expires = 2026-12-31

[[exempt]]
rule = "privilege-escalation-path"
principal = "sa:account/reviewpack_reader"
reason = "The review's own key (lists tokens); its token is revoked after each pull"
approved_by = "ciso@example.com"
expires = 2026-12-31

[[exempt]]
rule = "service-account-admin"
principal = "sa:account/terraform_automation"
reason = "Terraform manages the account"
approved_by = "ciso@example.com"
expires = "2026-12-31"
"#;

#[test]
fn an_active_exemption_hides_a_finding_from_fail_on_and_an_expired_one_does_not() {
    let dir = tempdir();
    let policy = write_policy(dir.path(), "policy.toml", EXEMPT_HIGHS);
    let p = policy.to_str().unwrap();

    let out = report(
        &demo(),
        &dir.path().join("active"),
        &["--policy", p, "--fail-on", "high"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let doc = findings_json(&dir.path().join("active"));
    let highs: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "high")
        .collect();
    assert_eq!(highs.len(), 7);
    for f in &highs {
        let e = &f["exempted"];
        assert_eq!(e["active"], true, "{f}");
        assert!(e["note"]
            .as_str()
            .unwrap()
            .starts_with("exempt until 2026-12-31"));
    }
    assert_eq!(doc["summary"]["exempt"], 7);
    assert_eq!(doc["summary"]["open_by_severity"]["high"], 0);
    // The effective policy is recorded, with the file's hash, not its path.
    assert_eq!(doc["policy"]["source"]["kind"], "file");
    assert_eq!(doc["policy"]["source"]["file_name"], "policy.toml");
    assert_eq!(
        doc["policy"]["source"]["sha256"],
        reviewpack::snapshot::sha256_hex(EXEMPT_HIGHS.as_bytes()).as_str()
    );
    assert_eq!(doc["policy"]["exemptions"].as_array().unwrap().len(), 6);

    // A day after expiry the exemptions stop applying and say so.
    let out = report(
        &demo(),
        &dir.path().join("expired"),
        &[
            "--policy",
            p,
            "--fail-on",
            "high",
            "--as-of",
            "2027-01-01T00:00:00Z",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let doc = findings_json(&dir.path().join("expired"));
    let victor = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "admin-without-2fa")
        .unwrap();
    assert_eq!(victor["exempted"]["active"], false);
    assert_eq!(
        victor["exempted"]["note"],
        "exemption expired on 2026-12-31; finding applies again"
    );
    assert_eq!(doc["summary"]["exempt"], 0);
}

#[test]
fn policy_levels_allow_and_deny_and_severity_overrides() {
    let dir = tempdir();
    let policy = write_policy(
        dir.path(),
        "levels.toml",
        r#"
[thresholds]
max_account_admins = 10

[rules.unmanaged-user]
level = "allow"

[rules.direct-user-grant]
level = "deny"

[rules.inactive-user]
severity = "critical"
"#,
    );
    let out = report(
        &demo(),
        &dir.path().join("p"),
        &["--policy", policy.to_str().unwrap()],
    );
    // deny fails the run without --fail-on.
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let doc = findings_json(&dir.path().join("p"));
    let seen = rules_of(&doc);
    assert!(!seen.contains_key("unmanaged-user"));
    assert!(
        !seen.contains_key("excess-admins"),
        "threshold raised to 10"
    );
    assert!(
        doc["rules_not_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["rule"] == "unmanaged-user"
                && x["reason"] == "level = \"allow\" in the policy")
    );
    for f in doc["findings"].as_array().unwrap() {
        if f["rule"] == "inactive-user" {
            assert_eq!(f["severity"], "critical");
        }
    }
    assert_eq!(
        doc["policy"]["rules"]["inactive-user"]["default_severity"],
        "medium"
    );
    assert_eq!(doc["policy"]["thresholds"]["max_account_admins"], 10);
}

#[test]
fn a_bad_policy_file_is_one_line_naming_the_file_and_key_and_exit_2() {
    let dir = tempdir();
    let cases = [
        ("typo.toml", "[rules.admin-acess]\nlevel = \"deny\"\n", "rules.admin-acess: unknown rule code"),
        ("level.toml", "[rules.inactive-user]\nlevel = \"block\"\n", "rules.inactive-user.level: unknown variant `block`"),
        ("date.toml", "[[exempt]]\nrule = \"inactive-user\"\nprincipal = \"x\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = \"next year\"\n", "exempt[0].expires: expected a date"),
        ("syntax.toml", "[thresholds\n", "syntax.toml: line 1, column"),
    ];
    for (name, text, want) in cases {
        let p = write_policy(dir.path(), name, text);
        let pack = dir.path().join(format!("pack-{name}"));
        let out = report(&demo(), &pack, &["--policy", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr_of(&out);
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with("reviewpack: "), "{err}");
        assert!(err.contains(name), "names the file: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(!pack.exists(), "nothing written for {name}");
    }
    let out = report(
        &demo(),
        &dir.path().join("missing"),
        &["--policy", dir.path().join("nope.toml").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("cannot read the policy file"));
}

#[test]
fn an_incomplete_snapshot_gives_a_critical_population_finding() {
    let dir = tempdir();
    let mut snap: Value = serde_json::from_str(&read(&demo())).unwrap();
    snap["completeness"]["complete"] = Value::Bool(false);
    let list = &mut snap["completeness"]["lists"][0];
    list["complete"] = Value::Bool(false);
    list["note"] = Value::String("totalItems 12, stored 9".into());
    let path = dir.path().join("partial.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&snap).unwrap()).unwrap();
    let out = report(&path, &dir.path().join("p"), &["--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let doc = findings_json(&dir.path().join("p"));
    let first = &doc["findings"][0];
    assert_eq!(first["rule"], "population-incomplete");
    assert_eq!(first["severity"], "critical");
    assert_eq!(
        first["evidence"]["incomplete_lists"][0]["note"],
        "totalItems 12, stored 9"
    );
    assert!(validate_doc(&doc).is_empty());
}

// --- findings.json against docs/findings-schema.json --------------------------

fn schema() -> Value {
    serde_json::from_str(&read(&root().join("docs/findings-schema.json"))).unwrap()
}

/// Validates `doc` against the schema; returns the errors.
fn validate_doc(doc: &Value) -> Vec<String> {
    let schema = schema();
    let mut errors = Vec::new();
    validate(&schema, &schema, doc, "$", &mut errors);
    errors
}

/// A validator for the subset of JSON Schema (2020-12) that
/// docs/findings-schema.json uses. Any other keyword is a test failure, so
/// the schema cannot drift into what this does not check.
fn validate(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        panic!("schema at {at} is not an object");
    };
    for (k, rule) in obj {
        match k.as_str() {
            "$schema" | "$id" | "title" | "description" | "$defs" => {}
            "$ref" => {
                let name = rule
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .unwrap_or_else(|| panic!("unsupported $ref {rule}"));
                let target = &root["$defs"][name];
                assert!(!target.is_null(), "dangling $ref {name}");
                validate(root, target, v, at, errors);
            }
            "type" => {
                let types: Vec<&str> = match rule {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().map(|t| t.as_str().unwrap()).collect(),
                    _ => panic!("bad type at {at}"),
                };
                let ok = types.iter().any(|t| match *t {
                    "object" => v.is_object(),
                    "array" => v.is_array(),
                    "string" => v.is_string(),
                    "boolean" => v.is_boolean(),
                    "null" => v.is_null(),
                    "integer" => v.is_i64() || v.is_u64(),
                    "number" => v.is_number(),
                    other => panic!("unknown type {other}"),
                });
                if !ok {
                    errors.push(format!("{at}: expected {types:?}, got {v}"));
                }
            }
            "const" => {
                if v != rule {
                    errors.push(format!("{at}: expected {rule}, got {v}"));
                }
            }
            "enum" => {
                if !rule.as_array().unwrap().contains(v) {
                    errors.push(format!("{at}: {v} not in {rule}"));
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for r in rule.as_array().unwrap() {
                        if !o.contains_key(r.as_str().unwrap()) {
                            errors.push(format!("{at}: missing {r}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (name, sub) in rule.as_object().unwrap() {
                        if let Some(x) = o.get(name) {
                            validate(root, sub, x, &format!("{at}.{name}"), errors);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(o) = v.as_object() {
                    let known = obj.get("properties").and_then(Value::as_object);
                    for (name, x) in o {
                        if known.is_some_and(|k| k.contains_key(name)) {
                            continue;
                        }
                        match rule {
                            Value::Bool(false) => {
                                errors.push(format!("{at}: unexpected key {name}"))
                            }
                            Value::Bool(true) => {}
                            sub => validate(root, sub, x, &format!("{at}.{name}"), errors),
                        }
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, x) in a.iter().enumerate() {
                        validate(root, rule, x, &format!("{at}[{i}]"), errors);
                    }
                }
            }
            "minItems" => {
                if let Some(a) = v.as_array() {
                    if (a.len() as u64) < rule.as_u64().unwrap() {
                        errors.push(format!("{at}: fewer than {rule} items"));
                    }
                }
            }
            "minLength" | "maxLength" => {
                if let Some(s) = v.as_str() {
                    let n = s.chars().count() as u64;
                    let lim = rule.as_u64().unwrap();
                    if (k == "minLength" && n < lim) || (k == "maxLength" && n > lim) {
                        errors.push(format!("{at}: length {n} violates {k} {lim}"));
                    }
                }
            }
            "minimum" => {
                if let Some(n) = v.as_f64() {
                    if n < rule.as_f64().unwrap() {
                        errors.push(format!("{at}: {n} below {rule}"));
                    }
                }
            }
            "format" => {
                if let Some(s) = v.as_str() {
                    let ok = match rule.as_str().unwrap() {
                        "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                        "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
                        other => panic!("unsupported format {other}"),
                    };
                    if !ok {
                        errors.push(format!("{at}: {s:?} is not a {rule}"));
                    }
                }
            }
            other => panic!("schema keyword {other} at {at} is outside the supported subset"),
        }
    }
}

#[test]
fn findings_json_validates_against_the_schema_in_docs() {
    let dir = tempdir();
    let policy = write_policy(dir.path(), "policy.toml", EXEMPT_HIGHS);
    let roster = root().join("samples/roster/hr.csv");
    for (name, extra) in [
        ("defaults", vec![]),
        ("policy", vec!["--policy", policy.to_str().unwrap()]),
        ("roster", vec!["--roster", roster.to_str().unwrap()]),
        (
            "expired",
            vec![
                "--policy",
                policy.to_str().unwrap(),
                "--as-of",
                "2027-06-01T00:00:00Z",
            ],
        ),
    ] {
        let pack = dir.path().join(name);
        let out = report(&demo(), &pack, &extra);
        assert!(out.status.success(), "{name}: {}", stderr_of(&out));
        let doc = findings_json(&pack);
        let errors = validate_doc(&doc);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    // The validator does reject what the schema forbids.
    let mut doc = findings_json(&dir.path().join("defaults"));
    doc["findings"][0]["severity"] = Value::String("severe".into());
    doc["findings"][0]["extra"] = Value::Bool(true);
    doc["findings"][1]["id"] = Value::String("short".into());
    doc.as_object_mut().unwrap().remove("as_of");
    let errors = validate_doc(&doc);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    // The schema's rule codes are the binary's.
    let codes: Vec<String> = reviewpack::findings::Rule::ALL
        .iter()
        .map(|r| r.code().to_string())
        .collect();
    assert_eq!(codes, all_codes());
}

#[test]
fn rules_md_has_a_section_per_rule_code() {
    let text = read(&root().join("docs/rules.md"));
    for code in all_codes() {
        let heading = format!("\n## `{code}`\n");
        assert!(text.contains(&heading), "docs/rules.md lacks {heading:?}");
    }
}

// --- explain ------------------------------------------------------------------

#[test]
fn explain_shows_the_escalation_path_step_by_step() {
    let out = reviewpack()
        .args(["explain"])
        .arg(demo())
        .arg("grace.ito@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Escalation paths to admin (1):"), "{text}");
    assert!(
        text.contains("1) bind-admin-role admin of account"),
        "{text}"
    );
    // The single steps open now include joining platform_admins.
    assert!(text.contains("group:account/platform_admins"), "{text}");
    assert!(
        text.contains("role_assignment_nJJJ1hWeOFGVc303vYTv"),
        "{text}"
    );
    assert!(text.contains("Can become"), "{text}");

    let out = reviewpack()
        .args(["explain", "--json"])
        .arg(demo())
        .arg("grace.ito@example.com")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = v["escalation_paths"][0]["steps"].as_array().unwrap();
    assert_eq!(v["escalation_paths"][0]["admin_of"], "account");
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["action"], "bind-admin-role");
    assert_eq!(steps[0]["permission"], "core_usergroup_manage");

    // An account admin has nothing to escalate to.
    let out = reviewpack()
        .args(["explain", "--json"])
        .arg(demo())
        .arg("amara.okonkwo@example.com")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["escalation_paths"], serde_json::json!([]));
    assert_eq!(v["can_become"], serde_json::json!([]));
}

// --- run ----------------------------------------------------------------------

#[test]
fn run_passes_the_fail_on_exit_code_through() {
    const KEY: &str = crate::util::DEMO_KEY;
    let snap = reviewpack::snapshot::load(&demo()).unwrap().snapshot;
    let fake = FakeHarness::start(snap, KEY);
    let dir = tempdir();
    for (name, fail_on, want) in [("high", "high", 1), ("critical", "critical", 0)] {
        let pack = dir.path().join(name);
        let out = reviewpack()
            .env("HARNESS_API_KEY", KEY)
            .arg("run")
            .args(["--base-url", &fake.base_url(), "--rate-limit", "0"])
            .args(["--activity-end", "2026-10-01T09:00:00Z"])
            .args(["--fail-on", fail_on, "-o", pack.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(want), "{}", stderr_of(&out));
        assert!(pack.join("findings.json").exists());
    }
}

#[test]
fn unmanaged_privileged_group_on_the_demo_is_the_hand_managed_admin_group_only() {
    let dir = tempdir();
    let pack = dir.path().join("pack");
    assert!(report(&demo(), &pack, &[]).status.success());
    let doc = findings_json(&pack);
    let hits: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unmanaged-privileged-group")
        .collect();
    // `project:ops/infra/infra_oncall` (2 members) holds `_project_admin`
    // and is neither SAML-linked nor SCIM-provisioned; the SAML-linked
    // `account/platform_admins` (also admin) is the near miss, and the empty
    // `org:ops/incident_commanders` is empty-privileged-group's alone.
    let who: Vec<&str> = hits
        .iter()
        .map(|f| f["principal"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(who, vec!["group:project:ops/infra/infra_oncall"]);
    assert!(hits[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("its 2 members are managed by hand in Harness."));
    assert_eq!(hits[0]["severity"], "medium");
    assert_eq!(hits[0]["evidence"]["highest_privilege"], "admin");
    assert_eq!(
        hits[0]["evidence"]["scim_evidence"],
        "group flags (sso_linked, externally_managed)"
    );
}

#[test]
fn as_of_after_the_capture_leaves_inactive_user_unevaluated_and_says_so() {
    let dir = tempdir();
    let pack = dir.path().join("pack");
    let out = report(&demo(), &pack, &["--as-of", "2026-12-01T00:00:00Z"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("inactive-user not evaluated") && stderr.contains("pull a fresh snapshot"),
        "{stderr}"
    );
    let doc = findings_json(&pack);
    let skipped = doc["rules_not_evaluated"].as_array().unwrap();
    assert!(skipped.iter().any(|r| r["rule"] == "inactive-user"
        && r["reason"]
            .as_str()
            .unwrap()
            .contains("outside the activity window")));
    assert!(!doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "inactive-user"));
}

#[test]
fn the_demo_pack_tells_one_story_per_principal() {
    let dir = tempdir();
    let pack = dir.path().join("pack");
    assert!(report(&demo(), &pack, &[]).status.success());
    let doc = findings_json(&pack);
    let mut rules_of: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for f in doc["findings"].as_array().unwrap() {
        if let Some(id) = f["principal"]["id"].as_str() {
            rules_of
                .entry(id.to_string())
                .or_default()
                .insert(f["rule"].as_str().unwrap().to_string());
        }
    }
    let folded: Vec<&str> = reviewpack::findings::FOLDED_INTO_DISABLED_USER
        .iter()
        .map(|r| r.code())
        .collect();
    for (who, rules) in &rules_of {
        assert!(
            !(rules.contains("empty-privileged-group")
                && rules.contains("unmanaged-privileged-group")),
            "{who}: {rules:?}"
        );
        if rules.contains("disabled-user-with-access") {
            for r in &folded {
                assert!(
                    !rules.contains(*r),
                    "{who}: {r} beside disabled-user-with-access"
                );
            }
        }
    }
    // Gavin (disabled) keeps his direct grant, folded into his one finding.
    let gavin = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["rule"] == "disabled-user-with-access"
                && f["principal"]["email"] == "gavin.roche@example.com"
        })
        .unwrap();
    assert_eq!(
        gavin["evidence"]["also_found"][0]["rule"],
        "direct-user-grant"
    );
    // One SoD cause, one finding: the release managers share theirs.
    let sod: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "sod-conflict")
        .collect();
    assert_eq!(sod.len(), 2, "{sod:?}");
    let shared = sod
        .iter()
        .find(|f| f["evidence"]["principals_affected_count"] == 3)
        .expect("a shared cause");
    assert!(shared["principal"].is_null());
}
