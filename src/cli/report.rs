//! `reviewpack report`, and the pack-writing step `run` shares with it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::Args;

use crate::atomic::StagedDir;
use crate::findings::{self, Counts, Policy, Roster, RosterFormat};
use crate::graph::AccessGraph;
use crate::report::{seal_pack, write_pack, Format, ReportContext};
use crate::snapshot::LoadedSnapshot;

use super::{load_snapshot, Output};

/// Options every pack-writing command shares.
#[derive(Debug, Args)]
pub(crate) struct PackArgs {
    /// The pack directory to write.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Formats, comma-separated: xlsx, html, csv, json (default: all).
    #[arg(long, default_value = "xlsx,html,csv,json", value_delimiter = ',')]
    format: Vec<String>,
    /// Measure inactivity against this time (RFC 3339); default: the
    /// snapshot's capture time.
    #[arg(long)]
    as_of: Option<String>,
    /// Replace DIR even when it exists and is not empty (and DIR.zip).
    #[arg(long)]
    force: bool,
    /// Also write DIR.zip beside DIR, for attaching to a ticket.
    #[arg(long)]
    zip: bool,
    /// Also write DIR/reviewers/REVIEWER.xlsx, one workbook per reviewer of
    /// the policy's [reviewers] table with only that reviewer's rows, and
    /// DIR/reviewers/assignments.csv (docs/reports.md, "Review campaign").
    #[arg(long)]
    split_by_reviewer: bool,
    /// With --split-by-reviewer: a file holding the campaign key (a secret
    /// you keep outside the pack, at least 16 bytes). Each workbook then
    /// carries a return code made from it, which `collect --campaign-key-file`
    /// checks, so a reviewer cannot make another reviewer's file.
    #[arg(long, value_name = "FILE", requires = "split_by_reviewer")]
    campaign_key_file: Option<PathBuf>,
    /// Who makes this pack (name, email): recorded in the manifest, for the
    /// auditor's chain of custody.
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,
    /// Policy file (TOML): thresholds, rule levels and severities, SoD sets,
    /// service-account owners, exemptions (docs/rules.md); default: the
    /// documented defaults.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    #[command(flatten)]
    gate: super::gate::GateArgs,
    /// Also write GRC access files into DIR/exports, comma-separated: vanta
    /// (Vanta's Access File), hyperproof (Hyperproof's application user
    /// list), entra (Microsoft Entra's upload for a disconnected
    /// application); docs/reports.md, "GRC access files".
    #[arg(long, value_name = "TOOL", value_delimiter = ',')]
    export: Vec<String>,
    /// The company name Vanta's file name carries (default: the account's
    /// name).
    #[arg(long, value_name = "NAME", requires = "export")]
    export_company: Option<String>,
    #[command(flatten)]
    ci: super::ci::CiArgs,
    /// Workforce roster (CSV: Entra ID "Download users", an Okta user report,
    /// or an HR file with email and status): enables not-in-roster and
    /// roster-terminated (docs/operations.md).
    #[arg(long, value_name = "FILE")]
    roster: Option<PathBuf>,
    /// The roster's format when its header does not tell: entra, okta or hr.
    #[arg(long, value_name = "FORMAT", requires = "roster")]
    roster_format: Option<String>,
}

