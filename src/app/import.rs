//! Appointments from another calendar (SPEC, `import ics FILE_OR_URL` and
//! `calendar_import_url`): an iCalendar file read by `ical`, its events
//! matched to clients by attendee address, and the result applied in one
//! transaction, found again by UID and RECURRENCE-ID (`imported` table).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::App;
use crate::error::{Error, Result};

/// Where a calendar came from: a file (or address) given once, or the
/// synced `calendar_import_url`. Only a sync cancels what disappeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    File,
    Sync,
}

/// What an import did, or would do (`dry_run`). SPEC's JSON shape:
/// `created`, `updated`, `cancelled`, `unchanged` are counts,
/// `unmatched` lists what was left out and why; `changes` lists each
/// write, and `from`/`to` the span of time imported (RFC 3339, UTC).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub cancelled: usize,
    pub unchanged: usize,
    pub unmatched: Vec<Unmatched>,
    pub changes: Vec<Change>,
    pub from: String,
    pub to: String,
    pub dry_run: bool,
}

/// An event (or one occurrence) that is not an appointment, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unmatched {
    pub uid: String,
    pub summary: String,
    /// RFC 3339 in the practice zone; empty when the event has no usable start.
    pub start: String,
    pub why: String,
}

/// One appointment made, changed or cancelled by an import.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// `create`, `update` or `cancel`.
    pub action: &'static str,
    pub uid: String,
    /// `None` for an appointment a dry run would create.
    pub appointment_id: Option<i64>,
    /// RFC 3339 in the practice zone.
    pub start: String,
    pub minutes: i64,
    /// The participants' names.
    pub clients: Vec<String>,
    /// Of `clients`, those who become new clients.
    pub new_clients: Vec<String>,
}

impl App {
    /// Import the iCalendar text `ics` (RFC 5545): see the module doc.
    /// Errors: a file that is not iCalendar, or is over the bounds of
    /// `ical::limits`, with nothing written.
    pub fn import_calendar(
        &mut self,
        ics: &str,
        origin: Origin,
        dry_run: bool,
        now: DateTime<Utc>,
    ) -> Result<ImportReport> {
        let _ = (ics, origin, dry_run, now);
        Err(Error::input("importing calendars is being built"))
    }
}
