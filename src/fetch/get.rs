//! One HTTP/1.1 GET (RFC 9112) over TCP, or TLS by rustls, or a Unix
//! socket, under a deadline and a size bound: the whole client the
//! calendar fetch and Litestream's control socket (`fetch::replica`) need.
//! The response head is parsed by httparse, chunked bodies' sizes by its
//! `parse_chunk_size`; what is left here is the order of reads and the
//! bounds. `Connection: close` on every request: one response a
//! connection, and a body without a length ends where the connection does.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use url::{Position, Url};

/// Largest response head read (status line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// Most header lines in a response head.
const MAX_HEADERS: usize = 64;

/// A response: its status, and for a redirect where it leads; the body is
/// read only for 200.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub reason: String,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// Why a GET failed, in kinds only: nothing here carries the address.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    Timeout,
    TooLarge,
    NoSuchHost,
    Connect,
    Certificate,
    Tls,
    /// Not HTTP this client reads (a bad head, a coding other than chunked).
    Protocol,
    Io(ErrorKind),
}

/// GET `url` (http or https), finishing by `deadline`, reading a body of
/// at most `max` bytes; `tls` is the client configuration for https.
pub fn get(url: &Url, deadline: Instant, max: usize, tls: &Arc<ClientConfig>) -> Result<Answer, Failure> {
    let host = url.host_str().ok_or(Failure::NoSuchHost)?;
    let addrs = url.socket_addrs(|| None).map_err(|_| Failure::NoSuchHost)?;
    let tcp = connect(&addrs, deadline)?;
    let _ = tcp.set_nodelay(true);
    let mut conn =
        Conn { sock: Sock::Tcp(tcp.try_clone().map_err(|e| Failure::Io(e.kind()))?), deadline, io: Io::Plain(tcp) };
    if url.scheme() == "https" {
        let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_string())
            .map_err(|_| Failure::NoSuchHost)?;
        let tls = ClientConnection::new(tls.clone(), name).map_err(|_| Failure::Tls)?;
        let Io::Plain(tcp) = conn.io else { unreachable!("plain until now") };
        conn.io = Io::Tls(Box::new(StreamOwned::new(tls, tcp)));
    }
    let default_port = url.port().is_none_or(|p| Some(p) == url.port_or_known_default());
    let host_header = if default_port { host.to_string() } else { format!("{host}:{}", url.port().unwrap_or(0)) };
    exchange(conn, &url[Position::BeforePath..Position::AfterQuery], &host_header, "text/calendar", max)
}

/// GET `target` (a path and query) from the HTTP server listening on the
/// Unix socket `socket`, as [`get`] does over TCP.
pub fn get_unix(socket: &Path, target: &str, deadline: Instant, max: usize) -> Result<Answer, Failure> {
    use socket2::{Domain, SockAddr, Socket, Type};
    // std's connect on a Unix socket waits for as long as the listener's
    // queue is full (a frozen or hostile listener): connect under the
    // deadline like every read and write after it.
    let left = deadline.saturating_duration_since(Instant::now());
    let address = SockAddr::unix(socket).map_err(|_| Failure::NoSuchHost)?;
    let raw = Socket::new(Domain::UNIX, Type::STREAM, None).map_err(|e| Failure::Io(e.kind()))?;
    raw.connect_timeout(&address, left).map_err(|e| unix_connect_failure(e.kind()))?;
    let stream = UnixStream::from(std::os::fd::OwnedFd::from(raw));
    let sock = Sock::Unix(stream.try_clone().map_err(|e| Failure::Io(e.kind()))?);
    exchange(Conn { sock, deadline, io: Io::Unix(stream) }, target, "localhost", "application/json", max)
}

