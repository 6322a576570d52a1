//! What the pack sent: its manifest (the snapshot SHA-256 every returned
//! file must carry), and `reviewers/assignments.csv` (every entitlement's
//! row key, kind, reviewer, and who and what it is about). The pack's
//! `SHA256SUMS` is checked before anything is read, so a pack edited after
//! it was made (a reassigned row, a changed manifest) is refused. The
//! snapshot's roles and resource groups are read too (only their ids and
//! names), so a Modify naming a role that does not exist is caught now, not
//! next quarter.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::findings::DEFAULT_RUBBER_STAMP_ROWS;
use crate::output::sanitize::uncell;
use crate::output::seal::{sha256_file, verify_sums, MANIFEST, SHA256SUMS};
use crate::output::tables::find_header;
use crate::report::split::{ASSIGNMENTS_CSV, REVIEWERS_DIR};

/// One row the pack sent for review.
#[derive(Debug, Clone, PartialEq, Eq)]
///
/// Its texts repeat across rows (a reviewer has thousands, a principal
/// dozens), so each distinct text is held once and shared.
pub struct AssignedRow {
    /// The entitlement's kind: `PR`, `SM`, `GM`, `RA` or `TK`.
    pub kind: Arc<str>,
    /// The entitlement in words (the sheet's Entitlement column).
    pub entitlement: Arc<str>,
    /// Its reviewer; empty when unassigned.
    pub reviewer: Arc<str>,
    /// Why that reviewer.
    pub basis: Arc<str>,
    /// The principal: user uuid or `sa:SCOPE/ID`.
    pub principal_id: Arc<str>,
    /// The principal's email, lowercased, when it has one.
    pub principal_email: Arc<str>,
    /// `admin`, `escalation`, `write`, `read` or `none`.
    pub privilege_level: Arc<str>,
}

/// The campaign as the pack sent it.
#[derive(Debug, Clone, Default)]
pub struct PackCampaign {
    /// The pack directory.
    pub dir: PathBuf,
    /// The snapshot's SHA-256.
    pub snapshot_sha256: String,
    /// The account.
    pub account_id: String,
    /// The account's name, when known.
    pub account_name: Option<String>,
    /// When the snapshot was captured (as the manifest writes it).
    pub captured_at: String,
    /// Every row key sent, in file order, with its row.
    pub rows: Vec<(Arc<str>, AssignedRow)>,
    /// Row key to index into `rows` (the key shared with `rows`).
    pub index: HashMap<Arc<str>, usize>,
    /// `[reviewers] rubber_stamp_rows` of the pack's policy.
    pub rubber_stamp_rows: usize,
    /// The SHA-256 of `reviewers/assignments.csv`, so that the file is not
    /// taken for a returned one when a directory holding it is collected.
    pub assignments_sha256: String,
    /// The roles and resource groups of the snapshot, for Modify to.
    pub targets: Targets,
    /// The principals' names in the snapshot, by principal id (user uuid,
    /// `sa:SCOPE/ID`), so a problem names the person a row is about.
    pub names: HashMap<String, String>,
    /// Every file the pack's manifest lists, with its SHA-256.
    pub sealed: std::collections::BTreeMap<String, String>,
    /// The SHA-256 of the campaign key the workbooks' return codes were
    /// made with, when they carry codes.
    pub key_sha256: Option<String>,
    /// The campaign's dates from the pack's policy: open, due, close
    /// (`YYYY-MM-DD`).
    pub dates: CampaignDates,
}

/// A campaign's dates, as the policy names them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CampaignDates {
    /// When the workbooks are sent.
    pub open: Option<String>,
    /// When the answers are due.
    pub due: Option<String>,
    /// When the campaign closes (signed off).
    pub close: Option<String>,
    /// Days a Revoke or Modify may take, from its collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediate_within_days: Option<u32>,
}

/// The roles and resource groups a Modify to may name: identifiers and
/// names, lowercased.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Role identifiers and names.
    pub roles: std::collections::HashSet<String>,
    /// Resource group identifiers and names.
    pub resource_groups: std::collections::HashSet<String>,
}

impl Targets {
    /// Why `modify_to` names nothing of the snapshot, if it does not: `ROLE`
    /// or `ROLE on RESOURCE_GROUP`, each by identifier or name.
    pub fn problem(&self, modify_to: &str) -> Option<String> {
        let text = modify_to.trim();
        let lower = text.to_lowercase();
        let (role, rg) = match lower.split_once(" on ") {
            Some((r, g)) => (r.trim().to_string(), Some(g.trim().to_string())),
            None => (lower.clone(), None),
        };
        if !self.roles.contains(&role) {
            return Some(format!(
                "Modify to {text:?} names no role of the snapshot (give a role's identifier or name, optionally `ROLE on RESOURCE_GROUP`)"
            ));
        }
        if let Some(g) = rg {
            if !self.resource_groups.contains(&g) {
                return Some(format!(
                    "Modify to {text:?} names no resource group of the snapshot after \"on\""
                ));
            }
        }
        None
    }
}

