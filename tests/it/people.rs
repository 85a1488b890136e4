//! Who takes part: adding a client to one appointment and removing one,
//! archiving a client (their portal answers 410, their future sessions
//! are given up after a confirmation), and duplicate clients flagged when
//! added; on the command line and in the admin pages, against the real
//! server.

use crate::clinician::{Clinician, csrf_of, with_password};
use crate::support::{Practice, minutes, now, token_of};

/// Ann and Ben in a session three hours ahead; Cy a client of their own.
fn couple(p: &Practice) -> (i64, i64, i64, crate::support::Appt) {
    let (ann, ben, cy) = (p.client("Ann Archer"), p.client("Ben Baker"), p.client("Cy Cole"));
    let appt = p.appt(&[ann, ben], now() + minutes(180), 50);
    (ann, ben, cy, appt)
}

fn events(p: &Practice, prefix: &str) -> Vec<String> {
    p.audit().iter().filter_map(|e| e["event"].as_str()).filter(|e| e.starts_with(prefix)).map(String::from).collect()
}

#[test]
fn add_client_and_remove_client_change_one_appointment_only() {
    let p = Practice::new();
    let (ann, ben, cy, appt) = couple(&p);
    let other = p.appt(&[ann, ben], now() + minutes(24 * 60 * 7), 50);
    let id = appt.id_str();

    // By name, as every command that takes a client id.
    let added = p.json(&["appt", "add-client", &id, "--client", "Cy Cole"]);
    assert_eq!((added["client_id"].as_i64(), added["name"].as_str()), (Some(cy), Some("Cy Cole")));
    let link = added["link"].as_str().unwrap().to_string();
    assert!(link.contains("/v/") && added["code"].as_str().unwrap().len() == 9, "{added}");
    assert_eq!(p.state(&link), "early");
    let shown = p.json(&["appt", "show", &id]);
    assert_eq!(shown["participants"].as_array().unwrap().len(), 3);
    assert_eq!(shown["participants"][0]["link"].as_str(), Some(appt.link(0).as_str()), "Ann keeps her link");
    let week = p.json(&["appt", "show", &other.id_str()]);
    assert_eq!(week["participants"].as_array().unwrap().len(), 2, "the other appointment is untouched");

    p.run(&["appt", "add-client", &id, "--client", &cy.to_string()]).input_error(&["already in appointment"]);

    let out = p.run(&["appt", "remove-client", &id, "--client", &ben.to_string()]);
    assert!(out.ok().stdout.contains("removed from appointment"), "{}", out.stdout);
    assert_eq!(p.state(&appt.link(1)), "revoked");
    assert_eq!(p.state(&appt.link(0)), "early");
    assert_eq!(p.state(&other.link(1)), "early", "Ben's other session stands");

    // Ben back: a fresh link; the old one stays dead.
    let back = p.json(&["appt", "add-client", &id, "--client", "Ben Baker"]);
    assert_ne!(back["link"], appt.link(1).as_str());
    assert_eq!(p.state(back["link"].as_str().unwrap()), "early");
    assert_eq!(p.state(&appt.link(1)), "revoked");
    assert_eq!(events(&p, "participant."), ["participant.add", "participant.remove", "participant.add"]);
}

#[test]
fn the_last_participant_stays_and_archived_clients_cannot_be_added() {
    let p = Practice::new();
    let (ann, ben, cy, appt) = couple(&p);
    let id = appt.id_str();
    p.run(&["appt", "remove-client", &id, "--client", &ben.to_string()]).ok();
    p.run(&["appt", "remove-client", &id, "--client", &ann.to_string()])
        .input_error(&["only participant", &format!("appt cancel {id}")]);
    p.run(&["appt", "remove-client", &id, "--client", &cy.to_string()]).input_error(&["not in appointment"]);
    p.run(&["client", "archive", &cy.to_string()]).ok();
    p.run(&["appt", "add-client", &id, "--client", &cy.to_string()]).input_error(&["archived"]);
    p.run(&["appt", "add-client", "999", "--client", &cy.to_string()]).input_error(&["999"]);
    p.run(&["appt", "cancel", &id]).ok();
    p.run(&["appt", "add-client", &id, "--client", &ben.to_string()]).input_error(&["cancelled"]);
}

