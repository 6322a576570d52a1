//! The Controls sheet and page section: which SOC 2 and ISO 27001 criteria
//! this pack evidences, where, and which it cannot (listed as manual, never
//! claimed).
//!
//! The findings carry their own control references (rule -> control, with
//! why); this catalogue only says what each control is and which part of the
//! pack speaks to it, and counts the findings that cite it. A control cited
//! by a finding but missing here is still listed, so nothing is dropped.

use std::collections::BTreeMap;

use crate::findings::Finding;

/// One row of the Controls sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlRow {
    /// `SOC2:CC6.3`, `ISO27001:A.8.2`.
    pub control: String,
    /// The criterion's short title.
    pub title: String,
    /// `evidenced`, `population evidenced` (the population a review
    /// needs; its operation is evidenced elsewhere) or `manual`.
    pub status: &'static str,
    /// What the pack shows, or what the reviewer must collect elsewhere.
    pub what: String,
    /// Sheets and rules that hold the evidence.
    pub r#where: String,
    /// Findings citing the control (evidenced rows only).
    pub findings: Option<usize>,
    /// Of those, findings not under an active exemption.
    pub open_findings: Option<usize>,
}

struct Entry {
    control: &'static str,
    title: &'static str,
    manual: bool,
    what: &'static str,
    r#where: &'static str,
}

const fn ev(
    control: &'static str,
    title: &'static str,
    what: &'static str,
    r#where: &'static str,
) -> Entry {
    Entry {
        control,
        title,
        manual: false,
        what,
        r#where,
    }
}

const fn manual(control: &'static str, title: &'static str, what: &'static str) -> Entry {
    Entry {
        control,
        title,
        manual: true,
        what,
        r#where: "",
    }
}

/// Controls whose operation is the review itself: the pack evidences their
/// population, and claims no more.
const POPULATION_ONLY: &[&str] = &["SOC2:CC6.3", "ISO27001:A.5.18"];

