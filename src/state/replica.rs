//! How the continuous copy stands: what Litestream last said of it
//! (asked by `server::chores::watch_replica` every [`ASK_EVERY`]) and the
//! one rule that turns that into the dashboard's line, [`judge`].

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::fetch::replica::Replica;

/// How often Litestream is asked while `litestream_socket` is set.
pub const ASK_EVERY: Duration = Duration::from_secs(10);

/// A copy older than this has stalled. Litestream syncs every second
/// (its `sync-interval`) and stamps idle syncs too, and retries a
/// failing replica with a back-off of 1, 2, 4 … s: two minutes without a
/// sync is several failed tries in a row, not a hiccup.
pub const STALL_AFTER: chrono::TimeDelta = chrono::TimeDelta::seconds(120);

/// The last answer, kept for the dashboard.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// The socket asked (the setting when asked).
    pub socket: Option<PathBuf>,
    /// When Litestream was first asked since the server started or the
    /// setting changed.
    pub since: Option<DateTime<Utc>>,
    /// When it was last asked, and what came back.
    pub last: Option<(DateTime<Utc>, Result<Replica, String>)>,
}

/// The dashboard's word on the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Not asked yet (the server just started).
    Asking,
    /// The replica took a sync `age` ago, within [`STALL_AFTER`].
    Current { age: chrono::TimeDelta },
    /// Nothing has reached the replica since `at` (`None`: never, in the
    /// [`STALL_AFTER`] since Porchlight first asked).
    Stalled { at: Option<DateTime<Utc>> },
    /// Litestream holds the database but does not copy it.
    NotCopying { status: String },
    /// Litestream could not be asked, or does not copy this database.
    Unreachable { why: String },
}

impl Freshness {
    /// Worth an alert on the dashboard and a line in the log.
    pub fn alarming(&self) -> bool {
        !matches!(self, Freshness::Asking | Freshness::Current { .. })
    }

    /// The sentence for the dashboard and the log, times written by
    /// `when` (the practice's local time there, RFC 3339 in the log).
    pub fn describe(&self, when: impl Fn(DateTime<Utc>) -> String) -> String {
        match self {
            Freshness::Asking => "Continuous copy: asking Litestream how it stands.".into(),
            Freshness::Current { age } => {
                format!("Continuous copy: current, last synced to the replica {} ago.", span(*age))
            }
            Freshness::Stalled { at: Some(at) } => format!(
                "Continuous copy stalled: nothing has reached the replica since {}. Litestream's log says why \
                 (journalctl -u litestream); until it is fixed, changes since then are only on this box.",
                when(*at)
            ),
            Freshness::Stalled { at: None } => "Continuous copy stalled: Litestream has not yet synced this \
                database to its replica. Its log says why (journalctl -u litestream)."
                .into(),
            Freshness::NotCopying { status } => format!(
                "Continuous copy stopped: Litestream holds this database but does not copy it (it says {status:?})."
            ),
            Freshness::Unreachable { why } => format!("Continuous copy unknown: {why}."),
        }
    }
}

/// `3 s`, `1 min 5 s`.
fn span(age: chrono::TimeDelta) -> String {
    let s = age.num_seconds();
    if s < 60 { format!("{s} s") } else { format!("{} min {} s", s / 60, s % 60) }
}

/// The rule: how fresh the copy is at `now` (wall-clock time, as
/// Litestream stamps its syncs; never the practice's guarded clock).
/// A sync stamped in the future (a clock set back) counts as just now.
pub fn judge(status: &Status, now: DateTime<Utc>) -> Freshness {
    let Some((_, answer)) = &status.last else { return Freshness::Asking };
    let replica = match answer {
        Ok(r) => r,
        Err(why) => return Freshness::Unreachable { why: why.clone() },
    };
    if replica.status != "replicating" {
        return Freshness::NotCopying { status: replica.status.clone() };
    }
    match replica.last_sync_at {
        Some(at) if now - at <= STALL_AFTER => Freshness::Current { age: (now - at).max(chrono::TimeDelta::zero()) },
        Some(at) => Freshness::Stalled { at: Some(at) },
        None if status.since.is_some_and(|s| now - s > STALL_AFTER) => Freshness::Stalled { at: None },
        None => Freshness::Asking,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn answered(answer: Result<Replica, String>) -> Status {
        Status {
            socket: Some("/x.sock".into()),
            since: Some(at("2026-12-01T10:00:00Z")),
            last: Some((at("2026-12-01T10:00:00Z"), answer)),
        }
    }

    fn synced(when: Option<&str>) -> Status {
        answered(Ok(Replica { status: "replicating".into(), last_sync_at: when.map(at) }))
    }

    #[test]
    fn a_copy_is_current_for_two_minutes_after_its_last_sync() {
        let s = synced(Some("2026-12-01T10:00:00Z"));
        let seconds = |n| chrono::TimeDelta::seconds(n);
        assert_eq!(judge(&s, at("2026-12-01T10:00:03Z")), Freshness::Current { age: seconds(3) });
        assert_eq!(judge(&s, at("2026-12-01T10:02:00Z")), Freshness::Current { age: seconds(120) });
        assert_eq!(judge(&s, at("2026-12-01T10:02:01Z")), Freshness::Stalled { at: Some(at("2026-12-01T10:00:00Z")) });
        assert!(judge(&s, at("2026-12-01T10:02:01Z")).alarming());
        // A sync stamped ahead of this machine's clock is not a negative age.
        assert_eq!(judge(&s, at("2026-12-01T09:59:00Z")), Freshness::Current { age: seconds(0) });
    }

    #[test]
    fn each_state_is_said_in_words_with_the_time_given() {
        let when = |t: DateTime<Utc>| t.format("%H:%M").to_string();
        let said = |f: Freshness| f.describe(when);
        assert_eq!(
            said(Freshness::Current { age: chrono::TimeDelta::seconds(65) }),
            "Continuous copy: current, last synced to the replica 1 min 5 s ago."
        );
        let stalled = said(Freshness::Stalled { at: Some(at("2026-12-01T10:00:00Z")) });
        assert!(stalled.starts_with("Continuous copy stalled: nothing has reached the replica since 10:00."));
        assert!(said(Freshness::Unreachable { why: "nothing answers at /s".into() }).ends_with("answers at /s."));
    }

    #[test]
    fn a_copy_that_never_synced_stalls_two_minutes_after_the_first_question() {
        let s = synced(None);
        assert_eq!(judge(&s, at("2026-12-01T10:01:00Z")), Freshness::Asking);
        assert_eq!(judge(&s, at("2026-12-01T10:02:01Z")), Freshness::Stalled { at: None });
    }

    #[test]
    fn not_asked_not_copying_and_unreachable_are_told_apart() {
        assert_eq!(judge(&Status::default(), at("2026-12-01T10:00:00Z")), Freshness::Asking);
        assert!(!Freshness::Asking.alarming());
        let stopped = answered(Ok(Replica { status: "stopped".into(), last_sync_at: None }));
        assert_eq!(judge(&stopped, at("2026-12-01T10:00:01Z")), Freshness::NotCopying { status: "stopped".into() });
        let gone = answered(Err("nothing answers".into()));
        let judged = judge(&gone, at("2026-12-01T10:00:01Z"));
        assert_eq!(judged, Freshness::Unreachable { why: "nothing answers".into() });
        assert!(judged.alarming());
    }
}
