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
