//! The participant page, its Join button and the JSON check.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{browser_language, client_language, say, say_practice};
use crate::app::{App, Checked, JoinOutcome};
use crate::error::Result;
use crate::http::{Req, Resp};
use crate::i18n::Arg;
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
    /// When Join opens: only an early page says it.
    opens: Option<Local>,
    /// Its local hour ("a la 1:00", "a las 14:00").
    opens_hour: u32,
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

/// `GET /v/{token}`: one page per state, in plain words, in the language
/// of the link's client (`client_language`); a token that leads nowhere
/// gets the unknown-link page in the browser's (`browser_language`).
pub fn page(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
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
    let Some((link, appt, w)) = &found else { return unknown_page(shared, browser_language(app, req), practice) };
    let lang = client_language(app, link.client_id)?;
    let note = note.map(|n| crate::app::late::for_reader(n, lang));
    // A revoked page tells nothing of the session: its date is not written.
    let when = (state != LinkState::Revoked).then(|| Local::in_lang(w.starts_at, zone, lang));
    if let LinkState::Early | LinkState::Open = state {
        let opens = (state == LinkState::Early).then(|| Local::in_lang(w.opens_at, zone, lang));
        let page = LivePage {
            practice,
            state,
            token,
            when: when.expect("not revoked"),
            opens_hour: opens.as_ref().map_or(0, |o| o.hour),
            opens,
            minutes: appt.minutes,
            join_opens_minutes: settings.window.join_opens_minutes,
            now: times::rfc3339(now),
            note,
            provider: settings.video_provider,
        };
        let resp = shared.pages.page_in(200, "participant.html", lang, page)?;
        return Ok(resp.with_form_action(crate::video::origin(&settings)));
    }
    if state == LinkState::Revoked && link.removed {
        return removed(shared, lang, practice);
    }
    gone(shared, lang, practice, state, when)
}

/// The page of a link whose client was taken out of the session: still
/// `revoked` (SPEC, "Words"), but no newer link is on its way, so the
/// page does not send them looking for one. Like every revoked page it
/// says nothing of the session itself.
fn removed(shared: &Shared, lang: &'static str, practice: &str) -> Result<Resp> {
    let lines = vec![
        say(lang, "page-removed-1", &[])?,
        say_practice(lang, "page-removed-2", practice)?,
        say_practice(lang, "page-gone-questions", practice)?,
    ];
    let title = say(lang, "page-gone-dead", &[])?;
    let gone = Gone { kind: "revoked", title: &title, lines, when: None, offer_code: false };
    shared.pages.gone(LinkState::Revoked.http_status(), lang, practice, gone)
}

/// The page of a participant link that leads to no session now: what
/// happened and what to do next, with the status of its state (SPEC,
/// routes: 410 for expired, cancelled and revoked, 404 for unknown), in
/// `lang`, the client's.
pub fn gone(
    shared: &Shared,
    lang: &'static str,
    practice: &str,
    state: LinkState,
    when: Option<Local>,
) -> Result<Resp> {
    let (title, lines, when, offer_code) = match state {
        LinkState::Expired => (
            "page-expired-title",
            vec![say(lang, "page-expired-1", &[])?, say_practice(lang, "page-expired-2", practice)?],
            when,
            false,
        ),
        LinkState::Cancelled => (
            "page-cancelled-title",
            vec![say(lang, "page-cancelled-1", &[])?, say_practice(lang, "page-cancelled-2", practice)?],
            when,
            false,
        ),
        // A newer link, and with it a new code, may be in a later message.
        LinkState::Revoked => (
            "page-revoked-title",
            vec![
                say(lang, "page-revoked-1", &[])?,
                say(lang, "page-revoked-2", &[])?,
                say_practice(lang, "page-revoked-3", practice)?,
            ],
            None,
            true,
        ),
        _ => return unknown_page(shared, lang, practice),
    };
    let title = say(lang, title, &[])?;
    let gone = Gone { kind: state.as_str(), title: &title, lines, when, offer_code };
    shared.pages.gone(state.http_status(), lang, practice, gone)
}

/// The 404 of every `/v/` and `/p/` address that leads nowhere, whatever
/// its shape: the same words whether or not anything like it exists, and
/// the next steps (the whole link, the access code, the practice). No
/// client is known: in the browser's language (`browser_language`).
pub fn unknown(app: &mut App, shared: &Shared, req: &Req) -> Result<Resp> {
    let practice = app.settings()?.practice_name.clone();
    unknown_page(shared, browser_language(app, req), &practice)
}

fn unknown_page(shared: &Shared, lang: &'static str, practice: &str) -> Result<Resp> {
    let length = i64::try_from(crate::token::CODE_LEN).expect("a code is short");
    let lines = vec![
        say(lang, "page-unknown-1", &[])?,
        say(lang, "page-unknown-2", &[("length", Arg::Number(length))])?,
        say_practice(lang, "page-unknown-3", practice)?,
    ];
    let title = say(lang, "page-unknown-title", &[])?;
    let gone = Gone { kind: "unknown", title: &title, lines, when: None, offer_code: true };
    shared.pages.gone(404, lang, practice, gone)
}

/// The language of the pages of link `token`'s client, else (a token
/// that leads nowhere) the browser's: for the answers that do not look
/// at the link otherwise (its calendar file's refusal).
pub fn language_of_token(app: &mut App, req: &Req, token: &str, now: DateTime<Utc>) -> Result<&'static str> {
    match app.check_token(token, now)?.found {
        Some((link, _, _)) => client_language(app, link.client_id),
        None => Ok(browser_language(app, req)),
    }
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
            let lang = client_language(app, who.client_id)?;
            let title = say(lang, "page-checked-in-title", &[])?;
            let lines = [say(lang, "page-checked-in-1", &[])?, say(lang, "page-checked-in-2", &[])?];
            shared.pages.message_in(200, lang, &practice, &title, &[&lines[0], &lines[1]])
        }
    })
}

/// `GET /api/v1/links/{token}`: the check as JSON, with the page's status.
pub fn api(app: &mut App, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let view = app.check_token(token, now)?.view();
    Ok(Resp::json(view.state.http_status(), &view))
}
