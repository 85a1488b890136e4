//! Online backups with SQLite's backup API, and the nightly set.
//!
//! The copy is written next to its destination under a temporary name,
//! checked with `PRAGMA integrity_check`, synced, and only then renamed into
//! place, so a half-written backup never looks like a good one.
//!
//! Nightly backups are named by their UTC time
//! (`porchlight-20261128T030000Z.db`), so the names sort by age and the
//! newest one tells when the last backup was taken; only files with
//! exactly that shape are ever pruned.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use rusqlite::Connection;
use rusqlite::backup::Backup;

use super::Store;
use crate::error::{Error, Result};

/// Copy the database to `dest`; returns the size written.
pub fn write(store: &Store, dest: &Path) -> Result<u64> {
    write_from(store.connection(), dest)
}

/// [`write`] from a bare connection (the copy taken before a migration).
pub fn write_from(conn: &Connection, dest: &Path) -> Result<u64> {
    let name =
        dest.file_name().ok_or_else(|| Error::input(format!("bad backup file {:?}", dest.display().to_string())))?;
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Error::input(format!("cannot write {}: {} is not a directory", dest.display(), dir.display())));
    }
    // The process id keeps two processes backing up at once apart.
    let tmp = dir.join(format!(".{}.{}.partial", name.to_string_lossy(), std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = copy_to(conn, &tmp);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.context(&format!("backup to {}", dest.display())));
    }
    std::fs::rename(&tmp, dest)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(std::fs::metadata(dest)?.len())
}

fn copy_to(src: &Connection, tmp: &Path) -> Result<()> {
    // A copy of client data is as private as the database itself.
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(tmp)?;
    }
    let mut dst = Connection::open(tmp)?;
    // A few pages at a time with short pauses lets the server keep writing;
    // SQLite restarts the copy if the source changes underneath it.
    Backup::new(src, &mut dst)?.run_to_completion(256, Duration::from_millis(5), None)?;
    dst.execute_batch("PRAGMA journal_mode = DELETE")?;
    let check: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(Error::internal(format!("the copy failed its integrity check: {check}")));
    }
    drop(dst);
    std::fs::File::open(tmp)?.sync_all()?;
    Ok(())
}

const PREFIX: &str = "porchlight-";
const SUFFIX: &str = ".db";
const STAMP: &str = "%Y%m%dT%H%M%SZ";

/// The name of a nightly backup taken at `at`.
pub fn nightly_name(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format(STAMP))
}

/// When the backup named `name` was taken, if it is one of ours.
fn taken_at(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if stamp.len() != 16 {
        return None;
    }
    NaiveDateTime::parse_from_str(stamp, STAMP).ok().map(|t| t.and_utc())
}

/// The nightly backups in `dir`, oldest first.
pub fn nightly(dir: &Path) -> Result<Vec<(DateTime<Utc>, PathBuf)>> {
    let mut found = vec![];
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(at) = entry.file_name().to_str().and_then(taken_at) {
            found.push((at, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// Delete all but the newest `keep` nightly backups in `dir`, and copies
/// left half-written by a crash; the paths deleted.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>> {
    let all = nightly(dir)?;
    let old = all.len().saturating_sub(keep.max(1));
    let mut gone = vec![];
    for (_, path) in all.into_iter().take(old) {
        std::fs::remove_file(&path)?;
        gone.push(path);
    }
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        let partial = name.strip_prefix('.').and_then(|n| n.strip_suffix(".partial"));
        if partial.and_then(|n| n.rsplit_once('.')).is_some_and(|(n, _pid)| taken_at(n).is_some()) {
            let path = dir.join(&*name);
            std::fs::remove_file(&path)?;
            gone.push(path);
        }
    }
    if !gone.is_empty() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nightly_names_round_trip_and_nothing_else_counts() {
        let at = DateTime::from_timestamp(1_795_834_800, 0).unwrap();
        let name = nightly_name(at);
        assert_eq!(name, "porchlight-20261128T030000Z.db");
        assert_eq!(taken_at(&name), Some(at));
        for other in [
            "porchlight.db",
            "porchlight-20261128T030000Z.db.bak",
            "porchlight-20261128.db",
            "porchlight-20261399T030000Z.db",
            "my-porchlight-20261128T030000Z.db",
            ".porchlight-20261128T030000Z.db.77.partial",
        ] {
            assert_eq!(taken_at(other), None, "{other}");
        }
    }

    #[test]
    fn pruning_keeps_the_newest_and_touches_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let day = |d: i64| DateTime::from_timestamp(1_795_834_800 + d * 86_400, 0).unwrap();
        for d in 0..5 {
            std::fs::write(dir.path().join(nightly_name(day(d))), b"x").unwrap();
        }
        let keep_out = ["notes.txt", "porchlight.db", "porchlight-20261128T030000Z.db.old"];
        for name in keep_out {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let partial = format!(".{}.4242.partial", nightly_name(day(9)));
        std::fs::write(dir.path().join(&partial), b"x").unwrap();

        let gone = prune(dir.path(), 2).unwrap();
        assert_eq!(gone.len(), 4, "{gone:?}");
        let left: Vec<_> = nightly(dir.path()).unwrap().into_iter().map(|(at, _)| at).collect();
        assert_eq!(left, [day(3), day(4)]);
        for name in keep_out {
            assert!(dir.path().join(name).exists(), "{name} was deleted");
        }
        assert!(!dir.path().join(partial).exists());
    }
}
