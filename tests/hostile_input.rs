//! A corpus of hostile and malformed input across every way data gets in: Open311 POST, GET
//! filters, layer parameters, static paths, CSV imports and boundary files. Every case must
//! get a clear 4xx (or a rejected-row report / load error) naming the field and the reason:
//! never a panic, a 500, or a change to stored data. HTTP cases call the router in-process;
//! the huge bodies are also sent over a socket, where the 413 comes mid-upload.

mod common;

use std::io::Write;

use hotspot::boundaries::BoundaryLayer;
use hotspot::city::City;
use hotspot::config::Config;
use hotspot::import::{import_file, ImportOptions};

/// An HTTP case: name, method, path, content type, body, expected status, text the answer
/// must contain (the field or parameter named).
struct Case {
    name: &'static str,
    post: bool,
    path: String,
    content_type: &'static str,
    body: Vec<u8>,
    status: u16,
    names: &'static str,
}

const FORM: &str = "application/x-www-form-urlencoded";
const POST: &str = "/open311/v2/requests.json";

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(pairs).unwrap().into_bytes()
}

/// A valid POST with `field` replaced by `value` (or removed when `value` is None).
fn post_with(field: &str, value: Option<&str>) -> Vec<u8> {
    let base = common::valid_post();
    let mut pairs: Vec<(&str, &str)> = base
        .iter()
        .filter(|(k, _)| *k != field)
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    if let Some(v) = value {
        pairs.push((field, v));
    }
    form(&pairs)
}

fn post(name: &'static str, body: Vec<u8>, status: u16, names: &'static str) -> Case {
    Case {
        name,
        post: true,
        path: POST.into(),
        content_type: FORM,
        body,
        status,
        names,
    }
}

fn get(name: &'static str, path: &str, status: u16, names: &'static str) -> Case {
    Case {
        name,
        post: false,
        path: path.into(),
        content_type: "",
        body: Vec::new(),
        status,
        names,
    }
}

