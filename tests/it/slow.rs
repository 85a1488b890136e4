//! Slow and oversized requests: 200 idle connections, 20 clients dripping
//! a byte a second, and one client sending an endless header line, while
//! a normal request must still answer within a second and the server's
//! memory stay under 64 MB. They come from other loopback addresses than
//! the normal request, since one address may hold only 64 connections.

use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Practice, connect_from, request, try_send};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("an address")
}

fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn idle_dripping_and_endless_clients_do_not_starve_a_normal_request() {
    let p = Practice::new();
    let server = p.serve();
    let addr = server.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let idle: Vec<TcpStream> =
        (0..200).filter_map(|i| connect_from(ip(&format!("127.0.0.{}", 20 + i / 50)), addr).ok()).collect();
    assert_eq!(idle.len(), 200);
    let drips: Vec<_> = (0..20)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let Ok(mut s) = connect_from(ip("127.0.0.30"), addr) else { return };
                let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nX-Slow: ");
                while !stop.load(Ordering::SeqCst) {
                    if s.write_all(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            })
        })
        .collect();
    let endless = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut s = connect_from(ip("127.0.0.31"), addr).expect("connect");
            let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
            let _ = s.write_all(b"GET / HTTP/1.1\r\nX-Endless: ");
            let chunk = vec![b'a'; 64 * 1024];
            let mut sent = 0usize;
            // At most 256 MB: the server must cut it off long before.
            while !stop.load(Ordering::SeqCst) && sent < 256 << 20 {
                if s.write_all(&chunk).is_err() {
                    break;
                }
                sent += chunk.len();
            }
            let mut answer = vec![0u8; 64];
            let n = s.read(&mut answer).unwrap_or(0);
            (sent, String::from_utf8_lossy(&answer[..n]).into_owned())
        })
    };
    let mut worst = Duration::ZERO;
    let mut peak = 0;
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(700));
        let t = Instant::now();
        let r = try_send(addr, &request("GET", b"/healthz", None)).expect("a normal request is answered");
        worst = worst.max(t.elapsed());
        assert_eq!(r.status, 200);
        peak = peak.max(rss_kb(server.pid()));
    }
    stop.store(true, Ordering::SeqCst);
    let (sent, answer) = endless.join().expect("endless");
    for d in drips {
        let _ = d.join();
    }
    drop(idle);
    assert!(worst < Duration::from_secs(1), "a normal request took {worst:?}");
    assert!(peak > 0 && peak < 64 * 1024, "RSS peaked at {peak} KB");
    // The server reads 16 KiB of it; the rest is what the kernel's socket
    // buffers took before the connection was closed.
    assert!(sent < 32 << 20, "the endless header was accepted for {sent} bytes");
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");
    eprintln!("slow clients: worst normal request {worst:?}, peak RSS {peak} KB, endless line cut after {sent} bytes");
}
