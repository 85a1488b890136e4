//! The Windows zone table of `src/ical/windows_zones.rs` is CLDR's, row
//! for row: checked against the copy Python's `icalendar` carries
//! (`tests/python/ics_oracle.py --windows-zones`), and at the same CLDR
//! commit. The table is read from the source file's text, as these tests
//! drive the binary and not the library.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::support::{python, python_script};

/// What the oracle prints: `{"cldr_commit", "cldr_date", "zones"}`.
fn oracle() -> Value {
    let out = Command::new(python()).arg(python_script("ics_oracle.py")).arg("--windows-zones").output().unwrap();
    assert!(out.status.success(), "ics_oracle: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn source() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/ical/windows_zones.rs");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows of `WINDOWS_ZONES`, in file order. Every line between the
/// opening and the closing bracket must be one `("Windows", "IANA"),` row,
/// so a row this reader would skip cannot hide in the table.
fn rust_rows(text: &str) -> Vec<(String, String)> {
    let start = "pub const WINDOWS_ZONES: &[(&str, &str)] = &[\n";
    let body = &text[text.find(start).expect("the WINDOWS_ZONES table") + start.len()..];
    let body = &body[..body.find("\n];").expect("the table's end")];
    body.lines()
        .map(|line| {
            let row = line.trim().strip_prefix("(\"").and_then(|r| r.strip_suffix("\"),"));
            let (windows, iana) =
                row.and_then(|r| r.split_once("\", \"")).unwrap_or_else(|| panic!("not a table row: {line:?}"));
            assert!(!windows.contains('"') && !iana.contains('"'), "not a table row: {line:?}");
            (windows.to_string(), iana.to_string())
        })
        .collect()
}

#[test]
fn windows_zone_table_is_cldr_as_icalendar_carries_it() {
    let oracle = oracle();
    let want: BTreeMap<String, String> = oracle["zones"]
        .as_object()
        .expect("zones")
        .iter()
        .map(|(windows, iana)| (windows.clone(), iana.as_str().expect("an IANA name").to_string()))
        .collect();
    let text = source();
    let rows = rust_rows(&text);
    let have: BTreeMap<String, String> = rows.iter().cloned().collect();
    assert_eq!(have.len(), rows.len(), "a Windows name appears twice in the table");
    for (windows, iana) in &want {
        assert_eq!(have.get(windows), Some(iana), "CLDR maps {windows:?} to {iana:?}");
    }
    for windows in have.keys() {
        assert!(want.contains_key(windows), "{windows:?} is not in CLDR's table");
    }
    assert!(want.len() > 100, "CLDR has well over 100 Windows zones, the oracle gave {}", want.len());
    for key in ["cldr_commit", "cldr_date"] {
        let value = oracle[key].as_str().expect(key);
        assert!(text.contains(value), "the module doc names CLDR's {key} {value}");
    }
}
