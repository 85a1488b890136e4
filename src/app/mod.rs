//! The link lifecycle: what the command line and the server both call.
//!
//! [`App`] joins one [`Store`] connection with the shared [`Keyring`] and
//! turns requests ("add this appointment", "what is this code?") into
//! validated writes and derived views. It reads no clock: every method that
//! depends on time takes `now`.

mod admin;
mod appointments;
mod archive;
pub mod booking;
mod calendar;
mod check;
mod clients;
mod duplicates;
mod export;
mod following;
mod history;
pub mod import;
mod import_apply;
mod import_match;
pub mod late;
pub mod mail;
pub mod message;
mod participants;
mod portal;
mod repeats;
mod room;
pub mod schedule;
pub mod series;
pub mod sync;
pub mod untold;
mod upkeep;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::settings::Settings;
use crate::store::{NewAudit, Store};
use crate::token::Keyring;

pub use appointments::{ApptView, ParticipantView, default_list_range};
pub use archive::{ArchivePlan, Session};
pub use check::{CheckView, Checked};
pub use clients::{ClientView, validate_email, validate_language, validate_name, validate_phone};
pub use duplicates::Similar;
pub use history::History;
pub use participants::Removed;
pub use portal::{PORTAL_DAYS, PortalAppt, PortalView};
pub use repeats::Repeats;
pub use room::{Gate, JoinOutcome, Pass, Started, Who};

/// Base URL used when neither `public_url` nor a `serve` address is known.
pub const FALLBACK_BASE: &str = "http://127.0.0.1:8080";

/// One connection's worth of Porchlight.
pub struct App {
    store: Store,
    keys: Arc<Keyring>,
    cached: Option<(i64, Arc<Settings>, String)>,
    /// Inside [`App::request`]: whether the cache was checked against the
    /// database yet. One check per request, not one per use.
    checked: Option<bool>,
    /// Audit entries a client repeats, counted rather than written.
    repeats: Arc<Repeats>,
}

impl App {
    /// Open the data directory: key file and database, created if missing,
    /// after making it and them owner-only (`files::keep_private`, said
    /// on standard error).
    pub fn open(dir: &Path) -> Result<App> {
        create_private_dir(dir)?;
        for line in crate::files::keep_private(dir)? {
            eprintln!("porchlight: {line}");
        }
        let keys = Arc::new(Keyring::open_or_create(dir)?);
        Ok(App::with(Store::open(dir)?, keys))
    }

    /// Join a connection with the key. The connection learns to chain
    /// audit rows; without that it cannot write the audit trail at all.
    pub fn with(store: Store, keys: Arc<Keyring>) -> App {
        if let Err(e) = store.register_chain(keys.clone()) {
            eprintln!("porchlight: cannot register the audit chain: {e}");
        }
        App { store, keys, cached: None, checked: None, repeats: Arc::default() }
    }

    /// Share the memory of repeated audit entries with the other
    /// connections of a server, so a repeat is one whichever answers it.
    pub fn sharing_repeats(mut self, repeats: Arc<Repeats>) -> App {
        self.repeats = repeats;
        self
    }

    /// The practice settings, re-read only when another connection wrote.
    /// Shared, so a page can hold them while it uses the rest of `App`.
    pub fn settings(&mut self) -> Result<Arc<Settings>> {
        Ok(self.cache()?.0.clone())
    }

    /// The base of every link: `public_url`, else the address `serve` last
    /// listened on, else the default listen address.
    pub fn base_url(&mut self) -> Result<String> {
        Ok(self.cache()?.1.clone())
    }

    /// Did a request come over https, the one answer for HSTS, `Secure`
    /// cookies and the room's cookie? `proxied`: a trusted proxy said so
    /// (`Req::https`); `host`: the `Host` it named. The rule is
    /// [`crate::hosts::is_https`], under the current `public_url`; when
    /// the settings cannot be read, only the proxy's word counts.
    pub fn is_https(&mut self, proxied: bool, host: Option<&crate::hosts::Host>) -> bool {
        match self.settings() {
            Ok(s) => crate::hosts::is_https(proxied, host, s.public_url.as_deref()),
            Err(_) => proxied,
        }
    }

    /// The base of every link, if it names this machine's loopback
    /// address: such links open only on the machine itself, never on a
    /// client's phone (the default with `public_url` unset and `serve`
    /// on `127.0.0.1`).
    pub fn loopback_base(&mut self) -> Result<Option<String>> {
        let base = self.base_url()?;
        Ok(is_loopback_url(&base).then_some(base))
    }

    /// Run `f` as one request: it sees one version of the settings, so
    /// asking whether another connection changed them (a read transaction
    /// of its own) is done once, not at every use.
    pub fn request<T>(&mut self, f: impl FnOnce(&mut App) -> T) -> T {
        self.begin_request();
        let out = f(self);
        self.end_request();
        out
    }

    /// [`App::request`] in two halves, for a server that lends the
    /// connection to a request and may take it back while the request
    /// waits.
    pub fn begin_request(&mut self) {
        self.checked = Some(false);
    }

