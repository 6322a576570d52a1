//! The pseudonymiser of a recording: names, emails and identifiers become
//! pseudonyms, the same input the same pseudonym wherever it appears (a URL
//! path, a query parameter, a JSON body, an audit YAML, an error message),
//! so the recording still replays as one coherent account.
//!
//! Pseudonyms are numbered per kind in order of first appearance
//! (`org_0002`, `name-0014`, `user-0007@example.invalid`). A counter says
//! nothing about what it replaces, needs no key that could be kept or lost,
//! and stays readable in a bug report; an HMAC with a throw-away key would
//! be as safe and only less readable. The number is the only thing carried
//! over, so two recordings of one account share pseudonyms only by the
//! order their values appear in.
//!
//! What is kept is Harness's own vocabulary, by the JSON key or query
//! parameter a value sits under ([`KEEP_KEYS`]: permission identifiers,
//! resource types, enum values) or by the value's shape (numbers, booleans,
//! timestamps, identifiers Harness manages, which start with `_`).
//! Everything else is replaced: an unknown field is a pseudonym, never a
//! leak. Free text (error messages, HTML pages) is not a value of its own:
//! every word or phrase in it that is a known value, and every email
//! address, is replaced, and the rest of the sentence kept.
//!
//! What it must not do: look at the credential (it is scrubbed before any
//! text reaches this module) or write anything.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

/// Keys whose string values (or arrays of strings) are Harness's own
/// vocabulary, kept as they are. Nested objects under them are still
/// walked key by key.
pub const KEEP_KEYS: &[&str] = &[
    // Enum values and codes.
    "status",
    "code",
    "level",
    "type",
    "action",
    "actions",
    "module",
    "scopeLevel",
    "principalType",
    "resourceType",
    "filter",
    "filterType",
    "apiKeyType",
    "linkedSsoType",
    "authenticationMechanism",
    "staticFilter",
    "allowedScopeLevels",
    // A resource group's attribute filter names a Harness attribute
    // (`category`, `type`); its values stay pseudonymised.
    "attributeName",
    // Permission identifiers (Harness defines every one).
    "permission",
    "permissions",
    // SCIM schema URNs.
    "schemas",
    // Per request, Harness's own: what its support asks for.
    "correlationId",
    // Field and parameter names, paging and sorting.
    "fieldId",
    "fieldName",
    "orderType",
    "sortOrders",
    "pageIndex",
    "pageSize",
    "startIndex",
    "count",
    "scopeFilterDisabled",
];

/// Keys holding free text from the server: known values inside are
/// replaced word by word, the rest kept.
const FREE_TEXT_KEYS: &[&str] = &[
    "message",
    "detailedMessage",
    "error",
    "detail",
    "explanation",
    "hint",
];

/// Keys holding an audit YAML document.
const YAML_KEYS: &[&str] = &["oldYaml", "newYaml", "yaml"];

/// Keys holding a map whose keys are the customer's own (tag names).
const TAG_KEYS: &[&str] = &["tags"];

/// What a value is, for the pseudonym's look. Decided at a value's first
/// appearance; the same value keeps its pseudonym under any other key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The account identifier: `account_0001`.
    Account,
    /// An org identifier: `org_0001`.
    Org,
    /// A project identifier: `project_0001`.
    Project,
    /// A user's uuid: `uid_0001`.
    Uid,
    /// Any other identifier: `id_0001`.
    Id,
    /// A display name: `name-0001`.
    Name,
    /// A description or other text: `text-0001`.
    Text,
    /// A tag's name: `tag-0001`.
    Tag,
    /// An email address: `user-0001@example.invalid`.
    Email,
}

impl Kind {
    /// The kind a value under `key` gets when it is first seen.
    pub fn of_key(key: &str) -> Kind {
        match key {
            "accountIdentifier" | "accountId" | "account" | "harnessAccount" => Kind::Account,
            "orgIdentifier" => Kind::Org,
            "projectIdentifier" => Kind::Project,
            "uuid" | "users" | "userId" => Kind::Uid,
            "name" | "displayName" | "givenName" | "familyName" | "companyName"
            | "ssoGroupName" | "display" | "resourceName" | "userName" | "username" => Kind::Name,
            "description" => Kind::Text,
            _ => Kind::Id,
        }
    }

