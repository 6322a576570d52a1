//! Reading one returned file: a reviewer workbook (its About sheet says for
//! whom and from which snapshot; every row of Entitlements carries its row
//! key) or a CSV export of a sheet (the banner rows above the header carry
//! the same facts). What cannot be read as rows is said, not dropped: a
//! table with a Decision column and no Row key, or a CSV export of the About
//! sheet.

use std::path::Path;
use std::sync::Arc;

use crate::output::tables::{find_header, get, read_text_file, ReadError, TextTable};
use crate::report::split::ABOUT;

/// One decided (or undecided) row of a returned file. Its texts are shared
/// ([`Texts`]): a reviewer's file repeats the same name, date and reason on
/// thousands of rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedRow {
    /// The sheet as named in the file (the file name for a CSV file).
    pub sheet: Arc<str>,
    /// The 1-based row in the sheet.
    pub row: usize,
    /// The row key.
    pub key: Arc<str>,
    /// The Decision cell as written.
    pub decision: Arc<str>,
    /// Who decided (the Reviewer cell).
    pub reviewer: Arc<str>,
    /// The Review date cell.
    pub review_date: Arc<str>,
    /// The Justification cell.
    pub justification: Arc<str>,
    /// The Ticket cell.
    pub ticket: Arc<str>,
    /// The Modify to cell.
    pub modify_to: Arc<str>,
    /// The principal the row's data names (principal_id, id or owner_id).
    pub principal_id: Arc<str>,
    /// The Decision cell carries another row's tag: it was moved here
    /// (see [`super::tags`]).
    pub moved: bool,
}

/// One returned file.
#[derive(Debug, Clone)]
pub struct Returned {
    /// The file name.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// The snapshot SHA-256 it says it was made from, if it says one.
    pub snapshot_sha256: Option<String>,
    /// The reviewer it says it is for, lowercased, if it says one.
    pub reviewer: Option<String>,
    /// Every row under a header with Row key and Decision columns.
    pub rows: Vec<ReturnedRow>,
    /// Sheets with a Decision column but no Row key column (deleted, or
    /// never there): their rows cannot be matched.
    pub without_row_key: Vec<String>,
    /// The file is a CSV export of the About sheet (what "Save as CSV"
    /// writes for a workbook's first sheet): it holds no decisions.
    pub about_only: bool,
    /// The return code it carries (About sheet, or the banner of a sheet or
    /// of a CSV export), if any.
    pub code: Option<String>,
}

/// A 64-digit lowercase hex string in `text`, if any.
fn sha_in(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .find(|w| w.len() == 64)
        .map(str::to_ascii_lowercase)
}

/// The return code after `return code ` in a banner title, if any.
fn code_in(text: &str) -> Option<String> {
    let (_, rest) = text.split_once("return code ")?;
    let code = rest.split_whitespace().next()?;
    code.chars()
        .all(|c| c.is_ascii_hexdigit())
        .then(|| code.to_ascii_lowercase())
}

/// The email after `for ` in a banner title, if any.
fn reviewer_in(text: &str) -> Option<String> {
    let (_, rest) = text.rsplit_once(" · for ")?;
    let email = rest.split_whitespace().next()?.trim();
    email.contains('@').then(|| email.to_ascii_lowercase())
}

/// Reads a returned workbook or CSV file.
pub fn read_returned(path: &Path) -> Result<Returned, ReadError> {
    let text = read_text_file(path)?;
    let mut out = Returned {
        file: text.file.clone(),
        sha256: text.sha256.clone(),
        snapshot_sha256: None,
        reviewer: None,
        rows: Vec::new(),
        without_row_key: Vec::new(),
        about_only: false,
        code: None,
    };
    for t in &text.tables {
        if t.sheet.as_deref() == Some(ABOUT) {
            about(t, &mut out);
            continue;
        }
        // A CSV export of the About sheet: key-value rows naming the
        // reviewer and the snapshot, and no table.
        if t.sheet.is_none() && about(t, &mut out) {
            out.about_only = true;
            continue;
        }
        table(t, &text.file, text.workbook.then_some(path), &mut out);
    }
    Ok(out)
}

/// Reads the About sheet's facts; true when `t` is an About sheet.
fn about(t: &TextTable, out: &mut Returned) -> bool {
    let mut found = false;
    for r in &t.rows {
        let k = get(r, Some(0));
        let v = get(r, Some(1));
        match k.as_str() {
            "Access review for" => {
                found = true;
                out.reviewer = Some(v.trim().to_ascii_lowercase());
            }
            "Snapshot SHA-256" => out.snapshot_sha256 = sha_in(&v),
            k if k == crate::report::split::RETURN_CODE => {
                out.code = Some(v.trim().to_ascii_lowercase())
            }
            _ => {}
        }
    }
    found
}

