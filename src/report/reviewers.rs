//! Who reviews which row: the `[reviewers]` table of the policy applied to
//! the rows of the review sheets (Privileged Access, Principals, Effective
//! Access, Tokens), and the row keys that let a returned workbook be matched
//! to what was sent.
//!
//! A row's scope is the scope of the access it is about: the assignment's
//! scope for a grant, the service account's scope for a service account and
//! its tokens, the account for a user. Its reviewer is, in order:
//!
//! 1. with `by_manager = true` and a roster naming the user's manager (an
//!    email), the manager, for every row about a user;
//! 2. the reviewer of the most specific scope entry covering the row's scope
//!    (project, then its org, then `account`);
//! 3. `default`.
//!
//! A reviewer is never given their own access: a candidate who is the row's
//! principal (by email, or an address the roster lists for the same person)
//! is passed over for the next one, and the row says so. A row left with no
//! candidate is unassigned, and the pack counts it.

use std::collections::BTreeMap;

use crate::findings::{ReviewerPolicy, Roster};
use crate::graph::{AccessGraph, Grant, Principal};
use crate::snapshot::{Scope, ScopeLevel, Snapshot};

use super::sheet_id::SheetId;

/// The sheets a campaign assigns, in workbook order.
pub const CAMPAIGN_SHEETS: [SheetId; 4] = [
    SheetId::PrivilegedAccess,
    SheetId::Principals,
    SheetId::EffectiveAccess,
    SheetId::Tokens,
];

/// What a row of a review sheet is about.
#[derive(Debug, Clone, Copy)]
pub enum RowRef<'g> {
    /// A grant (Privileged Access, Effective Access).
    Grant(&'g Grant),
    /// A user or service account (Principals).
    Principal(Principal),
    /// A token, by index into `snapshot.tokens` (Tokens).
    Token(usize),
}

/// The rows of a campaign sheet, in the sheet's row order (the same order
/// as [`super::sheets::write_rows`]; a test holds it).
pub fn row_refs<'g>(
    g: &'g AccessGraph<'_>,
    sheet: SheetId,
) -> Box<dyn Iterator<Item = RowRef<'g>> + 'g> {
    match sheet {
        SheetId::PrivilegedAccess => Box::new(g.privileged_grants().map(RowRef::Grant)),
        SheetId::Principals => Box::new(g.principals().map(RowRef::Principal)),
        SheetId::EffectiveAccess => Box::new(
            g.grants
                .iter()
                .filter(|x| g.access_of(x.assignment).is_some())
                .map(RowRef::Grant),
        ),
        SheetId::Tokens => Box::new((0..g.snapshot().tokens.len()).map(RowRef::Token)),
        _ => Box::new(std::iter::empty()),
    }
}

/// The two-letter code a sheet's row keys start with.
pub fn sheet_code(sheet: SheetId) -> &'static str {
    match sheet {
        SheetId::PrivilegedAccess => "PA",
        SheetId::Principals => "PR",
        SheetId::EffectiveAccess => "EA",
        SheetId::Tokens => "TK",
        _ => "XX",
    }
}

/// The sheet a row-key code names.
pub fn sheet_of_code(code: &str) -> Option<SheetId> {
    CAMPAIGN_SHEETS.into_iter().find(|s| sheet_code(*s) == code)
}

/// A row's key: stable across runs of the same snapshot, unique in the
/// pack. `EA:PRINCIPAL|VIA|SCOPE/ASSIGNMENT` for a grant,
/// `PR:PRINCIPAL` for a principal, `TK:SCOPE/SERVICE_ACCOUNT/KEY/TOKEN` for
/// a token.
pub fn row_key(g: &AccessGraph<'_>, sheet: SheetId, r: RowRef<'_>) -> String {
    let s = g.snapshot();
    let code = sheet_code(sheet);
    match r {
        RowRef::Grant(grant) => {
            let a = &s.role_assignments[grant.assignment];
            format!(
                "{code}:{}|{}|{}/{}",
                g.identity(grant.principal).id,
                g.via_label(grant.via),
                a.scope,
                a.id
            )
        }
        RowRef::Principal(p) => format!("{code}:{}", g.identity(p).id),
        RowRef::Token(i) => {
            let t = &s.tokens[i];
            format!("{code}:{}/{}/{}/{}", t.scope, t.parent, t.api_key, t.id)
        }
    }
}

