//! Repeating sessions (SPEC, "Series and calendars"): make a series,
//! keep its occurrences `series_horizon_weeks` ahead, and change or cancel
//! "this and following" or the whole of it.
//!
//! Every occurrence is an appointment of its own, with its own links and
//! codes, so editing one (move, cancel, people, links) is the ordinary
//! appointment code and touches no other. A series only decides which
//! appointments exist: the rule is expanded by `recurrence.rs` in the zone
//! the series was made in, and each occurrence carries the instant the
//! rule gave it, so making more never makes one twice.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::appointments::{seat, validate_minutes};
use super::schedule::{Clash, Force, refuse_expired};
use super::{App, ApptView};
use crate::error::{Error, Result};
use crate::recurrence::{self, End, Rule, RuleError};
use crate::store::{ApptRow, NewAudit, NewSeries, SeriesRow, Store};
use crate::times::{self, Local};
use crate::token;

/// The wall-time format of `series.dtstart`.
pub(super) const DTSTART: &str = "%Y-%m-%dT%H:%M:%S";

/// A series made, with the occurrences that exist so far.
#[derive(Debug, Serialize)]
pub struct SeriesMade {
    pub series_id: i64,
    pub appointments: Vec<ApptView>,
    #[serde(skip)]
    pub clashes: Vec<Clash>,
}

/// A series as `series list/show` and the admin pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesView {
    pub id: i64,
    /// The RRULE value (RFC 5545 section 3.3.10), e.g. `FREQ=WEEKLY;COUNT=10`.
    pub rule: String,
    /// The rule in words: "every week, until 2027-03-01".
    pub repeats: String,
    /// The first session, RFC 3339 UTC, and its zone (IANA).
    pub start: String,
    pub zone: String,
    pub minutes: i64,
    /// `active`, or `ended` (cancelled: nothing more is made).
    pub status: &'static str,
    pub clients: Vec<SeriesClient>,
    /// Its occurrences from now on that are not cancelled, earliest first (at most [`NEXT`]).
    pub next: Vec<ApptView>,
    /// The first session in the practice zone, for people.
    #[serde(skip)]
    pub local_start: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesClient {
    pub id: i64,
    pub name: String,
}

/// How many upcoming occurrences a series view lists.
pub const NEXT: usize = 5;

/// What a stored series means, parsed; a row that does not parse is
/// damage, not input.
pub(super) struct Parsed {
    pub rule: Rule,
    pub dtstart: NaiveDateTime,
    pub zone: Tz,
}

pub(super) fn parse(row: &SeriesRow) -> Result<Parsed> {
    let damaged = |what: &str| Error::internal(format!("series {} has a bad {what} in the database", row.id));
    Ok(Parsed {
        rule: row.rrule.parse().map_err(|_| damaged("rule"))?,
        dtstart: NaiveDateTime::parse_from_str(&row.dtstart, DTSTART).map_err(|_| damaged("start"))?,
        zone: row.tzid.parse().map_err(|_| damaged("zone"))?,
    })
}

/// A rule refused when it is made or changed: the error names the date.
pub(super) fn refused(e: RuleError) -> Error {
    Error::input(format!("cannot repeat this session: {e}; choose another time or end the series before that date"))
}

/// Far enough to check a rule's every occurrence (it stops after
/// `recurrence::MAX_STEPS` steps, at most 43 years of monthly sessions).
pub(super) fn all_of_it(from: DateTime<Utc>) -> DateTime<Utc> {
    from + Duration::days(31 * i64::from(recurrence::MAX_STEPS))
}

