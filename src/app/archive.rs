//! Archiving a client: they leave the list of people to book, their
//! portal link answers 410, and their future sessions are given up.
//!
//! A session that only they attend is cancelled (its links answer
//! `cancelled`, and a cancellation goes out as for any cancelled
//! session); a session shared with another client goes on for the others,
//! without the archived client (removed as by `appt remove-client`).
//! Sessions that started or are over stay as they were. The caller
//! shows [`App::archive_plan`] and asks first: the admin page with a
//! confirmation page, the command line with `--force`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::App;
use super::clients::ClientView;
use crate::error::Result;
use crate::store::{NewAudit, Store};
use crate::times::{self, Local};

/// What archiving a client does to their future sessions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArchivePlan {
    /// Sessions of theirs alone: cancelled.
    pub cancelled: Vec<Session>,
    /// Sessions shared with other clients: they are removed, the session
    /// goes on for the others.
    pub left: Vec<Session>,
}

/// One future session in an [`ArchivePlan`].
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: i64,
    /// RFC 3339 UTC.
    pub start: String,
    /// The start in the practice zone, for people.
    pub when: String,
    /// The other clients of a shared session.
    pub others: Vec<String>,
}

impl ArchivePlan {
    pub fn is_empty(&self) -> bool {
        self.cancelled.is_empty() && self.left.is_empty()
    }

    /// The sessions the plan touches, as one value a confirmation carries:
    /// a form confirmed for another plan is asked again.
    pub fn confirm_value(&self) -> String {
        let ids = |l: &[Session]| l.iter().map(|s| s.id.to_string()).collect::<Vec<_>>().join(".");
        format!("c{}-l{}", ids(&self.cancelled), ids(&self.left))
    }

    /// One line per session, for the terminal.
    pub fn lines(&self) -> Vec<String> {
        let cancelled = self.cancelled.iter().map(|s| format!("appointment {}, {}: cancelled", s.id, s.when));
        let left = self
            .left
            .iter()
            .map(|s| format!("appointment {}, {}: goes on with {} only", s.id, s.when, s.others.join(", ")));
        cancelled.chain(left).collect()
    }
}

/// Sort a client's future sessions: theirs alone, and shared ones.
fn plan_of(bookings: Vec<crate::store::Booked>, zone: chrono_tz::Tz) -> ArchivePlan {
    let mut plan = ArchivePlan::default();
    for booked in bookings {
        let start = times::from_unix(booked.appt.start_at);
        let session = Session {
            id: booked.appt.id,
            start: times::rfc3339(start),
            when: Local::new(start, zone).line(),
            others: booked.others,
        };
        if session.others.is_empty() { plan.cancelled.push(session) } else { plan.left.push(session) }
    }
    plan
}

impl App {
    /// What archiving `client` now would do to their future sessions.
    pub fn archive_plan(&mut self, client: i64, now: DateTime<Utc>) -> Result<ArchivePlan> {
        self.client_row(client)?;
        let zone = self.settings()?.timezone;
        Ok(plan_of(self.store.future_bookings(client, now.timestamp())?, zone))
    }

    /// Archive `client`: each future session of theirs alone is cancelled,
    /// and they are removed from each one they share, in one transaction
    /// with the archiving itself; every step is audited. Returns what was
    /// done. Archiving an archived client does nothing.
    pub fn archive_client(&mut self, client: i64, now: DateTime<Utc>) -> Result<ArchivePlan> {
        if self.client_row(client)?.archived_at.is_some() {
            return Ok(ArchivePlan::default());
        }
        let at = now.timestamp();
        let hours = self.reminder_hours()?;
        let zone = self.settings()?.timezone;
        self.store.write(|tx| {
            // Read in the transaction that changes them: a session booked
            // a moment ago is not left behind.
            let plan = plan_of(Store::future_bookings_in(tx, client, at)?, zone);
            let why = "the client was archived".to_string();
            for s in &plan.cancelled {
                Store::cancel_appointment(tx, s.id, at)?;
                super::mail::plan_outbox(tx, s.id, &hours, at)?;
                let e = NewAudit {
                    event: "appointment.cancel",
                    appointment_id: Some(s.id),
                    client_id: Some(client),
                    detail: why.clone(),
                    ..Default::default()
                };
                Store::insert_audit(tx, at, &e)?;
            }
            for s in &plan.left {
                let appt = Store::appointment_in(tx, s.id)?;
                let member = Store::membership_in(tx, s.id, client)?;
                if let (Some(appt), Some(participant)) = (appt, member) {
                    super::participants::remove_in(tx, &appt, participant, at)?;
                }
                let e = NewAudit {
                    event: "participant.remove",
                    appointment_id: Some(s.id),
                    client_id: Some(client),
                    detail: why.clone(),
                    ..Default::default()
                };
                Store::insert_audit(tx, at, &e)?;
            }
            Store::set_archived(tx, client, Some(at))?;
            // No later session of their series is made for them, and
            // restoring them does not bring them back into one: a solo
            // series ends (nobody is left in it), a couple's goes on.
            let series = Store::leave_series(tx, client, at)?;
            let detail = format!(
                "{} session(s) cancelled, left {} shared session(s) and {series} series",
                plan.cancelled.len(),
                plan.left.len()
            );
            Store::insert_audit(
                tx,
                at,
                &NewAudit { event: "client.archive", client_id: Some(client), detail, ..Default::default() },
            )?;
            Ok(plan)
        })
    }

