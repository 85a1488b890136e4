//! The client's language: what every client page, message and calendar
//! file says, in English or Spanish, from Project Fluent message files.
//!
//! Each language is a folder of `.ftl` files under `assets/locales/`
//! (`en/`, `es/`), bundled into the binary and read once, at first use,
//! by `fluent-bundle` (Project Fluent's reference implementation: its
//! syntax, its CLDR plural rules, no rule written here). Adding a
//! language is adding a folder. A message missing from a language falls
//! back to English (the test `every_language_has_every_message` lists
//! what is missing); one missing from English is a fault, and rendering
//! fails so a test sees it.
//!
//! Which language a request gets is decided by the caller: a client's own
//! (`clients.language`, else the practice's `language` setting) where the
//! client is known, and the browser's `Accept-Language` matched against
//! the languages here ([`negotiate`], RFC 9110 §12.5.4, by Fluent's own
//! `fluent-langneg`) where nobody is (`/join`, the pages of a link that
//! leads nowhere). The clinician's admin pages stay in English.
//!
//! Messages are plain text: templates put the markup around them and
//! escape them as they escape everything else. Bidi isolation marks are
//! off (`set_use_isolating(false)`): they would land in HTML and mail as
//! invisible characters, and names cannot carry bidi controls (refused
//! on input, see `model::clean_name`).

mod dates;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use dates::{Clock, Names};

/// The message files of `code` (`assets/locales/{code}/*.ftl`), by name,
/// with their text (inflated at first use: `bundle`).
fn files_of(code: &str) -> Vec<(&'static str, String)> {
    let prefix = format!("{code}/");
    crate::bundle::LOCALES
        .iter()
        .filter(|f| f.name.strip_prefix(&prefix).is_some_and(|rest| rest.ends_with(".ftl") && !rest.contains('/')))
        .map(|f| (f.name, String::from_utf8(f.to_vec()).expect("message files are UTF-8")))
        .collect()
}

/// The language folders bundled: `["en", "es"]`.
fn codes() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> =
        crate::bundle::LOCALES.iter().filter_map(|f| f.name.split_once('/').map(|(code, _)| code)).collect();
    codes.dedup();
    codes
}

/// The language every message exists in, and the fallback.
pub const ENGLISH: &str = "en";

/// One language's messages.
struct Language {
    code: &'static str,
    bundle: FluentBundle<FluentResource>,
    /// Messages without variables, formatted once: most of a page.
    plain: HashMap<String, String>,
    /// Messages with variables as a page's script receives them, each
    /// `{ $name }` written `{name}` for the script to fill in; formatted
    /// once ([`for_script`]).
    script: HashMap<String, String>,
    /// Messages with variables whose words never depend on their values
    /// (no plural or other choice): their text and variables in order,
    /// so a template can be compiled with the words written in ([`pieces`]).
    pieces: HashMap<String, Vec<Piece>>,
    names: Names,
}

/// A part of a message with variables (see [`pieces`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Words, exactly as Fluent writes them.
    Text(String),
    /// The variable `$name`'s value, printed as it is.
    Var(String),
}

/// Every bundled language, English first.
struct Catalog {
    languages: Vec<Language>,
    codes: Vec<&'static str>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut codes = codes();
        codes.sort_by_key(|c| (*c != ENGLISH, *c));
        let mut languages: Vec<Language> = vec![];
        for code in codes {
            let english = languages.first().map(|l| &l.names);
            let language = load(code, english);
            languages.push(language);
        }
        let codes = languages.iter().map(|l| l.code).collect();
        Catalog { languages, codes }
    })
}

