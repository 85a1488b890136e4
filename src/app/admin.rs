//! The clinician's account: the admin password, sessions (the rules are
//! `auth`'s) and the sign-in links of `porchlight admin signin-link`.

use chrono::{DateTime, Utc};

use super::App;
use crate::auth::grant::{self, SigninLink};
use crate::auth::{self, Policy, Session};
use crate::error::{Error, Result};
use crate::password::Hashed;
use crate::store::{NewAudit, Store};
use crate::times;

impl App {
    /// Set the admin password and audit the change.
    pub fn set_admin_password(&mut self, hashed: &Hashed, now: DateTime<Utc>) -> Result<()> {
        let at = now.timestamp();
        self.store.write(|tx| {
            Store::set_admin_password_hash(tx, hashed.as_str(), at)?;
            // A new password ends every session made with the old one.
            Store::delete_all_sessions(tx)?;
            Store::insert_audit(tx, at, &NewAudit { event: "admin.password", ..Default::default() })
        })
    }

    /// The stored admin password hash (PHC string), if one is set.
    pub fn admin_password_hash(&self) -> Result<Option<String>> {
        self.store.admin_password_hash()
    }

    /// A new admin session: its id, for the cookie ([`auth::start`]).
    pub fn sign_in(&mut self, policy: Policy, now: DateTime<Utc>) -> Result<String> {
        auth::start(&mut self.store, policy, now)
    }

    /// The live session a cookie names, if any ([`auth::check`]).
    pub fn signed_in(
        &mut self,
        cookie: Option<&str>,
        policy: Policy,
        now: DateTime<Utc>,
        active: bool,
    ) -> Result<Option<Session>> {
        auth::check(&mut self.store, cookie, policy, now, active)
    }

    /// End the session `id`.
    pub fn sign_out(&mut self, id: &str) -> Result<()> {
        auth::end(&mut self.store, id)
    }

    /// A sign-in link for the current admin password, issued at `now`.
    pub fn signin_link(&mut self, now: DateTime<Utc>) -> Result<SigninLink> {
        let phc = self.store.admin_password_hash()?.ok_or_else(|| {
            Error::internal(
                "no admin password is set yet: finish /admin/setup with the code porchlight serve printed, \
                 or set one with porchlight admin password",
            )
        })?;
        let at = now.timestamp();
        let grant = grant::issue(&self.keys, &phc, at);
        let base = self.base_url()?;
        let path = format!("/admin/login?grant={grant}");
        let names = self.settings()?.allowed_hosts.clone();
        Ok(SigninLink {
            url: format!("{base}{path}"),
            at_names: names.iter().filter_map(|n| grant::at_name(&base, n)).map(|b| format!("{b}{path}")).collect(),
            path,
            expires_at: times::rfc3339(times::from_unix(at + grant::LIFETIME)),
        })
    }
}
