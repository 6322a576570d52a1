//! Which resource types a permission acts on, as Harness's access-control
//! service decides it when it turns a role assignment into access entries.
//!
//! `InMemoryPermissionRepository` (access-control/libs/core, mirror
//! `vigneswara-propelo/harness-core`) maps each permission to a set of
//! resource types: the type whose `permissionKey` is the permission's second
//! `_`-separated part (`resourceTypes.yml`), plus the extra types listed in
//! `resource-permissions-exception-mapping.yml`. A resource group's selector
//! gives a permission only when one of those types matches the selector's
//! type, compared without case (`isPermissionCompatibleWithResourceSelector`).
//! So `ff_featureflag_edit` on a resource group that selects Environments is
//! access: Harness's feature-flag permissions act per environment.
//!
//! The pulled catalogue (`GET /authz/api/permissions`) answers each
//! permission's own type and wins over the table below; the table is
//! Harness's own (version 42 of `resourceTypes.yml`), used for a snapshot
//! without a catalogue and for a permission newer than the pulled one.

/// Harness's resource types by permission key: `(permissionKey, identifier)`
/// from `access-control/service/src/main/resources/io/harness/accesscontrol/
/// resources/resourceTypes.yml`.
pub const RESOURCE_TYPES: &[(&str, &str)] = &[
    ("account", "ACCOUNT"),
    ("organization", "ORGANIZATION"),
    ("project", "PROJECT"),
    ("connector", "CONNECTOR"),
    ("delegate", "DELEGATE"),
    ("delegateconfiguration", "DELEGATECONFIGURATION"),
    ("secret", "SECRET"),
    ("pipeline", "PIPELINE"),
    ("service", "SERVICE"),
    ("environment", "ENVIRONMENT"),
    ("environmentgroup", "ENVIRONMENT_GROUP"),
    ("audit", "AUDIT"),
    ("user", "USER"),
    ("serviceaccount", "SERVICEACCOUNT"),
    ("usergroup", "USERGROUP"),
    ("role", "ROLE"),
    ("resourcegroup", "RESOURCEGROUP"),
    ("license", "LICENSE"),
    ("authsetting", "AUTHSETTING"),
    ("featureflag", "FEATUREFLAG"),
    ("target", "TARGET"),
    ("targetgroup", "TARGETGROUP"),
    ("dashboards", "DASHBOARDS"),
    ("template", "TEMPLATE"),
    ("governancePolicy", "GOVERNANCEPOLICY"),
    ("governancePolicySets", "GOVERNANCEPOLICYSETS"),
    ("monitoredservice", "MONITOREDSERVICE"),
    ("slo", "SLO"),
    ("agent", "GITOPS_AGENT"),
    ("application", "GITOPS_APP"),
    ("repository", "GITOPS_REPOSITORY"),
    ("cluster", "GITOPS_CLUSTER"),
    ("gpgkey", "GITOPS_GPGKEY"),
    ("cert", "GITOPS_CERT"),
    ("testtarget", "STO_TESTTARGET"),
    ("exemption", "STO_EXEMPTION"),
    ("issue", "STO_ISSUE"),
    ("scan", "STO_SCAN"),
    ("ticket", "TICKET"),
    ("file", "FILE"),
    ("variable", "VARIABLE"),
    ("chaoshub", "CHAOS_HUB"),
    ("chaosinfrastructure", "CHAOS_INFRASTRUCTURE"),
    ("chaosexperiment", "CHAOS_EXPERIMENT"),
    ("chaosgameday", "CHAOS_GAMEDAY"),
    ("overview", "CCM_OVERVIEW"),
    ("perspective", "CCM_PERSPECTIVE"),
    ("folder", "CCM_FOLDER"),
    ("budget", "CCM_BUDGET"),
    ("costCategory", "CCM_COSTCATEGORY"),
    ("autoStoppingRule", "CCM_AUTOSTOPPINGRULE"),
    ("loadBalancer", "CCM_LOADBALANCER"),
    ("currencyPreference", "CCM_CURRENCYPREFERENCE"),
    (
        "cloudAssetGovernanceRule",
        "CCM_CLOUD_ASSET_GOVERNANCE_RULE",
    ),
    (
        "cloudAssetGovernanceRuleSet",
        "CCM_CLOUD_ASSET_GOVERNANCE_RULE_SET",
    ),
    (
        "cloudAssetGovernanceEnforcement",
        "CCM_CLOUD_ASSET_GOVERNANCE_RULE_ENFORCEMENT",
    ),
    ("smtp", "SMTP"),
    ("setting", "SETTING"),
    ("deploymentfreeze", "DEPLOYMENTFREEZE"),
    ("streamingDestination", "STREAMING_DESTINATION"),
    ("downtime", "DOWNTIME"),
    ("idpsettings", "IDP_SETTINGS"),
    ("plugin", "IDP_PLUGIN"),
    ("scorecard", "IDP_SCORECARD"),
    ("layout", "IDP_LAYOUT"),
    ("catalogaccesspolicy", "IDP_CATALOG_ACCESS_POLICY"),
    ("integration", "IDP_INTEGRATION"),
    ("advancedconfiguration", "IDP_ADVANCED_CONFIGURATION"),
    ("repo", "CODE_REPOSITORY"),
    ("networkmap", "NETWORK_MAP"),
    ("chaossecuritygovernance", "CHAOS_SECURITY_GOVERNANCE"),
    ("agents", "CET_AGENT"),
    ("token", "CET_TOKEN"),
    ("criticalevent", "CET_CRITICAL_EVENT"),
    ("workspace", "IAC_WORKSPACE"),
    ("seiconfigurationsettings", "SEI_CONFIGURATION_SETTINGS"),
    ("seicollections", "SEI_COLLECTIONS"),
    ("seiinsights", "SEI_INSIGHTS"),
    ("anomalies", "CCM_ANOMALIES"),
    ("recommendations", "CCM_RECOMMENDATIONS"),
    ("commitmentOrchestrator", "CCM_COMMITMENT_ORCHESTRATOR"),
    ("inputset", "INPUT_SET"),
    ("notification", "NOTIFICATION"),
    ("remediationtracker", "SSCA_REMEDIATION_TRACKER"),
];

