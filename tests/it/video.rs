//! Video rooms over HTTP: the clinician-first waiting room (wait, Start,
//! Admit, Admit all, `waiting_room off`), links that must never reach a
//! room, and Jitsi tokens verified by an independent implementation
//! (PyJWT, run from the test environment that `tests/python/setup` makes).

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::clinician::{Clinician, ORIGIN, with_password};
use crate::support::{Practice, Response, Server, minutes, now, python, time};

const ROOMS: &str = "https://meet.example.org/";
const SECRET: &str = "jitsi-shared-secret-0123456789abcdef";

/// A practice whose rooms are `https://meet.example.org/{room}`, with an
/// admin password, and its server.
fn practice() -> (Practice, Server) {
    let (p, server) = with_password(&[]);
    p.set("video_url_template", &format!("{ROOMS}{{room}}"));
    (p, server)
}

fn press_join(server: &Server, token: &str) -> Response {
    server.post(&format!("/v/{token}/join"), "")
}

fn status(server: &Server, token: &str) -> Value {
    server.get(&format!("/v/{token}/wait/status")).json()
}

#[track_caller]
fn assert_waits(server: &Server, token: &str) {
    let wait = format!("/v/{token}/wait");
    let r = press_join(server, token);
    assert_eq!((r.status, r.location()), (303, wait.as_str()), "Join leads to the waiting page");
    let page = server.get(&wait);
    assert_eq!(page.status, 200);
    assert_eq!(page.heading(), "Your clinician knows you're here");
    page.assert_private();
    assert_eq!(status(server, token), json!({"state": "open", "ready": false, "note": null}));
    let again = server.post(&format!("/v/{token}/enter"), "");
    assert_eq!((again.status, again.location()), (303, wait.as_str()), "no way in before Start or Admit");
}

#[track_caller]
fn assert_enters(server: &Server, token: &str) -> String {
    assert_eq!(status(server, token), json!({"state": "open", "ready": true, "note": null}));
    let r = server.post(&format!("/v/{token}/enter"), "");
    assert_eq!(r.status, 303, "{r:?}");
    assert!(r.location().starts_with(ROOMS), "into the room: {}", r.location());
    r.location().to_string()
}

fn events(p: &Practice, client: Option<i64>) -> Vec<String> {
    p.audit()
        .into_iter()
        .filter(|e| client.is_none() || e["client_id"].as_i64() == client)
        .map(|e| e["event"].as_str().unwrap_or_default().to_string())
        .filter(|e| e.starts_with("link.") || e.starts_with("room.") || e.starts_with("session."))
        .collect()
}

#[test]
fn a_client_waits_until_the_clinician_starts() {
    let (p, server) = practice();
    let (client, appt) = p.solo("Ann Smith", now() + minutes(5));
    let token = appt.token(0);
    assert_waits(&server, &token);

    let mut clinician = Clinician::sign_in(&server);
    let dash = clinician.dashboard();
    assert!(dash.body.contains("waiting since"), "the dashboard shows the client waiting");
    assert!(dash.body.contains("Admit Ann Smith"));
    let start = clinician.start(&appt);
    assert_eq!(start.status, 303, "{start:?}");
    let room = start.location().to_string();
    assert!(room.starts_with(ROOMS), "{room}");

    assert_eq!(assert_enters(&server, &token), room, "the client joins the clinician's room");
    assert_eq!(events(&p, Some(client)), ["link.join", "room.enter"]);
    assert_eq!(events(&p, None), ["link.join", "session.start", "room.enter"]);
    // After Start, Join goes straight in.
    let r = press_join(&server, &token);
    assert_eq!((r.status, r.location()), (303, room.as_str()));
}

#[test]
fn admit_lets_one_partner_in_and_admit_all_the_other() {
    let (p, server) = practice();
    let (a, b) = (p.client("Ann Smith"), p.client("Bo Jones"));
    let appt = p.appt(&[a, b], now() + minutes(5), 50);
    let (ta, tb) = (appt.token(0), appt.token(1));
    assert_waits(&server, &ta);
    assert_waits(&server, &tb);

    let mut clinician = Clinician::sign_in(&server);
    let r = clinician.admit(&appt, &a.to_string());
    assert_eq!((r.status, r.location()), (303, format!("/admin?done=admitted#appt-{}", appt.id()).as_str()));
    let room = assert_enters(&server, &ta);
    assert_eq!(status(&server, &tb)["ready"], false, "only Ann was admitted");

    assert!(clinician.dashboard().body.contains("Admit all"));
    assert_eq!(clinician.admit(&appt, "all").status, 303);
    assert_eq!(assert_enters(&server, &tb), room, "one room for the couple");
    let admits: Vec<_> =
        p.audit().into_iter().filter(|e| e["event"] == "room.admit").map(|e| e["client_id"].as_i64()).collect();
    assert_eq!(admits, [Some(a), Some(b)], "one admission each, Ann's not repeated by Admit all");

    // A client of another appointment cannot be admitted into this one.
    let (other, _) = p.solo("Cy Other", now() + minutes(5));
    assert_eq!(clinician.admit(&appt, &other.to_string()).status, 404);
}

