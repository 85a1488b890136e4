//! Behind real proxies from Debian, started by the tests on loopback with
//! the shipped `contrib/nginx.conf` (and a self-signed certificate) and
//! `contrib/Caddyfile` (with Caddy's own certificate authority): pages
//! come through with Porchlight's headers, the forwarded https scheme makes
//! admin cookies `__Host-`/`Secure`, a client cannot spoof its address
//! through the proxy, and nginx's body limit holds.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Practice, Server, minutes, now, unavailable};

/// A free loopback port. nginx cannot report a port it picked itself, so
/// the port is found here and handed to it; the tiny race is retried.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A running nginx, stopped when dropped; `port` is its https port.
pub(crate) struct Nginx {
    child: Child,
    pub port: u16,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The shipped config, pointed at this test's ports, certificate and files.
fn config(dir: &Path, https_port: u16, http_port: u16, upstream: u16) -> String {
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/nginx.conf")).expect("contrib");
    let site = shipped
        .lines()
        .filter(|l| !l.trim_start().starts_with("listen [::]"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("listen 80;", &format!("listen 127.0.0.1:{http_port};"))
        .replace("listen 443 ssl http2;", &format!("listen 127.0.0.1:{https_port} ssl http2;"))
        .replace("/etc/letsencrypt/live/porch.example.org/fullchain.pem", &dir.join("cert.pem").display().to_string())
        .replace("/etc/letsencrypt/live/porch.example.org/privkey.pem", &dir.join("key.pem").display().to_string())
        .replace("proxy_pass http://127.0.0.1:8081", &format!("proxy_pass http://127.0.0.1:{upstream}"));
    assert!(!site.contains("proxy_pass http://127.0.0.1:8080"), "every way in goes to the public listener: {site}");
    assert!(site.contains(&format!("proxy_pass http://127.0.0.1:{upstream}")), "{site}");
    let d = dir.display();
    format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\n\
         http {{\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n fastcgi_temp_path {d}/fcgi;\n \
         uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n{site}\n}}\n"
    )
}

fn start_nginx(dir: &Path, upstream: u16) -> Option<Nginx> {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().find(|p| Path::new(p).exists())?;
    let cert = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=porch.example.org"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl makes the test certificate (apt-get install openssl)");
    assert!(cert.success(), "openssl could not make a test certificate");
    Some(run_nginx(nginx, dir, |https_port, http_port| config(dir, https_port, http_port, upstream)))
}

/// nginx (the binary `nginx`) run from `dir` with the config `conf(https
/// port, http port)` makes for two free loopback ports, once it answers
/// on the first; the tiny race for the ports is tried again, five times.
pub(crate) fn run_nginx(nginx: &str, dir: &Path, conf: impl Fn(u16, u16) -> String) -> Nginx {
    for _ in 0..5 {
        let (https_port, http_port) = (free_port(), free_port());
        std::fs::write(dir.join("nginx.conf"), conf(https_port, http_port)).expect("write conf");
        let child = Command::new(nginx)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-p")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn nginx");
        let mut n = Nginx { child, port: https_port };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if std::net::TcpStream::connect(("127.0.0.1", https_port)).is_ok() {
                return n;
            }
            if n.child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The port was taken in the meantime: try others.
    }
    panic!("nginx did not start: {}", std::fs::read_to_string(dir.join("error.log")).unwrap_or_default());
}

/// `curl -k` through nginx: status, headers and body as one string.
fn curl(port: u16, args: &[&str], path: &str) -> String {
    curl_host("porch.example.org", port, args, path)
}

