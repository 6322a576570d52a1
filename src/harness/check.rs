//! The preflight `reviewpack check` runs: whether the key holds every
//! permission `pull` needs, asked of Harness's access check at the account
//! and at every org and project the key can list ([`super::access`]), or,
//! where the access check cannot be used, with one request to each list at
//! the account.
//!
//! First it names whose key it is and until when it works
//! ([`super::holder`]).
//!
//! It reports and does not decide: the command prints the items and sets
//! the exit code. A bad key, an unreachable host or a network that keeps
//! failing is an error, since every check would fail alike.

use chrono::Utc;
use serde::Serialize;

use super::access::{self, Grants};
use super::client::{ApiError, ApiErrorCause, Call, Client, Method};
use super::holder::{self, Identity};
use super::paging::list_paged;
use super::wire;
use crate::snapshot::Scope;

/// Checks the key: who holds it and until when, then Harness's access
/// check, else one request to each list. `notice` hears, once each, why the
/// access check could not be used or reached only the account.
pub async fn run(client: &Client, notice: &dyn Fn(&str)) -> Result<Preflight, ApiError> {
    let mut identity = holder::identify(client).await?;
    let mut preflight = match with_access_check(client, notice).await? {
        Checked::Answered(p, principal) => {
            if identity.holder.is_none() {
                identity.holder = principal.as_ref().and_then(holder::holder_of_principal);
            }
            *p
        }
        Checked::Unusable(page) => {
            let mut p = with_lists(client).await?;
            // Every list got a page, not Harness (a proxy, a sign-in page):
            // say that, not that every permission is missing. Where some
            // lists answer, Harness is there and a proxy stands in front of
            // some endpoints only (X6): those items say BLOCKED.
            if p.items.iter().all(|i| i.not_harness.is_some()) {
                p.not_harness = page.or_else(|| p.items.first()?.not_harness.clone());
            }
            p
        }
    };
    preflight.identity = Some(identity);
    Ok(preflight)
}

/// What the access check gave.
enum Checked {
    /// The items, and the principal it checked.
    Answered(Box<Preflight>, Option<wire::AclPrincipal>),
    /// It could not be used; the HTML page that answered instead, if one did.
    Unusable(Option<String>),
}

/// One permission checked (an item of `check --json`'s `checks`).
#[derive(Debug, Serialize)]
pub struct CheckItem {
    /// Such as `core_usergroup_view`.
    pub permission: &'static str,
    /// The requests that need it.
    pub endpoint: String,
    /// Whether the key holds it (everywhere it was asked).
    pub ok: bool,
    /// Without it `pull` fails; with an optional one it records a gap.
    pub required: bool,
    /// What the permission feeds.
    pub feeds: &'static str,
    /// The scopes where the key lacks it (from Harness's access check).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_at: Vec<String>,
    /// Why it is missing.
    pub detail: Option<String>,
    /// The page that answered instead of Harness (a proxy's, a sign-in
    /// page): the check says nothing of the permission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_harness: Option<String>,
}

/// How `check` found out: Harness's access check, or one request to each
/// list when the access check cannot be used.
pub struct Preflight {
    /// One item per permission of [`access::NEEDED`], in its order.
    pub items: Vec<CheckItem>,
    /// `POST /authz/api/acl` or `lists`.
    pub source: &'static str,
    /// Orgs and projects checked besides the account.
    pub below: usize,
    /// Who holds the key and until when.
    pub identity: Option<Identity>,
    /// An HTML page (a proxy's, a sign-in page) answered instead of Harness
    /// where the access check or every list was asked: what it said.
    pub not_harness: Option<String>,
}

/// A cheap request that needs the permission, for when the access check
/// cannot be used. A list Harness narrows without an error (user groups,
/// service accounts, orgs, projects) answers it even without the permission.
struct Probe {
    permission: &'static str,
    method: Method,
    path: &'static str,
    query: &'static [(&'static str, &'static str)],
}

