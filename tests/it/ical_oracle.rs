//! Each producer's calendar (tests/fixtures/ics, README there) read by
//! Porchlight and by an independent implementation, Python's `icalendar`
//! with `recurring_ical_events` (tests/python/ics_oracle.py): every
//! appointment `import ics` would make is an occurrence the oracle finds,
//! at the same instant, length and RECURRENCE-ID, and every occurrence
//! the oracle finds is an appointment or is listed as not imported.
//! Evaluated as of 2027-01-04 with a 16-week span, so the files never age.

use std::collections::BTreeSet;
use std::process::Command;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::support::{Practice, python, python_script};

const AT: &str = "2027-01-04T00:00:00Z";
const UNTIL: &str = "2027-04-26T00:00:00Z";

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/ics/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn utc(s: &str) -> String {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An occurrence as both sides write it: uid, RECURRENCE-ID and start
/// (UTC), minutes.
type Key = (String, Option<String>, String, i64);

/// The timed occurrences the oracle finds, and the uids of all it finds.
fn oracle(file: &str, zone: &str) -> (BTreeSet<Key>, BTreeSet<String>) {
    let out = Command::new(python())
        .arg(python_script("ics_oracle.py"))
        .args([&fixture(file), AT, UNTIL, zone])
        .output()
        .unwrap();
    assert!(out.status.success(), "ics_oracle: {}", String::from_utf8_lossy(&out.stderr));
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut timed = BTreeSet::new();
    let mut uids = BTreeSet::new();
    for o in all.as_array().unwrap() {
        let uid = o["uid"].as_str().unwrap().to_string();
        uids.insert(uid.clone());
        if o["all_day"].as_bool() == Some(true) {
            continue;
        }
        let (start, end) = (utc(o["start"].as_str().unwrap()), utc(o["end"].as_str().unwrap()));
        let minutes =
            (DateTime::parse_from_rfc3339(&end).unwrap() - DateTime::parse_from_rfc3339(&start).unwrap()).num_minutes();
        timed.insert((uid, o["recurrence_id"].as_str().map(utc), start, minutes));
    }
    (timed, uids)
}

/// What `import ics --dry-run` makes of `file` in `zone`: the sessions it
/// would create, and the not-imported list.
fn ours(p: &Practice, file: &str, zone: &str) -> (Vec<Value>, Vec<Value>) {
    p.set("timezone", zone);
    p.set("series_horizon_weeks", "16");
    let r = p.run(&["import", "ics", &fixture(file), "--dry-run", "--json", "--at", AT]).json();
    assert_eq!(r["to"], UNTIL, "the span the oracle reads");
    (r["changes"].as_array().unwrap().clone(), r["unmatched"].as_array().unwrap().clone())
}

/// Compare; returns the (uid, local start) of each appointment, sorted.
fn agree(p: &Practice, file: &str, zone: &str) -> Vec<(String, String, Vec<String>)> {
    let (timed, uids) = oracle(file, zone);
    let (made, unmatched) = ours(p, file, zone);
    let mut sessions = BTreeSet::new();
    let mut out = vec![];
    for c in &made {
        assert_eq!(c["action"], "create");
        let key = (
            c["uid"].as_str().unwrap().to_string(),
            c["recurrence_id"].as_str().map(str::to_string),
            utc(c["start"].as_str().unwrap()),
            c["minutes"].as_i64().unwrap(),
        );
        assert!(timed.contains(&key), "{file}: Porchlight would make {key:?}, which the oracle does not find");
        sessions.insert(key);
        let clients = c["clients"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
        out.push((
            c["uid"].as_str().unwrap().chars().take(8).collect(),
            c["start"].as_str().unwrap().to_string(),
            clients,
        ));
    }
    let listed: BTreeSet<&str> = unmatched.iter().map(|u| u["uid"].as_str().unwrap()).collect();
    for o in &timed {
        assert!(
            sessions.contains(o) || listed.contains(o.0.as_str()),
            "{file}: the oracle finds {o:?}, neither made nor listed"
        );
    }
    for uid in &uids {
        let made = made.iter().any(|c| c["uid"] == uid.as_str());
        assert!(made || listed.contains(uid.as_str()), "{file}: {uid} is neither made nor listed");
    }
    out
}

fn why<'a>(unmatched: &'a [Value], uid_start: &str) -> &'a str {
    unmatched
        .iter()
        .find(|u| u["uid"].as_str().unwrap().starts_with(uid_start))
        .map_or("", |u| u["why"].as_str().unwrap())
}

