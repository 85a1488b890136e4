//! The command line: flags in, one call into the library, output out.
//!
//! Each command prints a human table by default and exactly one JSON
//! document with `--json`. Errors are one line on stderr; the exit status
//! is 2 for bad usage or input and 1 for anything else.

mod appts;
mod commands;
mod import;
mod print;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Unique telehealth appointment links for a solo practice.
#[derive(Debug, Parser)]
#[command(name = "porchlight", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Directory holding the database and the key file.
    #[arg(long, global = true, env = "PORCHLIGHT_DATA", default_value = "./porchlight-data", value_name = "DIR")]
    pub data: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Json {
    /// Print exactly one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the appliance: client pages, the API and the admin page.
    Serve {
        /// Address to listen on; port 0 lets the OS pick one.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
        listen: String,
        /// Also serve the client pages and the video room, never the admin
        /// pages, on this address: point an internet-facing proxy or a
        /// tunnel here, never at --listen.
        #[arg(long = "public-listen", value_name = "ADDR:PORT")]
        public_listen: Option<String>,
        /// Seed an empty data directory with a demo practice and print its links.
        #[arg(long)]
        demo: bool,
        /// Database connections answering requests (one request each at a time).
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64), hide = true)]
        workers: u16,
        /// Address ranges the admin pages answer to (repeat or comma-separate);
        /// default: loopback and the private LAN ranges.
        #[arg(long = "admin-from", value_name = "CIDR", value_delimiter = ',')]
        admin_from: Vec<String>,
        /// Reverse proxies (repeat or comma-separate) whose X-Forwarded-For and
        /// X-Forwarded-Proto are believed, for rate limits, the audit trail,
        /// --admin-from and secure cookies; their connections are not capped
        /// per address, since they carry every client's.
        #[arg(long = "trust-proxy", value_name = "CIDR", value_delimiter = ',')]
        trust_proxy: Vec<String>,
        /// Minutes without a click before an admin session ends.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=720), hide = true)]
        admin_idle_minutes: u32,
        /// Seconds instead of minutes, for tests of idle expiry.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=43200), hide = true)]
        admin_idle_seconds: Option<u32>,
        /// Longest wait, in seconds, between looks at the mail outbox for
        /// messages planned by other commands (tests use 1).
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600), hide = true)]
        mail_poll_seconds: u64,
        /// Take a backup every night at 03:00 practice time (and at start if
        /// last night's is missing) into this folder; best on another disk,
        /// such as a USB stick.
        #[arg(long = "backup-dir", value_name = "DIR")]
        backup_dir: Option<PathBuf>,
        /// Nightly backups to keep in --backup-dir; older ones are deleted.
        #[arg(long = "backup-keep", value_name = "N", default_value_t = 14,
              value_parser = clap::value_parser!(u16).range(1..=3650))]
        backup_keep: u16,
    },
    /// Read and change practice settings.
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// Set the admin password; print a sign-in link for one browser.
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Add and list clients; rotate their portal links.
    #[command(subcommand)]
    Client(ClientCmd),
    /// Create, show, list, move and cancel appointments.
    #[command(subcommand)]
    Appt(ApptCmd),
    /// List, show and cancel repeating series (made by `appt add --repeat`).
    #[command(subcommand)]
    Series(SeriesCmd),
    /// Rotate one participant's link and code.
    #[command(subcommand)]
    Link(LinkCmd),
    /// Bring appointments in from another calendar.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Check a link, token or access code: its state and window.
    Check {
        /// A full link, its token, or an access code (XXXX-XXXX).
        #[arg(value_name = "LINK_OR_TOKEN_OR_CODE", allow_hyphen_values = true)]
        input: String,
        /// Check as of this time instead of now.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Write a consistent copy of the database, safe while serving.
    Backup {
        /// Where to write the copy.
        file: PathBuf,
    },
    /// Print the audit trail, oldest first.
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        verify: Option<AuditCmd>,
        /// Only entries at or after this time.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Appointments from an iCalendar file or address (Google, Outlook,
    /// Apple, a practice suite's export), from now to
    /// series_horizon_weeks ahead; importing again moves, changes or
    /// cancels what the calendar changed, keeping links.
    Ics {
        /// A .ics file, `-` for standard input, or an https:// (or
        /// webcal://) address.
        #[arg(value_name = "FILE_OR_URL")]
        source: String,
        /// Show what would be created, updated, cancelled and left
        /// unmatched, and write nothing.
        #[arg(long = "dry-run")]
        dry_run: bool,
        /// With --dry-run: read the calendar as of this time instead of now.
        #[arg(long, value_name = "TIME", requires = "dry_run")]
        at: Option<String>,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the audit trail's hash chain: report the first altered,
    /// inserted or removed entry.
    Verify {
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Show every setting (secrets masked).
    Show {
        #[command(flatten)]
        json: Json,
    },
    /// Change one setting. A value of `-` is read from stdin, which keeps a
    /// secret out of the shell's history and the process list.
    /// An empty value unsets a key that has no default (`public_url ""`
    /// goes back to the address `serve` listens on).
    Set {
        /// The setting's name, as `settings show` lists every one (for
        /// example practice_name, timezone, language, public_url).
        key: String,
        /// Its new value, for example `es` for language or
        /// `America/New_York` for timezone; `-` reads it from stdin.
        value: String,
    },
    /// Put one setting back to its default.
    Reset {
        /// The setting's name, as `settings show` lists every one.
        key: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Read a new admin password from stdin and set it (12 to 128 characters).
    ///
    /// Every admin session ends. Then it prints a sign-in link, as
    /// signin-link does (with --json, the same document).
    Password {
        #[command(flatten)]
        json: Json,
    },
    /// Print a sign-in link for one browser, valid 15 minutes.
    ///
    /// Opening it lets that browser skip the waits caused by others' wrong
    /// passwords (someone guessing on the network); the password is still
    /// needed. Each link works once.
    #[command(name = "signin-link")]
    SigninLink {
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientCmd {
    /// Add a client; prints their portal link.
    Add {
        /// Their name as they and their messages show it (1 to 100 characters).
        #[arg(long)]
        name: String,
        /// Where their reminders go.
        #[arg(long)]
        email: Option<String>,
        /// A phone number, for you to call them (digits, spaces, + - ( )).
        #[arg(long)]
        phone: Option<String>,
        /// Send this client no reminder email.
        #[arg(long)]
        no_mail: bool,
        /// The language of their pages and messages (en, es); without it,
        /// the practice's `language` setting.
        #[arg(long, value_name = "LANG")]
        language: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Set the language of a client's pages, reminders and messages.
    Language {
        /// The client's id, or their exact name.
        #[arg(value_name = "ID")]
        id: String,
        /// A language Porchlight speaks: en, es.
        #[arg(value_name = "LANG", required_unless_present = "practice", conflicts_with = "practice")]
        language: Option<String>,
        /// Follow the practice's `language` setting instead.
        #[arg(long)]
        practice: bool,
        #[command(flatten)]
        json: Json,
    },
    /// Turn a client's reminder email on or off.
    Mail {
        /// The client's id, or their exact name.
        #[arg(value_name = "ID")]
        id: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
        #[command(flatten)]
        json: Json,
    },
    /// List clients with their portal links.
    List {
        #[command(flatten)]
        json: Json,
    },
    /// Rotate portal links.
    #[command(subcommand)]
    Portal(PortalCmd),
    /// Archive a client: their portal link stops working and their future
    /// sessions are given up.
    ///
    /// A future session of theirs alone is cancelled; a shared one goes on
    /// for the others without them. With future sessions, nothing is done
    /// (exit 2, naming them) unless --force is given; then each one is
    /// printed. Sessions that started or are over stay as they were.
    Archive {
        /// The client's id, or their exact name.
        #[arg(value_name = "ID")]
        id: String,
        /// Archive even though future sessions are cancelled or left.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        json: Json,
    },
    /// Bring an archived client back (cancelled sessions stay cancelled).
    Restore {
        /// The client's id, or their exact name.
        #[arg(value_name = "ID")]
        id: String,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum PortalCmd {
    /// Give the client a new portal link; the old one stops working.
    Rotate {
        /// The client's id, or their exact name.
        #[arg(value_name = "ID")]
        id: String,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApptCmd {
    /// Create an appointment; each client gets their own link and code.
    Add {
        /// A client taking part (an id, or their exact name); repeat for
        /// couples and families.
        #[arg(long = "client", value_name = "ID", required_unless_present = "new_clients")]
        clients: Vec<String>,
        /// A client new to the practice, added first by name only (for
        /// one with an email, use `client add`); repeat for a new couple.
        #[arg(long = "new-client", value_name = "NAME")]
        new_clients: Vec<String>,
        /// RFC 3339 with offset, or YYYY-MM-DDTHH:MM in the practice zone.
        #[arg(long, value_name = "TIME")]
        start: String,
        /// Length of the session in minutes; without it, the practice's
        /// usual length (the session_minutes setting, 50 unless set).
        #[arg(long, value_name = "N")]
        minutes: Option<i64>,
        /// Make it even if its links would already be expired.
        #[arg(long)]
        force: bool,
        /// Repeat it: every occurrence is an appointment of its own with
        /// its own links, made `series_horizon_weeks` ahead. `monthly` is
        /// the same weekday of the month (the 2nd Tuesday).
        #[arg(long, value_name = "HOW", value_parser = ["weekly", "fortnightly", "monthly"])]
        repeat: Option<String>,
        /// With --repeat: this many sessions in all.
        #[arg(long, value_name = "N", requires = "repeat", conflicts_with = "until")]
        count: Option<u32>,
        /// With --repeat: the last session is on or before this date (YYYY-MM-DD, practice zone).
        #[arg(long, value_name = "DATE", requires = "repeat")]
        until: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Show one appointment with every participant's link and code.
    Show {
        #[arg(value_name = "ID")]
        id: i64,
        #[command(flatten)]
        json: Json,
    },
    /// List appointments (default: from the start of today).
    List {
        /// Only this client's appointments (an id, or their exact name).
        #[arg(long, value_name = "ID")]
        client: Option<String>,
        /// As CSV for a spreadsheet: local date and times with the zone,
        /// clients, state; never a link or code.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Reschedule; the links stay the same and their windows move.
    Move {
        #[arg(value_name = "ID")]
        id: i64,
        #[arg(long, value_name = "TIME")]
        start: String,
        #[arg(long, value_name = "N")]
        minutes: Option<i64>,
        /// Move it even if its links would already be expired.
        #[arg(long)]
        force: bool,
        /// Move this and every later session of its series the same way,
        /// and the series' rule with them.
        #[arg(long)]
        following: bool,
        #[command(flatten)]
        json: Json,
    },
    /// Cancel; every link of the appointment becomes cancelled.
    Cancel {
        #[arg(value_name = "ID")]
        id: i64,
        /// Cancel this and every later session of its series; the series ends.
        #[arg(long)]
        following: bool,
    },
    /// Show a one-line note to everyone waiting for this session, such as
    /// "I'll be with you in 5 minutes", on their pages until its window
    /// closes; --clear takes it away.
    Note {
        /// The appointment's id.
        #[arg(value_name = "ID")]
        id: i64,
        /// At most 200 characters on one line.
        #[arg(value_name = "TEXT", required_unless_present = "clear", conflicts_with = "clear")]
        text: Option<String>,
        /// Take the note away.
        #[arg(long)]
        clear: bool,
    },
    /// Add a client to this appointment only, with their own link and code.
    #[command(name = "add-client")]
    AddClient {
        #[arg(value_name = "ID")]
        id: i64,
        /// The client's id, or their exact name.
        #[arg(long, value_name = "ID")]
        client: String,
        #[command(flatten)]
        json: Json,
    },
    /// Remove a client from this appointment only; their link becomes revoked.
    ///
    /// If a message about the session already reached them, they get a
    /// cancellation; nobody else is sent anything. The last client cannot
    /// be removed: cancel the appointment instead.
    #[command(name = "remove-client")]
    RemoveClient {
        #[arg(value_name = "ID")]
        id: i64,
        /// The client's id, or their exact name.
        #[arg(long, value_name = "ID")]
        client: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SeriesCmd {
    /// Every series, newest first, with its rule, clients and next sessions.
    List {
        /// Only this client's series (an id, or their exact name).
        #[arg(long, value_name = "ID")]
        client: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// One series with its rule, clients and next sessions.
    Show {
        #[arg(value_name = "ID")]
        id: i64,
        #[command(flatten)]
        json: Json,
    },
    /// Cancel every session of the series not yet begun; no more are made.
    Cancel {
        #[arg(value_name = "ID")]
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum LinkCmd {
    /// New link and code for one participant; the old ones become revoked.
    Rotate {
        #[arg(long, value_name = "ID")]
        appt: i64,
        /// The client's id, or their exact name.
        #[arg(long, value_name = "ID")]
        client: String,
        #[command(flatten)]
        json: Json,
    },
}

/// Parse the command line, run it, and return the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
                || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            {
                let _ = e.print();
                return e.exit_code();
            }
            eprintln!("porchlight: {}", one_line(&e.to_string()));
            return 2;
        }
    };
    match commands::run(cli) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("porchlight: {e}");
            e.exit_code()
        }
    }
}

/// clap's message on one line: its first line names the bad value; a
/// first line ending in a colon ("the following required arguments were
/// not provided:") is followed by the indented lines it introduces.
fn one_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("bad usage").trim_start_matches("error: ").to_string();
    if !first.ends_with(':') {
        return first;
    }
    let listed: Vec<&str> = lines.take_while(|l| l.starts_with(' ')).map(str::trim).collect();
    format!("{first} {}", listed.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_usage_error_names_what_is_missing_on_its_one_line() {
        let clap =
            "error: the following required arguments were not provided:\n  --repeat <HOW>\n  --x\n\nUsage: porchlight";
        assert_eq!(super::one_line(clap), "the following required arguments were not provided: --repeat <HOW>, --x");
        assert_eq!(
            super::one_line("error: unexpected argument '--y' found\n\nUsage: p"),
            "unexpected argument '--y' found"
        );
    }
}
