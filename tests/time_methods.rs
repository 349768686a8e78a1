//! The methods over time, end to end. Emerging hot spots: a planted new hot spot and an
//! intensifying one are found by `hotspot hotspots --method emerging` (CSV and GeoJSON) and by
//! `hotspots.geojson`; a window too short for ten steps, and bad parameters, are refused with
//! what to change. Near repeats: a planted chain of follow-up complaints stands out in the
//! Knox table (CSV, GeoJSON lines, the layer), bad bands are refused.

mod common;

use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};

use common::run_hotspot;

/// The final step ends here (the newest request).
fn end() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 30, 12, 0, 0).unwrap()
}

/// Places: (lat, lon) in Chicago.
const NEW: (f64, f64) = (41.8800, -87.6300);
const GROWING: (f64, f64) = (41.9200, -87.7000);

fn request(id: usize, at: chrono::DateTime<Utc>, (lat, lon): (f64, f64)) -> Value {
    json!({
        "service_request_id": format!("P-{id:05}"),
        "service_code": "pothole",
        "status": "open",
        "requested_datetime": at.to_rfc3339(),
        "lat": lat,
        "long": lon,
    })
}

/// 20 weeks of potholes: thin background over the city, a place that grows week by week,
/// and a burst at another place in the final week only.
fn planted() -> Vec<Value> {
    let mut rows = Vec::new();
    let mut id = 0;
    let mut push = |at, place| {
        rows.push(request(id, at, place));
        id += 1;
    };
    for week in 0..20i64 {
        let at = end() - Duration::weeks(week) - Duration::hours(1);
        for i in 0..60 {
            // a deterministic scatter over about 25 km x 20 km
            let lat = 41.70 + ((i * 37 + week * 11) % 60) as f64 * 0.004;
            let lon = -87.85 + ((i * 53 + week * 7) % 60) as f64 * 0.005;
            push(at, (lat, lon));
        }
        for _ in 0..10 + (20 - week) * 2 {
            push(at, GROWING);
        }
    }
    for _ in 0..25 {
        push(end() - Duration::hours(2), NEW);
    }
    // the newest and the oldest request: the window holds exactly 20 weekly steps
    push(end(), (41.80, -87.70));
    push(end() - Duration::weeks(20), (41.80, -87.70));
    rows
}

fn import(dir: &std::path::Path) -> (String, String) {
    common::import_json(dir, "potholes.json", &planted())
}

fn cell_of((lat, lon): (f64, f64), res: u8) -> String {
    h3o::LatLng::new(lat, lon)
        .unwrap()
        .to_cell(h3o::Resolution::try_from(res).unwrap())
        .to_string()
}

#[test]
fn cli_finds_the_planted_new_and_intensifying_hot_spots() {
    let dir = tempfile::tempdir().unwrap();
    let (data, config) = import(dir.path());
    let base = [
        "hotspots", "--data", &data, "--config", &config, "--method", "emerging", "--res", "8",
    ];
    let (ok, csv, err) = run_hotspot(&[&base[..], &["--format", "csv"]].concat());
    assert!(ok, "{err}");
    assert!(err.contains("20 steps of 7 days, lag 1"), "{err}");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("h3,category,trend_tau,trend_p,hot_steps,cold_steps,final_z")
    );
    let category = |place| {
        let cell = cell_of(place, 8);
        csv.lines()
            .find(|l| l.starts_with(&cell))
            .unwrap_or_else(|| panic!("{cell} not in the CSV"))
            .split(',')
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_eq!(category(NEW), "new_hot");
    assert_eq!(category(GROWING), "intensifying_hot");

    let (ok, geojson, err) = run_hotspot(&base);
    assert!(ok, "{err}");
    let fc: Value = serde_json::from_str(&geojson).unwrap();
    assert_eq!(fc["parameters"]["steps"], 20);
    let features = fc["features"].as_array().unwrap();
    // the ranked areas come first: the new and the intensifying hot spots lead the list
    let reasons: Vec<&str> = features
        .iter()
        .filter(|f| f["properties"]["kind"] == "hot_region")
        .map(|f| f["properties"]["priority_reason"].as_str().unwrap())
        .collect();
    assert!(reasons.len() >= 2, "{reasons:?}");
    assert!(features
        .iter()
        .filter(|f| f["properties"]["kind"] == "hot_region")
        .all(|f| f["properties"]["category"].is_string()));
    let urgent = |r: &&str| r.starts_with("new hot spot") || r.starts_with("intensifying hot spot");
    let first_other = reasons
        .iter()
        .position(|r| !urgent(r))
        .unwrap_or(reasons.len());
    assert!(first_other >= 2, "new and intensifying first: {reasons:?}");
    assert!(
        reasons[first_other..].iter().all(|r| !urgent(r)),
        "{reasons:?}"
    );
    let location = features
        .iter()
        .find(|f| f["properties"]["h3"] == cell_of(NEW, 8))
        .expect("the new hot spot's cell");
    let p = &location["properties"];
    assert_eq!(p["kind"], "location");
    assert_eq!(p["category"], "new_hot");
    assert_eq!(p["category_code"], 0);
    assert_eq!(p["counts"].as_array().unwrap().len(), 20);
    assert!(p["counts"][19].as_u64().unwrap() >= 25, "{p}");
    assert_eq!(p["bins"][19], 1);
    assert_eq!(p["step_ends"].as_array().unwrap().len(), 20);
}

