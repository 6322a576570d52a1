//! Atomic file and directory writes: a reader sees the old content or the new,
//! never half of either, and a failed run leaves the previous output intact.
//!
//! The output directory is replaced only when that is safe: it is empty, or
//! it holds an earlier reviewpack pack or diff (its manifest.json says so)
//! and `--force` was given, and no input of the run lies inside it. Work in
//! progress lives in a hidden `.reviewpack-<pid>-….partial` sibling; it is
//! removed when the run fails, when it is interrupted (SIGINT, SIGTERM,
//! SIGHUP: [`install_interrupt_cleanup`]), and, if a crash left one behind,
//! by the next run writing beside it. Writers inside a staging directory
//! make subdirectories with [`create_dir_all`] (refused once interrupted)
//! and temporary files with [`PendingFile`], so an interruption while
//! threads still write can neither miss nor re-create anything.
//!
//! Outputs name who holds access to what, so they are the owner's alone: the
//! staging directory is made 0700, and before it is moved into place every
//! file in it is made 0600 and every directory 0700 ([`make_private`]), so a
//! writer that forgets cannot widen them, and a copy of the folder keeps them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// What an interrupted run must remove: staging directories and temporary
/// files in flight, and an earlier output moved aside.
///
/// The lock also orders writers against an interruption: the handler takes
/// it, marks the run interrupted and keeps it until the process is gone, so
/// a staging directory is never created, moved into place or re-created
/// (by a writer making a subdirectory in it) while, or after, the handler
/// removes it.
static IN_FLIGHT: Mutex<Vec<(PathBuf, Leftover)>> = Mutex::new(Vec::new());

/// Set, under [`IN_FLIGHT`]'s lock, when the interrupt handler starts.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// What a path in flight is, for the message that says it was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leftover {
    /// Output being written.
    Unfinished,
    /// The previous output, replaced by the new one already in place.
    Replaced,
}

fn in_flight() -> MutexGuard<'static, Vec<(PathBuf, Leftover)>> {
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// The lock on what is in flight, unless the run was interrupted.
fn in_flight_unless_interrupted() -> std::io::Result<MutexGuard<'static, Vec<(PathBuf, Leftover)>>>
{
    let guard = in_flight();
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "interrupted",
        ));
    }
    Ok(guard)
}

fn untrack(path: &Path) {
    in_flight().retain(|(p, _)| p != path);
}

/// On SIGINT, SIGTERM or SIGHUP: removes every staging directory and
/// temporary file in flight, says so on stderr, and exits 130. Call once,
/// before writing.
pub fn install_interrupt_cleanup() {
    let _ = ctrlc::set_handler(|| {
        // Waits for a directory being made or a commit under way, then
        // holds the lock to the end: writers still running cannot make
        // anything in flight again.
        let mut list = in_flight();
        INTERRUPTED.store(true, Ordering::SeqCst);
        for (p, kind) in list.drain(..) {
            if remove_while_written(&p) {
                let what = match kind {
                    Leftover::Unfinished => "the unfinished output",
                    Leftover::Replaced => "the output it replaced",
                };
                eprintln!("reviewpack: interrupted; removed {what} {}", p.display());
            }
        }
        std::process::exit(130);
    });
}

/// Removes `path` while writer threads may still be creating files in it
/// (a removal then finds the directory not empty): tries until it is gone.
/// Whether it existed and is gone.
fn remove_while_written(path: &Path) -> bool {
    let mut existed = false;
    for _ in 0..1000 {
        let removed = match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return existed,
            Err(_) => return false,
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
            Ok(_) => std::fs::remove_file(path),
        };
        existed = true;
        if removed.is_ok() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    false
}

/// When the run was interrupted: waits for the interrupt handler to end the
/// process (exit 130), so that an error a writer met as its directory was
/// removed is neither printed nor made the exit code. Otherwise returns.
pub fn wait_if_interrupted() {
    if INTERRUPTED.load(Ordering::SeqCst) {
        // The handler holds the lock until the process exits.
        let _never = in_flight();
        loop {
            std::thread::park();
        }
    }
}

/// `std::fs::create_dir_all` for a directory inside a staging directory:
/// refused once the run is interrupted, so that a writer cannot re-create
/// the staging directory the interrupt handler has removed.
pub fn create_dir_all(path: &Path) -> std::io::Result<()> {
    let _guard = in_flight_unless_interrupted()?;
    std::fs::create_dir_all(path)
}

