//! Reading and showing times in the practice's zone.
//!
//! Everything is stored and compared in UTC. People type and read local
//! times, so this module owns the two crossings: [`parse_input`] turns what
//! a user typed into a UTC instant (refusing local times that do not exist
//! or happen twice around a DST change), and [`Local`] formats an instant
//! for a client page with the zone named.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// Parse a practice zone name such as `America/New_York`.
pub fn parse_zone(name: &str) -> Result<Tz> {
    name.parse::<Tz>()
        .map_err(|_| Error::input(format!("unknown time zone {name:?} (use an IANA name such as Europe/London)")))
}

/// Read a time typed by a user: RFC 3339 with an offset, or a local
/// `YYYY-MM-DDTHH:MM[:SS]` in `zone`.
pub fn parse_input(text: &str, zone: Tz) -> Result<DateTime<Utc>> {
    let t = parse_any(text.trim(), zone)?;
    // Sessions happen in this century; anything else is a typo (and years
    // far out do not even print back as RFC 3339).
    if !(2000..2100).contains(&t.year()) {
        return Err(Error::input(format!("time {:?} is out of range: use a year from 2000 to 2099", text.trim())));
    }
    Ok(t)
}

fn parse_any(text: &str, zone: Tz) -> Result<DateTime<Utc>> {
    // RFC 3339, or the same without seconds, the form the ambiguity error
    // below offers: what we advise must read back.
    let offset = DateTime::parse_from_rfc3339(text).or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M%:z"));
    if let Ok(t) = offset {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            Error::input(format!("bad time {text:?}: use 2026-12-01T14:00 (in {zone}) or 2026-12-01T14:00:00-05:00"))
        })?;
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(Error::input(format!(
            "{text} does not exist in {zone}: the clocks skip it at a daylight-saving change"
        ))),
        LocalResult::Ambiguous(a, b) => Err(Error::input(format!(
            "{text} happens twice in {zone} because of a daylight-saving change: \
             give the offset, {} or {}",
            a.format("%Y-%m-%dT%H:%M%:z"),
            b.format("%Y-%m-%dT%H:%M%:z"),
        ))),
    }
}

/// RFC 3339 in UTC, whole seconds: the one format of times in JSON output.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Serialize stored seconds as RFC 3339 UTC, for JSON output.
pub fn serialize_unix<S: serde::Serializer>(secs: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(from_unix(*secs)))
}

/// Convert stored seconds since the epoch back into an instant.
pub fn from_unix(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

/// An instant as the practice's clients read it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Local {
    /// "Tuesday 1 December 2026"
    pub date: String,
    /// "2:00 PM"
    pub time: String,
    /// Abbreviation in force at that instant: "EST", "BST", "UTC".
    pub abbrev: String,
    /// The IANA name: "America/New_York".
    pub zone: String,
    /// The time with its zone named once: "2:00 PM EST (America/New_York)",
    /// or "2:00 PM UTC" where the abbreviation is the name. The one way a
    /// message writes a time with its zone; nothing adds the zone after it.
    pub zoned: String,
    /// Machine-readable, for `<time datetime=...>`.
    pub iso: String,
    /// The language it is written in.
    #[serde(skip)]
    pub lang: &'static str,
    /// The local hour, 0 to 23 (Spanish says "a la 1:00", "a las 2:00").
    #[serde(skip)]
    pub hour: u32,
}

impl Local {
    /// In English, as the admin pages, the command line and the
    /// clinician's messages write it.
    pub fn new(t: DateTime<Utc>, zone: Tz) -> Self {
        Local::in_lang(t, zone, crate::i18n::ENGLISH)
    }

    /// In `lang` (a bundled language, `i18n`): its weekday and month
    /// names, its order of a date's parts (`date-long`) and its clock
    /// (2:00 PM or 14:00). The zone's abbreviation and name are the same
    /// in every language. Written out by hand rather than with chrono's
    /// format strings, which cost more than the rest of a link page
    /// together.
    pub fn in_lang(t: DateTime<Utc>, zone: Tz, lang: &'static str) -> Self {
        use crate::i18n::{Arg, Clock};
        use chrono::{Datelike, Timelike};
        let names = crate::i18n::names(lang);
        let local = t.with_timezone(&zone);
        let time = match names.clock {
            Clock::Twelve => {
                let (pm, hour) = local.hour12();
                format!("{hour}:{:02} {}", local.minute(), if pm { &names.pm } else { &names.am })
            }
            Clock::TwentyFour => format!("{}:{:02}", local.hour(), local.minute()),
        };
        let abbrev = local.offset().to_string();
        let zoned = if abbrev == zone.name() {
            format!("{time} {abbrev}")
        } else {
            format!("{time} {abbrev} ({})", zone.name())
        };
        let (day, year) = (local.day().to_string(), local.year().to_string());
        let date = crate::i18n::text(
            lang,
            "date-long",
            &[
                ("weekday", Arg::Text(&names.weekdays[local.weekday().num_days_from_monday() as usize])),
                ("day", Arg::Text(&day)),
                ("month", Arg::Text(&names.months[local.month0() as usize])),
                ("year", Arg::Text(&year)),
            ],
        )
        .expect("the English message files define date-long");
        Local { date, time, abbrev, zone: zone.name().to_string(), zoned, iso: rfc3339(t), lang, hour: local.hour() }
    }

