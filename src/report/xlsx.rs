//! `review.xlsx`: the workbook reviewers fill in (design.md section 8).
//!
//! Every sheet opens with two banner rows naming the account, the snapshot's
//! capture time and SHA-256 (and INCOMPLETE, when the snapshot is), then a
//! header row that stays frozen, then the rows of [`super::sheets`]. The
//! review sheets end with the reviewer columns: Decision (a Keep / Revoke /
//! Modify dropdown), Reviewer, Review date, Justification, Ticket.
//!
//! Every sheet is written in constant-memory mode: rows stream to a temporary
//! file as they are produced, so a sheet of millions of grants costs one row
//! of memory. That mode writes rows strictly in order, so each sheet's size is
//! known before its first row ([`row_count`]) and the writer checks the
//! producer kept to it. A sheet with more rows than Excel allows continues on
//! `Name (2)`, `Name (3)`, ... with the same banner and header; nothing is
//! truncated. A cell longer than Excel's 32,767 characters is cut with a note
//! saying so (the CSV file keeps it whole).
//!
//! Sheets are formatted as Excel tables (a table style, filter buttons)
//! unless a sheet part has more than [`Limits::table_max_rows`] rows: the
//! writer tracks every cell of a table in memory, which would defeat
//! constant-memory mode, so such parts get the same header style, a plain
//! autofilter and frozen header instead.
//!
//! Determinism: the document's creation time is the snapshot's capture time
//! and the writer stamps no other clock, so the same inputs give the same
//! bytes.

use std::path::Path;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    ExcelDateTime, Format, FormatAlign, FormatBorder, ProtectionOptions, Table, TableColumn,
    TableStyle, Workbook, Worksheet, XlsxError,
};

use super::sheets::{
    account_label, completeness_line, data_columns, fmt_time, row_count, write_rows, Column,
    SheetId, DECISIONS, IDENTITY_COLUMNS, REVIEW_COLUMNS, WRAPPED,
};
use super::ReportContext;
use crate::output::sanitize::cell;
use crate::output::xlsx::{write_sheet, Layout, Part};
pub use crate::output::xlsx::{EXCEL_MAX_CELL_CHARS, EXCEL_MAX_ROWS};

/// The header row (0-based); rows above it are the banner.
pub const HEADER_ROW: u32 = 2;
const FIRST_DATA_ROW: u32 = HEADER_ROW + 1;

/// Size limits of the writer; tests shrink them to exercise continuation
/// sheets without writing a million rows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Rows per worksheet, banner and header included.
    pub rows_per_sheet: u32,
    /// Largest sheet part formatted as an Excel table.
    pub table_max_rows: usize,
}

impl Limits {
    /// Excel's own limits.
    pub const EXCEL: Limits = Limits {
        rows_per_sheet: EXCEL_MAX_ROWS,
        table_max_rows: 100_000,
    };
}

fn xerr(e: XlsxError) -> std::io::Error {
    std::io::Error::other(format!("review.xlsx: {e}"))
}

pub(crate) struct Formats {
    /// The reviewer cells by row tag, and the same with the date format.
    tagged: Vec<(Format, Format)>,
    title: Format,
    info: Format,
    incomplete: Format,
    header: Format,
    review_header: Format,
    review: Format,
    review_date: Format,
    /// Numbers in a key-value sheet, aligned with the text beside them.
    left_number: Format,
    /// Long text that wraps within its column.
    wrap: Format,
    /// Text beside wrapped text: at the top of the row, like it.
    top: Format,
}

impl Formats {
    pub(crate) fn new() -> Formats {
        let review = Format::new()
            .set_background_color(Color::RGB(0xFFF2CC))
            .set_unlocked();
        let tagged = (0..ROW_TAGS)
            .map(|t| {
                let f = Format::new()
                    .set_background_color(Color::RGB(tag_fill(t)))
                    .set_unlocked();
                (f.clone(), f.set_num_format("yyyy-mm-dd"))
            })
            .collect();
        Formats {
            tagged,
            title: Format::new().set_bold().set_font_size(14),
            info: Format::new()
                .set_font_color(Color::RGB(0x404040))
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            incomplete: Format::new()
                .set_bold()
                .set_font_color(Color::White)
                .set_background_color(Color::RGB(0xC00000))
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            header: Format::new()
                .set_bold()
                .set_font_color(Color::White)
                .set_background_color(Color::RGB(0x1F4E78))
                .set_border_bottom(FormatBorder::Thin),
            review_header: Format::new()
                .set_bold()
                .set_font_color(Color::Black)
                .set_background_color(Color::RGB(0xFFD966))
                .set_border_bottom(FormatBorder::Thin),
            review_date: review.clone().set_num_format("yyyy-mm-dd"),
            left_number: Format::new().set_align(FormatAlign::Left),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            top: Format::new().set_align(FormatAlign::Top),
            review,
        }
    }
}

