//! Checking what a visitor presents: a token, a link or a typed code.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::App;
use crate::canon;
use crate::error::Result;
use crate::model::{self, LinkFacts, LinkState, Window};
use crate::store::{ApptRow, By, LinkRow};
use crate::times;
use crate::token::{self, Kind};

/// The result of a check: the state, and the link behind it if one exists.
#[derive(Debug, Clone)]
pub struct Checked {
    pub state: LinkState,
    pub found: Option<(LinkRow, ApptRow, Window)>,
}

impl Checked {
    fn unknown() -> Checked {
        Checked { state: LinkState::Unknown, found: None }
    }

    pub fn view(&self) -> CheckView {
        match &self.found {
            None => CheckView { state: self.state, ..CheckView::default() },
            Some((link, appt, w)) => CheckView {
                state: self.state,
                appointment_id: Some(appt.id),
                client_id: Some(link.client_id),
                opens_at: Some(times::rfc3339(w.opens_at)),
                starts_at: Some(times::rfc3339(w.starts_at)),
                ends_at: Some(times::rfc3339(w.ends_at)),
                expires_at: Some(times::rfc3339(w.expires_at)),
            },
        }
    }
}

/// `check --json` and `/api/v1/links/{token}`: only `state` when unknown.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub state: LinkState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appointment_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl Default for CheckView {
    fn default() -> Self {
        CheckView {
            state: LinkState::Unknown,
            appointment_id: None,
            client_id: None,
            opens_at: None,
            starts_at: None,
            ends_at: None,
            expires_at: None,
        }
    }
}

impl App {
    /// The state of a participant token.
    pub fn check_token(&mut self, token: &str, now: DateTime<Utc>) -> Result<Checked> {
        let Some(token) = token::read_token(token) else { return Ok(Checked::unknown()) };
        let tag = self.keys.token_tag(Kind::Participant, &token);
        let Some((link, appt)) = self.store.link_by(By::Token(&tag))? else { return Ok(Checked::unknown()) };
        if !self.keys.token_matches(Kind::Participant, &link.seed, &token) {
            return Ok(Checked::unknown());
        }
        self.checked(link, appt, now)
    }

    /// The state of the link behind a typed access code.
    pub fn check_code(&mut self, typed: &str, now: DateTime<Utc>) -> Result<Checked> {
        let Some(code) = token::normalize_code(typed) else { return Ok(Checked::unknown()) };
        let tag = self.keys.code_tag(&code);
        let Some((link, appt)) = self.store.link_by(By::Code(&tag))? else { return Ok(Checked::unknown()) };
        if !self.keys.code_matches(&link.seed, &code) {
            return Ok(Checked::unknown());
        }
        self.checked(link, appt, now)
    }

    /// `check LINK_OR_TOKEN_OR_CODE`: a full `/v/` link, a bare token, or a
    /// code, read as the server reads them: a link or token in any case
    /// and with what mail or a sentence stuck to its end (the router's
    /// own rule, `canon`), a code as `/join` reads it.
    pub fn check_any(&mut self, input: &str, now: DateTime<Utc>) -> Result<Checked> {
        let input = input.trim();
        // ASCII lowercasing keeps byte offsets, so `at` indexes `input`.
        let link = input.to_ascii_lowercase().find("/v/").map(|at| input[at..].split(['?', '#']).next());
        let path = match link {
            Some(path) => path.unwrap_or_default().to_string(),
            None => format!("/v/{input}"),
        };
        let token = canon::client_path(&path)
            .and_then(|p| p.strip_prefix("/v/").and_then(|rest| rest.split('/').next()).map(str::to_string));
        match token {
            Some(token) if token::read_token(&token).is_some() => self.check_token(&token, now),
            _ if link.is_none() => self.check_code(input, now),
            _ => Ok(Checked::unknown()),
        }
    }

    fn checked(&mut self, link: LinkRow, appt: ApptRow, now: DateTime<Utc>) -> Result<Checked> {
        let window = self.window_of(&appt)?;
        let facts = LinkFacts { revoked: link.revoked, cancelled: appt.cancelled_at.is_some() };
        let state = model::link_state(now, &window, facts);
        Ok(Checked { state, found: Some((link, appt, window)) })
    }

