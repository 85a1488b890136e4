//! The clinician's minutes before a session (issue 22): the running-late
//! note reaches the waiting page's poll and the pages at once, survives a
//! restart and is audited; "Not here yet" after `not_here_after_minutes`;
//! "Send the link again" reaches a real SMTP server with the client's own
//! link, and a second press within two minutes is refused.

use serde_json::Value;

use crate::clinician::{Clinician, with_password};
use crate::mail::{Sink, client, keep_html, practice};
use crate::support::{Server, minutes, now};

fn status(server: &Server, token: &str) -> Value {
    server.get(&format!("/v/{token}/wait/status")).json()
}

fn set_note(doctor: &mut Clinician<'_>, id: i64, form: &str) -> crate::support::Response {
    doctor.post(&format!("/admin/appointments/{id}/note"), form)
}

#[test]
fn a_note_reaches_the_waiting_page_and_the_link_page_survives_a_restart_and_goes_when_cleared() {
    let (p, server) = with_password(&[]);
    let (_, appt) = p.solo("Ann Smith", now() + minutes(5));
    let (id, token) = (appt.id(), appt.token(0));
    assert_eq!(server.post(&format!("/v/{token}/join"), "").status, 303);
    assert_eq!(status(&server, &token)["note"], Value::Null, "no note yet: null, not absent");

    let mut doctor = Clinician::sign_in(&server);
    let card = doctor.browser.get(&format!("/admin/appointments/{id}"));
    for needle in ["Running late? Tell those waiting", "I&#x27;ll be with you in 5 minutes", "name=\"preset\""] {
        assert!(card.body.contains(needle), "{needle} on the card");
    }
    // A preset, in one tap.
    let r = set_note(&mut doctor, id, "preset=I%27ll+be+with+you+in+5+minutes&note=");
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().contains("done=note-set"));
    assert_eq!(status(&server, &token)["note"], "I'll be with you in 5 minutes");

    // Typed, with markup: stored as text, escaped on every page.
    let typed = "<b>Ten</b> minutes & \"sorry\"";
    let form = format!("note={}", urlencode(&format!("  {typed}  ")));
    assert_eq!(set_note(&mut doctor, id, &form).status, 303);
    assert_eq!(status(&server, &token)["note"], typed, "trimmed, as typed");
    let wait = server.get(&format!("/v/{token}/wait"));
    let escaped = "&lt;b&gt;Ten&lt;/b&gt; minutes &amp; &quot;sorry&quot;";
    assert!(wait.body.contains(escaped) && !wait.body.contains("<b>Ten"), "{}", wait.body);
    let page = server.get(&format!("/v/{token}"));
    assert!(page.body.contains(escaped) && !page.body.contains("<b>Ten"), "the link page shows it too");
    assert!(doctor.dashboard().body.contains(escaped), "the dashboard says what they read");

    // The note is stored: a restart keeps it.
    server.crash();
    let server = Server::start(p.path(), false);
    assert_eq!(status(&server, &token)["note"], typed, "after a restart");
    let mut doctor = Clinician::sign_in(&server);
    let r = set_note(&mut doctor, id, "clear=1&note=whatever");
    assert_eq!((r.status, r.location().contains("done=note-cleared")), (303, true));
    assert_eq!(status(&server, &token)["note"], Value::Null);
    assert!(!server.get(&format!("/v/{token}/wait")).body.contains("Ten"), "gone from the page");

    let details: Vec<String> = p
        .audit()
        .iter()
        .filter(|e| e["event"] == "session.note")
        .map(|e| e["detail"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(details.len(), 3, "{details:?}");
    assert_eq!(details[2], "note cleared");
    assert!(!serde_json::to_string(&p.audit()).unwrap().contains("Ten"), "the note's words stay out of the audit");
}

#[test]
fn a_bad_note_is_refused_next_to_its_field_and_changes_nothing() {
    let (p, server) = with_password(&[]);
    let (_, appt) = p.solo("Ann Smith", now() + minutes(5));
    let mut doctor = Clinician::sign_in(&server);
    assert_eq!(set_note(&mut doctor, appt.id(), "note=Soon").status, 303);
    for (form, says) in [
        (format!("note={}", "x".repeat(201)), "200 characters"),
        ("note=two%0Alines".to_string(), "one line"),
        ("note=esc%1B%5B31m".to_string(), "one line"),
    ] {
        let r = set_note(&mut doctor, appt.id(), &form);
        assert_eq!(r.status, 400, "{form}");
        assert!(r.body.contains(says) && r.body.contains("aria-invalid=\"true\""), "{form}: {}", r.body);
        assert_eq!(status(&server, &appt.token(0))["note"], "Soon", "unchanged after {form}");
    }
    // 200 characters exactly is fine, counted as characters.
    let most = "é".repeat(200);
    assert_eq!(set_note(&mut doctor, appt.id(), &format!("note={}", urlencode(&most))).status, 303);
    // Without the CSRF field, refused like every admin form.
    let r = doctor.browser.post(
        &format!("/admin/appointments/{}/note", appt.id()),
        &[crate::clinician::ORIGIN],
        "note=forged",
    );
    assert_eq!(r.status, 403);
    assert_eq!(status(&server, &appt.token(0))["note"], most);
    // The command line sets and clears the same note.
    p.run(&["appt", "note", &appt.id_str(), "From the terminal"]).ok();
    assert_eq!(status(&server, &appt.token(0))["note"], "From the terminal");
    p.run(&["appt", "note", &appt.id_str(), "--clear"]).ok();
    assert_eq!(status(&server, &appt.token(0))["note"], Value::Null);
    p.run(&["appt", "note", &appt.id_str(), "a\tb"]).input_error(&["one line"]);
}

#[test]
fn the_note_is_for_its_session_only_and_not_after_its_window() {
    let (p, server) = with_password(&[]);
    let (_, soon) = p.solo("Ann Smith", now() + minutes(5));
    let (_, other) = p.solo("Bob Jones", now() + minutes(5));
    let (_, over) = p.solo("Cy Young", now() - minutes(200));
    let mut doctor = Clinician::sign_in(&server);
    assert_eq!(set_note(&mut doctor, soon.id(), "note=Soon").status, 303);
    assert_eq!(status(&server, &other.token(0))["note"], Value::Null, "another session's page");
    assert!(!server.get(&format!("/v/{}", other.token(0))).body.contains("Soon"));
    let r = set_note(&mut doctor, over.id(), "note=Late");
    assert!(r.status == 400 && r.body.contains("over"), "{}", r.body);
}

#[test]
fn not_here_yet_offers_the_link_again_by_mail_once_per_two_minutes_and_the_phone() {
    let sink = Sink::start();
    let (p, server) = practice(&sink);
    let phone = ["--email", "ann@example.net", "--phone", "+1 (212) 555-0134"];
    let ann = p.json(&[&["client", "add", "--name", "Ann Smith"][..], &phone].concat())["id"].as_i64().unwrap();
    let bob = client(&p, "Bob Jones", "bob@example.net");
    // Started three minutes ago: the reminder is not due any more.
    let appt = p.appt(&[ann, bob], now() - minutes(3), 50);
    sink.stays_at(0, 2);
    // Bob is waiting: arrived. Ann is not.
    assert_eq!(server.post(&format!("/v/{}/join", appt.token(1)), "").status, 303);
    let mut doctor = Clinician::sign_in(&server);
    let card = doctor.browser.get(&format!("/admin/appointments/{}", appt.id()));
    assert_eq!(card.body.matches("Not here yet</span>").count(), 1, "Ann only:\n{}", card.body);
    assert!(card.body.contains("href=\"tel:+12125550134\""), "her phone as a tel: link");
    assert!(card.body.contains("Send the link again<span class=\"visually-hidden\"> to Ann Smith"));
    assert_eq!(doctor.dashboard().body.matches("Not here yet</span>").count(), 1, "and on the dashboard");

    let resend = format!("/admin/appointments/{}/resend", appt.id());
    let r = doctor.post(&resend, &format!("client={ann}&back=appointment"));
    assert_eq!(r.status, 303, "{}", r.body);
    let mail = &sink.wait_for(1)[0];
    keep_html("resend", mail);
    assert_eq!(mail["headers"]["To"], "Ann Smith <ann@example.net>");
    let subject = mail["headers"]["Subject"].as_str().unwrap();
    assert!(subject.contains("has started: join with this link"), "{subject}");
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains(&appt.link(0)) && text.contains(&appt.code(0)), "her own link and code:\n{text}");
    assert!(!text.contains(&appt.link(1)), "never the other's");
    assert!(!text.contains("opens 10 minutes before"), "it is open now:\n{text}");

    // Again at once: refused, saying when, and nothing more is sent.
    let again = doctor.post(&resend, &format!("client={ann}&back=appointment"));
    assert_eq!(again.status, 409);
    assert!(again.body.contains("already went to Ann Smith") && again.body.contains("role=\"alert\""));
    sink.stays_at(1, 3);
    assert_eq!(p.audit_count("link.resent"), 1);
    let entry = p.audit().into_iter().find(|e| e["event"] == "link.resent").unwrap();
    assert_eq!((entry["client_id"].as_i64(), entry["appointment_id"].as_i64()), (Some(ann), Some(appt.id())));
    let said = serde_json::to_string(&entry).unwrap();
    assert!(!said.contains("ann@example.net") && !said.contains(&appt.token(0)), "{said}");
}

