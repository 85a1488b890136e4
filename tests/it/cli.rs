//! The command line of SPEC.md: every command with and without `--json`,
//! exit statuses (0 / 2 with one line naming the bad value / 1), `--help`
//! everywhere, DST edges of local input times, window edges to the second
//! with `check --at`, and rescheduling that keeps links.

use serde_json::{Value, json};

use crate::support::{Practice, minutes, now, rfc, run_bin, time};

/// Every command and subcommand path of the CLI.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["serve"],
    &["settings"],
    &["settings", "show"],
    &["settings", "set"],
    &["admin"],
    &["admin", "password"],
    &["admin", "signin-link"],
    &["client"],
    &["client", "add"],
    &["client", "list"],
    &["client", "portal"],
    &["client", "portal", "rotate"],
    &["client", "archive"],
    &["client", "restore"],
    &["appt"],
    &["appt", "add"],
    &["appt", "show"],
    &["appt", "list"],
    &["appt", "move"],
    &["appt", "cancel"],
    &["appt", "add-client"],
    &["appt", "remove-client"],
    &["link"],
    &["link", "rotate"],
    &["check"],
    &["backup"],
    &["audit"],
];

#[test]
fn help_works_on_every_command_and_subcommand() {
    for path in COMMANDS {
        let args: Vec<&str> = path.iter().copied().chain(["--help"]).collect();
        let out = run_bin(&args, None);
        assert_eq!(out.code, 0, "porchlight {args:?}: {}", out.stderr);
        assert!(out.stdout.contains("Usage"), "porchlight {args:?} printed no usage:\n{}", out.stdout);
    }
}

#[test]
fn settings_show_set_and_refuse_bad_keys_and_values() {
    let p = Practice::new();
    let shown = p.json(&["settings", "show"]);
    let value = |shown: &Value, key: &str| {
        let rows = shown.as_array().expect("settings show --json is an array");
        let row = rows.iter().find(|r| r["key"] == key).unwrap_or_else(|| panic!("no {key} in {shown}"));
        row["value"].clone()
    };
    assert_eq!(value(&shown, "practice_name"), "My Practice");
    assert_eq!(value(&shown, "join_opens_minutes"), "10");
    assert_eq!(value(&shown, "link_expires_minutes"), "30");

    p.set("practice_name", "Harbour Counselling");
    p.set("timezone", "Europe/London");
    let secret = "s3cret-jitsi-value-that-is-long-enough-0123";
    p.set("jitsi_secret", secret);
    let shown = p.json(&["settings", "show"]);
    assert_eq!(value(&shown, "practice_name"), "Harbour Counselling");
    assert_eq!(value(&shown, "timezone"), "Europe/London");
    assert_eq!(value(&shown, "jitsi_secret"), "********");
    let human = p.run(&["settings", "show"]);
    assert!(human.ok().stdout.contains("Harbour Counselling"), "{}", human.stdout);
    for text in [&human.stdout, &shown.to_string(), &p.run(&["audit", "--json"]).stdout] {
        assert!(!text.contains(secret), "the jitsi secret leaked: {text}");
    }

    p.run(&["settings", "set", "colour", "blue"]).input_error(&["colour"]);
    p.run(&["settings", "set", "join_opens_minutes", "ten"]).input_error(&["ten", "join_opens_minutes"]);
    p.run(&["settings", "set", "timezone", "Mars/Olympus"]).input_error(&["Mars/Olympus"]);
    p.run(&["settings", "set", "portal_links", "maybe"]).input_error(&["maybe"]);
    // A refused value changes nothing.
    assert_eq!(value(&p.json(&["settings", "show"]), "join_opens_minutes"), "10");
}

