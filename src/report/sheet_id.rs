//! The sheets of the pack, named once: their order, workbook and CSV names,
//! what a row is, and which are review sheets. Their columns and rows are in
//! [`super::sheets`]; this module depends on nothing, so the reviewer
//! routing ([`super::reviewers`]) can name sheets without depending on how
//! they are written.

/// The sheets of the pack, in workbook order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SheetId {
    /// Headline facts and counts.
    Summary,
    /// Every finding, most severe first.
    Findings,
    /// Every entitlement: what one Harness action removes.
    Entitlements,
    /// Every admin and escalation grant, with its path.
    PrivilegedAccess,
    /// Every user and service account.
    Principals,
    /// Every grant.
    EffectiveAccess,
    /// Every role assignment and how it resolved.
    RoleAssignments,
    /// Every user group.
    Groups,
    /// Every membership.
    GroupMembers,
    /// Every role.
    Roles,
    /// Every resource group.
    ResourceGroups,
    /// Every API token.
    Tokens,
    /// The controls the pack evidences, and those it cannot.
    Controls,
    /// The population walked end to end, from Harness's counts to the rows.
    Reconciliation,
    /// Where the snapshot came from and how complete it is.
    Provenance,
}

impl SheetId {
    /// Every sheet, in workbook order.
    pub const ALL: [SheetId; 15] = [
        SheetId::Summary,
        SheetId::Findings,
        SheetId::Entitlements,
        SheetId::PrivilegedAccess,
        SheetId::Principals,
        SheetId::EffectiveAccess,
        SheetId::RoleAssignments,
        SheetId::Groups,
        SheetId::GroupMembers,
        SheetId::Roles,
        SheetId::ResourceGroups,
        SheetId::Tokens,
        SheetId::Controls,
        SheetId::Reconciliation,
        SheetId::Provenance,
    ];

    /// The sheet's name in the workbook (continuations add ` (2)`, ...).
    pub fn name(self) -> &'static str {
        match self {
            SheetId::Summary => "Summary",
            SheetId::Findings => "Findings",
            SheetId::Entitlements => "Entitlements",
            SheetId::PrivilegedAccess => "Privileged Access",
            SheetId::Principals => "Principals",
            SheetId::EffectiveAccess => "Effective Access",
            SheetId::RoleAssignments => "Role Assignments",
            SheetId::Groups => "Groups",
            SheetId::GroupMembers => "Group Members",
            SheetId::Roles => "Roles",
            SheetId::ResourceGroups => "Resource Groups",
            SheetId::Tokens => "Tokens",
            SheetId::Controls => "Controls",
            SheetId::Reconciliation => "Reconciliation",
            SheetId::Provenance => "Provenance",
        }
    }

    /// The file name under `csv/`.
    pub fn csv_name(self) -> &'static str {
        match self {
            SheetId::Summary => "summary.csv",
            SheetId::Findings => "findings.csv",
            SheetId::Entitlements => "entitlements.csv",
            SheetId::PrivilegedAccess => "privileged_access.csv",
            SheetId::Principals => "principals.csv",
            SheetId::EffectiveAccess => "effective_access.csv",
            SheetId::RoleAssignments => "role_assignments.csv",
            SheetId::Groups => "groups.csv",
            SheetId::GroupMembers => "group_members.csv",
            SheetId::Roles => "roles.csv",
            SheetId::ResourceGroups => "resource_groups.csv",
            SheetId::Tokens => "tokens.csv",
            SheetId::Controls => "controls.csv",
            SheetId::Reconciliation => "reconciliation.csv",
            SheetId::Provenance => "provenance.csv",
        }
    }

    /// One line under the sheet's title: what a row is.
    pub fn about(self) -> &'static str {
        match self {
            SheetId::Summary => "Headline facts of this review.",
            SheetId::Findings => "One row per finding, most severe first. Decide each: Keep (accept), Revoke or Modify.",
            SheetId::Entitlements => "One row per entitlement: what one Harness action removes (a user or service account, a membership of an org, project or group, a role assignment, a token), with what it gives. Decide each once: Keep, Revoke, or Modify (role assignments).",
            SheetId::PrivilegedAccess => "One row per admin or escalation grant, with the path it comes through: the evidence of what each entitlement reaches (decide on Entitlements).",
            SheetId::Principals => "One row per user and service account (decide on Entitlements).",
            SheetId::EffectiveAccess => "One row per grant: a principal holding a role assignment directly or through a group; the evidence of what each entitlement reaches (decide on Entitlements).",
            SheetId::RoleAssignments => "One row per role assignment, with how it resolved: active, disabled (dormant) or orphaned.",
            SheetId::Groups => "One row per user group; members counts the effective members.",
            SheetId::GroupMembers => "One row per group membership; the built-in all-users groups expanded to every user of their scope.",
            SheetId::Roles => "One row per role, with its permissions and the escalation permissions among them.",
            SheetId::ResourceGroups => "One row per resource group, with the scopes and resources it covers.",
            SheetId::Tokens => "One row per API token. Harness records no last-used time for tokens (decide on Entitlements).",
            SheetId::Controls => "The SOC 2 and ISO 27001 controls this pack evidences, and those it cannot (manual).",
            SheetId::Reconciliation => "The population from Harness's counts to the rows of this pack, step by step, with why any two numbers differ.",
            SheetId::Provenance => "Where the snapshot came from, how complete it is, and how this pack was made.",
        }
    }

    /// True for the sheets reviewers decide on (they get reviewer columns).
    pub fn is_review(self) -> bool {
        matches!(self, SheetId::Findings | SheetId::Entitlements)
    }
}
