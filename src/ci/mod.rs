//! CI's own formats (`--ci-format`): what a CI server reads of a run's
//! findings and gate, written into the pack or the diff before it is sealed.
//!
//! - [`sarif`]: `ci/findings.sarif`, SARIF 2.1.0 for GitHub code scanning;
//! - [`junit`]: `ci/junit.xml`, JUnit XML for GitLab and most CI servers;
//! - [`github`]: under GitHub Actions, the workflow-command annotations and
//!   the step summary's Markdown (the CLI prints and appends them).
//!
//! Each is a pure function of one [`CiRun`]: the findings, the gate's
//! verdicts, the rules that ran and the policy. Nothing reads the clock, the
//! host or the output path, so the same input gives the same bytes. Names,
//! emails and identifiers come from Harness and are untrusted: each writer
//! makes them visible first ([`text::visible`]: control characters escaped,
//! hidden characters marked, as in every human view), then escapes them for
//! its own format. This module prints nothing and writes only under the
//! directory it is given.

pub mod github;
pub mod junit;
pub mod sarif;
mod text;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use crate::findings::{finding_order, Failure, Finding, Policy, Severity, Verdict};

/// A CI format (`--ci-format` word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CiFormat {
    /// `ci/findings.sarif`.
    Sarif,
    /// `ci/junit.xml`.
    Junit,
}

impl CiFormat {
    /// Parses one `--ci-format` word.
    pub fn parse(s: &str) -> Option<CiFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sarif" => Some(CiFormat::Sarif),
            "junit" => Some(CiFormat::Junit),
            _ => None,
        }
    }

    /// The `--ci-format` word.
    pub fn as_str(self) -> &'static str {
        match self {
            CiFormat::Sarif => "sarif",
            CiFormat::Junit => "junit",
        }
    }

    /// Its file, relative to the output directory.
    pub fn path(self) -> &'static str {
        match self {
            CiFormat::Sarif => "ci/findings.sarif",
            CiFormat::Junit => "ci/junit.xml",
        }
    }
}

/// What one run found and how its gate judged it, as the CI formats read it.
pub struct CiRun<'a> {
    /// Every finding (exempt ones included), sorted, each id once.
    pub findings: Vec<&'a Finding>,
    /// The failing findings of every verdict, each id once, in the order
    /// the verdicts give them.
    pub failing: Vec<&'a Failure>,
    /// The first verdict: what the gate was asked and what it judged.
    pub verdict: &'a Verdict,
    /// Every rule that ran (and every rule a finding names), sorted.
    pub rules: Vec<String>,
    /// The policy the findings were evaluated with (rule severities and
    /// levels).
    pub policy: &'a Policy,
    /// The account the findings are about.
    pub account_id: &'a str,
    /// The evidence file the findings were made from, by name only
    /// (`snapshot.json` in a pack; NEW's file name in a diff).
    pub evidence: &'a str,
}

impl<'a> CiRun<'a> {
    /// Gathers a run. `findings` may repeat an id (a pack and its diff both
    /// hold the findings of the snapshot): the first is kept. `verdicts`
    /// must not be empty; a finding failing in several is told once, as the
    /// first says it.
    pub fn new(
        findings: impl IntoIterator<Item = &'a Finding>,
        verdicts: &[&'a Verdict],
        rules: impl IntoIterator<Item = &'a str>,
        policy: &'a Policy,
        account_id: &'a str,
        evidence: &'a str,
    ) -> CiRun<'a> {
        let mut seen = HashSet::new();
        let mut kept: Vec<&Finding> = findings
            .into_iter()
            .filter(|f| seen.insert(f.id.as_str()))
            .collect();
        kept.sort_by(|a, b| finding_order(a, b));
        let mut told = HashSet::new();
        let failing: Vec<&Failure> = verdicts
            .iter()
            .flat_map(|v| v.failing.iter())
            .filter(|f| told.insert(f.id.as_str()))
            .collect();
        let mut names: BTreeSet<String> = rules.into_iter().map(str::to_string).collect();
        names.extend(kept.iter().map(|f| f.rule.clone()));
        CiRun {
            findings: kept,
            failing,
            verdict: verdicts[0],
            rules: names.into_iter().collect(),
            policy,
            account_id,
            evidence,
        }
    }

    /// True when nothing fails the gate.
    pub fn passed(&self) -> bool {
        self.failing.is_empty()
    }