#[test]
fn google_outlook_and_apple_calendars_import_at_the_oracles_times() {
    let p = Practice::new();
    let google = agree(&p, "google.ics", "America/New_York");
    assert_eq!(google.len(), 16, "{google:#?}");
    let jordan: Vec<&str> = google.iter().filter(|g| g.0 == "4q1s0mbj").map(|g| g.1.as_str()).collect();
    assert_eq!(jordan.len(), 14);
    assert!(jordan.contains(&"2027-02-18T14:00:00-05:00"), "the moved one: {jordan:?}");
    assert!(
        jordan.iter().filter(|s| **s != "2027-02-18T14:00:00-05:00").all(|s| s.contains("T10:00:00")),
        "10:00 across DST"
    );
    let couple = google.iter().find(|g| g.0 == "0b7fm3k2").unwrap();
    assert_eq!(couple.2, ["Alex Morgan", "Casey Morgan"]);
    let (_, unmatched) = ours(&p, "google.ics", "America/New_York");
    assert!(why(&unmatched, "1h9ct5a0").contains("declined"));
    assert!(why(&unmatched, "3u8nbe6f").contains("cancelled"));
    assert!(why(&unmatched, "6k0dq2rv").contains("all-day"));
    assert!(why(&unmatched, "5e2ahd0p").contains("no attendee"));

    let outlook = agree(&p, "outlook.ics", "America/New_York");
    assert_eq!(outlook.len(), 8, "{outlook:#?}");
    assert!(outlook.iter().all(|o| o.2 == ["Taylor Brooks"] || o.2 == ["Elena Weber"]));

    let apple = agree(&p, "apple.ics", "Europe/London");
    assert_eq!(apple.len(), 7, "{apple:#?}");
    assert!(apple.iter().filter(|a| a.2 == ["Noor Haddad"]).all(|a| a.1.contains("T10:00:00")), "{apple:?}");
    // The floating event is read in the practice's zone, whichever it is.
    let floating = agree(&p, "apple.ics", "America/New_York");
    assert!(floating.iter().any(|a| a.1 == "2027-01-15T16:00:00-05:00"), "{floating:?}");
}

#[test]
fn a_practice_suites_export_and_times_around_dst_changes() {
    let p = Practice::new();
    // Names alone are not guessed into clients...
    assert!(agree(&p, "practice_suite.ics", "America/New_York").is_empty());
    // ... but a summary that is exactly one client's name is theirs.
    p.run(&["client", "add", "--name", "Jamie Fox"]).ok();
    let suite = agree(&p, "practice_suite.ics", "America/New_York");
    assert_eq!(suite.len(), 2, "{suite:?}");
    assert!(suite.iter().all(|s| s.2 == ["Jamie Fox"] && s.1.contains("T13:00:00")));

    let dst = agree(&p, "dst.ics", "America/New_York");
    assert_eq!(dst.len(), 7, "{dst:#?}");
    // Porchlight never moves a time the clocks skip or repeat; the
    // oracle (RFC 5545 section 3.3.5) reads them with one offset.
    let (_, unmatched) = ours(&p, "dst.ics", "America/New_York");
    assert!(why(&unmatched, "c5e80b3d").contains("does not exist in America/New_York"), "{unmatched:?}");
    assert!(why(&unmatched, "f2b7d904").contains("happens twice in Australia/Sydney"), "{unmatched:?}");
}
