//! The HTTP server: our own HTTP/1.1 connections, a pool of database connections.
//!
//! [`start`] opens the data directory, binds the listeners (`--listen`, and
//! `--public-listen`, which never serves the admin pages), seeds the demo
//! if asked, checks the database's integrity on its own thread (writes
//! wait for it; damage stops the server), and starts the event loop
//! (`events.rs`: workers, two per core, answer the client pages' reads; any
//! request that may wait gets a thread of its own, `conn.rs`). Requests
//! are answered with pooled database connections (`pool.rs`): `workers` of them for
//! the event loop, as many again for the threads, so a thread that waits
//! (on a synced write, on argon2) never holds up a client page. One more
//! thread runs argon2 for every login (`auth::hasher`), one writes batched
//! page views and the clock mark, another sends mail from the outbox, and
//! with `--backup-dir` one takes the nightly backups (`backups.rs`).

pub mod backups;
pub mod canon;
pub mod conn;
mod events;
pub mod http;
pub mod limit;
pub mod limits;
mod pool;
pub mod presence;
pub mod reader;
mod router;
mod slots;
pub mod views;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::auth::Policy;
use crate::auth::hasher::Hasher;
use crate::auth::throttle::LoginThrottle;
use crate::error::{Error, Result};
use crate::net::Cidr;
use crate::pages::Pages;
use crate::store::Store;
use crate::store::integrity::Integrity;
use crate::token::{self, Keyring};
use http::{Req, Resp};
pub use pool::Lease;
use pool::Pool;
pub(crate) use pool::mark_event_loop_thread;

/// What `serve` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// A second listener for the outside (a tunnel, an internet-facing
    /// proxy): client pages and the room, never the admin pages.
    pub public_listen: Option<SocketAddr>,
    pub data: PathBuf,
    pub demo: bool,
    pub workers: usize,
    /// Addresses the admin pages answer to.
    pub admin_from: Vec<Cidr>,
    /// Admin session lifetimes.
    pub sessions: Policy,
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto` are believed.
    pub trust_proxy: Vec<Cidr>,
    /// Longest sleep of the mail sender between looks at the outbox.
    pub mail_poll: Duration,
    /// Nightly backups, if asked for.
    pub backups: Option<backups::Plan>,
}

/// What every worker shares.
pub struct Shared {
    pub keys: Arc<Keyring>,
    pub pages: Pages,
    pub limiter: limit::CodeLimiter,
    pub views: views::ViewLog,
    /// The one-time admin setup code, while no admin password is set;
    /// taken when used.
    pub setup_code: Mutex<Option<String>>,
    pub presence: presence::Presence,
    /// Who is in which built-in video room, and their messages.
    pub hub: crate::video::hub::Hub,
    pub logins: LoginThrottle,
    /// Sign-in links already exchanged for a device cookie.
    pub grants: crate::auth::grant::Redeemed,
    /// Every argon2 runs on its thread, one at a time: a login flood
    /// cannot take every core, nor memory per thread.
    pub hasher: Hasher,
    pub admin_from: Vec<Cidr>,
    pub sessions: Policy,
    pub trust_proxy: Vec<Cidr>,
    /// Where the database lives, for backups taken from the admin page.
    pub data: PathBuf,
    /// The command that works on this server's data from this machine,
    /// for pages and notes that tell the clinician what to run
    /// (`porchlight --data /var/lib/porchlight`).
    pub cli: String,
    /// Where the admin pages surely answer: this machine's first network
    /// address, or the loopback address it listens on.
    pub admin_url: String,
    /// "Now" never goes back past the highest time seen.
    pub clock: crate::clock::Guard,
    /// Wakes the mail sender early.
    pub mail: crate::mail::sender::Wake,
    /// The database connections the event loop answers with.
    quick: Pool,
    /// The database connections of requests on threads of their own.
    apps: Pool,
    /// How the nightly backups stand, for the dashboard.
    pub backups: Mutex<backups::Status>,
}

/// A started server.
pub struct Running {
    url: String,
    /// Where the server can be reached from this machine.
    addr: SocketAddr,
    /// The event loop's workers.
    acceptors: Vec<JoinHandle<()>>,
    flusher: Option<JoinHandle<()>>,
    /// Sweeps the built-in rooms for people who went silent.
    sweeper: Option<JoinHandle<()>>,
    sender: Option<JoinHandle<()>>,
    backer: Option<JoinHandle<()>>,
    checker: Option<JoinHandle<()>>,
    integrity: Arc<Integrity>,
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
    demo: Option<String>,
    /// Where other devices reach it, when it listens on every address.
    reachable: Vec<String>,
    /// `http://HOST:PORT` of the public listener, if there is one.
    public_url: Option<String>,
    notes: Vec<String>,
}

