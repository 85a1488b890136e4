//! The settings keys of SPEC.md, each described once: its default, what
//! it means (the hint the settings page shows), how it is asked for, and
//! whether it is secret or sealed. The settings page, `settings show`,
//! `settings set`/`reset` and validation all read this table.

/// How a key is asked for, on the settings page and in validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, checked by the key's own rule.
    Text,
    /// One of these values, shown as a menu.
    Choice(&'static [&'static str]),
    /// Write-only: never shown, never quoted in an error, sealed at rest.
    Secret,
}

/// One settings key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    /// `None`: unset unless set.
    pub default: Option<&'static str>,
    pub kind: Kind,
    /// Kept sealed with the key file (`sealed.rs`): the secrets, and the
    /// mail server URL, which carries a password.
    pub sealed: bool,
    /// How the settings page names it.
    pub label: &'static str,
    /// What it means, as the settings page says under it.
    pub hint: &'static str,
}

impl Key {
    /// Write-only (see [`Kind::Secret`]).
    pub fn secret(&self) -> bool {
        self.kind == Kind::Secret
    }

    /// The values a menu offers; empty for the rest.
    pub fn choices(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Choice(choices) => choices,
            _ => &[],
        }
    }
}

const ON_OFF: &[&str] = &["on", "off"];

const fn text(name: &'static str, default: Option<&'static str>, label: &'static str, hint: &'static str) -> Key {
    Key { name, default, kind: Kind::Text, sealed: false, label, hint }
}

const fn choice(name: &'static str, of: &'static [&'static str], label: &'static str, hint: &'static str) -> Key {
    Key { name, default: Some(of[0]), kind: Kind::Choice(of), sealed: false, label, hint }
}

const fn secret(name: &'static str, label: &'static str, hint: &'static str) -> Key {
    Key { name, default: None, kind: Kind::Secret, sealed: true, label, hint }
}

/// Every key, in the order the settings page and `settings show` list them.
pub const KEYS: &[Key] = &[
    text("practice_name", Some("My Practice"), "Practice name", "Shown on every client page and message."),
    text(
        "timezone",
        Some("UTC"),
        "Time zone",
        "IANA name, e.g. America/New_York or Europe/London. All times are read and shown in it. Set it before \
         booking repeating sessions: a series keeps the local time of the zone it was made in.",
    ),
    text(
        "language",
        Some("en"),
        "Clients' language",
        "The language of client pages, reminders and messages for clients who have none of their own (en or es); \
         a client's own is set on their page. The admin pages stay in English.",
    ),
    text(
        "public_url",
        None,
        "Public address",
        "The address clients use, e.g. https://porch.example.org. Empty: the address Porchlight listens on.",
    ),
    text(
        "allowed_hosts",
        None,
        "Other names of this machine (admin pages and room)",
        "Names besides its IP addresses under which this machine's admin pages and video room open, e.g. porch.lan \
         (commas between, no ports). The public address and this machine's own name (also with .local) always work.",
    ),
    text(
        "join_opens_minutes",
        Some("10"),
        "Link opens (minutes before the start)",
        "How many minutes before the start a link opens.",
    ),
    text(
        "link_expires_minutes",
        Some("30"),
        "Link closes (minutes after the end)",
        "How many minutes after the end a link stays open.",
    ),
    text(
        "session_minutes",
        Some("50"),
        "Usual session length (minutes)",
        "The length a new appointment starts with, in the booking form and in appt add without --minutes.",
    ),
    choice(
        "portal_links",
        ON_OFF,
        "Personal portal links",
        "on or off. Off turns every personal portal link into a page pointing to the reminder.",
    ),
    choice(
        "video_provider",
        &["url", "jitsi", "builtin"],
        "Video provider",
        "url, jitsi or builtin (the video room served by Porchlight itself, browser to browser).",
    ),
    text(
        "video_url_template",
        None,
        "Video room address",
        "The video room address with {room}, e.g. https://meet.example.org/{room}.",
    ),
    text("jitsi_app_id", None, "Jitsi app id", "Jitsi token authentication: the app id."),
    secret(
        "jitsi_secret",
        "Jitsi secret",
        "Jitsi token authentication: the secret (write-only; leave empty to keep it).",
    ),
    text("jitsi_audience", Some("jitsi"), "Jitsi audience", "Jitsi token authentication: the audience."),
    text(
        "jitsi_sub",
        None,
        "Jitsi XMPP domain",
        "Jitsi token authentication: the token's sub, the Jitsi server's XMPP domain (docker-jitsi-meet: \
         meet.jitsi). Empty: the host of the video room address.",
    ),
    text(
        "series_horizon_weeks",
        Some("12"),
        "Repeating sessions made ahead (weeks)",
        "How many weeks ahead the sessions of a repeating series exist, each with its own links (1 to 104).",
    ),
    secret(
        "calendar_import_url",
        "Calendar to import (private address)",
        "Another calendar's private address (https:// or webcal://), imported every 15 minutes; the dashboard \
         shows the last sync. Write-only, as it opens the calendar to anyone who has it; leave empty to keep it.",
    ),
    text(
        "litestream_socket",
        None,
        "Litestream's control socket (continuous copy)",
        "Where Litestream answers about the copy it streams off this box (socket: path: in litestream.yml), e.g. \
         /var/lib/porchlight/litestream.sock. Set, the dashboard shows how fresh the copy is and warns when it \
         stalls. Empty: not asked.",
    ),
    choice("waiting_room", ON_OFF, "Waiting room", "on or off."),
    text(
        "not_here_after_minutes",
        Some("2"),
        "Not here yet (minutes after the start)",
        "How many minutes after the start a client who has not arrived is marked Not here yet, with Send the link \
         again and their phone number (0 to 60).",
    ),
    text(
        "stun_urls",
        None,
        "STUN servers (built-in room)",
        "Built-in room only, for clients outside your network: STUN servers, e.g. stun:stun.example.org:3478 \
         (commas between). Empty on one LAN.",
    ),
    text(
        "turn_url",
        None,
        "TURN server (built-in room)",
        "Built-in room only: a coturn server for networks where direct video fails, e.g. \
         turn:turn.example.org:3478.",
    ),
    secret("turn_secret", "TURN secret", "coturn's static-auth-secret (write-only; leave empty to keep it)."),
    Key {
        sealed: true,
        ..text(
            "smtp_url",
            None,
            "Outgoing mail server",
            "Outgoing mail, e.g. smtps://user:pass@mail.example.org:465. Empty: no mail.",
        )
    },
    text("mail_from", None, "Reminder sender address", "Sender address of reminders."),
    text(
        "reminder_hours",
        Some("24,1"),
        "Reminders (hours before)",
        "Hours before the start at which reminders go out, e.g. 24,1.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_described_once_and_fully() {
        let mut names: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KEYS.len(), "no key twice");
        for k in KEYS {
            assert!(!k.label.is_empty() && k.hint.ends_with('.'), "{}", k.name);
            assert!(!k.secret() || (k.sealed && k.default.is_none()), "a secret is sealed and has no default");
            if let Kind::Choice(of) = k.kind {
                assert_eq!(k.default, Some(of[0]), "{}: a menu starts at its default", k.name);
            }
        }
        let sealed: Vec<&str> = KEYS.iter().filter(|k| k.sealed).map(|k| k.name).collect();
        assert_eq!(sealed, ["jitsi_secret", "calendar_import_url", "turn_secret", "smtp_url"]);
    }
}
