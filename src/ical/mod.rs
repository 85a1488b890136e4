//! Calendars as other programs write them (RFC 5545): Google Calendar,
//! Outlook and Exchange, Apple Calendar, practice suites' exports. [`read`]
//! turns a file into the occurrences of its events in a span of time, each
//! with its instant, its attendees and the UID and RECURRENCE-ID that find
//! it again, and the events it could not read, each with the reason.
//!
//! The text is parsed by the `icalendar` crate after bounds are checked
//! here ([`MAX_ICS`], [`MAX_DEPTH`], [`MAX_EVENTS`]); zones are read in
//! `zones.rs`, repeating events expanded in `expand.rs`. Nothing here
//! knows clients or appointments: `app::import` matches and writes.

mod expand;
mod values;
pub mod windows_zones;
mod zones;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use icalendar::parser::Component;

use values::{When, param, prepare, prop, props, text, whens};
use zones::{Fit, Zone, Zones};

/// Largest calendar read, in bytes (a busy practice's calendar of several
/// years is well under 1 MiB); the fetch of a synced address stops there too.
pub const MAX_ICS: usize = 4 << 20;
/// Deepest nesting of components: VCALENDAR > VEVENT > VALARM is 3.
pub const MAX_DEPTH: usize = 6;
/// Most VEVENT blocks in one file.
pub const MAX_EVENTS: usize = 20_000;
/// Most occurrences in the span imported (a practice of 40 weekly clients
/// has about 700 in 16 weeks).
pub const MAX_OCCURRENCES: usize = 5_000;
/// Most EXDATE and RDATE values of one event.
pub const MAX_DATES: usize = 2_000;
/// Most ATTENDEE lines of one event (a session has at most
/// `model::MAX_PARTICIPANTS` clients; a meeting of more is no session).
pub const MAX_ATTENDEES: usize = 100;
/// Longest UID kept, in bytes (Outlook's, the longest producers write,
/// are about 120): each occurrence carries its UID.
pub const MAX_UID: usize = 1024;
/// Most characters of a SUMMARY or an attendee's CN kept (a client's
/// name has at most 100, so a longer one matches no one either way).
pub const MAX_TEXT: usize = 200;
/// Most events or occurrences one file may leave unread: each carries a
/// reason, and a repeating event could otherwise give one per step.
pub const MAX_SKIPPED: usize = MAX_EVENTS + MAX_OCCURRENCES;

/// One occurrence of an event in the span read.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// The event's UID (section 3.8.4.7).
    pub uid: String,
    /// For an occurrence of a repeating event, the instant the rule gave
    /// it (its RECURRENCE-ID, section 3.8.4.4), whether or not it moved.
    pub recurrence_id: Option<DateTime<Utc>>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// A whole-day event (a DATE start): no time of day.
    pub all_day: bool,
    pub summary: String,
    /// STATUS, upper case; empty when not given.
    pub status: String,
    /// The organizer's address, lower case.
    pub organizer: Option<String>,
    /// Shared by the occurrences of one event: read once, however often
    /// it repeats.
    pub attendees: Arc<[Attendee]>,
}

/// An ATTENDEE (section 3.8.4.1) with a `mailto:` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    /// Lower case.
    pub email: String,
    /// The CN parameter.
    pub name: Option<String>,
    /// PARTSTAT, upper case (`NEEDS-ACTION` when not given).
    pub partstat: String,
    /// CUTYPE, upper case (`INDIVIDUAL` when not given).
    pub cutype: String,
    /// ROLE, upper case (`REQ-PARTICIPANT` when not given).
    pub role: String,
}

/// An event, or one occurrence, that could not be read, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub uid: String,
    pub summary: String,
    pub start: Option<DateTime<Utc>>,
    pub why: String,
}

