//! `reviewpack diff OLD NEW -o DIR`, and the diff step `run --previous`
//! shares with it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use crate::atomic::StagedDir;
use crate::diff::{self, DecisionSet, DiffFormat, DiffReport, DiffSide, ManifestInput};
use crate::findings::{self, Policy};
use crate::graph::AccessGraph;
use crate::snapshot::LoadedSnapshot;

use super::{load_snapshot, Output};

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The earlier snapshot (last quarter's).
    old: PathBuf,
    /// The later snapshot.
    new: PathBuf,
    /// The directory to write the diff into.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    out: PathBuf,
    /// Formats, comma-separated: xlsx, html, csv, json.
    #[arg(long, default_value = "xlsx,html,csv,json", value_delimiter = ',')]
    format: Vec<String>,
    /// The policy file (TOML) both snapshots' findings are evaluated with;
    /// default: the built-in defaults.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The previous review's decisions: its filled-in review.xlsx, or a CSV
    /// export of a review sheet. Each Revoke still present in NEW becomes a
    /// revocation-not-done finding; each carried out is listed as verified.
    #[arg(long, value_name = "FILE")]
    decisions: Option<PathBuf>,
    /// Read --decisions even when they name another snapshot than OLD: every
    /// Revoke and Modify is then listed as unchecked, none verified (without
    /// this flag such a file is refused).
    #[arg(long, requires = "decisions")]
    decisions_of_another_snapshot: bool,
    #[command(flatten)]
    gate: super::gate::GateArgs,
    /// Expect no access to change (a move to SCIM provisioning, a
    /// re-organisation): every grant OLD held must still be held in NEW by
    /// the same principal, through any path (a user recreated by the
    /// identity provider is matched by email); each lost grant is listed and
    /// fails the run (exit 1). Access gained is counted, not a failure.
    #[arg(long)]
    expect_unchanged: bool,
    #[command(flatten)]
    ci: super::ci::CiArgs,
    /// Workforce roster (Entra, Okta or HR CSV) both snapshots' findings are
    /// checked against: not-in-roster and roster-terminated.
    #[arg(long, value_name = "FILE")]
    roster: Option<PathBuf>,
    /// The roster's format when its header does not tell: entra, okta or hr.
    #[arg(long, value_name = "FORMAT", requires = "roster")]
    roster_format: Option<String>,
    /// Replace DIR even when it exists and is not empty, and compare
    /// snapshots of different accounts.
    #[arg(long)]
    force: bool,
}

/// A snapshot the diff owns (and drops as soon as it is done with it) or
/// borrows from its caller.
pub(crate) enum Snap<'a> {
    Owned(Box<LoadedSnapshot>),
    Borrowed(&'a LoadedSnapshot),
}

impl std::ops::Deref for Snap<'_> {
    type Target = LoadedSnapshot;

    fn deref(&self) -> &LoadedSnapshot {
        match self {
            Snap::Owned(s) => s,
            Snap::Borrowed(s) => s,
        }
    }
}

/// Everything one diff run needs, resolved.
pub(crate) struct DiffJob<'a> {
    pub old: Snap<'a>,
    pub old_path: &'a Path,
    pub new: Snap<'a>,
    pub new_path: &'a Path,
    pub formats: Vec<DiffFormat>,
    pub policy: Policy,
    /// The workforce roster both sides are checked against.
    pub roster: Option<&'a crate::findings::Roster>,
    pub decisions: Option<DecisionSet>,
    /// What fails the run: judged over the new findings (revocation-not-done
    /// included), or over every NEW finding with `--fail-on-all`.
    pub gate: findings::Gate,
    /// CI's own formats to write into the diff (`--ci-format`).
    pub ci: super::ci::CiSettings,
    /// Compare different accounts.
    pub force_accounts: bool,
    pub out_dir: &'a Path,
    /// Replace a non-empty `out_dir`.
    pub replace: bool,
    /// The files the run reads, which `out_dir` must not hold.
    pub inputs: Vec<(&'static str, &'a Path)>,
    /// Show progress (the `diff` command; inside `run` the pack's progress
    /// covers the diff).
    pub progress: bool,
    /// `--expect-unchanged`.
    pub expect_unchanged: bool,
}

fn parse_formats(words: &[String]) -> anyhow::Result<Vec<DiffFormat>> {
    let mut formats = Vec::new();
    for w in words {
        formats.push(
            DiffFormat::parse(w).with_context(|| {
                format!("unknown format {w:?}: expected xlsx, html, csv or json")
            })?,
        );
    }
    formats.sort();
    formats.dedup();
    if formats.is_empty() {
        bail!("--format names no format");
    }
    Ok(formats)
}

