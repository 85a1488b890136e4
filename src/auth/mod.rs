//! Admin authentication: sessions, cookies, CSRF tokens, login throttling
//! (`throttle.rs`) keyed by device cookies (`device.rs`), the sign-in links
//! that hand a browser one (`grant.rs`), and the thread that runs argon2
//! (`hasher.rs`).
//!
//! A session id is 256 bits from the OS CSPRNG, lives only in the
//! clinician's cookie, and is stored as its SHA-256. It is replaced at
//! every login, ends after [`Policy::idle`] without a click and
//! [`Policy::absolute`] after login, and ends at logout. The CSRF token of
//! a form is an HMAC of the session id under the key file, so it needs no
//! storage and changes with the session. Forms shown before login (setup,
//! login) use the same scheme over a random pre-session cookie.

pub mod device;
pub mod grant;
pub mod hasher;
pub mod throttle;

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::store::Store;
use crate::token::{self, Keyring};

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Seconds without a request before the session ends (30 minutes).
    pub idle: i64,
    /// Seconds after login when the session ends whatever happens (12 hours).
    pub absolute: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { idle: 30 * 60, absolute: 12 * 60 * 60 }
    }
}

/// Activity is written at most this often, sparing a synced write per click.
const TOUCH_EVERY: i64 = 60;

/// A logged-in session, as found from its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
}

/// The cookie names: `__Host-` when served over https, which the browser
/// then binds to this exact origin.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    pub secure: bool,
}

impl Cookies {
    pub fn session(&self) -> &'static str {
        if self.secure { "__Host-porchlight_admin" } else { "porchlight_admin" }
    }

    pub fn pre(&self) -> &'static str {
        if self.secure { "__Host-porchlight_pre" } else { "porchlight_pre" }
    }

    /// The device cookie (`device.rs`). It goes to `/admin` only, so it
    /// cannot be `__Host-` (which requires `Path=/`); `__Secure-` over https.
    pub fn device(&self) -> &'static str {
        if self.secure { "__Secure-porchlight_device" } else { "porchlight_device" }
    }

    /// A `Set-Cookie` value; `max_age` 0 deletes.
    pub fn set(&self, name: &str, value: &str, max_age: Option<i64>) -> String {
        self.set_at("/", name, value, max_age)
    }

    /// The `Set-Cookie` of a new device cookie, kept as long as browsers keep one.
    pub fn set_device(&self, value: &str) -> String {
        self.set_at("/admin", self.device(), value, Some(device::LIFETIME))
    }

    fn set_at(&self, path: &str, name: &str, value: &str, max_age: Option<i64>) -> String {
        let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
        if self.secure {
            c += "; Secure";
        }
        if let Some(age) = max_age {
            c += &format!("; Max-Age={age}");
        }
        c
    }
}

/// Start a session at login; returns the id for the cookie.
pub fn start(store: &mut Store, policy: Policy, now: DateTime<Utc>) -> Result<String> {
    let at = now.timestamp();
    store.prune_sessions(at - policy.idle, at - policy.absolute)?;
    let id = token::random_secret();
    store.insert_session(&token::sha256(id.as_bytes()), at)?;
    Ok(id)
}

/// The session a cookie names, if it is still alive. `active` says whether
/// this request counts as the clinician doing something (the dashboard's
/// own polling does not, so an unattended screen still times out).
pub fn check(
    store: &mut Store,
    cookie: Option<&str>,
    policy: Policy,
    now: DateTime<Utc>,
    active: bool,
) -> Result<Option<Session>> {
    let Some(id) = cookie.filter(|c| c.len() == 43) else { return Ok(None) };
    let hash = token::sha256(id.as_bytes());
    let Some((created, seen)) = store.session(&hash)? else { return Ok(None) };
    let at = now.timestamp();
    if at - seen >= policy.idle || at - created >= policy.absolute {
        store.delete_session(&hash)?;
        return Ok(None);
    }
    if active && at - seen >= TOUCH_EVERY.min(policy.idle / 2) {
        store.touch_session(&hash, at)?;
    }
    Ok(Some(Session { id: id.to_string() }))
}

/// End a session (logout).
pub fn end(store: &mut Store, id: &str) -> Result<()> {
    store.delete_session(&token::sha256(id.as_bytes()))
}

const CSRF: &str = "porchlight/csrf/v1";
const PRE_CSRF: &str = "porchlight/pre-session-csrf/v1";

