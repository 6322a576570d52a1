//! The Controls sheet: the SOC 2 and ISO 27001 catalogue of
//! [`crate::report::controls`] as rows.

use super::*;

pub(super) const CONTROLS: &[Column] = &[
    col("control", "Control", 18.0),
    col("title", "Title", 30.0),
    col("status", "Status", 11.0),
    col("what", "What the pack shows, or what to collect", 70.0),
    col("where", "Where", 36.0),
    col("findings", "Findings", 9.0),
    col("open_findings", "Open findings", 9.0),
];

/// The Controls sheet's rows.
pub(super) fn control_rows(ctx: &ReportContext<'_, '_>, sink: &mut Sink<'_>) -> io::Result<()> {
    for r in controls::rows(ctx.findings) {
        sink(vec![
            r.control.into(),
            r.title.into(),
            r.status.into(),
            r.what.into(),
            r.r#where.into(),
            r.findings.map_or(Cell::Empty, Cell::from),
            r.open_findings.map_or(Cell::Empty, Cell::from),
        ])?;
    }
    Ok(())
}