/// A private temporary file beside a target, removed if the run is
/// interrupted or the file is dropped; [`PendingFile::persist`] puts it in
/// place.
pub struct PendingFile {
    tmp: Option<tempfile::NamedTempFile>,
}

impl PendingFile {
    /// Starts a temporary file in `target`'s directory, its name ending in
    /// `suffix` (`.zip.tmp`).
    pub fn beside(target: &Path, suffix: &str) -> std::io::Result<PendingFile> {
        let mut list = in_flight_unless_interrupted()?;
        let tmp = tempfile::Builder::new()
            .prefix(&staging_prefix())
            .suffix(suffix)
            .tempfile_in(parent_dir(target))?;
        list.push((tmp.path().to_path_buf(), Leftover::Unfinished));
        Ok(PendingFile { tmp: Some(tmp) })
    }

    /// The open temporary file.
    pub fn as_file(&self) -> &std::fs::File {
        self.tmp
            .as_ref()
            .expect("present until persisted")
            .as_file()
    }

    /// The temporary file's path.
    pub fn path(&self) -> &Path {
        self.tmp.as_ref().expect("present until persisted").path()
    }

    /// Renames the file over `target`.
    pub fn persist(mut self, target: &Path) -> std::io::Result<()> {
        let tmp = self.tmp.take().expect("present until persisted");
        let mut list = in_flight_unless_interrupted()?;
        list.retain(|(p, _)| p != tmp.path());
        tmp.persist(target).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            untrack(tmp.path());
            // NamedTempFile removes itself.
        }
    }
}

/// The name prefix of everything this process stages: `.reviewpack-<pid>-`,
/// so a later run can tell a crashed run's leftovers from a live one's.
fn staging_prefix() -> String {
    format!(".reviewpack-{}-", std::process::id())
}

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// synced and then renamed over the target.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = PendingFile::beside(path, ".tmp")?;
    let mut f = tmp.as_file();
    f.write_all(bytes)?;
    f.sync_all()?;
    tmp.persist(path)
}

/// Makes `path` the owner's alone: a file 0600, a directory 0700 with
/// everything in it the same (symbolic links are left as they are). A
/// no-op where there are no Unix modes.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::symlink_metadata(path)?;
        if meta.is_dir() {
            // The directory first: its contents are then unreachable to others
            // while they are changed.
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
            for entry in std::fs::read_dir(path)? {
                make_private(&entry?.path())?;
            }
        } else if meta.is_file() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Why an output directory may not be written.
/// Checks, before any long work, that `target` can be written: the nearest
/// of its ancestors that exists is a directory in which this process can
/// create a file (what is missing below it is made when the output is
/// written). Probed with a temporary file, removed at once, so a pull of an
/// hour does not end in "permission denied".
pub fn check_writable_dir(target: &Path) -> std::io::Result<()> {
    let parent = parent_dir(target);
    let mut dir: &Path = &parent;
    loop {
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                return Err(refuse(format!(
                    "{} is not a directory, so nothing can be written under it",
                    dir.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => dir = p,
                _ => {
                    dir = Path::new(".");
                    break;
                }
            },
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", dir.display()),
                ))
            }
        }
    }
    tempfile::Builder::new()
        .prefix(&staging_prefix())
        .suffix(".tmp")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot create files in {}: {e}", dir.display()),
            )
        })
}

/// Checks, before any long work, that the file `target` can be written:
/// not a directory, not an existing file unless `force`, and a writable
/// place ([`check_writable_dir`]).
pub fn check_file_target(target: &Path, force: bool) -> std::io::Result<()> {
    if target.is_dir() {
        return Err(refuse(format!("{} is a directory", target.display())));
    }
    if target.exists() && !force {
        return Err(refuse(format!(
            "{} exists; pass --force to replace it",
            target.display()
        )));
    }
    check_writable_dir(target)
}

/// [`write_file`], making the directories above `path` first.
pub fn write_file_making_dirs(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(parent_dir(path))?;
    write_file(path, bytes)
}

fn refuse(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::AlreadyExists, message)
}

