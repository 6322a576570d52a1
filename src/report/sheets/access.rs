//! The Privileged Access and Effective Access sheets: one row per grant
//! (principal, path, role, resource group, what it covers), the privileged
//! ones with their escalation permissions.

use super::*;

pub(super) const PRIVILEGED: &[Column] = &[
    col("principal_kind", "Principal kind", 14.0),
    col("principal_id", "Principal ID", 26.0),
    col("principal_name", "Principal name", 24.0),
    col("principal_email", "Principal email", 28.0),
    col("principal_status", "Status", 10.0),
    col("privilege_level", "Privilege", 11.0),
    col("admin_of", "Admin of", 18.0),
    col("escalation_permissions", "Escalation permissions", 30.0),
    col("path", "Path", 70.0),
    col("via", "Via", 28.0),
    col("via_group_name", "Via group name", 24.0),
    col("assignment_scope", "Assignment scope", 20.0),
    col("assignment_id", "Assignment ID", 30.0),
    col("role_id", "Role", 22.0),
    col("resource_group_id", "Resource group", 30.0),
    col("target_scopes", "Target scopes", 24.0),
    col("resources", "Resources", 20.0),
];

pub(super) const EFFECTIVE_ACCESS: &[Column] = &[
    col("principal_kind", "Principal kind", 14.0),
    col("principal_id", "Principal ID", 26.0),
    col("principal_name", "Principal name", 24.0),
    col("principal_email", "Principal email", 28.0),
    col("via", "Via", 28.0),
    col("assignment_id", "Assignment ID", 30.0),
    col("assignment_scope", "Assignment scope", 20.0),
    col("role_id", "Role", 22.0),
    col("role_scope", "Role scope", 14.0),
    col("resource_group_id", "Resource group", 30.0),
    col("resource_group_scope", "Resource group scope", 14.0),
    col("target_scopes", "Target scopes", 24.0),
    col("resources", "Resources", 20.0),
    col("privilege_level", "Privilege", 11.0),
    col("admin_of", "Admin of", 14.0),
    col("permissions", "Permissions", 60.0),
];

/// The display name of the group a grant comes through, if any.
pub fn via_group_name<'s>(g: &AccessGraph<'s>, via: Via) -> Option<&'s str> {
    match via {
        Via::Direct => None,
        Via::Group(GroupRef { index: Some(i), .. }) => Some(&g.snapshot().user_groups[i].name),
        Via::Group(_) => None,
    }
}

/// The role of an assignment as `(id, scope where found)`.
pub fn role_label(g: &AccessGraph<'_>, ai: usize) -> (String, String) {
    let s = g.snapshot();
    let a = &s.role_assignments[ai];
    match g.assignments[ai].role {
        Some(r) => (s.roles[r].id.to_string(), s.roles[r].scope.to_string()),
        None => (a.role.id.to_string(), String::new()),
    }
}

/// The path of a grant in one line: via, assignment, role, resource group,
/// what it covers.
pub fn grant_path(g: &AccessGraph<'_>, grant: &Grant) -> String {
    let s = g.snapshot();
    let a = &s.role_assignments[grant.assignment];
    let (role_id, role_scope) = role_label(g, grant.assignment);
    let role = if role_scope.is_empty() {
        role_id
    } else {
        format!("{role_scope}/{role_id}")
    };
    let mut out = format!(
        "{} → assignment {}/{} → role {} on resource group {}",
        g.via_label(grant.via),
        a.scope,
        a.id,
        role,
        a.resource_group
    );
    if let Some(access) = g.access_of(grant.assignment) {
        out.push_str(&format!(" → {}", format_targets(&access.targets)));
        if let Some(scope) = &access.admin_of {
            out.push_str(&format!(" (admin of {scope})"));
        }
    }
    out
}

