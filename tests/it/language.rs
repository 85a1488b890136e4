//! The client's language: the command line and the admin set it, and the
//! oracle every Spanish page and message is checked with,
//! [`english_left`]: no word of the English message files may be left in
//! what a Spanish reader gets, apart from names, the zone and words both
//! languages share.

use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;

use crate::support::*;

/// Every word (3 letters or more, lowercased) of the English messages
/// that the Spanish messages do not also use: the words that would give
/// English away.
fn english_only_words() -> BTreeSet<String> {
    let words_of = |lang: &str| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/locales").join(lang);
        let mut words = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
                // The text of a message: after `id =`, or a continuation or
                // variant line; `{ $var }` placeables and selectors are not words.
                let value = line.split_once(" = ").map_or(line, |(_, v)| v);
                let value = strip_placeables(value);
                let value = value.rsplit(']').next().unwrap_or(&value).to_string();
                words.extend(words_in(&value));
            }
        }
        words
    };
    let spanish = words_of("es");
    words_of("en").into_iter().filter(|w| !spanish.contains(w)).collect()
}

fn strip_placeables(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn words_in(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphabetic() && c != '\'')
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| w.chars().count() >= 3)
}

/// What a reader sees of an HTML page or a mail: its text and the
/// attributes read aloud or shown (`alt`, `title`, `aria-label`,
/// `placeholder`, a button's `value`), without tags, scripts, styles and
/// the JSON a script reads.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag_end = rest[open..].find('>').map_or(rest.len(), |e| open + e + 1);
        let tag = &rest[open..tag_end];
        for attr in ["alt", "title", "aria-label", "placeholder", "value"] {
            if let Some(v) = attribute(tag, attr)
                && (attr != "value" || tag.contains("type=\"submit\"") || tag.contains("type=\"button\""))
            {
                out.push(' ');
                out.push_str(&v);
                out.push(' ');
            }
        }
        let lower = tag.to_ascii_lowercase();
        rest = &rest[tag_end..];
        for raw in ["script", "style"] {
            if lower.starts_with(&format!("<{raw}")) {
                let close = format!("</{raw}");
                rest = rest.find(&close).map_or("", |c| &rest[c..]);
            }
        }
    }
    out.push_str(rest);
    out.replace("&amp;", "&").replace("&#39;", "'").replace("&quot;", "\"").replace("&nbsp;", " ")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

/// The English words left in `text` (a Spanish page or message), apart
/// from the words of `allowed` (the practice's and people's names, the
/// zone, an address). Empty when nothing gives English away.
pub fn english_left(text: &str, allowed: &[&str]) -> Vec<String> {
    let english = english_only_words();
    let allowed: BTreeSet<String> = allowed.iter().flat_map(|a| words_in(a).collect::<Vec<_>>()).collect();
    let seen = visible_text(text);
    let mut left: Vec<String> = words_in(&seen).filter(|w| english.contains(w) && !allowed.contains(w)).collect();
    left.dedup();
    left
}

#[test]
fn the_oracle_finds_english_and_lets_names_and_spanish_through() {
    let english = english_only_words();
    assert!(english.contains("tuesday") && !english.contains("martes"), "built from the message files");
    let page = r#"<p title="Tuesday">martes, 1 de diciembre</p><script>var x = "Tuesday";</script><button aria-label="Monday">lunes</button>"#;
    assert_eq!(english_left(page, &[]), ["tuesday", "monday"]);
    assert!(english_left("<p>Martes con June Tuesday</p>", &["June Tuesday"]).is_empty(), "a name is a name");
}

#[test]
fn a_client_gets_a_language_from_the_command_line_and_json_shows_it() {
    let p = Practice::new();
    let ana = p.json(&["client", "add", "--name", "Ana García", "--language", "ES"]);
    assert_eq!((&ana["language"], &ana["own_language"]), (&json!("es"), &json!(true)));
    let bo = p.json(&["client", "add", "--name", "Bo"]);
    assert_eq!((&bo["language"], &bo["own_language"]), (&json!("en"), &json!(false)), "the practice's");
    p.set("language", "es");
    let listed = p.json(&["client", "list"]);
    let languages: Vec<&str> = listed.as_array().unwrap().iter().map(|c| c["language"].as_str().unwrap()).collect();
    assert_eq!(languages, ["es", "es"], "Bo follows the practice");
    assert_eq!(p.json(&["client", "language", "Bo", "en"])["language"], "en");
    p.set("language", "en");
    let back = p.json(&["client", "language", "Ana García", "--practice"]);
    assert_eq!((&back["language"], &back["own_language"]), (&json!("en"), &json!(false)));
    p.run(&["client", "add", "--name", "Cy", "--language", "fr"]).input_error(&["bad language \"fr\"", "en, es"]);
    p.run(&["settings", "set", "language", "klingon"]).input_error(&["language", "en, es"]);
    let events: Vec<String> = p.audit().iter().map(|e| e["event"].as_str().unwrap().to_string()).collect();
    assert_eq!(events.iter().filter(|e| *e == "client.language").count(), 2, "{events:?}");
}

/// `docs/glossary-es.md`'s rows: (English, Spanish, words never used).
fn glossary() -> Vec<(String, String, Vec<String>)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/glossary-es.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| English"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let never = cells[2].split(',').map(|w| w.trim().to_lowercase()).collect();
            (cells[0].to_string(), cells[1].to_string(), never)
        })
        .collect()
}

#[test]
fn spanish_uses_the_glossarys_words_and_never_their_rivals() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/locales/es");
    let mut words = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            let value = line.split_once(" = ").map_or(line, |(_, v)| v);
            words.extend(words_in(&strip_placeables(value)));
        }
    }
    let rows = glossary();
    assert!(rows.len() >= 10, "the glossary table was read");
    let mut rivals = vec![];
    for (english, _, never) in &rows {
        rivals.extend(never.iter().filter(|w| words.contains(*w)).map(|w| format!("{w:?} (for {english})")));
    }
    assert!(rivals.is_empty(), "Spanish messages use words the glossary rules out: {rivals:?}");
}
