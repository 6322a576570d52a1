//! `pull --scim` against the fake Harness API: the key sent as Bearer (SCIM
//! reads nothing else), SCIM paging as Harness answers it (1-based
//! `startIndex`, `totalResults` the size of one page, short pages in the
//! middle), the snapshot's `scim` section, a SCIM endpoint that refuses, and
//! `unmanaged-user` reading the SCIM listing as evidence.

use std::path::Path;

use reviewpack::snapshot::{self, Scim, ScimGroup, ScimUser, Snapshot};

use crate::fake_harness::{FakeHarness, Faults};
use crate::util::{demo, read, reviewpack, stderr_of, tempdir};

const KEY: &str = crate::util::DEMO_KEY;
const ACCOUNT: &str = "Xq3demoACCT0000000001";
const END: &str = "2026-10-01T09:00:00Z";

fn demo_snapshot() -> Snapshot {
    snapshot::load(&demo()).unwrap().snapshot
}

fn pull(fake: &FakeHarness, out: &Path, extra: &[&str]) -> std::process::Output {
    reviewpack()
        .env("HARNESS_API_KEY", KEY)
        .arg("pull")
        .args(["--base-url", &fake.base_url(), "--rate-limit", "0"])
        .args(["--retry-base-ms", "1", "--timeout-secs", "5"])
        .args([
            "--activity-end",
            END,
            "--force",
            "-o",
            out.to_str().unwrap(),
        ])
        .args(extra)
        .output()
        .unwrap()
}

/// The demo account with a SCIM listing of every demo user (by email) plus
/// `extra` invented ones, and one SCIM group.
fn demo_with_listing(extra: usize) -> Snapshot {
    let mut s = demo_snapshot();
    let mut users: Vec<ScimUser> = s
        .users
        .iter()
        .map(|u| ScimUser {
            id: u.id.to_string(),
            user_name: u.email.to_uppercase(),
            external_id: Some(format!("okta-{}", u.id)),
            active: !u.disabled,
            emails: vec![u.email.clone()],
            created: None,
        })
        .collect();
    users.extend((0..extra).map(|i| ScimUser {
        id: format!("scim-only-{i:04}"),
        user_name: format!("idp.only.{i:04}@example.com"),
        external_id: None,
        active: i % 7 != 0,
        emails: vec![],
        created: None,
    }));
    s.scim = Some(Scim {
        users,
        groups: vec![ScimGroup {
            id: "eng_leads".into(),
            display_name: "Engineering Leads".into(),
            members: vec![s.users[0].id.to_string()],
        }],
    });
    s.normalize();
    s
}

#[test]
fn scim_lists_are_paged_from_one_and_stored_with_their_accounting() {
    let served = demo_with_listing(230);
    let listed = served.scim.as_ref().unwrap().users.len();
    assert!(listed > 200, "{listed}");
    let fake = FakeHarness::start(served.clone(), KEY);
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &["--scim"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
    assert!(!stderr_of(&out).contains("S3cr3tV4lu3"));

    let got = snapshot::load(&path).unwrap().snapshot;
    assert_eq!(got.version, snapshot::VERSION);
    assert_eq!(got.version, 5);
    // The section round-trips exactly (the served one is canonical).
    assert_eq!(got.scim, served.scim);
    // The rest of the account is what a pull without --scim reads.
    assert_eq!(got.users, served.users);
    assert_eq!(got.user_groups, served.user_groups);

    // SCIM paging: 1-based startIndex, count=100, past the first page even
    // though totalResults says 100 (it counts one page), until an empty page.
    let users_path = format!("/ng/api/scim/account/{ACCOUNT}/Users");
    let pages: Vec<(String, String)> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == users_path)
        .map(|r| (r.param("startIndex").unwrap(), r.param("count").unwrap()))
        .collect();
    let mut want: Vec<(String, String)> = (0..listed.div_ceil(100))
        .map(|p| ((p * 100 + 1).to_string(), "100".to_string()))
        .collect();
    want.push(((listed + 1).to_string(), "100".to_string()));
    assert_eq!(pages, want);
    // No envelope parameters on SCIM requests.
    assert!(fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/ng/api/scim/"))
        .all(|r| r.param("accountIdentifier").is_none() && r.method == "GET"));

    let entry = |resource: &str| {
        got.completeness
            .lists
            .iter()
            .find(|l| l.endpoint == format!("GET /ng/api/scim/account/{ACCOUNT}/{resource}"))
            .unwrap_or_else(|| panic!("no {resource} entry"))
            .clone()
    };
    let users = entry("Users");
    assert_eq!(users.scope, reviewpack::snapshot::Scope::Account);
    // Harness's totalResults is not a total: none is recorded.
    assert_eq!(users.total_items, None);
    assert_eq!(users.stored, listed as u64);
    assert_eq!(users.pages as usize, listed.div_ceil(100) + 1);
    assert!(users.complete);
    let groups = entry("Groups");
    assert_eq!((groups.total_items, groups.stored), (None, 1));
    assert!(got.completeness.complete);
}

