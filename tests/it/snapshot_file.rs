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

// --- What Harness cannot produce is refused ----------------------------------

#[test]
fn a_second_user_with_the_same_uuid_is_refused_naming_both() {
    // Unsorted on purpose: a hand-edited file need not be in canonical order.
    let text = demo_with(|v| {
        let users = v["users"].as_array_mut().unwrap();
        let mut copy = users[2].clone();
        copy["name"] = serde_json::json!("Someone Else");
        copy["email"] = serde_json::json!("someone.else@example.com");
        users.insert(7, copy);
    });
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(demo()).unwrap()).unwrap();
    let id = v["users"][2]["id"].as_str().unwrap();
    let err = report_error(&text);
    assert!(
        err.contains(&format!(
            "at users[7].id: duplicate id \"{id}\" (also users[2]); a snapshot holds each object once"
        )),
        "{err}"
    );
}

#[test]
fn duplicates_of_every_keyed_array_are_refused() {
    for array in [
        "orgs",
        "projects",
        "user_groups",
        "service_accounts",
        "api_keys",
        "tokens",
        "roles",
        "resource_groups",
        "role_assignments",
    ] {
        let text = demo_with(|v| {
            let items = v[array].as_array_mut().unwrap();
            let copy = items[0].clone();
            items.push(copy);
        });
        let err = report_error(&text);
        let n = serde_json::from_str::<serde_json::Value>(&text).unwrap()[array]
            .as_array()
            .unwrap()
            .len()
            - 1;
        assert!(
            err.contains(&format!("at {array}[{n}].id: duplicate id "))
                && err.contains(&format!("(also {array}[0])")),
            "{array}: {err}"
        );
    }
}

#[test]
fn an_assignment_at_a_scope_the_snapshot_lacks_is_refused() {
    let text = demo_with(|v| {
        v["role_assignments"][4]["scope"] = serde_json::json!("project:eng/ghost");
    });
    let err = report_error(&text);
    assert!(
        err.contains(
            "at role_assignments[4].scope: project:eng/ghost is not an org or project of this snapshot"
        ),
        "{err}"
    );
}

#[test]
fn every_scoped_object_at_an_unknown_scope_is_refused() {
    for array in [
        "user_groups",
        "service_accounts",
        "api_keys",
        "tokens",
        "roles",
        "resource_groups",
        "role_assignments",
    ] {
        let text = demo_with(|v| v[array][0]["scope"] = serde_json::json!("org:ghost"));
        let err = report_error(&text);
        assert!(
            err.contains(&format!(
                "at {array}[0].scope: org:ghost is not an org or project of this snapshot"
            )),
            "{array}: {err}"
        );
    }
    let text = demo_with(|v| {
        v["users"][0]["scopes"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!("project:ops/ghost"))
    });
    let err = report_error(&text);
    assert!(err.contains("at users[0].scopes["), "{err}");
    assert!(err.contains("project:ops/ghost is not an org"), "{err}");
    let text = demo_with(|v| v["projects"][0]["org"] = serde_json::json!("ghost"));
    let err = report_error(&text);
    assert!(
        err.contains("at projects[0].org: \"ghost\" is not an org of this snapshot"),
        "{err}"
    );
}

#[test]
fn complete_with_an_incomplete_list_is_refused() {
    let text = demo_with(|v| {
        let l = &mut v["completeness"]["lists"][12];
        l["complete"] = serde_json::json!(false);
    });
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let l = &v["completeness"]["lists"][12];
    let want = format!(
        "at completeness.complete: true, but completeness.lists[12] ({} at {}) is incomplete",
        l["endpoint"].as_str().unwrap(),
        l["scope"].as_str().unwrap()
    );
    let err = report_error(&text);
    assert!(err.contains(&want), "{err}");
    // The same list marked incomplete with `complete: false` loads (and is
    // reported as population-incomplete).
    let text = demo_with(|v| {
        v["completeness"]["lists"][12]["complete"] = serde_json::json!(false);
        v["completeness"]["complete"] = serde_json::json!(false);
    });
    let dir = tempdir();
    let path = dir.path().join("partial.json");
    std::fs::write(&path, text).unwrap();
    assert!(reviewpack::snapshot::load(&path).is_ok());
}

#[test]
fn version_zero_is_named_as_not_a_version() {
    let err = report_error(&demo_with(|v| v["version"] = serde_json::json!(0)));
    assert!(
        err.contains("snapshot version 0 is not a version this reviewpack reads (versions 1 to 5)"),
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

/// The demo is a pull a real key could make: every list its completeness
/// calls complete is one its caller (provenance) holds the permission for at
/// the account (docs/operations.md, "Permissions the key needs"); the token
/// and API key lists in particular need `core_serviceaccount_manageapikey`,
/// which a view-only role lacks.
#[test]
fn the_demos_complete_lists_are_ones_its_caller_may_read() {
    let snap = reviewpack::snapshot::load(&demo()).unwrap().snapshot;
    let caller = snap
        .provenance
        .caller
        .clone()
        .expect("the demo names its caller");
    let needs = |endpoint: &str| -> Option<&'static str> {
        [
            ("GET /ng/api/token/", "core_serviceaccount_manageapikey"),
            ("GET /ng/api/apikey/", "core_serviceaccount_manageapikey"),
            ("POST /audit/", "core_audit_view"),
            ("POST /ng/api/user/", "core_user_view"),
            ("GET /ng/api/user-groups", "core_usergroup_view"),
            ("GET /ng/api/serviceaccount/", "core_serviceaccount_view"),
            ("GET /authz/api/roles", "core_role_view"),
            ("GET /resourcegroup/", "core_resourcegroup_view"),
            ("GET /ng/api/organizations", "core_organization_view"),
            ("GET /ng/api/projects", "core_project_view"),
        ]
        .iter()
        .find(|(prefix, _)| endpoint.starts_with(prefix))
        .map(|(_, p)| *p)
    };
    let mut asked = std::collections::BTreeSet::new();
    for l in snap.completeness.lists.iter().filter(|l| l.complete) {
        if let Some(p) = needs(&l.endpoint) {
            asked.insert(p);
        }
    }
    assert!(
        asked.contains("core_serviceaccount_manageapikey"),
        "{asked:?}"
    );
    for permission in asked {
        let out = reviewpack()
            .args(["explain"])
            .arg(demo())
            .arg(&caller.id)
            .args(["--permission", permission, "--scope", "account", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            v["question"]["allowed"], true,
            "the demo's caller {} lacks {permission}, yet lists needing it are complete",
            caller.id
        );
        assert_eq!(v["question"]["only_some_resources"], false, "{permission}");
    }
}
