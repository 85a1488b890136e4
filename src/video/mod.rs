//! The way into a video room, per provider (`video_provider`).
//!
//! A room URL is never printed on a page or in a message: it is handed out
//! at Join to someone the window and the waiting room let in. For Jitsi,
//! each entry carries its own signed token, valid only for the session's
//! window; for the built-in room (served by Porchlight, `hub.rs`), a room
//! ticket in a cookie for that person's seat (`ticket.rs`). Either way a
//! forwarded room URL is worth nothing on its own.

pub mod hub;
pub mod jwt;
pub mod ticket;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::hosts::host_of;
use crate::model::Window;
use crate::settings::{Provider, Settings};
use crate::token::Keyring;
use ticket::{Person, Ticket};

/// Who is going into the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrant {
    /// Opaque and stable per person and appointment; never a database id.
    pub id: String,
    /// What the others see.
    pub name: String,
    /// The clinician: moderator and owner of the room.
    pub moderator: bool,
}

/// Where the rooms are, from complete settings.
enum Rooms<'a> {
    /// Served by Porchlight: `/room/{room}/{seat}`.
    Builtin,
    Plain(&'a str),
    Jitsi {
        template: &'a str,
        /// The token's `sub`: `jitsi_sub`, else the template's host.
        sub: String,
        app_id: &'a str,
        secret: &'a str,
    },
}

/// The room settings, or what is missing from them (said to the
/// clinician, never to a client).
fn rooms(s: &Settings) -> Result<Rooms<'_>, String> {
    if s.video_provider == Provider::Builtin {
        return Ok(Rooms::Builtin);
    }
    let template = s.video_url_template.as_deref().ok_or("set video_url_template in Settings")?;
    if s.video_provider == Provider::Url {
        return Ok(Rooms::Plain(template));
    }
    Ok(Rooms::Jitsi {
        template,
        sub: match &s.jitsi.sub {
            Some(sub) => sub.clone(),
            None => host_of(template).ok_or("video_url_template has no host name")?,
        },
        app_id: s.jitsi.app_id.as_deref().ok_or("set jitsi_app_id in Settings")?,
        secret: s.jitsi.secret.as_deref().ok_or("set jitsi_secret in Settings")?,
    })
}

/// What is missing before Join can lead to a room; `None` when nothing is.
pub fn unready(s: &Settings) -> Option<String> {
    rooms(s).err()
}

/// The way into a room: where to go, and for the built-in room the ticket
/// that lets this person in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Door {
    pub url: String,
    pub ticket: Option<Ticket>,
}

impl Door {
    /// The `Set-Cookie` value carrying the ticket, scoped to this seat's
    /// room path and living as long as the ticket.
    pub fn cookie(&self, keys: &Keyring, secure: bool, now: DateTime<Utc>) -> Option<String> {
        let ticket = self.ticket?;
        let age = (ticket.expires - now.timestamp()).max(0);
        let mut c = format!(
            "{TICKET_COOKIE}={}; Path={}; HttpOnly; SameSite=Strict; Max-Age={age}",
            ticket.seal(keys),
            self.url
        );
        if secure {
            c += "; Secure";
        }
        Some(c)
    }
}

/// The name of the room ticket's cookie.
pub const TICKET_COOKIE: &str = "porchlight_room";

/// The way that takes `who` into `room` (as `person`, for the built-in
/// room), or what is missing before there can be one.
pub fn door(
    s: &Settings,
    keys: &Keyring,
    appointment_id: i64,
    room: &str,
    window: &Window,
    (who, person): (&Entrant, Person),
    now: DateTime<Utc>,
) -> Result<Door, String> {
    if let Rooms::Builtin = rooms(s)? {
        let ticket = Ticket { appointment_id, person, expires: window.expires_at.timestamp() };
        let url = format!("/room/{room}/{}", ticket.seat(keys));
        return Ok(Door { url, ticket: Some(ticket) });
    }
    Ok(Door { url: room_url(s, room, window, who, now)?, ticket: None })
}

