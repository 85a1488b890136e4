//! Human-readable output of the command line, and the `--json` switch.

use serde::Serialize;

use crate::app::series::{SeriesMade, SeriesView};
use crate::app::{ApptView, CheckView, ClientView, ParticipantView};
use crate::error::Result;
use crate::settings::Shown;
use crate::store::AuditEntry;
use crate::times;

/// Print `value` as one JSON document, or through `human`.
pub fn out<T: Serialize + ?Sized>(json: bool, value: &T, human: impl Fn(&T) -> String) -> Result<()> {
    let text = if json {
        serde_json::to_string_pretty(value).map_err(|e| crate::error::Error::internal(e.to_string()))?
    } else {
        human(value)
    };
    line(text.trim_end())
}

/// Print `text` and a newline on stdout. A reader that went away
/// (`porchlight appt list | head`) ends the output quietly: std's
/// `println!` would panic there.
pub fn line(text: &str) -> Result<()> {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Print `text` on stdout as it is (a CSV document brings its own CRLF
/// line ends); a reader that went away ends it quietly, as [`line`].
pub fn raw(text: &str) -> Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

pub fn settings(rows: &[Shown]) -> String {
    rows.iter()
        .map(|s| {
            let value = s.value.as_deref().unwrap_or("(not set)");
            let note = if s.default { "  (default)" } else { "" };
            format!("{:<22} {value}{note}\n", s.key)
        })
        .collect()
}

pub fn client(c: &ClientView) -> String {
    let mut out = format!("client {}: {}\n", c.id, c.name);
    if let Some(e) = &c.email {
        out += &format!("  email   {e}\n");
    }
    if let Some(p) = &c.phone {
        out += &format!("  phone   {p}\n");
    }
    out += &format!("  portal  {}\n", c.portal_url.as_deref().unwrap_or("(none)"));
    let whose = if c.own_language { "" } else { " (the practice's)" };
    out += &format!("  language {}{whose}\n", c.language);
    out
}

pub fn clients(list: &[ClientView]) -> String {
    if list.is_empty() {
        return "no clients yet; add one with: porchlight client add --name NAME".into();
    }
    list.iter()
        .map(|c| {
            let archived = if c.archived { " (archived)" } else { "" };
            format!("{:>4}  {}{archived}\n      portal {}\n", c.id, c.name, c.portal_url.as_deref().unwrap_or("(none)"))
        })
        .collect()
}

pub fn participant(p: &ParticipantView) -> String {
    format!("  {} (client {}) [{}]\n    link {}\n    code {}\n", p.name, p.client_id, p.state.as_str(), p.link, p.code)
}

pub fn appt(a: &ApptView) -> String {
    let mut out = format!("appointment {}: {}, {} minutes, {}\n", a.id, a.local_start, a.minutes, a.status);
    for p in &a.participants {
        out += &participant(p);
    }
    out
}

pub fn appts(list: &[ApptView]) -> String {
    if list.is_empty() {
        return "no appointments in that range".into();
    }
    list.iter().map(appt).collect::<Vec<_>>().join("\n")
}

pub fn series_made(m: &SeriesMade) -> String {
    let mut out = format!("series {}: {} session(s) made so far\n\n", m.series_id, m.appointments.len());
    out += &appts(&m.appointments);
    out
}

pub fn series(s: &SeriesView) -> String {
    let names: Vec<&str> = s.clients.iter().map(|c| c.name.as_str()).collect();
    let mut out = format!(
        "series {}: {}, {} minutes, from {} ({}), {}\n  rule: {}\n",
        s.id,
        names.join(" & "),
        s.minutes,
        s.local_start,
        s.repeats,
        s.status,
        s.rule
    );
    if s.next.is_empty() {
        out += "  no sessions ahead\n";
    }
    for a in &s.next {
        out += &format!("  next: appointment {}: {}\n", a.id, a.local_start);
    }
    out
}

pub fn series_list(list: &[SeriesView]) -> String {
    if list.is_empty() {
        return "no series yet: appt add ... --repeat weekly makes one".into();
    }
    list.iter().map(series).collect::<Vec<_>>().join("\n")
}

pub fn check(c: &CheckView) -> String {
    let mut out = format!("state       {}\n", c.state.as_str());
    let rows = [
        ("appointment", c.appointment_id.map(|v| v.to_string())),
        ("client", c.client_id.map(|v| v.to_string())),
        ("opens at", c.opens_at.clone()),
        ("starts at", c.starts_at.clone()),
        ("ends at", c.ends_at.clone()),
        ("expires at", c.expires_at.clone()),
    ];
    for (label, value) in rows {
        if let Some(v) = value {
            out += &format!("{label:<11} {v}\n");
        }
    }
    out
}

pub fn audit(list: &[AuditEntry]) -> String {
    if list.is_empty() {
        return "the audit trail is empty".into();
    }
    list.iter()
        .map(|e| {
            let mut line = format!("{}  {:<20}", times::rfc3339(times::from_unix(e.at)), e.event);
            if let Some(a) = e.appointment_id {
                line += &format!(" appt={a}");
            }
            if let Some(c) = e.client_id {
                line += &format!(" client={c}");
            }
            if let Some(addr) = &e.addr {
                line += &format!(" from={addr}");
            }
            if !e.detail.is_empty() {
                line += &format!(" {}", e.detail);
            }
            line + "\n"
        })
        .collect()
}

pub fn signin_link(link: &crate::auth::grant::SigninLink) -> String {
    format!(
        "sign-in link for one browser, valid 15 minutes (until {}):\n  {}\n\
         Open it in the browser you sign in with: it skips the waits caused by others' wrong passwords.\n\
         {}\
         The password is still needed. The link works once; keep it to yourself.\n",
        link.expires_at,
        link.url,
        elsewhere(link)
    )
}

/// Where else the sign-in link works: at the names of `allowed_hosts`,
/// or, said plainly, at any address of the admin pages.
fn elsewhere(link: &crate::auth::grant::SigninLink) -> String {
    if link.at_names.is_empty() {
        format!("If you open the admin pages at another address, open this path there:\n  {}\n", link.path)
    } else {
        let links: String = link.at_names.iter().map(|l| format!("  {l}\n")).collect();
        format!("Where you open the admin pages under another name of this machine:\n{links}")
    }
}
