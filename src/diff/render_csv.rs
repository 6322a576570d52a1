//! `csv/`: one RFC 4180 file per diff table, UTF-8, CRLF, a header row and
//! every cell neutralised like the pack's CSV files ([`crate::output::csv`]).
//! Rows are streamed to the file as the table makes them.

use std::path::Path;

use crate::output::csv::CsvFile;

use super::tables::Table;

/// Writes every table into `dir`; returns their diff-relative names.
pub(crate) fn write(tables: &[Table], dir: &Path) -> std::io::Result<Vec<String>> {
    crate::atomic::create_dir_all(dir)?;
    let mut names = Vec::new();
    for t in tables {
        let mut f = CsvFile::create(&dir.join(t.csv), &t.headers, &[])?;
        for row in t.rows() {
            f.row(row.iter())?;
        }
        f.finish()?;
        names.push(format!("csv/{}", t.csv));
    }
    Ok(names)
}
