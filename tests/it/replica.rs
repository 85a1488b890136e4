//! The restore drill of a continuous copy: Litestream (from the test
//! environment) replicates a serving Porchlight to a file replica, and to
//! SFTP on 127.0.0.1 (Debian's sshd, started here on its own port with its
//! own keys, Litestream pinned to its host key), while the command line
//! makes, rotates, cancels and moves appointments. Porchlight and
//! Litestream are killed with SIGKILL mid-write; the replica is restored
//! into an empty directory with the key file, and the copy must pass
//! `integrity_check` and `audit verify`, hold exactly a prefix of the
//! acknowledged writes reaching to the last replicated second, give every
//! link the state it had before the kill, and serve. The seconds lost are
//! printed (BENCHMARKS.md cites them); a restore from a few seconds before
//! the kill proves that the check notices missing writes.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::{self, Practice, Server, credentials, rfc, run_in, token_of, unavailable};

/// How long the writes go on before the kill, at least; a random part of
/// a second more (see [`writing`]).
const WRITING: Duration = Duration::from_secs(7);

/// A write acknowledged this long before the kill must be in the replica.
/// Litestream reads new WAL frames into an LTX file once a second (its
/// monitor interval) and the replica ships that file as soon as it is
/// told, at most once per sync interval (1 s, its default, kept by the
/// configs we ship): a commit waits at most about 1 s. Writing the file
/// (over SFTP a few round trips) and a busy two-core runner get the
/// other second.
const MARGIN: TimeDelta = TimeDelta::seconds(2);

/// How far before the kill the deliberately older restore goes: past
/// `MARGIN`, so the writes acknowledged in between must be reported missing.
const OLDER: TimeDelta = TimeDelta::seconds(4);

/// The whole drill of one replica, start to end.
const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_file_replica_restores_every_acknowledged_write_after_sigkill() {
    let test = "replica::a_file_replica_restores_every_acknowledged_write_after_sigkill";
    let Some(litestream) = support::litestream(test) else { return };
    let work = tempfile::tempdir().expect("work dir");
    let landing = work.path().join("replica");
    let replica = format!("type: file\n      path: \"{}\"", landing.display());
    drill(&litestream, work.path(), "file", &replica, &landing);
}

#[test]
fn an_sftp_replica_restores_every_acknowledged_write_after_sigkill() {
    let test = "replica::an_sftp_replica_restores_every_acknowledged_write_after_sigkill";
    let Some(litestream) = support::litestream(test) else { return };
    let work = tempfile::tempdir().expect("work dir");
    let Some(sshd) = Sshd::start(test, work.path()) else { return };
    let landing = work.path().join("replica");
    drill(&litestream, work.path(), "SFTP", &sshd.replica(&landing), &landing);
}

