//! The audit trail: append-only, written before the response it records.

use rusqlite::{Transaction, params};
use serde::Serialize;

use super::Store;
use crate::error::Result;

/// An event to record. `detail` is plain words; never a token or a code.
#[derive(Debug, Clone, Default)]
pub struct NewAudit<'a> {
    pub event: &'a str,
    pub appointment_id: Option<i64>,
    pub client_id: Option<i64>,
    pub addr: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(serialize_with = "crate::times::serialize_unix")]
    pub at: i64,
    pub event: String,
    pub appointment_id: Option<i64>,
    pub client_id: Option<i64>,
    pub addr: Option<String>,
    pub detail: String,
}

/// Which entries the admin audit page shows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: i64,
    pub to: i64,
    pub event: Option<String>,
    pub client_id: Option<i64>,
}

fn entry_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        event: r.get(2)?,
        appointment_id: r.get(3)?,
        client_id: r.get(4)?,
        addr: r.get(5)?,
        detail: r.get(6)?,
    })
}

impl Store {
    pub fn insert_audit(tx: &Transaction<'_>, at: i64, e: &NewAudit<'_>) -> Result<()> {
        tx.prepare_cached(
            "INSERT INTO audit (at, event, appointment_id, client_id, addr, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![at, e.event, e.appointment_id, e.client_id, e.addr, e.detail])?;
        Ok(())
    }

    /// Record one event in its own durable transaction.
    pub fn audit(&mut self, at: i64, e: &NewAudit<'_>) -> Result<()> {
        self.write(|tx| Store::insert_audit(tx, at, e))
    }

    /// Entries matching a filter, oldest first, at most `limit`.
    pub fn audit_filtered(&self, f: &AuditFilter, limit: i64) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, event, appointment_id, client_id, addr, detail FROM audit
             WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR event = ?3) AND (?4 IS NULL OR client_id = ?4)
             ORDER BY at, id LIMIT ?5",
        )?;
        let rows = stmt.query_map(params![f.from, f.to, f.event, f.client_id, limit], entry_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The distinct event names recorded so far, for the filter menu.
    pub fn audit_events(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached("SELECT DISTINCT event FROM audit ORDER BY event")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Entries at or after `since`, oldest first.
    pub fn audit_since(&self, since: i64) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, event, appointment_id, client_id, addr, detail FROM audit
             WHERE at >= ?1 ORDER BY at, id",
        )?;
        let rows = stmt.query_map([since], entry_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
