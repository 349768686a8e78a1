//! Hot spots on the demo city: planted ground truth is recovered, pure noise gives none, and
//! `hotspot hotspots` honours its CSV contracts and refuses too little data clearly.

mod common;

use chrono::{DateTime, Utc};
use geo::{Contains, Coord, Point};
use hotspot::analysis::{gistar_h3, hot_cold_regions, GiStarResult, Region};
use hotspot::analysis::{GiStarParams, RegionKind};
use hotspot::city::City;
use hotspot::config::Config;
use hotspot::hotspots::{compute_report, select, HotspotQuery, MIN_REQUESTS};
use hotspot::methods::Method;
use hotspot::model::{ServiceRequest, Status};
use hotspot::projection::haversine_m;
use hotspot::selection::Selection;
use rand::{Rng, SeedableRng};

fn demo_app(dir: &std::path::Path) -> City {
    let app = City::open(Config::demo().unwrap(), dir).unwrap();
    app.seed_demo_if_empty().unwrap();
    app
}

fn study_area(app: &City) -> geo::MultiPolygon<f64> {
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

/// Gi* and its regions on the given point cells (the analysis alone).
fn gistar_regions(
    cells: impl IntoIterator<Item = h3o::CellIndex>,
    params: &GiStarParams<'_>,
) -> (GiStarResult, Vec<Region>) {
    let result = gistar_h3(cells, params).unwrap();
    let regions = hot_cold_regions(&result.cells).unwrap();
    (result, regions)
}

/// Unix seconds of an RFC 3339 time.
fn secs(s: &str) -> i64 {
    s.parse::<DateTime<Utc>>().unwrap().timestamp()
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
            codes: vec![p.service_code.clone()],
            start: Some(p.active_start.timestamp()),
            end: Some(p.active_end.timestamp()),
            ..Default::default()
        };
        let selected = select(&snapshot, &sel, MIN_REQUESTS).unwrap();
        let params = GiStarParams {
            study_area: Some(&area),
            ..Default::default()
        };
        let (_, regions) = gistar_regions(selected.cells, &params);
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
    let app = City::open(Config::demo().unwrap(), dir.path()).unwrap();
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
        let cells = points.iter().map(|c| {
            h3o::LatLng::new(c.y, c.x)
                .unwrap()
                .to_cell(h3o::Resolution::Fifteen)
        });
        let params = GiStarParams {
            study_area: Some(&area),
            ..Default::default()
        };
        let (result, regions) = gistar_regions(cells, &params);
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

/// Runs `hotspot hotspots` with `args`.
fn hotspot_cmd(args: &[&str]) -> (bool, String, String) {
    common::run_hotspot(&[&["hotspots"], args].concat())
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
    std::fs::write(&file, common::corner_csv()).unwrap();
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

/// The demo city plants three nuisance addresses with many kinds of complaints; the repeat
/// analysis over all types ranks exactly those first, and counts their requests as an exact
/// address match over the store does.
#[test]
fn repeats_find_the_planted_nuisance_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(dir.path());
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(hotspot::config::bundled("fixtures/demo/planted.json")).unwrap(),
    )
    .unwrap();
    let mut planted: Vec<String> =
        serde_json::from_value(truth["repeat_addresses"].clone()).unwrap();
    planted.sort();
    let query = HotspotQuery {
        method: Method::Repeats,
        ..Default::default()
    };
    let report = compute_report(&app.index.snapshot(), &query, None).unwrap();
    let mut top: Vec<String> = report.areas[..3].iter().map(|a| a.id.clone()).collect();
    top.sort();
    assert_eq!(top, planted);
    let mut stored = Vec::new();
    app.store.for_each(|r| stored.push(r)).unwrap();
    for a in &report.areas[..3] {
        let same: Vec<&ServiceRequest> = stored
            .iter()
            .filter(|r| r.address.as_deref() == Some(a.id.as_str()))
            .collect();
        assert_eq!(a.sla.requests, same.len(), "{}", a.id);
        let codes: std::collections::BTreeSet<&str> =
            same.iter().map(|r| r.service_code.as_str()).collect();
        assert_eq!(a.types.len(), codes.len(), "{}", a.id);
        assert!(
            a.priority_reason.contains("recurring"),
            "{}",
            a.priority_reason
        );
    }
    assert!(report.areas.iter().all(|a| a.sla.requests >= 3));
    assert_eq!(report.parameters.min_requests, Some(3));
}

