//! Throttling of typed access codes.
//!
//! A code has 40 bits, so guessing is only a threat if unthrottled, and
//! what counts is the total: a guesser with many addresses (any free
//! address of the LAN, a whole IPv6 /64) is not slowed by per-address
//! limits alone. So wrong codes are bounded three ways:
//!
//! - each address (IPv6: each /64, see `net::bucket`) may get
//!   [`PER_ADDR`] wrong a minute;
//! - all addresses together may get [`GLOBAL`] wrong an hour;
//! - once that is spent, an address with fewer than [`FRESH`] wrong codes
//!   in the hour may still try, from a [`RESERVE`] of its own an hour.
//!
//! Wrong codes are therefore at most `GLOBAL + RESERVE` = 150 an hour,
//! whatever the number of addresses: 1.3 million a year against 2^40
//! codes. With 500 live codes (a busy practice's weekly series, 12 weeks
//! ahead, couples included) one guess in 2.2 billion hits one, so hitting
//! any takes about 1 700 years on average; one given code, 840 000.
//!
//! The reserve is for the client who types their code during an attack:
//! one try, usually right, from an address that has not been guessing.
//! Before it, a guesser with ten addresses spent the budget (then 100 a
//! minute) in a minute, and every right code got 429 after that. To keep
//! clients out now, the guesser must also spend the reserve, with 25
//! fresh addresses an hour; everything it spends still counts against
//! the bound, and the clinician is alerted when each budget runs out.
//!
//! A try is counted as a failure when it starts, so that tries running at
//! once cannot overshoot a budget, and a right code gives its count back.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::net::bucket;

/// Wrong codes one address may get in [`MINUTE`].
pub const PER_ADDR: usize = 10;
/// Wrong codes all addresses may get in [`WINDOW`].
pub const GLOBAL: usize = 100;
/// Wrong codes in [`WINDOW`] past [`GLOBAL`], for fresh addresses only.
pub const RESERVE: usize = 50;
/// An address is fresh with fewer wrong codes than this in [`WINDOW`]:
/// one typo, then the right code.
pub const FRESH: usize = 2;
pub const MINUTE: Duration = Duration::from_secs(60);
pub const WINDOW: Duration = Duration::from_secs(3600);
/// Addresses remembered at most. Only tries a budget let through are
/// remembered, so far fewer are ever held; this is a backstop.
const MAX_ADDRS: usize = 4096;

#[derive(Default)]
pub struct CodeLimiter {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The newest wrong codes of each address, at most [`PER_ADDR`],
    /// none older than [`WINDOW`].
    per_addr: HashMap<IpAddr, VecDeque<Instant>>,
    global: VecDeque<Instant>,
    reserve: VecDeque<Instant>,
}

/// The budget a try was counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    Global,
    Reserve,
}

/// A try let through and counted as a failure until [`CodeLimiter::right`]
/// says otherwise.
#[derive(Debug)]
pub struct Try {
    key: IpAddr,
    at: Instant,
    budget: Budget,
    /// This try spent the last of its budget: worth an alert if it fails.
    pub spent: bool,
}

impl Try {
    pub fn budget(&self) -> Budget {
        self.budget
    }
}

fn prune(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|&t| now.duration_since(t) >= window) {
        q.pop_front();
    }
}

/// Whole seconds until `oldest` leaves `window` (at least 1).
fn wait(oldest: Option<Instant>, now: Instant, window: Duration) -> u64 {
    let age = now.duration_since(oldest.unwrap_or(now));
    (window.saturating_sub(age).as_secs_f64().ceil() as u64).max(1)
}

/// Take out the entry at `at` (there may be others of the same instant).
fn remove(q: &mut VecDeque<Instant>, at: Instant) {
    if let Some(i) = q.iter().rposition(|&t| t == at) {
        q.remove(i);
    }
}

