//! Under GitHub Actions: an `::error` workflow command per failing finding
//! (an annotation on the run) and the step summary's Markdown. The CLI
//! prints the one and appends the other to `$GITHUB_STEP_SUMMARY`.
//!
//! Untrusted text is made visible, then escaped as GitHub reads it: a
//! command's message with `%`, CR and LF percent-encoded (its properties
//! with `:` and `,` too), so a name cannot end the line or start a command;
//! a summary cell as a code span, so no Markdown, HTML or link in a name is
//! rendered.

use std::fmt::Write;

use super::text::{md_code, md_text, visible, workflow_data, workflow_property};
use super::{who, CiRun};

/// At most this many annotations: GitHub shows only the first few of a
/// step, and the step summary lists every failing finding anyway.
pub const MAX_ANNOTATIONS: usize = 50;

/// At most this many rows in the summary's table: a step summary is limited
/// to 1 MiB, and ci/junit.xml lists every failing finding.
pub const MAX_SUMMARY_ROWS: usize = 200;

/// One `::error title=…::…` line per failing finding (at most
/// [`MAX_ANNOTATIONS`], then a `::notice` saying how many more).
pub fn annotations(run: &CiRun<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    for fail in run.failing.iter().take(MAX_ANNOTATIONS) {
        let finding = run.finding_of(&fail.id);
        let person = finding.map_or_else(
            || fail.principal.clone().unwrap_or_else(|| "account".into()),
            who,
        );
        let scope = fail.scope.as_deref().unwrap_or("account");
        let title = format!("reviewpack: {} {}", fail.severity, fail.rule);
        let mut message = format!("{person} at {scope}");
        if let Some(f) = finding {
            message.push_str(": ");
            message.push_str(&f.message);
        }
        // Our own line ends, which the escaping turns into %0A: GitHub shows
        // them as line breaks in the annotation.
        let message = format!(
            "{}\n{}\nfinding {}",
            visible(&message),
            visible(&fail.why.join("; ")),
            fail.id
        );
        lines.push(format!(
            "::error title={}::{}",
            workflow_property(&visible(&title)),
            workflow_data(&message)
        ));
    }
    if run.failing.len() > MAX_ANNOTATIONS {
        lines.push(format!(
            "::notice title=reviewpack::{} more failing findings: see the step summary and ci/junit.xml",
            run.failing.len() - MAX_ANNOTATIONS
        ));
    }
    lines
}

/// The step summary: the verdict, the counts, and a table of the failing
/// findings (at most [`MAX_SUMMARY_ROWS`]). `command` names the command
/// (`report`, `diff`, `run`).
pub fn step_summary(run: &CiRun<'_>, command: &str) -> String {
    let mut out = String::new();
    let n = run.failing.len();
    let _ = writeln!(
        out,
        "### reviewpack {}: {}\n",
        md_text(command),
        if n == 0 {
            "the gate passed".to_string()
        } else {
            format!("{n} finding(s) fail the gate")
        }
    );
    let _ = writeln!(
        out,
        "Account {}, evidence {}. Fails on: {}. Judged: {}.\n",
        md_code(run.account_id),
        md_code(run.evidence),
        md_text(&run.gate_words()),
        md_text(run.verdict.judged),
    );
    let _ = writeln!(out, "Findings: {}.\n", md_text(&run.counts_line()));
    if n > 0 {
        out.push_str("| severity | rule | principal | scope | finding | why |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for fail in run.failing.iter().take(MAX_SUMMARY_ROWS) {
            let person = run.finding_of(&fail.id).map_or_else(
                || fail.principal.clone().unwrap_or_else(|| "account".into()),
                who,
            );
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md_text(fail.severity.as_str()),
                md_code(&fail.rule),
                md_code(&person),
                md_code(fail.scope.as_deref().unwrap_or("account")),
                md_code(&fail.id),
                md_text(&fail.why.join("; ")),
            );
        }
        if n > MAX_SUMMARY_ROWS {
            let _ = writeln!(
                out,
                "\n{} more failing finding(s): ci/junit.xml and the gate in findings.json or diff.json list them all.",
                n - MAX_SUMMARY_ROWS
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::tests::sample;

    #[test]
    fn annotations_and_the_summary_keep_a_hostile_name_inert() {
        let (findings, verdict, policy) = sample();
        let run = CiRun::new(&findings, &[&verdict], [], &policy, "acct", "snapshot.json");
        let lines = annotations(&run);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert!(line.starts_with("::error title=reviewpack%3A high privilege-escalation-path::"));
        // One line; the name's own newline and workflow command are text.
        assert!(!line.contains('\n') && !line.contains('\r'));
        assert!(line.contains("\\n::error::fake"), "{line}");
        assert!(
            line.contains("%250A"),
            "a literal %0A stays literal: {line}"
        );
        assert!(line.contains("%0Anew since") || line.contains("%0Ahigh is at or above"));

        let md = step_summary(&run, "report");
        assert!(md.starts_with("### reviewpack report: 1 finding(s) fail the gate"));
        let row = md
            .lines()
            .find(|l| l.starts_with("| high |"))
            .expect("a row");
        // Six cells: every pipe of the name is escaped.
        assert_eq!(row.matches(" | ").count(), 5, "{row}");
        assert!(row.contains(" \\| "), "{row}");
        assert!(row.contains("```=HYPERLINK"), "{row}");
        assert!(!md.contains("\n::error"));
        assert!(!md.contains('\u{202e}'));
    }
}
