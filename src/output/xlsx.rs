//! One worksheet as reviewpack writes them, in constant memory: rows go to
//! a temporary file as they are written, so a sheet of millions of rows costs
//! one row of memory. The writer owns what every sheet needs the same way:
//!
//! - a sheet longer than Excel allows continues on `Name (2)`, `Name (3)`,
//!   ... each set up like the first; nothing is truncated, and the producer
//!   must make exactly the rows it announced;
//! - every text cell goes through [`super::sanitize::cell`], and a cell
//!   longer than Excel's 32,767 characters is cut with a note saying so (the
//!   CSV file keeps it whole).
//!
//! A [`Layout`] writes everything around the data rows: widths, banner,
//! header, filter or table, validation, print settings, reviewer cells.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::sanitize::cell;

/// Excel's rows per worksheet.
pub const EXCEL_MAX_ROWS: u32 = 1_048_576;
/// Excel's characters per cell.
pub const EXCEL_MAX_CELL_CHARS: usize = 32_767;

/// The zip compression level of every workbook reviewpack writes: level 3,
/// what Excel 365 itself writes, deflates the sheets about three times
/// faster than the writer's default 6 for files some 20% larger
/// (docs/performance.md).
pub const ZIP_COMPRESSION_LEVEL: u8 = 3;

/// A new workbook as every output makes it.
pub fn new_workbook() -> rust_xlsxwriter::Workbook {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.set_zip_compression_level(ZIP_COMPRESSION_LEVEL);
    wb
}

/// Text as Excel can hold it: at most 32,767 characters, cut with a note.
pub fn fit_cell(s: &str) -> Cow<'_, str> {
    // A string has no more characters than bytes: most cells are decided
    // without counting.
    if s.len() <= EXCEL_MAX_CELL_CHARS || s.chars().count() <= EXCEL_MAX_CELL_CHARS {
        return Cow::Borrowed(s);
    }
    const NOTE: &str = " … [cut: longer than Excel allows; the CSV file has it whole]";
    let keep = EXCEL_MAX_CELL_CHARS - NOTE.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(NOTE);
    Cow::Owned(out)
}

/// One cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text (untrusted unless the column says otherwise).
    Text(String),
    /// Text shared by many rows (a scope, a path, a permission list), so a
    /// row of a large sheet costs a reference count, not a copy.
    Shared(std::sync::Arc<str>),
    /// A whole number (counts, days).
    Int(i64),
    /// Nothing.
    Empty,
}

