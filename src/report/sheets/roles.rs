//! The Roles and Resource Groups sheets.

use super::*;

pub(super) const ROLES: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("id", "ID", 26.0),
    col("name", "Name", 24.0),
    col("harness_managed", "Harness managed", 9.0),
    col("allowed_scope_levels", "Allowed scope levels", 20.0),
    col("permission_count", "Permissions (count)", 10.0),
    col("escalation_permissions", "Escalation permissions", 36.0),
    col("active_assignments", "Active assignments", 10.0),
    col("permissions", "Permissions", 60.0),
];

pub(super) const RESOURCE_GROUPS: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("id", "ID", 30.0),
    col("name", "Name", 28.0),
    col("harness_managed", "Harness managed", 9.0),
    col("included_scopes", "Included scopes", 30.0),
    col("resources", "Resources", 40.0),
    col("active_assignments", "Active assignments", 10.0),
];

pub(super) fn roles(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
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
        sink(vec![
            r.scope.to_string().into(),
            r.id.to_string().into(),
            r.name.as_str().into(),
            yes_no(r.harness_managed).into(),
            r.allowed_scope_levels
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
            r.permissions.len().into(),
            escalation.join(" ").into(),
            uses[i].into(),
            r.permissions
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
        ])?;
    }
    Ok(())
}

pub(super) fn resource_groups(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
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
        sink(vec![
            x.scope.to_string().into(),
            x.id.to_string().into(),
            x.name.as_str().into(),
            yes_no(x.harness_managed).into(),
            format_included_scopes(&x.included_scopes).into(),
            format_resources(resources).into(),
            uses[i].into(),
        ])?;
    }
    Ok(())
}
