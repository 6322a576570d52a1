//! One test per problem kind, each with its near miss.

use super::*;
use crate::campaign::pack::AssignedRow;
use crate::campaign::read::{Returned, ReturnedRow};

const SHA: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A pack of `n` Effective Access rows for pat, of principal uN, and one
/// admin row (key EA:admin...) and one row about pat herself.
fn pack(n: usize, rubber: usize) -> PackCampaign {
    let mut p = PackCampaign {
        snapshot_sha256: SHA.into(),
        rubber_stamp_rows: rubber,
        ..PackCampaign::default()
    };
    let mut add = |key: String, pid: &str, email: &str, level: &str, reviewer: &str| {
        let key: std::sync::Arc<str> = key.into();
        p.index.insert(key.clone(), p.rows.len());
        p.rows.push((
            key,
            AssignedRow {
                sheet: "Effective Access".into(),
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
            format!("EA:u{i}|direct|account/ra{i}"),
            &format!("u{i}"),
            &format!("u{i}@example.com"),
            "read",
            "pat@example.com",
        );
    }
    add(
        "EA:boss|direct|account/ra-admin".into(),
        "boss",
        "boss@example.com",
        "admin",
        "pat@example.com",
    );
    add(
        "EA:pat|direct|account/ra-pat".into(),
        "pat",
        "pat@example.com",
        "read",
        "sam@example.com",
    );
    p
}

fn row(key: &str, decision: &str) -> ReturnedRow {
    ReturnedRow {
        sheet: "Effective Access".into(),
        sheet_base: "Effective Access".into(),
        row: 4,
        key: key.into(),
        decision: decision.into(),
        reviewer: "pat@example.com".into(),
        review_date: "2026-10-15".into(),
        justification: "needed".into(),
        ticket: "T-1".into(),
        modify_to: "".into(),
        principal_id: "".into(),
    }
}

fn file(name: &str, reviewer: &str, rows: Vec<ReturnedRow>) -> Returned {
    Returned {
        file: name.into(),
        sha256: "f".repeat(64),
        snapshot_sha256: Some(SHA.into()),
        reviewer: Some(reviewer.into()),
        rows,
    }
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
    let c = collect(&p, [f.clone()], None);
    assert!(has(&c, ProblemKind::ForeignFile));
    assert_eq!(c.totals.decided, 0);
    // Near miss: the same file from this pack is read.
    f.snapshot_sha256 = Some(SHA.into());
    let c = collect(&p, [f], None);
    assert!(!has(&c, ProblemKind::ForeignFile));
    assert_eq!(c.totals.decided, 3);
    // A file naming no snapshot at all is refused too.
    let mut g = file("x.csv", "pat@example.com", vec![]);
    g.snapshot_sha256 = None;
    assert!(has(&collect(&p, [g], None), ProblemKind::ForeignFile));
}

#[test]
fn invented_and_changed_rows_are_refused_with_file_sheet_and_row() {
    let p = pack(2, 20);
    let mut rows = all_of_pat(&p, &|k| row(k, "Keep"));
    rows.push(row("EA:ghost|direct|account/ra9", "Revoke"));
    let c = collect(&p, [file("pat.xlsx", "pat@example.com", rows)], None);
    let invented = c
        .problems
        .iter()
        .find(|x| x.kind == ProblemKind::InventedRow)
        .unwrap();
    assert!(
        invented
            .message
            .starts_with("pat.xlsx, sheet Effective Access, row 4:"),
        "{}",
        invented.message
    );
    assert_eq!(c.totals.refused, 1);
    // A row moved to another sheet, into another reviewer's file, or
    // naming another principal is changed.
    let mut moved = row("EA:u0|direct|account/ra0", "Keep");
    moved.sheet_base = "Principals".into();
    let mut other_principal = row("EA:u1|direct|account/ra1", "Keep");
    other_principal.principal_id = "u7".into();
    let c = collect(
        &p,
        [file(
            "pat.xlsx",
            "pat@example.com",
            vec![moved, other_principal],
        )],
        None,
    );
    assert_eq!(
        kinds(&c)
            .iter()
            .filter(|k| **k == ProblemKind::ChangedRow)
            .count(),
        2
    );
    let sams_row = row("EA:pat|direct|account/ra-pat", "Keep");
    let c = collect(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![sams_row.clone()])],
        None,
    );
    assert!(has(&c, ProblemKind::ChangedRow), "sam's row in pat's file");
    // Near miss: the same row in sam's own file is fine.
    let c = collect(
        &p,
        [file("sam.xlsx", "sam@example.com", vec![sams_row])],
        None,
    );
    assert!(!has(&c, ProblemKind::ChangedRow));
}

