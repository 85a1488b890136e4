//! Appointments and who takes part in them.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{LinkRow, Store};
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct ApptRow {
    pub id: i64,
    pub start_at: i64,
    pub minutes: i64,
    pub room: String,
    pub cancelled_at: Option<i64>,
    pub sequence: i64,
    /// The clinician pressed Start (UTC seconds); cleared by a move.
    pub started_at: Option<i64>,
    /// The series this is an occurrence of, and the instant its rule gave
    /// it (RFC 5545 RECURRENCE-ID, UTC seconds), which a move keeps.
    pub series_id: Option<i64>,
    pub recurrence_at: Option<i64>,
    /// The clinician's "running late" note to those waiting, and when it
    /// was set (see `app::late`).
    pub late_note: Option<String>,
    pub late_note_at: Option<i64>,
}

/// A client taking part in an appointment, with their live link (a
/// removed participant has none).
#[derive(Debug, Clone)]
pub struct ParticipantRow {
    pub id: i64,
    pub client_id: i64,
    pub name: String,
    pub link: Option<LinkRow>,
}

pub(super) const APPT_COLUMNS: &str =
    "a.id, a.start_at, a.minutes, a.room, a.cancelled_at, a.sequence, a.started_at, a.series_id, a.recurrence_at,
     a.late_note, a.late_note_at";
/// How many columns [`APPT_COLUMNS`] selects.
pub(super) const APPT_WIDTH: usize = 11;

