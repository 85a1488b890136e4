//! A hostile guest on the practice Wi-Fi, played from other loopback
//! addresses (127.0.0.2, 127.0.0.3, ...), which the server tells apart as
//! it would hosts of the LAN: one address cannot hold every connection,
//! guessing codes from many addresses leaves a right code working, a
//! flood of Join presses is let through but written once, and forwarded
//! headers are read as one list, the client's own claims left of what a
//! trusted proxy added.

use std::io::{ErrorKind, Read};
use std::net::{IpAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::support::{Practice, Server, connect_from, enough_descriptors, minutes, now};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("an address")
}

/// What became of connections the server was sent nothing on.
#[derive(Debug, Default)]
struct Fates {
    /// Still open and silent: the server holds a slot for each.
    held: usize,
    /// Answered at once (a refusal), by status.
    refused: Vec<u16>,
}

/// Wait up to `within` for the server to answer or close what it will of
/// `conns`, until at most `expect_held` are left silent.
fn fates(conns: &mut [TcpStream], expect_held: usize, within: Duration) -> Fates {
    let mut decided: Vec<Option<u16>> = vec![None; conns.len()];
    let started = Instant::now();
    loop {
        let mut buf = [0u8; 4096];
        for (c, fate) in conns.iter_mut().zip(decided.iter_mut()).filter(|(_, f)| f.is_none()) {
            c.set_nonblocking(true).expect("nonblocking");
            match c.read(&mut buf) {
                Ok(n) => {
                    let status = String::from_utf8_lossy(&buf[..n]).get(9..12).and_then(|s| s.parse().ok());
                    *fate = Some(status.unwrap_or(0));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => *fate = Some(0),
            }
        }
        let held = decided.iter().filter(|f| f.is_none()).count();
        if held <= expect_held || started.elapsed() > within {
            return Fates { held, refused: decided.into_iter().flatten().collect() };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn one_address_holding_connections_leaves_room_for_everyone_else() {
    enough_descriptors();
    let p = Practice::new();
    // 127.0.0.2 plays a reverse proxy: all its clients' connections.
    let server = Server::start_with(p.path(), false, &["--trust-proxy", "127.0.0.2"]);
    let proxy: Vec<TcpStream> =
        (0..100).map(|_| connect_from(ip("127.0.0.2"), server.addr).expect("connect")).collect();
    // The hog opens more connections than the server has slots, and holds them.
    let mut hog: Vec<TcpStream> =
        (0..600).map(|_| connect_from(ip("127.0.0.3"), server.addr).expect("connect")).collect();
    let hogged = fates(&mut hog, 64, Duration::from_secs(4));

    // Someone else on the network is answered at once.
    let started = Instant::now();
    let r = server.send_from("127.0.0.4", "GET", "/healthz", &[], None);
    let took = started.elapsed();
    assert_eq!((r.status, r.body.trim()), (200, "ok"), "another address while the hog holds its share");
    assert!(took < Duration::from_secs(1), "answered in {took:?}");

    assert_eq!(hogged.held, 64, "the hog holds its share and no more");
    assert_eq!(hogged.refused.len(), 600 - 64);
    assert!(hogged.refused.iter().all(|&s| s == 429), "refused with 429: {:?}", hogged.refused);
    // The proxy is not capped like one client: all its connections are held.
    let mut proxy = proxy;
    let proxied = fates(&mut proxy, 0, Duration::from_millis(300));
    assert_eq!((proxied.held, proxied.refused.len()), (100, 0), "a trusted proxy is not capped at 64");
    eprintln!("hog held {} of 600, other address answered in {took:?}", hogged.held);
}

#[test]
fn forwarded_header_lines_form_one_list_read_from_the_right() {
    let p = Practice::new();
    p.set("video_provider", "builtin");
    p.set("waiting_room", "off");
    let (_, appt) = p.solo("Ann Lee", now() - minutes(5));
    let server = Server::start_with(p.path(), false, &["--trust-proxy", "127.0.0.1"]);

    // The client sent a line of its own; the proxy added one (HAProxy's
    // `option forwardfor`). The client is the proxy's entry.
    let lines = [("X-Forwarded-For", "10.9.9.9"), ("X-Forwarded-For", "203.0.113.7")];
    let r = server.send_with("POST", "/join", &lines, Some("code=ZZZZ-ZZZZ"));
    assert_eq!(r.status, 200);
    assert_eq!(p.audit_addrs("code.failure"), ["203.0.113.7"]);

    // The scheme comes from the proxy's line, not the client's: the room
    // ticket is `Secure` only when the client came over https.
    let secure = |headers: &[(&str, &str)]| {
        let r = server.send_with("POST", &format!("/v/{}/join", appt.token(0)), headers, Some(""));
        assert_eq!(r.status, 303, "{r:?}");
        let cookie = r.set_cookies().into_iter().find(|c| c.starts_with("porchlight_room=")).expect("a ticket");
        cookie.split("; ").any(|part| part == "Secure")
    };
    let client = ("X-Forwarded-For", "203.0.113.7");
    assert!(!secure(&[client, ("X-Forwarded-Proto", "https"), ("X-Forwarded-Proto", "http")]), "a forged https");
    assert!(secure(&[client, ("X-Forwarded-Proto", "http"), ("X-Forwarded-Proto", "https")]), "the proxy's https");
    // Two proxies, each adding its line: the client reached the outer one
    // over https, the outer reached the inner over http.
    let chain = [
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-For", "127.0.0.1"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Proto", "http"),
    ];
    assert!(secure(&chain), "the scheme of the client's own hop");
    let joins = p.audit_addrs("link.join");
    assert!(!joins.is_empty() && joins.iter().all(|a| a == "203.0.113.7"), "joins are the client's: {joins:?}");
}

#[test]
fn guessing_from_many_addresses_leaves_a_right_code_working() {
    let p = Practice::new();
    let (_, appt) = p.solo("Ann Lee", now() + minutes(30));
    let server = p.serve();
    let guess = |from: &str| server.send_from(from, "POST", "/join", &[], Some("code=ZZZZ-ZZZZ")).status;

    // Twelve guessers spend the budget of 100 wrong codes, none of them
    // reaching its own limit of 10 a minute.
    let guessers: Vec<String> = (2..14).map(|i| format!("127.0.0.{i}")).collect();
    for (i, from) in guessers.iter().enumerate() {
        for n in 0..(if i < 10 { 9 } else { 5 }) {
            assert_eq!(guess(from), 200, "wrong code {n} from {from}");
        }
    }
    assert_eq!(p.audit_count("code.failure"), 100);
    for from in &guessers {
        assert_eq!(guess(from), 429, "{from} guessed already and waits");
    }

    // A client who has not been guessing types the right code.
    let right = format!("code={}", appt.code(0));
    let r = server.send_from("127.0.0.50", "POST", "/join", &[], Some(&right));
    assert_eq!((r.status, r.location()), (303, format!("/v/{}", appt.token(0)).as_str()));

    // Guessers on fresh addresses can spend that reserve too (two tries
    // each), but wrong codes stay bounded: 150 in the hour.
    let fresh: Vec<String> = (100..126).map(|i| format!("127.0.0.{i}")).collect();
    let let_through: usize = fresh.iter().map(|from| (0..2).filter(|_| guess(from) == 200).count()).sum();
    assert_eq!(let_through, 50);
    assert_eq!(p.audit_count("code.failure"), 150);
    assert_eq!(p.audit_count("code.burst"), 2, "one alert as each budget runs out");
    let r = server.send_from("127.0.0.51", "POST", "/join", &[], Some(&right));
    assert_eq!(r.status, 429, "with the reserve spent as well, typed codes wait for the hour");
    let wait: u64 = r.header("Retry-After").and_then(|w| w.parse().ok()).expect("Retry-After in seconds");
    assert!(wait > 3500, "until the budget's hour has passed: {wait}");
    assert!(r.text().contains("Wait a few minutes"), "not told a minute when it is longer: {}", r.text());
    assert!(r.text().contains("open the link from your message"), "told the way that always works");
    assert!(server.stderr_shows("ALERT: 100 failed access codes"), "{}", server.stderr());
}

#[test]
fn a_join_flood_on_one_open_link_is_let_through_but_written_once() {
    let p = Practice::new();
    p.set("video_url_template", "https://meet.example.org/{room}");
    p.set("waiting_room", "off");
    let c = p.json(&["client", "add", "--name", "Ann Lee"]);
    let portal = c["portal_url"].as_str().expect("portal").rsplit_once("/p/").expect("a portal link").1.to_string();
    let appt = p.appt(&[c["id"].as_i64().expect("id")], now() - minutes(5), 50);
    let server = p.serve();
    let token = appt.token(0);

    let started = Instant::now();
    let presses = [
        (format!("/v/{token}/join"), String::new()),
        (format!("/v/{token}/enter"), String::new()),
        (format!("/p/{portal}/join"), format!("appointment={}", appt.id())),
    ];
    let mut sent = 0;
    for (path, form) in &presses {
        for i in 0..200 {
            let r = server.send_from("127.0.0.2", "POST", path, &[], Some(form));
            assert_eq!(r.status, 303, "press {i} of {path}: {r:?}");
            assert!(r.location().starts_with("https://meet.example.org/"), "into the room every time");
            sent += 1;
        }
    }
    let took = started.elapsed();
    let joins = p.audit_addrs("link.join");
    let entries = p.audit_count("room.enter");
    eprintln!("{sent} presses in {took:?}: {} link.join and {entries} room.enter entries", joins.len());
    assert_eq!(joins.len(), 2, "one per way in (the link page, the portal)");
    assert_eq!(entries, 1, "one entry into the room");

    // The same link used from another address meanwhile (a leaked link)
    // leaves an entry of its own.
    for _ in 0..3 {
        assert_eq!(server.send_from("127.0.0.66", "POST", &format!("/v/{token}/join"), &[], Some("")).status, 303);
    }
    let joins = p.audit_addrs("link.join");
    assert_eq!(joins.iter().filter(|a| *a == "127.0.0.66").count(), 1, "{joins:?}");
}

#[test]
fn entering_the_built_in_room_again_and_again_is_written_once() {
    let p = Practice::new();
    p.set("video_provider", "builtin");
    p.set("waiting_room", "off");
    let (_, appt) = p.solo("Ann Lee", now() - minutes(5));
    let server = p.serve();
    let r = server.post(&format!("/v/{}/join", appt.token(0)), "");
    assert_eq!(r.status, 303, "{r:?}");
    let room = r.location().to_string();
    let cookie = r.set_cookies().into_iter().find(|c| c.starts_with("porchlight_room=")).expect("a ticket");
    let cookie = cookie.split(';').next().expect("a value").to_string();
    // Each entry from the same seat replaces the visit before it, which
    // leaves the room.
    let enter = format!(
        "POST {room}/enter HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    for i in 0..100 {
        let r = server.raw(enter.as_bytes());
        assert_eq!(r.status, 200, "entry {i}: {r:?}");
    }
    assert_eq!(p.audit_count("room.leave"), 1, "replaced visits are counted, not each written");
}
