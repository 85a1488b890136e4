//! Connection slots: how many connections are open at once, in all and
//! per address.
//!
//! The server holds at most [`MAX_CONNECTIONS`]; one address (an IPv4
//! address, an IPv6 /64: see `net::bucket`) at most [`PER_ADDR`] of them.
//! Without the second cap one guest on the practice Wi-Fi re-opening
//! connections held every slot, and everyone else was told 503.
//!
//! 64 is an eighth of the whole: a browser opens up to 6 connections to a
//! host, and a room tab holds one more for its long poll, so 64 serves a
//! household or an office behind one address with room to spare, and it
//! takes 8 addresses hogging at once to fill the server. Counts are kept
//! only for addresses with a connection open, so there are never more of
//! them than slots.
//!
//! A trusted reverse proxy (`--trust-proxy`) carries every client's
//! connections, so it is not capped like one client: only the total
//! applies to it, and limiting connections per client is the proxy's job.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use super::limits::MAX_CONNECTIONS;
use crate::net::{Cidr, bucket};

/// Connections one address may hold at once; more are answered 429.
pub const PER_ADDR: usize = 64;

/// Why a connection gets no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// Every slot is taken.
    Server,
    /// This address holds its share.
    Address,
}

pub struct Slots {
    /// Addresses not capped per address: trusted proxies.
    proxies: Vec<Cidr>,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    /// Open connections by address bucket; never a zero count.
    by_addr: HashMap<IpAddr, usize>,
}

impl Slots {
    pub fn new(proxies: Vec<Cidr>) -> Slots {
        Slots { proxies, open: Mutex::new(Open::default()) }
    }

    fn is_proxy(&self, peer: IpAddr) -> bool {
        self.proxies.iter().any(|c| c.contains(peer))
    }

    /// A slot for a connection from `peer`, to be given back with
    /// [`Slots::give`] when it closes.
    pub fn take(&self, peer: IpAddr) -> Result<(), Full> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.total >= MAX_CONNECTIONS {
            return Err(Full::Server);
        }
        if !self.is_proxy(peer) {
            let held = open.by_addr.entry(bucket(peer)).or_insert(0);
            if *held >= PER_ADDR {
                return Err(Full::Address);
            }
            *held += 1;
        }
        open.total += 1;
        Ok(())
    }

    /// Give back the slot of a connection from `peer`.
    pub fn give(&self, peer: IpAddr) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if self.is_proxy(peer) {
            return;
        }
        let key = bucket(peer);
        if let Some(held) = open.by_addr.get_mut(&key) {
            *held -= 1;
            if *held == 0 {
                open.by_addr.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn one_address_gets_its_share_and_others_still_get_in() {
        let slots = Slots::new(vec![]);
        for _ in 0..PER_ADDR {
            assert_eq!(slots.take(ip("192.168.1.66")), Ok(()));
        }
        assert_eq!(slots.take(ip("192.168.1.66")), Err(Full::Address));
        assert_eq!(slots.take(ip("::ffff:192.168.1.66")), Err(Full::Address), "mapped IPv4 is the same host");
        assert_eq!(slots.take(ip("192.168.1.20")), Ok(()));
        slots.give(ip("192.168.1.66"));
        assert_eq!(slots.take(ip("192.168.1.66")), Ok(()), "a closed connection frees its slot");
    }

    #[test]
    fn an_ipv6_64_is_one_address() {
        let slots = Slots::new(vec![]);
        for i in 0..PER_ADDR {
            assert_eq!(slots.take(ip(&format!("2001:db8:1:2::{:x}", i + 1))), Ok(()));
        }
        assert_eq!(slots.take(ip("2001:db8:1:2:ffff::1")), Err(Full::Address));
        assert_eq!(slots.take(ip("2001:db8:1:3::1")), Ok(()));
    }

    #[test]
    fn the_total_holds_and_counts_of_closed_addresses_are_dropped() {
        let slots = Slots::new(vec![]);
        let addrs: Vec<IpAddr> = (0..MAX_CONNECTIONS).map(|i| ip(&format!("10.0.{}.{}", i / 200, i % 200))).collect();
        for &a in &addrs {
            assert_eq!(slots.take(a), Ok(()));
        }
        assert_eq!(slots.take(ip("10.9.9.9")), Err(Full::Server));
        for &a in &addrs {
            slots.give(a);
        }
        let open = slots.open.lock().unwrap();
        assert_eq!((open.total, open.by_addr.len()), (0, 0));
    }

    #[test]
    fn a_trusted_proxy_is_capped_only_by_the_total() {
        let slots = Slots::new(vec!["127.0.0.1".parse().unwrap()]);
        for _ in 0..MAX_CONNECTIONS {
            assert_eq!(slots.take(ip("127.0.0.1")), Ok(()));
        }
        assert_eq!(slots.take(ip("127.0.0.1")), Err(Full::Server));
        slots.give(ip("127.0.0.1"));
        assert_eq!(slots.take(ip("127.0.0.2")), Ok(()), "another address is capped as usual, not exempt");
        assert_eq!(slots.open.lock().unwrap().by_addr.len(), 1);
    }
}
