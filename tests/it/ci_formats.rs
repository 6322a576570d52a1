//! `--ci-format sarif,junit` on `report`, `diff` and `run`: the files are
//! checked against their published schemas (tests/data/README.md says where
//! each comes from), say what the gate says, are byte-identical from one
//! run to the next and are sealed with the output; under GitHub Actions the
//! annotations and the step summary keep a hostile name inert.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::util::{demo, quarter, read, reviewpack, root, stderr_of, tempdir};

/// `reviewpack` with no GitHub Actions environment inherited.
fn cmd() -> assert_cmd::Command {
    let mut c = reviewpack();
    c.env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    c
}

fn diff(out: &Path, extra: &[&str]) -> Output {
    cmd()
        .arg("diff")
        .arg(quarter("q3.json"))
        .arg(quarter("q4.json"))
        .args(["--format", "json", "-o"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

use crate::util::read_json as json;

/// Every error the OASIS SARIF 2.1.0 schema finds in `doc` (formats
/// checked too: `uri`, `uri-reference`, `date-time`).
fn sarif_errors(doc: &Value) -> Vec<String> {
    let schema = json(&root().join("tests/data/sarif-schema-2.1.0.json"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_valid_sarif(path: &Path) -> Value {
    let doc = json(path);
    let errors = sarif_errors(&doc);
    assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    doc
}

/// `xmllint`, or None (the XSD check is skipped, and says so) when it is
/// missing and CI is not set; with CI set a missing `xmllint` fails.
fn xmllint_or_skip() -> Option<()> {
    let ok = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(());
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "CI is set but xmllint is not installed: .ci/run installs it (apt-get install libxml2-utils)"
    );
    // Past the test harness's capture, as the LibreOffice test does, so a
    // local run says what it did not check.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED the JUnit XSD check: xmllint is not installed and CI is not set (apt-get install libxml2-utils to run it)"
    );
    None
}

/// Checks `path` against Jenkins' junit-10.xsd; Err with xmllint's words.
fn junit_schema_check(path: &Path) -> Option<Result<(), String>> {
    xmllint_or_skip()?;
    let o = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(root().join("tests/data/junit-10.xsd"))
        .arg(path)
        .output()
        .unwrap();
    Some(if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    })
}

fn assert_valid_junit(path: &Path) {
    if let Some(Err(e)) = junit_schema_check(path) {
        panic!("{}: {e}", path.display());
    }
}

/// The `(name, message)` of every failure, and the suite's counts.
struct Junit {
    tests: usize,
    failures: usize,
    cases: usize,
    failed: Vec<(String, String)>,
}

fn junit(path: &Path) -> Junit {
    use quick_xml::events::Event;
    let text = read(path);
    let mut reader = quick_xml::Reader::from_str(&text);
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str, r: &quick_xml::Reader<&[u8]>| {
        e.try_get_attribute(name).unwrap().map(|a| {
            a.decode_and_unescape_value(r.decoder())
                .unwrap()
                .into_owned()
        })
    };
    let mut j = Junit {
        tests: 0,
        failures: 0,
        cases: 0,
        failed: Vec::new(),
    };
    let mut case = String::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => {
                    j.tests = attr(&e, "tests", &reader).unwrap().parse().unwrap();
                    j.failures = attr(&e, "failures", &reader).unwrap().parse().unwrap();
                }
                b"testcase" => {
                    j.cases += 1;
                    case = attr(&e, "name", &reader).unwrap();
                }
                b"failure" => {
                    j.failed
                        .push((case.clone(), attr(&e, "message", &reader).unwrap()));
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    j
}

fn fail_lines(out: &Output) -> Vec<String> {
    stderr_of(out)
        .lines()
        .filter_map(|l| l.strip_prefix("reviewpack: FAIL "))
        .map(str::to_string)
        .collect()
}

#[test]
fn diff_writes_sarif_and_junit_that_validate_and_say_what_fails() {
    let dir = tempdir();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let args = ["--fail-on", "high", "--ci-format", "sarif,junit"];
    let out = diff(&a, &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        out.stdout.is_empty(),
        "no annotations outside GitHub Actions"
    );
    let gate = &json(&a.join("diff.json"))["gate"];
    let failing = gate["failing"].as_array().unwrap();
    assert_eq!(failing.len(), 1);
    let id = failing[0]["id"].as_str().unwrap();

    // SARIF: valid, the failing finding is the one error, tracked by its id.
    let sarif = assert_valid_sarif(&a.join("ci/findings.sarif"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "reviewpack");
    let results = run["results"].as_array().unwrap();
    let errors: Vec<&Value> = results.iter().filter(|r| r["level"] == "error").collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["ruleId"], "privilege-escalation-path");
    assert_eq!(
        errors[0]["partialFingerprints"]["reviewpackFindingId/v1"],
        id
    );
    assert_eq!(
        errors[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "q4.json"
    );
    // One result per finding of NEW (none is exempt here), each rule
    // described once, each result pointing at its rule.
    let doc = json(&a.join("diff.json"));
    let f = &doc["findings"];
    let in_new = f["new"].as_array().unwrap().len() + f["persisting"].as_array().unwrap().len();
    assert_eq!(results.len(), in_new);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
    // The validator does reject what is not SARIF.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    broken["runs"][0]["results"][1]["level"] = "fatal".into();
    let errors = sarif_errors(&broken);
    assert!(errors.iter().any(|e| e.contains("message")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("fatal")), "{errors:?}");

    // JUnit: valid, one failure whose message is the gate's line, counts
    // that add up.
    let ju = a.join("ci/junit.xml");
    assert_valid_junit(&ju);
    let j = junit(&ju);
    assert_eq!(j.failures, 1);
    assert_eq!(j.failed.len(), 1);
    assert_eq!(j.tests, j.cases);
    assert_eq!(vec![j.failed[0].1.clone()], fail_lines(&out));
    assert!(j.failed[0].0.contains(id), "{}", j.failed[0].0);
    // The XSD check does reject what is not JUnit.
    let bad = dir.path().join("bad.xml");
    std::fs::write(
        &bad,
        read(&ju).replacen("<testcase classname", "<testcase klass", 1),
    )
    .unwrap();
    if let Some(r) = junit_schema_check(&bad) {
        assert!(r.is_err(), "xmllint took a testcase without a name");
    }

    // Sealed with the diff, and the same bytes from another run elsewhere.
    let sums = read(&a.join("SHA256SUMS"));
    assert!(sums.contains("  ci/findings.sarif\n") && sums.contains("  ci/junit.xml\n"));
    let out = diff(&b, &args);
    assert_eq!(out.status.code(), Some(1));
    for f in ["ci/findings.sarif", "ci/junit.xml"] {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two runs"
        );
    }

    // A word that is no CI format is refused before any work.
    let c = dir.path().join("c");
    let out = diff(&c, &["--ci-format", "sarif,xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("unknown CI format \"xml\": expected sarif or junit"));
    assert!(!c.exists());
}

#[test]
fn report_writes_sarif_that_validates_is_sealed_and_repeats_byte_for_byte() {
    let dir = tempdir();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let run = |out: &Path| {
        cmd()
            .arg("report")
            .arg(demo())
            .args([
                "--format",
                "json",
                "--fail-on",
                "high",
                "--ci-format",
                "sarif",
                "-o",
            ])
            .arg(out)
            .output()
            .unwrap()
    };
    let out = run(&a);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let sarif = assert_valid_sarif(&a.join("ci/findings.sarif"));
    assert!(!a.join("ci/junit.xml").exists(), "only the formats asked");
    let findings = json(&a.join("findings.json"));
    let failing: Vec<&str> = findings["gate"]["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!failing.is_empty());
    assert_eq!(failing.len(), fail_lines(&out).len());
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let mut errors: Vec<&str> = results
        .iter()
        .filter(|r| r["level"] == "error")
        .map(|r| {
            r["partialFingerprints"]["reviewpackFindingId/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    errors.sort();
    let mut expected = failing.clone();
    expected.sort();
    assert_eq!(errors, expected);
    // Every finding not under an active exemption is a result, once.
    let listed = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["exempted"]["active"] != true)
        .count();
    assert_eq!(results.len(), listed);
    for r in results {
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "snapshot.json"
        );
    }
    // In the manifest and SHA256SUMS, and the same bytes again.
    let manifest = json(&a.join("manifest.json"));
    assert!(manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "ci/findings.sarif"));
    assert!(read(&a.join("SHA256SUMS")).contains("  ci/findings.sarif\n"));
    let out = run(&b);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        std::fs::read(a.join("ci/findings.sarif")).unwrap()
            == std::fs::read(b.join("ci/findings.sarif")).unwrap(),
        "ci/findings.sarif differs between two runs"
    );
}

/// The demo's user `=HYPERLINK("http://example.invalid","click")` made
/// nastier still: a pipe, markup, backticks, a line end starting a workflow
/// command, a literal `%0A` and an escape sequence.
const HOSTILE: &str = "=HYPERLINK(\"http://example.invalid\",\"click\") | <img src=x onerror=alert(1)> `x` **y**\n::warning::injected %0A \u{1b}[31mred";

fn hostile_demo(dir: &Path) -> PathBuf {
    let mut snap = json(&demo());
    let users = snap["users"].as_array_mut().unwrap();
    let user = users
        .iter_mut()
        .find(|u| u["email"] == "hyperlink.test@example.org")
        .expect("the demo's hostile user");
    user["name"] = HOSTILE.into();
    let path = dir.join("hostile.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&snap).unwrap()).unwrap();
    path
}

#[test]
fn under_github_actions_annotations_and_the_step_summary_keep_a_hostile_name_inert() {
    let dir = tempdir();
    let snapshot = hostile_demo(dir.path());
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# an earlier step\n").unwrap();
    let pack = dir.path().join("pack");
    let out = reviewpack()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .arg("-q")
        .arg("report")
        .arg(&snapshot)
        .args([
            "--format",
            "json",
            "--fail-on-rule",
            "inactive-user",
            "--ci-format",
            "junit",
            "-o",
        ])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let failing = fail_lines(&out).len();
    assert!(failing > 1);

    // One annotation per failing finding, each on one line of its own.
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), failing, "{stdout}");
    assert!(
        lines.iter().all(
            |l| l.starts_with("::error title=reviewpack%3A ") && l.contains(" inactive-user::")
        ),
        "{stdout}"
    );
    let hostile = lines
        .iter()
        .find(|l| l.contains("hyperlink.test@example.org"))
        .expect("the hostile user's annotation");
    assert!(hostile.starts_with("::error title=reviewpack%3A medium inactive-user::=HYPERLINK("));
    assert!(hostile.contains("=HYPERLINK(\"http://example.invalid\",\"click\") | <img"));
    // Its line end is the two characters \n, its literal %0A stays literal,
    // its escape sequence is shown, not sent.
    assert!(
        hostile.contains("\\n::warning::injected %250A \\u{1b}[31mred"),
        "{hostile}"
    );
    assert!(!stdout.contains('\u{1b}'));
    assert!(!lines.iter().any(|l| l.starts_with("::warning")));
    // Our own line ends are GitHub's %0A.
    assert!(hostile.contains("%0Ano exemption matches") || hostile.contains("%0A--fail-on-rule"));

    // The step summary is appended, with the name in a code span that
    // holds its pipe.
    let md = read(&summary);
    assert!(
        md.starts_with("# an earlier step\n### reviewpack report: "),
        "{md}"
    );
    assert!(md.contains(&format!("{failing} finding(s) fail the gate")));
    let row = md
        .lines()
        .find(|l| l.contains("hyperlink.test@example.org"))
        .expect("the hostile user's row");
    assert_eq!(row.matches(" | ").count(), 5, "six cells: {row}");
    assert!(row.contains("``=HYPERLINK(\"http://example.invalid\",\"click\") \\| <img src=x onerror=alert(1)> `x` **y**\\n::warning::injected %0A \\u{1b}[31mred (hyperlink.test@example.org)``"), "{row}");
    assert_eq!(
        md.lines()
            .filter(|l| l.contains(" | `inactive-user` | "))
            .count(),
        failing
    );

    // The JUnit file holds the same name, escaped, and stays valid.
    let ju = pack.join("ci/junit.xml");
    assert_valid_junit(&ju);
    let xml = read(&ju);
    assert!(xml.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!xml.contains("<img") && !xml.contains('\u{1b}'));
    assert_eq!(junit(&ju).failed.len(), failing);

    // Without --ci-format nothing of this happens.
    let again = reviewpack()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .arg("-q")
        .arg("report")
        .arg(&snapshot)
        .args([
            "--format",
            "json",
            "--fail-on-rule",
            "inactive-user",
            "--force",
            "-o",
        ])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(again.stdout.is_empty());
    assert_eq!(read(&summary), md);
    assert!(!pack.join("ci").exists());
}

/// `run --previous --decisions`: a Revoke not carried out is a finding only
/// the diff makes; the pack's CI files hold it beside the pack's own, and
/// the pack's seal covers them.
#[test]
fn run_previous_puts_what_only_its_diff_finds_into_the_packs_ci_files() {
    let q4 = reviewpack::snapshot::load(&quarter("q4.json"))
        .unwrap()
        .snapshot;
    let fake = crate::fake_harness::FakeHarness::start(q4, crate::util::DEMO_KEY);
    let dir = tempdir();
    let pack = crate::campaign::make_pack(dir.path());
    let campaign = dir.path().join("campaign");
    let o = crate::campaign::collect_cmd(&pack, &root().join("samples/demo/returned"), &campaign)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    let out = dir.path().join("closeout");
    let o = reviewpack()
        .env_remove("GITHUB_ACTIONS")
        .env("HARNESS_API_KEY", crate::util::DEMO_KEY)
        .args([
            "-q",
            "run",
            "--base-url",
            &fake.base_url(),
            "--rate-limit",
            "0",
        ])
        .args(["--retry-base-ms", "1", "--timeout-secs", "5"])
        .args(["--activity-end", "2027-01-01T09:00:00Z", "--format", "json"])
        .args([
            "--fail-on-rule",
            "revocation-not-done",
            "--ci-format",
            "sarif,junit",
        ])
        .arg("--previous")
        .arg(quarter("q3.json"))
        .arg("--decisions")
        .arg(campaign.join("decisions.csv"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr_of(&o));
    let lines = fail_lines(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(" revocation-not-done "), "{}", lines[0]);

    let sarif = assert_valid_sarif(&out.join("ci/findings.sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let errors: Vec<&Value> = results.iter().filter(|r| r["level"] == "error").collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["ruleId"], "revocation-not-done");
    // The pack's own findings are there too, and the diff's, each once.
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let diff = json(&out.join("diff/diff.json"));
    let mut all = ids(&json(&out.join("findings.json"))["findings"]);
    let pack_only = all.len();
    all.extend(ids(&diff["findings"]["new"]));
    all.extend(ids(&diff["findings"]["persisting"]));
    all.sort();
    all.dedup();
    assert!(all.len() > pack_only);
    assert_eq!(results.len(), all.len());
    let ju = out.join("ci/junit.xml");
    assert_valid_junit(&ju);
    let j = junit(&ju);
    assert_eq!(j.failed.len(), 1);
    assert_eq!(j.failed[0].1, lines[0]);
    // Only the pack has CI files, and its seal covers them.
    assert!(!out.join("diff/ci").exists());
    let sums = read(&out.join("SHA256SUMS"));
    assert!(sums.contains("  ci/findings.sarif\n") && sums.contains("  ci/junit.xml\n"));
}
