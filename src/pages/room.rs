//! The built-in video room: its page, and the signalling the page speaks
//! to reach the others' browsers.
//!
//! Every request under `/room/{room}/{seat}` must carry that seat's room
//! ticket (an HttpOnly cookie set at Join or Start), and the ticket is
//! checked against the database each time: a cancel, a revoked link or
//! the window's close shuts the door on the next message. The page asks
//! for messages with long polls (`messages`), and sends with small JSON
//! POSTs that must come from the page itself (same origin, JSON type).

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::{App, Pass};
use crate::error::Result;
use crate::http::{Method, Req, Resp};
use crate::settings::Ice;
use crate::state::presence::Stage;
use crate::state::{Shared, rooms};
use crate::video::TICKET_COOKIE;
use crate::video::hub::{self, Refusal};

#[derive(Serialize)]
struct Page<'a> {
    practice: &'a str,
    base: String,
    name: &'a str,
    clinician: bool,
}

/// Answer `/room/{room}/{seat}[/{action}]`.
pub fn route(app: &mut App, shared: &Shared, req: &Req, room: &str, seat: &str, action: Option<&str>) -> Result<Resp> {
    let now = shared.clock.now(Utc::now()).now;
    let pass = match req.cookie(TICKET_COOKIE) {
        Some(sealed) => app.room_pass(room, seat, sealed, now)?,
        None => None,
    };
    let Some(pass) = pass else {
        return Ok(match action {
            None => no_entry(app, shared, req)?,
            Some(_) => Resp::json(403, &json!({"error": "no valid room ticket"})),
        });
    };
    let base = format!("/room/{room}/{seat}");
    match (action, req.method) {
        (None, Method::Get | Method::Head) => page(app, shared, &pass, base),
        (Some(action), Method::Post) => {
            if !from_the_page(req) {
                return Ok(Resp::json(403, &json!({"error": "not from the room page"})));
            }
            let Ok(body) = serde_json::from_slice::<Body>(&req.body) else {
                return Ok(refused(Refusal::Malformed));
            };
            post(app, shared, req, room, seat, &pass, action, body, now)
        }
        _ => Ok(Resp::json(405, &json!({"error": "method not allowed"}))),
    }
}

/// Whether `req` is the room page's long poll, which [`long_poll`] answers.
pub fn is_long_poll(req: &Req) -> bool {
    let parts: Vec<&str> = req.path.split('/').collect();
    req.method == Method::Get && matches!(parts[..], ["", "room", _, _, "messages"])
}

/// `GET /room/{room}/{seat}/messages?peer=`: the messages waiting for
/// `peer`, after up to [`hub::POLL_WAIT`] for the first. The ticket is
/// checked and leavers are audited on a pooled database connection, but
/// the wait holds none.
pub fn long_poll(shared: &Shared, req: &Req, now: DateTime<Utc>) -> Resp {
    let parts: Vec<&str> = req.path.split('/').collect();
    let [_, _, room, seat, _] = parts[..] else { return Resp::json(404, &json!({"error": "no such room"})) };
    let sealed = req.cookie(TICKET_COOKIE);
    let pass = shared.with_app(|app| match sealed {
        Some(sealed) => app.room_pass(room, seat, sealed, now),
        None => Ok(None),
    });
    match pass {
        Ok(Some(_)) => {}
        Ok(None) => return Resp::json(403, &json!({"error": "no valid room ticket"})),
        Err(e) => {
            eprintln!("porchlight: {e}");
            return Resp::json(500, &json!({"error": "the room is not available"}));
        }
    }
    let peer = req.param("peer").unwrap_or_default();
    let mut left = vec![];
    let got = shared.hub.receive(room, seat, &peer, hub::POLL_WAIT, &mut left);
    if !left.is_empty() {
        shared.with_app(|app| rooms::audit_left(app, shared, &left, now, None));
    }
    match got {
        Ok(messages) => Resp::json(200, &messages),
        Err(r) => refused(r),
    }
}

/// What the page POSTs.
#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    peer: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    data: Value,
}

