//! Whose credential `check` runs with, and until when it works: what a
//! scheduled job needs to know before its key lapses on a night nobody
//! watches.
//!
//! An API key (`pat.`/`sat.`) is asked of Harness itself: `POST
//! /ng/api/token/validate` answers the key's token (its validity and
//! scheduled expiry, its parent, and the parent's name and email) to the
//! key it authenticates, with no permission needed (docs/harness-behaviour.md
//! T1). The token lists would say the same only with
//! `core_serviceaccount_manageapikey`, and cannot tell which listed token a
//! key is (a key names its token's internal id, which lists do not show:
//! T3). A Bearer token (a JWT) states its own expiry in its `exp` claim.
//! Where Harness does not answer, the holder is named from
//! `GET /ng/api/user/currentUser` (a user's key or session) or from the
//! principal the access check names (`check` adds that), and the expiry is
//! said to be unknown, with why.
//!
//! It reports and does not decide: how near an expiry is worth a warning is
//! the command's choice.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::client::{ApiError, Call, Client, Credential, Method, VALIDATE_KEY_PATH};
use super::wire;
use crate::snapshot::Scope;

/// Whom Harness runs the requests as.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Holder {
    /// `service_account` or `user`.
    pub kind: &'static str,
    /// The service account's identifier, or the user's id.
    pub id: String,
    /// Its name, when Harness said it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its email, when Harness said it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A service account's scope (`account`, `org:o`, `project:o/p`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Which answer named it.
    pub source: &'static str,
}

/// The credential: its kind, its token and its expiry, as far as known.
#[derive(Debug, Clone, Serialize)]
pub struct Credentials {
    /// `service_account_token`, `personal_access_token`, `api_key` (another
    /// shape) or `bearer`.
    pub kind: &'static str,
    /// The key's token, as Harness names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenNamed>,
    /// When the credential stops working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Where that time was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_source: Option<&'static str>,
    /// Why the expiry is not known, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_unknown: Option<String>,
}

/// A token as Harness names it (never its secret).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenNamed {
    /// The token's identifier.
    pub identifier: String,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The API key it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

/// Who holds the credential and until when.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    /// The holder, when an answer named it.
    pub holder: Option<Holder>,
    /// The credential.
    pub credential: Credentials,
}

const CURRENT_USER: &str = "/ng/api/user/currentUser";

/// Asks who holds the credential and when it expires. A refused
/// credential (401), a redirect away or a failing network stops (every
/// other request would meet it); any other failure leaves the answer
/// unknown, with why.
pub async fn identify(client: &Client) -> Result<Identity, ApiError> {
    let mut credential = Credentials {
        kind: "api_key",
        token: None,
        expires_at: None,
        expiry_source: None,
        expiry_unknown: None,
    };
    let mut holder = None;
    let mut ask_user = false;
    match client.credential() {
        Credential::ApiKey(k) if k.token_id().is_some() => {
            let personal = k.service_account_token_id().is_none();
            credential.kind = if personal {
                "personal_access_token"
            } else {
                "service_account_token"
            };
            match client.validate_own_key().await {
                Ok((t, _)) => {
                    holder = holder_of_token(&t);
                    let (at, source) = match (t.scheduled_expire_time, t.valid_to) {
                        (Some(s), _) => (
                            Some(s),
                            "POST /ng/api/token/validate (the token's scheduledExpireTime: it was rotated)",
                        ),
                        (None, Some(v)) => {
                            (Some(v), "POST /ng/api/token/validate (the token's validTo)")
                        }
                        (None, None) => (None, ""),
                    };
                    credential.expires_at = at.and_then(DateTime::from_timestamp_millis);
                    credential.expiry_source = at.map(|_| source);
                    if at.is_none() {
                        credential.expiry_unknown =
                            Some(format!("{VALIDATE_KEY_PATH} named no validTo"));
                    }
                    credential.token = Some(TokenNamed {
                        identifier: t.identifier.clone(),
                        name: t.name.clone(),
                        api_key: t.api_key_identifier.clone(),
                    });
                }
                Err(e) if e.cause.is_final() || e.cause.is_transient() => return Err(e),
                Err(e) => {
                    credential.expiry_unknown = Some(format!(
                        "Harness did not say: {e}; a token's expiry is shown in Harness under its service account's API key"
                    ));
                    ask_user = personal;
                }
            }
        }
        Credential::ApiKey(_) => {
            credential.expiry_unknown =
                Some("the key is no pat./sat. token, so Harness cannot be asked about it".into());
        }
        Credential::Bearer(t) => {
            credential.kind = "bearer";
            match t.expires_at().and_then(|e| DateTime::from_timestamp(e, 0)) {
                Some(at) => {
                    credential.expires_at = Some(at);
                    credential.expiry_source = Some("the token's own exp claim");
                }
                None => {
                    credential.expiry_unknown =
                        Some("the token is no JWT stating an expiry (exp claim)".into())
                }
            }
            ask_user = true;
        }
    }
    if ask_user && holder.is_none() {
        holder = current_user(client).await?;
    }
    Ok(Identity { holder, credential })
}