/// Writes `review.xlsx` with Excel's limits; returns the sheet names.
/// `csv_beside`: the pack has `csv/` (see [`lists_grants`]).
pub fn write(
    ctx: &ReportContext<'_, '_>,
    path: &Path,
    csv_beside: bool,
) -> std::io::Result<Vec<String>> {
    write_with(ctx, path, Limits::EXCEL, csv_beside)
}

/// True when the workbook lists every grant on its Effective Access sheet:
/// when they fit one sheet, or when the pack has no `csv/` to hold them
/// (then they continue on numbered sheets). Grants that need more than one
/// sheet are left to `csv/effective_access.csv` when the pack has it: a
/// table split over sheets cannot be filtered or sorted as one, and at that
/// size (a million grants and more) the sheets were most of the workbook's
/// bytes and time while the Entitlements sheet already says, once per
/// thing a reviewer can remove, what its grants give.
pub fn lists_grants(ctx: &ReportContext<'_, '_>, limits: Limits, csv_beside: bool) -> bool {
    !csv_beside || row_count(ctx, SheetId::EffectiveAccess) <= per_sheet(limits)
}

/// Data rows one sheet holds under the banner and header.
fn per_sheet(limits: Limits) -> usize {
    (limits.rows_per_sheet - FIRST_DATA_ROW) as usize
}

/// Writes `review.xlsx` with the given limits; returns the sheet names.
pub fn write_with(
    ctx: &ReportContext<'_, '_>,
    path: &Path,
    limits: Limits,
    csv_beside: bool,
) -> std::io::Result<Vec<String>> {
    let s = &ctx.loaded.snapshot;
    let mut workbook = crate::output::xlsx::new_workbook();
    // Constant-memory sheets spool to anonymous temporary files; keep them
    // on the pack's own disk rather than a possibly memory-backed /tmp.
    if let Some(dir) = path.parent() {
        workbook.set_tempdir(dir).map_err(xerr)?;
    }
    let captured = s.captured_at();
    let created = crate::output::xlsx::excel_time(captured).map_err(xerr)?;
    let properties = DocProperties::new()
        .set_title(format!(
            "Access review: {}",
            crate::text::mark(&account_label(s))
        ))
        .set_subject(format!(
            "Harness account {} snapshot {} SHA-256 {}",
            s.account.id,
            fmt_time(captured),
            ctx.loaded.sha256
        ))
        .set_author("reviewpack")
        .set_comment(completeness_line(s))
        .set_creation_datetime(&created);
    workbook.set_properties(&properties);

    let formats = Formats::new();
    let mut names = Vec::new();
    for sheet in SheetId::ALL {
        if sheet == SheetId::EffectiveAccess && !lists_grants(ctx, limits, csv_beside) {
            names.push(grants_elsewhere(ctx, &mut workbook, &formats, limits).map_err(xerr)?);
            continue;
        }
        write_sheet_of(ctx, &mut workbook, &formats, sheet, limits, &mut names)?;
    }
    workbook.save(path).map_err(xerr)?;
    Ok(names)
}

/// The name of part `n` (1-based) of a sheet.
pub fn part_name(sheet: SheetId, n: usize) -> String {
    crate::output::xlsx::part_name(sheet.name(), n)
}

