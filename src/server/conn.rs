//! The blocking path of a connection, the response writer, and what
//! transport is handed from above to answer requests ([`Handler`]).
//!
//! Most requests are read and answered on the event loop (`events.rs`).
//! A request that may wait (a form that writes, a login that runs argon2,
//! an admin page) is handed over with its connection to a thread of its
//! own, which serves that connection here until it closes. Both paths
//! read through the same `reader::Reader`, so each read is under the same
//! deadline and size cap: a dripping or endless client costs one sleeping
//! thread and a bounded buffer, never memory without end. What the reader
//! refuses gets a 4xx page with every header our own pages carry.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, TcpStream};
use std::time::Instant;

use super::limits::{CHUNK, WRITE_TIME};
use super::reader::{Reader, Step};
use crate::http::{Method, Req, Resp};
use crate::state::Shared;

/// What answers requests, handed down to transport by the server's start,
/// so that transport knows no route: `serve` answers a request, `quick`
/// says whether the event loop may answer it itself (it must never wait on
/// a disk write, argon2 or a long poll) or must give it a thread, and
/// `large` whether a request (method, path without query) may bring a
/// body over `limits::MAX_BODY` (`reader::Bodies`).
#[derive(Clone, Copy)]
pub struct Handler {
    pub serve: fn(&Shared, Req) -> Resp,
    pub quick: fn(&Req) -> bool,
    pub large: fn(Method, &str) -> bool,
}

/// Answer a connection that gets no slot and close it: 503 over
/// `limits::MAX_CONNECTIONS`, 429 over its address's share. The socket is
/// new, so its send buffer takes the small page at once; a client that
/// takes nothing is not waited for.
pub fn refuse_busy(mut stream: TcpStream, shared: &Shared, status: u16) {
    let _ = stream.set_nonblocking(true);
    // No request was read: no language asked for, nor the settings read.
    let resp = shared.pages.error(status, crate::i18n::ENGLISH, "Porchlight").with("Retry-After", "5");
    let mut out = Vec::new();
    let body = encode_response(&mut out, resp, false, true);
    let _ = stream.write_vectored(&[std::io::IoSlice::new(&out), std::io::IoSlice::new(&body)]);
}

/// The error page refusing a request the reader could not take; a 503
/// (a large body while another is read) says when to try again.
pub fn refusal(shared: &Shared, status: u16) -> Resp {
    let page = shared.pages.error(status, crate::i18n::ENGLISH, "Porchlight");
    if status == 503 { page.with("Retry-After", super::limits::LARGE_BODY_RETRY) } else { page }
}

/// Why reading a request stopped.
enum Stop {
    /// The client went away or was idle too long: close without a word.
    Quiet,
    /// The request was bad or too slow: answer with this status, then close.
    Refuse(u16),
}

