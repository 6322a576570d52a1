//! What a failed call says: the endpoint, the scope and the cause, with
//! Harness's error envelopes and proxies' HTML pages turned into sentences
//! that name the missing permission where Harness does.

use crate::harness::wire::ErrorBody;
use crate::snapshot::Scope;

/// What went wrong with one API call, after retries.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{endpoint} at {scope}: {cause}")]
pub struct ApiError {
    /// `GET /ng/api/user-groups`.
    pub endpoint: String,
    /// The scope asked about.
    pub scope: Scope,
    /// Why.
    pub cause: ApiErrorCause,
}

/// The cause of an [`ApiError`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiErrorCause {
    /// Harness answered with an error status or envelope.
    #[error("{}", describe_http(*status, body))]
    Harness {
        /// HTTP status.
        status: u16,
        /// The parsed error body.
        body: ErrorBody,
    },
    /// Harness refused the credential (HTTP 401 with a JSON body). Said
    /// apart from other errors: an expired credential, above all in an
    /// unattended job, must say so and what to do.
    #[error("{}", describe_refused(body, credential))]
    Unauthorized {
        /// The parsed error body.
        body: ErrorBody,
        /// What the client knows of its own credential.
        credential: RefusedCredential,
    },
    /// An HTML page instead of JSON: a proxy, firewall or login redirect.
    #[error("got an HTML page from {url} (HTTP {status}), not the Harness API: check --base-url, proxies and network access")]
    Html {
        /// HTTP status.
        status: u16,
        /// The URL asked.
        url: String,
    },
    /// A body that is not the JSON expected.
    #[error("unreadable response from {url} (HTTP {status}): {detail}")]
    BadBody {
        /// HTTP status.
        status: u16,
        /// The URL asked.
        url: String,
        /// The parse error.
        detail: String,
    },
    /// No HTTP answer: connection refused, DNS, TLS, timeout.
    #[error("{detail}")]
    Transport {
        /// What failed.
        detail: String,
        /// A failure another try later may not meet (refused, reset, cut
        /// off, timed out), as opposed to one of the setup (a name that does
        /// not resolve, a certificate not trusted).
        transient: bool,
    },
    /// A SCIM endpoint refused the list (401, 403 or 404). Harness answers
    /// 404 both when SCIM is off and when the SCIM service failed inside
    /// (`NGScimUserResource`), so the message does not claim to know which.
    #[error("{}", describe_scim(cause, *jwt))]
    ScimUnavailable {
        /// The answer as received.
        cause: Box<ApiErrorCause>,
        /// The credential was a Bearer session token, which SCIM refuses.
        jwt: bool,
    },
    /// A redirect to another origin (scheme, host or port), not followed:
    /// the key is only ever sent to the `--base-url` origin.
    #[error("{from} answered HTTP {status} redirecting to {to}, {}; reviewpack sends the key only to the --base-url origin, so it did not follow{}", if *.downgrade { "another origin and a downgrade from https to plain http" } else { "another origin (scheme, host or port)" }, if *.downgrade { "" } else { ": if that host is your Harness API, pass it as --base-url" })]
    CrossOriginRedirect {
        /// HTTP status.
        status: u16,
        /// The URL asked (no query).
        from: String,
        /// Where it pointed (no query).
        to: String,
        /// https to http.
        downgrade: bool,
    },
    /// Retries used up.
    #[error("gave up after {attempts} attempts; last error: {last}")]
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// The last error.
        last: Box<ApiErrorCause>,
    },
}

/// What the client knows of a credential Harness refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedCredential {
    /// An API key (`x-api-key`): Harness does not say when its token
    /// expires, and answers an expired one as it answers a wrong one.
    ApiKey,
    /// A Bearer token, with the expiry its own `exp` claim states, if any.
    Bearer {
        /// The `exp` claim (seconds since the epoch).
        expires_at: Option<i64>,
    },
}

impl ApiErrorCause {
    /// The permissions Harness said were missing.
    pub fn missing_permissions(&self) -> Vec<String> {
        match self {
            ApiErrorCause::Harness { body, .. } => permissions_named(body),
            ApiErrorCause::GaveUp { last, .. } => last.missing_permissions(),
            ApiErrorCause::ScimUnavailable { cause, .. } => cause.missing_permissions(),
            _ => Vec::new(),
        }
    }

