//! The README's recipe for clients outside the practice, end to end on
//! loopback: the shipped Caddyfile's internet site gets a real certificate
//! for `porch.example.org` over ACME from pebble, a test certificate
//! authority that validates http-01 against Caddy's http port and finds
//! the name through pebble-challtestsrv's DNS. Then, with no certificate
//! error ignored, the site serves the client pages with Porchlight's
//! headers, forwards the client's own address, and refuses `/admin` to a
//! client outside the practice network while one on it still gets in.
//!
//! "Outside" needs an address that is not loopback. Caddy's `remote_ip
//! private_ranges` counts all of 127.0.0.0/8 as private and looks only at
//! the connection's peer (not at `trusted_proxies`, and the shipped block
//! rightly asks for no forwarded header, which a client could write), so
//! from loopback every client is inside; bending the test's copy until
//! loopback passed for public would test the bend, not the shipped block.
//! So the test reruns itself in network and PID namespaces of its own
//! (`unshare`; no root needed where user namespaces are allowed), adds
//! 203.0.113.7 (a documentation address: a client at home) and
//! 192.168.1.20 (a laptop on the practice network) to that namespace's own
//! loopback, and connects from them: Caddy sees those addresses as they
//! are, and the shipped block runs unchanged. The host's network is not
//! touched, and when the rerun ends the kernel ends every helper it began.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{Practice, Server, minutes, now, unavailable};

const TEST: &str = "the_internet_site_gets_its_certificate_and_keeps_the_admin_inside";

/// Set in the rerun that runs inside the namespaces.
const IN_OWN_NETWORK: &str = "PORCHLIGHT_TEST_IN_OWN_NETWORK";

/// A client at home (TEST-NET-3, an address reserved for documentation).
const OUTSIDE: &str = "203.0.113.7";

/// The clinician's laptop on the practice network.
const INSIDE: &str = "192.168.1.20";

/// The site's name, as in the shipped Caddyfile and the README.
const SITE: &str = "porch.example.org";

/// The programs the test runs, by their Debian names.
const TOOLS: [&str; 7] = ["caddy", "pebble", "pebble-challtestsrv", "openssl", "curl", "unshare", "ip"];

/// How long the whole rerun may take: start-up, certificate and checks.
const RERUN_LIMIT: Duration = Duration::from_secs(180);

/// How long pebble, Caddy and the certificate may take to be there.
const START_LIMIT: Duration = Duration::from_secs(20);
const CERTIFICATE_LIMIT: Duration = Duration::from_secs(60);

#[test]
fn the_internet_site_gets_its_certificate_and_keeps_the_admin_inside() {
    if std::env::var_os(IN_OWN_NETWORK).is_some() {
        internet_site();
    } else {
        rerun_in_own_network();
    }
}