    /// The name in the recording's manifest.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::Org => "org",
            Kind::Project => "project",
            Kind::Uid => "uid",
            Kind::Id => "id",
            Kind::Name => "name",
            Kind::Text => "text",
            Kind::Tag => "tag",
            Kind::Email => "email",
        }
    }

    fn render(self, n: u32) -> String {
        match self {
            Kind::Account => format!("account_{n:04}"),
            Kind::Org => format!("org_{n:04}"),
            Kind::Project => format!("project_{n:04}"),
            Kind::Uid => format!("uid_{n:04}"),
            Kind::Id => format!("id_{n:04}"),
            Kind::Name => format!("name-{n:04}"),
            Kind::Text => format!("text-{n:04}"),
            Kind::Tag => format!("tag-{n:04}"),
            Kind::Email => format!("user-{n:04}@example.invalid"),
        }
    }

    /// Kinds whose values may be identifiers Harness manages (`_…`).
    fn is_identifier(self) -> bool {
        matches!(
            self,
            Kind::Account | Kind::Org | Kind::Project | Kind::Uid | Kind::Id
        )
    }
}

/// Replaces names, emails and identifiers with consistent pseudonyms.
#[derive(Debug, Default)]
pub struct Pseudonymiser {
    /// Original -> pseudonym, for every value but emails.
    map: HashMap<String, String>,
    /// Lower-cased email -> its number and its spellings in order of
    /// appearance (the first is written in lower case, the n-th with the
    /// letters of the bits of n in upper case: case-insensitively equal,
    /// exactly equal only to itself, as the originals were).
    emails: HashMap<String, (u32, Vec<String>)>,
    counters: BTreeMap<Kind, u32>,
    /// Known values that are not one word, by their first word, longest
    /// first: for free text. Built by [`Pseudonymiser::freeze_phrases`].
    phrases: HashMap<String, Vec<String>>,
}

impl Pseudonymiser {
    /// An empty pseudonymiser.
    pub fn new() -> Pseudonymiser {
        Pseudonymiser::default()
    }

    /// How many pseudonyms of each kind were given, by kind label.
    pub fn counts(&self) -> BTreeMap<String, u32> {
        self.counters
            .iter()
            .map(|(k, n)| (k.label().to_string(), *n))
            .collect()
    }

    /// The value under `key`: kept when it is Harness vocabulary, else its
    /// pseudonym.
    pub fn value(&mut self, key: &str, value: &str) -> String {
        if KEEP_KEYS.contains(&key) {
            return value.to_string();
        }
        if FREE_TEXT_KEYS.contains(&key) {
            return self.free_text(value);
        }
        if YAML_KEYS.contains(&key) {
            return self.yaml(value);
        }
        self.of_kind(Kind::of_key(key), value)
    }

    /// The pseudonym of `value` were it first seen as `kind`; kept when its
    /// shape says it is not the customer's (a number, a boolean, a time, an
    /// identifier Harness manages).
    pub fn of_kind(&mut self, kind: Kind, value: &str) -> String {
        if keeps_shape(value) || (kind.is_identifier() && value.starts_with('_')) {
            return value.to_string();
        }
        if looks_like_email(value) {
            return self.email(value);
        }
        if let Some(p) = self.map.get(value) {
            return p.clone();
        }
        let p = self.next(kind);
        self.map.insert(value.to_string(), p.clone());
        p
    }

    fn next(&mut self, kind: Kind) -> String {
        let n = self.counters.entry(kind).or_insert(0);
        *n += 1;
        kind.render(*n)
    }

