//! `csv/`: one RFC 4180 file per sheet, UTF-8, a header row, every cell
//! sanitised. Rows are in the graph's and snapshot's canonical order, so the
//! same snapshot always gives the same bytes.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::graph::{
    format_resources, format_targets, is_all_users_group, AccessGraph, AssignmentStatus, GroupRef,
    Principal, PrivilegeLevel, ResolvedPrincipal, ResolvedResourceGroup, Via,
};
use crate::snapshot::{Scope, Snapshot, User};

use super::sanitize::cell;
use super::ReportContext;

struct Sheet {
    writer: csv::Writer<BufWriter<File>>,
}

impl Sheet {
    fn create(path: &Path, header: &[&str]) -> std::io::Result<Sheet> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(BufWriter::new(File::create(path)?));
        writer.write_record(header)?;
        Ok(Sheet { writer })
    }

    fn row<I, S>(&mut self, cells: I) -> std::io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| cell(c.as_ref()).into_owned())
            .collect();
        self.writer.write_record(&cells)?;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.writer.flush()?;
        let inner = self
            .writer
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        inner
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?
            .sync_all()
    }
}

/// Writes one CSV file.
type SheetWriter = fn(&AccessGraph<'_>, &Snapshot, &Path) -> std::io::Result<()>;

/// Writes every CSV file into `dir`; returns their pack-relative names.
pub fn write_all(ctx: &ReportContext<'_, '_>, dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let g = ctx.graph;
    let s = g.snapshot();
    let writers: [(&str, SheetWriter); 7] = [
        ("principals.csv", principals),
        ("effective_access.csv", effective_access),
        ("role_assignments.csv", role_assignments),
        ("groups.csv", groups),
        ("group_members.csv", group_members),
        ("roles.csv", roles),
        ("resource_groups.csv", resource_groups),
    ];
    let mut names = Vec::new();
    for (name, write) in writers {
        write(g, s, &dir.join(name))?;
        names.push(format!("csv/{name}"));
    }
    Ok(names)
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn two_factor(u: &User) -> &'static str {
    match u.two_factor_enabled {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn join_scopes(v: &[Scope]) -> String {
    v.iter()
        .map(Scope::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn principals(g: &AccessGraph<'_>, s: &Snapshot, path: &Path) -> std::io::Result<()> {
    let mut sheet = Sheet::create(
        path,
        &[
            "kind",
            "id",
            "name",
            "email",
            "scope",
            "status",
            "two_factor",
            "externally_managed",
            "groups",
            "direct_assignments",
            "grants",
            "highest_privilege",
            "admin_of",
            "last_login",
        ],
    )?;
    let window = s.activity.window_days;
    for p in g.principals() {
        let id = g.identity(p);
        let grants = g.grants_of(p);
        let direct = grants.iter().filter(|x| x.via == Via::Direct).count();
        let level = g.highest_level(p);
        let admin = join_scopes(&g.admin_scopes(p));
        let row: Vec<String> = match p {
            Principal::User(i) => {
                let u = &s.users[i];
                let groups = g
                    .groups_of_user(i)
                    .iter()
                    .map(|&gi| {
                        let x = &s.user_groups[gi];
                        format!("{}/{}", x.scope, x.id)
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let last_login = match g.last_login(i) {
                    Some(l) => l
                        .last_login
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    None => format!("none in {window} days"),
                };
                vec![
                    id.kind.into(),
                    id.id,
                    u.name.clone(),
                    u.email.clone(),
                    "account".into(),
                    u.status().into(),
                    two_factor(u).into(),
                    yes_no(u.externally_managed).into(),
                    groups,
                    direct.to_string(),
                    grants.len().to_string(),
                    level.as_str().into(),
                    admin,
                    last_login,
                ]
            }
            Principal::ServiceAccount(i) => {
                let sa = &s.service_accounts[i];
                vec![
                    id.kind.into(),
                    id.id,
                    sa.name.clone(),
                    sa.email.clone().unwrap_or_default(),
                    sa.scope.to_string(),
                    "enabled".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    direct.to_string(),
                    grants.len().to_string(),
                    level.as_str().into(),
                    admin,
                    String::new(),
                ]
            }
        };
        sheet.row(row)?;
    }
    sheet.finish()
}

fn role_label(g: &AccessGraph<'_>, ai: usize) -> (String, String) {
    let s = g.snapshot();
    let a = &s.role_assignments[ai];
    match g.assignments[ai].role {
        Some(r) => (s.roles[r].id.to_string(), s.roles[r].scope.to_string()),
        None => (a.role.id.to_string(), String::new()),
    }
}

fn resource_group_scope(g: &AccessGraph<'_>, ai: usize) -> String {
    let s = g.snapshot();
    match &g.assignments[ai].resource_group {
        Some(ResolvedResourceGroup::Listed(i)) => s.resource_groups[*i].scope.to_string(),
        Some(ResolvedResourceGroup::Builtin(_)) => s.role_assignments[ai].scope.to_string(),
        None => String::new(),
    }
}

fn effective_access(g: &AccessGraph<'_>, s: &Snapshot, path: &Path) -> std::io::Result<()> {
    let mut sheet = Sheet::create(
        path,
        &[
            "principal_kind",
            "principal_id",
            "principal_name",
            "principal_email",
            "via",
            "assignment_id",
            "assignment_scope",
            "role_id",
            "role_scope",
            "resource_group_id",
            "resource_group_scope",
            "target_scopes",
            "resources",
            "privilege_level",
            "admin_of",
            "permissions",
        ],
    )?;
    for grant in &g.grants {
        let id = g.identity(grant.principal);
        let a = &s.role_assignments[grant.assignment];
        let Some(access) = g.access_of(grant.assignment) else {
            continue;
        };
        let (role_id, role_scope) = role_label(g, grant.assignment);
        sheet.row([
            id.kind.to_string(),
            id.id,
            id.name.to_string(),
            id.email.unwrap_or_default().to_string(),
            g.via_label(grant.via),
            a.id.to_string(),
            a.scope.to_string(),
            role_id,
            role_scope,
            a.resource_group.to_string(),
            resource_group_scope(g, grant.assignment),
            format_targets(&access.targets),
            format_resources(access.resources.as_deref()),
            access.level.as_str().to_string(),
            access
                .admin_of
                .as_ref()
                .map(Scope::to_string)
                .unwrap_or_default(),
            access
                .permissions
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ])?;
    }
    sheet.finish()
}

/// How an assignment's principal reads in a row: `user:EMAIL`,
/// `group:SCOPE/ID`, `sa:SCOPE/ID`, or empty when unresolved.
fn resolved_principal_label(g: &AccessGraph<'_>, ai: usize) -> String {
    let s = g.snapshot();
    match g.assignments[ai].principal {
        Some(ResolvedPrincipal::User(i)) => format!("user:{}", s.users[i].email),
        Some(ResolvedPrincipal::ServiceAccount(i)) => g.identity(Principal::ServiceAccount(i)).id,
        Some(ResolvedPrincipal::Group(gr)) => g.via_label(Via::Group(gr)),
        None => String::new(),
    }
}

fn role_assignments(g: &AccessGraph<'_>, s: &Snapshot, path: &Path) -> std::io::Result<()> {
    let mut sheet = Sheet::create(
        path,
        &[
            "scope",
            "id",
            "principal_type",
            "principal_id",
            "principal_scope_level",
            "resolved_principal",
            "role_id",
            "role_scope",
            "resource_group_id",
            "status",
            "reason",
            "managed",
            "privilege_level",
            "grants",
        ],
    )?;
    let mut grants_per_assignment = vec![0usize; s.role_assignments.len()];
    for gr in &g.grants {
        grants_per_assignment[gr.assignment] += 1;
    }
    for (ai, a) in s.role_assignments.iter().enumerate() {
        let r = &g.assignments[ai];
        let (role_id, role_scope) = role_label(g, ai);
        let reason = match &r.status {
            AssignmentStatus::Orphaned(reasons) => reasons
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            AssignmentStatus::Disabled => "disabled: grants nothing until re-enabled".into(),
            AssignmentStatus::Active => String::new(),
        };
        let level = r
            .access
            .as_ref()
            .map(|x| x.level.as_str())
            .unwrap_or_default();
        sheet.row([
            a.scope.to_string(),
            a.id.to_string(),
            a.principal.kind.clone(),
            a.principal.id.clone(),
            a.principal
                .scope_level
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
            resolved_principal_label(g, ai),
            role_id,
            role_scope,
            a.resource_group.to_string(),
            r.status.as_str().to_string(),
            reason,
            yes_no(a.managed).to_string(),
            level.to_string(),
            grants_per_assignment[ai].to_string(),
        ])?;
    }
    sheet.finish()
}

/// For each listed group: active assignments naming it and their top level.
fn group_assignment_stats(g: &AccessGraph<'_>) -> Vec<(usize, PrivilegeLevel)> {
    let s = g.snapshot();
    let mut out = vec![(0usize, PrivilegeLevel::None); s.user_groups.len()];
    for r in &g.assignments {
        if let (
            AssignmentStatus::Active,
            Some(ResolvedPrincipal::Group(GroupRef { index: Some(i), .. })),
        ) = (&r.status, r.principal)
        {
            out[i].0 += 1;
            if let Some(a) = &r.access {
                out[i].1 = out[i].1.max(a.level);
            }
        }
    }
    out
}

fn groups(g: &AccessGraph<'_>, s: &Snapshot, path: &Path) -> std::io::Result<()> {
    let mut sheet = Sheet::create(
        path,
        &[
            "scope",
            "id",
            "name",
            "members",
            "all_users_builtin",
            "sso_linked",
            "sso_type",
            "sso_group",
            "externally_managed",
            "harness_managed",
            "active_assignments",
            "highest_privilege",
        ],
    )?;
    let stats = group_assignment_stats(g);
    for (i, x) in s.user_groups.iter().enumerate() {
        let gr = GroupRef {
            index: Some(i),
            builtin_from_assignment: None,
        };
        sheet.row([
            x.scope.to_string(),
            x.id.to_string(),
            x.name.clone(),
            g.group_members(gr).len().to_string(),
            yes_no(is_all_users_group(x.id.as_str(), x.scope.level())).to_string(),
            yes_no(x.sso_linked).to_string(),
            x.sso_type.clone().unwrap_or_default(),
            x.sso_group.clone().unwrap_or_default(),
            yes_no(x.externally_managed).to_string(),
            yes_no(x.harness_managed).to_string(),
            stats[i].0.to_string(),
            stats[i].1.as_str().to_string(),
        ])?;
    }
    sheet.finish()
}

fn group_members(g: &AccessGraph<'_>, s: &Snapshot, path: &Path) -> std::io::Result<()> {
    let mut sheet = Sheet::create(
        path,
        &[
            "group_scope",
            "group_id",
            "group_name",
            "user_id",
            "user_name",
            "user_email",
            "user_status",
            "membership",
        ],
    )?;
    for (i, x) in s.user_groups.iter().enumerate() {
        let head = [x.scope.to_string(), x.id.to_string(), x.name.clone()];
        if is_all_users_group(x.id.as_str(), x.scope.level()) {
            let gr = GroupRef {
                index: Some(i),
                builtin_from_assignment: None,
            };
            for u in g.group_members(gr) {
                let user = &s.users[u];
                sheet.row(head.iter().cloned().chain([
                    user.id.to_string(),
                    user.name.clone(),
                    user.email.clone(),
                    user.status().to_string(),
                    "every user of the scope".to_string(),
                ]))?;
            }
            continue;
        }
        for m in &x.members {
            let row: Vec<String> = match g.user_index(m.as_str()) {
                Some(u) => {
                    let user = &s.users[u];
                    vec![
                        user.id.to_string(),
                        user.name.clone(),
                        user.email.clone(),
                        user.status().to_string(),
                        "member".to_string(),
                    ]
                }
                None => vec![
                    m.to_string(),
                    String::new(),
                    String::new(),
                    "unknown user".to_string(),
                    "member".to_string(),
                ],
            };
            sheet.row(head.iter().cloned().chain(row))?;
        }
    }
    sheet.finish()
}

fn roles(g: &AccessGraph<'_>, s: &Snapshot, path: &Path) -> std::io::Result<()> {
    let mut sheet = Sheet::create(
        path,
        &[
            "scope",
            "id",
            "name",
            "harness_managed",
            "allowed_scope_levels",
            "permission_count",
            "escalation_permissions",
            "active_assignments",
            "permissions",
        ],
    )?;
    let mut uses = vec![0usize; s.roles.len()];
    for r in &g.assignments {
        if let (AssignmentStatus::Active, Some(i)) = (&r.status, r.role) {
            uses[i] += 1;
        }
    }
    for (i, r) in s.roles.iter().enumerate() {
        let escalation: Vec<&str> = r
            .permissions
            .iter()
            .map(|p| p.as_str())
            .filter(|p| crate::graph::is_escalation(p))
            .collect();
        sheet.row([
            r.scope.to_string(),
            r.id.to_string(),
            r.name.clone(),
            yes_no(r.harness_managed).to_string(),
            r.allowed_scope_levels
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            r.permissions.len().to_string(),
            escalation.join(" "),
            uses[i].to_string(),
            r.permissions
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ])?;
    }
    sheet.finish()
}

fn resource_groups(g: &AccessGraph<'_>, s: &Snapshot, path: &Path) -> std::io::Result<()> {
    let mut sheet = Sheet::create(
        path,
        &[
            "scope",
            "id",
            "name",
            "harness_managed",
            "included_scopes",
            "resources",
            "active_assignments",
        ],
    )?;
    let mut uses = vec![0usize; s.resource_groups.len()];
    for r in &g.assignments {
        if let (AssignmentStatus::Active, Some(ResolvedResourceGroup::Listed(i))) =
            (&r.status, &r.resource_group)
        {
            uses[*i] += 1;
        }
    }
    for (i, x) in s.resource_groups.iter().enumerate() {
        let resources = if x.resource_filter.include_all {
            None
        } else {
            Some(x.resource_filter.resources.as_slice())
        };
        sheet.row([
            x.scope.to_string(),
            x.id.to_string(),
            x.name.clone(),
            yes_no(x.harness_managed).to_string(),
            format_targets(&x.included_scopes),
            format_resources(resources),
            uses[i].to_string(),
        ])?;
    }
    sheet.finish()
}
