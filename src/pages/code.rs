//! `/join`: reaching a session by typing its access code.
//!
//! The answer never says whether a code exists: a wrong code, a code of a
//! finished session and a malformed one all get the same words. Failures
//! are throttled (see `state::limit`: per address, and in all with a
//! reserve for addresses that have not been failing) and written to the
//! audit trail with the address, never the code.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::App;
use crate::error::Result;
use crate::http::{Req, Resp};
use crate::state::{Shared, limit};
use crate::store::NewAudit;

#[derive(Serialize)]
struct Page<'a> {
    practice: &'a str,
    typed: &'a str,
    error: Option<String>,
    /// Letters and digits in a code (`token::CODE_LEN`).
    code_length: usize,
}

/// The form, in the browser's language: nobody is known until a code
/// works (`pages::browser_language`). `failed`: the last code did not.
fn render(app: &mut App, shared: &Shared, req: &Req, typed: &str, failed: bool) -> Result<Resp> {
    let lang = super::browser_language(app, req);
    let practice = app.settings()?.practice_name.clone();
    let error = if failed { Some(super::say(lang, "page-code-failed", &[])?) } else { None };
    let page = Page { practice: &practice, typed, error, code_length: crate::token::CODE_LEN };
    shared.pages.page_in(200, "code.html", lang, page)
}

/// `GET /join` (and `/`): the form.
pub fn form(app: &mut App, shared: &Shared, req: &Req) -> Result<Resp> {
    render(app, shared, req, "", false)
}

/// `POST /join`: a live code leads to its page; anything else, one answer.
pub fn submit(app: &mut App, shared: &Shared, req: &Req, now: DateTime<Utc>) -> Result<Resp> {
    let attempt = match shared.limiter.start(req.remote, Instant::now()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            let lang = super::browser_language(app, req);
            let practice = app.settings()?.practice_name.clone();
            return Ok(shared.pages.error(429, lang, &practice).with("Retry-After", wait.to_string()));
        }
    };
    let typed = req.field("code").unwrap_or_default();
    let checked = app.check_code(&typed, now);
    if let Ok(checked) = &checked
        && let (true, Some((link, _, _))) = (checked.state.is_live(), &checked.found)
    {
        shared.limiter.right(attempt);
        return Ok(Resp::see_other(format!("/v/{}", app.token_of(link))));
    }
    // A check that failed on our side (the database) still counts: an
    // error must not become a way around the budget.
    checked?;
    // One line per failure, with the address and never the code, for
    // fail2ban or a curious clinician.
    eprintln!("porchlight: access code failure from {}", req.remote);
    app.audit(now, NewAudit { event: "code.failure", addr: Some(req.remote.to_string()), ..Default::default() })?;
    if attempt.spent {
        let detail = match attempt.budget() {
            limit::Budget::Global => format!(
                "{} failed access codes within an hour; typed codes are paused except for addresses that have not \
                 been failing, from a reserve of {}",
                limit::GLOBAL,
                limit::RESERVE
            ),
            limit::Budget::Reserve => format!(
                "the reserve of {} more failed access codes is spent too; typed codes are paused for everyone \
                 until the hour has passed",
                limit::RESERVE
            ),
        };
        eprintln!("porchlight: ALERT: {detail}");
        app.audit(now, NewAudit { event: "code.burst", detail, ..Default::default() })?;
    }
    let echo = crate::token::echo_code(&typed);
    render(app, shared, req, &echo, true)
}
