//! Progress of the long commands: a live line under a terminal (run under
//! a pseudo-terminal with util-linux `script`), plain phase lines in a log,
//! nothing with `-q`, never on stdout.

use std::path::Path;
use std::process::{Command, Output};

use crate::util::{demo, reviewpack, root, stderr_of, tempdir};

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("reviewpack")
}

/// Runs reviewpack with `args` under a pseudo-terminal (stdin, stdout and
/// stderr all the terminal): what a person at a terminal sees.
fn under_a_terminal(dir: &Path, args: &[&str]) -> String {
    let line = std::iter::once(bin().display().to_string())
        .chain(args.iter().map(|a| format!("'{a}'")))
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new("script")
        .current_dir(dir)
        .args(["-qec", &line, "/dev/null"])
        .env("COLUMNS", "200")
        .output()
        .expect("util-linux `script` runs commands under a pseudo-terminal; .ci/run's image has it (bsdutils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The live line's redraws: carriage return, erase line.
const REDRAW: &str = "\r\x1b[2K";

fn phase_lines(out: &Output) -> Vec<String> {
    stderr_of(out)
        .lines()
        .filter(|l| l.starts_with("reviewpack: [") && l.contains("s] "))
        .map(|l| l.split_once("s] ").unwrap().1.to_string())
        .collect()
}

#[test]
fn report_diff_and_collect_say_what_they_do_in_a_log_and_nothing_quietly() {
    let dir = tempdir();
    let d = dir.path();
    let demo = demo();
    let pack = d.join("pack");
    let out = reviewpack()
        .arg("report")
        .arg(&demo)
        .args(["--format", "json,csv", "--zip", "-o"])
        .arg(&pack)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty(), "never on stdout");
    assert_eq!(
        phase_lines(&out),
        vec![
            "building the access graph",
            "evaluating findings (196 grants) and making the entitlement rows",
            "writing the pack (csv, json; 94 findings)",
            "sealing the pack (manifest.json, SHA256SUMS)",
            "writing the zip",
        ]
    );
    let quiet = reviewpack()
        .args(["-q", "report"])
        .arg(&demo)
        .args(["--format", "json", "--force", "-o"])
        .arg(&pack)
        .output()
        .unwrap();
    assert!(quiet.status.success());
    assert_eq!(stderr_of(&quiet), "");

    let q = root().join("samples/quarter");
    let out = reviewpack()
        .arg("diff")
        .arg(q.join("q3.json"))
        .arg(q.join("q4.json"))
        .args(["--format", "json", "-o"])
        .arg(d.join("diff"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        phase_lines(&out),
        vec![
            "evaluating OLD's findings",
            "comparing OLD and NEW",
            "evaluating NEW's findings",
            "writing the diff",
        ]
    );

    let campaign_pack = d.join("campaign-pack");
    let out = reviewpack()
        .args(["-q", "report"])
        .arg(&demo)
        .args(["--policy"])
        .arg(root().join("samples/demo/campaign-policy.toml"))
        .args(["--split-by-reviewer", "-o"])
        .arg(&campaign_pack)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = reviewpack()
        .arg("collect")
        .arg(&campaign_pack)
        .arg(root().join("samples/demo/returned"))
        .args(["--collected-at", "2026-10-21", "-o"])
        .arg(d.join("campaign"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        phase_lines(&out),
        vec![
            "checking the pack's seal and reading its assignments",
            "reading and checking 2 returned file(s)",
            "writing the campaign",
        ]
    );
}

#[test]
fn under_a_terminal_the_phases_are_one_live_line() {
    let dir = tempdir();
    let d = dir.path();
    let demo = demo().display().to_string();
    let seen = under_a_terminal(d, &["report", &demo, "--format", "json,xlsx", "-o", "pack"]);
    assert!(seen.contains(REDRAW), "{seen:?}");
    for phase in [
        "evaluating findings (196 grants)",
        "writing the pack (json, xlsx; 94 findings)",
    ] {
        assert!(seen.contains(phase), "{phase}: {seen:?}");
    }
    // No phase is left as a log line: the live line is cleared at the end.
    assert!(!seen.contains("reviewpack: [   0.0s]"), "{seen:?}");
    assert!(seen.contains("reviewpack: wrote pack"), "{seen:?}");

    let q = root().join("samples/quarter");
    let (q3, q4) = (
        q.join("q3.json").display().to_string(),
        q.join("q4.json").display().to_string(),
    );
    let seen = under_a_terminal(d, &["diff", &q3, &q4, "--format", "json", "-o", "diff"]);
    assert!(
        seen.contains(REDRAW) && seen.contains("evaluating NEW's findings"),
        "{seen:?}"
    );
    // The reviewer split and collect, the campaign's two long commands.
    let policy = root()
        .join("samples/demo/campaign-policy.toml")
        .display()
        .to_string();
    let seen = under_a_terminal(
        d,
        &[
            "report",
            &demo,
            "--policy",
            &policy,
            "--split-by-reviewer",
            "--format",
            "json",
            "-o",
            "campaign-pack",
        ],
    );
    assert!(
        seen.contains(REDRAW) && seen.contains("and one workbook per reviewer ("),
        "{seen:?}"
    );
    let returned = root().join("samples/demo/returned").display().to_string();
    let seen = under_a_terminal(
        d,
        &[
            "collect",
            "campaign-pack",
            &returned,
            "--collected-at",
            "2026-10-21",
            "-o",
            "campaign",
        ],
    );
    for phase in [
        "checking the pack's seal and reading its assignments",
        "reading and checking 2 returned file(s)",
        "writing the campaign",
    ] {
        assert!(seen.contains(phase), "{phase}: {seen:?}");
    }
    assert!(seen.contains(REDRAW), "{seen:?}");
    assert!(!seen.contains("reviewpack: [   0.0s]"), "{seen:?}");

    // Quiet under a terminal too.
    let seen = under_a_terminal(
        d,
        &[
            "-q", "report", &demo, "--format", "json", "--force", "-o", "pack",
        ],
    );
    assert!(
        !seen.contains(REDRAW) && !seen.contains("evaluating"),
        "{seen:?}"
    );
}
