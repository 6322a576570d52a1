//! `reviewpack collect`: the review campaign's returned workbooks matched
//! to the pack that sent them, checked, and written out (docs/reports.md,
//! "Review campaign").

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::atomic::StagedDir;
use crate::campaign::{
    collect, read_pack, read_returned, write_outputs, CollectOptions, Returned, Unreadable,
    CAMPAIGN_SCHEMA,
};
use crate::findings::Severity;
use crate::output::seal::{seal, MANIFEST_SCHEMA};

use super::report::{note_stale, read_roster};
use super::Output;

#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    /// The pack directory `report --split-by-reviewer` wrote.
    pack: PathBuf,
    /// The returned reviewer workbooks (or CSV exports of their sheets);
    /// a directory means every .xlsx, .ods and .csv file in it.
    #[arg(required = true)]
    returned: Vec<PathBuf>,
    /// A reviewer's corrected file: it replaces every other file of the same
    /// reviewer (those are listed as replaced, and none of their rows is
    /// read). Repeat for each corrected file.
    #[arg(long, value_name = "FILE")]
    corrected: Vec<PathBuf>,
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
    /// The campaign key file the pack's return codes were made with (`report
    /// --campaign-key-file`): every returned file must carry its reviewer's
    /// code. Required when the pack's workbooks carry codes.
    #[arg(long, value_name = "FILE")]
    campaign_key_file: Option<PathBuf>,
    /// When this collection runs: RFC 3339 (2026-10-21T09:00:00Z) or a day
    /// (2026-10-21); default: now. It is recorded, and no review may be dated
    /// after it; the same inputs and the same value give the same files.
    #[arg(long, value_name = "TIME")]
    collected_at: Option<String>,
    /// Workforce roster: its aliases count as the same person when checking
    /// self-review.
    #[arg(long, value_name = "FILE")]
    roster: Option<PathBuf>,
    /// The roster's format when its header does not tell: entra, okta or hr.
    #[arg(long, value_name = "FORMAT", requires = "roster")]
    roster_format: Option<String>,
}

/// The extensions of returned files read from a directory.
const RETURNED_EXTENSIONS: [&str; 3] = ["xlsx", "ods", "csv"];

/// Every returned file named: files as given, directories expanded to their
/// .xlsx, .ods and .csv files, sorted; what a directory holds besides is
/// noted as skipped, with why.
fn returned_files(paths: &[PathBuf], out: &Output) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = Vec::new();
            for e in std::fs::read_dir(p)
                .with_context(|| format!("cannot read the directory {}", p.display()))?
            {
                let f = e
                    .with_context(|| format!("cannot read the directory {}", p.display()))?
                    .path();
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let ext = f
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                if name.starts_with('.') || name.starts_with("~$") || name.starts_with(".~lock") {
                    continue; // editor lock and hidden files
                }
                if let Some(kind) = non_regular(&f) {
                    out.note(format_args!(
                        "skipped {}: {kind}, not a regular file (only regular files, or symbolic links to them, are read)",
                        f.display()
                    ));
                    continue;
                }
                if !RETURNED_EXTENSIONS.contains(&ext.as_str()) {
                    out.note(format_args!(
                        "skipped {}: not a workbook (.xlsx, .ods) or CSV file",
                        f.display()
                    ));
                    continue;
                }
                inside.push(f);
            }
            inside.sort();
            files.extend(inside);
        } else if let Some(kind) = non_regular(p) {
            out.note(format_args!(
                "skipped {}: {kind}, not a regular file (only regular files, or symbolic links to them, are read)",
                p.display()
            ));
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        anyhow::bail!("no returned file to collect: name the reviewers' workbooks (or a directory holding them)");
    }
    Ok(files)
}

/// What `f` is when it exists and is not a regular file (nor a symbolic
/// link to one): a FIFO, a device, a socket, a directory. Such a path is
/// never opened: opening a FIFO blocks, reading a device may never end.
/// A path that cannot be looked at is left to the reader, whose error is a
/// problem for that file.
fn non_regular(f: &Path) -> Option<&'static str> {
    crate::output::bounded::not_regular(f).ok().flatten()
}

/// The SHA-256 of `f` when it is a regular file that can be read.
fn sha256_of_regular(f: &Path) -> Option<String> {
    crate::output::bounded::open_regular(f).ok()?;
    crate::output::seal::sha256_file(f).ok().map(|(s, _)| s)
}

/// Whether `f` is one of the pack's own files in `reviewers/` (the
/// assignments or the send list): same name, same bytes as sealed.
fn is_the_packs_own(f: &Path, pack: &crate::campaign::PackCampaign) -> bool {
    let Some(name) = f.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return false;
    };
    if name != crate::report::split::ASSIGNMENTS_CSV && name != crate::report::split::SEND_LIST_CSV
    {
        return false;
    }
    let rel = format!("{}/{name}", crate::report::split::REVIEWERS_DIR);
    pack.sealed
        .get(&rel)
        .is_some_and(|sha| sha256_of_regular(f).is_some_and(|got| got == *sha))
}

