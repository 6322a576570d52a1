//! `--split-by-reviewer`: one workbook per reviewer, holding only that
//! reviewer's entitlements, `reviewers/assignments.csv` naming the reviewer
//! of every entitlement, and `reviewers/send-list.csv` (who gets which file,
//! how many rows, how many privileged, when due).
//!
//! Each workbook opens with an About sheet (one printed page: the reviewer,
//! the account, the pack's snapshot SHA-256, how many rows, what to do), then
//! the reviewer's rows of Entitlements, each carrying its row key. Every cell
//! but the reviewer columns is locked and sorting is not allowed, so what
//! comes back can be matched to what was sent (`reviewpack collect`).
//!
//! The rows are made once: one pass over the entitlements routes every row
//! to its reviewer's spill file (length-prefixed cells, in sheet order), and
//! the workbooks are then written from the spills in parallel, so two hundred
//! reviewers cost about what the pack's own workbook costs, on every core.
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};

use super::reviewers::Assignments;
use super::sheets::{account_label, data_columns, fmt_time, write_rows, SheetId};
use super::xlsx::{Formats, Limits, PackLayout};
use super::ReportContext;
use crate::graph::PrivilegeLevel;
use crate::output::csv::CsvFile;
use crate::output::xlsx::{write_sheet, Cell};

/// The folder of the reviewer workbooks, inside the pack.
pub const REVIEWERS_DIR: &str = "reviewers";
/// The file naming every row's reviewer, inside [`REVIEWERS_DIR`].
pub const ASSIGNMENTS_CSV: &str = "assignments.csv";
/// The list of files to send, one row per reviewer, inside [`REVIEWERS_DIR`].
pub const SEND_LIST_CSV: &str = "send-list.csv";
/// The columns of `assignments.csv` (each row ends with the pack's account,
/// capture time and snapshot SHA-256, as every CSV file of the pack).
pub const ASSIGNMENT_COLUMNS: [&str; 8] = [
    "row_key",
    "kind",
    "reviewer",
    "basis",
    "principal_id",
    "principal_email",
    "privilege_level",
    "entitlement",
];
/// The columns of `send-list.csv`.
pub const SEND_LIST_COLUMNS: [&str; 7] = [
    "reviewer",
    "reviewer_is",
    "file",
    "rows",
    "privileged_rows",
    "due",
    "unassigned_rows_in_pack",
];

/// The About sheet's line naming the workbook's return code.
pub const RETURN_CODE: &str = "Return code";
/// The About sheet's name.
pub const ABOUT: &str = "About";

/// Flush a reviewer's spill buffer past this size.
const SPILL_BUFFER: usize = 256 * 1024;

/// The most bytes of an encoded address a workbook's name keeps; a longer
/// one is cut and followed by a hash of the whole address. With the hash and
/// `.xlsx` a name stays far below the 255 bytes file systems allow.
const NAME_BYTES: usize = 120;