#[test]
fn admin_password_is_read_from_stdin_and_must_be_long_enough() {
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], "correct horse battery staple\n").ok();
    p.run_stdin(&["admin", "password"], "short\n").input_error(&["short"]);
    assert_eq!(p.audit_count("admin.password"), 1, "{:?}", p.audit());
    // With --json, the sign-in link it prints is the one document.
    let link = p.run_stdin(&["admin", "password", "--json"], "another horse battery staple\n").json();
    assert!(link["url"].as_str().is_some_and(|u| u.contains("/admin/login?grant=")), "{link}");
    assert!(time(&link["expires_at"]) > now(), "{link}");
    assert_eq!(p.audit_count("admin.password"), 2);
}

#[test]
fn clients_add_list_and_rotate_portal_links() {
    let p = Practice::new();
    let human = p.run(&["client", "add", "--name", "Ada Lovelace", "--email", "ada@example.org"]);
    assert!(human.ok().stdout.contains("Ada Lovelace"), "{}", human.stdout);
    let added = p.json(&["client", "add", "--name", "Grace Hopper", "--phone", "+1 555 0100"]);
    let id = added["id"].as_i64().expect("id");
    assert_eq!(added["name"], "Grace Hopper");
    let portal = added["portal_url"].as_str().expect("portal_url").to_string();
    assert!(portal.contains("/p/"), "{portal}");

    let list = p.json(&["client", "list"]);
    let names: Vec<&str> = list.as_array().expect("array").iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["Ada Lovelace", "Grace Hopper"]);
    let human = p.run(&["client", "list"]);
    assert!(human.ok().stdout.contains("Grace Hopper"), "{}", human.stdout);

    let rotated = p.json(&["client", "portal", "rotate", &id.to_string()]);
    assert_eq!((rotated["id"].as_i64(), &rotated["name"]), (Some(id), &json!("Grace Hopper")));
    let new_portal = rotated["portal_url"].as_str().expect("portal_url");
    assert_ne!(new_portal, portal);
    let human = p.run(&["client", "portal", "rotate", &id.to_string()]);
    assert!(human.ok().stdout.contains("/p/"), "{}", human.stdout);

    p.run(&["client", "add", "--name", "Bo", "--email", "not-an-email"]).input_error(&["not-an-email"]);
}

#[test]
fn appointments_add_show_list_move_and_cancel() {
    let p = Practice::new();
    let ann = p.client("Ann Example");
    let start = now() + chrono::Duration::days(1);
    let a = p.appt(&[ann], start, 50);
    assert_eq!(time(&a.0["start"]), start);
    assert_eq!(time(&a.0["end"]), start + minutes(50));
    assert_eq!(a.0["status"], "scheduled");
    let part = &a.0["participants"][0];
    assert_eq!((part["client_id"].as_i64(), &part["name"]), (Some(ann), &json!("Ann Example")));
    assert!(a.link(0).contains("/v/") && a.code(0).len() == 9 && a.code(0).as_bytes()[4] == b'-', "{}", a.0);

    let id = a.id_str();
    assert_eq!(p.json(&["appt", "show", &id])["participants"], a.0["participants"]);
    let human = p.run(&["appt", "show", &id]);
    assert!(human.ok().stdout.contains(&a.link(0)) && human.stdout.contains(&a.code(0)), "{}", human.stdout);

    let later = p.appt(&[ann], start + chrono::Duration::days(2), 50);
    let ids = |v: Value| -> Vec<i64> { v.as_array().expect("array").iter().filter_map(|a| a["id"].as_i64()).collect() };
    assert_eq!(ids(p.json(&["appt", "list"])), [a.id(), later.id()]);
    let from = rfc(start + chrono::Duration::days(1));
    assert_eq!(ids(p.json(&["appt", "list", "--from", &from])), [later.id()]);
    assert_eq!(ids(p.json(&["appt", "list", "--to", &from])), [a.id()]);
    let human = p.run(&["appt", "list"]);
    assert!(human.ok().stdout.contains(&later.link(0)), "{}", human.stdout);

    let moved_to = start + chrono::Duration::hours(3);
    let moved = p.json(&["appt", "move", &id, "--start", &rfc(moved_to), "--minutes", "60"]);
    assert_eq!((time(&moved["start"]), time(&moved["end"])), (moved_to, moved_to + minutes(60)));
    assert!(p.run(&["appt", "move", &id, "--start", &rfc(start)]).ok().stdout.contains(&a.link(0)));

    let out = p.run(&["appt", "cancel", &id]);
    out.ok();
    assert_eq!(p.json(&["appt", "show", &id])["status"], "cancelled");
    assert_eq!(p.state(&a.link(0)), "cancelled");
    // A cancelled appointment cannot be moved back to life.
    p.run(&["appt", "move", &id, "--start", &rfc(start)]).input_error(&["cancelled"]);
}

