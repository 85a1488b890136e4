//! Every cap and deadline of a connection, written once: the event loop
//! (`events.rs`) and the blocking threads (`conn.rs`) both read requests
//! through `reader::Reader`, which applies them, and write under the same
//! deadlines. SECURITY.md and README.md quote these figures.

use std::time::Duration;

/// Largest request head (request line and headers); more is answered 431.
pub const MAX_HEAD: usize = 16 * 1024;
/// Most header lines in one request; more is answered 431.
pub const MAX_HEADERS: usize = 100;
/// Longest request target; more is answered 414.
pub const MAX_URL: usize = 2048;
/// Largest request body (64 KiB); more is answered 413.
pub const MAX_BODY: usize = 64 * 1024;
/// Largest body of the few requests the router allows more (4 MiB: an
/// uploaded calendar, `POST /admin/import`); more is answered 413. Only
/// [`MAX_LARGE_BODIES`] such bodies are read at once, so the server's
/// bodies take at most `MAX_CONNECTIONS` × [`MAX_BODY`] +
/// [`MAX_LARGE_BODIES`] × [`MAX_IMPORT_BODY`] (32 MiB + 4 MiB).
pub const MAX_IMPORT_BODY: usize = 4 * 1024 * 1024;
/// Large bodies read at once, server-wide; one more is answered 503 with
/// `Retry-After` at its head, before any of its body is read.
pub const MAX_LARGE_BODIES: usize = 1;

/// Time to send a connection's first request head, however slowly it
/// drips; silence past it closes quietly, a part of a head gets 408.
pub const HEAD_TIME: Duration = Duration::from_secs(10);
/// Time an idle keep-alive connection is kept, and the time the next
/// request head has to arrive whole.
pub const IDLE_TIME: Duration = Duration::from_secs(15);
/// Time to send a body of at most [`MAX_BODY`], from the end of its head.
pub const BODY_TIME: Duration = Duration::from_secs(15);
/// Time to send a larger body (at most [`MAX_IMPORT_BODY`]): 4 MiB at
/// 70 KB/s, a phone on weak Wi-Fi.
pub const LARGE_BODY_TIME: Duration = Duration::from_secs(60);
/// What a request refused for a busy large-body permit is told to wait.
pub const LARGE_BODY_RETRY: &str = "10";
/// Time a client has to take a response.
pub const WRITE_TIME: Duration = Duration::from_secs(30);
/// Time a refused client has to take its error page.
pub const REFUSAL_TIME: Duration = Duration::from_secs(1);

/// Connections served at once; more are answered 503 and closed (and one
/// address may hold only its share of them: `slots.rs`).
pub const MAX_CONNECTIONS: usize = 512;
/// Connections the kernel completes and queues for us before we accept
/// them (listen(2) backlog). The standard library asks for 128: a burst of
/// connections while the workers are busy overflowed it, and the kernel
/// then let the overflow in over seconds of SYN-ACK retries, each waiting
/// its turn. Above [`MAX_CONNECTIONS`], so a burst up to the cap queues
/// whole; Linux clamps it to `net.core.somaxconn` (4096 by default).
pub const BACKLOG: i32 = 1024;
/// Requests on one connection before it is closed.
pub const MAX_REQUESTS: usize = 1000;

/// Stack of a thread that answers requests (SQLite, the templates,
/// argon2): generous, since only touched pages cost memory.
pub const STACK: usize = 512 * 1024;
/// Bytes asked of the socket per read.
pub const CHUNK: usize = 8192;
