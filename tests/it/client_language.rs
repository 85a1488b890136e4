//! Every client page in the client's language: the link page in each
//! state, the waiting page, the portal and what became of it, `/join`,
//! the unknown-link page and the error pages. A Spanish reader finds no
//! English word left (`language::english_left`, apart from the names and
//! the zone); an English reader's pages read as before. Where a client is
//! known their language decides, whatever the browser asks for; where
//! none is, the browser's `Accept-Language`, else the practice's.

use crate::language::english_left;
use crate::support::*;

const PRACTICE: &str = "Riverside Counseling";
const ZONE: &str = "America/New_York";
/// What may stay as it is in a Spanish page: names, the zone, and the
/// name of the language the page is in ("Sample Person" is the client
/// of `every_state`).
const NAMES: &[&str] = &[PRACTICE, ZONE, "Sample Person", "Ana García"];

/// A practice in New York whose client "Sample Person" reads Spanish,
/// with a link in every state; and its server.
fn spanish_practice() -> (Practice, Server, Vec<Sample>) {
    let p = Practice::new();
    p.set("practice_name", PRACTICE);
    p.set("timezone", ZONE);
    let samples = p.every_state();
    p.json(&["client", "language", "Sample Person", "es"]);
    let server = p.serve();
    (p, server, samples)
}

fn get_in(server: &Server, target: &str, accept: &str) -> Response {
    server.send_with("GET", target, &[("Accept-Language", accept)], None)
}

/// The page is Spanish throughout: `<html lang="es">` and no English word.
#[track_caller]
fn assert_spanish(what: &str, r: &Response) {
    assert!(r.body.contains("<html lang=\"es\">"), "{what}: not marked Spanish: {}", r.body);
    let left = english_left(&r.body, NAMES);
    assert!(left.is_empty(), "{what}: English left {left:?} in {}", r.text());
}

#[track_caller]
fn assert_english(what: &str, r: &Response) {
    assert!(r.body.contains("<html lang=\"en\">"), "{what}: not marked English: {}", r.body);
}

#[test]
fn a_spanish_clients_link_page_is_spanish_in_every_state_whatever_the_browser_asks() {
    let (_p, server, samples) = spanish_practice();
    for s in &samples {
        // The browser asks for English: the link's client decides.
        let r = get_in(&server, &s.page(), "en-US,en;q=0.9");
        let status = match s.state {
            "early" | "open" => 200,
            "unknown" => 404,
            _ => 410,
        };
        assert_eq!(r.status, status, "{}", s.state);
        if s.state == "unknown" {
            // Nobody is known: the browser's English.
            assert_english("unknown", &r);
            assert_eq!(r.heading(), "We couldn't find this link");
            continue;
        }
        assert_spanish(s.state, &r);
        let heading = r.heading();
        let expected = match s.state {
            "early" => "Su sesión todavía no ha comenzado",
            "open" => "Su sesión está lista",
            "expired" => "Esta sesión ya terminó",
            "cancelled" => "Esta sesión fue cancelada",
            _ => "Este enlace fue reemplazado",
        };
        assert_eq!(heading, expected, "{}", s.state);
    }
    // The date in Spanish words, the time on the 24-hour clock.
    let early = get_in(&server, &samples[0].page(), "en");
    // The number and its word never part at a line end on a phone.
    assert!(early.body.contains("· 50\u{a0}minutos"), "a no-break space");
    let early = early.text();
    let months = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre"];
    let months = [&months[..], &["octubre", "noviembre", "diciembre"]].concat();
    assert!(months.iter().any(|m| early.contains(&format!(" de {m} de "))), "{early}");
    assert!(!early.contains(" AM ") && !early.contains(" PM "), "{early}");
    assert!(early.contains("Zona horaria: America/New_York · 50 minutos"), "{early}");
    assert!(early.contains("Puede entrar a partir de la"), "{early}");
    // Its calendar file, refused for a cancelled session, says so in Spanish.
    let cancelled = samples.iter().find(|s| s.state == "cancelled").unwrap();
    let ics = get_in(&server, &format!("{}/calendar.ics", cancelled.page()), "en");
    assert_eq!(ics.status, 410);
    assert_spanish("cancelled calendar", &ics);
}

#[test]
fn an_english_clients_pages_stay_english_when_the_browser_asks_for_spanish() {
    let p = Practice::new();
    let samples = p.every_state();
    let server = p.serve();
    for s in samples.iter().filter(|s| s.state != "unknown") {
        let r = get_in(&server, &s.page(), "es-MX,es;q=0.9");
        assert_english(s.state, &r);
        assert!(r.text().contains("Skip to content"), "{}", s.state);
    }
    let open = get_in(&server, &samples[1].page(), "es").text();
    for line in [
        "Video session with My Practice",
        "Your session is ready",
        "Time zone: UTC · 50 minutes",
        "Join video call",
        "This page is private to you. Please don't forward its address.",
    ] {
        assert!(open.contains(line), "{line:?} in {open}");
    }
    let early = get_in(&server, &samples[0].page(), "es").text();
    assert!(early.contains(" minutes before the start. Keep this page open: the button appears by itself."), "{early}");
    assert!(early.contains("You can join from "), "{early}");
}

#[test]
fn the_waiting_page_and_the_checked_in_page_are_in_the_clients_language() {
    let (p, server, samples) = spanish_practice();
    let open = &samples[1];
    let r = server.post(&format!("{}/join", open.page()), "");
    assert_eq!((r.status, r.location()), (303, format!("{}/wait", open.page()).as_str()));
    let wait = get_in(&server, &format!("{}/wait", open.page()), "en");
    assert_eq!(wait.status, 200);
    assert_spanish("waiting", &wait);
    assert_eq!(wait.heading(), "Su terapeuta sabe que usted está aquí");
    // Without a waiting room or a video room: checked in, in Spanish.
    p.set("waiting_room", "off");
    let r = server.send_with("POST", &format!("{}/join", open.page()), &[("Accept-Language", "en")], Some(""));
    assert_eq!(r.status, 200, "{r:?}");
    assert_spanish("checked in", &r);
}

