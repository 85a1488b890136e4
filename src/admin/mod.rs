//! The clinician's admin pages under `/admin/`.
//!
//! Every request passes the same gate, in this order: the address must be
//! in `--admin-from` (else 403); setup and login are open; everything else
//! needs a live session (else a redirect to login, 401 for the JSON
//! endpoint, 403 for a POST); and every POST must be same-origin by
//! `Origin` and `Sec-Fetch-Site` and carry the session's `csrf` field
//! (else 403). No GET changes anything stored (a sign-in link's GET marks
//! it used, in memory). Before all this the router
//! refuses a `Host` that does not name this machine (`hosts.rs`). The
//! table of admin pages is the router's too; it calls the two halves of
//! the gate here ([`outer_gate`], [`session_gate`]) around it.

pub mod appointments;
pub mod archive;
pub mod audit;
pub mod booking;
pub mod clients;
pub mod export;
pub mod history;
pub mod import;
pub mod late;
pub mod login;
pub mod mail;
pub mod multipart;
pub mod participants;
pub mod series;
pub mod session;
pub mod settings;
pub mod today;
pub mod week;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::{self, Cookies, Session};
use crate::error::{Error, Result};
use crate::http::{Method, Req, Resp};
use crate::state::{Lease, Shared};

/// What a handler gets: the app (on a lent database connection), the
/// shared state, the request, the clock and, past the gate, the session.
pub struct Ctx<'a> {
    pub app: &'a mut Lease,
    pub shared: &'a Shared,
    pub req: &'a Req,
    pub now: DateTime<Utc>,
    pub cookies: Cookies,
    pub session: Option<Session>,
}

/// The parts of every admin page: practice name, CSRF token, which tab.
#[derive(Serialize)]
pub struct Frame {
    pub practice: String,
    pub csrf: String,
    pub nav: &'static str,
    pub notice: Option<String>,
}

/// Field errors and typed values of a form shown again after a mistake.
#[derive(Serialize, Default)]
pub struct Form {
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
}

impl Form {
    pub fn from_req(req: &Req) -> Form {
        Form { values: req.form().into_iter().filter(|(k, _)| k != "csrf").collect(), errors: BTreeMap::new() }
    }

    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// Run `f`; an input error becomes the message next to `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(Error::Input(msg)) | Err(Error::NotFound(msg)) | Err(Error::Full(msg)) => {
                self.errors.insert(field.to_string(), msg);
                None
            }
            Err(e) => {
                self.errors.insert(field.to_string(), "could not save; please try again".into());
                eprintln!("porchlight: admin form: {e}");
                None
            }
        }
    }

    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

impl Ctx<'_> {
    pub fn frame(&mut self, nav: &'static str) -> Result<Frame> {
        let practice = self.app.settings()?.practice_name.clone();
        let csrf = self.session.as_ref().map(|s| auth::csrf_token(&self.shared.keys, s)).unwrap_or_default();
        let notice = self.req.param("done").and_then(|d| notice(&d)).map(str::to_string);
        Ok(Frame { practice, csrf, nav, notice })
    }

    pub fn render(&self, status: u16, template: &str, page: impl Serialize) -> Result<Resp> {
        Ok(Resp::html(status, self.shared.pages.render(template, page)?))
    }

    fn forbidden(&mut self, why: &str) -> Resp {
        let practice = self.app.settings().map(|s| s.practice_name.clone()).unwrap_or_default();
        self.shared.pages.message(403, &practice, "Not allowed", &[why])
    }
}

