//! Service accounts' API keys and their tokens.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use futures_util::future::join_all;

use super::preflight::Access;
use super::{PullError, Puller};
use crate::harness::access;
use crate::harness::client::Method;
use crate::harness::{convert, wire};
use crate::snapshot::{ApiKey, Scope, ServiceAccount, Token, Unread, UnreadKind};

/// The permission that API key and token lists need (`ApiKeyServiceImpl.
/// validateParentIdentifier`, `TokenServiceImpl.validateTokenListPermissions`).
pub const MANAGE_API_KEY: &str = "core_serviceaccount_manageapikey";

impl Puller<'_> {
    /// Each service account's API keys, then every token. The key lists need
    /// `core_serviceaccount_manageapikey`. When the access check says the key
    /// lacks it at the account, it is asked for each service account and only
    /// those allowed are listed ([`Puller::key_permits`]); otherwise one list
    /// is tried first, and when it is refused the rest are not tried. Either
    /// way the gap is recorded. Tokens come from one account-wide list (`token/aggregate`
    /// takes `parentIdentifier` and `apiKeyIdentifier` as optional, and with
    /// no org or project it spans every scope: `TokenServiceImpl`); a key
    /// whose `tokensCount` does not match what that list returned is listed
    /// on its own. Tokens that list names at scopes the pull does not read
    /// (projects the key cannot list) are not kept: the snapshot holds no
    /// object at a scope it does not have.
    pub(super) async fn credentials(
        &self,
        service_accounts: &[ServiceAccount],
        scopes: &[Scope],
        access: &Access,
    ) -> Result<(Vec<ApiKey>, Vec<Token>), PullError> {
        let Some((first, rest)) = service_accounts.split_first() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let tokens_not_read = || Unread {
            what: UnreadKind::Tokens,
            scope: None,
            id: None,
            needs: Some(MANAGE_API_KEY.to_string()),
            reason: "API keys were not readable, so neither were their tokens".into(),
        };
        let mut keys: Vec<(ApiKey, Option<i64>)> = Vec::new();
        // Without the permission at the account (so no account-wide token
        // list), the server checks it on each service account: ask for each.
        let (to_list, account_wide_allowed) = match self
            .key_permits(service_accounts, access)
            .await?
        {
            Some(permitted) if permitted.is_empty() => {
                self.col.unread(Unread {
                    what: UnreadKind::ApiKeys,
                    scope: None,
                    id: None,
                    needs: Some(MANAGE_API_KEY.to_string()),
                    reason: format!(
                        "Harness's access check ({}) says the key lacks {MANAGE_API_KEY} on every service account",
                        access::ACL_ENDPOINT
                    ),
                });
                self.col.unread(tokens_not_read());
                return Ok((Vec::new(), Vec::new()));
            }
            Some(permitted) => (permitted, false),
            None => {
                // Held at the account, or the access check cannot say: one
                // list first, and no more when it is refused.
                self.col.plan(1);
                match self.api_keys(first).await? {
                    Some(k) => keys.extend(k),
                    None => {
                        self.col.unread(tokens_not_read());
                        return Ok((Vec::new(), Vec::new()));
                    }
                }
                (rest.iter().collect(), true)
            }
        };
        self.col.plan(to_list.len());
        let listed = join_all(to_list.iter().map(|sa| self.api_keys(sa))).await;
        for r in listed {
            keys.extend(r?.unwrap_or_default());
        }
        if keys.iter().all(|(_, count)| *count == Some(0)) {
            return Ok((keys.into_iter().map(|(k, _)| k).collect(), Vec::new()));
        }

        // Every token of the account in one list, where the key may list
        // it (the server checks the permission at the account).
        let all = if !account_wide_allowed {
            None
        } else {
            self.col.plan(1);
            Some(
                self.list::<wire::TokenAggregate>(
                    Method::Get,
                    "/ng/api/token/aggregate",
                    &Scope::Account,
                    vec![("apiKeyType", "SERVICE_ACCOUNT".to_string())],
                    None,
                    |t| {
                        format!(
                            "{:?}/{:?}/{:?}/{:?}/{}",
                            t.token.org_identifier,
                            t.token.project_identifier,
                            t.token.parent_identifier,
                            t.token.api_key_identifier,
                            t.token.identifier
                        )
                    },
                )
                .await,
            )
        };
        let refused = |needs: Option<String>, reason: String| Unread {
            what: UnreadKind::Tokens,
            scope: Some(Scope::Account),
            id: None,
            needs,
            reason,
        };
        let mut tokens: Vec<Token> = Vec::new();
        let listed = match all {
            Some(all) => self.col.take_or_unread(
                "GET /ng/api/token/aggregate",
                &Scope::Account,
                all,
                refused,
            )?,
            None => None,
        };
        let account_wide = listed.is_some();
        if let Some(items) = listed {
            let known: HashSet<&Scope> = scopes.iter().collect();
            let (kept, elsewhere): (Vec<Token>, Vec<Token>) = items
                .into_iter()
                .filter_map(convert::token_of_account)
                .partition(|t| known.contains(&t.scope));
            tokens.extend(kept);
            if !elsewhere.is_empty() {
                let at: BTreeSet<String> = elsewhere.iter().map(|t| t.scope.to_string()).collect();
                let at = at.into_iter().collect::<Vec<_>>().join(", ");
                self.col
                    .amend("GET /ng/api/token/aggregate", &Scope::Account, |l| {
                        l.stored = l.stored.saturating_sub(elsewhere.len() as u64);
                        l.note = Some(format!(
                            "{} more at scopes the pull did not list (at {at}) not kept",
                            elsewhere.len()
                        ));
                    });
                self.col.notice(&format!(
                    "warning: Harness lists {} service-account token(s) at org(s) or project(s) the key could not list ({at}): not kept, those scopes are not in this review",
                    elsewhere.len()
                ));
            }
        }
        // Keys the account-wide list did not fully cover.
        let mut per_key: BTreeMap<(&Scope, &str, &str), i64> = BTreeMap::new();
        for t in &tokens {
            *per_key
                .entry((&t.scope, t.parent.as_str(), t.api_key.as_str()))
                .or_default() += 1;
        }
        let short: Vec<&ApiKey> = keys
            .iter()
            .filter(|(k, count)| {
                let got = per_key
                    .get(&(&k.scope, k.parent.as_str(), k.id.as_str()))
                    .copied()
                    .unwrap_or(0);
                !account_wide || count.is_some_and(|c| c != got)
            })
            .map(|(k, _)| k)
            .collect();
        if account_wide && !short.is_empty() {
            // The list did not say what tokensCount did: list those keys'
            // tokens one by one rather than trust either.
            tokens.retain(|t| {
                !short
                    .iter()
                    .any(|k| k.scope == t.scope && k.parent == t.parent && k.id == t.api_key)
            });
        }
        self.col.plan(short.len());
        let listed = join_all(short.iter().map(|k| self.key_tokens(k))).await;
        for r in listed {
            tokens.extend(r?.unwrap_or_default());
        }
        Ok((keys.into_iter().map(|(k, _)| k).collect(), tokens))
    }

    /// The service accounts whose API keys the key may list, when the access
    /// check says it lacks the permission at the account (the server checks
    /// it on each service account: `ApiKeyServiceImpl.validateParentIdentifier`);
    /// the refused ones are recorded as gaps. `None` when the key holds it at
    /// the account or the access check cannot say.
    async fn key_permits<'s>(
        &self,
        service_accounts: &'s [ServiceAccount],
        access: &Access,
    ) -> Result<Option<Vec<&'s ServiceAccount>>, PullError> {
        if !access.usable() || access.grants.allows(MANAGE_API_KEY, &Scope::Account) {
            return Ok(None);
        }
        let asks: Vec<access::Ask> = service_accounts
            .iter()
            .map(|sa| access::Ask {
                permission: MANAGE_API_KEY,
                resource_type: "SERVICEACCOUNT",
                scope: Some(sa.scope.clone()),
                identifier: Some(sa.id.to_string()),
                at: sa.scope.clone(),
            })
            .collect();
        let Some(answers) = self.ask_access(access, &asks).await? else {
            return Ok(None);
        };
        let (permitted, refused): (Vec<_>, Vec<_>) = service_accounts
            .iter()
            .zip(answers)
            .partition(|(_, ok)| *ok);
        if !permitted.is_empty() {
            for (sa, _) in refused {
                self.col.unread(Unread {
                    what: UnreadKind::ApiKeys,
                    scope: Some(sa.scope.clone()),
                    id: Some(sa.id.to_string()),
                    needs: Some(MANAGE_API_KEY.to_string()),
                    reason: format!(
                        "Harness's access check ({}) says the key lacks {MANAGE_API_KEY} on this service account",
                        access::ACL_ENDPOINT
                    ),
                });
            }
        }
        Ok(Some(permitted.into_iter().map(|(sa, _)| sa).collect()))
    }

    /// One service account's API keys with each key's `tokensCount`; `None`
    /// when the key may not list them.
    async fn api_keys(
        &self,
        sa: &ServiceAccount,
    ) -> Result<Option<Vec<(ApiKey, Option<i64>)>>, PullError> {
        let parent = sa.id.to_string();
        let r = self
            .list::<wire::ApiKeyAggregate>(
                Method::Get,
                "/ng/api/apikey/aggregate",
                &sa.scope,
                vec![
                    ("apiKeyType", "SERVICE_ACCOUNT".to_string()),
                    ("parentIdentifier", parent.clone()),
                ],
                None,
                |k| k.api_key.identifier.clone(),
            )
            .await;
        let label = format!("GET /ng/api/apikey/aggregate?parentIdentifier={parent}");
        let gap = |needs: Option<String>, reason: String| Unread {
            what: UnreadKind::ApiKeys,
            scope: Some(sa.scope.clone()),
            id: Some(parent.clone()),
            needs: needs.or_else(|| Some(MANAGE_API_KEY.to_string())),
            reason,
        };
        Ok(self
            .col
            .take_or_unread(&label, &sa.scope, r, gap)?
            .map(|items| {
                items
                    .into_iter()
                    .map(|k| {
                        let count = k.tokens_count;
                        (convert::api_key(&sa.scope, &parent, k), count)
                    })
                    .collect()
            }))
    }

    /// One API key's tokens; `None` when the key may not list them.
    async fn key_tokens(&self, k: &ApiKey) -> Result<Option<Vec<Token>>, PullError> {
        let r = self
            .list::<wire::TokenAggregate>(
                Method::Get,
                "/ng/api/token/aggregate",
                &k.scope,
                vec![
                    ("apiKeyType", "SERVICE_ACCOUNT".to_string()),
                    ("parentIdentifier", k.parent.clone()),
                    ("apiKeyIdentifier", k.id.to_string()),
                ],
                None,
                |t| t.token.identifier.clone(),
            )
            .await;
        let label = format!(
            "GET /ng/api/token/aggregate?parentIdentifier={}&apiKeyIdentifier={}",
            k.parent, k.id
        );
        let gap = |needs: Option<String>, reason: String| Unread {
            what: UnreadKind::Tokens,
            scope: Some(k.scope.clone()),
            id: Some(k.id.to_string()),
            needs: needs.or_else(|| Some(MANAGE_API_KEY.to_string())),
            reason,
        };
        Ok(self
            .col
            .take_or_unread(&label, &k.scope, r, gap)?
            .map(|items| {
                items
                    .into_iter()
                    .map(|t| convert::token(&k.scope, &k.parent, k.id.as_str(), t))
                    .collect()
            }))
    }
}
