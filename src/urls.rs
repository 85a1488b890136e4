//! Web addresses: what a valid `public_url` and `video_url_template` are,
//! and the parts of a URL the rest needs (host, port, origin), all read
//! by one parser: the WHATWG URL Standard's, the one browsers use (the
//! `url` crate; RFC 3986 syntax with browsers' own repairs), so a link
//! means here what it means on a client's phone.

use url::{Host, Url};

/// What a room template must hold: each appointment's room name goes there.
pub const ROOM: &str = "{room}";

/// Stands in for a room name while a template is read as a URL.
const STAND_IN: &str = "porchlight-room-name";

/// `s` as an http or https URL (WHATWG URL parsing, so scheme and host
/// come out lower-case); `None` for anything else.
pub fn web(s: &str) -> Option<Url> {
    let url = Url::parse(s).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

/// `https://Porch.Example.org/` → `https://porch.example.org`: a valid
/// `public_url` (SPEC, Settings), normalised. An http or https URL with a
/// host (a DNS name or an IP address), an optional port and path prefix
/// (letters, digits, `/-._~`); no user, query or fragment. Trailing
/// slashes and a default port are dropped, dot segments resolved.
pub fn public_url(value: &str) -> Result<String, &'static str> {
    const PLAIN: &str = "use a plain address like https://porch.example.org";
    let url = Url::parse(value).map_err(|_| PLAIN)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("use http://host or https://host");
    }
    let host_ok = match url.host() {
        Some(Host::Domain(name)) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            name.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        }
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => true,
        None => false,
    };
    let path = url.path().trim_end_matches('/');
    let path_ok = path.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b));
    let bare = url.username().is_empty() && url.password().is_none() && url.query().is_none();
    if !host_ok || !path_ok || !bare || url.fragment().is_some() {
        return Err(PLAIN);
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!("{}://{}{port}{path}", url.scheme(), url.host_str().unwrap_or_default()))
}

/// Is `value` a valid `video_url_template` (SPEC, Settings)? An http or
/// https URL once `{room}` is filled in, holding `{room}`, without
/// whitespace. It is kept as typed: a parser would write `{room}` as
/// `%7Broom%7D`.
pub fn room_template(value: &str) -> Result<(), &'static str> {
    let ok = value.contains(ROOM) && !value.contains(char::is_whitespace) && room(value).is_some();
    if ok { Ok(()) } else { Err("use an http(s) URL containing {room}, e.g. https://meet.example.org/{room}") }
}

/// A room template read as the URL a room gets (`{room}` filled in).
pub fn room(template: &str) -> Option<Url> {
    web(&template.replace(ROOM, STAND_IN))
}

/// The host all rooms of a template share (`https://Meet.Example.org:8443/{room}`
/// → `meet.example.org`); `None` without one, as when the room name is
/// (part of) the host.
pub fn room_host(template: &str) -> Option<Host<String>> {
    room(template)?.host().filter(|h| !h.to_string().contains(STAND_IN)).map(|h| h.to_owned())
}

/// `s` as a mail server URL (`smtp://` or `smtps://` with a host), read
/// as lettre's `SmtpTransport::from_url` reads it; `None` otherwise.
pub fn mail_server(s: &str) -> Option<Url> {
    let url = Url::parse(s).ok()?;
    (matches!(url.scheme(), "smtp" | "smtps") && url.host_str().is_some_and(|h| !h.is_empty())).then_some(url)
}

/// `smtps://me:hunter2@mail.example.org:465` → `smtps://me:********@mail.example.org:465`:
/// a mail server URL with its password masked; one that cannot be read
/// is masked whole.
pub fn mask_password(s: &str) -> String {
    match Url::parse(s) {
        Ok(mut url) if url.password().is_some() => match url.set_password(Some("********")) {
            Ok(()) => url.into(),
            Err(()) => "********".into(),
        },
        Ok(_) => s.to_string(),
        Err(_) => "********".into(),
    }
}

/// `https://porch.example.org/sub` → `https://porch.example.org`: the
/// origin a browser names in `Origin` (RFC 6454; a default port left out).
pub fn origin(url: &str) -> Option<String> {
    Some(web(url)?.origin().ascii_serialization())
}

