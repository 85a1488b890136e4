//! [`read`] on small calendars in the shapes producers write.

use chrono::TimeZone;

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn span() -> (DateTime<Utc>, DateTime<Utc>) {
    (utc("2027-01-04T00:00:00Z"), utc("2027-04-26T00:00:00Z"))
}

fn cal(events: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{events}END:VCALENDAR\r\n")
}

fn starts(c: &Calendar) -> Vec<String> {
    c.occurrences.iter().map(|o| times::rfc3339(o.start)).collect()
}

use crate::times;

const WEEKLY: &str = "BEGIN:VEVENT\r\nUID:weekly-1@example.org\r\nSUMMARY:Session\r\n\
    DTSTART;TZID=America/New_York:20270302T100000\r\nDTEND;TZID=America/New_York:20270302T105000\r\n\
    RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=America/New_York:20270316T100000\r\n\
    ORGANIZER;CN=Dr Lee:mailto:Therapist@Example.org\r\n\
    ATTENDEE;CN=Ann Smith;PARTSTAT=ACCEPTED:mailto:ann@example.org\r\nEND:VEVENT\r\n\
    BEGIN:VEVENT\r\nUID:weekly-1@example.org\r\nRECURRENCE-ID;TZID=America/New_York:20270323T100000\r\n\
    SUMMARY:Session (moved)\r\nDTSTART;TZID=America/New_York:20270324T150000\r\n\
    DTEND;TZID=America/New_York:20270324T155000\r\n\
    ATTENDEE;CN=Ann Smith:mailto:ann@example.org\r\nEND:VEVENT\r\n";

#[test]
fn a_weekly_event_keeps_ten_oclock_across_dst_with_its_exception_and_moved_one() {
    let (from, to) = span();
    let c = read(&cal(WEEKLY), chrono_tz::UTC, from, to).unwrap();
    // 10:00 EST is 15:00Z; from 14 March 10:00 EDT is 14:00Z.
    assert_eq!(starts(&c), ["2027-03-02T15:00:00Z", "2027-03-09T15:00:00Z", "2027-03-24T19:00:00Z"]);
    let moved = &c.occurrences[2];
    assert_eq!(moved.recurrence_id, Some(utc("2027-03-23T14:00:00Z")));
    assert_eq!(moved.summary, "Session (moved)");
    assert_eq!(moved.end - moved.start, Duration::minutes(50));
    let first = &c.occurrences[0];
    assert_eq!(first.organizer.as_deref(), Some("therapist@example.org"));
    assert_eq!(first.attendees[0].email, "ann@example.org");
    assert_eq!(first.attendees[0].name.as_deref(), Some("Ann Smith"));
    assert_eq!(first.recurrence_id, Some(utc("2027-03-02T15:00:00Z")));
    assert!(c.skipped.is_empty(), "{:?}", c.skipped);
}

#[test]
fn times_in_utc_windows_names_and_floating_are_read_as_written() {
    let ev = |uid: &str, start: &str| {
        format!("BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART{start}\r\nDURATION:PT50M\r\nEND:VEVENT\r\n")
    };
    let text = cal(&[
        ev("a", ":20270105T150000Z"),
        ev("b", ";TZID=\"Eastern Standard Time\":20270105T100000"),
        ev("c", ":20270105T100000"),
        ev("d", ";VALUE=DATE:20270105"),
    ]
    .concat());
    let (from, to) = span();
    let c = read(&text, chrono_tz::Europe::London, from, to).unwrap();
    let got: Vec<(String, String, bool)> =
        c.occurrences.iter().map(|o| (o.uid.clone(), times::rfc3339(o.start), o.all_day)).collect();
    assert_eq!(
        got,
        [
            ("d".into(), "2027-01-05T00:00:00Z".into(), true),
            ("c".into(), "2027-01-05T10:00:00Z".into(), false),
            ("a".into(), "2027-01-05T15:00:00Z".into(), false),
            ("b".into(), "2027-01-05T15:00:00Z".into(), false),
        ]
    );
}

#[test]
fn a_time_the_clocks_skip_is_skipped_with_its_date_and_zone() {
    let text = cal("BEGIN:VEVENT\r\nUID:gap\r\nSUMMARY:Early\r\nDTSTART;TZID=America/New_York:20270307T023000\r\n\
        DURATION:PT50M\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n");
    let (from, to) = span();
    let c = read(&text, chrono_tz::UTC, from, to).unwrap();
    assert_eq!(starts(&c), ["2027-03-07T07:30:00Z", "2027-03-21T06:30:00Z"]);
    assert_eq!(c.skipped.len(), 1, "{:?}", c.skipped);
    assert!(c.skipped[0].why.contains("2027-03-14 02:30 does not exist in America/New_York"), "{:?}", c.skipped);
}

#[test]
fn an_unknown_zone_or_a_missing_uid_skips_that_event_only() {
    let text =
        cal("BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Elsewhere\r\nDTSTART;TZID=Mars/Base:20270105T100000\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nSUMMARY:No uid\r\nDTSTART:20270105T100000Z\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:ok\r\nDTSTART:20270105T100000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\n");
    let (from, to) = span();
    let c = read(&text, chrono_tz::UTC, from, to).unwrap();
    assert_eq!(starts(&c), ["2027-01-05T10:00:00Z"]);
    let why: Vec<&str> = c.skipped.iter().map(|s| s.why.as_str()).collect();
    assert!(why.iter().any(|w| w.contains("Mars/Base")) && why.iter().any(|w| w.contains("no UID")), "{why:?}");
    assert_eq!(why.len(), 2);
}

