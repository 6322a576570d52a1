//! Cell sanitising for spreadsheets: names, emails and descriptions come from
//! Harness users and may be hostile.

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

#[cfg(test)]
mod tests {
    use super::cell;

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