#[test]
fn with_the_waiting_room_off_join_goes_straight_in() {
    let (p, server) = practice();
    p.set("waiting_room", "off");
    let (client, appt) = p.solo("Ann Smith", now() + minutes(5));
    let r = press_join(&server, &appt.token(0));
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with(ROOMS), "{}", r.location());
    assert_eq!(events(&p, Some(client)), ["link.join", "room.enter"]);
}

#[test]
fn links_that_are_not_open_never_reach_a_room_or_a_token() {
    let (p, server) = practice();
    jitsi(&p);
    p.set("waiting_room", "off");
    let mut clinician = Clinician::sign_in(&server);
    for s in p.every_state().into_iter().filter(|s| s.state != "open") {
        let page = s.page();
        for r in [
            press_join(&server, &s.token),
            server.post(&format!("{page}/enter"), ""),
            server.get(&format!("{page}/wait")),
        ] {
            assert_eq!((r.status, r.location()), (303, page.as_str()), "{}: back to the link page", s.state);
            assert!(!r.body.contains("jwt") && !r.body.contains(ROOMS), "{}: {}", s.state, r.body);
        }
        let st = server.get(&format!("{page}/wait/status"));
        assert_eq!(
            st.status,
            if s.state == "unknown" {
                404
            } else if s.state == "early" {
                200
            } else {
                410
            }
        );
        assert_eq!(st.json(), json!({"state": s.state, "ready": false, "note": null}));
    }
    // The clinician can't start a session outside its window either.
    let (_, later) = p.solo("Later Client", now() + chrono::Duration::hours(3));
    let r = clinician.start(&later);
    assert_eq!(r.status, 409);
    assert!(r.text().contains("only while its links are open"), "{}", r.text());
    let (_, cancelled) = p.solo("Gone Client", now() + minutes(5));
    p.run(&["appt", "cancel", &cancelled.id_str()]).ok();
    assert_eq!(clinician.start(&cancelled).status, 409);
    assert_eq!(clinician.admit(&cancelled, "all").status, 409);
    assert_eq!(press_join(&server, &cancelled.token(0)).location(), format!("/v/{}", cancelled.token(0)));
    assert_eq!(p.audit_count("room.enter"), 0);
    assert_eq!(p.audit_count("session.start"), 0);
}

#[test]
fn start_and_admit_need_a_session_and_csrf() {
    let (p, server) = practice();
    let (_, appt) = p.solo("Ann Smith", now() + minutes(5));
    let path = format!("/admin/appointments/{}/start", appt.id());
    assert_ne!(server.post(&path, "").status, 303, "no session");
    let mut clinician = Clinician::sign_in(&server);
    assert_eq!(clinician.browser.post(&path, &[ORIGIN], "csrf=wrong").status, 403);
    assert_eq!(p.audit_count("session.start"), 0);
    assert_eq!(clinician.start(&appt).status, 303);
}

/// Jitsi with token authentication, `meet.example.org`.
fn jitsi(p: &Practice) {
    p.set("video_provider", "jitsi");
    p.set("jitsi_app_id", "porchlight-test");
    // From stdin, so the secret stays out of shell history; never echoed.
    let out = p.run_stdin(&["settings", "set", "jitsi_secret", "-"], &format!("{SECRET}\n"));
    assert_eq!(out.ok().stdout.trim(), "jitsi_secret set (write-only: settings show masks it)");
    p.set("jitsi_audience", "jitsi");
}

