//! The review campaign's second half: `reviewpack collect` checks the pack
//! against its seal, reads the workbooks reviewers send back (or CSV exports
//! of their Entitlements sheet), matches every row to the entitlement the
//! pack sent (`reviewers/assignments.csv`), takes it only from the file of
//! the reviewer it was sent to, and says what is missing or wrong (the
//! problem kinds below, each in docs/reports.md): files of another snapshot,
//! naming no reviewer, unreadable, replaced, or with the wrong return code;
//! rows invented, moved, changed, wrongly signed, dated, or modified;
//! conflicts; self-review; missing reasons and tickets; undecided rows;
//! rubber-stamping.
//!
//! Every entitlement goes to `decisions.csv` (its accepted decision, or
//! none), which `diff --decisions` reads next quarter; `campaign.json`,
//! `campaign.xlsx` and `campaign.html` report per reviewer, the status and
//! every problem; `follow-up.csv` says who still has something to do.
//!
//! The first half (who reviews what, the reviewer workbooks) is in
//! [`crate::report::reviewers`] and [`crate::report::split`].

mod check;
mod pack;
mod read;
mod render;
pub(crate) mod tags;

pub use check::{collect, CollectOptions, Collected};
pub use pack::{read_pack, AssignedRow, CampaignDates, PackCampaign, PackError};
pub use read::{read_returned, Returned, ReturnedRow};
pub use render::{follow_ups, render_page, write_outputs, CAMPAIGN_SCHEMA, FOLLOW_UP_CSV};

use serde::Serialize;

use crate::findings::Severity;

/// A returned file that could not be read: a problem for that file, never
/// the end of the collection.
#[derive(Debug, Clone)]
pub struct Unreadable {
    /// The file name.
    pub file: String,
    /// Its SHA-256, when its bytes could be read.
    pub sha256: Option<String>,
    /// Why, in one line.
    pub error: String,
}

/// Each distinct text once, shared: a campaign's rows repeat the same
/// reviewer, sheet, date, reason and principal thousands of times.
#[derive(Debug, Default)]
pub struct Texts(std::collections::HashMap<Box<str>, std::sync::Arc<str>>);

impl Texts {
    /// The shared copy of `s` (allocated the first time only).
    pub fn get(&mut self, s: &str) -> std::sync::Arc<str> {
        if let Some(t) = self.0.get(s) {
            return t.clone();
        }
        let t: std::sync::Arc<str> = std::sync::Arc::from(s);
        self.0.insert(s.into(), t.clone());
        t
    }
}

/// What is wrong with a returned file or row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// The file is from another snapshot (or says none).
    ForeignFile,
    /// The file names no reviewer: it decides nothing.
    UnnamedFile,
    /// The file's return code is missing or is not its reviewer's.
    UnverifiedFile,
    /// The file could not be read at all.
    UnreadableFile,
    /// The file names a reviewer who was sent nothing.
    UnknownReviewer,
    /// A sheet with decisions but no Row key column, or a CSV export of the
    /// About sheet: nothing in it can be matched.
    NoRowKeys,
    /// A row's key is not one the pack sent.
    InventedRow,
    /// A row's key, or what it names, was changed, or it sits in another
    /// reviewer's file.
    ChangedRow,
    /// The Reviewer cell names someone other than the file's reviewer.
    WrongReviewer,
    /// A decision moved from another row (the decision column sorted
    /// alone).
    MovedDecision,
    /// The same row decided differently (in one file or two).
    DecidedTwice,
    /// A decision word that is not Keep, Revoke or Modify.
    UnknownDecision,
    /// The reviewer decided on their own access.
    SelfReview,
    /// A review date that is not a date, or is before the snapshot.
    BadDate,
    /// Modify to names no role or resource group of the snapshot.
    ModifyTargetUnknown,
    /// Modify on an entitlement that is not a role assignment.
    ModifyNotApplicable,
    /// Keep on admin or escalation access with no justification.
    KeepWithoutJustification,
    /// Modify with nothing in Modify to.
    ModifyWithoutTarget,
    /// Privileged entitlements (admin, escalation, service accounts,
    /// tokens) assigned but not decided.
    UndecidedPrivileged,
    /// Rows assigned but not decided.
    Undecided,
    /// Many rows, all Keep, or all decided in the same minute.
    RubberStamp,
    /// Revoke or Modify with no ticket.
    NoTicket,
    /// A file set aside for the corrected file of the same reviewer.
    ReplacedFile,
}

