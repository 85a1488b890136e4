//! Repeating sessions: the recurrence rule and its occurrences, pure.
//!
//! A [`Rule`] is the small subset of an RFC 5545 RRULE (section 3.3.10) a
//! solo practice needs: every week, every other week, or the same weekday
//! of every month by its ordinal ("the 2nd Tuesday"), ending after a count,
//! on a date, or never. [`occurrences`] expands it in the practice's zone,
//! keeping the local wall time across daylight-saving changes, and refuses
//! an occurrence whose local time is skipped or repeated by the zone rather
//! than moving it: a session silently an hour off is worse than a rule
//! refused when it is made. Nothing here reads the clock.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// How far [`occurrences`] walks from DTSTART at most: 520 steps, ten years
/// of weekly sessions (twenty fortnightly, forty-three monthly). An open
/// rule has no later occurrences than this.
pub const MAX_STEPS: u32 = 520;

/// How often a session repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    /// `FREQ=WEEKLY`: on DTSTART's weekday every week.
    Weekly,
    /// `FREQ=WEEKLY;INTERVAL=2`: on DTSTART's weekday every other week.
    Fortnightly,
    /// `FREQ=MONTHLY;BYDAY=<nth><day>`: the `nth` (1 to 5) `day` of each
    /// month, as DTSTART is. A month without that day (a 5th Tuesday, say)
    /// has no occurrence: RFC 5545 section 3.3.10 ignores recurrences that
    /// fall on invalid dates, and the skipped month does not count towards
    /// COUNT.
    Monthly { nth: u8, day: Weekday },
}

impl Freq {
    /// Monthly on the same weekday of the month as `start`: 2026-03-10, a
    /// Tuesday, gives the 2nd Tuesday.
    pub fn monthly_like(start: NaiveDate) -> Freq {
        Freq::Monthly { nth: ordinal_in_month(start), day: start.weekday() }
    }

    /// The frequency the command line and the booking form name (SPEC,
    /// `--repeat`): `weekly`, `fortnightly`, or `monthly`, which repeats on
    /// the weekday of the month `start` is on. `None` for another name.
    pub fn named(name: &str, start: NaiveDate) -> Option<Freq> {
        match name {
            "weekly" => Some(Freq::Weekly),
            "fortnightly" => Some(Freq::Fortnightly),
            "monthly" => Some(Freq::monthly_like(start)),
            _ => None,
        }
    }

    /// The name [`Freq::named`] reads back.
    pub fn name(&self) -> &'static str {
        match self {
            Freq::Weekly => "weekly",
            Freq::Fortnightly => "fortnightly",
            Freq::Monthly { .. } => "monthly",
        }
    }

    /// The same frequency for sessions that now start on `start`: a
    /// monthly rule takes the new date's weekday of the month.
    pub fn moved_to(self, start: NaiveDate) -> Freq {
        match self {
            Freq::Monthly { .. } => Freq::monthly_like(start),
            other => other,
        }
    }
}

/// When a rule stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// `COUNT=n`: `n` occurrences counted from DTSTART, which is the first.
    Count(u32),
    /// `UNTIL=yyyymmdd`: the last occurrence is on or before this local
    /// date (inclusive).
    Until(NaiveDate),
    /// No end: [`MAX_STEPS`] bounds the walk.
    Open,
}

/// A recurrence rule; DTSTART and the zone are kept beside it, as in
/// iCalendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub end: End,
}

/// Why a rule text or an expansion was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    /// The rule text is outside the subset we read; the message names the
    /// part.
    Syntax(String),
    /// DTSTART is not an occurrence of its own monthly rule (RFC 5545 asks
    /// that it be the first).
    StartMismatch(NaiveDate),
    /// On this date the session's local time falls in a daylight-saving gap.
    Nonexistent(NaiveDate),
    /// On this date the session's local time happens twice.
    Ambiguous(NaiveDate),
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::Syntax(m) => f.write_str(m),
            RuleError::StartMismatch(d) => {
                write!(f, "the first session, {d}, is not on the weekday of the month the rule names")
            }
            RuleError::Nonexistent(d) => {
                write!(f, "on {d} the session time does not exist: the clocks skip it at a daylight-saving change")
            }
            RuleError::Ambiguous(d) => {
                write!(f, "on {d} the session time happens twice because of a daylight-saving change")
            }
        }
    }
}