/// Replicate, write, kill, restore, check; `replica` is the YAML of the
/// config's `replica:` entry, `landing` the directory on this machine
/// where its files land.
fn drill(litestream: &Path, work: &Path, kind: &str, replica: &str, landing: &Path) {
    let begun = Instant::now();
    let p = Practice::new();
    // Links printed with a LAN name: no warning about 127.0.0.1 on every command.
    p.set("public_url", "http://porch.test:8080");
    let clients = [p.client("Replica One"), p.client("Replica Two")];
    let start = support::now() + TimeDelta::days(30);
    // Outside the days the drill lists: not one of its writes.
    let watched = p.appt(&[clients[0]], start + TimeDelta::days(10), 50).token(0);
    let server = p.serve();
    let db = p.path().join("porchlight.db");
    let config = work.join("litestream.yml");
    let yaml = format!("dbs:\n  - path: \"{}\"\n    replica:\n      {replica}\n", db.display());
    std::fs::write(&config, yaml).expect("litestream.yml");
    let mut replicator = Daemon::spawn(
        Command::new(litestream).arg("replicate").arg("-config").arg(&config),
        work.join("litestream.log"),
    );
    wait_for(|| has_ltx(landing), || format!("no LTX file reached the {kind} replica: {}", replicator.log()));

    let stop = Arc::new(AtomicBool::new(false));
    let _stopped = StopOnDrop(stop.clone());
    let writer = {
        let (data, stop) = (p.path().to_path_buf(), stop.clone());
        thread::spawn(move || write_until(&stop, &data, clients, start))
    };
    // A phone on a link page meanwhile: reads (and the server's own
    // writes) beside Litestream's long read transaction.
    let reader = {
        let (addr, stop, page) = (server.addr, stop.clone(), format!("/v/{watched}"));
        thread::spawn(move || {
            let mut refused = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                match support::try_send(addr, &support::request("GET", page.as_bytes(), None)) {
                    Ok(r) if r.status == 200 => {}
                    // The request the kill cut off.
                    Err(_) if stop.load(Ordering::SeqCst) => break,
                    other => refused.push(format!("{:?}", other.map(|r| r.status))),
                }
                thread::sleep(Duration::from_millis(20));
            }
            refused
        })
    };
    let writing = writing();
    thread::sleep(writing);

    // The kill: both processes, in the middle of the writes, Litestream
    // first so that `killed` is when replication ended; the writer then
    // lets its command in flight finish (into the source alone) and stops.
    let served_log = server.stderr();
    stop.store(true, Ordering::SeqCst);
    let killed = Utc::now();
    replicator.kill();
    server.crash();
    let refused = reader.join().expect("reader");
    let (ops, faults) = writer.join().expect("writer");
    let replicated_log = replicator.log();
    assert!(faults.is_empty(), "writes failed with Litestream attached: {faults:#?}");
    assert!(refused.is_empty(), "the link page failed with Litestream attached: {refused:?}\n{served_log}");
    for (who, log) in [("serve", &served_log), ("litestream", &replicated_log)] {
        let lower = log.to_lowercase();
        assert!(!lower.contains("locked") && !lower.contains("busy"), "{who} hit a lock:\n{log}");
        // Litestream warns of nothing harmless: a failed sync, a host key
        // not verified, a verification failed.
        assert!(!log.contains("level=ERROR") && !log.contains("level=WARN"), "{who} complained:\n{log}");
    }
    assert!(ops.len() >= 20, "too few writes to judge a restore: {}", ops.len());

    // The source survives SIGKILL whole (the torture test): after the
    // kill it holds the state every acknowledged write left.
    let truth = appointments(p.path(), start);
    let restored = restore(litestream, &config, &db, None);
    let kept = inspect(restored.path(), p.path(), &ops, &truth, start, killed)
        .unwrap_or_else(|e| panic!("the {kind} replica's restore: {e}\nLitestream said:\n{replicated_log}"));
    let last = kept.checked_sub(1).map(|i| ops[i].acked).expect("something was replicated");
    let lost = (killed - last).as_seconds_f64();
    eprintln!(
        "replica drill ({kind}): {} writes acknowledged in {:.1} s, {kept} restored, {} written after the last \
         replicated one; {lost:.2} s lost (kill time minus the last restored acknowledgement)",
        ops.len(),
        writing.as_secs_f64(),
        ops.len() - kept,
    );

    // The same check on an older point in time reports the writes since.
    let older = restore(litestream, &config, &db, Some(killed - OLDER));
    let missing = inspect(older.path(), p.path(), &ops, &truth, start, killed)
        .expect_err("a restore from before the kill must miss acknowledged writes");
    assert!(missing.contains("acknowledged writes missing"), "{missing}");

    // The restored copy serves: the last restored link opens its page.
    let served = Server::start(restored.path(), false);
    served.assert_healthy();
    let untouched = |id: i64| !ops.iter().any(|op| op.change.changed() == Some(id));
    let token = ops[..kept].iter().rev().find_map(|op| match &op.change {
        Change::Add(doc) if untouched(id_of(doc)) => Some(token_of(doc["participants"][0]["link"].as_str()?)),
        _ => None,
    });
    let page = served.get(&format!("/v/{}", token.expect("a restored appointment")));
    assert_eq!(page.status, 200, "{}", served.stderr());
    drop(served);
    assert!(begun.elapsed() < LIMIT, "the {kind} drill took {:?}", begun.elapsed());
}