    fn email(&mut self, email: &str) -> String {
        let lower = email.to_lowercase();
        if !self.emails.contains_key(&lower) {
            let n = self.counters.entry(Kind::Email).or_insert(0);
            *n += 1;
            self.emails.insert(lower.clone(), (*n, Vec::new()));
        }
        let (n, spellings) = self.emails.get_mut(&lower).expect("inserted above");
        let variant = match spellings.iter().position(|s| s == email) {
            Some(i) => i,
            None => {
                spellings.push(email.to_string());
                spellings.len() - 1
            }
        };
        let mut bits = variant;
        Kind::Email
            .render(*n)
            .chars()
            .map(|c| {
                if c.is_ascii_alphabetic() {
                    let upper = bits & 1 == 1;
                    bits >>= 1;
                    if upper {
                        return c.to_ascii_uppercase();
                    }
                }
                c
            })
            .collect()
    }

    /// A JSON value, walked key by key; `key` is the key it sits under
    /// (empty at the top).
    pub fn json(&mut self, key: &str, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.value(key, s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.json(key, i)).collect()),
            Value::Object(m) if TAG_KEYS.contains(&key) => Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        let name = self.of_kind(Kind::Tag, k);
                        let value = match v {
                            Value::String(s) => Value::String(self.of_kind(Kind::Text, s)),
                            other => self.json("", other),
                        };
                        (name, value)
                    })
                    .collect(),
            ),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.json(k, v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Query parameters, each by its name.
    pub fn query(&mut self, pairs: &[(String, String)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), self.value(k, v)))
            .collect()
    }

    /// A path under the base URL: the segments that are variables (the
    /// account in `/ng/api/accounts/{account}` and the SCIM paths, a role
    /// in `/authz/api/roles/{role}`) are replaced, the rest kept.
    pub fn path(&mut self, path: &str) -> String {
        for (prefix, kind) in PATH_VARIABLES {
            if let Some(rest) = path.strip_prefix(prefix) {
                let (var, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                if var.is_empty() {
                    break;
                }
                return format!("{prefix}{}{tail}", self.of_kind(*kind, var));
            }
        }
        path.to_string()
    }

    /// Indexes the known values that are not one word, for
    /// [`Pseudonymiser::free_text`]; call once every structured value was
    /// seen.
    pub fn freeze_phrases(&mut self) {
        self.phrases.clear();
        for original in self.map.keys() {
            let words = words(original);
            if words.len() == 1 && words[0] == (0, original.len()) {
                continue;
            }
            if let Some(&(0, end)) = words.first() {
                self.phrases
                    .entry(original[..end].to_string())
                    .or_default()
                    .push(original.clone());
            }
        }
        for list in self.phrases.values_mut() {
            list.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        }
    }

    /// Free text: every known value in it (a word, or a phrase indexed by
    /// [`Pseudonymiser::freeze_phrases`]) and every email address replaced,
    /// the rest kept.
    pub fn free_text(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in words(text) {
            if start < at {
                continue;
            }
            out.push_str(&text[at..start]);
            let word = &text[start..end];
            let phrase = self.phrases.get(word).and_then(|list| {
                list.iter()
                    .find(|p| {
                        text[start..].starts_with(p.as_str())
                            && text[start + p.len()..]
                                .chars()
                                .next()
                                .is_none_or(|c| !is_word_char(c))
                    })
                    .cloned()
            });
            if let Some(p) = phrase {
                out.push_str(&self.map[&p]);
                at = start + p.len();
                continue;
            }
            if let Some(p) = self.map.get(word) {
                out.push_str(p);
            } else if looks_like_email(word) {
                let p = self.email(word);
                out.push_str(&p);
            } else {
                out.push_str(word);
            }
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// An audit YAML (Jackson's block style, as `audit_yaml` reads it):
    /// each `key: value` by its key as in JSON, each `- item` by the key of
    /// its sequence, a tag's name and value as tags are; anything else as
    /// free text.
    pub fn yaml(&mut self, text: &str) -> String {
        // The open block keys, by indent: a sequence item belongs to the
        // last one at or above its dash.
        let mut keys: Vec<(usize, String)> = Vec::new();
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let body = line.trim_end_matches(['\n', '\r']);
            let newline = &line[body.len()..];
            let trimmed = body.trim_start();
            let dash_indent = body.len() - trimmed.len();
            if trimmed == "---" || trimmed.is_empty() || trimmed.starts_with('#') {
                out.push_str(line);
                continue;
            }
            // A `- ` item's content sits two columns further in.
            let (lead, content, indent) = match trimmed.strip_prefix("- ") {
                Some(item) => (&body[..dash_indent + 2], item, dash_indent + 2),
                None => (&body[..dash_indent], trimmed, dash_indent),
            };
            let Some((key, value)) = yaml_key_value(content) else {
                let rewritten = if content.len() < trimmed.len() {
                    while keys.last().is_some_and(|(i, _)| *i > dash_indent) {
                        keys.pop();
                    }
                    let list_key = keys.last().map(|(_, k)| k.clone()).unwrap_or_default();
                    self.yaml_scalar(&list_key, content, false)
                } else {
                    self.free_text(content)
                };
                out.push_str(&format!("{lead}{rewritten}{newline}"));
                continue;
            };
            while keys.last().is_some_and(|(i, _)| *i >= indent) {
                keys.pop();
            }
            let in_tags = keys
                .last()
                .is_some_and(|(_, k)| TAG_KEYS.contains(&k.as_str()));
            let key_out = if in_tags {
                self.of_kind(Kind::Tag, key)
            } else {
                key.to_string()
            };
            if value.is_empty() {
                keys.push((indent, key.to_string()));
                out.push_str(&format!("{lead}{key_out}:{newline}"));
            } else {
                let value_out = self.yaml_scalar(key, value, in_tags);
                out.push_str(&format!("{lead}{key_out}: {value_out}{newline}"));
            }
        }
        out
    }

    /// One YAML scalar under `key` (plain or quoted); a tag's value when
    /// `tag_value`. Collections and the like are free text.
    fn yaml_scalar(&mut self, key: &str, raw: &str, tag_value: bool) -> String {
        let raw = raw.trim();
        if raw.is_empty() || matches!(raw, "null" | "~" | "[]" | "{}") {
            return raw.to_string();
        }
        let unquoted =
            if let Some(inner) = raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
                Some(inner.replace("''", "'"))
            } else {
                raw.strip_prefix('"')
                    .and_then(|r| r.strip_suffix('"'))
                    .filter(|inner| !inner.contains('\\'))
                    .map(str::to_string)
            };
        match unquoted {
            Some(v) => {
                let p = if tag_value {
                    self.of_kind(Kind::Text, &v)
                } else {
                    self.value(key, &v)
                };
                if p == v {
                    raw.to_string()
                } else {
                    p
                }
            }
            None if raw.starts_with(['[', '{', '&', '*', '|', '>', '!', '"']) => {
                self.free_text(raw)
            }
            None if tag_value => self.of_kind(Kind::Text, raw),
            None => self.value(key, raw),
        }
    }
}

