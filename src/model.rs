//! The rules of a link's life, as pure functions of `now`.
//!
//! Nothing here reads the clock, the database or the network: callers pass
//! the instant they read once per request, so every rule can be tested to
//! the second.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// The six states a participant link can be in (see SPEC.md, "window").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkState {
    Early,
    Open,
    Expired,
    Cancelled,
    Revoked,
    Unknown,
}

impl LinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Early => "early",
            LinkState::Open => "open",
            LinkState::Expired => "expired",
            LinkState::Cancelled => "cancelled",
            LinkState::Revoked => "revoked",
            LinkState::Unknown => "unknown",
        }
    }

    /// The status code of the participant page and the JSON check.
    pub fn http_status(self) -> u16 {
        match self {
            LinkState::Early | LinkState::Open => 200,
            LinkState::Expired | LinkState::Cancelled | LinkState::Revoked => 410,
            LinkState::Unknown => 404,
        }
    }

    /// May a typed code still lead to the link's page?
    pub fn is_live(self) -> bool {
        matches!(self, LinkState::Early | LinkState::Open)
    }
}

/// How wide the window around a session is, from the practice settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowRule {
    pub join_opens_minutes: i64,
    pub link_expires_minutes: i64,
}

impl Default for WindowRule {
    fn default() -> Self {
        WindowRule { join_opens_minutes: 10, link_expires_minutes: 30 }
    }
}

/// When a participant link opens and closes. The window is half-open:
/// `opens_at <= now < expires_at` is `open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens_at: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Window {
    pub fn new(start: DateTime<Utc>, minutes: i64, rule: WindowRule) -> Window {
        let ends_at = start + Duration::minutes(minutes);
        Window {
            opens_at: start - Duration::minutes(rule.join_opens_minutes),
            starts_at: start,
            ends_at,
            expires_at: ends_at + Duration::minutes(rule.link_expires_minutes),
        }
    }

    /// The state by the clock alone.
    pub fn state_at(&self, now: DateTime<Utc>) -> LinkState {
        if now < self.opens_at {
            LinkState::Early
        } else if now < self.expires_at {
            LinkState::Open
        } else {
            LinkState::Expired
        }
    }
}

/// What is known about a link apart from the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkFacts {
    /// The link was rotated, or its participant removed.
    pub revoked: bool,
    /// The appointment was cancelled.
    pub cancelled: bool,
}

/// The state of a link that exists. A revoked link says only `revoked`,
/// even if its appointment was later cancelled or moved: whoever holds an
/// old link learns nothing about the session. Cancelling outranks the clock.
pub fn link_state(now: DateTime<Utc>, window: &Window, facts: LinkFacts) -> LinkState {
    if facts.revoked {
        LinkState::Revoked
    } else if facts.cancelled {
        LinkState::Cancelled
    } else {
        window.state_at(now)
    }
}

/// Can an appointment still be moved? Once its links have expired they stay
/// expired for good, so a finished session is not brought back to life.
pub fn can_move(now: DateTime<Utc>, window: &Window, cancelled: bool) -> bool {
    !cancelled && window.state_at(now) != LinkState::Expired
}

/// Would an appointment of this window have expired links the moment it is
/// made or moved (SPEC: such a time is refused unless forced, so a typo in
/// the date cannot kill a client's links)?
pub fn expired_on_arrival(now: DateTime<Utc>, window: &Window) -> bool {
    window.state_at(now) == LinkState::Expired
}

/// Do two sessions share a moment? `[start, start + minutes)` each, UTC
/// seconds and minutes; touching ends (one ends as the next starts) do not
/// overlap.
pub fn overlaps(a_start: i64, a_minutes: i64, b_start: i64, b_minutes: i64) -> bool {
    a_start < b_start + b_minutes * 60 && b_start < a_start + a_minutes * 60
}

/// Longest appointment accepted: twelve hours.
pub const MAX_MINUTES: i64 = 12 * 60;