/// [`WRITING`] and a random part of a second: the replica is first seen
/// just after one of Litestream's once-a-second syncs, so a whole number
/// of seconds later would always kill just after one too, and the
/// seconds lost would always look like none.
fn writing() -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    WRITING + Duration::from_millis(u64::from(nanos % 1000))
}

// ---------------------------------------------------------------- writes

/// One acknowledged write, in the order the writer made them.
#[derive(Debug, Clone)]
struct Op {
    /// When its command exited 0 (wall time, as `restore -timestamp` takes it).
    acked: DateTime<Utc>,
    change: Change,
}

/// What a write did. Each appointment is changed at most once, so every
/// change stays visible in the database after later writes.
#[derive(Debug, Clone)]
enum Change {
    /// `appt add --json`: the document it printed.
    Add(Value),
    /// `link rotate`: the participant's new token.
    Rotate {
        appt: i64,
        client: i64,
        old: String,
        new: String,
    },
    Cancel {
        appt: i64,
    },
    Move {
        appt: i64,
        start: String,
    },
}

impl Change {
    /// Does `db` (appointments by id, as `appt list --json` prints them) hold this write?
    fn shown_in(&self, db: &BTreeMap<i64, Value>) -> bool {
        let holds = |id: &i64, test: &dyn Fn(&Value) -> bool| db.get(id).is_some_and(test);
        match self {
            Change::Add(doc) => db.contains_key(&id_of(doc)),
            Change::Rotate { appt, client, new, .. } => {
                holds(appt, &|a| credentials(a).iter().any(|(c, token, _)| c == client && token == new))
            }
            Change::Cancel { appt } => holds(appt, &|a| a["status"] == "cancelled"),
            Change::Move { appt, start } => holds(appt, &|a| a["start"] == start.as_str()),
        }
    }

    /// The write in words, for a failure message (no link in it).
    fn describe(&self) -> String {
        match self {
            Change::Add(doc) => format!("appointment {} added", id_of(doc)),
            Change::Rotate { appt, client, .. } => format!("appointment {appt}: client {client}'s link rotated"),
            Change::Cancel { appt } => format!("appointment {appt} cancelled"),
            Change::Move { appt, start } => format!("appointment {appt} moved to {start}"),
        }
    }

    fn changed(&self) -> Option<i64> {
        match self {
            Change::Add(_) => None,
            Change::Rotate { appt, .. } | Change::Cancel { appt } | Change::Move { appt, .. } => Some(*appt),
        }
    }
}

fn id_of(appt: &Value) -> i64 {
    appt["id"].as_i64().unwrap_or_else(|| panic!("no id in {appt}"))
}

