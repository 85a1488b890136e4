//! Calendar downloads: a participant's session, a client's portal, and the
//! clinician's feed. Each answers only what its token may see, with the
//! same 404/410 as the page it belongs to.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::error::Result;
use crate::http::{Req, Resp};
use crate::state::Shared;

fn ics(body: String, file: &str) -> Resp {
    Resp::new(200, "text/calendar; charset=utf-8", body.into_bytes())
        .with("Content-Disposition", format!("attachment; filename=\"{file}\""))
}

/// The clinician's feed refused: in English, as the admin pages.
fn refused(app: &mut App, shared: &Shared, status: u16) -> Result<Resp> {
    let practice = app.settings()?.practice_name.clone();
    Ok(shared.pages.error(status, crate::i18n::ENGLISH, &practice))
}

/// `GET /v/{token}/calendar.ics`; a link without a session gets its
/// page's words and next steps, in its language.
pub fn participant(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    match app.participant_ics(token, now)? {
        Ok(body) => Ok(ics(body, "session.ics")),
        Err(state) => {
            let lang = super::client::language_of_token(app, req, token, now)?;
            let practice = app.settings()?.practice_name.clone();
            super::client::gone(shared, lang, &practice, state, None)
        }
    }
}

/// `GET /p/{token}/calendar.ics`; a portal that does not answer gets its
/// page (404 or 410, with the next steps).
pub fn portal(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    match app.portal_ics(token, now)? {
        Ok(body) => Ok(ics(body, "sessions.ics")),
        Err(_) => super::portal::page(app, shared, req, token, now),
    }
}

/// `GET /cal/{token}.ics`.
pub fn feed(app: &mut App, shared: &Shared, file: &str, now: DateTime<Utc>) -> Result<Resp> {
    let token = file.strip_suffix(".ics").unwrap_or_default();
    match app.feed_ics(token, now)? {
        Some(body) => Ok(ics(body, "porchlight.ics")),
        None => refused(app, shared, 404),
    }
}
