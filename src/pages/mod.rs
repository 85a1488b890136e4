//! Rendering: the template environment and the client-facing handlers.
//!
//! Templates are bundled from `assets/templates`, every one a `.html` file
//! so minijinja escapes everything it prints, with strict undefined values
//! so a typo in a template fails a test instead of printing nothing.

pub mod assets;
pub mod calendar;
pub mod client;
pub mod code;
pub mod portal;
pub mod room;
pub mod waiting;

use include_dir::{Dir, include_dir};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::error::Result;
use crate::server::http::Resp;

static TEMPLATES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets/templates");

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
        for file in TEMPLATES.files() {
            let name = file.path().to_string_lossy().into_owned();
            let source = file.contents_utf8().expect("templates are UTF-8").to_string();
            env.add_template_owned(name, source).expect("bundled templates compile");
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

impl Default for Pages {
    fn default() -> Self {
        Pages::new()
    }
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
}
