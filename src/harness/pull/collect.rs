//! The pull's accounting: every list read is recorded with its count,
//! pages and retries, a failed list is fatal unless partial snapshots are
//! allowed, and what the key may not read at all is a stated gap.

use std::sync::atomic::Ordering;
use std::sync::Mutex;

use super::{Progress, PullError};
use crate::harness::client::{ApiError, ApiErrorCause, Client};
use crate::harness::paging::Listed;
use crate::snapshot::{ListCompleteness, Scope, Unread};

/// The permissions Harness named when it refused a call for lack of one
/// (a JSON 403); `None` for any other failure, a proxy's HTML 403 included.
pub(super) fn access_denied(e: &ApiError) -> Option<Vec<String>> {
    match &e.cause {
        ApiErrorCause::Harness { status: 403, .. } => Some(e.cause.missing_permissions()),
        _ => None,
    }
}

#[derive(Default)]
pub(super) struct Accounts {
    pub(super) lists: Vec<ListCompleteness>,
    pub(super) unread: Vec<Unread>,
    pub(super) done: usize,
    pub(super) planned: usize,
}

/// Collects results from every phase, keeping the accounting and deciding
/// what a failure means.
pub(super) struct Collector<'a> {
    pub(super) allow_partial: bool,
    pub(super) progress: &'a dyn Progress,
    pub(super) client: &'a Client,
    pub(super) state: Mutex<Accounts>,
}

impl Collector<'_> {
    pub(super) fn state(&self) -> std::sync::MutexGuard<'_, Accounts> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `n` more lists are on their way.
    pub(super) fn plan(&self, n: usize) {
        self.state().planned += n;
    }

    pub(super) fn finished(&self, st: &mut Accounts) {
        st.done += 1;
        let stats = &self.client.stats;
        self.progress.update(
            st.done,
            st.planned.max(st.done),
            stats.requests.load(Ordering::Relaxed),
            stats.retries.load(Ordering::Relaxed),
            stats.throttled_ms.load(Ordering::Relaxed),
        );
    }

    /// Accounts for one list: its items, or its failure (fatal unless
    /// partial snapshots are allowed, then recorded as incomplete).
    pub(super) fn take<T>(
        &self,
        endpoint: &str,
        scope: &Scope,
        r: Result<Listed<T>, ApiError>,
    ) -> Result<Vec<T>, PullError> {
        let mut st = self.state();
        self.finished(&mut st);
        match r {
            Ok(mut l) => {
                // The label names the list (audit query, parent key) where
                // the endpoint alone would be ambiguous.
                l.accounting.endpoint = endpoint.to_string();
                l.accounting.scope = scope.clone();
                st.lists.push(l.accounting);
                Ok(l.items)
            }
            Err(e) if self.allow_partial => {
                st.lists.push(ListCompleteness {
                    endpoint: endpoint.to_string(),
                    scope: scope.clone(),
                    total_items: None,
                    stored: 0,
                    pages: 0,
                    retries: 0,
                    complete: false,
                    note: Some(e.cause.to_string()),
                    unverified: None,
                });
                Ok(Vec::new())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Like [`Collector::take`], but a refusal for lack of permission is a
    /// stated gap: `gap` turns the permissions Harness named into what to
    /// record, and the list yields `None`.
    pub(super) fn take_or_unread<T>(
        &self,
        endpoint: &str,
        scope: &Scope,
        r: Result<Listed<T>, ApiError>,
        gap: impl FnOnce(Option<String>, String) -> Unread,
    ) -> Result<Option<Vec<T>>, PullError> {
        if let Err(e) = &r {
            if let Some(missing) = access_denied(e) {
                let mut st = self.state();
                self.finished(&mut st);
                st.unread
                    .push(gap(missing.into_iter().next(), e.cause.to_string()));
                return Ok(None);
            }
        }
        self.take(endpoint, scope, r).map(Some)
    }

    /// A planned list that ended without an accounting entry.
    pub(super) fn finished_without_list(&self) {
        let mut st = self.state();
        self.finished(&mut st);
    }

    pub(super) fn record(&self, list: ListCompleteness) {
        let mut st = self.state();
        self.finished(&mut st);
        st.lists.push(list);
    }

    pub(super) fn unread(&self, u: Unread) {
        self.state().unread.push(u);
    }

    pub(super) fn notice(&self, message: &str) {
        self.progress.notice(message);
    }

    /// Changes the entry already recorded for `endpoint` at `scope`.
    pub(super) fn amend(
        &self,
        endpoint: &str,
        scope: &Scope,
        f: impl FnOnce(&mut ListCompleteness),
    ) {
        let mut st = self.state();
        if let Some(l) = st
            .lists
            .iter_mut()
            .find(|l| l.endpoint == endpoint && l.scope == *scope)
        {
            f(l);
        }
    }
}