#[test]
fn behind_nginx_headers_cookies_addresses_and_limits_hold() {
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], "a password for the proxy test\n").ok();
    // As the README says: public_url names the site the proxy serves.
    p.set("public_url", "https://porch.example.org");
    let (_, appt) = p.solo("Proxied Client", now() + minutes(5));
    let server = Server::start_with(p.path(), false, &["--public-listen", "127.0.0.1:0", "--trust-proxy", "127.0.0.1"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(nginx) = start_nginx(dir.path(), server.public_addr().port()) else {
        return unavailable("behind_nginx_headers_cookies_addresses_and_limits_hold", "nginx is not installed");
    };

    let page = curl(nginx.port, &[], &format!("/v/{}", appt.token(0)));
    assert!(page.starts_with("HTTP/2 200") || page.starts_with("HTTP/1.1 200"), "{page}");
    for header in
        ["content-security-policy: default-src 'self'", "cache-control: no-store", "referrer-policy: no-referrer"]
    {
        assert!(page.to_ascii_lowercase().contains(header), "missing {header}: {page}");
    }

    // No admin page from the internet: nginx answers 404 itself, and the
    // public listener behind it has none either.
    for path in ["/admin/login", "/admin/"] {
        let login = curl(nginx.port, &[], path);
        assert!(login.starts_with("HTTP/2 404") || login.starts_with("HTTP/1.1 404"), "{login}");
    }
    assert_eq!(
        crate::support::try_send(server.public_addr(), &crate::support::request("GET", b"/admin/login", None))
            .map(|r| r.status),
        Ok(404)
    );

    // A client cannot choose its address: nginx replaces what it claims.
    curl(nginx.port, &["-H", "X-Forwarded-For: 10.9.9.9", "--data", "code=ZZZZ-ZZZZ"], "/join");
    assert_eq!(p.audit_addrs("code.failure"), ["127.0.0.1"]);

    // nginx's own body limit holds before Porchlight sees anything.
    let big = format!("code={}", "A".repeat(100 * 1024));
    let refused = curl(nginx.port, &["--data", &big], "/join");
    assert!(refused.contains(" 413"), "{}", &refused[..refused.len().min(300)]);
    server.assert_healthy();
}

struct Caddy(Child);

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The shipped Caddyfile's global options and LAN site (with its `tls
/// internal`), on loopback ports of this test.
fn caddyfile(dir: &Path, https_port: u16, http_port: u16, upstream: u16) -> String {
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/Caddyfile")).expect("contrib");
    let lan = shipped.split("# 2.").next().expect("the LAN part");
    lan.replacen(
        "{\n",
        &format!(
            "{{\n\tadmin off\n\tskip_install_trust\n\thttp_port {http_port}\n\thttps_port {https_port}\n\tstorage file_system {}\n",
            dir.join("caddy").display()
        ),
        1,
    )
    .replace("porch.lan, 192.168.1.10 {", "porch.lan {\n\tbind 127.0.0.1")
    .replace("127.0.0.1:8080", &format!("127.0.0.1:{upstream}"))
}

#[test]
fn behind_caddy_with_its_own_certificates_the_lan_setup_works() {
    let Some(caddy) = ["/usr/bin/caddy", "/usr/local/bin/caddy"].into_iter().find(|p| Path::new(p).exists()) else {
        return unavailable("behind_caddy_with_its_own_certificates_the_lan_setup_works", "caddy is not installed");
    };
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], "a password for the caddy test\n").ok();
    p.set("public_url", "https://porch.lan");
    let (_, appt) = p.solo("Caddy Client", now() + minutes(5));
    let server = Server::start_with(p.path(), false, &["--trust-proxy", "127.0.0.1"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (https_port, http_port) = (free_port(), free_port());
    std::fs::write(dir.path().join("Caddyfile"), caddyfile(dir.path(), https_port, http_port, server.addr.port()))
        .expect("write");
    let child = Command::new(caddy)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(dir.path().join("Caddyfile"))
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn caddy");
    let _caddy = Caddy(child);
    let started = Instant::now();
    let page = loop {
        let page = curl_host("porch.lan", https_port, &[], &format!("/v/{}", appt.token(0)));
        if page.starts_with("HTTP/") || started.elapsed() > Duration::from_secs(20) {
            break page;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(page.starts_with("HTTP/2 200") || page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.to_ascii_lowercase().contains("content-security-policy: default-src 'self'"), "{page}");
    let login = curl_host("porch.lan", https_port, &[], "/admin/login").to_ascii_lowercase();
    assert!(login.contains("set-cookie: __host-porchlight_pre=") && login.contains("; secure"), "{login}");
    curl_host("porch.lan", https_port, &["-H", "X-Forwarded-For: 10.9.9.9", "--data", "code=ZZZZ-ZZZZ"], "/join");
    assert_eq!(p.audit_addrs("code.failure"), ["127.0.0.1"]);

    // The built-in room over https, the secure context browsers need for
    // camera and microphone: the ticket cookie is Secure, and the page and
    // its signalling pass through Caddy.
    p.set("video_provider", "builtin");
    p.set("waiting_room", "off");
    let join = curl_host("porch.lan", https_port, &["--data", ""], &format!("/v/{}/join", appt.token(0)));
    let header = |name: &str| {
        join.lines().find(|l| l.to_ascii_lowercase().starts_with(name)).map(|l| l[name.len()..].trim().to_string())
    };
    let room = header("location: ").unwrap_or_default();
    assert!(room.starts_with("/room/"), "{join}");
    let set = header("set-cookie: porchlight_room=").map(|v| format!("porchlight_room={v}")).expect("a room ticket");
    assert!(set.contains("; Secure") && set.contains("; HttpOnly"), "{set}");
    let cookie = set.split(';').next().unwrap().to_string();
    let page = curl_host("porch.lan", https_port, &["-H", &format!("Cookie: {cookie}")], &room);
    assert!(page.starts_with("HTTP/2 200") && page.contains("room.js"), "{page}");
    let json = ["-H", "Content-Type: application/json", "-H", "Sec-Fetch-Site: same-origin", "--data", "{}"];
    let enter = curl_host(
        "porch.lan",
        https_port,
        &[&["-H", &format!("Cookie: {cookie}")][..], &json[..]].concat(),
        &format!("{room}/enter"),
    );
    assert!(enter.starts_with("HTTP/2 200") && enter.contains("\"peer\""), "{enter}");
}

/// `curl -k` to `host:port` resolved to loopback.
fn curl_host(host: &str, port: u16, args: &[&str], path: &str) -> String {
    let out = Command::new("curl")
        .args(["-sk", "-i", "--max-time", "10", "--resolve", &format!("{host}:{port}:127.0.0.1")])
        .args(args)
        .arg(format!("https://{host}:{port}{path}"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_shipped_caddyfile_limits_match_porchlights_own() {
    let Some(caddy) = ["/usr/bin/caddy", "/usr/local/bin/caddy"].into_iter().find(|p| Path::new(p).exists()) else {
        return unavailable("the_shipped_caddyfile_limits_match_porchlights_own", "caddy is not installed");
    };
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/Caddyfile");
    let out =
        Command::new(caddy).args(["adapt", "--adapter", "caddyfile", "--config"]).arg(&config).output().expect("caddy");
    let json = String::from_utf8_lossy(&out.stdout).replace(' ', "");
    // Caddy reads KB as 1000 bytes: just under Porchlight's 16 KiB head
    // and 64 KiB body, so a request it lets through could still be refused.
    assert!(json.contains("\"max_header_bytes\":16384"), "{json}");
    assert_eq!(json.matches("\"max_size\":65536").count(), 2, "{json}");
}
