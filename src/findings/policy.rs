//! The policy file (`--policy FILE`, TOML): thresholds, per-rule level and
//! severity, separation-of-duties sets, service-account owners and
//! exemptions. Every key is optional; [`Policy::default`] holds the
//! documented defaults (docs/rules.md, "Policy file").
//!
//! Parsing is strict (an unknown key is an error, so a typo cannot silently
//! turn a rule off) and every error names the file and the key, on one line.
//! This module does no I/O: the CLI reads the file and hands over its bytes.
//! The resolved [`Policy`] serialises into findings.json as the effective
//! policy, so a pack says which thresholds and exemptions produced it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::finding::{ExemptionStatus, Finding, Severity};
use super::rule::Rule;
use crate::snapshot::Scope;

/// Default `inactive_days`.
pub const DEFAULT_INACTIVE_DAYS: u32 = 90;
/// Default `max_account_admins`.
pub const DEFAULT_MAX_ACCOUNT_ADMINS: u32 = 5;
/// Default `token_max_days`.
pub const DEFAULT_TOKEN_MAX_DAYS: u32 = 365;

/// What a rule's findings do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not evaluated, not listed.
    Allow,
    /// Listed; fails the run only through `--fail-on`.
    Warn,
    /// Listed; any non-exempt finding fails the run (exit 1), whatever `--fail-on` says.
    Deny,
}

impl Level {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// Where the effective policy came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySource {
    /// `defaults` or `file`.
    pub kind: &'static str,
    /// The file's name (without its directory, so packs made from different
    /// working directories stay identical).
    pub file_name: Option<String>,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: Option<String>,
}

/// The numeric thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    /// A user with no login for longer than this is inactive.
    pub inactive_days: u32,
    /// More account admins than this is `excess-admins`.
    pub max_account_admins: u32,
    /// A token valid for longer than this is `token-long-lived`.
    pub token_max_days: u32,
}

/// One rule's effective settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSetting {
    /// allow, warn or deny.
    pub level: Level,
    /// The severity its findings get.
    pub severity: Severity,
    /// The severity before the policy's override.
    pub default_severity: Severity,
}

/// A separation-of-duties set: holding every permission of it on one scope
/// is a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SodSet {
    /// Short kebab-case name, unique in the policy.
    pub name: String,
    /// Why the permissions conflict.
    pub description: String,
    /// The permissions, at least two.
    pub permissions: Vec<String>,
}

/// Service-account ownership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceAccountPolicy {
    /// Tag keys whose non-empty value names an owner.
    pub owner_tags: Vec<String>,
    /// `sa:SCOPE/ID` -> owner, for service accounts without an owner tag.
    pub owners: BTreeMap<String, String>,
}

/// An exemption: a finding reviewed and accepted until a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exemption {
    /// The rule code.
    pub rule: String,
    /// A principal id (user uuid, `sa:SCOPE/ID`, `group:SCOPE/ID`) or a
    /// user's email; absent matches any principal.
    pub principal: Option<String>,
    /// A scope; absent matches any scope.
    pub scope: Option<String>,
    /// A finding id; absent matches any id.
    pub id: Option<String>,
    /// Why the finding is accepted.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// The last day it applies (UTC).
    pub expires: NaiveDate,
}

impl Exemption {
    /// True when the exemption names this finding.
    pub fn matches(&self, f: &Finding) -> bool {
        if self.rule != f.rule {
            return false;
        }
        if let Some(p) = &self.principal {
            let Some(fp) = &f.principal else {
                return false;
            };
            let email_match = fp
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(p));
            if fp.id != *p && !email_match {
                return false;
            }
        }
        if let Some(s) = &self.scope {
            if f.scope.as_deref() != Some(s.as_str()) {
                return false;
            }
        }
        if let Some(id) = &self.id {
            if f.id != *id {
                return false;
            }
        }
        true
    }

    /// True while the exemption applies: up to and including `expires`.
    pub fn is_active(&self, as_of: DateTime<Utc>) -> bool {
        as_of.date_naive() <= self.expires
    }

    /// What the finding carries when this exemption matches it.
    pub fn status(&self, as_of: DateTime<Utc>) -> ExemptionStatus {
        let active = self.is_active(as_of);
        let note = if active {
            format!(
                "exempt until {} (approved by {}): {}",
                self.expires, self.approved_by, self.reason
            )
        } else {
            format!(
                "exemption expired on {}; finding applies again",
                self.expires
            )
        };
        ExemptionStatus {
            active,
            reason: self.reason.clone(),
            approved_by: self.approved_by.clone(),
            expires: self.expires.to_string(),
            note,
        }
    }
}

