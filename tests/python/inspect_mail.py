"""Read what Porchlight sent, with Python's own parsers, and print JSON.

  inspect_mail.py eml FILE   a message: headers, both bodies, attachments,
                             and each calendar attachment parsed
  inspect_mail.py ics FILE   a calendar file

Calendars are parsed by the icalendar package: times come back as UTC ISO
strings, text as unescaped strings.
"""
import email
import email.policy
import json
import sys
from html.parser import HTMLParser

import icalendar


def language_of(prop):
    params = getattr(prop, "params", None) or {}
    return params.get("LANGUAGE")


def calendar(data):
    cal = icalendar.Calendar.from_ical(data)
    events = []
    for ev in cal.walk("VEVENT"):
        events.append({
            "uid": str(ev.get("uid")),
            "sequence": int(ev.get("sequence", 0)),
            "start": ev.decoded("dtstart").isoformat(),
            "end": ev.decoded("dtend").isoformat(),
            "summary": str(ev.get("summary")),
            "description": str(ev.get("description")),
            # RFC 5545 section 3.2.10: the language the text is in.
            "summary_language": language_of(ev.get("summary")),
            "description_language": language_of(ev.get("description")),
            "url": str(ev.get("url")) if ev.get("url") else None,
            "status": str(ev.get("status")) if ev.get("status") else None,
            "organizer": str(ev.get("organizer")) if ev.get("organizer") else None,
            "attendee": str(ev.get("attendee")) if ev.get("attendee") else None,
        })
    method = cal.get("method")
    return {"method": str(method) if method else None, "name": str(cal.get("x-wr-calname") or ""), "events": events}


class Links(HTMLParser):
    """Every <a href>, decoded as a browser reads it."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.found.extend(v for k, v in attrs if k == "href")


def message(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    out = {
        "headers": {k: str(v) for k, v in msg.items()},
        "text": None,
        "html": None,
        "links": [],
        "calendars": [],
        "attachments": [],
    }
    for part in msg.walk():
        kind = part.get_content_type()
        if part.is_multipart():
            continue
        if part.get_filename():
            out["attachments"].append({"name": part.get_filename(), "type": kind,
                                       "params": dict(part.get_params() or [])})
        if kind == "text/calendar":
            out["calendars"].append(calendar(part.get_payload(decode=True)))
        elif kind == "text/plain" and out["text"] is None:
            out["text"] = part.get_content()
        elif kind == "text/html" and out["html"] is None:
            out["html"] = part.get_content()
            parser = Links()
            parser.feed(out["html"])
            out["links"] = parser.found
    return out


if __name__ == "__main__":
    what, path = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        data = f.read()
    print(json.dumps(message(data) if what == "eml" else calendar(data)))
