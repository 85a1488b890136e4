//! The server's transport and start-up: [`start`] opens the data
//! directory, binds the listeners (`--listen`, and `--public-listen`,
//! which never serves the admin pages), seeds the demo if asked, checks
//! the database's integrity on its own thread (writes wait for it; damage
//! stops the server), builds what requests share (`state::Shared`) and
//! starts the threads: the event loop (`events.rs`: workers, two per core,
//! answer the client pages' reads; a request that may wait gets a thread
//! of its own, `conn.rs`), each handing requests to `router::answer`;
//! page views and the room sweep (`chores.rs`); the mail sender; and with
//! `--backup-dir` the nightly backups (`backups.rs`). One more thread
//! runs argon2 for every login (`auth::hasher`). What `serve` was asked is
//! [`Config`] (`config.rs`); connection slots are `slots.rs`.

pub mod backups;
mod chores;
mod config;
pub mod conn;
mod events;
pub mod limits;
pub mod reader;
mod slots;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::auth::hasher::Hasher;
use crate::auth::throttle::LoginThrottle;
use crate::error::{Error, Result};
use crate::render::Pages;
use crate::state::{Pools, Shared, backups as backup_status, limit, presence, views};
use crate::store::Store;
use crate::store::integrity::Integrity;
pub use config::{Config, command_line};

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
    /// Gives repeating series their sessions as time passes.
    extender: Option<JoinHandle<()>>,
    /// Fetches and imports `calendar_import_url`.
    syncer: Option<JoinHandle<()>>,
    watcher: Option<JoinHandle<()>>,
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

/// A socket listening on `at` with our backlog ([`limits::BACKLOG`]),
/// as `TcpListener::bind` makes it otherwise (`SO_REUSEADDR`, so a
/// restart need not wait for old connections to time out).
fn listen(at: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(at), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&at.into())?;
    socket.listen(limits::BACKLOG)?;
    Ok(socket.into())
}

pub fn start(config: Config) -> Result<Running> {
    let mut app = App::open(&config.data)?;
    let listener =
        listen(config.listen).map_err(|e| Error::internal(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener.local_addr()?;
    let public = match config.public_listen {
        Some(at) => {
            Some(listen(at).map_err(|e| Error::internal(format!("cannot listen on {at} (--public-listen): {e}")))?)
        }
        None => None,
    };
    let public_url = match &public {
        Some(l) => Some(format!("http://{}", l.local_addr()?)),
        None => None,
    };
    let shown =
        if addr.ip().is_unspecified() { SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port()) } else { addr };
    let url = format!("http://{shown}");

    let mark = app.clock_mark()?;
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
    let reachable = config::reachable_urls(addr);
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
    let setup_code = match app.admin_password_hash()? {
        Some(_) => None,
        None => Some(crate::auth::setup_code()),
    };

    let store = || Store::open(&config.data).map(|s| s.gated(integrity.clone()));
    // Every pooled connection counts the same repeated client actions.
    let repeats = Arc::new(crate::app::Repeats::default());
    let opener = || -> crate::state::Opener {
        let (data, integrity, keys, repeats) =
            (config.data.clone(), integrity.clone(), app.keys().clone(), repeats.clone());
        Box::new(move || {
            let store = Store::open(&data)?.gated(integrity.clone());
            Ok(App::with(store, keys.clone()).sharing_repeats(repeats.clone()))
        })
    };
    let shared = Arc::new(Shared {
        keys: app.keys().clone(),
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
        pools: Pools::new(config.workers.max(1), opener(), opener())?,
        backups: Mutex::new(backup_status::Status { plan: config.backups.clone(), ..Default::default() }),
        imports: Default::default(),
        replica: Default::default(),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let listeners: Vec<(TcpListener, bool)> =
        std::iter::once((listener, false)).chain(public.map(|l| (l, true))).collect();
    let acceptors = events::start(
        &listeners,
        shared.clone(),
        stop.clone(),
        conn::Handler { serve: crate::router::answer, quick: crate::router::quick, large: crate::router::large_body },
    )?;
    let flusher = {
        let (store, shared, stop) = (store()?, shared.clone(), stop.clone());
        Some(
            std::thread::Builder::new()
                .name("views".into())
                .spawn(move || chores::flush_views(store, &shared, &stop))?,
        )
    };
    let sweeper = {
        let (shared, stop) = (shared.clone(), stop.clone());
        Some(std::thread::Builder::new().name("rooms".into()).spawn(move || chores::sweep_rooms(&shared, &stop))?)
    };
    let sender = {
        let (app, shared, stop) = (App::with(store()?, app.keys().clone()), shared.clone(), stop.clone());
        let idle = config.mail_poll;
        Some(std::thread::Builder::new().name("mail".into()).spawn(move || {
            let sender = crate::mail::sender::Sender {
                outbox: crate::app::mail::Post { app, pages: &shared.pages },
                clock: &shared.clock,
                wake: &shared.mail,
                idle,
            };
            sender.run(&stop)
        })?)
    };
    let extender = {
        let (app, shared, stop) = (App::with(store()?, app.keys().clone()), shared.clone(), stop.clone());
        Some(
            std::thread::Builder::new()
                .name("series".into())
                .spawn(move || chores::extend_series(app, &shared, &stop))?,
        )
    };
    let syncer = {
        let (app, shared, stop) = (App::with(store()?, app.keys().clone()), shared.clone(), stop.clone());
        Some(
            std::thread::Builder::new()
                .name("calendar".into())
                .spawn(move || chores::sync_calendar(app, &shared, &stop))?,
        )
    };
    let watcher = {
        let (app, shared, stop) = (App::with(store()?, app.keys().clone()), shared.clone(), stop.clone());
        Some(
            std::thread::Builder::new()
                .name("replica".into())
                .spawn(move || chores::watch_replica(app, &shared, &stop))?,
        )
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
                (App::with(store()?, app.keys().clone()), shared.clone(), stop.clone(), integrity.clone());
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
        extender,
        syncer,
        watcher,
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
    app.quick_check().map_err(|e| format!("{}: {e}", file.display()))?;
    let took = began.elapsed();
    if let Err(e) = app.set_listen_url(url).and_then(|_| app.raise_clock_mark(now.timestamp())) {
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
        if let Some(x) = self.extender.take() {
            let _ = x.join();
        }
        if let Some(c) = self.syncer.take() {
            let _ = c.join();
        }
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
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
