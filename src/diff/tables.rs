//! The diff as flat tables: one per CSV file and XLSX sheet, built once so
//! both formats hold the same rows in the same order. Cells are raw text
//! here; each writer neutralises them for its format.

use crate::findings::Finding;

use super::model::{AccessEntry, AssignmentEntry, DiffReport, PrincipalEntry, RevocationCheck};

/// One table.
pub(crate) struct Table {
    /// The CSV file name under `csv/`.
    pub csv: &'static str,
    /// The XLSX sheet name.
    pub sheet: &'static str,
    /// Column headers.
    pub headers: Vec<&'static str>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

const ACCESS_HEADERS: [&str; 14] = [
    "principal_kind",
    "principal_id",
    "principal_name",
    "principal_email",
    "via",
    "assignment_id",
    "assignment_scope",
    "role_id",
    "resource_group_id",
    "privilege_level",
    "admin_of",
    "target_scopes",
    "resources",
    "permissions",
];

fn access_row(e: &AccessEntry) -> Vec<String> {
    vec![
        e.principal_kind.to_string(),
        e.principal_id.clone(),
        e.principal_name.clone(),
        opt(&e.principal_email),
        e.via.clone(),
        e.assignment_id.clone(),
        e.assignment_scope.clone(),
        e.role_id.clone(),
        e.resource_group_id.clone(),
        e.privilege_level.to_string(),
        opt(&e.admin_of),
        e.target_scopes.clone(),
        e.resources.clone(),
        e.permissions.join(" "),
    ]
}

fn principal_row(change: &str, p: &PrincipalEntry) -> Vec<String> {
    vec![
        change.to_string(),
        p.kind.to_string(),
        p.id.clone(),
        p.name.clone(),
        opt(&p.email),
        p.status.clone(),
        match p.two_factor {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None if p.kind == "user" => "unknown".into(),
            None => String::new(),
        },
        if p.kind == "user" {
            yes_no(p.externally_managed)
        } else {
            String::new()
        },
        p.highest_privilege.to_string(),
        p.admin_of.join("; "),
        String::new(),
        String::new(),
        String::new(),
    ]
}

fn assignment_row(change: &str, a: &AssignmentEntry) -> Vec<String> {
    vec![
        change.to_string(),
        a.scope.clone(),
        a.id.clone(),
        a.principal_type.clone(),
        a.principal_id.clone(),
        opt(&a.principal_scope_level),
        a.role_id.clone(),
        a.resource_group_id.clone(),
        yes_no(a.managed),
        a.status.to_string(),
        a.privilege_level.map(|l| l.to_string()).unwrap_or_default(),
        a.grants.to_string(),
    ]
}

fn finding_row(change: &str, f: &Finding) -> Vec<String> {
    let p = f.principal.as_ref();
    vec![
        change.to_string(),
        f.id.clone(),
        f.rule.clone(),
        f.severity.to_string(),
        p.map(|p| p.kind.clone()).unwrap_or_default(),
        p.map(|p| p.id.clone()).unwrap_or_default(),
        p.map(|p| p.name.clone()).unwrap_or_default(),
        p.and_then(|p| p.email.clone()).unwrap_or_default(),
        opt(&f.scope),
        f.message.clone(),
        match &f.exempted {
            Some(e) => e.note.clone(),
            None => String::new(),
        },
    ]
}

fn revocation_row(outcome: &str, r: &RevocationCheck) -> Vec<String> {
    vec![
        outcome.to_string(),
        r.sheet.clone(),
        r.row.to_string(),
        r.target.to_string(),
        r.principal_id.clone(),
        r.principal_name.clone(),
        opt(&r.principal_email),
        opt(&r.via),
        opt(&r.assignment_id),
        opt(&r.assignment_scope),
        r.reviewer.clone(),
        r.review_date.clone(),
        r.ticket.clone(),
        r.justification.clone(),
        yes_no(r.in_old),
        r.detail.clone(),
        opt(&r.finding_id),
    ]
}

/// Every table of the diff, in sheet order. The revocations table is there
/// only when decisions were checked.
pub(crate) fn tables(r: &DiffReport) -> Vec<Table> {
    let ea = &r.effective_access;
    let mut out = vec![
        Table {
            csv: "access_gained.csv",
            sheet: "Access Gained",
            headers: ACCESS_HEADERS.to_vec(),
            rows: ea.gained.iter().map(access_row).collect(),
        },
        Table {
            csv: "access_lost.csv",
            sheet: "Access Lost",
            headers: ACCESS_HEADERS.to_vec(),
            rows: ea.lost.iter().map(access_row).collect(),
        },
        Table {
            csv: "access_changed.csv",
            sheet: "Access Changed",
            headers: vec![
                "principal_kind",
                "principal_id",
                "principal_name",
                "principal_email",
                "via",
                "assignment_id",
                "assignment_scope",
                "role_id",
                "resource_group_id",
                "direction",
                "old_privilege_level",
                "new_privilege_level",
                "old_admin_of",
                "new_admin_of",
                "old_target_scopes",
                "new_target_scopes",
                "old_resources",
                "new_resources",
                "permissions_added",
                "permissions_removed",
            ],
            rows: ea
                .changed
                .iter()
                .map(|c| {
                    vec![
                        c.principal_kind.to_string(),
                        c.principal_id.clone(),
                        c.principal_name.clone(),
                        opt(&c.principal_email),
                        c.via.clone(),
                        c.assignment_id.clone(),
                        c.assignment_scope.clone(),
                        c.role_id.clone(),
                        c.resource_group_id.clone(),
                        c.direction.to_string(),
                        c.old.privilege_level.to_string(),
                        c.new.privilege_level.to_string(),
                        opt(&c.old.admin_of),
                        opt(&c.new.admin_of),
                        c.old.target_scopes.clone(),
                        c.new.target_scopes.clone(),
                        c.old.resources.clone(),
                        c.new.resources.clone(),
                        c.permissions_added.join(" "),
                        c.permissions_removed.join(" "),
                    ]
                })
                .collect(),
        },
    ];

    let mut principals: Vec<Vec<String>> = Vec::new();
    for p in &r.principals.added {
        principals.push(principal_row("added", p));
    }
    for p in &r.principals.removed {
        principals.push(principal_row("removed", p));
    }
    for c in &r.principals.changed {
        for f in &c.changes {
            principals.push(vec![
                "changed".into(),
                c.kind.to_string(),
                c.id.clone(),
                c.name.clone(),
                opt(&c.email),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                f.field.to_string(),
                f.old.clone(),
                f.new.clone(),
            ]);
        }
    }
    out.push(Table {
        csv: "principals.csv",
        sheet: "Principals",
        headers: vec![
            "change",
            "kind",
            "id",
            "name",
            "email",
            "status",
            "two_factor",
            "externally_managed",
            "highest_privilege",
            "admin_of",
            "field",
            "old",
            "new",
        ],
        rows: principals,
    });

    let gm = &r.group_memberships;
    out.push(Table {
        csv: "group_memberships.csv",
        sheet: "Group Memberships",
        headers: vec![
            "change",
            "group_scope",
            "group_id",
            "group_name",
            "user_id",
            "user_name",
            "user_email",
        ],
        rows: gm
            .added
            .iter()
            .map(|m| ("added", m))
            .chain(gm.removed.iter().map(|m| ("removed", m)))
            .map(|(c, m)| {
                vec![
                    c.to_string(),
                    m.group_scope.clone(),
                    m.group_id.clone(),
                    m.group_name.clone(),
                    m.user_id.clone(),
                    m.user_name.clone(),
                    m.user_email.clone(),
                ]
            })
            .collect(),
    });

    let ra = &r.role_assignments;
    out.push(Table {
        csv: "role_assignments.csv",
        sheet: "Role Assignments",
        headers: vec![
            "change",
            "scope",
            "id",
            "principal_type",
            "principal_id",
            "principal_scope_level",
            "role_id",
            "resource_group_id",
            "managed",
            "status",
            "privilege_level",
            "grants",
        ],
        rows: [
            ("added", &ra.added),
            ("removed", &ra.removed),
            ("enabled", &ra.enabled),
            ("disabled", &ra.disabled),
        ]
        .into_iter()
        .flat_map(|(c, v)| v.iter().map(move |a| assignment_row(c, a)))
        .collect(),
    });

    let ro = &r.roles;
    out.push(Table {
        csv: "roles.csv",
        sheet: "Roles",
        headers: vec![
            "change",
            "scope",
            "id",
            "name",
            "harness_managed",
            "permissions_added",
            "permissions_removed",
            "escalation_added",
        ],
        rows: [
            ("added", &ro.added),
            ("removed", &ro.removed),
            ("changed", &ro.changed),
        ]
        .into_iter()
        .flat_map(|(c, v)| {
            v.iter().map(move |x| {
                vec![
                    c.to_string(),
                    x.scope.clone(),
                    x.id.clone(),
                    x.name.clone(),
                    yes_no(x.harness_managed),
                    x.permissions_added.join(" "),
                    x.permissions_removed.join(" "),
                    x.escalation_added.join(" "),
                ]
            })
        })
        .collect(),
    });

    let rg = &r.resource_groups;
    out.push(Table {
        csv: "resource_groups.csv",
        sheet: "Resource Groups",
        headers: vec![
            "change",
            "scope",
            "id",
            "name",
            "included_scopes_old",
            "included_scopes_new",
            "resources_old",
            "resources_new",
        ],
        rows: [
            ("added", &rg.added),
            ("removed", &rg.removed),
            ("changed", &rg.changed),
        ]
        .into_iter()
        .flat_map(|(c, v)| {
            v.iter().map(move |x| {
                vec![
                    c.to_string(),
                    x.scope.clone(),
                    x.id.clone(),
                    x.name.clone(),
                    x.included_scopes_old.clone(),
                    x.included_scopes_new.clone(),
                    x.resources_old.clone(),
                    x.resources_new.clone(),
                ]
            })
        })
        .collect(),
    });

    let fi = &r.findings;
    out.push(Table {
        csv: "findings.csv",
        sheet: "Findings",
        headers: vec![
            "change",
            "id",
            "rule",
            "severity",
            "principal_kind",
            "principal_id",
            "principal_name",
            "principal_email",
            "scope",
            "message",
            "exemption",
        ],
        rows: [
            ("new", &fi.new),
            ("resolved", &fi.resolved),
            ("persisting", &fi.persisting),
        ]
        .into_iter()
        .flat_map(|(c, v)| v.iter().map(move |f| finding_row(c, f)))
        .collect(),
    });

    if let Some(d) = &r.decisions {
        let mut rows: Vec<Vec<String>> = Vec::new();
        rows.extend(d.not_done.iter().map(|x| revocation_row("not_done", x)));
        rows.extend(d.verified.iter().map(|x| revocation_row("verified", x)));
        for p in &d.problems {
            let mut row = vec![String::new(); 17];
            row[0] = "problem".into();
            row[1] = p.sheet.clone();
            row[2] = p.row.to_string();
            row[15] = p.message.clone();
            rows.push(row);
        }
        out.push(Table {
            csv: "revocations.csv",
            sheet: "Revocations",
            headers: vec![
                "outcome",
                "sheet",
                "row",
                "target",
                "principal_id",
                "principal_name",
                "principal_email",
                "via",
                "assignment_id",
                "assignment_scope",
                "reviewer",
                "review_date",
                "ticket",
                "justification",
                "in_old",
                "detail",
                "finding_id",
            ],
            rows,
        });
    }
    out
}
