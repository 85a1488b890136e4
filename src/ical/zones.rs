//! The zones times are written in (RFC 5545 section 3.2.19, TZID): IANA
//! names, the Windows names Outlook writes (mapped by CLDR's table,
//! `windows_zones`), UTC, and zones a file defines itself in a VTIMEZONE
//! block (section 3.6.5) under a name of its own. Every wall time is read
//! strictly: one that a daylight-saving change skips or repeats is
//! reported as such, never moved (Porchlight's rule for every time).

use std::collections::HashMap;

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::parser::Component;

use super::expand;
use super::values::{prop, props, whens};
use super::windows_zones::iana_for_windows;

/// A zone wall times are read in.
#[derive(Debug, Clone)]
pub enum Zone {
    Iana(Tz),
    /// Defined by the file's own VTIMEZONE.
    Custom(std::sync::Arc<Custom>),
}

/// What a wall time is in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    One(DateTime<Utc>),
    /// Skipped by a change of offset (clocks go forward).
    Gap,
    /// Happens twice (clocks go back).
    Twice,
}

impl Zone {
    /// The zone's name as people know it.
    pub fn name(&self) -> String {
        match self {
            Zone::Iana(tz) => tz.name().to_string(),
            Zone::Custom(c) => c.name.clone(),
        }
    }

    /// The instant a wall time `t` is in this zone.
    pub fn resolve(&self, t: NaiveDateTime) -> Fit {
        match self {
            Zone::Iana(tz) => match tz.from_local_datetime(&t) {
                LocalResult::Single(x) => Fit::One(x.with_timezone(&Utc)),
                LocalResult::None => Fit::Gap,
                LocalResult::Ambiguous(..) => Fit::Twice,
            },
            Zone::Custom(c) => c.resolve(t),
        }
    }

    /// The wall time of instant `t` in this zone.
    pub fn wall(&self, t: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Iana(tz) => t.with_timezone(tz).naive_local(),
            Zone::Custom(c) => t.naive_utc() + Duration::seconds(c.offset_at(t.timestamp()).into()),
        }
    }
}

/// A zone of the file's own: its changes of offset, as
/// (instant in Unix seconds, offset before, offset after), in order.
#[derive(Debug)]
pub struct Custom {
    name: String,
    changes: Vec<(i64, i32, i32)>,
}

/// Changes of offset kept per VTIMEZONE: yearly rules from 1970 to 2100
/// need about 260.
const MAX_CHANGES: usize = 1000;

impl Custom {
    /// The zone a VTIMEZONE block defines, its STANDARD and DAYLIGHT
    /// observances (each a DTSTART, TZOFFSETFROM, TZOFFSETTO and an RRULE
    /// or RDATEs) expanded to 2100. Errors say what is missing or wrong.
    pub fn from_vtimezone(name: &str, c: &Component<'_>) -> Result<Custom, String> {
        let end = NaiveDateTime::parse_from_str("2100-01-01 00:00:00", "%Y-%m-%d %H:%M:%S").expect("a time");
        let mut changes = vec![];
        for o in c.components.iter().filter(|o| {
            let n = o.name.as_str();
            n.eq_ignore_ascii_case("STANDARD") || n.eq_ignore_ascii_case("DAYLIGHT")
        }) {
            let offset = |key: &str| -> Result<i32, String> {
                let p = prop(o, key).ok_or_else(|| format!("time zone {name:?} has an observance without {key}"))?;
                utc_offset(p.val.as_str()).ok_or_else(|| format!("time zone {name:?}: bad {key} {:?}", p.val.as_str()))
            };
            let (from, to) = (offset("TZOFFSETFROM")?, offset("TZOFFSETTO")?);
            let start = prop(o, "DTSTART")
                .ok_or_else(|| format!("time zone {name:?} has an observance without DTSTART"))
                .and_then(whens)?
                .first()
                .map(|w| w.naive())
                .ok_or_else(|| format!("time zone {name:?} has an empty DTSTART"))?;
            let mut onsets = vec![start];
            for p in props(o, "RDATE") {
                onsets.extend(whens(p)?.iter().map(|w| w.naive()));
            }
            let mut rules = vec![];
            for p in props(o, "RRULE") {
                // UNTIL is in UTC here (section 3.6.5): as a wall time, in
                // the offset the rule's own onsets are written in.
                rules.push(expand::rule(p.val.as_str(), &|w| Ok(w.naive() + Duration::seconds(from.into())))?);
            }
            if !rules.is_empty() {
                let mut budget = expand::Budget::new(MAX_CHANGES);
                onsets.extend(expand::wall_times(start, rules, &[], &[], end, &mut budget)?);
            }
            for onset in onsets {
                changes.push(((onset - Duration::seconds(from.into())).and_utc().timestamp(), from, to));
            }
            if changes.len() > MAX_CHANGES {
                return Err(format!("time zone {name:?} changes its offset too often"));
            }
        }
        if changes.is_empty() {
            return Err(format!("time zone {name:?} has no STANDARD or DAYLIGHT part"));
        }
        changes.sort_unstable();
        changes.dedup();
        Ok(Custom { name: name.to_string(), changes })
    }

    /// The offset (seconds east of UTC) in effect at `t` (Unix seconds).
    fn offset_at(&self, t: i64) -> i32 {
        match self.changes.partition_point(|c| c.0 <= t) {
            0 => self.changes[0].1,
            i => self.changes[i - 1].2,
        }
    }