/// One probe per permission of [`access::NEEDED`], in its order.
const PROBES: &[Probe] = &[
    Probe {
        permission: "core_organization_view",
        method: Method::Get,
        path: "/ng/api/organizations",
        query: &[],
    },
    Probe {
        permission: "core_project_view",
        method: Method::Get,
        path: "/ng/api/projects",
        query: &[],
    },
    Probe {
        permission: "core_user_view",
        method: Method::Post,
        path: "/ng/api/user/batch",
        query: &[],
    },
    Probe {
        permission: "core_usergroup_view",
        method: Method::Get,
        path: "/ng/api/user-groups",
        query: &[],
    },
    Probe {
        permission: "core_serviceaccount_view",
        method: Method::Get,
        path: "/ng/api/serviceaccount/aggregate",
        query: &[],
    },
    Probe {
        permission: "core_role_view",
        method: Method::Get,
        path: "/authz/api/roles",
        query: &[],
    },
    Probe {
        permission: "core_resourcegroup_view",
        method: Method::Get,
        path: "/resourcegroup/api/v2/resourcegroup",
        query: &[],
    },
    Probe {
        permission: "core_audit_view",
        method: Method::Post,
        path: "/audit/api/audits/list",
        query: &[],
    },
    Probe {
        permission: "core_account_view",
        method: Method::Get,
        path: "/ng/api/accounts/{account}",
        query: &[],
    },
    Probe {
        permission: "core_serviceaccount_manageapikey",
        method: Method::Get,
        path: "/ng/api/token/aggregate",
        query: &[("apiKeyType", "SERVICE_ACCOUNT")],
    },
];

/// A bad key, an unreachable host or a network that keeps failing fails
/// every check alike: stop.
fn stop_check(e: &ApiError) -> bool {
    e.cause.is_final() || e.cause.is_transient()
}

/// Asks Harness's access check about every permission `pull` needs, at the
/// account and at every org and project the key can list; `None` when the
/// access check cannot be used (said once on stderr).
async fn with_access_check(client: &Client, notice: &dyn Fn(&str)) -> Result<Checked, ApiError> {
    let account = client.config().account_id.clone();
    let refused = |why: &str| {
        notice(&format!(
            "note: Harness's access check ({}) could not be used ({why}); checking with one request to each list instead, which cannot see a permission whose list Harness narrows without an error (docs/operations.md, Known gaps)",
            access::ACL_ENDPOINT
        ));
    };
    let mut grants = Grants::default();
    let asks = access::at_account(&account);
    let principal = match access::ask_naming_caller(client, &asks).await {
        Ok((answers, principal)) => {
            grants.record(&asks, &answers);
            principal
        }
        Err(access::Unusable::Final(e)) => return Err(e),
        Err(access::Unusable::Refused(why, page)) => {
            refused(&why);
            return Ok(Checked::Unusable(page));
        }
    };
    let mut below = 0;
    if grants.allows("core_organization_view", &Scope::Account) {
        match child_scopes(client).await {
            Ok(scopes) => {
                below = scopes.len();
                let asks = access::below_account(&account, &scopes);
                match access::ask(client, &asks).await {
                    Ok(answers) => grants.record(&asks, &answers),
                    Err(access::Unusable::Final(e)) => return Err(e),
                    Err(access::Unusable::Refused(why, _)) => {
                        below = 0;
                        notice(&format!(
                            "note: Harness's access check ({}) answered for the account but not for its orgs and projects ({why}): checked at the account only",
                            access::ACL_ENDPOINT
                        ));
                    }
                }
            }
            Err(e) if stop_check(&e) => return Err(e),
            Err(e) => notice(&format!(
                "note: the orgs and projects could not be listed ({e}): checked at the account only"
            )),
        }
    }
    let items = access::NEEDED
        .iter()
        .map(|n| {
            let at = grants.denied_at(n.permission);
            CheckItem {
                permission: n.permission,
                endpoint: n.lists.replace("{account}", &account),
                ok: at.is_empty(),
                required: n.required,
                feeds: n.feeds,
                missing_at: at.iter().map(|s| s.to_string()).collect(),
                detail: (!at.is_empty()).then(|| {
                    format!(
                        "Harness's access check says the key lacks it at {}; without it {}",
                        access::name_scopes(&at),
                        n.without
                    )
                }),
                not_harness: None,
            }
        })
        .collect();
    Ok(Checked::Answered(
        Box::new(Preflight {
            items,
            source: access::ACL_ENDPOINT,
            below,
            identity: None,
            not_harness: None,
        }),
        principal,
    ))
}

