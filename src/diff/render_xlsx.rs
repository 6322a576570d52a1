//! diff.xlsx: a Summary sheet naming both snapshots, then one sheet per diff
//! table with a frozen header row, an autofilter and widths fitted to the
//! content. Every text cell is neutralised against formulas; the document
//! creation time is NEW's capture time, so the same inputs give the same
//! bytes. A table longer than Excel's row limit continues on numbered sheets.

use std::path::Path;

use rust_xlsxwriter::{Color, DocProperties, Format, FormatBorder, Worksheet, XlsxError};

use crate::output::sanitize::cell;
use crate::output::xlsx::{fit_cell, write_sheet, Cell, Layout, Part, EXCEL_MAX_ROWS};

use super::model::{DiffReport, SnapshotSide};
use super::tables::Table;

/// Widest column, in characters.
const MAX_WIDTH: usize = 60;

fn io(e: XlsxError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// The printed page header: account and both snapshots (`&` doubled, as
/// Excel header codes require; at most 255 characters).
fn page_header(r: &DiffReport) -> String {
    let account = match &r.new.account_name {
        Some(n) => format!("{n} ({})", r.account_id),
        None => r.account_id.clone(),
    };
    let text = format!(
        "&L{}&Rdiff {} {} to {} {}",
        crate::text::mark(&account).replace('&', "&&"),
        r.old.captured_at.format("%Y-%m-%d"),
        short(&r.old.sha256),
        r.new.captured_at.format("%Y-%m-%d"),
        short(&r.new.sha256),
    );
    text.chars().take(255).collect()
}

/// Writes diff.xlsx.
pub(crate) fn write(r: &DiffReport, tables: &[Table], path: &Path) -> std::io::Result<()> {
    let mut wb = crate::output::xlsx::new_workbook();
    let props = DocProperties::new()
        .set_title(format!("reviewpack diff: {}", r.account_id))
        .set_subject(format!(
            "{} ({}) to {} ({})",
            r.old.file, r.old.sha256, r.new.file, r.new.sha256
        ))
        .set_author("reviewpack")
        .set_creation_datetime(&crate::output::xlsx::excel_time(r.new.captured_at).map_err(io)?);
    wb.set_properties(&props);
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDE5F0))
        .set_border_bottom(FormatBorder::Thin);
    let warn = Format::new()
        .set_bold()
        .set_font_color(Color::RGB(0xB00020));
    let head = page_header(r);

    summary(wb.add_worksheet(), r, &bold, &warn, &head).map_err(io)?;
    for t in tables {
        let total = t.rows().count();
        let mut layout = TableLayout {
            table: t,
            header: &header,
            head: &head,
            fit: None,
        };
        write_sheet(
            &mut wb,
            "diff.xlsx",
            t.sheet,
            total,
            EXCEL_MAX_ROWS,
            &mut layout,
            |sink| {
                for row in t.rows() {
                    // An empty value writes no cell at all.
                    sink(
                        row.into_iter()
                            .map(|v| {
                                if v.is_empty() {
                                    Cell::Empty
                                } else {
                                    Cell::Text(v)
                                }
                            })
                            .collect(),
                    )?;
                }
                Ok(())
            },
        )?;
    }
    wb.save(path).map_err(io)
}

/// A diff table's sheet: page header, widths fitted to the part's rows, a
/// header row, then (after the rows) a frozen header and an autofilter.
struct TableLayout<'t, 'r> {
    table: &'t Table<'r>,
    header: &'t Format,
    head: &'t str,
    /// The current part's widths and rows.
    fit: Option<Fit>,
}

impl Layout for TableLayout<'_, '_> {
    fn first_data_row(&self) -> u32 {
        1
    }

    fn begin(&mut self, ws: &mut Worksheet, part: &Part) -> Result<(), XlsxError> {
        // Widths first: in constant-memory mode rows are flushed as written,
        // so the part's rows are read once ahead for them.
        let per = (EXCEL_MAX_ROWS - 1) as usize;
        let fit = fit(
            &self.table.headers,
            self.table.rows().skip((part.n - 1) * per).take(per),
        );
        ws.set_header(self.head);
        ws.set_landscape();
        for (c, w) in fit.widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w).clamp(8, MAX_WIDTH) as f64)?;
        }
        for (c, h) in self.table.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, self.header)?;
        }
        self.fit = Some(fit);
        Ok(())
    }

    fn end(&mut self, ws: &mut Worksheet, _part: &Part) -> Result<(), XlsxError> {
        let rows = self.fit.as_ref().map_or(0, |f| f.rows);
        ws.set_freeze_panes(1, 0)?;
        let last_col = self.table.headers.len().saturating_sub(1) as u16;
        ws.autofilter(0, 0, rows as u32, last_col)?;
        Ok(())
    }
}