/// The scope a row is about.
pub fn row_scope<'s>(s: &'s Snapshot, r: RowRef<'_>) -> std::borrow::Cow<'s, Scope> {
    use std::borrow::Cow;
    match r {
        RowRef::Grant(grant) => Cow::Borrowed(&s.role_assignments[grant.assignment].scope),
        RowRef::Principal(Principal::User(_)) => Cow::Owned(Scope::Account),
        RowRef::Principal(Principal::ServiceAccount(i)) => {
            Cow::Borrowed(&s.service_accounts[i].scope)
        }
        RowRef::Token(i) => Cow::Borrowed(&s.tokens[i].scope),
    }
}

/// The principal a row is about, when it is one (a token's service account
/// is found by scope and identifier).
pub fn row_principal(g: &AccessGraph<'_>, r: RowRef<'_>) -> Option<Principal> {
    match r {
        RowRef::Grant(grant) => Some(grant.principal),
        RowRef::Principal(p) => Some(p),
        RowRef::Token(i) => {
            let t = &g.snapshot().tokens[i];
            g.snapshot()
                .service_accounts
                .iter()
                .position(|sa| sa.scope == t.scope && sa.id.as_str() == t.parent)
                .map(Principal::ServiceAccount)
        }
    }
}

/// Why a row went to its reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Basis {
    /// The user's manager, from the roster.
    Manager,
    /// The reviewer of a scope entry.
    Scope,
    /// `default`.
    Default,
    /// A candidate was the principal, so the row went to the next one.
    MovedFromSelf,
    /// No candidate (no entry, no default, or only the principal).
    Unassigned,
}

impl Basis {
    /// How `assignments.csv` and the sheets say it.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Manager => "manager (roster)",
            Basis::Scope => "scope",
            Basis::Default => "default",
            Basis::MovedFromSelf => "moved up: the reviewer of the scope is the principal",
            Basis::Unassigned => "unassigned: no independent reviewer",
        }
    }
}

/// One row's assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowAssignment {
    /// Index into [`Assignments::reviewers`], `None` when unassigned.
    pub reviewer: Option<u32>,
    /// Why.
    pub basis: Basis,
}

/// Every campaign row's reviewer.
#[derive(Debug, Clone, Default)]
pub struct Assignments {
    /// The reviewers, sorted (lowercased emails).
    pub reviewers: Vec<String>,
    /// Per campaign sheet, per row in sheet order.
    pub rows: BTreeMap<SheetId, Vec<RowAssignment>>,
}

impl Assignments {
    /// The reviewer of row `i` of `sheet`, if any.
    pub fn reviewer_of(&self, sheet: SheetId, i: usize) -> Option<&str> {
        let r = self.rows.get(&sheet)?.get(i)?;
        r.reviewer.map(|x| self.reviewers[x as usize].as_str())
    }

    /// Rows assigned to each reviewer, and unassigned rows, per sheet.
    pub fn counts(&self) -> (BTreeMap<&str, usize>, usize) {
        let mut per: BTreeMap<&str, usize> = BTreeMap::new();
        let mut unassigned = 0;
        for rows in self.rows.values() {
            for r in rows {
                match r.reviewer {
                    Some(x) => *per.entry(self.reviewers[x as usize].as_str()).or_default() += 1,
                    None => unassigned += 1,
                }
            }
        }
        (per, unassigned)
    }
}

