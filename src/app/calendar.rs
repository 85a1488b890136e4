//! Calendar files: a participant's session ("Add to calendar"), a client's
//! upcoming sessions from their portal, and the clinician's private feed.

use chrono::{DateTime, Duration, Utc};

use super::App;
use super::message::say;
use crate::error::Result;
use crate::i18n::Arg;
use crate::mail::ics::{self, Event, Status};
use crate::model::{LinkState, Window};
use crate::store::{ApptRow, NewAudit, Store};
use crate::times::{self, Local};
use crate::token::{self, Kind};

/// Days of sessions in the clinician's feed.
pub const FEED_DAYS: i64 = 90;

/// What a participant's calendar entry is made of.
pub struct ParticipantEntry<'a> {
    pub appt: &'a ApptRow,
    pub window: &'a Window,
    pub client_id: i64,
    pub link: &'a str,
    pub code: &'a str,
    pub base: &'a str,
    /// The client's language, which the entry's text is written in.
    pub lang: &'static str,
}

impl App {
    /// The calendar event of one participant's session: the same UID in
    /// every file and mail, so calendars update the entry in place.
    pub fn participant_event(&mut self, e: &ParticipantEntry<'_>) -> Result<Event> {
        let settings = self.settings()?;
        let practice = Arg::Text(&settings.practice_name);
        let when = Local::in_lang(e.window.starts_at, settings.timezone, e.lang);
        let say = |id: &str, args: &[(&str, Arg<'_>)]| say(e.lang, id, args);
        let at = when.line();
        let when_line = say("mail-ics-when", &[("at", Arg::Text(&at)), ("minutes", Arg::Number(e.appt.minutes))]);
        let cancelled = e.appt.cancelled_at.is_some();
        Ok(Event {
            uid: self.event_uid(e.appt.id, Some(e.client_id)),
            sequence: e.appt.sequence,
            start: e.window.starts_at,
            end: e.window.ends_at,
            summary: say("mail-ics-summary", &[("practice", practice.clone())]),
            // Each URL ends its line: calendars and mail readers that make
            // links of text would take a following dot or bracket along.
            // A cancelled session's entry says so, and how to book again,
            // instead of how to join.
            description: match cancelled {
                false => format!(
                    "{}\n{}\n{}\n{}\n{}\n{}/join",
                    when_line,
                    say("mail-join-label", &[]),
                    e.link,
                    say("mail-ics-code", &[("code", Arg::Text(e.code))]),
                    say("mail-ics-link-fails", &[]),
                    e.base
                ),
                true => format!(
                    "{}\n{}\n{}",
                    when_line,
                    say("mail-ics-cancelled", &[]),
                    say("mail-cancelled-book", &[("practice", practice.clone())])
                ),
            },
            language: Some(e.lang),
            url: (!cancelled).then(|| e.link.to_string()),
            status: if cancelled { Status::Cancelled } else { Status::Confirmed },
            organizer: None,
            attendee: None,
        })
    }

    /// The language a client's calendar entries are written in: theirs
    /// ([`App::language_of`]).
    fn client_language(&mut self, client_id: i64) -> Result<&'static str> {
        let client = self.client_row(client_id)?;
        self.language_of(&client)
    }

    /// `GET /v/{token}/calendar.ics`: the session of a live link, else the
    /// link's state.
    pub fn participant_ics(&mut self, token: &str, now: DateTime<Utc>) -> Result<Result<String, LinkState>> {
        let checked = self.check_token(token, now)?;
        let (LinkState::Early | LinkState::Open, Some((link, appt, window))) = (checked.state, &checked.found) else {
            return Ok(Err(checked.state));
        };
        let base = self.base_url()?;
        let link_url = format!("{base}/v/{token}");
        let code = token::display_code(&self.keys.code(&link.seed));
        let lang = self.client_language(link.client_id)?;
        let entry = ParticipantEntry {
            appt,
            window,
            client_id: link.client_id,
            link: &link_url,
            code: &code,
            base: &base,
            lang,
        };
        let event = self.participant_event(&entry)?;
        Ok(Ok(ics::calendar(None, None, &[event], now)))
    }

    /// `GET /p/{token}/calendar.ics`: every session the portal lists, else
    /// the portal page's status.
    pub fn portal_ics(&mut self, token: &str, now: DateTime<Utc>) -> Result<Result<String, u16>> {
        let client_id = match self.portal_client(token, now)? {
            Ok(id) => id,
            Err(status) => return Ok(Err(status)),
        };
        let base = self.base_url()?;
        let lang = self.client_language(client_id)?;
        let mut events = vec![];
        for (appt, link) in self.upcoming_of(client_id, now)? {
            let window = self.window_of(&appt)?;
            if link.revoked || window.state_at(now) == LinkState::Expired {
                continue;
            }
            let link_url = format!("{base}/v/{}", self.keys.token(Kind::Participant, &link.seed));
            let code = token::display_code(&self.keys.code(&link.seed));
            let entry = ParticipantEntry {
                appt: &appt,
                window: &window,
                client_id,
                link: &link_url,
                code: &code,
                base: &base,
                lang,
            };
            events.push(self.participant_event(&entry)?);
        }
        let practice = self.settings()?.practice_name.clone();
        let name = say(lang, "mail-ics-calendar", &[("practice", Arg::Text(&practice))]);
        Ok(Ok(ics::calendar(None, Some(&name), &events, now)))
    }

    /// The clinician's feed address, if the feed is on.
    pub fn calendar_feed_url(&mut self) -> Result<Option<String>> {
        let Some(seed) = self.store.live_feed()? else { return Ok(None) };
        Ok(Some(format!("{}/cal/{}.ics", self.base_url()?, self.keys.token(Kind::Calendar, &seed))))
    }

    /// Turn the feed on with a new address (the old one stops working), or
    /// off.
    pub fn set_calendar_feed(&mut self, on: bool, now: DateTime<Utc>) -> Result<Option<String>> {
        let seed = token::new_seed();
        let tag = self.keys.tag_of_seed(Kind::Calendar, &seed);
        let at = now.timestamp();
        self.store.write(|tx| {
            Store::replace_feed(tx, on.then_some((&seed, &tag)), at)?;
            let detail = if on { "new address" } else { "turned off" }.to_string();
            Store::insert_audit(tx, at, &NewAudit { event: "calendar.feed", detail, ..Default::default() })
        })?;
        self.calendar_feed_url()
    }

    /// `GET /cal/{token}.ics`: the next 90 days, with client initials only
    /// and each session's admin page (where Start is) as its link.
    pub fn feed_ics(&mut self, token: &str, now: DateTime<Utc>) -> Result<Option<String>> {
        let Some(token) = token::read_token(token) else { return Ok(None) };
        let tag = self.keys.token_tag(Kind::Calendar, &token);
        let Some(seed) = self.store.feed_by_tag(&tag)? else { return Ok(None) };
        if !self.keys.token_matches(Kind::Calendar, &seed, &token) {
            return Ok(None);
        }
        let base = self.base_url()?;
        let from = times::start_of_local_day(now, self.settings()?.timezone);
        let to = now + Duration::days(FEED_DAYS);
        let mut events = vec![];
        for appt in self.store.appointments_between(from.timestamp(), to.timestamp())? {
            let window = self.window_of(&appt)?;
            let names: Vec<String> = self.store.participants(appt.id)?.iter().map(|p| initials(&p.name)).collect();
            let page = format!("{base}/admin/appointments/{}", appt.id);
            events.push(Event {
                uid: self.event_uid(appt.id, None),
                sequence: appt.sequence,
                start: window.starts_at,
                end: window.ends_at,
                summary: format!("Session: {}", names.join(", ")),
                description: format!("Start the session from Porchlight: {page}"),
                url: Some(page),
                // The clinician's own calendar: the practice's words, unmarked.
                language: None,
                status: if appt.cancelled_at.is_some() { Status::Cancelled } else { Status::Confirmed },
                organizer: None,
                attendee: None,
            });
        }
        let name = format!("{} sessions", self.settings()?.practice_name);
        Ok(Some(ics::calendar(None, Some(&name), &events, now)))
    }
}

/// "Ann Marie Smith" → "A.S.": enough for the clinician, nothing more for
/// a calendar service.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let letter = |w: &&str| w.chars().next().map(|c| c.to_uppercase().collect::<String>() + ".");
    match (words.first(), words.len()) {
        (Some(first), 1) => letter(first).unwrap_or_default(),
        (Some(first), _) => {
            letter(first).unwrap_or_default() + &letter(words.last().expect("two words")).unwrap_or_default()
        }
        (None, _) => "?".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn initials_say_little() {
        assert_eq!(initials("Ann Marie smith"), "A.S.");
        assert_eq!(initials("Cher"), "C.");
        assert_eq!(initials("  "), "?");
    }

    #[test]
    fn the_feed_works_until_rotated_and_holds_initials_only() {
        let mut app = test_app();
        let now = t("2026-12-01T10:00:00Z");
        let a = app.add_client("Ann Smith", None, None, now).unwrap().id;
        let b = app.add_client("Bo Jones", None, None, now).unwrap().id;
        let v = app.add_appointment(&[a, b], t("2026-12-02T14:00:00Z"), 50, now).unwrap();
        app.add_appointment(&[a], t("2027-06-01T14:00:00Z"), 50, now).unwrap(); // beyond 90 days
        assert_eq!(app.calendar_feed_url().unwrap(), None);
        let url = app.set_calendar_feed(true, now).unwrap().unwrap();
        let token = url.rsplit('/').next().unwrap().strip_suffix(".ics").unwrap().to_string();
        let feed = app.feed_ics(&token, now).unwrap().unwrap();
        assert!(feed.contains("SUMMARY:Session: A.S.\\, B.J."), "{feed}");
        assert!(!feed.contains("Smith") && !feed.contains("Jones"));
        assert_eq!(feed.matches("BEGIN:VEVENT").count(), 1);
        assert!(feed.contains(&format!("/admin/appointments/{}", v.id)));
        app.cancel_appointment(v.id, now).unwrap();
        assert!(app.feed_ics(&token, now).unwrap().unwrap().contains("STATUS:CANCELLED"));
        let new = app.set_calendar_feed(true, now).unwrap().unwrap();
        assert_ne!(new, url);
        assert_eq!(app.feed_ics(&token, now).unwrap(), None, "the old address stops working");
        app.set_calendar_feed(false, now).unwrap();
        assert_eq!(app.calendar_feed_url().unwrap(), None);
    }
}