impl std::error::Error for RuleError {}

const DAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "MO"),
    (Weekday::Tue, "TU"),
    (Weekday::Wed, "WE"),
    (Weekday::Thu, "TH"),
    (Weekday::Fri, "FR"),
    (Weekday::Sat, "SA"),
    (Weekday::Sun, "SU"),
];

fn day_code(day: Weekday) -> &'static str {
    DAYS[day.num_days_from_monday() as usize].1
}

/// Which of its weekday in the month a date is: the 1st to the 5th.
fn ordinal_in_month(date: NaiveDate) -> u8 {
    ((date.day() - 1) / 7 + 1) as u8
}

impl Rule {
    /// The RRULE value, in a fixed part order: `FREQ=MONTHLY;BYDAY=2TU;COUNT=10`,
    /// `FREQ=WEEKLY;INTERVAL=2;UNTIL=20270301`, `FREQ=WEEKLY`.
    ///
    /// UNTIL is written as a local DATE, which is how we store it. RFC 5545
    /// wants a UTC DATE-TIME when DTSTART has a zone, so an .ics writer
    /// must convert it rather than copy this text.
    pub fn to_rrule(&self) -> String {
        let mut out = match self.freq {
            Freq::Weekly => "FREQ=WEEKLY".to_string(),
            Freq::Fortnightly => "FREQ=WEEKLY;INTERVAL=2".to_string(),
            Freq::Monthly { nth, day } => format!("FREQ=MONTHLY;BYDAY={nth}{}", day_code(day)),
        };
        match self.end {
            End::Count(n) => out.push_str(&format!(";COUNT={n}")),
            End::Until(d) => out.push_str(&format!(";UNTIL={}", d.format("%Y%m%d"))),
            End::Open => {}
        }
        out
    }
}

impl Rule {
    /// The rule in words, for the clinician: "every week", "every 2
    /// weeks, 10 sessions", "monthly on the 2nd Tuesday, until 2027-03-01".
    pub fn describe(&self) -> String {
        let mut out = match self.freq {
            Freq::Weekly => "every week".to_string(),
            Freq::Fortnightly => "every 2 weeks".to_string(),
            Freq::Monthly { nth, day } => {
                let nth = ["1st", "2nd", "3rd", "4th", "5th"][usize::from(nth.clamp(1, 5) - 1)];
                let skipped = if nth == "5th" { " (months without one are skipped)" } else { "" };
                format!("monthly on the {nth} {}{skipped}", crate::times::weekday_name(day))
            }
        };
        match self.end {
            End::Count(1) => out.push_str(", 1 session"),
            End::Count(n) => out.push_str(&format!(", {n} sessions")),
            End::Until(d) => out.push_str(&format!(", until {}", d.format("%Y-%m-%d"))),
            End::Open => {}
        }
        out
    }
}

/// A "this and following" change (SPEC, `--following`): the sessions of
/// `rule` (first at `dtstart`, local to `zone`) before the occurrence at
/// `at` keep the returned first rule (`None` when there are none), and
/// that occurrence and the later ones follow the second rule, starting at
/// `new_start` (local). COUNT is shared between the two; UNTIL moves by as
/// many days as the session does. Errors as [`occurrences`].
pub fn split(
    rule: &Rule,
    dtstart: NaiveDateTime,
    zone: Tz,
    at: DateTime<Utc>,
    new_start: NaiveDateTime,
) -> Result<(Option<Rule>, Rule), RuleError> {
    let before = occurrences(rule, dtstart, zone, DateTime::<Utc>::MIN_UTC, at)?.len() as u32;
    let at_date = at.with_timezone(&zone).date_naive();
    let kept = (before > 0).then(|| Rule {
        freq: rule.freq,
        end: match rule.end {
            End::Count(_) => End::Count(before),
            _ => End::Until(at_date.pred_opt().unwrap_or(at_date)),
        },
    });
    let shift = new_start.date() - at_date;
    let end = match rule.end {
        End::Count(n) => End::Count(n.saturating_sub(before).max(1)),
        End::Until(d) => End::Until(d.checked_add_signed(shift).unwrap_or(d)),
        End::Open => End::Open,
    };
    Ok((kept, Rule { freq: rule.freq.moved_to(new_start.date()), end }))
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rrule())
    }
}

