//! Practice settings: the keys of SPEC.md, their defaults and validation.
//!
//! Settings are stored as text, one row per key that was ever set. This
//! module is the only place that knows which keys exist (the table of
//! `keys.rs`, with what each means) and what a valid value looks like;
//! [`Settings`] is the typed view the rest reads.

use chrono_tz::Tz;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::WindowRule;
use crate::times;

mod keys;

pub use keys::{KEYS, Key, Kind};

/// Keys whose stored value is sealed with the key file (see `sealed.rs`).
pub fn is_sealed(key: &str) -> bool {
    KEYS.iter().any(|k| k.name == key && k.sealed)
}

/// `smtp_url` as shown: the password masked.
pub fn shown_value(key: &str, value: &str) -> String {
    if key == "smtp_url" { crate::urls::mask_password(value) } else { value.to_string() }
}

/// The typed settings the program runs on.
#[derive(Debug, Clone)]
pub struct Settings {
    pub practice_name: String,
    pub timezone: Tz,
    /// Base of every link, without a trailing slash; `None` means "from
    /// the address `serve` listens on".
    pub public_url: Option<String>,
    /// More names of this machine the admin pages and the room answer to
    /// (see `hosts.rs`), lower-case.
    pub allowed_hosts: Vec<String>,
    pub window: WindowRule,
    /// The usual length of a session in minutes (`session_minutes`,
    /// 1 to [`crate::model::MAX_MINUTES`]): what booking starts with.
    pub session_minutes: i64,
    pub portal_links: bool,
    pub video_provider: Provider,
    pub video_url_template: Option<String>,
    pub jitsi: Jitsi,
    /// Clients wait until the clinician starts or admits them.
    pub waiting_room: bool,
    /// Minutes after the start from which a participant who has not
    /// arrived is marked "Not here yet" (`not_here_after_minutes`, 0 to 60).
    pub not_here_after_minutes: i64,
    /// How browsers in the built-in room reach each other across networks.
    pub ice: Ice,
    /// Outgoing mail server (already unsealed); `None`: no mail.
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    /// Hours before the start, largest first.
    pub reminder_hours: Vec<u32>,
    /// How far ahead a series' occurrences exist, in weeks (SPEC, Settings).
    pub series_horizon_weeks: i64,
    /// The calendar synced every 15 minutes (already unsealed, as typed;
    /// `crate::urls::calendar_address` reads it); `None`: no sync.
    pub calendar_import_url: Option<String>,
    /// Litestream's control socket, asked how fresh the continuous copy
    /// is; `None`: the dashboard does not ask.
    pub litestream_socket: Option<std::path::PathBuf>,
    /// The language of clients who have none of their own, and of pages
    /// that know no client and no browser preference (`i18n`).
    pub language: &'static str,
}

/// Where Join leads (`video_provider`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// `video_url_template` as it is.
    Url,
    /// A self-hosted Jitsi Meet with token authentication.
    Jitsi,
    /// The room served by Porchlight itself.
    Builtin,
}

/// STUN and TURN servers for the built-in room: none is needed on one LAN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ice {
    /// `stun:host[:port]` URLs.
    pub stun_urls: Vec<String>,
    /// A coturn server using its REST credentials (`use-auth-secret`).
    pub turn_url: Option<String>,
    /// coturn's `static-auth-secret`; already unsealed.
    pub turn_secret: Option<String>,
}

/// Token authentication for a self-hosted Jitsi Meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jitsi {
    pub app_id: Option<String>,
    /// Already unsealed: the database holds it sealed.
    pub secret: Option<String>,
    pub audience: String,
    /// The token's `sub`: the Jitsi server's XMPP domain, which Prosody
    /// checks it against (docker-jitsi-meet: `meet.jitsi`). `None`: the
    /// host of `video_url_template`, right for a Debian install.
    pub sub: Option<String>,
}

