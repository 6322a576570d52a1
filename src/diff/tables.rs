//! The diff as flat tables: one per CSV file and XLSX sheet, defined once so
//! both formats hold the same rows in the same order. Rows are made from the
//! report as a writer reads them, never held all at once: a large diff has
//! hundreds of thousands of finding rows. Cells are raw text here; each
//! writer neutralises them for its format.

use crate::findings::Finding;

use super::model::{
    AccessChange, AccessEntry, AssignmentEntry, DecisionProblem, DiffReport, Membership,
    PrincipalChange, PrincipalEntry, ResourceGroupChange, RevocationCheck, RoleChange,
};

/// The rows of a table, made on demand.
type Rows<'r> = Box<dyn Iterator<Item = Vec<String>> + 'r>;

/// One table.
pub(crate) struct Table<'r> {
    /// The CSV file name under `csv/`.
    pub csv: &'static str,
    /// The XLSX sheet name.
    pub sheet: &'static str,
    /// Column headers.
    pub headers: Vec<&'static str>,
    /// Makes the rows, each as long as `headers`, in order.
    rows: Box<dyn Fn() -> Rows<'r> + 'r>,
}

impl<'r> Table<'r> {
    fn new<I>(
        csv: &'static str,
        sheet: &'static str,
        headers: Vec<&'static str>,
        rows: impl Fn() -> I + 'r,
    ) -> Table<'r>
    where
        I: Iterator<Item = Vec<String>> + 'r,
    {
        Table {
            csv,
            sheet,
            headers,
            rows: Box::new(move || Box::new(rows())),
        }
    }

    /// The rows, from the first; each call starts again.
    pub(crate) fn rows(&self) -> Rows<'r> {
        (self.rows)()
    }
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
        r.decision.to_string(),
        opt(&r.modify_to),
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
        r.timing
            .as_ref()
            .map(|t| t.status.to_string())
            .unwrap_or_default(),
        r.timing
            .as_ref()
            .and_then(|t| t.remediate_by.clone())
            .unwrap_or_default(),
        r.timing
            .as_ref()
            .and_then(|t| t.removed_at.clone())
            .unwrap_or_default(),
        r.timing
            .as_ref()
            .and_then(|t| t.removed_by.clone())
            .unwrap_or_default(),
        r.timing
            .as_ref()
            .and_then(|t| t.days_late)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        r.timing
            .as_ref()
            .and_then(|t| t.event.clone())
            .unwrap_or_default(),
        r.timing
            .as_ref()
            .map(|t| t.note.clone())
            .unwrap_or_default(),
    ]
}

fn access_changed_row(c: &AccessChange) -> Vec<String> {
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
}

fn principal_change_rows(c: &PrincipalChange) -> impl Iterator<Item = Vec<String>> + '_ {
    c.changes.iter().map(move |f| {
        vec![
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
        ]
    })
}

fn membership_row(c: &str, m: &Membership) -> Vec<String> {
    vec![
        c.to_string(),
        m.group_scope.clone(),
        m.group_id.clone(),
        m.group_name.clone(),
        m.user_id.clone(),
        m.user_name.clone(),
        m.user_email.clone(),
    ]
}

fn role_row(c: &str, x: &RoleChange) -> Vec<String> {
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
}

fn resource_group_row(c: &str, x: &ResourceGroupChange) -> Vec<String> {
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
}

fn problem_row(p: &DecisionProblem) -> Vec<String> {
    let mut row = vec![String::new(); 26];
    row[0] = "problem".into();
    row[3] = p.sheet.clone();
    row[4] = p.row.to_string();
    row[17] = p.message.clone();
    row
}

/// Rows of each (label, list) in turn.
fn labelled<'r, T: 'r, const N: usize>(
    lists: [(&'static str, &'r [T]); N],
    row: fn(&str, &T) -> Vec<String>,
) -> impl Iterator<Item = Vec<String>> + 'r {
    lists
        .into_iter()
        .flat_map(move |(c, v)| v.iter().map(move |x| row(c, x)))
}

