//! The appointment and series commands: book (one session or a series,
//! with new clients in the same step), show, list, move, cancel, change
//! who takes part; list, show and cancel series.

use chrono::{DateTime, Utc};

use super::commands::parse_time;
use super::print;
use super::{ApptCmd, SeriesCmd};
use crate::app::App;
use crate::app::booking::{Booked, Booking};
use crate::app::schedule::{Clash, Force};
use crate::error::{Error, Result};

pub(super) fn appt(app: &mut App, cmd: ApptCmd, now: DateTime<Utc>) -> Result<()> {
    match cmd {
        ApptCmd::Add { clients, new_clients, start, minutes, force, repeat, count, until, json } => {
            let start = parse_time(app, &start)?;
            let clients = clients.iter().map(|c| app.client_id(c)).collect::<Result<Vec<i64>>>()?;
            // Leaving --minutes out only extends SPEC's `--minutes N`.
            let minutes = match minutes {
                Some(m) => m,
                None => app.settings()?.session_minutes,
            };
            let repeat = repeat.map(|how| repeat_rule(app, start, &how, count, until.as_deref())).transpose()?;
            let booking =
                Booking { clients: &clients, new_clients: &new_clients, start, minutes, repeat, force: forced(force) };
            match app.book(&booking, now)? {
                Booked::One(made) => {
                    warn_clashes(&made.clashes);
                    print::out(json.json, &made.view, print::appt)
                }
                Booked::Series(made) => {
                    warn_clashes(&made.clashes);
                    print::out(json.json, &made, print::series_made)
                }
            }
        }
        ApptCmd::Show { id, json } => {
            let v = app.appointment_view(id, now)?;
            print::out(json.json, &v, print::appt)
        }
        ApptCmd::List { client, csv, from, to, json } => {
            let zone = app.settings()?.timezone;
            let (mut lo, mut hi) = crate::app::default_list_range(now, zone);
            if let Some(t) = from {
                lo = parse_time(app, &t)?;
            }
            if let Some(t) = to {
                hi = parse_time(app, &t)?;
            }
            if csv {
                let client = client.map(|c| app.client_id(&c)).transpose()?;
                let text = app.appointments_csv(client, lo, hi, now)?;
                return print::raw(&text);
            }
            let list = match client {
                Some(c) => {
                    let client = app.client_id(&c)?;
                    app.client_appointments(client, lo, hi, now)?
                }
                None => app.list_appointments(lo, hi, now)?,
            };
            print::out(json.json, list.as_slice(), print::appts)
        }
        ApptCmd::Move { id, start, minutes, force, following, json } => {
            let start = parse_time(app, &start)?;
            let made = if following {
                app.move_following(id, start, minutes, forced(force), now)?
            } else {
                app.reschedule(id, start, minutes, forced(force), now)?
            };
            warn_clashes(&made.clashes);
            warn_untold(app, id, now)?;
            print::out(json.json, &made.view, print::appt)
        }
        ApptCmd::AddClient { id, client, json } => {
            let client = app.client_id(&client)?;
            let p = app.add_participant(id, client, now)?;
            print::out(json.json, &p, print::participant)
        }
        ApptCmd::RemoveClient { id, client } => {
            let client = app.client_id(&client)?;
            let name = app.client_row(client)?.name;
            let told = match app.remove_participant(id, client, now)? {
                crate::app::Removed::CancellationPlanned => "a cancellation goes to them",
                crate::app::Removed::NothingSent => "nothing was sent to them, as nothing had been",
            };
            warn_untold(app, id, now)?;
            print::line(&format!(
                "client {client} ({name}) removed from appointment {id}; their link no longer opens it, and {told}"
            ))
        }
        ApptCmd::Note { id, text, clear } => {
            let text = if clear { String::new() } else { text.unwrap_or_default() };
            match app.set_late_note(id, &text, now, None)? {
                Some(note) => print::line(&format!("appointment {id}: those waiting now read {note:?}")),
                None => print::line(&format!("appointment {id}: note cleared")),
            }
        }
        ApptCmd::Cancel { id, following: true } => {
            let n = app.cancel_following(id, now)?;
            print::line(&format!(
                "appointment {id} and the later sessions of its series cancelled ({n} in all); the series ends before it"
            ))
        }
        ApptCmd::Cancel { id, following: false } => {
            app.cancel_appointment(id, now)?;
            warn_untold(app, id, now)?;
            print::line(&format!("appointment {id} cancelled; its links no longer open the session"))?;
            Ok(())
        }
    }
}

pub(super) fn series(app: &mut App, cmd: SeriesCmd, now: DateTime<Utc>) -> Result<()> {
    match cmd {
        SeriesCmd::List { client, json } => {
            let client = client.map(|c| app.client_id(&c)).transpose()?;
            let list = app.list_series(client, now)?;
            print::out(json.json, list.as_slice(), print::series_list)
        }
        SeriesCmd::Show { id, json } => {
            let v = app.series_view(id, now)?;
            print::out(json.json, &v, print::series)
        }
        SeriesCmd::Cancel { id } => {
            let n = app.cancel_series(id, now)?;
            print::line(&format!("series {id} cancelled: {n} future session(s) cancelled, no more will be made"))
        }
    }
}

/// The rule `--repeat HOW [--count N | --until DATE]` names for a series
/// whose first session is `start` (SPEC, "Series and calendars").
fn repeat_rule(
    app: &mut App,
    start: DateTime<Utc>,
    how: &str,
    count: Option<u32>,
    until: Option<&str>,
) -> Result<crate::recurrence::Rule> {
    use crate::recurrence::{End, Freq, MAX_STEPS, Rule};
    let zone = app.settings()?.timezone;
    let first = start.with_timezone(&zone).date_naive();
    let freq = Freq::named(how, first)
        .ok_or_else(|| Error::input(format!("bad --repeat {how:?}: use weekly, fortnightly or monthly")))?;
    let end = match (count, until) {
        (Some(n), _) if !(2..=MAX_STEPS).contains(&n) => {
            return Err(Error::input(format!("bad --count {n}: use 2 to {MAX_STEPS} sessions")));
        }
        (Some(n), _) => End::Count(n),
        (None, Some(text)) => End::Until(
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| Error::input(format!("bad --until {text:?}: use a date such as 2027-03-01")))?,
        ),
        (None, None) => End::Open,
    };
    Ok(Rule { freq, end })
}

fn forced(force: bool) -> Force {
    if force { Force::Yes } else { Force::No }
}

/// An overlap is allowed (a couple seen back to back may share a minute),
/// but never silently: stderr names each clash.
fn warn_clashes(clashes: &[Clash]) {
    for c in clashes {
        eprintln!("porchlight: warning: this {c}");
    }
}

/// A new time or a cancellation that mail will not carry: the clinician
/// must not go away believing the clients were told.
pub(super) fn warn_untold(app: &mut App, id: i64, now: DateTime<Utc>) -> Result<()> {
    for u in app.untold(Some(id), now)? {
        eprintln!(
            "porchlight: warning: {} was not told by email ({}); the admin page has the message to send them",
            u.client, u.why
        );
    }
    Ok(())
}
