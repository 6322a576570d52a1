//! `ci/findings.sarif`: the findings as SARIF 2.1.0, shaped for GitHub code
//! scanning (docs/operations.md, "CI formats", says what GitHub does with
//! each property).
//!
//! - One run; `tool.driver` is reviewpack with the rules that produced a
//!   result (each with the rule's description, its level as the gate and the
//!   policy set it, and GitHub's `security-severity`).
//! - One result per finding not under an active exemption. GitHub code
//!   scanning does not honour SARIF's `suppressions` (github/codeql-action
//!   issue 1230): a suppressed result shows as an open alert. So an exempt
//!   finding is left out (its alert closes), and an expired exemption brings
//!   it back; the run's properties count the ones left out.
//! - `level`: `error` for a finding that fails the gate; otherwise `warning`
//!   for critical, high and medium, `note` for low and info.
//! - Locations: a finding is about an account, not a source line, and GitHub
//!   needs a physical location. It is the evidence file (`snapshot.json` in
//!   a pack, NEW's file name in a diff), line 1; the logical locations name
//!   the scope and the principal.
//! - `partialFingerprints`: the finding's stable id, so GitHub tracks the
//!   alert across runs. It is also given as `primaryLocationLineHash`:
//!   without it, GitHub's upload action hashes line 1 of the evidence file,
//!   the same line for every finding, which would fold a rule's findings
//!   into one alert.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::text::visible;
use super::{who, CiRun};
use crate::findings::{Finding, Level, Policy, Rule, Severity};

/// The `$schema` of the file: the OASIS SARIF 2.1.0 schema (errata 01),
/// the one tests/data/sarif-schema-2.1.0.json holds.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `partialFingerprints` key holding the finding's id.
pub const FINGERPRINT_KEY: &str = "reviewpackFindingId/v1";

/// The level of a finding that does not fail the gate.
fn level_of(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High | Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a score out of 10 it reads as critical
/// from 9.0, high from 7.0, medium from 4.0, low above 0); none for info.
fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

/// `uri-reference` text for a file name: every byte outside RFC 3986's
/// unreserved characters and `/` percent-encoded.
fn uri_path(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The rule's default level under this gate and policy: `error` when the
/// gate fails every finding of it (a rule set to deny, named by
/// `--fail-on-rule`, or at or above `--fail-on`).
fn rule_level(rule: Option<Rule>, code: &str, run: &CiRun<'_>, policy: &Policy) -> &'static str {
    let v = run.verdict;
    let Some(r) = rule else {
        return "warning";
    };
    let setting = policy.rule(r);
    let fails = setting.level == Level::Deny
        || v.fail_on_rules.contains(&code)
        || v.fail_on.is_some_and(|s| setting.severity >= s);
    if fails {
        "error"
    } else {
        level_of(setting.severity)
    }
}

fn descriptor(code: &str, run: &CiRun<'_>) -> Value {
    let rule = Rule::parse(code);
    let description = rule.map_or(code, |r| r.description());
    let severity = rule.map(|r| run.policy.rule(r).severity);
    let mut properties = json!({
        "tags": ["security", "access-review"],
    });
    if let Some(s) = severity {
        properties["severity"] = json!(s.as_str());
        if let Some(score) = security_severity(s) {
            properties["security-severity"] = json!(score);
        }
    }
    json!({
        "id": code,
        "shortDescription": {"text": description},
        "fullDescription": {"text": description},
        "help": {
            "text": format!(
                "{description} What it means, the controls it evidences, how to fix it in Harness and how to exempt it: docs/rules.md, section {code}."
            ),
            "markdown": format!(
                "{description}\n\nWhat it means, the controls it evidences, how to fix it in Harness and how to exempt it: reviewpack's `docs/rules.md`, section `{code}`."
            ),
        },
        "defaultConfiguration": {"level": rule_level(rule, code, run, run.policy)},
        "properties": properties,
    })
}

fn result(f: &Finding, rule_index: usize, run: &CiRun<'_>) -> Value {
    let failure = run.failure_of(&f.id);
    let level = if failure.is_some() {
        "error"
    } else {
        level_of(f.severity)
    };
    let scope = f.scope.as_deref().unwrap_or("account");
    let mut logical = vec![json!({
        "name": visible(scope),
        "fullyQualifiedName": visible(scope),
        "kind": "namespace",
    })];
    if let Some(p) = &f.principal {
        // A principal's id names its scope already (`sa:SCOPE/ID`).
        let mut about = json!({
            "principal_kind": visible(&p.kind),
            "display_name": visible(&p.name),
        });
        if let Some(email) = &p.email {
            about["email"] = json!(visible(email));
        }
        logical.push(json!({
            "name": visible(&p.id),
            "fullyQualifiedName": visible(&p.id),
            "kind": "resource",
            "properties": about,
        }));
    }
    let mut properties = json!({
        "severity": f.severity.as_str(),
        "fails_gate": failure.is_some(),
        "controls": f.controls.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
    });
    if let Some(fail) = failure {
        properties["why"] = json!(fail.why);
    }
    if let Some(e) = f.exempted.as_ref().filter(|e| !e.active) {
        properties["exemption"] = json!(visible(&e.note));
    }
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": visible(&format!("{} at {scope}: {}", who(f), f.message))},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri_path(run.evidence)},
                "region": {"startLine": 1},
            },
            "logicalLocations": logical,
        }],
        "partialFingerprints": {
            FINGERPRINT_KEY: f.id,
            "primaryLocationLineHash": format!("{}:1", f.id),
        },
        "properties": properties,
    })
}

