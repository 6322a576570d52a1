//! Harness's JSON shapes, exactly as the API sends them
//! (`../shared/harness-api/README.md`).
//!
//! Lenient on purpose: every field is optional, unknown fields are ignored,
//! enums are open strings, because Harness's models drift ahead of every
//! published spec. Plain data, no I/O. The types also serialise, so the test
//! tree's fake Harness server answers in the same shapes.

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

/// `UserMetadata` (items of `POST /ng/api/user/batch`, and `user` of
/// `UserAggregate`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMetadata {
    /// uuid.
    pub uuid: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Locked.
    #[serde(default)]
    pub locked: Option<bool>,
    /// Disabled.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// SCIM-provisioned.
    #[serde(default)]
    pub externally_managed: Option<bool>,
    /// 2FA (missing from the Go SDK, present on the server).
    #[serde(default)]
    pub two_factor_authentication_enabled: Option<bool>,
}

/// `UserAggregate` (items of `POST /ng/api/user/aggregate`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAggregate {
    /// The user.
    pub user: UserMetadata,
}

/// `UserInfo` of `GET /ng/api/user/currentUser`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// uuid.
    #[serde(default)]
    pub uuid: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
}

/// `UserGroup` (v1: `users` are uuid strings). The server's DTO is
/// `@JsonInclude(NON_NULL)`: absent values are omitted, never `null`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserGroup {
    /// Account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_identifier: Option<String>,
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Member uuids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<String>>,
    /// SSO-linked (old spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_sso_linked: Option<bool>,
    /// SSO-linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_linked: Option<bool>,
    /// `SAML`, `LDAP`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_sso_type: Option<String>,
    /// SSO group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_group_name: Option<String>,
    /// SCIM-provisioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub externally_managed: Option<bool>,
    /// Built-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_managed: Option<bool>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// `ServiceAccount` (items of the unpaged `GET /ng/api/serviceaccount`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Tags>,
    /// Account.
    #[serde(default)]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default)]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default)]
    pub project_identifier: Option<String>,
}

/// `ServiceAccountAggregate`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountAggregate {
    /// The service account.
    pub service_account: ServiceAccount,
    /// Creation time (ms).
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// `ApiKey` (items of the unpaged `GET /ng/api/apikey`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// `USER` or `SERVICE_ACCOUNT`.
    #[serde(default)]
    pub api_key_type: Option<String>,
    /// Parent.
    #[serde(default)]
    pub parent_identifier: Option<String>,
    /// Account.
    #[serde(default)]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default)]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default)]
    pub project_identifier: Option<String>,
}

/// `ApiKeyAggregate` (items of `GET /ng/api/apikey/aggregate`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyAggregate {
    /// The key.
    pub api_key: ApiKey,
    /// Creation (ms).
    #[serde(default)]
    pub created_at: Option<i64>,
    /// How many tokens the key has.
    #[serde(default)]
    pub tokens_count: Option<i64>,
}

/// `TokenAggregate` (items of `GET /ng/api/token/aggregate`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenAggregate {
    /// The token.
    pub token: Token,
    /// Expiry (ms).
    #[serde(default)]
    pub expiry_at: Option<i64>,
    /// Creation (ms).
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// `Token`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Validity start (ms).
    #[serde(default)]
    pub valid_from: Option<i64>,
    /// Validity end (ms).
    #[serde(default)]
    pub valid_to: Option<i64>,
    /// Valid now.
    #[serde(default)]
    pub valid: Option<bool>,
    /// Account.
    #[serde(default)]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default)]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default)]
    pub project_identifier: Option<String>,
    /// Its API key.
    #[serde(default)]
    pub api_key_identifier: Option<String>,
    /// The key's parent.
    #[serde(default)]
    pub parent_identifier: Option<String>,
    /// `USER` or `SERVICE_ACCOUNT`.
    #[serde(default)]
    pub api_key_type: Option<String>,
}

/// `RoleResponse`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleResponse {
    /// The role.
    pub role: Role,
    /// Where it lives.
    #[serde(default)]
    pub scope: Option<ScopeIds>,
    /// Built-in.
    #[serde(default)]
    pub harness_managed: Option<bool>,
}

/// `Role`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Permission ids.
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
    /// Levels it may be assigned at.
    #[serde(default)]
    pub allowed_scope_levels: Option<Vec<String>>,
}

/// `PermissionResponse` (items of the unpaged `GET /authz/api/permissions`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionResponse {
    /// The permission.
    pub permission: Permission,
}

/// `Permission`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<String>,
    /// Levels.
    #[serde(default)]
    pub allowed_scope_levels: Option<Vec<String>>,
    /// Resource type.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// Action.
    #[serde(default)]
    pub action: Option<String>,
}

/// `ResourceGroupV2Response`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroupResponse {
    /// The resource group.
    pub resource_group: ResourceGroup,
    /// Built-in.
    #[serde(default)]
    pub harness_managed: Option<bool>,
}