#[test]
fn hostile_files_are_refused_whole_with_a_reason() {
    let (from, to) = span();
    let refuse = |text: &str| read(text, chrono_tz::UTC, from, to).unwrap_err();
    assert!(refuse("hello").contains("not an iCalendar file"));
    assert!(refuse("").contains("not an iCalendar file") || refuse("").contains("empty"));
    let deep = format!("BEGIN:VCALENDAR\n{}", "BEGIN:X\n".repeat(100_000));
    assert!(refuse(&deep).contains("nests"));
    let many = cal(&"BEGIN:VEVENT\nUID:a\nDTSTART:20270105T100000Z\nEND:VEVENT\n".repeat(MAX_EVENTS + 1));
    assert!(refuse(&many).contains("more than 20000 events"));
    let huge = "X".repeat(MAX_ICS + 1);
    assert!(refuse(&huge).contains("larger than 4 MiB"));
    let broken = cal("BEGIN:VEVENT\r\nUID:a\r\nthis line is no property\r\nEND:VEVENT\r\n");
    assert!(refuse(&broken).contains("line"), "{}", refuse(&broken));
    // Every day for the whole span, 300 times over: more than one import takes.
    let crowd: String = (0..300)
        .map(|i| {
            format!("BEGIN:VEVENT\nUID:c{i}\nDTSTART:20270104T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY\nEND:VEVENT\n")
        })
        .collect();
    assert!(refuse(&cal(&crowd)).contains("more than the 5000"));
}

#[test]
fn a_small_file_cannot_make_a_large_calendar() {
    let (from, to) = span();
    // Every minute, with 100 attendees of long names: one copy of them,
    // and reading stops at the bound rather than after every repeat.
    let people: String =
        (0..MAX_ATTENDEES).map(|i| format!("ATTENDEE;CN={}:mailto:p{i}@example.org\r\n", "N".repeat(10_000))).collect();
    let minutely = |uid: &str, rule: &str| {
        format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{}\r\nDTSTART:20270105T100000Z\r\n\
             DURATION:PT1M\r\n{rule}\r\n{people}END:VEVENT\r\n",
            "S".repeat(100_000)
        )
    };
    let started = std::time::Instant::now();
    let err = read(&cal(&minutely("m", "RRULE:FREQ=MINUTELY")), chrono_tz::UTC, from, to).unwrap_err();
    assert!(err.contains("more than the 5000"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    let c = read(&cal(&minutely("m", "RRULE:FREQ=MINUTELY;COUNT=3000")), chrono_tz::UTC, from, to).unwrap();
    assert_eq!(c.occurrences.len(), 3000);
    assert!(c.occurrences.iter().all(|o| Arc::ptr_eq(&o.attendees, &c.occurrences[0].attendees)));
    assert_eq!(c.occurrences[0].attendees[0].name.as_ref().map(|n| n.chars().count()), Some(MAX_TEXT));
    assert_eq!(c.occurrences[0].summary.chars().count(), MAX_TEXT);
    // Over the bounds of one event: that event is left out, with why.
    let crowd = format!(
        "BEGIN:VEVENT\r\nUID:crowd\r\nDTSTART:20270105T100000Z\r\n{}END:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:{}\r\nDTSTART:20270105T100000Z\r\nEND:VEVENT\r\n",
        "ATTENDEE:mailto:a@example.org\r\n".repeat(MAX_ATTENDEES + 1),
        "U".repeat(MAX_UID + 1)
    );
    let c = read(&cal(&crowd), chrono_tz::UTC, from, to).unwrap();
    let why: Vec<&str> = c.skipped.iter().map(|s| s.why.as_str()).collect();
    assert!(why[0].contains("101 attendees") && why[1].contains("UID is longer"), "{why:?}");
    assert!(c.skipped[1].uid.len() <= MAX_TEXT);
    // An event that cannot be read at each of its repeats: its reasons
    // are bounded too.
    let unread = cal("BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20270105T100000Z\r\nDTEND;TZID=Mars/Base:20270105T110000\r\n\
         RRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\n");
    let err = read(&unread, chrono_tz::UTC, from, to).unwrap_err();
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn an_endless_rule_is_bounded_by_the_span_and_a_hostile_one_is_skipped() {
    let (from, to) = span();
    let text = cal("BEGIN:VEVENT\nUID:daily\nDTSTART:20270104T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY\nEND:VEVENT\n\
        BEGIN:VEVENT\nUID:seconds\nDTSTART:20000101T000000Z\nRRULE:FREQ=SECONDLY\nEND:VEVENT\n");
    let c = read(&text, chrono_tz::UTC, from, to).unwrap();
    assert_eq!(c.occurrences.len(), 112);
    assert!(c.skipped.iter().any(|s| s.uid == "seconds" && s.why.contains("too often")), "{:?}", c.skipped);
}

#[test]
fn an_override_without_its_event_stands_alone() {
    let text = cal("BEGIN:VEVENT\nUID:lone\nRECURRENCE-ID:20270110T150000Z\nDTSTART:20270111T150000Z\n\
        DURATION:PT50M\nEND:VEVENT\n");
    let (from, to) = span();
    let c = read(&text, chrono_tz::UTC, from, to).unwrap();
    assert_eq!(c.occurrences[0].recurrence_id, Some(Utc.with_ymd_and_hms(2027, 1, 10, 15, 0, 0).unwrap()));
    assert_eq!(starts(&c), ["2027-01-11T15:00:00Z"]);
}
