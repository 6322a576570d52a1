//! The collection's outputs: `decisions.csv` (what `diff --decisions` reads
//! next quarter), `campaign.json`, `campaign.xlsx` and `campaign.html` (per
//! reviewer, every problem, and the count from rows sent to rows decided).
//! The caller seals the directory.

use std::path::Path;

use minijinja::context;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde_json::json;

use super::check::{Accepted, Collected};
use super::pack::PackCampaign;
use super::ProblemKind;
use crate::output::csv::CsvFile;
use crate::output::sanitize::template_value;
use crate::output::xlsx::{excel_time, write_sheet, Cell, Layout, Part, EXCEL_MAX_ROWS};

/// The schema name of campaign.json.
pub const CAMPAIGN_SCHEMA: &str = "reviewpack.campaign/v1";

const TEMPLATE: &str = include_str!("../../templates/campaign.html.jinja");

/// Rows shown per table of the page.
const CAP: usize = 1000;

/// The columns of decisions.csv (each row ends with the pack's account,
/// capture time and snapshot SHA-256: the snapshot the decisions are about,
/// which `diff --decisions` holds against its OLD snapshot).
pub const DECISION_COLUMNS: [&str; 17] = [
    "row_key",
    "kind",
    "entitlement",
    "principal_id",
    "principal_email",
    "privilege_level",
    "assigned_reviewer",
    "decision",
    "reviewer",
    "review_date",
    "justification",
    "ticket",
    "modify_to",
    "remediate_by",
    "file",
    "file_sheet",
    "file_row",
];

/// A decision's cells, sharing the decision's texts (no copy per row: a
/// 50,000-user campaign has millions); `remediate_by` goes on Revoke and
/// Modify rows.
fn decision_cells(d: &Accepted, remediate_by: &str) -> [Cell; 17] {
    let shared = |t: &std::sync::Arc<str>| Cell::Shared(t.clone());
    [
        shared(&d.row_key),
        shared(&d.kind),
        shared(&d.entitlement),
        shared(&d.principal_id),
        shared(&d.principal_email),
        shared(&d.privilege_level),
        shared(&d.assigned_reviewer),
        Cell::from(d.decision),
        shared(&d.reviewer),
        shared(&d.review_date),
        shared(&d.justification),
        shared(&d.ticket),
        shared(&d.modify_to),
        Cell::Text(if d.decision == "Keep" {
            String::new()
        } else {
            remediate_by.to_string()
        }),
        shared(&d.file),
        shared(&d.file_sheet),
        Cell::Text(d.file_row.to_string()),
    ]
}

/// The day by which a Revoke or Modify collected now must be carried out
/// (`[reviewers] remediate_within_days` after the collection day).
pub fn remediate_by(pack: &PackCampaign, c: &Collected) -> Option<String> {
    let days = pack.dates.remediate_within_days?;
    let at = c.collected_at?.date_naive();
    Some((at + chrono::Days::new(u64::from(days))).to_string())
}

/// The steps from the rows the pack sent to the rows decided.
fn reconciliation(c: &Collected) -> Vec<(String, usize, String)> {
    let t = &c.totals;
    let read: usize = c.files.iter().filter(|f| f.accepted).map(|f| f.rows).sum();
    vec![
        ("Entitlements the pack sent for review".into(), t.rows, "every row of Entitlements (reviewers/assignments.csv)".into()),
        ("  assigned to a reviewer".into(), t.assigned, String::new()),
        ("  unassigned".into(), t.unassigned, "no independent reviewer: listed in assignments.csv, review them outside the campaign".into()),
        ("Rows read from returned files".into(), read + c.files.iter().filter(|f| !f.accepted).map(|f| f.rows).sum::<usize>(), format!("{} files", c.files.len())),
        ("  refused".into(), t.refused, "from another snapshot, a file naming no reviewer, a replaced file, or rows invented, moved, changed, or with a wrong reviewer, date or Modify".into()),
        ("Rows decided (accepted)".into(), t.decided, format!("Keep {}, Revoke {}, Modify {}", t.keep, t.revoke, t.modify)),
        ("Assigned rows without an accepted decision".into(), t.undecided, format!("{} of them decided differently (taken from neither)", t.conflicting)),
        ("Check: assigned = decided + undecided".into(), t.assigned, if t.assigned == t.decided + t.undecided { "holds".into() } else { format!("does NOT hold: {} + {}", t.decided, t.undecided) }),
    ]
}

