//! What `serve` was asked to do ([`Config`]), and the addresses and the
//! command line it tells the clinician about.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::auth::Policy;
use crate::net::Cidr;
use crate::state::backups::Plan;

/// What `serve` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// A second listener for the outside (a tunnel, an internet-facing
    /// proxy): client pages and the room, never the admin pages.
    pub public_listen: Option<SocketAddr>,
    pub data: PathBuf,
    pub demo: bool,
    pub workers: usize,
    /// Addresses the admin pages answer to.
    pub admin_from: Vec<Cidr>,
    /// Admin session lifetimes.
    pub sessions: Policy,
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto` are believed.
    pub trust_proxy: Vec<Cidr>,
    /// Longest sleep of the mail sender between looks at the outbox.
    pub mail_poll: Duration,
    /// Nightly backups, if asked for.
    pub backups: Option<Plan>,
}

/// The URLs other devices reach a server listening on `addr` at: for
/// `0.0.0.0`, this machine's IPv4 addresses; for `[::]`, all of them
/// (Linux accepts IPv4 there too). Nothing for a single address.
pub(super) fn reachable_urls(addr: SocketAddr) -> Vec<String> {
    if !addr.ip().is_unspecified() {
        return vec![];
    }
    urls_at(addr, crate::net::own_addresses())
}

/// `http://ADDRESS:PORT` for each of `own` that `addr`'s family accepts.
fn urls_at(addr: SocketAddr, own: Vec<IpAddr>) -> Vec<String> {
    let url = |ip: IpAddr| SocketAddr::new(ip, addr.port()).to_string();
    own.into_iter().filter(|ip| addr.is_ipv6() || ip.is_ipv4()).map(|ip| format!("http://{}", url(ip))).collect()
}

/// `porchlight --data DIR` as one pastes it on this machine: the program
/// by its name when it is on `PATH`, else by its whole path (`make run`
/// runs it from `target/`), and the data directory made absolute, so the
/// command works from any folder. Run as a system user (the package's
/// `porchlight`), as `sudo -u USER`: nobody else may read its data.
pub fn command_line(data: &std::path::Path) -> String {
    let user = system_user().map(|u| format!("sudo -u {u} ")).unwrap_or_default();
    format!("{user}{}", program_and_data(data))
}

/// The name of the user this process runs as, when it is a system user
/// (a uid from 1 to 999, Debian's range), read from `/proc` and
/// `/etc/passwd`.
fn system_user() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid: u32 = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().nth(1)?.parse().ok()?;
    if uid == 0 || uid >= 1000 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().map(|l| l.split(':').collect::<Vec<_>>()).find_map(|f| {
        let plain = !f[0].is_empty() && f[0].bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        (f.len() > 2 && f[2].parse() == Ok(uid) && plain).then(|| f[0].to_string())
    })
}

fn program_and_data(data: &std::path::Path) -> String {
    let exe = std::env::current_exe().ok();
    let on_path = exe
        .as_deref()
        .and_then(std::path::Path::parent)
        .is_some_and(|dir| std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d == dir)));
    let program = match exe {
        Some(exe) if !on_path => exe.display().to_string(),
        _ => "porchlight".to_string(),
    };
    let data = std::fs::canonicalize(data).unwrap_or_else(|_| data.to_path_buf());
    format!("{program} --data {}", data.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_is_named_for_other_devices() {
        let own: Vec<IpAddr> = vec!["192.168.1.20".parse().unwrap(), "fd00::2".parse().unwrap()];
        let any4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let any6: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(urls_at(any4, own.clone()), ["http://192.168.1.20:8080"]);
        assert_eq!(urls_at(any6, own), ["http://192.168.1.20:8080", "http://[fd00::2]:8080"]);
        assert!(reachable_urls("127.0.0.1:8080".parse().unwrap()).is_empty(), "one address: nothing more to say");
    }
}
