//! A dashboard that tells the truth: typos that would kill links are
//! refused, overlaps are named, settings go back to their defaults, mail
//! that will never leave says so, loopback links are flagged, presence
//! comes from a person's page, and an empty room is noticed.

use serde_json::Value;

use crate::clinician::{Clinician, with_password};
use crate::support::{Practice, minutes, now, rfc};

#[test]
fn a_time_whose_links_are_already_expired_is_refused_unless_forced() {
    let p = Practice::new();
    let ann = p.client("Ann Example");
    let bo = p.client("Bo Example");
    let tomorrow = now() + chrono::Duration::days(1);
    let a = p.appt(&[ann], tomorrow, 50);
    // The year typed wrong: a month ago.
    let typo = rfc(tomorrow - chrono::Duration::days(365));
    p.run(&["appt", "move", &a.id_str(), "--start", &typo]).input_error(&["expired", &typo[..10], "--force"]);
    assert_eq!(p.state(&a.link(0)), "early", "the refused move left the links alone");
    p.run(&["appt", "add", "--client", &ann.to_string(), "--start", &typo, "--minutes", "50"])
        .input_error(&["expired", "--force"]);
    assert_eq!(p.json(&["appt", "list", "--from", &typo]).as_array().map(Vec::len), Some(1), "nothing was made");
    // Forced: done, as asked.
    let moved = p.json(&["appt", "move", &a.id_str(), "--start", &typo, "--force"]);
    assert_eq!(moved["id"], a.0["id"]);
    assert_eq!(p.state(&a.link(0)), "expired");

    // An overlap is made, with a warning naming the clash.
    let first = p.appt(&[bo], tomorrow, 50);
    let out = p.run(&[
        "appt",
        "add",
        "--client",
        &ann.to_string(),
        "--start",
        &rfc(tomorrow + minutes(30)),
        "--minutes",
        "50",
        "--json",
    ]);
    let made: Value = out.json();
    assert_eq!(made["status"], "scheduled");
    let warning =
        out.stderr.lines().find(|l| l.contains("overlaps")).unwrap_or_else(|| panic!("no warning: {}", out.stderr));
    assert!(warning.contains(&format!("appointment {}", first.id())) && warning.contains("Bo Example"), "{warning}");
    assert!(warning.contains("UTC"), "the time in the practice zone: {warning}");
    // Back to back is no clash.
    let out = p.run(&[
        "appt",
        "add",
        "--client",
        &bo.to_string(),
        "--start",
        &rfc(tomorrow + minutes(80)),
        "--minutes",
        "50",
    ]);
    assert!(!out.ok().stderr.contains("overlaps"), "{}", out.stderr);
}

#[test]
fn settings_reset_puts_a_key_back_and_names_an_unknown_one() {
    let p = Practice::new();
    let value = |key: &str| -> Value {
        let shown = p.json(&["settings", "show"]);
        shown.as_array().expect("array").iter().find(|r| r["key"] == key).expect("key").clone()
    };
    p.set("join_opens_minutes", "20");
    p.set("public_url", "http://porch.local:8080");
    assert_eq!(value("join_opens_minutes")["value"], "20");
    let out = p.run(&["settings", "reset", "join_opens_minutes"]);
    assert!(out.ok().stdout.contains("10"), "{}", out.stdout);
    assert_eq!(
        (value("join_opens_minutes")["value"].clone(), value("join_opens_minutes")["default"].clone()),
        ("10".into(), true.into())
    );
    p.run(&["settings", "reset", "colour"]).input_error(&["colour"]);
    // An empty value unsets a key that has no default...
    p.run(&["settings", "set", "public_url", ""]).ok();
    assert_eq!(value("public_url")["value"], Value::Null);
    // ...and is refused, pointing at reset, for one that has.
    p.run(&["settings", "set", "practice_name", ""]).input_error(&["practice_name", "settings reset"]);
    let audit = p.audit();
    assert!(audit.iter().any(|e| e["detail"] == "join_opens_minutes reset"), "{audit:?}");
}

