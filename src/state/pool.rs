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

/// Opens one more database connection for a pool.
pub type Opener = Box<dyn Fn() -> crate::error::Result<App> + Send + Sync>;

impl Pools {
    /// `quick` for the event loop's workers, `apps` for the threads, each
    /// of up to `size` connections made by its opener: one now (so a
    /// database that cannot be opened stops the start), the others when
    /// a request first finds every open one lent out. A quiet practice's
    /// box keeps one or two: each holds SQLite's page cache, lookaside
    /// and parsed schema, some 250 KB.
    pub fn new(size: usize, quick: Opener, apps: Opener) -> crate::error::Result<Pools> {
        Ok(Pools { quick: Pool::new(size, quick)?, apps: Pool::new(size, apps)? })
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
    open: Opener,
}

/// The connections not lent out, how many threads wait for one, and how
/// many more may be opened.
struct Idle {
    apps: Vec<App>,
    waiting: usize,
    unopened: usize,
    opened: usize,
    /// A failed open was logged: said once until one succeeds, however
    /// many requests find every connection lent out meanwhile.
    failing: bool,
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
    fn new(size: usize, open: Opener) -> crate::error::Result<Pool> {
        let first = open()?;
        let idle = Idle { apps: vec![first], waiting: 0, unopened: size.max(1) - 1, opened: 1, failing: false };
        Ok(Pool { apps: Mutex::new(idle), ready: Condvar::new(), open })
    }

    #[cfg(test)]
    fn opened(&self) -> usize {
        self.apps.lock().unwrap_or_else(|p| p.into_inner()).opened
    }

    fn take(&self) -> App {
        let mut idle = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(app) = idle.apps.pop() {
                return app;
            }
            if idle.unopened > 0 {
                idle.unopened -= 1;
                // Opened outside the lock: others give back and take meanwhile.
                drop(idle);
                let opened = (self.open)();
                idle = self.apps.lock().unwrap_or_else(|p| p.into_inner());
                match opened {
                    Ok(app) => {
                        idle.opened += 1;
                        idle.failing = false;
                        return app;
                    }
                    // One is open whatever happens (`new`): wait for it.
                    Err(e) => {
                        idle.unopened += 1;
                        if !std::mem::replace(&mut idle.failing, true) {
                            eprintln!("porchlight: could not open another database connection, waiting for one: {e}");
                        }
                    }
                }
            }
            idle.waiting += 1;
            idle = self.ready.wait(idle).unwrap_or_else(|p| p.into_inner());
            idle.waiting -= 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting(opens: Arc<AtomicUsize>, fail_after: usize) -> Opener {
        Box::new(move || {
            let n = opens.fetch_add(1, Ordering::SeqCst);
            if n >= fail_after {
                return Err(crate::error::Error::internal("disk gone"));
            }
            Ok(crate::app::test_app())
        })
    }

    #[test]
    fn connections_are_opened_as_requests_need_them_never_more_than_the_size() {
        let opens = Arc::new(AtomicUsize::new(0));
        let pool = Pool::new(3, counting(opens.clone(), usize::MAX)).unwrap();
        assert_eq!(pool.opened(), 1, "one at the start");
        // One request after another reuses the one.
        for _ in 0..5 {
            let app = pool.take();
            pool.give(app);
        }
        assert_eq!(opens.load(Ordering::SeqCst), 1);
        let held: Vec<App> = (0..3).map(|_| pool.take()).collect();
        assert_eq!(pool.opened(), 3, "three at once: three");
        for app in held {
            pool.give(app);
        }
        // A fourth at once waits for one given back instead of opening.
        let held: Vec<App> = (0..3).map(|_| pool.take()).collect();
        let pool = Arc::new(pool);
        let waiter = {
            let pool = pool.clone();
            std::thread::spawn(move || pool.give(pool.take()))
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished(), "it waits");
        for app in held {
            pool.give(app);
        }
        waiter.join().unwrap();
        assert_eq!(opens.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_connection_that_cannot_be_opened_is_waited_for_and_the_start_fails_without_one() {
        assert!(Pool::new(2, counting(Arc::new(AtomicUsize::new(0)), 0)).is_err(), "none at all: the start says so");
        let opens = Arc::new(AtomicUsize::new(0));
        let pool = Arc::new(Pool::new(2, counting(opens.clone(), 1)).unwrap());
        let first = pool.take();
        let second = {
            let pool = pool.clone();
            std::thread::spawn(move || pool.give(pool.take()))
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!second.is_finished(), "the open failed: it waits for the one in use");
        pool.give(first);
        second.join().unwrap();
        assert_eq!(pool.opened(), 1);
    }
}
