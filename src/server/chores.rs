//! The server's own threads beside the requests: batched page views and
//! the clock mark written every [`views::FLUSH_EVERY`] (the mark alone
//! every [`views::MARK_WHEN_QUIET`] when nobody opens a page), the built-in
//! rooms swept for people who went silent, repeating series given
//! their sessions as time passes, the synced calendar fetched, and
//! Litestream asked how fresh the continuous copy is.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::app::App;
use crate::app::import::Origin;
use crate::state::replica::{self, Freshness};
use crate::state::{Shared, rooms, views};
use crate::store::Store;

/// Every [`views::FLUSH_EVERY`], write the batched page views with the
/// clock mark in one commit; with no views, the mark alone once every
/// [`views::MARK_WHEN_QUIET`] (`views::write_due`); and once more when
/// `stop` is set.
pub fn flush_views(mut store: Store, shared: &Shared, stop: &AtomicBool) {
    let (mut last, mut marked) = (Instant::now(), Instant::now());
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        if stopping || last.elapsed() >= views::FLUSH_EVERY {
            let batch = shared.views.take();
            if views::write_due(batch.len(), marked.elapsed(), stopping) {
                match store.note_views(&batch, shared.clock.high()) {
                    Ok(()) => marked = Instant::now(),
                    Err(e) => eprintln!("porchlight: could not record page views: {e}"),
                }
            }
            last = Instant::now();
        }
        if stopping {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Sweep the built-in rooms on a clock of their own, not on the event
/// loop (auditing a leaver writes to the disk) nor on requests (an idle
/// server gets none, and one busy room's requests must not be what
/// notices another room empty out).
pub fn sweep_rooms(shared: &Shared, stop: &AtomicBool) {
    let every = shared.hub.sweep_every();
    let mut last = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(every.min(Duration::from_millis(250)));
        if last.elapsed() >= every {
            // A panic here must not end the sweeping for good.
            let swept = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rooms::sweep(shared)));
            if swept.is_err() {
                eprintln!("porchlight: sweeping the video rooms panicked");
            }
            last = Instant::now();
        }
    }
}

/// How often running series are given the sessions their horizon now
/// reaches (`series_horizon_weeks` is counted in weeks: an hour late is
/// never late).
pub const EXTEND_EVERY: Duration = Duration::from_secs(3600);

