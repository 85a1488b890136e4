//! Address ranges and X-Forwarded-For: never a panic; the client address
//! behind a trusted proxy is one the header or the peer named.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::net::{Cidr, client_addr, forwarded_https};

fuzz_target!(|text: &str| {
    let _ = text.parse::<Cidr>();
    let peer = std::net::IpAddr::from([127, 0, 0, 1]);
    let trusted = vec!["127.0.0.0/8".parse::<Cidr>().expect("range")];
    let origin = client_addr(peer, Some(text), &trusted);
    let got = origin.addr;
    assert!(got == peer || text.contains(&got.to_string()) || text.contains(':'));
    assert!(origin.hop <= text.split(',').count());
    let _ = forwarded_https(peer, origin, Some(text), &trusted);
});