#[test]
fn the_admin_page_asks_before_a_dead_or_clashing_time() {
    let (p, server) = with_password(&[]);
    let ann = p.client("Ann Example");
    let bo = p.client("Bo Example");
    let tomorrow = now() + chrono::Duration::days(1);
    let first = p.appt(&[bo], tomorrow, 50);
    let mut c = Clinician::sign_in(&server);
    let local = |t: chrono::DateTime<chrono::Utc>| (t.format("%Y-%m-%d").to_string(), t.format("%H:%M").to_string());
    let (date, time) = local(tomorrow + minutes(20));
    let form = format!("client={ann}&date={date}&time={time}&minutes=50");
    let asked = c.post("/admin/appointments", &form);
    assert_eq!(asked.status, 200, "{}", asked.body);
    let body = asked.text();
    assert!(body.contains(&format!("overlaps appointment {}", first.id())) && body.contains("Create anyway"), "{body}");
    let confirm = asked
        .body
        .split("name=\"confirm\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no confirm field: {body}"))
        .to_string();
    assert_eq!(p.json(&["appt", "list"]).as_array().map(Vec::len), Some(1), "nothing made before the confirmation");
    // Confirmed for another time: asked again.
    // Date and time from the same instant: near midnight the two differ.
    let (other_date, other) = local(tomorrow + minutes(25));
    let again = c.post(
        "/admin/appointments",
        &format!("client={ann}&date={other_date}&time={other}&minutes=50&confirm={confirm}"),
    );
    assert!(again.text().contains("Create anyway"));
    let made = c.post("/admin/appointments", &format!("{form}&confirm={confirm}"));
    assert_eq!(made.status, 303, "{}", made.body);
    assert_eq!(p.json(&["appt", "list"]).as_array().map(Vec::len), Some(2));

    // Moving the first session a year back: asked, and left alone until confirmed.
    let (date, time) = local(tomorrow - chrono::Duration::days(365));
    let path = format!("/admin/appointments/{}/move", first.id());
    let asked = c.post(&path, &format!("date={date}&time={time}&minutes=50"));
    assert!(
        asked.text().contains("would already be expired") && asked.text().contains("Move anyway"),
        "{}",
        asked.body
    );
    assert_eq!(p.state(&first.link(0)), "early");
    // Without the CSRF field, even a confirmed move is refused.
    let forged =
        c.browser.post(&path, &[crate::clinician::ORIGIN], &format!("date={date}&time={time}&minutes=50&confirm=x"));
    assert_eq!(forged.status, 403);
}

/// The page's beacon, as its script sends it.
fn beacon(path: &str, extra: &str) -> Vec<u8> {
    format!(
        "POST {path}/here HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    )
    .into_bytes()
}

#[test]
fn a_bare_get_is_no_arrival_and_the_page_script_is() {
    let (p, server) = with_password(&[]);
    let ann = p.client("Ann Example");
    let a = p.appt(&[ann], now() + minutes(5), 50);
    let portal = p.json(&["client", "list"])[0]["portal_url"].as_str().expect("portal").to_string();
    let mut c = Clinician::sign_in(&server);
    let waiting = |c: &mut Clinician<'_>| -> Vec<Value> {
        let r = c.browser.get("/admin/api/waiting");
        serde_json::from_str::<Value>(&r.body).expect("json")["waiting"].as_array().expect("array").clone()
    };
    let path = |url: &str| url.split_once("//").and_then(|(_, r)| r.find('/').map(|i| r[i..].to_string())).unwrap();
    // A mail scanner, a link preview: GETs of the link and the portal.
    assert_eq!(server.get(&path(&a.link(0))).status, 200);
    assert_eq!(server.get(&path(&portal)).status, 200);
    assert_eq!(waiting(&mut c), Vec::<Value>::new(), "nobody is here");
    // A cross-site script cannot fake the beacon; a form cannot send JSON.
    let cross = server.raw(&beacon(&path(&a.link(0)), "Sec-Fetch-Site: cross-site\r\n"));
    assert_eq!(cross.status, 403);
    let form = server.send("POST", &format!("{}/here", path(&a.link(0))), Some("x=1"));
    assert_eq!(form.status, 403);
    assert_eq!(waiting(&mut c), Vec::<Value>::new());
    // The page's own script: here.
    let r = server.raw(&beacon(&path(&a.link(0)), "Sec-Fetch-Site: same-origin\r\n"));
    assert_eq!(r.status, 204);
    let now_here = waiting(&mut c);
    assert_eq!((now_here.len(), &now_here[0]["stage"]), (1, &Value::from("here")), "{now_here:?}");
    // The portal's script too, and an unknown token says the same 204.
    assert_eq!(server.raw(&beacon(&path(&portal), "")).status, 204);
    assert_eq!(server.raw(&beacon("/v/AAAAAAAAAAAAAAAAAAAAAAAAAA", "")).status, 204);
    assert_eq!(waiting(&mut c).len(), 1);
}