/// Write through the command line until `stop`: mostly new appointments
/// (one client, or both as a couple), every fourth write a change to the
/// oldest appointment not changed yet (a link rotated, a cancellation, a
/// move, in turn). Returns the acknowledged writes and every failure or
/// lock a command reported.
fn write_until(stop: &AtomicBool, data: &Path, clients: [i64; 2], start: DateTime<Utc>) -> (Vec<Op>, Vec<String>) {
    let (mut ops, mut faults, mut unchanged) = (Vec::<Op>::new(), Vec::new(), VecDeque::new());
    let (mut adds, mut changes) = (0usize, 0usize);
    while !stop.load(Ordering::SeqCst) {
        let target = if ops.len() % 4 == 3 { unchanged.pop_front() } else { None };
        let (args, change): (Vec<String>, Box<dyn Fn(Value) -> Change>) = match target {
            None => {
                let mut args = vec!["appt".into(), "add".into()];
                for c in &clients[..1 + adds % 2] {
                    args.extend(["--client".into(), c.to_string()]);
                }
                args.extend(["--start".into(), rfc(start), "--minutes".into(), "50".into(), "--json".into()]);
                adds += 1;
                (args, Box::new(Change::Add))
            }
            Some(doc) => {
                let appt = id_of(&doc);
                changes += 1;
                match changes % 3 {
                    1 => {
                        let (client, old, _) = credentials(&doc).pop().expect("a participant");
                        let args =
                            ["link", "rotate", "--appt", &appt.to_string(), "--client", &client.to_string(), "--json"];
                        let new = move |out: Value| Change::Rotate {
                            appt,
                            client,
                            old: old.clone(),
                            new: token_of(out["link"].as_str().expect("link")),
                        };
                        (args.map(String::from).to_vec(), Box::new(new))
                    }
                    2 => (
                        vec!["appt".into(), "cancel".into(), appt.to_string()],
                        Box::new(move |_| Change::Cancel { appt }),
                    ),
                    _ => {
                        let moved = rfc(start + TimeDelta::days(1));
                        let args =
                            vec!["appt".into(), "move".into(), appt.to_string(), "--start".into(), moved.clone()];
                        (args, Box::new(move |_| Change::Move { appt, start: moved.clone() }))
                    }
                }
            }
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_in(data, &args);
        let acked = Utc::now();
        let lower = out.stderr.to_lowercase();
        if out.code != 0 || lower.contains("locked") || lower.contains("busy") {
            faults.push(format!("{args:?}: exit {}: {}", out.code, out.stderr));
            continue;
        }
        let printed = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
        let change = change(printed);
        if let Change::Add(doc) = &change {
            unchanged.push_back(doc.clone());
        }
        ops.push(Op { acked, change });
        thread::sleep(Duration::from_millis(25));
    }
    (ops, faults)
}

// ---------------------------------------------------------------- the check

/// Every appointment of the drill in the data directory `dir`, by id.
fn appointments(dir: &Path, start: DateTime<Utc>) -> BTreeMap<i64, Value> {
    let (from, to) = (rfc(start - TimeDelta::days(2)), rfc(start + TimeDelta::days(3)));
    let list = run_in(dir, &["appt", "list", "--from", &from, "--to", &to, "--json"]).json();
    list.as_array().expect("a list").iter().map(|a| (id_of(a), a.clone())).collect()
}

/// What a client's link depends on: times, status, and each
/// participant's token, code and state.
fn links(appt: &Value) -> Value {
    let parts: Vec<Value> = credentials(appt)
        .into_iter()
        .zip(appt["participants"].as_array().expect("participants"))
        .map(|((client, token, code), p)| json!([client, token, code, p["state"]]))
        .collect();
    json!({"start": appt["start"], "end": appt["end"], "status": appt["status"], "participants": parts})
}

/// Check the restored data directory `dir` against the writes `ops`
/// acknowledged before and around the kill at `killed`, with `truth`, the
/// source's appointments after the kill (the source is `source`): the
/// number of writes it holds, or what is wrong with it.
fn inspect(
    dir: &Path,
    source: &Path,
    ops: &[Op],
    truth: &BTreeMap<i64, Value>,
    start: DateTime<Utc>,
    killed: DateTime<Utc>,
) -> Result<usize, String> {
    let db =
        rusqlite::Connection::open_with_flags(dir.join("porchlight.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("cannot open the restored database: {e}"))?;
    let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| e.to_string())?;
    drop(db);
    if integrity != "ok" {
        return Err(format!("integrity_check: {integrity}"));
    }
    let verify = run_in(dir, &["audit", "verify"]);
    if verify.code != 0 {
        return Err(format!("audit verify: {}{}", verify.stdout, verify.stderr));
    }
    let restored = appointments(dir, start);
    let shown: Vec<bool> = ops.iter().map(|op| op.change.shown_in(&restored)).collect();
    let kept = shown.iter().take_while(|s| **s).count();
    if let Some(later) = shown[kept..].iter().position(|s| *s) {
        let (there, gone) = (ops[kept + later].change.describe(), ops[kept].change.describe());
        return Err(format!("not a prefix of the writes: \"{there}\" is there, \"{gone}\" before it is not"));
    }
    let missing: Vec<&Op> = ops[kept..].iter().filter(|op| op.acked < killed - MARGIN).collect();
    if let Some(oldest) = missing.first() {
        return Err(format!(
            "{} acknowledged writes missing, the oldest acknowledged {:.2} s before the kill \
             (all older than {} s must be there): {:?}",
            missing.len(),
            (killed - oldest.acked).as_seconds_f64(),
            MARGIN.num_seconds(),
            oldest.change.describe(),
        ));
    }
    let added: Vec<&Value> =
        ops.iter().filter_map(|op| if let Change::Add(d) = &op.change { Some(d) } else { None }).collect();
    if let Some(stray) = restored.keys().find(|id| !added.iter().any(|d| id_of(d) == **id)) {
        return Err(format!("appointment {stray} was never acknowledged"));
    }
    // Each appointment as its last restored write left it: as added, or
    // changed (the source's state after the kill, since nothing else
    // touched it).
    let changed_at: BTreeMap<i64, usize> =
        ops.iter().enumerate().filter_map(|(i, op)| Some((op.change.changed()?, i))).collect();
    for op in &ops[..kept] {
        let Change::Add(doc) = &op.change else { continue };
        let id = id_of(doc);
        let before = match changed_at.get(&id) {
            Some(&i) if i < kept => &truth[&id],
            _ => doc,
        };
        if links(&restored[&id]) != links(before) {
            return Err(format!(
                "appointment {id}: restored {} but before the kill {}",
                links(&restored[&id]),
                links(before)
            ));
        }
    }
    // A rotated-away token reads the same in both: revoked.
    for op in &ops[..kept] {
        let Change::Rotate { old, .. } = &op.change else { continue };
        let check = |d: &Path| run_in(d, &["check", "--json", "--", old]).json();
        let (there, here) = (check(source), check(dir));
        if there != here || here["state"] != "revoked" {
            return Err(format!("a rotated-away link: restored {here} but before the kill {there}"));
        }
    }
    Ok(kept)
}

/// `litestream restore` of the replica in `config` into an empty
/// directory (to the newest position, or to `at`), with the key file
/// copied beside it as the README's drill says.
fn restore(litestream: &Path, config: &Path, db: &Path, at: Option<DateTime<Utc>>) -> TempDir {
    let dir = tempfile::tempdir().expect("restore dir");
    let mut cmd = Command::new("timeout");
    cmd.args(["--signal=KILL", "30"]).arg(litestream).arg("restore").arg("-config").arg(config);
    cmd.arg("-o").arg(dir.path().join("porchlight.db"));
    if let Some(at) = at {
        cmd.args(["-timestamp", &rfc(at)]);
    }
    let out = cmd.arg(db).output().expect("run litestream restore");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && !said.contains("level=WARN"), "litestream restore (to {at:?}): {said}");
    let key = db.with_file_name("secret.key");
    std::fs::copy(key, dir.path().join("secret.key")).expect("copy the key file");
    dir
}

// ---------------------------------------------------------------- processes

/// A background program, its output in `log`, killed (SIGKILL) and
/// reaped when dropped, so a failing test leaves nothing running.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn spawn(cmd: &mut Command, log: PathBuf) -> Daemon {
        let out = File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = cmd.stdin(Stdio::null()).stdout(out).stderr(err).spawn().expect("spawn");
        Daemon { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Raises the writer's stop flag however the test ends.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Wait up to 20 s for `ready`, else fail with `why`.
fn wait_for(mut ready: impl FnMut() -> bool, why: impl Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "{}", why());
        thread::sleep(Duration::from_millis(50));
    }
}