impl App {
    /// Make a series of `minutes`-long sessions for `clients`, the first at
    /// `start`, repeating by `rule` at the same local wall time in the
    /// practice zone. Occurrences exist up to `series_horizon_weeks` from
    /// `now` (at least the first). Errors: the rule meets a local time
    /// that does not exist or happens twice (naming the date), the first
    /// session's links would already be expired (unless forced), or the
    /// people or length are refused as for one appointment.
    pub fn create_series(
        &mut self,
        clients: &[i64],
        start: DateTime<Utc>,
        minutes: i64,
        rule: Rule,
        force: Force,
        now: DateTime<Utc>,
    ) -> Result<SeriesMade> {
        let minutes = validate_minutes(minutes)?;
        self.check_people(clients)?;
        self.check_rule(&rule, start)?;
        let settings = self.settings()?;
        let zone = settings.timezone;
        let dtstart = start.with_timezone(&zone).naive_local();
        let horizon = (now + Duration::weeks(settings.series_horizon_weeks)).max(start + Duration::seconds(1));
        let instants = recurrence::occurrences(&rule, dtstart, zone, start, horizon).map_err(refused)?;
        let first = self.review_time(start, minutes, None, now)?;
        refuse_expired(&first, start, force)?;
        let mut clashes = first.clashes;
        for &at in instants.iter().skip(1) {
            clashes.extend(self.review_time(at, minutes, None, now)?.clashes);
        }
        let (keys, hours, at) = (self.keys.clone(), self.reminder_hours()?, now.timestamp());
        let (rrule, dtstart_text) = (rule.to_rrule(), dtstart.format(DTSTART).to_string());
        let new = NewSeries {
            rrule: &rrule,
            dtstart: &dtstart_text,
            tzid: zone.name(),
            minutes,
            made_until: horizon.timestamp(),
        };
        let (series_id, ids) = self.store.write(|tx| {
            let series = Store::insert_series(tx, &new, clients, at)?;
            let mut ids = vec![];
            for instant in &instants {
                if let Some(id) =
                    Store::insert_occurrence(tx, series, instant.timestamp(), minutes, &token::random_name(), at)?
                {
                    seat(tx, &keys, id, clients, at)?;
                    super::mail::plan_outbox(tx, id, &hours, at)?;
                    ids.push(id);
                }
            }
            let detail = format!("{} ({}), {} made so far", rule.describe(), rrule, ids.len());
            let audit =
                NewAudit { event: "series.create", appointment_id: ids.first().copied(), detail, ..Default::default() };
            Store::insert_audit(tx, at, &audit)?;
            Ok((series, ids))
        })?;
        let appointments = ids.into_iter().map(|id| self.appointment_view(id, now)).collect::<Result<_>>()?;
        Ok(SeriesMade { series_id, appointments, clashes })
    }

    /// Whether `rule`, first at `start` in the practice zone, makes a
    /// series: it ends on or after its first session, has two sessions at
    /// least, and none of them falls on a local time the zone skips or
    /// repeats (the error names the date).
    pub(super) fn check_rule(&mut self, rule: &Rule, start: DateTime<Utc>) -> Result<()> {
        let zone = self.settings()?.timezone;
        let dtstart = start.with_timezone(&zone).naive_local();
        if let End::Until(last) = rule.end
            && last < dtstart.date()
        {
            return Err(Error::input(format!("the series would end on {last}, before its first session")));
        }
        let all = recurrence::occurrences(rule, dtstart, zone, start, all_of_it(start)).map_err(refused)?;
        if all.len() < 2 {
            return Err(Error::input(
                "this series would have one session only: end it later, or book the session without Repeats",
            ));
        }
        Ok(())
    }

    /// Make the occurrences every running series lacks up to
    /// `series_horizon_weeks` after `now`, each with its clients' links
    /// and reminders. The server runs this hourly and at start, the
    /// command line whenever it runs. Returns how many were made.
    pub fn extend_series(&mut self, now: DateTime<Utc>) -> Result<usize> {
        let horizon = now + Duration::weeks(self.settings()?.series_horizon_weeks);
        let mut made = 0;
        for row in self.store.series_to_extend(horizon.timestamp())? {
            made += self.extend_one(&row, horizon, now)?;
        }
        Ok(made)
    }

    fn extend_one(&mut self, row: &SeriesRow, horizon: DateTime<Utc>, now: DateTime<Utc>) -> Result<usize> {
        let p = parse(row)?;
        let clients: Vec<i64> = self.store.series_clients(row.id)?.into_iter().filter(|c| !c.2).map(|c| c.0).collect();
        let instants =
            match recurrence::occurrences(&p.rule, p.dtstart, p.zone, times::from_unix(row.made_until), horizon) {
                // Only a change in the zone's rules since the series was made
                // can bring this: end it, and say why in the audit trail.
                Err(e) => return self.end_series_for(row.id, &format!("ended: {e}"), now).map(|()| 0),
                Ok(_) if clients.is_empty() => {
                    return self
                        .end_series_for(row.id, "ended: every client of the series is archived or left it", now)
                        .map(|()| 0);
                }
                // Nothing new within reach: no write (the horizon moves
                // with every second; the disk should not).
                Ok(instants) if instants.is_empty() => return Ok(0),
                Ok(instants) => instants,
            };
        let (keys, hours, at) = (self.keys.clone(), self.reminder_hours()?, now.timestamp());
        self.store.write(|tx| {
            let mut made = 0;
            for instant in &instants {
                let room = token::random_name();
                if let Some(id) = Store::insert_occurrence(tx, row.id, instant.timestamp(), row.minutes, &room, at)? {
                    seat(tx, &keys, id, &clients, at)?;
                    super::mail::plan_outbox(tx, id, &hours, at)?;
                    made += 1;
                }
            }
            Store::set_made_until(tx, row.id, horizon.timestamp(), at)?;
            if made > 0 {
                let detail = format!("{made} more made, up to {}", times::rfc3339(horizon));
                Store::insert_audit(tx, at, &series_audit("series.extend", None, detail))?;
            }
            Ok(made)
        })
    }

