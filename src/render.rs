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
//!
//! Client pages and messages speak the client's language: a template
//! rendered with [`Pages::render_in`] has `lang` in its context, and its
//! words come from the message files through `t("message-id", name=…)`
//! (`i18n`). Admin templates are written in English and call no `t`.

use minijinja::value::{Kwargs, Value};
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
        env.add_function("t", translate);
        env.add_function("w", script_word);
        env.add_function("words", script_words);
        env.add_function("t_in", |lang: &str, id: &str, kwargs: Kwargs| message(known(lang)?, id, kwargs));
        env.add_function("w_in", |lang: &str, id: &str| for_script(known(lang)?, id));
        env.add_function("words_in", |lang: &str, ids: Vec<String>| words_json(known(lang)?, ids));
        // Inflated once here; minijinja keeps its own copy of each source.
        // A client template is compiled once per language ("es/…"), its
        // plain messages written in (`inline`), and only so: every client
        // page and message is rendered in a language. What it extends or
        // includes is taken from the same language.
        for file in &crate::bundle::TEMPLATES {
            let source = String::from_utf8(file.to_vec()).expect("templates are UTF-8");
            if speaks(file.name) {
                for lang in crate::i18n::available() {
                    let inlined = inline(&source, lang, file.name.ends_with(".html"));
                    env.add_template_owned(format!("{lang}/{}", file.name), inlined)
                        .expect("bundled templates compile");
                }
            } else {
                env.add_template_owned(file.name, source).expect("bundled templates compile");
            }
        }
        env.set_path_join_callback(|name, parent| match parent.split_once('/') {
            Some((lang, _)) if speaks(name) && !name.contains('/') => format!("{lang}/{name}").into(),
            _ => name.into(),
        });
        Pages { env }
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String> {
        Ok(self.env.get_template(name)?.render(minijinja::value::Serde(&ctx))?)
    }

    /// Render the client template `name` in `lang` (a bundled language:
    /// `i18n::find`): its compilation in that language, whose `t(…)` calls
    /// with variables, `w` and `words` speak it too (`lang_of`).
    pub fn render_in(&self, name: &str, lang: &'static str, ctx: impl Serialize) -> Result<String> {
        let template = self.env.get_template(&format!("{lang}/{name}"))?;
        Ok(template.render(minijinja::value::Serde(&ctx))?)
    }

    /// A plain page with a heading and a few sentences, for errors and
    /// simple outcomes, in English (the admin pages').
    pub fn message(&self, status: u16, practice: &str, title: &str, lines: &[&str]) -> Resp {
        self.message_in(status, crate::i18n::ENGLISH, practice, title, lines)
    }

    /// [`Pages::message`] in `lang`: `title` and `lines` are already in
    /// it, the page around them (footer, skip link) is put in it here.
    pub fn message_in(&self, status: u16, lang: &'static str, practice: &str, title: &str, lines: &[&str]) -> Resp {
        #[derive(Serialize)]
        struct Ctx<'a> {
            practice: &'a str,
            title: &'a str,
            lines: &'a [&'a str],
        }
        match self.render_in("message.html", lang, Ctx { practice, title, lines }) {
            Ok(html) => Resp::html(status, html),
            Err(_) => Resp::text(status, title),
        }
    }

    /// The page of a link that leads to no session now: what happened in
    /// plain words and what to do next. `kind` names the case for the
    /// style sheet (a link state, or `off` for portals turned off);
    /// `offer_code` adds the way in by access code, where a code from a
    /// message may still work. `gone`'s words are in `lang` already.
    pub fn gone(&self, status: u16, lang: &'static str, practice: &str, gone: Gone<'_>) -> Result<Resp> {
        #[derive(Serialize)]
        struct Ctx<'a> {
            practice: &'a str,
            gone: Gone<'a>,
        }
        Ok(Resp::html(status, self.render_in("gone.html", lang, Ctx { practice, gone })?))
    }

    /// The page for an error status that is not a link state, in `lang`
    /// (messages `page-error-{status}-title` and `page-error-{status}`;
    /// a status without its own words gets 500's).
    pub fn error(&self, status: u16, lang: &'static str, practice: &str) -> Resp {
        let known = matches!(status, 400 | 404 | 405 | 413 | 414 | 429 | 503);
        let id = format!("page-error-{}", if known { status } else { 500 });
        let say = |id: &str| crate::i18n::text(lang, id, &[]).unwrap_or_default();
        let (title, line) = (say(&format!("{id}-title")), say(&id));
        self.message_in(status, lang, practice, &title, &[&line])
    }
}

/// `{{ t("join-button", practice=practice) }}`: the message `id` in the
/// language of the page (`lang` in its context; English without one),
/// its keyword arguments the message's variables (integers as numbers,
/// which choose plural forms; everything else as text). A message
/// English lacks is an error, so a template test fails on a typo.
fn translate(state: &State, id: &str, kwargs: Kwargs) -> std::result::Result<String, TemplateError> {
    message(lang_of(state), id, kwargs)
}

