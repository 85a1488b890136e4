//! One connection, many requests, on both of the server's paths: the
//! event loop that answers page reads itself, and the thread a request
//! that may wait (a form POST) is handed to with its connection. Also
//! the cap on connections open at once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Practice, connect_from, enough_descriptors, now};

const WAIT: Duration = Duration::from_secs(10);

/// Read `n` whole responses (status and body) from a keep-alive stream.
pub fn responses(stream: &mut TcpStream, n: usize) -> Vec<(u16, String)> {
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut raw = Vec::new();
    let mut out = vec![];
    let mut chunk = [0u8; 16 * 1024];
    while out.len() < n {
        if let Some((status, body, used)) = one_response(&raw) {
            out.push((status, body));
            raw.drain(..used);
            continue;
        }
        let got = stream.read(&mut chunk).unwrap_or_else(|e| panic!("after {} responses: {e}", out.len()));
        assert!(got > 0, "the server closed after {} of {n} responses", out.len());
        raw.extend_from_slice(&chunk[..got]);
    }
    assert!(raw.is_empty(), "more than {n} responses: {:?}", String::from_utf8_lossy(&raw));
    out
}

/// The first whole response in `raw`, and how many bytes it took.
fn one_response(raw: &[u8]) -> Option<(u16, String, usize)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let status = head.get(9..12)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .or_else(|| matches!(status, 204 | 304).then_some(0))
        .expect("every response with a body has a Content-Length");
    (raw.len() >= end + length)
        .then(|| (status, String::from_utf8_lossy(&raw[end..end + length]).into_owned(), end + length))
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
}

#[test]
fn pipelined_reads_and_a_form_post_share_one_connection_in_order() {
    let p = Practice::new();
    let (_, appt) = p.solo("Ada", now() + chrono::Duration::minutes(5));
    let server = p.serve();
    let token = appt.token(0);
    let mut s = TcpStream::connect(server.addr).unwrap();

    // Three reads in one write: answered in order on the event loop.
    let three = [get("/healthz"), get(&format!("/v/{token}")), get("/api/v1/links/nothing-like-a-token")].concat();
    s.write_all(three.as_bytes()).unwrap();
    let r = responses(&mut s, 3);
    assert_eq!((r[0].0, r[0].1.as_str()), (200, "ok"));
    assert_eq!(r[1].0, 200);
    assert!(r[1].1.contains("Ada") || r[1].1.contains("session"), "{}", r[1].1);
    assert_eq!(r[2].0, 404, "{}", r[2].1);

    // A form POST whose body arrives late, with a read right behind it:
    // the connection moves to a thread of its own, which reads the rest of
    // the body and answers both.
    let body = format!("code={}", appt.code(0));
    let head = format!(
        "POST /join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.split_at(4);
    s.write_all(format!("{head}{first}").as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    s.write_all(format!("{rest}{}", get("/healthz")).as_bytes()).unwrap();
    let r = responses(&mut s, 2);
    assert_eq!(r[0].0, 303, "a right code leads to the participant page: {}", r[0].1);
    assert_eq!((r[1].0, r[1].1.as_str()), (200, "ok"));

    // And the connection keeps serving reads after the hand-off.
    for _ in 0..3 {
        s.write_all(get("/healthz").as_bytes()).unwrap();
        assert_eq!(responses(&mut s, 1)[0].0, 200);
    }
}

#[test]
fn past_512_connections_the_next_is_told_503_and_served_once_they_go() {
    enough_descriptors();
    let p = Practice::new();
    let server = p.serve();
    // A connection the client sees open may not be the server's yet: on
    // a loaded machine a burst can overflow the kernel's queue, and with
    // SYN cookies such a connection is lost to the server without the
    // client knowing (CI once saw 200s for 10 s after "opening" 512). So
    // each held connection is proven the server's by one answered request
    // first. A try that cannot prove 512 within 3 s (the first answered
    // ones would then near the 15 s idle limit) proves nothing either
    // way; it is tried again, at most three times. Then the server holds
    // 512 by its own count, and the next connection must be told 503.
    let mut attempt = 0;
    let (held, proven_in) = loop {
        attempt += 1;
        match hold_512(&server) {
            (Some(held), took) if took < Duration::from_secs(3) => break (held, took),
            (held, took) => {
                assert!(attempt < 3, "could not hold 512 connections in 3 tries; the last took {took:?}");
                eprintln!(
                    "attempt {attempt}: holding 512 connections took {took:?} (all answered: {}); again",
                    held.is_some()
                );
                drop(held);
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    };
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut busy = String::new();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let _ = s.read_to_string(&mut busy);
    assert!(busy.starts_with("HTTP/1.1 503"), "no 503 with 512 held (proven in {proven_in:?}): {busy:.200}");
    assert!(busy.contains("Retry-After: 5") && busy.contains("Content-Security-Policy"), "{busy}");
    drop(held);
    let started = Instant::now();
    loop {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(get("/healthz").as_bytes()).unwrap();
        if responses(&mut s, 1)[0].0 == 200 {
            return;
        }
        assert!(started.elapsed() < WAIT, "still busy after the idle connections closed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// 512 connections to `server`, from eight addresses (one may hold only
/// 64, see `lan.rs`), each idle after one answered request, and how long
/// it took; `None` if the server closed any of them.
fn hold_512(server: &crate::support::Server) -> (Option<Vec<TcpStream>>, Duration) {
    let started = Instant::now();
    let mut held: Vec<TcpStream> = (0..512)
        .map(|i| connect_from(format!("127.0.0.{}", 10 + i / 64).parse().unwrap(), server.addr).expect("connect"))
        .collect();
    let asked = held.iter_mut().all(|s| s.write_all(get("/healthz").as_bytes()).is_ok());
    let answered = asked
        && held.iter_mut().all(|s| {
            let mut raw = Vec::new();
            let mut chunk = [0u8; 1024];
            loop {
                // All the answers share one budget, so a try ends in 10 s.
                let Some(left) = WAIT.checked_sub(started.elapsed()).filter(|t| !t.is_zero()) else { return false };
                s.set_read_timeout(Some(left)).unwrap();
                if let Some((status, _, _)) = one_response(&raw) {
                    return status == 200;
                }
                match s.read(&mut chunk) {
                    Ok(n) if n > 0 => raw.extend_from_slice(&chunk[..n]),
                    _ => return false,
                }
            }
        });
    (answered.then_some(held), started.elapsed())
}
