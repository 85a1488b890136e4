//! Appointments from another calendar (SPEC, `import ics FILE_OR_URL` and
//! `calendar_import_url`): an iCalendar file read by `ical`, its events
//! matched to clients by attendee address, and the result applied in one
//! transaction, found again by UID and RECURRENCE-ID (`imported` table).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::App;
use super::import_match::{Book, Who};
use crate::error::{Error, Result};
use crate::ical::{self, Occurrence};
use crate::store::ImportedRow;
use crate::times;

/// Where a calendar came from: a file (or address) given once, or the
/// synced `calendar_import_url`. Only a sync cancels what disappeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    File,
    Sync,
}

/// What an import did, or would do (`dry_run`). SPEC's JSON shape:
/// `created`, `updated`, `cancelled`, `unchanged` are counts,
/// `unmatched` lists what was left out and why; `changes` lists each
/// write, and `from`/`to` the span of time imported (RFC 3339, UTC).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub cancelled: usize,
    pub unchanged: usize,
    pub unmatched: Vec<Unmatched>,
    pub changes: Vec<Change>,
    pub from: String,
    pub to: String,
    pub dry_run: bool,
}

/// An event (or one occurrence) that is not an appointment, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unmatched {
    pub uid: String,
    pub summary: String,
    /// RFC 3339 in the practice zone; empty when the event has no usable start.
    pub start: String,
    pub why: String,
}

/// One appointment made, changed or cancelled by an import.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// `create`, `update` or `cancel`.
    pub action: &'static str,
    pub uid: String,
    /// The occurrence's RECURRENCE-ID (RFC 3339, UTC); `None` for an
    /// event that does not repeat.
    pub recurrence_id: Option<String>,
    /// `None` for an appointment a dry run would create.
    pub appointment_id: Option<i64>,
    /// RFC 3339 in the practice zone.
    pub start: String,
    pub minutes: i64,
    /// The participants' names.
    pub clients: Vec<String>,
    /// Of `clients`, those who become new clients.
    pub new_clients: Vec<String>,
}

