//! The audit trail's hash chain: the SQL function its trigger calls, and
//! the walk that checks it.

use std::sync::Arc;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;

use super::Store;
use crate::error::Result;
use crate::token::Keyring;

/// One audit row's fields as they are hashed.
fn row_json(
    id: i64,
    at: i64,
    event: &str,
    appt: Option<i64>,
    client: Option<i64>,
    addr: Option<&str>,
    detail: &str,
) -> serde_json::Value {
    serde_json::json!([id, at, event, appt, client, addr, detail])
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chain {
    Intact {
        entries: usize,
    },
    /// The first entry whose hash does not follow from the one before:
    /// it was altered, or an entry before it was inserted or removed.
    Broken {
        id: i64,
        at: i64,
    },
}

impl Store {
    /// Let this connection append to the audit trail: the trigger that
    /// chains each new row calls `porchlight_chain`, which needs the key.
    pub fn register_chain(&self, keys: Arc<Keyring>) -> Result<()> {
        self.conn.create_scalar_function(
            "porchlight_chain",
            8,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            move |ctx| {
                let prev = match ctx.get_raw(0) {
                    ValueRef::Blob(b) => Some(b.to_vec()),
                    _ => None,
                };
                let text = |i: usize| -> rusqlite::Result<Option<String>> { ctx.get(i) };
                let row = row_json(
                    ctx.get(1)?,
                    ctx.get(2)?,
                    &text(3)?.unwrap_or_default(),
                    ctx.get(4)?,
                    ctx.get(5)?,
                    text(6)?.as_deref(),
                    &text(7)?.unwrap_or_default(),
                );
                Ok(keys.audit_link(prev.as_deref(), &row).to_vec())
            },
        )?;
        Ok(())
    }

    /// Walk the whole trail, oldest first, recomputing every hash.
    pub fn verify_chain(&self, keys: &Keyring) -> Result<Chain> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, at, event, appointment_id, client_id, addr, detail, hash FROM audit ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut prev: Option<Vec<u8>> = None;
        let mut entries = 0;
        while let Some(r) = rows.next()? {
            let (id, at): (i64, i64) = (r.get(0)?, r.get(1)?);
            let event: String = r.get(2)?;
            let addr: Option<String> = r.get(5)?;
            let detail: String = r.get(6)?;
            let row = row_json(id, at, &event, r.get(3)?, r.get(4)?, addr.as_deref(), &detail);
            let want = keys.audit_link(prev.as_deref(), &row);
            let have: Option<Vec<u8>> = r.get(7)?;
            if have.as_deref() != Some(want.as_slice()) {
                return Ok(Chain::Broken { id, at });
            }
            prev = have;
            entries += 1;
        }
        Ok(Chain::Intact { entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewAudit;

    fn trail() -> (Store, Arc<Keyring>) {
        let keys = Arc::new(Keyring::for_tests(5));
        let mut store = Store::open_in_memory().unwrap();
        store.register_chain(keys.clone()).unwrap();
        for (i, event) in ["client.add", "appointment.create", "link.join", "code.failure"].iter().enumerate() {
            let e = NewAudit { event, client_id: Some(i as i64), detail: format!("n{i}"), ..Default::default() };
            store.audit(1_000 + i as i64, &e).unwrap();
        }
        (store, keys)
    }

    #[test]
    fn an_untouched_trail_verifies() {
        let (store, keys) = trail();
        assert_eq!(store.verify_chain(&keys).unwrap(), Chain::Intact { entries: 4 });
    }

    #[test]
    fn altering_removing_or_forging_an_entry_is_found() {
        let (store, keys) = trail();
        store.conn.execute("UPDATE audit SET detail = 'nothing happened' WHERE id = 2", []).unwrap();
        assert_eq!(store.verify_chain(&keys).unwrap(), Chain::Broken { id: 2, at: 1_001 });

        let (store, keys) = trail();
        store.conn.execute("DELETE FROM audit WHERE id = 2", []).unwrap();
        assert_eq!(store.verify_chain(&keys).unwrap(), Chain::Broken { id: 3, at: 1_002 });

        // Someone with the database but not the key rewrites a row and its hash.
        let (store, keys) = trail();
        let forger = Keyring::for_tests(6);
        let prev: Vec<u8> = store.conn.query_row("SELECT hash FROM audit WHERE id = 2", [], |r| r.get(0)).unwrap();
        let fake = forger.audit_link(Some(&prev), &row_json(3, 1_002, "link.join", None, Some(2), None, "n2"));
        store.conn.execute("UPDATE audit SET hash = ?1, appointment_id = NULL WHERE id = 3", [fake.to_vec()]).unwrap();
        assert_eq!(store.verify_chain(&keys).unwrap(), Chain::Broken { id: 3, at: 1_002 });
    }

    #[test]
    fn a_connection_without_the_key_cannot_append() {
        let store = Store::open_in_memory().unwrap();
        let err = store.conn.execute("INSERT INTO audit (at, event) VALUES (1, 'x')", []).unwrap_err();
        assert!(err.to_string().contains("porchlight_chain"), "{err}");
    }
}
