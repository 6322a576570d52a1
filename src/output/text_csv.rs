//! The encoding and separator of a CSV file a reviewer sends back, and its
//! records as UTF-8, streamed.
//!
//! What real programs write:
//!
//! | program, "save as" | encoding | separator |
//! |---|---|---|
//! | Excel, CSV UTF-8 | UTF-8 with byte-order mark | `,` (`;` in many locales) |
//! | Excel, CSV (Comma delimited) on Windows | Windows-1252 | `,`, or `;` in German, French, Dutch… locales |
//! | Excel, Unicode Text | UTF-16LE with byte-order mark | tab |
//! | LibreOffice Calc | UTF-8, no byte-order mark (by default) | `,` by default; `;` or tab as chosen |
//! | Google Sheets | UTF-8, no byte-order mark | `,` |
//!
//! A first line `sep=;` (or `sep=,`, `sep=\t`), which Excel honours, names
//! the separator and is not a record.
//!
//! [`sniff`] decides from the first [`SAMPLE`] bytes; [`reader`] then
//! decodes the whole file as its records are read, never holding it whole (a
//! decisions file can be a gigabyte).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;

/// How many bytes at the start of a file [`sniff`] looks at.
pub const SAMPLE: usize = 64 * 1024;

/// The separators sniffed, preferred in this order on a tie.
const SEPARATORS: [u8; 3] = [b',', b';', b'\t'];

/// How many records (non-empty lines) the separator is sniffed from.
const RECORDS: usize = 20;

/// How a CSV file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvShape {
    /// Its encoding.
    pub encoding: &'static Encoding,
    /// Whether it starts with a byte-order mark.
    pub bom: bool,
    /// The field separator.
    pub delimiter: u8,
    /// Whether its first line is `sep=X`, naming the separator.
    pub skip_sep_line: bool,
}

impl CsvShape {
    /// For messages: `UTF-16LE with byte-order mark, tab-separated`.
    pub fn describe(&self) -> String {
        let encoding = if self.encoding == WINDOWS_1252 {
            "Windows-1252"
        } else {
            self.encoding.name()
        };
        let bom = if self.bom {
            " with byte-order mark"
        } else {
            ""
        };
        let separator = match self.delimiter {
            b',' => "comma-separated".to_string(),
            b';' => "semicolon-separated".to_string(),
            b'\t' => "tab-separated".to_string(),
            d => format!("{:?}-separated", char::from(d)),
        };
        let sep = if self.skip_sep_line {
            " (as its sep= line says)"
        } else {
            ""
        };
        format!("{encoding}{bom}, {separator}{sep}")
    }
}

impl fmt::Display for CsvShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The shape of the CSV file at `path`, from its first [`SAMPLE`] bytes.
pub fn sniff(path: &Path) -> io::Result<CsvShape> {
    let mut head = Vec::with_capacity(SAMPLE + 1);
    super::bounded::open_regular(path)?
        .0
        .take(SAMPLE as u64 + 1)
        .read_to_end(&mut head)?;
    let whole = head.len() <= SAMPLE;
    head.truncate(SAMPLE);
    Ok(sniff_bytes(&head, whole))
}

/// The shape of a CSV file from its first bytes; `whole` when `head` is all
/// of the file (else its end may cut a character or a record).
pub fn sniff_bytes(head: &[u8], whole: bool) -> CsvShape {
    let (encoding, bom_len) = encoding_of(head, whole);
    let (text, _) = encoding.decode_without_bom_handling(&head[bom_len..]);
    let (delimiter, skip_sep_line) = match sep_line(&text) {
        Some(d) => (d, true),
        None => (separator_of(&text, whole), false),
    };
    CsvShape {
        encoding,
        bom: bom_len > 0,
        delimiter,
        skip_sep_line,
    }
}

/// The shape of a CSV file held whole: as [`sniff_bytes`] of its start, but
/// a file whose start is ASCII and whose rest is not UTF-8 is Windows-1252.
pub fn sniff_whole(bytes: &[u8]) -> CsvShape {
    let head = &bytes[..bytes.len().min(SAMPLE)];
    let mut shape = sniff_bytes(head, head.len() == bytes.len());
    if shape.encoding == UTF_8
        && !shape.bom
        && head.is_ascii()
        && std::str::from_utf8(bytes).is_err()
    {
        shape.encoding = WINDOWS_1252;
    }
    shape
}

/// The records of the CSV file at `path`, decoded to UTF-8 as they are read
/// (byte-order mark and `sep=` line skipped), every field as written: no
/// header row, records of any length.
pub fn reader(path: &Path, shape: &CsvShape) -> io::Result<::csv::Reader<Box<dyn Read>>> {
    reader_from(super::bounded::open_regular(path)?.0, shape)
}

