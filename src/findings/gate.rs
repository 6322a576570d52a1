//! The gate: which findings fail a run, and why, in words a CI log can show.
//!
//! A finding fails when it is not under an active exemption and it is at or
//! above `--fail-on`, of a rule named with `--fail-on-rule`, or of a rule the
//! policy sets to `deny`. With a previous snapshot (`run --previous`,
//! `diff`), only findings that are new since it are judged, unless
//! `--fail-on-all` asks for every finding: a weekly job then fails on the new
//! admin, not forever on last month's accepted ones.
//!
//! The verdict goes into `findings.json` and `diff.json` (`gate`), and one
//! line per failing finding goes to stderr, `-q` or not.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use super::finding::{Finding, Severity};
use super::policy::{Level, Policy};
use super::rule::Rule;

/// What fails a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gate {
    /// `--fail-on`: at or above this severity.
    pub fail_on: Option<Severity>,
    /// `--fail-on-rule`: of these rules, whatever their severity.
    pub rules: BTreeSet<Rule>,
    /// `--fail-on-all`: with a previous snapshot, judge every finding, not
    /// only the new ones.
    pub all: bool,
}

impl Gate {
    /// True when nothing but the policy's `deny` levels can fail a run.
    pub fn is_empty(&self) -> bool {
        self.fail_on.is_none() && self.rules.is_empty()
    }

    /// What the gate fails on, in words (`--fail-on high, --fail-on-rule
    /// admin-new, rules set to deny`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.fail_on {
            parts.push(format!("--fail-on {s}"));
        }
        for r in &self.rules {
            parts.push(format!("--fail-on-rule {}", r.code()));
        }
        parts.push("rules set to deny in the policy".to_string());
        parts.join(", ")
    }
}

/// One failing finding and why it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The finding's id.
    pub id: String,
    /// Its rule.
    pub rule: String,
    /// Its severity.
    pub severity: Severity,
    /// Who it is about: an email, else the principal's id.
    pub principal: Option<String>,
    /// Its scope.
    pub scope: Option<String>,
    /// Why it fails, each reason a phrase: `new since the previous
    /// snapshot`, `high is at or above --fail-on high`, `--fail-on-rule
    /// admin-new`, `rule … is set to deny`, `no exemption matches` or
    /// `its exemption expired on DATE`.
    pub why: Vec<String>,
}

impl Failure {
    /// One line for a CI log: `high privilege-escalation-path
    /// grace@example.com at account [id …]: new since …; …`.
    pub fn line(&self) -> String {
        let who = self.principal.as_deref().unwrap_or("-");
        let scope = self.scope.as_deref().unwrap_or("-");
        format!(
            "{} {} {} at {} [finding {}]: {}",
            self.severity,
            self.rule,
            who,
            scope,
            self.id,
            self.why.join("; ")
        )
    }
}

/// What the gate decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `--fail-on`, if given.
    pub fail_on: Option<Severity>,
    /// `--fail-on-rule` codes, sorted.
    pub fail_on_rules: Vec<&'static str>,
    /// The rules the policy sets to `deny`, sorted.
    pub denied_rules: Vec<&'static str>,
    /// `all findings`, or `new findings since the previous snapshot`.
    pub judged: &'static str,
    /// True when nothing fails.
    pub passed: bool,
    /// The failing findings, in the findings' order.
    pub failing: Vec<Failure>,
    /// The policy's exemptions: what each matched and whether it lapses
    /// soon (filled in by the caller that knows the run's time).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<ExemptionUse>,
}

/// `judged` when every finding is judged.
pub const JUDGED_ALL: &str = "all findings";
/// `judged` when only findings new since the previous snapshot are.
pub const JUDGED_NEW: &str = "new findings since the previous snapshot";