#[test]
fn jitsi_tokens_satisfy_pyjwt_with_every_claim() {
    let (p, server) = practice();
    jitsi(&p);
    let (a, b) = (p.client("Ann Marie Smith"), p.client("Bo Jones"));
    let appt = p.appt(&[a, b], now() + minutes(5), 50);
    let window = p.check(&appt.token(0));
    let (nbf, exp) = (time(&window["opens_at"]).timestamp() - 60, time(&window["expires_at"]).timestamp());

    let mut clinician = Clinician::sign_in(&server);
    let host = clinician.start(&appt).location().to_string();
    assert_waits_not(&server, &appt.token(0));
    let ann = press_join(&server, &appt.token(0)).location().to_string();
    let bo = press_join(&server, &appt.token(1)).location().to_string();
    let again = press_join(&server, &appt.token(0)).location().to_string();
    assert_ne!(ann, again, "a fresh token at every join");

    let room = ann.strip_prefix(ROOMS).unwrap().split('?').next().unwrap().to_string();
    assert!(host.starts_with(&format!("{ROOMS}{room}?jwt=")), "{host}");
    let expect = |id: &str, name: &str, moderator: &str, affiliation: &str| {
        json!({
            "iss": "porchlight-test", "aud": "jitsi", "sub": "meet.example.org", "room": room,
            "nbf": nbf, "exp": exp,
            "context": {"user": {"id": id, "name": name, "moderator": moderator, "affiliation": affiliation}}
        })
    };
    let jwt = |url: &str| url.split_once("?jwt=").expect("a jwt in the room URL").1.to_string();
    let cases = json!([
        {"jwt": jwt(&host), "claims": expect("*", "My Practice", "true", "owner")},
        {"jwt": jwt(&ann), "claims": expect("*", "Ann S.", "false", "member")},
        {"jwt": jwt(&bo), "claims": expect("*", "Bo J.", "false", "member")},
    ]);
    let out = pyjwt(&json!({"secret": SECRET, "cases": cases}));
    assert_eq!(out["verdicts"], json!(["ok", "ok", "ok"]), "{out}");
    let ids: Vec<&str> = out["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "opaque ids differ: {ids:?}");
    for id in &ids {
        assert!(!id.contains("Smith") && id.len() >= 16, "id {id} is opaque");
    }

    // The sealed secret never sits in the database in plain form.
    let db = std::fs::read(p.path().join("porchlight.db")).expect("database file");
    assert!(!db.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()), "the Jitsi secret is stored sealed");
    assert!(!p.run(&["settings", "show"]).stdout.contains(SECRET));
}

#[test]
fn jitsi_sub_names_docker_jitsi_meets_xmpp_domain() {
    let (p, server) = practice();
    jitsi(&p);
    let shown = |p: &Practice| {
        let all = p.json(&["settings", "show"]);
        all.as_array().unwrap().iter().find(|s| s["key"] == "jitsi_sub").unwrap().clone()
    };
    assert_eq!(shown(&p), json!({"key": "jitsi_sub", "value": "meet.example.org", "default": true}));
    p.run(&["settings", "set", "jitsi_sub", "https://meet.jitsi/"]).input_error(&["jitsi_sub", "https://meet.jitsi/"]);
    // docker-jitsi-meet's Prosody checks `sub` against XMPP_DOMAIN, not
    // the address the room is reached at.
    p.set("jitsi_sub", "meet.jitsi");
    assert_eq!(shown(&p), json!({"key": "jitsi_sub", "value": "meet.jitsi", "default": false}));
    let (_, appt) = p.solo("Ann Smith", now() + minutes(5));
    let window = p.check(&appt.token(0));
    let (nbf, exp) = (time(&window["opens_at"]).timestamp() - 60, time(&window["expires_at"]).timestamp());
    let mut clinician = Clinician::sign_in(&server);
    let host = clinician.start(&appt).location().to_string();
    let ann = press_join(&server, &appt.token(0)).location().to_string();
    assert!(ann.starts_with(ROOMS), "the room is still at the template's address: {ann}");
    let room = ann.strip_prefix(ROOMS).unwrap().split('?').next().unwrap().to_string();
    let claims = |name: &str, moderator: &str, affiliation: &str| {
        json!({
            "iss": "porchlight-test", "aud": "jitsi", "sub": "meet.jitsi", "room": room, "nbf": nbf, "exp": exp,
            "context": {"user": {"id": "*", "name": name, "moderator": moderator, "affiliation": affiliation}}
        })
    };
    let jwt = |url: &str| url.split_once("?jwt=").expect("a jwt in the room URL").1.to_string();
    let cases = json!([
        {"jwt": jwt(&host), "claims": claims("My Practice", "true", "owner")},
        {"jwt": jwt(&ann), "claims": claims("Ann S.", "false", "member")},
    ]);
    let out = pyjwt(&json!({"secret": SECRET, "cases": cases}));
    assert_eq!(out["verdicts"], json!(["ok", "ok"]), "{out}");
    // The admin settings page offers the key.
    assert!(clinician.browser.get("/admin/settings").body.contains("name=\"jitsi_sub\""));
}

