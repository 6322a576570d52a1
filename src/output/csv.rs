//! One CSV file as reviewpack writes them: RFC 4180, UTF-8, CRLF line ends,
//! a header row, and every cell through [`super::sanitize::cell`] (formula
//! starters neutralised, hidden characters marked). A file may end every row
//! with the same trailing cells (the pack names its evidence on each row),
//! sanitised once.
//!
//! Fields are quoted as the `csv` crate quotes them (`QuoteStyle::Necessary`:
//! a field holding a comma, a double quote, CR or LF is quoted, its quotes
//! doubled), and a test holds the two byte-identical. The writer is our own
//! so that a long cell many rows share (an access's permission list on
//! every grant it reaches) is sanitised and quoted once, not once a row.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use super::sanitize::cell;
use super::Cell;

/// A shared cell at least this long is encoded once per file.
const CACHED_CELL_BYTES: usize = 32;

/// A CSV file being written.
pub struct CsvFile {
    out: BufWriter<File>,
    /// Fields of every record (the header's).
    fields: usize,
    /// `,` and the trailing cells, encoded.
    trailer: Vec<u8>,
    trailer_fields: usize,
    /// Long shared cells, encoded, by address; the cell is held so the
    /// address cannot be reused while the file is open.
    encoded: HashMap<usize, (Arc<str>, Box<[u8]>)>,
    /// Where a record is put together.
    record: Vec<u8>,
}

impl CsvFile {
    /// Creates `path` and writes the header: `header`, then the names of the
    /// trailing cells every row will carry (`trailer`: name and value).
    pub fn create(
        path: &Path,
        header: &[&str],
        trailer: &[(&str, &str)],
    ) -> std::io::Result<CsvFile> {
        let mut f = CsvFile {
            out: BufWriter::with_capacity(1 << 16, File::create(path)?),
            fields: header.len() + trailer.len(),
            trailer: Vec::new(),
            trailer_fields: trailer.len(),
            encoded: HashMap::new(),
            record: Vec::with_capacity(1 << 12),
        };
        let mut line = Vec::new();
        for (i, name) in header
            .iter()
            .copied()
            .chain(trailer.iter().map(|(k, _)| *k))
            .enumerate()
        {
            if i > 0 {
                line.push(b',');
            }
            encode(name, &mut line);
        }
        line.extend_from_slice(b"\r\n");
        f.out.write_all(&line)?;
        for (_, v) in trailer {
            f.trailer.push(b',');
            encode(&cell(v), &mut f.trailer);
        }
        Ok(f)
    }

    /// Writes one row of cells (each sanitised), then the trailing cells.
    pub fn row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> std::io::Result<()> {
        self.record.clear();
        let mut n = 0;
        for c in cells {
            if n > 0 {
                self.record.push(b',');
            }
            encode(&cell(c.as_ref()), &mut self.record);
            n += 1;
        }
        self.end_record(n)
    }

    /// [`CsvFile::row`] of a sheet's cells: a long shared cell is encoded
    /// once per file.
    pub fn row_cells(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        self.record.clear();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.record.push(b',');
            }
            match c {
                Cell::Shared(s) if s.len() >= CACHED_CELL_BYTES => {
                    let key = Arc::as_ptr(s) as *const u8 as usize;
                    let (_, bytes) = self.encoded.entry(key).or_insert_with(|| {
                        let mut b = Vec::new();
                        encode(&cell(s), &mut b);
                        (s.clone(), b.into_boxed_slice())
                    });
                    self.record.extend_from_slice(bytes);
                }
                other => encode(&cell(&other.as_text()), &mut self.record),
            }
        }
        self.end_record(cells.len())
    }

    fn end_record(&mut self, n: usize) -> std::io::Result<()> {
        // As the `csv` crate refuses a record of another length.
        if n + self.trailer_fields != self.fields {
            return Err(std::io::Error::other(format!(
                "a CSV record of {} fields, the header has {}",
                n + self.trailer_fields,
                self.fields
            )));
        }
        self.record.extend_from_slice(&self.trailer);
        self.record.extend_from_slice(b"\r\n");
        self.out.write_all(&self.record)
    }

    /// Flushes the file and makes it durable.
    pub fn finish(self) -> std::io::Result<()> {
        self.out
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?
            .sync_all()
    }
}

