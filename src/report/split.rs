//! `--split-by-reviewer`: one workbook per reviewer, holding only that
//! reviewer's rows of the campaign sheets, and `reviewers/assignments.csv`
//! naming the reviewer of every row.
//!
//! Each workbook opens with an About sheet (the reviewer, the account, the
//! pack's snapshot SHA-256, how many rows to review, what to do), then the
//! reviewer's part of Privileged Access, Principals, Effective Access and
//! Tokens, each row led by its row key. Every cell but the reviewer columns
//! is locked, so what comes back can be matched to what was sent
//! (`reviewpack collect`).
//!
//! The rows are made once: one pass over each sheet routes every row to its
//! reviewer's spill file (length-prefixed cells, in sheet order), and the
//! workbooks are then written from the spills in parallel, so two hundred
//! reviewers cost about what the pack's own workbook costs, on every core.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};

use super::reviewers::{
    row_key, row_principal, row_refs, Assignments, Basis, RowRef, CAMPAIGN_SHEETS,
};
use super::sheets::{
    account_label, data_columns, fmt_time, write_rows, Column, SheetId, REVIEW_COLUMNS,
};
use super::xlsx::{Formats, Limits, PackLayout};
use super::ReportContext;
use crate::graph::PrivilegeLevel;
use crate::output::csv::CsvFile;
use crate::output::xlsx::{write_sheet, Cell};

/// The folder of the reviewer workbooks, inside the pack.
pub const REVIEWERS_DIR: &str = "reviewers";
/// The file naming every row's reviewer, inside [`REVIEWERS_DIR`].
pub const ASSIGNMENTS_CSV: &str = "assignments.csv";
/// The columns of `assignments.csv` (each row ends with the pack's account,
/// capture time and snapshot SHA-256, as every CSV file of the pack).
pub const ASSIGNMENT_COLUMNS: [&str; 7] = [
    "row_key",
    "sheet",
    "reviewer",
    "basis",
    "principal_id",
    "principal_email",
    "privilege_level",
];

/// The first column of every reviewer sheet.
pub const ROW_KEY: Column = Column {
    key: "row_key",
    title: "Row key",
    width: 44.0,
};
/// The About sheet's name.
pub const ABOUT: &str = "About";

/// Flush a reviewer's spill buffer past this size.
const SPILL_BUFFER: usize = 256 * 1024;

/// The file name of a reviewer's workbook: the email with anything but
/// letters, digits and `.@+-_` replaced.
pub fn workbook_name(reviewer: &str) -> String {
    let safe: String = reviewer
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._@+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.xlsx")
}

