//! First-run setup, login and logout.

use std::time::Instant;

use serde::Serialize;

use super::{Ctx, Form};
use crate::auth;
use crate::error::{Error, Result};
use crate::password;
use crate::server::http::Resp;
use crate::store::NewAudit;
use crate::token;

#[derive(Serialize)]
struct Page<'a> {
    nav: &'static str,
    practice: String,
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
    let (pre, set) = pre_cookie(ctx);
    let frame = ctx.frame("login")?;
    let page = Page {
        nav: "login",
        practice: frame.practice,
        csrf: auth::pre_csrf_token(&ctx.shared.keys, &pre),
        form,
        notice: frame.notice,
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
    Ok(ctx.app.store.admin_password_hash()?.is_some())
}

/// Sign in: a new session id (never the one the browser came with), the
/// cookie set, off to the dashboard.
fn signed_in(ctx: &mut Ctx<'_>) -> Result<Resp> {
    if let Some(old) = ctx.req.cookie(ctx.cookies.session()) {
        auth::end(ctx.app, old)?;
    }
    let id = auth::start(ctx.app, ctx.shared.sessions, ctx.now)?;
    Ok(Resp::see_other("/admin".into())
        .with("Set-Cookie", ctx.cookies.set(ctx.cookies.session(), &id, None))
        .with("Set-Cookie", ctx.cookies.set(ctx.cookies.pre(), "", Some(0))))
}

fn throttled(ctx: &mut Ctx<'_>, template: &str, form: &Form) -> Result<Option<Resp>> {
    match ctx.shared.logins.check(ctx.req.remote, Instant::now()) {
        Ok(()) => Ok(None),
        Err(wait) => {
            let error = format!("Too many wrong tries. Please wait {wait} seconds, then try again.");
            Ok(Some(show(ctx, template, 429, form, Some(error))?.with("Retry-After", wait.to_string())))
        }
    }
}

fn failed(ctx: &mut Ctx<'_>, what: &str) -> Result<()> {
    ctx.shared.logins.fail(ctx.req.remote, Instant::now());
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
    if let Some(resp) = throttled(ctx, "admin_setup.html", &form)? {
        return Ok(resp);
    }
    let typed: String =
        form.get("code").chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase();
    let expected = ctx.shared.setup_code.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let code_ok = expected.is_some_and(|c| {
        let c: String = c.chars().filter(char::is_ascii_alphanumeric).collect();
        subtle::ConstantTimeEq::ct_eq(c.as_bytes(), typed.as_bytes()).into()
    });
    if !code_ok {
        failed(ctx, "setup")?;
        form.errors.insert(
            "code".into(),
            "That setup code is not right. Use the one porchlight printed when it started.".into(),
        );
    }
    let pw = form.get("password").to_string();
    form.check("password", password::validate(&pw));
    if form.get("confirm") != pw {
        form.errors.insert("confirm".into(), "The two passwords are not the same.".into());
    }
    form.values.remove("password");
    form.values.remove("confirm");
    if !form.ok() {
        return show(ctx, "admin_setup.html", 200, &form, None);
    }
    {
        // Take the code: whoever gets here first sets the password.
        let mut code = ctx.shared.setup_code.lock().unwrap_or_else(|p| p.into_inner());
        if code.take().is_none() || has_password(ctx)? {
            return Ok(Resp::see_other("/admin/login".into()));
        }
        let _argon = ctx.shared.argon.lock().unwrap_or_else(|p| p.into_inner());
        ctx.app.set_admin_password(&pw, ctx.now)?;
    }
    signed_in(ctx)
}

pub fn login_form(ctx: &mut Ctx<'_>) -> Result<Resp> {
    if !has_password(ctx)? {
        return Ok(Resp::see_other("/admin/setup".into()));
    }
    show(ctx, "admin_login.html", 200, &Form::default(), None)
}

pub fn login(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let Some(hash) = ctx.app.store.admin_password_hash()? else {
        return Ok(Resp::see_other("/admin/setup".into()));
    };
    if !pre_csrf_ok(ctx) {
        return Ok(ctx.forbidden("This form is out of date. Go back, reload the page and try again."));
    }
    let form = Form::default();
    if let Some(resp) = throttled(ctx, "admin_login.html", &form)? {
        return Ok(resp);
    }
    let typed = ctx.req.field("password").unwrap_or_default();
    let ok = {
        let _argon = ctx.shared.argon.lock().unwrap_or_else(|p| p.into_inner());
        password::validate(&typed).is_ok() && password::verify(&typed, &hash)
    };
    if !ok {
        failed(ctx, "login")?;
        return show(ctx, "admin_login.html", 200, &form, Some("That password is not right.".into()));
    }
    ctx.shared.logins.succeed(ctx.req.remote);
    ctx.app.audit(
        ctx.now,
        NewAudit { event: "admin.login", addr: Some(ctx.req.remote.to_string()), ..Default::default() },
    )?;
    signed_in(ctx)
}

pub fn logout(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let session = ctx.session.take().ok_or_else(|| Error::internal("logout without a session"))?;
    auth::end(ctx.app, &session.id)?;
    ctx.app.audit(
        ctx.now,
        NewAudit { event: "admin.logout", addr: Some(ctx.req.remote.to_string()), ..Default::default() },
    )?;
    Ok(Resp::see_other("/admin/login?done=logout".into())
        .with("Set-Cookie", ctx.cookies.set(ctx.cookies.session(), "", Some(0)))
        .with("Clear-Site-Data", "\"cache\", \"cookies\", \"storage\""))
}
