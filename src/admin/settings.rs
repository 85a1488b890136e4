//! Settings, the admin password, and the backup download.

use serde::Serialize;

use super::login::{self, Checked};
use super::{Ctx, Form, Frame};
use crate::error::Result;
use crate::http::Resp;
use crate::settings::{KEYS, shown_value};
use crate::store::NewAudit;
use crate::{auth, password};

/// One key on the settings page, as `settings::KEYS` describes it.
#[derive(Serialize)]
struct Field {
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    /// A fixed set of values, shown as a menu.
    choices: &'static [&'static str],
    value: String,
    default: Option<&'static str>,
    secret: bool,
    set: bool,
}

#[derive(Serialize)]
struct Page<'a> {
    #[serde(flatten)]
    frame: Frame,
    fields: Vec<Field>,
    form: &'a Form,
    pw: &'a Form,
    /// The clinician's calendar feed address, when on.
    feed: Option<String>,
    mail_warnings: Vec<String>,
}

pub fn page(ctx: &mut Ctx<'_>, form: Option<Form>) -> Result<Resp> {
    render(ctx, form.unwrap_or_default(), Form::default())
}

fn render(ctx: &mut Ctx<'_>, form: Form, pw: Form) -> Result<Resp> {
    let status = if form.ok() && pw.ok() { 200 } else { 400 };
    render_as(ctx, status, form, pw)
}

fn render_as(ctx: &mut Ctx<'_>, status: u16, form: Form, pw: Form) -> Result<Resp> {
    let stored = ctx.app.stored_settings()?;
    let fields = KEYS
        .iter()
        .map(|k| {
            let (key, default, secret) = (k.name, k.default, k.secret());
            let current = stored.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
            let typed = form.values.get(key).cloned();
            let shown = typed.or(current.clone()).or(default.map(str::to_string));
            let value = if secret { String::new() } else { shown.map(|v| shown_value(key, &v)).unwrap_or_default() };
            let (label, hint, choices) = (k.label, k.hint, k.choices());
            Field { key, label, hint, choices, value, default, secret, set: current.is_some() }
        })
        .collect();
    let frame = ctx.frame("settings")?;
    let feed = ctx.app.calendar_feed_url()?;
    let mail_warnings = super::mail::warnings(&*ctx.app.settings()?);
    ctx.render(status, "admin_settings.html", Page { frame, fields, form: &form, pw: &pw, feed, mail_warnings })
}

/// Save every changed setting, or none if any is invalid.
pub fn save(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let mut form = Form::from_req(ctx.req);
    let stored = ctx.app.stored_settings()?;
    let mut changes = vec![];
    for k in KEYS {
        let (key, default, secret) = (k.name, k.default, k.secret());
        let Some(typed) = form.values.get(key).map(|v| v.trim().to_string()) else { continue };
        let current = stored.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        if secret && typed.is_empty() {
            continue;
        }
        if typed.is_empty() {
            if current.is_some() {
                changes.push((key, None));
            }
            continue;
        }
        if Some(typed.as_str()) == current.or(default).map(|v| shown_value(key, v)).as_deref() && !secret {
            continue;
        }
        if let Some(v) = form.check(key, crate::settings::validate(key, &typed)) {
            changes.push((key, Some(v)));
        }
    }
    if !form.ok() {
        for k in KEYS.iter().filter(|k| k.secret()) {
            form.values.remove(k.name);
        }
        return render(ctx, form, Form::default());
    }
    for (key, value) in changes {
        match value {
            Some(v) => ctx.app.set_setting(key, &v, ctx.now).map(drop)?,
            None => ctx.app.clear_setting(key, ctx.now)?,
        }
    }
    Ok(Resp::see_other("/admin/settings?done=settings".into()))
}

/// `POST /admin/calendar` with `feed` = `on` (a new address) or `off`.
pub fn calendar_feed(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let on = ctx.req.field("feed").as_deref() == Some("on");
    ctx.app.set_calendar_feed(on, ctx.now)?;
    Ok(Resp::see_other(format!("/admin/settings?done={}#calendar", if on { "feed-on" } else { "feed-off" })))
}

/// The current password is checked like a login, under the same throttle
/// for this browser, and a wrong one is audited: a session left open must
/// not let anyone guess it at leisure.
pub fn change_password(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let mut pw = Form::from_req(ctx.req);
    let hash = ctx.app.admin_password_hash()?.unwrap_or_default();
    let (current, new) = (pw.get("current").to_string(), pw.get("new").to_string());
    pw.values.clear();
    let refuse = |ctx: &mut Ctx<'_>, mut pw: Form, status: u16, wait: u64, words: String| -> Result<Resp> {
        pw.errors.insert("current".into(), words);
        Ok(render_as(ctx, status, Form::default(), pw)?.with("Retry-After", wait.to_string()))
    };
    match login::check_password(ctx, &current, &hash)? {
        Checked::Right => {}
        Checked::Wrong => {
            let addr = ctx.req.remote.to_string();
            eprintln!("porchlight: admin password change failure from {addr}");
            ctx.app
                .audit(ctx.now, NewAudit { event: "admin.password_failure", addr: Some(addr), ..Default::default() })?;
            pw.errors.insert("current".into(), "That is not the current password.".into());
        }
        Checked::Wait(wait) => return refuse(ctx, pw, 429, wait, login::wait_words(wait)),
        Checked::Busy => return refuse(ctx, pw, 503, login::BUSY_WAIT, login::BUSY_WORDS.into()),
    }
    pw.check("new", password::validate(&new));
    if ctx.req.field("confirm").unwrap_or_default() != new {
        pw.errors.insert("confirm".into(), "The two new passwords are not the same.".into());
    }
    if !pw.ok() {
        return render(ctx, Form::default(), pw);
    }
    let Some(hashed) = login::hash_password(ctx, &new)? else {
        return refuse(ctx, pw, 503, login::BUSY_WAIT, login::BUSY_WORDS.into());
    };
    ctx.app.set_admin_password(&hashed, ctx.now)?;
    // Every session ended with the old password, and every device cookie
    // names the old one: this browser gets a new session and device.
    let id = ctx.app.sign_in(ctx.shared.sessions, ctx.now)?;
    let device = auth::device::issue(&ctx.shared.keys, hashed.as_str(), ctx.now.timestamp());
    Ok(Resp::see_other("/admin/settings?done=password".into())
        .with("Set-Cookie", ctx.cookies.set(ctx.cookies.session(), &id, None))
        .with("Set-Cookie", ctx.cookies.set_device(&device)))
}

/// A consistent copy of the database, taken with SQLite's backup API while
/// serving, as a download.
pub fn backup(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let tmp = ctx.shared.data.join(format!(".download-{}.db", crate::token::random_name()));
    let result = ctx.app.backup_to(&tmp).and_then(|_| Ok(std::fs::read(&tmp)?));
    let _ = std::fs::remove_file(&tmp);
    let bytes = result?;
    ctx.app.audit(
        ctx.now,
        NewAudit { event: "backup.download", addr: Some(ctx.req.remote.to_string()), ..Default::default() },
    )?;
    let zone = ctx.app.settings()?.timezone;
    let day = ctx.now.with_timezone(&zone).format("%Y-%m-%d");
    Ok(Resp::new(200, "application/vnd.sqlite3", bytes)
        .with("Content-Disposition", format!("attachment; filename=\"porchlight-{day}.db\"")))
}
