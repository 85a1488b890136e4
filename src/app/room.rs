//! The clinician-first waiting room and the way into the video room.
//!
//! A client who presses Join in an open window goes into the room only
//! when the waiting room is off, the clinician pressed Start, or the
//! clinician admitted them; otherwise they wait. Each step is audited per
//! participant: `link.join` (a Join press), `room.admit`, `session.start`
//! and `room.enter` (sent to the room). What a client can repeat at will
//! (`link.join`, `room.enter`, leaving the built-in room) is written once
//! per link and outcome every few minutes and otherwise counted (see
//! `repeats.rs`); the client is let through every time.

use chrono::{DateTime, Utc};

use super::App;
use super::check::Checked;
use super::repeats::Key;
use crate::error::{Error, Result};
use crate::model::{LinkState, Window};
use crate::store::{ApptRow, LinkRow, NewAudit, Store};
use crate::times::{self, Local};
use crate::video::ticket::{Person, Ticket};
use crate::video::{self, Door, Entrant};

/// Who pressed Join: an appointment and one of its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who {
    pub appointment_id: i64,
    pub client_id: i64,
}

/// Where a Join press leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinOutcome {
    /// Into the room through this door.
    Room(Door, Who),
    /// To the waiting page of this participant token.
    Wait(Who, String),
    /// The window is open but no video room is set up.
    NoRoom(Who),
    /// Not open (early, over, cancelled, revoked or unknown).
    NotOpen(LinkState),
}

/// Someone a room ticket lets into the built-in room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    pub ticket: Ticket,
    /// `None` for the clinician.
    pub client_id: Option<i64>,
    /// What the others see.
    pub name: String,
}

/// What the waiting page learns when it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    NotOpen(LinkState),
    Waiting(Who),
    Ready(Who),
}

/// The clinician's Start: the session is marked started, and this is the
/// way into the room (or what to set up first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub room: std::result::Result<Door, String>,
    /// Clients let in by this Start (they may be waiting now).
    pub admitted: Vec<i64>,
}

impl App {
    /// A Join press on a participant page.
    pub fn join(&mut self, token: &str, now: DateTime<Utc>, addr: &str) -> Result<JoinOutcome> {
        let checked = self.check_token(token, now)?;
        self.press_join(checked, now, addr, "participant page")
    }

    /// The waiting page going on once the gate opened: no new Join press
    /// is recorded, only the entry.
    pub fn join_after_wait(&mut self, token: &str, now: DateTime<Utc>, addr: &str) -> Result<JoinOutcome> {
        let checked = self.check_token(token, now)?;
        let Some((link, appt, window)) = open_link(&checked) else { return Ok(JoinOutcome::NotOpen(checked.state)) };
        if !self.gate_open(link, appt)? {
            return Ok(JoinOutcome::Wait(who(link, appt), self.token_of(link)));
        }
        self.enter_room(link, appt, window, now, addr, None)
    }

    /// A Join press from any page: audited, then into the room or to wait.
    pub(super) fn press_join(
        &mut self,
        checked: Checked,
        now: DateTime<Utc>,
        addr: &str,
        via: &str,
    ) -> Result<JoinOutcome> {
        let Some((link, appt, window)) = open_link(&checked) else { return Ok(JoinOutcome::NotOpen(checked.state)) };
        if self.gate_open(link, appt)? {
            return self.enter_room(link, appt, window, now, addr, Some(via));
        }
        let press = NewAudit {
            event: "link.join",
            appointment_id: Some(appt.id),
            client_id: Some(link.client_id),
            addr: Some(addr.to_string()),
            detail: format!("via {via}; waiting for the clinician"),
        };
        self.audit_unless_repeated(link.id, now, vec![press])?;
        Ok(JoinOutcome::Wait(who(link, appt), self.token_of(link)))
    }

    /// Is the participant past the waiting room?
    fn gate_open(&mut self, link: &LinkRow, appt: &ApptRow) -> Result<bool> {
        Ok(!self.settings()?.waiting_room || appt.started_at.is_some() || link.admitted)
    }