/// A sheet's column widths, fitted to its headers and rows, and its number
/// of rows.
struct Fit {
    widths: Vec<usize>,
    rows: usize,
}

fn fit(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Fit {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 2).collect();
    let mut n = 0;
    for row in rows {
        n += 1;
        for (c, v) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(v.chars().count() + 1).min(MAX_WIDTH);
            }
        }
    }
    Fit { widths, rows: n }
}

fn side_rows(label: &str, s: &SnapshotSide) -> Vec<(String, String)> {
    vec![
        (format!("{label} snapshot"), s.file.clone()),
        (format!("{label} SHA-256"), s.sha256.clone()),
        (
            format!("{label} captured at"),
            s.captured_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
        (
            format!("{label} account"),
            match &s.account_name {
                Some(n) => format!("{n} ({})", s.account_id),
                None => s.account_id.clone(),
            },
        ),
        (
            format!("{label} complete"),
            if s.complete {
                "yes".into()
            } else {
                "NO: INCOMPLETE snapshot".into()
            },
        ),
    ]
}

fn summary(
    ws: &mut Worksheet,
    r: &DiffReport,
    bold: &Format,
    warn: &Format,
    head: &str,
) -> Result<(), XlsxError> {
    ws.set_name("Summary")?;
    ws.set_header(head);
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 72)?;
    let mut row = 0u32;
    ws.write_string_with_format(row, 0, "reviewpack diff", bold)?;
    ws.write_string(row, 1, format!("schema {}", r.schema))?;
    row += 2;
    let mut warnings = Vec::new();
    if r.accounts_differ {
        warnings.push(format!(
            "OLD and NEW are different accounts ({} and {}); compared with --force",
            r.old.account_id, r.new.account_id
        ));
    }
    for (label, s) in [("OLD", &r.old), ("NEW", &r.new)] {
        if !s.complete {
            warnings.push(format!(
                "{label} snapshot is INCOMPLETE: changes may be missing or false"
            ));
        }
    }
    if !r.findings.evaluated {
        warnings.push(
            "finding rules did not run: findings new/resolved/persisting are not compared".into(),
        );
    }
    for w in &warnings {
        ws.write_string_with_format(row, 0, "WARNING", warn)?;
        ws.write_string(row, 1, fit_cell(&cell(w)))?;
        row += 1;
    }
    if !warnings.is_empty() {
        row += 1;
    }
    for (k, v) in side_rows("OLD", &r.old)
        .into_iter()
        .chain(side_rows("NEW", &r.new))
    {
        ws.write_string_with_format(row, 0, k, bold)?;
        ws.write_string(row, 1, fit_cell(&cell(&v)))?;
        row += 1;
    }
    if let Some(d) = &r.decisions {
        ws.write_string_with_format(row, 0, "Decisions file", bold)?;
        ws.write_string(row, 1, cell(&format!("{} ({})", d.file, d.sha256)))?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "Change", bold)?;
    ws.write_string_with_format(row, 1, "Count", bold)?;
    row += 1;
    let s = &r.summary;
    let mut counts: Vec<(&str, usize)> = vec![
        ("Effective access gained", s.access_gained),
        ("  of which admin", s.admin_gained),
        ("Effective access lost", s.access_lost),
        ("Effective access changed", s.access_changed),
        ("Principals added", s.principals_added),
        ("Principals removed", s.principals_removed),
        ("Principals changed", s.principals_changed),
        ("Group memberships added", s.memberships_added),
        ("Group memberships removed", s.memberships_removed),
        ("Role assignments added", s.assignments_added),
        ("Role assignments removed", s.assignments_removed),
        ("Role assignments enabled", s.assignments_enabled),
        ("Role assignments disabled", s.assignments_disabled),
        ("Roles added", s.roles_added),
        ("Roles removed", s.roles_removed),
        ("Roles with permission changes", s.roles_changed),
        ("Resource groups added", s.resource_groups_added),
        ("Resource groups removed", s.resource_groups_removed),
        ("Resource groups changed", s.resource_groups_changed),
        ("Findings new", s.findings_new),
        ("Findings resolved", s.findings_resolved),
        ("Findings persisting", s.findings_persisting),
    ];
    if r.decisions.is_some() {
        counts.push(("Revocations verified", s.revocations_verified));
        counts.push(("Revocations not done", s.revocations_not_done));
    }
    for (k, v) in counts {
        ws.write_string(row, 0, k)?;
        ws.write_number(row, 1, v as f64)?;
        row += 1;
    }
    if s.empty {
        row += 1;
        ws.write_string_with_format(row, 0, "No change between the two snapshots.", bold)?;
    }
    Ok(())
}
