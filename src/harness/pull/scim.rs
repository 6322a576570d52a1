//! The account's SCIM Users and Groups, when asked for.

use serde::de::DeserializeOwned;

use super::{PullError, Puller};
use crate::harness::client::{ApiError, ApiErrorCause, Call, Credential, Method};
use crate::harness::paging::{list_scim, Listed};
use crate::harness::{convert, wire};
use crate::snapshot::{Scim, Scope};

/// The SCIM base path of an account.
pub fn scim_path(account: &str, resource: &str) -> String {
    format!("/ng/api/scim/account/{account}/{resource}")
}

impl Puller<'_> {
    /// The account's SCIM Users and Groups, when asked for.
    pub(super) async fn scim(&self, wanted: bool) -> Result<Option<Scim>, PullError> {
        if !wanted {
            return Ok(None);
        }
        self.col.plan(2);
        let (users, groups) = tokio::join!(
            self.scim_list("Users", |u: &wire::ScimUser| u
                .id
                .clone()
                .unwrap_or_default()),
            self.scim_list("Groups", |g: &wire::ScimGroup| g
                .id
                .clone()
                .unwrap_or_default()),
        );
        let account = &self.client.config().account_id;
        let users = self.col.take(
            &format!("GET {}", scim_path(account, "Users")),
            &Scope::Account,
            users,
        )?;
        let groups = self.col.take(
            &format!("GET {}", scim_path(account, "Groups")),
            &Scope::Account,
            groups,
        )?;
        Ok(Some(Scim {
            users: users.into_iter().map(convert::scim_user).collect(),
            groups: groups.into_iter().map(convert::scim_group).collect(),
        }))
    }

    /// Lists a SCIM resource. A 403 or 404 becomes a sentence that does not
    /// pretend to know which: Harness answers 404 for SCIM being off and for
    /// any internal failure alike (`NGScimUserResource`).
    async fn scim_list<T: DeserializeOwned>(
        &self,
        resource: &str,
        key: fn(&T) -> String,
    ) -> Result<Listed<T>, ApiError> {
        let path = scim_path(&self.client.config().account_id, resource);
        let call = Call {
            method: Method::Get,
            path: &path,
            scope: &Scope::Account,
            query: vec![],
            body: None,
        };
        let jwt = matches!(self.client.credential(), Credential::Bearer(_));
        list_scim(self.client, &call, key).await.map_err(|mut e| {
            if matches!(e.cause.status(), Some(401 | 403 | 404)) {
                e.cause = ApiErrorCause::ScimUnavailable {
                    cause: Box::new(e.cause),
                    jwt,
                };
            }
            e
        })
    }
}
