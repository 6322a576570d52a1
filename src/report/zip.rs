//! `DIR.zip` (`--zip`): the whole pack in one file, for attaching to a ticket.
//!
//! Entries sit under one fixed folder, [`ZIP_ROOT`] (`pack/`), whatever the
//! pack directory is called, in sorted order, each stamped with the
//! snapshot's capture time and mode 0600, so the same pack always zips to
//! the same bytes: two people who make the pack of one snapshot into
//! differently named folders get byte-identical archives. Like the pack, the archive
//! and what unzips from it are the owner's alone (0600): it names who holds
//! what access; share it deliberately. The archive is written to a
//! temporary file beside its target; the caller renames it into place once
//! the pack directory itself is in place.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Datelike, Timelike, Utc};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::atomic::PendingFile;
use crate::output::seal::list_files;

/// The folder every entry of the zip sits under. Not the pack directory's
/// name, which would make the archive's bytes depend on `-o`.
pub const ZIP_ROOT: &str = "pack";

/// Zips every file of `pack_dir` under [`ZIP_ROOT`]`/` into a temporary file
/// in `target`'s directory; persist it to `target` when ready.
pub fn write_zip(
    pack_dir: &Path,
    stamp: DateTime<Utc>,
    target: &Path,
) -> std::io::Result<PendingFile> {
    // Tracked like the staging directory: an interruption removes it.
    let tmp = PendingFile::beside(target, ".zip.tmp")?;
    let time = zip_time(stamp);
    let mut zip = ZipWriter::new(std::io::BufWriter::new(tmp.as_file().try_clone()?));
    for rel in list_files(pack_dir)? {
        let path = pack_dir.join(&rel);
        let len = std::fs::metadata(&path)?.len();
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(time)
            .unix_permissions(0o600)
            .large_file(len >= u64::from(u32::MAX));
        zip.start_file(format!("{ZIP_ROOT}/{rel}"), options)
            .map_err(std::io::Error::other)?;
        let mut f = std::fs::File::open(&path)?;
        std::io::copy(&mut f, &mut zip)?;
    }
    let mut inner = zip.finish().map_err(std::io::Error::other)?;
    inner.flush()?;
    inner
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .sync_all()?;
    // Private, like the pack (a temporary file is 0600 already; said here
    // so that no later change of tempfile's default widens it).
    crate::atomic::make_private(tmp.path())?;
    Ok(tmp)
}

/// A zip timestamp (DOS time: 1980 to 2107, two-second steps).
fn zip_time(t: DateTime<Utc>) -> zip::DateTime {
    let year = t.year().clamp(1980, 2107) as u16;
    zip::DateTime::from_date_and_time(
        year,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}
