//! From a request to its response: the whole route table on one screen
//! (with the methods each route allows), the one mapping from a handler's
//! error to its status and page, the Host check of the admin pages and
//! the room, and HSTS. The server hands every request to [`answer`].

use chrono::{DateTime, Utc};

use crate::admin;
use crate::app::App;
use crate::canon;
use crate::error::{Error, Result};
use crate::http::{Method, Req, Resp};
use crate::pages::{assets, calendar, check, client, code, portal, room, waiting};
use crate::state::{Lease, Shared};

/// Answer one request with a pooled database connection. Nothing here
/// may take the server down: a panic in a handler becomes a 500 page.
pub fn answer(shared: &Shared, req: Req) -> Resp {
    let now = shared.clock.now(Utc::now()).now;
    // A long poll waits without a database connection: a few of them
    // would otherwise hold the whole pool. Under a foreign Host the
    // router answers it, with the page that says so.
    if room::is_long_poll(&req) && shared.with_app(|app| host_allowed(app, &req)) {
        let resp = guarded(shared, &req, || room::long_poll(shared, &req, now));
        return shared.with_app(|app| with_hsts(app, &req, resp));
    }
    shared.with_app(|app| {
        let resp = guarded(shared, &req, || route(app, shared, &req, now));
        with_hsts(app, &req, resp)
    })
}

/// `f`'s response, or a 500 page if it panicked (in the browser's
/// language, the settings unread: they may be what failed).
fn guarded(shared: &Shared, req: &Req, f: impl FnOnce() -> Resp) -> Resp {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        eprintln!("porchlight: a request handler panicked");
        let lang = match req.path.starts_with("/admin") {
            true => crate::i18n::ENGLISH,
            false => crate::i18n::negotiate(req.accept_language.as_deref(), crate::i18n::ENGLISH),
        };
        shared.pages.error(500, lang, "Porchlight")
    })
}

/// HSTS when the practice is reached over https.
fn with_hsts(app: &mut App, req: &Req, mut resp: Resp) -> Resp {
    if app.is_https(req.https, req.host_name.as_ref()) {
        resp.headers.push(("Strict-Transport-Security", "max-age=31536000".into()));
    }
    resp
}

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
    let m = req.method;
    // Each route once, with the methods it takes: `read` is GET and HEAD,
    // `write` is POST; any other method gets 405 with `Allow`.
    let routed = match segments.as_slice() {
        [""] => read(m, || code::form(app, shared, req)),
        ["join"] if m == Method::Post => Routed::Done(code::submit(app, shared, req, now)),
        ["join"] => read(m, || code::form(app, shared, req)).allowing("GET, HEAD, POST"),
        ["v", token] => read(m, || client::page(app, shared, req, token, now)),
        ["v", token, "join"] => write(m, || client::join(app, shared, req, token, now)),
        ["v", token, "here"] => write(m, || client::here(app, shared, req, token, now)),
        ["v", token, "wait"] => read(m, || waiting::page(app, shared, token, now)),
        ["v", token, "wait", "status"] => read(m, || waiting::status(app, shared, token, now)),
        ["v", token, "enter"] => write(m, || waiting::enter(app, shared, req, token, now)),
        ["v", token, "check"] => write(m, || check::note(app, shared, req, token, now)),
        ["v", token, "check", "ice"] => read(m, || check::ice(app, shared, token, now)),
        ["v", token, "calendar.ics"] => read(m, || calendar::participant(app, shared, req, token, now)),
        ["p", token, "calendar.ics"] => read(m, || calendar::portal(app, shared, req, token, now)),
        ["cal", file] => read(m, || calendar::feed(app, shared, file, now)),
        ["api", "v1", "links", token] => read(m, || client::api(app, token, now)),
        ["p", token] => read(m, || portal::page(app, shared, req, token, now)),
        ["p", token, "join"] => write(m, || portal::join(app, shared, req, token, now)),
        ["p", token, "here"] => write(m, || portal::here(app, shared, req, token, now)),
        ["healthz"] => read(m, || {
            Ok(match app.ping() {
                Ok(()) => Resp::text(200, "ok"),
                Err(_) => Resp::text(503, "database unavailable"),
            })
        }),
        ["assets", rest @ ..] => {
            read(m, || Ok(assets::serve(rest, req.accepts_gzip).unwrap_or_else(|| error_page(app, shared, req, 404))))
        }
        // The public listener is the outside's way in: no admin page
        // there, whatever address or header a request comes with.
        ["admin", ..] if req.public => Routed::Done(Ok(error_page(app, shared, req, 404))),
        ["admin" | "room", ..] if !host_allowed(app, req) => Routed::Done(Ok(foreign_host(app, shared, req))),
        // The room and the admin pages take their methods route by route
        // (the admin pages answer a method they do not take with 404).
        ["room", room, seat] => Routed::Done(room::route(app, shared, req, room, seat, None)),
        ["room", room, seat, action] => Routed::Done(room::route(app, shared, req, room, seat, Some(action))),
        ["admin", rest @ ..] => Routed::Done(admin_page(app, shared, req, now, rest)),
        _ => Routed::Done(Err(Error::not_found("no such page"))),
    };
    let result = match routed {
        Routed::Done(result) => result,
        Routed::Allow(allow) => Ok(error_page(app, shared, req, 405).with("Allow", allow)),
    };
    result.unwrap_or_else(|e| failed(app, shared, req, e, &segments))
}

