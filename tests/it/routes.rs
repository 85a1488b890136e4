//! The client-facing routes against a real server: participant pages in
//! every state, the Join button, the JSON check, typed access codes and
//! their throttling, couples, link rotation, the portal, and `serve --demo`.

use std::collections::HashSet;

use crate::support::{Practice, Response, Server, minutes, now, run_in, token_of};

const ROOMS: &str = "https://meet.example.org/";

/// Send joins straight to `https://meet.example.org/{room}` (the waiting
/// room has its own tests).
fn with_rooms(p: &Practice) {
    p.set("video_url_template", "https://meet.example.org/{room}");
    p.set("waiting_room", "off");
}

/// Assert a 303 into a video room with an unguessable lowercase name;
/// returns the room name.
#[track_caller]
fn assert_room(r: &Response) -> String {
    assert_eq!(r.status, 303, "{r:?}");
    let room = r.location().strip_prefix(ROOMS).unwrap_or_else(|| panic!("not a room: {}", r.location()));
    assert!(room.len() >= 16, "room name too short: {room}");
    assert!(room.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "room name {room:?}");
    room.to_string()
}

/// The path part of a printed `http://127.0.0.1:PORT/...` link.
fn path_of(url: &str) -> &str {
    let rest = url.strip_prefix("http://").unwrap_or_else(|| panic!("not an http link: {url}"));
    &rest[rest.find('/').unwrap_or_else(|| panic!("no path in {url}"))..]
}

#[test]
fn participant_pages_answer_by_state_with_their_own_words() {
    let p = Practice::new();
    p.set("practice_name", "Harbour Counselling");
    let server = p.serve();
    let samples = p.every_state();
    let mut headings = HashSet::new();
    for s in &samples {
        let r = server.get(&s.page());
        let want = match s.state {
            "early" | "open" => 200,
            "unknown" => 404,
            _ => 410,
        };
        assert_eq!(r.status, want, "{} page", s.state);
        r.assert_private();
        r.assert_hardened();
        assert!(headings.insert(r.heading()), "{} page repeats the heading {:?}", s.state, r.heading());
        if r.status == 410 {
            assert!(
                r.text().contains("Contact Harbour Counselling"),
                "{} page says what to do next:\n{}",
                s.state,
                r.text()
            );
        }
        let join = format!("action=\"/v/{}/join\"", s.token);
        match s.state {
            "early" => {
                assert!(r.body.contains("id=\"countdown\""), "early page has the countdown:\n{}", r.body);
                assert!(r.body.contains("Harbour Counselling") && r.body.contains("UTC"), "{}", r.body);
            }
            "open" => assert!(r.body.contains(&join) && !r.body.contains("id=\"countdown\""), "{}", r.body),
            _ => assert!(!r.body.contains(&join), "a {} page offers Join:\n{}", s.state, r.body),
        }
    }
}

#[test]
fn participant_page_names_the_practice_zone_and_local_time() {
    let p = Practice::new();
    p.set("timezone", "America/New_York");
    let server = p.serve();
    let c = p.client("Zed");
    let a = p.appt_at(&[c], "2027-03-15T09:00", 50);
    let r = server.get(&format!("/v/{}", a.token(0)));
    assert_eq!(r.status, 200);
    let text = r.text();
    for want in ["America/New_York", "9:00 AM EDT", "Monday 15 March 2027"] {
        assert!(text.contains(want), "page lacks {want:?}:\n{text}");
    }
}

#[test]
fn the_json_check_matches_the_cli_and_the_page_status() {
    let p = Practice::new();
    let server = p.serve();
    for s in p.every_state() {
        let api = server.get(&format!("/api/v1/links/{}", s.token));
        assert_eq!(api.status, server.get(&s.page()).status, "{} status", s.state);
        assert_eq!(api.json(), p.check(&s.token), "{} JSON", s.state);
        assert_eq!(api.json()["state"], s.state);
        api.assert_private();
    }
}

