//! HTTP details a browser or GIS client relies on, in-process on the demo city: CORS for
//! reads (with `ETag` exposed and `If-None-Match` allowed) and none for writes; cross-origin
//! writes refused; weak ETags with `Vary`; metrics by real status class; one geometry type
//! per layer and a unique top-level id on every feature.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use hotspot::city::City;
use hotspot::config::Config;
use serde_json::Value;
use tower::ServiceExt;

const DEMO_KEY: &str = "demo-key-riverton-311";

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn header(&self, name: header::HeaderName) -> String {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(",")
    }
}

async fn send(router: &axum::Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

fn get(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut r = Request::get(path).header(header::HOST, "localhost:8311");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.body(Body::empty()).unwrap()
}

fn post(headers: &[(&str, &str)]) -> Request<Body> {
    let body =
        format!("api_key={DEMO_KEY}&service_code=pothole&lat=39.98&long=-75.40&description=deep");
    let mut r = Request::post("/open311/v2/requests.json")
        .header(header::HOST, "localhost:8311")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.body(Body::from(body)).unwrap()
}

/// Every feature has a top-level id, unique in its layer; all geometries share one type.
fn check_layer(name: &str, fc: &Value) {
    let features = fc["features"].as_array().unwrap();
    assert!(!features.is_empty(), "{name}: no features");
    let mut ids = HashSet::new();
    let mut types = HashSet::new();
    for f in features {
        let id = f["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: feature without id: {f}"));
        assert!(ids.insert(id.to_string()), "{name}: id {id} twice");
        types.insert(f["geometry"]["type"].as_str().unwrap().to_string());
    }
    assert_eq!(types.len(), 1, "{name}: geometry types {types:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_writes_etags_metrics_and_feature_ids() {
    let dir = tempfile::tempdir().unwrap();
    let city = City::open(Config::demo().unwrap(), dir.path()).unwrap();
    city.seed_demo_if_empty().unwrap();
    let router = hotspot::api::router(Arc::new(city));
    let layer = "/api/v1/requests.geojson?type=pothole&days=30";

    // Reads: open to any site, with the ETag readable and If-None-Match allowed.
    let read = send(&router, get(layer, &[("origin", "https://example.org")])).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    assert!(read
        .header(header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .contains("etag"));
    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri(layer)
        .header(header::HOST, "localhost:8311")
        .header(header::ORIGIN, "https://example.org")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "if-none-match")
        .body(Body::empty())
        .unwrap();
    let preflight = send(&router, preflight).await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    assert!(preflight
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .contains("if-none-match"));

    // A strong ETag for the identity body, the same tag weak for an encoded one (Vary), and
    // 304 for the weak or strong spelling, echoed as sent.
    let tag = read.headers[header::ETAG].to_str().unwrap().to_string();
    assert!(tag.starts_with('"'), "{tag}");
    assert!(read.header(header::VARY).contains("accept-encoding"));
    let weak = format!("W/{tag}");
    for sent in [tag.clone(), weak.clone()] {
        let again = send(&router, get(layer, &[("if-none-match", &sent)])).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{sent}");
        assert_eq!(again.headers[header::ETAG], sent.as_str());
    }
    let gz = send(&router, get(layer, &[("accept-encoding", "gzip")])).await;
    assert_eq!(gz.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(gz.headers[header::ETAG], weak.as_str());
    assert!(!gz.headers.contains_key(header::ACCEPT_RANGES));

    // Writes: refused from another site, accepted from the same origin or a non-browser
    // client, and never answered with Access-Control-Allow-Origin.
    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "null")],
    ] {
        let refused = send(&router, post(&headers)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(refused.json()[0]["description"]
            .as_str()
            .unwrap()
            .contains("cross-origin"));
        assert!(refused
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none());
    }
    for headers in [
        vec![
            ("origin", "http://localhost:8311"),
            ("sec-fetch-site", "same-origin"),
        ],
        vec![],
    ] {
        let accepted = send(&router, post(&headers)).await;
        assert_eq!(accepted.status, StatusCode::CREATED, "{headers:?}");
        assert!(accepted
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none());
    }

    // Metrics count 304s as 3xx and preflights among the 2xx.
    let metrics = send(&router, get("/metrics", &[])).await;
    let text = String::from_utf8(metrics.body).unwrap();
    let count = |class: &str| -> u64 {
        let prefix = format!("hotspot_http_responses_total{{class=\"{class}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .unwrap_or_else(|| panic!("no {class} line in {text}"))
            .parse()
            .unwrap()
    };
    assert_eq!(count("3xx"), 2, "{text}");
    assert_eq!(count("4xx"), 3, "{text}");
    assert!(count("2xx") >= 5, "{text}");

    // One geometry type per layer, a unique id on every feature.
    for (name, path) in [
        (
            "gistar",
            "/api/v1/hotspots.geojson?type=streetlight&days=365",
        ),
        (
            "dbscan",
            "/api/v1/hotspots.geojson?type=rodent&days=365&method=dbscan",
        ),
        ("repeats", "/api/v1/repeats.geojson?days=all"),
        ("hexbins", "/api/v1/hexbins.geojson?type=graffiti&days=365"),
        (
            "requests",
            "/api/v1/requests.geojson?type=graffiti&days=365&limit=500",
        ),
        (
            "districts",
            "/api/v1/boundaries/council_districts.geojson?days=30",
        ),
    ] {
        let answer = send(&router, get(path, &[])).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}");
        check_layer(name, &answer.json());
    }
}
