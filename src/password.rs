//! The admin password: rules, argon2id hashing and verification.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use chrono::{DateTime, Utc};

use crate::app::App;
use crate::error::{Error, Result};
use crate::store::{NewAudit, Store};

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

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

/// Argon2id (v19, m=19456 KiB, t=2, p=1) with a fresh random salt, as a
/// PHC string.
pub fn hash(password: &str) -> Result<String> {
    validate(password)?;
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
}

/// Does `password` match the stored PHC string? Constant time in the hash.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

impl App {
    /// Set the admin password (validated, hashed) and audit the change.
    pub fn set_admin_password(&mut self, password: &str, now: DateTime<Utc>) -> Result<()> {
        let phc = hash(password)?;
        let at = now.timestamp();
        self.store.write(|tx| {
            Store::set_admin_password_hash(tx, &phc, at)?;
            // A new password ends every session made with the old one.
            Store::delete_all_sessions(tx)?;
            Store::insert_audit(tx, at, &NewAudit { event: "admin.password", ..Default::default() })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_same_password() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn length_rule_counts_characters_and_never_truncates() {
        assert!(validate("elevenchars").is_err());
        assert!(validate("twelve chars").is_ok());
        assert!(validate(&"é".repeat(12)).is_ok());
        assert!(validate(&"x".repeat(128)).is_ok());
        let err = validate(&"x".repeat(129)).unwrap_err().to_string();
        assert!(err.contains("129"), "{err}");
    }
}