#[test]
fn join_goes_to_the_room_only_when_open_and_is_audited() {
    let p = Practice::new();
    let server = p.serve();
    let samples = p.every_state();
    let open = samples.iter().find(|s| s.state == "open").expect("open sample");
    p.set("waiting_room", "off");

    // No room configured yet: the client is told they are checked in.
    let r = server.post(&format!("{}/join", open.page()), "");
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.heading().contains("checked in"), "{}", r.heading());
    r.assert_private();

    with_rooms(&p);
    assert_room(&server.post(&format!("{}/join", open.page()), ""));
    for s in samples.iter().filter(|s| s.state != "open") {
        let r = server.post(&format!("{}/join", s.page()), "");
        assert_eq!((r.status, r.location()), (303, s.page().as_str()), "{} join goes back to its page", s.state);
    }

    let joins: Vec<_> = p.audit().into_iter().filter(|e| e["event"] == "link.join").collect();
    assert_eq!(joins.len(), 2, "{joins:?}");
    let checked = p.check(&open.token);
    for j in &joins {
        assert_eq!((&j["appointment_id"], &j["client_id"]), (&checked["appointment_id"], &checked["client_id"]));
        assert_eq!(j["addr"], "127.0.0.1");
    }
    let trail = p.run(&["audit", "--json"]).stdout;
    assert!(!trail.contains(&open.token), "a token reached the audit trail");
}

#[test]
fn couples_each_join_on_their_own_link_and_never_see_each_other() {
    let p = Practice::new();
    with_rooms(&p);
    let server = p.serve();
    let (ann, ben) = (p.client("Annabel Quill"), p.client("Benedict Marlowe"));
    let a = p.appt(&[ann, ben], now() - minutes(5), 50);
    assert_ne!(a.link(0), a.link(1));
    assert_ne!(a.code(0), a.code(1));

    let mut rooms = vec![];
    for (me, other) in [(0, "Benedict"), (1, "Annabel")] {
        let page = server.get(&format!("/v/{}", a.token(me)));
        assert_eq!(page.status, 200);
        for text in [page.body.as_str(), &server.get(&format!("/api/v1/links/{}", a.token(me))).body] {
            assert!(!text.contains(other) && !text.contains("Quill") && !text.contains("Marlowe"), "{text}");
        }
        rooms.push(assert_room(&server.post(&format!("/v/{}/join", a.token(me)), "")));
    }
    assert_eq!(rooms[0], rooms[1], "partners meet in the same room");

    let portal = p.json(&["client", "list"])[0]["portal_url"].as_str().expect("portal").to_string();
    let page = server.get(path_of(&portal));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Annabel") && !page.body.contains("Benedict"), "{}", page.body);
}

#[test]
fn rotating_a_link_revokes_only_that_partners_old_link_and_code() {
    let p = Practice::new();
    with_rooms(&p);
    let server = p.serve();
    let (ann, ben) = (p.client("Ann"), p.client("Ben"));
    let a = p.appt(&[ann, ben], now() - minutes(5), 50);
    let rotated = p.json(&["link", "rotate", "--appt", &a.id_str(), "--client", &ann.to_string()]);
    let new_token = token_of(rotated["link"].as_str().expect("link"));
    let new_code = rotated["code"].as_str().expect("code").to_string();

    let old = server.get(&format!("/v/{}", a.token(0)));
    assert_eq!(old.status, 410);
    assert!(old.heading().contains("replaced"), "{}", old.heading());
    assert_eq!(p.state(&a.link(0)), "revoked");
    assert_eq!(p.state(&a.code(0)), "revoked");
    let back = server.post(&format!("/v/{}/join", a.token(0)), "");
    assert_eq!((back.status, back.location()), (303, format!("/v/{}", a.token(0)).as_str()));
    let typed = server.post("/join", &format!("code={}", a.code(0)));
    assert_eq!(typed.status, 200, "the old code leads nowhere");

    assert_eq!(server.get(&format!("/v/{new_token}")).status, 200);
    assert_room(&server.post(&format!("/v/{new_token}/join"), ""));
    assert_eq!(p.state(&new_code), "open");

    let now_shown = p.json(&["appt", "show", &a.id_str()]);
    assert_eq!(now_shown["participants"][1], a.0["participants"][1], "the partner's link is unchanged");
    assert_eq!(server.get(&format!("/v/{}", a.token(1))).status, 200);
}

