//! `/p/{token}`: the client's stable, bookmarkable portal.

use chrono::{DateTime, Utc};
use serde::Serialize;

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

pub fn page(app: &mut App, shared: &Shared, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let view = app.portal(token, now)?;
    let settings = app.settings()?;
    let practice = settings.practice_name.as_str();
    let gone = |status: u16, kind: &str, title: &str, line: String| {
        // The code in a reminder works whatever happened to the portal.
        let lines = vec![line, "If your message has an access code, you can enter it instead.".into()];
        shared.pages.gone(status, practice, Gone { kind, title, lines, when: None, offer_code: true })
    };
    match view {
        PortalView::Ok { first_name, appointments, .. } => {
            // Not a sign that anyone is here: scanners GET links too (the
            // page's script says so, `here`).
            Ok(Resp::html(
                200,
                shared.pages.render(
                    "portal.html",
                    Page {
                        practice,
                        token,
                        first_name: &first_name,
                        appointments: &appointments,
                        days: crate::app::PORTAL_DAYS,
                        join_opens_minutes: settings.window.join_opens_minutes,
                    },
                )?,
            )
            .with_form_action(crate::video::origin(&settings)))
        }
        PortalView::Off => gone(
            410,
            "off",
            "Please use the link from your reminder",
            format!(
                "{practice} now sends a separate link for each session. Use the link in your latest reminder or message, or contact {practice} to have it sent again."
            ),
        ),
        PortalView::Revoked => gone(
            410,
            "revoked",
            "This page has moved",
            format!(
                "Your personal link was replaced with a new one. Use the newest link {practice} sent you, or ask them to send it again."
            ),
        ),
        // Says no more than that the link is done with: whoever holds it
        // learns nothing of the client's sessions.
        PortalView::Archived => gone(
            410,
            "archived",
            "This link no longer works",
            format!("This personal link is no longer in use. To book a session, contact {practice}."),
        ),
        PortalView::Unknown => super::client::unknown(app, shared),
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
