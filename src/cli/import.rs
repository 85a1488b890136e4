//! `import ics FILE_OR_URL` (SPEC, "Series and calendars").

use std::io::Read;

use chrono::{DateTime, Utc};

use super::ImportCmd;
use super::commands::parse_time;
use super::print;
use crate::app::App;
use crate::app::import::{ImportReport, Origin};
use crate::error::{Error, Result};
use crate::ical::MAX_ICS;

pub(super) fn run(app: &mut App, cmd: ImportCmd, now: DateTime<Utc>) -> Result<()> {
    let ImportCmd::Ics { source, dry_run, at, json } = cmd;
    let at = match at {
        Some(t) => parse_time(app, &t)?,
        None => now,
    };
    let text = read_source(&source)?;
    let report = app.import_calendar(&text, Origin::File, dry_run, at)?;
    print::out(json.json, &report, human)
}

/// The calendar text of a file, standard input (`-`) or an address.
fn read_source(source: &str) -> Result<String> {
    let lower = source.to_ascii_lowercase();
    if ["https://", "http://", "webcal://", "webcals://"].iter().any(|s| lower.starts_with(s)) {
        return crate::fetch::calendar(source);
    }
    let mut bytes = vec![];
    let limit = MAX_ICS as u64 + 1;
    let read = if source == "-" {
        std::io::stdin().take(limit).read_to_end(&mut bytes)
    } else {
        let file = std::fs::File::open(source).map_err(|e| Error::input(format!("cannot read {source}: {e}")))?;
        file.take(limit).read_to_end(&mut bytes)
    };
    read.map_err(|e| Error::input(format!("cannot read {source}: {e}")))?;
    if bytes.len() > MAX_ICS {
        return Err(Error::input(format!(
            "{source} is larger than {} MiB: not a calendar one import takes",
            MAX_ICS >> 20
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| Error::input(format!("{source} is not UTF-8 text, as iCalendar is (RFC 5545)")))
}

fn human(r: &ImportReport) -> String {
    let verbs = if r.dry_run { ["Would create", "update", "cancel"] } else { ["Created", "updated", "cancelled"] };
    let mut out = format!(
        "{} {}, {} {}, {} {}; {} unchanged, {} unmatched (sessions from {} to {}).\n",
        verbs[0],
        r.created,
        verbs[1],
        r.updated,
        verbs[2],
        r.cancelled,
        r.unchanged,
        r.unmatched.len(),
        r.from,
        r.to
    );
    for c in &r.changes {
        let id = c.appointment_id.map(|i| format!(" appointment {i}")).unwrap_or_default();
        let new =
            if c.new_clients.is_empty() { String::new() } else { format!(" (new: {})", c.new_clients.join(", ")) };
        out += &format!("  {:<6} {} {} min{id}  {}{new}\n", c.action, c.start, c.minutes, c.clients.join(", "));
    }
    if !r.unmatched.is_empty() {
        out += "Not imported:\n";
        for u in &r.unmatched {
            out += &format!("  {} {:?} ({}): {}\n", u.start, u.summary, u.uid, u.why);
        }
    }
    if r.dry_run {
        out += "Nothing was written (--dry-run).\n";
    }
    out
}
