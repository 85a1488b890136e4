//! The database connections requests are answered with: two pools of
//! `App`s, one for the event loop's workers and one for the threads, and
//! the [`Lease`] a request holds its connection by.

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex};

use super::Shared;
use crate::app::App;

/// The two pools: the event loop's workers' and the threads'.
pub struct Pools {
    /// The database connections the event loop answers with.
    quick: Pool,
    /// The database connections of requests on threads of their own.
    apps: Pool,
}

impl Pools {
    /// `quick` for the event loop's workers, `apps` for the threads.
    pub fn new(quick: Vec<App>, apps: Vec<App>) -> Pools {
        Pools { quick: Pool::new(quick), apps: Pool::new(apps) }
    }
}

/// A few `App`s (database connections) lent to the threads that answer
/// requests, one request at a time.
///
/// The event loop's workers have a pool of their own, as large as there
/// are workers (`--workers`, four by default, as many as the event loop
/// ever starts): they never wait for a connection that a thread holds.
struct Pool {
    apps: Mutex<Idle>,
    ready: Condvar,
}

/// The connections not lent out, and how many threads wait for one.
struct Idle {
    apps: Vec<App>,
    waiting: usize,
}

thread_local! {
    /// Set on the event loop's workers.
    static ON_EVENT_LOOP: Cell<bool> = const { Cell::new(false) };
}

/// Mark this thread as a worker of the event loop: its requests use the
/// event loop's own connections.
pub fn mark_event_loop_thread() {
    ON_EVENT_LOOP.with(|f| f.set(true));
}

/// A pooled database connection lent to one request. A handler can give
/// it back while it waits for something slow and take one again after
/// ([`Shared::without_app`]).
pub struct Lease {
    /// Always there, except inside `without_app`, when nothing can reach it.
    app: Option<App>,
}

impl Deref for Lease {
    type Target = App;
    fn deref(&self) -> &App {
        self.app.as_ref().expect("a lease holds its connection")
    }
}

impl DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut App {
        self.app.as_mut().expect("a lease holds its connection")
    }
}

impl Shared {
    /// Run `f` as one request on a pooled database connection: the event
    /// loop's own on its workers, else the threads'.
    pub fn with_app<T>(&self, f: impl FnOnce(&mut Lease) -> T) -> T {
        let pool = if ON_EVENT_LOOP.with(Cell::get) { &self.pools.quick } else { &self.pools.apps };
        let mut app = pool.take();
        app.begin_request();
        let mut lease = Lease { app: Some(app) };
        let out = f(&mut lease);
        let mut app = lease.app.take().expect("a lease holds its connection");
        app.end_request();
        pool.give(app);
        out
    }

    /// Give `lease`'s connection back to the pool while `f` runs (argon2:
    /// a login must not hold a connection that others wait for), and take
    /// one again after. Only for threads: the event loop never waits.
    pub fn without_app<T>(&self, lease: &mut Lease, f: impl FnOnce() -> T) -> T {
        debug_assert!(!ON_EVENT_LOOP.with(Cell::get), "the event loop never waits");
        let mut app = lease.app.take().expect("a lease holds its connection");
        app.end_request();
        self.pools.apps.give(app);
        let out = f();
        let mut app = self.pools.apps.take();
        app.begin_request();
        lease.app = Some(app);
        out
    }
}

impl Pool {
    fn new(apps: Vec<App>) -> Pool {
        Pool { apps: Mutex::new(Idle { apps, waiting: 0 }), ready: Condvar::new() }
    }

    fn take(&self) -> App {
        let mut idle = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            match idle.apps.pop() {
                Some(app) => return app,
                None => {
                    idle.waiting += 1;
                    idle = self.ready.wait(idle).unwrap_or_else(|p| p.into_inner());
                    idle.waiting -= 1;
                }
            }
        }
    }

    fn give(&self, app: App) {
        let mut idle = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        idle.apps.push(app);
        // A notify is a system call even when nobody waits; on the event
        // loop's path nobody usually does.
        if idle.waiting > 0 {
            self.ready.notify_one();
        }
    }
}
