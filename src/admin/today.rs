//! The dashboard: who is waiting, and today's and the next 14 days'
//! sessions with every participant's link, code and ready-to-send message.

use chrono::Duration;
use serde::Serialize;

use super::{Ctx, Frame};
use crate::app::late;
use crate::app::message::Invitation;
use crate::app::untold::unmailable;
use crate::app::{ApptView, LoopbackFix};
use crate::error::Result;
use crate::http::Resp;
use crate::model::{LinkState, can_move};
use crate::settings::Provider;
use crate::state::presence::Stage;
use crate::times::{self, Local};

/// Days shown after today.
const DAYS_AHEAD: i64 = 14;

#[derive(Serialize)]
struct Page {
    #[serde(flatten)]
    frame: Frame,
    server_time: String,
    /// Seconds the system clock is behind the latest time seen, if wrong.
    clock_behind: Option<i64>,
    zone: String,
    days: Vec<Day>,
    waiting: Vec<Waiting>,
    /// What stands between Join and a video room, if anything.
    video_problem: Option<String>,
    mail: super::mail::Panel,
    /// New times and cancellations mail will not carry.
    untold: Vec<super::mail::Untold>,
    /// Links open only on this machine: what to do about it.
    loopback: Option<LoopbackFix>,
    backup: BackupNote,
    /// How the calendar sync stands, when `calendar_import_url` is set.
    sync: Option<BackupNote>,
    /// How fresh Litestream's copy is, when `litestream_socket` is set,
    /// or the hint to set it where Litestream has copied this database.
    replica: Option<BackupNote>,
}

/// One line about the nightly backups; `alert` when something is wrong.
#[derive(Serialize)]
struct BackupNote {
    alert: bool,
    text: String,
}

#[derive(Serialize)]
struct Day {
    label: String,
    appointments: Vec<Card>,
}

#[derive(Serialize)]
pub struct Card {
    id: i64,
    time: String,
    iso: String,
    pub minutes: i64,
    cancelled: bool,
    movable: bool,
    /// The window is open: Start (and Admit) can be pressed.
    startable: bool,
    /// Local time the clinician pressed Start.
    started: Option<String>,
    /// Clients who pressed Join wait for Start or Admit.
    gated: bool,
    participants: Vec<Person>,
    /// The series it is a session of.
    series: Option<i64>,
    /// The running-late note those waiting read (`app::late`).
    pub late_note: Option<String>,
    /// The note can be set: not cancelled, window not closed.
    notable: bool,
    /// Mail is set up: "Send the link again" can mail a link.
    mail_on: bool,
}

#[derive(Serialize)]
struct Person {
    client_id: i64,
    name: String,
    state: LinkState,
    link: String,
    code: String,
    message: String,
    waiting_since: Option<String>,
    stage: Option<Stage>,
    admitted: bool,
    /// Past `not_here_after_minutes` and not arrived (`app::late`).
    not_here: bool,
    phone: Option<String>,
    /// `tel:` URI of `phone`.
    tel: Option<String>,
    /// Has an email address and takes email.
    mailable: bool,
}

/// Someone who arrived in an open window.
#[derive(Serialize, Clone)]
pub struct Waiting {
    appointment_id: i64,
    client_id: i64,
    name: String,
    since: String,
    since_local: String,
    stage: Stage,
    /// Past the waiting room: Start, Admit, or no waiting room.
    let_in: bool,
    /// Seconds since their page last asked (a waiting page asks every few).
    quiet_for: i64,
    /// Their device check's one line ("Device checked: OK"), if they ran it.
    device: Option<String>,
}

/// Everyone who opened their page or portal, waits, or went into the room
/// while their session's window is open, earliest first.
pub fn waiting(ctx: &mut Ctx<'_>) -> Result<Vec<Waiting>> {
    let settings = ctx.app.settings()?;
    let (zone, waiting_room) = (settings.timezone, settings.waiting_room);
    let mut out = vec![];
    for a in ctx.shared.presence.snapshot(ctx.now.timestamp()) {
        let Some(appt) = ctx.app.find_appointment(a.appointment_id)? else { continue };
        let window = ctx.app.window_of(&appt)?;
        if appt.cancelled_at.is_some() || window.state_at(ctx.now) != LinkState::Open {
            continue;
        }
        let Some(client) = ctx.app.find_client(a.client_id)? else { continue };
        let admitted = ctx
            .app
            .participant_rows(appt.id)?
            .iter()
            .any(|p| p.client_id == a.client_id && p.link.as_ref().is_some_and(|l| l.admitted));
        let since = times::from_unix(a.stage_since);
        out.push(Waiting {
            appointment_id: a.appointment_id,
            client_id: a.client_id,
            name: client.name,
            since: times::rfc3339(since),
            since_local: Local::new(since, zone).time,
            stage: a.stage,
            let_in: !waiting_room || appt.started_at.is_some() || admitted,
            quiet_for: ctx.now.timestamp() - a.last,
            device: ctx
                .shared
                .presence
                .check_of(a.appointment_id, a.client_id, ctx.now.timestamp())
                .and_then(|c| c.line()),
        });
    }
    out.sort_by(|x, y| x.since.cmp(&y.since));
    Ok(out)
}