/// Most clients in one appointment: a family or a small group. Every
/// participant of every session of a series gets a link, reminders and
/// audit entries, so one booking form must not be able to make thousands.
pub const MAX_PARTICIPANTS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, s).unwrap()
    }

    /// A 50-minute session at 14:00 with the default rule: opens 13:50:00,
    /// ends 14:50:00, expires 15:20:00.
    fn session() -> Window {
        Window::new(at(14, 0, 0), 50, WindowRule::default())
    }

    const LIVE: LinkFacts = LinkFacts { revoked: false, cancelled: false };

    #[test]
    fn window_edges_to_the_second() {
        let w = session();
        assert_eq!(w.opens_at, at(13, 50, 0));
        assert_eq!(w.ends_at, at(14, 50, 0));
        assert_eq!(w.expires_at, at(15, 20, 0));
        let cases = [
            (at(0, 0, 0), LinkState::Early),
            (at(13, 49, 59), LinkState::Early),
            (at(13, 50, 0), LinkState::Open),
            (at(14, 0, 0), LinkState::Open),
            (at(14, 50, 0), LinkState::Open),
            (at(15, 19, 59), LinkState::Open),
            (at(15, 20, 0), LinkState::Expired),
            (at(23, 59, 59), LinkState::Expired),
        ];
        for (now, want) in cases {
            assert_eq!(link_state(now, &w, LIVE), want, "at {now}");
        }
    }

    #[test]
    fn every_second_around_each_edge_has_exactly_one_state() {
        let w = session();
        let mut last = LinkState::Early;
        let mut changes = vec![];
        let mut now = at(13, 40, 0);
        while now <= at(15, 30, 0) {
            let s = link_state(now, &w, LIVE);
            if s != last {
                changes.push((now, s));
                last = s;
            }
            now += Duration::seconds(1);
        }
        assert_eq!(changes, vec![(at(13, 50, 0), LinkState::Open), (at(15, 20, 0), LinkState::Expired)]);
    }

    #[test]
    fn revoked_outranks_cancelled_which_outranks_the_clock() {
        let w = session();
        for now in [at(10, 0, 0), at(14, 0, 0), at(20, 0, 0)] {
            assert_eq!(link_state(now, &w, LinkFacts { revoked: true, cancelled: true }), LinkState::Revoked);
            assert_eq!(link_state(now, &w, LinkFacts { revoked: true, cancelled: false }), LinkState::Revoked);
            assert_eq!(link_state(now, &w, LinkFacts { revoked: false, cancelled: true }), LinkState::Cancelled);
        }
    }

    #[test]
    fn the_rule_sets_the_window_width() {
        let rule = WindowRule { join_opens_minutes: 0, link_expires_minutes: 0 };
        let w = Window::new(at(14, 0, 0), 50, rule);
        assert_eq!(w.state_at(at(13, 59, 59)), LinkState::Early);
        assert_eq!(w.state_at(at(14, 0, 0)), LinkState::Open);
        assert_eq!(w.state_at(at(14, 49, 59)), LinkState::Open);
        assert_eq!(w.state_at(at(14, 50, 0)), LinkState::Expired);
    }

    #[test]
    fn status_codes_follow_the_spec() {
        use LinkState::*;
        let codes: Vec<u16> =
            [Early, Open, Expired, Cancelled, Revoked, Unknown].iter().map(|s| s.http_status()).collect();
        assert_eq!(codes, [200, 200, 410, 410, 410, 404]);
        assert!(Early.is_live() && Open.is_live());
        assert!(![Expired, Cancelled, Revoked, Unknown].iter().any(|s| s.is_live()));
    }

    #[test]
    fn only_unfinished_uncancelled_sessions_move() {
        let w = session();
        assert!(can_move(at(9, 0, 0), &w, false));
        assert!(can_move(at(15, 19, 59), &w, false));
        assert!(!can_move(at(15, 20, 0), &w, false));
        assert!(!can_move(at(9, 0, 0), &w, true));
        assert!(!expired_on_arrival(at(15, 19, 59), &w));
        assert!(expired_on_arrival(at(15, 20, 0), &w));
    }

    #[test]
    fn sessions_overlap_when_they_share_a_minute_not_when_they_touch() {
        let h = 3600;
        assert!(overlaps(10 * h, 50, 10 * h + 49 * 60, 50), "starts before the other ends");
        assert!(overlaps(10 * h, 120, 10 * h + 30 * 60, 10), "inside the other");
        assert!(overlaps(10 * h + 30 * 60, 10, 10 * h, 120), "either way round");
        assert!(!overlaps(10 * h, 50, 10 * h + 50 * 60, 50), "back to back");
        assert!(!overlaps(11 * h, 50, 10 * h, 60), "back to back, the other way");
    }
}
