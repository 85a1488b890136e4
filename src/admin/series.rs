//! Repeating series in the admin pages: the booking form's "Repeats"
//! fields, a series' own page, and cancelling the whole of it (SPEC,
//! "Series and calendars"). Each session of a series is an ordinary
//! appointment with its own page (`appointments.rs`).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{Ctx, Form, Frame};
use crate::app::series::SeriesView;
use crate::error::Result;
use crate::http::Resp;
use crate::recurrence::{End, Freq, MAX_STEPS, Rule};

/// The choices of the booking form's "Repeats" menu, as (value, words).
pub const REPEATS: [(&str, &str); 4] = [
    ("", "Does not repeat"),
    ("weekly", "Every week"),
    ("fortnightly", "Every 2 weeks"),
    ("monthly", "Monthly, on the same weekday (the 2nd Tuesday, say)"),
];

/// The Repeats menu for a form whose date field holds `date`: the monthly
/// choice names the weekday of the month when the date is known.
pub fn menu(date: &str) -> Vec<(&'static str, String)> {
    let monthly = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok().map(|d| {
        let rule = Rule { freq: Freq::monthly_like(d), end: End::Open };
        let words = rule.describe();
        format!("M{}", words.trim_start_matches('m'))
    });
    REPEATS
        .iter()
        .map(|(value, words)| match (*value, &monthly) {
            ("monthly", Some(m)) => (*value, m.clone()),
            _ => (*value, words.to_string()),
        })
        .collect()
}

/// The rule the booking form's `repeat`, `count` and `until` fields ask
/// for, for a first session at `start`; `None` for a single session.
/// Bad fields get their message next to them in `form`.
pub fn rule_of(form: &mut Form, start: DateTime<Utc>, zone: Tz) -> Option<Rule> {
    let how = form.get("repeat").to_string();
    if how.is_empty() {
        return None;
    }
    let first = start.with_timezone(&zone).date_naive();
    let Some(freq) = Freq::named(&how, first) else {
        form.errors.insert("repeat".into(), "Choose how often it repeats.".into());
        return None;
    };
    let (count, until) = (form.get("count").trim().to_string(), form.get("until").trim().to_string());
    let end = match (count.as_str(), until.as_str()) {
        ("", "") => End::Open,
        (n, "") => match n.parse::<u32>() {
            Ok(n) if (2..=MAX_STEPS).contains(&n) => End::Count(n),
            _ => {
                form.errors.insert("count".into(), format!("Give a number of sessions from 2 to {MAX_STEPS}."));
                return None;
            }
        },
        ("", d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) if d >= first => End::Until(d),
            _ => {
                form.errors.insert("until".into(), "Give a last date on or after the first session.".into());
                return None;
            }
        },
        _ => {
            form.errors.insert("count".into(), "Give a number of sessions or a last date, not both.".into());
            return None;
        }
    };
    Some(Rule { freq, end })
}

/// What a session's page says about its series.
#[derive(Serialize)]
pub struct Membership {
    pub id: i64,
    pub repeats: String,
    /// Its frequency's name (`weekly`...), for "Book another" like it.
    pub repeat: &'static str,
}

/// The series `id` is part of, for its session's page.
pub fn membership(ctx: &mut Ctx<'_>, series: Option<i64>) -> Result<Option<Membership>> {
    let Some(id) = series else { return Ok(None) };
    let rule = ctx.app.series_rule(id)?;
    Ok(Some(Membership { id, repeats: rule.describe(), repeat: rule.freq.name() }))
}

/// A series on its client's page.
#[derive(Serialize)]
pub struct Line {
    id: i64,
    repeats: String,
    /// The first session in the practice zone.
    first: String,
    /// "Tuesday 8 December 2026, 10:00 AM EST", or `None` when none is ahead.
    next: Option<String>,
    ended: bool,
    /// Everyone in it, this client included.
    names: String,
}

/// The series `client` is in, newest first.
pub fn of_client(ctx: &mut Ctx<'_>, client: i64) -> Result<Vec<Line>> {
    let zone = ctx.app.settings()?.timezone;
    let list = ctx.app.list_series(Some(client), ctx.now)?;
    Ok(list
        .into_iter()
        .map(|s| Line {
            id: s.id,
            next: s.next.first().map(|a| short(a, zone)),
            first: s.local_start,
            ended: s.status == "ended",
            names: s.clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" & "),
            repeats: s.repeats,
        })
        .collect())
}

/// A session's date and time with the zone's abbreviation, the zone being
/// named elsewhere on the page.
fn short(a: &crate::app::ApptView, zone: Tz) -> String {
    let local = a.start.parse().map(|t| crate::times::Local::new(t, zone));
    local.map_or_else(|_| a.local_start.clone(), |l| format!("{}, {} {}", l.date, l.time, l.abbrev))
}

#[derive(Serialize)]
struct Page {
    #[serde(flatten)]
    frame: Frame,
    series: SeriesView,
    /// The first session in the practice zone.
    first: String,
    horizon: i64,
    /// Its sessions not over yet, cancelled ones included.
    sessions: Vec<Session>,
    /// Sessions ahead that "Cancel the whole series" would cancel.
    live: usize,
    /// The confirmation step of "Cancel the whole series".
    confirm_cancel: bool,
}

#[derive(Serialize)]
struct Session {
    id: i64,
    when: String,
    cancelled: bool,
}

/// `GET /admin/series/{id}` (and, with `confirm_cancel`, the step before
/// cancelling it).
pub fn show(ctx: &mut Ctx<'_>, id: i64, confirm_cancel: bool) -> Result<Resp> {
    let series = ctx.app.series_view(id, ctx.now)?;
    let zone = ctx.app.settings()?.timezone;
    let sessions: Vec<Session> = ctx
        .app
        .series_sessions(id, ctx.now)?
        .into_iter()
        // The zone is named once, on the first session; each line keeps
        // its abbreviation, which changes with the clocks.
        .map(|a| Session { id: a.id, when: short(&a, zone), cancelled: a.status == "cancelled" })
        .collect();
    let live = sessions.iter().filter(|s| !s.cancelled).count();
    let (first, horizon) = (series.local_start.clone(), ctx.app.settings()?.series_horizon_weeks);
    let frame = ctx.frame("week")?;
    ctx.render(200, "admin_series.html", Page { frame, series, first, horizon, sessions, live, confirm_cancel })
}

/// `POST /admin/series/{id}/cancel`: every session not yet begun.
pub fn cancel(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    ctx.app.cancel_series(id, ctx.now)?;
    Ok(Resp::see_other(format!("/admin/series/{id}?done=series-cancelled")))
}
