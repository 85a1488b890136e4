//! Who is here: participants whose page or portal is open in a browser
//! (its script says so: a bare GET, such as a mail scanner's, does not),
//! who wait for the clinician, or who are in the room, kept in memory for
//! the dashboard. Keyed by (appointment, client) of open links only, and
//! capped, so no request can make it grow.
//!
//! Presence is a live signal, not a record: it is not written to disk
//! (joins are, in the audit trail) and starts empty after a restart.
//!
//! The same holds for the result of a client's device check (camera,
//! microphone, speakers, connection: each ok, a problem, or not checked),
//! which the link or waiting page's script reports for the dashboard's
//! one line: kept per (appointment, client) of links in `early` or `open`,
//! capped like arrivals, and nothing else about the device.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

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

/// At most this many people are remembered, arrivals and device checks
/// each: past it, those quiet for [`FORGET_AFTER`] are forgotten first,
/// and a new device check is refused while none is.
const MAX_PEOPLE: usize = 10_000;

/// One step of a device check, as the client's page reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Ok,
    Problem,
    /// Not checked (not yet, not possible here, or the client skipped it).
    Skipped,
}

/// What a device check found: the page's summary, nothing more (no
/// device names, no browser, no network addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCheck {
    pub camera: Part,
    pub microphone: Part,
    pub speakers: Part,
    pub connection: Part,
}

/// The largest summary a page sends (bytes): four words in a JSON object
/// fit in about 90.
pub const MAX_CHECK_BODY: usize = 256;

impl DeviceCheck {
    /// The summary `body` holds: a JSON object with exactly the four
    /// steps, each `"ok"`, `"problem"` or `"skipped"`, in at most
    /// [`MAX_CHECK_BODY`] bytes. Errors say which rule was broken.
    pub fn parse(body: &[u8]) -> Result<DeviceCheck, &'static str> {
        if body.len() > MAX_CHECK_BODY {
            return Err("device check summary too large");
        }
        serde_json::from_slice(body).map_err(|_| "device check summary not understood")
    }

    fn parts(&self) -> [(&'static str, Part); 4] {
        [
            ("camera", self.camera),
            ("microphone", self.microphone),
            ("speakers", self.speakers),
            ("connection", self.connection),
        ]
    }

    /// The clinician's one line: "Device checked: OK", "Device check:
    /// problem (camera, microphone)", with the steps not checked named
    /// after an OK; `None` when nothing was checked.
    pub fn line(&self) -> Option<String> {
        let named = |want: Part| -> Vec<&str> {
            self.parts().into_iter().filter(|(_, p)| *p == want).map(|(name, _)| name).collect()
        };
        let (problems, skipped) = (named(Part::Problem), named(Part::Skipped));
        Some(match (problems.is_empty(), skipped.len()) {
            (false, _) => format!("Device check: problem ({})", problems.join(", ")),
            (true, 4) => return None,
            (true, 0) => "Device checked: OK".into(),
            (true, _) => format!("Device checked: OK ({} not checked)", skipped.join(", ")),
        })
    }
}

#[derive(Default)]
pub struct Presence {
    seen: Mutex<HashMap<(i64, i64), Arrival>>,
    /// The latest device check per (appointment, client), with when.
    checks: Mutex<HashMap<(i64, i64), (DeviceCheck, i64)>>,
}

