//! Keeping the server accepting connections.
//!
//! tiny_http's accept thread ends for good on the first `accept()` error,
//! for example when the process runs out of file descriptors under a flood
//! of connections; the server would then never take another connection.
//! So Porchlight owns the listening socket, hands tiny_http a duplicate, and
//! a watchdog asks `/healthz` through the front door every few seconds.
//! When two probes in a row get no answer, it builds a new tiny_http server
//! on another duplicate of the same socket: connections waiting in the
//! kernel's backlog are then accepted, and the old server is drained of the
//! requests it still holds before it is dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::error::{Error, Result};

/// How often the watchdog probes.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);
/// How long a probe waits for an answer.
const PROBE_WAIT: Duration = Duration::from_secs(3);

/// The listening socket and the tiny_http server currently accepting on it.
pub struct Front {
    listener: TcpListener,
    /// Where the probe connects (loopback when listening on all addresses).
    probe_addr: SocketAddr,
    current: RwLock<Arc<tiny_http::Server>>,
}

impl Front {
    pub fn new(listener: TcpListener, probe_addr: SocketAddr) -> Result<Front> {
        let server = Arc::new(serve_on(&listener)?);
        Ok(Front { listener, probe_addr, current: RwLock::new(server) })
    }

    /// The server workers should take requests from now.
    pub fn current(&self) -> Arc<tiny_http::Server> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Put a fresh server on the socket; returns the one it replaces.
    fn rebuild(&self) -> Result<Arc<tiny_http::Server>> {
        let fresh = Arc::new(serve_on(&self.listener)?);
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        Ok(std::mem::replace(&mut *current, fresh))
    }
}

fn serve_on(listener: &TcpListener) -> Result<tiny_http::Server> {
    let dup = listener.try_clone()?;
    tiny_http::Server::from_listener(dup, None)
        .map_err(|e| Error::internal(format!("cannot start the HTTP server: {e}")))
}

/// Did `/healthz` answer? `None` when this process cannot even open a
/// socket (out of file descriptors): then nobody can tell yet.
fn probe(addr: SocketAddr) -> Option<bool> {
    let mut stream = match TcpStream::connect_timeout(&addr, PROBE_WAIT) {
        Ok(s) => s,
        Err(e) if e.raw_os_error() == Some(24) || e.raw_os_error() == Some(23) => return None,
        Err(_) => return Some(false),
    };
    let _ = stream.set_read_timeout(Some(PROBE_WAIT));
    let _ = stream.set_write_timeout(Some(PROBE_WAIT));
    if stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").is_err() {
        return Some(false);
    }
    let mut first = [0u8; 12];
    Some(matches!(stream.read(&mut first), Ok(n) if n > 0))
}

/// Probe until `stop`; rebuild after two silent probes in a row and hand
/// the replaced server to `retire`.
pub fn watch(front: &Front, stop: &AtomicBool, retire: impl Fn(Arc<tiny_http::Server>)) {
    let mut silent = 0;
    while !stop.load(Ordering::SeqCst) {
        sleep_unless_stopped(PROBE_EVERY, stop);
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match probe(front.probe_addr) {
            Some(true) | None => silent = 0,
            Some(false) => silent += 1,
        }
        if silent >= 2 {
            silent = 0;
            match front.rebuild() {
                Ok(old) => {
                    eprintln!("porchlight: the server stopped accepting connections; started accepting again");
                    retire(old);
                }
                Err(e) => eprintln!("porchlight: could not restart accepting connections: {e}"),
            }
        }
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(100);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        slept += step;
    }
}