impl Cell {
    /// The cell as CSV text.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Text(s) => std::borrow::Cow::Borrowed(s),
            Cell::Shared(s) => std::borrow::Cow::Borrowed(s),
            Cell::Int(n) => std::borrow::Cow::Owned(n.to_string()),
            Cell::Empty => std::borrow::Cow::Borrowed(""),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Cell {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

/// The name of part `n` (1-based) of a sheet: `Name`, `Name (2)`, ...
pub fn part_name(name: &str, n: usize) -> String {
    if n == 1 {
        name.to_string()
    } else {
        format!("{name} ({n})")
    }
}

/// One part of a sheet, as the layout sees it.
#[derive(Debug, Clone)]
pub struct Part {
    /// The worksheet's name.
    pub name: String,
    /// Which part (1-based).
    pub n: usize,
    /// How many parts the sheet has.
    pub parts: usize,
    /// Data rows this part holds.
    pub rows: usize,
    /// The first data row (0-based).
    pub first_row: u32,
}

impl Part {
    /// The last data row of the part (the first when it holds none).
    pub fn last_row(&self) -> u32 {
        self.first_row + (self.rows.max(1) as u32) - 1
    }
}

/// Everything of a sheet around its data rows.
pub trait Layout {
    /// Rows above the data (banner and header): the first data row.
    fn first_data_row(&self) -> u32;
    /// Sets a part up before its first row is written, its columns'
    /// formats too (a text cell is written in its column's format).
    fn begin(&mut self, ws: &mut Worksheet, part: &Part) -> Result<(), XlsxError>;
    /// After each data row (such as reviewer cells), with the row's cells.
    fn after_row(
        &mut self,
        _ws: &mut Worksheet,
        _part: &Part,
        _row: u32,
        _cells: &[Cell],
    ) -> Result<(), XlsxError> {
        Ok(())
    }
    /// After the part's last row.
    fn end(&mut self, _ws: &mut Worksheet, _part: &Part) -> Result<(), XlsxError> {
        Ok(())
    }
    /// The format of number cells, if any.
    fn number_format(&self) -> Option<&Format> {
        None
    }
    /// The worksheet column of the row's cell `i` (a layout may put columns
    /// of its own, such as reviewer columns, between the row's cells).
    fn column_of(&self, i: usize) -> u16 {
        i as u16
    }
}

/// Writes one sheet of `total` rows, made by `produce`, into `workbook`:
/// in parts of at most `rows_per_sheet` worksheet rows (banner and header
/// included), each set up by `layout`. Errors name `label` (the file).
/// Returns the worksheets' names.
pub fn write_sheet(
    workbook: &mut Workbook,
    label: &str,
    name: &str,
    total: usize,
    rows_per_sheet: u32,
    layout: &mut dyn Layout,
    produce: impl FnOnce(&mut dyn FnMut(Vec<Cell>) -> std::io::Result<()>) -> std::io::Result<()>,
) -> std::io::Result<Vec<String>> {
    let xerr = |e: XlsxError| std::io::Error::other(format!("{label}: {e}"));
    let first_row = layout.first_data_row();
    let per_part = (rows_per_sheet - first_row) as usize;
    let parts = total.div_ceil(per_part).max(1);
    let part_of = |n: usize| Part {
        name: part_name(name, n),
        n,
        parts,
        rows: if n == parts {
            total - per_part * (parts - 1)
        } else {
            per_part
        },
        first_row,
    };
    let mut names = Vec::with_capacity(parts);
    let mut part = part_of(1);
    let mut ws = workbook
        .new_worksheet_with_constant_memory()
        .map_err(xerr)?;
    ws.set_name(&part.name).map_err(xerr)?;
    layout.begin(&mut ws, &part).map_err(xerr)?;
    let mut row = first_row;
    let mut in_part = 0usize;
    let mut written = 0usize;
    let mut failure: Option<std::io::Error> = None;
    let result = produce(&mut |cells: Vec<Cell>| {
        if written == total {
            // More rows than counted: stop before writing past the sized part.
            written += 1;
            return Err(std::io::Error::other(format!(
                "{label}: sheet {name} produced more rows than counted ({total})"
            )));
        }
        let mut step = || -> Result<(), XlsxError> {
            if in_part == part.rows {
                layout.end(&mut ws, &part)?;
                let next = part_of(part.n + 1);
                let mut next_ws = workbook.new_worksheet_with_constant_memory()?;
                next_ws.set_name(&next.name)?;
                layout.begin(&mut next_ws, &next)?;
                let done = std::mem::replace(&mut ws, next_ws);
                names.push(std::mem::replace(&mut part, next).name);
                workbook.push_worksheet(done);
                row = first_row;
                in_part = 0;
            }
            for (c, value) in cells.iter().enumerate() {
                let col = layout.column_of(c);
                match value {
                    Cell::Empty => {}
                    Cell::Int(n) => match layout.number_format() {
                        Some(f) => {
                            ws.write_number_with_format(row, col, *n as f64, f)?;
                        }
                        None => {
                            ws.write_number(row, col, *n as f64)?;
                        }
                    },
                    Cell::Text(t) => {
                        write_text(&mut ws, row, col, t)?;
                    }
                    Cell::Shared(t) => {
                        write_text(&mut ws, row, col, t)?;
                    }
                }
            }
            layout.after_row(&mut ws, &part, row, &cells)?;
            Ok(())
        };
        if let Err(e) = step() {
            failure = Some(xerr(e));
            return Err(std::io::Error::other("stopped"));
        }
        row += 1;
        in_part += 1;
        written += 1;
        Ok(())
    });
    if let Err(e) = result {
        return Err(failure.take().unwrap_or(e));
    }
    if written != total {
        return Err(std::io::Error::other(format!(
            "{label}: sheet {name} produced {written} rows, counted {total}"
        )));
    }
    debug_assert_eq!(part.n, parts);
    layout.end(&mut ws, &part).map_err(xerr)?;
    names.push(part.name);
    workbook.push_worksheet(ws);
    Ok(names)
}

/// One text cell: sanitised and fitted, in its column's format (the
/// layout formats columns, not cells: see [`Layout::begin`]).
fn write_text(ws: &mut Worksheet, row: u32, col: u16, text: &str) -> Result<(), XlsxError> {
    let text = cell(text);
    let text = fit_cell(&text);
    ws.write_string(row, col, text.as_ref())?;
    Ok(())
}

/// A workbook's creation time from the evidence's time (the snapshot's
/// capture), never the clock: the same inputs give the same bytes.
pub fn excel_time(
    t: chrono::DateTime<chrono::Utc>,
) -> Result<rust_xlsxwriter::ExcelDateTime, rust_xlsxwriter::XlsxError> {
    use chrono::{Datelike, Timelike};
    rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(t.year()).unwrap_or(2000),
        t.month() as u8,
        t.day() as u8,
    )?
    .and_hms(t.hour() as u16, t.minute() as u8, t.second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_longer_than_excel_allows_are_cut_with_a_note() {
        let long = "x".repeat(EXCEL_MAX_CELL_CHARS + 10);
        let fitted = fit_cell(&long);
        assert_eq!(fitted.chars().count(), EXCEL_MAX_CELL_CHARS);
        assert!(fitted.ends_with("the CSV file has it whole]"));
        assert_eq!(fit_cell("short"), "short");
    }
}