    /// Send a participant into the room, recording the Join press (when
    /// there was one) and the entry in one durable write.
    fn enter_room(
        &mut self,
        link: &LinkRow,
        appt: &ApptRow,
        window: &Window,
        now: DateTime<Utc>,
        addr: &str,
        via: Option<&str>,
    ) -> Result<JoinOutcome> {
        let name = self.store.client(link.client_id)?.map(|c| c.name).unwrap_or_default();
        let entrant = Entrant {
            id: self.keys.derive("room-user", format!("{}:{}", appt.id, link.client_id).as_bytes()),
            name: video::display_name(&name),
            moderator: false,
        };
        let person = (&entrant, Person::Client(link.id));
        let room = video::door(&*self.settings()?, &self.keys, appt.id, &appt.room, window, person, now);
        let entry = |event, detail: String| NewAudit {
            event,
            appointment_id: Some(appt.id),
            client_id: Some(link.client_id),
            addr: Some(addr.to_string()),
            detail,
        };
        let press = via.map(|via| match &room {
            Ok(_) => entry("link.join", format!("via {via}")),
            Err(_) => entry("link.join", format!("via {via}; no video room is set up")),
        });
        // What the entry's row says: for Jitsi, when the token stops working.
        let detail = match self.settings()?.video_provider {
            crate::settings::Provider::Jitsi => {
                format!("jitsi token valid until {}", times::rfc3339(window.expires_at))
            }
            crate::settings::Provider::Builtin => {
                format!("built-in room, ticket valid until {}", times::rfc3339(window.expires_at))
            }
            _ => "url room".to_string(),
        };
        let entered = room.as_ref().ok().map(|_| entry("room.enter", detail));
        self.audit_unless_repeated(link.id, now, press.into_iter().chain(entered).collect())?;
        Ok(match room {
            Ok(door) => JoinOutcome::Room(door, who(link, appt)),
            Err(_) => JoinOutcome::NoRoom(who(link, appt)),
        })
    }

    /// Write `entries` about link `link` in one durable write, leaving out
    /// those that repeat one written less than `repeats::EVERY` ago (they
    /// are counted, and the count goes into the next one written).
    fn audit_unless_repeated(&mut self, link: i64, now: DateTime<Utc>, entries: Vec<NewAudit<'_>>) -> Result<()> {
        let mut keys = vec![];
        let mut written = vec![];
        for mut e in entries {
            let key = Key::new(link, e.addr.as_deref(), e.event, &e.detail);
            let Some(skipped) = self.repeats.note(&key, now.timestamp()) else { continue };
            if skipped > 0 {
                e.detail += &format!("; and {skipped} more like this since the last such entry");
            }
            keys.push(key);
            written.push(e);
        }
        if written.is_empty() {
            return Ok(());
        }
        let outcome = self.store.write(|tx| {
            for e in &written {
                Store::insert_audit(tx, now.timestamp(), e)?;
            }
            Ok(())
        });
        if outcome.is_err() {
            for key in &keys {
                self.repeats.unwritten(key);
            }
        }
        outcome
    }

    /// Polled by the waiting page; writes nothing.
    pub fn gate(&mut self, token: &str, now: DateTime<Utc>) -> Result<Gate> {
        let checked = self.check_token(token, now)?;
        self.gate_of(&checked)
    }

    /// [`App::gate`] of a link already checked.
    pub(super) fn gate_of(&mut self, checked: &Checked) -> Result<Gate> {
        let Some((link, appt, _)) = open_link(checked) else { return Ok(Gate::NotOpen(checked.state)) };
        Ok(if self.gate_open(link, appt)? { Gate::Ready(who(link, appt)) } else { Gate::Waiting(who(link, appt)) })
    }

    /// The clinician's Start: only while the window is open. Starting lets
    /// every participant in; starting again gives the room again (audited
    /// as the clinician's entry).
    pub fn start_session(&mut self, id: i64, now: DateTime<Utc>, addr: &str) -> Result<Started> {
        let (appt, window) = self.open_appointment(id, now, "started")?;
        let clinician = Entrant {
            id: self.keys.derive("room-user", b"clinician"),
            name: self.settings()?.practice_name.clone(),
            moderator: true,
        };
        let person = (&clinician, Person::Clinician);
        let room = video::door(&*self.settings()?, &self.keys, id, &appt.room, &window, person, now);
        let first = appt.started_at.is_none();
        let at = now.timestamp();
        let admitted = self.store.write(|tx| {
            let (admitted, event, detail) = if first {
                let admitted = Store::admit(tx, id, None, at)?;
                Store::start_appointment(tx, id, at)?;
                let detail = format!("{} participant(s) let in", admitted.len());
                (admitted, "session.start", detail)
            } else {
                (vec![], "room.enter", "the clinician, again".to_string())
            };
            let e = NewAudit {
                event,
                appointment_id: Some(id),
                addr: Some(addr.to_string()),
                detail,
                ..Default::default()
            };
            Store::insert_audit(tx, at, &e)?;
            Ok(admitted)
        })?;
        Ok(Started { room, admitted })
    }

