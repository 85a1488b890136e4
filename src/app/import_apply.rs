//! Writing an import's plan (`import.rs`) in one transaction: new clients
//! with their portal links, new appointments with a link per participant
//! and their reminders, moves that keep every link, participants added
//! and removed, cancellations, the `imported` rows that find them again,
//! and the audit trail. Either all of it is saved or none of it.

use chrono::{DateTime, Utc};

use super::App;
use super::appointments::seat;
use super::import::{Origin, Plan};
use super::import_match::{Book, Who};
use super::participants::{add_in, remove_in};
use crate::error::Result;
use crate::store::{NewAudit, Store};
use crate::token::{self, Kind};

impl App {
    /// Returns the ids of the appointments made, in the order of `plan.creates`.
    pub(super) fn apply(&mut self, plan: &Plan, book: &Book, origin: Origin, now: DateTime<Utc>) -> Result<Vec<i64>> {
        let r = &plan.report;
        let changed = r.created + r.updated + r.cancelled > 0;
        if !changed && plan.claim.is_empty() {
            return Ok(vec![]);
        }
        let at = now.timestamp();
        let keys = self.keys.clone();
        let hours = self.reminder_hours()?;
        let audit = |tx: &rusqlite::Transaction<'_>, event, appointment_id, client_id, detail: String| {
            Store::insert_audit(tx, at, &NewAudit { event, appointment_id, client_id, detail, ..Default::default() })
        };
        self.store.write(|tx| {
            let mut new_ids = vec![];
            for (name, email) in &book.new_clients {
                let id = Store::insert_client(tx, name, Some(email), None, at)?;
                let seed = token::new_seed();
                Store::replace_portal_link(tx, id, &seed, &keys.tag_of_seed(Kind::Portal, &seed), at)?;
                audit(tx, "client.add", None, Some(id), "an attendee of an imported event".into())?;
                new_ids.push(id);
            }
            let id_of = |w: &Who| match w {
                Who::Known(id) => *id,
                Who::New(i) => new_ids[*i],
            };
            let mut made = vec![];
            for (row, who) in &plan.creates {
                let clients: Vec<i64> = who.iter().map(id_of).collect();
                let appt = Store::insert_appointment(tx, row.start_at, row.minutes, &token::random_name(), at)?;
                seat(tx, &keys, appt, &clients, at)?;
                super::mail::plan_outbox(tx, appt, &hours, at)?;
                for (uid, recurrence_at) in &plan.claim {
                    Store::claim_for_sync(tx, uid, *recurrence_at)?;
                }
                if !changed {
                    return Ok(made);
                }
                let detail = format!("imported: {} participant(s), {} min", clients.len(), row.minutes);
                audit(tx, "appointment.create", Some(appt), None, detail)?;
                Store::put_imported(tx, &crate::store::ImportedRow { appointment_id: appt, ..row.clone() }, at)?;
                made.push(appt);
            }
            for u in &plan.updates {
                let id = u.row.appointment_id;
                if u.moved {
                    Store::move_appointment(tx, id, u.row.start_at, u.row.minutes, at)?;
                    audit(tx, "appointment.move", Some(id), None, "imported: the event moved".into())?;
                }
                let appt = Store::appointment_in(tx, id)?.expect("an imported appointment exists");
                for w in &u.add {
                    let client = id_of(w);
                    if Store::participant_count(tx, id)? >= crate::model::MAX_PARTICIPANTS as i64 {
                        break;
                    }
                    if Store::membership_in(tx, id, client)?.is_some() {
                        continue;
                    }
                    let earlier = Store::participant_row_in(tx, id, client)?;
                    add_in(tx, &keys, &appt, earlier, client, &hours, at)?;
                    audit(tx, "participant.add", Some(id), Some(client), "imported".into())?;
                }
                for &client in &u.remove {
                    let member = Store::membership_in(tx, id, client)?;
                    // An appointment keeps one participant at least: the
                    // calendar cancelling is what would end it.
                    if let Some(p) = member.filter(|_| Store::participant_count(tx, id).is_ok_and(|n| n > 1)) {
                        remove_in(tx, &appt, p, at)?;
                        audit(tx, "participant.remove", Some(id), Some(client), "imported".into())?;
                    }
                }
                super::mail::plan_outbox(tx, id, &hours, at)?;
                Store::put_imported(tx, &u.row, at)?;
            }
            for (id, _, why) in &plan.cancels {
                Store::cancel_appointment(tx, *id, at)?;
                super::mail::plan_outbox(tx, *id, &hours, at)?;
                audit(tx, "appointment.cancel", Some(*id), None, format!("imported: {why}"))?;
            }
            for (uid, recurrence_at) in &plan.claim {
                Store::claim_for_sync(tx, uid, *recurrence_at)?;
            }
            if !changed {
                return Ok(made);
            }
            let detail = format!(
                "{}: {} created, {} updated, {} cancelled, {} unchanged, {} unmatched",
                origin.name(),
                r.created,
                r.updated,
                r.cancelled,
                r.unchanged,
                r.unmatched.len()
            );
            audit(tx, "calendar.import", None, None, detail)?;
            Ok(made)
        })
    }
}
