//! First-run setup, login and logout, and the password check they share
//! with the password change.
//!
//! Every check of a password is reserved with the throttle first, for this
//! browser's device cookie if it has a valid one, else for its address and
//! all unknown browsers; argon2 then runs on the hasher thread while the
//! request holds no database connection. A sign-in link printed at the
//! machine (`auth::grant`) gives a browser a device cookie, so the
//! clinician signs in while a guest keeps unknown browsers waiting. Only a
//! wrong setup code is throttled: the right one always gets through.

use std::time::Instant;

use serde::Serialize;

use super::{Ctx, Form};
use crate::auth::{self, device};
use crate::error::{Error, Result};
use crate::http::Resp;
use crate::password::{self, Hashed};
use crate::store::NewAudit;
use crate::token;

#[derive(Serialize)]
struct Page<'a> {
    nav: &'static str,
    practice: String,
    /// The command line for this server's data, for the hints.
    cli: &'a str,
    csrf: String,
    form: &'a Form,
    notice: Option<String>,
    error: Option<String>,
}

/// The pre-session cookie of this browser, or a new one to set.
fn pre_cookie(ctx: &Ctx<'_>) -> (String, Option<String>) {
    match ctx.req.cookie(ctx.cookies.pre()).filter(|v| v.len() == 43) {
        Some(v) => (v.to_string(), None),
        None => {
            let v = token::random_secret();
            let set = ctx.cookies.set(ctx.cookies.pre(), &v, None);
            (v, Some(set))
        }
    }
}

fn show(ctx: &mut Ctx<'_>, template: &str, status: u16, form: &Form, error: Option<String>) -> Result<Resp> {
    show_noting(ctx, template, status, form, None, error)
}