/// The URL that takes `who` into an outside `room`, or what is missing
/// before there can be one.
fn room_url(s: &Settings, room: &str, window: &Window, who: &Entrant, now: DateTime<Utc>) -> Result<String, String> {
    Ok(match rooms(s)? {
        Rooms::Builtin => return Err("the built-in room has no outside address".into()),
        Rooms::Plain(template) => template.replace("{room}", room),
        Rooms::Jitsi { template, sub, app_id, secret } => {
            let claims = jitsi_claims(app_id, &s.jitsi.audience, &sub, room, window, who, now);
            with_query(&template.replace("{room}", room), "jwt", &jwt::hs256(secret.as_bytes(), &claims))
        }
    })
}

/// The claims Jitsi's token authentication checks. Every `context.user`
/// value is a string, as Prosody's token module expects. `nbf` is a minute
/// before the window opens, since Jitsi allows no leeway for clock drift
/// the other way; `exp` is the window's close. `iat` and a random `jti`
/// make every entry's token its own.
fn jitsi_claims(
    app_id: &str,
    audience: &str,
    sub: &str,
    room: &str,
    window: &Window,
    who: &Entrant,
    now: DateTime<Utc>,
) -> serde_json::Value {
    let (moderator, affiliation) = if who.moderator { ("true", "owner") } else { ("false", "member") };
    json!({
        "iss": app_id,
        "aud": audience,
        "sub": sub,
        "room": room.to_lowercase(),
        "nbf": window.opens_at.timestamp() - 60,
        "exp": window.expires_at.timestamp(),
        "iat": now.timestamp(),
        "jti": crate::token::random_secret(),
        "context": {
            "user": { "id": who.id, "name": who.name, "moderator": moderator, "affiliation": affiliation }
        }
    })
}

/// The origin Join and Start redirect to, for the `form-action` of pages
/// that hold those forms; `None` when there is no room URL (or it is not a
/// plain `scheme://host[:port]`, which a policy could not name safely).
pub fn origin(s: &Settings) -> Option<String> {
    if s.video_provider == Provider::Builtin {
        return None;
    }
    let template = s.video_url_template.as_deref()?;
    let room = crate::urls::room(template)?;
    // A host a policy could carry as it is: a DNS name or an address,
    // the same for every room; and no user part, which no origin has.
    let plain = match crate::urls::room_host(template)? {
        url::Host::Domain(name) => crate::hosts::dns_name(&name).is_some(),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => true,
    };
    let bare = room.username().is_empty() && room.password().is_none();
    (plain && bare).then(|| room.origin().ascii_serialization())
}

/// Add `key=value` to the query of `url`, before any `#fragment` (Jitsi
/// reads its config overrides from the fragment).
fn with_query(url: &str, key: &str, value: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    match fragment {
        Some(f) => format!("{base}{sep}{key}={value}#{f}"),
        None => format!("{base}{sep}{key}={value}"),
    }
}

