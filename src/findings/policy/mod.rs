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

mod reviewers;

use reviewers::parse_reviewers;
pub use reviewers::{MembershipRouting, ReviewerPolicy, DEFAULT_RUBBER_STAMP_ROWS};

/// Default `inactive_days`.
pub const DEFAULT_INACTIVE_DAYS: u32 = 90;
/// Default `max_account_admins`.
pub const DEFAULT_MAX_ACCOUNT_ADMINS: u32 = 5;
/// Default `token_max_days`.
pub const DEFAULT_TOKEN_MAX_DAYS: u32 = 365;
/// Default `exemption_warn_days`.
pub const DEFAULT_EXEMPTION_WARN_DAYS: u32 = 14;

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
    /// The exemption files it includes (`include = [...]`), each named
    /// with its hash.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub included: Vec<IncludedFile>,
}

/// A file of exemptions a policy includes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncludedFile {
    /// Its name as the policy writes it.
    pub file_name: String,
    /// Lowercase hex SHA-256 of its bytes.
    pub sha256: String,
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
    /// An exemption expiring within this many days is announced.
    pub exemption_warn_days: u32,
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

impl ServiceAccountPolicy {
    /// A service account's owner: the first owner tag with a value, else the
    /// policy's `owners` entry for `sa:SCOPE/ID`.
    pub fn owner_of(&self, sa: &crate::snapshot::ServiceAccount) -> Option<String> {
        self.owner_tags
            .iter()
            .find_map(|k| sa.tags.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()))
            .map(str::to_string)
            .or_else(|| {
                self.owners
                    .get(&format!("sa:{}/{}", sa.scope, sa.id))
                    .cloned()
            })
    }
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
    /// The included file it comes from (`None`: the policy file itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
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
                included: Vec::new(),
            },
            thresholds: Thresholds {
                inactive_days: DEFAULT_INACTIVE_DAYS,
                max_account_admins: DEFAULT_MAX_ACCOUNT_ADMINS,
                token_max_days: DEFAULT_TOKEN_MAX_DAYS,
                exemption_warn_days: DEFAULT_EXEMPTION_WARN_DAYS,
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
    include: Vec<String>,
    #[serde(default)]
    reviewers: Option<toml::Table>,
}

/// A file a policy includes: exemptions only (`reviewpack baseline` writes
/// one).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncludedPolicyFile {
    #[serde(default)]
    exempt: Vec<ExemptFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsFile {
    inactive_days: Option<u32>,
    max_account_admins: Option<u32>,
    token_max_days: Option<u32>,
    exemption_warn_days: Option<u32>,
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
            if [
                "inactive_days",
                "max_account_admins",
                "token_max_days",
                "exemption_warn_days",
            ]
            .contains(&key.as_str())
            {
                message.push_str(" (thresholds go in a [thresholds] table)");
            }
            err(&key, message)
        })?;

        let mut policy = Policy {
            source: PolicySource {
                kind: "file",
                file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
                sha256: Some(crate::snapshot::sha256_hex(bytes)),
                included: Vec::new(),
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
        if let Some(v) = t.exemption_warn_days {
            policy.thresholds.exemption_warn_days = v;
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

        policy.exemptions = exemptions_from(&parsed.exempt, None, &err)?;
        for (n, name) in parsed.include.iter().enumerate() {
            let (more, included) = include(file, n, name)?;
            policy.exemptions.extend(more);
            policy.source.included.push(included);
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
}

/// The policy's exemptions by what they name, so matching a finding costs
/// the exemptions of its id and of its rule, not all of them (a baseline
/// holds one exemption per finding accepted, thousands of them).
#[derive(Debug)]
pub struct ExemptionIndex<'p> {
    exemptions: &'p [Exemption],
    /// Exemptions naming a finding id, by that id.
    by_id: std::collections::HashMap<&'p str, Vec<usize>>,
    /// Exemptions naming no id, by rule.
    by_rule: std::collections::HashMap<&'p str, Vec<usize>>,
}

impl<'p> ExemptionIndex<'p> {
    /// Indexes `exemptions`.
    pub fn new(exemptions: &'p [Exemption]) -> ExemptionIndex<'p> {
        let mut by_id: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        let mut by_rule: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for (i, e) in exemptions.iter().enumerate() {
            match &e.id {
                Some(id) => by_id.entry(id.as_str()).or_default().push(i),
                None => by_rule.entry(e.rule.as_str()).or_default().push(i),
            }
        }
        ExemptionIndex {
            exemptions,
            by_id,
            by_rule,
        }
    }

    /// The indices of the exemptions matching `f`, in the policy's order.
    pub fn matching(&self, f: &Finding) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .by_id
            .get(f.id.as_str())
            .into_iter()
            .chain(self.by_rule.get(f.rule.as_str()))
            .flatten()
            .copied()
            .filter(|&i| self.exemptions[i].matches(f))
            .collect();
        v.sort_unstable();
        v
    }

    /// The exemption status for a finding: an active matching exemption if
    /// there is one, else the matching one that expired last.
    pub fn status_for(&self, f: &Finding, as_of: DateTime<Utc>) -> Option<ExemptionStatus> {
        let matching: Vec<&Exemption> = self
            .matching(f)
            .into_iter()
            .map(|i| &self.exemptions[i])
            .collect();
        matching
            .iter()
            .find(|e| e.is_active(as_of))
            .or_else(|| matching.iter().max_by_key(|e| e.expires))
            .map(|e| e.status(as_of))
    }
}

/// The `[[exempt]]` entries of a policy file or of a file it includes.
fn exemptions_from(
    list: &[ExemptFile],
    source: Option<&str>,
    err: &dyn Fn(&str, String) -> PolicyError,
) -> Result<Vec<Exemption>, PolicyError> {
    let mut out = Vec::with_capacity(list.len());
    for (i, x) in list.iter().enumerate() {
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
        out.push(Exemption {
            rule: x.rule.clone(),
            principal: x.principal.clone(),
            scope: x.scope.clone(),
            id: x.id.clone(),
            reason: x.reason.clone(),
            approved_by: x.approved_by.clone(),
            expires,
            source: source.map(str::to_string),
        });
    }
    Ok(out)
}

/// Reads the `n`th file a policy includes, relative to the policy file:
/// `[[exempt]]` entries only.
fn include(
    policy_file: &Path,
    n: usize,
    name: &str,
) -> Result<(Vec<Exemption>, IncludedFile), PolicyError> {
    let path = policy_file
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(name);
    let in_policy = |message: String| PolicyError {
        file: policy_file.to_path_buf(),
        key: format!("include[{n}]"),
        message,
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        in_policy(format!(
            "cannot read {} ({e}); an included file is named relative to the policy file",
            path.display()
        ))
    })?;
    let err = |key: &str, message: String| PolicyError {
        file: path.clone(),
        key: key.to_string(),
        message,
    };
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| err("", "not UTF-8 text; an included file is TOML".to_string()))?;
    let de = toml::Deserializer::parse(text)
        .map_err(|e| err("", located(text, e.span(), e.message())))?;
    let parsed: IncludedPolicyFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let key = if key == "." { String::new() } else { key };
        let inner = e.into_inner();
        let mut message = one_line(inner.message());
        if message.contains("unknown field") {
            message.push_str(" (an included file holds [[exempt]] entries only)");
        }
        err(&key, message)
    })?;
    let exemptions = exemptions_from(&parsed.exempt, Some(name), &err)?;
    Ok((
        exemptions,
        IncludedFile {
            file_name: name.to_string(),
            sha256: crate::snapshot::sha256_hex(&bytes),
        },
    ))
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
mod tests;
