//! Where it lives: the admin reached over plain http under a LAN name or
//! address, as a phone or laptop on the practice network reaches it, and
//! the `Host` checks that keep DNS-rebinding pages and malformed requests
//! out.
//!
//! Browsers send what these tests send: over plain http to a LAN name, a
//! form POST from a `no-referrer` page carries `Origin: null` and no
//! `Sec-Fetch-*` (Chromium and Firefox send Fetch Metadata only to secure
//! contexts); to `127.0.0.1` they add `Sec-Fetch-Site`.

use crate::clinician::{Browser, PASSWORD, csrf_of, with_password};
use crate::support::{Practice, Server};

/// What Chromium and Firefox send with a same-origin form POST from one
/// of our pages over plain http on a LAN name.
const NULL_ORIGIN: (&str, &str) = ("Origin", "null");

fn port(server: &Server) -> u16 {
    server.addr.port()
}

#[test]
fn setup_and_login_work_over_plain_http_on_a_lan_name_and_a_lan_address() {
    let p = Practice::new();
    let server = p.serve();
    let host = format!("porch.local:{}", port(&server));
    p.set("public_url", &format!("http://{host}"));
    let printed = server.all_printed(std::time::Duration::from_millis(300));
    let code = printed.iter().find_map(|l| l.strip_prefix("admin setup code: ")).expect("setup code").to_string();
    let mut b = Browser::at(&server, &host);
    let page = b.get("/admin/setup");
    assert_eq!(page.status, 200, "{page:?}");
    let csrf = csrf_of(&page);
    let pw = PASSWORD.replace(' ', "+");
    let form = format!("csrf={csrf}&code={code}&password={pw}&confirm={pw}");
    let r = b.post("/admin/setup", &[NULL_ORIGIN], &form);
    assert_eq!((r.status, r.location()), (303, "/admin"), "setup on a LAN name: {r:?}");
    assert_eq!(b.get("/admin").status, 200);

    // Every admin form: adding a client is one of them.
    let csrf = csrf_of(&b.get("/admin/clients"));
    let r = b.post("/admin/clients", &[NULL_ORIGIN], &format!("csrf={csrf}&name=Lan+Client"));
    assert_eq!(r.status, 303, "{r:?}");
    assert_eq!(p.json(&["client", "list"])[0]["name"], "Lan Client");

    // A second device signs in at the LAN address, with an explicit
    // allowed name too.
    p.set("allowed_hosts", "therapy-pi");
    for host in [format!("192.168.1.20:{}", port(&server)), "therapy-pi".to_string()] {
        let mut other = Browser::at(&server, &host);
        let csrf = csrf_of(&other.get("/admin/login"));
        let r = other.post("/admin/login", &[NULL_ORIGIN], &format!("csrf={csrf}&password={pw}"));
        assert_eq!((r.status, r.location()), (303, "/admin"), "login at {host}: {r:?}");
    }
}

#[test]
fn cross_site_posts_are_still_refused_on_a_lan_name() {
    let (p, server) = with_password(&["--admin-from", "127.0.0.0/8"]);
    p.set("allowed_hosts", "porch.lan");
    let mut b = Browser::at(&server, "porch.lan");
    let csrf = csrf_of(&b.get("/admin/login"));
    let pw = PASSWORD.replace(' ', "+");
    assert_eq!(b.post("/admin/login", &[NULL_ORIGIN], &format!("csrf={csrf}&password={pw}")).status, 303);
    let csrf = csrf_of(&b.get("/admin"));
    // Another site's page: its Origin, or null from a sandboxed frame; a
    // cross-site request carries no SameSite=Strict cookie, so no session
    // and no token.
    let mut attacker = Browser::at(&server, "porch.lan");
    for origin in ["http://evil.example", "null"] {
        let r = attacker.post("/admin/clients", &[("Origin", origin)], &format!("csrf={csrf}&name=Mallory"));
        assert_eq!(r.status, 403, "{origin}: {r:?}");
    }
    // Even with the session cookie, another site's Origin is refused.
    let r = b.post("/admin/clients", &[("Origin", "http://evil.example")], &format!("csrf={csrf}&name=Mallory"));
    assert_eq!(r.status, 403);
    // Where a browser sends Fetch Metadata, it decides.
    let r = b.post("/admin/clients", &[NULL_ORIGIN, ("Sec-Fetch-Site", "cross-site")], &format!("csrf={csrf}&name=M"));
    assert_eq!(r.status, 403);
    assert!(p.json(&["client", "list"]).as_array().expect("array").is_empty(), "nothing was added");
}

