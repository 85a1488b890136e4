//! Appointments as CSV (`appt list --csv`, `/admin/appointments.csv`),
//! read back by Python's csv module, an independent reader of RFC 4180.

use std::process::Command;

use serde_json::Value;

use crate::clinician::{Clinician, with_password};
use crate::support::python;

/// Python's reading of a CSV document: a list of rows of strings.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    let code = "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))";
    let out = Command::new(python()).args(["-c", code]).arg(file.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect())
        .collect()
}

#[test]
fn appointments_leave_as_csv_a_spreadsheet_reads_without_links() {
    let (p, server) = with_password(&[]);
    p.set("timezone", "Europe/London");
    p.set("series_horizon_weeks", "30");
    // The clocks go forward on 28 March 2027: 10:00 is GMT, then BST.
    p.run(&[
        "appt",
        "add",
        "--new-client",
        "=cmd|' /C calc'!A0",
        "--new-client",
        "Smith, Ann \"Annie\"",
        "--start",
        "2027-03-23T10:00",
        "--minutes",
        "50",
        "--repeat",
        "weekly",
        "--count",
        "2",
        "--force",
    ])
    .ok();
    let out = p.run(&["appt", "list", "--csv", "--from", "2027-03-01T00:00", "--to", "2027-04-30T00:00"]);
    out.ok();
    assert!(out.stdout.ends_with("\r\n") && out.stderr.is_empty(), "{:?} {:?}", out.stdout, out.stderr);
    let rows = read_csv(&out.stdout);
    assert_eq!(
        rows[0],
        ["id", "date", "start", "end", "abbrev", "zone", "start_utc", "minutes", "clients", "status", "series_id"]
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][1..8], ["2027-03-23", "10:00", "10:50", "GMT", "Europe/London", "2027-03-23T10:00:00Z", "50"]);
    assert_eq!(rows[2][1..7], ["2027-03-30", "10:00", "10:50", "BST", "Europe/London", "2027-03-30T09:00:00Z"]);
    assert_eq!(rows[1][8], "'=cmd|' /C calc'!A0; Smith, Ann \"Annie\"", "a formula is defused");
    assert_eq!((rows[1][9].as_str(), rows[1][10].as_str()), ("scheduled", "1"));
    assert!(!out.stdout.contains("/v/"));

    let mut clinician = Clinician::sign_in(&server);
    let r = clinician.browser.get("/admin/appointments.csv?from=2027-03-29&to=2027-04-04");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(r.header("content-disposition").unwrap().contains("porchlight-appointments-2027-03-29-to-2027-04-04.csv"));
    let week = read_csv(&r.body);
    assert_eq!(week.len(), 2, "only the week asked for: {week:?}");
    assert_eq!(week[1][1], "2027-03-30");
    for bad in ["from=2027-13-01", "from=2027-04-04&to=2027-03-29", "to=1999-01-01", "from=2000-01-01&to=2099-12-31"] {
        let r = clinician.browser.get(&format!("/admin/appointments.csv?{bad}"));
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.body.contains("That didn&#x27;t work") || r.body.contains("That didn't work"), "{}", r.body);
        assert!(
            r.body.contains("Bad from date") || r.body.contains("Bad to date") || r.body.contains("Bad range"),
            "{bad}: {}",
            r.body
        );
    }
    // An admin address with nothing at it says so, in the admin's words.
    let r = clinician.browser.get("/admin/series/99");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("No series with id 99.") && !r.body.contains("copied the whole link"), "{}", r.body);
    let week_page = clinician.browser.get("/admin/week?date=2027-03-30").body;
    assert!(week_page.contains("/admin/appointments.csv?from=2027-03-29&amp;to=2027-04-04"), "{week_page}");
    // Not signed in: no file.
    let anon = server.get("/admin/appointments.csv");
    assert_ne!(anon.status, 200);
    assert!(!anon.body.contains("start_utc"));
}
