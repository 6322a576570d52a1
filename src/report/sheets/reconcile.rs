//! The Reconciliation sheet: the population walked end to end, so an
//! auditor ticks it instead of counting again. From what Harness reported
//! (`totalItems` of each list) to the objects in the snapshot, the rows of
//! the Principals and Role Assignments sheets, the grants of Effective
//! Access, and (with `[reviewers]`) the rows assigned to reviewers. Every
//! step states its count, what it is compared with, and why they differ.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::snapshot::{ApiKeyType, ServiceAccount};

pub(super) const RECONCILIATION: &[Column] = &[
    col("step", "Step", 46.0),
    col("count", "Count", 12.0),
    col("compared_with", "Compared with", 40.0),
    col("difference", "Difference", 12.0),
    col("why", "Why they differ", 80.0),
];

/// One step of the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What is counted.
    pub step: String,
    /// The count.
    pub count: usize,
    /// What it is compared with, and that count.
    pub compared_with: Option<(String, usize)>,
    /// Why the two differ (or that they do not).
    pub why: String,
}

impl Step {
    fn new(step: impl Into<String>, count: usize) -> Step {
        Step {
            step: step.into(),
            count,
            compared_with: None,
            why: String::new(),
        }
    }

    fn against(mut self, what: impl Into<String>, n: usize, why_differ: &str) -> Step {
        self.why = if n == self.count {
            "equal".to_string()
        } else {
            why_differ.to_string()
        };
        self.compared_with = Some((what.into(), n));
        self
    }

    /// `count - compared`, when compared with something.
    pub fn difference(&self) -> Option<i64> {
        self.compared_with
            .as_ref()
            .map(|(_, n)| self.count as i64 - *n as i64)
    }
}

/// What Harness reported for the lists of `endpoint` (any scope): Σ of
/// `totalItems` (None when a list reported none) and how many of those
/// lists were not read completely.
fn reported(s: &Snapshot, endpoint: &str) -> (Option<usize>, usize) {
    let lists: Vec<_> = s
        .completeness
        .lists
        .iter()
        .filter(|l| l.endpoint == endpoint)
        .collect();
    let incomplete = lists.iter().filter(|l| !l.complete).count();
    if lists.is_empty() || lists.iter().any(|l| l.total_items.is_none()) {
        return (None, incomplete);
    }
    let total = lists
        .iter()
        .map(|l| l.total_items.unwrap_or(0) as usize)
        .sum();
    (Some(total), incomplete)
}

/// The steps, in order.
pub fn reconciliation_steps(ctx: &ReportContext<'_, '_>) -> Vec<Step> {
    ctx.memo
        .reconciliation
        .get_or_init(|| make_steps(ctx))
        .clone()
}

