//! Typed access codes and URL tokens: never a panic; an accepted code is
//! 8 Crockford characters and reads back as itself; a token-shaped string
//! is exactly 22 URL-safe characters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::token::{display_code, is_token_shaped, normalize_code};

fuzz_target!(|text: &str| {
    if is_token_shaped(text) {
        assert_eq!(text.len(), 22);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
    if let Some(code) = normalize_code(text) {
        assert_eq!(code.len(), 8);
        assert_eq!(normalize_code(&code).as_deref(), Some(code.as_str()));
        assert_eq!(normalize_code(&display_code(&code)).as_deref(), Some(code.as_str()));
    }
});
