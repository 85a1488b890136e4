//! The checks before an appointment is made or moved (SPEC, "Command
//! line": a time whose links would already be expired is refused unless
//! forced; an overlap is made, with a warning naming the clash). The
//! command line and the admin pages both go through here.

use chrono::{DateTime, Utc};

use super::{App, ApptView};
use crate::error::{Error, Result};
use crate::model::{self, MAX_MINUTES, Window};
use crate::times::{self, Local};

/// Another live appointment sharing a moment with the new time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub id: i64,
    /// Its participants' names.
    pub clients: Vec<String>,
    /// Its start in the practice zone, with the zone named.
    pub when: String,
}

impl std::fmt::Display for Clash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "overlaps appointment {} ({}) on {}", self.id, self.clients.join(", "), self.when)
    }
}

/// What stands against a time, before anything is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    /// The links would be expired from the start: why, in words.
    pub expired: Option<String>,
    pub clashes: Vec<Clash>,
}

impl Review {
    /// Nothing to confirm.
    pub fn is_clear(&self) -> bool {
        self.expired.is_none() && self.clashes.is_empty()
    }

    /// Every warning as one sentence each, the expiry first.
    pub fn sentences(&self) -> Vec<String> {
        self.expired.iter().cloned().chain(self.clashes.iter().map(|c| format!("This {c}."))).collect()
    }
}

/// Whether the clinician said to go ahead despite a [`Review`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Force {
    No,
    Yes,
}

/// An appointment that was made or moved, and what it overlaps.
#[derive(Debug)]
pub struct Made {
    pub view: ApptView,
    pub clashes: Vec<Clash>,
}

