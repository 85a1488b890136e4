//! The outbox: planned messages and what became of each.
//!
//! States: `pending` (waiting for its time or its next try), `sending`
//! (claimed, committed before the message leaves), `sent`, `failed` (the
//! server refused it for good), `unknown` (the program stopped while
//! sending), `skipped` (no longer wanted, with the reason).

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::Store;
use crate::error::Result;

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// "Your session is on …", `hours` before the start.
    Reminder,
    /// The session moved: the new time, sent at once.
    Update,
    /// The session was cancelled, sent at once.
    Cancel,
    /// "Your session has started: join with this link", sent at once when
    /// the clinician presses "Send the link again" (`app::late`).
    Resend,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Reminder => "reminder",
            MessageKind::Update => "update",
            MessageKind::Cancel => "cancel",
            MessageKind::Resend => "resend",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        match s {
            "reminder" => Some(MessageKind::Reminder),
            "update" => Some(MessageKind::Update),
            "cancel" => Some(MessageKind::Cancel),
            "resend" => Some(MessageKind::Resend),
            _ => None,
        }
    }
}

/// One outbox row with the appointment and client it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub participant_id: i64,
    pub appointment_id: i64,
    pub client_id: i64,
    pub kind: MessageKind,
    pub sequence: i64,
    pub hours: i64,
    pub due_at: i64,
    pub state: String,
    pub attempts: i64,
    pub next_try_at: i64,
    pub sent_at: Option<i64>,
    pub error: Option<String>,
}

const COLUMNS: &str = "o.id, o.participant_id, p.appointment_id, p.client_id, o.kind, o.sequence, o.hours, o.due_at,
     o.state, o.attempts, o.next_try_at, o.sent_at, o.error";

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    let kind: String = r.get(4)?;
    Ok(OutboxRow {
        id: r.get(0)?,
        participant_id: r.get(1)?,
        appointment_id: r.get(2)?,
        client_id: r.get(3)?,
        kind: MessageKind::parse(&kind).unwrap_or(MessageKind::Reminder),
        sequence: r.get(5)?,
        hours: r.get(6)?,
        due_at: r.get(7)?,
        state: r.get(8)?,
        attempts: r.get(9)?,
        next_try_at: r.get(10)?,
        sent_at: r.get(11)?,
        error: r.get(12)?,
    })
}

