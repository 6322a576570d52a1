//! The credential: an API key or a Bearer token that never prints, the
//! headers that carry it, and the scrubbing of any text from the network
//! that could echo it.

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

use super::Client;

/// The API key. Never printed.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, trimming surrounding white space (files end in newlines).
    pub fn new(key: &str) -> ApiKey {
        ApiKey(key.trim().to_string())
    }

    /// The account id embedded in `pat.<account>.…` / `sat.<account>.…` keys.
    pub fn account_id(&self) -> Option<&str> {
        let mut parts = self.0.split('.');
        match (parts.next(), parts.next()) {
            (Some("pat" | "sat"), Some(acct)) if !acct.is_empty() => Some(acct),
            _ => None,
        }
    }

    /// The token identifier of a `sat.<account>.<token>.<secret>` key: the
    /// service account's token the pull runs as.
    pub fn service_account_token_id(&self) -> Option<&str> {
        let parts: Vec<&str> = self.0.split('.').collect();
        (parts.len() >= 4 && parts[0] == "sat").then(|| parts[2])
    }

    /// The token identifier of a `pat.`/`sat.<account>.<token>.<secret>`
    /// key (not secret: Harness lists it with the key).
    pub fn token_id(&self) -> Option<&str> {
        let parts: Vec<&str> = self.0.split('.').collect();
        (parts.len() >= 4 && matches!(parts[0], "pat" | "sat") && !parts[2].is_empty())
            .then(|| parts[2])
    }

    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// A Bearer token (a JWT from a session or SSO login). Never printed.
#[derive(Clone)]
pub struct BearerToken(String);

impl BearerToken {
    /// Wraps a token, trimming white space and an optional `Bearer ` prefix.
    pub fn new(token: &str) -> BearerToken {
        let t = token.trim();
        let t = t
            .strip_prefix("Bearer ")
            .or_else(|| t.strip_prefix("bearer "))
            .unwrap_or(t);
        BearerToken(t.trim().to_string())
    }

    /// The token identifier of a `pat.`/`sat.<account>.<token>.<secret>`
    /// key (not secret: Harness lists it with the key).
    pub fn token_id(&self) -> Option<&str> {
        let parts: Vec<&str> = self.0.split('.').collect();
        (parts.len() >= 4 && matches!(parts[0], "pat" | "sat") && !parts[2].is_empty())
            .then(|| parts[2])
    }

    /// The `exp` claim of a JWT (seconds since the epoch): when the token
    /// stops being accepted (`JWTTokenServiceUtils` verifies it). Read from
    /// the token's own payload, unverified: what the token says of itself,
    /// never a reason to trust it. `None` for a token that is no JWT or
    /// states no expiry.
    pub fn expires_at(&self) -> Option<i64> {
        self.claims()?.get("exp")?.as_f64().map(|e| e as i64)
    }

    /// The JWT's payload, decoded (not verified).
    fn claims(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        let mut parts = self.0.split('.');
        let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let bytes = crate::text::base64_decode(payload)?;
        match serde_json::from_slice(&bytes).ok()? {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        }
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(***)")
    }
}

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum Credential {
    /// `x-api-key: <key>`.
    ApiKey(ApiKey),
    /// `Authorization: Bearer <token>` with `Harness-Account: <account>`.
    Bearer(BearerToken),
}

impl Credential {
    /// The headers this credential adds to a request, secrets marked
    /// sensitive (so reqwest never prints them). SCIM endpoints read the
    /// credential only from `Authorization: Bearer`
    /// (`NextGenAuthenticationFilter.getApiKeyForScim`), so there an API key
    /// goes in that header instead of `x-api-key`.
    pub(super) fn headers(&self, account_id: &str, scim: bool) -> Result<HeaderMap, String> {
        let mut headers = HeaderMap::new();
        let bearer = |secret: &str, what: &str| {
            HeaderValue::from_str(&format!("Bearer {secret}"))
                .map(|mut v| {
                    v.set_sensitive(true);
                    v
                })
                .map_err(|_| format!("the {what} contains characters a header cannot carry"))
        };
        match self {
            Credential::ApiKey(key) if scim => {
                headers.insert(AUTHORIZATION, bearer(key.expose(), "API key")?);
            }
            Credential::ApiKey(key) => {
                let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
                    "the API key contains characters a header cannot carry".to_string()
                })?;
                value.set_sensitive(true);
                headers.insert("x-api-key", value);
            }
            Credential::Bearer(token) => {
                headers.insert(AUTHORIZATION, bearer(token.expose(), "Bearer token")?);
                let account = HeaderValue::from_str(account_id).map_err(|_| {
                    "the account id contains characters a header cannot carry".to_string()
                })?;
                headers.insert("Harness-Account", account);
            }
        }
        Ok(headers)
    }
}

