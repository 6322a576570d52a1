//! Bindings and evidence that need tidying: `orphaned-assignment`,
//! `empty-privileged-group`, `disabled-assignment`, `unknown-group-member`
//! and `population-incomplete`.

use serde::Serialize;

use super::ctx::Ctx;
use super::draft::{group_principal, plural, principal_of, Draft};
use super::finding::FindingPrincipal;
use super::rule::Rule;
use crate::graph::{
    is_all_users_group, AccessGraph, AssignmentStatus, GroupRef, Principal, PrivilegeLevel,
    ResolvedPrincipal,
};
use crate::snapshot::Scope;

fn resolved_principal(
    g: &AccessGraph<'_>,
    p: Option<ResolvedPrincipal>,
) -> Option<FindingPrincipal> {
    match p? {
        ResolvedPrincipal::User(u) => Some(principal_of(g, Principal::User(u))),
        ResolvedPrincipal::ServiceAccount(s) => Some(principal_of(g, Principal::ServiceAccount(s))),
        ResolvedPrincipal::Group(gr) => Some(group_principal(g, gr)),
    }
}

#[derive(Serialize)]
struct AssignmentFacts<'a> {
    assignment_id: &'a str,
    assignment_scope: String,
    principal_type: &'a str,
    principal_id: &'a str,
    principal_scope_level: Option<&'static str>,
    role_id: &'a str,
    role_scope_level: Option<&'static str>,
    resource_group_id: &'a str,
    disabled: bool,
    managed: bool,
}

fn facts<'a>(g: &'a AccessGraph<'_>, ai: usize) -> AssignmentFacts<'a> {
    let a = &g.snapshot().role_assignments[ai];
    AssignmentFacts {
        assignment_id: a.id.as_str(),
        assignment_scope: a.scope.to_string(),
        principal_type: &a.principal.kind,
        principal_id: &a.principal.id,
        principal_scope_level: a.principal.scope_level.map(|l| l.as_str()),
        role_id: a.role.id.as_str(),
        role_scope_level: a.role.scope_level.map(|l| l.as_str()),
        resource_group_id: a.resource_group.as_str(),
        disabled: a.disabled,
        managed: a.managed,
    }
}

/// `orphaned-assignment`: the principal, role or resource group is missing.
pub fn orphaned_assignment(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut out = Vec::new();
    for (ai, r) in g.assignments.iter().enumerate() {
        let AssignmentStatus::Orphaned(reasons) = &r.status else {
            continue;
        };
        let a = &s.role_assignments[ai];
        let why: Vec<String> = reasons.iter().map(ToString::to_string).collect();
        let mut d = Draft::new(
            Rule::OrphanedAssignment,
            format!(
                "Assignment {} ({} {} to role {} on {}) grants nothing: {}.",
                a.id,
                a.principal.kind,
                a.principal.id,
                a.role.id,
                a.resource_group,
                why.join("; ")
            ),
        )
        .scope(&a.scope)
        .key(a.id.as_str())
        .evidence("assignment", facts(g, ai))
        .evidence("reasons", &why);
        if let Some(p) = resolved_principal(g, r.principal) {
            d = d.principal(p);
        }
        out.push(d);
    }
    out
}

/// `empty-privileged-group`: a listed group bound to roles with no member.
pub fn empty_privileged_group(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut bound: Vec<Vec<usize>> = vec![Vec::new(); s.user_groups.len()];
    for (ai, r) in g.assignments.iter().enumerate() {
        if r.status != AssignmentStatus::Active {
            continue;
        }
        if let Some(ResolvedPrincipal::Group(GroupRef { index: Some(i), .. })) = r.principal {
            bound[i].push(ai);
        }
    }
    let mut out = Vec::new();
    for (i, grp) in s.user_groups.iter().enumerate() {
        if bound[i].is_empty() || is_all_users_group(grp.id.as_str(), grp.scope.level()) {
            continue;
        }
        let gr = GroupRef {
            index: Some(i),
            builtin_from_assignment: None,
        };
        if !g.group_members(gr).is_empty() {
            continue;
        }
        let level = bound[i]
            .iter()
            .filter_map(|&ai| g.access_of(ai))
            .map(|a| a.level)
            .max()
            .unwrap_or(PrivilegeLevel::None);
        let ids: Vec<&str> = bound[i]
            .iter()
            .map(|&ai| s.role_assignments[ai].id.as_str())
            .collect();
        out.push(
            Draft::new(
                Rule::EmptyPrivilegedGroup,
                format!(
                    "Group has no members but is bound by {} (up to {level}); adding a member grants it at once.",
                    plural(ids.len(), "role assignment")
                ),
            )
            .principal(group_principal(g, gr))
            .scope(&grp.scope)
            .evidence("assignment_ids", &ids)
            .evidence("highest_privilege", level)
            .evidence("stored_members", grp.members.len())
            .evidence("sso_linked", grp.sso_linked),
        );
    }
    out
}

