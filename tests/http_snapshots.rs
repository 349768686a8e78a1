//! One snapshot of a representative answer of every endpoint, on the bundled demo city
//! (deterministic: generated from a fixed seed), through the router in-process. Each
//! snapshot holds the status, the headers that are contract (content type, caching,
//! downloads) and the body; large GeoJSON bodies are trimmed to their foreign members and
//! first features, with coordinates cut to the first positions (a marker says how many were
//! left out). Random values (a POST's token, its datetimes, ETags) are replaced by
//! placeholders before the snapshot.
//!
//! Snapshots live in `tests/snapshots/`. Under `CI=true` a missing or changed snapshot
//! fails; to accept a change, run `INSTA_UPDATE=always cargo test --test http_snapshots`
//! and review the diff of the `.snap` files.

mod common;

use std::future::Future;

use axum::http::header;
use common::{Reply, TestApp};
use insta::{assert_json_snapshot, assert_snapshot};
use serde_json::{json, Value};

// ---------------------------------------------------------------- views

/// The headers of `reply` that clients rely on. The ETag is a hash of the body: only its
/// presence is recorded.
fn contract_headers(reply: &Reply) -> Value {
    let mut headers = serde_json::Map::new();
    for name in [
        header::CONTENT_TYPE,
        header::CACHE_CONTROL,
        header::CONTENT_DISPOSITION,
        header::LOCATION,
    ] {
        if let Some(v) = reply.headers.get(&name) {
            headers.insert(name.to_string(), json!(v.to_str().unwrap()));
        }
    }
    if reply.headers.contains_key(header::ETAG) {
        headers.insert("etag".into(), json!("[etag]"));
    }
    Value::Object(headers)
}

/// Status, contract headers and `body`.
fn view_with(reply: &Reply, body: Value) -> Value {
    json!({
        "status": reply.status.as_u16(),
        "headers": contract_headers(reply),
        "body": body,
    })
}

/// Status, contract headers and the whole JSON body.
fn view(reply: &Reply) -> Value {
    view_with(reply, reply.json())
}

/// Status, contract headers and the body (text), its first `lines` lines when given.
fn text_view(reply: &Reply, lines: Option<usize>) -> String {
    let headers = contract_headers(reply);
    let mut out = format!("status: {}\n", reply.status.as_u16());
    for (name, value) in headers.as_object().unwrap() {
        out.push_str(&format!("{name}: {}\n", value.as_str().unwrap()));
    }
    out.push('\n');
    let text = reply.text();
    match lines {
        Some(n) => {
            let all: Vec<&str> = text.lines().collect();
            for line in all.iter().take(n) {
                out.push_str(line);
                out.push('\n');
            }
            if all.len() > n {
                out.push_str(&format!("… {} more lines\n", all.len() - n));
            }
        }
        None => out.push_str(&text),
    }
    out
}

/// At most `n` of `items` (each through `f`), then a marker saying how many were left out.
fn first(items: &[Value], n: usize, f: impl Fn(&Value) -> Value) -> Value {
    let mut out: Vec<Value> = items.iter().take(n).map(f).collect();
    if items.len() > n {
        out.push(json!(format!("… {} more", items.len() - n)));
    }
    Value::Array(out)
}

/// GeoJSON coordinates with every list of positions (or of rings, polygons) cut to `n`.
fn trim_coordinates(coordinates: &Value, n: usize) -> Value {
    match coordinates.as_array() {
        Some(items) if items.first().is_some_and(Value::is_array) => {
            first(items, n, |c| trim_coordinates(c, n))
        }
        _ => coordinates.clone(), // a position
    }
}

/// A FeatureCollection with all its members, its first `features` features and their
/// coordinates cut to `positions`.
fn trimmed(body: &Value, features: usize, positions: usize) -> Value {
    let mut out = body.clone();
    let all = body["features"].as_array().expect("a FeatureCollection");
    out["features"] = first(all, features, |f| {
        let mut f = f.clone();
        if let Some(c) = f["geometry"].get("coordinates") {
            f["geometry"]["coordinates"] = trim_coordinates(c, positions);
        }
        f
    });
    out
}

/// Replaces the value at `pointer` (which must exist) with `placeholder`.
fn redact(value: &mut Value, pointer: &str, placeholder: &str) {
    assert!(value.pointer(pointer).is_some(), "no {pointer} in {value}");
    *value.pointer_mut(pointer).unwrap() = json!(placeholder);
}

// ---------------------------------------------------------------- Open311

