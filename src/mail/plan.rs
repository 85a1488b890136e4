//! Which messages an appointment calls for, and whether a planned message
//! should still go out: pure rules of time, tested to the second.

/// What a message is about (stored with each outbox row).
pub use crate::store::MessageKind as Kind;

/// What planning needs to know about an appointment (UTC seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub start_at: i64,
    /// Raised by every move and by the cancellation.
    pub sequence: i64,
    pub cancelled: bool,
}

/// One message to put in the outbox for each participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub kind: Kind,
    /// Reminder hours before the start (0 for updates and cancellations).
    pub hours: i64,
    pub due_at: i64,
}

/// The messages this version of the appointment calls for, at `now`.
///
/// Reminders already due when the appointment is made (or moved) collapse
/// into one, sent at once; after a move the update carries the same
/// details, so no reminder that is already due goes with it. A session
/// that has started or is over gets nothing.
pub fn plan(a: Facts, hours: &[u32], now: i64) -> Vec<Planned> {
    if a.start_at <= now {
        return vec![];
    }
    if a.cancelled {
        return vec![Planned { kind: Kind::Cancel, hours: 0, due_at: now }];
    }
    let moved = a.sequence > 0;
    let mut out = vec![];
    if moved {
        out.push(Planned { kind: Kind::Update, hours: 0, due_at: now });
    }
    let mut already_due: Option<i64> = None;
    for &h in hours {
        let h = i64::from(h);
        let due_at = a.start_at - h * 3600;
        if due_at > now {
            out.push(Planned { kind: Kind::Reminder, hours: h, due_at });
        } else {
            // The nearest of the due ones names the row: "1 hour before".
            already_due = Some(already_due.map_or(h, |d: i64| d.min(h)));
        }
    }
    if let (Some(h), false) = (already_due, moved) {
        out.push(Planned { kind: Kind::Reminder, hours: h, due_at: now });
    }
    out
}

/// Why a planned message must not go out now, if it must not. A link
/// sent again is meant for a session under way: only a cancellation (or
/// the participant's removal) stops it here; the sender also drops it
/// once the window has closed.
pub fn stale(kind: Kind, row_sequence: i64, a: Facts, now: i64) -> Option<&'static str> {
    if kind == Kind::Resend {
        return a.cancelled.then_some("the session was cancelled");
    }
    if now >= a.start_at {
        return Some("the session had started");
    }
    match kind {
        Kind::Cancel if !a.cancelled => Some("the session is not cancelled"),
        Kind::Cancel => None,
        _ if a.cancelled => Some("the session was cancelled"),
        _ if row_sequence != a.sequence => Some("the session was changed; a newer message replaces this one"),
        _ => None,
    }
}

/// Wait before the next try after `attempts` failed ones: 1, 2, 4 … 60
/// minutes.
pub fn backoff(attempts: i64) -> i64 {
    60 * (1i64 << attempts.clamp(1, 7).saturating_sub(1)).min(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    const START: i64 = 1_000_000;

    fn facts(sequence: i64, cancelled: bool) -> Facts {
        Facts { start_at: START, sequence, cancelled }
    }

    fn r(hours: i64, due_at: i64) -> Planned {
        Planned { kind: Kind::Reminder, hours, due_at }
    }

    #[test]
    fn reminders_go_out_at_their_hours() {
        let now = START - 48 * H;
        assert_eq!(plan(facts(0, false), &[24, 1], now), vec![r(24, START - 24 * H), r(1, START - H)]);
    }

    #[test]
    fn reminders_already_due_collapse_into_one_sent_at_once() {
        let now = START - 30 * 60;
        assert_eq!(plan(facts(0, false), &[24, 1], now), vec![r(1, now)]);
        let now = START - 3 * H;
        assert_eq!(plan(facts(0, false), &[24, 1], now), vec![r(1, START - H), r(24, now)]);
    }

    #[test]
    fn a_move_sends_an_update_and_reschedules() {
        let now = START - 48 * H;
        let update = Planned { kind: Kind::Update, hours: 0, due_at: now };
        assert_eq!(plan(facts(1, false), &[24, 1], now), vec![update, r(24, START - 24 * H), r(1, START - H)]);
        // Moved to within the hour: the update alone.
        let now = START - 20 * 60;
        assert_eq!(plan(facts(2, false), &[24, 1], now), vec![Planned { kind: Kind::Update, hours: 0, due_at: now }]);
    }

    #[test]
    fn cancellations_and_past_sessions() {
        let now = START - 48 * H;
        assert_eq!(plan(facts(1, true), &[24, 1], now), vec![Planned { kind: Kind::Cancel, hours: 0, due_at: now }]);
        assert!(plan(facts(0, false), &[24, 1], START).is_empty());
        assert!(plan(facts(1, true), &[24, 1], START + 1).is_empty());
    }

    #[test]
    fn stale_messages_are_not_sent() {
        let now = START - H;
        assert_eq!(stale(Kind::Reminder, 0, facts(0, false), now), None);
        assert!(stale(Kind::Reminder, 0, facts(1, false), now).is_some(), "moved since");
        assert!(stale(Kind::Reminder, 1, facts(2, true), now).is_some(), "cancelled since");
        assert_eq!(stale(Kind::Cancel, 2, facts(2, true), now), None);
        assert!(stale(Kind::Update, 1, facts(1, false), START).is_some(), "started");
        assert_eq!(stale(Kind::Resend, 0, facts(1, false), START + H), None, "for a session under way");
        assert!(stale(Kind::Resend, 1, facts(1, true), START + 60).is_some(), "cancelled since");
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(backoff).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(backoff(0), 60);
    }
}