    /// One line for messages and the command line:
    /// "Tuesday 1 December 2026 at 2:00 PM EST (America/New_York)",
    /// "martes, 1 de diciembre de 2026 a las 14:00 EST (America/New_York)".
    pub fn line(&self) -> String {
        use crate::i18n::Arg;
        crate::i18n::text(
            self.lang,
            "date-at-time",
            &[
                ("date", Arg::Text(&self.date)),
                ("time", Arg::Text(&self.zoned)),
                ("hour", Arg::Number(self.hour.into())),
            ],
        )
        .expect("the English message files define date-at-time")
    }
}

/// "Monday": a weekday's name in English, as the admin pages and the
/// command line write it (from the English message files).
pub fn weekday_name(day: chrono::Weekday) -> &'static str {
    &crate::i18n::names(crate::i18n::ENGLISH).weekdays[day.num_days_from_monday() as usize]
}

/// "October": the English name of the month `month0` (0 is January).
pub fn month_name(month0: u32) -> &'static str {
    &crate::i18n::names(crate::i18n::ENGLISH).months[month0 as usize % 12]
}

/// Midnight at the start of the local day containing `t`, as UTC. Around a
/// DST change at midnight the earliest existing time of that day is used.
pub fn start_of_local_day(t: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    start_of_date(t.with_timezone(&zone).date_naive(), zone)
}