    /// A failure no other request or way of listing gets round: a bad key
    /// (401), no network, a redirect away from the base URL.
    pub fn is_final(&self) -> bool {
        match self {
            ApiErrorCause::Transport { .. } | ApiErrorCause::CrossOriginRedirect { .. } => true,
            ApiErrorCause::GaveUp { last, .. } => last.is_final(),
            other => other.status() == Some(401),
        }
    }

    /// A network failure that another run later may not meet: no answer
    /// (refused, reset, cut off, timed out), or 429 or 5xx answers (a cut-off
    /// body too) until the retries ran out. What CI retries (exit 3); a
    /// refused key, a missing permission, a bad `--base-url` or a name that
    /// does not resolve are not.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiErrorCause::Transport { transient, .. } => *transient,
            // Only retryable answers are retried until the attempts run out.
            ApiErrorCause::GaveUp { last, .. } => match last.as_ref() {
                ApiErrorCause::Transport { transient, .. } => *transient,
                _ => true,
            },
            ApiErrorCause::ScimUnavailable { cause, .. } => cause.is_transient(),
            _ => false,
        }
    }

    /// The HTTP status, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiErrorCause::Unauthorized { .. } => Some(401),
            ApiErrorCause::Harness { status, .. }
            | ApiErrorCause::Html { status, .. }
            | ApiErrorCause::BadBody { status, .. }
            | ApiErrorCause::CrossOriginRedirect { status, .. } => Some(*status),
            ApiErrorCause::GaveUp { last, .. } => last.status(),
            ApiErrorCause::ScimUnavailable { cause, .. } => cause.status(),
            ApiErrorCause::Transport { .. } => None,
        }
    }
}

/// `HTTP 401 CODE: message (correlation id C)`.
fn status_line(status: u16, body: &ErrorBody) -> String {
    let mut s = format!("HTTP {status}");
    if let Some(code) = &body.code {
        s.push_str(&format!(" {code}"));
    }
    if let Some(m) = body.message.as_deref().filter(|m| !m.is_empty()) {
        s.push_str(&format!(": {m}"));
    }
    if let Some(c) = &body.correlation_id {
        s.push_str(&format!(" (correlation id {c})"));
    }
    s
}

/// Whether Harness's refusal says the credential expired: its code
/// (`EXPIRED_TOKEN`, as `JWTTokenServiceUtils.verifyJWTToken` answers an
/// expired JWT) or its message (`TokenValidationHelper`'s "has expired", if
/// an installation passes it on). An API key's 401 says neither: the
/// authentication filter answers `INVALID_TOKEN` "Token is not valid." for
/// an expired, revoked or wrong key alike (docs/harness-behaviour.md T2).
pub(crate) fn says_expired(body: &ErrorBody) -> bool {
    let message = body
        .message
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    body.code.as_deref() == Some("EXPIRED_TOKEN")
        || message.contains("has expired")
        || message.starts_with("token expired")
}

fn describe_refused(body: &ErrorBody, credential: &RefusedCredential) -> String {
    let said = status_line(401, body);
    let now = chrono::Utc::now().timestamp();
    match *credential {
        RefusedCredential::Bearer { expires_at } => {
            let passed = expires_at.filter(|e| *e <= now);
            let when = expires_at
                .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            if says_expired(body) || passed.is_some() {
                let at = match (&when, passed) {
                    (Some(t), Some(p)) => format!(
                        " at {t} ({} ago, by its exp claim)",
                        crate::text::span_words(now - p)
                    ),
                    (Some(t), None) => format!(" (its exp claim says {t})"),
                    _ => String::new(),
                };
                format!(
                    "Harness refused the Bearer token: it expired{at} ({said}); sign in again for a new token and put it in HARNESS_BEARER or --bearer-file, or, for a scheduled job, use a service-account API key instead (docs/operations.md, \"A reader for scheduled CI\")"
                )
            } else {
                format!(
                    "Harness refused the Bearer token ({said}); check HARNESS_BEARER or --bearer-file, and that --account-id is the token's account{}",
                    when.map(|t| format!(" (the token's exp claim says it is valid until {t})"))
                        .unwrap_or_default()
                )
            }
        }
        RefusedCredential::ApiKey if says_expired(body) => format!(
            "Harness says the API key's token has expired ({said}); make a new token for its service account (with an expiry), put it where the job reads its key (HARNESS_API_KEY or --api-key-file) and run `reviewpack check`, which says when the new one expires"
        ),
        RefusedCredential::ApiKey => format!(
            "Harness refused the API key ({said}): its token has expired, or was revoked or deleted, or the key is mistyped or of another account. Harness answers all of these alike (and deletes a token once it expires), so it cannot say which; a token made with an expiry has most likely passed it. Make a new token for the service account, put it in HARNESS_API_KEY or --api-key-file, and run `reviewpack check`, which names the key's owner and says when the new token expires"
        ),
    }
}

