//! The Role Assignments sheet: every assignment as Harness lists it, with
//! what it resolved to and why it grants nothing when it does not.

use super::*;

pub(super) const ROLE_ASSIGNMENTS: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("id", "ID", 30.0),
    col("principal_type", "Principal type", 16.0),
    col("principal_id", "Principal ID", 26.0),
    col("principal_scope_level", "Principal scope level", 12.0),
    col("resolved_principal", "Resolved principal", 32.0),
    col("role_id", "Role", 22.0),
    col("role_scope", "Role scope", 14.0),
    col("resource_group_id", "Resource group", 30.0),
    col("status", "Status", 10.0),
    col("reason", "Reason", 36.0),
    col("managed", "Managed", 9.0),
    col("privilege_level", "Privilege", 11.0),
    col("grants", "Grants", 8.0),
];

/// How an assignment's principal reads in a row: `user:EMAIL`,
/// `group:SCOPE/ID`, `sa:SCOPE/ID`, or empty when unresolved.
pub(super) fn resolved_principal_label(g: &AccessGraph<'_>, ai: usize) -> String {
    let s = g.snapshot();
    match g.assignments[ai].principal {
        Some(ResolvedPrincipal::User(i)) => format!("user:{}", s.users[i].email),
        Some(ResolvedPrincipal::ServiceAccount(i)) => g.identity(Principal::ServiceAccount(i)).id,
        Some(ResolvedPrincipal::Group(gr)) => g.via_label(Via::Group(gr)),
        None => String::new(),
    }
}

pub(super) fn role_assignments(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
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
            AssignmentStatus::Internal => {
                "bound to a Harness service (SERVICE principal), managed by Harness".into()
            }
            AssignmentStatus::Active => String::new(),
        };
        let level = r
            .access
            .as_ref()
            .map(|x| x.level.as_str())
            .unwrap_or_default();
        sink(vec![
            a.scope.to_string().into(),
            a.id.to_string().into(),
            a.principal.kind.as_str().into(),
            a.principal.id.as_str().into(),
            a.principal
                .scope_level
                .map(|l| l.as_str().to_string())
                .unwrap_or_default()
                .into(),
            resolved_principal_label(g, ai).into(),
            role_id.into(),
            role_scope.into(),
            a.resource_group.to_string().into(),
            r.status.as_str().into(),
            reason.into(),
            yes_no(a.managed).into(),
            level.into(),
            grants_per_assignment[ai].into(),
        ])?;
    }
    Ok(())
}
