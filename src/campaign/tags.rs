//! Telling a decision moved to another row. A reviewer workbook fills each
//! row's reviewer cells with one of sixteen variants of the input colour,
//! chosen by the row key ([`crate::report::xlsx::row_tag`]); they look the
//! same. Excel and LibreOffice move a cell's fill with its value when they
//! sort, so after the decision column alone was sorted (LibreOffice allows
//! it on a protected sheet), a decision carries the fill of the row it came
//! from: 15 times in 16 that is not its row's. calamine does not expose
//! cell styles, so this reads the sheet's XML and `styles.xml` itself, and
//! only what it needs: the style of each cell of one column, and the fill
//! colour of each style.
//!
//! What it cannot see: a CSV export (no formats), LibreOffice's sort with
//! "Include formats" unticked, and a cell whose fill was cleared. A
//! reviewer workbook tags every row at any size (one of more than 100,000
//! rows is not a table, but its rows are tagged all the same). It catches accidents, not a deliberate
//! forger.

use std::collections::HashMap;
use std::io::{BufReader, Read, Seek};

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::output::bounded;
use crate::report::xlsx::fill_tag;

type Zip<R> = zip::ZipArchive<R>;

/// Most fills and cell styles read (Excel allows 64,000 styles).
const MAX_STYLES: usize = 1_000_000;

/// A workbook part, inflated at most to [`bounded::MAX_ENTRY_INFLATED`],
/// its XML constructs bounded ([`bounded::XmlGuard`]).
struct Guarded<R> {
    inner: std::io::Take<R>,
    guard: bounded::XmlGuard,
}

impl<R: Read> Guarded<R> {
    fn new(inner: R) -> Self {
        Guarded {
            inner: inner.take(bounded::MAX_ENTRY_INFLATED),
            guard: bounded::XmlGuard::default(),
        }
    }
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.guard.check(&buf[..n])?;
        Ok(n)
    }
}

/// The tag each row's cell of `col` (0-based) carries on sheet `sheet` of
/// the workbook at `path`: 1-based row number to tag, for cells whose fill
/// is a tag fill. Empty when the file is not an xlsx or the sheet is not
/// found (nothing can be told then).
pub fn column_tags(path: &std::path::Path, sheet: &str, col: usize) -> HashMap<u32, u8> {
    // Read as bounded as the workbook itself was (output::bounded).
    let Ok(bytes) = bounded::read_regular(path) else {
        return HashMap::new();
    };
    let Ok(mut zip) = Zip::new(std::io::Cursor::new(bytes.as_slice())) else {
        return HashMap::new();
    };
    column_tags_in(&mut zip, sheet, col).unwrap_or_default()
}

