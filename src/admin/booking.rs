//! What the booking form starts with: the practice's usual length, or the
//! clients, time and length a link asked for ("book the same time next
//! week" on a client's page), and remembering a new usual length.

use chrono::{Datelike, NaiveDateTime};

use super::{Ctx, Form};
use crate::error::Result;
use crate::model::MAX_MINUTES;

/// The booking form's fields as a GET to `/admin/appointments/new` asks:
/// `client` (repeatable), `start` (`YYYY-MM-DDTHH:MM`, the practice's
/// local time) and `minutes`. A value that is not valid is left out and
/// the field keeps its default: a stale or edited link still opens a
/// usable form.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Prefill {
    pub clients: Vec<i64>,
    /// `YYYY-MM-DD` and `HH:MM`, as the date and time inputs take them.
    pub date_time: Option<(String, String)>,
    pub minutes: Option<i64>,
    /// `weekly`, `fortnightly` or `monthly`: the Repeats menu's choice.
    pub repeat: Option<&'static str>,
}

impl Prefill {
    /// Read a query string. Whether the local time exists in the zone is
    /// checked when the form is sent, which names the problem.
    pub fn read(query: &str) -> Prefill {
        let mut p = Prefill::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "client" => {
                    if let Ok(id) = value.trim().parse::<i64>()
                        && id > 0
                        && !p.clients.contains(&id)
                        && p.clients.len() < 20
                    {
                        p.clients.push(id);
                    }
                }
                "start" => {
                    p.date_time = NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M")
                        .ok()
                        .filter(|t| (2000..2100).contains(&t.year()))
                        .map(|t| (t.format("%Y-%m-%d").to_string(), t.format("%H:%M").to_string()));
                }
                "minutes" => {
                    p.minutes = value.trim().parse().ok().filter(|m| (1..=MAX_MINUTES).contains(m));
                }
                "repeat" => {
                    p.repeat = super::series::REPEATS.iter().map(|(v, _)| *v).find(|v| !v.is_empty() && *v == value);
                }
                _ => {}
            }
        }
        p
    }
}

/// The form a GET shows, and the clients it ticks.
pub fn start(ctx: &mut Ctx<'_>) -> Result<(Form, Vec<i64>)> {
    let usual = ctx.app.settings()?.session_minutes;
    let asked = Prefill::read(&ctx.req.query);
    let mut form = Form::default();
    form.values.insert("minutes".into(), asked.minutes.unwrap_or(usual).to_string());
    if let Some((date, time)) = asked.date_time {
        form.values.insert("date".into(), date);
        form.values.insert("time".into(), time);
    }
    if let Some(repeat) = asked.repeat {
        form.values.insert("repeat".into(), repeat.into());
    }
    Ok((form, asked.clients))
}

/// "Book another" after `session`: the booking form at the first full
/// hour after it ends, the same day, with its length and, for a session
/// of a series, the same Repeats: booking a day's clients back to back
/// is then a name and a click each. `None` past the day's end.
pub fn another(session: &crate::app::ApptView, zone: chrono_tz::Tz, repeat: Option<&str>) -> Option<String> {
    use chrono::Timelike;
    let end: chrono::DateTime<chrono::Utc> = session.end.parse().ok()?;
    let local = end.with_timezone(&zone).naive_local();
    let rounded = if local.minute() == 0 && local.second() == 0 {
        local
    } else {
        local.with_minute(0)?.with_second(0)? + chrono::Duration::hours(1)
    };
    if rounded.date() != local.date() {
        return None;
    }
    let repeat = repeat.map(|r| format!("&repeat={r}")).unwrap_or_default();
    Some(format!(
        "/admin/appointments/new?start={}&minutes={}{repeat}",
        rounded.format("%Y-%m-%dT%H:%M"),
        session.minutes
    ))
}

/// After a booking: with "Remember this length as my usual" ticked, the
/// length becomes `session_minutes` (audited as any setting change). The
/// appointment is made by then, so a failure here is logged, not shown as
/// a failed booking.
pub fn remember_length(ctx: &mut Ctx<'_>, form: &Form, minutes: i64) {
    if form.get("remember") != "on" {
        return;
    }
    let result = ctx.app.settings().map(|s| s.session_minutes).and_then(|usual| match usual == minutes {
        true => Ok(String::new()),
        false => ctx.app.set_setting("session_minutes", &minutes.to_string(), ctx.now),
    });
    if let Err(e) = result {
        eprintln!("porchlight: could not remember the usual length: {e}");
    }
}

/// The usual length, for the form's hint.
pub fn usual(ctx: &mut Ctx<'_>) -> Result<i64> {
    Ok(ctx.app.settings()?.session_minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefill_takes_what_is_valid_and_leaves_the_rest() {
        let good = Prefill::read("client=3&client=7&start=2026-11-10T14:00&minutes=45");
        assert_eq!(
            good,
            Prefill {
                clients: vec![3, 7],
                date_time: Some(("2026-11-10".into(), "14:00".into())),
                minutes: Some(45),
                repeat: None
            }
        );
        let bad = Prefill::read("client=x&client=-1&client=3&client=3&start=2026-02-30T14:00&minutes=0&extra=1");
        assert_eq!(bad, Prefill { clients: vec![3], date_time: None, minutes: None, repeat: None });
        assert_eq!(Prefill::read("repeat=monthly").repeat, Some("monthly"));
        assert_eq!(Prefill::read("repeat=daily").repeat, None);
        for start in ["tomorrow", "1999-12-31T10:00", "2026-11-10T25:00", "2026-11-10", "2026-11-10T14:00:00-05:00"] {
            assert_eq!(Prefill::read(&format!("start={start}")).date_time, None, "{start}");
        }
        assert_eq!(Prefill::read("minutes=721").minutes, None);
        assert_eq!(Prefill::read("minutes=%20720").minutes, Some(720));
        assert_eq!(Prefill::read("").clients, Vec::<i64>::new());
    }
}