/// The words shown after a redirect with `?done=...`.
fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "Appointment created.",
        "moved" => "Appointment moved. The links stay the same.",
        "cancelled" => "Appointment cancelled. Its links no longer open the session.",
        "series-created" => "Repeating sessions made, each with its own links. This is the first.",
        "following-cancelled" => "This session and every later one of its series are cancelled.",
        "series-cancelled" => "Series cancelled: its sessions ahead are cancelled and no more will be made.",
        "rotated" => "New link made. The old link and code no longer work.",
        "sending" => "Sending now. This page shows it here again if it fails.",
        "told" => "Marked as sent by you. Nothing will send it again.",
        "note-set" => {
            "Note shown to everyone waiting for this session. Their waiting pages show it within a few seconds; their link pages when next opened."
        }
        "note-cleared" => "Note cleared: it is no longer shown.",
        "resent" => "Link sent again by email. It is on its way.",
        "admitted" => "Let in. Their waiting page takes them into the video room within a few seconds.",
        "client-added" => "Client added.",
        "client-saved" => "Client saved.",
        "archived" => "Client archived.",
        "archived-cancelled" => {
            "Client archived. Their future sessions were cancelled, and shared ones go on without them."
        }
        "participant-added" => "Client added to the session, with a link and code of their own.",
        "removed" => {
            "Client removed from the session. Their link no longer opens it; nothing was sent to them, as nothing had been."
        }
        "removed-told" => {
            "Client removed from the session. Their link no longer opens it, and a cancellation email goes to them."
        }
        "unarchived" => "Client restored.",
        "portal-rotated" => "New portal link made. The old one no longer works.",
        "settings" => "Settings saved.",
        "feed-on" => "Calendar feed address made. Any older address no longer works.",
        "feed-off" => "Calendar feed turned off.",
        "password" => "Password changed. Other sessions were signed out.",
        "logout" => "You are signed out.",
        "expired" => "Your session ended. Please sign in again.",
        _ => return None,
    })
}

impl<'a> Ctx<'a> {
    /// A request under `/admin`, before the gate.
    pub fn new(app: &'a mut Lease, shared: &'a Shared, req: &'a Req, now: DateTime<Utc>) -> Ctx<'a> {
        let secure = app.is_https(req.https, req.host_name.as_ref());
        Ctx { app, shared, req, now, cookies: Cookies { secure }, session: None }
    }
}

/// The first half of the gate, before every admin page, setup and login
/// included: the address must be in `--admin-from`, and a POST must come
/// from our own pages. `Some` is the refusal.
pub fn outer_gate(ctx: &mut Ctx<'_>) -> Option<Resp> {
    let remote = ctx.req.remote;
    if !ctx.shared.admin_from.iter().any(|c| c.contains(remote)) {
        return Some(ctx.forbidden("The admin pages answer only on the practice's own network."));
    }
    if ctx.req.method == Method::Post && !same_origin(ctx) {
        return Some(ctx.forbidden("This form was sent from another site."));
    }
    None
}

/// The second half, before every page but setup and login: a live
/// session (which `polling`, the dashboard's own poll, does not keep
/// alive), and for a POST that session's CSRF token. `Some` is the
/// answer instead of the page: 401 for the poll, 403 for a POST, else
/// the way to setup or login.
pub fn session_gate(ctx: &mut Ctx<'_>, polling: bool) -> Result<Option<Resp>> {
    let post = ctx.req.method == Method::Post;
    let cookie = ctx.req.cookie(ctx.cookies.session()).map(str::to_string);
    ctx.session = ctx.app.signed_in(cookie.as_deref(), ctx.shared.sessions, ctx.now, !polling)?;
    if ctx.session.is_none() {
        return Ok(Some(if polling {
            Resp::json(401, &serde_json::json!({ "error": "signed out" }))
        } else if post {
            ctx.forbidden("Your session has ended. Please sign in again.")
        } else if ctx.app.admin_password_hash()?.is_none() {
            Resp::see_other("/admin/setup".into())
        } else {
            let done = if cookie.is_some() { "?done=expired" } else { "" };
            Resp::see_other(format!("/admin/login{done}"))
        }));
    }
    if post {
        let presented = csrf_field(ctx.req)?;
        let session = ctx.session.as_ref().expect("checked above");
        if !auth::csrf_ok(&ctx.shared.keys, session, &presented) {
            return Ok(Some(ctx.forbidden("This form is out of date. Go back, reload the page and try again.")));
        }
    }
    Ok(None)
}

/// The `csrf` field of a POST: a plain form's, or an upload's
/// (`multipart/form-data`), whose body must then be well formed: a
/// malformed one is an input error (400) before its token is looked at.
fn csrf_field(req: &Req) -> Result<String> {
    let content_type = req.content_type.as_deref();
    if multipart::is_multipart(content_type) {
        let upload = multipart::Upload::read(content_type, &req.body)?;
        return Ok(upload.text("csrf")?.unwrap_or_default().to_string());
    }
    Ok(req.field("csrf").unwrap_or_default())
}

/// An admin page's id segment (`/admin/clients/12`): a number, else 404.
pub fn id(segment: &str) -> Result<i64> {
    segment.parse::<i64>().map_err(|_| Error::not_found("no such page"))
}

/// Is this POST from our own pages? A browser sends `Origin` with every
/// form POST, and `Sec-Fetch-Site` too where it sends Fetch Metadata;
/// either saying "elsewhere" refuses the request.
///
/// Our pages are sent with `Referrer-Policy: no-referrer`, under which a
/// browser's own form POST carries `Origin: null` (Fetch, "append a
/// request `Origin` header"; Chromium and Firefox alike). Then:
/// - where browsers send Fetch Metadata (https, `localhost`, loopback
///   addresses: secure contexts), only `Sec-Fetch-Site: same-origin`
///   vouches for it;
/// - over plain http on a LAN name or address, Chromium and Firefox send
///   no `Sec-Fetch-*` at all (only to potentially trustworthy URLs), so
///   the request is let through to the CSRF check: its token is tied to a
///   `SameSite=Strict` cookie, which no cross-site request carries, and
///   the `Host` was already checked against this machine's names, so a
///   DNS-rebinding page never gets this far.
fn same_origin(ctx: &mut Ctx<'_>) -> bool {
    let site = ctx.req.fetch_site.as_deref();
    if site.is_some_and(|site| site != "same-origin" && site != "none") {
        return false;
    }
    let Some(origin) = ctx.req.origin.as_deref() else { return true };
    if origin == "null" {
        return match site {
            Some(site) => site == "same-origin",
            None => !fetch_metadata_expected(ctx),
        };
    }
    let host_origin = |scheme: &str| ctx.req.host.as_deref().map(|h| format!("{scheme}://{h}"));
    let mut allowed = vec![host_origin("http"), host_origin("https")];
    if let Ok(base) = ctx.app.base_url() {
        allowed.push(crate::urls::origin(&base));
    }
    allowed.iter().flatten().any(|a| a.eq_ignore_ascii_case(origin))
}

/// Would a browser have sent `Sec-Fetch-Site` here? Only to a secure
/// context (W3C Secure Contexts §3.2): https, or a loopback host.
fn fetch_metadata_expected(ctx: &Ctx<'_>) -> bool {
    ctx.cookies.secure || ctx.req.host_name.as_ref().is_some_and(|h| h.is_loopback())
}

#[cfg(test)]
mod tests {
    use minijinja::{Environment, UndefinedBehavior, context};

