//! Unattended runs (issue #24): `run` finds every output it cannot write
//! before the pull, a pack that fails after the pull keeps the snapshot
//! beside it, `pull -o` replaces a snapshot only with `--force`, and the
//! network's failures exit 3 while the setup's exit 2, so a CI job can tell
//! whether to try again. Against the fake Harness API over real HTTP.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use reviewpack::snapshot::{self, Snapshot};

use crate::fake_harness::{FakeHarness, Faults};
use crate::util::{demo, reviewpack, stderr_of, tempdir};

const KEY: &str = crate::util::DEMO_KEY;
const END: &str = "2026-10-01T09:00:00Z";

fn demo_snapshot() -> Snapshot {
    snapshot::load(&demo()).unwrap().snapshot
}

/// `reviewpack <cmd> --base-url URL … <args>` with the key and fast retries.
fn run_at(base_url: &str, cmd: &str, args: &[&str]) -> Output {
    reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .arg(cmd)
        .args(["--base-url", base_url, "--rate-limit", "0"])
        .args(["--retry-base-ms", "1", "--timeout-secs", "5"])
        .args(args)
        .output()
        .unwrap()
}

fn run(fake: &FakeHarness, cmd: &str, args: &[&str]) -> Output {
    run_at(&fake.base_url(), cmd, args)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `run` refused before asking Harness anything, naming why.
fn refused_before_pulling(fake: &FakeHarness, args: &[&str], says: &str) {
    fake.clear_requests();
    let mut all = vec!["--activity-end", END];
    all.extend_from_slice(args);
    let out = run(fake, "run", &all);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: wants {says:?} in {err}");
    assert_eq!(
        fake.request_count(),
        0,
        "{args:?}: refused before the pull, which may take an hour"
    );
}

#[test]
fn run_refuses_every_output_it_cannot_write_before_pulling() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let dir = tempdir();
    let d = dir.path();

    // A directory holding something else, without --force.
    let taken = d.join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    refused_before_pulling(&fake, &["-o", s(&taken)], "--force");
    // With --force, still not: it is not reviewpack's output.
    refused_before_pulling(
        &fake,
        &["-o", s(&taken), "--force"],
        "is not a reviewpack pack",
    );
    // An existing file where the pack directory would go.
    let file = d.join("file");
    std::fs::write(&file, "x").unwrap();
    refused_before_pulling(&fake, &["-o", s(&file)], "exists and is not a directory");
    // A parent that is a file: nothing can be written under it.
    refused_before_pulling(
        &fake,
        &["-o", s(&file.join("pack"))],
        "is not a directory, so nothing can be written under it",
    );
    refused_before_pulling(
        &fake,
        &["-o", s(&file.join("deeper/pack"))],
        "cannot write the pack",
    );

    // An earlier pack, replaced with --force, must not hold an input.
    let pack = d.join("pack");
    let out = reviewpack()
        .args(["report", s(&demo()), "-o", s(&pack)])
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr_of(&out)
    );
    let inside = pack.join("previous.json");
    std::fs::copy(demo(), &inside).unwrap();
    refused_before_pulling(
        &fake,
        &["-o", s(&pack), "--force", "--previous", s(&inside)],
        "lies inside",
    );
    let policy = pack.join("policy.toml");
    std::fs::write(&policy, "").unwrap();
    refused_before_pulling(
        &fake,
        &["-o", s(&pack), "--force", "--policy", s(&policy)],
        "lies inside",
    );
    refused_before_pulling(
        &fake,
        &["-o", s(&pack), "--force", "--record", s(&pack.join("rec"))],
        "lies inside the pack directory",
    );
    std::fs::remove_file(&inside).unwrap();
    std::fs::remove_file(&policy).unwrap();

    // --zip's archive exists: refused before the pull, not after it.
    let fresh = d.join("fresh");
    std::fs::write(d.join("fresh.zip"), "an earlier zip").unwrap();
    refused_before_pulling(&fake, &["-o", s(&fresh), "--zip"], "fresh.zip exists");
    std::fs::create_dir(d.join("dirzip")).unwrap();
    std::fs::create_dir(d.join("dirzip.zip")).unwrap();
    refused_before_pulling(
        &fake,
        &["-o", s(&d.join("dirzip")), "--zip", "--force"],
        "is a directory",
    );

    // Options and inputs too.
    refused_before_pulling(
        &fake,
        &["-o", s(&fresh), "--format", "pdf"],
        "unknown format",
    );
    refused_before_pulling(&fake, &["-o", s(&fresh), "--as-of", "soon"], "--as-of");
    refused_before_pulling(
        &fake,
        &[
            "-o",
            s(&fresh),
            "--policy",
            s(&d.join("no-such-policy.toml")),
        ],
        "cannot read the policy file",
    );
    refused_before_pulling(
        &fake,
        &["-o", s(&fresh), "--previous", s(&d.join("no-such.json"))],
        "no-such.json",
    );
    refused_before_pulling(
        &fake,
        &["-o", s(&fresh), "--roster", s(&d.join("no-such.csv"))],
        "cannot read the roster file",
    );
    assert!(!fresh.exists());
}

