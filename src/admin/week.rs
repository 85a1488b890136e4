//! The week view (`/admin/week`): one week, Monday to Sunday in the
//! practice zone, every session with its time span, its people and each
//! one's link state, and a way to any other week by date.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::today::{self, Card};
use super::{Ctx, Frame};
use crate::error::{Error, Result};
use crate::http::Resp;
use crate::times::{self, Local};

/// Weeks the date field and the links reach, as far as times are read
/// anywhere (`times::parse_input`: this century).
const YEARS: std::ops::Range<i32> = 2000..2100;

#[derive(Serialize)]
struct Page {
    #[serde(flatten)]
    frame: Frame,
    zone: String,
    /// "26 October – 1 November 2026".
    title: String,
    /// Monday of this week, of the one before and of the one after, as
    /// `YYYY-MM-DD` (the date field's value and the links' `?date=`);
    /// `None` past the years a time can have.
    monday: String,
    /// Its Sunday, `YYYY-MM-DD`: the last day of the CSV download.
    sunday: String,
    previous: Option<String>,
    next: Option<String>,
    /// The week shown holds today.
    this_week: bool,
    days: Vec<Day>,
    /// Why the `date` asked for was not used, shown by the date field.
    error: Option<String>,
}

#[derive(Serialize)]
struct Day {
    /// "Monday 26 October" (the heading has the year).
    label: String,
    /// `YYYY-MM-DD`, for ids and `<time datetime>`.
    date: String,
    today: bool,
    sessions: Vec<Session>,
}

/// One appointment of the week: the dashboard's card, with its local span.
#[derive(Serialize)]
struct Session {
    #[serde(flatten)]
    card: Card,
    /// "9:00 AM – 9:50 AM EDT", or with both zones where a DST change
    /// falls inside it: "12:30 AM EDT – 1:30 AM EST".
    span: String,
    /// The participants' names, for the link's accessible name.
    names: String,
}

/// The Monday of the week holding `date` (ISO 8601 weeks start on Monday).
pub fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The instants `[from, to)` of the local week starting on `monday`: from
/// the start of Monday to the start of the next Monday, which around a DST
/// change is 167 or 169 hours later, not 168.
pub fn week_bounds(monday: NaiveDate, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (times::start_of_date(monday, zone), times::start_of_date(monday + Duration::days(7), zone))
}

/// Read `?date=YYYY-MM-DD`: the date, or an input error naming the value.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    let bad = || Error::input(format!("{text:?} is not a date: use YYYY-MM-DD, e.g. 2026-11-02"));
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| bad())?;
    if !YEARS.contains(&date.year()) {
        return Err(Error::input(format!("{text:?} is out of range: use a year from 2000 to 2099")));
    }
    Ok(date)
}

/// A local span: the zone abbreviation once, or twice when it changes.
pub fn span(start: &Local, end: &Local) -> String {
    if start.abbrev == end.abbrev {
        format!("{} – {} {}", start.time, end.time, end.abbrev)
    } else {
        format!("{} {} – {} {}", start.time, start.abbrev, end.time, end.abbrev)
    }
}