/// A sheet's two banner rows: its name and the account (with `title_tail`
/// after them), then the evidence it was made from and what the sheet is
/// (or INCOMPLETE first, in red, when the snapshot is). `width`: the
/// sheet's width in characters, to give the wrapped line its rows.
fn write_banner(
    ws: &mut Worksheet,
    ctx: &ReportContext<'_, '_>,
    formats: &Formats,
    sheet: SheetId,
    title_tail: &str,
    last_col: u16,
    width: f64,
) -> Result<(), XlsxError> {
    let s = &ctx.loaded.snapshot;
    let title = format!("{} · {}{title_tail}", sheet.name(), account_label(s));
    banner(ws, 0, last_col, &title, &formats.title)?;
    let identity = format!(
        "Account {} · snapshot captured {} · snapshot SHA-256 {} · as of {}",
        s.account.id,
        fmt_time(s.captured_at()),
        ctx.loaded.sha256,
        fmt_time(ctx.as_of)
    );
    let line = if s.completeness.vouched() {
        format!("{identity} · {}", sheet.about())
    } else {
        format!("{} · {identity}", completeness_line(s))
    };
    let f = if s.completeness.vouched() {
        &formats.info
    } else {
        &formats.incomplete
    };
    banner(ws, 1, last_col, &line, f)?;
    // The line wraps within the sheet's width: give it the rows it needs.
    let lines = (line.chars().count() as f64 / (width * 0.95))
        .ceil()
        .max(1.0);
    ws.set_row_height(1, 15.0 * lines)?;
    Ok(())
}

/// The Effective Access sheet of a workbook that leaves its grants to
/// `csv/effective_access.csv` ([`lists_grants`]): the banner, then where the
/// grants are and where a reviewer finds what they give.
fn grants_elsewhere(
    ctx: &ReportContext<'_, '_>,
    workbook: &mut Workbook,
    formats: &Formats,
    limits: Limits,
) -> Result<String, XlsxError> {
    let sheet = SheetId::EffectiveAccess;
    let total = row_count(ctx, sheet);
    let ws = workbook.add_worksheet();
    ws.set_name(sheet.name())?;
    const WIDTH: f64 = 120.0;
    ws.set_column_width(0, WIDTH)?;
    write_banner(ws, ctx, formats, sheet, "", 0, WIDTH)?;
    let lines = [
        format!(
            "{} grants: more than one sheet holds ({} rows), so this workbook does not list them. A table split over several sheets cannot be filtered or sorted as one.",
            thousands(total),
            thousands(per_sheet(limits))
        ),
        "Every grant is in csv/effective_access.csv in this pack: one row per grant, with this sheet's columns and the account and snapshot on every row. SHA256SUMS and manifest.json give its SHA-256. It opens in any tool that holds a few million rows (a database, DuckDB, pandas, grep).".to_string(),
        "To decide: the Entitlements sheet has one row per thing one Harness action removes, with what its grants give (privilege, admin of, escalation permissions, the scopes it reaches, its roles, a permission summary) and how many grants hang on it.".to_string(),
        "Privileged Access lists every admin and escalation grant with its path. One principal's grants, with the path and permissions of each: reviewpack explain snapshot.json PRINCIPAL.".to_string(),
    ];
    for (i, line) in lines.iter().enumerate() {
        let row = FIRST_DATA_ROW + i as u32;
        ws.write_string_with_format(row, 0, cell(line).as_ref(), &formats.info)?;
        let rows = (line.chars().count() as f64 / (WIDTH * 0.95))
            .ceil()
            .max(1.0);
        ws.set_row_height(row, 15.0 * rows)?;
    }
    Ok(sheet.name().to_string())
}

/// `3054105` as `3,054,105`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A pack sheet around its rows: banner, header, table or filter, reviewer
/// columns, validation and print setup.
pub(crate) struct PackLayout<'c, 'a, 's> {
    pub(crate) ctx: &'c ReportContext<'a, 's>,
    pub(crate) formats: &'c Formats,
    pub(crate) sheet: SheetId,
    /// The data columns (the row's cells), in order; a review sheet adds
    /// the reviewer columns at [`PackLayout::review_at`].
    pub(crate) columns: Vec<Column>,
    /// Per data column: its text wraps.
    pub(crate) wrapped: Vec<bool>,
    /// Some column wraps.
    pub(crate) any_wrapped: bool,
    pub(crate) limits: Limits,
    pub(crate) key_value: bool,
    /// Reviewer cells are written per row (a table); a large part formats
    /// its reviewer columns instead, which costs no cell per row.
    pub(crate) review_cells: bool,
    /// Added to the title (a reviewer's workbook names its reviewer).
    pub(crate) title_suffix: Option<String>,
    /// Locks every cell but the reviewer columns (a reviewer's workbook).
    pub(crate) protect: bool,
    /// The data column holding the row key, when there is one.
    pub(crate) row_key_index: Option<usize>,
    /// Rows with wrapped text get their height (small parts only).
    pub(crate) sized_rows: bool,
}

/// The most rows of a sheet part whose wrapped rows get their height.
pub const ROW_HEIGHTS_MAX_ROWS: usize = 20_000;

