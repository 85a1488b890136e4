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
//!
//! A token is written as 26 lowercase Crockford base32 characters: links
//! pass through mail clients, chat apps and people that change case, and
//! linkifiers cut URLs at `-` and `_`. Links sent before that were written
//! as 22 base64url characters and keep working: both forms are read to the
//! same 16 bytes, and the stored tag is over one canonical form of them
//! (the base64url text, as it always was), so no row had to change.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
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

/// Bytes a token stands for: 128 bits of HMAC output.
pub const TOKEN_BYTES: usize = 16;

/// Characters of a token: 128 bits in Crockford base32 (two zero bits of
/// padding), written in lowercase.
pub const TOKEN_LEN: usize = 26;

/// Characters of a token in the first form links were sent in: 128 bits
/// in unpadded base64url (RFC 4648 section 5), case-sensitive.
pub const LEGACY_TOKEN_LEN: usize = 22;

/// Longest typed code read, in bytes, before any normalisation: a code
/// with every kind of separator fits; nothing long reaches the normaliser.
pub const MAX_TYPED_CODE: usize = 64;

/// Characters of an access code, without the hyphen: 40 bits.
pub const CODE_LEN: usize = 8;

/// Crockford's base32 alphabet: no I, L, O or U.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub type Seed = [u8; SEED_LEN];
pub type Tag = [u8; 32];

/// A presented token read to the 16 bytes it stands for (see
/// [`read_token`]); only a value of this type is ever looked up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenBytes([u8; TOKEN_BYTES]);

impl TokenBytes {
    /// The bytes, for tests that write tokens in the old form.
    #[cfg(test)]
    pub fn bytes_for_tests(&self) -> [u8; TOKEN_BYTES] {
        self.0
    }
}

impl std::fmt::Debug for TokenBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenBytes(..)")
    }
}

/// Crockford base32 (crockford.com/base32.html) of the first `chars * 5`
/// bits of `bytes`, in uppercase; bits past the end of `bytes` are zero.
/// The one encoder of codes, room names and tokens.
fn base32(bytes: &[u8], chars: usize) -> String {
    let bit = |i: usize| bytes.get(i / 8).map_or(0, |b| b >> (7 - i % 8) & 1);
    (0..chars)
        .map(|c| {
            let v = (0..5).fold(0u8, |acc, k| acc << 1 | bit(c * 5 + k));
            CROCKFORD[usize::from(v)] as char
        })
        .collect()
}