/// The port `url` names (`http://127.0.0.1:8080` → 8080); `None` when it
/// names none, or its scheme's default.
pub fn port(url: &str) -> Option<u16> {
    web(url)?.port()
}

/// What a calendar address must be (SPEC, `calendar_import_url`), as the
/// settings say it when refusing one.
pub const CALENDAR_RULE: &str = "use the calendar's https:// (or webcal://) address; plain http:// only to a \
     machine on this network (a private or loopback IP address, or a name ending in .local, .lan or .home.arpa)";

/// `webcal://p01-caldav.icloud.com/...` → `https://p01-caldav.icloud.com/...`:
/// the address a calendar is fetched from (SPEC, `calendar_import_url`),
/// or why it is refused. `webcal://` and `webcals://` (what Apple and
/// Google show) are read as https. Plain `http://` is taken only to a
/// host on this network ([`on_this_network`]): a private calendar's
/// address is a bearer secret, and over plain http on the internet it
/// travels in the clear. The fragment is dropped (never sent).
pub fn calendar_address(value: &str) -> Result<Url, &'static str> {
    let lower = value.get(..10).unwrap_or(value).to_ascii_lowercase();
    let value = if let Some(rest) =
        ["webcal://", "webcals://"].iter().find(|p| lower.starts_with(*p)).map(|p| &value[p.len()..])
    {
        format!("https://{rest}")
    } else {
        value.to_string()
    };
    let mut url = Url::parse(&value).map_err(|_| CALENDAR_RULE)?;
    url.set_fragment(None);
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if on_this_network(&url) => Ok(url),
        _ => Err(CALENDAR_RULE),
    }
}

