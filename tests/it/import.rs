//! `import ics` on the command line (SPEC, "Series and calendars"): a
//! calendar's events become appointments, found again by UID on the next
//! import; hostile files are refused whole. Dates are relative to now,
//! so the appointments made are always ahead.

use chrono::{Duration, Utc};
use serde_json::Value;

use crate::support::Practice;

fn db(p: &Practice) -> rusqlite::Connection {
    rusqlite::Connection::open(p.path().join("porchlight.db")).expect("open db")
}

fn count(p: &Practice, sql: &str) -> i64 {
    db(p).query_row(sql, [], |r| r.get(0)).unwrap()
}

/// `days` ahead, as a local DATE of a DATE-TIME.
fn day(days: i64) -> String {
    (Utc::now() + Duration::days(days)).format("%Y%m%d").to_string()
}

fn cal(events: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n{events}END:VCALENDAR\r\n"
    )
}

/// Ann weekly at 10:00 New York time from two days ahead, four times; a
/// couple's session three days ahead; a lunch.
fn calendar(moved: &str) -> String {
    let d2 = day(2);
    let d3 = day(3);
    cal(&format!(
        "BEGIN:VEVENT\r\nUID:ann-weekly@google.com\r\nSUMMARY:Ann\r\n\
         DTSTART;TZID=America/New_York:{d2}T100000\r\nDTEND;TZID=America/New_York:{d2}T105000\r\n\
         RRULE:FREQ=WEEKLY;COUNT=4\r\nORGANIZER;CN=Dr Lee:mailto:lee@example.org\r\n\
         ATTENDEE;CN=Dr Lee;PARTSTAT=ACCEPTED:mailto:lee@example.org\r\n\
         ATTENDEE;CN=Ann Smith;PARTSTAT=NEEDS-ACTION:mailto:ann@example.org\r\nEND:VEVENT\r\n\
         {moved}\
         BEGIN:VEVENT\r\nUID:couple@google.com\r\nSUMMARY:Couple\r\n\
         DTSTART;TZID=America/New_York:{d3}T170000\r\nDURATION:PT1H20M\r\n\
         ORGANIZER:mailto:lee@example.org\r\n\
         ATTENDEE;CN=Ann Smith:mailto:ann@example.org\r\nATTENDEE;CN=Bo Smith:mailto:bo@example.org\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:lunch@google.com\r\nSUMMARY:Lunch\r\n\
         DTSTART;TZID=America/New_York:{d3}T120000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n"
    ))
}

/// The second session of Ann's series moved a day later at 15:00.
fn moved_second() -> String {
    let (was, now) = (day(9), day(10));
    format!(
        "BEGIN:VEVENT\r\nUID:ann-weekly@google.com\r\nRECURRENCE-ID;TZID=America/New_York:{was}T100000\r\n\
         SUMMARY:Ann\r\nDTSTART;TZID=America/New_York:{now}T150000\r\nDTEND;TZID=America/New_York:{now}T155000\r\n\
         ORGANIZER:mailto:lee@example.org\r\nATTENDEE;CN=Ann Smith:mailto:ann@example.org\r\nEND:VEVENT\r\n"
    )
}

fn import(p: &Practice, ics: &str, extra: &[&str]) -> Value {
    let mut args = vec!["import", "ics", "-", "--json"];
    args.extend_from_slice(extra);
    let out = p.run_stdin(&args, ics);
    out.json()
}

