//! OGC API – Features at `/ogc` on the demo city: the landing page, conformance and
//! collections pinned (insta), paging through every request exactly once, the filters against
//! counts computed independently from the store, the derived collections against their
//! `/api/v1` layers, every bad parameter (400 naming it) and unknown resource (404), and
//! GDAL's OAPIF driver (Debian's gdal-bin) reading the server over a socket.

mod common;

use std::collections::HashSet;
use std::process::Command;

use axum::http::header;
use common::{Reply, TestApp};
use hotspot::model::{ServiceRequest, Status};
use insta::assert_json_snapshot;
use serde_json::Value;

const HOST: &str = "ogc.example:8311";
const DAY: i64 = 86_400;

async fn ogc(app: &TestApp, path: &str) -> Reply {
    app.get_with(path, &[(header::HOST, HOST)]).await
}

/// `GET path`: status and JSON body.
async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let reply = ogc(app, path).await;
    (reply.status.as_u16(), reply.json())
}

fn stored(app: &TestApp) -> Vec<ServiceRequest> {
    let mut all = Vec::new();
    app.city.store.for_each(|r| all.push(r)).unwrap();
    all
}

fn ids(body: &Value) -> Vec<String> {
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn link<'a>(body: &'a Value, rel: &str) -> Option<&'a str> {
    body["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
}

/// The path and query of an absolute link of this server.
fn local(href: &str) -> String {
    href.strip_prefix(&format!("http://{HOST}"))
        .unwrap_or_else(|| panic!("{href} is not an absolute link to {HOST}"))
        .to_string()
}

