//! The built-in video room's door, over HTTP: who gets a room ticket at
//! Join, and what a ticket (or its absence) opens. The video itself is
//! the browser tests' part.

use crate::support::{Practice, Response, Server, minutes, now};

/// A practice on the built-in room with the waiting room off, so that
/// Join leads straight in.
fn builtin() -> Practice {
    let p = Practice::new();
    p.set("video_provider", "builtin");
    p.set("waiting_room", "off");
    p
}

/// The room ticket a response sets, as a `Cookie` header value, and the
/// room path it is for.
struct Ticket {
    cookie: String,
    path: String,
}

#[track_caller]
fn ticket_of(r: &Response) -> Ticket {
    assert_eq!(r.status, 303, "{r:?}");
    let path = r.location().to_string();
    assert!(path.starts_with("/room/"), "into the built-in room: {path}");
    let set = r.set_cookies().into_iter().find(|c| c.starts_with("porchlight_room=")).expect("a room ticket");
    for part in ["HttpOnly", "SameSite=Strict", &format!("Path={path}")] {
        assert!(set.split("; ").any(|p| p == part), "{part} in {set}");
    }
    Ticket { cookie: set.split(';').next().unwrap().to_string(), path }
}

fn join(server: &Server, token: &str) -> Response {
    server.post(&format!("/v/{token}/join"), "")
}

/// A JSON POST as the room page makes it.
fn post_json(server: &Server, path: &str, cookie: Option<&str>, body: &str, extra: &[(&str, &str)]) -> Response {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n",
        body.len()
    );
    if let Some(c) = cookie {
        head += &format!("Cookie: {c}\r\n");
    }
    for (k, v) in extra {
        head += &format!("{k}: {v}\r\n");
    }
    server.raw(format!("{head}\r\n{body}").as_bytes())
}

/// Enter the room with ticket `t`; the visit's peer id.
#[track_caller]
fn enter(server: &Server, t: &Ticket) -> String {
    let r = post_json(server, &format!("{}/enter", t.path), Some(&t.cookie), "{}", &[]);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()["peer"].as_str().unwrap().to_string()
}

fn get_with(server: &Server, path: &str, cookie: &str) -> Response {
    server.send_with("GET", path, &[("Cookie", cookie)], None)
}

#[test]
fn only_an_open_link_gets_a_ticket_and_only_its_own_seat_opens() {
    let p = builtin();
    let samples = p.every_state();
    let server = p.serve();
    for s in &samples {
        let r = join(&server, &s.token);
        if s.state == "open" {
            ticket_of(&r);
        } else {
            assert!(!r.location().starts_with("/room/"), "{}: {r:?}", s.state);
            assert!(r.set_cookies().iter().all(|c| !c.starts_with("porchlight_room")), "{}: no ticket: {r:?}", s.state);
        }
    }
    let open = samples.iter().find(|s| s.state == "open").unwrap();
    let t = ticket_of(&join(&server, &open.token));
    let page = get_with(&server, &t.path, &t.cookie);
    assert_eq!(page.status, 200, "{page:?}");
    page.assert_private();
    assert!(page.body.contains("room.js"), "the room page");
    // The room URL alone grants nothing.
    let bare = server.get(&t.path);
    assert_eq!(bare.status, 403);
    assert!(bare.text().contains("opens from your own session link"), "{}", bare.text());
    assert_eq!(post_json(&server, &format!("{}/enter", t.path), None, "{}", &[]).status, 403);
    // Nor does a made-up ticket.
    let forged = t.cookie.replace(".c", ".c9");
    assert_eq!(get_with(&server, &t.path, &forged).status, 403);
}

#[test]
fn a_ticket_opens_neither_another_room_nor_another_seat() {
    let p = builtin();
    let (ann, bo) = (p.client("Ann Lee"), p.client("Bo Lee"));
    let couple = p.appt(&[ann, bo], now() - minutes(5), 50);
    let (_, other) = p.solo("Cy Moss", now() - minutes(5));
    let server = p.serve();
    let a = ticket_of(&join(&server, &couple.token(0)));
    let b = ticket_of(&join(&server, &couple.token(1)));
    let c = ticket_of(&join(&server, &other.token(0)));
    assert_ne!(a.path, b.path, "each partner has a seat of their own");
    let room = |t: &Ticket| t.path.split('/').nth(2).unwrap().to_string();
    assert_eq!(room(&a), room(&b));
    assert_ne!(room(&a), room(&c));
    // Ann's ticket on Bo's seat, on the other appointment's seat, and on
    // her own seat name in the other room.
    let seat_a = a.path.rsplit('/').next().unwrap();
    for path in [b.path.clone(), c.path.clone(), format!("/room/{}/{seat_a}", room(&c))] {
        assert_eq!(get_with(&server, &path, &a.cookie).status, 403, "{path}");
        assert_eq!(post_json(&server, &format!("{path}/enter"), Some(&a.cookie), "{}", &[]).status, 403, "{path}");
    }
}

