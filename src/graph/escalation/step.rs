//! What the escalation search reports: [`EscalationStep`]s ("P can become
//! Q", each traced to the role assignment that allows it) and the
//! [`EscalationPath`] they make to admin of a scope. Plain data every output
//! (findings, `explain`, the pack) serialises.

use serde::Serialize;

use crate::snapshot::Scope;

/// What one step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepAction {
    /// Add itself to a user group.
    JoinGroup,
    /// Mint an API token for a service account.
    MintToken,
    /// Add permissions to a custom role it holds.
    EditRole,
    /// Widen a custom resource group one of its assignments runs through.
    WidenResourceGroup,
    /// Assign itself any role at a scope.
    AssignRole,
    /// Bind the scope's admin role to a user group it is in, or creates and
    /// joins.
    BindAdminRole,
    /// Bind the scope's admin role to a service account it may edit (or
    /// create), to mint its token next.
    BindServiceAccount,
    /// Point the account's login at an identity provider it controls.
    RepointLogin,
    /// Act with the grants of a service account of the same identifier at
    /// another scope: Harness keys a service account's grants by its bare
    /// identifier (docs/harness-behaviour.md P6, unverified for current
    /// servers): it shares the identifier of a service account elsewhere.
    ReuseServiceAccountIdentifier,
    /// Impersonate a user of the account (`core_user_impersonate` at the
    /// account) and act with that user's grants.
    ImpersonateUser,
    /// Hold admin of a scope through an assignment (the last step).
    HoldAdmin,
}

impl StepAction {
    /// The kebab-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::JoinGroup => "join-group",
            StepAction::MintToken => "mint-token",
            StepAction::EditRole => "edit-role",
            StepAction::WidenResourceGroup => "widen-resource-group",
            StepAction::AssignRole => "assign-role",
            StepAction::BindAdminRole => "bind-admin-role",
            StepAction::BindServiceAccount => "bind-service-account",
            StepAction::RepointLogin => "repoint-login",
            StepAction::ReuseServiceAccountIdentifier => "reuse-service-account-identifier",
            StepAction::ImpersonateUser => "impersonate-user",
            StepAction::HoldAdmin => "hold-admin",
        }
    }
}

/// One "P can become Q" step, traced to the role assignment that allows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationStep {
    /// What the step does.
    pub action: StepAction,
    /// What the principal becomes or reaches: `group:SCOPE/ID`,
    /// `sa:SCOPE/ID`, `role SCOPE/ID`, `resource group SCOPE/ID` or
    /// `admin of SCOPE`.
    pub target: String,
    /// The scope the target lives at (for admin steps: the scope administered).
    pub target_scope: Scope,
    /// Whose grant allows the step: `direct` (the principal's own),
    /// `group:SCOPE/ID`, `sa:SCOPE/ID`, or an edited role or widened
    /// resource group reached earlier.
    pub held_by: String,
    /// The permission used (none for `hold-admin`).
    pub permission: Option<String>,
    /// The role assignment carrying that permission (or the admin grant).
    pub assignment_id: String,
    /// The scope of that assignment.
    pub assignment_scope: Scope,
    /// Its role.
    pub role_id: String,
    /// Its resource group.
    pub resource_group_id: String,
    /// One sentence.
    pub text: String,
}

/// The shortest way from a principal to admin of a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationPath {
    /// The scope the principal can become admin of.
    pub admin_of: Scope,
    /// The steps, first to last; the last reaches admin (`hold-admin`,
    /// `assign-role`, `bind-admin-role`, `mint-token` or `repoint-login`).
    pub steps: Vec<EscalationStep>,
}

impl EscalationPath {
    /// The path on one line: `join group:account/admins -> admin of account`.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::with_capacity(self.steps.len());
        for s in &self.steps {
            parts.push(match s.action {
                StepAction::HoldAdmin => s.target.clone(),
                other => format!("{} {}", other.as_str(), s.target),
            });
        }
        parts.join(" -> ")
    }
}
