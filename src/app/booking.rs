//! Booking as the clinician does it: one session or a series, for clients
//! already known and, in the same step, clients new to the practice
//! (SPEC, `appt add`; the admin booking form). Every check runs before
//! anything is written, so a refused booking leaves no half-made client
//! behind.

use chrono::{DateTime, Utc};

use super::App;
use super::appointments::validate_minutes;
use super::duplicates::fold;
use super::schedule::{Force, Made, refuse_expired};
use super::series::SeriesMade;
use crate::error::{Error, Result};
use crate::model::MAX_PARTICIPANTS;
use crate::recurrence::Rule;

/// What to book.
#[derive(Debug, Clone)]
pub struct Booking<'a> {
    /// Clients already in the practice, by id.
    pub clients: &'a [i64],
    /// Names of clients to add first (no email or phone yet).
    pub new_clients: &'a [String],
    pub start: DateTime<Utc>,
    pub minutes: i64,
    /// `Some`: a series repeating by this rule.
    pub repeat: Option<Rule>,
    pub force: Force,
}

/// What was booked.
#[derive(Debug)]
pub enum Booked {
    One(Made),
    Series(SeriesMade),
}

impl Booked {
    /// The first (or only) session's appointment id.
    pub fn first_id(&self) -> Option<i64> {
        match self {
            Booked::One(made) => Some(made.view.id),
            Booked::Series(made) => made.appointments.first().map(|a| a.id),
        }
    }
}

impl App {
    /// Book `b`: check the new names (valid, none twice, none a client's
    /// name already, compared without regard to case or spacing), the
    /// known clients, the length, the rule over its whole length and the
    /// first session's time; then add the new clients and make the session
    /// or series. Errors are those checks', before anything is written.
    pub fn book(&mut self, b: &Booking<'_>, now: DateTime<Utc>) -> Result<Booked> {
        let names = self.check_new_names(b.new_clients)?;
        if b.clients.is_empty() && names.is_empty() {
            return Err(Error::input("an appointment needs at least one --client"));
        }
        if b.clients.len() + names.len() > MAX_PARTICIPANTS {
            return Err(Error::input(format!("at most {MAX_PARTICIPANTS} clients take part in one session")));
        }
        if !b.clients.is_empty() {
            self.check_people(b.clients)?;
        }
        let minutes = validate_minutes(b.minutes)?;
        if let Some(rule) = &b.repeat {
            self.check_rule(rule, b.start)?;
        }
        let review = self.review_time(b.start, minutes, None, now)?;
        refuse_expired(&review, b.start, b.force)?;
        let mut clients = b.clients.to_vec();
        for name in &names {
            clients.push(self.add_client(name, None, None, now)?.id);
        }
        Ok(match b.repeat {
            Some(rule) => Booked::Series(self.create_series(&clients, b.start, minutes, rule, b.force, now)?),
            None => Booked::One(self.create_appointment(&clients, b.start, minutes, b.force, now)?),
        })
    }

    /// The new names, trimmed and checked: valid, none named twice, none
    /// a client's name already, archived clients too (compared as
    /// `duplicates::fold` compares names). Booking never adds a namesake:
    /// the clients page does, after asking.
    pub fn check_new_names(&mut self, names: &[String]) -> Result<Vec<String>> {
        // Bounded before any name is looked at: a pasted list of a
        // thousand lines is refused at once.
        if names.len() > MAX_PARTICIPANTS {
            return Err(Error::input(format!(
                "{} new clients: at most {MAX_PARTICIPANTS} take part in one session",
                names.len()
            )));
        }
        let mut out: Vec<String> = vec![];
        for name in names {
            if name.trim().is_empty() {
                return Err(Error::input("a new client needs a name"));
            }
            let name = super::validate_name(name)?;
            if let Some(same) = self.similar_clients(&name, None)?.first() {
                return Err(Error::input(format!(
                    "a client named {name:?} exists already ({}): choose them instead, or add a second one on the clients page",
                    same.describe()
                )));
            }
            if out.iter().any(|o| fold(o) == fold(&name)) {
                return Err(Error::input(format!("the new client {name:?} is named twice")));
            }
            out.push(name);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::test_app;
    use crate::recurrence::{End, Freq};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn new_clients_are_added_only_when_the_booking_can_be_made() {
        let mut app = test_app();
        let now = t("2027-09-01T12:00:00Z");
        app.set_setting("timezone", "America/New_York", now).unwrap();
        let names = ["Dee Example".to_string(), "Eli Example".to_string()];
        let weekly = Some(Rule { freq: Freq::Weekly, end: End::Open });
        // Sundays at 01:30 meet a repeated hour: refused, and no client made.
        let bad = Booking {
            clients: &[],
            new_clients: &names,
            start: t("2027-09-05T05:30:00Z"),
            minutes: 50,
            repeat: weekly,
            force: Force::No,
        };
        assert!(app.book(&bad, now).unwrap_err().to_string().contains("2027-11-07"));
        assert!(app.list_clients().unwrap().is_empty(), "nothing half-made");
        let good = Booking { start: t("2027-09-06T14:00:00Z"), ..bad.clone() };
        let Booked::Series(made) = app.book(&good, now).unwrap() else { panic!("a series") };
        assert_eq!(made.appointments[0].participants.len(), 2, "a couple, each with a link");
        assert_eq!(app.list_clients().unwrap().len(), 2);
        // The same names again, in another spelling: refused, naming the id.
        let again = ["  dee   EXAMPLE ".to_string()];
        let err = app.book(&Booking { new_clients: &again, ..good.clone() }, now).unwrap_err().to_string();
        assert!(err.contains("exists already (Dee Example (id 1, same name))"), "{err}");
        let twice = ["Fay".to_string(), "fay".to_string()];
        assert!(app.book(&Booking { new_clients: &twice, ..good }, now).unwrap_err().to_string().contains("twice"));
    }
}
