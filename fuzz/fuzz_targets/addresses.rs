//! Address ranges and X-Forwarded-For: never a panic; the client address
//! behind a trusted proxy is one the header or the peer named.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::net::{Cidr, client_addr};

fuzz_target!(|text: &str| {
    let _ = text.parse::<Cidr>();
    let peer = std::net::IpAddr::from([127, 0, 0, 1]);
    let trusted = vec!["127.0.0.0/8".parse::<Cidr>().expect("range")];
    let got = client_addr(peer, Some(text), &trusted);
    assert!(got == peer || text.contains(&got.to_string()) || text.contains(':'));
});