/// campaign.json's value.
pub fn to_json(pack: &PackCampaign, c: &Collected) -> serde_json::Value {
    let mut by_kind = serde_json::Map::new();
    for k in ProblemKind::ALL {
        let n = c.problems.iter().filter(|p| p.kind == k).count();
        if n > 0 {
            by_kind.insert(k.code().into(), json!(n));
        }
    }
    json!({
        "schema": CAMPAIGN_SCHEMA,
        "tool_version": env!("CARGO_PKG_VERSION"),
        "pack": {
            "snapshot_sha256": pack.snapshot_sha256,
            "account_id": pack.account_id,
            "account_name": pack.account_name,
            "captured_at": pack.captured_at,
            "rubber_stamp_rows": pack.rubber_stamp_rows,
        },
        "totals": c.totals,
        "collected_at": c.collected_at.map(crate::report::sheets::fmt_time),
        "remediate_by": remediate_by(pack, c),
        "dates": pack.dates,
        "status": c.status().0,
        "status_why": c.status().1,
        "reconciliation": reconciliation(c).into_iter().map(|(step, n, note)| json!({"step": step.trim(), "count": n, "note": note})).collect::<Vec<_>>(),
        "files": c.files,
        "reviewers": c.reviewers,
        "problems_by_kind": by_kind,
        "follow_up": follow_ups(pack, c)
            .into_iter()
            .map(|row| {
                FOLLOW_UP_COLUMNS
                    .iter()
                    .zip(row)
                    .map(|(k, v)| ((*k).to_string(), json!(v)))
                    .collect::<serde_json::Map<_, _>>()
            })
            .collect::<Vec<_>>(),
        "problems": c.problems,
        "decisions_file": "decisions.csv",
    })
}

/// Writes decisions.csv, campaign.json, campaign.xlsx and campaign.html into
/// `dir`; returns the names written.
pub fn write_outputs(
    pack: &PackCampaign,
    c: &Collected,
    dir: &Path,
) -> std::io::Result<Vec<String>> {
    let mut csv = CsvFile::create(
        &dir.join("decisions.csv"),
        &DECISION_COLUMNS,
        &[
            ("account_id", pack.account_id.as_str()),
            ("snapshot_captured_at", pack.captured_at.as_str()),
            ("snapshot_sha256", pack.snapshot_sha256.as_str()),
        ],
    )?;
    // The day a Revoke or Modify must be carried out by: the policy's days
    // from the day the decisions were collected.
    let remediate_by = remediate_by(pack, c).unwrap_or_default();
    // Every entitlement of the campaign in the pack's order: its accepted
    // decision, or a row saying it has none (so next quarter's diff counts
    // what was never decided).
    let mut accepted = c.accepted.iter().peekable();
    for (key, a) in &pack.rows {
        if accepted.peek().is_some_and(|d| d.row_key == *key) {
            let d = accepted.next().expect("peeked");
            csv.row(decision_cells(d, &remediate_by).iter().map(Cell::as_text))?;
        } else {
            csv.row([
                &**key,
                &*a.kind,
                &*a.entitlement,
                &*a.principal_id,
                &*a.principal_email,
                &*a.privilege_level,
                &*a.reviewer,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ])?;
        }
    }
    // Accepted decisions are in the pack's order, so none is left.
    for d in accepted {
        csv.row(decision_cells(d, &remediate_by).iter().map(Cell::as_text))?;
    }
    csv.finish()?;
    follow_up(pack, c, &dir.join(FOLLOW_UP_CSV))?;

    let value = to_json(pack, c);
    let mut bytes = serde_json::to_vec_pretty(&value).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(dir.join("campaign.json"), &bytes)?;

    workbook(pack, c, &dir.join("campaign.xlsx"))?;

    let html = render_page(&value, None, None)
        .map_err(|e| std::io::Error::other(format!("campaign.html: {e}")))?;
    std::fs::write(dir.join("campaign.html"), html)?;
    Ok(vec![
        "campaign.html".into(),
        "campaign.json".into(),
        "campaign.xlsx".into(),
        "decisions.csv".into(),
        FOLLOW_UP_CSV.into(),
    ])
}

