//! `csv/`: one RFC 4180 file per sheet of the workbook, UTF-8, CRLF, a
//! header row, every cell sanitised. Rows are those of [`super::sheets`], in
//! the same order, so the same snapshot always gives the same bytes.
//!
//! Every row ends with three columns naming the evidence it was made from
//! (`account_id`, `snapshot_captured_at`, `snapshot_sha256`): a CSV file
//! separated from its pack still says which account and which snapshot it
//! describes, and stays a plain rectangular table for any CSV reader.

use std::path::Path;

use super::sheets::{data_columns, fmt_time, row_count, write_rows, SheetId};
use super::ReportContext;
use crate::output::csv::CsvFile;

/// The columns every CSV file ends with.
pub const PROVENANCE_COLUMNS: [&str; 3] = ["account_id", "snapshot_captured_at", "snapshot_sha256"];

/// Writes every sheet's CSV file into `dir`; returns their pack-relative
/// names.
pub fn write_all(ctx: &ReportContext<'_, '_>, dir: &Path) -> std::io::Result<Vec<String>> {
    crate::atomic::create_dir_all(dir)?;
    let s = &ctx.loaded.snapshot;
    let captured = fmt_time(s.captured_at());
    let trailer = [
        (PROVENANCE_COLUMNS[0], s.account.id.as_str()),
        (PROVENANCE_COLUMNS[1], captured.as_str()),
        (PROVENANCE_COLUMNS[2], ctx.loaded.sha256.as_str()),
    ];
    let mut names = Vec::new();
    for sheet in SheetId::ALL {
        let columns = data_columns(ctx, sheet);
        let header: Vec<&str> = columns.iter().map(|c| c.key).collect();
        let name = sheet.csv_name();
        let mut out = CsvFile::create(&dir.join(name), &header, &trailer)?;
        let expected = row_count(ctx, sheet);
        let mut written = 0usize;
        write_rows(ctx, sheet, &mut |cells| {
            written += 1;
            out.row_cells(&cells)
        })?;
        debug_assert_eq!(written, expected, "{name}");
        out.finish()?;
        names.push(format!("csv/{name}"));
    }
    Ok(names)
}
