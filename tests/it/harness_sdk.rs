//! The fake checked by a client nobody here wrote: Harness's own Python SDK
//! (`harness-platform-sdk` on PyPI, installed by `.ci/run`) reads every list
//! it models from the fake at every scope it accepts. Its pydantic models
//! refuse shapes the server does not send (a `null` where the server omits
//! the field, a missing `roleReference`, ...), so a list it cannot parse
//! fails this test.

use std::process::Command;

use reviewpack::snapshot::{self, Scope};

use crate::fake_harness::FakeHarness;
use crate::util::{demo, root};

const KEY: &str = crate::util::DEMO_KEY;

/// `Some(python)` when Python with the SDK is there; `None` (test skipped,
/// said on stderr) when it is not and CI is not set. In CI a missing SDK
/// fails.
fn python_with_sdk() -> Option<&'static str> {
    let ok = Command::new("python3")
        .args(["-c", "import harness_platform_sdk"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some("python3");
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "CI is set but Harness's Python SDK is not installed: .ci/run installs it (pip install harness-platform-sdk==1.1.0)"
    );
    eprintln!(
        "SKIPPED the Harness SDK check: harness-platform-sdk is not installed and CI is not set (pip install harness-platform-sdk==1.1.0 to run it)"
    );
    None
}

#[test]
fn harness_sdk_parses_every_list_the_fake_serves_at_every_scope() {
    let Some(python) = python_with_sdk() else {
        return;
    };
    let served = snapshot::load(&demo()).unwrap().snapshot;
    let fake = FakeHarness::start(served.clone(), KEY);
    let scopes = serde_json::json!({
        "orgs": served.orgs.iter().map(|o| o.id.clone()).collect::<Vec<_>>(),
        "projects": served.projects.iter().map(|p| [p.org.clone(), p.id.clone()]).collect::<Vec<_>>(),
    });
    let out = Command::new(python)
        .arg(root().join("tests/sdk/list_with_harness_sdk.py"))
        .args([&fake.base_url(), &served.account.id, KEY])
        .arg(scopes.to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
    let counts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let count = |key: &str| {
        counts[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {counts}"))
    };

    // The SDK read what the server lists, all of it.
    assert_eq!(count("organizations@/"), served.orgs.len() as u64);
    for p in &served.projects {
        let scope = Scope::Project(p.org.clone(), p.id.clone());
        let at = format!("@{}/{}", p.org, p.id);
        let assignments = served
            .role_assignments
            .iter()
            .filter(|a| a.scope == scope)
            .count();
        assert_eq!(count(&format!("role_assignments{at}")), assignments as u64);
        // Every project lists its one built-in group and its custom ones.
        let custom = served
            .resource_groups
            .iter()
            .filter(|g| g.scope == scope && !g.harness_managed)
            .count();
        assert_eq!(count(&format!("resource_groups{at}")), 1 + custom as u64);
        let groups = served
            .user_groups
            .iter()
            .filter(|g| g.scope == scope)
            .count();
        assert_eq!(count(&format!("user_groups{at}")), groups as u64);
    }
    let requests = fake.requests();
    for path in [
        "/authz/api/roleassignments",
        "/authz/api/v2/resourcegroup",
        "/authz/api/roles",
        "/ng/api/user-groups",
    ] {
        assert!(
            requests.iter().any(|r| r.path == path),
            "the SDK never asked {path}"
        );
    }
}
