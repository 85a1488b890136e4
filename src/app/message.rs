//! The ready-to-send message the clinician pastes into a secure message.

use serde::Serialize;

use crate::times::Local;

/// Everything a message needs about one participant's session (also what
/// the reminder mail templates are given).
#[derive(Serialize)]
pub struct Invitation<'a> {
    pub practice: &'a str,
    pub first_name: &'a str,
    pub when: &'a Local,
    pub minutes: i64,
    pub join_opens_minutes: i64,
    pub link: &'a str,
    pub code: &'a str,
    /// The site's base URL, for the typed-code page.
    pub base: &'a str,
    pub portal: Option<&'a str>,
}

impl Invitation<'_> {
    /// Plain text: date, time and zone; the link; the code and where to type
    /// it; the portal; and what to do if nothing works. Every URL stands on
    /// a line of its own, so no punctuation after it can become part of the
    /// link where a mail reader turns text into links.
    pub fn text(&self) -> String {
        let mut out = format!(
            "Hello {},\n\n\
             Your video session with {} is on {}, for {} minutes.\n\n\
             Join here (the link opens {} minutes before the start):\n{}\n\n\
             If the link doesn't open, type your access code, {}, at this address:\n{}/join\n",
            self.first_name,
            self.practice,
            self.when.line(),
            self.minutes,
            self.join_opens_minutes,
            self.link,
            self.code,
            self.base,
        );
        if let Some(portal) = self.portal {
            out += &format!("\nYour personal page with all your upcoming sessions (worth a bookmark):\n{portal}\n");
        }
        out += &format!(
            "\nIf nothing works, reply to this message or call {} and we will sort it out. \
             Please don't forward this message: the link is yours alone.\n",
            self.practice
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_has_everything_a_client_needs() {
        let zone = crate::times::parse_zone("America/New_York").unwrap();
        let when = Local::new("2026-12-01T19:00:00Z".parse().unwrap(), zone);
        let text = Invitation {
            practice: "Harbour Counselling",
            first_name: "Ann",
            when: &when,
            minutes: 50,
            join_opens_minutes: 10,
            link: "https://porch.example.org/v/TOKEN",
            code: "7KQ2-M9XD",
            base: "https://porch.example.org",
            portal: Some("https://porch.example.org/p/PORTAL"),
        }
        .text();
        for needle in [
            "Hello Ann",
            "Harbour Counselling",
            "Tuesday 1 December 2026 at 2:00 PM EST (America/New_York)",
            "https://porch.example.org/v/TOKEN",
            "https://porch.example.org/join",
            "7KQ2-M9XD",
            "https://porch.example.org/p/PORTAL",
            "If nothing works",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
    }
}
