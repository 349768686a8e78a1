//! Hot spots on the demo city: planted ground truth is recovered, pure noise gives none, and
//! `hotspot hotspots` honours its CSV contracts and refuses too little data clearly.

use std::process::Command;

use chrono::{DateTime, Utc};
use geo::{Contains, Coord, Point};
use hotspot::analysis::{GiStarParams, RegionKind};
use hotspot::app::App;
use hotspot::config::Config;
use hotspot::hotspots::{run_gistar, select, Selection};
use hotspot::projection::haversine_m;
use rand::{Rng, SeedableRng};

fn demo_app(dir: &std::path::Path) -> App {
    let app = App::open(Config::demo().unwrap(), dir).unwrap();
    app.seed_demo_if_empty().unwrap();
    app
}

fn study_area(app: &App) -> geo::MultiPolygon<f64> {
    let layer = app
        .boundaries
        .layer("city_limits")
        .expect("demo city limits");
    geo::MultiPolygon(
        layer
            .features
            .iter()
            .flat_map(|f| f.geometry.0.clone())
            .collect(),
    )
}

#[derive(serde::Deserialize)]
struct Planted {
    service_code: String,
    lon: f64,
    lat: f64,
    radius_m: f64,
    active_start: DateTime<Utc>,
    active_end: DateTime<Utc>,
}

/// Background requests follow the address density (`demo::layout::density`), which peaks
/// downtown, 1,300 m east and 200 m north of the city centre (39.985, -75.400): a real
/// density hot spot that Gi* on counts rightly finds, so it belongs to the ground truth.
const DOWNTOWN: (f64, f64) = (-75.400 + 1300.0 / 85_300.0, 39.985 + 200.0 / 111_000.0);
const DOWNTOWN_RADIUS_M: f64 = 1_200.0;

/// Every planted hot spot overlaps a hot region of its type and window, and hot regions
/// lie on planted hot spots (or the downtown density peak): precision and recall ≥ 0.9.
#[test]
fn planted_hot_spots_are_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(dir.path());
    let area = study_area(&app);
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(hotspot::config::bundled("fixtures/demo/planted.json")).unwrap(),
    )
    .unwrap();
    let planted: Vec<Planted> = serde_json::from_value(truth["planted"].clone()).unwrap();
    let snapshot = app.index.snapshot();
    let (mut found, mut regions_total, mut regions_on_truth) = (0, 0, 0);
    for p in &planted {
        let sel = Selection {
            types: vec![p.service_code.clone()],
            start: Some(p.active_start),
            end: Some(p.active_end),
            status: None,
        };
        let selected = select(&snapshot, &app.catalog, &sel).unwrap();
        let params = GiStarParams {
            study_area: Some(&area),
            ..Default::default()
        };
        let (_, regions) = run_gistar(&selected, &params).unwrap();
        let hot: Vec<_> = regions
            .iter()
            .filter(|r| r.kind == RegionKind::Hot)
            .collect();
        let same_type: Vec<&Planted> = planted
            .iter()
            .filter(|q| q.service_code == p.service_code)
            .collect();
        let near = |r: &hotspot::analysis::Region, q: &Planted| {
            r.geometry.contains(&Point::new(q.lon, q.lat))
                || haversine_m(r.centroid.x(), r.centroid.y(), q.lon, q.lat) <= q.radius_m + 200.0
        };
        if hot.iter().any(|r| near(r, p)) {
            found += 1;
        } else {
            println!("missed: {} at ({}, {})", p.service_code, p.lon, p.lat);
        }
        let downtown = |r: &hotspot::analysis::Region| {
            haversine_m(r.centroid.x(), r.centroid.y(), DOWNTOWN.0, DOWNTOWN.1) <= DOWNTOWN_RADIUS_M
        };
        let explained =
            |r: &&&hotspot::analysis::Region| same_type.iter().any(|q| near(r, q)) || downtown(r);
        for r in hot.iter().filter(|r| !explained(r)) {
            println!(
                "unexplained {} region: {} cells, count {}, max z {:.1}, at {:?}",
                p.service_code,
                r.cells.len(),
                r.total_count,
                r.max_abs_z,
                r.centroid
            );
        }
        regions_total += hot.len();
        regions_on_truth += hot.iter().filter(explained).count();
    }
    let recall = found as f64 / planted.len() as f64;
    let precision = regions_on_truth as f64 / regions_total.max(1) as f64;
    println!("planted {}, recall {recall:.3}, precision {precision:.3} ({regions_on_truth}/{regions_total} regions)", planted.len());
    assert!(
        recall >= 0.9 && precision >= 0.9,
        "recall {recall}, precision {precision}"
    );
}

