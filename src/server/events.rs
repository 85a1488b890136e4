//! The event loop: a few workers (two per core, at most four) each watch
//! many connections with epoll, through mio, and answer the quick
//! requests themselves: GET and HEAD of the client pages, which only read.
//! A busy link page then costs no thread switch per request, where a
//! thread per connection cost two.
//!
//! A request that may wait (a form that writes and syncs, a login that
//! runs argon2, an admin page) is handed over with its connection to a
//! thread of its own (`conn.rs`), which keeps the connection until it
//! closes; the workers never wait on the disk. Which requests are quick
//! is not known here: the router hands down its rule (`conn::Handler`).
//! Both paths read through the same `reader::Reader`, so they keep the
//! same deadlines and size caps (`limits.rs`), and together at most
//! `limits::MAX_CONNECTIONS` connections, at most `slots::PER_ADDR` of
//! them from one address. A worker that cannot accept (out of file
//! descriptors) looks again shortly instead of giving up.

use std::io::{ErrorKind, Read};
use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::net::{TcpListener as Listener, TcpStream as Stream};
use mio::{Events, Interest, Poll, Token};

use super::conn::{self, Handler};
use super::limits::{CHUNK, REFUSAL_TIME, STACK, WRITE_TIME};
use super::reader::{Bodies, Reader, Step};
use super::slots::{Full, Slots};
use crate::http::{Method, Req};
use crate::state::Shared;

/// The listening sockets' tokens count down from here: `usize::MAX` is
/// the main listener, the one below it the public one.
const LISTENER: usize = usize::MAX;
/// How often deadlines (and the stop flag) are looked at while any
/// connection is open.
const TICK: Duration = Duration::from_millis(100);
/// How long a worker with no connections sleeps before looking at the
/// stop flag again.
const IDLE_TICK: Duration = Duration::from_secs(1);
/// Most workers, whatever the number of cores.
const MAX_WORKERS: usize = 4;

/// Start the workers on `listeners` (each with whether it is the public
/// one, for client pages only); they run until `stop`.
pub fn start(
    listeners: &[(TcpListener, bool)],
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    handler: Handler,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    for (listener, _) in listeners {
        listener.set_nonblocking(true)?;
    }
    let open = Arc::new(Slots::new(shared.trust_proxy.clone()));
    let bodies = Bodies::new(handler.large);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut workers = vec![];
    // Two per core: a worker that other work on the machine preempts
    // holds up only its share of the connections (p99 under wrk on two
    // shared cores: 6.7-9 ms with one per core, 5.2-7.2 ms with two).
    for _ in 0..(cores * 2).clamp(1, MAX_WORKERS) {
        let worker = Worker {
            poll: Poll::new()?,
            listeners: listeners
                .iter()
                .map(|(l, public)| Ok((Listener::from_std(l.try_clone()?), *public)))
                .collect::<std::io::Result<_>>()?,
            conns: vec![],
            free: vec![],
            live: 0,
            chunk: Box::new([0; CHUNK]),
            retry_accept: None,
            shared: shared.clone(),
            open: open.clone(),
            bodies: bodies.clone(),
            handler,
        };
        let stop = stop.clone();
        workers
            .push(std::thread::Builder::new().name("http".into()).stack_size(STACK).spawn(move || worker.run(&stop))?);
    }
    Ok(workers)
}

struct Worker {
    poll: Poll,
    /// The listening sockets, and whether each is the public one.
    listeners: Vec<(Listener, bool)>,
    /// Connections by token; `None` is a free place, listed in `free`.
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    live: usize,
    chunk: Box<[u8; CHUNK]>,
    /// When to try `accept()` again after it failed.
    retry_accept: Option<Instant>,
    shared: Arc<Shared>,
    /// Connections open on every path, in all and per address.
    open: Arc<Slots>,
    /// Which requests may bring a large body, and the server's permits.
    bodies: Bodies,
    handler: Handler,
}

/// What a connection needs next.
enum Next {
    /// Readiness: more bytes to read, or room to write.
    Wait,
    Close,
    /// A request that may wait, or a body still coming: give the
    /// connection a thread, with the request if it was read whole (and
    /// whether the connection may stay open after it).
    HandOff(Option<Box<(Req, bool)>>),
}

