//! Findings compared by id: a finding's id is a stable hash of its rule,
//! principal, scope and evidence keys, so the same issue has the same id in
//! both snapshots' findings.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Seek, Write};
use std::path::Path;

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

/// OLD's findings, held while NEW's are evaluated: each id in memory, and
/// each finding as compact JSON in an unnamed temporary file (about 200 MB
/// for 215,000 findings at 50,000 users, which would otherwise sit in memory
/// beside both graphs while they are compared). Only the resolved ones (in
/// OLD only) are read back.
pub(crate) struct OldFindings {
    /// Id to where the finding's JSON lies: offset and length. A later
    /// finding with the same id replaces an earlier one, as in
    /// [`diff_findings`].
    index: HashMap<String, (u64, usize)>,
    /// The JSON, one finding after another. Unnamed, so nothing is left
    /// behind however the run ends.
    file: std::fs::File,
}

/// A finding holding nothing (and no memory).
fn empty() -> Finding {
    Finding {
        id: String::new(),
        rule: String::new(),
        severity: crate::findings::Severity::Info,
        principal: None,
        scope: None,
        message: String::new(),
        evidence: BTreeMap::new(),
        controls: Vec::new(),
        exempted: None,
    }
}

impl OldFindings {
    /// Takes OLD's findings, writing them to a temporary file in `dir` (the
    /// directory the output goes to; the system's temporary directory when
    /// that cannot take one).
    pub(crate) fn new(findings: Vec<Finding>, dir: &Path) -> io::Result<OldFindings> {
        let file = tempfile::tempfile_in(dir).or_else(|_| tempfile::tempfile())?;
        let mut out = io::BufWriter::with_capacity(1 << 16, file);
        let mut index = HashMap::with_capacity(findings.len());
        let mut one = Vec::new();
        let mut at = 0u64;
        for f in findings {
            one.clear();
            serde_json::to_writer(&mut one, &f).expect("a finding always serialises");
            out.write_all(&one)?;
            index.insert(f.id, (at, one.len()));
            at += one.len() as u64;
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        Ok(OldFindings { index, file })
    }

    /// Compares with NEW's findings by id, as [`diff_findings`] does, taking
    /// NEW's list so nothing is copied.
    pub(crate) fn diff(self, new: Vec<Finding>) -> io::Result<FindingsDiff> {
        let OldFindings {
            mut index,
            mut file,
        } = self;
        // The last finding of each id, as a map of NEW's findings keeps.
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(new.len());
        for (i, f) in new.iter().enumerate() {
            last.insert(f.id.as_str(), i);
        }
        let keep: Vec<bool> = new
            .iter()
            .enumerate()
            .map(|(i, f)| last[f.id.as_str()] == i)
            .collect();
        drop(last);
        // Persisting ones stay where they are in NEW's list (most of it, at
        // scale); new ones are taken out, leaving an empty finding behind.
        let mut new = new;
        let mut out = FindingsDiff::default();
        let mut stays = Vec::with_capacity(new.len());
        for (f, keep) in new.iter_mut().zip(keep) {
            if keep && index.remove(&f.id).is_some() {
                stays.push(true);
            } else {
                if keep {
                    out.new.push(std::mem::replace(f, empty()));
                }
                stays.push(false);
            }
        }
        let mut stays = stays.into_iter();
        new.retain(|_| stays.next().unwrap_or(false));
        out.persisting = new;
        // Read back in the order written.
        let mut resolved: Vec<(u64, usize)> = index.into_values().collect();
        resolved.sort_unstable();
        let mut one = Vec::new();
        for (at, len) in resolved {
            one.resize(len, 0);
            file.seek(io::SeekFrom::Start(at))?;
            file.read_exact(&mut one)?;
            out.resolved
                .push(serde_json::from_slice(&one).map_err(io::Error::other)?);
        }
        drop(file);
        sort_findings(&mut out.new);
        sort_findings(&mut out.resolved);
        sort_findings(&mut out.persisting);
        Ok(out)
    }
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

    #[test]
    fn old_findings_give_what_diff_findings_gives() {
        let mut a = f("a", Severity::Info);
        a.evidence.insert(
            "n".into(),
            serde_json::json!({"x": [1, 2.5, -3], "y": null}),
        );
        a.principal = Some(crate::findings::FindingPrincipal {
            kind: "user".into(),
            id: "u1".into(),
            name: "N".into(),
            email: None,
        });
        a.scope = Some("account".into());
        a.controls = vec![crate::findings::ControlRef {
            id: "SOC2:CC6.1".into(),
            why: "because".into(),
        }];
        a.exempted = Some(crate::findings::ExemptionStatus {
            active: true,
            reason: "r".into(),
            approved_by: "b".into(),
            expires: "2030-01-01".into(),
            note: "exempt until 2030-01-01".into(),
        });
        let mut b_old = f("b", Severity::High);
        b_old.message = "first".into();
        let mut b_old2 = f("b", Severity::Low);
        b_old2.message = "second".into();
        let old = vec![
            a,
            b_old,
            f("e", Severity::Medium),
            b_old2,
            f("z", Severity::Low),
        ];
        let mut c2 = f("c", Severity::Low);
        c2.message = "later".into();
        let new = vec![
            f("c", Severity::Low),
            f("d", Severity::Critical),
            f("e", Severity::High),
            c2,
        ];
        let dir = tempfile::tempdir().unwrap();
        for (o, n) in [(&old, &new), (&new, &old), (&old, &old), (&new, &new)] {
            let want = diff_findings(o, n);
            let got = OldFindings::new(o.clone(), dir.path())
                .unwrap()
                .diff(n.clone())
                .unwrap();
            assert_eq!(got, want);
        }
        // Unnamed: nothing is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