/// Every cluster's SLA figures agree with the model's own overdue/late rules over the stored
/// requests; areas come in priority order; the work list lists exactly the open members.
#[test]
fn sla_priority_and_work_list_agree_with_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(dir.path());
    let snapshot = app.index.snapshot();
    let query = HotspotQuery {
        selection: Selection {
            codes: vec!["graffiti".into(), "illegal_dumping".into()],
            ..Default::default()
        },
        method: Method::Dbscan,
        ..Default::default()
    };
    let report = compute_report(&snapshot, &query, app.study_area.as_deref()).unwrap();
    assert_eq!(report.parameters.eps_m, Some(100.0));
    assert_eq!(report.parameters.min_points, Some(5));
    let as_of = report.parameters.as_of.unwrap();
    assert_eq!(Some(as_of), snapshot.newest_requested());
    let as_of_dt = DateTime::<Utc>::from_timestamp(as_of, 0).unwrap();
    let mut stored = std::collections::HashMap::new();
    app.store
        .for_each(|r| {
            stored.insert(r.service_request_id.clone(), r);
        })
        .unwrap();
    assert!(report.areas.len() > 10);
    let mut open_total = 0;
    for (i, a) in report.areas.iter().enumerate() {
        assert_eq!(a.rank, i + 1);
        let members: Vec<&ServiceRequest> =
            a.members.iter().map(|id| &stored[id.as_ref()]).collect();
        let open = members.iter().filter(|r| r.status == Status::Open).count();
        let overdue = members.iter().filter(|r| r.is_overdue(as_of_dt)).count();
        let late = members.iter().filter(|r| r.is_late()).count();
        assert_eq!(
            (a.sla.requests, a.sla.open, a.sla.overdue, a.sla.late),
            (members.len(), open, overdue, late),
            "area {}",
            a.id
        );
        assert_eq!(a.work.len(), open);
        open_total += open;
        if i > 0 {
            let p = &report.areas[i - 1];
            assert!(
                (p.sla.overdue, p.sla.open) >= (a.sla.overdue, a.sla.open),
                "rank {} before rank {}",
                p.rank,
                a.rank
            );
        }
    }
    // the work list
    let mut buf = Vec::new();
    report
        .write_work_list_csv(&mut buf, app.config.timezone)
        .unwrap();
    let mut rows = csv::Reader::from_reader(buf.as_slice());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>(),
        hotspot::hotspots::WORK_LIST_COLUMNS.to_vec()
    );
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), open_total);
    let mut last_rank = 0;
    for r in &rows {
        let rank: usize = r[0].parse().unwrap();
        assert!(rank >= last_rank);
        last_rank = rank;
        let s = &stored[&r[2]];
        assert_eq!(s.status, Status::Open);
        assert_eq!(&r[3], s.service_code);
        assert_eq!(r[7].is_empty(), !s.is_overdue(as_of_dt), "{}", &r[2]);
        if !r[7].is_empty() {
            let days = (as_of_dt - s.expected_datetime.unwrap()).num_seconds() as f64 / 86_400.0;
            assert!((r[7].parse::<f64>().unwrap() - days).abs() <= 0.051);
        }
    }
    // GeoJSON: areas first in rank order, parameters as a foreign member
    let fc = report.to_geojson();
    let params = &fc.foreign_members.as_ref().unwrap()["parameters"];
    assert_eq!(params["method"], "dbscan");
    assert_eq!(params["eps_m"], 100.0);
    for (i, f) in fc.features.iter().take(report.areas.len()).enumerate() {
        let p = f.properties.as_ref().unwrap();
        assert_eq!(p["rank"], i + 1);
        assert_eq!(p["kind"], "cluster");
        assert!(p["priority_reason"].as_str().unwrap().contains("open"));
    }
}

/// Without `res`, Gi* picks the resolution by the documented rule and reports it.
#[test]
fn gistar_reports_the_auto_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(dir.path());
    let snapshot = app.index.snapshot();
    let selection = Selection {
        codes: vec!["streetlight".into()],
        ..Default::default()
    };
    let query = HotspotQuery {
        selection: selection.clone(),
        ..Default::default()
    };
    let report = compute_report(&snapshot, &query, None).unwrap();
    let sel = select(&snapshot, &selection, MIN_REQUESTS).unwrap();
    let expected = hotspot::analysis::auto_resolution(sel.cells.iter().copied());
    assert_eq!(report.parameters.resolution, Some(expected));
    assert_eq!(report.parameters.resolution_rule, Some("auto"));
    assert!((7..=10).contains(&expected));
    let fc = report.to_geojson();
    assert_eq!(
        fc.foreign_members.as_ref().unwrap()["parameters"]["res"],
        expected
    );
    // hot regions carry SLA fields and come first
    assert!(!report.areas.is_empty());
    let first = fc.features[0].properties.as_ref().unwrap();
    assert_eq!(first["kind"], "hot_region");
    assert_eq!(first["rank"], 1);
    assert!(first.contains_key("overdue") && first.contains_key("top_addresses"));
    let mut given = query.clone();
    given.options.res = Some(9);
    let given = compute_report(&snapshot, &given, None).unwrap();
    assert_eq!(given.parameters.resolution_rule, Some("given"));
}

