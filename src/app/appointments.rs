//! Appointments: create, show, list, move, cancel, and rotate one link.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::App;
use crate::error::{Error, Result};
use crate::model::{self, LinkFacts, LinkState, Window};
use crate::store::{ApptRow, NewAudit, Store};
use crate::times;
use crate::token::{self, Kind, Seed};

/// An appointment as the command line prints it.
#[derive(Debug, Clone, Serialize)]
pub struct ApptView {
    pub id: i64,
    pub start: String,
    pub end: String,
    pub status: &'static str,
    pub participants: Vec<ParticipantView>,
    /// The series this is an occurrence of (absent for a single session).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_id: Option<i64>,
    /// The start in the practice zone, for people reading the terminal.
    #[serde(skip)]
    pub local_start: String,
    #[serde(skip)]
    pub minutes: i64,
}

/// One participant with the link and code they were given.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipantView {
    pub client_id: i64,
    pub name: String,
    pub link: String,
    pub code: String,
    pub state: LinkState,
}

pub(super) fn validate_minutes(minutes: i64) -> Result<i64> {
    if !(1..=model::MAX_MINUTES).contains(&minutes) {
        return Err(Error::input(format!("bad length {minutes} minutes: use 1 to {}", model::MAX_MINUTES)));
    }
    Ok(minutes)
}

impl App {
    /// Create an appointment for one or more clients, each with their own
    /// link and code.
    pub fn add_appointment(
        &mut self,
        clients: &[i64],
        start: DateTime<Utc>,
        minutes: i64,
        now: DateTime<Utc>,
    ) -> Result<ApptView> {
        let minutes = validate_minutes(minutes)?;
        self.check_people(clients)?;
        let at = now.timestamp();
        let keys = self.keys.clone();
        let hours = self.reminder_hours()?;
        let id = self.store.write(|tx| {
            let id = Store::insert_appointment(tx, start.timestamp(), minutes, &token::random_name(), at)?;
            seat(tx, &keys, id, clients, at)?;
            super::mail::plan_outbox(tx, id, &hours, at)?;
            let detail = format!("{} participant(s), {minutes} min", clients.len());
            Store::insert_audit(
                tx,
                at,
                &NewAudit { event: "appointment.create", appointment_id: Some(id), detail, ..Default::default() },
            )?;
            Ok(id)
        })?;
        self.appointment_view(id, now)
    }

    /// The clients of a new appointment or series: at least one, none
    /// twice, none archived.
    pub(super) fn check_people(&mut self, clients: &[i64]) -> Result<()> {
        if clients.is_empty() {
            return Err(Error::input("an appointment needs at least one --client"));
        }
        if clients.len() > model::MAX_PARTICIPANTS {
            return Err(Error::input(format!(
                "{} clients in one appointment: at most {} take part in one session",
                clients.len(),
                model::MAX_PARTICIPANTS
            )));
        }
        for (i, id) in clients.iter().enumerate() {
            if clients[..i].contains(id) {
                return Err(Error::input(format!("client {id} is listed twice")));
            }
            if self.client_row(*id)?.archived_at.is_some() {
                return Err(Error::input(format!("client {id} is archived")));
            }
        }
        Ok(())
    }

    pub fn appointment_row(&self, id: i64) -> Result<ApptRow> {
        self.store.appointment(id)?.ok_or_else(|| Error::not_found(format!("no appointment with id {id}")))
    }

    pub fn appointment_view(&mut self, id: i64, now: DateTime<Utc>) -> Result<ApptView> {
        let row = self.appointment_row(id)?;
        self.view_of(&row, now)
    }

