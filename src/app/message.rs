//! The ready-to-send message the clinician pastes into a secure message.

use serde::Serialize;

use crate::i18n::Arg;
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
    /// The language the message is written in: the one its date is
    /// (`when`, made by whoever addressed the message: the client's).
    pub fn lang(&self) -> &'static str {
        self.when.lang
    }

    /// Plain text: date, time and zone; the link; the code and where to type
    /// it; the portal; and what to do if nothing works. Every URL stands on
    /// a line of its own, so no punctuation after it can become part of the
    /// link where a mail reader turns text into links. In [`Self::lang`],
    /// from the `mail-copy-…` messages.
    pub fn text(&self) -> String {
        let say = |id: &str, args: &[(&str, Arg<'_>)]| say(self.lang(), id, args);
        let practice = ("practice", Arg::Text(self.practice));
        let at = self.when.line();
        let mut out = format!(
            "{}\n\n{}\n\n{}\n{}\n\n{}\n{}/join\n",
            say("mail-hello", &[("name", Arg::Text(self.first_name))]),
            say("mail-copy-when", &[practice.clone(), ("at", Arg::Text(&at)), ("minutes", Arg::Number(self.minutes))]),
            say("mail-copy-join", &[("minutes", Arg::Number(self.join_opens_minutes))]),
            self.link,
            say("mail-copy-code", &[("code", Arg::Text(self.code))]),
            self.base,
        );
        if let Some(portal) = self.portal {
            out += &format!("\n{}\n{portal}\n", say("mail-copy-portal", &[]));
        }
        out += &format!("\n{}\n", say("mail-copy-help", &[practice]));
        out
    }
}

/// Message `id` in `lang` (`assets/locales/*/mail.ftl`). Every id asked
/// for here is in the bundled English files, and the tests render each
/// one: a missing one is a fault of the build, not of the data.
pub(super) fn say(lang: &str, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    crate::i18n::text(lang, id, args).unwrap_or_else(|| panic!("the English message files lack {id}"))
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

    #[test]
    fn the_message_speaks_the_language_its_date_is_written_in() {
        let zone = crate::times::parse_zone("America/New_York").unwrap();
        let when = Local::in_lang("2026-12-01T06:00:00Z".parse().unwrap(), zone, "es");
        let text = Invitation {
            practice: "Harbour Counselling",
            first_name: "Ana",
            when: &when,
            minutes: 1,
            join_opens_minutes: 10,
            link: "https://porch.example.org/v/TOKEN",
            code: "7KQ2-M9XD",
            base: "https://porch.example.org",
            portal: None,
        }
        .text();
        let expected = "Hola, Ana:\n\n\
            Su sesión de video con Harbour Counselling es el martes, 1 de diciembre de 2026 a la 1:00 EST \
            (America/New_York) y dura 1 minuto.\n\n\
            Entre aquí (el enlace se abre 10 minutos antes de la hora de inicio):\n\
            https://porch.example.org/v/TOKEN\n\n\
            Si el enlace no se abre, escriba su código de acceso, 7KQ2-M9XD, en esta dirección:\n\
            https://porch.example.org/join\n\n\
            Si nada funciona, responda a este mensaje o llame a Harbour Counselling y lo resolveremos. \
            Por favor, no reenvíe este mensaje: el enlace es solo para usted.\n";
        assert_eq!(text, expected);
    }
}
