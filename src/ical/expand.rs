//! Repeating events (RFC 5545 section 3.3.10, RRULE; 3.8.5.1-2, EXDATE and
//! RDATE) expanded by the `rrule` crate. Rules are applied to wall times:
//! a weekly 10:00 stays 10:00 across daylight-saving changes (the RFC's
//! reading), and each wall time meets its zone only afterwards, where a
//! skipped or repeated time is reported rather than moved (`zones.rs`).
//! The crate is given wall times as if they were UTC, so no zone moves
//! them.

use chrono::{NaiveDateTime, TimeZone, Weekday};
use rrule::{Frequency, NWeekday, RRule, RRuleSet, Unvalidated};

use super::values::{When, when};

/// Instances the expansion of one file may step through (from each
/// event's first instance, not only those in the span imported): a bound
/// on the time a hostile file takes. A daily event since 2000 is about
/// 10 000 steps.
pub const MAX_STEPS: usize = 200_000;

/// Steps left to take, shared by every event of a file.
#[derive(Debug)]
pub struct Budget {
    left: usize,
}

impl Budget {
    pub fn new(steps: usize) -> Budget {
        Budget { left: steps }
    }
}

/// The RRULE value `value` (`FREQ=WEEKLY;BYDAY=TU;UNTIL=...`) as the
/// crate's unchecked rule; `until_wall` turns its UNTIL into a wall time
/// of the event's zone. Errors name the part that is wrong.
pub fn rule(
    value: &str,
    until_wall: &dyn Fn(&When) -> Result<NaiveDateTime, String>,
) -> Result<RRule<Unvalidated>, String> {
    let mut freq = None;
    let mut parts = vec![];
    for part in value.trim().split(';').filter(|p| !p.is_empty()) {
        let (key, val) = part.split_once('=').ok_or_else(|| format!("RRULE part {part:?} has no value"))?;
        let key = key.trim().to_ascii_uppercase();
        if key == "FREQ" {
            freq = Some(frequency(val)?);
        } else {
            parts.push((key, val.trim()));
        }
    }
    let mut r = RRule::new(freq.ok_or("an RRULE without FREQ")?);
    for (key, val) in parts {
        let bad = || format!("RRULE {key}={val:?} is not valid");
        r = match key.as_str() {
            "INTERVAL" => r.interval(val.parse().map_err(|_| bad())?),
            "COUNT" => r.count(val.parse().map_err(|_| bad())?),
            "UNTIL" => {
                let at = until_wall(&when(val, false, None).map_err(|_| bad())?)?;
                r.until(rrule::Tz::UTC.from_utc_datetime(&at))
            }
            "WKST" => r.week_start(weekday(val).ok_or_else(bad)?),
            "BYDAY" => r.by_weekday(list(val, nth_weekday).ok_or_else(bad)?),
            "BYMONTHDAY" => r.by_month_day(list(val, |v| v.parse().ok()).ok_or_else(bad)?),
            "BYYEARDAY" => r.by_year_day(list(val, |v| v.parse().ok()).ok_or_else(bad)?),
            "BYWEEKNO" => r.by_week_no(list(val, |v| v.parse().ok()).ok_or_else(bad)?),
            "BYSETPOS" => r.by_set_pos(list(val, |v| v.parse().ok()).ok_or_else(bad)?),
            "BYHOUR" => r.by_hour(list(val, |v| v.parse().ok()).ok_or_else(bad)?),
            "BYMINUTE" => r.by_minute(list(val, |v| v.parse().ok()).ok_or_else(bad)?),
            "BYSECOND" => r.by_second(list(val, |v| v.parse().ok()).ok_or_else(bad)?),
            "BYMONTH" => {
                let months: Vec<chrono::Month> =
                    list(val, |v| v.parse::<u8>().ok().and_then(|m| chrono::Month::try_from(m).ok()))
                        .ok_or_else(bad)?;
                r.by_month(&months)
            }
            // Extensions (X-...) carry nothing a time depends on.
            k if k.starts_with("X-") => r,
            _ => return Err(format!("RRULE part {key} is not one of RFC 5545")),
        };
    }
    Ok(r)
}

fn frequency(v: &str) -> Result<Frequency, String> {
    Ok(match v.trim().to_ascii_uppercase().as_str() {
        "YEARLY" => Frequency::Yearly,
        "MONTHLY" => Frequency::Monthly,
        "WEEKLY" => Frequency::Weekly,
        "DAILY" => Frequency::Daily,
        "HOURLY" => Frequency::Hourly,
        "MINUTELY" => Frequency::Minutely,
        "SECONDLY" => Frequency::Secondly,
        other => return Err(format!("RRULE FREQ={other} is not one of RFC 5545")),
    })
}

fn list<T>(v: &str, one: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
    v.split(',').map(|x| one(x.trim())).collect()
}

