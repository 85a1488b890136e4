//! Who is here: participants who opened their page or portal, or pressed
//! Join, kept in memory for the dashboard.
//!
//! Presence is a live signal, not a record: it is not written to disk
//! (joins are, in the audit trail) and starts empty after a restart.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

/// Forget arrivals this old (seconds).
const FORGET_AFTER: i64 = 24 * 60 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Arrival {
    pub appointment_id: i64,
    pub client_id: i64,
    /// First seen (UTC seconds).
    pub arrived: i64,
    /// Last seen.
    pub last: i64,
    /// Pressed Join at least once.
    pub joined: bool,
}

#[derive(Default)]
pub struct Presence {
    seen: Mutex<HashMap<(i64, i64), Arrival>>,
}

impl Presence {
    pub fn note(&self, appointment_id: i64, client_id: i64, now: i64, joined: bool) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, a| now - a.last < FORGET_AFTER);
        }
        let a = seen.entry((appointment_id, client_id)).or_insert(Arrival {
            appointment_id,
            client_id,
            arrived: now,
            last: now,
            joined: false,
        });
        a.last = a.last.max(now);
        a.joined |= joined;
    }

    /// Every arrival seen in the last day.
    pub fn snapshot(&self, now: i64) -> Vec<Arrival> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.values().filter(|a| now - a.last < FORGET_AFTER).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrival_keeps_the_first_time_and_remembers_a_join() {
        let p = Presence::default();
        p.note(1, 2, 100, false);
        p.note(1, 2, 160, true);
        p.note(1, 2, 170, false);
        assert_eq!(
            p.snapshot(200),
            vec![Arrival { appointment_id: 1, client_id: 2, arrived: 100, last: 170, joined: true }]
        );
        assert!(p.snapshot(170 + FORGET_AFTER).is_empty());
    }
}