fn syntax(msg: String) -> RuleError {
    RuleError::Syntax(msg)
}

impl FromStr for Rule {
    type Err = RuleError;

    /// Read the subset [`Rule::to_rrule`] writes. Parts may come in any
    /// order, each once; names are read without regard to case (RFC 5545
    /// section 3.1). Anything else is refused naming the part: other
    /// frequencies, intervals, BYDAY on a weekly rule, COUNT with UNTIL.
    fn from_str(text: &str) -> Result<Rule, RuleError> {
        let (mut freq, mut interval, mut byday, mut count, mut until) = (None, None, None, None, None);
        for part in text.trim().split(';') {
            let (name, value) =
                part.split_once('=').ok_or_else(|| syntax(format!("bad rule part {part:?}: expected NAME=VALUE")))?;
            let slot = match name.to_ascii_uppercase().as_str() {
                "FREQ" => &mut freq,
                "INTERVAL" => &mut interval,
                "BYDAY" => &mut byday,
                "COUNT" => &mut count,
                "UNTIL" => &mut until,
                _ => return Err(syntax(format!("unsupported rule part {part:?}"))),
            };
            if slot.replace(value.to_ascii_uppercase()).is_some() {
                return Err(syntax(format!("rule part {name:?} given twice")));
            }
        }
        let freq = match (freq.as_deref(), interval.as_deref(), byday.as_deref()) {
            (None, ..) => return Err(syntax(format!("rule {text:?} has no FREQ"))),
            (Some("WEEKLY"), None, None) => Freq::Weekly,
            (Some("WEEKLY"), Some("2"), None) => Freq::Fortnightly,
            (Some("WEEKLY"), Some(i), None) => {
                return Err(syntax(format!("unsupported INTERVAL={i}: a weekly rule repeats every 1 or 2 weeks")));
            }
            (Some("WEEKLY"), _, Some(b)) => {
                return Err(syntax(format!("unsupported BYDAY={b} on a weekly rule: it repeats on DTSTART's day")));
            }
            (Some("MONTHLY"), Some(i), _) => return Err(syntax(format!("unsupported INTERVAL={i} on a monthly rule"))),
            (Some("MONTHLY"), None, None) => return Err(syntax("a monthly rule needs BYDAY, such as 2TU".into())),
            (Some("MONTHLY"), None, Some(b)) => parse_byday(b)?,
            (Some(f), ..) => return Err(syntax(format!("unsupported FREQ={f}: use WEEKLY or MONTHLY"))),
        };
        let end = match (count, until) {
            (Some(_), Some(_)) => return Err(syntax("a rule may have COUNT or UNTIL, not both".into())),
            (Some(c), None) => match c.parse::<u32>() {
                Ok(n) if n >= 1 && c.bytes().all(|b| b.is_ascii_digit()) => End::Count(n),
                _ => return Err(syntax(format!("bad COUNT={c}: expected a whole number from 1"))),
            },
            (None, Some(u)) => match NaiveDate::parse_from_str(&u, "%Y%m%d") {
                Ok(d) if u.len() == 8 => End::Until(d),
                _ => return Err(syntax(format!("bad UNTIL={u}: expected a date such as 20270301"))),
            },
            (None, None) => End::Open,
        };
        Ok(Rule { freq, end })
    }
}

fn parse_byday(b: &str) -> Result<Freq, RuleError> {
    let bad = || syntax(format!("bad BYDAY={b}: expected the weekday's ordinal from 1 to 5 and its day, such as 2TU"));
    let (nth, code) = b.split_at_checked(1).ok_or_else(bad)?;
    let nth = match nth.parse::<u8>() {
        Ok(n @ 1..=5) => n,
        _ => return Err(bad()),
    };
    let day = DAYS.iter().find(|(_, c)| *c == code).ok_or_else(bad)?.0;
    Ok(Freq::Monthly { nth, day })
}

