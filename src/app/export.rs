//! Appointments as CSV, for a spreadsheet or another calendar (issue
//! "Bring your calendar": `appt list --csv` and the admin's download).
//! Local date and times with the zone named, the clients, the state; no
//! link or code ever goes into the file, which leaves the box.

use chrono::{DateTime, Utc};

use super::App;
use crate::error::Result;
use crate::render::csv_record;
use crate::times::Local;

/// The header row: `id`, the local `date` (YYYY-MM-DD), `start` and `end`
/// (24-hour HH:MM, local), the zone's abbreviation then and its IANA
/// name, `start_utc` (RFC 3339), `minutes`, `clients` (names joined by
/// "; "), `status` (`scheduled` or `cancelled`), `series_id` (empty for
/// a single session).
pub const CSV_HEADER: [&str; 11] =
    ["id", "date", "start", "end", "abbrev", "zone", "start_utc", "minutes", "clients", "status", "series_id"];

impl App {
    /// The appointments starting in `[from, to)` (with `client`, only
    /// theirs) as a CSV document (RFC 4180, CRLF line ends), earliest
    /// first, times in the practice zone.
    pub fn appointments_csv(
        &mut self,
        client: Option<i64>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let zone = self.settings()?.timezone;
        let list = match client {
            Some(c) => self.client_appointments(c, from, to, now)?,
            None => self.list_appointments(from, to, now)?,
        };
        let mut out = csv_record(&CSV_HEADER);
        for a in list {
            let (Ok(start), Ok(end)) = (a.start.parse::<DateTime<Utc>>(), a.end.parse::<DateTime<Utc>>()) else {
                continue;
            };
            let (s, e) = (start.with_timezone(&zone), end.with_timezone(&zone));
            let names: Vec<&str> = a.participants.iter().map(|p| p.name.as_str()).collect();
            out += &csv_record(&[
                a.id.to_string(),
                s.format("%Y-%m-%d").to_string(),
                s.format("%H:%M").to_string(),
                e.format("%H:%M").to_string(),
                Local::new(start, zone).abbrev,
                zone.name().to_string(),
                a.start.clone(),
                a.minutes.to_string(),
                names.join("; "),
                a.status.to_string(),
                a.series_id.map(|s| s.to_string()).unwrap_or_default(),
            ]);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::test_app;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_csv_row_per_appointment_in_local_time_without_links() {
        let mut app = test_app();
        let now = t("2027-03-01T12:00:00Z");
        app.set_setting("timezone", "America/New_York", now).unwrap();
        let ann = app.add_client("=Ann, \"A\"", None, None, now).unwrap().id;
        let ben = app.add_client("Ben", None, None, now).unwrap().id;
        // Either side of the spring change (14 March 2027).
        let a = app.add_appointment(&[ann, ben], t("2027-03-09T15:00:00Z"), 50, now).unwrap();
        app.add_appointment(&[ben], t("2027-03-16T14:00:00Z"), 60, now).unwrap();
        app.cancel_appointment(a.id, now).unwrap();
        let csv = app.appointments_csv(None, now, t("2027-04-01T00:00:00Z"), now).unwrap();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "id,date,start,end,abbrev,zone,start_utc,minutes,clients,status,series_id");
        assert_eq!(
            lines[1],
            "1,2027-03-09,10:00,10:50,EST,America/New_York,2027-03-09T15:00:00Z,50,\"'=Ann, \"\"A\"\"; Ben\",cancelled,"
        );
        assert_eq!(lines[2], "2,2027-03-16,10:00,11:00,EDT,America/New_York,2027-03-16T14:00:00Z,60,Ben,scheduled,");
        assert_eq!(lines.len(), 4, "ends with CRLF");
        assert!(!csv.contains("/v/"), "no link leaves in the file");
        let bens = app.appointments_csv(Some(ann), now, t("2027-04-01T00:00:00Z"), now).unwrap();
        assert_eq!(bens.lines().count(), 2);
    }
}
