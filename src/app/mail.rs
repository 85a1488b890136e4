//! Reminders, updates and cancellations: planning them when appointments
//! change, and composing each one from the data as it is when it goes out
//! (the current link and code, the client's current address).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::App;
use super::calendar::ParticipantEntry;
use super::message::Invitation;
use crate::error::Result;
use crate::i18n::Arg;
use crate::mail::ics::{self, Event, Status};
use crate::mail::plan::{self, Facts, Kind};
use crate::mail::sender::Outbox;
use crate::mail::{Compose, Outgoing};
use crate::model::Window;
use crate::render::Pages;
use crate::settings::Settings;
use crate::store::{ClientRow, OutboxRow, Store};
use crate::times::{self, Local};
use crate::token::{Kind as TokenKind, Seed};

/// What the mail templates are given: the invitation, and what it is.
#[derive(Serialize)]
pub struct MailBody<'a> {
    pub kind: Kind,
    /// The session's date and time in one phrase, in the message's
    /// language: "Monday 15 March 2027 at 12:00 PM EDT (America/New_York)".
    pub at: String,
    #[serde(flatten)]
    pub invitation: Invitation<'a>,
}

impl<'a> MailBody<'a> {
    pub fn new(kind: Kind, invitation: Invitation<'a>) -> Self {
        MailBody { kind, at: invitation.when.line(), invitation }
    }

    /// The mail template `name` (`mail_message.txt` or `.html`) filled in,
    /// in the invitation's language.
    pub fn render(&self, pages: &Pages, name: &str) -> Result<String> {
        pages.render_in(name, self.invitation.lang(), self)
    }
}

/// The outbox as the mail sender sees it: an `App` on the sender's own
/// database connection, and the templates messages are written with.
pub struct Post<'a> {
    pub app: App,
    pub pages: &'a Pages,
}

impl Outbox for Post<'_> {
    fn mail_server(&mut self) -> Result<Option<String>> {
        let settings = self.app.settings()?;
        Ok(settings.smtp_url.clone().filter(|_| settings.mail_from.is_some()))
    }

    fn compose(&mut self, row: &OutboxRow, now: DateTime<Utc>) -> Result<Compose> {
        let pages = self.pages;
        self.app.compose(row, now, |body| {
            Ok((body.render(pages, "mail_message.txt")?, body.render(pages, "mail_message.html")?))
        })
    }

    fn store(&mut self) -> &mut Store {
        &mut self.app.store
    }
}

/// Put what this version of the appointment calls for in the outbox
/// (the rule: [`plan::plan`]), retiring what an older version planned.
/// Runs in the transaction that changed the appointment.
pub(super) fn plan_outbox(tx: &rusqlite::Transaction<'_>, appointment_id: i64, hours: &[u32], now: i64) -> Result<()> {
    let Some((start_at, sequence, cancelled)) = Store::appointment_version(tx, appointment_id)? else {
        return Ok(());
    };
    let planned = plan::plan(Facts { start_at, sequence, cancelled }, hours, now);
    Store::put_outbox(tx, appointment_id, sequence, planned.into_iter().map(|m| (m.kind, m.hours, m.due_at)))
}

/// The facts a message to one participant is judged by: for a client
/// removed from the session, it is as good as cancelled (their
/// cancellation goes out, nothing else does).
pub(super) fn facts_for(appt: &crate::store::ApptRow, removed: bool) -> Facts {
    Facts { start_at: appt.start_at, sequence: appt.sequence, cancelled: appt.cancelled_at.is_some() || removed }
}

/// What a message to one participant of one appointment says about
/// them, worked out in one place for the mail sender and for the text the
/// clinician sends by hand ([`App::untold_text`]). `link` and `code` are
/// empty when the participant has no link any more. `when` is written in
/// the client's language, and so is everything made from these facts.
pub(super) struct Addressed {
    pub base: String,
    pub link: String,
    pub code: String,
    pub portal: Option<String>,
    pub when: Local,
    pub first_name: String,
}

impl Addressed {
    /// The invitation these facts make, for a session of `minutes`.
    pub fn invitation<'a>(&'a self, settings: &'a Settings, minutes: i64) -> Invitation<'a> {
        Invitation {
            practice: &settings.practice_name,
            first_name: &self.first_name,
            when: &self.when,
            minutes,
            join_opens_minutes: settings.window.join_opens_minutes,
            link: &self.link,
            code: &self.code,
            base: &self.base,
            portal: self.portal.as_deref(),
        }
    }
}