/// Appends one field as the `csv` crate's `QuoteStyle::Necessary` writes it.
fn encode(field: &str, out: &mut Vec<u8>) {
    let b = field.as_bytes();
    if !b.iter().any(|&c| matches!(c, b',' | b'"' | b'\r' | b'\n')) {
        out.extend_from_slice(b);
        return;
    }
    out.push(b'"');
    for part in b.split_inclusive(|&c| c == b'"') {
        out.extend_from_slice(part);
        if part.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_sanitised_crlf_and_end_with_the_trailer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut f = CsvFile::create(&path, &["a", "b"], &[("account_id", "=acct")]).unwrap();
        f.row(["=SUM(A1)", "x,y"]).unwrap();
        f.row(["plain", ""]).unwrap();
        assert!(f.row(["one"]).is_err(), "a short record is refused");
        f.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "a,b,account_id\r\n'=SUM(A1),\"x,y\",'=acct\r\nplain,,'=acct\r\n"
        );
    }

    /// Every field as the `csv` crate writes it, shared cells (cached) and
    /// not, so a pack's bytes do not depend on which writer made them.
    #[test]
    fn fields_are_written_as_the_csv_crate_writes_them() {
        let samples = [
            "",
            "plain",
            "a,b",
            "say \"hi\"",
            "\"",
            "\"\"",
            "line\nbreak",
            "cr\rhere",
            "crlf\r\n",
            " lead and trail ",
            "=1+1",
            "-4",
            "+x",
            "@SUM(A1)",
            "\ttab",
            "ünïcödé, \"quoted\" and long enough to be cached as a shared cell",
            "core_account_view core_audit_view core_authsetting_view core_connector_view",
            "\u{202e}hidden",
            "#comment",
            "'",
        ];
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("ours.csv");
        let mut f = CsvFile::create(&ours, &["h,1", "h\"2"], &[("t", "v,w")]).unwrap();
        let shared: Vec<Cell> = samples
            .iter()
            .map(|s| Cell::Shared(Arc::from(*s)))
            .collect();
        for (i, s) in samples.iter().enumerate() {
            let other = samples[(i + 1) % samples.len()];
            f.row([*s, other]).unwrap();
            f.row_cells(&[shared[i].clone(), Cell::Text(other.to_string())])
                .unwrap();
            // Twice: the second from the cache.
            f.row_cells(&[shared[i].clone(), Cell::Int(-(i as i64))])
                .unwrap();
            f.row_cells(&[shared[i].clone(), Cell::Empty]).unwrap();
        }
        f.finish().unwrap();

        let theirs = dir.path().join("theirs.csv");
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_path(&theirs)
            .unwrap();
        w.write_record(["h,1", "h\"2", "t"]).unwrap();
        let t = cell("v,w").into_owned();
        for (i, s) in samples.iter().enumerate() {
            let other = samples[(i + 1) % samples.len()];
            let (s, o) = (cell(s).into_owned(), cell(other).into_owned());
            w.write_record([&s, &o, &t]).unwrap();
            w.write_record([&s, &o, &t]).unwrap();
            w.write_record([
                s.clone(),
                cell(&(-(i as i64)).to_string()).into_owned(),
                t.clone(),
            ])
            .unwrap();
            w.write_record([&s, "", &t]).unwrap();
        }
        w.flush().unwrap();
        drop(w);
        assert_eq!(
            String::from_utf8(std::fs::read(&ours).unwrap()).unwrap(),
            String::from_utf8(std::fs::read(&theirs).unwrap()).unwrap()
        );
    }
}
