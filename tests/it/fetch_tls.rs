//! The calendar fetch over real TLS: nginx serves a calendar over https
//! with a certificate from a test authority made by openssl; `import ics
//! https://...` reads it when the authority is trusted (`SSL_CERT_FILE`,
//! which the fetch honours as the system's roots) and refuses it, saying
//! why and without the address, when it is not.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::proxy::run_nginx;
use crate::support::{BIN, Practice, unavailable};

fn openssl(dir: &Path, args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl makes the test certificates (apt-get install openssl)");
    assert!(ok.success(), "openssl {args:?} failed");
}

/// A test authority and a certificate for 127.0.0.1 signed by it.
fn certificates(dir: &Path) {
    let days = ["-days", "2"];
    openssl(
        dir,
        &[
            &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Test Authority"][..],
            &days,
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    );
    openssl(
        dir,
        &["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "leaf.key", "-out", "leaf.csr"],
    );
    openssl(
        dir,
        &[
            &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Other Authority"][..],
            &days,
            &["-keyout", "other.key", "-out", "other.pem"],
        ]
        .concat(),
    );
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").unwrap();
    openssl(
        dir,
        &[
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "leaf.pem",
                "-extfile",
                "ext.cnf",
            ][..],
            &days,
        ]
        .concat(),
    );
}

/// `import ics url` trusting only the authority in the file `ca`.
fn import(p: &Practice, url: &str, ca: &Path) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data").arg(p.path()).args(["import", "ics", url, "--dry-run", "--json"]);
    cmd.env_remove("SSL_CERT_DIR").env("SSL_CERT_FILE", ca).output().unwrap()
}

#[test]
fn a_calendar_is_fetched_over_tls_only_from_a_trusted_server() {
    let Some(nginx) = ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().find(|p| Path::new(p).exists()) else {
        return unavailable("a_calendar_is_fetched_over_tls_only_from_a_trusted_server", "nginx is not installed");
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certificates(d);
    std::fs::create_dir(d.join("www")).unwrap();
    let start = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y%m%dT100000Z");
    std::fs::write(
        d.join("www/basic.ics"),
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:tls-1\r\nSUMMARY:Ann\r\n\
             DTSTART:{start}\r\nDURATION:PT50M\r\nATTENDEE;CN=Ann Smith:mailto:ann@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ),
    )
    .unwrap();
    let dd = d.display();
    let server = run_nginx(nginx, d, |port, _| {
        format!(
            "daemon off;\nmaster_process off;\npid {dd}/nginx.pid;\nerror_log {dd}/error.log;\nevents {{}}\n\
             http {{\n client_body_temp_path {dd}/body;\n proxy_temp_path {dd}/proxy;\n fastcgi_temp_path {dd}/fcgi;\n \
             uwsgi_temp_path {dd}/uwsgi;\n scgi_temp_path {dd}/scgi;\n access_log off;\n \
             server {{\n  listen 127.0.0.1:{port} ssl;\n  ssl_certificate {dd}/leaf.pem;\n  ssl_certificate_key {dd}/leaf.key;\n  \
             root {dd}/www;\n }}\n}}\n"
        )
    });
    let port = server.port;

    let p = Practice::new();
    let url = format!("https://127.0.0.1:{port}/basic.ics");
    let out = import(&p, &url, &d.join("ca.pem"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["changes"][0]["clients"][0], "Ann Smith");

    // Another authority: the server's certificate is not trusted.
    let out = import(&p, &url, &d.join("other.pem"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("certificate this machine does not trust"), "{err}");
    assert!(!err.contains("basic.ics") && !err.contains(&port.to_string()), "the address stays out of errors: {err}");
    // Plain http to the TLS port: not HTTP the fetch reads, said plainly.
    let out = import(&p, &format!("http://127.0.0.1:{port}/basic.ics"), &d.join("ca.pem"));
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}
