//! Orgs, projects and the account.

use serde::{Deserialize, Serialize};

use super::Tags;

/// `OrganizationResponse`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationResponse {
    /// The org.
    pub organization: Organization,
    /// Harness-managed (the `default` org).
    #[serde(default)]
    pub harness_managed: Option<bool>,
}

/// `Organization`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Tags>,
}

/// `ProjectResponse`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectResponse {
    /// The project.
    pub project: Project,
}

/// `Project`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Its org.
    #[serde(default)]
    pub org_identifier: Option<String>,
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Tags>,
}

/// `AccountDTO` of `GET /ng/api/accounts/{accountIdentifier}`, the parts used.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDto {
    /// Identifier.
    #[serde(default)]
    pub identifier: Option<String>,
    /// The account's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The company's name.
    #[serde(default)]
    pub company_name: Option<String>,
    /// `USER_PASSWORD`, `SAML`, `LDAP`, `OAUTH` (open string).
    #[serde(default)]
    pub authentication_mechanism: Option<String>,
    /// Two-factor authentication enforced for the account (Lombok's
    /// `isTwoFactorAdminEnforced`; both spellings accepted).
    #[serde(default, alias = "isTwoFactorAdminEnforced")]
    pub two_factor_admin_enforced: Option<bool>,
}