fn describe_http(status: u16, body: &ErrorBody) -> String {
    let mut s = format!("HTTP {status}");
    if let Some(code) = &body.code {
        s.push_str(&format!(" {code}"));
    }
    if let Some(m) = body.message.as_deref().filter(|m| !m.is_empty()) {
        s.push_str(&format!(": {m}"));
    }
    if let Some(c) = &body.correlation_id {
        s.push_str(&format!(" (correlation id {c})"));
    }
    let missing = permissions_named(body);
    if !missing.is_empty() {
        s.push_str(&format!(
            "; the API key lacks {}: grant it to the key's user or service account and run again (docs/operations.md lists what each permission is for)",
            missing.join(", ")
        ));
    } else if status == 401 {
        s.push_str(
            "; the API key is invalid, expired or revoked: check HARNESS_API_KEY or --api-key-file (with a Bearer token: HARNESS_BEARER or --bearer-file, and that --account-id is the token's account)",
        );
    }
    s
}

/// The permissions an access-denied body names: its `failedPermissionChecks`,
/// else the one its message names. A list the key may view none of answers
/// `Missing permission core_usergroup_view on usergroup` with no failed
/// checks (`AbstractAccessControlClient.checkForAccessOrThrow` of a list);
/// the audit list answers `You need core_audit_view permission on ACCOUNT
/// …` (`AuditPermissionValidator`).
fn permissions_named(body: &ErrorBody) -> Vec<String> {
    let listed: Vec<String> = body
        .failed_permission_checks
        .iter()
        .filter_map(|c| c.permission.clone())
        .collect();
    if !listed.is_empty() {
        return listed;
    }
    let word = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let message = body.message.as_deref().unwrap_or_default();
    let named = match message.split("Missing permission ").nth(1) {
        Some(rest) => Some(word(rest)),
        None => message
            .split("You need ")
            .nth(1)
            .map(|rest| (word(rest), rest))
            .filter(|(p, rest)| rest[p.len()..].starts_with(" permission"))
            .map(|(p, _)| p),
    };
    named.filter(|p| p.contains('_')).into_iter().collect()
}

