//! `report --export vanta,hyperproof,entra`: the GRC access files, their
//! exact headers and a row of each kind.

use crate::util::{demo, read, reviewpack, stderr_of, tempdir};

fn rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn each_export_has_its_tools_header_and_a_row_of_each_kind() {
    let dir = tempdir();
    let pack = dir.path().join("pack");
    let out = reviewpack()
        .arg("report")
        .arg(demo())
        .args([
            "--format",
            "json",
            "--export",
            "vanta,hyperproof,entra",
            "-o",
        ])
        .arg(&pack)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let ex = pack.join("exports");

    // Vanta: the file name its help article asks for, the exact header.
    let vanta = read(&ex.join("Access File - Acme Demo - Harness.csv"));
    let v = rows(&vanta);
    assert_eq!(v[0], ["Account name", "Account owner", "Role", "Status"]);
    assert!(vanta.starts_with("Account name,Account owner,Role,Status\r\n"));
    let find = |rows: &[Vec<String>], first: &str| {
        rows.iter()
            .find(|r| r[0] == first)
            .unwrap_or_else(|| panic!("{first} in {rows:?}"))
            .clone()
    };
    // A user with several roles, one cell, comma-separated.
    let amara = find(&v, "amara.okonkwo@example.com");
    assert_eq!(amara[1], "amara.okonkwo@example.com");
    assert_eq!(
        amara[2],
        "Account Viewer (account), Account Admin (account)"
    );
    assert_eq!(amara[3], "Active");
    // A service account is not a person.
    let sa = find(&v, "sa:account/terraform_automation");
    assert_eq!(sa[1], "Not a person");
    assert!(sa[2].contains("Account Admin (account)"), "{sa:?}");
    // A disabled user is deactivated.
    assert_eq!(find(&v, "gavin.roche@example.com")[3], "Deactivated");

    // Hyperproof: one row per role, the owner's name, groups in one cell.
    let hp = rows(&read(&ex.join("hyperproof-user-list.csv")));
    assert_eq!(hp[0], ["Email", "Username", "Owner", "Role", "Groups"]);
    let amara_rows: Vec<&Vec<String>> = hp
        .iter()
        .filter(|r| r[0] == "amara.okonkwo@example.com")
        .collect();
    assert_eq!(amara_rows.len(), 2);
    assert_eq!(amara_rows[0][2], "Amara Okonkwo");
    assert!(
        amara_rows[1][4].contains("Platform Admins (account)"),
        "{amara_rows:?}"
    );
    let sa = hp
        .iter()
        .find(|r| r[1] == "sa:account/terraform_automation")
        .unwrap();
    assert_eq!((sa[0].as_str(), sa[2].as_str()), ("", ""));
    // A hostile display name is neutralised like every other CSV cell.
    let hostile = hp
        .iter()
        .find(|r| r[0] == "hyperlink.test@example.org")
        .unwrap();
    assert!(hostile[2].starts_with("'="), "{hostile:?}");

    // Entra: one row per (principal, role).
    let en = rows(&read(&ex.join("entra-access-review.csv")));
    assert_eq!(
        en[0],
        [
            "principalId",
            "principalType",
            "permissionId",
            "permissionName",
            "permissionDescription",
            "permissionType"
        ]
    );
    assert!(en.contains(&vec![
        "amara.okonkwo@example.com".to_string(),
        "User".into(),
        "account/_account_admin".into(),
        "Account Admin (account)".into(),
        "Harness role _account_admin at account".into(),
        "Role".into(),
    ]));
    assert!(en
        .iter()
        .any(|r| r[0] == "sa:account/terraform_automation" && r[1] == "ServicePrincipal"));

    // Each ties back to the snapshot and is sealed with the pack.
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&pack.join("manifest.json"))).unwrap();
    let sha = manifest["snapshot"]["sha256"].as_str().unwrap();
    assert!(read(&ex.join("SNAPSHOT.txt")).contains(sha));
    let sums = read(&pack.join("SHA256SUMS"));
    for f in [
        "exports/Access File - Acme Demo - Harness.csv",
        "exports/hyperproof-user-list.csv",
        "exports/entra-access-review.csv",
        "exports/SNAPSHOT.txt",
    ] {
        assert!(sums.contains(f), "{f}");
    }
}

#[test]
fn an_unknown_tool_is_refused_and_the_company_can_be_named() {
    let dir = tempdir();
    let out = reviewpack()
        .arg("report")
        .arg(demo())
        .args(["--export", "drata", "-o"])
        .arg(dir.path().join("p"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("\"drata\" is not a tool: expected vanta, hyperproof or entra")
    );
    let out = reviewpack()
        .args(["-q", "report"])
        .arg(demo())
        .args([
            "--format",
            "json",
            "--export",
            "vanta",
            "--export-company",
            "Acme/Corp: EU",
            "-o",
        ])
        .arg(dir.path().join("q"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(dir
        .path()
        .join("q/exports/Access File - Acme_Corp_ EU - Harness.csv")
        .exists());
}
