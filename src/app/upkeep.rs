//! The database as a whole, for the server, the admin pages and the
//! command line: its health (ping, the integrity check), the clock mark,
//! backups, the audit trail read and verified, the rows the dashboard
//! reads as they are, and the demo's fresh start. Callers reach the
//! store only through these.

use std::path::Path;
use std::sync::Arc;

use super::App;
use crate::error::{Error, Result};
use crate::store::{ApptRow, AuditEntry, AuditFilter, Chain, ClientRow, OutboxRow, ParticipantRow, Store, backup};
use crate::token::Keyring;

impl App {
    /// The key file's keys, shared by every `App` of a process.
    pub fn keys(&self) -> &Arc<Keyring> {
        &self.keys
    }

    /// Does the database answer at all (`/healthz`)?
    pub fn ping(&self) -> Result<()> {
        self.store.ping()
    }

    /// `PRAGMA quick_check`: `Err` on damage.
    pub fn quick_check(&self) -> Result<()> {
        self.store.quick_check()
    }

    /// The highest time seen, in UTC seconds (see `clock.rs`).
    pub fn clock_mark(&self) -> Result<i64> {
        self.store.clock_mark()
    }

    /// Raise the clock mark to `high` (UTC seconds); never lowers it.
    pub fn raise_clock_mark(&mut self, high: i64) -> Result<()> {
        self.store.raise_clock_mark(high)
    }

    /// A checked copy of the database at `dest`; the bytes written.
    pub fn backup_to(&self, dest: &Path) -> Result<u64> {
        backup::write(&self.store, dest)
    }

    /// Whether the audit trail's hash chain is whole.
    pub fn verify_chain(&self) -> Result<Chain> {
        self.store.verify_chain(&self.keys)
    }

    /// Audit entries from `since` (UTC seconds) on, oldest first.
    pub fn audit_since(&self, since: i64) -> Result<Vec<AuditEntry>> {
        self.store.audit_since(since)
    }

    /// At most `limit` audit entries that match `filter`, newest first.
    pub fn audit_filtered(&self, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditEntry>> {
        self.store.audit_filtered(filter, limit)
    }

    /// Every event name the audit trail holds.
    pub fn audit_events(&self) -> Result<Vec<String>> {
        self.store.audit_events()
    }

    /// Messages that failed, or may not have arrived, for the dashboard.
    pub fn outbox_problems(&self) -> Result<Vec<OutboxRow>> {
        self.store.outbox_problems()
    }

    /// The appointment `id`, if there is one.
    pub fn find_appointment(&self, id: i64) -> Result<Option<ApptRow>> {
        self.store.appointment(id)
    }

    /// The client `id`, if there is one.
    pub fn find_client(&self, id: i64) -> Result<Option<ClientRow>> {
        self.store.client(id)
    }

    /// The participants of appointment `id`, with their links.
    pub fn participant_rows(&self, appointment_id: i64) -> Result<Vec<ParticipantRow>> {
        self.store.participants(appointment_id)
    }

    /// Empty the practice for `serve --demo` and mark it a demo: only a
    /// database that is empty or holds an earlier demo may be.
    pub fn begin_demo(&mut self) -> Result<()> {
        let is_demo = self.store.meta("demo")?.is_some();
        if !self.store.is_empty()? && !is_demo {
            return Err(Error::input(
                "--demo needs an empty data directory, and this one already holds a practice (use another --data)",
            ));
        }
        self.store.write(|tx| {
            Store::wipe_practice(tx)?;
            Store::set_meta(tx, "demo", "1")
        })
    }

    /// Give up durability for speed on this connection (`PRAGMA
    /// synchronous = OFF`): only for filling a throwaway database, as the
    /// benchmark's seeding does.
    pub fn relax_sync(&mut self) -> Result<()> {
        Ok(self.store.connection().execute_batch("PRAGMA synchronous = OFF")?)
    }
}