    /// Appointments starting in `[from, to)`.
    pub fn list_appointments(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ApptView>> {
        let rows = self.store.appointments_between(from.timestamp(), to.timestamp())?;
        rows.iter().map(|row| self.view_of(row, now)).collect()
    }

    /// One client's appointments starting in `[from, to)`, earliest first
    /// (SPEC, `appt list --client`); those they were removed from are left out.
    pub fn client_appointments(
        &mut self,
        client: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ApptView>> {
        self.client_row(client)?;
        let rows = self.store.appointments_of_client(client, from.timestamp(), to.timestamp())?;
        rows.iter().map(|(row, _)| self.view_of(row, now)).collect()
    }

    /// The window of an appointment under the current settings.
    pub fn window_of(&mut self, row: &ApptRow) -> Result<Window> {
        let rule = self.settings()?.window;
        Ok(Window::new(times::from_unix(row.start_at), row.minutes, rule))
    }

    pub(super) fn view_of(&mut self, row: &ApptRow, now: DateTime<Utc>) -> Result<ApptView> {
        let window = self.window_of(row)?;
        let base = self.base_url()?;
        let zone = self.settings()?.timezone;
        let participants = self
            .store
            .participants(row.id)?
            .into_iter()
            .filter_map(|p| {
                let link = p.link?;
                let facts = LinkFacts { revoked: link.revoked, cancelled: row.cancelled_at.is_some() };
                Some(ParticipantView {
                    client_id: p.client_id,
                    name: p.name,
                    link: format!("{base}/v/{}", self.keys.token(Kind::Participant, &link.seed)),
                    code: token::display_code(&self.keys.code(&link.seed)),
                    state: model::link_state(now, &window, facts),
                })
            })
            .collect();
        Ok(ApptView {
            id: row.id,
            start: times::rfc3339(window.starts_at),
            end: times::rfc3339(window.ends_at),
            status: if row.cancelled_at.is_some() { "cancelled" } else { "scheduled" },
            participants,
            series_id: row.series_id,
            local_start: times::Local::new(window.starts_at, zone).line(),
            minutes: row.minutes,
        })
    }

    /// Reschedule, keeping every link; their windows move with it.
    pub fn move_appointment(
        &mut self,
        id: i64,
        start: DateTime<Utc>,
        minutes: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<ApptView> {
        let row = self.appointment_row(id)?;
        let minutes = validate_minutes(minutes.unwrap_or(row.minutes))?;
        if row.cancelled_at.is_some() {
            return Err(Error::input(format!("appointment {id} is cancelled; create a new one instead")));
        }
        if !model::can_move(now, &self.window_of(&row)?, false) {
            return Err(Error::input(format!(
                "appointment {id} is over and its links have expired; create a new one instead"
            )));
        }
        let at = now.timestamp();
        let detail = format!("from {} to {}", times::rfc3339(times::from_unix(row.start_at)), times::rfc3339(start));
        let hours = self.reminder_hours()?;
        self.store.write(|tx| {
            Store::move_appointment(tx, id, start.timestamp(), minutes, at)?;
            super::mail::plan_outbox(tx, id, &hours, at)?;
            Store::insert_audit(
                tx,
                at,
                &NewAudit { event: "appointment.move", appointment_id: Some(id), detail, ..Default::default() },
            )
        })?;
        self.appointment_view(id, now)
    }

    /// Cancel; every link of the appointment becomes `cancelled`. Cancelling
    /// twice is harmless.
    pub fn cancel_appointment(&mut self, id: i64, now: DateTime<Utc>) -> Result<ApptView> {
        let row = self.appointment_row(id)?;
        if row.cancelled_at.is_none() {
            let at = now.timestamp();
            let hours = self.reminder_hours()?;
            self.store.write(|tx| {
                Store::cancel_appointment(tx, id, at)?;
                super::mail::plan_outbox(tx, id, &hours, at)?;
                Store::insert_audit(
                    tx,
                    at,
                    &NewAudit { event: "appointment.cancel", appointment_id: Some(id), ..Default::default() },
                )
            })?;
        }
        self.appointment_view(id, now)
    }

    /// Give one participant a new link and code; the old ones become `revoked`.
    pub fn rotate_link(&mut self, appt: i64, client: i64, now: DateTime<Utc>) -> Result<ParticipantView> {
        self.appointment_row(appt)?;
        let participant = self
            .store
            .participants(appt)?
            .into_iter()
            .find(|p| p.client_id == client)
            .ok_or_else(|| Error::not_found(format!("client {client} is not in appointment {appt}")))?;
        let at = now.timestamp();
        let keys = self.keys.clone();
        self.store.write(|tx| {
            Store::revoke_links(tx, participant.id, at)?;
            insert_fresh_link(tx, &keys, participant.id, at)?;
            Store::insert_audit(
                tx,
                at,
                &NewAudit {
                    event: "link.rotate",
                    appointment_id: Some(appt),
                    client_id: Some(client),
                    ..Default::default()
                },
            )
        })?;
        let view = self.appointment_view(appt, now)?;
        Ok(view.participants.into_iter().find(|p| p.client_id == client).expect("participant just rotated"))
    }
}

/// Seat `clients` in the new appointment `appt`, each with a fresh link.
pub(super) fn seat(
    tx: &rusqlite::Transaction<'_>,
    keys: &token::Keyring,
    appt: i64,
    clients: &[i64],
    at: i64,
) -> Result<()> {
    for &client in clients {
        let participant = Store::insert_participant(tx, appt, client)?;
        insert_fresh_link(tx, keys, participant, at)?;
    }
    Ok(())
}

/// Store a new link for `participant`. A 40-bit code can, very rarely,
/// collide with an older one; then a new seed is drawn.
pub(super) fn insert_fresh_link(
    tx: &rusqlite::Transaction<'_>,
    keys: &token::Keyring,
    participant: i64,
    at: i64,
) -> Result<Seed> {
    for _ in 0..8 {
        let seed = token::new_seed();
        let token_tag = keys.tag_of_seed(Kind::Participant, &seed);
        let code_tag = keys.code_tag(&keys.code(&seed));
        match Store::insert_link(tx, participant, &seed, &token_tag, &code_tag, at) {
            Ok(_) => return Ok(seed),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::internal("could not draw a unique access code"))
}

/// Default `appt list` range: from the start of today in the practice zone.
pub fn default_list_range(now: DateTime<Utc>, zone: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (times::start_of_local_day(now, zone), now + Duration::days(3650))
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_couple_gets_two_distinct_links_and_codes() {
        let mut app = test_app();
        let a = app.add_client("Ann", None, None, t("2026-12-01T09:00:00Z")).unwrap().id;
        let b = app.add_client("Ben", None, None, t("2026-12-01T09:00:00Z")).unwrap().id;
        let v = app.add_appointment(&[a, b], t("2026-12-01T14:00:00Z"), 50, t("2026-12-01T09:00:00Z")).unwrap();
        assert_eq!(v.participants.len(), 2);
        assert_ne!(v.participants[0].link, v.participants[1].link);
        assert_ne!(v.participants[0].code, v.participants[1].code);
        assert_eq!(v.end, "2026-12-01T14:50:00Z");
        assert!(v.participants.iter().all(|p| p.state == LinkState::Early));
    }

    #[test]
    fn moving_keeps_links_and_rotating_changes_only_one() {
        let mut app = test_app();
        let now = t("2026-12-01T09:00:00Z");
        let a = app.add_client("Ann", None, None, now).unwrap().id;
        let b = app.add_client("Ben", None, None, now).unwrap().id;
        let v = app.add_appointment(&[a, b], t("2026-12-01T14:00:00Z"), 50, now).unwrap();
        let moved = app.move_appointment(v.id, t("2026-12-02T15:00:00Z"), Some(60), now).unwrap();
        assert_eq!(moved.start, "2026-12-02T15:00:00Z");
        assert_eq!(moved.end, "2026-12-02T16:00:00Z");
        assert_eq!(moved.participants[0].link, v.participants[0].link);
        let rotated = app.rotate_link(v.id, a, now).unwrap();
        assert_ne!(rotated.link, v.participants[0].link);
        assert_ne!(rotated.code, v.participants[0].code);
        let after = app.appointment_view(v.id, now).unwrap();
        assert_eq!(after.participants[1].link, v.participants[1].link);
    }

    #[test]
    fn bad_appointments_are_refused_by_name() {
        let mut app = test_app();
        let now = t("2026-12-01T09:00:00Z");
        let a = app.add_client("Ann", None, None, now).unwrap().id;
        let start = t("2026-12-01T14:00:00Z");
        let msg = |e: Error| (e.exit_code(), e.to_string());
        assert_eq!(msg(app.add_appointment(&[a], start, 0, now).unwrap_err()).0, 2);
        assert!(msg(app.add_appointment(&[a, a], start, 50, now).unwrap_err()).1.contains("twice"));
        assert!(msg(app.add_appointment(&[99], start, 50, now).unwrap_err()).1.contains("99"));
        assert!(msg(app.add_appointment(&[], start, 50, now).unwrap_err()).1.contains("--client"));
        let v = app.add_appointment(&[a], start, 50, now).unwrap();
        // Over and expired: it cannot be brought back.
        let later = t("2026-12-01T15:20:00Z");
        assert!(
            msg(app.move_appointment(v.id, t("2026-12-03T10:00:00Z"), None, later).unwrap_err()).1.contains("expired")
        );
        app.cancel_appointment(v.id, now).unwrap();
        assert!(msg(app.move_appointment(v.id, start, None, now).unwrap_err()).1.contains("cancelled"));
        assert!(msg(app.rotate_link(v.id, 7, now).unwrap_err()).1.contains("client 7"));
    }
}