#[test]
fn without_mail_the_copy_message_stands_in_and_before_the_minutes_nothing_is_marked() {
    let (p, server) = with_password(&[]);
    let (ann, started) = p.solo("Ann Smith", now() - minutes(3));
    let mut doctor = Clinician::sign_in(&server);
    let card = doctor.browser.get(&format!("/admin/appointments/{}", started.id()));
    assert!(card.body.contains("Not here yet</span>") && !card.body.contains("Send the link again"));
    assert!(card.body.contains("Mail is not set up"), "{}", card.body);
    let r = doctor.post(&format!("/admin/appointments/{}/resend", started.id()), &format!("client={ann}"));
    assert!(r.status == 409 && r.body.contains("Mail is not set up"), "{}", r.body);
    p.set("not_here_after_minutes", "5");
    let card = doctor.browser.get(&format!("/admin/appointments/{}", started.id()));
    assert!(!card.body.contains("Not here yet</span>"), "three minutes in, five asked for");
    p.run(&["settings", "set", "not_here_after_minutes", "61"]).input_error(&["not_here_after_minutes", "0 to 60"]);
    let shown = p.json(&["settings", "show"]);
    let row = shown.as_array().unwrap().iter().find(|s| s["key"] == "not_here_after_minutes").unwrap().clone();
    assert_eq!(row["value"], "5");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
