//! Administrators: `admin-access` (the inventory), `excess-admins`,
//! `admin-without-2fa` and `service-account-admin`.
//!
//! "Admin" is the graph's definition (Harness's own, release note
//! PL-47632): the scope-level admin role on one of the all-resources groups,
//! or a custom role with every access-control management permission on all
//! resources of its scope. `_account_admin` on a narrower resource group is
//! not admin and appears in none of these rules.

use serde::Serialize;

use super::ctx::Ctx;
use super::draft::{grant_evidence, plural, principal_of, Draft, GrantEvidence};
use super::rule::Rule;
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
        format!("{first} and {}", plural(paths.len() - 1, "more path"))
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
    /// The grants that make it account admin.
    paths: Vec<GrantEvidence>,
}

/// The distinct assignment ids of `paths`, sorted.
fn assignment_ids<'p>(paths: impl IntoIterator<Item = &'p GrantEvidence>) -> Vec<String> {
    let mut ids: Vec<String> = paths.into_iter().map(|x| x.assignment_id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
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
                paths: admin_paths(g, p, &Scope::Account),
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
    .evidence(
        "assignment_ids",
        assignment_ids(admins.iter().flat_map(|a| &a.paths)),
    )
    .evidence("account_admins", &admins)]
}

/// Who asks an admin for a second factor, from the account's sign-in
/// settings (docs/harness-behaviour.md U2, U5).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SecondFactor {
    /// The account enforces 2FA: every password login asks for it.
    Account,
    /// Sign-in goes through SAML or OAuth: the identity provider's MFA
    /// applies, and its evidence comes from there.
    IdentityProvider,
    /// Password (or LDAP) login with no account enforcement: nobody.
    Nobody,
    /// The account's settings were not read.
    Unknown,
}

impl SecondFactor {
    fn of(account: &crate::snapshot::Account) -> SecondFactor {
        let mechanism = account.authentication_mechanism.as_deref();
        if account.two_factor_enforced == Some(true) {
            SecondFactor::Account
        } else if matches!(mechanism, Some("SAML" | "OAUTH")) {
            SecondFactor::IdentityProvider
        } else if mechanism.is_some() {
            SecondFactor::Nobody
        } else {
            SecondFactor::Unknown
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            SecondFactor::Account => "account",
            SecondFactor::IdentityProvider => "identity provider",
            SecondFactor::Nobody => "nobody",
            SecondFactor::Unknown => "unknown",
        }
    }
}