/// Serve requests on one blocking connection until it closes. `reader`
/// holds what was read already and the deadline running; `first` is a
/// request the event loop read but left to a thread, with whether the
/// connection may stay open after it. `public`: it came through the
/// public listener (client pages only).
pub fn connection(
    mut stream: TcpStream,
    peer: IpAddr,
    public: bool,
    shared: &Shared,
    handler: Handler,
    mut reader: Reader,
    mut first: Option<(Req, bool)>,
) {
    let _ = stream.set_write_timeout(Some(WRITE_TIME));
    let mut chunk = [0u8; CHUNK];
    let mut out: Vec<u8> = Vec::with_capacity(4096);
    loop {
        let next = match first.take() {
            Some(ready) => Ok(ready),
            None => next_request(&mut stream, &mut reader, &mut chunk).map(|r| {
                let keep = r.keep;
                (r.head.into_req(r.body, peer, public, &shared.trust_proxy), keep)
            }),
        };
        match next {
            Ok((req, keep)) => {
                let head_only = req.method == Method::Head;
                let resp = (handler.serve)(shared, req);
                reader.body_done();
                if write_response(&mut stream, &mut out, resp, head_only, !keep).is_err() || !keep {
                    break;
                }
                reader.answered(Instant::now());
            }
            Err(Stop::Quiet) => break,
            Err(Stop::Refuse(status)) => {
                let _ = write_response(&mut stream, &mut out, refusal(shared, status), false, true);
                break;
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Feed `reader` from the socket until it has a whole request, each read
/// waiting no longer than the reader's deadline.
fn next_request(
    stream: &mut TcpStream,
    reader: &mut Reader,
    chunk: &mut [u8; CHUNK],
) -> Result<super::reader::Request, Stop> {
    loop {
        match reader.next(Instant::now()) {
            Step::Request(r) => return Ok(r),
            Step::Refuse(status) => return Err(Stop::Refuse(status)),
            Step::Read => {}
        }
        if reader.take_continue() {
            let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        let late = || reader.late().map_or(Stop::Quiet, Stop::Refuse);
        let left = reader.deadline().saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(late());
        }
        let _ = stream.set_read_timeout(Some(left));
        let room = reader.room().min(CHUNK);
        match stream.read(&mut chunk[..room]) {
            Ok(0) => return Err(Stop::Quiet),
            Ok(n) => reader.feed(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return Err(late()),
            Err(_) => return Err(Stop::Quiet),
        }
    }
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
    let body = encode_response(out, resp, head_only, close);
    write_all_of(stream, out, &body, &mut 0)?;
    // A large page would otherwise keep its buffer for the connection's life.
    out.truncate(0);
    out.shrink_to(64 * 1024);
    stream.flush()
}

/// Replace `out` with the whole response: status line, headers, body.
/// `head_only` (a HEAD request) keeps the `Content-Length` of the body it
/// leaves out (RFC 9110 §9.3.2). A 1xx, 204 or 304 response has neither a
/// body nor a `Content-Length` (RFC 9110 §8.6, RFC 9112 §6.3).
///
/// The head goes into `out`, the connection's reusable buffer; the body
/// to send after it is returned as the handler made it, not copied (a
/// client page is some 16 KB), and [`write_all_of`] sends the two in one
/// system call.
pub fn encode_response(out: &mut Vec<u8>, resp: Resp, head_only: bool, close: bool) -> Vec<u8> {
    use std::io::Write as _;
    out.clear();
    // Writing into a Vec cannot fail.
    let _ = write!(out, "HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in resp.all_headers() {
        for part in [name.as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
            out.extend_from_slice(part);
        }
    }
    let _ = write!(out, "Date: {}\r\n", httpdate::HttpDate::from(std::time::SystemTime::now()));
    let bodiless = matches!(resp.status, 100..=199 | 204 | 304);
    if !bodiless {
        let _ = write!(out, "Content-Length: {}\r\n", resp.body.len());
    }
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if head_only || bodiless { Vec::new() } else { resp.body }
}

/// Write `head` then `body` from byte `sent` of the two (advanced as they
/// go) until both are sent, with one `writev` per step so the response
/// leaves as one stream, as if it were one buffer: a head written alone
/// would hold the body's last segment back for the peer's delayed ACK
/// (Nagle). An error (`WouldBlock` on a non-blocking socket) returns with
/// `sent` where it stopped; the caller writes on from there.
pub fn write_all_of(stream: &mut impl Write, head: &[u8], body: &[u8], sent: &mut usize) -> std::io::Result<()> {
    use std::io::IoSlice;
    while *sent < head.len() + body.len() {
        let written = match head.get(*sent..).filter(|rest| !rest.is_empty()) {
            Some(rest) => stream.write_vectored(&[IoSlice::new(rest), IoSlice::new(body)]),
            None => stream.write(&body[*sent - head.len()..]),
        };
        match written {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => *sent += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(status: u16, body: &str, head_only: bool, close: bool) -> String {
        let mut out = vec![];
        let body = encode_response(&mut out, Resp::text(status, body), head_only, close);
        out.extend_from_slice(&body);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_date_header_is_an_imf_fixdate() {
        for secs in [0, 784_111_777, 951_782_400, 1_700_000_000, 1_798_675_199, 4_102_444_800] {
            let t = chrono::DateTime::from_timestamp(secs, 0).unwrap();
            let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
            let ours = httpdate::HttpDate::from(at).to_string();
            assert_eq!(ours, t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        }
        let page = encoded(200, "ok", false, false);
        let date = page.lines().find_map(|l| l.strip_prefix("Date: ")).expect("a Date header");
        assert!(httpdate::parse_http_date(date).is_ok(), "{date:?}");
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
    fn a_response_has_its_length_and_its_body() {
        let page = encoded(200, "hello", false, false);
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(page.contains("\r\nContent-Length: 5\r\n"), "{page}");
        assert!(page.ends_with("\r\n\r\nhello"), "{page}");
        assert!(!page.contains("Connection:"), "{page}");
        assert!(encoded(200, "hello", false, true).contains("\r\nConnection: close\r\n"));
    }

    #[test]
    fn a_head_answer_keeps_the_length_without_the_body() {
        // RFC 9110 §9.3.2: the length a GET would have had.
        let page = encoded(200, "hello", true, false);
        assert!(page.contains("\r\nContent-Length: 5\r\n"), "{page}");
        assert!(page.ends_with("\r\n\r\n"), "{page}");
    }

    #[test]
    fn no_content_and_not_modified_carry_no_length_and_no_body() {
        // RFC 9110 §8.6: never a Content-Length in a 1xx or 204; a 304's
        // would have to be the 200's, which it does not know.
        for status in [100, 204, 304] {
            for head_only in [false, true] {
                let page = encoded(status, "stray", head_only, false);
                assert!(!page.to_ascii_lowercase().contains("content-length"), "{status}: {page}");
                assert!(page.ends_with("\r\n\r\n"), "{status}: {page}");
            }
        }
    }
}
