//! Sealing a finished directory: `manifest.json` and `SHA256SUMS`, so an
//! auditor can check that nothing was changed after it was made
//! (`sha256sum -c SHA256SUMS`).
//!
//! `manifest.json` lists every other file of the directory with its size and
//! SHA-256; `SHA256SUMS` covers every file including `manifest.json` (a file
//! cannot hold its own hash, so `SHA256SUMS` is the one file it leaves out).
//! The caller supplies the rest of the manifest (what the directory was made
//! from and with); nothing here records a wall-clock time or an output path,
//! so the same inputs give the same bytes.

use std::path::Path;

use serde_json::json;
use sha2::{Digest, Sha256};

/// The schema name written into manifest.json.
pub const MANIFEST_SCHEMA: &str = "reviewpack.manifest/v1";
/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The checksum file's name.
pub const SHA256SUMS: &str = "SHA256SUMS";

/// Every file under `dir`, relative with `/` separators, sorted.
pub fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            let p = e.path();
            if e.file_type()?.is_dir() {
                walk(base, &p, out)?;
            } else {
                let rel = p
                    .strip_prefix(base)
                    .map_err(std::io::Error::other)?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Lowercase hex SHA-256 of a file, read in chunks.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        len += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex(&h.finalize()), len))
}

/// A file's SHA-256 (lowercase hex) and size.
pub type Hashed = (String, u64);

/// [`sha256_file`] of each path, on every core, largest file first (a pack
/// is a few large files and many small ones); results in the paths' order.
pub fn sha256_files(paths: &[std::path::PathBuf]) -> Vec<std::io::Result<Hashed>> {
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by_cached_key(|&i| {
        std::cmp::Reverse(std::fs::metadata(&paths[i]).map_or(0, |m| m.len()))
    });
    crate::parallel::map_in_order(&order, |i| sha256_file(&paths[i]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Seals a directory: hashes every file in it once, writes `doc` as
/// manifest.json with those files under `files`, then SHA256SUMS over the
/// files and the manifest, sorted by path (`sha256sum -c` reads it).
pub fn seal(dir: &Path, mut doc: serde_json::Value) -> std::io::Result<()> {
    let rels: Vec<String> = list_files(dir)?
        .into_iter()
        .filter(|rel| rel != MANIFEST && rel != SHA256SUMS)
        .collect();
    let paths: Vec<std::path::PathBuf> = rels.iter().map(|rel| dir.join(rel)).collect();
    let mut files = Vec::new();
    for (rel, hashed) in rels.into_iter().zip(sha256_files(&paths)) {
        let (sha, bytes) = hashed?;
        files.push((rel, bytes, sha));
    }
    if let Some(obj) = doc.as_object_mut() {
        obj.insert(
            "files".into(),
            files
                .iter()
                .map(|(path, bytes, sha)| json!({"path": path, "bytes": bytes, "sha256": sha}))
                .collect(),
        );
    }
    let mut bytes = serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(dir.join(MANIFEST), &bytes)?;
    files.push((
        MANIFEST.to_string(),
        bytes.len() as u64,
        crate::snapshot::sha256_hex(&bytes),
    ));
    files.sort();
    let mut sums = String::new();
    for (path, _, sha) in &files {
        // Two spaces: sha256sum's text-mode line.
        sums.push_str(&format!("{sha}  {path}\n"));
    }
    std::fs::write(dir.join(SHA256SUMS), sums)
}

/// Checks a sealed directory as `sha256sum -c SHA256SUMS` would: every file
/// it lists is there with the SHA-256 it lists. Returns what differs, one
/// line a file (empty when all match); an error when SHA256SUMS itself
/// cannot be read.
pub fn verify_sums(dir: &Path) -> std::io::Result<Vec<String>> {
    let text = std::fs::read_to_string(dir.join(SHA256SUMS))?;
    let mut bad = Vec::new();
    let mut listed = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Some((sha, rel)) = line.split_once("  ") else {
            bad.push(format!(
                "{SHA256SUMS}: a line is not `SHA-256  FILE`: {line:?}"
            ));
            continue;
        };
        listed.push((sha, rel));
    }
    let paths: Vec<std::path::PathBuf> = listed
        .iter()
        .map(|(_, rel)| dir.join(rel.trim_start_matches('*')))
        .collect();
    for ((sha, rel), hashed) in listed.iter().zip(sha256_files(&paths)) {
        match hashed {
            Ok((got, _)) if got == *sha => {}
            Ok(_) => bad.push(format!("{rel}: SHA-256 differs from {SHA256SUMS}")),
            Err(e) => bad.push(format!("{rel}: {e}")),
        }
    }
    let listed = listed.len();
    if listed == 0 {
        bad.push(format!("{SHA256SUMS} lists no file"));
    }
    Ok(bad)
}

/// The tool as every manifest names it: name, version, the git commit it was
/// built from (when built from a checkout) and the SHA-256 of the running
/// binary, so an auditor can tie a pack to the exact program that made it.
pub fn tool() -> serde_json::Value {
    static BINARY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let binary = BINARY.get_or_init(|| {
        let exe = std::env::current_exe().ok()?;
        sha256_file(&exe).ok().map(|(sha, _)| sha)
    });
    let commit = env!("REVIEWPACK_COMMIT");
    json!({
        "name": "reviewpack",
        "version": env!("CARGO_PKG_VERSION"),
        "commit": (!commit.is_empty()).then_some(commit),
        "binary_sha256": binary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_hashed_on_every_core_come_back_in_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (i, size) in [10usize, 300_000, 0, 70_000].iter().enumerate() {
            let p = dir.path().join(format!("f{i}"));
            std::fs::write(&p, vec![b'a' + i as u8; *size]).unwrap();
            paths.push(p);
        }
        paths.push(dir.path().join("missing"));
        let got = sha256_files(&paths);
        assert_eq!(got.len(), paths.len());
        for (p, r) in paths.iter().zip(&got).take(4) {
            let bytes = std::fs::read(p).unwrap();
            let (sha, len) = r.as_ref().unwrap();
            assert_eq!(*sha, crate::snapshot::sha256_hex(&bytes));
            assert_eq!(*len, bytes.len() as u64);
        }
        assert!(got[4].is_err(), "a missing file is an error, in its place");
    }
}