const CATALOGUE: &[Entry] = &[
    ev(
        "SOC2:CC6.1",
        "Logical access security",
        "Two-factor status of every user, API tokens and their lifetimes, secret access across scopes, and whether the population is complete.",
        "Principals (2FA), Tokens, Effective Access; rules admin-without-2fa, broad-secret-access, token-long-lived, population-incomplete",
    ),
    manual(
        "SOC2:CC6.1",
        "Logical access security",
        "Authentication settings of the account (SSO provider, password policy, session timeout, IP allow-lists): export them from Harness Authentication settings.",
    ),
    ev(
        "SOC2:CC6.2",
        "User registration and removal",
        "Every user and service account with status, SCIM provisioning and last login; inactive users and disabled or locked users still bound to roles.",
        "Principals, Findings; rules inactive-user, disabled-user-with-access, not-in-roster, roster-terminated, unmanaged-user, unmanaged-privileged-group, deceptive-name",
    ),
    manual(
        "SOC2:CC6.2",
        "User registration and removal",
        "Access requests approved before access was granted, and leavers removed on time: the ticketing system and the HR leaver list (run with --roster to compare).",
    ),
    ev(
        "SOC2:CC6.3",
        "Role-based access and least privilege",
        "The population to review: the effective access of every principal with its path through group, role, resource group and assignment; every admin; escalation paths; the entitlements reviewers decide on. The review's operation (the decisions, their approval, removals done) is not in this pack: see the manual row.",
        "Effective Access, Privileged Access, Role Assignments, Findings; rules admin-access, excess-admins, privilege-escalation-path, service-account-admin, direct-user-grant, all-users-group-privileged, sod-conflict",
    ),
    manual(
        "SOC2:CC6.3",
        "Role-based access and least privilege",
        "The review's operation: the decisions (a campaign directory from reviewpack collect, signed off with reviewpack signoff, or the filled-in Entitlements sheet), the tickets for each Revoke and Modify, and the removals verified (reviewpack diff --decisions next quarter).",
    ),
    ev(
        "SOC2:CC6.6",
        "Protection against external threats",
        "Two-factor authentication of human admins who are not SSO-managed.",
        "Principals (2FA); rule admin-without-2fa",
    ),
    ev(
        "ISO27001:A.5.3",
        "Segregation of duties",
        "Principals holding policy-defined incompatible permission sets (the default set, pipeline authoring with execution, or the policy file's [[sod]] sets).",
        "Findings; rule sod-conflict",
    ),
    ev(
        "ISO27001:A.5.15",
        "Access control",
        "Who can do what on which scope, and through what; roles bound to users directly; built-in all-users groups bound above viewer.",
        "Effective Access, Role Assignments, Roles, Resource Groups; rules direct-user-grant, all-users-group-privileged",
    ),
    ev(
        "ISO27001:A.5.16",
        "Identity management",
        "Every identity with its provisioning source; service accounts without an owner; users not in the roster; names that hide characters.",
        "Principals, Tokens; rules service-account-no-owner, not-in-roster, roster-terminated, unmanaged-user, unmanaged-privileged-group, service-account-admin, deceptive-name",
    ),
    ev(
        "ISO27001:A.5.17",
        "Authentication information",
        "API tokens with validity, lifetime and expiry; long-lived and expired tokens.",
        "Tokens; rules token-long-lived, token-expired-not-removed",
    ),
    manual(
        "ISO27001:A.5.17",
        "Authentication information",
        "Password and MFA policy of the identity provider for SSO users: evidence from the identity provider, not Harness.",
    ),
    ev(
        "ISO27001:A.5.18",
        "Access rights",
        "The population of this review: every principal, entitlement, grant and assignment, dormant and orphaned assignments, inactive users, empty privileged groups, group members the user list lacks.",
        "Principals, Effective Access, Role Assignments, Groups, Group Members; rules inactive-user, disabled-user-with-access, orphaned-assignment, disabled-assignment, empty-privileged-group, unknown-group-member, population-incomplete",
    ),
    manual(
        "ISO27001:A.5.18",
        "Access rights",
        "The review happened at the planned interval and its decisions were approved: the campaign's signoff.json (reviewpack signoff), or the sign-off block, dated and signed.",
    ),
    ev(
        "ISO27001:A.8.2",
        "Privileged access rights",
        "Every admin and escalation grant with its path; admin counts against the policy limit; service accounts with admin access.",
        "Privileged Access, Findings; rules admin-access, excess-admins, privilege-escalation-path, service-account-admin, broad-secret-access",
    ),
    ev(
        "ISO27001:A.8.5",
        "Secure authentication",
        "Two-factor status of every user; human admins without two-factor authentication.",
        "Principals (2FA); rule admin-without-2fa",
    ),
    manual(
        "ISO27001:A.8.5",
        "Secure authentication",
        "MFA enforced by the SSO provider for externally managed users: evidence from the identity provider.",
    ),
];

/// The rows of the Controls sheet: the catalogue in order, then any control
/// a finding cites that the catalogue does not know.
pub fn rows(findings: &[Finding]) -> Vec<ControlRow> {
    let per = findings_per_control(findings);
    let mut out: Vec<ControlRow> = CATALOGUE
        .iter()
        .map(|e| {
            let (n, open) = per.get(e.control).copied().unwrap_or_default();
            ControlRow {
                control: e.control.to_string(),
                title: e.title.to_string(),
                // The pack shows who has what; whether the review itself
                // operated is the campaign's evidence, not the pack's.
                status: if e.manual {
                    "manual"
                } else if POPULATION_ONLY.contains(&e.control) {
                    "population evidenced"
                } else {
                    "evidenced"
                },
                what: e.what.to_string(),
                r#where: e.r#where.to_string(),
                findings: (!e.manual).then_some(n),
                open_findings: (!e.manual).then_some(open),
            }
        })
        .collect();
    for (id, (n, open)) in per {
        if !CATALOGUE.iter().any(|e| e.control == id) {
            out.push(ControlRow {
                control: id.to_string(),
                title: String::new(),
                status: "evidenced",
                what: "Cited by findings in this pack.".to_string(),
                r#where: "Findings".to_string(),
                findings: Some(n),
                open_findings: Some(open),
            });
        }
    }
    out
}

/// Number of findings citing each control id.
pub fn findings_per_control(findings: &[Finding]) -> BTreeMap<&str, (usize, usize)> {
    let mut m: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in findings {
        for c in &f.controls {
            let e = m.entry(c.id.as_str()).or_default();
            e.0 += 1;
            if !f.is_exempt() {
                e.1 += 1;
            }
        }
    }
    m
}
