//! Growing delays after wrong admin passwords.
//!
//! OWASP's device cookies: a browser the clinician signed in with carries
//! a device cookie (`device.rs`), and its password checks count against
//! that cookie alone, so a guest guessing on the LAN never locks the
//! clinician's own browsers out. Every other browser counts against its
//! address (IPv6 by /64, `net::bucket`) and against all unknown browsers together.
//!
//! Three failures are free (typos happen); after that each failure doubles
//! the wait: 2 s, 4 s, 8 s ... up to 15 minutes for a device cookie or an
//! address, and 1 minute for unknown browsers together, so they get at
//! most 67 checks in any hour, one a minute once the wait has grown. The
//! tenth wrong password in a row on one device cookie revokes it: that
//! browser is unknown again. Failures of unknown browsers are forgotten
//! after an hour without one; a device cookie's only by a right password.
//!
//! A check is reserved before argon2 runs and counted when it ends: while
//! a check that could start a wait is in flight, another is refused, so
//! parallel guesses get one check per wait. While a wait runs, a login is
//! refused before argon2, so a flood costs no CPU.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::device::Nonce;

const FREE: u32 = 3;
const CAP: Duration = Duration::from_secs(15 * 60);
const UNKNOWN_CAP: Duration = Duration::from_secs(60);
/// Wrong passwords in a row that revoke a device cookie.
const DEVICE_LIMIT: u32 = 10;
/// Failures of unknown browsers older than this are forgotten.
const FORGET: Duration = Duration::from_secs(60 * 60);
/// What to wait while another check is in flight.
const IN_FLIGHT: u64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Device(Nonce),
    Addr(IpAddr),
    Unknown,
}

impl Key {
    fn cap(self) -> Duration {
        if self == Key::Unknown { UNKNOWN_CAP } else { CAP }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    /// Checks reserved and not finished.
    in_flight: u32,
    last: Instant,
    until: Instant,
}

impl Entry {
    /// How long a new check must wait, if at all: the wait of the last
    /// failure, or, while checks are in flight, whether they could all
    /// fail and still leave this one free.
    fn wait(&self, cap: Duration, now: Instant) -> Option<u64> {
        if now < self.until {
            return Some((self.until - now).as_secs_f64().ceil() as u64);
        }
        let would_wait = !delay_after(self.failures + self.in_flight, cap).is_zero();
        (self.in_flight > 0 && would_wait).then_some(IN_FLIGHT)
    }

    fn idle(&self) -> bool {
        self.failures == 0 && self.in_flight == 0
    }
}

#[derive(Default)]
struct State {
    entries: HashMap<Key, Entry>,
    /// Device cookies that failed too often. Only cookies this server
    /// issued at a sign-in get here, so the set stays small.
    revoked: HashSet<Nonce>,
}

#[derive(Default)]
pub struct LoginThrottle {
    state: Mutex<State>,
}

/// How long to wait after the `n`th failure in a row.
pub fn delay_after(n: u32, cap: Duration) -> Duration {
    if n <= FREE {
        return Duration::ZERO;
    }
    Duration::from_secs(1u64 << (n - FREE).min(20)).min(cap)
}

impl LoginThrottle {
    /// Reserve one password check for a browser at `addr` that presents
    /// the verified device cookie `device`, or say how many seconds to
    /// wait. The check counts when the [`Attempt`] says how it ended; an
    /// attempt dropped unfinished counts for nothing.
    pub fn begin(&self, device: Option<Nonce>, addr: IpAddr, now: Instant) -> Result<Attempt<'_>, u64> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let keys = match device.filter(|d| !st.revoked.contains(d)) {
            Some(d) => [Some(Key::Device(d)), None],
            None => [Some(Key::Addr(crate::net::bucket(addr))), Some(Key::Unknown)],
        };
        // Unknown browsers' failures are forgotten an hour after the last:
        // here, where every attempt passes, not only when one fails.
        for k in keys.iter().flatten().filter(|k| !matches!(k, Key::Device(_))) {
            if st.entries.get(k).is_some_and(|e| e.in_flight == 0 && now.saturating_duration_since(e.last) >= FORGET) {
                st.entries.remove(k);
            }
        }
        let wait = keys.iter().flatten().filter_map(|k| st.entries.get(k)?.wait(k.cap(), now)).max();
        if let Some(wait) = wait {
            return Err(wait.max(1));
        }
        for &k in keys.iter().flatten() {
            let e = st.entries.entry(k).or_insert(Entry { failures: 0, in_flight: 0, last: now, until: now });
            e.in_flight += 1;
        }
        Ok(Attempt { throttle: self, keys, end: End::Cancelled })
    }
}

/// One reserved password check.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    keys: [Option<Key>; 2],
    end: End,
}

enum End {
    Cancelled,
    Failed(Instant),
    Succeeded,
}

