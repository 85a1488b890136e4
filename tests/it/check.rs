//! The device check's routes: the ICE servers a link's page may try
//! (early and open links only, TURN credentials short-lived), and the
//! summary the page reports, shown as one line in the clinician's
//! "Waiting now"; bad bodies, other pages and guesses refused, and memory
//! that no guest can grow.

use serde_json::Value;

use crate::clinician::{Clinician, with_password};
use crate::support::{Practice, Server, minutes, now};

const TURN_SECRET: &str = "a-coturn-secret-of-some-length";

/// The page's own POST of `body` to `/v/{token}/check`.
fn report(server: &Server, token: &str, body: &str, extra: &str) -> crate::support::Response {
    server.raw(
        format!(
            "POST /v/{token}/check HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

const PROBLEM_MIC: &str = r#"{"camera":"ok","microphone":"problem","speakers":"skipped","connection":"ok"}"#;
const ALL_OK: &str = r#"{"camera":"ok","microphone":"ok","speakers":"ok","connection":"ok"}"#;

#[test]
fn ice_servers_go_to_early_and_open_links_only_with_short_lived_turn_near_the_session() {
    let p = Practice::new();
    p.set("video_provider", "builtin");
    p.set("stun_urls", "stun:stun.example.org:3478");
    p.set("turn_url", "turn:turn.example.org:3478");
    p.set("turn_secret", TURN_SECRET);
    let samples = p.every_state();
    let server = p.serve();
    for s in &samples {
        let r = server.get(&format!("/v/{}/check/ice", s.token));
        assert_eq!(r.header("cache-control"), Some("no-store"), "{}", s.state);
        let body: Value = serde_json::from_str(&r.body).expect("json");
        match s.state {
            "early" => {
                // Hours before its window: STUN only, and when the relay
                // may be tried (an hour before the window opens).
                assert_eq!(r.status, 200, "{}", r.body);
                assert_eq!(body["ice"], serde_json::json!([{"urls": ["stun:stun.example.org:3478"]}]));
                let from = chrono::DateTime::parse_from_rfc3339(body["relay_from"].as_str().expect("relay_from"));
                let opens = now() + chrono::Duration::hours(3) - minutes(10);
                let early = (opens - chrono::Duration::hours(1) - from.expect("a time").to_utc()).num_seconds();
                assert!(early.abs() <= 60, "relay_from {early} s off");
            }
            "open" => {
                assert_eq!(r.status, 200, "{}: {}", s.state, r.body);
                assert_eq!(body["provider"], "builtin");
                assert_eq!(body.get("relay_from"), None);
                let ice = body["ice"].as_array().expect("ice");
                assert_eq!(ice[0]["urls"], serde_json::json!(["stun:stun.example.org:3478"]));
                assert_eq!(ice[1]["urls"], serde_json::json!(["turn:turn.example.org:3478"]));
                // coturn's REST credentials, as the room hands them out,
                // but for the check's ten minutes, not the window's close.
                let user = ice[1]["username"].as_str().expect("username");
                let (expires, seat) = user.split_once(':').expect("expires:seat");
                let expires: i64 = expires.parse().expect("a time");
                let left = expires - now().timestamp();
                assert!((590..=610).contains(&left), "{}: TURN for {left} s", s.state);
                assert_eq!(seat.len(), 12, "the room's seat");
                let (_, credential) = porchlight_turn(user);
                assert_eq!(ice[1]["credential"], credential.as_str());
            }
            "unknown" => assert_eq!((r.status, &body["state"]), (404, &Value::from("unknown"))),
            other => assert_eq!((r.status, body["state"].as_str()), (410, Some(other))),
        }
    }
    // Within the hour before its window opens, the relay is part of it.
    let soon = p.appt(&[p.client("Soon Person")], now() + minutes(65), 50);
    let body: Value = serde_json::from_str(&server.get(&format!("/v/{}/check/ice", soon.token(0))).body).unwrap();
    assert_eq!(body["ice"][1]["urls"], serde_json::json!(["turn:turn.example.org:3478"]), "{body}");
    let open = &samples[1];
    assert_eq!(server.send("POST", &format!("/v/{}/check/ice", open.token), Some("x=1")).status, 405);
    // Outside rooms: nothing to try, the provider named.
    p.set("video_provider", "url");
    p.set("video_url_template", "https://meet.example.org/{room}");
    let body: Value = serde_json::from_str(&server.get(&format!("/v/{}/check/ice", open.token)).body).unwrap();
    assert_eq!(body, serde_json::json!({"provider": "url", "ice": []}));
    // No token and no TURN secret or credential in what serve printed.
    let printed = server.stderr();
    for s in &samples {
        assert!(!printed.contains(&s.token), "a token was logged");
    }
    assert!(!printed.contains(TURN_SECRET));
}

/// HMAC-SHA1 of `user` under the test's TURN secret, base64 (coturn's
/// `use-auth-secret`), computed here rather than by Porchlight.
fn porchlight_turn(user: &str) -> (String, String) {
    use base64ct::{Base64, Encoding};
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(TURN_SECRET.as_bytes()).unwrap();
    mac.update(user.as_bytes());
    (user.to_string(), Base64::encode_string(&mac.finalize().into_bytes()))
}

#[test]
fn the_summary_reaches_waiting_now_as_one_line_and_bad_ones_are_refused() {
    let (p, server) = with_password(&[]);
    let ann = p.client("Ann Example");
    let open = p.appt(&[ann], now() + minutes(5), 50);
    let early = p.appt(&[ann], now() + chrono::Duration::hours(5), 50);
    let samples = p.every_state();
    let mut c = Clinician::sign_in(&server);
    let waiting = |c: &mut Clinician<'_>| -> Vec<Value> {
        let r = c.browser.get("/admin/api/waiting");
        serde_json::from_str::<Value>(&r.body).expect("json")["waiting"].as_array().expect("array").clone()
    };
    let token = open.token(0);
    // Not the page's own script: a form, another site.
    assert_eq!(server.send("POST", &format!("/v/{token}/check"), Some("camera=ok")).status, 403);
    assert_eq!(report(&server, &token, ALL_OK, "Sec-Fetch-Site: cross-site\r\n").status, 403);
    // Not the four words: refused, whatever the link.
    for bad in [
        r#"{"camera":"ok"}"#,
        r#"{"camera":"ok","microphone":"ok","speakers":"ok","connection":"ok","browser":"Safari"}"#,
        r#"{"camera":"great","microphone":"ok","speakers":"ok","connection":"ok"}"#,
        "[]",
        "",
    ] {
        assert_eq!(report(&server, &token, bad, "").status, 400, "{bad}");
    }
    let long = format!("{}{}}}", &ALL_OK[..ALL_OK.len() - 1], " ".repeat(300));
    assert_eq!(report(&server, &token, &long, "").status, 400, "over 256 bytes");
    // Links that lead to no session: their page's status.
    for s in &samples {
        let want = match s.state {
            "early" | "open" => 204,
            "unknown" => 404,
            _ => 410,
        };
        assert_eq!(report(&server, &s.token, ALL_OK, "").status, want, "{}", s.state);
    }
    // An early link's check is kept too, for when they come back.
    assert_eq!(report(&server, &early.token(0), ALL_OK, "").status, 204);
    // Nothing shows until they are here; then the one line.
    assert_eq!(report(&server, &token, PROBLEM_MIC, "Sec-Fetch-Site: same-origin\r\n").status, 204);
    assert_eq!(waiting(&mut c), Vec::<Value>::new(), "a check alone is not an arrival");
    let here = format!(
        "POST /v/{token}/here HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    assert_eq!(server.raw(here.as_bytes()).status, 204);
    let w = waiting(&mut c);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["device"], "Device check: problem (microphone)");
    let page = c.browser.get("/admin").body;
    assert!(page.contains("Device check: problem (microphone)"), "the dashboard says so too");
    // Checked again, all well: the latest replaces it.
    assert_eq!(report(&server, &token, ALL_OK, "").status, 204);
    assert_eq!(waiting(&mut c)[0]["device"], "Device checked: OK");
    // The participant page offers the check, and says it needs JavaScript.
    let page = server.get(&format!("/v/{token}")).body;
    assert!(page.contains("Check my device") && page.contains("The device check needs JavaScript"), "{page}");
    assert!(page.contains("/assets/check.js"));
}

#[test]
fn a_guest_cannot_grow_memory_with_checks() {
    let p = Practice::new();
    let ann = p.client("Ann Example");
    let open = p.appt(&[ann], now() + minutes(5), 50);
    let server = p.serve();
    let rss = |pid: u32| -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        let kb = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).expect("VmRSS");
        kb.trim().trim_end_matches(" kB").trim().parse::<u64>().expect("kB") * 1024
    };
    // Warm up the server's pools and caches first.
    for i in 0..200 {
        report(&server, &format!("{:026}", i), ALL_OK, "");
        report(&server, &open.token(0), ALL_OK, "");
    }
    let before = rss(server.pid());
    // Guessed tokens are refused without a trace; the real one is the
    // same entry, replaced each time.
    for i in 0..3000 {
        assert_eq!(report(&server, &format!("A{:025}", i), ALL_OK, "").status, 404);
        assert_eq!(report(&server, &open.token(0), PROBLEM_MIC, "").status, 204);
    }
    let after = rss(server.pid());
    let grown = after.saturating_sub(before);
    eprintln!("6000 check reports: RSS {:.1} MB -> {:.1} MB", before as f64 / 1e6, after as f64 / 1e6);
    assert!(grown < 2_000_000, "RSS grew {grown} bytes");
    server.assert_healthy();
}
