//! Bundled static files under `/assets/`, and nothing else.
//!
//! Each is stored gzip-compressed ([`crate::bundle`]) and sent as stored
//! to a client that takes gzip (`Content-Encoding: gzip`); any other
//! client gets the file's own bytes. Either way `Vary: Accept-Encoding`
//! tells caches that the answer depends on that header (RFC 9110 §12.5.5).

use crate::bundle::{STATIC, find};
use crate::http::Resp;

/// The file at `segments`, if it is bundled, gzip-encoded when
/// `accepts_gzip` (the request's `Accept-Encoding` allows it, see
/// [`crate::http::accepts_gzip`]). Only plain names are looked up, so `..`,
/// hidden files and encoded tricks never reach the lookup.
pub fn serve(segments: &[&str], accepts_gzip: bool) -> Option<Resp> {
    let plain = |s: &&str| {
        !s.is_empty() && !s.starts_with('.') && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    if segments.is_empty() || !segments.iter().all(plain) {
        return None;
    }
    let file = find(&STATIC, &segments.join("/"))?;
    let name = segments.last()?;
    let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    let resp = match file.gzip().filter(|_| accepts_gzip) {
        Some(gzip) => Resp::new(200, content_type, gzip.to_vec()).with("Content-Encoding", "gzip"),
        None => Resp::new(200, content_type, file.plain().to_vec()),
    };
    Some(resp.with("Cache-Control", "public, max-age=3600").with("Vary", "Accept-Encoding"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bundled_plain_names_are_served() {
        assert_eq!(serve(&["style.css"], false).unwrap().status, 200);
        for bad in [&[".."][..], &["..", "style.css"], &["style.css%00"], &[""], &[], &[".hidden"], &["style.css", ""]]
        {
            assert!(serve(bad, true).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn gzip_only_to_a_client_that_takes_it() {
        let header = |r: &Resp, name: &str| r.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        let source = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/static/style.css")).unwrap();
        let plain = serve(&["style.css"], false).unwrap();
        assert_eq!(plain.body, source);
        assert_eq!(header(&plain, "Content-Encoding"), None);
        let gzip = serve(&["style.css"], true).unwrap();
        assert_eq!(header(&gzip, "Content-Encoding").as_deref(), Some("gzip"));
        assert!(gzip.body.len() < source.len() && gzip.body.starts_with(&[0x1f, 0x8b]));
        for r in [&plain, &gzip] {
            assert_eq!(header(r, "Vary").as_deref(), Some("Accept-Encoding"));
            assert_eq!(header(r, "Cache-Control").as_deref(), Some("public, max-age=3600"));
        }
    }
}