/// Judges `findings`. `previous` holds the ids of the previous snapshot's
/// findings when there is one; unless the gate judges all, a finding whose
/// id is among them does not fail.
pub fn judge<'f>(
    findings: impl IntoIterator<Item = &'f Finding>,
    policy: &Policy,
    gate: &Gate,
    previous: Option<&HashSet<String>>,
) -> Verdict {
    let only_new = previous.filter(|_| !gate.all);
    let denied: Vec<&'static str> = Rule::ALL
        .iter()
        .filter(|r| policy.rule(**r).level == Level::Deny)
        .map(|r| r.code())
        .collect();
    let mut failing = Vec::new();
    for f in findings {
        if f.is_exempt() {
            continue;
        }
        if only_new.is_some_and(|old| old.contains(&f.id)) {
            continue;
        }
        let rule = Rule::parse(&f.rule);
        let mut why = Vec::new();
        if only_new.is_some() {
            why.push("new since the previous snapshot".to_string());
        }
        let mut fails = false;
        if let Some(s) = gate.fail_on.filter(|s| f.severity >= *s) {
            fails = true;
            why.push(format!("{} is at or above --fail-on {s}", f.severity));
        }
        if let Some(r) = rule.filter(|r| gate.rules.contains(r)) {
            fails = true;
            why.push(format!("--fail-on-rule {}", r.code()));
        }
        if let Some(r) = rule.filter(|r| policy.rule(*r).level == Level::Deny) {
            fails = true;
            why.push(format!("rule {} is set to deny in the policy", r.code()));
        }
        if !fails {
            continue;
        }
        why.push(match &f.exempted {
            Some(e) => format!("its exemption expired on {}", e.expires),
            None => "no exemption matches".to_string(),
        });
        failing.push(Failure {
            id: f.id.clone(),
            rule: f.rule.clone(),
            severity: f.severity,
            principal: f
                .principal
                .as_ref()
                .map(|p| p.email.clone().unwrap_or_else(|| p.id.clone())),
            scope: f.scope.clone(),
            why,
        });
    }
    Verdict {
        fail_on: gate.fail_on,
        fail_on_rules: gate.rules.iter().map(|r| r.code()).collect(),
        denied_rules: denied,
        judged: if only_new.is_some() {
            JUDGED_NEW
        } else {
            JUDGED_ALL
        },
        passed: failing.is_empty(),
        failing,
        exemptions: Vec::new(),
    }
}

/// How one exemption of the policy was used: how many findings it
/// matched (a baseline entry matching nothing is a typo, or access since
/// removed) and whether it is about to lapse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExemptionUse {
    /// Its place in the policy (1-based), counting included files after
    /// the policy's own entries in the order they are included.
    pub number: usize,
    /// The included file it comes from (`None`: the policy file).
    pub source: Option<String>,
    /// The rule it names.
    pub rule: String,
    /// The principal it names.
    pub principal: Option<String>,
    /// The scope it names.
    pub scope: Option<String>,
    /// The finding id it names.
    pub id: Option<String>,
    /// Who approved it.
    pub approved_by: String,
    /// Its last day.
    pub expires: String,
    /// Days from the run's as-of day to its last day (negative: expired).
    pub days_left: i64,
    /// `active`, `expiring` (within the policy's `exemption_warn_days`) or
    /// `expired`.
    pub state: &'static str,
    /// How many findings it matched.
    pub matched: usize,
}

impl ExemptionUse {
    /// `exemption 3 (baseline.toml: privilege-escalation-path, grace@…)`.
    pub fn label(&self) -> String {
        let mut what = vec![self.rule.clone()];
        what.extend(self.principal.clone());
        what.extend(self.scope.clone());
        what.extend(self.id.as_ref().map(|i| format!("finding {i}")));
        format!(
            "exemption {} ({}{})",
            self.number,
            self.source
                .as_ref()
                .map(|s| format!("{s}: "))
                .unwrap_or_default(),
            what.join(", ")
        )
    }
}

