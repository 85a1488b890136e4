//! Rendering: the template environment every page and message is
//! written with.
//!
//! Templates are bundled from `assets/templates` (compressed, see
//! [`crate::bundle`]), every one a `.html` file so minijinja escapes
//! everything it prints, with strict undefined values so a typo in a
//! template fails a test instead of printing nothing.
//! The same environment renders the mail templates, so pages and messages
//! escape alike: one formatter ([`html_escape`]) for every value printed
//! into HTML.

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error as TemplateError, Output, State, UndefinedBehavior};
use serde::Serialize;

use crate::error::Result;
use crate::http::Resp;

/// What [`Pages::gone`] shows.
#[derive(Serialize)]
pub struct Gone<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub lines: Vec<String>,
    /// The session the link was for, when it may be told.
    pub when: Option<crate::times::Local>,
    pub offer_code: bool,
}

/// The compiled templates, shared by every worker.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn new() -> Pages {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(format_value);
        // `|e` must escape as the formatter does, not as minijinja's default.
        env.add_filter("escape", escape_filter);
        env.add_filter("e", escape_filter);
        // Inflated once here; minijinja keeps its own copy of each source.
        for file in &crate::bundle::TEMPLATES {
            let source = String::from_utf8(file.to_vec()).expect("templates are UTF-8");
            env.add_template_owned(file.name, source).expect("bundled templates compile");
        }
        Pages { env }
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String> {
        Ok(self.env.get_template(name)?.render(minijinja::value::Serde(&ctx))?)
    }

    /// A plain page with a heading and a few sentences, for errors and
    /// simple outcomes.
    pub fn message(&self, status: u16, practice: &str, title: &str, lines: &[&str]) -> Resp {
        #[derive(Serialize)]
        struct Ctx<'a> {
            practice: &'a str,
            title: &'a str,
            lines: &'a [&'a str],
        }
        match self.render("message.html", Ctx { practice, title, lines }) {
            Ok(html) => Resp::html(status, html),
            Err(_) => Resp::text(status, title),
        }
    }

    /// The page of a link that leads to no session now: what happened in
    /// plain words and what to do next. `kind` names the case for the
    /// style sheet (a link state, or `off` for portals turned off);
    /// `offer_code` adds the way in by access code, where a code from a
    /// message may still work.
    pub fn gone(&self, status: u16, practice: &str, gone: Gone<'_>) -> Result<Resp> {
        #[derive(Serialize)]
        struct Ctx<'a> {
            practice: &'a str,
            gone: Gone<'a>,
        }
        Ok(Resp::html(status, self.render("gone.html", Ctx { practice, gone })?))
    }

    /// The page for an error status that is not a link state.
    pub fn error(&self, status: u16, practice: &str) -> Resp {
        let (title, line) = match status {
            400 => ("That request didn't make sense", "Please go back and try again."),
            404 => ("Page not found", "Check that you copied the whole link from your message."),
            405 => ("That doesn't work here", "Please go back and use the buttons on the page."),
            413 => ("That was too much to send", "Please go back and try again with less."),
            414 => ("That address is too long", "Check that you copied the link correctly."),
            429 => (
                "Please wait a moment",
                "There were too many tries from your network. Wait a few minutes, then try again, or open the link from your message instead.",
            ),
            503 => (
                "Please try again in a minute",
                "This service can't save anything right now. Your link still works; please try again shortly.",
            ),
            _ => (
                "Something went wrong on our side",
                "Please try again in a minute. If it keeps happening, contact your clinician.",
            ),
        };
        self.message(status, practice, title, &[line])
    }
}

