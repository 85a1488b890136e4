//! Raw-socket fuzzing: malformed and random requests, including
//! conflicting `Content-Length` and `Transfer-Encoding`, never get a 5xx
//! and never take the server down. CI sends a bounded share;
//! `PORCHLIGHT_FUZZ_REQUESTS=100000` sends the full run (`make fuzz-http`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Practice, minutes, now};

fn budget() -> usize {
    std::env::var("PORCHLIGHT_FUZZ_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
}

/// xorshift: reproducible from its seed, which a failure prints.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One request: a plausible skeleton with random damage.
fn request(d: &mut Dice, token: &str) -> Vec<u8> {
    let methods = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "get", "G\u{0}T", "", "CONNECT"];
    let paths = [
        "/".to_string(),
        format!("/v/{token}"),
        format!("/v/{token}/join"),
        format!("/api/v1/links/{token}"),
        "/join".into(),
        "/p/AAAAAAAAAAAAAAAAAAAAAA".into(),
        "/admin/login".into(),
        "/admin/clients".into(),
        "/assets/style.css".into(),
        "/healthz".into(),
        "/%00%ff%2e%2e/".into(),
        "*".into(),
        "http://evil.example/".into(),
    ];
    let versions = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 extra", "", "HTTP/9"];
    let mut path = paths[d.below(paths.len())].clone();
    if d.below(4) == 0 {
        path.push_str(&"A".repeat(d.below(3000)));
    }
    let mut r = format!("{} {} {}\r\n", d.pick(&methods), path, d.pick(&versions)).into_bytes();
    let mut headers = vec!["Host: 127.0.0.1".to_string()];
    let body_len = d.below(300);
    match d.below(8) {
        0 => headers.push(format!("Content-Length: {body_len}")),
        1 => headers.extend([format!("Content-Length: {body_len}"), format!("Content-Length: {}", body_len + 7)]),
        2 => headers.extend(["Transfer-Encoding: chunked".into(), format!("Content-Length: {body_len}")]),
        3 => headers.push("Transfer-Encoding: chunked, identity".into()),
        4 => headers.push("Content-Length: -5".into()),
        5 => headers.push("Content-Length: 99999999999999999999".into()),
        6 => headers.push(format!("Content-Length:{}", " ".repeat(d.below(50)))),
        _ => {}
    }
    for _ in 0..d.below(4) {
        headers.push(
            d.pick(&[
                "Cookie: porchlight_admin=x; porchlight_pre=",
                "Origin: null",
                "X-Forwarded-For: 1.2.3.4",
                ": empty",
                "No-Colon",
                "Content-Type: application/x-www-form-urlencoded",
                " folded: line",
            ])
            .into(),
        );
    }
    for h in headers {
        r.extend_from_slice(h.as_bytes());
        r.extend_from_slice(b"\r\n");
    }
    r.extend_from_slice(b"\r\n");
    for _ in 0..body_len {
        r.push(d.next() as u8);
    }
    // Random damage: flip some bytes anywhere.
    for _ in 0..d.below(3) {
        let at = d.below(r.len());
        r[at] = d.next() as u8;
    }
    r
}

/// The status code of whatever came back, if anything did.
fn send(addr: std::net::SocketAddr, bytes: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_millis(150))).ok()?;
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut head = [0u8; 16];
    let n = s.read(&mut head).unwrap_or(0);
    let text = std::str::from_utf8(&head[..n]).ok()?;
    text.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()
}

#[test]
fn malformed_and_random_requests_never_get_a_5xx() {
    let p = Practice::new();
    let (_, appt) = p.solo("Fuzz Target", now() + minutes(3));
    let token = appt.token(0);
    let server = p.serve();
    let seed = (now().timestamp_nanos_opt().unwrap_or(1) as u64).rotate_right(17) | 1;
    let started = Instant::now();
    const SENDERS: u64 = 8;
    let senders: Vec<_> = (0..SENDERS)
        .map(|n| {
            let (addr, token) = (server.addr, token.clone());
            std::thread::spawn(move || {
                let mut d = Dice(seed.wrapping_mul(n + 1) | 1);
                let (mut answered, mut fives) = (0usize, vec![]);
                for i in 0..budget() / SENDERS as usize {
                    let bytes = request(&mut d, &token);
                    if let Some(status) = send(addr, &bytes) {
                        answered += 1;
                        if status >= 500 {
                            fives.push((
                                n,
                                i,
                                status,
                                String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
                            ));
                        }
                    }
                }
                (answered, fives)
            })
        })
        .collect();
    let (mut answered, mut fives) = (0usize, vec![]);
    for s in senders {
        let (a, f) = s.join().expect("sender");
        answered += a;
        fives.extend(f);
    }
    server.assert_healthy();
    assert!(fives.is_empty(), "seed {seed}: 5xx answers: {fives:?}\nserver log: {}", server.stderr());
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    eprintln!(
        "fuzz: {} requests (seed {seed}), {answered} answered, none 5xx, server healthy ({:.1} s)",
        budget(),
        started.elapsed().as_secs_f64()
    );
}
