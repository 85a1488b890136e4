//! Changing who takes part in one appointment: adding a client, removing
//! one, bringing a removed one back, and the outbox rows of one
//! participant. A participant is never deleted: `removed_at` keeps the
//! row (and its links, revoked) for the record, and UNIQUE(appointment_id,
//! client_id) means a client added back revives that same row.

use rusqlite::{OptionalExtension, Transaction, params};

use super::appointments::{APPT_COLUMNS, ApptRow, appt_from};
use super::{MessageKind, Store, seed_from};
use crate::error::Result;
use crate::token::Seed;

/// A participant row whatever its state, for the rules about changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub participant_id: i64,
    /// When the client was removed; `None` while they take part.
    pub removed_at: Option<i64>,
}

/// What a message to one participant needs to know about them: whether
/// they were removed, and their newest link (live, or revoked with the
/// removal) to name in it.
#[derive(Debug, Clone)]
pub struct Addressee {
    pub removed: bool,
    pub seed: Option<Seed>,
}

/// One of a client's future appointments, with the other clients in it.
#[derive(Debug, Clone)]
pub struct Booked {
    pub appt: ApptRow,
    /// The names of the other participants (removed ones left out).
    pub others: Vec<String>,
}

impl Store {
    /// The client's row in the appointment, removed or not.
    pub fn membership(&self, appointment_id: i64, client_id: i64) -> Result<Option<Membership>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id, removed_at FROM participants WHERE appointment_id = ?1 AND client_id = ?2")?
            .query_row([appointment_id, client_id], |r| {
                Ok(Membership { participant_id: r.get(0)?, removed_at: r.get(1)? })
            })
            .optional()?)
    }

    /// The appointment, read inside a writing transaction.
    pub fn appointment_in(tx: &Transaction<'_>, id: i64) -> Result<Option<ApptRow>> {
        let sql = format!("SELECT {APPT_COLUMNS} FROM appointments a WHERE a.id = ?1");
        Ok(tx.prepare_cached(&sql)?.query_row([id], |r| appt_from(r, 0)).optional()?)
    }

    /// The client's participant id in the appointment, whether or not
    /// they were removed, read inside a writing transaction.
    pub fn participant_row_in(tx: &Transaction<'_>, appointment_id: i64, client_id: i64) -> Result<Option<i64>> {
        Ok(tx
            .prepare_cached("SELECT id FROM participants WHERE appointment_id = ?1 AND client_id = ?2")?
            .query_row([appointment_id, client_id], |r| r.get(0))
            .optional()?)
    }

    /// The client's participant id in the appointment while they take
    /// part, read inside a writing transaction.
    pub fn membership_in(tx: &Transaction<'_>, appointment_id: i64, client_id: i64) -> Result<Option<i64>> {
        Ok(tx
            .prepare_cached(
                "SELECT id FROM participants WHERE appointment_id = ?1 AND client_id = ?2 AND removed_at IS NULL",
            )?
            .query_row([appointment_id, client_id], |r| r.get(0))
            .optional()?)
    }

    /// Take the participant out: their links are revoked (so bringing them
    /// back later cannot wake an old link), their admission is forgotten,
    /// and every message still waiting for them is dropped, saying why.
    pub fn remove_participant(tx: &Transaction<'_>, participant_id: i64, now: i64) -> Result<()> {
        tx.execute(
            "UPDATE participants SET removed_at = ?2, admitted_at = NULL WHERE id = ?1 AND removed_at IS NULL",
            params![participant_id, now],
        )?;
        Store::revoke_links(tx, participant_id, now)?;
        tx.execute(
            "UPDATE outbox SET state = 'skipped', error = 'the client was removed from this session'
             WHERE participant_id = ?1 AND state = 'pending'",
            [participant_id],
        )?;
        Ok(())
    }

    /// Bring a removed participant back (the caller gives them a fresh
    /// link). A cancellation still waiting for them is dropped.
    pub fn revive_participant(tx: &Transaction<'_>, participant_id: i64) -> Result<()> {
        tx.execute("UPDATE participants SET removed_at = NULL, admitted_at = NULL WHERE id = ?1", [participant_id])?;
        tx.execute(
            "UPDATE outbox SET state = 'skipped', error = 'the client was added back to this session'
             WHERE participant_id = ?1 AND state = 'pending'",
            [participant_id],
        )?;
        Ok(())
    }

    /// Was the participant told of the session? A message reached them
    /// or may have (`sent`, `sending`, `unknown`), or one of their links
    /// was opened (the clinician may have passed it on by hand).
    pub fn participant_told(tx: &Transaction<'_>, participant_id: i64) -> Result<bool> {
        Ok(tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE participant_id = ?1
                                  AND state IN ('sent', 'sending', 'unknown'))
                     OR EXISTS (SELECT 1 FROM links WHERE participant_id = ?1 AND last_opened_at IS NOT NULL)",
            )?
            .query_row([participant_id], |r| r.get(0))?)
    }

    /// How many clients take part in the appointment now.
    pub fn participant_count(tx: &Transaction<'_>, appointment_id: i64) -> Result<i64> {
        Ok(tx
            .prepare_cached("SELECT count(*) FROM participants WHERE appointment_id = ?1 AND removed_at IS NULL")?
            .query_row([appointment_id], |r| r.get(0))?)
    }

    /// Put `messages` (kind, reminder hours, due time) in the outbox for
    /// one participant at version `sequence` of the appointment. A row of
    /// the same kind and version from before a removal is made new again
    /// (the client needs the message with their fresh link), unless it is
    /// being sent this moment.
    pub fn put_outbox_for(
        tx: &Transaction<'_>,
        participant_id: i64,
        sequence: i64,
        messages: impl IntoIterator<Item = (MessageKind, i64, i64)>,
    ) -> Result<()> {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO outbox (participant_id, kind, sequence, hours, due_at, next_try_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (participant_id, kind, sequence, hours) WHERE kind != 'resend' DO UPDATE
             SET state = 'pending', due_at = excluded.due_at, next_try_at = excluded.due_at, attempts = 0,
                 sent_at = NULL, error = NULL
             WHERE state != 'sending'",
        )?;
        for (kind, hours, due_at) in messages {
            upsert.execute(params![participant_id, kind.as_str(), sequence, hours, due_at])?;
        }
        Ok(())
    }

    /// Whether the participant was removed, and their newest link.
    pub fn addressee(&self, participant_id: i64) -> Result<Option<Addressee>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT p.removed_at IS NOT NULL,
                        (SELECT seed FROM links WHERE participant_id = p.id ORDER BY id DESC LIMIT 1)
                 FROM participants p WHERE p.id = ?1",
            )?
            .query_row([participant_id], |r| {
                let seed: Option<Vec<u8>> = r.get(1)?;
                Ok(Addressee { removed: r.get(0)?, seed: seed.map(seed_from).transpose()? })
            })
            .optional()?)
    }

    /// The client's appointments that start after `now` and are not
    /// cancelled, with the other clients in each, earliest first.
    pub fn future_bookings(&self, client_id: i64, now: i64) -> Result<Vec<Booked>> {
        Store::future_bookings_in(&self.conn, client_id, now)
    }

    /// [`Store::future_bookings`] on `conn`, which may be a writing
    /// transaction: archiving reads and changes them in one.
    pub fn future_bookings_in(conn: &rusqlite::Connection, client_id: i64, now: i64) -> Result<Vec<Booked>> {
        let sql = format!(
            "SELECT {APPT_COLUMNS},
                    (SELECT group_concat(c.name, char(31)) FROM participants o JOIN clients c ON c.id = o.client_id
                     WHERE o.appointment_id = a.id AND o.client_id != p.client_id AND o.removed_at IS NULL)
             FROM participants p JOIN appointments a ON a.id = p.appointment_id
             WHERE p.client_id = ?1 AND p.removed_at IS NULL AND a.cancelled_at IS NULL AND a.start_at > ?2
             ORDER BY a.start_at, a.id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([client_id, now], |r| {
            // Names hold no control characters (`validate_name`): the
            // unit separator cannot occur inside one.
            let others: Option<String> = r.get(super::appointments::APPT_WIDTH)?;
            let others = others.map(|o| o.split('\u{1f}').map(str::to_string).collect()).unwrap_or_default();
            Ok(Booked { appt: appt_from(r, 0)?, others })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