/// The SARIF log, pretty-printed, ending in a line end.
pub fn render(run: &CiRun<'_>) -> Vec<u8> {
    let shown: Vec<&Finding> = run
        .findings
        .iter()
        .copied()
        .filter(|f| !f.is_exempt())
        .collect();
    let codes: Vec<&str> = shown
        .iter()
        .map(|f| f.rule.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rules: Vec<Value> = codes.iter().map(|c| descriptor(c, run)).collect();
    let results: Vec<Value> = shown
        .iter()
        .map(|f| {
            let index = codes.binary_search(&f.rule.as_str()).unwrap_or(0);
            result(f, index, run)
        })
        .collect();
    let v = run.verdict;
    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "reviewpack",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            // One category per account, so two accounts' uploads to one
            // repository do not close each other's alerts.
            "automationDetails": {"id": format!("reviewpack/{}/", visible(run.account_id))},
            "results": results,
            "properties": {
                "account_id": visible(run.account_id),
                "evidence": visible(run.evidence),
                "gate": {
                    "passed": run.passed(),
                    "judged": v.judged,
                    "fails_on": run.gate_words(),
                    "failing": run.failing.len(),
                },
                "findings": run.counts_line(),
                "exempt_findings_not_listed": run.findings.len() - shown.len(),
            },
        }],
    });
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("a JSON value serialises");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::tests::sample;

    #[test]
    fn failing_findings_are_errors_exempt_ones_left_out_and_ids_fingerprinted() {
        let (findings, verdict, policy) = sample();
        let run = CiRun::new(
            &findings,
            &[&verdict],
            [],
            &policy,
            "acct 1",
            "q4 snapshot.json",
        );
        let doc: Value = serde_json::from_slice(&render(&run)).unwrap();
        let r = &doc["runs"][0];
        let results = r["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "the exempt finding is left out");
        assert_eq!(results[0]["ruleId"], "privilege-escalation-path");
        assert_eq!(results[0]["level"], "error");
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(results[0]["partialFingerprints"][FINGERPRINT_KEY], "a1");
        assert_eq!(
            results[0]["partialFingerprints"]["primaryLocationLineHash"],
            "a1:1"
        );
        let loc = &results[0]["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "q4%20snapshot.json"
        );
        assert_eq!(loc["physicalLocation"]["region"]["startLine"], 1);
        assert_eq!(loc["logicalLocations"][0]["name"], "account");
        assert_eq!(loc["logicalLocations"][1]["name"], "u-a1");
        let text = results[0]["message"]["text"].as_str().unwrap();
        assert!(text.contains("\\n::error::fake"), "{text}");
        assert!(text.contains("⟨U+202E⟩"), "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains('\n'), "{text}");
        let rules = r["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|x| x["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["inactive-user", "privilege-escalation-path"]);
        assert_eq!(results[0]["ruleIndex"], 1);
        // high is at --fail-on high: the rule's default level is error.
        assert_eq!(rules[1]["defaultConfiguration"]["level"], "error");
        assert_eq!(rules[0]["defaultConfiguration"]["level"], "warning");
        assert_eq!(rules[1]["properties"]["security-severity"], "8.0");
        assert_eq!(r["properties"]["exempt_findings_not_listed"], 1);
        assert_eq!(r["automationDetails"]["id"], "reviewpack/acct 1/");
    }
}
