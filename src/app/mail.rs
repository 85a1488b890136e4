//! Reminders, updates and cancellations: planning them when appointments
//! change, and composing each one from the data as it is when it goes out
//! (the current link and code, the client's current address).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::App;
use super::calendar::ParticipantEntry;
use super::message::Invitation;
use crate::error::Result;
use crate::mail::ics::{self, Event, Status};
use crate::mail::plan::{self, Facts, Kind};
use crate::store::{OutboxRow, Store};
use crate::times::{self, Local};
use crate::token::Kind as TokenKind;

/// A message ready for the mail server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub from_name: String,
    pub from: String,
    pub to_name: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The invitation, `METHOD:REQUEST` or `METHOD:CANCEL`.
    pub ics: String,
    pub method: &'static str,
}

/// What to do with a due outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compose {
    Send(Box<Outgoing>),
    /// Not wanted any more, and why.
    Skip(String),
}

/// What the mail templates are given: the invitation, and what it is.
#[derive(Serialize)]
pub struct MailBody<'a> {
    pub kind: Kind,
    #[serde(flatten)]
    pub invitation: Invitation<'a>,
}

impl App {
    /// The reminder hours in force.
    pub(super) fn reminder_hours(&mut self) -> Result<Vec<u32>> {
        Ok(self.settings()?.reminder_hours.clone())
    }

    /// Plan again every appointment that has not started (after the
    /// reminder hours changed).
    pub(super) fn replan_all(&mut self, now: DateTime<Utc>) -> Result<()> {
        let hours = self.reminder_hours()?;
        let ids = self.store.future_appointment_ids(now.timestamp())?;
        self.store.write(|tx| {
            for id in ids {
                Store::plan_outbox(tx, id, &hours, now.timestamp())?;
            }
            Ok(())
        })
    }

    /// Decide and build the message for a due row. `render` turns the
    /// body into (text, html) with the bundled templates.
    pub fn compose(
        &mut self,
        row: &OutboxRow,
        now: DateTime<Utc>,
        render: impl Fn(&MailBody<'_>) -> Result<(String, String)>,
    ) -> Result<Compose> {
        let appt = self.appointment_row(row.appointment_id)?;
        let facts = Facts { start_at: appt.start_at, sequence: appt.sequence, cancelled: appt.cancelled_at.is_some() };
        if let Some(why) = plan::stale(row.kind, row.sequence, facts, now.timestamp()) {
            return Ok(Compose::Skip(why.into()));
        }
        let settings = self.settings()?;
        let Some(from) = settings.mail_from.clone() else { return Ok(Compose::Skip("mail_from is not set".into())) };
        let Some(client) = self.store.client(row.client_id)? else { return Ok(Compose::Skip("no such client".into())) };
        if client.no_mail {
            return Ok(Compose::Skip("the client asked for no email".into()));
        }
        let Some(to) = client.email.clone() else { return Ok(Compose::Skip("the client has no email address".into())) };
        let participant = self.store.participants(appt.id)?.into_iter().find(|p| p.id == row.participant_id);
        let Some(link) = participant.and_then(|p| p.link) else {
            return Ok(Compose::Skip("the client is no longer in this session".into()));
        };
        let base = self.base_url()?;
        let link_url = format!("{base}/v/{}", self.keys.token(TokenKind::Participant, &link.seed));
        let code = crate::token::display_code(&self.keys.code(&link.seed));
        let portal = if settings.portal_links { self.portal_url(client.id)? } else { None };
        let window = self.window_of(&appt)?;
        let when = Local::new(window.starts_at, settings.timezone);
        let first_name = client.name.split_whitespace().next().unwrap_or("there").to_string();
        let body = MailBody {
            kind: row.kind,
            invitation: Invitation {
                practice: &settings.practice_name,
                first_name: &first_name,
                when: &when,
                minutes: appt.minutes,
                join_opens_minutes: settings.window.join_opens_minutes,
                link: &link_url,
                code: &code,
                base: &base,
                portal: portal.as_deref(),
            },
        };
        let (text, html) = render(&body)?;
        let practice = &settings.practice_name;
        let at = format!("{}, {} {}", when.date, when.time, when.abbrev);
        let subject = match row.kind {
            Kind::Reminder => format!("Reminder: your video session with {practice}, {at}"),
            Kind::Update => format!("New time: your video session with {practice} is now {at}"),
            Kind::Cancel => format!("Cancelled: your video session with {practice}, {at}"),
        };
        let (method, status) = match row.kind {
            Kind::Cancel => ("CANCEL", Status::Cancelled),
            _ => ("REQUEST", Status::Confirmed),
        };
        let entry = ParticipantEntry {
            appt: &appt,
            window: &window,
            client_id: client.id,
            link: &link_url,
            code: &code,
            base: &base,
        };
        let event = Event {
            status,
            organizer: Some((practice.clone(), from.clone())),
            attendee: Some((client.name.clone(), to.clone())),
            ..self.participant_event(&entry)?
        };
        Ok(Compose::Send(Box::new(Outgoing {
            from_name: practice.clone(),
            from,
            to_name: client.name,
            to,
            subject,
            text,
            html,
            ics: ics::calendar(Some(method), None, &[event], now),
            method,
        })))
    }

    /// A calendar UID that stays the same for the participant (or, with
    /// `None`, the appointment) across moves, and says nothing about them.
    pub fn event_uid(&self, appointment_id: i64, client_id: Option<i64>) -> String {
        let data = format!("{appointment_id}:{}", client_id.map_or("all".to_string(), |c| c.to_string()));
        format!("{}@porchlight", self.keys.derive("calendar-uid", data.as_bytes()))
    }

    /// The outbox rows of an appointment, for its admin page.
    pub fn outbox_of(&mut self, appointment_id: i64) -> Result<Vec<OutboxRow>> {
        self.store.outbox_of(appointment_id)
    }

    /// The clinician's Send now.
    pub fn send_now(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let at = now.timestamp();
        self.store.write(|tx| Store::outbox_send_now(tx, id, at))
    }
}

/// `12 November 2026 at 14:00` for an outbox row's time, in the zone.
pub fn local_time(at: i64, zone: chrono_tz::Tz) -> String {
    let l = Local::new(times::from_unix(at), zone);
    format!("{} {} {}", l.date, l.time, l.abbrev)
}
