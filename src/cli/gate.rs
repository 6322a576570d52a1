//! The options that decide when `report`, `diff` and `run` exit 1, and how a
//! failing gate is told on stderr (`-q` or not: a CI log must say why).

use std::collections::BTreeSet;

use anyhow::Context;
use clap::Args;

use crate::findings::{Gate, Rule, Severity, Verdict};

/// `--fail-on`, `--fail-on-rule`, `--fail-on-all`.
#[derive(Debug, Args, Default, Clone)]
pub(crate) struct GateArgs {
    /// Exit 1 when a non-exempt finding at or above this severity exists:
    /// info, low, medium, high or critical (default: never). With a
    /// previous snapshot (`run --previous`, `diff`) only findings that are
    /// new since it count, unless --fail-on-all.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Exit 1 when a non-exempt finding of this rule exists, whatever its
    /// severity (repeat, or separate with commas), such as
    /// privilege-escalation-path,admin-access: gate on chosen rules without
    /// raising their severity in the auditor's pack. New ones only with a
    /// previous snapshot, unless --fail-on-all.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub fail_on_rule: Vec<String>,
    /// With a previous snapshot, judge every finding, not only the new ones
    /// (a finding carried over from last time fails again).
    #[arg(long)]
    pub fail_on_all: bool,
}

/// A `--fail-on` word as a severity, or an error naming the choices.
pub(crate) fn fail_on_severity(s: &str) -> anyhow::Result<Severity> {
    Severity::parse(s).with_context(|| {
        format!("--fail-on {s:?} is not a severity: expected info, low, medium, high or critical")
    })
}

impl GateArgs {
    /// The gate these options ask for.
    pub(crate) fn gate(&self) -> anyhow::Result<Gate> {
        let fail_on = self.fail_on.as_deref().map(fail_on_severity).transpose()?;
        let mut rules = BTreeSet::new();
        for code in self
            .fail_on_rule
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            let rule = Rule::parse(code).with_context(|| {
                let known: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
                format!(
                    "--fail-on-rule {code:?} is not a rule code; known codes: {}",
                    known.join(", ")
                )
            })?;
            rules.insert(rule);
        }
        Ok(Gate {
            fail_on,
            rules,
            all: self.fail_on_all,
        })
    }
}

/// Prints a failing gate on stderr, even with `-q`: one line per failing
/// finding (the same finding judged twice, as `run --previous` judges the
/// pack's and the diff's, is told once), then the total. Returns true when
/// something fails.
pub(crate) fn tell(gate: &Gate, verdicts: &[&Verdict]) -> bool {
    let mut seen = BTreeSet::new();
    let mut n = 0;
    for v in verdicts {
        for f in &v.failing {
            if seen.insert(f.id.as_str()) {
                n += 1;
                eprintln!("reviewpack: FAIL {}", super::term_safe(&f.line()));
            }
        }
    }
    if n > 0 {
        let judged = verdicts.first().map_or("all findings", |v| v.judged);
        eprintln!(
            "reviewpack: failing: {n} finding(s) fail the gate ({}; judged: {judged}): exit 1",
            gate.describe()
        );
    }
    n > 0
}
