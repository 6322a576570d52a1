//! `reviewpack signoff CAMPAIGN_DIR --by NAME [--date DATE] [--remediation
//! DIFF_DIR]`: the control owner approves a collected campaign. The
//! directory is checked against its seal first; `signoff.json` names the
//! SHA-256 of `decisions.csv` and of the manifest as collected, the
//! campaign's status, who and when; the page shows it; and the directory is
//! sealed again, so the sign-off is covered like the rest.
//!
//! With `--remediation`, the diff that checked this campaign's decisions.csv
//! against a later snapshot (its seal, its decisions file and its previous
//! snapshot all checked) is carried into the campaign as `remediation.json`
//! and `remediation.csv`: each Revoke and Modify, whether it was done, and
//! when and by whom by the audit trail, against its `remediate_by` day. The
//! sign-off names the diff and the later snapshot, and the page shows the
//! timing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::output::seal::{seal, sha256_file, verify_sums, MANIFEST};

use super::Output;

/// The sign-off's file in the campaign directory.
pub(crate) const SIGNOFF_JSON: &str = "signoff.json";
/// Its schema.
pub(crate) const SIGNOFF_SCHEMA: &str = "reviewpack.signoff/v1";

#[derive(Debug, Args)]
pub(crate) struct SignoffArgs {
    /// The campaign directory `reviewpack collect` wrote.
    campaign: PathBuf,
    /// Who signs off: the control owner's name (and email, if you like).
    #[arg(long, value_name = "NAME")]
    by: String,
    /// The day of the sign-off, YYYY-MM-DD; default: today (UTC).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
    /// The output of `reviewpack diff OLD NEW --decisions
    /// CAMPAIGN_DIR/decisions.csv`, made after the removals: the remediation
    /// of each Revoke and Modify (done or not, when, by whom) is carried into
    /// the campaign and signed with it.
    #[arg(long, value_name = "DIFF_DIR")]
    remediation: Option<PathBuf>,
}

/// The remediation file in the campaign directory.
pub(crate) const REMEDIATION_JSON: &str = "remediation.json";
/// Its CSV twin.
pub(crate) const REMEDIATION_CSV: &str = "remediation.csv";
/// The columns of remediation.csv.
const REMEDIATION_COLUMNS: [&str; 17] = [
    "outcome",
    "decision",
    "decision_row",
    "principal_id",
    "principal_name",
    "principal_email",
    "assignment_id",
    "reviewer",
    "ticket",
    "timing",
    "remediate_by",
    "removed_at",
    "removed_by",
    "days_late",
    "audit_event",
    "detail",
    "finding_id",
];