/// Writes `reviewers/assignments.csv` and one workbook per reviewer into the
/// staged pack `dir`; returns the pack-relative names written.
pub fn write(
    ctx: &ReportContext<'_, '_>,
    a: &Assignments,
    dir: &Path,
) -> std::io::Result<Vec<String>> {
    let out = dir.join(REVIEWERS_DIR);
    std::fs::create_dir_all(&out)?;
    let spill_dir = out.join(".spill");
    std::fs::create_dir_all(&spill_dir)?;
    let spill_path = |r: usize| spill_dir.join(format!("{r}.bin"));

    // One pass per sheet: route each row to its reviewer, list every row.
    let s = &ctx.loaded.snapshot;
    let captured = fmt_time(s.captured_at());
    let mut csv = CsvFile::create(
        &out.join(ASSIGNMENTS_CSV),
        &ASSIGNMENT_COLUMNS,
        &[
            ("account_id", s.account.id.as_str()),
            ("snapshot_captured_at", captured.as_str()),
            ("snapshot_sha256", ctx.loaded.sha256.as_str()),
        ],
    )?;
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); a.reviewers.len()];
    let mut rows_of: Vec<BTreeMap<SheetId, usize>> = vec![BTreeMap::new(); a.reviewers.len()];
    let flush = |r: usize, buf: &mut Vec<u8>| -> std::io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(spill_path(r))?;
        f.write_all(buf)?;
        buf.clear();
        Ok(())
    };
    for sheet in CAMPAIGN_SHEETS {
        let mut refs = row_refs(ctx.graph, sheet);
        let assigned = &a.rows[&sheet];
        let mut i = 0usize;
        write_rows(ctx, sheet, &mut |row: Vec<Cell>| {
            let r = refs.next().ok_or_else(|| {
                std::io::Error::other("a campaign sheet has more rows than row keys")
            })?;
            let key = row_key(ctx.graph, sheet, r);
            let ra = assigned[i];
            i += 1;
            let reviewer = ra.reviewer.map(|x| a.reviewers[x as usize].as_str());
            let (pid, email, level) = match row_principal(ctx.graph, r) {
                Some(p) => {
                    let id = ctx.graph.identity(p);
                    let level = match r {
                        RowRef::Grant(grant) => ctx
                            .graph
                            .access_of(grant.assignment)
                            .map_or(PrivilegeLevel::None, |x| x.level),
                        _ => ctx.graph.highest_level(p),
                    };
                    (id.id, id.email.unwrap_or_default().to_string(), level)
                }
                None => (String::new(), String::new(), PrivilegeLevel::None),
            };
            csv.row([
                key.as_str(),
                sheet.name(),
                reviewer.unwrap_or(""),
                ra.basis.as_str(),
                pid.as_str(),
                email.as_str(),
                level.as_str(),
            ])?;
            if let Some(x) = ra.reviewer {
                let x = x as usize;
                encode(&mut buffers[x], sheet, &key, &row);
                *rows_of[x].entry(sheet).or_default() += 1;
                if buffers[x].len() > SPILL_BUFFER {
                    flush(x, &mut buffers[x])?;
                }
            }
            Ok(())
        })?;
    }
    csv.finish()?;
    for (r, buf) in buffers.iter_mut().enumerate() {
        flush(r, buf)?;
    }

    // The workbooks, in parallel.
    let mut names: Vec<String> = Vec::new();
    let mut taken = std::collections::BTreeSet::new();
    let files: Vec<(usize, PathBuf, String)> = (0..a.reviewers.len())
        .filter(|r| !rows_of[*r].is_empty())
        .map(|r| {
            let mut name = workbook_name(&a.reviewers[r]);
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!(
                    "{}-{n}.xlsx",
                    workbook_name(&a.reviewers[r]).trim_end_matches(".xlsx")
                );
                n += 1;
            }
            (r, out.join(&name), format!("{REVIEWERS_DIR}/{name}"))
        })
        .collect();
    // Largest first, so the longest workbook does not start last and leave
    // the other cores idle at the end.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(rows_of[files[k].0].values().sum::<usize>()));
    let next = AtomicUsize::new(0);
    let failure: Mutex<Option<std::io::Error>> = Mutex::new(None);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
        .min(files.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some((r, path, _)) = order.get(k).map(|&k| &files[k]) else {
                    break;
                };
                if failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                    break;
                }
                if let Err(e) = workbook(ctx, &a.reviewers[*r], &rows_of[*r], &spill_path(*r), path)
                {
                    let mut f = failure.lock().expect("no worker panics holding it");
                    f.get_or_insert(e);
                    break;
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().expect("workers are done") {
        return Err(e);
    }
    std::fs::remove_dir_all(&spill_dir)?;
    names.push(format!("{REVIEWERS_DIR}/{ASSIGNMENTS_CSV}"));
    names.extend(files.into_iter().map(|(_, _, n)| n));
    names.sort();
    Ok(names)
}

/// Appends one row to a spill buffer: sheet, key, cells.
fn encode(buf: &mut Vec<u8>, sheet: SheetId, key: &str, row: &[Cell]) {
    let code = CAMPAIGN_SHEETS
        .iter()
        .position(|x| *x == sheet)
        .unwrap_or(0) as u8;
    buf.push(code);
    buf.extend_from_slice(&((row.len() + 1) as u32).to_le_bytes());
    let text = |buf: &mut Vec<u8>, t: &str| {
        buf.push(1);
        buf.extend_from_slice(&(t.len() as u32).to_le_bytes());
        buf.extend_from_slice(t.as_bytes());
    };
    text(buf, key);
    for c in row {
        match c {
            Cell::Empty => buf.push(0),
            Cell::Text(t) => text(buf, t),
            Cell::Shared(t) => text(buf, t),
            Cell::Int(n) => {
                buf.push(2);
                buf.extend_from_slice(&n.to_le_bytes());
            }
        }
    }
}

/// Reads the next spilled row: its sheet index and cells (key first).
fn decode(r: &mut impl Read) -> std::io::Result<Option<(usize, Vec<Cell>)>> {
    let mut head = [0u8; 1];
    if r.read(&mut head)? == 0 {
        return Ok(None);
    }
    let mut n4 = [0u8; 4];
    r.read_exact(&mut n4)?;
    let n = u32::from_le_bytes(n4) as usize;
    let mut cells = Vec::with_capacity(n);
    for _ in 0..n {
        let mut tag = [0u8; 1];
        r.read_exact(&mut tag)?;
        cells.push(match tag[0] {
            0 => Cell::Empty,
            1 => {
                r.read_exact(&mut n4)?;
                let mut bytes = vec![0u8; u32::from_le_bytes(n4) as usize];
                r.read_exact(&mut bytes)?;
                Cell::Text(String::from_utf8(bytes).map_err(std::io::Error::other)?)
            }
            _ => {
                let mut n8 = [0u8; 8];
                r.read_exact(&mut n8)?;
                Cell::Int(i64::from_le_bytes(n8))
            }
        });
    }
    Ok(Some((head[0] as usize, cells)))
}