/// The holder `POST /ng/api/token/validate` names: the token's parent
/// (`NextGenAuthenticationFilter.getPrincipal` runs the request as it).
fn holder_of_token(t: &wire::Token) -> Option<Holder> {
    let id = t.parent_identifier.clone()?;
    let kind = match t.api_key_type.as_deref() {
        Some("SERVICE_ACCOUNT") => "service_account",
        Some("USER") => "user",
        _ => return None,
    };
    let scope = (kind == "service_account")
        .then(|| {
            Scope::from_identifiers(t.org_identifier.as_deref(), t.project_identifier.as_deref())
        })
        .flatten()
        .map(|s| s.to_string());
    Some(Holder {
        kind,
        id,
        name: t.username.clone().filter(|n| !n.is_empty()),
        email: t.email.clone().filter(|e| !e.is_empty()),
        scope,
        source: "POST /ng/api/token/validate",
    })
}

/// The user `GET /ng/api/user/currentUser` names; `None` when it names
/// none (a service account is no user: docs/harness-behaviour.md U4).
async fn current_user(client: &Client) -> Result<Option<Holder>, ApiError> {
    let call = Call {
        method: Method::Get,
        path: CURRENT_USER,
        scope: &Scope::Account,
        query: vec![],
        body: None,
    };
    match client.call::<wire::UserInfo>(&call).await {
        Ok((u, _)) => Ok(u.uuid.map(|id| Holder {
            kind: "user",
            id,
            name: u.name,
            email: u.email,
            scope: None,
            source: "GET /ng/api/user/currentUser",
        })),
        Err(e) if e.cause.is_final() || e.cause.is_transient() => Err(e),
        Err(_) => Ok(None),
    }
}

/// The holder the access check names (the principal it checked: X3), for
/// when nothing else did.
pub fn holder_of_principal(p: &wire::AclPrincipal) -> Option<Holder> {
    let kind = match p.principal_type.as_deref() {
        Some("SERVICE_ACCOUNT") => "service_account",
        Some("USER") => "user",
        _ => return None,
    };
    Some(Holder {
        kind,
        id: p.principal_identifier.clone()?,
        name: None,
        email: None,
        scope: None,
        source: "POST /authz/api/acl (the principal it checked)",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tokens_parent_is_the_holder_at_the_tokens_scope() {
        let t = wire::Token {
            identifier: "ci_2026".into(),
            name: Some("ci-2026".into()),
            valid_from: Some(1),
            valid_to: Some(2),
            valid: Some(true),
            account_identifier: Some("A".into()),
            org_identifier: Some("ops".into()),
            project_identifier: None,
            api_key_identifier: Some("ci_key".into()),
            parent_identifier: Some("ci_reader".into()),
            api_key_type: Some("SERVICE_ACCOUNT".into()),
            scheduled_expire_time: None,
            email: Some("ci_reader@service.example.com".into()),
            username: Some("CI reader".into()),
        };
        let h = holder_of_token(&t).unwrap();
        assert_eq!(
            (h.kind, h.id.as_str(), h.scope.as_deref(), h.name.as_deref()),
            (
                "service_account",
                "ci_reader",
                Some("org:ops"),
                Some("CI reader")
            )
        );
        let user = wire::Token {
            api_key_type: Some("USER".into()),
            parent_identifier: Some("u1".into()),
            ..t.clone()
        };
        assert_eq!(holder_of_token(&user).unwrap().scope, None);
        let odd = wire::Token {
            api_key_type: Some("SERVICE".into()),
            ..t
        };
        assert!(holder_of_token(&odd).is_none());
    }
}
