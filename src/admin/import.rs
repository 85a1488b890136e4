//! The Import page (`/admin/import`, SPEC `import ics`): a calendar from
//! another program, uploaded as a `.ics` file or read from its private
//! address (`fetch`), shown first as a preview of what an import would
//! create, update, cancel and leave out (a dry run: nothing written; from
//! an address, the dry run of the sync it may start), then applied by
//! "Import these" from the same text, which waits in memory between the
//! two (`state::imports`), named by a random id rather than sent again;
//! "Keep this calendar in sync" then sets `calendar_import_url`, and the
//! dashboard's "Stop syncing" (`stop_sync`) clears it.
//!
//! The upload is the one request that may be larger than 64 KiB
//! (`router::large_body`, `server::limits::MAX_IMPORT_BODY`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::multipart::Upload;
use super::{Ctx, Frame};
use crate::app::import::{Change, ImportReport, Origin, Unmatched};
use crate::error::{Error, Result};
use crate::http::Resp;
use crate::state::imports;
use crate::times::Local;

#[derive(Serialize)]
struct Page {
    #[serde(flatten)]
    frame: Frame,
    /// `upload` (the form), `preview` or `done`.
    stage: &'static str,
    /// Why the last upload was not read, shown by the form.
    error: Option<String>,
    /// The address typed, shown again with its error.
    address: String,
    /// The file's name, on the preview and after the import.
    file: String,
    /// The id the confirm form sends back.
    id: String,
    /// The calendar came from an address: it may be kept in sync.
    from_address: bool,
    /// "Import these" turned on the sync of that address.
    synced: bool,
    /// The last day of the span imported, in the practice zone.
    until: String,
    report: Option<Report>,
}

/// An import's report as the page shows it: times in the practice zone.
#[derive(Serialize)]
struct Report {
    created: usize,
    updated: usize,
    cancelled: usize,
    unchanged: usize,
    left_out: usize,
    creates: Vec<Row>,
    updates: Vec<Row>,
    cancels: Vec<Row>,
    unmatched: Vec<Left>,
    /// The week of the first appointment written, for the link to it.
    first_week: Option<String>,
}

#[derive(Serialize)]
struct Row {
    when: String,
    /// `YYYY-MM-DD`, for the week view's `?date=`.
    date: String,
    iso: String,
    minutes: i64,
    clients: Vec<Client>,
    appointment_id: Option<i64>,
}

#[derive(Serialize)]
struct Client {
    name: String,
    new: bool,
}

#[derive(Serialize)]
struct Left {
    summary: String,
    when: String,
    why: String,
}

/// A start as the report gives it (RFC 3339), written in the practice zone.
fn when(start: &str, zone: Tz) -> (String, String, String) {
    match DateTime::parse_from_rfc3339(start) {
        Ok(t) => {
            let local = Local::new(t.with_timezone(&Utc), zone);
            let date = t.with_timezone(&zone).format("%Y-%m-%d").to_string();
            (format!("{}, {}", local.date, local.zoned), date, local.iso)
        }
        Err(_) => (start.to_string(), String::new(), String::new()),
    }
}

impl Report {
    fn new(r: &ImportReport, zone: Tz) -> Report {
        let rows = |action: &str| -> Vec<Row> {
            r.changes
                .iter()
                .filter(|c| c.action == action)
                .map(|c: &Change| {
                    let (when, date, iso) = when(&c.start, zone);
                    let clients = c
                        .clients
                        .iter()
                        .map(|name| Client { name: name.clone(), new: c.new_clients.contains(name) })
                        .collect();
                    Row { when, date, iso, minutes: c.minutes, clients, appointment_id: c.appointment_id }
                })
                .collect()
        };
        let unmatched = r
            .unmatched
            .iter()
            .map(|u: &Unmatched| {
                let summary = if u.summary.trim().is_empty() { "(no title)".to_string() } else { u.summary.clone() };
                let when = if u.start.is_empty() { "no usable start".to_string() } else { when(&u.start, zone).0 };
                Left { summary, when, why: u.why.clone() }
            })
            .collect();
        let (creates, updates, cancels) = (rows("create"), rows("update"), rows("cancel"));
        let first_week = creates.iter().chain(&updates).map(|r| r.date.clone()).find(|d| !d.is_empty());
        Report {
            created: r.created,
            updated: r.updated,
            cancelled: r.cancelled,
            unchanged: r.unchanged,
            left_out: r.unmatched.len(),
            creates,
            updates,
            cancels,
            unmatched,
            first_week,
        }
    }
}

fn page(ctx: &mut Ctx<'_>, stage: &'static str) -> Result<Page> {
    let frame = ctx.frame("import")?;
    Ok(Page {
        frame,
        stage,
        error: None,
        address: String::new(),
        file: String::new(),
        id: String::new(),
        from_address: false,
        synced: false,
        until: String::new(),
        report: None,
    })
}

/// `GET /admin/import`: the form.
pub fn form(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let page = page(ctx, "upload")?;
    ctx.render(200, "admin_import.html", page)
}

