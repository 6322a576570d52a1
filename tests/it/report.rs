//! `reviewpack report` on the demo account: files, content, safety,
//! determinism and atomic replacement.

use std::path::Path;

use crate::util::{demo, read, reviewpack, stderr_of, tempdir, tree};

const CSV_FILES: &[&str] = &[
    "controls.csv",
    "effective_access.csv",
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
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
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
    std::fs::create_dir(&pack).unwrap();
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
