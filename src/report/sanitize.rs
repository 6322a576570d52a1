//! Making untrusted text safe for each output: names, emails and
//! descriptions come from Harness users and may be hostile.
//!
//! Spreadsheet cells get [`cell`]; HTML text goes through the template
//! engine's autoescaping; data embedded in a `<script type="application/json">`
//! block goes through [`json_for_script`]; text inside CSS strings through
//! [`css_string`].

use std::borrow::Cow;

/// Neutralises a cell a spreadsheet would evaluate: text starting with `=`,
/// `+`, `-`, `@`, tab or carriage return gets a leading apostrophe, which
/// Excel, LibreOffice and Google Sheets treat as "this is text".
pub fn cell(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
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
    use super::{cell, css_string, json_for_script};

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
        for s in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(s), format!("'{s}"), "{s:?}");
        }
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for s in ["Ada", "", "a=b", "<script>", "'quoted"] {
            assert_eq!(cell(s), s);
        }
    }
}