/// The room ticket cookie and room path a Join answer sets.
fn room_ticket(r: &crate::support::Response) -> (String, String) {
    assert_eq!(r.status, 303, "{r:?}");
    let set = r.set_cookies().into_iter().find(|c| c.starts_with("porchlight_room=")).expect("a room ticket");
    (set.split(';').next().unwrap().to_string(), r.location().to_string())
}

#[test]
fn a_room_both_people_closed_is_noticed_without_any_other_request() {
    let p = Practice::new();
    p.set("video_provider", "builtin");
    p.set("waiting_room", "off");
    p.run_stdin(&["admin", "password"], &format!("{}\n", crate::clinician::PASSWORD)).ok();
    let (ann, bo) = (p.client("Ann Example"), p.client("Bo Example"));
    let a = p.appt(&[ann, bo], now() + minutes(5), 50);
    // Silence of 2 s counts as gone here (test-only; 40 s in service).
    let server =
        crate::support::Server::start_wrapped(&["env", "PORCHLIGHT_TEST_ROOM_LOST_AFTER_SECS=2"], p.path(), false, &[]);
    let mut c = Clinician::sign_in(&server);
    for i in 0..2 {
        let (cookie, room) = room_ticket(&server.post(&format!("/v/{}/join", a.token(i)), ""));
        let enter = format!(
            "POST {room}/enter HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {cookie}\r\n\
             Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
        );
        assert_eq!(server.raw(enter.as_bytes()).status, 200);
    }
    let stages = |c: &mut Clinician<'_>| -> Vec<String> {
        let r = c.browser.get("/admin/api/waiting");
        let v: Value = serde_json::from_str(&r.body).expect("json");
        v["waiting"].as_array().expect("array").iter().map(|w| w["stage"].as_str().unwrap_or("").to_string()).collect()
    };
    assert_eq!(stages(&mut c), ["in_room", "in_room"]);
    // Both close their browsers: no room request comes any more.
    let closed = std::time::Instant::now();
    while !stages(&mut c).is_empty() {
        assert!(closed.elapsed() < std::time::Duration::from_secs(15), "still 'in the room': {:?}", stages(&mut c));
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let leaves: Vec<Value> = p.audit().into_iter().filter(|e| e["event"] == "room.leave").collect();
    assert_eq!(leaves.len(), 2, "{leaves:?}");
    assert!(leaves.iter().all(|e| e["detail"] == "lost the connection"), "{leaves:?}");
}

