//! The continuous copy with the real Litestream beside Porchlight: a
//! restored database is made private when Porchlight opens it, and the
//! dashboard says how fresh the copy is and when Litestream stops.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::clinician::{Clinician, with_password};
use crate::support::*;

/// `litestream replicate` on one database, killed when dropped.
struct Replicating {
    child: Child,
    socket: PathBuf,
}

impl Replicating {
    /// Replicate `data`'s database to the folder `replica`, with the
    /// control socket at `data/litestream.sock` (as contrib/litestream.yml
    /// places it), and wait until the replica took its first sync.
    fn start(bin: &Path, data: &Path, replica: &Path) -> Replicating {
        let data = data.canonicalize().unwrap();
        let config = format!(
            "socket:\n  enabled: true\n  path: {}\ndbs:\n  - path: {}\n    replica:\n      type: file\n      path: {}\n",
            data.join("litestream.sock").display(),
            data.join("porchlight.db").display(),
            replica.display()
        );
        Replicating::with(bin, &data, &config)
    }

    /// Replicate by `config` (YAML), whose socket is `data/litestream.sock`.
    fn with(bin: &Path, data: &Path, config: &str) -> Replicating {
        let socket = data.join("litestream.sock");
        let file = data.parent().unwrap().join(format!("{}.yml", data.file_name().unwrap().to_string_lossy()));
        std::fs::write(&file, config).unwrap();
        let child = Command::new(bin)
            .args(["replicate", "-config"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Replicating { child, socket };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !started.synced() {
            assert!(Instant::now() < deadline, "Litestream did not sync within 20 s");
            std::thread::sleep(Duration::from_millis(200));
        }
        started
    }

    /// Litestream's `/list` names a sync time.
    fn synced(&self) -> bool {
        let Ok(mut s) = std::os::unix::net::UnixStream::connect(&self.socket) else { return false };
        use std::io::{Read, Write};
        let _ = s.write_all(b"GET /list HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer.contains("\"last_sync_at\"")
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replicating {
    fn drop(&mut self) {
        self.kill();
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_database_restored_by_litestream_is_made_private_when_porchlight_opens_it() {
    let Some(bin) = litestream("a_database_restored_by_litestream_is_made_private") else { return };
    let p = Practice::new();
    let (_, appt) = p.solo("Ada Restored", now() + minutes(60));
    let replica = tempfile::tempdir().unwrap();
    let mut running = Replicating::start(&bin, p.path(), replica.path());
    running.kill();
    // Litestream's folder of database pages beside the live database,
    // made 0755 by it under this umask, is closed at the next command.
    let pages = p.path().join(".porchlight.db-litestream");
    std::fs::set_permissions(&pages, std::fs::Permissions::from_mode(0o755)).unwrap();
    p.run(&["settings", "show"]).ok();
    assert_eq!(mode(&pages), 0o700);

    let restored = tempfile::tempdir().unwrap();
    let data = restored.path().join("data");
    let db = data.join("porchlight.db");
    let out = Command::new(&bin)
        .args(["restore", "-o"])
        .arg(&db)
        .arg(format!("file://{}", replica.path().display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "restore: {}", String::from_utf8_lossy(&out.stderr));
    // As a practice copies its key back: cp under a 022 umask.
    std::fs::copy(p.path().join("secret.key"), data.join("secret.key")).unwrap();
    std::fs::set_permissions(data.join("secret.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(mode(&db), 0o644, "Litestream 0.5.17 restores world-readable; if this changed, the test is moot");

    let listed = run_in(&data, &["appt", "show", &appt.id_str(), "--json"]);
    let said = listed.stderr.clone();
    assert!(said.contains("(the database) could be read by other users (mode 644); it is 600 now"), "{said}");
    assert!(said.contains("(the key file) could be read by other users (mode 644); it is 600 now"), "{said}");
    assert_eq!((mode(&db), mode(&data.join("secret.key"))), (0o600, 0o600));
    for extra in ["porchlight.db-wal", "porchlight.db-shm"] {
        if data.join(extra).exists() {
            assert_eq!(mode(&data.join(extra)), 0o600, "{extra}");
        }
    }
    // What was restored is the practice, links and all.
    assert_eq!(credentials(&listed.json()), appt.credentials());

    // serve does the same at its start.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o640)).unwrap();
    let server = Server::start(&data, false);
    server.assert_healthy();
    assert_eq!(mode(&db), 0o600);
    assert!(server.stderr_shows("(the database) could be read by other users (mode 640)"), "{}", server.stderr());
}

#[test]
fn the_dashboard_says_how_fresh_the_copy_is_and_when_litestream_stops() {
    let Some(bin) = litestream("the_dashboard_says_how_fresh_the_copy_is") else { return };
    let (p, server) = with_password(&[]);
    let mut clinician = Clinician::sign_in(&server);
    assert!(!clinician.dashboard().body.contains("id=\"replica\""), "nothing said while nothing is copied");

    let replica = tempfile::tempdir().unwrap();
    let mut running = Replicating::start(&bin, p.path(), replica.path());
    // Litestream's folder beside the database, the setting not yet made.
    let page = clinician.dashboard().body;
    assert!(page.contains("Litestream has copied this database") && page.contains("litestream_socket"), "{page}");

    p.set("litestream_socket", &running.socket.display().to_string());
    let current = wait_for_dashboard(&mut clinician, "Continuous copy: current, last synced to the replica");
    assert!(current.contains("class=\"hint\""), "{current}");

    // Litestream killed: its socket stays behind, nothing answers.
    running.kill();
    let stopped = wait_for_dashboard(&mut clinician, "Litestream has stopped");
    assert!(stopped.contains("Continuous copy unknown: nothing answers at") && stopped.contains("role=\"alert\""));
    assert!(
        server.stderr_shows("porchlight: the continuous copy: Continuous copy unknown"),
        "said once in the log: {}",
        server.stderr()
    );

    // Back: current again, and the log says so.
    let _again = Replicating::start(&bin, p.path(), replica.path());
    wait_for_dashboard(&mut clinician, "Continuous copy: current");
    assert!(server.stderr_shows("porchlight: the continuous copy: Continuous copy: current"), "{}", server.stderr());

    // A setting that cannot be a socket's path is refused with the way out.
    p.run(&["settings", "set", "litestream_socket", "litestream.sock"]).fails(2, &["absolute path"]);
}

/// The `id="replica"` paragraph of the dashboard once it contains
/// `needle`, within the watcher's round of asking and a margin.
fn wait_for_dashboard(clinician: &mut Clinician<'_>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(25);
    loop {
        let page = clinician.dashboard().body;
        let line = page.split("id=\"replica\"").nth(1).and_then(|rest| rest.split("</p>").next()).unwrap_or("");
        if line.contains(needle) {
            return format!("<p id=\"replica\"{line}");
        }
        assert!(Instant::now() < deadline, "the dashboard never said {needle:?}: {line}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// `contrib/litestream.yml` with its replica `letter` (A, B or C) on and
/// the others gone, as its comments tell the reader to do.
fn shipped_with(letter: char) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/litestream.yml")).unwrap();
    let (head, alternatives) = text.split_once("    replica:\n").expect("the example has one replica section");
    let mut out = format!("{head}    replica:\n");
    let mut current = None;
    for line in alternatives.lines() {
        // "      # A: a second disk…" starts alternative A.
        let marker = line.strip_prefix("      # ").filter(|rest| rest.get(1..2) == Some(":"));
        if let Some(letter) = marker.and_then(|rest| rest.chars().next()) {
            current = Some(letter);
            continue;
        }
        let setting = line.strip_prefix("      # ").or_else(|| line.strip_prefix("      "));
        let is_key = setting.is_some_and(|l| {
            l.split_once(": ").is_some_and(|(k, _)| k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        });
        if current == Some(letter) && is_key {
            out.push_str(&format!("      {}\n", setting.unwrap()));
        }
    }
    out
}

#[test]
fn each_replica_of_the_shipped_example_is_read_by_litestream_and_the_file_one_copies() {
    let Some(bin) = litestream("each_replica_of_the_shipped_example") else { return };
    let p = Practice::new();
    p.client("Ada Shipped");
    let data = p.path().canonicalize().unwrap();
    let mount = tempfile::tempdir().unwrap();
    let here = |config: String| {
        config
            .replace("/var/lib/porchlight", &data.display().to_string())
            .replace("/mnt/porchlight-copy", &mount.path().display().to_string())
    };
    for (letter, kind) in [('A', "file"), ('B', "sftp"), ('C', "s3")] {
        let config = here(shipped_with(letter));
        assert_eq!(config.matches("type: ").count(), 1, "one replica in {letter}:\n{config}");
        let file = mount.path().join(format!("{letter}.yml"));
        std::fs::write(&file, &config).unwrap();
        let out = Command::new(&bin).args(["databases", "-config"]).arg(&file).output().unwrap();
        let listed = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{letter}: {}\n{config}", String::from_utf8_lossy(&out.stderr));
        assert!(listed.contains(&format!("porchlight.db  {kind}")), "{letter}: {listed}");
    }
    // A, as shipped, copies the practice and answers on the socket the
    // example names.
    let running = Replicating::with(&bin, &data, &here(shipped_with('A')));
    assert_eq!(running.socket, data.join("litestream.sock"));
    assert!(mount.path().join("porchlight").join("ltx").is_dir());
}
