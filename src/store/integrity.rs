//! The start-up integrity check, run while the server already answers.
//!
//! `PRAGMA quick_check` reads every page of the database: a quarter of a
//! second for 100 000 appointments here, seconds from a Raspberry Pi's SD
//! card. `serve` answers reads at once and runs the check on its own
//! thread; every write waits at this gate until the check has passed, so
//! nothing is ever acknowledged from, or written into, a damaged file.
//! If the check fails, writes are refused and the server stops with the
//! check's message.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

use crate::error::{Error, Result};

/// Where the check stands: `None` while it runs.
#[derive(Default)]
pub struct Integrity {
    passed: AtomicBool,
    outcome: Mutex<Option<std::result::Result<(), String>>>,
    done: Condvar,
}

impl Integrity {
    /// A gate that is already open (the check ran before serving).
    pub fn passed() -> Integrity {
        let gate = Integrity::default();
        gate.finish(Ok(()));
        gate
    }

    /// Record the check's outcome and release everyone waiting.
    pub fn finish(&self, outcome: std::result::Result<(), String>) {
        let ok = outcome.is_ok();
        *self.outcome.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
        self.passed.store(ok, Ordering::Release);
        self.done.notify_all();
    }

    /// Block until the check has finished; `Err` if it found damage.
    pub fn wait(&self) -> Result<()> {
        if self.passed.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut outcome = self.outcome.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            match &*outcome {
                Some(Ok(())) => return Ok(()),
                Some(Err(why)) => return Err(Error::internal(why.clone())),
                None => outcome = self.done.wait(outcome).unwrap_or_else(|p| p.into_inner()),
            }
        }
    }

    /// The damage found, once the check has failed.
    pub fn failure(&self) -> Option<String> {
        match &*self.outcome.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(Err(why)) => Some(why.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn writers_wait_for_the_check_and_learn_its_outcome() {
        for outcome in [Ok(()), Err("the database failed its check (page 3)".to_string())] {
            let gate = Arc::new(Integrity::default());
            let waiter = {
                let gate = gate.clone();
                std::thread::spawn(move || gate.wait().map_err(|e| e.to_string()))
            };
            std::thread::sleep(Duration::from_millis(50));
            assert!(!waiter.is_finished(), "a writer went ahead before the check finished");
            gate.finish(outcome.clone());
            let got = waiter.join().unwrap();
            assert_eq!(got.is_ok(), outcome.is_ok());
            if let Err(why) = got {
                assert!(why.contains("page 3"), "{why}");
                assert!(gate.failure().is_some_and(|f| f.contains("page 3")));
            }
        }
        assert!(Integrity::passed().wait().is_ok());
    }
}