impl Presence {
    pub fn note(&self, appointment_id: i64, client_id: i64, now: i64, stage: Stage) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > MAX_PEOPLE {
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

    /// Note the device check of a client of `appointment_id` (the caller
    /// checked that their link is early or open), replacing the last one.
    /// `false`, and nothing kept, when the table is full of recent checks.
    pub fn note_check(&self, appointment_id: i64, client_id: i64, now: i64, check: DeviceCheck) -> bool {
        let mut checks = self.checks.lock().unwrap_or_else(|p| p.into_inner());
        let key = (appointment_id, client_id);
        if checks.len() >= MAX_PEOPLE && !checks.contains_key(&key) {
            checks.retain(|_, (_, at)| now - *at < FORGET_AFTER);
            if checks.len() >= MAX_PEOPLE {
                return false;
            }
        }
        checks.insert(key, (check, now));
        true
    }

    /// The latest device check of that client for that appointment, if
    /// one was made in the last day.
    pub fn check_of(&self, appointment_id: i64, client_id: i64, now: i64) -> Option<DeviceCheck> {
        let checks = self.checks.lock().unwrap_or_else(|p| p.into_inner());
        checks.get(&(appointment_id, client_id)).filter(|(_, at)| now - at < FORGET_AFTER).map(|(c, _)| *c)
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

    const ALL_OK: DeviceCheck =
        DeviceCheck { camera: Part::Ok, microphone: Part::Ok, speakers: Part::Ok, connection: Part::Ok };

    #[test]
    fn a_summary_is_four_known_words_and_nothing_else() {
        let ok = br#"{"camera":"ok","microphone":"ok","speakers":"ok","connection":"ok"}"#;
        assert_eq!(DeviceCheck::parse(ok), Ok(ALL_OK));
        let mixed = br#"{"camera":"problem","microphone":"skipped","speakers":"ok","connection":"problem"}"#;
        let c = DeviceCheck::parse(mixed).unwrap();
        assert_eq!((c.camera, c.microphone), (Part::Problem, Part::Skipped));
        for bad in [
            &br#"{"camera":"ok","microphone":"ok","speakers":"ok"}"#[..],
            br#"{"camera":"ok","microphone":"ok","speakers":"ok","connection":"ok","browser":"x"}"#,
            br#"{"camera":"fine","microphone":"ok","speakers":"ok","connection":"ok"}"#,
            br#"{"camera":1,"microphone":"ok","speakers":"ok","connection":"ok"}"#,
            b"camera=ok",
            b"",
            b"[]",
        ] {
            assert!(DeviceCheck::parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let padded = format!(
            "{{\"camera\":\"ok\",\"microphone\":\"ok\",\"speakers\":\"ok\",\"connection\":\"ok\"{}}}",
            " ".repeat(MAX_CHECK_BODY)
        );
        assert_eq!(DeviceCheck::parse(padded.as_bytes()), Err("device check summary too large"));
    }

    #[test]
    fn the_clinicians_line_names_problems_then_what_was_not_checked() {
        assert_eq!(ALL_OK.line().as_deref(), Some("Device checked: OK"));
        let c = DeviceCheck { camera: Part::Problem, microphone: Part::Problem, speakers: Part::Skipped, ..ALL_OK };
        assert_eq!(c.line().as_deref(), Some("Device check: problem (camera, microphone)"));
        let c = DeviceCheck { speakers: Part::Skipped, ..ALL_OK };
        assert_eq!(c.line().as_deref(), Some("Device checked: OK (speakers not checked)"));
        let none = DeviceCheck {
            camera: Part::Skipped,
            microphone: Part::Skipped,
            speakers: Part::Skipped,
            connection: Part::Skipped,
        };
        assert_eq!(none.line(), None);
    }

    #[test]
    fn device_checks_are_the_latest_per_person_and_bounded() {
        let p = Presence::default();
        assert_eq!(p.check_of(1, 2, 100), None);
        assert!(p.note_check(1, 2, 100, DeviceCheck { camera: Part::Problem, ..ALL_OK }));
        assert!(p.note_check(1, 2, 110, ALL_OK));
        assert_eq!(p.check_of(1, 2, 120), Some(ALL_OK), "the latest replaces the last");
        assert_eq!(p.check_of(1, 3, 120), None);
        assert_eq!(p.check_of(1, 2, 110 + FORGET_AFTER), None, "a day later: forgotten");
        // Full of recent checks: a new person is refused, a known one updated.
        for i in 0..MAX_PEOPLE as i64 {
            p.note_check(100, i, 200, ALL_OK);
        }
        assert!(!p.note_check(200, 1, 300, ALL_OK));
        assert_eq!(p.check_of(200, 1, 300), None);
        assert!(p.note_check(100, 5, 300, DeviceCheck { camera: Part::Problem, ..ALL_OK }));
        // A day on, the old ones make room.
        assert!(p.note_check(200, 1, 200 + FORGET_AFTER, ALL_OK));
        assert_eq!(p.checks.lock().unwrap().len(), 2, "the one updated at 300 is kept");
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
