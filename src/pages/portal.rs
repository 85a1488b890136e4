//! `/p/{token}`: the client's stable, bookmarkable portal.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{say, say_practice};
use crate::app::{App, PortalAppt, PortalView};
use crate::error::Result;
use crate::http::{Req, Resp};
use crate::model::LinkState;
use crate::render::Gone;
use crate::state::Shared;
use crate::state::presence::Stage;

#[derive(Serialize)]
struct Page<'a> {
    practice: &'a str,
    token: &'a str,
    first_name: &'a str,
    appointments: &'a [PortalAppt],
    days: i64,
    join_opens_minutes: i64,
}

/// `GET /p/{token}`: the client's sessions in their language
/// (`App::language_of`), or what became of the portal; an unknown token
/// gets the unknown-link page in the browser's language.
pub fn page(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let view = app.portal(token, now)?;
    let settings = app.settings()?;
    let practice = settings.practice_name.as_str();
    let gone = |lang: &'static str, kind: &str, title: &str, line: &str| {
        // The code in a reminder works whatever happened to the portal.
        let lines = vec![say_practice(lang, line, practice)?, say(lang, "page-portal-code", &[])?];
        let title = say(lang, title, &[])?;
        shared.pages.gone(410, lang, practice, Gone { kind, title: &title, lines, when: None, offer_code: true })
    };
    match view {
        PortalView::Ok { first_name, appointments, language, .. } => {
            // Not a sign that anyone is here: scanners GET links too (the
            // page's script says so, `here`).
            let page = Page {
                practice,
                token,
                first_name: &first_name,
                appointments: &appointments,
                days: crate::app::PORTAL_DAYS,
                join_opens_minutes: settings.window.join_opens_minutes,
            };
            Ok(shared
                .pages
                .page_in(200, "portal.html", language, page)?
                .with_form_action(crate::video::origin(&settings)))
        }
        PortalView::Off { language } => gone(language, "off", "page-portal-off-title", "page-portal-off"),
        PortalView::Revoked { language } => gone(language, "revoked", "page-portal-moved-title", "page-portal-moved"),
        // Says no more than that the link is done with: whoever holds it
        // learns nothing of the client's sessions.
        PortalView::Archived { language } => gone(language, "archived", "page-gone-dead", "page-portal-archived"),
        PortalView::Unknown => super::client::unknown(app, shared, req),
    }
}

/// `POST /p/{token}/here`: as the participant page's (`client::here`),
/// for each session of the client open now.
pub fn here(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    if !super::room::from_the_page(req) {
        return Ok(Resp::text(403, "not from the page"));
    }
    if let PortalView::Ok { client_id, appointments, .. } = app.portal(token, now)? {
        for a in appointments.iter().filter(|a| a.state == LinkState::Open) {
            shared.presence.note(a.id, client_id, now.timestamp(), Stage::Here);
        }
    }
    Ok(Resp::new(204, "text/plain; charset=utf-8", vec![]))
}

/// `POST /p/{token}/join` with field `appointment`.
pub fn join(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let back = format!("/p/{token}");
    let Some(id) = req.field("appointment").and_then(|v| v.parse::<i64>().ok()) else {
        return Ok(Resp::see_other(back));
    };
    let outcome = app.portal_join(token, id, now, &req.remote.to_string())?;
    super::client::enter(app, shared, req, outcome, back, now)
}
