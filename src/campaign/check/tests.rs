//! One test per problem kind, each with its near miss.

use super::*;
use crate::campaign::pack::AssignedRow;
use crate::campaign::read::{Returned, ReturnedRow};

const SHA: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A pack of `n` role-assignment rows for pat (principal uN), one admin
/// assignment for pat, a project membership of pat's reviewed by sam, and
/// one unassigned row.
fn pack(n: usize, rubber: usize) -> PackCampaign {
    let mut p = PackCampaign {
        snapshot_sha256: SHA.into(),
        captured_at: "2026-10-01T09:00:00Z".into(),
        rubber_stamp_rows: rubber,
        ..PackCampaign::default()
    };
    p.targets.roles = ["_account_viewer", "account viewer"]
        .into_iter()
        .map(String::from)
        .collect();
    p.targets.resource_groups = ["_all_account_level_resources"]
        .into_iter()
        .map(String::from)
        .collect();
    let mut add = |key: String, kind: &str, pid: &str, email: &str, level: &str, reviewer: &str| {
        let key: std::sync::Arc<str> = key.into();
        p.index.insert(key.clone(), p.rows.len());
        p.rows.push((
            key,
            AssignedRow {
                kind: kind.into(),
                entitlement: "an entitlement".into(),
                reviewer: reviewer.into(),
                basis: "scope".into(),
                principal_id: pid.into(),
                principal_email: email.into(),
                privilege_level: level.into(),
            },
        ));
    };
    for i in 0..n {
        add(
            format!("RA:account/ra{i}"),
            "RA",
            &format!("u{i}"),
            &format!("u{i}@example.com"),
            "read",
            "pat@example.com",
        );
    }
    add(
        "RA:account/ra-admin".into(),
        "RA",
        "boss",
        "boss@example.com",
        "admin",
        "pat@example.com",
    );
    add(
        "SM:pat|org:eng".into(),
        "SM",
        "pat",
        "pat@example.com",
        "read",
        "sam@example.com",
    );
    add(
        "PR:nobody".into(),
        "PR",
        "nobody",
        "nobody@example.com",
        "read",
        "",
    );
    p
}

fn row(key: &str, decision: &str) -> ReturnedRow {
    ReturnedRow {
        sheet: "Entitlements".into(),
        row: 4,
        key: key.into(),
        decision: decision.into(),
        reviewer: "".into(),
        review_date: "2026-10-15".into(),
        justification: "needed".into(),
        ticket: "T-1".into(),
        modify_to: "".into(),
        principal_id: "".into(),
        moved: false,
    }
}

/// A returned file for `reviewer`; rows with an empty Reviewer cell get the
/// reviewer's email, as a reviewer fills it in.
fn file(name: &str, reviewer: &str, mut rows: Vec<ReturnedRow>) -> Returned {
    for r in &mut rows {
        if r.reviewer.is_empty() {
            r.reviewer = reviewer.into();
        }
    }
    Returned {
        file: name.into(),
        sha256: format!("{:0>64}", name.len()),
        snapshot_sha256: Some(SHA.into()),
        reviewer: Some(reviewer.into()),
        rows,
        without_row_key: Vec::new(),
        about_only: false,
        code: None,
    }
}

/// Collects readable files, none corrected.
fn run<const N: usize>(
    p: &PackCampaign,
    files: [Returned; N],
    roster: Option<&Roster>,
) -> Collected {
    collect(p, files.map(Ok), &Default::default(), roster)
}

fn kinds(c: &Collected) -> Vec<ProblemKind> {
    c.problems.iter().map(|p| p.kind).collect()
}

fn has(c: &Collected, k: ProblemKind) -> bool {
    kinds(c).contains(&k)
}

/// Every row of pat's decided Keep (or as `decide` says).
fn all_of_pat(p: &PackCampaign, decide: &dyn Fn(&str) -> ReturnedRow) -> Vec<ReturnedRow> {
    p.rows
        .iter()
        .filter(|(_, a)| &*a.reviewer == "pat@example.com")
        .map(|(k, _)| decide(k))
        .collect()
}