#[test]
fn client_archive_asks_for_force_then_cancels_alone_and_leaves_shared_sessions() {
    let p = Practice::new();
    let (ann, ben, _, shared) = couple(&p);
    let alone = p.appt(&[ann], now() + minutes(24 * 60), 50);
    let past = p.appt(&[ann], now() - minutes(24 * 60), 50);
    let before = p.audit().len();

    let refused = p.run(&["client", "archive", "Ann Archer"]);
    refused.input_error(&[&format!("appointment(s) {} would be cancelled", alone.id()), &shared.id_str(), "--force"]);
    assert_eq!(p.audit().len(), before, "a refusal changes nothing");
    assert_eq!(p.state(&alone.link(0)), "early");

    let done = p.json(&["client", "archive", &ann.to_string(), "--force"]);
    assert_eq!(done["cancelled"][0]["id"].as_i64(), Some(alone.id()));
    assert_eq!(done["left"][0]["id"].as_i64(), Some(shared.id()));
    assert_eq!(done["left"][0]["others"][0].as_str(), Some("Ben Baker"));
    assert_eq!(p.state(&alone.link(0)), "cancelled");
    assert_eq!(p.state(&shared.link(0)), "revoked");
    assert_eq!(p.state(&shared.link(1)), "early", "Ben's session goes on");
    assert_eq!(p.state(&past.link(0)), "expired", "the past stays as it was");
    let list = p.json(&["client", "list"]);
    assert!(list.as_array().unwrap().iter().any(|c| c["id"] == ann && c["archived"] == true));
    let trail = p.audit();
    let last: Vec<&str> = trail[before..].iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(last, ["appointment.cancel", "participant.remove", "client.archive"]);

    // No future sessions: archived at once; restore brings the portal back.
    let lone = p.client("Dee Dunn");
    let text = p.run(&["client", "archive", "Dee Dunn"]);
    assert!(text.ok().stdout.contains("archived"), "{}", text.stdout);
    let restored = p.json(&["client", "restore", &lone.to_string()]);
    assert_eq!(restored["archived"], false);
    let _ = ben;
}

#[test]
fn an_archived_clients_portal_and_a_removed_clients_link_answer_410() {
    let (p, server) = with_password(&[]);
    let (ann, ben, _, shared) = couple(&p);
    let portal = p.json(&["client", "list"]).as_array().unwrap().iter().find(|c| c["id"] == ann).unwrap()["portal_url"]
        .as_str()
        .unwrap()
        .to_string();
    let portal_path = format!("/p/{}", token_of(&portal));
    assert_eq!(server.get(&portal_path).status, 200);

    p.run(&["appt", "remove-client", &shared.id_str(), "--client", &ben.to_string()]).ok();
    let page = server.get(&format!("/v/{}", shared.token(1)));
    assert_eq!(page.status, 410);
    assert!(page.text().contains("no longer booked for this session"), "{}", page.text());
    assert!(!page.text().contains("newer link for this session"), "no newer link is on its way");
    let api = server.get(&format!("/api/v1/links/{}", shared.token(1)));
    assert_eq!((api.status, api.json()["state"].as_str()), (410, Some("revoked")));

    p.run(&["client", "archive", &ann.to_string(), "--force"]).ok();
    let gone = server.get(&portal_path);
    assert_eq!(gone.status, 410);
    assert!(gone.text().contains("no longer in use"), "{}", gone.text());
    assert!(!gone.text().contains("Ann"), "nothing about the client");
    assert_eq!(server.get(&format!("{portal_path}/calendar.ics")).status, 410);
    // The shared session was Ann's last: hers alone now, so it is cancelled.
    assert_eq!(server.get(&format!("/v/{}", shared.token(0))).status, 410);
}

#[test]
fn client_add_warns_of_a_likely_duplicate_and_adds_it_anyway() {
    let p = Practice::new();
    let first = p.json(&["client", "add", "--name", "Zoë  Ünal", "--email", "zoe@example.org"]);
    let old = p.client("Ann Archer");
    p.run(&["client", "archive", &old.to_string()]).ok();
    let out = p.run(&["client", "add", "--name", "ZOE\u{308} ÜNAL", "--json"]);
    let doc = out.json();
    assert!(doc["id"].as_i64().unwrap() > first["id"].as_i64().unwrap(), "still added");
    assert!(
        out.stderr.contains("warning") && out.stderr.contains(&format!("id {}, same name", first["id"])),
        "{}",
        out.stderr
    );
    let out = p.run(&["client", "add", "--name", "Z. Unal", "--email", "ZOE@EXAMPLE.ORG"]);
    assert!(out.ok().stderr.contains("same email"), "{}", out.stderr);
    let out = p.run(&["client", "add", "--name", "ann archer"]);
    assert!(out.ok().stderr.contains(&format!("id {old}, same name, archived")), "{}", out.stderr);
    let out = p.run(&["client", "add", "--name", "Someone Else"]);
    assert!(!out.ok().stderr.contains("like this"), "no warning without a match: {}", out.stderr);
}