async fn open311_services(app: TestApp) {
    let reply = app.get("/open311/v2/services.json").await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!("open311_services", view(&reply));
}

async fn open311_service_definition(app: TestApp) {
    let reply = app.get("/open311/v2/services/pothole.json").await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!("open311_service_definition", view(&reply));
}

async fn open311_requests_and_one_request(app: TestApp) {
    let reply = app
        .get("/open311/v2/requests.json?service_code=pothole&status=closed&page_size=3")
        .await;
    assert_eq!(reply.status, 200);
    let list = reply.json();
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    assert_json_snapshot!("open311_requests_filtered_page", view(&reply));

    let id = list[1]["service_request_id"].as_str().unwrap();
    let reply = app.get(&format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()[0], list[1]);
    assert_json_snapshot!("open311_one_request", view(&reply));
}

async fn open311_errors(app: TestApp) {
    let reply = app
        .get("/open311/v2/requests.json?start_date=yesterday")
        .await;
    assert_eq!(reply.status, 400);
    assert_json_snapshot!("open311_error_400", view(&reply));
    let reply = app.get("/open311/v2/requests/HS-999999.json").await;
    assert_eq!(reply.status, 404);
    assert_json_snapshot!("open311_error_404", view(&reply));
    // several bad fields at once, in XML
    let fields = [
        ("api_key", common::DEMO_KEY),
        ("service_code", "pothole"),
        ("lat", "91"),
        ("long", "-75.4"),
        ("attribute[size]", "huge"),
    ];
    let reply = app.post_form("/open311/v2/requests.xml", &fields).await;
    assert_eq!(reply.status, 400);
    assert_snapshot!("open311_xml_errors_400", text_view(&reply, None));
}

/// The XML forms of the service list (its first services), a definition with attributes,
/// a filtered page of requests, and discovery (its changeset, the catalog file's time,
/// replaced by a placeholder).
async fn open311_xml(app: TestApp) {
    let reply = app.get("/open311/v2/services.xml").await;
    assert_eq!(reply.status, 200);
    assert_snapshot!("open311_services_xml", text_view(&reply, Some(30)));
    let reply = app.get("/open311/v2/services/pothole.xml").await;
    assert_eq!(reply.status, 200);
    assert_snapshot!("open311_service_definition_xml", text_view(&reply, None));
    let reply = app
        .get("/open311/v2/requests.xml?service_code=pothole&status=closed&page_size=2")
        .await;
    assert_eq!(reply.status, 200);
    assert_snapshot!("open311_requests_xml", text_view(&reply, None));
    let reply = app
        .get_with(
            "/open311/v2/discovery.xml",
            &[(header::HOST, "311.riverton.example")],
        )
        .await;
    assert_eq!(reply.status, 200);
    let shown = text_view(&reply, None);
    let (before, rest) = shown.split_once("<changeset>").unwrap();
    let (changeset, _) = rest.split_once("</changeset>").unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(changeset).is_ok(),
        "{changeset}"
    );
    assert_snapshot!(
        "open311_discovery_xml",
        format!("{before}<changeset>{rest}").replace(changeset, "[changeset]")
    );
    let reply = app.get("/open311/v2/discovery.json").await;
    let mut discovery = view(&reply);
    redact(&mut discovery, "/body/changeset", "[changeset]");
    redact(&mut discovery, "/body/endpoints/0/changeset", "[changeset]");
    assert_json_snapshot!("open311_discovery", discovery);
}