/// `disabled-assignment`: a dormant binding, with what re-enabling it would
/// grant.
pub fn disabled_assignment(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut out = Vec::new();
    for (ai, r) in g.assignments.iter().enumerate() {
        if r.status != AssignmentStatus::Disabled {
            continue;
        }
        let a = &s.role_assignments[ai];
        let access = r.access.as_deref();
        let level = access.map_or(PrivilegeLevel::None, |x| x.level);
        let admin_of = access
            .and_then(|x| x.admin_of.as_ref())
            .map(Scope::to_string);
        let grants = match &admin_of {
            Some(sc) => format!("admin of {sc}"),
            None => format!("{level} access"),
        };
        let mut d = Draft::new(
            Rule::DisabledAssignment,
            format!(
                "Assignment {} (role {} on {}) is disabled; re-enabling it would grant {grants}.",
                a.id, a.role.id, a.resource_group
            ),
        )
        .scope(&a.scope)
        .key(a.id.as_str())
        .evidence("assignment", facts(g, ai))
        .evidence("would_grant_level", level)
        .evidence("would_grant_admin_of", admin_of);
        if let Some(p) = resolved_principal(g, r.principal) {
            d = d.principal(p);
        }
        out.push(d);
    }
    out
}

#[derive(Serialize)]
struct GroupFacts<'a> {
    scope: String,
    id: &'a str,
    name: &'a str,
}

/// Unknown members named in a message before "and N more".
const MEMBERS_IN_MESSAGE: usize = 3;

/// `unknown-group-member`: a group's stored members name uuids the
/// snapshot's user list does not have (a pull is not atomic, or the
/// membership is stale). The built-in all-users groups are left out: their
/// stored members are not used.
pub fn unknown_group_member(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut out = Vec::new();
    for (i, grp) in s.user_groups.iter().enumerate() {
        if is_all_users_group(grp.id.as_str(), grp.scope.level()) {
            continue;
        }
        let mut unknown: Vec<&str> = grp
            .members
            .iter()
            .map(|m| m.as_str())
            .filter(|m| g.user_index(m).is_none())
            .collect();
        if unknown.is_empty() {
            continue;
        }
        unknown.sort_unstable();
        unknown.dedup();
        let mut named = unknown
            .iter()
            .take(MEMBERS_IN_MESSAGE)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if unknown.len() > MEMBERS_IN_MESSAGE {
            named.push_str(&format!(" and {} more", unknown.len() - MEMBERS_IN_MESSAGE));
        }
        let gr = GroupRef {
            index: Some(i),
            builtin_from_assignment: None,
        };
        let mut d = Draft::new(
            Rule::UnknownGroupMember,
            format!(
                "Group lists {} the account's user list does not have ({named}): added or removed while the pull ran, or a stale membership.",
                plural(unknown.len(), "member")
            ),
        )
        .principal(group_principal(g, gr))
        .scope(&grp.scope)
        .evidence(
            "group",
            GroupFacts {
                scope: grp.scope.to_string(),
                id: grp.id.as_str(),
                name: &grp.name,
            },
        )
        .evidence("unknown_members", &unknown)
        .evidence("stored_members", grp.members.len());
        for m in &unknown {
            d = d.key(*m);
        }
        out.push(d);
    }
    out
}

