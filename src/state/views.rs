//! "Last opened" of participant links, batched.
//!
//! Every page view would otherwise cost a synced write on the Pi's SD card.
//! Views are collected in memory and written in one transaction every
//! [`FLUSH_EVERY`] and at shutdown. A crash loses at most that much of
//! this one statistic; nothing a page reports as saved goes through here.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub const FLUSH_EVERY: Duration = Duration::from_secs(30);

/// While no page view is written, the clock mark is raised this often
/// instead of every [`FLUSH_EVERY`]. Every commit is a synced write on the
/// SD card, and with Litestream beside Porchlight also a file shipped to
/// the replica and a checkpoint: measured with the mark every 30 s, a
/// quiet box made Litestream write about 170 KiB a minute (BENCHMARKS.md,
/// "Continuous copy"). A clock set back across a restart can hide at most
/// this much of the time already seen (`clock::Guard`).
pub const MARK_WHEN_QUIET: Duration = Duration::from_secs(300);

/// Is a write due, at a flush with `views` page views waiting, the clock
/// mark last written `since_mark` ago, the server `stopping` or not?
pub fn write_due(views: usize, since_mark: Duration, stopping: bool) -> bool {
    views > 0 || stopping || since_mark >= MARK_WHEN_QUIET
}

#[derive(Default)]
pub struct ViewLog {
    pending: Mutex<HashMap<i64, i64>>,
}

impl ViewLog {
    /// Note that link `id` was opened at `at` (UTC seconds).
    pub fn note(&self, id: i64, at: i64) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let slot = p.entry(id).or_insert(at);
        *slot = (*slot).max(at);
    }

    /// Everything noted since the last call.
    pub fn take(&self) -> Vec<(i64, i64)> {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.drain().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_server_writes_every_five_minutes_a_busy_one_with_its_views() {
        assert!(!write_due(0, FLUSH_EVERY, false), "nothing to write, mark fresh: no commit");
        assert!(!write_due(0, Duration::from_secs(299), false));
        assert!(write_due(0, MARK_WHEN_QUIET, false), "quiet for five minutes: the mark alone");
        assert!(write_due(3, Duration::ZERO, false), "views go with the mark, in one commit");
        assert!(write_due(0, Duration::ZERO, true), "at shutdown, always");
    }

    #[test]
    fn repeated_views_collapse_to_the_latest() {
        let log = ViewLog::default();
        log.note(1, 100);
        log.note(1, 90);
        log.note(2, 50);
        let mut got = log.take();
        got.sort();
        assert_eq!(got, vec![(1, 100), (2, 50)]);
        assert!(log.take().is_empty());
    }
}