#[test]
fn admin_adds_and_removes_a_participant_through_a_confirmation_page() {
    let (p, server) = with_password(&[]);
    let (_, ben, cy, appt) = couple(&p);
    let id = appt.id();
    let mut c = Clinician::sign_in(&server);
    let page = c.browser.get(&format!("/admin/appointments/{id}"));
    assert!(page.text().contains("Add a client"), "{}", page.text());
    assert!(page.body.contains(&format!("<option value=\"{cy}\">Cy Cole</option>")), "Cy can be added");
    assert!(!page.body.contains(&format!("<option value=\"{ben}\">")), "Ben is in it already");

    let r = c.post(&format!("/admin/appointments/{id}/participants"), &format!("client={cy}"));
    assert_eq!(r.status, 303, "{}", r.body);
    let shown = p.json(&["appt", "show", &id.to_string()]);
    assert_eq!(shown["participants"][2]["client_id"].as_i64(), Some(cy));

    let confirm = c.browser.get(&format!("/admin/appointments/{id}/remove?client={ben}"));
    assert_eq!(confirm.status, 200);
    assert_eq!(confirm.heading(), "Remove Ben Baker from this session?");
    assert!(confirm.text().contains("goes on with Ann Archer, Cy Cole"), "{}", confirm.text());
    assert_eq!(p.state(&appt.link(1)), "early", "a GET changes nothing");
    let r = c.post(&format!("/admin/appointments/{id}/remove"), &format!("client={ben}"));
    assert_eq!(r.status, 303);
    assert_eq!(p.state(&appt.link(1)), "revoked");
    let after = c.browser.get(r.location().split('#').next().unwrap());
    assert!(after.text().contains("Client removed from the session"), "{}", after.text());
    assert_eq!(csrf_of(&after), c.csrf);
}

#[test]
fn admin_archive_shows_what_it_cancels_and_asks_again_if_that_changed() {
    let (p, server) = with_password(&[]);
    let (ann, _, _, shared) = couple(&p);
    let alone = p.appt(&[ann], now() + minutes(24 * 60), 50);
    let mut c = Clinician::sign_in(&server);
    let list = c.browser.get("/admin/clients");
    assert!(list.body.contains(&format!("href=\"/admin/clients/{ann}/archive\"")), "Archive leads to the confirmation");

    let page = c.browser.get(&format!("/admin/clients/{ann}/archive"));
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(
        text.contains("These sessions will be cancelled") && text.contains("Shared sessions go on without them"),
        "{text}"
    );
    assert!(text.contains("with Ben Baker") && text.contains("are not cancelled"), "{text}");
    let value = page.body.split("name=\"confirm\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();

    // A session booked since the page was shown: asked again, nothing done.
    let late = p.appt(&[ann], now() + minutes(48 * 60), 50);
    let again = c.post(&format!("/admin/clients/{ann}/archive"), &format!("archived=1&confirm={value}"));
    assert_eq!(again.status, 200, "shown the confirmation again");
    assert_eq!(p.state(&alone.link(0)), "early");
    let value = again.body.split("name=\"confirm\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = c.post(&format!("/admin/clients/{ann}/archive"), &format!("archived=1&confirm={value}"));
    assert_eq!(r.status, 303);
    for link in [alone.link(0), late.link(0)] {
        assert_eq!(p.state(&link), "cancelled");
    }
    assert_eq!((p.state(&shared.link(0)).as_str(), p.state(&shared.link(1)).as_str()), ("revoked", "early"));
    let r = c.post(&format!("/admin/clients/{ann}/archive"), "archived=0");
    assert_eq!(r.status, 303);
    assert_eq!(p.state(&alone.link(0)), "cancelled", "restoring brings nothing back");
}

#[test]
fn admin_add_client_asks_before_adding_a_likely_duplicate() {
    let (p, server) = with_password(&[]);
    let ann = p.client("Ann Archer");
    let mut c = Clinician::sign_in(&server);
    let r = c.post("/admin/clients", "name=ANN++archer&email=");
    assert_eq!(r.status, 200, "the confirmation step");
    assert!(r.text().contains(&format!("Ann Archer (id {ann}, same name)")), "{}", r.text());
    assert!(r.text().contains("Add anyway"));
    assert_eq!(p.json(&["client", "list"]).as_array().unwrap().len(), 1, "nothing added yet");
    let r = c.post("/admin/clients", &format!("name=ANN++archer&email=&confirm={ann}"));
    assert_eq!(r.status, 303);
    assert_eq!(p.json(&["client", "list"]).as_array().unwrap().len(), 2);
    let r = c.post("/admin/clients", "name=Cy+Cole");
    assert_eq!(r.status, 303, "no match, no question");
}
