//! Typed access codes and URL tokens: never a panic; an accepted code is
//! 8 Crockford characters and reads back as itself; a token that reads is
//! read the same from its canonical spelling, which is the only other
//! spelling (up to the case of a base32 token) that reads as it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::token::{canonical_token, display_code, normalize_code, read_token};

fuzz_target!(|text: &str| {
    if let Some(bytes) = read_token(text) {
        let canonical = canonical_token(text).expect("a token that reads has a canonical spelling");
        assert!(canonical.len() == 26 || canonical == text);
        assert_eq!(read_token(&canonical), Some(bytes));
        if canonical.len() == 26 {
            assert_eq!(canonical, text.to_ascii_lowercase());
            assert_eq!(read_token(&text.to_ascii_uppercase()), Some(bytes));
        }
    }
    if let Some(code) = normalize_code(text) {
        assert_eq!(code.len(), 8);
        assert_eq!(normalize_code(&code).as_deref(), Some(code.as_str()));
        assert_eq!(normalize_code(&display_code(&code)).as_deref(), Some(code.as_str()));
    }
});
