//! The clinician's minutes before a session: the "running late" note to
//! everyone waiting for it, and the participants who have not arrived by
//! `not_here_after_minutes` past the start, to whom the link can be mailed
//! again.
//!
//! The note is stored on the appointment (so a restart keeps it) and shown
//! on its participants' pages while their links are early or open; it is
//! plain text, escaped wherever it is shown. Setting and clearing it are
//! audited as `session.note`; the note's words stay out of the audit
//! trail. "Send the link again" queues an outbox row of its own kind,
//! audited as `link.resent`, at most one per participant every
//! [`RESEND_EVERY`] seconds.

use chrono::{DateTime, Duration, Utc};

use super::App;
use super::check::Checked;
use super::room::Gate;
use crate::error::{Error, Result};
use crate::model::LinkState;
use crate::store::{ApptRow, NewAudit, Store};
use crate::times::{self, Local};

/// The longest note, in characters (Unicode scalar values).
pub const NOTE_MAX_CHARS: usize = 200;

/// Seconds after "Send the link again" before it may be pressed again for
/// the same participant: a double tap, or a second press before the first
/// message could arrive, must not flood the client's inbox.
pub const RESEND_EVERY: i64 = 120;

/// The one-tap notes the session card offers, stored as these English
/// words; each client reads them in their own language (their message
/// ids are [`PRESET_IDS`], `late.ftl`: [`for_reader`]).
pub const PRESETS: [&str; 2] = ["I'll be with you in 5 minutes", "I'll be with you in 10 minutes"];
/// The messages of [`PRESETS`], in the same order.
const PRESET_IDS: [&str; 2] = ["late-in-5-minutes", "late-in-10-minutes"];

/// Is `note` one of the one-tap notes (so it has words in every language)?
pub fn is_preset(note: &str) -> bool {
    PRESETS.contains(&note)
}

/// A note as a client reading `lang` sees it: a one-tap note in their
/// language, anything the clinician typed as typed (Porchlight does not
/// translate the clinician's own words).
pub fn for_reader(note: String, lang: &str) -> String {
    match PRESETS.iter().position(|p| *p == note) {
        Some(i) => crate::i18n::text(lang, PRESET_IDS[i], &[]).unwrap_or(note),
        None => note,
    }
}

/// A note as typed, made ready to store: trimmed, `None` when empty.
///
/// Errors (input, shown next to the field): more than
/// [`NOTE_MAX_CHARS`] characters, or any control character (a line
/// break, a tab, an escape): the note is one line of text.
pub fn clean_note(typed: &str) -> Result<Option<String>> {
    let note = typed.trim();
    if note.chars().any(char::is_control) {
        return Err(Error::input("Write the note on one line, without tabs or other control characters."));
    }
    let count = note.chars().count();
    if count > NOTE_MAX_CHARS {
        return Err(Error::input(format!("Keep the note to {NOTE_MAX_CHARS} characters (this one has {count}).")));
    }
    Ok((!note.is_empty()).then(|| note.to_string()))
}

/// The note a participant page shows for `appt` when the link is in
/// `state`: only while it is early or open, so once the window closes (or
/// the session is cancelled) the note is gone from every page.
pub fn note_shown(appt: &ApptRow, state: LinkState) -> Option<&str> {
    note_settable(state).then_some(appt.late_note.as_deref()).flatten()
}

/// Whether a note can be set on a session in `state` (as its links see
/// it): before or during its window, not once cancelled or over.
pub fn note_settable(state: LinkState) -> bool {
    matches!(state, LinkState::Early | LinkState::Open)
}

/// Is a participant "not here yet"? From `after_minutes` past the start
/// while the window is open, for one who has not reached the waiting page
/// or the room (`arrived`). Therapists' guides: mail the link again after
/// two minutes, phone after five (issue 22).
pub fn not_here_yet(
    now: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    after_minutes: i64,
    state: LinkState,
    arrived: bool,
) -> bool {
    state == LinkState::Open && !arrived && now >= starts_at + Duration::minutes(after_minutes)
}