#[allow(clippy::too_many_arguments)]
fn post(
    app: &mut App,
    shared: &Shared,
    req: &Req,
    room: &str,
    seat: &str,
    pass: &Pass,
    action: &str,
    body: Body,
    now: DateTime<Utc>,
) -> Result<Resp> {
    let mut left = vec![];
    let addr = req.remote.to_string();
    let outcome = match action {
        "enter" => {
            let entered = shared.hub.enter(room, seat, pass.ticket, &pass.name, Instant::now(), &mut left);
            entered.map(|e| {
                // Back in the room after a reload (which left it) or a
                // lost connection: the dashboard says so again.
                if let Some(client_id) = pass.client_id {
                    shared.presence.note(pass.ticket.appointment_id, client_id, now.timestamp(), Stage::InRoom);
                }
                let ice = ice_servers(&app.settings()?.ice, seat, pass.ticket.expires);
                Ok::<_, crate::error::Error>(Resp::json(200, &json!({"peer": e.peer, "others": e.others, "ice": ice})))
            })
        }
        "send" => shared.hub.send(room, seat, &body.peer, &body.to, body.data).map(|_| Ok(no_content())),
        "leave" => shared.hub.leave(room, seat, &body.peer, &mut left).map(|_| Ok(no_content())),
        "end" => shared.hub.end(room, seat, &body.peer, &mut left).map(|_| Ok(no_content())),
        _ => return Ok(Resp::json(404, &json!({"error": "no such action"}))),
    };
    let own = matches!(action, "leave" | "end").then_some((&pass.ticket, addr.as_str()));
    rooms::audit_left(app, shared, &left, now, own);
    match outcome {
        Ok(resp) => resp,
        Err(r) => Ok(refused(r)),
    }
}

/// A POST a page's own script made: JSON (which a cross-site form cannot
/// send, and a cross-site fetch only after a preflight we never answer),
/// and same-origin where the browser says so. (The room's ticket cookie is
/// SameSite=Strict as well.)
pub(crate) fn from_the_page(req: &Req) -> bool {
    let json = req.content_type.as_deref().is_some_and(|t| t.trim().starts_with("application/json"));
    let same = req.fetch_site.as_deref().is_none_or(|s| s == "same-origin");
    json && same
}

fn no_content() -> Resp {
    Resp::new(204, "text/plain; charset=utf-8", vec![])
}

fn refused(r: Refusal) -> Resp {
    match r {
        Refusal::Full => Resp::json(503, &json!({"error": "the room is full"})).with("Retry-After", "5"),
        Refusal::Ended => Resp::json(410, &json!({"error": "the clinician ended the session"})),
        Refusal::Stranger => Resp::json(403, &json!({"error": "not in this room"})),
        Refusal::Absent => Resp::json(409, &json!({"error": "not in the room now: enter again"})),
        Refusal::Malformed => Resp::json(400, &json!({"error": "bad message"})),
    }
}

/// The room in the client's language (`App::language_of`); the
/// clinician's seat in English, as the admin pages are.
fn page(app: &mut App, shared: &Shared, pass: &Pass, base: String) -> Result<Resp> {
    let lang = match pass.client_id {
        Some(id) => {
            let row = app.client_row(id)?;
            app.language_of(&row)?
        }
        None => crate::i18n::ENGLISH,
    };
    let settings = app.settings()?;
    let page = Page { practice: &settings.practice_name, base, name: &pass.name, clinician: pass.client_id.is_none() };
    shared.pages.page_in(200, "room.html", lang, page)
}

/// The room's address without a ticket: whoever it is, nobody is known
/// yet, so in the browser's language.
fn no_entry(app: &mut App, shared: &Shared, req: &Req) -> Result<Resp> {
    use super::say;
    let lang = super::browser_language(app, req);
    let practice = app.settings()?.practice_name.clone();
    let title = say(lang, "page-room-own-link-title", &[])?;
    let lines = [say(lang, "page-room-own-link-1", &[])?, say(lang, "page-room-own-link-2", &[])?];
    Ok(shared.pages.message_in(403, lang, &practice, &title, &[&lines[0], &lines[1]]))
}

/// The STUN and TURN servers for the page. TURN uses coturn's REST
/// credentials: the user name is the expiry and the seat, the password
/// the base64 HMAC-SHA1 of the user name under the shared secret, so
/// coturn needs nothing from Porchlight but that secret.
pub(crate) fn ice_servers(ice: &Ice, seat: &str, expires: i64) -> Vec<Value> {
    let mut servers = vec![];
    if !ice.stun_urls.is_empty() {
        servers.push(json!({"urls": ice.stun_urls}));
    }
    if let (Some(url), Some(secret)) = (&ice.turn_url, &ice.turn_secret) {
        let (username, credential) = turn_credentials(secret, &format!("{expires}:{seat}"));
        servers.push(json!({"urls": [url], "username": username, "credential": credential}));
    }
    servers
}

/// coturn's `use-auth-secret` scheme (the TURN REST API draft).
pub fn turn_credentials(secret: &str, username: &str) -> (String, String) {
    use base64ct::{Base64, Encoding};
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(username.as_bytes());
    (username.to_string(), Base64::encode_string(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_credentials_match_coturns_scheme() {
        // HMAC-SHA1("secret", "1700000000:seat"), base64: as computed by
        // `printf %s 1700000000:seat | openssl dgst -sha1 -hmac secret -binary | base64`.
        let (user, pass) = turn_credentials("secret", "1700000000:seat");
        assert_eq!(user, "1700000000:seat");
        assert_eq!(pass, OPENSSL);
    }

    const OPENSSL: &str = "ZlbFKVJvuzlXdOyVmXmYQcn52fY=";
}
