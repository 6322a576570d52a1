//! `reviewpack diff`: each kind of change detected, a change-free pair giving
//! an empty diff, the quarter sample (new admin through membership only,
//! leaver, widened resource group, role that gained a permission), the
//! previous review's decisions round trip (CSV, a hand-built workbook and
//! the real review.xlsx), refusal of different accounts, determinism, the
//! manifest, hostile text in every format, `--fail-on`, and `run --previous`.

use std::path::{Path, PathBuf};

use calamine::Reader;
use reviewpack::diff::{self, DiffReport, DiffSide, FindingsRun};
use reviewpack::findings::{Finding, PolicySource, Severity};
use reviewpack::graph::{AccessGraph, PrivilegeLevel};
use reviewpack::snapshot::{self, LoadedSnapshot, Snapshot};
use serde_json::Value;

use crate::util::{demo, quarter, read, reviewpack, stderr_of, tempdir, tree};

fn load(path: &Path) -> Snapshot {
    snapshot::load(path).unwrap().snapshot
}

fn diff_into(old: &Path, new: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    reviewpack()
        .arg("diff")
        .arg(old)
        .arg(new)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn diff_json(dir: &Path) -> Value {
    serde_json::from_str(&read(&dir.join("diff.json"))).unwrap()
}

fn loaded(s: &Snapshot, name: &str) -> LoadedSnapshot {
    snapshot::from_bytes(Path::new(name), snapshot::to_bytes(s)).unwrap()
}

/// The library comparison, without findings or decisions.
fn compare(old: &Snapshot, new: &Snapshot) -> DiffReport {
    let (o, n) = (loaded(old, "old.json"), loaded(new, "new.json"));
    let (og, ng) = (
        AccessGraph::build(&o.snapshot),
        AccessGraph::build(&n.snapshot),
    );
    diff::compare(
        &DiffSide {
            loaded: &o,
            file: "old.json",
            graph: &og,
        },
        &DiffSide {
            loaded: &n,
            file: "new.json",
            graph: &ng,
        },
        None,
        None,
    )
}

fn user_id(s: &Snapshot, email: &str) -> String {
    s.users
        .iter()
        .find(|u| u.email == email)
        .unwrap_or_else(|| panic!("no user {email}"))
        .id
        .to_string()
}

fn group<'a>(s: &'a mut Snapshot, scope: &str, id: &str) -> &'a mut snapshot::UserGroup {
    s.user_groups
        .iter_mut()
        .find(|g| g.scope.to_string() == scope && g.id.as_str() == id)
        .unwrap()
}

fn assignment<'a>(s: &'a mut Snapshot, id: &str) -> &'a mut snapshot::RoleAssignment {
    s.role_assignments
        .iter_mut()
        .find(|a| a.id.as_str() == id)
        .unwrap()
}

fn role<'a>(s: &'a mut Snapshot, id: &str) -> &'a mut snapshot::Role {
    s.roles.iter_mut().find(|r| r.id.as_str() == id).unwrap()
}

fn arr<'a>(v: &'a Value, path: &str) -> &'a Vec<Value> {
    v.pointer(path)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{path} is not an array"))
}

// --- A change-free pair ------------------------------------------------------

