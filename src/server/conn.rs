//! HTTP/1.1 requests, read by Porchlight itself: the strict parser, the
//! response writer, and the blocking path of a connection.
//!
//! Most requests are read and answered on the event loop (`events.rs`).
//! A request that may wait (a form that writes, a login that runs argon2,
//! an admin page) is handed over with its connection to a thread of its
//! own, which serves that connection here until it closes: each read
//! under a deadline and a size cap, so a dripping or endless client costs
//! one sleeping thread and a bounded buffer, never memory without end.
//! What the parser refuses gets a 4xx page with every header our own
//! pages carry.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, TcpStream};
use std::time::{Duration, Instant};

use crate::http::{MAX_BODY, MAX_URL, Method, Req, Resp};
use crate::state::Shared;

/// Largest request head (request line and headers).
pub const MAX_HEAD: usize = 16 * 1024;
/// Most headers in one request.
const MAX_HEADERS: usize = 100;
/// Time to send a whole request head, however slowly it drips.
pub const HEAD_TIME: Duration = Duration::from_secs(10);
/// Time an idle keep-alive connection is kept.
pub const IDLE_TIME: Duration = Duration::from_secs(15);
/// Time to send a body of at most [`MAX_BODY`].
const BODY_TIME: Duration = Duration::from_secs(15);
/// Time a client has to take a response.
pub const WRITE_TIME: Duration = Duration::from_secs(30);
/// Connections served at once; more are answered 503 and closed (and one
/// address may hold only its share of them: `slots.rs`).
pub const MAX_CONNECTIONS: usize = 512;
/// Requests on one connection before it is closed.
pub const MAX_REQUESTS: usize = 1000;
/// Stack of a thread that answers requests (SQLite, the templates,
/// argon2): generous, since only touched pages cost memory.
pub const STACK: usize = 512 * 1024;
/// Bytes asked of the socket per read.
pub const CHUNK: usize = 8192;

/// What answers a parsed request.
pub type Serve = fn(&Shared, Req) -> Resp;

/// Answer a connection that gets no slot and close it: 503 over
/// [`MAX_CONNECTIONS`], 429 over its address's share. The socket is new,
/// so its send buffer takes the small page at once; a client that takes
/// nothing is not waited for.
pub fn refuse_busy(mut stream: TcpStream, shared: &Shared, status: u16) {
    let _ = stream.set_nonblocking(true);
    let resp = shared.pages.error(status, "Porchlight").with("Retry-After", "5");
    let mut out = Vec::new();
    encode_response(&mut out, resp, false, true);
    let _ = stream.write(&out);
}

/// Why reading a request stopped.
enum Stop {
    /// The client went away or was too slow: close without a word.
    Quiet,
    /// The request was bad: answer with this status, then close.
    Refuse(u16),
}

