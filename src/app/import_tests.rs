//! Import's rules on small calendars, against an in-memory practice.

use chrono::{DateTime, Utc};

use super::super::test_app;
use super::*;

const NOW: &str = "2027-01-04T09:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn cal(events: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{events}END:VCALENDAR\r\n")
}

/// A weekly 10:00 (UTC) session for Ann on Tuesdays from 5 January, the
/// clinician organizing; `extra` goes inside the event.
fn weekly(extra: &str) -> String {
    format!(
        "BEGIN:VEVENT\r\nUID:w1\r\nSUMMARY:Ann\r\nDTSTART:20270105T100000Z\r\nDTEND:20270105T105000Z\r\n\
         RRULE:FREQ=WEEKLY;COUNT=3\r\nORGANIZER:mailto:lee@example.org\r\n\
         ATTENDEE;PARTSTAT=ACCEPTED:mailto:lee@example.org\r\n\
         ATTENDEE;CN=Ann Smith:mailto:Ann@Example.org\r\n{extra}END:VEVENT\r\n"
    )
}

/// A calendar of one 50-minute session for Ann at `start` (UTC).
fn ann_once(uid: &str, start: &str) -> String {
    cal(&format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:Ann\r\nDTSTART:{start}\r\nDURATION:PT50M\r\n\
         ATTENDEE;CN=Ann Smith:mailto:ann@example.org\r\nEND:VEVENT\r\n"
    ))
}

fn import(app: &mut App, ics: &str, origin: Origin) -> ImportReport {
    app.import_calendar(ics, origin, false, t(NOW)).unwrap()
}

#[test]
fn a_dry_run_shows_everything_and_writes_nothing() {
    let mut app = test_app();
    let r = app.import_calendar(&cal(&weekly("")), Origin::File, true, t(NOW)).unwrap();
    assert_eq!((r.created, r.updated, r.cancelled, r.unchanged), (3, 0, 0, 0));
    assert_eq!(r.changes[0].new_clients, ["Ann Smith"]);
    assert!(r.changes.iter().all(|c| c.appointment_id.is_none()));
    assert!(app.list_clients().unwrap().is_empty());
    assert!(app.store.imported().unwrap().is_empty());
}

#[test]
fn importing_again_changes_nothing_and_a_moved_occurrence_keeps_its_links() {
    let mut app = test_app();
    let first = import(&mut app, &cal(&weekly("")), Origin::File);
    assert_eq!(first.created, 3);
    let clients = app.list_clients().unwrap();
    assert_eq!(clients.len(), 1, "one new client for three sessions");
    assert_eq!(clients[0].email.as_deref(), Some("ann@example.org"));
    let again = import(&mut app, &cal(&weekly("")), Origin::File);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));

    let second = first.changes[1].appointment_id.unwrap();
    let before = app.appointment_view(second, t(NOW)).unwrap();
    let moved = cal(&format!(
        "{}BEGIN:VEVENT\r\nUID:w1\r\nRECURRENCE-ID:20270112T100000Z\r\nSUMMARY:Ann\r\n\
         DTSTART:20270113T150000Z\r\nDTEND:20270113T155000Z\r\nORGANIZER:mailto:lee@example.org\r\n\
         ATTENDEE;CN=Ann Smith:mailto:ann@example.org\r\nEND:VEVENT\r\n",
        weekly("")
    ));
    let r = import(&mut app, &moved, Origin::File);
    assert_eq!((r.created, r.updated, r.unchanged), (0, 1, 2), "{r:?}");
    let after = app.appointment_view(second, t(NOW)).unwrap();
    assert_eq!(after.start, "2027-01-13T15:00:00Z");
    assert_eq!(after.participants[0].link, before.participants[0].link, "the link is kept");
    assert_eq!(after.participants[0].code, before.participants[0].code);
    let updates = app.store.outbox_of(second).unwrap();
    assert!(updates.iter().any(|m| m.sequence == 1), "the client is told of the move: {updates:?}");
    // And once more: nothing to do.
    assert_eq!(import(&mut app, &moved, Origin::File).unchanged, 3);
}

