//! Names with bidirectional controls and invisible characters: the human
//! views (XLSX, CSV, HTML, `explain` text, the diff's XLSX, CSV and HTML)
//! show them as `⟨U+XXXX⟩` markers, the JSON outputs keep the exact value,
//! `deceptive-name` flags the principal, and a filled-in review file read
//! back undoes the markers. Also `unknown-group-member` through the CLI.

use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};
use serde_json::Value;

use crate::util::{demo, read, reviewpack, stderr_of, tempdir};

const REVERSED: &str = "\u{202E}zeuqraM ogeiD";
const REVERSED_SHOWN: &str = "⟨U+202E⟩zeuqraM ogeiD";
const HIDDEN_SPACE: &str = "ad\u{200B}min";
const HIDDEN_SPACE_SHOWN: &str = "ad⟨U+200B⟩min";
/// Ordinary non-ASCII letters: shown as they are, no finding.
const NEAR_MISS: &str = "Hanaé Müller 日本";
/// Every hidden character of the fixture.
const HIDDEN: &[char] = &['\u{202E}', '\u{200B}', '\u{200D}'];

/// A copy of the demo where Diego Marquez's name is reversed by U+202E,
/// Theo Lambert's is `ad\u{200B}min`, Hana Kobayashi's has accents and
/// CJK, `payments_devs` names a user the snapshot lacks, and the group
/// `platform_admins` is renamed `platform\u{200D}admins` (with its
/// assignments).
fn hostile_copy(dir: &Path) -> PathBuf {
    let mut v: Value = serde_json::from_str(&read(&demo())).unwrap();
    for u in v["users"].as_array_mut().unwrap() {
        let name = match u["email"].as_str().unwrap() {
            "diego.marquez@example.com" => REVERSED,
            "theo.lambert@example.com" => HIDDEN_SPACE,
            "hana.kobayashi@example.com" => NEAR_MISS,
            _ => continue,
        };
        u["name"] = Value::String(name.into());
    }
    for g in v["user_groups"].as_array_mut().unwrap() {
        if g["id"] == "payments_devs" {
            g["members"]
                .as_array_mut()
                .unwrap()
                .push(Value::String("u-added-while-pulling".into()));
        }
        if g["id"] == "platform_admins" {
            g["id"] = Value::String("platform\u{200D}admins".into());
        }
    }
    for a in v["role_assignments"].as_array_mut().unwrap() {
        if a["principal"]["kind"] == "USER_GROUP" && a["principal"]["id"] == "platform_admins" {
            a["principal"]["id"] = Value::String("platform\u{200D}admins".into());
        }
    }
    let path = dir.join("hostile.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    path
}

fn report(snapshot: &Path, pack: &Path, formats: &str) {
    let out = reviewpack()
        .arg("report")
        .arg(snapshot)
        .args(["--format", formats, "-o"])
        .arg(pack)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

fn has_hidden(s: &str) -> bool {
    s.contains(HIDDEN)
}

fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no .{ext} in {}", dir.display());
    out
}

/// Every text cell of every sheet of a workbook.
fn workbook_cells(path: &Path) -> Vec<(String, String)> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for c in row {
                if let Data::String(s) = c {
                    out.push((name.clone(), s.clone()));
                }
            }
        }
    }
    out
}

fn findings(pack: &Path) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&read(&pack.join("findings.json"))).unwrap();
    doc["findings"].as_array().unwrap().clone()
}

