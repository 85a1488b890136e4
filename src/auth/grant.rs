//! Sign-in links: how the person at the machine gives one browser a device
//! cookie, so that it signs in while a guest keeps every browser without
//! one waiting (`throttle.rs`).
//!
//! `porchlight admin signin-link` (and `admin password`, after setting the
//! password) prints `BASE/admin/login?grant=GRANT`. A grant is built like a
//! device cookie (`device.rs`): a random nonce, the time it was issued, and
//! a MAC of both and of the current password hash under the key file, but
//! under a label of its own, so neither passes for the other, and it lasts
//! 15 minutes. Opening the link exchanges the grant for a fresh device
//! cookie; the password is still needed to sign in.
//!
//! Nothing is stored. The server remembers, in memory until they expire,
//! the grants it has exchanged, so a link seen over someone's shoulder
//! gives at most one browser its own throttle, not one after another. A new
//! password ends every grant, as it ends every device cookie.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

use super::device::{self, Nonce};

use crate::token::Keyring;

/// Seconds a grant lasts: time to copy the link into a browser.
pub const LIFETIME: i64 = 15 * 60;

const LABEL: &[u8] = b"porchlight/signin-grant/v1";

/// A new grant for the password hash `phc`, issued at `now` (Unix seconds).
pub fn issue(keys: &Keyring, phc: &str, now: i64) -> String {
    device::seal(keys, LABEL, phc, now)
}

/// The nonce of a grant this server issued for the current password, if it
/// has not expired.
pub fn check(keys: &Keyring, value: &str, phc: &str, now: i64) -> Option<Nonce> {
    device::open(keys, LABEL, LIFETIME, value, phc, now)
}

/// The grants already exchanged for a device cookie, each kept until it
/// has expired for certain: one link, one browser.
#[derive(Default)]
pub struct Redeemed {
    spent: Mutex<HashMap<Nonce, i64>>,
}

impl Redeemed {
    /// Exchange the grant `value`: true when it is valid for `phc` at `now`
    /// and has not been exchanged before.
    pub fn redeem(&self, keys: &Keyring, value: &str, phc: &str, now: i64) -> bool {
        let Some(nonce) = check(keys, value, phc, now) else { return false };
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        // Only valid grants get here, so the map holds at most the grants
        // printed at the machine in the last 15 minutes.
        spent.retain(|_, until| *until > now);
        spent.insert(nonce, now + LIFETIME).is_none()
    }
}

/// A sign-in link, as the command line prints it.
#[derive(Debug, Serialize)]
pub struct SigninLink {
    pub url: String,
    /// The same without the base (`/admin/login?grant=...`), for the
    /// address the clinician opens the admin pages at when it is not
    /// `public_url` (an internet name has no admin pages).
    pub path: String,
    /// The link at each name of `allowed_hosts`, with `public_url`'s
    /// scheme and port: where the clinician's admin pages usually are.
    pub at_names: Vec<String>,
    /// RFC 3339 UTC.
    pub expires_at: String,
}

/// `base` (`https://porch.example.org`, `http://porch.local:8080`) with
/// its host replaced by `name`, keeping scheme and port.
pub fn at_name(base: &str, name: &str) -> Option<String> {
    let base = crate::urls::web(base)?;
    Some(match base.port() {
        Some(port) => format!("{}://{name}:{port}", base.scheme()),
        None => format!("{}://{name}", base.scheme()),
    })
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64UrlUnpadded, Encoding};

    use super::*;

    const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    const OTHER_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXI$aGFzaA";
    const T0: i64 = 1_800_000_000;

    #[test]
    fn the_link_at_another_name_keeps_scheme_and_port() {
        assert_eq!(at_name("https://porch.example.org", "porch.lan").as_deref(), Some("https://porch.lan"));
        assert_eq!(at_name("http://porch.local:8080", "therapy-pi").as_deref(), Some("http://therapy-pi:8080"));
        assert_eq!(at_name("http://[::1]:8080", "porch.lan").as_deref(), Some("http://porch.lan:8080"));
        assert_eq!(at_name("http://[::1]", "porch.lan").as_deref(), Some("http://porch.lan"));
    }

    #[test]
    fn a_grant_lasts_fifteen_minutes_under_its_key_and_password_only() {
        let keys = Keyring::for_tests(5);
        let grant = issue(&keys, PHC, T0);
        let nonce = check(&keys, &grant, PHC, T0).expect("valid at once");
        assert_eq!(check(&keys, &grant, PHC, T0 + 14 * 60 + 59), Some(nonce));
        assert_eq!(check(&keys, &grant, PHC, T0 + 15 * 60), None, "expired after 15 minutes");
        assert_eq!(check(&keys, &grant, PHC, T0 - 1), None, "from the future");
        assert_eq!(check(&Keyring::for_tests(6), &grant, PHC, T0), None, "another key file");
        assert_eq!(check(&keys, &grant, OTHER_PHC, T0), None, "a new password");
    }

    #[test]
    fn a_device_cookie_is_no_grant_and_a_grant_no_device_cookie() {
        let keys = Keyring::for_tests(5);
        let cookie = device::issue(&keys, PHC, T0);
        assert!(device::check(&keys, &cookie, PHC, T0).is_some());
        assert_eq!(check(&keys, &cookie, PHC, T0), None, "a device cookie as a grant");
        let grant = issue(&keys, PHC, T0);
        assert!(check(&keys, &grant, PHC, T0).is_some());
        assert_eq!(device::check(&keys, &grant, PHC, T0), None, "a grant as a device cookie");
    }

    #[test]
    fn an_altered_grant_is_refused() {
        let keys = Keyring::for_tests(5);
        let grant = issue(&keys, PHC, T0);
        let raw = Base64UrlUnpadded::decode_vec(&grant).unwrap();
        // Every byte: the nonce, the issue time (an attempt to extend it),
        // and the MAC.
        for at in 0..raw.len() {
            let mut bad = raw.clone();
            bad[at] ^= 1;
            assert_eq!(check(&keys, &Base64UrlUnpadded::encode_string(&bad), PHC, T0), None, "byte {at}");
        }
        for bad in ["", "x", &"A".repeat(54), &grant[..53], &format!("{grant}A"), &format!(" {grant}")] {
            assert_eq!(check(&keys, bad, PHC, T0), None, "{bad:?}");
        }
    }

    #[test]
    fn a_grant_is_exchanged_once() {
        let keys = Keyring::for_tests(5);
        let redeemed = Redeemed::default();
        let (one, two) = (issue(&keys, PHC, T0), issue(&keys, PHC, T0));
        assert!(redeemed.redeem(&keys, &one, PHC, T0 + 60));
        assert!(!redeemed.redeem(&keys, &one, PHC, T0 + 61), "used");
        assert!(redeemed.redeem(&keys, &two, PHC, T0 + 61), "each link once");
        assert!(!redeemed.redeem(&keys, &issue(&keys, PHC, T0), OTHER_PHC, T0), "not valid at all");
        // Spent grants are forgotten only once they have expired anyway.
        assert!(!redeemed.redeem(&keys, &one, PHC, T0 + LIFETIME - 1));
        assert!(!redeemed.redeem(&keys, &one, PHC, T0 + LIFETIME + 120), "expired");
        let later = T0 + 2 * LIFETIME;
        assert!(redeemed.redeem(&keys, &issue(&keys, PHC, later), PHC, later));
        assert_eq!(redeemed.spent.lock().unwrap().len(), 1, "the expired ones are forgotten");
    }
}