impl Client {
    /// What the client knows of its credential when Harness refuses it.
    pub(super) fn refused_credential(&self) -> super::error::RefusedCredential {
        match &self.credential {
            Credential::ApiKey(_) => super::error::RefusedCredential::ApiKey,
            Credential::Bearer(t) => super::error::RefusedCredential::Bearer {
                expires_at: t.expires_at(),
            },
        }
    }

    /// `text` with the credential, and anything shaped like a Harness API
    /// token, replaced: for every text that came from the network (error
    /// bodies, messages, correlation ids, parse errors) before it is printed,
    /// logged or stored. A proxy or server that echoes the key must not make
    /// reviewpack print it.
    pub fn scrub(&self, text: &str) -> String {
        let secret = match &self.credential {
            Credential::ApiKey(k) => k.expose(),
            Credential::Bearer(t) => t.expose(),
        };
        scrub_secret(text, secret)
    }
}

/// `text` with `secret` and every Harness-API-token-shaped word replaced by
/// `[redacted]`. A token is `pat.<account>.<token id>.<secret>` or `sat.…`
/// (README section 1): four dot-separated parts of letters, digits, `_` and
/// `-`, the account at least 8 characters and the secret at least 12, not
/// part of an email address (`pat.o.brien.jr@…` stays).
///
/// The secret is found however a server or proxy transformed its echo: the
/// whole credential and its secret part (the last dot-separated part), each
/// byte written as itself, percent-encoded (`%2e` or `%2E`) or as a JSON
/// `\u002e` escape, in any mix; and base64-encoded (standard or URL-safe
/// alphabet, at any alignment inside a longer encoded text).
pub fn scrub_secret(text: &str, secret: &str) -> String {
    let mut out = text.to_string();
    for variant in secret_variants(secret) {
        out = replace_encoded(&out, &variant);
        for core in base64_cores(&variant) {
            out = out.replace(&core, "[redacted]");
        }
    }
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    for prefix in ["pat.", "sat."] {
        let mut from = 0;
        while let Some(i) = out[from..].find(prefix).map(|i| i + from) {
            let end = out[i..]
                .find(|c: char| !token_char(c))
                .map_or(out.len(), |e| i + e);
            let starts_word = out[..i].chars().next_back().is_none_or(|c| !token_char(c));
            let parts: Vec<&str> = out[i..end].split('.').collect();
            let shaped = parts.len() == 4
                && parts[1].len() >= 8
                && !parts[2].is_empty()
                && parts[3].len() >= 12;
            let email = out[end..].starts_with('@');
            if starts_word && shaped && !email {
                out.replace_range(i..end, "[redacted]");
                from = i + "[redacted]".len();
            } else {
                from = i + prefix.len();
            }
        }
    }
    out
}

/// What of a credential is secret enough to scrub: the whole credential and
/// its last dot-separated part (the secret of `pat.`/`sat.` keys, the
/// signature of a JWT), each when at least 8 characters long (a shorter one
/// would scrub ordinary words).
fn secret_variants(secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    if secret.len() >= 8 {
        out.push(secret.to_string());
    }
    if let Some((_, last)) = secret.rsplit_once('.') {
        if last.len() >= 8 && !out.iter().any(|v| v == last) {
            out.push(last.to_string());
        }
    }
    out
}

