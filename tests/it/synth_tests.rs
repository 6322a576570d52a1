//! The synthetic-account generator: deterministic, loadable, and a pull of
//! it (with lists spanning many pages) round-trips through the fake API.

use reviewpack::graph::AccessGraph;
use reviewpack::snapshot;

use crate::fake_harness::FakeHarness;
use crate::synth::{generate, Shape};
use crate::util::{reviewpack, stderr_of, tempdir};

#[test]
fn same_shape_and_seed_give_the_same_bytes() {
    let shape = Shape::scaled(500);
    let a = snapshot::to_bytes(&generate(shape));
    let b = snapshot::to_bytes(&generate(shape));
    assert_eq!(a, b);
    let other = snapshot::to_bytes(&generate(Shape { seed: 7, ..shape }));
    assert_ne!(a, other);
}

#[test]
fn synthetic_account_has_the_requested_shape_and_builds_a_graph() {
    let shape = Shape::scaled(1_000);
    let s = generate(shape);
    assert_eq!(s.users.len(), 1_000);
    assert_eq!(s.role_assignments.len(), shape.assignments);
    let bytes = snapshot::to_bytes(&s);
    let loaded = snapshot::from_slice(std::path::Path::new("synth.json"), &bytes).unwrap();
    let g = AccessGraph::build(&loaded);
    assert!(g.grants.len() > shape.assignments, "groups fan out");
    assert!(g.principals().any(|p| g
        .admin_scopes(p)
        .iter()
        .any(|sc| sc.to_string() == "account")));
}

#[test]
fn pull_of_a_synthetic_account_with_multi_page_lists_round_trips() {
    let want = generate(Shape::scaled(400));
    let key = "sat.SynthACCOUNT.tok.secret";
    let fake = FakeHarness::start(want.clone(), key);
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = reviewpack()
        .env("HARNESS_API_KEY", key)
        .args(["pull", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args([
            "--concurrency",
            "16",
            "--activity-end",
            "2026-10-01T09:00:00Z",
            "-o",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert!(got.completeness.complete);
    assert!(
        got.completeness.lists.iter().any(|l| l.pages > 1),
        "some list spans pages"
    );
    assert_eq!(got.users, want.users);
    assert_eq!(got.user_groups, want.user_groups);
    assert_eq!(got.role_assignments, want.role_assignments);
    assert_eq!(got.roles, want.roles);
    assert_eq!(got.resource_groups, want.resource_groups);
    assert_eq!(got.service_accounts, want.service_accounts);
    assert_eq!(got.tokens, want.tokens);
    assert_eq!(got.activity.logins, want.activity.logins);
}

#[test]
fn the_synthetic_account_is_one_harness_could_return() {
    use reviewpack::graph::{AssignmentStatus, OrphanReason};
    use std::collections::BTreeMap;
    let shape = Shape::scaled(5_000);
    let s = generate(shape);
    // It passes the load checks (no object twice, every object at a scope
    // of the snapshot).
    let bytes = snapshot::to_bytes(&s);
    let loaded = snapshot::from_slice(std::path::Path::new("synth.json"), &bytes).unwrap();
    let s = &loaded;
    // Every group member is a member of the group's scope.
    let scopes_of: BTreeMap<&str, &Vec<reviewpack::snapshot::Scope>> =
        s.users.iter().map(|u| (u.id.as_str(), &u.scopes)).collect();
    for g in &s.user_groups {
        for m in &g.members {
            assert!(
                scopes_of[m.as_str()].contains(&g.scope),
                "{} in {}",
                m,
                g.id
            );
        }
    }
    // No binding twice.
    let mut seen = std::collections::BTreeSet::new();
    for a in &s.role_assignments {
        assert!(
            seen.insert((&a.scope, &a.principal, &a.role.id, &a.resource_group)),
            "{} binds twice",
            a.id
        );
    }
    // Only the intended orphans: deleted users, 0.5%; 0.5% disabled.
    let g = AccessGraph::build(s);
    let orphans: Vec<usize> = (0..s.role_assignments.len())
        .filter(|&i| matches!(g.assignments[i].status, AssignmentStatus::Orphaned(_)))
        .collect();
    assert_eq!(
        orphans.len(),
        shape.assignments * shape.orphans_per_mille / 1000
    );
    for &i in &orphans {
        assert_eq!(
            g.assignments[i].status,
            AssignmentStatus::Orphaned(vec![OrphanReason::PrincipalMissing])
        );
        assert!(s.role_assignments[i].principal.id.starts_with("deleted"));
    }
    let disabled = s.role_assignments.iter().filter(|a| a.disabled).count();
    let want = shape.assignments * shape.disabled_per_mille / 1000;
    assert!(
        disabled > want / 2 && disabled < want * 2,
        "{disabled} vs {want}"
    );
    // Findings a real account could have: a few per user, most of them
    // direct-user-grant (Harness binds a role to each user added to a
    // project), fewer than two of any other kind, and no rule dominated by
    // generator noise. Users are in a group or two.
    let memberships: usize = s.user_groups.iter().map(|g| g.members.len()).sum();
    assert!(
        memberships * 2 > s.users.len() * 3,
        "{memberships} memberships for {} users",
        s.users.len()
    );
    let eval = reviewpack::findings::evaluate(
        &g,
        &reviewpack::findings::Policy::default(),
        s.captured_at(),
    );
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &eval.findings {
        *per_rule.entry(f.rule.as_str()).or_default() += 1;
    }
    assert_eq!(per_rule.get("orphaned-assignment"), Some(&orphans.len()));
    let per_user = eval.findings.len() as f64 / s.users.len() as f64;
    assert!(per_user < 5.0, "{per_user} findings per user: {per_rule:?}");
    let direct = per_rule.get("direct-user-grant").copied().unwrap_or(0);
    assert!(
        (eval.findings.len() - direct) * 2 < s.users.len() * 3,
        "{per_rule:?}"
    );
    let inactive = per_rule.get("inactive-user").copied().unwrap_or(0);
    assert!(
        inactive * 100 < s.users.len() * 15,
        "{inactive} inactive of {}",
        s.users.len()
    );
}

#[test]
fn next_quarter_of_a_synthetic_account_stays_valid() {
    let mut s = generate(Shape::scaled(1_000));
    crate::synth::next_quarter(&mut s);
    let bytes = snapshot::to_bytes(&s);
    snapshot::from_slice(std::path::Path::new("q.json"), &bytes).unwrap();
}

#[test]
fn next_quarter_changes_only_what_it_says() {
    // Evaluated a quarter later, the account's findings differ only by the
    // stated changes: moving the evidence with the pull keeps inactivity and
    // token expiry where they were.
    let before = generate(Shape::scaled(1_000));
    let mut after = before.clone();
    crate::synth::next_quarter(&mut after);
    let policy = reviewpack::findings::Policy::default();
    let count = |s: &reviewpack::snapshot::Snapshot, rule: &str| {
        let g = AccessGraph::build(s);
        reviewpack::findings::evaluate(&g, &policy, s.captured_at())
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .count()
    };
    for rule in [
        "inactive-user",
        "token-expired-not-removed",
        "token-long-lived",
    ] {
        let (b, a) = (count(&before, rule), count(&after, rule));
        assert!(a <= b, "{rule}: {b} before, {a} after");
    }
}
