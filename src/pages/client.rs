//! The participant page, its Join button and the JSON check.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::{App, Checked, JoinOutcome};
use crate::error::Result;
use crate::model::LinkState;
use crate::server::Shared;
use crate::server::http::{Req, Resp};
use crate::server::presence::Stage;
use crate::times::{self, Local};

#[derive(Serialize)]
struct LivePage<'a> {
    practice: &'a str,
    state: LinkState,
    token: &'a str,
    when: Local,
    opens: Local,
    minutes: i64,
    join_opens_minutes: i64,
    now: String,
}

#[derive(Serialize)]
struct GonePage<'a> {
    practice: &'a str,
    state: LinkState,
    title: &'a str,
    lines: Vec<String>,
    when: Option<Local>,
    offer_code: bool,
}

/// `POST /v/{token}/here`: the page's script says a person has it open
/// (sent at load and every 20 s while it is visible; a fetch of the page
/// that runs no script, such as a mail scanner's, never sends it). 204
/// whatever the state, so it tells a guesser nothing the page would not.
pub fn here(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    if !super::room::from_the_page(req) {
        return Ok(Resp::text(403, "not from the page"));
    }
    let checked = app.check_token(token, now)?;
    if let (LinkState::Open, Some((link, appt, _))) = (checked.state, &checked.found) {
        shared.presence.note(appt.id, link.client_id, now.timestamp(), Stage::Here);
    }
    Ok(Resp::new(204, "text/plain; charset=utf-8", vec![]))
}

/// `GET /v/{token}`: one page per state, in plain words.
pub fn page(app: &mut App, shared: &Shared, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let checked = app.check_token(token, now)?;
    // A GET may be a mail scanner or a link preview: it counts as "last
    // opened", never as someone here. Presence comes from [`here`].
    if let Some((link, _, _)) = &checked.found {
        shared.views.note(link.id, now.timestamp());
    }
    let settings = app.settings()?;
    let practice = settings.practice_name.as_str();
    let zone = settings.timezone;
    let Checked { state, found } = checked;
    let when = found.as_ref().map(|(_, _, w)| Local::new(w.starts_at, zone));
    if let (LinkState::Early | LinkState::Open, Some((_, appt, w))) = (state, &found) {
        let html = shared.pages.render(
            "participant.html",
            LivePage {
                practice,
                state,
                token,
                when: when.expect("found"),
                opens: Local::new(w.opens_at, zone),
                minutes: appt.minutes,
                join_opens_minutes: settings.window.join_opens_minutes,
                now: times::rfc3339(now),
            },
        )?;
        return Ok(Resp::html(200, html).with_form_action(crate::video::origin(&settings)));
    }
    let contact = format!("If you need a session, contact {practice} and they will send you a new link.");
    let (title, lines, when, offer_code) = match state {
        LinkState::Expired => (
            "This session has ended",
            vec!["The link for this session no longer works.".into(), contact],
            when,
            false,
        ),
        LinkState::Cancelled => (
            "This session was cancelled",
            vec![
                "There is no session to join with this link.".into(),
                format!("To book another time, contact {practice}."),
            ],
            when,
            false,
        ),
        LinkState::Revoked => (
            "This link has been replaced",
            vec![
                "You were sent a newer link for this session. Please use the most recent message from your clinician, or your personal portal link.".into(),
                format!("Can't find it? Contact {practice} and they will send it again."),
            ],
            None,
            true,
        ),
        _ => (
            "We couldn't find this link",
            vec![
                "Check that you copied the whole link from your message, or enter the access code that came with it.".into(),
            ],
            None,
            true,
        ),
    };
    let html = shared.pages.render("gone.html", GonePage { practice, state, title, lines, when, offer_code })?;
    Ok(Resp::html(state.http_status(), html))
}

/// `POST /v/{token}/join`: into the room when open, else back to the page.
pub fn join(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let outcome = app.join(token, now, &req.remote.to_string())?;
    enter(app, shared, req, outcome, format!("/v/{token}"), now)
}

/// Where a Join press leads, shared with the portal and the waiting page.
pub fn enter(
    app: &mut App,
    shared: &Shared,
    req: &Req,
    outcome: JoinOutcome,
    back: String,
    now: DateTime<Utc>,
) -> Result<Resp> {
    let at = now.timestamp();
    Ok(match outcome {
        JoinOutcome::Room(door, who) => {
            shared.presence.note(who.appointment_id, who.client_id, at, Stage::InRoom);
            let secure = req.is_https(app.settings()?.public_url.as_deref());
            match door.cookie(&shared.keys, secure, now) {
                Some(cookie) => Resp::see_other(door.url).with("Set-Cookie", cookie),
                None => Resp::see_other(door.url),
            }
        }
        JoinOutcome::Wait(who, token) => {
            shared.presence.note(who.appointment_id, who.client_id, at, Stage::Waiting);
            Resp::see_other(format!("/v/{token}/wait"))
        }
        JoinOutcome::NotOpen(_) => Resp::see_other(back),
        JoinOutcome::NoRoom(who) => {
            shared.presence.note(who.appointment_id, who.client_id, at, Stage::InRoom);
            let practice = app.settings()?.practice_name.clone();
            shared.pages.message(
                200,
                &practice,
                "You're checked in",
                &[
                    "Your clinician can see that you are here.",
                    "The video room for this session isn't ready yet: please stay near your phone or email, and your clinician will contact you with how to join.",
                ],
            )
        }
    })
}

/// `GET /api/v1/links/{token}`: the check as JSON, with the page's status.
pub fn api(app: &mut App, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let view = app.check_token(token, now)?.view();
    Ok(Resp::json(view.state.http_status(), &view))
}