/// A `tel:` URI (RFC 3966) for a phone number as the clinician typed it:
/// its digits, with a leading `+` kept; `None` without digits.
pub fn tel_uri(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let plus = if phone.trim_start().starts_with('+') { "+" } else { "" };
    Some(format!("tel:{plus}{digits}"))
}

/// What the waiting page learns when it asks: its gate, the note, and
/// the session's start (`None` for an unknown token).
pub struct WaitStatus {
    pub gate: Gate,
    pub note: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
}

impl App {
    /// Set the running-late note of appointment `id` (`typed` empty:
    /// clear it), audited. Returns the note as stored. A note cannot be
    /// set on a cancelled session or one whose window has closed; clearing
    /// always works. `addr`: the admin page's client address (`None` for
    /// the command line).
    pub fn set_late_note(
        &mut self,
        id: i64,
        typed: &str,
        now: DateTime<Utc>,
        addr: Option<&str>,
    ) -> Result<Option<String>> {
        let note = clean_note(typed)?;
        let appt = self.appointment_row(id)?;
        if note.is_some() {
            let state = self.window_of(&appt)?.state_at(now);
            if appt.cancelled_at.is_some() {
                return Err(Error::input("This session is cancelled: nobody is waiting for it."));
            }
            if state == LinkState::Expired {
                return Err(Error::input("This session is over: its links no longer open."));
            }
        }
        let at = now.timestamp();
        self.store.write(|tx| {
            Store::set_late_note(tx, id, note.as_deref(), at)?;
            let detail = match &note {
                Some(n) => format!("note shown to those waiting ({} characters)", n.chars().count()),
                None => "note cleared".to_string(),
            };
            let e = NewAudit {
                event: "session.note",
                appointment_id: Some(id),
                addr: addr.map(str::to_string),
                detail,
                ..Default::default()
            };
            Store::insert_audit(tx, at, &e)?;
            Ok(())
        })?;
        Ok(note)
    }

    /// The waiting page's poll: its gate and the note, from one check of
    /// the token. Writes nothing.
    pub fn wait_status(&mut self, token: &str, now: DateTime<Utc>) -> Result<WaitStatus> {
        let checked = self.check_token(token, now)?;
        let gate = self.gate_of(&checked)?;
        let starts_at = checked.found.as_ref().map(|(_, _, window)| window.starts_at);
        Ok(WaitStatus { gate, note: note_of(&checked), starts_at })
    }

    /// Mail participant `client_id` of appointment `id` their link again
    /// ("Your session has started: join with this link"), queued at once
    /// and audited as `link.resent`. Returns the client's name.
    ///
    /// Errors (input, in words for the clinician): the window is not open
    /// or the session is cancelled; mail is not set up; the client has no
    /// address or asked for no email; the link went to them less than
    /// [`RESEND_EVERY`] seconds ago (saying when it may be sent again).
    pub fn resend_link(&mut self, id: i64, client_id: i64, now: DateTime<Utc>, addr: &str) -> Result<String> {
        let appt = self.appointment_row(id)?;
        if appt.cancelled_at.is_some() || self.window_of(&appt)?.state_at(now) != LinkState::Open {
            return Err(Error::input("The link can be sent again only while the session's window is open."));
        }
        // The message says the session has started: not before it has.
        if now.timestamp() < appt.start_at {
            return Err(Error::input("The link can be sent again from the start of the session."));
        }
        if !self.mail_on()? {
            return Err(Error::input("Mail is not set up: copy the message and send it yourself."));
        }
        let settings = self.settings()?;
        let participant = self
            .store
            .participants(id)?
            .into_iter()
            .find(|p| p.client_id == client_id && p.link.is_some())
            .ok_or_else(|| Error::not_found(format!("client {client_id} has no link in appointment {id}")))?;
        let client = self.store.client(client_id)?.ok_or_else(|| Error::not_found("no such client"))?;
        if let Some(why) = super::untold::unmailable(true, client.email.as_deref(), client.no_mail) {
            return Err(Error::input(format!(
                "Not sent to {}: {why}. Copy the message and send it another way.",
                client.name
            )));
        }
        let at = now.timestamp();
        let zone = settings.timezone;
        let name = client.name.clone();
        self.store.write(|tx| {
            if let Some(last) = Store::last_resend(tx, participant.id)?
                && at - last < RESEND_EVERY
            {
                let sent = Local::new(times::from_unix(last), zone);
                // Shown to the minute: rounded up, so that pressing at the
                // time it names is never refused again.
                let again = Local::new(times::from_unix((last + RESEND_EVERY + 59) / 60 * 60), zone);
                return Err(Error::input(format!(
                    "The link already went to {name} at {} {}. To spare their inbox it can be sent again from {} {}.",
                    sent.time, sent.abbrev, again.time, again.abbrev
                )));
            }
            let message = Store::queue_resend(tx, participant.id, appt.sequence, at)?;
            let e = NewAudit {
                event: "link.resent",
                appointment_id: Some(id),
                client_id: Some(client_id),
                addr: Some(addr.to_string()),
                detail: format!("by email (message {message})"),
            };
            Store::insert_audit(tx, at, &e)?;
            Ok(())
        })?;
        Ok(client.name)
    }
}