/// The follow-up list, one row per reviewer with something left to do.
pub const FOLLOW_UP_CSV: &str = "follow-up.csv";
/// Its columns.
pub const FOLLOW_UP_COLUMNS: [&str; 8] = [
    "reviewer",
    "status",
    "assigned",
    "undecided",
    "undecided_privileged",
    "problems",
    "entitlements",
    "message",
];
/// How many entitlements a follow-up row names.
const FOLLOW_UP_SHOWN: usize = 5;

/// Per reviewer: what is still open, named by the people and entitlements
/// involved, and a sentence for a reminder mail.
pub fn follow_ups(pack: &PackCampaign, c: &Collected) -> Vec<[String; 8]> {
    use std::collections::{BTreeMap, BTreeSet};
    let decided: BTreeSet<&str> = c.accepted.iter().map(|d| &*d.row_key).collect();
    // Undecided entitlements per reviewer: (privileged count, first few).
    let mut open: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
    for (key, a) in &pack.rows {
        if a.reviewer.is_empty() || decided.contains(&**key) {
            continue;
        }
        let e = open.entry(&a.reviewer).or_default();
        if matches!(&*a.privilege_level, "admin" | "escalation") {
            e.0 += 1;
        }
        if e.1.len() < FOLLOW_UP_SHOWN {
            let who = if a.principal_email.is_empty() {
                &a.principal_id
            } else {
                &a.principal_email
            };
            e.1.push(format!("{who}: {}", a.entitlement));
        }
    }
    // Problems to correct, per reviewer (undecided rows are counted apart).
    let mut to_correct: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &c.problems {
        if p.kind != ProblemKind::Undecided {
            if let Some(r) = &p.reviewer {
                *to_correct.entry(r).or_default() += 1;
            }
        }
    }
    let mut out = Vec::new();
    for r in &c.reviewers {
        let problems = to_correct.get(r.reviewer.as_str()).copied().unwrap_or(0);
        if r.undecided == 0 && problems == 0 {
            continue;
        }
        let (privileged, names) = open.remove(r.reviewer.as_str()).unwrap_or_default();
        let status = if r.files.is_empty() {
            "no file returned"
        } else if problems > 0 {
            "returned with problems"
        } else {
            "returned, rows undecided"
        };
        let mut message = match status {
            "no file returned" => format!(
                "Your access review is not back yet: {} entitlement(s) to decide, {privileged} of them admin or escalation access.",
                r.assigned
            ),
            _ => format!(
                "Thank you for your review. {} of your {} entitlement(s) have no accepted decision yet, {privileged} of them admin or escalation access",
                r.undecided, r.assigned
            ),
        };
        if problems > 0 {
            message.push_str(&format!(
                "; {problems} row(s) or file(s) need a correction (each is listed in campaign.html). Please return the corrected file."
            ));
        } else if status != "no file returned" {
            message.push('.');
        }
        out.push([
            r.reviewer.clone(),
            status.to_string(),
            r.assigned.to_string(),
            r.undecided.to_string(),
            privileged.to_string(),
            problems.to_string(),
            names.join("; "),
            message,
        ]);
    }
    out
}

fn follow_up(pack: &PackCampaign, c: &Collected, path: &Path) -> std::io::Result<()> {
    let mut csv = CsvFile::create(path, &FOLLOW_UP_COLUMNS, &[])?;
    for row in follow_ups(pack, c) {
        csv.row(row.iter().map(String::as_str))?;
    }
    csv.finish()
}

fn account(pack: &PackCampaign) -> String {
    match &pack.account_name {
        Some(n) => format!("{n} ({})", pack.account_id),
        None => pack.account_id.clone(),
    }
}

