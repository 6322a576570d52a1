//! Limits on returned files. Reviewers return their workbooks by mail, by
//! the hundred, and any of them may be broken or hostile: a few kilobytes
//! of `.xlsx` can ask a spreadsheet reader for gigabytes (two cells far
//! apart, a stated dimension of a whole sheet, a shared string repeated on
//! millions of cells, a zip entry that inflates a thousandfold). Nothing a
//! returned file says is trusted to size an allocation: this module checks
//! a file before any reader sees it, with every bound named here once (and
//! stated in docs/operations.md, "Limits on returned files").
//!
//! What it must not do: refuse what a real campaign returns. A 50,000-user
//! campaign's largest reviewer workbook (docs/performance.md) holds 113,907
//! rows of 30 columns: 3.4 million cells, 161 MiB of text and 288 MB of
//! sheet XML, in a 28 MB file, and LibreOffice exports its Entitlements
//! sheet as a 173 MB CSV file; every bound leaves them room (the text and
//! file-size bounds were 128 MiB until both were collected and refused).
//!
//! A file beyond a bound is an error for that file (a problem in `collect`,
//! the rest collected), never a panic or an abort.

use std::io::{self, Cursor, Read};
use std::path::Path;

use quick_xml::events::Event;

/// Largest returned file (workbook or CSV) read whole. LibreOffice's CSV
/// export of the 50,000-user campaign's largest reviewer sheet is 165 MiB.
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// Most entries in a workbook's zip.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// Most bytes one zip entry may inflate to, counted while inflating (the
/// sizes a zip declares are not trusted).
pub const MAX_ENTRY_INFLATED: u64 = 512 << 20;
/// Most bytes all of a workbook's zip entries may inflate to, together.
pub const MAX_TOTAL_INFLATED: u64 = 1 << 30;
/// Longest XML construct (a tag, a text, a comment) in a workbook part: the
/// XML readers buffer one whole construct. Excel's longest cell (32,767
/// characters, escaped) fits many times over.
pub const MAX_XML_CONSTRUCT: u64 = 1 << 20;
/// Most rows a sheet may use (Excel's own limit).
pub const MAX_ROWS: u64 = 1_048_576;
/// Most columns a sheet may use (Excel's own limit).
pub const MAX_COLUMNS: u64 = 16_384;
/// Most cells a workbook may ask a reader to hold: the sum over its sheets
/// of the rectangle from the first used cell to the last (what the reader
/// allocates), or the fields of a CSV file. An `.ods` sheet counts twice:
/// its reader holds two copies while reading it.
pub const MAX_CELLS: u64 = 8_000_000;
/// Most shared strings an `.xlsx` may hold.
pub const MAX_SHARED_STRINGS: u64 = 4_000_000;
/// Most bytes of cell text a workbook may expand to (a shared string counts
/// once for every cell that uses it, a repeated `.ods` cell once for each
/// repeat). The 50,000-user campaign's largest reviewer workbook (113,907
/// rows) holds 161 MiB.
pub const MAX_TEXT_BYTES: u64 = 512 << 20;
/// Most elements in a workbook's parts other than sheets and shared strings
/// (styles, relationships, names): the reader keeps some per element.
pub const MAX_OTHER_ELEMENTS: u64 = 1_000_000;
/// Longest CSV record (a line, or lines inside one quoted field).
pub const MAX_CSV_RECORD_BYTES: u64 = 4 << 20;

/// What a path is, for a note saying why it was not read.
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// Why `path` is not read: `None` for a regular file (or a symbolic link
/// to one: links are followed only to regular files), else what it is.
/// Looks without opening (opening a FIFO blocks).
pub fn not_regular(path: &Path) -> io::Result<Option<&'static str>> {
    let meta = std::fs::metadata(path)?;
    Ok((!meta.is_file()).then(|| kind_of(&meta)))
}

/// Opens `path` only if it is a regular file (following a symbolic link
/// only to one); returns the file and its length.
pub fn open_regular(path: &Path) -> io::Result<(std::fs::File, u64)> {
    if let Some(kind) = not_regular(path)? {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{kind}, not a regular file: not read"),
        ));
    }
    let file = std::fs::File::open(path)?;
    // Checked again on what was opened: the path may have changed.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file: not read",
        ));
    }
    Ok((file, meta.len()))
}

