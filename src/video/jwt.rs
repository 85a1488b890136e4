//! HS256 JSON Web Tokens, as Jitsi's token authentication reads them.
//!
//! Only minting: Porchlight signs, Jitsi (Prosody) verifies. The header is
//! fixed, so the token is three base64url parts joined by dots.

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// `{"alg":"HS256","typ":"JWT"}`, exactly as Jitsi's examples write it.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Sign `claims` with `secret`.
pub fn hs256(secret: &[u8], claims: &serde_json::Value) -> String {
    let signed = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(HEADER.as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(signed.as_bytes());
    let signature = Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes());
    format!("{signed}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_7515_style_layout_and_a_known_signature() {
        // Signature computed with Python's hmac module over the two encoded parts.
        let token = hs256(b"secret", &serde_json::json!({"sub": "x"}));
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        assert_eq!(parts[1], "eyJzdWIiOiJ4In0");
        assert_eq!(parts[2], "TKECX_pF_bzlcgrzGibhwL3tklDD4LdEEzXVQCw00qY");
    }
}
