//! Who an imported event is for (SPEC, `import ics`: "attendees matched
//! to clients by email, new clients for unknown ones; nothing is
//! guessed"). The rules, in one place:
//! - the organizer is the clinician, never a client; so is the practice's
//!   own address (`mail_from`); rooms and resources (CUTYPE), people who
//!   are only told (ROLE=NON-PARTICIPANT) and attendees who declined are
//!   not participants;
//! - an attendee whose address is a client's is that client; an unknown
//!   address becomes a new client named by the attendee's CN (once per
//!   import, however many events name them); a CN that is the name of a
//!   client with another address or none is not guessed to be them: the
//!   event is left unmatched, saying so;
//! - an event without any attendee (practice suites export the client's
//!   name as the summary) is that client's only if the whole summary is
//!   exactly one client's name, as the command line reads a name;
//! - all-day events, events the clinician declined or every client
//!   declined, and cancelled events are not sessions.

use std::collections::HashMap;

use super::duplicates::fold;
use crate::ical::Occurrence;
use crate::model::{MAX_MINUTES, MAX_PARTICIPANTS};
use crate::store::ClientRow;

/// A participant of an imported appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Known(i64),
    /// An index into [`Book::new_clients`].
    New(usize),
}

/// The practice's clients as import looks them up, and the new clients
/// this import adds.
pub struct Book {
    by_email: HashMap<String, Vec<ClientRow>>,
    by_name: HashMap<String, Vec<ClientRow>>,
    /// (name, address) of each client to add.
    pub new_clients: Vec<(String, String)>,
    /// Indexes into `new_clients` by address and by folded name: an
    /// import may add thousands, each looked up once per attendee.
    new_by_email: HashMap<String, usize>,
    new_by_name: HashMap<String, usize>,
    /// Names of the clients by id.
    names: HashMap<i64, String>,
    clinician: Option<String>,
}

/// What an occurrence is for.
pub struct Matched {
    /// In the order of `attendees`.
    pub who: Vec<Who>,
    /// The matched attendees' addresses, lower case, sorted, one per line
    /// (empty for a summary match).
    pub attendees: String,
    pub minutes: i64,
}

impl Book {
    pub fn new(clients: Vec<ClientRow>, mail_from: Option<&str>) -> Book {
        let (mut by_email, mut by_name) = (HashMap::<_, Vec<_>>::new(), HashMap::<_, Vec<_>>::new());
        let names = clients.iter().map(|c| (c.id, c.name.clone())).collect();
        for c in clients {
            if let Some(e) = &c.email {
                by_email.entry(e.trim().to_ascii_lowercase()).or_default().push(c.clone());
            }
            by_name.entry(fold(&c.name)).or_default().push(c);
        }
        let clinician = mail_from.map(|m| address_of(m).to_ascii_lowercase());
        Book {
            by_email,
            by_name,
            new_clients: vec![],
            new_by_email: HashMap::new(),
            new_by_name: HashMap::new(),
            names,
            clinician,
        }
    }

    /// The names of `who`.
    pub fn names(&self, who: &[Who]) -> Vec<String> {
        who.iter()
            .map(|w| match w {
                Who::Known(id) => self.names.get(id).cloned().unwrap_or_default(),
                Who::New(i) => self.new_clients[*i].0.clone(),
            })
            .collect()
    }

    /// The client of address `email`, if exactly one has it.
    pub fn client_with(&self, email: &str) -> Option<i64> {
        match self.by_email.get(email).map(Vec::as_slice) {
            Some([one]) => Some(one.id),
            _ => None,
        }
    }

