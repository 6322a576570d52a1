//! `csv/`: one RFC 4180 file per diff table, UTF-8, CRLF, a header row and
//! every cell neutralised like the pack's CSV files. Rows are streamed to
//! the file as the table makes them.

use std::path::Path;

use crate::report::sanitize::cell;

use super::tables::Table;

/// Writes every table into `dir`; returns their diff-relative names.
pub(crate) fn write(tables: &[Table], dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut names = Vec::new();
    for t in tables {
        let file = std::fs::File::create(dir.join(t.csv))?;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .buffer_capacity(1 << 16)
            .from_writer(file);
        w.write_record(&t.headers)?;
        for row in t.rows() {
            let cells: Vec<_> = row.iter().map(|c| cell(c)).collect();
            w.write_record(cells.iter().map(|c| c.as_bytes()))?;
        }
        w.into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        names.push(format!("csv/{}", t.csv));
    }
    Ok(names)
}