/// [`show`], with `notice` in place of the one a `?done=` asks for.
fn show_noting(
    ctx: &mut Ctx<'_>,
    template: &str,
    status: u16,
    form: &Form,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Resp> {
    let (pre, set) = pre_cookie(ctx);
    let frame = ctx.frame("login")?;
    let page = Page {
        nav: "login",
        practice: frame.practice,
        cli: &ctx.shared.cli,
        csrf: auth::pre_csrf_token(&ctx.shared.keys, &pre),
        form,
        notice: notice.map(str::to_string).or(frame.notice),
        error,
    };
    let mut resp = ctx.render(status, template, page)?;
    if let Some(cookie) = set {
        resp = resp.with("Set-Cookie", cookie);
    }
    Ok(resp)
}

/// The pre-session CSRF check of setup and login.
fn pre_csrf_ok(ctx: &Ctx<'_>) -> bool {
    let pre = ctx.req.cookie(ctx.cookies.pre()).unwrap_or("");
    auth::pre_csrf_ok(&ctx.shared.keys, pre, &ctx.req.field("csrf").unwrap_or_default())
}

fn has_password(ctx: &Ctx<'_>) -> Result<bool> {
    Ok(ctx.app.admin_password_hash()?.is_some())
}

/// Sign in: a new session id (never the one the browser came with), a
/// new device cookie for the password `phc`, off to the dashboard.
fn signed_in(ctx: &mut Ctx<'_>, phc: &str) -> Result<Resp> {
    if let Some(old) = ctx.req.cookie(ctx.cookies.session()) {
        ctx.app.sign_out(old)?;
    }
    let id = ctx.app.sign_in(ctx.shared.sessions, ctx.now)?;
    let device = device::issue(&ctx.shared.keys, phc, ctx.now.timestamp());
    Ok(Resp::see_other("/admin".into())
        .with("Set-Cookie", ctx.cookies.set(ctx.cookies.session(), &id, None))
        .with("Set-Cookie", ctx.cookies.set_device(&device))
        .with("Set-Cookie", ctx.cookies.set(ctx.cookies.pre(), "", Some(0))))
}

/// The words of a refusal to check a password now.
pub(super) fn wait_words(wait: u64) -> String {
    format!("Too many wrong tries. Please wait {wait} seconds, then try again.")
}

/// Seconds to come back after when the hasher's queue is full.
pub(super) const BUSY_WAIT: u64 = 5;

pub(super) const BUSY_WORDS: &str = "Porchlight is busy checking other passwords. Please try again in a few seconds.";

/// A form shown again with a refusal: 429 for a wait, 503 when busy.
fn refused(ctx: &mut Ctx<'_>, template: &str, form: &Form, status: u16, wait: u64) -> Result<Resp> {
    let words = if status == 429 { wait_words(wait) } else { BUSY_WORDS.to_string() };
    Ok(show(ctx, template, status, form, Some(words))?.with("Retry-After", wait.to_string()))
}

/// The device this browser's cookie names, if any of the cookies it sent
/// by that name (a sibling site may add its own) is valid for `phc`.
fn known_device(ctx: &Ctx<'_>, phc: &str) -> Option<device::Nonce> {
    let name = ctx.cookies.device();
    let cookies = ctx.req.cookie.as_deref().unwrap_or("").split(';').filter_map(|c| c.trim().split_once('='));
    cookies.filter(|(k, _)| *k == name).find_map(|(_, v)| device::check(&ctx.shared.keys, v, phc, ctx.now.timestamp()))
}

/// What a password check came to.
pub(super) enum Checked {
    Right,
    Wrong,
    /// Refused before argon2: wait this many seconds.
    Wait(u64),
    /// The hasher's queue is full; nothing was checked or counted.
    Busy,
}

/// Check `typed` against the admin password hash `phc` under this
/// browser's throttle, without a database connection while argon2 runs.
pub(super) fn check_password(ctx: &mut Ctx<'_>, typed: &str, phc: &str) -> Result<Checked> {
    let device = known_device(ctx, phc);
    let attempt = match ctx.shared.logins.begin(device, ctx.req.remote, Instant::now()) {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(Checked::Wait(wait)),
    };
    let shared = ctx.shared;
    let right = match password::validate(typed) {
        Ok(()) => shared.without_app(ctx.app, || shared.hasher.verify(typed, phc)),
        // Its length says it is wrong without argon2; a wrong guess still.
        Err(_) => Ok(false),
    };
    match right {
        Ok(true) => {
            attempt.succeeded();
            Ok(Checked::Right)
        }
        Ok(false) => {
            attempt.failed(Instant::now());
            Ok(Checked::Wrong)
        }
        // The attempt ends unfinished and counts for nothing.
        Err(Error::Full(_)) => Ok(Checked::Busy),
        Err(e) => Err(e),
    }
}

/// Hash a new password on the hasher thread, without a database
/// connection meanwhile. `None` when the hasher is busy.
pub(super) fn hash_password(ctx: &mut Ctx<'_>, password: &str) -> Result<Option<Hashed>> {
    let shared = ctx.shared;
    match shared.without_app(ctx.app, || shared.hasher.hash(password)) {
        Ok(hashed) => Ok(Some(hashed)),
        Err(Error::Full(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn failed(ctx: &mut Ctx<'_>, what: &str) -> Result<()> {
    eprintln!("porchlight: admin {what} failure from {}", ctx.req.remote);
    let event = if what == "login" { "admin.login_failure" } else { "admin.setup_failure" };
    ctx.app.audit(ctx.now, NewAudit { event, addr: Some(ctx.req.remote.to_string()), ..Default::default() })
}

pub fn setup_form(ctx: &mut Ctx<'_>) -> Result<Resp> {
    if has_password(ctx)? {
        return Ok(Resp::see_other("/admin/login".into()));
    }
    show(ctx, "admin_setup.html", 200, &Form::default(), None)
}

pub fn setup(ctx: &mut Ctx<'_>) -> Result<Resp> {
    if has_password(ctx)? {
        return Ok(Resp::see_other("/admin/login".into()));
    }
    if !pre_csrf_ok(ctx) {
        return Ok(ctx.forbidden("This form is out of date. Go back, reload the page and try again."));
    }
    let mut form = Form::from_req(ctx.req);
    form.values.remove("password");
    form.values.remove("confirm");
    let typed: String =
        ctx.req.field("code").unwrap_or_default().chars().filter(char::is_ascii_alphanumeric).collect::<String>();
    let typed = typed.to_ascii_uppercase();
    let expected = ctx.shared.setup_code.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let code_ok = expected.is_some_and(|c| {
        let c: String = c.chars().filter(char::is_ascii_alphanumeric).collect();
        subtle::ConstantTimeEq::ct_eq(c.as_bytes(), typed.as_bytes()).into()
    });
    // The code is the secret of whoever started serve, and its 60 bits
    // make guessing it hopeless with or without waits. So the right code
    // never waits for a guest's wrong ones; a wrong code waits as a wrong
    // password does, so that a flood of them writes a few audit entries
    // and log lines, not one each.
    if !code_ok {
        match ctx.shared.logins.begin(None, ctx.req.remote, Instant::now()) {
            Ok(attempt) => attempt.failed(Instant::now()),
            Err(wait) => return refused(ctx, "admin_setup.html", &form, 429, wait),
        }
        failed(ctx, "setup")?;
        form.errors.insert(
            "code".into(),
            "That setup code is not right. Use the one porchlight printed when it started.".into(),
        );
    }
    let pw = ctx.req.field("password").unwrap_or_default();
    form.check("password", password::validate(&pw));
    if ctx.req.field("confirm").unwrap_or_default() != pw {
        form.errors.insert("confirm".into(), "The two passwords are not the same.".into());
    }
    if !form.ok() {
        return show(ctx, "admin_setup.html", 200, &form, None);
    }
    let Some(hashed) = hash_password(ctx, &pw)? else {
        return refused(ctx, "admin_setup.html", &form, 503, BUSY_WAIT);
    };
    {
        // Take the code: whoever gets here first sets the password.
        let mut code = ctx.shared.setup_code.lock().unwrap_or_else(|p| p.into_inner());
        if code.take().is_none() || has_password(ctx)? {
            return Ok(Resp::see_other("/admin/login".into()));
        }
        ctx.app.set_admin_password(&hashed, ctx.now)?;
    }
    signed_in(ctx, hashed.as_str())
}

pub fn login_form(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let Some(phc) = ctx.app.admin_password_hash()? else {
        return Ok(Resp::see_other("/admin/setup".into()));
    };
    match ctx.req.param("grant") {
        Some(grant) => exchange_grant(ctx, &grant, &phc),
        None => show(ctx, "admin_login.html", 200, &Form::default(), None),
    }
}

const GRANT_GONE: &str = "That sign-in link has expired; run admin signin-link again on the machine running Porchlight (the command is below).";

/// A sign-in link was opened (`auth::grant`): the first time, and within
/// its 15 minutes, this browser gets a fresh device cookie and goes on to
/// the login page without the grant, so it stays out of the address bar
/// and the history. Any other grant gets the login page and a notice that
/// says nothing more.
fn exchange_grant(ctx: &mut Ctx<'_>, grant: &str, phc: &str) -> Result<Resp> {
    let keys = &ctx.shared.keys;
    let now = ctx.now.timestamp();
    if !ctx.shared.grants.redeem(keys, grant, phc, now) {
        return show_noting(ctx, "admin_login.html", 200, &Form::default(), Some(GRANT_GONE), None);
    }
    eprintln!("porchlight: admin sign-in link used from {}", ctx.req.remote);
    let device = device::issue(keys, phc, now);
    Ok(Resp::see_other("/admin/login".into()).with("Set-Cookie", ctx.cookies.set_device(&device)))
}

pub fn login(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let Some(hash) = ctx.app.admin_password_hash()? else {
        return Ok(Resp::see_other("/admin/setup".into()));
    };
    if !pre_csrf_ok(ctx) {
        return Ok(ctx.forbidden("This form is out of date. Go back, reload the page and try again."));
    }
    let form = Form::default();
    let typed = ctx.req.field("password").unwrap_or_default();
    match check_password(ctx, &typed, &hash)? {
        Checked::Right => {}
        Checked::Wrong => {
            failed(ctx, "login")?;
            return show(ctx, "admin_login.html", 200, &form, Some("That password is not right.".into()));
        }
        Checked::Wait(wait) => return refused(ctx, "admin_login.html", &form, 429, wait),
        Checked::Busy => return refused(ctx, "admin_login.html", &form, 503, BUSY_WAIT),
    }
    ctx.app.audit(
        ctx.now,
        NewAudit { event: "admin.login", addr: Some(ctx.req.remote.to_string()), ..Default::default() },
    )?;
    signed_in(ctx, &hash)
}

pub fn logout(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let session = ctx.session.take().ok_or_else(|| Error::internal("logout without a session"))?;
    ctx.app.sign_out(&session.id)?;
    ctx.app.audit(
        ctx.now,
        NewAudit { event: "admin.logout", addr: Some(ctx.req.remote.to_string()), ..Default::default() },
    )?;
    Ok(Resp::see_other("/admin/login?done=logout".into())
        .with("Set-Cookie", ctx.cookies.set(ctx.cookies.session(), "", Some(0)))
        .with("Clear-Site-Data", "\"cache\", \"cookies\", \"storage\""))
}
