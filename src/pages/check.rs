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
use crate::settings::Provider;
use crate::state::Shared;
use crate::state::presence::DeviceCheck;
use crate::video::ticket::{Person, seat_of};

/// How long the TURN credentials of a check work (seconds): long enough
/// for the check, so a page left open does not hold a relay for days.
pub const TURN_FOR: i64 = 10 * 60;

/// `GET /v/{token}/check/ice`: `{"provider": "builtin"|"jitsi"|"url",
/// "ice": [RTCIceServer, …]}` for a link in `early` or `open` (the list is
/// empty but for the built-in room, whose STUN and TURN servers these are,
/// TURN with coturn credentials valid [`TURN_FOR`] seconds); otherwise
/// `{"state"}` with the status of the link page (404, 410). `no-store`, as
/// every response; the route is never logged.
pub fn ice(app: &mut App, shared: &Shared, token: &str, now: DateTime<Utc>) -> Result<Resp> {
    let checked = app.check_token(token, now)?;
    let (LinkState::Early | LinkState::Open, Some((link, appt, _))) = (checked.state, &checked.found) else {
        return Ok(Resp::json(checked.state.http_status(), &json!({ "state": checked.state })));
    };
    let settings = app.settings()?;
    let ice = match settings.video_provider {
        Provider::Builtin => {
            // The seat the room would give this person: the TURN user
            // name is the room's own shape, `{expires}:{seat}`.
            let seat = seat_of(&shared.keys, appt.id, Person::Client(link.id));
            super::room::ice_servers(&settings.ice, &seat, now.timestamp() + TURN_FOR)
        }
        Provider::Jitsi | Provider::Url => vec![],
    };
    Ok(Resp::json(200, &json!({ "provider": settings.video_provider, "ice": ice })))
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
