//! Form bodies with a file in them: `multipart/form-data` (RFC 7578 over
//! RFC 2046 §5.1.1), as a browser sends `<form enctype=multipart/form-data>`.
//!
//! Boundaries are found with memchr's substring search, part headers are
//! parsed by httparse (as request heads are), and anything unusual is
//! refused rather than guessed at, with an input error (400) that says
//! what was wrong: a missing or overlong boundary, a delimiter followed by
//! anything but a line end, no final boundary, a part without
//! `Content-Disposition: form-data; name=...`, over [`MAX_PARTS`] parts or
//! [`MAX_PART_HEADERS`] header lines in one, a bare LF in a part's head.
//! Parts borrow the body: nothing is copied but their names.

use httparse::Status;
use memchr::memmem;

use crate::error::{Error, Result};

/// Most parts in one body: the Import form has three.
pub const MAX_PARTS: usize = 16;
/// Most header lines in one part (browsers send two).
pub const MAX_PART_HEADERS: usize = 8;
/// Longest boundary (RFC 2046 §5.1.1).
const MAX_BOUNDARY: usize = 70;

/// One part of the body.
#[derive(Debug)]
pub struct Part<'a> {
    /// The form field's `name`.
    pub name: String,
    /// The file's name as the browser gave it, for a file field; `Some("")`
    /// for a file field left empty.
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: &'a [u8],
}

/// A parsed body: its parts in order.
#[derive(Debug)]
pub struct Upload<'a> {
    pub parts: Vec<Part<'a>>,
}

impl<'a> Upload<'a> {
    /// Read `body` sent with `content_type` (the request's header).
    pub fn read(content_type: Option<&str>, body: &'a [u8]) -> Result<Upload<'a>> {
        let boundary = boundary(content_type.unwrap_or_default())?;
        Ok(Upload { parts: parse(body, &boundary)? })
    }

    /// The first text field (a part without `filename`) called `name`;
    /// an input error if it is not UTF-8.
    pub fn text(&self, name: &str) -> Result<Option<&'a str>> {
        match self.parts.iter().find(|p| p.filename.is_none() && p.name == name) {
            None => Ok(None),
            Some(p) => std::str::from_utf8(p.data)
                .map(Some)
                .map_err(|_| Error::input(format!("the form field {name:?} is not UTF-8 text"))),
        }
    }

    /// The first file field called `name` that holds a file.
    pub fn file(&self, name: &str) -> Option<&Part<'a>> {
        self.parts.iter().find(|p| p.name == name && p.filename.as_deref().is_some_and(|f| !f.is_empty()))
    }
}

/// Is this `Content-Type` a multipart form?
pub fn is_multipart(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| media_type(t).eq_ignore_ascii_case("multipart/form-data"))
}

fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

fn bad(why: impl Into<String>) -> Error {
    Error::input(format!("the upload could not be read: {}", why.into()))
}

/// The `boundary` parameter of a `multipart/form-data` content type,
/// quoted or not (RFC 2046 §5.1.1: 1 to 70 of its characters, not ending
/// in a space).
pub fn boundary(content_type: &str) -> Result<String> {
    if !is_multipart(Some(content_type)) {
        return Err(bad("it was not sent as multipart/form-data"));
    }
    let params = parameters(content_type.split_once(';').map_or("", |(_, p)| p))?;
    let value = params
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v)
        .ok_or_else(|| bad("the content type names no boundary"))?;
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&b);
    if value.is_empty() || value.len() > MAX_BOUNDARY || !value.bytes().all(allowed) || value.ends_with(' ') {
        return Err(bad("the boundary is not a valid boundary"));
    }
    Ok(value)
}

/// The `; key=value` parameters of a header (values as tokens or quoted
/// strings). Quoted values end at the next `"`: browsers write a `"` in a
/// field or file name as `%22` (HTML, "multipart/form-data encoding
/// algorithm"), never with a backslash.
fn parameters(text: &str) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = vec![];
    let mut rest = text.trim_start_matches([' ', '\t', ';']);
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=').ok_or_else(|| bad("a header parameter has no value"))?;
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() || out.iter().any(|(k, _)| *k == key) {
            return Err(bad("a header parameter is empty or named twice"));
        }
        let after = after.trim_start();
        let (value, tail) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').ok_or_else(|| bad("a quoted header parameter does not end"))?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => {
                let (token, tail) = after.split_at(after.find(';').unwrap_or(after.len()));
                (token.trim_end(), tail)
            }
        };
        let tail = tail.trim_start();
        if !tail.is_empty() && !tail.starts_with(';') {
            return Err(bad("a header parameter runs on after its value"));
        }
        out.push((key, value.to_string()));
        rest = tail.trim_start_matches([' ', '\t', ';']);
    }
    Ok(out)
}

