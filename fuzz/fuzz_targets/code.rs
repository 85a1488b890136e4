//! Typed access codes: never a panic; what is accepted is 8 Crockford
//! characters and reads back as itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::token::{display_code, normalize_code};

fuzz_target!(|text: &str| {
    if let Some(code) = normalize_code(text) {
        assert_eq!(code.len(), 8);
        assert_eq!(normalize_code(&code).as_deref(), Some(code.as_str()));
        assert_eq!(normalize_code(&display_code(&code)).as_deref(), Some(code.as_str()));
    }
});
