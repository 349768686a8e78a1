//! The Open311 POST parser (`hotspot::api::open311::parse_post_fields` and
//! `raw_request_from_fields`, what `POST /open311/v2/requests.json` runs before the key,
//! catalog and extent checks) on arbitrary bodies. The first input byte picks the
//! Content-Type; the rest is the body. Never a panic; an accepted request has a service
//! code and a location or an address, with finite, in-range coordinates.
#![no_main]

use hotspot::api::open311::{parse_post_fields, raw_request_from_fields};
use hotspot::model::SourceLocation;
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [&str; 6] = [
    "application/x-www-form-urlencoded",
    "application/json",
    "",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "Application/JSON; charset=utf-8",
    "text/plain",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(selector) % CONTENT_TYPES.len()];
    let fields = match parse_post_fields(content_type, body) {
        Ok(fields) => fields,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    match raw_request_from_fields(&fields) {
        Ok(raw) => {
            assert!(raw
                .service_code
                .as_deref()
                .is_some_and(|c| !c.trim().is_empty()));
            match raw.location {
                Some(SourceLocation::LonLat { lon, lat }) => {
                    assert!(lon.abs() <= 180.0 && lat.abs() <= 90.0, "{lon}, {lat}");
                }
                Some(SourceLocation::Projected { .. }) => panic!("a POST is never projected"),
                None => assert!(raw.address.is_some()),
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
