//! The admin's Import page over HTTP as a browser sends it: a `.ics` file
//! in a multipart form, its preview (nothing written), "Import these"
//! once, the gate, malformed uploads, and the larger body only this page
//! may send (4 MiB, one at a time).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clinician::{Browser, Clinician, ORIGIN, with_password};
use crate::support::{Response, Server, now};

/// `server::limits::MAX_IMPORT_BODY`, as SECURITY.md states it.
const MAX_IMPORT_BODY: usize = 4 * 1024 * 1024;
const BOUNDARY: &str = "----PorchlightTestBoundaryq7Ma4Yw";

/// A calendar as Google writes one: one session with a client attendee
/// (the clinician organises it), two days from now, and an all-day event,
/// which is not an appointment. `pad` adds that many bytes of description.
fn calendar(start: DateTime<Utc>, pad: usize) -> String {
    let utc = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let day = (start + chrono::Duration::days(1)).format("%Y%m%d");
    let mut ics =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n");
    ics += &format!(
        "BEGIN:VEVENT\r\nDTSTART:{}\r\nDTEND:{}\r\nDTSTAMP:{}\r\nUID:import-page-1@google.com\r\n\
         ORGANIZER;CN=Dr Clinician:mailto:clinician@example.org\r\n\
         ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Ann Importa;X-NUM-GUESTS=0:mailto:ann.importa@example.org\r\n\
         SUMMARY:Session with Ann\r\nEND:VEVENT\r\n",
        utc(start),
        utc(start + chrono::Duration::minutes(50)),
        utc(now()),
    );
    if pad > 0 {
        // A long description, folded at 75 octets as RFC 5545 §3.1 says.
        ics += "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:";
        ics += &day.to_string();
        ics += "\r\nUID:import-page-pad@google.com\r\nSUMMARY:Notes\r\nDESCRIPTION:";
        let mut line = 12;
        for _ in 0..pad {
            if line == 75 {
                ics += "\r\n ";
                line = 1;
            }
            ics.push('x');
            line += 1;
        }
        ics += "\r\nEND:VEVENT\r\n";
    }
    ics += &format!(
        "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:{day}\r\nUID:import-page-2@google.com\r\nSUMMARY:Conference\r\nEND:VEVENT\r\n"
    );
    ics + "END:VCALENDAR\r\n"
}

/// A multipart body as a browser's Import form sends it.
fn form(csrf: Option<&str>, file: Option<&str>) -> Vec<u8> {
    let mut b = String::new();
    if let Some(csrf) = csrf {
        b += &format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n");
    }
    let (name, data) = match file {
        Some(ics) => ("calendar.ics", ics),
        None => ("", ""),
    };
    b += &format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/calendar\r\n\r\n{data}\r\n"
    );
    b += &format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"address\"\r\n\r\n\r\n--{BOUNDARY}--\r\n");
    b.into_bytes()
}

/// The head of `POST /admin/import` with `length` bytes of body to come.
fn head(cookie: &str, length: usize) -> Vec<u8> {
    format!(
        "POST /admin/import HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: http://127.0.0.1\r\n\
         Cookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\n\r\n"
    )
    .into_bytes()
}

fn upload(server: &Server, browser: &Browser, body: &[u8]) -> Response {
    server.raw(&[head(&browser.cookie_header(), body.len()), body.to_vec()].concat())
}

/// The id of the confirm form of a preview.
fn confirm_id(page: &Response) -> String {
    let at = page.body.find("name=\"id\" value=\"").unwrap_or_else(|| panic!("no confirm form in {}", page.body));
    let rest = &page.body[at + 17..];
    rest[..rest.find('"').expect("closing quote")].to_string()
}

fn appointments(p: &crate::support::Practice) -> usize {
    p.json(&["appt", "list"]).as_array().expect("a list").len()
}

