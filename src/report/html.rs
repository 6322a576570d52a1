//! `index.html`: the pack as one self-contained page (design.md section 8).
//!
//! One file, no network, in the frame every page shares
//! ([`crate::output::page`]: the stylesheet and script inlined under a
//! Content-Security-Policy that allows only them, by their hashes). The
//! page is complete with JavaScript off; the script only adds search and
//! filter over the rows already in the page. Every piece of Harness text
//! goes through minijinja's HTML autoescaping, with hidden characters shown
//! as markers ([`crate::output::sanitize::html_formatter`]); the one JSON
//! block goes through [`crate::output::sanitize::json_for_script`].
//!
//! Size: the page must stay small and fast for 50,000 principals, so its
//! tables are capped (most severe findings, most privileged principals
//! first) and say so; `review.xlsx` and `csv/` carry every row.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::Value;
use serde::Serialize;
use serde_json::json;

use crate::graph::{format_targets, AccessGraph, Principal, PrivilegeLevel};
use crate::snapshot::Scope;

use super::controls;
use super::sheets::{
    account_label, completeness_line, counts, escalation_permissions, evidence_gaps,
    finding_controls, finding_exemption, fmt_time, join_scopes, last_login, policy_line,
    principal_status, role_label, roster_line, sorted_findings, via_group_name, Counts,
    NOT_LISTED_BY_HARNESS,
};
use super::ReportContext;
use crate::output::page;
use crate::output::sanitize::{json_for_script, template_value};

/// Findings listed inline, most severe first.
pub const FINDINGS_CAP: usize = 1_000;
/// Privileged grants listed inline.
pub const PRIVILEGED_CAP: usize = 1_000;
/// Principals listed inline, most privileged first.
pub const PRINCIPALS_CAP: usize = 1_000;
/// Grants listed per principal.
pub const GRANTS_PER_PRINCIPAL: usize = 5;
/// Incomplete lists listed inline in Provenance.
pub const LISTS_CAP: usize = 500;

const TEMPLATE: &str = include_str!("../../templates/index.html.jinja");

#[derive(Serialize)]
struct Tile {
    label: String,
    value: String,
    /// A word rather than a number: set smaller.
    word: bool,
    note: String,
    tone: &'static str,
}

fn tile(label: &str, value: impl ToString, note: impl Into<String>, tone: &'static str) -> Tile {
    let value = value.to_string();
    Tile {
        label: label.to_string(),
        word: !value.chars().all(|c| c.is_ascii_digit()),
        value,
        note: note.into(),
        tone,
    }
}

