//! `reviewpack report` on the demo account: files, content, safety,
//! determinism and atomic replacement.

use std::path::Path;

use crate::util::{demo, read, reviewpack, stderr_of, tempdir, tree};

const CSV_FILES: &[&str] = &[
    "controls.csv",
    "reconciliation.csv",
    "effective_access.csv",
    "entitlements.csv",
    "findings.csv",
    "group_members.csv",
    "groups.csv",
    "principals.csv",
    "privileged_access.csv",
    "provenance.csv",
    "resource_groups.csv",
    "role_assignments.csv",
    "roles.csv",
    "summary.csv",
    "tokens.csv",
];

fn report_into(out: &Path, extra: &[&str]) -> std::process::Output {
    reviewpack()
        .arg("report")
        .arg(demo())
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn demo_pack() -> tempfile::TempDir {
    let dir = tempdir();
    let out = report_into(&dir.path().join("pack"), &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    dir
}

fn records(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let mut v = vec![r.headers().unwrap().clone()];
    v.extend(r.records().map(|x| x.unwrap()));
    v
}

#[test]
fn report_writes_every_csv_and_findings_json() {
    let dir = demo_pack();
    let files: Vec<String> = tree(&dir.path().join("pack"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut expected: Vec<String> = CSV_FILES.iter().map(|f| format!("csv/{f}")).collect();
    for f in [
        "SHA256SUMS",
        "findings.json",
        "index.html",
        "manifest.json",
        "review.xlsx",
        "snapshot.json",
    ] {
        expected.push(f.into());
    }
    expected.sort();
    assert_eq!(files, expected);
    // The evidence is copied byte for byte.
    assert_eq!(
        std::fs::read(dir.path().join("pack/snapshot.json")).unwrap(),
        std::fs::read(demo()).unwrap()
    );
}

#[test]
fn csv_files_match_their_snapshots() {
    let dir = demo_pack();
    for f in CSV_FILES {
        let text = read(&dir.path().join("pack/csv").join(f));
        insta::assert_snapshot!(format!("csv__{f}"), text);
    }
}

#[test]
fn findings_json_names_the_snapshot_and_the_rules_run() {
    let dir = demo_pack();
    let v: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("pack/findings.json"))).unwrap();
    assert_eq!(v["schema"], "reviewpack.findings/v1");
    let sha = reviewpack::snapshot::sha256_hex(&std::fs::read(demo()).unwrap());
    assert_eq!(v["snapshot_sha256"], sha.as_str());
    let loaded = reviewpack::snapshot::load(&demo()).unwrap();
    assert_eq!(v["account_id"], loaded.snapshot.account.id.as_str());
    // --as-of defaults to the capture time.
    assert_eq!(
        v["as_of"],
        loaded
            .snapshot
            .captured_at()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    // The rules themselves are tested in tests/it/findings.rs.
    assert!(!v["findings"].as_array().unwrap().is_empty());
    assert!(v["rules_evaluated"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("admin-access")));
    assert_eq!(v["policy"]["source"]["kind"], "defaults");
}

#[test]
fn as_of_is_recorded_and_validated() {
    let dir = tempdir();
    let out = report_into(&dir.path().join("a"), &["--as-of", "2026-12-31T00:00:00Z"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("a/findings.json"))).unwrap();
    assert_eq!(v["as_of"], "2026-12-31T00:00:00Z");

    let out = report_into(&dir.path().join("b"), &["--as-of", "last tuesday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("RFC 3339"), "{}", stderr_of(&out));
}

#[test]
fn same_snapshot_gives_byte_identical_packs() {
    let dir = tempdir();
    for name in ["one", "two"] {
        let out = report_into(&dir.path().join(name), &[]);
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    assert_eq!(tree(&dir.path().join("one")), tree(&dir.path().join("two")));
}

#[test]
fn no_cell_in_any_csv_can_be_evaluated_as_a_formula() {
    let dir = demo_pack();
    let mut hostile_seen = 0;
    for f in CSV_FILES {
        for rec in records(&dir.path().join("pack/csv").join(f)) {
            for cell in rec.iter() {
                assert!(
                    !crate::util::formula_like(cell),
                    "{f}: formula-like cell {cell:?}"
                );
                if cell.starts_with("'=") {
                    hostile_seen += 1;
                }
            }
        }
    }
    assert!(
        hostile_seen > 0,
        "the demo's hostile =HYPERLINK name appears, neutralised"
    );
}

#[test]
fn every_csv_has_a_header_and_consistent_width() {
    let dir = demo_pack();
    for f in CSV_FILES {
        let recs = records(&dir.path().join("pack/csv").join(f));
        let width = recs[0].len();
        assert!(recs.len() > 1, "{f} has rows");
        assert!(recs.iter().all(|r| r.len() == width), "{f}");
    }
}

#[test]
fn existing_non_empty_dir_needs_force_and_is_left_intact_without_it() {
    let dir = tempdir();
    let pack = dir.path().join("pack");
    // An earlier pack: replaced with --force only.
    let out = report_into(&pack, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    std::fs::write(pack.join("keep.txt"), "previous pack").unwrap();

    let out = report_into(&pack, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--force"), "{}", stderr_of(&out));
    assert_eq!(read(&pack.join("keep.txt")), "previous pack");

    let out = report_into(&pack, &["--force"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!pack.join("keep.txt").exists(), "replaced, not merged");
    assert!(pack.join("csv/principals.csv").exists());
    // Nothing is left behind beside the pack.
    let siblings: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(siblings, vec!["pack".to_string()]);
}

#[test]
fn force_never_replaces_a_directory_that_is_not_reviewpack_output() {
    let dir = tempdir();
    let target = dir.path().join("documents");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("thesis.docx"), "years of work").unwrap();
    let out = report_into(&target, &["--force"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("is not a reviewpack pack or diff"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert_eq!(read(&target.join("thesis.docx")), "years of work");
}

#[test]
fn an_input_inside_the_output_directory_is_never_deleted() {
    // Regression: a roster CSV inside -o DIR, read by the same run, was
    // deleted by --force.
    let dir = tempdir();
    let pack = dir.path().join("pack");
    let out = report_into(&pack, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let roster = pack.join("roster.csv");
    std::fs::copy(crate::util::root().join("samples/roster/hr.csv"), &roster).unwrap();
    let out = report_into(&pack, &["--force", "--roster", roster.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("(the roster) lies inside"), "{err}");
    assert!(roster.exists());
    // The snapshot itself inside the output directory, likewise.
    let snap = pack.join("snapshot.json");
    let out = reviewpack()
        .arg("report")
        .arg(&snap)
        .arg("-o")
        .arg(&pack)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("(the snapshot) lies inside"));
    assert!(snap.exists());
}

#[test]
fn the_current_directory_is_never_the_output() {
    // `-o . --force` used to fail with EBUSY and leave a partial directory.
    let dir = tempdir();
    let out = reviewpack()
        .current_dir(dir.path())
        .arg("report")
        .arg(demo())
        .args(["-o", ".", "--force"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("is the current directory or holds it"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing left"
    );
}

#[test]
fn a_leftover_of_a_crashed_run_is_removed_and_said_so() {
    let dir = tempdir();
    // A pid above Linux's pid_max: that process cannot be running.
    let stale = dir.path().join(".reviewpack-4194305-x1y2.partial");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("review.xlsx"), "half a pack").unwrap();
    let out = report_into(&dir.path().join("pack"), &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    if std::path::Path::new("/proc/self").exists() {
        assert!(!stale.exists());
        assert!(
            stderr_of(&out).contains("the unfinished output of an earlier run"),
            "{}",
            stderr_of(&out)
        );
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_report_leaves_no_partial_directory() {
    use std::time::{Duration, Instant};
    // A report long enough to interrupt: a synthetic account of 20,000 users.
    let dir = tempdir();
    let snap = dir.path().join("big.json");
    let s = crate::synth::generate(crate::synth::Shape::scaled(20_000));
    reviewpack::snapshot::save(&snap, &s).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for signal in ["-TERM", "-INT"] {
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("reviewpack"))
            .arg("report")
            .arg(&snap)
            .arg("-o")
            .arg(out_dir.join("pack"))
            .args(["--force", "--format", "xlsx,csv"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the staging directory to appear, then interrupt.
        let start = Instant::now();
        let partial = || {
            std::fs::read_dir(&out_dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        };
        while !partial() && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(partial(), "the report started staging");
        std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let done = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&done.stderr).into_owned();
        assert_eq!(done.status.code(), Some(130), "{signal}: {err}");
        assert!(
            err.contains("interrupted; removed the unfinished output"),
            "{err}"
        );
        assert!(!partial(), "{signal}: a .partial directory was left behind");
        assert!(!out_dir.join("pack").exists());
    }
}

/// Starts `reviewpack report` of the demo campaign's pack (every format, the
/// reviewer workbooks, `--zip`) into `out_dir/pack`, interrupts it (SIGINT)
/// `delay` after its staging directory appears, and returns its exit code
/// and stderr.
#[cfg(unix)]
fn interrupt_demo_report(
    out_dir: &std::path::Path,
    delay: std::time::Duration,
) -> (Option<i32>, String) {
    use std::time::{Duration, Instant};
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("reviewpack"))
        .arg("report")
        .arg(demo())
        .arg("-o")
        .arg(out_dir.join("pack"))
        .arg("--policy")
        .arg(crate::util::root().join("samples/demo/campaign-policy.toml"))
        .args(["--force", "--split-by-reviewer", "--zip"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let staging = || {
        std::fs::read_dir(out_dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with(".partial"))
    };
    while !staging() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(delay);
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    let done = child.wait_with_output().unwrap();
    (
        done.status.code(),
        String::from_utf8_lossy(&done.stderr).into_owned(),
    )
}

/// Issue 21: about one SIGINT in four left a `.reviewpack-*.partial`
/// directory (or the zip's temporary file) behind, as writer threads went
/// on making files and directories in it while the handler removed it, a
/// writer's error could win the exit code, and an interrupt between the two
/// renames of `--force` removed the previous pack as well.
#[cfg(unix)]
#[test]
fn an_interrupt_at_any_moment_of_the_writing_leaves_nothing_behind() {
    use std::time::Duration;
    let dir = tempdir();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    // The previous pack, which an interrupted --force run must keep.
    let first = reviewpack()
        .arg("report")
        .arg(demo())
        .arg("-o")
        .arg(out_dir.join("pack"))
        .arg("--policy")
        .arg(crate::util::root().join("samples/demo/campaign-policy.toml"))
        .args(["--split-by-reviewer", "--zip"])
        .output()
        .unwrap();
    assert!(
        first.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr_of(&first)
    );
    // From the moment the pack is staged to past its end (the whole run
    // takes about half a second here).
    for run in 0..20u64 {
        let delay = Duration::from_millis(run * 53 % 800);
        let (code, err) = interrupt_demo_report(&out_dir, delay);
        let left: Vec<String> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".reviewpack-"))
            .collect();
        assert_eq!(left, Vec::<String>::new(), "run {run}, {delay:?}: {err}");
        match code {
            // Nothing but the interruption is said: no error of a writer
            // whose directory went away.
            Some(130) => assert!(
                err.lines().filter(|l| l.starts_with("reviewpack: ")).all(
                    |l| l.starts_with("reviewpack: interrupted")
                        || l.starts_with("reviewpack: warning: reviewer")
                        // Progress (stderr is no terminal): what it was doing.
                        || l.starts_with("reviewpack: [")
                ),
                "run {run}: {err}"
            ),
            // Done before the signal came.
            Some(0 | 1) => {}
            other => panic!("run {run}, {delay:?}: exit {other:?}: {err}"),
        }
        // A pack is in place, whole: the previous or the new one.
        let pack = out_dir.join("pack");
        let bad = reviewpack::output::seal::verify_sums(&pack)
            .unwrap_or_else(|e| panic!("run {run}, {delay:?}: {e}: {err}"));
        assert_eq!(bad, Vec::<String>::new(), "run {run}, {delay:?}: {err}");
        assert!(out_dir.join("pack.zip").exists(), "run {run}");
    }
}

#[test]
fn empty_existing_dir_is_used_without_force() {
    let dir = tempdir();
    let pack = dir.path().join("pack");
    std::fs::create_dir(&pack).unwrap();
    let out = report_into(&pack, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn unknown_formats_are_refused_plainly() {
    let dir = tempdir();
    let out = report_into(&dir.path().join("p"), &["--format", "csv,pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("unknown format"),
        "{}",
        stderr_of(&out)
    );
    assert!(!dir.path().join("p").exists());
}

#[test]
fn one_format_writes_only_its_files_and_the_checksums() {
    let dir = tempdir();
    let out = report_into(&dir.path().join("p"), &["--format", "xlsx"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let files: Vec<String> = tree(&dir.path().join("p"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        files,
        [
            "SHA256SUMS",
            "manifest.json",
            "review.xlsx",
            "snapshot.json"
        ]
    );
}

#[test]
fn csv_only_writes_no_findings_json() {
    let dir = tempdir();
    let out = report_into(&dir.path().join("p"), &["--format", "csv"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!dir.path().join("p/findings.json").exists());
    assert!(dir.path().join("p/csv/principals.csv").exists());
}

/// The step of `reconciliation.csv` named `name` (leading spaces ignored).
fn reconciliation_step(rec: &[csv::StringRecord], name: &str) -> csv::StringRecord {
    rec.iter()
        .find(|r| r[0].trim() == name)
        .unwrap_or_else(|| panic!("no step {name:?} in {rec:?}"))
        .clone()
}

/// Every count on the Reconciliation sheet can be found again in the other
/// files of the pack, and every difference says why in numbers that add up.
#[test]
fn reconciliation_agrees_with_the_other_files_and_explains_each_difference() {
    let dir = demo_pack();
    let csv_dir = dir.path().join("pack/csv");
    let rec = records(&csv_dir.join("reconciliation.csv"));
    let rows = |f: &str| records(&csv_dir.join(f)).len() - 1;
    for (step, file) in [
        ("rows of Principals", "principals.csv"),
        ("rows of Role Assignments", "role_assignments.csv"),
        ("rows of Effective Access (grants)", "effective_access.csv"),
        ("tokens in the snapshot", "tokens.csv"),
    ] {
        assert_eq!(
            reconciliation_step(&rec, step)[1],
            rows(file).to_string(),
            "{step}"
        );
    }
    let ra = records(&csv_dir.join("role_assignments.csv"));
    let status = ra[0].iter().position(|h| h == "status").unwrap();
    let count = |s: &str| ra[1..].iter().filter(|r| &r[status] == s).count();
    let (active, disabled, orphaned) = (count("active"), count("disabled"), count("orphaned"));
    assert!(disabled > 0 && orphaned > 0, "the demo has both");
    let step = reconciliation_step(&rec, "active (grant access)");
    assert_eq!(step[1], active.to_string());
    assert_eq!(
        step[3],
        format!("-{}", ra.len() - 1 - active),
        "a plain number, not '-N"
    );
    assert!(
        step[4].starts_with(&format!(
            "{disabled} disabled (dormant), {orphaned} orphaned"
        )),
        "{:?}",
        &step[4]
    );
    for r in &rec[1..] {
        match &r[3] {
            "" | "0" => {}
            _ => assert!(!r[4].is_empty() && &r[4] != "equal", "{r:?}"),
        }
    }
}

/// A list read short: the Reconciliation names the shortfall and sends the
/// auditor to Completeness instead of guessing at duplicates.
#[test]
fn reconciliation_names_a_list_read_short() {
    let dir = tempdir();
    let mut v: serde_json::Value = serde_json::from_str(&read(&demo())).unwrap();
    let list = v["completeness"]["lists"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|l| l["endpoint"] == "GET /ng/api/user-groups" && l["scope"] == "account")
        .unwrap();
    list["total_items"] = serde_json::json!(list["stored"].as_u64().unwrap() + 2);
    list["complete"] = serde_json::json!(false);
    list["note"] = serde_json::json!("stopped after 3 retries");
    v["completeness"]["complete"] = serde_json::json!(false);
    let snap = dir.path().join("short.json");
    std::fs::write(&snap, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let out = reviewpack()
        .arg("report")
        .arg(&snap)
        .arg("-o")
        .arg(dir.path().join("pack"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let rec = records(&dir.path().join("pack/csv/reconciliation.csv"));
    let step = reconciliation_step(&rec, "user groups in the snapshot");
    assert_eq!(&step[3], "-2");
    assert_eq!(
        &step[4],
        "1 of these lists were not read completely (Provenance, Completeness)"
    );
}

/// The manifest names the program that made the pack: version, commit (in
/// a git checkout) and the SHA-256 of the very binary.
#[test]
fn the_manifest_names_the_binary_that_made_the_pack() {
    let dir = demo_pack();
    let m: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("pack/manifest.json"))).unwrap();
    let tool = &m["tool"];
    assert_eq!(tool["name"], "reviewpack");
    assert_eq!(tool["version"], env!("CARGO_PKG_VERSION"));
    let binary = assert_cmd::cargo::cargo_bin("reviewpack");
    let sha = reviewpack::snapshot::sha256_hex(&std::fs::read(binary).unwrap());
    assert_eq!(tool["binary_sha256"], sha.as_str());
    if let Some(commit) = tool["commit"].as_str() {
        assert_eq!(commit.len(), 40, "{commit}");
    }
    // Who the pull ran as, from the snapshot.
    assert!(
        m["snapshot"]["extracted_by"]["id"].is_string(),
        "{}",
        m["snapshot"]
    );
    // --operator is recorded.
    let out = dir.path().join("pack2");
    let o = report_into(&out, &["--operator", "Sam Compliance <sam@example.com>"]);
    assert!(o.status.success(), "{}", stderr_of(&o));
    let m: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(
        m["parameters"]["operator"],
        "Sam Compliance <sam@example.com>"
    );
}

/// The workbook and the CSV file, written side by side on two threads,
/// hold the same Entitlements rows in the same order, and the workbook's
/// sheet is the same whether csv/ is beside it or not.
#[test]
fn the_workbook_and_the_csv_file_hold_the_same_entitlements_rows() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let dir = tempdir();
    let both = dir.path().join("both");
    let alone = dir.path().join("alone");
    let out = report_into(&both, &["--format", "csv,xlsx"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = report_into(&alone, &["--format", "xlsx"]);
    assert!(out.status.success(), "{}", stderr_of(&out));

    let sheet_rows = |pack: &Path| -> Vec<Vec<String>> {
        let mut wb: Xlsx<_> = open_workbook(pack.join("review.xlsx")).unwrap();
        let range = wb.worksheet_range("Entitlements").unwrap();
        range
            .rows()
            .skip(2)
            .map(|r| {
                r.iter()
                    .map(|d| match d {
                        Data::Float(f) => format!("{}", *f as i64),
                        Data::Empty => String::new(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect()
    };
    let fed = sheet_rows(&both);
    assert_eq!(fed, sheet_rows(&alone), "fed or made alone, the same sheet");

    // The workbook puts the reviewer columns after the row's identity;
    // without them, its rows are the CSV file's (without the provenance
    // columns every CSV row ends with).
    let csv = records(&both.join("csv/entitlements.csv"));
    let header: Vec<&str> = csv[0].iter().collect();
    let titles = &fed[0];
    assert_eq!(
        fed.len(),
        csv.len(),
        "one row per CSV record, header included"
    );
    assert!(fed.len() > 100, "{}", fed.len());
    let keep: Vec<usize> = (0..titles.len())
        .filter(|&i| !crate::pack::REVIEW_HEADERS.contains(&titles[i].as_str()))
        .collect();
    assert_eq!(keep.len(), header.len() - 3, "{titles:?} vs {header:?}");
    for (row, rec) in fed.iter().zip(&csv).skip(1) {
        let ours: Vec<&str> = keep.iter().map(|&i| row[i].as_str()).collect();
        let theirs: Vec<&str> = rec.iter().take(header.len() - 3).collect();
        assert_eq!(ours, theirs);
    }
}