/// The bytes of the regular file at `path`, at most [`MAX_FILE_BYTES`].
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let (file, len) = open_regular(path)?;
    if len > MAX_FILE_BYTES {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_big(len: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{} MiB is more than the {} MiB a returned file may hold",
            len >> 20,
            MAX_FILE_BYTES >> 20
        ),
    )
}

/// What a reader makes of a workbook's zip: which kind it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkbookKind {
    /// Office Open XML (`.xlsx`, `.xlsm`).
    Xlsx,
    /// OpenDocument spreadsheet (`.ods`).
    Ods,
}

/// Refusals that name what to do instead.
const SAVE_AS: &str = "save it as .xlsx or CSV (UTF-8) and send that";

/// Checks a workbook held in `bytes` against every bound before a reader
/// sees it; says which kind it is, or why it is not read.
pub fn check_workbook(bytes: &[u8]) -> Result<WorkbookKind, String> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(format!(
            "a legacy Excel 97-2003 (.xls) workbook, which is not read: {SAVE_AS}"
        ));
    }
    if !bytes.starts_with(b"PK") {
        return Err(format!("not a workbook (not a zip file): {SAVE_AS}"));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a workbook (a broken zip file: {e})"))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "the workbook's zip holds {} entries, more than {MAX_ZIP_ENTRIES}",
            zip.len()
        ));
    }
    let names: Vec<String> = zip.file_names().map(|n| n.to_ascii_lowercase()).collect();
    let kind = if names.iter().any(|n| n == "xl/workbook.bin") {
        return Err(format!(
            "an Excel binary (.xlsb) workbook, which is not read: {SAVE_AS}"
        ));
    } else if names.iter().any(|n| n == "xl/workbook.xml") {
        WorkbookKind::Xlsx
    } else if names.iter().any(|n| n == "content.xml") {
        WorkbookKind::Ods
    } else {
        return Err(format!(
            "a zip file that is not an .xlsx or .ods workbook: {SAVE_AS}"
        ));
    };
    let mut scan = Scan {
        kind,
        inflated: 0,
        cells: 0,
        text: 0,
        other_elements: 0,
        shared: Vec::new(),
        parsed: Default::default(),
    };
    if kind == WorkbookKind::Xlsx {
        for i in 0..zip.len() {
            let entry = zip
                .by_index(i)
                .map_err(|e| format!("a broken zip entry: {e}"))?;
            if entry.name().eq_ignore_ascii_case("xl/sharedStrings.xml") {
                let name = entry.name().to_string();
                scan.part(&name, entry, true)?;
            } else if entry
                .name()
                .eq_ignore_ascii_case("xl/_rels/workbook.xml.rels")
            {
                scan.parsed = targets(entry)?;
            }
        }
    }
    scan.inflated = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| format!("a broken zip entry: {e}"))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        scan.part(&name, entry, false)?;
    }
    Ok(kind)
}

/// What the parts of one workbook add up to.
struct Scan {
    kind: WorkbookKind,
    inflated: u64,
    cells: u64,
    text: u64,
    other_elements: u64,
    /// The length of each shared string, in bytes.
    shared: Vec<u32>,
    /// The parts the workbook's relationships name (lowercase), which the
    /// reader parses as XML whatever their names end with.
    parsed: std::collections::HashSet<String>,
}

/// The parts `xl/_rels/workbook.xml.rels` names, as zip entry names in
/// lowercase; read within the same bounds as every part.
fn targets(entry: impl Read) -> Result<std::collections::HashSet<String>, String> {
    let mut counted = Counted {
        inner: entry,
        n: 0,
        cap: MAX_ENTRY_INFLATED,
        guard: Some(XmlGuard::default()),
    };
    let mut reader = quick_xml::Reader::from_reader(io::BufReader::new(&mut counted));
    let mut buf = Vec::new();
    let mut out = std::collections::HashSet::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                if let Some(t) = attr_bytes(&e, b"Target") {
                    let t = String::from_utf8_lossy(&t).to_ascii_lowercase();
                    out.insert(match t.strip_prefix('/') {
                        Some(abs) => abs.to_string(),
                        None => format!("xl/{t}"),
                    });
                    if out.len() as u64 > MAX_OTHER_ELEMENTS {
                        return Err("too many workbook relationships".into());
                    }
                }
            }
            Ok(Event::Eof) => break,
            Err(quick_xml::Error::Io(e)) => return Err(format!("xl/_rels/workbook.xml.rels: {e}")),
            Err(_) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(out)
}

