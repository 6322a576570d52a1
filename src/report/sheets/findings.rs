//! The Findings sheet: every finding, strongest first, with its controls and
//! exemption.

use super::*;

pub(super) const FINDINGS: &[Column] = &[
    col("severity", "Severity", 10.0),
    col("rule", "Rule", 26.0),
    col("principal_kind", "Principal kind", 14.0),
    col("principal_id", "Principal ID", 26.0),
    col("principal_name", "Principal name", 24.0),
    col("principal_email", "Principal email", 28.0),
    col("scope", "Scope", 20.0),
    col("message", "Message", 60.0),
    col("controls", "Controls", 28.0),
    col("exemption", "Exemption", 30.0),
    col("evidence", "Evidence", 50.0),
    col("id", "Finding ID", 20.0),
];

pub(super) fn severity_rank(s: Severity) -> std::cmp::Reverse<Severity> {
    std::cmp::Reverse(s)
}

/// The findings in the order every output lists them: most severe first,
/// then by rule, scope, principal and id (sorted once per pack).
pub fn sorted_findings<'a>(ctx: &'a ReportContext<'_, '_>) -> Vec<&'a Finding> {
    let findings = ctx.findings;
    let order = ctx.memo.findings_order.get_or_init(|| {
        let key = |f: &'a Finding| {
            (
                severity_rank(f.severity),
                &f.rule,
                &f.scope,
                f.principal.as_ref().map(|p| &p.id),
                &f.id,
            )
        };
        let mut v: Vec<usize> = (0..findings.len()).collect();
        v.sort_by(|&a, &b| key(&findings[a]).cmp(&key(&findings[b])));
        v
    });
    order.iter().map(|&i| &findings[i]).collect()
}

/// A finding's controls as `SOC2:CC6.3; ISO27001:A.8.2`.
pub fn finding_controls(f: &Finding) -> String {
    f.controls
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A finding's exemption in one line, or empty.
pub fn finding_exemption(f: &Finding) -> String {
    match &f.exempted {
        None => String::new(),
        Some(e) if !e.note.is_empty() => e.note.clone(),
        Some(e) if e.active => format!(
            "exempt until {} ({}; approved by {})",
            e.expires, e.reason, e.approved_by
        ),
        Some(e) => format!("exemption expired on {}; finding applies again", e.expires),
    }
}

pub(super) fn findings(ctx: &ReportContext<'_, '_>, sink: &mut Sink<'_>) -> io::Result<()> {
    for f in sorted_findings(ctx) {
        let p = f.principal.as_ref();
        sink(vec![
            f.severity.as_str().into(),
            f.rule.clone().into(),
            p.map(|p| p.kind.clone()).into(),
            p.map(|p| p.id.clone()).into(),
            p.map(|p| p.name.clone()).into(),
            p.and_then(|p| p.email.clone()).into(),
            f.scope.clone().into(),
            f.message.clone().into(),
            finding_controls(f).into(),
            finding_exemption(f).into(),
            serde_json::to_string(&f.evidence)
                .unwrap_or_default()
                .into(),
            f.id.clone().into(),
        ])?;
    }
    Ok(())
}