/// `ResourceGroupV2`. `@JsonInclude(NON_NULL)` on the server, like its scope
/// selectors: a built-in group carries no scope fields at all.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    /// Account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_identifier: Option<String>,
    /// Org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_identifier: Option<String>,
    /// Project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_identifier: Option<String>,
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Levels it may be used at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_scope_levels: Option<Vec<String>>,
    /// Included scopes; an entry with no identifiers means "the scope the
    /// group is used at".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included_scopes: Option<Vec<ScopeSelector>>,
    /// Resource filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_filter: Option<ResourceFilter>,
}

/// `ScopeSelector`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeSelector {
    /// `INCLUDING_CHILD_SCOPES` or `EXCLUDING_CHILD_SCOPES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
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

/// `ResourceFilter`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFilter {
    /// Selections.
    #[serde(default)]
    pub resources: Option<Vec<ResourceSelector>>,
    /// All resources.
    #[serde(default)]
    pub include_all_resources: Option<bool>,
}

/// `ResourceSelectorV2`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSelector {
    /// Resource type.
    pub resource_type: String,
    /// Identifiers.
    #[serde(default)]
    pub identifiers: Option<Vec<String>>,
    /// Attribute filter.
    #[serde(default)]
    pub attribute_filter: Option<AttributeFilter>,
}

/// `AttributeFilter`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeFilter {
    /// Name.
    #[serde(default)]
    pub attribute_name: Option<String>,
    /// Values.
    #[serde(default)]
    pub attribute_values: Option<Vec<String>>,
}

/// `RoleAssignmentResponse`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentResponse {
    /// The assignment.
    pub role_assignment: RoleAssignment,
    /// Where it was made.
    #[serde(default)]
    pub scope: Option<ScopeIds>,
    /// Created by Harness.
    #[serde(default)]
    pub harness_managed: Option<bool>,
}

/// `RoleAssignment`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// Identifier.
    pub identifier: String,
    /// Resource group.
    #[serde(default)]
    pub resource_group_identifier: Option<String>,
    /// Role (old field).
    #[serde(default)]
    pub role_identifier: Option<String>,
    /// Role with its level.
    #[serde(default)]
    pub role_reference: Option<RoleReference>,
    /// Principal.
    pub principal: AuthzPrincipal,
    /// Disabled.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// Managed.
    #[serde(default)]
    pub managed: Option<bool>,
}

/// `RoleReference`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleReference {
    /// Role identifier.
    pub identifier: String,
    /// Level, lowercase.
    #[serde(default)]
    pub scope_level: Option<String>,
}

/// `AuthzPrincipal`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthzPrincipal {
    /// Level, lowercase.
    #[serde(default)]
    pub scope_level: Option<String>,
    /// Identifier.
    pub identifier: String,
    /// `USER`, `USER_GROUP`, `SERVICE_ACCOUNT`, ...
    #[serde(rename = "type")]
    pub kind: String,
}

/// `RoleAssignmentAggregateResponse` of `POST /authz/api/roleassignments/aggregate`:
/// the scope's assignments (the first 1,000 matching the filter) with the
/// roles and resource groups they name, managed ones included.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentAggregate {
    /// The assignments (bare `RoleAssignment`s, no wrapper).
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignment>,
    /// The scope asked about.
    #[serde(default)]
    pub scope: Option<ScopeIds>,
    /// The roles those assignments name, resolvable at the scope.
    #[serde(default)]
    pub roles: Vec<RoleResponse>,
    /// The resource groups they name (identifier and name only).
    #[serde(default)]
    pub resource_groups: Vec<NamedRef>,
}

/// `{identifier, name}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedRef {
    /// Identifier.
    pub identifier: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
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

/// The body of `POST /audit/api/audits/list` (`AuditFilterProperties`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditFilter {
    /// Always `Audit`.
    #[serde(default)]
    pub filter_type: Option<String>,
    /// Scopes to search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<ScopeIds>,
    /// Actions to keep, such as `LOGIN`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// `EXCLUDE_LOGIN_EVENTS` or `EXCLUDE_SYSTEM_EVENTS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_filter: Option<String>,
    /// Window start (ms).
    #[serde(default)]
    pub start_time: Option<i64>,
    /// Window end (ms).
    #[serde(default)]
    pub end_time: Option<i64>,
}

/// An audit event (`AuditEventDto`), the parts used.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Id.
    #[serde(default)]
    pub audit_id: Option<String>,
    /// Action (open string).
    #[serde(default)]
    pub action: Option<String>,
    /// Module.
    #[serde(default)]
    pub module: Option<String>,
    /// Time (ms).
    #[serde(default)]
    pub timestamp: Option<i64>,
    /// The scope of the resource acted on.
    #[serde(default)]
    pub resource_scope: Option<ScopeIds>,
    /// Who.
    #[serde(default)]
    pub authentication_info: Option<AuthenticationInfo>,
    /// On what.
    #[serde(default)]
    pub resource: Option<AuditResource>,
}