/// How many fills tag reviewer cells.
pub const ROW_TAGS: u8 = 16;

/// The tag of a row: from its row key's SHA-256, one of [`ROW_TAGS`]. The
/// reviewer cells of a reviewer workbook's row are filled with the input
/// colour's variant for this tag (the variants look the same); spreadsheet
/// programs move a cell's fill with its value when sorting, so a decision
/// whose fill is not its row's tag was moved from another row.
pub fn row_tag(row_key: &str) -> u8 {
    use sha2::{Digest, Sha256};
    Sha256::digest(row_key.as_bytes())[0] % ROW_TAGS
}

/// The input fill for a tag: `FFF2C0` + tag (the untagged input fill is
/// `FFF2CC`, which is tag 12).
pub fn tag_fill(tag: u8) -> u32 {
    0xFFF2C0 + u32::from(tag % ROW_TAGS)
}

/// The tag an input fill (`RRGGBB`, or `AARRGGBB` as files store it)
/// carries, if it is one of [`tag_fill`]'s.
pub fn fill_tag(rgb: &str) -> Option<u8> {
    let hex = rgb.trim();
    let hex = if hex.len() == 8 { &hex[2..] } else { hex };
    let v = u32::from_str_radix(hex, 16).ok()?;
    (v & 0xFFFFF0 == 0xFFF2C0).then_some((v & 0x0F) as u8)
}

impl Layout for PackLayout<'_, '_, '_> {
    fn first_data_row(&self) -> u32 {
        FIRST_DATA_ROW
    }

    fn begin(&mut self, ws: &mut Worksheet, part: &Part) -> Result<(), XlsxError> {
        // A reviewer's workbook (protected) formats its reviewer cells row
        // by row at any size, so every row carries its tag; the pack's own
        // sheets of more rows than a table holds colour them as columns.
        self.review_cells = part.rows <= self.limits.table_max_rows || self.protect;
        self.sized_rows = part.rows <= ROW_HEIGHTS_MAX_ROWS;
        self.setup_part(ws, part)?;
        // A part small enough to size its rows wraps its long text, and
        // aligns the text beside it at the top, so a row reads across.
        // Formatted as columns, not cell by cell: the writer looks up a
        // cell's format by hashing it (about 1 µs a cell), a column's once.
        // A part too large to size its rows is one line a row: wrapped text
        // in unsized rows would only make the sheet taller to scroll.
        if self.sized_rows && self.any_wrapped {
            for (i, wraps) in self.wrapped.iter().enumerate() {
                let f = if *wraps {
                    &self.formats.wrap
                } else {
                    &self.formats.top
                };
                ws.set_column_format(self.column_of(i), f)?;
            }
        }
        Ok(())
    }

    fn after_row(
        &mut self,
        ws: &mut Worksheet,
        _part: &Part,
        row: u32,
        cells: &[crate::output::Cell],
    ) -> Result<(), XlsxError> {
        // Wrapped text gets the rows it needs: not every program sizes rows
        // when it opens a file (LibreOffice keeps one line, and prints the
        // lines over each other). The writer keeps every row whose height
        // was set until the sheet is saved (about 3 KB a row: 360 MB for the
        // 122,000 entitlements of 10,000 users), so only parts of at most
        // ROW_HEIGHTS_MAX_ROWS rows get them (a reviewer's workbook, a small
        // account's pack).
        if self.sized_rows && self.any_wrapped {
            let mut lines = 1.0f64;
            for (i, c) in cells.iter().enumerate() {
                if self.wrapped.get(i).copied().unwrap_or(false) {
                    let width = self.columns[i].width.max(1.0);
                    let n = (c.as_text().chars().count() as f64 / (width * 1.05)).ceil();
                    // At most four lines: the cell holds it all, the row
                    // shows the start of it.
                    lines = lines.max(n.min(4.0));
                }
            }
            if lines > 1.0 {
                ws.set_row_height(row, 15.0 * lines)?;
            }
        }
        if let (Some(at), true) = (self.review_at(), self.review_cells) {
            // A reviewer's workbook tags each row's reviewer cells with the
            // fill its row key names (see row_tag), so decisions moved to
            // other rows (by sorting them alone) can be told.
            let tag = match (self.protect, self.row_key_index) {
                (true, Some(k)) => cells.get(k).map(|c| row_tag(&c.as_text())),
                _ => None,
            };
            reviewer_cells(ws, row, at, self.formats, tag)?;
        }
        Ok(())
    }

    fn number_format(&self) -> Option<&Format> {
        self.key_value.then_some(&self.formats.left_number)
    }

    fn column_of(&self, i: usize) -> u16 {
        match self.review_at() {
            Some(at) if i >= at => (i + REVIEW_COLUMNS.len()) as u16,
            _ => i as u16,
        }
    }
}

