//! Findings: what a reviewer must look at, each tied to the controls it
//! evidences (design.md section 7).
//!
//! A finding is data, not an error: rules push findings; the exit code is
//! decided at the end from the findings at or above `--fail-on`. Rule codes
//! are stable kebab-case strings, each with a section in docs/rules.md, and a
//! finding's `id` is a stable hash of rule, principal, scope and evidence
//! keys, so the same issue keeps its id across runs (diff and reviewer
//! decisions depend on it).
//!
//! Layout: `finding` holds what a finding is; `rule` the codes, severities
//! and controls; `policy` the policy file; `roster` the workforce roster
//! file. A rule reads a `ctx` (graph, policy, time, roster) and writes
//! `draft`s; one file per rule family (`admin`, `escalation`, `activity`,
//! `grants`, `tokens`, `hygiene`, `names`, `roster_rules`) turns the graph
//! into drafts. `evaluate` runs the rules and applies the policy, and
//! `outcome` counts the findings and decides whether a run fails. Rules read
//! the graph and the snapshot and never do I/O.
//!
//! Dependencies point one way: `evaluate` -> rule families -> `ctx`,
//! `draft` -> `finding`, `rule`, `policy`, `roster`. This file only declares
//! the modules and re-exports the public API.

mod activity;
mod admin;
mod ctx;
mod draft;
mod escalation;
mod evaluate;
mod finding;
mod gate;
mod grants;
mod hygiene;
mod names;
mod outcome;
mod policy;
mod roster;
mod roster_rules;
mod rule;
mod tokens;

pub use ctx::PreviousReview;
pub use draft::finding_id;
pub use evaluate::{
    evaluate, evaluate_since, evaluate_with, finding_order, rules_plan_with, sort_findings,
    Evaluation, FOLDED_INTO_DISABLED_USER,
};
pub use finding::{ControlRef, ExemptionStatus, Finding, FindingPrincipal, Severity};
pub use gate::{
    exemption_uses, judge, ExemptionUse, Failure, Gate, Verdict, JUDGED_ALL, JUDGED_NEW,
};
pub use outcome::{failing, Counts};
pub use policy::{
    default_sod, Exemption, Level, MembershipRouting, Policy, PolicyError, PolicySource,
    ReviewerPolicy, RuleSetting, ServiceAccountPolicy, SodSet, Thresholds,
    DEFAULT_RUBBER_STAMP_ROWS,
};
pub use roster::{detect_format, Roster, RosterEntry, RosterError, RosterFormat, RosterSource};
pub use rule::Rule;