#[test]
fn a_file_from_another_snapshot_is_refused_whole() {
    let p = pack(2, 20);
    let mut f = file(
        "pat.xlsx",
        "pat@example.com",
        all_of_pat(&p, &|k| row(k, "Keep")),
    );
    f.snapshot_sha256 = Some("b".repeat(64));
    let c = run(&p, [f.clone()], None);
    assert!(has(&c, ProblemKind::ForeignFile));
    assert_eq!(c.totals.decided, 0);
    // Near miss: the same file from this pack is read.
    f.snapshot_sha256 = Some(SHA.into());
    let c = run(&p, [f], None);
    assert!(!has(&c, ProblemKind::ForeignFile));
    assert_eq!(c.totals.decided, 3);
    // A file naming no snapshot at all is refused too.
    let mut g = file("x.csv", "pat@example.com", vec![]);
    g.snapshot_sha256 = None;
    assert!(has(&run(&p, [g], None), ProblemKind::ForeignFile));
}

#[test]
fn invented_and_changed_rows_are_refused_with_file_sheet_and_row() {
    let p = pack(2, 20);
    let mut rows = all_of_pat(&p, &|k| row(k, "Keep"));
    rows.push(row("RA:account/ghost", "Revoke"));
    let c = run(&p, [file("pat.xlsx", "pat@example.com", rows)], None);
    let invented = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::InventedRow)
        .unwrap();
    assert!(
        invented
            .message
            .starts_with("pat.xlsx, sheet Entitlements, row 4:"),
        "{}",
        invented.message
    );
    assert_eq!(c.totals.refused, 1);
    // A row naming another principal is changed.
    let mut other_principal = row("RA:account/ra1", "Keep");
    other_principal.principal_id = "u7".into();
    let c = run(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![other_principal])],
        None,
    );
    assert!(has(&c, ProblemKind::ChangedRow));
    // A row sent to sam, in pat's file, is not pat's to decide.
    let sams_row = row("SM:pat|org:eng", "Revoke");
    let c = run(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![sams_row.clone()])],
        None,
    );
    assert!(has(&c, ProblemKind::ChangedRow), "sam's row in pat's file");
    assert!(c.accepted.is_empty());
    // Near miss: the same row in sam's own file is taken.
    let c = run(
        &p,
        [file("sam.xlsx", "sam@example.com", vec![sams_row])],
        None,
    );
    assert!(!has(&c, ProblemKind::ChangedRow));
    assert_eq!(c.accepted.len(), 1);
}

#[test]
fn an_unassigned_row_is_never_taken_from_a_returned_file() {
    let p = pack(1, 20);
    let c = run(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            vec![row("PR:nobody", "Keep")],
        )],
        None,
    );
    let m = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::ChangedRow)
        .unwrap();
    assert!(m.message.contains("was sent to nobody"), "{}", m.message);
    assert!(c.accepted.is_empty());
}

#[test]
fn a_file_that_names_no_reviewer_decides_nothing() {
    // Elena's own admin rows in a CSV whose only banner line is the snapshot
    // SHA-256: nothing is taken, and it is critical.
    let p = pack(1, 20);
    let mut f = file(
        "export.csv",
        "pat@example.com",
        all_of_pat(&p, &|k| row(k, "Keep")),
    );
    f.reviewer = None;
    let c = run(&p, [f.clone()], None);
    let m = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::UnnamedFile)
        .unwrap();
    assert_eq!(m.severity, crate::findings::Severity::Critical);
    assert!(c.accepted.is_empty());
    assert_eq!(c.totals.refused, 2);
    // A file naming someone the campaign sent nothing decides nothing too.
    f.reviewer = Some("mallory@example.com".into());
    let c = run(&p, [f.clone()], None);
    assert!(has(&c, ProblemKind::UnknownReviewer));
    assert!(c.accepted.is_empty());
    // Near miss: named for pat, pat's rows are taken.
    f.reviewer = Some("pat@example.com".into());
    assert_eq!(run(&p, [f], None).accepted.len(), 2);
}