/// Paths under the base URL whose next segment is a variable, and its kind
/// (`pull/scopes.rs`, `pull/scim.rs`; the role read is the SDK's).
const PATH_VARIABLES: &[(&str, Kind)] = &[
    ("/ng/api/accounts/", Kind::Account),
    ("/ng/api/scim/account/", Kind::Account),
    ("/authz/api/roles/", Kind::Id),
];

/// `key: value` or `key:` of a YAML line (a key is one word); `None` for
/// anything else.
fn yaml_key_value(content: &str) -> Option<(&str, &str)> {
    let (key, rest) = content.split_once(':')?;
    let plain_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$'));
    if !plain_key || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest.trim()))
}

/// Values kept for their shape: empty or punctuation only (the client's
/// `-` placeholder), a number, a boolean or null, a
/// date or an RFC 3339 time, the scrubber's `[redacted]`.
fn keeps_shape(v: &str) -> bool {
    let number = {
        let digits = v.strip_prefix('-').unwrap_or(v);
        !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.matches('.').count() <= 1
            && digits.chars().any(|c| c.is_ascii_digit())
    };
    v.is_empty()
        || number
        || !v.chars().any(char::is_alphanumeric)
        || matches!(v, "true" | "false" | "null" | "[redacted]")
        || chrono::DateTime::parse_from_rfc3339(v).is_ok()
        || chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
}