#[test]
fn hidden_characters_are_marked_in_csv_xlsx_and_html_and_kept_exact_in_json() {
    let dir = tempdir();
    let snap = hostile_copy(dir.path());
    let pack = dir.path().join("pack");
    report(&snap, &pack, "xlsx,html,csv,json");

    // CSV: every file free of hidden characters; the names shown marked.
    let mut principals = String::new();
    for f in files_under(&pack.join("csv"), "csv") {
        let text = read(&f);
        assert!(!has_hidden(&text), "{}", f.display());
        if f.ends_with("principals.csv") {
            principals = text;
        }
    }
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(principals.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let cell_of = |email: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r.iter().any(|c| c == email))
            .unwrap_or_else(|| panic!("no row for {email}"))
            .iter()
            .map(String::from)
            .collect()
    };
    assert!(cell_of("diego.marquez@example.com").contains(&REVERSED_SHOWN.to_string()));
    assert!(cell_of("theo.lambert@example.com").contains(&HIDDEN_SPACE_SHOWN.to_string()));
    assert!(cell_of("hana.kobayashi@example.com").contains(&NEAR_MISS.to_string()));
    assert!(read(&pack.join("csv/effective_access.csv"))
        .contains("group:account/platform⟨U+200D⟩admins"));

    // XLSX, read back: no cell holds a hidden character, the names are marked.
    let cells = workbook_cells(&pack.join("review.xlsx"));
    for (sheet, c) in &cells {
        assert!(!has_hidden(c), "{sheet}: {c:?}");
    }
    for want in [REVERSED_SHOWN, HIDDEN_SPACE_SHOWN, NEAR_MISS] {
        assert!(
            cells.iter().any(|(s, c)| s == "Principals" && c == want),
            "Principals lacks {want:?}"
        );
    }

    // HTML: marked, still escaped, no raw hidden character anywhere.
    let html = read(&pack.join("index.html"));
    assert!(!has_hidden(&html));
    assert!(html.contains(REVERSED_SHOWN), "reversed name not marked");
    assert!(html.contains(HIDDEN_SPACE_SHOWN));
    assert!(html.contains(NEAR_MISS));
    assert!(html.contains("Contractors &lt;script&gt;alert(1)&lt;"));

    // JSON keeps the exact values: findings.json and the copied snapshot.
    let found = findings(&pack);
    let names: Vec<&str> = found
        .iter()
        .filter_map(|f| f["principal"]["name"].as_str())
        .collect();
    assert!(names.contains(&REVERSED), "{names:?}");
    assert!(names.contains(&HIDDEN_SPACE));
    assert!(read(&pack.join("findings.json")).contains(REVERSED));
    assert_eq!(
        std::fs::read(pack.join("snapshot.json")).unwrap(),
        std::fs::read(&snap).unwrap()
    );
}