fn table(t: &TextTable, file: &str, workbook: Option<&Path>, out: &mut Returned) {
    let label = t.sheet.clone().unwrap_or_else(|| file.to_string());
    let Some((hi, h)) = find_header(&t.rows, &["row_key", "decision"]) else {
        if find_header(&t.rows, &["decision"]).is_some() {
            out.without_row_key.push(label);
        }
        return;
    };
    // The banner above the header: title (sheet, reviewer) and identity line
    // (snapshot SHA-256). A CSV export keeps them as rows.
    for r in &t.rows[..hi] {
        let line = r.iter().map(String::as_str).collect::<Vec<_>>().join(" ");
        if out.snapshot_sha256.is_none() {
            out.snapshot_sha256 = sha_in(&line);
        }
        if out.reviewer.is_none() {
            out.reviewer = reviewer_in(&line);
        }
        if out.code.is_none() {
            out.code = code_in(&line);
        }
    }
    let principal = h.col("principal_id");
    // The fills the decision cells carry, by sheet row.
    let tags = match (workbook, t.sheet.as_deref(), h.col("decision")) {
        (Some(path), Some(sheet), Some(col)) => {
            super::tags::column_tags(path, sheet, t.first_col + col)
        }
        _ => Default::default(),
    };
    let label: Arc<str> = label.into();
    let mut texts = super::Texts::default();
    for (i, r) in t.rows.iter().enumerate().skip(hi + 1) {
        let key = h.get(r, "row_key");
        let decision = h.get(r, "decision");
        if key.is_empty() && decision.is_empty() {
            continue;
        }
        let row = t.first_row + i + 1;
        let moved = u32::try_from(row)
            .ok()
            .and_then(|r| tags.get(&r))
            .is_some_and(|tag| *tag != crate::report::xlsx::row_tag(&key));
        out.rows.push(ReturnedRow {
            moved,
            sheet: label.clone(),
            row,
            key: key.into(),
            decision: texts.get(&decision),
            reviewer: texts.get(&h.get(r, "reviewer")),
            review_date: texts.get(&h.get(r, "review_date")),
            justification: texts.get(&h.get(r, "justification")),
            ticket: texts.get(&h.get(r, "ticket")),
            modify_to: texts.get(&h.get(r, "modify_to")),
            principal_id: texts.get(&get(r, principal)),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_name_the_snapshot_and_the_reviewer() {
        let sha = "ab".repeat(32);
        assert_eq!(
            sha_in(&format!("Account X · snapshot SHA-256 {sha} · as of")),
            Some(sha)
        );
        assert_eq!(sha_in("no hash here"), None);
        assert_eq!(
            reviewer_in("Effective Access · Acme (X) · for Pat@Example.com"),
            Some("pat@example.com".into())
        );
        assert_eq!(reviewer_in("Effective Access · Acme (X)"), None);
    }

    fn read_csv(name: &str, text: &str) -> Returned {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        read_returned(&path).unwrap()
    }

    #[test]
    fn a_csv_export_of_the_about_sheet_is_recognised() {
        // What "Save as CSV" writes for a workbook whose first sheet is About.
        let sha = "ab".repeat(32);
        let f = read_csv(
            "export.csv",
            &format!("Access review for,pat@example.com\r\nAccount,Demo (X)\r\nSnapshot SHA-256,{sha}\r\n"),
        );
        assert!(f.about_only);
        assert_eq!(f.reviewer.as_deref(), Some("pat@example.com"));
        assert_eq!(f.snapshot_sha256.as_deref(), Some(sha.as_str()));
        assert!(f.rows.is_empty());
        // Near miss: an export of the Entitlements sheet is not.
        let f = read_csv(
            "ent.csv",
            &format!("Entitlements · Demo · for pat@example.com\r\nsnapshot SHA-256 {sha}\r\nRow key,Decision\r\nPR:u1,Keep\r\n"),
        );
        assert!(!f.about_only);
        assert_eq!(f.rows.len(), 1);
    }

    #[test]
    fn a_sheet_whose_row_key_column_was_deleted_is_named() {
        let f = read_csv(
            "ent.csv",
            "Entitlements · Demo · for pat@example.com\r\nWho,Decision,Reviewer\r\nAnn,Revoke,\r\n",
        );
        assert_eq!(f.without_row_key, ["ent.csv"]);
        assert!(f.rows.is_empty());
    }

    #[test]
    fn a_renamed_sheet_is_read_by_its_header() {
        let path = tempfile::tempdir().unwrap();
        let file = path.path().join("pat.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("My review").unwrap();
        ws.write_string(0, 0, "Entitlements · Demo · for pat@example.com")
            .unwrap();
        ws.write_string(2, 0, "Row key").unwrap();
        ws.write_string(2, 1, "Decision").unwrap();
        ws.write_string(3, 0, "PR:u1").unwrap();
        ws.write_string(3, 1, "Keep").unwrap();
        wb.save(&file).unwrap();
        let f = read_returned(&file).unwrap();
        assert_eq!(f.rows.len(), 1);
        assert_eq!(&*f.rows[0].sheet, "My review");
        assert_eq!(f.reviewer.as_deref(), Some("pat@example.com"));
    }
}