/// `local@domain.tld`, roughly: one `@`, something before it, a dot after.
fn looks_like_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.chars().any(char::is_whitespace)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '+' | '$')
}

/// The words of `text` as byte ranges: runs of letters, digits and
/// `_ - . @ + $`, without a trailing `.` or `-` (the end of a sentence).
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let push = |s: usize, e: usize, out: &mut Vec<(usize, usize)>| {
        let trimmed = text[s..e].trim_end_matches(['.', '-']);
        if !trimmed.is_empty() {
            out.push((s, s + trimmed.len()));
        }
    };
    for (i, c) in text.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push(s, i, &mut out);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, text.len(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_input_gets_the_same_pseudonym_in_path_query_and_body() {
        let mut p = Pseudonymiser::new();
        let path = p.path("/ng/api/accounts/AcmeProd01");
        let query = p.query(&[
            ("accountIdentifier".into(), "AcmeProd01".into()),
            ("orgIdentifier".into(), "payments".into()),
            ("pageIndex".into(), "2".into()),
            ("filterType".into(), "INCLUDE_CHILD_SCOPE_GROUPS".into()),
        ]);
        let body = p.json(
            "",
            &json!({
                "accountIdentifier": "AcmeProd01",
                "identifier": "payments",
                "name": "Grace Ito",
                "email": "Grace.Ito@acme.example",
                "users": ["u-77", "u-78"],
                "tags": {"owner": "grace.ito@acme.example", "tier": "3"},
            }),
        );
        assert_eq!(path, "/ng/api/accounts/account_0001");
        assert_eq!(query[0].1, "account_0001");
        assert_eq!(body["accountIdentifier"], "account_0001");
        // First seen as an org, the same text is that pseudonym everywhere.
        assert_eq!(query[1].1, "org_0001");
        assert_eq!(body["identifier"], "org_0001");
        assert_eq!(query[2].1, "2");
        assert_eq!(query[3].1, "INCLUDE_CHILD_SCOPE_GROUPS");
        assert_eq!(body["name"], "name-0001");
        assert_eq!(body["users"], json!(["uid_0001", "uid_0002"]));
        // An email in another case is the same person, spelt differently.
        let first = body["email"].as_str().unwrap();
        let tagged = body["tags"]["tag-0001"].as_str().unwrap();
        assert_eq!(first, "user-0001@example.invalid");
        assert_eq!(tagged.to_lowercase(), first);
        assert_ne!(tagged, first);
        assert_eq!(body["tags"]["tag-0002"], "3");
        assert_eq!(p.of_kind(Kind::Id, "Grace.Ito@acme.example"), first);
        assert_eq!(p.of_kind(Kind::Id, "grace.ito@acme.example"), tagged);
        // Again, in any order and under any key: the same answers.
        assert_eq!(
            p.path("/ng/api/scim/account/AcmeProd01/Users"),
            "/ng/api/scim/account/account_0001/Users"
        );
        assert_eq!(p.value("parentIdentifier", "payments"), "org_0001");
        assert_eq!(p.value("resourceName", "Grace Ito"), "name-0001");
        // Free text: known words and phrases, and any email, are replaced.
        p.freeze_phrases();
        assert_eq!(
            p.free_text(
                "User Grace Ito (grace.ito@acme.example) lacks core_user_view at payments."
            ),
            format!("User name-0001 ({tagged}) lacks core_user_view at org_0001.")
        );
        assert_eq!(
            p.free_text("No resource at /ng/api/accounts/AcmeProd01 for bob@elsewhere.example"),
            "No resource at /ng/api/accounts/account_0001 for user-0002@example.invalid"
        );
    }

    #[test]
    fn harness_vocabulary_is_kept() {
        let mut p = Pseudonymiser::new();
        let v = json!({
            "status": "SUCCESS",
            "correlationId": "00000000-0000-4000-8000-00000000002a",
            "data": {
                "identifier": "_account_admin",
                "name": "Account Admin",
                "permissions": ["core_user_view", "core_usergroup_manage"],
                "allowedScopeLevels": ["account", "organization"],
                "createdAt": 1759309200000u64,
                "harnessManaged": true,
                "validTo": "2026-10-30T07:00:00Z",
                "principal": {"identifier": "_account_all_users", "type": "USER_GROUP", "scopeLevel": "account"},
                "resourceGroupIdentifier": "_all_resources_including_child_scopes",
                "checks": [{"permission": "core_role_view", "resourceType": "ROLE",
                            "resourceScope": {"accountIdentifier": "acct", "orgIdentifier": "_x"},
                            "resourceIdentifier": "custom_role"}],
                "action": "LOGIN",
                "module": "CORE",
                "empty": "",
                "count": "12",
            },
        });
        let out = p.json("", &v);
        let d = &out["data"];
        for (key, want) in [
            ("identifier", "_account_admin"),
            (
                "resourceGroupIdentifier",
                "_all_resources_including_child_scopes",
            ),
            ("validTo", "2026-10-30T07:00:00Z"),
            ("action", "LOGIN"),
            ("module", "CORE"),
            ("empty", ""),
            ("count", "12"),
        ] {
            assert_eq!(d[key], want, "{key}");
        }
        assert_eq!(out["status"], "SUCCESS");
        assert_eq!(out["correlationId"], v["correlationId"]);
        assert_eq!(d["permissions"], v["data"]["permissions"]);
        assert_eq!(d["allowedScopeLevels"], v["data"]["allowedScopeLevels"]);
        assert_eq!(d["createdAt"], v["data"]["createdAt"]);
        assert_eq!(d["harnessManaged"], true);
        assert_eq!(d["principal"], v["data"]["principal"]);
        // A managed-looking name is still a name; nested identifiers under a
        // kept key are still replaced.
        assert_eq!(d["name"], "name-0001");
        let check = &d["checks"][0];
        assert_eq!(check["permission"], "core_role_view");
        assert_eq!(check["resourceType"], "ROLE");
        assert_eq!(check["resourceScope"]["accountIdentifier"], "account_0001");
        assert_eq!(check["resourceScope"]["orgIdentifier"], "_x");
        assert_eq!(check["resourceIdentifier"], "id_0001");
        // An unknown field is replaced, never kept.
        assert_eq!(p.value("someNewField", "ACME_SECRET_PROJECT"), "id_0002");
    }

    #[test]
    fn audit_yaml_is_rewritten_by_key_and_still_reads() {
        let mut p = Pseudonymiser::new();
        let old = "userGroup:\n  accountIdentifier: AcmeProd01\n  identifier: admins\n  name: 'Platform Admins'\n  users:\n  - u1\n  - \"u2\"\n  tags:\n    owner: grace@acme.example\n  externallyManaged: false\n";
        let new = "userGroup:\n  accountIdentifier: AcmeProd01\n  identifier: admins\n  name: Platform Admins\n  users:\n  - u1\n  externallyManaged: false\n";
        let (o, n) = (p.yaml(old), p.yaml(new));
        assert_eq!(
            o,
            "userGroup:\n  accountIdentifier: account_0001\n  identifier: id_0001\n  name: name-0001\n  users:\n  - uid_0001\n  - uid_0002\n  tags:\n    tag-0001: user-0001@example.invalid\n  externallyManaged: false\n"
        );
        assert_eq!(
            crate::harness::audit_yaml::removed_members(&o, &n).unwrap(),
            vec!["uid_0002".to_string()]
        );
        let assignment = "roleAssignment:\n  identifier: role_assignment_qggRnZ7W\n  resourceGroupIdentifier: _all_account_level_resources\n  roleIdentifier: _account_admin\n  principal:\n    identifier: u1\n    type: USER\n  disabled: false\n";
        let a = crate::harness::audit_yaml::deleted_assignment(&p.yaml(assignment)).unwrap();
        assert_eq!(a.identifier, "id_0002");
        assert_eq!(a.role.as_deref(), Some("_account_admin"));
        assert!(p
            .yaml(assignment)
            .contains("    identifier: uid_0001\n    type: USER\n"));
    }
}