/// Join with Start already pressed does not wait.
#[track_caller]
fn assert_waits_not(server: &Server, token: &str) {
    assert_eq!(status(server, token)["ready"], true);
}

/// What the PyJWT script checks for each case: the header exactly; the
/// signature with the shared secret; the required claims; every claim
/// against the expected value (`"*"` for the opaque id, reported back;
/// `iat` the time of the join and `jti` unique);
/// that a wrong secret fails; that the token is refused a second after
/// `exp` and a second before `nbf` (by PyJWT's own time checks, shifted
/// with a negative leeway).
const PYJWT_CHECK: &str = r#"
import json, sys, time, jwt
job = json.load(sys.stdin)
verdicts, ids, jtis = [], [], []
# Each time check alone: a shifted clock must not trip the others first.
only_exp = {"verify_iat": False, "verify_nbf": False}
only_nbf = {"verify_iat": False, "verify_exp": False}
for case in job["cases"]:
    token, want = case["jwt"], case["claims"]
    problems = []
    if jwt.get_unverified_header(token) != {"alg": "HS256", "typ": "JWT"}:
        problems.append("header %r" % jwt.get_unverified_header(token))
    got = jwt.decode(token, job["secret"], algorithms=["HS256"], audience=want["aud"], issuer=want["iss"],
                     options={"require": ["iss", "aud", "sub", "room", "nbf", "exp"], "strict_aud": True})
    ids.append(got["context"]["user"]["id"])
    want["context"]["user"]["id"] = got["context"]["user"]["id"]
    if not (isinstance(got.get("iat"), int) and want["nbf"] < got["iat"] <= time.time() + 1):
        problems.append("iat %r not the time of the join" % got.get("iat"))
    if not (isinstance(got.get("jti"), str) and len(got["jti"]) >= 22):
        problems.append("jti %r" % got.get("jti"))
    jtis.append(got.get("jti"))
    want["iat"], want["jti"] = got.get("iat"), got.get("jti")
    if got != want:
        problems.append("claims %r != %r" % (got, want))
    if not all(isinstance(v, str) for v in got["context"]["user"].values()):
        problems.append("context.user values must be strings")
    try:
        jwt.decode(token, job["secret"] + "x", algorithms=["HS256"], audience=want["aud"])
        problems.append("accepted with a wrong secret")
    except jwt.InvalidSignatureError:
        pass
    now = time.time()
    try:
        jwt.decode(token, job["secret"], algorithms=["HS256"], audience=want["aud"], options=only_exp,
                   leeway=-(want["exp"] - now + 1))
        problems.append("accepted after exp")
    except jwt.ExpiredSignatureError:
        pass
    try:
        jwt.decode(token, job["secret"], algorithms=["HS256"], audience=want["aud"], options=only_nbf,
                   leeway=-(now - want["nbf"] + 1))
        problems.append("accepted before nbf")
    except jwt.ImmatureSignatureError:
        pass
    verdicts.append("; ".join(problems) or "ok")
if len(set(jtis)) != len(jtis):
    verdicts.append("a jti was used twice")
print(json.dumps({"verdicts": verdicts, "ids": ids}))
"#;

/// Run [`PYJWT_CHECK`] on `job` with the test environment's Python.
fn pyjwt(job: &Value) -> Value {
    let python = python();
    let mut child = Command::new(&python)
        .args(["-c", PYJWT_CHECK])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    child.stdin.take().unwrap().write_all(job.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "PyJWT check failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

#[test]
fn pages_with_a_way_into_the_room_may_send_their_forms_there() {
    let (p, server) = practice();
    let (_, appt) = p.solo("Ann Smith", now() + minutes(5));
    let csp = |path: &str| server.get(path).header("Content-Security-Policy").unwrap_or_default().to_string();
    // Browsers apply form-action to the redirect after a POST as well.
    let page = appt.token(0);
    assert!(csp(&format!("/v/{page}")).ends_with("form-action 'self' https://meet.example.org"));
    assert!(csp("/join").ends_with("form-action 'self'"), "other pages keep the narrow policy");
    let mut clinician = Clinician::sign_in(&server);
    let dash = clinician.dashboard();
    assert!(dash.header("Content-Security-Policy").unwrap().ends_with("form-action 'self' https://meet.example.org"));
    p.set("video_url_template", "https://x.example;script-src/{room}");
    assert!(csp(&format!("/v/{page}")).ends_with("form-action 'self'"), "never a policy injection");
}
