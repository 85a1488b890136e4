//! Who takes part in one appointment: adding a client to it and removing
//! one, without touching any other appointment (one occurrence of a
//! series is an appointment like any other).
//!
//! The rules, in one place:
//! - only a session that is not cancelled and whose links have not
//!   expired changes; a past session stays as it was;
//! - an archived client cannot be added; a client removed earlier is
//!   added back on their old row with a fresh link (the old link stays
//!   `revoked`);
//! - an appointment keeps at least one participant: removing the last
//!   one is refused, since cancelling is what that means;
//! - the added client gets the reminders of a new booking (nothing about
//!   earlier moves, which they never heard of); the others get nothing;
//! - the removed client's waiting messages are dropped and their link
//!   answers `revoked` (SPEC, "Words"); if they were told of the session
//!   (a message went out to them, or their link was opened), a
//!   cancellation goes to them alone, so the entry leaves their calendar.

use chrono::{DateTime, Utc};

use super::App;
use super::appointments::{ParticipantView, insert_fresh_link};
use crate::error::{Error, Result};
use crate::mail::plan::{self, Facts, Kind};
use crate::model;
use crate::store::{ApptRow, NewAudit, Store};

/// What a removal did about telling the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    /// They had been told of the session: a cancellation goes to them.
    CancellationPlanned,
    /// Nothing had reached them: nothing more is sent.
    NothingSent,
}

impl App {
    /// Add `client` to appointment `appt` with their own new link and
    /// code, and plan their reminders. Errors (exit 2): no such
    /// appointment or client; the session is cancelled or over; the
    /// client is archived or already in it.
    pub fn add_participant(&mut self, appt: i64, client: i64, now: DateTime<Utc>) -> Result<ParticipantView> {
        let row = self.changeable(appt, now)?;
        let who = self.client_row(client)?;
        if who.archived_at.is_some() {
            return Err(Error::input(format!("client {client} ({}) is archived; restore them first", who.name)));
        }
        if self.store.participants(appt)?.len() >= crate::model::MAX_PARTICIPANTS {
            return Err(Error::input(format!(
                "appointment {appt} has {} clients already, the most one session takes",
                crate::model::MAX_PARTICIPANTS
            )));
        }
        let membership = self.store.membership(appt, client)?;
        if membership.as_ref().is_some_and(|m| m.removed_at.is_none()) {
            return Err(Error::input(format!("client {client} ({}) is already in appointment {appt}", who.name)));
        }
        let at = now.timestamp();
        let keys = self.keys.clone();
        let hours = self.reminder_hours()?;
        self.store.write(|tx| {
            add_in(tx, &keys, &row, membership.as_ref().map(|m| m.participant_id), client, &hours, at)?;
            let detail = if membership.is_some() { "added back".to_string() } else { String::new() };
            Store::insert_audit(
                tx,
                at,
                &NewAudit {
                    event: "participant.add",
                    appointment_id: Some(appt),
                    client_id: Some(client),
                    detail,
                    ..Default::default()
                },
            )
        })?;
        let view = self.appointment_view(appt, now)?;
        Ok(view.participants.into_iter().find(|p| p.client_id == client).expect("participant just added"))
    }

    /// Take `client` out of appointment `appt`. Errors (exit 2): no such
    /// appointment; the client is not in it; the session is cancelled or
    /// over; they are its only participant (cancel it instead).
    pub fn remove_participant(&mut self, appt: i64, client: i64, now: DateTime<Utc>) -> Result<Removed> {
        let row = self.changeable(appt, now)?;
        let Some(member) = self.store.membership(appt, client)?.filter(|m| m.removed_at.is_none()) else {
            return Err(Error::input(format!("client {client} is not in appointment {appt}")));
        };
        let at = now.timestamp();
        self.store.write(|tx| {
            if Store::participant_count(tx, appt)? <= 1 {
                return Err(Error::input(format!(
                    "client {client} is the only participant of appointment {appt}; \
                     cancel the appointment instead (appt cancel {appt})"
                )));
            }
            let removed = remove_in(tx, &row, member.participant_id, at)?;
            let detail = match removed {
                Removed::CancellationPlanned => "cancellation sent to them",
                Removed::NothingSent => "they had not been told of it",
            };
            Store::insert_audit(
                tx,
                at,
                &NewAudit {
                    event: "participant.remove",
                    appointment_id: Some(appt),
                    client_id: Some(client),
                    detail: detail.to_string(),
                    ..Default::default()
                },
            )?;
            Ok(removed)
        })
    }

