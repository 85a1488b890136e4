//! Bundled static files under `/assets/`, and nothing else.

use include_dir::{Dir, include_dir};

use crate::http::Resp;

static STATIC: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets/static");

/// The file at `segments`, if it is bundled. Only plain names are looked
/// up, so `..`, hidden files and encoded tricks never reach the lookup.
pub fn serve(segments: &[&str]) -> Option<Resp> {
    let plain = |s: &&str| {
        !s.is_empty() && !s.starts_with('.') && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    if segments.is_empty() || !segments.iter().all(plain) {
        return None;
    }
    let file = STATIC.get_file(segments.join("/"))?;
    let name = segments.last()?;
    let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    Some(Resp::new(200, content_type, file.contents().to_vec()).with("Cache-Control", "public, max-age=3600"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bundled_plain_names_are_served() {
        assert_eq!(serve(&["style.css"]).unwrap().status, 200);
        for bad in [&[".."][..], &["..", "style.css"], &["style.css%00"], &[""], &[], &[".hidden"], &["style.css", ""]]
        {
            assert!(serve(bad).is_none(), "{bad:?}");
        }
    }
}