/// Why a pack cannot start a collection.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// A file of the pack could not be read.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The directory is not a pack with reviewer assignments.
    #[error("{path}: {message}")]
    NotACampaign {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong, and what to do.
        message: String,
    },
}

/// Reads a pack made with `--split-by-reviewer`.
pub fn read_pack(dir: &Path) -> Result<PackCampaign, PackError> {
    let io = |path: PathBuf| move |source| PackError::Io { path, source };
    let not = |path: &Path, message: &str| PackError::NotACampaign {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let manifest_path = dir.join(MANIFEST);
    let bytes = std::fs::read(&manifest_path).map_err(io(manifest_path.clone()))?;
    // The seal first: nothing of a pack changed after it was made is read.
    let sums = dir.join(SHA256SUMS);
    let bad = verify_sums(dir).map_err(io(sums.clone()))?;
    if !bad.is_empty() {
        let shown = bad.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
        let more = if bad.len() > 5 {
            format!(" (and {} more)", bad.len() - 5)
        } else {
            String::new()
        };
        return Err(not(
            &sums,
            &format!(
                "the pack does not match its seal, so it was changed after it was made: {shown}{more}. Collect against the pack as `report` wrote it (check with `sha256sum -c SHA256SUMS`); keep returned files outside the pack"
            ),
        ));
    }
    let manifest: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| not(&manifest_path, &format!("not JSON: {e}")))?;
    if manifest["tool"]["name"] != "reviewpack" || manifest["snapshot"]["sha256"].as_str().is_none()
    {
        return Err(not(
            &manifest_path,
            "not the manifest of a reviewpack pack (collect reads the pack directory `report` wrote)",
        ));
    }
    let rel = format!("{REVIEWERS_DIR}/{ASSIGNMENTS_CSV}");
    let listed = manifest["files"]
        .as_array()
        .and_then(|files| files.iter().find(|f| f["path"] == rel.as_str()))
        .and_then(|f| f["sha256"].as_str())
        .ok_or_else(|| {
            not(
                dir,
                "the pack has no reviewer assignments: make it with a [reviewers] table in the policy and --split-by-reviewer",
            )
        })?
        .to_string();
    let path = dir.join(REVIEWERS_DIR).join(ASSIGNMENTS_CSV);
    let (sha, _) = sha256_file(&path).map_err(io(path.clone()))?;
    if sha != listed {
        return Err(not(
            &path,
            "does not match the pack's manifest (SHA-256 differs): the assignments were changed after the pack was made",
        ));
    }
    let mut out = PackCampaign {
        dir: dir.to_path_buf(),
        snapshot_sha256: manifest["snapshot"]["sha256"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        account_id: manifest["account"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        account_name: manifest["account"]["name"].as_str().map(str::to_string),
        captured_at: manifest["snapshot"]["captured_at"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        rubber_stamp_rows: DEFAULT_RUBBER_STAMP_ROWS,
        ..PackCampaign::default()
    };
    out.assignments_sha256 = sha;
    out.key_sha256 = manifest["parameters"]["campaign_key_sha256"]
        .as_str()
        .map(str::to_string);
    out.sealed = manifest["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter_map(|f| {
                    Some((
                        f["path"].as_str()?.to_string(),
                        f["sha256"].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    read_assignments(&path, &mut out).map_err(|e| match e {
        AssignmentsError::Io(source) => PackError::Io {
            path: path.clone(),
            source,
        },
        AssignmentsError::Message(m) => not(&path, &m),
    })?;
    // The policy the pack was made with names the rubber-stamp threshold
    // and the campaign's dates.
    if let Some((n, dates)) = reviewers_part(&dir.join("findings.json")) {
        if let Some(n) = n {
            out.rubber_stamp_rows = n;
        }
        out.dates = dates;
    }
    let snapshot = dir.join("snapshot.json");
    (out.targets, out.names) = read_targets(&snapshot).map_err(|e| match e {
        TargetsError::Io(source) => PackError::Io {
            path: snapshot.clone(),
            source,
        },
        TargetsError::Json(e) => not(&snapshot, &format!("not a snapshot: {e}")),
    })?;
    Ok(out)
}

enum AssignmentsError {
    Io(std::io::Error),
    Message(String),
}

impl From<csv::Error> for AssignmentsError {
    fn from(e: csv::Error) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(e) => AssignmentsError::Io(e),
            other => AssignmentsError::Message(format!("not a CSV file: {other:?}")),
        }
    }
}

/// Streams `assignments.csv` into `out` (it is 800 MB at 50,000 users: read
/// whole, it would take gigabytes), holding each distinct text once.
fn read_assignments(path: &Path, out: &mut PackCampaign) -> Result<(), AssignmentsError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)?;
    let mut rec = csv::StringRecord::new();
    // The header: the first row, within the top 30, naming row_key, sheet
    // and reviewer.
    let mut header = None;
    for _ in 0..30 {
        if !reader.read_record(&mut rec)? {
            break;
        }
        let row: Vec<String> = rec.iter().map(str::to_string).collect();
        header = find_header(std::slice::from_ref(&row), &["row_key", "kind", "reviewer"]);
        if header.is_some() {
            break;
        }
    }
    let (_, header) = header
        .ok_or_else(|| AssignmentsError::Message("no row_key, kind and reviewer columns".into()))?;
    let col = |name: &str| header.col(name);
    let (key, kind, what, reviewer, basis, pid, email, level) = (
        col("row_key"),
        col("kind"),
        col("entitlement"),
        col("reviewer"),
        col("basis"),
        col("principal_id"),
        col("principal_email"),
        col("privilege_level"),
    );
    let mut texts = super::Texts::default();
    let mut text = |rec: &csv::StringRecord, i: Option<usize>, lower: bool| -> Arc<str> {
        let v = cell(rec, i);
        let v = v.trim();
        if lower && v.bytes().any(|b| b.is_ascii_uppercase()) {
            texts.get(&v.to_ascii_lowercase())
        } else {
            texts.get(v)
        }
    };
    while reader.read_record(&mut rec)? {
        let k = cell(&rec, key);
        if k.trim().is_empty() {
            continue;
        }
        let k: Arc<str> = Arc::from(k.trim());
        let row = AssignedRow {
            kind: text(&rec, kind, false),
            entitlement: text(&rec, what, false),
            reviewer: text(&rec, reviewer, true),
            basis: text(&rec, basis, false),
            principal_id: text(&rec, pid, false),
            principal_email: text(&rec, email, true),
            privilege_level: text(&rec, level, false),
        };
        out.index.insert(k.clone(), out.rows.len());
        out.rows.push((k, row));
    }
    Ok(())
}

/// Cell `i` of a record with what the pack did to it undone (`uncell`);
/// trim the result.
fn cell(rec: &csv::StringRecord, i: Option<usize>) -> std::borrow::Cow<'_, str> {
    uncell(i.and_then(|i| rec.get(i)).unwrap_or_default().trim())
}

/// `policy.reviewers.rubber_stamp_rows` and the campaign's dates from a
/// pack's findings.json, read without holding the findings (hundreds of MB at
/// 50,000 users): serde skips every other field as it streams past.
fn reviewers_part(findings: &Path) -> Option<(Option<usize>, CampaignDates)> {
    #[derive(serde::Deserialize)]
    struct Doc {
        policy: Option<PolicyPart>,
    }
    #[derive(serde::Deserialize)]
    struct PolicyPart {
        reviewers: Option<ReviewersPart>,
    }
    #[derive(serde::Deserialize)]
    struct ReviewersPart {
        rubber_stamp_rows: Option<usize>,
        #[serde(flatten)]
        dates: CampaignDates,
    }
    let file = std::fs::File::open(findings).ok()?;
    let doc: Doc =
        serde_json::from_reader(std::io::BufReader::with_capacity(1 << 16, file)).ok()?;
    let r = doc.policy?.reviewers?;
    Some((r.rubber_stamp_rows, r.dates))
}

enum TargetsError {
    Io(std::io::Error),
    Json(serde_json::Error),
}

/// The roles' and resource groups' identifiers and names from a snapshot,
/// and the principals' names by principal id, streamed: serde skips every
/// other field as it goes past.
fn read_targets(path: &Path) -> Result<(Targets, HashMap<String, String>), TargetsError> {
    #[derive(serde::Deserialize)]
    struct Doc {
        #[serde(default)]
        roles: Vec<Named>,
        #[serde(default)]
        resource_groups: Vec<Named>,
        #[serde(default)]
        users: Vec<Named>,
        #[serde(default)]
        service_accounts: Vec<Scoped>,
    }
    #[derive(serde::Deserialize)]
    struct Scoped {
        scope: String,
        id: String,
        #[serde(default)]
        name: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Named {
        id: String,
        #[serde(default)]
        name: Option<String>,
    }
    let file = std::fs::File::open(path).map_err(TargetsError::Io)?;
    let doc: Doc = serde_json::from_reader(std::io::BufReader::with_capacity(1 << 16, file))
        .map_err(TargetsError::Json)?;
    let people: HashMap<String, String> = doc
        .users
        .into_iter()
        .filter_map(|u| Some((u.id, u.name?)))
        .chain(
            doc.service_accounts
                .into_iter()
                .filter_map(|s| Some((format!("sa:{}/{}", s.scope, s.id), s.name?))),
        )
        .collect();
    let names = |v: Vec<Named>| -> std::collections::HashSet<String> {
        v.into_iter()
            .flat_map(|n| std::iter::once(n.id).chain(n.name))
            .map(|x| x.trim().to_lowercase())
            .collect()
    };
    let mut resource_groups = names(doc.resource_groups);
    // Harness has its built-in resource groups at every scope, listed or not.
    resource_groups.extend(
        [
            crate::graph::RG_ALL_INCLUDING_CHILDREN,
            crate::graph::RG_ALL_DEPRECATED,
        ]
        .into_iter()
        .chain(crate::graph::RG_SCOPE_ONLY.iter().copied())
        .map(str::to_string),
    );
    Ok((
        Targets {
            roles: names(doc.roles),
            resource_groups,
        },
        people,
    ))
}
