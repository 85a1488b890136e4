//! Appointments: create (one client or several), move, cancel, rotate a
//! participant's link.

use serde::Serialize;

use super::today::{self, Card};
use super::{Ctx, Form, Frame};
use crate::app::ClientView;
use crate::app::booking::{Booked, Booking};
use crate::app::schedule::{Force, Review};
use crate::error::{Error, Result};
use crate::http::Resp;
use crate::times::{self, Local};

#[derive(Serialize)]
struct NewPage<'a> {
    #[serde(flatten)]
    frame: Frame,
    clients: Vec<ClientView>,
    selected: Vec<i64>,
    zone: String,
    /// The "Repeats" menu: (value, words).
    repeats: Vec<(&'static str, String)>,
    form: &'a Form,
    confirm: Option<Confirm>,
    /// `session_minutes`, which "Remember this length" sets.
    usual: i64,
}

/// What the clinician is asked to confirm before a time is used (SPEC:
/// "The admin page asks for confirmation in both cases").
#[derive(Serialize)]
struct Confirm {
    warnings: Vec<String>,
    /// Carried by the "anyway" button: the time it was shown for. A form
    /// sent back with another time is reviewed again.
    value: String,
}

impl Confirm {
    fn value(start: chrono::DateTime<chrono::Utc>, minutes: i64) -> String {
        format!("{}.{minutes}", start.timestamp())
    }

    /// `None` when there is nothing to confirm or the clinician confirmed
    /// exactly this time.
    fn needed(review: &Review, form: &Form, start: chrono::DateTime<chrono::Utc>, minutes: i64) -> Option<Confirm> {
        let value = Confirm::value(start, minutes);
        (!review.is_clear() && form.get("confirm") != value).then(|| Confirm { warnings: review.sentences(), value })
    }
}

#[derive(Serialize)]
struct EditPage<'a> {
    #[serde(flatten)]
    frame: Frame,
    card: Card,
    date: String,
    zone: String,
    form: &'a Form,
    messages: Vec<super::mail::Line>,
    /// Its new time or cancellation, if mail will not carry it.
    untold: Vec<super::mail::Untold>,
    loopback: Option<crate::app::LoopbackFix>,
    confirm: Option<Confirm>,
    /// The series this session is part of.
    series: Option<super::series::Membership>,
    /// The booking form for the next slot after this session.
    another: Option<String>,
    /// The session's local date, `YYYY-MM-DD`, for its week's view.
    week: String,
    /// "and every later session" was ticked (kept through a confirmation).
    following: bool,
    people: super::participants::People,
    /// The one-tap running-late notes.
    presets: [&'static str; 2],
}

/// The client ids ticked in a form.
fn selected(ctx: &Ctx<'_>) -> Vec<i64> {
    ctx.req.form().into_iter().filter(|(k, _)| k == "client").filter_map(|(_, v)| v.parse().ok()).collect()
}

/// Read the date, time and length fields; errors go next to their field.
fn when(ctx: &mut Ctx<'_>, form: &mut Form) -> Result<Option<(chrono::DateTime<chrono::Utc>, i64)>> {
    let zone = ctx.app.settings()?.timezone;
    let (date, time) = (form.get("date").trim().to_string(), form.get("time").trim().to_string());
    let start = if date.is_empty() || time.is_empty() {
        form.errors.insert("time".into(), "Give a date and a time.".into());
        None
    } else {
        form.check("time", times::parse_input(&format!("{date}T{time}"), zone))
    };
    let minutes =
        form.get("minutes").trim().parse::<i64>().ok().filter(|m| (1..=crate::model::MAX_MINUTES).contains(m));
    if minutes.is_none() {
        form.errors.insert("minutes".into(), format!("Give a length from 1 to {} minutes.", crate::model::MAX_MINUTES));
    }
    Ok(start.zip(minutes))
}

pub fn new_form(ctx: &mut Ctx<'_>, form: Option<Form>) -> Result<Resp> {
    new_page(ctx, form, None)
}

