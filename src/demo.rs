//! The demo practice of `serve --demo`: clients and appointments around
//! the current time, so that a link in every state exists at once.

use std::fmt::Write;

use chrono::{DateTime, Duration, Utc};

use crate::app::App;
use crate::error::Result;
use crate::token;

/// One line of what the demo prints.
pub struct DemoLink {
    pub label: String,
    pub who: String,
    pub url: String,
    pub code: Option<String>,
}

/// What `serve --demo` prints after seeding.
pub struct Demo {
    pub links: Vec<DemoLink>,
    pub admin_password: String,
}

impl Demo {
    pub fn describe(&self, base: &str) -> String {
        let mut out = String::from("demo practice ready; open these links in a browser:\n");
        for l in &self.links {
            let code = l.code.as_deref().map(|c| format!("  code {c}")).unwrap_or_default();
            let _ = writeln!(out, "  {:<10} {:<28} {}{}", l.label, l.who, l.url, code);
        }
        let _ = writeln!(out, "  {:<10} {:<28} {base}/join", "code", "type any code above");
        let _ = write!(out, "demo admin password: {}", self.admin_password);
        out
    }
}

/// Seed an empty data directory (or refresh one that holds only an earlier
/// demo) with the demo practice.
pub fn seed(app: &mut App, now: DateTime<Utc>) -> Result<Demo> {
    app.begin_demo()?;
    // The built-in room: the demo needs no video service and works offline.
    for (key, value) in
        [("practice_name", "Porchlight Demo Practice"), ("timezone", "America/New_York"), ("video_provider", "builtin")]
    {
        app.set_setting(key, value, now)?;
    }

    // Whole minutes read better on the demo pages than 4:13:27.
    let now = now - Duration::seconds(now.timestamp() % 60);
    let minute = Duration::minutes(1);
    let add = |app: &mut App, name: &str| app.add_client(name, None, None, now).map(|c| c.id);
    // A phone number (a fictional 555-01xx one): Alex's session began five
    // minutes ago, so the dashboard shows "Not here yet" with a number to call.
    let alex = app.add_client("Alex Rivera", None, Some("+1 212 555 0143"), now)?.id;
    let sam = add(app, "Sam Taylor")?;
    let jordan = add(app, "Jordan Taylor")?;
    let riley = add(app, "Riley Chen")?;
    let morgan = add(app, "Morgan Lee")?;
    let casey = add(app, "Casey Park")?;
    let drew = add(app, "Drew Kim")?;
    let jamie = add(app, "Jamie Fox")?;

    let mut links = vec![];
    let mut push = |label: &str, who: &str, url: String, code: Option<String>| {
        links.push(DemoLink { label: label.into(), who: who.into(), url, code });
    };

    let open = app.add_appointment(&[alex], now - minute * 5, 50, now)?;
    let couple = app.add_appointment(&[sam, jordan], now + minute * 5, 50, now)?;
    // What the couple's waiting page shows, as a clinician running late would.
    app.set_late_note(couple.id, crate::app::late::PRESETS[0], now, None)?;
    let early = app.add_appointment(&[riley], now + minute * 180, 50, now)?;
    // Opens about a minute after start-up: watch its page turn itself open.
    let soon = app.add_appointment(&[drew], now + minute * 12, 50, now)?;
    // Made as if booked last week, so the session is long over.
    let expired = app.add_appointment(&[morgan], now - Duration::days(1), 50, now - Duration::days(7))?;
    let cancelled = app.add_appointment(&[casey], now + Duration::days(1), 50, now)?;
    app.cancel_appointment(cancelled.id, now)?;
    let rotated = app.add_appointment(&[alex], now + Duration::days(7), 50, now)?;
    let old = rotated.participants[0].clone();
    app.rotate_link(rotated.id, alex, now)?;
    // A weekly client, as most are: tomorrow at 10:00 and every week after,
    // a time no daylight-saving change touches.
    let zone = app.settings()?.timezone;
    let tomorrow = (now.with_timezone(&zone) + Duration::days(1)).date_naive();
    let ten = tomorrow.and_hms_opt(10, 0, 0).and_then(|t| t.and_local_timezone(zone).earliest());
    let ten = ten.ok_or_else(|| crate::error::Error::internal("10:00 tomorrow has no time"))?.with_timezone(&Utc);
    let weekly = crate::recurrence::Rule { freq: crate::recurrence::Freq::Weekly, end: crate::recurrence::End::Open };
    app.create_series(&[jamie], ten, 50, weekly, crate::app::schedule::Force::No, now)?;

    for (label, view, suffix) in [
        ("open", &open, ""),
        ("open", &couple, " (couple)"),
        ("early", &early, ""),
        ("early", &soon, " (opens in ~2 min)"),
        ("expired", &expired, ""),
        ("cancelled", &cancelled, ""),
    ] {
        for p in &view.participants {
            push(label, &format!("{}{suffix}", p.name), p.link.clone(), Some(p.code.clone()));
        }
    }
    push("revoked", &format!("{} (old link)", old.name), old.link, Some(old.code));
    let base = app.base_url()?;
    // A token of the right form from a seed no link has.
    let fake = app.keys().token(token::Kind::Participant, &token::new_seed());
    push("unknown", "(no such link)", format!("{base}/v/{fake}"), None);
    if let Some(url) = app.portal_url(alex)? {
        push("portal", "Alex Rivera", url, None);
    }

    let mut pw = [0u8; 12];
    token::random_bytes(&mut pw);
    let admin_password: String = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(&pw);
    app.set_admin_password(&crate::password::hash(&admin_password)?, now)?;
    Ok(Demo { links, admin_password })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A demo's fresh start empties every table of the practice, whatever
    /// tables later versions add: a table it forgot kept rows that pointed
    /// at the clients it deleted, and `serve --demo` failed the second time.
    #[test]
    fn a_demo_starts_again_from_empty_tables_but_the_kept_ones() {
        let dir = tempfile::tempdir().unwrap();
        let now: DateTime<Utc> = "2026-12-01T15:00:00Z".parse().unwrap();
        let mut app = App::open(dir.path()).unwrap();
        seed(&mut app, now).unwrap();
        app.begin_demo().unwrap();
        let db = rusqlite::Connection::open(dir.path().join("porchlight.db")).unwrap();
        let mut tables: Vec<String> = db
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|t| t.unwrap())
            .collect();
        tables.retain(|t| !crate::store::KEPT_BY_WIPE.contains(&t.as_str()));
        assert!(tables.len() >= 9, "{tables:?}");
        for table in &tables {
            let rows: i64 = db.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap();
            assert_eq!(rows, 0, "{table} kept {rows} row(s)");
        }
        // And it seeds again.
        seed(&mut app, now).unwrap();
    }
}
