//! Secrets at rest: settings Porchlight must use in plain form (the Jitsi
//! secret) are sealed before they reach the database.
//!
//! A copy of the database alone must not let anyone mint room tokens, so a
//! sealed value is XChaCha20-Poly1305 under a key derived from the key
//! file, with a random nonce and the setting's name as associated data (a
//! sealed value moved to another key does not open).

use base64ct::{Base64UrlUnpadded, Encoding};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{Key, KeyInit, XChaCha20Poly1305, XNonce};

use crate::token::{Keyring, random_bytes};

/// Marks a sealed value, and its format version.
const PREFIX: &str = "sealed:v1:";

impl Keyring {
    fn sealer(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(self.mac(b"porchlight/sealed-settings/v1", b"")))
    }

    /// Seal `plain` for storage under the name `name`.
    pub fn seal(&self, name: &str, plain: &str) -> String {
        let mut nonce = [0u8; 24];
        random_bytes(&mut nonce);
        let sealed = self
            .sealer()
            .encrypt(&XNonce::from(nonce), Payload { msg: plain.as_bytes(), aad: name.as_bytes() })
            .expect("XChaCha20-Poly1305 seals any setting-sized value");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", Base64UrlUnpadded::encode_string(&out))
    }

    /// Open a value sealed under `name`; `None` if it was not sealed with
    /// this key file, was altered, or belongs to another name.
    pub fn unseal(&self, name: &str, stored: &str) -> Option<String> {
        let bytes = Base64UrlUnpadded::decode_vec(stored.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() < 24 + 16 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(24);
        let nonce = XNonce::try_from(nonce).ok()?;
        let plain = self.sealer().decrypt(&nonce, Payload { msg: sealed, aad: name.as_bytes() }).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_name() {
        let keys = Keyring::for_tests(1);
        let sealed = keys.seal("jitsi_secret", "correct horse battery staple");
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("horse"), "{sealed}");
        assert_ne!(sealed, keys.seal("jitsi_secret", "correct horse battery staple"), "nonce is random");
        assert_eq!(keys.unseal("jitsi_secret", &sealed).as_deref(), Some("correct horse battery staple"));
        assert_eq!(keys.unseal("smtp_url", &sealed), None);
        assert_eq!(Keyring::for_tests(2).unseal("jitsi_secret", &sealed), None);
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.unseal("jitsi_secret", std::str::from_utf8(&altered).unwrap()), None);
        assert_eq!(keys.unseal("jitsi_secret", "plain-text-secret"), None);
    }
}
