//! How the calendar sync stands (`calendar_import_url`, fetched by the
//! server every 15 minutes): each try's outcome recorded, and read back
//! for the dashboard. A failed try keeps the last good one's counts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::App;
use super::import::ImportReport;
use crate::error::Result;
use crate::store::Store;
use crate::times;

/// What the last good sync brought: the counts of its [`ImportReport`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCounts {
    pub created: usize,
    pub updated: usize,
    pub cancelled: usize,
    pub unchanged: usize,
    pub unmatched: usize,
}

/// The sync as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// The last try.
    pub tried_at: DateTime<Utc>,
    /// The last try that worked, and what it brought.
    pub ok: Option<(DateTime<Utc>, SyncCounts)>,
    /// Why the last try failed (never the address); `None` if it worked.
    pub error: Option<String>,
}

impl App {
    /// How the sync stands; `None` before its first try since the address
    /// was set.
    pub fn sync_status(&self) -> Result<Option<SyncStatus>> {
        let Some(row) = self.store.sync_row()? else { return Ok(None) };
        let counts = row.summary.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        Ok(Some(SyncStatus {
            tried_at: times::from_unix(row.tried_at),
            ok: row.ok_at.map(|at| (times::from_unix(at), counts)),
            error: row.error,
        }))
    }

    /// Record a try at `now`: the report of an import that worked, or why
    /// the fetch or the import failed (a sentence without the address).
    pub fn record_sync(&mut self, outcome: Result<&ImportReport, &str>, now: DateTime<Utc>) -> Result<()> {
        let at = now.timestamp();
        match outcome {
            Ok(r) => {
                let counts = SyncCounts {
                    created: r.created,
                    updated: r.updated,
                    cancelled: r.cancelled,
                    unchanged: r.unchanged,
                    unmatched: r.unmatched.len(),
                };
                let summary = serde_json::to_string(&counts).expect("counts serialise");
                self.store.write(|tx| Store::sync_worked(tx, at, &summary))
            }
            Err(why) => self.store.write(|tx| Store::sync_failed(tx, at, why)),
        }
    }

    /// Forget how the sync stood: its address changed or it was turned off.
    pub(super) fn forget_sync(&mut self) -> Result<()> {
        self.store.write(Store::forget_sync)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_try_keeps_what_the_last_good_one_brought() {
        let mut app = super::super::test_app();
        let t = |s: i64| times::from_unix(1_800_000_000 + s);
        assert_eq!(app.sync_status().unwrap(), None);
        let report = ImportReport { created: 2, updated: 1, unchanged: 4, ..Default::default() };
        app.record_sync(Ok(&report), t(0)).unwrap();
        app.record_sync(Err("could not fetch the calendar: the calendar's server answered 404 Not Found"), t(900))
            .unwrap();
        let status = app.sync_status().unwrap().unwrap();
        assert_eq!(status.tried_at, t(900));
        let counts = SyncCounts { created: 2, updated: 1, cancelled: 0, unchanged: 4, unmatched: 0 };
        assert_eq!(status.ok, Some((t(0), counts)));
        assert!(status.error.unwrap().contains("404"));
        let address = "https://cal.example.org/private-1.ics";
        app.set_setting("calendar_import_url", address, t(901)).unwrap();
        assert_eq!(app.sync_status().unwrap(), None, "another address starts afresh");
        app.record_sync(Ok(&report), t(902)).unwrap();
        app.set_setting("calendar_import_url", address, t(903)).unwrap();
        assert!(app.sync_status().unwrap().is_some(), "the same address typed again keeps its status");
        app.clear_setting("calendar_import_url", t(904)).unwrap();
        assert_eq!(app.sync_status().unwrap(), None, "sync turned off");
    }
}
