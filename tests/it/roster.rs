//! `report --roster`: the sample rosters of samples/roster/ against the demo
//! account, the roster's hash in findings.json and the manifest, and a
//! malformed row failing the run with its line named.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{demo, read, reviewpack, root, stderr_of, tempdir};

fn sample(name: &str) -> PathBuf {
    root().join("samples/roster").join(name)
}

fn report_with(roster: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    reviewpack()
        .arg("report")
        .arg(demo())
        .arg("-o")
        .arg(out)
        .args(["--format", "json,csv,html", "--roster"])
        .arg(roster)
        .args(extra)
        .output()
        .unwrap()
}

/// (rule, email) of every roster finding, sorted.
fn roster_findings(doc: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().contains("roster"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["principal"]["email"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_sample_roster_finds_the_leaver_the_suspended_user_and_the_contractors() {
    let dir = tempdir();
    for (file, format, status) in [
        ("entra-users.csv", "entra", "False"),
        ("okta-users.csv", "okta", "DEPROVISIONED"),
        ("hr.csv", "hr", "terminated"),
    ] {
        let pack = dir.path().join(format);
        let out = report_with(&sample(file), &pack, &[]);
        assert!(out.status.success(), "{file}: {}", stderr_of(&out));
        let doc: Value = serde_json::from_str(&read(&pack.join("findings.json"))).unwrap();
        assert_eq!(doc["roster"]["file"], file);
        assert_eq!(doc["roster"]["format"], format);
        assert_eq!(doc["roster"]["detected_by"], "header");
        let bytes = std::fs::read(sample(file)).unwrap();
        let sha = reviewpack::output::seal::sha256_file(&sample(file)).unwrap();
        assert_eq!(sha.1, bytes.len() as u64);
        assert_eq!(doc["roster"]["sha256"], sha.0);
        let evaluated: Vec<&str> = doc["rules_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(evaluated.contains(&"not-in-roster") && evaluated.contains(&"roster-terminated"));
        // The leaver (theo) and the suspended user (kofi) are enabled in
        // Harness; gavin left too but is already disabled there (near miss);
        // meilin is matched through an alias; the example.org contractors
        // are in no workforce roster.
        assert_eq!(
            roster_findings(&doc),
            vec![
                ("not-in-roster".into(), "hyperlink.test@example.org".into()),
                ("not-in-roster".into(), "lena.marsh@example.org".into()),
                ("not-in-roster".into(), "tobias.renner@example.org".into()),
                ("roster-terminated".into(), "kofi.asante@example.com".into()),
                (
                    "roster-terminated".into(),
                    "theo.lambert@example.com".into()
                ),
            ],
            "{file}"
        );
        let theo = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["rule"] == "roster-terminated"
                    && f["principal"]["email"] == "theo.lambert@example.com"
            })
            .unwrap();
        assert_eq!(theo["evidence"]["roster_status"], status);
        assert_eq!(theo["severity"], "high");
        if format == "hr" {
            assert_eq!(theo["evidence"]["termination_date"], "2026-09-18");
        }
        // The manifest lists the roster among the inputs, by name and hash.
        let manifest: Value = serde_json::from_str(&read(&pack.join("manifest.json"))).unwrap();
        let input = manifest["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["role"] == "roster")
            .expect("roster input");
        assert_eq!(input["file"], file);
        assert_eq!(input["sha256"], sha.0);
        assert!(!read(&pack.join("manifest.json")).contains(dir.path().to_str().unwrap()));
        // So do the Provenance sheet (its CSV) and the page.
        let provenance = read(&pack.join("csv/provenance.csv"));
        let line = provenance
            .lines()
            .find(|l| l.starts_with("Roster,"))
            .expect("a Roster line");
        assert!(line.contains(file) && line.contains(&sha.0), "{line}");
        assert!(read(&pack.join("index.html")).contains(&sha.0));
    }
}

#[test]
fn a_malformed_roster_row_fails_the_report_naming_the_line() {
    let dir = tempdir();
    let roster = dir.path().join("hr.csv");
    std::fs::write(
        &roster,
        "email,status\nkofi.asante@example.com,active\n\"theo.lambert@example.com,terminated\nx\n",
    )
    .unwrap();
    let pack = dir.path().join("pack");
    let out = report_with(&roster, &pack, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("hr.csv line 3"), "{err}");
    assert!(!pack.exists());

    std::fs::write(
        &roster,
        "email,status\nkofi.asante@example.com,gone fishing\n",
    )
    .unwrap();
    let err = stderr_of(&report_with(&roster, &pack, &[]));
    assert!(
        err.contains("hr.csv line 2: \"status\" is \"gone fishing\""),
        "{err}"
    );
}

#[test]
fn roster_format_overrides_detection_and_bad_values_are_usage_errors() {
    let dir = tempdir();
    let roster = dir.path().join("people.csv");
    let pack = dir.path().join("pack");
    // No column says which export this is.
    std::fs::write(
        &roster,
        "Login,Mail,Status\ntheo.lambert@example.com,theo.lambert@example.com,SUSPENDED\n",
    )
    .unwrap();
    let out = report_with(&roster, &pack, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("--roster-format"),
        "{}",
        stderr_of(&out)
    );
    // Email and Status read as an HR file; --roster-format okta reads the
    // same header as Okta's.
    std::fs::write(
        &roster,
        "Login,Email,Status\ntheo.lambert@example.com,theo.lambert@example.com,SUSPENDED\n",
    )
    .unwrap();
    let out = report_with(&roster, &pack, &["--force"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: Value = serde_json::from_str(&read(&pack.join("findings.json"))).unwrap();
    assert_eq!(doc["roster"]["format"], "hr");
    assert_eq!(doc["roster"]["detected_by"], "header");
    let out = report_with(&roster, &pack, &["--force", "--roster-format", "okta"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: Value = serde_json::from_str(&read(&pack.join("findings.json"))).unwrap();
    assert_eq!(doc["roster"]["format"], "okta");
    assert_eq!(doc["roster"]["detected_by"], "--roster-format");
    assert!(roster_findings(&doc).contains(&(
        "roster-terminated".into(),
        "theo.lambert@example.com".into()
    )));
    let out = report_with(&roster, &pack, &["--roster-format", "ldap", "--force"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("expected entra, okta or hr"));
}
