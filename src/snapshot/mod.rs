//! The versioned on-disk snapshot: the evidence every report is made from.
//!
//! `pull` writes it; `report`, `explain` and `diff` only read it. Loading is
//! strict about structure (unknown fields, wrong types and a newer version
//! are errors that name the file and the JSON path) and about consistency
//! (an object twice, an object at a scope the snapshot does not have; see
//! `check`) because a pack made from a misread snapshot would be wrong
//! without anyone noticing. This module does no network I/O; file I/O is
//! limited to [`load`] and [`save`].

mod check;
mod model;
mod resolve;
mod scope;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use check::{check, Inconsistency};
pub use model::*;
pub use resolve::{RoleIndex, ROLE_LOOKUP_ENDPOINT, USER_ADDITIONS_LIST};
pub use scope::{Scope, ScopeLevel, ScopeParseError};

/// Why a snapshot could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The file could not be read or written. The cause is the error's
    /// source, so `{:#}` prints it once, after the file.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not JSON, or not a snapshot of this shape.
    #[error("{path}: at {json_path}: {message}")]
    Structure {
        /// The file.
        path: PathBuf,
        /// Where in the document, such as `users[3].disabled`.
        json_path: String,
        /// What was wrong.
        message: String,
    },
    /// Well-formed, but holding what Harness cannot produce (an object
    /// twice, an object at a scope the snapshot does not have, `complete`
    /// over an incomplete list).
    #[error("{path}: at {json_path}: {message}")]
    Inconsistent {
        /// The file.
        path: PathBuf,
        /// Where in the document, such as `users[7].id`.
        json_path: String,
        /// What was wrong.
        message: String,
    },
    /// The `format` field names another kind of file.
    #[error(
        "{path}: not a reviewpack snapshot (format is {found:?}, expected \"reviewpack.snapshot\")"
    )]
    Format {
        /// The file.
        path: PathBuf,
        /// The format found.
        found: String,
    },
    /// Written by a newer reviewpack.
    #[error("{path}: snapshot version {found} is newer than this reviewpack reads (up to {VERSION}); upgrade reviewpack")]
    Version {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// A version number no reviewpack writes (0).
    #[error("{path}: snapshot version {found} is not a version this reviewpack reads (versions 1 to {VERSION})")]
    UnknownVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u64,
    },
}

/// A loaded snapshot with the SHA-256 of the exact bytes it was read from.
#[derive(Debug, Clone)]
pub struct LoadedSnapshot {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// The file's bytes, for copying into a pack unchanged.
    pub bytes: Vec<u8>,
}

#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

/// Reads and checks a snapshot file.
pub fn load(path: &Path) -> Result<LoadedSnapshot, SnapshotError> {
    let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(path, bytes)
}

/// Checks snapshot bytes already in memory (from `pull`), keeping them as
/// the evidence.
pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<LoadedSnapshot, SnapshotError> {
    let snapshot = from_slice(path, &bytes)?;
    Ok(LoadedSnapshot {
        snapshot,
        sha256: sha256_hex(&bytes),
        bytes,
    })
}

