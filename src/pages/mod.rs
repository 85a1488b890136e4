//! The client-facing handlers: the participant page, the waiting page,
//! the device check's routes, `/join`, the portal, calendar downloads,
//! bundled assets, and the built-in room with its signalling. Each takes the app on a lent
//! database connection and what requests share (`state`), and returns a
//! `Resp`; the templates they fill are `render`'s.

pub mod assets;
pub mod calendar;
pub mod check;
pub mod client;
pub mod code;
pub mod portal;
pub mod room;
pub mod waiting;

use crate::app::App;
use crate::error::{Error, Result};
use crate::http::Req;
use crate::i18n::{self, Arg};

/// The language of client `client_id`'s pages: theirs, else the
/// practice's (`App::language_of`). Every page of a known client's link
/// or portal is in it, whatever the browser asks for.
pub fn client_language(app: &mut App, client_id: i64) -> Result<&'static str> {
    let row = app.client_row(client_id)?;
    app.language_of(&row)
}

/// The language of a page where no client is known (`/join`, a link that
/// leads nowhere, an error): the browser's `Accept-Language` among the
/// bundled languages (`i18n::negotiate`), else the practice's `language`
/// setting, else English when even the settings cannot be read.
pub fn browser_language(app: &mut App, req: &Req) -> &'static str {
    let practice = app.settings().map_or(i18n::ENGLISH, |s| s.language);
    i18n::negotiate(req.accept_language.as_deref(), practice)
}

/// Message `id` of `assets/locales/*/pages.ftl` in `lang`, with `args`.
/// A message the English files lack is a fault of this build (an error,
/// so the page's test fails), never a blank.
pub fn say(lang: &str, id: &str, args: &[(&str, Arg<'_>)]) -> Result<String> {
    i18n::text(lang, id, args).ok_or_else(|| Error::internal(format!("no message {id:?} in the English files")))
}

/// `say` with the one variable most lines of the pages take.
pub fn say_practice(lang: &str, id: &str, practice: &str) -> Result<String> {
    say(lang, id, &[("practice", Arg::Text(practice))])
}
