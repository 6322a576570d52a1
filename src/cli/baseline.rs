//! `reviewpack baseline PACK -o FILE --until DATE --approved-by NAME`:
//! accepts what a pack found, until a day, as a file of exemptions the
//! policy includes (`include = ["FILE"]`), so a scheduled job gates on what
//! is new without hand-written entries, and the acceptance lapses instead of
//! rotting.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::Args;

use crate::findings::{Finding, Rule};
use crate::output::seal::verify_sums;

use super::Output;

#[derive(Debug, Args)]
pub(crate) struct BaselineArgs {
    /// The pack whose findings are accepted (its findings.json; the pack
    /// must match its SHA256SUMS).
    pack: PathBuf,
    /// The exemptions file to write (TOML); name it in the policy with
    /// `include = ["FILE"]`.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: PathBuf,
    /// The last day the acceptance holds (YYYY-MM-DD); after it the
    /// findings fail the gate again.
    #[arg(long, value_name = "DATE")]
    until: String,
    /// Who accepts them (recorded in every entry and in findings.json).
    #[arg(long, value_name = "NAME")]
    approved_by: String,
    /// Why (default: "accepted as found in the pack of snapshot SHA").
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// Only findings of these rules (repeat, or separate with commas).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    rule: Vec<String>,
    /// Replace FILE when it exists.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: BaselineArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let until = NaiveDate::parse_from_str(args.until.trim(), "%Y-%m-%d")
        .with_context(|| format!("--until {:?} is not a date such as 2027-03-31", args.until))?;
    let approved_by = args.approved_by.trim();
    if approved_by.is_empty() {
        bail!("--approved-by names nobody: name the person who accepts these findings");
    }
    let mut rules = Vec::new();
    for code in args.rule.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        rules.push(Rule::parse(code).with_context(|| {
            format!("--rule {code:?} is not a rule code (docs/rules.md lists them)")
        })?);
    }
    if args.out.exists() && !args.force {
        bail!("{} exists; pass --force to replace it", args.out.display());
    }
    let bad = verify_sums(&args.pack).with_context(|| {
        format!(
            "{} is not a pack reviewpack sealed (no readable SHA256SUMS)",
            args.pack.display()
        )
    })?;
    if !bad.is_empty() {
        bail!(
            "{} does not match its seal, so it was changed after it was made: {}",
            args.pack.display(),
            bad.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
        );
    }
    let path = args.pack.join("findings.json");
    let doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("{} is not JSON", path.display()))?;
    let findings: Vec<Finding> = serde_json::from_value(doc["findings"].clone())
        .with_context(|| format!("{}: its findings cannot be read", path.display()))?;
    let sha = doc["snapshot_sha256"].as_str().unwrap_or("");
    let captured = doc["snapshot_captured_at"].as_str().unwrap_or("");
    let account = doc["account_id"].as_str().unwrap_or("");
    let reason = args
        .reason
        .clone()
        .unwrap_or_else(|| format!("accepted as found in the pack of snapshot {sha}"));
    let chosen: Vec<&Finding> = findings
        .iter()
        .filter(|f| !f.is_exempt())
        .filter(|f| rules.is_empty() || Rule::parse(&f.rule).is_some_and(|r| rules.contains(&r)))
        .collect();
    let text = render(&chosen, &reason, approved_by, until, sha, account, captured);
    crate::atomic::write_file(&args.out, text.as_bytes())
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    out.note(format_args!(
        "wrote {}: {} finding(s) accepted until {until} (approved by {}); name it in the policy with include = [{:?}]",
        args.out.display(),
        chosen.len(),
        super::term_safe(approved_by),
        file_name(&args.out)
    ));
    Ok(ExitCode::SUCCESS)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A TOML string: every value is quoted by the TOML writer, so a name from
/// Harness cannot end the string or start a table.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The file: a header saying what it is, then one `[[exempt]]` per finding
/// in the findings' order, each naming the finding's id (and rule,
/// principal and scope, which must match too).
fn render(
    findings: &[&Finding],
    reason: &str,
    approved_by: &str,
    until: NaiveDate,
    sha: &str,
    account: &str,
    captured: &str,
) -> String {
    let mut t = String::new();
    let clean = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    let _ = writeln!(
        t,
        "# Exemptions written by `reviewpack baseline`: {} finding(s) of snapshot {} (account {}, captured {}),",
        findings.len(),
        clean(sha),
        clean(account),
        clean(captured)
    );
    let _ = writeln!(
        t,
        "# accepted until {until}. Name this file in the policy: include = [\"FILE\"]. After {until} they fail the gate again."
    );
    for f in findings {
        t.push_str("\n[[exempt]]\n");
        let _ = writeln!(t, "rule = {}", quoted(&f.rule));
        let _ = writeln!(t, "id = {}", quoted(&f.id));
        if let Some(p) = &f.principal {
            let _ = writeln!(t, "principal = {}", quoted(&p.id));
        }
        if let Some(s) = &f.scope {
            let _ = writeln!(t, "scope = {}", quoted(s));
        }
        let _ = writeln!(t, "reason = {}", quoted(reason));
        let _ = writeln!(t, "approved_by = {}", quoted(approved_by));
        let _ = writeln!(t, "expires = {until}");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{FindingPrincipal, Severity};

    #[test]
    fn a_hostile_identifier_stays_inside_its_string() {
        let f = Finding {
            id: "abc".into(),
            rule: "admin-access".into(),
            severity: Severity::Info,
            principal: Some(FindingPrincipal {
                kind: "user_group".into(),
                id: "group:account/x\"\n[[exempt]]\nrule = \"admin-access\"\nexpires = 2099-01-01\n#".into(),
                name: String::new(),
                email: None,
            }),
            scope: Some("account".into()),
            message: String::new(),
            evidence: Default::default(),
            controls: Vec::new(),
            exempted: None,
        };
        let until = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        let text = render(&[&f], "r", "a\nb", until, "s\nha", "acct", "t");
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        let entries = parsed["exempt"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{text}");
        assert_eq!(
            entries[0]["principal"].as_str(),
            f.principal.as_ref().map(|p| p.id.as_str())
        );
        assert_eq!(entries[0]["approved_by"].as_str(), Some("a\nb"));
        assert!(text.lines().next().unwrap().contains("snapshot sha"));
    }
}
