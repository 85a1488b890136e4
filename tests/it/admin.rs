//! The admin gate over HTTP: who may reach `/admin`, sessions and their
//! cookies, CSRF and same-origin checks, setup once, login throttling,
//! logout, and what the audit trail and the log say about it.

use crate::clinician::{Browser, ORIGIN, PASSWORD, cookie, csrf_of, with_password};
use crate::support::{Practice, Server};

#[test]
fn without_a_session_pages_redirect_posts_are_refused_and_the_poll_says_401() {
    let (_p, server) = with_password(&[]);
    for page in ["/admin", "/admin/clients", "/admin/settings", "/admin/audit", "/admin/appointments/new"] {
        let r = server.get(page);
        assert_eq!((r.status, r.location()), (303, "/admin/login"), "{page}");
    }
    let poll = server.get("/admin/api/waiting");
    assert_eq!(poll.status, 401);
    for post in ["/admin/clients", "/admin/logout", "/admin/backup", "/admin/settings"] {
        let r = server.send_with("POST", post, &[ORIGIN], Some("csrf=x&name=Mallory"));
        assert_eq!(r.status, 403, "{post}");
        r.assert_hardened();
    }
}

#[test]
fn login_sets_a_strict_httponly_cookie_and_a_fresh_session_each_time() {
    let (p, server) = with_password(&[]);
    let mut b = Browser::new(&server);
    let r = b.login(PASSWORD);
    assert_eq!((r.status, r.location()), (303, "/admin"));
    let set = r.set_cookies().into_iter().find(|c| c.starts_with("porchlight_admin=")).expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    let first = cookie(&r, "porchlight_admin");
    let value = first.split_once('=').expect("pair").1.to_string();
    assert!(value.len() >= 22, "session id too short: {value}");
    assert_eq!(b.get("/admin").status, 200);
    // The database keeps only a hash of the id.
    let db = std::fs::read(p.path().join("porchlight.db")).expect("db");
    let wal = std::fs::read(p.path().join("porchlight.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(value.len()).any(|w| w == value.as_bytes()), "session id stored in plain form");
    }
    // Signing in again replaces the session.
    let again = b.login(PASSWORD);
    assert_ne!(cookie(&again, "porchlight_admin"), first);
    let old = server.send_with("GET", "/admin", &[("Cookie", &first)], None);
    assert_eq!(old.status, 303, "the old session must be gone");
}

#[test]
fn https_public_url_gives_host_prefixed_secure_cookies() {
    let (p, _) = with_password(&[]);
    p.set("public_url", "https://porch.example.org");
    let server = Server::start_with(p.path(), false, &[]);
    // Under its public name (through a proxy that terminates TLS).
    let mut b = Browser::at(&server, "porch.example.org");
    let page = b.get("/admin/login");
    let pre = page.set_cookies().join(" | ");
    assert!(pre.starts_with("__Host-porchlight_pre=") && pre.contains("Secure"), "{pre}");
    let csrf = csrf_of(&page);
    let r = b.post(
        "/admin/login",
        &[("Origin", "https://porch.example.org")],
        &format!("csrf={csrf}&password={}", PASSWORD.replace(' ', "+")),
    );
    let set = r.set_cookies().into_iter().find(|c| c.starts_with("__Host-porchlight_admin=")).expect("host cookie");
    assert!(set.contains("Secure") && set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");

    // On the LAN over plain http the same practice's admin still works:
    // Secure cookies would be dropped there.
    let mut lan = Browser::at(&server, "192.168.1.20:8080");
    let page = lan.get("/admin/login");
    let pre = page.set_cookies().join(" | ");
    assert!(pre.starts_with("porchlight_pre=") && !pre.contains("Secure"), "{pre}");
    let r = lan.post(
        "/admin/login",
        &[("Origin", "null")],
        &format!("csrf={}&password={}", csrf_of(&page), PASSWORD.replace(' ', "+")),
    );
    assert_eq!((r.status, r.location()), (303, "/admin"), "{r:?}");
}

#[test]
fn posts_need_the_right_csrf_and_our_own_origin() {
    let (p, server) = with_password(&[]);
    let mut b = Browser::new(&server);
    b.login(PASSWORD);
    let csrf = b.csrf();
    let form = |c: &str| format!("csrf={c}&name=Eve+Example");
    let refused = [
        b.post("/admin/clients", &[ORIGIN], &form("wrong")),
        b.post("/admin/clients", &[ORIGIN], "name=Eve+Example"),
        b.post("/admin/clients", &[("Origin", "http://evil.example")], &form(&csrf)),
        b.post("/admin/clients", &[("Origin", "null")], &form(&csrf)),
        b.post("/admin/clients", &[("Sec-Fetch-Site", "cross-site")], &form(&csrf)),
        b.post("/admin/clients", &[("Sec-Fetch-Site", "same-site")], &form(&csrf)),
    ];
    for r in &refused {
        assert_eq!(r.status, 403, "{r:?}");
    }
    assert!(p.json(&["client", "list"]).as_array().expect("array").is_empty(), "nothing was added");
    let ok = b.post("/admin/clients", &[ORIGIN, ("Sec-Fetch-Site", "same-origin")], &form(&csrf));
    assert_eq!(ok.status, 303, "{ok:?}");
    assert_eq!(p.json(&["client", "list"])[0]["name"], "Eve Example");
    // What a browser really sends from a no-referrer page: Origin null,
    // vouched for by Sec-Fetch-Site.
    // (Another name: a second "Eve Example" would be asked about first.)
    let second = format!("csrf={csrf}&name=Eve+Second");
    let null = b.post("/admin/clients", &[("Origin", "null"), ("Sec-Fetch-Site", "same-origin")], &second);
    assert_eq!(null.status, 303, "{null:?}");
    // A csrf token of another session does not work either.
    let mut other = Browser::new(&server);
    other.login(PASSWORD);
    let theirs = other.csrf();
    assert_eq!(b.post("/admin/clients", &[ORIGIN], &form(&theirs)).status, 403);
}

#[test]
fn login_and_setup_forms_need_their_pre_session_csrf_too() {
    let (_p, server) = with_password(&[]);
    let r =
        server.send_with("POST", "/admin/login", &[ORIGIN], Some(&format!("password={}", PASSWORD.replace(' ', "+"))));
    assert_eq!(r.status, 403);
    let r = server.send_with("POST", "/admin/login", &[("Origin", "http://evil.example")], Some("csrf=x&password=y"));
    assert_eq!(r.status, 403);
}

#[test]
fn addresses_outside_admin_from_get_403_while_client_routes_work() {
    let (p, server) = with_password(&["--admin-from", "10.0.0.0/8,192.168.0.0/16"]);
    for target in ["/admin", "/admin/login", "/admin/setup", "/admin/api/waiting"] {
        let r = server.get(target);
        assert_eq!(r.status, 403, "{target}");
        r.assert_hardened();
    }
    assert_eq!(server.send_with("POST", "/admin/login", &[ORIGIN], Some("password=x")).status, 403);
    let (_, appt) = p.solo("Still Served", crate::support::now());
    assert_eq!(server.get(&format!("/v/{}", appt.token(0))).status, 200);
    assert_eq!(server.get("/join").status, 200);
}

#[test]
fn wrong_passwords_are_throttled_logged_and_audited_without_the_secret() {
    let (p, server) = with_password(&[]);
    let mut b = Browser::new(&server);
    for _ in 0..4 {
        let r = b.login("not the password at all");
        assert_eq!(r.status, 200);
        assert!(r.text().contains("That password is not right."), "{}", r.text());
    }
    let r = b.login(PASSWORD);
    assert_eq!(r.status, 429, "even the right password waits");
    let wait: u64 = r.header("Retry-After").expect("Retry-After").parse().expect("seconds");
    assert!((1..=2).contains(&wait), "{wait}");
    assert!(r.text().contains("Too many wrong tries"));
    std::thread::sleep(std::time::Duration::from_secs(wait));
    assert_eq!(b.login(PASSWORD).status, 303);
    assert_eq!(p.audit_count("admin.login_failure"), 4);
    assert_eq!(p.audit_count("admin.login"), 1);
    let log = server.stderr();
    assert_eq!(log.matches("porchlight: admin login failure from 127.0.0.1").count(), 4, "{log}");
    assert!(!log.contains("not the password") && !log.contains(PASSWORD), "{log}");
    let audit = serde_json::to_string(&p.audit()).expect("json");
    assert!(!audit.contains("not the password") && !audit.contains(PASSWORD));
}

#[test]
fn setup_takes_the_printed_code_once() {
    let p = Practice::new();
    let server = p.serve();
    let printed = server.all_printed(std::time::Duration::from_millis(500));
    let code = printed.iter().find_map(|l| l.strip_prefix("admin setup code: ")).expect("setup code").to_string();
    let mut b = Browser::new(&server);
    assert_eq!(b.get("/admin").location(), "/admin/setup");
    let page = b.get("/admin/setup");
    let csrf = csrf_of(&page);
    let pw = PASSWORD.replace(' ', "+");
    let wrong =
        b.post("/admin/setup", &[ORIGIN], &format!("csrf={csrf}&code=AAAA-BBBB-CCCC&password={pw}&confirm={pw}"));
    assert_eq!(wrong.status, 200);
    assert!(wrong.text().contains("That setup code is not right"), "{}", wrong.text());
    let short = b.post("/admin/setup", &[ORIGIN], &format!("csrf={csrf}&code={code}&password=short&confirm=short"));
    assert!(short.text().contains("too short"), "{}", short.text());
    let lower = code.to_lowercase().replace('-', " ");
    let ok = b.post("/admin/setup", &[ORIGIN], &format!("csrf={csrf}&code={lower}&password={pw}&confirm={pw}"));
    assert_eq!((ok.status, ok.location()), (303, "/admin"), "{}", ok.text());
    assert_eq!(b.get("/admin").status, 200);
    // Works once.
    let mut other = Browser::new(&server);
    assert_eq!(other.get("/admin/setup").location(), "/admin/login");
    let again = other.post("/admin/setup", &[ORIGIN], &format!("csrf={csrf}&code={code}&password={pw}&confirm={pw}"));
    assert_eq!(again.status, 303);
    assert_eq!(again.location(), "/admin/login");
    assert_eq!(other.login(PASSWORD).status, 303);
}

#[test]
fn logout_ends_the_session_and_clears_site_data() {
    let (_p, server) = with_password(&[]);
    let mut b = Browser::new(&server);
    let login = b.login(PASSWORD);
    let session = cookie(&login, "porchlight_admin");
    let csrf = b.csrf();
    let r = b.post("/admin/logout", &[ORIGIN], &format!("csrf={csrf}"));
    assert_eq!((r.status, r.location()), (303, "/admin/login?done=logout"));
    assert!(r.header("Clear-Site-Data").is_some_and(|v| v.contains("\"cookies\"")), "{r:?}");
    assert!(r.set_cookies().iter().any(|c| c.starts_with("porchlight_admin=;") && c.contains("Max-Age=0")));
    let replay = server.send_with("GET", "/admin", &[("Cookie", &session)], None);
    assert_eq!(replay.status, 303, "a logged-out session id must not work again");
}

#[test]
fn idle_sessions_end_on_the_server() {
    // Long enough that a busy machine still gets from login to the first
    // page inside it.
    let (_p, server) = with_password(&["--admin-idle-seconds", "5"]);
    let mut b = Browser::new(&server);
    b.login(PASSWORD);
    assert_eq!(b.get("/admin").status, 200);
    std::thread::sleep(std::time::Duration::from_millis(6000));
    let r = b.get("/admin");
    assert_eq!((r.status, r.location()), (303, "/admin/login?done=expired"));
}

#[test]
fn no_get_changes_anything() {
    let (p, server) = with_password(&[]);
    let c = p.client("Quiet Client");
    let (other, appt) = p.solo("Other", crate::support::now());
    let mut b = Browser::new(&server);
    b.login(PASSWORD);
    let before = p.audit().len();
    for target in [
        "/admin/logout".to_string(),
        format!("/admin/clients/{c}/archive"),
        format!("/admin/clients/{c}/portal"),
        format!("/admin/appointments/{}/cancel", appt.id()),
        format!("/admin/appointments/{}/rotate?client={c}", appt.id()),
        format!("/admin/appointments/{}/remove?client={other}", appt.id()),
        "/admin/backup".to_string(),
    ] {
        let r = b.get(&target);
        assert!(r.status == 200 || r.status == 404, "{target}: {}", r.status);
    }
    assert_eq!(p.audit().len(), before, "a GET wrote to the audit trail");
    assert_eq!(p.state(&appt.link(0)), "open");
    assert_eq!(b.get("/admin").status, 200, "still signed in");
}

#[test]
fn backup_download_is_a_working_database() {
    let (p, server) = with_password(&[]);
    let (_, appt) = p.solo("Backed Up", crate::support::now());
    let mut b = Browser::new(&server);
    b.login(PASSWORD);
    let csrf = b.csrf();
    let r = b.post("/admin/backup", &[ORIGIN], &format!("csrf={csrf}"));
    assert_eq!(r.status, 200);
    assert!(r.header("Content-Disposition").is_some_and(|d| d.starts_with("attachment;")));
    assert!(r.body.as_bytes().starts_with(b"SQLite format 3\0"), "not a database");
    assert_eq!(p.audit_count("backup.download"), 1);
    let _ = appt;
}

#[test]
fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let (p, proxied) = with_password(&["--trust-proxy", "127.0.0.1", "--admin-from", "10.0.0.0/8"]);
    let lan = proxied.send_with("GET", "/admin", &[("X-Forwarded-For", "10.1.2.3")], None);
    assert_eq!((lan.status, lan.location()), (303, "/admin/login"));
    let internet = proxied.send_with("GET", "/admin", &[("X-Forwarded-For", "203.0.113.9")], None);
    assert_eq!(internet.status, 403);
    // A forged entry to the left of what the proxy appended changes nothing.
    let forged = proxied.send_with("GET", "/admin", &[("X-Forwarded-For", "10.1.2.3, 203.0.113.9")], None);
    assert_eq!(forged.status, 403);
    // Code failures are audited with the client's address, not the proxy's.
    proxied.send_with("POST", "/join", &[("X-Forwarded-For", "203.0.113.9")], Some("code=ZZZZ-ZZZZ"));
    assert_eq!(p.audit_addrs("code.failure"), ["203.0.113.9"]);
    drop(proxied);

    // Without --trust-proxy the header is ignored.
    let direct = Server::start_with(p.path(), false, &["--admin-from", "10.0.0.0/8"]);
    let r = direct.send_with("GET", "/admin", &[("X-Forwarded-For", "10.1.2.3")], None);
    assert_eq!(r.status, 403);
}

#[test]
fn https_public_url_adds_hsts_everywhere() {
    let (p, _) = with_password(&[]);
    p.set("public_url", "https://porch.example.org");
    let server = Server::start_with(p.path(), false, &[]);
    let public = [("Host", "porch.example.org")];
    for target in ["/join", "/admin/login", "/nope", "/assets/style.css"] {
        let r = server.send_with("GET", target, &public, None);
        assert_eq!(r.header("Strict-Transport-Security"), Some("max-age=31536000"), "{target}");
    }
    // Plain http on the LAN is not https, whatever public_url says.
    let r = server.send_with("GET", "/join", &[("Host", "porch.local:8080")], None);
    assert_eq!(r.header("Strict-Transport-Security"), None);
}

/// The `<input ...>` tag whose `id` is `id`, as sent.
fn input_tag<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!(r#"<input id="{id}""#)).unwrap_or_else(|| panic!("no input #{id} in {html}"));
    let len = html[start..].find('>').expect("tag ends");
    &html[start..=start + len]
}

#[test]
fn form_fields_carry_real_length_and_autocomplete_attributes() {
    let p = Practice::new();
    let setup = p.serve();
    let html = Browser::new(&setup).get("/admin/setup").body;
    let expect = |html: &str, id: &str, attrs: &[&str]| {
        let tag = input_tag(html, id);
        for attr in attrs {
            assert!(tag.contains(attr), "{id} lacks {attr}: {tag}");
        }
        assert!(!tag.contains("&quot;") && !tag.contains("&#"), "{id} has escaped markup: {tag}");
    };
    expect(&html, "f-code", &[r#" autocomplete="off""#, r#" autocapitalize="characters""#, r#" spellcheck="false""#]);
    expect(&html, "f-password", &[r#" autocomplete="new-password""#, r#" minlength="12""#, r#" maxlength="128""#]);
    expect(&html, "f-confirm", &[r#" autocomplete="new-password""#, " required"]);
    drop(setup);

    let (p, server) = with_password(&[]);
    let client = p.client("Ann Smith");
    let mut b = Browser::new(&server);
    expect(&b.get("/admin/login").body, "f-password", &[r#" autocomplete="current-password""#, " required"]);
    b.login(PASSWORD);
    let settings = b.get("/admin/settings").body;
    expect(&settings, "f-current", &[r#" autocomplete="current-password""#]);
    expect(&settings, "f-new", &[r#" autocomplete="new-password""#, r#" minlength="12""#, r#" maxlength="128""#]);
    for page in ["/admin/clients".to_string(), format!("/admin/clients/{client}")] {
        let html = b.get(&page).body;
        expect(&html, "f-name", &[r#" maxlength="100""#, r#" autocomplete="off""#, " required"]);
        expect(&html, "f-email", &[r#" autocomplete="off""#]);
    }
    let new = b.get("/admin/appointments/new").body;
    expect(&new, "f-minutes", &[r#" min="1""#, r#" max="720""#, " required"]);
}