#[test]
fn too_short_a_window_and_bad_parameters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (data, config) = import(dir.path());
    let base = [
        "hotspots", "--data", &data, "--config", &config, "--method", "emerging",
    ];
    let (ok, _, err) = run_hotspot(&[&base[..], &["--start", "2026-09-01"]].concat());
    assert!(!ok);
    assert!(
        err.contains("at least 10 steps") && err.contains("step_days"),
        "{err}"
    );
    let (ok, _, err) = run_hotspot(&[&base[..], &["--step-days", "0"]].concat());
    assert!(!ok);
    assert!(err.contains("step_days (--step-days)"), "{err}");
    let (ok, _, err) = run_hotspot(&[&base[..], &["--steps", "5"]].concat());
    assert!(!ok);
    assert!(err.contains("steps (--steps)"), "{err}");
}

#[tokio::test]
async fn the_layer_serves_emerging_hot_spots() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path());
    let server = common::start(dir.path()).await;
    let get = |q: &str| reqwest::get(server.url(&format!("/api/v1/hotspots.geojson?{q}")));
    let response = get("method=emerging&type=pothole&res=8&start=2026-06-12")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let fc: Value = response.json().await.unwrap();
    assert_eq!(fc["parameters"]["method"], "emerging");
    assert!(fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["properties"]["category"] == "intensifying_hot"));
    let response = get("method=emerging&step_days=0").await.unwrap();
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    assert!(body.contains("step_days"), "{body}");
    // a window too short for ten steps gives an empty layer that says why (as too few
    // requests do): the map shows the notice
    let response = get("method=emerging&start=2026-10-01&end=2026-10-30")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let fc: Value = response.json().await.unwrap();
    assert_eq!(fc["features"].as_array().unwrap().len(), 0);
    let notice = fc["notice"].as_str().unwrap();
    assert!(notice.contains("at least 10 steps"), "{notice}");
}

/// 300 complaints spread over the city and four months, and 60 follow-ups each within about
/// 40 m and two days of an earlier one.
fn chain() -> Vec<Value> {
    let mut rows = Vec::new();
    for i in 0..300usize {
        let at = end() - Duration::hours((i * 389 % 2_880) as i64);
        let lat = 41.70 + (i * 37 % 300) as f64 * 0.001;
        let lon = -87.85 + (i * 53 % 300) as f64 * 0.001;
        rows.push(
            json!({"service_request_id": format!("N-{i:04}"), "service_code": "noise",
            "status": "closed", "requested_datetime": at.to_rfc3339(), "lat": lat, "long": lon}),
        );
    }
    for k in 0..60usize {
        let first = &rows[k * 5].clone();
        let at =
            chrono::DateTime::parse_from_rfc3339(first["requested_datetime"].as_str().unwrap())
                .unwrap()
                + Duration::hours(6 + (k % 40) as i64);
        rows.push(json!({"service_request_id": format!("F-{k:04}"), "service_code": "noise",
            "status": "closed", "requested_datetime": at.to_rfc3339(),
            "lat": first["lat"].as_f64().unwrap() + 0.0003, "long": first["long"].as_f64().unwrap()}));
    }
    rows
}

fn import_chain(dir: &std::path::Path) -> (String, String) {
    common::import_json(dir, "noise.json", &chain())
}

