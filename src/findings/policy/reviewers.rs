//! The `[reviewers]` table of the policy file: who reviews which rows of
//! the campaign sheets (report/reviewers.rs routes them; collect checks
//! what comes back). Kept apart from the rule settings, which it does not
//! touch.

use std::collections::BTreeMap;

use serde::Serialize;

use super::PolicyError;

/// The `[reviewers]` table: who reviews which rows of the review sheets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewerPolicy {
    /// The reviewer of every row no scope entry matches.
    pub default: Option<String>,
    /// Reviewer by scope (`account`, `org:ORG`, `project:ORG/PROJECT`); an
    /// org entry covers its projects too; the most specific scope wins.
    pub scopes: BTreeMap<String, String>,
    /// With a roster naming managers, a user's own rows go to the manager.
    pub by_manager: bool,
    /// A reviewer who decided more rows than this, all Keep, is flagged as
    /// rubber-stamping (`reviewpack collect`).
    pub rubber_stamp_rows: usize,
    /// Owner by group (`SCOPE/ID`, from keys `"group:SCOPE/ID"`): reviews the
    /// group's role assignments and, unless `memberships = "manager"`
    /// sends them to managers, its memberships.
    pub group_owners: BTreeMap<String, String>,
    /// Who reviews a membership of a group.
    pub memberships: MembershipRouting,
    /// When the reviewers' answers are due (the send list says it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<chrono::NaiveDate>,
    /// When the campaign opens (workbooks sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<chrono::NaiveDate>,
    /// When it closes (sign-off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close: Option<chrono::NaiveDate>,
    /// Days a Revoke or Modify may take to be carried out, counted from
    /// the day its decision was collected (`collect --collected-at`); a
    /// removal later than that is a `remediation-late` finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediate_within_days: Option<u32>,
}

/// Who reviews a user's membership of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MembershipRouting {
    /// The member's manager (with `by_manager` and a roster), else the
    /// group's reviewer.
    Manager,
    /// The group's owner, else the reviewer of the group's scope.
    Group,
}

impl ReviewerPolicy {
    /// A policy with only a default reviewer and the scope entries given
    /// (tests and callers fill the rest).
    pub fn new(default: Option<&str>, scopes: &[(&str, &str)]) -> ReviewerPolicy {
        ReviewerPolicy {
            default: default.map(str::to_string),
            scopes: scopes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            by_manager: false,
            rubber_stamp_rows: DEFAULT_RUBBER_STAMP_ROWS,
            group_owners: BTreeMap::new(),
            memberships: MembershipRouting::Manager,
            due: None,
            open: None,
            close: None,
            remediate_within_days: None,
        }
    }
}

/// The default of `[reviewers] rubber_stamp_rows`.
pub const DEFAULT_RUBBER_STAMP_ROWS: usize = 20;

/// Reads `[reviewers]`: `default`, `by_manager`, `rubber_stamp_rows`, and
/// scope keys (`account`, `org:ORG`, `project:ORG/PROJECT`) naming a
/// reviewer's email.
pub(super) fn parse_reviewers(
    table: &toml::Table,
    err: &dyn Fn(&str, String) -> PolicyError,
) -> Result<ReviewerPolicy, PolicyError> {
    let mut out = ReviewerPolicy::new(None, &[]);
    let email = |key: &str, v: &toml::Value| -> Result<String, PolicyError> {
        match v.as_str().map(str::trim) {
            Some(e) if e.contains('@') && !e.contains(char::is_whitespace) => {
                Ok(e.to_ascii_lowercase())
            }
            _ => Err(err(
                &format!("reviewers.{key}"),
                "expected a reviewer's email, such as \"secops@example.com\"".into(),
            )),
        }
    };
    for (key, value) in table {
        match key.as_str() {
            "default" => out.default = Some(email(key, value)?),
            "by_manager" => {
                out.by_manager = value
                    .as_bool()
                    .ok_or_else(|| err("reviewers.by_manager", "expected true or false".into()))?
            }
            "rubber_stamp_rows" => {
                out.rubber_stamp_rows = value
                    .as_integer()
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| {
                        err(
                            "reviewers.rubber_stamp_rows",
                            "expected a number of rows, at least 1".into(),
                        )
                    })?
            }
            "memberships" => {
                out.memberships = match value.as_str() {
                    Some("manager") => MembershipRouting::Manager,
                    Some("group") => MembershipRouting::Group,
                    _ => {
                        return Err(err(
                            "reviewers.memberships",
                            "expected \"manager\" (the member's manager reviews a group membership) or \"group\" (the group's owner or scope reviewer does)".into(),
                        ))
                    }
                }
            }
            "remediate_within_days" => {
                let days = value
                    .as_integer()
                    .and_then(|d| u32::try_from(d).ok())
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or_else(|| {
                        err(
                            "reviewers.remediate_within_days",
                            "expected a number of days from 1 to 3650, such as 14".into(),
                        )
                    })?;
                out.remediate_within_days = Some(days);
            }
            "due" | "open" | "close" => {
                let day = Some(
                    value
                        .as_str()
                        .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
                        .or_else(|| {
                            value.as_datetime().and_then(|d| {
                                d.date.and_then(|d| {
                                    chrono::NaiveDate::from_ymd_opt(
                                        i32::from(d.year),
                                        u32::from(d.month),
                                        u32::from(d.day),
                                    )
                                })
                            })
                        })
                        .ok_or_else(|| {
                            err(
                                &format!("reviewers.{key}"),
                                "expected a date, such as \"2026-12-20\" or 2026-12-20".into(),
                            )
                        })?,
                );
                match key.as_str() {
                    "due" => out.due = day,
                    "open" => out.open = day,
                    _ => out.close = day,
                }
            }
            group if group.starts_with("group:") => {
                let rest = &group["group:".len()..];
                let valid = rest
                    .rsplit_once('/')
                    .filter(|(sc, id)| !id.is_empty() && sc.parse::<crate::snapshot::Scope>().is_ok());
                let Some((sc, id)) = valid else {
                    return Err(err(
                        &format!("reviewers.{group:?}"),
                        "a group owner's key is \"group:SCOPE/ID\", such as \"group:account/platform_admins\" or \"group:org:eng/oncall\"".into(),
                    ));
                };
                let sc: crate::snapshot::Scope = sc.parse().expect("checked above");
                out.group_owners
                    .insert(format!("{sc}/{id}"), email(&format!("{group:?}"), value)?);
            }
            scope => {
                let parsed: crate::snapshot::Scope = scope.parse().map_err(|_| {
                    err(
                        &format!("reviewers.{scope:?}"),
                        "not a scope: use default, by_manager, memberships, open, due, close, remediate_within_days, rubber_stamp_rows, \"group:SCOPE/ID\" (a group's owner), or a scope such as \"account\", \"org:payments\" or \"project:research/ml\"".into(),
                    )
                })?;
                out.scopes
                    .insert(parsed.to_string(), email(&format!("{scope:?}"), value)?);
            }
        }
    }
    Ok(out)
}
