//! Porchlight: unique, expiring telehealth links for a solo practice.
//!
//! Code map, top floor first (see ARCHITECTURE.md for the invariants;
//! imports only point down, `scripts/layers.py` checks it):
//!
//! - [`cli`]: the command line; parses flags and prints, nothing more.
//! - [`server`]: HTTP/1.1 transport: sockets, the event loop, threads.
//! - [`router`]: the route table, error pages, HSTS.
//! - [`pages`], [`admin`]: the handlers; [`demo`]: the demo practice of
//!   `serve --demo`; [`state`]: what requests share.
//! - [`app`]: the link lifecycle both the CLI and the server call.
//! - [`video`], [`auth`], [`mail`]: rooms, admin sessions, messages.
//! - [`fetch`]: a calendar fetched from its address, bounded.
//! - [`store`]: every SQL statement.
//! - [`settings`]: the settings keys, defaults and validation; [`render`]:
//!   the templates; [`http`]: `Req` and `Resp`; [`bundle`]: the files
//!   bundled into the binary, compressed.
//! - [`model`]: windows and link states, pure functions of `now`.
//! - [`token`]: tokens and codes, derived from seeds under the key file.
//! - [`times`]: reading and showing times in the practice zone;
//!   [`recurrence`]: repeating sessions, RFC 5545 rules expanded in it.
//! - [`db`]: opens, migrates and copies the database file.
//! - [`email`]: what an email address is, through lettre's parser;
//!   [`urls`]: what a web address is, through the `url` crate.
#![forbid(unsafe_code)]

pub mod admin;
pub mod app;
pub mod auth;
pub mod bundle;
pub mod canon;
pub mod cli;
pub mod clock;
pub mod db;
pub mod demo;
pub mod email;
pub mod error;
pub mod fetch;
pub mod files;
pub mod hosts;
pub mod http;
pub mod i18n;
pub mod ical;
pub mod mail;
pub mod model;
pub mod net;
pub mod pages;
pub mod password;
pub mod recurrence;
pub mod render;
pub mod router;
pub mod sealed;
pub mod server;
pub mod settings;
pub mod state;
pub mod store;
pub mod times;
pub mod token;
pub mod urls;
pub mod video;
