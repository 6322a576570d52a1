//! The Summary and Provenance sheets (key-value), and the facts both the
//! workbook and the page state about a pack: counts, completeness, evidence
//! gaps, what Harness does not list, the account, policy and roster lines.

use super::*;

pub(super) const KEY_VALUE: &[Column] = &[col("item", "Item", 46.0), col("value", "Value", 100.0)];

pub(super) fn key_values(items: Vec<(String, Cell)>, sink: &mut Sink<'_>) -> io::Result<()> {
    for (k, v) in items {
        sink(vec![Cell::Text(k), v])?;
    }
    Ok(())
}

/// Counts that the summary sheet, the HTML tiles and the CLI share.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Account users.
    pub users: usize,
    /// Users neither disabled nor locked.
    pub users_enabled: usize,
    /// Disabled users.
    pub users_disabled: usize,
    /// Locked users.
    pub users_locked: usize,
    /// Service accounts.
    pub service_accounts: usize,
    /// User groups.
    pub groups: usize,
    /// Roles.
    pub roles: usize,
    /// Resource groups.
    pub resource_groups: usize,
    /// Role assignments.
    pub assignments: usize,
    /// Active role assignments.
    pub assignments_active: usize,
    /// Disabled role assignments.
    pub assignments_disabled: usize,
    /// Orphaned role assignments.
    pub assignments_orphaned: usize,
    /// Role assignments bound to Harness's own services (`SERVICE`).
    pub assignments_internal: usize,
    /// Grants (effective-access rows).
    pub grants: usize,
    /// Principals administering at least one scope.
    pub admins: usize,
    /// Principals administering the account.
    pub account_admins: usize,
    /// Principals whose strongest level is escalation.
    pub escalation_holders: usize,
    /// Admin and escalation grants.
    pub privileged_grants: usize,
    /// API tokens.
    pub tokens: usize,
    /// Findings per severity, strongest first (all five listed).
    pub findings_by_severity: Vec<(Severity, usize)>,
    /// Findings under an active exemption.
    pub findings_exempt: usize,
}

/// The shared counts (made once per context).
pub fn counts(ctx: &ReportContext<'_, '_>) -> Counts {
    ctx.memo.counts.get_or_init(|| make_counts(ctx)).clone()
}

fn make_counts(ctx: &ReportContext<'_, '_>) -> Counts {
    let g = ctx.graph;
    let s = g.snapshot();
    let mut c = Counts {
        users: s.users.len(),
        users_enabled: s.users.iter().filter(|u| !u.disabled && !u.locked).count(),
        users_disabled: s.users.iter().filter(|u| u.disabled).count(),
        users_locked: s.users.iter().filter(|u| u.locked).count(),
        service_accounts: s.service_accounts.len(),
        groups: s.user_groups.len(),
        roles: s.roles.len(),
        resource_groups: s.resource_groups.len(),
        assignments: s.role_assignments.len(),
        tokens: s.tokens.len(),
        grants: row_count(ctx, SheetId::EffectiveAccess),
        privileged_grants: g.privileged_grants().count(),
        ..Counts::default()
    };
    for r in &g.assignments {
        match r.status {
            AssignmentStatus::Active => c.assignments_active += 1,
            AssignmentStatus::Disabled => c.assignments_disabled += 1,
            AssignmentStatus::Orphaned(_) => c.assignments_orphaned += 1,
            AssignmentStatus::Internal => c.assignments_internal += 1,
        }
    }
    for p in g.principals() {
        let admin = g.admin_scopes(p);
        if !admin.is_empty() {
            c.admins += 1;
        }
        if admin.contains(&Scope::Account) {
            c.account_admins += 1;
        }
        if g.highest_level(p) == PrivilegeLevel::Escalation {
            c.escalation_holders += 1;
        }
    }
    for sev in Severity::DESCENDING {
        let n = ctx.findings.iter().filter(|f| f.severity == sev).count();
        c.findings_by_severity.push((sev, n));
    }
    c.findings_exempt = ctx.findings.iter().filter(|f| f.is_exempt()).count();
    c
}

/// One line saying whether the snapshot is complete.
pub fn completeness_line(s: &Snapshot) -> String {
    if s.completeness.vouched() {
        "complete: every list matched the count Harness reported".to_string()
    } else if s.completeness.complete {
        format!(
            "UNVERIFIED: {} of {} lists cannot be vouched for (Harness's access check could not be used, and Harness leaves out what the key may not view without an error; pulled with --allow-unverified): this pack may not cover the whole account (Provenance lists them)",
            s.completeness.unverified(),
            s.completeness.lists.len()
        )
    } else {
        let lists = &s.completeness.lists;
        let bad = lists.iter().filter(|l| !l.complete).count();
        format!(
            "INCOMPLETE: {bad} of {} lists were not read completely (pulled with --allow-partial); this pack does not cover the whole account",
            lists.len()
        )
    }
}

