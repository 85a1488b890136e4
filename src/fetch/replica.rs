//! What Litestream says of the continuous copy: one `GET /list` on its
//! control socket (Litestream 0.5's `socket:` setting), read for the one
//! database that is ours.
//!
//! Litestream answers `{"databases":[{"path", "status",
//! "last_sync_at"}]}`, where `last_sync_at` is when it last finished a
//! sync with the replica (an idle database is synced, and so stamped,
//! every `sync-interval` too: measured with 0.5.17). Porchlight only
//! reads it; it never starts, stops or configures Litestream.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::get::{Failure, get_unix};

/// The longest Porchlight waits for Litestream's answer.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// The largest answer read: a few hundred bytes a database.
const MAX_ANSWER: usize = 64 * 1024;

/// Litestream's word on our database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replica {
    /// `replicating`, or what Litestream says instead (`open`, `stopped`).
    pub status: String,
    /// When the replica last took a sync; `None` before the first.
    pub last_sync_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct List {
    databases: Vec<Listed>,
}

#[derive(Deserialize)]
struct Listed {
    path: String,
    status: String,
    /// RFC 3339, nanoseconds and all.
    last_sync_at: Option<String>,
}

/// Ask the Litestream listening on `socket` about the database at `db`.
/// Errors are sentences for the dashboard: nothing listening, not
/// allowed, no answer within [`ANSWER_WITHIN`], an answer that is not
/// Litestream 0.5's, or `db` not among the databases it copies.
pub fn ask(socket: &Path, db: &Path) -> Result<Replica, String> {
    let at = socket.display();
    let answer =
        get_unix(socket, "/list", Instant::now() + ANSWER_WITHIN, MAX_ANSWER).map_err(|e| failed(&e, socket))?;
    if answer.status != 200 {
        return Err(format!("Litestream at {at} answered {} {}", answer.status, answer.reason));
    }
    let list: List = serde_json::from_slice(&answer.body)
        .map_err(|_| format!("what answers at {at} does not speak as Litestream 0.5 does"))?;
    let ours = list.databases.into_iter().find(|d| same_file(Path::new(&d.path), db)).ok_or_else(|| {
        format!("Litestream at {at} does not copy this database ({}): add it to litestream.yml", db.display())
    })?;
    let last_sync_at = match ours.last_sync_at {
        None => None,
        Some(when) => Some(
            DateTime::parse_from_rfc3339(&when)
                .map_err(|_| format!("Litestream at {at} gave a sync time that is not RFC 3339"))?
                .with_timezone(&Utc),
        ),
    };
    Ok(Replica { status: ours.status, last_sync_at })
}

/// Why asking failed, in words for the dashboard.
fn failed(e: &Failure, socket: &Path) -> String {
    let at = socket.display();
    match e {
        Failure::NoSuchHost => format!("there is no socket at {at}: is Litestream running, with its socket enabled?"),
        Failure::Connect | Failure::Io(std::io::ErrorKind::ConnectionRefused) => {
            format!("nothing answers at {at}: Litestream has stopped")
        }
        Failure::Io(std::io::ErrorKind::PermissionDenied) => {
            format!("Porchlight may not open {at}: run Litestream as the same user as Porchlight")
        }
        Failure::Timeout => format!("Litestream did not answer at {at} within {} s", ANSWER_WITHIN.as_secs()),
        _ => format!("what answers at {at} does not speak as Litestream does"),
    }
}