impl Scan {
    /// Inflates one entry, counting its bytes and checking its XML; with
    /// `shared_only`, reads the shared strings' lengths and nothing else.
    fn part(&mut self, name: &str, entry: impl Read, shared_only: bool) -> Result<(), String> {
        let lower = name.to_ascii_lowercase();
        let is_xml =
            lower.ends_with(".xml") || lower.ends_with(".rels") || self.parsed.contains(&lower);
        let left_total = MAX_TOTAL_INFLATED.saturating_sub(self.inflated);
        let mut counted = Counted {
            inner: entry,
            n: 0,
            cap: MAX_ENTRY_INFLATED.min(left_total),
            guard: is_xml.then(XmlGuard::default),
        };
        let outcome = if is_xml {
            self.xml(name, &mut counted, shared_only)
        } else {
            Ok(())
        };
        // The rest of the entry, counted: a reader may inflate all of it.
        let rest = io::copy(&mut counted, &mut io::sink());
        self.inflated += counted.n;
        outcome?;
        rest.map_err(|e| format!("{name}: {e}"))?;
        Ok(())
    }

    fn xml(&mut self, name: &str, r: &mut impl Read, shared_only: bool) -> Result<(), String> {
        let mut reader = quick_xml::Reader::from_reader(io::BufReader::new(r));
        let mut buf = Vec::new();
        let mut root: Option<Vec<u8>> = None;
        let mut sheet = Sheet::default();
        let mut si_len: Option<u64> = None;
        let err = |m: String| format!("{name}: {m}");
        loop {
            let ev = match reader.read_event_into(&mut buf) {
                Ok(ev) => ev,
                // A broken part: whether the reader takes it is its
                // business; what it may hold was bounded by the guard.
                Err(e) => {
                    if let quick_xml::Error::Io(io) = &e {
                        return Err(err(io.to_string()));
                    }
                    break;
                }
            };
            match &ev {
                Event::Start(e) | Event::Empty(e) => {
                    let local = e.local_name();
                    let local = local.as_ref();
                    let empty = matches!(ev, Event::Empty(_));
                    if root.is_none() {
                        root = Some(local.to_vec());
                    }
                    match root.as_deref().unwrap_or_default() {
                        b"sst" => {
                            if local == b"sst" {
                                let unique = attr_u64(e, b"uniqueCount").unwrap_or(0);
                                if unique > MAX_SHARED_STRINGS {
                                    return Err(err(format!(
                                        "{unique} shared strings declared, more than {MAX_SHARED_STRINGS}"
                                    )));
                                }
                            } else if local == b"si" {
                                if shared_only && self.shared.len() as u64 >= MAX_SHARED_STRINGS {
                                    return Err(err(format!(
                                        "more than {MAX_SHARED_STRINGS} shared strings"
                                    )));
                                }
                                if empty {
                                    if shared_only {
                                        self.shared.push(0);
                                    }
                                } else {
                                    si_len = Some(0);
                                }
                            }
                        }
                        _ if shared_only => {}
                        b"worksheet" => sheet.element(local, e, empty).map_err(err)?,
                        b"document-content" if self.kind == WorkbookKind::Ods => {
                            sheet.ods_element(local, e, empty).map_err(err)?
                        }
                        _ => {
                            self.other_elements += 1;
                            if self.other_elements > MAX_OTHER_ELEMENTS {
                                return Err(err(format!(
                                    "more than {MAX_OTHER_ELEMENTS} elements outside the sheets"
                                )));
                            }
                        }
                    }
                }
                Event::Text(_) | Event::CData(_) => {
                    let t: &[u8] = match &ev {
                        Event::Text(t) => t.as_ref(),
                        Event::CData(t) => t.as_ref(),
                        _ => &[],
                    };
                    if root.as_deref() == Some(b"sst".as_slice()) {
                        if let Some(l) = si_len.as_mut() {
                            *l += t.len() as u64;
                        }
                    } else if !shared_only {
                        sheet.text(t, &self.shared);
                    }
                }
                Event::End(e) => {
                    let local = e.local_name();
                    if local.as_ref() == b"si" {
                        if let Some(l) = si_len.take() {
                            if shared_only {
                                self.shared.push(u32::try_from(l).unwrap_or(u32::MAX));
                            }
                            if !shared_only {
                                sheet.text_bytes += l;
                            }
                        }
                    }
                    sheet.end(local.as_ref());
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
            if sheet.text_bytes + self.text > MAX_TEXT_BYTES {
                return Err(err(format!(
                    "its cells hold more than {} MiB of text",
                    MAX_TEXT_BYTES >> 20
                )));
            }
        }
        if shared_only {
            return Ok(());
        }
        let area = sheet.area();
        let weight = if self.kind == WorkbookKind::Ods { 2 } else { 1 };
        self.cells = self.cells.saturating_add(area.saturating_mul(weight));
        self.text += sheet.text_bytes;
        if self.cells > MAX_CELLS {
            return Err(err(format!(
                "its sheets span more than {MAX_CELLS} cells (from the first used cell to the last)"
            )));
        }
        Ok(())
    }
}

fn attr_u64(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<u64> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| std::str::from_utf8(&a.value).ok()?.trim().parse().ok())
}

fn attr_bytes(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<Vec<u8>> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// `S4` as (row 4, column 19): both 1-based; `None` when not a reference.
pub fn cell_ref(r: &[u8]) -> Option<(u64, u64)> {
    let split = r.iter().position(u8::is_ascii_digit)?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || letters.len() > 4 || digits.len() > 10 {
        return None;
    }
    let mut col = 0u64;
    for l in letters {
        let l = l.to_ascii_uppercase();
        if !l.is_ascii_uppercase() {
            return None;
        }
        col = col * 26 + u64::from(l - b'A' + 1);
    }
    let row = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((row, col))
}

/// One sheet's used rectangle and text, as its XML is read.
#[derive(Default)]
struct Sheet {
    /// Smallest and largest used row and column (1-based).
    rows: Option<(u64, u64)>,
    cols: Option<(u64, u64)>,
    /// The row being read, and the last cell's column.
    row: u64,
    col: u64,
    /// The cell being read is a shared-string cell; inside its `<v>`.
    shared_cell: bool,
    in_v: bool,
    /// `.ods`: the repeats of the row and cell being read.
    row_repeat: u64,
    cell_repeat: u64,
    text_bytes: u64,
    /// `.ods`: the cells of the sheets before this one in the part.
    carried: u64,
}

impl Sheet {
    /// The cells of the rectangles of this part's sheets.
    fn area(&self) -> u64 {
        let own = match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => (r1 - r0 + 1).saturating_mul(c1 - c0 + 1),
            _ => 0,
        };
        self.carried.saturating_add(own)
    }

    fn used(&mut self, row: u64, col: u64) -> Result<(), String> {
        if row == 0 || row > MAX_ROWS || col == 0 || col > MAX_COLUMNS {
            return Err(format!(
                "a cell at row {row}, column {col}: beyond {MAX_ROWS} rows or {MAX_COLUMNS} columns"
            ));
        }
        let r = self.rows.get_or_insert((row, row));
        *r = (r.0.min(row), r.1.max(row));
        let c = self.cols.get_or_insert((col, col));
        *c = (c.0.min(col), c.1.max(col));
        if self.area() > MAX_CELLS {
            return Err(format!(
                "its used cells span more than {MAX_CELLS} cells (from the first to the last)"
            ));
        }
        Ok(())
    }

    /// An `.xlsx` worksheet element.
    fn element(
        &mut self,
        local: &[u8],
        e: &quick_xml::events::BytesStart<'_>,
        empty: bool,
    ) -> Result<(), String> {
        match local {
            b"dimension" => {
                let r = attr_bytes(e, b"ref").unwrap_or_default();
                for end in r.split(|b| *b == b':') {
                    if let Some((row, col)) = cell_ref(end) {
                        if row > MAX_ROWS || col > MAX_COLUMNS {
                            return Err(format!(
                                "its stated dimension {} reaches beyond {MAX_ROWS} rows or {MAX_COLUMNS} columns",
                                String::from_utf8_lossy(&r)
                            ));
                        }
                    }
                }
            }
            b"row" => {
                self.row = attr_u64(e, b"r").unwrap_or(self.row + 1);
                self.col = 0;
                if self.row > MAX_ROWS {
                    return Err(format!("a row {} beyond {MAX_ROWS}", self.row));
                }
            }
            b"c" => {
                let (row, col) = match attr_bytes(e, b"r") {
                    Some(r) => cell_ref(&r).ok_or_else(|| {
                        format!("a cell reference {:?}", String::from_utf8_lossy(&r))
                    })?,
                    None => (self.row.max(1), self.col + 1),
                };
                self.row = row;
                self.col = col;
                self.shared_cell = !empty && attr_bytes(e, b"t").as_deref() == Some(b"s");
                if !empty {
                    self.used(row, col)?;
                }
            }
            b"v" if !empty => self.in_v = true,
            _ => {}
        }
        Ok(())
    }

    /// An `.ods` content element: rows and cells with their repeats.
    fn ods_element(
        &mut self,
        local: &[u8],
        e: &quick_xml::events::BytesStart<'_>,
        empty: bool,
    ) -> Result<(), String> {
        match local {
            b"table" if !empty => {
                // A new sheet, with its own rectangle: the earlier sheets'
                // are carried.
                self.carried = self.area();
                self.rows = None;
                self.cols = None;
                self.row = 0;
                self.col = 0;
                self.row_repeat = 0;
            }
            b"table-row" => {
                self.row += self.row_repeat;
                self.row_repeat = attr_u64(e, b"number-rows-repeated").unwrap_or(1).max(1);
                self.col = 0;
                self.cell_repeat = 0;
            }
            b"table-cell" | b"covered-table-cell" => {
                self.col += self.cell_repeat;
                self.cell_repeat = attr_u64(e, b"number-columns-repeated").unwrap_or(1).max(1);
                let valued = attr_bytes(e, b"value-type").is_some() || !empty;
                if valued {
                    let first = (self.row + 1, self.col + 1);
                    let last = (
                        self.row + self.row_repeat.min(MAX_ROWS + 1),
                        self.col + self.cell_repeat.min(MAX_COLUMNS + 1),
                    );
                    self.used(first.0, first.1)?;
                    self.used(last.0, last.1)?;
                    let formula = attr_bytes(e, b"formula").map_or(0, |f| f.len() as u64);
                    let value = attr_bytes(e, b"value").map_or(0, |f| f.len() as u64);
                    self.text_bytes = self
                        .text_bytes
                        .saturating_add((formula + value + 16).saturating_mul(self.repeats()));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn repeats(&self) -> u64 {
        self.row_repeat
            .max(1)
            .saturating_mul(self.cell_repeat.max(1))
    }

    fn text(&mut self, t: &[u8], shared: &[u32]) {
        if self.in_v && self.shared_cell {
            let len = std::str::from_utf8(t)
                .ok()
                .and_then(|s| s.trim().parse::<usize>().ok())
                .and_then(|i| shared.get(i))
                .copied()
                .unwrap_or(0);
            self.text_bytes = self.text_bytes.saturating_add(u64::from(len));
        } else {
            // .ods: a cell's text is held once for every repeat.
            let n = (t.len() as u64).saturating_mul(if self.cell_repeat > 0 {
                self.repeats()
            } else {
                1
            });
            self.text_bytes = self.text_bytes.saturating_add(n);
        }
    }

    fn end(&mut self, local: &[u8]) {
        if local == b"v" {
            self.in_v = false;
        }
    }
}

/// An entry's bytes as they are inflated: counted against a cap, and, for
/// XML, checked by [`XmlGuard`].
struct Counted<R> {
    inner: R,
    n: u64,
    cap: u64,
    guard: Option<XmlGuard>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let got = self.inner.read(buf)?;
        self.n += got as u64;
        if self.n > self.cap {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a zip entry inflates to more than {} MiB (or the workbook to more than {} MiB)",
                    MAX_ENTRY_INFLATED >> 20,
                    MAX_TOTAL_INFLATED >> 20
                ),
            ));
        }
        if let Some(g) = self.guard.as_mut() {
            g.check(&buf[..got])?;
        }
        Ok(got)
    }
}

/// Where an XML byte stream is, roughly: enough to bound the length of
/// every construct an XML reader buffers whole.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum XmlState {
    #[default]
    Text,
    /// Just after `<`: what it opens is not known yet (`<!--` and
    /// `<![CDATA[` end elsewhere than at `>`).
    Open,
    Tag,
    Comment,
    CData,
}

