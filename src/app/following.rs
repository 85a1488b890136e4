//! "This and following" (SPEC, `appt move|cancel --following`): a change
//! to one occurrence of a series that also changes every later one and
//! the rule.
//!
//! As calendars do it (RFC 5545 leaves this to the application), the
//! series is split: the sessions before this one keep the old rule, now
//! ending before it; this one and the later ones become a new series with
//! the new rule, each keeping its own appointment, links and codes. The
//! k-th later occurrence takes the k-th time of the new rule, so a monthly
//! "2nd Tuesday" moved a day becomes "2nd Wednesday" rather than "the day
//! after the 2nd Tuesday". Cancelled occurrences stay cancelled.

use chrono::{DateTime, Utc};

use super::App;
use super::schedule::{Force, Made, refuse_expired};
use super::series::{all_of_it, parse, refused};
use crate::error::{Error, Result};
use crate::model;
use crate::recurrence;
use crate::store::{ApptRow, NewAudit, NewSeries, Store};
use crate::times;

impl App {
    /// Move occurrence `id` to `start` (and `minutes`, if given), and
    /// every later occurrence of its series by the same change of the
    /// rule. Errors: `id` is not in a series, is cancelled or over; the
    /// new rule meets a local time that does not exist or happens twice
    /// (naming the date); the new time's links would already be expired
    /// (unless forced). Returns the moved occurrence and any overlaps.
    pub fn move_following(
        &mut self,
        id: i64,
        start: DateTime<Utc>,
        minutes: Option<i64>,
        force: Force,
        now: DateTime<Utc>,
    ) -> Result<Made> {
        let (this, series) = self.occurrence(id)?;
        if this.cancelled_at.is_some() {
            return Err(Error::input(format!("appointment {id} is cancelled; move a later session of the series")));
        }
        if !model::can_move(now, &self.window_of(&this)?, false) {
            return Err(Error::input(format!("appointment {id} is over; move a later session of the series")));
        }
        let minutes = super::appointments::validate_minutes(minutes.unwrap_or(this.minutes))?;
        let p = parse(&series)?;
        let recurrence_at = times::from_unix(this.recurrence_at.unwrap_or(this.start_at));
        let new_start = start.with_timezone(&p.zone).naive_local();
        let (kept, rule) = recurrence::split(&p.rule, p.dtstart, p.zone, recurrence_at, new_start).map_err(refused)?;
        recurrence::occurrences(&rule, new_start, p.zone, start, all_of_it(start)).map_err(refused)?;
        // The sessions before this one stay where they are: the new ones
        // must begin after the last of them, or the client is booked twice.
        let earlier = self.store.occurrences(series.id, i64::MIN)?;
        let before = earlier.iter().rev().find(|a| a.recurrence_at < this.recurrence_at && a.cancelled_at.is_none());
        if let Some(prev) = before
            && start.timestamp() < prev.start_at + prev.minutes * 60
        {
            let zone = self.settings()?.timezone;
            return Err(Error::input(format!(
                "the new time is not after the session before it in the series (appointment {}, {}): \
                 change the sessions from that one on, or move this one alone",
                prev.id,
                times::Local::new(times::from_unix(prev.start_at), zone).line()
            )));
        }
        let review = self.review_time(start, minutes, Some(id), now)?;
        refuse_expired(&review, start, force)?;
        let later = self.store.occurrences(series.id, recurrence_at.timestamp())?;
        let slots = recurrence::occurrences(&rule, new_start, p.zone, start, all_of_it(start)).map_err(refused)?;
        // Occurrences of the new rule exist up to the last one moved; the
        // extension below makes the rest up to the horizon.
        let last = slots.get(later.len().saturating_sub(1)).copied().unwrap_or(start);
        let made_until = last + chrono::Duration::seconds(1);
        // The sessions being moved are no clash for each other: each leaves
        // its old time.
        let moving: Vec<i64> = later.iter().map(|a| a.id).collect();
        let mut clashes = review.clashes;
        for (occ, at) in later.iter().zip(&slots).skip(1) {
            if occ.cancelled_at.is_none() {
                clashes.extend(self.review_time(*at, minutes, Some(occ.id), now)?.clashes);
            }
        }
        clashes.retain(|c| !moving.contains(&c.id));
        let clients: Vec<i64> =
            self.store.series_clients(series.id)?.into_iter().filter(|c| !c.2).map(|c| c.0).collect();
        let (hours, at) = (self.reminder_hours()?, now.timestamp());
        let (rrule, dtstart) = (rule.to_rrule(), new_start.format(super::series::DTSTART).to_string());
        let new = NewSeries {
            rrule: &rrule,
            dtstart: &dtstart,
            tzid: &series.tzid,
            minutes,
            made_until: made_until.timestamp(),
        };
        let detail = format!(
            "series {} from {}: {} at {} ({}) became {} at {} {} ({}), {} session(s) moved",
            series.id,
            times::rfc3339(recurrence_at),
            p.rule.describe(),
            p.dtstart.format("%H:%M"),
            p.rule.to_rrule(),
            rule.describe(),
            dtstart,
            series.tzid,
            rrule,
            later.len()
        );
        self.store.write(|tx| {
            let split = Store::insert_series(tx, &new, &clients, at)?;
            for (i, occ) in later.iter().enumerate() {
                let Some(when) = slots.get(i) else {
                    // The new rule ends sooner (an UNTIL moved back): the
                    // sessions it no longer has are cancelled.
                    cancel(tx, occ, &hours, at)?;
                    continue;
                };
                Store::reassign_occurrence(tx, occ.id, split, when.timestamp())?;
                if occ.cancelled_at.is_none() && (occ.start_at, occ.minutes) != (when.timestamp(), minutes) {
                    Store::move_appointment(tx, occ.id, when.timestamp(), minutes, at)?;
                    super::mail::plan_outbox(tx, occ.id, &hours, at)?;
                }
            }
            match &kept {
                Some(rule) => Store::set_series_rule(tx, series.id, &rule.to_rrule(), at)?,
                // Every session moved: the old series is left with none.
                None => Store::delete_empty_series(tx, series.id)?,
            }
            let audit = NewAudit { event: "series.change", appointment_id: Some(id), detail, ..Default::default() };
            Store::insert_audit(tx, at, &audit)
        })?;
        // The new series may need occurrences the old one had not made yet.
        self.extend_series(now)?;
        Ok(Made { view: self.appointment_view(id, now)?, clashes })
    }