/// The escalation permissions a grant carries, space-separated.
pub fn escalation_permissions(g: &AccessGraph<'_>, grant: &Grant) -> String {
    g.access_of(grant.assignment)
        .map(|a| {
            a.permissions
                .iter()
                .map(|p| p.as_str())
                .filter(|p| crate::graph::is_escalation(p))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

pub(super) fn privileged(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let s = g.snapshot();
    for grant in g.privileged_grants() {
        let Some(access) = g.access_of(grant.assignment) else {
            continue;
        };
        let id = g.identity(grant.principal);
        let a = &s.role_assignments[grant.assignment];
        let (role_id, _) = role_label(g, grant.assignment);
        sink(vec![
            id.kind.into(),
            id.id.into(),
            id.name.into(),
            id.email.unwrap_or_default().into(),
            principal_status(g, grant.principal).into(),
            access.level.as_str().into(),
            access
                .admin_of
                .as_ref()
                .map(Scope::to_string)
                .unwrap_or_default()
                .into(),
            escalation_permissions(g, grant).into(),
            grant_path(g, grant).into(),
            g.via_label(grant.via).into(),
            via_group_name(g, grant.via).unwrap_or_default().into(),
            a.scope.to_string().into(),
            a.id.to_string().into(),
            role_id.into(),
            a.resource_group.to_string().into(),
            format_targets(&access.targets).into(),
            format_resources(access.resources.as_deref()).into(),
        ])?;
    }
    Ok(())
}

pub(super) fn effective_access(g: &AccessGraph<'_>, sink: &mut Sink<'_>) -> io::Result<()> {
    use std::sync::Arc;
    let s = g.snapshot();
    // A large account has millions of grants but a few hundred thousand
    // assignments, a few thousand scopes and group paths, and fewer distinct
    // accesses: their text is made once and shared by every row.
    let mut scope_cache: HashMap<Scope, Arc<str>> = HashMap::new();
    let mut scope_cell = |sc: &Scope| -> Cell {
        if let Some(text) = scope_cache.get(sc) {
            return Cell::Shared(text.clone());
        }
        let text: Arc<str> = Arc::from(sc.to_string());
        scope_cache.insert(sc.clone(), text.clone());
        Cell::Shared(text)
    };
    let mut vias: HashMap<Via, Arc<str>> = HashMap::new();
    let mut accesses: HashMap<*const crate::graph::Access, [Cell; 5]> = HashMap::new();
    // The eleven cells a row takes from its assignment, per assignment.
    let mut per_assignment: Vec<Option<Arc<[Cell; 11]>>> = vec![None; s.role_assignments.len()];
    let mut principal: Option<(Principal, [Cell; 4])> = None;
    for grant in &g.grants {
        let Some(access) = g.access_of(grant.assignment) else {
            continue;
        };
        if principal.as_ref().map(|(p, _)| *p) != Some(grant.principal) {
            // Shared, as every cell a row repeats: cloning a shared cell
            // for each of the principal's grants costs no allocation.
            let id = g.identity(grant.principal);
            let shared = |s: &str| Cell::Shared(Arc::from(s));
            principal = Some((
                grant.principal,
                [
                    shared(id.kind),
                    shared(&id.id),
                    shared(id.name),
                    shared(id.email.unwrap_or_default()),
                ],
            ));
        }
        let who = &principal.as_ref().expect("set above").1;
        let cells = match &per_assignment[grant.assignment] {
            Some(c) => c.clone(),
            None => {
                let a = &s.role_assignments[grant.assignment];
                let r = &g.assignments[grant.assignment];
                let (role_id, role_scope) = match r.role {
                    Some(ri) => (s.roles[ri].id.as_str(), Some(&s.roles[ri].scope)),
                    None => (a.role.id.as_str(), None),
                };
                let rg_scope = match &r.resource_group {
                    Some(ResolvedResourceGroup::Listed(i)) => Some(&s.resource_groups[*i].scope),
                    Some(ResolvedResourceGroup::Builtin(_)) => Some(&a.scope),
                    None => None,
                };
                let [targets, resources, level, admin_of, permissions] = accesses
                    .entry(Arc::as_ptr(r.access.as_ref().expect("access_of is Some")))
                    .or_insert_with(|| {
                        let shared = |t: String| Cell::Shared(Arc::from(t));
                        [
                            shared(format_targets(&access.targets)),
                            shared(format_resources(access.resources.as_deref())),
                            shared(access.level.as_str().to_string()),
                            shared(
                                access
                                    .admin_of
                                    .as_ref()
                                    .map(Scope::to_string)
                                    .unwrap_or_default(),
                            ),
                            shared(
                                access
                                    .permissions
                                    .iter()
                                    .map(|p| p.as_str())
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            ),
                        ]
                    })
                    .clone();
                let c = Arc::new([
                    Cell::Shared(Arc::from(a.id.as_str())),
                    scope_cell(&a.scope),
                    Cell::Shared(Arc::from(role_id)),
                    role_scope.map_or(Cell::Text(String::new()), &mut scope_cell),
                    Cell::Shared(Arc::from(a.resource_group.as_str())),
                    rg_scope.map_or(Cell::Text(String::new()), &mut scope_cell),
                    targets,
                    resources,
                    level,
                    admin_of,
                    permissions,
                ]);
                per_assignment[grant.assignment] = Some(c.clone());
                c
            }
        };
        let via = vias
            .entry(grant.via)
            .or_insert_with(|| Arc::from(g.via_label(grant.via)))
            .clone();
        let mut row = Vec::with_capacity(16);
        row.extend(who.iter().cloned());
        row.push(Cell::Shared(via));
        row.extend(cells.iter().cloned());
        sink(row)?;
    }
    Ok(())
}