#[test]
fn a_synced_calendar_cancels_what_left_it_and_a_file_does_not() {
    let mut app = test_app();
    let made = import(&mut app, &cal(&weekly("")), Origin::Sync);
    let last = made.changes[2].appointment_id.unwrap();
    // The calendar now ends the series after two sessions.
    let shorter = cal(&weekly("").replace("COUNT=3", "COUNT=2"));
    assert_eq!(import(&mut app, &shorter, Origin::File).cancelled, 0, "a file may hold part of a calendar");
    let r = import(&mut app, &shorter, Origin::Sync);
    assert_eq!((r.cancelled, r.unchanged), (1, 2));
    assert_eq!(app.appointment_view(last, t(NOW)).unwrap().status, "cancelled");
    // An event that is gone altogether: every future session of it.
    let r = import(&mut app, &cal(""), Origin::Sync);
    assert_eq!(r.cancelled, 2);
    assert_eq!(import(&mut app, &cal(""), Origin::Sync).cancelled, 0, "cancelled once");
}

#[test]
fn a_cancelled_event_cancels_its_appointment() {
    let mut app = test_app();
    let made = import(&mut app, &cal(&weekly("")), Origin::File);
    let r = import(&mut app, &cal(&weekly("STATUS:CANCELLED\r\n")), Origin::File);
    assert_eq!(r.cancelled, 3);
    for c in &made.changes {
        assert_eq!(app.appointment_view(c.appointment_id.unwrap(), t(NOW)).unwrap().status, "cancelled");
    }
}

#[test]
fn a_couple_is_one_session_and_attendee_changes_follow_the_calendar() {
    let mut app = test_app();
    let ben = "ATTENDEE;CN=Ben Smith;PARTSTAT=ACCEPTED:mailto:ben@example.org\r\n";
    let r = import(&mut app, &cal(&weekly(ben)), Origin::File);
    assert_eq!(r.created, 3);
    let id = r.changes[0].appointment_id.unwrap();
    let names: Vec<String> =
        app.appointment_view(id, t(NOW)).unwrap().participants.into_iter().map(|p| p.name).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // Ben declines: he leaves the session; Ann stays with her link.
    let ann_link = app
        .appointment_view(id, t(NOW))
        .unwrap()
        .participants
        .iter()
        .find(|p| p.name == "Ann Smith")
        .unwrap()
        .link
        .clone();
    let declined = ben.replace("ACCEPTED", "DECLINED");
    let r = import(&mut app, &cal(&weekly(&declined)), Origin::File);
    assert_eq!(r.updated, 3);
    let left = app.appointment_view(id, t(NOW)).unwrap().participants;
    let live: Vec<_> = left.iter().filter(|p| p.state != crate::model::LinkState::Revoked).collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].link, ann_link);
}

#[test]
fn what_is_not_a_session_is_listed_with_its_reason() {
    let mut app = test_app();
    app.add_client("Jamie Fox", None, None, t(NOW)).unwrap();
    app.add_client("Sam Lee", Some("sam@elsewhere.org"), None, t(NOW)).unwrap();
    let ev = |uid: &str, summary: &str, more: &str| {
        format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{summary}\r\nDTSTART:20270106T100000Z\r\nDURATION:PT50M\r\n\
             ORGANIZER:mailto:lee@example.org\r\n{more}END:VEVENT\r\n"
        )
    };
    let text = cal(&[
        ev("suite", "Jamie Fox", ""),
        ev("lunch", "Lunch", ""),
        "BEGIN:VEVENT\r\nUID:day\r\nSUMMARY:Conference\r\nDTSTART;VALUE=DATE:20270107\r\nEND:VEVENT\r\n".to_string(),
        ev("no", "Ann", "ATTENDEE;PARTSTAT=DECLINED:mailto:ann@example.org\r\n"),
        ev("mine", "Ann", "ATTENDEE;PARTSTAT=DECLINED:mailto:lee@example.org\r\nATTENDEE:mailto:ann@example.org\r\n"),
        ev("namesake", "Sam", "ATTENDEE;CN=Sam Lee:mailto:sam@example.org\r\n"),
        ev("room", "Ann", "ATTENDEE;CUTYPE=ROOM:mailto:room1@example.org\r\n"),
    ]
    .concat());
    let r = import(&mut app, &text, Origin::File);
    assert_eq!(r.created, 1, "only the suite's session naming a client: {r:?}");
    assert_eq!(r.changes[0].clients, ["Jamie Fox"]);
    let why = |uid: &str| r.unmatched.iter().find(|u| u.uid == uid).map(|u| u.why.clone()).unwrap_or_default();
    assert!(why("lunch").contains("not the name of exactly one client"), "{r:?}");
    assert!(why("day").contains("all-day"));
    assert!(why("no").contains("every client declined"));
    assert!(why("mine").contains("the clinician declined"));
    assert!(why("namesake").contains("has the name of client"), "{}", why("namesake"));
    assert!(why("room").contains("not the name of exactly one client"));
    assert_eq!(app.list_clients().unwrap().len(), 2, "no client was guessed into being");
}

