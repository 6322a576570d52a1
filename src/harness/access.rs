//! What the key may read, asked of Harness's access check
//! (`POST /authz/api/acl`) before anything is listed.
//!
//! Why it exists: several Harness lists do not refuse a key that lacks their
//! view permission, they narrow silently. The user-group and service-account
//! lists return the items the key may view one by one (`UserGroupServiceImpl.
//! list`, `ServiceAccountServiceImpl.listAggregateServiceAccounts`), the org
//! and project lists likewise, and role-assignment lists drop every principal
//! type the key may not view (docs/harness-behaviour.md U6, U7, A2). A 403 is
//! therefore no proof a permission is held. The lists decide with the same
//! access check this module asks, with the same resource type and scope, so
//! its answer is the server's own.
//!
//! The check names no principal, so the server checks the caller: the user
//! of a personal key, the service account of a `sat.` key
//! (`ACLResourceImpl.get`, `NextGenAuthenticationFilter.getPrincipal`). One
//! request holds at most 10,000 checks (`AccessCheckRequestDTO`) and is kept
//! under 500,000 characters, Harness's "large request" threshold.
//!
//! What it must not do: decide what a missing permission means. It answers
//! which (permission, scope) pairs the key lacks, or that the check could not
//! be used (an older server or a proxy refusing it); the pull and `check`
//! decide what follows.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::join_all;

use super::client::{ApiError, ApiErrorCause, Call, Client, Method};
use super::wire;
use crate::snapshot::Scope;

/// The access-check endpoint (`ACLResource`, `@Path("/acl")` in the
/// access-control service).
pub const ACL_PATH: &str = "/authz/api/acl";
/// The access check, as messages name it.
pub const ACL_ENDPOINT: &str = "POST /authz/api/acl";
/// Checks one request may hold (`AccessCheckRequestDTO.permissions`,
/// `@Size(max = 10000)`).
pub const MAX_CHECKS: usize = 10_000;
/// Bytes of checks one request may hold: Harness's documented rate limits
/// treat a request over 500,000 characters as large (one per 10 s).
pub const MAX_BODY_BYTES: usize = 450_000;

/// An identifier no org or project can have: Harness identifiers match
/// `^[a-zA-Z_][0-9a-zA-Z_$]{0,127}$` (`EntityIdentifierValidator`), so a
/// check naming it matches only the grants that cover every org or project
/// whatever its identifier ([`Form::EveryItem`]).
pub const NO_SUCH_ITEM: &str = "-";

/// Where the pull reads a permission's lists, so where it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// At the account only.
    Account,
    /// At every org (each org's projects are checked at the org).
    Orgs,
    /// At every scope the pull reads.
    EveryScope,
}

/// How the server names the resource when it checks the permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `resourceScope` = the scope, every resource of the type there (no
    /// identifier): `hasAccess(ResourceScope.of(...), Resource.of(TYPE, null), ...)`.
    AtScope,
    /// The account resource named by its identifier, with no scope, as the
    /// audit service checks `core_audit_view` (`AuditPermissionValidator`).
    TheAccount,
    /// Every org (at the account) or every project (at an org), as the org
    /// and project lists check them: one by one, by identifier
    /// (`ScopeAccessHelper.getPermittedScopes`). For these scope types a
    /// check with no identifier also matches the scope's own grants that
    /// exclude child scopes (`/*/*` of `_all_account_level_resources`),
    /// which an item's check does not (`ACLDAOImpl.
    /// isValidPermissionCheckForSameScopeLevel`): it can say yes while the
    /// list holds nothing. So the check names [`NO_SUCH_ITEM`], which only a
    /// grant covering every item matches.
    EveryItem,
}

/// One permission the pull uses.
#[derive(Debug)]
pub struct Needed {
    /// Such as `core_usergroup_view`.
    pub permission: &'static str,
    /// The resource type the server checks it on.
    pub resource_type: &'static str,
    form: Form,
    /// Where it is checked.
    pub reach: Reach,
    /// Without it `pull` fails; an optional one is a recorded gap.
    pub required: bool,
    /// The requests that need it.
    pub lists: &'static str,
    /// What it feeds in the review.
    pub feeds: &'static str,
    /// What Harness answers without it.
    pub without: &'static str,
}

