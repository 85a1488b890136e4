//! The status of the calendar sync (`calendar_sync`, one row): when the
//! synced address was last tried, when it last worked and what that
//! import brought, and why the last try failed. Never the address.

use rusqlite::{OptionalExtension, Transaction, params};

use super::Store;
use crate::error::Result;

/// The one row of `calendar_sync`, times in UTC seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRow {
    pub tried_at: i64,
    /// The last try that fetched and imported, if any did.
    pub ok_at: Option<i64>,
    /// Why the last try failed; `None` when it worked.
    pub error: Option<String>,
    /// The counts the last good import reported, as JSON.
    pub summary: Option<String>,
}

impl Store {
    /// How the sync stands; `None` before its first try.
    pub fn sync_row(&self) -> Result<Option<SyncRow>> {
        Ok(self
            .conn
            .prepare_cached("SELECT tried_at, ok_at, error, summary FROM calendar_sync WHERE id = 1")?
            .query_row([], |r| {
                Ok(SyncRow { tried_at: r.get(0)?, ok_at: r.get(1)?, error: r.get(2)?, summary: r.get(3)? })
            })
            .optional()?)
    }

    /// A try that worked at `now`, bringing `summary`.
    pub fn sync_worked(tx: &Transaction<'_>, now: i64, summary: &str) -> Result<()> {
        tx.prepare_cached(
            "INSERT INTO calendar_sync (id, tried_at, ok_at, error, summary) VALUES (1, ?1, ?1, NULL, ?2)
             ON CONFLICT (id) DO UPDATE SET tried_at = ?1, ok_at = ?1, error = NULL, summary = ?2",
        )?
        .execute(params![now, summary])?;
        Ok(())
    }

    /// A try that failed at `now`: the last good one stays as it was.
    pub fn sync_failed(tx: &Transaction<'_>, now: i64, error: &str) -> Result<()> {
        tx.prepare_cached(
            "INSERT INTO calendar_sync (id, tried_at, error) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET tried_at = ?1, error = ?2",
        )?
        .execute(params![now, error])?;
        Ok(())
    }

    /// Forget the status (the address changed or sync was turned off).
    pub fn forget_sync(tx: &Transaction<'_>) -> Result<()> {
        tx.execute("DELETE FROM calendar_sync", [])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_keeps_the_last_good_result() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.sync_row().unwrap(), None);
        store.write(|tx| Store::sync_failed(tx, 100, "no answer")).unwrap();
        let row = store.sync_row().unwrap().unwrap();
        assert_eq!((row.tried_at, row.ok_at, row.error.as_deref(), row.summary), (100, None, Some("no answer"), None));
        store.write(|tx| Store::sync_worked(tx, 200, r#"{"created":2}"#)).unwrap();
        store.write(|tx| Store::sync_failed(tx, 300, "404")).unwrap();
        let row = store.sync_row().unwrap().unwrap();
        assert_eq!(
            (row.tried_at, row.ok_at, row.error.as_deref(), row.summary.as_deref()),
            (300, Some(200), Some("404"), Some(r#"{"created":2}"#))
        );
        store.write(|tx| Store::sync_worked(tx, 400, "{}")).unwrap();
        assert_eq!(store.sync_row().unwrap().unwrap().error, None, "a good try clears the error");
        store.write(Store::forget_sync).unwrap();
        assert_eq!(store.sync_row().unwrap(), None);
    }
}