/// The UTF-8 byte-order mark some editors write at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses and checks snapshot bytes; `path` is only used in messages. A
/// UTF-8 byte-order mark at the start is skipped (the caller keeps the bytes
/// as read, so the evidence's hash is of the file).
pub fn from_slice(path: &Path, bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let structure = |json_path: String, message: String| SnapshotError::Structure {
        path: path.to_path_buf(),
        json_path,
        message,
    };
    // Check the header first, so an old or foreign file gets a message about
    // what it is rather than about its first unexpected field.
    // serde reads a struct from a JSON array too; a snapshot is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(structure(
            "(document)".into(),
            "expected a JSON object (a reviewpack snapshot)".into(),
        ));
    }
    let header: Header = serde_json::from_slice(bytes)
        .map_err(|e| structure("(document)".into(), json_error_message(&e)))?;
    match header.format.as_ref().and_then(|v| v.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(SnapshotError::Format {
                path: path.to_path_buf(),
                found: other.to_string(),
            })
        }
        None => {
            return Err(structure(
                "format".into(),
                "missing or not a string; expected \"reviewpack.snapshot\"".into(),
            ))
        }
    }
    match header.version.as_ref().and_then(|v| v.as_u64()) {
        Some(v) if v <= u64::from(VERSION) && v >= 1 => {}
        Some(0) => {
            return Err(SnapshotError::UnknownVersion {
                path: path.to_path_buf(),
                found: 0,
            })
        }
        Some(v) => {
            return Err(SnapshotError::Version {
                path: path.to_path_buf(),
                found: u32::try_from(v).unwrap_or(u32::MAX),
            })
        }
        None => {
            return Err(structure(
                "version".into(),
                "missing or not a positive integer".into(),
            ))
        }
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let snapshot: Snapshot = serde_path_to_error::deserialize(de).map_err(|e| {
        let json_path = e.path().to_string();
        structure(json_path, json_error_message(e.inner()))
    })?;
    check(&snapshot).map_err(|e| SnapshotError::Inconsistent {
        path: path.to_path_buf(),
        json_path: e.json_path,
        message: e.message,
    })?;
    Ok(snapshot)
}

/// serde_json appends " at line L column C"; keep it, it helps find the spot
/// in a large file, but strip nothing else.
fn json_error_message(e: &serde_json::Error) -> String {
    e.to_string()
}

/// Serialises a snapshot (normalised first) to pretty JSON with a final newline.
pub fn to_bytes(snapshot: &Snapshot) -> Vec<u8> {
    let mut s = snapshot.clone();
    s.normalize();
    let mut out = serde_json::to_vec_pretty(&s).expect("a snapshot always serialises");
    out.push(b'\n');
    out
}

