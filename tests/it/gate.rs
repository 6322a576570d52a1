//! The gate of `report`, `diff` and `run`: what fails, said on stderr even
//! with `-q`, and recorded in findings.json and diff.json.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::util::{demo, read, reviewpack, root, stderr_of, tempdir};

fn quarter(name: &str) -> PathBuf {
    root().join("samples/quarter").join(name)
}

fn diff(out: &Path, gate: &[&str]) -> Output {
    reviewpack()
        .arg("-q")
        .arg("diff")
        .arg(quarter("q3.json"))
        .arg(quarter("q4.json"))
        .args(["--format", "json", "--force", "-o"])
        .arg(out)
        .args(gate)
        .output()
        .unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

fn fail_lines(out: &Output) -> Vec<String> {
    stderr_of(out)
        .lines()
        .filter(|l| l.starts_with("reviewpack: FAIL "))
        .map(str::to_string)
        .collect()
}

#[test]
fn diff_fails_on_what_is_new_and_says_which_and_why_even_quietly() {
    let dir = tempdir();
    let out_dir = dir.path().join("d");
    let out = diff(&out_dir, &["--fail-on", "high"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    // q4's one new high finding, not the six carried over from q3.
    let lines = fail_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("reviewpack: FAIL high privilege-escalation-path priya.raman@example.com at project:eng/checkout [finding "),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with("]: new since the previous snapshot; high is at or above --fail-on high; no exemption matches"),
        "{}",
        lines[0]
    );
    assert!(stderr_of(&out).contains("judged: new findings since the previous snapshot): exit 1"));
    let gate = &json(&out_dir.join("diff.json"))["gate"];
    assert_eq!(gate["passed"], false);
    assert_eq!(gate["judged"], "new findings since the previous snapshot");
    assert_eq!(gate["fail_on"], "high");
    let failing = gate["failing"].as_array().unwrap();
    assert_eq!(failing.len(), 1);
    assert!(lines[0].contains(failing[0]["id"].as_str().unwrap()));

    // --fail-on-all: the carried-over ones fail too.
    let out = diff(&out_dir, &["--fail-on", "high", "--fail-on-all"]);
    assert_eq!(out.status.code(), Some(1));
    let all = fail_lines(&out);
    assert!(all.len() > 1, "{all:?}");
    assert!(all.iter().all(|l| !l.contains("new since")), "{all:?}");
    assert_eq!(
        json(&out_dir.join("diff.json"))["gate"]["judged"],
        "all findings"
    );

    // Nothing asked: nothing fails, and the verdict says it passed.
    let out = diff(&out_dir, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(fail_lines(&out).is_empty());
    assert_eq!(json(&out_dir.join("diff.json"))["gate"]["passed"], true);
}

#[test]
fn a_rule_gates_without_raising_its_severity() {
    // The new account admin (Keira, through the admins group) is an info
    // finding of admin-access: gated by rule, it fails and stays info.
    let dir = tempdir();
    let out_dir = dir.path().join("d");
    let out = diff(&out_dir, &["--fail-on-rule", "admin-access"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let lines = fail_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0]
            .starts_with("reviewpack: FAIL info admin-access keira.doyle@example.com at account"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("--fail-on-rule admin-access"));
    let doc = json(&out_dir.join("diff.json"));
    assert_eq!(
        doc["gate"]["fail_on_rules"],
        serde_json::json!(["admin-access"])
    );
    let new: Vec<&Value> = doc["findings"]["new"].as_array().unwrap().iter().collect();
    assert!(new
        .iter()
        .any(|f| f["rule"] == "admin-access" && f["severity"] == "info"));
    // A typo is refused, naming the known codes.
    let out = diff(&out_dir, &["--fail-on-rule", "admin-acess"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("\"admin-acess\" is not a rule code; known codes: "));
}

#[test]
fn report_names_an_expired_exemption_as_why_a_finding_fails_again() {
    let dir = tempdir();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        r#"
[[exempt]]
rule = "service-account-admin"
principal = "sa:account/terraform_automation"
reason = "Terraform applies the account's configuration"
approved_by = "Dana Whitfield (CISO)"
expires = 2026-09-30
"#,
    )
    .unwrap();
    let pack = dir.path().join("pack");
    let out = reviewpack()
        .arg("-q")
        .arg("report")
        .arg(demo())
        .args([
            "--format",
            "json",
            "--fail-on-rule",
            "service-account-admin",
            "--policy",
        ])
        .arg(&policy)
        .arg("-o")
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let lines = fail_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0]
            .ends_with("--fail-on-rule service-account-admin; its exemption expired on 2026-09-30"),
        "{}",
        lines[0]
    );
    let gate = &json(&pack.join("findings.json"))["gate"];
    assert_eq!(gate["judged"], "all findings");
    assert_eq!(gate["failing"][0]["rule"], "service-account-admin");
    // Still in force on the capture day: nothing fails.
    let text = read(&policy).replace("2026-09-30", "2026-10-31");
    std::fs::write(&policy, text).unwrap();
    let out = reviewpack()
        .arg("-q")
        .arg("report")
        .arg(demo())
        .args([
            "--format",
            "json",
            "--force",
            "--fail-on-rule",
            "service-account-admin",
            "--policy",
        ])
        .arg(&policy)
        .arg("-o")
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(json(&pack.join("findings.json"))["gate"]["passed"], true);
}