/// Every exemption of the policy with its matches and state as of `as_of`.
pub fn exemption_uses(
    policy: &Policy,
    findings: &[Finding],
    as_of: chrono::DateTime<chrono::Utc>,
) -> Vec<ExemptionUse> {
    if policy.exemptions.is_empty() {
        return Vec::new();
    }
    let index = super::policy::ExemptionIndex::new(&policy.exemptions);
    let mut matched = vec![0usize; policy.exemptions.len()];
    for f in findings {
        for i in index.matching(f) {
            matched[i] += 1;
        }
    }
    let today = as_of.date_naive();
    let warn = i64::from(policy.thresholds.exemption_warn_days);
    policy
        .exemptions
        .iter()
        .zip(matched)
        .enumerate()
        .map(|(i, (e, matched))| {
            let days_left = (e.expires - today).num_days();
            ExemptionUse {
                number: i + 1,
                source: e.source.clone(),
                rule: e.rule.clone(),
                principal: e.principal.clone(),
                scope: e.scope.clone(),
                id: e.id.clone(),
                approved_by: e.approved_by.clone(),
                expires: e.expires.to_string(),
                days_left,
                state: if days_left < 0 {
                    "expired"
                } else if days_left <= warn {
                    "expiring"
                } else {
                    "active"
                },
                matched,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{ExemptionStatus, FindingPrincipal};

    fn finding(id: &str, rule: Rule, severity: Severity) -> Finding {
        Finding {
            id: id.into(),
            rule: rule.code().into(),
            severity,
            principal: Some(FindingPrincipal {
                kind: "user".into(),
                id: "u1".into(),
                name: "Ann".into(),
                email: Some("ann@example.com".into()),
            }),
            scope: Some("account".into()),
            message: String::new(),
            evidence: Default::default(),
            controls: Vec::new(),
            exempted: None,
        }
    }

    #[test]
    fn only_new_findings_fail_unless_all_are_judged_and_each_says_why() {
        let policy = Policy::default();
        let old = finding("old1", Rule::AdminWithout2fa, Severity::High);
        let new = finding("new1", Rule::PrivilegeEscalationPath, Severity::High);
        let low = finding("new2", Rule::InactiveUser, Severity::Low);
        let findings = vec![old, new, low];
        let previous: HashSet<String> = ["old1".to_string()].into();
        let gate = Gate {
            fail_on: Some(Severity::High),
            ..Gate::default()
        };
        let v = judge(&findings, &policy, &gate, Some(&previous));
        assert!(!v.passed);
        assert_eq!(v.judged, JUDGED_NEW);
        let ids: Vec<&str> = v.failing.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, vec!["new1"]);
        assert_eq!(
            v.failing[0].line(),
            "high privilege-escalation-path ann@example.com at account [finding new1]: new since the previous snapshot; high is at or above --fail-on high; no exemption matches"
        );
        // --fail-on-all: the carried-over one fails too.
        let all = Gate {
            all: true,
            ..gate.clone()
        };
        let v = judge(&findings, &policy, &all, Some(&previous));
        assert_eq!(v.judged, JUDGED_ALL);
        assert_eq!(v.failing.len(), 2);
        // Without a previous snapshot every finding is judged.
        assert_eq!(judge(&findings, &policy, &gate, None).failing.len(), 2);
        // --fail-on-rule gates a rule without raising its severity.
        let by_rule = Gate {
            rules: [Rule::InactiveUser].into(),
            ..Gate::default()
        };
        let v = judge(&findings, &policy, &by_rule, Some(&previous));
        assert_eq!(v.failing.len(), 1);
        assert_eq!(v.failing[0].severity, Severity::Low);
        assert!(v.failing[0]
            .why
            .contains(&"--fail-on-rule inactive-user".to_string()));
        // Nothing asked: nothing fails.
        assert!(judge(&findings, &policy, &Gate::default(), None).passed);
    }

    #[test]
    fn an_active_exemption_hides_a_finding_and_an_expired_one_is_named() {
        let policy = Policy::default();
        let status = |active: bool| ExemptionStatus {
            active,
            reason: "accepted".into(),
            approved_by: "cto".into(),
            expires: "2026-11-30".into(),
            note: String::new(),
        };
        let mut f = finding("x", Rule::AdminWithout2fa, Severity::High);
        let gate = Gate {
            fail_on: Some(Severity::High),
            ..Gate::default()
        };
        f.exempted = Some(status(true));
        assert!(judge(std::slice::from_ref(&f), &policy, &gate, None).passed);
        f.exempted = Some(status(false));
        let v = judge(std::slice::from_ref(&f), &policy, &gate, None);
        assert_eq!(
            v.failing[0].why.last().map(String::as_str),
            Some("its exemption expired on 2026-11-30")
        );
    }
}
