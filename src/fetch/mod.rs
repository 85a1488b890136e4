//! Fetching a calendar from its address (SPEC, `calendar_import_url` and
//! `import ics URL`): one bounded HTTP GET, following at most a few
//! redirects, that yields the calendar's text or a sentence saying what
//! went wrong.
//!
//! The address is a bearer secret (a private calendar's address opens it
//! to anyone), so nothing here ever puts it, or its query string, into an
//! error: errors name the calendar's server only as "the calendar's
//! server". Which addresses are taken is `urls::calendar_address`'s rule,
//! applied again to every redirect, and a redirect never leads from https
//! to plain http.
//!
//! The client is `get.rs`: blocking, over the rustls and ring already
//! built in for mail, with httparse reading the response (ureq did this
//! at first; its 0.17 MB put the binary over its 8 MB bound, for one GET
//! a quarter of an hour). The trusted roots are the system's, read by
//! rustls-native-certs (which honours `SSL_CERT_FILE`).
//!
//! `replica.rs` asks Litestream's control socket how fresh the continuous
//! copy is, with the same client over a Unix socket.

mod get;
pub mod replica;

use std::sync::Arc;
use std::time::{Duration, Instant};

use url::Url;

use get::Failure;

use crate::error::{Error, Result};

/// The largest calendar taken, in bytes of body: 4 MiB, the one bound
/// of `ical` that a file import checks too. A practice's years of
/// appointments are a few hundred KiB; a larger body is refused whole,
/// not cut, and not read past the bound.
pub const MAX_ICS: usize = crate::ical::MAX_ICS;

/// How long one fetch may take in all, connecting, TLS, every redirect
/// and reading the body together: a server that sends a byte now and
/// then is cut off here, not kept for ever.
pub const TOTAL_TIME: Duration = Duration::from_secs(30);

/// Redirects followed before the fetch gives up (a loop ends here).
pub const MAX_REDIRECTS: usize = 5;

/// The bounds of one fetch. [`Limits::CALENDAR`] is the only one the
/// program uses; tests shorten `total` to see the cut-off without waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of body at most.
    pub max_bytes: usize,
    /// Whole time at most, over all redirects.
    pub total: Duration,
    /// Redirects followed at most.
    pub redirects: usize,
}

impl Limits {
    /// [`MAX_ICS`], [`TOTAL_TIME`], [`MAX_REDIRECTS`].
    pub const CALENDAR: Limits = Limits { max_bytes: MAX_ICS, total: TOTAL_TIME, redirects: MAX_REDIRECTS };
}

/// The text of the calendar at `address` (`https://`, `webcal://`, or
/// `http://` on this network: `urls::calendar_address`), within
/// [`Limits::CALENDAR`]. Errors are `Error::Input` sentences safe to show
/// and log: a refused address, the server's status if not 200 OK, a
/// redirect loop or downgrade, a body over 4 MiB or not UTF-8, the time
/// running out, or the connection failing.
pub fn calendar(address: &str) -> Result<String> {
    calendar_within(address, Limits::CALENDAR)
}

/// [`calendar`] under other bounds.
pub fn calendar_within(address: &str, limits: Limits) -> Result<String> {
    let deadline = Instant::now() + limits.total;
    let mut url =
        crate::urls::calendar_address(address).map_err(|why| fail(format!("the address was refused: {why}")))?;
    let tls = tls_config()?;
    for _ in 0..=limits.redirects {
        let answer = get::get(&url, deadline, limits.max_bytes, &tls).map_err(|e| failed(e, &limits))?;
        if (300..400).contains(&answer.status) {
            url = redirected(&url, answer.location.as_deref())?;
            continue;
        }
        if answer.status != 200 {
            let reason = if answer.reason.is_empty() { String::new() } else { format!(" {}", answer.reason) };
            return Err(fail(format!("the calendar's server answered {}{reason}, not the calendar", answer.status)));
        }
        return String::from_utf8(answer.body).map_err(|_| fail("the calendar is not UTF-8 text".into()));
    }
    Err(fail(format!("the calendar's server redirected more than {} times", limits.redirects)))
}

