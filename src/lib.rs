//! Porchlight: unique, expiring telehealth links for a solo practice.
//!
//! Code map (see ARCHITECTURE.md for the invariants):
//!
//! - [`cli`]: the command line; parses flags and prints, nothing more.
//! - [`app`]: the link lifecycle both the CLI and the server call.
//! - [`model`]: windows and link states, pure functions of `now`.
//! - [`token`]: tokens and codes, derived from seeds under the key file.
//! - [`times`]: reading and showing times in the practice zone.
//! - [`settings`]: the settings keys, defaults and validation.
//! - [`store`]: every SQL statement; [`db`] opens and migrates.
//! - [`server`]: HTTP/1.1 over threads; [`pages`] renders what it serves.
//! - [`demo`]: the demo practice of `serve --demo`.
#![forbid(unsafe_code)]

pub mod admin;
pub mod app;
pub mod auth;
pub mod canon;
pub mod cli;
pub mod clock;
pub mod db;
pub mod demo;
pub mod error;
pub mod hosts;
pub mod http;
pub mod mail;
pub mod model;
pub mod net;
pub mod pages;
pub mod password;
pub mod render;
pub mod router;
pub mod sealed;
pub mod server;
pub mod settings;
pub mod state;
pub mod store;
pub mod times;
pub mod token;
pub mod video;