fn new_page(ctx: &mut Ctx<'_>, form: Option<Form>, confirm: Option<Confirm>) -> Result<Resp> {
    let clients: Vec<ClientView> = ctx.app.list_clients()?.into_iter().filter(|c| !c.archived).collect();
    let (form, selected) = match form {
        Some(form) => (form, selected(ctx)),
        None => super::booking::start(ctx)?,
    };
    let status = if form.ok() { 200 } else { 400 };
    let zone = ctx.app.settings()?.timezone.name().to_string();
    let frame = ctx.frame("new")?;
    let usual = super::booking::usual(ctx)?;
    let repeats = super::series::menu(form.get("date"));
    ctx.render(
        status,
        "admin_appt_new.html",
        NewPage { frame, clients, selected, zone, repeats, form: &form, confirm, usual },
    )
}

pub fn create(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let mut form = Form::from_req(ctx.req);
    let clients = selected(ctx);
    // One name per line: a new couple is two lines.
    let new_clients: Vec<String> =
        form.get("new_clients").lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    if clients.is_empty() && new_clients.is_empty() {
        form.errors.insert(
            "client".into(),
            "Choose at least one client (two or more for a couple or family), or type a new client's name.".into(),
        );
    }
    form.check("new_clients", ctx.app.check_new_names(&new_clients));
    let when = when(ctx, &mut form)?;
    let zone = ctx.app.settings()?.timezone;
    let Some((start, minutes)) = when else { return new_form(ctx, Some(form)) };
    let repeat = super::series::rule_of(&mut form, start, zone);
    if !form.ok() {
        return new_form(ctx, Some(form));
    }
    let review = ctx.app.review_time(start, minutes, None, ctx.now)?;
    if let Some(confirm) = Confirm::needed(&review, &form, start, minutes) {
        return new_page(ctx, Some(form), Some(confirm));
    }
    let booking = Booking { clients: &clients, new_clients: &new_clients, start, minutes, repeat, force: Force::Yes };
    let field = if repeat.is_some() { "repeat" } else { "client" };
    let booked = ctx.app.book(&booking, ctx.now);
    if let Some(first) = form.check(field, booked).and_then(|b| b.first_id().map(|id| (id, b))) {
        super::booking::remember_length(ctx, &form, minutes);
        let done = if matches!(first.1, Booked::Series(_)) { "series-created" } else { "created" };
        return Ok(Resp::see_other(format!("/admin/appointments/{}?done={done}", first.0)));
    }
    new_form(ctx, Some(form))
}

pub fn edit_form(ctx: &mut Ctx<'_>, id: i64, form: Option<Form>) -> Result<Resp> {
    edit_page(ctx, id, form, None)
}

fn edit_page(ctx: &mut Ctx<'_>, id: i64, form: Option<Form>, confirm: Option<Confirm>) -> Result<Resp> {
    let zone = ctx.app.settings()?.timezone;
    let view = ctx.app.appointment_view(id, ctx.now)?;
    let series = super::series::membership(ctx, view.series_id)?;
    let another = if view.status == "cancelled" {
        None
    } else {
        super::booking::another(&view, zone, series.as_ref().map(|s| s.repeat))
    };
    let week = view
        .start
        .parse::<chrono::DateTime<chrono::Utc>>()
        .map_or_else(|_| String::new(), |t| t.with_timezone(&zone).format("%Y-%m-%d").to_string());
    let waiting = today::waiting(ctx)?;
    let (date, card) = today::card(ctx, view, &waiting)?;
    // A form of another section (the note, Send again) still shows the
    // move fields with the session's time.
    let mut form = form.unwrap_or_default();
    if !form.values.contains_key("date") {
        let start = times::from_unix(ctx.app.appointment_row(id).map(|r| r.start_at).unwrap_or_default());
        let local = start.with_timezone(&zone);
        form.values.insert("date".into(), local.format("%Y-%m-%d").to_string());
        form.values.insert("time".into(), local.format("%H:%M").to_string());
        form.values.insert("minutes".into(), card.minutes.to_string());
    }
    if let Some(note) = &card.late_note {
        form.values.entry("note".into()).or_insert_with(|| note.clone());
    }
    let status = if form.ok() { 200 } else { 400 };
    let frame = ctx.frame("today")?;
    let rows = ctx.app.outbox_of(id)?;
    let messages = super::mail::lines(ctx, rows)?;
    let untold = super::mail::untold(ctx, Some(id))?;
    let loopback = today::loopback(ctx)?;
    let following = form.get("following") == "1";
    let people = super::participants::people(ctx, id)?;
    let zone = zone.name().to_string();
    let page = EditPage {
        frame,
        card,
        date,
        zone,
        form: &form,
        messages,
        untold,
        loopback,
        confirm,
        series,
        following,
        another,
        week,
        people,
        presets: crate::app::late::PRESETS,
    };
    let room = crate::video::origin(&*ctx.app.settings()?);
    ctx.render(status, "admin_appt.html", page).map(|r| r.with_form_action(room))
}

