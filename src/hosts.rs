//! The `Host` a request names, and which names may reach the admin pages
//! and the built-in room.
//!
//! A DNS-rebinding page (a site whose name an attacker points at this
//! box's LAN address after the page has loaded) talks to Porchlight as its
//! own origin, under its own name: to the browser it is same-origin, so
//! `Origin` and `Sec-Fetch-Site` vouch for it. What it cannot change is
//! the `Host` its requests carry, which names the attacker's site. So the
//! admin pages and the room answer only these hosts, as Syncthing's GUI
//! does:
//! - an IP literal (a rebinding page cannot carry one: its name is a name),
//! - `localhost` and names under `.localhost` (RFC 6761 §6.3: always this
//!   machine),
//! - the host of `public_url`,
//! - this machine's own host name, bare and under `.local` (mDNS), which
//!   only the practice's own network resolves,
//! - the names the clinician listed in `allowed_hosts`.
//!
//! Client link pages answer any host: they carry their own secret.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::OnceLock;

/// The host part of a `Host` header, lower-cased and without its port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Ip(IpAddr),
    Name(String),
}

/// Parse a `Host` header value (RFC 9110 §7.2: `uri-host [ ":" port ]`).
/// `None` for anything else: an empty value, a user part, a path, a bad
/// port, characters no DNS name has. Stricter than the URI grammar's
/// reg-name on purpose: browsers send only IP literals and DNS names.
pub fn parse(value: &str) -> Option<Host> {
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let ip: Ipv6Addr = inside.parse().ok()?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (Host::Ip(IpAddr::V6(ip)), port)
    } else {
        let (name, port) = match value.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (value, None),
        };
        let host = match name.parse::<std::net::Ipv4Addr>() {
            Ok(ip) => Host::Ip(IpAddr::V4(ip)),
            Err(_) => Host::Name(dns_name(name)?),
        };
        (host, port)
    };
    match port {
        None => Some(host),
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse::<u16>().ok().map(|_| host)
        }
        Some(_) => None,
    }
}

/// A DNS name (letters, digits, `-` and `_` in dot-separated labels of at
/// most 63, at most 253 in all), lower-cased, a final dot dropped.
pub fn dns_name(name: &str) -> Option<String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    (name.len() <= 253 && name.split('.').all(label_ok)).then(|| name.to_ascii_lowercase())
}

impl Host {
    /// `localhost`, a name under `.localhost`, or a loopback address: the
    /// hosts a browser treats as a secure context over plain http (W3C
    /// Secure Contexts §3.2, "potentially trustworthy"), and so sends
    /// `Sec-Fetch-*` to.
    pub fn is_loopback(&self) -> bool {
        match self {
            Host::Ip(ip) => crate::net::canonical(*ip).is_loopback(),
            Host::Name(n) => n == "localhost" || n.ends_with(".localhost"),
        }
    }

    /// May the admin pages and the room answer this host? `public_url`
    /// is the setting (`https://porch.example.org`), `extra` the
    /// `allowed_hosts` setting.
    pub fn allowed(&self, public_url: Option<&str>, extra: &[String]) -> bool {
        let Host::Name(name) = self else { return true };
        self.is_loopback()
            || public_url.and_then(of_url).as_ref() == Some(self)
            || extra.iter().any(|e| e == name)
            || own_names().iter().any(|o| o == name)
    }
}

/// The host of a URL such as `public_url` (`https://porch.example.org/sub`),
/// read by [`crate::urls::web`].
pub fn of_url(url: &str) -> Option<Host> {
    in_url(&crate::urls::web(url)?)
}

fn in_url(url: &url::Url) -> Option<Host> {
    match url.host()? {
        url::Host::Domain(name) => dns_name(name).map(Host::Name),
        url::Host::Ipv4(ip) => Some(Host::Ip(ip.into())),
        url::Host::Ipv6(ip) => Some(Host::Ip(ip.into())),
    }
}

/// Did a request come over https? A trusted proxy said so (`proxied`), or
/// it came under the host of an https `public_url`, whose proxy may not
/// say so. Plain http under any other name is not, whatever `public_url`
/// says: a `Secure` cookie sent there would be dropped by the browser,
/// and the admin would not work on the LAN. (`App::is_https` asks this
/// for every caller.)
pub fn is_https(proxied: bool, host: Option<&Host>, public_url: Option<&str>) -> bool {
    proxied
        || host.is_some_and(|h| {
            let public = public_url.and_then(crate::urls::web);
            public.is_some_and(|u| u.scheme() == "https" && in_url(&u).as_ref() == Some(h))
        })
}

