//! Online backups with SQLite's backup API.
//!
//! The copy is written next to its destination under a temporary name,
//! checked with `PRAGMA integrity_check`, synced, and only then renamed into
//! place, so a half-written backup never looks like a good one.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::Backup;

use super::Store;
use crate::error::{Error, Result};

/// Copy the database to `dest`; returns the size written.
pub fn write(store: &Store, dest: &Path) -> Result<u64> {
    let name =
        dest.file_name().ok_or_else(|| Error::input(format!("bad backup file {:?}", dest.display().to_string())))?;
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Error::input(format!("cannot write {}: {} is not a directory", dest.display(), dir.display())));
    }
    let tmp = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let _ = std::fs::remove_file(&tmp);
    let result = copy_to(store.connection(), &tmp);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.context(&format!("backup to {}", dest.display())));
    }
    std::fs::rename(&tmp, dest)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(std::fs::metadata(dest)?.len())
}

fn copy_to(src: &Connection, tmp: &Path) -> Result<()> {
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
