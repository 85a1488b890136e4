//! The clinician's calendar feed token: one live row, rotated ones revoked.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, seed_from};
use crate::error::Result;
use crate::token::{Seed, Tag};

impl Store {
    /// The live feed's seed, if the feed is on.
    pub fn live_feed(&self) -> Result<Option<Seed>> {
        let seed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT seed FROM calendar_feeds WHERE revoked_at IS NULL ORDER BY id DESC LIMIT 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        Ok(seed.map(seed_from).transpose()?)
    }

    /// The seed of the live feed with this tag.
    pub fn feed_by_tag(&self, tag: &Tag) -> Result<Option<Seed>> {
        let seed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT seed FROM calendar_feeds WHERE token_tag = ?1 AND revoked_at IS NULL")?
            .query_row([tag.as_slice()], |r| r.get(0))
            .optional()?;
        Ok(seed.map(seed_from).transpose()?)
    }

    /// Revoke the live feed, and store a new one when a seed is given.
    pub fn replace_feed(tx: &Transaction<'_>, new: Option<(&Seed, &Tag)>, now: i64) -> Result<()> {
        tx.execute("UPDATE calendar_feeds SET revoked_at = ?1 WHERE revoked_at IS NULL", [now])?;
        if let Some((seed, tag)) = new {
            tx.execute(
                "INSERT INTO calendar_feeds (seed, token_tag, created_at) VALUES (?1, ?2, ?3)",
                params![seed.as_slice(), tag.as_slice(), now],
            )?;
        }
        Ok(())
    }
}