#[test]
fn deceptive_name_fires_for_hidden_characters_and_not_for_accented_letters() {
    let dir = tempdir();
    let snap = hostile_copy(dir.path());
    let pack = dir.path().join("pack");
    report(&snap, &pack, "json");
    let hits: Vec<Value> = findings(&pack)
        .into_iter()
        .filter(|f| f["rule"] == "deceptive-name")
        .collect();
    let mut who: Vec<&str> = hits
        .iter()
        .map(|f| f["principal"]["email"].as_str().unwrap())
        .collect();
    who.sort_unstable();
    assert_eq!(
        who,
        ["diego.marquez@example.com", "theo.lambert@example.com"],
        "the accented name and the renamed group id are no finding"
    );
    for f in &hits {
        assert_eq!(f["severity"], "medium");
        let controls: Vec<&str> = f["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(controls, ["SOC2:CC6.2", "ISO27001:A.5.16"]);
    }
    let diego = hits
        .iter()
        .find(|f| f["principal"]["email"] == "diego.marquez@example.com")
        .unwrap();
    let field = &diego["evidence"]["fields"][0];
    assert_eq!(field["field"], "name");
    assert_eq!(field["value"], REVERSED);
    assert_eq!(field["escaped"], "\"\\u202EzeuqraM ogeiD\"");
    assert_eq!(field["code_points"], serde_json::json!(["U+202E"]));
}

#[test]
fn unknown_group_member_fires_on_a_group_naming_a_user_the_snapshot_lacks() {
    let dir = tempdir();
    let snap = hostile_copy(dir.path());
    let pack = dir.path().join("pack");
    report(&snap, &pack, "json");
    let hits: Vec<Value> = findings(&pack)
        .into_iter()
        .filter(|f| f["rule"] == "unknown-group-member")
        .collect();
    assert_eq!(hits.len(), 1, "{hits:#?}");
    let f = &hits[0];
    assert_eq!(
        f["principal"]["id"],
        "group:project:eng/payments/payments_devs"
    );
    assert_eq!(f["scope"], "project:eng/payments");
    assert_eq!(f["severity"], "low");
    assert_eq!(
        f["evidence"]["unknown_members"],
        serde_json::json!(["u-added-while-pulling"])
    );
    assert_eq!(f["evidence"]["group"]["id"], "payments_devs");
    assert_eq!(f["controls"][0]["id"], "ISO27001:A.5.18");
}

#[test]
fn explain_marks_hidden_characters_in_text_and_keeps_them_in_json() {
    let dir = tempdir();
    let snap = hostile_copy(dir.path());
    let run = |extra: &[&str], who: &str| -> String {
        let out = reviewpack()
            .arg("explain")
            .arg(&snap)
            .arg(who)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&[], "diego.marquez@example.com");
    assert!(!has_hidden(&text), "{text}");
    assert!(
        text.starts_with(&format!(
            "user {REVERSED_SHOWN} <diego.marquez@example.com>"
        )),
        "{text}"
    );
    // A grant through the renamed group shows the marker in its path.
    let text = run(&[], "grace.ito@example.com");
    assert!(!has_hidden(&text), "{text}");
    assert!(
        text.contains("group:account/platform⟨U+200D⟩admins"),
        "{text}"
    );
    let near = run(&[], "hana.kobayashi@example.com");
    assert!(near.starts_with(&format!("user {NEAR_MISS} <")), "{near}");

    let json: Value = serde_json::from_str(&run(&["--json"], "diego.marquez@example.com")).unwrap();
    assert_eq!(json["principal"]["name"], REVERSED);
}

#[test]
fn diff_marks_hidden_characters_in_its_views_and_keeps_them_in_diff_json() {
    let dir = tempdir();
    let snap = hostile_copy(dir.path());
    let out_dir = dir.path().join("diff");
    let out = reviewpack()
        .arg("diff")
        .arg(demo())
        .arg(&snap)
        .arg("-o")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json = read(&out_dir.join("diff.json"));
    assert!(json.contains(REVERSED), "diff.json keeps the exact name");
    let mut shown = false;
    for f in files_under(&out_dir.join("csv"), "csv") {
        let text = read(&f);
        assert!(!has_hidden(&text), "{}", f.display());
        shown |= text.contains(REVERSED_SHOWN);
    }
    assert!(shown, "a diff CSV shows the marked name");
    let html = read(&out_dir.join("diff.html"));
    assert!(!has_hidden(&html));
    assert!(html.contains(REVERSED_SHOWN));
    let cells = workbook_cells(&out_dir.join("diff.xlsx"));
    assert!(cells.iter().all(|(_, c)| !has_hidden(c)));
    assert!(cells.iter().any(|(_, c)| c.contains(REVERSED_SHOWN)));
}

#[test]
fn a_decision_on_a_marked_row_matches_the_grant_it_names() {
    // The pack writes `group:account/platform⟨U+200D⟩admins`; reading the
    // filled-in file back must undo the marker, or the Revoke would not
    // match the grant (and would pass as done).
    let dir = tempdir();
    let snap = hostile_copy(dir.path());
    let pack = dir.path().join("pack");
    report(&snap, &pack, "csv");
    let mut r = csv::Reader::from_path(pack.join("csv/effective_access.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let via = header.iter().position(|h| h == "via").unwrap();
    let row = r
        .records()
        .map(Result::unwrap)
        .find(|rec| rec[via].contains('⟨'))
        .expect("a grant through the renamed group");
    let decisions = dir.path().join("decisions.csv");
    let mut w = csv::Writer::from_path(&decisions).unwrap();
    w.write_record(header.iter().chain(["Decision"])).unwrap();
    w.write_record(row.iter().chain(["Revoke"])).unwrap();
    w.flush().unwrap();
    drop(w);

    let out_dir = dir.path().join("diff");
    let out = reviewpack()
        .arg("diff")
        .arg(&snap)
        .arg(&snap)
        .arg("-o")
        .arg(&out_dir)
        .arg("--decisions")
        .arg(&decisions)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_str(&read(&out_dir.join("diff.json"))).unwrap();
    let d = &v["decisions"];
    assert_eq!(d["problems"], serde_json::json!([]), "{d:#}");
    assert_eq!(d["verified"], serde_json::json!([]), "{d:#}");
    assert_eq!(d["not_done"].as_array().unwrap().len(), 1, "{d:#}");
    assert_eq!(
        d["not_done"][0]["via"],
        "group:account/platform\u{200D}admins"
    );
}
