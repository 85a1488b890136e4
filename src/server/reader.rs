//! The one request reader: a state machine fed the bytes of a connection,
//! which says what it needs next (more bytes, before a deadline), hands out
//! whole requests, or the status that refuses one. The event loop
//! (`events.rs`) and the blocking threads (`conn.rs`) both drive it, so
//! every cap and deadline of [`super::limits`] is applied in one place.
//!
//! Heads are parsed by httparse (hyper's parser: no allocation, no copy),
//! with stricter rules of our own on top: anything unusual is refused
//! rather than guessed at, since a proxy in front may guess otherwise.
//! - every line ends with CRLF: a bare LF is a 400 (RFC 9112 §2.2 allows
//!   refusing it), and so is an empty line before the request line;
//! - a folded header line (obs-fold) is a 400 (RFC 9112 §5.2);
//! - the target is origin-form (`/...`) of printable ASCII, at most
//!   [`MAX_URL`] bytes (else 414); HTTP/1.0 or HTTP/1.1 only;
//! - a 1.1 request names one valid `Host`, any request at most one
//!   (RFC 9112 §3.2);
//! - no `Transfer-Encoding` at all, and `Content-Length` digits only,
//!   the same in every line (RFC 9112 §6.3: a server may refuse);
//! - at most [`MAX_HEADERS`] header lines in at most [`MAX_HEAD`] bytes
//!   (else 431), a body of at most [`MAX_BODY`] (else 413).
//!
//! The one exception to [`MAX_BODY`] is decided here too
//! ([`Reader::admit_body`]): a request the router names as large
//! ([`Bodies`], `router::large_body`) may bring up to
//! [`MAX_IMPORT_BODY`], while it holds the server's one permit for it
//! (else 503 at its head, before any of its body is read); the permit is
//! given back once the request is answered, before the answer is
//! written ([`Reader::body_done`]), or when its connection ends.

use std::mem::MaybeUninit;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use super::limits::{
    BODY_TIME, HEAD_TIME, IDLE_TIME, LARGE_BODY_TIME, MAX_BODY, MAX_HEAD, MAX_HEADERS, MAX_IMPORT_BODY,
    MAX_LARGE_BODIES, MAX_REQUESTS, MAX_URL,
};
use crate::http::{Method, Req};
use crate::net::Cidr;

/// What the reader needs or has, after the bytes it was fed.
pub enum Step {
    /// More bytes: at most [`Reader::room`] of them, before
    /// [`Reader::deadline`].
    Read,
    /// A whole request, body included.
    Request(Request),
    /// The request is refused with this status; answer it and close, as
    /// what follows cannot be framed.
    Refuse(u16),
}

/// A whole request as read off the wire.
pub struct Request {
    pub head: Head,
    pub body: Vec<u8>,
    /// The connection may stay open after the answer: HTTP/1.1, no `close`
    /// in `Connection`, and under [`MAX_REQUESTS`] on this connection.
    pub keep: bool,
}

/// Which requests may bring a body over [`MAX_BODY`] (the router's rule,
/// handed down: a method and a path without its query), and the permits
/// every connection of one server shares for reading one.
#[derive(Clone)]
pub struct Bodies {
    large: fn(Method, &str) -> bool,
    reading: Arc<AtomicUsize>,
}

impl Bodies {
    /// One server's rule and permits: at most [`MAX_LARGE_BODIES`] large
    /// bodies read (and answered) at once.
    pub fn new(large: fn(Method, &str) -> bool) -> Bodies {
        Bodies { large, reading: Arc::new(AtomicUsize::new(0)) }
    }

    /// A permit for one large body, if one is free.
    fn permit(&self) -> Option<Permit> {
        let taken =
            self.reading.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < MAX_LARGE_BODIES).then_some(n + 1));
        taken.ok().map(|_| Permit(self.reading.clone()))
    }
}

