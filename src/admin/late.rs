//! The session card's minutes before: the running-late note
//! (`POST /admin/appointments/{id}/note`) and "Send the link again"
//! (`POST /admin/appointments/{id}/resend`). The rules are `app::late`'s.

use super::{Ctx, Form};
use crate::error::{Error, Result};
use crate::http::Resp;

/// `POST …/note`: `note` (typed), or `preset` (a one-tap note), or
/// `clear`. A refused note comes back next to its field, as typed.
pub fn note(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let mut form = Form::from_req(ctx.req);
    let clear = !form.get("clear").is_empty();
    let preset = form.get("preset").to_string();
    let typed = if clear {
        String::new()
    } else if !preset.is_empty() {
        preset
    } else {
        form.get("note").to_string()
    };
    let addr = ctx.req.remote.to_string();
    let set = ctx.app.set_late_note(id, &typed, ctx.now, Some(&addr));
    match form.check("note", set) {
        Some(Some(_)) => Ok(Resp::see_other(format!("/admin/appointments/{id}?done=note-set#late-h"))),
        Some(None) => Ok(Resp::see_other(format!("/admin/appointments/{id}?done=note-cleared#late-h"))),
        None => super::appointments::edit_form(ctx, id, Some(form)),
    }
}

/// `POST …/resend` with `client`: the link mailed to them again. A
/// refusal (too soon, no mail, no address) is the session's page (409)
/// saying why next to that person.
pub fn resend(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let client =
        ctx.req.field("client").and_then(|c| c.parse::<i64>().ok()).ok_or_else(|| Error::input("no client"))?;
    let addr = ctx.req.remote.to_string();
    match ctx.app.resend_link(id, client, ctx.now, &addr) {
        Ok(_) => {
            let back = if ctx.req.field("back").as_deref() == Some("today") {
                "/admin?done=resent".to_string()
            } else {
                format!("/admin/appointments/{id}?done=resent")
            };
            Ok(Resp::see_other(format!("{back}#p-{id}-{client}")))
        }
        Err(Error::Input(why)) => {
            // The session's page, with why next to the person's button.
            let mut form = Form::default();
            form.errors.insert(format!("resend-{client}"), why);
            let mut page = super::appointments::edit_form(ctx, id, Some(form))?;
            page.status = 409;
            Ok(page)
        }
        Err(e) => Err(e),
    }
}