impl App {
    /// Import the iCalendar text `ics` (RFC 5545): the occurrences that
    /// start from `now` to `series_horizon_weeks` ahead become appointments
    /// (see `import_match` for who they are for). An event imported before
    /// is found by UID and RECURRENCE-ID: if the calendar moved it, its
    /// appointment moves and keeps its links (reminders send the update);
    /// attendees added or removed in the calendar are added or removed;
    /// a cancelled event cancels it. With [`Origin::Sync`], a future
    /// appointment whose event left the calendar is cancelled too. All of
    /// it in one transaction, or nothing with `dry_run`.
    /// Errors: a file `ical::read` refuses (not iCalendar, over a bound),
    /// with nothing written.
    pub fn import_calendar(
        &mut self,
        ics: &str,
        origin: Origin,
        dry_run: bool,
        now: DateTime<Utc>,
    ) -> Result<ImportReport> {
        // One calendar read at a time in a process: the sync and an upload
        // on the Import page never hold two large files' worth at once.
        let _one = READING.lock().unwrap_or_else(|p| p.into_inner());
        let settings = self.settings()?;
        let (zone, weeks) = (settings.timezone, settings.series_horizon_weeks);
        let (from, to) = (now, now + Duration::weeks(weeks));
        let cal = ical::read(ics, zone, from, to).map_err(Error::input)?;
        let mut book = Book::new(self.store.clients()?, settings.mail_from.as_deref());
        let imported: HashMap<(String, i64), ImportedRow> =
            self.store.imported()?.into_iter().map(|r| ((r.uid.clone(), r.recurrence_at), r)).collect();
        let local = |t: DateTime<Utc>| t.with_timezone(&zone).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut plan = Plan::default();
        let mut seen: HashSet<(String, i64)> = HashSet::new();
        // Those after the span count only for appointments made earlier,
        // which follow their event there.
        let beyond = cal.beyond.iter().filter(|o| imported.contains_key(&key_of(o)));
        for o in cal.occurrences.iter().chain(beyond) {
            let key = key_of(o);
            seen.insert(key.clone());
            let before = imported.get(&key);
            let appt = match before {
                Some(row) => Some(self.appointment_row(row.appointment_id)?),
                None => None,
            };
            let matched = match book.match_occurrence(o) {
                Ok(m) => m,
                Err(why) => {
                    if o.status == "CANCELLED" && appt.as_ref().is_some_and(|a| a.cancelled_at.is_none()) {
                        plan.cancels.push((
                            appt.map(|a| a.id).unwrap_or_default(),
                            o.clone(),
                            "the event was cancelled",
                        ));
                    } else {
                        plan.report.unmatched.push(unmatched(o, &why, &local));
                    }
                    continue;
                }
            };
            let (start, minutes) = (o.start.timestamp(), matched.minutes);
            let row = ImportedRow {
                uid: key.0.clone(),
                recurrence_at: key.1,
                appointment_id: 0,
                origin: origin.name().to_string(),
                start_at: start,
                minutes,
                attendees: matched.attendees.clone(),
            };
            match (before, appt) {
                (None, _) => plan.creates.push((row, matched.who)),
                // Cancelled here (or by an earlier import): it stays so
                // unless the calendar changed the event since, which
                // books it anew, with new links.
                // Over, its links expired, and now the calendar puts it
                // ahead (a missed session moved to next week): a past
                // session stays as it was, so the new time is booked anew.
                (Some(b), Some(a))
                    if a.cancelled_at.is_none()
                        && !crate::model::can_move(now, &self.window_of(&a)?, false)
                        && (b.start_at, b.minutes) != (start, minutes) =>
                {
                    plan.creates.push((row, matched.who));
                }
                (Some(b), Some(a)) if a.cancelled_at.is_some() => {
                    if (b.start_at, b.minutes, &b.attendees) == (start, minutes, &row.attendees) {
                        plan.report.unchanged += 1;
                    } else {
                        plan.creates.push((row, matched.who));
                    }
                }
                (Some(b), Some(a)) => {
                    let moved = (b.start_at, b.minutes) != (start, minutes);
                    let (add, remove) = attendee_changes(&book, &b.attendees, &matched.attendees, &matched.who);
                    if !moved && add.is_empty() && remove.is_empty() {
                        plan.report.unchanged += 1;
                        continue;
                    }
                    plan.updates.push(Update { row: ImportedRow { appointment_id: a.id, ..row }, moved, add, remove });
                }
                (Some(_), None) => unreachable!("appointment_row errs for a missing appointment"),
            }
        }
        if origin == Origin::Sync {
            plan.cancels.extend(self.gone(&cal, &imported, (from, to), now)?);
            // What a file brought that this calendar still has is the
            // sync's from now on: when it leaves the calendar, it goes.
            plan.claim = imported
                .iter()
                .filter(|(key, row)| row.origin != Origin::Sync.name() && cal.uids.contains(&key.0))
                .map(|(key, _)| key.clone())
                .collect();
        }
        for s in &cal.skipped {
            let start = s.start.map(&local).unwrap_or_default();
            plan.report.unmatched.push(Unmatched {
                uid: s.uid.clone(),
                summary: s.summary.clone(),
                start,
                why: s.why.clone(),
            });
        }
        plan.report.from = times::rfc3339(from);
        plan.report.to = times::rfc3339(to);
        plan.report.dry_run = dry_run;
        plan.describe(&book, &local);
        if !dry_run {
            let made = self.apply(&plan, &book, origin, now)?;
            for (change, id) in plan.report.changes.iter_mut().zip(made) {
                change.appointment_id = Some(id);
            }
        }
        Ok(plan.report)
    }
}

/// An occurrence's key in `imported`: UID and RECURRENCE-ID (0 for none).
fn key_of(o: &Occurrence) -> (String, i64) {
    (o.uid.clone(), o.recurrence_id.map_or(0, |t| t.timestamp()))
}

impl App {
    /// The future appointments a synced calendar no longer has: those
    /// made by sync whose event left the file, or whose occurrence in the
    /// span (by RECURRENCE-ID) the file no longer gives. Errors: a sync
    /// that would cancel most of what it made (an empty or cut-off answer
    /// from a calendar service is far likelier than a practice clearing
    /// its calendar): nothing is cancelled, and the error says why.
    fn gone(
        &mut self,
        cal: &ical::Calendar,
        imported: &HashMap<(String, i64), ImportedRow>,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, Occurrence, &'static str)>> {
        let mut out = vec![];
        let mut live = 0;
        // An event the calendar still has but that could not be read (a
        // rule part or zone this reader does not know, a bound passed) is
        // not gone: its sessions stay, and the report says why it was
        // left out.
        let unread: HashSet<&str> = cal.skipped.iter().map(|s| s.uid.as_str()).collect();
        // The sync's own, and what a file brought whose event this
        // calendar has (claimed for the sync as this import is written).
        let owned =
            |key: &(String, i64), row: &ImportedRow| row.origin == Origin::Sync.name() || cal.uids.contains(&key.0);
        for (key, row) in imported.iter().filter(|(key, row)| owned(key, row)) {
            let a = self.appointment_row(row.appointment_id)?;
            if a.cancelled_at.is_some() || a.start_at <= now.timestamp() {
                continue;
            }
            live += 1;
            let in_span = key.1 >= from.timestamp() && key.1 < to.timestamp();
            let gone = !unread.contains(key.0.as_str())
                && !cal.present.contains(key)
                && (!cal.uids.contains(&key.0) || (key.1 != 0 && in_span));
            if gone {
                let o = Occurrence {
                    uid: key.0.clone(),
                    recurrence_id: (key.1 != 0).then(|| times::from_unix(key.1)),
                    start: times::from_unix(a.start_at),
                    end: times::from_unix(a.start_at + a.minutes * 60),
                    all_day: false,
                    summary: String::new(),
                    status: String::new(),
                    organizer: None,
                    attendees: Vec::new().into(),
                };
                out.push((a.id, o, "the event left the calendar"));
            }
        }
        if out.len() > MASS_CANCEL && out.len() * 2 > live {
            return Err(Error::input(format!(
                "the calendar no longer has {} of the {live} future sessions it gave: nothing was changed, \
                 since a calendar service answering with part of a calendar is likelier than so many \
                 sessions going at once; if they are gone, cancel them here",
                out.len()
            )));
        }
        Ok(out)
    }
}

