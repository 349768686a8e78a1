//! Downloads for GIS clients: every feature layer as a GeoPackage (read back by GDAL's
//! `ogrinfo`), byte ranges of large layers over HTTP (and GDAL reading one through
//! `/vsicurl/`), and `hotspot hotspots --format gpkg`.

mod common;

use std::path::Path;
use std::process::Command;

use axum::http::{header, StatusCode};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// What `ogrinfo -so -al` says of a source's (only) layer.
#[derive(Debug)]
struct Summary {
    layer: String,
    count: usize,
    geometry: String,
    text: String,
}

/// `ogrinfo -so -al source`; panics when GDAL fails or warns.
fn ogrinfo(source: &str) -> Summary {
    let out = Command::new("ogrinfo")
        .args(["-so", "-al", source])
        .output()
        .expect("running ogrinfo");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ogrinfo {source}: {err}\n{text}");
    assert!(
        !err.contains("Warning") && !err.contains("ERROR"),
        "ogrinfo {source} complains: {err}"
    );
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .trim()
            .to_string()
    };
    Summary {
        layer: field("Layer name:"),
        count: field("Feature Count:").parse().unwrap(),
        geometry: field("Geometry:"),
        text,
    }
}

/// A Python that runs GDAL's GeoPackage validator (`validate_gpkg.py` of python3-gdal, which
/// Debian's gdal-bin brings); missing only when GDAL is (see [`common::require_gdal`]).
fn gpkg_validator() -> Option<&'static str> {
    let found = ["/usr/bin/python3", "python3"].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import osgeo_utils.samples.validate_gpkg"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() && std::env::var_os("HOTSPOT_REQUIRE_GDAL").is_some() {
        panic!("HOTSPOT_REQUIRE_GDAL: GDAL's validate_gpkg.py (python3-gdal) is not installed");
    }
    found
}