    /// Cancel occurrence `id` and every later one of its series; the
    /// series then ends before it. Returns how many were cancelled.
    pub fn cancel_following(&mut self, id: i64, now: DateTime<Utc>) -> Result<usize> {
        let (this, series) = self.occurrence(id)?;
        let p = parse(&series)?;
        let recurrence_at = times::from_unix(this.recurrence_at.unwrap_or(this.start_at));
        let local = recurrence_at.with_timezone(&p.zone).naive_local();
        let (kept, _) = recurrence::split(&p.rule, p.dtstart, p.zone, recurrence_at, local).map_err(refused)?;
        let later = self.store.occurrences(series.id, recurrence_at.timestamp())?;
        let (hours, at) = (self.reminder_hours()?, now.timestamp());
        // As when a whole series is cancelled, a session already begun or
        // over stays as it was.
        let live: Vec<&ApptRow> =
            later.iter().filter(|a| a.cancelled_at.is_none() && a.start_at > now.timestamp()).collect();
        let detail = format!(
            "series {}: cancelled from {} on ({} session(s)); {}",
            series.id,
            times::rfc3339(recurrence_at),
            live.len(),
            kept.map_or("no session before it".to_string(), |r| format!("the rest is now {}", r.to_rrule()))
        );
        self.store.write(|tx| {
            for occ in &live {
                cancel(tx, occ, &hours, at)?;
            }
            end_before(tx, series.id, kept.as_ref(), at)?;
            let audit = NewAudit { event: "series.change", appointment_id: Some(id), detail, ..Default::default() };
            Store::insert_audit(tx, at, &audit)
        })?;
        Ok(live.len())
    }

