//! Clients: add, edit, archive, and their portal links.

use serde::Serialize;

use super::{Ctx, Form, Frame};
use crate::app::{ClientView, validate_email, validate_language, validate_name, validate_phone};
use crate::error::Result;
use crate::http::Resp;

#[derive(Serialize)]
struct ListPage<'a> {
    #[serde(flatten)]
    frame: Frame,
    active: Vec<ClientView>,
    archived: Vec<ClientView>,
    form: &'a Form,
    duplicates: Option<Duplicates>,
    languages: Languages,
}

/// Clients a new one may duplicate, asked about before adding.
#[derive(Serialize)]
struct Duplicates {
    similar: Vec<String>,
    /// Carried by "Add anyway": the clients it was shown for. A form
    /// sent back matching other clients is asked about again.
    value: String,
}

impl Duplicates {
    /// `None` when the new client matches nobody, or the clinician
    /// confirmed exactly these matches.
    fn needed(similar: Vec<crate::app::Similar>, form: &Form) -> Option<Duplicates> {
        let value = similar.iter().map(|s| s.id.to_string()).collect::<Vec<_>>().join(".");
        (!similar.is_empty() && form.get("confirm") != value)
            .then(|| Duplicates { similar: similar.iter().map(crate::app::Similar::describe).collect(), value })
    }
}

#[derive(Serialize)]
struct EditPage<'a> {
    #[serde(flatten)]
    frame: Frame,
    client: ClientView,
    form: &'a Form,
    sessions: super::history::Sessions,
    /// The client's repeating series.
    series: Vec<super::series::Line>,
    languages: Languages,
}

/// The language menu of the client forms: the practice's first (the
/// value ""), then each bundled language by its own name.
#[derive(Serialize)]
struct Languages {
    practice: String,
    each: Vec<(&'static str, String)>,
}

impl Languages {
    fn new(ctx: &mut Ctx<'_>) -> Result<Languages> {
        let name = |code: &str| crate::i18n::text(code, "language-name", &[]).unwrap_or_else(|| code.to_string());
        let practice = name(ctx.app.settings()?.language);
        Ok(Languages { practice, each: crate::i18n::available().iter().map(|c| (*c, name(c))).collect() })
    }
}

fn optional(form: &Form, name: &str) -> Option<String> {
    Some(form.get(name).trim().to_string()).filter(|v| !v.is_empty())
}

pub fn list(ctx: &mut Ctx<'_>, form: Option<Form>) -> Result<Resp> {
    list_page(ctx, form, None)
}

fn list_page(ctx: &mut Ctx<'_>, form: Option<Form>, duplicates: Option<Duplicates>) -> Result<Resp> {
    let (archived, active) = ctx.app.list_clients()?.into_iter().partition(|c| c.archived);
    let form = form.unwrap_or_default();
    let status = if form.ok() { 200 } else { 400 };
    let frame = ctx.frame("clients")?;
    let languages = Languages::new(ctx)?;
    ctx.render(status, "admin_clients.html", ListPage { frame, active, archived, form: &form, duplicates, languages })
}

/// Check each field against the client rules, so every mistake shows next
/// to its own field; `None` if any was wrong.
fn fields(form: &mut Form) -> Option<Fields> {
    let (name, email, phone) = (form.get("name").to_string(), optional(form, "email"), optional(form, "phone"));
    let language = optional(form, "language");
    let name = form.check("name", validate_name(&name));
    let email = email.map(|e| form.check("email", validate_email(&e)));
    let phone = phone.map(|p| form.check("phone", validate_phone(&p)));
    let language = language.map(|l| form.check("language", validate_language(&l)));
    if !form.ok() {
        return None;
    }
    Some(Fields { name: name?, email: email.flatten(), phone: phone.flatten(), language: language.flatten() })
}

/// A client form's fields, each checked.
struct Fields {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    /// `None`: the practice's.
    language: Option<&'static str>,
}

pub fn add(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let mut form = Form::from_req(ctx.req);
    let Some(Fields { name, email, phone, language }) = fields(&mut form) else { return list(ctx, Some(form)) };
    let similar = ctx.app.similar_clients(&name, email.as_deref())?;
    if let Some(duplicates) = Duplicates::needed(similar, &form) {
        return list_page(ctx, Some(form), Some(duplicates));
    }
    let result = ctx.app.add_client_in(&name, email.as_deref(), phone.as_deref(), language, ctx.now);
    match form.check("name", result) {
        Some(c) => Ok(Resp::see_other(format!("/admin/clients?done=client-added#client-{}", c.id))),
        None => list(ctx, Some(form)),
    }
}

pub fn edit_form(ctx: &mut Ctx<'_>, id: i64, form: Option<Form>) -> Result<Resp> {
    let client = ctx.app.client_view(id)?;
    let form = form.unwrap_or_else(|| {
        let mut f = Form::default();
        f.values.insert("name".into(), client.name.clone());
        f.values.insert("email".into(), client.email.clone().unwrap_or_default());
        f.values.insert("phone".into(), client.phone.clone().unwrap_or_default());
        if !client.no_mail {
            f.values.insert("mail".into(), "on".into());
        }
        if client.own_language {
            f.values.insert("language".into(), client.language.into());
        }
        f
    });
    let status = if form.ok() { 200 } else { 400 };
    let frame = ctx.frame("clients")?;
    let sessions = super::history::sessions(ctx, id)?;
    let series = super::series::of_client(ctx, id)?;
    let languages = Languages::new(ctx)?;
    ctx.render(status, "admin_client.html", EditPage { frame, client, form: &form, sessions, series, languages })
}

pub fn save(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let mut form = Form::from_req(ctx.req);
    let Some(Fields { name, email, phone, language }) = fields(&mut form) else {
        return edit_form(ctx, id, Some(form));
    };
    let mail = form.get("mail") == "on";
    let result = ctx
        .app
        .edit_client(id, &name, email.as_deref(), phone.as_deref(), ctx.now)
        .and_then(|_| ctx.app.set_client_mail(id, mail, ctx.now))
        .and_then(|_| ctx.app.set_client_language(id, language, ctx.now));
    match form.check("name", result) {
        Some(_) => Ok(Resp::see_other(format!("/admin/clients?done=client-saved#client-{id}"))),
        None => edit_form(ctx, id, Some(form)),
    }
}

pub fn rotate_portal(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    ctx.app.rotate_portal(id, ctx.now)?;
    Ok(Resp::see_other(format!("/admin/clients?done=portal-rotated#client-{id}")))
}
