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

/// The demo pack with the demo campaign's reviewer workbooks, in `dir/pack`.
pub(crate) fn make_pack(dir: &Path) -> PathBuf {
    make_pack_with(dir, &policy_file())
}

/// The demo pack split by the reviewers of `policy`, in `dir/pack`.
pub(crate) fn make_pack_with(dir: &Path, policy: &Path) -> PathBuf {
    let pack = dir.join("pack");
    let out = reviewpack()
        .arg("report")
        .arg(demo())
        .arg("-o")
        .arg(&pack)
        .arg("--policy")
        .arg(policy)
        .arg("--split-by-reviewer")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    if policy == policy_file() {
        assert!(
            stderr_of(&out).contains("warning: reviewer secops@example.com is not a known person"),
            "{}",
            stderr_of(&out)
        );
    }
    pack
}

/// `reviewpack collect PACK RETURNED -o OUT`, to add options to.
pub(crate) fn collect_cmd(pack: &Path, returned: &Path, out: &Path) -> assert_cmd::Command {
    let mut cmd = reviewpack();
    cmd.arg("collect")
        .arg(pack)
        .arg(returned)
        .arg("-o")
        .arg(out);
    cmd
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

use crate::util::read_json as json;

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
            "ines.calder@example.com.xlsx",
            "rosa.delgado@example.com.xlsx",
            "secops@example.com.xlsx",
            "send-list.csv",
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
    // The pack's own sign-off block sends the decisions to the campaign.
    let page = std::fs::read_to_string(pack.join("index.html")).unwrap();
    assert!(page.contains("sent out as a review campaign"));
    // The send list: who gets which file, how many rows, when due.
    let send = std::fs::read_to_string(reviewers.join("send-list.csv")).unwrap();
    assert!(
        send.lines().any(|l| l.starts_with(
            "ines.calder@example.com,user of the account,ines.calder@example.com.xlsx,"
        ) && l.contains(",2026-10-20,")),
        "{send}"
    );
    // A team mailbox is flagged before anything is sent.
    assert!(
        send.lines()
            .any(|l| l.starts_with("secops@example.com,not a known person,")),
        "{send}"
    );

    // A reviewer's workbook: About, then only their entitlements, each with
    // its key, locked but for the reviewer columns, which sit beside the
    // row's identity.
    let workbook = reviewers.join("ines.calder@example.com.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&workbook).unwrap();
    assert_eq!(wb.sheet_names(), ["About", "Entitlements"]);
    let about: Vec<Vec<String>> = wb
        .worksheet_range("About")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(text).collect())
        .collect();
    assert_eq!(about[0], ["Access review for", "ines.calder@example.com"]);
    let sha = manifest["snapshot"]["sha256"].as_str().unwrap();
    assert!(about
        .iter()
        .any(|r| r[0] == "Snapshot SHA-256" && r[1] == sha));
    let ent: Vec<Vec<String>> = wb
        .worksheet_range("Entitlements")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(text).collect())
        .collect();
    assert!(
        ent[0][0].ends_with("for ines.calder@example.com"),
        "{}",
        ent[0][0]
    );
    assert_eq!(ent[2][..4], ["Who", "Entitlement", "Gives", "Decision"]);
    let key = column(&ent[2], "Row key");
    let assigned = column(&ent[2], "Assigned reviewer");
    assert!(ent[3..]
        .iter()
        .all(|r| r[assigned] == "ines.calder@example.com"));
    for r in &ent[3..] {
        assert!(
            ["PR:", "SM:", "GM:", "RA:", "TK:"]
                .iter()
                .any(|p| r[key].starts_with(p)),
            "{}",
            r[key]
        );
    }
    // Protected, sorting not allowed, identity columns frozen.
    let xml = crate::util::zip_entry(&workbook, "xl/worksheets/sheet2.xml");
    assert!(xml.contains("<sheetProtection"), "protected");
    assert!(!xml.contains("sort=\"0\""), "sorting is not allowed");
    assert!(xml.contains(r#"xSplit="3" ySplit="3""#), "identity frozen");
    assert!(xml.contains("<pageSetup") && xml.contains("orientation=\"landscape\""));
    // Printed across pages repeating who/what/gives and the header, up to
    // How it is removed; wrapped rows sized.
    let book = crate::util::zip_entry(&workbook, "xl/workbook.xml");
    assert!(
        book.contains("Entitlements!$A:$C,Entitlements!$1:$3"),
        "{book}"
    );
    assert!(book.contains("_xlnm.Print_Area"), "{book}");
    assert!(
        xml.contains("customHeight=\"1\""),
        "wrapped rows have their height"
    );
    let about_xml = crate::util::zip_entry(&workbook, "xl/worksheets/sheet1.xml");
    // Fit to one page wide and (by default) one page tall.
    assert!(
        about_xml.contains(r#"fitToPage="1""#) && !about_xml.contains("fitToHeight"),
        "About prints on one page"
    );

    // Two reviewers return their files: secops keeps everything with a
    // reason; Ines revokes Gavin's direct project admin (a disabled user)
    // with a ticket, modifies one write assignment, and leaves one row
    // undecided. Rosa returns nothing.
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
    let gavin_admin = "RA:project:eng/checkout/role_assignment_SjrVgNt50iXESQx8j3Au";
    let skipped = std::cell::Cell::new(false);
    let modified = std::cell::Cell::new(false);
    fill_workbook(&workbook, &returned.join("ines.xlsx"), &|_, r| {
        let ines = "ines.calder@example.com";
        let (k, level) = (&r[key], &r[2]);
        if k == gavin_admin {
            return Some(row("Revoke", ines, "left the team", "SEC-101", ""));
        }
        if !skipped.replace(true) {
            return None;
        }
        if k.starts_with("RA:") && level == "write" && !modified.replace(true) {
            return Some(row("Modify", ines, "too much", "ENG-7", "_project_viewer"));
        }
        Some(row("Keep", ines, "on call", "", ""))
    });

    let out_dir = dir.path().join("campaign");
    let out = collect_cmd(&pack, &returned, &out_dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(stderr.contains("undecided"), "{stderr}");
    let c = json(&out_dir.join("campaign.json"));
    assert_eq!(c["schema"], "reviewpack.campaign/v1");
    assert_eq!(c["totals"]["refused"], 0, "{}", c["problems"]);
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
    let ines = reviewer("ines.calder@example.com");
    assert_eq!(ines["undecided"], 1);
    assert_eq!(ines["revoke"], 1);
    assert_eq!(ines["modify"], 1);
    let rosa = reviewer("rosa.delgado@example.com");
    assert_eq!(rosa["undecided"], rosa["assigned"]);
    // The totals reconcile: assigned = decided + undecided; each
    // entitlement decided once.
    let t = &c["totals"];
    assert_eq!(
        t["assigned"].as_u64().unwrap(),
        t["decided"].as_u64().unwrap() + t["undecided"].as_u64().unwrap()
    );
    let decisions = std::fs::read_to_string(out_dir.join("decisions.csv")).unwrap();
    let keys: Vec<&str> = decisions
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&&str> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "each entitlement decided once");
    assert!(
        decisions.lines().nth(1).unwrap().ends_with(sha),
        "decisions.csv names its snapshot on every row"
    );
    // The follow-up list names who has not answered.
    let follow = std::fs::read_to_string(out_dir.join("follow-up.csv")).unwrap();
    assert!(
        follow
            .lines()
            .any(|l| l.starts_with("rosa.delgado@example.com,no file returned,")),
        "{follow}"
    );
    for f in [
        "decisions.csv",
        "follow-up.csv",
        "campaign.xlsx",
        "campaign.html",
        "manifest.json",
        "SHA256SUMS",
    ] {
        assert!(out_dir.join(f).exists(), "{f}");
    }
    // --fail-on medium fails on the undecided rows.
    let again = collect_cmd(&pack, &returned, &dir.path().join("campaign2"))
        .args(["--fail-on", "medium"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1), "{}", stderr_of(&again));

    // Next quarter: Gavin's admin was not removed, and the collected
    // decisions say so; the Modify was not carried out either.
    let d = next_quarter(&out_dir.join("decisions.csv"), &dir.path().join("diff"));
    let not_done = d["decisions"]["not_done"].as_array().unwrap();
    assert!(
        not_done.iter().any(
            |r| r["assignment_id"] == "role_assignment_SjrVgNt50iXESQx8j3Au"
                && r["decision"] == "Revoke"
        ),
        "{not_done:?}"
    );
    let modifies: Vec<&Value> = not_done
        .iter()
        .filter(|r| r["decision"] == "Modify")
        .collect();
    assert_eq!(modifies.len(), 1, "{not_done:?}");
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
    // One file back: Rosa keeps everything, giving no reasons.
    let returned = dir.path().join("returned.xlsx");
    fill_workbook(
        &reviewers.join("rosa.delgado@example.com.xlsx"),
        &returned,
        &|_, _| {
            Some(["Keep", "rosa.delgado@example.com", "2026-10-15", "", "", ""].map(str::to_string))
        },
    );
    let out_dir = dir.path().join("campaign");
    let out = collect_cmd(&pack, &returned, &out_dir).output().unwrap();
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
    for id in [
        "tiles",
        "reconciliation",
        "reviewers",
        "follow-up",
        "problems",
        "files",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // An email may wrap after its @, nowhere else.
    assert!(dom.contains("rosa.delgado@<wbr>example.com"));
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
/// them (none refused, Excel's UTF-8 and German exports alike) and finds
/// what the script's docstring promises, and next quarter's diff shows
/// revocations both verified (Victor's admin, Farah's user) and not done
/// (Gavin's admin), and the Modify not done.
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
    assert_eq!(names.len(), 2, "{names:?}");
    for n in &names {
        assert_eq!(
            std::fs::read(bundled.join(n)).unwrap(),
            std::fs::read(regenerated.join(n)).unwrap(),
            "samples/demo/returned/{n} is stale: run python3 samples/demo/make_returned.py PACK samples/demo/returned"
        );
    }

    let out_dir = dir.path().join("campaign");
    let out = collect_cmd(&pack, &bundled, &out_dir)
        .args(["--collected-at", "2026-10-21"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let c = json(&out_dir.join("campaign.json"));
    // One row in Ines's file names her colleague as reviewer: excluded.
    assert_eq!(c["totals"]["refused"], 1);
    // The policy's 14 days from the collection: on every Revoke and Modify
    // row, on no Keep row.
    assert_eq!(c["remediate_by"], "2026-11-04");
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
            ("keep-without-justification", "ines.calder@example.com"),
            ("undecided", "ines.calder@example.com"),
            ("undecided", "rosa.delgado@example.com"),
            ("undecided", "secops@example.com"),
            ("undecided-privileged", "ines.calder@example.com"),
            ("undecided-privileged", "rosa.delgado@example.com"),
            ("undecided-privileged", "secops@example.com"),
            ("wrong-reviewer", "ines.calder@example.com"),
        ]
    );
    assert_eq!(c["status"], "INCOMPLETE");
    // Every returned file is kept in the campaign, sealed.
    for f in [
        "returned/ines.calder-entitlements.csv",
        "returned/secops-entitlements.csv",
    ] {
        assert!(out_dir.join(f).is_file(), "{f}");
        let sums = std::fs::read_to_string(out_dir.join("SHA256SUMS")).unwrap();
        assert!(sums.contains(f), "{f} in SHA256SUMS");
    }
    let problems = c["problems"].as_array().unwrap();
    let keep = problems
        .iter()
        .find(|p| p["kind"] == "keep-without-justification")
        .unwrap();
    assert!(
        keep["message"]
            .as_str()
            .unwrap()
            .starts_with("ines.calder-entitlements.csv, row "),
        "a CSV file's place names no sheet: {keep}"
    );
    // The German export's names came through (Windows-1252, semicolons).
    let decisions = std::fs::read_to_string(out_dir.join("decisions.csv")).unwrap();
    assert!(
        decisions.contains("disabled user, still project admin"),
        "{decisions:.500}"
    );
    assert!(decisions
        .lines()
        .next()
        .unwrap()
        .contains(",modify_to,remediate_by,file,"));
    let due: Vec<&str> = decisions
        .lines()
        .filter(|l| l.contains(",2026-11-04,"))
        .collect();
    assert_eq!(due.len(), 4, "three Revoke and one Modify: {due:?}");
    assert!(
        due.iter()
            .all(|l| l.contains(",Revoke,") || l.contains(",Modify,")),
        "{due:?}"
    );

    let d = next_quarter(&out_dir.join("decisions.csv"), &dir.path().join("diff"));
    let s = &d["summary"];
    // Every entitlement is in decisions.csv: the diff's counts add up, the
    // undecided ones included.
    let dd = &d["decisions"];
    assert_eq!(
        dd["rows"].as_u64().unwrap(),
        dd["keep"].as_u64().unwrap()
            + dd["revoke"].as_u64().unwrap()
            + dd["modify"].as_u64().unwrap()
            + dd["undecided"].as_u64().unwrap(),
        "{dd}"
    );
    assert_eq!(dd["undecided"], c["totals"]["undecided"], "{dd}");
    assert_eq!(s["revocations_verified"], 2, "{s}");
    assert_eq!(s["revocations_not_done"], 1, "{s}");
    assert_eq!(s["revocations_unchecked"], 0, "{s}");
    assert_eq!(s["modifications_not_done"], 1, "{s}");
    assert_eq!(s["modifications_verified"], 0, "{s}");

    // Remediation timing, from q4's audit trail (samples/quarter/make_q4.py):
    // Victor's assignment deleted on the 23rd of October (on time), Farah
    // removed on the 18th of November (14 days late), Gavin's assignment
    // and the Modify not done 58 days after their day.
    let mut rows: Vec<(String, String, String)> = ["verified", "not_done"]
        .iter()
        .flat_map(|k| dd[*k].as_array().unwrap())
        .map(|r| {
            let t = &r["timing"];
            (
                r["principal_name"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
                format!(
                    "{}/{}/{}",
                    t["remediate_by"].as_str().unwrap_or("-"),
                    t["removed_at"].as_str().unwrap_or("-"),
                    t["days_late"]
                ),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            (
                "All Organization Users".into(),
                "overdue".into(),
                "2026-11-04/-/58".into()
            ),
            (
                "Farah Nasser".into(),
                "late".into(),
                "2026-11-04/2026-11-18T09:30:41Z/14".into()
            ),
            (
                "Gavin Roche".into(),
                "overdue".into(),
                "2026-11-04/-/58".into()
            ),
            (
                "Victor Haldane".into(),
                "on time".into(),
                "2026-11-04/2026-10-23T14:12:05Z/null".into()
            ),
        ]
    );
    let victor = dd["verified"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["principal_name"] == "Victor Haldane")
        .unwrap();
    assert_eq!(
        victor["timing"]["removed_by"],
        "USER amara.okonkwo@example.com"
    );
    assert_eq!(victor["timing"]["matched_by"], "exactly");
    let late: Vec<&Value> = d["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "remediation-late")
        .collect();
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0]["evidence"]["days_late"], 14);
    assert_eq!(late[0]["evidence"]["ticket"], "SEC-2043");
    let not_done = d["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "revocation-not-done")
        .unwrap();
    assert_eq!(not_done["evidence"]["days_overdue"], 58);
    let csv = std::fs::read_to_string(dir.path().join("diff/csv/revocations.csv")).unwrap();
    assert!(
        csv.lines().next().unwrap().contains(
            ",timing,remediate_by,removed_at,removed_by,days_late,audit_event,timing_note"
        ),
        "{csv:.400}"
    );
    assert!(
        csv.contains(",late,2026-11-04,2026-11-18T09:30:41Z,USER amara.okonkwo@example.com,14,"),
        "{csv}"
    );

    // The README's last step: the control owner signs the campaign off with
    // the remediation the diff found.
    let signoff = |extra: &[&str]| {
        reviewpack()
            .arg("signoff")
            .arg(&out_dir)
            .args(["--by", "Dana Owner"])
            .args(extra)
            .output()
            .unwrap()
    };
    let diff_dir = dir.path().join("diff");
    // Not before the later snapshot the remediation was checked on.
    let early = signoff(&[
        "--date",
        "2026-12-01",
        "--remediation",
        diff_dir.to_str().unwrap(),
    ]);
    assert_eq!(early.status.code(), Some(2), "{}", stderr_of(&early));
    assert!(
        stderr_of(&early).contains("before the later snapshot"),
        "{}",
        stderr_of(&early)
    );
    // Not a diff of other decisions.
    let other = dir.path().join("other-diff");
    let o = reviewpack()
        .arg("diff")
        .arg(root().join("samples/quarter/q3.json"))
        .arg(root().join("samples/quarter/q4.json"))
        .arg("-o")
        .arg(&other)
        .arg("--decisions")
        .arg(root().join("samples/quarter/q3-decisions.csv"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    let wrong = signoff(&[
        "--date",
        "2027-01-04",
        "--remediation",
        other.to_str().unwrap(),
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr_of(&wrong).contains("not this campaign's decisions.csv"),
        "{}",
        stderr_of(&wrong)
    );
    // Not a diff changed after it was made.
    let copy = dir.path().join("edited-diff");
    copy_dir(&diff_dir, &copy);
    let dj = copy.join("diff.json");
    let text = std::fs::read_to_string(&dj)
        .unwrap()
        .replace("\"late\"", "\"on time\"");
    std::fs::write(&dj, text).unwrap();
    let edited = signoff(&[
        "--date",
        "2027-01-04",
        "--remediation",
        copy.to_str().unwrap(),
    ]);
    assert_eq!(edited.status.code(), Some(2));
    assert!(
        stderr_of(&edited).contains("does not match its seal"),
        "{}",
        stderr_of(&edited)
    );
    assert!(!out_dir.join("signoff.json").exists());

    let o = signoff(&[
        "--date",
        "2027-01-04",
        "--remediation",
        diff_dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr_of(&o));
    assert!(
        stderr_of(&o).contains("remediation (as of 2027-01-01T09:00:00Z): 2 done (1 on time, 1 late, 0 not timed), 2 not done (2 past their day), 0 unchecked"),
        "{}",
        stderr_of(&o)
    );
    let r = json(&out_dir.join("remediation.json"));
    assert_eq!(r["later_snapshot"]["sha256"], d["new"]["sha256"]);
    assert_eq!(r["timing"]["late"], 1);
    assert_eq!(r["rows"].as_array().unwrap().len(), 4);
    let s = json(&out_dir.join("signoff.json"));
    assert_eq!(s["remediation"]["file"], "remediation.json");
    assert_eq!(
        s["remediation"]["diff_json_sha256"].as_str().unwrap(),
        reviewpack::snapshot::sha256_hex(&std::fs::read(diff_dir.join("diff.json")).unwrap())
    );
    let sums = std::fs::read_to_string(out_dir.join("SHA256SUMS")).unwrap();
    assert!(
        sums.contains("  remediation.json") && sums.contains("  remediation.csv"),
        "{sums}"
    );
    // The page: status, dates, exclusions, the remediation timing.
    let page = std::fs::read_to_string(out_dir.join("campaign.html")).unwrap();
    for want in [
        "Campaign INCOMPLETE",
        "open 2026-10-05 · due 2026-10-20 · close 2026-10-31 · Revoke and Modify due 2026-11-04 (14 days after collection)",
        "<code>wrong-reviewer</code>",
        "Signed off by Dana Owner on 2027-01-04",
        "overdue: 58 day(s)",
        "late: 14 day(s)",
        "USER amara.okonkwo@example.com",
        "Remediation checked on",
    ] {
        assert!(page.contains(want), "the page lacks {want:?}");
    }
}

/// Copies a directory tree (files only).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Collecting the pack's own `reviewers/` directory skips the pack's
/// `assignments.csv` and `send-list.csv` with a note instead of refusing
/// them as foreign files, and reads every workbook in it.
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
        stderr_of(&out).contains("assignments.csv: it is one of the pack's own files"),
        "{}",
        stderr_of(&out)
    );
    let c = json(&dir.path().join("campaign/campaign.json"));
    let files = c["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "the three reviewer workbooks: {files:?}");
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

/// A pack edited after it was made (an assignment moved to another reviewer,
/// the manifest edited to match) is refused before anything is read.
#[test]
fn collect_refuses_a_pack_that_does_not_match_its_seal() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let assignments = pack.join("reviewers/assignments.csv");
    let text = std::fs::read_to_string(&assignments).unwrap();
    let edited = text.replacen(",ines.calder@example.com,", ",mallory@example.com,", 1);
    assert_ne!(text, edited);
    std::fs::write(&assignments, &edited).unwrap();
    // The manifest names the new hash, as someone covering their tracks would.
    let old = reviewpack::snapshot::sha256_hex(text.as_bytes());
    let new = reviewpack::snapshot::sha256_hex(edited.as_bytes());
    let manifest = std::fs::read_to_string(pack.join("manifest.json")).unwrap();
    std::fs::write(pack.join("manifest.json"), manifest.replace(&old, &new)).unwrap();
    let returned = dir.path().join("returned");
    std::fs::create_dir(&returned).unwrap();
    std::fs::copy(
        pack.join("reviewers/secops@example.com.xlsx"),
        returned.join("secops.xlsx"),
    )
    .unwrap();
    let out = collect_cmd(&pack, &returned, &dir.path().join("campaign"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("does not match its seal"), "{err}");
    assert!(err.contains("manifest.json: SHA-256 differs"), "{err}");
    assert!(!dir.path().join("campaign").exists());
}

/// The attack of the trusted-decisions issue: Elena's own admin rows,
/// marked Keep, in a CSV whose only banner line is the snapshot SHA-256.
/// Nothing is taken, and `--fail-on high` fails.
#[test]
fn a_csv_naming_no_reviewer_decides_nothing_and_fails_the_gate() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let sha = json(&pack.join("manifest.json"))["snapshot"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let assignments = std::fs::read_to_string(pack.join("reviewers/assignments.csv")).unwrap();
    let mut csv = format!("Snapshot SHA-256 {sha}\r\nrow_key,decision,reviewer,justification\r\n");
    let mut n = 0;
    for line in assignments.lines().skip(1) {
        if line.contains("elena.varga@example.com") && line.contains(",admin,") {
            let key = line.split(',').next().unwrap();
            csv.push_str(&format!("{key},Keep,secops@example.com,fine\r\n"));
            n += 1;
        }
    }
    assert!(n >= 2, "elena's admin rows: {n}");
    let returned = dir.path().join("returned");
    std::fs::create_dir(&returned).unwrap();
    std::fs::write(returned.join("elena.csv"), csv).unwrap();
    let out = collect_cmd(&pack, &returned, &dir.path().join("campaign"))
        .args(["--fail-on", "high"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let c = json(&dir.path().join("campaign/campaign.json"));
    assert_eq!(c["totals"]["decided"], 0);
    assert!(c["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["kind"] == "unnamed-file"));
}

/// Reviewer workbooks are named without collisions: `o'brien@` and
/// `o_brien@` each get their own file, holding their own rows.
#[test]
fn reviewers_whose_emails_differ_in_punctuation_get_their_own_workbooks() {
    let dir = tempdir();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[reviewers]\ndefault = \"o'brien@example.com\"\n\"org:eng\" = \"o_brien@example.com\"\n",
    )
    .unwrap();
    let pack = make_pack_with(dir.path(), &policy);
    for (file, reviewer) in [
        ("o%27brien@example.com.xlsx", "o'brien@example.com"),
        ("o_brien@example.com.xlsx", "o_brien@example.com"),
    ] {
        let mut wb: Xlsx<_> = open_workbook(pack.join("reviewers").join(file)).unwrap();
        let about = wb.worksheet_range("About").unwrap();
        assert_eq!(text(about.get((0, 1)).unwrap()), reviewer, "{file}");
    }
}

/// Issue 21: a reviewer address of 300 characters made the whole report
/// fail at its end ("File name too long"), and one starting with `.` made a
/// hidden workbook. Names are now bounded and visible, the send list names
/// the files written, and collect binds them back to their reviewers.
#[test]
fn long_and_dotted_reviewer_addresses_get_visible_workbooks_collect_reads_back() {
    let dir = tempdir();
    let long = format!("{}@example.com", "l".repeat(288));
    assert_eq!(long.len(), 300);
    let dotted = ".ops@example.com";
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!("[reviewers]\ndefault = \"{long}\"\n\"org:eng\" = \"{dotted}\"\n"),
    )
    .unwrap();
    let pack = make_pack_with(dir.path(), &policy);
    let reviewers = pack.join("reviewers");
    let mut workbooks: Vec<String> = std::fs::read_dir(&reviewers)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xlsx"))
        .collect();
    workbooks.sort();
    assert_eq!(workbooks.len(), 2, "{workbooks:?}");
    for n in &workbooks {
        assert!(!n.starts_with('.'), "a hidden workbook: {n}");
        assert!(n.len() <= 150, "{n}: {} bytes", n.len());
    }
    assert!(workbooks.contains(&"%2Eops@example.com.xlsx".to_string()));
    // The send list names each reviewer's file as it is on disk.
    let send = std::fs::read_to_string(reviewers.join("send-list.csv")).unwrap();
    let mut listed: Vec<(String, String)> = send
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_string(), cells[2].to_string())
        })
        .collect();
    listed.sort();
    let mut on_disk = workbooks.clone();
    on_disk.sort();
    let mut named: Vec<String> = listed.iter().map(|(_, f)| f.clone()).collect();
    named.sort();
    assert_eq!(named, on_disk);
    let reviewers_listed: Vec<&str> = listed.iter().map(|(r, _)| r.as_str()).collect();
    assert!(reviewers_listed.contains(&long.as_str()), "{send}");
    assert!(reviewers_listed.contains(&dotted), "{send}");

    // Returned as they were sent: each file is its reviewer's.
    let out_dir = dir.path().join("campaign");
    let out = collect_cmd(&pack, &reviewers, &out_dir).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr_of(&out)
    );
    let c = json(&out_dir.join("campaign.json"));
    let mut files: Vec<(String, String, bool)> = c["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["reviewer"].as_str().unwrap_or_default().to_string(),
                f["accepted"] == true,
            )
        })
        .collect();
    files.sort();
    let mut expected: Vec<(String, String, bool)> = listed
        .iter()
        .map(|(r, f)| (f.clone(), r.clone(), true))
        .collect();
    expected.sort();
    assert_eq!(files, expected);
}

/// Issue 21: a `[reviewers]` key with a typo (`org:engg`) matched nothing
/// and its reviewer silently reviewed nothing. It is still accepted (a
/// policy serves many snapshots) but named on stderr, with the nearest
/// existing scope or group; keys that match say nothing.
#[test]
fn reviewer_keys_naming_no_scope_or_group_are_warned_of() {
    let dir = tempdir();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        concat!(
            "[reviewers]\n",
            "default = \"secops@example.com\"\n",
            "\"org:engg\" = \"ines.calder@example.com\"\n",
            "\"org:ops\" = \"rosa.delgado@example.com\"\n",
            "\"project:eng/paymnts\" = \"priya.raman@example.com\"\n",
            "\"project:eng/mobile\" = \"priya.raman@example.com\"\n",
            "\"org:marketing\" = \"rosa.delgado@example.com\"\n",
            "\"group:account/platform_admin\" = \"rosa.delgado@example.com\"\n",
            "\"group:org:eng/eng_leads\" = \"rosa.delgado@example.com\"\n",
        ),
    )
    .unwrap();
    let out = reviewpack()
        .arg("report")
        .arg(demo())
        .arg("-o")
        .arg(dir.path().join("pack"))
        .arg("--policy")
        .arg(&policy)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr_of(&out)
    );
    let warnings: Vec<String> = stderr_of(&out)
        .lines()
        .filter(|l| l.contains("warning: policy [reviewers]"))
        .map(|l| l.trim_start_matches("reviewpack: ").to_string())
        .collect();
    assert_eq!(
        warnings,
        [
            r#"warning: policy [reviewers] "group:account/platform_admin" matches no group of the snapshot (did you mean group:account/platform_admins?)"#,
            r#"warning: policy [reviewers] "org:engg" matches no org or project of the snapshot (did you mean org:eng?)"#,
            r#"warning: policy [reviewers] "org:marketing" matches no org or project of the snapshot"#,
            r#"warning: policy [reviewers] "project:eng/paymnts" matches no org or project of the snapshot (did you mean project:eng/payments?)"#,
        ]
    );
}

/// A returned folder holding one file that cannot be read (a broken
/// download) and one good file: the broken one is a problem for that file,
/// the good one is collected.
#[test]
fn an_unreadable_returned_file_does_not_stop_the_collection() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let returned = dir.path().join("returned");
    std::fs::create_dir(&returned).unwrap();
    let good = returned.join("secops.xlsx");
    fill_workbook(
        &pack.join("reviewers/secops@example.com.xlsx"),
        &good,
        &|_, _| {
            Some(
                [
                    "Keep",
                    "secops@example.com",
                    "2026-10-15",
                    "still needed",
                    "",
                    "",
                ]
                .map(str::to_string),
            )
        },
    );
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(returned.join("broken.xlsx"), &bytes[..bytes.len() / 2]).unwrap();
    let out = collect_cmd(&pack, &returned, &dir.path().join("campaign"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let c = json(&dir.path().join("campaign/campaign.json"));
    let broken = c["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "unreadable-file")
        .unwrap_or_else(|| panic!("{}", c["problems"]));
    assert_eq!(broken["file"], "broken.xlsx");
    assert!(
        c["totals"]["decided"].as_u64().unwrap() > 50,
        "{}",
        c["totals"]
    );
}

/// A workbook returned without its About sheet is still bound to the
/// reviewer its Entitlements banner names: that reviewer's rows are taken,
/// and nobody else's.
#[test]
fn a_workbook_without_its_about_sheet_is_still_bound_to_its_reviewer() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let returned = dir.path().join("returned");
    std::fs::create_dir(&returned).unwrap();
    let filled = dir.path().join("filled.xlsx");
    fill_workbook(
        &pack.join("reviewers/rosa.delgado@example.com.xlsx"),
        &filled,
        &|_, _| {
            Some(
                [
                    "Keep",
                    "rosa.delgado@example.com",
                    "2026-10-15",
                    "ok",
                    "",
                    "",
                ]
                .map(str::to_string),
            )
        },
    );
    // Copy every sheet but About, as someone deleting it would leave it.
    let mut wb: Xlsx<_> = open_workbook(&filled).unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    for name in wb.sheet_names() {
        if name == "About" {
            continue;
        }
        let ws = out.add_worksheet();
        ws.set_name(&name).unwrap();
        for (ri, r) in wb.worksheet_range(&name).unwrap().rows().enumerate() {
            for (ci, c) in r.iter().enumerate() {
                let t = text(c);
                if !t.is_empty() {
                    ws.write_string(ri as u32, ci as u16, &t).unwrap();
                }
            }
        }
    }
    out.save(returned.join("rosa.xlsx")).unwrap();
    let o = collect_cmd(&pack, &returned, &dir.path().join("campaign"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    let c = json(&dir.path().join("campaign/campaign.json"));
    assert_eq!(c["files"][0]["reviewer"], "rosa.delgado@example.com");
    let rosa = c["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reviewer"] == "rosa.delgado@example.com")
        .unwrap()
        .clone();
    assert_eq!(rosa["decided"], rosa["assigned"]);
    assert_eq!(
        c["totals"]["decided"], rosa["assigned"],
        "nobody else's rows"
    );
}

/// `--collected-at` is recorded and bounds the review dates; the same
/// returned files and the same time give the same bytes.
#[test]
fn collected_at_is_recorded_bounds_review_dates_and_keeps_outputs_deterministic() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let returned = root().join("samples/demo/returned");
    let run = |name: &str, at: &str| -> Value {
        let out = dir.path().join(name);
        let o = collect_cmd(&pack, &returned, &out)
            .args(["--collected-at", at])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr_of(&o));
        json(&out.join("campaign.json"))
    };
    let a = run("a", "2026-10-21");
    run("b", "2026-10-21");
    assert_eq!(a["collected_at"], "2026-10-21T00:00:00Z");
    assert_eq!(a["dates"]["due"], "2026-10-20");
    assert!(
        a["status_why"]
            .as_str()
            .unwrap()
            .contains("past due: the answers were due 2026-10-20"),
        "{}",
        a["status_why"]
    );
    // Near miss: collected on the day they were due, it is not past due.
    let on_time = run("on-time", "2026-10-20");
    assert!(!on_time["status_why"].as_str().unwrap().contains("past due"));
    assert_eq!(
        std::fs::read(dir.path().join("a/SHA256SUMS")).unwrap(),
        std::fs::read(dir.path().join("b/SHA256SUMS")).unwrap(),
        "same inputs, same time: same files"
    );
    let manifest = json(&dir.path().join("a/manifest.json"));
    assert_eq!(
        manifest["parameters"]["collected_at"],
        "2026-10-21T00:00:00Z"
    );
    // Collected on the 6th: Ines's decisions of the 7th cannot have been
    // made yet.
    let early = run("early", "2026-10-06");
    let bad: Vec<&Value> = early["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "bad-date")
        .collect();
    assert!(!bad.is_empty());
    assert!(bad
        .iter()
        .all(|p| p["reviewer"] == "ines.calder@example.com"));
    assert!(bad[0]["message"]
        .as_str()
        .unwrap()
        .contains("after this collection"));
}

/// `signoff`: the control owner approves a collected campaign; the
/// sign-off names the decisions' and the manifest's SHA-256, is shown on the
/// page, and is sealed with the rest; a second sign-off, or one of a
/// campaign changed after it was collected, is refused.
#[test]
fn signoff_names_the_decisions_and_is_sealed() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let out_dir = dir.path().join("campaign");
    let o = collect_cmd(&pack, &root().join("samples/demo/returned"), &out_dir)
        .args(["--collected-at", "2026-10-21"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    let sha = |f: &str| reviewpack::snapshot::sha256_hex(&std::fs::read(out_dir.join(f)).unwrap());
    let (decisions, manifest) = (sha("decisions.csv"), sha("manifest.json"));
    let signoff = |extra: &[&str]| {
        reviewpack()
            .arg("signoff")
            .arg(&out_dir)
            .args(["--by", "Dana Owner <dana@example.com>"])
            .args(extra)
            .output()
            .unwrap()
    };
    // Not before the collection.
    let early = signoff(&["--date", "2026-10-20"]);
    assert_eq!(early.status.code(), Some(2), "{}", stderr_of(&early));
    let o = signoff(&["--date", "2026-10-22"]);
    assert!(o.status.success(), "{}", stderr_of(&o));
    assert!(
        stderr_of(&o).contains("campaign INCOMPLETE"),
        "{}",
        stderr_of(&o)
    );
    let s = json(&out_dir.join("signoff.json"));
    assert_eq!(s["by"], "Dana Owner <dana@example.com>");
    assert_eq!(s["date"], "2026-10-22");
    assert_eq!(s["decisions_sha256"], decisions.as_str());
    assert_eq!(s["manifest_sha256"], manifest.as_str());
    assert_eq!(s["campaign_status"], "INCOMPLETE");
    let page = std::fs::read_to_string(out_dir.join("campaign.html")).unwrap();
    assert!(
        page.contains("Signed off by Dana Owner &lt;dana@example.com&gt; on 2026-10-22"),
        "the page shows it"
    );
    assert!(page.contains(&decisions));
    // Sealed again: SHA256SUMS covers the sign-off and the new page.
    let sums = std::fs::read_to_string(out_dir.join("SHA256SUMS")).unwrap();
    assert!(sums.contains("  signoff.json"));
    for line in sums.lines() {
        let (want, file) = line.split_once("  ").unwrap();
        assert_eq!(sha(file), want, "{file}");
    }
    // Once only.
    let again = signoff(&["--date", "2026-10-23"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr_of(&again).contains("already signed off"),
        "{}",
        stderr_of(&again)
    );

    // A campaign changed after it was collected is not signed.
    let other = dir.path().join("campaign2");
    let o = collect_cmd(&pack, &root().join("samples/demo/returned"), &other)
        .args(["--collected-at", "2026-10-21"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let d = other.join("decisions.csv");
    let text = std::fs::read_to_string(&d)
        .unwrap()
        .replacen(",Revoke,", ",Keep,", 1);
    std::fs::write(&d, text).unwrap();
    let o = reviewpack()
        .arg("signoff")
        .arg(&other)
        .args(["--by", "Dana", "--date", "2026-10-22"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr_of(&o).contains("does not match its seal"),
        "{}",
        stderr_of(&o)
    );
    assert!(!other.join("signoff.json").exists());
}

/// With a campaign key, each workbook carries its reviewer's return code:
/// the file sent back is taken; a file without the code, or with another
/// reviewer's, decides nothing; collect needs the same key.
#[test]
fn return_codes_bind_files_to_their_reviewers() {
    let dir = tempdir();
    let key = dir.path().join("campaign.key");
    std::fs::write(&key, "0123456789abcdef0123456789abcdef\n").unwrap();
    let pack = dir.path().join("pack");
    let out = reviewpack()
        .arg("report")
        .arg(demo())
        .arg("-o")
        .arg(&pack)
        .arg("--policy")
        .arg(policy_file())
        .arg("--split-by-reviewer")
        .arg("--campaign-key-file")
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let manifest = std::fs::read_to_string(pack.join("manifest.json")).unwrap();
    assert!(
        !manifest.contains("0123456789abcdef0123"),
        "the key is never written"
    );
    let mut wb: Xlsx<_> =
        open_workbook(pack.join("reviewers/ines.calder@example.com.xlsx")).unwrap();
    let about = wb.worksheet_range("About").unwrap();
    let code = about
        .rows()
        .find(|r| text(&r[0]) == "Return code")
        .map(|r| text(&r[1]))
        .expect("a return code on the About sheet");
    assert_eq!(code.len(), 20);

    let returned = dir.path().join("returned");
    std::fs::create_dir(&returned).unwrap();
    fill_workbook(
        &pack.join("reviewers/ines.calder@example.com.xlsx"),
        &returned.join("ines.xlsx"),
        &|_, _| {
            Some(
                [
                    "Keep",
                    "ines.calder@example.com",
                    "2026-10-15",
                    "ok",
                    "",
                    "",
                ]
                .map(str::to_string),
            )
        },
    );
    // Rosa makes a file for secops from her own workbook: her code is not
    // secops's.
    let forged = dir.path().join("forged.csv");
    let rosa_code = {
        let mut wb: Xlsx<_> =
            open_workbook(pack.join("reviewers/rosa.delgado@example.com.xlsx")).unwrap();
        let about = wb.worksheet_range("About").unwrap();
        about
            .rows()
            .find(|r| text(&r[0]) == "Return code")
            .map(|r| text(&r[1]))
            .unwrap()
    };
    let sha = json(&pack.join("manifest.json"))["snapshot"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(
        &forged,
        format!("Entitlements · Demo · for secops@example.com · return code {rosa_code}\r\nsnapshot SHA-256 {sha}\r\nRow key,Decision,Reviewer,Review date\r\n"),
    )
    .unwrap();
    std::fs::copy(&forged, returned.join("forged.csv")).unwrap();
    // The bundled CSVs carry no code at all.
    std::fs::copy(
        root().join("samples/demo/returned/secops-entitlements.csv"),
        returned.join("secops.csv"),
    )
    .unwrap();

    let without = collect_cmd(&pack, &returned, &dir.path().join("c0"))
        .output()
        .unwrap();
    assert_eq!(without.status.code(), Some(2));
    assert!(
        stderr_of(&without).contains("--campaign-key-file"),
        "{}",
        stderr_of(&without)
    );

    let o = collect_cmd(&pack, &returned, &dir.path().join("c1"))
        .arg("--campaign-key-file")
        .arg(&key)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    let c = json(&dir.path().join("c1/campaign.json"));
    let unverified: Vec<&str> = c["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "unverified-file")
        .map(|p| p["file"].as_str().unwrap())
        .collect();
    assert_eq!(unverified, ["forged.csv", "secops.csv"]);
    let ines = c["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reviewer"] == "ines.calder@example.com")
        .unwrap()
        .clone();
    assert_eq!(
        ines["decided"], ines["assigned"],
        "the genuine file is taken"
    );
    assert_eq!(c["totals"]["decided"], ines["assigned"], "nothing else is");
}

/// A campaign of many reviewers who are no known person gets one warning
/// line naming a few and counting the rest, not a line each.
#[test]
fn many_reviewers_who_are_no_known_person_get_one_warning_line() {
    let dir = tempdir();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[reviewers]\ndefault = \"secops@example.com\"\n\
         \"org:eng\" = \"eng-leads@example.com\"\n\
         \"org:ops\" = \"ops-leads@example.com\"\n\
         \"org:default\" = \"default-leads@example.com\"\n\
         \"project:eng/checkout\" = \"checkout-team@example.com\"\n\
         \"project:ops/infra\" = \"infra-team@example.com\"\n",
    )
    .unwrap();
    let out = reviewpack()
        .arg("report")
        .arg(demo())
        .args(["--format", "json", "--policy"])
        .arg(&policy)
        .arg("-o")
        .arg(dir.path().join("pack"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("not a known person"))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("reviewpack: warning: 6 reviewers are each not a known person")
            && lines[0].contains(" and 1 more (reviewers/assignments.csv lists every reviewer)"),
        "{}",
        lines[0]
    );
}