    /// The appointment, if who takes part in it may still change.
    fn changeable(&mut self, appt: i64, now: DateTime<Utc>) -> Result<ApptRow> {
        let row = self.appointment_row(appt)?;
        if row.cancelled_at.is_some() {
            return Err(Error::input(format!("appointment {appt} is cancelled; who takes part no longer changes")));
        }
        if !model::can_move(now, &self.window_of(&row)?, false) {
            return Err(Error::input(format!("appointment {appt} is over; its record stays as it was")));
        }
        Ok(row)
    }
}

/// Add `client` to `appt` inside the caller's transaction: on their old
/// row (`earlier`, a participant id) if they were removed before, with a
/// fresh link, and the reminders of a new booking. Returns the
/// participant id.
pub(super) fn add_in(
    tx: &rusqlite::Transaction<'_>,
    keys: &crate::token::Keyring,
    appt: &ApptRow,
    earlier: Option<i64>,
    client: i64,
    hours: &[u32],
    at: i64,
) -> Result<i64> {
    let participant = match earlier {
        Some(p) => {
            Store::revive_participant(tx, p)?;
            p
        }
        None => Store::insert_participant(tx, appt.id, client)?,
    };
    insert_fresh_link(tx, keys, participant, at)?;
    // As if the session were booked now: the moves before today are no
    // news to someone who never had the old time.
    let fresh = Facts { start_at: appt.start_at, sequence: 0, cancelled: false };
    let planned = plan::plan(fresh, hours, at).into_iter().map(|m| (m.kind, m.hours, m.due_at));
    Store::put_outbox_for(tx, participant, appt.sequence, planned)?;
    Ok(participant)
}