fn make_steps(ctx: &ReportContext<'_, '_>) -> Vec<Step> {
    let g = ctx.graph;
    let s = g.snapshot();
    let mut v = Vec::new();
    let objects: [(&str, &str, usize, &str); 5] = [
        (
            "users",
            "POST /ng/api/user/batch",
            s.users.len(),
            "the list counts each user once",
        ),
        (
            "user groups",
            "GET /ng/api/user-groups",
            s.user_groups.len(),
            "a group listed twice (pages shifting while read) is stored once",
        ),
        (
            "service accounts",
            "GET /ng/api/serviceaccount/aggregate",
            s.service_accounts.len(),
            "a service account listed twice is stored once",
        ),
        (
            "role assignments",
            "POST /authz/api/roleassignments/filter",
            s.role_assignments.len(),
            "an assignment listed twice is stored once",
        ),
        (
            "tokens",
            "GET /ng/api/token/aggregate",
            s.tokens.len(),
            "tokens of scopes the key cannot list are not kept (docs/harness-behaviour.md)",
        ),
    ];
    for (what, endpoint, stored, fewer) in objects {
        let step = Step::new(format!("{what} in the snapshot"), stored);
        let (total, incomplete) = reported(s, endpoint);
        v.push(match total {
            Some(n) => {
                let why = if stored > n {
                    "objects were added while the list was read (totalItems comes with each page)"
                        .to_string()
                } else if incomplete > 0 {
                    format!(
                        "{incomplete} of these lists were not read completely (Provenance, Completeness)"
                    )
                } else {
                    fewer.to_string()
                };
                step.against(format!("totalItems Harness reported ({endpoint})"), n, &why)
            }
            None => Step {
                why: format!(
                    "{endpoint}: no totalItems recorded (a snapshot made or edited without them)"
                ),
                ..step
            },
        });
    }
    v.extend(counted_by_harness(s));
    let principals = s.users.len() + s.service_accounts.len();
    v.push(Step::new("rows of Principals", principals).against(
        "users + service accounts in the snapshot",
        principals,
        "",
    ));
    let mut active = 0;
    let mut disabled = 0;
    let mut orphaned = 0;
    let mut internal = 0;
    let mut reach = 0usize;
    for r in &g.assignments {
        match &r.status {
            AssignmentStatus::Active => {
                active += 1;
                reach += match r.principal {
                    Some(ResolvedPrincipal::Group(gr)) => g.group_members(gr).len(),
                    Some(_) => 1,
                    None => 0,
                };
            }
            AssignmentStatus::Disabled => disabled += 1,
            AssignmentStatus::Orphaned(_) => orphaned += 1,
            AssignmentStatus::Internal => internal += 1,
        }
    }
    v.push(
        Step::new("rows of Role Assignments", s.role_assignments.len()).against(
            "role assignments in the snapshot",
            s.role_assignments.len(),
            "",
        ),
    );
    v.push(
        Step::new("  active (grant access)", active).against(
            "role assignments",
            s.role_assignments.len(),
            &format!(
                "{disabled} disabled (dormant), {orphaned} orphaned (name something missing) and {internal} bound to Harness services grant nothing"
            ),
        ),
    );
    let ea = row_count(ctx, SheetId::EffectiveAccess);
    v.push(Step::new("rows of Effective Access (grants)", ea).against(
        "principals the active assignments reach (users, service accounts, group members)",
        reach,
        "a member listed twice in a group, or reached twice by one assignment, is one grant; members the snapshot does not know hold nothing",
    ));
    // Entitlements: what the snapshot lists that one action removes.
    let principals = s.users.len() + s.service_accounts.len();
    let memberships: usize = s
        .users
        .iter()
        .map(|u| u.scopes.iter().filter(|x| **x != Scope::Account).count())
        .sum();
    let (mut listed, mut unknown) = (0usize, 0usize);
    for grp in &s.user_groups {
        if is_all_users_group(grp.id.as_str(), grp.scope.level()) {
            continue;
        }
        let mut seen = std::collections::BTreeSet::new();
        for m in &grp.members {
            if !seen.insert(m.as_str()) {
                continue;
            }
            if g.user_index(m.as_str()).is_some() {
                listed += 1;
            } else {
                unknown += 1;
            }
        }
    }
    let expected = principals + memberships + listed + active + s.tokens.len();
    v.push(Step::new("rows of Entitlements", row_count(ctx, SheetId::Entitlements)).against(
        "principals + org and project memberships + group members + active role assignments + tokens",
        expected,
        &format!(
            "{principals} principals, {memberships} org and project memberships, {listed} group members ({unknown} stored members the snapshot does not know are left out), {active} active role assignments, {} tokens",
            s.tokens.len()
        ),
    ));
    if let Some(a) = ctx.assignments {
        let routed = a.rows.len();
        let (per, unassigned) = a.counts();
        let assigned: usize = per.values().sum();
        let sheets = super::super::reviewers::CAMPAIGN_SHEETS;
        v.push(Step::new("rows routed to reviewers", routed).against(
            "rows of Entitlements",
            sheets.iter().map(|&sh| row_count(ctx, sh)).sum(),
            "every entitlement is routed once; a difference is a defect in reviewpack",
        ));
        v.push(Step::new("  assigned to a reviewer", assigned).against(
            "rows routed to reviewers",
            routed,
            &format!(
                "{unassigned} rows have no independent reviewer (Unassigned; see reviewers/assignments.csv)"
            ),
        ));
    }
    v
}

pub(super) fn reconciliation_rows(
    ctx: &ReportContext<'_, '_>,
    sink: &mut Sink<'_>,
) -> io::Result<()> {
    for st in reconciliation_steps(ctx) {
        sink(vec![
            st.step.clone().into(),
            st.count.into(),
            st.compared_with
                .as_ref()
                .map(|(w, n)| format!("{w}: {n}"))
                .into(),
            st.difference().map_or(Cell::Empty, Cell::Int),
            st.why.into(),
        ])?;
    }
    Ok(())
}

/// How many differences a "why" names before it says "and N more".
const NAMED: usize = 3;