#[test]
fn a_row_decided_differently_in_two_files_is_taken_from_neither() {
    let p = pack(1, 20);
    let a = file(
        "pat.xlsx",
        "pat@example.com",
        vec![row("EA:u0|direct|account/ra0", "Keep")],
    );
    let b = file(
        "pat-2.xlsx",
        "pat@example.com",
        vec![row("EA:u0|direct|account/ra0", "Revoke")],
    );
    let c = collect(&p, [a.clone(), b], None);
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
    let c = collect(&p, [a.clone(), a], None);
    assert!(!has(&c, ProblemKind::DecidedTwice));
    assert_eq!(c.accepted.len(), 1);
}

#[test]
fn self_review_is_found_by_email_and_roster_alias() {
    let p = pack(1, 20);
    let mut mine = row("EA:pat|direct|account/ra-pat", "Keep");
    mine.reviewer = "Pat@Example.com".into();
    let c = collect(
        &p,
        [file("sam.xlsx", "sam@example.com", vec![mine.clone()])],
        None,
    );
    assert!(has(&c, ProblemKind::SelfReview));
    // Near miss: sam decides it.
    mine.reviewer = "sam@example.com".into();
    let c = collect(
        &p,
        [file("sam.xlsx", "sam@example.com", vec![mine.clone()])],
        None,
    );
    assert!(!has(&c, ProblemKind::SelfReview));
    // Pat under another address the roster lists is still pat.
    mine.reviewer = "p.alias@example.com".into();
    let roster = Roster::parse(
        "hr.csv",
        b"email,status,aliases\npat@example.com,active,p.alias@example.com\n",
        None,
    )
    .unwrap();
    let c = collect(
        &p,
        [file("sam.xlsx", "sam@example.com", vec![mine])],
        Some(&roster),
    );
    assert!(has(&c, ProblemKind::SelfReview));
}

#[test]
fn keep_on_admin_needs_a_justification_and_changes_need_tickets() {
    let p = pack(1, 20);
    let mut admin = row("EA:boss|direct|account/ra-admin", "Keep");
    admin.justification = "".into();
    let mut revoke = row("EA:u0|direct|account/ra0", "Revoke");
    revoke.ticket = "".into();
    let c = collect(
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
    let mut plain = row("EA:u0|direct|account/ra0", "Keep");
    plain.justification = "".into();
    let c = collect(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![admin, plain])],
        None,
    );
    assert!(!has(&c, ProblemKind::KeepWithoutJustification));
    let c = collect(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![revoke])],
        None,
    );
    assert!(!has(&c, ProblemKind::NoTicket));
}

#[test]
fn modify_needs_a_target_and_unknown_words_are_named() {
    let p = pack(1, 20);
    let modify = row("EA:u0|direct|account/ra0", "Modify");
    let c = collect(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![modify.clone()])],
        None,
    );
    assert!(has(&c, ProblemKind::ModifyWithoutTarget));
    let mut with_target = modify;
    with_target.modify_to = "_account_viewer".into();
    let c = collect(
        &p,
        [file("pat.xlsx", "pat@example.com", vec![with_target])],
        None,
    );
    assert!(!has(&c, ProblemKind::ModifyWithoutTarget));
    let approve = row("EA:u0|direct|account/ra0", "Approve");
    let c = collect(
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
    let c = collect(&p, [file("pat.xlsx", "pat@example.com", rows)], None);
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
    let c = collect(
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
    let c = collect(
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
    let c = collect(
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
    let c = collect(
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
    let c = collect(
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
