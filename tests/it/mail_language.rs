//! Mail in the client's language: a Spanish client's reminder, new time,
//! cancellation and link sent again arrive in Spanish (subject, both
//! bodies, the calendar entry) through the real SMTP server, read back by
//! Python's email and icalendar parsers and checked with the oracle
//! `english_left`; an English client of the same session still gets
//! English. The calendar downloads, the dashboard's copy-message and the
//! text to send by hand follow the same client.

use serde_json::Value;

use crate::clinician::{Clinician, with_password};
use crate::language::english_left;
use crate::mail::{Sink, client, inspect_ics, keep_html, practice};
use crate::support::{Practice, minutes, now};

/// What may be English in a Spanish message: names and the zone.
const NAMES: &[&str] = &["Harbour Counselling", "Ana García", "America/New_York"];

fn spanish_client(p: &Practice, email: Option<&str>) -> i64 {
    let mut args = vec!["client", "add", "--name", "Ana García", "--language", "es"];
    if let Some(email) = email {
        args.extend(["--email", email]);
    }
    p.json(&args)["id"].as_i64().unwrap()
}

/// The English words left in `text`, beside names, the zone and web
/// addresses (whose paths, such as `/join`, are not prose).
fn english_in(text: &str) -> Vec<String> {
    let mut prose = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("http://").or_else(|| rest.find("https://")) {
        prose.push_str(&rest[..at]);
        let end = rest[at..].find(|c: char| c.is_whitespace() || c == '<' || c == '"').map_or(rest.len(), |e| at + e);
        rest = &rest[end..];
    }
    prose.push_str(rest);
    english_left(&prose, NAMES)
}

/// The plain-text part as written (the parser keeps the wire's CRLF).
fn text_of(mail: &Value) -> String {
    mail["text"].as_str().unwrap().replace("\r\n", "\n")
}

/// The last mail that arrived for `to`.
#[track_caller]
fn last_to<'a>(mails: &'a [Value], to: &str) -> &'a Value {
    mails.iter().rev().find(|m| m["headers"]["To"].as_str().unwrap().contains(to)).expect("a mail for them")
}

/// A mail a Spanish reader gets: no English word in its subject, its two
/// bodies or its calendar entry; the HTML part says it is Spanish, and so
/// does the calendar entry's text (RFC 5545 LANGUAGE).
#[track_caller]
fn assert_spanish(what: &str, mail: &Value) {
    let event = &mail["calendars"][0]["events"][0];
    let parts = [
        ("subject", &mail["headers"]["Subject"]),
        ("text", &mail["text"]),
        ("HTML", &mail["html"]),
        ("calendar summary", &event["summary"]),
        ("calendar description", &event["description"]),
    ];
    for (part, value) in parts {
        let text = value.as_str().unwrap_or_else(|| panic!("{what} has a {part}"));
        let left = english_in(text);
        assert!(left.is_empty(), "{what}, {part}: English left {left:?} in\n{text}");
    }
    assert!(mail["html"].as_str().unwrap().contains("<html lang=\"es\">"), "{what}");
    assert_eq!((&event["summary_language"], &event["description_language"]), (&"es".into(), &"es".into()), "{what}");
    assert_eq!(event["summary"], "Sesión de video con Harbour Counselling", "{what}");
}