/// The file name of a reviewer's workbook: the email, with any character
/// but letters, digits and `.@+-_` written as `%XX` (its UTF-8 bytes), so
/// two reviewers never share a name (`o'brien@` is `o%27brien@`, `o_brien@`
/// stays `o_brien@`). A leading `.` is `%2E`, so no workbook is a hidden
/// file. An encoded address longer than [`NAME_BYTES`] is cut there and
/// followed by `~` and the first 16 hex digits of the whole address's
/// SHA-256: names stay valid, unique and the same from run to run (`~` is
/// never kept, so a cut name cannot equal an uncut one).
pub fn workbook_name(reviewer: &str) -> String {
    let mut safe = String::with_capacity(reviewer.len() + 5);
    for (i, c) in reviewer.chars().enumerate() {
        let keep = c.is_ascii_alphanumeric() || "._@+-".contains(c);
        if keep && !(i == 0 && c == '.') {
            safe.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                safe.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if safe.len() > NAME_BYTES {
        // ASCII only; cut before a `%XX` the limit would split.
        let mut cut = NAME_BYTES;
        if let Some(p) = safe[cut - 2..cut].find('%') {
            cut = cut - 2 + p;
        }
        let hash = crate::snapshot::sha256_hex(reviewer.as_bytes());
        safe = format!("{}~{}", &safe[..cut], &hash[..16]);
    }
    format!("{safe}.xlsx")
}

/// Writes `reviewers/assignments.csv`, `reviewers/send-list.csv` and one
/// workbook per reviewer into the staged pack `dir`; returns the
/// pack-relative names written.
pub fn write(
    ctx: &ReportContext<'_, '_>,
    a: &Assignments,
    dir: &Path,
) -> std::io::Result<Vec<String>> {
    let out = dir.join(REVIEWERS_DIR);
    crate::atomic::create_dir_all(&out)?;
    let spill_dir = out.join(".spill");
    crate::atomic::create_dir_all(&spill_dir)?;
    let spill_path = |r: usize| spill_dir.join(format!("{r}.bin"));

    // One pass over the entitlements: route each row to its reviewer, list
    // every row.
    let s = &ctx.loaded.snapshot;
    let captured = fmt_time(s.captured_at());
    let provenance = [
        ("account_id", s.account.id.as_str()),
        ("snapshot_captured_at", captured.as_str()),
        ("snapshot_sha256", ctx.loaded.sha256.as_str()),
    ];
    let mut csv = CsvFile::create(&out.join(ASSIGNMENTS_CSV), &ASSIGNMENT_COLUMNS, &provenance)?;
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); a.reviewers.len()];
    // Per reviewer: rows, privileged rows.
    let mut rows_of: Vec<(usize, usize)> = vec![(0, 0); a.reviewers.len()];
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
    // The row says it all: its key, principal, level and entitlement are
    // cells of the sheet's columns.
    let columns = data_columns(ctx, SheetId::Entitlements);
    let at = |key: &str| columns.iter().position(|c| c.key == key);
    let (key_at, pid_at, email_at, level_at, what_at) = (
        at("row_key"),
        at("principal_id"),
        at("principal_email"),
        at("privilege_level"),
        at("entitlement"),
    );
    let text = |row: &[Cell], i: Option<usize>| -> String {
        i.and_then(|i| row.get(i))
            .map(|c| c.as_text().into_owned())
            .unwrap_or_default()
    };
    let mut i = 0usize;
    let mut unassigned = 0usize;
    write_rows(ctx, SheetId::Entitlements, &mut |row: Vec<Cell>| {
        let ra = a.rows.get(i).ok_or_else(|| {
            std::io::Error::other("the Entitlements sheet has more rows than were assigned")
        })?;
        let basis = a.basis_text(i);
        i += 1;
        let key = text(&row, key_at);
        let reviewer = ra.reviewer.map(|x| a.reviewers[x as usize].as_str());
        let level = text(&row, level_at);
        let privileged =
            level == PrivilegeLevel::Admin.as_str() || level == PrivilegeLevel::Escalation.as_str();
        csv.row([
            key.as_str(),
            key.split_once(':').map_or("", |(code, _)| code),
            reviewer.unwrap_or(""),
            basis.as_str(),
            text(&row, pid_at).as_str(),
            text(&row, email_at).to_ascii_lowercase().as_str(),
            level.as_str(),
            text(&row, what_at).as_str(),
        ])?;
        match ra.reviewer {
            Some(x) => {
                let x = x as usize;
                encode(&mut buffers[x], &row);
                rows_of[x].0 += 1;
                if privileged {
                    rows_of[x].1 += 1;
                }
                if buffers[x].len() > SPILL_BUFFER {
                    flush(x, &mut buffers[x])?;
                }
            }
            None => unassigned += 1,
        }
        Ok(())
    })?;
    csv.finish()?;
    for (r, buf) in buffers.iter_mut().enumerate() {
        flush(r, buf)?;
    }

    // The workbooks, in parallel.
    let files: Vec<(usize, PathBuf, String)> = (0..a.reviewers.len())
        .filter(|r| rows_of[*r].0 > 0)
        .map(|r| {
            let name = workbook_name(&a.reviewers[r]);
            (r, out.join(&name), format!("{REVIEWERS_DIR}/{name}"))
        })
        .collect();
    // Largest first, so the longest workbook does not start last and leave
    // the other cores idle at the end.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(rows_of[files[k].0].0));
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
                let code = a.codes.get(*r).map(String::as_str);
                if let Err(e) = workbook(
                    ctx,
                    &a.reviewers[*r],
                    code,
                    rows_of[*r],
                    &spill_path(*r),
                    path,
                ) {
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

    // The send list: who gets which file, how much is in it, when it is due.
    let due = ctx
        .policy
        .reviewers
        .as_ref()
        .and_then(|p| p.due)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let mut send = CsvFile::create(&out.join(SEND_LIST_CSV), &SEND_LIST_COLUMNS, &provenance)?;
    for (r, _, rel) in &files {
        let (rows, privileged) = rows_of[*r];
        send.row([
            a.reviewers[*r].as_str(),
            a.who.get(*r).copied().unwrap_or_default(),
            rel.trim_start_matches(&format!("{REVIEWERS_DIR}/")),
            rows.to_string().as_str(),
            privileged.to_string().as_str(),
            due.as_str(),
            unassigned.to_string().as_str(),
        ])?;
    }
    send.finish()?;

    let mut names: Vec<String> = vec![
        format!("{REVIEWERS_DIR}/{ASSIGNMENTS_CSV}"),
        format!("{REVIEWERS_DIR}/{SEND_LIST_CSV}"),
    ];
    names.extend(files.into_iter().map(|(_, _, n)| n));
    names.sort();
    Ok(names)
}

/// Appends one row to a spill buffer.
fn encode(buf: &mut Vec<u8>, row: &[Cell]) {
    buf.extend_from_slice(&(row.len() as u32).to_le_bytes());
    let text = |buf: &mut Vec<u8>, t: &str| {
        buf.push(1);
        buf.extend_from_slice(&(t.len() as u32).to_le_bytes());
        buf.extend_from_slice(t.as_bytes());
    };
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

/// Reads the next spilled row.
fn decode(r: &mut impl Read) -> std::io::Result<Option<Vec<Cell>>> {
    let mut n4 = [0u8; 4];
    match r.read_exact(&mut n4) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
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
    Ok(Some(cells))
}

/// Writes one reviewer's workbook from its spill: the About sheet, then the
/// reviewer's rows of Entitlements.
fn workbook(
    ctx: &ReportContext<'_, '_>,
    reviewer: &str,
    code: Option<&str>,
    (rows, privileged): (usize, usize),
    spill: &Path,
    path: &Path,
) -> std::io::Result<()> {
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let xerr = |e: XlsxError| std::io::Error::other(format!("{label}: {e}"));
    let s = &ctx.loaded.snapshot;
    let mut wb = crate::output::xlsx::new_workbook();
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
    about(&mut wb, ctx, reviewer, code, rows, privileged).map_err(xerr)?;

    let mut reader = BufReader::with_capacity(1 << 16, std::fs::File::open(spill)?);
    let sheet = SheetId::Entitlements;
    let mut layout = PackLayout::new(
        ctx,
        &formats,
        sheet,
        data_columns(ctx, sheet),
        Limits::EXCEL,
    );
    layout.title_suffix = Some(match code {
        Some(c) => format!("for {reviewer} · return code {c}"),
        None => format!("for {reviewer}"),
    });
    layout.protect = true;
    write_sheet(
        &mut wb,
        &label,
        sheet.name(),
        rows,
        Limits::EXCEL.rows_per_sheet,
        &mut layout,
        |sink| {
            while let Some(cells) = decode(&mut reader)? {
                sink(cells)?;
            }
            Ok(())
        },
    )?;
    wb.save(path).map_err(xerr)
}

/// The About sheet, one printed page: who, what, from which snapshot, and
/// what to do.
fn about(
    wb: &mut Workbook,
    ctx: &ReportContext<'_, '_>,
    reviewer: &str,
    code: Option<&str>,
    rows: usize,
    privileged: usize,
) -> Result<(), XlsxError> {
    let s = &ctx.loaded.snapshot;
    let bold = Format::new()
        .set_bold()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let ws = wb.add_worksheet();
    ws.set_name(ABOUT)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 90)?;
    let due = ctx
        .policy
        .reviewers
        .as_ref()
        .and_then(|p| p.due)
        .map(|d| d.format("%Y-%m-%d").to_string());
    let mut items: Vec<(String, String)> = vec![
        ("Access review for".into(), reviewer.to_string()),
        ("Account".into(), account_label(s)),
        ("Snapshot SHA-256".into(), ctx.loaded.sha256.clone()),
        ("Snapshot captured at".into(), fmt_time(s.captured_at())),
        (
            "Rows to review".into(),
            format!(
                "{rows} on the Entitlements sheet, {privileged} of them admin or escalation access"
            ),
        ),
    ];
    if let Some(d) = due {
        items.push(("Due".into(), d));
    }
    if let Some(c) = code {
        items.push((RETURN_CODE.into(), c.to_string()));
    }
    items.extend([
        (
            "What a row is".into(),
            "One entitlement: something one action in Harness removes (a user or service account, a user's membership of an org or project, a membership of a group, a role assignment, a token). Who, Entitlement and Gives say what it is and the strongest access it gives; the columns to the right say more (admin of, escalation permissions, roles, members, how it is removed).".into(),
        ),
        (
            "What to do".into(),
            "For every row choose a Decision: Keep, Revoke (remove it), or Modify (role assignments only: name the role, or ROLE on RESOURCE_GROUP, in Modify to). Keeping admin or escalation access needs a Justification; Revoke and Modify need a Ticket. Reviewer: your email (or leave empty). Review date: the day you decided.".into(),
        ),
        (
            "Do not".into(),
            "Change, add, move or sort rows, or edit anything outside the yellow columns: each row is matched by its Row key, and a changed row is refused.".into(),
        ),
        (
            "Return".into(),
            "Send this file back as it is (Excel, LibreOffice or Google Sheets may save it), or a CSV export of the Entitlements sheet.".into(),
        ),
    ]);
    for (r, (k, v)) in items.iter().enumerate() {
        ws.write_string_with_format(r as u32, 0, crate::output::cell(k).as_ref(), &bold)?;
        ws.write_string_with_format(r as u32, 1, crate::output::cell(v).as_ref(), &wrap)?;
        // Wrapped text gets the height it needs (not every program sizes
        // rows on opening).
        let lines = (v.chars().count() as f64 / 85.0).ceil().max(1.0);
        ws.set_row_height(r as u32, 15.0 * lines)?;
    }
    // One printed page, portrait.
    ws.set_print_fit_to_pages(1, 1);
    ws.set_paper_size(9);
    ws.protect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::workbook_name;

    #[test]
    fn workbook_names_never_collide() {
        assert_eq!(workbook_name("pat@example.com"), "pat@example.com.xlsx");
        assert_eq!(
            workbook_name("o_brien@example.com"),
            "o_brien@example.com.xlsx"
        );
        assert_eq!(
            workbook_name("o'brien@example.com"),
            "o%27brien@example.com.xlsx"
        );
        assert_eq!(
            workbook_name("o%27brien@example.com"),
            "o%2527brien@example.com.xlsx"
        );
        assert_eq!(
            workbook_name("zoë@example.com"),
            "zo%C3%AB@example.com.xlsx"
        );
        assert_eq!(
            workbook_name("../x@example.com"),
            "%2E.%2Fx@example.com.xlsx"
        );
    }

    #[test]
    fn a_leading_dot_never_makes_a_hidden_workbook() {
        assert_eq!(workbook_name(".ops@example.com"), "%2Eops@example.com.xlsx");
        // Distinct from an address that really begins with `%2E`.
        assert_eq!(
            workbook_name("%2Eops@example.com"),
            "%252Eops@example.com.xlsx"
        );
        assert_eq!(workbook_name("a.ops@example.com"), "a.ops@example.com.xlsx");
    }

    #[test]
    fn a_long_address_is_cut_and_told_apart_by_its_hash() {
        let long = |tail: &str| format!("{}{tail}@example.com", "r".repeat(290));
        let (a, b) = (workbook_name(&long("a")), workbook_name(&long("b")));
        assert_ne!(a, b);
        for n in [&a, &b] {
            assert!(n.len() <= 142, "{n}: {} bytes", n.len());
            assert!(n.starts_with(&"r".repeat(120)), "{n}");
            assert!(n.ends_with(".xlsx"));
        }
        assert_eq!(a, workbook_name(&long("a")), "the same every time");
        // A cut never splits a %XX.
        let quoted = format!("{}{}@example.com", "r".repeat(119), "'".repeat(100));
        let n = workbook_name(&quoted);
        assert!(n.starts_with(&format!("{}~", "r".repeat(119))), "{n}");
        // Up to the limit, nothing is cut.
        let fits = format!("{}@example.com", "r".repeat(120 - 12));
        assert_eq!(workbook_name(&fits), format!("{fits}.xlsx"));
    }
}
