//! Clients: adding, listing, and their stable portal links.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::App;
use crate::error::{Error, Result};
use crate::store::{ClientRow, NewAudit, Store};
use crate::token::{self, Kind};

/// A client as printed by `client add` and `client list`.
#[derive(Debug, Clone, Serialize)]
pub struct ClientView {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub archived: bool,
    pub portal_url: Option<String>,
    /// The client asked for no email (reminders are not sent).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_mail: bool,
    /// The language their pages and messages are in: their own, else the
    /// practice's (`language` setting).
    pub language: &'static str,
    /// `language` is their own choice (`true`), or the practice's, which
    /// they follow as it changes (`false`).
    pub own_language: bool,
}

/// A language a client can be given: one bundled (`i18n::available`),
/// named by its BCP 47 tag (`es`, `ES`, `es-MX` read as `es`).
pub fn validate_language(code: &str) -> Result<&'static str> {
    crate::i18n::find(code).ok_or_else(|| {
        Error::input(format!(
            "bad language {:?}: use one Porchlight speaks: {}",
            code.trim(),
            crate::i18n::available().join(", ")
        ))
    })
}

/// A display name: 1 to 100 characters, no control characters, and none
/// of the invisible characters that make a name show as another: the
/// bidirectional embeddings, overrides and isolates (U+202A to U+202E,
/// U+2066 to U+2069, which reorder the text around them: Unicode TR #9,
/// and the "Trojan Source" trick), zero width space, word joiner and the
/// byte order mark. Zero width joiner and non-joiner stay: names in
/// Persian and Indic scripts use them.
pub fn validate_name(name: &str) -> Result<String> {
    let name = name.trim();
    let hidden =
        |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}');
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(|c| c.is_control() || hidden(c)) {
        return Err(Error::input(format!("bad name {name:?}: use 1 to 100 printable characters")));
    }
    Ok(name.to_string())
}

/// A client's email address (the rule is [`crate::email::address`]).
pub fn validate_email(email: &str) -> Result<String> {
    crate::email::address(email)
        .ok_or_else(|| Error::input(format!("bad email {:?}: use an address like name@example.org", email.trim())))
}

pub fn validate_phone(phone: &str) -> Result<String> {
    let phone = phone.trim();
    let ok = (3..=32).contains(&phone.len())
        && phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && phone.chars().any(|c| c.is_ascii_digit());
    if !ok {
        return Err(Error::input(format!("bad phone {phone:?}: use digits, spaces and + - ( )")));
    }
    Ok(phone.to_string())
}

