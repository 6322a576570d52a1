//! The review campaign end to end: a pack with reviewers and one workbook
//! per reviewer, two workbooks filled in as a reviewer would (a script
//! stands in for Excel), `collect`, and next quarter's `diff` reading the
//! collected decisions.

use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};
use serde_json::Value;

use crate::util::{demo, reviewpack, root, stderr_of, tempdir};

/// The demo campaign's policy (also in samples/demo/campaign-policy.toml).
fn policy_file() -> PathBuf {
    root().join("samples/demo/campaign-policy.toml")
}

fn make_pack(dir: &Path) -> PathBuf {
    let pack = dir.join("pack");
    let out = reviewpack()
        .arg("report")
        .arg(demo())
        .arg("-o")
        .arg(&pack)
        .arg("--policy")
        .arg(policy_file())
        .arg("--split-by-reviewer")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    pack
}

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// What a reviewer writes on a row: decision, reviewer, date,
/// justification, ticket, modify to.
type Fill<'a> = dyn Fn(&str, &[String]) -> Option<[String; 6]> + 'a;

/// Copies a reviewer workbook cell for cell into a new file, as a
/// spreadsheet program saving it would, filling the decision columns of
/// each row `fill` decides.
fn fill_workbook(src: &Path, dst: &Path, fill: &Fill<'_>) {
    let mut wb: Xlsx<_> = open_workbook(src).unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(text).collect()).collect();
        let ws = out.add_worksheet();
        ws.set_name(&name).unwrap();
        let header = rows.iter().position(|r| r.iter().any(|c| c == "Row key"));
        for (ri, r) in rows.iter().enumerate() {
            for (ci, c) in r.iter().enumerate() {
                if !c.is_empty() {
                    ws.write_string(ri as u32, ci as u16, c).unwrap();
                }
            }
            let Some(h) = header else { continue };
            if ri <= h {
                continue;
            }
            let decision_col = rows[h].iter().position(|c| c == "Decision").unwrap();
            if let Some(values) = fill(&name, r) {
                for (k, v) in values.iter().enumerate() {
                    ws.write_string(ri as u32, (decision_col + k) as u16, v)
                        .unwrap();
                }
            }
        }
    }
    out.save(dst).unwrap();
}

fn column(rows_header: &[String], name: &str) -> usize {
    rows_header.iter().position(|c| c == name).unwrap()
}