/// The effective policy: the file's settings over the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Defaults or a file.
    pub source: PolicySource,
    /// Thresholds.
    pub thresholds: Thresholds,
    /// Every rule code with its level and severity.
    pub rules: BTreeMap<String, RuleSetting>,
    /// Separation-of-duties sets.
    pub sod: Vec<SodSet>,
    /// True when `sod` are the built-in defaults (the file named none).
    pub sod_defaults: bool,
    /// Service-account ownership.
    pub service_accounts: ServiceAccountPolicy,
    /// Exemptions, in file order.
    pub exemptions: Vec<Exemption>,
    /// Who reviews what (`[reviewers]`), when the policy names reviewers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewers: Option<ReviewerPolicy>,
}

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

/// The most permissions one `[[sod]]` set may name.
pub const MAX_SOD_PERMISSIONS: usize = 64;

/// The built-in separation-of-duties sets, used when the policy names none.
pub fn default_sod() -> Vec<SodSet> {
    vec![SodSet {
        name: "pipeline-author-and-deployer".to_string(),
        description:
            "Can both change a pipeline and run it, so one person can ship an unreviewed change."
                .to_string(),
        permissions: vec![
            "core_pipeline_edit".to_string(),
            "core_pipeline_execute".to_string(),
        ],
    }]
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            source: PolicySource {
                kind: "defaults",
                file_name: None,
                sha256: None,
            },
            thresholds: Thresholds {
                inactive_days: DEFAULT_INACTIVE_DAYS,
                max_account_admins: DEFAULT_MAX_ACCOUNT_ADMINS,
                token_max_days: DEFAULT_TOKEN_MAX_DAYS,
            },
            rules: Rule::ALL
                .iter()
                .map(|r| {
                    (
                        r.code().to_string(),
                        RuleSetting {
                            level: Level::Warn,
                            severity: r.default_severity(),
                            default_severity: r.default_severity(),
                        },
                    )
                })
                .collect(),
            sod: default_sod(),
            sod_defaults: true,
            service_accounts: ServiceAccountPolicy {
                owner_tags: vec!["owner".to_string()],
                owners: BTreeMap::new(),
            },
            exemptions: Vec::new(),
            reviewers: None,
        }
    }
}

/// Why a policy file was refused: one line naming the file and the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}{message}", file.display(), key_prefix(key))]
pub struct PolicyError {
    /// The policy file.
    pub file: PathBuf,
    /// The key, such as `rules.inactive-user.level` or `exempt[0].expires`;
    /// empty for syntax errors (the message gives line and column).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("{key}: ")
    }
}

