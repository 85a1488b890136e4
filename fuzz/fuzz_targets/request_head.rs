//! HTTP request heads: never a panic; an accepted head has an origin-form
//! target of printable ASCII.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::server::reader::parse_head;

fuzz_target!(|data: &[u8]| {
    let mut raw = data.to_vec();
    raw.extend_from_slice(b"\r\n\r\n");
    if let Ok(head) = parse_head(&raw) {
        assert!(head.target.starts_with('/'));
        assert!(head.target.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    }
});
