//! Repeating series through the command line and the running server
//! (SPEC, "Series and calendars"): made ahead with links of their own,
//! grown by the server as time passes, one session changed alone or with
//! the following ones, a whole series cancelled.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::support::{Practice, now, rfc, token_of};

/// A practice in New York with one client; a weekly series for them
/// starting `days` from now, made with `extra` flags. Returns its JSON.
fn weekly(p: &Practice, client: &str, first: DateTime<Utc>, extra: &[&str]) -> Value {
    let start = rfc(first);
    let mut args = vec!["appt", "add", "--client", client, "--start", start.as_str(), "--minutes", "50"];
    args.extend(["--repeat", "weekly"]);
    args.extend(extra);
    p.json(&args)
}

fn practice() -> Practice {
    let p = Practice::new();
    p.set("timezone", "America/New_York");
    p.set("public_url", "http://porch.local:8080");
    p
}

fn tomorrow() -> DateTime<Utc> {
    now() + chrono::Duration::days(1)
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

fn link(a: &Value) -> String {
    a["participants"][0]["link"].as_str().unwrap().to_string()
}

/// The database as SQLite sees it, for what no command shows.
fn db(p: &Practice) -> rusqlite::Connection {
    rusqlite::Connection::open(p.path().join("porchlight.db")).expect("open db")
}

/// Pretend an earlier run saw `days` days in the future (the clock
/// guard's mark): every later run computes with that time.
fn live_days_ahead(p: &Practice, days: i64) {
    let high = (now() + chrono::Duration::days(days)).timestamp();
    db(p)
        .execute(
            "INSERT INTO meta (key, value) VALUES ('clock_high', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [high.to_string()],
        )
        .expect("set mark");
}

#[test]
fn a_weekly_series_is_made_twelve_weeks_ahead_each_session_with_links_of_its_own() {
    let p = practice();
    p.client("Ann Smith");
    let made = weekly(&p, "Ann Smith", tomorrow(), &[]);
    let series = made["series_id"].as_i64().expect("series_id");
    let list = made["appointments"].as_array().unwrap();
    assert_eq!(list.len(), 12, "series_horizon_weeks is 12 by default");
    let mut links: Vec<String> = list.iter().map(link).collect();
    let codes: Vec<&str> = list.iter().map(|a| a["participants"][0]["code"].as_str().unwrap()).collect();
    links.dedup();
    assert_eq!(links.len(), 12, "a link of its own for each session");
    assert!(codes.iter().enumerate().all(|(i, c)| !codes[..i].contains(c)));
    assert!(list.iter().all(|a| a["series_id"] == series));
    assert_eq!(p.state(&links[0]), "early");
    assert_eq!(p.state(&links[11]), "early");

    let mine = p.json(&["appt", "list", "--client", "Ann Smith"]);
    assert_eq!(ids(&mine), ids(&made["appointments"]));
    let shown = p.json(&["series", "show", &series.to_string()]);
    assert_eq!(shown["rule"], "FREQ=WEEKLY");
    assert_eq!(shown["zone"], "America/New_York");
    assert_eq!(shown["clients"][0]["name"], "Ann Smith");
    assert_eq!(shown["next"].as_array().unwrap().len(), 5);
    assert_eq!(p.json(&["series", "list"]).as_array().unwrap().len(), 1);
    assert_eq!(p.audit_count("series.create"), 1);

    // A shorter series, and one that ends on a date.
    let counted = weekly(&p, "Ann Smith", tomorrow() + chrono::Duration::hours(2), &["--count", "3"]);
    assert_eq!(counted["appointments"].as_array().unwrap().len(), 3);
    let until = (tomorrow() + chrono::Duration::days(15)).format("%Y-%m-%d").to_string();
    let dated = weekly(&p, "Ann Smith", tomorrow() + chrono::Duration::hours(4), &["--until", &until]);
    assert_eq!(dated["appointments"].as_array().unwrap().len(), 3);
}

#[test]
fn a_series_meeting_a_repeated_hour_is_refused_naming_the_date() {
    let p = practice();
    p.client("Ann Smith");
    // Sundays at 01:30 from 3 October 2027: on 7 November 01:30 happens twice.
    let out = p.run(&[
        "appt",
        "add",
        "--client",
        "Ann Smith",
        "--start",
        "2027-10-03T01:30",
        "--minutes",
        "50",
        "--repeat",
        "weekly",
    ]);
    out.input_error(&["2027-11-07", "twice"]);
    assert_eq!(p.json(&["series", "list"]).as_array().unwrap().len(), 0, "nothing was made");
    for bad in [["--count", "1"], ["--until", "2027-02-30"]] {
        let mut args = vec!["appt", "add", "--client", "Ann Smith", "--start", "2027-01-05T10:00", "--minutes", "50"];
        args.extend(["--repeat", "weekly", bad[0], bad[1]]);
        p.run(&args).input_error(&[bad[1]]);
    }
    p.run(&["appt", "add", "--client", "Ann Smith", "--start", "2027-01-05T10:00", "--minutes", "50", "--count", "3"])
        .fails(2, &["--repeat"]);
}

#[test]
fn the_server_makes_the_next_sessions_as_time_passes_with_links_and_reminders() {
    let p = practice();
    let ann = p.client("Ann Smith");
    let made = weekly(&p, "Ann Smith", tomorrow(), &[]);
    let series = made["series_id"].as_i64().unwrap();
    // Five weeks on: five more sessions are due to exist.
    live_days_ahead(&p, 35);
    let server = p.serve();
    let until = Instant::now() + Duration::from_secs(20);
    // `audit` does not grow series itself, so what it shows is the server's work.
    while p.audit_count("series.extend") == 0 {
        assert!(Instant::now() < until, "the server made no sessions: {}", server.stderr());
        std::thread::sleep(Duration::from_millis(200));
    }
    let count = |sql: &str| -> i64 { db(&p).query_row(sql, [series], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM appointments WHERE series_id = ?1"), 17);
    let newest: i64 = count("SELECT max(id) FROM appointments WHERE series_id = ?1");
    let reminders: i64 = db(&p)
        .query_row(
            "SELECT count(*) FROM outbox o JOIN participants pa ON pa.id = o.participant_id
             WHERE pa.appointment_id = ?1 AND o.kind = 'reminder' AND o.state = 'pending'",
            [newest],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(reminders, 2, "24 and 1 hours before, as every session");

    let shown = p.json(&["appt", "show", &newest.to_string()]);
    assert_eq!(shown["participants"][0]["client_id"], ann);
    let page = server.get(&format!("/v/{}", token_of(&link(&shown))));
    assert_eq!(page.status, 200, "the new session's link opens its page");
    // Growing again, by the command line or the server, makes none twice.
    let all = p.json(&["appt", "list", "--client", "Ann Smith", "--from", "2000-01-01T00:00:00Z"]);
    assert_eq!(ids(&all).len(), 17);
    assert_eq!(p.audit_count("series.extend"), 1);
}

#[test]
fn one_session_changes_alone_or_with_the_following_ones() {
    let p = practice();
    p.client("Ann Smith");
    let first = tomorrow();
    let made = weekly(&p, "Ann Smith", first, &[]);
    let series = made["series_id"].as_i64().unwrap();
    let sessions = made["appointments"].as_array().unwrap().clone();
    let id = |i: usize| sessions[i]["id"].as_i64().unwrap().to_string();
    let start_of = |i: usize| p.json(&["appt", "show", &id(i)])["start"].as_str().unwrap().to_string();

    // Session 3 alone, an hour later: the others stay.
    let later = rfc(crate::support::time(&sessions[2]["start"]) + chrono::Duration::hours(1));
    p.json(&["appt", "move", &id(2), "--start", &later]);
    assert_eq!(start_of(2), later);
    assert_eq!(start_of(3), sessions[3]["start"].as_str().unwrap());

    // From session 5 on, a day later: 5 and after move, 1 to 4 stay, and
    // every link is the one it was.
    let next_day = rfc(crate::support::time(&sessions[4]["start"]) + chrono::Duration::days(1));
    p.json(&["appt", "move", &id(4), "--start", &next_day, "--following"]);
    assert_eq!(start_of(4), next_day);
    let sixth = crate::support::time(&sessions[5]["start"]) + chrono::Duration::days(1);
    assert_eq!(start_of(5), rfc(sixth));
    assert_eq!(start_of(3), sessions[3]["start"].as_str().unwrap());
    for (i, s) in sessions.iter().enumerate() {
        let now_link = link(&p.json(&["appt", "show", &id(i)]));
        assert_eq!(now_link, link(s), "session {i} keeps its link");
    }
    let all = p.json(&["series", "list"]);
    assert_eq!(all.as_array().unwrap().len(), 2, "the series was split: {all}");
    let old = all.as_array().unwrap().iter().find(|s| s["id"] == series).unwrap();
    assert!(old["rule"].as_str().unwrap().starts_with("FREQ=WEEKLY;UNTIL="), "{old}");

    // From session 8 on, cancelled: the series ends there.
    let out = p.run(&["appt", "cancel", &id(7), "--following"]).ok().stdout.clone();
    assert!(out.contains("cancelled"), "{out}");
    for (i, s) in sessions.iter().enumerate().skip(7) {
        assert_eq!(p.state(&link(s)), "cancelled", "session {i}");
    }
    assert_eq!(p.state(&link(&sessions[6])), "early");
    assert_eq!(p.audit_count("series.change"), 2);
    // A single appointment has no following.
    let one = p.appt(&[1], first + chrono::Duration::hours(3), 50);
    p.run(&["appt", "cancel", &one.id_str(), "--following"]).input_error(&["not part of a series"]);
}

#[test]
fn cancelling_a_series_cancels_every_session_ahead_and_makes_no_more() {
    let p = practice();
    p.client("Ann Smith");
    let made = weekly(&p, "Ann Smith", tomorrow(), &[]);
    let series = made["series_id"].as_i64().unwrap().to_string();
    let out = p.run(&["series", "cancel", &series]).ok().stdout.clone();
    assert!(out.contains("12 future session(s) cancelled"), "{out}");
    for a in made["appointments"].as_array().unwrap() {
        assert_eq!(p.state(&link(a)), "cancelled");
    }
    assert_eq!(p.json(&["series", "show", &series])["status"], "ended");
    p.run(&["series", "cancel", "99"]).input_error(&["no series with id 99"]);
    // Months later, nothing new.
    live_days_ahead(&p, 120);
    let all = p.json(&["appt", "list", "--client", "Ann Smith", "--from", "2000-01-01T00:00:00Z"]);
    assert_eq!(ids(&all).len(), 12);
}

#[test]
fn the_admin_page_books_changes_and_cancels_a_series() {
    let (p, server) = crate::clinician::with_password(&[]);
    p.client("Ann Smith");
    let mut clinician = crate::clinician::Clinician::sign_in(&server);
    let day = (now() + chrono::Duration::days(2)).date_naive();
    let book = |c: &mut crate::clinician::Clinician<'_>, extra: &str| {
        c.post("/admin/appointments", &format!("client=1&date={day}&time=10:00&minutes=50&{extra}"))
    };
    for (bad, says) in [
        ("repeat=weekly&count=1", "from 2 to 520"),
        ("repeat=weekly&count=3&until=2030-01-01", "not both"),
        ("repeat=daily", "how often"),
        ("repeat=weekly&until=2000-01-01", "on or after the first session"),
    ] {
        let r = book(&mut clinician, bad);
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.body.contains(says), "{bad}: {}", r.body);
    }
    assert_eq!(p.json(&["series", "list"]).as_array().unwrap().len(), 0);

    let r = book(&mut clinician, "repeat=weekly&count=4");
    assert_eq!(r.status, 303);
    let first = r.header("location").expect("location").to_string();
    assert!(first.ends_with("?done=series-created"), "{first}");
    let page = clinician.browser.get(&first);
    assert!(page.body.contains("Part of a series: every week, 4 sessions."), "{}", page.body);
    assert!(page.body.contains("href=\"/admin/series/1\""));
    let mine = p.json(&["appt", "list", "--client", "1"]);
    let sessions = ids(&mine);
    assert_eq!(sessions.len(), 4);
    let series_page = clinician.browser.get("/admin/series/1");
    assert_eq!(series_page.status, 200);
    for id in &sessions {
        assert!(series_page.body.contains(&format!("href=\"/admin/appointments/{id}\"")));
    }

    // From the 2nd session on, an hour later.
    let second = crate::support::time(&mine[1]["start"]);
    let form = format!("date={}&time=11:00&minutes=50&following=1", second.date_naive());
    assert_eq!(clinician.post(&format!("/admin/appointments/{}/move", sessions[1]), &form).status, 303);
    let starts: Vec<DateTime<Utc>> = ids(&p.json(&["appt", "list", "--client", "1"]))
        .iter()
        .map(|id| crate::support::time(&p.json(&["appt", "show", &id.to_string()])["start"]))
        .collect();
    assert_eq!(starts[0], crate::support::time(&mine[0]["start"]), "the first stays");
    for (i, s) in starts.iter().enumerate().skip(1) {
        assert_eq!(*s, crate::support::time(&mine[i]["start"]) + chrono::Duration::hours(1), "session {i}");
    }
    let split = p.json(&["appt", "show", &sessions[1].to_string()])["series_id"].as_i64().unwrap();
    assert_ne!(split, 1);

    // The last one, with the following (none): only it.
    let cancel = clinician.browser.get(&format!("/admin/appointments/{}/cancel", sessions[3]));
    assert!(cancel.body.contains("This and every later session"), "{}", cancel.body);
    let r = clinician.post(&format!("/admin/appointments/{}/cancel", sessions[3]), "scope=following");
    assert_eq!(r.status, 303);
    assert_eq!(p.json(&["appt", "show", &sessions[3].to_string()])["status"], "cancelled");
    assert_eq!(p.json(&["appt", "show", &sessions[2].to_string()])["status"], "scheduled");

    // The whole new series, after a confirmation.
    let confirm = clinician.browser.get(&format!("/admin/series/{split}/cancel"));
    assert!(confirm.body.contains("Cancel the whole series?") && confirm.body.contains("The 2 sessions ahead"));
    assert_eq!(clinician.post(&format!("/admin/series/{split}/cancel"), "").status, 303);
    for id in &sessions[1..3] {
        assert_eq!(p.json(&["appt", "show", &id.to_string()])["status"], "cancelled");
    }
    assert_eq!(p.json(&["appt", "show", &sessions[0].to_string()])["status"], "scheduled", "another series");
    assert_eq!(clinician.browser.get("/admin/series/99").status, 404);
}

/// The month of issue "a therapist's real week" on the command line: five
/// clients new to the practice (one couple), each weekly, then one move,
/// one cancel and one "this and following" change, in under ten commands.
#[test]
fn a_month_for_five_clients_takes_seven_commands() {
    let p = practice();
    let commands = std::cell::Cell::new(0);
    let run = |args: &[String]| {
        commands.set(commands.get() + 1);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = p.run(&args);
        out.ok();
        out
    };
    let day = |d: i64, hm: &str| format!("{}T{hm}", (now() + chrono::Duration::days(d)).format("%Y-%m-%d"));
    let book = |names: &[&str], when: String| -> Value {
        let mut args: Vec<String> =
            ["appt", "add", "--minutes", "50", "--repeat", "weekly", "--json"].map(String::from).to_vec();
        for n in names {
            args.extend(["--new-client".to_string(), n.to_string()]);
        }
        args.extend(["--start".to_string(), when]);
        run(&args).json()
    };
    let ann = book(&["Ann Ash"], day(1, "09:00"));
    let ben = book(&["Ben Birch"], day(1, "10:00"));
    let cy = book(&["Cy Cedar"], day(2, "09:00"));
    let couple = book(&["Dee Elm", "Eli Elm"], day(2, "11:00"));
    let id = |made: &Value, i: usize| made["appointments"][i]["id"].as_i64().unwrap().to_string();
    let cmd = |words: &[&str]| run(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>());
    cmd(&["appt", "move", &id(&ann, 1), "--start", &day(9, "09:30")]);
    cmd(&["appt", "cancel", &id(&ben, 2)]);
    cmd(&["appt", "move", &id(&cy, 1), "--start", &day(10, "14:00"), "--following"]);
    assert!(commands.get() < 10, "{} commands", commands.get());
    assert_eq!(commands.get(), 7);

    // What the month looks like now.
    let clients = p.json(&["client", "list"]);
    assert_eq!(clients.as_array().unwrap().len(), 5);
    assert_eq!(couple["appointments"][0]["participants"].as_array().unwrap().len(), 2);
    let month = p.json(&["appt", "list", "--to", &rfc(now() + chrono::Duration::days(27))]);
    let live: Vec<&Value> = month.as_array().unwrap().iter().filter(|a| a["status"] == "scheduled").collect();
    assert_eq!(live.len(), 15, "4 weeks of 4 sessions, one cancelled: {month}");
    let start = |i: usize| crate::support::time(&p.json(&["appt", "show", &id(&cy, i)])["start"]);
    assert_eq!(start(2) - start(1), chrono::Duration::days(7), "the rest follow the moved session");
    assert_ne!(start(0) + chrono::Duration::days(7), start(1), "and the first stays");
    assert_eq!(p.json(&["series", "list"]).as_array().unwrap().len(), 5, "Cy's series was split");
}

#[test]
fn the_booking_form_adds_new_clients_as_it_books_and_only_then() {
    let (p, server) = crate::clinician::with_password(&[]);
    p.client("Ann Smith");
    let mut clinician = crate::clinician::Clinician::sign_in(&server);
    let day = (now() + chrono::Duration::days(2)).date_naive();
    let book = |c: &mut crate::clinician::Clinician<'_>, form: &str| {
        c.post("/admin/appointments", &format!("date={day}&time=10:00&minutes=50&{form}"))
    };
    // A name that is a client already, in another spelling: refused, nothing made.
    let r = book(&mut clinician, "new_clients=ann++SMITH");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("exists already (Ann Smith (id 1, same name))"), "{}", r.body);
    // Nobody at all.
    assert!(book(&mut clinician, "new_clients=%0A").body.contains("type a new client"));
    // A new couple, with a known client too.
    let r = book(&mut clinician, "client=1&new_clients=Dee+Elm%0D%0AEli+Elm&repeat=weekly&count=2");
    assert_eq!(r.status, 303);
    let names: Vec<String> =
        p.json(&["client", "list"]).as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().into()).collect();
    assert_eq!(names, ["Ann Smith", "Dee Elm", "Eli Elm"]);
    let first = p.json(&["appt", "list", "--client", "Eli Elm"]);
    assert_eq!(first.as_array().unwrap().len(), 2);
    assert_eq!(first[0]["participants"].as_array().unwrap().len(), 3);
    // Its page offers the next hour that day, weekly, and its week.
    let page = clinician.browser.get(r.header("location").unwrap()).body;
    let next = format!("/admin/appointments/new?start={day}T11:00&amp;minutes=50&amp;repeat=weekly");
    assert!(page.contains(&next), "{page}");
    assert!(page.contains(&format!("/admin/week?date={day}")), "{page}");
    let form = clinician.browser.get(&next.replace("&amp;", "&")).body;
    assert!(form.contains("value=\"11:00\"") && form.contains("<option value=\"weekly\" selected>"), "{form}");
}