/// Leave to read one large body; given back when dropped.
struct Permit(Arc<AtomicUsize>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The state of one connection's reading. `buf` holds what was read and
/// not yet taken by a request (pipelined requests stay in it).
pub struct Reader {
    buf: Vec<u8>,
    /// How far `buf` was searched for the end of a head.
    scanned: usize,
    /// The head whose body is being read, and the body's length.
    body: Option<(Head, usize)>,
    /// A client that sent `Expect: 100-continue` waits for the interim
    /// response before it sends the body.
    continue_due: bool,
    /// Requests handed out so far.
    served: usize,
    deadline: Instant,
    bodies: Bodies,
    /// Held from a large body's head until it is answered.
    permit: Option<Permit>,
}

impl Reader {
    /// A new connection: its first head is due within [`HEAD_TIME`].
    /// `bodies` is the server's rule and permits for large bodies.
    pub fn new(now: Instant, bodies: Bodies) -> Reader {
        Reader {
            buf: Vec::with_capacity(1024),
            scanned: 0,
            body: None,
            continue_due: false,
            served: 0,
            deadline: now + HEAD_TIME,
            bodies,
            permit: None,
        }
    }

    /// The last request was answered: the next head is due within
    /// [`IDLE_TIME`], and a large body's permit is free again.
    pub fn answered(&mut self, now: Instant) {
        self.deadline = now + IDLE_TIME;
        self.permit = None;
    }

    /// The request handed out was answered (its body is gone): a large
    /// body's permit is free again, before the answer is written, so a
    /// client that reads it and sends the next upload finds it free.
    pub fn body_done(&mut self) {
        self.permit = None;
    }

    /// When what is being read must have arrived.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// What a passed deadline means: `None`, close quietly (nothing of a
    /// request came: an idle client); `Some(408)` for a slow one.
    pub fn late(&self) -> Option<u16> {
        (self.body.is_some() || !self.buf.is_empty()).then_some(408)
    }

    /// A head was read and its body is still coming.
    pub fn in_body(&self) -> bool {
        self.body.is_some()
    }

    /// Whether to send `100 Continue` now; says so once per request.
    pub fn take_continue(&mut self) -> bool {
        std::mem::take(&mut self.continue_due)
    }

    /// How many bytes the next read may add: the rest of the head cap or
    /// of the body.
    pub fn room(&self) -> usize {
        match &self.body {
            Some((_, length)) => length.saturating_sub(self.buf.len()),
            None => MAX_HEAD.saturating_sub(self.buf.len()),
        }
    }

    /// Bytes read off the connection (at most [`Reader::room`] of them).
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// What the bytes fed so far make; `now` starts the body's deadline.
    pub fn next(&mut self, now: Instant) -> Step {
        if self.body.is_none() {
            let end = match find_head_end(&self.buf, self.scanned) {
                Err(status) => return Step::Refuse(status),
                Ok(Some(end)) => end,
                Ok(None) if self.buf.len() >= MAX_HEAD => return Step::Refuse(431),
                Ok(None) => {
                    self.scanned = self.buf.len();
                    return Step::Read;
                }
            };
            let head = match parse_head(&self.buf[..end]) {
                Ok(head) => head,
                Err(status) => return Step::Refuse(status),
            };
            let length = match self.admit_body(&head) {
                Ok(length) => length,
                Err(status) => return Step::Refuse(status),
            };
            self.buf.drain(..end);
            self.scanned = 0;
            if self.buf.len() < length {
                self.continue_due = head.get("Expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
                self.body = Some((head, length));
                self.deadline = now + if length > MAX_BODY { LARGE_BODY_TIME } else { BODY_TIME };
                // Exactly the body: doubling would overshoot the cap.
                self.buf.reserve_exact(length - self.buf.len());
                return Step::Read;
            }
            return Step::Request(self.take(head, length));
        }
        match self.body.take() {
            Some((head, length)) if self.buf.len() >= length => Step::Request(self.take(head, length)),
            pending => {
                self.body = pending;
                Step::Read
            }
        }
    }

    /// The length of the body that follows `head`, the one place its cap
    /// is decided: [`MAX_BODY`], or [`MAX_IMPORT_BODY`] for a request the
    /// router names as large, which then takes a permit (503 when none is
    /// free). Else the status refusing it.
    fn admit_body(&mut self, head: &Head) -> Result<usize, u16> {
        let path = head.target.split('?').next().unwrap_or_default();
        let cap = if (self.bodies.large)(head.method, path) { MAX_IMPORT_BODY } else { MAX_BODY };
        let length = body_length(head, cap)?;
        if length > MAX_BODY {
            self.permit = Some(self.bodies.permit().ok_or(503u16)?);
        }
        Ok(length)
    }

    /// Hand out the request whose body is the first `length` bytes of `buf`.
    fn take(&mut self, head: Head, length: usize) -> Request {
        let body = if length == 0 {
            Vec::new()
        } else if length == self.buf.len() {
            // The usual case: the body is all there is, so it is handed
            // out without a copy, and a large one leaves no large buffer
            // behind on a connection that stays open.
            std::mem::replace(&mut self.buf, Vec::with_capacity(1024))
        } else {
            let body = self.buf.drain(..length).collect();
            self.buf.shrink_to(MAX_HEAD);
            body
        };
        self.continue_due = false;
        self.served += 1;
        let keep = head.http11 && !head.closes() && self.served < MAX_REQUESTS;
        Request { head, body, keep }
    }
}

/// The end of the head in `buf` (just past its blank line), searching from
/// `from` (what was searched before needs no second look); a bare LF is a
/// 400 at once rather than a wait for a head that never ends.
fn find_head_end(buf: &[u8], from: usize) -> Result<Option<usize>, u16> {
    let mut at = from;
    while let Some(found) = buf[at..].iter().position(|&b| b == b'\n') {
        let lf = at + found;
        if lf == 0 || buf[lf - 1] != b'\r' {
            return Err(400);
        }
        if lf >= 3 && buf[lf - 3..lf - 1] == *b"\r\n" {
            return Ok(Some(lf + 1));
        }
        at = lf + 1;
    }
    Ok(None)
}

/// A parsed request head.
pub struct Head {
    pub method: Method,
    pub target: String,
    pub http11: bool,
    /// Names as sent, values without surrounding spaces and tabs.
    pub headers: Vec<(String, String)>,
    /// The `Host` header, parsed (there is at most one).
    pub host: Option<crate::hosts::Host>,
}

impl Head {
    /// The first value of header `name` (any case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every field line of a list header as one list, in order (RFC 9110
    /// §5.3): a proxy may add a line of its own after the client's.
    pub fn list(&self, name: &str) -> Option<String> {
        let mut lines = self.all(name);
        let first = lines.next()?;
        Some(lines.fold(first.to_string(), |list, line| list + ", " + line))
    }

    /// The client asked to close: a `close` option anywhere in the
    /// `Connection` list, in any of its lines (RFC 9110 §7.6.1, RFC 9112
    /// §9.6).
    pub fn closes(&self) -> bool {
        self.all("Connection").flat_map(|line| line.split(',')).any(|o| o.trim().eq_ignore_ascii_case("close"))
    }

    /// The request a handler sees. `peer` is the socket's address, `public`
    /// whether it came through the public listener; `trusted` are the
    /// proxies whose `X-Forwarded-*` headers are believed.
    pub fn into_req(self, body: Vec<u8>, peer: IpAddr, public: bool, trusted: &[Cidr]) -> Req {
        let (path, query) = self.target.split_once('?').unwrap_or((&self.target, ""));
        let text = |name: &str| self.get(name).map(str::to_string);
        let origin = crate::net::client_addr(peer, self.list("X-Forwarded-For").as_deref(), trusted);
        let https = crate::net::forwarded_https(peer, origin, self.list("X-Forwarded-Proto").as_deref(), trusted);
        Req {
            method: self.method,
            path: path.to_string(),
            query: query.to_string(),
            remote: origin.addr,
            https,
            public,
            content_type: text("Content-Type"),
            cookie: text("Cookie"),
            host: text("Host"),
            host_name: self.host.clone(),
            origin: text("Origin"),
            fetch_site: text("Sec-Fetch-Site"),
            accept_language: self.list("Accept-Language"),
            accepts_gzip: crate::http::accepts_gzip(self.all("Accept-Encoding")),
            body,
        }
    }
}

impl Request {
    /// A HEAD request: the answer is sent without its body.
    pub fn head_only(&self) -> bool {
        self.head.method == Method::Head
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parse a head strictly (see the module's rules): the status refusing
/// it, 400 unless said otherwise. `raw` is the head as the reader finds it:
/// it ends with its blank line (`\r\n\r\n`) and every line with CRLF.
pub fn parse_head(raw: &[u8]) -> Result<Head, u16> {
    // httparse skips empty lines before a request line (RFC 9112 §2.2
    // allows it); they are refused here, as they always were.
    if !raw.first().copied().is_some_and(is_tchar) {
        return Err(400);
    }
    let mut slots = [const { MaybeUninit::<httparse::Header>::uninit() }; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut []);
    match parsed.parse_with_uninit_headers(raw, &mut slots) {
        Ok(httparse::Status::Complete(n)) if n == raw.len() => {}
        Err(httparse::Error::TooManyHeaders) => return Err(431),
        // Partial, or a blank line before the end: not a head we framed.
        _ => return Err(400),
    }
    let target = parsed.path.ok_or(400u16)?;
    if target.len() > MAX_URL {
        return Err(414);
    }
    // httparse lets bytes above 0x7f through for other servers' sake.
    if !target.starts_with('/') || !target.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(400);
    }
    let http11 = parsed.version == Some(1);
    let method = match parsed.method {
        Some("GET") => Method::Get,
        Some("HEAD") => Method::Head,
        Some("POST") => Method::Post,
        _ => Method::Other,
    };
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value);
            (h.name.to_string(), value.trim_matches([' ', '\t']).to_string())
        })
        .collect();
    // RFC 9112 §3.2: a 1.1 request without Host, any request with two, or
    // one whose value is not a host is a 400. Two would let a proxy and
    // Porchlight each believe a different one.
    let mut hosts = headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("host"));
    let host = match (hosts.next(), hosts.next()) {
        (None, None) if http11 => return Err(400),
        (None, _) => None,
        (Some(_), Some(_)) => return Err(400),
        (Some((_, v)), None) => Some(crate::hosts::parse(v).ok_or(400u16)?),
    };
    Ok(Head { method, target: target.to_string(), http11, headers, host })
}

