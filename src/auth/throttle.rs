//! Growing delays after failed admin logins, per address and for the one
//! account.
//!
//! Three failures are free (typos happen); after that each failure doubles
//! the wait: 2 s, 4 s, 8 s ... up to 15 minutes for one address. The
//! account as a whole waits at most a minute, so an attacker spraying from
//! many addresses slows guessing to a crawl without locking the clinician
//! out for long. While locked, a login is refused before argon2 runs, so a
//! flood costs no CPU.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FREE: u32 = 3;
const ADDR_CAP: Duration = Duration::from_secs(15 * 60);
const ACCOUNT_CAP: Duration = Duration::from_secs(60);
/// An address with no failure for this long starts afresh.
const FORGET: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Account,
    Addr(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
    until: Instant,
}

#[derive(Default)]
pub struct LoginThrottle {
    state: Mutex<HashMap<Key, Entry>>,
}

/// How long to wait after the `n`th failure in a row.
pub fn delay_after(n: u32, cap: Duration) -> Duration {
    if n <= FREE {
        return Duration::ZERO;
    }
    Duration::from_secs(1u64 << (n - FREE).min(20)).min(cap)
}

impl LoginThrottle {
    /// May a login from `addr` be tried now? `Err(seconds)` to wait.
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), u64> {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let wait = [Key::Account, Key::Addr(addr)]
            .iter()
            .filter_map(|k| st.get(k))
            .map(|e| e.until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if wait.is_zero() { Ok(()) } else { Err(wait.as_secs_f64().ceil() as u64) }
    }

    pub fn fail(&self, addr: IpAddr, now: Instant) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.retain(|_, e| now.saturating_duration_since(e.last) < FORGET);
        for (key, cap) in [(Key::Account, ACCOUNT_CAP), (Key::Addr(addr), ADDR_CAP)] {
            let e = st.entry(key).or_insert(Entry { failures: 0, last: now, until: now });
            e.failures += 1;
            e.last = now;
            e.until = now + delay_after(e.failures, cap);
        }
    }

    pub fn succeed(&self, addr: IpAddr) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.remove(&Key::Account);
        st.remove(&Key::Addr(addr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_after_three_free_failures_and_stop_at_the_cap() {
        let cap = ADDR_CAP;
        let secs: Vec<u64> = (1..=8).map(|n| delay_after(n, cap).as_secs()).collect();
        assert_eq!(secs, [0, 0, 0, 2, 4, 8, 16, 32]);
        assert_eq!(delay_after(40, cap), cap);
    }

    #[test]
    fn an_address_waits_and_the_account_waits_at_most_a_minute() {
        let t = LoginThrottle::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(t.check(a, t0).is_ok());
            t.fail(a, t0);
        }
        assert!(t.check(a, t0).is_ok());
        t.fail(a, t0);
        assert_eq!(t.check(a, t0), Err(2));
        assert_eq!(t.check(b, t0), Err(2), "the account is throttled too");
        for _ in 0..20 {
            t.fail(a, t0);
        }
        assert_eq!(t.check(b, t0 + ACCOUNT_CAP), Ok(()), "the account wait is capped");
        assert!(t.check(a, t0 + ACCOUNT_CAP).is_err(), "the address still waits");
        t.succeed(a);
        assert_eq!(t.check(a, t0), Ok(()));
    }
}
