//! Administrators: `admin-access` (the inventory), `excess-admins`,
//! `admin-without-2fa` and `service-account-admin`.
//!
//! "Admin" is the graph's definition (Harness's own, release note
//! PL-47632): the scope-level admin role on one of the all-resources groups,
//! or a custom role with every access-control management permission on all
//! resources of its scope. `_account_admin` on a narrower resource group is
//! not admin and appears in none of these rules.

use serde::Serialize;

use super::evaluate::{grant_evidence, plural, principal_of, Ctx, Draft, GrantEvidence};
use super::Rule;
use crate::graph::{AccessGraph, Principal};
use crate::snapshot::Scope;

/// The grants through which `p` is admin of `scope`.
fn admin_paths(graph: &AccessGraph<'_>, p: Principal, scope: &Scope) -> Vec<GrantEvidence> {
    graph
        .grants_of(p)
        .iter()
        .filter(|g| {
            graph
                .access_of(g.assignment)
                .is_some_and(|a| a.admin_of.as_ref() == Some(scope))
        })
        .map(|g| grant_evidence(graph, g.via, g.assignment))
        .collect()
}

fn path_text(paths: &[GrantEvidence]) -> String {
    let first = paths
        .first()
        .map(|p| {
            format!(
                "role {} on {} via {} (assignment {})",
                p.role_id, p.resource_group_id, p.via, p.assignment_id
            )
        })
        .unwrap_or_default();
    if paths.len() > 1 {
        format!("{first} and {} more", plural(paths.len() - 1, "path"))
    } else {
        first
    }
}

fn status_of(ctx: &Ctx<'_, '_>, p: Principal) -> &'static str {
    match p {
        Principal::User(i) => ctx.snapshot().users[i].status(),
        Principal::ServiceAccount(_) => "enabled",
    }
}

/// `admin-access`: one finding per principal and scope it administers.
pub fn admin_access(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let mut out = Vec::new();
    for p in g.principals() {
        for scope in g.admin_scopes(p) {
            let paths = admin_paths(g, p, &scope);
            out.push(
                Draft::new(
                    Rule::AdminAccess,
                    format!("Admin of {scope} through {}.", path_text(&paths)),
                )
                .principal(principal_of(g, p))
                .scope(&scope)
                .evidence("admin_of", scope.to_string())
                .evidence("paths", &paths)
                .evidence("principal_status", status_of(ctx, p)),
            );
        }
    }
    out
}

#[derive(Serialize)]
struct AdminRef {
    kind: &'static str,
    id: String,
    name: String,
    status: &'static str,
}

/// `excess-admins`: more principals administer the account than allowed.
pub fn excess_admins(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let max = ctx.policy.thresholds.max_account_admins;
    let admins: Vec<AdminRef> = g
        .principals()
        .filter(|p| g.admin_scopes(*p).contains(&Scope::Account))
        .map(|p| {
            let id = g.identity(p);
            AdminRef {
                kind: id.kind,
                id: id.id,
                name: id.name.to_string(),
                status: status_of(ctx, p),
            }
        })
        .collect();
    if admins.len() <= max as usize {
        return Vec::new();
    }
    vec![Draft::new(
        Rule::ExcessAdmins,
        format!(
            "{} principals are account admins; the policy allows at most {max}.",
            admins.len()
        ),
    )
    .scope(&Scope::Account)
    .evidence("account_admin_count", admins.len())
    .evidence("max_account_admins", max)
    .evidence("account_admins", &admins)]
}

/// `admin-without-2fa`: an enabled human admin with no 2FA and no sign of
/// SSO management (SCIM-provisioned, or member of an SSO-linked group).
pub fn admin_without_2fa(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut out = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        if u.disabled || u.two_factor_enabled == Some(true) || u.externally_managed {
            continue;
        }
        let p = Principal::User(i);
        let scopes = g.admin_scopes(p);
        if scopes.is_empty() {
            continue;
        }
        let sso_groups: Vec<String> = g
            .groups_of_user(i)
            .iter()
            .map(|&gi| &s.user_groups[gi])
            .filter(|x| x.sso_linked)
            .map(|x| format!("group:{}/{}", x.scope, x.id))
            .collect();
        if !sso_groups.is_empty() {
            continue;
        }
        let listed: Vec<String> = scopes.iter().map(Scope::to_string).collect();
        let two_fa = match u.two_factor_enabled {
            Some(false) => "off",
            _ => "not reported by Harness",
        };
        out.push(
            Draft::new(
                Rule::AdminWithout2fa,
                format!(
                    "Admin of {} with two-factor authentication {two_fa}, not SCIM-provisioned and in no SSO-linked group.",
                    listed.join(", ")
                ),
            )
            .principal(principal_of(g, p))
            .scope(&scopes[0])
            .evidence("admin_of", &listed)
            .evidence("two_factor_enabled", u.two_factor_enabled)
            .evidence("externally_managed", u.externally_managed)
            .evidence("sso_linked_groups", &sso_groups),
        );
    }
    out
}

