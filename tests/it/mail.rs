//! Reminder mail against a real SMTP server on loopback (aiosmtpd), with
//! what arrives read back by Python's email parser and the icalendar
//! package; calendar downloads and the clinician's feed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::clinician::{Clinician, with_password};
use crate::support::{Practice, Server, minutes, now, python, python_script, time};

const FROM: &str = "care@harbour.example";

/// An SMTP server of our own on 127.0.0.1 (tests/python/smtp_sink.py).
pub struct Sink {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Sink {
    pub fn start() -> Sink {
        Sink::start_with(&[])
    }

    /// With `--no-8bitmime`: a server that takes 7-bit text only.
    fn start_with(args: &[&str]) -> Sink {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(python())
            .arg(python_script("smtp_sink.py"))
            .arg(dir.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line).expect("the sink's port");
        let port = line.trim().parse().unwrap_or_else(|_| panic!("sink printed {line:?}"));
        Sink { child, dir, port }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// `ok`, `fail` (451), `refuse` (554) or `hang` (take it, never answer).
    fn mode(&self, mode: &str) {
        std::fs::write(self.dir.path().join("mode"), mode).expect("write mode");
    }

    fn messages(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("sink dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| p.with_extension("eml"))
            .collect();
        files.sort();
        files
    }

    /// Wait until `n` messages arrived (at most 20 s), then read them all.
    #[track_caller]
    pub fn wait_for(&self, n: usize) -> Vec<Value> {
        let until = Instant::now() + Duration::from_secs(20);
        while self.messages().len() < n {
            assert!(Instant::now() < until, "{} message(s) arrived, waited for {n}", self.messages().len());
            std::thread::sleep(Duration::from_millis(100));
        }
        self.messages().iter().map(|m| inspect("eml", m)).collect()
    }

    /// Assert that nothing more arrives for `secs` seconds.
    #[track_caller]
    pub fn stays_at(&self, n: usize, secs: u64) {
        std::thread::sleep(Duration::from_secs(secs));
        assert_eq!(self.messages().len(), n, "no more messages");
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tests/python/inspect_mail.py: the message or calendar as JSON.
fn inspect(what: &str, file: &Path) -> Value {
    let out = Command::new(python()).arg(python_script("inspect_mail.py")).arg(what).arg(file).output().unwrap();
    assert!(out.status.success(), "inspect_mail: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Parse a downloaded calendar body.
pub fn inspect_ics(body: &str) -> Value {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), body).unwrap();
    inspect("ics", file.path())
}

/// A practice in New York that mails through `sink`; its server looks at
/// the outbox every second.
pub fn practice(sink: &Sink) -> (Practice, Server) {
    let (p, server) = with_password(&["--mail-poll-seconds", "1"]);
    p.set("practice_name", "Harbour Counselling");
    p.set("timezone", "America/New_York");
    p.set("mail_from", FROM);
    p.run_stdin(&["settings", "set", "smtp_url", "-"], &format!("{}\n", sink.url())).ok();
    (p, server)
}

pub fn client(p: &Practice, name: &str, email: &str) -> i64 {
    p.json(&["client", "add", "--name", name, "--email", email])["id"].as_i64().unwrap()
}

/// Keep the HTML part of `mail` as `NAME.html` for the Nu Html Checker,
/// which `make test` runs over it after the tests (tests/browser/validate).
pub fn keep_html(name: &str, mail: &Value) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-check/mail");
    std::fs::create_dir_all(&dir).expect("html-check dir");
    let html = mail["html"].as_str().unwrap_or_else(|| panic!("{name} has an HTML part"));
    std::fs::write(dir.join(format!("{name}.html")), html).expect("write the mail's HTML");
}

fn utc(v: &Value) -> String {
    time(v).format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

#[test]
fn a_reminder_arrives_with_both_bodies_and_an_invitation() {
    let sink = Sink::start();
    let (p, _server) = practice(&sink);
    let ann = client(&p, "Ann Smith", "ann@example.net");
    // Both reminders (24 h and 1 h) are already due: one message.
    let appt = p.appt(&[ann], now() + minutes(30), 50);
    let mail = &sink.wait_for(1)[0];
    keep_html("reminder", mail);
    sink.stays_at(1, 3);

    let h = &mail["headers"];
    assert_eq!(h["From"], format!("Harbour Counselling <{FROM}>"));
    assert_eq!(h["To"], "Ann Smith <ann@example.net>");
    let subject = h["Subject"].as_str().unwrap();
    assert!(subject.starts_with("Reminder: your video session with Harbour Counselling, "), "{subject}");
    assert!(!subject.contains("Ann") && !subject.contains("therap"), "no client or clinical detail: {subject}");
    let (link, code) = (appt.link(0), appt.code(0));
    let portal = p.json(&["client", "list"])[0]["portal_url"].as_str().unwrap().to_string();
    let text = mail["text"].as_str().unwrap();
    for needle in [link.as_str(), code.as_str(), portal.as_str(), "America/New_York", "Join video call", "/join"] {
        assert!(text.contains(needle), "text body lacks {needle}:\n{text}");
    }
    let html = mail["html"].as_str().unwrap();
    assert!(html.contains("Join video call") && html.contains(&code), "{html}");
    let links: Vec<&str> = mail["links"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(links[0], link, "the first link of the HTML body is the Join button");
    assert!(links.contains(&portal.as_str()), "{links:?}");

    assert_eq!(mail["attachments"][0]["name"], "invite.ics");
    assert_eq!(mail["attachments"][0]["params"]["method"], "REQUEST");
    let cal = &mail["calendars"][0];
    assert_eq!(cal["method"], "REQUEST");
    let ev = &cal["events"][0];
    let check = p.check(&link);
    assert_eq!(ev["start"], utc(&check["starts_at"]));
    assert_eq!(ev["end"], utc(&check["ends_at"]));
    assert_eq!(ev["url"], link);
    assert_eq!(ev["sequence"], 0);
    assert_eq!(ev["status"], "CONFIRMED");
    assert_eq!(ev["organizer"], format!("mailto:{FROM}"));
    assert_eq!(ev["attendee"], "mailto:ann@example.net");
    assert!(ev["uid"].as_str().unwrap().ends_with("@porchlight"));
    assert_eq!(p.audit_count("mail.sent"), 1);
    // The password-free URL is what the audit trail says about the setting.
    assert!(!serde_json::to_string(&p.audit()).unwrap().contains("sealed:"), "sealed values stay out of the audit");
}

#[test]
fn a_move_sends_the_new_local_time_across_dst_and_a_cancel_cancels() {
    let sink = Sink::start();
    let (p, server) = practice(&sink);
    let ann = client(&p, "Ann Smith", "ann@example.net");
    // 14 March 2027: New York moves to daylight time. The day after, 10:00
    // local is 14:00 UTC, not 15:00.
    let appt = p.appt_at(&[ann], "2027-03-15T10:00", 50);
    sink.stays_at(0, 2);
    let id = appt.id_str();
    p.run(&["appt", "move", &id, "--start", "2027-03-15T11:00"]).ok();
    let update = &sink.wait_for(1)[0];
    keep_html("new-time", update);
    let subject = update["headers"]["Subject"].as_str().unwrap();
    assert!(subject.starts_with("New time:") && subject.contains("11:00 AM EDT"), "{subject}");
    assert!(update["text"].as_str().unwrap().contains("11:00 AM EDT (America/New_York)"));
    assert!(update["text"].as_str().unwrap().contains("Open the attached calendar file to add the session"));
    let ev = &update["calendars"][0]["events"][0];
    assert_eq!(ev["start"], "2027-03-15T15:00:00+00:00");
    assert_eq!(ev["sequence"], 1);

    // The participant's own download has the same entry.
    let download = server.get(&format!("/v/{}/calendar.ics", appt.token(0)));
    assert_eq!(download.status, 200);
    assert_eq!(download.header("Content-Type"), Some("text/calendar; charset=utf-8"));
    download.assert_private();
    let own = inspect_ics(&download.body);
    assert_eq!(own["events"][0]["uid"], ev["uid"]);
    assert_eq!(own["events"][0]["start"], ev["start"]);

    p.run(&["appt", "cancel", &id]).ok();
    let cancel = &sink.wait_for(2)[1];
    keep_html("cancellation", cancel);
    assert!(cancel["headers"]["Subject"].as_str().unwrap().starts_with("Cancelled:"));
    assert_eq!(cancel["attachments"][0]["params"]["method"], "CANCEL");
    let cal = &cancel["calendars"][0];
    assert_eq!(cal["method"], "CANCEL");
    assert_eq!(cal["events"][0]["status"], "CANCELLED");
    assert_eq!(cal["events"][0]["uid"], ev["uid"]);
    assert_eq!(cal["events"][0]["sequence"], 2);
    let said = cancel["text"].as_str().unwrap();
    assert!(said.contains("The attached calendar file takes the session out of your calendar."), "{said}");
    assert!(!said.contains("to add the session"), "{said}");
    // A cancelled entry says so, never how to join.
    let said = cal["events"][0]["description"].as_str().unwrap();
    assert!(said.contains("This session has been cancelled"), "{said}");
    assert!(!said.contains(&appt.token(0)) && !said.contains("Access code") && !said.contains("/join"), "{said}");
    assert_eq!(cal["events"][0]["url"], serde_json::Value::Null);
    sink.stays_at(2, 2);
    assert_eq!(server.get(&format!("/v/{}/calendar.ics", appt.token(0))).status, 410);
}

#[test]
fn killed_mid_send_never_sends_twice_and_shows_the_doubt() {
    let sink = Sink::start();
    sink.mode("hang");
    let (p, server) = practice(&sink);
    let ann = client(&p, "Ann Smith", "ann@example.net");
    p.appt(&[ann], now() + minutes(30), 50);
    sink.wait_for(1); // the sink has it, Porchlight waits for the answer
    server.crash();
    sink.mode("ok");
    let server = Server::start_with(p.path(), false, &["--mail-poll-seconds", "1"]);
    sink.stays_at(1, 4);
    assert_eq!(p.audit_count("mail.sent"), 0);

    let mut clinician = Clinician::sign_in(&server);
    let dash = clinician.dashboard();
    assert!(dash.body.contains("may not have arrived"), "the doubt is shown");
    let send = action_of(&dash.body, "/admin/outbox/").expect("a Send now button");
    // Sending again is the clinician's call.
    assert_eq!(clinician.post(&send, "").status, 303);
    sink.wait_for(2);
    assert!(!clinician.dashboard().body.contains("may not have arrived"));
}

#[test]
fn a_failing_server_gets_retries_and_a_visible_error_not_a_lost_reminder() {
    let sink = Sink::start();
    sink.mode("fail");
    let (p, server) = practice(&sink);
    let ann = client(&p, "Ann Smith", "ann@example.net");
    let appt = p.appt(&[ann], now() + minutes(30), 50);
    let mut clinician = Clinician::sign_in(&server);
    let until = Instant::now() + Duration::from_secs(15);
    let dash = loop {
        let dash = clinician.dashboard();
        if dash.body.contains("trying again") {
            break dash;
        }
        assert!(Instant::now() < until, "no error shown: {}", dash.text());
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(dash.body.contains("451"), "the server's answer is shown");
    assert!(sink.messages().is_empty());
    let page = clinician.browser.get(&format!("/admin/appointments/{}", appt.id()));
    assert!(page.body.contains("pending") && page.body.contains("451"), "{}", page.text());

    sink.mode("ok");
    let send = action_of(&dash.body, "/admin/outbox/").expect("Send now");
    clinician.post(&send, "");
    sink.wait_for(1);
    sink.stays_at(1, 2);
    assert!(!clinician.dashboard().body.contains("trying again"));

    // A final refusal is shown as such, and not retried by itself.
    sink.mode("refuse");
    let bo = client(&p, "Bo Jones", "bo@example.net");
    p.appt(&[bo], now() + minutes(40), 50);
    let until = Instant::now() + Duration::from_secs(15);
    while !clinician.dashboard().body.contains("refused by the mail server") {
        assert!(Instant::now() < until, "refusal not shown");
        std::thread::sleep(Duration::from_millis(200));
    }
    sink.stays_at(1, 2);
}

#[test]
fn no_address_or_opted_out_means_no_mail_and_says_why() {
    let sink = Sink::start();
    let (p, server) = practice(&sink);
    let none = p.client("No Address");
    let out = p.json(&["client", "add", "--name", "Opted Out", "--email", "out@example.net", "--no-mail"]);
    assert_eq!(out["no_mail"], true);
    let appt = p.appt(&[none, out["id"].as_i64().unwrap()], now() + minutes(30), 50);
    sink.stays_at(0, 3);
    let mut clinician = Clinician::sign_in(&server);
    let page = clinician.browser.get(&format!("/admin/appointments/{}", appt.id()));
    assert!(page.body.contains("the client has no email address"), "{}", page.text());
    assert!(page.body.contains("the client asked for no email"), "{}", page.text());
}

/// The first form action starting with `prefix` in an admin page.
fn action_of(html: &str, prefix: &str) -> Option<String> {
    let at = html.find(&format!("action=\"{prefix}"))? + 8;
    Some(html[at..at + html[at..].find('"')?].to_string())
}

#[test]
fn calendar_downloads_and_the_private_feed() {
    let sink = Sink::start();
    let (p, server) = practice(&sink);
    let ann = client(&p, "Ann Marie Smith", "ann@example.net");
    let bo = p.client("Bo Jones");
    let couple = p.appt(&[ann, bo], now() + chrono::Duration::days(2), 50);
    let later = p.appt(&[ann], now() + chrono::Duration::days(9), 50);
    let gone = p.appt(&[ann], now() + chrono::Duration::days(3), 50);
    p.run(&["appt", "cancel", &gone.id_str()]).ok();
    p.appt(&[ann], now() + chrono::Duration::days(120), 50); // beyond the feed's 90 days

    // The portal's file: the client's own live sessions, each with their link.
    let portal = p.json(&["client", "list"]).as_array().unwrap().iter().find(|c| c["id"] == ann).unwrap()["portal_url"]
        .as_str()
        .unwrap()
        .to_string();
    let token = portal.rsplit('/').next().unwrap();
    let r = server.get(&format!("/p/{token}/calendar.ics"));
    assert_eq!(r.status, 200);
    let cal = inspect_ics(&r.body);
    let events = cal["events"].as_array().unwrap();
    // A cancelled session is in the file, so calendars take it away, but with no link.
    let live: Vec<&Value> = events.iter().filter(|e| e["status"] != "CANCELLED").collect();
    assert!(events.iter().filter(|e| e["status"] == "CANCELLED").all(|e| e["url"].is_null()), "{events:?}");
    let urls: Vec<&str> = live.iter().map(|e| e["url"].as_str().unwrap()).collect();
    assert!(urls.contains(&couple.link(0).as_str()) && urls.contains(&later.link(0).as_str()), "{urls:?}");
    assert!(!urls.contains(&couple.link(1).as_str()), "never a partner's link");
    assert_eq!(server.get("/p/AAAAAAAAAAAAAAAAAAAAAA/calendar.ics").status, 404);
    p.set("portal_links", "off");
    assert_eq!(server.get(&format!("/p/{token}/calendar.ics")).status, 410, "as the portal page");
    p.set("portal_links", "on");
    assert_eq!(server.get("/v/AAAAAAAAAAAAAAAAAAAAAA/calendar.ics").status, 404);

    // The clinician's feed: off until turned on; initials only; rotatable.
    let mut clinician = Clinician::sign_in(&server);
    assert_eq!(clinician.post("/admin/calendar", "feed=on").status, 303);
    let settings = clinician.browser.get("/admin/settings");
    let body = settings.body.replace("&#x2f;", "/");
    let feed = body.split("value=\"").filter_map(|s| s.split('"').next()).find(|v| v.contains("/cal/")).unwrap();
    let path = &feed[feed.find("/cal/").unwrap()..];
    let r = server.get(path);
    assert_eq!(r.status, 200);
    r.assert_private();
    assert!(!r.body.contains("Smith") && !r.body.contains("Jones") && !r.body.contains("/v/"), "{}", r.body);
    let cal = inspect_ics(&r.body);
    let events = cal["events"].as_array().unwrap();
    assert_eq!(events.len(), 3, "the next 90 days, cancelled included: {events:?}");
    let summaries: Vec<&str> = events.iter().map(|e| e["summary"].as_str().unwrap()).collect();
    assert!(summaries.contains(&"Session: A.S., B.J."), "{summaries:?}");
    let cancelled = events.iter().find(|e| e["status"] == "CANCELLED").expect("a cancelled entry");
    assert!(cancelled["url"].as_str().unwrap().ends_with(&format!("/admin/appointments/{}", gone.id())));
    assert_eq!(clinician.post("/admin/calendar", "feed=on").status, 303);
    assert_eq!(server.get(path).status, 404, "the old address stops working");
}

#[test]
fn the_settings_page_masks_the_mail_password_and_warns_about_plain_text() {
    let (p, server) = with_password(&[]);
    p.set("mail_from", FROM);
    p.run_stdin(&["settings", "set", "smtp_url", "-"], "smtp://me:hunter2secret@smtp.example.com:25\n").ok();
    let mut clinician = Clinician::sign_in(&server);
    let page = clinician.browser.get("/admin/settings");
    let body = page.body.replace("&#x2f;", "/");
    assert!(body.contains("smtp://me:********@smtp.example.com:25"), "shown masked");
    assert!(!body.contains("hunter2secret"));
    assert!(body.contains("without encryption"), "{}", page.text());
    assert!(clinician.dashboard().body.contains("without encryption"));
    // Saving the form unchanged keeps the password.
    let csrf = clinician.csrf.clone();
    let form = format!("csrf={csrf}&smtp_url=smtp%3A%2F%2Fme%3A********%40smtp.example.com%3A25&mail_from={FROM}");
    assert_eq!(clinician.browser.post("/admin/settings", &[crate::clinician::ORIGIN], &form).status, 303);
    assert!(!std::fs::read(p.path().join("porchlight.db")).unwrap().windows(13).any(|w| w == b"hunter2secret"));
    assert!(!p.run(&["audit"]).stdout.contains("hunter2secret"));
    p.run_stdin(&["settings", "set", "smtp_url", "-"], "smtps://me:hunter2secret@smtp.example.com:465\n").ok();
    assert!(!clinician.browser.get("/admin/settings").body.contains("without encryption"));
}

/// A public address of 73 characters: long enough that quoted-printable
/// would cut the links.
const LONG_BASE: &str = "http://porchlight.harbour-counselling-and-family-therapy.example.org:8080";

#[test]
fn links_arrive_whole_and_plain_and_names_stay_text() {
    let sink = Sink::start();
    let (p, server) = practice(&sink);
    p.set("public_url", LONG_BASE);
    p.set("practice_name", "Thérapie <script>alert(1)</script> & \"Co\"");
    let ann = client(&p, "Zoë<script>alert(2)</script> Smith", "ann@example.net");
    let appt = p.appt(&[ann], now() + minutes(30), 50);
    let mail = &sink.wait_for(1)[0];
    let (link, join) = (appt.link(0), format!("{LONG_BASE}/join"));
    let portal = p.json(&["client", "list"])[0]["portal_url"].as_str().unwrap().to_string();
    assert!(link.starts_with(LONG_BASE) && portal.starts_with(LONG_BASE), "{link} {portal}");

    // The raw message as it crossed the wire: every link whole, in the
    // text part and as a plain href in the HTML part.
    let raw = String::from_utf8(std::fs::read(&sink.messages()[0]).unwrap()).expect("8bit UTF-8, not encoded");
    for url in [&link, &portal, &join] {
        assert!(raw.matches(url.as_str()).count() >= 2, "{url} not whole in text and HTML:\n{raw}");
        assert!(raw.contains(&format!("href=\"{url}\"")), "{url} not a plain href:\n{raw}");
    }
    assert!(!raw.contains("&#x2f;") && !raw.to_ascii_lowercase().contains("quoted-printable"), "{raw}");
    assert!(raw.contains("Content-Transfer-Encoding: 8bit"), "{raw}");
    assert!(raw.split("\r\n").all(|line| line.len() <= 998 && !line.contains('\n')), "RFC 5322 line limits");

    // Python's parsers read the same message.
    let links: Vec<&str> = mail["links"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(links, [link.as_str(), join.as_str(), portal.as_str()]);
    let text = mail["text"].as_str().unwrap();
    for url in [&link, &portal, &join] {
        assert!(text.lines().any(|l| l == url.as_str()), "{url} on a line of its own:\n{text}");
    }
    let ev = &mail["calendars"][0]["events"][0];
    assert_eq!(ev["url"], link.as_str());
    let description = ev["description"].as_str().unwrap();
    assert!(description.lines().any(|l| l == link) && description.lines().any(|l| l == join), "{description}");

    // Names are text in the mail and on every page, never markup.
    let html = mail["html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("Thérapie &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"), "{html}");
    assert!(html.contains("Hello Zoë&lt;script&gt;alert(2)&lt;/script&gt;,"), "{html}");
    assert!(text.contains("Hello Zoë<script>alert(2)</script>,"), "plain text is not escaped:\n{text}");
    let token = appt.token(0);
    let portal_token = portal.rsplit('/').next().unwrap();
    let mut clinician = Clinician::sign_in(&server);
    let pages = [
        server.get(&format!("/v/{token}")),
        server.get(&format!("/p/{portal_token}")),
        server.get("/join"),
        clinician.dashboard(),
        clinician.browser.get(&format!("/admin/appointments/{}", appt.id())),
    ];
    for page in &pages {
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("<script>alert"), "{}", page.body);
        assert!(!page.body.contains("&#x2f;"), "{}", page.body);
    }
    assert!(pages[0].body.contains(&format!("action=\"/v/{token}/join\"")), "{}", pages[0].body);
    assert!(pages[0].body.contains("Thérapie &lt;script&gt;"), "{}", pages[0].body);
    assert!(pages[3].body.contains(&format!("value=\"{link}\"")), "the copy button's link, plain");
    assert!(pages[3].body.contains("Zoë&lt;script&gt;alert(2)&lt;/script&gt; Smith"), "{}", pages[3].body);
}

/// Each URL in `text` as a reader that turns text into links takes it:
/// from `http` to the next white space.
fn urls_in(text: &str) -> Vec<&str> {
    let mut found = vec![];
    let mut rest = text;
    while let Some(at) = rest.find("http://").or_else(|| rest.find("https://")) {
        let url = &rest[at..];
        let url = &url[..url.find(char::is_whitespace).unwrap_or(url.len())];
        found.push(url);
        rest = &rest[at + url.len()..];
    }
    found
}

#[test]
fn no_page_a_client_reads_puts_punctuation_after_a_url() {
    let (p, server) = with_password(&[]);
    p.set("public_url", LONG_BASE);
    let ann = p.client("Ann Smith");
    let portal = p.json(&["client", "list"])[0]["portal_url"].as_str().unwrap().to_string();
    let mut pages = vec![];
    for sample in p.every_state() {
        pages.push((sample.state.to_string(), server.get(&sample.page())));
        let code = format!("code={}", sample.code);
        pages.push((format!("{} code", sample.state), server.post("/join", &code)));
    }
    p.appt(&[ann], now() + minutes(5), 50);
    pages.push(("portal".into(), server.get(&portal[portal.find("/p/").unwrap()..])));
    pages.push(("join".into(), server.get("/join")));
    pages.push(("not found".into(), server.get("/nothing/here")));
    pages.push(("unknown host".into(), server.send_with("GET", "/admin", &[("Host", "rebind.example")], None)));
    let mut seen = 0;
    for (name, page) in &pages {
        let text = page.text();
        for url in urls_in(&text) {
            seen += 1;
            assert!(!url.ends_with(['.', ',', ';', ':', '!', '?', ')', '\'', '"']), "{name}: {url:?} in {text}");
        }
    }
    assert!(seen > 0, "the unknown-host page shows the admin address");
}

#[test]
fn a_server_without_8bitmime_gets_the_message_encoded() {
    let sink = Sink::start_with(&["--no-8bitmime"]);
    let (p, _server) = practice(&sink);
    p.set("practice_name", "Thérapie Harbour");
    let ann = client(&p, "Zoë Smith", "zoe@example.net");
    let appt = p.appt(&[ann], now() + minutes(30), 50);
    let mail = &sink.wait_for(1)[0];
    sink.stays_at(1, 2);
    let raw = std::fs::read(&sink.messages()[0]).unwrap();
    assert!(raw.is_ascii(), "7-bit clean for a server without 8BITMIME");
    let raw = String::from_utf8_lossy(&raw);
    assert!(!raw.contains("quoted-printable"), "no soft line break may cut a link: {raw}");
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains("Hello Zoë,") && text.contains(&appt.link(0)), "{text}");
    assert_eq!(mail["links"][0], appt.link(0).as_str());
    assert_eq!(p.audit_count("mail.sent"), 1);
}

/// Each link in the raw message as a reader that makes links of text
/// takes it: from `http` to white space, or to `<` and `"` (the ends of an
/// HTML attribute or element).
fn links_in_raw(raw: &str) -> Vec<&str> {
    urls_in(raw).into_iter().map(|u| &u[..u.find(['<', '"']).unwrap_or(u.len())]).collect()
}

/// GET `path` (from 127.0.0.1), following redirects on this server:
/// the final status and path.
fn follow(server: &Server, path: &str) -> (u16, String) {
    let mut path = path.to_string();
    for _ in 0..4 {
        let page = server.get(&path);
        if !matches!(page.status, 301 | 302 | 303 | 307 | 308) {
            return (page.status, path);
        }
        path = page.location().to_string();
    }
    panic!("redirects do not end for {path}");
}

#[test]
fn a_mangled_reminder_still_reaches_every_page() {
    let sink = Sink::start();
    let (p, server) = practice(&sink);
    p.set("public_url", LONG_BASE);
    let ann = client(&p, "Ann Smith", "ann@example.net");
    let _appt = p.appt(&[ann], now() + minutes(5), 50);
    sink.wait_for(1);
    let raw = String::from_utf8(std::fs::read(&sink.messages()[0]).unwrap()).expect("8bit UTF-8");

    let found = links_in_raw(&raw);
    let paths: std::collections::BTreeSet<&str> =
        found.iter().map(|u| u.strip_prefix(LONG_BASE).unwrap_or_else(|| panic!("{u} is not ours"))).collect();
    assert!(paths.len() >= 3, "the link, the portal and /join: {paths:?}");
    let mut tried = 0;
    for path in &paths {
        assert_eq!(follow(&server, path), (200, path.to_string()), "the link as sent");
        // What mail readers, linkifiers and people do to a link on its way.
        let mut mangled: Vec<String> = [".", ",", ")", ">", "\"", "'", "/", ").", "%22", "%3E", "&gt;"]
            .iter()
            .map(|tail| format!("{path}{tail}"))
            .collect();
        mangled.push(path.to_ascii_uppercase());
        mangled.push(path.to_ascii_lowercase());
        mangled.push(format!("{}.", path.to_ascii_uppercase()));
        for m in &mangled {
            // A raw `"` or `>` cannot travel in a request line; a browser
            // sends it percent-encoded.
            let sent = m.replace('"', "%22").replace('>', "%3E");
            assert_eq!(follow(&server, &sent), (200, path.to_string()), "{m} must lead to {path}");
            tried += 1;
        }
    }
    assert!(tried >= 42, "{tried}");
}

#[test]
fn each_session_of_a_series_is_its_own_event_and_cancelling_the_series_cancels_each_once() {
    let sink = Sink::start();
    let (p, server) = practice(&sink);
    let ann = client(&p, "Ann Smith", "ann@example.net");
    // Two days ahead: no reminder is due yet.
    let start = crate::support::rfc(now() + chrono::Duration::days(2));
    let made = p.json(&[
        "appt",
        "add",
        "--client",
        "Ann Smith",
        "--start",
        &start,
        "--minutes",
        "50",
        "--repeat",
        "weekly",
        "--count",
        "3",
    ]);
    sink.stays_at(0, 2);
    let links: Vec<&str> = made["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["participants"][0]["link"].as_str().unwrap())
        .collect();
    let portal = p.json(&["client", "list"]).as_array().unwrap().iter().find(|c| c["id"] == ann).unwrap()["portal_url"]
        .as_str()
        .unwrap()
        .to_string();
    let cal = inspect_ics(&server.get(&format!("/p/{}/calendar.ics", portal.rsplit('/').next().unwrap())).body);
    let events = cal["events"].as_array().unwrap();
    let mut uids: Vec<&str> = events.iter().map(|e| e["uid"].as_str().unwrap()).collect();
    let urls: Vec<&str> = events.iter().map(|e| e["url"].as_str().unwrap()).collect();
    assert_eq!(urls, links, "one event per session, each with its own link");
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), 3, "a UID of its own for each session");

    let series = made["series_id"].as_i64().unwrap().to_string();
    p.run(&["series", "cancel", &series]).ok();
    let mails = sink.wait_for(3);
    let mut cancelled: Vec<&str> = mails
        .iter()
        .map(|m| {
            assert_eq!(m["calendars"][0]["method"], "CANCEL", "{m}");
            m["calendars"][0]["events"][0]["uid"].as_str().unwrap()
        })
        .collect();
    cancelled.sort_unstable();
    assert_eq!(cancelled, uids, "each session cancelled under its own UID");
    p.run(&["series", "cancel", &series]).ok();
    sink.stays_at(3, 3);
}
