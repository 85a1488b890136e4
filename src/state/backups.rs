//! How the nightly backups stand: what `serve --backup-dir` asked for and
//! what the last attempt did, kept for the dashboard. The thread that
//! takes them is `server::backups`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

/// Where backups go and how many are kept.
#[derive(Debug, Clone)]
pub struct Plan {
    pub dir: PathBuf,
    pub keep: usize,
}

/// What the dashboard shows about backups.
#[derive(Debug, Clone, Default)]
pub struct Status {
    pub plan: Option<Plan>,
    /// When the newest backup was taken.
    pub last: Option<DateTime<Utc>>,
    /// Why the last attempt failed, until one succeeds.
    pub error: Option<String>,
    /// The folder is on the disk that holds the data.
    pub same_disk: bool,
}
