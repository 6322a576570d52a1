//! One paginator for every list, with completeness accounting.
//!
//! Harness pages are 0-based with at most 100 items; a list is read until
//! `pageIndex + 1 >= totalPages` or a page comes back empty. Items repeated
//! across pages (a list that shifts while it is read) are dropped by key.
//! When the stored count does not match `totalItems`, or `totalItems`
//! changed between pages, the list is read once more; a second mismatch marks
//! it incomplete rather than guessing.

use std::collections::HashSet;

use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::client::{ApiError, Call, Client};
use super::wire::{Page, ScimListResponse};
use crate::snapshot::ListCompleteness;

/// The page size used everywhere: Harness's documented maximum.
pub const PAGE_SIZE: usize = 100;

/// Guard against a server that never stops paging.
const MAX_PAGES: i64 = 100_000;

/// A list read in full (or marked incomplete) with its accounting.
#[derive(Debug)]
pub struct Listed<T> {
    /// The items, de-duplicated, in the order the API gave them.
    pub items: Vec<T>,
    /// The accounting for the snapshot.
    pub accounting: ListCompleteness,
}

/// One reading of a list: items kept by key (first seen wins) and every
/// total the server reported, turned into the snapshot's accounting.
struct Pass<T, K> {
    key: K,
    items: Vec<T>,
    seen: HashSet<String>,
    totals: Vec<Option<i64>>,
}

impl<T, K: Fn(&T) -> String> Pass<T, K> {
    fn new(key: K) -> Self {
        Pass {
            key,
            items: Vec::new(),
            seen: HashSet::new(),
            totals: Vec::new(),
        }
    }

    /// Adds one page: its reported total and its items.
    fn add(&mut self, total: Option<i64>, content: Vec<T>) {
        if !self.totals.contains(&total) {
            self.totals.push(total);
        }
        for item in content {
            if self.seen.insert((self.key)(&item)) {
                self.items.push(item);
            }
        }
    }

    /// The list with its accounting; complete when the total never changed
    /// and matches the items stored. `field` names the server's total
    /// (`totalItems`, `totalResults`) in the note.
    fn finish(self, call: &Call<'_>, pages: u32, retries: u32, field: &str) -> Listed<T> {
        let total = self.totals.last().copied().flatten();
        let stable = self.totals.len() == 1;
        let stored = self.items.len() as u64;
        let counted = total.is_some_and(|t| u64::try_from(t).ok() == Some(stored));
        let complete = stable && counted;
        let note = (!complete).then(|| {
            if !stable {
                format!(
                    "{field} changed while paging ({}); read twice",
                    self.totals
                        .iter()
                        .map(|t| t.map_or("none".to_string(), |t| t.to_string()))
                        .collect::<Vec<_>>()
                        .join(" -> ")
                )
            } else {
                format!(
                    "stored {stored} items but {field} said {}; read twice",
                    total.map_or("nothing".to_string(), |t| t.to_string())
                )
            }
        });
        Listed {
            accounting: ListCompleteness {
                endpoint: call.endpoint(),
                scope: call.scope.clone(),
                total_items: total.and_then(|t| u64::try_from(t).ok()),
                stored,
                pages,
                retries,
                complete,
                note,
                unverified: None,
            },
            items: self.items,
        }
    }
}