    /// Occurrence `id` with its series, or an error saying it has none.
    fn occurrence(&mut self, id: i64) -> Result<(ApptRow, crate::store::SeriesRow)> {
        let this = self.appointment_row(id)?;
        let Some(series) = this.series_id else {
            return Err(Error::input(format!(
                "appointment {id} is not part of a series; leave out --following to change it alone"
            )));
        };
        Ok((this, self.series_row(series)?))
    }
}

/// The old series keeps the sessions before the split (`kept` rule), or
/// ends when there are none.
fn end_before(tx: &rusqlite::Transaction<'_>, series: i64, kept: Option<&recurrence::Rule>, at: i64) -> Result<()> {
    match kept {
        Some(rule) => Store::set_series_rule(tx, series, &rule.to_rrule(), at),
        None => Store::end_series(tx, series, at),
    }
}

fn cancel(tx: &rusqlite::Transaction<'_>, occ: &ApptRow, hours: &[u32], at: i64) -> Result<()> {
    if occ.cancelled_at.is_none() {
        Store::cancel_appointment(tx, occ.id, at)?;
        super::mail::plan_outbox(tx, occ.id, hours, at)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::app::test_app;
    use crate::recurrence::{End, Freq, Rule};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn setup(freq: Freq, first: &str, now: DateTime<Utc>) -> (App, Vec<i64>, i64) {
        let mut app = test_app();
        app.set_setting("timezone", "America/New_York", now).unwrap();
        let ann = app.add_client("Ann", None, None, now).unwrap().id;
        let rule = Rule { freq, end: End::Open };
        let made = app.create_series(&[ann], t(first), 50, rule, Force::No, now).unwrap();
        (app, made.appointments.iter().map(|a| a.id).collect(), made.series_id)
    }

    #[test]
    fn this_and_following_moves_the_rest_keeps_the_earlier_and_every_link() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ids, series) = setup(Freq::Weekly, "2026-12-01T15:00:00Z", now);
        let before: Vec<_> = ids.iter().map(|&id| app.appointment_view(id, now).unwrap()).collect();
        // From the 4th session on: Wednesdays at 11:00 instead of Tuesdays at 10:00.
        app.move_following(ids[3], t("2026-12-23T16:00:00Z"), Some(60), Force::No, now).unwrap();
        let after: Vec<_> = ids.iter().map(|&id| app.appointment_view(id, now).unwrap()).collect();
        for i in 0..3 {
            assert_eq!((after[i].start.as_str(), after[i].series_id), (before[i].start.as_str(), Some(series)));
        }
        assert_eq!(after[3].start, "2026-12-23T16:00:00Z");
        assert_eq!(after[4].start, "2026-12-30T16:00:00Z");
        assert!(after[3..].iter().all(|a| a.minutes == 60 && a.series_id != Some(series)));
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(b.participants[0].link, a.participants[0].link, "links and codes are kept");
        }
        let old = app.series_view(series, now).unwrap();
        assert_eq!(old.rule, "FREQ=WEEKLY;UNTIL=20261221");
        let new = app.series_view(after[3].series_id.unwrap(), now).unwrap();
        assert_eq!((new.rule.as_str(), new.minutes), ("FREQ=WEEKLY", 60));
        // Growing the new series later makes Wednesdays, no Tuesdays.
        app.extend_series(now + Duration::weeks(3)).unwrap();
        let wednesdays = app.list_appointments(t("2027-02-01T00:00:00Z"), t("2027-04-01T00:00:00Z"), now).unwrap();
        assert!(!wednesdays.is_empty());
        assert!(wednesdays.iter().all(|a| a.local_start.starts_with("Wednesday")), "{wednesdays:?}");
    }

    #[test]
    fn a_monthly_rule_moved_a_day_becomes_that_weekday_of_the_month() {
        let now = t("2026-12-01T12:00:00Z");
        // The 2nd Tuesday: 8 December 2026, 12 January, 9 February 2027.
        let (mut app, ids, _) = setup(Freq::monthly_like("2026-12-08".parse().unwrap()), "2026-12-08T15:00:00Z", now);
        assert_eq!(ids.len(), 3);
        // From January, the 2nd Wednesday: 13 January, then 10 February.
        app.move_following(ids[1], t("2027-01-13T15:00:00Z"), None, Force::No, now).unwrap();
        assert_eq!(app.appointment_view(ids[2], now).unwrap().start, "2027-02-10T15:00:00Z");
    }

    #[test]
    fn moving_the_first_session_moves_the_whole_series_and_leaves_no_empty_one() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ids, series) = setup(Freq::Fortnightly, "2026-12-01T15:00:00Z", now);
        app.move_following(ids[0], t("2026-12-01T16:00:00Z"), None, Force::No, now).unwrap();
        assert!(app.series_row(series).is_err(), "the old series had nothing left");
        let all = app.list_series(None, now).unwrap();
        assert_eq!((all.len(), all[0].rule.as_str()), (1, "FREQ=WEEKLY;INTERVAL=2"));
        assert_eq!(app.appointment_view(ids[1], now).unwrap().start, "2026-12-15T16:00:00Z");
    }

    #[test]
    fn this_and_following_cancels_the_rest_and_ends_the_series() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ids, series) = setup(Freq::Weekly, "2026-12-01T15:00:00Z", now);
        assert_eq!(app.cancel_following(ids[2], now).unwrap(), 10);
        assert_eq!(app.appointment_view(ids[1], now).unwrap().status, "scheduled");
        assert!(ids[2..].iter().all(|&id| app.appointment_view(id, now).unwrap().status == "cancelled"));
        assert_eq!(app.series_view(series, now).unwrap().rule, "FREQ=WEEKLY;UNTIL=20261214");
        assert_eq!(app.extend_series(now + Duration::weeks(20)).unwrap(), 0, "no more sessions after the end");
        // A single appointment has no "following".
        let ann = app.add_client("Bo", None, None, now).unwrap().id;
        let one = app.add_appointment(&[ann], t("2026-12-05T15:00:00Z"), 50, now).unwrap();
        let err = app.cancel_following(one.id, now).unwrap_err();
        assert!(err.to_string().contains("not part of a series"), "{err}");
    }

    #[test]
    fn a_following_move_onto_an_earlier_session_is_refused_and_moving_ones_are_no_clash() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ids, _) = setup(Freq::Weekly, "2026-12-01T15:00:00Z", now);
        // The 3rd session (15 December) to the 2nd's time, 8 December: the
        // client would be booked twice.
        let err = app.move_following(ids[2], t("2026-12-08T15:00:00Z"), None, Force::No, now).unwrap_err();
        assert!(err.to_string().contains(&format!("appointment {}", ids[1])), "{err}");
        assert_eq!(app.appointment_view(ids[2], now).unwrap().start, "2026-12-15T15:00:00Z");
        // A week later instead: every session lands on the next one's old
        // time, which it leaves; nothing clashes.
        let made = app.move_following(ids[2], t("2026-12-22T15:00:00Z"), None, Force::No, now).unwrap();
        assert!(made.clashes.is_empty(), "{:?}", made.clashes);
    }

    #[test]
    fn cancelling_the_following_spares_a_session_already_over() {
        let now = t("2026-12-01T12:00:00Z");
        let (mut app, ids, _) = setup(Freq::Weekly, "2026-12-01T15:00:00Z", now);
        let later = t("2026-12-09T12:00:00Z");
        assert_eq!(app.cancel_following(ids[1], later).unwrap(), 10, "the 8 December session is over");
        assert_eq!(app.appointment_view(ids[1], later).unwrap().status, "scheduled");
        assert_eq!(app.appointment_view(ids[2], later).unwrap().status, "cancelled");
    }

    #[test]
    fn a_following_move_into_a_repeated_hour_is_refused_and_changes_nothing() {
        let now = t("2027-09-01T12:00:00Z");
        let (mut app, ids, series) = setup(Freq::Weekly, "2027-09-05T14:00:00Z", now);
        // To Sundays at 01:30: 7 November 2027 has that time twice.
        let err = app.move_following(ids[1], t("2027-09-12T05:30:00Z"), None, Force::No, now).unwrap_err();
        assert!(err.to_string().contains("2027-11-07"), "{err}");
        assert_eq!(app.appointment_view(ids[1], now).unwrap().start, "2027-09-12T14:00:00Z");
        assert_eq!(app.series_view(series, now).unwrap().rule, "FREQ=WEEKLY");
    }
}
