//! Reading back what reviewers return: a workbook (`.xlsx`, `.ods`; read
//! by calamine once [`super::bounded`] passed it) or a CSV export of one of its sheets, in
//! whatever encoding and with whatever separator the program that wrote it
//! used ([`super::text_csv`]), as tables of text.
//!
//! Reviewers edit these files by hand, so readers go by header names, never
//! by column positions: [`normalise_header`] makes `Review date`,
//! `review_date` and `REVIEW-DATE` one name (and undoes what
//! [`super::sanitize::cell`] did to it). Dates come back as `YYYY-MM-DD`
//! (with the time when the cell has one).

use std::path::{Path, PathBuf};

use calamine::{Data, Reader};

use super::bounded::{self, WorkbookKind};

use super::sanitize::uncell;
use super::text_csv;

/// One sheet (or the CSV file) as text.
#[derive(Debug, Clone)]
pub struct TextTable {
    /// The sheet's name; `None` for a CSV file.
    pub sheet: Option<String>,
    /// The 0-based row of the sheet the first row of `rows` is.
    pub first_row: usize,
    /// The 0-based column of the sheet the first cell of each row is.
    pub first_col: usize,
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
    // Only a regular file, at most MAX_FILE_BYTES, checked before any
    // reader sees it (bounded).
    let bytes = bounded::read_regular(path).map_err(|source| ReadError::Io {
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
    let tables = if workbook {
        let kind = bounded::check_workbook(&bytes).map_err(format_err)?;
        bounded::guarded("workbook", || workbook_tables(&bytes, kind)).map_err(format_err)?
    } else {
        csv_table(bytes).map_err(|e| match e {
            CsvFailure::Io(source) => ReadError::Io {
                path: path.to_path_buf(),
                source,
            },
            CsvFailure::Format(m) => format_err(m),
        })?
    };
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

/// The sheets of a workbook [`bounded::check_workbook`] passed.
fn workbook_tables(bytes: &[u8], kind: WorkbookKind) -> Result<Vec<TextTable>, String> {
    let cursor = std::io::Cursor::new(bytes);
    let mut wb = match kind {
        WorkbookKind::Xlsx => calamine::Sheets::Xlsx(
            calamine::Xlsx::new(cursor).map_err(|e| format!("not a workbook we can read: {e}"))?,
        ),
        WorkbookKind::Ods => calamine::Sheets::Ods(
            calamine::Ods::new(cursor).map_err(|e| format!("not a workbook we can read: {e}"))?,
        ),
    };
    let mut tables = Vec::new();
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| format!("sheet {name:?}: {e}"))?;
        tables.push(TextTable {
            first_row: range.start().map(|(r, _)| r as usize).unwrap_or(0),
            first_col: range.start().map(|(_, c)| c as usize).unwrap_or(0),
            rows: range
                .rows()
                .map(|r| r.iter().map(cell_text).collect())
                .collect(),
            sheet: Some(name),
        });
    }
    Ok(tables)
}

enum CsvFailure {
    Io(std::io::Error),
    Format(String),
}

/// A CSV file's one table: at most [`bounded::MAX_CELLS`] fields, each
/// record at most [`bounded::MAX_CSV_RECORD_BYTES`].
fn csv_table(bytes: Vec<u8>) -> Result<Vec<TextTable>, CsvFailure> {
    // Whatever encoding and separator the program that wrote it used,
    // decoded as the records are read (text_csv).
    let shape = text_csv::sniff_whole(&bytes);
    let mut reader =
        text_csv::reader_from(std::io::Cursor::new(bytes), &shape).map_err(CsvFailure::Io)?;
    let mut rows = Vec::new();
    let mut cells = 0u64;
    for r in reader.records() {
        let r = r.map_err(|e| match e.into_kind() {
            ::csv::ErrorKind::Io(e) => {
                CsvFailure::Format(format!("not a CSV file we read (read as {shape}): {e}"))
            }
            kind => CsvFailure::Format(format!("not a CSV file (read as {shape}): {kind:?}")),
        })?;
        cells += r.len() as u64;
        if cells > bounded::MAX_CELLS {
            return Err(CsvFailure::Format(format!(
                "more than {} fields",
                bounded::MAX_CELLS
            )));
        }
        rows.push(r.iter().map(str::to_string).collect::<Vec<_>>());
    }
    Ok(vec![TextTable {
        sheet: None,
        first_row: 0,
        first_col: 0,
        rows,
    }])
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

    /// A returned CSV export: a banner row, the header, and names, commas,
    /// semicolons and quotes in the cells.
    const RETURNED: &[&[&str]] = &[
        &["Effective Access · for käthe@example.com", "", "", "", ""],
        &["row_key", "Decision", "Reviewer", "Justification", "Ticket"],
        &[
            "EA:u1|direct|account/ra1",
            "Keep",
            "Käthe Müller",
            "on call; weekends, holidays",
            "",
        ],
        &[
            "EA:u2|direct|account/ra2",
            "Revoke",
            "Éloïse Dupont",
            "left \"the team\"",
            "SEC-2; SEC-3",
        ],
    ];

    #[test]
    fn csv_exports_of_every_program_are_read() {
        let dir = tempfile::tempdir().unwrap();
        for (i, (program, write, _)) in text_csv::samples::PROGRAMS.into_iter().enumerate() {
            let path = dir.path().join(format!("returned-{i}.csv"));
            let bytes = write(RETURNED);
            std::fs::write(&path, &bytes).unwrap();
            let f = read_text_file(&path).unwrap_or_else(|e| panic!("{program}: {e}"));
            assert!(!f.workbook, "{program}");
            assert_eq!(f.sha256, crate::snapshot::sha256_hex(&bytes), "{program}");
            let [t] = &f.tables[..] else {
                panic!("{program}: {} tables", f.tables.len())
            };
            assert_eq!((t.sheet.as_deref(), t.first_row), (None, 0), "{program}");
            assert_eq!(t.rows, RETURNED, "{program}");
            let (hi, h) = find_header(&t.rows, &["row_key", "decision"]).unwrap();
            assert_eq!(hi, 1, "{program}");
            assert_eq!(h.get(&t.rows[3], "reviewer"), "Éloïse Dupont", "{program}");
            assert_eq!(h.get(&t.rows[3], "ticket"), "SEC-2; SEC-3", "{program}");
        }
    }

    /// A workbook as LibreOffice Calc saves one (`.ods`): `mimetype` first
    /// and stored, the manifest, and the sheet in content.xml, with a date
    /// cell and repeated empty cells as Calc writes them.
    fn ods(path: &Path) {
        use std::io::Write;
        use zip::write::SimpleFileOptions;
        const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"#;
        let string = |s: &str| {
            format!(
                r#"<table:table-cell office:value-type="string" calcext:value-type="string"><text:p>{s}</text:p></table:table-cell>"#
            )
        };
        let row =
            |cells: &[String]| format!("<table:table-row>{}</table:table-row>", cells.concat());
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3"><office:body><office:spreadsheet><table:table table:name="Effective Access"><table:table-column table:number-columns-repeated="4"/>{}{}{}</table:table></office:spreadsheet></office:body></office:document-content>"#,
            row(&[string("Effective Access · for käthe@example.com"), r#"<table:table-cell table:number-columns-repeated="3"/>"#.into()]),
            row(&[string("row_key"), string("Decision"), string("Review date"), string("Reviewer")]),
            row(&[
                string("EA:u1|direct|account/ra1"),
                string("Revoke"),
                r#"<table:table-cell office:value-type="date" office:date-value="2026-10-06" calcext:value-type="date"><text:p>06.10.26</text:p></table:table-cell>"#.into(),
                string("Käthe Müller &amp; Co"),
            ]),
        );
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        for (name, text) in [
            ("META-INF/manifest.xml", MANIFEST),
            ("content.xml", &content),
        ] {
            zip.start_file(name, SimpleFileOptions::default()).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn an_ods_workbook_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("returned.ods");
        ods(&path);
        let f = read_text_file(&path).unwrap();
        assert!(f.workbook);
        let [t] = &f.tables[..] else {
            panic!("{} sheets", f.tables.len())
        };
        assert_eq!(t.sheet.as_deref(), Some("Effective Access"));
        assert_eq!(t.rows[0][0], "Effective Access · for käthe@example.com");
        let (hi, h) = find_header(&t.rows, &["row_key", "decision"]).unwrap();
        assert_eq!(hi, 1);
        let r = &t.rows[2];
        assert_eq!(h.get(r, "row_key"), "EA:u1|direct|account/ra1");
        assert_eq!(h.get(r, "decision"), "Revoke");
        assert_eq!(h.get(r, "review_date"), "2026-10-06");
        assert_eq!(h.get(r, "reviewer"), "Käthe Müller & Co");
    }
}