/// `service-account-admin`: one finding per service account and scope it
/// administers.
pub fn service_account_admin(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let mut out = Vec::new();
    for i in 0..ctx.snapshot().service_accounts.len() {
        let p = Principal::ServiceAccount(i);
        for scope in g.admin_scopes(p) {
            let paths = admin_paths(g, p, &scope);
            out.push(
                Draft::new(
                    Rule::ServiceAccountAdmin,
                    format!(
                        "Service account is admin of {scope} through {}.",
                        path_text(&paths)
                    ),
                )
                .principal(principal_of(g, p))
                .scope(&scope)
                .evidence("admin_of", scope.to_string())
                .evidence("paths", &paths),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use crate::findings::Rule;
    use crate::snapshot::Scope;

    #[test]
    fn admin_access_lists_each_admin_scope_with_its_path() {
        let mut f = Fixture::new();
        f.user("alice").user("bob");
        f.group(&Scope::Account, "admins", &["alice"]);
        f.assign(
            &Scope::Account,
            group("admins"),
            "_account_admin",
            ALL_CHILDREN,
        );
        f.assign(&proj(), user("bob"), "_project_admin", ALL_PROJECT);
        let found = f.findings(Rule::AdminAccess);
        assert_eq!(
            subjects(&found),
            vec![("alice", "account"), ("bob", "project:eng/pay")]
        );
        let paths = &found[0].evidence["paths"];
        assert_eq!(paths[0]["via"], "group:account/admins");
        assert_eq!(paths[0]["assignment_id"], "ra0");
    }

    #[test]
    fn account_admin_on_a_single_project_resource_group_is_not_account_admin() {
        let mut f = Fixture::new();
        f.user("priya");
        f.resource_group(&Scope::Account, "payments_only", &[(proj(), false)]);
        f.assign(
            &Scope::Account,
            user("priya"),
            "_account_admin",
            "payments_only",
        );
        assert!(f.findings(Rule::AdminAccess).is_empty());
        assert!(f.findings(Rule::AdminWithout2fa).is_empty());
    }

    #[test]
    fn a_disabled_assignment_grants_nothing() {
        let mut f = Fixture::new();
        f.user("marcus");
        let a = f.assign(
            &Scope::Account,
            user("marcus"),
            "_account_admin",
            ALL_ACCOUNT,
        );
        f.disable(a);
        assert!(f.findings(Rule::AdminAccess).is_empty());
        assert!(f.findings(Rule::AdminWithout2fa).is_empty());
        assert_eq!(f.findings(Rule::DisabledAssignment).len(), 1);
    }

    #[test]
    fn excess_admins_fires_above_the_threshold_only() {
        let mut f = Fixture::new();
        for u in ["a", "b", "c", "d", "e"] {
            f.user(u);
            f.assign(&Scope::Account, user(u), "_account_admin", ALL_ACCOUNT);
        }
        // Five admins: the default allows five.
        assert!(f.findings(Rule::ExcessAdmins).is_empty());
        // A project admin is not an account admin.
        f.user("p");
        f.assign(&proj(), user("p"), "_project_admin", ALL_PROJECT);
        assert!(f.findings(Rule::ExcessAdmins).is_empty());
        // A sixth account admin, here a service account, is one too many.
        f.service_account(&Scope::Account, "bot");
        f.assign(&Scope::Account, sa("bot"), "_account_admin", ALL_CHILDREN);
        let found = f.findings(Rule::ExcessAdmins);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence["account_admin_count"], 6);
        assert_eq!(found[0].evidence["max_account_admins"], 5);
        // A policy threshold moves the line.
        f.policy_toml("[thresholds]\nmax_account_admins = 6\n");
        assert!(f.findings(Rule::ExcessAdmins).is_empty());
    }

    #[test]
    fn admin_without_2fa_fires_for_a_plain_admin_only() {
        let mut f = Fixture::new();
        f.user("victor");
        f.user_mut("victor").two_factor_enabled = Some(false);
        f.user("with2fa");
        f.user_mut("with2fa").two_factor_enabled = Some(true);
        f.user("scim");
        f.user_mut("scim").externally_managed = true;
        f.user("sso");
        f.group(&Scope::Account, "saml_admins", &["sso"]);
        f.group_mut("saml_admins").sso_linked = true;
        f.user("viewer");
        for u in ["victor", "with2fa", "scim"] {
            f.assign(&Scope::Account, user(u), "_account_admin", ALL_ACCOUNT);
        }
        f.assign(
            &Scope::Account,
            group("saml_admins"),
            "_account_admin",
            ALL_ACCOUNT,
        );
        f.assign(
            &Scope::Account,
            user("viewer"),
            "_account_viewer",
            ALL_ACCOUNT,
        );
        let found = f.findings(Rule::AdminWithout2fa);
        assert_eq!(subjects(&found), vec![("victor", "account")]);
        assert_eq!(found[0].evidence["two_factor_enabled"], false);
    }

    #[test]
    fn service_account_admin_fires_for_admin_service_accounts_only() {
        let mut f = Fixture::new();
        f.service_account(&Scope::Account, "terraform");
        f.service_account(&Scope::Account, "ci");
        f.assign(
            &Scope::Account,
            sa("terraform"),
            "_account_admin",
            ALL_CHILDREN,
        );
        f.assign(&proj(), sa("ci"), "_pipeline_executor", ALL_PROJECT);
        let found = f.findings(Rule::ServiceAccountAdmin);
        assert_eq!(subjects(&found), vec![("sa:account/terraform", "account")]);
    }
}