    /// Let one participant (or everyone, `None`) past the waiting room
    /// before Start. Returns who was let in now.
    pub fn admit(&mut self, id: i64, client: Option<i64>, now: DateTime<Utc>, addr: &str) -> Result<Vec<i64>> {
        self.open_appointment(id, now, "admitted to")?;
        if let Some(c) = client
            && !self.store.participants(id)?.iter().any(|p| p.client_id == c)
        {
            return Err(Error::not_found(format!("client {c} is not in appointment {id}")));
        }
        let at = now.timestamp();
        let how = if client.is_some() { "admitted" } else { "admitted with everyone (Admit all)" };
        self.store.write(|tx| {
            let admitted = Store::admit(tx, id, client, at)?;
            for &c in &admitted {
                let e = NewAudit {
                    event: "room.admit",
                    appointment_id: Some(id),
                    client_id: Some(c),
                    addr: Some(addr.to_string()),
                    detail: how.to_string(),
                };
                Store::insert_audit(tx, at, &e)?;
            }
            Ok(admitted)
        })
    }

    /// Who presents `sealed` at the built-in room `room` in `seat`, if the
    /// ticket is ours, for this room and seat, and still good: its window
    /// open, the appointment not cancelled, a client's link not revoked.
    /// Asked on every message, so a cancel or a revoke ends the ticket.
    pub fn room_pass(&mut self, room: &str, seat: &str, sealed: &str, now: DateTime<Utc>) -> Result<Option<Pass>> {
        let Some(ticket) = Ticket::open(sealed, &self.keys) else { return Ok(None) };
        if ticket.expires <= now.timestamp() || ticket.seat(&self.keys) != seat {
            return Ok(None);
        }
        let (appt, client_id, name) = match ticket.person {
            Person::Client(link_id) => {
                let Some((link, appt)) = self.store.link_by_id(link_id)? else { return Ok(None) };
                if link.revoked {
                    return Ok(None);
                }
                let name = self.store.client(link.client_id)?.map(|c| c.name).unwrap_or_default();
                (appt, Some(link.client_id), video::display_name(&name))
            }
            Person::Clinician => {
                let Ok(appt) = self.appointment_row(ticket.appointment_id) else { return Ok(None) };
                (appt, None, self.settings()?.practice_name.clone())
            }
        };
        if appt.id != ticket.appointment_id || appt.room != room || appt.cancelled_at.is_some() {
            return Ok(None);
        }
        if self.window_of(&appt)?.state_at(now) != LinkState::Open {
            return Ok(None);
        }
        Ok(Some(Pass { ticket, client_id, name }))
    }

    /// Record that someone left the built-in room; the client it was, if
    /// a client.
    pub fn room_left(
        &mut self,
        ticket: &Ticket,
        why: &str,
        now: DateTime<Utc>,
        addr: Option<&str>,
    ) -> Result<Option<i64>> {
        let entry = |client_id, detail| NewAudit {
            event: "room.leave",
            appointment_id: Some(ticket.appointment_id),
            client_id,
            addr: addr.map(str::to_string),
            detail,
        };
        match ticket.person {
            Person::Client(link_id) => {
                let client_id = self.store.link_by_id(link_id)?.map(|(l, _)| l.client_id);
                // Entering again from the same seat (a reload, or a script)
                // leaves too: repeats are counted.
                self.audit_unless_repeated(link_id, now, vec![entry(client_id, why.to_string())])?;
                Ok(client_id)
            }
            Person::Clinician => self.audit(now, entry(None, format!("the clinician {why}"))).map(|_| None),
        }
    }

    /// An appointment whose window is open now, else an error saying when
    /// it can be `what` ("started", "admitted to").
    fn open_appointment(&mut self, id: i64, now: DateTime<Utc>, what: &str) -> Result<(ApptRow, Window)> {
        let appt = self.appointment_row(id)?;
        let window = self.window_of(&appt)?;
        if appt.cancelled_at.is_some() {
            return Err(Error::input(format!("appointment {id} is cancelled")));
        }
        if window.state_at(now) != LinkState::Open {
            let zone = self.settings()?.timezone;
            let (from, to) = (Local::new(window.opens_at, zone), Local::new(window.expires_at, zone));
            return Err(Error::input(format!(
                "appointment {id} can be {what} only while its links are open: {} {} to {} {}",
                from.date, from.time, to.time, to.abbrev
            )));
        }
        Ok((appt, window))
    }
}

fn open_link(checked: &Checked) -> Option<(&LinkRow, &ApptRow, &Window)> {
    match (checked.state, &checked.found) {
        (LinkState::Open, Some((link, appt, window))) => Some((link, appt, window)),
        _ => None,
    }
}