#[test]
fn the_reviewer_cell_must_name_the_files_reviewer() {
    let p = pack(1, 20);
    let mut r = row("RA:account/ra0", "Revoke");
    r.reviewer = "mallory@example.com".into();
    let c = run(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![r.clone()])],
        None,
    );
    assert!(has(&c, ProblemKind::WrongReviewer));
    assert!(c.accepted.is_empty());
    // An empty Reviewer cell names nobody: refused too.
    let mut empty = r.clone();
    empty.reviewer = "".into();
    let mut f = file("pat.xlsx", "pat@example.com", vec![]);
    f.rows = vec![empty];
    let c = run(&p, [f], None);
    let m = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::WrongReviewer)
        .unwrap();
    assert!(
        m.message.contains("the Reviewer cell is empty"),
        "{}",
        m.message
    );
    // Near misses: the reviewer in another case, or an alias the roster
    // lists.
    for typed in ["Pat@Example.com", "p.alias@example.com"] {
        r.reviewer = typed.into();
        let roster = Roster::parse(
            "hr.csv",
            b"email,status,aliases\npat@example.com,active,p.alias@example.com\n",
            None,
        )
        .unwrap();
        let c = run(
            &p,
            [file("pat.xlsx", "pat@example.com", vec![r.clone()])],
            Some(&roster),
        );
        assert!(!has(&c, ProblemKind::WrongReviewer), "{typed}");
        assert_eq!(c.accepted.len(), 1, "{typed}");
    }
}

#[test]
fn review_dates_must_be_dates_between_the_snapshot_and_the_collection() {
    let p = pack(1, 20);
    let options = CollectOptions {
        collected_at: Some("2026-10-20T12:00:00Z".parse().unwrap()),
        ..CollectOptions::default()
    };
    let dated = |date: &str| {
        let mut r = row("RA:account/ra0", "Keep");
        r.review_date = date.into();
        collect(
            &p,
            [Ok(file("pat.xlsx", "pat@example.com", vec![r]))],
            &options,
            None,
        )
    };
    for bad in [
        "Oct 7",
        "2026-13-45",
        "2026-09-30",
        "07/10/2026",
        "",
        "2026-10-21",
    ] {
        let c = dated(bad);
        assert!(has(&c, ProblemKind::BadDate), "{bad}");
        assert!(c.accepted.is_empty(), "{bad}");
    }
    for good in [
        "2026-10-01",
        "2026-10-15",
        "2026-10-15 09:30:12",
        "2026-10-15T09:30:12Z",
        "2026-10-20",
    ] {
        let c = dated(good);
        assert!(!has(&c, ProblemKind::BadDate), "{good}");
        assert_eq!(c.accepted.len(), 1, "{good}");
    }
}

#[test]
fn modify_is_for_role_assignments_and_must_name_what_exists() {
    let p = pack(1, 20);
    let mut r = row("RA:account/ra0", "Modify");
    for (target, ok) in [
        ("_account_viewer", true),
        ("Account Viewer on _all_account_level_resources", true),
        ("_acount_viewer", false),
        ("_account_viewer on no_such_group", false),
    ] {
        r.modify_to = target.into();
        let c = run(
            &p,
            [file("pat.xlsx", "pat@example.com", vec![r.clone()])],
            None,
        );
        assert_eq!(!has(&c, ProblemKind::ModifyTargetUnknown), ok, "{target}");
        assert_eq!(c.accepted.len(), usize::from(ok), "{target}");
    }
    // Modify of a membership names no role: refused.
    let mut m = row("SM:pat|org:eng", "Modify");
    m.modify_to = "_account_viewer".into();
    let c = run(&p, [file("sam.xlsx", "sam@example.com", vec![m])], None);
    assert!(has(&c, ProblemKind::ModifyNotApplicable));
    assert!(c.accepted.is_empty());
}