pub fn start(config: Config) -> Result<Running> {
    let mut app = App::open(&config.data)?;
    let listener = TcpListener::bind(config.listen)
        .map_err(|e| Error::internal(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener.local_addr()?;
    let public = match config.public_listen {
        Some(at) => Some(
            TcpListener::bind(at)
                .map_err(|e| Error::internal(format!("cannot listen on {at} (--public-listen): {e}")))?,
        ),
        None => None,
    };
    let public_url = match &public {
        Some(l) => Some(format!("http://{}", l.local_addr()?)),
        None => None,
    };
    let shown =
        if addr.ip().is_unspecified() { SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port()) } else { addr };
    let url = format!("http://{shown}");

    let mark = app.store.clock_mark()?;
    let clock = crate::clock::Guard::new(mark);
    let now = clock.now(Utc::now()).now;
    // The demo seeds a new, small database: check it before seeding. A
    // practice's database is checked while the server already answers.
    let integrity = if config.demo {
        check_then_mark(&mut app, &config.data, &url, now).map_err(Error::internal)?;
        Arc::new(Integrity::passed())
    } else {
        Arc::new(Integrity::default())
    };
    let demo = if config.demo {
        let d = crate::demo::seed(&mut app, now)?;
        Some(d.describe(&app.base_url()?))
    } else {
        None
    };
    let reachable = reachable_urls(addr);
    let cli = command_line(&config.data);
    let mut notes = vec![];
    if addr.ip().is_unspecified() && app.settings()?.public_url.is_none() {
        let other =
            reachable.first().cloned().unwrap_or_else(|| format!("http://ADDRESS-OF-THIS-MACHINE:{}", addr.port()));
        notes.push(format!(
            "note: links will start with {url}, which only this machine can open; for other devices run: \
             {cli} settings set public_url {other}"
        ));
    }
    let setup_code = match app.store.admin_password_hash()? {
        Some(_) => None,
        None => Some(setup_code()),
    };

    let store = || Store::open(&config.data).map(|s| s.gated(integrity.clone()));
    // Every pooled connection counts the same repeated client actions.
    let repeats = Arc::new(crate::app::Repeats::default());
    let pool = || -> Result<Pool> {
        let apps = (0..config.workers.max(1))
            .map(|_| Ok(App::with(store()?, app.keys.clone()).sharing_repeats(repeats.clone())));
        Ok(Pool::new(apps.collect::<Result<_>>()?))
    };
    let shared = Arc::new(Shared {
        keys: app.keys.clone(),
        pages: Pages::new(),
        limiter: limit::CodeLimiter::default(),
        views: views::ViewLog::default(),
        setup_code: Mutex::new(setup_code),
        presence: presence::Presence::default(),
        hub: crate::video::hub::Hub::from_env(),
        logins: LoginThrottle::default(),
        grants: Default::default(),
        hasher: Hasher::start()?,
        admin_from: config.admin_from.clone(),
        sessions: config.sessions,
        trust_proxy: config.trust_proxy.clone(),
        data: config.data.clone(),
        cli: cli.clone(),
        admin_url: format!("{}/admin", reachable.first().unwrap_or(&url)),
        clock,
        mail: crate::mail::sender::Wake::default(),
        quick: pool()?,
        apps: pool()?,
        backups: Mutex::new(backups::Status { plan: config.backups.clone(), ..Default::default() }),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let listeners: Vec<(TcpListener, bool)> =
        std::iter::once((listener, false)).chain(public.map(|l| (l, true))).collect();
    let acceptors =
        events::start(&listeners, shared.clone(), stop.clone(), conn::Handler { serve: answer, quick: router::quick })?;
    let flusher = {
        let (store, shared, stop) = (store()?, shared.clone(), stop.clone());
        Some(std::thread::Builder::new().name("views".into()).spawn(move || flush_views(store, &shared, &stop))?)
    };
    let sweeper = {
        let (shared, stop) = (shared.clone(), stop.clone());
        Some(std::thread::Builder::new().name("rooms".into()).spawn(move || sweep_rooms(&shared, &stop))?)
    };
    let sender = {
        let (app, shared, stop) = (App::with(store()?, app.keys.clone()), shared.clone(), stop.clone());
        let idle = config.mail_poll;
        Some(std::thread::Builder::new().name("mail".into()).spawn(move || {
            let sender = crate::mail::sender::Sender {
                app,
                pages: &shared.pages,
                clock: &shared.clock,
                wake: &shared.mail,
                idle,
            };
            sender.run(&stop)
        })?)
    };
    let backer = match config.backups.clone() {
        Some(plan) => {
            if !plan.dir.is_dir() {
                notes.push(format!(
                    "note: the backup folder {} is not there; nightly backups fail until it is",
                    plan.dir.display()
                ));
            }
            let (app, shared, stop, gate) =
                (App::with(store()?, app.keys.clone()), shared.clone(), stop.clone(), integrity.clone());
            Some(
                std::thread::Builder::new()
                    .name("backup".into())
                    .spawn(move || backups::run(app, &shared, &stop, &gate, plan))?,
            )
        }
        None => None,
    };
    let checker = if config.demo {
        None
    } else {
        let (integrity, stop, data, url) = (integrity.clone(), stop.clone(), config.data.clone(), url.clone());
        Some(std::thread::Builder::new().name("check".into()).spawn(move || {
            let outcome = check_then_mark(&mut app, &data, &url, now);
            if let Ok(said) = &outcome {
                eprintln!("porchlight: {said}");
            }
            let failed = outcome.is_err();
            integrity.finish(outcome.map(|_| ()));
            if failed {
                stop_accepting(&stop, shown);
            }
        })?)
    };
    Ok(Running {
        url,
        addr: shown,
        acceptors,
        flusher,
        sweeper,
        sender,
        backer,
        checker,
        integrity,
        stop,
        shared,
        demo,
        reachable,
        public_url,
        notes,
    })
}

/// The URLs other devices reach a server listening on `addr` at: for
/// `0.0.0.0`, this machine's IPv4 addresses; for `[::]`, all of them
/// (Linux accepts IPv4 there too). Nothing for a single address.
fn reachable_urls(addr: SocketAddr) -> Vec<String> {
    if !addr.ip().is_unspecified() {
        return vec![];
    }
    urls_at(addr, crate::net::own_addresses())
}

/// `http://ADDRESS:PORT` for each of `own` that `addr`'s family accepts.
fn urls_at(addr: SocketAddr, own: Vec<IpAddr>) -> Vec<String> {
    let url = |ip: IpAddr| SocketAddr::new(ip, addr.port()).to_string();
    own.into_iter().filter(|ip| addr.is_ipv6() || ip.is_ipv4()).map(|ip| format!("http://{}", url(ip))).collect()
}

/// `porchlight --data DIR` as one pastes it on this machine: the program
/// by its name when it is on `PATH`, else by its whole path (`make run`
/// runs it from `target/`), and the data directory made absolute, so the
/// command works from any folder. Run as a system user (the package's
/// `porchlight`), as `sudo -u USER`: nobody else may read its data.
pub fn command_line(data: &std::path::Path) -> String {
    let user = system_user().map(|u| format!("sudo -u {u} ")).unwrap_or_default();
    format!("{user}{}", program_and_data(data))
}

/// The name of the user this process runs as, when it is a system user
/// (a uid from 1 to 999, Debian's range), read from `/proc` and
/// `/etc/passwd`.
fn system_user() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid: u32 = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().nth(1)?.parse().ok()?;
    if uid == 0 || uid >= 1000 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().map(|l| l.split(':').collect::<Vec<_>>()).find_map(|f| {
        let plain = !f[0].is_empty() && f[0].bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        (f.len() > 2 && f[2].parse() == Ok(uid) && plain).then(|| f[0].to_string())
    })
}

fn program_and_data(data: &std::path::Path) -> String {
    let exe = std::env::current_exe().ok();
    let on_path = exe
        .as_deref()
        .and_then(std::path::Path::parent)
        .is_some_and(|dir| std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d == dir)));
    let program = match exe {
        Some(exe) if !on_path => exe.display().to_string(),
        _ => "porchlight".to_string(),
    };
    let data = std::fs::canonicalize(data).unwrap_or_else(|_| data.to_path_buf());
    format!("{program} --data {}", data.display())
}

