//! `reviewpack report`, and the pack-writing step `run` shares with it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::Args;

use crate::atomic::StagedDir;
use crate::graph::AccessGraph;
use crate::report::{write_pack, Format, ReportContext};
use crate::snapshot::LoadedSnapshot;

use super::{load_snapshot, Output};

/// Options every pack-writing command shares.
#[derive(Debug, Args)]
pub(crate) struct PackArgs {
    /// The pack directory to write.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Formats, comma-separated: csv, json (xlsx and html are not implemented yet).
    #[arg(long, default_value = "csv,json", value_delimiter = ',')]
    format: Vec<String>,
    /// Measure inactivity against this time (RFC 3339); default: the
    /// snapshot's capture time.
    #[arg(long)]
    as_of: Option<String>,
    /// Replace DIR even when it exists and is not empty.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The snapshot file (from `pull`, or samples/demo/snapshot.json).
    snapshot: PathBuf,
    #[command(flatten)]
    pack: PackArgs,
}

fn parse_formats(words: &[String]) -> anyhow::Result<Vec<Format>> {
    let mut formats = Vec::new();
    for w in words {
        let f = Format::parse(w)
            .with_context(|| format!("unknown format {w:?}: expected csv, json, xlsx or html"))?;
        if !f.is_implemented() {
            bail!(
                "format {} is not implemented in this version yet; use --format csv,json",
                f.as_str()
            );
        }
        formats.push(f);
    }
    formats.sort();
    formats.dedup();
    if formats.is_empty() {
        bail!("--format names no format");
    }
    Ok(formats)
}

impl PackArgs {
    /// Checks the options that need no I/O, so a long pull does not end in
    /// a usage error.
    pub(crate) fn validate(&self) -> anyhow::Result<(Vec<Format>, Option<DateTime<Utc>>)> {
        let formats = parse_formats(&self.format)?;
        let as_of = self
            .as_of
            .as_deref()
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .with_context(|| {
                        format!(
                            "--as-of {s:?} is not an RFC 3339 time (such as 2026-10-01T00:00:00Z)"
                        )
                    })
            })
            .transpose()?;
        Ok((formats, as_of))
    }
}

/// Writes the pack for a loaded snapshot into `args.out`, atomically.
pub(crate) fn write(loaded: &LoadedSnapshot, args: &PackArgs, out: &Output) -> anyhow::Result<()> {
    let (formats, as_of) = args.validate()?;
    let graph = AccessGraph::build(&loaded.snapshot);
    let ctx = ReportContext {
        loaded,
        graph: &graph,
        as_of: as_of.unwrap_or_else(|| loaded.snapshot.captured_at()),
        findings: &[],
    };
    let target: &Path = &args.out;
    let staged = StagedDir::new(target, args.force)
        .with_context(|| format!("cannot write the pack to {}", target.display()))?;
    let summary = write_pack(&ctx, &formats, staged.path())
        .with_context(|| format!("writing the pack for {}", target.display()))?;
    staged
        .commit()
        .with_context(|| format!("moving the pack into {}", target.display()))?;

    if !loaded.snapshot.completeness.complete {
        out.note("warning: the snapshot is INCOMPLETE (pulled with --allow-partial); the pack does not cover the whole account");
    }
    out.note(format_args!(
        "wrote {} ({} files; {} users, {} service accounts, {} grants, {} findings)",
        target.display(),
        summary.files.len(),
        loaded.snapshot.users.len(),
        loaded.snapshot.service_accounts.len(),
        summary.grants,
        summary.findings,
    ));
    if formats.contains(&Format::Json) {
        out.note(
            "note: finding rules are not implemented in this version yet; findings.json lists none",
        );
    }
    Ok(())
}

pub(crate) fn run(args: ReportArgs, out: &Output) -> anyhow::Result<ExitCode> {
    args.pack.validate()?;
    let loaded = load_snapshot(&args.snapshot)?;
    write(&loaded, &args.pack, out)?;
    Ok(ExitCode::SUCCESS)
}
