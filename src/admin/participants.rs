//! Who takes part in one session: "Add a client" and "Remove" on the
//! appointment page, the removal's confirmation page.

use serde::Serialize;

use super::{Ctx, Frame};
use crate::app::{ClientView, Removed};
use crate::error::{Error, Result};
use crate::http::Resp;
use crate::times::Local;

/// What the appointment page shows for changing its people.
#[derive(Serialize, Default)]
pub struct People {
    /// Active clients not in the session, for "Add a client".
    pub addable: Vec<ClientView>,
}

/// The appointment page's part: the clients that can be added to `id`.
pub fn people(ctx: &mut Ctx<'_>, id: i64) -> Result<People> {
    let view = ctx.app.appointment_view(id, ctx.now)?;
    let taken: Vec<i64> = view.participants.iter().map(|p| p.client_id).collect();
    let addable = ctx.app.list_clients()?.into_iter().filter(|c| !c.archived && !taken.contains(&c.id)).collect();
    Ok(People { addable })
}

/// The `client` field of a form.
fn client_field(ctx: &Ctx<'_>) -> Result<i64> {
    ctx.req.field("client").and_then(|c| c.parse::<i64>().ok()).ok_or_else(|| Error::input("choose a client"))
}

/// `POST /admin/appointments/{id}/participants`, field `client`.
pub fn add(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let client = client_field(ctx)?;
    ctx.app.add_participant(id, client, ctx.now)?;
    Ok(Resp::see_other(format!("/admin/appointments/{id}?done=participant-added#p-{id}-{client}")))
}

#[derive(Serialize)]
struct RemovePage {
    #[serde(flatten)]
    frame: Frame,
    id: i64,
    client_id: i64,
    name: String,
    when: String,
    others: Vec<String>,
}

/// `GET /admin/appointments/{id}/remove?client=N`: the confirmation step.
pub fn remove_form(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let client =
        ctx.req.param("client").and_then(|c| c.parse::<i64>().ok()).ok_or_else(|| Error::input("no client"))?;
    let zone = ctx.app.settings()?.timezone;
    let view = ctx.app.appointment_view(id, ctx.now)?;
    let Some(who) = view.participants.iter().find(|p| p.client_id == client) else {
        return Ok(Resp::see_other(format!("/admin/appointments/{id}")));
    };
    let start = view.start.parse().map_err(|_| Error::internal("bad stored time"))?;
    let page = RemovePage {
        frame: ctx.frame("today")?,
        id,
        client_id: client,
        name: who.name.clone(),
        when: Local::new(start, zone).line(),
        others: view.participants.iter().filter(|p| p.client_id != client).map(|p| p.name.clone()).collect(),
    };
    ctx.render(200, "admin_remove.html", page)
}

/// `POST /admin/appointments/{id}/remove`, field `client`.
pub fn remove(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let client = client_field(ctx)?;
    let done = match ctx.app.remove_participant(id, client, ctx.now)? {
        Removed::CancellationPlanned => "removed-told",
        Removed::NothingSent => "removed",
    };
    Ok(Resp::see_other(format!("/admin/appointments/{id}?done={done}#top")))
}
