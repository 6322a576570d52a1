//! `--ci-format` on `report`, `diff` and `run`: which of CI's own formats to
//! write into the output (crate::ci), and, under GitHub Actions, the
//! annotations printed and the step summary appended once the output is in
//! place. The environment is read here, once, when the options are
//! resolved.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use crate::ci::{CiFormat, CiRun};
use crate::findings::{Finding, Verdict};

use super::Output;

/// `--ci-format`.
#[derive(Debug, Args, Default, Clone)]
pub(crate) struct CiArgs {
    /// Also write CI's own formats into the output, comma-separated: sarif
    /// (ci/findings.sarif, SARIF 2.1.0 for GitHub code scanning), junit
    /// (ci/junit.xml, JUnit XML for GitLab and other CI servers). Under
    /// GitHub Actions (GITHUB_ACTIONS=true) also prints an annotation per
    /// failing finding and appends a summary to $GITHUB_STEP_SUMMARY
    /// (docs/operations.md, "CI formats").
    #[arg(long, value_name = "FORMAT", value_delimiter = ',')]
    ci_format: Vec<String>,
}

/// `--ci-format`, resolved.
#[derive(Debug, Clone, Default)]
pub(crate) struct CiSettings {
    /// The formats to write, sorted; empty when none was asked.
    pub formats: Vec<CiFormat>,
    /// Set when running under GitHub Actions (and a format was asked).
    pub github: Option<GitHubActions>,
}

/// What GitHub Actions gives a step.
#[derive(Debug, Clone)]
pub(crate) struct GitHubActions {
    /// `$GITHUB_STEP_SUMMARY`, the Markdown file a step appends to.
    pub step_summary: Option<PathBuf>,
}

impl CiArgs {
    /// The formats asked, and GitHub Actions when the run is under it.
    pub(crate) fn settings(&self) -> anyhow::Result<CiSettings> {
        let mut formats = Vec::new();
        for w in self.ci_format.iter().filter(|w| !w.trim().is_empty()) {
            formats
                .push(CiFormat::parse(w).with_context(|| {
                    format!("unknown CI format {w:?}: expected sarif or junit")
                })?);
        }
        if formats.is_empty() && !self.ci_format.is_empty() {
            bail!("--ci-format names no format: expected sarif, junit or sarif,junit");
        }
        formats.sort();
        formats.dedup();
        let github = (!formats.is_empty()
            && std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"))
        .then(|| GitHubActions {
            step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
        });
        Ok(CiSettings { formats, github })
    }
}

impl CiSettings {
    /// True when nothing was asked.
    pub(crate) fn is_off(&self) -> bool {
        self.formats.is_empty()
    }
}

/// What a step that adds files to a pack judged (`run --previous`: its
/// diff), for the pack's CI formats: the findings of the later snapshot,
/// the diff's verdict and the rules that ran.
pub(crate) struct Judged {
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
    pub rules_evaluated: Vec<String>,
}

/// Writes the asked formats into `dir` (a staged output, before it is
/// sealed); returns the files written, relative to `dir`.
pub(crate) fn write(
    settings: &CiSettings,
    dir: &std::path::Path,
    run: &CiRun<'_>,
) -> anyhow::Result<Vec<String>> {
    crate::ci::write(dir, &settings.formats, run)
        .with_context(|| format!("writing the CI formats into {}", dir.display()))
}

/// Under GitHub Actions: prints an annotation per failing finding on stdout
/// (`-q` or not, like the gate's lines) and appends the step summary.
/// A summary file that cannot be written is a warning: the output is
/// already in place.
pub(crate) fn tell_github(settings: &CiSettings, run: &CiRun<'_>, command: &str, out: &Output) {
    let Some(gh) = &settings.github else {
        return;
    };
    let lines = crate::ci::github::annotations(run);
    if !lines.is_empty() {
        let mut stdout = std::io::stdout().lock();
        for l in &lines {
            let _ = writeln!(stdout, "{l}");
        }
        let _ = stdout.flush();
    }
    if let Some(path) = &gh.step_summary {
        let text = crate::ci::github::step_summary(run, command);
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = appended {
            out.note(format_args!(
                "warning: cannot append the step summary to {}: {e}",
                path.display()
            ));
        }
    }
}
