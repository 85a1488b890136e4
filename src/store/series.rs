//! Repeating series, who they are for, and their occurrences.

use rusqlite::{OptionalExtension, Transaction, params};

use super::Store;
use super::appointments::{APPT_COLUMNS, ApptRow, appt_from};
use crate::error::Result;

/// A series as stored: the rule text is checked by `recurrence.rs` when
/// it is read, never trusted as written.
#[derive(Debug, Clone)]
pub struct SeriesRow {
    pub id: i64,
    /// The RRULE value, e.g. `FREQ=WEEKLY;COUNT=10`.
    pub rrule: String,
    /// The first session's local wall time, `YYYY-MM-DDTHH:MM:SS` in `tzid`.
    pub dtstart: String,
    /// The IANA zone the rule is kept in.
    pub tzid: String,
    pub minutes: i64,
    /// Every occurrence before this instant (UTC seconds) exists.
    pub made_until: i64,
    pub ended_at: Option<i64>,
    pub created_at: i64,
}

const SERIES_COLUMNS: &str = "s.id, s.rrule, s.dtstart, s.tzid, s.minutes, s.made_until, s.ended_at, s.created_at";

fn series_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<SeriesRow> {
    Ok(SeriesRow {
        id: r.get(0)?,
        rrule: r.get(1)?,
        dtstart: r.get(2)?,
        tzid: r.get(3)?,
        minutes: r.get(4)?,
        made_until: r.get(5)?,
        ended_at: r.get(6)?,
        created_at: r.get(7)?,
    })
}

/// What a new series is made of.
#[derive(Debug, Clone)]
pub struct NewSeries<'a> {
    pub rrule: &'a str,
    pub dtstart: &'a str,
    pub tzid: &'a str,
    pub minutes: i64,
    pub made_until: i64,
}

impl Store {
    pub fn insert_series(tx: &Transaction<'_>, new: &NewSeries<'_>, clients: &[i64], now: i64) -> Result<i64> {
        tx.execute(
            "INSERT INTO series (rrule, dtstart, tzid, minutes, made_until, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![new.rrule, new.dtstart, new.tzid, new.minutes, new.made_until, now],
        )?;
        let id = tx.last_insert_rowid();
        for client in clients {
            tx.execute("INSERT INTO series_clients (series_id, client_id) VALUES (?1, ?2)", params![id, client])?;
        }
        Ok(id)
    }

    /// A new occurrence of `series` at `recurrence_at`, unless that one
    /// exists already (moved or cancelled as it may be): then `None`.
    pub fn insert_occurrence(
        tx: &Transaction<'_>,
        series: i64,
        recurrence_at: i64,
        minutes: i64,
        room: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        let made = tx.execute(
            "INSERT INTO appointments (start_at, minutes, room, created_at, updated_at, series_id, recurrence_at)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?1)
             ON CONFLICT (series_id, recurrence_at) DO NOTHING",
            params![recurrence_at, minutes, room, now, series],
        )?;
        Ok((made == 1).then(|| tx.last_insert_rowid()))
    }

    pub fn series(&self, id: i64) -> Result<Option<SeriesRow>> {
        let sql = format!("SELECT {SERIES_COLUMNS} FROM series s WHERE s.id = ?1");
        Ok(self.conn.prepare_cached(&sql)?.query_row([id], series_from).optional()?)
    }

    /// Every series, newest first; with `client`, only the series they are in.
    pub fn series_list(&self, client: Option<i64>) -> Result<Vec<SeriesRow>> {
        let sql = format!(
            "SELECT {SERIES_COLUMNS} FROM series s
             WHERE ?1 IS NULL OR s.id IN (SELECT series_id FROM series_clients WHERE client_id = ?1)
             ORDER BY s.id DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([client], series_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Series still running whose occurrences stop short of `until`.
    pub fn series_to_extend(&self, until: i64) -> Result<Vec<SeriesRow>> {
        let sql = format!(
            "SELECT {SERIES_COLUMNS} FROM series s WHERE s.ended_at IS NULL AND s.made_until < ?1 ORDER BY s.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([until], series_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The series' clients as (id, name, gone: archived or left), in the
    /// order added.
    pub fn series_clients(&self, series: i64) -> Result<Vec<(i64, String, bool)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.name, c.archived_at IS NOT NULL OR sc.left_at IS NOT NULL FROM series_clients sc
             JOIN clients c ON c.id = sc.client_id WHERE sc.series_id = ?1 ORDER BY c.id",
        )?;
        let rows = stmt.query_map([series], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The occurrences of `series` whose RECURRENCE-ID is at or after
    /// `from`, in rule order (moved ones where the rule put them).
    pub fn occurrences(&self, series: i64, from: i64) -> Result<Vec<ApptRow>> {
        let sql = format!(
            "SELECT {APPT_COLUMNS} FROM appointments a
             WHERE a.series_id = ?1 AND a.recurrence_at >= ?2 ORDER BY a.recurrence_at"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([series, from], |r| appt_from(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn set_made_until(tx: &Transaction<'_>, series: i64, until: i64, now: i64) -> Result<()> {
        tx.execute("UPDATE series SET made_until = ?2, updated_at = ?3 WHERE id = ?1", params![series, until, now])?;
        Ok(())
    }

    pub fn set_series_rule(tx: &Transaction<'_>, series: i64, rrule: &str, now: i64) -> Result<()> {
        tx.execute("UPDATE series SET rrule = ?2, updated_at = ?3 WHERE id = ?1", params![series, rrule, now])?;
        Ok(())
    }

    /// No occurrence is made any more. Ending twice keeps the first time.
    pub fn end_series(tx: &Transaction<'_>, series: i64, now: i64) -> Result<()> {
        tx.execute(
            "UPDATE series SET ended_at = ?2, updated_at = ?2 WHERE id = ?1 AND ended_at IS NULL",
            params![series, now],
        )?;
        Ok(())
    }

    /// Take `client` out of every series they are in (archiving them);
    /// a series left with nobody ends. Returns how many they left.
    pub fn leave_series(tx: &Transaction<'_>, client: i64, now: i64) -> Result<usize> {
        let left = tx.execute(
            "UPDATE series_clients SET left_at = ?2 WHERE client_id = ?1 AND left_at IS NULL",
            params![client, now],
        )?;
        tx.execute(
            "UPDATE series SET ended_at = ?1, updated_at = ?1
             WHERE ended_at IS NULL
               AND id NOT IN (SELECT series_id FROM series_clients WHERE left_at IS NULL)",
            [now],
        )?;
        Ok(left)
    }

    /// Forget a series none of whose occurrences is left with it (all
    /// were handed to another): it would only list as an empty series.
    pub fn delete_empty_series(tx: &Transaction<'_>, series: i64) -> Result<()> {
        tx.execute("DELETE FROM series_clients WHERE series_id = ?1", [series])?;
        tx.execute("DELETE FROM series WHERE id = ?1", [series])?;
        Ok(())
    }

    /// Hand an occurrence to another series (a "this and following"
    /// change) at the instant the new rule gives it.
    pub fn reassign_occurrence(tx: &Transaction<'_>, appt: i64, series: i64, recurrence_at: i64) -> Result<()> {
        tx.execute(
            "UPDATE appointments SET series_id = ?2, recurrence_at = ?3 WHERE id = ?1",
            params![appt, series, recurrence_at],
        )?;
        Ok(())
    }
}