/// Refuses an XML stream holding one construct longer than
/// [`MAX_XML_CONSTRUCT`], or a document type declaration (no workbook has
/// one, and its internal subset nests).
#[derive(Default)]
pub struct XmlGuard {
    state: XmlState,
    run: u64,
    /// The last bytes seen, newest in the low byte, to find `<!--`, `-->`,
    /// `<![CDATA[` and `]]>` (only while just after `<`, in a comment or in
    /// CDATA: text and tags are skipped to their end).
    recent: u128,
}

/// Whether the newest bytes of `recent` are `pattern` (at most 16 bytes).
fn ends_with(recent: u128, pattern: &[u8]) -> bool {
    let mut want = 0u128;
    for &b in pattern {
        want = (want << 8) | u128::from(b);
    }
    let mask = if pattern.len() >= 16 {
        u128::MAX
    } else {
        (1u128 << (8 * pattern.len())) - 1
    };
    recent & mask == want
}

impl XmlGuard {
    /// Checks the next bytes of the stream.
    pub fn check(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut i = 0;
        while i < bytes.len() {
            // Text runs to the next `<`, a tag to the next `>`: skipped
            // whole, counted.
            let stop = match self.state {
                XmlState::Text => Some(b'<'),
                XmlState::Tag => Some(b'>'),
                _ => None,
            };
            if let Some(stop) = stop {
                let rest = &bytes[i..];
                let at = memchr::memchr(stop, rest);
                let inside = at.unwrap_or(rest.len()) as u64;
                self.run += inside;
                self.too_long()?;
                let Some(at) = at else { return Ok(()) };
                i += at + 1;
                self.recent = u128::from(stop);
                self.begin(if stop == b'<' {
                    XmlState::Open
                } else {
                    XmlState::Text
                });
                self.too_long()?;
                continue;
            }
            let b = bytes[i];
            i += 1;
            self.recent = (self.recent << 8) | u128::from(b);
            self.run += 1;
            match self.state {
                XmlState::Open => {
                    if ends_with(self.recent, b"<!--") {
                        self.state = XmlState::Comment;
                    } else if ends_with(self.recent, b"<![CDATA[") {
                        self.state = XmlState::CData;
                    } else if ends_with(self.recent, b"<!D") {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "a document type declaration, which no workbook holds",
                        ));
                    } else if b == b'>' {
                        self.begin(XmlState::Text);
                    } else if self.run > 9 {
                        self.state = XmlState::Tag;
                    }
                }
                XmlState::Comment if ends_with(self.recent, b"-->") => self.begin(XmlState::Text),
                XmlState::CData if ends_with(self.recent, b"]]>") => self.begin(XmlState::Text),
                _ => {}
            }
            self.too_long()?;
        }
        Ok(())
    }

    fn too_long(&self) -> io::Result<()> {
        if self.run > MAX_XML_CONSTRUCT {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "an XML tag, text or comment longer than {} MiB",
                    MAX_XML_CONSTRUCT >> 20
                ),
            ));
        }
        Ok(())
    }

    fn begin(&mut self, state: XmlState) {
        self.state = state;
        self.run = if state == XmlState::Open { 1 } else { 0 };
    }
}