#[test]
fn the_same_row_twice_in_one_file_is_a_conflict() {
    let p = pack(1, 20);
    let twice = vec![
        row("RA:account/ra0", "Keep"),
        row("RA:account/ra0", "Revoke"),
    ];
    let c = run(&p, [file("pat.xlsx", "pat@example.com", twice)], None);
    assert!(has(&c, ProblemKind::DecidedTwice));
    assert!(c.accepted.is_empty());
    // Near miss: the same decision twice is one.
    let same = vec![row("RA:account/ra0", "Keep"), row("RA:account/ra0", "Keep")];
    let c = run(&p, [file("pat.xlsx", "pat@example.com", same)], None);
    assert!(!has(&c, ProblemKind::DecidedTwice));
    assert_eq!(c.accepted.len(), 1);
}

#[test]
fn a_corrected_file_replaces_its_reviewers_earlier_files_visibly() {
    let p = pack(1, 20);
    let first = file(
        "pat.xlsx",
        "pat@example.com",
        vec![row("RA:account/ra0", "Keep")],
    );
    let fixed = file(
        "pat-fixed.xlsx",
        "pat@example.com",
        vec![row("RA:account/ra0", "Revoke")],
    );
    // Without saying which is the correction: a conflict.
    let c = run(&p, [fixed.clone(), first.clone()], None);
    assert!(has(&c, ProblemKind::DecidedTwice));
    // Named as corrected (and so read first): it replaces the earlier one.
    let corrected = std::collections::BTreeSet::from([fixed.sha256.clone()]);
    let options = CollectOptions {
        corrected,
        ..CollectOptions::default()
    };
    let c = collect(&p, [Ok(fixed), Ok(first)], &options, None);
    assert!(!has(&c, ProblemKind::DecidedTwice));
    assert!(has(&c, ProblemKind::ReplacedFile));
    assert_eq!(c.accepted.len(), 1);
    assert_eq!(c.accepted[0].decision, "Revoke");
    let replaced = c.files.iter().find(|f| f.file == "pat.xlsx").unwrap();
    assert_eq!(replaced.replaced_by.as_deref(), Some("pat-fixed.xlsx"));
}

#[test]
fn an_unreadable_file_is_a_problem_and_the_others_are_collected() {
    let p = pack(1, 20);
    let bad = Err(crate::campaign::Unreadable {
        file: "broken.xlsx".into(),
        sha256: None,
        error: "not a workbook".into(),
    });
    let good = Ok(file(
        "pat.xlsx",
        "pat@example.com",
        vec![row("RA:account/ra0", "Keep")],
    ));
    let c = collect(&p, [bad, good], &CollectOptions::default(), None);
    assert!(has(&c, ProblemKind::UnreadableFile));
    assert_eq!(c.accepted.len(), 1);
}

#[test]
fn a_sheet_without_row_keys_or_an_about_export_is_said() {
    let p = pack(1, 20);
    let mut f = file("pat.xlsx", "pat@example.com", vec![]);
    f.without_row_key = vec!["Entitlements".into()];
    let c = run(&p, [f], None);
    let m = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::NoRowKeys)
        .unwrap();
    assert!(m.message.contains("no Row key column"), "{}", m.message);
    let mut f = file("pat.csv", "pat@example.com", vec![]);
    f.about_only = true;
    let c = run(&p, [f], None);
    let m = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::NoRowKeys)
        .unwrap();
    assert!(m.message.contains("About sheet"), "{}", m.message);
    // Near miss: a file with its rows says neither.
    let c = run(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            vec![row("RA:account/ra0", "Keep")],
        )],
        None,
    );
    assert!(!has(&c, ProblemKind::NoRowKeys));
}