#[test]
fn pull_replaces_an_existing_snapshot_only_with_force() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let pull = |extra: &[&str]| {
        let mut args = vec!["--activity-end", END, "-o", s(&path)];
        args.extend_from_slice(extra);
        run(&fake, "pull", &args)
    };
    let out = pull(&[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let first = snapshot::load(&path).unwrap().snapshot;

    // The evidence is not replaced silently, and nothing is asked of Harness.
    std::fs::write(&path, "last quarter's evidence").unwrap();
    fake.clear_requests();
    let out = pull(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("exists; pass --force to replace it"), "{err}");
    assert_eq!(fake.request_count(), 0, "refused before the pull");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "last quarter's evidence"
    );

    let out = pull(&["--force"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let again = snapshot::load(&path).unwrap().snapshot;
    assert_eq!(again.users, first.users, "the account pulled again");

    // A directory, or a place under a file, is refused before the pull too.
    fake.clear_requests();
    for (target, says) in [
        (dir.path().to_path_buf(), "is a directory"),
        (path.join("x.json"), "is not a directory"),
    ] {
        let out = run(&fake, "pull", &["-o", s(&target), "--force"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr_of(&out).contains(says), "{}", stderr_of(&out));
    }
    assert_eq!(fake.request_count(), 0);

    // Directories that do not exist yet are made.
    let nested = dir.path().join("q4/evidence/snap.json");
    let out = run(&fake, "pull", &["--activity-end", END, "-o", s(&nested)]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(snapshot::load(&nested).unwrap().snapshot.users, first.users);
}

/// Starts `reviewpack run … -o pack` against a slow fake, waits until the
/// pull has begun, calls `meanwhile`, and returns the finished run's output.
fn run_and_meanwhile(
    fake: &FakeHarness,
    pack: &Path,
    tmp: &Path,
    meanwhile: impl FnOnce(),
) -> Output {
    fake.clear_requests();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("reviewpack"))
        .env_remove("HARNESS_BEARER")
        .env("HARNESS_API_KEY", KEY)
        .env("TMPDIR", tmp)
        .args(["run", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args([
            "--retry-base-ms",
            "1",
            "--timeout-secs",
            "5",
            "--concurrency",
            "2",
        ])
        .args(["--activity-end", END, "-o", s(pack)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while fake.request_count() == 0 {
        assert!(start.elapsed() < Duration::from_secs(30), "the pull began");
        std::thread::sleep(Duration::from_millis(2));
    }
    meanwhile();
    child.wait_with_output().unwrap()
}

/// The path named after `says` in `err`, up to `until`.
fn path_after(err: &str, says: &str, until: &str) -> PathBuf {
    let rest = err
        .split(says)
        .nth(1)
        .unwrap_or_else(|| panic!("{says:?} in {err}"));
    PathBuf::from(rest.split(until).next().unwrap())
}

#[test]
fn a_pack_that_fails_after_the_pull_keeps_the_snapshot_beside_it_and_says_where() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    // Slow enough that the pull is still running when the test gets in the
    // way of the pack.
    fake.set_faults(Faults {
        latency: Duration::from_millis(15),
        ..Faults::default()
    });
    let dir = tempdir();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let pack = dir.path().join("q4 pack");

    // Something takes the pack's place during the pull.
    let out = run_and_meanwhile(&fake, &pack, &tmp, || {
        std::fs::write(&pack, "someone else's file").unwrap()
    });
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let kept = path_after(&err, "the pulled snapshot was kept at ", "; ");
    assert_eq!(kept, dir.path().join("q4 pack.snapshot.json"), "{err}");
    assert!(err.contains("reviewpack report"), "says what to do: {err}");
    assert_same_account(&kept);
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "not in /tmp");

    // An earlier kept snapshot is not replaced.
    std::fs::remove_file(&pack).unwrap();
    let out = run_and_meanwhile(&fake, &pack, &tmp, || {
        std::fs::write(&pack, "someone else's file").unwrap()
    });
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let again = path_after(&err, "the pulled snapshot was kept at ", "; ");
    assert_eq!(again, dir.path().join("q4 pack.snapshot.2.json"), "{err}");
    assert_same_account(&again);
    assert_same_account(&kept);

    // Only when nothing can be written beside the pack does it go to the
    // temporary directory, and the message says so.
    let parent = dir.path().join("parent");
    std::fs::create_dir(&parent).unwrap();
    let out = run_and_meanwhile(&fake, &parent.join("pack"), &tmp, || {
        std::fs::remove_dir(&parent).unwrap();
        std::fs::write(&parent, "a file now").unwrap();
    });
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("could not be kept beside the pack"), "{err}");
    let in_tmp = path_after(&err, "so it was kept at ", " in the temporary");
    assert_eq!(in_tmp, tmp.join("pack.snapshot.json"), "{err}");
    assert!(err.contains("move it now"), "{err}");
    assert_same_account(&in_tmp);
    assert!(!err.contains("S3cr3tV4lu3"));
}

fn assert_same_account(path: &Path) {
    let got = snapshot::load(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .snapshot;
    let want = demo_snapshot();
    assert_eq!(got.users, want.users);
    assert_eq!(got.role_assignments, want.role_assignments);
}

#[test]
fn network_failures_exit_3_and_the_setups_exit_2() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let code = |out: &Output| out.status.code();
    let pull_args = ["--activity-end", END, "-o", s(&path), "--max-attempts", "2"];

    // 503 after every retry: pull, check and run.
    fake.set_faults(Faults {
        server_errors: 100_000,
        ..Faults::default()
    });
    let out = run(&fake, "pull", &pull_args);
    assert_eq!(code(&out), Some(3), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("gave up after 2 attempts"));
    let out = run(&fake, "check", &["--max-attempts", "2"]);
    assert_eq!(code(&out), Some(3), "{}", stderr_of(&out));
    let pack = dir.path().join("pack");
    let out = run(
        &fake,
        "run",
        &["--activity-end", END, "-o", s(&pack), "--max-attempts", "2"],
    );
    assert_eq!(code(&out), Some(3), "{}", stderr_of(&out));
    assert!(!pack.exists() && !path.exists());

    // 429 after every retry.
    fake.set_faults(Faults {
        too_many_requests: 100_000,
        ..Faults::default()
    });
    let out = run(&fake, "pull", &pull_args);
    assert_eq!(code(&out), Some(3), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("HTTP 429"), "{}", stderr_of(&out));

    // Too slow to answer.
    fake.set_faults(Faults {
        latency: Duration::from_millis(1500),
        ..Faults::default()
    });
    let out = reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .args(["check", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args([
            "--retry-base-ms",
            "1",
            "--timeout-secs",
            "1",
            "--max-attempts",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(3), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("timed out"), "{}", stderr_of(&out));

    // The setup's failures: a refused key, a missing permission, a proxy's
    // page, a TLS handshake with a server that speaks plain HTTP.
    fake.set_faults(Faults {
        missing_permission: Some("core_audit_view".into()),
        ..Faults::default()
    });
    let out = run(&fake, "pull", &pull_args);
    assert_eq!(code(&out), Some(2), "{}", stderr_of(&out));
    fake.set_faults(Faults {
        html_403_path: Some("/".into()),
        ..Faults::default()
    });
    let out = run(&fake, "check", &[]);
    assert_eq!(code(&out), Some(2), "{}", stderr_of(&out));
    fake.set_faults(Faults::default());
    let tls = fake.base_url().replace("http://", "https://");
    let out = run_at(&tls, "check", &["--max-attempts", "2"]);
    assert_eq!(code(&out), Some(2), "{}", stderr_of(&out));
    let wrong = FakeHarness::start(demo_snapshot(), "another-key");
    let out = run(&wrong, "pull", &pull_args);
    assert_eq!(code(&out), Some(2), "{}", stderr_of(&out));

    // A server that is gone: connection refused.
    let gone = {
        let f = FakeHarness::start(demo_snapshot(), KEY);
        f.base_url()
    };
    let out = run_at(&gone, "pull", &pull_args);
    assert_eq!(code(&out), Some(3), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("could not connect"),
        "{}",
        stderr_of(&out)
    );
    let out = run_at(&gone, "check", &["--max-attempts", "2"]);
    assert_eq!(code(&out), Some(3), "{}", stderr_of(&out));
    assert!(!path.exists());
}

#[test]
fn help_lists_the_exit_codes() {
    for args in [&["--help"][..], &["run", "--help"], &["check", "--help"]] {
        let out = reviewpack().args(args).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        for line in ["Exit codes:", "  2 ", "  3 ", "the network failed"] {
            assert!(text.contains(line), "{args:?}: {line:?} in {text}");
        }
    }
}