    /// The participant link (token) of a live link, for a typed code that
    /// checked out.
    pub fn token_of(&self, link: &LinkRow) -> String {
        self.keys.token(Kind::Participant, &link.seed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn token_of(link: &str) -> &str {
        link.rsplit('/').next().unwrap()
    }

    #[test]
    fn tokens_links_and_codes_all_find_the_same_participant() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let a = app.add_client("Ann", None, None, now).unwrap().id;
        let v = app.add_appointment(&[a], t("2026-12-01T14:00:00Z"), 50, now).unwrap();
        let p = &v.participants[0];
        for input in [p.link.as_str(), token_of(&p.link), p.code.as_str(), &p.code.to_lowercase().replace('-', " ")] {
            let c = app.check_any(input, now).unwrap();
            assert_eq!(c.state, LinkState::Open, "{input}");
            assert_eq!(c.view().client_id, Some(a));
        }
        assert_eq!(app.check_any("ZZZZ-ZZZZ", now).unwrap().state, LinkState::Unknown);
        assert_eq!(app.check_any(&"0".repeat(26), now).unwrap().state, LinkState::Unknown);
        assert_eq!(app.check_any("AAAAAAAAAAAAAAAAAAAAAA", now).unwrap().state, LinkState::Unknown);
        assert_eq!(app.check_any("", now).unwrap().state, LinkState::Unknown);
    }

    #[test]
    fn links_changed_on_the_way_are_read_as_the_server_reads_them() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let a = app.add_client("Ann", None, None, now).unwrap().id;
        let v = app.add_appointment(&[a], t("2026-12-01T14:00:00Z"), 50, now).unwrap();
        let link = v.participants[0].link.clone();
        let token = token_of(&link).to_string();
        // The form links were sent in before: still found, exactly as sent.
        let legacy = {
            use base64ct::{Base64UrlUnpadded, Encoding};
            Base64UrlUnpadded::encode_string(&token::read_token(&token).unwrap().bytes_for_tests())
        };
        for input in [
            link.to_uppercase(),
            format!("{link}."),
            format!("<{link}>"),
            format!("({link}),"),
            format!("\"{link}\""),
            format!("{link}/"),
            format!("{link}?utm=x"),
            format!("{link}%22%3E"),
            token.to_uppercase(),
            format!("{token}."),
            format!("http://porch.local:8080/v/{legacy}"),
            format!("http://porch.local:8080/v/{legacy})."),
            legacy.clone(),
        ] {
            assert_eq!(app.check_any(&input, now).unwrap().state, LinkState::Open, "{input}");
        }
        let flipped: String = legacy
            .chars()
            .map(|c| if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
            .collect();
        assert_ne!(app.check_any(&flipped, now).unwrap().state, LinkState::Open, "an old token's case is its value");
        assert_eq!(app.check_any(&format!("{link}x"), now).unwrap().state, LinkState::Unknown);
        assert_eq!(app.check_any("http://porch.local:8080/p/whatever", now).unwrap().state, LinkState::Unknown);
    }

    #[test]
    fn unknown_check_json_has_only_the_state() {
        let mut app = test_app();
        let c = app.check_any("nothing", t("2026-12-01T13:55:00Z")).unwrap();
        assert_eq!(serde_json::to_string(&c.view()).unwrap(), r#"{"state":"unknown"}"#);
    }

    #[test]
    fn rotation_revokes_old_link_and_code_and_cancel_wins_over_time() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let a = app.add_client("Ann", None, None, now).unwrap().id;
        let v = app.add_appointment(&[a], t("2026-12-01T14:00:00Z"), 50, now).unwrap();
        let old = v.participants[0].clone();
        let new = app.rotate_link(v.id, a, now).unwrap();
        assert_eq!(app.check_any(&old.link, now).unwrap().state, LinkState::Revoked);
        assert_eq!(app.check_any(&old.code, now).unwrap().state, LinkState::Revoked);
        assert_eq!(app.check_any(&new.link, now).unwrap().state, LinkState::Open);
        app.cancel_appointment(v.id, now).unwrap();
        assert_eq!(app.check_any(&new.link, now).unwrap().state, LinkState::Cancelled);
        assert_eq!(app.check_any(&old.link, now).unwrap().state, LinkState::Revoked);
    }
}
