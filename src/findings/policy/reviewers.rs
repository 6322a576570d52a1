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
    let mut out = ReviewerPolicy {
        default: None,
        scopes: BTreeMap::new(),
        by_manager: false,
        rubber_stamp_rows: DEFAULT_RUBBER_STAMP_ROWS,
    };
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
            scope => {
                let parsed: crate::snapshot::Scope = scope.parse().map_err(|_| {
                    err(
                        &format!("reviewers.{scope:?}"),
                        "not a scope: use default, by_manager, rubber_stamp_rows, or a scope such as \"account\", \"org:payments\" or \"project:research/ml\"".into(),
                    )
                })?;
                out.scopes
                    .insert(parsed.to_string(), email(&format!("{scope:?}"), value)?);
            }
        }
    }
    Ok(out)
}
