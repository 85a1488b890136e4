//! Durability under SIGKILL: writers add clients through the command line
//! and through the admin form while the server (and the command in
//! flight) is killed at a random moment, again and again. Every write that
//! was acknowledged (exit 0 with its JSON, or the form's 303) must be there
//! afterwards, the database must pass `integrity_check`, and the audit
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

/// Add clients with the command line until told to stop; the command in
/// flight is killed with SIGKILL when `crash` is raised.
fn cli_writer(data: String, cycle: usize, crash: Arc<AtomicBool>, acked: Arc<Mutex<Vec<String>>>) {
    for n in 0.. {
        let name = format!("cli {cycle} {n}");
        let mut child = Command::new(BIN)
            .args(["--data", &data, "client", "add", "--name", &name, "--json"])
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
                if status.success() && out.contains(&name) {
                    acked.lock().expect("lock").push(name);
                }
                break;
            }
            thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Add clients through the admin form until the server stops answering.
fn web_writer(addr: std::net::SocketAddr, cookie: String, csrf: String, cycle: usize, acked: Arc<Mutex<Vec<String>>>) {
    for n in 0.. {
        let name = format!("web {cycle} {n}");
        let form = format!("csrf={csrf}&name={}", name.replace(' ', "+"));
        let req = request_with(
            "POST",
            b"/admin/clients",
            &[("Cookie", &cookie), ("Origin", "http://127.0.0.1")],
            Some(&form),
        );
        match try_send(addr, &req) {
            Ok(r) if r.status == 303 => acked.lock().expect("lock").push(name),
            Ok(r) => panic!("the form answered {} for {name}", r.status),
            Err(_) => return,
        }
    }
}

#[test]
fn acknowledged_writes_survive_sigkill_of_server_and_command_line() {
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], &format!("{PASSWORD}\n")).ok();
    let data = p.path().to_str().expect("utf-8 path").to_string();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut dice = Dice::new();
    let mut session: Option<(String, String)> = None;
    let started = Instant::now();
    let total = cycles();
    for cycle in 0..total {
        let server = p.serve();
        let addr = server.addr;
        // Sessions live in the database, so one sign-in outlives the crashes.
        let (cookie, csrf) = session.get_or_insert_with(|| sign_in(addr)).clone();
        let crash = Arc::new(AtomicBool::new(false));
        let cli = {
            let (data, crash, acked) = (data.clone(), crash.clone(), acked.clone());
            thread::spawn(move || cli_writer(data, cycle, crash, acked))
        };
        let web = {
            let acked = acked.clone();
            thread::spawn(move || web_writer(addr, cookie, csrf, cycle, acked))
        };
        thread::sleep(Duration::from_millis(30 + dice.below(250)));
        crash.store(true, Ordering::SeqCst);
        server.crash();
        cli.join().expect("cli writer");
        web.join().expect("web writer");
    }

    let server = p.serve();
    server.assert_healthy();
    let list = p.json(&["client", "list"]);
    let names: Vec<&str> = list.as_array().expect("array").iter().filter_map(|c| c["name"].as_str()).collect();
    let acked = acked.lock().expect("lock");
    let lost: Vec<&String> = acked.iter().filter(|n| !names.contains(&n.as_str())).collect();
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