/// What [`read`] found.
#[derive(Debug, Default)]
pub struct Calendar {
    /// In order of start.
    pub occurrences: Vec<Occurrence>,
    pub skipped: Vec<Skipped>,
    /// The UIDs of every event in the file, in the span or not.
    pub uids: std::collections::HashSet<String>,
    /// Every occurrence the file gives up to a day past the span, in it
    /// or not, as (UID, RECURRENCE-ID in Unix seconds, 0 for an event that
    /// does not repeat): what a calendar still has, wherever it moved it.
    pub present: std::collections::HashSet<(String, i64)>,
    /// Occurrences after the span (events moved far ahead, one-off events
    /// beyond it): an appointment made earlier follows its event there.
    pub beyond: Vec<Occurrence>,
}

/// The occurrences of the events of iCalendar text `ics` that start in
/// [`from`, `to`), floating times read in `floating` (section 3.3.5).
/// Errors (the whole file refused, with a sentence saying why): not
/// iCalendar, over a bound of this module, or a syntax error (with its
/// line). An event that cannot be read is [`Skipped`], not an error.
pub fn read(ics: &str, floating: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Calendar, String> {
    if ics.len() > MAX_ICS {
        return Err(format!("the calendar is larger than {} MiB", MAX_ICS >> 20));
    }
    let unfolded = prepare(ics)?;
    let components = icalendar::parser::read_calendar_simple(&unfolded).map_err(|e| {
        let at = unfolded.len() - e.input.len();
        let line = unfolded[..at].matches('\n').count() + 1;
        format!("the calendar cannot be read: line {line} (of the unfolded text) is not iCalendar")
    })?;
    let root = components
        .iter()
        .find(|c| c.name.as_str().eq_ignore_ascii_case("VCALENDAR"))
        .ok_or("the file holds no VCALENDAR")?;
    let zones = Zones::new(&root.components);
    let events: Vec<&Component<'_>> =
        root.components.iter().filter(|c| c.name.as_str().eq_ignore_ascii_case("VEVENT")).collect();
    let mut reader = Reader {
        zones,
        floating,
        from,
        to,
        budget: expand::Budget::new(expand::MAX_STEPS),
        over: false,
        out: Calendar::default(),
    };
    reader.events(&events);
    if reader.over {
        return Err(format!(
            "the calendar has more than the {MAX_OCCURRENCES} events in the span imported that one import \
             takes (or more than {MAX_SKIPPED} it cannot read)"
        ));
    }
    let out = &mut reader.out;
    out.occurrences.sort_by(|a, b| (a.start, &a.uid).cmp(&(b.start, &b.uid)));
    Ok(reader.out)
}

struct Reader {
    zones: Zones,
    floating: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    budget: expand::Budget,
    /// Past [`MAX_OCCURRENCES`] or [`MAX_SKIPPED`]: reading stops there,
    /// before a hostile file's repeats fill memory, and the file is refused.
    over: bool,
    out: Calendar,
}

/// One VEVENT's own fields.
struct Event<'c, 'a> {
    c: &'c Component<'a>,
    uid: String,
    summary: String,
    start: When,
    people: Arc<[Attendee]>,
}

impl Reader {
    fn events(&mut self, events: &[&Component<'_>]) {
        // Masters by UID, and the overrides of single occurrences.
        let mut masters: HashMap<String, Event<'_, '_>> = HashMap::new();
        let mut overrides: Vec<(Event<'_, '_>, When)> = vec![];
        for c in events {
            let uid = prop(c, "UID").map(text).unwrap_or_default();
            let summary = prop(c, "SUMMARY").map(|p| clip(&text(p))).unwrap_or_default();
            let skip = |why: String| Skipped { uid: clip(&uid), summary: summary.clone(), start: None, why };
            if uid.is_empty() {
                self.skip(skip("it has no UID, so a later import could not find it again".into()));
                continue;
            }
            // Known to be in the file, read or not: a sync never takes an
            // event it could not read for one that left the calendar.
            self.out.uids.insert(uid.clone());
            if uid.len() > MAX_UID {
                self.skip(skip(format!("its UID is longer than {MAX_UID} bytes")));
                continue;
            }
            let count = props(c, "ATTENDEE").count();
            if count > MAX_ATTENDEES {
                self.skip(skip(format!("it has {count} attendees, more than the {MAX_ATTENDEES} read")));
                continue;
            }
            let people: Arc<[Attendee]> = props(c, "ATTENDEE").filter_map(attendee).collect();
            let start = match prop(c, "DTSTART").map(whens) {
                Some(Ok(w)) if !w.is_empty() => w[0].clone(),
                Some(Err(e)) => {
                    self.skip(skip(format!("its DTSTART: {e}")));
                    continue;
                }
                _ => {
                    self.skip(skip("it has no start (DTSTART)".into()));
                    continue;
                }
            };
            let event = Event { c, uid: uid.clone(), summary: summary.clone(), start, people };
            match prop(c, "RECURRENCE-ID").map(whens) {
                Some(Ok(w)) if !w.is_empty() => overrides.push((event, w[0].clone())),
                Some(_) => self.skip(skip("its RECURRENCE-ID is not a date or time".into())),
                None if masters.contains_key(&uid) => {
                    self.skip(skip("another event has the same UID".into()));
                }
                None => {
                    masters.insert(uid, event);
                }
            }
        }
        let mut by_master: HashMap<String, Vec<(Event<'_, '_>, When)>> = HashMap::new();
        for (event, rid) in overrides {
            by_master.entry(event.uid.clone()).or_default().push((event, rid));
        }
        let mut uids: Vec<&String> = masters.keys().collect();
        uids.sort();
        for uid in uids {
            let own = by_master.remove(uid).unwrap_or_default();
            self.master(&masters[uid], own);
        }
        // Overrides whose event is not in the file: each stands alone.
        let mut orphans: Vec<(Event<'_, '_>, When)> = by_master.into_values().flatten().collect();
        orphans.sort_by(|a, b| a.0.uid.cmp(&b.0.uid));
        for (event, rid) in orphans {
            if let Ok(zone) = self.zone_of(&event.start) {
                let rid = self.instant(&rid, &zone).ok();
                self.occurrence(&event, rid);
            } else {
                self.occurrence(&event, None);
            }
        }
    }

    /// Keep `s` as unread, up to [`MAX_SKIPPED`]; past it the file is refused.
    fn skip(&mut self, s: Skipped) {
        if self.out.skipped.len() >= MAX_SKIPPED {
            self.over = true;
            return;
        }
        self.out.skipped.push(s);
    }

    /// The zone a value is written in (a DATE's is the floating one).
    fn zone_of(&self, w: &When) -> Result<Zone, String> {
        match w {
            When::Zoned(_, tzid) => self.zones.find(tzid),
            When::Utc(_) => Ok(Zone::Iana(Tz::UTC)),
            When::Floating(_) | When::Date(_) => Ok(Zone::Iana(self.floating)),
        }
    }

    /// The instant of `w`, its wall time read in its own zone (`zone`
    /// when floating). Errors say why there is none.
    fn instant(&self, w: &When, zone: &Zone) -> Result<DateTime<Utc>, String> {
        let zone = match w {
            When::Utc(t) => return Ok(*t),
            When::Zoned(_, tzid) => &self.zones.find(tzid)?,
            _ => zone,
        };
        let t = w.naive();
        match zone.resolve(t) {
            Fit::One(x) => Ok(x),
            Fit::Gap => Err(format!(
                "{} does not exist in {}: the clocks skip it at a daylight-saving change",
                t.format("%Y-%m-%d %H:%M"),
                zone.name()
            )),
            Fit::Twice => Err(format!(
                "{} happens twice in {}: the clocks go back over it at a daylight-saving change",
                t.format("%Y-%m-%d %H:%M"),
                zone.name()
            )),
        }
    }

    /// `w` as a wall time of `zone`, for matching EXDATE, RDATE and
    /// RECURRENCE-ID values to the rule's wall times.
    fn wall(&self, w: &When, zone: &Zone, start: NaiveDateTime) -> Result<NaiveDateTime, String> {
        Ok(match w {
            When::Date(d) => d.and_time(start.time()),
            When::Floating(n) => *n,
            When::Zoned(n, tzid) if *tzid == zone.name() => *n,
            _ => zone.wall(self.instant(w, zone)?),
        })
    }

    /// Every occurrence of a master event in the span, its overrides in place.
    fn master(&mut self, m: &Event<'_, '_>, overrides: Vec<(Event<'_, '_>, When)>) {
        let skip = |why: String| Skipped { uid: m.uid.clone(), summary: m.summary.clone(), start: None, why };
        let zone = match self.zone_of(&m.start) {
            Ok(z) => z,
            Err(why) => return self.skip(skip(why)),
        };
        let repeats = props(m.c, "RRULE").next().is_some() || props(m.c, "RDATE").next().is_some();
        if !repeats {
            // Overrides of an event that does not repeat replace it.
            match overrides.into_iter().next() {
                Some((o, _)) => self.occurrence(&o, None),
                None => self.occurrence(m, None),
            }
            return;
        }
        let start = m.start.naive();
        let walls = match self.walls(m, &zone, start) {
            Ok(w) => w,
            Err(why) => return self.skip(skip(why)),
        };
        let mut moved: HashMap<NaiveDateTime, Event<'_, '_>> = HashMap::new();
        for (o, rid) in overrides {
            match self.wall(&rid, &zone, start) {
                Ok(at) => {
                    moved.insert(at, o);
                }
                Err(why) => self.skip(Skipped { why, ..skip(String::new()) }),
            }
        }
        for wall in walls {
            let rid = match self.instant(&When::Floating(wall), &zone) {
                Ok(t) => t,
                Err(why) => {
                    self.skip(Skipped { why, ..skip(String::new()) });
                    continue;
                }
            };
            match moved.remove(&wall) {
                Some(o) => self.occurrence(&o, Some(rid)),
                None => self.instance(m, &zone, rid),
            }
        }
        // Overrides of occurrences the rule does not give (any more).
        for (wall, o) in moved {
            if let Ok(rid) = self.instant(&When::Floating(wall), &zone) {
                self.occurrence(&o, Some(rid));
            }
        }
    }

    /// The wall times a repeating master's rules give up to a day past the span.
    fn walls(&mut self, m: &Event<'_, '_>, zone: &Zone, start: NaiveDateTime) -> Result<Vec<NaiveDateTime>, String> {
        let mut rules = vec![];
        for p in props(m.c, "RRULE") {
            let until = |w: &When| self.wall(w, zone, start);
            rules.push(expand::rule(p.val.as_str(), &until)?);
        }
        let dates = |name: &str| -> Result<Vec<NaiveDateTime>, String> {
            let mut out = vec![];
            for p in props(m.c, name) {
                for w in whens(p).map_err(|e| format!("its {name}: {e}"))? {
                    out.push(self.wall(&w, zone, start)?);
                }
            }
            if out.len() > MAX_DATES {
                return Err(format!("it has more than {MAX_DATES} {name} values"));
            }
            Ok(out)
        };
        let (rdates, exdates) = (dates("RDATE")?, dates("EXDATE")?);
        let end = zone.wall(self.to) + Duration::days(1);
        expand::wall_times(start, rules, &rdates, &exdates, end, &mut self.budget)
            .map_err(|e| format!("its RRULE: {e}"))
    }

    /// One occurrence of master `m` at `rid`, the master's length from there.
    fn instance(&mut self, m: &Event<'_, '_>, zone: &Zone, rid: DateTime<Utc>) {
        let wall = zone.wall(rid);
        let start = match &m.start {
            When::Date(_) => When::Date(wall.date()),
            When::Utc(_) => When::Utc(rid),
            When::Zoned(_, tz) => When::Zoned(wall, tz.clone()),
            When::Floating(_) => When::Floating(wall),
        };
        let instance =
            Event { c: m.c, uid: m.uid.clone(), summary: m.summary.clone(), start, people: m.people.clone() };
        self.occurrence(&instance, Some(rid));
    }

    /// How long the event written in `c` lasts: from its DTSTART to its
    /// DTEND (RFC 5545 section 3.8.2.2) as instants, or its DURATION
    /// (3.8.2.5), or by default a day for a DATE and nothing otherwise.
    /// Every occurrence of a repeating event lasts as long as its first.
    fn length(&self, c: &Component<'_>, zone: &Zone, all_day: bool) -> Result<Duration, String> {
        if let Some(p) = prop(c, "DTEND") {
            let end = whens(p).map_err(|e| format!("its DTEND: {e}"))?;
            let end = end.first().ok_or("its DTEND is empty")?;
            let start = prop(c, "DTSTART").map(whens).and_then(Result::ok).and_then(|w| w.into_iter().next());
            let start = start.ok_or("it has no start (DTSTART)")?;
            if all_day {
                return Ok(end.naive() - start.naive());
            }
            return Ok(self.instant(end, zone)? - self.instant(&start, zone)?);
        }
        if let Some(p) = prop(c, "DURATION") {
            return values::duration(p.val.as_str()).map_err(|e| format!("its DURATION: {e}"));
        }
        Ok(if all_day { Duration::days(1) } else { Duration::zero() })
    }

    /// Record `e` (starting at `e.start`) if it starts in the span.
    fn occurrence(&mut self, e: &Event<'_, '_>, rid: Option<DateTime<Utc>>) {
        if self.over {
            return;
        }
        let skip = |why: String, start: Option<DateTime<Utc>>| Skipped {
            uid: e.uid.clone(),
            summary: e.summary.clone(),
            start,
            why,
        };
        let zone = match self.zone_of(&e.start) {
            Ok(z) => z,
            Err(why) => return self.skip(skip(why, rid)),
        };
        // An occurrence the rule gave before the span is nothing a sync
        // looks for (`App::gone`): not kept, so a rule stepping from 1970
        // fills no memory.
        if rid.is_none_or(|r| r >= self.from - Duration::days(1)) {
            self.out.present.insert((e.uid.clone(), rid.map_or(0, |t| t.timestamp())));
        }
        let all_day = matches!(e.start, When::Date(_));
        let start = match self.instant(&e.start, &zone) {
            Ok(t) => t,
            Err(why) => {
                // Said only of times near the span: a calendar's past is
                // no business of an import.
                let day = Duration::days(1);
                let wall = e.start.naive();
                if wall >= (self.from - day).naive_utc() && wall < (self.to + day).naive_utc() {
                    self.skip(skip(why, rid));
                }
                return;
            }
        };
        if start < self.from {
            return;
        }
        let end = match self.length(e.c, &zone, all_day) {
            Ok(d) => start + d,
            Err(why) => return self.skip(skip(why, Some(start))),
        };
        let attendees = e.people.clone();
        let organizer = prop(e.c, "ORGANIZER").and_then(|p| mailto(p.val.as_str()));
        let status = prop(e.c, "STATUS").map(|p| text(p).to_ascii_uppercase()).unwrap_or_default();
        if start < self.to && self.out.occurrences.len() >= MAX_OCCURRENCES {
            self.over = true;
            return;
        }
        let list = if start < self.to { &mut self.out.occurrences } else { &mut self.out.beyond };
        list.push(Occurrence {
            uid: e.uid.clone(),
            recurrence_id: rid,
            start,
            end,
            all_day,
            summary: e.summary.clone(),
            status,
            organizer,
            attendees,
        });
    }
}

fn attendee(p: &icalendar::parser::Property<'_>) -> Option<Attendee> {
    let upper = |key: &str, default: &str| param(p, key).unwrap_or(default).to_ascii_uppercase();
    Some(Attendee {
        email: mailto(p.val.as_str())?,
        name: param(p, "CN").map(|n| clip(n.trim())).filter(|n| !n.is_empty()),
        partstat: upper("PARTSTAT", "NEEDS-ACTION"),
        cutype: upper("CUTYPE", "INDIVIDUAL"),
        role: upper("ROLE", "REQ-PARTICIPANT"),
    })
}

/// At most [`MAX_TEXT`] characters of `s`.
fn clip(s: &str) -> String {
    s.chars().take(MAX_TEXT).collect()
}

/// The address of a `mailto:` URI, lower case.
fn mailto(v: &str) -> Option<String> {
    let v = v.trim();
    let address = v.get(..7).filter(|s| s.eq_ignore_ascii_case("mailto:")).map(|_| &v[7..])?;
    let address = address.trim().to_ascii_lowercase();
    address.contains('@').then_some(address)
}

#[cfg(test)]
mod tests;