/// Held while a calendar is read and written (see `import_calendar`).
static READING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Cancellations one sync may make without question, however few the
/// sessions it made (see `App::gone`).
pub const MASS_CANCEL: usize = 5;

impl Origin {
    /// As stored in `imported.origin`.
    pub fn name(self) -> &'static str {
        match self {
            Origin::File => "file",
            Origin::Sync => "sync",
        }
    }
}

/// What an import writes.
#[derive(Default)]
pub(super) struct Plan {
    pub report: ImportReport,
    /// New appointments (their row's `appointment_id` is filled in when made).
    pub creates: Vec<(ImportedRow, Vec<Who>)>,
    pub updates: Vec<Update>,
    /// Appointment, the event, and why.
    pub cancels: Vec<(i64, Occurrence, &'static str)>,
    /// Rows a file made that a sync now owns, by (UID, RECURRENCE-ID).
    pub claim: Vec<(String, i64)>,
}

/// An appointment the calendar changed.
pub(super) struct Update {
    pub row: ImportedRow,
    pub moved: bool,
    pub add: Vec<Who>,
    /// Client ids.
    pub remove: Vec<i64>,
}

impl Plan {
    /// Fill in the report's counts and changes.
    fn describe(&mut self, book: &Book, local: &dyn Fn(DateTime<Utc>) -> String) {
        let change = |action, row: &ImportedRow, id: Option<i64>, who: &[Who]| Change {
            action,
            uid: row.uid.clone(),
            recurrence_id: (row.recurrence_at != 0).then(|| times::rfc3339(times::from_unix(row.recurrence_at))),
            appointment_id: id,
            start: local(times::from_unix(row.start_at)),
            minutes: row.minutes,
            clients: book.names(who),
            new_clients: who
                .iter()
                .filter_map(|w| match w {
                    Who::New(i) => Some(book.new_clients[*i].0.clone()),
                    Who::Known(_) => None,
                })
                .collect(),
        };
        let r = &mut self.report;
        r.created = self.creates.len();
        r.updated = self.updates.len();
        r.cancelled = self.cancels.len();
        for (row, who) in &self.creates {
            r.changes.push(change("create", row, None, who));
        }
        for u in &self.updates {
            r.changes.push(change("update", &u.row, Some(u.row.appointment_id), &u.add));
        }
        for (id, o, _) in &self.cancels {
            let row = ImportedRow {
                uid: o.uid.clone(),
                recurrence_at: o.recurrence_id.map_or(0, |t| t.timestamp()),
                appointment_id: *id,
                origin: String::new(),
                start_at: o.start.timestamp(),
                minutes: (o.end - o.start).num_minutes(),
                attendees: String::new(),
            };
            r.changes.push(change("cancel", &row, Some(*id), &[]));
        }
        // One line per event and reason, not one per occurrence: a weekly
        // all-day event is one thing to read about.
        let mut seen = HashSet::new();
        r.unmatched.retain(|u| seen.insert((u.uid.clone(), u.why.clone())));
    }
}

/// The clients to add to and remove from an appointment whose attendees
/// were `before` and are `now` (addresses, one per line), `who` being
/// those of `now` in order.
fn attendee_changes(book: &Book, before: &str, now: &str, who: &[Who]) -> (Vec<Who>, Vec<i64>) {
    let old: HashSet<&str> = before.lines().collect();
    let new: Vec<&str> = now.lines().collect();
    let mut add = vec![];
    for (email, w) in new.iter().zip(who) {
        if !old.contains(email) {
            add.push(w.clone());
        }
    }
    let remove = old.iter().filter(|e| !new.contains(e)).filter_map(|e| book.client_with(e)).collect();
    (add, remove)
}

fn unmatched(o: &Occurrence, why: &str, local: &dyn Fn(DateTime<Utc>) -> String) -> Unmatched {
    Unmatched { uid: o.uid.clone(), summary: o.summary.clone(), start: local(o.start), why: why.to_string() }
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