/// Run this test again inside new network and PID namespaces, and pass on
/// what it printed.
fn rerun_in_own_network() {
    for tool in TOOLS {
        if find(tool).is_none() {
            return unavailable(TEST, &format!("{tool} is not installed"));
        }
    }
    let unshare = find("unshare").expect("found above");
    // --map-root-user makes a user namespace too, so no root is needed.
    // With --pid --fork --kill-child the rerun is PID 1 of its namespace:
    // when it ends, or unshare is killed, every helper ends with it.
    let namespaces = ["--net", "--pid", "--fork", "--kill-child", "--map-root-user"];
    let probe = Command::new(&unshare).args(namespaces).arg("true").output().expect("run unshare");
    if !probe.status.success() {
        let why = String::from_utf8_lossy(&probe.stderr);
        return unavailable(TEST, &format!("no network namespace can be made here ({})", why.trim()));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("rerun.log");
    let out = fs::File::create(&log).expect("log file");
    let child = Command::new(&unshare)
        .args(namespaces)
        .arg("--")
        .arg(std::env::current_exe().expect("this test binary"))
        .args(["--exact", &format!("acme::{TEST}"), "--nocapture", "--test-threads", "1"])
        .env(IN_OWN_NETWORK, "1")
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log file"))
        .stderr(out)
        .spawn()
        .expect("spawn unshare");
    let status = Killed(child).wait(RERUN_LIMIT);
    let text = fs::read_to_string(&log).unwrap_or_default();
    let status = status.unwrap_or_else(|| panic!("the rerun did not finish within {RERUN_LIMIT:?}:\n{text}"));
    // A rerun that ran no test (after a rename) would pass too.
    assert!(status.success() && text.contains("test result: ok. 1 passed"), "the rerun failed ({status}):\n{text}");
    println!("{text}");
}

/// The test proper, in its own network.
fn internet_site() {
    // A new network namespace's loopback is down, with 127.0.0.1 and ::1.
    let ip = find("ip").expect("ip");
    for args in [
        vec!["link", "set", "lo", "up"],
        vec!["addr", "add", &format!("{OUTSIDE}/32"), "dev", "lo"],
        vec!["addr", "add", &format!("{INSIDE}/32"), "dev", "lo"],
    ] {
        succeed(Command::new(&ip).args(&args));
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let ports = Ports::pick();
    let ca = TestCa::make(dir);
    let (_dns, _pebble, root) = start_pebble(dir, &ports, &ca);

    let p = Practice::new();
    p.run_stdin(&["admin", "password"], "a password for the acme test\n").ok();
    // As the README says: public_url names the internet site.
    p.set("public_url", &format!("https://{SITE}"));
    let (_, appt) = p.solo("Client At Home", now() + minutes(5));
    // As the README's options line: the internet site goes to the public
    // listener, which has no admin pages.
    let server = Server::start_with(p.path(), false, &["--public-listen", "127.0.0.1:0", "--trust-proxy", "127.0.0.1"]);

    fs::write(dir.join("Caddyfile"), caddyfile(dir, &ports, &ca, server.public_addr().port()))
        .expect("write Caddyfile");
    let caddy = Command::new(find("caddy").expect("caddy"))
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(dir.join("Caddyfile"))
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .stdin(Stdio::null())
        .stdout(log_file(dir, "caddy.log"))
        .stderr(log_file(dir, "caddy.log"))
        .spawn()
        .expect("spawn caddy");
    let mut caddy = Killed(caddy);
    let site = Site { port: ports.https, root };

    // The certificate: pebble's tls-alpn-01 port is one nothing listens
    // on and Caddy has no DNS provider, so only http-01 on Caddy's http
    // port can have earned it. Until then curl fails on the certificate.
    let started = Instant::now();
    loop {
        match site.try_get("127.0.0.1", &[], "/healthz") {
            Ok(r) if r.status == 200 => break,
            Ok(r) => panic!("/healthz through Caddy: {} {}", r.status, r.body),
            Err(e) if started.elapsed() > CERTIFICATE_LIMIT => {
                panic!("no certificate from pebble within {CERTIFICATE_LIMIT:?} ({e})\n{}", logs(dir))
            }
            Err(_) if caddy.exited().is_some() => panic!("caddy stopped\n{}", logs(dir)),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    eprintln!("certificate from pebble after {:?}", started.elapsed());

    // A client at home opens their link: Porchlight's page and headers.
    let page = site.get(OUTSIDE, &[], &format!("/v/{}", appt.token(0)));
    assert_eq!(page.status, 200, "{page:?}");
    for header in
        ["content-security-policy: default-src 'self'", "cache-control: no-store", "referrer-policy: no-referrer"]
    {
        assert!(page.head.contains(header), "missing {header}: {}", page.head);
    }

    // The audit trail holds the client's own address, not one it claims:
    // Caddy forwards the peer's address and drops the client's header.
    site.get(OUTSIDE, &["-H", "X-Forwarded-For: 10.9.9.9", "--data", "code=ZZZZ-ZZZZ"], "/join");
    assert_eq!(p.audit_addrs("code.failure"), [OUTSIDE], "the address Porchlight recorded for a client at home");

    // Caddy itself refuses the admin pages to the client at home: an empty
    // 403 without Porchlight's headers. Porchlight would refuse them too
    // (the forwarded address is not in --admin-from), but that must not be
    // what holds them, or the shipped block has stopped doing its part.
    let caddy_refused = |r: &Reply| r.status == 403 && !r.head.contains("content-security-policy");
    for path in ["/admin", "/admin/", "/admin/login"] {
        let r = site.get(OUTSIDE, &[], path);
        assert!(caddy_refused(&r), "{path} from outside the practice: Caddy must refuse it itself: {r:?}");
    }
    // Other spellings, sent as they are: Caddy refuses them too, or
    // Porchlight does not take them for an admin page (404), but none
    // reaches Porchlight's admin gate, the last line.
    for path in ["/admin//login", "/admin/%2e%2e/admin/login", "//admin/login", "/%61dmin/login", "/ADMIN/login"] {
        let r = site.get(OUTSIDE, &["--path-as-is"], path);
        assert!(caddy_refused(&r) || r.status == 404, "{path} from outside the practice got past Caddy: {r:?}");
    }
    // From the practice network Caddy lets /admin through, and the public
    // listener behind it has no admin page: the second line holds alone.
    // (The clinician uses the LAN site or the address of the box.)
    let login = site.get(INSIDE, &[], "/admin/login");
    assert_eq!(login.status, 404, "{login:?}");
    assert!(!caddy_refused(&login), "Porchlight's own answer: {login:?}");
    // And the main listener, on the practice network, has it.
    assert_eq!(server.get("/admin/login").status, 200);
    server.assert_healthy();
}

/// The loopback ports of the test's programs.
struct Ports {
    acme: u16,
    acme_management: u16,
    dns: u16,
    dns_management: u16,
    http: u16,
    https: u16,
    /// Where pebble would check tls-alpn-01: nothing listens there.
    tls_alpn: u16,
}

impl Ports {
    /// Seven free loopback ports, held open together while picked so no
    /// two are the same; nothing else runs in the test's own network to
    /// take one before its program binds it.
    fn pick() -> Ports {
        let held: Vec<TcpListener> =
            (0..7).map(|_| TcpListener::bind("127.0.0.1:0").expect("a free loopback port")).collect();
        let port = |i: usize| held[i].local_addr().expect("bound").port();
        Ports {
            acme: port(0),
            acme_management: port(1),
            dns: port(2),
            dns_management: port(3),
            http: port(4),
            https: port(5),
            tls_alpn: port(6),
        }
    }
}

/// The test's own certificate authority and the certificate it gave
/// pebble's ACME API on 127.0.0.1.
struct TestCa {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl TestCa {
    fn make(dir: &Path) -> TestCa {
        let at = |name: &str| dir.join(name);
        let openssl = || {
            let mut c = Command::new("openssl");
            c.current_dir(dir);
            c
        };
        succeed(openssl().args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=Porchlight test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ]));
        succeed(openssl().args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "acme.key",
            "-out",
            "acme.csr",
        ]));
        fs::write(at("acme.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n").expect("write ext");
        succeed(openssl().args([
            "x509",
            "-req",
            "-in",
            "acme.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "acme.ext",
            "-out",
            "acme.pem",
        ]));
        TestCa { ca: at("ca.pem"), cert: at("acme.pem"), key: at("acme.key") }
    }
}

/// pebble-challtestsrv as the DNS server that answers every name with
/// 127.0.0.1, and pebble resolving through it; returns them with the path
/// of pebble's root certificate, which signs what it issues.
fn start_pebble(dir: &Path, ports: &Ports, ca: &TestCa) -> (Killed, Killed, PathBuf) {
    let local = |port: u16| format!("127.0.0.1:{port}");
    let dns = Command::new(find("pebble-challtestsrv").expect("pebble-challtestsrv"))
        .args(["-dns01", &local(ports.dns), "-management", &local(ports.dns_management)])
        // Only the DNS: Caddy answers the challenges, not challtestsrv.
        .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
        .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
        .stdin(Stdio::null())
        .stdout(log_file(dir, "dns.log"))
        .stderr(log_file(dir, "dns.log"))
        .spawn()
        .expect("spawn pebble-challtestsrv");
    let dns = Killed(dns);
    let config = json!({"pebble": {
        "listenAddress": local(ports.acme),
        "managementListenAddress": local(ports.acme_management),
        "certificate": ca.cert,
        "privateKey": ca.key,
        "httpPort": ports.http,
        "tlsPort": ports.tls_alpn,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false,
    }});
    fs::write(dir.join("pebble.json"), config.to_string()).expect("write pebble.json");
    let pebble = Command::new(find("pebble").expect("pebble"))
        .arg("-config")
        .arg(dir.join("pebble.json"))
        .args(["-dnsserver", &local(ports.dns)])
        // Validate at once instead of after a random pause; and validate
        // for real, whatever the environment says.
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env_remove("PEBBLE_VA_ALWAYS_VALID")
        .stdin(Stdio::null())
        .stdout(log_file(dir, "pebble.log"))
        .stderr(log_file(dir, "pebble.log"))
        .spawn()
        .expect("spawn pebble");
    let mut pebble = Killed(pebble);
    let root = dir.join("pebble-root.pem");
    let started = Instant::now();
    loop {
        // The root changes with every start of pebble: fetch it over the
        // management API, trusting the test's own CA.
        let out = Command::new("curl")
            .args(["-sSf", "--max-time", "5", "--cacert"])
            .arg(&ca.ca)
            .arg("-o")
            .arg(&root)
            .arg(format!("https://127.0.0.1:{}/roots/0", ports.acme_management))
            .output()
            .expect("curl");
        let directory = Command::new("curl")
            .args(["-sSf", "--max-time", "5", "--cacert"])
            .arg(&ca.ca)
            .arg(format!("https://127.0.0.1:{}/dir", ports.acme))
            .output()
            .expect("curl");
        if out.status.success() && directory.status.success() {
            let pem = fs::read_to_string(&root).unwrap_or_default();
            assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "pebble's root: {pem}");
            return (dns, pebble, root);
        }
        if pebble.exited().is_some() || started.elapsed() > START_LIMIT {
            panic!("pebble did not start: {}\n{}", String::from_utf8_lossy(&out.stderr), logs(dir));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The shipped Caddyfile's global options and internet site, changed only
/// where a test must: its ports, pebble as the ACME server, the test's CA
/// trusted for pebble's API, and this test's Porchlight upstream. The LAN
/// site is another recipe (tested in proxy.rs).
fn caddyfile(dir: &Path, ports: &Ports, ca: &TestCa, upstream: u16) -> String {
    let shipped = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/Caddyfile")).expect("contrib");
    let (global, rest) = shipped.split_once("\n# 1. ").expect("contrib/Caddyfile: no `# 1.` site");
    let (_lan, internet) = rest.split_once("\n# 2. ").expect("contrib/Caddyfile: no `# 2.` site");
    let global = swap(
        global,
        "\n{\n",
        &format!(
            "\n{{\n\tadmin off\n\thttp_port {}\n\thttps_port {}\n\tstorage file_system {}\n\
             \tacme_ca https://127.0.0.1:{}/dir\n\tacme_ca_root {}\n",
            ports.http,
            ports.https,
            dir.join("caddy").display(),
            ports.acme,
            ca.ca.display()
        ),
    );
    once(internet, &format!("\n{SITE} {{\n"));
    let internet = swap(internet, "reverse_proxy 127.0.0.1:8081", &format!("reverse_proxy 127.0.0.1:{upstream}"));
    format!("{global}\n# 2. {internet}")
}

/// `text` with `from`, which must be there exactly once, replaced by `to`.
#[track_caller]
fn swap(text: &str, from: &str, to: &str) -> String {
    once(text, from);
    text.replacen(from, to, 1)
}

/// Assert that the shipped Caddyfile's `text` has `needle` exactly once.
#[track_caller]
fn once(text: &str, needle: &str) {
    let found = text.matches(needle).count();
    assert_eq!(found, 1, "contrib/Caddyfile changed: {needle:?} is there {found} times; update the test's copy");
}

/// The internet site as curl reaches it.
struct Site {
    port: u16,
    /// pebble's root: the only certificate curl trusts.
    root: PathBuf,
}

/// What curl got: the status, the head in lower case, and the body.
#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Site {
    /// `curl -i ARGS https://porch.example.org:PORT/PATH` from the address
    /// `from`, the name resolved to 127.0.0.1; a certificate error, like
    /// any failure to get an answer, is an error.
    fn try_get(&self, from: &str, args: &[&str], path: &str) -> Result<Reply, String> {
        let out = Command::new("curl")
            .args(["-sS", "-i", "--max-time", "10", "--interface", from])
            .args(["--resolve", &format!("{SITE}:{}:127.0.0.1", self.port), "--cacert"])
            .arg(&self.root)
            .args(args)
            .arg(format!("https://{SITE}:{}{path}", self.port))
            .output()
            .expect("curl");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or(format!("no status in {head:?}"))?;
        Ok(Reply { status, head: head.to_ascii_lowercase(), body: body.to_string() })
    }

    #[track_caller]
    fn get(&self, from: &str, args: &[&str], path: &str) -> Reply {
        self.try_get(from, args, path).unwrap_or_else(|e| panic!("curl {path} from {from}: {e}"))
    }
}

/// A child process, killed and reaped on drop.
struct Killed(Child);

impl Killed {
    /// Its exit status if it has exited.
    fn exited(&mut self) -> Option<ExitStatus> {
        self.0.try_wait().ok().flatten()
    }

    /// Its exit status if it exits within `limit`.
    fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run a short command to its end; panic unless it succeeds.
#[track_caller]
fn succeed(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A log file of the test's directory, appended to by a child.
fn log_file(dir: &Path, name: &str) -> fs::File {
    fs::OpenOptions::new().create(true).append(true).open(dir.join(name)).expect("log file")
}

/// The helpers' logs, for a failure message.
fn logs(dir: &Path) -> String {
    ["dns.log", "pebble.log", "caddy.log"]
        .iter()
        .map(|name| format!("--- {name}\n{}", fs::read_to_string(dir.join(name)).unwrap_or_default()))
        .collect()
}

/// `name` on PATH, or in the sbin directories a user's PATH may lack.
fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