impl App {
    /// Review `[start, start + minutes)` at `now`: would its links be
    /// expired already, and which live appointments (other than `except`,
    /// the one being moved) share a moment with it?
    pub fn review_time(
        &mut self,
        start: DateTime<Utc>,
        minutes: i64,
        except: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Review> {
        let settings = self.settings()?;
        let window = Window::new(start, minutes, settings.window);
        let expired = model::expired_on_arrival(now, &window).then(|| {
            let (starts, closed) =
                (Local::new(start, settings.timezone), Local::new(window.expires_at, settings.timezone));
            // The zone is named once: the closing time is on the same day
            // in the same zone, or named in full.
            let closed = if closed.date == starts.date && closed.abbrev == starts.abbrev {
                format!("at {} {}", closed.time, closed.abbrev)
            } else {
                format!("on {}", closed.line())
            };
            format!(
                "The links of a session on {} would already be expired (they closed {closed}), \
                 so the client could never use them.",
                starts.line()
            )
        });
        let (from, to) = (start.timestamp() - MAX_MINUTES * 60, start.timestamp() + minutes * 60);
        let mut clashes = vec![];
        for other in self.store.appointments_between(from, to)? {
            let live = other.cancelled_at.is_none() && Some(other.id) != except;
            if !live || !model::overlaps(start.timestamp(), minutes, other.start_at, other.minutes) {
                continue;
            }
            let clients = self.store.participants(other.id)?.into_iter().filter(|p| p.link.is_some()).map(|p| p.name);
            clashes.push(Clash {
                id: other.id,
                clients: clients.collect(),
                when: Local::new(times::from_unix(other.start_at), settings.timezone).line(),
            });
        }
        Ok(Review { expired, clashes })
    }

    /// `add_appointment` under the rule: refused (input error) when the
    /// links would be expired at once, unless forced.
    pub fn create_appointment(
        &mut self,
        clients: &[i64],
        start: DateTime<Utc>,
        minutes: i64,
        force: Force,
        now: DateTime<Utc>,
    ) -> Result<Made> {
        let review = self.review_time(start, minutes, None, now)?;
        refuse_expired(&review, start, force)?;
        let view = self.add_appointment(clients, start, minutes, now)?;
        Ok(Made { view, clashes: review.clashes })
    }

    /// `move_appointment` under the same rule.
    pub fn reschedule(
        &mut self,
        id: i64,
        start: DateTime<Utc>,
        minutes: Option<i64>,
        force: Force,
        now: DateTime<Utc>,
    ) -> Result<Made> {
        let length = minutes.unwrap_or(self.appointment_row(id)?.minutes);
        let review = self.review_time(start, length, Some(id), now)?;
        refuse_expired(&review, start, force)?;
        let view = self.move_appointment(id, start, minutes, now)?;
        Ok(Made { view, clashes: review.clashes })
    }
}

pub(super) fn refuse_expired(review: &Review, start: DateTime<Utc>, force: Force) -> Result<()> {
    match (&review.expired, force) {
        (Some(why), Force::No) => Err(Error::input(format!(
            "refused start {}: {} Check the date, or give --force to do it anyway",
            times::rfc3339(start),
            lower_first(why)
        ))),
        _ => Ok(()),
    }
}

/// Error strings start lower-case (they follow "porchlight: ").
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::test_app;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn expired_times_are_refused_unless_forced_and_clashes_are_named() {
        let mut app = test_app();
        let now = t("2026-12-01T09:00:00Z");
        let a = app.add_client("Ann Example", None, None, now).unwrap().id;
        let b = app.add_client("Ben", None, None, now).unwrap().id;
        // A typo in the year: a month ago, its links long expired.
        let typo = t("2026-11-01T14:00:00Z");
        let err = app.create_appointment(&[a], typo, 50, Force::No, now).unwrap_err();
        assert!(matches!(&err, Error::Input(m) if m.contains("expired") && m.contains("--force")), "{err:?}");
        assert!(app.list_appointments(typo, now, now).unwrap().is_empty(), "nothing was made");
        app.create_appointment(&[a], typo, 50, Force::Yes, now).unwrap();
        // The zone is named once in the warning (test_app's zone is UTC;
        // New York's names an abbreviation and the zone).
        app.set_setting("timezone", "America/New_York", now).unwrap();
        let said = app.review_time(typo, 50, None, now).unwrap().expired.unwrap();
        assert_eq!(said.matches("America/New_York").count(), 1, "{said}");
        assert!(said.contains("(they closed at 10:20 AM EST)"), "{said}");
        app.set_setting("timezone", "UTC", now).unwrap();

        let first = app.create_appointment(&[a], t("2026-12-01T14:00:00Z"), 50, Force::No, now).unwrap();
        assert!(first.clashes.is_empty());
        let second = app.create_appointment(&[b], t("2026-12-01T14:30:00Z"), 50, Force::No, now).unwrap();
        assert_eq!(second.clashes.len(), 1);
        let clash = &second.clashes[0];
        assert_eq!((clash.id, clash.clients.as_slice()), (first.view.id, &["Ann Example".to_string()][..]));
        assert!(clash.to_string().contains("2:00 PM"), "{clash}");

        // Moving an appointment never clashes with itself; moving it
        // into the past is refused and leaves it where it was.
        let moved = app.reschedule(first.view.id, t("2026-12-01T14:10:00Z"), None, Force::No, now).unwrap();
        assert_eq!(moved.clashes.iter().map(|c| c.id).collect::<Vec<_>>(), [second.view.id]);
        let err = app.reschedule(first.view.id, t("2025-12-01T14:10:00Z"), None, Force::No, now).unwrap_err();
        assert!(matches!(err, Error::Input(_)));
        assert_eq!(app.appointment_view(first.view.id, now).unwrap().start, "2026-12-01T14:10:00Z");
        // A cancelled appointment is no clash.
        app.cancel_appointment(second.view.id, now).unwrap();
        assert!(app.review_time(t("2026-12-01T14:30:00Z"), 50, None, now).unwrap().clashes.len() == 1);
        assert!(app.review_time(t("2026-12-01T15:00:00Z"), 50, None, now).unwrap().is_clear());
    }
}