#[test]
fn scim_pages_shortened_in_the_middle_lose_no_user() {
    // The SCIM store lists users NextGen does not have; Harness takes them
    // off the page, which comes back short long before the end.
    let served = demo_with_listing(230);
    let listed = served.scim.as_ref().unwrap().users.len();
    let fake = FakeHarness::start(served.clone(), KEY);
    fake.set_faults(Faults {
        scim_users_not_in_ng: (0..30).map(|i| format!("gone.{i}@example.com")).collect(),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &["--scim"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert_eq!(got.scim.as_ref().unwrap().users.len(), listed);
    assert_eq!(got.scim, served.scim);
}

#[test]
fn scim_is_read_with_the_key_as_bearer_never_as_x_api_key() {
    let fake = FakeHarness::start(demo_with_listing(0), KEY);
    let dir = tempdir();
    let out = pull(&fake, &dir.path().join("s.json"), &["--scim"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    // The fake refuses x-api-key on SCIM ("Bearer prefix not found"), so the
    // pull succeeding shows the key went as Bearer; the other lists still
    // use x-api-key (the fake refuses them otherwise).
    let scim: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/ng/api/scim/"))
        .collect();
    assert!(!scim.is_empty());
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
}

#[test]
fn without_a_scim_section_the_fake_derives_scim_from_externally_managed_objects() {
    let served = demo_snapshot();
    assert!(served.scim.is_none());
    let fake = FakeHarness::start(served.clone(), KEY);
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &["--scim"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    let scim = got.scim.expect("a scim section with --scim");
    let managed: Vec<_> = served
        .users
        .iter()
        .filter(|u| u.externally_managed)
        .collect();
    assert_eq!(scim.users.len(), managed.len());
    for u in managed {
        let s = scim.users.iter().find(|s| s.id == u.id.as_str()).unwrap();
        assert_eq!(s.user_name, u.email);
        assert_eq!(s.active, !u.disabled);
    }
    let groups: Vec<&str> = scim.groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(groups, vec!["eng_leads"]);

    // Without --scim nothing is asked of SCIM and there is no section.
    fake.clear_requests();
    let out = pull(&fake, &path, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!fake
        .requests()
        .iter()
        .any(|r| r.path.starts_with("/ng/api/scim/")));
    assert!(snapshot::load(&path).unwrap().snapshot.scim.is_none());
    assert!(!read(&path).contains("\"scim\""));
}

#[test]
fn a_scim_404_names_every_cause_it_can_have_and_the_endpoint() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        not_found_path: Some("/ng/api/scim/".into()),
        ..Faults::default()
    });
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &["--scim"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    // Harness answers 404 for SCIM being off and for its own failures
    // alike: the message does not claim to know which.
    assert!(err.contains("SCIM may be off for this account"), "{err}");
    assert!(err.contains("the SCIM service failed"), "{err}");
    assert!(
        err.contains(&format!("GET /ng/api/scim/account/{ACCOUNT}/")),
        "{err}"
    );
    assert!(err.contains("HTTP 404"), "{err}");
    assert!(!path.exists());

    // With --allow-partial the lists are recorded as incomplete.
    let out = pull(&fake, &path, &["--scim", "--allow-partial"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&path).unwrap().snapshot;
    assert!(!got.completeness.complete);
    let bad: Vec<_> = got
        .completeness
        .lists
        .iter()
        .filter(|l| !l.complete)
        .collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad.iter().all(|l| l.endpoint.contains("/ng/api/scim/")
        && l.note.as_deref().unwrap_or("").contains("SCIM may be off")));
    assert_eq!(got.scim.map(|s| s.users.len()), Some(0));
}

#[test]
fn a_scim_403_says_the_credential_lacks_permission() {
    let fake = FakeHarness::start(demo_snapshot(), KEY);
    fake.set_faults(Faults {
        missing_permission: Some("core_usergroup_view".into()),
        ..Faults::default()
    });
    let dir = tempdir();
    let out = pull(
        &fake,
        &dir.path().join("s.json"),
        &["--scim", "--allow-partial"],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = snapshot::load(&dir.path().join("s.json")).unwrap().snapshot;
    let groups = got
        .completeness
        .lists
        .iter()
        .find(|l| l.endpoint == format!("GET /ng/api/scim/account/{ACCOUNT}/Groups"))
        .unwrap();
    assert!(!groups.complete);
    let note = groups.note.as_deref().unwrap();
    assert!(
        note.contains("core_usergroup_view") && note.contains("HTTP 403"),
        "{note}"
    );
}

#[test]
fn the_scim_section_round_trips_and_version_1_files_still_load() {
    let s = demo_with_listing(3);
    let bytes = snapshot::to_bytes(&s);
    let back = snapshot::from_slice(Path::new("s.json"), &bytes).unwrap();
    assert_eq!(back, s);
    assert_eq!(snapshot::to_bytes(&back), bytes);
    // Canonical order: users and groups by id, emails and members sorted.
    let mut shuffled = s.clone();
    let scim = shuffled.scim.as_mut().unwrap();
    scim.users.reverse();
    scim.users[0].emails = vec!["z@example.com".into(), "a@example.com".into()];
    let bytes2 = snapshot::to_bytes(&shuffled);
    let back2 = snapshot::from_slice(Path::new("s.json"), &bytes2).unwrap();
    let ids: Vec<&str> = back2
        .scim
        .as_ref()
        .unwrap()
        .users
        .iter()
        .map(|u| u.id.as_str())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("\"version\": 5"));
    assert!(text.contains("\"user_name\""));
    // An absent external_id is omitted, not null.
    assert!(!text.contains("\"external_id\": null"));

    // A version-1 file (no scim section) still loads.
    let v1 = read(&demo()).replace("\"version\": 5,", "\"version\": 1,");
    let old = snapshot::from_slice(Path::new("v1.json"), v1.as_bytes()).unwrap();
    assert_eq!(old.version, 1);
    assert!(old.scim.is_none());
    // A version-6 file is refused with the upgrade message.
    let v6 = read(&demo()).replace("\"version\": 5,", "\"version\": 6,");
    let e = snapshot::from_slice(Path::new("v6.json"), v6.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("snapshot version 6 is newer"), "{e}");
    // Unknown fields in the section are refused like anywhere else.
    let bad = text.replacen("\"user_name\"", "\"login\": 1, \"user_name\"", 1);
    let e = snapshot::from_slice(Path::new("bad.json"), bad.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("scim.users[0]"), "{e}");
}

#[test]
fn unmanaged_user_reads_the_pulled_scim_listing() {
    // The demo's users, all listed by SCIM and all externally managed,
    // except Victor Haldane (absent from SCIM) and Keira Doyle (listed but
    // not externally managed in Harness).
    let mut served = demo_with_listing(0);
    let email_of = |s: &Snapshot, name: &str| {
        s.users
            .iter()
            .find(|u| u.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .email
            .clone()
    };
    let victor = email_of(&served, "Victor Haldane");
    let keira = email_of(&served, "Keira Doyle");
    for u in &mut served.users {
        u.externally_managed = u.email != keira;
    }
    served
        .scim
        .as_mut()
        .unwrap()
        .users
        .retain(|u| !u.emails.contains(&victor));
    let fake = FakeHarness::start(served, KEY);
    let dir = tempdir();
    let path = dir.path().join("snap.json");
    let out = pull(&fake, &path, &["--scim"]);
    assert!(out.status.success(), "{}", stderr_of(&out));

    let pack = dir.path().join("pack");
    let out = reviewpack()
        .arg("report")
        .arg(&path)
        .arg("-o")
        .arg(&pack)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: serde_json::Value = serde_json::from_str(&read(&pack.join("findings.json"))).unwrap();
    let hits: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unmanaged-user")
        .collect();
    let mut who: Vec<&str> = hits
        .iter()
        .map(|f| f["principal"]["email"].as_str().unwrap())
        .collect();
    who.sort();
    let mut want = vec![keira.as_str(), victor.as_str()];
    want.sort();
    assert_eq!(who, want);
    for f in &hits {
        assert_eq!(f["evidence"]["scim_evidence"], "scim listing");
    }
    let victor_hit = hits
        .iter()
        .find(|f| f["principal"]["email"] == victor.as_str())
        .unwrap();
    assert_eq!(victor_hit["evidence"]["in_scim_listing"], false);
}
