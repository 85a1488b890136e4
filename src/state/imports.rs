//! Uploaded calendars between their preview and the clinician's "Import
//! these" (`admin::import`): kept in memory only, never on disk, one per
//! admin session (a new upload replaces it), each for at most [`KEEP`],
//! and at most [`MAX_PENDING`] in all (the oldest goes first), so the
//! memory they take is bounded by [`MAX_PENDING`] × the largest upload
//! (`server::limits::MAX_IMPORT_BODY`). The confirm form names one by a
//! random id, which works once and only for the session that uploaded it.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How long a preview can be confirmed.
pub const KEEP: Duration = Duration::minutes(30);
/// Uploads kept at once, across all sessions.
pub const MAX_PENDING: usize = 4;

/// A calendar waiting for its "Import these".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The file's name as uploaded, for the page.
    pub name: String,
    /// The iCalendar text.
    pub text: String,
    /// The private address it was read from, if it was (a secret: never
    /// shown whole), which "Import these" may keep in sync.
    pub address: Option<String>,
}

struct Entry {
    /// SHA-256 of the session id: the session's own secret is not kept
    /// twice.
    session: [u8; 32],
    id: String,
    at: DateTime<Utc>,
    upload: Upload,
}

/// The uploads waiting to be confirmed.
#[derive(Default)]
pub struct Pending {
    entries: Mutex<Vec<Entry>>,
}

impl Pending {
    /// Keep `upload` for `session` (replacing what it kept before); the id
    /// its confirm form sends back (256 random bits, base64url).
    pub fn keep(&self, session: &str, upload: Upload, now: DateTime<Utc>) -> String {
        let session = crate::token::sha256(session.as_bytes());
        let id = crate::token::random_secret();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| e.session != session && now - e.at < KEEP);
        if entries.len() >= MAX_PENDING {
            entries.remove(0);
        }
        entries.push(Entry { session, id: id.clone(), at: now, upload });
        id
    }

    /// Take the upload `id` of `session` for good, if it is still kept.
    pub fn take(&self, session: &str, id: &str, now: DateTime<Utc>) -> Option<Upload> {
        let session = crate::token::sha256(session.as_bytes());
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| now - e.at < KEEP);
        let at = entries.iter().position(|e| e.session == session && e.id == id)?;
        Some(entries.remove(at).upload)
    }

    /// How many uploads are kept now.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(text: &str) -> Upload {
        Upload { name: "cal.ics".into(), text: text.into(), address: None }
    }

    #[test]
    fn an_upload_is_taken_once_by_its_own_session() {
        let (p, now) = (Pending::default(), Utc::now());
        let id = p.keep("s1", upload("A"), now);
        assert_eq!(id.len(), 43);
        assert_eq!(p.take("s2", &id, now), None, "another session");
        assert_eq!(p.take("s1", "other", now), None, "another id");
        assert_eq!(p.take("s1", &id, now), Some(upload("A")));
        assert_eq!(p.take("s1", &id, now), None, "once");
    }

    #[test]
    fn a_new_upload_replaces_the_sessions_last_and_old_ones_expire() {
        let (p, now) = (Pending::default(), Utc::now());
        let first = p.keep("s1", upload("A"), now);
        let second = p.keep("s1", upload("B"), now);
        assert_eq!(p.len(), 1);
        assert_eq!(p.take("s1", &first, now), None);
        assert_eq!(p.take("s1", &second, now).map(|u| u.text), Some("B".into()));
        let id = p.keep("s1", upload("C"), now);
        assert_eq!(p.take("s1", &id, now + KEEP), None, "dropped after 30 minutes");
        assert!(p.is_empty());
        let id = p.keep("s1", upload("D"), now);
        assert!(p.take("s1", &id, now + KEEP - Duration::seconds(1)).is_some(), "kept until then");
    }

    #[test]
    fn at_most_a_few_are_kept_in_all() {
        let (p, now) = (Pending::default(), Utc::now());
        let ids: Vec<String> = (0..=MAX_PENDING).map(|i| p.keep(&format!("s{i}"), upload("x"), now)).collect();
        assert_eq!(p.len(), MAX_PENDING);
        assert_eq!(p.take("s0", &ids[0], now), None, "the oldest went first");
        assert!(p.take("s1", &ids[1], now).is_some());
    }
}
