//! Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device
//! Cookies"): a browser that signed in, or opened a sign-in link printed
//! at the machine (`grant.rs`), gets a cookie naming it, so its later
//! logins are throttled on their own (`throttle.rs`) and a guest guessing
//! on the LAN does not lock the clinician out.
//!
//! The cookie is a random 128-bit nonce, the time it was issued, and an
//! HMAC of both and of the current password hash under the key file.
//! Nothing is stored: a copy of the database cannot make one, and a new
//! password (here or with `porchlight admin password`) forgets every
//! device at once.

use base64ct::{Base64UrlUnpadded, Encoding};
use subtle::ConstantTimeEq;

use crate::token::{self, Keyring};

/// Names one browser; 128 bits from the OS CSPRNG.
pub type Nonce = [u8; 16];

/// Seconds a device cookie lasts: 400 days, the longest browsers keep one.
pub const LIFETIME: i64 = 400 * 24 * 60 * 60;

const LABEL: &[u8] = b"porchlight/device-cookie/v1";
const MAC_LEN: usize = 16;
/// Nonce, issue time (seconds, big-endian), MAC.
const LEN: usize = 16 + 8 + MAC_LEN;

fn mac(keys: &Keyring, label: &[u8], nonce: &Nonce, issued: i64, phc: &str) -> [u8; 32] {
    let mut data = Vec::with_capacity(24 + phc.len());
    data.extend_from_slice(nonce);
    data.extend_from_slice(&issued.to_be_bytes());
    data.extend_from_slice(phc.as_bytes());
    keys.mac(label, &data)
}

/// A new device cookie value for the password hash `phc`, issued at `now`
/// (Unix seconds).
pub fn issue(keys: &Keyring, phc: &str, now: i64) -> String {
    seal(keys, LABEL, phc, now)
}

/// The device a cookie value names, if this server issued it for the
/// current password and it has not expired.
pub fn check(keys: &Keyring, value: &str, phc: &str, now: i64) -> Option<Nonce> {
    open(keys, LABEL, LIFETIME, value, phc, now)
}

/// A fresh nonce and `now`, MAC'd under `label` with the password hash
/// `phc`, base64url: the shape of device cookies and of sign-in grants
/// (`grant.rs`), which differ only in label and lifetime.
pub(super) fn seal(keys: &Keyring, label: &[u8], phc: &str, now: i64) -> String {
    let mut nonce = [0u8; 16];
    token::random_bytes(&mut nonce);
    let mut raw = [0u8; LEN];
    raw[..16].copy_from_slice(&nonce);
    raw[16..24].copy_from_slice(&now.to_be_bytes());
    raw[24..].copy_from_slice(&mac(keys, label, &nonce, now, phc)[..MAC_LEN]);
    Base64UrlUnpadded::encode_string(&raw)
}

/// The nonce of a value [`seal`]ed under `label` for `phc`, if it was
/// issued at most `lifetime` seconds before `now` (and not after it).
pub(super) fn open(keys: &Keyring, label: &[u8], lifetime: i64, value: &str, phc: &str, now: i64) -> Option<Nonce> {
    let mut raw = [0u8; LEN];
    let decoded = Base64UrlUnpadded::decode(value.as_bytes(), &mut raw).ok()?;
    if decoded.len() != LEN {
        return None;
    }
    let nonce: Nonce = raw[..16].try_into().ok()?;
    let issued = i64::from_be_bytes(raw[16..24].try_into().ok()?);
    let genuine: bool = mac(keys, label, &nonce, issued, phc)[..MAC_LEN].ct_eq(&raw[24..]).into();
    (genuine && issued <= now && now - issued < lifetime).then_some(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

    #[test]
    fn a_cookie_names_its_device_until_it_expires() {
        let keys = Keyring::for_tests(5);
        let t0 = 1_800_000_000;
        let value = issue(&keys, PHC, t0);
        assert_eq!(value.len(), 54, "{value}");
        let nonce = check(&keys, &value, PHC, t0 + 60).expect("valid");
        assert_eq!(check(&keys, &value, PHC, t0 + LIFETIME - 1), Some(nonce));
        assert_eq!(check(&keys, &value, PHC, t0 + LIFETIME), None, "expired");
        assert_eq!(check(&keys, &value, PHC, t0 - 1), None, "from the future");
        assert_ne!(check(&keys, &issue(&keys, PHC, t0), PHC, t0), Some(nonce), "each cookie its own device");
    }

    #[test]
    fn only_this_key_and_this_password_make_a_cookie() {
        let keys = Keyring::for_tests(5);
        let t0 = 1_800_000_000;
        let value = issue(&keys, PHC, t0);
        assert_eq!(check(&Keyring::for_tests(6), &value, PHC, t0), None, "another key file");
        assert_eq!(check(&keys, &value, "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXI$aGFzaA", t0), None, "new password");
        let mut raw = Base64UrlUnpadded::decode_vec(&value).unwrap();
        raw[3] ^= 1;
        assert_eq!(check(&keys, &Base64UrlUnpadded::encode_string(&raw), PHC, t0), None, "altered");
        for bad in ["", "x", &"A".repeat(54), &value[..53], &format!("{value}A"), "é".repeat(27).as_str()] {
            assert_eq!(check(&keys, bad, PHC, t0), None, "{bad:?}");
        }
    }
}