    pub fn end_request(&mut self) {
        self.checked = None;
    }

    fn cache(&mut self) -> Result<(&Arc<Settings>, &String)> {
        let trusted = self.checked == Some(true) && self.cached.is_some();
        if !trusted {
            let version = self.store.data_version()?;
            if self.checked.is_some() {
                self.checked = Some(true);
            }
            if self.cached.as_ref().is_none_or(|(v, _, _)| *v != version) {
                let pairs = self.stored_settings()?;
                let settings = Settings::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                let base = match &settings.public_url {
                    Some(url) => url.clone(),
                    None => self.store.meta("listen_url")?.unwrap_or_else(|| FALLBACK_BASE.to_string()),
                };
                self.cached = Some((version, Arc::new(settings), base));
            }
        }
        let (_, s, b) = self.cached.as_ref().expect("just filled");
        Ok((s, b))
    }

    /// Every stored `(key, value)`, sealed values opened. A value that does
    /// not open (another key file, or altered) counts as unset rather than
    /// as garbage.
    pub fn stored_settings(&self) -> Result<Vec<(String, String)>> {
        let mut pairs = self.store.settings()?;
        pairs.retain_mut(|(key, value)| {
            if !crate::settings::is_sealed(key) {
                return true;
            }
            match self.keys.unseal(key, value) {
                Some(plain) => {
                    *value = plain;
                    true
                }
                None => {
                    eprintln!("porchlight: the stored {key} cannot be opened with this key file; set it again");
                    false
                }
            }
        });
        Ok(pairs)
    }

    /// Forget cached settings after this connection wrote them.
    fn invalidate(&mut self) {
        self.cached = None;
    }

    /// Change one setting (validated) and audit it. Secrets are not echoed
    /// into the audit trail.
    pub fn set_setting(&mut self, key: &str, value: &str, now: DateTime<Utc>) -> Result<String> {
        let value = crate::settings::validate(key, value)?;
        let secret = crate::settings::is_secret(key)?;
        let detail = if secret { key.to_string() } else { format!("{key} = {value}") };
        let detail =
            if key == "smtp_url" { format!("{key} = {}", crate::settings::shown_value(key, &value)) } else { detail };
        let stored = if crate::settings::is_sealed(key) { self.keys.seal(key, &value) } else { value.clone() };
        let synced_before = self.settings()?.calendar_import_url.clone();
        self.store.write(|tx| {
            Store::set_setting(tx, key, &stored)?;
            Store::insert_audit(tx, now.timestamp(), &NewAudit { event: "settings.set", detail, ..Default::default() })
        })?;
        self.invalidate();
        if key == "reminder_hours" {
            self.replan_all(now)?;
        }
        if key == "series_horizon_weeks" {
            // A longer horizon is seen at once, not at the next hourly round.
            self.extend_series(now)?;
        }
        if key == "calendar_import_url" && synced_before.as_ref() != Some(&value) {
            // What the old address brought is no news about the new one.
            self.forget_sync()?;
        }
        Ok(value)
    }

    /// Return a setting to its default (or unset it) and audit that.
    pub fn clear_setting(&mut self, key: &str, now: DateTime<Utc>) -> Result<()> {
        crate::settings::is_secret(key)?;
        self.store.write(|tx| {
            Store::delete_setting(tx, key)?;
            Store::insert_audit(
                tx,
                now.timestamp(),
                &NewAudit { event: "settings.set", detail: format!("{key} reset"), ..Default::default() },
            )
        })?;
        self.invalidate();
        if key == "reminder_hours" {
            self.replan_all(now)?;
        }
        if key == "calendar_import_url" {
            self.forget_sync()?;
        }
        Ok(())
    }

    /// Remember the address `serve` listens on, for links printed by other
    /// commands while `public_url` is unset.
    pub fn set_listen_url(&mut self, url: &str) -> Result<()> {
        self.store.write(|tx| Store::set_meta(tx, "listen_url", url))?;
        self.invalidate();
        Ok(())
    }

    /// Record an audit event durably, before the caller answers.
    pub fn audit(&mut self, now: DateTime<Utc>, entry: NewAudit<'_>) -> Result<()> {
        self.store.audit(now.timestamp(), &entry)
    }
}

/// Does `url` (`http://127.0.0.1:8080`, `http://[::1]:80/x`,
/// `http://localhost`) name a loopback host?
pub fn is_loopback_url(url: &str) -> bool {
    crate::hosts::of_url(url).is_some_and(|h| h.is_loopback())
}

/// How to make links that open only on this machine reach clients: the
/// address to set as `public_url` and the listen address `serve` needs.
/// The address suggested is this machine's own name (`mdns`,
/// [`crate::hosts::mdns_name`]) at the port links use now (from `base`),
/// not a name from the README: a `public_url` naming another machine
/// would silence the warning and break every link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoopbackFix {
    /// What links point at now, e.g. `http://127.0.0.1:8080`.
    pub base: String,
    /// `http://NAME.local:PORT`, or `http://ADDRESS` without a name.
    pub suggestion: String,
    /// `0.0.0.0:PORT`, for `serve --listen`.
    pub listen: String,
}

