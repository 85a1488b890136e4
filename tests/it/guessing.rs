//! Password guessing from the practice network: a guest on the LAN must
//! not lock the clinician out, nor take the server's memory or its client
//! pages with a flood of logins. Other loopback addresses (127.0.0.2 ...)
//! play other hosts.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::clinician::{Browser, Clinician, ORIGIN, PASSWORD, csrf_of, with_password};
use crate::support::{Response, Server};

/// The device cookie a browser gets at sign-in.
pub const DEVICE: &str = "porchlight_device";

/// POST `form` to `target`, from `from` or wherever the system picks.
fn post_from(server: &Server, from: Option<IpAddr>, target: &str, headers: &[(&str, &str)], form: &str) -> Response {
    match from {
        Some(ip) => server.send_from(&ip.to_string(), "POST", target, headers, Some(form)),
        None => server.send_with("POST", target, headers, Some(form)),
    }
}

/// Another host on the LAN.
pub fn host(n: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, n])
}

/// The form of a login with `password`, bound to `browser`'s pre-session
/// cookie.
fn login_form(browser: &mut Browser<'_>, password: &str) -> String {
    let csrf = csrf_of(&browser.get("/admin/login"));
    format!("csrf={csrf}&password={}", password.replace(' ', "+"))
}

/// Send the same POST `n` times at once from `from` with `browser`'s
/// cookies; the statuses.
fn at_once(
    server: &Server,
    from: Option<IpAddr>,
    browser: &Browser<'_>,
    n: usize,
    target: &str,
    form: &str,
) -> Vec<u16> {
    let cookies = browser.cookie_header();
    let headers = [ORIGIN, ("Cookie", cookies.as_str())];
    std::thread::scope(|s| {
        let sent: Vec<_> = (0..n).map(|_| s.spawn(|| post_from(server, from, target, &headers, form).status)).collect();
        sent.into_iter().map(|h| h.join().expect("request thread")).collect()
    })
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|&&s| s == status).count()
}

#[track_caller]
pub fn assert_waits(r: &Response) {
    assert_eq!(r.status, 429, "{}", r.text());
    let wait: u64 = r.header("Retry-After").expect("Retry-After").parse().expect("seconds");
    assert!(wait >= 1, "{wait}");
    assert!(r.text().contains("Too many wrong tries"), "{}", r.text());
}

#[test]
fn a_guest_guessing_from_rotating_addresses_does_not_lock_out_a_known_browser() {
    let (p, server) = with_password(&[]);
    let mut clinician = Browser::new(&server);
    let first = clinician.login(PASSWORD);
    assert_eq!(first.status, 303);
    let set = first.set_cookies().into_iter().find(|c| c.starts_with(&format!("{DEVICE}="))).expect("device cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age="] {
        assert!(set.contains(attr), "{set}");
    }

    // A guest guesses from one address after another, as fast as the
    // server answers.
    let mut refused = 0;
    for i in 0..12 {
        let mut guest = Browser::from(&server, host(2 + i % 3));
        let r = guest.login(&format!("wrong guess number {i}"));
        assert!(r.status == 200 || r.status == 429, "{}", r.status);
        refused += usize::from(r.status == 429);
    }
    assert!(refused >= 8, "guessing is slowed down for everyone ({refused} of 12 refused)");
    assert_eq!(p.audit_count("admin.login_failure"), 4, "three free guesses, then a wait");

    // The clinician's browser, known from an earlier sign-in, gets in at once.
    let r = clinician.login(PASSWORD);
    assert_eq!((r.status, r.location()), (303, "/admin"), "{}", r.text());
    assert_eq!(clinician.get("/admin").status, 200);
    // The guess goes on; a browser the server does not know waits like
    // the guest, even on the clinician's own machine with the right password.
    Browser::from(&server, host(4)).login("one more wrong guess");
    assert_waits(&Browser::new(&server).login(PASSWORD));
    // A made-up device cookie is no better.
    let mut forger = Browser::from(&server, host(5));
    let form = login_form(&mut forger, PASSWORD);
    let cookies =
        format!("{}; {DEVICE}=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", forger.cookie_header());
    let r =
        server.send_from(&host(5).to_string(), "POST", "/admin/login", &[ORIGIN, ("Cookie", &cookies)], Some(&form));
    assert_waits(&r);
}

#[test]
fn parallel_guesses_after_the_free_ones_get_one_password_check() {
    let (p, server) = with_password(&[]);
    let mut guest = Browser::from(&server, host(7));
    for _ in 0..3 {
        assert_eq!(guest.login("not the password at all").status, 200);
    }
    let form = login_form(&mut guest, "still not the password");
    let statuses = at_once(&server, Some(host(7)), &guest, 8, "/admin/login", &form);
    assert_eq!((count(&statuses, 200), count(&statuses, 429)), (1, 7), "{statuses:?}");
    assert_eq!(p.audit_count("admin.login_failure"), 4, "one more password check, not eight");
    let log = server.stderr();
    assert_eq!(log.matches("admin login failure from 127.0.0.7").count(), 4, "{log}");
}

