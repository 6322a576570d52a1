//! Findings compared by id: a finding's id is a stable hash of its rule,
//! principal, scope and evidence keys, so the same issue has the same id in
//! both snapshots' findings.

use std::collections::BTreeMap;

use crate::findings::{sort_findings, Finding};

/// Findings in NEW only, in OLD only, and in both (NEW's version), each in
/// the findings' own order (most severe first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingsDiff {
    /// In NEW only.
    pub new: Vec<Finding>,
    /// In OLD only.
    pub resolved: Vec<Finding>,
    /// In both.
    pub persisting: Vec<Finding>,
}

/// Compares two finding lists by id.
pub fn diff_findings(old: &[Finding], new: &[Finding]) -> FindingsDiff {
    let o: BTreeMap<&str, &Finding> = old.iter().map(|f| (f.id.as_str(), f)).collect();
    let n: BTreeMap<&str, &Finding> = new.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut out = FindingsDiff::default();
    for (id, f) in &n {
        if o.contains_key(id) {
            out.persisting.push((*f).clone());
        } else {
            out.new.push((*f).clone());
        }
    }
    for (id, f) in &o {
        if !n.contains_key(id) {
            out.resolved.push((*f).clone());
        }
    }
    sort_findings(&mut out.new);
    sort_findings(&mut out.resolved);
    sort_findings(&mut out.persisting);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Severity;

    fn f(id: &str, severity: Severity) -> Finding {
        Finding {
            id: id.into(),
            rule: "admin-access".into(),
            severity,
            principal: None,
            scope: None,
            message: id.into(),
            evidence: Default::default(),
            controls: Vec::new(),
            exempted: None,
        }
    }

    #[test]
    fn findings_are_new_resolved_or_persisting_by_id() {
        let old = [f("a", Severity::Info), f("b", Severity::High)];
        let mut b2 = f("b", Severity::Medium);
        b2.message = "reworded".into();
        let new = [
            b2.clone(),
            f("c", Severity::Low),
            f("d", Severity::Critical),
        ];
        let d = diff_findings(&old, &new);
        let ids = |v: &[Finding]| v.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.new), ["d", "c"], "most severe first");
        assert_eq!(ids(&d.resolved), ["a"]);
        // Persisting findings are shown as NEW has them.
        assert_eq!(d.persisting, vec![b2]);
    }

    #[test]
    fn equal_lists_give_no_new_or_resolved() {
        let v = [f("a", Severity::Info)];
        let d = diff_findings(&v, &v);
        assert!(d.new.is_empty() && d.resolved.is_empty());
        assert_eq!(d.persisting.len(), 1);
    }
}