#[test]
fn typed_codes_lead_to_live_pages_and_every_failure_looks_the_same() {
    let p = Practice::new();
    let server = p.serve();
    let samples = p.every_state();
    let form = server.get("/join");
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"code\""), "{}", form.body);

    for s in samples.iter().filter(|s| s.state == "open" || s.state == "early") {
        // Lowercase, a space for the hyphen, and the look-alikes people type.
        let typed = s.code.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
        let r = server.post("/join", &format!("code={}", typed.replace(' ', "+")));
        assert_eq!((r.status, r.location()), (303, s.page().as_str()), "code of the {} link", s.state);
    }

    // The answer to a dead code is the wrong-code answer, apart from the
    // echo of what was typed.
    let answer = |code: &str| {
        let r = server.post("/join", &format!("code={code}"));
        assert_eq!(r.status, 200, "{code}: {r:?}");
        r.body.replace(code, "CODE")
    };
    let wrong = answer("ZZZZ-ZZZZ");
    assert!(wrong.contains("role=\"alert\""), "no error shown:\n{wrong}");
    let dead: Vec<_> = samples.iter().filter(|s| !matches!(s.state, "open" | "early" | "unknown")).collect();
    for s in &dead {
        assert_eq!(answer(&s.code), wrong, "the {} code's answer differs from a wrong code's", s.state);
    }

    let trail = p.run(&["audit", "--json"]).stdout + &p.run(&["audit"]).stdout;
    assert_eq!(p.audit_count("code.failure"), 1 + dead.len());
    for (what, text) in [("the audit trail", &trail), ("the server log", &server.stderr())] {
        for s in &samples {
            for secret in [s.code.clone(), s.code.replace('-', ""), s.code.to_lowercase(), s.token.clone()] {
                assert!(!text.contains(&secret), "{what} holds a code or token: {secret}");
            }
        }
    }
}

#[test]
fn ten_failed_codes_a_minute_then_429_with_retry_after() {
    let p = Practice::new();
    let server = p.serve();
    for i in 0..10 {
        let r = server.post("/join", &format!("code=ZZZZ-ZZ{i:02}"));
        assert_eq!(r.status, 200, "failure {i} is answered normally");
    }
    let r = server.post("/join", "code=ZZZZ-ZZZZ");
    assert_eq!(r.status, 429, "{r:?}");
    r.assert_hardened();
    let wait: u64 = r.header("Retry-After").expect("Retry-After").parse().expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(p.audit_count("code.failure"), 10);
    server.assert_healthy();
}

#[test]
fn the_portal_lists_upcoming_sessions_and_joins_only_the_open_one() {
    let p = Practice::new();
    with_rooms(&p);
    let server = p.serve();
    let c = p.json(&["client", "add", "--name", "Pat Example"]);
    let id = c["id"].as_i64().expect("id");
    let portal = path_of(c["portal_url"].as_str().expect("portal")).to_string();
    let open = p.appt(&[id], now() - minutes(5), 50);
    let later = p.appt(&[id], now() + chrono::Duration::days(2), 50);
    let too_far = p.appt(&[id], now() + chrono::Duration::days(70), 50);

    let page = server.get(&portal);
    assert_eq!(page.status, 200);
    page.assert_private();
    for a in [&open, &later] {
        let when = format!("datetime=\"{}\"", a.0["start"].as_str().expect("start"));
        assert!(page.body.contains(&when), "portal lacks the session at {when}:\n{}", page.body);
    }
    let beyond = format!("datetime=\"{}\"", too_far.0["start"].as_str().expect("start"));
    assert!(!page.body.contains(&beyond), "the portal shows only the next 60 days");
    assert_room(&server.post(&format!("{portal}/join"), &format!("appointment={}", open.id())));
    let early = server.post(&format!("{portal}/join"), &format!("appointment={}", later.id()));
    assert_eq!((early.status, early.location()), (303, portal.as_str()));
    assert_eq!(p.audit_count("link.join"), 1);

    assert_eq!(server.get("/p/AAAAAAAAAAAAAAAAAAAAAA").status, 404);
    let rotated = p.json(&["client", "portal", "rotate", &id.to_string()]);
    let new_portal = path_of(rotated["portal_url"].as_str().expect("portal")).to_string();
    let gone = server.get(&portal);
    assert_eq!(gone.status, 410, "a rotated portal link");
    assert_eq!(server.get(&new_portal).status, 200);

    p.set("portal_links", "off");
    let off = server.get(&new_portal);
    assert_eq!(off.status, 410, "portal links turned off");
    assert_ne!(off.heading(), gone.heading());
    assert!(off.text().to_lowercase().contains("link from your reminder"), "{}", off.text());
    let join = server.post(&format!("{new_portal}/join"), &format!("appointment={}", open.id()));
    assert_eq!(join.status, 303);
    assert!(!join.location().starts_with(ROOMS), "a turned-off portal must not open the room");
}

