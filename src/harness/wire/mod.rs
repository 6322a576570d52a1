//! Harness's JSON shapes, exactly as the API sends them
//! (`../shared/harness-api/README.md`).
//!
//! Lenient on purpose: every field is optional, unknown fields are ignored,
//! enums are open strings, because Harness's models drift ahead of every
//! published spec. Plain data, no I/O. The types also serialise, so the test
//! tree's fake Harness server answers in the same shapes.
//!
//! One file per object family; this file holds the envelope, the page, the
//! error body and the scope identifiers every family shares, and
//! re-exports the rest, so every type is `wire::Name`.

mod access;
mod acl;
mod assignments;
mod audit;
mod credentials;
mod principals;
mod scim;
mod scopes;

pub use access::*;
pub use acl::*;
pub use assignments::*;
pub use audit::*;
pub use credentials::*;
pub use principals::*;
pub use scim::*;
pub use scopes::*;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `ResponseDTO<T>`: `{status, data, metaData, correlationId}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// `SUCCESS`, `FAILURE` or `ERROR`.
    #[serde(default)]
    pub status: Option<String>,
    /// The payload.
    #[serde(default = "Option::default")]
    pub data: Option<T>,
    /// Server-side correlation id, for support tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// `PageResponse<T>`: 0-based pages.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// Pages in all.
    #[serde(default)]
    pub total_pages: Option<i64>,
    /// Items in all.
    #[serde(default)]
    pub total_items: Option<i64>,
    /// Items on this page.
    #[serde(default)]
    pub page_item_count: Option<i64>,
    /// Page size used.
    #[serde(default)]
    pub page_size: Option<i64>,
    /// The items.
    #[serde(default = "Vec::new")]
    pub content: Vec<T>,
    /// This page's 0-based index.
    #[serde(default)]
    pub page_index: Option<i64>,
    /// True when `content` is empty.
    #[serde(default)]
    pub empty: Option<bool>,
}

/// An error body: `ErrorDTO`, `FailureDTO` or `AccessDeniedErrorDTO`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// `ERROR` or `FAILURE`.
    #[serde(default)]
    pub status: Option<String>,
    /// Harness error code (open string), such as `NG_ACCESS_DENIED`.
    #[serde(default)]
    pub code: Option<String>,
    /// Human message.
    #[serde(default)]
    pub message: Option<String>,
    /// Correlation id.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// The permissions the caller lacked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_permission_checks: Vec<PermissionCheck>,
}

/// One failed permission check.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionCheck {
    /// The scope checked.
    #[serde(default)]
    pub resource_scope: Option<ScopeIds>,
    /// The resource type.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// The permission, such as `core_user_view`.
    #[serde(default)]
    pub permission: Option<String>,
}

/// `{accountIdentifier, orgIdentifier, projectIdentifier}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ScopeIds {
    /// Account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_identifier: Option<String>,
}

type Tags = BTreeMap<String, String>;