/// Read one language's folder. Bundled files that do not parse are a
/// fault of this build: the test `every_bundled_file_parses` catches it.
fn load(code: &'static str, english: Option<&Names>) -> Language {
    let id: LanguageIdentifier = code.parse().expect("locale folders are BCP 47 language tags");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    for (_, text) in files_of(code) {
        let resource = FluentResource::try_new(text).unwrap_or_else(|(r, _)| r);
        // A message defined twice: the first stays (the test names it).
        let _ = bundle.add_resource(resource);
    }
    let (mut plain, mut script, mut pieces) = (HashMap::new(), HashMap::new(), HashMap::new());
    for id in ids_of(code) {
        let Some(pattern) = bundle.get_message(&id).and_then(|m| m.value()) else { continue };
        if let Some(parts) = pieces_of(pattern).filter(|p| p.iter().any(|p| matches!(p, Piece::Var(_)))) {
            pieces.insert(id.clone(), parts);
        }
        let mut errors = vec![];
        let text = bundle.format_pattern(pattern, None, &mut errors).into_owned();
        if errors.is_empty() {
            plain.insert(id, text);
            continue;
        }
        // The variables the message wants are the ones Fluent says are
        // missing: give each back as `{name}`.
        let mut holes = FluentArgs::new();
        for e in &errors {
            if let fluent_bundle::FluentError::ResolverError(fluent_bundle::resolver::ResolverError::Reference(
                fluent_bundle::resolver::errors::ReferenceKind::Variable { id: name },
            )) = e
            {
                holes.set(name.clone(), FluentValue::from(format!("{{{name}}}")));
            }
        }
        let mut again = vec![];
        let text = bundle.format_pattern(pattern, Some(&holes), &mut again);
        if again.is_empty() {
            script.insert(id, text.into_owned());
        }
    }
    let names = Names::read(|id| plain.get(id).cloned(), english);
    Language { code, bundle, plain, script, pieces, names }
}

/// `pattern` as [`Piece`]s, if it is only words and variables: anything
/// else (a choice, a function, a reference to another message or term,
/// a quoted literal) is left to Fluent, which alone applies its rules.
fn pieces_of(pattern: &fluent_syntax::ast::Pattern<&str>) -> Option<Vec<Piece>> {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    pattern
        .elements
        .iter()
        .map(|element| match element {
            PatternElement::TextElement { value } => Some(Piece::Text(value.to_string())),
            PatternElement::Placeable {
                expression: Expression::Inline(InlineExpression::VariableReference { id }),
            } => Some(Piece::Var(id.name.to_string())),
            PatternElement::Placeable { .. } => None,
        })
        .collect()
}

/// Every message id the files of `code` define, in file order.
fn ids_of(code: &str) -> Vec<String> {
    let mut ids = vec![];
    for (_, text) in files_of(code) {
        // Messages start a line with their id; terms (-x), comments and
        // continuation lines do not.
        for line in text.lines() {
            let Some((id, _)) = line.split_once('=') else { continue };
            let id = id.trim_end();
            if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

fn language(code: &str) -> &'static Language {
    let all = &catalog().languages;
    all.iter().find(|l| l.code == code).unwrap_or(&all[0])
}

/// The languages bundled, English first: `["en", "es"]`.
pub fn available() -> &'static [&'static str] {
    &catalog().codes
}

/// `code` if it is a bundled language (`es`, `ES`, `es-MX` all give
/// `es`); `None` otherwise.
pub fn find(code: &str) -> Option<&'static str> {
    // Every page asks with a bundled code as it is: no parse for that.
    if let Some(exact) = available().iter().find(|c| **c == code) {
        return Some(exact);
    }
    let wanted: LanguageIdentifier = code.trim().parse().ok()?;
    available().iter().copied().find(|c| *c == wanted.language.as_str())
}

/// The bundled language an `Accept-Language` header asks for most (RFC
/// 9110 §12.5.4), else `default`: the tags in order of their weight
/// (`q`, 1 when not given; the header's order among equals; `q=0`, "not
/// this", left out), then matched by Fluent's negotiation, which goes by
/// that order.
pub fn negotiate(accept_language: Option<&str>, default: &'static str) -> &'static str {
    let Some(header) = accept_language else { return default };
    let requested = fluent_langneg::convert_vec_str_to_langids_lossy(by_weight(header));
    let available: Vec<LanguageIdentifier> = available().iter().filter_map(|c| c.parse().ok()).collect();
    let chosen =
        fluent_langneg::negotiate_languages(&requested, &available, None, fluent_langneg::NegotiationStrategy::Lookup);
    chosen.first().and_then(|id| find(id.language.as_str())).unwrap_or(default)
}

/// The language ranges of an `Accept-Language` value, heaviest first
/// (RFC 9110 §12.4.2 weights: `q=` 0 to 1, up to three decimals; a
/// malformed weight counts as 1, as the range is still readable; `q=0`
/// dropped). At most [`RANGES_READ`] are read: the request reader bounds
/// the header, this bounds the work.
fn by_weight(header: &str) -> Vec<&str> {
    let mut ranges: Vec<(u16, &str)> = header
        .split(',')
        .take(RANGES_READ)
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let range = parts.next().filter(|r| !r.is_empty())?;
            let weight = parts
                .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .and_then(|q| q.parse::<f32>().ok())
                .filter(|q| (0.0..=1.0).contains(q))
                .map_or(1000, |q| (q * 1000.0).round() as u16);
            (weight > 0).then_some((weight, range))
        })
        .collect();
    // Stable: equal weights keep the header's order.
    ranges.sort_by_key(|(weight, _)| std::cmp::Reverse(*weight));
    ranges.into_iter().map(|(_, range)| range).collect()
}