    fn resolve(&self, t: NaiveDateTime) -> Fit {
        let mut offsets: Vec<i32> = self.changes.iter().flat_map(|c| [c.1, c.2]).collect();
        offsets.sort_unstable();
        offsets.dedup();
        let wall = t.and_utc().timestamp();
        let fits: Vec<i64> = offsets
            .iter()
            .map(|&o| wall - i64::from(o))
            .filter(|&u| i64::from(self.offset_at(u)) == wall - u)
            .collect();
        match fits.as_slice() {
            [one] => Fit::One(DateTime::from_timestamp(*one, 0).unwrap_or_default()),
            [] => Fit::Gap,
            _ => Fit::Twice,
        }
    }
}

/// `+0100`, `-0500`, `+053000` as seconds east of UTC.
fn utc_offset(v: &str) -> Option<i32> {
    let v = v.trim();
    let sign = match v.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &v[1..];
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits.get(r).map_or(Some(0), |s| s.parse::<i32>().ok());
    let (h, m, s) = (n(0..2)?, n(2..4)?, n(4..6)?);
    (h < 24 && m < 60 && s < 60).then_some(sign * (h * 3600 + m * 60 + s))
}

/// The zones a file may name: its own VTIMEZONE blocks by TZID.
#[derive(Default)]
pub struct Zones {
    own: HashMap<String, Result<Zone, String>>,
}

impl Zones {
    /// Read the VTIMEZONE blocks among `components`. A block that cannot
    /// be read is kept as its error, reported by the events that use it.
    pub fn new(components: &[Component<'_>]) -> Zones {
        let mut own = HashMap::new();
        for c in components.iter().filter(|c| c.name.as_str().eq_ignore_ascii_case("VTIMEZONE")) {
            let Some(id) = prop(c, "TZID").map(|p| p.val.as_str().trim().to_string()) else { continue };
            let zone = Custom::from_vtimezone(&id, c).map(|z| Zone::Custom(std::sync::Arc::new(z)));
            own.insert(id, zone);
        }
        Zones { own }
    }

    /// The zone `tzid` names: an IANA name, a Windows name, a name with a
    /// publisher's prefix (`/mozilla.org/20050126_1/America/New_York`), or
    /// a VTIMEZONE of the file. IANA and Windows names are read from the
    /// time zone database even when the file defines them too: its copy
    /// may be years old. Errors say the zone is unknown.
    pub fn find(&self, tzid: &str) -> Result<Zone, String> {
        let id = tzid.trim().trim_matches('"');
        if let Some(tz) = iana(id) {
            return Ok(Zone::Iana(tz));
        }
        match self.own.get(id) {
            Some(zone) => zone.clone(),
            None => Err(format!("the time zone {id:?} is neither a known zone nor defined in the file")),
        }
    }
}

fn iana(id: &str) -> Option<Tz> {
    if let Ok(tz) = id.parse::<Tz>() {
        return Some(tz);
    }
    if let Some(tz) = iana_for_windows(id).and_then(|n| n.parse().ok()) {
        return Some(tz);
    }
    // A publisher's prefix: the longest tail of two or more parts that
    // names a zone.
    if id.starts_with('/') {
        let parts: Vec<&str> = id.split('/').collect();
        return (1..parts.len().saturating_sub(1)).find_map(|i| parts[i..].join("/").parse().ok());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONDON_LIKE: &str = "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Practice Time\n\
        BEGIN:DAYLIGHT\nTZOFFSETFROM:+0000\nTZOFFSETTO:+0100\nDTSTART:19810329T010000\n\
        RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\nEND:DAYLIGHT\n\
        BEGIN:STANDARD\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0000\nDTSTART:19961027T020000\n\
        RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nEND:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n";

    fn n(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_zone_of_the_files_own_agrees_with_the_database_and_refuses_gaps() {
        let cal = icalendar::parser::read_calendar(LONDON_LIKE).unwrap();
        let zones = Zones::new(&cal.components);
        let own = zones.find("Practice Time").unwrap();
        let london = Zone::Iana(chrono_tz::Europe::London);
        for t in ["2027-01-04 10:00", "2027-03-29 10:00", "2027-07-01 09:30", "2027-10-31 12:00", "2027-12-24 18:00"] {
            assert_eq!(own.resolve(n(t)), london.resolve(n(t)), "{t}");
        }
        assert_eq!(own.resolve(n("2027-03-28 01:30")), Fit::Gap);
        assert_eq!(own.resolve(n("2027-10-31 01:30")), Fit::Twice);
        let Fit::One(t) = own.resolve(n("2027-06-01 10:00")) else { panic!() };
        assert_eq!(own.wall(t), n("2027-06-01 10:00"));
    }

    #[test]
    fn names_as_producers_write_them() {
        let zones = Zones::default();
        assert_eq!(zones.find("America/New_York").unwrap().name(), "America/New_York");
        assert_eq!(zones.find("\"Eastern Standard Time\"").unwrap().name(), "America/New_York");
        assert_eq!(zones.find("W. Europe Standard Time").unwrap().name(), "Europe/Berlin");
        assert_eq!(zones.find("/mozilla.org/20050126_1/America/Chicago").unwrap().name(), "America/Chicago");
        assert_eq!(zones.find("UTC").unwrap().name(), "UTC");
        assert!(zones.find("Mars/Olympus_Mons").unwrap_err().contains("Mars/Olympus_Mons"));
    }

    #[test]
    fn utc_offsets_are_read_strictly() {
        assert_eq!(utc_offset("+0100"), Some(3600));
        assert_eq!(utc_offset("-0430"), Some(-16200));
        assert_eq!(utc_offset("+053000"), Some(19800));
        for bad in ["0100", "+1", "+2500", "+0160", "+01:00", ""] {
            assert_eq!(utc_offset(bad), None, "{bad}");
        }
    }
}