impl<'c, 'a, 's> PackLayout<'c, 'a, 's> {
    /// A sheet's layout with its data columns.
    pub(crate) fn new(
        ctx: &'c ReportContext<'a, 's>,
        formats: &'c Formats,
        sheet: SheetId,
        columns: Vec<Column>,
        limits: Limits,
    ) -> Self {
        let wrapped: Vec<bool> = columns.iter().map(|c| WRAPPED.contains(&c.key)).collect();
        let any_wrapped = wrapped.iter().any(|w| *w);
        let row_key_index = columns.iter().position(|c| c.key == "row_key");
        PackLayout {
            row_key_index,
            sized_rows: true,
            ctx,
            formats,
            sheet,
            columns,
            wrapped,
            any_wrapped,
            limits,
            key_value: matches!(sheet, SheetId::Summary | SheetId::Provenance),
            review_cells: true,
            title_suffix: None,
            protect: false,
        }
    }

    /// The worksheet column the reviewer columns start at, on a review
    /// sheet: beside the row's identity on Entitlements, after the data
    /// elsewhere.
    pub(crate) fn review_at(&self) -> Option<usize> {
        if !self.sheet.is_review() {
            return None;
        }
        Some(if self.sheet == SheetId::Entitlements {
            IDENTITY_COLUMNS.min(self.columns.len())
        } else {
            self.columns.len()
        })
    }

    /// Every worksheet column, reviewer columns in place.
    fn sheet_columns(&self) -> Vec<Column> {
        let mut v = self.columns.clone();
        if let Some(at) = self.review_at() {
            v.splice(at..at, REVIEW_COLUMNS.iter().copied());
        }
        v
    }
}

fn write_sheet_of(
    ctx: &ReportContext<'_, '_>,
    workbook: &mut Workbook,
    formats: &Formats,
    sheet: SheetId,
    limits: Limits,
    names: &mut Vec<String>,
) -> std::io::Result<()> {
    let mut layout = PackLayout::new(ctx, formats, sheet, data_columns(ctx, sheet), limits);
    names.extend(write_sheet(
        workbook,
        "review.xlsx",
        sheet.name(),
        row_count(ctx, sheet),
        limits.rows_per_sheet,
        &mut layout,
        |sink| write_rows(ctx, sheet, sink),
    )?);
    Ok(())
}

/// One banner row: the text in a cell merged across the sheet's width, so
/// every viewer shows it whole (and the INCOMPLETE fill spans the sheet).
fn banner(
    ws: &mut Worksheet,
    row: u32,
    last_col: u16,
    text: &str,
    f: &Format,
) -> Result<(), XlsxError> {
    let text = cell(text);
    if last_col == 0 {
        ws.write_string_with_format(row, 0, text.as_ref(), f)?;
    } else {
        ws.merge_range(row, 0, row, last_col, text.as_ref(), f)?;
    }
    Ok(())
}

/// The reviewer cells of one data row, from column `at`: blank, in the
/// input fill (the variant of the row's tag, when it has one).
fn reviewer_cells(
    ws: &mut Worksheet,
    row: u32,
    at: usize,
    formats: &Formats,
    tag: Option<u8>,
) -> Result<(), XlsxError> {
    for (i, c) in REVIEW_COLUMNS.iter().enumerate() {
        let date = c.key == "review_date";
        let f = match (tag, date) {
            (Some(t), false) => &formats.tagged[usize::from(t)].0,
            (Some(t), true) => &formats.tagged[usize::from(t)].1,
            (None, true) => &formats.review_date,
            (None, false) => &formats.review,
        };
        ws.write_blank(row, (at + i) as u16, f)?;
    }
    Ok(())
}

