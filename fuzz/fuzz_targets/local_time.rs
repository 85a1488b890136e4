//! Typed times in a few zones: never a panic; an accepted time is a real
//! instant that prints and reads back.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::times::{parse_input, parse_zone, rfc3339};

fuzz_target!(|text: &str| {
    for zone in ["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe"] {
        let zone = parse_zone(zone).expect("known zone");
        if let Ok(t) = parse_input(text, zone) {
            assert_eq!(parse_input(&rfc3339(t), zone).expect("reads back"), t);
        }
    }
});
