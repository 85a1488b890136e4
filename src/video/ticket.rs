//! Room tickets of the built-in video room.
//!
//! Join (or the clinician's Start) hands out a ticket in an HttpOnly
//! cookie scoped to one seat's room path, `/room/{room}/{seat}`: the room
//! URL alone grants nothing. A ticket names the appointment, the person
//! (a client, or the clinician) and when it stops working (the window's
//! close), under a MAC of the key file; nothing about it is stored. The
//! server checks it, and the appointment behind it, on every message.

use crate::token::Keyring;

/// Who holds a ticket: a client by the id of the link they joined with
/// (so revoking that link ends the ticket too), or the clinician.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Person {
    Client(i64),
    Clinician,
}

impl Person {
    fn text(self) -> String {
        match self {
            Person::Client(id) => format!("c{id}"),
            Person::Clinician => "k".into(),
        }
    }

    fn parse(s: &str) -> Option<Person> {
        if s == "k" {
            return Some(Person::Clinician);
        }
        let id = s.strip_prefix('c')?;
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.parse().ok().map(Person::Client))?
    }
}

/// A room ticket, as issued and as checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    pub appointment_id: i64,
    pub person: Person,
    /// Unix seconds after which the ticket is refused.
    pub expires: i64,
}

const LABEL: &str = "porchlight/room-ticket/v1";
const SEAT: &str = "porchlight/room-seat/v1";

impl Ticket {
    /// `v1.{appointment}.{person}.{expires}.{mac}`: cookie-safe characters.
    pub fn seal(&self, keys: &Keyring) -> String {
        let body = self.body();
        format!("v1.{body}.{}", keys.derive(LABEL, body.as_bytes()))
    }

    /// The ticket in `sealed`, if its MAC is ours (compared in constant
    /// time). Expiry and the appointment are the caller's to check.
    pub fn open(sealed: &str, keys: &Keyring) -> Option<Ticket> {
        let rest = sealed.strip_prefix("v1.")?;
        let (body, mac) = rest.rsplit_once('.')?;
        if !keys.derived_matches(LABEL, body.as_bytes(), mac) {
            return None;
        }
        let mut parts = body.split('.');
        let (Some(appt), Some(person), Some(expires), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(Ticket {
            appointment_id: appt.parse().ok()?,
            person: Person::parse(person)?,
            expires: expires.parse().ok()?,
        })
    }

    /// The seat in this person's room path: stable per appointment and
    /// person, and telling nothing about either.
    pub fn seat(&self, keys: &Keyring) -> String {
        seat_of(keys, self.appointment_id, self.person)
    }

    fn body(&self) -> String {
        format!("{}.{}.{}", self.appointment_id, self.person.text(), self.expires)
    }
}

/// The seat of `person` in appointment `appointment_id`: 12 characters of a MAC.
pub fn seat_of(keys: &Keyring, appointment_id: i64, person: Person) -> String {
    let mut seat = keys.derive(SEAT, format!("{appointment_id}.{}", person.text()).as_bytes());
    seat.truncate(12);
    seat
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_opens_only_as_sealed_and_only_under_its_key() {
        let keys = Keyring::for_tests(1);
        let t = Ticket { appointment_id: 42, person: Person::Client(7), expires: 1_800_000_000 };
        let sealed = t.seal(&keys);
        assert!(sealed.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)), "{sealed}");
        assert_eq!(Ticket::open(&sealed, &keys), Some(t));
        assert_eq!(Ticket::open(&sealed, &Keyring::for_tests(2)), None);
        // Any change to what it says breaks the MAC.
        for forged in [
            sealed.replace("v1.42.", "v1.43."),
            sealed.replace(".c7.", ".c8."),
            sealed.replace(".c7.", ".k."),
            sealed.replace(".1800000000.", ".1900000000."),
        ] {
            assert_ne!(forged, sealed);
            assert_eq!(Ticket::open(&forged, &keys), None, "{forged}");
        }
        for junk in ["", "v1.", "v1....", "v2.42.c7.1.x", "v1.42.c7.1800000000", "v1.x.c7.1.AAAA"] {
            assert_eq!(Ticket::open(junk, &keys), None, "{junk}");
        }
        let clinician = Ticket { person: Person::Clinician, ..t };
        assert_eq!(Ticket::open(&clinician.seal(&keys), &keys), Some(clinician));
    }

    #[test]
    fn seats_differ_by_person_and_appointment_and_name_neither() {
        let keys = Keyring::for_tests(1);
        let seats = [
            seat_of(&keys, 1, Person::Client(1)),
            seat_of(&keys, 1, Person::Client(2)),
            seat_of(&keys, 1, Person::Clinician),
            seat_of(&keys, 2, Person::Client(1)),
        ];
        for (i, a) in seats.iter().enumerate() {
            assert_eq!(a.len(), 12);
            for b in &seats[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
