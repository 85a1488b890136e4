//! The bundled static files over HTTP: stored gzip-compressed, sent as
//! stored to a client whose `Accept-Encoding` takes gzip, inflated for
//! one that does not; the same bytes as the file in the source tree
//! either way, with the same caching headers.

use std::io::Read;

use crate::support::{Practice, Response, Server};

/// The file as it is in the source tree.
fn source(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/static").join(name)).unwrap()
}

fn get(server: &Server, method: &str, name: &str, accept: Option<&str>) -> Response {
    let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept-Encoding", a)).into_iter().collect();
    let r = server.send_with(method, &format!("/assets/{name}"), &headers, None);
    assert_eq!(r.status, 200, "{method} {name} with {accept:?}: {r:?}");
    assert_eq!(r.header("Vary"), Some("Accept-Encoding"), "{name}");
    assert_eq!(r.header("Cache-Control"), Some("public, max-age=3600"), "{name}");
    r
}

fn length(r: &Response) -> usize {
    r.header("Content-Length").expect("a Content-Length").parse().unwrap()
}

#[test]
fn a_gzip_client_gets_gzip_that_inflates_to_the_file() {
    let server = Practice::new().serve();
    // What browsers send: Chromium, Firefox and Safari on phones.
    for name in ["check.js", "style.css", "room.js", "icon.svg"] {
        let r = get(&server, "GET", name, Some("gzip, deflate, br, zstd"));
        assert_eq!(r.header("Content-Encoding"), Some("gzip"), "{name}");
        assert_eq!(length(&r), r.bytes.len());
        let mut inflated = vec![];
        flate2::read::GzDecoder::new(&r.bytes[..]).read_to_end(&mut inflated).expect("a valid gzip member");
        assert_eq!(inflated, source(name), "{name}");
        assert!(r.bytes.len() < source(name).len(), "{name} travels smaller");
    }
}

#[test]
fn a_client_without_gzip_gets_the_file_itself() {
    let server = Practice::new().serve();
    for accept in [None, Some("identity"), Some("gzip;q=0, deflate"), Some("br")] {
        for name in ["check.js", "style.css", "admin.css"] {
            let r = get(&server, "GET", name, accept);
            assert_eq!(r.header("Content-Encoding"), None, "{name} with {accept:?}");
            assert_eq!(r.bytes, source(name), "{name} with {accept:?}");
            assert_eq!(length(&r), source(name).len());
        }
    }
}

/// HEAD tells the length GET would send in the same encoding, and no body.
#[test]
fn head_tells_the_length_of_each_encoding() {
    let server = Practice::new().serve();
    let gzip = get(&server, "GET", "check.js", Some("gzip"));
    let head = get(&server, "HEAD", "check.js", Some("gzip"));
    assert_eq!((head.header("Content-Encoding"), length(&head)), (Some("gzip"), gzip.bytes.len()));
    assert!(head.bytes.is_empty());
    let head = get(&server, "HEAD", "check.js", None);
    assert_eq!((head.header("Content-Encoding"), length(&head)), (None, source("check.js").len()));
    assert!(head.bytes.is_empty());
}

/// The plain file is inflated once and kept: asked for again, with and
/// without gzip between, it is the same.
#[test]
fn encodings_interleaved_stay_right() {
    let server = Practice::new().serve();
    for round in 0..3 {
        let plain = get(&server, "GET", "room.js", None);
        assert_eq!(plain.bytes, source("room.js"), "round {round}");
        let gzip = get(&server, "GET", "room.js", Some("x-gzip"));
        assert_eq!(gzip.header("Content-Encoding"), Some("gzip"));
    }
}