#[test]
fn cli_knox_table_finds_the_planted_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (data, config) = import_chain(dir.path());
    let base = [
        "hotspots",
        "--data",
        &data,
        "--config",
        &config,
        "--method",
        "nearrepeat",
    ];
    let (ok, csv, err) = run_hotspot(&[&base[..], &["--format", "csv"]].concat());
    assert!(ok, "{err}");
    let lines: Vec<&str> = csv.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "distance_band,time_band,observed,expected,expected_independent,knox_ratio,p"
    );
    assert_eq!(lines.len(), 1 + 6 * 5, "{csv}");
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(&first[..2], ["0-100", "0-7"]);
    assert!(first[2].parse::<u64>().unwrap() >= 60, "{}", lines[1]);
    assert!(first[5].parse::<f64>().unwrap() > 2.0, "{}", lines[1]);
    assert!(first[6].parse::<f64>().unwrap() <= 0.01, "{}", lines[1]);
    assert!(lines[30].starts_with("500+,28+,"));
    let total: u64 = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(2).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 360 * 359 / 2, "every pair counted once");
    assert!(
        err.contains("within 100 m and within 7 days of a request"),
        "{err}"
    );

    let (ok, geojson, err) = run_hotspot(&base);
    assert!(ok, "{err}");
    let fc: Value = serde_json::from_str(&geojson).unwrap();
    assert_eq!(fc["knox"]["strongest"]["distance_band"], "0-100");
    assert!(fc["knox"]["reading"]
        .as_str()
        .unwrap()
        .contains("as many others follow"));
    let lines = fc["features"].as_array().unwrap();
    assert!(lines.len() >= 60);
    assert!(lines.iter().all(|f| f["geometry"]["type"] == "LineString"
        && f["properties"]["distance_m"].as_f64().unwrap() <= 100.0
        && f["properties"]["days_apart"].as_f64().unwrap() <= 7.0));
    // the seed makes the table reproducible
    let (_, again, _) = run_hotspot(&[&base[..], &["--format", "csv"]].concat());
    assert_eq!(again, csv);
    let (ok, _, err) = run_hotspot(&[&base[..], &["--time-bands", "7,0"]].concat());
    assert!(!ok && err.contains("time_bands (--time-bands)"), "{err}");
}

#[tokio::test]
async fn the_layer_serves_the_knox_table() {
    let dir = tempfile::tempdir().unwrap();
    import_chain(dir.path());
    let server = common::start(dir.path()).await;
    let get = |q: &str| reqwest::get(server.url(&format!("/api/v1/hotspots.geojson?{q}")));
    let response = get("method=knox&start=2026-06-01&end=2026-10-31&permutations=19")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let fc: Value = response.json().await.unwrap();
    assert_eq!(fc["parameters"]["method"], "nearrepeat");
    assert_eq!(fc["parameters"]["permutations"], 19);
    assert_eq!(fc["knox"]["cells"].as_array().unwrap().len(), 30);
    let response = get("method=nearrepeat&distance_bands=100,abc")
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    assert!(body.contains("distance_bands"), "{body}");
}

#[test]
fn cli_trends_count_every_request_once() {
    let dir = tempfile::tempdir().unwrap();
    let (data, config) = import(dir.path());
    let (ok, csv, err) = run_hotspot(&[
        "trends",
        "--data",
        &data,
        "--config",
        &config,
        "--step-days",
        "7",
        "--start",
        "2026-06-01",
    ]);
    assert!(ok, "{err}");
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        csv.lines().next(),
        Some("group,name,step_start,step_end,opened,closed,open_at_end,median_days_to_close,share_closed_within_sla")
    );
    let opened: u64 = rows.iter().map(|r| r[4].parse::<u64>().unwrap()).sum();
    let in_window = planted()
        .iter()
        .filter(|r| r["requested_datetime"].as_str().unwrap() > "2026-06-01T05:00:00")
        .count() as u64;
    assert_eq!(opened, in_window);
    // every planted request is open: the backlog of the last step is all of them
    assert_eq!(rows.last().unwrap()[6], planted().len().to_string());
    let (ok, _, err) = run_hotspot(&[
        "trends", "--data", &data, "--config", &config, "--by", "wards",
    ]);
    assert!(
        !ok && err.contains("--by") && err.contains("\"wards\""),
        "{err}"
    );
}

