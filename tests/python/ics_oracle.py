#!/usr/bin/env python3
"""An independent reading of an iCalendar file, for the import tests to
check Porchlight's against: Python's `icalendar` parses it (TZID with IANA
and Windows names, VTIMEZONE blocks), `recurring_ical_events` expands it
(RRULE, RDATE, EXDATE, RECURRENCE-ID overrides).

Usage:
  ics_oracle.py FILE FROM TO ZONE
      Every occurrence starting in [FROM, TO) (RFC 3339 instants), as one
      JSON list sorted by start, then uid; one occurrence a line:
      {"uid", "recurrence_id", "start", "end", "all_day", "summary",
       "status", "organizer", "attendees": [{"email", "cn", "partstat",
       "cutype", "role"}]}
      Times are RFC 3339 UTC. Floating times and all-day dates are read in
      ZONE (an IANA name, the practice's zone); an all-day event starts at
      midnight there. `recurrence_id` is the original start of this
      instance of a recurring event (an RRULE or RDATE series, or an
      override with RECURRENCE-ID), null for a one-off event. Emails are
      lower case without "mailto:"; parameters not written are null (no
      RFC 5545 defaults are filled in). X-WR-TIMEZONE is applied as
      `recurring_ical_events` does by default (UTC times become times in
      that zone, the same instants).
  ics_oracle.py --windows-zones
      {"cldr_commit", "cldr_date", "zones": {Windows name: IANA name}}:
      the CLDR table `icalendar` carries.
"""

import datetime as dt
import json
import re
import sys
import zoneinfo

import icalendar
import recurring_ical_events
from icalendar.timezone import windows_to_olson

UTC = dt.timezone.utc


def rfc3339(t: dt.datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(value, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant of a DATE (midnight in `zone`), a floating DATE-TIME
    (read in `zone`) or a zoned or UTC DATE-TIME. In UTC, because Python
    subtracts and adds zoned times of one zone on the wall clock."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def parse_instant(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        sys.exit(f"ics_oracle: {text!r} is not an RFC 3339 instant (no offset)")
    return t


def email(address) -> str | None:
    if address is None:
        return None
    text = str(address)
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:"):]
    return text.strip().lower()


def param(prop, name: str) -> str | None:
    value = getattr(prop, "params", {}).get(name)
    return None if value is None else str(value)


def text(component, name: str) -> str | None:
    value = component.get(name)
    return None if value is None else str(value)


# RFC 5545 section 3.3.6: weeks and days are nominal (added on the wall
# clock), hours, minutes and seconds exact (added to the instant).
DURATION = re.compile(r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def source_of(calendar, uid: str, original, zone: dt.tzinfo):
    """The VEVENT an occurrence comes from: the override for its original
    start if there is one, else the series (or one-off) itself."""
    master = None
    for event in calendar.walk("VEVENT"):
        if str(event.get("UID")) != uid:
            continue
        if "RECURRENCE-ID" not in event:
            master = event
        elif original is not None and instant(event["RECURRENCE-ID"].dt, zone) == instant(original.dt, zone):
            return event
    return master


def end_of(source, start, zone: dt.tzinfo) -> dt.datetime:
    """The end of an occurrence starting at `start` (its DTSTART value),
    from the source's DTEND or DURATION with RFC 5545 semantics.

    Python adds durations to zoned times on the wall clock, which puts the
    end of a 50-minute event starting in a spring-forward gap before its
    start; RFC 5545 section 3.8.5.3 applies a recurrence's DTEND - DTSTART
    as one exact duration to every instance."""
    if not isinstance(start, dt.datetime):  # a DATE: whole days, nominal
        days = dt.timedelta(days=1)
        if "DTEND" in source:
            days = source["DTEND"].dt - source["DTSTART"].dt
        elif "DURATION" in source:
            days = source["DURATION"].dt
        return instant(start + days, zone)
    begins = instant(start, zone)
    if "DTEND" in source:
        exact = instant(source["DTEND"].dt, zone) - instant(source["DTSTART"].dt, zone)
        return begins + exact
    if "DURATION" in source:
        raw = source["DURATION"].to_ical().decode()
        m = DURATION.match(raw)
        if not m:
            sys.exit(f"ics_oracle: DURATION {raw!r} is not an RFC 5545 duration")
        sign = -1 if m.group(1) == "-" else 1
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in m.groups()[1:])
        nominal = dt.timedelta(days=sign * (7 * weeks + days))
        exact = dt.timedelta(hours=hours, minutes=minutes, seconds=seconds) * sign
        return instant(start + nominal, zone) + exact
    return begins


def recurring_uids(calendar) -> set[str]:
    """UIDs with a series (RRULE or RDATE) or an override (RECURRENCE-ID)."""
    uids = set()
    for event in calendar.walk("VEVENT"):
        if any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
            uids.add(str(event.get("UID")))
    return uids


def attendees(event) -> list[dict]:
    found = event.get("ATTENDEE", [])
    if not isinstance(found, list):
        found = [found]
    return [
        {
            "email": email(a),
            "cn": param(a, "CN"),
            "partstat": param(a, "PARTSTAT"),
            "cutype": param(a, "CUTYPE"),
            "role": param(a, "ROLE"),
        }
        for a in found
    ]


def occurrences(path: str, start: dt.datetime, stop: dt.datetime, zone: dt.tzinfo) -> list[dict]:
    with open(path, "rb") as f:
        calendar = icalendar.Calendar.from_ical(f.read())
    series = recurring_uids(calendar)
    # Asked by whole days around the span, so floating and all-day events
    # are not compared in another zone than ours; cut exactly below.
    day = dt.timedelta(days=2)
    query = recurring_ical_events.of(calendar)
    found = []
    for event in query.between((start - day).date(), (stop + day).date()):
        begins = instant(event["DTSTART"].dt, zone)
        if not (start <= begins < stop):
            continue
        uid = str(event.get("UID"))
        original = event.get("RECURRENCE-ID")
        source = source_of(calendar, uid, original, zone)
        ends = end_of(source, event["DTSTART"].dt, zone)
        found.append(
            {
                "uid": uid,
                "recurrence_id": rfc3339(instant(original.dt, zone)) if uid in series and original else None,
                "start": rfc3339(begins),
                "end": rfc3339(ends),
                "all_day": not isinstance(event["DTSTART"].dt, dt.datetime),
                "summary": text(event, "SUMMARY"),
                "status": text(event, "STATUS"),
                "organizer": email(event.get("ORGANIZER")),
                "attendees": attendees(event),
            }
        )
    found.sort(key=lambda o: (o["start"], o["uid"]))
    return found


def main(argv: list[str]) -> int:
    if argv == ["--windows-zones"]:
        print(
            json.dumps(
                {
                    "cldr_commit": windows_to_olson.version,
                    "cldr_date": windows_to_olson.version_date,
                    "zones": windows_to_olson.WINDOWS_TO_OLSON,
                },
                indent=1,
                sort_keys=True,
            )
        )
        return 0
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, start, stop, zone = argv
    found = occurrences(path, parse_instant(start), parse_instant(stop), zoneinfo.ZoneInfo(zone))
    lines = [json.dumps(o, ensure_ascii=False) for o in found]
    print("[\n" + ",\n".join(lines) + "\n]" if lines else "[]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
