//! What Porchlight takes for an email address: a client's and the
//! reminders' sender (`mail_from`), read once here for both.
//!
//! The address grammar is lettre's ([`lettre::Address`], RFC 5321 §4.1.2
//! and RFC 5322 §3.4.1 through the `email_address` crate), the parser the
//! sender hands it to anyway, so what is accepted here is what can be
//! sent. On top of it, rules of our own for addresses a person types:
//! a bare `addr-spec` (no display name, no quoted local part, no
//! whitespace), at most 254 characters (RFC 5321 §4.5.3.1.3 with its
//! angle brackets), and a domain with a dot in it (`sam@example` is a
//! slip, not a mailbox on this network).

use std::str::FromStr;

/// Longest address accepted, in bytes.
pub const MAX_LEN: usize = 254;

/// `value` trimmed, if it is an email address as above; `None` otherwise.
pub fn address(value: &str) -> Option<String> {
    let value = value.trim();
    let plain = value.len() <= MAX_LEN && !value.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"');
    let parsed = lettre::Address::from_str(value).ok().filter(|_| plain)?;
    let domain = parsed.domain();
    (domain.contains('.') && !domain.starts_with('.')).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_type_are_taken_as_typed() {
        assert_eq!(address(" ada@example.org ").as_deref(), Some("ada@example.org"));
        assert_eq!(address("first.last+tag@mail.example.co.uk").as_deref(), Some("first.last+tag@mail.example.co.uk"));
        assert_eq!(address("care@harbour.example").as_deref(), Some("care@harbour.example"));
    }

    #[test]
    fn everything_else_is_refused() {
        for bad in [
            "",
            "not-an-email",
            "@example.org",
            "ada@",
            "sam@example",
            "ada@.example.org",
            "ada@example..org",
            "ada smith@example.org",
            "\"ada smith\"@example.org",
            "Ada <ada@example.org>",
            "ada@example.org, bo@example.org",
            "ada;bo@example.org",
            "ada@exa mple.org",
        ] {
            assert_eq!(address(bad), None, "{bad:?}");
        }
        let long = format!("{}@example.org", "a".repeat(MAX_LEN));
        assert_eq!(address(&long), None);
    }
}