#[test]
fn link_rotate_gives_one_participant_a_new_link_and_code() {
    let p = Practice::new();
    let (ann, ben) = (p.client("Ann"), p.client("Ben"));
    let a = p.appt(&[ann, ben], now() + minutes(5), 50);
    let rotated = p.json(&["link", "rotate", "--appt", &a.id_str(), "--client", &ann.to_string()]);
    let keys: Vec<&String> = rotated.as_object().expect("object").keys().collect();
    for key in ["client_id", "name", "link", "code"] {
        assert!(keys.iter().any(|k| *k == key), "no {key} in {rotated}");
    }
    assert_eq!((rotated["client_id"].as_i64(), &rotated["name"]), (Some(ann), &json!("Ann")));
    assert_ne!(rotated["link"].as_str(), Some(a.link(0).as_str()));
    assert_ne!(rotated["code"].as_str(), Some(a.code(0).as_str()));
    let human = p.run(&["link", "rotate", "--appt", &a.id_str(), "--client", &ben.to_string()]);
    assert!(human.ok().stdout.contains("/v/"), "{}", human.stdout);
    assert_eq!(p.state(&a.link(1)), "revoked");
    p.run(&["link", "rotate", "--appt", &a.id_str(), "--client", "777"]).input_error(&["777"]);
}

#[test]
fn check_exits_zero_in_every_state_and_reads_links_tokens_and_codes() {
    let p = Practice::new();
    let c = p.client("Cleo");
    let open = p.appt(&[c], now() - minutes(5), 50);
    let early = p.appt(&[c], now() + chrono::Duration::hours(3), 50);
    let expired = p.appt(&[c], now() - chrono::Duration::days(1), 50);
    let cancelled = p.appt(&[c], now() + chrono::Duration::days(1), 50);
    p.run(&["appt", "cancel", &cancelled.id_str()]).ok();
    let revoked = p.appt(&[c], now() + chrono::Duration::days(2), 50);
    p.run(&["link", "rotate", "--appt", &revoked.id_str(), "--client", &c.to_string()]).ok();

    for (appt, want) in
        [(&open, "open"), (&early, "early"), (&expired, "expired"), (&cancelled, "cancelled"), (&revoked, "revoked")]
    {
        let checked = p.check(&appt.link(0));
        assert_eq!(checked["state"], want, "{checked}");
        assert_eq!(checked["appointment_id"].as_i64(), Some(appt.id()));
        assert_eq!(checked["client_id"].as_i64(), Some(c));
        for key in ["opens_at", "starts_at", "ends_at", "expires_at"] {
            time(&checked[key]);
        }
        let human = p.run(&["check", &appt.link(0)]);
        assert!(human.ok().stdout.contains(want), "{}", human.stdout);
    }
    // The same link by token and by a sloppily typed code.
    let sloppy = open.code(0).to_lowercase().replace('-', " ");
    for input in [open.token(0), sloppy] {
        assert_eq!(p.state(&input), "open", "{input}");
    }
    for unknown in ["AAAAAAAAAAAAAAAAAAAAAA", "ZZZZ-ZZZZ", "http://127.0.0.1:8080/v/nope", "nonsense"] {
        let out = p.run(&["check", unknown, "--json"]);
        assert_eq!(out.json(), json!({"state": "unknown"}), "{unknown}");
        assert!(p.run(&["check", unknown]).ok().stdout.contains("unknown"));
    }
    p.run(&["check", &open.link(0), "--at", "yesterday"]).input_error(&["yesterday"]);
}

