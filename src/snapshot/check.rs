//! What a snapshot must not contain, checked once at load after the
//! structure is read: evidence Harness cannot produce and that would make the
//! pack wrong without anyone noticing.
//!
//! - An object twice (two users with one uuid, two assignments with one
//!   (scope, id), ...): every later stage finds objects by key, so the second
//!   would be shown with the first one's grants.
//! - An object at a scope that is not an org or project of the snapshot: its
//!   grants would be counted on a scope nobody reviews.
//! - `completeness.complete: true` over an incomplete list: the pack would
//!   say "Complete" next to a missing population.
//!
//! What Harness *can* produce (a pull is not atomic: a group naming a user
//! added after the user list was read) loads, and the findings rules report
//! it. Each check is one pass over its array with hash maps keyed by borrowed
//! strings, so large snapshots load at the same speed. This module only
//! reads: it never repairs a snapshot.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use super::model::{ApiKeyType, Snapshot};
use super::scope::Scope;

/// One thing wrong with a snapshot: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inconsistency {
    /// The JSON path, such as `users[7].id`.
    pub json_path: String,
    /// What is wrong, in one line.
    pub message: String,
}

fn problem(json_path: String, message: String) -> Inconsistency {
    Inconsistency { json_path, message }
}

/// Checks a snapshot for what Harness cannot produce; returns the first
/// problem in document order.
pub fn check(s: &Snapshot) -> Result<(), Inconsistency> {
    completeness(s)?;
    unique("orgs", &s.orgs, |o| o.id.as_str(), |o| quoted(&o.id))?;
    let scopes = Scopes::of(s)?;

    let mut users: HashMap<&str, usize> = HashMap::with_capacity(s.users.len());
    for (i, u) in s.users.iter().enumerate() {
        if let Some(first) = users.insert(u.id.as_str(), i) {
            return Err(duplicate("users", i, first, &quoted(u.id.as_str())));
        }
        for (j, sc) in u.scopes.iter().enumerate() {
            scopes.known(sc, || format!("users[{i}].scopes[{j}]"))?;
        }
    }

    scoped("user_groups", &s.user_groups, &scopes, |g| {
        (&g.scope, g.id.as_str())
    })?;
    scoped("service_accounts", &s.service_accounts, &scopes, |a| {
        (&a.scope, a.id.as_str())
    })?;
    scoped_by(
        "api_keys",
        &s.api_keys,
        &scopes,
        |k| &k.scope,
        |k| (&k.scope, k.key_type, k.parent.as_str(), k.id.as_str()),
        |k| {
            format!(
                "{} of {} {} at {}",
                quoted(k.id.as_str()),
                key_type(k.key_type),
                quoted(&k.parent),
                shown(&k.scope)
            )
        },
    )?;
    scoped_by(
        "tokens",
        &s.tokens,
        &scopes,
        |t| &t.scope,
        |t| {
            (
                &t.scope,
                t.key_type,
                t.parent.as_str(),
                t.api_key.as_str(),
                t.id.as_str(),
            )
        },
        |t| {
            format!(
                "{} of API key {} of {} {} at {}",
                quoted(t.id.as_str()),
                quoted(t.api_key.as_str()),
                key_type(t.key_type),
                quoted(&t.parent),
                shown(&t.scope)
            )
        },
    )?;
    scoped("roles", &s.roles, &scopes, |r| (&r.scope, r.id.as_str()))?;
    scoped("resource_groups", &s.resource_groups, &scopes, |g| {
        (&g.scope, g.id.as_str())
    })?;
    scoped("role_assignments", &s.role_assignments, &scopes, |a| {
        (&a.scope, a.id.as_str())
    })?;
    Ok(())
}

/// `complete: true` is a claim about every list.
fn completeness(s: &Snapshot) -> Result<(), Inconsistency> {
    let c = &s.completeness;
    if !c.complete {
        return Ok(());
    }
    match c.lists.iter().position(|l| !l.complete) {
        None => Ok(()),
        Some(i) => {
            let l = &c.lists[i];
            Err(problem(
                "completeness.complete".into(),
                format!(
                    "true, but completeness.lists[{i}] ({} at {}) is incomplete",
                    l.endpoint.escape_debug(),
                    shown(&l.scope)
                ),
            ))
        }
    }
}

