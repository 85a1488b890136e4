//! No secret leaks: after a busy session (pages in every state, joins,
//! typed codes right and wrong, rotations, portal visits, an admin login,
//! a sign-in link), no token, code, portal token, password, Jitsi secret,
//! room token or sign-in grant appears in the server's output, in the
//! command line's output other than where it was asked for, or anywhere in
//! the data directory's files.

use crate::support::{Practice, Response, token_of};

/// Every byte of every file in the data directory (database, WAL, key...).
fn data_files(p: &Practice) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(p.path())
        .expect("data dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap_or_default()))
        .collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn no_token_code_or_password_is_logged_or_stored() {
    let p = Practice::new();
    let password = "a very private admin phrase";
    p.run_stdin(&["admin", "password"], &format!("{password}\n")).ok();
    let samples = p.every_state();
    let portal = p.json(&["client", "list"])[0]["portal_url"].as_str().expect("portal").to_string();
    let portal_token = token_of(&portal);
    p.set("video_url_template", "https://meet.example.org/{room}");
    // Jitsi rooms with tokens, straight in: every open join mints one.
    let jitsi_secret = "a-jitsi-secret-nobody-may-ever-see-0123";
    p.set("video_provider", "jitsi");
    p.set("jitsi_app_id", "porchlight");
    p.run_stdin(&["settings", "set", "jitsi_secret", "-"], &format!("{jitsi_secret}\n")).ok();
    p.set("waiting_room", "off");
    let server = p.serve();

    let mut secrets: Vec<String> = vec![password.to_string(), portal_token.clone(), jitsi_secret.to_string()];
    for s in &samples {
        if s.state == "unknown" {
            continue;
        }
        secrets.push(s.token.clone());
        secrets.push(s.code.clone());
        secrets.push(s.code.replace('-', ""));
        server.get(&format!("/v/{}", s.token));
        server.get(&format!("/api/v1/links/{}", s.token));
        let join = server.post(&format!("/v/{}/join", s.token), "");
        if let Some((_, jwt)) = join.location().split_once("?jwt=") {
            secrets.push(jwt.to_string());
            secrets.push(jwt.rsplit('.').next().unwrap_or_default().to_string());
        }
        server.post("/join", &format!("code={}", s.code));
    }
    server.get(&format!("/p/{portal_token}"));
    server.post("/join", "code=WRNG-C0DE");
    // The built-in room: its tickets, the TURN secret and the TURN
    // passwords handed to the page are secrets too.
    let turn_secret = "a-turn-secret-nobody-may-ever-see-0123";
    p.set("video_provider", "builtin");
    p.set("turn_url", "turn:turn.example.org:3478");
    p.run_stdin(&["settings", "set", "turn_secret", "-"], &format!("{turn_secret}\n")).ok();
    secrets.push(turn_secret.to_string());
    let open = samples.iter().find(|s| s.state == "open").expect("an open link");
    let join = server.post(&format!("/v/{}/join", open.token), "");
    let set = join.set_cookies().into_iter().find(|c| c.starts_with("porchlight_room=")).expect("a room ticket");
    let ticket = set.split(';').next().unwrap_or_default().to_string();
    secrets.push(ticket.trim_start_matches("porchlight_room=").to_string());
    secrets.push(ticket.rsplit('.').next().unwrap_or_default().to_string());
    let enter = format!(
        "POST {}/enter HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {ticket}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}",
        join.location()
    );
    let entered = server.raw(enter.as_bytes()).json();
    let credential = entered["ice"][0]["credential"].as_str().expect("a TURN password").to_string();
    secrets.push(credential);
    // An admin login, and a wrong one.
    let login: Response = server.get("/admin/login");
    let cookie = login.set_cookies().first().map(|c| c.split(';').next().unwrap_or("").to_string()).unwrap_or_default();
    let at = login.body.find("name=\"csrf\" value=\"").expect("csrf") + 19;
    let csrf = &login.body[at..at + login.body[at..].find('"').expect("quote")];
    for pw in ["wrong guess entirely", password] {
        let form = format!("csrf={csrf}&password={}", pw.replace(' ', "+"));
        server.send_with("POST", "/admin/login", &[("Cookie", &cookie), ("Origin", "http://127.0.0.1")], Some(&form));
    }
    // A sign-in link, opened, and the device cookie it gave.
    let link = p.json(&["admin", "signin-link"])["url"].as_str().expect("url").to_string();
    let target = &link[link.find("/admin/login?grant=").expect("a sign-in link")..];
    let opened = server.get(target);
    assert_eq!(opened.status, 303, "{}", opened.text());
    secrets.push(target.trim_start_matches("/admin/login?grant=").to_string());
    let device = opened.set_cookies().into_iter().find(|c| c.starts_with("porchlight_device=")).expect("device");
    secrets.push(device.split(';').next().unwrap_or_default().trim_start_matches("porchlight_device=").to_string());
    let audit = p.run(&["audit", "--json"]).stdout;
    let log = server.stderr();
    let files = data_files(&p);
    drop(server);

    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "server log holds a secret: {secret}\n{log}");
        assert!(!audit.contains(secret.as_str()), "audit holds a secret: {secret}");
        for (name, bytes) in &files {
            assert!(!contains(bytes, secret), "{name} holds a secret: {secret}");
        }
    }
    assert!(log.contains("access code failure"), "the log is not empty, just clean: {log}");
    assert!(secrets.iter().any(|s| s.starts_with("ey")), "a room token was minted and looked for");
    assert!(secrets.iter().any(|s| s.starts_with("v1.")), "a room ticket was issued and looked for");
}