#[test]
fn identical_snapshots_give_an_empty_diff() {
    let dir = tempdir();
    let out = dir.path().join("diff");
    let o = diff_into(&demo(), &demo(), &out, &["--fail-on", "info"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = diff_json(&out);
    assert_eq!(v["schema"], "reviewpack.diff/v1");
    assert_eq!(v["summary"]["empty"], true);
    for (k, n) in v["summary"].as_object().unwrap() {
        if k != "empty" && k != "findings_persisting" {
            assert_eq!(n, 0, "summary.{k}");
        }
    }
    for path in [
        "/principals/added",
        "/principals/removed",
        "/principals/changed",
        "/group_memberships/added",
        "/group_memberships/removed",
        "/role_assignments/added",
        "/role_assignments/removed",
        "/role_assignments/enabled",
        "/role_assignments/disabled",
        "/roles/added",
        "/roles/removed",
        "/roles/changed",
        "/resource_groups/added",
        "/resource_groups/removed",
        "/resource_groups/changed",
        "/effective_access/gained",
        "/effective_access/lost",
        "/effective_access/changed",
        "/findings/new",
        "/findings/resolved",
    ] {
        assert!(arr(&v, path).is_empty(), "{path} should be empty");
    }
    // The findings were evaluated, and every one of them persists.
    assert_eq!(v["findings"]["evaluated"], true);
    assert!(!arr(&v, "/findings/persisting").is_empty());
    assert!(v["decisions"].is_null());

    let files: Vec<String> = tree(&out).into_iter().map(|(n, _)| n).collect();
    let mut want: Vec<String> = [
        "access_changed",
        "access_gained",
        "access_lost",
        "findings",
        "group_memberships",
        "principals",
        "resource_groups",
        "role_assignments",
        "roles",
    ]
    .iter()
    .map(|n| format!("csv/{n}.csv"))
    .collect();
    want.extend(
        [
            "SHA256SUMS",
            "diff.html",
            "diff.json",
            "diff.xlsx",
            "manifest.json",
        ]
        .map(String::from),
    );
    want.sort();
    assert_eq!(files, want);
    // Change CSVs hold only their header.
    for f in [
        "access_gained",
        "access_lost",
        "access_changed",
        "principals",
    ] {
        let text = read(&out.join(format!("csv/{f}.csv")));
        assert_eq!(text.lines().count(), 1, "{f}: {text}");
    }
    assert!(read(&out.join("diff.html")).contains("No change between the two snapshots."));
}

// --- Each kind of change, through the library -------------------------------

#[test]
fn each_kind_of_change_is_detected() {
    let old = load(&demo());
    let mut new = old.clone();

    // Principals: one added (and put in a group), one removed, one changed.
    let mut newcomer = old.users[0].clone();
    newcomer.id = "NewUser0000000000000001".into();
    newcomer.name = "Nora Newcomer".into();
    newcomer.email = "nora.newcomer@example.com".into();
    newcomer.scopes = vec![snapshot::Scope::Account];
    new.users.push(newcomer);
    let iris = user_id(&old, "iris.vogel@example.com");
    {
        let u = new
            .users
            .iter_mut()
            .find(|u| u.id.as_str() == iris)
            .unwrap();
        u.locked = true;
        u.two_factor_enabled = Some(false);
        u.externally_managed = true;
    }
    new.service_accounts
        .retain(|s| s.id.as_str() != "infra_deployer");

    // Memberships: the newcomer joins release_managers; Lena leaves contractors.
    group(&mut new, "account", "release_managers")
        .members
        .push("NewUser0000000000000001".into());
    let lena = user_id(&old, "lena.marsh@example.org");
    group(&mut new, "account", "contractors")
        .members
        .retain(|m| m.as_str() != lena);

    // Assignments: one added, one removed, one enabled, one disabled.
    let grace = user_id(&old, "grace.ito@example.com");
    let mut added = old.role_assignments[0].clone();
    added.scope = "project:eng/mobile".parse().unwrap();
    added.id = "role_assignment_TestAdded0000000".into();
    added.principal = snapshot::PrincipalRef {
        kind: "USER".into(),
        id: grace.clone(),
        scope_level: None,
    };
    added.role = snapshot::RoleRef {
        id: "_project_viewer".into(),
        scope_level: None,
    };
    added.resource_group = "_all_project_level_resources".into();
    new.role_assignments.push(added);
    new.role_assignments
        .retain(|a| a.id.as_str() != "role_assignment_EwnfHrWbDCqCW6lrbenK");
    assignment(&mut new, "role_assignment_GpYkk2sXrizI5RPn7T7r").disabled = false; // Marcus: admin
    assignment(&mut new, "role_assignment_EQQVpNjadWwqb45XO91b").disabled = true; // Olivia: sandbox admin

    // Roles: group_manager loses its escalation permission; release_manager
    // gains one.
    role(&mut new, "group_manager")
        .permissions
        .retain(|p| p.as_str() != "core_usergroup_manage");
    role(&mut new, "release_manager")
        .permissions
        .push("core_role_edit".into());

    // Resource groups: eng_pipelines stops covering the eng projects.
    new.resource_groups
        .iter_mut()
        .find(|g| g.id.as_str() == "eng_pipelines")
        .unwrap()
        .included_scopes[0]
        .include_child_scopes = false;

    let r = compare(&old, &new);
    assert!(!r.summary.empty);

    // Principals.
    let ids =
        |v: &[reviewpack::diff::PrincipalEntry]| v.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&r.principals.added), ["NewUser0000000000000001"]);
    assert_eq!(
        ids(&r.principals.removed),
        ["sa:project:ops/infra/infra_deployer"]
    );
    assert_eq!(r.principals.changed.len(), 1);
    let fields: Vec<(&str, &str, &str)> = r.principals.changed[0]
        .changes
        .iter()
        .map(|c| (c.field, c.old.as_str(), c.new.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("status", "enabled", "locked"),
            ("two_factor", "yes", "no"),
            ("externally_managed", "no", "yes"),
        ]
    );

    // Memberships.
    let m = &r.group_memberships;
    assert_eq!(m.added.len(), 1);
    assert_eq!(
        (m.added[0].group_id.as_str(), m.added[0].user_id.as_str()),
        ("release_managers", "NewUser0000000000000001")
    );
    assert_eq!(m.removed.len(), 1);
    assert_eq!(
        (
            m.removed[0].group_id.as_str(),
            m.removed[0].user_id.as_str()
        ),
        ("contractors", lena.as_str())
    );

    // Assignments.
    let a_ids = |v: &[reviewpack::diff::AssignmentEntry]| {
        v.iter().map(|a| a.id.clone()).collect::<Vec<_>>()
    };
    let ra = &r.role_assignments;
    assert_eq!(a_ids(&ra.added), ["role_assignment_TestAdded0000000"]);
    assert_eq!(a_ids(&ra.removed), ["role_assignment_EwnfHrWbDCqCW6lrbenK"]);
    assert_eq!(a_ids(&ra.enabled), ["role_assignment_GpYkk2sXrizI5RPn7T7r"]);
    assert_eq!(
        a_ids(&ra.disabled),
        ["role_assignment_EQQVpNjadWwqb45XO91b"]
    );
    assert_eq!(ra.enabled[0].status, "active");
    assert_eq!(ra.disabled[0].status, "disabled");

    // Roles.
    assert_eq!(r.roles.changed.len(), 2);
    let gm = r
        .roles
        .changed
        .iter()
        .find(|x| x.id == "group_manager")
        .unwrap();
    assert_eq!(gm.permissions_removed, ["core_usergroup_manage"]);
    let rm = r
        .roles
        .changed
        .iter()
        .find(|x| x.id == "release_manager")
        .unwrap();
    assert_eq!(rm.permissions_added, ["core_role_edit"]);
    assert_eq!(rm.escalation_added, ["core_role_edit"]);

    // Resource groups.
    assert_eq!(r.resource_groups.changed.len(), 1);
    let rg = &r.resource_groups.changed[0];
    assert_eq!(
        (
            rg.included_scopes_old.as_str(),
            rg.included_scopes_new.as_str()
        ),
        ("org:eng/**", "org:eng")
    );

    // Effective access follows every one of them.
    let ea = &r.effective_access;
    let has = |v: &[reviewpack::diff::AccessEntry], pid: &str, aid: &str| {
        v.iter()
            .any(|e| e.principal_id == pid && e.assignment_id == aid)
    };
    let marcus = user_id(&old, "marcus.feld@example.com");
    let olivia = user_id(&old, "olivia.fenwick@example.com");
    let hyper = user_id(&old, "hyperlink.test@example.org");
    assert!(has(
        &ea.gained,
        &marcus,
        "role_assignment_GpYkk2sXrizI5RPn7T7r"
    ));
    assert_eq!(
        ea.gained[0].privilege_level,
        PrivilegeLevel::Admin,
        "admins first"
    );
    assert!(has(&ea.gained, &grace, "role_assignment_TestAdded0000000"));
    assert!(has(
        &ea.gained,
        "NewUser0000000000000001",
        "role_assignment_PNI72RP2FsQM0pscrF94"
    ));
    assert!(has(
        &ea.lost,
        &olivia,
        "role_assignment_EQQVpNjadWwqb45XO91b"
    ));
    assert!(has(
        &ea.lost,
        &hyper,
        "role_assignment_EwnfHrWbDCqCW6lrbenK"
    ));
    assert!(has(&ea.lost, &lena, "role_assignment_nReuYz1cSLR8uAIe65Lw"));
    assert!(has(
        &ea.lost,
        "sa:project:ops/infra/infra_deployer",
        "role_assignment_CqVZPrwPFEHZ8qEzep9J"
    ));
    let change = |pid: &str, aid: &str| {
        ea.changed
            .iter()
            .find(|c| c.principal_id == pid && c.assignment_id == aid)
            .unwrap_or_else(|| panic!("no change for {pid} {aid}"))
    };
    let down = change(&grace, "role_assignment_nJJJ1hWeOFGVc303vYTv");
    assert_eq!(down.direction, "down");
    assert_eq!(
        (down.old.privilege_level, down.new.privilege_level),
        (PrivilegeLevel::Escalation, PrivilegeLevel::Read)
    );
    let sofia = user_id(&old, "sofia.lindgren@example.com");
    let up = change(&sofia, "role_assignment_sam6NM9o9k6gGK7n6yqL");
    assert_eq!(up.direction, "up");
    assert_eq!(up.permissions_added, ["core_role_edit"]);
    let hana = user_id(&old, "hana.kobayashi@example.com");
    let same = change(&hana, "role_assignment_OwGL807yhfCpqJujnhKg");
    assert_eq!(same.direction, "same");
    assert_eq!(
        (
            same.old.target_scopes.as_str(),
            same.new.target_scopes.as_str()
        ),
        ("org:eng/**", "org:eng")
    );
    // Level changes come first, up before down.
    assert_eq!(ea.changed[0].direction, "up");
}

#[test]
fn findings_are_new_resolved_or_persisting_by_id() {
    let s = load(&demo());
    let (o, n) = (loaded(&s, "a.json"), loaded(&s, "b.json"));
    let g = AccessGraph::build(&o.snapshot);
    let f = |id: &str, sev: Severity| Finding {
        id: id.into(),
        rule: "inactive-user".into(),
        severity: sev,
        principal: None,
        scope: None,
        message: format!("finding {id}"),
        evidence: Default::default(),
        controls: Vec::new(),
        exempted: None,
    };
    let old = [f("kept", Severity::Medium), f("fixed", Severity::High)];
    let new = [f("kept", Severity::Medium), f("fresh", Severity::Low)];
    let rules = ["inactive-user".to_string()];
    let policy = PolicySource {
        kind: "defaults",
        file_name: None,
        sha256: None,
        included: Vec::new(),
    };
    let side = |l, file| DiffSide {
        loaded: l,
        file,
        graph: &g,
    };
    let r = diff::compare(
        &side(&o, "a.json"),
        &side(&n, "b.json"),
        Some(&FindingsRun {
            old: &old,
            new: &new,
            rules_evaluated: &rules,
            policy: &policy,
        }),
        None,
    );
    let ids = |v: &[Finding]| v.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&r.findings.new), ["fresh"]);
    assert_eq!(ids(&r.findings.resolved), ["fixed"]);
    assert_eq!(ids(&r.findings.persisting), ["kept"]);
    assert!(r.findings.evaluated);
    assert!(!r.summary.empty, "new and resolved findings are changes");
}

// --- The quarter sample -----------------------------------------------------

#[test]
fn quarter_samples_are_canonical_and_current() {
    let q3 = std::fs::read(quarter("q3.json")).unwrap();
    assert!(
        q3 == std::fs::read(demo()).unwrap(),
        "samples/quarter/q3.json differs from the demo; run python3 samples/quarter/make_q4.py"
    );
    let bytes = std::fs::read(quarter("q4.json")).unwrap();
    let q4 = snapshot::load(&quarter("q4.json")).expect("q4 loads");
    assert!(
        snapshot::to_bytes(&q4.snapshot) == bytes,
        "samples/quarter/q4.json is not canonical; fix samples/quarter/make_q4.py"
    );
    assert_eq!(q4.snapshot.account.id, load(&demo()).account.id);
}

