//! Inputs the fuzz targets in `fuzz/` crashed on, kept as regression tests.
//!
//! Each file under `tests/fuzz_inputs/<target>/` is a libFuzzer artifact, byte for byte,
//! and goes through the same public functions with the same checks as its target
//! (`fuzz/fuzz_targets/<target>.rs`): never a panic, and a sensible result. The named tests
//! below pin down what each fixed input must now give.

use std::path::{Path, PathBuf};

use hotspot::api::open311::{parse_post, parse_post_fields, raw_request_from_fields};
use hotspot::geocode::{
    normalize_street_name, parse_address, NormalizeError, ParsedAddress, MAX_INPUT_LEN,
};
use hotspot::intake::{read_bytes, Format, ReadOptions};
use hotspot::model::{RawRequest, RowError, SourceLocation};

/// The artifacts of one target, by file name.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_inputs")
        .join(target);
    // git keeps no empty folder: a target that never crashed has none
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect()
}

// --- address_normalizer ---------------------------------------------------------------

/// What `fuzz_targets/address_normalizer.rs` checks; returns the parse result.
fn check_address(data: &[u8]) -> Result<String, NormalizeError> {
    let text = String::from_utf8_lossy(data);
    let result = parse_address(&text);
    match &result {
        Ok(parsed) => {
            assert!(text.len() <= MAX_INPUT_LEN);
            let _ = parse_address(&parsed.to_string());
        }
        Err(NormalizeError::TooLong { len, max }) => {
            assert_eq!((*len, *max), (text.len(), MAX_INPUT_LEN));
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
    result.map(|p| p.to_string())
}

#[test]
fn address_normalizer_artifacts() {
    let all = inputs("address_normalizer");
    assert!(!all.is_empty());
    for (path, data) in all {
        println!("{}", path.display());
        let _ = check_address(&data);
    }
}

/// `ΰ` upper-cases to three characters (`Υ`, U+0308, U+0301), so a cleaned token of ten
/// bytes (`Ϋ́Lڬ8`) had its fifth byte inside a character and was sliced as if it were a
/// ZIP+4 (`19107-1234`): a panic.
#[test]
fn zip_check_on_non_ascii_token() {
    let ParsedAddress::Street(a) = parse_address("1234 MAIN ST ΰLڬ8").unwrap() else {
        panic!("not a street address");
    };
    assert_eq!((a.number, a.street.name.as_str()), (1234, "MAIN"));
    assert_eq!(a.zipcode, None);
    assert!(check_address("12 ΰLڬ8 ΰLڬ8".as_bytes()).is_ok());
    // a real ZIP+4 is still split off
    let ParsedAddress::Street(a) =
        parse_address("1234 MAIN ST PHILADELPHIA PA 19107-1234").unwrap()
    else {
        panic!("not a street address");
    };
    assert_eq!(
        (a.zipcode.as_deref(), a.zip4.as_deref()),
        (Some("19107"), Some("1234"))
    );
}

// --- csv_rows ---------------------------------------------------------------------------

const FORMATS: [Format; 7] = [
    Format::Auto,
    Format::Philly,
    Format::Nyc,
    Format::Chicago,
    Format::Csv,
    Format::Open311,
    Format::GeoJson,
];

/// What `fuzz_targets/csv_rows.rs` checks: the first byte picks the format and the file
/// name; returns the rows (or `None` when the file is refused).
fn check_rows(data: &[u8]) -> Option<Vec<Result<RawRequest, RowError>>> {
    let (&selector, file) = data.split_first()?;
    let format = FORMATS[usize::from(selector & 0x7f) % FORMATS.len()];
    let name = if selector & 0x80 != 0 {
        "fuzz.json"
    } else {
        "fuzz.csv"
    };
    let opts = ReadOptions::new(chrono_tz::America::New_York);
    let reader = match read_bytes(name, file.to_vec(), format, &opts) {
        Ok(reader) => reader,
        Err(e) => {
            let _ = e.to_string();
            return None;
        }
    };
    assert_ne!(reader.format(), Format::Auto);
    let most = file.len() as u64 + 1;
    let rows: Vec<_> = reader.take(100_000).collect();
    for row in &rows {
        match row {
            Ok(raw) => {
                assert!((1..=most).contains(&raw.line), "row line {}", raw.line);
                match raw.location {
                    Some(SourceLocation::LonLat { lon, lat }) => {
                        assert!(lon.abs() <= 180.0 && lat.abs() <= 90.0, "{lon}, {lat}");
                    }
                    Some(SourceLocation::Projected { x, y }) => {
                        assert!(x.is_finite() && y.is_finite(), "{x}, {y}");
                    }
                    None => {}
                }
            }
            Err(e) => {
                assert!((1..=most).contains(&e.line), "error line {}", e.line);
                let _ = e.to_string();
            }
        }
    }
    Some(rows)
}

#[test]
fn csv_rows_artifacts() {
    for (path, data) in inputs("csv_rows") {
        println!("{}", path.display());
        let _ = check_rows(&data);
    }
}

// --- open311_post -----------------------------------------------------------------------

const CONTENT_TYPES: [&str; 6] = [
    "application/x-www-form-urlencoded",
    "application/json",
    "",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "Application/JSON; charset=utf-8",
    "text/plain",
];

/// What `fuzz_targets/open311_post.rs` checks: the first byte picks the Content-Type.
fn check_post(data: &[u8]) -> Option<Result<RawRequest, String>> {
    let (&selector, body) = data.split_first()?;
    let content_type = CONTENT_TYPES[usize::from(selector) % CONTENT_TYPES.len()];
    let fields = match parse_post_fields(content_type, body) {
        Ok(fields) => fields,
        Err(e) => return Some(Err(e.to_string())),
    };
    let result = raw_request_from_fields(&fields).map_err(|e| e.to_string());
    if let Ok(raw) = &result {
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
    Some(result)
}

#[test]
fn open311_post_artifacts() {
    for (path, data) in inputs("open311_post") {
        println!("{}", path.display());
        let _ = check_post(&data);
    }
}

/// The one-call parser agrees with the two steps the handler runs.
#[test]
fn parse_post_is_the_handlers_parser() {
    let form = b"service_code=pothole&lat=39.95&long=-75.16&description=deep";
    let raw = parse_post("application/x-www-form-urlencoded", form).unwrap();
    assert_eq!(raw.service_code.as_deref(), Some("pothole"));
    assert_eq!(
        raw.location,
        Some(SourceLocation::LonLat {
            lon: -75.16,
            lat: 39.95
        })
    );
    let json = br#"{"service_code":"pothole","lat":39.95,"long":-75.16,"email":null}"#;
    assert_eq!(
        parse_post("application/json; charset=utf-8", json)
            .unwrap()
            .location,
        raw.location
    );
    let err = parse_post("text/plain", form).unwrap_err().to_string();
    assert!(err.contains("text/plain"), "{err}");
    let err = parse_post("", b"service_code=a&service_code=b")
        .unwrap_err()
        .to_string();
    assert!(err.contains("service_code"), "{err}");
}
