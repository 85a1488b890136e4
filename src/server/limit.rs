//! Throttling of typed access codes.
//!
//! A code has 40 bits, so guessing is only a threat if unthrottled. Each
//! address may fail 10 times a minute (IPv6 addresses are grouped by /64,
//! which one attacker usually holds whole); all addresses together may
//! fail 100 times a minute, which bounds a distributed guesser to about
//! 2^40 / (100 × 525 600) ≈ 20 000 years per code.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const PER_ADDR: usize = 10;
pub const GLOBAL: usize = 100;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered at most; the oldest are dropped beyond this.
const MAX_ADDRS: usize = 10_000;

#[derive(Default)]
pub struct CodeLimiter {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    per_addr: HashMap<IpAddr, VecDeque<Instant>>,
    global: VecDeque<Instant>,
}

/// The key an address is counted under.
fn bucket(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

fn prune(q: &mut VecDeque<Instant>, now: Instant) {
    while q.front().is_some_and(|&t| now.duration_since(t) >= WINDOW) {
        q.pop_front();
    }
}

/// Whole seconds until the oldest failure leaves the window (at least 1).
fn retry_after(q: &VecDeque<Instant>, now: Instant) -> u64 {
    let oldest = q.front().copied().unwrap_or(now);
    (WINDOW.saturating_sub(now.duration_since(oldest)).as_secs_f64().ceil() as u64).max(1)
}

impl CodeLimiter {
    /// May `addr` try a code now? `Err(seconds)` to wait otherwise.
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), u64> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        prune(&mut st.global, now);
        if st.global.len() >= GLOBAL {
            return Err(retry_after(&st.global, now));
        }
        if let Some(q) = st.per_addr.get_mut(&bucket(addr)) {
            prune(q, now);
            if q.len() >= PER_ADDR {
                return Err(retry_after(q, now));
            }
        }
        Ok(())
    }

    /// Count a failed attempt from `addr`. True when this failure fills the
    /// global budget: a burst worth an alert.
    pub fn fail(&self, addr: IpAddr, now: Instant) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        prune(&mut st.global, now);
        st.global.push_back(now);
        let burst = st.global.len() == GLOBAL;
        if st.per_addr.len() >= MAX_ADDRS {
            st.per_addr.retain(|_, q| q.back().is_some_and(|&t| now.duration_since(t) < WINDOW));
            if st.per_addr.len() >= MAX_ADDRS {
                st.per_addr.clear();
            }
        }
        st.per_addr.entry(bucket(addr)).or_default().push_back(now);
        burst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ten_failures_a_minute_per_address_then_wait() {
        let l = CodeLimiter::default();
        let t0 = Instant::now();
        for i in 0..10 {
            assert_eq!(l.check(ip("10.0.0.1"), t0), Ok(()), "attempt {i}");
            l.fail(ip("10.0.0.1"), t0);
        }
        assert_eq!(l.check(ip("10.0.0.1"), t0 + Duration::from_secs(15)), Err(45));
        // Others are not affected.
        assert_eq!(l.check(ip("10.0.0.2"), t0), Ok(()));
        // A minute later the address may try again.
        assert_eq!(l.check(ip("10.0.0.1"), t0 + WINDOW), Ok(()));
    }

    #[test]
    fn ipv6_neighbours_in_one_64_share_a_budget() {
        let l = CodeLimiter::default();
        let t0 = Instant::now();
        for i in 0..10 {
            l.fail(ip(&format!("2001:db8:1:2::{i:x}")), t0);
        }
        assert!(l.check(ip("2001:db8:1:2::ffff"), t0).is_err());
        assert!(l.check(ip("2001:db8:1:3::1"), t0).is_ok());
    }

    #[test]
    fn the_global_cap_stops_a_distributed_guesser() {
        let l = CodeLimiter::default();
        let t0 = Instant::now();
        let bursts: Vec<bool> = (0..GLOBAL).map(|i| l.fail(ip(&format!("10.1.{}.{}", i / 250, i % 250)), t0)).collect();
        assert_eq!(bursts.iter().filter(|b| **b).count(), 1, "one alert per burst");
        assert!(bursts[GLOBAL - 1]);
        assert!(l.check(ip("192.168.9.9"), t0).is_err());
        assert!(l.check(ip("192.168.9.9"), t0 + WINDOW).is_ok());
    }
}
