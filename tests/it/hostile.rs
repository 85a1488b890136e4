//! Hostile requests: traversal and encoded paths, oversized tokens, paths
//! and bodies, wrong methods, raw non-ASCII bytes. Each gets a 4xx (never a
//! 5xx or a dropped connection), every response carries the security
//! headers, nothing secret leaks, and the server keeps answering.

use crate::support::{Practice, Response, Server, now, request};

/// A server on a practice with one open link; returns both and its token.
fn setup() -> (Practice, Server, String) {
    let p = Practice::new();
    let server = p.serve();
    let (_, a) = p.solo("Hostile Target", now());
    (p, server, a.token(0))
}

/// Assert a client error with the security headers and no key material.
#[track_caller]
fn assert_refused(p: &Practice, r: &Response, what: &str) {
    assert!((400..500).contains(&r.status), "{what}: got {} {:?}", r.status, r.body);
    r.assert_hardened();
    let key = std::fs::read_to_string(p.path().join("secret.key")).expect("key file");
    assert!(!r.body.contains(key.trim()), "{what}: the key file leaked");
}

#[test]
fn traversal_and_encoded_paths_are_refused() {
    let (p, server, _) = setup();
    let long_token = format!("/v/{}", "A".repeat(5000));
    let targets = [
        "/v/..%2f..%2fetc%2fpasswd",
        "/v/%00",
        "/v/%2e%2e",
        "/assets/../secret.key",
        "/assets/%2e%2e/secret.key",
        "/assets/..%2fsecret.key",
        "/assets/.hidden",
        "/assets/",
        "/../porchlight.db",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/p/..%2f..%2fsecret.key",
        "/api/v1/links/%00%00",
        "/secret.key",
        "/porchlight.db",
        "//v//",
        "/v/caf%C3%A9",
        "/p/%E2%80%AEgpj.exe",
        "/join/%E6%97%A5%E6%9C%AC",
        long_token.as_str(),
    ];
    for target in targets {
        assert_refused(&p, &server.get(target), target);
    }
    server.assert_healthy();
}

const NON_ASCII: [&str; 4] = ["/v/café", "/p/ünïcødé", "/join/日本語", "/assets/\u{202e}gpj.exe"];

/// Request lines tiny_http cannot parse.
const MALFORMED: [&str; 3] = ["GET /v/a b HTTP/1.1\r\n\r\n", "GET /join HTTP/9.9\r\n\r\n", "GET\r\n\r\n"];

#[test]
fn raw_non_ascii_paths_are_refused() {
    let (p, server, _) = setup();
    for target in NON_ASCII {
        let r = server.raw(&request("GET", target.as_bytes(), None));
        assert_refused(&p, &r, target);
    }
    server.assert_healthy();
}

#[test]
fn malformed_request_lines_get_a_hardened_400() {
    let (p, server, _) = setup();
    for raw in MALFORMED {
        let r = server.raw(raw.as_bytes());
        assert_refused(&p, &r, raw);
    }
    server.assert_healthy();
}

#[test]
fn broken_request_lines_do_not_take_the_server_down() {
    let (_p, server, _) = setup();
    let non_ascii = NON_ASCII.map(|target| request("GET", target.as_bytes(), None));
    for raw in non_ascii.iter().map(Vec::as_slice).chain(MALFORMED.map(str::as_bytes)) {
        if let Ok(r) = server.try_raw(raw) {
            assert!(r.status < 500, "{:?}: {}", String::from_utf8_lossy(raw), r.status);
        }
    }
    server.assert_healthy();
}

#[test]
fn wrong_methods_get_405_with_allow() {
    let (p, server, token) = setup();
    for (method, target) in [
        ("GET", format!("/v/{token}/join")),
        ("POST", format!("/v/{token}")),
        ("PUT", "/join".to_string()),
        ("DELETE", format!("/api/v1/links/{token}")),
        ("POST", "/healthz".to_string()),
    ] {
        let r = server.send(method, &target, None);
        assert_eq!(r.status, 405, "{method} {target}");
        assert_refused(&p, &r, &target);
        assert!(r.header("Allow").is_some(), "{method} {target}: no Allow header");
    }
    // Nothing was joined by a GET.
    assert_eq!(p.audit_count("link.join"), 0);
    server.assert_healthy();
}

