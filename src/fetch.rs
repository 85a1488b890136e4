//! Outgoing fetch of a calendar address (placeholder until the HTTPS client lands).
use crate::error::{Error, Result};

/// The text at `url`.
pub fn calendar(url: &str) -> Result<String> {
    let _ = url;
    Err(Error::input("fetching a calendar address is not built yet"))
}