#[test]
fn check_accepts_a_token_that_starts_with_a_hyphen() {
    let p = Practice::new();
    let token = format!("-{}", "A".repeat(21));
    assert_eq!(p.run(&["check", &token, "--json"]).json(), json!({"state": "unknown"}));
}

#[test]
fn backup_writes_a_usable_copy() {
    let p = Practice::new();
    p.solo("Dee", now() + minutes(30));
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("copy.db");
    p.run(&["backup", file.to_str().expect("UTF-8")]).ok();
    assert!(std::fs::metadata(&file).expect("backup file exists").len() > 0);
    let missing = dir.path().join("no/such/dir/copy.db");
    let out = p.run(&["backup", missing.to_str().expect("UTF-8")]);
    assert_ne!(out.code, 0, "backup into a missing directory must fail");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn audit_lists_events_oldest_first_and_filters_by_since() {
    let p = Practice::new();
    let before = now() - minutes(1);
    let (c, a) = p.solo("Eve", now() + minutes(30));
    p.run(&["link", "rotate", "--appt", &a.id_str(), "--client", &c.to_string()]).ok();
    let events: Vec<String> = p.audit().iter().filter_map(|e| e["event"].as_str().map(String::from)).collect();
    assert_eq!(events, ["client.add", "appointment.create", "link.rotate"]);
    for e in p.audit() {
        assert!(time(&e["at"]) >= before, "{e}");
    }
    assert_eq!(p.json(&["audit", "--since", &rfc(before)]).as_array().map(Vec::len), Some(3));
    let future = rfc(now() + chrono::Duration::days(1));
    assert_eq!(p.json(&["audit", "--since", &future]), json!([]));
    let human = p.run(&["audit"]);
    assert!(human.ok().stdout.contains("link.rotate"), "{}", human.stdout);
    p.run(&["audit", "--since", "last-tuesday"]).input_error(&["last-tuesday"]);
}

#[test]
fn unknown_ids_exit_2_naming_the_id() {
    let p = Practice::new();
    let (c, _) = p.solo("Fay", now() + minutes(30));
    let c = c.to_string();
    let start = rfc(now() + minutes(60));
    let cases: &[&[&str]] = &[
        &["appt", "show", "4242"],
        &["appt", "move", "4242", "--start", &start],
        &["appt", "cancel", "4242"],
        &["appt", "add", "--client", "4242", "--start", &start, "--minutes", "50"],
        &["client", "portal", "rotate", "4242"],
        &["link", "rotate", "--appt", "4242", "--client", &c],
    ];
    for args in cases {
        p.run(args).input_error(&["4242"]);
    }
}

#[test]
fn bad_numbers_and_times_exit_2_with_one_line() {
    let p = Practice::new();
    let c = p.client("Gus").to_string();
    let start = rfc(now() + minutes(60));
    p.run(&["appt", "add", "--client", &c, "--start", &start, "--minutes", "abc"]).input_error(&["abc"]);
    p.run(&["appt", "add", "--client", &c, "--start", &start, "--minutes", "0"]).input_error(&["0"]);
    p.run(&["appt", "add", "--client", &c, "--start", "soon", "--minutes", "50"]).input_error(&["soon"]);
    p.run(&["appt", "show", "twelve"]).input_error(&["twelve"]);
    p.run(&["appt", "frobnicate"]).input_error(&["frobnicate"]);
}

#[test]
fn appt_add_without_minutes_takes_the_usual_length() {
    let p = Practice::new();
    let c = p.client("Ida").to_string();
    let start = now() + minutes(60);
    let usual = p.json(&["appt", "add", "--client", &c, "--start", &rfc(start)]);
    assert_eq!(time(&usual["end"]), start + minutes(50), "the default usual length is 50");
    p.set("session_minutes", "45");
    let later = start + chrono::Duration::days(1);
    let shorter = p.json(&["appt", "add", "--client", &c, "--start", &rfc(later)]);
    assert_eq!(time(&shorter["end"]), later + minutes(45));
    // --minutes still wins.
    let day3 = later + chrono::Duration::days(1);
    let given = p.json(&["appt", "add", "--client", &c, "--start", &rfc(day3), "--minutes", "80"]);
    assert_eq!(time(&given["end"]), day3 + minutes(80));
    p.run(&["settings", "set", "session_minutes", "0"]).input_error(&["session_minutes", "\"0\""]);
    p.run(&["settings", "set", "session_minutes", "721"]).input_error(&["721"]);
    let help = p.run(&["appt", "add", "--help"]);
    assert!(help.ok().stdout.contains("session_minutes"), "{}", help.stdout);
}

/// Practice in `zone`, with one client; returns both.
fn practice_in(zone: &str) -> (Practice, String) {
    let p = Practice::new();
    p.set("timezone", zone);
    let c = p.client("Hal").to_string();
    (p, c)
}

#[test]
fn local_times_that_do_not_exist_or_happen_twice_are_refused() {
    let cases = [
        ("America/New_York", "2027-03-14T02:30"),
        ("America/New_York", "2027-11-07T01:30"),
        ("Europe/London", "2027-03-28T01:30"),
        ("Europe/London", "2027-10-31T01:30"),
    ];
    for (zone, local) in cases {
        let (p, c) = practice_in(zone);
        p.run(&["appt", "add", "--client", &c, "--start", local, "--minutes", "50", "--json"])
            .input_error(&[local, zone]);
        assert_eq!(p.json(&["appt", "list"]), json!([]), "nothing was created for {local} in {zone}");
    }
}

#[test]
fn local_times_around_dst_changes_round_trip_in_utc() {
    let cases = [
        ("America/New_York", "2027-03-14T01:59", "2027-03-14T06:59:00Z"),
        ("America/New_York", "2027-03-14T03:00", "2027-03-14T07:00:00Z"),
        ("America/New_York", "2027-03-15T09:00", "2027-03-15T13:00:00Z"),
        ("America/New_York", "2027-11-08T09:00", "2027-11-08T14:00:00Z"),
        ("Europe/London", "2027-03-29T09:00", "2027-03-29T08:00:00Z"),
        ("Europe/London", "2027-11-01T09:00", "2027-11-01T09:00:00Z"),
        // With an offset, an ambiguous wall time is fine.
        ("Europe/London", "2027-10-31T01:30:00+01:00", "2027-10-31T00:30:00Z"),
    ];
    for (zone, local, utc) in cases {
        let (p, c) = practice_in(zone);
        let a = p.appt_at(&[c.parse().expect("id")], local, 50);
        assert_eq!(a.0["start"], utc, "{local} in {zone}");
        assert_eq!(p.json(&["appt", "show", &a.id_str()])["start"], utc);
        assert_eq!(p.check(&a.link(0))["starts_at"], utc);
    }
}

#[test]
fn window_edges_to_the_second_with_check_at() {
    let p = Practice::new();
    let start = now() + chrono::Duration::days(1);
    let (_, a) = p.solo("Ivy", start);
    let link = a.link(0);
    let c = p.check(&link);
    let (opens, expires) = (time(&c["opens_at"]), time(&c["expires_at"]));
    assert_eq!(opens, start - minutes(10), "defaults: opens 10 minutes before the start");
    assert_eq!(time(&c["ends_at"]), start + minutes(50));
    assert_eq!(expires, start + minutes(50 + 30), "defaults: expires 30 minutes after the end");
    let second = chrono::Duration::seconds(1);
    for (at, want) in [(opens - second, "early"), (opens, "open"), (expires - second, "open"), (expires, "expired")] {
        assert_eq!(p.check_at(&link, at)["state"], want, "at {}", rfc(at));
    }
    // The code follows the same window.
    assert_eq!(p.check_at(&a.code(0), opens)["state"], "open");

    p.set("join_opens_minutes", "15");
    assert_eq!(time(&p.check(&link)["opens_at"]), start - minutes(15));
    assert_eq!(p.check_at(&link, opens - minutes(5))["state"], "open");
}

#[test]
fn moving_keeps_links_and_codes_and_moves_the_window() {
    let p = Practice::new();
    let (ann, ben) = (p.client("Ann"), p.client("Ben"));
    let start = now() + chrono::Duration::days(1);
    let a = p.appt(&[ann, ben], start, 50);
    let before = p.check(&a.link(0));
    let to = start + chrono::Duration::days(1) + minutes(30);
    let moved = p.json(&["appt", "move", &a.id_str(), "--start", &rfc(to)]);
    assert_eq!(moved["participants"], a.0["participants"], "links and codes must not change");
    let after = p.check(&a.link(0));
    assert_ne!(after["starts_at"], before["starts_at"]);
    assert_eq!(time(&after["starts_at"]), to);
    assert_eq!(time(&after["opens_at"]), to - minutes(10));
    assert_eq!(p.check(&a.code(1))["starts_at"], after["starts_at"]);
    assert_eq!(p.audit_count("appointment.move"), 1);
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    // `porchlight client list | head -1`: the pipe closes before the
    // command writes; that is no crash and no error.
    let p = Practice::new();
    p.client("Pipe Reader");
    let mut child = std::process::Command::new(crate::support::BIN)
        .args(["--data"])
        .arg(p.path())
        .args(["client", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn admin_password_typed_at_a_terminal_ends_at_enter() {
    // Pasted from the login page's hint into a terminal: no end of input
    // comes, so the password ends at Enter. `script` gives it a terminal.
    let p = Practice::new();
    let command = format!("{} --data {} admin password", crate::support::BIN, p.path().display());
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script (bsdutils) runs");
    let mut stdin = child.stdin.take().expect("stdin");
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::io::Write::write_all(&mut stdin, b"a password typed at a terminal\n").expect("type");
    // The terminal stays open: only Enter may end the password.
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "still waiting after Enter");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    drop(stdin);
    assert!(status.success());
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut out).expect("read");
    assert!(out.contains("admin password set"), "{out}");
}

#[test]
fn a_clients_exact_name_is_taken_where_an_id_is() {
    let p = Practice::new();
    let ann = p.client("Ann Example");
    let (ben1, ben2) = (p.client("Ben"), p.client("Ben"));
    let start = rfc(now() + minutes(90));
    let made = p.json(&["appt", "add", "--client", "Ann Example", "--start", &start, "--minutes", "50"]);
    assert_eq!(made["participants"][0]["client_id"], ann);

    // A name two clients share is refused, with both ids to choose from.
    let shared = p.run(&["appt", "add", "--client", "Ben", "--start", &start, "--minutes", "50"]);
    assert_eq!(shared.code, 2, "{}", shared.stderr);
    assert!(shared.stderr.contains(&format!("ids {ben1}, {ben2}")), "{}", shared.stderr);
    let nobody = p.run(&["client", "mail", "Nobody Here", "off"]);
    assert_eq!(nobody.code, 2, "{}", nobody.stderr);
    assert!(nobody.stderr.contains("no client is named \"Nobody Here\""), "{}", nobody.stderr);
    // Names are exact: another case is another name.
    assert_eq!(p.run(&["client", "mail", "ann example", "off"]).code, 2);

    let off = p.json(&["client", "mail", "Ann Example", "off"]);
    assert_eq!(off["id"], ann);
    let rotated = p.json(&["client", "portal", "rotate", "Ann Example"]);
    assert_eq!(rotated["id"], ann);
    let id = made["id"].as_i64().unwrap().to_string();
    let link = p.json(&["link", "rotate", "--appt", &id, "--client", "Ann Example"]);
    assert_eq!(link["client_id"], ann);
    // An id still works, and an unknown one says so.
    assert_eq!(p.json(&["client", "mail", &ann.to_string(), "on"])["id"], ann);
    assert_eq!(p.run(&["client", "mail", "999", "on"]).code, 2);
}