impl LoopbackFix {
    pub fn new(base: &str, mdns: Option<&str>) -> LoopbackFix {
        let port = crate::urls::port(base).unwrap_or(80);
        let suggestion = match (mdns, port) {
            (Some(name), 80) => format!("http://{name}"),
            (Some(name), port) => format!("http://{name}:{port}"),
            (None, _) => "http://ADDRESS".to_string(),
        };
        LoopbackFix { base: base.to_string(), suggestion, listen: format!("0.0.0.0:{port}") }
    }

    /// The warning on the command line; `cli` is the command that works
    /// on this data (`porchlight --data DIR`). The admin pages say it in
    /// their own words, with a link to the setting.
    pub fn for_terminal(&self, cli: &str) -> String {
        let LoopbackFix { base, suggestion, listen } = self;
        format!(
            "Links point at {base}, which opens only on this computer: a client's phone cannot reach it. \
             Set the address clients use: {cli} settings set public_url {suggestion} \
             (this computer's name on the network; or the LAN address that serve --listen {listen} prints, \
             which it needs anyway to answer other devices)."
        )
    }
}

/// Create the data directory readable by its owner only (client names and
/// the key live there). An existing directory is left as the owner set
/// it; the files in it are made private by `files::keep_private`.
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| crate::error::Error::internal(format!("cannot create {}: {e}", dir.display())))
}

#[cfg(test)]
pub(crate) fn test_app() -> App {
    App::with(Store::open_in_memory().unwrap(), Arc::new(Keyring::for_tests(9)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loopback_warning_suggests_this_machine_at_its_own_port() {
        let warn = |base, cli, mdns| LoopbackFix::new(base, mdns).for_terminal(cli);
        let w = warn("http://127.0.0.1:9000", "porchlight --data d", Some("therapy-pc.local"));
        assert!(w.contains("settings set public_url http://therapy-pc.local:9000 "), "{w}");
        assert!(w.contains("serve --listen 0.0.0.0:9000 prints"), "{w}");
        let w = warn("http://localhost", "porchlight", Some("porch.local"));
        assert!(w.contains("public_url http://porch.local "), "{w}");
        let w = warn("http://[::1]:8080/sub", "porchlight", None);
        assert!(w.contains("public_url http://ADDRESS ") && w.contains("--listen 0.0.0.0:8080 "), "{w}");
        let fix = LoopbackFix::new("http://127.0.0.1:8080", Some("vm.local"));
        assert_eq!((fix.suggestion.as_str(), fix.listen.as_str()), ("http://vm.local:8080", "0.0.0.0:8080"));
    }

    #[test]
    fn https_is_decided_under_the_current_public_url() {
        let mut app = test_app();
        let now = chrono::Utc::now();
        let public = crate::hosts::parse("porch.example.org");
        let lan = crate::hosts::parse("porch.local:8080");
        assert!(!app.is_https(false, public.as_ref()), "no public_url: only a proxy can say https");
        assert!(app.is_https(true, lan.as_ref()));
        app.set_setting("public_url", "https://porch.example.org", now).unwrap();
        assert!(app.is_https(false, public.as_ref()), "under the https public name");
        assert!(!app.is_https(false, lan.as_ref()), "plain http on the LAN");
        app.set_setting("public_url", "http://porch.example.org", now).unwrap();
        assert!(!app.is_https(false, public.as_ref()));
    }

    #[test]
    fn loopback_urls_are_recognised() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.0.0.2",
            "http://[::1]:8080/x",
            "http://localhost:80",
            "http://LOCALHOST.",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in
            ["http://porch.local:8080", "http://192.168.1.20:8080", "https://porch.example.org", "http://[fe80::1]"]
        {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn one_request_sees_one_version_of_the_settings_and_the_next_sees_changes() {
        let dir = tempfile::tempdir().unwrap();
        let (mut server, mut cli) = (App::open(dir.path()).unwrap(), App::open(dir.path()).unwrap());
        let now = chrono::Utc::now();
        let name = |app: &mut App| app.settings().unwrap().practice_name.clone();
        let before = name(&mut server);
        server.request(|app| {
            assert_eq!(name(app), before);
            cli.set_setting("practice_name", "Elm Street Therapy", now).unwrap();
            assert_eq!(name(app), before, "a change by another connection waits for the next request");
            // Its own write is seen at once, and brings the other with it.
            app.set_setting("join_opens_minutes", "20", now).unwrap();
            assert_eq!(app.settings().unwrap().window.join_opens_minutes, 20);
            assert_eq!(name(app), "Elm Street Therapy");
        });
        cli.set_setting("practice_name", "Oak Lane", now).unwrap();
        server.request(|app| assert_eq!(name(app), "Oak Lane"));
        // Outside a request, every use asks.
        cli.set_setting("practice_name", "Birch Hill", now).unwrap();
        assert_eq!(name(&mut server), "Birch Hill");
    }
}
