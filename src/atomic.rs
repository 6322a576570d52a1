//! Atomic file and directory writes: a reader sees the old content or the new,
//! never half of either, and a failed run leaves the previous output intact.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// synced and then renamed over the target.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent_dir(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".reviewpack-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A directory being filled; [`StagedDir::commit`] puts it in place of the
/// target, and dropping it uncommitted removes it.
pub struct StagedDir {
    tmp: tempfile::TempDir,
    target: PathBuf,
}

impl StagedDir {
    /// Starts a staging directory beside `target`. Fails when `target` exists,
    /// is not empty and `force` is false, so no earlier pack is overwritten
    /// by accident.
    pub fn new(target: &Path, force: bool) -> std::io::Result<StagedDir> {
        if target.exists() {
            if !target.is_dir() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a directory", target.display()),
                ));
            }
            let non_empty = std::fs::read_dir(target)?.next().is_some();
            if non_empty && !force {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "{} exists and is not empty; pass --force to replace it",
                        target.display()
                    ),
                ));
            }
        }
        let dir = parent_dir(target);
        std::fs::create_dir_all(&dir)?;
        let tmp = tempfile::Builder::new()
            .prefix(".reviewpack-")
            .suffix(".partial")
            .tempdir_in(&dir)?;
        Ok(StagedDir {
            tmp,
            target: target.to_path_buf(),
        })
    }

    /// The staging directory to write into.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Moves the staged directory into place. An existing target is moved
    /// aside first and removed only once the new one is in place.
    pub fn commit(self) -> std::io::Result<()> {
        let staged = self.tmp.keep();
        if self.target.exists() {
            let aside =
                parent_dir(&self.target).join(format!(".reviewpack-old-{}", std::process::id()));
            std::fs::rename(&self.target, &aside)?;
            if let Err(e) = std::fs::rename(&staged, &self.target) {
                // Put the old output back rather than leave nothing.
                let _ = std::fs::rename(&aside, &self.target);
                let _ = std::fs::remove_dir_all(&staged);
                return Err(e);
            }
            std::fs::remove_dir_all(&aside)?;
        } else if let Err(e) = std::fs::rename(&staged, &self.target) {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
        Ok(())
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
