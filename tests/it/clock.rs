//! The clock guard: when the system clock is behind the highest time
//! Porchlight has seen, links are judged by that time, so a clock that
//! jumps back never revives an expired link; and everyone is told.

use crate::support::{Practice, minutes, now};

/// Pretend an earlier run saw `hours` hours in the future.
fn mark_future(p: &Practice, hours: i64) {
    let db = rusqlite::Connection::open(p.path().join("porchlight.db")).expect("open db");
    let high = (now() + chrono::Duration::hours(hours)).timestamp();
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('clock_high', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [high.to_string()],
    )
    .expect("set mark");
}

#[test]
fn a_clock_that_went_back_does_not_revive_expired_links() {
    let p = Practice::new();
    // By the system clock this session starts in an hour: early.
    let (_, appt) = p.solo("Late Clock", now() + minutes(60));
    assert_eq!(p.state(&appt.link(0)), "early");
    // A run three hours later saw the session end.
    mark_future(&p, 3);
    let out = p.run(&["check", &appt.link(0), "--json"]);
    assert_eq!(out.json()["state"], "expired");
    assert!(out.stderr.contains("behind the latest time seen"), "{}", out.stderr);

    let server = p.serve();
    let page = server.get(&format!("/v/{}", appt.token(0)));
    assert_eq!(page.status, 410, "the page follows the guarded time");
    assert!(server.stderr_shows("WARNING: the system clock is"), "{}", server.stderr());
}
