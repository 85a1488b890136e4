//! Audit entries anyone with an open link can cause again and again:
//! pressing Join (on the link page, the portal or the waiting page) and
//! entering and leaving the built-in room.
//!
//! Each entry is a synced write. A script pressing Join on one open link
//! wrote 800 entries a second, about 1.6 GB an hour on the Pi's SD card,
//! and buried the real events. So an entry that repeats one written for
//! the same link, with the same event and words, less than [`EVERY`] ago
//! is only counted in memory; the count goes into the next entry written
//! for it. One link then causes at most one write per outcome every five
//! minutes, and a client who presses Join twice, or on two devices, is
//! still let through every time: only the audit entry is coalesced.
//!
//! The memory is shared by every database connection of the server and
//! lost when it stops (the first press after a restart is written). Only
//! open links make entries, so there are few; [`MAX_KEYS`] is a backstop.

use std::collections::HashMap;
use std::sync::Mutex;

/// Seconds during which repeats of an entry are counted, not written.
pub const EVERY: i64 = 300;
/// Entries remembered at most.
const MAX_KEYS: usize = 4096;

#[derive(Default)]
pub struct Repeats {
    seen: Mutex<HashMap<Key, Seen>>,
}

/// What makes two entries the same: the link, where it was used from (an
/// address, or an IPv6 /64: `net::bucket`), the event, the words. With the
/// address in it, a leaked link used from elsewhere while its client is
/// in the session still leaves its own entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    link: i64,
    from: Option<std::net::IpAddr>,
    event: String,
    detail: String,
}

struct Seen {
    /// When the last entry was written (UTC seconds).
    written: i64,
    /// Repeats counted since then.
    skipped: u64,
}

impl Key {
    /// `from` is the address the entry names, as the audit trail has it.
    pub fn new(link: i64, from: Option<&str>, event: &str, detail: &str) -> Key {
        let from = from.and_then(|a| a.parse().ok()).map(crate::net::bucket);
        Key { link, from, event: event.to_string(), detail: detail.to_string() }
    }
}

impl Repeats {
    /// Is an entry `key` at `now` (UTC seconds) to be written? `Some(n)`:
    /// yes, and `n` repeats went unwritten since the last one. `None`: it
    /// repeats one written less than [`EVERY`] ago, and is counted.
    pub fn note(&self, key: &Key, now: i64) -> Option<u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = seen.get_mut(key) {
            if now - s.written < EVERY {
                s.skipped += 1;
                return None;
            }
            let skipped = std::mem::take(&mut s.skipped);
            s.written = now;
            return Some(skipped);
        }
        if seen.len() >= MAX_KEYS {
            seen.retain(|_, s| now - s.written < EVERY);
            if seen.len() >= MAX_KEYS {
                seen.clear();
            }
        }
        seen.insert(key.clone(), Seen { written: now, skipped: 0 });
        Some(0)
    }

    /// The entry `key` was not written after all (the write failed): the
    /// next one is written rather than counted.
    pub fn unwritten(&self, key: &Key) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_within_five_minutes_are_counted_into_the_next_entry() {
        let r = Repeats::default();
        let join = Key::new(7, None, "link.join", "via participant page");
        assert_eq!(r.note(&join, 1000), Some(0));
        for t in 1000..1000 + EVERY {
            assert_eq!(r.note(&join, t), None, "at {t}");
        }
        assert_eq!(r.note(&join, 1000 + EVERY), Some(EVERY as u64));
        assert_eq!(r.note(&join, 1000 + EVERY + 1), None);
    }

    #[test]
    fn another_link_event_or_outcome_is_written() {
        let r = Repeats::default();
        assert_eq!(r.note(&Key::new(7, None, "link.join", "via participant page"), 1000), Some(0));
        assert_eq!(r.note(&Key::new(8, None, "link.join", "via participant page"), 1000), Some(0));
        assert_eq!(r.note(&Key::new(7, None, "room.enter", "url room"), 1000), Some(0));
        assert_eq!(r.note(&Key::new(7, None, "link.join", "via portal"), 1000), Some(0));
        assert_eq!(r.note(&Key::new(7, None, "link.join", "via participant page"), 1001), None);
        // From another address: written; from the same /64: counted.
        let from = |a| Key::new(7, Some(a), "link.join", "via participant page");
        assert_eq!(r.note(&from("192.168.1.20"), 1001), Some(0));
        assert_eq!(r.note(&from("192.168.1.66"), 1001), Some(0));
        assert_eq!(r.note(&from("192.168.1.66"), 1002), None);
        assert_eq!(r.note(&from("2001:db8:1:2::1"), 1002), Some(0));
        assert_eq!(r.note(&from("2001:db8:1:2::99"), 1002), None);
    }

    #[test]
    fn an_entry_that_was_not_written_is_not_counted_as_written() {
        let r = Repeats::default();
        let join = Key::new(7, None, "link.join", "via participant page");
        assert_eq!(r.note(&join, 1000), Some(0));
        r.unwritten(&join);
        assert_eq!(r.note(&join, 1001), Some(0));
    }

    #[test]
    fn memory_stays_bounded() {
        let r = Repeats::default();
        for link in 0..3 * MAX_KEYS as i64 {
            r.note(&Key::new(link, None, "link.join", ""), 1000 + link / 100);
        }
        assert!(r.seen.lock().unwrap().len() <= MAX_KEYS);
    }
}