/// Reads every page of a paged list.
pub async fn list_paged<T, K>(
    client: &Client,
    call: &Call<'_>,
    key: K,
) -> Result<Listed<T>, ApiError>
where
    T: DeserializeOwned,
    K: Fn(&T) -> String,
{
    let mut retries = 0u32;
    let mut pages = 0u32;
    let mut last = None;
    for pass in 0..2 {
        let mut read = Pass::new(&key);
        // Page 0 says how many pages there are; the rest are fetched
        // concurrently (in order, bounded by the client), because one long
        // list read page after page would otherwise dominate the pull.
        let mut first = call.clone();
        first.query.push(("pageIndex", "0".to_string()));
        first.query.push(("pageSize", PAGE_SIZE.to_string()));
        let (page0, r): (Page<T>, u32) = client.call(&first).await?;
        retries += r;
        pages += 1;
        let total_pages = page0.total_pages.unwrap_or(0).clamp(0, MAX_PAGES);
        let mut results = vec![page0];
        if !results[0].content.is_empty() && total_pages > 1 {
            let rest = futures_util::stream::iter(1..total_pages)
                .map(|index| {
                    let mut c = call.clone();
                    c.query.push(("pageIndex", index.to_string()));
                    c.query.push(("pageSize", PAGE_SIZE.to_string()));
                    async move { client.call::<Page<T>>(&c).await }
                })
                .buffered(client.config().concurrency.max(1));
            futures_util::pin_mut!(rest);
            while let Some(page) = rest.next().await {
                let (page, r) = page?;
                retries += r;
                pages += 1;
                results.push(page);
            }
        }
        for page in results {
            read.add(page.total_items, page.content);
        }
        let listed = read.finish(call, pages, retries, "totalItems");
        let complete = listed.accounting.complete;
        last = Some(listed);
        if complete || pass == 1 {
            break;
        }
    }
    Ok(last.expect("at least one pass"))
}

/// Reads an unpaged list (`data` is a plain array).
pub async fn list_unpaged<T: DeserializeOwned>(
    client: &Client,
    call: &Call<'_>,
) -> Result<Listed<T>, ApiError> {
    let (items, retries): (Vec<T>, u32) = client.call(call).await?;
    Ok(Listed {
        accounting: ListCompleteness {
            endpoint: call.endpoint(),
            scope: call.scope.clone(),
            total_items: None,
            stored: items.len() as u64,
            pages: 1,
            retries,
            complete: true,
            note: None,
            unverified: None,
        },
        items,
    })
}

/// Reads every page of a SCIM list (RFC 7644 section 3.4.2.4): `startIndex`
/// is 1-based and `count` is the page size.
///
/// Harness's `totalResults` is not the list's total: it is the size of the
/// page returned (`ScimUserServiceImpl.searchUser`), after users missing from
/// NextGen were taken off it (`NGScimUserServiceImpl.removeUsersNotinNG`), so
/// a page can be short in the middle of the list. So the list is read until a
/// page comes back empty, each next page starting after the items received
/// (a short page costs a re-read of its tail, de-duplicated by key, never a
/// skipped item), and it is complete when paging ended on an empty page.
pub async fn list_scim<T, K>(
    client: &Client,
    call: &Call<'_>,
    key: K,
) -> Result<Listed<T>, ApiError>
where
    T: DeserializeOwned,
    K: Fn(&T) -> String,
{
    let mut retries = 0u32;
    let mut pages = 0u32;
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut start: i64 = 1;
    let mut ended_empty = false;
    for _ in 0..MAX_PAGES {
        let mut c = call.clone();
        c.query.push(("startIndex", start.to_string()));
        c.query.push(("count", PAGE_SIZE.to_string()));
        let (page, r): (ScimListResponse<T>, u32) = client.call_scim(&c).await?;
        retries += r;
        pages += 1;
        let received = page.resources.len() as i64;
        if received == 0 {
            ended_empty = true;
            break;
        }
        let mut new = 0;
        for item in page.resources {
            if seen.insert(key(&item)) {
                items.push(item);
                new += 1;
            }
        }
        if new == 0 {
            // The server repeated itself: stop rather than loop.
            break;
        }
        start += received;
    }
    let stored = items.len() as u64;
    Ok(Listed {
        accounting: ListCompleteness {
            endpoint: call.endpoint(),
            scope: call.scope.clone(),
            // Harness's totalResults counts one page, not the list.
            total_items: None,
            stored,
            pages,
            retries,
            complete: ended_empty,
            note: (!ended_empty).then(|| {
                format!("paging stopped after {pages} pages without reaching an empty page")
            }),
            unverified: None,
        },
        items,
    })
}