/// [`reader`] over any source of the file's bytes.
pub fn reader_from(
    source: impl Read + 'static,
    shape: &CsvShape,
) -> io::Result<::csv::Reader<Box<dyn Read>>> {
    // Undecodable bytes become U+FFFD (none can in Windows-1252), so the
    // records are always UTF-8.
    let decoded = DecodeReaderBytesBuilder::new()
        .encoding(Some(shape.encoding))
        .strip_bom(true)
        .build(source);
    // One record is held whole: a record without end is refused.
    let decoded = super::bounded::CsvRecordGuard::new(decoded, b'"');
    let mut text = BufReader::with_capacity(1 << 16, decoded);
    if shape.skip_sep_line {
        skip_line(&mut text)?;
    }
    Ok(::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(shape.delimiter)
        .from_reader(Box::new(text) as Box<dyn Read>))
}

/// The encoding of a file starting with `head`, and the length of its
/// byte-order mark.
fn encoding_of(head: &[u8], whole: bool) -> (&'static Encoding, usize) {
    if let Some(found) = Encoding::for_bom(head) {
        return found;
    }
    if let Some(utf16) = utf16_without_bom(head) {
        return (utf16, 0);
    }
    match std::str::from_utf8(head) {
        Ok(_) => (UTF_8, 0),
        // A character cut by the end of the sample.
        Err(e) if e.error_len().is_none() && !whole => (UTF_8, 0),
        Err(_) => (WINDOWS_1252, 0),
    }
}

/// UTF-16 without a byte-order mark: text (of mostly ASCII, as a CSV file's
/// separators, quotes and line ends are) has a NUL in every other byte, which
/// no 8-bit text has.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let units = head.len() / 2;
    if units < 2 {
        return None;
    }
    let (mut high_first, mut high_second) = (0, 0);
    for unit in head.chunks_exact(2) {
        high_first += usize::from(unit[0] == 0);
        high_second += usize::from(unit[1] == 0);
    }
    if high_second * 4 >= units && high_first * 10 <= high_second {
        Some(UTF_16LE)
    } else if high_first * 4 >= units && high_second * 10 <= high_first {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// The separator a first line `sep=X` (perhaps quoted) names.
fn sep_line(text: &str) -> Option<u8> {
    // Not trim(): `sep=` and a tab.
    let line = text.split(['\r', '\n']).next()?.trim_matches(' ');
    let line = match line.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        Some(inner) => inner,
        None => line,
    };
    if !line.get(..4)?.eq_ignore_ascii_case("sep=") {
        return None;
    }
    match &line[4..] {
        "\\t" | "\t" => Some(b'\t'),
        s if s.len() == 1 && s.as_bytes()[0].is_ascii_punctuation() && s != "\"" => {
            Some(s.as_bytes()[0])
        }
        _ => None,
    }
}

/// The separator of `text`: of `,`, `;` and tab, the one that splits the most
/// of the first records into the same number (above one) of fields; on a
/// tie, the one giving more fields, then comma, semicolon, tab. Separators
/// within double quotes do not count.
fn separator_of(text: &str, whole: bool) -> u8 {
    let mut records = records(text);
    if !whole {
        // The sample's end may cut the last one.
        records.pop();
    }
    records.truncate(RECORDS);
    let mut best = (SEPARATORS[0], 0, 0);
    for d in SEPARATORS {
        let mut tally: BTreeMap<usize, usize> = BTreeMap::new();
        for r in &records {
            let n = fields(r, d);
            if n > 1 {
                *tally.entry(n).or_default() += 1;
            }
        }
        if let Some((&fields, &lines)) = tally.iter().max_by_key(|&(f, l)| (*l, *f)) {
            if (lines, fields) > (best.2, best.1) {
                best = (d, fields, lines);
            }
        }
    }
    best.0
}