/// How many language ranges of one header are read.
const RANGES_READ: usize = 32;

/// A message's variable: text or a number (numbers choose plurals).
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

/// Message `id` in `lang`, with `args`; English where `lang` lacks it.
/// `None` when English lacks it too (a fault the template tests see).
pub fn text(lang: &str, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
    let own = language(lang);
    if args.is_empty()
        && let Some(text) = own.plain.get(id)
    {
        return Some(text.clone());
    }
    let key = made_key(own.code, id, args);
    let made = MADE.get_or_init(Default::default);
    if let Some(text) = made.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Some(text.to_string());
    }
    let text = format(own, id, args).or_else(|| format(language(ENGLISH), id, args))?;
    let mut made = made.lock().unwrap_or_else(|p| p.into_inner());
    if made.len() >= MADE_AT_MOST {
        made.clear();
    }
    made.insert(key, text.as_str().into());
    Some(text)
}

/// Messages with variables as formatted last: a page formats the same
/// few on every request (the practice's name, the session's minutes),
/// and Fluent's resolver costs thousands of instructions each. Emptied
/// when it holds [`MADE_AT_MOST`], so it stays small whatever the
/// variables (dates in mail, names).
static MADE: OnceLock<Mutex<HashMap<String, Arc<str>>>> = OnceLock::new();
const MADE_AT_MOST: usize = 256;

/// The key of a message with variables in [`MADE`]: language, id, and
/// each variable with its kind and length, so no two calls share one.
fn made_key(lang: &str, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    use std::fmt::Write;
    let mut key = String::with_capacity(64);
    for part in [lang, "\0", id] {
        key.push_str(part);
    }
    for (name, value) in args {
        key.push('\0');
        key.push_str(name);
        // Writing to a String cannot fail.
        let _ = match value {
            Arg::Text(t) => write!(key, "\0t{}\0", t.len()).map(|()| key.push_str(t)),
            Arg::Number(n) => write!(key, "\0n{n}"),
        };
    }
    key
}

fn format(language: &Language, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
    let pattern = language.bundle.get_message(id)?.value()?;
    let mut fluent = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        match value {
            Arg::Text(t) => fluent.set(*name, FluentValue::from(*t)),
            Arg::Number(n) => fluent.set(*name, FluentValue::from(*n)),
        }
    }
    let mut errors = vec![];
    let text = language.bundle.format_pattern(pattern, Some(&fluent), &mut errors);
    // A variable the caller did not give is a fault: fall back, and let
    // the English attempt show it (tests render every message).
    errors.is_empty().then(|| text.into_owned())
}

/// Message `id` in `lang` as a page's script receives it: its words,
/// with each variable left as `{name}` for the script to fill in
/// (formatted once, at load). English where `lang` lacks it; `None`
/// where English lacks it too. A plural the script's number would choose
/// is the message's default variant.
pub fn for_script(lang: &str, id: &str) -> Option<&'static str> {
    let pick = |l: &'static Language| l.plain.get(id).or_else(|| l.script.get(id)).map(String::as_str);
    pick(language(lang)).or_else(|| pick(language(ENGLISH)))
}

/// Message `id` in `lang` (English where `lang` lacks it) as words and
/// variables, if its words never depend on its variables' values: what
/// `text` would write, with each `Var` the variable's value as it is
/// (Fluent prints text as given and integers in plain digits). `None`
/// for a message without variables, one with a choice (a plural) or any
/// other construct, and one English lacks.
pub fn pieces(lang: &str, id: &str) -> Option<&'static [Piece]> {
    let own = language(lang);
    let from = if own.bundle.has_message(id) { own } else { language(ENGLISH) };
    from.pieces.get(id).map(Vec::as_slice)
}

/// Weekday and month names and the clock habit of `lang`.
pub fn names(lang: &str) -> &'static Names {
    &language(lang).names
}

#[cfg(test)]
mod tests;