/// The local date of the `step`th candidate after DTSTART (step 0 is
/// DTSTART); `None` for a month without the rule's weekday, which is
/// skipped, or for a date past chrono's range.
fn candidate(freq: Freq, start: NaiveDate, step: u32) -> Option<NaiveDate> {
    match freq {
        Freq::Weekly => start.checked_add_days(Days::new(7 * u64::from(step))),
        Freq::Fortnightly => start.checked_add_days(Days::new(14 * u64::from(step))),
        Freq::Monthly { nth, day } => {
            let months = start.year() * 12 + start.month0() as i32 + step as i32;
            NaiveDate::from_weekday_of_month_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, day, nth)
        }
    }
}

/// The occurrences of `rule` whose start lies in `[from, to)`, as UTC
/// instants in order.
///
/// `dtstart_local` is the first session's wall time in `zone`; every later
/// session keeps that wall time, so its UTC offset follows the zone's
/// daylight-saving changes. COUNT counts from DTSTART, before `from` too;
/// UNTIL is a local date, inclusive. The walk stops at `to`, at the rule's
/// end, or after [`MAX_STEPS`] steps, whichever comes first.
///
/// Errors: [`RuleError::Nonexistent`] or [`RuleError::Ambiguous`] naming the
/// date of the first occurrence before `to` (in or before the window) whose
/// wall time the zone skips or repeats; [`RuleError::StartMismatch`] when a
/// monthly rule's weekday and ordinal are not DTSTART's. A caller checks a
/// new rule over its whole horizon once and refuses it on error.
pub fn occurrences(
    rule: &Rule,
    dtstart_local: NaiveDateTime,
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, RuleError> {
    let start = dtstart_local.date();
    if let Freq::Monthly { nth, day } = rule.freq
        && (start.weekday() != day || ordinal_in_month(start) != nth)
    {
        return Err(RuleError::StartMismatch(start));
    }
    // A skipped or repeated wall time has no single instant to compare with
    // `to`; its wall time compares with `to`'s instead, which is exact
    // outside the repeated hour and errs towards refusing within it.
    let to_local = to.with_timezone(&zone).naive_local();
    let mut found = Vec::new();
    let mut counted = 0u32;
    for step in 0..MAX_STEPS {
        let Some(date) = candidate(rule.freq, start, step) else {
            if matches!(rule.freq, Freq::Monthly { .. }) {
                continue;
            }
            break; // past chrono's range
        };
        match rule.end {
            End::Count(n) if counted >= n => break,
            End::Until(last) if date > last => break,
            _ => {}
        }
        let wall = date.and_time(dtstart_local.time());
        let at = match zone.from_local_datetime(&wall) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            _ if wall >= to_local => break,
            LocalResult::None => return Err(RuleError::Nonexistent(date)),
            LocalResult::Ambiguous(..) => return Err(RuleError::Ambiguous(date)),
        };
        if at >= to {
            break;
        }
        counted += 1;
        if at >= from {
            found.push(at);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz(name: &str) -> Tz {
        name.parse().unwrap()
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn rule(text: &str) -> Rule {
        text.parse().unwrap()
    }

    /// Everything from DTSTART on, far enough for any bounded test rule.
    fn all(rule_text: &str, start: &str, zone: &str) -> Result<Vec<DateTime<Utc>>, RuleError> {
        occurrences(&rule(rule_text), local(start), tz(zone), utc("2000-01-01T00:00:00Z"), utc("2099-01-01T00:00:00Z"))
    }

    /// The occurrences as local wall times, to read the tests at a glance.
    fn walls(list: &[DateTime<Utc>], zone: &str) -> Vec<String> {
        list.iter().map(|t| t.with_timezone(&tz(zone)).format("%Y-%m-%dT%H:%M").to_string()).collect()
    }

    fn rfc(list: &[DateTime<Utc>]) -> Vec<String> {
        list.iter().map(|t| t.format("%Y-%m-%dT%H:%MZ").to_string()).collect()
    }

    #[test]
    fn weekly_repeats_on_the_same_weekday_and_counts_dtstart() {
        let got = all("FREQ=WEEKLY;COUNT=3", "2026-06-02T10:00", "UTC").unwrap();
        assert_eq!(walls(&got, "UTC"), ["2026-06-02T10:00", "2026-06-09T10:00", "2026-06-16T10:00"]);
    }

    #[test]
    fn fortnightly_skips_a_week() {
        let got = all("FREQ=WEEKLY;INTERVAL=2;COUNT=3", "2026-06-02T10:00", "UTC").unwrap();
        assert_eq!(walls(&got, "UTC"), ["2026-06-02T10:00", "2026-06-16T10:00", "2026-06-30T10:00"]);
    }

    #[test]
    fn monthly_keeps_the_ordinal_weekday() {
        // 2026-03-10 is the 2nd Tuesday of March.
        let got = all("FREQ=MONTHLY;BYDAY=2TU;COUNT=4", "2026-03-10T10:00", "UTC").unwrap();
        assert_eq!(
            walls(&got, "UTC"),
            ["2026-03-10T10:00", "2026-04-14T10:00", "2026-05-12T10:00", "2026-06-09T10:00"]
        );
        assert_eq!(Freq::monthly_like(local("2026-03-10T10:00").date()), Freq::Monthly { nth: 2, day: Weekday::Tue });
        // It rolls over the year.
        let got = all("FREQ=MONTHLY;BYDAY=1FR;COUNT=2", "2026-12-04T09:00", "UTC").unwrap();
        assert_eq!(walls(&got, "UTC"), ["2026-12-04T09:00", "2027-01-01T09:00"]);
    }

    #[test]
    fn monthly_from_a_fifth_tuesday_skips_months_without_one_and_does_not_count_them() {
        let got = all("FREQ=MONTHLY;BYDAY=5TU;COUNT=4", "2026-03-31T10:00", "UTC").unwrap();
        assert_eq!(
            walls(&got, "UTC"),
            ["2026-03-31T10:00", "2026-06-30T10:00", "2026-09-29T10:00", "2026-12-29T10:00"]
        );
        for t in &got {
            assert_eq!((t.weekday(), ordinal_in_month(t.date_naive())), (Weekday::Tue, 5));
        }
    }

    #[test]
    fn monthly_rule_must_match_dtstart() {
        let err = all("FREQ=MONTHLY;BYDAY=2TU", "2026-03-17T10:00", "UTC").unwrap_err();
        assert_eq!(err, RuleError::StartMismatch(NaiveDate::from_ymd_opt(2026, 3, 17).unwrap()));
        assert!(err.to_string().contains("2026-03-17"), "{err}");
    }

    #[test]
    fn until_is_an_inclusive_local_date() {
        let got = all("FREQ=WEEKLY;UNTIL=20260616", "2026-06-02T23:30", "America/New_York").unwrap();
        // The last one is 2026-06-17 in UTC but 2026-06-16 locally: kept.
        assert_eq!(walls(&got, "America/New_York"), ["2026-06-02T23:30", "2026-06-09T23:30", "2026-06-16T23:30"]);
        let got = all("FREQ=WEEKLY;UNTIL=20260615", "2026-06-02T23:30", "America/New_York").unwrap();
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn new_york_keeps_ten_oclock_across_both_changes() {
        // 2026-11-01 clocks go back; 2027-03-14 they go forward.
        let got = all("FREQ=WEEKLY;COUNT=21", "2026-10-25T10:00", "America/New_York").unwrap();
        assert!(walls(&got, "America/New_York").iter().all(|w| w.ends_with("T10:00")));
        let utc = rfc(&got);
        assert_eq!(utc[0], "2026-10-25T14:00Z");
        assert_eq!(utc[1], "2026-11-01T15:00Z");
        assert_eq!(utc[19], "2027-03-07T15:00Z");
        assert_eq!(utc[20], "2027-03-14T14:00Z");
    }

    #[test]
    fn london_and_sydney_keep_their_wall_time_too() {
        // London: BST ends 2026-10-25, starts 2027-03-28.
        let got = all("FREQ=WEEKLY;INTERVAL=2;UNTIL=20270410", "2026-10-18T18:00", "Europe/London").unwrap();
        assert!(walls(&got, "Europe/London").iter().all(|w| w.ends_with("T18:00")));
        let utc = rfc(&got);
        assert_eq!(utc[0], "2026-10-18T17:00Z");
        assert_eq!(utc[1], "2026-11-01T18:00Z");
        assert_eq!(utc[utc.len() - 2], "2027-03-21T18:00Z");
        assert_eq!(utc.last().unwrap(), "2027-04-04T17:00Z");
        // Sydney, southern: summer time starts 2026-10-04, ends 2027-04-04.
        let got = all("FREQ=MONTHLY;BYDAY=1MO;COUNT=8", "2026-09-07T10:00", "Australia/Sydney").unwrap();
        assert!(walls(&got, "Australia/Sydney").iter().all(|w| w.ends_with("T10:00")));
        let utc = rfc(&got);
        assert_eq!(utc[0], "2026-09-07T00:00Z");
        assert_eq!(utc[1], "2026-10-04T23:00Z");
        assert_eq!(utc[6], "2027-02-28T23:00Z"); // 2027-03-01 in summer time
        assert_eq!(utc[7], "2027-04-05T00:00Z"); // after the change
    }

    #[test]
    fn a_session_in_the_spring_gap_is_refused_naming_the_date() {
        // 2027-01-03 is a Sunday; 02:30 does not exist on 2027-03-14.
        let err = all("FREQ=WEEKLY", "2027-01-03T02:30", "America/New_York").unwrap_err();
        assert_eq!(err, RuleError::Nonexistent(NaiveDate::from_ymd_opt(2027, 3, 14).unwrap()));
        assert!(err.to_string().contains("2027-03-14") && err.to_string().contains("does not exist"), "{err}");
        // A window ending before the gap is fine; one holding it is not.
        let r = rule("FREQ=WEEKLY");
        let ny = tz("America/New_York");
        let before =
            occurrences(&r, local("2027-01-03T02:30"), ny, utc("2027-01-01T00:00:00Z"), utc("2027-03-14T00:00:00Z"));
        assert_eq!(before.unwrap().len(), 10);
        let over =
            occurrences(&r, local("2027-01-03T02:30"), ny, utc("2027-03-01T00:00:00Z"), utc("2027-03-15T00:00:00Z"));
        assert!(matches!(over, Err(RuleError::Nonexistent(_))));
        // London's gap is an hour earlier, on its own date.
        let err = all("FREQ=MONTHLY;BYDAY=4SU", "2027-01-24T01:30", "Europe/London").unwrap_err();
        assert_eq!(err, RuleError::Nonexistent(NaiveDate::from_ymd_opt(2027, 3, 28).unwrap()));
    }

    #[test]
    fn a_session_in_the_repeated_hour_is_refused_naming_the_date() {
        let err = all("FREQ=WEEKLY;COUNT=10", "2026-10-04T01:30", "America/New_York").unwrap_err();
        assert_eq!(err, RuleError::Ambiguous(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()));
        assert!(err.to_string().contains("2026-11-01") && err.to_string().contains("happens twice"), "{err}");
        // Sydney repeats 02:00-03:00 on 2027-04-04.
        let err = all("FREQ=WEEKLY;INTERVAL=2", "2027-03-07T02:15", "Australia/Sydney").unwrap_err();
        assert_eq!(err, RuleError::Ambiguous(NaiveDate::from_ymd_opt(2027, 4, 4).unwrap()));
        // A COUNT that ends before the change is fine.
        assert_eq!(all("FREQ=WEEKLY;COUNT=4", "2026-10-04T01:30", "America/New_York").unwrap().len(), 4);
    }

    #[test]
    fn leap_day_start() {
        let got = all("FREQ=WEEKLY;COUNT=3", "2028-02-29T10:00", "Europe/London").unwrap();
        assert_eq!(walls(&got, "Europe/London"), ["2028-02-29T10:00", "2028-03-07T10:00", "2028-03-14T10:00"]);
        // 2028-02-29 is also the 5th Tuesday of its month.
        let got = all("FREQ=MONTHLY;BYDAY=5TU;COUNT=2", "2028-02-29T10:00", "UTC").unwrap();
        assert_eq!(walls(&got, "UTC"), ["2028-02-29T10:00", "2028-05-30T10:00"]);
    }

    #[test]
    fn window_is_half_open_and_count_runs_from_dtstart() {
        let r = rule("FREQ=WEEKLY;COUNT=5");
        let start = local("2026-06-01T09:00");
        let got = occurrences(&r, start, Tz::UTC, utc("2026-06-08T09:00:00Z"), utc("2026-06-22T09:00:00Z")).unwrap();
        assert_eq!(rfc(&got), ["2026-06-08T09:00Z", "2026-06-15T09:00Z"]);
        // The 5th, counted from DTSTART, is the last, wherever the window starts.
        let got = occurrences(&r, start, Tz::UTC, utc("2026-06-20T00:00:00Z"), utc("2027-01-01T00:00:00Z")).unwrap();
        assert_eq!(rfc(&got), ["2026-06-22T09:00Z", "2026-06-29T09:00Z"]);
        // An empty or inverted window has nothing.
        assert!(
            occurrences(&r, start, Tz::UTC, utc("2026-06-10T00:00:00Z"), utc("2026-06-10T00:00:00Z"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn an_open_rule_stops_at_the_horizon() {
        let got = occurrences(
            &rule("FREQ=WEEKLY"),
            local("2026-06-01T09:00"),
            Tz::UTC,
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
        )
        .unwrap();
        assert_eq!(got.len(), MAX_STEPS as usize);
        assert!(got.windows(2).all(|w| w[1] - w[0] == chrono::Duration::weeks(1)));
        // Steps, not occurrences, are bounded: months without a 5th Friday
        // use up steps too, so the walk ends 520 months on whatever it found.
        let ny = tz("America/New_York");
        let got = occurrences(
            &rule("FREQ=MONTHLY;BYDAY=5FR"),
            local("2026-05-29T09:00"),
            ny,
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
        )
        .unwrap();
        assert!(got.len() > 100 && got.len() < MAX_STEPS as usize, "{}", got.len());
        assert!(got.iter().all(|t| t.with_timezone(&ny).weekday() == Weekday::Fri && t.day() >= 29));
        assert!(got.last().unwrap() < &utc("2069-09-01T00:00:00Z"));
    }

    #[test]
    fn rule_text_round_trips() {
        for text in [
            "FREQ=WEEKLY",
            "FREQ=WEEKLY;COUNT=1",
            "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270301",
            "FREQ=MONTHLY;BYDAY=2TU;COUNT=10",
            "FREQ=MONTHLY;BYDAY=5SU",
        ] {
            assert_eq!(rule(text).to_rrule(), text);
        }
        // Order and case are free on the way in; the way out is fixed.
        assert_eq!(rule("count=3;byday=1mo;freq=monthly").to_string(), "FREQ=MONTHLY;BYDAY=1MO;COUNT=3");
        let built = Rule { freq: Freq::Fortnightly, end: End::Until(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()) };
        assert_eq!(rule(&built.to_rrule()), built);
    }

    #[test]
    fn bad_rule_text_is_refused_naming_the_part() {
        for (text, named) in [
            ("", "\"\""),
            ("FREQ=DAILY", "FREQ=DAILY"),
            ("FREQ=YEARLY;COUNT=2", "FREQ=YEARLY"),
            ("COUNT=2", "no FREQ"),
            ("FREQ=WEEKLY;INTERVAL=3", "INTERVAL=3"),
            ("FREQ=WEEKLY;BYDAY=TU", "BYDAY=TU"),
            ("FREQ=MONTHLY", "BYDAY"),
            ("FREQ=MONTHLY;BYDAY=-1TU", "BYDAY=-1TU"),
            ("FREQ=MONTHLY;BYDAY=6TU", "BYDAY=6TU"),
            ("FREQ=MONTHLY;BYDAY=2XX", "BYDAY=2XX"),
            ("FREQ=MONTHLY;BYDAY=2TU;INTERVAL=2", "INTERVAL=2"),
            ("FREQ=WEEKLY;COUNT=0", "COUNT=0"),
            ("FREQ=WEEKLY;COUNT=+3", "COUNT=+3"),
            ("FREQ=WEEKLY;UNTIL=2027-03-01", "UNTIL=2027-03-01"),
            ("FREQ=WEEKLY;UNTIL=20270230", "UNTIL=20270230"),
            ("FREQ=WEEKLY;UNTIL=20270301T000000Z", "UNTIL=20270301T000000Z"),
            ("FREQ=WEEKLY;COUNT=2;UNTIL=20270301", "COUNT or UNTIL"),
            ("FREQ=WEEKLY;FREQ=WEEKLY", "\"FREQ\" given twice"),
            ("FREQ=WEEKLY;WKST=MO", "WKST=MO"),
            ("FREQ=WEEKLY;", "\"\""),
            ("RRULE:FREQ=WEEKLY", "RRULE:FREQ"),
        ] {
            let err = text.parse::<Rule>().unwrap_err();
            assert!(matches!(err, RuleError::Syntax(_)), "{text}");
            assert!(err.to_string().contains(named), "{text}: {err}");
        }
    }

    #[test]
    fn named_frequencies_and_their_words() {
        let tue = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(); // the 2nd Tuesday
        assert_eq!(Freq::named("weekly", tue), Some(Freq::Weekly));
        assert_eq!(Freq::named("fortnightly", tue), Some(Freq::Fortnightly));
        assert_eq!(Freq::named("monthly", tue), Some(Freq::Monthly { nth: 2, day: Weekday::Tue }));
        assert_eq!(Freq::named("daily", tue), None);
        let words = |freq, end| Rule { freq, end }.describe();
        assert_eq!(words(Freq::Weekly, End::Open), "every week");
        assert_eq!(words(Freq::Fortnightly, End::Count(6)), "every 2 weeks, 6 sessions");
        let until = End::Until(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap());
        assert_eq!(words(Freq::named("monthly", tue).unwrap(), until), "monthly on the 2nd Tuesday, until 2027-03-01");
        let fifth = Freq::monthly_like(NaiveDate::from_ymd_opt(2026, 12, 29).unwrap());
        assert_eq!(words(fifth, End::Open), "monthly on the 5th Tuesday (months without one are skipped)");
    }

    #[test]
    fn a_split_shares_the_count_and_moves_the_end_with_the_session() {
        let ny = tz("America/New_York");
        let start = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(10, 0, 0).unwrap();
        let at: DateTime<Utc> = "2026-12-15T15:00:00Z".parse().unwrap(); // the 3rd session
        let wed = NaiveDate::from_ymd_opt(2026, 12, 16).unwrap().and_hms_opt(11, 0, 0).unwrap();
        let counted = Rule { freq: Freq::Weekly, end: End::Count(10) };
        let (kept, rest) = split(&counted, start, ny, at, wed).unwrap();
        assert_eq!(kept, Some(Rule { freq: Freq::Weekly, end: End::Count(2) }));
        assert_eq!(rest, Rule { freq: Freq::Weekly, end: End::Count(8) });
        let until = Rule { freq: Freq::Weekly, end: End::Until(NaiveDate::from_ymd_opt(2027, 1, 26).unwrap()) };
        let (kept, rest) = split(&until, start, ny, at, wed).unwrap();
        assert_eq!(kept.unwrap().end, End::Until(NaiveDate::from_ymd_opt(2026, 12, 14).unwrap()));
        assert_eq!(rest.end, End::Until(NaiveDate::from_ymd_opt(2027, 1, 27).unwrap()), "a day later, as the session");
        // From the first session on, nothing is kept; a monthly rule
        // takes the new date's weekday of the month.
        let monthly = Rule { freq: Freq::monthly_like(start.date()), end: End::Open };
        let first: DateTime<Utc> = "2026-12-01T15:00:00Z".parse().unwrap();
        let (kept, rest) = split(&monthly, start, ny, first, wed).unwrap();
        assert_eq!((kept, rest.freq), (None, Freq::Monthly { nth: 3, day: Weekday::Wed }));
    }
}