/// Every org and project the key can list (`pull` reads these).
async fn child_scopes(client: &Client) -> Result<Vec<Scope>, ApiError> {
    let list = |path: &'static str| Call {
        method: Method::Get,
        path,
        scope: &Scope::Account,
        query: vec![],
        body: None,
    };
    let orgs = list_paged(
        client,
        &list("/ng/api/organizations"),
        |o: &wire::OrganizationResponse| o.organization.identifier.clone(),
    )
    .await?;
    let mut scopes: Vec<Scope> = orgs
        .items
        .iter()
        .map(|o| Scope::Org(o.organization.identifier.clone()))
        .collect();
    if !scopes.is_empty() {
        let projects = list_paged(
            client,
            &list("/ng/api/projects"),
            |p: &wire::ProjectResponse| {
                format!(
                    "{}/{}",
                    p.project.org_identifier.as_deref().unwrap_or_default(),
                    p.project.identifier
                )
            },
        )
        .await?;
        scopes.extend(projects.items.iter().filter_map(|p| {
            let org = p.project.org_identifier.as_deref()?;
            Scope::from_identifiers(Some(org), Some(&p.project.identifier))
        }));
    }
    Ok(scopes)
}

/// One request to each list that needs a permission, at the account: what
/// `check` did before the access check, kept for servers that refuse it.
async fn with_lists(client: &Client) -> Result<Preflight, ApiError> {
    let account = client.config().account_id.clone();
    let mut items = Vec::new();
    for (probe, n) in PROBES.iter().zip(access::NEEDED) {
        debug_assert_eq!(probe.permission, n.permission);
        let body = match (probe.method, probe.path) {
            (Method::Post, "/audit/api/audits/list") => Some(Client::body(&wire::AuditFilter {
                filter_type: Some("Audit".into()),
                scopes: vec![wire::ScopeIds {
                    account_identifier: Some(account.clone()),
                    ..Default::default()
                }],
                actions: vec!["LOGIN".into()],
                resources: vec![],
                static_filter: None,
                start_time: Some((Utc::now() - chrono::Duration::days(1)).timestamp_millis()),
                end_time: Some(Utc::now().timestamp_millis()),
            })),
            (Method::Post, _) => Some(serde_json::json!({})),
            _ => None,
        };
        let path = probe.path.replace("{account}", &account);
        let paged = !path.starts_with("/ng/api/accounts/");
        let mut query: Vec<(&'static str, String)> = probe
            .query
            .iter()
            .map(|(k, v)| (*k, v.to_string()))
            .collect();
        if paged {
            query.push(("pageIndex", "0".into()));
            query.push(("pageSize", "1".into()));
        }
        let call = Call {
            method: probe.method,
            path: &path,
            scope: &Scope::Account,
            query,
            body,
        };
        let r = client.call::<serde_json::Value>(&call).await.map(|_| ());
        if let Err(e) = &r {
            if stop_check(e) {
                return Err(e.clone());
            }
        }
        let not_harness = match &r {
            Err(e) if matches!(e.cause, ApiErrorCause::Html { .. }) => Some(e.cause.to_string()),
            _ => None,
        };
        items.push(CheckItem {
            permission: n.permission,
            endpoint: call.endpoint(),
            ok: r.is_ok(),
            required: n.required,
            feeds: n.feeds,
            missing_at: Vec::new(),
            detail: r.err().map(|e| e.cause.to_string()),
            not_harness,
        });
    }
    Ok(Preflight {
        items,
        source: "lists",
        below: 0,
        identity: None,
        not_harness: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_pull_needs_has_its_probe_in_order() {
        let probes: Vec<&str> = PROBES.iter().map(|p| p.permission).collect();
        let needed: Vec<&str> = access::NEEDED.iter().map(|n| n.permission).collect();
        assert_eq!(probes, needed);
    }
}
