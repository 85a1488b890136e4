//! Who is here: participants whose page or portal is open in a browser
//! (its script says so: a bare GET, such as a mail scanner's, does not),
//! who wait for the clinician, or who are in the room, kept in memory for
//! the dashboard. Keyed by (appointment, client) of open links only, and
//! capped, so no request can make it grow.
//!
//! Presence is a live signal, not a record: it is not written to disk
//! (joins are, in the audit trail) and starts empty after a restart.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

/// Forget arrivals this old (seconds).
const FORGET_AFTER: i64 = 24 * 60 * 60;

/// A person only on their page (stage [`Stage::Here`]) is no longer here
/// when its script has been silent this long (seconds): it says so every
/// 20 s while the page is open and visible (`assets/static/here.js`), so
/// this is three missed beacons. Without it a page opened once and closed
/// stayed "Waiting now" until the window closed.
pub const HERE_SILENT_AFTER: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Arrival {
    pub appointment_id: i64,
    pub client_id: i64,
    /// First seen (UTC seconds).
    pub arrived: i64,
    /// Last seen.
    pub last: i64,
    /// How far they got.
    pub stage: Stage,
    /// When they reached that stage ("waiting since" is when they pressed
    /// Join, not when they opened the page).
    pub stage_since: i64,
}

/// How far a participant got, in order: a later stage is never undone by
/// an earlier one (coming back to the page after the room stays `in_room`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Opened their page or portal while the window is open.
    Here,
    /// Pressed Join and is on the waiting page.
    Waiting,
    /// Was sent to the room (or checked in where there is none).
    InRoom,
}

#[derive(Default)]
pub struct Presence {
    seen: Mutex<HashMap<(i64, i64), Arrival>>,
}

impl Presence {
    pub fn note(&self, appointment_id: i64, client_id: i64, now: i64, stage: Stage) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, a| now - a.last < FORGET_AFTER);
        }
        let a = seen.entry((appointment_id, client_id)).or_insert(Arrival {
            appointment_id,
            client_id,
            arrived: now,
            last: now,
            stage,
            stage_since: now,
        });
        a.last = a.last.max(now);
        if stage > a.stage {
            a.stage = stage;
            a.stage_since = now;
        }
    }

    /// They left the built-in room (or were dropped from it): no longer
    /// here, until their page, Join or the room says so again.
    pub fn gone(&self, appointment_id: i64, client_id: i64) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).remove(&(appointment_id, client_id));
    }

    /// Every arrival seen in the last day, less those only on their page
    /// whose page has gone quiet (see [`HERE_SILENT_AFTER`]).
    pub fn snapshot(&self, now: i64) -> Vec<Arrival> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let quiet = |a: &Arrival| now - a.last;
        seen.values()
            .filter(|a| quiet(a) < FORGET_AFTER && (a.stage > Stage::Here || quiet(a) < HERE_SILENT_AFTER))
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrival_keeps_the_first_time_and_the_furthest_stage() {
        let p = Presence::default();
        p.note(1, 2, 100, Stage::Here);
        p.note(1, 2, 160, Stage::Waiting);
        p.note(1, 2, 170, Stage::Here);
        assert_eq!(
            p.snapshot(200),
            vec![Arrival {
                appointment_id: 1,
                client_id: 2,
                arrived: 100,
                last: 170,
                stage: Stage::Waiting,
                stage_since: 160
            }]
        );
        p.note(1, 2, 180, Stage::InRoom);
        p.note(1, 2, 190, Stage::Waiting);
        assert_eq!(p.snapshot(200)[0].stage, Stage::InRoom);
        assert!(p.snapshot(190 + FORGET_AFTER).is_empty());
        p.gone(1, 2);
        assert!(p.snapshot(200).is_empty(), "left the room: not here any more");
        p.note(1, 2, 210, Stage::InRoom);
        assert_eq!(p.snapshot(220)[0].stage, Stage::InRoom, "back in");
    }

    #[test]
    fn a_page_whose_script_went_quiet_is_no_longer_here() {
        let p = Presence::default();
        p.note(1, 2, 100, Stage::Here);
        assert_eq!(p.snapshot(100 + HERE_SILENT_AFTER - 1).len(), 1, "beacons 20 s apart: still here");
        assert!(p.snapshot(100 + HERE_SILENT_AFTER).is_empty(), "page closed: not here");
        p.note(1, 2, 200, Stage::Here);
        assert_eq!(p.snapshot(210).len(), 1, "opened again");
        // Someone who pressed Join stays listed (the dashboard says
        // "page closed?" after a while), and so does the room.
        p.note(1, 2, 220, Stage::Waiting);
        assert_eq!(p.snapshot(220 + 10 * HERE_SILENT_AFTER).len(), 1);
    }
}
