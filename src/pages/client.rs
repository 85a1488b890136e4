//! The participant page, its Join button and the JSON check.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::{App, Checked, JoinOutcome};
use crate::error::Result;
use crate::http::{Req, Resp};
use crate::model::LinkState;
use crate::render::Gone;
use crate::state::Shared;
use crate::state::presence::Stage;
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
    /// The clinician's running-late note (`app::late`).
    note: Option<String>,
    /// The video provider, for the device check (`check.html`).
    provider: crate::settings::Provider,
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
    let note = crate::app::late::note_of(&checked);
    let Checked { state, found } = checked;
    let when = found.as_ref().map(|(_, _, w)| Local::new(w.starts_at, zone));
    if let (LinkState::Early | LinkState::Open, Some((link, appt, w))) = (state, &found) {
        let row = app.client_row(link.client_id)?;
        let lang = app.language_of(&row)?;
        let html = shared.pages.render_in(
            "participant.html",
            lang,
            LivePage {
                practice,
                state,
                token,
                when: when.expect("found"),
                opens: Local::new(w.opens_at, zone),
                minutes: appt.minutes,
                join_opens_minutes: settings.window.join_opens_minutes,
                now: times::rfc3339(now),
                note,
                provider: settings.video_provider,
            },
        )?;
        return Ok(Resp::html(200, html).with_form_action(crate::video::origin(&settings)));
    }
    if state == LinkState::Revoked && found.as_ref().is_some_and(|(link, _, _)| link.removed) {
        return removed(shared, practice);
    }
    gone(shared, practice, state, when)
}

/// The page of a link whose client was taken out of the session: still
/// `revoked` (SPEC, "Words"), but no newer link is on its way, so the
/// page does not send them looking for one. Like every revoked page it
/// says nothing of the session itself.
fn removed(shared: &Shared, practice: &str) -> Result<Resp> {
    let lines = vec![
        "You are no longer booked for this session, so this link does not open it.".into(),
        format!("If {practice} has sent you a newer message about a session, use the link in that one."),
        format!("Questions? Contact {practice}."),
    ];
    let gone = Gone { kind: "revoked", title: "This link no longer works", lines, when: None, offer_code: false };
    shared.pages.gone(LinkState::Revoked.http_status(), practice, gone)
}

/// The page of a participant link that leads to no session now: what
/// happened and what to do next, with the status of its state (SPEC,
/// routes: 410 for expired, cancelled and revoked, 404 for unknown).
pub fn gone(shared: &Shared, practice: &str, state: LinkState, when: Option<Local>) -> Result<Resp> {
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
        // A newer link, and with it a new code, may be in a later message.
        LinkState::Revoked => (
            "This link has been replaced",
            vec![
                "You were sent a newer link for this session. Please use the most recent message from your clinician, or your personal portal link.".into(),
                "If that message has an access code, you can also enter it here.".into(),
                format!("Can't find it? Contact {practice} and they will send it again."),
            ],
            None,
            true,
        ),
        _ => return unknown_page(shared, practice),
    };
    shared.pages.gone(state.http_status(), practice, Gone { kind: state.as_str(), title, lines, when, offer_code })
}

/// The 404 of every `/v/` and `/p/` address that leads nowhere, whatever
/// its shape: the same words whether or not anything like it exists, and
/// the next steps (the whole link, the access code, the practice).
pub fn unknown(app: &mut App, shared: &Shared) -> Result<Resp> {
    let practice = app.settings()?.practice_name.clone();
    unknown_page(shared, &practice)
}

fn unknown_page(shared: &Shared, practice: &str) -> Result<Resp> {
    let lines = vec![
        "Check that you opened the whole link from your message: part of it may be missing or changed.".into(),
        format!(
            "If your message has an access code ({} letters and numbers, like 7KQ2-M9XD), you can enter it instead.",
            crate::token::CODE_LEN
        ),
        format!("Still stuck? Contact {practice} and they will send your link again."),
    ];
    let gone = Gone { kind: "unknown", title: "We couldn't find this link", lines, when: None, offer_code: true };
    shared.pages.gone(404, practice, gone)
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
            let secure = app.is_https(req.https, req.host_name.as_ref());
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