    /// Bring an archived client back. Their cancelled sessions stay
    /// cancelled and they are in no series again (book them anew); their
    /// portal link works again.
    pub fn restore_client(&mut self, client: i64, now: DateTime<Utc>) -> Result<ClientView> {
        if self.client_row(client)?.archived_at.is_some() {
            let at = now.timestamp();
            self.store.write(|tx| {
                Store::set_archived(tx, client, None)?;
                let e = NewAudit { event: "client.unarchive", client_id: Some(client), ..Default::default() };
                Store::insert_audit(tx, at, &e)
            })?;
        }
        self.client_view(client)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;
    use crate::model::LinkState;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn archiving_cancels_sessions_alone_leaves_shared_ones_and_keeps_the_past() {
        let mut app = test_app();
        let now = t("2026-12-01T09:00:00Z");
        let ann = app.add_client("Ann", None, None, now).unwrap().id;
        let ben = app.add_client("Ben", None, None, now).unwrap().id;
        let past = app.add_appointment(&[ann], t("2026-11-20T14:00:00Z"), 50, t("2026-11-19T09:00:00Z")).unwrap();
        let alone = app.add_appointment(&[ann], t("2026-12-03T14:00:00Z"), 50, now).unwrap();
        let shared = app.add_appointment(&[ann, ben], t("2026-12-04T14:00:00Z"), 50, now).unwrap();
        let bens = app.add_appointment(&[ben], t("2026-12-05T14:00:00Z"), 50, now).unwrap();

        let plan = app.archive_plan(ann, now).unwrap();
        assert_eq!(plan.cancelled.iter().map(|s| s.id).collect::<Vec<_>>(), [alone.id]);
        assert_eq!(
            plan.left.iter().map(|s| (s.id, s.others.clone())).collect::<Vec<_>>(),
            [(shared.id, vec!["Ben".into()])]
        );
        assert!(plan.lines()[1].contains("goes on with Ben only"), "{:?}", plan.lines());
        let before = app.audit_since(0).unwrap().len();
        let done = app.archive_client(ann, now).unwrap();
        assert_eq!(done.confirm_value(), plan.confirm_value());

        assert_eq!(app.appointment_view(alone.id, now).unwrap().status, "cancelled");
        let shared_now = app.appointment_view(shared.id, now).unwrap();
        assert_eq!(shared_now.status, "scheduled");
        assert_eq!(shared_now.participants.iter().map(|p| p.client_id).collect::<Vec<_>>(), [ben]);
        assert_eq!(shared_now.participants[0].link, shared.participants[1].link, "Ben keeps his link");
        let token = shared.participants[0].link.rsplit('/').next().unwrap();
        assert_eq!(app.check_token(token, now).unwrap().state, LinkState::Revoked);
        let past_now = app.appointment_view(past.id, now).unwrap();
        assert_eq!((past_now.status, past_now.participants.len()), ("scheduled", 1), "the past stays as it was");
        assert_eq!(app.appointment_view(bens.id, now).unwrap().status, "scheduled");
        let events: Vec<String> = app.audit_since(0).unwrap()[before..].iter().map(|e| e.event.clone()).collect();
        assert_eq!(events, ["appointment.cancel", "participant.remove", "client.archive"]);

        assert!(app.client_view(ann).unwrap().archived);
        assert!(app.archive_client(ann, now).unwrap().is_empty(), "twice is harmless");
        assert!(!app.restore_client(ann, now).unwrap().archived);
        assert_eq!(app.appointment_view(alone.id, now).unwrap().status, "cancelled", "restoring brings nothing back");
    }
}