#[test]
fn a_spanish_clients_reminder_new_time_and_cancellation_arrive_in_spanish_and_an_english_partners_in_english() {
    let sink = Sink::start();
    let (p, server) = practice(&sink);
    let ana = spanish_client(&p, Some("ana@example.net"));
    let bo = client(&p, "Bo Jones", "bo@example.net");
    let appt = p.appt(&[ana, bo], now() + minutes(30), 50);

    let mails = sink.wait_for(2);
    let reminder = last_to(&mails, "ana@example.net");
    keep_html("reminder-es", reminder);
    assert_spanish("reminder", reminder);
    let subject = reminder["headers"]["Subject"].as_str().unwrap();
    assert!(subject.starts_with("Recordatorio: su sesión de video con Harbour Counselling, "), "{subject}");
    let text = text_of(reminder);
    for needle in [
        "Hola, Ana:".to_string(),
        "Entrar a la videollamada:".into(),
        appt.link(0),
        format!("Código de acceso: {}", appt.code(0)),
        "(America/New_York), 50 minutos".into(),
        "El enlace se abre 10 minutos antes de la hora de inicio.".into(),
    ] {
        assert!(text.contains(&needle), "{needle:?} not in\n{text}");
    }
    assert!(reminder["html"].as_str().unwrap().contains("Entrar a la videollamada</a>"));
    assert_eq!(reminder["links"][0], appt.link(0).as_str(), "the button is her own link");

    let english = last_to(&mails, "bo@example.net");
    let subject = english["headers"]["Subject"].as_str().unwrap();
    assert!(subject.starts_with("Reminder: your video session with Harbour Counselling, "), "{subject}");
    assert!(english["html"].as_str().unwrap().contains("<html lang=\"en\">"));
    let text = text_of(english);
    assert!(text.starts_with("Hello Bo,\n\nA reminder of your video session with"), "{text:?}");
    let event = &english["calendars"][0]["events"][0];
    assert_eq!(
        (event["summary"].as_str(), event["summary_language"].as_str()),
        (Some("Video session with Harbour Counselling"), Some("en"))
    );

    // Her portal's calendar file is hers, in Spanish.
    let portal = p.json(&["client", "list"]).as_array().unwrap().iter().find(|c| c["id"] == ana).unwrap()["portal_url"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = inspect_ics(&server.get(&format!("/p/{}/calendar.ics", portal.rsplit('/').next().unwrap())).body);
    assert_eq!(listed["name"], "Sesiones con Harbour Counselling");
    assert_eq!(listed["events"][0]["summary"], "Sesión de video con Harbour Counselling");

    // 15 March 2030 is a Friday, on New York's daylight time.
    p.run(&["appt", "move", &appt.id_str(), "--start", "2030-03-15T11:00"]).ok();
    let mails = sink.wait_for(4);
    let update = last_to(&mails, "ana@example.net");
    keep_html("new-time-es", update);
    assert_spanish("new time", update);
    assert_eq!(
        update["headers"]["Subject"],
        "Se cambió la hora: su sesión de video con Harbour Counselling ahora es el viernes, 15 de marzo de 2030, 11:00 EDT"
    );
    let text = text_of(update);
    assert!(
        text.contains("\n    viernes, 15 de marzo de 2030\n    11:00 EDT (America/New_York), 50 minutos\n"),
        "{text}"
    );
    let event = &update["calendars"][0]["events"][0];
    let at = "viernes, 15 de marzo de 2030 a las 11:00 EDT (America/New_York), 50 minutos.";
    assert!(event["description"].as_str().unwrap().starts_with(&format!("{at}\nEntrar a la videollamada:\n")));
    assert_eq!((event["sequence"].as_i64(), &event["uid"]), (Some(1), &reminder["calendars"][0]["events"][0]["uid"]));
    assert_eq!(
        last_to(&mails, "bo@example.net")["headers"]["Subject"],
        "New time: your video session with Harbour Counselling is now Friday 15 March 2030, 11:00 AM EDT"
    );

    // Her own download says the same, in Spanish.
    let own = inspect_ics(&server.get(&format!("/v/{}/calendar.ics", appt.token(0))).body);
    assert_eq!(own["events"][0]["description"], event["description"]);
    assert_eq!(own["events"][0]["summary_language"], "es");
    let bos = inspect_ics(&server.get(&format!("/v/{}/calendar.ics", appt.token(1))).body);
    assert_eq!(bos["events"][0]["summary"], "Video session with Harbour Counselling", "his stays English");

    p.run(&["appt", "cancel", &appt.id_str()]).ok();
    let mails = sink.wait_for(6);
    let cancel = last_to(&mails, "ana@example.net");
    keep_html("cancellation-es", cancel);
    assert_spanish("cancellation", cancel);
    let subject = cancel["headers"]["Subject"].as_str().unwrap();
    assert!(
        subject.starts_with("Cancelada: su sesión de video con Harbour Counselling, viernes, 15 de marzo"),
        "{subject}"
    );
    let text = text_of(cancel);
    let said = "La sesión de video que tenía con Harbour Counselling el viernes, 15 de marzo de 2030 a las 11:00 EDT \
                (America/New_York) se ha cancelado. El enlace de esa sesión ya no funciona.";
    assert!(text.contains(said), "{text}");
    assert_eq!(
        (cancel["calendars"][0]["method"].as_str(), cancel["calendars"][0]["events"][0]["status"].as_str()),
        (Some("CANCEL"), Some("CANCELLED"))
    );
    let entry = cancel["calendars"][0]["events"][0]["description"].as_str().unwrap();
    assert!(entry.contains("Esta sesión se ha cancelado") && !entry.contains("Código de acceso"), "{entry}");
    assert!(last_to(&mails, "bo@example.net")["headers"]["Subject"].as_str().unwrap().starts_with("Cancelled: "));
}

#[test]
fn the_link_sent_again_reaches_a_spanish_client_in_spanish() {
    let sink = Sink::start();
    let (p, server) = practice(&sink);
    let ana = spanish_client(&p, Some("ana@example.net"));
    let appt = p.appt(&[ana], now() - minutes(3), 50);
    sink.stays_at(0, 2);
    let mut doctor = Clinician::sign_in(&server);
    let r =
        doctor.post(&format!("/admin/appointments/{}/resend", appt.id()), &format!("client={ana}&back=appointment"));
    assert_eq!(r.status, 303, "{}", r.body);
    let mail = &sink.wait_for(1)[0];
    keep_html("resend-es", mail);
    assert_spanish("link sent again", mail);
    assert_eq!(mail["headers"]["Subject"], "Su sesión con Harbour Counselling ha comenzado: entre con este enlace");
    let text = text_of(mail);
    assert!(
        text.contains("ha comenzado y Harbour Counselling le está esperando:") && text.contains(appt.link(0).as_str()),
        "{text}"
    );
    assert!(!text.contains("El enlace se abre"), "it is open now:\n{text}");
}

/// The text of the `<textarea>` whose `aria-label` is `label`.
#[track_caller]
fn textarea(html: &str, label: &str) -> String {
    let at = html.find(&format!("aria-label=\"{label}\">")).unwrap_or_else(|| panic!("no {label:?} in\n{html}"));
    let text = &html[at + label.len() + 14..];
    text[..text.find("</textarea>").unwrap()].replace("&#x27;", "'").replace("&amp;", "&")
}

#[test]
fn the_copy_message_and_the_text_to_send_by_hand_are_in_the_clients_language() {
    let (p, server) = with_password(&[]);
    p.set("practice_name", "Harbour Counselling");
    p.set("timezone", "America/New_York");
    let ana = spanish_client(&p, None);
    let bo = p.client("Bo Jones");
    let appt = p.appt(&[ana, bo], now() + chrono::Duration::days(2), 50);
    p.run(&["appt", "move", &appt.id_str(), "--start", "2030-03-15T11:00"]).ok();
    let mut doctor = Clinician::sign_in(&server);
    let page = doctor.browser.get(&format!("/admin/appointments/{}", appt.id()));
    assert_eq!(page.status, 200);

    let copy = textarea(&page.body, "Message for Ana García");
    assert!(english_in(&copy).is_empty(), "{:?} in\n{copy}", english_in(&copy));
    assert!(copy.starts_with("Hola, Ana:\n\nSu sesión de video con Harbour Counselling es el viernes, 15 de marzo de 2030 a las 11:00 EDT (America/New_York) y dura 50 minutos."), "{copy}");
    assert!(copy.lines().any(|l| l == appt.link(0)), "{copy}");
    let his = textarea(&page.body, "Message for Bo Jones");
    assert!(
        his.starts_with(
            "Hello Bo,\n\nYour video session with Harbour Counselling is on Friday 15 March 2030 at 11:00 AM EDT"
        ),
        "{his}"
    );

    // Mail is off: the new time is shown to send by hand, in her language.
    let by_hand = textarea(&page.body, "Copy message for Ana García text");
    assert!(english_in(&by_hand).is_empty(), "{:?} in\n{by_hand}", english_in(&by_hand));
    assert!(
        by_hand.starts_with("Hola, Ana:\n\nSe cambió la hora de su sesión de video con Harbour Counselling."),
        "{by_hand}"
    );
    assert!(by_hand.contains("viernes, 15 de marzo de 2030"), "{by_hand}");
    assert!(
        textarea(&page.body, "Copy message for Bo Jones text")
            .starts_with("Hello Bo,\n\nYour video session with Harbour Counselling has a new time:")
    );
}
