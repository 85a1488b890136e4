//! Raw-socket fuzzing: malformed and random requests, including
//! conflicting `Content-Length` and `Transfer-Encoding`, never get a 5xx
//! and never take the server down; and a request whose bytes were not
//! damaged at random (however odd its parts) gets a whole response, not a
//! dropped connection. CI sends a bounded share;
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

/// Of the requests whose bytes were not damaged at random, the share that
/// must get a whole response. Every one of them should: each is complete
/// on the wire, so the server either answers it or refuses it with a
/// status. The margin is for a loaded machine.
const ANSWERED_AT_LEAST: f64 = 0.9;

/// One request: a plausible skeleton with random damage; and whether it
/// was left undamaged (its head still ends, its length still holds).
fn request(d: &mut Dice, token: &str) -> (Vec<u8>, bool) {
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
    let flips = d.below(3);
    for _ in 0..flips {
        let at = d.below(r.len());
        r[at] = d.next() as u8;
    }
    (r, flips == 0)
}

/// The status code of a whole response head (status line, headers, blank
/// line) that came back, if one did. The server answers or closes as soon
/// as the client's side ends, so the wait is short but for a busy machine.
fn send(addr: std::net::SocketAddr, bytes: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match s.read(&mut chunk) {
            Ok(n) if n > 0 => head.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    }
    let text = String::from_utf8_lossy(&head);
    let status: u16 = text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    (100..600).contains(&status).then_some(status)
}

#[test]
fn malformed_and_random_requests_never_get_a_5xx_and_get_an_answer() {
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
                let (mut whole, mut whole_answered, mut pages) = (0usize, 0usize, 0usize);
                for i in 0..budget() / SENDERS as usize {
                    let (bytes, undamaged) = request(&mut d, &token);
                    whole += usize::from(undamaged);
                    if let Some(status) = send(addr, &bytes) {
                        answered += 1;
                        whole_answered += usize::from(undamaged);
                        pages += usize::from(status < 400);
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
                (answered, fives, whole, whole_answered, pages)
            })
        })
        .collect();
    let (mut answered, mut fives, mut whole, mut whole_answered, mut pages) = (0usize, vec![], 0, 0, 0);
    for s in senders {
        let (a, f, w, wa, p) = s.join().expect("sender");
        answered += a;
        fives.extend(f);
        (whole, whole_answered, pages) = (whole + w, whole_answered + wa, pages + p);
    }
    server.assert_healthy();
    assert!(fives.is_empty(), "seed {seed}: 5xx answers: {fives:?}\nserver log: {}", server.stderr());
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    assert!(
        whole > budget() / 4 && whole_answered as f64 >= ANSWERED_AT_LEAST * whole as f64,
        "seed {seed}: of {whole} undamaged requests only {whole_answered} got a whole response"
    );
    assert!(pages > 0, "seed {seed}: not one request got past the refusals");
    eprintln!(
        "fuzz: {} requests (seed {seed}), {answered} answered ({whole_answered} of {whole} undamaged, \
         {pages} under 400), none 5xx, server healthy ({:.1} s)",
        budget(),
        started.elapsed().as_secs_f64()
    );
}
