//! The HTTP server: worker threads over tiny_http.
//!
//! [`start`] opens the data directory (refusing a damaged database), binds
//! the listener, seeds the demo if asked, and starts `workers` threads,
//! each with its own database connection, pulling requests from
//! tiny_http's queue. One more thread writes batched page views and the
//! clock mark; another keeps the server accepting (`accept.rs`). Only this
//! module and its children see tiny_http types.

mod accept;
pub mod http;
pub mod limit;
pub mod presence;
mod router;
pub mod views;

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::app::App;
use crate::auth::Policy;
use crate::auth::throttle::LoginThrottle;
use crate::error::{Error, Result};
use crate::net::Cidr;
use crate::pages::Pages;
use crate::store::Store;
use crate::token::{self, Keyring};
use http::{MAX_BODY, MAX_URL, Method, Req};

/// What `serve` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data: PathBuf,
    pub demo: bool,
    pub workers: usize,
    /// Addresses the admin pages answer to.
    pub admin_from: Vec<Cidr>,
    /// Admin session lifetimes.
    pub sessions: Policy,
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto` are believed.
    pub trust_proxy: Vec<Cidr>,
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
    pub logins: LoginThrottle,
    /// One argon2 at a time: a login flood cannot take every core.
    pub argon: Mutex<()>,
    pub admin_from: Vec<Cidr>,
    pub sessions: Policy,
    pub trust_proxy: Vec<Cidr>,
    /// Where the database lives, for backups taken from the admin page.
    pub data: PathBuf,
    /// "Now" never goes back past the highest time seen.
    pub clock: crate::clock::Guard,
}

/// A started server.
pub struct Running {
    url: String,
    workers: Vec<JoinHandle<()>>,
    flusher: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
    demo: Option<String>,
    notes: Vec<String>,
}

pub fn start(config: Config) -> Result<Running> {
    let mut app = App::open(&config.data)?;
    app.store.quick_check().map_err(|e| e.context(&format!("{}", config.data.join(crate::db::DB_FILE).display())))?;
    let listener = TcpListener::bind(config.listen)
        .map_err(|e| Error::internal(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener.local_addr()?;
    let shown =
        if addr.ip().is_unspecified() { SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port()) } else { addr };
    let url = format!("http://{shown}");
    app.set_listen_url(&url)?;

    let mark = app.store.clock_mark()?;
    let clock = crate::clock::Guard::new(mark);
    let now = clock.now(Utc::now()).now;
    app.store.raise_clock_mark(now.timestamp())?;
    let demo = if config.demo {
        let d = crate::demo::seed(&mut app, now)?;
        Some(d.describe(&app.base_url()?))
    } else {
        None
    };
    let mut notes = vec![];
    if addr.ip().is_unspecified() && app.settings()?.public_url.is_none() {
        notes.push(format!(
            "note: links will start with {url}, which only this machine can open; for other devices run: \
             porchlight settings set public_url http://ADDRESS-OF-THIS-MACHINE:{}",
            addr.port()
        ));
    }
    let setup_code = match app.store.admin_password_hash()? {
        Some(_) => None,
        None => Some(setup_code()),
    };

    let shared = Arc::new(Shared {
        keys: app.keys.clone(),
        pages: Pages::new(),
        limiter: limit::CodeLimiter::default(),
        views: views::ViewLog::default(),
        setup_code: Mutex::new(setup_code),
        presence: presence::Presence::default(),
        logins: LoginThrottle::default(),
        argon: Mutex::new(()),
        admin_from: config.admin_from.clone(),
        sessions: config.sessions,
        trust_proxy: config.trust_proxy.clone(),
        data: config.data.clone(),
        clock,
    });
    let front = Arc::new(accept::Front::new(listener, shown)?);
    let stop = Arc::new(AtomicBool::new(false));

    let mut workers = vec![];
    for i in 0..config.workers.max(1) {
        let mut app = App::with(Store::open(&config.data)?, shared.keys.clone());
        let (front, shared, stop) = (front.clone(), shared.clone(), stop.clone());
        let handle = std::thread::Builder::new().name(format!("worker-{i}")).spawn(move || {
            // A short wait, so a worker notices a rebuilt server or a stop.
            while !stop.load(Ordering::SeqCst) {
                match front.current().recv_timeout(Duration::from_millis(250)) {
                    Ok(Some(rq)) => handle(&mut app, &shared, rq),
                    Ok(None) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        })?;
        workers.push(handle);
    }
    {
        let (front, shared, stop, data) = (front.clone(), shared.clone(), stop.clone(), config.data.clone());
        std::thread::Builder::new().name("accept-watchdog".into()).spawn(move || {
            accept::watch(&front, &stop, |old| drain(old, &data, &shared));
        })?;
    }
    let flusher = {
        let (store, shared, stop) = (Store::open(&config.data)?, shared.clone(), stop.clone());
        Some(std::thread::Builder::new().name("views".into()).spawn(move || flush_views(store, &shared, &stop))?)
    };
    Ok(Running { url, workers, flusher, stop, shared, demo, notes })
}

impl Running {
    /// `http://HOST:PORT` as the server is reachable.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn setup_code(&self) -> Option<String> {
        self.shared.setup_code.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn demo_text(&self) -> Option<&str> {
        self.demo.as_deref()
    }

    /// Advice worth printing at start-up (to stderr).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Serve until the process ends.
    pub fn wait(mut self) {
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }

    /// Stop taking requests, let workers finish, write pending page views.
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        if let Some(f) = self.flusher.take() {
            let _ = f.join();
        }
    }
}

