//! The way in from outside the practice: `serve --public-listen` serves
//! the client pages and the room there, never the admin pages, whatever
//! a request claims. A tunnel (cloudflared, `ssh -R`, a TCP relay) makes
//! every request come from this machine, which the admin pages trust on
//! the main listener; pointed at the public listener it opens nothing of
//! the admin. A local TCP relay stands in for the tunnel.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};

use crate::clinician::{Browser, PASSWORD, with_password};
use crate::support::{Server, minutes, now, request_with, try_send};

/// A plain TCP forward from a port of its own to `upstream`, as a tunnel
/// does: the server sees every connection come from 127.0.0.1. Runs
/// until the test ends; each connection is copied both ways.
fn relay(upstream: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind relay");
    let addr = listener.local_addr().expect("relay address");
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(upstream) else { continue };
            let pipe = |mut from: TcpStream, mut to: TcpStream| {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8192];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 || to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(Shutdown::Write);
                });
            };
            let (c2, s2) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
            pipe(client, server);
            pipe(s2, c2);
        }
    });
    addr
}

#[test]
fn through_a_tunnel_to_the_public_listener_clients_get_in_and_the_admin_does_not_exist() {
    let (p, _) = with_password(&[]);
    p.set("public_url", "https://porch.example.org");
    let (_, appt) = p.solo("Remote Client", now() + minutes(5));
    // As behind a local Caddy too: loopback is a trusted proxy.
    let server = Server::start_with(p.path(), false, &["--public-listen", "127.0.0.1:0", "--trust-proxy", "127.0.0.1"]);
    let tunnel = relay(server.public_addr());
    let outside = |method: &str, target: &str, headers: &[(&str, &str)], form: Option<&str>| {
        let mut h = vec![("Host", "porch.example.org")];
        h.extend_from_slice(headers);
        try_send(tunnel, &request_with(method, target.as_bytes(), &h, form)).expect("an answer through the tunnel")
    };

    // The client's pages work from outside.
    assert_eq!(outside("GET", &format!("/v/{}", appt.token(0)), &[], None).status, 200);
    assert_eq!(outside("GET", "/join", &[], None).status, 200);
    assert_eq!(outside("POST", &format!("/v/{}/join", appt.token(0)), &[], Some("")).status, 303);

    // No admin page answers, even with a forged LAN address.
    let lan = [("X-Forwarded-For", "192.168.1.5")];
    for target in ["/admin", "/admin/login", "/admin/setup", "/admin/api/waiting"] {
        let r = outside("GET", target, &lan, None);
        assert_eq!(r.status, 404, "{target}");
        r.assert_hardened();
    }
    let r = outside("POST", "/admin/login", &lan, Some(&format!("csrf=x&password={}", PASSWORD.replace(' ', "+"))));
    assert_eq!(r.status, 404);
    assert_eq!(p.audit_count("admin.login_failure"), 0, "no password was even checked");

    // On the practice network the admin works as before.
    let mut clinician = Browser::new(&server);
    assert_eq!(clinician.login(PASSWORD).status, 303);
}
