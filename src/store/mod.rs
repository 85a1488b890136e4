//! Every SQL statement of Porchlight lives under this module.
//!
//! A [`Store`] owns one SQLite connection; the server gives each worker
//! thread its own. Methods speak in plain rows with UTC seconds and never
//! see a token or a code, only the seeds and keyed tags of `token.rs`.
//! Writes that belong together run in one immediate transaction, and a
//! returned `Ok` means the commit is on disk (`synchronous=FULL`).

mod appointments;
mod audit;
pub mod backup;
mod chain;
mod clients;
mod feeds;
mod imported;
pub mod integrity;
mod links;
mod outbox;
mod participants;
mod series;
mod sessions;
mod sync;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::db;
use crate::error::Result;

pub use appointments::{ApptRow, ParticipantRow};
pub use audit::{AuditEntry, AuditFilter, NewAudit};
pub use chain::Chain;
pub use clients::{ClientRow, PortalRow};
pub use imported::ImportedRow;
pub use links::{By, LinkRow};
pub use outbox::{MessageKind, OutboxRow};
pub use participants::{Addressee, Booked, Membership};
pub use series::{NewSeries, SeriesRow};
pub use sync::SyncRow;

/// One connection to the practice database.
pub struct Store {
    conn: Connection,
    /// Writes wait here for the start-up integrity check (server only).
    gate: Option<std::sync::Arc<integrity::Integrity>>,
}

impl Store {
    pub fn open(dir: &Path) -> Result<Store> {
        Ok(Store { conn: db::open(dir)?, gate: None })
    }

    pub fn open_in_memory() -> Result<Store> {
        Ok(Store { conn: db::open_in_memory()?, gate: None })
    }

    /// Make every write wait for `gate` (see `integrity.rs`).
    pub fn gated(mut self, gate: std::sync::Arc<integrity::Integrity>) -> Store {
        self.gate = Some(gate);
        self
    }

    /// The raw connection, for the backup command only.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Run `f` in one immediate write transaction, committed before return.
    pub fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        if let Some(gate) = &self.gate {
            gate.wait()?;
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// SQLite's `quick_check`: `Err` naming the damage if the file is
    /// not sound. `serve` stops on a damaged database rather than serve
    /// half of it or start a fresh one (see `integrity.rs`).
    pub fn quick_check(&self) -> Result<()> {
        // Every page is read once: through the usual 2 MB page cache that
        // would leave as much freed-but-resident heap in the server.
        self.conn.execute_batch("PRAGMA cache_size = -256")?;
        let problems: Vec<String> = {
            let mut stmt = self.conn.prepare("PRAGMA quick_check")?;
            stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        self.conn.execute_batch("PRAGMA cache_size = -2000")?;
        if problems == ["ok"] {
            return Ok(());
        }
        Err(crate::error::Error::internal(format!(
            "the database failed its check ({}); restore it from a backup (see README: Backup and restore)",
            problems.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
        )))
    }

    /// Does the database answer? For `/healthz`.
    pub fn ping(&self) -> Result<()> {
        self.conn.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    /// A number that changes whenever another connection commits, so a
    /// worker can keep cached settings until something was written.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.prepare_cached("PRAGMA data_version")?.query_row([], |r| r.get(0))?)
    }

    pub fn settings(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached("SELECT key, value FROM settings ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn set_setting(tx: &rusqlite::Transaction<'_>, key: &str, value: &str) -> Result<()> {
        upsert(tx, "settings", key, value)
    }

    pub fn delete_setting(tx: &rusqlite::Transaction<'_>, key: &str) -> Result<()> {
        tx.execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(tx: &rusqlite::Transaction<'_>, key: &str, value: &str) -> Result<()> {
        upsert(tx, "meta", key, value)
    }

    /// The highest wall-clock time recorded (UTC seconds), 0 if none.
    pub fn clock_mark(&self) -> Result<i64> {
        Ok(self.meta("clock_high")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Raise the recorded highest time to `high` (never lower it).
    pub fn raise_clock_mark(&mut self, high: i64) -> Result<()> {
        if high <= self.clock_mark()? {
            return Ok(());
        }
        self.write(|tx| Store::set_meta(tx, "clock_high", &high.to_string()))
    }

    pub fn admin_password_hash(&self) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT password_hash FROM admin WHERE id = 1", [], |r| r.get(0)).optional()?)
    }

    pub fn set_admin_password_hash(tx: &rusqlite::Transaction<'_>, hash: &str, now: i64) -> Result<()> {
        tx.execute(
            "INSERT INTO admin (id, password_hash, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash,
                                            updated_at = excluded.updated_at",
            params![hash, now],
        )?;
        Ok(())
    }

    /// Is there no practice data yet (no clients)? `serve --demo` seeds only then.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM clients)", [], |r| r.get(0))?)
    }

    /// Remove every practice row (clients, series, appointments, links,
    /// mail, audit), for re-seeding a demo data directory: every table but
    /// [`KEPT_BY_WIPE`], children before the rows they point to.
    pub fn wipe_practice(tx: &rusqlite::Transaction<'_>) -> Result<()> {
        tx.execute_batch(
            "DELETE FROM imported; DELETE FROM calendar_sync;
             DELETE FROM outbox; DELETE FROM links; DELETE FROM participants; DELETE FROM appointments;
             DELETE FROM series_clients; DELETE FROM series;
             DELETE FROM portal_links; DELETE FROM clients; DELETE FROM audit;",
        )?;
        Ok(())
    }
}

/// The tables a demo's fresh start keeps: the settings, the program's own
/// facts, the admin password and sessions, the calendar feed's address.
pub const KEPT_BY_WIPE: &[&str] = &["settings", "meta", "admin", "admin_sessions", "calendar_feeds"];

/// Set `key` to `value` in one of the key/value tables.
fn upsert(tx: &rusqlite::Transaction<'_>, table: &'static str, key: &str, value: &str) -> Result<()> {
    let sql = format!(
        "INSERT INTO {table} (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    );
    tx.prepare_cached(&sql)?.execute(params![key, value])?;
    Ok(())
}

/// A seed as stored: exactly 16 bytes, or the row is damaged.
fn seed_from(blob: Vec<u8>) -> rusqlite::Result<crate::token::Seed> {
    blob.try_into().map_err(|b: Vec<u8>| {
        rusqlite::Error::FromSqlConversionFailure(b.len(), rusqlite::types::Type::Blob, "seed is not 16 bytes".into())
    })
}