#[test]
fn with_mail_off_a_move_and_a_cancel_say_the_client_was_not_told_and_give_the_text() {
    let (p, server) = with_password(&[]);
    let ann = p.json(&["client", "add", "--name", "Ann Example", "--email", "ann@example.org"])["id"].as_i64().unwrap();
    let a = p.appt(&[ann], now() + chrono::Duration::days(2), 50);
    let mut c = Clinician::sign_in(&server);
    assert!(!c.dashboard().text().contains("Not told yet"), "a new session is no change");
    let to = (now() + chrono::Duration::days(3)).date_naive().format("%Y-%m-%d").to_string();
    let out = p.run(&["appt", "move", &a.id_str(), "--start", &format!("{to}T15:00")]);
    assert!(out.ok().stderr.contains("Ann Example was not told by email (mail is off)"), "{}", out.stderr);

    let dash = c.dashboard();
    let text = dash.text();
    assert!(text.contains("Not told yet") && text.contains("New time for Ann Example"), "{text}");
    assert!(text.contains("mail is off"), "{text}");
    // The message to send instead: the new time and the client's own link.
    assert!(dash.body.contains(&a.token(0)) && dash.body.contains("has a new time"), "{}", dash.body);
    let page = c.browser.get(&format!("/admin/appointments/{}", a.id()));
    assert!(page.text().contains("New time for Ann Example"), "{}", page.text());
    assert!(page.text().contains("not sent: mail is off"), "{}", page.text());
    assert!(!page.text().contains("pending"), "nothing will send it: {}", page.text());

    // Sent by hand: it leaves the page, and the audit trail says so.
    let id =
        dash.body.split("/admin/outbox/").nth(1).and_then(|s| s.split('/').next()).expect("a told form").to_string();
    let r = c.post(&format!("/admin/outbox/{id}/told"), "back=today");
    assert_eq!(r.status, 303);
    assert!(!c.dashboard().text().contains("Not told yet"));
    assert_eq!(p.audit_count("mail.by_hand"), 1);

    let out = p.run(&["appt", "cancel", &a.id_str()]);
    assert!(out.ok().stderr.contains("was not told"), "{}", out.stderr);
    let dash = c.dashboard();
    assert!(dash.text().contains("Cancellation for Ann Example"), "{}", dash.text());
    assert!(dash.body.contains("has been cancelled"), "{}", dash.body);
}

#[test]
fn links_that_open_only_on_this_machine_are_flagged_where_they_are_copied() {
    let (p, server) = with_password(&[]);
    let ann = p.client("Ann Example");
    let out =
        p.run(&["appt", "add", "--client", &ann.to_string(), "--start", &rfc(now() + minutes(90)), "--minutes", "50"]);
    let warning = out.ok().stderr.lines().find(|l| l.contains("opens only on this computer")).map(str::to_string);
    let warning = warning.unwrap_or_else(|| panic!("no warning: {}", out.stderr));
    // The address suggested is this machine's own, at the port links use
    // now: a name from the README would silence the warning and break
    // every link on any machine not called porch.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("a host name");
    let host = host.trim().split('.').next().unwrap_or_default().to_ascii_lowercase();
    let suggested = format!("settings set public_url http://{host}.local:{} ", server.addr.port());
    assert!(warning.contains("http://127.0.0.1") && warning.contains(&suggested), "{warning}");
    assert!(out.stdout.contains("http://127.0.0.1"), "the link printed is the loopback one: {}", out.stdout);
    let a = p.json(&["appt", "list"])[0]["id"].as_i64().unwrap();

    let mut c = Clinician::sign_in(&server);
    let dash = c.dashboard().text();
    let suggested_here = format!("http://{host}.local:{}", server.addr.port());
    assert!(dash.contains("opens only on this computer") && dash.contains(&suggested_here), "{dash}");
    assert!(c.dashboard().body.contains("href=\"/admin/settings#f-public_url\""), "the setting that fixes it");
    assert!(dash.contains("These links open only on this computer"), "next to the copy buttons: {dash}");
    let page = c.browser.get(&format!("/admin/appointments/{a}")).text();
    assert!(page.contains("opens only on this computer"), "{page}");

    // Fixed as the warning says: no warning, on either side.
    p.set("public_url", "http://porch.local:8080");
    assert!(!c.dashboard().text().contains("only on this computer"));
    let out = p.run(&["appt", "show", &a.to_string()]);
    assert!(!out.ok().stderr.contains("only on this computer"), "{}", out.stderr);
}