/// A POST of the demo key with attribute answers (in JSON and in XML), the stored request
/// (datetimes are now: replaced by placeholders), and a token of an earlier version.
async fn open311_post_and_token(app: TestApp) {
    let fields = [
        ("api_key", common::DEMO_KEY),
        ("service_code", "pothole"),
        ("lat", "39.973737"),
        ("long", "-75.446871"),
        ("address_string", "931 S 41ST ST"),
        ("address_id", "RIV-931-S-41"),
        ("description", "Deep pothole by the curb"),
        ("attribute[size]", "large"),
        ("attribute[depth_cm]", "15"),
    ];
    let reply = app.post_form("/open311/v2/requests.json", &fields).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let body = reply.json();
    let id = body[0]["service_request_id"].as_str().unwrap().to_string();
    assert!(body[0].get("token").is_none(), "an id, no token: {body}");
    assert_json_snapshot!("open311_post", view(&reply));

    let reply = app.get(&format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(reply.status, 200);
    let mut stored = view(&reply);
    for field in [
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
    ] {
        let pointer = format!("/body/0/{field}");
        if !stored.pointer(&pointer).unwrap().is_null() {
            redact(&mut stored, &pointer, "[datetime]");
        }
    }
    assert_json_snapshot!("open311_posted_request", stored);

    let xml_fields = [
        ("api_key", common::DEMO_KEY),
        ("service_code", "illegal_dumping"),
        ("lat", "39.973737"),
        ("long", "-75.446871"),
        ("attribute[materials][]", "tires"),
        ("attribute[materials][]", "furniture"),
        ("account_id", "acct-7"),
    ];
    let reply = app.post_form("/open311/v2/requests.xml", &xml_fields).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_snapshot!("open311_post_xml", text_view(&reply, None));

    // Tokens are no longer issued (the answer is the id); one of an earlier version is
    // still answered.
    let mut request = app.city.store.get(&id).unwrap().unwrap();
    request.service_request_id = "HS-legacy-1".into();
    app.city
        .store
        .writer()
        .upsert(vec![hotspot::store::NewRequest {
            request,
            token: Some("0123456789abcdef0123456789abcdef".into()),
        }])
        .await
        .unwrap();
    let reply = app
        .get("/open311/v2/tokens/0123456789abcdef0123456789abcdef.json")
        .await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!("open311_token", view(&reply));
    let reply = app
        .get("/open311/v2/tokens/0123456789abcdef0123456789abcdef.xml")
        .await;
    assert_eq!(reply.status, 200);
    assert_snapshot!("open311_token_xml", text_view(&reply, None));
}

// ---------------------------------------------------------------- /api/v1 layers

async fn layers_catalog(app: TestApp) {
    let reply = app.get("/api/v1/layers").await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!("api_layers", view(&reply));
}

async fn request_points(app: TestApp) {
    let reply = app
        .get("/api/v1/requests.geojson?type=dead_animal&status=open&limit=3")
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["features"].as_array().unwrap().len(), 3);
    assert_json_snapshot!("api_requests_geojson", view(&reply));
}

async fn hexbins(app: TestApp) {
    let reply = app
        .get("/api/v1/hexbins.geojson?type=dead_animal&res=7&start=2026-06-01&end=2026-06-30&bbox=-75.42,39.96,-75.38,40.0")
        .await;
    assert_eq!(reply.status, 200);
    // a window, a box and a coarse resolution small enough to keep whole
    let cells = reply.json()["features"].as_array().unwrap().len();
    assert!((1..=10).contains(&cells), "{cells} cells");
    assert_json_snapshot!("api_hexbins_geojson", view(&reply));
}

async fn boundaries(app: TestApp) {
    let reply = app
        .get("/api/v1/boundaries/council_districts.geojson?days=all")
        .await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!(
        "api_boundaries_council_districts",
        view_with(&reply, trimmed(&reply.json(), 2, 3))
    );
}

async fn streets(app: TestApp) {
    let reply = app.get("/api/v1/streets.geojson").await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!(
        "api_streets_geojson",
        view_with(&reply, trimmed(&reply.json(), 1, 3))
    );
}

// ---------------------------------------------------------------- /api/v1 analyses

async fn hotspots_gistar(app: TestApp) {
    let reply = app
        .get("/api/v1/hotspots.geojson?type=streetlight&days=365&method=gistar")
        .await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!(
        "api_hotspots_gistar",
        view_with(&reply, trimmed(&reply.json(), 3, 3))
    );
}

async fn hotspots_dbscan(app: TestApp) {
    let reply = app
        .get("/api/v1/hotspots.geojson?type=illegal_dumping&days=365&method=dbscan&eps_m=120&min_points=6")
        .await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!(
        "api_hotspots_dbscan",
        view_with(&reply, trimmed(&reply.json(), 3, 3))
    );
}

async fn repeats(app: TestApp) {
    let reply = app
        .get("/api/v1/repeats.geojson?type=vacant_property,illegal_dumping,graffiti&days=all&min_requests=4")
        .await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!(
        "api_repeats",
        view_with(&reply, trimmed(&reply.json(), 3, 3))
    );
}

async fn work_list(app: TestApp) {
    let reply = app
        .get("/api/v1/worklist.csv?type=streetlight&days=365")
        .await;
    assert_eq!(reply.status, 200);
    assert_snapshot!("api_worklist_csv", text_view(&reply, Some(4)));
}

// ---------------------------------------------------------------- /api/v1 geocoder

