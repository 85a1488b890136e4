//! Opening the database: file, PRAGMAs and migrations.
//!
//! Every connection runs in WAL mode with `synchronous=FULL`, so a commit
//! that returned has reached the disk and survives a power cut, and with a
//! busy timeout, so the command line can write while `serve` is running.
//! The schema comes from `schema.sql`, applied step by step on
//! `PRAGMA user_version`; a database written by a newer Porchlight is
//! refused rather than guessed at.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};

/// Name of the database file inside the data directory.
pub const DB_FILE: &str = "porchlight.db";

const SCHEMA: &str = include_str!("../schema.sql");

/// The migration steps of `schema.sql`, numbered from 1.
fn migrations() -> Vec<(u32, &'static str)> {
    let mut steps = vec![];
    for block in SCHEMA.split("-- migration ").skip(1) {
        let (number, sql) = block.split_once('\n').expect("a migration has a body");
        let number: u32 = number.trim().parse().expect("a migration has a number");
        steps.push((number, sql));
    }
    for (i, (n, _)) in steps.iter().enumerate() {
        assert_eq!(*n as usize, i + 1, "schema.sql migrations must be numbered 1, 2, 3 ...");
    }
    steps
}

/// The schema version this binary writes.
pub fn latest_version() -> u32 {
    migrations().len() as u32
}

/// Open (creating if needed) the database in `dir` and bring it up to date.
pub fn open(dir: &Path) -> Result<Connection> {
    let path = dir.join(DB_FILE);
    create_private_file(&path)?;
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::internal(format!("cannot open {}: {e}", path.display())))?;
    configure(&conn)?;
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > 0 && current < latest_version() {
        keep_before_migrating(&conn, dir, current)?;
    }
    migrate(&conn)?;
    Ok(conn)
}

/// Before an upgrade changes the schema, copy the database as it is next
/// to it (`porchlight.db.v4-20261128T041500Z.bak`): if the new version
/// disappoints, the old binary and this copy go back together. No copy,
/// no migration.
fn keep_before_migrating(conn: &Connection, dir: &Path, current: u32) -> Result<()> {
    let name = format!("{DB_FILE}.v{current}-{}.bak", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"));
    let dest = dir.join(name);
    copy(conn, &dest).map_err(|e| {
        Error::internal(format!("cannot keep a copy of the database before upgrading it, so nothing was changed: {e}"))
    })?;
    eprintln!(
        "porchlight: upgrading the database from schema {current} to {}; the old one is kept as {}",
        latest_version(),
        dest.display()
    );
    Ok(())
}

/// Open an in-memory database with the full schema, for tests.
pub fn open_in_memory() -> Result<Connection> {
    let conn = Connection::open_in_memory()?;
    configure(&conn)?;
    migrate(&conn)?;
    Ok(conn)
}

/// Make a new database file owner-only before SQLite opens it; its `-wal`
/// and `-shm` files take the same permissions.
fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::internal(format!("cannot create {}: {e}", path.display()))),
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // journal_mode answers with a row, so it is queried rather than executed.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    // The bundled SQLite plans with STAT4, which re-prepares a cached
    // statement whenever a bound value might change its plan: every link
    // lookup binds a new tag, so every lookup was parsed again (more than
    // half of a page view's instructions). Our plans never depend on the
    // values; the query planner stability guarantee keeps them.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// Apply every migration newer than the database, each in its own
/// transaction together with the version bump.
pub fn migrate(conn: &Connection) -> Result<()> {
    let steps = migrations();
    let latest = steps.len() as u32;
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest {
        return Err(Error::internal(format!(
            "the database is at schema version {current}, newer than this porchlight ({latest}): \
             upgrade porchlight instead of downgrading"
        )));
    }
    for (number, sql) in steps.into_iter().skip(current as usize) {
        // Immediate: of two processes starting at once, one migrates and the
        // other waits, then finds the step done.
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version >= number {
            continue;
        }
        tx.execute_batch(sql).map_err(|e| Error::internal(format!("migration {number}: {e}")))?;
        tx.pragma_update(None, "user_version", number)?;
        tx.commit()?;
    }
    Ok(())
}

