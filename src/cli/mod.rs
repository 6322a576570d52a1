//! The command line: clap types, resolving them into plain settings, and the
//! one place that prints. Nothing below this module sees clap or anyhow.

mod baseline;
mod ci;
mod collect;
mod diff;
mod explain;
mod gate;
mod progress;
mod pull;
mod report;
mod signoff;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::snapshot::LoadedSnapshot;

/// Access reviews for Harness NextGen.
#[derive(Debug, Parser)]
#[command(name = "reviewpack", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// Print nothing but errors (no notes, no progress).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render an access-review pack from a snapshot (no network).
    Report(report::ReportArgs),
    /// Show one principal's grants with their paths, or answer
    /// "can PRINCIPAL do PERMISSION on SCOPE?".
    Explain(explain::ExplainArgs),
    /// Pull a snapshot from a Harness account.
    #[command(after_help = EXIT_CODES)]
    Pull(pull::PullCommand),
    /// Preflight: check the API key can read everything `pull` needs.
    #[command(after_help = EXIT_CODES)]
    Check(pull::CheckCommand),
    /// Compare two snapshots: access gained and lost, findings new and
    /// resolved, and whether the previous review's revocations were done.
    Diff(diff::DiffArgs),
    /// Pull, then report.
    #[command(after_help = EXIT_CODES)]
    Run(Box<pull::RunCommand>),
    /// Collect the reviewers' returned workbooks of a campaign pack: check
    /// them and write decisions.csv for next quarter's diff.
    Collect(collect::CollectArgs),
    /// Sign off a collected campaign as its control owner: names the
    /// SHA-256 of its decisions and manifest, with your name and the date.
    Signoff(signoff::SignoffArgs),
    /// Accept what a pack found, until a day: writes a file of exemptions
    /// the policy includes (`include = ["FILE"]`), so a scheduled job fails
    /// only on what is new.
    Baseline(baseline::BaselineArgs),
}

/// The exit codes, as `--help` lists them (README and docs/operations.md
/// say the same).
const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    findings failed the gate (--fail-on, --fail-on-rule, a rule at level deny), or --expect-unchanged lost a grant
  2    an error of the setup, the key, a permission or an input: fix it, then run again
  3    the network failed: no answer (refused, reset, timed out), or 429 or 5xx
       answers until the retries ran out; running again later may succeed
  130  interrupted (the unfinished output is removed)";

/// Parses argv and runs the command. `Ok` carries the exit code of a
/// successful run (0, or 1 for findings at or above `--fail-on`).
pub fn run<I, T>(args: I) -> anyhow::Result<ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // For provenance. No flag carries a secret (the key comes from the
    // environment or a file), so the command line is safe to record.
    let command_line: Vec<String> = std::iter::once("reviewpack".to_string())
        .chain(
            args.iter()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned()),
        )
        .collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage
            // errors to stderr (exit 2), as we want.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    let out = Output { quiet: cli.quiet };
    // Whatever writes output cleans up after itself when interrupted.
    crate::atomic::install_interrupt_cleanup();
    match cli.command {
        Command::Report(a) => report::run(a, &out),
        Command::Explain(a) => explain::run(a, &out),
        Command::Pull(a) => pull::run_pull(a, &command_line, &out),
        Command::Check(a) => pull::run_check(a, &out),
        Command::Run(a) => pull::pull_then_report(*a, &command_line, &out),
        Command::Diff(a) => diff::run(a, &out),
        Command::Collect(a) => collect::run(a, &out),
        Command::Signoff(a) => signoff::run(a, &out),
        Command::Baseline(a) => baseline::run(a, &out),
    }
}

/// The exit code of a run that failed: [`EXIT_TRANSIENT`] when what stopped
/// it was the network (no answer, or 429 or 5xx answers until the retries
/// ran out: another run later may succeed), else [`EXIT_ERROR`] (the setup,
/// the key, a permission, an input: running again changes nothing).
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    use crate::harness::client::ApiError;
    use crate::harness::pull::PullError;
    let transient = err.chain().any(|e| {
        e.downcast_ref::<ApiError>()
            .is_some_and(|a| a.cause.is_transient())
            || matches!(e.downcast_ref::<PullError>(), Some(PullError::Api(a)) if a.cause.is_transient())
    });
    if transient {
        EXIT_TRANSIENT
    } else {
        EXIT_ERROR
    }
}

/// Exit code: an error of the setup, the key, a permission or an input.
pub const EXIT_ERROR: u8 = 2;
/// Exit code: the network failed (run again later).
pub const EXIT_TRANSIENT: u8 = 3;

/// Where notes go: stderr, unless `--quiet`.
pub(crate) struct Output {
    quiet: bool,
}

impl Output {
    /// Prints a note on stderr unless quiet.
    pub(crate) fn note(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("reviewpack: {msg}");
        }
    }
}

/// Untrusted text made safe for a terminal: control characters (escape
/// sequences included) are shown escaped instead of being interpreted, and
/// bidirectional controls and invisible characters as visible markers
/// (`⟨U+202E⟩`, [`crate::text::mark`]), so a name cannot read as another.
pub(crate) fn term_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    match crate::text::mark(&out) {
        std::borrow::Cow::Borrowed(_) => out,
        std::borrow::Cow::Owned(marked) => marked,
    }
}

/// Loads a snapshot with the file named in every error.
pub(crate) fn load_snapshot(path: &Path) -> anyhow::Result<LoadedSnapshot> {
    Ok(crate::snapshot::load(path)?)
}
