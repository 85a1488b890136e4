//! Integration tests of Porchlight: the real binary, its command line and
//! its HTTP routes, each test in its own data directory and, where needed,
//! with its own server on 127.0.0.1 port 0.
//!
//! - [`accepting`]: accepting again after running out of file descriptors.
//! - [`acme`]: the internet site of the shipped Caddyfile, with a certificate from a test ACME server.
//! - [`admin`]: the admin gate: addresses, sessions, CSRF, setup, login, logout.
//! - [`assets`]: the bundled static files, gzip to a client that takes it and plain to one that does not.
//! - [`clock`]: a clock that went back revives nothing.
//! - [`connections`]: pipelining, keep-alive across the hand-off to a thread, the connection cap.
//! - [`cli`]: every command, exit codes, `--json`, DST input, window edges.
//! - [`proxy`]: behind a real nginx with the shipped config.
//! - [`slow`]: idle, dripping and endless clients.
//! - [`people`]: adding and removing a participant, archiving a client, duplicate clients flagged.
//! - [`routes`]: participant pages, portal, typed codes, rotation, couples, demo.
//! - [`fetch_tls`]: the calendar fetch over real TLS (nginx, a test authority): trusted or refused.
//! - [`fuzz`]: random and malformed requests over raw sockets.
//! - [`lan`]: the admin over plain http on a LAN name; the `Host` checks.
//! - [`hostile`]: hostile paths and bodies, and the headers of every response.
//! - [`import`]: `import ics` on the command line: once, again, a move keeps links, hostile files refused whole.
//! - [`import_page`]: the admin's Import page: upload, preview, import once, the 4 MiB upload limit.
//! - [`ical_oracle`]: each producer's calendar imports at the times an independent reader finds.
//! - [`ical_zones`]: the Windows zone table is CLDR's, as Python's `icalendar` carries it.
//! - [`protocol`]: each refusal of a request head, `Connection` lists, responses without a body.
//! - [`guests`]: a hostile guest on the LAN: connection shares, guessing codes, join floods, forwarded headers.
//! - [`outside`]: the public listener: client pages through a tunnel, no admin.
//! - [`late`]: the clinician's minutes before: the running-late note, Not here yet, the link sent again.
//! - [`mail`]: reminders through a real SMTP server, calendar files and the feed.
//! - [`mail_language`]: mail, calendar entries and copied messages in the client's language.
//! - [`guessing`]: password guessing from the LAN: known browsers, one check per unlock, memory, client pages.
//! - [`signin`]: sign-in links and the setup code get the person at the machine past a guest's guessing.
//! - [`leaks`]: no token, code or password in logs or data files.
//! - [`durability`]: crash safety, backups while serving, the key file.
//! - [`backups`]: nightly backups by `serve --backup-dir`, and the restore drill.
//! - [`continuous`]: beside the real Litestream: a restored database made private, the copy's freshness on the dashboard.
//! - [`torture`]: SIGKILL at random moments; nothing acknowledged is lost.
//! - [`replica`]: Litestream to a file and to SFTP, SIGKILL mid-write, the restore drill.
//! - [`check`]: the device check's routes: ICE servers for live links, the summary in Waiting now, bounds.
//! - [`room`]: the built-in room's tickets: who gets one, what one opens, when it stops.
//! - [`video`]: the waiting room, Start and Admit, and Jitsi tokens checked by PyJWT.
//! - [`sync`]: the synced calendar address: fetched, imported, shown on the dashboard; its bounds; kept secret.
//! - [`client_language`]: every client page in the client's language, or the browser's where no client is known.
//! - [`language`]: a client's language set and shown; the oracle that finds English left in Spanish pages.
//! - [`layers`]: imports point down the floors of `scripts/layers.py`, and files stay short.

mod accepting;
mod acme;
mod admin;
mod assets;
mod backups;
mod check;
mod cli;
mod client_language;
mod clinician;
mod clock;
mod connections;
mod continuous;
mod durability;
mod export;
mod fetch_tls;
mod fuzz;
mod guessing;
mod guests;
mod hostile;
mod ical_oracle;
mod ical_zones;
mod import;
mod import_page;
mod lan;
mod language;
mod late;
mod layers;
mod leaks;
mod links;
mod mail;
mod mail_language;
mod outside;
mod people;
mod protocol;
mod proxy;
mod replica;
mod room;
mod routes;
mod series;
mod signin;
mod slow;
mod support;
mod sync;
mod torture;
mod truth;
mod video;
mod week;