fn iso_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// `GET /admin/week[?date=YYYY-MM-DD]`. A bad date shows this week with
/// the reason by the date field, with status 400.
pub fn page(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let zone = ctx.app.settings()?.timezone;
    let today = ctx.now.with_timezone(&zone).date_naive();
    let asked = ctx.req.param("date").filter(|d| !d.trim().is_empty());
    let (date, error) = match asked.as_deref().map(parse_date) {
        Some(Ok(date)) => (date, None),
        Some(Err(e)) => (today, Some(e.to_string())),
        None => (today, None),
    };
    let monday = monday_of(date);
    let (from, to) = week_bounds(monday, zone);
    let waiting = today::waiting(ctx)?;
    let mut days: Vec<Day> = (0..7)
        .map(|i| {
            let d = monday + Duration::days(i);
            Day {
                label: format!("{} {} {}", times::weekday_name(d.weekday()), d.day(), times::month_name(d.month0())),
                date: iso_date(d),
                today: d == today,
                sessions: vec![],
            }
        })
        .collect();
    for appt in ctx.app.list_appointments(from, to, ctx.now)? {
        let bad = |_| Error::internal("bad stored time");
        let start: DateTime<Utc> = appt.start.parse().map_err(bad)?;
        let end: DateTime<Utc> = appt.end.parse().map_err(bad)?;
        let names = appt.participants.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
        let day = (start.with_timezone(&zone).date_naive() - monday).num_days();
        let (_, card) = today::card(ctx, appt, &waiting)?;
        let span = span(&Local::new(start, zone), &Local::new(end, zone));
        if let Some(day) = usize::try_from(day).ok().and_then(|i| days.get_mut(i)) {
            day.sessions.push(Session { card, span, names });
        }
    }
    let within = |d: NaiveDate| YEARS.contains(&d.year()).then(|| iso_date(d));
    let sunday = monday + Duration::days(6);
    let first = match monday.year() == sunday.year() {
        true => format!("{} {}", monday.day(), times::month_name(monday.month0())),
        false => format!("{} {} {}", monday.day(), times::month_name(monday.month0()), monday.year()),
    };
    let title = format!("{first} – {} {} {}", sunday.day(), times::month_name(sunday.month0()), sunday.year());
    let page = Page {
        frame: ctx.frame("week")?,
        zone: zone.name().to_string(),
        title,
        monday: iso_date(monday),
        sunday: iso_date(monday + Duration::days(6)),
        previous: within(monday - Duration::days(7)),
        next: within(monday + Duration::days(7)),
        this_week: monday == monday_of(today),
        days,
        error,
    };
    let status = if page.error.is_some() { 400 } else { 200 };
    ctx.render(status, "admin_week.html", page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(monday_of(d("2026-11-01")), d("2026-10-26"), "a Sunday belongs to the week before");
        assert_eq!(monday_of(d("2026-11-02")), d("2026-11-02"));
        assert_eq!(monday_of(d("2027-01-01")), d("2026-12-28"), "across a year");
    }

    #[test]
    fn a_week_with_a_dst_change_is_an_hour_longer_or_shorter() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let (from, to) = week_bounds(d("2026-10-26"), ny);
        assert_eq!(
            (times::rfc3339(from), times::rfc3339(to)),
            ("2026-10-26T04:00:00Z".into(), "2026-11-02T05:00:00Z".into())
        );
        assert_eq!((to - from).num_hours(), 169);
        // New York springs forward on Sunday 8 March 2026; the week before is plain.
        let hours = |monday: &str, zone: &str| {
            let (from, to) = week_bounds(d(monday), zone.parse().unwrap());
            (to - from).num_hours()
        };
        assert_eq!(hours("2026-03-02", "America/New_York"), 167);
        assert_eq!(hours("2026-02-23", "America/New_York"), 168);
        let (from, to) = week_bounds(d("2026-03-23"), "Europe/London".parse().unwrap());
        assert_eq!((to - from).num_hours(), 167, "London springs forward on 29 March 2026");
    }

    #[test]
    fn bad_dates_are_refused_naming_the_value() {
        for bad in ["2026-02-30", "yesterday", "2026-1-1x", "1999-12-31", "2100-01-01", "+275760-09-13", ""] {
            let e = parse_date(bad).unwrap_err();
            assert!(matches!(e, Error::Input(_)), "{bad}");
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
        assert_eq!(parse_date(" 2026-11-02 ").unwrap(), d("2026-11-02"));
    }

    #[test]
    fn a_span_names_its_zone_once_unless_it_changes() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let at = |s: &str| Local::new(s.parse().unwrap(), ny);
        assert_eq!(span(&at("2026-10-26T13:00:00Z"), &at("2026-10-26T13:50:00Z")), "9:00 AM – 9:50 AM EDT");
        // 00:30 EDT for two hours ends at 01:30 EST.
        assert_eq!(span(&at("2026-11-01T04:30:00Z"), &at("2026-11-01T06:30:00Z")), "12:30 AM EDT – 1:30 AM EST");
    }
}
