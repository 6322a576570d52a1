//! The frame every HTML page of reviewpack shares: the pack's `index.html`,
//! the diff's `diff.html` and the campaign's `campaign.html` look alike
//! because they are one template (`templates/page.html.jinja`: header band,
//! evidence, nav, main, footer), one stylesheet (`templates/page.css`) and
//! one script (`templates/page.js`: search and filter over a page's rows),
//! with the pieces they draw alike in `templates/parts.html.jinja`.
//!
//! A page is one file that loads nothing: the stylesheet and the script are
//! compiled into the binary and inlined, and its Content-Security-Policy
//! meta tag allows exactly those, by their SHA-256 hashes, and nothing else
//! (`default-src 'none'`). The stylesheet is the same text on every page;
//! what a page prints at the foot of every sheet (its account, snapshot and
//! SHA-256) is a second, small style element with its own hash. The script
//! only hides rows, so every page is complete with JavaScript off.
//!
//! Every value a page prints goes through minijinja's HTML autoescaping
//! with hidden characters marked ([`super::sanitize::html_formatter`]);
//! this module must not add a way around it: the `email` filter escapes
//! first and only then inserts its `<wbr>`.

use minijinja::{context, AutoEscape, Environment, HtmlEscape, UndefinedBehavior, Value};
use sha2::{Digest, Sha256};

use super::sanitize::{css_string, html_formatter};

const FRAME: &str = include_str!("../../templates/page.html.jinja");
const PARTS: &str = include_str!("../../templates/parts.html.jinja");
/// The one stylesheet of every page.
pub const STYLE: &str = include_str!("../../templates/page.css");
/// The one script of every page.
pub const SCRIPT: &str = include_str!("../../templates/page.js");

/// `'sha256-…'` of a text, as CSP writes it.
pub fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        crate::text::base64(&Sha256::digest(text.as_bytes()), false)
    )
}

/// The print rule of a page: A4 landscape, with `identity` (the evidence
/// the page is about) and the page number at the foot of every sheet.
fn print_style(identity: &str) -> String {
    format!(
        "@page {{ size: A4 landscape; margin: 14mm 10mm 16mm; @bottom-left {{ content: {}; font-size: 8px; color: #555; }} @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font-size: 8px; color: #555; white-space: nowrap; }} }}\n",
        css_string(identity)
    )
}

/// The page's Content-Security-Policy: nothing but the stylesheet, the
/// print rule and the script, each by its hash.
fn csp(print_style: &str) -> String {
    format!(
        "default-src 'none'; style-src {} {}; script-src {}; img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(print_style),
        csp_hash(SCRIPT)
    )
}

/// The `emails` filter: the text escaped (hidden characters marked), with
/// a line break allowed after every `@`, so a narrow column wraps an
/// address as `name@` / `example.com` and never inside a word (the pages
/// set no `overflow-wrap: anywhere` on text).
fn emails(value: &Value) -> Value {
    if value.is_undefined() || value.is_none() {
        return Value::from("");
    }
    let text = value.to_string();
    let escaped = HtmlEscape(&crate::text::mark(&text)).to_string();
    Value::from_safe_string(escaped.replace('@', "@<wbr>"))
}

/// Renders the page `name` (a template that extends `page.html.jinja`)
/// with `ctx`; `identity` is printed at the foot of every printed sheet.
pub fn render(
    name: &'static str,
    source: &'static str,
    identity: &str,
    ctx: Value,
) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_formatter(html_formatter);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_filter("emails", emails);
    env.add_template("page.html.jinja", FRAME)?;
    env.add_template("parts.html.jinja", PARTS)?;
    env.add_template(name, source)?;
    let print = print_style(identity);
    // Our own text (CSS, script, directives, base64 hashes): printed as is.
    let frame = context! {
        csp => Value::from_safe_string(csp(&print)),
        style => Value::from_safe_string(STYLE.to_string()),
        print_style => Value::from_safe_string(print),
        script => Value::from_safe_string(SCRIPT.to_string()),
        tool_version => env!("CARGO_PKG_VERSION"),
    };
    env.get_template(name)?.render(context! { frame, ..ctx })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_breaks_only_after_its_at_and_stays_escaped() {
        assert_eq!(
            emails(&Value::from("ines.calder@example.com")).to_string(),
            "ines.calder@<wbr>example.com"
        );
        assert_eq!(
            emails(&Value::from("<b>x</b>@a.b, y@c")).to_string(),
            "&lt;b&gt;x&lt;&#x2f;b&gt;@<wbr>a.b, y@<wbr>c"
        );
        assert_eq!(emails(&Value::from(())).to_string(), "");
    }

    #[test]
    fn the_policy_allows_the_stylesheet_the_print_rule_and_the_script_only() {
        let print = print_style("Account a · snapshot \"x\"");
        let policy = csp(&print);
        assert!(policy.starts_with("default-src 'none'; style-src 'sha256-"));
        assert!(policy.contains(&csp_hash(STYLE)));
        assert!(policy.contains(&csp_hash(&print)));
        assert!(policy.contains(&format!("script-src {};", csp_hash(SCRIPT))));
        assert!(!policy.contains("unsafe"));
    }
}