/// The permissions `pull` uses, in the order `check` prints them. Account
/// Viewer holds every required one; `core_serviceaccount_manageapikey` is not
/// a view permission (it lets its holder mint tokens), so it is optional.
pub const NEEDED: &[Needed] = &[
    Needed {
        permission: "core_organization_view",
        resource_type: "ORGANIZATION",
        form: Form::EveryItem,
        reach: Reach::Account,
        required: true,
        lists: "GET /ng/api/organizations",
        feeds: "the scopes every list is read at",
        without: "Harness lists only the orgs the key may view one by one, without an error",
    },
    Needed {
        permission: "core_project_view",
        resource_type: "PROJECT",
        form: Form::EveryItem,
        reach: Reach::Orgs,
        required: true,
        lists: "GET /ng/api/projects",
        feeds: "the scopes every list is read at",
        without: "Harness lists only the projects the key may view one by one, without an error",
    },
    Needed {
        permission: "core_user_view",
        resource_type: "USER",
        form: Form::AtScope,
        reach: Reach::EveryScope,
        required: true,
        lists: "POST /ng/api/user/batch, POST /ng/api/user/aggregate, POST /authz/api/roleassignments/filter",
        feeds: "users; user role assignments",
        without: "the user lists are refused and role-assignment lists leave user assignments out without an error",
    },
    Needed {
        permission: "core_usergroup_view",
        resource_type: "USERGROUP",
        form: Form::AtScope,
        reach: Reach::EveryScope,
        required: true,
        lists: "GET /ng/api/user-groups, POST /authz/api/roleassignments/filter",
        feeds: "groups and memberships; group role assignments",
        without: "Harness lists only the user groups the key may view one by one and leaves group role assignments out, without an error",
    },
    Needed {
        permission: "core_serviceaccount_view",
        resource_type: "SERVICEACCOUNT",
        form: Form::AtScope,
        reach: Reach::EveryScope,
        required: true,
        lists: "GET /ng/api/serviceaccount/aggregate, POST /authz/api/roleassignments/filter",
        feeds: "service accounts; their role assignments",
        without: "Harness lists only the service accounts the key may view one by one and leaves service-account role assignments out, without an error",
    },
    Needed {
        permission: "core_role_view",
        resource_type: "ROLE",
        form: Form::AtScope,
        reach: Reach::EveryScope,
        required: true,
        lists: "GET /authz/api/roles",
        feeds: "what each role allows",
        without: "the role lists are refused",
    },
    Needed {
        permission: "core_resourcegroup_view",
        resource_type: "RESOURCEGROUP",
        form: Form::AtScope,
        reach: Reach::EveryScope,
        required: true,
        lists: "GET /resourcegroup/api/v2/resourcegroup",
        feeds: "which scopes and resources each assignment covers",
        without: "the resource-group lists are refused",
    },
    Needed {
        permission: "core_audit_view",
        resource_type: "ACCOUNT",
        form: Form::TheAccount,
        reach: Reach::Account,
        required: true,
        lists: "POST /audit/api/audits/list",
        feeds: "logins and user additions (inactive-user)",
        without: "the audit lists are refused",
    },
    Needed {
        permission: "core_account_view",
        resource_type: "ACCOUNT",
        form: Form::AtScope,
        reach: Reach::Account,
        required: false,
        lists: "GET /ng/api/accounts/{account}",
        feeds: "the account's name and sign-in settings",
        without: "the account is refused",
    },
    Needed {
        permission: "core_serviceaccount_manageapikey",
        resource_type: "SERVICEACCOUNT",
        form: Form::AtScope,
        reach: Reach::Account,
        required: false,
        lists: "GET /ng/api/apikey/aggregate, GET /ng/api/token/aggregate",
        feeds: "service accounts' API keys and tokens (token-long-lived, token-expired-not-removed); it also lets the key mint tokens, see docs/operations.md",
        without: "the API key and token lists are refused",
    },
];

/// The entry of [`NEEDED`] for `permission`.
pub fn needed(permission: &str) -> Option<&'static Needed> {
    NEEDED.iter().find(|n| n.permission == permission)
}

/// One question for the access check: may the caller hold `permission` on
/// the resource (`identifier`) or on every resource of the type (none) at
/// `scope` (none: the account resource itself)?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// The permission.
    pub permission: &'static str,
    /// The resource type.
    pub resource_type: &'static str,
    /// Where the resource lives; `None` for the account resource.
    pub scope: Option<Scope>,
    /// One resource, or every resource of the type.
    pub identifier: Option<String>,
    /// The scope the answer is recorded at.
    pub at: Scope,
}