#[test]
fn quarter_sample_shows_each_change_of_the_issue() {
    let dir = tempdir();
    let out = dir.path().join("diff");
    let o = diff_into(&quarter("q3.json"), &quarter("q4.json"), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = diff_json(&out);
    let q3 = load(&quarter("q3.json"));
    let keira = user_id(&q3, "keira.doyle@example.com");
    let farah = user_id(&q3, "farah.nasser@example.com");
    let victor = user_id(&q3, "victor.haldane@example.com");

    // The new admin through membership only: admin gained through the
    // group, while no role assignment names her or was added.
    let gained = arr(&v, "/effective_access/gained");
    let k: Vec<&Value> = gained
        .iter()
        .filter(|e| e["principal_id"] == keira.as_str())
        .collect();
    assert_eq!(k.len(), 1, "{gained:#?}");
    assert_eq!(k[0]["privilege_level"], "admin");
    assert_eq!(k[0]["admin_of"], "account");
    assert_eq!(k[0]["via"], "group:account/platform_admins");
    assert_eq!(v["summary"]["admin_gained"], 1);
    assert!(arr(&v, "/role_assignments/added").is_empty());
    let added = arr(&v, "/group_memberships/added");
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["user_id"], keira.as_str());
    assert_eq!(added[0]["group_id"], "platform_admins");

    // The leaver: removed, out of their group, every grant lost.
    let removed = arr(&v, "/principals/removed");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["id"], farah.as_str());
    let gone = arr(&v, "/group_memberships/removed");
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["group_id"], "security_auditors");
    let lost = arr(&v, "/effective_access/lost");
    assert!(lost.iter().any(|e| e["principal_id"] == farah.as_str()));

    // The widened resource group, and the grant running through it.
    let rg = arr(&v, "/resource_groups/changed");
    assert_eq!(rg.len(), 1);
    assert_eq!(rg[0]["id"], "payments_only");
    assert_eq!(rg[0]["included_scopes_old"], "project:eng/payments");
    assert_eq!(
        rg[0]["included_scopes_new"],
        "project:eng/checkout; project:eng/payments"
    );
    let changed = arr(&v, "/effective_access/changed");
    assert!(changed
        .iter()
        .any(|c| c["resource_group_id"] == "payments_only"
            && c["new"]["target_scopes"] == "project:eng/checkout; project:eng/payments"));

    // The role that gained a permission, on every member's grant.
    let roles = arr(&v, "/roles/changed");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["id"], "release_manager");
    assert_eq!(
        roles[0]["permissions_added"],
        serde_json::json!(["core_pipeline_delete"])
    );
    let via_role: Vec<&Value> = changed
        .iter()
        .filter(|c| c["role_id"] == "release_manager")
        .collect();
    assert_eq!(via_role.len(), 4, "the four release managers");
    assert!(via_role
        .iter()
        .all(|c| c["permissions_added"] == serde_json::json!(["core_pipeline_delete"])));

    // The revocation carried out: Victor's direct admin assignment is gone.
    let ra = arr(&v, "/role_assignments/removed");
    assert_eq!(ra.len(), 1);
    assert_eq!(ra[0]["id"], "role_assignment_qggRnZ7WlONL6gyObfuT");
    assert!(lost
        .iter()
        .any(|e| e["principal_id"] == victor.as_str() && e["privilege_level"] == "admin"));

    // Findings follow: the new admin's are new, the removed admin's resolved.
    assert_eq!(v["findings"]["evaluated"], true);
    let about = |list: &str, rule: &str, pid: &str| {
        arr(&v, list)
            .iter()
            .any(|f| f["rule"] == rule && f["principal"]["id"] == pid)
    };
    assert!(about("/findings/new", "admin-access", &keira));
    assert!(about("/findings/resolved", "admin-access", &victor));
    assert!(about("/findings/resolved", "admin-without-2fa", &victor));
}

