//! Lists of the account and every scope below it in one paged call (projects
//! of every org, user groups of every scope), used only when they account
//! for every item as the per-scope lists would.

use std::collections::{BTreeSet, HashSet};

use serde::de::DeserializeOwned;

use super::{PullError, Puller};
use crate::harness::client::Call;
use crate::harness::paging::list_paged;
use crate::snapshot::{ListCompleteness, Scope};

/// A list of the account and every scope below it in one paged call, each
/// item naming its own scope.
pub(super) struct AcrossScopes<'c, T> {
    /// The call, at account scope.
    pub(super) call: Call<'c>,
    /// The completeness label.
    pub(super) label: &'static str,
    /// What the items are, for notes: "user groups".
    pub(super) what: &'static str,
    /// What the per-scope reading lists instead, for notes.
    pub(super) instead: &'static str,
    /// What one list covers, for its completeness note.
    pub(super) covers: &'static str,
    /// The key that tells two items apart (scope included).
    pub(super) key: fn(&T) -> String,
    /// The scope an item names; `None` when it names none the pull can use.
    pub(super) scope_of: &'c (dyn Fn(&T) -> Option<Scope> + Sync),
    /// The scopes the pull reads; items elsewhere are not kept.
    pub(super) known: &'c HashSet<Scope>,
    /// A server that ignores the request's child-scope parameter answers
    /// with the account's own items only: with child scopes to read, a list
    /// holding nothing below the account is not trusted.
    pub(super) expect_items_below_account: bool,
}

/// What became of a list across child scopes.
pub(super) enum Across<T> {
    /// The items at the scopes the pull reads, each with its scope.
    Read(Vec<(Scope, T)>),
    /// Not usable (why, already told): list each scope instead.
    PerScope,
}

impl Puller<'_> {
    /// Reads a list across child scopes. It is used only when it accounts
    /// for every item as the per-scope lists would: read in full (paging
    /// added up), every item naming a scope of this account, and, where a
    /// server could have ignored the child-scope parameter, items below the
    /// account when there are scopes below it. Otherwise the reason is told
    /// once and the caller lists each scope. Items at scopes the pull does
    /// not read (orgs and projects the key cannot list, or just deleted) are
    /// not kept; the list's completeness entry counts them and the person
    /// pulling is told, since they show the review does not cover every
    /// scope of the account.
    pub(super) async fn across<T: DeserializeOwned>(
        &self,
        spec: AcrossScopes<'_, T>,
    ) -> Result<Across<T>, PullError> {
        self.col.plan(1);
        let listed = match list_paged(self.client, &spec.call, spec.key).await {
            Ok(l) => l,
            Err(e) if e.cause.is_final() => {
                // Every per-scope list would fail the same way.
                self.col.take::<T>(spec.label, &Scope::Account, Err(e))?;
                return Ok(Across::Read(Vec::new()));
            }
            Err(e) => {
                self.col.finished_without_list();
                return Ok(self.per_scope(&spec, &format!("it answered {}", e.cause)));
            }
        };
        if !listed.accounting.complete {
            self.col.finished_without_list();
            let why = format!(
                "it did not add up on two readings ({})",
                listed.accounting.note.as_deref().unwrap_or("incomplete")
            );
            return Ok(self.per_scope(&spec, &why));
        }
        let mut placed = Vec::with_capacity(listed.items.len());
        for item in listed.items {
            match (spec.scope_of)(&item) {
                Some(scope) => placed.push((scope, item)),
                None => {
                    self.col.finished_without_list();
                    let why = format!(
                        "an item named no org or project of this account (item {:?})",
                        (spec.key)(&item)
                    );
                    return Ok(self.per_scope(&spec, &why));
                }
            }
        }
        if spec.expect_items_below_account
            && spec.known.iter().any(|s| *s != Scope::Account)
            && placed.iter().all(|(s, _)| *s == Scope::Account)
        {
            self.col.finished_without_list();
            return Ok(self.per_scope(
                &spec,
                "it held nothing below the account, as a server that ignores the child-scope parameter answers",
            ));
        }
        let (kept, elsewhere): (Vec<_>, Vec<_>) = placed
            .into_iter()
            .partition(|(s, _)| spec.known.contains(s));
        let mut note = spec.covers.to_string();
        if !elsewhere.is_empty() {
            let scopes: BTreeSet<&Scope> = elsewhere.iter().map(|(s, _)| s).collect();
            let named: Vec<String> = scopes.iter().take(3).map(|s| s.to_string()).collect();
            let more = scopes.len().saturating_sub(named.len());
            let at = format!(
                "{}{}",
                named.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
            note.push_str(&format!(
                "; {} more at {} scope(s) the pull did not list ({at}) not kept",
                elsewhere.len(),
                scopes.len()
            ));
            self.col.notice(&format!(
                "warning: Harness lists {} {} at {} org(s) or project(s) the key could not list ({at}): those scopes are not in this review; give the key view permissions there (or ignore this if they were just deleted)",
                elsewhere.len(),
                spec.what,
                scopes.len()
            ));
        }
        self.col.record(ListCompleteness {
            endpoint: spec.label.to_string(),
            scope: Scope::Account,
            total_items: listed.accounting.total_items,
            stored: kept.len() as u64,
            pages: listed.accounting.pages,
            retries: listed.accounting.retries,
            complete: true,
            note: Some(note),
            unverified: None,
        });
        Ok(Across::Read(kept))
    }

    /// Tells why a list across child scopes is not used.
    fn per_scope<T>(&self, spec: &AcrossScopes<'_, T>, why: &str) -> Across<T> {
        self.col.notice(&format!(
            "note: reading {} one {} at a time: the list across child scopes ({}) was not used because {why}",
            spec.what, spec.instead, spec.label
        ));
        Across::PerScope
    }
}