impl Ask {
    /// The question the server asks before reading `n`'s lists at `scope`.
    pub fn list(n: &'static Needed, scope: &Scope, account: &str) -> Ask {
        let (at_scope, identifier) = match n.form {
            Form::AtScope => (Some(scope.clone()), None),
            Form::TheAccount => (None, Some(account.to_string())),
            Form::EveryItem => (Some(scope.clone()), Some(NO_SUCH_ITEM.to_string())),
        };
        Ask {
            permission: n.permission,
            resource_type: n.resource_type,
            scope: at_scope,
            identifier,
            at: scope.clone(),
        }
    }

    fn wire(&self, account: &str) -> wire::AccessCheck {
        wire::AccessCheck {
            resource_scope: self.scope.as_ref().map(|s| wire::ScopeIds {
                account_identifier: Some(account.to_string()),
                org_identifier: s.org().map(str::to_string),
                project_identifier: s.project().map(str::to_string),
            }),
            resource_type: Some(self.resource_type.to_string()),
            resource_identifier: self.identifier.clone(),
            permission: Some(self.permission.to_string()),
        }
    }
}

/// The questions the pull's lists need at the account: every permission
/// but the project view, which is checked at each org.
pub fn at_account(account: &str) -> Vec<Ask> {
    NEEDED
        .iter()
        .filter(|n| n.reach != Reach::Orgs)
        .map(|n| Ask::list(n, &Scope::Account, account))
        .collect()
}

/// The questions the pull's lists need at the orgs and projects it read.
pub fn below_account(account: &str, scopes: &[Scope]) -> Vec<Ask> {
    let mut asks = Vec::new();
    for scope in scopes.iter().filter(|s| **s != Scope::Account) {
        for n in NEEDED {
            let here = match n.reach {
                Reach::Account => false,
                Reach::Orgs => matches!(scope, Scope::Org(_)),
                Reach::EveryScope => true,
            };
            if here {
                asks.push(Ask::list(n, scope, account));
            }
        }
    }
    asks
}

/// Why the access check could not be used.
#[derive(Debug)]
pub enum Unusable {
    /// A failure every other request would share (a bad key, no network, a
    /// redirect away): stop.
    Final(ApiError),
    /// Refused or not understood (an older server, a proxy): the pull falls
    /// back to reading the lists' own answers. The text says why; the
    /// second, when an HTML page (a proxy's, a sign-in page) answered.
    Refused(String, Option<String>),
}

/// The answers, one per question, in order.
pub async fn ask(client: &Client, asks: &[Ask]) -> Result<Vec<bool>, Unusable> {
    ask_naming_caller(client, asks).await.map(|(a, _)| a)
}

/// The answers, one per question, in order, and whom the server checked:
/// the caller (no principal is sent: X3), as its first answer names it.
pub async fn ask_naming_caller(
    client: &Client,
    asks: &[Ask],
) -> Result<(Vec<bool>, Option<wire::AclPrincipal>), Unusable> {
    let account = client.config().account_id.clone();
    let checks: Vec<wire::AccessCheck> = asks.iter().map(|a| a.wire(&account)).collect();
    let answers = join_all(
        batches(&checks)
            .into_iter()
            .map(|range| ask_once(client, &checks[range])),
    )
    .await;
    let mut out = Vec::with_capacity(asks.len());
    let mut principal = None;
    for a in answers {
        let (answers, named) = a?;
        out.extend(answers);
        principal = principal.or(named);
    }
    Ok((out, principal))
}

async fn ask_once(
    client: &Client,
    checks: &[wire::AccessCheck],
) -> Result<(Vec<bool>, Option<wire::AclPrincipal>), Unusable> {
    let body = wire::AccessCheckRequest {
        permissions: checks.to_vec(),
        principal: None,
    };
    let call = Call {
        method: Method::Post,
        path: ACL_PATH,
        scope: &Scope::Account,
        query: vec![],
        body: Some(Client::body(&body)),
    };
    let answer = match client.call::<wire::AccessCheckResponse>(&call).await {
        Ok((a, _)) => a,
        // The network failing (429 or 5xx until the retries ran out, no
        // answer) is not the endpoint missing: every list would meet it too.
        Err(e) if e.cause.is_final() || e.cause.is_transient() => return Err(Unusable::Final(e)),
        Err(e) => {
            let page = matches!(e.cause, ApiErrorCause::Html { .. }).then(|| e.cause.to_string());
            return Err(Unusable::Refused(format!("it answered {}", e.cause), page));
        }
    };
    read_answer(checks, &answer)
        .map(|a| (a, answer.principal.clone()))
        .map_err(|why| Unusable::Refused(why, None))
}

