//! Appointments brought in from another calendar, by the event's UID and
//! RECURRENCE-ID (schema migration 6, table `imported`).

use rusqlite::{Transaction, params};

use super::Store;
use crate::error::Result;

/// One imported appointment and the event as it was last imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedRow {
    pub uid: String,
    /// The occurrence's RECURRENCE-ID in UTC seconds; 0 for an event that
    /// does not repeat.
    pub recurrence_at: i64,
    pub appointment_id: i64,
    /// `file` or `sync`.
    pub origin: String,
    pub start_at: i64,
    pub minutes: i64,
    /// The client attendees' addresses, lower case, sorted, one per line.
    pub attendees: String,
}

impl Store {
    /// Every imported appointment (one row per appointment: as many as
    /// imports made, which sync bounds by the span it imports).
    pub fn imported(&self) -> Result<Vec<ImportedRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT uid, recurrence_at, appointment_id, origin, start_at, minutes, attendees FROM imported")?;
        let rows = stmt.query_map([], |r| {
            Ok(ImportedRow {
                uid: r.get(0)?,
                recurrence_at: r.get(1)?,
                appointment_id: r.get(2)?,
                origin: r.get(3)?,
                start_at: r.get(4)?,
                minutes: r.get(5)?,
                attendees: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Record (or update) what an event was when it was imported.
    pub fn put_imported(tx: &Transaction<'_>, row: &ImportedRow, now: i64) -> Result<()> {
        tx.prepare_cached(
            "INSERT INTO imported (uid, recurrence_at, appointment_id, origin, start_at, minutes, attendees, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (uid, recurrence_at) DO UPDATE SET appointment_id = excluded.appointment_id,
               origin = excluded.origin, start_at = excluded.start_at, minutes = excluded.minutes,
               attendees = excluded.attendees, imported_at = excluded.imported_at",
        )?
        .execute(params![
            row.uid,
            row.recurrence_at,
            row.appointment_id,
            row.origin,
            row.start_at,
            row.minutes,
            row.attendees,
            now
        ])?;
        Ok(())
    }

    /// Hand a file-imported row to the sync (`origin = 'sync'`).
    pub fn claim_for_sync(tx: &Transaction<'_>, uid: &str, recurrence_at: i64) -> Result<()> {
        tx.prepare_cached("UPDATE imported SET origin = 'sync' WHERE uid = ?1 AND recurrence_at = ?2")?
            .execute(params![uid, recurrence_at])?;
        Ok(())
    }
}
