//! `csv/`: one RFC 4180 file per sheet of the workbook, UTF-8, CRLF, a
//! header row, every cell sanitised. Rows are those of [`super::sheets`], in
//! the same order, so the same snapshot always gives the same bytes.
//!
//! Every row ends with three columns naming the evidence it was made from
//! (`account_id`, `snapshot_captured_at`, `snapshot_sha256`): a CSV file
//! separated from its pack still says which account and which snapshot it
//! describes, and stays a plain rectangular table for any CSV reader.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use super::sanitize::cell;
use super::sheets::{fmt_time, row_count, write_rows, Cell, SheetId};
use super::ReportContext;

/// The columns every CSV file ends with.
pub const PROVENANCE_COLUMNS: [&str; 3] = ["account_id", "snapshot_captured_at", "snapshot_sha256"];

struct Sheet {
    writer: csv::Writer<BufWriter<File>>,
    trailer: [String; 3],
}

impl Sheet {
    fn create(path: &Path, header: &[&str], trailer: [String; 3]) -> std::io::Result<Sheet> {
        // The trailer is the same on every row: sanitised once.
        let trailer = trailer.map(|t| cell(&t).into_owned());
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(BufWriter::new(File::create(path)?));
        writer.write_record(header.iter().chain(PROVENANCE_COLUMNS.iter()))?;
        Ok(Sheet { writer, trailer })
    }

    fn row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        for c in cells {
            self.writer.write_field(cell(&c.as_text()).as_bytes())?;
        }
        for t in &self.trailer {
            self.writer.write_field(t.as_bytes())?;
        }
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.writer.flush()?;
        let inner = self
            .writer
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        inner
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?
            .sync_all()
    }
}

/// Writes every CSV file into `dir`; returns their pack-relative names.
pub fn write_all(ctx: &ReportContext<'_, '_>, dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let s = &ctx.loaded.snapshot;
    let trailer = [
        s.account.id.clone(),
        fmt_time(s.captured_at()),
        ctx.loaded.sha256.clone(),
    ];
    let mut names = Vec::new();
    for sheet in SheetId::ALL {
        let header: Vec<&str> = sheet.columns().iter().map(|c| c.key).collect();
        let name = sheet.csv_name();
        let mut out = Sheet::create(&dir.join(name), &header, trailer.clone())?;
        let expected = row_count(ctx, sheet);
        let mut written = 0usize;
        write_rows(ctx, sheet, &mut |cells| {
            written += 1;
            out.row(&cells)
        })?;
        debug_assert_eq!(written, expected, "{name}");
        out.finish()?;
        names.push(format!("csv/{name}"));
    }
    Ok(names)
}