/// What the pulling key could not read, one sentence per kind of gap, with
/// the rules that therefore did not run (empty when nothing is missing).
pub fn evidence_gaps(s: &Snapshot) -> Vec<String> {
    use crate::snapshot::UnreadKind;
    let mut out = Vec::new();
    let of = |k: UnreadKind| s.completeness.unread.iter().filter(move |u| u.what == k);
    if let Some(u) = of(UnreadKind::ApiKeys).chain(of(UnreadKind::Tokens)).next() {
        out.push(format!(
            "Service accounts' API keys and tokens were not read (the pulling key lacks {}): token-long-lived and token-expired-not-removed were not evaluated, and the Tokens sheet lists only what was read.",
            u.needs.as_deref().unwrap_or("the permission to list them")
        ));
    }
    let roles: Vec<_> = of(UnreadKind::Role).collect();
    if !roles.is_empty() {
        out.push(format!(
            "{} role(s) named by role assignments could not be read; those assignments are listed as orphaned (role not readable) and grant nothing here.",
            roles.len()
        ));
    }
    if let Some(u) = of(UnreadKind::AccountName).next() {
        out.push(format!(
            "The account's name and sign-in settings were not read ({}).",
            u.needs.as_deref().unwrap_or("the request failed")
        ));
    }
    out
}

/// What Harness's own lists leave out, for every pull: said on the
/// Provenance sheet and page so nobody counts it as missing evidence.
pub const NOT_LISTED_BY_HARNESS: &str = "Harness's internal baseline assignments (_account_basic, _organization_basic, _project_basic bound to the all-users groups) are hidden by roleassignments/filter and are not in this pack; nor are principal types other than users, groups and service accounts.";

/// The account as a pack names it: `Name (id)`, or the id.
pub fn account_label(s: &Snapshot) -> String {
    match &s.account.name {
        Some(n) if !n.is_empty() => format!("{n} ({})", s.account.id),
        _ => s.account.id.clone(),
    }
}

pub(super) fn caller_label(s: &Snapshot) -> String {
    match &s.provenance.caller {
        Some(c) => {
            let mut out = format!("{} {}", c.kind, c.id);
            if let Some(n) = &c.name {
                out.push_str(&format!(" ({n})"));
            }
            if let Some(e) = &c.email {
                out.push_str(&format!(" <{e}>"));
            }
            out
        }
        None => "not recorded".to_string(),
    }
}

/// The policy the findings were evaluated with, in one line.
/// The roster the findings were checked against, with its hash.
pub fn roster_line(ctx: &ReportContext<'_, '_>) -> String {
    match ctx.roster {
        Some(r) => format!(
            "{} ({} format by {}, {} rows), SHA-256 {}",
            r.file, r.format, r.detected_by, r.rows, r.sha256
        ),
        None => "none (run with --roster to check users against the workforce)".to_string(),
    }
}

pub fn policy_line(ctx: &ReportContext<'_, '_>) -> String {
    let p = ctx.policy;
    let t = &p.thresholds;
    let source = match (&p.source.file_name, &p.source.sha256) {
        (Some(name), Some(sha)) => format!("file {name} (SHA-256 {sha})"),
        (Some(name), None) => format!("file {name}"),
        _ => "built-in defaults".to_string(),
    };
    format!(
        "{source}; inactive_days {}, max_account_admins {}, token_max_days {}; {} exemptions (findings.json has the whole effective policy)",
        t.inactive_days,
        t.max_account_admins,
        t.token_max_days,
        p.exemptions.len()
    )
}