impl Attempt<'_> {
    /// Whether the check counts against a device cookie.
    pub fn trusted(&self) -> bool {
        matches!(self.keys[0], Some(Key::Device(_)))
    }

    /// The password was wrong.
    pub fn failed(mut self, now: Instant) {
        self.end = End::Failed(now);
    }

    /// The password was right: the device cookie and the address start
    /// afresh. Unknown browsers together do not: the clinician signing in
    /// must not give a guest new free guesses.
    pub fn succeeded(mut self) {
        self.end = End::Succeeded;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut st = self.throttle.state.lock().unwrap_or_else(|p| p.into_inner());
        if let End::Failed(now) = self.end {
            st.entries.retain(|k, e| {
                matches!(k, Key::Device(_)) || e.in_flight > 0 || now.saturating_duration_since(e.last) < FORGET
            });
        }
        for &k in self.keys.iter().flatten() {
            let Some(e) = st.entries.get_mut(&k) else { continue };
            e.in_flight = e.in_flight.saturating_sub(1);
            match self.end {
                End::Cancelled => {}
                End::Succeeded if k != Key::Unknown => e.failures = 0,
                End::Succeeded => {}
                End::Failed(now) => {
                    e.failures += 1;
                    e.last = now;
                    e.until = now + delay_after(e.failures, k.cap());
                    if let Key::Device(d) = k
                        && e.failures >= DEVICE_LIMIT
                    {
                        st.entries.remove(&k);
                        st.revoked.insert(d);
                        continue;
                    }
                }
            }
            if e.idle() {
                st.entries.remove(&k);
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

    /// One whole check: begun, and failed at once if it could begin.
    fn guess(t: &LoginThrottle, device: Option<Nonce>, addr: IpAddr, now: Instant) -> Result<(), u64> {
        t.begin(device, addr, now).map(|a| a.failed(now))
    }

    #[test]
    fn delays_double_after_three_free_failures_and_stop_at_the_cap() {
        let secs: Vec<u64> = (1..=8).map(|n| delay_after(n, CAP).as_secs()).collect();
        assert_eq!(secs, [0, 0, 0, 2, 4, 8, 16, 32]);
        assert_eq!(delay_after(40, CAP), CAP);
        assert_eq!(delay_after(40, UNKNOWN_CAP), UNKNOWN_CAP);
    }

    #[test]
    fn an_address_waits_and_so_does_every_unknown_browser() {
        let t = LoginThrottle::default();
        let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
        let t0 = Instant::now();
        for _ in 0..4 {
            assert_eq!(guess(&t, None, a, t0), Ok(()));
        }
        assert_eq!(t.begin(None, a, t0).err(), Some(2));
        assert_eq!(t.begin(None, b, t0).err(), Some(2), "unknown browsers wait together");
        let mut last = t0;
        for n in 1..20 {
            last = t0 + CAP * n;
            assert_eq!(guess(&t, None, a, last), Ok(()), "{n}");
        }
        assert!(t.begin(None, b, last + UNKNOWN_CAP).is_ok(), "the wait of all unknown browsers is capped");
        assert!(t.begin(None, a, last + UNKNOWN_CAP).is_err(), "the address still waits");
        assert!(t.begin(None, a, last + CAP).is_ok());
    }

    #[test]
    fn unknown_browsers_failures_are_forgotten_an_hour_after_the_last() {
        let t = LoginThrottle::default();
        let t0 = Instant::now();
        // Guests made 30 wrong guesses, each after its wait.
        let mut last = t0;
        for n in 0..30 {
            last = t0 + CAP * n;
            guess(&t, None, ip(&format!("10.0.1.{n}")), last).unwrap();
        }
        // A day later, a new browser's typo is one of three free ones.
        let day = last + Duration::from_secs(24 * 60 * 60);
        assert_eq!(guess(&t, None, ip("10.0.2.1"), day), Ok(()));
        assert_eq!(t.begin(None, ip("10.0.2.1"), day).map(|_| ()), Ok(()), "no wait after one typo");
        // An address's own failures too.
        for _ in 0..9 {
            let _ = guess(&t, None, ip("10.0.3.1"), day + CAP);
        }
        let later = day + CAP + FORGET;
        assert_eq!(guess(&t, None, ip("10.0.3.1"), later), Ok(()));
        assert_eq!(t.begin(None, ip("10.0.3.1"), later).map(|_| ()), Ok(()));
    }

    #[test]
    fn ipv6_neighbours_in_one_64_share_an_address() {
        let t = LoginThrottle::default();
        let t0 = Instant::now();
        for _ in 0..4 {
            guess(&t, None, ip("2001:db8:1:2::1"), t0).unwrap();
        }
        let st = t.state.lock().unwrap();
        assert_eq!(st.entries[&Key::Addr(crate::net::bucket(ip("2001:db8:1:2::ffff")))].failures, 4);
        assert_eq!(crate::net::bucket(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
    }

    #[test]
    fn a_known_browser_is_not_held_up_by_unknown_ones() {
        let t = LoginThrottle::default();
        let t0 = Instant::now();
        let clinician = Some([7; 16]);
        for i in 0..40 {
            let _ = guess(&t, None, IpAddr::from([10, 0, 0, i]), t0);
        }
        assert!(t.begin(None, ip("10.0.1.1"), t0).is_err(), "unknown browsers wait");
        let attempt = t.begin(clinician, ip("10.0.0.1"), t0).expect("the device cookie does not");
        assert!(attempt.trusted());
        attempt.succeeded();
        // Its own failures slow it down the same way, and only it.
        for _ in 0..4 {
            guess(&t, clinician, ip("10.0.0.1"), t0 + UNKNOWN_CAP).unwrap();
        }
        assert_eq!(t.begin(clinician, ip("10.0.0.1"), t0 + UNKNOWN_CAP).err(), Some(2));
        assert!(t.begin(Some([8; 16]), ip("10.0.0.1"), t0 + UNKNOWN_CAP).is_ok(), "another device is free");
    }

    #[test]
    fn parallel_checks_past_the_free_ones_get_one_at_a_time() {
        let t = LoginThrottle::default();
        let (a, t0) = (ip("10.0.0.1"), Instant::now());
        // Four may run at once: if all fail, the fourth starts the wait.
        let four: Vec<_> = (0..4).map(|_| t.begin(None, a, t0).expect("free")).collect();
        assert_eq!(t.begin(None, a, t0).err(), Some(IN_FLIGHT));
        four.into_iter().for_each(|at| at.failed(t0));
        assert_eq!(t.begin(None, a, t0).err(), Some(2));
        let one = t.begin(None, a, t0 + Duration::from_secs(2)).expect("after the wait");
        for _ in 0..8 {
            assert!(t.begin(None, a, t0 + Duration::from_secs(2)).is_err(), "one check per wait");
        }
        one.failed(t0 + Duration::from_secs(2));
        assert_eq!(t.begin(None, a, t0 + Duration::from_secs(2)).err(), Some(4));
    }

    #[test]
    fn an_unfinished_check_counts_for_nothing() {
        let t = LoginThrottle::default();
        let (a, t0) = (ip("10.0.0.1"), Instant::now());
        for _ in 0..3 {
            guess(&t, None, a, t0).unwrap();
        }
        drop(t.begin(None, a, t0).unwrap());
        assert!(t.begin(None, a, t0).is_ok(), "the busy hasher's refusal was not a failure");
    }

    #[test]
    fn a_right_password_clears_the_address_and_device_but_not_all_unknown_browsers() {
        let t = LoginThrottle::default();
        let (a, b, t0) = (ip("10.0.0.1"), ip("10.0.0.2"), Instant::now());
        for _ in 0..4 {
            guess(&t, None, a, t0).unwrap();
        }
        let later = t0 + Duration::from_secs(2);
        t.begin(None, b, later).unwrap().succeeded();
        guess(&t, None, b, later).unwrap();
        assert_eq!(t.begin(None, b, later).err(), Some(4), "no fresh free guesses for all unknown browsers");
        t.begin(None, a, later + Duration::from_secs(4)).unwrap().succeeded();
        let st = t.state.lock().unwrap();
        assert!(!st.entries.contains_key(&Key::Addr(a)), "the address starts afresh");
        assert_eq!(st.entries[&Key::Unknown].failures, 5);
    }

    #[test]
    fn ten_wrong_passwords_revoke_a_device_cookie() {
        let t = LoginThrottle::default();
        let (d, a) = (Some([3; 16]), ip("10.0.0.9"));
        let mut now = Instant::now();
        for n in 1..=DEVICE_LIMIT {
            let attempt = t.begin(d, a, now).unwrap_or_else(|w| panic!("guess {n} waits {w}"));
            assert!(attempt.trusted());
            attempt.failed(now);
            now += CAP;
        }
        let attempt = t.begin(d, a, now).expect("as an unknown browser");
        assert!(!attempt.trusted(), "revoked");
        attempt.succeeded();
        assert!(!t.begin(d, a, now).unwrap().trusted(), "even a right password does not bring it back");
    }

    /// What SECURITY.md promises: however many addresses a guest uses,
    /// browsers without a device cookie get at most 67 checks in any hour.
    #[test]
    fn unknown_browsers_get_at_most_67_guesses_an_hour() {
        let t = LoginThrottle::default();
        let t0 = Instant::now();
        let mut allowed = vec![];
        for s in 0..3 * 3600u32 {
            for i in 0..8u8 {
                let addr = IpAddr::from([10, 0, (s % 250) as u8, i]);
                let now = t0 + Duration::from_secs(s.into());
                if guess(&t, None, addr, now).is_ok() {
                    allowed.push(s);
                }
            }
        }
        let most = allowed.iter().map(|&s| allowed.iter().filter(|&&x| x >= s && x < s + 3600).count()).max();
        assert_eq!(most, Some(67), "the first hour; {} in three hours", allowed.len());
        assert_eq!(allowed.iter().filter(|&&s| s >= 7200).count(), 60, "then one a minute");
    }
}
