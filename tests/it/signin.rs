//! The person at the machine gets past a guest's guessing: the sign-in link
//! of `porchlight admin signin-link` and `admin password` gives one browser
//! a device cookie, and the setup code printed by `serve` is never made to
//! wait for wrong ones. A guest floods from rotating addresses
//! (127.0.0.2 ...), as in `guessing`.

use crate::clinician::{Browser, ORIGIN, PASSWORD, csrf_of, with_password};
use crate::guessing::{DEVICE, assert_waits, host};
use crate::support::{Practice, Response, Server, minutes, now, time};

const GONE: &str = "That sign-in link has expired; run admin signin-link again";

/// A guest guesses `n` wrong passwords from three addresses in turn;
/// how many were refused with a wait.
fn guess_everywhere(server: &Server, n: u8) -> usize {
    (0..n)
        .map(|i| Browser::from(server, host(2 + i % 3)).login(&format!("wrong guess number {i}")))
        .inspect(|r| assert!(r.status == 200 || r.status == 429, "{}", r.status))
        .filter(|r| r.status == 429)
        .count()
}

/// The base of every link in these tests.
const BASE: &str = "http://porch.lan:8080";

/// A practice whose links start with [`BASE`], with an admin password,
/// and its server.
fn practice() -> (Practice, Server) {
    let (p, server) = with_password(&[]);
    p.set("public_url", BASE);
    (p, server)
}

/// The path and query of a sign-in link, which starts with the practice's
/// base, as every link it prints.
#[track_caller]
fn target_of(url: &str) -> String {
    let target = url.strip_prefix(BASE).unwrap_or_else(|| panic!("base of {url}"));
    assert!(target.starts_with("/admin/login?grant="), "{url}");
    target.to_string()
}

/// The sign-in link in what `admin password` printed.
#[track_caller]
fn printed_link(stdout: &str) -> String {
    let url = stdout.split_whitespace().find(|w| w.starts_with(BASE)).unwrap_or_else(|| panic!("{stdout}"));
    url.to_string()
}

#[track_caller]
fn assert_gone(r: &Response) {
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains(GONE), "{}", r.text());
    assert!(r.text().contains("Admin password"), "the login form is still there: {}", r.text());
    assert!(!r.set_cookies().iter().any(|c| c.starts_with(&format!("{DEVICE}="))), "{:?}", r.headers);
}

