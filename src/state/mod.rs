//! What requests share, below the handlers that use it: the database
//! connections they are answered with (`pool.rs`), typed-code budgets
//! (`limit.rs`), who is waiting (`presence.rs`), batched page views
//! (`views.rs`), how the nightly backups stand (`backups.rs`), how
//! fresh Litestream's continuous copy is (`replica.rs`), the
//! built-in rooms' leavers (`rooms.rs`), uploaded calendars waiting for
//! their confirmation (`imports.rs`), and [`Shared`], which holds them
//! all with the rest of one running server's state. The server builds it
//! at start-up; the router and the handlers read it.

pub mod backups;
pub mod imports;
pub mod limit;
mod pool;
pub mod presence;
pub mod replica;
pub mod rooms;
pub mod views;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::auth::Policy;
use crate::auth::grant::Redeemed;
use crate::auth::hasher::Hasher;
use crate::auth::throttle::LoginThrottle;
use crate::clock::Guard;
use crate::net::Cidr;
use crate::render::Pages;
use crate::token::Keyring;
pub use pool::{Lease, Opener, Pools, mark_event_loop_thread};

/// What every request and worker shares.
pub struct Shared {
    pub keys: Arc<Keyring>,
    pub pages: Pages,
    pub limiter: limit::CodeLimiter,
    pub views: views::ViewLog,
    /// The one-time admin setup code, while no admin password is set;
    /// taken when used.
    pub setup_code: Mutex<Option<String>>,
    pub presence: presence::Presence,
    /// Who is in which built-in video room, and their messages.
    pub hub: crate::video::hub::Hub,
    pub logins: LoginThrottle,
    /// Sign-in links already exchanged for a device cookie.
    pub grants: Redeemed,
    /// Every argon2 runs on its thread, one at a time: a login flood
    /// cannot take every core, nor memory per thread.
    pub hasher: Hasher,
    pub admin_from: Vec<Cidr>,
    pub sessions: Policy,
    pub trust_proxy: Vec<Cidr>,
    /// Where the database lives, for backups taken from the admin page.
    pub data: PathBuf,
    /// The command that works on this server's data from this machine,
    /// for pages and notes that tell the clinician what to run
    /// (`porchlight --data /var/lib/porchlight`).
    pub cli: String,
    /// Where the admin pages surely answer: this machine's first network
    /// address, or the loopback address it listens on.
    pub admin_url: String,
    /// "Now" never goes back past the highest time seen.
    pub clock: Guard,
    /// Wakes the mail sender early.
    pub mail: crate::mail::sender::Wake,
    /// The database connections requests are answered with; reached
    /// only through [`Shared::with_app`].
    pub pools: Pools,
    /// How the nightly backups stand, for the dashboard.
    pub backups: Mutex<backups::Status>,
    /// What Litestream last said of the continuous copy.
    pub replica: Mutex<replica::Status>,
    /// Uploaded calendars waiting for their "Import these".
    pub imports: imports::Pending,
}
