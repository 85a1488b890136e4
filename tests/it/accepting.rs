//! The server keeps accepting connections after running out of file
//! descriptors, instead of going deaf for good: the accept loop waits out
//! `accept()` errors rather than ending on the first one.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Practice, Server, request, try_send};

#[test]
fn after_running_out_of_file_descriptors_the_server_accepts_again() {
    let p = Practice::new();
    let server = Server::start_wrapped(&["prlimit", "--nofile=64:64"], p.path(), false, &[]);
    server.assert_healthy();
    // Idle connections until the server cannot accept any more.
    let flood: Vec<TcpStream> = (0..120).filter_map(|_| TcpStream::connect(server.addr).ok()).collect();
    std::thread::sleep(Duration::from_millis(500));
    drop(flood);
    // Once they are gone a new request must be answered, soon.
    let started = Instant::now();
    let answered = loop {
        if let Ok(r) = try_send(server.addr, &request("GET", b"/healthz", None)) {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no answer 30 s after the flood; log: {}",
            server.stderr()
        );
    };
    assert_eq!((answered.status, answered.body.trim()), (200, "ok"));
    eprintln!(
        "accepting again {:.1} s after the flood ended; log: {}",
        started.elapsed().as_secs_f64(),
        server.stderr()
    );
}