/// The length of the body that follows `head`, at most `cap` bytes, or
/// the status refusing it.
pub fn body_length(head: &Head, cap: usize) -> Result<usize, u16> {
    if head.get("Transfer-Encoding").is_some() {
        // Browsers never send chunked form bodies; refusing them removes
        // every question of which length to believe.
        return Err(400);
    }
    // Digits only: no sign, no spaces, nothing a proxy might read differently.
    let digits = |v: &str| -> Result<usize, u16> {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(400);
        }
        v.parse().map_err(|_| 413)
    };
    let mut lengths = head.all("Content-Length").map(digits);
    let length = match lengths.next() {
        None => 0,
        Some(first) => {
            let first = first?;
            if lengths.any(|other| other != Ok(first)) {
                return Err(400);
            }
            first
        }
    };
    if length > cap {
        return Err(413);
    }
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Head, u16> {
        parse_head(s.as_bytes())
    }

    /// The router's rule in small: `POST /upload` may be large.
    fn bodies() -> Bodies {
        Bodies::new(|method, path| method == Method::Post && path == "/upload")
    }

    fn reader() -> Reader {
        Reader::new(Instant::now(), bodies())
    }

    /// What a reader fed `bytes` at once makes of them.
    fn read(bytes: &[u8]) -> Step {
        let mut r = reader();
        r.feed(bytes);
        r.next(Instant::now())
    }

    fn refused(bytes: &str) -> Option<u16> {
        match read(bytes.as_bytes()) {
            Step::Refuse(status) => Some(status),
            _ => None,
        }
    }

    fn request(bytes: &str) -> Request {
        match read(bytes.as_bytes()) {
            Step::Request(r) => r,
            Step::Read => panic!("{bytes:?}: still reading"),
            Step::Refuse(status) => panic!("{bytes:?}: refused {status}"),
        }
    }

    #[test]
    fn a_plain_request_parses() {
        let h = parse("GET /v/abc?x=1 HTTP/1.1\r\nHost: a\r\nCookie:  k=v \r\n\r\n").unwrap();
        assert_eq!(h.target, "/v/abc?x=1");
        assert!(h.http11);
        assert_eq!(h.get("cookie"), Some("k=v"));
    }

    #[test]
    fn host_is_required_once_and_must_be_a_host() {
        for bad in [
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
            "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost:\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a:http\r\n\r\n",
        ] {
            assert_eq!(parse(bad).err(), Some(400), "{bad:?}");
            assert_eq!(refused(bad), Some(400), "{bad:?}");
        }
        // HTTP/1.0 has no Host requirement.
        assert!(parse("GET / HTTP/1.0\r\n\r\n").is_ok());
        assert!(parse("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").is_ok());
    }

    #[test]
    fn the_lines_of_a_list_header_form_one_list() {
        let h = parse(
            "GET / HTTP/1.1\r\nX-Forwarded-For: 10.9.9.9\r\nHost: a\r\nx-forwarded-for: 203.0.113.7, 10.0.0.2\r\n\r\n",
        )
        .unwrap();
        assert_eq!(h.list("X-Forwarded-For").as_deref(), Some("10.9.9.9, 203.0.113.7, 10.0.0.2"));
        assert_eq!(h.list("Host").as_deref(), Some("a"));
        assert_eq!(h.list("X-Forwarded-Proto"), None);
    }

    #[test]
    fn anything_unusual_is_refused() {
        for bad in [
            "GET /café HTTP/1.1\r\n\r\n",
            "GET /a b HTTP/1.1\r\n\r\n",
            "GET /join HTTP/9.9\r\n\r\n",
            "GET /join HTTP/2.0\r\nHost: a\r\n\r\n",
            "GET\r\n\r\n",
            "GET * HTTP/1.1\r\n\r\n",
            "GET http://evil/ HTTP/1.1\r\n\r\n",
            "G(T / HTTP/1.1\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
            "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nNo-Colon\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nBad\u{1}: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
        ] {
            assert_eq!(parse(bad).err(), Some(400), "{bad:?}");
            assert_eq!(refused(bad), Some(400), "{bad:?}");
        }
        let long = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(MAX_URL));
        assert_eq!(parse(&long).err(), Some(414));
    }

    #[test]
    fn a_folded_header_line_is_refused() {
        // obs-fold, RFC 9112 §5.2: a server may reject it with 400.
        for bad in
            ["GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tmore\r\n\r\n"]
        {
            assert_eq!(refused(bad), Some(400), "{bad:?}");
        }
    }

    #[test]
    fn a_bare_lf_is_refused_at_once() {
        for bad in [
            "GET / HTTP/1.1\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n\n",
            "GET / HTTP/1.1\nHost: a\n\n",
            "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            assert_eq!(refused(bad), Some(400), "{bad:?}");
        }
        // Before the head is complete: no wait for an end that never comes.
        assert_eq!(refused("GET / HTTP/1.1\nHost"), Some(400));
    }

    #[test]
    fn transfer_encoding_is_refused() {
        for bad in [
            "POST /join HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "POST /join HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello",
            "POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ntransfer-encoding: identity\r\n\r\nhello",
            "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
        ] {
            assert_eq!(refused(bad), Some(400), "{bad:?}");
        }
    }

    #[test]
    fn lengths_must_be_digits_and_agree() {
        for bad in [
            "POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!",
            "POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: x\r\n\r\nhello",
            "POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
            "POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello",
            "POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n",
        ] {
            assert_eq!(refused(bad), Some(400), "{bad:?}");
        }
        let too_big = format!("POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1);
        assert_eq!(refused(&too_big), Some(413));
        assert_eq!(
            refused("POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            Some(413)
        );
        // The same length twice is one length.
        let r = request("POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
        assert_eq!(r.body, b"hello");
    }

    fn head_of(target: &str, length: usize) -> Vec<u8> {
        format!("POST {target} HTTP/1.1\r\nHost: a\r\nContent-Length: {length}\r\n\r\n").into_bytes()
    }

    #[test]
    fn only_the_routes_named_large_may_send_more_and_one_at_a_time() {
        let shared = bodies();
        let t0 = Instant::now();
        let start = |target: &str, length: usize| {
            let mut r = Reader::new(t0, shared.clone());
            r.feed(&head_of(target, length));
            let step = r.next(t0);
            (r, step)
        };
        // Over the cap of each: 413, and no permit is taken.
        assert!(matches!(start("/upload", MAX_IMPORT_BODY + 1).1, Step::Refuse(413)));
        assert!(matches!(start("/other", MAX_BODY + 1).1, Step::Refuse(413)));
        assert!(matches!(start("/upload/x", MAX_BODY + 1).1, Step::Refuse(413)));
        let get = format!("GET /upload HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1);
        let mut r = Reader::new(t0, shared.clone());
        r.feed(get.as_bytes());
        assert!(matches!(r.next(t0), Step::Refuse(413)), "a GET is never large");
        // At the cap: read, with the longer deadline, holding the permit.
        let (mut first, step) = start("/upload?x=1", MAX_IMPORT_BODY);
        assert!(matches!(step, Step::Read));
        assert_eq!(first.deadline(), t0 + LARGE_BODY_TIME);
        assert_eq!(first.room(), MAX_IMPORT_BODY);
        // A second large body waits its turn: 503 at its head; small
        // bodies, even on the same route, do not need a permit.
        assert!(matches!(start("/upload", MAX_BODY + 1).1, Step::Refuse(503)));
        assert!(matches!(start("/upload", MAX_BODY).1, Step::Read));
        // The body arrives whole and is handed out without a copy left behind.
        first.feed(&vec![b'x'; MAX_IMPORT_BODY]);
        let Step::Request(req) = first.next(t0) else { panic!("the large request") };
        assert_eq!(req.body.len(), MAX_IMPORT_BODY);
        assert!(first.buf.capacity() <= MAX_HEAD, "no large buffer kept: {}", first.buf.capacity());
        assert!(matches!(start("/upload", MAX_BODY + 1).1, Step::Refuse(503)), "held until answered");
        first.body_done();
        let (second, step) = start("/upload", MAX_BODY + 1);
        assert!(matches!(step, Step::Read), "free once answered");
        drop(second);
        assert!(matches!(start("/upload", MAX_BODY + 1).1, Step::Read), "free once its connection ends");
    }

    #[test]
    fn an_oversize_head_is_refused() {
        let mut r = reader();
        r.feed(b"GET / HTTP/1.1\r\nHost: a\r\nX: ");
        while r.room() > 0 {
            assert!(matches!(r.next(Instant::now()), Step::Read));
            let n = r.room().min(1000);
            r.feed(&vec![b'a'; n]);
        }
        assert!(matches!(r.next(Instant::now()), Step::Refuse(431)));
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
        assert_eq!(refused(&format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n")), Some(431));
        let enough: String = (1..MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
        assert!(request(&format!("GET / HTTP/1.1\r\nHost: a\r\n{enough}\r\n")).keep);
    }

    #[test]
    fn any_close_in_the_connection_list_closes() {
        for (head, keep) in [
            ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade,Close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed, x-close\r\n\r\n", true),
            // HTTP/1.0 closes after each answer.
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false),
        ] {
            assert_eq!(request(head).keep, keep, "{head:?}");
        }
    }

    #[test]
    fn a_body_is_read_to_its_length_and_pipelining_works() {
        let mut r = reader();
        r.feed(b"POST /join HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 6\r\n\r\nco");
        assert!(matches!(r.next(Instant::now()), Step::Read));
        assert!(r.in_body());
        assert_eq!(r.room(), 4);
        assert!(r.take_continue());
        assert!(!r.take_continue(), "said once");
        r.feed(b"de=1GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n");
        let Step::Request(first) = r.next(Instant::now()) else { panic!("the POST") };
        assert_eq!((first.head.target.as_str(), first.body.as_slice()), ("/join", &b"code=1"[..]));
        assert!(!r.in_body());
        let Step::Request(second) = r.next(Instant::now()) else { panic!("the GET") };
        assert_eq!(second.head.target, "/healthz");
        assert!(matches!(r.next(Instant::now()), Step::Read));
    }

    #[test]
    fn a_head_dripped_byte_by_byte_is_read() {
        let raw = b"GET /v/abc HTTP/1.1\r\nHost: a\r\n\r\n";
        let mut r = reader();
        for (i, b) in raw.iter().enumerate() {
            r.feed(&[*b]);
            let step = r.next(Instant::now());
            if i + 1 < raw.len() {
                assert!(matches!(step, Step::Read), "at {i}");
                assert_eq!(r.late(), Some(408), "a part of a head is a slow client");
            } else {
                assert!(matches!(step, Step::Request(_)));
            }
        }
        assert_eq!(r.late(), None, "nothing of a next request: an idle client");
    }

    #[test]
    fn deadlines_follow_the_phase() {
        let t0 = Instant::now();
        let mut r = Reader::new(t0, bodies());
        assert_eq!(r.deadline(), t0 + HEAD_TIME);
        r.feed(b"POST /join HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n");
        let t1 = t0 + std::time::Duration::from_secs(2);
        assert!(matches!(r.next(t1), Step::Read));
        assert_eq!(r.deadline(), t1 + BODY_TIME);
        r.feed(b"a=1");
        assert!(matches!(r.next(t1), Step::Request(_)));
        r.answered(t1);
        assert_eq!(r.deadline(), t1 + IDLE_TIME);
    }

    #[test]
    fn a_connection_ends_after_its_last_allowed_request() {
        let mut r = reader();
        for n in 1..=MAX_REQUESTS {
            r.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            let Step::Request(req) = r.next(Instant::now()) else { panic!("request {n}") };
            assert_eq!(req.keep, n < MAX_REQUESTS, "request {n}");
        }
    }
}
