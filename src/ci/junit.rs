//! `ci/junit.xml`: the gate as JUnit XML, the test report GitLab, Jenkins
//! and most CI servers read (checked against Jenkins' `junit-10.xsd`).
//!
//! One test suite, `reviewpack gate`. Each failing finding is a failed test
//! case of its own (named by severity, rule, principal, scope and id, with
//! the failure line and the finding's message and reasons), so a test report
//! lists exactly what to fix; each rule that ran and fails nothing is one
//! passed test case, named by its code (stable, so a report's history
//! follows it), saying how many findings it has. The counts add up: tests =
//! failing findings + passing rules; failures = failing findings; no errors
//! or skips. No time or host is written, so the same run gives the same
//! bytes.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::text::{visible, xml_attr, xml_text};
use super::{who, CiRun};

/// The test suite's name.
pub const SUITE: &str = "reviewpack gate";

/// The XML document, ending in a line end.
pub fn render(run: &CiRun<'_>) -> Vec<u8> {
    let attr = |s: &str| xml_attr(&visible(s));
    let failing_rules: BTreeSet<&str> = run.failing.iter().map(|f| f.rule.as_str()).collect();
    let mut cases = String::new();
    for fail in &run.failing {
        let finding = run.finding_of(&fail.id);
        let person = finding.map_or_else(
            || fail.principal.clone().unwrap_or_else(|| "account".into()),
            who,
        );
        let scope = fail.scope.as_deref().unwrap_or("account");
        let name = format!(
            "{} {} {person} at {scope} [finding {}]",
            fail.severity, fail.rule, fail.id
        );
        let mut body = String::new();
        if let Some(f) = finding {
            let _ = writeln!(body, "{}", visible(&f.message));
        }
        for why in &fail.why {
            let _ = writeln!(body, "- {}", visible(why));
        }
        let _ = writeln!(body, "finding {} (docs/rules.md, {})", fail.id, fail.rule);
        let _ = write!(
            cases,
            "    <testcase classname=\"{}\" name=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
            attr(&fail.rule),
            attr(&name),
            attr(&fail.rule),
            attr(&fail.line()),
            xml_text(&body),
        );
    }
    let mut passing = 0;
    for rule in run
        .rules
        .iter()
        .filter(|r| !failing_rules.contains(r.as_str()))
    {
        passing += 1;
        let of_rule = run.findings.iter().filter(|f| &f.rule == rule);
        let (n, exempt) = of_rule.fold((0, 0), |(n, e), f| (n + 1, e + usize::from(f.is_exempt())));
        let _ = write!(
            cases,
            "    <testcase classname=\"{}\" name=\"{}\">\n      <system-out>{}</system-out>\n    </testcase>\n",
            attr(rule),
            attr(rule),
            xml_text(&format!(
                "{n} finding(s), {exempt} exempt; none fails the gate ({}).",
                run.gate_words()
            )),
        );
    }
    let failures = run.failing.len();
    let tests = failures + passing;
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"reviewpack\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{SUITE}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
    );
    out.push_str("    <properties>\n");
    for (name, value) in [
        ("account", run.account_id.to_string()),
        ("evidence", run.evidence.to_string()),
        ("judged", run.verdict.judged.to_string()),
        ("fails_on", run.gate_words()),
        ("findings", run.counts_line()),
    ] {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            attr(&value)
        );
    }
    out.push_str("    </properties>\n");
    out.push_str(&cases);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::tests::{sample, HOSTILE};

    #[test]
    fn one_failed_case_per_failing_finding_one_passed_case_per_other_rule() {
        let (findings, verdict, policy) = sample();
        let run = CiRun::new(
            &findings,
            &[&verdict],
            ["admin-access"],
            &policy,
            "acct",
            "snapshot.json",
        );
        let xml = String::from_utf8(render(&run)).unwrap();
        assert!(xml.contains(
            "<testsuite name=\"reviewpack gate\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"0\">"
        ));
        assert_eq!(xml.matches("<testcase ").count(), 4);
        assert_eq!(xml.matches("<failure ").count(), 1);
        assert!(xml.contains("name=\"inactive-user\""));
        assert!(xml.contains("1 finding(s), 1 exempt; none fails the gate"));
        // The hostile name is escaped: no markup, no line break, no escape
        // sequence, no hidden character survives as itself.
        assert!(!xml.contains("<img"), "{xml}");
        assert!(xml.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!xml.contains('\u{1b}') && !xml.contains('\u{202e}'));
        assert!(xml.contains("⟨U+202E⟩"));
        assert!(!HOSTILE.is_empty());
        // Reading it back gives one failure whose message is the line.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut messages = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Start(e) if e.name().as_ref() == b"failure" => {
                    let m = e
                        .try_get_attribute("message")
                        .unwrap()
                        .unwrap()
                        .decode_and_unescape_value(reader.decoder())
                        .unwrap()
                        .into_owned();
                    messages.push(m);
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0], visible(&run.failing[0].line()));
    }
}