#[derive(Serialize)]
struct IncompleteList {
    endpoint: String,
    scope: String,
    total_items: Option<u64>,
    stored: u64,
    note: Option<String>,
}

/// `population-incomplete`: the snapshot says it is not complete.
pub fn population_incomplete(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let c = &ctx.snapshot().completeness;
    let lists: Vec<IncompleteList> = c
        .lists
        .iter()
        .filter(|l| !l.complete)
        .map(|l| IncompleteList {
            endpoint: l.endpoint.clone(),
            scope: l.scope.to_string(),
            total_items: l.total_items,
            stored: l.stored,
            note: l.note.clone(),
        })
        .collect();
    if c.complete && lists.is_empty() {
        let unverified: Vec<IncompleteList> = c
            .lists
            .iter()
            .filter_map(|l| {
                Some(IncompleteList {
                    endpoint: l.endpoint.clone(),
                    scope: l.scope.to_string(),
                    total_items: l.total_items,
                    stored: l.stored,
                    note: Some(l.unverified.clone()?),
                })
            })
            .collect();
        if unverified.is_empty() {
            return Vec::new();
        }
        // Not known to be missing anything, but not known to be whole.
        return vec![Draft::new(
            Rule::PopulationIncomplete,
            format!(
                "The snapshot is UNVERIFIED ({} of {} lists cannot be vouched for): Harness's access check could not be used, and Harness leaves out what the key may not view without an error, so principals or grants may be missing from this review.",
                unverified.len(),
                c.lists.len()
            ),
        )
        .severity(crate::findings::Severity::High)
        .scope(&Scope::Account)
        .evidence("complete", c.complete)
        .evidence("unverified_lists", &unverified)
        .evidence("lists", c.lists.len())];
    }
    vec![Draft::new(
        Rule::PopulationIncomplete,
        format!(
            "The snapshot is INCOMPLETE ({} of {} lists incomplete): principals or grants may be missing from this review.",
            lists.len(),
            c.lists.len()
        ),
    )
    .scope(&Scope::Account)
    .evidence("complete", c.complete)
    .evidence("incomplete_lists", &lists)
    .evidence("lists", c.lists.len())]
}

#[cfg(test)]
mod tests {
    use crate::findings::Rule;
    use crate::snapshot::{ListCompleteness, Scope};
    use crate::testkit::*;

    #[test]
    fn orphaned_assignments_fire_and_resolvable_ones_do_not() {
        let mut f = Fixture::new();
        f.user("ok");
        f.assign(&proj(), user("ok"), "_project_viewer", ALL_PROJECT);
        f.assign(&proj(), user("deleted-uuid"), "_project_admin", ALL_PROJECT);
        f.assign(&proj(), group("qa_team_old"), "_project_admin", ALL_PROJECT);
        f.assign(&proj(), user("ok"), "no_such_role", ALL_PROJECT);
        let found = f.findings(Rule::OrphanedAssignment);
        let ids: Vec<&str> = found
            .iter()
            .map(|x| x.evidence["assignment"]["assignment_id"].as_str().unwrap())
            .collect();
        let mut ids = ids;
        ids.sort();
        assert_eq!(ids, vec!["ra1", "ra2", "ra3"]);
        let role_missing = found
            .iter()
            .find(|x| x.evidence["assignment"]["assignment_id"] == "ra3")
            .unwrap();
        // The principal resolved, so the finding names it.
        assert_eq!(role_missing.principal.as_ref().unwrap().id, "ok");
        assert_evidence!("orphaned_assignment_role_missing", role_missing);
    }

    #[test]
    fn empty_group_with_roles_fires_and_a_group_with_members_or_no_roles_does_not() {
        let mut f = Fixture::new();
        f.user("a");
        f.group(&eng(), "incident_commanders", &[]);
        f.group(&eng(), "staffed", &["a"]);
        f.group(&eng(), "unbound", &[]);
        f.group(&eng(), "ghosts", &["deleted-uuid"]);
        f.assign(
            &eng(),
            group("incident_commanders"),
            "_organization_admin",
            ALL_ORG,
        );
        f.assign(&eng(), group("staffed"), "_organization_admin", ALL_ORG);
        f.assign(&eng(), group("ghosts"), "_organization_viewer", ALL_ORG);
        let found = f.findings(Rule::EmptyPrivilegedGroup);
        assert_eq!(
            subjects(&found),
            vec![
                ("group:org:eng/ghosts", "org:eng"),
                ("group:org:eng/incident_commanders", "org:eng")
            ]
        );
        assert_eq!(found[1].evidence["highest_privilege"], "admin");
    }

