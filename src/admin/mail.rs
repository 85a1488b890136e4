//! Mail on the admin pages: messages that did not go out (with Send now),
//! a session's messages, warnings about the mail settings, and new times
//! and cancellations mail will not carry, with their text to send by hand.

use serde::Serialize;

use super::Ctx;
use crate::app::mail::local_time;
use crate::error::Result;
use crate::http::Resp;
use crate::mail::plan::Kind;
use crate::mail::sender::plain_text_beyond_lan;
use crate::settings::Settings;
use crate::store::OutboxRow;

/// One message as the clinician sees it.
#[derive(Serialize)]
pub struct Line {
    id: i64,
    appointment_id: i64,
    client: String,
    what: String,
    due: String,
    state: String,
    error: Option<String>,
    attempts: i64,
    /// Send now is offered.
    retry: bool,
}

/// The dashboard's mail section.
#[derive(Serialize, Default)]
pub struct Panel {
    problems: Vec<Line>,
    warnings: Vec<String>,
}

/// A new time or a cancellation mail will not carry, with its text.
#[derive(Serialize)]
pub struct Untold {
    id: i64,
    appointment_id: i64,
    client: String,
    what: String,
    why: String,
    text: String,
}

/// The new times and cancellations mail will not carry: every upcoming
/// session's, or one appointment's.
pub fn untold(ctx: &mut Ctx<'_>, appointment_id: Option<i64>) -> Result<Vec<Untold>> {
    let mut out = vec![];
    for u in ctx.app.untold(appointment_id, ctx.now)? {
        let pages = &ctx.shared.pages;
        let text = ctx.app.untold_text(&u.row, |body| body.render(pages, "mail_message.txt"))?;
        out.push(Untold {
            id: u.row.id,
            appointment_id: u.row.appointment_id,
            what: what(&u.row),
            client: u.client,
            why: u.why,
            text,
        });
    }
    Ok(out)
}

/// `POST /admin/outbox/{id}/told`: the clinician sent it by hand.
pub fn told(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    ctx.app.told_by_hand(id, ctx.now)?;
    let back = match ctx.req.field("back").and_then(|b| b.parse::<i64>().ok()) {
        Some(appt) => format!("/admin/appointments/{appt}"),
        None => "/admin".to_string(),
    };
    Ok(Resp::see_other(format!("{back}?done=told")))
}

fn what(row: &OutboxRow) -> String {
    match row.kind {
        Kind::Reminder if row.hours == 1 => "Reminder, 1 hour before".into(),
        Kind::Reminder => format!("Reminder, {} hours before", row.hours),
        Kind::Update => "New time".into(),
        Kind::Cancel => "Cancellation".into(),
        Kind::Resend => "Link sent again".into(),
    }
}

pub fn lines(ctx: &mut Ctx<'_>, rows: Vec<OutboxRow>) -> Result<Vec<Line>> {
    let zone = ctx.app.settings()?.timezone;
    let mail_on = ctx.app.mail_on()?;
    let mut out = vec![];
    for row in rows {
        let client = ctx.app.find_client(row.client_id)?.map(|c| c.name).unwrap_or_default();
        let when = row.sent_at.unwrap_or(row.due_at);
        // "pending" would say it is on its way: with mail off nothing
        // will ever send it.
        let held = !mail_on && row.state == "pending";
        out.push(Line {
            id: row.id,
            appointment_id: row.appointment_id,
            client,
            what: what(&row),
            due: local_time(when, zone),
            retry: !held && matches!(row.state.as_str(), "failed" | "unknown" | "pending"),
            state: if held { "not sent: mail is off".into() } else { row.state.clone() },
            error: row.error,
            attempts: row.attempts,
        });
    }
    Ok(out)
}

/// What is wrong with the mail settings, in words for the clinician.
pub fn warnings(settings: &Settings) -> Vec<String> {
    let mut out = vec![];
    match (&settings.smtp_url, &settings.mail_from) {
        (None, _) => {}
        (Some(_), None) => out.push("Reminders are not sent: set mail_from (the sender address).".into()),
        (Some(url), Some(_)) => {
            if let Some(host) = plain_text_beyond_lan(url) {
                out.push(format!(
                    "Mail goes to {host} without encryption: the server password, names and links cross the \
                     internet in plain text. Use smtps://…:465 or add ?tls=required."
                ));
            }
        }
    }
    out
}

/// Problems to show on the dashboard, and what is wrong with the settings.
pub fn panel(ctx: &mut Ctx<'_>) -> Result<Panel> {
    let warnings = warnings(&*ctx.app.settings()?);
    let rows = ctx.app.outbox_problems()?;
    Ok(Panel { problems: lines(ctx, rows)?, warnings })
}

/// `POST /admin/outbox/{id}/send`: try a message again now.
pub fn send_now(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    ctx.app.send_now(id, ctx.now)?;
    ctx.shared.mail.kick();
    Ok(Resp::see_other("/admin?done=sending#mail".into()))
}