/// Every table of the diff, in sheet order. The revocations table is there
/// only when decisions were checked.
pub(crate) fn tables(r: &DiffReport) -> Vec<Table<'_>> {
    let ea = &r.effective_access;
    let mut out = vec![
        Table::new(
            "access_gained.csv",
            "Access Gained",
            ACCESS_HEADERS.to_vec(),
            move || ea.gained.iter().map(access_row),
        ),
        Table::new(
            "access_lost.csv",
            "Access Lost",
            ACCESS_HEADERS.to_vec(),
            move || ea.lost.iter().map(access_row),
        ),
        Table::new(
            "access_changed.csv",
            "Access Changed",
            vec![
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
            move || ea.changed.iter().map(access_changed_row),
        ),
    ];

    let pr = &r.principals;
    out.push(Table::new(
        "principals.csv",
        "Principals",
        vec![
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
        move || {
            labelled(
                [("added", &pr.added[..]), ("removed", &pr.removed[..])],
                principal_row,
            )
            .chain(pr.changed.iter().flat_map(principal_change_rows))
        },
    ));

    let gm = &r.group_memberships;
    out.push(Table::new(
        "group_memberships.csv",
        "Group Memberships",
        vec![
            "change",
            "group_scope",
            "group_id",
            "group_name",
            "user_id",
            "user_name",
            "user_email",
        ],
        move || {
            labelled(
                [("added", &gm.added[..]), ("removed", &gm.removed[..])],
                membership_row,
            )
        },
    ));

    let ra = &r.role_assignments;
    out.push(Table::new(
        "role_assignments.csv",
        "Role Assignments",
        vec![
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
        move || {
            labelled(
                [
                    ("added", &ra.added[..]),
                    ("removed", &ra.removed[..]),
                    ("enabled", &ra.enabled[..]),
                    ("disabled", &ra.disabled[..]),
                ],
                assignment_row,
            )
        },
    ));

    let ro = &r.roles;
    out.push(Table::new(
        "roles.csv",
        "Roles",
        vec![
            "change",
            "scope",
            "id",
            "name",
            "harness_managed",
            "permissions_added",
            "permissions_removed",
            "escalation_added",
        ],
        move || {
            labelled(
                [
                    ("added", &ro.added[..]),
                    ("removed", &ro.removed[..]),
                    ("changed", &ro.changed[..]),
                ],
                role_row,
            )
        },
    ));

    let rg = &r.resource_groups;
    out.push(Table::new(
        "resource_groups.csv",
        "Resource Groups",
        vec![
            "change",
            "scope",
            "id",
            "name",
            "included_scopes_old",
            "included_scopes_new",
            "resources_old",
            "resources_new",
        ],
        move || {
            labelled(
                [
                    ("added", &rg.added[..]),
                    ("removed", &rg.removed[..]),
                    ("changed", &rg.changed[..]),
                ],
                resource_group_row,
            )
        },
    ));

    let fi = &r.findings;
    out.push(Table::new(
        "findings.csv",
        "Findings",
        vec![
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
        move || {
            labelled(
                [
                    ("new", &fi.new[..]),
                    ("resolved", &fi.resolved[..]),
                    ("persisting", &fi.persisting[..]),
                ],
                finding_row,
            )
        },
    ));

    if let Some(d) = &r.decisions {
        out.push(Table::new(
            "revocations.csv",
            "Revocations",
            vec![
                "outcome",
                "decision",
                "modify_to",
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
                "timing",
                "remediate_by",
                "removed_at",
                "removed_by",
                "days_late",
                "audit_event",
                "timing_note",
            ],
            move || {
                labelled(
                    [
                        ("not_done", &d.not_done[..]),
                        ("verified", &d.verified[..]),
                        ("unchecked", &d.unchecked[..]),
                    ],
                    revocation_row,
                )
                .chain(d.problems.iter().map(problem_row))
            },
        ));
    }
    out
}
