//! What each command does: open the data directory, call [`App`], print.

use std::io::{Read, Write};

use chrono::{DateTime, Utc};

use super::appts::{appt, series, warn_untold};
use super::print;
use super::{AdminCmd, ApptCmd, AuditCmd, Cli, ClientCmd, Command, LinkCmd, PortalCmd, SettingsCmd};
use crate::app::App;
use crate::error::{Error, Result};
use crate::times;

pub fn run(cli: Cli) -> Result<()> {
    let data = cli.data.as_path();
    let command = match cli.command {
        Command::Serve {
            listen,
            public_listen,
            demo,
            workers,
            admin_from,
            trust_proxy,
            admin_idle_minutes,
            admin_idle_seconds,
            mail_poll_seconds,
            backup_dir,
            backup_keep,
        } => {
            let admin_from = if admin_from.is_empty() {
                crate::net::Cidr::lan()
            } else {
                admin_from.iter().map(|s| s.parse()).collect::<Result<Vec<_>>>()?
            };
            let trust_proxy = trust_proxy.iter().map(|s| s.parse()).collect::<Result<Vec<_>>>()?;
            let idle = admin_idle_seconds.map_or(i64::from(admin_idle_minutes) * 60, i64::from);
            let sessions = crate::auth::Policy { idle, ..Default::default() };
            let config = crate::server::Config {
                listen: parse_listen(&listen)?,
                public_listen: public_listen.as_deref().map(parse_listen).transpose()?,
                data: data.to_path_buf(),
                demo,
                workers: workers.into(),
                admin_from,
                sessions,
                trust_proxy,
                mail_poll: std::time::Duration::from_secs(mail_poll_seconds),
                backups: backup_dir.map(|dir| crate::state::backups::Plan { dir, keep: backup_keep.into() }),
            };
            return serve(config);
        }
        other => other,
    };
    // Every other command works on one connection, at one guarded "now".
    let mut app = App::open(data)?;
    let now = guarded_now(&app)?;
    // Open-ended series gain their sessions as time passes, whether or
    // not a server runs (SPEC, `series_horizon_weeks`).
    if matches!(command, Command::Appt(_) | Command::Series(_) | Command::Client(_) | Command::Link(_)) {
        app.extend_series(now)?;
    }
    match command {
        Command::Serve { .. } => unreachable!("served above"),
        Command::Settings(SettingsCmd::Show { json }) => {
            let stored = app.stored_settings()?;
            let shown = crate::settings::show(|k| stored.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()));
            print::out(json.json, shown.as_slice(), print::settings)
        }
        Command::Settings(SettingsCmd::Reset { key }) => reset_setting(&mut app, &key, now),
        Command::Settings(SettingsCmd::Set { key, value }) => {
            let value = if value == "-" { read_line("the value")? } else { value };
            if value.trim().is_empty() {
                return match crate::settings::default_of(&key)? {
                    None if !crate::settings::is_secret(&key)? => reset_setting(&mut app, &key, now),
                    _ => Err(Error::input(format!(
                        "empty value for {key}: to go back to the default, use settings reset {key}"
                    ))),
                };
            }
            let value = app.set_setting(&key, &value, now)?;
            if key == "timezone" {
                let zone = app.settings()?.timezone;
                let other = app.series_in_other_zones(zone)?;
                if other > 0 {
                    eprintln!(
                        "porchlight: warning: {other} repeating series keep the local time of the zone they were \
                         made in; to follow {value}, cancel them (series cancel ID) and book them again"
                    );
                }
            }
            if crate::settings::is_secret(&key)? {
                print::line(&format!("{key} set (write-only: settings show masks it)"))?;
            } else {
                print::line(&format!("{key} = {}", crate::settings::shown_value(&key, &value)))?;
            }
            Ok(())
        }
        Command::Admin(AdminCmd::Password { json }) => {
            let password = read_password()?;
            app.set_admin_password(&crate::password::hash(&password)?, now)?;
            // Whoever lost the password may be kept out by a guest's
            // guessing too: the new password comes with a way past it.
            let link = app.signin_link(now)?;
            print::out(json.json, &link, |link| {
                format!(
                    "admin password set; every admin session has ended
{}",
                    print::signin_link(link)
                )
            })
        }
        Command::Admin(AdminCmd::SigninLink { json }) => {
            let link = app.signin_link(now)?;
            print::out(json.json, &link, print::signin_link)
        }
        Command::Client(cmd) => client(&mut app, cmd, now).and_then(|()| warn_loopback(&mut app, data)),
        Command::Appt(ApptCmd::Cancel { id, following }) => appt(&mut app, ApptCmd::Cancel { id, following }, now),
        Command::Series(cmd) => series(&mut app, cmd, now),
        // A CSV carries no link: nothing to warn about.
        Command::Appt(cmd @ ApptCmd::List { csv: true, .. }) => appt(&mut app, cmd, now),
        Command::Appt(cmd) => appt(&mut app, cmd, now).and_then(|()| warn_loopback(&mut app, data)),
        Command::Link(LinkCmd::Rotate { appt, client, json }) => {
            let client = app.client_id(&client)?;
            let p = app.rotate_link(appt, client, now)?;
            print::out(json.json, &p, print::participant)?;
            warn_loopback(&mut app, data)
        }
        Command::Import(cmd) => super::import::run(&mut app, cmd, now),
        Command::Check { input, at, json } => {
            let at = match at {
                Some(t) => parse_time(&mut app, &t)?,
                None => now,
            };
            let view = app.check_any(&input, at)?.view();
            print::out(json.json, &view, print::check)
        }
        Command::Backup { file } => {
            let bytes = app.backup_to(&file)?;
            print::line(&format!("backup written to {} ({bytes} bytes)", file.display()))?;
            eprintln!(
                "note: links and codes also need {}; keep a copy of it with your backups, somewhere else",
                data.join(crate::token::KEY_FILE).display()
            );
            Ok(())
        }
        Command::Audit { verify: Some(AuditCmd::Verify { json }), .. } => {
            let chain = app.verify_chain()?;
            let (ok, text) = match chain {
                crate::store::Chain::Intact { entries } => (true, format!("audit trail intact: {entries} entries")),
                crate::store::Chain::Broken { id, at } => (
                    false,
                    format!(
                        "audit trail broken at entry {id} ({}): it was altered, or an entry before it was removed or inserted",
                        times::rfc3339(times::from_unix(at))
                    ),
                ),
            };
            let view = serde_json::json!({ "intact": ok, "message": text });
            print::out(json.json, &view, |_| text.clone())?;
            if ok { Ok(()) } else { Err(Error::internal("the audit trail does not verify")) }
        }
        Command::Audit { since, json, .. } => {
            let since = match since {
                Some(t) => parse_time(&mut app, &t)?.timestamp(),
                None => i64::MIN,
            };
            let entries = app.audit_since(since)?;
            print::out(json.json, entries.as_slice(), print::audit)
        }
    }
}