#[test]
fn a_sign_in_link_lets_a_new_browser_in_while_a_guest_guesses() {
    let (p, server) = practice();
    let link = p.json(&["admin", "signin-link"]);
    let expires = time(&link["expires_at"]) - now();
    assert!(expires > minutes(14) && expires <= minutes(15), "{expires}");
    let target = target_of(link["url"].as_str().expect("url"));
    assert_eq!(link["path"].as_str(), Some(target.as_str()), "the path for another address of the box");
    let text = p.run(&["admin", "signin-link"]);
    for words in ["valid 15 minutes", "waits caused by others' wrong passwords", "password is still needed"] {
        assert!(text.ok().stdout.contains(words), "{}", text.stdout);
    }

    assert!(guess_everywhere(&server, 12) >= 8, "the guest keeps unknown browsers waiting");
    Browser::from(&server, host(4)).login("one more wrong guess");
    let waiting = Browser::new(&server).login(PASSWORD);
    assert_waits(&waiting);
    let data = std::fs::canonicalize(p.path()).expect("data dir");
    let way_out = format!("--data {} admin signin-link", data.display());
    assert!(waiting.text().contains(&way_out), "the way out, as it works here: {}", waiting.text());

    // The browser that opens the link gets a device cookie of its own and
    // the login page, without the grant in its address bar.
    let mut clinician = Browser::new(&server);
    let opened = clinician.get(&target);
    assert_eq!((opened.status, opened.location()), (303, "/admin/login"), "{}", opened.text());
    opened.assert_private();
    let set = opened.set_cookies().into_iter().find(|c| c.starts_with(&format!("{DEVICE}="))).expect("device cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age="] {
        assert!(set.contains(attr), "{set}");
    }
    Browser::from(&server, host(2)).login("and another wrong guess");
    let r = clinician.login(PASSWORD);
    assert_eq!((r.status, r.location()), (303, "/admin"), "{}", r.text());
    assert_eq!(clinician.get("/admin").status, 200);

    // The link works once: another browser that opens it is told so, and
    // waits like every unknown browser.
    let mut other = Browser::new(&server);
    assert_gone(&other.get(&target));
    Browser::from(&server, host(3)).login("yet another wrong guess");
    assert_waits(&other.login(PASSWORD));
    // A device cookie is no grant, and a made-up grant gets the same words.
    let device = set.split(';').next().and_then(|c| c.split_once('=')).expect("name=value").1;
    assert_gone(&other.get(&format!("/admin/login?grant={device}")));
    assert_gone(&other.get("/admin/login?grant=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    assert_gone(&other.get("/admin/login?grant="));

    // The grant is in no log and no audit entry; its use is logged.
    let grant = target.split_once("grant=").expect("grant").1;
    let log = server.stderr();
    assert!(!log.contains(grant), "{log}");
    assert_eq!(log.matches("admin sign-in link used from 127.0.0.1").count(), 1, "{log}");
    assert!(!serde_json::to_string(&p.audit()).expect("json").contains(grant));
}

#[test]
fn a_new_password_comes_with_a_sign_in_link_and_ends_the_old_ones() {
    let (p, server) = practice();
    let old = target_of(p.json(&["admin", "signin-link"])["url"].as_str().expect("url"));
    let new_password = "a brand new harbour at noon";
    let out = p.run_stdin(&["admin", "password"], &format!("{new_password}\n"));
    assert!(out.ok().stdout.contains("valid 15 minutes"), "{}", out.stdout);
    let new = target_of(&printed_link(&out.stdout));

    assert!(guess_everywhere(&server, 12) >= 8, "the guest keeps unknown browsers waiting");
    let mut stale = Browser::new(&server);
    assert_gone(&stale.get(&old));
    let mut fresh = Browser::new(&server);
    assert_eq!(fresh.get(&new).status, 303);
    assert_gone(&fresh.get(&new));
    Browser::from(&server, host(4)).login("one more wrong guess");
    let r = fresh.login(new_password);
    assert_eq!((r.status, r.location()), (303, "/admin"), "{}", r.text());
    assert_waits(&stale.login(new_password));
}

#[test]
fn a_sign_in_link_needs_a_password_first() {
    let p = Practice::new();
    p.run(&["admin", "signin-link"]).fails(1, &["no admin password is set yet", "porchlight admin password"]);
}

#[test]
fn the_setup_code_gets_in_while_a_guest_floods_wrong_ones() {
    let p = Practice::new();
    let server = p.serve();
    let printed = server.all_printed(std::time::Duration::from_millis(500));
    let code = printed.iter().find_map(|l| l.strip_prefix("admin setup code: ")).expect("setup code").to_string();
    let pw = PASSWORD.replace(' ', "+");
    let setup = |b: &mut Browser<'_>, code: &str| {
        let csrf = csrf_of(&b.get("/admin/setup"));
        b.post("/admin/setup", &[ORIGIN], &format!("csrf={csrf}&code={code}&password={pw}&confirm={pw}"))
    };
    let mut refused = 0;
    for i in 0..12 {
        let r = setup(&mut Browser::from(&server, host(2 + i % 3)), "AAAA-BBBB-CCCC");
        assert!(r.status == 200 || r.status == 429, "{}", r.status);
        refused += usize::from(r.status == 429);
    }
    assert!(refused >= 8, "wrong codes wait ({refused} of 12 refused)");
    assert_eq!(p.audit_count("admin.setup_failure"), 4, "three free, then a wait");

    // A wrong code from a new browser still waits; the right one does not.
    setup(&mut Browser::from(&server, host(4)), "CCCC-BBBB-AAAA");
    assert_waits(&setup(&mut Browser::new(&server), "AAAA-CCCC-BBBB"));
    let mut operator = Browser::new(&server);
    let r = setup(&mut operator, &code);
    assert_eq!((r.status, r.location()), (303, "/admin"), "{}", r.text());
    assert_eq!(operator.get("/admin").status, 200);
}

#[test]
fn with_an_internet_public_url_the_link_is_given_at_the_practice_name_too() {
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], "a password for the link test\n").ok();
    p.set("public_url", "https://porch.example.org");
    p.set("allowed_hosts", "porch.lan");
    let link = p.json(&["admin", "signin-link"]);
    let at = link["at_names"].as_array().expect("at_names");
    assert_eq!(at.len(), 1, "{link}");
    let path = link["path"].as_str().expect("path");
    assert_eq!(at[0].as_str(), Some(format!("https://porch.lan{path}").as_str()));
    let text = p.run(&["admin", "signin-link"]).stdout;
    assert!(text.contains("https://porch.lan/admin/login?grant="), "{text}");
}
