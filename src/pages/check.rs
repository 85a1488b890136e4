//! The client's device check: the two routes its script (`check.js`)
//! asks on the link page and the waiting page. The check itself runs in
//! the browser: no picture or sound leaves it. The server hands out the
//! ICE servers the built-in room would use, so the page can try them, and
//! keeps the four-word summary in memory for the clinician's one line in
//! "Waiting now" (`state::presence`).

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::app::App;
use crate::error::Result;
use crate::http::{Req, Resp};
use crate::model::LinkState;
use crate::settings::{Ice, Provider};
use crate::state::Shared;
use crate::state::presence::DeviceCheck;
use crate::video::ticket::{Person, seat_of};

/// How long the TURN credentials of a check work (seconds): long enough
/// for the check, so a page left open does not hold a relay for days.
pub const TURN_FOR: i64 = 10 * 60;

/// The relay (TURN) is part of a link's check only from this long before
/// its window opens (seconds): a link of a weekly series is early for
/// months, and must not be a standing pass to the practice's relay.
/// Earlier checks try STUN and say when the relay can be tried.
pub const RELAY_BEFORE_OPEN: i64 = 60 * 60;

/// `GET /v/{token}/check/ice`: `{"provider": "builtin"|"jitsi"|"url",
/// "ice": [RTCIceServer, …]}` for a link in `early` or `open` (the list is
/// empty but for the built-in room, whose STUN and TURN servers these are,
/// TURN with coturn credentials valid [`TURN_FOR`] seconds, and only from
/// [`RELAY_BEFORE_OPEN`] before the window opens: until then TURN is left
/// out and `"relay_from"` (RFC 3339, UTC) says when); otherwise
/// `{"state"}` with the status of the link page (404, 410). `no-store`, as
/// every response; the route is never logged.
pub fn ice(app: &mut App, shared: &Shared, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let checked = app.check_token(token, now)?;
    let (LinkState::Early | LinkState::Open, Some((link, appt, window))) = (checked.state, &checked.found) else {
        return Ok(Resp::json(checked.state.http_status(), &json!({ "state": checked.state })));
    };
    let settings = app.settings()?;
    if settings.video_provider != Provider::Builtin {
        return Ok(Resp::json(200, &json!({ "provider": settings.video_provider, "ice": [] })));
    }
    let relay_from = window.opens_at - chrono::Duration::seconds(RELAY_BEFORE_OPEN);
    let held = settings.ice.turn_url.is_some() && now < relay_from;
    let ice =
        if held { Ice { turn_url: None, turn_secret: None, ..settings.ice.clone() } } else { settings.ice.clone() };
    // The seat the room would give this person: the TURN user name is
    // the room's own shape, `{expires}:{seat}`.
    let seat = seat_of(&shared.keys, appt.id, Person::Client(link.id));
    let mut body = json!({
        "provider": settings.video_provider,
        "ice": super::room::ice_servers(&ice, &seat, now.timestamp() + TURN_FOR),
    });
    if held {
        body["relay_from"] = json!(crate::times::rfc3339(relay_from));
    }
    Ok(Resp::json(200, &body))
}

/// `POST /v/{token}/check`: the page's summary, a JSON object of exactly
/// `camera`, `microphone`, `speakers`, `connection`, each `"ok"`,
/// `"problem"` or `"skipped"` (`DeviceCheck::parse`). 204 once noted for
/// a link in `early` or `open`; 403 unless the page's own script sent it
/// (JSON, same origin); 400 for another body; the link page's status
/// (404, 410) for other links; 503 when the table is full of recent checks.
pub fn note(app: &mut App, shared: &Shared, req: &Req, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    if !super::room::from_the_page(req) {
        return Ok(Resp::json(403, &json!({ "error": "not from the page" })));
    }
    let check = match DeviceCheck::parse(&req.body) {
        Ok(check) => check,
        Err(why) => return Ok(Resp::json(400, &json!({ "error": why }))),
    };
    let checked = app.check_token(token, now)?;
    let (LinkState::Early | LinkState::Open, Some((link, appt, _))) = (checked.state, &checked.found) else {
        return Ok(Resp::json(checked.state.http_status(), &json!({ "state": checked.state })));
    };
    if !shared.presence.note_check(appt.id, link.client_id, now.timestamp(), check) {
        return Ok(Resp::json(503, &json!({ "error": "try again later" })).with("Retry-After", "60"));
    }
    Ok(Resp::new(204, "text/plain; charset=utf-8", vec![]))
}
