//! Address ranges (`--admin-from`), parsed and matched.

use std::net::IpAddr;
use std::str::FromStr;

use crate::error::Error;

/// An address range such as `192.168.0.0/16` or `::1/128`. A bare address
/// is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Loopback and the private and link-local ranges: the practice's LAN.
pub const LAN: &[&str] =
    &["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"];

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.prefix),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.prefix),
            _ => false,
        }
    }

    pub fn lan() -> Vec<Cidr> {
        LAN.iter().map(|s| s.parse().expect("built-in ranges parse")).collect()
    }
}

/// `::ffff:10.0.0.1` is the IPv4 address 10.0.0.1.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let (whole, rest) = (usize::from(prefix / 8), prefix % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

impl FromStr for Cidr {
    type Err = Error;

    fn from_str(s: &str) -> Result<Cidr, Error> {
        let bad = || Error::input(format!("bad address range {s:?}: use e.g. 192.168.1.0/24 or ::1"));
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Cidr { addr, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The unit one party usually holds, which per-address limits count:
/// an IPv4 address, or an IPv6 /64 (a home or office gets a whole /64
/// and picks addresses in it at will). IPv4-mapped IPv6 is IPv4.
pub fn bucket(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// Where a request came from, as far as trusted proxies tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub addr: IpAddr,
    /// The `X-Forwarded-For` entry that describes the client's own
    /// connection, counted from the right: 1 is the entry the nearest
    /// proxy added. 0 when nothing was forwarded and the peer is the client.
    pub hop: usize,
}

/// The client behind trusted proxies. `forwarded_for` is every
/// `X-Forwarded-For` field line combined into one list (RFC 9110 §5.3), so
/// a proxy that adds a line of its own (HAProxy's `option forwardfor`)
/// counts like one that appends to the last.
///
/// Walking from the right, each entry was written by the hop to its right;
/// it is believed while that hop is trusted. The client is the first entry
/// that is not a trusted proxy: everything further left is its own claim.
/// If every entry is trusted, the leftmost is where the request began (a
/// trusted host itself, such as the proxy's own health check). An entry
/// that is not an address (`unknown`, a Unix socket) ends the walk: the
/// client is then unknown, and the trusted hop that wrote it stands for it,
/// rather than a forgeable entry further left.
pub fn client_addr(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Cidr]) -> Origin {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let mut origin = Origin { addr: peer, hop: 0 };
    if !is_trusted(peer) {
        return origin;
    }
    for (i, entry) in list(forwarded_for).rev().enumerate() {
        origin.hop = i + 1;
        let Some(ip) = parse_hop(entry) else { return origin };
        origin.addr = ip;
        if !is_trusted(ip) {
            return origin;
        }
    }
    origin
}

/// Did the client reach the first trusted proxy over https? Read from the
/// `X-Forwarded-Proto` entry of the same hop as the client's address
/// (`origin.hop` from the right; the rightmost when nothing was forwarded,
/// for a proxy that sends only the scheme). A hop without an entry, like a
/// peer that is not a trusted proxy, says plain http.
pub fn forwarded_https(peer: IpAddr, origin: Origin, proto: Option<&str>, trusted: &[Cidr]) -> bool {
    if !trusted.iter().any(|c| c.contains(peer)) {
        return false;
    }
    list(proto).rev().nth(origin.hop.max(1) - 1).is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The elements of a comma-separated field value, trimmed; empty elements
/// are ignored as RFC 9110 §5.6.1 asks.
fn list(value: Option<&str>) -> impl DoubleEndedIterator<Item = &str> {
    value.unwrap_or("").split(',').map(str::trim).filter(|e| !e.is_empty())
}

/// One `X-Forwarded-For` entry: `203.0.113.7`, `[2001:db8::1]:4711`, `203.0.113.7:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    // A link-local IPv6 client may come with its zone (`fe80::1%wlan0`,
    // `[fe80::1%25wlan0]:4711`), which a proxy such as Caddy passes on;
    // the zone names our interface, not the client, so it is dropped.
    let unzoned;
    let hop = match hop.split_once('%') {
        Some((addr, zone)) => {
            unzoned = format!("{addr}{}", zone.find(']').map_or("", |i| &zone[i..]));
            unzoned.as_str()
        }
        None => hop,
    };
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// This machine's own addresses, besides loopback and link-local ones:
/// where a server listening on `0.0.0.0` or `[::]` can be reached from
/// the network. Read from the kernel's tables (`/proc/net/fib_trie`,
/// `/proc/net/if_inet6`); empty where they cannot be read.
pub fn own_addresses() -> Vec<IpAddr> {
    let v4 = std::fs::read_to_string("/proc/net/fib_trie").map(|t| local_ipv4(&t)).unwrap_or_default();
    let v6 = std::fs::read_to_string("/proc/net/if_inet6").map(|t| local_ipv6(&t)).unwrap_or_default();
    v4.into_iter().map(IpAddr::V4).chain(v6.into_iter().map(IpAddr::V6)).collect()
}

/// The `host LOCAL` entries of `/proc/net/fib_trie`: a `|-- ADDRESS` line
/// followed by `/32 host LOCAL`. Loopback left out; each address once.
fn local_ipv4(fib_trie: &str) -> Vec<std::net::Ipv4Addr> {
    let mut found = vec![];
    let mut last = None;
    for line in fib_trie.lines().map(str::trim) {
        if let Some(addr) = line.strip_prefix("|-- ") {
            last = addr.parse::<std::net::Ipv4Addr>().ok();
        } else if line.starts_with("/32 host LOCAL")
            && let Some(ip) = last.take()
            && !ip.is_loopback()
            && !found.contains(&ip)
        {
            found.push(ip);
        }
    }
    found
}

/// The addresses of `/proc/net/if_inet6` (32 hex digits, then index,
/// prefix, scope, flags, name): global and unique-local ones only, since
/// a link-local address needs a zone no link can carry.
fn local_ipv6(if_inet6: &str) -> Vec<std::net::Ipv6Addr> {
    let mut found = vec![];
    for line in if_inet6.lines() {
        let Some(hex) = line.split_whitespace().next().filter(|h| h.len() == 32) else { continue };
        let Ok(bits) = u128::from_str_radix(hex, 16) else { continue };
        let ip = std::net::Ipv6Addr::from(bits);
        let link_local = ip.segments()[0] & 0xffc0 == 0xfe80;
        if !ip.is_loopback() && !link_local && !ip.is_unspecified() && !found.contains(&ip) {
            found.push(ip);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = vec!["127.0.0.1".parse::<Cidr>().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let client = |peer: &str, xff: Option<&str>| client_addr(ip(peer), xff, &trusted);
        // A stranger cannot claim an address.
        assert_eq!(client("198.51.100.9", Some("10.1.1.1")), Origin { addr: ip("198.51.100.9"), hop: 0 });
        // Through the proxy: the client as the proxy saw it.
        assert_eq!(client("127.0.0.1", Some("203.0.113.7")), Origin { addr: ip("203.0.113.7"), hop: 1 });
        // A forged entry on the left is ignored; the rightmost untrusted wins.
        assert_eq!(
            client("127.0.0.1", Some("10.9.9.9, 203.0.113.7, 10.0.0.2")),
            Origin { addr: ip("203.0.113.7"), hop: 2 }
        );
        assert_eq!(client("127.0.0.1", Some("[2001:db8::1]:4711")).addr, ip("2001:db8::1"));
        assert_eq!(client("127.0.0.1", Some("203.0.113.7:80")).addr, ip("203.0.113.7"));
        // A link-local client with its zone is that client, not the proxy.
        assert_eq!(client("127.0.0.1", Some("fe80::1%wlan0")).addr, ip("fe80::1"));
        assert_eq!(client("127.0.0.1", Some("[fe80::1%25wlan0]:4711")).addr, ip("fe80::1"));
        assert_eq!(client("127.0.0.1", Some("10.9.9.9, fe80::2%eth0")), Origin { addr: ip("fe80::2"), hop: 1 });
        // Empty list elements are no hops.
        assert_eq!(client("127.0.0.1", Some(" , 203.0.113.7, ,")), Origin { addr: ip("203.0.113.7"), hop: 1 });
        // Nothing forwarded: the peer.
        assert_eq!(client("127.0.0.1", None), Origin { addr: ip("127.0.0.1"), hop: 0 });
        assert_eq!(client("127.0.0.1", Some("")), Origin { addr: ip("127.0.0.1"), hop: 0 });
    }

    #[test]
    fn an_entry_that_is_no_address_ends_the_walk_at_the_proxy_that_wrote_it() {
        let trusted = vec!["127.0.0.1".parse::<Cidr>().unwrap(), "10.0.0.0/8".parse().unwrap()];
        // The proxy could not name its client; what is left of that was
        // the client's own to write.
        assert_eq!(
            client_addr(ip("127.0.0.1"), Some("203.0.113.66, unknown"), &trusted),
            Origin { addr: ip("127.0.0.1"), hop: 1 }
        );
        assert_eq!(
            client_addr(ip("127.0.0.1"), Some("203.0.113.66, garbage, 10.0.0.2"), &trusted),
            Origin { addr: ip("10.0.0.2"), hop: 2 }
        );
    }

    #[test]
    fn when_every_hop_is_trusted_the_request_began_at_the_leftmost() {
        let trusted = vec!["127.0.0.1".parse::<Cidr>().unwrap(), "10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_addr(ip("127.0.0.1"), Some("10.0.0.5, 10.0.0.2"), &trusted),
            Origin { addr: ip("10.0.0.5"), hop: 2 }
        );
    }

    #[test]
    fn the_scheme_is_read_from_the_same_hop_as_the_address() {
        let trusted = vec!["127.0.0.1".parse::<Cidr>().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let https = |peer: &str, xff: Option<&str>, proto: Option<&str>| {
            forwarded_https(ip(peer), client_addr(ip(peer), xff, &trusted), proto, &trusted)
        };
        // One proxy that sets the scheme (nginx's proxy_set_header).
        assert!(https("127.0.0.1", Some("203.0.113.7"), Some("https")));
        assert!(!https("127.0.0.1", Some("203.0.113.7"), Some("http")));
        // A proxy that only sends the scheme.
        assert!(https("127.0.0.1", None, Some("https")));
        // A client's own claim to the left of the proxy's is not read.
        assert!(!https("127.0.0.1", Some("10.9.9.9, 203.0.113.7"), Some("https, http")));
        assert!(https("127.0.0.1", Some("10.9.9.9, 203.0.113.7"), Some("http, https")));
        // Two proxies: the client reached the outer one (hop 2) over https,
        // which reached the inner one over http.
        assert!(https("127.0.0.1", Some("203.0.113.7, 10.0.0.2"), Some("https, http")));
        assert!(!https("127.0.0.1", Some("203.0.113.7, 10.0.0.2"), Some("http, https")));
        // No entry for the client's hop: not known to be https.
        assert!(!https("127.0.0.1", Some("203.0.113.7, 10.0.0.2"), Some("https")));
        // Only a trusted proxy is believed.
        assert!(!https("198.51.100.9", Some("203.0.113.7"), Some("https")));
        assert!(!https("198.51.100.9", None, Some("https")));
    }

    #[test]
    fn ipv6_neighbours_share_a_bucket_and_mapped_ipv4_is_ipv4() {
        assert_eq!(bucket(ip("2001:db8:1:2::5")), bucket(ip("2001:db8:1:2:ffff::1")));
        assert_ne!(bucket(ip("2001:db8:1:2::5")), bucket(ip("2001:db8:1:3::5")));
        assert_eq!(bucket(ip("::ffff:192.168.1.2")), ip("192.168.1.2"));
        assert_ne!(bucket(ip("192.168.1.2")), bucket(ip("192.168.1.3")));
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_lan_default_admits_private_ranges_only() {
        let lan = Cidr::lan();
        let ok = |s: &str| lan.iter().any(|c| c.contains(ip(s)));
        for inside in [
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.20",
            "fd00::5",
            "fe80::1",
            "::ffff:192.168.1.2",
        ] {
            assert!(ok(inside), "{inside}");
        }
        for outside in
            ["8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "2001:db8::1", "::ffff:8.8.8.8", "11.0.0.1"]
        {
            assert!(!ok(outside), "{outside}");
        }
    }

    #[test]
    fn ranges_parse_strictly() {
        assert_eq!("10.0.0.0/8".parse::<Cidr>().unwrap().to_string(), "10.0.0.0/8");
        assert_eq!("192.168.1.7".parse::<Cidr>().unwrap().to_string(), "192.168.1.7/32");
        assert!("203.0.113.0/25".parse::<Cidr>().unwrap().contains(ip("203.0.113.127")));
        assert!(!"203.0.113.0/25".parse::<Cidr>().unwrap().contains(ip("203.0.113.128")));
        for bad in ["10.0.0.0/33", "::/129", "nonsense", "10.0.0/8", ""] {
            let err = bad.parse::<Cidr>().unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn own_addresses_come_from_the_kernels_tables() {
        let fib = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n\
                   |-- 127.0.0.1\n   /32 host LOCAL\n   |-- 192.168.1.0\n   /24 link UNICAST\n\
                   |-- 192.168.1.20\n   /32 host LOCAL\n   |-- 192.168.1.255\n   /32 link BROADCAST\n\
                   Local:\n   |-- 192.168.1.20\n   /32 host LOCAL\n   |-- 10.8.0.3\n   /32 host LOCAL\n";
        assert_eq!(
            local_ipv4(fib),
            ["192.168.1.20".parse::<std::net::Ipv4Addr>().unwrap(), "10.8.0.3".parse().unwrap()]
        );
        let v6 = "00000000000000000000000000000001 01 80 10 80       lo\n\
                  fd000000000000000000000000000002 04 40 00 82     eth0\n\
                  fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n\
                  garbage\n";
        assert_eq!(local_ipv6(v6), ["fd00::2".parse::<std::net::Ipv6Addr>().unwrap()]);
    }
}
