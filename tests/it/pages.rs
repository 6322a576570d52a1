//! The three HTML pages are one look (issue 25): the pack's `index.html`,
//! the diff's `diff.html` and the campaign's `campaign.html` carry the same
//! stylesheet, the same frame (header band, evidence, nav, footer), the
//! same script and the same Content-Security-Policy, and each loads in a
//! real browser without a console message, keeps its severity labels and
//! emails whole in a narrow window, and prints to PDF.

use std::path::{Path, PathBuf};

use crate::campaign::{collect_cmd, make_pack};
use crate::pack::{between, chromium, chromium_or_skip, console_lines, html_unescape};
use crate::util::{quarter, read, reviewpack, root, stderr_of, tempdir};

/// The demo's three pages: its pack (split for the demo campaign), the
/// quarter's diff, and the demo campaign collected from the bundled
/// answers; as (name, file), in a directory kept while they are used.
fn the_three_pages() -> (tempfile::TempDir, Vec<(&'static str, PathBuf)>) {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let diff = dir.path().join("diff");
    let out = reviewpack()
        .arg("diff")
        .arg(quarter("q3.json"))
        .arg(quarter("q4.json"))
        .args(["--format", "html", "-o"])
        .arg(&diff)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let campaign = dir.path().join("campaign");
    let out = collect_cmd(&pack, &root().join("samples/demo/returned"), &campaign)
        .args(["--collected-at", "2026-10-21"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let pages = vec![
        ("index.html", pack.join("index.html")),
        ("diff.html", diff.join("diff.html")),
        ("campaign.html", campaign.join("campaign.html")),
    ];
    (dir, pages)
}

/// Every `'sha256-…'` source of a policy written `'sha256-H'`.
fn policy_shape(csp: &str) -> String {
    csp.split(' ')
        .map(|w| {
            if w.starts_with("'sha256-") {
                let end = if w.ends_with(';') { "';" } else { "'" };
                format!("'sha256-H{end}")
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `s` with the text between each `open` and its `close` taken out.
fn without(s: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i + open.len()]);
        rest = &rest[i + open.len()..];
        let j = rest
            .find(close)
            .unwrap_or_else(|| panic!("{close} after {open}"));
        rest = &rest[j..];
    }
    out.push_str(rest);
    out
}

/// The page's frame as markup: everything outside `<main>`, with what a
/// page fills in taken out (the title, kicker and heading, the styles and
/// scripts, which are compared on their own, the evidence, alerts and nav
/// entries, the footer's line, the pack's data block) and the policy's
/// hashes masked.
fn frame(html: &str) -> String {
    let outside = format!(
        "{}{}",
        &html[..html.find("<main>").expect("<main>") + "<main>".len()],
        &html[html.find("</main>").expect("</main>")..]
    );
    let csp = between(
        &outside,
        "http-equiv=\"Content-Security-Policy\" content=\"",
        "\"",
    );
    let mut f = outside.replacen(csp, &policy_shape(csp), 1);
    f = without(&f, "<title>", "</title>");
    f = without(&f, "<p class=\"kicker\">", "</p>");
    f = without(&f, "<h1>", "</h1>");
    f = without(&f, "<style>", "</style>");
    f = without(&f, "<script>", "</script>");
    f = without(&f, "<dl class=\"evidence\">", "</dl>");
    f = without(&f, "</dl>", "<nav aria-label=\"Sections\">");
    f = without(&f, "<nav aria-label=\"Sections\">", "</nav>");
    f = without(&f, "<footer class=\"pagefoot\">\n  <p>", "</p>");
    let data = "<script type=\"application/json\" id=\"pack-data\">";
    without(&f, data, "</script>").replace(&format!("{data}</script>\n"), "")
}

#[test]
fn the_three_pages_share_one_stylesheet_one_frame_one_script_and_one_policy() {
    let (_dir, pages) = the_three_pages();
    let pages: Vec<(&str, String)> = pages.iter().map(|(n, p)| (*n, read(p))).collect();
    let stylesheet = reviewpack::output::page::STYLE;
    let script = reviewpack::output::page::SCRIPT;
    let first = &pages[0].1;
    for (name, html) in &pages {
        // Two style elements: the one stylesheet, byte for byte, then the
        // page's print rule (the evidence at the foot of every sheet).
        assert_eq!(html.matches("<style").count(), 2, "{name}");
        assert_eq!(between(html, "<style>", "</style>"), stylesheet, "{name}");
        let print = between(html, "</style>\n<style>", "</style>");
        assert!(print.starts_with("@page {"), "{name}: {print}");
        // One script, the same on every page (the pack adds its data block).
        assert_eq!(between(html, "<script>", "</script>"), script, "{name}");
        assert_eq!(html.matches("<script>").count(), 1, "{name}");
        // The same policy, down to the stylesheet's and script's hashes;
        // only the print rule's hash differs from page to page.
        let csp = between(
            html,
            "http-equiv=\"Content-Security-Policy\" content=\"",
            "\"",
        );
        let first_csp = between(
            first,
            "http-equiv=\"Content-Security-Policy\" content=\"",
            "\"",
        );
        assert_eq!(policy_shape(csp), policy_shape(first_csp), "{name}");
        let directive = |csp: &str, d: &str| -> Vec<String> {
            between(csp, &format!("{d} "), ";")
                .split(' ')
                .map(str::to_string)
                .collect()
        };
        assert_eq!(
            directive(csp, "style-src")[0],
            directive(first_csp, "style-src")[0],
            "{name}: the stylesheet's hash"
        );
        assert_eq!(
            directive(csp, "script-src"),
            directive(first_csp, "script-src"),
            "{name}"
        );
        assert!(!csp.contains("unsafe"), "{name}: {csp}");
        // The frame's markup.
        assert_eq!(frame(html), frame(first), "{name}: the frame");
        for part in [
            "<header class=\"masthead\">\n  <p class=\"kicker\">",
            "<dl class=\"evidence\">\n    <div><dt>Account</dt><dd><code>",
            "<nav aria-label=\"Sections\">\n    <a href=\"#summary\">Summary</a>",
            "<ul class=\"tiles\"",
            "<table class=\"data\"",
            "<span class=\"badge ",
            "<div class=\"controls\" data-controls=\"",
        ] {
            assert!(html.contains(part), "{name} lacks {part:?}");
        }
        // Nothing pages could have inlined of their own.
        for needle in [
            " style=\"",
            " onclick=",
            " onload=",
            " onerror=",
            "<link",
            " src=",
        ] {
            assert!(!html.contains(needle), "{name}: {needle}");
        }
    }
    // The campaign's problems name the person a row is about, its
    // entitlement, and the row key only as detail.
    let campaign = &pages[2].1;
    let problems = between(
        campaign,
        "<table class=\"data\" id=\"problems-table\"",
        "</table>",
    );
    let keep = problems
        .split("<tr data-row")
        .find(|r| r.contains("keep-without-justification"))
        .expect("the demo's keep-without-justification problem")
        .replace("&#x2f;", "/");
    assert!(
        keep.contains("Gavin Roche<br><span class=\"sub\">gavin.roche@<wbr>example.com</span>"),
        "{keep}"
    );
    assert!(
        keep.contains("Member of project project:eng/checkout"),
        "{keep}"
    );
    assert!(
        keep.contains("<code class=\"sub\">SM:03anCCxH1VWgJVaL1Tek7c|project:eng/checkout</code>"),
        "{keep}"
    );
}

/// Runs first on a page (see [`crate::pack::with_script_first`]): records
/// CSP violations and errors, then, after `load`, where each line of text
/// breaks: inside a badge never, inside an email only after its `@` (a
/// `<wbr>`), and writes what it found into `<pre id="rp-probe">`.
const PROBE: &str = r##"(function () {
  var R = { violations: [], errors: [], badges: 0, emails: 0, broken: [] };
  document.addEventListener("securitypolicyviolation", function (e) { R.violations.push(e.violatedDirective); });
  window.addEventListener("error", function (e) { R.errors.push(String(e.message)); }, true);
  // Indices of the characters of a text node that start a new line.
  function breaks(node) {
    var out = [], range = document.createRange(), top = null;
    for (var i = 0; i < node.data.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      var r = range.getClientRects()[0];
      if (!r || /\s/.test(node.data.charAt(i))) { continue; }
      if (top !== null && r.top > top + 2) { out.push(i); }
      top = r.top;
    }
    return out;
  }
  function texts(root) {
    var w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), out = [], n;
    while ((n = w.nextNode())) { out.push(n); }
    return out;
  }
  window.addEventListener("load", function () {
    try {
      R.ready = document.documentElement.getAttribute("data-ready");
      R.hiddenControls = document.querySelectorAll("[data-controls][hidden]").length;
      R.controls = document.querySelectorAll("[data-controls]").length;
      Array.prototype.forEach.call(document.querySelectorAll(".badge"), function (b) {
        if (!b.offsetParent) { return; }
        R.badges += 1;
        texts(b).forEach(function (t) {
          if (breaks(t).length) { R.broken.push("badge " + b.textContent); }
        });
      });
      texts(document.querySelector("main")).forEach(function (t) {
        if (t.data.indexOf("@") === -1 || !t.parentElement.offsetParent || t.parentElement.closest("code")) { return; }
        var words = t.data.match(/\S*@\S*/g) || [];
        R.emails += words.length;
        breaks(t).forEach(function (i) {
          var before = t.data.charAt(i - 1);
          if (i > 0 && !/[\s@\-]/.test(before)) { R.broken.push("text " + t.data); }
        });
      });
    } catch (e) { R.errors.push("probe: " + e); }
    var pre = document.createElement("pre");
    pre.id = "rp-probe";
    pre.textContent = JSON.stringify(R);
    document.body.appendChild(pre);
  });
})();"##;

/// What [`PROBE`] found on `page` in a window `width` pixels wide.
fn probe(browser: &Path, dir: &Path, name: &str, html: &str, width: u32) -> serde_json::Value {
    let path = dir.join(format!("probe-{width}-{name}"));
    std::fs::write(&path, crate::pack::with_script_first(html, PROBE)).unwrap();
    let (dom, log) = chromium(
        browser,
        &[
            &format!("--window-size={width},2000"),
            "--virtual-time-budget=5000",
            "--dump-dom",
        ],
        &path,
    );
    assert!(
        console_lines(&log).is_empty(),
        "{name} at {width}px: {:#?}",
        console_lines(&log)
    );
    let raw = between(&dom, "<pre id=\"rp-probe\">", "</pre>");
    serde_json::from_str(&html_unescape(raw)).unwrap_or_else(|e| panic!("{e}: {raw}"))
}

/// Each page in headless Chromium: as written, no console message at all
/// (no CSP violation, no error) and its script ran (search shown); in a
/// wide and a narrow window no badge wraps and no email breaks but after
/// its `@`; printed, a PDF. With `REVIEWPACK_PAGE_SHOTS=DIR` it also leaves
/// screenshots (1280 and 600 pixels wide) and the PDFs in DIR to look at.
#[test]
fn the_three_pages_in_headless_chromium_wide_narrow_and_printed() {
    let Some(browser) = chromium_or_skip() else {
        return;
    };
    let (dir, pages) = the_three_pages();
    let shots = std::env::var_os("REVIEWPACK_PAGE_SHOTS").map(PathBuf::from);
    for (name, page) in &pages {
        let html = read(page);
        let (dom, log) = chromium(
            &browser,
            &["--virtual-time-budget=5000", "--dump-dom"],
            page,
        );
        assert!(
            console_lines(&log).is_empty(),
            "{name}: {:#?}",
            console_lines(&log)
        );
        assert!(dom.contains("data-ready=\"1\""), "{name}: the script ran");
        for width in [1280, 600] {
            let r = probe(&browser, dir.path(), name, &html, width);
            assert_eq!(r["violations"], serde_json::json!([]), "{name}: {r:#}");
            assert_eq!(r["errors"], serde_json::json!([]), "{name}: {r:#}");
            assert_eq!(r["ready"], "1", "{name}");
            assert_eq!(r["hiddenControls"], 0, "{name}: search shown");
            assert!(r["controls"].as_u64().unwrap() > 0, "{name}: search");
            assert!(r["badges"].as_u64().unwrap() > 0, "{name}: {r:#}");
            assert!(r["emails"].as_u64().unwrap() > 0, "{name}: {r:#}");
            assert_eq!(
                r["broken"],
                serde_json::json!([]),
                "{name} at {width}px: a badge or an email broke mid-word"
            );
        }
        let pdf = dir.path().join(format!("{name}.pdf"));
        chromium(
            &browser,
            &[
                &format!("--print-to-pdf={}", pdf.display()),
                "--no-pdf-header-footer",
            ],
            page,
        );
        let bytes = std::fs::read(&pdf).expect("a PDF was printed");
        assert!(
            bytes.starts_with(b"%PDF-") && bytes.len() > 10_000,
            "{name}: {} bytes",
            bytes.len()
        );
        if let Some(out) = &shots {
            std::fs::create_dir_all(out).unwrap();
            std::fs::copy(&pdf, out.join(format!("{name}.pdf"))).unwrap();
            for width in [1280, 600] {
                let png = out.join(format!("{name}-{width}.png"));
                chromium(
                    &browser,
                    &[
                        &format!("--window-size={width},2400"),
                        "--hide-scrollbars",
                        &format!("--screenshot={}", png.display()),
                    ],
                    page,
                );
            }
        }
    }
}