fn who(link: &LinkRow, appt: &ApptRow) -> Who {
    Who { appointment_id: appt.id, client_id: link.client_id }
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn token_of(link: &str) -> String {
        link.rsplit('/').next().unwrap().to_string()
    }

    fn events(app: &App) -> Vec<(String, Option<i64>)> {
        app.store.audit_since(0).unwrap().into_iter().map(|e| (e.event, e.client_id)).collect()
    }

    fn couple(app: &mut App, now: DateTime<Utc>) -> (i64, i64, i64, String, String) {
        let a = app.add_client("Ann Smith", None, None, now).unwrap().id;
        let b = app.add_client("Bo Jones", None, None, now).unwrap().id;
        let v = app.add_appointment(&[a, b], t("2026-12-01T14:00:00Z"), 50, now).unwrap();
        app.set_setting("video_url_template", "https://meet.example.org/{room}", now).unwrap();
        (v.id, a, b, token_of(&v.participants[0].link), token_of(&v.participants[1].link))
    }

    #[test]
    fn clients_wait_until_the_clinician_starts() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let (id, a, _, ta, _) = couple(&mut app, now);
        let who = Who { appointment_id: id, client_id: a };
        assert_eq!(app.join(&ta, t("2026-12-01T13:00:00Z"), "ip").unwrap(), JoinOutcome::NotOpen(LinkState::Early));
        assert_eq!(app.join(&ta, now, "ip").unwrap(), JoinOutcome::Wait(who, ta.clone()));
        assert_eq!(app.gate(&ta, now).unwrap(), Gate::Waiting(who));
        assert_eq!(app.join_after_wait(&ta, now, "ip").unwrap(), JoinOutcome::Wait(who, ta.clone()));
        let started = app.start_session(id, now, "admin").unwrap();
        assert_eq!(
            started.room.as_ref().unwrap().url,
            format!("https://meet.example.org/{}", app.appointment_row(id).unwrap().room)
        );
        assert_eq!(started.admitted.len(), 2);
        assert_eq!(app.gate(&ta, now).unwrap(), Gate::Ready(who));
        let JoinOutcome::Room(door, _) = app.join_after_wait(&ta, now, "ip").unwrap() else { panic!("not let in") };
        assert_eq!(&door, started.room.as_ref().unwrap());
        let e = events(&app);
        let tail: Vec<&str> = e.iter().rev().take(3).map(|(ev, _)| ev.as_str()).collect();
        assert_eq!(tail, ["room.enter", "session.start", "link.join"]);
    }

    #[test]
    fn admit_lets_one_in_and_admit_all_the_couple() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let (id, a, b, ta, tb) = couple(&mut app, now);
        app.join(&ta, now, "ip").unwrap();
        app.join(&tb, now, "ip").unwrap();
        assert_eq!(app.admit(id, Some(a), now, "admin").unwrap(), vec![a]);
        assert!(matches!(app.gate(&ta, now).unwrap(), Gate::Ready(_)));
        assert!(matches!(app.gate(&tb, now).unwrap(), Gate::Waiting(_)));
        assert_eq!(app.admit(id, None, now, "admin").unwrap(), vec![b], "Ann was already in");
        assert!(matches!(app.gate(&tb, now).unwrap(), Gate::Ready(_)));
        let admits: Vec<_> = events(&app).into_iter().filter(|(e, _)| e == "room.admit").map(|(_, c)| c).collect();
        assert_eq!(admits, vec![Some(a), Some(b)]);
        assert!(app.admit(id, Some(9999), now, "admin").is_err());
    }

    #[test]
    fn moving_a_session_closes_the_gate_again() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let (id, _, _, ta, _) = couple(&mut app, now);
        app.start_session(id, now, "admin").unwrap();
        assert!(matches!(app.join(&ta, now, "ip").unwrap(), JoinOutcome::Room(..)));
        app.move_appointment(id, t("2026-12-01T14:03:00Z"), None, now).unwrap();
        assert!(matches!(app.join(&ta, now, "ip").unwrap(), JoinOutcome::Wait(..)));
    }

    #[test]
    fn waiting_room_off_goes_straight_in_and_records_press_and_entry() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let (_, a, _, ta, _) = couple(&mut app, now);
        app.set_setting("waiting_room", "off", now).unwrap();
        assert!(matches!(app.join(&ta, now, "ip").unwrap(), JoinOutcome::Room(..)));
        let e = events(&app);
        assert_eq!(e[e.len() - 2..], [("link.join".to_string(), Some(a)), ("room.enter".to_string(), Some(a))]);
    }

    #[test]
    fn repeated_presses_are_written_once_every_few_minutes_and_counted() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let (id, a, _, ta, _) = couple(&mut app, now);
        for _ in 0..20 {
            assert!(matches!(app.join(&ta, now, "ip").unwrap(), JoinOutcome::Wait(..)), "every press waits");
        }
        app.start_session(id, now, "admin").unwrap();
        for _ in 0..30 {
            assert!(matches!(app.join(&ta, now, "ip").unwrap(), JoinOutcome::Room(..)), "every press goes in");
            assert!(matches!(app.join_after_wait(&ta, now, "ip").unwrap(), JoinOutcome::Room(..)));
        }
        let mine = |app: &App| -> Vec<String> {
            let rows = app.store.audit_since(0).unwrap().into_iter();
            let rows = rows
                .filter(|e| e.client_id == Some(a) && (e.event.starts_with("link.") || e.event.starts_with("room.")));
            rows.map(|e| format!("{}: {}", e.event, e.detail)).collect()
        };
        assert_eq!(
            mine(&app),
            [
                "link.join: via participant page; waiting for the clinician",
                "link.join: via participant page",
                "room.enter: url room",
            ]
        );
        let later = now + chrono::Duration::seconds(super::super::repeats::EVERY);
        app.join(&ta, later, "ip").unwrap();
        let e = mine(&app);
        assert_eq!(e.len(), 5, "{e:?}");
        assert_eq!(e[3], "link.join: via participant page; and 29 more like this since the last such entry");
        assert_eq!(e[4], "room.enter: url room; and 59 more like this since the last such entry");
    }

    #[test]
    fn no_start_or_admit_outside_the_window_or_when_cancelled() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let (id, a, _, ta, _) = couple(&mut app, now);
        let err = app.start_session(id, t("2026-12-01T13:00:00Z"), "admin").unwrap_err().to_string();
        assert!(err.contains("only while its links are open"), "{err}");
        assert!(app.admit(id, Some(a), t("2026-12-01T16:00:00Z"), "admin").is_err());
        app.cancel_appointment(id, now).unwrap();
        assert!(app.start_session(id, now, "admin").is_err());
        assert_eq!(app.join(&ta, now, "ip").unwrap(), JoinOutcome::NotOpen(LinkState::Cancelled));
    }

    #[test]
    fn without_a_room_clients_are_checked_in() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let (id, _, _, ta, _) = couple(&mut app, now);
        app.clear_setting("video_url_template", now).unwrap();
        let started = app.start_session(id, now, "admin").unwrap();
        assert!(started.room.unwrap_err().contains("video_url_template"));
        assert!(matches!(app.join(&ta, now, "ip").unwrap(), JoinOutcome::NoRoom(_)));
    }

    #[test]
    fn a_room_ticket_fits_one_seat_and_ends_with_the_window() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let (id, _, _, ta, tb) = couple(&mut app, now);
        app.set_setting("video_provider", "builtin", now).unwrap();
        app.set_setting("waiting_room", "off", now).unwrap();
        let door = |app: &mut App, token: &str| match app.join(token, now, "ip").unwrap() {
            JoinOutcome::Room(door, _) => door,
            other => panic!("not let in: {other:?}"),
        };
        let (da, db) = (door(&mut app, &ta), door(&mut app, &tb));
        let split = |d: &Door| {
            let parts: Vec<String> = d.url.split('/').map(str::to_string).collect();
            (parts[2].clone(), parts[3].clone(), d.ticket.unwrap().seal(&app.keys))
        };
        let ((room, seat_a, sealed_a), (_, seat_b, _)) = (split(&da), split(&db));
        let window = app.window_of(&app.appointment_row(id).unwrap()).unwrap();
        assert_eq!(da.ticket.unwrap().expires, window.expires_at.timestamp());
        let pass = |app: &mut App, seat: &str, at| app.room_pass(&room, seat, &sealed_a, at).unwrap();
        assert_eq!(pass(&mut app, &seat_a, now).map(|p| p.name), Some("Ann S.".to_string()));
        assert!(pass(&mut app, &seat_b, now).is_none(), "not on the partner's seat");
        let last = window.expires_at - chrono::Duration::seconds(1);
        assert!(pass(&mut app, &seat_a, last).is_some(), "good to the window's last second");
        assert!(pass(&mut app, &seat_a, window.expires_at).is_none(), "and not after");
        assert!(app.room_pass("another-room", &seat_a, &sealed_a, now).unwrap().is_none());
    }
}