/// Has an LTX file (Litestream's unit of replication) reached `dir`?
fn has_ltx(dir: &Path) -> bool {
    let level0 = dir.join("ltx/0");
    std::fs::read_dir(level0)
        .is_ok_and(|mut entries| entries.any(|e| e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "ltx"))))
}

// ---------------------------------------------------------------- sshd

const SSHD: &str = "/usr/sbin/sshd";

/// Debian's sshd on 127.0.0.1 with a host key and one client key of its
/// own, serving SFTP (in-process) to the user running the test. Without
/// PAM sshd refuses a locked account ("!" in /etc/shadow, as `nobody`
/// has): run it as root or as a user whose account is not locked.
struct Sshd {
    /// Killed with the test.
    daemon: Daemon,
    port: u16,
    user: String,
    host_key: String,
    client_key: PathBuf,
}

impl Sshd {
    fn start(test: &str, dir: &Path) -> Option<Sshd> {
        if !Path::new(SSHD).exists() {
            unavailable(test, &format!("{SSHD} is missing: apt-get install openssh-server"));
            return None;
        }
        let (host, client) = (dir.join("host_key"), dir.join("client_key"));
        for key in [&host, &client] {
            let made = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "drill", "-f"])
                .arg(key)
                .output();
            if !made.as_ref().is_ok_and(|o| o.status.success()) {
                unavailable(test, &format!("ssh-keygen could not make a key: {made:?}"));
                return None;
            }
        }
        let read = |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let authorized = dir.join("authorized_keys");
        std::fs::write(&authorized, read(client.with_extension("pub"))).expect("authorized_keys");
        let host_key = read(host.with_extension("pub")).trim().to_string();
        // sshd run by root wants its privilege separation directory; run
        // by anyone else it serves that user alone, which is all we need.
        if std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
            std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
        }
        let who = Command::new("id").arg("-un").output().expect("id -un");
        let user = String::from_utf8_lossy(&who.stdout).trim().to_string();
        // sshd cannot report a port it picked: a free one is found here
        // and handed to it, and the tiny race retried.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
            let config = dir.join("sshd_config");
            let d = dir.display();
            let text = format!(
                "ListenAddress 127.0.0.1:{port}\nHostKey {}\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {}\n\
                 UsePAM no\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n",
                host.display(),
                authorized.display()
            );
            std::fs::write(&config, text).expect("sshd_config");
            // -D: stay in the foreground (a child we can kill); -e: log to stderr.
            let mut daemon =
                Daemon::spawn(Command::new(SSHD).arg("-D").arg("-e").arg("-f").arg(&config), dir.join("sshd.log"));
            let deadline = Instant::now() + Duration::from_secs(10);
            while daemon.running() && Instant::now() < deadline {
                if greets(port) {
                    return Some(Sshd { daemon, port, user, host_key, client_key: client });
                }
                thread::sleep(Duration::from_millis(50));
            }
            let log = daemon.log();
            assert!(log.contains("Address already in use"), "sshd did not start: {log}");
        }
        panic!("sshd found no free port");
    }

    /// The `replica:` entry for files under `path`, checked against the
    /// server's own host key (never `InsecureIgnoreHostKey`).
    fn replica(&self, path: &Path) -> String {
        format!(
            "type: sftp\n      host: \"127.0.0.1:{}\"\n      user: \"{}\"\n      key-path: \"{}\"\n      \
             host-key: \"{}\"\n      path: \"{}\"",
            self.port,
            self.user,
            self.client_key.display(),
            self.host_key,
            path.display()
        )
    }
}

impl Drop for Sshd {
    /// A failing drill shows what sshd said (a refused key, a locked account).
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("sshd said:\n{}", self.daemon.log());
        }
    }
}

/// Does an SSH server answer on `port`?
fn greets(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut banner = [0u8; 4];
    stream.read_exact(&mut banner).is_ok() && &banner == b"SSH-"
}