/// Is `url`'s host on this network, where plain http is taken: a
/// loopback or private IP literal (127/8, 10/8, 172.16/12, 192.168/16,
/// `::1`, fc00::/7 of RFC 4193), or a name under `.local` (mDNS, RFC
/// 6762), `.lan` or `.home.arpa` (RFC 8375), as a home router or NAS names
/// itself. A public address or DNS name is not.
pub fn on_this_network(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback() || ip.is_private(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback() || v4.is_private())
        }
        Some(Host::Domain(name)) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            [".local", ".lan", ".home.arpa"].iter().any(|suffix| name.len() > suffix.len() && name.ends_with(suffix))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_addresses_are_https_or_plain_http_on_this_network() {
        for (typed, fetched) in [
            ("https://calendar.google.com/calendar/ical/x/private-abc/basic.ics", None),
            ("webcal://p01-caldav.icloud.com/published/2/abc", Some("https://p01-caldav.icloud.com/published/2/abc")),
            (
                "WEBCAL://Outlook.Office365.com/owa/calendar/a/b/calendar.ics",
                Some("https://outlook.office365.com/owa/calendar/a/b/calendar.ics"),
            ),
            ("webcals://cal.example.org/x.ics", Some("https://cal.example.org/x.ics")),
            ("http://127.0.0.1:8000/cal.ics", None),
            ("http://192.168.1.20/cal.ics#frag", Some("http://192.168.1.20/cal.ics")),
            ("http://10.1.2.3/c.ics", None),
            ("http://172.31.0.1/c.ics", None),
            ("http://[::1]:9000/c.ics", None),
            ("http://[fd12::5]/c.ics", None),
            ("http://nas.local:5000/cal.ics", None),
            ("http://NAS.lan/cal.ics", Some("http://nas.lan/cal.ics")),
            ("http://nas.home.arpa./cal.ics", None),
        ] {
            let url = calendar_address(typed).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(url.as_str(), fetched.unwrap_or(typed), "{typed}");
        }
        for bad in [
            "http://8.8.8.8/cal.ics",
            "http://172.32.0.1/c.ics",
            "http://calendar.example.org/c.ics",
            "http://local/c.ics",
            "http://evil-local/c.ics",
            "http://lan/c.ics",
            "http://[2001:db8::1]/c.ics",
            "ftp://nas.local/c.ics",
            "file:///etc/passwd",
            "calendar.google.com/x.ics",
            "https://",
            "webcal:",
            "",
        ] {
            assert_eq!(calendar_address(bad).map(String::from), Err(CALENDAR_RULE), "{bad}");
        }
    }

    #[test]
    fn public_urls_are_normalised() {
        for (typed, stored) in [
            ("https://Porch.Example.org/", "https://porch.example.org"),
            ("HTTPS://porch.example.org", "https://porch.example.org"),
            ("http://192.168.1.5:8080", "http://192.168.1.5:8080"),
            ("http://[FD00::5]:8080/", "http://[fd00::5]:8080"),
            ("https://porch.example.org:443/clients//", "https://porch.example.org/clients"),
            ("https://porch.example.org/a/./b", "https://porch.example.org/a/b"),
            ("http://porch.lan.", "http://porch.lan."),
        ] {
            assert_eq!(public_url(typed).as_deref(), Ok(stored), "{typed}");
        }
    }

    #[test]
    fn anything_but_a_plain_address_is_refused() {
        for bad in [
            "porch.example.org",
            "ftp://x",
            "mailto:a@b.org",
            "https://",
            "https://x/?a=b",
            "https://x/#top",
            "https://a b",
            "https://u:p@porch.example.org",
            "https://porch..example.org",
            "https://my_pi",
            "https://x:99999",
            "https://x/a%20b",
            "https://x/~a(b)",
        ] {
            assert!(public_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn room_templates_are_urls_with_a_room() {
        for ok in [
            "https://meet.example.org/{room}",
            "https://zoom.example.com/j/{room}?pwd=1",
            "https://Meet.Example.org:8443/{room}#config.prejoinPageEnabled=false",
            "https://x.example;script-src/{room}",
        ] {
            assert_eq!(room_template(ok), Ok(()), "{ok}");
        }
        for bad in ["https://meet.example.org/fixed", "meet.example.org/{room}", "ftp://x/{room}", "https://x/ {room}"]
        {
            assert!(room_template(bad).is_err(), "{bad}");
        }
        assert!(room_template("https://x:99999/{room}").is_err(), "a port no server has");
    }

    #[test]
    fn the_host_of_a_template_is_the_one_all_rooms_share() {
        let host = |t: &str| room_host(t).map(|h| h.to_string());
        assert_eq!(host("https://Meet.Example.org:8443/{room}").as_deref(), Some("meet.example.org"));
        assert_eq!(host("http://u:p@10.0.0.5:8000?room={room}").as_deref(), Some("10.0.0.5"));
        assert_eq!(host("https://[::1]:8443/{room}").as_deref(), Some("[::1]"));
        assert_eq!(host("https://{room}.example.org/"), None);
        assert_eq!(host("https:///{room}"), None);
    }

    #[test]
    fn mail_servers_and_their_masked_passwords() {
        assert!(mail_server("smtps://u:p@mail.example.org:465").is_some());
        assert!(mail_server("smtp://relay.lan:25?tls=required").is_some());
        for bad in ["https://mail.example.org", "smtp:relay.lan", "smtp://", "smtp://u:p@relay.lan:99999"] {
            assert!(mail_server(bad).is_none(), "{bad}");
        }
        assert_eq!(
            mask_password("smtps://me:hunter2@mail.example.org:465"),
            "smtps://me:********@mail.example.org:465"
        );
        assert_eq!(
            mask_password("smtp://me:p%40ss@relay.lan:587?tls=required"),
            "smtp://me:********@relay.lan:587?tls=required"
        );
        assert_eq!(mask_password("smtp://relay.lan:25"), "smtp://relay.lan:25");
        assert_eq!(mask_password("smtp://me:hunter2@relay.lan:99999"), "********");
    }

    #[test]
    fn origins_and_ports() {
        assert_eq!(origin("https://porch.example.org/sub").as_deref(), Some("https://porch.example.org"));
        assert_eq!(origin("https://Porch.example.org:443").as_deref(), Some("https://porch.example.org"));
        assert_eq!(origin("http://[::1]:8080/x").as_deref(), Some("http://[::1]:8080"));
        assert_eq!(origin("porch.local"), None);
        assert_eq!(port("http://127.0.0.1:9000"), Some(9000));
        assert_eq!(port("http://[::1]:8080/sub"), Some(8080));
        assert_eq!(port("http://localhost"), None);
        assert_eq!(port("http://localhost:80"), None);
    }
}