impl Worker {
    fn run(mut self, stop: &AtomicBool) {
        crate::state::mark_event_loop_thread();
        let mut events = Events::with_capacity(256);
        for (k, (listener, _)) in self.listeners.iter_mut().enumerate() {
            if let Err(e) = self.poll.registry().register(listener, Token(LISTENER - k), Interest::READABLE) {
                eprintln!("porchlight: cannot watch the listening socket: {e}");
                return;
            }
        }
        let mut swept = Instant::now();
        while !stop.load(Ordering::SeqCst) {
            let tick = if self.live == 0 && self.retry_accept.is_none() { IDLE_TICK } else { TICK };
            if let Err(e) = self.poll.poll(&mut events, Some(tick))
                && e.kind() != ErrorKind::Interrupted
            {
                eprintln!("porchlight: waiting for connections failed: {e}");
                std::thread::sleep(TICK);
                continue;
            }
            for event in events.iter() {
                match event.token() {
                    Token(t) if LISTENER - t < self.listeners.len() => self.accept(LISTENER - t),
                    Token(i) => self.drive(i),
                }
            }
            let now = Instant::now();
            if self.retry_accept.is_some_and(|at| now >= at) {
                for k in 0..self.listeners.len() {
                    self.accept(k);
                }
            }
            if now.duration_since(swept) >= TICK {
                self.sweep(now);
                swept = now;
            }
        }
    }

    /// Accept what waits on listener `k`.
    fn accept(&mut self, k: usize) {
        self.retry_accept = None;
        let public = self.listeners[k].1;
        loop {
            match self.listeners[k].0.accept() {
                Ok((stream, peer)) => self.adopt(stream, crate::net::canonical(peer.ip()), public),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Out of file descriptors or memory: the connection
                    // waits in the backlog; look again once some are free.
                    let pause = if matches!(e.raw_os_error(), Some(23 | 24 | 12 | 105)) { 50 } else { 5 };
                    self.retry_accept = Some(Instant::now() + Duration::from_millis(pause));
                    return;
                }
            }
        }
    }

    fn adopt(&mut self, mut stream: Stream, peer: IpAddr, public: bool) {
        if let Err(full) = self.open.take(peer) {
            let status = match full {
                Full::Server => 503,
                Full::Address => 429,
            };
            conn::refuse_busy(stream.into(), &self.shared, status);
            return;
        }
        let _ = stream.set_nodelay(true);
        let i = self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        });
        // Both directions, edge-triggered, once: no re-registering as a
        // connection turns from reading to writing.
        if self.poll.registry().register(&mut stream, Token(i), Interest::READABLE | Interest::WRITABLE).is_err() {
            self.free.push(i);
            self.open.give(peer);
            return;
        }
        self.conns[i] = Some(Conn::new(stream, peer, public, self.bodies.clone()));
        self.live += 1;
        // Bytes that came with the connection are reported by the
        // registration itself.
    }

    fn drive(&mut self, i: usize) {
        let Some(Some(conn)) = self.conns.get_mut(i) else { return };
        match conn.advance(&mut self.chunk, &self.shared, self.handler) {
            Next::Wait => {}
            Next::Close => self.close(i),
            Next::HandOff(first) => self.hand_off(i, first),
        }
    }

    fn take(&mut self, i: usize) -> Option<Conn> {
        let mut conn = self.conns.get_mut(i)?.take()?;
        let _ = self.poll.registry().deregister(&mut conn.stream);
        self.free.push(i);
        self.live -= 1;
        Some(conn)
    }

    fn close(&mut self, i: usize) {
        if let Some(conn) = self.take(i) {
            let _ = conn.stream.shutdown(std::net::Shutdown::Both);
            self.open.give(conn.peer);
        }
    }

    /// Give the connection, what was read of it and the request it holds
    /// if any, to a thread of its own.
    fn hand_off(&mut self, i: usize, first: Option<Box<(Req, bool)>>) {
        let Some(conn) = self.take(i) else { return };
        let stream = std::net::TcpStream::from(conn.stream);
        if stream.set_nonblocking(false).is_err() {
            self.open.give(conn.peer);
            return;
        }
        let (shared, open, handler) = (self.shared.clone(), self.open.clone(), self.handler);
        let (peer, public, reader) = (conn.peer, conn.public, conn.reader);
        let spawned = std::thread::Builder::new().name("conn".into()).stack_size(STACK).spawn(move || {
            conn::connection(stream, peer, public, &shared, handler, reader, first.map(|f| *f));
            open.give(peer);
        });
        if spawned.is_err() {
            // The stream went with the closure and is closed.
            self.open.give(peer);
        }
    }

    /// Close what is past its deadline: silence before a request is an
    /// idle client, silence halfway through a head a slow one (408).
    fn sweep(&mut self, now: Instant) {
        for i in 0..self.conns.len() {
            let Some(conn) = self.conns[i].as_mut() else { continue };
            let deadline = if conn.writing { conn.write_deadline } else { conn.reader.deadline() };
            if now < deadline {
                continue;
            }
            match conn.reader.late() {
                Some(status) if !conn.writing => {
                    conn.refuse(status, &self.shared, REFUSAL_TIME);
                    self.drive(i);
                }
                _ => self.close(i),
            }
        }
    }
}