    #[test]
    fn disabled_assignment_fires_and_says_what_it_would_grant() {
        let mut f = Fixture::new();
        f.user("marcus");
        let a = f.assign(
            &Scope::Account,
            user("marcus"),
            "_account_admin",
            ALL_ACCOUNT,
        );
        f.disable(a);
        f.assign(
            &Scope::Account,
            user("marcus"),
            "_account_viewer",
            ALL_ACCOUNT,
        );
        let found = f.findings(Rule::DisabledAssignment);
        assert_eq!(subjects(&found), vec![("marcus", "account")]);
        assert_eq!(found[0].evidence["would_grant_admin_of"], "account");
        assert!(found[0].message.contains("admin of account"));
    }

    #[test]
    fn unknown_group_member_lists_every_unknown_member_once_per_group() {
        let mut f = Fixture::new();
        f.user("ada").user("bo");
        f.group(
            &eng(),
            "pay_team",
            &["ada", "u-new-2", "u-new-1", "u-new-2"],
        );
        f.group(&proj(), "ghosts", &["gone"]);
        let found = f.findings(Rule::UnknownGroupMember);
        assert_eq!(
            subjects(&found),
            vec![
                ("group:org:eng/pay_team", "org:eng"),
                ("group:project:eng/pay/ghosts", "project:eng/pay"),
            ]
        );
        let pay = &found[0];
        // Each unknown member once, sorted, with the group named.
        assert_evidence!("unknown_group_member_twice_listed", pay);
        assert_eq!(
            pay.id,
            crate::findings::finding_id(
                "unknown-group-member",
                "group:org:eng/pay_team",
                "org:eng",
                &["u-new-1".into(), "u-new-2".into()]
            )
        );
        // The id follows the set of unknown members, not their stored order.
        let mut again = Fixture::new();
        again.user("ada").user("bo");
        again.group(&eng(), "pay_team", &["u-new-1", "u-new-2", "ada"]);
        assert_eq!(again.findings(Rule::UnknownGroupMember)[0].id, pay.id);
    }

    #[test]
    fn unknown_group_member_near_misses_do_not_fire() {
        let mut f = Fixture::new();
        f.user("ada").user("bo");
        // Every member known.
        f.group(&eng(), "pay_team", &["ada", "bo"]);
        f.group(&eng(), "nobody", &[]);
        // The built-in all-users groups mean every user of their scope; their
        // stored members are not used, so a stale one there is no finding.
        f.group(&Scope::Account, "_account_all_users", &["ada", "gone"]);
        f.group(&eng(), "_organization_all_users", &["gone"]);
        f.group(&proj(), "_project_all_users", &["gone"]);
        assert!(f.findings(Rule::UnknownGroupMember).is_empty());
        // The same id at the wrong level is an ordinary group.
        f.group(&eng(), "_project_all_users", &["gone"]);
        assert_eq!(f.findings(Rule::UnknownGroupMember).len(), 1);
    }

    #[test]
    fn population_incomplete_follows_the_completeness_record() {
        let mut f = Fixture::new();
        f.snapshot.completeness.lists.push(ListCompleteness {
            endpoint: "GET /ng/api/user-groups".into(),
            scope: Scope::Account,
            total_items: Some(10),
            stored: 10,
            pages: 1,
            retries: 0,
            complete: true,
            note: None,
            unverified: None,
        });
        assert!(f.findings(Rule::PopulationIncomplete).is_empty());
        f.snapshot.completeness.complete = false;
        f.snapshot.completeness.lists[0].complete = false;
        f.snapshot.completeness.lists[0].stored = 7;
        let found = f.findings(Rule::PopulationIncomplete);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, crate::findings::Severity::Critical);
        assert_eq!(found[0].evidence["incomplete_lists"][0]["stored"], 7);
    }
}