/// Remove one participant of `appt` inside the caller's transaction, and
/// plan the cancellation they are owed (see the module's rules).
pub(super) fn remove_in(tx: &rusqlite::Transaction<'_>, appt: &ApptRow, participant: i64, at: i64) -> Result<Removed> {
    let told = Store::participant_told(tx, participant)?;
    Store::remove_participant(tx, participant, at)?;
    if told && appt.start_at > at {
        Store::put_outbox_for(tx, participant, appt.sequence, [(Kind::Cancel, 0, at)])?;
        return Ok(Removed::CancellationPlanned);
    }
    Ok(Removed::NothingSent)
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;
    use crate::model::LinkState;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const NOW: &str = "2026-12-01T09:00:00Z";
    const START: &str = "2026-12-03T14:00:00Z";

    /// Ann and Ben in a session two days ahead, Cy a client of their own.
    fn couple(app: &mut App) -> (i64, i64, i64, i64) {
        let now = t(NOW);
        let ann = app.add_client("Ann", Some("ann@example.org"), None, now).unwrap().id;
        let ben = app.add_client("Ben", Some("ben@example.org"), None, now).unwrap().id;
        let cy = app.add_client("Cy", Some("cy@example.org"), None, now).unwrap().id;
        let appt = app.add_appointment(&[ann, ben], t(START), 50, now).unwrap().id;
        (appt, ann, ben, cy)
    }

    fn rows(app: &mut App, appt: i64, client: i64) -> Vec<(Kind, String)> {
        let rows = app.outbox_of(appt).unwrap();
        rows.into_iter().filter(|r| r.client_id == client).map(|r| (r.kind, r.state)).collect()
    }

    #[test]
    fn an_added_client_gets_a_link_and_reminders_and_nobody_else_changes() {
        let mut app = test_app();
        let (appt, ann, _, cy) = couple(&mut app);
        let before = app.appointment_view(appt, t(NOW)).unwrap();
        let other = app.add_appointment(&[ann], t("2026-12-10T14:00:00Z"), 50, t(NOW)).unwrap();
        let added = app.add_participant(appt, cy, t(NOW)).unwrap();
        assert_eq!((added.name.as_str(), added.state), ("Cy", LinkState::Early));
        let after = app.appointment_view(appt, t(NOW)).unwrap();
        assert_eq!(after.participants.len(), 3);
        assert_eq!(
            after.participants[..2].iter().map(|p| &p.link).collect::<Vec<_>>(),
            before.participants.iter().map(|p| &p.link).collect::<Vec<_>>()
        );
        assert_eq!(rows(&mut app, appt, cy), [(Kind::Reminder, "pending".into()), (Kind::Reminder, "pending".into())]);
        assert_eq!(app.appointment_view(other.id, t(NOW)).unwrap().participants.len(), 1);
        assert_eq!(app.appointment_row(appt).unwrap().sequence, 0, "calendars of the others see no change");
    }

    #[test]
    fn after_a_move_the_added_client_gets_reminders_not_a_new_time() {
        let mut app = test_app();
        let (appt, _, _, cy) = couple(&mut app);
        app.move_appointment(appt, t("2026-12-03T15:00:00Z"), None, t(NOW)).unwrap();
        app.add_participant(appt, cy, t(NOW)).unwrap();
        let kinds: Vec<Kind> = rows(&mut app, appt, cy).into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, [Kind::Reminder, Kind::Reminder]);
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        let mut app = test_app();
        let (appt, ann, ben, cy) = couple(&mut app);
        let msg = |e: Error| (e.exit_code(), e.to_string());
        assert!(msg(app.add_participant(appt, ann, t(NOW)).unwrap_err()).1.contains("already in appointment"));
        app.archive_client(cy, t(NOW)).unwrap();
        let (code, text) = msg(app.add_participant(appt, cy, t(NOW)).unwrap_err());
        assert!(code == 2 && text.contains("archived"), "{text}");
        assert!(msg(app.remove_participant(appt, cy, t(NOW)).unwrap_err()).1.contains("not in appointment"));
        app.remove_participant(appt, ben, t(NOW)).unwrap();
        let (code, text) = msg(app.remove_participant(appt, ann, t(NOW)).unwrap_err());
        assert!(code == 2 && text.contains("only participant") && text.contains("appt cancel"), "{text}");
        // Over: its record stays as it was.
        let late = t("2026-12-03T15:30:00Z");
        assert!(msg(app.add_participant(appt, ben, late).unwrap_err()).1.contains("is over"));
        app.cancel_appointment(appt, t(NOW)).unwrap();
        assert!(msg(app.add_participant(appt, ben, t(NOW)).unwrap_err()).1.contains("cancelled"));
        assert_eq!(msg(app.add_participant(99, ben, t(NOW)).unwrap_err()).0, 2);
    }

    #[test]
    fn a_removed_client_untold_gets_nothing_and_their_link_is_revoked() {
        let mut app = test_app();
        let (appt, ann, ben, _) = couple(&mut app);
        let link = app.appointment_view(appt, t(NOW)).unwrap().participants[1].link.clone();
        assert_eq!(app.remove_participant(appt, ben, t(NOW)).unwrap(), Removed::NothingSent);
        let token = link.rsplit('/').next().unwrap();
        let checked = app.check_token(token, t(NOW)).unwrap();
        assert_eq!(checked.state, LinkState::Revoked);
        assert!(checked.found.unwrap().0.removed);
        assert!(rows(&mut app, appt, ben).iter().all(|(_, s)| s == "skipped"));
        assert!(rows(&mut app, appt, ann).iter().all(|(_, s)| s == "pending"), "Ann's reminders stand");
        let view = app.appointment_view(appt, t(NOW)).unwrap();
        assert_eq!(view.participants.iter().map(|p| p.client_id).collect::<Vec<_>>(), [ann]);
    }

    #[test]
    fn a_removed_client_who_was_told_gets_a_cancellation_of_their_own() {
        let mut app = test_app();
        let (appt, ann, ben, _) = couple(&mut app);
        // The 24-hour reminder went out to both.
        let day_before = t("2026-12-02T14:00:00Z");
        for row in app.store.due_outbox(day_before.timestamp(), 10).unwrap() {
            app.store.outbox_sent(row.id, day_before.timestamp()).unwrap();
        }
        assert_eq!(app.remove_participant(appt, ben, day_before).unwrap(), Removed::CancellationPlanned);
        let ben_rows = rows(&mut app, appt, ben);
        assert_eq!(ben_rows.iter().filter(|(k, s)| *k == Kind::Cancel && s == "pending").count(), 1, "{ben_rows:?}");
        assert!(rows(&mut app, appt, ann).iter().all(|(k, _)| *k == Kind::Reminder), "no cancellation for Ann");
        // A later move of the session keeps the cancellation Ben is owed
        // and tells only Ann of the new time.
        app.move_appointment(appt, t("2026-12-03T16:00:00Z"), None, day_before).unwrap();
        assert!(rows(&mut app, appt, ben).iter().any(|(k, s)| *k == Kind::Cancel && s == "pending"));
        assert!(!rows(&mut app, appt, ben).iter().any(|(k, _)| *k == Kind::Update));
        assert!(rows(&mut app, appt, ann).iter().any(|(k, _)| *k == Kind::Update));
    }

    #[test]
    fn a_client_added_back_gets_a_fresh_link_and_their_reminders_again() {
        let mut app = test_app();
        let (appt, _, ben, _) = couple(&mut app);
        let old = app.appointment_view(appt, t(NOW)).unwrap().participants[1].clone();
        app.remove_participant(appt, ben, t(NOW)).unwrap();
        let back = app.add_participant(appt, ben, t(NOW)).unwrap();
        assert_ne!(back.link, old.link);
        assert_ne!(back.code, old.code);
        assert_eq!(back.state, LinkState::Early);
        let token = old.link.rsplit('/').next().unwrap();
        assert_eq!(app.check_token(token, t(NOW)).unwrap().state, LinkState::Revoked, "the old link stays dead");
        let states: Vec<String> = rows(&mut app, appt, ben).into_iter().map(|(_, s)| s).collect();
        assert_eq!(states, ["pending", "pending"], "the same reminders, made new");
        let trail = app.audit_since(0).unwrap();
        let events: Vec<&str> =
            trail.iter().map(|e| e.event.as_str()).filter(|e| e.starts_with("participant.")).collect();
        assert_eq!(events, ["participant.remove", "participant.add"]);
    }
}

