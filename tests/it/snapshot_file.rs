//! Loading snapshot files: the demo is canonical, broken files give a
//! one-line error that names the file and the JSON path, exit 2.

use crate::util::{demo, reviewpack, stderr_of, tempdir};

#[test]
fn demo_sample_loads_and_is_in_canonical_form() {
    let bytes = std::fs::read(demo()).unwrap();
    let loaded = reviewpack::snapshot::load(&demo()).expect("demo loads");
    let canonical = reviewpack::snapshot::to_bytes(&loaded.snapshot);
    if std::env::var_os("REVIEWPACK_BLESS").is_some() {
        std::fs::write(demo(), &canonical).unwrap();
        return;
    }
    assert!(
        canonical == bytes,
        "samples/demo/snapshot.json is not in canonical form; run \
         `python3 samples/demo/generate.py && REVIEWPACK_BLESS=1 cargo test demo_sample_loads`"
    );
}

#[test]
fn save_then_load_round_trips() {
    let loaded = reviewpack::snapshot::load(&demo()).unwrap();
    let dir = tempdir();
    let path = dir.path().join("copy.json");
    reviewpack::snapshot::save(&path, &loaded.snapshot).unwrap();
    let again = reviewpack::snapshot::load(&path).unwrap();
    assert_eq!(again.snapshot, loaded.snapshot);
}

/// Writes `text` as a snapshot file, runs `report` on it, and returns stderr.
fn report_error(text: &str) -> String {
    let dir = tempdir();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, text).unwrap();
    let out = reviewpack()
        .args(["report"])
        .arg(&path)
        .arg("-o")
        .arg(dir.path().join("pack"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr_of(&out));
    assert!(!dir.path().join("pack").exists(), "no pack on error");
    let err = stderr_of(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("reviewpack: "), "{err}");
    assert!(err.contains("broken.json"), "names the file: {err}");
    err
}

fn demo_with(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(demo()).unwrap()).unwrap();
    edit(&mut v);
    serde_json::to_string(&v).unwrap()
}

#[test]
fn not_json_is_a_one_line_error() {
    let err = report_error("{\"format\": \"reviewpack.snapshot\", ");
    assert!(err.contains("EOF"), "{err}");
}

#[test]
fn wrong_type_names_the_json_path() {
    let text = demo_with(|v| v["users"][3]["disabled"] = serde_json::json!("yes"));
    let err = report_error(&text);
    assert!(err.contains("users[3].disabled"), "{err}");
    assert!(err.contains("expected a boolean"), "{err}");
}

#[test]
fn bad_scope_names_the_json_path() {
    let text = demo_with(|v| v["role_assignments"][0]["scope"] = serde_json::json!("proj:x"));
    let err = report_error(&text);
    assert!(err.contains("role_assignments[0].scope"), "{err}");
    assert!(err.contains("invalid scope"), "{err}");
}

#[test]
fn unknown_field_is_rejected_with_its_path() {
    let text = demo_with(|v| v["orgs"][0]["colour"] = serde_json::json!("red"));
    let err = report_error(&text);
    assert!(err.contains("orgs[0]"), "{err}");
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn foreign_format_and_newer_version_are_named() {
    let err = report_error(&demo_with(|v| v["format"] = serde_json::json!("baton.c1z")));
    assert!(err.contains("not a reviewpack snapshot"), "{err}");
    let err = report_error(&demo_with(|v| v["version"] = serde_json::json!(7)));
    assert!(err.contains("version 7 is newer"), "{err}");
    let err = report_error("[1, 2]");
    assert!(err.contains("(document)"), "{err}");
}

#[test]
fn missing_file_is_a_one_line_error() {
    let dir = tempdir();
    let out = reviewpack()
        .args(["report", "does-not-exist.json", "-o"])
        .arg(dir.path().join("pack"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("does-not-exist.json"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

// --- Small: byte-order mark, version 0, I/O errors ---------------------------

#[test]
fn version_zero_is_named_as_not_a_version() {
    let err = report_error(&demo_with(|v| v["version"] = serde_json::json!(0)));
    assert!(
        err.contains("snapshot version 0 is not a version this reviewpack reads (versions 1 to 3)"),
        "{err}"
    );
    assert!(!err.contains("newer"), "{err}");
}

#[test]
fn a_byte_order_mark_loads_and_the_pack_keeps_the_file_as_read() {
    let dir = tempdir();
    let path = dir.path().join("bom.json");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(demo()).unwrap());
    std::fs::write(&path, &bytes).unwrap();
    let pack = dir.path().join("pack");
    let out = reviewpack()
        .args(["report"])
        .arg(&path)
        .arg("-o")
        .arg(&pack)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(pack.join("snapshot.json")).unwrap(), bytes);
    let sha = reviewpack::snapshot::sha256_hex(&bytes);
    let findings = std::fs::read_to_string(pack.join("findings.json")).unwrap();
    assert!(findings.contains(&format!("\"snapshot_sha256\": \"{sha}\"")));
}

#[test]
fn a_directory_is_an_io_error_printed_once() {
    // Regression: `reviewpack: /tmp: Is a directory (os error 21): Is a
    // directory (os error 21)`.
    let dir = tempdir();
    let out = reviewpack()
        .args(["report"])
        .arg(dir.path())
        .arg("-o")
        .arg(dir.path().join("pack"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    let cause = std::fs::read(dir.path()).unwrap_err().to_string();
    assert_eq!(
        err.trim_end(),
        format!("reviewpack: {}: {cause}", dir.path().display())
    );
}
