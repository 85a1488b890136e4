//! Clients and their portal links.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, seed_from};
use crate::error::Result;
use crate::token::{Seed, Tag};

#[derive(Debug, Clone)]
pub struct ClientRow {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: i64,
    pub archived_at: Option<i64>,
    /// The client asked for no email.
    pub no_mail: bool,
    /// Their language (`i18n`); `None`: the practice's.
    pub language: Option<String>,
}

/// A portal link row: the seed its token derives from.
#[derive(Debug, Clone)]
pub struct PortalRow {
    pub id: i64,
    pub client_id: i64,
    pub seed: Seed,
    pub revoked: bool,
}

fn client_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClientRow> {
    Ok(ClientRow {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        phone: r.get(3)?,
        created_at: r.get(4)?,
        archived_at: r.get(5)?,
        no_mail: r.get(6)?,
        language: r.get(7)?,
    })
}

const CLIENT_COLUMNS: &str = "id, name, email, phone, created_at, archived_at, no_mail, language";

impl Store {
    pub fn insert_client(
        tx: &Transaction<'_>,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
        now: i64,
    ) -> Result<i64> {
        tx.execute(
            "INSERT INTO clients (name, email, phone, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, email, phone, now],
        )?;
        Ok(tx.last_insert_rowid())
    }

    pub fn update_client(
        tx: &Transaction<'_>,
        id: i64,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<()> {
        tx.execute(
            "UPDATE clients SET name = ?2, email = ?3, phone = ?4 WHERE id = ?1",
            params![id, name, email, phone],
        )?;
        Ok(())
    }

    /// Set a client's language (`None`: the practice's).
    pub fn set_language(tx: &Transaction<'_>, id: i64, language: Option<&str>) -> Result<()> {
        tx.execute("UPDATE clients SET language = ?2 WHERE id = ?1", params![id, language])?;
        Ok(())
    }

    /// Turn email off (`true`) or on for a client.
    pub fn set_no_mail(tx: &Transaction<'_>, id: i64, no_mail: bool) -> Result<()> {
        tx.execute("UPDATE clients SET no_mail = ?2 WHERE id = ?1", params![id, no_mail])?;
        Ok(())
    }

    /// Archive (`Some(now)`) or bring back (`None`) a client.
    pub fn set_archived(tx: &Transaction<'_>, id: i64, at: Option<i64>) -> Result<()> {
        tx.execute("UPDATE clients SET archived_at = ?2 WHERE id = ?1", params![id, at])?;
        Ok(())
    }

    pub fn client(&self, id: i64) -> Result<Option<ClientRow>> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = ?1");
        Ok(self.conn.prepare_cached(&sql)?.query_row([id], client_from).optional()?)
    }

    pub fn clients(&self) -> Result<Vec<ClientRow>> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients ORDER BY name COLLATE NOCASE, id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], client_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Revoke the client's live portal link (if any) and store a new one.
    pub fn replace_portal_link(tx: &Transaction<'_>, client_id: i64, seed: &Seed, tag: &Tag, now: i64) -> Result<()> {
        tx.execute(
            "UPDATE portal_links SET revoked_at = ?2 WHERE client_id = ?1 AND revoked_at IS NULL",
            params![client_id, now],
        )?;
        tx.execute(
            "INSERT INTO portal_links (client_id, seed, token_tag, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![client_id, seed.as_slice(), tag.as_slice(), now],
        )?;
        Ok(())
    }

    pub fn live_portal_link(&self, client_id: i64) -> Result<Option<PortalRow>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, client_id, seed, revoked_at IS NOT NULL FROM portal_links
                 WHERE client_id = ?1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1",
            )?
            .query_row([client_id], portal_from)
            .optional()?)
    }

    pub fn portal_by_tag(&self, tag: &Tag) -> Result<Option<PortalRow>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, client_id, seed, revoked_at IS NOT NULL FROM portal_links WHERE token_tag = ?1",
            )?
            .query_row([tag.as_slice()], portal_from)
            .optional()?)
    }
}

fn portal_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<PortalRow> {
    Ok(PortalRow { id: r.get(0)?, client_id: r.get(1)?, seed: seed_from(r.get(2)?)?, revoked: r.get(3)? })
}