impl Settings {
    /// Build from stored `(key, value)` pairs; unknown or unreadable stored
    /// values fall back to defaults (they were validated when set).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Settings {
        let mut s = Settings::default();
        for (key, value) in pairs {
            match key {
                "practice_name" => s.practice_name = value.to_string(),
                "timezone" => s.timezone = times::parse_zone(value).unwrap_or(Tz::UTC),
                "public_url" => s.public_url = Some(value.to_string()),
                "allowed_hosts" => s.allowed_hosts = value.split(',').map(str::to_string).collect(),
                "join_opens_minutes" => s.window.join_opens_minutes = value.parse().unwrap_or(10),
                "link_expires_minutes" => s.window.link_expires_minutes = value.parse().unwrap_or(30),
                "session_minutes" => s.session_minutes = value.parse().unwrap_or(50),
                "portal_links" => s.portal_links = value == "on",
                "series_horizon_weeks" => s.series_horizon_weeks = value.parse().unwrap_or(12),
                "video_provider" => {
                    s.video_provider = match value {
                        "jitsi" => Provider::Jitsi,
                        "builtin" => Provider::Builtin,
                        _ => Provider::Url,
                    }
                }
                "video_url_template" => s.video_url_template = Some(value.to_string()),
                "jitsi_app_id" => s.jitsi.app_id = Some(value.to_string()),
                "jitsi_secret" => s.jitsi.secret = Some(value.to_string()),
                "jitsi_audience" => s.jitsi.audience = value.to_string(),
                "jitsi_sub" => s.jitsi.sub = Some(value.to_string()),
                "waiting_room" => s.waiting_room = value != "off",
                "not_here_after_minutes" => s.not_here_after_minutes = value.parse().unwrap_or(2),
                "stun_urls" => s.ice.stun_urls = value.split(',').map(|u| u.trim().to_string()).collect(),
                "turn_url" => s.ice.turn_url = Some(value.to_string()),
                "turn_secret" => s.ice.turn_secret = Some(value.to_string()),
                "smtp_url" => s.smtp_url = Some(value.to_string()),
                "mail_from" => s.mail_from = Some(value.to_string()),
                "calendar_import_url" => s.calendar_import_url = Some(value.to_string()),
                "litestream_socket" => s.litestream_socket = Some(value.into()),
                "language" => s.language = crate::i18n::find(value).unwrap_or(crate::i18n::ENGLISH),
                "reminder_hours" => {
                    s.reminder_hours = value.split(',').filter_map(|h| h.trim().parse().ok()).collect();
                }
                _ => {}
            }
        }
        s
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            practice_name: "My Practice".into(),
            timezone: Tz::UTC,
            public_url: None,
            allowed_hosts: vec![],
            window: WindowRule::default(),
            session_minutes: 50,
            portal_links: true,
            video_provider: Provider::Url,
            video_url_template: None,
            jitsi: Jitsi { app_id: None, secret: None, audience: "jitsi".into(), sub: None },
            waiting_room: true,
            not_here_after_minutes: 2,
            ice: Ice::default(),
            smtp_url: None,
            mail_from: None,
            reminder_hours: vec![24, 1],
            series_horizon_weeks: 12,
            calendar_import_url: None,
            litestream_socket: None,
            language: crate::i18n::ENGLISH,
        }
    }
}

/// One line of `settings show`.
#[derive(Debug, Serialize)]
pub struct Shown {
    pub key: &'static str,
    pub value: Option<String>,
    pub default: bool,
}

/// What `settings show` prints: every key, secrets masked.
pub fn show<'a>(stored: impl Fn(&str) -> Option<&'a str>) -> Vec<Shown> {
    KEYS.iter()
        .map(|k| {
            let (key, default, secret) = (k.name, k.default, k.secret());
            let value = stored(key);
            let is_default = value.is_none();
            let value = value.or(default).map(|v| if secret { "********".to_string() } else { shown_value(key, v) });
            // jitsi_sub's default follows another setting (SPEC, Settings).
            let value = match key {
                "jitsi_sub" if is_default => stored("video_url_template").and_then(crate::hosts::host_of),
                _ => value,
            };
            Shown { key, value, default: is_default }
        })
        .collect()
}

