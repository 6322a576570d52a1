//! Role assignments, one list per scope.

use super::{PullError, Puller};
use crate::harness::client::Method;
use crate::harness::{convert, wire};
use crate::snapshot::{RoleAssignment, Scope};

impl Puller<'_> {
    /// Role assignments at every scope (`roleassignments/filter` with an
    /// empty filter: the server returns the principal types the key may
    /// view, and hides its internal baseline assignments).
    pub(super) async fn assignments(
        &self,
        scopes: &[Scope],
    ) -> Result<Vec<RoleAssignment>, PullError> {
        let listed = self
            .at_each(scopes, |s| async move {
                self.list::<wire::RoleAssignmentResponse>(
                    Method::Post,
                    "/authz/api/roleassignments/filter",
                    &s,
                    vec![],
                    Some(serde_json::json!({})),
                    |r| r.role_assignment.identifier.clone(),
                )
                .await
            })
            .await;
        let mut out = Vec::new();
        for (scope, r) in listed {
            let items = self
                .col
                .take("POST /authz/api/roleassignments/filter", &scope, r)?;
            out.extend(
                items
                    .into_iter()
                    .map(|x| convert::role_assignment(&scope, x)),
            );
        }
        Ok(out)
    }
}
