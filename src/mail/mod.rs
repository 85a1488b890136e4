//! Mail: planning reminders (`plan.rs`), calendar files (`ics.rs`), and the
//! sender thread that takes due messages from the outbox to the SMTP
//! server (`sender.rs`).

pub mod ics;
pub mod plan;
pub mod sender;