/// Says what `--expect-unchanged` found, on stderr even with `-q` when a
/// grant was lost (the first 20, then the count). Returns true when one was.
fn tell_guard(g: &diff::GuardReport, out: &Output) -> bool {
    for l in g.lost.iter().take(20) {
        eprintln!(
            "reviewpack: LOST {} via {} (assignment {}): {}",
            super::term_safe(l.principal_email.as_deref().unwrap_or(&l.principal_id)),
            super::term_safe(&l.via),
            super::term_safe(&l.assignment),
            super::term_safe(&l.missing.join(", "))
        );
    }
    let matched = g.users_matched.len();
    let line = format!(
        "expect-unchanged: {} grants of {} principals checked, {} held, {} lost; {} gained; {} users matched by email, {} local groups replaced ({} by name)",
        g.grants_checked,
        g.principals_checked,
        g.grants_held,
        g.lost.len(),
        g.grants_gained,
        matched,
        g.groups_replaced.len(),
        g.groups_replaced.iter().filter(|x| x.how == "name").count()
    );
    if g.lost.is_empty() {
        out.note(line);
        false
    } else {
        eprintln!("reviewpack: {line}: exit 1 (see diff.json, guard)");
        true
    }
}

/// Refuses two snapshots of different accounts unless forced.
pub(crate) fn check_accounts(old: &str, new: &str, force: bool) -> anyhow::Result<()> {
    if old != new && !force {
        bail!(
            "OLD is a snapshot of account {old:?} and NEW of account {new:?}; refusing to compare different accounts (pass --force to compare them anyway)"
        );
    }
    Ok(())
}

/// Reads `--policy`, or the defaults.
pub(crate) fn load_policy(path: Option<&Path>) -> anyhow::Result<Policy> {
    match path {
        None => Ok(Policy::default()),
        Some(p) => {
            let bytes = std::fs::read(p)
                .with_context(|| format!("cannot read the policy file {}", p.display()))?;
            Ok(Policy::parse(p, &bytes)?)
        }
    }
}

