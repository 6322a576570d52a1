//! `csv/`: one RFC 4180 file per diff table, UTF-8, CRLF, a header row and
//! every cell neutralised like the pack's CSV files.

use std::path::Path;

use crate::report::sanitize::cell;

use super::tables::Table;

/// Writes every table into `dir`; returns their diff-relative names.
pub(crate) fn write(tables: &[Table], dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut names = Vec::new();
    for t in tables {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        w.write_record(&t.headers)?;
        for row in &t.rows {
            w.write_record(row.iter().map(|c| cell(c).into_owned()))?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::write(dir.join(t.csv), bytes)?;
        names.push(format!("csv/{}", t.csv));
    }
    Ok(names)
}