pub fn page(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let zone = ctx.app.settings()?.timezone;
    let from = times::start_of_local_day(ctx.now, zone);
    let to = times::start_of_local_day(from + Duration::days(DAYS_AHEAD + 1) + Duration::hours(12), zone);
    let waiting = waiting(ctx)?;
    let today = Local::new(ctx.now, zone).date;
    let mut days: Vec<Day> = vec![];
    for appt in ctx.app.list_appointments(from, to, ctx.now)? {
        let (date, card) = card(ctx, appt, &waiting)?;
        let label = if date == today { format!("Today, {date}") } else { date };
        match days.last_mut() {
            Some(day) if day.label == label => day.appointments.push(card),
            _ => days.push(Day { label, appointments: vec![card] }),
        }
    }
    let frame = ctx.frame("today")?;
    let video_problem = video_problem(ctx)?;
    let mail = super::mail::panel(ctx)?;
    let untold = super::mail::untold(ctx, None)?;
    let loopback = loopback(ctx)?;
    let sync = sync_note(ctx, zone)?;
    // Start redirects to the video room: the page's forms may lead there.
    let room = crate::video::origin(&*ctx.app.settings()?);
    let replica = replica_note(ctx, zone)?;
    ctx.render(
        200,
        "admin_today.html",
        Page {
            frame,
            server_time: times::rfc3339(ctx.now),
            clock_behind: ctx.shared.clock.behind(),
            zone: zone.name().to_string(),
            days,
            waiting,
            video_problem,
            mail,
            untold,
            loopback,
            backup: backup_note(ctx, zone),
            sync,
            replica,
        },
    )
    .map(|r| r.with_form_action(room))
}

/// One appointment as the admin pages show it, with its local date.
pub fn card(ctx: &mut Ctx<'_>, appt: ApptView, waiting: &[Waiting]) -> Result<(String, Card)> {
    let settings = ctx.app.settings()?;
    let base = ctx.app.base_url()?;
    let row = ctx.app.appointment_row(appt.id)?;
    let window = ctx.app.window_of(&row)?;
    let when = Local::new(window.starts_at, settings.timezone);
    let rows = ctx.app.participant_rows(appt.id)?;
    // The session's state now, as its links see it (cancelled first).
    let state = if row.cancelled_at.is_some() { LinkState::Cancelled } else { window.state_at(ctx.now) };
    let mail_on = ctx.app.mail_on()?;
    let mut participants = vec![];
    for p in appt.participants {
        let admitted = rows.iter().any(|r| r.client_id == p.client_id && r.link.as_ref().is_some_and(|l| l.admitted));
        let portal = ctx.app.portal_url(p.client_id)?;
        let first_name = p.name.split_whitespace().next().unwrap_or_default().to_string();
        let client = ctx.app.find_client(p.client_id)?;
        // The message is for the client: in their language, date and all.
        let lang = match &client {
            Some(c) => ctx.app.language_of(c)?,
            None => settings.language,
        };
        let message = Invitation {
            practice: &settings.practice_name,
            first_name: &first_name,
            when: &Local::in_lang(window.starts_at, settings.timezone, lang),
            minutes: row.minutes,
            join_opens_minutes: settings.window.join_opens_minutes,
            link: &p.link,
            code: &p.code,
            base: &base,
            portal: portal.as_deref(),
        }
        .text();
        let arrival = waiting.iter().find(|w| w.appointment_id == appt.id && w.client_id == p.client_id);
        let arrived = arrival.is_some_and(|w| w.stage >= Stage::Waiting);
        let not_here = late::not_here_yet(ctx.now, window.starts_at, settings.not_here_after_minutes, state, arrived);
        let phone = client.as_ref().and_then(|c| c.phone.clone()).filter(|p| !p.trim().is_empty());
        let mailable = client.as_ref().is_some_and(|c| unmailable(true, c.email.as_deref(), c.no_mail).is_none());
        participants.push(Person {
            client_id: p.client_id,
            name: p.name,
            state: p.state,
            link: p.link,
            code: p.code,
            message,
            waiting_since: arrival.map(|w| w.since_local.clone()),
            stage: arrival.map(|w| w.stage),
            admitted,
            not_here,
            tel: phone.as_deref().and_then(late::tel_uri),
            phone,
            mailable,
        });
    }
    let cancelled = row.cancelled_at.is_some();
    let card = Card {
        id: appt.id,
        time: format!("{} {}", when.time, when.abbrev),
        iso: when.iso.clone(),
        minutes: row.minutes,
        cancelled,
        movable: can_move(ctx.now, &window, cancelled),
        startable: state == LinkState::Open,
        started: row.started_at.map(|at| Local::new(times::from_unix(at), settings.timezone).time),
        gated: settings.waiting_room && row.started_at.is_none(),
        participants,
        series: row.series_id,
        late_note: late::note_shown(&row, state).map(str::to_string),
        notable: late::note_settable(state),
        mail_on,
    };
    Ok((when.date, card))
}