/// Check and normalise a value for `key`. The error names the key and the
/// value (never for secrets) and says what would be accepted.
pub fn validate(key: &str, value: &str) -> Result<String> {
    let described = find(key)?;
    let secret = described.secret();
    let value = value.trim();
    let checked = match described.kind {
        _ if value.chars().any(char::is_control) => Err("control characters are not allowed".to_string()),
        Kind::Choice(allowed) if !allowed.contains(&value) => Err(format!("use {}", allowed.join(" or "))),
        _ => check(key, value),
    };
    checked.map_err(|why| match (secret || key == "smtp_url", key) {
        (_, "timezone") => Error::input(why),
        (true, _) => Error::input(format!("bad value for {key}: {why}")),
        (false, _) => Error::input(format!("bad value {value:?} for {key}: {why}")),
    })
}

/// The default of `key` (`None`: unset), or an error naming an unknown key.
pub fn default_of(key: &str) -> Result<Option<&'static str>> {
    Ok(find(key)?.default)
}

/// Is `key` a secret (write-only) setting? An error naming the key if it
/// is not a setting at all.
pub fn is_secret(key: &str) -> Result<bool> {
    Ok(find(key)?.secret())
}

/// The description of `key`, or an error naming it and the known keys.
pub fn find(key: &str) -> Result<&'static Key> {
    KEYS.iter().find(|k| k.name == key).ok_or_else(|| {
        let known: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
        Error::input(format!("unknown setting {key:?} (known: {})", known.join(", ")))
    })
}

