//! Reviewer workbooks in LibreOffice itself: a reviewer fills one in with
//! LibreOffice Calc (driven headless through its scripting bridge,
//! tests/lo/review_in_libreoffice.py) and saves it; `collect` takes every
//! decision. The same reviewer sorting the Decision column alone (which
//! LibreOffice allows on a protected sheet) is caught: the moved decisions
//! are refused as `moved-decision`, not taken for other people's rows.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::campaign::{collect_cmd, make_pack};
use crate::util::{root, stderr_of, tempdir};

/// The system Python with LibreOffice's UNO bridge, or None (the test is
/// skipped, and says so) when it is missing and CI is not set.
fn libreoffice_or_skip() -> Option<PathBuf> {
    let python = PathBuf::from("/usr/bin/python3");
    let ok = std::process::Command::new(&python)
        .args(["-c", "import uno"])
        .output()
        .is_ok_and(|o| o.status.success())
        && std::process::Command::new("soffice")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "CI is set but LibreOffice is not installed: .ci/run installs it (apt-get install libreoffice-calc python3-uno)"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED libreoffice tests: LibreOffice Calc with python3-uno is not installed and CI is not set (apt-get install libreoffice-calc python3-uno to run them)"
    );
    None
}

/// Fills `src` in LibreOffice into `dst`; the script's report.
fn review(python: &Path, src: &Path, dst: &Path, sort: bool) -> Value {
    let mut cmd = std::process::Command::new(python);
    cmd.arg(root().join("tests/lo/review_in_libreoffice.py"))
        .arg(src)
        .arg(dst);
    if sort {
        cmd.arg("--sort");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn collect(pack: &Path, returned: &Path, out: &Path) -> Value {
    let o = collect_cmd(pack, returned, out).output().unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    serde_json::from_slice(&std::fs::read(out.join("campaign.json")).unwrap()).unwrap()
}

fn count(c: &Value, kind: &str) -> usize {
    c["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == kind)
        .count()
}

#[test]
fn a_workbook_filled_and_saved_by_libreoffice_is_collected_and_a_sorted_one_is_caught() {
    let Some(python) = libreoffice_or_skip() else {
        return;
    };
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let workbook = pack.join("reviewers/ines.calder@example.com.xlsx");

    // Filled in and saved by LibreOffice: every decision is taken.
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let r = review(&python, &workbook, &plain.join("ines.xlsx"), false);
    let rows = r["rows"].as_u64().unwrap();
    assert!(rows > 20, "{r}");
    let c = collect(&pack, &plain, &dir.path().join("c-plain"));
    let ines = c["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["reviewer"] == "ines.calder@example.com")
        .unwrap()
        .clone();
    assert_eq!(ines["decided"].as_u64(), Some(rows), "{}", c["problems"]);
    assert_eq!(ines["undecided"], 0);
    assert_eq!(c["totals"]["refused"], 0, "{}", c["problems"]);
    assert_eq!(count(&c, "moved-decision"), 0);
    assert_eq!(
        count(&c, "bad-date"),
        0,
        "a date typed in Calc reads as a date"
    );

    // Saved in LibreOffice's own format (.ods) and dropped in a folder:
    // read like the xlsx.
    let ods = dir.path().join("ods");
    std::fs::create_dir(&ods).unwrap();
    review(&python, &workbook, &ods.join("ines.ods"), false);
    let c = collect(&pack, &ods, &dir.path().join("c-ods"));
    assert_eq!(
        c["totals"]["decided"].as_u64(),
        Some(rows),
        "{}",
        c["problems"]
    );
    assert_eq!(c["totals"]["refused"], 0, "{}", c["problems"]);

    // The Decision column sorted alone: the decisions moved are refused,
    // never taken for the rows they landed on.
    let sorted = dir.path().join("sorted");
    std::fs::create_dir(&sorted).unwrap();
    let r = review(&python, &workbook, &sorted.join("ines.xlsx"), true);
    assert!(r["changed_by_sort"].as_u64().unwrap() > 0, "{r}");
    let c = collect(&pack, &sorted, &dir.path().join("c-sorted"));
    let moved = count(&c, "moved-decision");
    assert!(
        moved as u64 >= r["changed_by_sort"].as_u64().unwrap(),
        "every decision that changed rows is caught: {moved} of {r}"
    );
    let decided = c["totals"]["decided"].as_u64().unwrap();
    assert!(
        decided + moved as u64 == rows,
        "a row is either refused as moved or kept in place: {decided} + {moved} of {rows}"
    );
}