fn http_cases() -> Vec<Case> {
    let mut bad_utf8 = post_with("description", None);
    bad_utf8.extend_from_slice(b"&description=caf%FF%FE");
    let mut cases = vec![
        // Open311 POST
        post("missing service_code", post_with("service_code", None), 400, "service_code"),
        post("empty service_code", post_with("service_code", Some("")), 400, "service_code"),
        post("unknown service_code", post_with("service_code", Some("ufo_sighting")), 404, "service_code"),
        post("service_code injection", post_with("service_code", Some("streetlight' OR 1=1 --")), 404, "service_code"),
        post("lat 91", post_with("lat", Some("91")), 400, "lat"),
        post("lat -90.5", post_with("lat", Some("-90.5")), 400, "lat"),
        post("long 181", post_with("long", Some("181")), 400, "long"),
        post("lat NaN", post_with("lat", Some("NaN")), 400, "lat"),
        post("lat inf", post_with("lat", Some("inf")), 400, "lat"),
        post("long 1e999", post_with("long", Some("1e999")), 400, "long"),
        post("lat empty", post_with("lat", Some("")), 400, "lat"),
        post("lat hex", post_with("lat", Some("0x29")), 400, "lat"),
        post("lat with comma", post_with("lat", Some("41,8781")), 400, "lat"),
        post("no location at all", form(&[("api_key", common::API_KEY), ("service_code", "streetlight")]), 400, "lat"),
        post("outside the city", post_with("lat", Some("40.7")), 400, "lat"),
        post("missing api_key", post_with("api_key", None), 403, "api_key"),
        post("empty api_key", post_with("api_key", Some("")), 403, "api_key"),
        post("wrong api_key", post_with("api_key", Some("test-key-123457")), 403, "api_key"),
        post("duplicate service_code", {
            let mut b = post_with("service_code", Some("streetlight"));
            b.extend_from_slice(b"&service_code=pothole");
            b
        }, 400, "service_code"),
        post("attribute injection", post_with("attribute[<script>]", Some("x")), 400, "attribute"),
        post("description too long", post_with("description", Some(&"x".repeat(5_000))), 400, "description"),
        post("NUL in description", post_with("description", Some("a\0b")), 400, "description"),
        post("media_url javascript", post_with("media_url", Some("javascript:alert(1)")), 400, "media_url"),
        post("email not an address", post_with("email", Some("not-an-email")), 400, "email"),
        post("bad UTF-8", bad_utf8, 400, "UTF-8"),
        post("10 MB body", {
            let mut b = post_with("description", None);
            b.extend_from_slice(b"&description=");
            b.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
            b
        }, 413, "bytes"),
        Case { content_type: "text/plain", ..post("wrong content type", post_with("lat", Some("41.88")), 415, "content-type") },
        Case { content_type: "application/xml", ..post("xml body", b"<request/>".to_vec(), 415, "content-type") },
        Case { content_type: "application/json", ..post("broken JSON", b"{\"service_code\": ".to_vec(), 400, "JSON") },
        Case { content_type: "application/json", ..post("JSON array", b"[1,2,3]".to_vec(), 400, "JSON") },
        Case { content_type: "application/json", ..post("JSON nested value", br#"{"api_key":"test-key-123456","service_code":{"a":1},"lat":41.88,"long":-87.63}"#.to_vec(), 400, "service_code") },
        // Open311 GET filters
        get("start_date not a date", "/open311/v2/requests.json?start_date=yesterday", 400, "start_date"),
        get("end_date Feb 30", "/open311/v2/requests.json?end_date=2026-02-30", 400, "end_date"),
        get("reversed range", "/open311/v2/requests.json?start_date=2026-03-01&end_date=2026-02-01", 400, "end_date"),
        get("bbox with 3 numbers", "/open311/v2/requests.json?bbox=1,2,3", 400, "bbox"),
        get("bbox NaN", "/open311/v2/requests.json?bbox=NaN,1,2,3", 400, "bbox"),
        get("page_size 10^9", "/open311/v2/requests.json?page_size=1000000000", 400, "page_size"),
        get("page 0", "/open311/v2/requests.json?page=0", 400, "page"),
        get("page negative", "/open311/v2/requests.json?page=-1", 400, "page"),
        get("status unknown", "/open311/v2/requests.json?status=pending", 400, "status"),
        get("duplicate status", "/open311/v2/requests.json?status=open&status=closed", 400, "status"),
        get("other format", "/open311/v2/requests/HS-000001.csv", 404, "NAME.json or NAME.xml"),
        get("unknown request id", "/open311/v2/requests/HS-999999.json", 404, "HS-999999"),
        get("unknown service", "/open311/v2/services/ufo.json", 404, "ufo"),
        // Layer parameters
        get("res 99", "/api/v1/hexbins.geojson?res=99", 400, "res"),
        get("res text", "/api/v1/hexbins.geojson?res=nine", 400, "res"),
        get("eps_m -1", "/api/v1/hotspots.geojson?method=dbscan&eps_m=-1", 400, "eps_m"),
        get("min_points 0", "/api/v1/hotspots.geojson?method=dbscan&min_points=0", 400, "min_points"),
        get("k 99", "/api/v1/hotspots.geojson?method=gistar&k=99", 400, "k"),
        get("unknown method", "/api/v1/hotspots.geojson?method=kriging", 400, "method"),
        get("unknown type", "/api/v1/hexbins.geojson?type=unicorns", 400, "type"),
        get("days 0", "/api/v1/requests.geojson?days=0", 400, "days"),
        get("limit huge", "/api/v1/requests.geojson?limit=99999999999", 400, "limit"),
        get("reversed bbox", "/api/v1/requests.geojson?bbox=10,10,0,0", 400, "bbox"),
        get("unknown parameter", "/api/v1/hexbins.geojson?colour=red", 400, "colour"),
        get("script in parameter", "/api/v1/hexbins.geojson?type=%3Cscript%3E", 400, "type"),
        get("unknown boundary layer", "/api/v1/boundaries/..%2F..%2Fetc%2Fpasswd.geojson", 404, "boundary layer"),
        // Static files: no way out of web/
        get("dot-dot", "/../Cargo.toml", 404, "no such"),
        get("encoded dot-dot", "/%2e%2e/Cargo.toml", 404, "no such"),
        get("encoded slash dot-dot", "/js/..%2f..%2fCargo.toml", 404, "no such"),
        get("double encoded", "/%252e%252e/Cargo.toml", 404, "no such"),
        get("vendor dot-dot", "/vendor/maplibre-gl/..%2f..%2f..%2fpackage.json", 404, "no such"),
        get("backslash", "/..%5c..%5cCargo.toml", 404, "no such"),
    ];
    cases.retain(|c| !c.name.is_empty());
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_http_input_gets_a_clear_4xx_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::app(dir.path());
    // One accepted request, so "nothing changed" has something to keep.
    let ok = server.post_form(POST, &common::valid_post()).await;
    assert_eq!(ok.status, 201);
    let cases = http_cases();
    for case in &cases {
        let reply = if case.post {
            server
                .post_raw(&case.path, case.content_type, case.body.clone())
                .await
        } else {
            server.get(&case.path).await
        };
        let (status, text) = (reply.status.as_u16(), reply.text());
        assert_eq!(status, case.status, "{}: {text}", case.name);
        assert!(
            text.to_lowercase().contains(&case.names.to_lowercase()),
            "{}: the answer should name {:?}: {text}",
            case.name,
            case.names
        );
    }
    // A body too large whose length is not declared (no Content-Length): refused while
    // reading it rather than up front.
    let mut undeclared = post_with("description", None);
    undeclared.extend_from_slice(b"&description=");
    undeclared.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    let request = axum::http::Request::post(POST)
        .header("content-type", FORM)
        .body(axum::body::Body::from(undeclared))
        .unwrap();
    let reply = server.request(request).await;
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert!(reply.text().contains("bytes"), "{}", reply.text());
    assert_eq!(server.city.store.count().unwrap(), 1, "nothing else stored");
    println!(
        "{} hostile HTTP cases answered with a clear 4xx",
        cases.len()
    );
}

/// The huge bodies of [`http_cases`] over a real socket: the server answers 413 while the
/// client is still uploading (or closes and answers a client that sends only the headers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_body_over_a_socket_is_refused_mid_upload() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    let http = reqwest::Client::new();
    let huge: Vec<Case> = http_cases()
        .into_iter()
        .filter(|c| c.body.len() > hotspot::api::MAX_BODY_BYTES)
        .collect();
    assert!(!huge.is_empty());
    for case in &huge {
        let request = http
            .post(server.url(&case.path))
            .header("content-type", case.content_type)
            .body(case.body.clone());
        let (status, text) = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.text().await {
                    Ok(text) if !text.is_empty() => (status, text),
                    // the answer's head arrived but its body was cut off with the upload
                    _ => raw_headers_only(server.addr, &case.path, case.body.len())
                        .await
                        .unwrap_or((status, String::new())),
                }
            }
            // The server may answer a huge body's headers (413) and close while the client
            // is still writing it: ask again the way such a client would see the answer.
            Err(e) => raw_headers_only(server.addr, &case.path, case.body.len())
                .await
                .unwrap_or_else(|| panic!("{}: {e}", case.name)),
        };
        assert_eq!(status, case.status, "{}: {text}", case.name);
        assert!(
            text.to_lowercase().contains(&case.names.to_lowercase()),
            "{}: the answer should name {:?}: {text}",
            case.name,
            case.names
        );
    }
    assert_eq!(server.city.store.count().unwrap(), 0, "nothing stored");
}

