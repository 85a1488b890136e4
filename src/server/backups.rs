//! Nightly backups while serving, into a folder that should be another disk.
//!
//! With `serve --backup-dir DIR`, one thread takes a backup (the SQLite
//! backup API, integrity-checked, see `store/backup.rs`) every night at
//! [`AT_HOUR`] in the practice's zone, and at start-up when the newest one
//! in DIR is older than the last such hour (the machine was off, or this
//! is the first run). It keeps the newest `keep` and deletes older ones.
//! The newest file's name is the only record of when the last backup was
//! taken, so the schedule costs no writes. Each outcome is written to the
//! audit trail and shown on the dashboard.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::app::App;
use crate::state::Shared;
use crate::state::backups::{Plan, Status};
use crate::store::NewAudit;
use crate::store::backup;
use crate::store::integrity::Integrity;

/// The hour of the night, practice time, when the backup is taken.
pub const AT_HOUR: u32 = 3;
/// How often the thread looks at the clock.
const LOOK_EVERY: Duration = Duration::from_secs(30);
/// Wait after a failed backup before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(10 * 60);

/// 03:00 (or the first moment after it, across a DST gap) on `date`.
fn slot_on(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let mut t = date.and_hms_opt(AT_HOUR, 0, 0).expect("a valid hour");
    for _ in 0..4 {
        if let Some(at) = zone.from_local_datetime(&t).earliest() {
            return at.with_timezone(&Utc);
        }
        t += chrono::Duration::minutes(30);
    }
    t.and_utc()
}

/// The latest backup hour at or before `now`.
pub fn last_slot(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&zone).date_naive();
    let slot = slot_on(today, zone);
    if slot <= now { slot } else { slot_on(today.pred_opt().unwrap_or(today), zone) }
}

/// Is a backup due, given when the newest one was taken?
pub fn due(newest: Option<DateTime<Utc>>, now: DateTime<Utc>, zone: Tz) -> bool {
    newest.is_none_or(|n| n < last_slot(now, zone))
}

/// Is `dir` on the same filesystem as `data`?
fn same_disk(dir: &Path, data: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(dir), std::fs::metadata(data)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

/// Take backups until `stop`, once the integrity check has passed.
pub fn run(mut app: App, shared: &Shared, stop: &AtomicBool, gate: &Integrity, plan: Plan) {
    if gate.wait().is_err() {
        return;
    }
    let mut next_look = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        if Instant::now() >= next_look {
            next_look = Instant::now() + if look(&mut app, shared, &plan) { LOOK_EVERY } else { RETRY_AFTER };
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Take a backup if one is due; false if it failed.
fn look(app: &mut App, shared: &Shared, plan: &Plan) -> bool {
    let now = shared.clock.now(Utc::now()).now;
    let zone = app.settings().map(|s| s.timezone).unwrap_or(Tz::UTC);
    let newest = backup::nightly(&plan.dir).map(|all| all.last().map(|(at, _)| *at));
    let outcome = match newest {
        Ok(newest) if !due(newest, now, zone) => {
            note(shared, |s| {
                s.last = newest;
                s.same_disk = same_disk(&plan.dir, &shared.data);
            });
            return true;
        }
        Ok(_) => take(app, plan, now),
        Err(e) => Err(format!("cannot read the backup folder {}: {e}", plan.dir.display())),
    };
    let (event, detail, ok) = match &outcome {
        Ok(text) => ("backup.written", text.clone(), true),
        Err(why) => ("backup.failed", why.clone(), false),
    };
    let repeat = !ok && shared.backups.lock().unwrap_or_else(|p| p.into_inner()).error.as_ref() == Some(&detail);
    if !ok {
        eprintln!("porchlight: nightly backup failed: {detail}");
    }
    // A failure repeated every few minutes is recorded once.
    if !repeat && let Err(e) = app.audit(now, NewAudit { event, detail: detail.clone(), ..Default::default() }) {
        eprintln!("porchlight: could not record the backup in the audit trail: {e}");
    }
    note(shared, |s| {
        if ok {
            s.last = Some(now);
            s.error = None;
        } else {
            s.error = Some(detail);
        }
        s.same_disk = same_disk(&plan.dir, &shared.data);
    });
    ok
}

/// Write tonight's backup and prune old ones: what happened, in words.
fn take(app: &mut App, plan: &Plan, now: DateTime<Utc>) -> Result<String, String> {
    let name = backup::nightly_name(now);
    let bytes = app.backup_to(&plan.dir.join(&name)).map_err(|e| e.to_string())?;
    let pruned = backup::prune(&plan.dir, plan.keep)
        .map_err(|e| format!("{name} written, but old backups could not be deleted: {e}"))?;
    Ok(format!("{name}, {bytes} bytes; {} older deleted, keeping {}", pruned.len(), plan.keep))
}

fn note(shared: &Shared, f: impl FnOnce(&mut Status)) {
    f(&mut shared.backups.lock().unwrap_or_else(|p| p.into_inner()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_backup_hour_is_three_at_night_practice_time() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // 03:00 EST is 08:00Z; before it, the slot is yesterday's.
        assert_eq!(last_slot(utc("2026-11-28T08:00:00Z"), ny), utc("2026-11-28T08:00:00Z"));
        assert_eq!(last_slot(utc("2026-11-28T07:59:59Z"), ny), utc("2026-11-27T08:00:00Z"));
        // The night clocks go forward (02:00 → 03:00 on 14 March 2027),
        // 03:00 EDT is 07:00Z.
        assert_eq!(last_slot(utc("2027-03-14T12:00:00Z"), ny), utc("2027-03-14T07:00:00Z"));
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        assert_eq!(last_slot(utc("2026-11-28T00:00:00Z"), tokyo), utc("2026-11-27T18:00:00Z"));
    }

    #[test]
    fn where_three_oclock_is_skipped_the_backup_is_taken_just_after() {
        // The Chatham Islands move from 02:45 to 03:45 (+12:45 to +13:45)
        // on 27 September 2026: 03:00 and 03:30 do not exist, 04:00 does.
        let chatham: Tz = "Pacific/Chatham".parse().unwrap();
        let slot = slot_on(NaiveDate::from_ymd_opt(2026, 9, 27).unwrap(), chatham);
        assert_eq!(slot, utc("2026-09-26T14:15:00Z"));
    }

    #[test]
    fn a_backup_is_due_once_per_night_and_after_a_night_missed() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let now = utc("2026-11-28T15:00:00Z");
        assert!(due(None, now, ny), "the first run takes one at once");
        assert!(!due(Some(utc("2026-11-28T08:00:05Z")), now, ny), "taken tonight");
        assert!(!due(Some(utc("2026-11-28T14:00:00Z")), now, ny), "taken at start-up this morning");
        assert!(due(Some(utc("2026-11-27T08:00:05Z")), now, ny), "last night's was missed");
        assert!(due(Some(utc("2026-11-27T08:00:05Z")), utc("2026-11-28T08:00:00Z"), ny), "tonight's hour came");
    }
}