#[cfg(test)]
mod mail_tests {
    use super::super::test_app;
    use super::*;
    use crate::mail::Compose;

    #[test]
    fn the_removed_clients_cancellation_is_composed_for_them_with_a_higher_sequence() {
        let mut app = test_app();
        let now: DateTime<Utc> = "2026-12-02T14:00:00Z".parse().unwrap();
        app.set_setting("mail_from", "care@example.org", now).unwrap();
        let ann = app.add_client("Ann", Some("ann@example.org"), None, now).unwrap().id;
        let ben = app.add_client("Ben", Some("ben@example.org"), None, now).unwrap().id;
        let appt = app.add_appointment(&[ann, ben], "2026-12-03T14:00:00Z".parse().unwrap(), 50, now).unwrap().id;
        for row in app.store.due_outbox(now.timestamp(), 10).unwrap() {
            app.store.outbox_sent(row.id, now.timestamp()).unwrap();
        }
        app.remove_participant(appt, ben, now).unwrap();
        let rows = app.outbox_of(appt).unwrap();
        let cancel = rows.iter().find(|r| r.kind == Kind::Cancel).unwrap();
        assert_eq!(cancel.client_id, ben);
        let render = |_: &super::super::mail::MailBody<'_>| Ok(("text".to_string(), "html".to_string()));
        let Compose::Send(m) = app.compose(cancel, now, render).unwrap() else {
            panic!("the cancellation was skipped")
        };
        assert_eq!((m.to.as_str(), m.method), ("ben@example.org", "CANCEL"));
        assert!(m.subject.starts_with("Cancelled:"), "{}", m.subject);
        assert!(m.ics.contains("SEQUENCE:1") && m.ics.contains("STATUS:CANCELLED"), "{}", m.ics);
        // A reminder of Ann's still goes; one of Ben's from before would not.
        let ben_reminder = rows.iter().find(|r| r.client_id == ben && r.kind == Kind::Reminder).unwrap();
        assert!(matches!(app.compose(ben_reminder, now, render).unwrap(), Compose::Skip(_)));
    }
}
