//! The clock guard: a clock that jumps back revives no link that closed
//! before the last time recorded.
//!
//! A Raspberry Pi has no battery clock; until NTP answers it may start at an
//! old time. Porchlight remembers the highest wall-clock time it has seen
//! (in memory, and in the database with every batch of page views, every
//! five minutes on a quiet box and at every start)
//! and reads "now" as the later of the clock and that mark. When the clock
//! is more than [`TOLERANCE`] behind the mark, it says so loudly.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

use crate::times;

/// How far behind the mark the clock may be before it counts as wrong.
pub const TOLERANCE: i64 = 120;

/// What the guard makes of the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The time to compute with: never before the highest time seen.
    pub now: DateTime<Utc>,
    /// Seconds the clock is behind the mark, when beyond the tolerance.
    pub behind: Option<i64>,
}

/// The pure rule: `real` read against the highest time seen, `high`.
pub fn read(real: DateTime<Utc>, high: i64) -> Reading {
    let lag = high - real.timestamp();
    if lag > 0 {
        Reading { now: times::from_unix(high), behind: (lag > TOLERANCE).then_some(lag) }
    } else {
        Reading { now: real, behind: None }
    }
}

/// The high-water mark shared by a server's threads.
#[derive(Debug, Default)]
pub struct Guard {
    high: AtomicI64,
    warned_at: AtomicI64,
    /// Seconds behind at the last reading (0 when fine).
    lag: AtomicI64,
}

impl Guard {
    pub fn new(high: i64) -> Guard {
        Guard { high: AtomicI64::new(high), warned_at: AtomicI64::new(0), lag: AtomicI64::new(0) }
    }

    /// Read the clock through the guard, raising the mark, and log (at most
    /// once a minute) while the clock is behind.
    pub fn now(&self, real: DateTime<Utc>) -> Reading {
        let high = self.high.fetch_max(real.timestamp(), Ordering::SeqCst).max(real.timestamp());
        let reading = read(real, high);
        self.lag.store(reading.behind.unwrap_or(0), Ordering::Relaxed);
        if let Some(lag) = reading.behind {
            let last = self.warned_at.load(Ordering::Relaxed);
            if real.timestamp() - last >= 60 || real.timestamp() < last {
                self.warned_at.store(real.timestamp(), Ordering::Relaxed);
                eprintln!(
                    "porchlight: WARNING: the system clock is {lag} s behind the latest time seen ({}); \
                     using that time until the clock catches up (check NTP)",
                    times::rfc3339(reading.now)
                );
            }
        }
        reading
    }

    /// Seconds the clock was behind at the last reading, if beyond the tolerance.
    pub fn behind(&self) -> Option<i64> {
        Some(self.lag.load(Ordering::Relaxed)).filter(|lag| *lag > 0)
    }

    /// The mark, for persisting.
    pub fn high(&self) -> i64 {
        self.high.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_clock_that_went_back_reads_as_the_highest_time_seen() {
        let high = t("2026-12-01T15:30:00Z").timestamp();
        let r = read(t("2026-12-01T09:00:00Z"), high);
        assert_eq!(r.now, t("2026-12-01T15:30:00Z"));
        assert_eq!(r.behind, Some(6 * 3600 + 1800));
        // Within the tolerance: still the mark, but no alarm.
        let r = read(t("2026-12-01T15:28:30Z"), high);
        assert_eq!((r.now, r.behind), (t("2026-12-01T15:30:00Z"), None));
        // Ahead of the mark: the clock itself.
        let r = read(t("2026-12-01T16:00:00Z"), high);
        assert_eq!((r.now, r.behind), (t("2026-12-01T16:00:00Z"), None));
    }

    #[test]
    fn the_guard_raises_its_mark_and_never_lowers_it() {
        let g = Guard::new(0);
        g.now(t("2026-12-01T15:00:00Z"));
        let back = g.now(t("2026-12-01T10:00:00Z"));
        assert_eq!(back.now, t("2026-12-01T15:00:00Z"));
        assert!(back.behind.is_some());
        assert_eq!(g.high(), t("2026-12-01T15:00:00Z").timestamp());
    }
}
