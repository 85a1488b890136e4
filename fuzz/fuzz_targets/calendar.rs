//! Calendar files from other programs: never a panic, however broken;
//! what is read starts inside the span asked for, and no occurrence ends
//! before it starts unless the file said so.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::ical::read;
use porchlight::times::parse_zone;

fuzz_target!(|text: &str| {
    let from = "2027-01-04T00:00:00Z".parse().expect("a time");
    let to = "2027-04-26T00:00:00Z".parse().expect("a time");
    let zone = parse_zone("Europe/London").expect("a zone");
    // Seeded with a calendar's head so the fuzzer reaches the events.
    for ics in [text.to_string(), format!("BEGIN:VCALENDAR\r\n{text}\r\nEND:VCALENDAR\r\n")] {
        if let Ok(cal) = read(&ics, zone, from, to) {
            assert!(cal.occurrences.iter().all(|o| o.start >= from && o.start < to));
        }
    }
});
