//! What a rule writes: a [`Draft`] finding, and the helpers every rule
//! family uses to name principals, grants and times in its evidence the same
//! way, plus the stable id ([`finding_id`]) a draft becomes known by.
//!
//! It lives apart from the runner (`evaluate`) so that the rule files
//! depend on it and the runner depends on the rule files, never both ways.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::finding::{FindingPrincipal, Severity};
use super::rule::Rule;
use crate::graph::{format_targets, AccessGraph, GroupRef, Principal, Via};
use crate::snapshot::Scope;

/// A finding before the policy is applied. Rules fill it in through the
/// builder methods; the runner (`evaluate`) reads the fields.
#[derive(Debug, Clone)]
pub struct Draft {
    pub(super) rule: Rule,
    pub(super) principal: Option<FindingPrincipal>,
    pub(super) scope: Option<String>,
    pub(super) message: String,
    pub(super) evidence: BTreeMap<String, serde_json::Value>,
    pub(super) keys: Vec<String>,
    pub(super) severity: Option<Severity>,
}

impl Draft {
    /// A draft of `rule` with its one-sentence message.
    pub fn new(rule: Rule, message: impl Into<String>) -> Draft {
        Draft {
            rule,
            principal: None,
            scope: None,
            message: message.into(),
            evidence: BTreeMap::new(),
            keys: Vec::new(),
            severity: None,
        }
    }

    /// The severity this finding warrants when it differs from the rule's
    /// default (a never-logged-in new user is not a stale account); a
    /// severity the policy sets for the rule still wins.
    pub fn severity(mut self, s: Severity) -> Draft {
        self.severity = Some(s);
        self
    }

    /// Who it is about.
    pub fn principal(mut self, p: FindingPrincipal) -> Draft {
        self.principal = Some(p);
        self
    }

    /// The scope it concerns.
    pub fn scope(mut self, s: &Scope) -> Draft {
        self.scope = Some(s.to_string());
        self
    }

    /// One fact behind it.
    pub fn evidence(mut self, key: &str, value: impl Serialize) -> Draft {
        let v = serde_json::to_value(value).expect("evidence serialises");
        self.evidence.insert(key.to_string(), v);
        self
    }

    /// An evidence key that tells this finding apart from others of the
    /// same rule, principal and scope (such as an assignment id); part of
    /// the stable id.
    pub fn key(mut self, key: impl Into<String>) -> Draft {
        self.keys.push(key.into());
        self
    }
}

/// The stable id: the first 16 hex digits of SHA-256 over
/// `rule|principal|scope|key1,key2,...`.
pub fn finding_id(rule: &str, principal: &str, scope: &str, keys: &[String]) -> String {
    let text = format!("{rule}|{principal}|{scope}|{}", keys.join(","));
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// A user or service account as a finding names it.
pub fn principal_of(graph: &AccessGraph<'_>, p: Principal) -> FindingPrincipal {
    let id = graph.identity(p);
    FindingPrincipal {
        kind: id.kind.to_string(),
        id: id.id,
        name: id.name.to_string(),
        email: id.email.map(str::to_string),
    }
}

/// A user group as a finding names it: `group:SCOPE/ID`.
pub fn group_principal(graph: &AccessGraph<'_>, g: GroupRef) -> FindingPrincipal {
    let (scope, id) = graph.group_scope_and_id(g);
    let name = g
        .index
        .map(|i| graph.snapshot().user_groups[i].name.clone())
        .unwrap_or_else(|| id.to_string());
    FindingPrincipal {
        kind: "user_group".to_string(),
        id: format!("group:{scope}/{id}"),
        name,
        email: None,
    }
}

/// One grant as evidence: the path from the principal to the role.
#[derive(Debug, Clone, Serialize)]
pub struct GrantEvidence {
    /// `direct` or `group:SCOPE/ID`.
    pub via: String,
    /// The role assignment.
    pub assignment_id: String,
    /// Its scope.
    pub assignment_scope: String,
    /// The role.
    pub role_id: String,
    /// The resource group.
    pub resource_group_id: String,
    /// Scopes covered (`/**` marks a subtree).
    pub targets: String,
}

/// The evidence for assignment `ai` held via `via`.
pub fn grant_evidence(graph: &AccessGraph<'_>, via: Via, ai: usize) -> GrantEvidence {
    let a = &graph.snapshot().role_assignments[ai];
    GrantEvidence {
        via: graph.via_label(via),
        assignment_id: a.id.to_string(),
        assignment_scope: a.scope.to_string(),
        role_id: a.role.id.to_string(),
        resource_group_id: a.resource_group.to_string(),
        targets: graph
            .access_of(ai)
            .map(|x| format_targets(&x.targets))
            .unwrap_or_default(),
    }
}

/// RFC 3339 with seconds, UTC.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// "1 grant" / "2 grants".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_16_hex_and_depend_on_every_part() {
        let a = finding_id("direct-user-grant", "u1", "account", &["ra1".into()]);
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            a,
            finding_id("direct-user-grant", "u1", "account", &["ra1".into()])
        );
        assert_ne!(
            a,
            finding_id("direct-user-grant", "u1", "account", &["ra2".into()])
        );
        assert_ne!(
            a,
            finding_id("direct-user-grant", "u2", "account", &["ra1".into()])
        );
        assert_ne!(
            a,
            finding_id("direct-user-grant", "u1", "org:eng", &["ra1".into()])
        );
        // Pinned: the id formula is a contract (diff and decisions use it).
        let text = "admin-access|u1|account|";
        let d = Sha256::digest(text.as_bytes());
        let want: String = d.iter().take(8).map(|b| format!("{b:02x}")).collect();
        assert_eq!(finding_id("admin-access", "u1", "account", &[]), want);
    }
}