/// The orgs and projects of the snapshot, by borrowed identifier.
struct Scopes<'s> {
    orgs: HashSet<&'s str>,
    projects: HashMap<(&'s str, &'s str), usize>,
}

impl<'s> Scopes<'s> {
    /// The orgs and projects; refuses a project twice, or in an org the
    /// snapshot does not have.
    fn of(s: &'s Snapshot) -> Result<Scopes<'s>, Inconsistency> {
        let orgs: HashSet<&str> = s.orgs.iter().map(|o| o.id.as_str()).collect();
        let mut projects = HashMap::with_capacity(s.projects.len());
        for (i, p) in s.projects.iter().enumerate() {
            if !orgs.contains(p.org.as_str()) {
                return Err(problem(
                    format!("projects[{i}].org"),
                    format!("{} is not an org of this snapshot", quoted(&p.org)),
                ));
            }
            if let Some(first) = projects.insert((p.org.as_str(), p.id.as_str()), i) {
                return Err(duplicate(
                    "projects",
                    i,
                    first,
                    &format!("{} in org {}", quoted(&p.id), quoted(&p.org)),
                ));
            }
        }
        Ok(Scopes { orgs, projects })
    }

    /// `account`, or an org or project the snapshot has.
    fn known(&self, scope: &Scope, at: impl FnOnce() -> String) -> Result<(), Inconsistency> {
        let ok = match scope {
            Scope::Account => true,
            Scope::Org(o) => self.orgs.contains(o.as_str()),
            Scope::Project(o, p) => self.projects.contains_key(&(o.as_str(), p.as_str())),
        };
        if ok {
            Ok(())
        } else {
            Err(problem(
                at(),
                format!("{} is not an org or project of this snapshot", shown(scope)),
            ))
        }
    }
}

/// Objects of one array that live at a scope and are unique by (scope, id).
fn scoped<'s, T>(
    name: &str,
    items: &'s [T],
    scopes: &Scopes<'_>,
    key: impl Fn(&'s T) -> (&'s Scope, &'s str),
) -> Result<(), Inconsistency> {
    scoped_by(
        name,
        items,
        scopes,
        |x| key(x).0,
        &key,
        |x| {
            let (scope, id) = key(x);
            format!("{} at {}", quoted(id), shown(scope))
        },
    )
}

/// One pass over an array: every object's scope is known and its key is
/// unique; `describe` names the key in the message.
fn scoped_by<'s, T, K: Hash + Eq>(
    name: &str,
    items: &'s [T],
    scopes: &Scopes<'_>,
    scope: impl Fn(&'s T) -> &'s Scope,
    key: impl Fn(&'s T) -> K,
    describe: impl Fn(&'s T) -> String,
) -> Result<(), Inconsistency> {
    let mut seen: HashMap<K, usize> = HashMap::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        scopes.known(scope(x), || format!("{name}[{i}].scope"))?;
        if let Some(first) = seen.insert(key(x), i) {
            return Err(duplicate(name, i, first, &describe(x)));
        }
    }
    Ok(())
}

/// One pass over an array whose objects are unique by one key.
fn unique<'s, T>(
    name: &str,
    items: &'s [T],
    key: impl Fn(&'s T) -> &'s str,
    describe: impl Fn(&'s T) -> String,
) -> Result<(), Inconsistency> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        if let Some(first) = seen.insert(key(x), i) {
            return Err(duplicate(name, i, first, &describe(x)));
        }
    }
    Ok(())
}

fn duplicate(name: &str, i: usize, first: usize, what: &str) -> Inconsistency {
    problem(
        format!("{name}[{i}].id"),
        format!("duplicate id {what} (also {name}[{first}]); a snapshot holds each object once"),
    )
}

/// An identifier in a message: quoted, with control characters escaped.
fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// A scope in a message, with control characters escaped.
fn shown(scope: &Scope) -> String {
    scope.to_string().escape_debug().to_string()
}

fn key_type(t: ApiKeyType) -> &'static str {
    match t {
        ApiKeyType::User => "USER",
        ApiKeyType::ServiceAccount => "SERVICE_ACCOUNT",
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::snapshot::{
        ApiKey, AssignmentId, ListCompleteness, Org, PrincipalRef, Project, RoleAssignment,
        RoleRef, Token, User, UserGroup,
    };

    fn base() -> Snapshot {
        let t = Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap();
        let mut s = Snapshot::empty("acc", t, 30);
        s.orgs.push(Org {
            id: "eng".into(),
            name: "Engineering".into(),
            description: None,
            tags: Default::default(),
        });
        s.projects.push(Project {
            org: "eng".into(),
            id: "pay".into(),
            name: "Payments".into(),
            description: None,
            tags: Default::default(),
        });
        s
    }

    fn user(id: &str, scopes: &[&str]) -> User {
        User {
            id: id.into(),
            name: id.into(),
            email: format!("{id}@example.com"),
            disabled: false,
            locked: false,
            externally_managed: false,
            two_factor_enabled: None,
            scopes: scopes.iter().map(|s| s.parse().unwrap()).collect(),
        }
    }

    fn assignment(scope: &str, id: &str) -> RoleAssignment {
        RoleAssignment {
            scope: scope.parse().unwrap(),
            id: AssignmentId(id.into()),
            principal: PrincipalRef {
                kind: "USER".into(),
                id: "u1".into(),
                scope_level: None,
            },
            role: RoleRef {
                id: "_account_viewer".into(),
                scope_level: None,
            },
            resource_group: "_all_resources_including_child_scopes".into(),
            disabled: false,
            managed: false,
            internal: false,
        }
    }

    fn group(scope: &str, id: &str) -> UserGroup {
        UserGroup {
            scope: scope.parse().unwrap(),
            id: id.into(),
            name: id.into(),
            members: Vec::new(),
            sso_linked: false,
            sso_type: None,
            sso_group: None,
            externally_managed: false,
            harness_managed: false,
            description: None,
            tags: Default::default(),
        }
    }

    fn err(s: &Snapshot) -> String {
        let e = check(s).expect_err("refused");
        format!("{}: {}", e.json_path, e.message)
    }

    #[test]
    fn a_consistent_snapshot_passes() {
        let mut s = base();
        s.users
            .push(user("u1", &["account", "org:eng", "project:eng/pay"]));
        s.users.push(user("u2", &["account"]));
        s.role_assignments
            .push(assignment("project:eng/pay", "ra1"));
        // The same id at another scope is another object.
        s.role_assignments.push(assignment("org:eng", "ra1"));
        s.role_assignments.push(assignment("account", "ra1"));
        assert_eq!(check(&s), Ok(()));
    }

    #[test]
    fn duplicate_user_names_both_paths_in_any_order() {
        let mut s = base();
        for id in ["b", "a", "c", "d", "e", "f", "g"] {
            s.users.push(user(id, &["account"]));
        }
        s.users.push(user("a", &["account"]));
        assert_eq!(
            err(&s),
            "users[7].id: duplicate id \"a\" (also users[1]); a snapshot holds each object once"
        );
    }

    #[test]
    fn duplicate_scoped_objects_are_refused_by_scope_and_id() {
        let mut s = base();
        s.role_assignments
            .push(assignment("project:eng/pay", "ra1"));
        s.role_assignments.push(assignment("org:eng", "ra2"));
        s.role_assignments
            .push(assignment("project:eng/pay", "ra1"));
        assert_eq!(
            err(&s),
            "role_assignments[2].id: duplicate id \"ra1\" at project:eng/pay (also role_assignments[0]); a snapshot holds each object once"
        );

        let mut s = base();
        s.user_groups.push(group("org:eng", "admins"));
        s.user_groups.push(group("account", "admins"));
        assert_eq!(check(&s), Ok(()));
        s.user_groups.push(group("org:eng", "admins"));
        assert!(err(&s).starts_with(
            "user_groups[2].id: duplicate id \"admins\" at org:eng (also user_groups[0])"
        ));
    }

    #[test]
    fn duplicate_orgs_and_projects_are_refused() {
        let mut s = base();
        s.orgs.push(s.orgs[0].clone());
        assert!(err(&s).starts_with("orgs[1].id: duplicate id \"eng\" (also orgs[0])"));

        let mut s = base();
        s.projects.push(s.projects[0].clone());
        assert!(err(&s)
            .starts_with("projects[1].id: duplicate id \"pay\" in org \"eng\" (also projects[0])"));
    }

    #[test]
    fn duplicate_keys_and_tokens_are_refused_by_their_whole_key() {
        let key = |parent: &str, id: &str| ApiKey {
            scope: Scope::Account,
            key_type: ApiKeyType::ServiceAccount,
            parent: parent.into(),
            id: id.into(),
            name: id.into(),
            created_at: None,
        };
        let mut s = base();
        s.api_keys.push(key("ci_bot", "k1"));
        s.api_keys.push(key("deployer", "k1"));
        assert_eq!(check(&s), Ok(()));
        s.api_keys.push(key("ci_bot", "k1"));
        assert!(err(&s).starts_with(
            "api_keys[2].id: duplicate id \"k1\" of SERVICE_ACCOUNT \"ci_bot\" at account (also api_keys[0])"
        ));

        let token = |api_key: &str, id: &str| Token {
            scope: Scope::Account,
            key_type: ApiKeyType::ServiceAccount,
            parent: "ci_bot".into(),
            api_key: api_key.into(),
            id: id.into(),
            name: id.into(),
            valid_from: None,
            valid_to: None,
            valid: None,
            created_at: None,
        };
        let mut s = base();
        s.tokens.push(token("k1", "t1"));
        s.tokens.push(token("k2", "t1"));
        assert_eq!(check(&s), Ok(()));
        s.tokens.push(token("k2", "t1"));
        assert!(err(&s).starts_with(
            "tokens[2].id: duplicate id \"t1\" of API key \"k2\" of SERVICE_ACCOUNT \"ci_bot\" at account (also tokens[1])"
        ));
    }

    #[test]
    fn objects_at_unknown_scopes_are_refused() {
        let mut s = base();
        s.role_assignments
            .push(assignment("project:eng/pay", "ra1"));
        s.role_assignments
            .push(assignment("project:eng/ghost", "ra2"));
        assert_eq!(
            err(&s),
            "role_assignments[1].scope: project:eng/ghost is not an org or project of this snapshot"
        );

        // A project of the right name in another org is not the project.
        let mut s = base();
        s.user_groups.push(group("project:ops/pay", "devs"));
        assert_eq!(
            err(&s),
            "user_groups[0].scope: project:ops/pay is not an org or project of this snapshot"
        );

        let mut s = base();
        s.users
            .push(user("u1", &["account", "org:eng", "org:ghost"]));
        assert_eq!(
            err(&s),
            "users[0].scopes[2]: org:ghost is not an org or project of this snapshot"
        );

        let mut s = base();
        s.projects.push(Project {
            org: "ghost".into(),
            id: "web".into(),
            name: "Web".into(),
            description: None,
            tags: Default::default(),
        });
        assert_eq!(
            err(&s),
            "projects[1].org: \"ghost\" is not an org of this snapshot"
        );
    }

    #[test]
    fn complete_over_an_incomplete_list_is_refused() {
        let list = |scope: Scope, complete: bool| ListCompleteness {
            endpoint: "GET /ng/api/user-groups".into(),
            scope,
            total_items: Some(3),
            stored: if complete { 3 } else { 2 },
            pages: 1,
            retries: 0,
            complete,
            note: None,
            unverified: None,
        };
        let mut s = base();
        s.completeness.lists.push(list(Scope::Account, true));
        s.completeness
            .lists
            .push(list(Scope::Org("eng".into()), false));
        assert_eq!(
            err(&s),
            "completeness.complete: true, but completeness.lists[1] (GET /ng/api/user-groups at org:eng) is incomplete"
        );
        // Saying so is the honest form.
        s.completeness.complete = false;
        assert_eq!(check(&s), Ok(()));
    }
}