/// Copy the database open on `conn` to `dest` with SQLite's backup API;
/// returns the size written. The copy is written next to `dest` under a
/// temporary name, checked with `PRAGMA integrity_check`, synced, and
/// only then renamed into place, so a half-written copy never looks like
/// a good one. Backups (`store::backup`) and the copy kept before a
/// migration are both made here.
pub fn copy(conn: &Connection, dest: &Path) -> Result<u64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_database_reaches_the_latest_version() {
        let conn = open_in_memory().unwrap();
        let v: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, latest_version());
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn on_disk_it_runs_in_wal_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(dir.path()).unwrap();
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let perms = std::fs::metadata(dir.path().join(DB_FILE)).unwrap().permissions().mode();
        assert_eq!(perms & 0o777, 0o600);
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync), ("wal", 2));
        drop(conn);
        // Opening again is a no-op migration.
        open(dir.path()).unwrap();
    }

    #[test]
    fn an_upgrade_keeps_the_old_database_beside_the_new() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let older = latest_version() - 1;
        {
            let conn = Connection::open(&path).unwrap();
            for (number, sql) in migrations().into_iter().take(older as usize) {
                conn.execute_batch(sql).unwrap();
                conn.pragma_update(None, "user_version", number).unwrap();
            }
            conn.execute("INSERT INTO meta (key, value) VALUES ('marker', 'before')", []).unwrap();
        }
        let conn = open(dir.path()).unwrap();
        let version = |c: &Connection| c.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0)).unwrap();
        assert_eq!(version(&conn), latest_version());
        let copies: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".bak"))
            .collect();
        assert_eq!(copies.len(), 1, "{copies:?}");
        assert!(copies[0].starts_with(&format!("{DB_FILE}.v{older}-")), "{copies:?}");
        let copy = Connection::open(dir.path().join(&copies[0])).unwrap();
        assert_eq!(version(&copy), older);
        let marker: String = copy.query_row("SELECT value FROM meta WHERE key = 'marker'", [], |r| r.get(0)).unwrap();
        assert_eq!(marker, "before");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(&copies[0])).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a copy of client data is private");
        drop((conn, copy));
        // Up to date: no further copy.
        open(dir.path()).unwrap();
        let n = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "bak"))
            .count();
        assert_eq!(n, 1);
    }

    #[test]
    fn migration_7_keeps_every_outbox_row_and_takes_links_sent_again() {
        let conn = Connection::open_in_memory().unwrap();
        for (number, sql) in migrations().into_iter().take(6) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", number).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO clients (id, name, created_at) VALUES (1, 'Ann', 0);
             INSERT INTO appointments (id, start_at, minutes, room, created_at, updated_at) VALUES (1, 9, 50, 'r', 0, 0);
             INSERT INTO participants (id, appointment_id, client_id) VALUES (1, 1, 1);
             INSERT INTO outbox (id, participant_id, kind, sequence, hours, due_at, next_try_at, state, error)
                 VALUES (41, 1, 'reminder', 0, 24, 5, 5, 'failed', 'refused');",
        )
        .unwrap();
        let (_, seven) = migrations().into_iter().nth(6).unwrap();
        conn.execute_batch(seven).unwrap();
        let kept: (i64, String, String, Option<String>) = conn
            .query_row("SELECT id, kind, state, error FROM outbox", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        assert_eq!(kept, (41, "reminder".into(), "failed".into(), Some("refused".into())));
        let resend =
            "INSERT INTO outbox (participant_id, kind, sequence, due_at, next_try_at) VALUES (1, 'resend', 0, 9, 9)";
        conn.execute(resend, []).unwrap();
        conn.execute(resend, []).expect("a second press is a second message");
        let again = "INSERT INTO outbox (participant_id, kind, sequence, hours, due_at, next_try_at)
                     VALUES (1, 'reminder', 0, 24, 5, 5)";
        assert!(conn.execute(again, []).is_err(), "a reminder is still once per hour and version");
        assert!(conn.execute("UPDATE outbox SET kind = 'spam' WHERE id = 41", []).is_err(), "kinds are checked");
        conn.execute("UPDATE appointments SET late_note = 'Five minutes', late_note_at = 7", []).unwrap();
    }

    #[test]
    fn a_newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(dir.path()).unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1).unwrap();
        drop(conn);
        let err = open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("newer than this porchlight"), "{err}");
    }
}