/// Reads the diff at `diff_dir` and makes the campaign's remediation record:
/// remediation.json's value. The diff must be sealed and unchanged, and must
/// have checked this campaign's decisions.csv against its own snapshot.
fn remediation(
    diff_dir: &Path,
    campaign: &serde_json::Value,
    decisions_sha: &str,
    date: chrono::NaiveDate,
) -> anyhow::Result<serde_json::Value> {
    let manifest = read_json(&diff_dir.join(MANIFEST))?;
    if manifest["kind"] != "diff" {
        anyhow::bail!(
            "--remediation {}: not the output of `reviewpack diff` (its manifest.json says kind {})",
            diff_dir.display(),
            manifest["kind"]
        );
    }
    let bad = verify_sums(diff_dir)
        .with_context(|| format!("cannot read {}/SHA256SUMS", diff_dir.display()))?;
    if !bad.is_empty() {
        anyhow::bail!(
            "--remediation {}: the diff does not match its seal, so it was changed after it was made: {}",
            diff_dir.display(),
            bad.join("; ")
        );
    }
    let diff_path = diff_dir.join("diff.json");
    let diff = read_json(&diff_path)?;
    let checked = diff["decisions"]["sha256"].as_str().unwrap_or_default();
    if checked != decisions_sha {
        anyhow::bail!(
            "--remediation {}: that diff checked {} (SHA-256 {}), not this campaign's decisions.csv (SHA-256 {decisions_sha}): run `reviewpack diff OLD NEW --decisions CAMPAIGN_DIR/decisions.csv -o DIFF_DIR` and give that",
            diff_dir.display(),
            if checked.is_empty() { "no decisions" } else { "other decisions" },
            if checked.is_empty() { "none" } else { checked },
        );
    }
    let snapshot = campaign["pack"]["snapshot_sha256"]
        .as_str()
        .unwrap_or_default();
    if diff["old"]["sha256"].as_str() != Some(snapshot) {
        anyhow::bail!(
            "--remediation {}: its previous snapshot (SHA-256 {}) is not the one this campaign reviewed ({snapshot})",
            diff_dir.display(),
            diff["old"]["sha256"].as_str().unwrap_or_default()
        );
    }
    let new_captured = diff["new"]["captured_at"].as_str().unwrap_or_default();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(new_captured) {
        if date < t.date_naive() {
            anyhow::bail!(
                "--date {date} is before the later snapshot the remediation was checked on ({}): sign off after the check",
                t.date_naive()
            );
        }
    }
    let d = &diff["decisions"];
    let mut rows = Vec::new();
    let mut counts = serde_json::Map::new();
    let mut timing = serde_json::Map::new();
    for k in [
        "on_time",
        "late",
        "not_timed",
        "no_deadline",
        "overdue",
        "not_yet_due",
    ] {
        timing.insert(k.into(), json!(0));
    }
    for (outcome, key) in [
        ("not done", "not_done"),
        ("done", "verified"),
        ("unchecked", "unchecked"),
    ] {
        let list = d[key].as_array().cloned().unwrap_or_default();
        counts.insert(key.into(), json!(list.len()));
        for r in list {
            let t = &r["timing"];
            if let Some(status) = t["status"].as_str() {
                let key = match status {
                    "not done" => "not_yet_due".to_string(),
                    other => other.replace(' ', "_"),
                };
                let n = timing.entry(key).or_insert(json!(0));
                *n = json!(n.as_u64().unwrap_or(0) + 1);
            }
            rows.push(json!({
                "outcome": outcome,
                "decision": r["decision"],
                "decision_row": r["row"],
                "principal_id": r["principal_id"],
                "principal_name": r["principal_name"],
                "principal_email": r["principal_email"],
                "assignment_id": r["assignment_id"],
                "reviewer": r["reviewer"],
                "ticket": r["ticket"],
                "timing": t["status"],
                "remediate_by": t["remediate_by"],
                "removed_at": t["removed_at"],
                "removed_by": t["removed_by"],
                "days_late": t["days_late"],
                "audit_event": t["event"],
                "timing_note": t["note"],
                "detail": r["detail"],
                "finding_id": r["finding_id"],
            }));
        }
    }
    let (diff_sha, _) =
        sha256_file(&diff_path).with_context(|| format!("cannot read {}", diff_path.display()))?;
    let (diff_manifest_sha, _) = sha256_file(&diff_dir.join(MANIFEST))
        .with_context(|| format!("cannot read {}/{MANIFEST}", diff_dir.display()))?;
    Ok(json!({
        "schema": "reviewpack.remediation/v1",
        "diff": {
            "diff_json_sha256": diff_sha,
            "manifest_sha256": diff_manifest_sha,
            "tool": manifest["tool"],
        },
        "decisions_sha256": decisions_sha,
        "previous_snapshot": diff["old"],
        "later_snapshot": diff["new"],
        "counts": counts,
        "timing": timing,
        "rows": rows,
    }))
}

/// Writes remediation.csv from remediation.json's rows.
fn remediation_csv(path: &Path, value: &serde_json::Value) -> std::io::Result<()> {
    let mut csv = crate::output::csv::CsvFile::create(path, &REMEDIATION_COLUMNS, &[])?;
    for r in value["rows"].as_array().into_iter().flatten() {
        csv.row(REMEDIATION_COLUMNS.iter().map(|k| match &r[*k] {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }))?;
    }
    csv.finish()
}

fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not JSON", path.display()))
}