impl PackLayout<'_, '_, '_> {
    /// Writes a part's banner, header, widths, table or filter, validation and
    /// print setup; data rows follow.
    fn setup_part(&self, ws: &mut Worksheet, part: &Part) -> Result<(), XlsxError> {
        let (ctx, formats, sheet, limits) = (self.ctx, self.formats, self.sheet, self.limits);
        let columns = &self.sheet_columns()[..];
        let review_at = self.review_at();
        let is_review_col =
            |i: usize| review_at.is_some_and(|at| i >= at && i < at + REVIEW_COLUMNS.len());
        let (n, parts, rows) = (part.n, part.parts, part.rows);
        let s = &ctx.loaded.snapshot;
        let last_col = (columns.len() - 1) as u16;
        for (i, c) in columns.iter().enumerate() {
            ws.set_column_width(i as u16, c.width)?;
        }

        // Banner: what this is, and the evidence it was made from.
        let continuation = if parts > 1 {
            format!(" (part {n} of {parts}: rows continue on the next sheet)")
        } else {
            String::new()
        };
        let suffix = self
            .title_suffix
            .as_deref()
            .map(|x| format!(" · {x}"))
            .unwrap_or_default();
        let width: f64 = columns.iter().map(|c| c.width).sum();
        write_banner(
            ws,
            ctx,
            formats,
            sheet,
            &format!("{suffix}{continuation}"),
            last_col,
            width,
        )?;

        // A table needs one data row; an empty sheet gets one blank row.
        let last_row = FIRST_DATA_ROW + (rows.max(1) as u32) - 1;
        if rows <= limits.table_max_rows {
            // Reviewer columns get their own header colour.
            let table_columns: Vec<TableColumn> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    // Explicit header formats: viewers other than Excel (such
                    // as LibreOffice) do not draw table styles.
                    let column = TableColumn::new().set_header(c.title);
                    if is_review_col(i) {
                        column.set_header_format(&formats.review_header)
                    } else {
                        column.set_header_format(&formats.header)
                    }
                })
                .collect();
            let table_name = if n == 1 {
                sheet.name().replace(' ', "")
            } else {
                format!("{}_{n}", sheet.name().replace(' ', ""))
            };
            let table = Table::new()
                .set_name(table_name)
                .set_style(TableStyle::Medium2)
                .set_columns(&table_columns);
            ws.add_table(HEADER_ROW, 0, last_row, last_col, &table)?;
        } else {
            for (i, c) in columns.iter().enumerate() {
                let f = if is_review_col(i) {
                    &formats.review_header
                } else {
                    &formats.header
                };
                ws.write_string_with_format(HEADER_ROW, i as u16, c.title, f)?;
            }
            ws.autofilter(HEADER_ROW, 0, last_row, last_col)?;
            // Millions of rows: the reviewer columns are formatted as columns
            // (fill, unlocked, date) rather than cell by cell.
            if let Some(at) = review_at {
                for (i, c) in REVIEW_COLUMNS.iter().enumerate() {
                    let f = if c.key == "review_date" {
                        &formats.review_date
                    } else {
                        &formats.review
                    };
                    ws.set_column_format((at + i) as u16, f)?;
                }
            }
        }
        // The header stays in view; on Entitlements the row's identity too,
        // with the reviewer columns right beside it.
        let frozen_cols = match review_at {
            Some(at) if sheet == SheetId::Entitlements => at as u16,
            _ => 0,
        };
        ws.set_freeze_panes(FIRST_DATA_ROW, frozen_cols)?;
        if let (0, Some(at)) = (rows, review_at) {
            reviewer_cells(ws, FIRST_DATA_ROW, at, formats, None)?;
        }

        if let Some(at) = review_at {
            let decision_col = at as u16;
            let decision = DataValidation::new()
            .allow_list_strings(DECISIONS)
            ?
            .set_input_title("Decision")
            ?
            .set_input_message("Keep, Revoke or Modify. Then fill Reviewer, Review date, Justification and Ticket.")
            ?
            .set_error_title("Decision")
            ?
            .set_error_message("Choose Keep, Revoke or Modify.")
            ?;
            ws.add_data_validation(
                FIRST_DATA_ROW,
                decision_col,
                last_row,
                decision_col,
                &decision,
            )?;
            let date_col = decision_col + 2;
            let since = ExcelDateTime::from_ymd(2000, 1, 1)?;
            let date = DataValidation::new()
                .allow_date(DataValidationRule::GreaterThanOrEqualTo(since))
                .set_input_title("Review date")?
                .set_input_message("The date of the decision, such as 2026-10-15.")?
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_message("Enter a date, such as 2026-10-15.")?;
            ws.add_data_validation(FIRST_DATA_ROW, date_col, last_row, date_col, &date)?;
        }

        // Printing: landscape, one page wide, banner and header on every page,
        // and the evidence named in every page's footer.
        ws.set_landscape();
        ws.set_repeat_rows(0, HEADER_ROW)?;
        if let (Some(at), SheetId::Entitlements) = (review_at, sheet) {
            // Too wide for one page at a readable size: pages run across,
            // each repeating the row's identity (who, what, gives), the
            // decision columns on the first.
            ws.set_repeat_columns(0, (at - 1) as u16)?;
            ws.set_print_scale(80);
            // The reviewer's columns and the facts up to how it is removed;
            // the identifiers after it are for machines.
            if let Some(last) = self
                .columns
                .iter()
                .position(|c| c.key == "remove_with")
                .map(|i| self.column_of(i))
            {
                ws.set_print_area(0, 0, last_row, last)?;
            }
        } else {
            ws.set_print_fit_to_pages(1, 0);
        }
        let footer = format!(
            "&L{} · {} · SHA-256 {}&RPage &P of &N",
            s.account.id.replace('&', "&&"),
            fmt_time(s.captured_at()),
            ctx.loaded.sha256
        );
        if footer.chars().count() <= 255 {
            ws.set_footer(footer);
        }
        if self.protect {
            // Reviewers fill the reviewer columns (unlocked); everything else
            // is what was sent, and stays as it was. Filtering stays allowed;
            // sorting does not: sorting the reviewer columns alone would move
            // decisions onto other rows.
            ws.protect_with_options(&ProtectionOptions {
                use_autofilter: true,
                sort: false,
                format_columns: true,
                format_rows: true,
                ..ProtectionOptions::new()
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use calamine::{open_workbook, Data, Reader, Xlsx};

    use super::{lists_grants, thousands, write_with, Limits, FIRST_DATA_ROW, HEADER_ROW};
    use crate::graph::AccessGraph;
    use crate::report::sheets::{row_count, write_rows, Cell, SheetId};
    use crate::report::ReportContext;

    fn text(d: &Data) -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Float(f) => format!("{}", *f as i64),
            other => other.to_string(),
        }
    }

    /// The demo snapshot's report context (no findings, default policy),
    /// handed to `f`.
    fn with_demo(f: impl FnOnce(&ReportContext<'_, '_>)) {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/demo/snapshot.json");
        let loaded = crate::snapshot::load(&path).unwrap();
        let graph = AccessGraph::build(&loaded.snapshot);
        let ctx = ReportContext {
            loaded: &loaded,
            graph: &graph,
            as_of: loaded.snapshot.captured_at(),
            findings: &[],
            policy: &crate::findings::Policy::default(),
            roster: None,
            assignments: None,
            operator: None,
            verdict: None,
            entitlement_rows: None,
            memo: Default::default(),
        };
        f(&ctx);
    }

    /// A sheet longer than the row limit continues on numbered sheets with
    /// the same banner and header, every row exactly once, in order; parts
    /// too large for a table keep a header filter instead.
    #[test]
    fn rows_past_the_limit_continue_on_numbered_sheets_and_none_is_lost() {
        with_demo(|ctx| {
            let per_sheet = 40usize;
            let limits = Limits {
                rows_per_sheet: HEADER_ROW + 1 + per_sheet as u32,
                table_max_rows: 25,
            };
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("review.xlsx");
            // Without csv/ beside it, the workbook is the one file to hold them.
            let names = write_with(ctx, &out, limits, false).unwrap();

            let sheet = SheetId::EffectiveAccess;
            let total = row_count(ctx, sheet);
            let parts = total.div_ceil(per_sheet);
            assert!(parts >= 3, "the demo needs {parts} parts");
            let part_names: Vec<String> = (1..=parts).map(|n| super::part_name(sheet, n)).collect();
            let first = names.iter().position(|n| n == "Effective Access").unwrap();
            assert_eq!(names[first..first + parts], part_names[..]);
            assert_eq!(part_names[1], "Effective Access (2)");

            let mut expected: Vec<Vec<String>> = Vec::new();
            write_rows(ctx, sheet, &mut |cells: Vec<Cell>| {
                expected.push(
                    cells
                        .iter()
                        .map(|c| crate::output::sanitize::cell(&c.as_text()).into_owned())
                        .collect(),
                );
                Ok(())
            })
            .unwrap();

            let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
            wb.load_tables().unwrap();
            let mut got: Vec<Vec<String>> = Vec::new();
            let width = sheet.columns().len();
            for (i, name) in part_names.iter().enumerate() {
                let range = wb.worksheet_range(name).unwrap();
                let rows: Vec<Vec<String>> =
                    range.rows().map(|r| r.iter().map(text).collect()).collect();
                assert!(
                    rows[0][0].contains(&format!("part {} of {parts}", i + 1)),
                    "{name}: {:?}",
                    rows[0][0]
                );
                assert!(rows[1][0].contains(&ctx.loaded.sha256), "{name}");
                assert_eq!(rows[2][0], "Principal kind", "{name}: header");
                assert_eq!(
                    rows[2].len(),
                    width,
                    "{name}: no reviewer columns (evidence, not decisions)"
                );
                let data = &rows[3..];
                let want = if i + 1 < parts {
                    per_sheet
                } else {
                    total - per_sheet * (parts - 1)
                };
                assert_eq!(data.len(), want, "{name}");
                got.extend(data.iter().map(|r| r[..width].to_vec()));
                let tables = wb.table_names_in_sheet(name).len();
                assert_eq!(
                    tables,
                    usize::from(want <= limits.table_max_rows),
                    "{name}: table only when small"
                );
            }
            assert_eq!(got, expected, "every row once, in order");

            // The large parts have a plain autofilter over header and rows.
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
            let mut xml = String::new();
            let index = first + 1; // sheetN.xml is 1-based
            zip.by_name(&format!("xl/worksheets/sheet{index}.xml"))
                .unwrap()
                .read_to_string(&mut xml)
                .unwrap();
            assert!(
                xml.contains(&format!("<autoFilter ref=\"A3:P{}\"/>", 3 + per_sheet)),
                "{xml:.2000}"
            );
            assert!(xml.contains("state=\"frozen\""));
            assert!(!xml.contains("<c r=\"Q4\""), "{xml:.3000}");
            assert!(xml.contains("<c r=\"P4\""), "data cells are there");
        });
    }

    /// With csv/ beside it, grants that need more than one sheet are left
    /// to csv/effective_access.csv and the sheet says so; grants that fit one
    /// sheet are listed as before.
    #[test]
    fn grants_that_need_more_than_one_sheet_are_left_to_the_csv_file_and_the_sheet_says_so() {
        with_demo(|ctx| {
            let total = row_count(ctx, SheetId::EffectiveAccess);
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("review.xlsx");

            // One row short of the grants: left to the CSV file.
            let limits = Limits {
                rows_per_sheet: HEADER_ROW + total as u32,
                table_max_rows: 25,
            };
            assert!(!lists_grants(ctx, limits, true));
            assert!(lists_grants(ctx, limits, false));
            let names = write_with(ctx, &out, limits, true).unwrap();
            assert_eq!(
                names
                    .iter()
                    .filter(|n| n.starts_with("Effective Access"))
                    .count(),
                1,
                "{names:?}"
            );
            let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
            let range = wb.worksheet_range("Effective Access").unwrap();
            let rows: Vec<String> = range
                .rows()
                .map(|r| r.iter().map(text).collect::<Vec<_>>().join(""))
                .collect();
            assert!(rows[1].contains(&ctx.loaded.sha256), "{rows:?}");
            let body = rows[3..].join("\n");
            assert!(
                body.starts_with(&format!(
                    "{} grants: more than one sheet holds ({} rows)",
                    thousands(total),
                    thousands(total - 1)
                )),
                "{body}"
            );
            assert!(body.contains("csv/effective_access.csv"), "{body}");
            assert!(body.contains("Entitlements sheet"), "{body}");
            assert!(range.height() <= 8, "no grant rows: {}", range.height());
            // The other sheets are all there.
            for sheet in SheetId::ALL {
                assert!(
                    names.contains(&sheet.name().to_string()),
                    "{}",
                    sheet.name()
                );
            }

            // Exactly one sheet's worth: listed, with csv/ beside it or not.
            let limits = Limits {
                rows_per_sheet: FIRST_DATA_ROW + total as u32,
                table_max_rows: 25,
            };
            assert!(lists_grants(ctx, limits, true));
            write_with(ctx, &out, limits, true).unwrap();
            let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
            let range = wb.worksheet_range("Effective Access").unwrap();
            assert_eq!(range.height(), FIRST_DATA_ROW as usize + total);
            assert_eq!(thousands(3_054_105), "3,054,105");
            assert_eq!(thousands(999), "999");
        });
    }
}
