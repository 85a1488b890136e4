//! iCalendar (RFC 5545) files: the invitation attached to reminders, the
//! participant's "Add to calendar", and the clinician's feed.
//!
//! Times are written in UTC (`…Z`), which every calendar converts to its
//! own zone; the practice zone is named in the description. Text is
//! escaped, and lines are folded at 75 octets without splitting a
//! character.

use chrono::{DateTime, Utc};

/// `STATUS` of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Confirmed,
    Cancelled,
}

/// One `VEVENT`.
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable per participant and appointment (or per appointment in the
    /// feed), so updates replace the entry instead of adding one.
    pub uid: String,
    /// Raised on every change (RFC 5546).
    pub sequence: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    /// The language `summary` and `description` are written in (a BCP 47
    /// tag, RFC 5545 section 3.2.10), for a client's entry; `None` for
    /// the clinician's own.
    pub language: Option<&'static str>,
    pub url: Option<String>,
    pub status: Status,
    /// `(name, address)` of the practice, for invitations.
    pub organizer: Option<(String, String)>,
    /// `(name, address)` of the client, for invitations.
    pub attendee: Option<(String, String)>,
}

/// A whole `VCALENDAR`: `method` is `REQUEST` or `CANCEL` for mailed
/// invitations and `None` for files and feeds.
pub fn calendar(method: Option<&str>, name: Option<&str>, events: &[Event], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |text: String| fold_into(&mut out, &text);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Porchlight//Porchlight//EN".into());
    line("CALSCALE:GREGORIAN".into());
    if let Some(m) = method {
        line(format!("METHOD:{m}"));
    }
    if let Some(n) = name {
        line(format!("X-WR-CALNAME:{}", escape(n)));
    }
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("SEQUENCE:{}", e.sequence));
        line(format!("DTSTAMP:{}", stamp(now)));
        line(format!("DTSTART:{}", stamp(e.start)));
        line(format!("DTEND:{}", stamp(e.end)));
        let language = e.language.map(|l| format!(";LANGUAGE={l}")).unwrap_or_default();
        line(format!("SUMMARY{language}:{}", escape(&e.summary)));
        line(format!("DESCRIPTION{language}:{}", escape(&e.description)));
        if let Some(url) = &e.url {
            line(format!("URL:{url}"));
        }
        line(match e.status {
            Status::Confirmed => "STATUS:CONFIRMED".into(),
            Status::Cancelled => "STATUS:CANCELLED".into(),
        });
        if let Some((name, address)) = &e.organizer {
            line(format!("ORGANIZER;CN={}:mailto:{address}", param(name)));
        }
        if let Some((name, address)) = &e.attendee {
            line(format!("ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{address}", param(name)));
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT value escaping: backslash, semicolon, comma, newline.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: quoted, and without the characters a quoted
/// parameter cannot hold.
fn param(text: &str) -> String {
    let clean: String = text.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    format!("\"{clean}\"")
}

/// Append `text` as one content line, folded at 75 octets.
fn fold_into(out: &mut String, text: &str) {
    let mut width = 0;
    for c in text.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn event() -> Event {
        Event {
            uid: "abc@porchlight".into(),
            sequence: 2,
            start: t("2026-11-02T14:00:00Z"),
            end: t("2026-11-02T14:50:00Z"),
            summary: "Session; with, Dr \\ K".into(),
            description: "Line one\nLine two ".repeat(8),
            language: None,
            url: Some("https://porch.example.org/v/AAAA".into()),
            status: Status::Confirmed,
            organizer: Some(("Harbour \"Counselling\"".into(), "care@example.org".into())),
            attendee: None,
        }
    }

    #[test]
    fn lines_are_escaped_folded_and_crlf() {
        let text = calendar(Some("REQUEST"), None, &[event()], t("2026-11-01T00:00:00Z"));
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.contains("METHOD:REQUEST\r\n"));
        assert!(text.contains("SUMMARY:Session\\; with\\, Dr \\\\ K\r\n"));
        assert!(text.contains("DTSTART:20261102T140000Z\r\n"));
        assert!(text.contains("ORGANIZER;CN=\"Harbour Counselling\":mailto:care@example.org"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("DESCRIPTION:{}", "Line one\\nLine two ".repeat(8))));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn a_clients_entry_names_its_language_on_its_text() {
        let spanish = Event { language: Some("es"), summary: "Sesión de video".into(), ..event() };
        let text = calendar(None, None, &[spanish], t("2026-11-01T00:00:00Z")).replace("\r\n ", "");
        assert!(text.contains("\r\nSUMMARY;LANGUAGE=es:Sesión de video\r\n"), "{text}");
        assert!(text.contains("\r\nDESCRIPTION;LANGUAGE=es:Line one"), "{text}");
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        fold_into(&mut out, &format!("SUMMARY:{}", "é".repeat(100)));
        for line in out.split("\r\n") {
            assert!(line.len() <= 75);
        }
        assert_eq!(out.replace("\r\n ", "").trim_end(), format!("SUMMARY:{}", "é".repeat(100)));
    }
}