#[test]
fn a_hostile_file_is_refused_with_nothing_written() {
    let mut app = test_app();
    let many: String = (0..6000)
        .map(|i| format!("BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTART:20270106T100000Z\r\nDURATION:PT50M\r\nATTENDEE:mailto:c{i}@example.org\r\nEND:VEVENT\r\n"))
        .collect();
    let err = app.import_calendar(&cal(&many), Origin::File, false, t(NOW)).unwrap_err();
    assert!(err.to_string().contains("more than the 5000"), "{err}");
    assert!(app.list_clients().unwrap().is_empty());
}

/// Ann weekly on Tuesdays at 10:00 UTC from 5 January, `count` times.
fn weekly_of(count: u32) -> String {
    weekly("").replace("COUNT=3", &format!("COUNT={count}"))
}

#[test]
fn a_sync_that_would_cancel_most_sessions_at_once_changes_nothing() {
    let mut app = test_app();
    assert_eq!(import(&mut app, &cal(&weekly_of(10)), Origin::Sync).created, 10);
    let err = app.import_calendar(&cal(""), Origin::Sync, false, t(NOW)).unwrap_err().to_string();
    assert!(err.contains("no longer has 10 of the 10 future sessions"), "{err}");
    let all = app.list_appointments(t(NOW), t("2027-12-31T00:00:00Z"), t(NOW)).unwrap();
    assert!(all.iter().all(|a| a.status != "cancelled"), "nothing cancelled");
    // A few going is a calendar's ordinary change.
    assert_eq!(import(&mut app, &cal(&weekly_of(6)), Origin::Sync).cancelled, 4);
}

#[test]
fn an_event_moved_past_the_span_is_kept_and_a_cancelled_one_changed_since_is_booked_anew() {
    let mut app = test_app();
    let one = |start: &str| ann_once("one", start);
    let made = import(&mut app, &one("20270106T100000Z"), Origin::Sync);
    let id = made.changes[0].appointment_id.unwrap();
    // Moved to next year, past the 12 weeks imported: it follows, links kept.
    let link = app.appointment_view(id, t(NOW)).unwrap().participants[0].link.clone();
    let r = import(&mut app, &one("20280106T100000Z"), Origin::Sync);
    assert_eq!((r.cancelled, r.updated), (0, 1), "{r:?}");
    let moved = app.appointment_view(id, t(NOW)).unwrap();
    assert_eq!((moved.start.as_str(), moved.participants[0].link.clone()), ("2028-01-06T10:00:00Z", link));
    assert_eq!(import(&mut app, &one("20280106T100000Z"), Origin::Sync).unchanged, 1);
    import(&mut app, &one("20270106T100000Z"), Origin::Sync);
    app.cancel_appointment(id, t(NOW)).unwrap();
    assert_eq!(import(&mut app, &one("20270106T100000Z"), Origin::Sync).unchanged, 1, "cancelled here stays so");
    let r = import(&mut app, &one("20270107T100000Z"), Origin::Sync);
    assert_eq!(r.created, 1, "the calendar moved it since: booked anew");
    assert_ne!(r.changes[0].appointment_id, Some(id));
}

