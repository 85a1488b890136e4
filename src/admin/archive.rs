//! Archiving a client, after a confirmation page that lists the future
//! sessions it cancels (and the shared ones that go on without them),
//! and restoring one.

use serde::Serialize;

use super::{Ctx, Frame};
use crate::app::{ArchivePlan, ClientView};
use crate::error::Result;
use crate::http::Resp;

#[derive(Serialize)]
struct ConfirmPage {
    #[serde(flatten)]
    frame: Frame,
    client: ClientView,
    plan: ArchivePlan,
    /// Carried by the confirming button: the plan it was shown for.
    value: String,
}

/// `GET /admin/clients/{id}/archive`: what archiving would do, and the
/// button that does it.
pub fn confirm_form(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let client = ctx.app.client_view(id)?;
    if client.archived {
        return Ok(Resp::see_other(format!("/admin/clients#client-{id}")));
    }
    let plan = ctx.app.archive_plan(id, ctx.now)?;
    let value = plan.confirm_value();
    let frame = ctx.frame("clients")?;
    ctx.render(200, "admin_archive.html", ConfirmPage { frame, client, plan, value })
}

/// `POST /admin/clients/{id}/archive`: `archived=0` restores; otherwise
/// the client is archived if they have no future sessions or the form
/// confirmed exactly the sessions that archiving touches now (a session
/// booked since the page was shown is asked about again).
pub fn archive(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    if ctx.req.field("archived").as_deref() == Some("0") {
        ctx.app.restore_client(id, ctx.now)?;
        return Ok(Resp::see_other(format!("/admin/clients?done=unarchived#client-{id}")));
    }
    let plan = ctx.app.archive_plan(id, ctx.now)?;
    if !plan.is_empty() && ctx.req.field("confirm") != Some(plan.confirm_value()) {
        return confirm_form(ctx, id);
    }
    let done = ctx.app.archive_client(id, ctx.now)?;
    let done = if done.is_empty() { "archived" } else { "archived-cancelled" };
    Ok(Resp::see_other(format!("/admin/clients?done={done}#client-{id}")))
}
