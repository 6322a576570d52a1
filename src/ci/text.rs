//! Untrusted text made safe for each CI format: first visible (the same for
//! every format), then escaped for XML, a GitHub workflow command or a
//! Markdown table cell.

/// `s` as people should see it: control characters (escape sequences, line
/// ends, NUL) written as Rust escapes (`\u{1b}`, `\n`), the two
/// noncharacters XML forbids likewise, and hidden characters (bidirectional
/// controls, invisible spaces) as markers (`⟨U+202E⟩`,
/// [`crate::text::mark`]), so a name cannot read as another, break a line or
/// colour a log.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    match crate::text::mark(&out) {
        std::borrow::Cow::Borrowed(_) => out,
        std::borrow::Cow::Owned(marked) => marked,
    }
}

/// Whether XML 1.0 allows `c` at all (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Text content of an XML element: `&`, `<` and `>` as entities; a
/// character XML 1.0 forbids is dropped (text passed through [`visible`]
/// holds none; this is the last line of defence).
pub fn xml_text(s: &str) -> String {
    xml_escape(s, false)
}

/// An XML attribute value in double quotes: as [`xml_text`], and `"`, `'`
/// and the whitespace an XML parser would fold into spaces (tab, line ends)
/// as character references.
pub fn xml_attr(s: &str) -> String {
    xml_escape(s, true)
}

/// [`xml_text`], and with `attr` [`xml_attr`].
fn xml_escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| xml_char(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&apos;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            '\r' if attr => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    out
}

/// The message of a GitHub workflow command (`::error::MESSAGE`): `%`, CR
/// and LF percent-encoded, as the Actions toolkit's `escapeData` does, so
/// the message stays on its one line and cannot start another command.
pub fn workflow_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property of a GitHub workflow command (`title=VALUE`): as
/// [`workflow_data`], and `:` and `,`, which end a property.
pub fn workflow_property(s: &str) -> String {
    workflow_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Untrusted text as a Markdown table cell: a code span, so no Markdown,
/// HTML or autolink in it is rendered. Its fence is longer than any run of
/// backticks in the text; `|` is escaped as `\|` (GitHub's tables split on
/// pipes before they read code spans, and drop that backslash).
pub fn md_code(s: &str) -> String {
    let v = visible(s);
    if v.is_empty() {
        return "-".to_string();
    }
    let longest = v.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let body = v.replace('|', "\\|");
    // A space on each side keeps a leading or trailing backtick apart from
    // the fence; Markdown takes one such space off each side.
    if body.starts_with('`')
        || body.ends_with('`')
        || (body.starts_with(' ') && body.ends_with(' '))
    {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

/// Text of our own making in a Markdown table cell, with every character
/// Markdown or HTML gives a meaning escaped, in case a date or code ever
/// holds one.
pub fn md_text(s: &str) -> String {
    let v = visible(s);
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '!' | '|'
            | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_escapes_controls_and_marks_hidden_characters() {
        assert_eq!(visible("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(visible("x\u{202e}y"), "x⟨U+202E⟩y");
        assert_eq!(visible("\u{ffff}"), "\\u{ffff}");
        assert_eq!(visible("plain"), "plain");
    }

    #[test]
    fn xml_escapes_markup_and_drops_what_xml_forbids() {
        assert_eq!(xml_text("a<b>&c\u{0}\u{8}"), "a&lt;b&gt;&amp;c");
        assert_eq!(
            xml_attr("\"q\" 'a'\t\n<"),
            "&quot;q&quot; &apos;a&apos;&#9;&#10;&lt;"
        );
        assert_eq!(xml_text("]]>"), "]]&gt;");
    }

    #[test]
    fn workflow_commands_cannot_be_broken_out_of() {
        assert_eq!(workflow_data("50% a\r\nb::c"), "50%25 a%0D%0Ab::c");
        assert_eq!(workflow_property("t: a, b%"), "t%3A a%2C b%25");
    }

    #[test]
    fn markdown_cells_render_nothing_of_what_they_hold() {
        assert_eq!(md_code("a|b"), "`a\\|b`");
        assert_eq!(md_code("x `y` z"), "``x `y` z``");
        assert_eq!(md_code("`lead"), "`` `lead ``");
        assert_eq!(md_code("a``b"), "```a``b```");
        assert_eq!(md_code("<script>"), "`<script>`");
        assert_eq!(md_code(""), "-");
        assert_eq!(md_code("line\nbreak"), "`line\\nbreak`");
        assert_eq!(
            md_text("a|b <i>*x*</i> & [l](u)"),
            "a\\|b &lt;i&gt;\\*x\\*&lt;/i&gt; &amp; \\[l\\]\\(u\\)"
        );
    }
}