    /// The form macro as the admin pages use it, called with `args`.
    fn field(args: &str) -> Result<String, minijinja::Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_template("admin_macros.html", include_str!("../../assets/templates/admin_macros.html"))?;
        let page =
            format!(r#"{{% from "admin_macros.html" import field %}}{{{{ field(form, "pw", "Password", {args}) }}}}"#);
        env.add_template_owned("page.html", page)?;
        let form = context! { values => context! {}, errors => context! {} };
        env.get_template("page.html")?.render(context! { form })
    }

    #[test]
    fn field_attributes_are_real_attributes_with_escaped_values() {
        let html = field(r#"type="password", autocomplete="new-password", minlength=12, maxlength=128, required=true"#)
            .expect("renders");
        for attr in [r#" autocomplete="new-password""#, r#" minlength="12""#, r#" maxlength="128""#, " required"] {
            assert!(html.contains(attr), "{attr} in {html}");
        }
        assert!(!html.contains("&quot;"), "no attribute is printed as escaped text: {html}");
        let hostile = field(r#"autocomplete='x" onfocus="alert(1)'"#).expect("renders");
        assert!(hostile.contains(r#"autocomplete="x&quot; onfocus=&quot;alert(1)""#), "{hostile}");
        assert!(!field("spellcheck=false").unwrap().contains("spellcheck=\"False\""));
    }

    #[test]
    fn field_refuses_attributes_it_does_not_know() {
        assert!(field(r#"onfocus="alert(1)""#).is_err(), "an undeclared attribute is an error, not markup");
        assert!(field(r#"attrs="required""#).is_err(), "no raw attribute string");
    }
}