/// Whether `dir` holds a reviewpack pack or diff: its manifest.json names
/// reviewpack as the tool.
fn holds_reviewpack_output(dir: &Path) -> bool {
    let Ok(bytes) = std::fs::read(dir.join("manifest.json")) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|m| {
            m.pointer("/tool/name")
                .and_then(|n| n.as_str())
                .map(str::to_string)
        })
        .is_some_and(|n| n == "reviewpack")
}

/// Checks that `target` may be written (before any long work, and again when
/// staging): it is not a file, not the current directory or one holding it,
/// holds none of the run's `inputs` (`(what, path)`, such as
/// `("roster", …)`), and, when it exists and is not empty, `force` is given
/// and it holds an earlier reviewpack pack or diff.
pub fn check_target(target: &Path, force: bool, inputs: &[(&str, &Path)]) -> std::io::Result<()> {
    if !target.exists() {
        return Ok(());
    }
    if !target.is_dir() {
        return Err(refuse(format!(
            "{} exists and is not a directory",
            target.display()
        )));
    }
    let canonical = target.canonicalize()?;
    if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize()) {
        if cwd.starts_with(&canonical) {
            return Err(refuse(format!(
                "{} is the current directory or holds it, and cannot be replaced; choose a new directory with -o",
                target.display()
            )));
        }
    }
    for (what, input) in inputs {
        let inside = input
            .canonicalize()
            .is_ok_and(|i| i.starts_with(&canonical));
        if inside {
            return Err(refuse(format!(
                "{} (the {what}) lies inside {}; replacing that directory would delete it: choose another -o",
                input.display(),
                target.display()
            )));
        }
    }
    let non_empty = std::fs::read_dir(target)?.next().is_some();
    if non_empty && !force {
        return Err(refuse(format!(
            "{} exists and is not empty; pass --force to replace it",
            target.display()
        )));
    }
    if non_empty && !holds_reviewpack_output(target) {
        return Err(refuse(format!(
            "{} is not a reviewpack pack or diff (no manifest.json naming reviewpack); --force replaces only an empty directory or earlier reviewpack output: choose another -o, or empty it yourself",
            target.display()
        )));
    }
    Ok(())
}

/// Removes what a crashed or killed reviewpack left in `dir`: staging
/// directories and temporary files whose process is gone. Returns what was
/// removed.
fn remove_stale(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(".reviewpack-") else {
            continue;
        };
        let ours = name.ends_with(".partial") || name.ends_with(".tmp") || rest.starts_with("old-");
        let pid = rest
            .trim_start_matches("old-")
            .split(['-', '.'])
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        let Some(pid) = pid.filter(|_| ours) else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid, &e.path()) {
            continue;
        }
        let path = e.path();
        let gone = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if gone.is_ok() {
            removed.push(path);
        }
    }
    removed.sort();
    removed
}

/// Whether the process that made `leftover` may still be running. On Linux
/// its `/proc` entry tells; elsewhere a leftover younger than a day is
/// assumed live.
fn process_alive(pid: u32, leftover: &Path) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    std::fs::metadata(leftover)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < std::time::Duration::from_secs(24 * 3600))
}

/// A directory being filled; [`StagedDir::commit`] puts it in place of the
/// target, and dropping it uncommitted removes it.
pub struct StagedDir {
    tmp: Option<tempfile::TempDir>,
    target: PathBuf,
    stale: Vec<PathBuf>,
}

impl StagedDir {
    /// Starts a staging directory beside `target`, after [`check_target`],
    /// removing what an earlier crashed run left there.
    pub fn new(target: &Path, force: bool, inputs: &[(&str, &Path)]) -> std::io::Result<StagedDir> {
        check_target(target, force, inputs)?;
        let dir = parent_dir(target);
        // Under the lock: the directory is tracked the moment it exists, and
        // (for a pack's `diff/`) no interrupted staging parent is re-created.
        let mut list = in_flight_unless_interrupted()?;
        std::fs::create_dir_all(&dir)?;
        let stale = remove_stale(&dir);
        let tmp = tempfile::Builder::new()
            .prefix(&staging_prefix())
            .suffix(".partial")
            .tempdir_in(&dir)?;
        list.push((tmp.path().to_path_buf(), Leftover::Unfinished));
        drop(list);
        make_private(tmp.path())?;
        Ok(StagedDir {
            tmp: Some(tmp),
            target: target.to_path_buf(),
            stale,
        })
    }