/// "Ann Marie Smith" → "Ann S.": the first name and the last initial, so
/// the room shows who is who without a full name.
pub fn display_name(full: &str) -> String {
    let mut words = full.split_whitespace();
    let first = words.next().unwrap_or("Client");
    match words.last().and_then(|w| w.chars().next()) {
        Some(initial) => format!("{first} {}.", initial.to_uppercase()),
        None => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WindowRule;
    use base64ct::{Base64UrlUnpadded, Encoding};

    fn now() -> DateTime<Utc> {
        "2026-12-01T13:55:00Z".parse().unwrap()
    }

    fn window() -> Window {
        Window::new("2026-12-01T14:00:00Z".parse().unwrap(), 50, WindowRule::default())
    }

    fn jitsi() -> Settings {
        Settings {
            video_provider: Provider::Jitsi,
            video_url_template: Some("https://Meet.Example.org:8443/{room}#config.prejoinPageEnabled=false".into()),
            jitsi: crate::settings::Jitsi {
                app_id: Some("porchlight".into()),
                secret: Some("0123456789abcdef0123456789abcdef".into()),
                audience: "jitsi".into(),
                sub: None,
            },
            ..Settings::default()
        }
    }

    fn claims_of(url: &str) -> serde_json::Value {
        let jwt = url.split("jwt=").nth(1).unwrap().split('#').next().unwrap();
        let payload = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(payload).unwrap()).unwrap()
    }

    #[test]
    fn url_provider_fills_the_template() {
        let mut s = Settings::default();
        let who = Entrant { id: "x".into(), name: "Ann S.".into(), moderator: false };
        assert!(room_url(&s, "abc", &window(), &who, now()).unwrap_err().contains("video_url_template"));
        s.video_url_template = Some("https://zoom.example.com/j/{room}?pwd=1".into());
        assert_eq!(room_url(&s, "abc", &window(), &who, now()).unwrap(), "https://zoom.example.com/j/abc?pwd=1");
    }

    #[test]
    fn jitsi_token_is_bound_to_room_window_and_role() {
        let w = window();
        let client = Entrant { id: "u1".into(), name: "Ann S.".into(), moderator: false };
        let url = room_url(&jitsi(), "Room42", &w, &client, now()).unwrap();
        assert!(url.starts_with("https://Meet.Example.org:8443/Room42?jwt=ey"), "{url}");
        assert!(url.ends_with("#config.prejoinPageEnabled=false"), "{url}");
        let c = claims_of(&url);
        assert_eq!(c["iss"], "porchlight");
        assert_eq!(c["aud"], "jitsi");
        assert_eq!(c["sub"], "meet.example.org");
        assert_eq!(c["room"], "room42");
        assert_eq!(c["nbf"], w.opens_at.timestamp() - 60);
        assert_eq!(c["exp"], w.expires_at.timestamp());
        assert_eq!(c["iat"], now().timestamp());
        assert_ne!(c["jti"], claims_of(&room_url(&jitsi(), "Room42", &w, &client, now()).unwrap())["jti"]);
        assert_eq!(c["context"]["user"]["moderator"], "false");
        assert_eq!(c["context"]["user"]["name"], "Ann S.");
        let boss = Entrant { id: "c".into(), name: "Dr K".into(), moderator: true };
        let c = claims_of(&room_url(&jitsi(), "room42", &w, &boss, now()).unwrap());
        assert_eq!(c["context"]["user"]["moderator"], "true");
        assert_eq!(c["context"]["user"]["affiliation"], "owner");
    }

    #[test]
    fn jitsi_sub_names_the_xmpp_domain_not_the_address() {
        // docker-jitsi-meet answers at the machine's address but checks
        // `sub` against its XMPP domain, `meet.jitsi`.
        let mut s = jitsi();
        s.jitsi.sub = Some("meet.jitsi".into());
        let who = Entrant { id: "u1".into(), name: "Ann S.".into(), moderator: false };
        let url = room_url(&s, "r", &window(), &who, now()).unwrap();
        assert!(url.starts_with("https://Meet.Example.org:8443/r?jwt="), "{url}");
        assert_eq!(claims_of(&url)["sub"], "meet.jitsi");
    }

    #[test]
    fn jitsi_says_what_is_missing() {
        let who = Entrant { id: "x".into(), name: "A".into(), moderator: false };
        let mut s = jitsi();
        s.jitsi.secret = None;
        assert!(room_url(&s, "r", &window(), &who, now()).unwrap_err().contains("jitsi_secret"));
        s = jitsi();
        s.jitsi.app_id = None;
        assert!(room_url(&s, "r", &window(), &who, now()).unwrap_err().contains("jitsi_app_id"));
    }

    #[test]
    fn hosts_and_names() {
        assert_eq!(host_of("https://meet.example.org/{room}").as_deref(), Some("meet.example.org"));
        assert_eq!(host_of("http://u:p@10.0.0.5:8000?room={room}").as_deref(), Some("10.0.0.5"));
        assert_eq!(host_of("https:///{room}"), None);
        let with = |t: &str| Settings { video_url_template: Some(t.into()), ..Settings::default() };
        assert_eq!(
            origin(&with("https://Meet.Example.org:8443/{room}")).as_deref(),
            Some("https://meet.example.org:8443")
        );
        assert_eq!(origin(&with("https://u:p@x.org/{room}")), None, "userinfo is not an origin");
        assert_eq!(origin(&with("https://x.org;script-src/{room}")), None);
        assert_eq!(origin(&Settings::default()), None);
        assert_eq!(display_name("Ann Marie smith"), "Ann S.");
        assert_eq!(display_name(" Cher "), "Cher");
        assert_eq!(display_name("Émile Ångström"), "Émile Å.");
    }
}