/// The same file, whatever symbolic links or `..` lead to it.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixListener;

    /// A socket that answers one request with `answer`; what it was asked.
    fn answering(dir: &Path, answer: &'static str) -> (std::path::PathBuf, std::thread::JoinHandle<String>) {
        let path = dir.join("ls.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let handle = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut asked = vec![0u8; 4096];
            let n = s.read(&mut asked).unwrap();
            s.write_all(answer.as_bytes()).unwrap();
            String::from_utf8_lossy(&asked[..n]).into_owned()
        });
        (path, handle)
    }

    #[test]
    fn our_database_is_read_from_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("porchlight.db");
        std::fs::write(&db, "").unwrap();
        let body = format!(
            r#"{{"databases":[{{"path":"/elsewhere/x.db","status":"replicating"}},{{"path":"{}","status":"replicating","last_sync_at":"2026-12-01T03:40:09.291495361Z"}}]}}"#,
            dir.path().join(".").join("porchlight.db").display()
        );
        let answer: &'static str =
            Box::leak(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_boxed_str());
        let (sock, asked) = answering(dir.path(), answer);
        let got = ask(&sock, &db).unwrap();
        assert_eq!(got.status, "replicating");
        assert_eq!(got.last_sync_at.unwrap().to_rfc3339(), "2026-12-01T03:40:09.291495361+00:00");
        assert!(asked.join().unwrap().starts_with("GET /list HTTP/1.1\r\n"));
    }

    #[test]
    fn chunked_answers_are_read_too() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("porchlight.db");
        std::fs::write(&db, "").unwrap();
        let (sock, _) = answering(
            dir.path(),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"databases\":[]}\r\n0\r\n\r\n",
        );
        let err = ask(&sock, &db).unwrap_err();
        assert!(err.contains("does not copy this database") && err.contains("litestream.yml"), "{err}");
    }

    #[test]
    fn each_failure_says_what_to_look_at() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("porchlight.db");
        let err = ask(&dir.path().join("none.sock"), &db).unwrap_err();
        assert!(err.contains("there is no socket at") && err.contains("none.sock"), "{err}");
        // Bound, then closed: a socket file nobody listens on.
        drop(UnixListener::bind(dir.path().join("dead.sock")).unwrap());
        let err = ask(&dir.path().join("dead.sock"), &db).unwrap_err();
        assert!(err.contains("Litestream has stopped"), "{err}");
        let (sock, _) = answering(dir.path(), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        let err = ask(&sock, &db).unwrap_err();
        assert!(err.contains("answered 404 Not Found"), "{err}");
        std::fs::remove_file(&sock).unwrap();
        let (sock, _) = answering(dir.path(), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        let err = ask(&sock, &db).unwrap_err();
        assert!(err.contains("does not speak as Litestream 0.5 does"), "{err}");
    }

    #[test]
    fn another_users_socket_is_named_as_the_reason() {
        let said = failed(&Failure::Io(std::io::ErrorKind::PermissionDenied), Path::new("/x/ls.sock"));
        assert!(said.contains("may not open /x/ls.sock") && said.contains("same user"), "{said}");
    }

    #[test]
    fn a_full_queue_is_given_up_on_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("full.sock");
        // A listener that never accepts: fill its queue until connecting
        // would wait, then ask.
        let listener = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None).unwrap();
        listener.bind(&socket2::SockAddr::unix(&path).unwrap()).unwrap();
        listener.listen(0).unwrap();
        let mut held = vec![];
        for _ in 0..64 {
            let s = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None).unwrap();
            s.set_nonblocking(true).unwrap();
            if s.connect(&socket2::SockAddr::unix(&path).unwrap()).is_err() {
                break;
            }
            held.push(s);
        }
        let started = Instant::now();
        let err = ask(&path, &dir.path().join("porchlight.db")).unwrap_err();
        assert!(started.elapsed() < ANSWER_WITHIN + Duration::from_secs(10), "bounded, not a speed test: {err}");
    }

    #[test]
    fn a_silent_socket_is_given_up_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mute.sock");
        let _listener = UnixListener::bind(&path).unwrap();
        let started = Instant::now();
        let err = ask(&path, &dir.path().join("porchlight.db")).unwrap_err();
        assert!(err.contains("did not answer") && err.contains("within 2 s"), "{err}");
        assert!(started.elapsed() < ANSWER_WITHIN + Duration::from_secs(10), "bounded, not a speed test");
    }
}
