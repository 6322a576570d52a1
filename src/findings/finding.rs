//! What a finding is: the data every rule produces and every output reads
//! (design.md section 7). Plain data with no behaviour beyond naming and
//! ordering severities, so the rules, the policy, the runner and the
//! outputs can all depend on it without depending on each other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How much a finding matters, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Inventory: no action needed by itself.
    Info,
    /// Hygiene.
    Low,
    /// Needs a decision this review.
    Medium,
    /// Needs action.
    High,
    /// The review itself is compromised (incomplete population).
    Critical,
}

impl Severity {
    /// Every severity, strongest first: the order of every summary.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lowercase name.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The principal a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingPrincipal {
    /// `user`, `service_account` or `user_group`.
    pub kind: String,
    /// User uuid, `sa:SCOPE/ID` or `group:SCOPE/ID`.
    pub id: String,
    /// Display name (untrusted).
    pub name: String,
    /// Email, when there is one (untrusted).
    pub email: Option<String>,
}

/// A control a finding evidences, with why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ControlRef {
    /// `SOC2:CC6.3` or `ISO27001:A.8.2`.
    pub id: String,
    /// One line: why this finding bears on it.
    pub why: String,
}

/// An exemption that matched a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionStatus {
    /// True while the exemption applies (not expired).
    pub active: bool,
    /// The reason given.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// When it expires (YYYY-MM-DD).
    pub expires: String,
    /// `exempt until …` or `exemption expired on …; finding applies again`.
    pub note: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id: a hash of rule, principal, scope and evidence keys.
    pub id: String,
    /// The rule code, such as `admin-without-2fa`.
    pub rule: String,
    /// Severity after policy overrides.
    pub severity: Severity,
    /// Who it is about, when it is about a principal.
    pub principal: Option<FindingPrincipal>,
    /// The scope it concerns (`account`, `org:ORG`, `project:ORG/PROJECT`).
    pub scope: Option<String>,
    /// One sentence.
    pub message: String,
    /// The facts behind it: paths, assignment ids, thresholds used.
    pub evidence: BTreeMap<String, serde_json::Value>,
    /// The controls it evidences.
    pub controls: Vec<ControlRef>,
    /// The exemption that matched, if any.
    pub exempted: Option<ExemptionStatus>,
}

impl Finding {
    /// True when an active exemption hides it from `--fail-on`.
    pub fn is_exempt(&self) -> bool {
        self.exempted.as_ref().is_some_and(|e| e.active)
    }
}