/// Serve what a replaced server still holds (requests on keep-alive
/// connections it accepted) until it has been quiet for half a minute.
fn drain(old: Arc<tiny_http::Server>, data: &std::path::Path, shared: &Arc<Shared>) {
    let Ok(store) = Store::open(data) else { return };
    let mut app = App::with(store, shared.keys.clone());
    let shared = shared.clone();
    let _ = std::thread::Builder::new().name("drain".into()).spawn(move || {
        while let Ok(Some(rq)) = old.recv_timeout(Duration::from_secs(30)) {
            handle(&mut app, &shared, rq);
        }
    });
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

/// Answer one request. Nothing here may panic the worker: a panic in a
/// handler becomes a 500 page and the worker carries on.
fn handle(app: &mut App, shared: &Shared, mut rq: tiny_http::Request) {
    let now = shared.clock.now(Utc::now()).now;
    let head = *rq.method() == tiny_http::Method::Head;
    let resp = match read(&mut rq, &shared.trust_proxy) {
        Ok(req) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| router::route(app, shared, &req, now)))
            .unwrap_or_else(|_| {
                eprintln!("porchlight: a request handler panicked");
                shared.pages.error(500, "Porchlight")
            }),
        Err(status) => shared.pages.error(status, "Porchlight"),
    };
    let mut resp = resp;
    if app.settings().is_ok_and(|s| s.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))) {
        resp.headers.push(("Strict-Transport-Security", "max-age=31536000".into()));
    }
    let headers = resp.all_headers();
    let mut out = tiny_http::Response::from_data(if head { vec![] } else { resp.body }).with_status_code(resp.status);
    for (name, value) in headers {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            out.add_header(h);
        }
    }
    let _ = rq.respond(out);
}

/// Turn a tiny_http request into a [`Req`], enforcing the size limits.
fn read(rq: &mut tiny_http::Request, trust_proxy: &[Cidr]) -> std::result::Result<Req, u16> {
    let method = match rq.method() {
        tiny_http::Method::Get => Method::Get,
        tiny_http::Method::Head => Method::Head,
        tiny_http::Method::Post => Method::Post,
        _ => Method::Other,
    };
    let url = rq.url();
    if url.len() > MAX_URL {
        return Err(414);
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let (path, query) = (path.to_string(), query.to_string());
    let header =
        |name: &'static str| rq.headers().iter().find(|h| h.field.equiv(name)).map(|h| h.value.as_str().to_string());
    let content_type = header("Content-Type");
    let (cookie, host) = (header("Cookie"), header("Host"));
    let (origin, fetch_site) = (header("Origin"), header("Sec-Fetch-Site"));
    let (forwarded_for, forwarded_proto) = (header("X-Forwarded-For"), header("X-Forwarded-Proto"));
    if let Some(len) = header("Content-Length") {
        match len.trim().parse::<u64>() {
            Ok(n) if n > MAX_BODY as u64 => return Err(413),
            Ok(_) => {}
            Err(_) => return Err(400),
        }
    }
    let mut body = Vec::new();
    if method == Method::Post {
        rq.as_reader().take(MAX_BODY as u64 + 1).read_to_end(&mut body).map_err(|_| 400u16)?;
        if body.len() > MAX_BODY {
            return Err(413);
        }
    }
    let peer = rq.remote_addr().map(|a| crate::net::canonical(a.ip())).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let remote = crate::net::client_addr(peer, forwarded_for.as_deref(), trust_proxy);
    let https = crate::net::forwarded_https(peer, forwarded_proto.as_deref(), trust_proxy);
    Ok(Req { method, path, query, remote, https, content_type, cookie, host, origin, fetch_site, body })
}
