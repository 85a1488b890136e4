//! The synced calendar (`calendar_import_url`): the server fetches the
//! address from a real HTTP server in the test (a thread on 127.0.0.1),
//! imports it as a sync, and shows how it went on the dashboard; a
//! failing address keeps the last good result; every bound of the fetch
//! (size, time, redirects) holds against the running server; the address
//! is checked when set and never shown, logged or audited.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::clinician::{Clinician, PASSWORD};
use crate::support::{Practice, Server};

/// What the test's calendar server answers, by the path asked for.
#[derive(Clone)]
enum Answer {
    Ics(String),
    Status(&'static str),
    /// 4 MiB and one byte of calendar-looking text.
    Huge,
    /// A redirect to itself.
    Loop,
    /// The head, then one byte of body every second, for ever.
    Drip,
}

/// A calendar server on 127.0.0.1: `answer` is what it serves now.
struct CalServer {
    port: u16,
    answer: Arc<Mutex<Answer>>,
}

impl CalServer {
    fn start(first: Answer) -> CalServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let answer = Arc::new(Mutex::new(first));
        let serving = answer.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { return };
                let answer = serving.lock().unwrap().clone();
                std::thread::spawn(move || {
                    let mut head = vec![0u8; 8192];
                    let n = conn.read(&mut head).unwrap_or(0);
                    let head = String::from_utf8_lossy(&head[..n]).to_string();
                    let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                    let _ = respond(&mut conn, &answer, &path);
                });
            }
        });
        CalServer { port, answer }
    }

    /// The private address a calendar service would hand out: a path and
    /// a query that are secrets.
    fn address(&self, tag: &str) -> String {
        format!("http://127.0.0.1:{}/calendar/ical/private-{tag}/basic.ics?key=Zq8sEcReT", self.port)
    }

    fn serve(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }
}