/// Assigns every row of the campaign sheets.
pub fn assign(
    g: &AccessGraph<'_>,
    policy: &ReviewerPolicy,
    roster: Option<&Roster>,
) -> Assignments {
    let s = g.snapshot();
    let mut names: Vec<String> = policy
        .scopes
        .values()
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
    // Every address of a principal: its email and the roster's aliases.
    let addresses = |p: Principal| -> Vec<String> {
        let Some(email) = g.identity(p).email.map(|e| e.trim().to_ascii_lowercase()) else {
            return Vec::new();
        };
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
    for sheet in CAMPAIGN_SHEETS {
        let mut rows = Vec::new();
        for r in row_refs(g, sheet) {
            let principal = row_principal(g, r);
            let own = principal.map(addresses).unwrap_or_default();
            let scope = row_scope(s, r);
            // Candidates, most specific first.
            let mut candidates: Vec<(String, Basis)> = Vec::new();
            if policy.by_manager {
                if let Some(Principal::User(u)) = principal {
                    if let Some(m) = manager_of(&s.users[u].email) {
                        candidates.push((m, Basis::Manager));
                    }
                }
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
            let mut passed_self = false;
            let mut chosen = RowAssignment {
                reviewer: None,
                basis: Basis::Unassigned,
            };
            for (name, basis) in candidates {
                if own.contains(&name) {
                    passed_self = true;
                    continue;
                }
                chosen = RowAssignment {
                    reviewer: index(&name),
                    basis: if passed_self {
                        Basis::MovedFromSelf
                    } else {
                        basis
                    },
                };
                break;
            }
            rows.push(chosen);
        }
        out.rows.insert(sheet, rows);
    }
    out.reviewers = names;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::ReviewerPolicy;
    use crate::testkit::*;

    fn policy(default: Option<&str>, scopes: &[(&str, &str)], by_manager: bool) -> ReviewerPolicy {
        ReviewerPolicy {
            default: default.map(str::to_string),
            scopes: scopes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            by_manager,
            rubber_stamp_rows: 20,
        }
    }

    fn who(
        a: &Assignments,
        g: &AccessGraph<'_>,
        sheet: SheetId,
    ) -> Vec<(String, Option<String>, Basis)> {
        row_refs(g, sheet)
            .enumerate()
            .map(|(i, r)| {
                (
                    row_key(g, sheet, r),
                    a.reviewer_of(sheet, i).map(str::to_string),
                    a.rows[&sheet][i].basis,
                )
            })
            .collect()
    }

    /// The reviewer and basis of the first row whose key starts with `prefix`.
    fn row_of<'a>(
        rows: &'a [(String, Option<String>, Basis)],
        prefix: &str,
    ) -> (Option<&'a str>, Basis) {
        let r = rows
            .iter()
            .find(|(k, _, _)| k.starts_with(prefix))
            .unwrap_or_else(|| panic!("no row {prefix}"));
        (r.1.as_deref(), r.2)
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
        let rows = who(&a, &g, SheetId::EffectiveAccess);
        let reviewer = |key_part: &str| {
            rows.iter()
                .find(|(k, _, _)| k.contains(key_part))
                .map(|(_, r, b)| (r.clone(), *b))
                .unwrap()
        };
        // Project entry beats the org entry; the org entry beats default.
        assert_eq!(
            reviewer("project:eng/pay/ra0"),
            (Some("pay-lead@example.com".into()), Basis::Scope)
        );
        assert_eq!(
            reviewer("org:eng/ra1"),
            (Some("eng-lead@example.com".into()), Basis::Scope)
        );
        assert_eq!(
            reviewer("account/ra2"),
            (Some("secops@example.com".into()), Basis::Default)
        );
        // Users' Principals rows are account rows: default.
        let pr = who(&a, &g, SheetId::Principals);
        assert!(pr
            .iter()
            .all(|(_, r, _)| r.as_deref() == Some("secops@example.com")));
        assert_eq!(a.reviewers.len(), 3);
    }

    #[test]
    fn a_reviewer_never_gets_their_own_access() {
        let mut f = Fixture::new();
        f.user("lead");
        f.user_mut("lead").email = "pay-lead@example.com".into();
        f.assign(&proj(), user("lead"), "_project_admin", ALL_PROJECT);
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
        let rows = who(&a, &g, SheetId::EffectiveAccess);
        assert_eq!(rows[0].1.as_deref(), Some("eng-lead@example.com"));
        assert_eq!(rows[0].2, Basis::MovedFromSelf);
        // Near miss: someone else's row in the same project stays with the
        // project's reviewer.
        f.user("other");
        f.assign(&proj(), user("other"), "_project_viewer", ALL_PROJECT);
        let s = f.snapshot.clone();
        let g = AccessGraph::build(&s);
        let a = assign(&g, &p, None);
        let rows = who(&a, &g, SheetId::EffectiveAccess);
        let other = row_of(&rows, "EA:other");
        assert_eq!(other.0, Some("pay-lead@example.com"));
        // With nobody else to go to, the row is unassigned.
        let p = policy(None, &[("project:eng/pay", "pay-lead@example.com")], false);
        let a = assign(&g, &p, None);
        let rows = who(&a, &g, SheetId::EffectiveAccess);
        let own = row_of(&rows, "EA:lead");
        assert_eq!((own.0, own.1), (None, Basis::Unassigned));
    }

    #[test]
    fn by_manager_sends_a_users_rows_to_the_manager_from_the_roster() {
        let mut f = Fixture::new();
        f.user("ann");
        f.user_mut("ann").email = "ann@example.com".into();
        f.assign(&proj(), user("ann"), "_project_viewer", ALL_PROJECT);
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
        let p = policy(
            Some("secops@example.com"),
            &[("project:eng/pay", "pay-lead@example.com")],
            true,
        );
        let a = assign(&g, &p, Some(&roster));
        let rows = who(&a, &g, SheetId::EffectiveAccess);
        let ann = row_of(&rows, "EA:ann");
        assert_eq!((ann.0, ann.1), (Some("boss@example.com"), Basis::Manager));
        // A service account has no manager: the scope's reviewer.
        let bot = row_of(&rows, "EA:sa:");
        assert_eq!(bot.0, Some("pay-lead@example.com"));
        // Without by_manager the scope decides.
        let p = policy(
            Some("secops@example.com"),
            &[("project:eng/pay", "pay-lead@example.com")],
            false,
        );
        let a = assign(&g, &p, Some(&roster));
        let rows = who(&a, &g, SheetId::EffectiveAccess);
        let ann = row_of(&rows, "EA:ann");
        assert_eq!(ann.0, Some("pay-lead@example.com"));
        // A roster alias is the same person: ann's alias never reviews ann.
        let p = policy(
            Some("secops@example.com"),
            &[("project:eng/pay", "ann.alias@example.com")],
            false,
        );
        let a = assign(&g, &p, Some(&roster));
        let rows = who(&a, &g, SheetId::EffectiveAccess);
        let ann = row_of(&rows, "EA:ann");
        assert_eq!(
            (ann.0, ann.1),
            (Some("secops@example.com"), Basis::MovedFromSelf)
        );
    }

    #[test]
    fn row_refs_follow_the_sheets_row_order() {
        // Each campaign sheet's rows, as written, name the same grant,
        // principal or token as row_refs at the same position.
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/demo/snapshot.json");
        let loaded = crate::snapshot::load(&path).unwrap();
        let g = AccessGraph::build(&loaded.snapshot);
        let policy = crate::findings::Policy::default();
        let ctx = crate::report::ReportContext {
            loaded: &loaded,
            graph: &g,
            as_of: loaded.snapshot.captured_at(),
            findings: &[],
            policy: &policy,
            roster: None,
            assignments: None,
        };
        for sheet in CAMPAIGN_SHEETS {
            let keys: Vec<&str> = sheet.columns().iter().map(|c| c.key).collect();
            let col = |row: &[crate::output::Cell], k: &str| -> String {
                row[keys.iter().position(|x| *x == k).unwrap()]
                    .as_text()
                    .into_owned()
            };
            let mut from_rows = Vec::new();
            crate::report::sheets::write_rows(&ctx, sheet, &mut |row| {
                let code = sheet_code(sheet);
                from_rows.push(match sheet {
                    SheetId::Principals => format!("{code}:{}", col(&row, "id")),
                    SheetId::Tokens => {
                        let owner = col(&row, "owner_id");
                        let parent = owner.rsplit('/').next().unwrap().to_string();
                        format!(
                            "{code}:{}/{parent}/{}/{}",
                            col(&row, "scope"),
                            col(&row, "api_key_id"),
                            col(&row, "token_id")
                        )
                    }
                    _ => format!(
                        "{code}:{}|{}|{}/{}",
                        col(&row, "principal_id"),
                        col(&row, "via"),
                        col(&row, "assignment_scope"),
                        col(&row, "assignment_id")
                    ),
                });
                Ok(())
            })
            .unwrap();
            let from_refs: Vec<String> =
                row_refs(&g, sheet).map(|r| row_key(&g, sheet, r)).collect();
            assert!(!from_refs.is_empty(), "{sheet:?}");
            assert_eq!(from_rows, from_refs, "{sheet:?}");
            let unique: std::collections::BTreeSet<&String> = from_refs.iter().collect();
            assert_eq!(unique.len(), from_refs.len(), "{sheet:?}: keys are unique");
        }
    }
}
