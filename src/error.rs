//! One error type for the whole program.
//!
//! An [`Error`] knows two things a caller needs: whether the fault lies with
//! the input (exit status 2, HTTP 400) or elsewhere (exit status 1, HTTP 500),
//! and a message that is safe to show. Messages never carry a token, a code
//! or a password: callers name the *kind* of value that was wrong instead.

use std::fmt;

/// Everything that can go wrong, sorted by who has to fix it.
#[derive(Debug)]
pub enum Error {
    /// The user gave a value we cannot accept; the message names it.
    Input(String),
    /// Something the user asked for does not exist (an id, a file).
    NotFound(String),
    /// The disk is full: nothing was saved, reading still works, and it
    /// helps to try again once space is freed (HTTP 503).
    Full(String),
    /// The database, the disk or the network failed; the message says what
    /// we were doing, the cause is kept for logs.
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }

    pub fn internal(msg: impl Into<String>) -> Self {
        Error::Internal(msg.into())
    }

    /// Exit status for the command line: 2 for anything the user can fix by
    /// changing what they typed, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::NotFound(_) => 2,
            Error::Internal(_) | Error::Full(_) => 1,
        }
    }

    /// Add what we were doing to an internal failure.
    pub fn context(self, what: &str) -> Self {
        match self {
            Error::Internal(msg) => Error::Internal(format!("{what}: {msg}")),
            other => other,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(m) | Error::NotFound(m) | Error::Internal(m) | Error::Full(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

const FULL: &str = "the disk is full, so nothing was saved; free some space and try again";

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Error::Full(FULL.into()),
            _ => Error::Internal(format!("database: {e}")),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::StorageFull => Error::Full(FULL.into()),
            _ => Error::Internal(format!("i/o: {e}")),
        }
    }
}

impl From<minijinja::Error> for Error {
    fn from(e: minijinja::Error) -> Self {
        Error::Internal(format!("template: {e:#}"))
    }
}
