//! A client's sessions on their page: what is to come, what is over
//! (newest first, capped), and "book the same time next week".

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Ctx;
use crate::app::ApptView;
use crate::error::{Error, Result};
use crate::times::Local;

/// How many sessions each list of a client's page shows.
const SESSIONS_SHOWN: usize = 20;

/// A client's sessions on their page, and the booking that repeats the
/// latest one a week later.
#[derive(Serialize)]
pub struct Sessions {
    upcoming: Vec<SessionLine>,
    past: Vec<SessionLine>,
    more_upcoming: bool,
    more_past: bool,
    shown: usize,
    /// `/admin/appointments/new?...` prefilled; `None` without a session
    /// that was not cancelled.
    again: Option<String>,
    /// "Tuesday 10 November 2026 at 2:00 PM", what `again` books.
    again_when: Option<String>,
}

#[derive(Serialize)]
struct SessionLine {
    id: i64,
    date: String,
    span: String,
    iso: String,
    cancelled: bool,
    names: String,
    participants: Vec<Person>,
}

/// Someone in a session, with their link's state (never the link itself:
/// the session's own page has it).
#[derive(Serialize)]
struct Person {
    client_id: i64,
    name: String,
    state: crate::model::LinkState,
}

/// The sessions of `client` as of now, each list capped at [`SESSIONS_SHOWN`].
pub fn sessions(ctx: &mut Ctx<'_>, client: i64) -> Result<Sessions> {
    let zone = ctx.app.settings()?.timezone;
    let history = ctx.app.client_history(client, ctx.now, SESSIONS_SHOWN)?;
    let line = |v: &ApptView| -> Result<SessionLine> {
        let (start, end) = instants(v)?;
        let local = Local::new(start, zone);
        Ok(SessionLine {
            id: v.id,
            span: super::week::span(&local, &Local::new(end, zone)),
            date: local.date,
            iso: local.iso,
            cancelled: v.status == "cancelled",
            names: v.participants.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
            participants: v
                .participants
                .iter()
                .map(|p| Person { client_id: p.client_id, name: p.name.clone(), state: p.state })
                .collect(),
        })
    };
    // The latest session that took place or will: what "the same time
    // next week" repeats, with everyone who was in it.
    let latest = history.upcoming.iter().rev().chain(&history.past).find(|v| v.status != "cancelled");
    let again = match latest {
        Some(v) => {
            let (start, _) = instants(v)?;
            let next = start.with_timezone(&zone).naive_local() + chrono::Duration::days(7);
            let mut query = v.participants.iter().map(|p| format!("client={}", p.client_id)).collect::<Vec<_>>();
            query.push(format!("start={}", next.format("%Y-%m-%dT%H:%M")));
            query.push(format!("minutes={}", v.minutes));
            Some((format!("/admin/appointments/new?{}", query.join("&")), next))
        }
        None => None,
    };
    Ok(Sessions {
        upcoming: history.upcoming.iter().map(line).collect::<Result<_>>()?,
        past: history.past.iter().map(line).collect::<Result<_>>()?,
        more_upcoming: history.more_upcoming,
        more_past: history.more_past,
        shown: SESSIONS_SHOWN,
        again_when: again.as_ref().map(|(_, next)| next.format("%A %-d %B %Y at %-I:%M %p").to_string()),
        again: again.map(|(url, _)| url),
    })
}

/// The start and end of a view, as instants.
fn instants(v: &ApptView) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let bad = |_| Error::internal("bad stored time");
    Ok((v.start.parse().map_err(bad)?, v.end.parse().map_err(bad)?))
}