/// Tell the event loop to end, and wake its workers with a connection.
fn stop_accepting(stop: &AtomicBool, addr: SocketAddr) {
    stop.store(true, Ordering::SeqCst);
    let _ = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1));
}

/// The start-up integrity check: `Err` only for damage, `Ok` saying how
/// long it took. Once it passed, record where this server listens and
/// raise the clock mark, the first writes of this run; those may fail (a
/// full disk) without stopping the server.
fn check_then_mark(
    app: &mut App,
    data: &std::path::Path,
    url: &str,
    now: DateTime<Utc>,
) -> std::result::Result<String, String> {
    let file = data.join(crate::db::DB_FILE);
    let began = Instant::now();
    app.store.quick_check().map_err(|e| format!("{}: {e}", file.display()))?;
    let took = began.elapsed();
    if let Err(e) = app.set_listen_url(url).and_then(|_| app.store.raise_clock_mark(now.timestamp())) {
        eprintln!("porchlight: could not record the listen address: {e}");
    }
    let mb = std::fs::metadata(&file).map_or(0.0, |m| m.len() as f64 / 1e6);
    Ok(format!("database check passed ({mb:.1} MB in {} ms)", took.as_millis()))
}

impl Running {
    /// `http://HOST:PORT` as the server is reachable.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn setup_code(&self) -> Option<String> {
        self.shared.setup_code.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `http://HOST:PORT` of the public listener (`--public-listen`).
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// Where other devices reach it, when it listens on every address
    /// (`0.0.0.0` or `[::]`); empty otherwise.
    pub fn reachable(&self) -> &[String] {
        &self.reachable
    }

