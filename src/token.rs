//! Link tokens and access codes: how they are made, shown and checked.
//!
//! The clinician must be able to copy a link again tomorrow, yet the database
//! must never hold a working link or code. So nothing secret is stored:
//! each link row keeps a random 128-bit *seed* from the OS CSPRNG, and the
//! token and code are derived from it with HMAC-SHA-256 under a 256-bit key
//! that lives only in the key file of the data directory (mode 0600). A copy
//! of the database alone yields neither.
//!
//! To find a link from what a visitor presents, the database holds a keyed
//! *tag* of the token and of the code (again HMAC under the key, with its own
//! label), indexed. After the lookup the token or code is derived afresh from
//! the seed and compared in constant time.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use rand::TryRng;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// Name of the key file inside the data directory.
pub const KEY_FILE: &str = "secret.key";

/// Bytes of a seed: 128 bits from the OS CSPRNG.
pub const SEED_LEN: usize = 16;

/// Characters of a token: 128 bits in unpadded base64url.
pub const TOKEN_LEN: usize = 22;

/// Characters of an access code, without the hyphen: 40 bits.
pub const CODE_LEN: usize = 8;

/// Crockford's base32 alphabet: no I, L, O or U.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub type Seed = [u8; SEED_LEN];
pub type Tag = [u8; 32];

/// Fill `buf` from the operating system's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) {
    rand::rngs::SysRng.try_fill_bytes(buf).expect("the operating system's random number generator failed");
}

/// A fresh 256-bit secret, base64url (43 characters): session ids.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    random_bytes(&mut bytes);
    Base64UrlUnpadded::encode_string(&bytes)
}

/// SHA-256 of a secret, for storing session ids.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    Sha256::digest(data).into()
}

/// A new 128-bit seed for a link.
pub fn new_seed() -> Seed {
    let mut seed = [0u8; SEED_LEN];
    random_bytes(&mut seed);
    seed
}

/// A random lowercase name of 26 base32 characters (130 bits), for video
/// rooms and other names that must be unguessable but carry no meaning.
pub fn random_name() -> String {
    let mut bytes = [0u8; 17];
    random_bytes(&mut bytes);
    let mut out = String::with_capacity(26);
    for i in 0..26 {
        let bit = i * 5;
        let v = ((u16::from(bytes[bit / 8]) << 8 | u16::from(bytes[bit / 8 + 1])) >> (11 - bit % 8)) & 31;
        out.push(CROCKFORD[v as usize].to_ascii_lowercase() as char);
    }
    out
}

/// What a token opens. Each kind derives with its own label, so a portal
/// token can never pass as a participant token or the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Participant,
    Portal,
    /// The clinician's calendar feed.
    Calendar,
}

impl Kind {
    fn label(self) -> &'static [u8] {
        match self {
            Kind::Participant => b"porchlight/participant-token/v1",
            Kind::Portal => b"porchlight/portal-token/v1",
            Kind::Calendar => b"porchlight/calendar-token/v1",
        }
    }
}

/// The 256-bit secret every token and code is derived from.
pub struct Keyring {
    /// HMAC already keyed with the 256-bit key: each MAC clones it instead
    /// of hashing the key pads again (half the work of a short MAC).
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(..)")
    }
}

