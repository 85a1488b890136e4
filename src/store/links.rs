//! Participant links: insert, rotate, look up by keyed tag, note views.

use rusqlite::{OptionalExtension, Transaction, params};

use super::appointments::{APPT_COLUMNS, ApptRow, appt_from};
use super::{Store, seed_from};
use crate::error::Result;
use crate::token::{Seed, Tag};

/// A participant link as stored: the seed its token and code derive from.
#[derive(Debug, Clone)]
pub struct LinkRow {
    pub id: i64,
    pub participant_id: i64,
    pub client_id: i64,
    pub seed: Seed,
    /// The link was rotated, or its participant removed.
    pub revoked: bool,
    pub last_opened_at: Option<i64>,
    /// The clinician let this participant past the waiting room.
    pub admitted: bool,
    /// The participant was removed from the appointment (then `revoked`
    /// too): the page tells them so rather than "a newer link".
    pub removed: bool,
}

pub(super) const LINK_COLUMNS: &str = "l.id, l.participant_id, p.client_id, l.seed, (l.revoked_at IS NOT NULL OR p.removed_at IS NOT NULL), l.last_opened_at, p.admitted_at IS NOT NULL, p.removed_at IS NOT NULL";
/// How many columns [`LINK_COLUMNS`] selects.
pub(super) const LINK_WIDTH: usize = 8;

pub(super) fn link_from(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<LinkRow> {
    Ok(LinkRow {
        id: r.get(at)?,
        participant_id: r.get(at + 1)?,
        client_id: r.get(at + 2)?,
        seed: seed_from(r.get(at + 3)?)?,
        revoked: r.get(at + 4)?,
        last_opened_at: r.get(at + 5)?,
        admitted: r.get(at + 6)?,
        removed: r.get(at + 7)?,
    })
}

/// Which keyed tag to look a link up by.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    Token(&'a Tag),
    Code(&'a Tag),
}

impl Store {
    /// Store a new live link for the participant. Fails with a constraint
    /// error in the (2^-40-rare) case that its code tag is taken; the
    /// caller retries with a fresh seed.
    pub fn insert_link(
        tx: &Transaction<'_>,
        participant_id: i64,
        seed: &Seed,
        token_tag: &Tag,
        code_tag: &Tag,
        now: i64,
    ) -> rusqlite::Result<i64> {
        tx.execute(
            "INSERT INTO links (participant_id, seed, token_tag, code_tag, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![participant_id, seed.as_slice(), token_tag.as_slice(), code_tag.as_slice(), now],
        )?;
        Ok(tx.last_insert_rowid())
    }

    /// Revoke every live link of the participant.
    pub fn revoke_links(tx: &Transaction<'_>, participant_id: i64, now: i64) -> Result<()> {
        tx.execute(
            "UPDATE links SET revoked_at = ?2 WHERE participant_id = ?1 AND revoked_at IS NULL",
            params![participant_id, now],
        )?;
        Ok(())
    }

    /// Find a link and its appointment by the keyed tag of its token or code.
    pub fn link_by(&self, by: By<'_>) -> Result<Option<(LinkRow, ApptRow)>> {
        let (column, tag) = match by {
            By::Token(tag) => ("token_tag", tag),
            By::Code(tag) => ("code_tag", tag),
        };
        let sql = format!(
            "SELECT {LINK_COLUMNS}, {APPT_COLUMNS} FROM links l
             JOIN participants p ON p.id = l.participant_id
             JOIN appointments a ON a.id = p.appointment_id
             WHERE l.{column} = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([tag.as_slice()], |r| Ok((link_from(r, 0)?, appt_from(r, LINK_WIDTH)?)))
            .optional()?)
    }

    /// A link by its id, with its appointment (for room tickets).
    pub fn link_by_id(&self, id: i64) -> Result<Option<(LinkRow, ApptRow)>> {
        let sql = format!(
            "SELECT {LINK_COLUMNS}, {APPT_COLUMNS} FROM links l
             JOIN participants p ON p.id = l.participant_id
             JOIN appointments a ON a.id = p.appointment_id
             WHERE l.id = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], |r| Ok((link_from(r, 0)?, appt_from(r, LINK_WIDTH)?)))
            .optional()?)
    }

    /// Record page views (`(link id, when)` pairs) and raise the clock
    /// mark to `high` (UTC seconds; never lowered), in one transaction:
    /// one synced write for both.
    pub fn note_views(&mut self, views: &[(i64, i64)], high: i64) -> Result<()> {
        let raise = high > self.clock_mark()?;
        if views.is_empty() && !raise {
            return Ok(());
        }
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE links SET last_opened_at = max(coalesce(last_opened_at, 0), ?2) WHERE id = ?1",
            )?;
            for &(id, at) in views {
                stmt.execute([id, at])?;
            }
            if raise {
                Store::set_meta(tx, "clock_high", &high.to_string())?;
            }
            Ok(())
        })
    }
}