/// Print `value` into a template's output. In HTML, strings go through
/// [`html_escape`]; numbers, booleans and text a template marked safe keep
/// minijinja's own handling, as does every other output format (the `.txt`
/// mail body is not escaped at all).
fn format_value(out: &mut Output, state: &mut State, value: &Value) -> std::result::Result<(), TemplateError> {
    match (state.auto_escape(), value.as_str()) {
        (AutoEscape::Html, Some(text)) if !value.is_safe() => Ok(html_escape(out, text)?),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// The `escape` (`e`) filter: the formatter's escaping, marked safe so it is
/// not escaped twice.
fn escape_filter(value: &Value) -> Value {
    if value.is_safe() {
        return value.clone();
    }
    let mut escaped = String::new();
    let text = value.as_str().map_or_else(|| value.to_string(), str::to_string);
    html_escape(&mut escaped, &text).expect("writing to a String cannot fail");
    Value::from_safe_string(escaped)
}

/// Escape text for HTML content and quoted attribute values: `&`, `<`,
/// `>`, `"` and `'` become entities, nothing else. minijinja's own escaper
/// also writes `/` as `&#x2f;`, which HTML does not need (HTML Living
/// Standard, tokenization, "attribute value (double-quoted) state": such a
/// value ends only at `"`, and a character reference begins only at `&`)
/// and which some webmail and link scanners fail to decode inside `href`,
/// breaking every link of a reminder. A URL is therefore printed as it is,
/// e.g. `href="http://porch.local:8080/v/TOKEN"`; the URLs printed are
/// built from `public_url`, which its validation keeps to a plain
/// `http(s)://host[:port][/path]`.
pub fn html_escape(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.write_str(&rest[..at])?;
        out.write_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#x27;",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest)
}

impl Default for Pages {
    fn default() -> Self {
        Pages::new()
    }
}

/// One CSV record (RFC 4180: fields joined by commas, ended by CRLF),
/// for a spreadsheet: a field holding a comma, quote or line break is
/// quoted, and one starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return is prefixed with `'` so no spreadsheet runs it as a formula
/// (OWASP, CSV injection).
pub fn csv_record<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = cells.iter().map(|c| csv_field(c.as_ref())).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes() {
        let pages = Pages::new();
        let r = pages.message(404, "<b>Practice</b>", "T", &["<script>x</script>"]);
        let body = String::from_utf8(r.body).unwrap();
        assert!(body.contains("&lt;b&gt;Practice&lt;"), "{body}");
        assert!(!body.contains("<b>"), "{body}");
        assert!(!body.contains("<script>x"), "{body}");
    }

    #[test]
    fn urls_are_printed_plainly_and_markup_still_escaped() {
        let pages = Pages::new();
        let env = &pages.env;
        let html = |src: &str, v: &str| {
            let mut env = env.clone();
            env.add_template_owned("t.html", src.to_string()).unwrap();
            env.get_template("t.html").unwrap().render(minijinja::context! { v }).unwrap()
        };
        let url = "http://porch.local:8080/v/_4Hx-yz?a=1&b=2";
        assert_eq!(
            html(r#"<a href="{{ v }}">{{ v }}</a>"#, url),
            r#"<a href="http://porch.local:8080/v/_4Hx-yz?a=1&amp;b=2">http://porch.local:8080/v/_4Hx-yz?a=1&amp;b=2</a>"#
        );
        let hostile = r#""><script>alert('x')</script>&"#;
        let escaped = "&quot;&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;";
        assert_eq!(
            html(r#"<a title="{{ v }}">{{ v }}</a>"#, hostile),
            format!(r#"<a title="{escaped}">{escaped}</a>"#)
        );
        assert_eq!(html("{{ v|e }}", hostile), escaped, "the escape filter escapes once, the same way");
        assert_eq!(html("{{ v|safe }}", "<b>"), "<b>");
        assert_eq!(html("{{ 3 }} {{ true }}", ""), "3 True");
        // Plain text (the mail's text part) is not escaped at all.
        let mut env = env.clone();
        env.add_template_owned("t.txt", "{{ v }}".to_string()).unwrap();
        assert_eq!(env.get_template("t.txt").unwrap().render(minijinja::context! { v => hostile }).unwrap(), hostile);
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(super::csv_record(&["plain", "a,b", "say \"hi\""]), "plain,\"a,b\",\"say \"\"hi\"\"\"\r\n");
        assert_eq!(super::csv_record(&["=HYPERLINK(x)", "-1+2", "@SUM", "+1"]), "'=HYPERLINK(x),'-1+2,'@SUM,'+1\r\n");
        assert_eq!(super::csv_record(&["\tx", "two\nlines"]), "'\tx,\"two\nlines\"\r\n");
    }
}