// --- The file as written -----------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    thresholds: ThresholdsFile,
    #[serde(default)]
    rules: BTreeMap<String, RuleFile>,
    #[serde(default)]
    sod: Option<Vec<SodFile>>,
    #[serde(default)]
    service_accounts: ServiceAccountsFile,
    #[serde(default)]
    exempt: Vec<ExemptFile>,
    #[serde(default)]
    reviewers: Option<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsFile {
    inactive_days: Option<u32>,
    max_account_admins: Option<u32>,
    token_max_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    level: Option<Level>,
    severity: Option<Severity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SodFile {
    name: String,
    #[serde(default)]
    description: Option<String>,
    permissions: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceAccountsFile {
    owner_tags: Option<Vec<String>>,
    #[serde(default)]
    owners: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExemptFile {
    rule: String,
    #[serde(default)]
    principal: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    id: Option<String>,
    reason: String,
    approved_by: String,
    expires: toml::Value,
}

/// Reads `[reviewers]`: `default`, `by_manager`, `rubber_stamp_rows`, and
/// scope keys (`account`, `org:ORG`, `project:ORG/PROJECT`) naming a
/// reviewer's email.
fn parse_reviewers(
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

impl Policy {
    /// Parses a policy file's bytes; `file` is used in messages and its
    /// name is recorded in the effective policy.
    pub fn parse(file: &Path, bytes: &[u8]) -> Result<Policy, PolicyError> {
        let err = |key: &str, message: String| PolicyError {
            file: file.to_path_buf(),
            key: key.to_string(),
            message,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| err("", "not UTF-8 text; a policy file is TOML".to_string()))?;
        let de = toml::Deserializer::parse(text)
            .map_err(|e| err("", located(text, e.span(), e.message())))?;
        let parsed: PolicyFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let key = if path == "." { String::new() } else { path };
            let mut message = if key.is_empty() {
                located(text, inner.span(), inner.message())
            } else {
                one_line(inner.message())
            };
            if ["inactive_days", "max_account_admins", "token_max_days"].contains(&key.as_str()) {
                message.push_str(" (thresholds go in a [thresholds] table)");
            }
            err(&key, message)
        })?;

        let mut policy = Policy {
            source: PolicySource {
                kind: "file",
                file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
                sha256: Some(crate::snapshot::sha256_hex(bytes)),
            },
            ..Policy::default()
        };

        let t = &parsed.thresholds;
        if let Some(v) = t.inactive_days {
            if v == 0 {
                return Err(err("thresholds.inactive_days", "must be at least 1".into()));
            }
            policy.thresholds.inactive_days = v;
        }
        if let Some(v) = t.max_account_admins {
            policy.thresholds.max_account_admins = v;
        }
        if let Some(v) = t.token_max_days {
            if v == 0 {
                return Err(err(
                    "thresholds.token_max_days",
                    "must be at least 1".into(),
                ));
            }
            policy.thresholds.token_max_days = v;
        }

        for (code, setting) in &parsed.rules {
            let key = format!("rules.{code}");
            let rule = Rule::parse(code).ok_or_else(|| err(&key, unknown_rule(code)))?;
            let entry = policy
                .rules
                .get_mut(rule.code())
                .expect("every rule has a default setting");
            if let Some(level) = setting.level {
                entry.level = level;
            }
            if let Some(severity) = setting.severity {
                entry.severity = severity;
            }
        }

        if let Some(sets) = &parsed.sod {
            let mut names = BTreeSet::new();
            let mut out = Vec::with_capacity(sets.len());
            for (i, s) in sets.iter().enumerate() {
                let key = format!("sod[{i}]");
                if s.name.trim().is_empty() {
                    return Err(err(&format!("{key}.name"), "must not be empty".into()));
                }
                if !names.insert(s.name.clone()) {
                    return Err(err(
                        &format!("{key}.name"),
                        format!("{:?} is used by an earlier [[sod]] set", s.name),
                    ));
                }
                let mut perms = s.permissions.clone();
                perms.sort();
                perms.dedup();
                if perms.len() < 2 || perms.iter().any(|p| p.trim().is_empty()) {
                    return Err(err(
                        &format!("{key}.permissions"),
                        "needs at least two different permission identifiers, such as [\"core_pipeline_edit\", \"core_pipeline_execute\"]".into(),
                    ));
                }
                if perms.len() > MAX_SOD_PERMISSIONS {
                    return Err(err(
                        &format!("{key}.permissions"),
                        format!(
                            "names {} permissions; a set holds at most {MAX_SOD_PERMISSIONS} (split it into smaller sets)",
                            perms.len()
                        ),
                    ));
                }
                out.push(SodSet {
                    name: s.name.clone(),
                    description: s.description.clone().unwrap_or_default(),
                    permissions: perms,
                });
            }
            policy.sod = out;
            policy.sod_defaults = false;
        }

        if let Some(tags) = &parsed.service_accounts.owner_tags {
            policy.service_accounts.owner_tags = tags.clone();
        }
        for (sa, owner) in &parsed.service_accounts.owners {
            let key = format!("service_accounts.owners.{sa:?}");
            let ok = sa
                .strip_prefix("sa:")
                .and_then(|rest| rest.rsplit_once('/'))
                .is_some_and(|(scope, id)| !id.is_empty() && scope.parse::<Scope>().is_ok());
            if !ok {
                return Err(err(
                    &key,
                    "expected a service account as sa:SCOPE/IDENTIFIER, such as \"sa:org:ops/ops_runner\"".into(),
                ));
            }
            if owner.trim().is_empty() {
                return Err(err(&key, "the owner must not be empty".into()));
            }
            policy
                .service_accounts
                .owners
                .insert(sa.clone(), owner.clone());
        }

        for (i, x) in parsed.exempt.iter().enumerate() {
            let key = format!("exempt[{i}]");
            if Rule::parse(&x.rule).is_none() {
                return Err(err(&format!("{key}.rule"), unknown_rule(&x.rule)));
            }
            if x.principal.is_none() && x.scope.is_none() && x.id.is_none() {
                return Err(err(
                    &key,
                    "names no principal, scope or id; to silence a whole rule use [rules.CODE] level = \"allow\"".into(),
                ));
            }
            if let Some(s) = &x.scope {
                s.parse::<Scope>()
                    .map_err(|e| err(&format!("{key}.scope"), e.to_string()))?;
            }
            if x.reason.trim().is_empty() {
                return Err(err(&format!("{key}.reason"), "must not be empty".into()));
            }
            if x.approved_by.trim().is_empty() {
                return Err(err(
                    &format!("{key}.approved_by"),
                    "must not be empty".into(),
                ));
            }
            let expires = parse_date(&x.expires).ok_or_else(|| {
                err(
                    &format!("{key}.expires"),
                    "expected a date such as 2026-12-31".into(),
                )
            })?;
            policy.exemptions.push(Exemption {
                rule: x.rule.clone(),
                principal: x.principal.clone(),
                scope: x.scope.clone(),
                id: x.id.clone(),
                reason: x.reason.clone(),
                approved_by: x.approved_by.clone(),
                expires,
            });
        }
        if let Some(table) = &parsed.reviewers {
            policy.reviewers = Some(parse_reviewers(table, &err)?);
        }

        Ok(policy)
    }

    /// The settings of a rule.
    pub fn rule(&self, rule: Rule) -> &RuleSetting {
        self.rules
            .get(rule.code())
            .expect("every rule has a setting")
    }

    /// The exemption status for a finding: an active matching exemption if
    /// there is one, else the matching one that expired last.
    pub fn exemption_for(&self, f: &Finding, as_of: DateTime<Utc>) -> Option<ExemptionStatus> {
        let matching: Vec<&Exemption> = self.exemptions.iter().filter(|e| e.matches(f)).collect();
        matching
            .iter()
            .find(|e| e.is_active(as_of))
            .or_else(|| matching.iter().max_by_key(|e| e.expires))
            .map(|e| e.status(as_of))
    }
}

fn unknown_rule(code: &str) -> String {
    let known: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
    format!(
        "unknown rule code {code:?}; known codes: {}",
        known.join(", ")
    )
}

fn parse_date(v: &toml::Value) -> Option<NaiveDate> {
    match v {
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => {
            let date = d.date?;
            NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            )
        }
        _ => None,
    }
}

fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// `line L, column C: message` from a byte span.
fn located(text: &str, span: Option<std::ops::Range<usize>>, message: &str) -> String {
    match span {
        Some(r) => {
            let start = r.start.min(text.len());
            let before = &text[..start];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {}", one_line(message))
        }
        None => one_line(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(Path::new("policy.toml"), text.as_bytes())
    }

    const FULL: &str = r#"
[thresholds]
inactive_days = 30
max_account_admins = 2
token_max_days = 90

[rules.direct-user-grant]
level = "allow"

[rules.inactive-user]
severity = "high"
level = "deny"

[[sod]]
name = "secrets-and-groups"
description = "Manages groups and reads secrets"
permissions = ["core_usergroup_manage", "core_secret_access"]

[service_accounts]
owner_tags = ["owner", "team"]

[service_accounts.owners]
"sa:org:ops/ops_runner" = "sre-lead@example.com"

[[exempt]]
rule = "admin-without-2fa"
principal = "victor.haldane@example.com"
reason = "Hardware key on order"
approved_by = "ciso@example.com"
expires = 2026-12-31

[[exempt]]
rule = "excess-admins"
scope = "account"
reason = "Migration"
approved_by = "ciso@example.com"
expires = "2026-01-31"
"#;

    #[test]
    fn defaults_are_the_documented_ones() {
        let p = Policy::default();
        assert_eq!(p.thresholds.inactive_days, 90);
        assert_eq!(p.thresholds.max_account_admins, 5);
        assert_eq!(p.thresholds.token_max_days, 365);
        assert_eq!(p.rules.len(), Rule::ALL.len());
        assert!(p.rules.values().all(|r| r.level == Level::Warn));
        assert!(p.sod_defaults);
        assert_eq!(p.service_accounts.owner_tags, vec!["owner"]);
        // An empty file is the defaults, with the file recorded.
        let e = parse("").unwrap();
        assert_eq!(e.thresholds, p.thresholds);
        assert_eq!(e.source.kind, "file");
        assert_eq!(e.source.file_name.as_deref(), Some("policy.toml"));
    }

    #[test]
    fn every_section_is_read() {
        let p = parse(FULL).unwrap();
        assert_eq!(p.thresholds.inactive_days, 30);
        assert_eq!(p.thresholds.max_account_admins, 2);
        assert_eq!(p.thresholds.token_max_days, 90);
        assert_eq!(p.rule(Rule::DirectUserGrant).level, Level::Allow);
        let inactive = p.rule(Rule::InactiveUser);
        assert_eq!(inactive.level, Level::Deny);
        assert_eq!(inactive.severity, Severity::High);
        assert_eq!(inactive.default_severity, Severity::Medium);
        assert!(!p.sod_defaults);
        assert_eq!(p.sod[0].permissions.len(), 2);
        assert_eq!(p.service_accounts.owner_tags, vec!["owner", "team"]);
        assert_eq!(
            p.service_accounts.owners["sa:org:ops/ops_runner"],
            "sre-lead@example.com"
        );
        assert_eq!(p.exemptions.len(), 2);
        assert_eq!(
            p.exemptions[0].expires,
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(
            p.exemptions[1].expires,
            NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()
        );
    }

    #[test]
    fn an_empty_sod_list_turns_the_default_set_off() {
        let p = parse("sod = []\n").unwrap();
        assert!(p.sod.is_empty());
        assert!(!p.sod_defaults);
    }

    #[test]
    fn reviewers_name_a_default_scopes_and_the_manager_rule() {
        let p = parse(
            "[reviewers]\ndefault = \"SecOps@Example.com\"\n\"org:payments\" = \"pat@example.com\"\n\"project:research/ml\" = \"ml-lead@example.com\"\nby_manager = true\nrubber_stamp_rows = 5\n",
        )
        .unwrap();
        let r = p.reviewers.unwrap();
        assert_eq!(r.default.as_deref(), Some("secops@example.com"));
        assert_eq!(r.scopes["org:payments"], "pat@example.com");
        assert_eq!(r.scopes["project:research/ml"], "ml-lead@example.com");
        assert!(r.by_manager);
        assert_eq!(r.rubber_stamp_rows, 5);
        // Without the table there is no campaign, and findings.json says
        // nothing about reviewers.
        let p = parse("").unwrap();
        assert!(p.reviewers.is_none());
        assert!(!serde_json::to_string(&p).unwrap().contains("reviewers"));
        for (text, want) in [
            (
                "[reviewers]\n\"team:x\" = \"a@example.com\"\n",
                "reviewers.\"team:x\": not a scope",
            ),
            (
                "[reviewers]\ndefault = \"nobody\"\n",
                "reviewers.default: expected a reviewer's email",
            ),
            (
                "[reviewers]\nby_manager = \"yes\"\n",
                "reviewers.by_manager: expected true or false",
            ),
            (
                "[reviewers]\nrubber_stamp_rows = 0\n",
                "reviewers.rubber_stamp_rows: expected a number of rows",
            ),
        ] {
            let e = parse(text).expect_err(text).to_string();
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn errors_name_the_file_and_the_key_on_one_line() {
        let too_many_sod = format!(
            "[[sod]]\nname = \"x\"\npermissions = [{}]\n",
            (0..65)
                .map(|i| format!("\"core_p{i}_edit\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let cases: &[(&str, &str)] = &[
            ("[rules.admin-acess]\nlevel = \"deny\"\n", "policy.toml: rules.admin-acess: unknown rule code"),
            ("[rules.inactive-user]\nlevel = \"block\"\n", "policy.toml: rules.inactive-user.level: unknown variant"),
            ("[rules.inactive-user]\nseverity = \"extreme\"\n", "policy.toml: rules.inactive-user.severity: unknown variant"),
            ("[thresholds]\ninactive_dayz = 3\n", "policy.toml: thresholds.inactive_dayz: unknown field `inactive_dayz`"),
            ("[thresholds]\ninactive_days = \"ninety\"\n", "policy.toml: thresholds.inactive_days:"),
            ("[thresholds]\ninactive_days = 0\n", "policy.toml: thresholds.inactive_days: must be at least 1"),
            ("[[exempt]]\nrule = \"inactive-user\"\nprincipal = \"x\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = \"soon\"\n", "policy.toml: exempt[0].expires: expected a date"),
            ("[[exempt]]\nrule = \"inactive-user\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = 2026-01-01\n", "policy.toml: exempt[0]: names no principal"),
            ("[[exempt]]\nrule = \"inactive-user\"\nprincipal = \"x\"\napproved_by = \"a\"\nexpires = 2026-01-01\n", "policy.toml: exempt[0]: missing field `reason`"),
            ("[[sod]]\nname = \"x\"\npermissions = [\"core_pipeline_edit\"]\n", "policy.toml: sod[0].permissions: needs at least two"),
            ("[service_accounts.owners]\nops_runner = \"me\"\n", "policy.toml: service_accounts.owners.\"ops_runner\": expected a service account"),
            (&too_many_sod, "policy.toml: sod[0].permissions: names 65 permissions; a set holds at most 64"),
            ("inactive_days = 30\n", "policy.toml: inactive_days: unknown field `inactive_days`"),
            ("[rules\n", "policy.toml: line 1, column"),
        ];
        for (text, want) in cases {
            let e = parse(text).expect_err(text).to_string();
            assert!(e.starts_with(want), "{text:?}\n got: {e}\nwant: {want}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn an_exemption_applies_through_its_expiry_day_and_then_says_it_expired() {
        let p = parse(FULL).unwrap();
        let e = &p.exemptions[0];
        let on_the_day = Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
        let day_after = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        assert!(e.is_active(on_the_day));
        assert!(!e.is_active(day_after));
        let s = e.status(day_after);
        assert!(!s.active);
        assert_eq!(
            s.note,
            "exemption expired on 2026-12-31; finding applies again"
        );
        assert!(e
            .status(on_the_day)
            .note
            .starts_with("exempt until 2026-12-31"));
    }
}