/// Serve requests on one blocking connection until it closes. `buf` holds
/// what was read already (at least the head of the next request), and
/// `served` how many requests the connection had before; `public`: it
/// came through the public listener (client pages only).
pub fn connection(
    mut stream: TcpStream,
    peer: IpAddr,
    public: bool,
    shared: &Shared,
    serve: Serve,
    mut buf: Vec<u8>,
    served: usize,
) {
    let _ = stream.set_write_timeout(Some(WRITE_TIME));
    let mut chunk = [0u8; CHUNK];
    let mut out: Vec<u8> = Vec::with_capacity(4096);
    for n in served..MAX_REQUESTS {
        let wait = if n == 0 { HEAD_TIME } else { IDLE_TIME };
        match next_request(&mut stream, &mut buf, &mut chunk, wait, (peer, public), shared) {
            Ok((req, keep)) => {
                let head = req.method == Method::Head;
                let resp = serve(shared, req);
                let keep = keep && n + 1 < MAX_REQUESTS;
                if write_response(&mut stream, &mut out, resp, head, !keep).is_err() || !keep {
                    break;
                }
            }
            Err(Stop::Quiet) => break,
            Err(Stop::Refuse(status)) => {
                let _ = write_response(&mut stream, &mut out, shared.pages.error(status, "Porchlight"), false, true);
                break;
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Read until `buf` holds a whole head or the deadline passes; returns the
/// length of the head including its blank line.
fn read_head(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    chunk: &mut [u8; CHUNK],
    first_wait: Duration,
) -> Result<usize, Stop> {
    let deadline = Instant::now() + first_wait;
    let mut scanned = 0;
    loop {
        if let Some(end) = find_blank_line(buf, scanned) {
            return Ok(end);
        }
        scanned = buf.len().saturating_sub(3);
        if buf.len() >= MAX_HEAD {
            return Err(Stop::Refuse(431));
        }
        // Silence before the first byte is an idle client; silence halfway
        // through a head is a slow one.
        let late = if buf.is_empty() { Stop::Quiet } else { Stop::Refuse(408) };
        read_more(stream, buf, chunk, MAX_HEAD - buf.len(), deadline, late)?;
    }
}

/// Read up to `room` more bytes into `buf` before `deadline`; `late` is
/// what a deadline that passes means. The end of the stream ends quietly.
fn read_more(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    chunk: &mut [u8; CHUNK],
    room: usize,
    deadline: Instant,
    late: Stop,
) -> Result<(), Stop> {
    let room = room.min(chunk.len());
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(late);
        }
        let _ = stream.set_read_timeout(Some(left));
        return match stream.read(&mut chunk[..room]) {
            Ok(0) => Err(Stop::Quiet),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Err(late),
            Err(_) => Err(Stop::Quiet),
        };
    }
}

pub fn find_blank_line(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?.windows(4).position(|w| w == b"\r\n\r\n").map(|i| from + i + 4)
}

/// A parsed request head.
pub struct Head {
    pub method: Method,
    pub target: String,
    pub http11: bool,
    pub headers: Vec<(String, String)>,
    /// The `Host` header, parsed (there is at most one).
    pub host: Option<crate::hosts::Host>,
}

impl Head {
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
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parse a head strictly: anything unusual is a 400 rather than a guess.
/// `raw` ends with the blank line (`\r\n\r\n`).
pub fn parse_head(raw: &[u8]) -> Result<Head, u16> {
    let text = raw.strip_suffix(b"\r\n\r\n").ok_or(400u16)?;
    let mut lines = text.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = lines.next().ok_or(400u16)?;
    let mut parts = request_line.split(|&b| b == b' ');
    let (method, target, version) = (parts.next(), parts.next(), parts.next());
    let (Some(method), Some(target), Some(version), None) = (method, target, version, parts.next()) else {
        return Err(400);
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(400);
    }
    if target.len() > MAX_URL {
        return Err(414);
    }
    if target.first() != Some(&b'/') || !target.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
        return Err(400);
    }
    let http11 = match version {
        b"HTTP/1.1" => true,
        b"HTTP/1.0" => false,
        _ => return Err(400),
    };
    let method = match method {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        b"POST" => Method::Post,
        _ => Method::Other,
    };
    let mut headers = vec![];
    for line in lines {
        if headers.len() >= MAX_HEADERS {
            return Err(431);
        }
        let colon = line.iter().position(|&b| b == b':').ok_or(400u16)?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(400);
        }
        if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(400);
        }
        let value = String::from_utf8_lossy(value).trim_matches([' ', '\t']).to_string();
        headers.push((String::from_utf8_lossy(name).into_owned(), value));
    }
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
    Ok(Head { method, target: String::from_utf8_lossy(target).into_owned(), http11, headers, host })
}