/// The extra resource types a permission acts on: `(permission, type)` from
/// `resource-permissions-exception-mapping.yml` beside `resourceTypes.yml`.
pub const EXTRA_RESOURCE_TYPES: &[(&str, &str)] = &[
    ("ccm_perspective_view", "CCM_FOLDER"),
    ("ccm_perspective_edit", "CCM_FOLDER"),
    ("ccm_perspective_delete", "CCM_FOLDER"),
    ("ccm_budget_view", "CCM_FOLDER"),
    ("ccm_budget_edit", "CCM_FOLDER"),
    ("ccm_budget_delete", "CCM_FOLDER"),
    ("ccm_overview_view", "CCM_PERSPECTIVE"),
    ("ff_featureflag_edit", "ENVIRONMENT"),
    ("ff_featureflag_delete", "ENVIRONMENT"),
    ("ff_featureflag_toggle", "ENVIRONMENT"),
    ("ff_targetgroup_edit", "ENVIRONMENT"),
    ("ff_targetgroup_delete", "ENVIRONMENT"),
    ("sto_ticket_view", "ENVIRONMENT"),
    ("core_governancePolicySets_edit", "GOVERNANCEPOLICY"),
    ("ccm_cloudAssetGovernanceRule_execute", "CONNECTOR"),
];

/// The permission key of `permission`: its second `_`-separated part
/// (`PermissionDBO` metadata index 1), if it has three parts or more.
pub fn permission_key(permission: &str) -> Option<&str> {
    let mut parts = permission.split('_');
    let _module = parts.next()?;
    let key = parts.next()?;
    parts.next().map(|_| key)
}

/// Harness's resource type for `permission` from its key, if Harness's table
/// names one.
pub fn known_resource_type(permission: &str) -> Option<&'static str> {
    let key = permission_key(permission)?;
    RESOURCE_TYPES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, t)| *t)
}

/// The extra resource types `permission` acts on besides its own.
pub fn extra_resource_types(permission: &str) -> impl Iterator<Item = &'static str> + '_ {
    EXTRA_RESOURCE_TYPES
        .iter()
        .filter(move |(p, _)| *p == permission)
        .map(|(_, t)| *t)
}
