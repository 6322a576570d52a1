//! Who reviews which entitlement: the `[reviewers]` table of the policy
//! applied to the rows of the Entitlements sheet, one reviewer per row.
//!
//! An entitlement's scope is where it is removed: the account for a user,
//! the service account's scope, the org or project of a scope membership,
//! the group's scope for a group membership, the assignment's scope, the
//! token's scope; a group's role assignment is routed by the group's scope.
//! Its candidates are, in order:
//!
//! 1. with `by_manager = true` and a roster naming the user's manager, the
//!    manager, for an entitlement of a user (a group membership only while
//!    `memberships = "manager"`, the default);
//! 2. for a group's role assignment or membership, the group's owner
//!    (`"group:SCOPE/ID" = "owner@…"`);
//! 3. the reviewer of the most specific scope entry covering the scope
//!    (project, then its org, then `account`);
//! 4. `default`.
//!
//! A candidate is passed over, and the row says why, when they are not
//! independent of the row: they are its principal (by email, or an address
//! the roster lists for the same person), a member of the group it is about,
//! or they could change it themselves (a conflicted certifier): they hold
//! `core_usergroup_manage` over the group (or its split `manageUsers`, and
//! `manageRoleAssignments` for the group's role bindings), or at the row's scope the
//! permission Harness checks to change it (`core_user_manage` for users,
//! `core_serviceaccount_edit` or `_manageapikey` for service accounts and
//! their tokens, a role-assignment permission). A row with no candidate
//! left is unassigned, and the pack counts it.

use crate::findings::{MembershipRouting, ReviewerPolicy, Roster};
use crate::graph::{
    Access, AccessGraph, Entitlement, Holder, Principal, USERGROUP_MANAGE_ROLE_ASSIGNMENTS,
    USERGROUP_MANAGE_USERS,
};
use crate::snapshot::{Scope, ScopeLevel};

use super::sheet_id::SheetId;

/// The sheets a campaign assigns, in workbook order.
pub const CAMPAIGN_SHEETS: [SheetId; 1] = [SheetId::Entitlements];

/// Why a row went to its reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Basis {
    /// The user's manager, from the roster.
    Manager,
    /// The group's owner, from the policy.
    GroupOwner,
    /// The reviewer of a scope entry.
    Scope,
    /// `default`.
    Default,
    /// No independent candidate (no entry, no default, or only candidates
    /// passed over).
    Unassigned,
}

impl Basis {
    /// How `assignments.csv` and the sheets say it.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Manager => "manager (roster)",
            Basis::GroupOwner => "group owner",
            Basis::Scope => "scope",
            Basis::Default => "default",
            Basis::Unassigned => "unassigned: no independent reviewer",
        }
    }
}

/// One row's assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowAssignment {
    /// Index into [`Assignments::reviewers`], `None` when unassigned.
    pub reviewer: Option<u32>,
    /// Why.
    pub basis: Basis,
    /// The candidates passed over and why, when any were.
    pub passed: Option<Box<str>>,
}

/// Every campaign row's reviewer.
#[derive(Debug, Clone, Default)]
pub struct Assignments {
    /// The reviewers, sorted (lowercased emails).
    pub reviewers: Vec<String>,
    /// Per row of the Entitlements sheet, in sheet order.
    pub rows: Vec<RowAssignment>,
    /// Per reviewer (same order as `reviewers`): who they are, as far as
    /// the snapshot and the roster tell (see [`reviewer_is`]).
    pub who: Vec<&'static str>,
    /// Per reviewer: the return code of their workbook, when the campaign
    /// has a key (see [`return_code`]); empty otherwise.
    pub codes: Vec<String>,
    /// The SHA-256 of the campaign key, when there is one (it names which
    /// key, never the key).
    pub key_sha256: Option<String>,
}

impl Assignments {
    /// Issues each reviewer's return code from the campaign key.
    pub fn issue_codes(&mut self, key: &[u8], snapshot_sha256: &str) {
        self.codes = self
            .reviewers
            .iter()
            .map(|r| return_code(key, snapshot_sha256, r))
            .collect();
        self.key_sha256 = Some(crate::snapshot::sha256_hex(key));
    }
}

