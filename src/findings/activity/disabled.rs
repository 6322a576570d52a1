//! `disabled-user-with-access`: a disabled or locked user still holding
//! grants. The runner folds the user's other findings into this one (one
//! story per switched-off user; see `evaluate`).

use crate::findings::ctx::Ctx;
use crate::findings::draft::{grant_evidence, plural, principal_of, Draft};
use crate::findings::rule::Rule;
use crate::graph::Principal;
use crate::snapshot::Scope;

/// `disabled-user-with-access`: a disabled or locked user still holding
/// grants.
pub fn disabled_user_with_access(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut out = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        if !u.disabled && !u.locked {
            continue;
        }
        let p = Principal::User(i);
        let grants = g.grants_of(p);
        if grants.is_empty() {
            continue;
        }
        let paths: Vec<_> = grants
            .iter()
            .map(|x| grant_evidence(g, x.via, x.assignment))
            .collect();
        let mut assignment_ids: Vec<&str> =
            paths.iter().map(|x| x.assignment_id.as_str()).collect();
        assignment_ids.dedup();
        out.push(
            Draft::new(
                Rule::DisabledUserWithAccess,
                format!(
                    "User is {} but still holds {} through {}; highest privilege {}.",
                    u.status(),
                    plural(grants.len(), "grant"),
                    plural(assignment_ids.len(), "role assignment"),
                    g.highest_level(p)
                ),
            )
            .principal(principal_of(g, p))
            .scope(&Scope::Account)
            .evidence("user_status", u.status())
            .evidence("disabled", u.disabled)
            .evidence("locked", u.locked)
            .evidence("highest_privilege", g.highest_level(p))
            .evidence("grants", &paths),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::findings::Rule;
    use crate::snapshot::Scope;
    use crate::testkit::*;

    #[test]
    fn disabled_or_locked_users_with_grants_fire_and_enabled_ones_do_not() {
        let mut f = Fixture::new();
        f.viewer("gavin");
        f.viewer("pablo");
        f.viewer("ok");
        f.user("gone");
        f.user_mut("gavin").disabled = true;
        f.user_mut("pablo").locked = true;
        f.user_mut("gone").disabled = true;
        let found = f.findings(Rule::DisabledUserWithAccess);
        assert_eq!(
            subjects(&found),
            vec![("gavin", "account"), ("pablo", "account")]
        );
        // Each with its status and every grant it still holds.
        assert_evidence!("disabled_user_with_access_disabled", found[0]);
        assert_evidence!("disabled_user_with_access_locked", found[1]);
    }

    #[test]
    fn a_disabled_or_locked_user_has_one_story_with_the_rest_folded_in() {
        for status in ["disabled", "locked", "enabled"] {
            let mut f = Fixture::new();
            f.user("grace");
            f.role(&Scope::Account, "group_manager", &["core_usergroup_manage"]);
            f.assign(&Scope::Account, user("grace"), "group_manager", ALL_ACCOUNT);
            match status {
                "disabled" => f.user_mut("grace").disabled = true,
                "locked" => f.user_mut("grace").locked = true,
                _ => {}
            }
            let all = f.evaluate().findings;
            let rules: Vec<&str> = all
                .iter()
                .filter(|x| x.principal.as_ref().is_some_and(|p| p.id == "grace"))
                .map(|x| x.rule.as_str())
                .collect();
            if status == "enabled" {
                assert!(rules.contains(&"privilege-escalation-path"), "{rules:?}");
                assert!(rules.contains(&"direct-user-grant"), "{rules:?}");
                assert!(!rules.contains(&"disabled-user-with-access"));
                continue;
            }
            assert_eq!(rules, vec!["disabled-user-with-access"], "{status}");
            let story = &f.findings(Rule::DisabledUserWithAccess)[0];
            let also: Vec<&str> = story.evidence["also_found"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["rule"].as_str().unwrap())
                .collect();
            assert_eq!(
                also,
                vec!["privilege-escalation-path", "direct-user-grant"],
                "{status}"
            );
            assert!(
                story
                    .message
                    .ends_with("Folded in here (they apply once the user is switched back on): privilege-escalation-path, direct-user-grant."),
                "{}",
                story.message
            );
        }
    }
}
