//! The week view, a client's sessions and the booking form they lead to,
//! over HTTP as the clinician's browser sees them.

use crate::clinician::{Clinician, with_password};
use crate::support::{Practice, now};

/// The HTML with the entities minijinja writes decoded, tags kept.
fn decoded(html: &str) -> String {
    [("&#x2f;", "/"), ("&#x27;", "'"), ("&quot;", "\""), ("&amp;", "&")]
        .iter()
        .fold(html.to_string(), |text, (entity, c)| text.replace(entity, c))
}

/// The part of `html` from `start` to the next `end` after it.
#[track_caller]
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let at = html.find(start).unwrap_or_else(|| panic!("no {start:?} in {html}"));
    let rest = &html[at..];
    &rest[..rest[start.len()..].find(end).map_or(rest.len(), |e| e + start.len())]
}

/// One day's section of the week page.
fn day<'a>(html: &'a str, date: &str) -> &'a str {
    between(html, &format!("aria-labelledby=\"d-{date}\""), "</section>")
}

/// A New York practice with a week that holds the autumn DST change
/// (Sunday 1 November 2026): Ann weekly at 10:00 local on both sides of
/// it, a two-hour session across the change, a cancelled one, and one
/// on each side of the week.
fn dst_week(p: &Practice) -> (i64, Vec<i64>) {
    p.set("timezone", "America/New_York");
    let ann = p.client("Ann Example");
    let ben = p.client("Ben Example");
    let at = |clients: &[i64], start: &str, minutes| p.appt_at(clients, start, minutes).id();
    let ids = vec![
        at(&[ann], "2026-10-26T10:00", 50),                // 0: Monday, EDT
        at(&[ann, ben], "2026-11-01T00:30:00-04:00", 120), // 1: Sunday, across the change
        at(&[ann], "2026-11-01T10:00", 50),                // 2: Sunday, EST
        at(&[ben], "2026-10-28T15:00", 50),                // 3: Wednesday, cancelled below
        at(&[ben], "2026-10-25T23:30", 50),                // 4: the Sunday before
        at(&[ben], "2026-11-02T00:00", 50),                // 5: the Monday after
    ];
    p.run(&["appt", "cancel", &ids[3].to_string()]).ok();
    (ann, ids)
}

#[test]
fn a_dst_week_shows_local_times_people_states_and_the_way_to_each_card() {
    let (p, server) = with_password(&[]);
    let (_, ids) = dst_week(&p);
    let mut c = Clinician::sign_in(&server);
    let r = c.browser.get("/admin/week?date=2026-10-29");
    assert_eq!(r.status, 200, "{}", r.body);
    let html = decoded(&r.body);
    assert!(r.text().contains("Week of 26 October – 1 November 2026"), "{}", r.text());
    // Seven days, Monday first, each labelled with its weekday and date.
    let labels: Vec<&str> = html.match_indices("<h2 id=\"d-").map(|(i, _)| &html[i + 10..i + 20]).collect();
    assert_eq!(
        labels,
        ["2026-10-26", "2026-10-27", "2026-10-28", "2026-10-29", "2026-10-30", "2026-10-31", "2026-11-01"]
    );
    let monday = day(&html, "2026-10-26");
    assert!(monday.contains("Monday 26 October") && monday.contains("10:00 AM – 10:50 AM EDT"), "{monday}");
    assert!(monday.contains(&format!("href=\"/admin/appointments/{}\"", ids[0])), "{monday}");
    assert!(monday.contains("Ann Example") && monday.contains("badge expired"), "{monday}");
    // After the change the same wall time is EST; across it, both zones.
    let sunday = day(&html, "2026-11-01");
    assert!(sunday.contains("10:00 AM – 10:50 AM EST"), "{sunday}");
    let across = between(sunday, &format!("id=\"appt-{}\"", ids[1]), "</li>\n    </ul>");
    assert!(across.contains("12:30 AM EDT – 1:30 AM EST"), "two hours from 00:30 EDT end at 01:30 EST: {across}");
    assert!(across.contains("Ann Example") && across.contains("Ben Example"), "{across}");
    assert!(
        sunday.find(&format!("appt-{}", ids[1])) < sunday.find(&format!("appt-{}", ids[2])),
        "earliest first: {sunday}"
    );
    // Cancelled in words, not by colour alone.
    let wednesday = day(&html, "2026-10-28");
    let cancelled = between(wednesday, &format!("id=\"appt-{}\"", ids[3]), "</ul>");
    assert!(cancelled.contains(">Cancelled<") && cancelled.contains(", cancelled"), "{cancelled}");
    assert!(day(&html, "2026-10-30").contains("No sessions."));
    // The sessions either side belong to other weeks.
    for other in [ids[4], ids[5]] {
        assert!(!html.contains(&format!("appt-{other}\"")), "appointment {other} is not in this week");
    }
    assert!(
        html.contains("href=\"/admin/week?date=2026-10-19\"") && html.contains("href=\"/admin/week?date=2026-11-02\"")
    );
    let next = decoded(&c.browser.get("/admin/week?date=2026-11-02").body);
    assert!(day(&next, "2026-11-02").contains(&format!("appt-{}\"", ids[5])));
    assert!(day(&next, "2026-11-02").contains("12:00 AM – 12:50 AM EST"), "midnight Monday is in its week");
}