pub(super) fn summary_items(ctx: &ReportContext<'_, '_>) -> Vec<(String, Cell)> {
    let s = &ctx.loaded.snapshot;
    let c = counts(ctx);
    let mut v: Vec<(String, Cell)> = vec![("Completeness".into(), completeness_line(s).into())];
    for gap in evidence_gaps(s) {
        v.push(("Gap in the evidence".into(), gap.into()));
    }
    v.extend([
        ("Account".into(), account_label(s).into()),
        ("Account ID".into(), s.account.id.clone().into()),
        (
            "Snapshot captured at".into(),
            fmt_time(s.captured_at()).into(),
        ),
        ("Snapshot SHA-256".into(), ctx.loaded.sha256.clone().into()),
        ("Pulled from".into(), s.provenance.base_url.clone().into()),
        ("Pulled by".into(), caller_label(s).into()),
        (
            "Inactivity measured as of".into(),
            fmt_time(ctx.as_of).into(),
        ),
        ("Policy".into(), policy_line(ctx).into()),
        ("Roster".into(), roster_line(ctx).into()),
        (
            "Activity window".into(),
            format!(
                "{} days: {} to {} (audit LOGIN / LOGIN2FA events)",
                s.activity.window_days,
                fmt_time(s.activity.window_start),
                fmt_time(s.activity.window_end)
            )
            .into(),
        ),
        ("Users".into(), c.users.into()),
        ("Users enabled".into(), c.users_enabled.into()),
        ("Users disabled".into(), c.users_disabled.into()),
        ("Users locked".into(), c.users_locked.into()),
        ("Service accounts".into(), c.service_accounts.into()),
        ("User groups".into(), c.groups.into()),
        ("Roles".into(), c.roles.into()),
        ("Resource groups".into(), c.resource_groups.into()),
        ("Role assignments".into(), c.assignments.into()),
        (
            "Role assignments active".into(),
            c.assignments_active.into(),
        ),
        (
            "Role assignments disabled (dormant)".into(),
            c.assignments_disabled.into(),
        ),
        (
            "Role assignments orphaned".into(),
            c.assignments_orphaned.into(),
        ),
        ("Grants (effective access rows)".into(), c.grants.into()),
        ("Principals with admin access".into(), c.admins.into()),
        ("Account admins".into(), c.account_admins.into()),
        (
            "Principals holding escalation permissions (not admin)".into(),
            c.escalation_holders.into(),
        ),
        ("Privileged grants".into(), c.privileged_grants.into()),
        ("API tokens".into(), c.tokens.into()),
        ("Findings".into(), ctx.findings.len().into()),
    ]);
    if c.assignments_internal > 0 {
        let at = v
            .iter()
            .position(|(k, _)| k == "Role assignments orphaned")
            .map_or(v.len(), |i| i + 1);
        v.insert(
            at,
            (
                "Role assignments to Harness services (managed by Harness, not reviewed)".into(),
                c.assignments_internal.into(),
            ),
        );
    }
    for (sev, n) in &c.findings_by_severity {
        v.push((format!("Findings {sev}"), (*n).into()));
    }
    v.push((
        "Findings under an active exemption".into(),
        c.findings_exempt.into(),
    ));
    v.push((
        "Made by".into(),
        format!("reviewpack {}", env!("CARGO_PKG_VERSION")).into(),
    ));
    v
}

pub(super) fn provenance_items(ctx: &ReportContext<'_, '_>) -> Vec<(String, Cell)> {
    let s = &ctx.loaded.snapshot;
    let p = &s.provenance;
    let mut v: Vec<(String, Cell)> = vec![
        ("Completeness".into(), completeness_line(s).into()),
        ("Account".into(), account_label(s).into()),
        (
            "Snapshot format".into(),
            format!("{} version {}", s.format, s.version).into(),
        ),
        ("Snapshot SHA-256".into(), ctx.loaded.sha256.clone().into()),
        (
            "Snapshot file in this pack".into(),
            "snapshot.json (byte for byte)".into(),
        ),
        ("Pulled from".into(), p.base_url.clone().into()),
        ("Pulled by".into(), caller_label(s).into()),
        ("Pull started".into(), fmt_time(p.started_at).into()),
        (
            "Pull finished (capture time)".into(),
            fmt_time(p.finished_at).into(),
        ),
        (
            "Pulled with".into(),
            format!("reviewpack {}", p.tool_version).into(),
        ),
        ("Pull command line".into(), p.command_line.join(" ").into()),
        ("Note".into(), p.note.clone().unwrap_or_default().into()),
        ("Not listed by Harness".into(), NOT_LISTED_BY_HARNESS.into()),
        (
            "Activity window".into(),
            format!(
                "{} days: {} to {}",
                s.activity.window_days,
                fmt_time(s.activity.window_start),
                fmt_time(s.activity.window_end)
            )
            .into(),
        ),
        (
            "Inactivity measured as of".into(),
            fmt_time(ctx.as_of).into(),
        ),
        ("Policy".into(), policy_line(ctx).into()),
        ("Roster".into(), roster_line(ctx).into()),
        (
            "Pack made with".into(),
            format!("reviewpack {}", env!("CARGO_PKG_VERSION")).into(),
        ),
        (
            "Verify".into(),
            "sha256sum -c SHA256SUMS (in the pack directory); manifest.json lists every file"
                .into(),
        ),
    ];
    let lists = &s.completeness.lists;
    v.push((
        "Lists read".into(),
        format!(
            "{} lists, {} complete",
            lists.len(),
            lists.iter().filter(|l| l.complete).count()
        )
        .into(),
    ));
    // Incomplete lists first: they are what a reader must see.
    let mut ordered: Vec<_> = lists.iter().collect();
    ordered.sort_by_key(|l| l.complete);
    for l in ordered {
        let total = l
            .total_items
            .map_or("unpaged".to_string(), |t| format!("{t} reported"));
        let mut value = format!(
            "{}: {} stored, {total}, {} pages, {} retries",
            if l.complete { "complete" } else { "INCOMPLETE" },
            l.stored,
            l.pages,
            l.retries
        );
        if let Some(n) = &l.note {
            value.push_str(&format!("; {n}"));
        }
        v.push((format!("List {} at {}", l.endpoint, l.scope), value.into()));
    }
    v
}