#[test]
fn a_calendar_imports_once_and_a_moved_session_keeps_its_links() {
    let p = Practice::new();
    p.set("timezone", "America/New_York");
    let dry = import(&p, &calendar(""), &["--dry-run"]);
    for key in ["created", "updated", "cancelled", "unchanged", "unmatched"] {
        assert!(dry.get(key).is_some(), "SPEC's JSON has {key}: {dry}");
    }
    assert_eq!((dry["created"].as_i64(), dry["dry_run"].as_bool()), (Some(5), Some(true)));
    assert_eq!(count(&p, "SELECT count(*) FROM appointments"), 0, "a dry run writes nothing");
    assert_eq!(count(&p, "SELECT count(*) FROM clients"), 0);

    let made = import(&p, &calendar(""), &[]);
    assert_eq!(made["created"], 5);
    let lunch = &made["unmatched"][0];
    assert_eq!((lunch["uid"].as_str(), lunch["summary"].as_str()), (Some("lunch@google.com"), Some("Lunch")));
    assert!(
        lunch["start"].as_str().unwrap().ends_with("T12:00:00-05:00")
            || lunch["start"].as_str().unwrap().ends_with("T12:00:00-04:00")
    );
    let clients = p.json(&["client", "list"]);
    let names: Vec<&str> = clients.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ann Smith", "Bo Smith"], "attendees become clients once each");
    let couple = made["changes"].as_array().unwrap().iter().find(|c| c["uid"] == "couple@google.com").unwrap();
    let couple = p.json(&["appt", "show", &couple["appointment_id"].to_string()]);
    assert_eq!(couple["participants"].as_array().unwrap().len(), 2, "one session for both: {couple}");
    let reminders = count(&p, "SELECT count(*) FROM outbox");

    let again = import(&p, &calendar(""), &[]);
    assert_eq!((again["created"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(5)));
    assert_eq!(count(&p, "SELECT count(*) FROM outbox"), reminders, "no reminder twice");

    let second =
        made["changes"].as_array().unwrap().iter().filter(|c| c["uid"] == "ann-weekly@google.com").nth(1).unwrap();
    let id = second["appointment_id"].to_string();
    let before = p.json(&["appt", "show", &id]);
    let moved = import(&p, &calendar(&moved_second()), &[]);
    assert_eq!((moved["updated"].as_i64(), moved["unchanged"].as_i64()), (Some(1), Some(4)), "{moved}");
    let after = p.json(&["appt", "show", &id]);
    assert_ne!(after["start"], before["start"]);
    assert!(
        after["start"].as_str().unwrap().contains("T19:00:00Z")
            || after["start"].as_str().unwrap().contains("T20:00:00Z")
    );
    assert_eq!(after["participants"][0]["link"], before["participants"][0]["link"], "the link is kept");
    assert_eq!(after["participants"][0]["code"], before["participants"][0]["code"]);
    let audit = p.run(&["audit", "--json"]).json();
    let events: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert!(events.contains(&"appointment.move") && events.contains(&"calendar.import"), "{events:?}");
}

#[test]
fn hostile_calendars_are_refused_whole_or_bounded_and_say_why() {
    let p = Practice::new();
    let refused = |ics: &str, needle: &str| {
        p.run_stdin(&["import", "ics", "-"], ics).input_error(&[needle]);
    };
    let event = |i: usize| {
        format!(
            "BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTART:{}T100000Z\r\nDURATION:PT50M\r\nATTENDEE:mailto:c{i}@example.org\r\nEND:VEVENT\r\n",
            day(2)
        )
    };
    refused(&cal(&(0..10_000).map(event).collect::<String>()), "more than the 5000");
    refused(&format!("BEGIN:VCALENDAR\r\n{}", "BEGIN:VEVENT\r\n".repeat(50_000)), "nests components");
    refused("<html>not a calendar</html>", "not an iCalendar file");
    // Too large to take at all: read only as far as the bound.
    let big = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(big.path(), cal(&"X-PAD:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n".repeat(70_000)))
        .unwrap();
    p.run(&["import", "ics", big.path().to_str().unwrap()]).input_error(&["larger than 4 MiB"]);
    std::fs::write(big.path(), b"BEGIN:VCALENDAR\r\n\xff\xfe\r\nEND:VCALENDAR\r\n").unwrap();
    p.run(&["import", "ics", big.path().to_str().unwrap()]).input_error(&["not UTF-8"]);
    refused(&cal("BEGIN:VEVENT\r\nUID:a\r\nno colon here\r\nEND:VEVENT\r\n"), "line 6 of the calendar");
    let out = p.run(&["import", "ics", "/nonexistent.ics"]);
    out.input_error(&["cannot read /nonexistent.ics"]);
    assert_eq!(count(&p, "SELECT count(*) FROM clients"), 0, "nothing half-written");
    assert_eq!(count(&p, "SELECT count(*) FROM audit WHERE event = 'calendar.import'"), 0);

    // Endless rules are bounded by the span imported (12 weeks ahead by
    // default), and one that repeats every second is skipped, saying so.
    let endless = cal(&format!(
        "BEGIN:VEVENT\r\nUID:daily\r\nDTSTART:{d}T100000Z\r\nDURATION:PT30M\r\nRRULE:FREQ=DAILY\r\n\
         ATTENDEE;CN=Di Ray:mailto:di@example.org\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:seconds\r\nDTSTART:20000101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n",
        d = day(1)
    ));
    let r = import(&p, &endless, &[]);
    let created = r["created"].as_i64().unwrap();
    assert!((83..=85).contains(&created), "a daily event for 12 weeks: {created}");
    assert!(
        r["unmatched"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["uid"] == "seconds" && u["why"].as_str().unwrap().contains("too often"))
    );
}
