//! `hotspot::geocode::parse_address` and `normalize_street_name` on arbitrary text: no
//! panic, a clear error for long input, and a rendering that parses again without panic.
#![no_main]

use hotspot::geocode::{normalize_street_name, parse_address, NormalizeError, MAX_INPUT_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_address(&text) {
        Ok(parsed) => {
            assert!(text.len() <= MAX_INPUT_LEN);
            // the normalized rendering is again an address (maybe read differently for
            // garbage, but never a panic)
            let _ = parse_address(&parsed.to_string());
        }
        Err(NormalizeError::TooLong { len, max }) => {
            assert_eq!((len, max), (text.len(), MAX_INPUT_LEN));
        }
        Err(e) => {
            assert!(text.len() <= MAX_INPUT_LEN);
            let _ = e.to_string();
        }
    }
    if text.len() <= 4 * MAX_INPUT_LEN {
        let name = normalize_street_name(&text);
        let _ = (name.key(), normalize_street_name(&name.full()));
    }
});
