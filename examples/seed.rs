//! Seed a data directory for the benchmarks: `N` appointments spread over
//! the past and the coming year (one client each, from a pool of clients),
//! then one client with a session open now. Prints, as JSON, that
//! session's link token and the client's portal token.
//!
//! `cargo run --release --example seed -- DIR N`
//!
//! Writes go through the same `App` as the program's own, with
//! `synchronous=OFF` on this one connection: a seed that is lost in a
//! power cut is simply made again.

use chrono::{Duration, Utc};
use porchlight::app::App;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(Ok(n))) = (args.get(1), args.get(2).map(|n| n.parse::<i64>())) else {
        eprintln!("usage: seed DIR N");
        std::process::exit(2);
    };
    if let Err(e) = seed(std::path::Path::new(dir), n) {
        eprintln!("seed: {e}");
        std::process::exit(1);
    }
}

fn seed(dir: &std::path::Path, n: i64) -> porchlight::error::Result<()> {
    let mut app = App::open(dir)?;
    app.relax_sync()?;
    let now = Utc::now();
    let clients: Vec<i64> = (0..n.clamp(1, 1000))
        .map(|i| app.add_client(&format!("Client {i}"), None, None, now).map(|c| c.id))
        .collect::<Result<_, _>>()?;
    let span = Duration::days(730).num_minutes();
    for i in 0..n {
        // Every slot a few hours away from now, so only the last session
        // below is open.
        let mut start = now - Duration::days(365) + Duration::minutes(span * i / n.max(1));
        if (start - now).num_minutes().abs() < 240 {
            start += Duration::hours(8);
        }
        app.add_appointment(&[clients[(i as usize) % clients.len()]], start, 50, now)?;
    }
    let bench = app.add_client("Bench Client", None, None, now)?;
    let open = app.add_appointment(&[bench.id], now + Duration::minutes(5), 50, now)?;
    let token = open.participants[0].link.rsplit('/').next().unwrap_or_default().to_string();
    let portal = bench.portal_url.as_deref().and_then(|u| u.rsplit('/').next()).unwrap_or_default().to_string();
    println!("{}", serde_json::json!({ "token": token, "portal": portal, "appointments": n + 1 }));
    Ok(())
}
