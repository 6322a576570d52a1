//! The rule codes of design.md section 7: each with its stable kebab-case
//! code, a one-sentence description, a default severity and the controls it
//! evidences, each with a one-line why. docs/rules.md has a section per code;
//! the policy file, findings.json and the docs all use the same string.

use super::finding::{ControlRef, Severity};

/// A finding rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Inventory of every effective admin.
    AdminAccess,
    /// More account admins than `max_account_admins`.
    ExcessAdmins,
    /// A human admin without 2FA and not SSO-managed.
    AdminWithout2fa,
    /// A principal that can make itself admin.
    PrivilegeEscalationPath,
    /// A service account with admin access.
    ServiceAccountAdmin,
    /// An enabled user with access and no login within `inactive_days`.
    InactiveUser,
    /// A disabled or locked user still bound to roles.
    DisabledUserWithAccess,
    /// A user not in the HR roster (needs `--roster`).
    NotInRoster,
    /// A user the roster marks terminated (needs `--roster`).
    RosterTerminated,
    /// A role bound to a user, not a group.
    DirectUserGrant,
    /// A built-in all-users group bound above viewer.
    AllUsersGroupPrivileged,
    /// A non-admin with secret access across child scopes.
    BroadSecretAccess,
    /// A token valid longer than `token_max_days`, or without expiry.
    TokenLongLived,
    /// An expired token still present.
    TokenExpiredNotRemoved,
    /// A service account without an owner.
    ServiceAccountNoOwner,
    /// A role assignment whose principal, role or resource group is missing.
    OrphanedAssignment,
    /// A group with roles and no members.
    EmptyPrivilegedGroup,
    /// A disabled role assignment (dormant binding).
    DisabledAssignment,
    /// A principal holding a policy-defined incompatible permission set.
    SodConflict,
    /// A user not provisioned by SCIM where the account uses SCIM.
    UnmanagedUser,
    /// A privileged user group whose membership is managed outside the
    /// identity provider.
    UnmanagedPrivilegedGroup,
    /// A user group lists a member the snapshot's user list does not have.
    UnknownGroupMember,
    /// A name or email holds a bidirectional control or invisible character.
    DeceptiveName,
    /// The snapshot is not complete.
    PopulationIncomplete,
    /// A reviewer's Revoke decision whose access is still present (`diff
    /// --decisions`).
    RevocationNotDone,
    /// A reviewer's Modify decision whose access is still as it was (`diff
    /// --decisions`).
    ModificationNotDone,
    /// A Revoke or Modify carried out after its `remediate_by` day, by the
    /// audit trail (`diff --decisions`).
    RemediationLate,
}