/// The rule of each free-text key (a menu's values come from the table):
/// the normalised value, or why it was refused.
fn check(key: &str, value: &str) -> Result<String, String> {
    let why = |s: &str| Err(s.to_string());
    match key {
        "practice_name" if value.is_empty() || value.chars().count() > 100 => why("use 1 to 100 characters"),
        "timezone" => times::parse_zone(value).map(|z| z.name().to_string()).map_err(|e| e.to_string()),
        "public_url" => crate::urls::public_url(value).map_err(String::from),
        "allowed_hosts" => allowed_hosts(value),
        "join_opens_minutes" | "link_expires_minutes" => match value.parse::<i64>() {
            Ok(n) if (0..=24 * 60).contains(&n) => Ok(n.to_string()),
            Ok(_) => why("use 0 to 1440 minutes"),
            Err(_) => why("use a whole number of minutes"),
        },
        "series_horizon_weeks" => match value.parse::<i64>() {
            Ok(n) if (1..=104).contains(&n) => Ok(n.to_string()),
            Ok(_) => why("use 1 to 104 weeks"),
            Err(_) => why("use a whole number of weeks"),
        },
        "not_here_after_minutes" => match value.parse::<i64>() {
            Ok(n) if (0..=60).contains(&n) => Ok(n.to_string()),
            Ok(_) => why("use 0 to 60 minutes"),
            Err(_) => why("use a whole number of minutes"),
        },
        "session_minutes" => match value.parse::<i64>() {
            Ok(n) if (1..=crate::model::MAX_MINUTES).contains(&n) => Ok(n.to_string()),
            Ok(_) => Err(format!("use 1 to {} minutes", crate::model::MAX_MINUTES)),
            Err(_) => why("use a whole number of minutes"),
        },
        "video_url_template" => crate::urls::room_template(value).map(|()| value.to_string()).map_err(String::from),
        "jitsi_app_id" | "jitsi_audience" if value.is_empty() || value.len() > 200 => why("use 1 to 200 characters"),
        "jitsi_secret" if value.len() < 32 => why("use at least 32 characters"),
        "jitsi_sub" => crate::hosts::dns_name(value)
            .ok_or_else(|| "use the Jitsi server's XMPP domain, a DNS name such as meet.jitsi".to_string()),
        "stun_urls" => {
            let urls: Vec<&str> = value.split(',').map(str::trim).collect();
            if urls.iter().all(|u| ice_url(u, &["stun", "stuns"])) {
                Ok(urls.join(","))
            } else {
                why("use stun:host:port URLs separated by commas, e.g. stun:stun.example.org:3478")
            }
        }
        "turn_url" if !ice_url(value, &["turn", "turns"]) => {
            why("use turn:host:port or turns:host:port, optionally with ?transport=udp or ?transport=tcp")
        }
        "turn_secret" if value.len() < 16 => why("use at least 16 characters (coturn's static-auth-secret)"),
        "smtp_url" if crate::urls::mail_server(value).is_none() => {
            why("use smtps://user:pass@host:465, smtp://user:pass@host:587?tls=required or smtp://relay.lan:25")
        }
        "smtp_url" if value.contains(":********@") => why("type the password again: it is shown masked"),
        "calendar_import_url" => crate::urls::calendar_address(value).map(|_| value.to_string()).map_err(String::from),
        "litestream_socket" => socket_path(value),
        "language" => crate::i18n::find(value)
            .map(str::to_string)
            .ok_or_else(|| format!("use a language Porchlight speaks: {}", crate::i18n::available().join(", "))),
        "mail_from" => crate::email::address(value).ok_or_else(|| "use an email address".to_string()),
        "reminder_hours" => {
            let mut hours = vec![];
            for part in value.split(',') {
                match part.trim().parse::<u32>() {
                    Ok(h) if (1..=24 * 14).contains(&h) => hours.push(h),
                    Ok(_) => return why("each hour must be 1 to 336"),
                    Err(_) => return why("use hours separated by commas, e.g. 24,1"),
                }
            }
            hours.sort_unstable_by(|a, b| b.cmp(a));
            hours.dedup();
            Ok(hours.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
        }
        _ => Ok(value.to_string()),
    }
}

/// `/var/lib/porchlight/litestream.sock`: an absolute path a Unix socket
/// can have (at most 107 bytes, the `sun_path` of Linux's `unix(7)` less
/// its terminating NUL), without control characters.
fn socket_path(value: &str) -> Result<String, String> {
    if !value.starts_with('/') || value.len() > 107 || value.chars().any(char::is_control) {
        return Err("use the absolute path of Litestream's control socket (socket: path: in litestream.yml), \
                    at most 107 bytes, e.g. /var/lib/porchlight/litestream.sock"
            .into());
    }
    Ok(value.to_string())
}

/// `stun:stun.example.org:3478`, `turn:203.0.113.5:3478?transport=udp`:
/// one of `schemes`, a plain host, an optional port and transport.
fn ice_url(value: &str, schemes: &[&str]) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else { return false };
    let (rest, transport) = match rest.split_once("?transport=") {
        Some((r, t)) => (r, Some(t)),
        None => (rest, None),
    };
    let plain = |b: u8| b.is_ascii_alphanumeric() || b".-:[]".contains(&b);
    schemes.contains(&scheme)
        && !rest.is_empty()
        && !rest.starts_with("//")
        && rest.bytes().all(plain)
        && transport.is_none_or(|t| t == "udp" || t == "tcp")
}

