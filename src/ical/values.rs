//! Property values of RFC 5545 section 3.3 as events carry them: DATE,
//! DATE-TIME in its three forms (UTC, with a TZID, floating), DURATION,
//! and the parameters that say which; and the text itself, unfolded and
//! checked against the nesting and event bounds before the parser sees
//! it ([`prepare`]).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use icalendar::parser::{Component, Property};

use super::{MAX_DEPTH, MAX_EVENTS};

/// A DATE or DATE-TIME value as written, before any zone is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// `VALUE=DATE`: a whole day (all-day events).
    Date(NaiveDate),
    /// `...Z`: an instant.
    Utc(DateTime<Utc>),
    /// `TZID=...`: a wall time in that zone.
    Zoned(NaiveDateTime, String),
    /// Neither: a wall time wherever the reader is (section 3.3.5, form #1).
    Floating(NaiveDateTime),
}

impl When {
    /// The wall time written, for a date its midnight.
    pub fn naive(&self) -> NaiveDateTime {
        match self {
            When::Date(d) => d.and_time(NaiveTime::MIN),
            When::Utc(t) => t.naive_utc(),
            When::Zoned(n, _) | When::Floating(n) => *n,
        }
    }
}

/// The first property `name` of `c` (names are case-insensitive).
pub fn prop<'c, 'a>(c: &'c Component<'a>, name: &str) -> Option<&'c Property<'a>> {
    c.properties.iter().find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

/// Every property `name` of `c`.
pub fn props<'c, 'a>(c: &'c Component<'a>, name: &'c str) -> impl Iterator<Item = &'c Property<'a>> + 'c {
    c.properties.iter().filter(move |p| p.name.as_str().eq_ignore_ascii_case(name))
}

/// The value of parameter `key` of `p`, unquoted.
pub fn param<'p>(p: &'p Property<'_>, key: &str) -> Option<&'p str> {
    p.params
        .iter()
        .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|x| x.val.as_ref())
        .map(|v| v.as_str().trim_matches('"'))
}

/// A TEXT value unescaped (section 3.3.11), trimmed.
pub fn text(p: &Property<'_>) -> String {
    let raw = p.val.as_str();
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out.trim().to_string()
}

/// The DATE or DATE-TIME values of `p` (a comma list for EXDATE and
/// RDATE), read with its `VALUE` and `TZID` parameters. Errors name the
/// value that is not a date or time.
pub fn whens(p: &Property<'_>) -> Result<Vec<When>, String> {
    let tzid = param(p, "TZID").map(str::to_string);
    let is_date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    p.val
        .as_str()
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        // A PERIOD (RDATE;VALUE=PERIOD) starts at its first half.
        .map(|v| when(v.split('/').next().unwrap_or(v), is_date, tzid.as_deref()))
        .collect()
}

/// One DATE (`20270104`) or DATE-TIME (`20270104T100000`, with `Z` for
/// UTC) value.
pub fn when(value: &str, is_date: bool, tzid: Option<&str>) -> Result<When, String> {
    let bad = || format!("{value:?} is not a date or a date and time");
    if is_date || value.len() == 8 {
        return NaiveDate::parse_from_str(value, "%Y%m%d").map(When::Date).map_err(|_| bad());
    }
    let (local, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(v) => (v, true),
        None => (value, false),
    };
    let naive = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
    Ok(match (utc, tzid) {
        (true, _) => When::Utc(Utc.from_utc_datetime(&naive)),
        (false, Some(z)) => When::Zoned(naive, z.to_string()),
        (false, None) => When::Floating(naive),
    })
}

/// A DURATION value (section 3.3.6): `P1W`, `PT50M`, `-P1DT2H`, ...
pub fn duration(value: &str) -> Result<Duration, String> {
    let bad = || format!("{value:?} is not a duration");
    let v = value.trim();
    let (sign, v) = match v.as_bytes().first() {
        Some(b'-') => (-1, &v[1..]),
        Some(b'+') => (1, &v[1..]),
        _ => (1, v),
    };
    let v = v.strip_prefix(['P', 'p']).ok_or_else(bad)?;
    let (mut total, mut number, mut in_time, mut any) = (0i64, String::new(), false, false);
    for c in v.chars() {
        match c.to_ascii_uppercase() {
            'T' if number.is_empty() => in_time = true,
            d if d.is_ascii_digit() => number.push(d),
            unit => {
                let n: i64 = number.parse().map_err(|_| bad())?;
                let secs = match (unit, in_time) {
                    ('W', false) => 604_800,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return Err(bad()),
                };
                total = n.checked_mul(secs).and_then(|s| s.checked_add(total)).ok_or_else(bad)?;
                number.clear();
                any = true;
            }
        }
    }
    if !any || !number.is_empty() {
        return Err(bad());
    }
    Ok(Duration::seconds(sign * total))
}

/// The text unfolded (section 3.1) with CRLF line ends and no blank lines,
/// after checking that it is iCalendar, its nesting and its event count:
/// the crate's parser recurses once per nested component.
pub fn prepare(ics: &str) -> Result<String, String> {
    let ics = ics.strip_prefix('\u{feff}').unwrap_or(ics);
    let lf = ics.replace("\r\n", "\n").replace('\r', "\n");
    let unfolded = icalendar::parser::unfold(&lf);
    let mut out = String::with_capacity(unfolded.len());
    let (mut depth, mut events) = (0usize, 0usize);
    for (i, line) in unfolded.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let upper = |prefix: &str| line.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
        if i == 0 && !upper("BEGIN:VCALENDAR") {
            return Err("this is not an iCalendar file: it does not begin with BEGIN:VCALENDAR".to_string());
        }
        // Every content line is NAME[;PARAM=...]:VALUE (section 3.1): said
        // here with its line, where the parser would only name the
        // component it was in.
        let name_end = line.find([':', ';']).unwrap_or(0);
        if name_end == 0 || !line[..name_end].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            let shown: String = line.chars().take(40).collect();
            return Err(format!(
                "line {} of the calendar (counting folded lines as one) is not iCalendar: {shown:?}",
                i + 1
            ));
        }
        if upper("BEGIN:") {
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(format!("the calendar nests components more than {MAX_DEPTH} deep"));
            }
            if upper("BEGIN:VEVENT") {
                events += 1;
                if events > MAX_EVENTS {
                    return Err(format!("the calendar has more than {MAX_EVENTS} events"));
                }
            }
        } else if upper("END:") {
            depth = depth.saturating_sub(1);
        }
        out.push_str(line);
        // CRLF, as RFC 5545 writes it: the crate's parser looks for the
        // end of each value with a search for CRLF first, which with bare
        // LF ends would run to the end of the file every time.
        out.push_str("\r\n");
    }
    if out.is_empty() {
        return Err("the file is empty".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_in_their_three_forms() {
        let n = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(when("20270104", false, None), Ok(When::Date(NaiveDate::from_ymd_opt(2027, 1, 4).unwrap())));
        assert_eq!(when("20270104T150000Z", false, None), Ok(When::Utc(Utc.from_utc_datetime(&n("2027-01-04 15:00")))));
        assert_eq!(
            when("20270104T100000", false, Some("Eastern Standard Time")),
            Ok(When::Zoned(n("2027-01-04 10:00"), "Eastern Standard Time".into()))
        );
        assert_eq!(when("20270104T100000", false, None), Ok(When::Floating(n("2027-01-04 10:00"))));
        assert!(when("2027-01-04", false, None).is_err());
        assert!(when("20271304T100000", false, None).is_err());
        assert!(when("20270104T250000", false, None).is_err());
    }

    #[test]
    fn durations_add_up_and_refuse_nonsense() {
        assert_eq!(duration("PT50M"), Ok(Duration::minutes(50)));
        assert_eq!(duration("PT1H30M"), Ok(Duration::minutes(90)));
        assert_eq!(duration("P1W"), Ok(Duration::weeks(1)));
        assert_eq!(duration("P1DT2H"), Ok(Duration::hours(26)));
        assert_eq!(duration("-PT15M"), Ok(Duration::minutes(-15)));
        for bad in ["", "P", "PT", "50M", "PT5", "P5H", "PT99999999999999999999S", "PTxM"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }
}
