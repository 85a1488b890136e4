//! The one thread that runs argon2 for the server.
//!
//! Every password hash and check of `serve` runs here, one at a time, in
//! one reused block of memory ([`Argon`]): a login flood costs one core
//! and 19 MiB, however many requests wait, and the block goes back to the
//! system once no job came for a moment. Jobs wait in a short queue; when
//! it is full a request is answered at once (busy, try again), never kept
//! waiting without bound.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::password::{Argon, Hashed};

/// Jobs that may wait for the hasher. Logins are throttled long before
/// this fills (unknown browsers together get four checks at once at
/// most); a full queue means a flood.
pub const QUEUE: usize = 8;

/// Longest wait for an answer: the queue and one job, on a slow Pi.
const ANSWER_TIME: Duration = Duration::from_secs(60);

/// How long the working memory is kept after a job: one login after
/// another (a browser's retries, a flood) maps and faults in 19 MiB only
/// once, yet an idle server gives it back.
const KEEP: Duration = Duration::from_secs(2);

enum Work {
    Hash(String),
    Verify { password: String, phc: String },
}

enum Done {
    Hashed(Result<Hashed>),
    Verified(bool),
}

struct Job {
    work: Work,
    reply: SyncSender<Done>,
}

/// The way to the hasher thread.
pub struct Hasher {
    jobs: SyncSender<Job>,
}

impl Hasher {
    /// Start the thread; it ends when the `Hasher` is dropped.
    pub fn start() -> std::io::Result<Hasher> {
        let (jobs, queue) = mpsc::sync_channel(QUEUE);
        std::thread::Builder::new().name("argon2".into()).spawn(move || run(queue))?;
        Ok(Hasher { jobs })
    }

    /// Hash a new password (validated first).
    pub fn hash(&self, password: &str) -> Result<Hashed> {
        match self.ask(Work::Hash(password.to_string()))? {
            Done::Hashed(hashed) => hashed,
            Done::Verified(_) => Err(Error::internal("the hasher answered another question")),
        }
    }

    /// Does `password` match the PHC string `phc`?
    pub fn verify(&self, password: &str, phc: &str) -> Result<bool> {
        match self.ask(Work::Verify { password: password.to_string(), phc: phc.to_string() })? {
            Done::Verified(ok) => Ok(ok),
            Done::Hashed(_) => Err(Error::internal("the hasher answered another question")),
        }
    }

    fn ask(&self, work: Work) -> Result<Done> {
        let (reply, answer) = mpsc::sync_channel(1);
        match self.jobs.try_send(Job { work, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(Error::Full("password checks are queued up: busy".into())),
            Err(TrySendError::Disconnected(_)) => return Err(Error::internal("the password hasher has stopped")),
        }
        answer.recv_timeout(ANSWER_TIME).map_err(|_| Error::internal("the password hasher did not answer"))
    }
}

fn run(queue: Receiver<Job>) {
    let mut argon = Argon::default();
    loop {
        let job = match queue.recv_timeout(KEEP) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                argon.release();
                match queue.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // A panic must not end the thread: the next login still needs it.
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &job.work {
            Work::Hash(password) => Done::Hashed(argon.hash(password)),
            Work::Verify { password, phc } => Done::Verified(argon.verify(password, phc)),
        }));
        match done {
            // The asker may have given up waiting.
            Ok(done) => drop(job.reply.try_send(done)),
            Err(_) => eprintln!("porchlight: the password hasher panicked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_checks_on_its_thread() {
        let hasher = Hasher::start().unwrap();
        let h = hasher.hash("correct horse battery").unwrap();
        assert!(hasher.verify("correct horse battery", h.as_str()).unwrap());
        assert!(!hasher.verify("correct horse batterY", h.as_str()).unwrap());
        assert!(matches!(hasher.hash("short"), Err(Error::Input(_))));
    }

    #[test]
    fn a_full_queue_answers_busy_at_once() {
        let hasher = Hasher::start().unwrap();
        let h = hasher.hash("correct horse battery").unwrap();
        let busy = std::thread::scope(|s| {
            let asks: Vec<_> =
                (0..QUEUE * 4).map(|_| s.spawn(|| hasher.verify("correct horse battery", h.as_str()))).collect();
            asks.into_iter().map(|a| a.join().unwrap()).filter(|r| matches!(r, Err(Error::Full(_)))).count()
        });
        assert!(busy > 0, "more askers than places in the queue");
        assert!(hasher.verify("correct horse battery", h.as_str()).unwrap(), "and it still works afterwards");
    }
}