/// This machine's name under `.local` (`porch.local` on a Pi named
/// `porch`), as other devices on the network reach it by mDNS; `None`
/// when the machine has no usable host name.
pub fn mdns_name() -> Option<&'static str> {
    own_names().iter().find(|n| n.ends_with(".local")).map(String::as_str)
}

/// This machine's host name, bare and under `.local`, read once.
fn own_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .unwrap_or_default();
        match dns_name(raw.trim()) {
            Some(n) if n != "localhost" && !n.is_empty() => {
                let bare = n.split('.').next().unwrap_or(&n).to_string();
                let mut names = vec![n.clone(), format!("{bare}.local")];
                names.dedup();
                names
            }
            _ => vec![],
        }
    })
}

/// `https://Meet.Example.org:8443/{room}` → `meet.example.org`: the
/// default `jitsi_sub`, the host all rooms of a `video_url_template`
/// share ([`crate::urls::room_host`]).
pub fn host_of(template: &str) -> Option<String> {
    crate::urls::room_host(template).map(|h| h.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Host {
        Host::Name(s.into())
    }

    #[test]
    fn host_values_parse_to_a_name_or_an_address() {
        assert_eq!(parse("porch.lan:8080"), Some(name("porch.lan")));
        assert_eq!(parse("Porch.Local."), Some(name("porch.local")));
        assert_eq!(parse("192.168.1.20:8080"), Some(Host::Ip("192.168.1.20".parse().unwrap())));
        assert_eq!(parse("[::1]:8080"), Some(Host::Ip("::1".parse().unwrap())));
        assert_eq!(parse("[fe80::1]"), Some(Host::Ip("fe80::1".parse().unwrap())));
        assert_eq!(parse("my_pi"), Some(name("my_pi")));
    }

    #[test]
    fn anything_else_is_not_a_host() {
        for bad in [
            "",
            ":8080",
            "porch.lan:",
            "porch.lan:99999",
            "porch.lan:80:80",
            "porch.lan:+80",
            "user@porch.lan",
            "porch.lan/admin",
            "porch..lan",
            "-porch.lan",
            "[::1",
            "[::1]x",
            "[nonsense]:80",
            "::1",
            "a b",
            "caf\u{e9}.lan",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert_eq!(parse(&"a".repeat(64)), None);
    }

    #[test]
    fn the_admin_answers_addresses_loopback_names_and_listed_names_only() {
        let extra = vec!["porch.lan".to_string()];
        let ok = |h: &str| parse(h).unwrap().allowed(Some("https://porch.example.org/sub"), &extra);
        for yes in ["192.168.1.20:8080", "[fd00::5]:8080", "localhost:8080", "porch.localhost", "porch.lan:8080"] {
            assert!(ok(yes), "{yes}");
        }
        assert!(ok("PORCH.example.org"));
        for no in ["evil.example:8080", "porch.lan.evil.example", "localhost.evil.example", "lan"] {
            assert!(!ok(no), "{no}");
        }
    }

    #[test]
    fn https_is_what_the_proxy_says_or_the_https_public_name() {
        let public = Some("https://porch.example.org");
        assert!(is_https(true, parse("192.168.1.20:8080").as_ref(), None));
        assert!(is_https(false, parse("porch.example.org").as_ref(), public));
        assert!(!is_https(false, parse("porch.local:8080").as_ref(), public), "plain http on the LAN");
        assert!(!is_https(false, parse("192.168.1.20:8080").as_ref(), public));
        assert!(!is_https(false, parse("porch.example.org").as_ref(), Some("http://porch.example.org")));
        assert!(!is_https(false, None, public));
    }

    #[test]
    fn loopback_is_what_browsers_call_potentially_trustworthy() {
        for yes in ["127.0.0.1", "127.9.0.1", "[::1]", "localhost", "a.localhost"] {
            assert!(parse(yes).unwrap().is_loopback(), "{yes}");
        }
        for no in ["192.168.1.20", "porch.lan", "localhost.lan"] {
            assert!(!parse(no).unwrap().is_loopback(), "{no}");
        }
    }
}