/// Writes a snapshot atomically: a temporary file beside `path`, then a rename.
pub fn save(path: &Path, snapshot: &Snapshot) -> Result<(), SnapshotError> {
    crate::atomic::write_file(path, &to_bytes(snapshot)).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl Snapshot {
    /// Sorts every collection into its canonical order, so equal content gives
    /// equal bytes.
    pub fn normalize(&mut self) {
        self.completeness.lists.sort();
        self.orgs.sort_by(|a, b| a.id.cmp(&b.id));
        self.projects
            .sort_by(|a, b| (&a.org, &a.id).cmp(&(&b.org, &b.id)));
        for u in &mut self.users {
            u.scopes.sort();
            u.scopes.dedup();
        }
        self.users.sort_by(|a, b| a.id.cmp(&b.id));
        for g in &mut self.user_groups {
            g.members.sort();
            g.members.dedup();
        }
        self.user_groups
            .sort_by(|a, b| (&a.scope, &a.id).cmp(&(&b.scope, &b.id)));
        self.service_accounts
            .sort_by(|a, b| (&a.scope, &a.id).cmp(&(&b.scope, &b.id)));
        self.api_keys.sort_by(|a, b| {
            (&a.scope, a.key_type, &a.parent, &a.id).cmp(&(&b.scope, b.key_type, &b.parent, &b.id))
        });
        self.tokens.sort_by(|a, b| {
            (&a.scope, a.key_type, &a.parent, &a.api_key, &a.id)
                .cmp(&(&b.scope, b.key_type, &b.parent, &b.api_key, &b.id))
        });
        for r in &mut self.roles {
            r.permissions.sort();
            r.permissions.dedup();
            r.allowed_scope_levels.sort();
            r.allowed_scope_levels.dedup();
        }
        self.roles
            .sort_by(|a, b| (&a.scope, &a.id).cmp(&(&b.scope, &b.id)));
        self.permissions.sort_by(|a, b| a.id.cmp(&b.id));
        for g in &mut self.resource_groups {
            g.included_scopes.sort();
            g.resource_filter.resources.sort();
        }
        self.resource_groups
            .sort_by(|a, b| (&a.scope, &a.id).cmp(&(&b.scope, &b.id)));
        self.role_assignments
            .sort_by(|a, b| (&a.scope, &a.id).cmp(&(&b.scope, &b.id)));
        self.activity.logins.sort_by(|a, b| a.user.cmp(&b.user));
        self.activity.joined.sort_by(|a, b| a.user.cmp(&b.user));
        for r in &mut self.activity.removals {
            r.removed.sort();
            r.removed.dedup();
        }
        self.activity
            .removals
            .sort_by(|a, b| (a.at, &a.audit_id).cmp(&(b.at, &b.audit_id)));
        self.completeness.unread.sort();
        self.completeness.unread.dedup();
        if let Some(scim) = &mut self.scim {
            for u in &mut scim.users {
                u.emails.sort();
                u.emails.dedup();
            }
            scim.users.sort_by(|a, b| a.id.cmp(&b.id));
            for g in &mut scim.groups {
                g.members.sort();
                g.members.dedup();
            }
            scim.groups.sort_by(|a, b| a.id.cmp(&b.id));
        }
    }

    /// The capture time: when the pull finished.
    pub fn captured_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.provenance.finished_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_bytes() -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/demo/snapshot.json");
        std::fs::read(path).expect("demo snapshot")
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_the_bytes_are_kept_as_read() {
        let plain = demo_bytes();
        let mut with_bom = BOM.to_vec();
        with_bom.extend_from_slice(&plain);
        let loaded = from_bytes(Path::new("bom.json"), with_bom.clone()).expect("loads");
        assert_eq!(loaded.bytes, with_bom);
        assert_eq!(loaded.sha256, sha256_hex(&with_bom));
        assert_ne!(loaded.sha256, sha256_hex(&plain));
        let without = from_slice(Path::new("plain.json"), &plain).unwrap();
        assert_eq!(loaded.snapshot, without);
        // Only at the start, and only once.
        let mut twice = BOM.to_vec();
        twice.extend_from_slice(&with_bom);
        assert!(from_slice(Path::new("twice.json"), &twice).is_err());
    }

    #[test]
    fn version_zero_is_not_a_version_rather_than_a_newer_one() {
        let mut v: serde_json::Value = serde_json::from_slice(&demo_bytes()).unwrap();
        v["version"] = serde_json::json!(0);
        let e = from_slice(Path::new("v0.json"), v.to_string().as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "v0.json: snapshot version 0 is not a version this reviewpack reads (versions 1 to 5)"
        );
        v["version"] = serde_json::json!(6);
        let e = from_slice(Path::new("v6.json"), v.to_string().as_bytes()).unwrap_err();
        assert!(e.to_string().contains("version 6 is newer"), "{e}");
    }

    #[test]
    fn io_errors_name_the_file_and_print_their_cause_once() {
        let dir = tempfile::tempdir().unwrap();
        let e = load(dir.path()).unwrap_err();
        assert!(matches!(e, SnapshotError::Io { .. }));
        let cause = std::error::Error::source(&e)
            .expect("the cause is the source")
            .to_string();
        let text = format!("{:#}", anyhow::Error::from(e));
        assert_eq!(text, format!("{}: {cause}", dir.path().display()));
        assert_eq!(text.matches(&cause).count(), 1, "{text}");
    }

    #[test]
    fn an_inconsistent_snapshot_is_refused_naming_the_file_and_path() {
        let mut v: serde_json::Value = serde_json::from_slice(&demo_bytes()).unwrap();
        let users = v["users"].as_array_mut().unwrap();
        let copy = users[2].clone();
        users.push(copy);
        let n = users.len() - 1;
        let id = v["users"][2]["id"].as_str().unwrap().to_string();
        let e = from_slice(Path::new("dup.json"), v.to_string().as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("dup.json: at users[{n}].id: duplicate id \"{id}\" (also users[2]); a snapshot holds each object once")
        );
    }
}
