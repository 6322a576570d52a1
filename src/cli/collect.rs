//! `reviewpack collect`: the review campaign's returned workbooks matched
//! to the pack that sent them, checked, and written out (docs/reports.md,
//! "Review campaign").

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::atomic::StagedDir;
use crate::campaign::{collect, read_pack, read_returned, write_outputs, CAMPAIGN_SCHEMA};
use crate::findings::Severity;
use crate::output::seal::{seal, MANIFEST_SCHEMA};

use super::report::{note_stale, read_roster};
use super::Output;

#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    /// The pack directory `report --split-by-reviewer` wrote.
    pack: PathBuf,
    /// The returned reviewer workbooks (or CSV exports of their sheets);
    /// a directory means every .xlsx and .csv file in it.
    #[arg(required = true)]
    returned: Vec<PathBuf>,
    /// The directory to write decisions.csv, campaign.json, campaign.xlsx
    /// and campaign.html to.
    #[arg(short = 'o', long = "out")]
    out: PathBuf,
    /// Replace DIR when it holds earlier reviewpack output.
    #[arg(long)]
    force: bool,
    /// Exit 1 when a problem at or above this severity remains: info, low,
    /// medium, high or critical (default: never).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Workforce roster: its aliases count as the same person when checking
    /// self-review.
    #[arg(long, value_name = "FILE")]
    roster: Option<PathBuf>,
    /// The roster's format when its header does not tell: entra, okta or hr.
    #[arg(long, value_name = "FORMAT", requires = "roster")]
    roster_format: Option<String>,
}

/// Every returned file named: files as given, directories expanded to their
/// .xlsx and .csv files, sorted.
fn returned_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read the directory {}", p.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|f| {
                    f.extension()
                        .map(|e| e.to_string_lossy().to_ascii_lowercase())
                        .is_some_and(|e| e == "xlsx" || e == "csv")
                })
                .collect();
            inside.sort();
            out.extend(inside);
        } else {
            out.push(p.clone());
        }
    }
    if out.is_empty() {
        anyhow::bail!("no returned file to collect: name the reviewers' workbooks (or a directory holding them)");
    }
    Ok(out)
}

/// Whether `f` is the pack's own `reviewers/assignments.csv` (a directory of
/// returned files is often the pack's `reviewers/`): same name, same bytes.
fn is_the_packs_assignments(f: &Path, sha256: &str) -> bool {
    f.file_name()
        .is_some_and(|n| n == crate::report::split::ASSIGNMENTS_CSV)
        && crate::output::seal::sha256_file(f).is_ok_and(|(sha, _)| sha == sha256)
}

pub(crate) fn run(args: CollectArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let fail_on = args
        .fail_on
        .as_deref()
        .map(|s| {
            Severity::parse(s).with_context(|| {
                format!("--fail-on {s:?} is not a severity: expected info, low, medium, high or critical")
            })
        })
        .transpose()?;
    let files = returned_files(&args.returned)?;
    let mut inputs: Vec<(&'static str, &Path)> = vec![("pack", args.pack.as_path())];
    for f in &files {
        inputs.push(("returned file", f.as_path()));
    }
    if let Some(r) = &args.roster {
        inputs.push(("roster", r.as_path()));
    }
    crate::atomic::check_target(&args.out, args.force, &inputs)
        .with_context(|| format!("cannot write to {}", args.out.display()))?;
    let roster = read_roster(args.roster.as_deref(), args.roster_format.as_deref())?;
    let pack = read_pack(&args.pack)?;
    // One file at a time: collect keeps only the rows with a decision.
    let mut failed = None;
    let returned = files.iter().filter_map(|f| {
        if failed.is_some() {
            return None;
        }
        if is_the_packs_assignments(f, &pack.assignments_sha256) {
            out.note(format_args!(
                "skipped {}: it is the pack's own list of assignments, not a returned file",
                f.display()
            ));
            return None;
        }
        match read_returned(f) {
            Ok(r) => Some(r),
            Err(e) => {
                failed = Some(e);
                None
            }
        }
    });
    let collected = collect(&pack, returned, roster.as_ref());
    if let Some(e) = failed {
        return Err(e.into());
    }

    let staged = StagedDir::new(&args.out, args.force, &inputs)
        .with_context(|| format!("cannot write to {}", args.out.display()))?;
    note_stale(&staged, out);
    write_outputs(&pack, &collected, staged.path())
        .with_context(|| format!("writing the campaign to {}", args.out.display()))?;
    let doc = json!({
        "schema": MANIFEST_SCHEMA,
        "kind": "campaign",
        "campaign_schema": CAMPAIGN_SCHEMA,
        "tool": {"name": "reviewpack", "version": env!("CARGO_PKG_VERSION")},
        "account": {"id": pack.account_id, "name": pack.account_name},
        "inputs": std::iter::once(json!({
            "role": "pack",
            "snapshot_sha256": pack.snapshot_sha256,
            "captured_at": pack.captured_at,
        }))
        .chain(collected.files.iter().map(|r| json!({"role": "returned", "file": r.file, "sha256": r.sha256})))
        .collect::<Vec<_>>(),
        "parameters": {"fail_on": args.fail_on},
        "verify": "sha256sum -c SHA256SUMS",
    });
    seal(staged.path(), doc).with_context(|| format!("sealing {}", args.out.display()))?;
    staged
        .commit()
        .with_context(|| format!("moving the campaign into {}", args.out.display()))?;

    let t = &collected.totals;
    out.note(format_args!(
        "wrote {}: {} of {} assigned rows decided (Keep {}, Revoke {}, Modify {}), {} undecided, {} unassigned; {} problems",
        args.out.display(),
        t.decided,
        t.assigned,
        t.keep,
        t.revoke,
        t.modify,
        t.undecided,
        t.unassigned,
        collected.problems.len()
    ));
    for sev in Severity::DESCENDING {
        let n = collected
            .problems
            .iter()
            .filter(|p| p.severity == sev)
            .count();
        if n > 0 {
            out.note(format_args!("problems {sev}: {n}"));
        }
    }
    let failing = fail_on.map_or(0, |f| {
        collected
            .problems
            .iter()
            .filter(|p| p.severity >= f)
            .count()
    });
    if failing > 0 {
        out.note(format_args!(
            "failing: {failing} problem(s) at or above --fail-on {}",
            args.fail_on.as_deref().unwrap_or_default()
        ));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