#[test]
fn a_bad_date_is_a_400_that_says_why_and_still_shows_a_week() {
    let (_p, server) = with_password(&[]);
    assert_eq!(server.get("/admin/week").location(), "/admin/login", "behind the sign-in");
    let mut c = Clinician::sign_in(&server);
    let this_week = c.browser.get("/admin/week");
    assert_eq!(this_week.status, 200);
    assert!(this_week.body.contains("class=\"badge today\""), "today is marked");
    assert!(this_week.body.contains("href=\"/admin/week\" aria-current=\"page\""), "in the navigation");
    for bad in ["2026-02-30", "next%20tuesday", "1999-12-31", "%00", "99999-01-01", "2026-11-02%27%3E%3Cb%3E"] {
        let r = c.browser.get(&format!("/admin/week?date={bad}"));
        assert_eq!(r.status, 400, "{bad}");
        let text = r.text();
        assert!(text.contains("This week is shown instead") && text.contains("Week of"), "{bad}: {text}");
        assert!(!r.body.contains("<b>"), "the value is escaped");
    }
    server.assert_healthy();
}

#[test]
fn a_client_page_lists_sessions_and_books_the_same_time_next_week() {
    let (p, server) = with_password(&[]);
    let (ann, ids) = dst_week(&p);
    let mut c = Clinician::sign_in(&server);
    let page = decoded(&c.browser.get(&format!("/admin/clients/{ann}")).body);
    for id in [ids[0], ids[1], ids[2]] {
        assert!(page.contains(&format!("href=\"/admin/appointments/{id}\"")), "{id}: {page}");
    }
    assert!(!page.contains(&format!("/admin/appointments/{}\"", ids[3])), "Ben's sessions are not Ann's");
    // Past sessions newest first.
    let past = between(&page, "id=\"past-h\"", "</section>");
    assert!(past.find(&format!("/{}\"", ids[2])) < past.find(&format!("/{}\"", ids[0])), "{past}");
    assert!(past.contains("With <span class=\"name\">Ben Example</span>"), "the couple's session names Ben: {past}");
    // The latest session was Sunday 1 November, 10:00 EST: a week later, same wall time.
    let again = "/admin/appointments/new?client=".to_string() + &ann.to_string() + "&start=2026-11-08T10:00&minutes=50";
    assert!(page.contains(&format!("href=\"{again}\"")), "{page}");
    let form = decoded(&c.browser.get(&again).body);
    assert!(form.contains(&format!("value=\"{ann}\" checked")), "{form}");
    for (field, value) in [("date", "2026-11-08"), ("time", "10:00"), ("minutes", "50")] {
        assert!(form.contains(&format!("id=\"f-{field}\" name=\"{field}\" type=")), "{field}");
        let tag = between(&form, &format!("id=\"f-{field}\""), ">");
        assert!(tag.contains(&format!("value=\"{value}\"")), "{field}: {tag}");
    }
    // A couple's latest session books both of them.
    let ben = p.client("Cy Example");
    let couple = p.appt_at(&[ben, ann], "2026-12-01T18:00", 80).id();
    let page = decoded(&c.browser.get(&format!("/admin/clients/{ann}")).body);
    assert!(page.contains(&format!("client={ben}&client={ann}&start=2026-12-08T18:00&minutes=80")), "{page}");
    assert!(page.contains(&format!("/admin/appointments/{couple}\"")));
}

#[test]
fn the_booking_form_ignores_bad_prefills_and_remembers_the_usual_length() {
    let (p, server) = with_password(&[]);
    let ann = p.client("Ann Example");
    let mut c = Clinician::sign_in(&server);
    let value = |html: &str, field: &str| {
        let tag = between(html, &format!("id=\"f-{field}\""), ">").to_string();
        tag.split("value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap_or_default().to_string()
    };
    let bad = c.browser.get("/admin/appointments/new?client=abc&client=99&start=2026-02-30T10:00&minutes=9999");
    assert_eq!(bad.status, 200);
    let html = decoded(&bad.body);
    assert_eq!(
        (value(&html, "date"), value(&html, "time"), value(&html, "minutes")),
        (String::new(), String::new(), "50".into())
    );
    assert!(!html.contains(" checked"), "no client ticked: {html}");
    // The type-ahead's field is there for the script, hidden without it.
    assert!(html.contains("<div class=\"field client-filter\" hidden>") && html.contains("/assets/choose.js"));
    assert_eq!(server.get("/assets/choose.js").status, 200);

    // Booking with "Remember this length" makes it the usual.
    let day = now() + chrono::Duration::days(2);
    let (date, time) = (day.format("%Y-%m-%d"), day.format("%H:%M"));
    let made = c.post("/admin/appointments", &format!("client={ann}&date={date}&time={time}&minutes=45&remember=on"));
    assert_eq!(made.status, 303, "{}", made.body);
    let shown = p.json(&["settings", "show"]);
    let usual = shown.as_array().unwrap().iter().find(|s| s["key"] == "session_minutes").expect("listed");
    assert_eq!(usual["value"], "45");
    assert_eq!(value(&decoded(&c.browser.get("/admin/appointments/new").body), "minutes"), "45");
    assert!(p.audit().iter().any(|e| e["event"] == "settings.set" && e["detail"] == "session_minutes = 45"));
    // Without the tick, the usual stays.
    let later = day + chrono::Duration::days(1);
    let (date, time) = (later.format("%Y-%m-%d"), later.format("%H:%M"));
    assert_eq!(c.post("/admin/appointments", &format!("client={ann}&date={date}&time={time}&minutes=30")).status, 303);
    assert_eq!(p.json(&["appt", "list"]).as_array().map(Vec::len), Some(2));
    assert_eq!(value(&decoded(&c.browser.get("/admin/appointments/new").body), "minutes"), "45");
}