async fn geocode(app: TestApp) {
    // the first address point of fixtures/demo/addresses.csv, spelled loosely
    let reply = app.get("/api/v1/geocode?q=931+s+41st+street").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["best"]["matched_address"], "931 S 41ST ST");
    assert_json_snapshot!("api_geocode", view(&reply));
    let reply = app.get("/api/v1/geocode?q=12+Atlantis+Way").await;
    assert_eq!(reply.status, 404);
    assert_json_snapshot!("api_geocode_no_match", view(&reply));
}

async fn reverse(app: TestApp) {
    let reply = app
        .get("/api/v1/reverse?lat=39.973737&lon=-75.446871")
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["address"], "931 S 41ST ST");
    assert_json_snapshot!("api_reverse", view(&reply));
}

// ---------------------------------------------------------------- /api/v1 errors

async fn api_errors(app: TestApp) {
    let reply = app.get("/api/v1/requests.geojson?bbox=1,2,3").await;
    assert_eq!(reply.status, 400);
    assert_json_snapshot!("api_error_400", view(&reply));

    // an unknown path under /api/v1 answers in the /api/v1 problem shape
    let reply = app.get("/api/v1/nope").await;
    assert_eq!(reply.status, 404);
    let body = reply.json();
    assert_eq!(body["status"], 404, "{body}");
    assert!(body["parameter"].is_null(), "{body}");
    assert!(body["error"].is_string(), "{body}");
    assert_json_snapshot!("api_error_404_unknown_path", view(&reply));
}

// ---------------------------------------------------------------- health and metrics

async fn healthz(app: TestApp) {
    let reply = app.get("/healthz").await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!("healthz", view(&reply));
}

/// `/metrics` of a fresh router after a fixed sequence: two 2xx, a 404, a 400 and a
/// refused POST (403).
async fn metrics(app: TestApp) {
    let app = app.fresh_router();
    assert_eq!(app.get("/healthz").await.status, 200);
    assert_eq!(app.get("/open311/v2/services.json").await.status, 200);
    assert_eq!(app.get("/open311/v2/services/ufo.json").await.status, 404);
    assert_eq!(app.get("/api/v1/requests.geojson?days=0").await.status, 400);
    let refused = app
        .post_form(
            "/open311/v2/requests.json",
            &[("api_key", "wrong-key"), ("service_code", "pothole")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, 200);
    assert_snapshot!("metrics", text_view(&reply, None));
}

// ---------------------------------------------------------------- the run

/// Runs each check in its own task so that one failing snapshot does not hide the others;
/// fails at the end naming every check that failed.
#[derive(Default)]
struct Checks {
    failed: Vec<&'static str>,
}

impl Checks {
    async fn run(&mut self, name: &'static str, check: impl Future<Output = ()> + Send + 'static) {
        if tokio::spawn(check).await.is_err() {
            self.failed.push(name);
        }
    }
}

/// Every endpoint on one seeded demo city (seeding takes a second or so: once). The read
/// checks come first, then metrics (on a router of its own), then the POST, which adds a
/// request to the city.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_matches_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::demo_app(dir.path());
    let mut checks = Checks::default();
    checks
        .run("open311 services", open311_services(app.clone()))
        .await;
    checks
        .run(
            "open311 service definition",
            open311_service_definition(app.clone()),
        )
        .await;
    checks
        .run(
            "open311 requests",
            open311_requests_and_one_request(app.clone()),
        )
        .await;
    checks
        .run("open311 errors", open311_errors(app.clone()))
        .await;
    checks.run("open311 xml", open311_xml(app.clone())).await;
    checks.run("layers", layers_catalog(app.clone())).await;
    checks
        .run("requests.geojson", request_points(app.clone()))
        .await;
    checks.run("hexbins", hexbins(app.clone())).await;
    checks.run("boundaries", boundaries(app.clone())).await;
    checks.run("streets", streets(app.clone())).await;
    checks
        .run("hotspots gistar", hotspots_gistar(app.clone()))
        .await;
    checks
        .run("hotspots dbscan", hotspots_dbscan(app.clone()))
        .await;
    checks.run("repeats", repeats(app.clone())).await;
    checks.run("worklist", work_list(app.clone())).await;
    checks.run("geocode", geocode(app.clone())).await;
    checks.run("reverse", reverse(app.clone())).await;
    checks.run("api errors", api_errors(app.clone())).await;
    checks.run("healthz", healthz(app.clone())).await;
    checks.run("metrics", metrics(app.clone())).await;
    checks
        .run(
            "open311 post and token",
            open311_post_and_token(app.clone()),
        )
        .await;
    assert!(
        checks.failed.is_empty(),
        "failed checks (see above): {:?}",
        checks.failed
    );
}