/// The problems that keep rows out of the accepted decisions, and what each
/// means for the row.
const EXCLUDING: [(&str, &str); 16] = [
    (
        "foreign-file",
        "the file is about another snapshot: none of its rows is taken",
    ),
    (
        "unnamed-file",
        "the file names no reviewer: none of its rows is taken",
    ),
    (
        "unverified-file",
        "the file's return code is not its reviewer's: none of its rows is taken",
    ),
    ("unreadable-file", "the file could not be read"),
    (
        "unknown-reviewer",
        "the file names a reviewer who was sent nothing",
    ),
    (
        "no-row-keys",
        "rows without their Row key cannot be matched to what was sent",
    ),
    ("invented-row", "a row the pack never sent"),
    ("changed-row", "a row changed, or sent to another reviewer"),
    (
        "wrong-reviewer",
        "the Reviewer cell is empty or names someone else",
    ),
    (
        "moved-decision",
        "the decision column was sorted apart from its rows",
    ),
    (
        "decided-twice",
        "the same row decided differently: taken from neither",
    ),
    ("self-review", "the reviewer decided on their own access"),
    (
        "bad-date",
        "the review date is not a date within the campaign",
    ),
    (
        "modify-target-unknown",
        "Modify to names no role or resource group of the snapshot",
    ),
    (
        "modify-not-applicable",
        "Modify on something that has no role to change",
    ),
    (
        "replaced-file",
        "a file set aside for the same reviewer's corrected one",
    ),
];

/// The exclusions the page lists: (problem, rows or files, what it means),
/// and the rows no independent reviewer could take.
fn excluded(value: &serde_json::Value) -> Vec<(String, u64, String)> {
    let by_kind = &value["problems_by_kind"];
    let mut out: Vec<(String, u64, String)> = EXCLUDING
        .iter()
        .filter_map(|(code, why)| {
            let n = by_kind[*code].as_u64().filter(|n| *n > 0)?;
            Some(((*code).to_string(), n, (*why).to_string()))
        })
        .collect();
    if let Some(n) = value["totals"]["unassigned"].as_u64().filter(|n| *n > 0) {
        out.push((
            "unassigned".into(),
            n,
            "no independent reviewer could be found (the principal, a member, or someone who could change it): review these outside the campaign (reviewers/assignments.csv)".into(),
        ));
    }
    out
}

/// campaign.html from campaign.json's value, with the sign-off when there
/// is one (`reviewpack signoff` renders the page again with it) and the
/// remediation it carries.
pub fn render_page(
    value: &serde_json::Value,
    signoff: Option<&serde_json::Value>,
    remediation: Option<&serde_json::Value>,
) -> Result<String, minijinja::Error> {
    let all = value["problems"].as_array().cloned().unwrap_or_default();
    let problems: Vec<serde_json::Value> = all.iter().take(CAP).cloned().collect();
    let pack = &value["pack"];
    let account = match pack["account_name"].as_str() {
        Some(n) => format!("{n} ({})", pack["account_id"].as_str().unwrap_or_default()),
        None => pack["account_id"].as_str().unwrap_or_default().to_string(),
    };
    // The evidence named at the foot of every printed sheet.
    let identity = format!(
        "Account {} · snapshot {} · SHA-256 {} · campaign collected {}",
        pack["account_id"].as_str().unwrap_or_default(),
        pack["captured_at"].as_str().unwrap_or_default(),
        pack["snapshot_sha256"].as_str().unwrap_or_default(),
        value["collected_at"]
            .as_str()
            .unwrap_or("(time not recorded)"),
    );
    crate::output::page::render(
        "campaign.html.jinja",
        TEMPLATE,
        &identity,
        context! {
            account => account,
            c => template_value(value),
            problems => template_value(&serde_json::Value::Array(problems)),
            problems_total => all.len(),
            cap => CAP,
            signoff => signoff.map(template_value),
            remediation => remediation.map(template_value),
            excluded => excluded(value),
        },
    )
}

/// A plain table sheet: a bold header row, widths, a filter, the header
/// frozen.
struct TableLayout<'a> {
    headers: &'a [&'a str],
    widths: &'a [f64],
    bold: &'a Format,
}

