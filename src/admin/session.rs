//! Running a session: Start (the clinician's way into the room, which also
//! lets everyone waiting in) and Admit, for one client or all of them.

use super::Ctx;
use crate::app::Started;
use crate::error::{Error, Result};
use crate::http::Resp;

/// `POST /admin/appointments/{id}/start`: opened in a new tab, so the
/// dashboard stays where it was.
pub fn start(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let addr = ctx.req.remote.to_string();
    match ctx.app.start_session(id, ctx.now, &addr) {
        Ok(Started { room: Ok(door), .. }) => Ok(match door.cookie(&ctx.shared.keys, ctx.cookies.secure, ctx.now) {
            Some(cookie) => Resp::see_other(door.url).with("Set-Cookie", cookie),
            None => Resp::see_other(door.url),
        }),
        Ok(Started { room: Err(why), .. }) => Ok(say(
            ctx,
            200,
            "Session started",
            &[
                "Clients who are waiting for this session are let in now.",
                &format!("There is no video room to open: {why}."),
            ],
        )),
        Err(Error::Input(why)) => Ok(say(ctx, 409, "This session can't be started now", &[&why])),
        Err(e) => Err(e),
    }
}

/// `POST /admin/appointments/{id}/admit` with `client` (an id or `all`).
pub fn admit(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let client = match ctx.req.field("client").as_deref() {
        Some("all") => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| Error::input("no such client"))?),
        None => return Err(Error::input("no client")),
    };
    let addr = ctx.req.remote.to_string();
    match ctx.app.admit(id, client, ctx.now, &addr) {
        Ok(_) => {
            let back = if ctx.req.field("back").as_deref() == Some("appointment") {
                format!("/admin/appointments/{id}?done=admitted")
            } else {
                "/admin?done=admitted".to_string()
            };
            Ok(Resp::see_other(format!("{back}#appt-{id}")))
        }
        Err(Error::Input(why)) => Ok(say(ctx, 409, "Nobody was let in", &[&why])),
        Err(e) => Err(e),
    }
}

fn say(ctx: &mut Ctx<'_>, status: u16, title: &str, lines: &[&str]) -> Resp {
    let practice = ctx.app.settings().map(|s| s.practice_name.clone()).unwrap_or_default();
    ctx.shared.pages.message(status, &practice, title, lines)
}
