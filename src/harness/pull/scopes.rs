//! Who pulls, which account, and the scope tree: orgs, then every org's
//! projects.

use std::collections::HashSet;

use super::across::{Across, AcrossScopes};
use super::collect::access_denied;
use super::preflight::denied_reason;
use super::{PullError, Puller};
use crate::harness::access::Grants;
use crate::harness::client::{ApiErrorCause, Call, Method};
use crate::harness::{convert, wire};
use crate::snapshot::{Account, Caller, Org, Project, Scope, Unread, UnreadKind};

impl Puller<'_> {
    /// Who is pulling. A 401 means a bad key: stop now with that message.
    pub(super) async fn caller(&self) -> Result<Option<Caller>, PullError> {
        let call = Call {
            method: Method::Get,
            path: "/ng/api/user/currentUser",
            scope: &Scope::Account,
            query: vec![],
            body: None,
        };
        match self.client.call::<wire::UserInfo>(&call).await {
            Ok((u, _)) => Ok(u.uuid.map(|id| Caller {
                token_id: None,
                kind: "user".into(),
                id,
                name: u.name,
                email: u.email,
            })),
            Err(e) if matches!(e.cause.status(), Some(401)) => Err(e.into()),
            Err(e)
                if matches!(
                    &e.cause,
                    ApiErrorCause::Transport { .. }
                        | ApiErrorCause::GaveUp { .. }
                        | ApiErrorCause::CrossOriginRedirect { .. }
                ) =>
            {
                Err(e.into())
            }
            // A service-account key is not a user; found from its token later.
            Err(_) => Ok(None),
        }
    }

    /// The account's name and sign-in settings (`GET /ng/api/accounts/{id}`,
    /// `core_account_view`). Never fatal: without it the pack names the
    /// account by its identifier. Not asked when the access check said the
    /// key lacks the permission (the answer would be a 403).
    pub(super) async fn account(&self, grants: &Grants) -> Account {
        let id = self.client.config().account_id.clone();
        let path = format!("/ng/api/accounts/{id}");
        let call = Call {
            method: Method::Get,
            path: &path,
            scope: &Scope::Account,
            query: vec![],
            body: None,
        };
        let mut account = Account {
            id,
            name: None,
            authentication_mechanism: None,
            two_factor_enforced: None,
        };
        const VIEW: &str = "core_account_view";
        if !grants.allows(VIEW, &Scope::Account) {
            self.col.unread(Unread {
                what: UnreadKind::AccountName,
                scope: None,
                id: None,
                needs: Some(VIEW.to_string()),
                reason: denied_reason(VIEW, &Scope::Account),
            });
            return account;
        }
        match self.client.call::<wire::AccountDto>(&call).await {
            Ok((a, _)) => {
                account.name = a.name.filter(|n| !n.is_empty());
                account.authentication_mechanism = a.authentication_mechanism;
                account.two_factor_enforced = a.two_factor_admin_enforced;
            }
            Err(e) => self.col.unread(Unread {
                what: UnreadKind::AccountName,
                scope: None,
                id: None,
                needs: access_denied(&e).and_then(|m| m.into_iter().next()),
                reason: e.to_string(),
            }),
        }
        account
    }

    /// Orgs, then each org's projects.
    pub(super) async fn scopes(&self) -> Result<(Vec<Org>, Vec<Project>), PullError> {
        self.col.plan(1);
        let orgs_r = self
            .list::<wire::OrganizationResponse>(
                Method::Get,
                "/ng/api/organizations",
                &Scope::Account,
                vec![],
                None,
                |o| o.organization.identifier.clone(),
            )
            .await;
        let orgs: Vec<Org> = self
            .col
            .take("GET /ng/api/organizations", &Scope::Account, orgs_r)?
            .into_iter()
            .map(convert::org)
            .collect();
        let org_scopes: Vec<Scope> = orgs.iter().map(|o| Scope::Org(o.id.clone())).collect();
        if !self.opts.per_scope_lists && !org_scopes.is_empty() {
            // Without `orgIdentifier` the list holds every org's projects,
            // each naming its org (`ProjectResource.list`, U7).
            let known: HashSet<Scope> = org_scopes.iter().cloned().collect();
            let scope_of = |p: &wire::ProjectResponse| {
                let org = p.project.org_identifier.as_deref()?;
                Scope::from_identifiers(Some(org), None).filter(|s| *s != Scope::Account)
            };
            let spec = AcrossScopes {
                call: Call {
                    method: Method::Get,
                    path: "/ng/api/projects",
                    scope: &Scope::Account,
                    query: vec![],
                    body: None,
                },
                label: "GET /ng/api/projects",
                what: "projects",
                instead: "org",
                covers: "every org's projects in one list (no orgIdentifier)",
                key: |p: &wire::ProjectResponse| {
                    let org = p.project.org_identifier.as_deref().unwrap_or_default();
                    format!("{org}/{}", p.project.identifier)
                },
                scope_of: &scope_of,
                known: &known,
                expect_items_below_account: false,
            };
            if let Across::Read(items) = self.across(spec).await? {
                let mut projects: Vec<Project> = items
                    .into_iter()
                    .map(|(org, p)| convert::project(org.org().unwrap_or_default(), p))
                    .collect();
                projects.sort_by(|a, b| (&a.org, &a.id).cmp(&(&b.org, &b.id)));
                return Ok((orgs, projects));
            }
        }
        let listed = self
            .at_each(&org_scopes, |s| async move {
                let org = s.org().unwrap_or_default().to_string();
                self.list::<wire::ProjectResponse>(
                    Method::Get,
                    "/ng/api/projects",
                    &Scope::Account,
                    vec![("orgIdentifier", org)],
                    None,
                    |p| p.project.identifier.clone(),
                )
                .await
            })
            .await;
        let mut projects = Vec::new();
        for (org_scope, r) in listed {
            let org = org_scope.org().unwrap_or_default().to_string();
            for p in self.col.take("GET /ng/api/projects", &org_scope, r)? {
                projects.push(convert::project(&org, p));
            }
        }
        projects.sort_by(|a, b| (&a.org, &a.id).cmp(&(&b.org, &b.id)));
        Ok((orgs, projects))
    }
}