impl App {
    pub fn add_client(
        &mut self,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ClientView> {
        self.add_client_in(name, email, phone, None, now)
    }

    /// [`App::add_client`] with the client's own language (`None`: the
    /// practice's), checked by [`validate_language`].
    pub fn add_client_in(
        &mut self,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
        language: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ClientView> {
        let language = language.map(validate_language).transpose()?;
        let name = validate_name(name)?;
        let email = email.map(validate_email).transpose()?;
        let phone = phone.map(validate_phone).transpose()?;
        let keys = self.keys.clone();
        let seed = token::new_seed();
        let tag = keys.tag_of_seed(Kind::Portal, &seed);
        let at = now.timestamp();
        let id = self.store.write(|tx| {
            let id = Store::insert_client(tx, &name, email.as_deref(), phone.as_deref(), at)?;
            Store::set_language(tx, id, language)?;
            Store::replace_portal_link(tx, id, &seed, &tag, at)?;
            Store::insert_audit(tx, at, &NewAudit { event: "client.add", client_id: Some(id), ..Default::default() })?;
            Ok(id)
        })?;
        self.client_view(id)
    }

    pub fn list_clients(&mut self) -> Result<Vec<ClientView>> {
        let rows = self.store.clients()?;
        rows.into_iter().map(|row| self.client_view_of(row)).collect()
    }

    /// The client a command names: an id, or a client's exact name when it
    /// names exactly one client (SPEC, command line: "a client's exact name
    /// is accepted too"). Errors (exit 2): no such id or name; a name
    /// several clients share, listing their ids.
    pub fn client_id(&self, named: &str) -> Result<i64> {
        if let Ok(id) = named.parse::<i64>() {
            return self.client_row(id).map(|row| row.id);
        }
        let matches: Vec<ClientRow> = self.store.clients()?.into_iter().filter(|c| c.name == named).collect();
        match matches.as_slice() {
            [one] => Ok(one.id),
            [] => Err(Error::not_found(format!("no client is named {named:?} (an id or a client's exact name)"))),
            several => {
                let ids: Vec<String> = several.iter().map(|c| c.id.to_string()).collect();
                Err(Error::input(format!(
                    "{} clients are named {named:?}: ids {}; give the id",
                    several.len(),
                    ids.join(", ")
                )))
            }
        }
    }

    /// A client by id, or a not-found error naming the id.
    pub fn client_row(&self, id: i64) -> Result<ClientRow> {
        self.store.client(id)?.ok_or_else(|| Error::not_found(format!("no client with id {id}")))
    }

    pub fn client_view(&mut self, id: i64) -> Result<ClientView> {
        let row = self.client_row(id)?;
        self.client_view_of(row)
    }

    fn client_view_of(&mut self, row: ClientRow) -> Result<ClientView> {
        let portal_url = self.portal_url(row.id)?;
        let language = self.language_of(&row)?;
        Ok(ClientView {
            id: row.id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            archived: row.archived_at.is_some(),
            portal_url,
            no_mail: row.no_mail,
            language,
            own_language: row.language.is_some(),
        })
    }

    /// The language `row`'s pages and messages are in: theirs, else the
    /// practice's. A stored tag no longer bundled reads as the practice's.
    pub fn language_of(&mut self, row: &ClientRow) -> Result<&'static str> {
        match row.language.as_deref().and_then(crate::i18n::find) {
            Some(own) => Ok(own),
            None => Ok(self.settings()?.language),
        }
    }

    /// Give a client their own language, or (`None`) let them follow the
    /// practice's; audited as `client.language`.
    pub fn set_client_language(&mut self, id: i64, language: Option<&str>, now: DateTime<Utc>) -> Result<ClientView> {
        let language = language.map(validate_language).transpose()?;
        if self.client_row(id)?.language.as_deref() != language {
            let at = now.timestamp();
            self.store.write(|tx| {
                Store::set_language(tx, id, language)?;
                Store::insert_audit(
                    tx,
                    at,
                    &NewAudit { event: "client.language", client_id: Some(id), ..Default::default() },
                )
            })?;
        }
        self.client_view(id)
    }

    /// Turn reminder email on or off for a client; audited.
    pub fn set_client_mail(&mut self, id: i64, on: bool, now: DateTime<Utc>) -> Result<ClientView> {
        if self.client_row(id)?.no_mail == on {
            let at = now.timestamp();
            self.store.write(|tx| {
                Store::set_no_mail(tx, id, !on)?;
                let detail = if on { "email on" } else { "email off" }.to_string();
                let e = NewAudit { event: "client.mail", client_id: Some(id), detail, ..Default::default() };
                Store::insert_audit(tx, at, &e)
            })?;
        }
        self.client_view(id)
    }

    /// Change a client's details.
    pub fn edit_client(
        &mut self,
        id: i64,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ClientView> {
        self.client_row(id)?;
        let name = validate_name(name)?;
        let email = email.filter(|e| !e.trim().is_empty()).map(validate_email).transpose()?;
        let phone = phone.filter(|p| !p.trim().is_empty()).map(validate_phone).transpose()?;
        let at = now.timestamp();
        self.store.write(|tx| {
            Store::update_client(tx, id, &name, email.as_deref(), phone.as_deref())?;
            Store::insert_audit(tx, at, &NewAudit { event: "client.edit", client_id: Some(id), ..Default::default() })
        })?;
        self.client_view(id)
    }

    /// The client's live portal URL, if they have one.
    pub fn portal_url(&mut self, client_id: i64) -> Result<Option<String>> {
        let Some(portal) = self.store.live_portal_link(client_id)? else { return Ok(None) };
        let base = self.base_url()?;
        Ok(Some(format!("{base}/p/{}", self.keys.token(Kind::Portal, &portal.seed))))
    }

    /// Replace the client's portal link; the old one becomes `revoked`.
    pub fn rotate_portal(&mut self, client_id: i64, now: DateTime<Utc>) -> Result<ClientView> {
        self.client_row(client_id)?;
        let seed = token::new_seed();
        let tag = self.keys.tag_of_seed(Kind::Portal, &seed);
        let at = now.timestamp();
        self.store.write(|tx| {
            Store::replace_portal_link(tx, client_id, &seed, &tag, at)?;
            Store::insert_audit(
                tx,
                at,
                &NewAudit { event: "portal.rotate", client_id: Some(client_id), ..Default::default() },
            )
        })?;
        self.client_view(client_id)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_new_client_gets_a_portal_link_and_rotation_replaces_it() {
        let mut app = test_app();
        let c = app.add_client("Ada Lovelace", Some("ada@example.org"), None, now()).unwrap();
        let first = c.portal_url.clone().unwrap();
        assert!(first.starts_with("http://127.0.0.1:8080/p/"), "{first}");
        let rotated = app.rotate_portal(c.id, now()).unwrap().portal_url.unwrap();
        assert_ne!(first, rotated);
        assert_eq!(app.list_clients().unwrap().len(), 1);
    }

    #[test]
    fn bad_client_fields_are_named() {
        let mut app = test_app();
        for (name, email, phone, needle) in [
            ("", None, None, "bad name"),
            ("Bo", Some("not-an-email"), None, "not-an-email"),
            ("Bo", None, Some("call me"), "call me"),
        ] {
            let err = app.add_client(name, email, phone, now()).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains(needle), "{err}");
        }
        assert!(app.rotate_portal(42, now()).unwrap_err().to_string().contains("42"));
    }

    #[test]
    fn a_name_may_not_hide_or_reorder_its_text() {
        for bad in ["Ann\u{202E}htimS", "An\u{200B}n", "\u{2066}Ann\u{2069}", "Ann\u{FEFF}", "Ann\u{7}"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        // Persian uses the zero width non-joiner; Devanagari the joiner.
        for good in [
            "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
            "\u{915}\u{94D}\u{200D}\u{937}",
            "Zoë O'Neil-Smith",
        ] {
            assert_eq!(validate_name(good).unwrap(), good);
        }
    }
}