impl App {
    /// What a message to `client` about the appointment in `window` says
    /// of them, with the link and code derived from `seed` (the
    /// participant's link). The one place a mail's language is decided:
    /// the client's ([`App::language_of`]).
    pub(super) fn addressed(
        &mut self,
        settings: &Settings,
        window: &Window,
        client: &ClientRow,
        seed: Option<&Seed>,
    ) -> Result<Addressed> {
        let base = self.base_url()?;
        let link = seed.map(|s| format!("{base}/v/{}", self.keys.token(TokenKind::Participant, s))).unwrap_or_default();
        let code = seed.map(|s| crate::token::display_code(&self.keys.code(s))).unwrap_or_default();
        let portal = if settings.portal_links { self.portal_url(client.id)? } else { None };
        let when = Local::in_lang(window.starts_at, settings.timezone, self.language_of(client)?);
        let first_name = client.name.split_whitespace().next().unwrap_or("there").to_string();
        Ok(Addressed { base, link, code, portal, when, first_name })
    }

    /// The reminder hours in force.
    pub(super) fn reminder_hours(&mut self) -> Result<Vec<u32>> {
        Ok(self.settings()?.reminder_hours.clone())
    }

    /// Plan again every appointment that has not started (after the
    /// reminder hours changed).
    pub(super) fn replan_all(&mut self, now: DateTime<Utc>) -> Result<()> {
        let hours = self.reminder_hours()?;
        let ids = self.store.future_appointment_ids(now.timestamp())?;
        self.store.write(|tx| {
            for id in ids {
                plan_outbox(tx, id, &hours, now.timestamp())?;
            }
            Ok(())
        })
    }

