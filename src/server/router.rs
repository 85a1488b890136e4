//! The whole route table on one screen.

use chrono::{DateTime, Utc};

use super::canon;
use super::http::{Method, Req, Resp};
use super::{Lease, Shared};
use crate::app::App;
use crate::error::Error;
use crate::pages::{assets, calendar, client, code, portal, room, waiting};

/// Answer a request. Handler errors become the error page: input errors
/// 400, everything else 500 with the cause logged (causes never hold a
/// token or code).
pub fn route(app: &mut Lease, shared: &Shared, req: &Req, now: DateTime<Utc>) -> Resp {
    let path = req.path.as_str();
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let get = matches!(req.method, Method::Get | Method::Head);
    // A link that lost its case or gained punctuation on the way is sent
    // on to its page (it carries no-store and no-referrer like every
    // response, so a token in `Location` stays out of caches and logs).
    if get && let Some(to) = canon::client_redirect(path) {
        let query = if req.query.is_empty() { String::new() } else { format!("?{}", req.query) };
        return Resp::moved(format!("{to}{query}"));
    }
    let post = req.method == Method::Post;
    let result = match segments.as_slice() {
        [""] | ["join"] if get => code::form(app, shared),
        ["join"] if post => code::submit(app, shared, req, now),
        ["v", token] if get => client::page(app, shared, token, now),
        ["v", token, "join"] if post => client::join(app, shared, req, token, now),
        ["v", token, "here"] if post => client::here(app, shared, req, token, now),
        ["v", token, "wait"] if get => waiting::page(app, shared, token, now),
        ["v", token, "wait", "status"] if get => waiting::status(app, shared, token, now),
        ["v", token, "enter"] if post => waiting::enter(app, shared, req, token, now),
        ["v", token, "calendar.ics"] if get => calendar::participant(app, shared, token, now),
        ["p", token, "calendar.ics"] if get => calendar::portal(app, shared, token, now),
        ["cal", file] if get => calendar::feed(app, shared, file, now),
        ["api", "v1", "links", token] if get => client::api(app, token, now),
        ["p", token] if get => portal::page(app, shared, token, now),
        ["p", token, "join"] if post => portal::join(app, shared, req, token, now),
        ["p", token, "here"] if post => portal::here(app, shared, req, token, now),
        ["healthz"] if get => Ok(match app.store.ping() {
            Ok(()) => Resp::text(200, "ok"),
            Err(_) => Resp::text(503, "database unavailable"),
        }),
        // The public listener is the outside's way in: no admin page
        // there, whatever address or header a request comes with.
        ["admin", ..] if req.public => Ok(error_page(app, shared, 404)),
        ["admin" | "room", ..] if !host_allowed(app, req) => Ok(foreign_host(app, shared, req)),
        ["room", room, seat] => room::route(app, shared, req, room, seat, None),
        ["room", room, seat, action] => room::route(app, shared, req, room, seat, Some(action)),
        ["admin", rest @ ..] => Ok(crate::admin::route(app, shared, req, now, rest)),
        ["assets", rest @ ..] if get => Ok(assets::serve(rest).unwrap_or_else(|| error_page(app, shared, 404))),
        // A known route with the wrong method.
        [""]
        | ["join"]
        | ["v", _]
        | ["v", _, "join" | "enter" | "here" | "wait" | "calendar.ics"]
        | ["p", _, "calendar.ics"]
        | ["cal", _]
        | ["v", _, "wait", "status"]
        | ["api", "v1", "links", _]
        | ["p", _]
        | ["p", _, "join" | "here"]
        | ["healthz"]
        | ["assets", ..] => {
            let post_only = matches!(segments.last(), Some(&"join" | &"enter" | &"here")) && segments.len() > 1;
            let allow = if post_only { "POST" } else { "GET, HEAD" };
            let allow = if segments == ["join"] { "GET, HEAD, POST" } else { allow };
            Ok(error_page(app, shared, 405).with("Allow", allow))
        }
        _ => Ok(not_found(app, shared, &segments)),
    };
    result.unwrap_or_else(|e| match e {
        Error::Input(_) => error_page(app, shared, 400),
        Error::NotFound(_) => not_found(app, shared, &segments),
        Error::Full(msg) => {
            eprintln!("porchlight: {msg}");
            error_page(app, shared, 503).with("Retry-After", "60")
        }
        Error::Internal(msg) => {
            eprintln!("porchlight: {msg}");
            error_page(app, shared, 500)
        }
    })
}

/// Whether a request is answered on the event loop rather than on a
/// thread of its own: the reads of the client pages, which never wait on
/// a disk write, argon2 or a long poll. Everything else may wait: the
/// admin pages, and the built-in room, whose page asks with long polls.
pub fn quick(req: &Req) -> bool {
    matches!(req.method, Method::Get | Method::Head)
        && !req.path.starts_with("/admin")
        && !req.path.starts_with("/room/")
}

/// The 404 page. Under `/v/` and `/p/` (in any case, of any shape) it is
/// the unknown-link page with its next steps, the same whether or not
/// anything like the address exists.
fn not_found(app: &mut App, shared: &Shared, segments: &[&str]) -> Resp {
    match segments.first() {
        Some(first) if first.eq_ignore_ascii_case("v") || first.eq_ignore_ascii_case("p") => {
            client::unknown(app, shared).unwrap_or_else(|_| error_page(app, shared, 404))
        }
        _ => error_page(app, shared, 404),
    }
}

fn error_page(app: &mut App, shared: &Shared, status: u16) -> Resp {
    let practice = app.settings().map(|s| s.practice_name.clone()).unwrap_or_else(|_| "Porchlight".into());
    shared.pages.error(status, &practice)
}

/// Does the request's `Host` name this machine (see `hosts.rs`)?
pub fn host_allowed(app: &mut App, req: &Req) -> bool {
    let Some(host) = &req.host_name else { return false };
    app.settings().is_ok_and(|s| host.allowed(s.public_url.as_deref(), &s.allowed_hosts))
}

/// The page for an admin or room request under a name this machine does
/// not know: what happened, and how the clinician adds a name they set up.
/// It names neither the names already allowed (a rebinding page reads
/// it) nor a ready command with the name asked for (a link from an
/// attacker must not come with the command that lets it in).
fn foreign_host(app: &mut App, shared: &Shared, req: &Req) -> Resp {
    #[derive(serde::Serialize)]
    struct Page<'a> {
        practice: String,
        name: String,
        cli: &'a str,
        admin_url: &'a str,
    }
    let practice = app.settings().map(|s| s.practice_name.clone()).unwrap_or_else(|_| "Porchlight".into());
    let name = match &req.host_name {
        Some(crate::hosts::Host::Name(n)) => n.clone(),
        Some(crate::hosts::Host::Ip(ip)) => ip.to_string(),
        None => "(none)".into(),
    };
    match shared
        .pages
        .render("foreign_host.html", Page { practice, name, cli: &shared.cli, admin_url: &shared.admin_url })
    {
        Ok(html) => Resp::html(403, html),
        Err(_) => Resp::text(403, "This address is not known here"),
    }
}
