//! Users and their memberships, user groups and service accounts at every
//! scope.

use std::collections::{BTreeMap, HashSet};

use super::across::{Across, AcrossScopes};
use super::{Principals, PullError, Puller};
use crate::harness::client::{Call, Method};
use crate::harness::{convert, wire};
use crate::snapshot::{Scope, User, UserGroup, UserId};

/// The completeness label of the one list of every scope's user groups
/// (`filterType=INCLUDE_CHILD_SCOPE_GROUPS`, docs/harness-behaviour.md U3).
pub const GROUPS_OF_EVERY_SCOPE: &str =
    "GET /ng/api/user-groups?filterType=INCLUDE_CHILD_SCOPE_GROUPS";

impl Puller<'_> {
    /// Account users (`user/batch`), each org's and project's members
    /// (`user/aggregate`), user groups and service accounts at every scope.
    pub(super) async fn principals(
        &self,
        scopes: &[Scope],
        groups_viewable: bool,
    ) -> Result<Principals, PullError> {
        let below_account: Vec<Scope> = scopes
            .iter()
            .filter(|s| **s != Scope::Account)
            .cloned()
            .collect();
        self.col.plan(1);
        let (users_r, members, groups, sas) = tokio::join!(
            self.list::<wire::UserMetadata>(
                Method::Post,
                "/ng/api/user/batch",
                &Scope::Account,
                vec![],
                Some(serde_json::json!({})),
                |u| u.uuid.clone(),
            ),
            self.at_each(&below_account, |s| async move {
                self.list::<wire::UserAggregate>(
                    Method::Post,
                    "/ng/api/user/aggregate",
                    &s,
                    vec![],
                    Some(serde_json::json!({})),
                    |u| u.user.uuid.clone(),
                )
                .await
            }),
            self.user_groups(scopes, groups_viewable),
            self.at_each(scopes, |s| async move {
                self.list::<wire::ServiceAccountAggregate>(
                    Method::Get,
                    "/ng/api/serviceaccount/aggregate",
                    &s,
                    vec![],
                    None,
                    |a| a.service_account.identifier.clone(),
                )
                .await
            }),
        );
        let mut users: Vec<User> = self
            .col
            .take("POST /ng/api/user/batch", &Scope::Account, users_r)?
            .into_iter()
            .map(convert::user)
            .collect();
        // Memberships: users of each org and project.
        let mut by_id: BTreeMap<UserId, usize> = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
        for (scope, r) in members {
            for m in self.col.take("POST /ng/api/user/aggregate", &scope, r)? {
                let id = UserId(m.user.uuid.clone());
                let i = *by_id.entry(id).or_insert_with(|| {
                    users.push(convert::user(m.user));
                    users.len() - 1
                });
                users[i].scopes.push(scope.clone());
            }
        }
        let user_groups = groups?;
        let mut service_accounts = Vec::new();
        for (scope, r) in sas {
            let items = self
                .col
                .take("GET /ng/api/serviceaccount/aggregate", &scope, r)?;
            service_accounts.extend(
                items
                    .into_iter()
                    .map(|a| convert::service_account(&scope, a)),
            );
        }
        Ok(Principals {
            users,
            user_groups,
            service_accounts,
        })
    }

    /// The user groups of every scope: one list across child scopes
    /// (`filterType=INCLUDE_CHILD_SCOPE_GROUPS`, U3), or one list per scope
    /// when asked to or when that list cannot be used. `viewable`: the key
    /// holds the view at the account (else Harness narrows the list, which
    /// may then hold nothing below the account on any server).
    async fn user_groups(
        &self,
        scopes: &[Scope],
        viewable: bool,
    ) -> Result<Vec<UserGroup>, PullError> {
        if !self.opts.per_scope_lists {
            let account = self.client.config().account_id.clone();
            let known: HashSet<Scope> = scopes.iter().cloned().collect();
            let scope_of = move |g: &wire::UserGroup| {
                if g.account_identifier
                    .as_deref()
                    .is_some_and(|a| a != account)
                {
                    return None;
                }
                Scope::from_identifiers(
                    g.org_identifier.as_deref(),
                    g.project_identifier.as_deref(),
                )
            };
            let spec = AcrossScopes {
                call: Call {
                    method: Method::Get,
                    path: "/ng/api/user-groups",
                    scope: &Scope::Account,
                    query: vec![("filterType", "INCLUDE_CHILD_SCOPE_GROUPS".to_string())],
                    body: None,
                },
                label: GROUPS_OF_EVERY_SCOPE,
                what: "user groups",
                instead: "scope",
                covers: "the user groups of the account and of every org and project in one list",
                // Identifiers repeat across scopes (`_project_all_users`).
                key: |g: &wire::UserGroup| {
                    let scope = Scope::from_identifiers(
                        g.org_identifier.as_deref(),
                        g.project_identifier.as_deref(),
                    );
                    format!("{scope:?}/{}", g.identifier)
                },
                scope_of: &scope_of,
                known: &known,
                expect_items_below_account: viewable,
            };
            if let Across::Read(items) = self.across(spec).await? {
                return Ok(items
                    .into_iter()
                    .map(|(scope, g)| convert::user_group(&scope, g))
                    .collect());
            }
        }
        let listed = self
            .at_each(scopes, |s| async move {
                self.list::<wire::UserGroup>(
                    Method::Get,
                    "/ng/api/user-groups",
                    &s,
                    vec![],
                    None,
                    |g| g.identifier.clone(),
                )
                .await
            })
            .await;
        let mut user_groups = Vec::new();
        for (scope, r) in listed {
            let items = self.col.take("GET /ng/api/user-groups", &scope, r)?;
            user_groups.extend(items.into_iter().map(|g| convert::user_group(&scope, g)));
        }
        Ok(user_groups)
    }
}
