//! Uploads (multipart/form-data) as the Import page reads them: never a
//! panic, and every part's data lies inside the body it came from.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::admin::multipart::parse;

fuzz_target!(|data: &[u8]| {
    let (boundary, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (String::from_utf8_lossy(&data[..i]).into_owned(), &data[i + 1..]),
        None => ("b0undary".to_string(), data),
    };
    if let Ok(parts) = parse(body, &boundary) {
        let range = body.as_ptr_range();
        for p in parts {
            let inner = p.data.as_ptr_range();
            assert!(p.data.is_empty() || (inner.start >= range.start && inner.end <= range.end));
        }
    }
});