#[test]
fn people_and_links_change_on_one_session_of_a_series_only() {
    let p = practice();
    p.client("Ann Smith");
    p.client("Ben Smith");
    let made = weekly(&p, "Ann Smith", tomorrow(), &[]);
    let sessions = made["appointments"].as_array().unwrap().clone();
    let id = |i: usize| sessions[i]["id"].as_i64().unwrap().to_string();
    let people = |i: usize| -> Vec<String> {
        let shown = p.json(&["appt", "show", &id(i)]);
        shown["participants"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect()
    };
    p.json(&["appt", "add-client", &id(1), "--client", "Ben Smith"]);
    p.run(&["appt", "remove-client", &id(1), "--client", "Ann Smith"]).ok();
    assert_eq!(people(1), ["Ben Smith"]);
    assert_eq!(people(0), ["Ann Smith"]);
    assert_eq!(people(2), ["Ann Smith"]);
    let rotated = p.json(&["link", "rotate", "--appt", &id(2), "--client", "Ann Smith"]);
    assert_ne!(rotated["link"].as_str().unwrap(), link(&sessions[2]));
    for i in [0, 3] {
        assert_eq!(link(&p.json(&["appt", "show", &id(i)])), link(&sessions[i]), "session {i} keeps its link");
    }
    // Later sessions are made for the series' own clients, as before.
    live_days_ahead(&p, 14);
    let later = p.json(&["appt", "list", "--client", "Ben Smith", "--from", "2000-01-01T00:00:00Z"]);
    assert_eq!(ids(&later), [sessions[1]["id"].as_i64().unwrap()]);
}

#[test]
fn a_pasted_list_of_names_is_refused_at_once_and_adds_nobody() {
    let (p, server) = crate::clinician::with_password(&[]);
    p.set("series_horizon_weeks", "104");
    let mut clinician = crate::clinician::Clinician::sign_in(&server);
    let day = (now() + chrono::Duration::days(2)).date_naive();
    let names: Vec<String> = (0..1000).map(|i| format!("N{i}")).collect();
    let form = format!("date={day}&time=10:00&minutes=50&repeat=weekly&new_clients={}", names.join("%0A"));
    let started = Instant::now();
    let r = clinician.post("/admin/appointments", &form);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("1000 new clients: at most 12"), "{}", r.body);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(p.json(&["client", "list"]).as_array().unwrap().len(), 0);
    // Twelve, a large family or group, is the most one session takes.
    let twelve: Vec<String> = (0..12).map(|i| format!("--new-client=M{i}")).collect();
    let mut args = vec!["appt", "add", "--start", "2027-01-05T10:00", "--minutes", "50", "--repeat", "weekly"];
    args.extend(twelve.iter().map(String::as_str));
    p.json(&args);
    let mut thirteen = args.clone();
    thirteen.push("--new-client=M12");
    p.run(&thirteen).input_error(&["at most 12"]);
}