/// Writes one reviewer's workbook from its spill.
fn workbook(
    ctx: &ReportContext<'_, '_>,
    reviewer: &str,
    rows: &BTreeMap<SheetId, usize>,
    spill: &Path,
    path: &Path,
) -> std::io::Result<()> {
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let xerr = |e: XlsxError| std::io::Error::other(format!("{label}: {e}"));
    let s = &ctx.loaded.snapshot;
    let mut wb = Workbook::new();
    if let Some(dir) = path.parent() {
        wb.set_tempdir(dir).map_err(xerr)?;
    }
    let captured = s.captured_at();
    let created = crate::output::xlsx::excel_time(captured).map_err(xerr)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "Access review for {}: {}",
                crate::text::mark(reviewer),
                crate::text::mark(&account_label(s))
            ))
            .set_subject(format!(
                "Harness account {} snapshot {} SHA-256 {}",
                s.account.id,
                fmt_time(captured),
                ctx.loaded.sha256
            ))
            .set_author("reviewpack")
            .set_creation_datetime(&created),
    );
    let formats = Formats::new();
    about(&mut wb, ctx, reviewer, rows).map_err(xerr)?;

    let mut reader = BufReader::with_capacity(1 << 16, std::fs::File::open(spill)?);
    let mut pending: Option<(usize, Vec<Cell>)> = decode(&mut reader)?;
    for (idx, sheet) in CAMPAIGN_SHEETS.into_iter().enumerate() {
        let Some(&count) = rows.get(&sheet) else {
            continue;
        };
        let mut columns = vec![ROW_KEY];
        columns.extend(data_columns(ctx, sheet));
        let data_width = columns.len();
        columns.extend_from_slice(REVIEW_COLUMNS);
        let mut layout = PackLayout {
            ctx,
            formats: &formats,
            sheet,
            columns,
            data_width,
            limits: Limits::EXCEL,
            key_value: false,
            review_cells: true,
            title_suffix: Some(format!("for {reviewer}")),
            protect: true,
        };
        write_sheet(
            &mut wb,
            &label,
            sheet.name(),
            count,
            Limits::EXCEL.rows_per_sheet,
            &mut layout,
            |sink| {
                while let Some((k, _)) = &pending {
                    if *k != idx {
                        break;
                    }
                    let (_, cells) = pending.take().expect("checked above");
                    sink(cells)?;
                    pending = decode(&mut reader)?;
                }
                Ok(())
            },
        )?;
    }
    wb.save(path).map_err(xerr)
}

/// The About sheet: who, what, from which snapshot, and what to do.
fn about(
    wb: &mut Workbook,
    ctx: &ReportContext<'_, '_>,
    reviewer: &str,
    rows: &BTreeMap<SheetId, usize>,
) -> Result<(), XlsxError> {
    let s = &ctx.loaded.snapshot;
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(ABOUT)?;
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 100)?;
    let mut items: Vec<(String, String)> = vec![
        ("Access review for".into(), reviewer.to_string()),
        ("Account".into(), account_label(s)),
        ("Snapshot SHA-256".into(), ctx.loaded.sha256.clone()),
        ("Snapshot captured at".into(), fmt_time(s.captured_at())),
        ("As of".into(), fmt_time(ctx.as_of)),
    ];
    for (sheet, n) in rows {
        items.push((format!("Rows to review: {}", sheet.name()), n.to_string()));
    }
    items.push((
        "What to do".into(),
        "For every row, choose a Decision (Keep, Revoke or Modify) and fill Reviewer, Review date, a Justification (needed to keep admin or escalation access) and a Ticket for each Revoke or Modify; for Modify, name in Modify to the role or resource group the access should become. Change nothing else: the Row key ties each row to this review, and a changed or added row is refused when the decisions are collected. Return this file as it is (or a CSV export of a sheet).".into(),
    ));
    items.push((
        "Unassigned rows".into(),
        format!(
            "Rows with no independent reviewer are not in any reviewer's file: {}",
            Basis::Unassigned.as_str()
        ),
    ));
    for (r, (k, v)) in items.iter().enumerate() {
        ws.write_string_with_format(r as u32, 0, crate::output::cell(k).as_ref(), &bold)?;
        ws.write_string(r as u32, 1, crate::output::cell(v).as_ref())?;
    }
    Ok(())
}
