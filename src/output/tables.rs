//! Reading back what reviewers return: a workbook (`.xlsx` and whatever else
//! calamine reads) or a CSV export of one of its sheets, as tables of text.
//!
//! Reviewers edit these files by hand, so readers go by header names, never
//! by column positions: [`normalise_header`] makes `Review date`,
//! `review_date` and `REVIEW-DATE` one name (and undoes what
//! [`super::sanitize::cell`] did to it). Dates come back as `YYYY-MM-DD`
//! (with the time when the cell has one).

use std::path::{Path, PathBuf};

use calamine::{Data, Reader};

use super::sanitize::uncell;

/// One sheet (or the CSV file) as text.
#[derive(Debug, Clone)]
pub struct TextTable {
    /// The sheet's name; `None` for a CSV file.
    pub sheet: Option<String>,
    /// The 0-based row of the sheet the first row of `rows` is.
    pub first_row: usize,
    /// Every row, every cell as text.
    pub rows: Vec<Vec<String>>,
}

/// A returned file, read.
#[derive(Debug, Clone)]
pub struct TextFile {
    /// The file name (no directory).
    pub file: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// True for a workbook, false for a CSV file.
    pub workbook: bool,
    /// Its sheets, in workbook order (one for a CSV file).
    pub tables: Vec<TextTable>,
}

/// Why a returned file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read. The cause is the error's source, so
    /// `{:#}` prints it once, after the file.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a workbook or CSV file we can read.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Reads a workbook or a CSV file; a file with another extension is sniffed
/// (a ZIP is a workbook).
pub fn read_text_file(path: &Path) -> Result<TextFile, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let format_err = |message: String| ReadError::Format {
        path: path.to_path_buf(),
        message,
    };
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let workbook = match ext.as_str() {
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => true,
        "csv" | "txt" => false,
        _ => bytes.starts_with(b"PK\x03\x04"),
    };
    let sha256 = crate::snapshot::sha256_hex(&bytes);
    let mut tables = Vec::new();
    if workbook {
        let mut wb = calamine::open_workbook_auto(path)
            .map_err(|e| format_err(format!("not a workbook calamine can read: {e}")))?;
        for name in wb.sheet_names() {
            let range = wb
                .worksheet_range(&name)
                .map_err(|e| format_err(format!("sheet {name:?}: {e}")))?;
            tables.push(TextTable {
                first_row: range.start().map(|(r, _)| r as usize).unwrap_or(0),
                rows: range
                    .rows()
                    .map(|r| r.iter().map(cell_text).collect())
                    .collect(),
                sheet: Some(name),
            });
        }
    } else {
        // The bytes become the text (no copy: a decisions file can be
        // hundreds of MB).
        let text =
            String::from_utf8(bytes).map_err(|_| format_err("a CSV file must be UTF-8".into()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for r in reader.records() {
            let r = r.map_err(|e| format_err(format!("not a CSV file: {e}")))?;
            rows.push(r.iter().map(str::to_string).collect::<Vec<_>>());
        }
        tables.push(TextTable {
            sheet: None,
            first_row: 0,
            rows,
        });
    }
    Ok(TextFile {
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256,
        workbook,
        tables,
    })
}

/// `Review date`, `review_date`, `REVIEW-DATE` all become `review_date`.
pub fn normalise_header(s: &str) -> String {
    uncell(s.trim())
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// A table's header row (the first, within the top 30 rows, holding every
/// one of `needed`) and a lookup of its columns by normalised name.
pub fn find_header(rows: &[Vec<String>], needed: &[&str]) -> Option<(usize, Header)> {
    rows.iter().enumerate().take(30).find_map(|(i, r)| {
        let names: Vec<String> = r.iter().map(|c| normalise_header(c)).collect();
        needed
            .iter()
            .all(|n| names.iter().any(|x| x == n))
            .then_some((i, Header { names }))
    })
}

/// A header row's column names, normalised.
#[derive(Debug, Clone)]
pub struct Header {
    names: Vec<String>,
}

impl Header {
    /// The column named `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The cell of `row` in column `name`, trimmed, with what the pack did
    /// to it undone.
    pub fn get(&self, row: &[String], name: &str) -> String {
        get(row, self.col(name))
    }
}

/// The cell `i` of `row`, trimmed and un-sanitised; empty when absent.
pub fn get(row: &[String], i: Option<usize>) -> String {
    i.and_then(|i| row.get(i))
        .map(|c| uncell(c.trim()).trim().to_string())
        .unwrap_or_default()
}

/// A cell as text; dates as `YYYY-MM-DD` (with the time when it has one).
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => excel_serial_text(dt.as_f64()),
        Data::Error(e) => format!("#{e}"),
    }
}

/// Excel's 1900 date system: day 0 is 1899-12-30 (for every date after
/// February 1900, which is all a review date can be).
fn excel_serial_text(serial: f64) -> String {
    let Some(epoch) = chrono::NaiveDate::from_ymd_opt(1899, 12, 30) else {
        return serial.to_string();
    };
    let days = serial.floor();
    let secs = ((serial - days) * 86_400.0).round() as i64;
    let Some(date) = epoch.checked_add_signed(chrono::Duration::days(days as i64)) else {
        return serial.to_string();
    };
    if secs == 0 {
        date.format("%Y-%m-%d").to_string()
    } else {
        let t = date.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::seconds(secs);
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_dates_read_as_iso_dates() {
        assert_eq!(excel_serial_text(46301.0), "2026-10-06");
        assert_eq!(excel_serial_text(46301.5), "2026-10-06 12:00:00");
    }

    #[test]
    fn headers_are_found_by_name_under_a_banner() {
        let rows: Vec<Vec<String>> = vec![
            vec!["Effective Access · banner".into()],
            vec!["'=x".into(), "Review Date".into(), "DECISION".into()],
            vec!["a".into(), "2026-10-06".into(), "Keep".into()],
        ];
        let (i, h) = find_header(&rows, &["decision"]).unwrap();
        assert_eq!(i, 1);
        assert_eq!(h.get(&rows[2], "review_date"), "2026-10-06");
        assert_eq!(h.col("=x"), Some(0), "what cell() added is undone");
        assert!(find_header(&rows, &["row_key"]).is_none());
    }
}