impl CodeLimiter {
    /// May `addr` try a code now? The try is counted as a failure at once;
    /// `Err(seconds)` to wait otherwise.
    pub fn start(&self, addr: IpAddr, now: Instant) -> Result<Try, u64> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let State { per_addr, global, reserve } = &mut *st;
        prune(global, now, WINDOW);
        prune(reserve, now, WINDOW);
        let key = bucket(addr);
        let mine = per_addr.get_mut(&key).map(|q| {
            prune(q, now, WINDOW);
            &*q
        });
        let in_hour = mine.map_or(0, VecDeque::len);
        let in_minute = mine.map_or(0, |q| q.iter().filter(|&&t| now.duration_since(t) < MINUTE).count());
        if in_minute >= PER_ADDR {
            let oldest = mine.and_then(|q| q.iter().find(|&&t| now.duration_since(t) < MINUTE).copied());
            return Err(wait(oldest, now, MINUTE));
        }
        let budget = if global.len() < GLOBAL {
            Budget::Global
        } else if in_hour < FRESH && reserve.len() < RESERVE {
            Budget::Reserve
        } else {
            let oldest = match (in_hour < FRESH, global.front(), reserve.front()) {
                (true, Some(&g), Some(&r)) => Some(g.min(r)),
                (_, g, _) => g.copied(),
            };
            return Err(wait(oldest, now, WINDOW));
        };
        let (pool, cap) = match budget {
            Budget::Global => (global, GLOBAL),
            Budget::Reserve => (reserve, RESERVE),
        };
        pool.push_back(now);
        let spent = pool.len() == cap;
        if per_addr.len() >= MAX_ADDRS && !per_addr.contains_key(&key) {
            per_addr.retain(|_, q| q.back().is_some_and(|&t| now.duration_since(t) < WINDOW));
            if per_addr.len() >= MAX_ADDRS {
                per_addr.clear();
            }
        }
        let q = per_addr.entry(key).or_default();
        q.push_back(now);
        if q.len() > PER_ADDR {
            q.pop_front();
        }
        Ok(Try { key, at: now, budget, spent })
    }

    /// The code was right: the try was no failure after all.
    pub fn right(&self, done: Try) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match done.budget {
            Budget::Global => remove(&mut st.global, done.at),
            Budget::Reserve => remove(&mut st.reserve, done.at),
        }
        if let Some(q) = st.per_addr.get_mut(&done.key) {
            remove(q, done.at);
            if q.is_empty() {
                st.per_addr.remove(&done.key);
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

    /// `n` different addresses, none of them 192.168.x.x.
    fn many(n: usize) -> impl Iterator<Item = IpAddr> {
        (0..n).map(|i| ip(&format!("10.1.{}.{}", i / 250, i % 250)))
    }

    #[test]
    fn ten_failures_a_minute_per_address_then_wait() {
        let l = CodeLimiter::default();
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(l.start(ip("10.0.0.1"), t0).is_ok(), "attempt {i}");
        }
        assert_eq!(l.start(ip("10.0.0.1"), t0 + Duration::from_secs(15)).unwrap_err(), 45);
        // Others are not affected.
        assert!(l.start(ip("10.0.0.2"), t0).is_ok());
        // A minute later the address may try again.
        assert!(l.start(ip("10.0.0.1"), t0 + MINUTE).is_ok());
    }

    #[test]
    fn a_right_code_is_not_a_failure() {
        let l = CodeLimiter::default();
        let t0 = Instant::now();
        for _ in 0..50 {
            let t = l.start(ip("10.0.0.1"), t0).unwrap();
            l.right(t);
        }
        assert!(l.start(ip("10.0.0.1"), t0).is_ok());
        assert_eq!(l.state.lock().unwrap().global.len(), 1);
    }

    #[test]
    fn ipv6_neighbours_in_one_64_share_a_budget() {
        let l = CodeLimiter::default();
        let t0 = Instant::now();
        for i in 0..10 {
            l.start(ip(&format!("2001:db8:1:2::{i:x}")), t0).unwrap();
        }
        assert!(l.start(ip("2001:db8:1:2::ffff"), t0).is_err());
        assert!(l.start(ip("2001:db8:1:3::1"), t0).is_ok());
    }

    #[test]
    fn once_the_budget_is_spent_only_fresh_addresses_try_from_the_reserve() {
        let l = CodeLimiter::default();
        let t0 = Instant::now();
        let tries: Vec<Try> =
            many(GLOBAL / 5).flat_map(|a| (0..5).map(move |_| a)).map(|a| l.start(a, t0).unwrap()).collect();
        let spent: Vec<bool> = tries.iter().map(|t| t.spent).collect();
        assert_eq!(spent.iter().filter(|s| **s).count(), 1, "one alert per budget");
        assert!(spent[GLOBAL - 1]);
        // A guesser is refused until the hour has passed.
        let guesser = many(1).next().unwrap();
        assert_eq!(l.start(guesser, t0 + Duration::from_secs(600)).unwrap_err(), 3000);
        // A fresh address gets its try, and one more after a typo.
        let client = ip("192.168.1.20");
        let first = l.start(client, t0).unwrap();
        assert_eq!(first.budget(), Budget::Reserve);
        l.right(first);
        l.start(client, t0).unwrap();
        l.start(client, t0).unwrap();
        assert!(l.start(client, t0).is_err(), "two wrong codes and it is no longer fresh");
        // Guessers with fresh addresses can spend the reserve too, but no more.
        let fresh: Vec<Try> = (0..RESERVE).filter_map(|i| l.start(ip(&format!("10.2.0.{i}")), t0).ok()).collect();
        assert_eq!(fresh.len(), RESERVE - 2);
        assert!(fresh.last().unwrap().spent);
        assert!(l.start(ip("192.168.1.30"), t0).is_err());
        // After the hour all is forgiven.
        assert!(l.start(guesser, t0 + WINDOW).is_ok());
    }

    #[test]
    fn wrong_codes_stay_under_the_bound_whatever_the_addresses() {
        let l = CodeLimiter::default();
        let t0 = Instant::now();
        let mut let_through = 0;
        // Ten thousand addresses, a thousand of them trying every 10 seconds
        // for an hour.
        let addrs: Vec<IpAddr> = many(10_000).collect();
        for step in 0..360u64 {
            let now = t0 + Duration::from_secs(step * 10);
            for &a in addrs.iter().skip((step as usize * 37) % 9_000).take(1_000) {
                let_through += usize::from(l.start(a, now).is_ok());
            }
        }
        assert_eq!(let_through, GLOBAL + RESERVE);
        assert!(l.state.lock().unwrap().per_addr.len() <= GLOBAL + RESERVE);
    }
}