/// Loads a snapshot for `diff`, which reads its hash but never its bytes:
/// they are let go at once (a large snapshot file runs to 100 MB and more).
fn load_for_diff(path: &Path) -> anyhow::Result<LoadedSnapshot> {
    let mut loaded = load_snapshot(path)?;
    loaded.bytes = Vec::new();
    Ok(loaded)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Compares, writes the diff directory atomically, prints a summary;
/// returns the report, its gate verdict in `report.gate`.
///
/// Two large snapshots' findings take more memory than anything else, so
/// they are never held at once: OLD's are evaluated first and kept as
/// compact JSON in a temporary file beside the output (only an id index in
/// memory), the object and access comparison runs while both graphs
/// exist, and an owned OLD snapshot is dropped before NEW's findings are
/// evaluated (an owned NEW one before the files are written).
pub(crate) fn write(job: DiffJob<'_>, out: &Output) -> anyhow::Result<DiffReport> {
    let DiffJob {
        old,
        old_path,
        new,
        new_path,
        formats,
        policy,
        roster,
        decisions,
        gate,
        ci,
        force_accounts,
        out_dir,
        replace,
        inputs,
        progress,
        expect_unchanged,
    } = job;
    let phases = if progress {
        Some(super::progress::Phases::start(out))
    } else {
        None
    };
    let phase = |what: &str| {
        if let Some(p) = &phases {
            p.phase(what);
        }
    };
    let (os, ns) = (&old.snapshot, &new.snapshot);
    check_accounts(&os.account.id, &ns.account.id, force_accounts)?;
    if os.captured_at() > ns.captured_at() {
        out.note(format_args!(
            "warning: OLD ({}) was captured after NEW ({}); the diff reads OLD as the earlier snapshot",
            os.captured_at().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ns.captured_at().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ));
    }
    let (old_file, new_file) = (file_name(old_path), file_name(new_path));
    // Each side as of its own capture time, as `report` would have made it.
    phase("evaluating OLD's findings");
    let og = AccessGraph::build(os);
    let of = findings::evaluate_with(&og, &policy, os.captured_at(), roster).findings;
    phase("comparing OLD and NEW");
    let old_findings = diff::OldFindings::new(of, &crate::atomic::parent_dir(out_dir))
        .context("cannot hold OLD's findings in a temporary file")?;
    let ng = AccessGraph::build(ns);
    let compared = diff::compare_sides(
        &DiffSide {
            loaded: &old,
            file: &old_file,
            graph: &og,
        },
        &DiffSide {
            loaded: &new,
            file: &new_file,
            graph: &ng,
        },
        decisions.as_ref(),
    );
    let guard = expect_unchanged.then(|| {
        phase("checking every grant of OLD is still held in NEW");
        diff::expect_unchanged(&og, &ng)
    });
    let previous = findings::PreviousReview::of(&old.snapshot);
    drop(og);
    drop(old);
    // NEW knows OLD: a user absent from it joined since.
    phase("evaluating NEW's findings");
    let nf = findings::evaluate_since(
        &ng,
        &policy,
        new.snapshot.captured_at(),
        roster,
        Some(&previous),
    );
    drop(ng);
    drop(new);
    let rules: Vec<String> = nf.rules_evaluated.iter().map(|r| r.to_string()).collect();
    let mut report = compared.finish(diff::finding_changes(
        old_findings
            .diff(nf.findings)
            .context("cannot read OLD's findings back from their temporary file")?,
        &rules,
        &policy.source,
    ));
    // By default only what is new fails; --fail-on-all judges what persists
    // too.
    let f = &report.findings;
    let verdict = if gate.all {
        findings::judge(f.new.iter().chain(&f.persisting), &policy, &gate, None)
    } else {
        findings::judge(&f.new, &policy, &gate, Some(&Default::default()))
    };
    report.gate = Some(verdict);
    report.guard = guard;

    let manifest = ManifestInput {
        formats: formats.iter().map(|f| f.as_str()).collect(),
        fail_on: gate.fail_on.map(|s| s.as_str()),
        policy: policy
            .source
            .file_name
            .clone()
            .zip(policy.source.sha256.clone()),
    };
    let target = out_dir;
    let staged = StagedDir::new(target, replace, &inputs)
        .with_context(|| format!("cannot write the diff to {}", target.display()))?;
    super::report::note_stale(&staged, out);
    phase("writing the diff");
    // The CI formats judge NEW's findings (new and persisting), and go in
    // before the diff is sealed.
    let ci_run = (!ci.is_off()).then(|| {
        let f = &report.findings;
        crate::ci::CiRun::new(
            f.new.iter().chain(&f.persisting),
            &[report.gate.as_ref().expect("judged")],
            f.rules_evaluated.iter().map(String::as_str),
            &policy,
            &report.account_id,
            &new_file,
        )
    });
    let ci_files = match &ci_run {
        Some(run) => super::ci::write(&ci, staged.path(), run)?,
        None => Vec::new(),
    };
    let files = diff::write_diff(&report, &formats, &manifest, staged.path())
        .with_context(|| format!("writing the diff for {}", target.display()))?;
    staged
        .commit()
        .with_context(|| format!("moving the diff into {}", target.display()))?;
    drop(phases);
    if let Some(run) = &ci_run {
        super::ci::tell_github(&ci, run, "diff", out);
    }
    drop(ci_run);

    for (label, s) in [("OLD", &report.old), ("NEW", &report.new)] {
        if !s.complete {
            out.note(format_args!(
                "warning: {label} is INCOMPLETE (pulled with --allow-partial); changes may be missing or false"
            ));
        }
    }
    if report.accounts_differ {
        out.note("warning: OLD and NEW are different accounts (compared because of --force)");
    }
    let s = &report.summary;
    out.note(format_args!(
        "wrote {} ({} files): {} grants gained ({} admin), {} lost, {} changed; {} principals added, {} removed, {} changed",
        target.display(),
        files.len() + ci_files.len(),
        s.access_gained,
        s.admin_gained,
        s.access_lost,
        s.access_changed,
        s.principals_added,
        s.principals_removed,
        s.principals_changed,
    ));
    out.note(format_args!(
        "findings: {} new, {} resolved, {} persisting",
        s.findings_new, s.findings_resolved, s.findings_persisting
    ));
    if let Some(d) = &report.decisions {
        out.note(format_args!(
            "decisions: {} rows read ({} Keep, {} without a decision); {} Revoke checked: {} verified, {} not done (revocation-not-done findings), {} cannot be checked; {} Modify: {} verified, {} not done (modification-not-done findings), {} cannot be checked{}",
            d.rows,
            d.keep,
            d.undecided,
            d.revoke,
            s.revocations_verified,
            s.revocations_not_done,
            s.revocations_unchecked,
            d.modify,
            s.modifications_verified,
            s.modifications_not_done,
            s.modifications_unchecked,
            if d.problems.is_empty() {
                String::new()
            } else {
                format!("; {} rows could not be used (see diff.json)", d.problems.len())
            }
        ));
        let timed: Vec<&str> = d
            .verified
            .iter()
            .chain(&d.not_done)
            .filter_map(|r| r.timing.as_ref().map(|t| t.status))
            .collect();
        if !timed.is_empty() {
            let n = |s: &str| timed.iter().filter(|t| **t == s).count();
            out.note(format_args!(
                "remediation (audit trail): {} on time, {} late (remediation-late findings), {} not timed (no audited removal found), {} not done past their day, {} not done and not yet due",
                n("on time"),
                n("late"),
                n("not timed") + n("no deadline"),
                n("overdue"),
                n("not done")
            ));
        }
    }
    Ok(report)
}

pub(crate) fn run(args: DiffArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let formats = parse_formats(&args.format)?;
    let gate = args.gate.gate()?;
    let ci = args.ci.settings()?;
    let mut inputs: Vec<(&'static str, &Path)> =
        vec![("OLD snapshot", &args.old), ("NEW snapshot", &args.new)];
    for (what, p) in [
        ("policy file", &args.policy),
        ("decisions file", &args.decisions),
        ("roster", &args.roster),
    ] {
        if let Some(p) = p {
            inputs.push((what, p));
        }
    }
    // Before the work, so a bad -o costs nothing.
    crate::atomic::check_target(&args.out, args.force, &inputs)
        .with_context(|| format!("cannot write the diff to {}", args.out.display()))?;
    let policy = load_policy(args.policy.as_deref())?;
    let roster = super::report::read_roster(args.roster.as_deref(), args.roster_format.as_deref())?;
    let old = load_for_diff(&args.old)?;
    let new = load_for_diff(&args.new)?;
    // Before reading decisions, so the cheaper mistake is named first.
    check_accounts(
        &old.snapshot.account.id,
        &new.snapshot.account.id,
        args.force,
    )?;
    let decisions = args
        .decisions
        .as_deref()
        .map(|d| read_bound_decisions(d, &args.old, &old, args.decisions_of_another_snapshot))
        .transpose()?;
    let gate_asked = gate.clone();
    let report = write(
        DiffJob {
            old: Snap::Owned(Box::new(old)),
            old_path: &args.old,
            new: Snap::Owned(Box::new(new)),
            new_path: &args.new,
            formats,
            policy,
            roster: roster.as_ref(),
            decisions,
            gate,
            ci,
            force_accounts: args.force,
            out_dir: &args.out,
            replace: args.force,
            inputs,
            progress: true,
            expect_unchanged: args.expect_unchanged,
        },
        out,
    )?;
    let mut fails = super::gate::tell(&gate_asked, &[report.gate.as_ref().expect("judged")]);
    if let Some(g) = &report.guard {
        fails |= tell_guard(g, out);
    }
    // The process ends here: its memory goes back with it. Freeing a large
    // report's findings one by one would take about a second.
    std::mem::forget(report);
    Ok(super::report::exit_code(fails))
}

/// Reads a decisions file made on OLD. Decisions are about one snapshot:
/// checked against another, a Revoke of access OLD never held would read as
/// done, so a file naming another snapshot is refused, or with
/// `allow_other` read with every decision unchecked.
pub(crate) fn read_bound_decisions(
    path: &Path,
    old_path: &Path,
    old: &LoadedSnapshot,
    allow_other: bool,
) -> anyhow::Result<DecisionSet> {
    let mut set = diff::read_decisions(path)?;
    if !set.snapshots.is_empty() && !set.snapshots.contains(&old.sha256) {
        let named = set.snapshots.iter().cloned().collect::<Vec<_>>().join(", ");
        if !allow_other {
            anyhow::bail!(
                "{}: the decisions are about snapshot {named}, and OLD ({}) is snapshot {}: give the snapshot the decisions were made on as OLD, or add --decisions-of-another-snapshot to list them as unchecked",
                path.display(),
                old_path.display(),
                old.sha256
            );
        }
        set.other_snapshot = Some(named);
    }
    Ok(set)
}

/// `run --previous`: the diff of the previous snapshot against the one just
/// pulled, written into `PACK/diff` (all formats), checking the previous
/// review's decisions when given (the close-out check). Returns the diff's
/// verdict with NEW's findings, which the pack's CI formats add to its own.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_for_run(
    policy: Policy,
    roster: Option<&crate::findings::Roster>,
    previous: &LoadedSnapshot,
    previous_path: &Path,
    decisions: Option<DecisionSet>,
    pulled: &LoadedSnapshot,
    gate: findings::Gate,
    pack_dir: &Path,
    out: &Output,
) -> anyhow::Result<super::ci::Judged> {
    let dir = pack_dir.join("diff");
    let report = write(
        DiffJob {
            old: Snap::Borrowed(previous),
            old_path: previous_path,
            new: Snap::Borrowed(pulled),
            new_path: Path::new("snapshot.json"),
            formats: DiffFormat::ALL.to_vec(),
            policy,
            roster,
            decisions,
            gate,
            ci: super::ci::CiSettings::default(),
            force_accounts: false,
            out_dir: &dir,
            replace: true,
            inputs: Vec::new(),
            progress: false,
            expect_unchanged: false,
        },
        out,
    )?;
    let findings = report.findings.new.into_iter();
    Ok(super::ci::Judged {
        findings: findings.chain(report.findings.persisting).collect(),
        verdict: report.gate.expect("judged"),
        rules_evaluated: report.findings.rules_evaluated,
    })
}
