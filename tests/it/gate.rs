//! The gate of `report`, `diff` and `run`: what fails, said on stderr even
//! with `-q`, and recorded in findings.json and diff.json.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::util::{demo, quarter, read, reviewpack, stderr_of, tempdir};

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

use crate::util::read_json as json;

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
    // The page says it too.
    let out2 = reviewpack()
        .args(["-q", "diff"])
        .arg(quarter("q3.json"))
        .arg(quarter("q4.json"))
        .args(["--format", "html", "--fail-on", "high", "-o"])
        .arg(out_dir.with_file_name("page"))
        .output()
        .unwrap();
    assert_eq!(out2.status.code(), Some(1));
    let page = read(&out_dir.with_file_name("page").join("diff.html"));
    assert!(page.contains("<div class=\"warning\" id=\"gate\">The gate failed (new findings since the previous snapshot): 1 finding(s)."));
    assert!(page.contains("<code>privilege-escalation-path</code> high: priya.raman@example.com"));
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

fn report_json(snapshot: &Path, pack: &Path, args: &[&str]) -> Output {
    reviewpack()
        .arg("report")
        .arg(snapshot)
        .args(["--format", "json", "--force", "-o"])
        .arg(pack)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_baseline_accepts_what_is_there_until_a_day_and_the_gate_fails_on_what_is_new() {
    let dir = tempdir();
    let q3_pack = dir.path().join("q3-pack");
    let out = report_json(&quarter("q3.json"), &q3_pack, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let baseline = dir.path().join("accepted.toml");
    let make = |extra: &[&str]| {
        reviewpack()
            .arg("baseline")
            .arg(&q3_pack)
            .arg("-o")
            .arg(&baseline)
            .args([
                "--until",
                "2027-01-31",
                "--approved-by",
                "Dana Whitfield (CISO)",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = make(&[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = read(&baseline);
    let q3 = json(&q3_pack.join("findings.json"));
    let n = q3["findings"].as_array().unwrap().len();
    assert_eq!(text.matches("[[exempt]]").count(), n);
    assert!(text.contains("approved_by = \"Dana Whitfield (CISO)\""));
    // Not twice without --force; the same bytes with it.
    let out = make(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("exists; pass --force"));
    assert!(make(&["--force"]).status.success());
    assert_eq!(read(&baseline), text);

    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "include = [\"accepted.toml\"]\n").unwrap();
    // Next quarter, gated on new admins and escalation paths: only q4's new
    // ones fail (Keira's admin, Priya's path), everything q3 had is
    // accepted.
    let q4_pack = dir.path().join("q4-pack");
    let out = report_json(
        &quarter("q4.json"),
        &q4_pack,
        &[
            "-q",
            "--policy",
            policy.to_str().unwrap(),
            "--fail-on-rule",
            "admin-access,privilege-escalation-path",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let lines = fail_lines(&out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines
        .iter()
        .any(|l| l.contains("admin-access keira.doyle@example.com")));
    assert!(lines
        .iter()
        .any(|l| l.contains("privilege-escalation-path priya.raman@example.com")));
    let doc = json(&q4_pack.join("findings.json"));
    assert_eq!(
        doc["policy"]["source"]["included"][0]["file_name"],
        "accepted.toml"
    );
    // Every baseline entry is accounted for: matched, or matching nothing
    // (access since removed: the revocation done in q4).
    let uses = doc["gate"]["exemptions"].as_array().unwrap();
    assert_eq!(uses.len(), n);
    assert!(uses.iter().all(|u| u["source"] == "accepted.toml"));
    let unmatched = uses.iter().filter(|u| u["matched"] == 0).count();
    assert!(unmatched > 0, "q4 resolved some of q3's findings");
    // Said on stderr when not quiet.
    let out = report_json(
        &quarter("q4.json"),
        &q4_pack,
        &["--policy", policy.to_str().unwrap()],
    );
    let err = stderr_of(&out);
    assert_eq!(
        err.matches("matches no finding: a typo, or the access it excused is gone")
            .count(),
        unmatched,
        "{err}"
    );

    // A pack changed after it was made is refused.
    std::fs::write(q3_pack.join("findings.json"), "{}").unwrap();
    let out = make(&["--force"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("does not match its seal"));
}

#[test]
fn exemptions_about_to_lapse_are_announced_and_includes_are_checked() {
    let dir = tempdir();
    let policy = dir.path().join("policy.toml");
    // The demo is captured 2026-10-01: nine days before the expiry.
    std::fs::write(
        &policy,
        r#"include = ["more.toml"]

[thresholds]
exemption_warn_days = 10

[[exempt]]
rule = "service-account-admin"
principal = "sa:account/terraform_automation"
reason = "Terraform applies the account's configuration"
approved_by = "Dana Whitfield (CISO)"
expires = 2026-10-10
"#,
    )
    .unwrap();
    let pack = dir.path().join("pack");
    // A missing included file names the policy's key.
    let out = report_json(&demo(), &pack, &["--policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("include[0]") && err.contains("more.toml"),
        "{err}"
    );
    // An included file holds exemptions only.
    let more = dir.path().join("more.toml");
    std::fs::write(&more, "[thresholds]\ninactive_days = 1\n").unwrap();
    let out = report_json(&demo(), &pack, &["--policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("an included file holds [[exempt]] entries only"),
        "{}",
        stderr_of(&out)
    );
    std::fs::write(&more, "").unwrap();
    let out = report_json(&demo(), &pack, &["--policy", policy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("warning: exemption 1 (service-account-admin, sa:account/terraform_automation) expires on 2026-10-10 (in 9 days)"),
        "{}",
        stderr_of(&out)
    );
    let uses = json(&pack.join("findings.json"))["gate"]["exemptions"].clone();
    assert_eq!(uses[0]["state"], "expiring");
    assert_eq!(uses[0]["matched"], 1);
    assert_eq!(uses[0]["days_left"], 9);
    // Near miss: ten days out of a nine-day window is only active.
    let text = read(&policy).replace("exemption_warn_days = 10", "exemption_warn_days = 8");
    std::fs::write(&policy, text).unwrap();
    let out = report_json(&demo(), &pack, &["--policy", policy.to_str().unwrap()]);
    assert!(!stderr_of(&out).contains("expires on 2026-10-10"));
}

// --- The scheduled CI job of docs/operations.md, against the fake ----------

/// One week's job, as docs/operations.md writes it: pull the account and
/// gate on new admins and escalation paths against the accepted baseline
/// the repository holds, with last week's snapshot for the diff.
fn weekly_job(
    fake: &crate::fake_harness::FakeHarness,
    dir: &Path,
    pack: &str,
    previous: Option<&Path>,
) -> Output {
    let mut cmd = reviewpack();
    cmd.env("HARNESS_API_KEY", crate::util::DEMO_KEY)
        .current_dir(dir)
        .args([
            "-q",
            "run",
            "--base-url",
            &fake.base_url(),
            "--rate-limit",
            "0",
        ])
        .args(["--activity-end", "2026-10-01T09:00:00Z"])
        .args(["--policy", "policy.toml"])
        .args(["--fail-on-rule", "admin-access,privilege-escalation-path"])
        .args(["--ci-format", "sarif,junit"])
        .args(["--format", "json,csv", "-o", pack]);
    if let Some(p) = previous {
        cmd.arg("--previous").arg(p);
    }
    cmd.output().unwrap()
}

#[test]
fn the_weekly_ci_job_fails_on_the_new_admin_alone_and_names_it() {
    use crate::fake_harness::FakeHarness;
    use reviewpack::snapshot;
    let dir = tempdir();
    let d = dir.path();
    let q3 = snapshot::load(&demo()).unwrap().snapshot;

    // Once: accept what is there (the admins and paths of today), reviewed
    // and committed with the policy.
    let fake = FakeHarness::start(q3.clone(), crate::util::DEMO_KEY);
    let out = reviewpack()
        .env("HARNESS_API_KEY", crate::util::DEMO_KEY)
        .current_dir(d)
        .args([
            "-q",
            "run",
            "--base-url",
            &fake.base_url(),
            "--rate-limit",
            "0",
        ])
        .args([
            "--activity-end",
            "2026-10-01T09:00:00Z",
            "--format",
            "json",
            "-o",
            "first",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = reviewpack()
        .current_dir(d)
        .args([
            "baseline",
            "first",
            "-o",
            "accepted.toml",
            "--until",
            "2099-12-31",
        ])
        .args([
            "--approved-by",
            "Dana Whitfield (CISO)",
            "--rule",
            "admin-access,privilege-escalation-path",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    std::fs::write(d.join("policy.toml"), "include = [\"accepted.toml\"]\n").unwrap();

    // Week 1: nothing new. The job passes.
    let out = weekly_job(&fake, d, "week1", Some(&d.join("first/snapshot.json")));
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "");

    // Week 2: Keira joins the account admins' group (and nothing else
    // changes). The job fails on her alone, naming her, and says why.
    let mut next = q3.clone();
    let keira = next
        .users
        .iter()
        .find(|u| u.email == "keira.doyle@example.com")
        .unwrap()
        .id
        .clone();
    next.user_groups
        .iter_mut()
        .find(|g| g.id.as_str() == "platform_admins")
        .unwrap()
        .members
        .push(keira);
    next.normalize();
    let fake = FakeHarness::start(next, crate::util::DEMO_KEY);
    let out = weekly_job(&fake, d, "week2", Some(&d.join("week1/snapshot.json")));
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let lines = fail_lines(&out);
    assert_eq!(lines.len(), 1, "{}", stderr_of(&out));
    assert!(
        lines[0].starts_with(
            "reviewpack: FAIL info admin-access keira.doyle@example.com at account [finding "
        ),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(
        "new since the previous snapshot; --fail-on-rule admin-access; no exemption matches"
    ));
    // The pack says the same, and the diff inside it shows her as gained.
    let findings = json(&d.join("week2/findings.json"));
    assert_eq!(findings["gate"]["passed"], false);
    assert_eq!(
        findings["gate"]["judged"],
        "new findings since the previous snapshot"
    );
    let failing = findings["gate"]["failing"].as_array().unwrap();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0]["principal"], "keira.doyle@example.com");
    let diff = json(&d.join("week2/diff/diff.json"));
    assert_eq!(diff["gate"]["failing"][0]["id"], failing[0]["id"]);
    assert_eq!(diff["summary"]["admin_gained"], 1);
    // The CI files the jobs upload say the same: one failure, hers.
    let junit = read(&d.join("week2/ci/junit.xml"));
    assert_eq!(junit.matches("<failure").count(), 1, "{junit}");
    assert!(junit.contains("keira.doyle@example.com"), "{junit}");
    let sarif = json(&d.join("week2/ci/findings.sarif"));
    let errors: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error")
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["ruleId"], "admin-access");
}
