//! The admin password: rules, argon2id hashing and verification.
//!
//! argon2id needs 19 MiB of working memory per hash. Allocated afresh on
//! whichever thread asks, those blocks stay in that thread's allocator
//! arena for good (glibc raises its mmap threshold after the first one is
//! freed), so a burst of logins on many threads grew the server by
//! hundreds of megabytes. [`Argon`] owns one block and reuses it for every
//! hash and check until told to let it go; the server runs all of them on
//! one thread that owns one `Argon` (`auth::hasher`), a short-lived
//! command uses its own.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};

use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// Bytes of a salt: 128 bits from the OS CSPRNG.
const SALT_LEN: usize = 16;

/// Working memory refused above this (KiB), whatever a stored hash asks
/// for: four times the default, so a hand-made hash cannot take the box.
const MAX_M_COST: u32 = 4 * Params::DEFAULT_M_COST;

/// Bytes reserved for working memory, at least. glibc maps a block over
/// 32 MiB on its own and unmaps it when it is freed, whatever it learned
/// from earlier blocks (mallopt(3): the dynamic mmap threshold never
/// passes 32 MiB on 64-bit systems, 512 KiB on 32-bit ones); a smaller
/// block would stay in the allocator after the first. Only the part argon2
/// uses is ever touched, so [`Argon::release`] gives the memory back to the
/// system. An allocator that keeps it anyway keeps one block: bounded.
const RESERVE: usize = 33 << 20;

/// Check the length rule. Passwords are never truncated: a longer one is
/// refused rather than silently cut.
pub fn validate(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(Error::input(format!("the password is too short ({n} characters): use at least {MIN_CHARS}")));
    }
    if n > MAX_CHARS {
        return Err(Error::input(format!("the password is too long ({n} characters): use at most {MAX_CHARS}")));
    }
    Ok(())
}

/// A password hash made by [`Argon::hash`]: a PHC string of a password
/// that passed [`validate`].
#[derive(Debug, Clone)]
pub struct Hashed(String);

impl Hashed {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// argon2id with one working memory block of its own, reused by every
/// hash and check. Allocated at the first use, kept until released.
#[derive(Default)]
pub struct Argon {
    memory: Vec<Block>,
}

impl Argon {
    /// Argon2id (v19, m=19456 KiB, t=2, p=1) of a valid password with a
    /// fresh random salt, as a PHC string.
    pub fn hash(&mut self, password: &str) -> Result<Hashed> {
        validate(password)?;
        let fail = |e: &dyn std::fmt::Display| Error::internal(format!("password hashing failed: {e}"));
        let mut salt = [0u8; SALT_LEN];
        crate::token::random_bytes(&mut salt);
        let params = Params::default();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        argon
            .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, self.blocks(&params)?)
            .map_err(|e| fail(&e))?;
        let phc = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
            salt: Some(Salt::new(&salt).map_err(|e| fail(&e))?),
            hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
        };
        Ok(Hashed(phc.to_string()))
    }

    /// Does `password` match the PHC string `phc`? Recomputed with the
    /// hash's own algorithm, version, parameters and salt; compared in
    /// constant time. Anything unreadable is no match.
    pub fn verify(&mut self, password: &str, phc: &str) -> bool {
        let Ok(hash) = PasswordHash::new(phc) else { return false };
        let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
        let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else { return false };
        let Ok(version) = hash.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
        let Ok(params) = Params::try_from(&hash) else { return false };
        let mut out = [0u8; Output::MAX_LENGTH];
        let out = &mut out[..expected.len()];
        let Ok(blocks) = self.blocks(&params) else { return false };
        let argon = Argon2::new(algorithm, version, params);
        if argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut *out, blocks).is_err() {
            return false;
        }
        out.ct_eq(expected.as_ref()).into()
    }

    /// Give the working memory back until the next hash or check.
    pub fn release(&mut self) {
        self.memory = Vec::new();
    }

    /// The working memory `params` need, grown to it if this is the most
    /// asked for yet.
    fn blocks(&mut self, params: &Params) -> Result<&mut [Block]> {
        if params.m_cost() > MAX_M_COST {
            return Err(Error::internal(format!("a password hash asks for {} KiB of memory", params.m_cost())));
        }
        let n = params.block_count();
        if self.memory.len() < n {
            let mut memory = Vec::with_capacity(n.max(RESERVE / Block::SIZE));
            memory.resize(n, Block::new());
            self.memory = memory;
        }
        Ok(&mut self.memory[..n])
    }
}

/// Hash with a memory block of its own, for a command that runs once.
pub fn hash(password: &str) -> Result<Hashed> {
    Argon::default().hash(password)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_verify_only_the_same_password() {
        let mut argon = Argon::default();
        let h = argon.hash("correct horse battery").unwrap();
        assert!(h.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h:?}");
        assert!(argon.verify("correct horse battery", h.as_str()));
        assert!(!argon.verify("correct horse batterY", h.as_str()));
        assert!(!argon.verify("correct horse battery", "not a hash"));
        assert!(!argon.verify("correct horse battery", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA"), "no hash part");
        assert_ne!(h.as_str(), argon.hash("correct horse battery").unwrap().as_str(), "a fresh salt each time");
    }

    #[test]
    fn agrees_with_the_argon2_crates_own_hashing_and_checking() {
        let mut argon = Argon::default();
        let ours = argon.hash("correct horse battery").unwrap();
        let parsed = PasswordHash::new(ours.as_str()).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery", &parsed).is_ok());
        // Hashes with other parameters and an older version still verify,
        // in the memory they ask for.
        let small = Params::new(64, 1, 1, Some(16)).unwrap();
        for version in [Version::V0x10, Version::V0x13] {
            let theirs = Argon2::new(Algorithm::Argon2id, version, small.clone())
                .hash_password_with_salt(b"twelve chars", b"saltsaltsalt")
                .unwrap()
                .to_string();
            assert!(argon.verify("twelve chars", &theirs), "{theirs}");
            assert!(!argon.verify("twelve charz", &theirs), "{theirs}");
        }
        let greedy = Params::new(MAX_M_COST + 8, 1, 1, None).unwrap();
        let phc = format!("$argon2id$v=19${}$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", {
            ParamsString::try_from(&greedy).unwrap()
        });
        assert!(!argon.verify("twelve chars", &phc), "refused, not computed");
    }

    #[test]
    fn length_rule_counts_characters_and_never_truncates() {
        assert!(validate("elevenchars").is_err());
        assert!(validate("twelve chars").is_ok());
        assert!(validate(&"é".repeat(12)).is_ok());
        assert!(validate(&"x".repeat(128)).is_ok());
        let err = validate(&"x".repeat(129)).unwrap_err().to_string();
        assert!(err.contains("129"), "{err}");
        assert!(hash("elevenchars").is_err());
    }
}
