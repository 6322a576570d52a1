//! Roles, resource groups and the permission catalogue at every scope, and
//! the roles assignments name that the role lists did not return.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use super::collect::access_denied;
use super::{AccessObjects, PullError, Puller};
use crate::harness::client::{ApiError, Call, Method};
use crate::harness::paging::list_unpaged;
use crate::harness::{convert, wire};
use crate::snapshot::{
    ListCompleteness, Role, RoleAssignment, RoleIndex, Scope, Unread, UnreadKind,
    ROLE_LOOKUP_ENDPOINT,
};

/// The permission catalogue: Harness's own vocabulary, every word of it (a
/// recording keeps its answers whole).
pub const PERMISSIONS_PATH: &str = "/authz/api/permissions";
/// Where resource groups are listed on most installations.
const RG_PATH: &str = "/resourcegroup/api/v2/resourcegroup";
/// Where some installations list them instead.
const RG_PATH_AUTHZ: &str = "/authz/api/v2/resourcegroup";
/// The aggregate endpoint reads at most this many assignments per call
/// (`RoleAssignmentResourceImpl.getAggregated`).
const AGGREGATE_CAP: usize = 1000;

impl Puller<'_> {
    /// Roles and resource groups at every scope, and the permission catalogue
    /// with every permission (`scopeFilterDisabled=true`: without it the
    /// server leaves out the permissions not allowed at the account level).
    pub(super) async fn access_objects(
        &self,
        scopes: &[Scope],
    ) -> Result<AccessObjects, PullError> {
        // Resource groups live under /resourcegroup on most installations and
        // under /authz on some; after one 404 use the other for every scope.
        let rg_under_authz = AtomicBool::new(false);
        let rg_under_authz = &rg_under_authz;
        self.col.plan(1);
        let permissions_call = Call {
            method: Method::Get,
            path: PERMISSIONS_PATH,
            scope: &Scope::Account,
            query: vec![("scopeFilterDisabled", "true".into())],
            body: None,
        };
        let (roles, rgs, permissions_r) = tokio::join!(
            self.at_each(scopes, |s| async move {
                self.list::<wire::RoleResponse>(
                    Method::Get,
                    "/authz/api/roles",
                    &s,
                    vec![],
                    None,
                    |r| r.role.identifier.clone(),
                )
                .await
            }),
            self.at_each(scopes, |s| async move {
                let key = |r: &wire::ResourceGroupResponse| r.resource_group.identifier.clone();
                let list = |path| self.list(Method::Get, path, &s, vec![], None, key);
                if rg_under_authz.load(Ordering::Relaxed) {
                    return list(RG_PATH_AUTHZ).await;
                }
                match list(RG_PATH).await {
                    Err(e) if e.cause.status() == Some(404) => {
                        rg_under_authz.store(true, Ordering::Relaxed);
                        list(RG_PATH_AUTHZ).await
                    }
                    other => other,
                }
            }),
            list_unpaged::<wire::PermissionResponse>(self.client, &permissions_call),
        );
        let mut out = AccessObjects {
            roles: Vec::new(),
            resource_groups: Vec::new(),
            permissions: Vec::new(),
        };
        for (scope, r) in roles {
            let items = self.col.take("GET /authz/api/roles", &scope, r)?;
            out.roles
                .extend(items.into_iter().map(|x| convert::role(&scope, x)));
        }
        for (scope, r) in rgs {
            let label = match &r {
                Ok(l) => l.accounting.endpoint.clone(),
                Err(e) => e.endpoint.clone(),
            };
            let items = self.col.take(&label, &scope, r)?;
            out.resource_groups.extend(
                items
                    .into_iter()
                    .map(|x| convert::resource_group(&scope, x)),
            );
        }
        let items = self
            .col
            .take("GET /authz/api/permissions", &Scope::Account, permissions_r)?;
        out.permissions = items.into_iter().map(convert::permission).collect();
        Ok(out)
    }

    /// Asks the server for the roles assignments name that the role lists
    /// did not return. With Harness's hide-managed-role flags, org and
    /// project role lists (and `GET /authz/api/roles/{id}`) return custom
    /// roles only, yet assignments there still name `_project_admin`; the
    /// aggregate endpoint returns the roles a scope's assignments name with
    /// no managed filter. It reads at most 1,000 assignments per call, so it
    /// is asked per scope for just the missing roles, and per role again when
    /// the cap was reached.
    pub(super) async fn hidden_roles(
        &self,
        roles: &[Role],
        assignments: &[RoleAssignment],
    ) -> Result<Vec<Role>, PullError> {
        let index = RoleIndex::new(roles);
        let mut missing: BTreeMap<&Scope, BTreeSet<&str>> = BTreeMap::new();
        for a in assignments {
            if index.resolve(a).is_none() {
                missing
                    .entry(&a.scope)
                    .or_default()
                    .insert(a.role.id.as_str());
            }
        }
        let scopes: Vec<Scope> = missing.keys().map(|s| (*s).clone()).collect();
        let looked_up = self
            .at_each(&scopes, |s| {
                let ids: Vec<String> = missing[&s].iter().map(|x| x.to_string()).collect();
                async move { self.lookup_roles(&s, ids).await }
            })
            .await;
        let mut found = Vec::new();
        for (scope, r) in looked_up {
            let ids = &missing[&scope];
            match r {
                Ok((roles, pages, retries)) => {
                    let got: Vec<Role> = roles
                        .into_iter()
                        .filter(|r| ids.contains(r.role.identifier.as_str()))
                        .map(|r| convert::role(&scope, r))
                        .collect();
                    self.col.record(ListCompleteness {
                        endpoint: ROLE_LOOKUP_ENDPOINT.to_string(),
                        scope: scope.clone(),
                        total_items: None,
                        stored: got.len() as u64,
                        pages,
                        retries,
                        complete: true,
                        note: Some(format!(
                            "asked for {} role(s) the role list did not return; {} found",
                            ids.len(),
                            got.len()
                        )),
                        unverified: None,
                    });
                    found.extend(got);
                }
                Err(e) => {
                    // The assignments themselves were read; what they grant is
                    // what is missing, so this is a gap, not a failed pull.
                    let needs = access_denied(&e).and_then(|m| m.into_iter().next());
                    for id in ids {
                        self.col.unread(Unread {
                            what: UnreadKind::Role,
                            scope: Some(scope.clone()),
                            id: Some(id.to_string()),
                            needs: needs.clone(),
                            reason: e.to_string(),
                        });
                    }
                    self.col.finished_without_list();
                }
            }
        }
        let mut seen = HashSet::new();
        found.retain(|r| seen.insert((r.scope.clone(), r.id.clone())));
        Ok(found)
    }

    /// One scope's aggregate lookup: the roles found, pages and retries.
    async fn lookup_roles(
        &self,
        scope: &Scope,
        ids: Vec<String>,
    ) -> Result<(Vec<wire::RoleResponse>, u32, u32), ApiError> {
        let ask = |ids: Vec<String>| async move {
            let call = Call {
                method: Method::Post,
                path: "/authz/api/roleassignments/aggregate",
                scope,
                query: vec![],
                body: Some(serde_json::json!({ "roleFilter": ids })),
            };
            self.client
                .call::<wire::RoleAssignmentAggregate>(&call)
                .await
        };
        let (first, mut retries) = ask(ids.clone()).await?;
        let mut pages = 1;
        let capped = first.role_assignments.len() >= AGGREGATE_CAP;
        let mut roles = first.roles;
        if capped {
            // The cap may have cut off every assignment of some role: ask for
            // each role still missing on its own.
            let have: HashSet<String> = roles.iter().map(|r| r.role.identifier.clone()).collect();
            for id in ids.into_iter().filter(|i| !have.contains(i)) {
                let (more, r) = ask(vec![id]).await?;
                retries += r;
                pages += 1;
                roles.extend(more.roles);
            }
        }
        Ok((roles, pages, retries))
    }
}