#[test]
fn serve_prints_a_setup_code_until_an_admin_password_is_set() {
    let p = Practice::new();
    let quiet = std::time::Duration::from_millis(300);
    let setup = |server: &Server| server.all_printed(quiet).iter().any(|l| l.starts_with("admin setup code: "));
    assert!(setup(&p.serve()), "a fresh practice needs a setup code");
    p.run_stdin(&["admin", "password"], "a long enough password\n").ok();
    assert!(!setup(&p.serve()), "no setup code once a password is set");
}

#[test]
fn demo_prints_a_link_in_every_state_that_answers_as_labelled() {
    let p = Practice::new();
    let server = p.serve_demo();
    let mut seen = HashSet::new();
    for line in &server.printed {
        let mut words = line.split_whitespace();
        let (Some(label), Some(url)) = (words.next(), line.split_whitespace().find(|w| w.starts_with("http://")))
        else {
            continue;
        };
        if label == "porchlight" {
            continue;
        }
        let host = url.strip_prefix("http://").and_then(|r| r.split('/').next());
        assert_eq!(host, Some(server.addr.to_string().as_str()), "{line}");
        let path = path_of(url);
        let want = match label {
            "open" | "early" | "portal" | "code" => 200,
            "expired" | "cancelled" | "revoked" => 410,
            "unknown" => 404,
            other => panic!("unexpected demo label {other:?} in {line:?}"),
        };
        assert_eq!(server.get(path).status, want, "{line}");
        if let Some(token) = path.strip_prefix("/v/") {
            assert_eq!(server.get(&format!("/api/v1/links/{token}")).json()["state"], label, "{line}");
        }
        seen.insert(label.to_string());
    }
    for label in ["open", "early", "expired", "cancelled", "revoked", "unknown", "portal"] {
        assert!(seen.contains(label), "no {label} link in {:#?}", server.printed);
    }
    assert!(server.printed.iter().any(|l| l.starts_with("demo admin password: ")), "{:#?}", server.printed);
}

#[test]
fn demo_refuses_a_directory_that_holds_a_real_practice() {
    let p = Practice::new();
    p.client("Real Client");
    let out = run_in(p.path(), &["serve", "--listen", "127.0.0.1:0", "--demo"]);
    out.input_error(&["--demo"]);
    assert_eq!(p.json(&["client", "list"]).as_array().map(Vec::len), Some(1), "the practice is untouched");
}

#[test]
fn demo_can_be_served_again_on_its_own_directory() {
    let p = Practice::new();
    drop(p.serve_demo());
    let again: Server = p.serve_demo();
    again.assert_healthy();
}

#[test]
fn a_burst_from_many_addresses_pauses_typed_codes_and_raises_one_alert() {
    let p = Practice::new();
    // Behind a trusted proxy each request can come from its own address.
    let server = crate::support::Server::start_with(p.path(), false, &["--trust-proxy", "127.0.0.1"]);
    for i in 0..100 {
        let from = format!("10.7.{}.{}", i / 200, i % 200 + 1);
        let r = server.send_with("POST", "/join", &[("X-Forwarded-For", &from)], Some("code=ZZZZ-ZZZZ"));
        assert_eq!(r.status, 200, "failure {i}");
    }
    // Now only addresses that have not been failing get a try, from a
    // reserve (see `lan.rs` for the reserve running out too): one typo is
    // forgiven, two are not.
    let again =
        |from: &str| server.send_with("POST", "/join", &[("X-Forwarded-For", from)], Some("code=ZZZZ-ZZZZ")).status;
    assert_eq!(again("10.7.0.1"), 200, "one failure before: still a try");
    assert_eq!(again("10.7.0.1"), 429, "two failures: wait");
    assert_eq!(again("10.8.0.1"), 200, "a new address gets its try");
    assert_eq!(p.audit_count("code.failure"), 102);
    assert_eq!(p.audit_count("code.burst"), 1);
    assert!(server.stderr_shows("ALERT: 100 failed access codes"), "{}", server.stderr());
}
