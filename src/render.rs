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
        // Each template is inflated and compiled at its first use, and
        // kept: a box that only ever shows link pages holds no admin page
        // (compiled, a template's blocks take some 8 KB each). A client
        // template is compiled once per language ("es/…"), its plain
        // messages written in (`inline`), and only so: every client page
        // and message is rendered in a language. What it extends or
        // includes is taken from the same language.
        env.set_loader(|name| Ok(source_of(name)));
        env.set_path_join_callback(|name, parent| match parent.split_once('/') {
            Some((lang, _)) if speaks(name) && !name.contains('/') => format!("{lang}/{name}").into(),
            _ => name.into(),
        });
        Pages { env }
    }

    /// Compile every bundled template now, in every language it is
    /// compiled in: `Err` names the first that fails (a test runs it).
    pub fn compile_all(&self) -> Result<()> {
        for file in &crate::bundle::TEMPLATES {
            if speaks(file.name) {
                for lang in crate::i18n::available() {
                    self.env.get_template(&format!("{lang}/{}", file.name))?;
                }
            } else {
                self.env.get_template(file.name)?;
            }
        }
        Ok(())
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

    /// The client page `name` in `lang` (as [`Pages::render_in`]) as an
    /// HTML response with `status`.
    pub fn page_in(&self, status: u16, name: &str, lang: &'static str, ctx: impl Serialize) -> Result<Resp> {
        Ok(Resp::html(status, self.render_in(name, lang, ctx)?))
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
        self.page_in(status, "message.html", lang, Ctx { practice, title, lines })
            .unwrap_or_else(|_| Resp::text(status, title))
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
        self.page_in(status, "gone.html", lang, Ctx { practice, gone })
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
    // An undefined variable is an error here as everywhere (strict
    // undefined behaviour): passed as an argument, minijinja lets it
    // through, and it would print as a blank.
    let values: Vec<(&str, Value)> = kwargs
        .args()
        .map(|name| match kwargs.get::<Value>(name)? {
            value if value.is_undefined() => Err(TemplateError::new(
                minijinja::ErrorKind::UndefinedError,
                format!("the variable {name:?} of message {id:?} is undefined"),
            )),
            value => Ok((name, value)),
        })
        .collect::<std::result::Result<_, TemplateError>>()?;
    // Text and numbers are lent as they are; anything else is printed.
    let printed: Vec<Option<String>> = values
        .iter()
        .map(|(_, v)| (v.as_str().is_none() && !(v.is_number() && v.as_i64().is_some())).then(|| v.to_string()))
        .collect();
    let args: Vec<(&str, Arg<'_>)> = values
        .iter()
        .zip(&printed)
        .map(|((name, value), printed)| match printed.as_deref().or(value.as_str()) {
            Some(text) => (*name, Arg::Text(text)),
            None => (*name, Arg::Number(value.as_i64().unwrap_or_default())),
        })
        .collect();
    crate::i18n::text(lang, id, &args).ok_or_else(|| missing(id))
}

/// The source of template `name` for the loader: a bundled admin page as
/// it is; a client template as `{lang}/{file}`, in that language
/// (`inline`). `None` for anything else, a client template without its
/// language among them.
fn source_of(name: &str) -> Option<String> {
    let (lang, file) = match name.split_once('/') {
        Some((lang, file)) if speaks(file) => (Some(crate::i18n::available().iter().find(|l| **l == lang)?), file),
        Some(_) => return None,
        None if speaks(name) => return None,
        None => (None, name),
    };
    let bundled = crate::bundle::TEMPLATES.iter().find(|f| f.name == file)?;
    let source = String::from_utf8(bundled.to_vec()).expect("templates are UTF-8");
    Some(match lang {
        Some(lang) => inline(&source, lang, file.ends_with(".html")),
        None => source,
    })
}

/// Does template `name` speak the client's language (a client page or a
/// message, not an admin page)?
fn speaks(name: &str) -> bool {
    !name.starts_with("admin_")
}

/// `source` in `lang`: every expression whose output cannot change
/// (`constant`) is written in, so a page pays nothing for its plain
/// words. A text with `{` in it is kept in `{% raw %}`, so no text can
/// become template syntax. What is not written in (messages with
/// variables) is formatted as the page renders.
fn inline(source: &str, lang: &str, html: bool) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let Some(end) = rest[at..].find("}}").map(|e| at + e + 2) else { break };
        let inner = rest[at + 2..end - 2].trim();
        match constant(inner, lang, html).and_then(|text| literal(&text)) {
            Some(text) => out.push_str(&text),
            None => match filled(inner, lang, html) {
                Some(source) => out.push_str(&source),
                // Not a plain message (or one English lacks: left for `t`
                // to fail on, as it would without this): its calls are
                // told the language, `t("id", …)` becoming
                // `t_in("es", "id", …)`.
                None => out.push_str(&in_language(&rest[at..end], lang)),
            },
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// What the expression `inner` (between `{{` and `}}`) prints in `lang`,
/// if that is the same on every render, as it goes into the output: a
/// message without variables, `t("id")` (escaped as the formatter
/// escapes, in HTML; as it is, in the mail's text part); a script's
/// words, `w("id")` and `words(["id", …])` (the JSON block, safe as it
/// is); the language, `lang`. `None` for anything else, and for an id
/// English lacks, left for the call to fail on as it would unwritten.
fn constant(inner: &str, lang: &str, html: bool) -> Option<String> {
    let plain_id = |id: &&str| id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let call = |name: &str| inner.strip_prefix(name)?.strip_prefix("(\"")?.strip_suffix("\")").filter(plain_id);
    let escaped = |text: &str| constant_text(text, html);
    if let Some(id) = call("t") {
        return crate::i18n::text(lang, id, &[]).map(|text| escaped(&text));
    }
    if let Some(id) = call("w") {
        return crate::i18n::for_script(lang, id).map(escaped);
    }
    if let Some(list) = inner.strip_prefix("words([").and_then(|r| r.strip_suffix("])")) {
        let ids = list.split(',').map(str::trim).filter(|s| !s.is_empty());
        let ids: Option<Vec<String>> =
            ids.map(|s| s.strip_prefix('"')?.strip_suffix('"').filter(plain_id).map(str::to_string)).collect();
        return words_block(crate::i18n::find(lang)?, &ids?).ok();
    }
    matches!(inner, "lang" | "lang|default(\"en\")").then(|| lang.to_string())
}

/// `text` as template source that prints it: in `{% raw %}` if it has a
/// `{`, so no text can become template syntax; `None` if it could end
/// that block early.
fn literal(text: &str) -> Option<String> {
    match (text.contains('{'), text.contains("endraw")) {
        (_, true) => None,
        (true, false) => Some(format!("{{% raw %}}{text}{{% endraw %}}")),
        (false, false) => Some(text.to_string()),
    }
}

/// `t("id", name=expression, …)` (`inner`, between `{{` and `}}`) as
/// template source in `lang`, for a message whose words never depend on
/// its variables (`i18n::pieces`): its words written in (escaped as
/// [`constant`] escapes them) and each variable printed by `{{ expression }}`,
/// which the formatter escapes as it escapes `t`'s output. Only simple
/// expressions (`practice`, `when.zone`) are taken; `None` for anything
/// else, which is then formatted as the page renders.
fn filled(inner: &str, lang: &str, html: bool) -> Option<String> {
    let call = inner.strip_prefix("t(\"")?.strip_suffix(')')?;
    let (id, args) = call.split_once('"')?;
    let simple = |e: &&str| {
        e.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    };
    let mut given = vec![];
    for arg in args.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let (name, expression) = arg.split_once('=')?;
        given.push((name.trim(), Some(expression.trim()).filter(simple)?));
    }
    let mut source = String::new();
    for piece in crate::i18n::pieces(lang, id)? {
        match piece {
            crate::i18n::Piece::Text(text) => source.push_str(&literal(&constant_text(text, html))?),
            crate::i18n::Piece::Var(name) => {
                let (_, expression) = given.iter().find(|(given, _)| given == name)?;
                source.push_str(&format!("{{{{ {expression} }}}}"));
            }
        }
    }
    Some(source)
}

/// Text as HTML escapes it (`html`: the formatter's escaping, also the
/// `escape` filter's), or as it is (the mail's text part).
fn constant_text(text: &str, html: bool) -> String {
    let mut written = String::with_capacity(text.len());
    if html {
        html_escape(&mut written, text).expect("writing to a String cannot fail");
    } else {
        written.push_str(text);
    }
    written
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
    let json = words_block(lang, &ids)?;
    made.lock().unwrap_or_else(|p| p.into_inner()).insert(key, json.as_str().into());
    Ok(Value::from_safe_string(json))
}

/// The JSON object of [`script_words`], made.
fn words_block(lang: &'static str, ids: &[String]) -> std::result::Result<String, TemplateError> {
    let mut map = serde_json::Map::new();
    for id in ids {
        let text = crate::i18n::for_script(lang, id).ok_or_else(|| missing(id))?;
        map.insert(id.clone(), serde_json::Value::from(text));
    }
    Ok(serde_json::Value::Object(map)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027"))
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
    let text = value.as_str().map_or_else(|| value.to_string(), str::to_string);
    Value::from_safe_string(constant_text(&text, true))
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
    // Searched as bytes: the five are ASCII, so never inside a multi-byte
    // character, and a byte loop is several times quicker than a search
    // for chars, which decodes every character of a page's text.
    while let Some(at) = rest.bytes().position(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'')) {
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
        let src = r#"<html lang="{{ lang|default("en") }}"><p title="{{ t("weekday-2") }}">{{ t("page-eyebrow", practice=p) }}</p>{{ w("room-camera-n") }}{{ x(1) }}{{ t("page-zone-minutes", zone=z, minutes=m) }}{{ t("page-eyebrow", practice=p|upper) }}"#;
        let es = inline(src, "es", true);
        assert_eq!(
            es,
            r#"<html lang="es"><p title="martes">Sesión de video con {{ p }}</p>{% raw %}Cámara {number}{% endraw %}{{ x(1) }}{{ t_in("es", "page-zone-minutes", zone=z, minutes=m) }}{{ t_in("es", "page-eyebrow", practice=p|upper) }}"#,
            "words and variables written in; a plural and a filter left to render"
        );
        // Written in or not, a page prints the same, escaped the same.
        let pages = Pages::new();
        let ctx = minijinja::context! { p => "<Ana & \"Bo\">", z => "Europe/Madrid", m => 1 };
        let written = pages
            .env
            .render_str(
                &format!(
                    "{{% autoescape true %}}{}{{% endautoescape %}}",
                    inline(r#"{{ t("page-eyebrow", practice=p) }}"#, "es", true)
                ),
                &ctx,
            )
            .unwrap();
        let formatted = pages
            .env
            .render_str(r#"{% autoescape true %}{{ t_in("es", "page-eyebrow", practice=p) }}{% endautoescape %}"#, &ctx)
            .unwrap();
        assert_eq!(written, formatted);
        assert_eq!(written, "Sesión de video con &lt;Ana &amp; &quot;Bo&quot;&gt;");
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
    fn a_messages_variable_that_is_undefined_fails_the_page_as_any_undefined_value_does() {
        // Strict undefined values: a typo in a variable's name must fail
        // the template's test, not print a blank into the message, whether
        // its words are written in or formatted as the page renders.
        let pages = Pages::new();
        let render = |src: &str| pages.env.render_str(src, minijinja::context! { lang => "es", z => "Z" });
        assert!(render("{{ t('page-zone-minutes', zone=z, minutes=minutez) }}").is_err(), "a plural's number");
        assert!(render("{{ t('page-eyebrow', practice=practise) }}").is_err(), "a word");
        assert!(render("{{ t('page-eyebrow', practice=z.name) }}").is_err(), "an attribute");
        assert!(render("{{ t_in('es', 'page-eyebrow', practice=practise) }}").is_err(), "compiled in a language");
        assert!(render("{{ t('page-eyebrow', practice=none) }}").is_ok(), "none is a value");
        assert_eq!(
            render("{{ t('page-zone-minutes', zone=z, minutes=50) }}").unwrap(),
            "Zona horaria: Z · 50\u{a0}minutos"
        );
    }

    /// Every `{{ … }}` of every client template, in every language, as
    /// HTML and as the mail's text: written in (`inline`) it prints what
    /// the calls it stands for print as the page renders, with variables
    /// that try to be markup or template syntax, and with numbers.
    #[test]
    fn every_expression_prints_the_same_written_in_or_not() {
        use std::collections::BTreeMap;
        let pages = Pages::new();
        let hostile = "<b>\"x\" & 'y' {{ 1 }} {% raw %}{% endraw %}</script>";
        let mut compared = 0;
        for file in crate::bundle::TEMPLATES.iter().filter(|f| speaks(f.name)) {
            let source = String::from_utf8(file.to_vec()).unwrap();
            let mut rest = source.as_str();
            while let Some(at) = rest.find("{{") {
                let end = rest[at..].find("}}").map(|e| at + e + 2).unwrap();
                let expression = &rest[at..end];
                rest = &rest[end..];
                for lang in crate::i18n::available() {
                    // Every name in the expression (`when.zone` a map) is given.
                    let mut ctx = BTreeMap::<String, Value>::from([("lang".into(), Value::from(*lang))]);
                    let mut names: Vec<&str> = expression
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                        .filter(|n| n.starts_with(|c: char| c.is_ascii_alphabetic()))
                        .collect();
                    names.sort_by_key(|n| std::cmp::Reverse(n.matches('.').count()));
                    for name in names {
                        let parts: Vec<&str> = name.split('.').collect();
                        let mut value = Value::from(format!("{hostile}{name}"));
                        for part in parts[1..].iter().rev() {
                            value = Value::from(BTreeMap::from([(part.to_string(), value)]));
                        }
                        ctx.entry(parts[0].to_string()).or_insert(value);
                    }
                    for (ext, html) in [("html", true), ("txt", false)] {
                        let written = inline(expression, lang, html);
                        let unwritten = in_language(expression, lang);
                        for number in [None, Some(1), Some(1234)] {
                            let mut ctx = ctx.clone();
                            for name in ["minutes", "days", "join_opens_minutes", "code_length", "opens_hour"] {
                                if let (Some(n), Some(v)) = (number, ctx.get_mut(name)) {
                                    *v = Value::from(n);
                                }
                            }
                            let mut env = pages.env.clone();
                            env.add_template_owned(format!("written.{ext}"), written.clone()).unwrap();
                            env.add_template_owned(format!("unwritten.{ext}"), unwritten.clone()).unwrap();
                            let print = |name: &str| env.get_template(&format!("{name}.{ext}")).unwrap().render(&ctx);
                            // A computed id (`"mail-title-" ~ kind`) fails both ways here.
                            match (print("written"), print("unwritten")) {
                                (Ok(a), Ok(b)) => {
                                    assert_eq!(a, b, "{} in {lang} ({ext}): {expression}", file.name);
                                    assert!(!html || !a.contains("<b>"), "{a}");
                                    compared += 1;
                                }
                                (a, b) => assert!(a.is_err() && b.is_err(), "{expression}: {a:?} {b:?}"),
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 1000, "only {compared}");
    }

    #[test]
    fn every_template_compiles_and_escapes() {
        let pages = Pages::new();
        pages.compile_all().unwrap();
        assert!(pages.env.get_template("participant.html").is_err(), "a client page only in a language");
        assert!(pages.env.get_template("fr/participant.html").is_err());
        assert!(pages.env.get_template("es/admin_today.html").is_err());
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