fn describe_scim(cause: &ApiErrorCause, jwt: bool) -> String {
    let why = match cause.status() {
        Some(401) if jwt => "SCIM endpoints accept only an API key token (pat./sat.) as their Bearer credential, not a session token: pull --scim with HARNESS_API_KEY or --api-key-file",
        Some(401) => "SCIM endpoints read the key only as `Authorization: Bearer`, and the server refused it: check that the key is valid",
        Some(403) => "the credential lacks core_user_view or core_usergroup_view at the account (SCIM also needs every Users and User Groups permission)",
        _ => "SCIM may be off for this account, or the SCIM service failed (Harness answers 404 for its own failures too)",
    };
    let detail = match cause {
        ApiErrorCause::Unauthorized { body, .. } => {
            let mut d = "HTTP 401".to_string();
            if let Some(m) = body.message.as_deref().filter(|m| !m.is_empty()) {
                d.push_str(&format!(": {m}"));
            }
            d
        }
        ApiErrorCause::Harness { status, body } => {
            let mut d = format!("HTTP {status}");
            if let Some(m) = body.message.as_deref().filter(|m| !m.is_empty()) {
                d.push_str(&format!(": {m}"));
            }
            d
        }
        other => other.to_string(),
    };
    format!(
        "the SCIM endpoint refused the list ({detail}): {why}; pull without --scim, or pass --allow-partial to record the SCIM lists as incomplete"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::wire::PermissionCheck;

    #[test]
    fn access_denied_names_the_missing_permission_and_what_to_do() {
        let body = ErrorBody {
            code: Some("NG_ACCESS_DENIED".into()),
            message: Some("Missing permission".into()),
            correlation_id: Some("c-1".into()),
            failed_permission_checks: vec![PermissionCheck {
                permission: Some("core_user_view".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let msg = describe_http(403, &body);
        assert!(msg.starts_with("HTTP 403 NG_ACCESS_DENIED: Missing permission"));
        assert!(msg.contains("correlation id c-1"));
        assert!(msg.contains("the API key lacks core_user_view"));
        assert!(describe_http(401, &ErrorBody::default()).contains("HARNESS_API_KEY"));
        assert!(describe_http(401, &ErrorBody::default()).contains("HARNESS_BEARER"));
    }

    #[test]
    fn a_refused_credential_says_whether_it_expired_and_when() {
        let body = |code: &str, message: &str| ErrorBody {
            code: Some(code.into()),
            message: Some(message.into()),
            ..Default::default()
        };
        // An API key: Harness answers expired and wrong alike.
        let key = describe_refused(
            &body("INVALID_TOKEN", "Token is not valid."),
            &RefusedCredential::ApiKey,
        );
        assert!(
            key.starts_with(
                "Harness refused the API key (HTTP 401 INVALID_TOKEN: Token is not valid.)"
            ) && key.contains("its token has expired, or was revoked or deleted")
                && key.contains("HARNESS_API_KEY"),
            "{key}"
        );
        // Where an answer does say it expired, so does the message.
        let said = describe_refused(
            &body("INVALID_REQUEST", "Incoming API token ci has expired abc"),
            &RefusedCredential::ApiKey,
        );
        assert!(
            said.starts_with("Harness says the API key's token has expired"),
            "{said}"
        );
        // A JWT: Harness's EXPIRED_TOKEN, and the time from its exp claim.
        let exp = chrono::Utc::now().timestamp() - 2 * 86_400 - 60;
        let jwt = describe_refused(
            &body("EXPIRED_TOKEN", "Token expired."),
            &RefusedCredential::Bearer {
                expires_at: Some(exp),
            },
        );
        assert!(
            jwt.starts_with("Harness refused the Bearer token: it expired at 20")
                && jwt.contains("(2 days ago, by its exp claim)")
                && jwt.contains("sign in again"),
            "{jwt}"
        );
        // Past its exp by this clock, though Harness said only "not valid".
        let past = describe_refused(
            &body("INVALID_TOKEN", "Token is not valid."),
            &RefusedCredential::Bearer {
                expires_at: Some(exp),
            },
        );
        assert!(past.contains("it expired at"), "{past}");
        let other = describe_refused(
            &body("INVALID_TOKEN", "Token is not valid."),
            &RefusedCredential::Bearer { expires_at: None },
        );
        assert!(
            !other.contains("expired") && other.contains("HARNESS_BEARER"),
            "{other}"
        );
    }

    #[test]
    fn a_refusal_naming_no_failed_check_is_read_for_the_permission_in_its_message() {
        let said = |code: &str, message: &str| {
            permissions_named(&ErrorBody {
                code: Some(code.into()),
                message: Some(message.into()),
                ..Default::default()
            })
        };
        assert_eq!(
            said(
                "NG_ACCESS_DENIED",
                "Principal of type USER with identifier u1 : Missing permission core_usergroup_view on usergroup"
            ),
            ["core_usergroup_view"]
        );
        assert_eq!(
            said(
                "ACCESS_DENIED",
                "You need core_audit_view permission on ACCOUNT with identifier: A to perform this action"
            ),
            ["core_audit_view"]
        );
        assert!(said("ACCESS_DENIED", "You need to sign in again").is_empty());
        assert!(said("ACCESS_DENIED", "Missing permission").is_empty());
    }
}