#[test]
fn a_row_decided_differently_in_two_files_is_taken_from_neither() {
    let p = pack(1, 20);
    let a = file(
        "pat.xlsx",
        "pat@example.com",
        vec![row("RA:account/ra0", "Keep")],
    );
    let b = file(
        "pat-2.xlsx",
        "pat@example.com",
        vec![row("RA:account/ra0", "Revoke")],
    );
    let c = run(&p, [a.clone(), b], None);
    let p2 = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::DecidedTwice)
        .unwrap();
    assert!(
        p2.message.contains("Keep in pat.xlsx") && p2.message.contains("Revoke in pat-2.xlsx"),
        "{}",
        p2.message
    );
    assert!(c.accepted.is_empty());
    assert_eq!(c.totals.conflicting, 1);
    // Near miss: the same decision twice is one decision.
    let c = run(&p, [a.clone(), a], None);
    assert!(!has(&c, ProblemKind::DecidedTwice));
    assert_eq!(c.accepted.len(), 1);
}

#[test]
fn self_review_is_found_by_roster_alias() {
    // The pack routed pat's membership to an address the roster, given at
    // collect, names as pat's own.
    let mut p = pack(1, 20);
    let i = p.index["SM:pat|org:eng"];
    p.rows[i].1.reviewer = "p.alias@example.com".into();
    let mine = row("SM:pat|org:eng", "Keep");
    let roster = Roster::parse(
        "hr.csv",
        b"email,status,aliases\npat@example.com,active,p.alias@example.com\n",
        None,
    )
    .unwrap();
    let f = file("alias.xlsx", "p.alias@example.com", vec![mine]);
    let c = run(&p, [f.clone()], Some(&roster));
    assert!(has(&c, ProblemKind::SelfReview));
    assert!(
        c.accepted.is_empty(),
        "a self-reviewed decision is not taken"
    );
    // Near miss: without the roster nothing ties the two addresses.
    let c = run(&p, [f], None);
    assert!(!has(&c, ProblemKind::SelfReview));
}

#[test]
fn keep_on_admin_needs_a_justification_and_changes_need_tickets() {
    let p = pack(1, 20);
    let mut admin = row("RA:account/ra-admin", "Keep");
    admin.justification = "".into();
    let mut revoke = row("RA:account/ra0", "Revoke");
    revoke.ticket = "".into();
    let c = run(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            vec![admin.clone(), revoke.clone()],
        )],
        None,
    );
    assert!(has(&c, ProblemKind::KeepWithoutJustification));
    assert!(has(&c, ProblemKind::NoTicket));
    // Near misses: a reason on the admin row, a ticket on the Revoke,
    // and Keep without a reason on ordinary access.
    admin.justification = "break-glass".into();
    revoke.ticket = "SEC-1".into();
    let mut plain = row("RA:account/ra0", "Keep");
    plain.justification = "".into();
    let c = run(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![admin, plain])],
        None,
    );
    assert!(!has(&c, ProblemKind::KeepWithoutJustification));
    let c = run(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![revoke])],
        None,
    );
    assert!(!has(&c, ProblemKind::NoTicket));
}

#[test]
fn modify_needs_a_target_and_unknown_words_are_named() {
    let p = pack(1, 20);
    let modify = row("RA:account/ra0", "Modify");
    let c = run(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![modify.clone()])],
        None,
    );
    assert!(has(&c, ProblemKind::ModifyWithoutTarget));
    let mut with_target = modify;
    with_target.modify_to = "_account_viewer".into();
    let c = run(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![with_target])],
        None,
    );
    assert!(!has(&c, ProblemKind::ModifyWithoutTarget));
    let approve = row("RA:account/ra0", "Approve");
    let c = run(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![approve])],
        None,
    );
    let u = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::UnknownDecision)
        .unwrap();
    assert!(u.message.contains("\"Approve\""));
}

