//! The account and its hierarchy: the organizations and the projects under
//! them, the scopes everything else lives at.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::snapshot::scope::Scope;

/// The account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The account identifier.
    pub id: String,
    /// The account name.
    #[serde(default)]
    pub name: Option<String>,
    /// How users sign in: `USER_PASSWORD`, `SAML`, `LDAP`, `OAUTH` (Harness's
    /// `authenticationMechanism`; open string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_mechanism: Option<String>,
    /// Whether the account enforces two-factor authentication for everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_factor_enforced: Option<bool>,
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// The organization it belongs to.
    pub org: String,
    /// Identifier (unique within the org).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Project {
    /// The project's scope.
    pub fn scope(&self) -> Scope {
        Scope::Project(self.org.clone(), self.id.clone())
    }
}