/// Complete spatial randomness over the city gives no hot spot at 95% (with FDR). Under the
/// global null, Benjamini-Hochberg at 0.05 bounds the chance of any false hot cell by 5%, so
/// over 20 fixed random cities at most 2 may show one (a binomial tail of about 7.5%).
#[test]
fn pure_noise_yields_no_hot_spot() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(Config::demo().unwrap(), dir.path()).unwrap();
    let area = study_area(&app);
    let bounds = geo::BoundingRect::bounding_rect(&area).unwrap();
    let mut runs_with_false_hot = 0;
    for seed in 0..20u64 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut points = Vec::new();
        while points.len() < 3_000 {
            let c = Coord {
                x: rng.random_range(bounds.min().x..bounds.max().x),
                y: rng.random_range(bounds.min().y..bounds.max().y),
            };
            if area.contains(&Point::from(c)) {
                points.push(c);
            }
        }
        let sel = hotspot::hotspots::Selected::from_points(points).unwrap();
        let params = GiStarParams {
            study_area: Some(&area),
            ..Default::default()
        };
        let (result, regions) = run_gistar(&sel, &params).unwrap();
        let hot = result.cells.iter().filter(|c| c.bin >= 2).count();
        let hot_regions = regions.iter().filter(|r| r.kind == RegionKind::Hot).count();
        assert!(hot <= 2, "seed {seed}: {hot} hot cells in pure noise");
        if hot_regions > 0 {
            runs_with_false_hot += 1;
            println!(
                "seed {seed}: {hot} false hot cell(s) of {}",
                result.cells.len()
            );
        }
    }
    assert!(
        runs_with_false_hot <= 2,
        "{runs_with_false_hot} of 20 noise runs show a hot spot"
    );
}

fn hotspot_cmd(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hotspot"))
        .arg("hotspots")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_writes_the_documented_csv_and_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(dir.path());
    let streetlights = app.index.snapshot().of_type("streetlight").unwrap().len();
    drop(app);
    let data = dir.path().to_str().unwrap();
    let config = hotspot::config::bundled("fixtures/demo/hotspot.toml");
    let config = config.to_str().unwrap();
    // A Chicago alias selects the same service.
    let (ok, out, err) = hotspot_cmd(&[
        "--data",
        data,
        "--config",
        config,
        "--type",
        "Street Lights - All Out",
        "--format",
        "csv",
    ]);
    assert!(ok, "{err}");
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rows.headers().unwrap(),
        vec!["h3", "count", "z", "p", "bin"]
    );
    let (mut total, mut hot) = (0usize, 0usize);
    for r in rows.records() {
        let r = r.unwrap();
        total += r[1].parse::<usize>().unwrap();
        let bin: i8 = r[4].parse().unwrap();
        hot += usize::from(bin == 3);
        assert!((-3..=3).contains(&bin));
    }
    assert_eq!(
        total, streetlights,
        "every streetlight request is counted once"
    );
    assert!(
        hot > 0,
        "the planted streetlight clusters show as 99% hot cells"
    );

    let (ok, out, err) = hotspot_cmd(&[
        "--data",
        data,
        "--config",
        config,
        "--type",
        "rodent",
        "--method",
        "dbscan",
        "--eps-m",
        "80",
        "--min-points",
        "6",
        "--format",
        "csv",
    ]);
    assert!(ok, "{err}");
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rows.headers().unwrap(),
        vec!["service_request_id", "cluster"]
    );
    let labels: Vec<i32> = rows
        .records()
        .map(|r| r.unwrap()[1].parse().unwrap())
        .collect();
    assert!(labels.contains(&0) && labels.contains(&-1));

    let (ok, out, err) = hotspot_cmd(&[
        "--data",
        data,
        "--config",
        config,
        "--type",
        "graffiti",
        "--start",
        "2026-06-01",
        "--end",
        "2026-10-31",
    ]);
    assert!(ok, "{err}");
    let fc: geojson::FeatureCollection = out
        .trim()
        .parse::<geojson::GeoJson>()
        .unwrap()
        .try_into()
        .unwrap();
    let kinds: std::collections::BTreeSet<String> = fc
        .features
        .iter()
        .map(|f| {
            f.properties.as_ref().unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        kinds.contains("cell") && kinds.contains("hot_region"),
        "{kinds:?}"
    );
}

#[test]
fn cli_reads_an_input_file_and_explains_too_little_data() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("points.csv");
    let mut text = String::from("service_request_id,lat,lon,service_code\n");
    for i in 0..40 {
        let (lat, lon) = if i < 30 {
            (41.88 + (i % 5) as f64 * 1e-4, -87.63)
        } else {
            (41.95 + i as f64 * 1e-3, -87.70)
        };
        text.push_str(&format!("R{i},{lat},{lon},pothole\n"));
    }
    std::fs::write(&file, text).unwrap();
    let input = file.to_str().unwrap();
    let (ok, out, err) = hotspot_cmd(&[
        "--input",
        input,
        "--method",
        "dbscan",
        "--eps-m",
        "50",
        "--min-points",
        "5",
        "--format",
        "csv",
    ]);
    assert!(ok, "{err}");
    let clusters: Vec<String> = out
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(clusters.iter().filter(|c| *c == "0").count(), 30);
    assert_eq!(clusters.iter().filter(|c| *c == "-1").count(), 10);

    let (ok, _, err) = hotspot_cmd(&[
        "--input",
        input,
        "--type",
        "pothole",
        "--start",
        "2030-01-01",
    ]);
    assert!(!ok);
    assert!(
        err.contains("only 0 requests match") && err.contains("at least 30"),
        "{err}"
    );
    let (ok, _, err) = hotspot_cmd(&["--input", input, "--type", "ufo sightings"]);
    assert!(!ok && err.contains("ufo sightings"), "{err}");
    let (ok, _, err) = hotspot_cmd(&["--input", input, "--res", "99"]);
    assert!(!ok && err.contains("res"), "{err}");
}