#[test]
fn on_loopback_a_null_origin_needs_fetch_metadata() {
    // Browsers always send Sec-Fetch-Site to 127.0.0.1 and localhost, so
    // there a null Origin without it is not a browser's own form.
    let (p, server) = with_password(&[]);
    for host in ["127.0.0.1", "localhost:8080"] {
        let mut b = Browser::at(&server, host);
        let csrf = csrf_of(&b.get("/admin/login"));
        let pw = PASSWORD.replace(' ', "+");
        let r = b.post("/admin/login", &[NULL_ORIGIN], &format!("csrf={csrf}&password={pw}"));
        assert_eq!(r.status, 403, "{host}");
        let r = b.post(
            "/admin/login",
            &[NULL_ORIGIN, ("Sec-Fetch-Site", "same-origin")],
            &format!("csrf={csrf}&password={pw}"),
        );
        assert_eq!(r.status, 303, "{host}");
    }
    drop(p);
}

#[test]
fn a_dns_rebinding_host_gets_no_admin_page_and_is_told_how_to_add_a_name() {
    let (p, server) = with_password(&[]);
    for target in ["/admin/login", "/admin/setup", "/admin", "/room/abc/def", "/room/abc/def/messages?peer=x"] {
        let r = server.send_with("GET", target, &[("Host", "rebind.evil.example:8080")], None);
        assert_eq!(r.status, 403, "{target}");
        r.assert_hardened();
        assert!(r.body.contains("rebind.evil.example"), "names the host asked for: {}", r.body);
        // The command as it works here: this data directory, from anywhere.
        let data = std::fs::canonicalize(p.path()).expect("data dir");
        let command = format!("--data {} settings set allowed_hosts NAME", data.display());
        assert!(r.body.replace("&#x2f;", "/").contains(&command), "says how to add one: {}", r.body);
    }
    // The login itself cannot be driven either, whatever Origin it claims.
    let r = server.send_with(
        "POST",
        "/admin/login",
        &[("Host", "rebind.evil.example"), ("Origin", "http://rebind.evil.example")],
        Some("csrf=x&password=y"),
    );
    assert_eq!(r.status, 403);
    assert_eq!(p.audit_count("admin.login_failure"), 0, "no password was checked");
    // Client pages answer under any name: their link is their secret.
    assert_eq!(server.send_with("GET", "/join", &[("Host", "rebind.evil.example")], None).status, 200);
    // The page shows neither the names already allowed (a rebinding page
    // can read it) nor a ready command that would let the asked-for name in.
    p.set("allowed_hosts", "porch.lan");
    let page = server.send_with("GET", "/admin", &[("Host", "therapy-pi:8080")], None);
    assert!(!page.body.contains("porch.lan"), "{}", page.body);
    assert!(!page.body.contains("allowed_hosts therapy-pi"), "{}", page.body);
    // Once the clinician adds the name, it works.
    p.set("allowed_hosts", "rebind.evil.example");
    assert_eq!(server.send_with("GET", "/admin/login", &[("Host", "rebind.evil.example")], None).status, 200);
}

#[test]
fn a_request_without_host_or_with_two_is_a_400() {
    let (_p, server) = with_password(&[]);
    let cases: [&[u8]; 5] = [
        b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
        b"GET /admin/login HTTP/1.1\r\nHost: 127.0.0.1\r\nhost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n",
    ];
    for raw in cases {
        let r = server.raw(raw);
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(raw));
        r.assert_hardened();
    }
    // HTTP/1.0 may leave Host out.
    assert_eq!(server.raw(b"GET /healthz HTTP/1.0\r\n\r\n").status, 200);
    server.assert_healthy();
}