/// The `N` bytes that `text` encodes in Crockford base32, in either case.
/// Strict: exactly `ceil(8N / 5)` characters of the alphabet (no `I`, `L`,
/// `O` aliases, no hyphens) and zero padding bits, so each value has one
/// spelling up to case.
fn base32_decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != (N * 8).div_ceil(5) {
        return None;
    }
    let mut out = [0u8; N];
    for (c, b) in text.bytes().enumerate() {
        let v = CROCKFORD.iter().position(|&a| a == b.to_ascii_uppercase())?;
        for k in 0..5 {
            let (i, bit) = (c * 5 + k, (v >> (4 - k)) as u8 & 1);
            match out.get_mut(i / 8) {
                Some(byte) => *byte |= bit << (7 - i % 8),
                None if bit != 0 => return None,
                None => {}
            }
        }
    }
    Some(out)
}

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
    base32(&bytes, 26).to_ascii_lowercase()
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
    /// use. It is the one secret that turns the database into working
    /// links: one that others could read is made 0600 before this runs
    /// (`files::keep_private`, from `App::open`).
    pub fn open_or_create(dir: &Path) -> Result<Keyring> {
        let path = dir.join(KEY_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => Self::from_hex(text.trim())
                .ok_or_else(|| Error::internal(format!("{} is not a Porchlight key file", path.display()))),
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

    /// The 128 bits of HMAC output a link's token stands for.
    fn token_bytes(&self, kind: Kind, seed: &Seed) -> TokenBytes {
        let mut bytes = [0u8; TOKEN_BYTES];
        bytes.copy_from_slice(&self.mac(kind.label(), seed)[..TOKEN_BYTES]);
        TokenBytes(bytes)
    }

    /// The URL token of a link: its 128 bits as 26 lowercase Crockford
    /// base32 characters, which survive a change of case and are never cut
    /// by a linkifier.
    pub fn token(&self, kind: Kind, seed: &Seed) -> String {
        base32(&self.token_bytes(kind, seed).0, TOKEN_LEN).to_ascii_lowercase()
    }

    /// The access code of a participant link: 40 bits of HMAC output as
    /// 8 Crockford base32 characters, without the hyphen.
    pub fn code(&self, seed: &Seed) -> String {
        base32(&self.mac(b"porchlight/access-code/v1", seed)[..5], CODE_LEN)
    }

    /// The lookup tag stored for a token, whichever form it was presented
    /// in. It is taken over the base64url text of the bytes, the form the
    /// first links were written in, so the tags stored for them still
    /// match.
    pub fn token_tag(&self, kind: Kind, token: &TokenBytes) -> Tag {
        let text = Base64UrlUnpadded::encode_string(&token.0);
        self.mac(b"porchlight/token-tag/v1", format!("{kind:?}:{text}").as_bytes())
    }

    /// The lookup tag to store for the token of a new seed.
    pub fn tag_of_seed(&self, kind: Kind, seed: &Seed) -> Tag {
        self.token_tag(kind, &self.token_bytes(kind, seed))
    }

    /// The lookup tag stored for a normalized code (see [`normalize_code`]).
    pub fn code_tag(&self, code: &str) -> Tag {
        self.mac(b"porchlight/code-tag/v1", code.as_bytes())
    }

    /// Does `presented` stand for the token derived from `seed`? Constant
    /// time over the 16 bytes.
    pub fn token_matches(&self, kind: Kind, seed: &Seed, presented: &TokenBytes) -> bool {
        bool::from(self.token_bytes(kind, seed).0.ct_eq(&presented.0))
    }

    /// Does the normalized `presented` code equal the one derived from
    /// `seed`? Constant time.
    pub fn code_matches(&self, seed: &Seed, presented: &str) -> bool {
        bool::from(self.code(seed).as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// Read a token as presented: 26 Crockford base32 characters in any case,
/// or the 22 base64url characters of links sent before (case-sensitive).
/// `None` for anything else, including a non-canonical spelling (nonzero
/// padding bits); such input is answered as unknown without touching the
/// database.
pub fn read_token(text: &str) -> Option<TokenBytes> {
    match text.len() {
        TOKEN_LEN => base32_decode(text).map(TokenBytes),
        LEGACY_TOKEN_LEN => {
            let mut bytes = [0u8; TOKEN_BYTES];
            let got = Base64UrlUnpadded::decode(text, &mut bytes).ok()?;
            (got.len() == TOKEN_BYTES && Base64UrlUnpadded::encode_string(&bytes) == text).then_some(TokenBytes(bytes))
        }
        _ => None,
    }
}

/// The spelling a token is answered under: a base32 token in lowercase (a
/// link upper-cased on the way is sent on to it), an old base64url token
/// exactly as written. `None` when `text` is not a token.
pub fn canonical_token(text: &str) -> Option<String> {
    read_token(text)?;
    Some(if text.len() == TOKEN_LEN { text.to_ascii_lowercase() } else { text.to_string() })
}

/// Read a typed access code. Codes come through phones, chat apps and
/// word processors that rewrite characters, so the input is read as
/// Unicode, not as ASCII:
///
/// - at most [`MAX_TYPED_CODE`] bytes, checked before anything else;
/// - compatibility normalisation (NFKC, UAX #15): fullwidth `ＡＢ１２`,
///   ligatures and other compatibility forms become their plain letters;
/// - dropped as separators: every dash (`Dash` property and general
///   category `Pd`: hyphen-minus, en and em dash, U+2010, U+2011, U+2212
///   minus ...), every space (`White_Space`, `Zs`: NBSP, U+202F, U+3000
///   ...), and the invisible characters editors insert (`Cf`,
///   `Default_Ignorable_Code_Point`: soft hyphen, zero-width space, bidi
///   marks);
/// - case-insensitive, `I`/`L` read as `1` and `O` as `0` (SPEC, words);
/// - a decimal digit of any script (general category `Nd`, such as the
///   Arabic-Indic `٣` a phone keyboard may type) read as its value.
///
/// `None` unless exactly 8 characters of the Crockford alphabet remain.
pub fn normalize_code(input: &str) -> Option<String> {
    if input.len() > MAX_TYPED_CODE {
        return None;
    }
    let mut out = String::with_capacity(CODE_LEN);
    for typed in typed_chars(input) {
        let c = match typed {
            Typed::Dash | Typed::Space | Typed::Invisible => continue,
            Typed::Char(c) => match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
                _ => return None,
            },
        };
        out.push(c);
        if out.len() > CODE_LEN {
            return None;
        }
    }
    (out.len() == CODE_LEN).then_some(out)
}

/// What of a typed code the `/join` form shows again after a failure, so
/// the client can fix it rather than retype it: its letters and digits
/// as [`normalize_code`] reads them (fullwidth `ＡＢ１２` as `AB12`), dashes
/// as `-`, spaces as ` `, at most 20 characters, and nothing else (the
/// page never reflects anything long or strange).
pub fn echo_code(input: &str) -> String {
    let mut end = input.len().min(MAX_TYPED_CODE);
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    let echo: String = typed_chars(&input[..end])
        .filter_map(|typed| match typed {
            Typed::Dash => Some('-'),
            Typed::Space => Some(' '),
            Typed::Char(c) if c.is_ascii_alphanumeric() => Some(c),
            Typed::Invisible | Typed::Char(_) => None,
        })
        .take(20)
        .collect();
    echo.trim().to_string()
}

/// One character of typed input as Unicode classes it, after
/// normalisation (see [`normalize_code`]).
enum Typed {
    /// `Dash` or general category `Pd`.
    Dash,
    /// `White_Space` or `Zs`.
    Space,
    /// `Cf` or `Default_Ignorable_Code_Point`: shown as nothing.
    Invisible,
    /// Anything else; a decimal digit of any script as its ASCII digit.
    Char(char),
}

fn typed_chars(input: &str) -> impl Iterator<Item = Typed> + '_ {
    use icu_normalizer::ComposingNormalizerBorrowed;
    use icu_properties::props::{Dash, DefaultIgnorableCodePoint, GeneralCategory, WhiteSpace};
    use icu_properties::{CodePointMapData, CodePointSetData};

    let category = CodePointMapData::<GeneralCategory>::new();
    ComposingNormalizerBorrowed::new_nfkc().normalize_iter(input.chars()).map(move |c| match category.get(c) {
        _ if CodePointSetData::new::<Dash>().contains(c) => Typed::Dash,
        GeneralCategory::DashPunctuation => Typed::Dash,
        _ if CodePointSetData::new::<WhiteSpace>().contains(c) => Typed::Space,
        GeneralCategory::SpaceSeparator => Typed::Space,
        _ if CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c) => Typed::Invisible,
        GeneralCategory::Format => Typed::Invisible,
        _ => Typed::Char(decimal_digit(c, |c| category.get(c) == GeneralCategory::DecimalNumber).unwrap_or(c)),
    })
}

/// The ASCII digit a decimal digit of any script stands for. Unicode
/// encodes every `Nd` character in runs of ten, from zero up (a stability
/// policy of the standard: Numeric_Type=Decimal in contiguous ascending
/// ranges 0..9), so the value is the number of `Nd` code points just
/// before it, modulo ten.
fn decimal_digit(c: char, is_nd: impl Fn(char) -> bool) -> Option<char> {
    if !is_nd(c) {
        return None;
    }
    if c.is_ascii_digit() {
        return Some(c);
    }
    let mut run = 0u32;
    let mut at = u32::from(c);
    // Adjacent runs (the mathematical digits: five runs) stay far below
    // this bound; it only keeps the walk finite.
    while run < 100 && at > 0 && char::from_u32(at - 1).is_some_and(&is_nd) {
        run += 1;
        at -= 1;
    }
    char::from_digit(run % 10, 10)
}

/// A code as people see it: `XXXX-XXXX`.
pub fn display_code(code: &str) -> String {
    format!("{}-{}", &code[..4], &code[4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_26_lowercase_base32_characters_and_differ_by_seed_kind_and_key() {
        let k = Keyring::for_tests(1);
        let (a, b) = (new_seed(), new_seed());
        assert_ne!(a, b);
        let t = k.token(Kind::Participant, &a);
        assert_eq!(t.len(), TOKEN_LEN);
        assert!(t.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()), "{t}");
        assert!(!t.contains(['-', '_', 'i', 'l', 'o', 'u']), "{t}");
        assert!(read_token(&t).is_some(), "{t}");
        assert_ne!(t, k.token(Kind::Participant, &b));
        assert_ne!(t, k.token(Kind::Portal, &a));
        assert_ne!(t, Keyring::for_tests(2).token(Kind::Participant, &a));
        // Stable: the clinician sees the same link tomorrow.
        assert_eq!(t, k.token(Kind::Participant, &a));
    }

    /// What the first version of this module wrote and stored, kept here
    /// to prove the links already sent still work.
    fn legacy_token(k: &Keyring, kind: Kind, seed: &Seed) -> String {
        Base64UrlUnpadded::encode_string(&k.mac(kind.label(), seed)[..16])
    }

    fn legacy_tag(k: &Keyring, kind: Kind, token: &str) -> Tag {
        k.mac(b"porchlight/token-tag/v1", format!("{kind:?}:{token}").as_bytes())
    }

    #[test]
    fn links_already_sent_keep_working_and_both_forms_find_the_stored_tag() {
        let k = Keyring::for_tests(4);
        for _ in 0..200 {
            let seed = new_seed();
            let old = legacy_token(&k, Kind::Portal, &seed);
            let stored = legacy_tag(&k, Kind::Portal, &old);
            assert_eq!(k.tag_of_seed(Kind::Portal, &seed), stored, "new rows store the tag they always did");
            let new = k.token(Kind::Portal, &seed);
            for presented in [old.clone(), new.clone(), new.to_ascii_uppercase()] {
                let bytes = read_token(&presented).expect("reads");
                assert_eq!(k.token_tag(Kind::Portal, &bytes), stored, "{presented}");
                assert!(k.token_matches(Kind::Portal, &seed, &bytes), "{presented}");
                assert!(!k.token_matches(Kind::Participant, &seed, &bytes), "{presented}");
            }
        }
    }

    #[test]
    fn verification_accepts_only_the_token_itself() {
        let k = Keyring::for_tests(7);
        let seed = new_seed();
        let t = k.token(Kind::Portal, &seed);
        let mut wrong = t.clone().into_bytes();
        wrong[0] = if wrong[0] == b'a' { b'b' } else { b'a' };
        let wrong = read_token(std::str::from_utf8(&wrong).unwrap()).unwrap();
        assert!(!k.token_matches(Kind::Portal, &seed, &wrong));
        assert_eq!(read_token(&t[..25]), None);
        // An old token is case-sensitive: its case is part of its value.
        let old = legacy_token(&k, Kind::Portal, &seed);
        let flipped: String = old
            .chars()
            .map(|c| if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        if let Some(bytes) = read_token(&flipped) {
            assert!(!k.token_matches(Kind::Portal, &seed, &bytes));
        }
    }

    #[test]
    fn each_token_has_one_spelling_up_to_case() {
        let k = Keyring::for_tests(9);
        let t = k.token(Kind::Participant, &new_seed());
        // The last character carries two padding bits, which must be zero.
        let last = CROCKFORD.iter().position(|&c| c == t.as_bytes()[25].to_ascii_uppercase()).unwrap();
        for padding in 1..4 {
            let other = (CROCKFORD[last | padding] as char).to_ascii_lowercase();
            assert_eq!(read_token(&format!("{}{other}", &t[..25])), None, "{other}");
        }
        // base32 aliases and separators are not read in tokens.
        for bad in [t.replacen('1', "l", 1), t.replacen('0', "o", 1), format!("{}-{}", &t[..13], &t[13..25])] {
            if bad != t {
                assert_eq!(read_token(&bad), None, "{bad}");
            }
        }
        // A base64url token with nonzero padding bits: `AAA...B` is not the
        // encoding of any 16 bytes.
        assert!(read_token(&"A".repeat(22)).is_some());
        assert_eq!(read_token(&format!("{}B", "A".repeat(21))), None);
        assert_eq!(canonical_token(&t.to_ascii_uppercase()).as_deref(), Some(t.as_str()));
        let old = legacy_token(&k, Kind::Participant, &new_seed());
        assert_eq!(canonical_token(&old).as_deref(), Some(old.as_str()));
        assert_eq!(canonical_token("nope"), None);
    }

    #[test]
    fn the_base32_codec_round_trips_and_matches_a_reference() {
        // RFC 4648 section 10 vectors, in Crockford's alphabet (its
        // "foobar" is MZXW6YTBOI in the RFC's).
        assert_eq!(base32(b"foobar", 10), "CSQPYRK1E8");
        assert_eq!(base32(b"f", 2), "CR");
        assert_eq!(base32_decode::<6>("csqpyrk1e8"), Some(*b"foobar"));
        for _ in 0..500 {
            let mut bytes = [0u8; 16];
            random_bytes(&mut bytes);
            let text = base32(&bytes, 26);
            assert_eq!(base32_decode::<16>(&text), Some(bytes));
            assert_eq!(base32_decode::<16>(&text.to_ascii_lowercase()), Some(bytes));
        }
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
    fn typed_codes_survive_phones_chat_apps_and_word_processors() {
        let want = Some("ABCD1234");
        for typed in [
            "ＡＢＣＤ－１２３４",               // fullwidth letters, digits and hyphen-minus
            "ａｂｃｄ　１２３４",               // fullwidth lowercase, ideographic space U+3000
            "ABCD\u{2013}1234",                 // en dash
            "ABCD\u{2014}1234",                 // em dash
            "ABCD\u{2212}1234",                 // minus sign
            "ABCD\u{2010}1234",                 // hyphen
            "ABCD\u{2011}1234",                 // non-breaking hyphen
            "ABCD\u{FE63}1234",                 // small hyphen-minus
            "ABCD\u{00A0}1234",                 // no-break space
            "ABCD\u{202F}1234",                 // narrow no-break space
            "ABCD\u{2009}1234",                 // thin space
            "AB\u{00AD}CD-12\u{00AD}34",        // soft hyphens
            "\u{200B}ABCD\u{200B}1234\u{200B}", // zero-width spaces
            "\u{FEFF}ABCD-1234",                // byte order mark
            "\u{200E}ABCD-1234\u{200F}",        // bidi marks from a right-to-left chat
            "ABCD-1234\n",
            "ABCD\u{2060}1234",                          // word joiner
            "ABCD-\u{0661}\u{0662}\u{0663}\u{0664}",     // Arabic-Indic digits
            "ABCD-\u{06F1}\u{06F2}\u{06F3}\u{06F4}",     // Extended Arabic-Indic (Persian) digits
            "ABCD-\u{0967}\u{0968}\u{0969}\u{096A}",     // Devanagari digits
            "ABCD-\u{1D7CF}\u{1D7D0}\u{1D7D1}\u{1D7D2}", // mathematical bold digits (NFKC)
            "ABCD-\u{2460}\u{2461}\u{2462}\u{2463}",     // circled digits (NFKC)
        ] {
            assert_eq!(normalize_code(typed).as_deref(), want, "{typed:?}");
        }
        // Lookalikes after normalisation too: fullwidth I, L and O.
        assert_eq!(normalize_code("ＩＬＯｉ-ｌｏ00").as_deref(), Some("11011000"));
    }

    #[test]
    fn a_failed_code_is_shown_again_as_it_would_be_read() {
        assert_eq!(echo_code("ＡＢＣＤ－１２３４"), "ABCD-1234");
        assert_eq!(echo_code(" ab\u{200B}cd\u{2013}12\u{00A0}34 "), "abcd-12 34");
        assert_eq!(echo_code("<script>alert(1)</script>"), "scriptalert1script");
        assert_eq!(echo_code(&"Ａ".repeat(1000)), "A".repeat(20));
        assert_eq!(echo_code(&format!("{}é", "x".repeat(63))), "x".repeat(20));
    }

    #[test]
    fn every_decimal_digit_of_every_script_reads_as_its_value() {
        use icu_properties::CodePointMapData;
        use icu_properties::props::GeneralCategory;
        let category = CodePointMapData::<GeneralCategory>::new();
        let is_nd = |c: char| category.get(c) == GeneralCategory::DecimalNumber;
        let mut zeros = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|&c| is_nd(c)) {
            let d = decimal_digit(c, is_nd).unwrap();
            // Where NFKC knows the value (fullwidth, mathematical, ...) the
            // two agree; every run starts at a character named DIGIT ZERO.
            let nfkc: String = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc().normalize(&c.to_string()).into();
            if nfkc.len() == 1 && nfkc.as_bytes()[0].is_ascii_digit() {
                assert_eq!(nfkc, d.to_string(), "U+{:04X}", u32::from(c));
            }
            zeros += usize::from(d == '0');
        }
        // Every script's run of ten (Unicode 16 has 70-odd).
        assert!(zeros > 60, "{zeros}");
    }

    #[test]
    fn typed_codes_with_wrong_length_or_letters_are_refused() {
        for bad in [
            "",
            "AB12CD3",
            "AB12CD345",
            "AB12-CD3U",
            "AB12CD3!",
            "ÅB12CD34",
            "AB12\u{0}CD34",
            "AB12.CD34",
            "AB12_CD34",
            "AB12CD3½",        // a number, not a digit
            "AB12CD3\u{0430}", // Cyrillic a: no confusable is guessed
            &"A".repeat(5000),
            // Over the byte cap before normalising, though 8 characters
            // would remain: 9 fullwidth characters and 13 zero-width spaces.
            &format!("ＡＢＣＤ－１２３４{}", "\u{200B}".repeat(13)),
        ] {
            assert_eq!(normalize_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn token_shape_is_strict() {
        assert!(read_token("abcdefghjkmnpqrstvwxyz0123").is_none(), "nonzero padding bits");
        assert!(read_token("abcdefghjkmnpqrstvwxyz0120").is_some());
        assert!(read_token("ABC-_fghijklmnopqrst0g").is_some());
        for bad in [
            "",
            "abc",
            "abcdefghijklmnopqrstu",
            "abcdefghijklmnopqrstuvw",
            "abcdefghijklmnopqrst/v",
            "abcdefghijklmnopqrst%0",
            "abcdefghijklmnopqrst..",
            "abcdefghjkmnpqrstvwxyz012",
            "abcdefghjkmnpqrstvwxyz01200",
            "abcdefghjkmnpqrstvwxyz012.",
            "abcdefghjkmnpqrstvwxyz01é",
        ] {
            assert!(read_token(bad).is_none(), "{bad}");
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
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let k2 = Keyring::open_or_create(dir.path()).unwrap();
        let seed = new_seed();
        assert_eq!(k1.token(Kind::Participant, &seed), k2.token(Kind::Participant, &seed));
    }
}
