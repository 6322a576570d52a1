//! What a rule reads: the graph, the policy, the `--as-of` time, and the
//! optional roster and previous review, in one [`Ctx`].
//!
//! It lives apart from the runner (`evaluate`) so that the rule files
//! depend on it and the runner depends on the rule files, never both ways.

use chrono::{DateTime, Utc};

use super::policy::Policy;
use super::roster::Roster;
use crate::graph::AccessGraph;
use crate::snapshot::Snapshot;

/// What every rule reads.
pub struct Ctx<'a, 's> {
    /// The graph (and through it, the snapshot).
    pub graph: &'a AccessGraph<'s>,
    /// The effective policy.
    pub policy: &'a Policy,
    /// The time inactivity and expiry are measured against.
    pub as_of: DateTime<Utc>,
    /// The workforce roster (`--roster`), when one was given.
    pub roster: Option<&'a Roster>,
    /// The previous review (`diff`, `run --previous`): a user absent from
    /// it joined since.
    pub previous: Option<&'a PreviousReview>,
    /// The policy's exemptions, indexed once per evaluation.
    pub exemptions: super::policy::ExemptionIndex<'a>,
}

/// What a review needs of the previous one: when it was captured and who
/// was there.
#[derive(Debug, Clone)]
pub struct PreviousReview {
    /// The previous snapshot's capture time.
    pub captured_at: DateTime<Utc>,
    /// Its users.
    pub users: std::collections::HashSet<crate::snapshot::UserId>,
}

impl PreviousReview {
    /// The parts of `s` a later review needs.
    pub fn of(s: &Snapshot) -> PreviousReview {
        PreviousReview {
            captured_at: s.captured_at(),
            users: s.users.iter().map(|u| u.id.clone()).collect(),
        }
    }
}

impl<'s> Ctx<'_, 's> {
    /// The snapshot.
    pub fn snapshot(&self) -> &'s Snapshot {
        self.graph.snapshot()
    }
}