/// Sends only the headers of a POST declaring `length` bytes and reads the answer.
async fn raw_headers_only(
    addr: std::net::SocketAddr,
    path: &str,
    length: usize,
) -> Option<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: {FORM}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut answer),
    )
    .await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, text))
}

/// CSV imports: broken rows are reported with line and field; good rows still import.
#[test]
fn hostile_csv_imports_are_reported_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(&common::test_config(dir.path())).unwrap();
    let app = City::open(config, dir.path()).unwrap();
    let header = "service_request_id,service_code,lat,lon,requested_datetime,description\n";
    let good = "g1,streetlight,41.88,-87.63,2026-01-01T10:00:00-06:00,fine\n";
    let huge = format!(
        "h1,streetlight,41.88,-87.63,2026-01-01,{}\n",
        "x".repeat(2_000_000)
    );
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "ragged row",
            format!("{header}{good}r1,streetlight,41.88\n").into_bytes(),
            "line: 3",
        ),
        (
            "bad quotes",
            format!("{header}{good}q1,streetlight,\"41.88,-87.63,2026-01-01,x\n").into_bytes(),
            "line: 3",
        ),
        (
            "latin-1 bytes",
            [
                header.as_bytes(),
                good.as_bytes(),
                b"l1,streetlight,41.88,-87.63,2026-01-01,caf\xe9\n",
            ]
            .concat(),
            "UTF-8",
        ),
        (
            "huge field",
            format!("{header}{good}{huge}").into_bytes(),
            "description",
        ),
        (
            "lat not a number",
            format!("{header}{good}n1,streetlight,north,-87.63,2026-01-01,x\n").into_bytes(),
            "lat",
        ),
        (
            "lat 91",
            format!("{header}{good}n2,streetlight,91,-87.63,2026-01-01,x\n").into_bytes(),
            "lat",
        ),
        (
            "bad date",
            format!("{header}{good}d1,streetlight,41.88,-87.63,31/02/2026,x\n").into_bytes(),
            "requested_datetime",
        ),
        (
            "NUL bytes",
            [
                header.as_bytes(),
                good.as_bytes(),
                b"z1,street\0light,41.88,-87.63,2026-01-01,x\n",
            ]
            .concat(),
            "control characters",
        ),
    ];
    for (name, bytes, mention) in files {
        let path = dir.path().join(format!("{}.csv", name.replace(' ', "_")));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&bytes)
            .unwrap();
        let before = app.store.count().unwrap();
        let outcome = import_file(
            &app.intake(),
            &app.store,
            &path,
            &ImportOptions::default(),
            &mut |_, _| {},
        );
        match outcome {
            Ok(summary) => {
                assert!(summary.rejected_total() >= 1, "{name}: {summary:?}");
                let report = format!("{:?} {:?}", summary.rejected, summary.examples);
                assert!(
                    summary
                        .examples
                        .iter()
                        .all(|e| e.line > 1 && !e.field.is_empty()),
                    "{name}: every rejected row names its line and field: {report}"
                );
                assert!(
                    report.contains(mention),
                    "{name}: the report should mention {mention:?}: {report}"
                );
                let after = app.store.count().unwrap();
                assert!(after <= before + 1, "{name}: only the good row is new");
            }
            Err(e) => {
                let message = e.to_string();
                assert!(!message.is_empty(), "{name}");
                assert_eq!(
                    app.store.count().unwrap(),
                    before,
                    "{name}: nothing stored on a file error"
                );
            }
        }
    }
}

/// Boundary files: each defect is named with the layer and feature.
#[test]
fn hostile_boundary_files_are_refused_with_the_feature_named() {
    let cases: &[(&str, &str)] = &[
        ("not JSON", "{\"type\": \"FeatureCollection\", "),
        ("no features", r#"{"type":"FeatureCollection"}"#),
        ("a bare geometry", r#"{"type":"Point","coordinates":[0,0]}"#),
        (
            "unclosed ring",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}]}"#,
        ),
        (
            "two-point ring",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}]}"#,
        ),
        (
            "line instead of polygon",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}"#,
        ),
        (
            "string coordinates",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[[["0","0"],["1","0"],["1","1"],["0","0"]]]}}]}"#,
        ),
        (
            "latitude 200",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,200],[0,0]]]}}]}"#,
        ),
        (
            "no geometry",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":null}]}"#,
        ),
    ];
    for (name, text) in cases {
        match BoundaryLayer::from_geojson("wards", text, None) {
            Ok(layer) => panic!("{name}: accepted with {} features", layer.features.len()),
            Err(e) => {
                let message = e.to_string();
                assert!(
                    message.contains("wards"),
                    "{name}: names the layer: {message}"
                );
            }
        }
    }
}
