//! Scopes: the account, an organization, or a project inside an organization.
//!
//! Harness addresses every object by the triple (account, org, project). We
//! write a scope the same way everywhere (CLI, CSV, JSON, HTML):
//! `account`, `org:ORG`, `project:ORG/PROJECT`. The account id itself is not
//! part of a scope: a snapshot holds exactly one account.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One node of the account's scope tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The account itself.
    Account,
    /// An organization.
    Org(String),
    /// A project, with its organization.
    Project(String, String),
}

/// A Harness scope level, as written in `principal.scopeLevel` and
/// `roleReference.scopeLevel` (lowercase on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeLevel {
    /// `account`
    Account,
    /// `organization`
    Organization,
    /// `project`
    Project,
}

impl ScopeLevel {
    /// Parses Harness's spelling, case-insensitively (`account`, `organization`
    /// or `org`, `project`).
    pub fn parse(s: &str) -> Option<ScopeLevel> {
        match s.to_ascii_lowercase().as_str() {
            "account" => Some(ScopeLevel::Account),
            "organization" | "org" => Some(ScopeLevel::Organization),
            "project" => Some(ScopeLevel::Project),
            _ => None,
        }
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeLevel::Account => "account",
            ScopeLevel::Organization => "organization",
            ScopeLevel::Project => "project",
        }
    }
}

impl Scope {
    /// Builds a scope from Harness's optional org and project identifiers.
    /// Empty strings count as absent, as the API sends both forms.
    pub fn from_identifiers(org: Option<&str>, project: Option<&str>) -> Option<Scope> {
        let org = org.filter(|s| !s.is_empty());
        let project = project.filter(|s| !s.is_empty());
        match (org, project) {
            (None, None) => Some(Scope::Account),
            (Some(o), None) => Some(Scope::Org(o.to_string())),
            (Some(o), Some(p)) => Some(Scope::Project(o.to_string(), p.to_string())),
            (None, Some(_)) => None,
        }
    }

    /// The level of this scope.
    pub fn level(&self) -> ScopeLevel {
        match self {
            Scope::Account => ScopeLevel::Account,
            Scope::Org(_) => ScopeLevel::Organization,
            Scope::Project(..) => ScopeLevel::Project,
        }
    }

    /// The org identifier, if this scope is an org or a project.
    pub fn org(&self) -> Option<&str> {
        match self {
            Scope::Account => None,
            Scope::Org(o) | Scope::Project(o, _) => Some(o),
        }
    }

    /// The project identifier, if this scope is a project.
    pub fn project(&self) -> Option<&str> {
        match self {
            Scope::Project(_, p) => Some(p),
            _ => None,
        }
    }

    /// The parent scope; the account has none.
    pub fn parent(&self) -> Option<Scope> {
        match self {
            Scope::Account => None,
            Scope::Org(_) => Some(Scope::Account),
            Scope::Project(o, _) => Some(Scope::Org(o.clone())),
        }
    }

    /// This scope and its ancestors, nearest first (`project`, `org`, `account`).
    pub fn self_and_ancestors(&self) -> Vec<Scope> {
        let mut out = vec![self.clone()];
        let mut cur = self.parent();
        while let Some(s) = cur {
            cur = s.parent();
            out.push(s);
        }
        out
    }

    /// The ancestor of this scope (or itself) at `level`; `None` when the level
    /// is below this scope (a project-level reference from an org).
    pub fn ancestor_at(&self, level: ScopeLevel) -> Option<Scope> {
        self.self_and_ancestors()
            .into_iter()
            .find(|s| s.level() == level)
    }

    /// True when `self` is `other` or one of its descendants.
    pub fn is_within(&self, other: &Scope) -> bool {
        match (other, self) {
            (Scope::Account, _) => true,
            (Scope::Org(a), Scope::Org(b)) => a == b,
            (Scope::Org(a), Scope::Project(b, _)) => a == b,
            (Scope::Project(a1, a2), Scope::Project(b1, b2)) => a1 == b1 && a2 == b2,
            _ => false,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Account => f.write_str("account"),
            Scope::Org(o) => write!(f, "org:{o}"),
            Scope::Project(o, p) => write!(f, "project:{o}/{p}"),
        }
    }
}

/// Why a scope string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope {0:?}: expected `account`, `org:ORG` or `project:ORG/PROJECT`")]
pub struct ScopeParseError(pub String);

impl FromStr for Scope {
    type Err = ScopeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ScopeParseError(s.to_string());
        if s == "account" {
            return Ok(Scope::Account);
        }
        if let Some(o) = s.strip_prefix("org:") {
            if o.is_empty() || o.contains('/') {
                return Err(err());
            }
            return Ok(Scope::Org(o.to_string()));
        }
        if let Some(rest) = s.strip_prefix("project:") {
            let (o, p) = rest.split_once('/').ok_or_else(err)?;
            if o.is_empty() || p.is_empty() || p.contains('/') {
                return Err(err());
            }
            return Ok(Scope::Project(o.to_string(), p.to_string()));
        }
        Err(err())
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_round_trips_through_its_text_form() {
        for s in ["account", "org:eng", "project:eng/payments"] {
            let scope: Scope = s.parse().unwrap();
            assert_eq!(scope.to_string(), s);
        }
    }

    #[test]
    fn malformed_scopes_are_rejected() {
        for s in [
            "",
            "org:",
            "project:eng",
            "project:/p",
            "proj:eng/p",
            "org:a/b",
        ] {
            assert!(s.parse::<Scope>().is_err(), "{s} should not parse");
        }
    }

    #[test]
    fn ancestor_at_level_walks_up_and_never_down() {
        let p = Scope::Project("eng".into(), "pay".into());
        assert_eq!(p.ancestor_at(ScopeLevel::Account), Some(Scope::Account));
        assert_eq!(
            p.ancestor_at(ScopeLevel::Organization),
            Some(Scope::Org("eng".into()))
        );
        assert_eq!(p.ancestor_at(ScopeLevel::Project), Some(p.clone()));
        assert_eq!(Scope::Account.ancestor_at(ScopeLevel::Project), None);
    }

    #[test]
    fn within_is_reflexive_and_follows_the_tree() {
        let org = Scope::Org("eng".into());
        let p = Scope::Project("eng".into(), "pay".into());
        let other = Scope::Project("ops".into(), "pay".into());
        assert!(p.is_within(&org));
        assert!(p.is_within(&Scope::Account));
        assert!(org.is_within(&org));
        assert!(!other.is_within(&org));
        assert!(!org.is_within(&p));
    }
}