/// A reviewer's return code: the first 20 hex digits of
/// HMAC-SHA256(campaign key, `reviewpack-campaign|SNAPSHOT_SHA256|REVIEWER`).
/// Only the campaign key's holder can make it, so a file carrying the code of
/// its named reviewer came from the workbook issued to that reviewer: a
/// reviewer cannot make another reviewer's file. Anyone holding the pack (all
/// workbooks) or the key can.
pub fn return_code(key: &[u8], snapshot_sha256: &str, reviewer: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(
        format!(
            "reviewpack-campaign|{snapshot_sha256}|{}",
            reviewer.trim().to_ascii_lowercase()
        )
        .as_bytes(),
    );
    let bytes = mac.finalize().into_bytes();
    bytes.iter().take(10).map(|b| format!("{b:02x}")).collect()
}

/// Who a reviewer's address is: `user of the account` (an enabled user
/// with that email), `in the roster`, `disabled user`, or `not a known
/// person` (no user of the account, not in the roster: a team mailbox or a
/// typo, which nobody can be held accountable for).
pub fn reviewer_is(g: &AccessGraph<'_>, roster: Option<&Roster>, email: &str) -> &'static str {
    if let Some(Principal::User(u)) = g.find_principal(email) {
        let user = &g.snapshot().users[u];
        return if user.disabled || user.locked {
            "disabled user"
        } else {
            "user of the account"
        };
    }
    if roster.is_some_and(|r| !r.lookup(email).is_empty()) {
        return "in the roster";
    }
    "not a known person"
}

impl Assignments {
    /// The reviewer of row `i`, if any.
    pub fn reviewer_of(&self, i: usize) -> Option<&str> {
        let r = self.rows.get(i)?;
        r.reviewer.map(|x| self.reviewers[x as usize].as_str())
    }

    /// Why row `i` went where it did, in words: the basis, and the
    /// candidates passed over.
    pub fn basis_text(&self, i: usize) -> String {
        let Some(r) = self.rows.get(i) else {
            return String::new();
        };
        match &r.passed {
            Some(p) => format!("{}; moved up: {p}", r.basis.as_str()),
            None => r.basis.as_str().to_string(),
        }
    }

    /// Rows assigned to each reviewer, and unassigned rows.
    pub fn counts(&self) -> (std::collections::BTreeMap<&str, usize>, usize) {
        let mut per = std::collections::BTreeMap::new();
        let mut unassigned = 0;
        for r in &self.rows {
            match r.reviewer {
                Some(x) => *per.entry(self.reviewers[x as usize].as_str()).or_default() += 1,
                None => unassigned += 1,
            }
        }
        (per, unassigned)
    }
}

/// The permission Harness checks to change an entitlement, and what it acts
/// on: `(permission, resource type, resource id)`.
fn change_permissions(
    g: &AccessGraph<'_>,
    e: Entitlement,
) -> Vec<(&'static str, &'static str, Option<String>)> {
    let s = g.snapshot();
    let role_assignment = ("core_roleassignment_manage", "ROLEASSIGNMENT", None);
    match e {
        Entitlement::Principal(Principal::User(_)) | Entitlement::ScopeMembership { .. } => {
            vec![("core_user_manage", "USER", None)]
        }
        Entitlement::Principal(Principal::ServiceAccount(i)) => vec![(
            "core_serviceaccount_edit",
            "SERVICEACCOUNT",
            Some(s.service_accounts[i].id.to_string()),
        )],
        Entitlement::GroupMembership { group, .. } => {
            ["core_usergroup_manage", USERGROUP_MANAGE_USERS]
                .into_iter()
                .map(|p| (p, "USERGROUP", Some(s.user_groups[group].id.to_string())))
                .collect()
        }
        Entitlement::RoleAssignment(_) => {
            let mut v = match g.entitlement_holder(e) {
                Holder::Principal(Principal::User(_)) => vec![("core_user_manage", "USER", None)],
                Holder::Principal(Principal::ServiceAccount(i)) => vec![(
                    "core_serviceaccount_edit",
                    "SERVICEACCOUNT",
                    Some(s.service_accounts[i].id.to_string()),
                )],
                Holder::Group(gr) => {
                    let (_, id) = g.group_scope_and_id(gr);
                    ["core_usergroup_manage", USERGROUP_MANAGE_ROLE_ASSIGNMENTS]
                        .into_iter()
                        .map(|p| (p, "USERGROUP", Some(id.to_string())))
                        .collect()
                }
                Holder::Unknown => Vec::new(),
            };
            v.push(role_assignment);
            v
        }
        Entitlement::Token(_) => match g.entitlement_holder(e) {
            Holder::Principal(Principal::ServiceAccount(i)) => vec![(
                "core_serviceaccount_manageapikey",
                "SERVICEACCOUNT",
                Some(s.service_accounts[i].id.to_string()),
            )],
            _ => Vec::new(),
        },
    }
}

/// True when `access` lets its holder use `permission` at `scope` on the
/// resource (`None`: any of its type). A role-assignment permission is any
/// `*_roleassignment_*` other than view.
fn allows(
    g: &AccessGraph<'_>,
    access: &Access,
    permission: &str,
    resource_type: &str,
    resource: Option<&str>,
    scope: &Scope,
) -> bool {
    let holds = if permission == "core_roleassignment_manage" {
        access
            .permissions
            .iter()
            .any(|p| p.as_str().contains("_roleassignment_") && !p.as_str().ends_with("_view"))
    } else {
        access.has_permission(permission)
    };
    if !holds || !access.covers(scope) || !g.permission_allowed_at(permission, scope) {
        return false;
    }
    match &access.resources {
        None => true,
        Some(sel) => sel.iter().any(|x| {
            x.resource_type == resource_type
                && (x.attribute_filter.is_some()
                    || x.identifiers.is_empty()
                    || resource.is_some_and(|r| x.identifiers.iter().any(|i| i == r)))
        }),
    }
}

/// What a reviewer (by email) could change of an entitlement, in words.
fn could_change(g: &AccessGraph<'_>, reviewer: &str, e: Entitlement) -> Option<String> {
    let Some(p @ Principal::User(_)) = g.find_principal(reviewer) else {
        return None;
    };
    let scope = g.entitlement_scope(e);
    for (permission, resource_type, resource) in change_permissions(g, e) {
        for grant in g.grants_of(p) {
            let Some(access) = g.access_of(grant.assignment) else {
                continue;
            };
            if allows(
                g,
                access,
                permission,
                resource_type,
                resource.as_deref(),
                &scope,
            ) {
                let what = if permission == "core_roleassignment_manage" {
                    "a role-assignment permission"
                } else {
                    permission
                };
                return Some(format!(
                    "{reviewer} could change it ({what} at {scope}, through assignment {}/{})",
                    g.snapshot().role_assignments[grant.assignment].scope,
                    g.snapshot().role_assignments[grant.assignment].id
                ));
            }
        }
    }
    None
}

/// Assigns every entitlement.
pub fn assign(
    g: &AccessGraph<'_>,
    policy: &ReviewerPolicy,
    roster: Option<&Roster>,
) -> Assignments {
    let s = g.snapshot();
    let mut names: Vec<String> = policy
        .scopes
        .values()
        .chain(policy.group_owners.values())
        .chain(policy.default.iter())
        .cloned()
        .collect();
    // Managers named by the roster can be reviewers too.
    let manager_of = |email: &str| -> Option<String> {
        let r = roster?;
        r.lookup(email)
            .into_iter()
            .filter_map(|e| e.manager.as_deref())
            .map(|m| m.trim().to_ascii_lowercase())
            .find(|m| m.contains('@') && !m.contains(char::is_whitespace))
    };
    // Every address of a user: the email and the roster's aliases.
    let addresses = |email: &str| -> Vec<String> {
        let email = email.trim().to_ascii_lowercase();
        let mut v = vec![email.clone()];
        if let Some(r) = roster {
            for e in r.lookup(&email) {
                v.extend(e.emails.iter().cloned());
            }
        }
        v.sort();
        v.dedup();
        v
    };
    if policy.by_manager {
        for u in &s.users {
            names.extend(manager_of(&u.email));
        }
    }
    names.sort();
    names.dedup();
    let index = |name: &str| {
        names
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()
            .map(|i| i as u32)
    };

    let mut out = Assignments::default();
    let mut member_addresses: std::collections::HashMap<
        crate::graph::GroupRef,
        std::rc::Rc<std::collections::HashSet<String>>,
    > = std::collections::HashMap::new();
    for e in g.entitlements() {
        let holder = g.entitlement_holder(e);
        // A group's role assignment is reviewed where the group lives (its
        // owner or its scope's reviewer knows what the group is for);
        // everything else where it is removed.
        let scope = match (e, holder) {
            (Entitlement::RoleAssignment(_), Holder::Group(gr)) => g.group_scope_and_id(gr).0,
            _ => g.entitlement_scope(e),
        };
        // Who the row is about: its principal's addresses, or a group's
        // members' addresses (a member benefits from the group's access).
        // Who the row is about: its principal's addresses; for a group's
        // assignment or membership, the group's members' too (a member
        // benefits from the group's access).
        let own: Vec<String> = match holder {
            Holder::Principal(p) => g.identity(p).email.map(addresses).unwrap_or_default(),
            _ => Vec::new(),
        };
        let group = match (e, holder) {
            (Entitlement::GroupMembership { group, .. }, _) => Some(crate::graph::GroupRef {
                index: Some(group),
                builtin_from_assignment: None,
            }),
            (Entitlement::RoleAssignment(_), Holder::Group(gr)) => Some(gr),
            _ => None,
        };
        let group_key = group.map(|gr| {
            let (sc, id) = g.group_scope_and_id(gr);
            format!("{sc}/{id}")
        });
        // Each group's members' addresses once: a large group has thousands
        // of membership rows.
        let members = group.map(|gr| {
            member_addresses
                .entry(gr)
                .or_insert_with(|| {
                    std::rc::Rc::new(
                        g.group_members(gr)
                            .iter()
                            .copied()
                            .flat_map(|u| addresses(&s.users[u].email))
                            .collect(),
                    )
                })
                .clone()
        });

        // Candidates, most specific first.
        let mut candidates: Vec<(String, Basis)> = Vec::new();
        let manager_first = match e {
            Entitlement::GroupMembership { .. } => policy.memberships == MembershipRouting::Manager,
            _ => true,
        };
        if policy.by_manager && manager_first {
            if let Holder::Principal(Principal::User(u)) = holder {
                if let Some(m) = manager_of(&s.users[u].email) {
                    candidates.push((m, Basis::Manager));
                }
            }
        }
        if let Some(owner) = group_key.as_ref().and_then(|k| policy.group_owners.get(k)) {
            candidates.push((owner.clone(), Basis::GroupOwner));
        }
        for level in [
            ScopeLevel::Project,
            ScopeLevel::Organization,
            ScopeLevel::Account,
        ] {
            if let Some(sc) = scope.ancestor_at(level) {
                if let Some(rev) = policy.scopes.get(&sc.to_string()) {
                    candidates.push((rev.clone(), Basis::Scope));
                }
            }
        }
        if let Some(d) = &policy.default {
            candidates.push((d.clone(), Basis::Default));
        }
        let mut passed: Vec<String> = Vec::new();
        let mut chosen = RowAssignment {
            reviewer: None,
            basis: Basis::Unassigned,
            passed: None,
        };
        for (name, basis) in candidates {
            if passed.iter().any(|p| p.starts_with(&format!("{name} "))) {
                continue;
            }
            if own.contains(&name) {
                passed.push(format!("{name} is the principal"));
                continue;
            }
            // The same person under another address: a user of the account
            // with that email whose display name is the principal's.
            if let (Holder::Principal(p), Some(Principal::User(r))) =
                (holder, g.find_principal(&name))
            {
                let theirs = g.identity(p).name.trim().to_lowercase();
                let mine = s.users[r].name.trim().to_lowercase();
                if Principal::User(r) != p && theirs.contains(' ') && theirs == mine {
                    passed.push(format!(
                        "{name} has the principal's name ({}): the same person under another address",
                        s.users[r].name.trim()
                    ));
                    continue;
                }
            }
            if members.as_ref().is_some_and(|m| m.contains(&name)) {
                passed.push(format!("{name} is a member of the group"));
                continue;
            }
            if let Some(why) = could_change(g, &name, e) {
                passed.push(why);
                continue;
            }
            chosen.reviewer = index(&name);
            chosen.basis = basis;
            break;
        }
        if !passed.is_empty() {
            chosen.passed = Some(passed.join("; ").into());
        }
        out.rows.push(chosen);
    }
    out.who = names.iter().map(|n| reviewer_is(g, roster, n)).collect();
    out.reviewers = names;
    out
}

/// A `[reviewers]` key that names a scope or a group the snapshot does not
/// have: its reviewer reviews nothing there, and the rows go elsewhere. A
/// policy is shared across snapshots, so this is a warning, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedKey {
    /// The key as the policy writes it (`org:payements`, `group:account/x`).
    pub key: String,
    /// What it fails to name: `org or project`, `group`.
    pub what: &'static str,
    /// The existing scope or group nearest to it, when one is close.
    pub nearest: Option<String>,
}