#[derive(Serialize)]
struct SeverityCount {
    severity: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct FindingRow {
    severity: &'static str,
    rule: String,
    principal_name: String,
    principal_email: String,
    principal_id: String,
    scope: String,
    message: String,
    controls: String,
    exemption: String,
    exempt: bool,
    id: String,
}

#[derive(Serialize)]
struct FindingGroup {
    severity: &'static str,
    count: usize,
    shown: usize,
    rows: Vec<FindingRow>,
}

#[derive(Serialize)]
struct PrivilegedRow {
    kind: &'static str,
    id: String,
    name: String,
    email: String,
    status: &'static str,
    level: &'static str,
    admin_of: String,
    via: String,
    via_group_name: String,
    assignment: String,
    role: String,
    resource_group: String,
    targets: String,
    resources: String,
    escalation: String,
}

#[derive(Serialize)]
struct GroupLabel {
    name: String,
    id: String,
}

#[derive(Serialize)]
struct GrantLine {
    level: &'static str,
    role: String,
    resource_group: String,
    targets: String,
    via: String,
}

#[derive(Serialize)]
struct PrincipalRow {
    kind: &'static str,
    id: String,
    name: String,
    email: String,
    status: &'static str,
    status_key: &'static str,
    two_factor: &'static str,
    scim: bool,
    level: &'static str,
    admin_of: String,
    groups: Vec<GroupLabel>,
    grants: Vec<GrantLine>,
    grants_more: usize,
    last_login: String,
}

#[derive(Serialize)]
struct Section<T> {
    total: usize,
    shown: usize,
    rows: T,
}

#[derive(Serialize)]
struct ListRow {
    endpoint: String,
    scope: String,
    stored: u64,
    reported: String,
    note: String,
}

#[derive(Serialize)]
struct KeyValue {
    item: String,
    value: String,
}

/// Renders index.html into `path`. `grant_files`: the pack's files that
/// list every grant, as the page names them.
pub fn write(
    ctx: &ReportContext<'_, '_>,
    path: &Path,
    grant_files: &[&str],
) -> std::io::Result<()> {
    let html = render(ctx, grant_files)?;
    std::fs::write(path, html)
}

/// Renders index.html.
pub fn render(ctx: &ReportContext<'_, '_>, grant_files: &[&str]) -> std::io::Result<String> {
    let s = &ctx.loaded.snapshot;
    let g = ctx.graph;
    let c = counts(ctx);
    let captured_at = fmt_time(s.captured_at());

    // The evidence named on every printed page, as CSS text.
    let print_identity = format!(
        "Account {} · snapshot {} · SHA-256 {}",
        s.account.id, captured_at, ctx.loaded.sha256
    );

    let findings = findings_section(ctx);
    let privileged = privileged_section(g);
    let principals = principals_section(g);
    let lists = &s.completeness.lists;
    let incomplete: Vec<ListRow> = lists
        .iter()
        .filter(|l| !l.complete || l.unverified.is_some())
        .take(LISTS_CAP)
        .map(|l| ListRow {
            endpoint: l.endpoint.clone(),
            scope: l.scope.to_string(),
            stored: l.stored,
            reported: l
                .total_items
                .map_or("unpaged".to_string(), |t| t.to_string()),
            note: match (&l.unverified, l.complete) {
                (Some(why), true) => format!("UNVERIFIED: {why}"),
                _ => l.note.clone().unwrap_or_default(),
            },
        })
        .collect();
    let lists_incomplete = lists
        .iter()
        .filter(|l| !l.complete || l.unverified.is_some())
        .count();

    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    for f in ctx.findings {
        *rules.entry(f.rule.as_str()).or_default() += 1;
    }
    let data = json!({
        "account_id": s.account.id,
        "snapshot_sha256": ctx.loaded.sha256,
        "snapshot_captured_at": captured_at,
        "complete": s.completeness.complete,
        "facets": {
            "rules": rules.iter().map(|(r, n)| json!([r, n])).collect::<Vec<_>>(),
        },
        "sections": {
            "findings": {"total": findings.total, "shown": findings.shown},
            "privileged": {"total": privileged.total, "shown": privileged.shown},
            "principals": {"total": principals.total, "shown": principals.shown},
        },
    });

    let page = json!({
        "account_label": account_label(s),
        "account_id": s.account.id,
        "captured_at": captured_at,
        "sha256": ctx.loaded.sha256,
        "as_of": fmt_time(ctx.as_of),
        "complete": s.completeness.vouched(),
        "campaign": ctx.assignments.is_some(),
        "completeness": completeness_line(s),
        "completeness_state": completeness_line(s).split_once(": ").map_or(String::new(), |(a, _)| a.to_string()),
        "completeness_rest": completeness_line(s).split_once(": ").map_or(String::new(), |(_, b)| b.to_string()),
        "gaps": evidence_gaps(s),
        "window": format!(
            "{} days, {} to {}",
            s.activity.window_days,
            fmt_time(s.activity.window_start),
            fmt_time(s.activity.window_end)
        ),
        "tiles": tiles(ctx, &c),
        "severities": c.findings_by_severity.iter().map(|(sev, n)| SeverityCount { severity: sev.as_str(), count: *n }).collect::<Vec<_>>(),
        "findings": findings,
        "privileged": privileged,
        "principals": principals,
        "grants_per_principal": GRANTS_PER_PRINCIPAL,
        "grant_files": grant_files,
        "controls": controls::rows(ctx.findings).into_iter().map(|r| json!({
            "control": r.control,
            "title": r.title,
            "status": r.status,
            "what": r.what,
            "where": r.r#where,
            "open_findings": r.open_findings,
        })).collect::<Vec<_>>(),
        "provenance": provenance(ctx),
        "reconciliation": super::sheets::reconciliation_steps(ctx).into_iter().map(|r| json!({
            "step": r.step,
            "count": r.count,
            "compared_with": r.compared_with.as_ref().map(|(w, n)| format!("{w}: {n}")),
            "difference": r.difference(),
            "why": r.why,
        })).collect::<Vec<_>>(),
        "lists_total": lists.len(),
        "lists_complete": lists.len() - lists_incomplete,
        "lists_incomplete": lists_incomplete,
        "lists_shown": incomplete.len(),
        "incomplete_lists": incomplete,
    });

    let mut map: BTreeMap<String, Value> = BTreeMap::new();
    if let serde_json::Value::Object(o) = &page {
        for (k, v) in o {
            map.insert(k.clone(), template_value(v));
        }
    }
    map.insert(
        "data_json".into(),
        Value::from_safe_string(json_for_script(&data)),
    );
    page::render(
        "index.html.jinja",
        TEMPLATE,
        &print_identity,
        Value::from(map),
    )
    .map_err(|e| std::io::Error::other(format!("index.html: {e}")))
}

fn tiles(ctx: &ReportContext<'_, '_>, c: &Counts) -> Vec<Tile> {
    let s = &ctx.loaded.snapshot;
    let open = ctx.findings.len() - c.findings_exempt;
    let severe: usize = c
        .findings_by_severity
        .iter()
        .filter(|(sev, _)| *sev >= crate::findings::Severity::High)
        .map(|(_, n)| n)
        .sum();
    vec![
        if s.completeness.vouched() {
            tile(
                "Extraction",
                "Complete",
                "every list read matched Harness's count (the extraction, not the review)",
                "good",
            )
        } else if s.completeness.complete {
            tile(
                "Extraction",
                "UNVERIFIED",
                format!(
                    "{} lists cannot be vouched for: Harness's access check could not be used (see Provenance)",
                    s.completeness.unverified()
                ),
                "bad",
            )
        } else {
            tile("Extraction", "INCOMPLETE", "see Provenance", "bad")
        },
        tile(
            "Users",
            c.users,
            format!(
                "{} enabled, {} disabled, {} locked",
                c.users_enabled, c.users_disabled, c.users_locked
            ),
            "plain",
        ),
        tile("Service accounts", c.service_accounts, "", "plain"),
        tile(
            "Account admins",
            c.account_admins,
            format!("{} principals admin of some scope", c.admins),
            if c.account_admins > ctx.policy.thresholds.max_account_admins as usize {
                "warn"
            } else {
                "plain"
            },
        ),
        tile(
            "Escalation holders",
            c.escalation_holders,
            "can grant themselves more access",
            if c.escalation_holders > 0 {
                "warn"
            } else {
                "plain"
            },
        ),
        tile(
            "Privileged grants",
            c.privileged_grants,
            "admin or escalation",
            "plain",
        ),
        tile(
            "Role assignments",
            c.assignments_active,
            if c.assignments_internal > 0 {
                format!(
                    "active; {} disabled, {} orphaned, {} to Harness services",
                    c.assignments_disabled, c.assignments_orphaned, c.assignments_internal
                )
            } else {
                format!(
                    "active; {} disabled, {} orphaned",
                    c.assignments_disabled, c.assignments_orphaned
                )
            },
            "plain",
        ),
        tile("Grants", c.grants, "principal × assignment", "plain"),
        tile("API tokens", c.tokens, "", "plain"),
        tile(
            "Open findings",
            open,
            format!("{severe} high or critical; {} exempt", c.findings_exempt),
            if severe > 0 { "bad" } else { "plain" },
        ),
    ]
}

fn findings_section(ctx: &ReportContext<'_, '_>) -> Section<Vec<FindingGroup>> {
    let sorted = sorted_findings(ctx);
    let mut groups: Vec<FindingGroup> = Vec::new();
    let mut shown = 0usize;
    for f in &sorted {
        let sev = f.severity.as_str();
        if groups.last().is_none_or(|g| g.severity != sev) {
            groups.push(FindingGroup {
                severity: sev,
                count: 0,
                shown: 0,
                rows: Vec::new(),
            });
        }
        let Some(group) = groups.last_mut() else {
            continue;
        };
        group.count += 1;
        if shown < FINDINGS_CAP {
            shown += 1;
            group.shown += 1;
            let p = f.principal.as_ref();
            group.rows.push(FindingRow {
                severity: sev,
                rule: f.rule.clone(),
                principal_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                principal_email: p.and_then(|p| p.email.clone()).unwrap_or_default(),
                principal_id: p.map(|p| p.id.clone()).unwrap_or_default(),
                scope: f.scope.clone().unwrap_or_default(),
                message: f.message.clone(),
                controls: finding_controls(f),
                exemption: finding_exemption(f),
                exempt: f.is_exempt(),
                id: f.id.clone(),
            });
        }
    }
    Section {
        total: sorted.len(),
        shown,
        rows: groups,
    }
}

fn privileged_section(g: &AccessGraph<'_>) -> Section<Vec<PrivilegedRow>> {
    let s = g.snapshot();
    let mut all: Vec<_> = g
        .privileged_grants()
        .filter_map(|x| g.access_of(x.assignment).map(|a| (x, a)))
        .collect();
    // Admins first, the widest scope first, then by name.
    all.sort_by(|(x, a), (y, b)| {
        (
            std::cmp::Reverse(a.level),
            a.admin_of.as_ref().map(Scope::level),
            g.identity(x.principal).name.to_lowercase(),
            x,
        )
            .cmp(&(
                std::cmp::Reverse(b.level),
                b.admin_of.as_ref().map(Scope::level),
                g.identity(y.principal).name.to_lowercase(),
                y,
            ))
    });
    let total = all.len();
    let rows = all
        .into_iter()
        .take(PRIVILEGED_CAP)
        .map(|(grant, access)| {
            let id = g.identity(grant.principal);
            let a = &s.role_assignments[grant.assignment];
            let (role_id, role_scope) = role_label(g, grant.assignment);
            PrivilegedRow {
                kind: id.kind,
                id: id.id,
                name: id.name.to_string(),
                email: id.email.unwrap_or_default().to_string(),
                status: principal_status(g, grant.principal),
                level: access.level.as_str(),
                admin_of: access
                    .admin_of
                    .as_ref()
                    .map(Scope::to_string)
                    .unwrap_or_default(),
                via: g.via_label(grant.via),
                via_group_name: via_group_name(g, grant.via).unwrap_or_default().to_string(),
                assignment: format!("{}/{}", a.scope, a.id),
                role: if role_scope.is_empty() {
                    role_id
                } else {
                    format!("{role_scope}/{role_id}")
                },
                resource_group: a.resource_group.to_string(),
                targets: format_targets(&access.targets),
                resources: crate::graph::format_resources(access.resources.as_deref()),
                escalation: escalation_permissions(g, grant),
            }
        })
        .collect::<Vec<_>>();
    Section {
        total,
        shown: rows.len(),
        rows,
    }
}

fn principals_section(g: &AccessGraph<'_>) -> Section<Vec<PrincipalRow>> {
    let s = g.snapshot();
    let mut all: Vec<(Principal, PrivilegeLevel, bool, String)> = g
        .principals()
        .map(|p| {
            let account_admin = g.admin_scopes(p).contains(&Scope::Account);
            (
                p,
                g.highest_level(p),
                account_admin,
                g.identity(p).name.to_lowercase(),
            )
        })
        .collect();
    all.sort_by(|a, b| {
        (std::cmp::Reverse(a.1), std::cmp::Reverse(a.2), &a.3, a.0).cmp(&(
            std::cmp::Reverse(b.1),
            std::cmp::Reverse(b.2),
            &b.3,
            b.0,
        ))
    });
    let total = all.len();
    let rows = all
        .into_iter()
        .take(PRINCIPALS_CAP)
        .map(|(p, level, _, _)| {
            let id = g.identity(p);
            let grants = g.grants_of(p);
            let mut ordered: Vec<_> = grants
                .iter()
                .filter_map(|x| g.access_of(x.assignment).map(|a| (x, a)))
                .collect();
            ordered.sort_by(|(x, a), (y, b)| {
                (std::cmp::Reverse(a.level), x).cmp(&(std::cmp::Reverse(b.level), y))
            });
            let lines = ordered
                .iter()
                .take(GRANTS_PER_PRINCIPAL)
                .map(|(x, a)| {
                    let assignment = &s.role_assignments[x.assignment];
                    let (role_id, _) = role_label(g, x.assignment);
                    let via = match via_group_name(g, x.via) {
                        Some(name) => format!("via {} ({name})", g.via_label(x.via)),
                        None => format!("via {}", g.via_label(x.via)),
                    };
                    GrantLine {
                        level: a.level.as_str(),
                        role: role_id,
                        resource_group: assignment.resource_group.to_string(),
                        targets: format_targets(&a.targets),
                        via,
                    }
                })
                .collect::<Vec<_>>();
            let (two_factor, scim, groups, login) = match p {
                Principal::User(i) => {
                    let u = &s.users[i];
                    let groups = g
                        .groups_of_user(i)
                        .iter()
                        .map(|&gi| {
                            let x = &s.user_groups[gi];
                            GroupLabel {
                                name: x.name.clone(),
                                id: format!("{}/{}", x.scope, x.id),
                            }
                        })
                        .collect();
                    let tf = match u.two_factor_enabled {
                        Some(true) => "on",
                        Some(false) => "off",
                        None => "unknown",
                    };
                    (tf, u.externally_managed, groups, last_login(g, i))
                }
                Principal::ServiceAccount(_) => ("", false, Vec::new(), "n/a".to_string()),
            };
            let status = principal_status(g, p);
            PrincipalRow {
                kind: id.kind,
                id: id.id,
                name: id.name.to_string(),
                email: id.email.unwrap_or_default().to_string(),
                status,
                status_key: match status {
                    "enabled" => "enabled",
                    "locked" => "locked",
                    _ => "disabled",
                },
                two_factor,
                scim,
                level: level.as_str(),
                admin_of: join_scopes(&g.admin_scopes(p)),
                groups,
                grants_more: ordered.len().saturating_sub(lines.len()),
                grants: lines,
                last_login: login,
            }
        })
        .collect::<Vec<_>>();
    Section {
        total,
        shown: rows.len(),
        rows,
    }
}

fn provenance(ctx: &ReportContext<'_, '_>) -> Vec<KeyValue> {
    let s = &ctx.loaded.snapshot;
    let p = &s.provenance;
    let caller = p
        .caller
        .as_ref()
        .map(|c| {
            let mut out = format!("{} {}", c.kind, c.id);
            if let Some(n) = &c.name {
                out.push_str(&format!(" ({n})"));
            }
            out
        })
        .unwrap_or_else(|| "not recorded".to_string());
    [
        ("Completeness", completeness_line(s)),
        (
            "Snapshot format",
            format!("{} version {}", s.format, s.version),
        ),
        ("Snapshot SHA-256", ctx.loaded.sha256.clone()),
        ("Pulled from", p.base_url.clone()),
        ("Pulled by", caller),
        ("Pull started", fmt_time(p.started_at)),
        ("Pull finished (capture time)", fmt_time(p.finished_at)),
        ("Pulled with", format!("reviewpack {}", p.tool_version)),
        ("Pull command line", p.command_line.join(" ")),
        ("Note", p.note.clone().unwrap_or_default()),
        ("Not listed by Harness", NOT_LISTED_BY_HARNESS.to_string()),
        ("Inactivity measured as of", fmt_time(ctx.as_of)),
        ("Policy", policy_line(ctx)),
        ("Roster", roster_line(ctx)),
        (
            "Pack made with",
            format!("reviewpack {}", env!("CARGO_PKG_VERSION")),
        ),
    ]
    .into_iter()
    .map(|(k, v)| KeyValue {
        item: k.to_string(),
        value: v,
    })
    .collect()
}