/// The form again with what was wrong (400).
fn refused(ctx: &mut Ctx<'_>, error: String, address: &str) -> Result<Resp> {
    let mut page = page(ctx, "upload")?;
    page.error = Some(error);
    page.address = address.to_string();
    ctx.render(400, "admin_import.html", page)
}

/// `POST /admin/import` (multipart, already read whole by the gate's CSRF
/// check): the file, or the address, read and previewed without writing.
pub fn preview(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let upload = Upload::read(ctx.req.content_type.as_deref(), &ctx.req.body)?;
    let address = upload.text("address")?.unwrap_or_default().trim().to_string();
    let (name, text) = match upload.file("file") {
        Some(file) => match std::str::from_utf8(file.data) {
            // RFC 5545 §3.1.4: UTF-8; a byte-order mark is not content.
            Ok(text) => (file.filename.clone().unwrap_or_default(), text.trim_start_matches('\u{feff}').to_string()),
            Err(_) => return refused(ctx, "This file is not UTF-8 text, so it is not an iCalendar file.".into(), ""),
        },
        None if !address.is_empty() => match crate::fetch::calendar(&address) {
            // The address is a secret: the page names its host only.
            Ok(text) => (format!("the private address at {}", host_of(&address)), text),
            Err(Error::Input(why)) => return refused(ctx, sentence(&why), &address),
            Err(e) => return Err(e),
        },
        None => return refused(ctx, "Choose a .ics file to import.".into(), ""),
    };
    let now = ctx.now;
    // From an address, the preview is what keeping it in sync (ticked by
    // default) would do, cancellations included.
    let from_address = upload.file("file").is_none();
    let origin = if from_address { Origin::Sync } else { Origin::File };
    let report = match ctx.app.import_calendar(&text, origin, true, now) {
        Ok(report) => report,
        Err(Error::Input(why)) => return refused(ctx, sentence(&why), &address),
        Err(e) => return Err(e),
    };
    let zone = ctx.app.settings()?.timezone;
    let session = ctx.session.as_ref().expect("past the session gate").id.clone();
    let kept = imports::Upload { name: name.clone(), text, address: from_address.then_some(address) };
    let id = ctx.shared.imports.keep(&session, kept, now);
    let mut page = page(ctx, "preview")?;
    page.file = name;
    page.id = id;
    page.from_address = from_address;
    page.until = until(&report, zone);
    page.report = Some(Report::new(&report, zone));
    ctx.render(200, "admin_import.html", page)
}

/// `POST /admin/import/confirm`: the previewed upload imported for good.
/// An id already used, expired or replaced by a newer upload is refused
/// (409) with the way back to the form.
pub fn confirm(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let id = ctx.req.field("id").unwrap_or_default();
    let session = ctx.session.as_ref().expect("past the session gate").id.clone();
    let now = ctx.now;
    let Some(upload) = ctx.shared.imports.take(&session, &id, now) else {
        let mut page = page(ctx, "upload")?;
        page.error = Some(
            "This preview was already imported, replaced by a newer upload, or is over 30 minutes old. \
             Nothing more was written; upload the file again to see a new preview."
                .into(),
        );
        return ctx.render(409, "admin_import.html", page);
    };
    // "Keep it in sync": imported as the sync will import it, so that
    // what later leaves the calendar is cancelled here too.
    let sync = upload.address.as_deref().filter(|_| ctx.req.field("sync").as_deref() == Some("on"));
    let origin = if sync.is_some() { Origin::Sync } else { Origin::File };
    let report = match ctx.app.import_calendar(&upload.text, origin, false, now) {
        Ok(report) => report,
        Err(Error::Input(why)) => return refused(ctx, sentence(&why), ""),
        Err(e) => return Err(e),
    };
    if let Some(address) = sync {
        ctx.app.set_setting("calendar_import_url", address, now)?;
    }
    // Appointments made may have reminders due at once.
    ctx.shared.mail.kick();
    let zone = ctx.app.settings()?.timezone;
    let mut page = page(ctx, "done")?;
    page.file = upload.name;
    page.synced = sync.is_some();
    page.until = until(&report, zone);
    page.report = Some(Report::new(&report, zone));
    ctx.render(200, "admin_import.html", page)
}

/// `POST /admin/import/stop-sync`: `calendar_import_url` reset, from the
/// dashboard (the settings page keeps a secret when its field is left
/// empty, so it cannot clear one). What sync brought stays.
pub fn stop_sync(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let now = ctx.now;
    ctx.app.clear_setting("calendar_import_url", now)?;
    Ok(Resp::see_other("/admin".into()))
}

/// The host of an address, to name it without its secret path.
fn host_of(address: &str) -> String {
    crate::urls::calendar_address(address)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "that address".to_string())
}

/// The span's last day as people read it ("Monday 22 February 2027").
fn until(report: &ImportReport, zone: Tz) -> String {
    let Ok(to) = DateTime::parse_from_rfc3339(&report.to) else { return String::new() };
    Local::new(to.with_timezone(&Utc), zone).date
}

/// An error's words as a sentence for the page.
fn sentence(why: &str) -> String {
    let mut s: String = why.chars().take(1).flat_map(char::to_uppercase).chain(why.chars().skip(1)).collect();
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}