fn weekday(v: &str) -> Option<Weekday> {
    Some(match v.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// `TU`, `2TU`, `-1SU`, `+3FR`.
fn nth_weekday(v: &str) -> Option<NWeekday> {
    let split = v.len().checked_sub(2)?;
    let day = weekday(v.get(split..)?)?;
    let n = v.get(..split)?;
    if n.is_empty() {
        return Some(NWeekday::Every(day));
    }
    let n: i16 = n.parse().ok()?;
    (n != 0 && n.abs() <= 53).then_some(NWeekday::Nth(n, day))
}

/// The wall times of an event starting at `start`: its first, those its
/// `rules` and `rdates` give, less `exdates`, up to `end` (inclusive), in
/// order. Errors: a rule the crate refuses, or more steps than `budget`.
pub fn wall_times(
    start: NaiveDateTime,
    rules: Vec<RRule<Unvalidated>>,
    rdates: &[NaiveDateTime],
    exdates: &[NaiveDateTime],
    end: NaiveDateTime,
    budget: &mut Budget,
) -> Result<Vec<NaiveDateTime>, String> {
    let as_utc = |t: &NaiveDateTime| rrule::Tz::UTC.from_utc_datetime(t);
    let first = as_utc(&start);
    // Limited: a rule that never matches (the 30th of February) stops
    // after the crate's bound instead of looping for ever.
    let mut set = RRuleSet::new(first).limit();
    for r in rules {
        let valid = r.validate(first).map_err(|e| format!("the RRULE cannot be used: {e}"))?;
        set = set.rrule(valid);
    }
    // RFC 5545: the DTSTART is always the first instance, whether or not
    // the rule gives it.
    set = set.rdate(first);
    for t in rdates {
        set = set.rdate(as_utc(t));
    }
    for t in exdates {
        set = set.exdate(as_utc(t));
    }
    let mut out: Vec<NaiveDateTime> = vec![];
    for t in set.into_iter() {
        let t = t.naive_utc();
        if t > end {
            break;
        }
        if budget.left == 0 {
            return Err("it repeats too often to expand".to_string());
        }
        budget.left -= 1;
        if out.last() != Some(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn expand(start: &str, rrule: &str, ex: &[&str], end: &str) -> Result<Vec<String>, String> {
        let r = rule(rrule, &|w| Ok(w.naive()))?;
        let ex: Vec<_> = ex.iter().map(|s| n(s)).collect();
        let mut budget = Budget::new(1000);
        let times = wall_times(n(start), vec![r], &[], &ex, n(end), &mut budget)?;
        Ok(times.iter().map(|t| t.format("%a %Y-%m-%d %H:%M").to_string()).collect())
    }

    #[test]
    fn weekly_with_an_exception_keeps_its_wall_time() {
        let got = expand("2027-03-02 10:00", "FREQ=WEEKLY;BYDAY=TU;COUNT=4", &["2027-03-09 10:00"], "2028-01-01 00:00");
        assert_eq!(got.unwrap(), ["Tue 2027-03-02 10:00", "Tue 2027-03-16 10:00", "Tue 2027-03-23 10:00"]);
    }

    #[test]
    fn monthly_by_position_until_a_day() {
        let got = expand("2027-01-12 09:00", "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270420T235959Z", &[], "2028-01-01 00:00");
        assert_eq!(
            got.unwrap(),
            ["Tue 2027-01-12 09:00", "Tue 2027-02-09 09:00", "Tue 2027-03-09 09:00", "Tue 2027-04-13 09:00"]
        );
    }

    #[test]
    fn an_endless_rule_stops_at_the_end_and_a_hostile_one_at_the_budget() {
        let got = expand("2027-01-04 10:00", "FREQ=DAILY", &[], "2027-01-06 10:00").unwrap();
        assert_eq!(got.len(), 3);
        let err = expand("2000-01-01 00:00", "FREQ=SECONDLY", &[], "2027-01-01 00:00").unwrap_err();
        assert!(err.contains("too often"), "{err}");
        // Never matches: the crate's own bound ends it.
        let none = expand("2027-01-01 10:00", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", &[], "2100-01-01 00:00");
        assert_eq!(none.unwrap(), ["Fri 2027-01-01 10:00"]);
    }

    #[test]
    fn rule_parts_are_read_strictly() {
        for bad in ["BYDAY=TU", "FREQ=FORTNIGHTLY", "FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;COUNT=-1", "FREQ=WEEKLY;FOO=1"]
        {
            assert!(rule(bad, &|w| Ok(w.naive())).is_err(), "{bad}");
        }
        assert!(rule("FREQ=WEEKLY;X-NAME=1;WKST=SU", &|w| Ok(w.naive())).is_ok());
        assert_eq!(nth_weekday("-1SU"), Some(NWeekday::Nth(-1, Weekday::Sun)));
        assert_eq!(nth_weekday("+2TU"), Some(NWeekday::Nth(2, Weekday::Tue)));
        assert_eq!(nth_weekday("0TU"), None);
    }
}