pub(super) fn appt_from(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<ApptRow> {
    Ok(ApptRow {
        id: r.get(at)?,
        start_at: r.get(at + 1)?,
        minutes: r.get(at + 2)?,
        room: r.get(at + 3)?,
        cancelled_at: r.get(at + 4)?,
        sequence: r.get(at + 5)?,
        started_at: r.get(at + 6)?,
        series_id: r.get(at + 7)?,
        recurrence_at: r.get(at + 8)?,
        late_note: r.get(at + 9)?,
        late_note_at: r.get(at + 10)?,
    })
}

impl Store {
    pub fn insert_appointment(tx: &Transaction<'_>, start_at: i64, minutes: i64, room: &str, now: i64) -> Result<i64> {
        tx.execute(
            "INSERT INTO appointments (start_at, minutes, room, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![start_at, minutes, room, now],
        )?;
        Ok(tx.last_insert_rowid())
    }

    pub fn insert_participant(tx: &Transaction<'_>, appointment_id: i64, client_id: i64) -> Result<i64> {
        tx.execute(
            "INSERT INTO participants (appointment_id, client_id) VALUES (?1, ?2)",
            params![appointment_id, client_id],
        )?;
        Ok(tx.last_insert_rowid())
    }

    pub fn appointment(&self, id: i64) -> Result<Option<ApptRow>> {
        let sql = format!("SELECT {APPT_COLUMNS} FROM appointments a WHERE a.id = ?1");
        Ok(self.conn.prepare_cached(&sql)?.query_row([id], |r| appt_from(r, 0)).optional()?)
    }

    /// Appointments starting in `[from, to)`, earliest first.
    pub fn appointments_between(&self, from: i64, to: i64) -> Result<Vec<ApptRow>> {
        let sql = format!(
            "SELECT {APPT_COLUMNS} FROM appointments a
             WHERE a.start_at >= ?1 AND a.start_at < ?2 ORDER BY a.start_at, a.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([from, to], |r| appt_from(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The client's appointments starting in `[from, to)` with their live
    /// link in each, earliest first. Appointments they were removed from
    /// are left out.
    pub fn appointments_of_client(&self, client_id: i64, from: i64, to: i64) -> Result<Vec<(ApptRow, LinkRow)>> {
        let sql = format!(
            "SELECT {APPT_COLUMNS}, {} FROM participants p
             JOIN appointments a ON a.id = p.appointment_id
             JOIN links l ON l.participant_id = p.id AND l.revoked_at IS NULL
             WHERE p.client_id = ?1 AND p.removed_at IS NULL AND a.start_at >= ?2 AND a.start_at < ?3
             ORDER BY a.start_at, a.id",
            super::links::LINK_COLUMNS
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![client_id, from, to], |r| {
            Ok((appt_from(r, 0)?, super::links::link_from(r, APPT_WIDTH)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The client's appointments that ended at or before `at`, newest
    /// first, at most `limit` (removed participants left out, cancelled
    /// ones kept): a client page's history, which may reach back years.
    pub fn past_appointments_of_client(&self, client_id: i64, at: i64, limit: usize) -> Result<Vec<ApptRow>> {
        let sql = format!(
            "SELECT {APPT_COLUMNS} FROM participants p
             JOIN appointments a ON a.id = p.appointment_id
             WHERE p.client_id = ?1 AND p.removed_at IS NULL AND a.start_at + a.minutes * 60 <= ?2
             ORDER BY a.start_at DESC, a.id DESC LIMIT ?3"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![client_id, at, limit], |r| appt_from(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Everyone in the appointment (removed participants left out), with
    /// each one's live link, in the order they were added.
    pub fn participants(&self, appointment_id: i64) -> Result<Vec<ParticipantRow>> {
        let sql = format!(
            "SELECT p.id, p.client_id, c.name, l.id, {} FROM participants p
             JOIN clients c ON c.id = p.client_id
             LEFT JOIN links l ON l.participant_id = p.id AND l.revoked_at IS NULL
             WHERE p.appointment_id = ?1 AND p.removed_at IS NULL ORDER BY p.id",
            super::links::LINK_COLUMNS
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([appointment_id], |r| {
            let has_link: Option<i64> = r.get(3)?;
            Ok(ParticipantRow {
                id: r.get(0)?,
                client_id: r.get(1)?,
                name: r.get(2)?,
                link: match has_link {
                    Some(_) => Some(super::links::link_from(r, 4)?),
                    None => None,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Reschedule; links stay as they are. Raises the sequence for calendars.
    /// The moved session has not started: Start and admissions are cleared,
    /// and so is a running-late note, which was about the old time.
    pub fn move_appointment(tx: &Transaction<'_>, id: i64, start_at: i64, minutes: i64, now: i64) -> Result<()> {
        tx.execute(
            "UPDATE appointments SET start_at = ?2, minutes = ?3, sequence = sequence + 1, updated_at = ?4,
                    started_at = NULL, late_note = NULL, late_note_at = NULL
             WHERE id = ?1",
            params![id, start_at, minutes, now],
        )?;
        tx.execute("UPDATE participants SET admitted_at = NULL WHERE appointment_id = ?1", [id])?;
        Ok(())
    }

    /// The clinician pressed Start. Pressing it again keeps the first time.
    pub fn start_appointment(tx: &Transaction<'_>, id: i64, now: i64) -> Result<()> {
        tx.execute("UPDATE appointments SET started_at = ?2 WHERE id = ?1 AND started_at IS NULL", params![id, now])?;
        Ok(())
    }

    /// Let participants past the waiting room: one client, or everyone in
    /// the appointment. Returns the clients admitted now (not before).
    pub fn admit(tx: &Transaction<'_>, appointment_id: i64, client_id: Option<i64>, now: i64) -> Result<Vec<i64>> {
        let mut stmt = tx.prepare_cached(
            "UPDATE participants SET admitted_at = ?3
             WHERE appointment_id = ?1 AND (?2 IS NULL OR client_id = ?2)
               AND removed_at IS NULL AND admitted_at IS NULL
             RETURNING client_id",
        )?;
        let rows = stmt.query_map(params![appointment_id, client_id, now], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Set the running-late note (`None` clears it). Returns whether the
    /// appointment exists.
    pub fn set_late_note(tx: &Transaction<'_>, id: i64, note: Option<&str>, now: i64) -> Result<bool> {
        Ok(tx.execute(
            "UPDATE appointments SET late_note = ?2, late_note_at = CASE WHEN ?2 IS NULL THEN NULL ELSE ?3 END
             WHERE id = ?1",
            params![id, note, now],
        )? == 1)
    }

    pub fn cancel_appointment(tx: &Transaction<'_>, id: i64, now: i64) -> Result<()> {
        tx.execute(
            "UPDATE appointments SET cancelled_at = ?2, sequence = sequence + 1, updated_at = ?2
             WHERE id = ?1 AND cancelled_at IS NULL",
            params![id, now],
        )?;
        Ok(())
    }
}