#[test]
fn strangers_and_other_sites_cannot_signal_and_a_cancel_or_revoke_closes_the_door() {
    let p = builtin();
    let (ann, bo) = (p.client("Ann Lee"), p.client("Bo Lee"));
    let appt = p.appt(&[ann, bo], now() - minutes(5), 50);
    let server = p.serve();
    let a = ticket_of(&join(&server, &appt.token(0)));
    let b = ticket_of(&join(&server, &appt.token(1)));
    let enter = |t: &Ticket| post_json(&server, &format!("{}/enter", t.path), Some(&t.cookie), "{}", &[]);
    let ea = enter(&a);
    assert_eq!(ea.status, 200, "{ea:?}");
    ea.assert_private();
    let peer_a = ea.json()["peer"].as_str().unwrap().to_string();
    let eb = enter(&b).json();
    let peer_b = eb["peer"].as_str().unwrap().to_string();
    assert_eq!(eb["others"][0]["id"], peer_a.as_str(), "Bo meets Ann");
    assert_eq!(eb["others"][0]["name"], "Ann L.", "first name and initial only");

    let send = |t: &Ticket, from: &str, extra: &[(&str, &str)]| {
        let body =
            format!(r#"{{"peer":"{from}","to":"{peer_a}","data":{{"description":{{"type":"offer","sdp":"v=0"}}}}}}"#);
        post_json(&server, &format!("{}/send", t.path), Some(&t.cookie), &body, extra).status
    };
    assert_eq!(send(&b, &peer_b, &[("Sec-Fetch-Site", "same-origin")]), 204, "Bo signals Ann");
    // Ann's peer id presented from Bo's seat: a stranger's message.
    assert_eq!(send(&b, &peer_a, &[]), 403);
    // Another site, or not JSON: refused before anything is read.
    assert_eq!(send(&b, &peer_b, &[("Sec-Fetch-Site", "cross-site")]), 403);
    let form = server.send_with(
        "POST",
        &format!("{}/send", b.path),
        &[("Cookie", &b.cookie)],
        Some(&format!("peer={peer_b}&to={peer_a}")),
    );
    assert_eq!(form.status, 403, "{form:?}");
    // Ann gets exactly Bo's one message.
    let got = get_with(&server, &format!("{}/messages?peer={peer_a}", a.path), &a.cookie);
    assert_eq!(got.status, 200);
    let messages = got.json();
    let signals: Vec<_> = messages.as_array().unwrap().iter().filter(|m| m["type"] == "signal").collect();
    assert_eq!(signals.len(), 1, "{messages}");
    assert_eq!(signals[0]["from"], peer_b.as_str());

    // Bo's link is rotated: his ticket stops at the next message.
    p.run(&["link", "rotate", "--appt", &appt.id_str(), "--client", &bo.to_string()]).ok();
    assert_eq!(send(&b, &peer_b, &[]), 403, "a revoked link's ticket is refused");
    assert_eq!(get_with(&server, &b.path, &b.cookie).status, 403);
    // The appointment is cancelled: Ann's too.
    p.run(&["appt", "cancel", &appt.id_str()]).ok();
    assert_eq!(get_with(&server, &format!("{}/messages?peer={peer_a}", a.path), &a.cookie).status, 403);
}

#[test]
fn a_ticket_lives_as_long_as_the_window_and_leaving_is_audited() {
    let p = builtin();
    p.set("link_expires_minutes", "5");
    let (_, appt) = p.solo("Ann Lee", now() - minutes(30));
    let server = p.serve();
    let r = join(&server, &appt.token(0));
    let t = ticket_of(&r);
    // The window closes 5 minutes after the 50-minute session: in 25 minutes.
    let set = r.set_cookies().into_iter().find(|c| c.starts_with("porchlight_room=")).unwrap().to_string();
    let age: i64 = set.split("; ").find_map(|p| p.strip_prefix("Max-Age=")).unwrap().parse().unwrap();
    assert!((24 * 60..=25 * 60 + 5).contains(&age), "Max-Age {age} ends with the window");
    let peer = enter(&server, &t);
    let left =
        post_json(&server, &format!("{}/leave", t.path), Some(&t.cookie), &format!(r#"{{"peer":"{peer}"}}"#), &[]);
    assert_eq!(left.status, 204);
    assert_eq!(p.audit_count("room.enter"), 1);
    assert_eq!(p.audit_count("room.leave"), 1);
    // Once gone, the old visit cannot signal.
    let again =
        post_json(&server, &format!("{}/leave", t.path), Some(&t.cookie), &format!(r#"{{"peer":"{peer}"}}"#), &[]);
    assert_eq!(again.status, 403);
}

#[test]
fn waiting_long_polls_hold_no_database_connection() {
    let p = builtin();
    let (_, appt) = p.solo("Ann Lee", now() - minutes(5));
    let server = p.serve();
    let t = ticket_of(&join(&server, &appt.token(0)));
    let peer = enter(&server, &t);
    // More waiting polls than the server has pooled database connections (4).
    let polls: Vec<_> = (0..8)
        .map(|_| {
            let (addr, path, cookie) = (server.addr, format!("{}/messages?peer={peer}", t.path), t.cookie.clone());
            std::thread::spawn(move || {
                let req = crate::support::request_with("GET", path.as_bytes(), &[("Cookie", &cookie)], None);
                crate::support::try_send(addr, &req).map(|r| r.status)
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(500));
    for path in ["/healthz".to_string(), format!("/v/{}", appt.token(0))] {
        let started = std::time::Instant::now();
        assert_eq!(server.get(&path).status, 200);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{path} waited {:?}", started.elapsed());
    }
    let body = format!(r#"{{"peer":"{peer}"}}"#);
    assert_eq!(post_json(&server, &format!("{}/leave", t.path), Some(&t.cookie), &body, &[]).status, 204);
    // Leaving ends every poll of that visit at once. The ticket is still
    // good, so they are told the seat is free (the page that left stops).
    for poll in polls {
        assert_eq!(poll.join().unwrap(), Ok(409), "a poll of a visit that left");
    }
}

#[test]
fn after_a_restart_a_visit_enters_again_with_its_ticket_but_a_replaced_tab_does_not() {
    let p = builtin();
    let (_, appt) = p.solo("Ann Lee", now() - minutes(5));
    let server = p.serve();
    let t = ticket_of(&join(&server, &appt.token(0)));
    let poll = |server: &Server, peer: &str| get_with(server, &format!("{}/messages?peer={peer}", t.path), &t.cookie);
    let old = enter(&server, &t);
    server.crash();
    // The hub lived in memory; the ticket is sealed under the key file.
    let server = p.serve();
    let gone = poll(&server, &old);
    assert_eq!(gone.status, 409, "{gone:?}");
    assert_eq!(gone.json()["error"], "not in the room now: enter again");
    let tab1 = enter(&server, &t);
    assert_eq!(poll(&server, &old).status, 403, "the seat is taken again");
    // A second tab of the same seat takes over; the first may not take it
    // back, or the two would push each other out for ever.
    let tab2 = enter(&server, &t);
    assert_eq!(poll(&server, &tab1).status, 403);
    // Without the ticket, nothing is said about the seat.
    let bare = server.get(&format!("{}/messages?peer={tab2}", t.path));
    assert_eq!(bare.status, 403);
}

#[test]
fn the_page_gets_stun_and_coturn_credentials_that_end_with_the_window() {
    let p = builtin();
    p.set("stun_urls", "stun:stun.example.org:3478, stun:[2001:db8::1]");
    p.set("turn_url", "turn:turn.example.org:3478?transport=udp");
    let secret = "a-coturn-static-auth-secret-0123";
    p.run_stdin(&["settings", "set", "turn_secret", "-"], &format!("{secret}\n")).ok();
    let (_, appt) = p.solo("Ann Lee", now() - minutes(5));
    let server = p.serve();
    let t = ticket_of(&join(&server, &appt.token(0)));
    let ice = post_json(&server, &format!("{}/enter", t.path), Some(&t.cookie), "{}", &[]).json()["ice"].clone();
    assert_eq!(ice[0]["urls"], serde_json::json!(["stun:stun.example.org:3478", "stun:[2001:db8::1]"]));
    assert_eq!(ice[1]["urls"], serde_json::json!(["turn:turn.example.org:3478?transport=udp"]));
    let user = ice[1]["username"].as_str().unwrap();
    let (expires, seat) = user.split_once(':').unwrap();
    assert_eq!(seat, t.path.rsplit('/').next().unwrap());
    let expires: i64 = expires.parse().unwrap();
    // The window closes 30 minutes after the 50-minute session, 75 minutes from now.
    let left = expires - now().timestamp();
    assert!((74 * 60..=75 * 60 + 5).contains(&left), "TURN credentials expire with the window: {left} s");
    // coturn's check, done by openssl: base64(HMAC-SHA1(secret, user)).
    let mut openssl = std::process::Command::new("openssl")
        .args(["dgst", "-sha1", "-hmac", secret, "-binary"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl");
    use std::io::Write;
    openssl.stdin.take().unwrap().write_all(user.as_bytes()).unwrap();
    let mac = openssl.wait_with_output().unwrap().stdout;
    use base64ct::Encoding;
    assert_eq!(ice[1]["credential"], base64ct::Base64::encode_string(&mac).as_str());
    // The secret is write-only and sealed: not in the settings list.
    let shown = p.run(&["settings", "show"]);
    assert!(!shown.stdout.contains(secret), "{}", shown.stdout);
}
