//! Step 1: a disabled assignment is a dormant binding, listed but never
//! access; what re-enabling it would grant is kept.

use super::*;

#[test]
fn disabled_assignment_grants_nothing_but_keeps_what_reenabling_would_grant() {
    let mut f = Fixture::new();
    f.user_in("alice", &[]).user_in("bob", &[]);
    let off = f.assign(
        &account(),
        user("alice"),
        role("_account_admin"),
        ALL_CHILDREN,
    );
    f.disable(off);
    let on = f.assign(
        &account(),
        user("bob"),
        role("_account_admin"),
        ALL_CHILDREN,
    );
    let s = f.snapshot;
    let g = AccessGraph::build(&s);

    assert_eq!(status(&g, off), &AssignmentStatus::Disabled);
    assert_eq!(status(&g, off).as_str(), "disabled");
    assert!(held(&g, "alice").is_empty());
    assert_eq!(
        g.highest_level(principal(&g, "alice")),
        PrivilegeLevel::None
    );
    assert_eq!(access(&g, off).level, PrivilegeLevel::Admin);
    assert_eq!(access(&g, off).admin_of, Some(account()));

    assert_eq!(status(&g, on), &AssignmentStatus::Active);
    assert_eq!(held(&g, "bob"), vec![(on, "direct".to_string())]);
}
