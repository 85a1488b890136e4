//! The server's own threads beside the requests: batched page views and
//! the clock mark written every [`views::FLUSH_EVERY`], the built-in
//! rooms swept for people who went silent, and repeating series given
//! their sessions as time passes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::state::{Shared, rooms, views};
use crate::store::Store;

/// Write the batched page views and raise the clock mark every
/// [`views::FLUSH_EVERY`], and once more when `stop` is set.
pub fn flush_views(mut store: Store, shared: &Shared, stop: &AtomicBool) {
    let mut last = Instant::now();
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        if stopping || last.elapsed() >= views::FLUSH_EVERY {
            let batch = shared.views.take();
            if let Err(e) = store.note_views(&batch).and_then(|_| store.raise_clock_mark(shared.clock.high())) {
                eprintln!("porchlight: could not record page views: {e}");
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
