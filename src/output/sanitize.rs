//! Making untrusted text safe for each output: names, emails and
//! descriptions come from Harness users and may be hostile.
//!
//! Spreadsheet cells get [`cell`]; HTML text goes through
//! [`html_formatter`] (hidden characters marked, then the template engine's
//! autoescaping); data embedded in a `<script type="application/json">`
//! block goes through [`json_for_script`]; text inside CSS strings through
//! [`css_string`]. Bidirectional controls and invisible characters are shown
//! as visible markers (`⟨U+202E⟩`, [`crate::text::mark`]) in every human
//! view, never in JSON.

use std::borrow::Cow;

use minijinja::{Error, Output, State, Value};

use crate::text::mark;

/// Makes a cell safe to show: hidden characters become visible markers
/// (`⟨U+202E⟩`), and text a spreadsheet would evaluate (starting with `=`,
/// `+`, `-`, `@`, tab or carriage return) gets a leading apostrophe, which
/// Excel, LibreOffice and Google Sheets treat as "this is text".
/// [`uncell`] undoes both.
pub fn cell(s: &str) -> Cow<'_, str> {
    let marked = mark(s);
    match marked.as_bytes().first() {
        Some(b'+' | b'-') if is_plain_number(&marked[1..]) => marked,
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{marked}")),
        _ => marked,
    }
}

/// Digits with at most one decimal point: a signed number a spreadsheet
/// reads as a number, never as a formula (`-4` stays `-4`; `-4+1` does not).
fn is_plain_number(s: &str) -> bool {
    let mut points = 0;
    !s.is_empty()
        && s.bytes().all(|b| match b {
            b'0'..=b'9' => true,
            b'.' => {
                points += 1;
                points == 1
            }
            _ => false,
        })
        && s.bytes().any(|b| b.is_ascii_digit())
}

/// Undoes [`cell`] for a cell a reviewer sends back: a leading apostrophe
/// before a character a spreadsheet would evaluate is ours, not the data's,
/// and so is every hidden-character marker (`⟨U+202E⟩`,
/// [`crate::text::unmark`]).
pub fn uncell(s: &str) -> Cow<'_, str> {
    let unquoted = match s.as_bytes() {
        [b'\'', b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r', ..] => &s[1..],
        _ => s,
    };
    crate::text::unmark(unquoted)
}

/// A template value from a JSON value: the pages' data goes through
/// serde_json's value tree (minijinja is built without its serde feature).
pub fn template_value(v: &serde_json::Value) -> minijinja::Value {
    use minijinja::Value;
    match v {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::from(i),
            (_, Some(u)) => Value::from(u),
            _ => Value::from(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => a.iter().map(template_value).collect(),
        serde_json::Value::Object(o) => Value::from(
            o.iter()
                .map(|(k, x)| (k.clone(), template_value(x)))
                .collect::<std::collections::BTreeMap<String, Value>>(),
        ),
    }
}

/// The template formatter of the HTML pages: every string the template
/// prints has its hidden characters marked, then is HTML-escaped as usual.
/// Text the code marked safe (our CSS, script, CSP and JSON block) is
/// printed as it is.
pub fn html_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if !value.is_safe() {
        if let Some(Cow::Owned(marked)) = value.as_str().map(mark) {
            return minijinja::escape_formatter(out, state, &Value::from(marked));
        }
    }
    minijinja::escape_formatter(out, state, value)
}

/// JSON for a `<script type="application/json">` block: `<`, `>` and `&`
/// become `\u` escapes so no text can close the element or open a comment,
/// and U+2028 / U+2029 are escaped too so the text is also a valid JavaScript
/// literal. The result parses to the same value.
pub fn json_for_script(value: &serde_json::Value) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A CSS string literal (with its quotes) holding `s` as plain text: every
/// character other than letters, digits, space and `.:-_/()` is written as a
/// CSS hex escape, so nothing can end the string or the rule.
pub fn css_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || " .:-_/()".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\{:x} ", c as u32));
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::{cell, css_string, json_for_script, uncell};
    use minijinja::Value;

    #[test]
    fn script_json_cannot_close_its_element_and_round_trips() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script> & <!-- \u{2028}"});
        let s = json_for_script(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        assert!(!s.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn css_strings_escape_quotes_and_backslashes() {
        assert_eq!(
            css_string("Acme 2026-10-01T09:00:00Z"),
            "\"Acme 2026-10-01T09:00:00Z\""
        );
        let s = css_string("a\"} body{x:y");
        assert!(!s[1..s.len() - 1].contains(['"', '}', '{']), "{s}");
    }

    #[test]
    fn formula_starters_are_neutralised() {
        for s in [
            "=HYPERLINK(\"x\")",
            "+1+1",
            "-2+3",
            "-1.2.3",
            "-",
            "-.",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(cell(s), format!("'{s}"), "{s:?}");
        }
    }

    #[test]
    fn signed_plain_numbers_stay_numbers() {
        for s in ["-4", "+1", "-0.5", "+12."] {
            assert_eq!(cell(s), s, "{s:?}");
        }
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for s in ["Ada", "", "a=b", "<script>", "'quoted", "José Müller 日本"] {
            assert_eq!(cell(s), s);
        }
    }

    #[test]
    fn hidden_characters_are_marked_before_formulas_are_neutralised() {
        assert_eq!(cell("\u{202E}zeuqraM ogeiD"), "⟨U+202E⟩zeuqraM ogeiD");
        assert_eq!(cell("ad\u{200B}min"), "ad⟨U+200B⟩min");
        assert_eq!(cell("=1\u{200B}"), "'=1⟨U+200B⟩");
        // A hidden character before a formula starter no longer starts the cell.
        assert_eq!(cell("\u{200B}=1"), "⟨U+200B⟩=1");
    }

    #[test]
    fn the_html_formatter_marks_then_escapes() {
        let mut env = minijinja::Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.set_formatter(super::html_formatter);
        env.add_template("t.html", "{{ name }}|{{ safe }}").unwrap();
        let ctx = minijinja::context! {
            name => "<b>\u{202E}zeuqraM</b> José",
            safe => Value::from_safe_string("<i>\u{200B}</i>".into()),
        };
        let html = env.get_template("t.html").unwrap().render(ctx).unwrap();
        assert_eq!(
            html,
            "&lt;b&gt;⟨U+202E⟩zeuqraM&lt;&#x2f;b&gt; José|<i>\u{200B}</i>"
        );
    }

    #[test]
    fn uncell_removes_only_the_apostrophe_cell_adds() {
        assert_eq!(uncell("'=A1"), "=A1");
        assert_eq!(uncell("'@x"), "@x");
        assert_eq!(uncell("'quoted"), "'quoted");
        assert_eq!(uncell("plain"), "plain");
        assert_eq!(uncell("'"), "'");
    }

    #[test]
    fn uncell_undoes_every_cell_the_writers_make() {
        for s in [
            "\u{202E}zeuqraM ogeiD",
            "ad\u{200B}min",
            "=HYPERLINK(\"x\")\u{2066}",
            "@Noor Haddad",
            "group:org:eng/\u{200D}admins",
            "literal ⟨U+202E⟩",
            "José Müller 日本",
            "plain",
        ] {
            assert_eq!(uncell(&cell(s)), s, "{s:?}");
        }
    }
}