/// A one-time code for `/admin/setup`: 60 bits, shown as XXXX-XXXX-XXXX.
pub fn setup_code() -> String {
    let name = token::random_name().to_ascii_uppercase();
    format!("{}-{}-{}", &name[..4], &name[4..8], &name[8..12])
}

pub fn csrf_token(keys: &Keyring, session: &Session) -> String {
    keys.derive(CSRF, session.id.as_bytes())
}

pub fn csrf_ok(keys: &Keyring, session: &Session, presented: &str) -> bool {
    keys.derived_matches(CSRF, session.id.as_bytes(), presented)
}

/// The CSRF token of a login or setup form, bound to the pre-session cookie.
pub fn pre_csrf_token(keys: &Keyring, pre_cookie: &str) -> String {
    keys.derive(PRE_CSRF, pre_cookie.as_bytes())
}

pub fn pre_csrf_ok(keys: &Keyring, pre_cookie: &str, presented: &str) -> bool {
    !pre_cookie.is_empty() && keys.derived_matches(PRE_CSRF, pre_cookie.as_bytes(), presented)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn sessions_end_when_idle_or_too_old_and_at_logout() {
        let mut store = Store::open_in_memory().unwrap();
        let policy = Policy::default();
        let t0 = t("2026-12-01T08:00:00Z");
        let id = start(&mut store, policy, t0).unwrap();
        assert_eq!(id.len(), 43);
        let at = |s: &str| t(s);
        assert!(check(&mut store, Some(&id), policy, at("2026-12-01T08:29:59Z"), true).unwrap().is_some());
        // Active at 08:29:59, so idle runs from there.
        assert!(check(&mut store, Some(&id), policy, at("2026-12-01T08:59:58Z"), true).unwrap().is_some());
        assert!(check(&mut store, Some(&id), policy, at("2026-12-01T09:29:58Z"), false).unwrap().is_none());
        // A fresh session, kept busy, still ends after 12 hours.
        let id = start(&mut store, policy, t0).unwrap();
        let mut now = t0;
        while now < t0 + chrono::Duration::hours(12) - chrono::Duration::minutes(10) {
            now += chrono::Duration::minutes(10);
            assert!(check(&mut store, Some(&id), policy, now, true).unwrap().is_some(), "{now}");
        }
        assert!(check(&mut store, Some(&id), policy, t0 + chrono::Duration::hours(12), true).unwrap().is_none());
        let id = start(&mut store, policy, t0).unwrap();
        end(&mut store, &id).unwrap();
        assert!(check(&mut store, Some(&id), policy, t0, true).unwrap().is_none());
    }

    #[test]
    fn polling_does_not_keep_a_session_alive() {
        let mut store = Store::open_in_memory().unwrap();
        let policy = Policy::default();
        let t0 = t("2026-12-01T08:00:00Z");
        let id = start(&mut store, policy, t0).unwrap();
        for m in 1..30 {
            assert!(check(&mut store, Some(&id), policy, t0 + chrono::Duration::minutes(m), false).unwrap().is_some());
        }
        assert!(check(&mut store, Some(&id), policy, t0 + chrono::Duration::minutes(30), false).unwrap().is_none());
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_session() {
        let keys = Keyring::for_tests(4);
        let (a, b) = (Session { id: token::random_secret() }, Session { id: token::random_secret() });
        let ta = csrf_token(&keys, &a);
        assert!(csrf_ok(&keys, &a, &ta));
        assert!(!csrf_ok(&keys, &b, &ta));
        assert!(!csrf_ok(&keys, &a, ""));
        assert!(pre_csrf_ok(&keys, "cookie", &pre_csrf_token(&keys, "cookie")));
        assert!(!pre_csrf_ok(&keys, "", &pre_csrf_token(&keys, "")));
    }

    #[test]
    fn cookies_are_strict_and_host_bound_over_https() {
        let plain = Cookies { secure: false };
        assert_eq!(plain.set(plain.session(), "v", None), "porchlight_admin=v; Path=/; HttpOnly; SameSite=Strict");
        let tls = Cookies { secure: true };
        assert_eq!(
            tls.set(tls.session(), "v", Some(0)),
            "__Host-porchlight_admin=v; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0"
        );
        assert_eq!(
            plain.set_device("d"),
            "porchlight_device=d; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=34560000"
        );
        assert_eq!(
            tls.set_device("d"),
            "__Secure-porchlight_device=d; Path=/admin; HttpOnly; SameSite=Strict; Secure; Max-Age=34560000"
        );
    }
}