#[test]
fn oversized_bodies_and_paths_are_refused() {
    let (p, server, token) = setup();
    let big = format!("code={}", "A".repeat(70 * 1024));
    for target in ["/join".to_string(), format!("/v/{token}/join")] {
        let r = server.post(&target, &big);
        assert_eq!(r.status, 413, "{target}");
        assert_refused(&p, &r, &target);
    }
    let long_path = format!("/{}", "a".repeat(3000));
    let r = server.get(&long_path);
    assert_eq!(r.status, 414);
    assert_refused(&p, &r, "a path over 2048 bytes");
    assert_eq!(p.audit_count("link.join"), 0, "an oversized join is not a join");
    server.assert_healthy();
}

#[test]
fn malformed_bodies_never_crash_the_server() {
    let (p, server, token) = setup();
    let garbage = String::from_utf8_lossy(&(0u8..=255).collect::<Vec<u8>>()).into_owned();
    let cases = [
        ("/join", format!("code={}", "9".repeat(10_000))),
        ("/join", "code=%ZZ%00&code=".to_string()),
        ("/join", garbage.clone()),
        ("/p/AAAAAAAAAAAAAAAAAAAAAA/join", "appointment=-1".to_string()),
        ("/p/AAAAAAAAAAAAAAAAAAAAAA/join", "appointment=99999999999999999999999".to_string()),
    ];
    for (target, body) in &cases {
        let r = server.post(target, body);
        assert!(r.status < 500, "POST {target}: {}", r.status);
        r.assert_hardened();
        assert!(!r.body.contains(&"9".repeat(100)), "the page echoes a long input");
    }
    let bad_length =
        format!("POST /v/{token}/join HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: abc\r\n\r\n");
    let r = server.raw(bad_length.as_bytes());
    assert!((400..500).contains(&r.status), "bad Content-Length: {}", r.status);
    assert_eq!(p.audit_count("link.join"), 0);
    server.assert_healthy();
}

#[test]
fn every_response_carries_the_security_headers() {
    let (_p, server, token) = setup();
    let responses = [
        server.get("/"),
        server.get("/join"),
        server.get("/healthz"),
        server.get("/assets/style.css"),
        server.get(&format!("/v/{token}")),
        server.get(&format!("/api/v1/links/{token}")),
        server.get("/nowhere"),
        server.get(&format!("/v/{token}/join")),
        server.post(&format!("/v/{token}/join"), ""),
        server.post("/join", &format!("code={}", "A".repeat(70 * 1024))),
        server.raw(b"GET /v/a b HTTP/1.1\r\n\r\n"),
        server.raw(format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(20 * 1024)).as_bytes()),
        server.get("/admin/api/waiting"),
        server.get("/admin"),
    ];
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 404, 405, 303, 413, 400, 431, 401, 303]);
    for r in &responses {
        r.assert_hardened();
    }
}

#[test]
fn a_database_locked_past_the_busy_timeout_gets_a_500_page_with_every_header() {
    let (p, server, token) = setup();
    // Another writer holds the database longer than the 10 s busy timeout.
    let holder = rusqlite::Connection::open(p.path().join("porchlight.db")).expect("open");
    holder.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let join = server.post(&format!("/v/{token}/join"), "");
    let page = server.get(&format!("/v/{token}"));
    holder.execute_batch("ROLLBACK").expect("unlock");
    assert_eq!(join.status, 500, "{join:?}");
    join.assert_hardened();
    assert!(join.text().contains("Something went wrong on our side"), "{}", join.text());
    assert_eq!(page.status, 200, "reads go on while a writer holds the lock");
    server.assert_healthy();
}