impl ProblemKind {
    /// The kebab-case code every output uses.
    pub fn code(self) -> &'static str {
        match self {
            ProblemKind::ForeignFile => "foreign-file",
            ProblemKind::UnnamedFile => "unnamed-file",
            ProblemKind::UnverifiedFile => "unverified-file",
            ProblemKind::UnreadableFile => "unreadable-file",
            ProblemKind::UnknownReviewer => "unknown-reviewer",
            ProblemKind::NoRowKeys => "no-row-keys",
            ProblemKind::InventedRow => "invented-row",
            ProblemKind::ChangedRow => "changed-row",
            ProblemKind::WrongReviewer => "wrong-reviewer",
            ProblemKind::MovedDecision => "moved-decision",
            ProblemKind::DecidedTwice => "decided-twice",
            ProblemKind::UnknownDecision => "unknown-decision",
            ProblemKind::SelfReview => "self-review",
            ProblemKind::BadDate => "bad-date",
            ProblemKind::ModifyTargetUnknown => "modify-target-unknown",
            ProblemKind::ModifyNotApplicable => "modify-not-applicable",
            ProblemKind::KeepWithoutJustification => "keep-without-justification",
            ProblemKind::ModifyWithoutTarget => "modify-without-target",
            ProblemKind::UndecidedPrivileged => "undecided-privileged",
            ProblemKind::Undecided => "undecided",
            ProblemKind::RubberStamp => "rubber-stamp",
            ProblemKind::NoTicket => "no-ticket",
            ProblemKind::ReplacedFile => "replaced-file",
        }
    }

    /// How serious it is (`--fail-on` compares with it).
    pub fn severity(self) -> Severity {
        match self {
            ProblemKind::ForeignFile | ProblemKind::UnnamedFile | ProblemKind::UnverifiedFile => {
                Severity::Critical
            }
            ProblemKind::UnreadableFile
            | ProblemKind::UnknownReviewer
            | ProblemKind::NoRowKeys
            | ProblemKind::InventedRow
            | ProblemKind::ChangedRow
            | ProblemKind::WrongReviewer
            | ProblemKind::MovedDecision
            | ProblemKind::DecidedTwice
            | ProblemKind::SelfReview
            | ProblemKind::UndecidedPrivileged => Severity::High,
            ProblemKind::UnknownDecision
            | ProblemKind::BadDate
            | ProblemKind::ModifyTargetUnknown
            | ProblemKind::ModifyNotApplicable
            | ProblemKind::KeepWithoutJustification
            | ProblemKind::ModifyWithoutTarget
            | ProblemKind::Undecided
            | ProblemKind::RubberStamp => Severity::Medium,
            ProblemKind::NoTicket => Severity::Low,
            ProblemKind::ReplacedFile => Severity::Info,
        }
    }

    /// Every kind, strongest first.
    pub const ALL: [ProblemKind; 23] = [
        ProblemKind::ForeignFile,
        ProblemKind::UnnamedFile,
        ProblemKind::UnverifiedFile,
        ProblemKind::UnreadableFile,
        ProblemKind::UnknownReviewer,
        ProblemKind::NoRowKeys,
        ProblemKind::InventedRow,
        ProblemKind::ChangedRow,
        ProblemKind::WrongReviewer,
        ProblemKind::MovedDecision,
        ProblemKind::DecidedTwice,
        ProblemKind::SelfReview,
        ProblemKind::UndecidedPrivileged,
        ProblemKind::UnknownDecision,
        ProblemKind::BadDate,
        ProblemKind::ModifyTargetUnknown,
        ProblemKind::ModifyNotApplicable,
        ProblemKind::KeepWithoutJustification,
        ProblemKind::ModifyWithoutTarget,
        ProblemKind::Undecided,
        ProblemKind::RubberStamp,
        ProblemKind::NoTicket,
        ProblemKind::ReplacedFile,
    ];
}

/// One problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// How serious.
    pub severity: Severity,
    /// What kind.
    pub kind: ProblemKind,
    /// The reviewer concerned, when one is.
    pub reviewer: Option<String>,
    /// The returned file, when one is.
    pub file: Option<String>,
    /// The sheet (the file name for a CSV file).
    pub sheet: Option<String>,
    /// The 1-based row in that sheet.
    pub row: Option<usize>,
    /// The row key concerned.
    pub row_key: Option<String>,
    /// Whom and what that row is about, as the pack sent it (none for a
    /// row key the pack never sent).
    pub about: Option<About>,
    /// One sentence.
    pub message: String,
}

/// Whom and what a row of the campaign is about, as the pack sent it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct About {
    /// The principal: user uuid or `sa:SCOPE/ID`.
    pub principal_id: String,
    /// Its name in the pack's snapshot, when it is there.
    pub principal_name: Option<String>,
    /// Its email, when it has one.
    pub principal_email: Option<String>,
    /// The entitlement in words.
    pub entitlement: String,
}
