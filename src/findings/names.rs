//! Names that can deceive a reviewer: `deceptive-name`.
//!
//! A reviewer recognises principals by name and finds them by search. A
//! right-to-left override makes `"\u{202E}zeuqraM ogeiD"` display as "Diego
//! Marquez"; a zero-width space makes `"ad\u{200B}min"` invisible to a search
//! for "admin". The human views already show such characters as markers
//! (`crate::text`); this rule names the principals so someone fixes the name.

use serde::Serialize;

use super::ctx::Ctx;
use super::draft::{group_principal, principal_of, Draft};
use super::finding::FindingPrincipal;
use super::rule::Rule;
use crate::graph::{GroupRef, Principal};
use crate::snapshot::Scope;
use crate::text::{code_point, hidden, hidden_in, HiddenKind};

/// One field holding hidden characters.
#[derive(Debug, Serialize)]
struct DeceptiveField<'a> {
    /// `name` or `email`.
    field: &'static str,
    /// The exact value.
    value: &'a str,
    /// The value as a JSON string literal with each hidden character written
    /// as a `\u` escape, so it can be read where the raw value cannot.
    escaped: String,
    /// `U+202E`, ..., each once, by code point.
    code_points: Vec<String>,
    /// Their Unicode names.
    names: Vec<&'static str>,
    /// `bidi` (reorders text) and/or `invisible`.
    kinds: Vec<&'static str>,
}

fn field<'a>(field: &'static str, value: &'a str) -> Option<DeceptiveField<'a>> {
    let found = hidden_in(value);
    if found.is_empty() {
        return None;
    }
    let mut kinds: Vec<&'static str> = found
        .iter()
        .filter_map(|&c| hidden(c))
        .map(|(k, _)| match k {
            HiddenKind::Bidi => "bidi",
            HiddenKind::Invisible => "invisible",
        })
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    Some(DeceptiveField {
        field,
        value,
        escaped: json_escaped(value),
        code_points: found.iter().map(|&c| code_point(c)).collect(),
        names: found
            .iter()
            .filter_map(|&c| hidden(c))
            .map(|(_, n)| n)
            .collect(),
        kinds,
    })
}

/// `value` as a JSON string literal (quotes included) in which every hidden
/// character is a `\uXXXX` escape; it parses back to `value`.
fn json_escaped(value: &str) -> String {
    let literal = serde_json::Value::String(value.to_string()).to_string();
    let mut out = String::with_capacity(literal.len() + 8);
    for c in literal.chars() {
        if hidden(c).is_some() {
            out.push_str(&format!("\\u{:04X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

fn draft(
    what: &str,
    principal: FindingPrincipal,
    scope: &Scope,
    fields: Vec<DeceptiveField<'_>>,
) -> Draft {
    let which: Vec<&str> = fields.iter().map(|f| f.field).collect();
    let mut chars: Vec<String> = Vec::new();
    for f in &fields {
        for (cp, name) in f.code_points.iter().zip(&f.names) {
            let text = format!("{cp} ({name})");
            if !chars.contains(&text) {
                chars.push(text);
            }
        }
    }
    chars.sort();
    let verb = if which.len() == 1 { "holds" } else { "hold" };
    Draft::new(
        Rule::DeceptiveName,
        format!(
            "The {what}'s {} {verb} {}, which can make it read as someone else or hide it from searches.",
            which.join(" and "),
            chars.join(", ")
        ),
    )
    .principal(principal)
    .scope(scope)
    .evidence("fields", &fields)
}

/// `deceptive-name`: a user's name or email, a service account's name, or a
/// user group's name holds a bidirectional control or invisible character.
/// One finding per principal, naming every such field.
pub fn deceptive_name(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let s = ctx.snapshot();
    let mut out = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        let fields: Vec<_> = [field("name", &u.name), field("email", &u.email)]
            .into_iter()
            .flatten()
            .collect();
        if !fields.is_empty() {
            let p = principal_of(g, Principal::User(i));
            out.push(draft("user", p, &Scope::Account, fields));
        }
    }
    for (i, a) in s.service_accounts.iter().enumerate() {
        if let Some(f) = field("name", &a.name) {
            let p = principal_of(g, Principal::ServiceAccount(i));
            out.push(draft("service account", p, &a.scope, vec![f]));
        }
    }
    for (i, grp) in s.user_groups.iter().enumerate() {
        if let Some(f) = field("name", &grp.name) {
            let gr = GroupRef {
                index: Some(i),
                builtin_from_assignment: None,
            };
            out.push(draft(
                "user group",
                group_principal(g, gr),
                &grp.scope,
                vec![f],
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::findings::{Rule, Severity};
    use crate::snapshot::Scope;
    use crate::testkit::*;

    #[test]
    fn a_reversed_name_and_a_hidden_space_fire_with_the_exact_value() {
        let mut f = Fixture::new();
        f.user("diego").user("admin");
        f.user_mut("diego").name = "\u{202E}zeuqraM ogeiD".into();
        f.user_mut("admin").email = "ad\u{200B}min@example.com".into();
        f.user_mut("admin").name = "ad\u{200B}min".into();
        let found = f.findings(Rule::DeceptiveName);
        assert_eq!(
            subjects(&found),
            vec![("admin", "account"), ("diego", "account")]
        );
        let (admin, diego) = (&found[0], &found[1]);
        // Each field that holds the character, with its code points, kinds
        // and names, and the exact value both raw and escaped.
        assert_evidence!("deceptive_name_hidden_space_in_name_and_email", admin);
        assert_evidence!("deceptive_name_reversed", diego);
        assert_eq!(admin.severity, Severity::Medium);
        // The name is kept exactly, never cleaned.
        assert_eq!(
            diego.principal.as_ref().unwrap().name,
            "\u{202E}zeuqraM ogeiD"
        );
        // The escaped form parses back to the exact value.
        let escaped = diego.evidence["fields"][0]["escaped"].as_str().unwrap();
        let back: String = serde_json::from_str(escaped).unwrap();
        assert_eq!(back, "\u{202E}zeuqraM ogeiD");
        assert!(!escaped.contains('\u{202E}'));
    }

    #[test]
    fn service_accounts_and_groups_are_flagged_at_their_scope() {
        let mut f = Fixture::new();
        f.service_account(&eng(), "deployer");
        f.sa_mut("deployer").name = "deploy\u{2066}er".into();
        f.group(&proj(), "admins", &[]);
        f.group_mut("admins").name = "admins\u{FEFF}".into();
        let found = f.findings(Rule::DeceptiveName);
        assert_eq!(
            subjects(&found),
            vec![
                ("group:project:eng/pay/admins", "project:eng/pay"),
                ("sa:org:eng/deployer", "org:eng"),
            ]
        );
    }

    #[test]
    fn ordinary_non_ascii_names_do_not_fire() {
        let mut f = Fixture::new();
        f.user("jose").user("jurgen").user("taro");
        f.user_mut("jose").name = "José Ramírez".into();
        f.user_mut("jurgen").name = "Jürgen Müller".into();
        f.user_mut("jurgen").email = "jürgen@example.com".into();
        f.user_mut("taro").name = "日本 太郎".into();
        f.service_account(&Scope::Account, "bot");
        f.sa_mut("bot").name = "Déploiement ⟩ bot".into();
        f.group(&eng(), "equipe", &[]);
        f.group_mut("equipe").name = "Équipe 日本".into();
        assert!(f.findings(Rule::DeceptiveName).is_empty());
    }
}