/// A language a compiled template names (`t_in("es", …)`): a bundled one.
fn known(lang: &str) -> std::result::Result<&'static str, TemplateError> {
    crate::i18n::find(lang).ok_or_else(|| {
        TemplateError::new(minijinja::ErrorKind::InvalidOperation, format!("no language {lang:?} is bundled"))
    })
}

/// Message `id` in `lang` with `kwargs` as its variables (see [`translate`]).
fn message(lang: &'static str, id: &str, kwargs: Kwargs) -> std::result::Result<String, TemplateError> {
    use crate::i18n::Arg;
    let names: Vec<&str> = kwargs.args().collect();
    let values: Vec<Value> = names.iter().map(|n| kwargs.get::<Value>(n)).collect::<std::result::Result<_, _>>()?;
    let texts: Vec<String> = values.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
    let args: Vec<(&str, Arg<'_>)> = names
        .iter()
        .zip(values.iter().zip(&texts))
        .map(|(name, (value, text))| match value.as_i64() {
            Some(n) if value.is_number() => (*name, Arg::Number(n)),
            _ => (*name, Arg::Text(text)),
        })
        .collect();
    crate::i18n::text(lang, id, &args).ok_or_else(|| missing(id))
}

/// Does template `name` speak the client's language (a client page or a
/// message, not an admin page)?
fn speaks(name: &str) -> bool {
    !name.starts_with("admin_")
}

/// `source` in `lang`: every `{{ t("id") }}` without variables becomes
/// the message's text (escaped as the formatter escapes, in HTML; as it
/// is, in the mail's text part), and `{{ lang }}` the language, so a page
/// pays nothing for its plain words. A message with `{` in it is kept in
/// `{% raw %}`, so no text can become template syntax. What is not
/// written in (variables, `w`, `words`) is looked up as the page renders.
fn inline(source: &str, lang: &str, html: bool) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let Some(end) = rest[at..].find("}}").map(|e| at + e + 2) else { break };
        let inner = rest[at + 2..end - 2].trim();
        let id = inner.strip_prefix("t(\"").and_then(|r| r.strip_suffix("\")"));
        let text = match (id, inner) {
            (Some(id), _) if id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') => {
                crate::i18n::text(lang, id, &[])
            }
            (_, "lang" | "lang|default(\"en\")") => Some(lang.to_string()),
            _ => None,
        };
        match text {
            Some(text) => {
                let mut written = String::new();
                if html {
                    html_escape(&mut written, &text).expect("writing to a String cannot fail");
                } else {
                    written = text;
                }
                if written.contains('{') {
                    written = format!("{{% raw %}}{written}{{% endraw %}}");
                }
                out.push_str(&written);
            }
            // Not a plain message (or one English lacks: left for `t` to
            // fail on, as it would without this): its calls are told the
            // language, `t("id", …)` becoming `t_in("es", "id", …)`.
            None => out.push_str(&in_language(&rest[at..end], lang)),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `{{ t("x", a=b) }}` → `{{ t_in("es", "x", a=b) }}`, and the same for
/// `w` and `words`: the calls of one expression told the language of the
/// template they were compiled into.
fn in_language(expression: &str, lang: &str) -> String {
    let mut out = String::with_capacity(expression.len() + 16);
    let mut rest = expression;
    while let Some(at) = rest.find('(') {
        let before = &rest[..at];
        let name_start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let name = &before[name_start..];
        out.push_str(before);
        if matches!(name, "t" | "w" | "words") {
            out.push_str(&format!("_in(\"{lang}\", "));
        } else {
            out.push('(');
        }
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out
}

/// The page's language, from its context's `lang` (templates compiled in
/// a language call the `_in` forms instead), else English.
fn lang_of(state: &State) -> &'static str {
    state.lookup("lang").and_then(|l| l.as_str().and_then(crate::i18n::find)).unwrap_or(crate::i18n::ENGLISH)
}

/// `{{ w("page-opens-in") }}`: a message as a page's script receives it,
/// each variable left as `{name}` for the script (`i18n::for_script`);
/// for `data-*` attributes. Formatted once per language, so a page pays a
/// lookup.
fn script_word(state: &State, id: &str) -> std::result::Result<String, TemplateError> {
    for_script(lang_of(state), id)
}

fn for_script(lang: &'static str, id: &str) -> std::result::Result<String, TemplateError> {
    crate::i18n::for_script(lang, id).map(str::to_string).ok_or_else(|| missing(id))
}

/// `{{ words(["check-copied", …]) }}`: the JSON object `{id: words}` a
/// page's script reads from a `<script type="application/json">` block
/// (never run, so the CSP stays strict), in the page's language, with
/// `<`, `>`, `&` and `'` written as `\u` escapes so no text can close the
/// block. Made once per language and list, then kept (a handful: the
/// lists are the templates' own).
fn script_words(state: &State, ids: Vec<String>) -> std::result::Result<Value, TemplateError> {
    words_json(lang_of(state), ids)
}

fn words_json(lang: &'static str, ids: Vec<String>) -> std::result::Result<Value, TemplateError> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    /// (language, the ids joined) → the block's JSON.
    type Made = Mutex<HashMap<(&'static str, String), Arc<str>>>;
    static MADE: OnceLock<Made> = OnceLock::new();
    let key = (lang, ids.join(","));
    let made = MADE.get_or_init(Default::default);
    if let Some(json) = made.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(Value::from_safe_string(json.to_string()));
    }
    let mut map = serde_json::Map::new();
    for id in &ids {
        let text = crate::i18n::for_script(lang, id).ok_or_else(|| missing(id))?;
        map.insert(id.clone(), serde_json::Value::from(text));
    }
    let json = serde_json::Value::Object(map)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027");
    made.lock().unwrap_or_else(|p| p.into_inner()).insert(key, json.as_str().into());
    Ok(Value::from_safe_string(json))
}

fn missing(id: &str) -> TemplateError {
    TemplateError::new(minijinja::ErrorKind::InvalidOperation, format!("no message {id:?} in the English files"))
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
    fn scripts_get_their_words_once_per_language_as_json_that_cannot_close_its_block() {
        let pages = Pages::new();
        let render = |src: &str, lang: &str| pages.env.render_str(src, minijinja::context! { lang => lang }).unwrap();
        let block = render("{{ words(['room-camera-n', 'check-copied']) }}", "es");
        let parsed: serde_json::Value = serde_json::from_str(&block).unwrap();
        assert_eq!(parsed["room-camera-n"], "Cámara {number}", "a variable is left for the script");
        assert!(!block.contains('<') && !block.contains('\''), "{block}");
        assert_eq!(render("{{ words(['room-camera-n', 'check-copied']) }}", "es"), block, "kept, the same");
        assert_eq!(render("{{ w('room-camera-n') }}", "en"), "Camera {number}");
        assert!(pages.env.render_str("{{ words(['no-such']) }}", minijinja::context! { lang => "es" }).is_err());
    }

    #[test]
    fn a_template_in_a_language_has_its_plain_words_written_in_and_its_calls_told_the_language() {
        let src = r#"<html lang="{{ lang|default("en") }}"><p title="{{ t("weekday-2") }}">{{ t("page-eyebrow", practice=p) }}</p>{{ w("room-camera-n") }}{{ x(1) }}"#;
        let es = inline(src, "es", true);
        assert_eq!(
            es,
            r#"<html lang="es"><p title="martes">{{ t_in("es", "page-eyebrow", practice=p) }}</p>{{ w_in("es", "room-camera-n") }}{{ x(1) }}"#
        );
        assert_eq!(inline("{{ t(\"no-such-id\") }}", "es", true), "{{ t_in(\"es\", \"no-such-id\") }}", "left to fail");
        // A message with variables is looked up when the page renders, in the mail text too.
        assert_eq!(inline("{{ t(\"room-camera-n\") }}", "en", false), "{{ t_in(\"en\", \"room-camera-n\") }}");
        let pages = Pages::new();
        let page =
            pages.render_in("message.html", "es", minijinja::context! { practice => "P", title => "T", lines => [""] });
        assert!(page.unwrap().contains("Ir al contenido"), "base.html taken in Spanish through extends");
    }

    #[test]
    fn t_speaks_the_pages_language_with_its_variables_and_fails_on_a_typo() {
        let pages = Pages::new();
        let render = |src: &str, lang: &str| pages.env.render_str(src, minijinja::context! { lang => lang });
        assert_eq!(render("{{ t('weekday-2') }}", "es").unwrap(), "martes");
        assert_eq!(render("{{ t('weekday-2') }}", "en").unwrap(), "Tuesday");
        let at = "{{ t('date-at-time', date='D', time='T', hour=1) }}";
        assert_eq!(render(at, "es").unwrap(), "D a la T", "a number chooses the form");
        assert!(render("{{ t('no-such-id') }}", "es").is_err());
        assert_eq!(pages.env.render_str("{{ t('weekday-2') }}", minijinja::context! {}).unwrap(), "Tuesday");
        let page = pages.render_in(
            "message.html",
            "es",
            minijinja::context! { practice => "P", title => "<b>", lines => [""] },
        );
        let page = page.unwrap();
        assert!(page.contains("<html lang=\"es\">") && page.contains("&lt;b&gt;"), "{page}");
    }

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
