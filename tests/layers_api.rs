//! The `/api/v1/` layers on the demo city: catalog, points, hex bins and choropleths checked
//! against counts computed independently from the store; caching, ETags, compression, CORS
//! and every bad parameter.

mod common;

use std::collections::HashMap;

use axum::http::{header, Method};
use chrono::{DateTime, Utc};
use common::TestApp;
use hotspot::model::{ServiceRequest, Status};
use serde_json::Value;

const DAY: i64 = 86_400;

/// Every stored request (independent of the index the layers read).
fn stored(server: &TestApp) -> Vec<ServiceRequest> {
    let mut all = Vec::new();
    server.city.store.for_each(|r| all.push(r)).unwrap();
    all
}

fn newest(all: &[ServiceRequest]) -> i64 {
    all.iter()
        .filter_map(|r| r.requested_datetime.map(|t| t.timestamp()))
        .max()
        .unwrap()
}

fn in_window(r: &ServiceRequest, start: i64, end: i64) -> bool {
    r.requested_datetime
        .map(|t| t.timestamp())
        .is_some_and(|t| t >= start && t <= end)
}

async fn get(server: &TestApp, path: &str) -> (u16, Value) {
    let reply = server.get(path).await;
    (reply.status.as_u16(), reply.json())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layers_match_independent_counts_of_the_demo_city() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let all = stored(&server);
    let newest = newest(&all);

    // Catalog: every type with its count; counts add up to everything stored.
    let (status, layers) = get(&server, "/api/v1/layers").await;
    assert_eq!(status, 200);
    let types = layers["types"].as_array().unwrap();
    let sum: u64 = types.iter().map(|t| t["count"].as_u64().unwrap()).sum();
    assert_eq!(sum as usize, all.len());
    assert_eq!(layers["total"].as_u64().unwrap() as usize, all.len());
    let streetlights = all
        .iter()
        .filter(|r| r.service_code == "streetlight")
        .count();
    let entry = types.iter().find(|t| t["code"] == "streetlight").unwrap();
    assert_eq!(entry["count"].as_u64().unwrap() as usize, streetlights);
    assert!(entry["sla_days"].as_f64().unwrap() > 0.0);
    assert_eq!(layers["boundaries"].as_array().unwrap().len(), 5);
    assert!(layers["methods"].as_array().unwrap().len() >= 3);

    // Street centerlines for the base map: the config's file as it is.
    let (status, streets) = get(&server, "/api/v1/streets.geojson").await;
    assert_eq!(status, 200);
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(hotspot::config::bundled("fixtures/demo/streets.geojson"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        streets["features"].as_array().unwrap().len(),
        file["features"].as_array().unwrap().len()
    );
    assert_eq!(layers["city"]["streets"], true);

    // Points: the default window is the 90 days ending at the newest request.
    let (status, points) = get(
        &server,
        "/api/v1/requests.geojson?type=streetlight&limit=50",
    )
    .await;
    assert_eq!(status, 200, "{points}");
    let expected = all
        .iter()
        .filter(|r| r.service_code == "streetlight" && in_window(r, newest - 90 * DAY, newest))
        .count();
    assert_eq!(points["total"].as_u64().unwrap() as usize, expected);
    let features = points["features"].as_array().unwrap();
    assert_eq!(features.len(), 50.min(expected));
    let dates: Vec<&str> = features
        .iter()
        .map(|f| f["properties"]["requested_datetime"].as_str().unwrap())
        .collect();
    let parsed: Vec<DateTime<Utc>> = dates
        .iter()
        .map(|d| DateTime::parse_from_rfc3339(d).unwrap().to_utc())
        .collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let coords = &features[0]["geometry"]["coordinates"];
    let lon = coords[0].as_f64().unwrap();
    assert!((-75.5..-75.3).contains(&lon), "lon first: {coords}");
    assert_eq!(lon, (lon * 1e6).round() / 1e6, "6 decimals");

    // Page 2 continues page 1 without overlap.
    let (_, page2) = get(
        &server,
        "/api/v1/requests.geojson?type=streetlight&limit=50&page=2",
    )
    .await;
    let first_ids: Vec<&Value> = features
        .iter()
        .map(|f| &f["properties"]["service_request_id"])
        .collect();
    for f in page2["features"].as_array().unwrap() {
        assert!(!first_ids.contains(&&f["properties"]["service_request_id"]));
    }

    // Open requests in a box, in an explicit window.
    let bbox = [-75.42, 39.96, -75.38, 40.0];
    let url = format!(
        "/api/v1/requests.geojson?status=open&bbox={},{},{},{}&start=2026-01-01&end=2026-06-30&limit=10000",
        bbox[0], bbox[1], bbox[2], bbox[3]
    );
    let (status, boxed) = get(&server, &url).await;
    assert_eq!(status, 200, "{boxed}");
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap()
        .timestamp();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 6, 30)
        .unwrap()
        .and_hms_opt(23, 59, 59)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap()
        .timestamp();
    let expected = all
        .iter()
        .filter(|r| {
            r.status == Status::Open
                && in_window(r, start, end)
                && (bbox[0]..=bbox[2]).contains(&r.lon)
                && (bbox[1]..=bbox[3]).contains(&r.lat)
        })
        .count();
    assert!(expected > 0);
    assert_eq!(boxed["total"].as_u64().unwrap() as usize, expected);

    // Hex bins: counts per res-8 cell equal an independent aggregation.
    let (status, hex) = get(
        &server,
        "/api/v1/hexbins.geojson?type=illegal_dumping&res=8&days=365",
    )
    .await;
    assert_eq!(status, 200, "{hex}");
    let mut independent: HashMap<String, u64> = HashMap::new();
    for r in all
        .iter()
        .filter(|r| r.service_code == "illegal_dumping" && in_window(r, newest - 365 * DAY, newest))
    {
        let cell = h3o::LatLng::new(r.lat, r.lon)
            .unwrap()
            .to_cell(h3o::Resolution::Eight);
        *independent.entry(cell.to_string()).or_default() += 1;
    }
    let served: HashMap<String, u64> = hex["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["h3"].as_str().unwrap().to_string(),
                f["properties"]["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(served, independent);
    let ring = hex["features"][0]["geometry"]["coordinates"][0]
        .as_array()
        .unwrap();
    assert_eq!(ring.first(), ring.last(), "closed ring");
    assert!(signed_area(ring) > 0.0, "counter-clockwise exterior");

    // Choropleth: per-district counts equal the districts stored with each request.
    let (status, districts) = get(
        &server,
        "/api/v1/boundaries/council_districts.geojson?days=all",
    )
    .await;
    assert_eq!(status, 200, "{districts}");
    let mut by_district: HashMap<String, (u64, u64)> = HashMap::new();
    let as_of = newest;
    for r in &all {
        if let Some(d) = r.districts.get("council_districts") {
            let e = by_district.entry(d.clone()).or_default();
            e.0 += 1;
            if r.status == Status::Open
                && r.expected_datetime.is_some_and(|t| t.timestamp() < as_of)
            {
                e.1 += 1;
            }
        }
    }
    for f in districts["features"].as_array().unwrap() {
        let p = &f["properties"];
        let id = p["id"].as_str().unwrap();
        let (count, overdue) = by_district.get(id).copied().unwrap_or_default();
        assert_eq!(p["count"].as_u64().unwrap(), count, "district {id}");
        assert_eq!(p["overdue"].as_u64().unwrap(), overdue, "district {id}");
        let density = count as f64 / p["area_km2"].as_f64().unwrap();
        assert!((p["per_km2"].as_f64().unwrap() - density).abs() / density < 1e-4);
    }
}

/// Shoelace area of a lon/lat ring (positive when counter-clockwise).
fn signed_area(ring: &[Value]) -> f64 {
    ring.windows(2)
        .map(|w| {
            let (x0, y0) = (w[0][0].as_f64().unwrap(), w[0][1].as_f64().unwrap());
            let (x1, y1) = (w[1][0].as_f64().unwrap(), w[1][1].as_f64().unwrap());
            x0 * y1 - x1 * y0
        })
        .sum::<f64>()
        / 2.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etags_compression_cors_and_fresh_data_after_a_post() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let url = "/api/v1/requests.geojson?type=pothole&start=2026-10-01&end=2026-12-31&limit=10000";

    let first = server.get(url).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.headers[header::CONTENT_TYPE], "application/geo+json");
    let etag = first.headers[header::ETAG].to_str().unwrap().to_string();
    let before: Value = first.json();

    let again = server
        .get_with(url, &[(header::IF_NONE_MATCH, &etag)])
        .await;
    assert_eq!(again.status, 304);

    let gz = server
        .get_with(url, &[(header::ACCEPT_ENCODING, "gzip")])
        .await;
    assert_eq!(gz.headers[header::CONTENT_ENCODING], "gzip");
    let br = server
        .get_with(url, &[(header::ACCEPT_ENCODING, "br")])
        .await;
    assert_eq!(br.headers[header::CONTENT_ENCODING], "br");

    let cors = server
        .get_with(url, &[(header::ORIGIN, "https://example.org")])
        .await;
    assert_eq!(cors.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let preflight = server
        .send(
            Method::OPTIONS,
            "/open311/v2/requests.json",
            &[
                (header::ORIGIN, "https://example.org"),
                (header::ACCESS_CONTROL_REQUEST_METHOD, "POST"),
            ],
            None,
        )
        .await;
    let allowed = preflight
        .headers
        .get(header::ACCESS_CONTROL_ALLOW_METHODS)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        !allowed.contains("POST"),
        "writes are not cross-origin: {allowed}"
    );

    // A pothole posted now shows up within the refresh time, with a new ETag.
    let form = [
        ("api_key", common::DEMO_KEY),
        ("service_code", "pothole"),
        ("lat", "39.98"),
        ("long", "-75.40"),
        ("description", "Deep pothole"),
    ];
    let posted = server.post_form("/open311/v2/requests.json", &form).await;
    assert_eq!(posted.status, 201);
    let posted: Value = posted.json();
    let id = posted[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Layers may lag writes by the config's `layer_refresh_ms` (default 1 s): the new
    // request is drawn within that, never later.
    let posted_at = std::time::Instant::now();
    let after = loop {
        let after = server
            .get_with(url, &[(header::IF_NONE_MATCH, &etag)])
            .await;
        if after.status == 200 {
            break after;
        }
        assert_eq!(after.status, 304);
        assert!(
            posted_at.elapsed() < std::time::Duration::from_millis(1_500),
            "the layer still misses the new request after {:?}",
            posted_at.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let after: Value = after.json();
    assert_eq!(
        after["total"].as_u64().unwrap(),
        before["total"].as_u64().unwrap() + 1
    );
    assert!(after["features"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["properties"]["service_request_id"] == id.as_str()));
    let (_, hex) = get(
        &server,
        "/api/v1/hexbins.geojson?type=pothole&start=2026-10-01&end=2026-12-31",
    )
    .await;
    let hex_total: u64 = hex["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(hex_total, after["total"].as_u64().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_layer_parameters_are_named_in_a_400() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::app(dir.path());
    let cases: &[(&str, &str)] = &[
        ("/api/v1/requests.geojson?bbox=1,2,3", "bbox"),
        ("/api/v1/requests.geojson?bbox=a,b,c,d", "bbox"),
        (
            "/api/v1/requests.geojson?bbox=-87.6,41.9,-87.7,41.8",
            "bbox",
        ),
        ("/api/v1/requests.geojson?start=yesterday", "start"),
        (
            "/api/v1/requests.geojson?start=2026-03-01&end=2026-02-01",
            "end",
        ),
        ("/api/v1/requests.geojson?status=pending", "status"),
        ("/api/v1/requests.geojson?days=0", "days"),
        ("/api/v1/requests.geojson?days=1e999", "days"),
        ("/api/v1/requests.geojson?limit=1000000000", "limit"),
        ("/api/v1/requests.geojson?page=0", "page"),
        ("/api/v1/requests.geojson?type=unicorn%20sighting", "type"),
        ("/api/v1/requests.geojson?colour=red", "colour"),
        (
            "/api/v1/requests.geojson?status=open&status=closed",
            "status",
        ),
        ("/api/v1/hexbins.geojson?res=99", "res"),
        ("/api/v1/hexbins.geojson?res=-1", "res"),
        ("/api/v1/hexbins.geojson?res=NaN", "res"),
        ("/api/v1/hexbins.geojson?days=-3", "days"),
        ("/api/v1/layers?x=1", "x"),
    ];
    for (path, parameter) in cases {
        let (status, body) = get(&server, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["parameter"], *parameter, "{path}: {body}");
        assert!(!body["error"].as_str().unwrap().is_empty());
    }
    let (status, body) = get(&server, "/api/v1/boundaries/no_such_layer.geojson").await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = get(&server, "/api/v1/streets.geojson").await;
    assert_eq!(status, 404, "a city without a streets file: {body}");
    assert_eq!(server.city.store.count().unwrap(), 0, "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_spot_layers_rank_areas_and_export_the_work_list() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let all = stored(&server);
    let newest = newest(&all);
    let by_id: HashMap<&str, &ServiceRequest> = all
        .iter()
        .map(|r| (r.service_request_id.as_str(), r))
        .collect();

    // Gi*: every selected request is in exactly one cell; regions come ranked.
    let (status, gi) = get(
        &server,
        "/api/v1/hotspots.geojson?type=streetlight&days=365",
    )
    .await;
    assert_eq!(status, 200, "{gi}");
    let features = gi["features"].as_array().unwrap();
    let cell_total: u64 = features
        .iter()
        .filter(|f| f["properties"]["kind"] == "cell")
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    let selected = all
        .iter()
        .filter(|r| r.service_code == "streetlight" && in_window(r, newest - 365 * DAY, newest))
        .count();
    assert_eq!(cell_total as usize, selected);
    let ranks: Vec<u64> = features
        .iter()
        .filter(|f| f["properties"]["kind"] == "hot_region")
        .map(|f| f["properties"]["rank"].as_u64().unwrap())
        .collect();
    assert!(
        !ranks.is_empty(),
        "the demo's planted street-light hot spots"
    );
    assert_eq!(ranks, (1..=ranks.len() as u64).collect::<Vec<_>>());
    let top = &features[0]["properties"];
    assert_eq!(top["kind"], "hot_region");
    assert!(top["count"].as_u64().unwrap() >= top["open"].as_u64().unwrap());
    assert!(!top["priority_reason"].as_str().unwrap().is_empty());
    assert_eq!(gi["parameters"]["res_rule"], "auto");

    // A viewport keeps only the features it touches; the statistics do not change.
    let (_, clipped) = get(
        &server,
        "/api/v1/hotspots.geojson?type=streetlight&days=365&bbox=-75.40,39.95,-75.37,39.98",
    )
    .await;
    let kept = clipped["features"].as_array().unwrap();
    assert!(kept.len() < features.len());
    for f in kept.iter().filter(|f| f["properties"]["kind"] == "cell") {
        let same = features
            .iter()
            .find(|g| g["properties"]["h3"] == f["properties"]["h3"])
            .unwrap();
        assert_eq!(same["properties"]["z"], f["properties"]["z"]);
    }

    // The work list: open requests of the ranked areas, in rank order.
    let response = server
        .get("/api/v1/worklist.csv?type=streetlight&days=365")
        .await;
    assert_eq!(response.status, 200);
    assert!(response.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let csv = response.text();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        hotspot::hotspots::WORK_LIST_COLUMNS.join(",")
    );
    let mut last_rank = 0;
    let mut rows = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let rank: usize = fields[0].parse().unwrap();
        assert!(rank >= last_rank, "rank order");
        last_rank = rank;
        let r = by_id[fields[2]];
        assert_eq!(r.status, Status::Open, "{line}");
        assert_eq!(r.service_code, "streetlight");
        rows += 1;
    }
    let open_in_regions: u64 = features
        .iter()
        .filter(|f| f["properties"]["kind"] == "hot_region")
        .map(|f| f["properties"]["open"].as_u64().unwrap())
        .sum();
    assert_eq!(rows as u64, open_in_regions);

    // DBSCAN clusters and repeat addresses.
    let (status, db) = get(&server, "/api/v1/hotspots.geojson?type=illegal_dumping&days=365&method=dbscan&eps_m=120&min_points=6",
    )
    .await;
    assert_eq!(status, 200, "{db}");
    assert_eq!(db["parameters"]["eps_m"], 120.0);
    let clustered: u64 = db["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    assert!(clustered > 0);
    let (status, rep) = get(&server, "/api/v1/repeats.geojson?type=vacant_property,illegal_dumping,graffiti&days=all&min_requests=4",
    )
    .await;
    assert_eq!(status, 200, "{rep}");
    let first = &rep["features"][0]["properties"];
    assert_eq!(first["kind"], "repeat");
    assert!(first["count"].as_u64().unwrap() >= 4);
    assert!(first["distinct_types"].as_u64().unwrap() >= 2, "{first}");

    // Too few requests: an empty layer that says why, not an error.
    let (status, few) = get(
        &server,
        "/api/v1/hotspots.geojson?type=heat&start=2026-07-01&end=2026-07-02",
    )
    .await;
    assert_eq!(status, 200, "{few}");
    assert!(few["features"].as_array().unwrap().is_empty());
    assert!(
        few["notice"].as_str().unwrap().contains("at least 30"),
        "{few}"
    );
}