#[test]
fn undecided_rows_are_counted_per_reviewer() {
    let p = pack(3, 20);
    let mut rows = all_of_pat(&p, &|k| row(k, "Keep"));
    rows[0].decision = "".into();
    let c = run(&p, [file("pat.xlsx", "pat@example.com", rows)], None);
    let pat = c
        .reviewers
        .iter()
        .find(|r| r.reviewer == "pat@example.com")
        .unwrap();
    assert_eq!((pat.assigned, pat.decided, pat.undecided), (4, 3, 1));
    let sam = c
        .reviewers
        .iter()
        .find(|r| r.reviewer == "sam@example.com")
        .unwrap();
    assert_eq!(sam.undecided, 1, "no file came back from sam");
    let msgs: Vec<&str> = c
        .problems
        .iter()
        .filter(|x| x.kind == ProblemKind::Undecided)
        .map(|x| x.message.as_str())
        .collect();
    assert_eq!(msgs.len(), 2);
    assert!(msgs.iter().any(|m| m.contains("no file came back")));
    // Near miss: everything decided, nothing undecided for pat.
    let c = run(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            all_of_pat(&p, &|k| row(k, "Keep")),
        )],
        None,
    );
    assert!(!c
        .problems
        .iter()
        .any(|x| x.kind == ProblemKind::Undecided
            && x.reviewer.as_deref() == Some("pat@example.com")));
}

#[test]
fn rubber_stamping_is_many_keeps_or_one_minute() {
    // Five rows, threshold 3: all Keep is flagged.
    let p = pack(4, 3);
    let c = run(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            all_of_pat(&p, &|k| row(k, "Keep")),
        )],
        None,
    );
    assert!(has(&c, ProblemKind::RubberStamp));
    // Near miss: one Revoke among them.
    let c = run(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            all_of_pat(&p, &|k| {
                row(k, if k.contains("ra0") { "Revoke" } else { "Keep" })
            }),
        )],
        None,
    );
    assert!(!has(&c, ProblemKind::RubberStamp));
    // Mixed decisions, all stamped in the same minute, is flagged too.
    let stamped = |k: &str| {
        let mut r = row(k, if k.contains("ra0") { "Revoke" } else { "Keep" });
        r.review_date = "2026-10-15 09:30:12".into();
        r
    };
    let c = run(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            all_of_pat(&p, &stamped),
        )],
        None,
    );
    assert!(has(&c, ProblemKind::RubberStamp));
    // Near miss: at most the threshold, nothing is flagged.
    let p = pack(2, 3);
    let c = run(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            all_of_pat(&p, &|k| row(k, "Keep")),
        )],
        None,
    );
    assert!(!has(&c, ProblemKind::RubberStamp));
}

#[test]
fn an_undecided_privileged_entitlement_is_high_and_keeps_the_campaign_incomplete() {
    let p = pack(1, 20);
    let c = run(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            vec![row("RA:account/ra0", "Keep")],
        )],
        None,
    );
    let m = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::UndecidedPrivileged)
        .unwrap();
    assert_eq!(m.reviewer.as_deref(), Some("pat@example.com"));
    assert_eq!(m.severity, crate::findings::Severity::High);
    assert_eq!(c.status().0, "INCOMPLETE");
    // Near miss: pat decides the admin row too; sam's membership (read
    // level) is still undecided: incomplete, but not for a privileged row.
    let rows = vec![
        row("RA:account/ra0", "Keep"),
        row("RA:account/ra-admin", "Keep"),
    ];
    let c = run(
        &p,
        [file("pat.xlsx", "pat@example.com", rows.clone())],
        None,
    );
    assert!(!has(&c, ProblemKind::UndecidedPrivileged));
    assert_eq!(c.status().0, "INCOMPLETE");
    // Everything decided: complete.
    let sam = file(
        "sam.xlsx",
        "sam@example.com",
        vec![row("SM:pat|org:eng", "Keep")],
    );
    let c = run(&p, [file("pat.xlsx", "pat@example.com", rows), sam], None);
    assert_eq!(c.status().0, "COMPLETE", "{:?}", c.problems);
}
