//! Admin sessions, by the SHA-256 of their id.

use rusqlite::{OptionalExtension, params};

use super::Store;
use crate::error::Result;

impl Store {
    pub fn insert_session(&mut self, id_hash: &[u8; 32], now: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO admin_sessions (id_hash, created_at, seen_at) VALUES (?1, ?2, ?2)",
                params![id_hash.as_slice(), now],
            )?;
            Ok(())
        })
    }

    /// `(created_at, seen_at)` of a session.
    pub fn session(&self, id_hash: &[u8; 32]) -> Result<Option<(i64, i64)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT created_at, seen_at FROM admin_sessions WHERE id_hash = ?1")?
            .query_row([id_hash.as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    pub fn touch_session(&mut self, id_hash: &[u8; 32], now: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE admin_sessions SET seen_at = ?2 WHERE id_hash = ?1", params![id_hash.as_slice(), now])?;
            Ok(())
        })
    }

    pub fn delete_session(&mut self, id_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM admin_sessions WHERE id_hash = ?1", [id_hash.as_slice()])?;
            Ok(())
        })
    }

    /// Forget sessions idle since `idle_before` or created before `created_before`.
    pub fn prune_sessions(&mut self, idle_before: i64, created_before: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM admin_sessions WHERE seen_at < ?1 OR created_at < ?2",
                params![idle_before, created_before],
            )?;
            Ok(())
        })
    }

    /// End every admin session (after a password change).
    pub fn delete_all_sessions(tx: &rusqlite::Transaction<'_>) -> Result<()> {
        tx.execute("DELETE FROM admin_sessions", [])?;
        Ok(())
    }
}
