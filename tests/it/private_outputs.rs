//! Outputs name who holds access to what: every file a command writes is the
//! owner's alone (0600) and every directory too (0700), whatever the umask
//! and whatever the modes of the files it copies.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::campaign::{collect_cmd, make_pack};
use crate::util::{reviewpack, root, stderr_of, tempdir};

/// Every path under `dir` (itself included) whose mode is not owner-only:
/// `(path, mode)`.
fn not_private(dir: &Path) -> Vec<(String, u32)> {
    fn walk(p: &Path, out: &mut Vec<(String, u32)>) {
        let meta = std::fs::symlink_metadata(p).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        let want = if meta.is_dir() { 0o700 } else { 0o600 };
        if mode != want {
            out.push((p.display().to_string(), mode));
        }
        if meta.is_dir() {
            for e in std::fs::read_dir(p).unwrap() {
                walk(&e.unwrap().path(), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}

#[test]
fn packs_campaigns_and_diffs_are_readable_by_their_owner_only() {
    let dir = tempdir();
    // The pack with its reviewer workbooks, CSV, JSON, HTML and the zip.
    let pack = make_pack(dir.path());
    assert_eq!(not_private(&pack), []);
    let zipped = dir.path().join("zipped");
    let out = reviewpack()
        .arg("report")
        .arg(crate::util::demo())
        .arg("-o")
        .arg(&zipped)
        .arg("--zip")
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(not_private(&zipped), []);
    let zip_file = dir.path().join("zipped.zip");
    assert_eq!(not_private(&zip_file), []);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_file).unwrap()).unwrap();
    for i in 0..archive.len() {
        let e = archive.by_index(i).unwrap();
        assert_eq!(
            e.unix_mode().map(|m| m & 0o777),
            Some(0o600),
            "{}",
            e.name()
        );
    }

    // Returned files readable by everyone: their copies in the campaign are
    // not.
    let returned = dir.path().join("returned");
    std::fs::create_dir(&returned).unwrap();
    for e in std::fs::read_dir(root().join("samples/demo/returned")).unwrap() {
        let from = e.unwrap().path();
        let to = returned.join(from.file_name().unwrap());
        std::fs::copy(&from, &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let campaign = dir.path().join("campaign");
    let out = collect_cmd(&pack, &returned, &campaign)
        .args(["--collected-at", "2026-10-21"])
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(not_private(&campaign), []);

    // The diff checking the decisions, then the sign-off carrying it.
    let diff = dir.path().join("diff");
    let out = reviewpack()
        .arg("diff")
        .arg(root().join("samples/quarter/q3.json"))
        .arg(root().join("samples/quarter/q4.json"))
        .arg("-o")
        .arg(&diff)
        .arg("--decisions")
        .arg(campaign.join("decisions.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(not_private(&diff), []);
    let out = reviewpack()
        .arg("signoff")
        .arg(&campaign)
        .args([
            "--by",
            "Dana Owner",
            "--date",
            "2027-01-04",
            "--remediation",
        ])
        .arg(&diff)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(campaign.join("remediation.csv").exists());
    assert_eq!(not_private(&campaign), []);
}

#[test]
fn signoff_makes_a_campaign_left_readable_by_others_private() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let campaign = dir.path().join("campaign");
    let out = collect_cmd(&pack, &root().join("samples/demo/returned"), &campaign)
        .args(["--collected-at", "2026-10-21"])
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr_of(&out)
    );
    // As an earlier version left it.
    let widen = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    widen(&campaign, 0o755);
    widen(&campaign.join("decisions.csv"), 0o644);
    let out = reviewpack()
        .arg("signoff")
        .arg(&campaign)
        .args(["--by", "Dana Owner", "--date", "2026-10-22"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(not_private(&campaign), []);
}