    /// Decide and build the message for a due row. `render` turns the
    /// body into (text, html) with the bundled templates.
    pub fn compose(
        &mut self,
        row: &OutboxRow,
        now: DateTime<Utc>,
        render: impl Fn(&MailBody<'_>) -> Result<(String, String)>,
    ) -> Result<Compose> {
        let appt = self.appointment_row(row.appointment_id)?;
        let Some(addressee) = self.store.addressee(row.participant_id)? else {
            return Ok(Compose::Skip("the client is no longer in this session".into()));
        };
        if let Some(why) = plan::stale(row.kind, row.sequence, facts_for(&appt, addressee.removed), now.timestamp()) {
            return Ok(Compose::Skip(why.into()));
        }
        let settings = self.settings()?;
        let Some(from) = settings.mail_from.clone() else { return Ok(Compose::Skip("mail_from is not set".into())) };
        let Some(client) = self.store.client(row.client_id)? else { return Ok(Compose::Skip("no such client".into())) };
        if client.no_mail {
            return Ok(Compose::Skip("the client asked for no email".into()));
        }
        let Some(to) = client.email.clone() else { return Ok(Compose::Skip("the client has no email address".into())) };
        let Some(seed) = addressee.seed else {
            return Ok(Compose::Skip("the client is no longer in this session".into()));
        };
        let window = self.window_of(&appt)?;
        if row.kind == Kind::Resend && window.state_at(now) != crate::model::LinkState::Open {
            return Ok(Compose::Skip("the session's window had closed".into()));
        }
        let to_whom = self.addressed(&settings, &window, &client, Some(&seed))?;
        let (link_url, code, base, when) = (&to_whom.link, &to_whom.code, &to_whom.base, &to_whom.when);
        let (text, html) = render(&MailBody::new(row.kind, to_whom.invitation(&settings, appt.minutes)))?;
        let practice = &settings.practice_name;
        let subject = subject(row.kind, practice, when);
        let (method, status) = match row.kind {
            Kind::Cancel => ("CANCEL", Status::Cancelled),
            _ => ("REQUEST", Status::Confirmed),
        };
        let entry = ParticipantEntry {
            appt: &appt,
            window: &window,
            client_id: client.id,
            link: link_url,
            code,
            base,
            lang: when.lang,
        };
        let mut event = Event {
            status,
            organizer: Some((practice.clone(), from.clone())),
            attendee: Some((client.name.clone(), to.clone())),
            ..self.participant_event(&entry)?
        };
        if addressee.removed {
            // Their entry is cancelled though the session's version is
            // not raised (the others' calendars do not change): a
            // cancellation must carry a higher SEQUENCE than the
            // invitation it ends (RFC 5546, section 2.1.4).
            event.sequence += 1;
        }
        Ok(Compose::Send(Box::new(Outgoing {
            from_name: practice.clone(),
            from,
            to_name: client.name,
            to,
            subject,
            text,
            html,
            ics: ics::calendar(Some(method), None, &[event], now),
            method,
        })))
    }

    /// A calendar UID that stays the same for the participant (or, with
    /// `None`, the appointment) across moves, and says nothing about them.
    pub fn event_uid(&self, appointment_id: i64, client_id: Option<i64>) -> String {
        let data = format!("{appointment_id}:{}", client_id.map_or("all".to_string(), |c| c.to_string()));
        format!("{}@porchlight", self.keys.derive("calendar-uid", data.as_bytes()))
    }

    /// The outbox rows of an appointment, for its admin page.
    pub fn outbox_of(&mut self, appointment_id: i64) -> Result<Vec<OutboxRow>> {
        self.store.outbox_of(appointment_id)
    }

    /// The clinician's Send now.
    pub fn send_now(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let at = now.timestamp();
        self.store.write(|tx| Store::outbox_send_now(tx, id, at))
    }
}

/// A mail's subject line, in the language `when` is written in.
fn subject(kind: Kind, practice: &str, when: &Local) -> String {
    let id = match kind {
        Kind::Reminder => "mail-subject-reminder",
        Kind::Update => "mail-subject-update",
        Kind::Cancel => "mail-subject-cancel",
        Kind::Resend => "mail-subject-resend",
    };
    let args = [
        ("practice", Arg::Text(practice)),
        ("date", Arg::Text(&when.date)),
        ("time", Arg::Text(&when.time)),
        ("abbrev", Arg::Text(&when.abbrev)),
    ];
    super::message::say(when.lang, id, &args)
}

/// `12 November 2026 at 14:00` for an outbox row's time, in the zone.
pub fn local_time(at: i64, zone: chrono_tz::Tz) -> String {
    let l = Local::new(times::from_unix(at), zone);
    format!("{} {} {}", l.date, l.time, l.abbrev)
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;
    use crate::render::Pages;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const ZONE: &str = "America/New_York";
    const PRACTICE: &str = "Harbour <b>\"Care\"</b> & Co's";
    const CLIENT: &str = "Ann<script>alert(1)</script> Smith";

    /// Every message a client whose language is `lang` can get, as (name,
    /// text a reader sees, HTML source if any): each mailed kind with and
    /// without a portal link, each with its calendar entry's description,
    /// and the clinician's copy-message.
    fn every_message(lang: &'static str) -> Vec<(String, String, Option<String>)> {
        let pages = Pages::new();
        let render = |body: &MailBody<'_>| {
            Ok((body.render(&pages, "mail_message.txt")?, body.render(&pages, "mail_message.html")?))
        };
        let mut app = test_app();
        let now = t("2027-03-10T12:00:00Z");
        for (key, value) in [
            ("practice_name", PRACTICE),
            ("timezone", ZONE),
            ("public_url", "https://porch.harbour-counselling-and-family-therapy.example.org/clients"),
            ("mail_from", "care@harbour.example"),
        ] {
            app.set_setting(key, value, now).unwrap();
        }
        let mut out = vec![];
        for portal in ["on", "off"] {
            app.set_setting("portal_links", portal, now).unwrap();
            let ann = app.add_client_in(CLIENT, Some("ann@example.net"), None, Some(lang), now).unwrap().id;
            let appt = app.add_appointment(&[ann], t("2027-03-15T16:00:00Z"), 50, now).unwrap().id;
            let mut take = |app: &mut App, kind: Kind| {
                let row = app.outbox_of(appt).unwrap().into_iter().rev().find(|r| r.kind == kind).unwrap();
                let Compose::Send(m) = app.compose(&row, now, render).unwrap() else { panic!("{kind:?} skipped") };
                let name = format!("{kind:?}, portal {portal}");
                out.push((format!("{name}: text"), m.text.clone(), None));
                out.push((format!("{name}: HTML"), visible(&m.html), Some(m.html.clone())));
                let unfolded = m.ics.replace("\r\n ", "");
                let language = format!("DESCRIPTION;LANGUAGE={lang}:");
                let description = unfolded.lines().find_map(|l| l.strip_prefix(&language)).unwrap();
                let description = description.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";");
                out.push((format!("{name}: calendar description"), description.replace("\\\\", "\\"), None));
            };
            take(&mut app, Kind::Reminder);
            app.move_appointment(appt, t("2027-03-15T17:00:00Z"), None, now).unwrap();
            take(&mut app, Kind::Update);
            app.cancel_appointment(appt, now).unwrap();
            take(&mut app, Kind::Cancel);
        }
        let when = Local::in_lang(t("2027-03-15T16:00:00Z"), crate::times::parse_zone(ZONE).unwrap(), lang);
        for portal in [Some("https://porch.example.org/p/PORTAL"), None] {
            let copy = Invitation {
                practice: PRACTICE,
                first_name: "Ann",
                when: &when,
                minutes: 50,
                join_opens_minutes: 10,
                link: "https://porch.example.org/v/TOKEN",
                code: "7KQ2-M9XD",
                base: "https://porch.example.org",
                portal,
            };
            out.push((format!("copy-message, portal {}", portal.is_some()), copy.text(), None));
        }
        out
    }

    /// The text of an HTML part as a reader sees it: tags dropped,
    /// entities decoded.
    fn visible(html: &str) -> String {
        let mut text = String::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            text.push_str(&rest[..open]);
            rest = &rest[open + rest[open..].find('>').unwrap() + 1..];
        }
        text.push_str(rest);
        let decoded = [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#x27;", "'"), ("&amp;", "&")];
        decoded.iter().fold(text, |t, (entity, c)| t.replace(entity, c))
    }

    /// Each URL in `text` as a mail reader that turns text into links takes
    /// it: from `http` to the next white space.
    fn urls(text: &str) -> Vec<&str> {
        let mut found = vec![];
        let mut rest = text;
        while let Some(at) = rest.find("http://").or_else(|| rest.find("https://")) {
            let url = &rest[at..];
            let url = &url[..url.find(char::is_whitespace).unwrap_or(url.len())];
            found.push(url);
            rest = &rest[at + url.len()..];
        }
        found
    }

    /// Both languages' messages, each named with its language.
    fn in_every_language() -> Vec<(String, String, Option<String>)> {
        let mut all = vec![];
        for lang in crate::i18n::available() {
            all.extend(
                every_message(lang).into_iter().map(|(name, text, html)| (format!("{name} ({lang})"), text, html)),
            );
        }
        all
    }

    #[test]
    fn no_message_puts_punctuation_after_a_url() {
        let messages = in_every_language();
        assert_eq!(messages.len(), 2 * (2 * 3 * 3 + 2));
        for (name, text, _) in &messages {
            for url in urls(text) {
                assert!(!url.ends_with(['.', ',', ';', ':', '!', '?', ')', '\'', '"']), "{name}: {url:?} in\n{text}");
            }
        }
        // The check itself sees what it is for.
        assert_eq!(urls("go to http://h/join. Or (http://h/p)"), ["http://h/join.", "http://h/p)"]);
        for (name, text, html) in &messages {
            // The HTML part shows its link as a button. A cancellation
            // has none, in its text or its calendar entry.
            if name.starts_with("Cancel") {
                assert!(!text.contains("/v/") && !text.contains("/join"), "{name} offers no way in:\n{text}");
            } else if html.is_none() {
                assert!(text.contains("/v/") && text.contains("/join"), "{name} carries the links:\n{text}");
            }
        }
    }

    #[test]
    fn every_message_names_the_zone_once() {
        for (name, text, _) in in_every_language() {
            assert!(text.matches(ZONE).count() <= 1, "{name}:\n{text}");
            let cancel = name.starts_with("Cancel");
            assert!(cancel || text.contains(ZONE) || name.contains("HTML") && text.contains("EDT"), "{name}:\n{text}");
        }
    }

    #[test]
    fn mail_html_writes_urls_plainly_and_escapes_names() {
        for (name, text, html) in in_every_language() {
            let Some(html) = html else { continue };
            assert!(!html.contains("&#x2f;"), "{name}: {html}");
            if !name.starts_with("Cancel") {
                assert!(
                    html.contains("href=\"https://porch.harbour-counselling-and-family-therapy.example.org/clients/v/")
                );
            }
            assert!(html.contains("Harbour &lt;b&gt;&quot;Care&quot;&lt;/b&gt; &amp; Co&#x27;s"), "{name}: {html}");
            assert!(html.contains("Ann&lt;script&gt;alert(1)&lt;/script&gt;"), "{name}: {html}");
            assert!(!html.contains("<script") && !html.contains("<b>"), "{name}: {html}");
            let hello = if name.ends_with("(es)") {
                "Hola, Ann<script>alert(1)</script>:"
            } else {
                "Hello Ann<script>alert(1)</script>,"
            };
            assert!(text.contains(PRACTICE) && text.contains(hello), "{name}: {text}");
        }
    }
}