/// TLS as the fetch speaks it: rustls's safe defaults with ring, this
/// machine's trusted roots (Debian's ca-certificates, or `SSL_CERT_FILE`).
fn tls_config() -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err(fail("this machine has no trusted certificates to check the calendar's server (install the ca-certificates package)".into()));
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|_| fail("TLS could not be set up".into()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Where a redirect leads, if it may be followed: the same address rule
/// as the setting, and never from https down to plain http.
fn redirected(from: &Url, location: Option<&str>) -> Result<Url> {
    let to = location
        .and_then(|l| from.join(l).ok())
        .ok_or_else(|| fail("the calendar's server redirected without saying where".into()))?;
    if from.scheme() == "https" && to.scheme() != "https" {
        return Err(fail(
            "the calendar's server redirected from https to plain http, which would send the address in the clear"
                .into(),
        ));
    }
    crate::urls::calendar_address(to.as_str())
        .map_err(|_| fail("the calendar's server redirected to an address that is not https".into()))
}

fn fail(why: String) -> Error {
    Error::input(format!("could not fetch the calendar: {why}"))
}

fn timed_out(total: Duration) -> Error {
    fail(format!("the calendar's server did not send the whole calendar within {} s", total.as_secs()))
}

/// A failure in words that never carry the address.
fn failed(e: Failure, limits: &Limits) -> Error {
    match e {
        Failure::Timeout => timed_out(limits.total),
        Failure::TooLarge => fail(format!("the calendar is larger than {} MiB", limits.max_bytes / (1024 * 1024))),
        Failure::NoSuchHost => fail("the calendar's server name was not found; check the address".into()),
        Failure::Connect => fail("could not connect to the calendar's server".into()),
        Failure::Io(kind) => fail(format!("the connection to the calendar's server failed ({kind})")),
        Failure::Certificate => fail("the calendar's server showed a certificate this machine does not trust".into()),
        Failure::Tls => fail("the secure connection to the calendar's server failed".into()),
        Failure::Protocol => fail("the calendar's server did not answer in HTTP this program reads".into()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// A server on 127.0.0.1 answering each connection with `answer(n)`
    /// (n counts connections from 0), written slowly if `drip`.
    fn serve(answer: impl Fn(usize) -> Vec<u8> + Send + 'static, drip: bool) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                let Ok(mut conn) = conn else { return };
                let mut head = [0u8; 4096];
                let _ = conn.read(&mut head);
                let bytes = answer(n);
                if drip {
                    std::thread::spawn(move || {
                        for b in bytes.chunks(1) {
                            if conn.write_all(b).is_err() {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(200));
                        }
                    });
                } else {
                    let _ = conn.write_all(&bytes);
                }
            }
        });
        format!("http://127.0.0.1:{port}/private-Xy7Q/basic.ics?token=s3cr3t")
    }

    fn ok(body: &[u8]) -> Vec<u8> {
        let mut r = format!("HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: {}\r\n\r\n", body.len())
            .into_bytes();
        r.extend_from_slice(body);
        r
    }

    fn redirect(to: &str) -> Vec<u8> {
        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n").into_bytes()
    }

    /// The error of fetching `url`, checked to hold nothing of the address.
    #[track_caller]
    fn refused(url: &str, limits: Limits) -> String {
        let msg = calendar_within(url, limits).unwrap_err().to_string();
        for secret in ["Xy7Q", "s3cr3t", "token", "basic.ics", "127.0.0.1"] {
            assert!(!msg.contains(secret), "the error quotes the address: {msg}");
        }
        msg
    }

    #[test]
    fn a_calendar_is_fetched_and_redirects_are_followed() {
        let url = serve(|_| ok(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), false);
        assert_eq!(calendar(&url).unwrap(), "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
        let to = url.clone();
        let hops =
            serve(move |n| if n + 1 < MAX_REDIRECTS { redirect(&format!("/hop/{n}")) } else { redirect(&to) }, false);
        assert!(calendar(&hops).unwrap().starts_with("BEGIN:VCALENDAR"), "five redirects are followed");
    }

    #[test]
    fn a_status_other_than_200_is_named() {
        let url = serve(|_| b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(), false);
        let msg = refused(&url, Limits::CALENDAR);
        assert!(msg.contains("404 Not Found"), "{msg}");
    }

    #[test]
    fn a_body_over_4_mib_is_refused_whole() {
        let url = serve(|_| ok(&vec![b'A'; MAX_ICS + 1]), false);
        let msg = refused(&url, Limits::CALENDAR);
        assert!(msg.contains("the calendar is larger than 4 MiB"), "{msg}");
        let exactly = serve(|_| ok(&vec![b'A'; MAX_ICS]), false);
        assert_eq!(calendar(&exactly).unwrap().len(), MAX_ICS, "4 MiB itself is taken");
        // Without a length, the reading stops at the bound too.
        let chunked = serve(
            |_| {
                let mut r = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
                r.extend(vec![b'A'; MAX_ICS + 10]);
                r
            },
            false,
        );
        assert!(refused(&chunked, Limits::CALENDAR).contains("larger than 4 MiB"));
    }

    #[test]
    fn chunked_bodies_are_read_and_bounded_and_other_codings_refused() {
        let chunked = |chunks: Vec<Vec<u8>>| {
            move |_| {
                let mut r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                for c in &chunks {
                    r.extend(format!("{:x};ext=1\r\n", c.len()).into_bytes());
                    r.extend_from_slice(c);
                    r.extend(b"\r\n");
                }
                r.extend(b"0\r\nX-Trailer: 1\r\n\r\n");
                r
            }
        };
        let url = serve(chunked(vec![b"BEGIN:VCALENDAR\r\n".to_vec(), b"END:VCALENDAR\r\n".to_vec()]), false);
        assert_eq!(calendar(&url).unwrap(), "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
        // A chunk claiming more than the bound is refused before it is read.
        let giant = serve(|_| b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffff\r\nA".to_vec(), false);
        assert!(refused(&giant, Limits::CALENDAR).contains("larger than 4 MiB"));
        let many = serve(chunked(vec![vec![b'A'; 1 << 20]; 5]), false);
        assert!(refused(&many, Limits::CALENDAR).contains("larger than 4 MiB"));
        let gzip =
            serve(|_| b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc".to_vec(), false);
        assert!(refused(&gzip, Limits::CALENDAR).contains("did not answer in HTTP"));
        // A body shorter than its length: the connection ended early.
        let short = serve(|_| b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nBEGIN".to_vec(), false);
        assert!(refused(&short, Limits::CALENDAR).contains("did not answer in HTTP"));
        let garbage = serve(|_| b"SSH-2.0-OpenSSH_9.2\r\n".to_vec(), false);
        assert!(refused(&garbage, Limits::CALENDAR).contains("did not answer in HTTP"));
    }

    #[test]
    fn a_body_that_is_not_utf8_is_refused() {
        let url = serve(|_| ok(b"BEGIN:VCALENDAR\r\nSUMMARY:Caf\xe9\r\n"), false);
        assert!(refused(&url, Limits::CALENDAR).contains("not UTF-8"));
    }

    #[test]
    fn a_redirect_loop_ends_after_five() {
        let url = serve(|_| redirect("/again"), false);
        let msg = refused(&url, Limits::CALENDAR);
        assert!(msg.contains("redirected more than 5 times"), "{msg}");
    }

    #[test]
    fn a_redirect_leaves_neither_https_nor_this_network() {
        let url = serve(|_| redirect("http://8.8.8.8/cal.ics"), false);
        assert!(refused(&url, Limits::CALENDAR).contains("not https"));
        let https = Url::parse("https://cal.example.org/private/basic.ics").unwrap();
        let msg = redirected(&https, Some("http://127.0.0.1:8000/cal.ics")).unwrap_err().to_string();
        assert!(msg.contains("from https to plain http"), "{msg}");
        assert_eq!(
            redirected(&https, Some("/other.ics?x=1")).unwrap().as_str(),
            "https://cal.example.org/other.ics?x=1"
        );
        assert!(redirected(&https, None).unwrap_err().to_string().contains("without saying where"));
    }

    #[test]
    fn a_dripping_server_is_cut_off_at_the_time_bound() {
        let url = serve(|_| ok(&vec![b'A'; 1000]), true);
        let limits = Limits { total: Duration::from_secs(2), ..Limits::CALENDAR };
        let started = Instant::now();
        let msg = refused(&url, limits);
        let took = started.elapsed();
        assert!(msg.contains("within 2 s"), "{msg}");
        assert!(took >= Duration::from_millis(1900) && took < Duration::from_secs(4), "cut off after {took:?}");
    }

    #[test]
    fn refused_addresses_and_dead_servers_say_so_without_the_address() {
        let msg = refused("http://8.8.8.8/private-Xy7Q/basic.ics?token=s3cr3t", Limits::CALENDAR);
        assert!(msg.contains("https://"), "{msg}");
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let msg = refused(&format!("http://127.0.0.1:{port}/private-Xy7Q/basic.ics?token=s3cr3t"), Limits::CALENDAR);
        assert!(msg.contains("connect") || msg.contains("connection"), "{msg}");
    }
}