/// `Porch.LAN, therapy-pi` → `porch.lan,therapy-pi`: host names without
/// ports, at most 20.
fn allowed_hosts(value: &str) -> Result<String, String> {
    let names: Option<Vec<String>> = value.split(',').map(|n| crate::hosts::dns_name(n.trim())).collect();
    match names {
        Some(mut names) if names.len() <= 20 => {
            names.dedup();
            Ok(names.join(","))
        }
        _ => Err("use host names separated by commas, without ports, e.g. porch.lan,therapy-pi".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let s = Settings::default();
        assert_eq!(s.practice_name, "My Practice");
        assert_eq!(s.timezone, Tz::UTC);
        assert_eq!(s.window, WindowRule { join_opens_minutes: 10, link_expires_minutes: 30 });
        assert!(s.portal_links);
        assert!(s.waiting_room);
        assert_eq!(s.video_provider, Provider::Url);
        assert_eq!(s.jitsi.audience, "jitsi");
        assert_eq!(s.session_minutes, 50);
        assert_eq!(default_of("session_minutes").unwrap(), Some("50"));
    }

    #[test]
    fn good_values_are_normalised() {
        assert_eq!(validate("public_url", "https://Porch.Example.org/").unwrap(), "https://porch.example.org");
        assert_eq!(validate("public_url", "http://192.168.1.5:8080").unwrap(), "http://192.168.1.5:8080");
        assert_eq!(validate("reminder_hours", "1, 24,1").unwrap(), "24,1");
        assert_eq!(validate("allowed_hosts", "Porch.LAN, therapy-pi.").unwrap(), "porch.lan,therapy-pi");
        assert_eq!(validate("join_opens_minutes", " 15 ").unwrap(), "15");
        assert_eq!(validate("session_minutes", "045").unwrap(), "45");
        assert_eq!(validate("session_minutes", "720").unwrap(), "720");
        assert_eq!(validate("not_here_after_minutes", " 05 ").unwrap(), "5");
        assert_eq!(validate("not_here_after_minutes", "0").unwrap(), "0");
        assert_eq!(Settings::default().not_here_after_minutes, 2);
        assert_eq!(default_of("not_here_after_minutes").unwrap(), Some("2"));
        assert_eq!(Settings::from_pairs([("not_here_after_minutes", "5")]).not_here_after_minutes, 5);
        assert_eq!(validate("timezone", "Europe/London").unwrap(), "Europe/London");
        assert_eq!(validate("jitsi_sub", "Meet.Jitsi").unwrap(), "meet.jitsi");
        assert_eq!(
            validate("stun_urls", "stun:a.example.org:3478, stun:[2001:db8::1]").unwrap(),
            "stun:a.example.org:3478,stun:[2001:db8::1]"
        );
        assert_eq!(
            validate("turn_url", "turns:turn.example.org:5349?transport=tcp").unwrap(),
            "turns:turn.example.org:5349?transport=tcp"
        );
    }

    #[test]
    fn bad_values_are_refused_naming_key_and_value() {
        for (key, value) in [
            ("timezone", "Mars/Base"),
            ("public_url", "ftp://x"),
            ("public_url", "https://x/?a=b"),
            ("public_url", "https://a b"),
            ("allowed_hosts", "porch.lan:8080"),
            ("allowed_hosts", "http://porch.lan"),
            ("allowed_hosts", "porch.lan,,x"),
            ("join_opens_minutes", "-1"),
            ("join_opens_minutes", "ten"),
            ("link_expires_minutes", "99999"),
            ("session_minutes", "0"),
            ("not_here_after_minutes", "61"),
            ("not_here_after_minutes", "-1"),
            ("not_here_after_minutes", "2.5"),
            ("session_minutes", "721"),
            ("session_minutes", "50.5"),
            ("portal_links", "yes"),
            ("video_provider", "skype"),
            ("video_url_template", "https://meet.example.org/fixed"),
            ("reminder_hours", "24,x"),
            ("stun_urls", "https://stun.example.org"),
            ("stun_urls", "stun:a.example.org,turn:b.example.org"),
            ("turn_url", "stun:turn.example.org"),
            ("turn_url", "turn:turn.example.org?transport=carrier-pigeon"),
            ("practice_name", ""),
            ("practice_name", "a\nb"),
            ("jitsi_sub", "https://meet.jitsi"),
            ("jitsi_sub", "meet jitsi"),
            ("jitsi_sub", "meet.jitsi:5280"),
            ("mail_from", "care"),
            ("mail_from", "Care <care@harbour.example>"),
        ] {
            let err = validate(key, value).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            let msg = err.to_string();
            assert!(msg.contains(key) || key == "timezone", "{msg}");
            assert!(msg.contains(&format!("{value:?}")), "{msg}");
        }
        assert!(validate("colour", "blue").unwrap_err().to_string().contains("\"colour\""));
    }

    #[test]
    fn menus_take_the_values_their_row_lists_and_nothing_else() {
        for k in KEYS {
            for value in k.choices() {
                assert_eq!(validate(k.name, value).unwrap(), *value);
            }
            if !k.choices().is_empty() {
                let err = validate(k.name, "maybe").unwrap_err().to_string();
                assert!(err.contains(&k.choices().join(" or ")), "{err}");
            }
        }
        let listed: Vec<&str> = show(|_| None).iter().map(|s| s.key).collect();
        assert_eq!(listed, KEYS.iter().map(|k| k.name).collect::<Vec<_>>(), "show lists the table");
        assert_eq!(default_of("waiting_room").unwrap(), Some("on"));
        assert!(is_secret("turn_secret").unwrap() && !is_secret("smtp_url").unwrap() && is_sealed("smtp_url"));
    }

    #[test]
    fn secrets_never_appear_in_errors_or_show() {
        let err = validate("jitsi_secret", "short-secret").unwrap_err().to_string();
        assert!(!err.contains("short-secret"), "{err}");
        let shown = show(|k| match k {
            "jitsi_secret" => Some("a-very-long-secret-value-0123456789"),
            "smtp_url" => Some("smtps://me:hunter2@mail.example.org:465"),
            _ => None,
        });
        let text = serde_json::to_string(&shown).unwrap();
        assert!(!text.contains("a-very-long-secret") && !text.contains("hunter2"), "{text}");
        assert!(text.contains("smtps://me:********@mail.example.org:465"), "{text}");
    }

    #[test]
    fn a_calendar_address_is_checked_and_never_quoted() {
        for ok in
            ["https://cal.example.org/private-abc/basic.ics", "webcal://cal.example.org/x", "http://127.0.0.1:8000/c"]
        {
            assert_eq!(validate("calendar_import_url", ok).unwrap(), ok);
        }
        let err = validate("calendar_import_url", "http://8.8.8.8/private-abc.ics?key=s3cret").unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.exit_code(), 2);
        assert!(msg.contains("calendar_import_url") && msg.contains("https://"), "{msg}");
        assert!(!msg.contains("8.8.8.8") && !msg.contains("s3cret"), "the address is a secret: {msg}");
        assert!(is_secret("calendar_import_url").unwrap() && is_sealed("calendar_import_url"));
        let shown = show(|k| (k == "calendar_import_url").then_some("https://cal.example.org/private-abc"));
        let text = serde_json::to_string(&shown).unwrap();
        assert!(!text.contains("private-abc"), "{text}");
    }

    #[test]
    fn jitsi_sub_defaults_to_the_room_address_host() {
        let shown = |stored: &[(&'static str, &'static str)]| {
            let stored = stored.to_vec();
            let all = show(|k| stored.iter().find(|(key, _)| *key == k).map(|(_, v)| *v));
            let sub = all.into_iter().find(|s| s.key == "jitsi_sub").unwrap();
            (sub.value, sub.default)
        };
        assert_eq!(shown(&[]), (None, true));
        assert_eq!(
            shown(&[("video_url_template", "https://Meet.Example.org/{room}")]),
            (Some("meet.example.org".into()), true)
        );
        assert_eq!(
            shown(&[("video_url_template", "https://meet.example.org/{room}"), ("jitsi_sub", "meet.jitsi")]),
            (Some("meet.jitsi".into()), false)
        );
        assert_eq!(Settings::from_pairs([("jitsi_sub", "meet.jitsi")]).jitsi.sub.as_deref(), Some("meet.jitsi"));
    }

    #[test]
    fn typed_view_reads_stored_pairs() {
        let s = Settings::from_pairs([
            ("timezone", "America/New_York"),
            ("portal_links", "off"),
            ("join_opens_minutes", "5"),
            ("session_minutes", "45"),
        ]);
        assert_eq!(s.session_minutes, 45);
        assert_eq!(s.timezone.name(), "America/New_York");
        assert!(!s.portal_links);
        assert_eq!(s.window.join_opens_minutes, 5);
    }
}