/// The pack options, checked and resolved.
pub(crate) struct PackSettings {
    pub formats: Vec<Format>,
    pub as_of: Option<DateTime<Utc>>,
    pub policy: Policy,
    pub gate: findings::Gate,
    pub exports: Vec<crate::report::exports::Export>,
    pub export_company: Option<String>,
    pub ci: super::ci::CiSettings,
    pub roster: Option<Roster>,
    pub split_by_reviewer: bool,
    pub campaign_key: Option<Vec<u8>>,
    pub operator: Option<String>,
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
    /// Checks the options (and reads the policy file), so a long pull does
    /// not end in a usage error.
    pub(crate) fn validate(&self) -> anyhow::Result<PackSettings> {
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
        let gate = self.gate.gate()?;
        let mut exports = Vec::new();
        for w in self.export.iter().filter(|w| !w.trim().is_empty()) {
            exports.push(crate::report::exports::Export::parse(w).with_context(|| {
                format!("--export {w:?} is not a tool: expected vanta, hyperproof or entra")
            })?);
        }
        exports.sort();
        exports.dedup();
        let ci = self.ci.settings()?;
        let policy = match &self.policy {
            None => Policy::default(),
            Some(path) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read the policy file {}", path.display()))?;
                Policy::parse(path, &bytes)?
            }
        };
        let roster = self.read_roster()?;
        if self.split_by_reviewer && policy.reviewers.is_none() {
            bail!(
                "--split-by-reviewer needs a [reviewers] table in the policy file (--policy FILE) naming who reviews what; see docs/rules.md, \"Reviewers\""
            );
        }
        if let (Some(r), None) = (&policy.reviewers, &roster) {
            if r.by_manager {
                bail!("the policy's [reviewers] by_manager = true needs --roster FILE with a manager column");
            }
        }
        let campaign_key = self
            .campaign_key_file
            .as_deref()
            .map(read_campaign_key)
            .transpose()?;
        Ok(PackSettings {
            formats,
            as_of,
            policy,
            gate,
            ci,
            exports,
            export_company: self.export_company.clone(),
            roster,
            split_by_reviewer: self.split_by_reviewer,
            campaign_key,
            operator: self
                .operator
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string),
        })
    }

    /// Reads and parses `--roster`, if given; every row must parse.
    fn read_roster(&self) -> anyhow::Result<Option<Roster>> {
        read_roster(self.roster.as_deref(), self.roster_format.as_deref())
    }

    /// The files a pack run reads besides the snapshot (and `extra`, such as
    /// `run --previous`), which the pack directory must not hold.
    pub(crate) fn inputs<'a>(
        &'a self,
        extra: &[(&'static str, &'a Path)],
    ) -> Vec<(&'static str, &'a Path)> {
        let mut v: Vec<(&'static str, &Path)> = extra.to_vec();
        if let Some(p) = &self.policy {
            v.push(("policy file", p));
        }
        if let Some(p) = &self.roster {
            v.push(("roster", p));
        }
        v
    }

    /// Checks the pack directory (and `--zip`'s archive) can be written,
    /// before any long work: what `run` would otherwise find out after an
    /// hour's pull.
    pub(crate) fn check_out(&self, extra: &[(&'static str, &Path)]) -> anyhow::Result<()> {
        crate::atomic::check_target(&self.out, self.force, &self.inputs(extra))
            .and_then(|()| crate::atomic::check_writable_dir(&self.out))
            .with_context(|| format!("cannot write the pack to {}", self.out.display()))?;
        if self.zip {
            zip_path(&self.out, self.force)?;
        }
        Ok(())
    }
}

/// Warns of exemptions that match nothing (a typo, or the access is gone)
/// and of those lapsing within the policy's `exemption_warn_days`.
pub(crate) fn tell_exemptions(uses: &[findings::ExemptionUse], out: &Output) {
    for u in uses {
        if u.matched == 0 {
            out.note(format_args!(
                "warning: {} matches no finding: a typo, or the access it excused is gone; remove it from the policy",
                super::term_safe(&u.label())
            ));
        }
        match u.state {
            "expiring" => out.note(format_args!(
                "warning: {} expires on {} (in {} day{}): renew it, with its approver, or remove what it excuses",
                super::term_safe(&u.label()),
                u.expires,
                u.days_left,
                if u.days_left == 1 { "" } else { "s" }
            )),
            "expired" if u.matched > 0 => out.note(format_args!(
                "warning: {} expired on {}: its {} finding{} apply again",
                super::term_safe(&u.label()),
                u.expires,
                u.matched,
                if u.matched == 1 { "" } else { "s" }
            )),
            _ => {}
        }
    }
}

/// Says which leftovers of earlier crashed runs were removed.
pub(crate) fn note_stale(staged: &StagedDir, out: &Output) {
    for p in staged.stale_removed() {
        out.note(format_args!(
            "removed {}, the unfinished output of an earlier run that did not end",
            p.display()
        ));
    }
}

/// Warns of each `[reviewers]` key naming no org, project or group of the
/// snapshot: a typo there silently sends that scope's rows elsewhere.
fn warn_unmatched_reviewer_keys(
    policy: &crate::findings::ReviewerPolicy,
    snapshot: &crate::snapshot::Snapshot,
    out: &Output,
) {
    for k in crate::report::reviewers::unmatched_keys(policy, snapshot) {
        out.note(format_args!(
            "warning: policy [reviewers] {:?} matches no {} of the snapshot{}",
            k.key,
            k.what,
            k.nearest
                .map(|n| format!(" (did you mean {n}?)"))
                .unwrap_or_default()
        ));
    }
}

/// Reads and parses a roster file, if one is named; every row must parse.
pub(crate) fn read_roster(
    path: Option<&Path>,
    roster_format: Option<&str>,
) -> anyhow::Result<Option<Roster>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let format = roster_format
        .map(|s| {
            RosterFormat::parse(s).with_context(|| {
                format!("--roster-format {s:?} is not a roster format: expected entra, okta or hr")
            })
        })
        .transpose()?;
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the roster file {}", path.display()))?;
    // The name, not the path: it is recorded in the pack.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "roster".to_string());
    Ok(Some(Roster::parse(&name, &bytes, format)?))
}

/// Writes the pack for a loaded snapshot into `args.out`, atomically.
/// Returns exit code 1 when a non-exempt finding fails the run (at or above
/// `--fail-on`, or of a rule the policy sets to `deny`), else 0.
/// Adds files to a staged pack before it is sealed (`run --previous`), and
/// returns what they judged (the diff's findings and verdict), which the
/// pack's CI formats add to its own.
pub(crate) type ExtraFiles<'a> = dyn Fn(&Path) -> anyhow::Result<Option<super::ci::Judged>> + 'a;

/// What a scoped thread returned (its panic, carried on).
fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn write(
    loaded: &LoadedSnapshot,
    args: &PackArgs,
    settings: &PackSettings,
    inputs: &[(&'static str, &Path)],
    previous: Option<&crate::findings::PreviousReview>,
    previous_findings: Option<&HashSet<String>>,
    out: &Output,
    extra: Option<&ExtraFiles<'_>>,
) -> anyhow::Result<findings::Verdict> {
    let PackSettings {
        formats,
        as_of,
        policy,
        gate,
        ci,
        exports,
        export_company,
        roster,
        split_by_reviewer,
        campaign_key,
        operator,
    } = settings;
    let split_by_reviewer = *split_by_reviewer;
    let as_of = as_of.unwrap_or_else(|| loaded.snapshot.captured_at());
    let phases = super::progress::Phases::start(out);
    phases.phase("building the access graph");
    let graph = AccessGraph::build(&loaded.snapshot);
    // The Entitlements rows' facts, for the writers of the rows (the
    // workbook, the CSV file, the reviewer split), made beside the
    // finding rules, which leave a core idle part of the time.
    let needs_rows = split_by_reviewer
        || formats
            .iter()
            .any(|f| matches!(f, crate::report::Format::Csv | crate::report::Format::Xlsx));
    phases.phase(format_args!(
        "evaluating findings ({} grants){}",
        graph.grants.len(),
        if needs_rows {
            " and making the entitlement rows"
        } else {
            ""
        }
    ));
    // Who reviews what, beside them too: it reads the graph and the
    // policy, not the findings.
    let (evaluation, entitlement_rows, assignments) = std::thread::scope(|scope| {
        let rows = needs_rows
            .then(|| scope.spawn(|| crate::report::sheets::EntitlementRows::make(&graph)));
        let assignments = policy.reviewers.as_ref().map(|r| {
            let (graph, roster) = (&graph, roster.as_ref());
            scope.spawn(move || {
                let mut a = crate::report::reviewers::assign(graph, r, roster);
                if let Some(key) = campaign_key {
                    a.issue_codes(key, &loaded.sha256);
                }
                a
            })
        });
        let evaluation = findings::evaluate_since(&graph, policy, as_of, roster.as_ref(), previous);
        (evaluation, rows.map(joined), assignments.map(joined))
    });
    let mut verdict = findings::judge(&evaluation.findings, policy, gate, previous_findings);
    verdict.exemptions = findings::exemption_uses(policy, &evaluation.findings, as_of);
    tell_exemptions(&verdict.exemptions, out);
    let ctx = ReportContext {
        loaded,
        graph: &graph,
        as_of,
        findings: &evaluation.findings,
        policy,
        roster: roster.as_ref().map(|r| &r.source),
        assignments: assignments.as_ref(),
        operator: operator.as_deref(),
        verdict: Some(&verdict),
        entitlement_rows: entitlement_rows.as_ref(),
        memo: Default::default(),
    };
    if let Some(r) = &policy.reviewers {
        warn_unmatched_reviewer_keys(r, &loaded.snapshot, out);
    }
    let target: &Path = &args.out;
    let zip_target = args.zip.then(|| zip_path(target, args.force)).transpose()?;
    let staged = StagedDir::new(target, args.force, &args.inputs(inputs))
        .with_context(|| format!("cannot write the pack to {}", target.display()))?;
    note_stale(&staged, out);
    // Write, let the caller add its files (`run --previous`: the diff),
    // then seal, so the manifest, SHA256SUMS and --zip cover everything.
    let split_rows = ctx
        .assignments
        .filter(|_| split_by_reviewer)
        .map(|a| a.rows.len());
    phases.phase(format_args!(
        "writing the pack ({}; {} findings){}",
        formats
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        evaluation.findings.len(),
        split_rows
            .map(|n| format!(" and one workbook per reviewer ({n} rows)"))
            .unwrap_or_default()
    ));
    let mut summary = write_pack(&ctx, formats, staged.path(), split_by_reviewer)
        .with_context(|| format!("writing the pack for {}", target.display()))?;
    let judged = match extra {
        Some(add) => {
            phases.phase("comparing with the previous snapshot (diff)");
            add(staged.path())?
        }
        None => None,
    };
    // The CI formats cover the pack's findings and what the extra files
    // judged (`run --previous`: revocation-not-done and the like), before
    // the seal, so the manifest and SHA256SUMS cover them.
    let ci_run = (!ci.is_off()).then(|| {
        let mut verdicts = vec![&verdict];
        verdicts.extend(judged.as_ref().map(|j| &j.verdict));
        crate::ci::CiRun::new(
            evaluation
                .findings
                .iter()
                .chain(judged.iter().flat_map(|j| &j.findings)),
            &verdicts,
            evaluation.rules_evaluated.iter().copied().chain(
                judged
                    .iter()
                    .flat_map(|j| j.rules_evaluated.iter().map(String::as_str)),
            ),
            policy,
            &loaded.snapshot.account.id,
            "snapshot.json",
        )
    });
    if let Some(run) = &ci_run {
        super::ci::write(ci, staged.path(), run)?;
    }
    if !exports.is_empty() {
        phases.phase("writing the GRC access files");
        let company = export_company
            .clone()
            .or_else(|| loaded.snapshot.account.name.clone())
            .unwrap_or_else(|| loaded.snapshot.account.id.clone());
        crate::report::exports::write(&graph, &loaded.sha256, exports, &company, staged.path())
            .with_context(|| format!("writing the GRC access files for {}", target.display()))?;
    }
    phases.phase("sealing the pack (manifest.json, SHA256SUMS)");
    summary.files = seal_pack(&ctx, formats, staged.path())
        .with_context(|| format!("sealing the pack for {}", target.display()))?;
    if zip_target.is_some() {
        phases.phase("writing the zip");
    }
    let zipped = match &zip_target {
        Some(zip) => Some(
            crate::report::write_zip(staged.path(), loaded.snapshot.captured_at(), zip)
                .with_context(|| format!("writing {}", zip.display()))?,
        ),
        None => None,
    };
    staged
        .commit()
        .with_context(|| format!("moving the pack into {}", target.display()))?;
    drop(phases);
    if let (Some(tmp), Some(zip)) = (zipped, &zip_target) {
        tmp.persist(zip)
            .with_context(|| format!("moving {} into place", zip.display()))?;
    }
    if let Some(run) = &ci_run {
        // `run` is the one caller that adds files.
        let command = if extra.is_some() { "run" } else { "report" };
        super::ci::tell_github(ci, run, command, out);
    }

    if !loaded.snapshot.completeness.complete {
        out.note("warning: the snapshot is INCOMPLETE (pulled with --allow-partial); the pack does not cover the whole account");
    } else if !loaded.snapshot.completeness.vouched() {
        out.note(format_args!(
            "warning: the snapshot is UNVERIFIED (pulled with --allow-unverified): {} lists cannot be vouched for, so the pack may not cover the whole account",
            loaded.snapshot.completeness.unverified()
        ));
    }
    for (rule, why) in &evaluation.rules_not_evaluated {
        if *rule == "inactive-user" && why.starts_with("--as-of") {
            out.note(format_args!("warning: inactive-user not evaluated: {why}"));
        }
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
    if let Some(zip) = &zip_target {
        out.note(format_args!("wrote {}", zip.display()));
    }
    if let Some(a) = &assignments {
        let (per, unassigned) = a.counts();
        out.note(format_args!(
            "reviewers: {} rows assigned to {} reviewers{}{}",
            per.values().sum::<usize>(),
            per.len(),
            if unassigned > 0 {
                format!("; {unassigned} rows have no independent reviewer (unassigned)")
            } else {
                String::new()
            },
            if split_by_reviewer {
                format!("; one workbook each in {}/reviewers", target.display())
            } else {
                String::new()
            }
        ));
    }
    if let Some(a) = &assignments {
        // Before anything is sent: a reviewer who is no person cannot be
        // held accountable for a decision.
        let (per, _) = a.counts();
        for kind in ["not a known person", "disabled user"] {
            let names: Vec<&str> = a
                .reviewers
                .iter()
                .zip(&a.who)
                .filter(|(name, who)| **who == kind && per.contains_key(name.as_str()))
                .map(|(name, _)| name.as_str())
                .collect();
            let why = if kind == "not a known person" {
                " (no user of the account has that email, and no roster lists it: a team mailbox?)"
            } else {
                ""
            };
            // One line each for a few; a campaign of hundreds gets one line.
            if names.len() <= REVIEWERS_NAMED {
                for name in &names {
                    out.note(format_args!(
                        "warning: reviewer {name} is {kind}{why}: name a person accountable for their rows before sending the workbooks"
                    ));
                }
            } else {
                out.note(format_args!(
                    "warning: {} reviewers are each {kind}{why}: {} and {} more (reviewers/assignments.csv lists every reviewer): name a person accountable for their rows before sending the workbooks",
                    names.len(),
                    names[..REVIEWERS_NAMED].join(", "),
                    names.len() - REVIEWERS_NAMED
                ));
            }
        }
    }
    if let Some(r) = &roster {
        out.note(format_args!(
            "roster {}: {} rows ({} format, from the {})",
            r.source.file, r.source.rows, r.source.format, r.source.detected_by
        ));
    }
    out.note(format_args!(
        "findings: {}",
        Counts::of(&evaluation.findings).summary()
    ));
    // The process ends after this (report, run): freeing the graph, the
    // findings and the assignments one allocation at a time would take a
    // second at 50,000 users, for memory the system takes back at exit.
    std::mem::forget(assignments);
    std::mem::forget(entitlement_rows);
    std::mem::forget(evaluation);
    std::mem::forget(graph);
    Ok(verdict)
}

/// How many reviewers a warning names one by one before counting the rest.
const REVIEWERS_NAMED: usize = 5;

/// `DIR.zip` beside `DIR`; refuses to replace an existing zip without
/// `--force`. (Its entries sit under a fixed folder, not DIR's name:
/// [`crate::report::ZIP_ROOT`].)
fn zip_path(target: &Path, force: bool) -> anyhow::Result<PathBuf> {
    let Some(name) = target.file_name() else {
        bail!(
            "--zip needs a pack directory with a name, not {}",
            target.display()
        );
    };
    let zip = target.with_file_name(format!("{}.zip", name.to_string_lossy()));
    if zip.is_dir() {
        bail!(
            "{} is a directory; --zip writes a file there",
            zip.display()
        );
    }
    if zip.exists() && !force {
        bail!("{} exists; pass --force to replace it", zip.display());
    }
    Ok(zip)
}

pub(crate) fn run(args: ReportArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let inputs: [(&'static str, &Path); 1] = [("snapshot", &args.snapshot)];
    args.pack.check_out(&inputs)?;
    let settings = args.pack.validate()?;
    let loaded = load_snapshot(&args.snapshot)?;
    let verdict = write(
        &loaded, &args.pack, &settings, &inputs, None, None, out, None,
    )?;
    Ok(exit_code(super::gate::tell(&settings.gate, &[&verdict])))
}

/// 1 when the gate fails, else 0.
pub(crate) fn exit_code(fails: bool) -> ExitCode {
    if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads a campaign key file: its bytes, without a trailing line end; at
/// least 16 bytes, so the return codes cannot be guessed.
pub(crate) fn read_campaign_key(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut key = std::fs::read(path)
        .with_context(|| format!("cannot read the campaign key file {}", path.display()))?;
    while key.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        key.pop();
    }
    if key.len() < 16 {
        bail!(
            "the campaign key in {} is {} bytes: use at least 16 random bytes (such as `openssl rand -hex 32 > {}`), kept outside the pack",
            path.display(),
            key.len(),
            path.display()
        );
    }
    Ok(key)
}