    /// Who `o` is for and how long it lasts, or why it is no session.
    /// New clients it needs are added to the book.
    pub fn match_occurrence(&mut self, o: &Occurrence) -> Result<Matched, String> {
        if o.all_day {
            return Err("an all-day event is not a session".into());
        }
        if o.status == "CANCELLED" {
            return Err("the event is cancelled".into());
        }
        let minutes = (o.end - o.start).num_minutes();
        if !(1..=MAX_MINUTES).contains(&minutes) {
            return Err(format!("it lasts {minutes} minutes; a session lasts 1 to {MAX_MINUTES}"));
        }
        let is_clinician = |e: &str| o.organizer.as_deref() == Some(e) || self.clinician.as_deref() == Some(e);
        if o.attendees.iter().any(|a| is_clinician(&a.email) && a.partstat == "DECLINED") {
            return Err("the clinician declined it".into());
        }
        let people: Vec<_> = o
            .attendees
            .iter()
            .filter(|a| !is_clinician(&a.email))
            .filter(|a| matches!(a.cutype.as_str(), "INDIVIDUAL" | "UNKNOWN") && a.role != "NON-PARTICIPANT")
            .collect();
        let coming: Vec<_> = people.iter().filter(|a| a.partstat != "DECLINED").collect();
        if coming.is_empty() {
            if !people.is_empty() {
                return Err("every client declined it".into());
            }
            return self.by_summary(o).map(|id| Matched {
                who: vec![Who::Known(id)],
                attendees: String::new(),
                minutes,
            });
        }
        if coming.len() > MAX_PARTICIPANTS {
            return Err(format!(
                "it has {} clients; at most {MAX_PARTICIPANTS} take part in one session",
                coming.len()
            ));
        }
        let mut pairs = vec![];
        for a in coming {
            pairs.push((a.email.clone(), self.attendee(&a.email, a.name.as_deref())?));
        }
        // In address order, each once: `attendees` lists them in this order.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|a, b| a.0 == b.0);
        let attendees = pairs.iter().map(|p| p.0.as_str()).collect::<Vec<_>>().join("\n");
        Ok(Matched { who: pairs.into_iter().map(|p| p.1).collect(), attendees, minutes })
    }

    fn attendee(&mut self, email: &str, cn: Option<&str>) -> Result<Who, String> {
        match self.by_email.get(email).map(Vec::as_slice) {
            Some([one]) if one.archived_at.is_some() => {
                return Err(format!("{} <{email}> is an archived client: restore them to import it", one.name));
            }
            Some([one]) => return Ok(Who::Known(one.id)),
            Some([_, _, ..]) => return Err(format!("more than one client has the address {email}")),
            _ => {}
        }
        if let Some(&i) = self.new_by_email.get(email) {
            return Ok(Who::New(i));
        }
        // A new client's address is held to the rule every client's is:
        // it is where reminders go.
        if crate::email::address(email).is_none() {
            let shown: String = email.chars().take(100).collect();
            return Err(format!("the attendee's address {shown:?} is not an email address"));
        }
        let name = cn.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(email);
        let name = super::validate_name(name).map_err(|e| format!("the attendee <{email}>: {e}"))?;
        if let Some(same) = self.by_name.get(&fold(&name)).and_then(|c| c.first()) {
            return Err(format!(
                "the attendee {name} <{email}> has the name of client {} whose address is {}: \
                 give that client this address (or the other one a different name) and import again",
                same.id,
                same.email.as_deref().unwrap_or("not known")
            ));
        }
        let folded = fold(&name);
        if self.new_by_name.contains_key(&folded) {
            return Err(format!("two attendees named {name} have different addresses"));
        }
        let i = self.new_clients.len();
        self.new_clients.push((name, email.to_string()));
        self.new_by_email.insert(email.to_string(), i);
        self.new_by_name.insert(folded, i);
        Ok(Who::New(i))
    }

    fn by_summary(&self, o: &Occurrence) -> Result<i64, String> {
        let none =
            || format!("it has no attendee, and its summary {:?} is not the name of exactly one client", o.summary);
        match self.by_name.get(&fold(&o.summary)).map(Vec::as_slice) {
            Some([one]) if one.archived_at.is_none() => Ok(one.id),
            Some([one]) => Err(format!("{} is an archived client: restore them to import it", one.name)),
            _ => Err(none()),
        }
    }
}

/// `Name <a@b>` or `a@b` as the address alone.
fn address_of(s: &str) -> &str {
    match (s.find('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].trim(),
        _ => s.trim(),
    }
}
