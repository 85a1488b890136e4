//! Windows zone names (placeholder for the CLDR table).
pub fn iana_for_windows(name: &str) -> Option<&'static str> {
    match name.trim() {
        "Eastern Standard Time" => Some("America/New_York"),
        "W. Europe Standard Time" => Some("Europe/Berlin"),
        _ => None,
    }
}