/// One connection on the event loop.
struct Conn {
    stream: Stream,
    peer: IpAddr,
    /// It came through the public listener.
    public: bool,
    /// What was read, and the read deadline.
    reader: Reader,
    /// The response being written (its head, and its body: see
    /// `conn::encode_response`), and how much of the two is sent.
    out: Vec<u8>,
    body: Vec<u8>,
    sent: usize,
    writing: bool,
    close_after: bool,
    write_deadline: Instant,
}

impl Conn {
    fn new(stream: Stream, peer: IpAddr, public: bool, bodies: Bodies) -> Conn {
        let now = Instant::now();
        Conn {
            stream,
            peer,
            public,
            reader: Reader::new(now, bodies),
            out: Vec::new(),
            body: Vec::new(),
            sent: 0,
            writing: false,
            close_after: false,
            write_deadline: now,
        }
    }

    /// Read, answer and write until the socket would block.
    fn advance(&mut self, chunk: &mut [u8; CHUNK], shared: &Shared, handler: Handler) -> Next {
        loop {
            if self.writing {
                match self.flush() {
                    Ok(true) => {}
                    Ok(false) => return Next::Wait,
                    Err(_) => return Next::Close,
                }
                self.writing = false;
                if self.close_after {
                    return Next::Close;
                }
                // A large page would otherwise keep its buffer for the
                // connection's life.
                self.out.clear();
                self.out.shrink_to(64 * 1024);
                self.body = Vec::new();
                self.reader.answered(Instant::now());
            }
            match self.reader.next(Instant::now()) {
                Step::Request(r) => {
                    let keep = r.keep;
                    let req = r.head.into_req(r.body, self.peer, self.public, &shared.trust_proxy);
                    if !(handler.quick)(&req) {
                        return Next::HandOff(Some(Box::new((req, keep))));
                    }
                    let head_only = req.method == Method::Head;
                    self.body = conn::encode_response(&mut self.out, (handler.serve)(shared, req), head_only, !keep);
                    self.reader.body_done();
                    self.start_writing(!keep, WRITE_TIME);
                    continue;
                }
                Step::Refuse(status) => {
                    self.refuse(status, shared, WRITE_TIME);
                    continue;
                }
                // A body is read, and 100 Continue sent, by the thread the
                // request goes to anyway.
                Step::Read if self.reader.in_body() => return Next::HandOff(None),
                Step::Read => {}
            }
            let room = self.reader.room().min(CHUNK);
            match self.stream.read(&mut chunk[..room]) {
                Ok(0) => return Next::Close,
                Ok(n) => self.reader.feed(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::Wait,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Next::Close,
            }
        }
    }

    /// Answer `status` and close: what is left of the request is not read.
    fn refuse(&mut self, status: u16, shared: &Shared, within: Duration) {
        self.body = conn::encode_response(&mut self.out, conn::refusal(shared, status), false, true);
        self.start_writing(true, within);
    }

    fn start_writing(&mut self, close_after: bool, within: Duration) {
        self.sent = 0;
        self.writing = true;
        self.close_after = close_after;
        self.write_deadline = Instant::now() + within;
    }

    /// Write what the socket takes; `true` once the whole response is sent.
    fn flush(&mut self) -> std::io::Result<bool> {
        match conn::write_all_of(&mut self.stream, &self.out, &self.body, &mut self.sent) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }
}