    pub fn demo_text(&self) -> Option<&str> {
        self.demo.as_deref()
    }

    /// Advice worth printing at start-up (to stderr).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Serve until the process ends, or until the start-up integrity
    /// check finds the database damaged: then `Err` with what it found.
    pub fn wait(mut self) -> Result<()> {
        for a in std::mem::take(&mut self.acceptors) {
            let _ = a.join();
        }
        let damage = self.integrity.failure();
        self.shutdown();
        match damage {
            Some(why) => Err(Error::internal(why)),
            None => Ok(()),
        }
    }

    /// Stop accepting, and write pending page views and the clock mark.
    /// Requests in flight finish on their own threads.
    pub fn shutdown(mut self) {
        stop_accepting(&self.stop, self.addr);
        for a in std::mem::take(&mut self.acceptors) {
            let _ = a.join();
        }
        if let Some(f) = self.flusher.take() {
            let _ = f.join();
        }
        if let Some(r) = self.sweeper.take() {
            let _ = r.join();
        }
        self.shared.mail.kick();
        if let Some(s) = self.sender.take() {
            let _ = s.join();
        }
        if let Some(b) = self.backer.take() {
            let _ = b.join();
        }
        if let Some(c) = self.checker.take() {
            let _ = c.join();
        }
    }
}