/// Make the occurrences running series lack, at start and then every
/// [`EXTEND_EVERY`]; new reminders wake the mail sender. The writes wait
/// for the start-up integrity check (the store is gated).
pub fn extend_series(mut app: App, shared: &Shared, stop: &AtomicBool) {
    let mut last: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        if last.is_none_or(|t| t.elapsed() >= EXTEND_EVERY) {
            let now = shared.clock.now(chrono::Utc::now()).now;
            match app.extend_series(now) {
                Ok(0) => {}
                Ok(_) => shared.mail.kick(),
                Err(e) => eprintln!("porchlight: could not make the next sessions of repeating series: {e}"),
            }
            last = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// How often the calendar at `calendar_import_url` is fetched and
/// imported (SPEC, Settings: every 15 minutes).
pub const SYNC_EVERY: Duration = Duration::from_secs(15 * 60);

/// How often the sync looks whether `calendar_import_url` changed (by
/// the settings page or the command line): a new address is fetched
/// within this, not at the next round.
const SETTING_CHECK: Duration = Duration::from_secs(1);

/// While `calendar_import_url` is set: fetch it at start, whenever it
/// changes, and every [`SYNC_EVERY`]; import it as a sync (what left the
/// calendar is cancelled if still to come) and record the outcome for
/// the dashboard. A failed fetch or import changes nothing but the
/// recorded error: the last good result stands. New reminders wake the
/// mail sender.
pub fn sync_calendar(mut app: App, shared: &Shared, stop: &AtomicBool) {
    let mut synced: Option<(String, Instant)> = None;
    let mut looked: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        if looked.is_none_or(|t| t.elapsed() >= SETTING_CHECK) {
            looked = Some(Instant::now());
            let address = match app.settings() {
                Ok(s) => s.calendar_import_url.clone(),
                Err(e) => {
                    eprintln!("porchlight: calendar sync: cannot read the settings: {e}");
                    None
                }
            };
            let due = match (&address, &synced) {
                (None, _) => false,
                (Some(a), Some((was, at))) => a != was || at.elapsed() >= SYNC_EVERY,
                (Some(_), None) => true,
            };
            if let (true, Some(address)) = (due, address) {
                let Some(fetched) = fetch_unless_stopped(&address, stop) else { return };
                sync_once(&mut app, shared, fetched);
                synced = Some((address, Instant::now()));
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Fetch on a thread of its own, so that stopping the server does not
/// wait out a slow calendar server (up to `fetch::TOTAL_TIME`); `None`
/// if the server stops first.
fn fetch_unless_stopped(address: &str, stop: &AtomicBool) -> Option<crate::error::Result<String>> {
    let (tx, rx) = mpsc::channel();
    let address = address.to_string();
    let spawned = std::thread::Builder::new().name("fetch".into()).spawn(move || {
        let _ = tx.send(crate::fetch::calendar(&address));
    });
    if let Err(e) = spawned {
        return Some(Err(crate::error::Error::internal(format!("cannot start the fetch: {e}"))));
    }
    loop {
        match rx.recv_timeout(Duration::from_millis(250)) {
            Ok(fetched) => return Some(fetched),
            Err(mpsc::RecvTimeoutError::Timeout) if !stop.load(Ordering::SeqCst) => {}
            Err(_) => return None,
        }
    }
}

/// Import what was fetched and record how it went. Errors are sentences
/// without the address (`fetch` and `import_calendar` keep it out).
fn sync_once(app: &mut App, shared: &Shared, fetched: crate::error::Result<String>) {
    let now = shared.clock.now(chrono::Utc::now()).now;
    let imported = fetched.and_then(|text| app.import_calendar(&text, Origin::Sync, false, now));
    let recorded = match &imported {
        Ok(report) => app.record_sync(Ok(report), now),
        Err(e) => {
            eprintln!("porchlight: calendar sync: {e}");
            app.record_sync(Err(&e.to_string()), now)
        }
    };
    if let Err(e) = recorded {
        eprintln!("porchlight: calendar sync: could not record the outcome: {e}");
    }
    if imported.is_ok_and(|r| r.created + r.updated + r.cancelled > 0) {
        shared.mail.kick();
    }
}

/// While `litestream_socket` is set: ask Litestream about our database
/// every [`replica::ASK_EVERY`] (and within [`SETTING_CHECK`] of the
/// setting changing), keep the answer for the dashboard, and say on
/// standard error when the copy stops or starts again being current,
/// once each way. Reads only: this thread writes nothing to the database.
pub fn watch_replica(mut app: App, shared: &Shared, stop: &AtomicBool) {
    let db = shared.data.join(crate::db::DB_FILE);
    let mut asked: Option<(Option<std::path::PathBuf>, Instant)> = None;
    let mut looked: Option<Instant> = None;
    let mut alarmed = false;
    while !stop.load(Ordering::SeqCst) {
        if looked.is_none_or(|t| t.elapsed() >= SETTING_CHECK) {
            looked = Some(Instant::now());
            let socket = app.settings().ok().and_then(|s| s.litestream_socket.clone());
            let changed = asked.as_ref().is_none_or(|(was, _)| *was != socket);
            if changed || asked.as_ref().is_some_and(|(_, at)| at.elapsed() >= replica::ASK_EVERY) {
                let judged = ask_replica(shared, socket.as_deref(), &db, changed);
                if socket.is_some() && judged.alarming() != alarmed {
                    alarmed = judged.alarming();
                    eprintln!("porchlight: the continuous copy: {}", judged.describe(|t| t.to_rfc3339()));
                }
                asked = Some((socket, Instant::now()));
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Ask Litestream at `socket` (if set), record the answer (starting
/// afresh when the socket `changed`) and judge it.
fn ask_replica(shared: &Shared, socket: Option<&std::path::Path>, db: &std::path::Path, changed: bool) -> Freshness {
    let answer = socket.map(|path| crate::fetch::replica::ask(path, db));
    let now = chrono::Utc::now();
    let mut status = shared.replica.lock().unwrap_or_else(|p| p.into_inner());
    if changed {
        *status = replica::Status { socket: socket.map(Into::into), since: socket.map(|_| now), last: None };
    }
    status.last = answer.map(|a| (now, a));
    replica::judge(&status, now)
}
