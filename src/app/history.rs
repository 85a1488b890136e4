//! A client's sessions as their page in the admin shows them: the ones
//! still to come, and the ones that are over, newest first.

use chrono::{DateTime, Utc};

use super::{App, ApptView};
use crate::error::Result;
use crate::model::MAX_MINUTES;

/// A client's sessions, each a list cut at the cap it was asked with.
#[derive(Debug)]
pub struct History {
    /// Not over yet (in progress or to come), earliest first.
    pub upcoming: Vec<ApptView>,
    /// Over, newest first.
    pub past: Vec<ApptView>,
    /// More sessions exist than each list holds.
    pub more_upcoming: bool,
    pub more_past: bool,
}

impl App {
    /// The sessions of `client` around `now`: at most `cap` each way. A
    /// session is over once its scheduled end has passed; cancelled ones
    /// are listed too (their view says so). Appointments the client was
    /// removed from are left out.
    pub fn client_history(&mut self, client: i64, now: DateTime<Utc>, cap: usize) -> Result<History> {
        self.client_row(client)?;
        let at = now.timestamp();
        // A session that started up to its longest length ago may still run.
        let rows = self.store.appointments_of_client(client, at - MAX_MINUTES * 60, i64::MAX)?;
        let mut upcoming = vec![];
        let mut more_upcoming = false;
        for (row, _) in rows.iter().filter(|(row, _)| row.start_at + row.minutes * 60 > at) {
            if upcoming.len() == cap {
                more_upcoming = true;
                break;
            }
            upcoming.push(self.view_of(row, now)?);
        }
        let mut past_rows = self.store.past_appointments_of_client(client, at, cap + 1)?;
        let more_past = past_rows.len() > cap;
        past_rows.truncate(cap);
        let past = past_rows.iter().map(|row| self.view_of(row, now)).collect::<Result<_>>()?;
        Ok(History { upcoming, past, more_upcoming, more_past })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn past_newest_first_and_capped_upcoming_earliest_first() {
        let mut app = test_app();
        let booked = t("2026-01-01T09:00:00Z");
        let ann = app.add_client("Ann", None, None, booked).unwrap().id;
        let ben = app.add_client("Ben", None, None, booked).unwrap().id;
        let week = chrono::Duration::days(7);
        let first = t("2026-01-05T14:00:00Z");
        let ids: Vec<i64> =
            (0..8).map(|i| app.add_appointment(&[ann], first + week * i, 50, booked).unwrap().id).collect();
        app.add_appointment(&[ben], first, 50, booked).unwrap();
        // During the fourth session: it is not over, so it comes first.
        let now = first + week * 3 + chrono::Duration::minutes(20);
        let h = app.client_history(ann, now, 3).unwrap();
        let id = |v: &Vec<ApptView>| v.iter().map(|a| a.id).collect::<Vec<_>>();
        assert_eq!(id(&h.upcoming), [ids[3], ids[4], ids[5]]);
        assert_eq!(id(&h.past), [ids[2], ids[1], ids[0]]);
        assert!(h.more_upcoming && !h.more_past);
        let all = app.client_history(ann, now, 10).unwrap();
        assert_eq!((all.upcoming.len(), all.past.len(), all.more_upcoming), (5, 3, false));
        // Over at its scheduled end.
        let later = first + week * 3 + chrono::Duration::minutes(50);
        assert_eq!(app.client_history(ann, later, 10).unwrap().past[0].id, ids[3]);
        assert!(app.client_history(4242, now, 3).is_err());
    }
}