/// GDAL's validator finds nothing against the GeoPackage 1.3 requirements in `file`.
fn assert_valid_geopackage(file: &Path) {
    let Some(python) = gpkg_validator() else {
        eprintln!("SKIPPED validate_gpkg.py: python3-gdal is not installed");
        return;
    };
    let out = Command::new(python)
        .args(["-m", "osgeo_utils.samples.validate_gpkg"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "validate_gpkg {}: {}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// GDAL's reading of a GeoPackage (`ogr2ogr -f GeoJSON`) holds `geojson`'s features, in
/// order: the same geometries and property values (datetimes as the same instant in UTC,
/// nested values as their JSON text, doubles to 16 digits).
fn assert_gdal_reads_the_same_features(file: &Path, geojson: &Value) {
    let out = Command::new("ogr2ogr")
        .args(["-f", "GeoJSON", "/vsistdout/"])
        .arg(file)
        .output()
        .expect("running ogr2ogr");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (ours, theirs) = (
        geojson["features"].as_array().unwrap(),
        read["features"].as_array().unwrap(),
    );
    assert_eq!(ours.len(), theirs.len());
    for (a, b) in ours.iter().zip(theirs) {
        assert_eq!(a["geometry"], b["geometry"], "{}", a["id"]);
        for (key, value) in a["properties"].as_object().unwrap() {
            let got = &b["properties"][key];
            let same = match value {
                // GDAL may hand JSON text on as JSON
                Value::Object(_) | Value::Array(_) => {
                    got == value
                        || got.as_str().and_then(|t| serde_json::from_str(t).ok())
                            == Some(value.clone())
                }
                Value::String(t) => match chrono::DateTime::parse_from_rfc3339(t) {
                    Ok(when) => {
                        got.as_str()
                            .and_then(|g| chrono::DateTime::parse_from_rfc3339(g).ok())
                            == Some(when)
                    }
                    Err(_) => got == value,
                },
                // GDAL prints doubles with 16 significant digits
                Value::Number(n) if n.is_f64() => got
                    .as_f64()
                    .is_some_and(|g| (g - n.as_f64().unwrap()).abs() <= 1e-12 * g.abs().max(1.0)),
                _ => got == value,
            };
            assert!(same, "{} {key}: {value} read as {got}", a["id"]);
        }
    }
}

fn features(geojson: &Value) -> usize {
    geojson["features"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layer_downloads_as_a_geopackage_that_gdal_reads() {
    if !common::require_gdal("every_layer_downloads_as_a_geopackage_that_gdal_reads") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = common::demo_app(dir.path());
    let files = tempfile::tempdir().unwrap();
    // (path without extension, query, GeoPackage layer name, GDAL's geometry type)
    let layers = [
        ("requests", "type=pothole&days=30", "requests", "Point"),
        ("hexbins", "res=8", "hexbins", "Polygon"),
        ("hotspots", "", "hotspots_gistar", "Multi Polygon"),
        (
            "hotspots",
            "method=dbscan&bbox=-75.45,39.95,-75.35,40.05",
            "hotspots_dbscan",
            "Multi Polygon",
        ),
        ("repeats", "days=all", "repeats", "Point"),
        (
            "boundaries/council_districts",
            "status=open",
            "council_districts",
            "Multi Polygon",
        ),
    ];
    for (path, query, name, geometry) in layers {
        let geojson = app.get(&format!("/api/v1/{path}.geojson?{query}")).await;
        assert_eq!(geojson.status, StatusCode::OK, "{path}: {}", geojson.text());
        let expected = features(&geojson.json());
        assert!(expected > 0, "{path}?{query} has no features");
        let gpkg = app.get(&format!("/api/v1/{path}.gpkg?{query}")).await;
        assert_eq!(gpkg.status, StatusCode::OK, "{path}: {}", gpkg.text());
        assert_eq!(
            gpkg.headers[header::CONTENT_TYPE],
            "application/geopackage+sqlite3"
        );
        assert_eq!(
            gpkg.headers[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"{name}.gpkg\"").as_str()
        );
        assert_eq!(&gpkg.body[..16], b"SQLite format 3\0");
        let file = files.path().join(format!("{name}.gpkg"));
        std::fs::write(&file, &gpkg.body).unwrap();
        let summary = ogrinfo(file.to_str().unwrap());
        assert!(
            summary.text.contains("using driver `GPKG'"),
            "{}",
            summary.text
        );
        assert_eq!(summary.layer, name);
        assert_eq!(summary.count, expected, "{path}?{query}");
        assert_eq!(summary.geometry, geometry, "{path}");
        assert!(summary.text.contains("EPSG\",4326"), "{}", summary.text);
        assert_gdal_reads_the_same_features(&file, &geojson.json());
        assert_valid_geopackage(&file);
    }
    // the request points' properties keep their types
    let file = files.path().join("requests.gpkg");
    let text = ogrinfo(file.to_str().unwrap()).text;
    for field in [
        "service_request_id: String",
        "requested_datetime: DateTime",
        "overdue: Integer(Boolean)",
    ] {
        assert!(text.contains(field), "{field} in {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geopackage_routes_refuse_bad_parameters_like_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::demo_app(dir.path());
    for (path, query) in [
        ("requests", "days=0"),
        ("requests", "limit=abc"),
        ("hexbins", "res=99"),
        ("hotspots", "method=kmeans"),
        ("repeats", "colour=red"),
        ("boundaries/council_districts", "bbox=1,2"),
    ] {
        let geojson = app.get(&format!("/api/v1/{path}.geojson?{query}")).await;
        let gpkg = app.get(&format!("/api/v1/{path}.gpkg?{query}")).await;
        assert_eq!(gpkg.status, StatusCode::BAD_REQUEST, "{path}?{query}");
        assert_eq!(gpkg.json(), geojson.json(), "{path}?{query}");
    }
    for path in [
        "boundaries/nowhere.gpkg",
        "boundaries/council_districts.shp",
    ] {
        let reply = app.get(&format!("/api/v1/{path}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
}

/// `GET url` with `headers`: (status, headers, body).
async fn get(
    http: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, HeaderMap, Vec<u8>) {
    let mut request = http.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    let headers = reply.headers().clone();
    (status, headers, reply.bytes().await.unwrap().to_vec())
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map_or("", |v| v.to_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_layers_answer_byte_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start_demo(dir.path()).await;
    let http = reqwest::Client::new();
    for path in [
        "/api/v1/requests.geojson?days=all&limit=10000",
        "/api/v1/hexbins.gpkg?res=9&days=all",
    ] {
        let url = server.url(path);
        let identity = [("accept-encoding", "identity")];
        let (status, headers, full) = get(&http, &url, &identity).await;
        assert_eq!(status, 200);
        assert_eq!(text(&headers, "accept-ranges"), "bytes");
        let len = full.len();
        assert!(len > 150_000, "{path}: {len} bytes");
        let etag = text(&headers, "etag").to_string();
        assert!(etag.starts_with('"'), "{etag}");

        // one range, also when the client accepts gzip: the identity bytes, never encoded
        let cases = [
            ("bytes=100-199".to_string(), 100, 199),
            ("bytes=-50".to_string(), len - 50, len - 1),
            (format!("bytes={}-", len - 10), len - 10, len - 1),
            (format!("bytes={}-{}", len - 5, len + 100), len - 5, len - 1),
        ];
        for (range, start, end) in cases {
            let asked = [("range", range.as_str()), ("accept-encoding", "gzip, br")];
            let (status, headers, part) = get(&http, &url, &asked).await;
            assert_eq!(status, 206, "{path} {range}");
            assert_eq!(
                text(&headers, "content-range"),
                format!("bytes {start}-{end}/{len}")
            );
            assert_eq!(text(&headers, "content-encoding"), "");
            assert_eq!(text(&headers, "etag"), etag);
            assert_eq!(part, full[start..=end], "{path} {range}");
        }

        // past the end: 416 with the length
        let past = format!("bytes={len}-");
        let (status, headers, _) = get(&http, &url, &[("range", &past)]).await;
        assert_eq!(status, 416);
        assert_eq!(text(&headers, "content-range"), format!("bytes */{len}"));

        // If-Range: the strong tag gets the range, another tag (or the weak one) everything
        let (status, _, part) = get(
            &http,
            &url,
            &[("range", "bytes=0-9"), ("if-range", etag.as_str())],
        )
        .await;
        assert_eq!((status, part.as_slice()), (206, &full[..10]));
        let weak = format!("W/{etag}");
        for other in ["\"stale\"", weak.as_str()] {
            let (status, _, body) =
                get(&http, &url, &[("range", "bytes=0-9"), ("if-range", other)]).await;
            assert_eq!((status, body.len()), (200, len), "If-Range {other}");
        }

        // several ranges or a malformed one: the whole body
        for range in ["bytes=0-9,20-29", "bytes=9-0", "lines=1-2"] {
            let (status, _, body) = get(&http, &url, &[("range", range)]).await;
            assert_eq!((status, body.len()), (200, len), "{range}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_reads_a_large_layer_through_vsicurl() {
    if !common::require_gdal("gdal_reads_a_large_layer_through_vsicurl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = common::start_demo(dir.path()).await;
    let query = "/api/v1/requests.geojson?days=all&limit=10000";
    let geojson: Value = reqwest::get(server.url(query))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = format!("/vsicurl/{}", server.url(query));
    let expected = features(&geojson);
    let summary = tokio::task::spawn_blocking(move || ogrinfo(&url))
        .await
        .unwrap();
    assert_eq!(summary.count, expected);
    assert_eq!(summary.geometry, "Point");
    // a name ending in .gpkg, as GDAL expects of a GeoPackage
    let gpkg = format!("/vsicurl/{}", server.url("/api/v1/hexbins.gpkg"));
    let summary = tokio::task::spawn_blocking(move || ogrinfo(&gpkg))
        .await
        .unwrap();
    assert_eq!(
        (summary.layer.as_str(), summary.geometry.as_str()),
        ("hexbins", "Polygon")
    );
}

#[test]
fn cli_writes_a_geopackage_to_a_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("requests.csv");
    std::fs::write(&input, common::corner_csv()).unwrap();
    let input = input.to_str().unwrap();
    let args = |format: &str| {
        [
            "hotspots",
            "--input",
            input,
            "--method",
            "dbscan",
            "--eps-m",
            "50",
            "--min-points",
            "5",
            "--format",
            format,
        ]
        .map(String::from)
        .to_vec()
    };
    let run = |extra: Vec<String>| {
        let args: Vec<&str> = extra.iter().map(String::as_str).collect();
        common::run_hotspot(&args)
    };
    let (ok, out, err) = run(args("gpkg"));
    assert!(!ok && out.is_empty());
    assert!(err.contains("--output"), "{err}");

    let gpkg = dir.path().join("clusters.gpkg");
    let geojson = dir.path().join("clusters.geojson");
    for (format, file) in [("gpkg", &gpkg), ("geojson", &geojson)] {
        let mut a = args(format);
        a.extend(["--output".into(), file.to_str().unwrap().into()]);
        let (ok, out, err) = run(a);
        assert!(ok, "{err}");
        assert!(out.is_empty(), "{out}");
    }
    let written: Value = serde_json::from_slice(&std::fs::read(&geojson).unwrap()).unwrap();
    assert_eq!(features(&written), 1);
    assert!(Path::new(&gpkg).is_file());
    if common::require_gdal("cli_writes_a_geopackage_to_a_file_only") {
        let summary = ogrinfo(gpkg.to_str().unwrap());
        assert_eq!(summary.layer, "hotspots_dbscan");
        assert_eq!(summary.count, 1);
        assert_eq!(summary.geometry, "Multi Polygon");
        assert_valid_geopackage(&gpkg);
    }
}