/// Read one request: head, then exactly its body. Also says whether the
/// connection may stay open after the answer.
fn next_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    chunk: &mut [u8; CHUNK],
    wait: Duration,
    (peer, public): (IpAddr, bool),
    shared: &Shared,
) -> Result<(Req, bool), Stop> {
    let end = read_head(stream, buf, chunk, wait)?;
    let head = parse_head(&buf[..end]).map_err(Stop::Refuse)?;
    buf.drain(..end);
    let length = body_length(&head).map_err(Stop::Refuse)?;
    if length > buf.len() && head.get("Expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let deadline = Instant::now() + BODY_TIME;
    while buf.len() < length {
        read_more(stream, buf, chunk, length - buf.len(), deadline, Stop::Refuse(408))?;
    }
    let body: Vec<u8> = buf.drain(..length).collect();
    Ok(into_request(head, body, peer, public, shared))
}

/// The length of the body that follows `head`, or the status refusing it.
pub fn body_length(head: &Head) -> Result<usize, u16> {
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
    if length > MAX_BODY {
        return Err(413);
    }
    Ok(length)
}

/// The request a handler sees, and whether the connection may stay open
/// after the answer.
pub fn into_request(head: Head, body: Vec<u8>, peer: IpAddr, public: bool, shared: &Shared) -> (Req, bool) {
    let close = head.get("Connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
    let keep = head.http11 && !close;
    let (path, query) = head.target.split_once('?').unwrap_or((&head.target, ""));
    let trusted = &shared.trust_proxy;
    let text = |name: &str| head.get(name).map(str::to_string);
    let origin = crate::net::client_addr(peer, head.list("X-Forwarded-For").as_deref(), trusted);
    let https = crate::net::forwarded_https(peer, origin, head.list("X-Forwarded-Proto").as_deref(), trusted);
    let req = Req {
        method: head.method,
        path: path.to_string(),
        query: query.to_string(),
        remote: origin.addr,
        https,
        public,
        content_type: text("Content-Type"),
        cookie: text("Cookie"),
        host: text("Host"),
        host_name: head.host.clone(),
        origin: text("Origin"),
        fetch_site: text("Sec-Fetch-Site"),
        body,
    };
    (req, keep)
}

/// The reason phrase of a status line: every status of RFC 9110 section
/// 15 and RFC 6585 (429, 431), so whatever a handler answers is named
/// rather than called "Status".
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

/// Write a whole response in one go (head and body together), through
/// `out`, the connection's reusable buffer.
fn write_response(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    resp: Resp,
    head_only: bool,
    close: bool,
) -> std::io::Result<()> {
    encode_response(out, resp, head_only, close);
    stream.write_all(out)?;
    // A large page would otherwise keep its buffer for the connection's life.
    out.truncate(0);
    out.shrink_to(64 * 1024);
    stream.flush()
}

/// Replace `out` with the whole response: status line, headers, body.
pub fn encode_response(out: &mut Vec<u8>, resp: Resp, head_only: bool, close: bool) {
    use std::io::Write as _;
    out.clear();
    // Writing into a Vec cannot fail.
    let _ = write!(out, "HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in resp.all_headers() {
        for part in [name.as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
            out.extend_from_slice(part);
        }
    }
    out.extend_from_slice(b"Date: ");
    http_date(chrono::Utc::now(), out);
    out.extend_from_slice(b"\r\n");
    let _ = write!(out, "Content-Length: {}\r\n", resp.body.len());
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(&resp.body);
    }
}

/// The `Date` header's IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`),
/// written by hand: chrono's format strings are parsed on every call.
fn http_date(t: chrono::DateTime<chrono::Utc>, out: &mut Vec<u8>) {
    use chrono::{Datelike, Timelike};
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let two = |out: &mut Vec<u8>, n: u32| out.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
    out.extend_from_slice(DAYS[t.weekday().num_days_from_monday() as usize].as_bytes());
    out.extend_from_slice(b", ");
    two(out, t.day());
    out.push(b' ');
    out.extend_from_slice(MONTHS[t.month0() as usize].as_bytes());
    out.push(b' ');
    let year = t.year().clamp(0, 9999) as u32;
    two(out, year / 100);
    two(out, year % 100);
    out.push(b' ');
    two(out, t.hour());
    out.push(b':');
    two(out, t.minute());
    out.push(b':');
    two(out, t.second());
    out.extend_from_slice(b" GMT");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Head, u16> {
        parse_head(s.as_bytes())
    }

    #[test]
    fn the_date_header_matches_chrono() {
        for secs in [0, 784_111_777, 951_782_400, 1_700_000_000, 1_798_675_199, 4_102_444_800] {
            let t = chrono::DateTime::from_timestamp(secs, 0).unwrap();
            let mut out = vec![];
            http_date(t, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        }
    }

    /// Every status the handlers answer with (the 204 of a beacon, the 301
    /// of a mangled link, the 409 of the room) has its own reason phrase.
    #[test]
    fn every_status_answered_has_its_reason_phrase() {
        for status in [200, 204, 301, 303, 400, 401, 403, 404, 405, 408, 409, 410, 413, 414, 429, 431, 500, 503] {
            assert_ne!(reason(status), "Status", "{status}");
        }
        assert_eq!(reason(301), "Moved Permanently");
        assert_eq!(reason(204), "No Content");
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
            "GET\r\n\r\n",
            "GET * HTTP/1.1\r\n\r\n",
            "GET http://evil/ HTTP/1.1\r\n\r\n",
            "G(T / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nNo-Colon\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nBad\u{1}: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n",
        ] {
            assert_eq!(parse(bad).err(), Some(400), "{bad:?}");
        }
        let long = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(MAX_URL));
        assert_eq!(parse(&long).err(), Some(414));
    }
}
