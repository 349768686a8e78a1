//! Reads every 311 file of the shared real-data folder (see its README) through the public
//! intake API: each is detected as the expected format, and RawRequests + RowErrors add up
//! to the record count the README states. Skips (with a message) when the folder is absent.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono_tz::Tz;
use hotspot::intake::{read, Format, ReadOptions};
use hotspot::model::SourceLocation;

fn data_dir() -> Option<PathBuf> {
    let found = hotspot::config::shared_data_dir();
    if found.is_none() {
        eprintln!("skipping: no ../shared/data or /work/shared/data folder");
    }
    found
}

/// Per file: expected format, record count from the data README, rows with a location.
struct Expect {
    file: &'static str,
    format: Format,
    records: usize,
    located_at_least: usize,
}

const fn e(file: &'static str, format: Format, records: usize, located: usize) -> Expect {
    Expect {
        file,
        format,
        records,
        located_at_least: located,
    }
}

const FILES: &[Expect] = &[
    e(
        "philadelphia/311/phl311_illegal_dumping_2024_points.csv",
        Format::Csv,
        22_156,
        22_156,
    ),
    e(
        "philadelphia/311/phl311_parks_rec_requests_2021_2025.csv",
        Format::Philly,
        568,
        568,
    ),
    e(
        "philadelphia/311/phl311_graffiti_random_sample.json",
        Format::Philly,
        20,
        19,
    ),
    e(
        "nyc/311/nyc311_tuplex_subset_2000.csv",
        Format::Nyc,
        2_000,
        1_402,
    ),
    e(
        "nyc/311/nyc311_pyboot_2022-05-01.csv",
        Format::Nyc,
        924,
        913,
    ),
    e(
        "nyc/311/nyc311_cleaned_2026_sample.csv",
        Format::Nyc,
        10_096,
        10_096,
    ),
    e(
        "chicago/311/chi311_2017_streetLightsOut.geojson",
        Format::GeoJson,
        14_587,
        14_587,
    ),
    e(
        "chicago/311/chi311_2017_sanitation.geojson",
        Format::GeoJson,
        19_733,
        19_733,
    ),
    e(
        "chicago/311/chi311_2017_abandonBuildings.geojson",
        Format::GeoJson,
        3_653,
        3_653,
    ),
    e(
        "chicago/311/chi311_2017_graffiti_points.csv",
        Format::Csv,
        54_177,
        54_177,
    ),
    e(
        "chicago/311/chi311_2017_abandoned_cars_points.csv",
        Format::Csv,
        31_390,
        31_390,
    ),
    e(
        "chicago/311/chi311_graffiti_2016-11_open311_sample.geojson",
        Format::Chicago,
        341,
        341,
    ),
];

fn timezone(file: &str) -> Tz {
    if file.starts_with("chicago") {
        chrono_tz::America::Chicago
    } else {
        chrono_tz::America::New_York
    }
}

#[test]
fn every_real_311_file_is_detected_and_read() {
    let Some(dir) = data_dir() else { return };
    for folder in ["philadelphia/311", "nyc/311", "chicago/311"] {
        for entry in std::fs::read_dir(dir.join(folder)).expect("list folder") {
            let name = format!("{folder}/{}", entry.unwrap().file_name().to_string_lossy());
            assert!(
                FILES.iter().any(|f| f.file == name),
                "{name} has no expectation in this test"
            );
        }
    }
    for want in FILES {
        check(&dir, want);
    }
}

fn check(dir: &std::path::Path, want: &Expect) {
    let path = dir.join(want.file);
    let started = std::time::Instant::now();
    let format = Format::detect_file(&path).expect("detect");
    assert_eq!(format, want.format, "{}", want.file);
    let opts = ReadOptions::new(timezone(want.file));
    let mut reader = read(&path, Format::Auto, &opts).expect("open");
    let crs = reader.crs().map(String::from);
    let (mut ok, mut lonlat, mut projected) = (0usize, 0usize, 0usize);
    let mut rejected: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
    for item in reader.by_ref() {
        match item {
            Ok(r) => {
                ok += 1;
                match r.location {
                    Some(SourceLocation::LonLat { .. }) => lonlat += 1,
                    Some(SourceLocation::Projected { .. }) => projected += 1,
                    None => {}
                }
            }
            Err(e) => {
                let slot = rejected
                    .entry((e.reason.clone(), e.field.clone()))
                    .or_insert((0, e.to_string()));
                slot.0 += 1;
            }
        }
    }
    let errors: usize = rejected.values().map(|v| v.0).sum();
    println!(
        "{}: {format}, crs {crs:?}: {ok} requests ({lonlat} lon/lat, {projected} projected), \
         {errors} rejected ({:.2} s)",
        want.file,
        started.elapsed().as_secs_f64()
    );
    for ((reason, field), (n, example)) in &rejected {
        println!("    {n:>6} × {reason} [{field}], e.g. {example}");
    }
    assert_eq!(ok + errors, want.records, "{}", want.file);
    assert!(lonlat + projected >= want.located_at_least, "{}", want.file);
    assert_eq!(reader.bytes_read(), reader.total_bytes(), "{}", want.file);
}

/// The requested-datetime range of files whose README entry states one, read in the city
/// zone and compared as local `YYYY-MM-DD HH:MM:SS` text.
#[test]
fn requested_datetime_ranges_match_the_readme() {
    let Some(dir) = data_dir() else { return };
    let cases = [
        (
            "nyc/311/nyc311_tuplex_subset_2000.csv",
            "2011-02-06",
            "2011-11-03 23:59:59",
        ),
        (
            "nyc/311/nyc311_pyboot_2022-05-01.csv",
            "2022-05-01 00:00:03",
            "2022-05-01 02:06:26",
        ),
        (
            "nyc/311/nyc311_cleaned_2026_sample.csv",
            "2026-02-04 20:45:51",
            "2026-02-06 02:05:09",
        ),
        (
            "philadelphia/311/phl311_parks_rec_requests_2021_2025.csv",
            "2021-01-05 16:59:00",
            "2025-08-12 08:39:00",
        ),
        (
            "chicago/311/chi311_graffiti_2016-11_open311_sample.geojson",
            "2016-10-31",
            "2016-11-01 00:00:00",
        ),
        (
            "philadelphia/311/phl311_graffiti_random_sample.json",
            "2017-01-01",
            "2025-08-24 23:59:59",
        ),
    ];
    for (file, first, last) in cases {
        let tz = timezone(file);
        let reader = read(&dir.join(file), Format::Auto, &ReadOptions::new(tz)).expect("open");
        let local: Vec<String> = reader
            .filter_map(|r| r.ok()?.requested_datetime)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string())
            .collect();
        let (min, max) = (local.iter().min().unwrap(), local.iter().max().unwrap());
        println!(
            "{file}: requested {min} .. {max} ({} rows with a date)",
            local.len()
        );
        assert!(
            min.as_str() >= first && min.starts_with(&first[..10]),
            "{file}: min {min}"
        );
        assert!(
            max.as_str() <= last && max.starts_with(&last[..10]),
            "{file}: max {max}"
        );
    }
}