impl Store {
    /// Start, version (`sequence`) and whether it is cancelled, of the
    /// appointment `appointment_id`, for planning its messages.
    pub fn appointment_version(tx: &Transaction<'_>, appointment_id: i64) -> Result<Option<(i64, i64, bool)>> {
        Ok(tx
            .prepare_cached("SELECT start_at, sequence, cancelled_at IS NOT NULL FROM appointments WHERE id = ?1")?
            .query_row([appointment_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?)
    }

    /// Put `messages` (kind, reminder hours, due time) in the outbox for
    /// every participant of version `sequence` of the appointment, and
    /// retire what an older version planned (but the cancellation a
    /// removed participant is owed, which no later change replaces). Runs
    /// in the transaction that changed the appointment; which messages,
    /// is the caller's rule.
    pub fn put_outbox(
        tx: &Transaction<'_>,
        appointment_id: i64,
        sequence: i64,
        messages: impl IntoIterator<Item = (MessageKind, i64, i64)>,
    ) -> Result<()> {
        tx.execute(
            "UPDATE outbox SET state = 'skipped', error = 'the session was changed; a newer message replaces this one'
             WHERE participant_id IN (SELECT id FROM participants WHERE appointment_id = ?1 AND removed_at IS NULL)
               AND sequence < ?2 AND kind != 'resend' AND +state = 'pending'",
            params![appointment_id, sequence],
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO outbox (participant_id, kind, sequence, hours, due_at, next_try_at)
             SELECT p.id, ?2, ?3, ?4, ?5, ?5 FROM participants p WHERE p.appointment_id = ?1 AND p.removed_at IS NULL",
        )?;
        for (kind, hours, due_at) in messages {
            insert.execute(params![appointment_id, kind.as_str(), sequence, hours, due_at])?;
        }
        Ok(())
    }

    /// Appointments that have not started, for planning again after the
    /// reminder hours changed.
    pub fn future_appointment_ids(&self, now: i64) -> Result<Vec<i64>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT id FROM appointments WHERE start_at > ?1 AND cancelled_at IS NULL")?;
        let rows = stmt.query_map([now], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// After a crash: rows claimed but never finished may or may not have
    /// been sent. They become `unknown`, for the clinician to decide.
    pub fn recover_outbox(&mut self) -> Result<usize> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE outbox SET state = 'unknown',
                    error = 'Porchlight stopped while sending this message; it may or may not have arrived'
                 WHERE state = 'sending'",
                [],
            )?)
        })
    }

    /// Pending rows whose time has come, oldest first.
    pub fn due_outbox(&self, now: i64, limit: i64) -> Result<Vec<OutboxRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o JOIN participants p ON p.id = o.participant_id
             WHERE o.state = 'pending' AND o.next_try_at <= ?1 ORDER BY o.next_try_at, o.id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([now, limit], row_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the next pending row is due, if any.
    pub fn next_outbox_time(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT min(next_try_at) FROM outbox WHERE state = 'pending'", [], |r| r.get(0))?)
    }

    pub fn outbox_row(&self, id: i64) -> Result<Option<OutboxRow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM outbox o JOIN participants p ON p.id = o.participant_id WHERE o.id = ?1");
        Ok(self.conn.prepare_cached(&sql)?.query_row([id], row_from).optional()?)
    }

    /// Rows the clinician should see: failed, unknown, or retrying.
    pub fn outbox_problems(&self) -> Result<Vec<OutboxRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o JOIN participants p ON p.id = o.participant_id
             WHERE o.state IN ('failed', 'unknown') OR (o.state = 'pending' AND o.error IS NOT NULL)
             ORDER BY o.due_at DESC LIMIT 50"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], row_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest new-time and cancellation rows of sessions that have
    /// not started, still waiting or skipped: the ones that may never
    /// reach their client (see `app::untold`). One appointment's, or all.
    pub fn outbox_changes_unsent(&self, appointment_id: Option<i64>, now: i64) -> Result<Vec<OutboxRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o JOIN participants p ON p.id = o.participant_id
             JOIN appointments a ON a.id = p.appointment_id
             WHERE o.kind IN ('update', 'cancel') AND o.state IN ('pending', 'skipped')
               AND o.sequence = a.sequence AND a.start_at > ?1 AND (?2 IS NULL OR a.id = ?2)
             ORDER BY a.start_at, o.id LIMIT 50"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![now, appointment_id], row_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every row of one appointment, for its page.
    pub fn outbox_of(&self, appointment_id: i64) -> Result<Vec<OutboxRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o JOIN participants p ON p.id = o.participant_id
             WHERE p.appointment_id = ?1 ORDER BY o.due_at, o.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([appointment_id], row_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Claim a pending row for sending, with every other pending row of the
    /// same participant and version that is due too: one message goes out
    /// for all of them. `false` if someone else claimed it first.
    pub fn claim_outbox(&mut self, row: &OutboxRow, now: i64) -> Result<bool> {
        self.write(|tx| {
            let claimed = tx.execute(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?1 AND state = 'pending'",
                [row.id],
            )?;
            // A reminder and an update due together go as one; a
            // cancellation and a link sent again always go on their own.
            if claimed == 1 && matches!(row.kind, MessageKind::Reminder | MessageKind::Update) {
                tx.execute(
                    "UPDATE outbox SET state = 'skipped', error = 'sent together with message ' || ?1
                     WHERE participant_id = ?2 AND sequence = ?3 AND kind IN ('reminder', 'update')
                       AND +state = 'pending'
                       AND due_at <= ?4 AND id != ?1",
                    params![row.id, row.participant_id, row.sequence, now],
                )?;
            }
            Ok(claimed == 1)
        })
    }

    /// The message left and the server took it.
    pub fn outbox_sent(&mut self, id: i64, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE outbox SET state = 'sent', sent_at = ?2, error = NULL WHERE id = ?1", [id, now])?;
            Ok(())
        })
    }

    /// Try again at `next` after a failure that did not deliver.
    pub fn outbox_retry(&mut self, id: i64, next: i64, error: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET state = 'pending', next_try_at = ?2, error = ?3 WHERE id = ?1",
                params![id, next, error],
            )?;
            Ok(())
        })
    }

    /// Give up (`failed`) or drop (`skipped`) a row, saying why.
    pub fn outbox_close(&mut self, id: i64, state: &str, why: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE outbox SET state = ?2, error = ?3 WHERE id = ?1", params![id, state, why])?;
            Ok(())
        })
    }

    /// Queue "Send the link again" for one participant, due at once.
    pub fn queue_resend(tx: &Transaction<'_>, participant_id: i64, sequence: i64, now: i64) -> Result<i64> {
        tx.execute(
            "INSERT INTO outbox (participant_id, kind, sequence, hours, due_at, next_try_at)
             VALUES (?1, 'resend', ?2, 0, ?3, ?3)",
            params![participant_id, sequence, now],
        )?;
        Ok(tx.last_insert_rowid())
    }

    /// When the link was last queued again for this participant, if ever.
    pub fn last_resend(tx: &Transaction<'_>, participant_id: i64) -> Result<Option<i64>> {
        Ok(tx
            .prepare_cached("SELECT max(due_at) FROM outbox WHERE participant_id = ?1 AND kind = 'resend'")?
            .query_row([participant_id], |r| r.get(0))?)
    }

    /// The clinician's Send now: a failed, unknown or waiting row is tried
    /// at once. `false` if it was sent or skipped meanwhile.
    pub fn outbox_send_now(tx: &Transaction<'_>, id: i64, now: i64) -> Result<bool> {
        Ok(tx.execute(
            "UPDATE outbox SET state = 'pending', next_try_at = ?2
             WHERE id = ?1 AND state IN ('pending', 'failed', 'unknown')",
            [id, now],
        )? == 1)
    }
}