/// The admin pages, behind their gate (`admin`): setup and login pass
/// only its first half, every other page needs a session. A method a page
/// does not take is answered as an unknown page, 404.
fn admin_page(app: &mut Lease, shared: &Shared, req: &Req, now: DateTime<Utc>, rest: &[&str]) -> Result<Resp> {
    use crate::admin::{
        appointments, archive, audit, clients, export, id, import, late, login, mail, participants, series, session,
        settings, today, week,
    };
    let ctx = &mut admin::Ctx::new(app, shared, req, now);
    if let Some(refused) = admin::outer_gate(ctx) {
        return Ok(refused);
    }
    let (get, post) = (matches!(req.method, Method::Get | Method::Head), req.method == Method::Post);
    let resp = match rest {
        ["setup"] if get => login::setup_form(ctx),
        ["setup"] if post => login::setup(ctx),
        ["login"] if get => login::login_form(ctx),
        ["login"] if post => login::login(ctx),
        _ => match admin::session_gate(ctx, rest == ["api", "waiting"])? {
            Some(refused) => Ok(refused),
            None => match rest {
                [] | [""] if get => today::page(ctx),
                ["api", "waiting"] if get => today::waiting_json(ctx),
                ["week"] if get => week::page(ctx),
                ["logout"] if post => login::logout(ctx),
                ["clients"] if get => clients::list(ctx, None),
                ["clients"] if post => clients::add(ctx),
                ["clients", n] if get => clients::edit_form(ctx, id(n)?, None),
                ["clients", n] if post => clients::save(ctx, id(n)?),
                ["clients", n, "archive"] if get => archive::confirm_form(ctx, id(n)?),
                ["clients", n, "archive"] if post => archive::archive(ctx, id(n)?),
                ["clients", n, "portal"] if post => clients::rotate_portal(ctx, id(n)?),
                ["appointments.csv"] if get => export::appointments(ctx),
                ["appointments", "new"] if get => appointments::new_form(ctx, None),
                ["appointments"] if post => appointments::create(ctx),
                ["appointments", n] if get => appointments::edit_form(ctx, id(n)?, None),
                ["appointments", n, "move"] if post => appointments::move_to(ctx, id(n)?),
                ["appointments", n, "cancel"] if get => appointments::cancel_form(ctx, id(n)?),
                ["appointments", n, "cancel"] if post => appointments::cancel(ctx, id(n)?),
                ["appointments", n, "rotate"] if post => appointments::rotate(ctx, id(n)?),
                ["appointments", n, "participants"] if post => participants::add(ctx, id(n)?),
                ["appointments", n, "remove"] if get => participants::remove_form(ctx, id(n)?),
                ["appointments", n, "remove"] if post => participants::remove(ctx, id(n)?),
                ["appointments", n, "start"] if post => session::start(ctx, id(n)?),
                ["appointments", n, "admit"] if post => session::admit(ctx, id(n)?),
                ["appointments", n, "note"] if post => late::note(ctx, id(n)?),
                ["appointments", n, "resend"] if post => late::resend(ctx, id(n)?),
                ["series", n] if get => series::show(ctx, id(n)?, false),
                ["series", n, "cancel"] if get => series::show(ctx, id(n)?, true),
                ["series", n, "cancel"] if post => series::cancel(ctx, id(n)?),
                ["outbox", n, "send"] if post => mail::send_now(ctx, id(n)?),
                ["outbox", n, "told"] if post => mail::told(ctx, id(n)?),
                ["settings"] if get => settings::page(ctx, None),
                ["settings"] if post => settings::save(ctx),
                ["password"] if post => settings::change_password(ctx),
                ["calendar"] if post => settings::calendar_feed(ctx),
                ["backup"] if post => settings::backup(ctx),
                ["import"] if get => import::form(ctx),
                ["import"] if post => import::preview(ctx),
                ["import", "confirm"] if post => import::confirm(ctx),
                ["import", "stop-sync"] if post => import::stop_sync(ctx),
                ["audit"] if get => audit::page(ctx),
                ["audit.csv"] if get => audit::csv(ctx),
                _ => Err(Error::not_found("nothing is at this address in the admin pages")),
            },
        },
    }?;
    // A saved change may have planned mail that is due at once.
    if post && resp.status == 303 {
        shared.mail.kick();
    }
    Ok(resp)
}