/// The `[reviewers]` scope and group keys that name no org, project or
/// group of `s`, sorted by key.
pub fn unmatched_keys(policy: &ReviewerPolicy, s: &crate::snapshot::Snapshot) -> Vec<UnmatchedKey> {
    let scopes: Vec<String> = std::iter::once(Scope::Account.to_string())
        .chain(s.orgs.iter().map(|o| Scope::Org(o.id.clone()).to_string()))
        .chain(
            s.projects
                .iter()
                .map(|p| Scope::Project(p.org.clone(), p.id.clone()).to_string()),
        )
        .collect();
    let groups: Vec<String> = s
        .user_groups
        .iter()
        .map(|g| format!("group:{}/{}", g.scope, g.id))
        .collect();
    let mut out = Vec::new();
    for key in policy.scopes.keys() {
        if !scopes.contains(key) {
            out.push(UnmatchedKey {
                key: key.clone(),
                what: "org or project",
                nearest: nearest(key, &scopes),
            });
        }
    }
    for group in policy.group_owners.keys() {
        let key = format!("group:{group}");
        if !groups.contains(&key) {
            out.push(UnmatchedKey {
                nearest: nearest(&key, &groups),
                key,
                what: "group",
            });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// The candidate nearest to `key` by edit distance, when it is near enough
/// to be a typo (at most a third of the key's length, and at most 4 edits).
fn nearest(key: &str, candidates: &[String]) -> Option<String> {
    let limit = (key.chars().count() / 3).clamp(1, 4);
    candidates
        .iter()
        .map(|c| (edit_distance(key, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.clone())
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn policy(default: Option<&str>, scopes: &[(&str, &str)], by_manager: bool) -> ReviewerPolicy {
        let mut p = ReviewerPolicy::new(default, scopes);
        p.by_manager = by_manager;
        p
    }

    /// `(key, reviewer, basis text)` of every row.
    fn who(a: &Assignments, g: &AccessGraph<'_>) -> Vec<(String, Option<String>, String)> {
        g.entitlements()
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                (
                    g.entitlement_key(e),
                    a.reviewer_of(i).map(str::to_string),
                    a.basis_text(i),
                )
            })
            .collect()
    }

    /// The reviewer and basis of the row whose key is `key`.
    fn row_of<'a>(
        rows: &'a [(String, Option<String>, String)],
        key: &str,
    ) -> (Option<&'a str>, &'a str) {
        let r = rows.iter().find(|(k, _, _)| k == key).unwrap_or_else(|| {
            panic!(
                "no row {key} in {:?}",
                rows.iter().map(|r| &r.0).collect::<Vec<_>>()
            )
        });
        (r.1.as_deref(), r.2.as_str())
    }

    #[test]
    fn near_keys_are_suggested_and_far_ones_not() {
        let c = ["org:payments".to_string(), "org:eng".to_string()];
        assert_eq!(edit_distance("org:payements", "org:payments"), 1);
        assert_eq!(
            nearest("org:payements", &c).as_deref(),
            Some("org:payments")
        );
        assert_eq!(nearest("org:marketing", &c), None);
    }

    #[test]
    fn the_most_specific_scope_wins_and_default_takes_the_rest() {
        let mut f = Fixture::new();
        f.user("ann").user("bob");
        f.assign(&proj(), user("ann"), "_project_viewer", ALL_PROJECT);
        f.assign(&eng(), user("bob"), "_organization_viewer", ALL_ORG);
        f.assign(&Scope::Account, user("bob"), "_account_viewer", ALL_ACCOUNT);
        let s = f.snapshot.clone();
        let g = AccessGraph::build(&s);
        let p = policy(
            Some("secops@example.com"),
            &[
                ("org:eng", "eng-lead@example.com"),
                ("project:eng/pay", "pay-lead@example.com"),
            ],
            false,
        );
        let a = assign(&g, &p, None);
        let rows = who(&a, &g);
        // Project entry beats the org entry; the org entry beats default.
        assert_eq!(
            row_of(&rows, "RA:project:eng/pay/ra0"),
            (Some("pay-lead@example.com"), "scope")
        );
        assert_eq!(
            row_of(&rows, "RA:org:eng/ra1"),
            (Some("eng-lead@example.com"), "scope")
        );
        assert_eq!(
            row_of(&rows, "RA:account/ra2"),
            (Some("secops@example.com"), "default")
        );
        // Memberships go to their scope's reviewer; users to the account's.
        assert_eq!(
            row_of(&rows, "SM:ann|project:eng/pay").0,
            Some("pay-lead@example.com")
        );
        assert_eq!(
            row_of(&rows, "SM:ann|org:eng").0,
            Some("eng-lead@example.com")
        );
        assert_eq!(row_of(&rows, "PR:ann").0, Some("secops@example.com"));
        assert_eq!(a.reviewers.len(), 3);
        assert_eq!(a.rows.len(), g.entitlements().len());
    }

    #[test]
    fn a_reviewer_never_gets_their_own_access_or_their_groups() {
        let mut f = Fixture::new();
        f.user("lead");
        f.user_mut("lead").email = "pay-lead@example.com".into();
        f.assign(&proj(), user("lead"), "_project_viewer", ALL_PROJECT);
        f.user("other");
        f.group(&proj(), "devs", &["lead", "other"]);
        f.assign(&proj(), group("devs"), "_pipeline_executor", ALL_PROJECT);
        let s = f.snapshot.clone();
        let g = AccessGraph::build(&s);
        let p = policy(
            Some("secops@example.com"),
            &[
                ("project:eng/pay", "pay-lead@example.com"),
                ("org:eng", "eng-lead@example.com"),
            ],
            false,
        );
        let a = assign(&g, &p, None);
        let rows = who(&a, &g);
        let own = row_of(&rows, "RA:project:eng/pay/ra0");
        assert_eq!(own.0, Some("eng-lead@example.com"));
        assert!(
            own.1.contains("pay-lead@example.com is the principal"),
            "{}",
            own.1
        );
        // The group she is in: its assignment and every membership go up.
        let grp = row_of(&rows, "RA:project:eng/pay/ra1");
        assert_eq!(grp.0, Some("eng-lead@example.com"));
        assert!(grp.1.contains("is a member of the group"), "{}", grp.1);
        assert_eq!(
            row_of(&rows, "GM:project:eng/pay/devs|other").0,
            Some("eng-lead@example.com")
        );
        // Near miss: someone else's own row in the same project stays with
        // the project's reviewer.
        assert_eq!(
            row_of(&rows, "SM:other|project:eng/pay").0,
            Some("pay-lead@example.com")
        );
        // With nobody else to go to, the row is unassigned.
        let p = policy(None, &[("project:eng/pay", "pay-lead@example.com")], false);
        let a = assign(&g, &p, None);
        let rows = who(&a, &g);
        let own = row_of(&rows, "RA:project:eng/pay/ra0");
        assert_eq!(own.0, None);
        assert!(own.1.starts_with("unassigned"), "{}", own.1);
    }

    #[test]
    fn a_reviewer_with_the_principals_name_under_another_address_is_passed_over() {
        let mut f = Fixture::new();
        f.user("ann");
        f.user_mut("ann").name = "Ann Lee".into();
        f.user_in("ann2", &[]);
        f.user_mut("ann2").name = " ann lee ".into();
        f.user_mut("ann2").email = "ann.lee@corp.example.com".into();
        f.user("bob");
        f.user_mut("bob").name = "Bob Ray".into();
        let s = f.snapshot.clone();
        let g = AccessGraph::build(&s);
        let p = policy(
            Some("secops@example.com"),
            &[("project:eng/pay", "ann.lee@corp.example.com")],
            false,
        );
        let rows = who(&assign(&g, &p, None), &g);
        let (r, why) = row_of(&rows, "SM:ann|project:eng/pay");
        assert_eq!(r, Some("secops@example.com"));
        assert!(why.contains("has the principal's name (ann lee)"), "{why}");
        // Near miss: bob's row stays with the project's reviewer.
        assert_eq!(
            row_of(&rows, "SM:bob|project:eng/pay").0,
            Some("ann.lee@corp.example.com")
        );
    }

    #[test]
    fn a_reviewer_who_could_change_the_access_is_passed_over() {
        let mut f = Fixture::new();
        // The project's reviewer administers the project: she could add
        // herself to any group there, or bind any role.
        f.user("pia");
        f.user_mut("pia").email = "pay-lead@example.com".into();
        f.assign(&proj(), user("pia"), "_project_admin", ALL_PROJECT);
        f.user("dev");
        f.group(&proj(), "devs", &["dev"]);
        f.assign(&proj(), group("devs"), "_pipeline_executor", ALL_PROJECT);
        // The web project's reviewer only views there.
        f.user("wes");
        f.user_mut("wes").email = "web-lead@example.com".into();
        f.assign(
            &project("eng", "web"),
            user("wes"),
            "_project_viewer",
            ALL_PROJECT,
        );
        f.assign(
            &project("eng", "web"),
            user("dev"),
            "_project_viewer",
            ALL_PROJECT,
        );
        let s = f.snapshot.clone();
        let g = AccessGraph::build(&s);
        let p = policy(
            Some("secops@example.com"),
            &[
                ("project:eng/pay", "pay-lead@example.com"),
                ("project:eng/web", "web-lead@example.com"),
            ],
            false,
        );
        let a = assign(&g, &p, None);
        let rows = who(&a, &g);
        for key in [
            "GM:project:eng/pay/devs|dev",
            "RA:project:eng/pay/ra1",
            "SM:dev|project:eng/pay",
        ] {
            let (r, why) = row_of(&rows, key);
            assert_eq!(r, Some("secops@example.com"), "{key}");
            assert!(
                why.contains("pay-lead@example.com could change it"),
                "{key}: {why}"
            );
        }
        // Near miss: a viewer of web is independent of web's rows.
        assert_eq!(
            row_of(&rows, "RA:project:eng/web/ra3"),
            (Some("web-lead@example.com"), "scope")
        );
    }

    #[test]
    fn a_reviewer_holding_a_split_group_permission_is_passed_over() {
        // The project's reviewer holds only the split permissions over the
        // devs group: manageUsers changes its members, manageRoleAssignments
        // its role bindings (developer-hub add-user-groups.md).
        let routed = |permissions: &[&str]| {
            let mut f = Fixture::new();
            f.user("pia");
            f.user_mut("pia").email = "pay-lead@example.com".into();
            f.role(&Scope::Account, "group_lead", permissions);
            f.assign(&proj(), user("pia"), "group_lead", ALL_PROJECT);
            f.user("dev");
            f.group(&proj(), "devs", &["dev"]);
            f.assign(&proj(), group("devs"), "_pipeline_executor", ALL_PROJECT);
            let s = f.snapshot.clone();
            let g = AccessGraph::build(&s);
            let p = policy(
                Some("secops@example.com"),
                &[("project:eng/pay", "pay-lead@example.com")],
                false,
            );
            let a = assign(&g, &p, None);
            let rows = who(&a, &g);
            ["GM:project:eng/pay/devs|dev", "RA:project:eng/pay/ra1"]
                .map(|k| row_of(&rows, k).0.map(str::to_string))
        };
        let secops = Some("secops@example.com".to_string());
        let lead = Some("pay-lead@example.com".to_string());
        assert_eq!(
            routed(&["core_usergroup_manageUsers"]),
            [secops.clone(), lead.clone()]
        );
        assert_eq!(
            routed(&["core_usergroup_manageRoleAssignments"]),
            [lead.clone(), secops.clone()]
        );
        // Near miss: editing a group's name changes neither.
        assert_eq!(
            routed(&["core_usergroup_editMetadata"]),
            [lead.clone(), lead]
        );
    }

    #[test]
    fn a_groups_role_assignment_goes_to_the_reviewer_of_the_groups_scope() {
        let mut f = Fixture::new();
        f.user("ann");
        f.group(&Scope::Account, "sre", &["ann"]);
        f.assign(
            &proj(),
            group_at("sre", ScopeLevel::Account),
            "_project_viewer",
            ALL_PROJECT,
        );
        f.assign(&proj(), user("ann"), "_project_viewer", ALL_PROJECT);
        let s = f.snapshot.clone();
        let g = AccessGraph::build(&s);
        let p = policy(
            Some("secops@example.com"),
            &[
                ("account", "platform@example.com"),
                ("project:eng/pay", "pay-lead@example.com"),
            ],
            false,
        );
        let rows = who(&assign(&g, &p, None), &g);
        // The account group's binding in the project: the account's reviewer.
        assert_eq!(
            row_of(&rows, "RA:project:eng/pay/ra0").0,
            Some("platform@example.com")
        );
        // Near miss: a user's binding in the project stays with the project.
        assert_eq!(
            row_of(&rows, "RA:project:eng/pay/ra1").0,
            Some("pay-lead@example.com")
        );
    }

    #[test]
    fn by_manager_and_group_owners_route_as_the_policy_says() {
        let mut f = Fixture::new();
        f.user("ann");
        f.user_mut("ann").email = "ann@example.com".into();
        f.group(&proj(), "devs", &["ann"]);
        f.assign(&proj(), group("devs"), "_project_viewer", ALL_PROJECT);
        f.service_account(&proj(), "bot");
        f.assign(&proj(), sa("bot"), "_project_viewer", ALL_PROJECT);
        let s = f.snapshot.clone();
        let g = AccessGraph::build(&s);
        let roster = Roster::parse(
            "hr.csv",
            b"email,status,manager,aliases\nann@example.com,active,boss@example.com,ann.alias@example.com\n",
            None,
        )
        .unwrap();
        let mut p = policy(
            Some("secops@example.com"),
            &[("project:eng/pay", "pay-lead@example.com")],
            true,
        );
        p.group_owners.insert(
            "project:eng/pay/devs".into(),
            "devs-owner@example.com".into(),
        );
        let a = assign(&g, &p, Some(&roster));
        let rows = who(&a, &g);
        assert_eq!(
            row_of(&rows, "PR:ann"),
            (Some("boss@example.com"), "manager (roster)")
        );
        assert_eq!(
            row_of(&rows, "GM:project:eng/pay/devs|ann").0,
            Some("boss@example.com")
        );
        // The group's own assignment goes to its owner.
        assert_eq!(
            row_of(&rows, "RA:project:eng/pay/ra0"),
            (Some("devs-owner@example.com"), "group owner")
        );
        // A service account has no manager: the scope's reviewer.
        assert_eq!(
            row_of(&rows, "RA:project:eng/pay/ra1").0,
            Some("pay-lead@example.com")
        );
        // memberships = "group": the membership goes to the group's owner.
        p.memberships = MembershipRouting::Group;
        let a = assign(&g, &p, Some(&roster));
        let rows = who(&a, &g);
        assert_eq!(
            row_of(&rows, "GM:project:eng/pay/devs|ann").0,
            Some("devs-owner@example.com")
        );
        // A roster alias is the same person: ann's alias never reviews ann.
        let p = policy(
            Some("secops@example.com"),
            &[("project:eng/pay", "ann.alias@example.com")],
            false,
        );
        let a = assign(&g, &p, Some(&roster));
        let rows = who(&a, &g);
        let ann = row_of(&rows, "SM:ann|project:eng/pay");
        assert_eq!(ann.0, Some("secops@example.com"));
        assert!(
            ann.1.contains("ann.alias@example.com is the principal"),
            "{}",
            ann.1
        );
    }
}