/// The non-empty records of `text` (a line end within double quotes is part
/// of a field).
fn records(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\r' | b'\n' if !quoted => {
                if i > start {
                    out.push(&text[start..i]);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// How many fields `d` splits `record` into, outside double quotes.
fn fields(record: &str, d: u8) -> usize {
    let mut quoted = false;
    let mut n = 1;
    for b in record.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

/// Skips the first line (ended by CR, LF or CRLF).
fn skip_line(r: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) => {
                let cr = buf[i] == b'\r';
                r.consume(i + 1);
                if cr && r.fill_buf()?.first() == Some(&b'\n') {
                    r.consume(1);
                }
                return Ok(());
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

/// CSV files as real programs write them, for the readers' tests.
#[cfg(test)]
pub(crate) mod samples {
    use encoding_rs::WINDOWS_1252;

    /// A program's way of writing rows: its name, the writer, and the shape
    /// [`super::sniff`] should find.
    pub type Program = (&'static str, fn(&[&[&str]]) -> Vec<u8>, &'static str);

    /// Every program's way.
    pub const PROGRAMS: [Program; 7] = [
        (
            "Excel, CSV UTF-8",
            excel_csv_utf8,
            "UTF-8 with byte-order mark, comma-separated",
        ),
        (
            "Excel (German locale), CSV (Trennzeichen-getrennt)",
            excel_de_csv,
            "Windows-1252, semicolon-separated",
        ),
        (
            "Excel, Unicode Text",
            excel_unicode_text,
            "UTF-16LE with byte-order mark, tab-separated",
        ),
        (
            "UTF-16BE with byte-order mark",
            utf16be,
            "UTF-16BE with byte-order mark, comma-separated",
        ),
        (
            "a sep=; first line",
            sep_line_first,
            "Windows-1252, semicolon-separated (as its sep= line says)",
        ),
        (
            "LibreOffice, UTF-8, tab",
            libreoffice_tab,
            "UTF-8, tab-separated",
        ),
        (
            "UTF-8, every text quoted",
            quoted_utf8_comma,
            "UTF-8, comma-separated",
        ),
    ];

    /// Rows as text: a field holding the separator, a quote or a line end
    /// is quoted (every field when `quote_all`).
    fn text(rows: &[&[&str]], sep: char, eol: &str, quote_all: bool) -> String {
        let mut out = String::new();
        for r in rows {
            let fields: Vec<String> = r
                .iter()
                .map(|f| {
                    if quote_all || f.contains([sep, '"', '\r', '\n']) {
                        format!("\"{}\"", f.replace('"', "\"\""))
                    } else {
                        f.to_string()
                    }
                })
                .collect();
            out.push_str(&fields.join(&sep.to_string()));
            out.push_str(eol);
        }
        out
    }

    fn windows_1252(s: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = WINDOWS_1252.encode(s);
        assert!(!unmappable, "{s:?} is not Windows-1252");
        bytes.into_owned()
    }

    /// BOM, comma, CRLF.
    pub fn excel_csv_utf8(rows: &[&[&str]]) -> Vec<u8> {
        let mut out = b"\xef\xbb\xbf".to_vec();
        out.extend(text(rows, ',', "\r\n", false).bytes());
        out
    }

    /// Windows-1252, semicolon, CRLF.
    pub fn excel_de_csv(rows: &[&[&str]]) -> Vec<u8> {
        windows_1252(&text(rows, ';', "\r\n", false))
    }

    /// UTF-16LE with BOM, tab, CRLF.
    pub fn excel_unicode_text(rows: &[&[&str]]) -> Vec<u8> {
        let mut out = vec![0xff, 0xfe];
        out.extend(
            text(rows, '\t', "\r\n", false)
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        out
    }

    /// UTF-16BE with BOM, comma, CRLF.
    pub fn utf16be(rows: &[&[&str]]) -> Vec<u8> {
        let mut out = vec![0xfe, 0xff];
        out.extend(
            text(rows, ',', "\r\n", false)
                .encode_utf16()
                .flat_map(u16::to_be_bytes),
        );
        out
    }

    /// `sep=;`, then Windows-1252, semicolon, CRLF.
    pub fn sep_line_first(rows: &[&[&str]]) -> Vec<u8> {
        windows_1252(&format!("sep=;\r\n{}", text(rows, ';', "\r\n", false)))
    }

    /// UTF-8 without BOM, tab, LF.
    pub fn libreoffice_tab(rows: &[&[&str]]) -> Vec<u8> {
        text(rows, '\t', "\n", false).into_bytes()
    }

    /// UTF-8 without BOM, comma, LF, every field quoted (LibreOffice's
    /// "Quote all text cells").
    pub fn quoted_utf8_comma(rows: &[&[&str]]) -> Vec<u8> {
        text(rows, ',', "\n", true).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::samples::PROGRAMS;
    use super::*;

    const ROWS: &[&[&str]] = &[
        &["Effective Access · for käthe@example.com", "", "", ""],
        &["row_key", "decision", "reviewer", "justification"],
        &[
            "EA:u1|direct|account/ra1",
            "Keep",
            "Käthe Müller",
            "on call; weekends, holidays",
        ],
        &[
            "EA:u2|direct|account/ra2",
            "Revoke",
            "Éloïse Dupont",
            "left \"the team\"",
        ],
    ];

    fn records_of(bytes: Vec<u8>, shape: &CsvShape) -> Vec<Vec<String>> {
        reader_from(io::Cursor::new(bytes), shape)
            .unwrap()
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn every_program_s_files_are_sniffed_and_read_back() {
        for (program, write, shape) in PROGRAMS {
            let bytes = write(ROWS);
            let found = sniff_bytes(&bytes, true);
            assert_eq!(found.describe(), shape, "{program}");
            assert_eq!(records_of(bytes, &found), ROWS, "{program}");
        }
    }

    #[test]
    fn separators_within_quotes_do_not_count() {
        let text = "\"a;b;c\",\"d;e;f\"\n\"g;h;i\",\"j\tk\"\n";
        assert_eq!(sniff_bytes(text.as_bytes(), true).delimiter, b',');
        // A tie (one line each) goes to comma.
        assert_eq!(sniff_bytes(b"a,b\nc;d\n", true).delimiter, b',');
        // One column: comma.
        assert_eq!(sniff_bytes(b"decision\nKeep\n", true).delimiter, b',');
        // Decimal commas in a semicolon file (Excel, German locale).
        let de = "Name;Betrag\r\nA;1,5\r\nB;2,25\r\n";
        assert_eq!(sniff_bytes(de.as_bytes(), true).delimiter, b';');
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_recognised() {
        let text = "row_key\tdecision\r\nEA:u1|direct|account/ra1\tKeep\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let shape = sniff_bytes(&le, true);
        assert_eq!(shape.describe(), "UTF-16LE, tab-separated");
        assert_eq!(
            records_of(le, &shape)[1],
            ["EA:u1|direct|account/ra1", "Keep"]
        );
        assert_eq!(sniff_bytes(&be, true).describe(), "UTF-16BE, tab-separated");
    }

    #[test]
    fn a_character_cut_by_the_sample_is_still_utf8() {
        let mut head = "row_key,reviewer\nEA:u1|direct|account/ra1,Jörg\n"
            .as_bytes()
            .to_vec();
        head.extend("Käthe".as_bytes().iter().take(2)); // "K" and half of "ä"
        assert_eq!(sniff_bytes(&head, false).encoding, UTF_8);
        // At the end of the whole file it is not UTF-8.
        assert_eq!(sniff_bytes(&head, true).encoding, WINDOWS_1252);
        assert_eq!(
            sniff_bytes(b"a,b\nR\xe9voque,x\n", false).encoding,
            WINDOWS_1252
        );
    }

    #[test]
    fn sep_lines_name_the_separator() {
        for (first, d) in [
            ("sep=;", b';'),
            ("SEP=,", b','),
            ("sep=\t", b'\t'),
            ("sep=\\t", b'\t'),
            ("\"sep=|\"", b'|'),
        ] {
            let bytes = format!("{first}\r\na{0}b\r\nc{0}d\r\n", char::from(d)).into_bytes();
            let shape = sniff_bytes(&bytes, true);
            assert!(shape.skip_sep_line, "{first}");
            assert_eq!(shape.delimiter, d, "{first}");
            assert_eq!(records_of(bytes, &shape), [["a", "b"], ["c", "d"]]);
        }
        // A bare CR ends the sep= line too (Excel for old Macs).
        let bytes = b"sep=;\ra;b\rc;d\r".to_vec();
        let shape = sniff_bytes(&bytes, true);
        assert_eq!(records_of(bytes, &shape), [["a", "b"], ["c", "d"]]);
        // A field that only starts like one is data.
        assert!(!sniff_bytes(b"sep=none,x\n", true).skip_sep_line);
    }

    #[test]
    fn a_file_is_sniffed_from_its_start_unless_held_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let mut text = String::from("row_key;decision\r\n");
        while text.len() < 2 * SAMPLE {
            text.push_str("EA:u1|direct|account/ra1;Keep\r\n");
        }
        text.push_str("EA:u2|direct|account/ra2;R\u{e9}voque\r\n");
        let bytes = WINDOWS_1252.encode(&text).0.into_owned();
        std::fs::write(&path, &bytes).unwrap();
        // Its first 64 KiB are ASCII, so the file reads as UTF-8, and the é
        // past them becomes U+FFFD instead of failing.
        let shape = sniff(&path).unwrap();
        assert_eq!(shape.describe(), "UTF-8, semicolon-separated");
        let last = |shape: &CsvShape| {
            let r = reader_from(io::Cursor::new(bytes.clone()), shape).unwrap();
            r.into_records().last().unwrap().unwrap()[1].to_string()
        };
        assert_eq!(last(&shape), "R\u{fffd}voque");
        // Held whole, it is checked whole.
        let shape = sniff_whole(&bytes);
        assert_eq!(shape.describe(), "Windows-1252, semicolon-separated");
        assert_eq!(last(&shape), "R\u{e9}voque");
    }
}