/// Follows `next` links from `path`: every feature id, and how many pages.
async fn read_all(app: &TestApp, path: &str) -> (Vec<String>, usize, u64) {
    let (mut all, mut pages) = (Vec::new(), 0);
    let mut next = Some(path.to_string());
    let mut matched = None;
    while let Some(path) = next {
        let (status, body) = get(app, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let returned = body["numberReturned"].as_u64().unwrap();
        assert_eq!(
            returned as usize,
            body["features"].as_array().unwrap().len()
        );
        let m = body["numberMatched"].as_u64().unwrap();
        assert_eq!(
            *matched.get_or_insert(m),
            m,
            "numberMatched changed while paging"
        );
        all.extend(ids(&body));
        pages += 1;
        next = link(&body, "next").map(local);
    }
    (all, pages, matched.unwrap_or(0))
}

/// Stored requests the filter admits, their ids as a set.
fn ids_where(all: &[ServiceRequest], f: impl Fn(&ServiceRequest) -> bool) -> HashSet<String> {
    all.iter()
        .filter(|r| f(r))
        .map(|r| r.service_request_id.clone())
        .collect()
}

fn at(r: &ServiceRequest) -> i64 {
    r.requested_datetime.unwrap().timestamp()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_conformance_and_collections_are_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::demo_app(dir.path());
    for (name, path) in [
        ("ogc_landing", "/ogc"),
        ("ogc_conformance", "/ogc/conformance?f=json"),
        ("ogc_collection_requests", "/ogc/collections/requests"),
        ("ogc_collection_hexbins", "/ogc/collections/hexbins"),
        (
            "ogc_collection_boundaries",
            "/ogc/collections/boundaries-council_districts",
        ),
    ] {
        let reply = ogc(&app, path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
        assert_json_snapshot!(name, reply.json());
    }
    // a page of requests (the time of the answer redacted)
    let reply = ogc(&app, "/ogc/collections/requests/items?status=open&limit=2").await;
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/geo+json");
    let mut page = reply.json();
    assert!(page["timeStamp"].as_str().unwrap().ends_with('Z'));
    page["timeStamp"] = "[timeStamp]".into();
    assert_json_snapshot!("ogc_requests_page", page);
    // every collection: the request points, one per type, the derived layers, the boundaries
    let (status, list) = get(&app, "/ogc/collections").await;
    assert_eq!(status, 200);
    let listed: Vec<&str> = list["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_json_snapshot!("ogc_collection_ids", listed);
    for c in list["collections"].as_array().unwrap() {
        assert_eq!(c["itemType"], "feature");
        assert_eq!(c["crs"][0], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
        assert_eq!(
            c["extent"]["spatial"]["bbox"][0].as_array().unwrap().len(),
            4
        );
        assert!(c["extent"]["temporal"]["interval"][0][0].is_string(), "{c}");
        let items = link(c, "items").unwrap();
        let (status, page) = get(&app, &format!("{}?limit=1", local(items))).await;
        assert_eq!(status, 200, "{items}: {page}");
        assert_eq!(page["type"], "FeatureCollection");
    }
    for code in ["streetlight", "pothole", "graffiti"] {
        assert!(listed.contains(&format!("requests-{code}").as_str()));
    }
    for layer in app.city.boundaries.layers() {
        assert!(listed.contains(&format!("boundaries-{}", layer.id).as_str()));
    }
    // the API definition: OpenAPI 3.0, every path, limit's bounds
    let reply = ogc(&app, "/ogc/api").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.headers[header::CONTENT_TYPE],
        "application/vnd.oai.openapi+json;version=3.0"
    );
    let api = reply.json();
    assert!(api["openapi"].as_str().unwrap().starts_with("3.0"));
    for path in [
        "/",
        "/conformance",
        "/api",
        "/collections",
        "/collections/{collectionId}",
        "/collections/{collectionId}/items",
        "/collections/{collectionId}/items/{featureId}",
    ] {
        assert!(api["paths"][path]["get"].is_object(), "{path}");
    }
    let limit = &api["components"]["parameters"]["limit"]["schema"];
    assert_eq!(limit["maximum"], 10_000);
    assert_eq!(limit["default"], 100);
    assert_eq!(
        api["components"]["parameters"]["collectionId"]["schema"]["enum"]
            .as_array()
            .unwrap()
            .len(),
        listed.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_reads_every_request_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::demo_app(dir.path());
    let all = stored(&app);
    let count = app.city.store.count().unwrap() as usize;
    assert_eq!(all.len(), count);

    let (read, pages, matched) =
        read_all(&app, "/ogc/collections/requests/items?limit=10000").await;
    assert_eq!(matched as usize, count);
    assert_eq!(read.len(), count);
    assert_eq!(pages, count.div_ceil(10_000));
    let unique: HashSet<String> = read.iter().cloned().collect();
    assert_eq!(unique, ids_where(&all, |_| true));

    // the order: newest first, the same on every read; prev and next links
    let (_, first) = get(&app, "/ogc/collections/requests/items?limit=3").await;
    let (_, again) = get(&app, "/ogc/collections/requests/items?limit=3&offset=0").await;
    assert_eq!(ids(&first), ids(&again));
    assert_eq!(first["numberReturned"], 3);
    assert!(link(&first, "prev").is_none());
    assert_eq!(
        link(&first, "next"),
        Some(format!("http://{HOST}/ogc/collections/requests/items?limit=3&offset=3").as_str())
    );
    let times: Vec<&str> = first["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["requested_datetime"].as_str().unwrap())
        .collect();
    let newest = all.iter().map(at).max().unwrap();
    let newest_first = all.iter().find(|r| at(r) == newest).unwrap();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(times[0])
            .unwrap()
            .timestamp(),
        at(newest_first)
    );
    let (_, second) = get(&app, &local(link(&first, "next").unwrap())).await;
    assert_eq!(
        link(&second, "prev"),
        Some(format!("http://{HOST}/ogc/collections/requests/items?limit=3&offset=0").as_str())
    );
    let (_, six) = get(&app, "/ogc/collections/requests/items?limit=6").await;
    assert_eq!([ids(&first), ids(&second)].concat(), ids(&six));

    // a filtered walk in small pages: open street lights
    let (read, pages, _) = read_all(
        &app,
        "/ogc/collections/requests-streetlight/items?status=open&limit=50",
    )
    .await;
    let expected = ids_where(&all, |r| {
        r.service_code == "streetlight" && r.status == Status::Open
    });
    assert_eq!(read.len(), expected.len());
    assert_eq!(read.into_iter().collect::<HashSet<_>>(), expected);
    assert!(pages > 1);

    // a limit above the largest page is served as the largest page
    let (status, body) = get(&app, "/ogc/collections/requests/items?limit=50000").await;
    assert_eq!(status, 200);
    assert_eq!(body["numberReturned"], 10_000);
    assert!(link(&body, "next")
        .unwrap()
        .contains("limit=10000&offset=10000"));

    // past the end: an empty page, no next
    let (_, end) = get(
        &app,
        &format!("/ogc/collections/requests/items?offset={count}"),
    )
    .await;
    assert_eq!(end["numberReturned"], 0);
    assert!(link(&end, "next").is_none());

    // behind a TLS proxy the links are https
    let reply = app
        .get_with(
            "/ogc/collections/requests/items?limit=1",
            &[
                (header::HOST, HOST),
                (
                    header::HeaderName::from_static("x-forwarded-proto"),
                    "https",
                ),
            ],
        )
        .await;
    assert!(link(&reply.json(), "next")
        .unwrap()
        .starts_with("https://ogc.example:8311/ogc/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_match_independent_counts() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::demo_app(dir.path());
    let all = stored(&app);
    let tz = app.city.config.timezone;
    let matched = |body: &Value| body["numberMatched"].as_u64().unwrap() as usize;

    // datetime: a closed interval, open ends, an instant date (that whole day)
    let day = |text: &str| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_local_timezone(tz)
            .unwrap()
            .timestamp()
    };
    let (s, e) = (day("2026-03-01"), day("2026-04-01") + DAY - 1);
    for (query, expected) in [
        (
            "datetime=2026-03-01/2026-04-01",
            ids_where(&all, |r| (s..=e).contains(&at(r))),
        ),
        ("datetime=../2026-04-01", ids_where(&all, |r| at(r) <= e)),
        ("datetime=2026-03-01/..", ids_where(&all, |r| at(r) >= s)),
        ("datetime=2026-03-01/", ids_where(&all, |r| at(r) >= s)),
        (
            "datetime=2026-03-01",
            ids_where(&all, |r| (s..s + DAY).contains(&at(r))),
        ),
        (
            "datetime=2026-03-01T00:00:00Z/2026-03-02T00:00:00Z",
            ids_where(&all, |r| {
                let t = at(r);
                let utc = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
                    .unwrap()
                    .timestamp();
                (utc..=utc + DAY).contains(&t)
            }),
        ),
    ] {
        let (read, _, n) = read_all(
            &app,
            &format!("/ogc/collections/requests/items?limit=10000&{query}"),
        )
        .await;
        assert_eq!(n as usize, expected.len(), "{query}");
        assert_eq!(
            read.into_iter().collect::<HashSet<_>>(),
            expected,
            "{query}"
        );
    }

    // bbox, type (name or code), service_code, status, district
    let bbox = [-75.42, 39.97, -75.39, 39.99];
    let in_box = |r: &ServiceRequest| {
        r.lon >= bbox[0] && r.lat >= bbox[1] && r.lon <= bbox[2] && r.lat <= bbox[3]
    };
    let district = all
        .iter()
        .find_map(|r| r.districts.get("council_districts").cloned())
        .unwrap();
    for (query, expected) in [
        ("bbox=-75.42,39.97,-75.39,39.99", ids_where(&all, in_box)),
        (
            "type=pothole,graffiti",
            ids_where(&all, |r| {
                ["pothole", "graffiti"].contains(&r.service_code.as_str())
            }),
        ),
        (
            "service_code=pothole",
            ids_where(&all, |r| r.service_code == "pothole"),
        ),
        (
            "status=closed",
            ids_where(&all, |r| r.status == Status::Closed),
        ),
        (
            &format!("district=council_districts:{district}&status=open") as &str,
            ids_where(&all, |r| {
                r.districts.get("council_districts") == Some(&district) && r.status == Status::Open
            }),
        ),
    ] {
        let (read, _, n) = read_all(
            &app,
            &format!("/ogc/collections/requests/items?limit=10000&{query}"),
        )
        .await;
        assert!(!expected.is_empty(), "{query}");
        assert_eq!(n as usize, expected.len(), "{query}");
        assert_eq!(
            read.into_iter().collect::<HashSet<_>>(),
            expected,
            "{query}"
        );
    }
    let (_, body) = get(&app, "/ogc/collections/requests-pothole/items?limit=1").await;
    assert_eq!(
        matched(&body),
        all.iter().filter(|r| r.service_code == "pothole").count()
    );
    // the district of each boundary layer is a property of every request
    let f = &body["features"][0];
    for layer in app.city.boundaries.layers() {
        assert!(f["properties"].get(&layer.id).is_some(), "{f}");
    }

    // one request by id, and its feature matches the page's
    let id = f["id"].as_str().unwrap();
    let (status, one) = get(&app, &format!("/ogc/collections/requests/items/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["properties"], f["properties"]);
    assert_eq!(one["geometry"], f["geometry"]);
    assert!(link(&one, "self")
        .unwrap()
        .ends_with(&format!("/items/{id}")));
    let (status, _) = get(
        &app,
        &format!("/ogc/collections/requests-graffiti/items/{id}"),
    )
    .await;
    assert_eq!(status, 404, "a pothole is not in the graffiti collection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_collections_hold_their_map_layers() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::demo_app(dir.path());
    let layer_ids = |body: &Value| ids(body);
    for (collection, layer, filter) in [
        ("hexbins", "/api/v1/hexbins.geojson", "res=8"),
        (
            "clusters",
            "/api/v1/hotspots.geojson?method=dbscan",
            "type=streetlight",
        ),
        ("repeats", "/api/v1/repeats.geojson", ""),
        (
            "boundaries-council_districts",
            "/api/v1/boundaries/council_districts.geojson",
            "status=open",
        ),
    ] {
        let sep = if layer.contains('?') { '&' } else { '?' };
        let (status, expected) = get(&app, &format!("{layer}{sep}{filter}")).await;
        assert_eq!(status, 200, "{layer}");
        let (read, _, n) = read_all(
            &app,
            &format!("/ogc/collections/{collection}/items?limit=7&{filter}"),
        )
        .await;
        assert_eq!(read, layer_ids(&expected), "{collection}");
        assert_eq!(n as usize, read.len());
        assert!(!read.is_empty(), "{collection}");
    }
    // Gi*: the regions then the cells of hotspots.geojson
    let (_, hotspots) = get(&app, "/api/v1/hotspots.geojson?type=streetlight").await;
    let (regions, _, _) = read_all(
        &app,
        "/ogc/collections/hotspot-regions/items?type=streetlight&limit=10000",
    )
    .await;
    let (cells, _, _) = read_all(
        &app,
        "/ogc/collections/gistar-cells/items?type=streetlight&limit=10000",
    )
    .await;
    assert!(!regions.is_empty() && !cells.is_empty());
    assert_eq!(
        [regions.clone(), cells.clone()].concat(),
        layer_ids(&hotspots)
    );
    // bbox keeps the features whose bounds meet the box, with their whole-city statistics
    let (_, all_bins) = get(&app, "/ogc/collections/hexbins/items?limit=10000").await;
    let (_, some) = get(
        &app,
        "/ogc/collections/hexbins/items?limit=10000&bbox=-75.42,39.97,-75.39,39.99",
    )
    .await;
    assert!(some["numberMatched"].as_u64() < all_bins["numberMatched"].as_u64());
    for f in some["features"].as_array().unwrap() {
        let whole = all_bins["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == f["id"])
            .unwrap();
        assert_eq!(whole["properties"], f["properties"]);
    }
    // one feature of a derived layer
    let (status, region) = get(
        &app,
        &format!(
            "/ogc/collections/hotspot-regions/items/{}?type=streetlight",
            regions[0]
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(region["id"], regions[0]);
    // too few requests: empty, with the reason
    let (status, empty) = get(
        &app,
        "/ogc/collections/clusters/items?datetime=2026-10-31T23:00:00Z/..",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(empty["numberMatched"], 0);
    assert!(
        empty["notice"].as_str().unwrap().contains("at least"),
        "{empty}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_and_unknown_resources() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::demo_app(dir.path());
    let items = "/ogc/collections/requests/items";
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=-75,40,-76,41", "bbox"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2026-04-01/2026-03-01", "datetime"),
        ("datetime=2026-01-01/2026-02-01/2026-03-01", "datetime"),
        ("status=maybe", "status"),
        ("type=unicorns", "type"),
        ("type=pothole&service_code=pothole", "service_code"),
        ("district=nowhere", "district"),
        ("district=no_such_layer:1", "district"),
        ("district=council_districts:999", "district"),
        ("f=html", "f"),
        ("colour=red", "colour"),
        ("limit=1&limit=2", "limit"),
    ] {
        let reply = ogc(&app, &format!("{items}?{query}")).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.text());
        let body = reply.json();
        assert_eq!(body["code"], "InvalidParameterValue", "{query}");
        assert_eq!(body["parameter"], parameter, "{query}: {body}");
        assert!(
            body["description"].as_str().unwrap().contains(parameter),
            "{body}"
        );
    }
    for (path, parameter) in [
        (
            "/ogc/collections/requests-pothole/items?type=graffiti",
            "type",
        ),
        (
            "/ogc/collections/hexbins/items?district=council_districts:1",
            "district",
        ),
        ("/ogc/collections/hexbins/items?res=99", "res"),
        ("/ogc/collections/clusters/items?eps_m=-1", "eps_m"),
        ("/ogc?f=xml", "f"),
        ("/ogc/collections?limit=1", "limit"),
    ] {
        let (status, body) = get(&app, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["parameter"], parameter, "{path}: {body}");
    }
    for path in [
        "/ogc/collections/unicorns",
        "/ogc/collections/unicorns/items",
        "/ogc/collections/requests/items/no-such-request",
        "/ogc/collections/hexbins/items/8f2a",
        "/ogc/collections/requests-unicorns/items",
        "/ogc/nowhere",
    ] {
        let (status, body) = get(&app, path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["code"], "NotFound", "{path}");
    }
    assert_json_snapshot!(
        "ogc_error_400",
        get(&app, &format!("{items}?bbox=1,2,3")).await.1
    );
    assert_json_snapshot!(
        "ogc_error_404",
        get(&app, "/ogc/collections/unicorns").await.1
    );
}

// ---------------------------------------------------------------- GDAL

/// Runs a GDAL tool (no network but the test server's loopback); its stdout.
fn gdal(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .env("GDAL_HTTP_TIMEOUT", "120")
        .env("CPL_VSIL_CURL_USE_CACHE", "NO")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{tool} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_lists_every_collection_and_reads_every_request() {
    if !common::require_gdal("gdal_lists_every_collection_and_reads_every_request") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = common::start_demo(&dir.path().join("data")).await;
    let source = format!("OAPIF:{}", server.url("/ogc"));
    let count = server.city.store.count().unwrap() as usize;

    // ogrinfo lists every collection as a layer
    let collections: Value = reqwest::get(server.url("/ogc/collections"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listing = {
        let source = source.clone();
        tokio::task::spawn_blocking(move || gdal("ogrinfo", &["-ro", "-so", &source]))
            .await
            .unwrap()
    };
    let layers: HashSet<String> = listing
        .lines()
        .filter_map(|l| {
            l.split_once(": ")
                .filter(|(n, _)| n.trim().parse::<u32>().is_ok())
        })
        .map(|(_, rest)| rest.split(" (").next().unwrap().trim().to_string())
        .collect();
    let expected: HashSet<String> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(layers, expected, "ogrinfo listed:\n{listing}");

    // the layer summary's feature count, then every feature read page by page (1,000 a page)
    let out = dir.path().join("requests.geojson");
    let (summary, written) = {
        let (source, out) = (source.clone(), out.clone());
        tokio::task::spawn_blocking(move || {
            let summary = gdal("ogrinfo", &["-ro", "-so", &source, "requests"]);
            gdal(
                "ogr2ogr",
                &[
                    "-f",
                    "GeoJSON",
                    out.to_str().unwrap(),
                    &source,
                    "requests",
                    "-oo",
                    "PAGE_SIZE=1000",
                ],
            );
            (summary, std::fs::read_to_string(&out).unwrap())
        })
        .await
        .unwrap()
    };
    assert!(
        summary.contains(&format!("Feature Count: {count}")),
        "ogrinfo's summary:\n{summary}"
    );
    let written: Value = serde_json::from_str(&written).unwrap();
    let features = written["features"].as_array().unwrap();
    assert_eq!(features.len(), count);
    let read: HashSet<&str> = features
        .iter()
        .map(|f| f["properties"]["service_request_id"].as_str().unwrap())
        .collect();
    assert_eq!(read.len(), count, "every request once");

    // a derived layer, and a spatial filter GDAL sends as bbox: GDAL's counts are the server's
    for (layer, spat, query) in [
        ("hexbins", None, "limit=1"),
        (
            "requests",
            Some(["-75.42", "39.97", "-75.39", "39.99"]),
            "limit=1&bbox=-75.42,39.97,-75.39,39.99",
        ),
    ] {
        let url = server.url(&format!("/ogc/collections/{layer}/items?{query}"));
        let page: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        let matched = page["numberMatched"].as_u64().unwrap();
        assert!(matched > 0);
        let source = source.clone();
        let listing = tokio::task::spawn_blocking(move || {
            let mut args = vec!["-ro", "-al", "-so", source.as_str(), layer];
            if let Some(spat) = &spat {
                args.push("-spat");
                args.extend(spat.iter().copied());
            }
            gdal("ogrinfo", &args)
        })
        .await
        .unwrap();
        assert!(
            listing.contains(&format!("Feature Count: {matched}")),
            "{layer}: {listing}"
        );
    }
}