/// Two checks against counts Harness keeps itself, which do not depend on
/// what the key may view: the role lists' per-role assignment counts
/// (docs/harness-behaviour.md O11) against the assignments stored, and the
/// service-account lists' `tokensCount` (which counts API keys, U11)
/// against the API keys stored. Nothing when the snapshot holds neither.
fn counted_by_harness(s: &Snapshot) -> Vec<Step> {
    let mut v = Vec::new();
    // Per (scope, type): Harness's count and the stored one, over the roles
    // the lists counted.
    let mut counted: BTreeMap<(&Scope, &str), (usize, usize)> = BTreeMap::new();
    let mut listed: BTreeSet<(&Scope, &str)> = BTreeSet::new();
    for r in &s.roles {
        let Some(c) = r.assignment_counts else {
            continue;
        };
        listed.insert((&r.scope, r.id.as_str()));
        for (kind, n) in [
            ("USER", c.users),
            ("USER_GROUP", c.user_groups),
            ("SERVICE_ACCOUNT", c.service_accounts),
        ] {
            counted.entry((&r.scope, kind)).or_default().0 += n as usize;
        }
    }
    if !listed.is_empty() {
        for a in &s.role_assignments {
            if !a.internal && listed.contains(&(&a.scope, a.role.id.as_str())) {
                if let Some(e) = counted.get_mut(&(&a.scope, a.principal.kind.as_str())) {
                    e.1 += 1;
                }
            }
        }
        let harness: usize = counted.values().map(|c| c.0).sum();
        let stored: usize = counted.values().map(|c| c.1).sum();
        let short: Vec<String> = counted
            .iter()
            .filter(|(_, (h, st))| h != st)
            .map(|((scope, kind), (h, st))| {
                let what = match *kind {
                    "USER" => "users",
                    "USER_GROUP" => "user groups",
                    _ => "service accounts",
                };
                if h > st {
                    format!("{scope}: {} fewer to {what} than Harness counts (the key may not view {what} there: Harness leaves them out of the list without an error)", h - st)
                } else {
                    format!("{scope}: {} more to {what} than Harness counts (assignments made while the lists were read)", st - h)
                }
            })
            .collect();
        let why = if short.len() > NAMED {
            format!(
                "{}; and {} more",
                short[..NAMED].join("; "),
                short.len() - NAMED
            )
        } else {
            short.join("; ")
        };
        v.push(
            Step::new("role assignments Harness counts in its role lists", harness).against(
                "role assignments stored for those roles and scopes",
                stored,
                &why,
            ),
        );
    }
    let with_count: Vec<&ServiceAccount> = s
        .service_accounts
        .iter()
        .filter(|x| x.api_key_count.is_some())
        .collect();
    if !with_count.is_empty() {
        let mut stored_keys: BTreeMap<(&Scope, &str), usize> = BTreeMap::new();
        for k in &s.api_keys {
            if k.key_type == ApiKeyType::ServiceAccount {
                *stored_keys
                    .entry((&k.scope, k.parent.as_str()))
                    .or_default() += 1;
            }
        }
        let mut harness = 0;
        let mut stored = 0;
        let mut unknown: Vec<String> = Vec::new();
        for sa in &with_count {
            let n = sa.api_key_count.unwrap_or(0) as usize;
            let have = stored_keys
                .get(&(&sa.scope, sa.id.as_str()))
                .copied()
                .unwrap_or(0);
            harness += n;
            stored += have;
            if n > have {
                unknown.push(format!(
                    "{} API key{} of sa:{}/{} exist{} but could not be listed: {} tokens and their expiry are unknown",
                    n - have,
                    if n - have == 1 { "" } else { "s" },
                    sa.scope,
                    sa.id,
                    if n - have == 1 { "s" } else { "" },
                    if n - have == 1 { "its" } else { "their" }
                ));
            }
        }
        let why = if unknown.is_empty() {
            "keys made or deleted while the lists were read".to_string()
        } else if unknown.len() > NAMED {
            format!(
                "{}; and {} more service accounts",
                unknown[..NAMED].join("; "),
                unknown.len() - NAMED
            )
        } else {
            unknown.join("; ")
        };
        v.push(
            Step::new(
                "service-account API keys Harness counts (its tokensCount counts keys)",
                harness,
            )
            .against("API keys stored for those service accounts", stored, &why),
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::AssignmentCounts;
    use crate::testkit::*;

    #[test]
    fn harness_counts_name_what_the_lists_left_out() {
        let mut f = Fixture::new();
        f.user_in("ann", &[proj()]).user_in("bob", &[proj()]);
        f.role(&proj(), "dev", &["core_pipeline_view"]);
        f.assign(&proj(), user("ann"), "dev", ALL_PROJECT);
        f.assign(&proj(), user("bob"), "dev", ALL_PROJECT);
        f.service_account(&proj(), "bot");
        let set = |f: &mut Fixture, users: u64, keys: u64| {
            let r = f
                .snapshot
                .roles
                .iter_mut()
                .find(|r| r.id.as_str() == "dev")
                .unwrap();
            r.assignment_counts = Some(AssignmentCounts {
                users,
                ..Default::default()
            });
            f.sa_mut("bot").api_key_count = Some(keys);
        };
        // Harness counts what was stored: equal.
        set(&mut f, 2, 0);
        let steps = counted_by_harness(&f.snapshot);
        assert_eq!(steps.len(), 2);
        assert!(steps.iter().all(|x| x.difference() == Some(0)), "{steps:?}");
        assert!(steps.iter().all(|x| x.why == "equal"), "{steps:?}");
        // Harness counts a third user assignment the list did not return,
        // and two API keys nobody could list.
        set(&mut f, 3, 2);
        let steps = counted_by_harness(&f.snapshot);
        assert_eq!(steps[0].difference(), Some(1));
        assert!(
            steps[0]
                .why
                .contains("project:eng/pay: 1 fewer to users than Harness counts"),
            "{}",
            steps[0].why
        );
        assert_eq!(steps[1].difference(), Some(2));
        assert!(
            steps[1].why.contains(
                "2 API keys of sa:project:eng/pay/bot exist but could not be listed: their tokens and their expiry are unknown"
            ),
            "{}",
            steps[1].why
        );
        // A snapshot without Harness's counts (older, or roles read another
        // way) adds no step.
        for r in &mut f.snapshot.roles {
            r.assignment_counts = None;
        }
        f.sa_mut("bot").api_key_count = None;
        assert!(counted_by_harness(&f.snapshot).is_empty());
    }
}