    /// The staging directory to write into.
    pub fn path(&self) -> &Path {
        self.tmp.as_ref().expect("present until commit").path()
    }

    /// Leftovers of earlier crashed runs removed when staging began.
    pub fn stale_removed(&self) -> &[PathBuf] {
        &self.stale
    }

    /// Moves the staged directory into place. An existing target is moved
    /// aside first and removed only once the new one is in place.
    pub fn commit(mut self) -> std::io::Result<()> {
        let tmp = self.tmp.take().expect("present until commit");
        let staged = tmp.keep();
        if let Err(e) = make_private(&staged) {
            let _ = std::fs::remove_dir_all(&staged);
            untrack(&staged);
            return Err(e);
        }
        // The swap under the lock: an interruption comes before it (the
        // staged directory is removed, the old output kept) or after it (the
        // new output stays), never between the two renames.
        let mut list = in_flight_unless_interrupted()?;
        list.retain(|(p, _)| *p != staged);
        if !self.target.exists() {
            return std::fs::rename(&staged, &self.target).inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&staged);
            });
        }
        let aside =
            parent_dir(&self.target).join(format!(".reviewpack-old-{}", std::process::id()));
        std::fs::rename(&self.target, &aside).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&staged);
        })?;
        if let Err(e) = std::fs::rename(&staged, &self.target) {
            // Put the old output back rather than leave nothing.
            let _ = std::fs::rename(&aside, &self.target);
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
        // The new output is in place; the old one may take a while to
        // remove, and an interruption meanwhile removes it too.
        list.push((aside.clone(), Leftover::Replaced));
        drop(list);
        let removed = std::fs::remove_dir_all(&aside);
        untrack(&aside);
        removed
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            untrack(tmp.path());
            // TempDir removes itself.
        }
    }
}

/// The directory `path` is in (`.` for a bare name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn force_replaces_only_earlier_reviewpack_output() {
        let base = tempfile::tempdir().unwrap();
        let target = base.path().join("pack");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("notes.txt"), "mine").unwrap();
        let e = check_target(&target, true, &[]).unwrap_err().to_string();
        assert!(e.contains("not a reviewpack pack or diff"), "{e}");
        std::fs::write(
            target.join("manifest.json"),
            r#"{"tool": {"name": "reviewpack", "version": "0.1.0"}}"#,
        )
        .unwrap();
        check_target(&target, true, &[]).unwrap();
        let e = check_target(&target, false, &[]).unwrap_err().to_string();
        assert!(e.contains("pass --force"), "{e}");
    }

    #[test]
    fn an_input_inside_the_target_is_never_replaced() {
        let base = tempfile::tempdir().unwrap();
        let target = base.path().join("pack");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(
            target.join("manifest.json"),
            r#"{"tool": {"name": "reviewpack"}}"#,
        )
        .unwrap();
        let roster = target.join("roster.csv");
        std::fs::write(&roster, "email,status\n").unwrap();
        let e = check_target(&target, true, &[("roster", &roster)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("(the roster) lies inside"), "{e}");
        // An input elsewhere is fine.
        let other = base.path().join("roster.csv");
        std::fs::write(&other, "x").unwrap();
        check_target(&target, true, &[("roster", &other)]).unwrap();
    }

    #[test]
    fn leftovers_of_dead_processes_are_removed_and_live_ones_kept() {
        let base = tempfile::tempdir().unwrap();
        // A pid that cannot be running (above Linux's pid_max).
        let dead = base.path().join(".reviewpack-4194305-abc.partial");
        std::fs::create_dir(&dead).unwrap();
        let ours = base
            .path()
            .join(format!(".reviewpack-{}-xyz.partial", std::process::id()));
        std::fs::create_dir(&ours).unwrap();
        let unrelated = base.path().join(".reviewpack-notes");
        std::fs::write(&unrelated, "keep").unwrap();
        let removed = remove_stale(base.path());
        if Path::new("/proc/self").exists() {
            assert_eq!(removed, vec![dead.clone()]);
            assert!(!dead.exists());
        }
        assert!(ours.exists());
        assert!(unrelated.exists());
    }
}
