//! The Principals sheet: every user and service account with status,
//! provisioning, two-factor, last login and groups.

use super::*;

pub(super) const PRINCIPALS: &[Column] = &[
    col("kind", "Kind", 14.0),
    col("id", "ID", 26.0),
    col("name", "Name", 24.0),
    col("email", "Email", 28.0),
    col("scope", "Scope", 14.0),
    col("status", "Status", 10.0),
    col("two_factor", "2FA", 6.0),
    col("externally_managed", "SCIM", 6.0),
    col("groups", "Groups", 36.0),
    col("direct_assignments", "Direct assignments", 10.0),
    col("grants", "Grants", 8.0),
    col("highest_privilege", "Highest privilege", 12.0),
    col("admin_of", "Admin of", 20.0),
    col("last_login", "Last login", 21.0),
];

/// A user's status, or `enabled` for a service account.
pub fn principal_status(g: &AccessGraph<'_>, p: Principal) -> &'static str {
    match p {
        Principal::User(i) => g.snapshot().users[i].status(),
        Principal::ServiceAccount(_) => "enabled",
    }
}

/// A user's last login as shown everywhere: a time or `none in N days`.
pub fn last_login(g: &AccessGraph<'_>, user: usize) -> String {
    match g.last_login(user) {
        Some(l) => fmt_time(l.last_login),
        None => format!("none in {} days", g.snapshot().activity.window_days),
    }
}

/// The listed groups naming a user, as `SCOPE/ID`.
pub fn user_groups_label(g: &AccessGraph<'_>, user: usize) -> String {
    let s = g.snapshot();
    g.groups_of_user(user)
        .iter()
        .map(|&gi| {
            let x = &s.user_groups[gi];
            format!("{}/{}", x.scope, x.id)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn principals(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    for p in g.principals() {
        let id = g.identity(p);
        let grants = g.grants_of(p);
        let direct = grants.iter().filter(|x| x.via == Via::Direct).count();
        let level = g.highest_level(p);
        let admin = join_scopes(&g.admin_scopes(p));
        let row: Vec<Cell> = match p {
            Principal::User(i) => {
                let u = &s.users[i];
                vec![
                    id.kind.into(),
                    id.id.into(),
                    u.name.as_str().into(),
                    u.email.as_str().into(),
                    "account".into(),
                    u.status().into(),
                    two_factor(u).into(),
                    yes_no(u.externally_managed).into(),
                    user_groups_label(g, i).into(),
                    direct.into(),
                    grants.len().into(),
                    level.as_str().into(),
                    admin.into(),
                    last_login(g, i).into(),
                ]
            }
            Principal::ServiceAccount(i) => {
                let sa = &s.service_accounts[i];
                vec![
                    id.kind.into(),
                    id.id.into(),
                    sa.name.as_str().into(),
                    sa.email.clone().unwrap_or_default().into(),
                    sa.scope.to_string().into(),
                    "enabled".into(),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    direct.into(),
                    grants.len().into(),
                    level.as_str().into(),
                    admin.into(),
                    Cell::Empty,
                ]
            }
        };
        sink(row)?;
    }
    Ok(())
}