/// The answers in the checks' order. Untrusted: one answer per check, each
/// naming the permission asked, or the whole answer is not used.
fn read_answer(
    checks: &[wire::AccessCheck],
    answer: &wire::AccessCheckResponse,
) -> Result<Vec<bool>, String> {
    let got = &answer.access_control_list;
    if got.len() != checks.len() {
        return Err(format!(
            "it answered {} of {} checks",
            got.len(),
            checks.len()
        ));
    }
    checks
        .iter()
        .zip(got)
        .map(|(asked, a)| {
            if a.permission.is_some() && a.permission != asked.permission {
                return Err("its answers did not follow the checks' order".to_string());
            }
            a.permitted
                .ok_or_else(|| "an answer carried no `permitted`".to_string())
        })
        .collect()
}

/// Splits checks into requests of at most [`MAX_CHECKS`] checks and
/// [`MAX_BODY_BYTES`] bytes, in order.
fn batches(checks: &[wire::AccessCheck]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, c) in checks.iter().enumerate() {
        let size = serde_json::to_vec(c).map_or(0, |v| v.len()) + 1;
        if i > start && (i - start >= MAX_CHECKS || bytes + size > MAX_BODY_BYTES) {
            out.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < checks.len() {
        out.push(start..checks.len());
    }
    out
}

/// What the access check said the key lacks: for each permission, the
/// scopes where it was denied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    denied: BTreeMap<&'static str, BTreeSet<Scope>>,
}

impl Grants {
    /// Records the answers to `asks`.
    pub fn record(&mut self, asks: &[Ask], answers: &[bool]) {
        for (a, ok) in asks.iter().zip(answers) {
            if !ok {
                self.denied
                    .entry(a.permission)
                    .or_default()
                    .insert(a.at.clone());
            }
        }
    }

    /// Whether the key holds `permission` at `scope` (as far as asked).
    pub fn allows(&self, permission: &str, scope: &Scope) -> bool {
        self.denied
            .get(permission)
            .is_none_or(|at| !at.contains(scope))
    }

