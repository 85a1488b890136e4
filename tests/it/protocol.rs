//! HTTP/1.1 at the wire, against the real server: each refusal of a
//! request head comes at once, with its status and every header our pages
//! carry, and closes the connection; a `close` anywhere in a `Connection`
//! list closes it (RFC 9110 §7.6.1); a 204 carries no `Content-Length`
//! (RFC 9110 §8.6) and the connection stays framed after it. The rules
//! themselves are unit-tested in `server::reader`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::connections::responses;
use crate::support::{Practice, Server};

/// The deadline a refused head must beat by far: `HEAD_TIME` is 10 s.
const AT_ONCE: Duration = Duration::from_secs(3);

fn server() -> (Practice, Server) {
    let p = Practice::new();
    let server = p.serve();
    (p, server)
}

#[test]
fn each_head_refusal_gets_its_status_at_once() {
    let (_p, server) = server();
    let big = "a".repeat(17 * 1024);
    let many: String = (0..101).map(|i| format!("X-{i}: v\r\n")).collect();
    let cases: Vec<(&str, String, u16)> = vec![
        (
            "chunked body",
            "POST /join HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ncode=1\r\n0\r\n\r\n"
                .into(),
            400,
        ),
        (
            "both lengths",
            "POST /join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\ncode=1"
                .into(),
            400,
        ),
        (
            "conflicting lengths",
            "POST /join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 6\r\nContent-Length: 3\r\n\r\ncode=1".into(),
            400,
        ),
        ("duplicate Host", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n".into(), 400),
        ("no Host", "GET /healthz HTTP/1.1\r\n\r\n".into(), 400),
        ("bare LF", "GET /healthz HTTP/1.1\nHost: 127.0.0.1\n\n".into(), 400),
        ("obs-fold", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\r\n c\r\n\r\n".into(), 400),
        ("oversize head", format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {big}\r\n\r\n"), 431),
        ("too many headers", format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{many}\r\n"), 431),
    ];
    for (what, raw, status) in cases {
        let started = Instant::now();
        let r = server.raw(raw.as_bytes());
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert!(started.elapsed() < AT_ONCE, "{what}: answered only after {:?}", started.elapsed());
        assert_eq!(r.header("Connection"), Some("close"), "{what}");
        r.assert_hardened();
    }
    server.assert_healthy();
}

/// Send `raw` and say whether the server then closed the connection by
/// itself (the client keeps its side open).
fn closes_after(server: &Server, raw: &str) -> (u16, bool) {
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let (status, _) = responses(&mut s, 1).remove(0);
    s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut rest = [0u8; 64];
    let closed = matches!(s.read(&mut rest), Ok(0));
    (status, closed)
}

#[test]
fn a_close_anywhere_in_the_connection_list_closes() {
    let (_p, server) = server();
    for (connection, closes) in [
        ("", false),
        ("Connection: keep-alive\r\n", false),
        ("Connection: close\r\n", true),
        ("Connection: keep-alive, close\r\n", true),
        ("Connection: Keep-Alive,CLOSE\r\n", true),
        ("Connection: keep-alive\r\nConnection: close\r\n", true),
    ] {
        let raw = format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{connection}\r\n");
        assert_eq!(closes_after(&server, &raw), (200, closes), "{connection:?}");
    }
    // The same on the thread a form POST is handed to.
    let post = "POST /join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                Connection: keep-alive, close\r\nContent-Length: 6\r\n\r\ncode=1";
    assert_eq!(closes_after(&server, post), (200, true));
}

#[test]
fn no_content_carries_no_length_and_the_connection_stays_framed() {
    let (_p, server) = server();
    let beacon = "POST /v/AAAAAAAAAAAAAAAAAAAAAAAAAA/here HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                  Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    let closing = beacon.replace("Host: 127.0.0.1\r\n", "Host: 127.0.0.1\r\nConnection: close\r\n");
    let r = server.raw(closing.as_bytes());
    assert_eq!(r.status, 204);
    assert_eq!(r.header("Content-Length"), None, "RFC 9110 §8.6: {:?}", r.headers);
    assert_eq!(r.body, "");
    // Keep-alive: the 204, then a read, each framed right on one connection.
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(format!("{beacon}GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).unwrap();
    let r = responses(&mut s, 2);
    assert_eq!((r[0].0, r[0].1.as_str(), r[1].0, r[1].1.as_str()), (204, "", 200, "ok"));
    // HEAD keeps the length of the body it leaves out.
    let head = server.raw(b"HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assert_eq!((head.status, head.header("Content-Length"), head.body.as_str()), (200, Some("2"), ""));
}
