//! Durability under SIGKILL: writers create appointments through the
//! command line and through the admin form while the server (and the
//! command in flight) is killed at a random moment, again and again. Every
//! appointment that was acknowledged (exit 0 with its JSON, or the form's
//! 303 to its page) must be there afterwards, the database must pass `integrity_check`, and the audit
//! chain must still verify.
//!
//! CI runs a few cycles; `make torture` runs 1000
//! (`PORCHLIGHT_TORTURE_CYCLES`).

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::{BIN, Practice, Response, request_with, try_send};

const PASSWORD: &str = "torture test password";

fn cycles() -> usize {
    std::env::var("PORCHLIGHT_TORTURE_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(4)
}

/// A small xorshift generator: the kill moments need no cryptography.
struct Dice(u64);

impl Dice {
    fn new() -> Dice {
        Dice(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.as_nanos() as u64) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Sign in through the form; the cookie header value and the CSRF token.
fn sign_in(addr: std::net::SocketAddr) -> (String, String) {
    let page = try_send(addr, &request_with("GET", b"/admin/login", &[], None)).expect("login page");
    let pre = page.set_cookies()[0].split(';').next().expect("cookie").to_string();
    let csrf = csrf_of(&page);
    let form = format!("csrf={csrf}&password={}", PASSWORD.replace(' ', "+"));
    let r = try_send(
        addr,
        &request_with("POST", b"/admin/login", &[("Cookie", &pre), ("Origin", "http://127.0.0.1")], Some(&form)),
    )
    .expect("login");
    let session = r.set_cookies().iter().find(|c| c.starts_with("porchlight_admin=")).expect("session").to_string();
    let session = session.split(';').next().expect("pair").to_string();
    let dash = try_send(addr, &request_with("GET", b"/admin", &[("Cookie", &session)], None)).expect("dashboard");
    (session, csrf_of(&dash))
}

fn csrf_of(page: &Response) -> String {
    let at = page.body.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    page.body[at..at + page.body[at..].find('"').expect("quote")].to_string()
}

/// When the torture's appointments take place (UTC, far from now).
const DAY: &str = "2027-01-15";

/// Create appointments with the command line until told to stop; the
/// command in flight is killed with SIGKILL when `crash` is raised.
fn cli_writer(data: String, client: i64, crash: Arc<AtomicBool>, acked: Arc<Mutex<Vec<i64>>>) {
    let (client, start) = (client.to_string(), format!("{DAY}T09:00:00Z"));
    loop {
        let mut child = Command::new(BIN)
            .args(["--data", &data, "appt", "add", "--client", &client, "--start", &start, "--minutes", "50", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        loop {
            if crash.load(Ordering::SeqCst) {
                let _ = child.kill();
                let _ = child.wait();
                return;
            }
            if let Some(status) = child.try_wait().expect("wait") {
                let mut out = String::new();
                if let Some(mut stdout) = child.stdout.take() {
                    let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
                }
                let id = serde_json::from_str::<serde_json::Value>(&out).ok().and_then(|v| v["id"].as_i64());
                if let (true, Some(id)) = (status.success(), id) {
                    acked.lock().expect("lock").push(id);
                }
                break;
            }
            thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Create appointments through the admin form until the server stops
/// answering; the 303 names the new appointment. They all overlap, so
/// each is confirmed as the clinician would: the form comes back with a
/// `confirm` field, sent with the same time.
fn web_writer(addr: std::net::SocketAddr, cookie: String, csrf: String, client: i64, acked: Arc<Mutex<Vec<i64>>>) {
    let plain = format!("csrf={csrf}&client={client}&date={DAY}&time=11:00&minutes=50");
    let mut form = plain.clone();
    let headers = [("Cookie", cookie.as_str()), ("Origin", "http://127.0.0.1")];
    loop {
        match try_send(addr, &request_with("POST", b"/admin/appointments", &headers, Some(&form))) {
            Ok(r) if r.status == 200 && r.body.contains("name=\"confirm\"") => {
                let value = r.body.split("name=\"confirm\" value=\"").nth(1).and_then(|v| v.split('"').next());
                form = format!("{plain}&confirm={}", value.expect("the confirm field's value"));
            }
            Ok(r) if r.status == 303 => {
                let id = r
                    .location()
                    .trim_start_matches("/admin/appointments/")
                    .split('?')
                    .next()
                    .and_then(|i| i.parse().ok());
                acked.lock().expect("lock").push(id.expect("the 303 names the appointment"));
            }
            Ok(r) => panic!("the form answered {}", r.status),
            Err(_) => return,
        }
    }
}

#[test]
fn acknowledged_writes_survive_sigkill_of_server_and_command_line() {
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], &format!("{PASSWORD}\n")).ok();
    let data = p.path().to_str().expect("utf-8 path").to_string();
    let client = p.client("Tortured Client");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut dice = Dice::new();
    let mut session: Option<(String, String)> = None;
    let started = Instant::now();
    let total = cycles();
    for _ in 0..total {
        let server = p.serve();
        let addr = server.addr;
        // Sessions live in the database, so one sign-in outlives the crashes.
        let (cookie, csrf) = session.get_or_insert_with(|| sign_in(addr)).clone();
        let crash = Arc::new(AtomicBool::new(false));
        let cli = {
            let (data, crash, acked) = (data.clone(), crash.clone(), acked.clone());
            thread::spawn(move || cli_writer(data, client, crash, acked))
        };
        let web = {
            let acked = acked.clone();
            thread::spawn(move || web_writer(addr, cookie, csrf, client, acked))
        };
        thread::sleep(Duration::from_millis(30 + dice.below(250)));
        crash.store(true, Ordering::SeqCst);
        server.crash();
        cli.join().expect("cli writer");
        web.join().expect("web writer");
    }

    let server = p.serve();
    server.assert_healthy();
    let list = p.json(&["appt", "list", "--from", "2027-01-01T00:00:00Z", "--to", "2027-02-01T00:00:00Z"]);
    let ids: std::collections::HashSet<i64> =
        list.as_array().expect("array").iter().filter_map(|a| a["id"].as_i64()).collect();
    let acked = acked.lock().expect("lock");
    let lost: Vec<&i64> = acked.iter().filter(|id| !ids.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost after SIGKILL: {lost:?}");
    let db = rusqlite::Connection::open(p.path().join("porchlight.db")).expect("db");
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(check, "ok");
    let verify = p.run(&["audit", "verify"]);
    assert_eq!(verify.code, 0, "audit chain after crashes: {} {}", verify.stdout, verify.stderr);
    assert!(acked.len() >= total, "the writers made too little progress: {}", acked.len());
    eprintln!(
        "torture: {total} SIGKILL cycles, {} acknowledged writes, none lost, integrity ok, audit chain intact ({:.1} s)",
        acked.len(),
        started.elapsed().as_secs_f64()
    );
}