    /// The scopes where the key lacks `permission`.
    pub fn denied_at(&self, permission: &str) -> Vec<Scope> {
        self.denied
            .get(permission)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every permission denied somewhere, in [`NEEDED`]'s order, with the
    /// scopes.
    pub fn missing(&self) -> Vec<(&'static Needed, Vec<Scope>)> {
        NEEDED
            .iter()
            .filter_map(|n| {
                let at = self.denied_at(n.permission);
                (!at.is_empty()).then_some((n, at))
            })
            .collect()
    }
}

/// `scopes` written for a message: the first three, then how many more.
pub fn name_scopes(scopes: &[Scope]) -> String {
    let named: Vec<String> = scopes.iter().take(3).map(|s| s.to_string()).collect();
    let more = scopes.len().saturating_sub(named.len());
    if more > 0 {
        format!("{} and {more} more scope(s)", named.join(", "))
    } else {
        named.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(org: &str, project: &str) -> wire::AccessCheck {
        Ask::list(
            needed("core_usergroup_view").unwrap(),
            &Scope::Project(org.into(), project.into()),
            "acct",
        )
        .wire("acct")
    }

    #[test]
    fn checks_are_split_at_the_endpoints_count_and_under_the_large_request_size() {
        assert!(batches(&[]).is_empty());
        let few: Vec<_> = (0..3).map(|i| check("o", &format!("p{i}"))).collect();
        assert_eq!(batches(&few), vec![0..3]);
        // Even the shortest checks reach the size before the count.
        let many: Vec<_> = (0..MAX_CHECKS + 5).map(|_| check("o", "p")).collect();
        let b = batches(&many);
        assert_eq!(b.iter().map(|r| r.len()).sum::<usize>(), many.len());
        assert!(b.iter().all(|r| r.len() <= MAX_CHECKS));
        // Long identifiers: the size decides, and every check is kept in order.
        let long: Vec<_> = (0..3000)
            .map(|i| check(&"o".repeat(120), &format!("{}{i}", "p".repeat(120))))
            .collect();
        let b = batches(&long);
        assert!(b.len() > 1, "{b:?}");
        for r in &b {
            let bytes: usize = long[r.clone()]
                .iter()
                .map(|c| serde_json::to_vec(c).unwrap().len() + 1)
                .sum();
            assert!(bytes <= MAX_BODY_BYTES, "{bytes}");
        }
        assert_eq!(b.first().unwrap().start, 0);
        assert_eq!(b.last().unwrap().end, long.len());
        assert!(b.windows(2).all(|w| w[0].end == w[1].start));
    }

    #[test]
    fn the_account_is_asked_everything_and_each_scope_what_its_lists_need() {
        let asks = at_account("acct");
        assert_eq!(asks.len(), NEEDED.len() - 1);
        assert!(!asks.iter().any(|a| a.permission == "core_project_view"));
        // Orgs as the org list checks each: by an identifier no org has.
        let orgs = asks
            .iter()
            .find(|a| a.permission == "core_organization_view")
            .unwrap()
            .wire("acct");
        assert_eq!(orgs.resource_identifier.as_deref(), Some(NO_SUCH_ITEM));
        assert_eq!(
            orgs.resource_scope.unwrap().account_identifier.as_deref(),
            Some("acct")
        );
        // core_audit_view: the account resource by identifier, no scope.
        let audit = asks
            .iter()
            .find(|a| a.permission == "core_audit_view")
            .unwrap();
        assert_eq!(audit.wire("acct").resource_scope, None);
        assert_eq!(audit.identifier.as_deref(), Some("acct"));
        let scopes = [
            Scope::Account,
            Scope::Org("o".into()),
            Scope::Project("o".into(), "p".into()),
        ];
        let below = below_account("acct", &scopes);
        let at = |s: &Scope| -> Vec<&str> {
            below
                .iter()
                .filter(|a| a.at == *s)
                .map(|a| a.permission)
                .collect()
        };
        assert!(at(&Scope::Account).is_empty());
        assert!(at(&scopes[1]).contains(&"core_project_view"));
        assert!(!at(&scopes[2]).contains(&"core_project_view"));
        let projects = below
            .iter()
            .find(|a| a.permission == "core_project_view")
            .unwrap()
            .wire("acct");
        assert_eq!(projects.resource_identifier.as_deref(), Some(NO_SUCH_ITEM));
        assert_eq!(
            projects.resource_scope.unwrap().org_identifier.as_deref(),
            Some("o")
        );
        for s in &scopes[1..] {
            for p in [
                "core_user_view",
                "core_usergroup_view",
                "core_serviceaccount_view",
            ] {
                assert!(at(s).contains(&p), "{p} at {s}");
            }
            assert!(!at(s).contains(&"core_audit_view"));
        }
        let w = below
            .iter()
            .find(|a| a.permission == "core_usergroup_view")
            .unwrap()
            .wire("acct");
        assert_eq!(
            w.resource_scope.unwrap().org_identifier.as_deref(),
            Some("o")
        );
        assert_eq!(w.resource_identifier, None);
    }

    #[test]
    fn answers_must_match_the_checks_one_for_one() {
        let checks = vec![check("o", "p"), check("o", "q")];
        let answer = |list: Vec<(Option<&str>, Option<bool>)>| wire::AccessCheckResponse {
            principal: None,
            access_control_list: list
                .into_iter()
                .map(|(p, ok)| wire::AccessControl {
                    permission: p.map(str::to_string),
                    permitted: ok,
                    ..Default::default()
                })
                .collect(),
        };
        let v = Some("core_usergroup_view");
        assert_eq!(
            read_answer(&checks, &answer(vec![(v, Some(true)), (None, Some(false))])),
            Ok(vec![true, false])
        );
        assert!(read_answer(&checks, &answer(vec![(v, Some(true))])).is_err());
        assert!(read_answer(
            &checks,
            &answer(vec![(v, Some(true)), (Some("core_user_view"), Some(true))])
        )
        .is_err());
        assert!(read_answer(&checks, &answer(vec![(v, Some(true)), (v, None)])).is_err());
    }

    #[test]
    fn grants_remember_each_denied_scope() {
        let scopes = [Scope::Account, Scope::Org("o".into())];
        let asks = below_account("a", &scopes);
        let answers: Vec<bool> = asks
            .iter()
            .map(|a| a.permission != "core_serviceaccount_view")
            .collect();
        let mut g = Grants::default();
        g.record(&asks, &answers);
        assert!(!g.allows("core_serviceaccount_view", &scopes[1]));
        assert!(g.allows("core_serviceaccount_view", &Scope::Account));
        assert!(g.allows("core_usergroup_view", &scopes[1]));
        let missing = g.missing();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].0.permission, "core_serviceaccount_view");
        assert_eq!(missing[0].1, vec![scopes[1].clone()]);
        assert_eq!(
            name_scopes(&[
                Scope::Account,
                Scope::Org("a".into()),
                Scope::Org("b".into()),
                Scope::Org("c".into())
            ]),
            "account, org:a, org:b and 1 more scope(s)"
        );
    }
}