/// The warning for pages that show or copy links, when those links open
/// only on this machine.
pub fn loopback(ctx: &mut Ctx<'_>) -> Result<Option<LoopbackFix>> {
    Ok(ctx.app.loopback_base()?.map(|base| LoopbackFix::new(&base, crate::hosts::mdns_name())))
}

/// Why Join would not lead to a video room, in words for the clinician.
fn video_problem(ctx: &mut Ctx<'_>) -> Result<Option<String>> {
    let settings = ctx.app.settings()?;
    let plain_jitsi = settings.video_provider == Provider::Jitsi
        && settings.video_url_template.as_deref().is_some_and(|t| t.starts_with("http://"));
    Ok(match crate::video::unready(&settings) {
        Some(why) => Some(format!("Clients who press Join are told the video room isn't ready: {why}.")),
        None if plain_jitsi => Some(
            "Jitsi is reached over plain http: room tokens travel unencrypted. Use an https video_url_template.".into(),
        ),
        None => None,
    })
}

fn backup_note(ctx: &Ctx<'_>, zone: chrono_tz::Tz) -> BackupNote {
    let status = ctx.shared.backups.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let note = |alert, text: String| BackupNote { alert, text };
    let Some(plan) = status.plan else {
        return note(
            false,
            "No nightly backups: start Porchlight with --backup-dir (a USB stick, say). \
             Settings has a backup to download."
                .into(),
        );
    };
    let dir = plan.dir.display();
    if let Some(why) = status.error {
        return note(true, format!("The last nightly backup failed: {why}"));
    }
    let said = match status.last {
        Some(at) => {
            let l = Local::new(at, zone);
            format!("Last backup: {} at {} {}, in {dir} (the newest {} are kept).", l.date, l.time, l.abbrev, plan.keep)
        }
        None => format!("The first nightly backup into {dir} is on its way."),
    };
    if status.same_disk {
        return note(
            true,
            format!("{said} That folder is on the same disk as the data: a failed disk would take both."),
        );
    }
    note(false, said)
}

/// "Calendar: synced 10:15 (2 new, 1 moved, 0 cancelled)", or the last
/// try's error and what the last good one brought; `None` with sync off.
fn sync_note(ctx: &mut Ctx<'_>, zone: chrono_tz::Tz) -> Result<Option<BackupNote>> {
    if ctx.app.settings()?.calendar_import_url.is_none() {
        return Ok(None);
    }
    let today = Local::new(ctx.now, zone).date;
    let when = |at| {
        let l = Local::new(at, zone);
        if l.date == today { format!("{} {}", l.time, l.abbrev) } else { format!("{} {} {}", l.date, l.time, l.abbrev) }
    };
    let note = |alert, text: String| Some(BackupNote { alert, text });
    let Some(status) = ctx.app.sync_status()? else {
        return Ok(note(false, "Calendar: the first sync is on its way.".into()));
    };
    let brought = status
        .ok
        .map(|(at, c)| (when(at), format!("{} new, {} moved, {} cancelled", c.created, c.updated, c.cancelled)));
    Ok(match (status.error, brought) {
        (None, Some((at, counts))) => note(false, format!("Calendar: synced {at} ({counts}).")),
        (Some(why), Some((at, counts))) => note(
            true,
            format!(
                "Calendar: the last sync at {} failed: {why}; showing what {at} brought ({counts}).",
                when(status.tried_at)
            ),
        ),
        (why, None) => note(
            true,
            format!(
                "Calendar: the last sync at {} failed: {}; nothing has been imported from it yet.",
                when(status.tried_at),
                why.unwrap_or_else(|| "no answer".into())
            ),
        ),
    })
}

/// "Continuous copy: current, last synced 2 s ago", an alert when it
/// stalled or Litestream cannot be asked (`state::replica::judge`), or,
/// with `litestream_socket` unset where Litestream's own folder sits
/// beside the database, how to see it here. `None` otherwise.
fn replica_note(ctx: &mut Ctx<'_>, zone: chrono_tz::Tz) -> Result<Option<BackupNote>> {
    if ctx.app.settings()?.litestream_socket.is_none() {
        let copied = ctx.shared.data.join(format!(".{}-litestream", crate::db::DB_FILE)).is_dir();
        return Ok(copied.then(|| BackupNote {
            alert: false,
            text: "Litestream has copied this database (its folder is beside it). To see here whether the copy is \
                   current, enable its socket and set litestream_socket."
                .into(),
        }));
    }
    let status = ctx.shared.replica.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let judged = crate::state::replica::judge(&status, chrono::Utc::now());
    let when = |at| {
        let l = Local::new(at, zone);
        format!("{} {} {}", l.date, l.time, l.abbrev)
    };
    Ok(Some(BackupNote { alert: judged.alarming(), text: judged.describe(when) }))
}

/// `GET /admin/api/waiting`: polled by the dashboard every few seconds.
pub fn waiting_json(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let waiting = waiting(ctx)?;
    Ok(Resp::json(200, &serde_json::json!({ "server_time": times::rfc3339(ctx.now), "waiting": waiting })))
}