impl Layout for TableLayout<'_> {
    fn first_data_row(&self) -> u32 {
        1
    }

    fn begin(&mut self, ws: &mut Worksheet, part: &Part) -> Result<(), XlsxError> {
        for (i, h) in self.headers.iter().enumerate() {
            ws.set_column_width(i as u16, self.widths.get(i).copied().unwrap_or(18.0))?;
            ws.write_string_with_format(0, i as u16, *h, self.bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofilter(0, 0, part.last_row(), (self.headers.len() - 1) as u16)?;
        Ok(())
    }
}

fn table(
    wb: &mut Workbook,
    name: &str,
    headers: &[&str],
    widths: &[f64],
    bold: &Format,
    rows: impl ExactSizeIterator<Item = Vec<Cell>>,
) -> std::io::Result<()> {
    let mut layout = TableLayout {
        headers,
        widths,
        bold,
    };
    write_sheet(
        wb,
        "campaign.xlsx",
        name,
        rows.len(),
        EXCEL_MAX_ROWS,
        &mut layout,
        |sink| {
            for r in rows {
                sink(r)?;
            }
            Ok(())
        },
    )?;
    Ok(())
}

fn workbook(pack: &PackCampaign, c: &Collected, path: &Path) -> std::io::Result<()> {
    let xerr = |e: XlsxError| std::io::Error::other(format!("campaign.xlsx: {e}"));
    let mut wb = crate::output::xlsx::new_workbook();
    // Created when the evidence was captured, never at the clock's time, so
    // the same returned files give the same bytes.
    let captured = chrono::DateTime::parse_from_rfc3339(&pack.captured_at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(format!(
                "Access review campaign: {}",
                crate::text::mark(&account(pack))
            ))
            .set_author("reviewpack")
            .set_creation_datetime(&excel_time(captured).map_err(xerr)?),
    );
    let bold = Format::new().set_bold();
    let mut summary: Vec<Vec<Cell>> = vec![
        vec!["Account".into(), account(pack).into()],
        vec![
            "Snapshot SHA-256".into(),
            pack.snapshot_sha256.clone().into(),
        ],
        vec![
            "Snapshot captured at".into(),
            pack.captured_at.clone().into(),
        ],
    ];
    for (step, n, note) in reconciliation(c) {
        summary.push(vec![step.into(), n.into(), note.into()]);
    }
    for k in ProblemKind::ALL {
        let n = c.problems.iter().filter(|p| p.kind == k).count();
        summary.push(vec![
            format!("Problems: {} ({})", k.code(), k.severity()).into(),
            n.into(),
        ]);
    }
    table(
        &mut wb,
        "Summary",
        &["Item", "Value", "Note"],
        &[44.0, 70.0, 60.0],
        &bold,
        summary.into_iter(),
    )?;
    let reviewers: Vec<Vec<Cell>> = c
        .reviewers
        .iter()
        .map(|r| {
            vec![
                r.reviewer.clone().into(),
                r.assigned.into(),
                r.decided.into(),
                r.keep.into(),
                r.revoke.into(),
                r.modify.into(),
                r.undecided.into(),
                r.problems.into(),
                r.files.join("; ").into(),
            ]
        })
        .collect();
    table(
        &mut wb,
        "Reviewers",
        &[
            "Reviewer",
            "Assigned",
            "Decided",
            "Keep",
            "Revoke",
            "Modify",
            "Undecided",
            "Problems",
            "Files",
        ],
        &[34.0, 10.0, 10.0, 8.0, 8.0, 8.0, 10.0, 10.0, 50.0],
        &bold,
        reviewers.into_iter(),
    )?;
    let problems: Vec<Vec<Cell>> = c
        .problems
        .iter()
        .map(|p| {
            vec![
                p.severity.as_str().into(),
                p.kind.code().into(),
                p.reviewer.clone().into(),
                p.file.clone().into(),
                p.sheet.clone().into(),
                p.row.map_or(Cell::Empty, Cell::from),
                p.row_key.clone().into(),
                p.message.clone().into(),
            ]
        })
        .collect();
    table(
        &mut wb,
        "Problems",
        &[
            "Severity", "Problem", "Reviewer", "File", "Sheet", "Row", "Row key", "What",
        ],
        &[10.0, 26.0, 30.0, 30.0, 18.0, 8.0, 50.0, 90.0],
        &bold,
        problems.into_iter(),
    )?;
    // Streamed: a row's cells share the accepted decision's texts.
    let by = remediate_by(pack, c).unwrap_or_default();
    let decisions = c.accepted.iter().map(|d| decision_cells(d, &by).into());
    table(
        &mut wb,
        "Decisions",
        &DECISION_COLUMNS,
        &[50.0],
        &bold,
        decisions,
    )?;
    wb.save(path).map_err(xerr)
}