#[tokio::test]
async fn the_trends_endpoint_groups_by_type_and_refuses_bad_parameters() {
    let dir = tempfile::tempdir().unwrap();
    import_chain(dir.path());
    let server = common::start(dir.path()).await;
    let get = |q: &str| reqwest::get(server.url(&format!("/api/v1/trends.json?{q}")));
    let response = get("by=type&step_days=30&start=2026-06-01&end=2026-10-31")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let t: Value = response.json().await.unwrap();
    assert_eq!(t["step_days"], 30);
    assert_eq!(t["series"][0]["key"], "noise");
    let steps = t["steps"].as_array().unwrap().len();
    assert_eq!(t["series"][0]["opened"].as_array().unwrap().len(), steps);
    let opened: u64 = t["series"][0]["opened"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(opened, 360, "every complaint in its step");
    for (q, name) in [
        ("by=nowhere", "by"),
        ("step_days=0", "step_days"),
        ("bbox=1,2,3,4", "bbox"),
    ] {
        let response = get(q).await.unwrap();
        assert_eq!(response.status(), 400, "{q}");
        assert!(response.text().await.unwrap().contains(name), "{q}");
    }
    let csv = reqwest::get(server.url("/api/v1/trends.csv?step_days=7"))
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv
        .text()
        .await
        .unwrap()
        .starts_with("group,name,step_start"));
}

/// A place hot three weeks ago and quiet since.
const OLD: (f64, f64) = (41.7600, -87.6000);

#[tokio::test]
async fn compare_previous_marks_new_persisting_and_gone_hot_spots() {
    let dir = tempfile::tempdir().unwrap();
    // four weeks: thin background, a steady place, a burst in the last week at NEW and one
    // three weeks ago at OLD
    let mut rows = Vec::new();
    let mut id = 0;
    let mut push = |at, place| {
        rows.push(request(id, at, place));
        id += 1;
    };
    for week in 0..4i64 {
        let at = end() - Duration::weeks(week) - Duration::hours(1);
        for i in 0..60 {
            let lat = 41.70 + ((i * 37 + week * 11) % 60) as f64 * 0.004;
            let lon = -87.85 + ((i * 53 + week * 7) % 60) as f64 * 0.005;
            push(at, (lat, lon));
        }
        for _ in 0..14 {
            push(at, GROWING);
        }
    }
    for _ in 0..25 {
        push(end() - Duration::days(2), NEW);
        push(end() - Duration::days(20), OLD);
    }
    let (data, config) = common::import_json(dir.path(), "potholes.json", &rows);
    let server = common::start(dir.path()).await;
    let url = |q: &str| server.url(&format!("/api/v1/hotspots.geojson?type=pothole&res=8&{q}"));
    let window = "start=2026-10-17&end=2026-10-30";
    let fc: Value = reqwest::get(url(&format!("{window}&compare=previous")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let regions: Vec<&Value> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "hot_region")
        .collect();
    let change_at = |place: (f64, f64)| {
        regions
            .iter()
            .find(|f| {
                let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
                let g = geo::Geometry::<f64>::try_from(g.value).unwrap();
                geo::Intersects::intersects(&g, &geo::Point::new(place.1, place.0))
            })
            .map(|f| f["properties"]["change"].as_str().unwrap().to_string())
    };
    assert_eq!(change_at(NEW).as_deref(), Some("new"), "{}", fc["compare"]);
    assert_eq!(change_at(GROWING).as_deref(), Some("persisting"));
    assert_eq!(change_at(OLD).as_deref(), Some("gone"));
    assert!(fc["compare"]["gone"].as_u64().unwrap() >= 1);
    let gone = regions
        .iter()
        .find(|f| f["properties"]["change"] == "gone")
        .unwrap();
    assert!(gone["properties"]["rank"].is_null());
    let ranked = regions
        .iter()
        .find(|f| f["properties"]["rank"] == 1)
        .unwrap();
    let reason = ranked["properties"]["priority_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("new since the previous 14 days")
            || reason.starts_with("also in the previous 14 days"),
        "{reason}"
    );
    let response = reqwest::get(url("compare=next")).await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("compare"));
    // the CLI needs a window to compare
    let (ok, _, err) = run_hotspot(&[
        "hotspots",
        "--data",
        &data,
        "--config",
        &config,
        "--compare",
        "previous",
    ]);
    assert!(!ok && err.contains("compare"), "{err}");
}