/// `admin-without-2fa`: an enabled human admin with no 2FA and no sign of
/// SSO management (SCIM-provisioned, or member of an SSO-linked group).
/// How severe depends on the account's sign-in: enforced 2FA (info: the
/// login asks anyway), SAML or OAuth login (low: the identity provider's
/// MFA applies), password or LDAP login without enforcement (the rule's
/// severity), settings not read (the rule's severity, saying so).
pub fn admin_without_2fa(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let second = SecondFactor::of(&s.account);
    let mechanism = s.account.authentication_mechanism.as_deref();
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
        let paths: Vec<GrantEvidence> = scopes
            .iter()
            .flat_map(|scope| admin_paths(g, p, scope))
            .collect();
        let two_fa = match u.two_factor_enabled {
            Some(false) => "off",
            _ => "not reported by Harness",
        };
        let login = mechanism.unwrap_or("not read");
        let (context, severity) = match second {
            SecondFactor::Account => (
                "the account enforces 2FA, so every password login still asks for a second factor".to_string(),
                Some(super::Severity::Info),
            ),
            SecondFactor::IdentityProvider => (
                format!("account login is {login}: the identity provider's MFA applies and its evidence comes from there"),
                Some(super::Severity::Low),
            ),
            SecondFactor::Nobody => (
                format!("account login is {login} and the account does not enforce 2FA: a password alone signs in"),
                None,
            ),
            SecondFactor::Unknown => (
                "the account's sign-in settings were not read (core_account_view), so whether 2FA is enforced is unknown".to_string(),
                None,
            ),
        };
        let mut draft = Draft::new(
            Rule::AdminWithout2fa,
            format!(
                "Admin of {} through {} with two-factor authentication {two_fa}, not SCIM-provisioned and in no SSO-linked group; {context}.",
                listed.join(", "),
                path_text(&paths)
            ),
        )
        .principal(principal_of(g, p))
        .scope(&scopes[0])
        .evidence("admin_of", &listed)
        .evidence("paths", &paths)
        .evidence("assignment_ids", assignment_ids(&paths))
        .evidence("two_factor_enabled", u.two_factor_enabled)
        .evidence("externally_managed", u.externally_managed)
        .evidence("sso_linked_groups", &sso_groups)
        .evidence("account_2fa_enforced", s.account.two_factor_enforced)
        .evidence("login_mechanism", mechanism)
        .evidence("second_factor_by", second.as_str());
        if let Some(sev) = severity {
            draft = draft.severity(sev);
        }
        out.push(draft);
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
    use crate::findings::Rule;
    use crate::snapshot::Scope;
    use crate::testkit::*;

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
        // Each with the path that makes it admin.
        assert_evidence!("admin_access_through_a_group", found[0]);
        assert_evidence!("admin_access_direct_on_a_project", found[1]);
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
        // Six against five, and every assignment that makes an account admin
        // is named, per admin and together (ra5 is the project admin's).
        assert_evidence!("excess_admins_six_of_five", found[0]);
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
        // The assignment that makes him admin is named.
        assert_evidence!("admin_without_2fa_direct", found[0]);
    }

    #[test]
    fn admin_without_2fa_says_who_asks_for_a_second_factor() {
        use crate::findings::Severity;
        let mut f = Fixture::new();
        f.user("victor");
        f.user_mut("victor").two_factor_enabled = Some(false);
        f.assign(
            &Scope::Account,
            user("victor"),
            "_account_admin",
            ALL_ACCOUNT,
        );
        let case = |f: &mut Fixture, mechanism: Option<&str>, enforced: Option<bool>| {
            f.snapshot.account.authentication_mechanism = mechanism.map(str::to_string);
            f.snapshot.account.two_factor_enforced = enforced;
            let found = f.findings(Rule::AdminWithout2fa);
            assert_eq!(found.len(), 1);
            let x = &found[0];
            (
                x.severity,
                x.evidence["second_factor_by"].as_str().unwrap().to_string(),
                x.message.clone(),
            )
        };
        // Password login, not enforced: a password alone signs in.
        let (sev, by, m) = case(&mut f, Some("USER_PASSWORD"), Some(false));
        assert_eq!((sev, by.as_str()), (Severity::High, "nobody"));
        assert!(m.contains("a password alone signs in"), "{m}");
        // LDAP is a password login too.
        let (sev, by, _) = case(&mut f, Some("LDAP"), Some(false));
        assert_eq!((sev, by.as_str()), (Severity::High, "nobody"));
        // Enforced by the account: every login asks anyway.
        let (sev, by, m) = case(&mut f, Some("USER_PASSWORD"), Some(true));
        assert_eq!((sev, by.as_str()), (Severity::Info, "account"));
        assert!(m.contains("the account enforces 2FA"), "{m}");
        // SAML login: the identity provider's MFA.
        let (sev, by, m) = case(&mut f, Some("SAML"), Some(false));
        assert_eq!((sev, by.as_str()), (Severity::Low, "identity provider"));
        assert!(m.contains("account login is SAML"), "{m}");
        // Not read: the rule's severity, saying it is unknown.
        let (sev, by, m) = case(&mut f, None, None);
        assert_eq!((sev, by.as_str()), (Severity::High, "unknown"));
        assert!(m.contains("were not read"), "{m}");
        // A policy severity still wins.
        f.policy_toml("[rules.admin-without-2fa]\nseverity = \"medium\"\n");
        let (sev, _, _) = case(&mut f, Some("USER_PASSWORD"), Some(true));
        assert_eq!(sev, Severity::Medium);
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