fn respond(conn: &mut std::net::TcpStream, answer: &Answer, path: &str) -> std::io::Result<()> {
    let ok = |body: &[u8]| {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/calendar; charset=utf-8\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    match answer {
        Answer::Ics(text) => conn.write_all(&ok(text.as_bytes())),
        Answer::Status(line) => {
            conn.write_all(format!("HTTP/1.1 {line}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes())
        }
        Answer::Huge => {
            let mut body = cal("").into_bytes();
            body.resize(4 * 1024 * 1024 + 1, b'X');
            conn.write_all(&ok(&body))
        }
        Answer::Loop => conn.write_all(
            format!("HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        ),
        Answer::Drip => {
            conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nBEGIN:VCALENDAR\r\n")?;
            loop {
                std::thread::sleep(Duration::from_secs(1));
                conn.write_all(b"X")?;
            }
        }
    }
}

/// `days` ahead at `hour`:00 UTC, as an iCalendar UTC time.
fn at(days: i64, hour: u32) -> String {
    let d = Utc::now().date_naive() + chrono::Duration::days(days);
    format!("{}T{hour:02}0000Z", d.format("%Y%m%d"))
}

fn cal(events: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n{events}END:VCALENDAR\r\n"
    )
}

fn event(uid: &str, name: &str, email: &str, start: &str) -> String {
    format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{name}\r\nDTSTART:{start}\r\nDURATION:PT50M\r\n\
         ORGANIZER:mailto:lee@example.org\r\nATTENDEE;CN={name}:mailto:{email}\r\nEND:VEVENT\r\n"
    )
}

/// Ann, Bo and Cy two, three and four days ahead; Ann at `ann_hour`;
/// without Cy if `!cy`.
fn practice_calendar(ann_hour: u32, cy: bool) -> String {
    let mut events = event("ann@google.com", "Ann Smith", "ann@example.org", &at(2, ann_hour));
    events += &event("bo@google.com", "Bo Lin", "bo@example.org", &at(3, 15));
    if cy {
        events += &event("cy@google.com", "Cy Park", "cy@example.org", &at(4, 9));
    }
    cal(&events)
}

fn db(p: &Practice) -> rusqlite::Connection {
    rusqlite::Connection::open(p.path().join("porchlight.db")).expect("open db")
}

/// The `calendar_sync` row once its `tried_at` is past `after` (UTC
/// seconds): (ok_at, error, summary). Marks are taken a second apart
/// ([`mark`]), so one try is never taken for the next.
#[track_caller]
fn tried_since(p: &Practice, after: i64, within: Duration) -> (Option<i64>, Option<String>, Option<String>) {
    let started = Instant::now();
    loop {
        let row = db(p)
            .query_row("SELECT tried_at, ok_at, error, summary FROM calendar_sync", [], |r| {
                Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .ok();
        if let Some((tried, ok, error, summary)) = row
            && tried > after
        {
            return (ok, error, summary);
        }
        assert!(started.elapsed() < within, "no sync recorded within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The sync line of the dashboard.
fn sync_line(server: &Server) -> Option<String> {
    let page = Clinician::sign_in(server).dashboard();
    assert_eq!(page.status, 200);
    let body = page.body;
    let start = body.find("<p id=\"sync\"")?;
    let end = body[start..].find("</p>").map(|e| start + e)?;
    Some(body[start..end].to_string())
}

/// A time before the next try, past every try so far.
fn mark() -> i64 {
    let now = Utc::now().timestamp();
    while Utc::now().timestamp() == now {
        std::thread::sleep(Duration::from_millis(50));
    }
    now
}

fn practice() -> Practice {
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], &format!("{PASSWORD}\n")).ok();
    p.set("mail_from", "lee@example.org");
    p
}

fn appt_of(p: &Practice, uid: &str) -> serde_json::Value {
    let id: i64 = db(p)
        .query_row("SELECT appointment_id FROM imported WHERE uid = ?1", [uid], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{uid} was not imported: {e}"));
    p.json(&["appt", "show", &id.to_string()])
}

/// Nothing of the address in the server's log, the audit trail or the
/// settings as shown.
#[track_caller]
fn address_kept_secret(p: &Practice, server: &Server, page: &str) {
    let audit = serde_json::to_string(&p.audit()).unwrap();
    let shown = p.run(&["settings", "show", "--json"]).stdout;
    for (what, text) in
        [("log", server.stderr()), ("audit", audit), ("settings show", shown), ("dashboard", page.into())]
    {
        for secret in ["private-", "Zq8sEcReT", "basic.ics"] {
            assert!(!text.contains(secret), "the {what} shows the address ({secret}): {text}");
        }
    }
}

#[test]
fn a_synced_calendar_becomes_appointments_and_a_failing_address_keeps_them() {
    let p = practice();
    let cal_server = CalServer::start(Answer::Ics(practice_calendar(10, true)));
    p.set("calendar_import_url", &cal_server.address("a1"));
    let started = mark();
    let server = Server::start(p.path(), false);

    let (ok, error, summary) = tried_since(&p, started, Duration::from_secs(20));
    assert!(ok.is_some() && error.is_none(), "{error:?}");
    let summary: serde_json::Value = serde_json::from_str(&summary.unwrap()).unwrap();
    assert_eq!(summary["created"], 3, "{summary}");
    let line = sync_line(&server).expect("the dashboard shows the sync");
    assert!(line.contains("Calendar: synced ") && line.contains("(3 new, 0 moved, 0 cancelled)"), "{line}");
    assert!(line.contains("href=\"/admin/settings#s-calendar_import_url\""), "{line}");
    let ann = appt_of(&p, "ann@google.com");
    let cy = appt_of(&p, "cy@google.com");
    assert_eq!(ann["participants"][0]["name"], "Ann Smith");
    let planned: i64 = db(&p).query_row("SELECT count(*) FROM outbox", [], |r| r.get(0)).unwrap();
    assert!(planned > 0, "reminders are planned for what the sync made");

    // Ann moved an hour later, Cy gone; the address typed again with a new
    // query is a change the server sees at once.
    cal_server.serve(Answer::Ics(practice_calendar(11, false)));
    let changed = mark();
    p.set("calendar_import_url", &cal_server.address("a2"));
    let (ok, error, _) = tried_since(&p, changed, Duration::from_secs(20));
    assert!(ok.is_some() && error.is_none(), "{error:?}");
    let line = sync_line(&server).unwrap();
    assert!(line.contains("(0 new, 1 moved, 1 cancelled)"), "{line}");
    let moved = appt_of(&p, "ann@google.com");
    assert_ne!(moved["start"], ann["start"], "Ann's session moved");
    assert_eq!(moved["participants"][0]["link"], ann["participants"][0]["link"], "and kept its link");
    assert_eq!(moved["id"], ann["id"]);
    assert_eq!(cy["status"], "scheduled");
    assert_eq!(appt_of(&p, "cy@google.com")["status"], "cancelled", "Cy's session left the calendar");

    // The address now fails: the server's next try (at start) records
    // why, and nothing it brought is undone.
    server.crash();
    cal_server.serve(Answer::Status("404 Not Found"));
    let failing = mark();
    let server = Server::start(p.path(), false);
    let (ok, error, _) = tried_since(&p, failing, Duration::from_secs(20));
    let error = error.expect("the failure is recorded");
    assert!(ok.is_some_and(|t| t > changed), "the last good sync is kept");
    assert!(error.contains("404 Not Found"), "{error}");
    let line = sync_line(&server).unwrap();
    assert!(line.contains("role=\"alert\"") && line.contains("failed: could not fetch the calendar"), "{line}");
    assert!(line.contains("404 Not Found") && line.contains("showing what "), "{line}");
    assert_eq!(appt_of(&p, "ann@google.com")["status"], "scheduled", "a failed fetch cancels nothing");
    assert_eq!(appt_of(&p, "bo@google.com")["status"], "scheduled");
    address_kept_secret(&p, &server, &line);

    // Sync off: the line goes.
    p.run(&["settings", "reset", "calendar_import_url"]).ok();
    assert!(sync_line(&server).is_none(), "sync off, nothing shown");
}

#[test]
fn the_fetch_bounds_hold_in_the_running_server() {
    let p = practice();
    let cal_server = CalServer::start(Answer::Huge);
    p.set("calendar_import_url", &cal_server.address("big"));
    let started = mark();
    let server = Server::start(p.path(), false);
    let (ok, error, _) = tried_since(&p, started, Duration::from_secs(20));
    assert_eq!(ok, None);
    assert!(error.as_deref().unwrap().contains("the calendar is larger than 4 MiB"), "{error:?}");
    let line = sync_line(&server).unwrap();
    assert!(line.contains("nothing has been imported from it yet"), "{line}");

    cal_server.serve(Answer::Loop);
    let looping = mark();
    p.set("calendar_import_url", &cal_server.address("loop"));
    let (_, error, _) = tried_since(&p, looping, Duration::from_secs(20));
    assert!(error.as_deref().unwrap().contains("redirected more than 5 times"), "{error:?}");
    address_kept_secret(&p, &server, &sync_line(&server).unwrap());
}

/// A server that sends a byte a second is cut off at 30 s: the real
/// bound, measured (this test takes about half a minute).
#[test]
fn a_dripping_calendar_server_is_cut_off_after_30_s() {
    let p = practice();
    let cal_server = CalServer::start(Answer::Drip);
    p.set("calendar_import_url", &cal_server.address("drip"));
    let started = mark();
    let clock = Instant::now();
    let server = Server::start(p.path(), false);
    let (ok, error, _) = tried_since(&p, started, Duration::from_secs(60));
    let took = clock.elapsed();
    assert_eq!(ok, None);
    assert!(error.as_deref().unwrap().contains("did not send the whole calendar within 30 s"), "{error:?}");
    assert!(took >= Duration::from_secs(29) && took < Duration::from_secs(40), "cut off after {took:?}");
    eprintln!("the dripping calendar server was cut off after {took:?}");
    assert!(sync_line(&server).unwrap().contains("within 30 s"));
}

#[test]
fn a_calendar_address_is_checked_when_set_and_never_shown() {
    let p = Practice::new();
    for ok in [
        "https://calendar.google.com/calendar/ical/lee%40example.org/private-abc/basic.ics",
        "webcal://p01-caldav.icloud.com/published/2/private-abc",
        "http://127.0.0.1:8000/private-abc.ics",
        "http://nas.local:5000/private-abc.ics",
    ] {
        p.set("calendar_import_url", ok);
    }
    for bad in [
        "http://8.8.8.8/private-abc.ics?key=s3cret",
        "http://calendar.example.org/private-abc.ics",
        "ftp://nas.local/x",
    ] {
        let line =
            p.run(&["settings", "set", "calendar_import_url", bad]).input_error(&["calendar_import_url", "https://"]);
        assert!(!line.contains("private-abc") && !line.contains("s3cret") && !line.contains("8.8.8.8"), "{line}");
    }
    let shown = p.run(&["settings", "show"]).ok().stdout.clone();
    assert!(shown.contains("calendar_import_url") && !shown.contains("private-abc"), "{shown}");
    let audit = serde_json::to_string(&p.audit()).unwrap();
    assert!(!audit.contains("private-abc") && audit.contains("calendar_import_url"), "{audit}");
    p.run(&["settings", "reset", "calendar_import_url"]).ok();
    let shown = p.json(&["settings", "show"]);
    let row = shown.as_array().unwrap().iter().find(|s| s["key"] == "calendar_import_url").unwrap().clone();
    assert!(row["value"].is_null(), "reset turns sync off: {row}");
}

#[test]
fn the_import_page_reads_an_address_names_only_its_host_and_keeps_it_in_sync() {
    let p = practice();
    let cal_server = CalServer::start(Answer::Ics(practice_calendar(10, true)));
    let server = Server::start(p.path(), false);
    let mut c = Clinician::sign_in(&server);
    let address = cal_server.address("page");
    let boundary = "----PorchlightTestBoundary1";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"address\"\r\n\r\n{address}\r\n--{boundary}--\r\n",
        csrf = c.csrf
    );
    let head = format!(
        "POST /admin/import HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nOrigin: http://127.0.0.1\r\n\
         Cookie: {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        c.browser.cookie_header(),
        body.len()
    );
    let preview = server.raw(&[head.into_bytes(), body.into_bytes()].concat());
    assert_eq!(preview.status, 200, "{}", preview.text());
    let text = preview.text();
    assert!(text.contains("Importing would create 3"), "{text}");
    assert!(text.contains("the private address at 127.0.0.1"), "{text}");
    assert!(text.contains("Keep this calendar in sync"), "{text}");
    let at = preview.body.find("name=\"id\" value=\"").expect("a confirm form");
    let id = &preview.body[at + 17..][..64.min(preview.body.len() - at - 17)];
    let id = &id[..id.find('"').unwrap_or(id.len())];

    let done = c.post("/admin/import/confirm", &format!("id={id}&sync=on"));
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("now kept in sync"), "{}", done.text());
    let origins: Vec<String> = db(&p)
        .prepare("SELECT origin FROM imported")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(origins, ["sync", "sync", "sync"], "imported as the sync imports");
    let shown = p.run(&["settings", "show", "--json"]).json();
    assert!(shown.to_string().contains("calendar_import_url"), "{shown}");
    address_kept_secret(&p, &server, &(text + &done.text()));

    // The dashboard can turn it off again (the settings page keeps a
    // secret whose field is left empty).
    assert!(c.browser.get("/admin").text().contains("Stop syncing this calendar"));
    let stopped = c.post("/admin/import/stop-sync", "");
    assert_eq!(stopped.status, 303, "{}", stopped.text());
    let shown = p.run(&["settings", "show", "--json"]).json();
    let url = shown.as_array().unwrap().iter().find(|s| s["key"] == "calendar_import_url").cloned();
    assert!(url.as_ref().is_none_or(|u| u["value"].is_null() || u["value"] == ""), "sync is off: {url:?}");
    assert!(!c.browser.get("/admin").text().contains("Stop syncing"), "and the dashboard says nothing of it");
}
