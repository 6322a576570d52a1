//! `--export vanta,hyperproof,entra`: the snapshot's accounts and roles as
//! the access files GRC tools and Microsoft Entra take for a system they
//! cannot read themselves, into `DIR/exports/`, before the pack is sealed
//! (the manifest and SHA256SUMS name each file with its hash). Every cell
//! goes through the same formula neutralisation as the pack's CSV files;
//! `exports/SNAPSHOT.txt` names the snapshot (SHA-256, account, capture)
//! the files are made from, since a vendor's file name leaves no room for
//! it.
//!
//! Rows come from effective access: a principal's roles are the distinct
//! (role, scope) pairs of its active grants, direct or through a group,
//! strongest first as the graph orders them.

use std::collections::BTreeSet;
use std::path::Path;

use crate::graph::{AccessGraph, Principal};
use crate::output::csv::CsvFile;

/// A tool's access file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Export {
    /// Vanta's Access File (help article "Access File Uploader").
    Vanta,
    /// Hyperproof's application user list (access reviews, "Importing a
    /// list of application users from a CSV file").
    Hyperproof,
    /// Microsoft Entra's access-review upload for a disconnected
    /// application.
    Entra,
}

impl Export {
    /// Parses `vanta`, `hyperproof` or `entra`.
    pub fn parse(s: &str) -> Option<Export> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vanta" => Some(Export::Vanta),
            "hyperproof" => Some(Export::Hyperproof),
            "entra" => Some(Export::Entra),
            _ => None,
        }
    }
}

/// Vanta's columns, spelt as its template spells them (it refuses extra
/// spaces).
pub const VANTA_HEADER: &[&str] = &["Account name", "Account owner", "Role", "Status"];
/// Hyperproof's application user list columns.
pub const HYPERPROOF_HEADER: &[&str] = &["Email", "Username", "Owner", "Role", "Groups"];
/// Entra's upload columns for a disconnected application.
pub const ENTRA_HEADER: &[&str] = &[
    "principalId",
    "principalType",
    "permissionId",
    "permissionName",
    "permissionDescription",
    "permissionType",
];

/// The system name the files give Harness.
const SYSTEM: &str = "Harness";

/// One principal as the exports show it.
struct Account {
    /// Email for a user, `sa:SCOPE/ID` for a service account.
    name: String,
    email: Option<String>,
    display: String,
    person: bool,
    active: bool,
    /// (role id, role name, scope), distinct, in grant order.
    roles: Vec<(String, String, String)>,
    groups: Vec<String>,
}

fn accounts(g: &AccessGraph<'_>) -> Vec<Account> {
    let s = g.snapshot();
    g.principals()
        .map(|p| {
            let id = g.identity(p);
            let mut seen = BTreeSet::new();
            let mut roles = Vec::new();
            for gr in g.grants_of(p) {
                let a = &s.role_assignments[gr.assignment];
                let name = g.assignments[gr.assignment]
                    .role
                    .map_or_else(|| a.role.id.to_string(), |ri| s.roles[ri].name.clone());
                let key = (a.role.id.to_string(), a.scope.to_string());
                if seen.insert(key.clone()) {
                    roles.push((key.0, name, key.1));
                }
            }
            match p {
                Principal::User(u) => {
                    let user = &s.users[u];
                    Account {
                        name: user.email.clone(),
                        email: Some(user.email.clone()),
                        display: user.name.clone(),
                        person: true,
                        active: !user.disabled && !user.locked,
                        roles,
                        groups: g
                            .groups_of_user(u)
                            .iter()
                            .map(|&gi| {
                                let grp = &s.user_groups[gi];
                                format!("{} ({})", grp.name, grp.scope)
                            })
                            .collect(),
                    }
                }
                Principal::ServiceAccount(_) => Account {
                    name: id.id.clone(),
                    email: None,
                    display: id.name.to_string(),
                    person: false,
                    active: true,
                    roles,
                    groups: Vec::new(),
                },
            }
        })
        .collect()
}

/// A role as one cell of a list: commas are the lists' separator, so a
/// comma in a name becomes a space.
fn role_label(name: &str, scope: &str) -> String {
    format!("{} ({scope})", name.replace(',', " "))
}

/// A name fit for a file name: path separators and control characters
/// replaced, trimmed, at most 80 characters.
fn file_part(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect();
    let t = cleaned.trim().trim_matches('.').to_string();
    if t.is_empty() {
        "Company".into()
    } else {
        t
    }
}

/// Writes the asked exports into `dir/exports/`; returns the files written,
/// relative to `dir`.
pub fn write(
    g: &AccessGraph<'_>,
    snapshot_sha256: &str,
    exports: &[Export],
    company: &str,
    dir: &Path,
) -> std::io::Result<Vec<String>> {
    if exports.is_empty() {
        return Ok(Vec::new());
    }
    let out = dir.join("exports");
    std::fs::create_dir_all(&out)?;
    let list = accounts(g);
    let mut files = Vec::new();
    for e in exports {
        let name = match e {
            Export::Vanta => format!("Access File - {} - {SYSTEM}.csv", file_part(company)),
            Export::Hyperproof => "hyperproof-user-list.csv".to_string(),
            Export::Entra => "entra-access-review.csv".to_string(),
        };
        let path = out.join(&name);
        match e {
            Export::Vanta => {
                let mut f = CsvFile::create(&path, VANTA_HEADER, &[])?;
                for a in &list {
                    let roles: Vec<String> =
                        a.roles.iter().map(|(_, n, sc)| role_label(n, sc)).collect();
                    f.row([
                        a.name.as_str(),
                        if a.person {
                            a.email.as_deref().unwrap_or("No owner")
                        } else {
                            "Not a person"
                        },
                        &roles.join(", "),
                        if a.active { "Active" } else { "Deactivated" },
                    ])?;
                }
                f.finish()?;
            }
            Export::Hyperproof => {
                let mut f = CsvFile::create(&path, HYPERPROOF_HEADER, &[])?;
                for a in &list {
                    let groups = a.groups.join("; ");
                    let email = a.email.as_deref().unwrap_or("");
                    let owner = if a.person { a.display.as_str() } else { "" };
                    if a.roles.is_empty() {
                        f.row([email, a.name.as_str(), owner, "No role", &groups])?;
                    }
                    for (_, n, sc) in &a.roles {
                        f.row([email, a.name.as_str(), owner, &role_label(n, sc), &groups])?;
                    }
                }
                f.finish()?;
            }
            Export::Entra => {
                let mut f = CsvFile::create(&path, ENTRA_HEADER, &[])?;
                for a in &list {
                    for (id, n, sc) in &a.roles {
                        f.row([
                            a.name.as_str(),
                            if a.person { "User" } else { "ServicePrincipal" },
                            &format!("{sc}/{id}"),
                            &role_label(n, sc),
                            &format!("Harness role {id} at {sc}"),
                            "Role",
                        ])?;
                    }
                }
                f.finish()?;
            }
        }
        files.push(format!("exports/{name}"));
    }
    let s = g.snapshot();
    let note = format!(
        "These files are made from the Harness snapshot with SHA-256 {snapshot_sha256}\r\n(account {}, captured {}). The pack's manifest.json and SHA256SUMS name\r\neach file with its own SHA-256. See docs/reports.md, \"GRC access files\".\r\n",
        s.account.id,
        s.captured_at()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    std::fs::write(out.join("SNAPSHOT.txt"), note)?;
    files.push("exports/SNAPSHOT.txt".to_string());
    Ok(files)
}