/// `text` with every spelling of `secret` replaced by `[redacted]`: each
/// byte as itself, `%XX` (hex in either case) or `\uXXXX` (likewise).
fn replace_encoded(text: &str, secret: &str) -> String {
    let (t, want) = (text.as_bytes(), secret.as_bytes());
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut i) = (0, 0);
    while i < t.len() {
        match match_encoded(&t[i..], want) {
            Some(len) => {
                // Matches begin and end on ASCII or whole UTF-8 sequences of
                // the secret, so these are character boundaries.
                out.push_str(&text[copied..i]);
                out.push_str("[redacted]");
                i += len;
                copied = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The length of the prefix of `t` that spells `want`, if it does.
fn match_encoded(t: &[u8], want: &[u8]) -> Option<usize> {
    let hex = |s: &[u8]| -> Option<u32> {
        let s = std::str::from_utf8(s).ok()?;
        u32::from_str_radix(s, 16).ok()
    };
    let mut at = 0;
    for &b in want {
        let rest = &t[at..];
        if rest.first() == Some(&b) {
            at += 1;
        } else if rest.len() >= 3 && rest[0] == b'%' && hex(&rest[1..3]) == Some(u32::from(b)) {
            at += 3;
        } else if b.is_ascii()
            && rest.len() >= 6
            && rest[0] == b'\\'
            && rest[1] == b'u'
            && hex(&rest[2..6]) == Some(u32::from(b))
        {
            at += 6;
        } else {
            return None;
        }
    }
    Some(at)
}

/// The base64 texts that, wherever `secret` is encoded (alone or inside a
/// longer text, at each of the three alignments, either alphabet), are part
/// of the encoding: the characters that depend on the secret's bytes alone.
fn base64_cores(secret: &str) -> Vec<String> {
    const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    for offset in 0..3 {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(secret.as_bytes());
        // Whole groups of three only: the last, partial one depends on what
        // follows.
        let whole = bytes.len() / 3 * 3;
        for alphabet in [STANDARD, URL_SAFE] {
            let encoded: String = bytes[..whole]
                .chunks(3)
                .flat_map(|c| {
                    let n = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
                    (0..4)
                        .rev()
                        .map(move |k| alphabet[(n >> (6 * k) & 63) as usize] as char)
                })
                .collect();
            // The first group also holds bytes before the secret.
            let core = if offset == 0 {
                &encoded[..]
            } else {
                &encoded[4..]
            };
            if core.len() >= 8 && !out.iter().any(|c| c == core) {
                out.push(core.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::ClientConfig;
    use super::*;

    #[test]
    fn api_key_never_prints_its_secret() {
        let k = ApiKey::new("pat.acct1.tok1.s3cret\n");
        assert_eq!(format!("{k:?}"), "ApiKey(***)");
        assert_eq!(k.account_id(), Some("acct1"));
        assert_eq!(k.service_account_token_id(), None);
        let s = ApiKey::new("sat.acct2.tok2.s3cret");
        assert_eq!(s.account_id(), Some("acct2"));
        assert_eq!(s.service_account_token_id(), Some("tok2"));
        assert_eq!(ApiKey::new("opaque").account_id(), None);
    }

    #[test]
    fn bearer_tokens_never_print_and_send_the_account_header() {
        let t = BearerToken::new("Bearer eyJhbGciOi.s3cret.sig\n");
        assert_eq!(format!("{t:?}"), "BearerToken(***)");
        let c = Credential::Bearer(t);
        assert!(!format!("{c:?}").contains("s3cret"));
        let h = c.headers("acct9", false).unwrap();
        assert_eq!(h["authorization"], "Bearer eyJhbGciOi.s3cret.sig");
        assert!(h["authorization"].is_sensitive());
        assert_eq!(h["harness-account"], "acct9");
        assert!(h.get("x-api-key").is_none());
        let k = Credential::ApiKey(ApiKey::new("pat.a.b.c"))
            .headers("a", false)
            .unwrap();
        assert!(k["x-api-key"].is_sensitive());
        assert!(k.get("harness-account").is_none());
        // SCIM reads the key only from `Authorization: Bearer`.
        let scim = Credential::ApiKey(ApiKey::new("pat.a.b.c"))
            .headers("a", true)
            .unwrap();
        assert_eq!(scim["authorization"], "Bearer pat.a.b.c");
        assert!(scim["authorization"].is_sensitive());
        assert!(scim.get("x-api-key").is_none());
        let client =
            Client::with_credential(ClientConfig::new("http://127.0.0.1:9", "acct9"), c).unwrap();
        assert!(client.key().is_none());
    }

    #[test]
    fn a_jwts_expiry_is_read_from_its_payload() {
        let jwt = |payload: &str| {
            format!(
                "eyJhbGciOiJIUzI1NiJ9.{}.c2lnbmF0dXJlU2VjcmV0",
                crate::text::base64(payload.as_bytes(), true).trim_end_matches('=')
            )
        };
        assert_eq!(
            BearerToken::new(&jwt(r#"{"exp":1790000000,"type":"USER"}"#)).expires_at(),
            Some(1_790_000_000)
        );
        assert_eq!(BearerToken::new(&jwt(r#"{"sub":"x"}"#)).expires_at(), None);
        assert_eq!(BearerToken::new("not.a.jwt.at-all").expires_at(), None);
        assert_eq!(BearerToken::new("opaque").expires_at(), None);
    }

    /// Standard base64, for the tests.
    fn b64(bytes: &[u8]) -> String {
        crate::text::base64(bytes, false)
    }

    /// Issue 21: only a verbatim echo was scrubbed.
    #[test]
    fn a_transformed_echo_of_the_key_or_its_secret_is_scrubbed() {
        let key = "sat.acct1234.tok.s3cr3tv4lu3ABC";
        let secret = "s3cr3tv4lu3ABC";
        let pct = |s: &str, upper: bool| -> String {
            s.bytes()
                .map(|b| {
                    if upper {
                        format!("%{b:02X}")
                    } else {
                        format!("%{b:02x}")
                    }
                })
                .collect()
        };
        let json_u = |s: &str| -> String { s.bytes().map(|b| format!("\\u{b:04x}")).collect() };
        // Only the dots encoded, as a URL encoder of `.` would.
        let dots = key.replace('.', "%2E");
        let forms = [
            pct(key, false),
            pct(key, true),
            pct(secret, true),
            dots.clone(),
            json_u(key),
            json_u(secret).to_uppercase().replace("\\U", "\\u"),
            b64(key.as_bytes()),
            b64(secret.as_bytes()),
            b64(format!("x-api-key: {key}").as_bytes()),
            b64(format!("k={key}").as_bytes())
                .replace('+', "-")
                .replace('/', "_"),
            // Mixed case hex in one echo.
            "%73%41%74".to_string() + &key[3..],
        ];
        for form in &forms {
            let text = format!("echo <{form}> end");
            let s = scrub_secret(&text, key);
            assert!(s.contains("[redacted]"), "{form}: {s}");
            assert!(s.starts_with("echo <") && s.ends_with("> end"), "{s}");
            for f in &forms {
                assert!(!s.contains(f.as_str()), "{form}: {s} still holds {f}");
            }
            assert!(!s.contains(secret), "{s}");
        }
        // Upper-case hex of a lower-case letter is still that letter, but
        // the key itself is case-sensitive: another case is another key.
        assert_eq!(
            scrub_secret("S3CR3TV4LU3ABC", key),
            "S3CR3TV4LU3ABC",
            "not the secret"
        );
        // Text around a match keeps its characters, multi-byte ones too.
        assert_eq!(
            scrub_secret(&format!("zoë {} ✓", pct(secret, false)), key),
            "zoë [redacted] ✓"
        );
    }

    #[test]
    fn scrubbing_removes_the_secret_and_token_shapes_but_not_emails() {
        let key = "sat.acct1234.tok.s3cr3tv4lu3ABC";
        let t = format!("bad key {key} (echoed); other pat.AbCdEfGh12.t_1.ZZZZZZZZZZZZZZ; x");
        let s = scrub_secret(&t, key);
        assert_eq!(s, "bad key [redacted] (echoed); other [redacted]; x");
        // Not tokens: emails, short parts, words ending in pat.
        for keep in [
            "pat.o.brien.jr@example.com",
            "pat.smith@example.com",
            "compat.abcdefgh.x.yyyyyyyyyyyyyy",
            "pat.short.x.y",
        ] {
            assert_eq!(scrub_secret(keep, key), keep);
        }
        // A Bearer token (any shape) is scrubbed as the secret.
        assert_eq!(
            scrub_secret("token eyJhbGciOi.s3cret.sig here", "eyJhbGciOi.s3cret.sig"),
            "token [redacted] here"
        );
    }
}