#[test]
fn a_new_clients_address_is_held_to_the_rule_every_address_is() {
    let mut app = test_app();
    let event = |uid: &str, at: &str, address: &str| {
        format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20270105T{at}Z\r\nDURATION:PT50M\r\n\
             ATTENDEE;CN=Guest {uid}:mailto:{address}\r\nEND:VEVENT\r\n"
        )
    };
    let bad = ["a@example.org, victim@example.net", "\"quoted\"@example.org", "b@localhost", "<c>@example.org"];
    let mut text: String = bad.iter().enumerate().map(|(i, a)| event(&format!("b{i}"), "100000", a)).collect();
    text.push_str(&event("good", "120000", "good@example.org"));
    let r = import(&mut app, &cal(&text), Origin::File);
    assert_eq!(r.created, 1);
    assert_eq!(r.unmatched.len(), bad.len(), "{:?}", r.unmatched);
    assert!(r.unmatched.iter().all(|u| u.why.contains("is not an email address")), "{:?}", r.unmatched);
    let clients = app.list_clients().unwrap();
    assert_eq!(clients.iter().map(|c| c.email.as_deref()).collect::<Vec<_>>(), [Some("good@example.org")]);
}

#[test]
fn thousands_of_new_clients_are_looked_up_at_once() {
    let mut app = test_app();
    // 4 000 sessions, each with a new client: a name and address search
    // per attendee through every client added so far took minutes.
    let text: String = (0..4000)
        .map(|i| {
            format!(
                "BEGIN:VEVENT\r\nUID:n{i}\r\nDTSTART:20270105T100000Z\r\nDURATION:PT50M\r\n\
                 ATTENDEE;CN=Client Number {i}:mailto:c{i}@example.org\r\nEND:VEVENT\r\n"
            )
        })
        .collect();
    let started = std::time::Instant::now();
    let r = app.import_calendar(&cal(&text), Origin::File, true, t(NOW)).unwrap();
    assert_eq!(r.created, 4000);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn a_synced_event_that_can_no_longer_be_read_is_not_taken_for_gone() {
    let mut app = test_app();
    let made = import(&mut app, &cal(&weekly("")), Origin::Sync);
    assert_eq!(made.created, 3);
    // The calendar now writes a rule part (RFC 7529) this reader refuses,
    // then a zone nobody knows: the event is still there.
    for changed in [
        weekly("").replace("COUNT=3", "COUNT=3;RSCALE=GREGORIAN"),
        weekly("").replace("DTSTART:20270105T100000Z", "DTSTART;TZID=Mars/Base:20270105T100000"),
    ] {
        let r = import(&mut app, &cal(&changed), Origin::Sync);
        assert_eq!(r.cancelled, 0, "{:?}", r.changes);
        assert!(r.unmatched.iter().any(|u| u.uid == "w1"), "{:?}", r.unmatched);
    }
    for c in &made.changes {
        assert_eq!(app.appointment_view(c.appointment_id.unwrap(), t(NOW)).unwrap().status, "scheduled");
    }
    // Gone for good: cancelled as before.
    assert_eq!(import(&mut app, &cal(""), Origin::Sync).cancelled, 3);
}

#[test]
fn a_sync_takes_over_what_a_file_brought_from_the_same_calendar() {
    let mut app = test_app();
    let made = import(&mut app, &cal(&weekly("")), Origin::File);
    // The README's path: the file first, then the address kept in sync.
    let r = import(&mut app, &cal(&weekly_of(2)), Origin::Sync);
    assert_eq!(r.cancelled, 1, "the session the calendar dropped goes: {r:?}");
    assert!(app.store.imported().unwrap().iter().all(|row| row.origin == "sync"), "all the sync's now");
    // And when the whole event leaves the calendar, its sessions go too.
    assert_eq!(import(&mut app, &cal(""), Origin::Sync).cancelled, 2);
    let last = made.changes[2].appointment_id.unwrap();
    assert_eq!(app.appointment_view(last, t(NOW)).unwrap().status, "cancelled");
}

#[test]
fn a_past_session_the_calendar_moves_ahead_is_booked_anew_and_the_past_kept() {
    let mut app = test_app();
    let one = |start: &str| ann_once("missed", start);
    let made = app.import_calendar(&one("20270105T100000Z"), Origin::File, false, t(NOW)).unwrap();
    let old = made.changes[0].appointment_id.unwrap();
    // A week later the session was missed, and the calendar moves it on.
    let later = t("2027-01-12T09:00:00Z");
    let r = app.import_calendar(&one("20270114T100000Z"), Origin::File, false, later).unwrap();
    assert_eq!((r.created, r.updated), (1, 0), "{r:?}");
    assert_eq!(app.appointment_view(old, later).unwrap().start, "2027-01-05T10:00:00Z", "the past stays");
}
