//! How a language writes dates and times: its weekday and month names and
//! its clock, read from its message files (`weekday-1` … `weekday-7`,
//! Monday first; `month-1` … `month-12`; `clock` = `12` or `24`;
//! `time-am`, `time-pm`). The order of a date's parts is the message
//! `date-long` (see `times::Local::in_lang`).

/// A 12-hour clock with AM/PM (English) or a 24-hour one (Spanish).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    Twelve,
    TwentyFour,
}

/// The names one language writes dates with.
#[derive(Debug, Clone)]
pub struct Names {
    /// Monday first.
    pub weekdays: [String; 7],
    /// January first.
    pub months: [String; 12],
    pub clock: Clock,
    pub am: String,
    pub pm: String,
}

impl Names {
    /// Read from `get` (a message's text by id); what a language lacks is
    /// taken from `english` (English's own names, read first: its files
    /// must define them all, and the bundled English does).
    pub(super) fn read(get: impl Fn(&str) -> Option<String>, english: Option<&Names>) -> Names {
        let or = |id: String, from_english: fn(&Names) -> &String| {
            get(&id).unwrap_or_else(|| match english {
                Some(e) => from_english(e).clone(),
                None => panic!("the English message files lack {id}"),
            })
        };
        Names {
            weekdays: std::array::from_fn(|i| {
                get(&format!("weekday-{}", i + 1)).unwrap_or_else(|| fallback(english, |e| &e.weekdays[i], "weekday"))
            }),
            months: std::array::from_fn(|i| {
                get(&format!("month-{}", i + 1)).unwrap_or_else(|| fallback(english, |e| &e.months[i], "month"))
            }),
            clock: match get("clock").as_deref() {
                Some("24") => Clock::TwentyFour,
                Some(_) => Clock::Twelve,
                None => english.map_or(Clock::Twelve, |e| e.clock),
            },
            am: or("time-am".into(), |e| &e.am),
            pm: or("time-pm".into(), |e| &e.pm),
        }
    }
}

fn fallback(english: Option<&Names>, pick: impl Fn(&Names) -> &String, what: &str) -> String {
    match english {
        Some(e) => pick(e).clone(),
        None => panic!("the English message files lack a {what} name"),
    }
}
