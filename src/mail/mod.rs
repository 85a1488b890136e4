//! Mail: planning reminders (`plan.rs`), calendar files (`ics.rs`), and the
//! sender thread that takes due messages from the outbox to the SMTP
//! server (`sender.rs`).

pub mod ics;
pub mod plan;
pub mod sender;

/// A message ready for the mail server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub from_name: String,
    pub from: String,
    pub to_name: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The invitation, `METHOD:REQUEST` or `METHOD:CANCEL`.
    pub ics: String,
    pub method: &'static str,
}

/// What to do with a due outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compose {
    Send(Box<Outgoing>),
    /// Not wanted any more, and why.
    Skip(String),
}
