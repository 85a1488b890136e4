//! `GET /admin/appointments.csv?from=YYYY-MM-DD&to=YYYY-MM-DD`: the
//! appointments of those local days (both included; default: today and
//! the year after it) as a CSV download (`app::export`).

use chrono::{Duration, NaiveDate};

use super::Ctx;
use crate::error::{Error, Result};
use crate::http::Resp;
use crate::times;

/// The longest range one download covers: ten years of days.
const MAX_DAYS: i64 = 3660;

pub fn appointments(ctx: &mut Ctx<'_>) -> Result<Resp> {
    let zone = ctx.app.settings()?.timezone;
    let today = ctx.now.with_timezone(&zone).date_naive();
    let day = |name: &str, default: NaiveDate| -> Result<NaiveDate> {
        match ctx.req.param(name) {
            None => Ok(default),
            Some(v) => NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| (2000..2100).contains(&chrono::Datelike::year(d)))
                .ok_or_else(|| Error::input(format!("bad {name} date: use YYYY-MM-DD from 2000 to 2099"))),
        }
    };
    let from = day("from", today)?;
    let to = day("to", from + Duration::days(365))?;
    if to < from || (to - from).num_days() > MAX_DAYS {
        return Err(Error::input("bad range: the last day must be on or after the first, and within ten years"));
    }
    let (lo, hi) = (times::start_of_date(from, zone), times::start_of_date(to + Duration::days(1), zone));
    let csv = ctx.app.appointments_csv(None, lo, hi, ctx.now)?;
    Ok(Resp::new(200, "text/csv; charset=utf-8", csv.into_bytes())
        .with("Content-Disposition", format!("attachment; filename=\"porchlight-appointments-{from}-to-{to}.csv\"")))
}
