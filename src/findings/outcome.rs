//! What a run's findings add up to: the ones that fail it (`--fail-on`, or a
//! rule set to `deny`) and the counts per severity every summary prints.
//! Findings are data, not errors; the exit code is decided here, at the end.

use std::collections::BTreeMap;

use serde::Serialize;

use super::finding::{Finding, Severity};
use super::policy::{Level, Policy};
use super::rule::Rule;

/// The non-exempt findings that fail a run: at or above `fail_on`, or of a
/// rule the policy sets to `deny`.
pub fn failing<'f>(
    findings: &'f [Finding],
    policy: &Policy,
    fail_on: Option<Severity>,
) -> Vec<&'f Finding> {
    findings
        .iter()
        .filter(|f| !f.is_exempt())
        .filter(|f| {
            fail_on.is_some_and(|s| f.severity >= s)
                || Rule::parse(&f.rule).is_some_and(|r| policy.rule(r).level == Level::Deny)
        })
        .collect()
}

/// Counts per severity, strongest first, with the exempt ones counted apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Non-exempt findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings hidden by an active exemption.
    pub exempt: usize,
    /// Every finding.
    pub total: usize,
}

impl Counts {
    /// Counts a list of findings.
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            c.total += 1;
            if f.is_exempt() {
                c.exempt += 1;
            } else {
                *c.by_severity.entry(f.severity).or_default() += 1;
            }
        }
        c
    }

    /// `2 critical, 5 high, 0 medium, 1 low, 30 info (3 exempt)`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = Severity::DESCENDING
            .iter()
            .map(|s| format!("{} {s}", self.by_severity.get(s).copied().unwrap_or(0)))
            .collect();
        format!("{} ({} exempt)", parts.join(", "), self.exempt)
    }
}
