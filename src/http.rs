//! Requests and responses as the pages see them, and the headers every
//! response carries. Only the server module touches sockets; handlers
//! work with [`Req`] and [`Resp`].

use std::borrow::Cow;
use std::net::IpAddr;

/// The Content-Security-Policy of every response. No inline scripts or
/// styles anywhere: everything comes from `/assets/`.
pub const CSP: &str =
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Other,
}

/// An incoming request with its body already read (and capped).
#[derive(Debug)]
pub struct Req {
    pub method: Method,
    /// The path without the query string.
    pub path: String,
    pub query: String,
    /// The client's address (through trusted proxies, see `--trust-proxy`).
    pub remote: IpAddr,
    /// A trusted proxy said the client used https.
    pub https: bool,
    /// It came through the public listener (`--public-listen`), which
    /// serves the client pages and the room, never the admin pages.
    pub public: bool,
    pub content_type: Option<String>,
    /// The headers admin pages check: Cookie, Host, Origin, Sec-Fetch-Site.
    pub cookie: Option<String>,
    pub host: Option<String>,
    /// `host` parsed once (the parser already refused one that is not a
    /// host): the name or address without its port.
    pub host_name: Option<crate::hosts::Host>,
    pub origin: Option<String>,
    pub fetch_site: Option<String>,
    /// The languages the browser asks for (RFC 9110 §12.5.4), for the
    /// pages of no known client (`pages::browser_language`).
    pub accept_language: Option<String>,
    /// `Accept-Encoding` allows gzip (see [`accepts_gzip`]).
    pub accepts_gzip: bool,
    pub body: Vec<u8>,
}

/// Does an `Accept-Encoding` field, given as its field lines, allow gzip?
/// RFC 9110 §12.5.3: `gzip` (or its alias `x-gzip`, §8.4.1.3) or else `*`
/// with a weight above zero; a weight that does not parse counts as zero.
/// No field at all gets the plain file: every browser sends one, and a
/// client that sends none (a script, a probe) may not inflate.
pub fn accepts_gzip<'a>(lines: impl Iterator<Item = &'a str>) -> bool {
    let (mut gzip, mut any) = (None, None);
    for item in lines.flat_map(|line| line.split(',')) {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let weight = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, v)| v.trim().parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q)).unwrap_or(0.0));
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(weight);
        } else if coding == "*" {
            any = Some(weight);
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

impl Req {
    /// Did this request come over https (see `hosts::is_https`)?
    pub fn is_https(&self, public_url: Option<&str>) -> bool {
        crate::hosts::is_https(self.https, self.host_name.as_ref(), public_url)
    }

    /// Form fields of a `application/x-www-form-urlencoded` body.
    pub fn form(&self) -> Vec<(String, String)> {
        let is_form = self
            .content_type
            .as_deref()
            .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return vec![];
        }
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookie
            .as_deref()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }

    /// The first value of a form field.
    pub fn field(&self, name: &str) -> Option<String> {
        self.form().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// A response before it is written.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Extra headers (Location, Retry-After, Cache-Control for assets ...).
    pub headers: Vec<(&'static str, String)>,
    /// Another origin this page's forms may lead to (the video room, which
    /// a Join or Start POST redirects to; browsers apply `form-action` to
    /// that redirect too).
    pub form_action: Option<String>,
}

impl Resp {
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Resp {
        Resp { status, content_type, body, headers: vec![], form_action: None }
    }

    /// Let this page's forms lead to `origin` as well as to this site.
    pub fn with_form_action(mut self, origin: Option<String>) -> Resp {
        self.form_action = origin;
        self
    }

    pub fn html(status: u16, body: String) -> Resp {
        Resp::new(status, "text/html; charset=utf-8", body.into_bytes())
    }

    pub fn text(status: u16, body: &str) -> Resp {
        Resp::new(status, "text/plain; charset=utf-8", body.as_bytes().to_vec())
    }

    pub fn json(status: u16, value: &impl serde::Serialize) -> Resp {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Resp::new(status, "application/json", body)
    }

    /// 303 See Other: after a POST, the browser GETs `location`.
    pub fn see_other(location: String) -> Resp {
        let mut r = Resp::text(303, "");
        r.headers.push(("Location", location));
        r
    }

    /// 301 Moved Permanently: a GET or HEAD of a mangled client address
    /// sent on to its canonical path (RFC 9110 section 15.4.2; every
    /// browser and mail client's link opener follows it).
    pub fn moved(location: String) -> Resp {
        let mut r = Resp::text(301, "");
        r.headers.push(("Location", location));
        r
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Resp {
        self.headers.push((name, value.into()));
        self
    }

    /// The headers every response carries, and `no-store` unless the
    /// handler chose a cache policy (only bundled assets do). Borrowed, so
    /// writing a response allocates nothing for them.
    pub fn all_headers(&self) -> Vec<(&'static str, Cow<'_, str>)> {
        let mut h = vec![
            ("Content-Type", Cow::Borrowed(self.content_type)),
            (
                "Content-Security-Policy",
                match &self.form_action {
                    Some(origin) => Cow::Owned(format!("{CSP} {origin}")),
                    None => Cow::Borrowed(CSP),
                },
            ),
            ("X-Content-Type-Options", Cow::Borrowed("nosniff")),
            ("Referrer-Policy", Cow::Borrowed("no-referrer")),
            ("X-Frame-Options", Cow::Borrowed("DENY")),
            ("Cross-Origin-Opener-Policy", Cow::Borrowed("same-origin")),
            ("Cross-Origin-Resource-Policy", Cow::Borrowed("same-origin")),
            ("Permissions-Policy", Cow::Borrowed("geolocation=(), microphone=(self), camera=(self)")),
        ];
        if !self.headers.iter().any(|(k, _)| *k == "Cache-Control") {
            h.push(("Cache-Control", Cow::Borrowed("no-store")));
        }
        h.extend(self.headers.iter().map(|(k, v)| (*k, Cow::Borrowed(v.as_str()))));
        h
    }
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn gzip_is_taken_when_accept_encoding_allows_it() {
        let takes = |lines: &[&str]| accepts_gzip(lines.iter().copied());
        for yes in [
            &["gzip, deflate, br, zstd"][..],
            &["gzip"],
            &["GZIP;q=0.5"],
            &["x-gzip"],
            &["*"],
            &["br;q=1.0, *;q=0.1"],
            &["identity", "gzip"],
            &[" deflate ; q=1 , gzip ; Q=0.001 "],
        ] {
            assert!(takes(yes), "{yes:?}");
        }
        for no in [
            &[][..],
            &[""],
            &["identity"],
            &["br, deflate"],
            &["gzip;q=0"],
            &["gzip;q=0.000"],
            &["*;q=0"],
            &["gzip;q=0, *"],
            &["*", "gzip;q=0"],
            &["gzip;q=nope"],
            &["gzip;q=2"],
            &["gzipx"],
        ] {
            assert!(!takes(no), "{no:?}");
        }
    }
}