impl Rule {
    /// Every rule, in the order of design.md section 7 (the rules added
    /// since, `unknown-group-member` and `deceptive-name`, before
    /// `population-incomplete`).
    pub const ALL: &'static [Rule] = &[
        Rule::AdminAccess,
        Rule::ExcessAdmins,
        Rule::AdminWithout2fa,
        Rule::PrivilegeEscalationPath,
        Rule::ServiceAccountAdmin,
        Rule::InactiveUser,
        Rule::DisabledUserWithAccess,
        Rule::NotInRoster,
        Rule::RosterTerminated,
        Rule::DirectUserGrant,
        Rule::AllUsersGroupPrivileged,
        Rule::BroadSecretAccess,
        Rule::TokenLongLived,
        Rule::TokenExpiredNotRemoved,
        Rule::ServiceAccountNoOwner,
        Rule::OrphanedAssignment,
        Rule::EmptyPrivilegedGroup,
        Rule::DisabledAssignment,
        Rule::SodConflict,
        Rule::UnmanagedUser,
        Rule::UnmanagedPrivilegedGroup,
        Rule::UnknownGroupMember,
        Rule::DeceptiveName,
        Rule::PopulationIncomplete,
        Rule::RevocationNotDone,
        Rule::ModificationNotDone,
        Rule::RemediationLate,
    ];

    /// The stable kebab-case code.
    pub fn code(self) -> &'static str {
        match self {
            Rule::AdminAccess => "admin-access",
            Rule::ExcessAdmins => "excess-admins",
            Rule::AdminWithout2fa => "admin-without-2fa",
            Rule::PrivilegeEscalationPath => "privilege-escalation-path",
            Rule::ServiceAccountAdmin => "service-account-admin",
            Rule::InactiveUser => "inactive-user",
            Rule::DisabledUserWithAccess => "disabled-user-with-access",
            Rule::NotInRoster => "not-in-roster",
            Rule::RosterTerminated => "roster-terminated",
            Rule::DirectUserGrant => "direct-user-grant",
            Rule::AllUsersGroupPrivileged => "all-users-group-privileged",
            Rule::BroadSecretAccess => "broad-secret-access",
            Rule::TokenLongLived => "token-long-lived",
            Rule::TokenExpiredNotRemoved => "token-expired-not-removed",
            Rule::ServiceAccountNoOwner => "service-account-no-owner",
            Rule::OrphanedAssignment => "orphaned-assignment",
            Rule::EmptyPrivilegedGroup => "empty-privileged-group",
            Rule::DisabledAssignment => "disabled-assignment",
            Rule::SodConflict => "sod-conflict",
            Rule::UnmanagedUser => "unmanaged-user",
            Rule::UnmanagedPrivilegedGroup => "unmanaged-privileged-group",
            Rule::UnknownGroupMember => "unknown-group-member",
            Rule::DeceptiveName => "deceptive-name",
            Rule::PopulationIncomplete => "population-incomplete",
            Rule::RevocationNotDone => "revocation-not-done",
            Rule::ModificationNotDone => "modification-not-done",
            Rule::RemediationLate => "remediation-late",
        }
    }

    /// Finds a rule by its code.
    pub fn parse(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// One sentence: what the rule flags.
    pub fn description(self) -> &'static str {
        match self {
            Rule::AdminAccess => "A principal is administrator of a scope (inventory of every effective admin, with the path).",
            Rule::ExcessAdmins => "The account has more account administrators than the policy allows.",
            Rule::AdminWithout2fa => "A human administrator has no two-factor authentication and is not managed by SSO.",
            Rule::PrivilegeEscalationPath => "A principal can make itself administrator of a scope it does not administer, through permissions it holds.",
            Rule::ServiceAccountAdmin => "A service account is administrator of a scope.",
            Rule::InactiveUser => "An enabled user with access has no login within the inactivity threshold.",
            Rule::DisabledUserWithAccess => "A disabled or locked user is still bound to roles.",
            Rule::NotInRoster => "An enabled user with access is not in the workforce roster (needs --roster).",
            Rule::RosterTerminated => "An enabled user with access is suspended, disabled, deprovisioned or terminated in the workforce roster (needs --roster).",
            Rule::DirectUserGrant => "A role is bound directly to a user instead of a group.",
            Rule::AllUsersGroupPrivileged => "A built-in all-users group is bound to a role above viewer, so every user gets it.",
            Rule::BroadSecretAccess => "A non-admin principal can access secrets across a scope and all its child scopes.",
            Rule::TokenLongLived => "An API token is valid for longer than the policy allows, or never expires.",
            Rule::TokenExpiredNotRemoved => "An expired API token has not been deleted.",
            Rule::ServiceAccountNoOwner => "A service account has no owner tag and no owner in the policy.",
            Rule::OrphanedAssignment => "A role assignment names a principal, role or resource group that does not exist.",
            Rule::EmptyPrivilegedGroup => "A user group is bound to roles but has no members.",
            Rule::DisabledAssignment => "A disabled role assignment is a dormant binding that can be re-enabled.",
            Rule::SodConflict => "A principal holds a set of permissions the policy defines as incompatible.",
            Rule::UnmanagedUser => "A user with access is not provisioned by SCIM although the account uses SCIM.",
            Rule::UnmanagedPrivilegedGroup => "A user group with escalation or admin access is neither linked to SSO nor provisioned by SCIM, so its membership is managed by hand in Harness.",
            Rule::UnknownGroupMember => "A user group lists a member the account's user list does not have: added or removed while the pull ran, or a stale membership.",
            Rule::DeceptiveName => "A user's name or email, a service account's name or a user group's name holds a bidirectional control or invisible character, which can make it read as someone else or hide it from searches.",
            Rule::PopulationIncomplete => "The snapshot is incomplete, so the review does not cover the whole population.",
            Rule::RevocationNotDone => "A reviewer decided to revoke access last review, and the access is still there.",
            Rule::ModificationNotDone => "A reviewer decided last review to change access to another role or resource group, and it is still as it was.",
            Rule::RemediationLate => "A change the review decided was carried out, but after the day the policy gave for it (the audit trail says when).",
        }
    }

    /// The severity before policy overrides.
    pub fn default_severity(self) -> Severity {
        match self {
            Rule::AdminAccess | Rule::EmptyPrivilegedGroup | Rule::DisabledAssignment => {
                Severity::Info
            }
            Rule::DirectUserGrant
            | Rule::TokenExpiredNotRemoved
            | Rule::ServiceAccountNoOwner
            | Rule::UnmanagedUser
            | Rule::UnknownGroupMember => Severity::Low,
            Rule::RemediationLate
            | Rule::ExcessAdmins
            | Rule::InactiveUser
            | Rule::BroadSecretAccess
            | Rule::TokenLongLived
            | Rule::OrphanedAssignment
            | Rule::SodConflict
            | Rule::UnmanagedPrivilegedGroup
            | Rule::DeceptiveName
            | Rule::ModificationNotDone => Severity::Medium,
            Rule::AdminWithout2fa
            | Rule::PrivilegeEscalationPath
            | Rule::ServiceAccountAdmin
            | Rule::DisabledUserWithAccess
            | Rule::NotInRoster
            | Rule::RosterTerminated
            | Rule::AllUsersGroupPrivileged
            | Rule::RevocationNotDone => Severity::High,
            Rule::PopulationIncomplete => Severity::Critical,
        }
    }

    /// Why the rule is not evaluated in this build, when it is not.
    pub fn not_evaluated_reason(self) -> Option<&'static str> {
        match self {
            Rule::NotInRoster | Rule::RosterTerminated => Some("needs --roster FILE"),
            Rule::RevocationNotDone | Rule::ModificationNotDone | Rule::RemediationLate => {
                Some("checked by `diff --decisions`, not by `report`")
            }
            _ => None,
        }
    }

    /// The controls the rule evidences: (`SOC2:…` / `ISO27001:…`, why).
    pub fn control_refs(self) -> &'static [(&'static str, &'static str)] {
        const CC61: &str = "SOC2:CC6.1";
        const CC62: &str = "SOC2:CC6.2";
        const CC63: &str = "SOC2:CC6.3";
        const CC66: &str = "SOC2:CC6.6";
        const A53: &str = "ISO27001:A.5.3";
        const A515: &str = "ISO27001:A.5.15";
        const A516: &str = "ISO27001:A.5.16";
        const A517: &str = "ISO27001:A.5.17";
        const A518: &str = "ISO27001:A.5.18";
        const A82: &str = "ISO27001:A.8.2";
        const A85: &str = "ISO27001:A.8.5";
        match self {
            Rule::AdminAccess => &[
                (CC63, "Privileged access is listed so each admin can be confirmed as still needed."),
                (A82, "Privileged access rights are identified and reviewed."),
            ],
            Rule::ExcessAdmins => &[
                (CC63, "Administrator access is limited to the few people whose role needs it."),
                (A82, "The allocation of privileged access rights is restricted."),
            ],
            Rule::AdminWithout2fa => &[
                (CC61, "Privileged logins are protected by more than a password."),
                (CC66, "Access from outside the boundary to an admin account needs strong authentication."),
                (A85, "Privileged users authenticate with multi-factor authentication."),
            ],
            Rule::PrivilegeEscalationPath => &[
                (CC63, "The principal can grant itself admin access nobody approved."),
                (A82, "Privileged rights reachable indirectly are privileged rights to review."),
            ],
            Rule::ServiceAccountAdmin => &[
                (CC63, "A non-human identity holds the broadest access; least privilege applies to it too."),
                (A516, "A machine identity with admin rights needs an owner and a lifecycle."),
                (A82, "Its token is a privileged credential."),
            ],
            Rule::InactiveUser => &[
                (CC62, "Access no longer used is removed in a timely way."),
                (A518, "Access rights are reviewed and removed when no longer needed."),
            ],
            Rule::DisabledUserWithAccess => &[
                (CC62, "Access is removed when a user is deprovisioned, not only the login."),
                (A518, "Access rights are removed on termination or change."),
            ],
            Rule::NotInRoster | Rule::RosterTerminated => &[
                (CC62, "Access is removed when people leave."),
                (A516, "Every identity maps to a known person through its lifecycle."),
                (A518, "Access rights are removed on termination."),
            ],
            Rule::DirectUserGrant => &[
                (CC63, "Role-based access through groups keeps access consistent and reviewable."),
                (A515, "Access is granted by role, not person by person."),
            ],
            Rule::AllUsersGroupPrivileged => &[
                (CC63, "Every user gets more than read access by default: not least privilege."),
                (A515, "Access rules grant only what each role needs."),
            ],
            Rule::BroadSecretAccess => &[
                (CC61, "Credentials stored as secrets are reachable across many scopes by one principal."),
                (A82, "Broad access to credentials is privileged access."),
            ],
            Rule::TokenLongLived => &[
                (CC61, "Credentials are rotated; a token without a near expiry outlives its purpose."),
                (A517, "Authentication information is managed over its lifecycle."),
            ],
            Rule::TokenExpiredNotRemoved => &[(
                A517,
                "Dead credentials are removed so the credential inventory stays accurate.",
            )],
            Rule::ServiceAccountNoOwner => &[(
                A516,
                "Every identity has an accountable owner through its lifecycle.",
            )],
            Rule::OrphanedAssignment => &[(
                A518,
                "Bindings to deleted objects are removed; they revive access if the name is reused.",
            )],
            Rule::EmptyPrivilegedGroup => &[(
                A518,
                "Adding one member to this group grants its access without a new role assignment.",
            )],
            Rule::DisabledAssignment => &[(
                A518,
                "A dormant binding grants its access again the moment it is re-enabled.",
            )],
            Rule::SodConflict => &[
                (CC63, "Incompatible duties are split between different people."),
                (A53, "Conflicting duties are segregated."),
            ],
            Rule::UnmanagedUser => &[
                (CC62, "A user outside the identity provider is not deprovisioned with it."),
                (A516, "Identities are managed centrally through their lifecycle."),
            ],
            Rule::UnmanagedPrivilegedGroup => &[
                (CC62, "Membership of a privileged group is managed outside the identity provider."),
                (A516, "Who holds privileged access is not governed by the central identity lifecycle."),
            ],
            Rule::UnknownGroupMember => &[(
                A518,
                "Group memberships name only people the review can see.",
            )],
            Rule::DeceptiveName => &[
                (CC62, "A name that reads as someone else's can pass a review as that person."),
                (A516, "Each identity is recognisable as the person or system it belongs to."),
            ],
            Rule::PopulationIncomplete => &[
                (CC61, "The review must cover the complete population of access."),
                (A518, "A review of part of the population is not a review of all access rights."),
            ],
            Rule::RevocationNotDone => &[
                (CC62, "Access the review decided to remove is still in place."),
                (A518, "Access rights are not adjusted as the access review decided."),
            ],
            Rule::ModificationNotDone => &[
                (CC63, "Access the review decided to reduce or change is still as it was."),
                (A518, "Access rights are not adjusted as the access review decided."),
            ],
            Rule::RemediationLate => &[
                (CC62, "Access the review decided to remove stayed in place past the time the policy allows."),
                (A518, "Access rights were adjusted as the review decided, but not in the time set for it."),
            ],
        }
    }

    /// The controls as finding data.
    pub fn controls(self) -> Vec<ControlRef> {
        self.control_refs()
            .iter()
            .map(|(id, why)| ControlRef {
                id: (*id).to_string(),
                why: (*why).to_string(),
            })
            .collect()
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for r in Rule::ALL {
            let c = r.code();
            assert!(seen.insert(c), "{c} twice");
            assert!(c
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'));
            assert_eq!(Rule::parse(c), Some(*r));
            assert!(!r.controls().is_empty(), "{c} has controls");
            assert!(r.description().ends_with('.'), "{c}");
        }
        assert_eq!(Rule::ALL.len(), 27);
    }

    #[test]
    fn default_severities_follow_the_design_table() {
        assert_eq!(Rule::AdminAccess.default_severity(), Severity::Info);
        assert_eq!(Rule::ExcessAdmins.default_severity(), Severity::Medium);
        assert_eq!(Rule::AdminWithout2fa.default_severity(), Severity::High);
        assert_eq!(
            Rule::PopulationIncomplete.default_severity(),
            Severity::Critical
        );
        assert_eq!(Rule::DirectUserGrant.default_severity(), Severity::Low);
        assert_eq!(
            Rule::UnmanagedPrivilegedGroup.default_severity(),
            Severity::Medium
        );
        assert_eq!(Rule::UnknownGroupMember.default_severity(), Severity::Low);
        assert_eq!(Rule::DeceptiveName.default_severity(), Severity::Medium);
    }
}