impl Keyring {
    /// Load the key file from `dir`, creating it (mode 0600, synced) on first
    /// use. A key file that other users can read is refused: it is the one
    /// secret that turns the database into working links.
    pub fn open_or_create(dir: &Path) -> Result<Keyring> {
        let path = dir.join(KEY_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => {
                let mode = fs::metadata(&path)?.permissions().mode();
                if mode & 0o077 != 0 {
                    return Err(Error::internal(format!(
                        "{} is readable by other users (mode {:o}); run: chmod 600 {}",
                        path.display(),
                        mode & 0o777,
                        path.display()
                    )));
                }
                Self::from_hex(text.trim())
                    .ok_or_else(|| Error::internal(format!("{} is not a Porchlight key file", path.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                random_bytes(&mut key);
                let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(|e| Error::internal(format!("cannot create {}: {e}", path.display())))?;
                file.write_all(format!("{hex}\n").as_bytes())?;
                file.sync_all()?;
                fs::File::open(dir)?.sync_all()?;
                Ok(Keyring::new(key))
            }
            Err(e) => Err(Error::internal(format!("cannot read {}: {e}", path.display()))),
        }
    }

    fn from_hex(text: &str) -> Option<Keyring> {
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Keyring::new(key))
    }

    fn new(key: [u8; 32]) -> Keyring {
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("HMAC takes any key length");
        Keyring { keyed }
    }

    #[cfg(test)]
    pub fn for_tests(byte: u8) -> Keyring {
        Keyring::new([byte; 32])
    }

    pub(crate) fn mac(&self, label: &[u8], data: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(label);
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// A 128-bit value derived from `data` under `label`, base64url: CSRF
    /// tokens and other secrets that need no storage.
    pub fn derive(&self, label: &str, data: &[u8]) -> String {
        Base64UrlUnpadded::encode_string(&self.mac(label.as_bytes(), data)[..16])
    }

    /// Does `presented` equal [`Keyring::derive`] of `data`? Constant time.
    pub fn derived_matches(&self, label: &str, data: &[u8], presented: &str) -> bool {
        bool::from(self.derive(label, data).as_bytes().ct_eq(presented.as_bytes()))
    }

    /// The chained hash of an audit row: HMAC of the previous row's hash
    /// and this row's fields, in a fixed JSON encoding.
    pub fn audit_link(&self, prev: Option<&[u8]>, row: &serde_json::Value) -> [u8; 32] {
        let mut data = prev.map(<[u8]>::to_vec).unwrap_or_default();
        data.push(b'|');
        data.extend_from_slice(row.to_string().as_bytes());
        self.mac(b"porchlight/audit-chain/v1", &data)
    }

    /// The URL token of a link: 128 bits of HMAC output, base64url.
    pub fn token(&self, kind: Kind, seed: &Seed) -> String {
        Base64UrlUnpadded::encode_string(&self.mac(kind.label(), seed)[..16])
    }

    /// The access code of a participant link: 40 bits of HMAC output as
    /// 8 Crockford base32 characters, without the hyphen.
    pub fn code(&self, seed: &Seed) -> String {
        let mac = self.mac(b"porchlight/access-code/v1", seed);
        let bits = mac[..5].iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        (0..CODE_LEN).map(|i| CROCKFORD[(bits >> (35 - 5 * i) & 31) as usize] as char).collect()
    }

    /// The lookup tag stored for a token. Callers check the shape first
    /// (see [`is_token_shaped`]).
    pub fn token_tag(&self, kind: Kind, token: &str) -> Tag {
        self.mac(b"porchlight/token-tag/v1", format!("{kind:?}:{token}").as_bytes())
    }

    /// The lookup tag stored for a normalized code (see [`normalize_code`]).
    pub fn code_tag(&self, code: &str) -> Tag {
        self.mac(b"porchlight/code-tag/v1", code.as_bytes())
    }

    /// Does `presented` equal the token derived from `seed`? Constant time.
    pub fn token_matches(&self, kind: Kind, seed: &Seed, presented: &str) -> bool {
        bool::from(self.token(kind, seed).as_bytes().ct_eq(presented.as_bytes()))
    }

    /// Does the normalized `presented` code equal the one derived from
    /// `seed`? Constant time.
    pub fn code_matches(&self, seed: &Seed, presented: &str) -> bool {
        bool::from(self.code(seed).as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// Is `s` shaped like a token (22 base64url characters)? Anything else is
/// answered as unknown without touching the database.
pub fn is_token_shaped(s: &str) -> bool {
    s.len() == TOKEN_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Read a typed access code: case-insensitive, hyphens and spaces ignored,
/// `I`/`L` read as `1` and `O` as `0`. `None` unless exactly 8 characters of
/// the Crockford alphabet remain.
pub fn normalize_code(input: &str) -> Option<String> {
    if input.len() > 64 {
        return None;
    }
    let mut out = String::with_capacity(CODE_LEN);
    for c in input.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' | '\t' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
        if out.len() > CODE_LEN {
            return None;
        }
    }
    (out.len() == CODE_LEN).then_some(out)
}

/// A code as people see it: `XXXX-XXXX`.
pub fn display_code(code: &str) -> String {
    format!("{}-{}", &code[..4], &code[4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_22_url_safe_characters_and_differ_by_seed_kind_and_key() {
        let k = Keyring::for_tests(1);
        let (a, b) = (new_seed(), new_seed());
        assert_ne!(a, b);
        let t = k.token(Kind::Participant, &a);
        assert!(is_token_shaped(&t), "{t}");
        assert_ne!(t, k.token(Kind::Participant, &b));
        assert_ne!(t, k.token(Kind::Portal, &a));
        assert_ne!(t, Keyring::for_tests(2).token(Kind::Participant, &a));
        // Stable: the clinician sees the same link tomorrow.
        assert_eq!(t, k.token(Kind::Participant, &a));
    }

    #[test]
    fn verification_accepts_only_the_exact_token() {
        let k = Keyring::for_tests(7);
        let seed = new_seed();
        let t = k.token(Kind::Portal, &seed);
        assert!(k.token_matches(Kind::Portal, &seed, &t));
        assert!(!k.token_matches(Kind::Participant, &seed, &t));
        let mut wrong = t.clone().into_bytes();
        wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
        assert!(!k.token_matches(Kind::Portal, &seed, std::str::from_utf8(&wrong).unwrap()));
        assert!(!k.token_matches(Kind::Portal, &seed, &t[..21]));
    }

    #[test]
    fn codes_are_8_crockford_characters_that_survive_normalization() {
        let k = Keyring::for_tests(3);
        for _ in 0..200 {
            let code = k.code(&new_seed());
            assert_eq!(code.len(), 8);
            assert!(code.bytes().all(|b| CROCKFORD.contains(&b)), "{code}");
            assert_eq!(normalize_code(&display_code(&code)).as_deref(), Some(code.as_str()));
            assert_eq!(normalize_code(&code.to_lowercase()).as_deref(), Some(code.as_str()));
        }
    }

    #[test]
    fn typed_codes_forgive_case_hyphens_spaces_and_lookalikes() {
        assert_eq!(normalize_code("ab12-cd34").as_deref(), Some("AB12CD34"));
        assert_eq!(normalize_code(" AB12 CD34 ").as_deref(), Some("AB12CD34"));
        assert_eq!(normalize_code("io1l-OLi0").as_deref(), Some("10110110"));
        assert_eq!(normalize_code("ab-12-cd-34").as_deref(), Some("AB12CD34"));
    }

    #[test]
    fn typed_codes_with_wrong_length_or_letters_are_refused() {
        for bad in ["", "AB12CD3", "AB12CD345", "AB12-CD3U", "AB12CD3!", "ÅB12CD34", "AB12\u{0}CD34", &"A".repeat(5000)]
        {
            assert_eq!(normalize_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn token_shape_is_strict() {
        assert!(is_token_shaped("abcdefghijklmnopqrstuv"));
        assert!(is_token_shaped("ABC-_fghijklmnopqrst09"));
        for bad in [
            "",
            "abc",
            "abcdefghijklmnopqrstu",
            "abcdefghijklmnopqrstuvw",
            "abcdefghijklmnopqrst/v",
            "abcdefghijklmnopqrst%0",
            "abcdefghijklmnopqrst..",
        ] {
            assert!(!is_token_shaped(bad), "{bad}");
        }
    }

    #[test]
    fn random_names_are_lowercase_base32_and_distinct() {
        let a = random_name();
        assert_eq!(a.len(), 26);
        assert!(a.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{a}");
        assert_ne!(a, random_name());
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let k1 = Keyring::open_or_create(dir.path()).unwrap();
        let mode = fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let k2 = Keyring::open_or_create(dir.path()).unwrap();
        let seed = new_seed();
        assert_eq!(k1.token(Kind::Participant, &seed), k2.token(Kind::Participant, &seed));
    }

    #[test]
    fn a_key_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        Keyring::open_or_create(dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = Keyring::open_or_create(dir.path()).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
    }
}