/// Next quarter's diff (q3 to q4 of the demo account) with the collected
/// decisions; diff.json.
fn next_quarter(decisions: &Path, out: &Path) -> Value {
    let diff = reviewpack()
        .arg("diff")
        .arg(root().join("samples/quarter/q3.json"))
        .arg(root().join("samples/quarter/q4.json"))
        .arg("-o")
        .arg(out)
        .arg("--decisions")
        .arg(decisions)
        .output()
        .unwrap();
    assert!(diff.status.success(), "{}", stderr_of(&diff));
    json(&out.join("diff.json"))
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_campaign_runs_from_the_pack_to_next_quarters_diff() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let reviewers = pack.join("reviewers");
    let mut files: Vec<String> = std::fs::read_dir(&reviewers)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "assignments.csv",
            "elena.varga@example.com.xlsx",
            "ivo.marek@example.com.xlsx",
            "priya.raman@example.com.xlsx",
            "secops@example.com.xlsx",
        ]
    );
    // Every reviewer file is in the manifest and SHA256SUMS.
    let manifest = json(&pack.join("manifest.json"));
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for f in &files {
        assert!(listed.contains(&format!("reviewers/{f}").as_str()), "{f}");
    }
    let sums = std::fs::read_to_string(pack.join("SHA256SUMS")).unwrap();
    assert!(sums.contains("reviewers/secops@example.com.xlsx"));

    // A reviewer's workbook: About, then only their rows, each with a key,
    // locked but for the reviewer columns.
    let mut wb: Xlsx<_> = open_workbook(reviewers.join("elena.varga@example.com.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names[0], "About");
    let about: Vec<Vec<String>> = wb
        .worksheet_range("About")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(text).collect())
        .collect();
    assert_eq!(about[0], ["Access review for", "elena.varga@example.com"]);
    let sha = manifest["snapshot"]["sha256"].as_str().unwrap();
    assert!(about
        .iter()
        .any(|r| r[0] == "Snapshot SHA-256" && r[1] == sha));
    let ea: Vec<Vec<String>> = wb
        .worksheet_range("Effective Access")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(text).collect())
        .collect();
    assert!(
        ea[0][0].ends_with("for elena.varga@example.com"),
        "{}",
        ea[0][0]
    );
    assert_eq!(ea[2][0], "Row key");
    let assigned = column(&ea[2], "Assigned reviewer");
    assert!(ea[3..]
        .iter()
        .all(|r| r[assigned] == "elena.varga@example.com"));
    assert!(ea[3..].iter().all(|r| r[0].starts_with("EA:")));

    // Two reviewers return their files: secops keeps everything, with a
    // reason; Elena revokes Gavin's direct project admin (a disabled user)
    // with a ticket, modifies the privileged grants she reviews, and leaves
    // one row undecided.
    let returned = dir.path().join("returned");
    std::fs::create_dir(&returned).unwrap();
    let row = |d: &str, who: &str, why: &str, ticket: &str, to: &str| -> [String; 6] {
        [d, who, "2026-10-15", why, ticket, to].map(str::to_string)
    };
    fill_workbook(
        &reviewers.join("secops@example.com.xlsx"),
        &returned.join("secops@example.com.xlsx"),
        &|_, _| Some(row("Keep", "secops@example.com", "still needed", "", "")),
    );
    let gavin_admin = "EA:03anCCxH1VWgJVaL1Tek7c|direct|project:eng/checkout/role_assignment_SjrVgNt50iXESQx8j3Au";
    let left_out = std::cell::Cell::new(None::<String>);
    fill_workbook(
        &reviewers.join("elena.varga@example.com.xlsx"),
        &returned.join("elena.varga@example.com.xlsx"),
        &|sheet, r| {
            let elena = "elena.varga@example.com";
            if r[0] == gavin_admin {
                return Some(row("Revoke", elena, "left the team", "SEC-101", ""));
            }
            let first_ea = left_out.replace(None);
            let skip = sheet == "Effective Access" && first_ea.is_none();
            left_out.set(first_ea.or_else(|| skip.then(|| r[0].clone())));
            if skip {
                return None;
            }
            if sheet == "Privileged Access" {
                return Some(row("Modify", elena, "too much", "ENG-7", "_project_viewer"));
            }
            Some(row("Keep", elena, "on call", "", ""))
        },
    );

    let out_dir = dir.path().join("campaign");
    let out = reviewpack()
        .arg("collect")
        .arg(&pack)
        .arg(&returned)
        .arg("-o")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(stderr.contains("undecided"), "{stderr}");
    let c = json(&out_dir.join("campaign.json"));
    assert_eq!(c["schema"], "reviewpack.campaign/v1");
    let reviewer = |name: &str| -> Value {
        c["reviewers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["reviewer"] == name)
            .unwrap()
            .clone()
    };
    let secops = reviewer("secops@example.com");
    assert_eq!(secops["undecided"], 0);
    assert_eq!(secops["keep"], secops["assigned"]);
    let elena = reviewer("elena.varga@example.com");
    assert_eq!(elena["undecided"], 1);
    assert_eq!(elena["revoke"], 1);
    assert!(elena["modify"].as_u64().unwrap() >= 1);
    // Nobody returned Ivo's and Priya's files: all undecided.
    let ivo = reviewer("ivo.marek@example.com");
    assert_eq!(ivo["undecided"], ivo["assigned"]);
    let kinds: Vec<&str> = c["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"undecided"));
    // The totals reconcile: assigned = decided + undecided.
    let t = &c["totals"];
    assert_eq!(
        t["assigned"].as_u64().unwrap(),
        t["decided"].as_u64().unwrap() + t["undecided"].as_u64().unwrap()
    );
    for f in [
        "decisions.csv",
        "campaign.xlsx",
        "campaign.html",
        "manifest.json",
        "SHA256SUMS",
    ] {
        assert!(out_dir.join(f).exists(), "{f}");
    }
    // --fail-on medium fails on the undecided rows.
    let again = reviewpack()
        .arg("collect")
        .arg(&pack)
        .arg(&returned)
        .arg("-o")
        .arg(dir.path().join("campaign2"))
        .args(["--fail-on", "medium"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1), "{}", stderr_of(&again));

    // Next quarter: Gavin's admin was not removed, and the collected
    // decisions say so.
    let d = next_quarter(&out_dir.join("decisions.csv"), &dir.path().join("diff"));
    let not_done = d["decisions"]["not_done"].as_array().unwrap();
    assert!(
        not_done
            .iter()
            .any(|r| r["assignment_id"] == "role_assignment_SjrVgNt50iXESQx8j3Au"),
        "{not_done:?}"
    );
    // Elena's Modify to _project_viewer on the privileged rows was not
    // carried out either: each is a modification-not-done finding.
    let modifies: Vec<&Value> = not_done
        .iter()
        .filter(|r| r["decision"] == "Modify")
        .collect();
    assert!(!modifies.is_empty(), "{not_done:?}");
    for m in &modifies {
        assert_eq!(m["modify_to"], "_project_viewer");
        let f = d["findings"]["new"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == m["finding_id"])
            .unwrap_or_else(|| panic!("{m:?} has its finding"));
        assert_eq!(f["rule"], "modification-not-done");
    }
}

/// `campaign.html` in headless Chromium, like the pack's page: no console
/// message (no CSP violation, no error), every section rendered, printable
/// to PDF.
#[test]
fn campaign_html_in_headless_chromium() {
    let Some(browser) = crate::pack::chromium_or_skip() else {
        return;
    };
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let reviewers = pack.join("reviewers");
    // One file back: Priya keeps everything, giving no reasons.
    let returned = dir.path().join("returned.xlsx");
    fill_workbook(
        &reviewers.join("priya.raman@example.com.xlsx"),
        &returned,
        &|_, _| {
            Some(["Keep", "priya.raman@example.com", "2026-10-15", "", "", ""].map(str::to_string))
        },
    );
    let out_dir = dir.path().join("campaign");
    let out = reviewpack()
        .arg("collect")
        .arg(&pack)
        .arg(&returned)
        .arg("-o")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let page = out_dir.join("campaign.html");
    let (dom, log) = crate::pack::chromium(
        &browser,
        &["--virtual-time-budget=3000", "--dump-dom"],
        &page,
    );
    assert!(
        crate::pack::console_lines(&log).is_empty(),
        "console: {:#?}",
        crate::pack::console_lines(&log)
    );
    for id in ["tiles", "reconciliation", "reviewers", "problems", "files"] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(dom.contains("priya.raman@example.com"));
    assert!(dom.contains("undecided"));
    assert!(dom.contains("Check: assigned = decided + undecided"));
    let pdf = dir.path().join("campaign.pdf");
    let _ = crate::pack::chromium(
        &browser,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
        &page,
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
}

/// The README's demo campaign: the bundled answers in samples/demo/returned
/// are what samples/demo/make_returned.py writes from a fresh demo pack
/// (so they stay valid when the pack changes), collect reads every row of
/// them (none refused) and finds what the script's docstring promises, and
/// next quarter's diff says Gavin Roche's revocation and both Modify
/// decisions were not carried out.
#[test]
fn the_bundled_returned_files_are_current_and_run_the_readme_campaign() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let regenerated = dir.path().join("returned");
    let py = std::process::Command::new("python3")
        .arg(root().join("samples/demo/make_returned.py"))
        .arg(&pack)
        .arg(&regenerated)
        .output()
        .expect("python3 runs samples/demo/make_returned.py (CI installs it)");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let bundled = root().join("samples/demo/returned");
    let mut names: Vec<String> = std::fs::read_dir(&bundled)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    for n in &names {
        assert_eq!(
            std::fs::read(bundled.join(n)).unwrap(),
            std::fs::read(regenerated.join(n)).unwrap(),
            "samples/demo/returned/{n} is stale: run python3 samples/demo/make_returned.py PACK samples/demo/returned"
        );
    }

    let out_dir = dir.path().join("campaign");
    let out = reviewpack()
        .arg("collect")
        .arg(&pack)
        .arg(&bundled)
        .arg("-o")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let c = json(&out_dir.join("campaign.json"));
    assert_eq!(c["totals"]["refused"], 0);
    // Created at the evidence's capture time, not the clock's: the same
    // returned files give the same bytes.
    let core = crate::util::zip_entry(&out_dir.join("campaign.xlsx"), "docProps/core.xml");
    assert!(core.contains("2026-10-01T09:00:00Z"), "{core}");
    let mut kinds: Vec<(&str, &str)> = c["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap(),
                p["reviewer"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("keep-without-justification", "elena.varga@example.com"),
            ("no-ticket", "priya.raman@example.com"),
            ("undecided", "elena.varga@example.com"),
            ("undecided", "ivo.marek@example.com"),
            ("undecided", "secops@example.com"),
        ]
    );
    let problems = c["problems"].as_array().unwrap();
    let no_ticket = problems.iter().find(|p| p["kind"] == "no-ticket").unwrap();
    assert!(
        no_ticket["message"]
            .as_str()
            .unwrap()
            .starts_with("priya.raman-effective-access.csv, row "),
        "a CSV file's place names no sheet: {no_ticket}"
    );

    let d = next_quarter(&out_dir.join("decisions.csv"), &dir.path().join("diff"));
    let s = &d["summary"];
    assert_eq!(s["revocations_not_done"], 3, "{s}");
    assert_eq!(s["modifications_not_done"], 2, "{s}");
    assert_eq!(s["modifications_verified"], 0, "{s}");
}

/// Collecting the pack's own `reviewers/` directory (where reviewers' files
/// often land) skips the pack's `assignments.csv` with a note instead of
/// refusing it as a foreign file, and reads every workbook in it.
#[test]
fn the_packs_own_assignments_file_is_not_taken_for_a_returned_one() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let out = reviewpack()
        .arg("collect")
        .arg(&pack)
        .arg(pack.join("reviewers"))
        .arg("-o")
        .arg(dir.path().join("campaign"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("assignments.csv: it is the pack's own list of assignments"),
        "{}",
        stderr_of(&out)
    );
    let c = json(&dir.path().join("campaign/campaign.json"));
    let files = c["files"].as_array().unwrap();
    assert_eq!(files.len(), 4, "the four reviewer workbooks: {files:?}");
    assert!(files.iter().all(|f| f["accepted"] == true), "{files:?}");
    assert!(
        !c["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "foreign-file"),
        "{}",
        c["problems"]
    );
}