/// The note a checked link's page shows, if any.
pub fn note_of(checked: &Checked) -> Option<String> {
    checked.found.as_ref().and_then(|(_, appt, _)| note_shown(appt, checked.state)).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_one_tap_note_reads_in_the_clients_language_a_typed_one_as_typed() {
        assert_eq!(for_reader(PRESETS[0].into(), "es"), "Estaré con usted en 5 minutos.");
        assert_eq!(for_reader(PRESETS[1].into(), "en"), PRESETS[1], "the English words are the stored ones");
        assert_eq!(for_reader("Running 3 min late".into(), "es"), "Running 3 min late");
        assert!(is_preset(PRESETS[1]) && !is_preset("I'll be with you in 5 minutes!"));
    }

    #[test]
    fn a_note_is_one_trimmed_line_of_at_most_200_characters() {
        assert_eq!(clean_note("  I'll be with you in 5 minutes \u{a0}").unwrap().as_deref(), Some(PRESETS[0]));
        assert_eq!(clean_note("   ").unwrap(), None, "blank clears");
        let most = "é".repeat(NOTE_MAX_CHARS);
        assert_eq!(clean_note(&most).unwrap().as_deref(), Some(most.as_str()), "characters, not bytes");
        let err = clean_note(&"x".repeat(NOTE_MAX_CHARS + 1)).unwrap_err().to_string();
        assert!(err.contains("200") && err.contains("201"), "{err}");
        for bad in ["two\nlines", "a\ttab", "bell\u{7}", "esc\u{1b}[31m", "del\u{7f}", "next\u{85}line"] {
            let err = clean_note(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
            assert!(err.to_string().contains("one line"), "{bad:?}: {err}");
        }
        // Markup is text: it is kept as typed and escaped where shown.
        assert_eq!(clean_note("<b>soon</b> & \"then\"").unwrap().as_deref(), Some("<b>soon</b> & \"then\""));
    }

    #[test]
    fn not_here_yet_starts_after_the_set_minutes_of_an_open_window() {
        let start = t("2027-03-15T16:00:00Z");
        let open = LinkState::Open;
        assert!(!not_here_yet(start + Duration::seconds(119), start, 2, open, false), "not yet two minutes");
        assert!(not_here_yet(start + Duration::seconds(120), start, 2, open, false), "two minutes to the second");
        assert!(!not_here_yet(start + Duration::minutes(5), start, 2, open, true), "arrived");
        assert!(!not_here_yet(start + Duration::minutes(90), start, 2, LinkState::Expired, false), "over");
        assert!(!not_here_yet(start, start, 2, LinkState::Cancelled, false));
        assert!(not_here_yet(start, start, 0, open, false), "0: from the start");
        assert!(!not_here_yet(start - Duration::seconds(1), start, 0, open, false), "never before the start");
    }

    #[test]
    fn tel_links_carry_digits_only() {
        assert_eq!(tel_uri("555-0134").as_deref(), Some("tel:5550134"));
        assert_eq!(tel_uri(" +1 (212) 555-0134 ").as_deref(), Some("tel:+12125550134"));
        assert_eq!(tel_uri("call me"), None);
        assert_eq!(tel_uri("5\"><script>").as_deref(), Some("tel:5"));
    }

    #[test]
    fn the_note_is_stored_shown_while_the_window_is_open_and_audited_without_its_words() {
        let mut app = test_app();
        let now = t("2027-03-15T15:55:00Z");
        let ann = app.add_client("Ann", Some("ann@example.net"), None, now).unwrap().id;
        let appt = app.add_appointment(&[ann], t("2027-03-15T16:00:00Z"), 50, now).unwrap();
        let link = &appt.participants[0].link;
        let token = link[link.rfind('/').unwrap() + 1..].to_string();
        assert_eq!(
            app.set_late_note(appt.id, " Running 5 late ", now, None).unwrap().as_deref(),
            Some("Running 5 late")
        );
        assert_eq!(app.wait_status(&token, now).unwrap().note.as_deref(), Some("Running 5 late"));
        let after = t("2027-03-15T17:20:00Z");
        assert_eq!(app.wait_status(&token, after).unwrap().note, None, "window closed: gone");
        let err = app.set_late_note(appt.id, "again", after, None).unwrap_err().to_string();
        assert!(err.contains("over"), "{err}");
        assert_eq!(app.set_late_note(appt.id, "", now, None).unwrap(), None);
        assert_eq!(app.wait_status(&token, now).unwrap().note, None, "cleared");
        let trail = app.audit_since(0).unwrap();
        let notes: Vec<&str> = trail.iter().filter(|e| e.event == "session.note").map(|e| e.detail.as_str()).collect();
        assert_eq!(notes, ["note shown to those waiting (14 characters)", "note cleared"]);
    }

    #[test]
    fn the_link_goes_again_from_the_start_and_names_a_time_it_can_go_again() {
        let mut app = test_app();
        let booked = t("2027-03-15T15:00:00Z");
        app.set_setting("smtp_url", "smtp://relay.lan:25", booked).unwrap();
        app.set_setting("mail_from", "clinic@example.net", booked).unwrap();
        let ann = app.add_client("Ann", Some("ann@example.net"), None, booked).unwrap().id;
        let appt = app.add_appointment(&[ann], t("2027-03-15T16:00:00Z"), 50, booked).unwrap();
        // The window is open ten minutes before, but the mail says "has started".
        let err = app.resend_link(appt.id, ann, t("2027-03-15T15:55:00Z"), "127.0.0.1").unwrap_err().to_string();
        assert!(err.contains("from the start"), "{err}");
        app.resend_link(appt.id, ann, t("2027-03-15T16:02:15Z"), "127.0.0.1").unwrap();
        let err = app.resend_link(appt.id, ann, t("2027-03-15T16:03:00Z"), "127.0.0.1").unwrap_err().to_string();
        // Two minutes after 16:02:15 is 16:04:15: "from 4:05 PM", never "4:04 PM".
        assert!(err.contains("4:05"), "{err}");
        app.resend_link(appt.id, ann, t("2027-03-15T16:04:15Z"), "127.0.0.1").unwrap();
    }

    #[test]
    fn a_moved_session_drops_the_note_about_its_old_time() {
        let mut app = test_app();
        let now = t("2027-03-15T16:03:00Z");
        let ann = app.add_client("Ann", None, None, now).unwrap().id;
        let appt = app.add_appointment(&[ann], t("2027-03-15T16:00:00Z"), 50, now).unwrap();
        let link = &appt.participants[0].link;
        let token = link[link.rfind('/').unwrap() + 1..].to_string();
        app.set_late_note(appt.id, PRESETS[0], now, None).unwrap();
        // Nobody came: the clinician moves it to the same time next week.
        app.move_appointment(appt.id, t("2027-03-22T16:00:00Z"), None, now).unwrap();
        let next_week = t("2027-03-22T15:55:00Z");
        assert_eq!(app.wait_status(&token, next_week).unwrap().note, None, "\"5 minutes\" was about last week");
    }
}
