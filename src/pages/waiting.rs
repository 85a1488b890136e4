//! The waiting page: a client who pressed Join before the clinician
//! started waits here, and the page moves them into the room once the
//! clinician starts or admits them.
//!
//! With JavaScript the page asks `/v/{token}/wait/status` every few seconds
//! and, once ready, submits its Enter form (a POST, like every way into the
//! room). Without it, the page reloads itself and shows the Enter button.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::{App, Gate};
use crate::error::Result;
use crate::http::{Req, Resp};
use crate::model::LinkState;
use crate::state::Shared;
use crate::state::presence::Stage;
use crate::times::Local;

#[derive(Serialize)]
struct Page<'a> {
    practice: &'a str,
    token: &'a str,
    ready: bool,
    when: Local,
    /// The clinician's running-late note (`app::late`).
    note: Option<String>,
    /// The video provider, for the device check (`check.html`).
    provider: crate::settings::Provider,
}

/// `GET /v/{token}/wait`, in the language of the link's client.
pub fn page(app: &mut App, shared: &Shared, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let status = app.wait_status(token, now)?;
    let (ready, who) = match status.gate {
        Gate::NotOpen(_) => return Ok(Resp::see_other(format!("/v/{token}"))),
        Gate::Waiting(who) => {
            shared.presence.note(who.appointment_id, who.client_id, now.timestamp(), Stage::Waiting);
            (false, who)
        }
        Gate::Ready(who) => (true, who),
    };
    let Some(starts_at) = status.starts_at else { return Ok(Resp::see_other(format!("/v/{token}"))) };
    let lang = super::client_language(app, who.client_id)?;
    let settings = app.settings()?;
    let when = Local::in_lang(starts_at, settings.timezone, lang);
    let provider = settings.video_provider;
    let note = status.note.map(|n| crate::app::late::for_reader(n, lang));
    let page = Page { practice: &settings.practice_name, token, ready, when, note, provider };
    Ok(shared.pages.page_in(200, "wait.html", lang, page)?.with_form_action(crate::video::origin(&settings)))
}

#[derive(Serialize)]
struct Status {
    state: LinkState,
    ready: bool,
    /// The running-late note, `null` when there is none (or the link is
    /// not open): the page shows it, or takes it away, as it changes.
    note: Option<String>,
}

/// `GET /v/{token}/wait/status`: asked by the waiting page; writes nothing
/// to disk. Unknown tokens get the same 404 as everywhere.
pub fn status(app: &mut App, shared: &Shared, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let status = app.wait_status(token, now)?;
    let (state, ready, client) = match status.gate {
        Gate::NotOpen(state) => (state, false, None),
        Gate::Waiting(who) => {
            shared.presence.note(who.appointment_id, who.client_id, now.timestamp(), Stage::Waiting);
            (LinkState::Open, false, Some(who.client_id))
        }
        Gate::Ready(who) => (LinkState::Open, true, Some(who.client_id)),
    };
    let note = match (state, status.note, client) {
        // Only a one-tap note has words to look up: the client's
        // language is read for it alone, not at every poll.
        (LinkState::Open, Some(n), Some(id)) if crate::app::late::is_preset(&n) => {
            Some(crate::app::late::for_reader(n, super::client_language(app, id)?))
        }
        (LinkState::Open, note, _) => note,
        _ => None,
    };
    Ok(Resp::json(state.http_status(), &Status { state, ready, note }))
}

/// `POST /v/{token}/enter`: from the waiting page, into the room once the
/// gate is open; back to waiting (or the link page) otherwise.
pub fn enter(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let outcome = app.join_after_wait(token, now, &req.remote.to_string())?;
    super::client::enter(app, shared, req, outcome, format!("/v/{token}"), now)
}
