//! Nightly backups taken by `serve --backup-dir`, and the restore drill.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::clinician::{Clinician, PASSWORD};
use crate::support::{Practice, Server, minutes, now, run_bin};

/// The nightly backup files in `dir`, sorted by name (and so by age).
fn nightly(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("backup dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("UTF-8 name"))
        .filter(|n| n.starts_with("porchlight-") && n.ends_with("Z.db"))
        .collect();
    names.sort();
    names
}

fn name_for(at: DateTime<Utc>) -> String {
    format!("porchlight-{}.db", at.format("%Y%m%dT%H%M%SZ"))
}

#[test]
fn serve_backs_up_at_once_when_last_night_is_missing_keeps_n_and_the_copy_restores() {
    let dir = tempfile::tempdir().expect("backup dir");
    let base = now();
    let days_ago = |d: i64| base - chrono::Duration::days(d);
    // Three old backups (older than last night) and a file of the user's.
    for d in [4, 3, 2] {
        std::fs::write(dir.path().join(name_for(days_ago(d))), b"an old backup").expect("old");
    }
    std::fs::write(dir.path().join("notes.txt"), b"mine").expect("notes");
    let folder = dir.path().to_str().expect("UTF-8 path");
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], &format!("{PASSWORD}\n")).ok();
    let (_, appt) = p.solo("Backed Up", now() + minutes(30));
    let started = now();
    let server = Server::start_with(p.path(), false, &["--backup-dir", folder, "--backup-keep", "2"]);

    let deadline = Instant::now() + Duration::from_secs(20);
    let fresh = loop {
        let names = nightly(dir.path());
        if let Some(last) = names.last().filter(|n| **n >= name_for(started - chrono::Duration::seconds(60))) {
            break last.clone();
        }
        assert!(Instant::now() < deadline, "no backup appeared; have {names:?}; stderr: {}", server.stderr());
        std::thread::sleep(Duration::from_millis(100));
    };
    // Pruned to the newest two; nothing else touched. The copy appears
    // before the old ones go (pruning follows the write): wait for it.
    let mut names = nightly(dir.path());
    while names.len() > 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        names = nightly(dir.path());
    }
    assert_eq!(names, [name_for(days_ago(2)), fresh.clone()], "kept");
    assert_eq!(std::fs::read(dir.path().join("notes.txt")).expect("notes"), b"mine");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join(&fresh)).expect("backup").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "a backup is as private as the database");

    // The dashboard says when, and the audit trail has it.
    let mut clinician = Clinician::sign_in(&server);
    let dash = clinician.dashboard().text();
    assert!(dash.contains("Last backup:") && dash.contains("the newest 2 are kept"), "{dash}");
    // A temporary folder shares the disk of the data directory here.
    assert!(dash.contains("on the same disk as the data"), "{dash}");
    let audit = p.run(&["audit", "--json"]).stdout;
    assert!(audit.contains("backup.written") && audit.contains(&fresh), "{audit}");

    // The restore drill (README): the backup and the key file in a new
    // data directory give the same working link.
    let restored = tempfile::tempdir().expect("restore dir");
    std::fs::copy(dir.path().join(&fresh), restored.path().join("porchlight.db")).expect("copy db");
    std::fs::copy(p.path().join("secret.key"), restored.path().join("secret.key")).expect("copy key");
    let data = restored.path().to_str().expect("UTF-8 path");
    let verify = run_bin(&["--data", data, "audit", "verify"], None);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    let check = run_bin(&["--data", data, "check", "--json", "--", &appt.token(0)], None).json();
    assert_eq!(check["state"], "early", "{check}");
    assert_eq!(check["appointment_id"], appt.id(), "{check}");
}

#[test]
fn a_missing_backup_folder_is_reported_not_fatal() {
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], &format!("{PASSWORD}\n")).ok();
    let gone = p.path().join("no-such-stick");
    let server = Server::start_with(p.path(), false, &["--backup-dir", gone.to_str().expect("UTF-8 path")]);
    server.assert_healthy();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.stderr().contains("nightly backup failed") {
        assert!(Instant::now() < deadline, "no failure reported; stderr: {}", server.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(server.stderr().contains("is not there"), "{}", server.stderr());
    let dash = Clinician::sign_in(&server).dashboard().text();
    assert!(dash.contains("The last nightly backup failed") && dash.contains("no-such-stick"), "{dash}");
    let audit = p.run(&["audit", "--json"]).stdout;
    assert_eq!(audit.matches("backup.failed").count(), 1, "{audit}");
}
