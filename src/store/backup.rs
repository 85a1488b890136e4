//! Online backups (the checked copy of `db::copy`), and the nightly set.
//!
//! Nightly backups are named by their UTC time
//! (`porchlight-20261128T030000Z.db`), so the names sort by age and the
//! newest one tells when the last backup was taken; only files with
//! exactly that shape are ever pruned.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};

use super::Store;
use crate::error::Result;

/// Copy the database to `dest`; returns the size written.
pub fn write(store: &Store, dest: &Path) -> Result<u64> {
    crate::db::copy(store.connection(), dest)
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