    fn end_series_for(&mut self, series: i64, why: &str, now: DateTime<Utc>) -> Result<()> {
        let at = now.timestamp();
        let detail = format!("series {series} {why}");
        self.store.write(|tx| {
            Store::end_series(tx, series, at)?;
            Store::insert_audit(tx, at, &series_audit("series.end", None, detail))
        })
    }

    pub fn series_row(&self, id: i64) -> Result<SeriesRow> {
        self.store.series(id)?.ok_or_else(|| Error::not_found(format!("no series with id {id}")))
    }

    /// The rule of series `id`, read and checked: what a session's page
    /// says of its series, without its sessions.
    pub fn series_rule(&self, id: i64) -> Result<Rule> {
        Ok(parse(&self.series_row(id)?)?.rule)
    }

    /// One series with its next occurrences.
    pub fn series_view(&mut self, id: i64, now: DateTime<Utc>) -> Result<SeriesView> {
        let row = self.series_row(id)?;
        let p = parse(&row)?;
        let zone = self.settings()?.timezone;
        let first = p.zone.from_local_datetime(&p.dtstart).earliest().map(|t| t.with_timezone(&Utc));
        let first = first.unwrap_or_else(|| times::from_unix(row.created_at));
        let clients = self.store.series_clients(id)?.into_iter().map(|(id, name, _)| SeriesClient { id, name });
        let upcoming: Vec<ApptRow> = self
            .store
            .occurrences(id, i64::MIN)?
            .into_iter()
            .filter(|a| a.cancelled_at.is_none() && a.start_at + a.minutes * 60 > now.timestamp())
            .take(NEXT)
            .collect();
        let next: Vec<ApptView> = upcoming.iter().map(|a| self.appointment_view(a.id, now)).collect::<Result<_>>()?;
        // Nothing ahead and nothing more the rule would make: over, though
        // never cancelled (a counted or dated series that ran its course,
        // or one whose following sessions were cancelled).
        let more =
            recurrence::occurrences(&p.rule, p.dtstart, p.zone, now, all_of_it(now)).is_ok_and(|v| !v.is_empty());
        Ok(SeriesView {
            id,
            rule: p.rule.to_rrule(),
            repeats: p.rule.describe(),
            start: times::rfc3339(first),
            zone: row.tzid.clone(),
            minutes: row.minutes,
            status: if row.ended_at.is_some() || (next.is_empty() && !more) { "ended" } else { "active" },
            clients: clients.collect(),
            next,
            local_start: Local::new(first, zone).line(),
        })
    }

    /// The sessions of series `id` not over at `now`, cancelled ones
    /// included, earliest first.
    pub fn series_sessions(&mut self, id: i64, now: DateTime<Utc>) -> Result<Vec<ApptView>> {
        self.series_row(id)?;
        let rows = self.store.occurrences(id, i64::MIN)?;
        let ahead = rows.into_iter().filter(|a| a.start_at + a.minutes * 60 > now.timestamp());
        ahead.map(|a| self.appointment_view(a.id, now)).collect()
    }

    /// Running series kept in a zone other than `zone` (after the practice
    /// zone changed): they keep their own zone's wall time.
    pub fn series_in_other_zones(&mut self, zone: Tz) -> Result<usize> {
        let rows = self.store.series_list(None)?;
        Ok(rows.iter().filter(|r| r.ended_at.is_none() && r.tzid != zone.name()).count())
    }

    /// Every series (newest first), or one client's.
    pub fn list_series(&mut self, client: Option<i64>, now: DateTime<Utc>) -> Result<Vec<SeriesView>> {
        let rows = self.store.series_list(client)?;
        rows.iter().map(|r| self.series_view(r.id, now)).collect()
    }