/// A one-time code for `/admin/setup`: 60 bits, shown as XXXX-XXXX-XXXX.
fn setup_code() -> String {
    let name = token::random_name().to_ascii_uppercase();
    format!("{}-{}-{}", &name[..4], &name[4..8], &name[8..12])
}

fn flush_views(mut store: Store, shared: &Shared, stop: &AtomicBool) {
    let mut last = Instant::now();
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        if stopping || last.elapsed() >= views::FLUSH_EVERY {
            let batch = shared.views.take();
            if let Err(e) = store.note_views(&batch).and_then(|_| store.raise_clock_mark(shared.clock.high())) {
                eprintln!("porchlight: could not record page views: {e}");
            }
            last = Instant::now();
        }
        if stopping {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Sweep the built-in rooms on a clock of their own, not on the event
/// loop (auditing a leaver writes to the disk) nor on requests (an idle
/// server gets none, and one busy room's requests must not be what
/// notices another room empty out).
fn sweep_rooms(shared: &Shared, stop: &AtomicBool) {
    let every = shared.hub.sweep_every();
    let mut last = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(every.min(Duration::from_millis(250)));
        if last.elapsed() >= every {
            // A panic here must not end the sweeping for good.
            let swept = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::pages::room::sweep(shared)));
            if swept.is_err() {
                eprintln!("porchlight: sweeping the video rooms panicked");
            }
            last = Instant::now();
        }
    }
}

/// Answer one request with a pooled database connection. Nothing here
/// may take the server down: a panic in a handler becomes a 500 page.
fn answer(shared: &Shared, req: Req) -> Resp {
    let now = shared.clock.now(Utc::now()).now;
    // A long poll waits without a database connection: a few of them
    // would otherwise hold the whole pool. Under a foreign Host the
    // router answers it, with the page that says so.
    if crate::pages::room::is_long_poll(&req) && shared.with_app(|app| router::host_allowed(app, &req)) {
        let resp = guarded(shared, || crate::pages::room::long_poll(shared, &req, now));
        return shared.with_app(|app| with_hsts(app, &req, resp));
    }
    shared.with_app(|app| {
        let resp = guarded(shared, || router::route(app, shared, &req, now));
        with_hsts(app, &req, resp)
    })
}

/// `f`'s response, or a 500 page if it panicked.
fn guarded(shared: &Shared, f: impl FnOnce() -> Resp) -> Resp {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        eprintln!("porchlight: a request handler panicked");
        shared.pages.error(500, "Porchlight")
    })
}

/// HSTS when the practice is reached over https.
fn with_hsts(app: &mut App, req: &Req, mut resp: Resp) -> Resp {
    if app.settings().is_ok_and(|s| req.is_https(s.public_url.as_deref())) {
        resp.headers.push(("Strict-Transport-Security", "max-age=31536000".into()));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_is_named_for_other_devices() {
        let own: Vec<IpAddr> = vec!["192.168.1.20".parse().unwrap(), "fd00::2".parse().unwrap()];
        let any4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let any6: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(urls_at(any4, own.clone()), ["http://192.168.1.20:8080"]);
        assert_eq!(urls_at(any6, own), ["http://192.168.1.20:8080", "http://[fd00::2]:8080"]);
        assert!(reachable_urls("127.0.0.1:8080".parse().unwrap()).is_empty(), "one address: nothing more to say");
    }
}
