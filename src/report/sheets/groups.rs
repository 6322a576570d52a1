//! The Groups and Group Members sheets.

use super::*;

pub(super) const GROUPS: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("id", "ID", 26.0),
    col("name", "Name", 28.0),
    col("members", "Members", 9.0),
    col("all_users_builtin", "All-users built-in", 10.0),
    col("sso_linked", "SSO linked", 9.0),
    col("sso_type", "SSO type", 9.0),
    col("sso_group", "SSO group", 20.0),
    col("externally_managed", "SCIM", 6.0),
    col("harness_managed", "Harness managed", 9.0),
    col("active_assignments", "Active assignments", 10.0),
    col("highest_privilege", "Highest privilege", 12.0),
];

pub(super) const GROUP_MEMBERS: &[Column] = &[
    col("group_scope", "Group scope", 20.0),
    col("group_id", "Group ID", 26.0),
    col("group_name", "Group name", 28.0),
    col("user_id", "User ID", 26.0),
    col("user_name", "User name", 24.0),
    col("user_email", "User email", 28.0),
    col("user_status", "User status", 12.0),
    col("membership", "Membership", 22.0),
];

/// For each listed group: active assignments naming it and their top level.
pub(super) fn group_assignment_stats(g: &AccessGraph<'_>) -> Vec<(usize, PrivilegeLevel)> {
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

pub(super) fn groups(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    let stats = group_assignment_stats(g);
    for (i, x) in s.user_groups.iter().enumerate() {
        let gr = GroupRef {
            index: Some(i),
            builtin_from_assignment: None,
        };
        sink(vec![
            x.scope.to_string().into(),
            x.id.to_string().into(),
            x.name.as_str().into(),
            g.group_members(gr).len().into(),
            yes_no(is_all_users_group(x.id.as_str(), x.scope.level())).into(),
            yes_no(x.sso_linked).into(),
            x.sso_type.clone().unwrap_or_default().into(),
            x.sso_group.clone().unwrap_or_default().into(),
            yes_no(x.externally_managed).into(),
            yes_no(x.harness_managed).into(),
            stats[i].0.into(),
            stats[i].1.as_str().into(),
        ])?;
    }
    Ok(())
}

pub(super) fn group_members(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    for (i, x) in s.user_groups.iter().enumerate() {
        let head = || -> Vec<Cell> {
            vec![
                x.scope.to_string().into(),
                x.id.to_string().into(),
                x.name.as_str().into(),
            ]
        };
        if is_all_users_group(x.id.as_str(), x.scope.level()) {
            let gr = GroupRef {
                index: Some(i),
                builtin_from_assignment: None,
            };
            for &u in g.group_members(gr) {
                let user = &s.users[u];
                let mut row = head();
                row.extend([
                    user.id.to_string().into(),
                    user.name.as_str().into(),
                    user.email.as_str().into(),
                    user.status().into(),
                    "every user of the scope".into(),
                ]);
                sink(row)?;
            }
            continue;
        }
        for m in &x.members {
            let mut row = head();
            match g.user_index(m.as_str()) {
                Some(u) => {
                    let user = &s.users[u];
                    row.extend([
                        user.id.to_string().into(),
                        user.name.as_str().into(),
                        user.email.as_str().into(),
                        user.status().into(),
                        "member".into(),
                    ]);
                }
                None => row.extend([
                    m.to_string().into(),
                    Cell::Empty,
                    Cell::Empty,
                    "unknown user".into(),
                    "member".into(),
                ]),
            }
            sink(row)?;
        }
    }
    Ok(())
}