    /// Cancel a whole series: every occurrence not yet begun is
    /// cancelled (each participant is sent one cancellation per session,
    /// when mail is on) and no more are made. Past ones stay as they were.
    /// Cancelling twice is harmless. Returns how many were cancelled.
    pub fn cancel_series(&mut self, id: i64, now: DateTime<Utc>) -> Result<usize> {
        self.series_row(id)?;
        let ahead: Vec<i64> = self
            .store
            .occurrences(id, i64::MIN)?
            .into_iter()
            .filter(|a| a.cancelled_at.is_none() && a.start_at > now.timestamp())
            .map(|a| a.id)
            .collect();
        let (hours, at) = (self.reminder_hours()?, now.timestamp());
        self.store.write(|tx| {
            for &appt in &ahead {
                Store::cancel_appointment(tx, appt, at)?;
                super::mail::plan_outbox(tx, appt, &hours, at)?;
            }
            Store::end_series(tx, id, at)?;
            let detail = format!("series {id}: {} future session(s) cancelled", ahead.len());
            Store::insert_audit(tx, at, &series_audit("series.cancel", None, detail))
        })?;
        Ok(ahead.len())
    }
}

fn series_audit(event: &'static str, appointment_id: Option<i64>, detail: String) -> NewAudit<'static> {
    NewAudit { event, appointment_id, detail, ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::test_app;
    use crate::recurrence::Freq;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn weekly(end: End) -> Rule {
        Rule { freq: Freq::Weekly, end }
    }

    /// A practice in New York with one client.
    fn practice(now: DateTime<Utc>) -> (App, i64) {
        let mut app = test_app();
        app.set_setting("timezone", "America/New_York", now).unwrap();
        let ann = app.add_client("Ann", None, None, now).unwrap().id;
        (app, ann)
    }

    fn starts(app: &mut App, client: i64, now: DateTime<Utc>) -> Vec<String> {
        let all = app.client_appointments(client, t("2000-01-01T00:00:00Z"), t("2100-01-01T00:00:00Z"), now).unwrap();
        all.iter().filter(|a| a.status == "scheduled").map(|a| a.start.clone()).collect()
    }

    #[test]
    fn a_weekly_series_keeps_ten_oclock_across_the_spring_change_with_links_of_its_own() {
        let now = t("2027-02-20T12:00:00Z");
        let (mut app, ann) = practice(now);
        // Tuesdays at 10:00 New York time; the clocks change on 14 March.
        let made =
            app.create_series(&[ann], t("2027-03-02T15:00:00Z"), 50, weekly(End::Count(3)), Force::No, now).unwrap();
        let got: Vec<&str> = made.appointments.iter().map(|a| a.start.as_str()).collect();
        assert_eq!(got, ["2027-03-02T15:00:00Z", "2027-03-09T15:00:00Z", "2027-03-16T14:00:00Z"]);
        let links: Vec<&str> = made.appointments.iter().map(|a| a.participants[0].link.as_str()).collect();
        assert!(links[0] != links[1] && links[1] != links[2] && links[0] != links[2], "{links:?}");
        assert!(made.appointments.iter().all(|a| a.series_id == Some(made.series_id)));
        let shown = app.series_view(made.series_id, now).unwrap();
        assert_eq!((shown.rule.as_str(), shown.repeats.as_str()), ("FREQ=WEEKLY;COUNT=3", "every week, 3 sessions"));
        assert_eq!(shown.zone, "America/New_York");
    }

    #[test]
    fn a_time_the_zone_repeats_is_refused_naming_the_date_and_nothing_is_made() {
        let now = t("2027-09-01T12:00:00Z");
        let (mut app, ann) = practice(now);
        // Sundays at 01:30: on 7 November 2027 that hour happens twice.
        let err =
            app.create_series(&[ann], t("2027-10-03T05:30:00Z"), 50, weekly(End::Open), Force::No, now).unwrap_err();
        assert!(matches!(&err, Error::Input(m) if m.contains("2027-11-07") && m.contains("twice")), "{err}");
        assert!(app.list_series(None, now).unwrap().is_empty());
        assert!(starts(&mut app, ann, now).is_empty());
        // Ended before that date, the same rule is fine.
        let until = weekly(End::Until("2027-10-31".parse().unwrap()));
        assert_eq!(
            app.create_series(&[ann], t("2027-10-03T05:30:00Z"), 50, until, Force::No, now).unwrap().appointments.len(),
            5
        );
    }

    #[test]
    fn an_open_series_grows_with_time_never_twice_and_never_over_an_edit() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ann) = practice(now);
        let made = app.create_series(&[ann], t("2026-12-02T15:00:00Z"), 50, weekly(End::Open), Force::No, now).unwrap();
        assert_eq!(made.appointments.len(), 12, "12 weeks ahead by default");
        // One occurrence moved, one cancelled: editing them alone.
        let (second, third) = (made.appointments[1].id, made.appointments[2].id);
        app.reschedule(second, t("2026-12-10T15:00:00Z"), None, Force::No, now).unwrap();
        app.cancel_appointment(third, now).unwrap();
        let first = app.appointment_view(made.appointments[0].id, now).unwrap();
        assert_eq!(first.start, "2026-12-02T15:00:00Z", "the others are untouched");
        // Four weeks later, four more exist; again at once, none.
        let later = now + Duration::weeks(4);
        assert_eq!(app.extend_series(later).unwrap(), 4);
        assert_eq!(app.extend_series(later).unwrap(), 0);
        let all = starts(&mut app, ann, later);
        assert_eq!(all.len(), 15, "16 made, one cancelled: {all:?}");
        assert!(
            all.contains(&"2026-12-10T15:00:00Z".to_string()) && !all.contains(&"2026-12-09T15:00:00Z".to_string())
        );
        // A longer horizon reaches further at once.
        app.set_setting("series_horizon_weeks", "20", later).unwrap();
        assert_eq!(starts(&mut app, ann, later).len(), 15 + 8, "at once, from 16 weeks after the first to 24");
        assert_eq!(app.extend_series(later).unwrap(), 0);
    }

    #[test]
    fn a_counted_series_stops_and_a_cancelled_one_makes_no_more() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ann) = practice(now);
        let counted =
            app.create_series(&[ann], t("2026-12-02T15:00:00Z"), 50, weekly(End::Count(14)), Force::No, now).unwrap();
        assert_eq!(counted.appointments.len(), 12);
        assert_eq!(app.extend_series(now + Duration::weeks(10)).unwrap(), 2, "14 in all, never more");
        let open = app.create_series(&[ann], t("2026-12-03T15:00:00Z"), 50, weekly(End::Open), Force::No, now).unwrap();
        // A week on, the first session is over: only those ahead are cancelled.
        let week = now + Duration::weeks(1);
        assert_eq!(app.cancel_series(open.series_id, week).unwrap(), 11);
        assert_eq!(app.appointment_view(open.appointments[0].id, week).unwrap().status, "scheduled");
        assert_eq!(app.extend_series(now + Duration::weeks(30)).unwrap(), 0);
        assert_eq!(app.series_view(open.series_id, week).unwrap().status, "ended");
        assert_eq!(app.cancel_series(open.series_id, week).unwrap(), 0, "twice is harmless");
    }

    #[test]
    fn a_series_whose_clients_are_all_archived_ends() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ann) = practice(now);
        let made = app.create_series(&[ann], t("2026-12-02T15:00:00Z"), 50, weekly(End::Open), Force::No, now).unwrap();
        app.archive_client(ann, now).unwrap();
        assert_eq!(app.extend_series(now + Duration::weeks(4)).unwrap(), 0);
        assert_eq!(app.series_view(made.series_id, now).unwrap().status, "ended");
    }

    #[test]
    fn a_one_session_series_is_refused_and_a_series_that_ran_its_course_is_ended() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ann) = practice(now);
        let same_day = weekly(End::Until("2026-12-02".parse().unwrap()));
        let err = app.create_series(&[ann], t("2026-12-02T15:00:00Z"), 50, same_day, Force::No, now).unwrap_err();
        assert!(err.to_string().contains("one session only"), "{err}");
        let two =
            app.create_series(&[ann], t("2026-12-02T15:00:00Z"), 50, weekly(End::Count(2)), Force::No, now).unwrap();
        assert_eq!(app.series_view(two.series_id, now).unwrap().status, "active");
        let after = t("2026-12-10T12:00:00Z");
        assert_eq!(app.series_view(two.series_id, after).unwrap().status, "ended", "both sessions are over");
    }

    #[test]
    fn an_archived_client_leaves_their_series_for_good_and_a_couple_goes_on() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ann) = practice(now);
        let ben = app.add_client("Ben", None, None, now).unwrap().id;
        let couple =
            app.create_series(&[ann, ben], t("2026-12-02T15:00:00Z"), 50, weekly(End::Open), Force::No, now).unwrap();
        let solo = app.create_series(&[ann], t("2026-12-03T15:00:00Z"), 50, weekly(End::Open), Force::No, now).unwrap();
        app.archive_client(ann, now).unwrap();
        assert_eq!(app.series_view(solo.series_id, now).unwrap().status, "ended");
        app.restore_client(ann, now).unwrap();
        let later = now + Duration::weeks(4);
        assert_eq!(app.extend_series(later).unwrap(), 4, "the couple's four new sessions, none of Ann's own");
        let newest = app.series_view(couple.series_id, later).unwrap();
        let last = app.series_sessions(couple.series_id, later).unwrap().pop().unwrap();
        let names: Vec<&str> = last.participants.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Ben"], "restored, Ann is in no series until booked again");
        assert_eq!(newest.status, "active");
    }
}
