//! The audit trail: filters, and a CSV export of the same selection.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::{Ctx, Frame};
use crate::error::Result;
use crate::http::Resp;
use crate::store::{AuditEntry, AuditFilter};
use crate::times::{self, Local};

/// Rows shown on the page; the CSV has them all.
const PAGE_ROWS: usize = 500;
const MAX_ROWS: i64 = 100_000;

#[derive(Serialize)]
struct Row {
    entry: AuditEntry,
    when: String,
}

#[derive(Serialize)]
struct Page {
    #[serde(flatten)]
    frame: Frame,
    events: Vec<String>,
    rows: Vec<Row>,
    total: usize,
    shown: usize,
    event: String,
    from: String,
    to: String,
    client: String,
    query: String,
}

/// The filter from the query string: `event`, `from` and `to` as local
/// dates (default: the last 30 days), `client` id.
fn filter(ctx: &mut Ctx<'_>) -> Result<(AuditFilter, String, String)> {
    let zone = ctx.app.settings()?.timezone;
    let day = |name: &str| ctx.req.param(name).and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
    let today = ctx.now.with_timezone(&zone).date_naive();
    let from = day("from").unwrap_or(today - Duration::days(30));
    let to = day("to").unwrap_or(today);
    let midnight = |d: NaiveDate| {
        times::parse_input(&format!("{}T12:00", d.format("%Y-%m-%d")), zone)
            .map(|noon| times::start_of_local_day(noon, zone).timestamp())
            .unwrap_or(0)
    };
    let f = AuditFilter {
        from: midnight(from),
        to: midnight(to + Duration::days(1)),
        event: ctx.req.param("event").filter(|e| !e.is_empty()),
        client_id: ctx.req.param("client").and_then(|c| c.trim().parse().ok()),
    };
    Ok((f, from.format("%Y-%m-%d").to_string(), to.format("%Y-%m-%d").to_string()))
}

pub fn page(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let zone = ctx.app.settings()?.timezone;
    let (f, from, to) = filter(ctx)?;
    let mut entries = ctx.app.audit_filtered(&f, MAX_ROWS)?;
    let total = entries.len();
    entries.reverse();
    entries.truncate(PAGE_ROWS);
    let rows = entries
        .into_iter()
        .map(|entry| {
            let l = Local::new(times::from_unix(entry.at), zone);
            Row { when: format!("{} {} {}", l.date, l.time, l.abbrev), entry }
        })
        .collect::<Vec<_>>();
    let page = Page {
        frame: ctx.frame("audit")?,
        events: ctx.app.audit_events()?,
        shown: rows.len(),
        rows,
        total,
        event: f.event.clone().unwrap_or_default(),
        client: f.client_id.map(|c| c.to_string()).unwrap_or_default(),
        query: ctx.req.query.clone(),
        from,
        to,
    };
    ctx.render(200, "admin_audit.html", page)
}

pub fn csv(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let (f, from, to) = filter(ctx)?;
    let mut out = String::from("at,event,appointment_id,client_id,addr,detail\r\n");
    for e in ctx.app.audit_filtered(&f, MAX_ROWS)? {
        let cells = [
            times::rfc3339(times::from_unix(e.at)),
            e.event,
            e.appointment_id.map(|v| v.to_string()).unwrap_or_default(),
            e.client_id.map(|v| v.to_string()).unwrap_or_default(),
            e.addr.unwrap_or_default(),
            e.detail,
        ];
        out += &crate::render::csv_record(&cells);
    }
    Ok(Resp::new(200, "text/csv; charset=utf-8", out.into_bytes())
        .with("Content-Disposition", format!("attachment; filename=\"porchlight-audit-{from}-to-{to}.csv\"")))
}