/// The first instant of the local calendar day `date` in `zone`, as UTC:
/// midnight, or where a DST change skips midnight (America/Santiago,
/// Asia/Beirut) the earliest time that exists that day. Days are not 24
/// hours long around a change, so a day or a week ends at the start of
/// the next date, never at a fixed number of hours.
pub fn start_of_date(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let mut naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    // No zone skips more than two hours at once.
    for _ in 0..8 {
        match zone.from_local_datetime(&naive) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => naive += chrono::Duration::minutes(30),
        }
    }
    Utc.from_utc_datetime(&naive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_local_times_match_chrono_formatting_in_every_zone() {
        let instants: Vec<DateTime<Utc>> = ["2026-01-05T00:30:00Z", "2026-07-19T12:00:00Z", "2027-03-14T06:59:00Z"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        for zone in chrono_tz::TZ_VARIANTS {
            for &t in &instants {
                let local = t.with_timezone(&zone);
                let l = Local::new(t, zone);
                assert_eq!(l.date, local.format("%A %-d %B %Y").to_string(), "{zone} {t}");
                assert_eq!(l.time, local.format("%-I:%M %p").to_string(), "{zone} {t}");
                assert_eq!(l.abbrev, local.format("%Z").to_string(), "{zone} {t}");
            }
        }
    }

    fn ny() -> Tz {
        parse_zone("America/New_York").unwrap()
    }
    fn london() -> Tz {
        parse_zone("Europe/London").unwrap()
    }

    #[test]
    fn rfc3339_input_keeps_its_offset_whatever_the_zone() {
        let t = parse_input("2026-12-01T14:00:00-05:00", london()).unwrap();
        assert_eq!(rfc3339(t), "2026-12-01T19:00:00Z");
    }

    #[test]
    fn local_input_is_read_in_the_practice_zone() {
        assert_eq!(rfc3339(parse_input("2026-12-01T14:00", ny()).unwrap()), "2026-12-01T19:00:00Z");
        assert_eq!(rfc3339(parse_input("2026-07-01T14:00", ny()).unwrap()), "2026-07-01T18:00:00Z");
        assert_eq!(rfc3339(parse_input("2026-07-01T14:00", london()).unwrap()), "2026-07-01T13:00:00Z");
    }

    #[test]
    fn new_york_spring_gap_is_refused_with_time_and_zone_named() {
        // 2026-03-08: clocks jump from 02:00 to 03:00.
        let err = parse_input("2026-03-08T02:30", ny()).unwrap_err().to_string();
        assert!(err.contains("2026-03-08T02:30") && err.contains("America/New_York"), "{err}");
        assert!(err.contains("does not exist"), "{err}");
        // The minutes either side are fine.
        assert_eq!(rfc3339(parse_input("2026-03-08T01:59", ny()).unwrap()), "2026-03-08T06:59:00Z");
        assert_eq!(rfc3339(parse_input("2026-03-08T03:00", ny()).unwrap()), "2026-03-08T07:00:00Z");
    }

    #[test]
    fn new_york_autumn_overlap_is_refused_and_offsets_are_offered() {
        // 2026-11-01: 01:00-02:00 happens twice.
        let err = parse_input("2026-11-01T01:30", ny()).unwrap_err().to_string();
        assert!(err.contains("happens twice") && err.contains("America/New_York"), "{err}");
        assert!(err.contains("-04:00") && err.contains("-05:00"), "{err}");
        assert_eq!(rfc3339(parse_input("2026-11-01T02:00", ny()).unwrap()), "2026-11-01T07:00:00Z");
        // With an offset the same wall time is unambiguous.
        assert_eq!(rfc3339(parse_input("2026-11-01T01:30:00-05:00", ny()).unwrap()), "2026-11-01T06:30:00Z");
        // Each time the error offers reads back as itself.
        let offers = err.split("give the offset, ").nth(1).unwrap();
        let offered: Vec<&str> = offers.split(" or ").collect();
        assert_eq!(offered.len(), 2, "{err}");
        let read: Vec<String> = offered.iter().map(|o| rfc3339(parse_input(o, ny()).unwrap())).collect();
        assert_eq!(read, ["2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"]);
    }

    #[test]
    fn london_spring_gap_and_autumn_overlap() {
        // 2026-03-29: 01:00 -> 02:00; 2026-10-25: 01:00-02:00 twice.
        let gap = parse_input("2026-03-29T01:15", london()).unwrap_err().to_string();
        assert!(gap.contains("does not exist") && gap.contains("Europe/London"), "{gap}");
        let twice = parse_input("2026-10-25T01:15", london()).unwrap_err().to_string();
        assert!(twice.contains("happens twice") && twice.contains("+01:00") && twice.contains("+00:00"), "{twice}");
        assert_eq!(rfc3339(parse_input("2026-03-29T02:00", london()).unwrap()), "2026-03-29T01:00:00Z");
    }

    #[test]
    fn nonsense_is_refused_naming_the_value() {
        for bad in [
            "tomorrow",
            "2026-13-01T10:00",
            "2026-02-30T10:00",
            "",
            "2026-12-01 14:00x",
            "0-1-1T5:1",
            "9999-01-01T10:00",
        ] {
            let err = parse_input(bad, ny()).unwrap_err();
            assert!(matches!(err, Error::Input(_)));
            assert!(err.to_string().contains(&format!("{:?}", bad.trim())), "{err}");
        }
        assert!(parse_zone("Mars/Olympus").unwrap_err().to_string().contains("Mars/Olympus"));
    }

    #[test]
    fn local_shows_the_abbreviation_in_force_and_the_zone_name() {
        let winter = Local::new(parse_input("2026-12-01T14:00", ny()).unwrap(), ny());
        assert_eq!(winter.line(), "Tuesday 1 December 2026 at 2:00 PM EST (America/New_York)");
        // The day after the spring change is shown in summer time.
        let after = Local::new(parse_input("2026-03-30T09:00", london()).unwrap(), london());
        assert_eq!(after.line(), "Monday 30 March 2026 at 9:00 AM BST (Europe/London)");
        let utc = Local::new(parse_input("2026-12-01T14:00", Tz::UTC).unwrap(), Tz::UTC);
        assert_eq!(utc.line(), "Tuesday 1 December 2026 at 2:00 PM UTC");
    }

    #[test]
    fn start_of_day_is_local_midnight() {
        let t = parse_input("2026-12-01T23:30", ny()).unwrap();
        assert_eq!(rfc3339(start_of_local_day(t, ny())), "2026-12-01T05:00:00Z");
    }

    #[test]
    fn a_date_starts_at_its_first_existing_instant() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // New York's autumn change: that Sunday is 25 hours long.
        let (sun, mon) = (start_of_date(d("2026-11-01"), ny()), start_of_date(d("2026-11-02"), ny()));
        assert_eq!(rfc3339(sun), "2026-11-01T04:00:00Z");
        assert_eq!((mon - sun).num_hours(), 25);
        // Santiago skips midnight itself in September: the day starts at 01:00.
        let santiago = parse_zone("America/Santiago").unwrap();
        assert_eq!(rfc3339(start_of_date(d("2026-09-06"), santiago)), "2026-09-06T04:00:00Z");
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let t: chrono::DateTime<chrono::Utc> = "2026-12-01T19:05:00Z".parse().unwrap();
        let zone: chrono_tz::Tz = "America/New_York".parse().unwrap();
        let en = Local::in_lang(t, zone, "en");
        assert_eq!(en.line(), "Tuesday 1 December 2026 at 2:05 PM EST (America/New_York)");
        let es = Local::in_lang(t, zone, "es");
        assert_eq!(es.line(), "martes, 1 de diciembre de 2026 a las 14:05 EST (America/New_York)");
        let one: chrono::DateTime<chrono::Utc> = "2026-12-01T06:00:00Z".parse().unwrap();
        assert_eq!(
            Local::in_lang(one, zone, "es").line(),
            "martes, 1 de diciembre de 2026 a la 1:00 EST (America/New_York)"
        );
    }
}