fn client(app: &mut App, cmd: ClientCmd, now: DateTime<Utc>) -> Result<()> {
    match cmd {
        ClientCmd::Add { name, email, phone, no_mail, language, json } => {
            warn_duplicates(app, &name, email.as_deref())?;
            let mut c = app.add_client_in(&name, email.as_deref(), phone.as_deref(), language.as_deref(), now)?;
            if no_mail {
                c = app.set_client_mail(c.id, false, now)?;
            }
            print::out(json.json, &c, print::client)
        }
        ClientCmd::Language { id, language, practice: _, json } => {
            let c = app.set_client_language(app.client_id(&id)?, language.as_deref(), now)?;
            print::out(json.json, &c, print::client)
        }
        ClientCmd::Mail { id, state, json } => {
            let c = app.set_client_mail(app.client_id(&id)?, state == "on", now)?;
            print::out(json.json, &c, print::client)
        }
        ClientCmd::List { json } => print::out(json.json, app.list_clients()?.as_slice(), print::clients),
        ClientCmd::Portal(PortalCmd::Rotate { id, json }) => {
            let c = app.rotate_portal(app.client_id(&id)?, now)?;
            print::out(json.json, &c, print::client)
        }
        ClientCmd::Archive { id, force, json } => archive(app, &id, force, json.json, now),
        ClientCmd::Restore { id, json } => {
            let c = app.restore_client(app.client_id(&id)?, now)?;
            print::out(json.json, &c, print::client)
        }
    }
}

/// `client archive`: refused (exit 2) while it would change future
/// sessions, unless forced; then what it did, session by session.
fn archive(app: &mut App, id: &str, force: bool, json: bool, now: DateTime<Utc>) -> Result<()> {
    let id = app.client_id(id)?;
    let name = app.client_row(id)?.name;
    let plan = app.archive_plan(id, now)?;
    if !plan.is_empty() && !force {
        let ids = |l: &[crate::app::Session]| l.iter().map(|s| s.id.to_string()).collect::<Vec<_>>().join(", ");
        let mut what = vec![];
        if !plan.cancelled.is_empty() {
            what.push(format!("appointment(s) {} would be cancelled", ids(&plan.cancelled)));
        }
        if !plan.left.is_empty() {
            what.push(format!("shared appointment(s) {} would go on without them", ids(&plan.left)));
        }
        return Err(Error::input(format!(
            "client {id} ({name}) has future sessions: {}; to archive anyway, add --force",
            what.join("; ")
        )));
    }
    let done = app.archive_client(id, now)?;
    for s in done.cancelled.iter().chain(&done.left) {
        warn_untold(app, s.id, now)?;
    }
    let view =
        serde_json::json!({ "id": id, "name": name, "archived": true, "cancelled": done.cancelled, "left": done.left });
    print::out(json, &view, |_| {
        let mut out = format!("client {id} ({name}) archived; their portal link no longer works\n");
        for line in done.lines() {
            out += &format!("  {line}\n");
        }
        out
    })
}

