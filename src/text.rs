//! Hidden characters in untrusted text: the bidirectional controls and
//! invisible characters that make a name read as someone else's
//! (`"\u{202E}zeuqraM ogeiD"` displays as "Diego Marquez") or hide it from a
//! search (`"ad\u{200B}min"` is not found by "admin").
//!
//! The human views (XLSX and CSV cells, HTML, `explain` text) show each such
//! character as a visible marker, `⟨U+202E⟩`, through [`mark`]; the JSON
//! outputs keep the exact value. A literal `⟨` is marked too (`⟨U+27E8⟩`), so
//! every `⟨` in marked text starts a marker and [`unmark`] restores the
//! original exactly (reading a filled-in review workbook back depends on it).
//! The `deceptive-name` rule flags names holding any of them.
//!
//! Plain data, no I/O.

use std::borrow::Cow;

/// What a hidden character does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HiddenKind {
    /// Changes the order text is displayed in.
    Bidi,
    /// Displays as nothing (or almost nothing).
    Invisible,
}

/// Every hidden character: (code point, kind, Unicode name).
pub const HIDDEN: &[(char, HiddenKind, &str)] = &[
    ('\u{00AD}', HiddenKind::Invisible, "SOFT HYPHEN"),
    ('\u{061C}', HiddenKind::Bidi, "ARABIC LETTER MARK"),
    (
        '\u{180E}',
        HiddenKind::Invisible,
        "MONGOLIAN VOWEL SEPARATOR",
    ),
    ('\u{200B}', HiddenKind::Invisible, "ZERO WIDTH SPACE"),
    ('\u{200C}', HiddenKind::Invisible, "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', HiddenKind::Invisible, "ZERO WIDTH JOINER"),
    ('\u{200E}', HiddenKind::Bidi, "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', HiddenKind::Bidi, "RIGHT-TO-LEFT MARK"),
    ('\u{202A}', HiddenKind::Bidi, "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', HiddenKind::Bidi, "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', HiddenKind::Bidi, "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', HiddenKind::Bidi, "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', HiddenKind::Bidi, "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2060}', HiddenKind::Invisible, "WORD JOINER"),
    ('\u{2066}', HiddenKind::Bidi, "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', HiddenKind::Bidi, "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', HiddenKind::Bidi, "FIRST STRONG ISOLATE"),
    ('\u{2069}', HiddenKind::Bidi, "POP DIRECTIONAL ISOLATE"),
    (
        '\u{FEFF}',
        HiddenKind::Invisible,
        "ZERO WIDTH NO-BREAK SPACE",
    ),
];

/// Opens a marker; itself marked when it occurs in the text.
const OPEN: char = '\u{27E8}';
/// Closes a marker.
const CLOSE: char = '\u{27E9}';

/// The kind and Unicode name of a hidden character; `None` for any other.
pub fn hidden(c: char) -> Option<(HiddenKind, &'static str)> {
    // Every hidden character is U+00AD or above: ASCII text takes one compare.
    if c < '\u{00AD}' {
        return None;
    }
    HIDDEN
        .iter()
        .find(|(h, _, _)| *h == c)
        .map(|(_, kind, name)| (*kind, *name))
}

/// The hidden characters of `s`, each once, by code point.
pub fn hidden_in(s: &str) -> Vec<char> {
    let mut found: Vec<char> = s.chars().filter(|&c| hidden(c).is_some()).collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// `U+202E`.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

fn needs_marker(c: char) -> bool {
    c == OPEN || hidden(c).is_some()
}

/// `s` with every hidden character (and every literal `⟨`) written as a
/// visible marker such as `⟨U+202E⟩`; borrowed when there is none.
pub fn mark(s: &str) -> Cow<'_, str> {
    // Every marked character is outside ASCII; most cells are ASCII, and
    // `is_ascii` checks a word at a time.
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let Some(first) = s.find(needs_marker) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if needs_marker(c) {
            out.push(OPEN);
            out.push_str(&code_point(c));
            out.push(CLOSE);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Undoes [`mark`]: each marker of a character `mark` writes becomes that
/// character again. Anything else is kept as it is (a cell a reviewer typed).
pub fn unmark(s: &str) -> Cow<'_, str> {
    if !s.contains(OPEN) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len_utf8()..];
        match marker_char(after) {
            Some((c, len)) => {
                out.push(c);
                rest = &after[len..];
            }
            None => {
                out.push(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Reads `U+XXXX⟩` at the start of `s`: the character and the bytes taken,
/// when it names a character [`mark`] writes as a marker.
fn marker_char(s: &str) -> Option<(char, usize)> {
    let hex_and_rest = s.strip_prefix("U+")?;
    let end = hex_and_rest.find(CLOSE)?;
    let hex = &hex_and_rest[..end];
    if !(4..=6).contains(&hex.len()) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    if !needs_marker(c) || code_point(c) != format!("U+{hex}") {
        return None;
    }
    Some((c, 2 + end + CLOSE.len_utf8()))
}

/// A time as RFC 3339, or a day (`YYYY-MM-DD`, its start in UTC).
pub fn parse_time(t: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let t = t.trim();
    if let Ok(x) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(x.with_timezone(&chrono::Utc));
    }
    let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

/// Base64 with padding (RFC 4648), the standard alphabet or, with
/// `url_safe`, the URL-safe one.
pub fn base64(bytes: &[u8], url_safe: bool) -> String {
    let abc: &[u8; 64] = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(abc[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes base64 in either alphabet, padded or not (a JWT's parts are
/// unpadded URL-safe); `None` for anything else.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone sixth of a byte is no encoding.
    (bits < 6).then_some(out)
}

/// A span of seconds in words, to the largest whole unit: `3 days`,
/// `5 hours`, `1 minute`, `40 seconds`.
pub fn span_words(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (n, unit) = match s {
        0..=119 => (s, "second"),
        120..=7199 => (s / 60, "minute"),
        7200..=172_799 => (s / 3600, "hour"),
        _ => (s / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_what_it_encodes_in_either_alphabet_padded_or_not() {
        for input in [
            "",
            "f",
            "fo",
            "foo",
            "foob",
            "fooba",
            "foobar",
            "\u{ff}\u{fe}?>",
        ] {
            for url_safe in [false, true] {
                let enc = super::base64(input.as_bytes(), url_safe);
                assert_eq!(super::base64_decode(&enc).unwrap(), input.as_bytes());
                let bare = enc.trim_end_matches('=');
                assert_eq!(super::base64_decode(bare).unwrap(), input.as_bytes());
            }
        }
        assert!(super::base64_decode("a").is_none());
        assert!(super::base64_decode("ab.c").is_none());
        assert_eq!(super::span_words(59), "59 seconds");
        assert_eq!(super::span_words(3 * 86_400 + 5), "3 days");
        assert_eq!(super::span_words(-7200), "2 hours");
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(input.as_bytes(), false), want, "{input:?}");
        }
        assert_eq!(super::base64(&[0xfb, 0xff], true), "-_8=");
        assert_eq!(super::base64(&[0xfb, 0xff], false), "+/8=");
    }

    use super::*;

    #[test]
    fn hidden_characters_become_visible_markers() {
        assert_eq!(mark("\u{202E}zeuqraM ogeiD"), "⟨U+202E⟩zeuqraM ogeiD");
        assert_eq!(mark("ad\u{200B}min"), "ad⟨U+200B⟩min");
        assert_eq!(mark("a\u{00AD}b\u{FEFF}"), "a⟨U+00AD⟩b⟨U+FEFF⟩");
        for (c, _, _) in HIDDEN {
            let s = format!("x{c}y");
            assert_eq!(mark(&s), format!("x⟨{}⟩y", code_point(*c)));
        }
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in [
            "",
            "Ada Lovelace",
            "José Müller",
            "日本 太郎",
            "ŁÓDŹ",
            "a=b",
            "<⟩>",
        ] {
            assert!(matches!(mark(s), Cow::Borrowed(_)), "{s}");
            assert!(hidden_in(s).is_empty(), "{s}");
        }
    }

    #[test]
    fn unmark_inverts_mark_exactly() {
        for s in [
            "\u{202E}zeuqraM ogeiD",
            "ad\u{200B}min",
            "literal ⟨U+202E⟩ typed by someone",
            "⟨",
            "⟨U+",
            "⟨⟨U+200B⟩\u{200B}",
            "José \u{2066}日本\u{2069}",
            "",
        ] {
            assert_eq!(unmark(&mark(s)), s, "{s:?}");
        }
    }

    #[test]
    fn unmark_leaves_what_mark_never_writes() {
        for s in [
            "⟨U+0041⟩",
            "⟨U+202e⟩",
            "⟨U+0202E⟩",
            "⟨U+ZZZZ⟩",
            "⟨x⟩",
            "⟨U+202E",
        ] {
            assert_eq!(unmark(s), s, "{s}");
        }
    }

    #[test]
    fn hidden_in_lists_each_code_point_once_in_order() {
        assert_eq!(
            hidden_in("\u{202E}a\u{200B}b\u{202E}"),
            vec!['\u{200B}', '\u{202E}']
        );
    }
}