    /// The failure of a finding, if it fails.
    fn failure_of(&self, id: &str) -> Option<&'a Failure> {
        self.failing.iter().copied().find(|f| f.id == id)
    }

    /// The finding a failure is about, if the run holds it.
    fn finding_of(&self, id: &str) -> Option<&'a Finding> {
        self.findings.iter().copied().find(|f| f.id == id)
    }

    /// Non-exempt findings per severity, and the exempt ones apart.
    fn counts(&self) -> (BTreeMap<Severity, usize>, usize) {
        let mut by = BTreeMap::new();
        let mut exempt = 0;
        for f in &self.findings {
            if f.is_exempt() {
                exempt += 1;
            } else {
                *by.entry(f.severity).or_default() += 1;
            }
        }
        (by, exempt)
    }

    /// `0 critical, 1 high, 3 medium, 2 low, 5 info (1 exempt)`.
    pub fn counts_line(&self) -> String {
        let (by, exempt) = self.counts();
        let parts: Vec<String> = Severity::DESCENDING
            .iter()
            .map(|s| format!("{} {s}", by.get(s).copied().unwrap_or(0)))
            .collect();
        format!("{} ({exempt} exempt)", parts.join(", "))
    }

    /// What the gate fails on, in words (`--fail-on high, rules set to deny
    /// in the policy (none)`).
    pub fn gate_words(&self) -> String {
        let v = self.verdict;
        let mut parts = Vec::new();
        if let Some(s) = v.fail_on {
            parts.push(format!("--fail-on {s}"));
        }
        for r in &v.fail_on_rules {
            parts.push(format!("--fail-on-rule {r}"));
        }
        parts.push(if v.denied_rules.is_empty() {
            "rules set to deny in the policy (none)".to_string()
        } else {
            format!(
                "rules set to deny in the policy ({})",
                v.denied_rules.join(", ")
            )
        });
        parts.join(", ")
    }
}

/// Who a finding is about, for people: `Name (email)`, `Name (id)`, or
/// `account` when it is about no principal. Untrusted: escape it for the
/// format it goes into.
fn who(f: &Finding) -> String {
    match &f.principal {
        Some(p) => format!("{} ({})", p.name, p.email.as_deref().unwrap_or(&p.id)),
        None => "account".to_string(),
    }
}

/// Writes the asked formats under `dir/ci/`; returns their paths relative
/// to `dir`, sorted.
pub fn write(dir: &Path, formats: &[CiFormat], run: &CiRun<'_>) -> std::io::Result<Vec<String>> {
    let mut files = Vec::new();
    if formats.is_empty() {
        return Ok(files);
    }
    std::fs::create_dir_all(dir.join("ci"))?;
    for f in formats {
        let bytes = match f {
            CiFormat::Sarif => sarif::render(run),
            CiFormat::Junit => junit::render(run),
        };
        std::fs::write(dir.join(f.path()), bytes)?;
        files.push(f.path().to_string());
    }
    files.sort();
    files.dedup();
    Ok(files)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::findings::{judge, ExemptionStatus, FindingPrincipal, Gate, Rule};

    /// A hostile name: markup, a formula, a pipe, backticks, a newline, a
    /// workflow command, an escape sequence and a right-to-left override.
    pub(crate) const HOSTILE: &str =
        "=HYPERLINK(\"x\") | <img src=x onerror=alert(1)> `a``b` **b**\n::error::fake %0A \u{1b}[31m\u{202e}gnp.exe";

    pub(crate) fn finding(id: &str, rule: Rule, severity: Severity, name: &str) -> Finding {
        Finding {
            id: id.into(),
            rule: rule.code().into(),
            severity,
            principal: Some(FindingPrincipal {
                kind: "user".into(),
                id: format!("u-{id}"),
                name: name.into(),
                email: Some(format!("{id}@example.com")),
            }),
            scope: Some("account".into()),
            message: format!("message of {id} & <b>"),
            evidence: Default::default(),
            controls: Vec::new(),
            exempted: None,
        }
    }

    /// Three findings: a failing high one with a hostile name, a medium one
    /// that does not fail, and an exempt high one; `--fail-on high`.
    pub(crate) fn sample() -> (Vec<Finding>, Verdict, Policy) {
        let policy = Policy::default();
        let mut exempt = finding("c3", Rule::AdminWithout2fa, Severity::High, "Ann");
        exempt.exempted = Some(ExemptionStatus {
            active: true,
            reason: "accepted".into(),
            approved_by: "ciso".into(),
            expires: "2027-01-31".into(),
            note: String::new(),
        });
        let findings = vec![
            finding("a1", Rule::PrivilegeEscalationPath, Severity::High, HOSTILE),
            finding("b2", Rule::InactiveUser, Severity::Medium, "Bo"),
            exempt,
        ];
        let gate = Gate {
            fail_on: Some(Severity::High),
            ..Gate::default()
        };
        let verdict = judge(&findings, &policy, &gate, None);
        (findings, verdict, policy)
    }

    #[test]
    fn a_run_keeps_each_finding_and_each_failure_once() {
        let (findings, verdict, policy) = sample();
        let run = CiRun::new(
            findings.iter().chain(&findings),
            &[&verdict, &verdict],
            ["inactive-user", "admin-access"],
            &policy,
            "acct",
            "snapshot.json",
        );
        assert_eq!(run.findings.len(), 3);
        assert_eq!(run.findings[0].severity, Severity::High);
        assert_eq!(run.failing.len(), 1);
        assert_eq!(run.failing[0].id, "a1");
        assert_eq!(
            run.rules,
            [
                "admin-access",
                "admin-without-2fa",
                "inactive-user",
                "privilege-escalation-path"
            ]
        );
        assert_eq!(
            run.counts_line(),
            "0 critical, 1 high, 1 medium, 0 low, 0 info (1 exempt)"
        );
        assert_eq!(
            run.gate_words(),
            "--fail-on high, rules set to deny in the policy (none)"
        );
    }
}