#[test]
fn a_preview_writes_nothing_and_import_these_writes_once() {
    let (p, server) = with_password(&[]);
    let mut c = Clinician::sign_in(&server);
    let page = c.browser.get("/admin/import");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("enctype=\"multipart/form-data\"") && page.body.contains("accept=\".ics,text/calendar\"")
    );
    assert!(c.browser.get("/admin/week").body.contains("href=\"/admin/import\""), "linked from the week view");

    let start = now() + chrono::Duration::days(2);
    let r = upload(&server, &c.browser, &form(Some(&c.csrf), Some(&calendar(start, 0))));
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    assert!(text.contains("Importing would create 1, update 0 and cancel 0 appointments"), "{text}");
    assert!(text.contains("Ann Importa") && text.contains("new client"), "{text}");
    assert!(text.contains("Conference"), "the all-day event is listed as left out: {text}");
    assert_eq!(appointments(&p), 0, "a preview writes nothing");
    assert!(p.json(&["client", "list"]).as_array().unwrap().is_empty(), "nor a client");

    let id = confirm_id(&r);
    let done = c.post("/admin/import/confirm", &format!("id={id}"));
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("Created 1, updated 0 and cancelled 0 appointments"), "{}", done.text());
    assert_eq!(appointments(&p), 1);
    let appt = p.json(&["appt", "list"])[0]["id"].as_i64().expect("an id");
    assert!(done.body.contains(&format!("href=\"/admin/appointments/{appt}\"")), "{}", done.body);
    assert!(done.body.contains("href=\"/admin/week?date="), "{}", done.body);

    // The same id again: refused, nothing more written.
    let again = c.post("/admin/import/confirm", &format!("id={id}"));
    assert_eq!(again.status, 409, "{}", again.text());
    assert!(again.text().contains("already imported"), "{}", again.text());
    assert_eq!(appointments(&p), 1);
    // The same file again has nothing to import, and says so.
    let r = upload(&server, &c.browser, &form(Some(&c.csrf), Some(&calendar(start, 0))));
    assert!(r.text().contains("Nothing to import"), "{}", r.text());
    assert!(!r.body.contains("/admin/import/confirm"), "no button for nothing");
    // The event moved: one update. Another session cannot confirm it.
    let r = upload(&server, &c.browser, &form(Some(&c.csrf), Some(&calendar(start + chrono::Duration::hours(1), 0))));
    assert!(r.text().contains("create 0, update 1 and cancel 0"), "{}", r.text());
    let id = confirm_id(&r);
    let mut other = Clinician::sign_in(&server);
    assert_eq!(other.post("/admin/import/confirm", &format!("id={id}")).status, 409);
    let moved = c.post("/admin/import/confirm", &format!("id={id}"));
    assert!(moved.text().contains("Created 0, updated 1"), "{}", moved.text());
    assert!(moved.body.contains(&format!("href=\"/admin/appointments/{appt}\"")), "the same appointment, moved");
    assert_eq!(appointments(&p), 1);
    server.assert_healthy();
}

#[test]
fn the_gate_holds_for_the_upload_and_the_confirm() {
    let (p, server) = with_password(&[]);
    let ics = calendar(now() + chrono::Duration::days(2), 0);
    // Not signed in: the page sends to the login, a POST is refused.
    let anon = Browser::new(&server);
    assert_eq!(server.get("/admin/import").status, 303);
    assert_eq!(server.get("/admin/import").location(), "/admin/login");
    assert_eq!(upload(&server, &anon, &form(Some("x"), Some(&ics))).status, 403);
    let mut c = Clinician::sign_in(&server);
    // No csrf field, a wrong one, and a confirm without one: 403.
    let r = upload(&server, &c.browser, &form(None, Some(&ics)));
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(upload(&server, &c.browser, &form(Some("wrong"), Some(&ics))).status, 403);
    assert_eq!(c.browser.post("/admin/import/confirm", &[ORIGIN], "id=x").status, 403);
    // From another site, even with the token.
    let csrf = c.csrf.clone();
    let body = form(Some(&csrf), Some(&ics));
    let mut foreign = head(&c.browser.cookie_header(), body.len());
    let text = String::from_utf8(foreign).unwrap().replace("Origin: http://127.0.0.1", "Origin: http://evil.example");
    foreign = text.into_bytes();
    assert_eq!(server.raw(&[foreign, body].concat()).status, 403);
    // No file chosen: the form again, saying so.
    let r = upload(&server, &c.browser, &form(Some(&csrf), None));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("Choose a .ics file"), "{}", r.text());
    assert_eq!(appointments(&p), 0);
    server.assert_healthy();
}