/// `AuthenticationInfoDto`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationInfo {
    /// The principal.
    #[serde(default)]
    pub principal: Option<AuditPrincipal>,
    /// Labels such as `userId`, `username`, `email`.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
}

/// `AuditPrincipal`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPrincipal {
    /// `USER`, `SERVICE_ACCOUNT`, `API_KEY`, `SYSTEM`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Users: the email.
    #[serde(default)]
    pub identifier: Option<String>,
}

/// `AuditResource`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditResource {
    /// Type.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Identifier.
    #[serde(default)]
    pub identifier: Option<String>,
    /// Labels such as `userId`.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
}

/// A SCIM `ListResponse` (RFC 7644): a raw body, no Harness envelope;
/// `startIndex` is 1-based.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimListResponse<T> {
    /// `urn:ietf:params:scim:api:messages:2.0:ListResponse`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Items in all.
    #[serde(default)]
    pub total_results: Option<i64>,
    /// The 1-based index of this page's first item.
    #[serde(default)]
    pub start_index: Option<i64>,
    /// Items on this page.
    #[serde(default)]
    pub items_per_page: Option<i64>,
    /// The items.
    #[serde(default = "Vec::new", rename = "Resources")]
    pub resources: Vec<T>,
}

/// A SCIM email.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimEmail {
    /// The address.
    #[serde(default)]
    pub value: Option<String>,
    /// The primary address.
    #[serde(default)]
    pub primary: Option<bool>,
}

/// A SCIM name.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimName {
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub family_name: Option<String>,
}

/// A SCIM multi-valued reference (`groups[]`, `members[]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimRef {
    /// The referenced id.
    #[serde(default)]
    pub value: Option<String>,
    /// Its display name.
    #[serde(default)]
    pub display: Option<String>,
}

/// `ScimUser`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimUser {
    /// Schema URNs.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The SCIM id (Harness: the user's uuid).
    #[serde(default)]
    pub id: Option<String>,
    /// The identity provider's id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The login name (Harness: the email).
    #[serde(default)]
    pub user_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Whether the user is active.
    #[serde(default)]
    pub active: Option<bool>,
    /// Name parts.
    #[serde(default)]
    pub name: Option<ScimName>,
    /// Emails.
    #[serde(default)]
    pub emails: Vec<ScimEmail>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<ScimRef>,
    /// Resource metadata.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

/// `ScimGroup`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimGroup {
    /// Schema URNs.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The SCIM id (Harness: the user group identifier).
    #[serde(default)]
    pub id: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Members.
    #[serde(default)]
    pub members: Vec<ScimRef>,
    /// Resource metadata.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

/// `AccessCheckRequestDTO`, the body of `POST /authz/api/acl`. With no
/// `principal` the server checks the caller (`ACLResourceImpl.get`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheckRequest {
    /// The checks, at most 10,000 (`@Size(max = 10000)`).
    #[serde(default)]
    pub permissions: Vec<AccessCheck>,
    /// Whom to check; omitted: the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<AclPrincipal>,
}

/// `PermissionCheckDTO`: one permission on one resource (no identifier: on
/// every resource of the type at the scope).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheck {
    /// The scope of the resource; omitted for the account resource itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_scope: Option<ScopeIds>,
    /// `USERGROUP`, `SERVICEACCOUNT`, `ACCOUNT`, ...
    #[serde(default)]
    pub resource_type: Option<String>,
    /// One resource; omitted: all of the type at the scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_identifier: Option<String>,
    /// Such as `core_usergroup_view`.
    #[serde(default)]
    pub permission: Option<String>,
}

/// `Principal` of the access check.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AclPrincipal {
    /// A user's uuid or a service account's identifier.
    #[serde(default)]
    pub principal_identifier: Option<String>,
    /// `USER`, `SERVICE_ACCOUNT`, `API_KEY`, `SERVICE` (open).
    #[serde(default)]
    pub principal_type: Option<String>,
}

/// `AccessCheckResponseDTO`: one answer per check, in the checks' order.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheckResponse {
    /// Whom the server checked.
    #[serde(default)]
    pub principal: Option<AclPrincipal>,
    /// The answers.
    #[serde(default)]
    pub access_control_list: Vec<AccessControl>,
}

/// `AccessControlDTO` (`@JsonInclude(NON_NULL)`): the check echoed, with
/// `permitted`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessControl {
    /// The permission checked.
    #[serde(default)]
    pub permission: Option<String>,
    /// The scope checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_scope: Option<ScopeIds>,
    /// The resource type checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The resource checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_identifier: Option<String>,
    /// The answer.
    #[serde(default)]
    pub permitted: Option<bool>,
}
