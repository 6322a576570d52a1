//! One CSV file as reviewpack writes them: RFC 4180, UTF-8, CRLF line ends,
//! a header row, and every cell through [`super::sanitize::cell`] (formula
//! starters neutralised, hidden characters marked). A file may end every row
//! with the same trailing cells (the pack names its evidence on each row),
//! sanitised once.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use super::sanitize::cell;

/// A CSV file being written.
pub struct CsvFile {
    writer: csv::Writer<BufWriter<File>>,
    trailer: Vec<String>,
}

impl CsvFile {
    /// Creates `path` and writes the header: `header`, then the names of the
    /// trailing cells every row will carry (`trailer`: name and value).
    pub fn create(
        path: &Path,
        header: &[&str],
        trailer: &[(&str, &str)],
    ) -> std::io::Result<CsvFile> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(BufWriter::with_capacity(1 << 16, File::create(path)?));
        writer.write_record(
            header
                .iter()
                .copied()
                .chain(trailer.iter().map(|(k, _)| *k)),
        )?;
        Ok(CsvFile {
            writer,
            trailer: trailer.iter().map(|(_, v)| cell(v).into_owned()).collect(),
        })
    }

    /// Writes one row of cells (each sanitised), then the trailing cells.
    pub fn row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> std::io::Result<()> {
        for c in cells {
            self.writer.write_field(cell(c.as_ref()).as_bytes())?;
        }
        for t in &self.trailer {
            self.writer.write_field(t.as_bytes())?;
        }
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// Flushes the file and makes it durable.
    pub fn finish(self) -> std::io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::CsvFile;

    #[test]
    fn rows_are_sanitised_crlf_and_end_with_the_trailer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut f = CsvFile::create(&path, &["a", "b"], &[("account_id", "=acct")]).unwrap();
        f.row(["=SUM(A1)", "x,y"]).unwrap();
        f.row(["plain", ""]).unwrap();
        f.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "a,b,account_id\r\n'=SUM(A1),\"x,y\",'=acct\r\nplain,,'=acct\r\n"
        );
    }
}