fn column_tags_in<R: Read + Seek>(
    zip: &mut Zip<R>,
    sheet: &str,
    col: usize,
) -> Option<HashMap<u32, u8>> {
    let part = sheet_part(zip, sheet)?;
    let fills = style_fills(zip)?;
    let mut out = HashMap::new();
    let entry = zip.by_name(&part).ok()?;
    let mut reader = Reader::from_reader(BufReader::new(Guarded::new(entry)));
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"c" => {
                if out.len() as u64 > bounded::MAX_ROWS {
                    return None;
                }
                let (mut at, mut style) = (None, 0usize);
                for a in e.attributes().flatten() {
                    match a.key.local_name().as_ref() {
                        b"r" => at = cell_ref(&a.value),
                        b"s" => {
                            style = std::str::from_utf8(&a.value)
                                .ok()
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(0)
                        }
                        _ => {}
                    }
                }
                if let Some((row, c)) = at {
                    if c == col {
                        if let Some(Some(tag)) = fills.get(style) {
                            out.insert(row, *tag);
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Some(out)
}

/// `S4` as (4, 18).
fn cell_ref(r: &[u8]) -> Option<(u32, usize)> {
    let split = r.iter().position(u8::is_ascii_digit)?;
    let (letters, digits) = r.split_at(split);
    let mut col = 0usize;
    for l in letters {
        if !l.is_ascii_uppercase() {
            return None;
        }
        col = col * 26 + usize::from(l - b'A' + 1);
    }
    let row = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((row, col.checked_sub(1)?))
}

/// Every attribute of the elements named `name` in a part, in order.
fn elements<R: Read + Seek>(
    zip: &mut Zip<R>,
    part: &str,
    name: &[u8],
    mut each: impl FnMut(&quick_xml::events::BytesStart<'_>),
) -> Option<()> {
    let entry = zip.by_name(part).ok()?;
    let mut reader = Reader::from_reader(BufReader::new(Guarded::new(entry)));
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == name => each(&e),
            Event::Eof => return Some(()),
            _ => {}
        }
        buf.clear();
    }
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| String::from_utf8(a.value.into_owned()).ok())
}

/// The worksheet part of the sheet named `sheet`.
fn sheet_part<R: Read + Seek>(zip: &mut Zip<R>, sheet: &str) -> Option<String> {
    let mut rid = None;
    elements(zip, "xl/workbook.xml", b"sheet", |e| {
        if attr(e, b"name").as_deref() == Some(sheet) {
            rid = attr(e, b"id");
        }
    })?;
    let rid = rid?;
    let mut target = None;
    elements(zip, "xl/_rels/workbook.xml.rels", b"Relationship", |e| {
        if attr(e, b"Id").as_deref() == Some(rid.as_str()) {
            target = attr(e, b"Target");
        }
    })?;
    let target = target?;
    Some(match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("xl/{target}"),
    })
}

/// Per cell style (the index of `cellXfs`): the tag its fill carries.
fn style_fills<R: Read + Seek>(zip: &mut Zip<R>) -> Option<Vec<Option<u8>>> {
    // Fills in order: the tag of each one's foreground colour.
    let entry = zip.by_name("xl/styles.xml").ok()?;
    let mut reader = Reader::from_reader(BufReader::new(Guarded::new(entry)));
    let mut buf = Vec::new();
    let mut fills: Vec<Option<u8>> = Vec::new();
    let mut styles: Vec<usize> = Vec::new();
    let (mut in_fills, mut in_xfs) = (false, false);
    loop {
        let ev = reader.read_event_into(&mut buf).ok()?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                match e.local_name().as_ref() {
                    b"fills" => in_fills = !empty,
                    b"cellXfs" => in_xfs = !empty,
                    _ if fills.len() + styles.len() > MAX_STYLES => return None,
                    b"fill" if in_fills => fills.push(None),
                    b"fgColor" if in_fills => {
                        if let (Some(last), Some(rgb)) = (fills.last_mut(), attr(e, b"rgb")) {
                            *last = fill_tag(&rgb);
                        }
                    }
                    b"xf" if in_xfs => {
                        styles.push(attr(e, b"fillId").and_then(|v| v.parse().ok()).unwrap_or(0))
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"fills" => in_fills = false,
                b"cellXfs" => in_xfs = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Some(
        styles
            .into_iter()
            .map(|f| fills.get(f).copied().flatten())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_read_as_row_and_column() {
        assert_eq!(cell_ref(b"A1"), Some((1, 0)));
        assert_eq!(cell_ref(b"S4"), Some((4, 18)));
        assert_eq!(cell_ref(b"AA10"), Some((10, 26)));
        assert_eq!(cell_ref(b"4"), None);
    }

    #[test]
    fn tag_fills_round_trip_and_nothing_else_is_a_tag() {
        use crate::report::xlsx::{row_tag, tag_fill, ROW_TAGS};
        for t in 0..ROW_TAGS {
            assert_eq!(fill_tag(&format!("FF{:06X}", tag_fill(t))), Some(t));
        }
        assert_eq!(
            fill_tag("FFFFF2CC"),
            Some(12),
            "the plain input fill is tag 12"
        );
        assert_eq!(fill_tag("FF1F4E78"), None);
        assert_eq!(fill_tag("zz"), None);
        assert!(row_tag("RA:account/ra1") < ROW_TAGS);
    }
}