/// A CSV byte stream (decoded to UTF-8) that fails on a record longer than
/// [`MAX_CSV_RECORD_BYTES`]: the CSV reader holds one record whole. A
/// record ends at a line break outside quotes.
pub struct CsvRecordGuard<R> {
    inner: R,
    quote: u8,
    quoted: bool,
    run: u64,
}

impl<R> CsvRecordGuard<R> {
    /// Guards `inner`, whose fields are quoted with `quote`.
    pub fn new(inner: R, quote: u8) -> Self {
        CsvRecordGuard {
            inner,
            quote,
            quoted: false,
            run: 0,
        }
    }
}

impl<R: Read> Read for CsvRecordGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let got = self.inner.read(buf)?;
        for &b in &buf[..got] {
            self.run += 1;
            if b == self.quote {
                self.quoted = !self.quoted;
            } else if (b == b'\n' || b == b'\r') && !self.quoted {
                self.run = 0;
            }
            if self.run > MAX_CSV_RECORD_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a record longer than {} MiB", MAX_CSV_RECORD_BYTES >> 20),
                ));
            }
        }
        Ok(got)
    }
}

/// Runs a third-party reader on a file, turning a panic into an error: the
/// last line of defence, behind the bounds above.
pub fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(format!("the {what} reader failed on this file")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guard as first written, a byte at a time: what [`XmlGuard`]
    /// must still say.
    #[derive(Default)]
    struct ByteByByte {
        state: XmlState,
        run: u64,
        recent: [u8; 9],
    }

    impl ByteByByte {
        fn check(&mut self, bytes: &[u8]) -> Result<(), String> {
            for &b in bytes {
                self.recent.rotate_left(1);
                self.recent[8] = b;
                self.run += 1;
                match self.state {
                    XmlState::Text if b == b'<' => self.begin(XmlState::Open),
                    XmlState::Open => {
                        if self.recent.ends_with(b"<!--") {
                            self.state = XmlState::Comment;
                        } else if self.recent.ends_with(b"<![CDATA[") {
                            self.state = XmlState::CData;
                        } else if self.recent.ends_with(b"<!D") {
                            return Err("doctype".into());
                        } else if b == b'>' {
                            self.begin(XmlState::Text);
                        } else if self.run > 9 {
                            self.state = XmlState::Tag;
                        }
                    }
                    XmlState::Tag if b == b'>' => self.begin(XmlState::Text),
                    XmlState::Comment if self.recent.ends_with(b"-->") => {
                        self.begin(XmlState::Text)
                    }
                    XmlState::CData if self.recent.ends_with(b"]]>") => self.begin(XmlState::Text),
                    _ => {}
                }
                if self.run > MAX_XML_CONSTRUCT {
                    return Err("long".into());
                }
            }
            Ok(())
        }

        fn begin(&mut self, state: XmlState) {
            self.state = state;
            self.run = if state == XmlState::Open { 1 } else { 0 };
        }
    }

    /// The guard skips text and tags to their end instead of stepping
    /// byte by byte; on every stream, cut anywhere, it says what the byte
    /// at a time guard says, in the same piece.
    #[test]
    fn the_xml_guard_says_what_it_said_a_byte_at_a_time() {
        let pieces: &[&[u8]] = &[
            b"<",
            b">",
            b"<!--",
            b"-->",
            b"<![CDATA[",
            b"]]>",
            b"<!D",
            b"<!",
            b"-",
            b"]",
            b"<c r=\"A1\" t=\"inlineStr\">",
            b"</c>",
            b"text",
            b"<<",
            b">>",
            b"<!-->",
            b"<![CDATA[x]]]>",
            b"<?xml version=\"1.0\"?>",
            b"\n",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let long = |b: u8, n: usize| vec![b; n];
        let mut streams: Vec<Vec<u8>> = Vec::new();
        for _ in 0..3000 {
            let mut v = Vec::new();
            for _ in 0..(next() % 40) {
                v.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
            }
            streams.push(v);
        }
        let m = MAX_XML_CONSTRUCT as usize;
        for (open, close) in [("", ""), ("<", ">"), ("<!--", "-->"), ("<![CDATA[", "]]>")] {
            for n in [m - 12, m - 1, m, m + 1, m + 40] {
                let mut v = open.as_bytes().to_vec();
                v.extend(long(b'x', n));
                v.extend_from_slice(close.as_bytes());
                v.extend_from_slice(b"<v>1</v>");
                streams.push(v);
            }
        }
        for v in &streams {
            for _ in 0..4 {
                // Cut into pieces at random places.
                let mut cuts: Vec<usize> = (0..(next() % 6))
                    .map(|_| (next() as usize) % (v.len() + 1))
                    .collect();
                cuts.push(0);
                cuts.push(v.len());
                cuts.sort_unstable();
                let (mut fast, mut slow) = (XmlGuard::default(), ByteByByte::default());
                for w in cuts.windows(2) {
                    let piece = &v[w[0]..w[1]];
                    let got = fast.check(piece).map_err(|e| e.to_string());
                    let want = slow.check(piece);
                    assert_eq!(
                        got.is_ok(),
                        want.is_ok(),
                        "{:?} cut at {cuts:?}: {got:?} vs {want:?}",
                        String::from_utf8_lossy(&v[..v.len().min(80)])
                    );
                    if let (Err(g), Err(w)) = (&got, &want) {
                        assert!(
                            g.contains(if w == "long" {
                                "longer than"
                            } else {
                                "document type"
                            }),
                            "{g} vs {w}"
                        );
                        break;
                    }
                }
            }
        }
    }

    /// The 50,000-user campaign's largest reviewer workbook, as measured,
    /// and LibreOffice's CSV export of its Entitlements sheet
    /// (docs/operations.md; `cargo bench --bench scale -- split 50000`
    /// checks the real workbook): every bound leaves them at least 1.5
    /// times room.
    #[test]
    fn the_bounds_admit_the_largest_workbook_a_real_campaign_returns() {
        let (rows, columns, text, sheet_xml, file, csv_export) = (
            113_910u64,
            31u64,
            161u64 << 20,
            288_249_471u64,
            27_796_332u64,
            172_616_704u64,
        );
        let room = |have: u64, bound: u64| bound * 2 >= have * 3;
        assert!(room(rows * columns, MAX_CELLS));
        assert!(room(rows, MAX_ROWS));
        assert!(room(text, MAX_TEXT_BYTES));
        assert!(room(sheet_xml, MAX_ENTRY_INFLATED));
        assert!(room(sheet_xml, MAX_TOTAL_INFLATED));
        assert!(room(file, MAX_FILE_BYTES));
        assert!(room(csv_export, MAX_FILE_BYTES));
    }

    #[test]
    fn cell_references_read_as_row_and_column() {
        assert_eq!(cell_ref(b"A1"), Some((1, 1)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(cell_ref(b"1"), None);
        assert_eq!(cell_ref(b"AAAAA1"), None);
    }

    #[test]
    fn the_xml_guard_bounds_text_tags_and_comments_but_not_documents() {
        let long = "x".repeat(MAX_XML_CONSTRUCT as usize + 1);
        let mut ok = XmlGuard::default();
        // Many short constructs make a long document.
        for _ in 0..(MAX_XML_CONSTRUCT / 8) {
            ok.check(b"<c>xy</c><!--a-->").unwrap();
        }
        for doc in [
            format!("<a>{long}</a>"),
            format!("<a b=\"{long}\"/>"),
            format!("<!--{}-->", "<>".repeat(MAX_XML_CONSTRUCT as usize)),
            format!("<![CDATA[{long}]]>"),
        ] {
            let mut g = XmlGuard::default();
            assert!(g.check(doc.as_bytes()).is_err(), "{}", &doc[..20]);
        }
        let mut g = XmlGuard::default();
        assert!(g.check(b"<?xml version=\"1.0\"?><!DOCTYPE x>").is_err());
    }

    #[test]
    fn a_part_the_relationships_name_is_checked_as_xml_whatever_its_name() {
        let mut bytes = Vec::new();
        {
            use std::io::Write;
            let mut z = zip::ZipWriter::new(Cursor::new(&mut bytes));
            let o = zip::write::SimpleFileOptions::default();
            z.start_file("xl/_rels/workbook.xml.rels", o).unwrap();
            z.write_all(br#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.bin"/></Relationships>"#).unwrap();
            z.start_file("xl/workbook.xml", o).unwrap();
            z.write_all(b"<workbook/>").unwrap();
            z.start_file("xl/worksheets/sheet1.bin", o).unwrap();
            z.write_all(&vec![b'x'; 2 << 20]).unwrap();
            z.finish().unwrap();
        }
        let err = check_workbook(&bytes).unwrap_err();
        assert!(err.contains("longer than 1 MiB"), "{err}");
    }

    #[test]
    fn a_csv_record_ends_at_a_line_break_outside_quotes() {
        let read = |bytes: Vec<u8>| {
            let mut out = Vec::new();
            CsvRecordGuard::new(bytes.as_slice(), b'"').read_to_end(&mut out)
        };
        let line = "a".repeat(1 << 20);
        let many_lines = format!("{line}\n").repeat(8);
        assert!(read(many_lines.clone().into_bytes()).is_ok());
        // The same lines inside one quoted field are one record.
        assert!(read(format!("\"{many_lines}\"").into_bytes()).is_err());
    }
}