pub(crate) fn run(args: SignoffArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let dir = &args.campaign;
    let by = args.by.trim();
    if by.is_empty() {
        anyhow::bail!("--by names nobody: give the control owner's name");
    }
    let date = match args.date.as_deref() {
        Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .with_context(|| format!("--date {d:?} is not a day: give YYYY-MM-DD"))?,
        None => chrono::Utc::now().date_naive(),
    };
    let manifest_path = dir.join(MANIFEST);
    let mut manifest = read_json(&manifest_path)?;
    if manifest["kind"] != "campaign" {
        anyhow::bail!(
            "{}: not a campaign directory (sign off what `reviewpack collect` wrote)",
            dir.display()
        );
    }
    let bad =
        verify_sums(dir).with_context(|| format!("cannot read {}/SHA256SUMS", dir.display()))?;
    if !bad.is_empty() {
        anyhow::bail!(
            "{}: the campaign does not match its seal, so it was changed after it was collected: {}",
            dir.display(),
            bad.join("; ")
        );
    }
    if dir.join(SIGNOFF_JSON).exists() || !manifest["signoff"].is_null() {
        anyhow::bail!(
            "{}: already signed off (see {SIGNOFF_JSON}); a campaign is signed once: collect again into a new directory to sign a new one",
            dir.display()
        );
    }
    let campaign = read_json(&dir.join("campaign.json"))?;
    let (decisions, _) = sha256_file(&dir.join("decisions.csv"))
        .with_context(|| format!("cannot read {}/decisions.csv", dir.display()))?;
    let (manifest_sha, _) = sha256_file(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    if let Some(collected) = campaign["collected_at"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    {
        if date < collected.date_naive() {
            anyhow::bail!(
                "--date {date} is before the collection ({}): a campaign is signed off after it is collected",
                collected.date_naive()
            );
        }
    }
    let status = campaign["status"].as_str().unwrap_or("INCOMPLETE");
    let remediation = match &args.remediation {
        Some(diff_dir) => Some(remediation(diff_dir, &campaign, &decisions, date)?),
        None => None,
    };
    let mut statement = format!(
        "I have reviewed this access review campaign of account {} (snapshot SHA-256 {}): its decisions (decisions.csv) and the problems listed, and approve it as the record of the review.",
        campaign["pack"]["account_id"].as_str().unwrap_or_default(),
        campaign["pack"]["snapshot_sha256"].as_str().unwrap_or_default()
    );
    if let Some(r) = &remediation {
        statement.push_str(&format!(
            " I have also reviewed the remediation of its Revoke and Modify decisions as the snapshot of {} (SHA-256 {}) shows it ({REMEDIATION_JSON}).",
            r["later_snapshot"]["captured_at"].as_str().unwrap_or_default(),
            r["later_snapshot"]["sha256"].as_str().unwrap_or_default()
        ));
    }
    let signoff = json!({
        "schema": SIGNOFF_SCHEMA,
        "by": by,
        "date": date.format("%Y-%m-%d").to_string(),
        "statement": statement,
        "campaign_status": status,
        "status_why": campaign["status_why"],
        "decisions_sha256": decisions,
        "manifest_sha256": manifest_sha,
        "snapshot_sha256": campaign["pack"]["snapshot_sha256"],
        "remediation": remediation.as_ref().map(|r| json!({
            "file": REMEDIATION_JSON,
            "diff_json_sha256": r["diff"]["diff_json_sha256"],
            "later_snapshot_sha256": r["later_snapshot"]["sha256"],
            "later_snapshot_captured_at": r["later_snapshot"]["captured_at"],
            "counts": r["counts"],
            "timing": r["timing"],
        })),
        "tool": crate::output::seal::tool(),
    });
    if let Some(r) = &remediation {
        let mut bytes = serde_json::to_vec_pretty(r)?;
        bytes.push(b'\n');
        crate::atomic::write_file(&dir.join(REMEDIATION_JSON), &bytes)
            .with_context(|| format!("writing {}/{REMEDIATION_JSON}", dir.display()))?;
        remediation_csv(&dir.join(REMEDIATION_CSV), r)
            .with_context(|| format!("writing {}/{REMEDIATION_CSV}", dir.display()))?;
    }
    let mut bytes = serde_json::to_vec_pretty(&signoff)?;
    bytes.push(b'\n');
    crate::atomic::write_file(&dir.join(SIGNOFF_JSON), &bytes)
        .with_context(|| format!("writing {}/{SIGNOFF_JSON}", dir.display()))?;
    let html = crate::campaign::render_page(&campaign, Some(&signoff), remediation.as_ref())
        .map_err(|e| anyhow::anyhow!("campaign.html: {e}"))?;
    crate::atomic::write_file(&dir.join("campaign.html"), html.as_bytes())
        .with_context(|| format!("writing {}/campaign.html", dir.display()))?;
    if let Some(obj) = manifest.as_object_mut() {
        obj.insert(
            "signoff".into(),
            json!({"file": SIGNOFF_JSON, "by": by, "date": signoff["date"], "manifest_sha256_as_collected": manifest_sha}),
        );
        obj.remove("files");
    }
    seal(dir, manifest).with_context(|| format!("sealing {}", dir.display()))?;
    // What signoff added is private like the rest, and so is a campaign
    // collected by a version that left its files readable by others.
    crate::atomic::make_private(dir)
        .with_context(|| format!("making {} private", dir.display()))?;
    out.note(format_args!(
        "signed off {} by {by} on {date}: campaign {status}; decisions.csv SHA-256 {decisions}",
        dir.display()
    ));
    if let Some(r) = &remediation {
        let n = |k: &str| {
            r["counts"][k]
                .as_u64()
                .or_else(|| r["timing"][k].as_u64())
                .unwrap_or(0)
        };
        out.note(format_args!(
            "remediation (as of {}): {} done ({} on time, {} late, {} not timed), {} not done ({} past their day), {} unchecked; in {REMEDIATION_JSON}",
            r["later_snapshot"]["captured_at"].as_str().unwrap_or_default(),
            n("verified"),
            n("on_time"),
            n("late"),
            n("not_timed") + n("no_deadline"),
            n("not_done"),
            n("overdue"),
            n("unchecked")
        ));
    }
    if status != "COMPLETE" {
        out.note(format_args!(
            "note: the campaign is {status} ({}); the sign-off says so",
            campaign["status_why"].as_str().unwrap_or_default()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