#[test]
fn the_portal_and_what_became_of_it_are_in_the_clients_language() {
    let p = Practice::new();
    p.set("practice_name", PRACTICE);
    p.set("timezone", ZONE);
    let ana = p.json(&["client", "add", "--name", "Ana García", "--language", "es"]);
    let id = ana["id"].as_i64().unwrap();
    let portal = format!("/p/{}", token_of(ana["portal_url"].as_str().unwrap()));
    let server = p.serve();
    let empty = get_in(&server, &portal, "en");
    assert_eq!(empty.status, 200);
    assert_spanish("empty portal", &empty);
    assert_eq!(empty.heading(), "Hola, Ana");
    p.appt(&[id], now() - minutes(5), 50);
    p.appt(&[id], now() + chrono::Duration::hours(30), 50);
    let cancelled = p.appt(&[id], now() + chrono::Duration::hours(60), 1);
    p.run(&["appt", "cancel", &cancelled.id_str()]).ok();
    let full = get_in(&server, &portal, "en");
    assert_spanish("portal", &full);
    let text = full.text();
    for line in ["Entrar a la videollamada", "Cancelada", "Puede entrar 10 minutos antes", "1 minuto"] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
    p.set("portal_links", "off");
    let off = get_in(&server, &portal, "en");
    assert_eq!(off.status, 410);
    assert_spanish("portals off", &off);
    p.set("portal_links", "on");
    let rotated = p.json(&["client", "portal", "rotate", &id.to_string()]);
    let moved = get_in(&server, &portal, "en");
    assert_eq!(moved.status, 410);
    assert_spanish("portal moved", &moved);
    assert_eq!(moved.heading(), "Esta página cambió de dirección");
    let new_portal = format!("/p/{}", token_of(rotated["portal_url"].as_str().unwrap()));
    p.run(&["client", "archive", &id.to_string(), "--force"]).ok();
    let archived = get_in(&server, &new_portal, "en");
    assert_eq!(archived.status, 410, "{archived:?}");
    assert_spanish("portal of an archived client", &archived);
}

#[test]
fn where_no_client_is_known_the_browser_chooses_else_the_practice() {
    let p = Practice::new();
    p.set("practice_name", PRACTICE);
    let server = p.serve();
    let unknown = "/v/AAAAAAAAAAAAAAAAAAAAAA";
    for target in ["/join", "/", unknown, "/p/AAAAAAAAAAAAAAAAAAAAAA", "/v/short", "/nowhere"] {
        let es = get_in(&server, target, "es-ES,es;q=0.9,en;q=0.8");
        assert_spanish(target, &es);
        let en = get_in(&server, target, "en-GB,en;q=0.9,es;q=0.8");
        assert_english(target, &en);
        let none = server.get(target);
        assert_english(target, &none);
        let other = get_in(&server, target, "fr-FR,fr;q=0.9");
        assert_english(target, &other);
    }
    assert_eq!(get_in(&server, "/join", "es").heading(), "Escriba su código de acceso");
    assert_eq!(get_in(&server, unknown, "es").heading(), "No encontramos este enlace");
    // A wrong code: the one answer, in Spanish.
    let wrong = server.send_with("POST", "/join", &[("Accept-Language", "es")], Some("code=ZZZZ-ZZZZ"));
    assert_spanish("wrong code", &wrong);
    assert!(wrong.text().contains("Ese código no funcionó."), "{}", wrong.text());
    // A method a route does not take, the room without a ticket.
    let r = server.send_with("PUT", unknown, &[("Accept-Language", "es")], None);
    assert_eq!(r.status, 405);
    assert_spanish("405", &r);
    let r = get_in(&server, "/room/abc/def", "es");
    assert_eq!(r.status, 403);
    assert_spanish("room without a ticket", &r);
    // The admin pages stay English whatever the browser asks.
    let admin = get_in(&server, "/admin/setup", "es");
    assert_english("admin", &admin);
    // A practice whose language is Spanish: Spanish unless asked otherwise.
    p.set("language", "es");
    for target in ["/join", unknown] {
        assert_spanish(target, &server.get(target));
        assert_english(target, &get_in(&server, target, "en"));
    }
}

#[test]
fn a_one_tap_late_note_reads_in_the_clients_language_a_typed_one_as_typed() {
    let (p, server, samples) = spanish_practice();
    let open = &samples[1];
    let id = p.check(&open.token)["appointment_id"].to_string();
    p.run(&["appt", "note", &id, "I'll be with you in 5 minutes"]).ok();
    assert!(server.post(&format!("{}/join", open.page()), "").status == 303);
    let wait = get_in(&server, &format!("{}/wait", open.page()), "en");
    assert!(wait.body.contains("Estaré con usted en 5 minutos."), "{}", wait.text());
    assert_spanish("waiting with a one-tap note", &wait);
    let status = get_in(&server, &format!("{}/wait/status", open.page()), "en");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&status.body).unwrap()["note"],
        "Estaré con usted en 5 minutos."
    );
    let page = get_in(&server, &open.page(), "en");
    assert!(page.body.contains("Estaré con usted en 5 minutos."), "{}", page.text());
    // The clinician's own words are theirs: shown as typed.
    p.run(&["appt", "note", &id, "Un momento, por favor"]).ok();
    let status = get_in(&server, &format!("{}/wait/status", open.page()), "en");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&status.body).unwrap()["note"], "Un momento, por favor");
}
