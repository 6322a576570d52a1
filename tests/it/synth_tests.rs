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