/// Why connecting to a Unix socket failed: no socket there, not allowed
/// (another user's 0600 socket), no answer in time (a full queue says
/// "would block" at once), or nothing listening.
fn unix_connect_failure(kind: ErrorKind) -> Failure {
    match kind {
        ErrorKind::NotFound => Failure::NoSuchHost,
        ErrorKind::PermissionDenied => Failure::Io(ErrorKind::PermissionDenied),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::Timeout,
        _ => Failure::Connect,
    }
}

/// Send the GET on `conn` and read its answer: the head always, the body
/// (at most `max` bytes) for 200 only.
fn exchange(mut conn: Conn, target: &str, host: &str, accept: &str, max: usize) -> Result<Answer, Failure> {
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\nAccept-Encoding: identity\r\n\
         User-Agent: porchlight/{}\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    conn.write_all(request.as_bytes())?;
    let mut buf = Vec::with_capacity(8192);
    let (answer, chunked, length, used) = loop {
        if conn.fill(&mut buf, MAX_HEAD)? == 0 {
            return Err(Failure::Protocol);
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut head = httparse::Response::new(&mut headers);
        match head.parse(&buf) {
            Ok(httparse::Status::Complete(used)) => break read_head(&head, used)?,
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => continue,
            _ => return Err(Failure::Protocol),
        }
    };
    let mut answer = answer;
    if answer.status != 200 {
        return Ok(answer);
    }
    buf.drain(..used);
    answer.body = match (chunked, length) {
        (true, _) => conn.chunked(buf, max)?,
        (false, Some(n)) if n > max as u64 => return Err(Failure::TooLarge),
        (false, Some(n)) => conn.exactly(buf, n as usize)?,
        (false, None) => conn.until_closed(buf, max)?,
    };
    Ok(answer)
}

/// The status, `Location`, and how the body is framed: chunked, or its
/// `Content-Length`, or neither (to the end of the connection).
fn read_head(head: &httparse::Response<'_, '_>, used: usize) -> Result<(Answer, bool, Option<u64>, usize), Failure> {
    let (mut chunked, mut length, mut location) = (false, None, None);
    for h in head.headers.iter() {
        let value = std::str::from_utf8(h.value).map_err(|_| Failure::Protocol)?.trim();
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // Only chunked is read; another coding is not text we can use.
            if !value.eq_ignore_ascii_case("chunked") {
                return Err(Failure::Protocol);
            }
            chunked = true;
        } else if h.name.eq_ignore_ascii_case("content-length") {
            let n: u64 = value.parse().map_err(|_| Failure::Protocol)?;
            if length.is_some_and(|m| m != n) {
                return Err(Failure::Protocol);
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("content-encoding") && !value.eq_ignore_ascii_case("identity") {
            return Err(Failure::Protocol);
        } else if h.name.eq_ignore_ascii_case("location") {
            location = Some(value.to_string());
        }
    }
    let answer = Answer {
        status: head.code.ok_or(Failure::Protocol)?,
        reason: head.reason.unwrap_or_default().chars().filter(|c| !c.is_control()).take(60).collect(),
        location,
        body: vec![],
    };
    Ok((answer, chunked, length, used))
}

fn connect(addrs: &[std::net::SocketAddr], deadline: Instant) -> Result<TcpStream, Failure> {
    let mut last = Failure::NoSuchHost;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Timeout);
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == ErrorKind::TimedOut => last = Failure::Timeout,
            Err(_) => last = Failure::Connect,
        }
    }
    Err(last)
}

enum Io {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
    Unix(UnixStream),
}

/// The socket under [`Io`], for its timeouts.
enum Sock {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Sock {
    fn timeouts(&self, left: Duration) {
        let _ = match self {
            Sock::Tcp(s) => s.set_read_timeout(Some(left)).and_then(|()| s.set_write_timeout(Some(left))),
            Sock::Unix(s) => s.set_read_timeout(Some(left)).and_then(|()| s.set_write_timeout(Some(left))),
        };
    }
}

/// A connection whose every read and write ends by the deadline.
struct Conn {
    sock: Sock,
    deadline: Instant,
    io: Io,
}

impl Conn {
    fn left(&self) -> Result<Duration, Failure> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() { Err(Failure::Timeout) } else { Ok(left) }
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.sock.timeouts(self.left()?);
        let done = match &mut self.io {
            Io::Plain(s) => s.write_all(bytes).and_then(|()| s.flush()),
            Io::Tls(s) => s.write_all(bytes).and_then(|()| s.flush()),
            Io::Unix(s) => s.write_all(bytes).and_then(|()| s.flush()),
        };
        done.map_err(failure)
    }

