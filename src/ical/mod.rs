//! Calendars from other programs: reading iCalendar (RFC 5545) files.
pub mod windows_zones;