/// A sparse selection (open streetlights of a month) finds no hot spot, and the report says
/// how much was analysed, how strong the strongest cell was and what has power instead; a
/// report with hot spots explains nothing.
#[test]
fn an_empty_gistar_layer_says_why_and_what_has_power() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(dir.path());
    let snapshot = app.index.snapshot();
    let end = snapshot.newest_requested().unwrap();
    let selection = Selection {
        codes: vec!["streetlight".into()],
        start: Some(end - 29 * 86_400),
        end: Some(end),
        status: Some(Status::Open),
        ..Default::default()
    };
    let query = HotspotQuery {
        selection,
        ..Default::default()
    };
    let area = study_area(&app);
    let report = compute_report(&snapshot, &query, Some(&area)).unwrap();
    assert!(report.areas.is_empty());
    let requests = report.parameters.requests;
    let why = report.explanation.clone().expect("an explanation");
    assert!(why.contains(&format!("{requests} requests in")), "{why}");
    assert!(why.contains("none reaches 95% confidence"), "{why}");
    assert!(
        why.contains("all statuses (") && why.contains("the last 365 days ("),
        "{why}"
    );
    assert!(why.contains("clusters (DBSCAN)"), "{why}");
    let fc = report.to_geojson();
    assert_eq!(
        fc.foreign_members.as_ref().unwrap()["explanation"],
        why.as_str()
    );
    // with hot spots there is nothing to explain
    let busy = HotspotQuery {
        selection: Selection {
            codes: vec!["streetlight".into()],
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        compute_report(&snapshot, &busy, Some(&area))
            .unwrap()
            .explanation,
        None
    );
}

#[test]
fn cli_repeats_over_several_types() {
    let dir = tempfile::tempdir().unwrap();
    drop(demo_app(dir.path()));
    let data = dir.path().to_str().unwrap();
    let work = dir.path().join("work.csv");
    let (ok, out, err) = hotspot_cmd(&[
        "--data",
        data,
        "--type",
        "illegal_dumping,vacant_property,graffiti",
        "--method",
        "repeats",
        "--min-requests",
        "4",
        "--format",
        "csv",
        "--work-list",
        work.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("min requests 4"), "{err}");
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "rank",
            "address",
            "lat",
            "lon",
            "requests",
            "distinct_types",
            "types",
            "open",
            "overdue",
            "first",
            "last"
        ]
    );
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert_eq!(&rows[0][1], "686 BIRCH ST");
    assert!(rows.iter().all(|r| r[4].parse::<usize>().unwrap() >= 4));
    let work = std::fs::read_to_string(work).unwrap();
    assert!(work.starts_with("rank,area,service_request_id,"), "{work}");
    assert!(work.lines().nth(1).unwrap().starts_with("1,686 BIRCH ST,"));
    let (ok, _, err) = hotspot_cmd(&["--data", data, "--method", "repeats", "--min-requests", "1"]);
    assert!(!ok && err.contains("min_requests"), "{err}");
}

/// The report's Gi* (the product's path: select, each request's own cell from the index,
/// counts on all cores) equals Gi* on cells computed here from the selected points, for
/// several selections; its counts add up to the selection.
#[test]
fn report_gistar_matches_an_independent_computation() {
    use hotspot::hotspots::ReportDetail;
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(dir.path());
    let snapshot = app.index.snapshot();
    let selections = [
        Selection {
            codes: vec!["streetlight".into()],
            ..Default::default()
        },
        Selection {
            codes: vec!["graffiti".into(), "illegal_dumping".into()],
            start: Some(secs("2026-05-01T00:00:00Z")),
            end: Some(secs("2026-08-31T23:59:59Z")),
            ..Default::default()
        },
        Selection {
            start: Some(secs("2026-01-01T00:00:00Z")),
            status: Some(Status::Open),
            ..Default::default()
        },
    ];
    for (res, sel) in [
        (9u8, &selections[0]),
        (8, &selections[1]),
        (10, &selections[2]),
    ] {
        let mut query = HotspotQuery {
            selection: sel.clone(),
            ..Default::default()
        };
        query.options.res = Some(res);
        let report = compute_report(&snapshot, &query, None).unwrap();
        let ReportDetail::Gistar { result, .. } = &report.detail else {
            panic!("a Gi* report");
        };
        // independent cells: each selected point's own cell at the resolution
        let chosen = select(&snapshot, sel, MIN_REQUESTS).unwrap();
        let h3res = h3o::Resolution::try_from(res).unwrap();
        let cells: Vec<h3o::CellIndex> = chosen
            .points
            .iter()
            .map(|p| h3o::LatLng::new(p.y, p.x).unwrap().to_cell(h3res))
            .collect();
        let params = GiStarParams {
            resolution: res,
            ..Default::default()
        };
        let (expected, _) = gistar_regions(cells, &params);
        assert_eq!(*result, expected, "res {res}, {sel:?}");
        assert_eq!(
            result.cells.iter().map(|c| c.count).sum::<u64>(),
            chosen.points.len() as u64
        );
        assert_eq!(report.parameters.requests, chosen.points.len());
    }
    let too_narrow = HotspotQuery {
        selection: Selection {
            codes: vec!["streetlight".into()],
            start: Some(secs("2026-10-31T23:00:00Z")),
            end: Some(secs("2026-10-31T23:59:59Z")),
            ..Default::default()
        },
        ..Default::default()
    };
    let err = compute_report(&snapshot, &too_narrow, None).unwrap_err();
    assert!(err.to_string().contains("at least 30"), "{err}");
}