/// The parts of `body` between the delimiters of `boundary` (RFC 2046
/// §5.1.1): a preamble before the first and an epilogue after the last
/// are allowed and skipped.
pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>> {
    let delimiter = format!("\r\n--{boundary}");
    let finder = memmem::Finder::new(delimiter.as_bytes());
    // The first delimiter may start the body, without its CRLF.
    let mut at = if body.starts_with(&delimiter.as_bytes()[2..]) {
        delimiter.len() - 2
    } else {
        finder.find(body).ok_or_else(|| bad("its boundary is not in it"))? + delimiter.len()
    };
    let mut parts = vec![];
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding, then the line end (RFC 2046 §5.1.1).
        let padding = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        if !rest[padding..].starts_with(b"\r\n") {
            return Err(bad("a boundary is followed by something other than a line end"));
        }
        let start = at + padding + 2;
        let end = start + finder.find(&body[start..]).ok_or_else(|| bad("it ends before its final boundary"))?;
        if parts.len() == MAX_PARTS {
            return Err(bad(format!("it has over {MAX_PARTS} parts")));
        }
        parts.push(part(&body[start..end])?);
        at = end + delimiter.len();
    }
}

/// One part: its head (parsed by httparse) and the bytes after it.
fn part(raw: &[u8]) -> Result<Part<'_>> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_PART_HEADERS];
    let (length, headers) = match httparse::parse_headers(raw, &mut slots) {
        Ok(Status::Complete((length, headers))) => (length, headers),
        Ok(Status::Partial) => return Err(bad("a part's head does not end with a blank line")),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(bad(format!("a part has over {MAX_PART_HEADERS} header lines")));
        }
        Err(_) => return Err(bad("a part's head is not header lines")),
    };
    // httparse takes a bare LF as a line end; a proxy might not.
    if raw[..length].iter().enumerate().any(|(i, &b)| b == b'\n' && (i == 0 || raw[i - 1] != b'\r')) {
        return Err(bad("a part's head has a line without CR LF"));
    }
    let (mut disposition, mut content_type) = (None, None);
    for h in headers.iter() {
        let slot = if h.name.eq_ignore_ascii_case("Content-Disposition") {
            &mut disposition
        } else if h.name.eq_ignore_ascii_case("Content-Type") {
            &mut content_type
        } else if h.name.eq_ignore_ascii_case("Content-Transfer-Encoding") {
            // RFC 7578 §4.7: never sent; its data would be misread.
            return Err(bad("a part has a Content-Transfer-Encoding"));
        } else {
            continue;
        };
        let value = std::str::from_utf8(h.value).map_err(|_| bad("a part's header is not UTF-8"))?;
        if slot.replace(value.trim().to_string()).is_some() {
            return Err(bad(format!("a part has {} twice", h.name)));
        }
    }
    let disposition = disposition.ok_or_else(|| bad("a part has no Content-Disposition"))?;
    let (kind, params) = disposition.split_once(';').unwrap_or((&disposition, ""));
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return Err(bad("a part is not form-data"));
    }
    let params = parameters(params)?;
    let get = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let name = get("name").ok_or_else(|| bad("a part has no name"))?;
    Ok(Part { name, filename: get("filename"), content_type, data: &raw[length..] })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=----WebKitFormBoundaryX3f";

    /// A body as Chromium writes it: each part's head, a blank line, data.
    fn body(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut out = String::new();
        for (head, data) in parts {
            out += &format!("------WebKitFormBoundaryX3f\r\n{head}\r\n\r\n{data}\r\n");
        }
        out += "------WebKitFormBoundaryX3f--\r\n";
        out.into_bytes()
    }

    fn read(body: &[u8]) -> Result<Upload<'_>> {
        Upload::read(Some(CT), body)
    }

    fn refused(body: &[u8]) -> String {
        match read(body) {
            Ok(u) => panic!("read {:?} from {:?}", u.parts, String::from_utf8_lossy(body)),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_browser_form_with_a_file_reads() {
        let b = body(&[
            (r#"Content-Disposition: form-data; name="csrf""#, "tok"),
            (r#"Content-Disposition: form-data; name="file"; filename="cal.ics""#, "BEGIN:VCALENDAR\r\nEND:VCALENDAR"),
            (r#"Content-Disposition: form-data; name="address""#, ""),
        ]);
        let u = read(&b).unwrap();
        assert_eq!(u.parts.len(), 3);
        assert_eq!(u.text("csrf").unwrap(), Some("tok"));
        assert_eq!(u.text("address").unwrap(), Some(""));
        assert_eq!(u.text("file").unwrap(), None, "a file is not a text field");
        let file = u.file("file").expect("the file");
        assert_eq!(file.filename.as_deref(), Some("cal.ics"));
        assert_eq!(file.data, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR", "inner CRLFs kept, the delimiter's not");
    }

    #[test]
    fn the_boundary_string_inside_the_data_is_data() {
        // Only CRLF + "--" + boundary + (CRLF or "--") delimits.
        let data = "a --------WebKitFormBoundaryX3f b\r\n-----WebKitFormBoundaryX3f\r\n--WebKitFormBoundaryX3f";
        let b = body(&[(r#"Content-Disposition: form-data; name="f"; filename="a""#, data)]);
        assert_eq!(read(&b).unwrap().file("f").unwrap().data, data.as_bytes());
        // The delimiter followed by more boundary characters is no delimiter
        // and no data either: the sender chose a boundary in its data.
        let b = body(&[(r#"Content-Disposition: form-data; name="f""#, "x\r\n------WebKitFormBoundaryX3fmore")]);
        assert!(refused(&b).contains("followed by something other"));
    }

    #[test]
    fn a_missing_final_boundary_is_refused() {
        let mut b = body(&[(r#"Content-Disposition: form-data; name="a""#, "1")]);
        b.truncate(b.len() - "------WebKitFormBoundaryX3f--\r\n".len());
        assert!(refused(&b).contains("final boundary"), "{}", refused(&b));
        let cut = b"------WebKitFormBoundaryX3f\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1";
        assert!(refused(cut).contains("final boundary"));
        assert!(refused(b"").contains("boundary is not in it"));
        assert!(refused(b"just text").contains("boundary is not in it"));
    }

    #[test]
    fn line_ends_are_crlf() {
        let lf = b"------WebKitFormBoundaryX3f\r\nContent-Disposition: form-data; name=\"a\"\n\n1\r\n------WebKitFormBoundaryX3f--";
        assert!(read(lf).is_err(), "a part head with bare LFs");
        let lf_after = b"------WebKitFormBoundaryX3f\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n------WebKitFormBoundaryX3f--";
        assert!(refused(lf_after).contains("line end"));
        // A delimiter needs its CRLF: one after a bare LF is data.
        let bare = b"------WebKitFormBoundaryX3f\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\n------WebKitFormBoundaryX3f--";
        assert!(refused(bare).contains("final boundary"));
        // Transport padding after a boundary, a preamble and an epilogue
        // are RFC 2046's and allowed; a final boundary without CRLF too.
        let padded = b"preamble\r\n------WebKitFormBoundaryX3f \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n------WebKitFormBoundaryX3f--";
        assert_eq!(read(padded).unwrap().text("a").unwrap(), Some("1"));
        let mut epilogue = body(&[(r#"Content-Disposition: form-data; name="a""#, "1")]);
        epilogue.extend_from_slice(b"epilogue\r\n------WebKitFormBoundaryX3f\r\nnot a part");
        assert_eq!(read(&epilogue).unwrap().parts.len(), 1);
    }

    #[test]
    fn a_part_without_filename_is_a_text_field_and_an_empty_file_field_no_file() {
        let b = body(&[
            (r#"Content-Disposition: form-data; name="file""#, "not a file"),
            (
                "Content-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream",
                "",
            ),
        ]);
        let u = read(&b).unwrap();
        assert!(u.file("file").is_none(), "neither is a file");
        assert_eq!(u.text("file").unwrap(), Some("not a file"));
        assert_eq!(u.parts[1].content_type.as_deref(), Some("application/octet-stream"));
        let b = body(&[(r#"Content-Disposition: form-data; name="t""#, "\u{ff}")]);
        assert!(read(&b).unwrap().text("t").is_ok());
        let invalid = [
            &b"------WebKitFormBoundaryX3f\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n"[..],
            b"\xff\xfe\r\n------WebKitFormBoundaryX3f--",
        ]
        .concat();
        assert!(read(&invalid).unwrap().text("t").is_err(), "not UTF-8: refused when read as text");
    }

    #[test]
    fn two_files_are_two_parts_in_order() {
        let b = body(&[
            (r#"Content-Disposition: form-data; name="file"; filename="one.ics""#, "ONE"),
            (r#"Content-Disposition: form-data; name="file"; filename="two.ics""#, "TWO"),
        ]);
        let u = read(&b).unwrap();
        assert_eq!(u.parts.iter().map(|p| p.data).collect::<Vec<_>>(), [b"ONE", b"TWO"]);
        assert_eq!(u.file("file").unwrap().filename.as_deref(), Some("one.ics"), "the first one");
    }

    #[test]
    fn hostile_counts_and_heads_are_refused() {
        let many: String = (0..MAX_PART_HEADERS).map(|i| format!("\r\nX-{i}: v")).collect();
        let b = body(&[(&format!(r#"Content-Disposition: form-data; name="a"{many}"#), "1")]);
        assert!(refused(&b).contains("header lines"), "{}", refused(&b));
        let fewer: String = (1..MAX_PART_HEADERS).map(|i| format!("\r\nX-{i}: v")).collect();
        assert!(read(&body(&[(&format!(r#"Content-Disposition: form-data; name="a"{fewer}"#), "1")])).is_ok());
        let head = r#"Content-Disposition: form-data; name="a""#;
        let parts: Vec<(&str, &str)> = (0..=MAX_PARTS).map(|_| (head, "1")).collect();
        assert!(refused(&body(&parts)).contains("parts"));
        assert!(read(&body(&parts[..MAX_PARTS])).is_ok());
        for bad_head in [
            "Content-Type: text/plain",
            "Content-Disposition: attachment; name=\"a\"",
            "Content-Disposition: form-data",
            "Content-Disposition: form-data; filename=\"a\"",
            "Content-Disposition: form-data; name=\"a\"; name=\"b\"",
            "Content-Disposition: form-data; name=\"a",
            "Content-Disposition: form-data; name=\"a\"x",
            "Content-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"",
            "Content-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: base64",
            "Content-Disposition: form-data; name=\"a\"\r\n folded",
            "No colon here",
        ] {
            let b = body(&[(bad_head, "1")]);
            assert!(read(&b).is_err(), "{bad_head:?}");
        }
        // A part with no head at all, and an empty body between boundaries.
        assert!(read(b"------WebKitFormBoundaryX3f\r\n\r\n1\r\n------WebKitFormBoundaryX3f--").is_err());
        assert_eq!(read(b"------WebKitFormBoundaryX3f--").unwrap().parts.len(), 0);
    }

    #[test]
    fn the_boundary_comes_from_the_content_type() {
        assert_eq!(boundary(CT).unwrap(), "----WebKitFormBoundaryX3f");
        assert_eq!(boundary("Multipart/Form-Data;boundary=\"a b:c\"").unwrap(), "a b:c");
        assert_eq!(boundary("multipart/form-data; charset=utf-8; boundary=xyz").unwrap(), "xyz");
        for bad in [
            "",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\"\"",
            "multipart/form-data; boundary=\"ends in space \"",
            "multipart/form-data; boundary=a\u{7f}b",
            "multipart/form-data; boundary=a; boundary=b",
        ] {
            assert!(boundary(bad).is_err(), "{bad:?}");
        }
        assert!(boundary(&format!("multipart/form-data; boundary={}", "a".repeat(71))).is_err());
        assert!(boundary(&format!("multipart/form-data; boundary={}", "a".repeat(70))).is_ok());
        assert!(is_multipart(Some(CT)) && !is_multipart(Some("text/plain")) && !is_multipart(None));
    }
}