/// `client add` goes ahead whatever it finds (scripts rely on it), but
/// names on stderr each client it may duplicate.
fn warn_duplicates(app: &mut App, name: &str, email: Option<&str>) -> Result<()> {
    let similar = app.similar_clients(name, email)?;
    if !similar.is_empty() {
        let list: Vec<String> = similar.iter().map(crate::app::Similar::describe).collect();
        eprintln!("porchlight: warning: a client like this already exists: {}", list.join("; "));
    }
    Ok(())
}

/// The commands that print client links say on stderr when those links
/// open only on this machine (`public_url` unset, `serve` on loopback):
/// pasted into a message, they would reach no client.
fn warn_loopback(app: &mut App, data: &std::path::Path) -> Result<()> {
    if let Some(base) = app.loopback_base()? {
        let cli = crate::server::command_line(data);
        eprintln!(
            "porchlight: warning: {}",
            crate::app::LoopbackFix::new(&base, crate::hosts::mdns_name()).for_terminal(&cli)
        );
    }
    Ok(())
}

/// `settings reset KEY`, and `settings set KEY ""` for a key without a
/// default: unknown keys exit 2 naming the key.
fn reset_setting(app: &mut App, key: &str, now: DateTime<Utc>) -> Result<()> {
    let default = crate::settings::default_of(key)?;
    app.clear_setting(key, now)?;
    match default {
        Some(d) => print::line(&format!("{key} reset to its default, {d}")),
        None => print::line(&format!("{key} reset (unset)")),
    }
}

/// The time commands compute with: the system clock, but never before the
/// highest time `serve` has seen (see `clock.rs`), with a warning if the
/// clock is behind it.
fn guarded_now(app: &App) -> Result<DateTime<Utc>> {
    let reading = crate::clock::read(Utc::now(), app.clock_mark()?);
    if let Some(lag) = reading.behind {
        eprintln!("porchlight: warning: the system clock is {lag} s behind the latest time seen; using that time");
    }
    Ok(reading.now)
}

pub(super) fn parse_time(app: &mut App, text: &str) -> Result<DateTime<Utc>> {
    let zone = app.settings()?.timezone;
    times::parse_input(text, zone)
}

/// The whole of stdin, less one trailing newline. Nothing else is trimmed:
/// spaces are part of a password.
fn read_password() -> Result<String> {
    read_line("the password")
}

/// One line from stdin (at most 64 KiB), without its line ending. From a
/// pipe the whole input must be that one line; typed at a terminal, the
/// line ends at Enter, after a prompt saying what to type (there is no
/// end of input to wait for).
fn read_line(what: &str) -> Result<String> {
    use std::io::{BufRead, IsTerminal};
    let mut raw = Vec::new();
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("type {what} and press Enter (it shows as you type): ");
        stdin.lock().take(64 * 1024).read_until(b'\n', &mut raw)?;
    } else {
        stdin.take(64 * 1024).read_to_end(&mut raw)?;
    }
    let mut text = String::from_utf8(raw).map_err(|_| Error::input(format!("{what} is not valid UTF-8")))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.contains('\n') {
        return Err(Error::input(format!("{what} must be a single line")));
    }
    Ok(text)
}

fn parse_listen(listen: &str) -> Result<std::net::SocketAddr> {
    listen.parse().map_err(|_| Error::input(format!("bad --listen {listen:?}: use ADDR:PORT such as 127.0.0.1:8080")))
}

fn serve(config: crate::server::Config) -> Result<()> {
    let running = crate::server::start(config)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "porchlight listening on {}", running.url())?;
    if let Some(public) = running.public_url() {
        writeln!(out, "client pages only (no admin) on {public}")?;
    }
    // On every address, the line above names only this machine's own
    // loopback: say where the practice's other devices find it.
    for url in running.reachable() {
        writeln!(out, "reachable from other devices at {url}")?;
    }
    if let Some(code) = running.setup_code() {
        writeln!(out, "admin setup code: {code}")?;
    }
    if let Some(text) = running.demo_text() {
        writeln!(out, "{text}")?;
    }
    out.flush()?;
    drop(out);
    for note in running.notes() {
        eprintln!("{note}");
    }
    running.wait()
}
