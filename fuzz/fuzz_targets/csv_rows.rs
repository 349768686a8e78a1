//! The import readers (`hotspot::intake::read_bytes`) on arbitrary files. The first input
//! byte picks the format (`Auto`, Philly, NYC, Chicago, generic CSV, Open311, GeoJSON) and
//! the file name (`.csv` or `.json`); the rest is the file. A file is refused with an
//! `IntakeError` or read row by row, each row a `RawRequest` or a `RowError` numbered
//! inside the file; never a panic. Locations keep the reader's contract: finite, lon/lat
//! within ±180/±90.
#![no_main]

use hotspot::intake::{read_bytes, Format, ReadOptions};
use hotspot::model::SourceLocation;
use libfuzzer_sys::fuzz_target;

const FORMATS: [Format; 7] = [
    Format::Auto,
    Format::Philly,
    Format::Nyc,
    Format::Chicago,
    Format::Csv,
    Format::Open311,
    Format::GeoJson,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let format = FORMATS[usize::from(selector & 0x7f) % FORMATS.len()];
    let name = if selector & 0x80 != 0 {
        "fuzz.json"
    } else {
        "fuzz.csv"
    };
    // a zone with DST gaps and folds, which datetimes without an offset must survive
    let opts = ReadOptions {
        timezone: "America/New_York".parse().unwrap(),
        crs: None,
    };
    let reader = match read_bytes(name, file.to_vec(), format, &opts) {
        Ok(reader) => reader,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    assert_ne!(reader.format(), Format::Auto);
    let most = file.len() as u64 + 1;
    for row in reader.take(100_000) {
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
                let _ = format!("{raw:?}");
            }
            Err(e) => {
                assert!((1..=most).contains(&e.line), "error line {}", e.line);
                let _ = e.to_string();
            }
        }
    }
});