#[test]
fn a_malformed_upload_is_a_400() {
    let (p, server) = with_password(&[]);
    let c = Clinician::sign_in(&server);
    let good = String::from_utf8(form(Some(&c.csrf), Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))).unwrap();
    let no_end = good.replace(&format!("--{BOUNDARY}--\r\n"), "");
    let lf = good.replace("\r\n\r\n", "\n\n");
    let many_headers = good.replacen(
        "Content-Type: text/calendar",
        &(0..50).map(|i| format!("X-{i}: v")).collect::<Vec<_>>().join("\r\n"),
        1,
    );
    for (what, body) in [
        ("no final boundary", no_end),
        ("bare LF heads", lf),
        ("50 header lines in a part", many_headers),
        ("no boundary at all", "csrf=x".to_string()),
    ] {
        let r = upload(&server, &c.browser, body.as_bytes());
        assert_eq!(r.status, 400, "{what}: {}", r.text());
        assert!(r.text().contains("could not be read"), "{what}: {}", r.text());
    }
    // A boundary the content type does not carry.
    let r = server.raw(
        &[
            format!(
                "POST /admin/import HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: http://127.0.0.1\r\n\
                 Cookie: {}\r\nContent-Type: multipart/form-data\r\nContent-Length: {}\r\n\r\n",
                c.browser.cookie_header(),
                good.len()
            )
            .into_bytes(),
            good.into_bytes(),
        ]
        .concat(),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(appointments(&p), 0);
    server.assert_healthy();
}

/// The upload limit, measured: a body of exactly 4 MiB is read and
/// previewed, one byte more is 413, and while one large body is being
/// sent a second is refused with 503 and Retry-After; other requests,
/// and other routes' 64 KiB, are unaffected.
#[test]
fn the_upload_may_be_4_mib_one_at_a_time() {
    let (_p, server) = with_password(&[]);
    let c = Clinician::sign_in(&server);
    let start = now() + chrono::Duration::days(2);
    let bare = form(Some(&c.csrf), Some(&calendar(start, 0))).len();
    // A long description (folded: 3 more bytes every 74) fills the file
    // to just under 4 MiB; the multipart epilogue, which is ignored, fills
    // the last bytes.
    let mut pad = (MAX_IMPORT_BODY - bare) * 74 / 77;
    let mut exact = form(Some(&c.csrf), Some(&calendar(start, pad)));
    while exact.len() > MAX_IMPORT_BODY {
        pad -= exact.len() - MAX_IMPORT_BODY;
        exact = form(Some(&c.csrf), Some(&calendar(start, pad)));
    }
    assert!(exact.len() > MAX_IMPORT_BODY - 4096, "{}", exact.len());
    exact.resize(MAX_IMPORT_BODY, b'.');
    let r = upload(&server, &c.browser, &exact);
    assert_eq!(r.status, 200, "a 4 MiB upload is read whole: {}", &r.text()[..r.text().len().min(600)]);
    assert!(r.text().contains("Importing would create 1"), "{}", &r.text()[..r.text().len().min(600)]);
    // One byte more: 413 at the head.
    let r = server.raw(&head(&c.browser.cookie_header(), MAX_IMPORT_BODY + 1));
    assert_eq!(r.status, 413);
    // Elsewhere the cap stays 64 KiB.
    let r = server.raw(
        format!(
            "POST /admin/clients HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            c.browser.cookie_header(),
            64 * 1024 + 1
        )
        .as_bytes(),
    );
    assert_eq!(r.status, 413);

    // Two at once: the first holds the permit while it sends; the second is
    // refused at its head, before any of its body.
    let mut first = TcpStream::connect(server.addr).expect("connect");
    first.write_all(&head(&c.browser.cookie_header(), exact.len())).unwrap();
    first.write_all(&exact[..1024 * 1024]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let second = server.raw(&head(&c.browser.cookie_header(), exact.len()));
    assert_eq!(second.status, 503);
    assert!(second.header("Retry-After").is_some(), "{:?}", second.headers);
    assert_eq!(server.get("/healthz").status, 200, "small requests go on");
    first.write_all(&exact[1024 * 1024..]).unwrap();
    let mut answer = Vec::new();
    first.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    first.read_to_end(&mut answer).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..answer.len().min(200)]));
    // Its permit is free again once it was answered.
    let r = upload(&server, &c.browser, &exact);
    assert_eq!(r.status, 200);
    server.assert_healthy();
}
