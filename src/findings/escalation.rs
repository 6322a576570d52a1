//! `privilege-escalation-path`: a principal that can make itself admin of a
//! scope it does not administer, with the shortest path, step by step
//! (the search itself is `graph::escalation`).

use super::ctx::Ctx;
use super::draft::{plural, principal_of, Draft};
use super::rule::Rule;

/// One finding per principal and widest scope it can become admin of.
pub fn privilege_escalation_path(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let index = g.escalation_index();
    let mut out = Vec::new();
    for p in g.principals() {
        for path in index.paths_from(p) {
            let scope = &path.admin_of;
            let admin_of: Vec<String> = g.admin_scopes(p).iter().map(|s| s.to_string()).collect();
            let assignments: Vec<&str> = path
                .steps
                .iter()
                .map(|s| s.assignment_id.as_str())
                .collect();
            // A path through a reused service-account identifier rests on
            // the server source only (docs/harness-behaviour.md P6).
            let unverified = path
                .steps
                .iter()
                .any(|s| s.action == crate::graph::StepAction::ReuseServiceAccountIdentifier);
            let mut draft = Draft::new(
                Rule::PrivilegeEscalationPath,
                format!(
                    "Can make itself admin of {scope} in {}: {}.{}",
                    plural(path.steps.len(), "step"),
                    path.summary(),
                    if unverified {
                        " Through a service-account identifier reused across scopes: Harness's server source keys a service account's grants by its bare identifier; unverified for current Harness."
                    } else {
                        ""
                    }
                ),
            );
            if unverified {
                draft = draft
                    .severity(crate::findings::Severity::Medium)
                    .evidence("unverified", true);
            }
            out.push(
                draft
                    .principal(principal_of(g, p))
                    .scope(scope)
                    .evidence("reachable_admin_of", scope.to_string())
                    .evidence("path", &path.steps)
                    .evidence("path_summary", path.summary())
                    .evidence("assignment_ids", &assignments)
                    .evidence("highest_privilege_held", g.highest_level(p))
                    .evidence("admin_of_already", &admin_of),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::findings::Rule;
    use crate::graph::{AccessGraph, StepAction};
    use crate::snapshot::Scope;
    use crate::testkit::*;

    fn actions(f: &Fixture, who: &str) -> Vec<(Vec<StepAction>, String)> {
        let g = AccessGraph::build(&f.snapshot);
        let p = g.find_principal(who).unwrap();
        g.escalation_paths(p)
            .into_iter()
            .map(|path| {
                (
                    path.steps.iter().map(|s| s.action).collect(),
                    path.admin_of.to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn group_membership_management_lets_a_helpdesk_user_join_the_admin_group() {
        // Managing one group (the admins) only: she cannot create a group,
        // so the way in is to join that one.
        let mut f = Fixture::new();
        f.user("grace").user("amara");
        f.group(&Scope::Account, "platform_admins", &["amara"]);
        f.role(
            &Scope::Account,
            "group_manager",
            &["core_usergroup_view", "core_usergroup_manage"],
        );
        f.selecting_resource_group(
            &Scope::Account,
            "admins_group",
            "USERGROUP",
            &["platform_admins"],
        );
        f.assign(
            &Scope::Account,
            group("platform_admins"),
            "_account_admin",
            ALL_CHILDREN,
        );
        f.assign(
            &Scope::Account,
            user("grace"),
            "group_manager",
            "admins_group",
        );
        assert_eq!(
            actions(&f, "grace"),
            vec![(
                vec![StepAction::JoinGroup, StepAction::HoldAdmin],
                "account".into()
            )]
        );
        let found = f.findings(Rule::PrivilegeEscalationPath);
        assert_eq!(subjects(&found), vec![("grace", "account")]);
        // Each step traced to its assignment: ra1 lets her join, ra0 makes
        // the group admin.
        assert_evidence!("escalation_join_the_admin_group", found[0]);
        // The admins themselves are not escalating: they are admin already.
        assert!(actions(&f, "amara").is_empty());
    }

    #[test]
    fn group_management_binds_the_admin_role_of_its_scope_to_a_group() {
        // RoleAssignmentApiUtils.checkUpdatePermission: binding a role to a
        // group needs only core_usergroup_manage. A group manager at X can
        // create a group, join it and bind X's admin role to it, even where
        // no admin group exists.
        for (scope, rg, admin) in [
            (Scope::Account, ALL_ACCOUNT, "account"),
            (eng(), ALL_ORG, "org:eng"),
            (proj(), ALL_PROJECT, "project:eng/pay"),
        ] {
            let mut f = Fixture::new();
            f.user("grace");
            f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
            f.assign(&scope, user("grace"), "group_manager", rg);
            assert_eq!(
                actions(&f, "grace"),
                vec![(vec![StepAction::BindAdminRole], admin.to_string())],
                "{admin}"
            );
            let found = f.findings(Rule::PrivilegeEscalationPath);
            // One step, naming the scope's admin role and assignment ra0.
            assert_evidence!(
                format!(
                    "escalation_bind_admin_role_at_{}",
                    admin.replace([':', '/'], "_")
                ),
                found[0]
            );
            // Near miss: viewing groups grants nothing.
            let mut f = Fixture::new();
            f.user("grace");
            f.role(&Scope::Account, "group_viewer", &["core_usergroup_view"]);
            f.assign(&scope, user("grace"), "group_viewer", rg);
            assert!(actions(&f, "grace").is_empty(), "{admin}");
        }
    }

    #[test]
    fn group_management_over_one_group_binds_admin_to_it_joining_it_first() {
        let mut f = Fixture::new();
        f.user("grace");
        f.group(&eng(), "eng_leads", &["grace"]);
        f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
        f.selecting_resource_group(&eng(), "leads_only", "USERGROUP", &["eng_leads"]);
        f.assign(&eng(), user("grace"), "group_manager", "leads_only");
        assert_eq!(
            actions(&f, "grace"),
            vec![(vec![StepAction::BindAdminRole], "org:eng".into())]
        );
        // A group she is not in ("a team lead manages the team group"):
        // she adds herself (UserGroupServiceImpl.addMember), then binds the
        // admin role to it (RoleAssignmentApiUtils.checkUpdatePermission
        // checks only the permission over the group).
        let lead = |member_of: &[Scope]| {
            let mut f = Fixture::new();
            f.user_in("grace", member_of).user("other");
            f.group(&eng(), "eng_leads", &["other"]);
            f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
            f.selecting_resource_group(&eng(), "leads_only", "USERGROUP", &["eng_leads"]);
            f.assign(&eng(), user("grace"), "group_manager", "leads_only");
            f
        };
        let f = lead(&[eng()]);
        assert_eq!(
            actions(&f, "grace"),
            vec![(
                vec![StepAction::JoinGroup, StepAction::BindAdminRole],
                "org:eng".into()
            )]
        );
        // Near miss: she is no member of org:eng, so Harness drops her from
        // the group without an error (updateInternal -> sanitizeInternal).
        let f = lead(&[]);
        assert!(actions(&f, "grace").is_empty());
        // Near miss: a group Harness manages takes no member
        // (checkToHarnessManagedUserGroup).
        let mut f = lead(&[eng()]);
        f.group_mut("eng_leads").harness_managed = true;
        assert!(actions(&f, "grace").is_empty());
    }

    #[test]
    fn split_user_group_permissions_escalate_like_manage() {
        // With PL_USER_GROUPS_MANAGE_PERMISSION_SPLIT_ENFORCE (developer-hub
        // add-user-groups.md), adding members is core_usergroup_manageUsers
        // and binding roles core_usergroup_manageRoleAssignments.
        let lead = |permissions: &[&str]| {
            let mut f = Fixture::new();
            f.user_in("grace", &[eng()]).user("other");
            f.group(&eng(), "eng_leads", &["other"]);
            f.role(&Scope::Account, "group_lead", permissions);
            f.selecting_resource_group(&eng(), "leads_only", "USERGROUP", &["eng_leads"]);
            f.assign(&eng(), user("grace"), "group_lead", "leads_only");
            f
        };
        let both = [
            "core_usergroup_manageUsers",
            "core_usergroup_manageRoleAssignments",
        ];
        let f = lead(&both);
        assert_eq!(
            actions(&f, "grace"),
            vec![(
                vec![StepAction::JoinGroup, StepAction::BindAdminRole],
                "org:eng".into()
            )]
        );
        let found = f.findings(Rule::PrivilegeEscalationPath);
        let steps = found[0].evidence["path"].to_string();
        assert!(steps.contains("core_usergroup_manageUsers"), "{steps}");
        assert!(
            steps.contains("core_usergroup_manageRoleAssignments"),
            "{steps}"
        );
        // Near misses: members alone cannot bind; binding alone cannot add
        // her to a group she is not in; the other split permissions do
        // neither.
        assert!(actions(&lead(&both[..1]), "grace").is_empty());
        assert!(actions(&lead(&both[1..]), "grace").is_empty());
        assert!(actions(
            &lead(&[
                "core_usergroup_editMetadata",
                "core_usergroup_manageNotifications",
                "core_usergroup_manageSSO",
                "core_usergroup_delete",
            ]),
            "grace"
        )
        .is_empty());

        // Over every group of a scope: creating a group takes
        // core_usergroup_create as well.
        let manager = |permissions: &[&str]| {
            let mut f = Fixture::new();
            f.user("grace");
            f.role(&Scope::Account, "group_manager", permissions);
            f.assign(&eng(), user("grace"), "group_manager", ALL_ORG);
            f
        };
        let all = [
            "core_usergroup_create",
            "core_usergroup_manageUsers",
            "core_usergroup_manageRoleAssignments",
        ];
        assert_eq!(
            actions(&manager(&all), "grace"),
            vec![(vec![StepAction::BindAdminRole], "org:eng".into())]
        );
        assert!(actions(&manager(&all[1..]), "grace").is_empty());

        // A custom role holding every access-control permission in the
        // split vocabulary is its scope's admin.
        let mut f = Fixture::new();
        f.user("grace");
        f.role(
            &Scope::Account,
            "custom_admin",
            &[
                "core_resourcegroup_edit",
                "core_role_edit",
                "core_serviceaccount_edit",
                "core_user_manage",
                "core_usergroup_manageUsers",
                "core_usergroup_manageRoleAssignments",
            ],
        );
        f.assign(&eng(), user("grace"), "custom_admin", ALL_ORG);
        let g = AccessGraph::build(&f.snapshot);
        let a = g.access_of(0).expect("access");
        assert_eq!(a.admin_of, Some(eng()));
    }

    #[test]
    fn impersonating_an_admin_is_a_step_to_their_access() {
        // developer-hub user-impersonation.md: available only at the
        // account scope, never oneself, the session acts with the
        // impersonated user's access.
        let support = |scope: &Scope, rg: &str| {
            let mut f = Fixture::new();
            f.user("grace").user("amara");
            f.role(&Scope::Account, "support", &["core_user_impersonate"]);
            f.assign(
                &Scope::Account,
                user("amara"),
                "_account_admin",
                ALL_CHILDREN,
            );
            f.assign(scope, user("grace"), "support", rg);
            f
        };
        let f = support(&Scope::Account, ALL_ACCOUNT);
        assert_eq!(
            actions(&f, "grace"),
            vec![(
                vec![StepAction::ImpersonateUser, StepAction::HoldAdmin],
                "account".into()
            )]
        );
        let found = f.findings(Rule::PrivilegeEscalationPath);
        let path = found[0].evidence["path"].to_string();
        assert!(path.contains("can impersonate user amara@"), "{path}");
        assert!(path.contains("\"held_by\":\"amara\""), "{path}");
        // Near miss: held at an org, where Harness offers no impersonation.
        let f = support(&eng(), ALL_ORG);
        assert!(actions(&f, "grace").is_empty());
        // Near miss: a resource group selecting only a non-admin user.
        let mut f = support(&Scope::Account, ALL_ACCOUNT);
        f.user("dev");
        f.selecting_resource_group(&Scope::Account, "devs_only", "USER", &["dev"]);
        f.snapshot.role_assignments[1].resource_group = "devs_only".into();
        assert!(actions(&f, "grace").is_empty());
        // Near miss: a service account holding it starts no session.
        let mut f = Fixture::new();
        f.user("amara");
        f.service_account(&Scope::Account, "helper");
        f.role(&Scope::Account, "support", &["core_user_impersonate"]);
        f.assign(
            &Scope::Account,
            user("amara"),
            "_account_admin",
            ALL_CHILDREN,
        );
        f.assign(&Scope::Account, sa("helper"), "support", ALL_ACCOUNT);
        assert!(actions(&f, "sa:account/helper").is_empty());
    }

    #[test]
    fn managing_an_all_users_group_binds_admin_to_everyone_there() {
        // Everyone of a scope is in its all-users group, the manager too;
        // binding the admin role to it needs only the permission over it.
        let all_users = |member_of: &[Scope]| {
            let mut f = Fixture::new();
            f.user_in("grace", member_of);
            f.group(&proj(), "_project_all_users", &[]);
            f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
            f.selecting_resource_group(&proj(), "everyone", "USERGROUP", &["_project_all_users"]);
            f.assign(&proj(), user("grace"), "group_manager", "everyone");
            f
        };
        let f = all_users(&[eng(), proj()]);
        assert_eq!(
            actions(&f, "grace"),
            vec![(vec![StepAction::BindAdminRole], "project:eng/pay".into())]
        );
        // Near miss: not a member of the project, so not in its all-users
        // group (and Harness takes no member into it).
        let f = all_users(&[eng()]);
        assert!(actions(&f, "grace").is_empty());
    }

    #[test]
    fn a_scim_group_is_joined_only_with_the_permission_at_the_account() {
        // The identity provider's groups refuse members through the NG API
        // (UserGroupResource.addMember -> checkExternallyManaged); the SCIM
        // API adds them, checking core_usergroup_manage over the group's
        // identifier at the account, whatever the group's scope
        // (NGScimGroupResource.updateGroup).
        let scim = |at: Scope| {
            let mut f = Fixture::new();
            f.user("grace").user("amara");
            f.group(&eng(), "eng_scim", &["amara"]);
            f.group_mut("eng_scim").externally_managed = true;
            f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
            f.assign(&eng(), group("eng_scim"), "_organization_admin", ALL_ORG);
            f.selecting_resource_group(&at, "scim_team", "USERGROUP", &["eng_scim"]);
            f.assign(&at, user("grace"), "group_manager", "scim_team");
            f
        };
        assert_eq!(
            actions(&scim(Scope::Account), "grace"),
            vec![(
                vec![StepAction::JoinGroup, StepAction::HoldAdmin],
                "org:eng".into()
            )]
        );
        // Near miss: the same permission over the group at its own scope.
        assert!(actions(&scim(eng()), "grace").is_empty());
        // And an ordinary group is joined with it there, not from the
        // account (the NG API checks the group's scope).
        let mut f = scim(eng());
        f.group_mut("eng_scim").externally_managed = false;
        assert_eq!(
            actions(&f, "grace"),
            vec![(
                vec![StepAction::JoinGroup, StepAction::HoldAdmin],
                "org:eng".into()
            )]
        );
    }

    #[test]
    fn permissions_gained_by_an_edit_feed_the_next_step() {
        // RoleResourceImpl.update: a role editor adds core_usergroup_manage
        // to a custom role she holds on every user group of the account;
        // then she binds the account's admin role to a group she creates
        // and joins (checkUpdatePermission).
        let f = |with_groups: bool| {
            let mut f = Fixture::new();
            f.user("grace");
            f.typed_resource_group(
                &Scope::Account,
                "roles_only",
                &[(Scope::Account, false)],
                &["ROLE"],
            );
            f.typed_resource_group(
                &Scope::Account,
                "groups_only",
                &[(Scope::Account, false)],
                &["USERGROUP"],
            );
            f.role(
                &Scope::Account,
                "role_editor",
                &["core_role_view", "core_role_edit"],
            );
            f.role(&Scope::Account, "team_role", &["core_usergroup_view"]);
            f.assign(&Scope::Account, user("grace"), "role_editor", "roles_only");
            if with_groups {
                f.assign(&Scope::Account, user("grace"), "team_role", "groups_only");
            }
            f
        };
        assert_eq!(
            actions(&f(true), "grace"),
            vec![(
                vec![StepAction::EditRole, StepAction::BindAdminRole],
                "account".into()
            )]
        );
        // Near miss: no role of hers runs over user groups, so an edit
        // gains nothing to bind with.
        assert!(actions(&f(false), "grace").is_empty());
    }

    #[test]
    fn a_service_account_identifier_reused_across_scopes_carries_its_grants() {
        // ACLGeneratorServiceImpl builds a service account's ACLs for
        // Principal.of(SERVICE_ACCOUNT, identifier) and ACLDAOImpl looks them
        // up by type and identifier: no scope. A project's service account
        // named like the account's admin one holds its grants.
        let fixture = |same_name: bool| {
            let mut f = Fixture::new();
            f.service_account(&Scope::Account, "terraform");
            f.assign(
                &Scope::Account,
                sa("terraform"),
                "_account_admin",
                ALL_CHILDREN,
            );
            f.service_account(&proj(), if same_name { "terraform" } else { "deployer" });
            f
        };
        let f = fixture(true);
        let g = AccessGraph::build(&f.snapshot);
        let p = g.find_principal("sa:project:eng/pay/terraform").unwrap();
        let paths = g.escalation_paths(p);
        assert_eq!(paths.len(), 1, "{paths:?}");
        assert_eq!(paths[0].admin_of, Scope::Account);
        assert_eq!(
            paths[0].steps[0].action,
            StepAction::ReuseServiceAccountIdentifier
        );
        assert!(
            paths[0].steps[0].text.contains("shares its identifier"),
            "{}",
            paths[0].steps[0].text
        );
        let found = f.findings(Rule::PrivilegeEscalationPath);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, crate::findings::Severity::Medium);
        assert_eq!(found[0].evidence["unverified"], true);
        assert!(
            found[0].message.contains("unverified for current Harness"),
            "{}",
            found[0].message
        );
        // Near miss: another identifier shares nothing.
        assert!(fixture(false)
            .findings(Rule::PrivilegeEscalationPath)
            .is_empty());
    }

    #[test]
    fn a_service_account_never_joins_a_group() {
        // User groups hold users only: a service account managing groups
        // joins none (it can still bind roles, which is its own path).
        let mut f = Fixture::new();
        f.user("amara");
        f.service_account(&Scope::Account, "bot");
        f.group(&Scope::Account, "admins", &["amara"]);
        f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
        f.selecting_resource_group(&Scope::Account, "admins_only", "USERGROUP", &["admins"]);
        f.assign(
            &Scope::Account,
            group("admins"),
            "_account_admin",
            ALL_CHILDREN,
        );
        f.assign(&Scope::Account, sa("bot"), "group_manager", "admins_only");
        let g = AccessGraph::build(&f.snapshot);
        let p = g.find_principal("sa:account/bot").unwrap();
        assert!(
            g.escalation_paths(p)
                .iter()
                .all(|path| path.steps[0].action != StepAction::JoinGroup),
            "{:?}",
            g.escalation_paths(p)
        );
        // Near miss: a user with the same grant does join.
        f.user("helpdesk");
        f.assign(
            &Scope::Account,
            user("helpdesk"),
            "group_manager",
            "admins_only",
        );
        assert_eq!(
            actions(&f, "helpdesk"),
            vec![(
                vec![StepAction::JoinGroup, StepAction::HoldAdmin],
                "account".into()
            )]
        );
    }

    #[test]
    fn group_management_limited_to_a_project_reaches_that_project_only() {
        let mut f = Fixture::new();
        f.user("grace").user("amara");
        f.group(&Scope::Account, "platform_admins", &["amara"]);
        f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
        f.assign(
            &Scope::Account,
            group("platform_admins"),
            "_account_admin",
            ALL_CHILDREN,
        );
        // The same role bound at the project covers project groups only: it
        // reaches project admin, never the account's admin group.
        f.assign(&proj(), user("grace"), "group_manager", ALL_PROJECT);
        assert_eq!(
            actions(&f, "grace"),
            vec![(vec![StepAction::BindAdminRole], "project:eng/pay".into())]
        );
        let found = f.findings(Rule::PrivilegeEscalationPath);
        assert_eq!(subjects(&found), vec![("grace", "project:eng/pay")]);
    }

    #[test]
    fn service_account_editing_with_key_minting_binds_admin_and_acts_as_it() {
        // core_serviceaccount_edit binds any role to a service account;
        // with core_serviceaccount_manageapikey its holder mints the token.
        for (scope, rg, admin) in [
            (Scope::Account, ALL_ACCOUNT, "account"),
            (eng(), ALL_ORG, "org:eng"),
            (proj(), ALL_PROJECT, "project:eng/pay"),
        ] {
            let mut f = Fixture::new();
            f.user("dev");
            f.role(&Scope::Account, "sa_editor", &["core_serviceaccount_edit"]);
            f.role(
                &Scope::Account,
                "key_rotator",
                &["core_serviceaccount_manageapikey"],
            );
            f.assign(&scope, user("dev"), "sa_editor", rg);
            // Editing alone: it can make a service account admin, not use it.
            assert!(actions(&f, "dev").is_empty(), "{admin}");
            f.assign(&scope, user("dev"), "key_rotator", rg);
            assert_eq!(
                actions(&f, "dev"),
                vec![(
                    vec![StepAction::BindServiceAccount, StepAction::MintToken],
                    admin.to_string()
                )],
                "{admin}"
            );
            let found = f.findings(Rule::PrivilegeEscalationPath);
            let ids: Vec<&str> = found[0].evidence["assignment_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(ids, vec!["ra0", "ra1"], "each step names its assignment");
        }
    }

    #[test]
    fn user_management_over_only_itself_lets_a_user_assign_itself_any_role() {
        let mut f = Fixture::new();
        f.user("sam").user("kim");
        f.role(&Scope::Account, "self_service", &["core_user_manage"]);
        f.selecting_resource_group(&eng(), "just_sam", "USER", &["sam"]);
        f.assign(&eng(), user("sam"), "self_service", "just_sam");
        assert_eq!(
            actions(&f, "sam"),
            vec![(vec![StepAction::AssignRole], "org:eng".into())]
        );
        // Near miss: the group names someone else.
        let mut f = Fixture::new();
        f.user("sam").user("kim");
        f.role(&Scope::Account, "self_service", &["core_user_manage"]);
        f.selecting_resource_group(&eng(), "just_kim", "USER", &["kim"]);
        f.assign(&eng(), user("sam"), "self_service", "just_kim");
        assert!(actions(&f, "sam").is_empty());
        // Near miss: sam is no member of org:eng, and Harness assigns a role
        // to a user only where the user is a member
        // (UserValidator.validatePrincipal); over himself only, he cannot
        // make himself one first.
        let mut f = Fixture::new();
        f.user_in("sam", &[]).user("kim");
        f.role(&Scope::Account, "self_service", &["core_user_manage"]);
        f.selecting_resource_group(&eng(), "just_sam", "USER", &["sam"]);
        f.assign(&eng(), user("sam"), "self_service", "just_sam");
        assert!(actions(&f, "sam").is_empty());
    }

    #[test]
    fn login_settings_at_the_account_are_a_way_to_admin_with_the_assumption_said() {
        let mut f = Fixture::new();
        f.user("idp_admin");
        f.role(&Scope::Account, "sso_admin", &["core_authsetting_edit"]);
        f.assign(&Scope::Account, user("idp_admin"), "sso_admin", ALL_ACCOUNT);
        assert_eq!(
            actions(&f, "idp_admin"),
            vec![(vec![StepAction::RepointLogin], "account".into())]
        );
        let found = f.findings(Rule::PrivilegeEscalationPath);
        let text = found[0].evidence["path"][0]["text"].as_str().unwrap();
        assert!(
            text.contains("this assumes an admin signs in through that login"),
            "{text}"
        );
        // Near miss: the permission is an account one; on a project (where the
        // catalogue does not allow it) it does nothing.
        let mut f = Fixture::new();
        f.user("idp_admin");
        for p in &mut f.snapshot.permissions {
            if p.id.as_str() == "core_authsetting_edit" {
                p.allowed_scope_levels = vec![crate::snapshot::ScopeLevel::Account];
            }
        }
        f.role(&Scope::Account, "sso_admin", &["core_authsetting_edit"]);
        f.assign(&proj(), user("idp_admin"), "sso_admin", ALL_PROJECT);
        assert!(actions(&f, "idp_admin").is_empty());
    }

    #[test]
    fn service_account_key_minting_reaches_an_admin_service_account() {
        let mut f = Fixture::new();
        f.user("dev");
        f.service_account(&Scope::Account, "terraform");
        f.role(
            &Scope::Account,
            "key_rotator",
            &[
                "core_serviceaccount_view",
                "core_serviceaccount_manageapikey",
            ],
        );
        f.assign(
            &Scope::Account,
            sa("terraform"),
            "_account_admin",
            ALL_CHILDREN,
        );
        f.assign(&Scope::Account, user("dev"), "key_rotator", ALL_ACCOUNT);
        assert_eq!(
            actions(&f, "dev"),
            vec![(
                vec![StepAction::MintToken, StepAction::HoldAdmin],
                "account".into()
            )]
        );
        // Near miss: key minting over a project's service accounts only.
        let mut f = Fixture::new();
        f.user("dev");
        f.service_account(&Scope::Account, "terraform");
        f.role(
            &Scope::Account,
            "key_rotator",
            &["core_serviceaccount_manageapikey"],
        );
        f.assign(
            &Scope::Account,
            sa("terraform"),
            "_account_admin",
            ALL_CHILDREN,
        );
        f.assign(&proj(), user("dev"), "key_rotator", ALL_PROJECT);
        assert!(actions(&f, "dev").is_empty());
    }

    #[test]
    fn role_editing_makes_a_held_custom_role_admin_equivalent() {
        let mut f = Fixture::new();
        f.user("lead");
        f.role(
            &Scope::Account,
            "deployer",
            &["core_pipeline_execute", "core_role_edit"],
        );
        f.assign(&eng(), user("lead"), "deployer", ALL_CHILDREN);
        // The role lives at the account; an org-level core_role_edit does
        // not cover it.
        assert!(actions(&f, "lead").is_empty());
        f.assign(&Scope::Account, user("lead"), "deployer", ALL_ACCOUNT);
        let paths = actions(&f, "lead");
        assert_eq!(
            paths,
            vec![(
                vec![StepAction::EditRole, StepAction::HoldAdmin],
                "account".into()
            )]
        );
        // A Harness-managed role cannot be edited.
        let mut f = Fixture::new();
        f.user("lead");
        f.role(&Scope::Account, "role_editor", &["core_role_edit"]);
        f.assign(&Scope::Account, user("lead"), "role_editor", ALL_ACCOUNT);
        f.assign(
            &Scope::Account,
            user("lead"),
            "_account_viewer",
            ALL_ACCOUNT,
        );
        let paths = actions(&f, "lead");
        // Editing its own custom role on the account-level group is enough.
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].0[0], StepAction::EditRole);
        let found = f.findings(Rule::PrivilegeEscalationPath);
        assert!(found[0].evidence["path"][0]["target"]
            .as_str()
            .unwrap()
            .contains("role account/role_editor"));
    }

    #[test]
    fn resource_group_editing_widens_a_narrow_account_admin_binding() {
        let mut f = Fixture::new();
        f.user("priya");
        f.resource_group(&Scope::Account, "payments_only", &[(proj(), false)]);
        f.role(&Scope::Account, "rg_editor", &["core_resourcegroup_edit"]);
        // _account_admin on a one-project group: not admin of the account,
        // but its core_user_manage over the project lets her assign herself
        // project admin there.
        f.assign(
            &Scope::Account,
            user("priya"),
            "_account_admin",
            "payments_only",
        );
        assert_eq!(
            actions(&f, "priya"),
            vec![(vec![StepAction::AssignRole], "project:eng/pay".into())]
        );
        // With core_resourcegroup_edit at the account she can widen it.
        f.assign(&Scope::Account, user("priya"), "rg_editor", ALL_ACCOUNT);
        assert_eq!(
            actions(&f, "priya"),
            vec![(
                vec![StepAction::WidenResourceGroup, StepAction::HoldAdmin],
                "account".into()
            )]
        );
    }

    #[test]
    fn user_management_lets_a_principal_assign_itself_any_role() {
        let mut f = Fixture::new();
        f.user("hr");
        f.role(
            &Scope::Account,
            "user_admin",
            &["core_user_view", "core_user_manage"],
        );
        f.assign(&eng(), user("hr"), "user_admin", ALL_ORG);
        assert_eq!(
            actions(&f, "hr"),
            vec![(vec![StepAction::AssignRole], "org:eng".into())]
        );
        // View only: no path.
        let mut f = Fixture::new();
        f.user("hr");
        f.role(&Scope::Account, "user_viewer", &["core_user_view"]);
        f.assign(&eng(), user("hr"), "user_viewer", ALL_ORG);
        assert!(actions(&f, "hr").is_empty());
    }

    #[test]
    fn chains_are_followed_and_the_shortest_path_wins() {
        let mut f = Fixture::new();
        f.user("helpdesk").user("amara");
        f.service_account(&Scope::Account, "rotator");
        f.service_account(&Scope::Account, "terraform");
        f.group(&Scope::Account, "key_team", &[]);
        f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
        f.role(
            &Scope::Account,
            "key_rotator",
            &["core_serviceaccount_manageapikey"],
        );
        // helpdesk -> join key_team -> mint token for terraform -> admin
        // (managing the key team's group only, so it cannot create one).
        f.selecting_resource_group(&Scope::Account, "key_team_only", "USERGROUP", &["key_team"]);
        f.assign(
            &Scope::Account,
            user("helpdesk"),
            "group_manager",
            "key_team_only",
        );
        f.assign(
            &Scope::Account,
            group("key_team"),
            "key_rotator",
            ALL_ACCOUNT,
        );
        f.assign(
            &Scope::Account,
            sa("terraform"),
            "_account_admin",
            ALL_CHILDREN,
        );
        // Managing the key team's group, it joins it and binds the
        // account's admin role to it: two steps, shorter than joining,
        // minting the token and acting as terraform.
        let paths = actions(&f, "helpdesk");
        assert_eq!(
            paths,
            vec![(
                vec![StepAction::JoinGroup, StepAction::BindAdminRole],
                "account".into()
            )]
        );
        // A direct way in is shorter and replaces the chain: managing every
        // group of the account, it binds the admin role to one.
        f.assign(
            &Scope::Account,
            user("helpdesk"),
            "group_manager",
            ALL_ACCOUNT,
        );
        let paths = actions(&f, "helpdesk");
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].0, vec![StepAction::BindAdminRole]);
    }

    #[test]
    fn only_the_widest_reachable_scope_is_reported() {
        let mut f = Fixture::new();
        f.user("grace").user("a").user("b");
        f.group(&Scope::Account, "account_admins", &["a"]);
        f.group(&Scope::Account, "eng_admins", &["b"]);
        f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
        f.assign(&Scope::Account, user("grace"), "group_manager", ALL_ACCOUNT);
        f.assign(
            &Scope::Account,
            group("account_admins"),
            "_account_admin",
            ALL_CHILDREN,
        );
        f.assign(
            &eng(),
            group_at("eng_admins", crate::snapshot::ScopeLevel::Account),
            "_organization_admin",
            ALL_CHILDREN,
        );
        let paths = actions(&f, "grace");
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].1, "account");
    }

    #[test]
    fn a_project_admin_stays_within_its_project() {
        // Harness binds a principal only at its own level or below, so what
        // a project admin can join, mint for, edit or widen grants nothing
        // outside the project.
        let mut f = Fixture::new();
        f.user("pa");
        f.service_account(&proj(), "deployer");
        f.group(&proj(), "devs", &[]);
        f.assign(&proj(), user("pa"), "_project_admin", ALL_PROJECT);
        f.assign(&proj(), sa("deployer"), "_project_admin", ALL_PROJECT);
        f.assign(&proj(), group("devs"), "_pipeline_executor", ALL_PROJECT);
        assert!(actions(&f, "pa").is_empty());
        // An org admin who can mint keys for an account service account that
        // is account admin does escalate.
        f.user("oa");
        f.service_account(&Scope::Account, "terraform");
        f.assign(
            &Scope::Account,
            sa("terraform"),
            "_account_admin",
            ALL_CHILDREN,
        );
        f.role(
            &Scope::Account,
            "key_rotator",
            &["core_serviceaccount_manageapikey"],
        );
        f.assign(&eng(), user("oa"), "_organization_admin", ALL_CHILDREN);
        assert!(
            actions(&f, "oa").is_empty(),
            "org-level key minting covers org service accounts only"
        );
        f.assign(&Scope::Account, user("oa"), "key_rotator", ALL_ACCOUNT);
        let found = f.findings(Rule::PrivilegeEscalationPath);
        assert_eq!(subjects(&found), vec![("oa", "account")]);
        assert_eq!(found[0].evidence["admin_of_already"][0], "org:eng");
    }

    #[test]
    fn explain_edges_leave_out_what_an_admin_already_administers() {
        let mut f = Fixture::new();
        f.user("grace").user("pa");
        f.group(&Scope::Account, "viewers", &[]);
        f.group(&proj(), "devs", &[]);
        f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
        f.assign(&Scope::Account, user("grace"), "group_manager", ALL_ACCOUNT);
        f.assign(
            &Scope::Account,
            group("viewers"),
            "_account_viewer",
            ALL_ACCOUNT,
        );
        f.assign(&proj(), group("devs"), "_pipeline_executor", ALL_PROJECT);
        f.assign(&proj(), user("pa"), "_project_admin", ALL_PROJECT);
        let g = AccessGraph::build(&f.snapshot);
        let idx = g.escalation_index();
        let grace = idx.edges_from(g.find_principal("grace").unwrap());
        let targets: Vec<&str> = grace.iter().map(|s| s.target.as_str()).collect();
        assert_eq!(targets, vec!["group:account/viewers", "admin of account"]);
        // The project admin can join project:eng/pay/devs, but it administers
        // that project already.
        assert!(idx.edges_from(g.find_principal("pa").unwrap()).is_empty());
    }
}