#[test]
fn a_wrong_current_password_is_throttled_and_audited_like_a_login() {
    let (p, server) = with_password(&[]);
    let mut c = Clinician::sign_in(&server);
    let new = "a different harbour at dawn".replace(' ', "+");
    let change = |current: &str| format!("current={}&new={new}&confirm={new}", current.replace(' ', "+"));
    for _ in 0..3 {
        let r = c.post("/admin/password", &change("a wrong current password"));
        assert_eq!(r.status, 400);
        assert!(r.text().contains("That is not the current password."), "{}", r.text());
    }
    let form = format!("csrf={}&{}", c.csrf, change("another wrong one"));
    let statuses = at_once(&server, None, &c.browser, 6, "/admin/password", &form);
    assert_eq!((count(&statuses, 400), count(&statuses, 429)), (1, 5), "{statuses:?}");
    // Now even the right current password waits, and so does a login
    // from this browser: one throttle for both.
    assert_waits(&c.post("/admin/password", &change(PASSWORD)));
    assert_waits(&c.browser.login(PASSWORD));
    assert_eq!(p.audit_addrs("admin.password_failure"), ["127.0.0.1"; 4]);
    assert_eq!(p.audit_count("admin.password"), 1, "only the password set before the server started");
    let log = server.stderr();
    assert_eq!(log.matches("admin password change failure from 127.0.0.1").count(), 4, "{log}");
    assert!(!log.contains("wrong current") && !log.contains("another wrong"), "{log}");
}

/// Resident memory of a process, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process status");
    let kb = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).expect("VmRSS");
    kb.trim().trim_end_matches("kB").trim().parse::<u64>().expect("kB") * 1024
}

#[test]
fn bursts_of_logins_leave_no_memory_behind() {
    const BROWSERS: usize = 16;
    const EACH: usize = 3;
    let (p, server) = with_password(&[]);
    let mut browsers: Vec<Browser<'_>> = (0..BROWSERS).map(|_| Browser::new(&server)).collect();
    for b in &mut browsers {
        assert_eq!(b.login(PASSWORD).status, 303);
    }
    let began = Instant::now();
    let mut statuses = vec![];
    for _ in 0..8 {
        let forms: Vec<String> = browsers.iter_mut().map(|b| login_form(b, PASSWORD)).collect();
        let burst = std::thread::scope(|s| {
            let sent: Vec<_> = browsers
                .iter()
                .zip(&forms)
                .flat_map(|(b, form)| std::iter::repeat_n((b.cookie_header(), form), EACH))
                .map(|(cookies, form)| {
                    let server = &server;
                    s.spawn(move || {
                        server.send_with("POST", "/admin/login", &[ORIGIN, ("Cookie", &cookies)], Some(form)).status
                    })
                })
                .collect();
            sent.into_iter().map(|h| h.join().expect("login thread")).collect::<Vec<u16>>()
        });
        assert!(count(&burst, 303) >= 1, "{burst:?}");
        statuses.extend(burst);
    }
    // The hasher keeps its memory for a moment after the last job.
    let quiet = Instant::now();
    let mut after = rss(server.pid());
    while after >= 32_000_000 && quiet.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(250));
        after = rss(server.pid());
    }
    eprintln!(
        "8 bursts of {} logins in {:?}: {} signed in, {} busy, {} waited; RSS {:.1} MB",
        BROWSERS * EACH,
        began.elapsed(),
        count(&statuses, 303),
        count(&statuses, 503),
        count(&statuses, 429),
        after as f64 / 1e6
    );
    assert!(statuses.iter().all(|s| [303, 429, 503].contains(s)), "{statuses:?}");
    assert!(after < 32_000_000, "RSS {:.1} MB 5 s after the bursts", after as f64 / 1e6);
    assert_eq!(p.audit_count("admin.login_failure"), 0);
    server.assert_healthy();
}

#[test]
fn client_pages_keep_their_latency_during_a_login_flood() {
    const FLOODERS: usize = 8;
    const FLOOD: Duration = Duration::from_secs(4);
    let (p, server) = with_password(&[]);
    let (_, appt) = p.solo("Steady Client", crate::support::now());
    let page = format!("/v/{}", appt.token(0));
    assert_eq!(server.get(&page).status, 200);
    let mut flooders: Vec<Browser<'_>> = (0..FLOODERS).map(|_| Browser::new(&server)).collect();
    for b in &mut flooders {
        assert_eq!(b.login(PASSWORD).status, 303);
    }
    let began = Instant::now();
    let (mut took, logins) = std::thread::scope(|s| {
        let flood: Vec<_> = flooders
            .iter_mut()
            .map(|b| {
                s.spawn(move || {
                    let mut n = 0;
                    while began.elapsed() < FLOOD {
                        let r = b.login(PASSWORD);
                        assert!([303, 429, 503].contains(&r.status), "{}", r.status);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut took = vec![];
        std::thread::sleep(Duration::from_millis(200));
        while began.elapsed() < FLOOD - Duration::from_millis(200) {
            let t = Instant::now();
            assert_eq!(server.get(&page).status, 200);
            took.push(t.elapsed());
        }
        (took, flood.into_iter().map(|h| h.join().expect("flood thread")).sum::<usize>())
    });
    took.sort();
    let p99 = took[took.len() * 99 / 100];
    eprintln!(
        "{logins} logins; {} page views: median {:?}, p99 {p99:?}, max {:?}",
        took.len(),
        took[took.len() / 2],
        took[took.len() - 1]
    );
    assert!(logins >= FLOODERS, "the flood ran");
    assert!(p99 < Duration::from_millis(200), "p99 {p99:?}");
}