/// What the route table found: a handler's answer, or the methods the
/// route takes when the request's was not one of them.
enum Routed {
    Done(Result<Resp>),
    Allow(&'static str),
}

impl Routed {
    /// The same, saying `allow` when the method was wrong.
    fn allowing(self, allow: &'static str) -> Routed {
        match self {
            Routed::Allow(_) => Routed::Allow(allow),
            done => done,
        }
    }
}

/// A route that is read with GET (and HEAD).
fn read(method: Method, handler: impl FnOnce() -> Result<Resp>) -> Routed {
    match method {
        Method::Get | Method::Head => Routed::Done(handler()),
        _ => Routed::Allow("GET, HEAD"),
    }
}

/// A route that takes a POST only.
fn write(method: Method, handler: impl FnOnce() -> Result<Resp>) -> Routed {
    match method {
        Method::Post => Routed::Done(handler()),
        _ => Routed::Allow("POST"),
    }
}

/// The page of a handler's error, the one place errors become statuses:
/// input 400, not found 404 (the unknown-link page under `/v/` and `/p/`),
/// full 503 with `Retry-After`, anything else 500. Causes are logged
/// (they never hold a token or code), never shown.
fn failed(app: &mut App, shared: &Shared, req: &Req, e: Error, segments: &[&str]) -> Resp {
    // The clinician, past the admin gate, is told what was wrong in the
    // error's own words (they never hold a secret); a client gets the
    // plain pages below.
    let admin = segments.first() == Some(&"admin");
    match e {
        Error::Input(msg) if admin => admin_error(app, shared, 400, "That didn't work", &msg),
        Error::NotFound(msg) if admin => admin_error(app, shared, 404, "No such admin page", &msg),
        Error::Input(_) => error_page(app, shared, req, 400),
        Error::NotFound(_) => not_found(app, shared, req, segments),
        Error::Full(msg) => {
            eprintln!("porchlight: {msg}");
            error_page(app, shared, req, 503).with("Retry-After", "60")
        }
        Error::Internal(msg) => {
            eprintln!("porchlight: {msg}");
            error_page(app, shared, req, 500)
        }
    }
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

/// Whether a request may bring a body over `MAX_BODY`, up to
/// `MAX_IMPORT_BODY` (`server::limits`): an uploaded calendar, the
/// only one. `path` is without its query.
pub fn large_body(method: Method, path: &str) -> bool {
    method == Method::Post && path == "/admin/import"
}

/// The 404 page. Under `/v/` and `/p/` (in any case, of any shape) it is
/// the unknown-link page with its next steps, the same whether or not
/// anything like the address exists.
fn not_found(app: &mut App, shared: &Shared, req: &Req, segments: &[&str]) -> Resp {
    match segments.first() {
        Some(first) if first.eq_ignore_ascii_case("v") || first.eq_ignore_ascii_case("p") => {
            client::unknown(app, shared, req).unwrap_or_else(|_| error_page(app, shared, req, 404))
        }
        _ => error_page(app, shared, req, 404),
    }
}

/// An admin page's error: `title`, the error's words, the way back.
fn admin_error(app: &mut App, shared: &Shared, status: u16, title: &str, msg: &str) -> Resp {
    let practice = app.settings().map(|s| s.practice_name.clone()).unwrap_or_else(|_| "Porchlight".into());
    let mut what: String = msg.chars().take(1).flat_map(char::to_uppercase).chain(msg.chars().skip(1)).collect();
    if !what.ends_with('.') {
        what.push('.');
    }
    shared.pages.message(status, &practice, title, &[&what, "Go back, or start again from the dashboard at /admin."])
}

/// An error page: in English under `/admin` (the clinician's pages stay
/// in it), else in the browser's language (`pages::browser_language`):
/// an error knows no client.
fn error_page(app: &mut App, shared: &Shared, req: &Req, status: u16) -> Resp {
    let practice = app.settings().map(|s| s.practice_name.clone()).unwrap_or_else(|_| "Porchlight".into());
    let lang = match req.path.starts_with("/admin") {
        true => crate::i18n::ENGLISH,
        false => crate::pages::browser_language(app, req),
    };
    shared.pages.error(status, lang, &practice)
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
    let page = Page { practice, name, cli: &shared.cli, admin_url: &shared.admin_url };
    shared
        .pages
        .page_in(403, "foreign_host.html", crate::i18n::ENGLISH, page)
        .unwrap_or_else(|_| Resp::text(403, "This address is not known here"))
}