pub fn move_to(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let mut form = Form::from_req(ctx.req);
    if let Some((start, minutes)) = when(ctx, &mut form)? {
        let review = ctx.app.review_time(start, minutes, Some(id), ctx.now)?;
        if let Some(confirm) = Confirm::needed(&review, &form, start, minutes) {
            return edit_page(ctx, id, Some(form), Some(confirm));
        }
        let result = if form.get("following") == "1" {
            ctx.app.move_following(id, start, Some(minutes), Force::Yes, ctx.now)
        } else {
            ctx.app.reschedule(id, start, Some(minutes), Force::Yes, ctx.now)
        };
        if form.check("time", result).is_some() {
            // `#top`: without a fragment of its own the redirect keeps the
            // form's `#move-h` (RFC 9110 section 10.2.2), and "Moved" is
            // shown at the top.
            return Ok(Resp::see_other(format!("/admin/appointments/{id}?done=moved#top")));
        }
    }
    edit_form(ctx, id, Some(form))
}

#[derive(Serialize)]
struct CancelPage {
    #[serde(flatten)]
    frame: Frame,
    id: i64,
    when: String,
    names: Vec<String>,
    /// Part of a series: offer "this and every later session".
    series: Option<super::series::Membership>,
}

/// The confirmation step before cancelling.
pub fn cancel_form(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let zone = ctx.app.settings()?.timezone;
    let view = ctx.app.appointment_view(id, ctx.now)?;
    if view.status == "cancelled" {
        return Ok(Resp::see_other(format!("/admin/appointments/{id}")));
    }
    let start = view.start.parse().map_err(|_| Error::internal("bad stored time"))?;
    let frame = ctx.frame("today")?;
    let page = CancelPage {
        frame,
        id,
        when: Local::new(start, zone).line(),
        names: view.participants.into_iter().map(|p| p.name).collect(),
        series: super::series::membership(ctx, view.series_id)?,
    };
    ctx.render(200, "admin_cancel.html", page)
}

pub fn cancel(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    if ctx.req.field("scope").as_deref() == Some("following") {
        ctx.app.cancel_following(id, ctx.now)?;
        return Ok(Resp::see_other(format!("/admin/appointments/{id}?done=following-cancelled")));
    }
    ctx.app.cancel_appointment(id, ctx.now)?;
    Ok(Resp::see_other(format!("/admin/appointments/{id}?done=cancelled")))
}

pub fn rotate(ctx: &mut Ctx<'_>, id: i64) -> Result<Resp> {
    let client =
        ctx.req.field("client").and_then(|c| c.parse::<i64>().ok()).ok_or_else(|| Error::input("no client"))?;
    ctx.app.rotate_link(id, client, ctx.now)?;
    let back = if ctx.req.field("back").as_deref() == Some("today") {
        "/admin".to_string()
    } else {
        format!("/admin/appointments/{id}")
    };
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Resp::see_other(format!("{back}{sep}done=rotated#appt-{id}")))
}