    /// Read more onto `buf`, at most up to `cap` bytes in it; 0 at the end.
    fn fill(&mut self, buf: &mut Vec<u8>, cap: usize) -> Result<usize, Failure> {
        self.sock.timeouts(self.left()?);
        let mut chunk = [0u8; 16 * 1024];
        let room = cap.saturating_sub(buf.len()).clamp(1, chunk.len());
        let got = match &mut self.io {
            Io::Plain(s) => s.read(&mut chunk[..room]),
            Io::Unix(s) => s.read(&mut chunk[..room]),
            // A server that closes without TLS's close_notify ends the
            // body as a plain close does; a cut calendar fails its parse.
            Io::Tls(s) => match s.read(&mut chunk[..room]) {
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(0),
                other => other,
            },
        };
        let n = got.map_err(failure)?;
        buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    fn exactly(&mut self, mut buf: Vec<u8>, n: usize) -> Result<Vec<u8>, Failure> {
        while buf.len() < n {
            if self.fill(&mut buf, n)? == 0 {
                return Err(Failure::Protocol);
            }
        }
        buf.truncate(n);
        Ok(buf)
    }

    fn until_closed(&mut self, mut buf: Vec<u8>, max: usize) -> Result<Vec<u8>, Failure> {
        while self.fill(&mut buf, max + 1)? > 0 {
            if buf.len() > max {
                return Err(Failure::TooLarge);
            }
        }
        Ok(buf)
    }

    /// A chunked body (RFC 9112 section 7.1), trailers ignored.
    fn chunked(&mut self, mut buf: Vec<u8>, max: usize) -> Result<Vec<u8>, Failure> {
        let mut body = Vec::new();
        loop {
            let (used, size) = loop {
                match httparse::parse_chunk_size(&buf) {
                    Ok(httparse::Status::Complete(found)) => break found,
                    Ok(httparse::Status::Partial) if buf.len() < 1024 => {
                        if self.fill(&mut buf, 1024)? == 0 {
                            return Err(Failure::Protocol);
                        }
                    }
                    _ => return Err(Failure::Protocol),
                }
            };
            if size == 0 {
                return Ok(body);
            }
            if body.len() as u64 + size > max as u64 {
                return Err(Failure::TooLarge);
            }
            let need = used + size as usize + 2;
            while buf.len() < need {
                if self.fill(&mut buf, need)? == 0 {
                    return Err(Failure::Protocol);
                }
            }
            if &buf[need - 2..need] != b"\r\n" {
                return Err(Failure::Protocol);
            }
            body.extend_from_slice(&buf[used..need - 2]);
            buf.drain(..need);
        }
    }
}

fn failure(e: std::io::Error) -> Failure {
    if let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        return match tls {
            rustls::Error::InvalidCertificate(_) => Failure::Certificate,
            _ => Failure::Tls,
        };
    }
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::Timeout,
        kind => Failure::Io(kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unix_socket_that_refuses_says_why() {
        assert_eq!(unix_connect_failure(ErrorKind::PermissionDenied), Failure::Io(ErrorKind::PermissionDenied));
        assert_eq!(unix_connect_failure(ErrorKind::NotFound), Failure::NoSuchHost);
        assert_eq!(unix_connect_failure(ErrorKind::WouldBlock), Failure::Timeout);
        assert_eq!(unix_connect_failure(ErrorKind::ConnectionRefused), Failure::Connect);
    }
}
