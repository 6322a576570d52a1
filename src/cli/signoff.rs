//! `reviewpack signoff CAMPAIGN_DIR --by NAME [--date DATE]`: the control
//! owner approves a collected campaign. The directory is checked against its
//! seal first; `signoff.json` names the SHA-256 of `decisions.csv` and of the
//! manifest as collected, the campaign's status, who and when; the page shows
//! it; and the directory is sealed again, so the sign-off is covered like the
//! rest.

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
}

fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not JSON", path.display()))
}

/// Writes `bytes` to `path` through a temporary file beside it, so a
/// failure leaves the old file whole.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
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
    let signoff = json!({
        "schema": SIGNOFF_SCHEMA,
        "by": by,
        "date": date.format("%Y-%m-%d").to_string(),
        "statement": format!(
            "I have reviewed this access review campaign of account {} (snapshot SHA-256 {}): its decisions (decisions.csv) and the problems listed, and approve it as the record of the review.",
            campaign["pack"]["account_id"].as_str().unwrap_or_default(),
            campaign["pack"]["snapshot_sha256"].as_str().unwrap_or_default()
        ),
        "campaign_status": status,
        "status_why": campaign["status_why"],
        "decisions_sha256": decisions,
        "manifest_sha256": manifest_sha,
        "snapshot_sha256": campaign["pack"]["snapshot_sha256"],
        "tool": crate::output::seal::tool(),
    });
    let mut bytes = serde_json::to_vec_pretty(&signoff)?;
    bytes.push(b'\n');
    write_atomic(&dir.join(SIGNOFF_JSON), &bytes)
        .with_context(|| format!("writing {}/{SIGNOFF_JSON}", dir.display()))?;
    let html = crate::campaign::render_page(&campaign, Some(&signoff))
        .map_err(|e| anyhow::anyhow!("campaign.html: {e}"))?;
    write_atomic(&dir.join("campaign.html"), html.as_bytes())
        .with_context(|| format!("writing {}/campaign.html", dir.display()))?;
    if let Some(obj) = manifest.as_object_mut() {
        obj.insert(
            "signoff".into(),
            json!({"file": SIGNOFF_JSON, "by": by, "date": signoff["date"], "manifest_sha256_as_collected": manifest_sha}),
        );
        obj.remove("files");
    }
    seal(dir, manifest).with_context(|| format!("sealing {}", dir.display()))?;
    out.note(format_args!(
        "signed off {} by {by} on {date}: campaign {status}; decisions.csv SHA-256 {decisions}",
        dir.display()
    ));
    if status != "COMPLETE" {
        out.note(format_args!(
            "note: the campaign is {status} ({}); the sign-off says so",
            campaign["status_why"].as_str().unwrap_or_default()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