pub(crate) fn run(args: CollectArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let fail_on = args
        .fail_on
        .as_deref()
        .map(super::gate::fail_on_severity)
        .transpose()?;
    let collected_at = match args.collected_at.as_deref() {
        None => chrono::Utc::now(),
        Some(t) => crate::text::parse_time(t).with_context(|| {
            format!("--collected-at {t:?} is not a time: give RFC 3339 (2026-10-21T09:00:00Z) or a day (2026-10-21)")
        })?,
    };
    // Corrected files first: each replaces the files of its reviewer that
    // come after it.
    let mut files = args.corrected.clone();
    let mut corrected = std::collections::BTreeSet::new();
    for f in &args.corrected {
        crate::output::bounded::open_regular(f)
            .with_context(|| format!("cannot read the corrected file {}", f.display()))?;
        let (sha, _) = crate::output::seal::sha256_file(f)
            .with_context(|| format!("cannot read the corrected file {}", f.display()))?;
        corrected.insert(sha);
    }
    files.extend(
        returned_files(&args.returned, out)?
            .into_iter()
            .filter(|f| !args.corrected.contains(f)),
    );
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
    let phases = super::progress::Phases::start(out);
    phases.phase("checking the pack's seal and reading its assignments");
    let pack = read_pack(&args.pack)?;
    phases.phase(format_args!(
        "reading and checking {} returned file(s)",
        files.len()
    ));
    // Files are read on every core and handed on one at a time, in order
    // (a few read ahead): collect keeps only the rows with a decision. A
    // file that cannot be read is a problem for that file, not the end of
    // the collection.
    let read_one = |f: &PathBuf| -> Option<Result<Returned, Unreadable>> {
        if is_the_packs_own(f, &pack) {
            return None;
        }
        Some(read_returned(f).map_err(|e| {
            Unreadable {
                file: f
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256: sha256_of_regular(f),
                error: format!("{:#}", anyhow::Error::from(e))
                    .replace(&format!("{}: ", f.display()), ""),
            }
        }))
    };
    let key = args
        .campaign_key_file
        .as_deref()
        .map(super::report::read_campaign_key)
        .transpose()?;
    match (&pack.key_sha256, &key) {
        (Some(_), None) => anyhow::bail!(
            "{}: this campaign's workbooks carry return codes: give the campaign key with --campaign-key-file FILE",
            args.pack.display()
        ),
        (Some(want), Some(k)) if crate::snapshot::sha256_hex(k) != *want => anyhow::bail!(
            "--campaign-key-file is not the key this pack's return codes were made with (its SHA-256 differs from the one the pack's manifest names)"
        ),
        (None, Some(_)) => anyhow::bail!(
            "{}: this pack's workbooks carry no return codes (it was made without --campaign-key-file): collect it without one",
            args.pack.display()
        ),
        _ => {}
    }
    let options = CollectOptions {
        corrected,
        collected_at: Some(collected_at),
        key,
    };
    let collected = crate::parallel::stream_in_order(&files, read_one, |read| {
        let returned = files.iter().zip(read).filter_map(|(f, r)| {
            if r.is_none() {
                out.note(format_args!(
                    "skipped {}: it is one of the pack's own files, not a returned file",
                    f.display()
                ));
            }
            r
        });
        collect(&pack, returned, &options, roster.as_ref())
    });

    phases.phase("writing the campaign");
    let staged = StagedDir::new(&args.out, args.force, &inputs)
        .with_context(|| format!("cannot write to {}", args.out.display()))?;
    note_stale(&staged, out);
    // A copy of every returned file read, sealed with the rest: the evidence
    // of what each reviewer sent, not only its hash.
    let copies = copy_returned(&files, &pack, staged.path())
        .with_context(|| format!("copying the returned files into {}", args.out.display()))?;
    write_outputs(&pack, &collected, staged.path())
        .with_context(|| format!("writing the campaign to {}", args.out.display()))?;
    let doc = json!({
        "schema": MANIFEST_SCHEMA,
        "kind": "campaign",
        "campaign_schema": CAMPAIGN_SCHEMA,
        "tool": crate::output::seal::tool(),
        "account": {"id": pack.account_id, "name": pack.account_name},
        "inputs": std::iter::once(json!({
            "role": "pack",
            "snapshot_sha256": pack.snapshot_sha256,
            "captured_at": pack.captured_at,
        }))
        .chain(collected.files.iter().map(|r| json!({
            "role": "returned",
            "file": r.file,
            "sha256": r.sha256,
            "copy": copies.iter().find(|(sha, _)| *sha == r.sha256).map(|(_, c)| c),
        })))
        .collect::<Vec<_>>(),
        "parameters": {
            "fail_on": args.fail_on,
            "collected_at": crate::report::sheets::fmt_time(collected_at),
            "corrected": args.corrected.iter().map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect::<Vec<_>>(),
        },
        "verify": "sha256sum -c SHA256SUMS",
    });
    seal(staged.path(), doc).with_context(|| format!("sealing {}", args.out.display()))?;
    staged
        .commit()
        .with_context(|| format!("moving the campaign into {}", args.out.display()))?;
    drop(phases);

    let (status, why) = collected.status();
    out.note(format_args!("campaign {status}: {why}"));
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

/// Copies every returned file (not the pack's own) into `DIR/returned/`,
/// under its own name (`-2`, `-3` … when two share one); returns each copy's
/// SHA-256 and path in the directory.
fn copy_returned(
    files: &[PathBuf],
    pack: &crate::campaign::PackCampaign,
    dir: &Path,
) -> std::io::Result<Vec<(String, String)>> {
    let into = dir.join("returned");
    let mut taken = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for f in files {
        if is_the_packs_own(f, pack) || !f.is_file() {
            continue;
        }
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "returned".into());
        let (stem, ext) = match name.rsplit_once('.') {
            Some((s, e)) => (s.to_string(), format!(".{e}")),
            None => (name.clone(), String::new()),
        };
        let mut unique = name.clone();
        let mut n = 2;
        while !taken.insert(unique.clone()) {
            unique = format!("{stem}-{n}{ext}");
            n += 1;
        }
        crate::atomic::create_dir_all(&into)?;
        std::fs::copy(f, into.join(&unique))?;
        let Ok((sha, _)) = crate::output::seal::sha256_file(f) else {
            continue;
        };
        out.push((sha, format!("returned/{unique}")));
    }
    Ok(out)
}