#[test]
fn fail_on_gates_on_new_findings_only() {
    let dir = tempdir();
    // Every finding persists between equal snapshots: nothing new, exit 0.
    let o = diff_into(
        &demo(),
        &demo(),
        &dir.path().join("a"),
        &["--fail-on", "info"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    // The widened resource group gives Priya Raman a new escalation path, a
    // new high finding.
    let (q3, q4) = (quarter("q3.json"), quarter("q4.json"));
    let o = diff_into(&q3, &q4, &dir.path().join("b"), &["--fail-on", "high"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr_of(&o));
    assert!(
        stderr_of(&o).contains("--fail-on high"),
        "{}",
        stderr_of(&o)
    );
    assert!(
        dir.path().join("b/diff.json").exists(),
        "written before exit 1"
    );
    let o = diff_into(&q3, &q4, &dir.path().join("c"), &["--fail-on", "critical"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let o = diff_into(&q3, &q4, &dir.path().join("d"), &["--fail-on", "severe"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr_of(&o).contains("not a severity"),
        "{}",
        stderr_of(&o)
    );
    assert!(!dir.path().join("d").exists());
}

// --- Refusals, determinism, the manifest ------------------------------------

#[test]
fn different_accounts_are_refused_unless_forced() {
    let dir = tempdir();
    let mut other = load(&demo());
    other.account.id = "OtherAccount000000001".into();
    other.provenance.account_id = other.account.id.clone();
    let other_path = dir.path().join("other.json");
    snapshot::save(&other_path, &other).unwrap();
    let out = dir.path().join("diff");
    let o = diff_into(&demo(), &other_path, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr_of(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("refusing to compare different accounts"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(!out.exists(), "nothing written");

    let o = diff_into(&demo(), &other_path, &out, &["--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = diff_json(&out);
    assert_eq!(v["accounts_differ"], true);
    assert_eq!(v["account_id"], "OtherAccount000000001");
    assert!(read(&out.join("diff.html")).contains("different accounts"));

    // An existing non-empty directory needs --force too.
    let o = diff_into(&demo(), &demo(), &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_of(&o).contains("not empty"), "{}", stderr_of(&o));
}

#[test]
fn output_is_deterministic_and_covered_by_the_manifest() {
    let dir = tempdir();
    let args = ["--decisions", quarter("q3-decisions.csv").to_str().unwrap()].map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let o = diff_into(&quarter("q3.json"), &quarter("q4.json"), out, &args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    }
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(
        ta.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        tb.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in ta.iter().zip(&tb) {
        assert!(x == y, "{name} differs between two runs");
    }

    // SHA256SUMS covers every file but itself; the manifest every file but
    // itself and SHA256SUMS, and names the inputs.
    let sums = read(&a.join("SHA256SUMS"));
    let listed: Vec<(String, String)> = sums
        .lines()
        .map(|l| {
            let (sha, path) = l.split_once("  ").unwrap();
            (path.to_string(), sha.to_string())
        })
        .collect();
    let files: Vec<&String> = ta
        .iter()
        .map(|(n, _)| n)
        .filter(|n| *n != "SHA256SUMS")
        .collect();
    assert_eq!(listed.iter().map(|(p, _)| p).collect::<Vec<_>>(), files);
    for (path, sha) in &listed {
        let bytes = std::fs::read(a.join(path)).unwrap();
        assert_eq!(&snapshot::sha256_hex(&bytes), sha, "{path}");
    }
    let m: Value = serde_json::from_str(&read(&a.join("manifest.json"))).unwrap();
    assert_eq!(m["schema"], "reviewpack.manifest/v1");
    assert_eq!(m["kind"], "diff");
    let mfiles: Vec<&str> = arr(&m, "/files")
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        mfiles,
        files
            .iter()
            .map(|s| s.as_str())
            .filter(|n| *n != "manifest.json")
            .collect::<Vec<_>>()
    );
    let roles: Vec<(&str, &str)> = arr(&m, "/inputs")
        .iter()
        .map(|i| (i["role"].as_str().unwrap(), i["file"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("old", "q3.json"),
            ("new", "q4.json"),
            ("decisions", "q3-decisions.csv")
        ]
    );
    let q4sha = snapshot::sha256_hex(&std::fs::read(quarter("q4.json")).unwrap());
    assert_eq!(m["inputs"][1]["sha256"], q4sha.as_str());

    // The workbook reads back: a Summary, then one sheet per table with its
    // header row, and the document's creation time is NEW's capture time.
    let mut wb = calamine::open_workbook_auto(a.join("diff.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Summary",
            "Access Gained",
            "Access Lost",
            "Access Changed",
            "Principals",
            "Group Memberships",
            "Role Assignments",
            "Roles",
            "Resource Groups",
            "Findings",
            "Revocations"
        ]
    );
    let gained = wb.worksheet_range("Access Gained").unwrap();
    let header: Vec<String> = gained
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        &header[..3],
        ["principal_kind", "principal_id", "principal_name"]
    );
    assert_eq!(gained.height(), 2, "one grant gained");
    let rev = wb.worksheet_range("Revocations").unwrap();
    assert_eq!(rev.height(), 3, "header, one not done, one verified");
    let zip = crate::util::zip_entry(&a.join("diff.xlsx"), "docProps/core.xml");
    assert!(zip.contains("2027-01-01T09:00:00Z"), "{zip}");
}

#[test]
fn hostile_names_stay_text_in_every_format() {
    let dir = tempdir();
    let q3 = load(&quarter("q3.json"));
    let mut q4 = load(&quarter("q4.json"));
    let template = q4.users[0].clone();
    for (id, name, email) in [
        (
            "Hostile00000000000000001",
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+evil@example.com",
        ),
        (
            "Hostile00000000000000002",
            "<img src=x onerror=alert(1)>",
            "evil2@example.com",
        ),
    ] {
        let mut u = template.clone();
        u.id = id.into();
        u.name = name.into();
        u.email = email.into();
        u.scopes = vec![snapshot::Scope::Account];
        q4.users.push(u);
        group(&mut q4, "account", "platform_admins")
            .members
            .push(id.into());
    }
    let (p3, p4) = (dir.path().join("q3.json"), dir.path().join("q4.json"));
    snapshot::save(&p3, &q3).unwrap();
    snapshot::save(&p4, &q4).unwrap();
    let out = dir.path().join("diff");
    let o = diff_into(&p3, &p4, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));

    let html = read(&out.join("diff.html"));
    assert!(html.contains("http-equiv=\"Content-Security-Policy\""));
    assert!(html.contains("default-src 'none'"));
    assert!(
        !html.contains("<img"),
        "markup from a name must not reach the page"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // One script, the pages' own search (allowed by its hash), and no
    // other: nothing from a name became a script.
    assert_eq!(
        html.to_ascii_lowercase().matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(html.contains(&format!(
        "<script>{}</script>",
        reviewpack::output::page::SCRIPT
    )));
    for external in ["<iframe", "<link", "href=\"http", "@import", "url("] {
        assert!(!html.contains(external), "{external} in diff.html");
    }

    let csv = read(&out.join("csv/access_gained.csv"));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
        "{csv}"
    );
    assert!(csv.contains(",'+evil@example.com,"), "{csv}");

    let mut wb = calamine::open_workbook_auto(out.join("diff.xlsx")).unwrap();
    let range = wb.worksheet_range("Access Gained").unwrap();
    let cells: Vec<String> = range.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(
        cells.iter().any(|c| c.starts_with("'=HYPERLINK(")),
        "{cells:?}"
    );
    assert!(!cells.iter().any(|c| c.starts_with("=HYPERLINK(")));
    let formulas = wb.worksheet_formula("Access Gained").unwrap();
    assert!(
        formulas.cells().all(|(_, _, f)| f.is_empty()),
        "no formulas"
    );
}

// --- Decisions from the previous review -------------------------------------

const DECISION_COLUMNS: [&str; 5] = [
    "Decision",
    "Reviewer",
    "Review date",
    "Justification",
    "Ticket",
];

/// Writes Q3's pack (CSV and XLSX) into `dir/q3-pack`.
fn q3_pack(dir: &Path, formats: &str) -> PathBuf {
    let pack = dir.join("q3-pack");
    let o = reviewpack()
        .arg("report")
        .arg(quarter("q3.json"))
        .args(["--format", formats, "-o"])
        .arg(&pack)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    pack
}

/// The decision a reviewer gives an effective-access row of Q3, by principal
/// email and assignment id.
fn decide(email: &str, assignment: &str) -> Option<&'static str> {
    match (email, assignment) {
        // Victor's standing admin: revoked, and deleted in Q4.
        ("victor.haldane@example.com", "role_assignment_qggRnZ7WlONL6gyObfuT") => Some("Revoke"),
        // Gavin's project admin: revoked, still bound in Q4.
        ("gavin.roche@example.com", "role_assignment_SjrVgNt50iXESQx8j3Au") => Some("revoke"),
        ("amara.okonkwo@example.com", _) => Some("Keep"),
        ("grace.ito@example.com", "role_assignment_nJJJ1hWeOFGVc303vYTv") => Some("Modify"),
        _ => None,
    }
}

/// Checks the decisions part of a diff made with the decisions above.
fn assert_decisions(out: &Path) -> Value {
    let v = diff_json(out);
    let q3 = load(&quarter("q3.json"));
    let victor = user_id(&q3, "victor.haldane@example.com");
    let gavin = user_id(&q3, "gavin.roche@example.com");
    let d = &v["decisions"];
    let verified = arr(d, "/verified");
    assert!(
        verified.iter().any(|x| x["principal_id"] == victor.as_str()
            && x["assignment_id"] == "role_assignment_qggRnZ7WlONL6gyObfuT"
            && x["detail"] == "the role assignment was removed"
            && x["in_old"] == true),
        "{verified:#?}"
    );
    let not_done = arr(d, "/not_done");
    assert_eq!(not_done.len(), 1, "{not_done:#?}");
    let nd = &not_done[0];
    assert_eq!(nd["principal_id"], gavin.as_str());
    assert_eq!(nd["assignment_id"], "role_assignment_SjrVgNt50iXESQx8j3Au");
    assert_eq!(nd["in_old"], true);
    let fid = nd["finding_id"].as_str().unwrap();
    let finding = arr(&v, "/findings/new")
        .iter()
        .find(|f| f["id"] == fid)
        .expect("the revocation-not-done finding is among the new findings");
    assert_eq!(finding["rule"], "revocation-not-done");
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["principal"]["id"], gavin.as_str());
    assert_eq!(finding["scope"], "project:eng/checkout");
    assert_eq!(
        finding["evidence"]["assignment_id"],
        "role_assignment_SjrVgNt50iXESQx8j3Au"
    );
    assert!(d["keep"].as_u64().unwrap() >= 1);
    assert_eq!(d["modify"], 1);
    assert_eq!(v["summary"]["revocations_not_done"], 1);
    let csv = read(&out.join("csv/revocations.csv"));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("not_done,") && l.contains(fid)),
        "{csv}"
    );
    v
}

#[test]
fn decisions_round_trip_through_the_csv_export() {
    let dir = tempdir();
    let pack = q3_pack(dir.path(), "csv");
    // Fill the decisions into Q3's effective_access.csv, as a reviewer
    // exporting the sheet would: the same columns plus the reviewer ones.
    let mut r = csv::Reader::from_path(pack.join("csv/effective_access.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let email = headers.iter().position(|h| h == "principal_email").unwrap();
    let aid = headers.iter().position(|h| h == "assignment_id").unwrap();
    let path = dir.path().join("decisions.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(headers.iter().chain([
        "decision",
        "reviewer",
        "review_date",
        "justification",
        "ticket",
    ]))
    .unwrap();
    let mut decided = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        let d = decide(&rec[email], &rec[aid]);
        decided += usize::from(d.is_some());
        w.write_record(rec.iter().chain([
            d.unwrap_or(""),
            if d.is_some() { "=Ines Calder" } else { "" },
            if d.is_some() { "2026-10-06" } else { "" },
            "",
            if d.is_some() { "SEC-7" } else { "" },
        ]))
        .unwrap();
    }
    w.flush().unwrap();
    assert!(decided >= 4);

    let out = dir.path().join("diff");
    let o = diff_into(
        &quarter("q3.json"),
        &quarter("q4.json"),
        &out,
        &["--decisions", path.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = assert_decisions(&out);
    assert_eq!(v["decisions"]["file"], "decisions.csv");
    assert_eq!(v["decisions"]["not_done"][0]["sheet"], "decisions.csv");
    assert_eq!(v["decisions"]["not_done"][0]["reviewer"], "=Ines Calder");

    // The revocation not done fails a CI run at high.
    let o = diff_into(
        &quarter("q3.json"),
        &quarter("q4.json"),
        &dir.path().join("gate"),
        &["--decisions", path.to_str().unwrap(), "--fail-on", "high"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr_of(&o));
}

#[test]
fn the_bundled_decisions_sample_reports_one_done_and_one_not_done() {
    let dir = tempdir();
    let out = dir.path().join("diff");
    let o = diff_into(
        &quarter("q3.json"),
        &quarter("q4.json"),
        &out,
        &["--decisions", quarter("q3-decisions.csv").to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = diff_json(&out);
    assert_eq!(arr(&v, "/decisions/verified").len(), 1);
    assert_eq!(arr(&v, "/decisions/not_done").len(), 1);
    assert_eq!(v["decisions"]["verified"][0]["ticket"], "SEC-2041");
    assert_eq!(v["decisions"]["not_done"][0]["ticket"], "SEC-2042");
    assert!(
        stderr_of(&o).contains("1 verified, 1 not done"),
        "{}",
        stderr_of(&o)
    );
    let html = read(&out.join("diff.html"));
    assert!(html.contains("Revoke and Modify decisions of the previous review"));
}

/// Writes one sheet of `rows` (the first is the header) the way a reviewer's
/// spreadsheet would hold it, with every text cell neutralised as the pack
/// writes it and review dates as real dates.
fn write_sheet(ws: &mut rust_xlsxwriter::Worksheet, name: &str, rows: &[Vec<String>]) {
    ws.set_name(name).unwrap();
    let date_col = rows[0].iter().position(|h| h == "Review date");
    let date_fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            if r > 0 && Some(c) == date_col {
                let d = rust_xlsxwriter::ExcelDateTime::parse_from_str(v).unwrap();
                ws.write_datetime_with_format(r as u32, c as u16, &d, &date_fmt)
                    .unwrap();
            } else {
                let text = reviewpack::output::sanitize::cell(v);
                ws.write_string(r as u32, c as u16, text.as_ref()).unwrap();
            }
        }
    }
}

#[test]
fn decisions_round_trip_through_a_filled_in_workbook() {
    let dir = tempdir();
    let pack = q3_pack(dir.path(), "csv");
    let q3 = load(&quarter("q3.json"));
    let farah = user_id(&q3, "farah.nasser@example.com");
    let keira = user_id(&q3, "keira.doyle@example.com");

    // Effective Access: a banner, then the CSV's columns and the reviewer
    // columns, as review.xlsx lays them out.
    let mut r = csv::Reader::from_path(pack.join("csv/effective_access.csv")).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let email = headers.iter().position(|h| h == "principal_email").unwrap();
    let aid = headers.iter().position(|h| h == "assignment_id").unwrap();
    let mut rows = vec![
        vec!["Acme Demo: Effective Access".to_string()],
        headers
            .iter()
            .cloned()
            .chain(DECISION_COLUMNS.map(String::from))
            .collect(),
    ];
    for rec in r.records() {
        let rec = rec.unwrap();
        let d = decide(&reviewpack::output::uncell(&rec[email]), &rec[aid]);
        let mut row: Vec<String> = rec
            .iter()
            .map(|c| reviewpack::output::uncell(c).to_string())
            .collect();
        row.extend([
            d.unwrap_or("").to_string(),
            d.map(|_| "-Ines Calder".to_string()).unwrap_or_default(),
            d.map(|_| "2026-10-06".to_string()).unwrap_or_default(),
            String::new(),
            String::new(),
        ]);
        rows.push(row);
    }
    let mut wb = rust_xlsxwriter::Workbook::new();
    write_sheet(wb.add_worksheet(), "Summary", &[vec!["Acme Demo".into()]]);
    write_sheet(wb.add_worksheet(), "Effective Access", &rows);
    // Principals: Revoke all of the leaver's access (done: gone in Q4), Keep
    // Keira (an extra column the reader ignores).
    let principals = vec![
        [
            "kind",
            "id",
            "name",
            "Notes",
            "Decision",
            "Reviewer",
            "Review date",
        ]
        .map(String::from)
        .to_vec(),
        [
            "user",
            farah.as_str(),
            "Farah Nasser",
            "left in November",
            "Revoke",
            "Ines",
            "2026-10-07",
        ]
        .map(String::from)
        .to_vec(),
        [
            "user",
            keira.as_str(),
            "Keira Doyle",
            "",
            "Keep",
            "Ines",
            "2026-10-07",
        ]
        .map(String::from)
        .to_vec(),
    ];
    write_sheet(wb.add_worksheet(), "Principals", &principals);
    // A Revoke on a finding is not access: reported, not checked.
    let findings = vec![
        ["id", "rule", "principal_id", "Decision"]
            .map(String::from)
            .to_vec(),
        ["abc", "admin-access", keira.as_str(), "Revoke"]
            .map(String::from)
            .to_vec(),
    ];
    write_sheet(wb.add_worksheet(), "Findings", &findings);
    let path = dir.path().join("review.xlsx");
    wb.save(&path).unwrap();

    let out = dir.path().join("diff");
    let o = diff_into(
        &quarter("q3.json"),
        &quarter("q4.json"),
        &out,
        &["--decisions", path.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = assert_decisions(&out);
    let d = &v["decisions"];
    let nd = &d["not_done"][0];
    assert_eq!(nd["sheet"], "Effective Access");
    assert_eq!(
        nd["reviewer"], "-Ines Calder",
        "the pack's apostrophe is undone"
    );
    assert_eq!(
        nd["review_date"], "2026-10-06",
        "a date cell reads as a date"
    );
    let leaver = arr(d, "/verified")
        .iter()
        .find(|x| x["principal_id"] == farah.as_str())
        .expect("the leaver's revocation is verified");
    assert_eq!(leaver["target"], "principal");
    assert_eq!(leaver["sheet"], "Principals");
    assert_eq!(
        leaver["detail"],
        "the principal is no longer in the account"
    );
    assert_eq!(d["ignored_sheets"], serde_json::json!(["Findings"]));
    let problems = arr(d, "/problems");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0]["sheet"], "Findings");
    assert_eq!(problems[0]["row"], 2);
}

#[test]
fn decisions_round_trip_through_the_packs_own_review_xlsx() {
    let dir = tempdir();
    let pack = q3_pack(dir.path(), "xlsx");
    // Read the real review.xlsx, fill Decision on its Entitlements sheet
    // (found by header name), and write the workbook back as a reviewer's
    // spreadsheet program would.
    let mut wb = calamine::open_workbook_auto(pack.join("review.xlsx")).unwrap();
    let range = wb.worksheet_range("Entitlements").unwrap();
    let mut rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let hi = rows
        .iter()
        .position(|r| r.iter().any(|c| c == "Decision"))
        .expect("review.xlsx's Entitlements sheet has a Decision column");
    let norm = |s: &str| s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    let col = |name: &str| {
        rows[hi]
            .iter()
            .position(|c| norm(c) == name)
            .unwrap_or_else(|| panic!("no {name} column in {:?}", rows[hi]))
    };
    let (key, email, decision) = (col("row_key"), col("email"), col("decision"));
    let mut decided = 0;
    for row in rows.iter_mut().skip(hi + 1) {
        let aid = row[key].rsplit('/').next().unwrap_or_default().to_string();
        let email = if row[key].starts_with("RA:") || row[key].starts_with("PR:") {
            row[email].clone()
        } else {
            String::new()
        };
        if let Some(d) = decide(&email, &aid) {
            row[decision] = d.to_string();
            decided += 1;
        }
    }
    assert!(decided >= 4, "{decided}");
    let mut out_wb = rust_xlsxwriter::Workbook::new();
    let ws = out_wb.add_worksheet();
    ws.set_name("Entitlements").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    let path = dir.path().join("review-filled.xlsx");
    out_wb.save(&path).unwrap();

    let out = dir.path().join("diff");
    let o = diff_into(
        &quarter("q3.json"),
        &quarter("q4.json"),
        &out,
        &["--decisions", path.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = diff_json(&out);
    let q3 = load(&quarter("q3.json"));
    let gavin = user_id(&q3, "gavin.roche@example.com");
    let d = &v["decisions"];
    let verified = arr(d, "/verified");
    assert!(
        verified.iter().any(
            |x| x["assignment_id"] == "role_assignment_qggRnZ7WlONL6gyObfuT"
                && x["target"] == "role assignment"
                && x["detail"] == "the role assignment was deleted"
                && x["in_old"] == true
        ),
        "{verified:#?}"
    );
    let not_done = arr(d, "/not_done");
    assert_eq!(not_done.len(), 1, "{not_done:#?}");
    let nd = &not_done[0];
    assert_eq!(nd["principal_id"], gavin.as_str());
    let fid = nd["finding_id"].as_str().unwrap();
    let finding = arr(&v, "/findings/new")
        .iter()
        .find(|f| f["id"] == fid)
        .expect("the revocation-not-done finding is among the new findings");
    assert_eq!(finding["rule"], "revocation-not-done");
    assert_eq!(finding["scope"], "project:eng/checkout");
    assert!(d["keep"].as_u64().unwrap() >= 1);
    assert_eq!(d["modify"], 1);

    // The workbook names its snapshot: against another OLD it is refused,
    // or with the flag every decision is unchecked, none verified.
    let o = diff_into(
        &quarter("q4.json"),
        &quarter("q4.json"),
        &dir.path().join("diff2"),
        &["--decisions", path.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr_of(&o).contains("the decisions are about snapshot"),
        "{}",
        stderr_of(&o)
    );
    let o = diff_into(
        &quarter("q4.json"),
        &quarter("q4.json"),
        &dir.path().join("diff3"),
        &[
            "--decisions",
            path.to_str().unwrap(),
            "--decisions-of-another-snapshot",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = diff_json(&dir.path().join("diff3"));
    assert_eq!(v["summary"]["revocations_verified"], 0);
    assert_eq!(v["summary"]["revocations_not_done"], 0);
    assert_eq!(v["summary"]["revocations_unchecked"], 2);
}

/// A Revoke of access OLD never held is not "verified": a million invented
/// rows used to print "1000000 verified".
#[test]
fn a_revoke_of_what_old_never_held_is_unchecked_not_verified() {
    let dir = tempdir();
    let q3 = load(&quarter("q3.json"));
    let sha = reviewpack::snapshot::sha256_hex(&std::fs::read(quarter("q3.json")).unwrap());
    let mut csv =
        String::from("row_key,kind,principal_id,decision,reviewer,ticket,snapshot_sha256\r\n");
    for i in 0..50 {
        csv.push_str(&format!(
            "RA:account/invented_{i},RA,u{i},Revoke,pat@example.com,T-{i},{sha}\r\n"
        ));
    }
    let victor = user_id(&q3, "victor.haldane@example.com");
    csv.push_str(&format!(
        "RA:account/role_assignment_qggRnZ7WlONL6gyObfuT,RA,{victor},Revoke,pat@example.com,T-1,{sha}\r\n"
    ));
    let path = dir.path().join("decisions.csv");
    std::fs::write(&path, csv).unwrap();
    let out = dir.path().join("diff");
    let o = diff_into(
        &quarter("q3.json"),
        &quarter("q4.json"),
        &out,
        &["--decisions", path.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = diff_json(&out);
    assert_eq!(v["summary"]["revocations_verified"], 1, "only Victor's");
    assert_eq!(v["summary"]["revocations_unchecked"], 50);
    let unchecked = arr(&v["decisions"], "/unchecked");
    assert!(unchecked[0]["detail"]
        .as_str()
        .unwrap()
        .contains("the previous snapshot does not hold"));
}

#[test]
fn a_decisions_file_that_is_no_review_sheet_is_a_clear_error() {
    let dir = tempdir();
    let path = dir.path().join("notes.csv");
    std::fs::write(&path, "a,b\r\n1,2\r\n").unwrap();
    let out = dir.path().join("diff");
    let o = diff_into(
        &demo(),
        &demo(),
        &out,
        &["--decisions", path.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr_of(&o);
    assert!(err.contains("notes.csv"), "{err}");
    assert!(err.contains("cannot tell which review sheet"), "{err}");
    assert!(!out.exists());
}

// --- run --previous ---------------------------------------------------------

/// The demo caller's key (see tests/it/pull.rs).
const KEY: &str = crate::util::DEMO_KEY;

fn run_previous(
    fake: &crate::fake_harness::FakeHarness,
    pack: &Path,
    previous: &Path,
) -> std::process::Output {
    run_previous_with(fake, pack, previous, &[])
}

fn run_previous_with(
    fake: &crate::fake_harness::FakeHarness,
    pack: &Path,
    previous: &Path,
    extra: &[&str],
) -> std::process::Output {
    reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .args(["run", "--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args(["--retry-base-ms", "1", "--timeout-secs", "5"])
        .args([
            "--activity-end",
            "2027-01-01T09:00:00Z",
            "--format",
            "csv,json",
            "-o",
        ])
        .arg(pack)
        .arg("--previous")
        .arg(previous)
        .args(extra)
        .output()
        .unwrap()
}

/// The close-out check in one command: `run --previous Q3 --decisions
/// Q3-DECISIONS` pulls the account as it is now and checks every Revoke
/// against it; decisions of another snapshot are refused before the pull.
#[test]
fn run_with_previous_and_decisions_is_the_close_out_check() {
    let fake = crate::fake_harness::FakeHarness::start(load(&quarter("q4.json")), KEY);
    let dir = tempdir();
    // Decisions made on Q3 (the collected demo campaign).
    let pack = crate::campaign::make_pack(dir.path());
    let campaign = dir.path().join("campaign");
    let o = crate::campaign::collect_cmd(
        &pack,
        &crate::util::root().join("samples/demo/returned"),
        &campaign,
    )
    .output()
    .unwrap();
    assert!(o.status.success(), "{}", stderr_of(&o));
    let decisions = campaign.join("decisions.csv");
    let out = dir.path().join("closeout");
    let o = run_previous_with(
        &fake,
        &out,
        &quarter("q3.json"),
        &["--decisions", decisions.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr_of(&o));
    let v = diff_json(&out.join("diff"));
    assert_eq!(v["summary"]["revocations_verified"], 2, "{}", v["summary"]);
    assert_eq!(v["summary"]["revocations_not_done"], 1, "{}", v["summary"]);
    // Each removal timed by the audit trail the pull read over HTTP: the
    // deleted assignment named by its event's YAML, the leaver by the
    // removal of the user.
    let timed: Vec<(String, String, String)> = v["decisions"]["verified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["principal_name"].as_str().unwrap().to_string(),
                r["timing"]["matched_by"]
                    .as_str()
                    .unwrap_or("-")
                    .to_string(),
                r["timing"]["removed_at"]
                    .as_str()
                    .unwrap_or("-")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        timed,
        [
            (
                "Farah Nasser".into(),
                "exactly".into(),
                "2026-11-18T09:30:41Z".into()
            ),
            (
                "Victor Haldane".into(),
                "exactly".into(),
                "2026-10-23T14:12:05Z".into()
            ),
        ]
    );
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path == "/audit/api/auditYaml"));
    // Against another previous snapshot: refused before pulling.
    let requests = fake.requests().len();
    let o = run_previous_with(
        &fake,
        &dir.path().join("closeout2"),
        &quarter("q4.json"),
        &["--decisions", decisions.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr_of(&o).contains("the decisions are about snapshot"),
        "{}",
        stderr_of(&o)
    );
    assert_eq!(fake.requests().len(), requests, "nothing pulled");
}

#[test]
fn run_with_previous_adds_the_diff_to_the_pack() {
    let fake = crate::fake_harness::FakeHarness::start(load(&quarter("q4.json")), KEY);
    let dir = tempdir();
    let pack = dir.path().join("pack");
    let o = run_previous(&fake, &pack, &quarter("q3.json"));
    assert!(o.status.success(), "{}", stderr_of(&o));
    assert!(pack.join("csv/effective_access.csv").exists());
    let v = diff_json(&pack.join("diff"));
    assert_eq!(v["old"]["file"], "q3.json");
    assert_eq!(
        v["new"]["sha256"],
        snapshot::sha256_hex(&std::fs::read(pack.join("snapshot.json")).unwrap()).as_str()
    );
    let keira = user_id(&load(&quarter("q3.json")), "keira.doyle@example.com");
    assert!(arr(&v, "/effective_access/gained")
        .iter()
        .any(|e| e["principal_id"] == keira.as_str() && e["privilege_level"] == "admin"));
    assert!(pack.join("diff/diff.html").exists());
    assert!(pack.join("diff/SHA256SUMS").exists());
    // The pack's own seal covers the diff.
    let sums = std::fs::read_to_string(pack.join("SHA256SUMS")).unwrap();
    assert!(sums.contains("  diff/diff.json\n"), "{sums}");
    let manifest = std::fs::read_to_string(pack.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"diff/diff.xlsx\""), "{manifest}");
}

#[test]
fn run_with_a_previous_snapshot_of_another_account_fails_before_pulling() {
    let fake = crate::fake_harness::FakeHarness::start(load(&quarter("q4.json")), KEY);
    let dir = tempdir();
    let mut other = load(&demo());
    other.account.id = "OtherAccount000000001".into();
    let prev = dir.path().join("other.json");
    snapshot::save(&prev, &other).unwrap();
    let pack = dir.path().join("pack");
    let o = run_previous(&fake, &pack, &prev);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr_of(&o).contains("different accounts"),
        "{}",
        stderr_of(&o)
    );
    assert_eq!(fake.request_count(), 0, "no pull was started");
    assert!(!pack.exists());
}

#[test]
fn diff_without_its_arguments_is_a_usage_error() {
    let out = reviewpack().arg("diff").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("<OLD>") && err.contains("--out <DIR>"),
        "{err}"
    );
}

#[test]
fn roster_findings_are_compared_when_diff_gets_a_roster() {
    let dir = tempdir();
    let roster = crate::util::root().join("samples/roster/hr.csv");
    let with = dir.path().join("with");
    let o = diff_into(
        &quarter("q3.json"),
        &quarter("q4.json"),
        &with,
        &["--format", "json", "--roster", roster.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr_of(&o));
    let v = diff_json(&with);
    let rules = |key: &str| -> Vec<String> {
        arr(&v, &format!("/findings/{key}"))
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let all: Vec<String> = ["new", "resolved", "persisting"]
        .iter()
        .flat_map(|k| rules(k))
        .collect();
    assert!(all.iter().any(|r| r == "roster-terminated"), "{all:?}");
    assert!(all.iter().any(|r| r == "not-in-roster"), "{all:?}");

    let without = dir.path().join("without");
    let o = diff_into(
        &quarter("q3.json"),
        &quarter("q4.json"),
        &without,
        &["--format", "json"],
    );
    assert!(o.status.success(), "{}", stderr_of(&o));
    let v = diff_json(&without);
    let none = ["new", "resolved", "persisting"].iter().all(|k| {
        arr(&v, &format!("/findings/{k}"))
            .iter()
            .all(|f| !f["rule"].as_str().unwrap().contains("roster"))
    });
    assert!(none, "no roster rule runs without --roster");
}

#[test]
fn a_value_longer_than_excel_allows_is_cut_in_diff_xlsx_and_whole_in_csv() {
    // Regression: diff (and run --previous) failed on a cell over Excel's
    // 32,767 characters; the pack cut it with a note.
    let dir = tempdir();
    let old = load(&quarter("q3.json"));
    let mut new = load(&quarter("q4.json"));
    let long = format!("Long {}", "name ".repeat(8_000));
    let u = new
        .users
        .iter_mut()
        .find(|u| u.email.starts_with("keira"))
        .unwrap();
    u.name = long.clone();
    let (o, n) = (dir.path().join("old.json"), dir.path().join("new.json"));
    snapshot::save(&o, &old).unwrap();
    snapshot::save(&n, &new).unwrap();
    let out = diff_into(&o, &n, &dir.path().join("d"), &[]);
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr_of(&out)
    );
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(dir.path().join("d/diff.xlsx")).unwrap();
    let mut longest = 0;
    let mut cut = 0;
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for c in range.used_cells() {
            let text = c.2.to_string();
            longest = longest.max(text.chars().count());
            if text.starts_with("Long name") {
                assert!(text.ends_with("the CSV file has it whole]"), "{name}");
                cut += 1;
            }
        }
    }
    assert!(cut > 0, "the long name is in the workbook, cut");
    assert!(longest <= 32_767, "{longest}");
    let csv = std::fs::read_dir(dir.path().join("d/csv"))
        .unwrap()
        .map(|e| read(&e.unwrap().path()))
        .collect::<String>();
    assert!(csv.contains(long.trim_end()), "the CSV keeps it whole");
}

// --- Modify decisions ----------------------------------------------------------

/// Modify decisions next quarter. From q3, NEW replaces Gavin Roche's
/// project admin on eng/checkout by Pipeline Executor (what was decided),
/// Terraform Automation's account admin by Release Manager (not what was
/// decided: Account Viewer on the account-level resources), and removes
/// Victor Haldane's direct account admin outright (less than decided), and
/// leaves Priya Raman's account admin as it was. A Modify of a whole
/// principal names no single outcome.
#[test]
fn modify_decisions_are_checked_against_what_modify_to_names() {
    let dir = tempdir();
    let mut v: Value = serde_json::from_str(&read(&quarter("q3.json"))).unwrap();
    let ras = v["role_assignments"].as_array_mut().unwrap();
    let replace = |ras: &mut Vec<Value>, id: &str, new_id: &str, role: &str| {
        let a = ras.iter_mut().find(|a| a["id"] == id).unwrap();
        a["id"] = serde_json::json!(new_id);
        a["role"]["id"] = serde_json::json!(role);
    };
    replace(
        ras,
        "role_assignment_SjrVgNt50iXESQx8j3Au",
        "role_assignment_gavin_executor",
        "_pipeline_executor",
    );
    replace(
        ras,
        "role_assignment_W66DC3TPVpcdOlpU0c8N",
        "role_assignment_terraform_release",
        "release_manager",
    );
    let victor = ras
        .iter_mut()
        .find(|a| a["id"] == "role_assignment_qggRnZ7WlONL6gyObfuT")
        .unwrap();
    victor["disabled"] = serde_json::json!(true);
    let new = dir.path().join("new.json");
    std::fs::write(&new, serde_json::to_vec_pretty(&v).unwrap()).unwrap();

    let decisions = dir.path().join("decisions.csv");
    std::fs::write(
        &decisions,
        "row_key,decision,reviewer,review_date,justification,ticket,modify_to\n\
         EA:03anCCxH1VWgJVaL1Tek7c|direct|project:eng/checkout/role_assignment_SjrVgNt50iXESQx8j3Au,Modify,pat@example.com,2026-10-06,runs pipelines only,SEC-1,Pipeline Executor\n\
         EA:sa:account/terraform_automation|direct|account/role_assignment_W66DC3TPVpcdOlpU0c8N,Modify,pat@example.com,2026-10-06,reads only,SEC-2,_account_viewer on _all_account_level_resources\n\
         EA:U-2nEAdY8lMTM6CcvKK4bA|direct|account/role_assignment_qggRnZ7WlONL6gyObfuT,Modify,pat@example.com,2026-10-06,release duty,SEC-3,Release Manager\n\
         EA:awSSq_edNistBSbia4vKMO|direct|account/role_assignment_WxOUhMbJ4ZaWOgiHwTrJ,Modify,pat@example.com,2026-10-06,payments viewer,SEC-4,_account_viewer\n\
         PR:oTUMUBIqaazMaTZcb_1S34,Modify,pat@example.com,2026-10-06,less,SEC-5,_account_viewer\n\
         EA:5XKaVnAw5T8VY05uTo4SVt|group:project:eng/payments/_project_all_users|project:eng/payments/role_assignment_J15dkusWcaeQhKIFXWxs,Modify,pat@example.com,2026-10-06,read only,SEC-6,Project Viewer\n",
    )
    .unwrap();
    let out = dir.path().join("diff");
    let o = diff_into(
        &quarter("q3.json"),
        &new,
        &out,
        &["--decisions", decisions.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = diff_json(&out);
    let by_ticket = |list: &str| -> Vec<(String, String)> {
        arr(&v, &format!("/decisions/{list}"))
            .iter()
            .map(|x| {
                assert_eq!(x["decision"], "Modify");
                (
                    x["ticket"].as_str().unwrap().to_string(),
                    x["detail"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let verified = by_ticket("verified");
    let not_done = by_ticket("not_done");
    let unchecked = by_ticket("unchecked");
    assert_eq!(
        verified.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["SEC-1", "SEC-3"],
        "{verified:?}"
    );
    assert!(verified[0].1.starts_with("now holds _pipeline_executor on _all_project_level_resources at project:eng/checkout via direct"), "{verified:?}");
    assert!(
        verified[1].1.starts_with("the role assignment is disabled"),
        "{verified:?}"
    );
    assert!(
        verified[1]
            .1
            .contains("less than the Release Manager decided"),
        "{verified:?}"
    );
    assert_eq!(
        not_done.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["SEC-2", "SEC-4"],
        "{not_done:?}"
    );
    assert!(not_done[0].1.starts_with("holds something else instead of _account_viewer on _all_account_level_resources: release_manager"), "{not_done:?}");
    assert!(
        not_done[1]
            .1
            .starts_with("still holds the access as it was: _account_admin on payments_only"),
        "{not_done:?}"
    );
    assert_eq!(
        unchecked
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>(),
        ["SEC-5", "SEC-6"],
        "{unchecked:?}"
    );
    assert!(unchecked[0].1.contains("check it by hand"));
    assert!(
        unchecked[1]
            .1
            .starts_with("the access already was Project Viewer in the previous snapshot"),
        "{unchecked:?}"
    );
    // Each not done is a modification-not-done finding among the new ones.
    let ids: Vec<&str> = arr(&v, "/decisions/not_done")
        .iter()
        .map(|x| x["finding_id"].as_str().unwrap())
        .collect();
    for id in &ids {
        let f = arr(&v, "/findings/new")
            .iter()
            .find(|f| f["id"] == *id)
            .unwrap_or_else(|| panic!("finding {id} among the new ones"));
        assert_eq!(f["rule"], "modification-not-done");
        assert_eq!(f["severity"], "medium");
    }
    assert_eq!(v["summary"]["modifications_verified"], 2);
    assert_eq!(v["summary"]["modifications_not_done"], 2);
    assert_eq!(v["summary"]["modifications_unchecked"], 2);
    let csv = read(&out.join("csv/revocations.csv"));
    assert!(
        csv.starts_with("outcome,decision,modify_to,sheet,"),
        "{csv}"
    );
    assert!(csv.contains("not_done,Modify,_account_viewer,"), "{csv}");
    assert!(
        stderr_of(&o).contains("6 Modify: 2 verified, 2 not done"),
        "{}",
        stderr_of(&o)
    );
    let html = read(&out.join("diff.html"));
    assert!(html.contains("Modify decisions that cannot be checked (2)"));
    assert!(html.contains("Modifications not done"));
}

// --- diff --expect-unchanged: the SCIM migration guard ----------------------

/// The demo after a move of `platform_admins` to a SCIM group of the same
/// name (a new identifier, the same members and role), `more` applied.
fn moved_to_scim(more: impl FnOnce(&mut Snapshot)) -> Snapshot {
    let mut s = load(&demo());
    let g = group(&mut s, "account", "platform_admins");
    g.id = "platform_admins_idp".into();
    g.externally_managed = true;
    for a in s.role_assignments.iter_mut() {
        if a.principal.kind == "USER_GROUP" && a.principal.id == "platform_admins" {
            a.principal.id = "platform_admins_idp".into();
        }
    }
    more(&mut s);
    s.normalize();
    s
}

fn guard(after: &Snapshot) -> (std::process::Output, Value, tempfile::TempDir) {
    let dir = tempdir();
    let path = dir.path().join("after.json");
    std::fs::write(&path, snapshot::to_bytes(after)).unwrap();
    let out_dir = dir.path().join("guard");
    let out = diff_into(
        &demo(),
        &path,
        &out_dir,
        &["--expect-unchanged", "--format", "json,html"],
    );
    let doc = if out_dir.join("diff.json").exists() {
        diff_json(&out_dir)
    } else {
        Value::Null
    };
    (out, doc, dir)
}

#[test]
fn expect_unchanged_holds_when_a_scim_group_replaces_a_local_one() {
    let (out, doc, dir) = guard(&moved_to_scim(|_| {}));
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("0 lost"), "{err}");
    assert!(err.contains("1 local groups replaced (1 by name)"), "{err}");
    let g = &doc["guard"];
    assert_eq!(g["unchanged"], true);
    assert_eq!(g["grants_checked"], g["grants_held"]);
    assert_eq!(
        g["groups_replaced"][0],
        serde_json::json!({"before": "group:account/platform_admins", "after": "group:account/platform_admins_idp", "how": "name"})
    );
    let page = read(&dir.path().join("guard/diff.html"));
    assert!(page.contains("Every grant of OLD is still held in NEW"));
}

#[test]
fn expect_unchanged_fails_on_each_grant_lost_and_matches_recreated_users_by_email() {
    // The SCIM group came without its admin role, and one user was created
    // anew by the identity provider (another id, the same email).
    let after = moved_to_scim(|s| {
        s.role_assignments.retain(|a| {
            !(a.principal.kind == "USER_GROUP" && a.principal.id == "platform_admins_idp")
        });
        let old_id = user_id(s, "iris.vogel@example.com");
        let u = s
            .users
            .iter_mut()
            .find(|u| u.id.as_str() == old_id)
            .unwrap();
        u.id = "iris-from-the-idp".into();
        for a in s.role_assignments.iter_mut() {
            if a.principal.kind == "USER" && a.principal.id == old_id {
                a.principal.id = "iris-from-the-idp".into();
            }
        }
        for g in s.user_groups.iter_mut() {
            for m in g.members.iter_mut() {
                if m.as_str() == old_id {
                    *m = "iris-from-the-idp".into();
                }
            }
        }
        for l in s.activity.logins.iter_mut() {
            if l.user.as_str() == old_id {
                l.user = "iris-from-the-idp".into();
            }
        }
    });
    let (out, doc, _dir) = guard(&after);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let lost: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("reviewpack: LOST "))
        .collect();
    let members = load(&demo())
        .user_groups
        .iter()
        .find(|g| g.id.as_str() == "platform_admins")
        .unwrap()
        .members
        .len();
    assert_eq!(lost.len(), members, "{err}");
    assert!(
        lost.iter()
            .all(|l| l.contains("via group:account/platform_admins")),
        "{err}"
    );
    assert!(err.contains("_account_admin"), "{err}");
    let g = &doc["guard"];
    assert_eq!(g["unchanged"], false);
    assert_eq!(g["lost"].as_array().unwrap().len(), members);
    // Iris is the same person: her grants are held, under her new id.
    let matched = g["users_matched"].as_array().unwrap();
    assert_eq!(matched.len(), 1);
    assert_eq!(matched[0]["how"], "email");
    assert_eq!(matched[0]["after"], "iris-from-the-idp");
    assert!(!err.contains("iris.vogel@example.com via"), "{err}");
}
