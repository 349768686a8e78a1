//! Vector tiles (`/tiles/{layer}/{z}/{x}/{y}.mvt`) and TileJSON (`/tiles/{layer}.json`) on the
//! demo city: tiles decoded by a protobuf reader written here from the MVT 2.1 specification
//! and, as an external check, by the Python `mapbox-vector-tile` package; requests land at
//! the pixel their coordinates give, with their ids and properties; a tile covering the data
//! holds as many requests (points and cluster counts), hexagons and hot-spot features as the
//! GeoJSON layers; bad tile addresses and filters are refused with a clear error.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::process::{Command, Stdio};

use axum::http::{header, StatusCode};
use common::TestApp;
use serde_json::{json, Value};

const EXTENT: f64 = 4096.0;

// ---- a decoder written from the specification ------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct Feature {
    id: Option<u64>,
    props: BTreeMap<String, Value>,
    /// 1 point, 2 line, 3 polygon.
    kind: u64,
    /// Absolute positions of each MoveTo/LineTo run (rings end at ClosePath).
    parts: Vec<Vec<[i64; 2]>>,
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.at >= self.buf.len()
    }
    fn varint(&mut self) -> u64 {
        let (mut n, mut shift) = (0u64, 0);
        loop {
            let b = self.buf[self.at];
            self.at += 1;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
            shift += 7;
        }
    }
    fn key(&mut self) -> (u64, u64) {
        let k = self.varint();
        (k >> 3, k & 7)
    }
    fn bytes(&mut self) -> &'a [u8] {
        let n = self.varint() as usize;
        self.at += n;
        &self.buf[self.at - n..self.at]
    }
    fn packed(&mut self) -> Vec<u64> {
        let mut r = Reader {
            buf: self.bytes(),
            at: 0,
        };
        let mut out = Vec::new();
        while !r.done() {
            out.push(r.varint());
        }
        out
    }
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn value(buf: &[u8]) -> Value {
    let mut r = Reader { buf, at: 0 };
    match r.key() {
        (1, 2) => json!(String::from_utf8(r.bytes().to_vec()).unwrap()),
        (3, 1) => {
            let b: [u8; 8] = r.buf[r.at..r.at + 8].try_into().unwrap();
            json!(f64::from_le_bytes(b))
        }
        (5, 0) => json!(r.varint()),
        (6, 0) => json!(unzigzag(r.varint())),
        (7, 0) => json!(r.varint() != 0),
        other => panic!("unexpected value field {other:?}"),
    }
}

/// Layers by name: (extent, features). Checks the version and that every tag points into
/// the tables.
fn decode(tile: &[u8]) -> BTreeMap<String, (u64, Vec<Feature>)> {
    let mut layers = BTreeMap::new();
    let mut r = Reader { buf: tile, at: 0 };
    while !r.done() {
        assert_eq!(r.key(), (3, 2), "a tile holds layers only");
        let mut l = Reader {
            buf: r.bytes(),
            at: 0,
        };
        let (mut name, mut version, mut extent) = (String::new(), 1, 4096);
        let (mut keys, mut values, mut raw) = (Vec::new(), Vec::new(), Vec::new());
        while !l.done() {
            match l.key() {
                (1, 2) => name = String::from_utf8(l.bytes().to_vec()).unwrap(),
                (2, 2) => raw.push(l.bytes()),
                (3, 2) => keys.push(String::from_utf8(l.bytes().to_vec()).unwrap()),
                (4, 2) => values.push(value(l.bytes())),
                (5, 0) => extent = l.varint(),
                (15, 0) => version = l.varint(),
                other => panic!("unexpected layer field {other:?}"),
            }
        }
        assert_eq!(version, 2, "MVT 2.x");
        let features = raw
            .into_iter()
            .map(|buf| {
                let mut f = Reader { buf, at: 0 };
                let mut feature = Feature {
                    id: None,
                    props: BTreeMap::new(),
                    kind: 0,
                    parts: Vec::new(),
                };
                let mut commands = Vec::new();
                while !f.done() {
                    match f.key() {
                        (1, 0) => feature.id = Some(f.varint()),
                        (2, 2) => {
                            let tags = f.packed();
                            assert_eq!(tags.len() % 2, 0);
                            for pair in tags.chunks(2) {
                                let k = keys[pair[0] as usize].clone();
                                let v = values[pair[1] as usize].clone();
                                assert!(feature.props.insert(k, v).is_none(), "a key twice");
                            }
                        }
                        (3, 0) => feature.kind = f.varint(),
                        (4, 2) => commands = f.packed(),
                        other => panic!("unexpected feature field {other:?}"),
                    }
                }
                let (mut cursor, mut i, mut part) = ([0i64, 0i64], 0, Vec::new());
                while i < commands.len() {
                    let (id, count) = (commands[i] & 7, commands[i] >> 3);
                    i += 1;
                    match id {
                        1 | 2 => {
                            if id == 1 && !part.is_empty() {
                                feature.parts.push(std::mem::take(&mut part));
                            }
                            for _ in 0..count {
                                cursor[0] += unzigzag(commands[i]);
                                cursor[1] += unzigzag(commands[i + 1]);
                                i += 2;
                                part.push(cursor);
                            }
                        }
                        7 => feature.parts.push(std::mem::take(&mut part)),
                        other => panic!("unknown command {other}"),
                    }
                }
                if !part.is_empty() {
                    feature.parts.push(part);
                }
                feature
            })
            .collect();
        layers.insert(name, (extent, features));
    }
    layers
}

/// Twice the ring's area by the surveyor's formula in tile units (MVT: exteriors positive).
fn area2(ring: &[[i64; 2]]) -> i64 {
    (0..ring.len())
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}

// ---- tile math, written independently of the server's ----------------------------------

/// The tile position of lon/lat at zoom z: (tile x, tile y, unit x, unit y).
fn position(lon: f64, lat: f64, z: u8) -> (u32, u32, f64, f64) {
    let n = f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * n;
    let phi = lat.to_radians();
    let y = (1.0 - (std::f64::consts::FRAC_PI_4 + phi / 2.0).tan().ln() / std::f64::consts::PI)
        / 2.0
        * n;
    let (tx, ty) = (x.floor(), y.floor());
    (tx as u32, ty as u32, (x - tx) * EXTENT, (y - ty) * EXTENT)
}

/// The deepest zoom at which one tile holds the whole box `[w, s, e, n]`, and that tile.
fn covering_tile(extent: [f64; 4]) -> (u8, u32, u32) {
    (0..=16u8)
        .rev()
        .find_map(|z| {
            let (x0, y0, ..) = position(extent[0], extent[3], z);
            let (x1, y1, ..) = position(extent[2], extent[1], z);
            (x0 == x1 && y0 == y1).then_some((z, x0, y0))
        })
        .unwrap()
}

async fn tile(server: &TestApp, path: &str) -> BTreeMap<String, (u64, Vec<Feature>)> {
    let reply = server.get(path).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
    assert_eq!(
        reply.headers[header::CONTENT_TYPE],
        "application/vnd.mapbox-vector-tile"
    );
    decode(&reply.body)
}

async fn get_json(server: &TestApp, path: &str) -> Value {
    let reply = server.get(path).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
    reply.json()
}

fn city_extent(catalog: &Value) -> [f64; 4] {
    let e = catalog["city"]["extent"].as_array().unwrap();
    [0, 1, 2, 3].map(|i| e[i].as_f64().unwrap())
}

// ---- the checks ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_points_land_at_their_pixels_with_their_ids_and_properties() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let catalog = get_json(&server, "/api/v1/layers").await;
    let (z, x, y) = covering_tile(city_extent(&catalog));
    let mut exact: HashMap<String, (f64, f64)> = HashMap::new();
    server
        .city
        .store
        .for_each(|r| {
            exact.insert(r.service_request_id.clone(), (r.lon, r.lat));
        })
        .unwrap();

    // few enough to be points, one by one
    let filter = "type=streetlight&days=30";
    let geojson = get_json(
        &server,
        &format!("/api/v1/requests.geojson?{filter}&limit=10000"),
    )
    .await;
    let expected: HashMap<&str, &Value> = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), &f["properties"]))
        .collect();
    assert!(
        expected.len() > 20 && expected.len() <= 3_000,
        "{}",
        expected.len()
    );
    let layers = tile(
        &server,
        &format!("/tiles/requests/{z}/{x}/{y}.mvt?{filter}"),
    )
    .await;
    assert_eq!(layers.keys().collect::<Vec<_>>(), ["requests"]);
    let (extent, features) = &layers["requests"];
    assert_eq!(*extent, 4096);
    assert_eq!(
        features.len(),
        expected.len(),
        "every request once, as a point"
    );
    let mut ids = BTreeSet::new();
    for f in features {
        assert_eq!(f.kind, 1);
        assert!(ids.insert(f.id.expect("every feature has an id")));
        let id = f.props["service_request_id"].as_str().unwrap();
        let props = expected[id];
        for key in ["service_code", "status", "requested_datetime", "overdue"] {
            assert_eq!(f.props[key], props[key], "{id}: {key}");
        }
        assert!(!f.props.contains_key("cluster"));
        let (lon, lat) = exact[id];
        let (tx, ty, ux, uy) = position(lon, lat, z);
        assert_eq!((tx, ty), (x, y));
        let [px, py] = f.parts[0][0];
        assert!(
            (px as f64 - ux).abs() <= 0.5 + 1e-6 && (py as f64 - uy).abs() <= 0.5 + 1e-6,
            "{id} at {px},{py}, expected {ux:.2},{uy:.2}"
        );
    }

    // one known request deep down: its tile at zoom 18 has it at its pixel
    let (id, (lon, lat)) = exact
        .iter()
        .find(|(id, _)| expected.contains_key(id.as_str()))
        .unwrap();
    let (tx, ty, ux, uy) = position(*lon, *lat, 18);
    let layers = tile(
        &server,
        &format!("/tiles/requests/18/{tx}/{ty}.mvt?{filter}"),
    )
    .await;
    let here = layers["requests"]
        .1
        .iter()
        .find(|f| f.props["service_request_id"] == json!(id))
        .expect("the request is in its zoom-18 tile");
    let [px, py] = here.parts[0][0];
    assert!((px as f64 - ux).abs() <= 0.5 + 1e-6 && (py as f64 - uy).abs() <= 0.5 + 1e-6);
    assert!(ux >= 0.0 && uy >= 0.0 && ux < EXTENT && uy < EXTENT);
    // and in the neighbour's buffer only when within 64 units of the edge
    let layers = tile(
        &server,
        &format!("/tiles/requests/18/{}/{ty}.mvt?{filter}", tx + 1),
    )
    .await;
    let in_neighbour = layers["requests"]
        .1
        .iter()
        .any(|f| f.props["service_request_id"] == json!(id));
    assert_eq!(in_neighbour, ux >= EXTENT - 64.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tile_covering_the_city_counts_every_request_and_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let catalog = get_json(&server, "/api/v1/layers").await;
    let (z, x, y) = covering_tile(city_extent(&catalog));
    for filter in [
        "days=all",
        "days=365&status=open",
        "type=graffiti,pothole&days=90",
    ] {
        let total = get_json(
            &server,
            &format!("/api/v1/requests.geojson?{filter}&limit=1"),
        )
        .await["total"]
            .as_u64()
            .unwrap();
        let reply = server
            .get(&format!("/tiles/requests/{z}/{x}/{y}.mvt?{filter}"))
            .await;
        assert!(
            reply.body.len() < 400_000,
            "{filter}: {} bytes",
            reply.body.len()
        );
        let layers = decode(&reply.body);
        let features = &layers["requests"].1;
        let counted: u64 = features
            .iter()
            .map(|f| {
                if f.props.contains_key("cluster") {
                    let n = f.props["count"].as_u64().unwrap();
                    assert!(n >= 2);
                    let (open, overdue) = (
                        f.props["open"].as_u64().unwrap(),
                        f.props["overdue_count"].as_u64().unwrap(),
                    );
                    assert!(overdue <= open && open <= n);
                    n
                } else {
                    1
                }
            })
            .sum();
        assert_eq!(
            counted, total,
            "{filter}: the tile's points and clusters add up"
        );
        assert!(features.len() <= 66 * 66, "{filter}: {}", features.len());
        if total > 3_000 {
            assert!(
                features.iter().any(|f| f.props.contains_key("cluster")),
                "{filter}"
            );
        }
        let ids: BTreeSet<u64> = features.iter().map(|f| f.id.unwrap()).collect();
        assert_eq!(ids.len(), features.len(), "{filter}: ids are unique");
        for f in features {
            let [px, py] = f.parts[0][0];
            assert!((-64..=4160).contains(&px) && (-64..=4160).contains(&py));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hexbin_and_hotspot_tiles_hold_the_geojson_layers_features() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let catalog = get_json(&server, "/api/v1/layers").await;
    let (z, x, y) = covering_tile(city_extent(&catalog));

    let filter = "days=365&res=8";
    let geojson = get_json(&server, &format!("/api/v1/hexbins.geojson?{filter}")).await;
    let layers = tile(&server, &format!("/tiles/hexbins/{z}/{x}/{y}.mvt?{filter}")).await;
    let features = &layers["hexbins"].1;
    let expected = geojson["features"].as_array().unwrap();
    assert_eq!(features.len(), expected.len());
    let by_h3: HashMap<&str, &Feature> = features
        .iter()
        .map(|f| (f.props["h3"].as_str().unwrap(), f))
        .collect();
    for e in expected {
        let h3 = e["properties"]["h3"].as_str().unwrap();
        let f = by_h3[h3];
        assert_eq!(
            f.id,
            Some(u64::from_str_radix(h3, 16).unwrap()),
            "the id is the H3 index"
        );
        for key in ["count", "open", "overdue"] {
            assert_eq!(f.props[key], e["properties"][key], "{h3} {key}");
        }
        assert_eq!(f.kind, 3);
        assert!(
            f.parts.iter().all(|ring| area2(ring) > 0),
            "one exterior ring each"
        );
        // the ring's corners are the cell's corners (within rounding)
        let corner = &e["geometry"]["coordinates"][0][0];
        let (_, _, ux, uy) = position(corner[0].as_f64().unwrap(), corner[1].as_f64().unwrap(), z);
        assert!(f.parts[0]
            .iter()
            .any(|p| (p[0] as f64 - ux).abs() <= 1.0 && (p[1] as f64 - uy).abs() <= 1.0));
    }

    for filter in [
        "type=streetlight&days=365",
        "type=illegal_dumping&days=365&method=dbscan",
    ] {
        let geojson = get_json(&server, &format!("/api/v1/hotspots.geojson?{filter}")).await;
        let expected = geojson["features"].as_array().unwrap();
        assert!(!expected.is_empty(), "{filter}");
        let layers = tile(
            &server,
            &format!("/tiles/hotspots/{z}/{x}/{y}.mvt?{filter}"),
        )
        .await;
        let features = &layers["hotspots"].1;
        assert_eq!(features.len(), expected.len(), "{filter}");
        for (i, (f, e)) in features.iter().zip(expected).enumerate() {
            let p = &e["properties"];
            assert_eq!(
                f.props["id"], e["id"],
                "{filter}: same order as the GeoJSON layer"
            );
            assert_eq!(f.props["kind"], p["kind"]);
            assert_eq!(f.props["count"], p["count"]);
            if p["kind"] == "cell" {
                assert_eq!(f.props["bin"], p["bin"]);
                assert_eq!(
                    f.id,
                    u64::from_str_radix(p["h3"].as_str().unwrap(), 16).ok()
                );
            } else {
                assert_eq!(f.id, Some(i as u64 + 1));
            }
            if p["rank"].is_number() {
                assert_eq!(f.props["rank"], p["rank"]);
                assert_eq!(f.props["priority_reason"], p["priority_reason"]);
                // nested properties travel as their JSON text
                let types: Value =
                    serde_json::from_str(f.props["types"].as_str().unwrap()).unwrap();
                assert_eq!(types, p["types"]);
            }
            let exteriors = f.parts.iter().filter(|r| area2(r) > 0).count();
            assert!(exteriors >= 1, "{filter}: {} has an exterior ring", e["id"]);
            assert!(f.parts.iter().all(|r| area2(r) != 0));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tile_addresses_and_filters_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let cases: &[(&str, u16, Option<&str>, &str)] = &[
        ("/tiles/requests/23/0/0.mvt", 404, None, "zoom 23"),
        (
            "/tiles/requests/3/8/1.mvt",
            404,
            None,
            "x 8 is outside the 8 tiles of zoom 3",
        ),
        ("/tiles/requests/3/1/8.mvt", 404, None, "y 8 is outside"),
        ("/tiles/requests/a/0/0.mvt", 400, Some("z"), "not a tile z"),
        ("/tiles/requests/3/-1/0.mvt", 400, Some("x"), "not a tile x"),
        (
            "/tiles/requests/3/0/99999999999.mvt",
            400,
            Some("y"),
            "not a tile y",
        ),
        ("/tiles/requests/3/0/0.png", 404, None, ".mvt"),
        (
            "/tiles/requests/3/0.mvt",
            404,
            None,
            "/tiles/{layer}/{z}/{x}/{y}.mvt",
        ),
        (
            "/tiles/nope/0/0/0.mvt",
            404,
            None,
            "layers: requests, hexbins, hotspots",
        ),
        (
            "/tiles/requests/0/0/0.mvt?bbox=0,0,1,1",
            400,
            Some("bbox"),
            "own box",
        ),
        (
            "/tiles/requests/0/0/0.mvt?limit=5",
            400,
            Some("limit"),
            "unknown parameter",
        ),
        (
            "/tiles/requests/0/0/0.mvt?type=unicorns",
            400,
            Some("type"),
            "unicorns",
        ),
        (
            "/tiles/requests/0/0/0.mvt?days=0",
            400,
            Some("days"),
            "1 to",
        ),
        ("/tiles/hexbins/0/0/0.mvt?res=99", 400, Some("res"), "res"),
        (
            "/tiles/hotspots/0/0/0.mvt?method=repeats",
            400,
            Some("method"),
            "gistar",
        ),
        ("/tiles/hotspots/0/0/0.mvt?k=9", 400, Some("k"), "k"),
        ("/tiles/nope.json", 404, None, "no tile layer"),
        ("/tiles/requests.geojson", 404, None, "{layer}.json"),
        (
            "/tiles/requests.json?status=maybe",
            400,
            Some("status"),
            "maybe",
        ),
    ];
    for (path, status, parameter, says) in cases {
        let reply = server.get(path).await;
        assert_eq!(reply.status.as_u16(), *status, "{path}: {}", reply.text());
        let body = reply.json();
        assert_eq!(body["status"], json!(status), "{path}");
        assert_eq!(body["parameter"], json!(parameter), "{path}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(
            error.contains(says),
            "{path}: {error:?} should say {says:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_are_tagged_compressed_and_shared_like_the_layers() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let path = "/tiles/requests/0/0/0.mvt?days=all";
    let first = server.get(path).await;
    assert_eq!(first.status, StatusCode::OK);
    let etag = first.headers[header::ETAG].to_str().unwrap().to_string();
    assert!(etag.starts_with('"'), "{etag}");
    let again = server
        .get_with(path, &[(header::IF_NONE_MATCH, etag.as_str())])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let zipped = server
        .get_with(
            "/tiles/requests/0/0/0.mvt?days=all",
            &[
                (header::ACCEPT_ENCODING, "gzip"),
                (header::ORIGIN, "https://elsewhere.example"),
            ],
        )
        .await;
    assert_eq!(zipped.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(zipped.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(
        zipped.headers[header::CONTENT_TYPE],
        "application/vnd.mapbox-vector-tile"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tilejson_describes_each_layer_with_absolute_tile_urls() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let catalog = get_json(&server, "/api/v1/layers").await;
    let extent = city_extent(&catalog);
    let host = [(header::HOST, "maps.example.org:8311")];
    for (layer, query) in [
        ("requests", "?type=streetlight&days=30"),
        ("hexbins", "?res=9"),
        ("hotspots", "?method=dbscan&eps_m=150"),
        ("requests", ""),
    ] {
        let reply = server
            .get_with(&format!("/tiles/{layer}.json{query}"), &host)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
        let tj = reply.json();
        assert_eq!(tj["tilejson"], "3.0.0");
        assert_eq!(tj["scheme"], "xyz");
        assert_eq!(
            tj["tiles"],
            json!([format!(
                "http://maps.example.org:8311/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt{query}"
            )])
        );
        assert_eq!(tj["minzoom"], 0);
        assert!(tj["maxzoom"].as_u64().unwrap() >= 16);
        let bounds: Vec<f64> = serde_json::from_value(tj["bounds"].clone()).unwrap();
        assert_eq!(bounds, extent);
        let center = tj["center"].as_array().unwrap();
        let (lon, lat) = (center[0].as_f64().unwrap(), center[1].as_f64().unwrap());
        assert!(lon > extent[0] && lon < extent[2] && lat > extent[1] && lat < extent[3]);
        assert!(
            (10..=16).contains(&center[2].as_u64().unwrap()),
            "{}",
            center[2]
        );
        let vl = &tj["vector_layers"][0];
        assert_eq!(vl["id"], layer);
        let fields = vl["fields"].as_object().unwrap();
        assert!(fields.contains_key("count"), "{layer}: {fields:?}");
    }
    // behind a TLS proxy
    let reply = server
        .get_with(
            "/tiles/requests.json",
            &[
                (header::HOST, "maps.example.org"),
                (
                    header::HeaderName::from_static("x-forwarded-proto"),
                    "https",
                ),
            ],
        )
        .await;
    assert_eq!(
        reply.json()["tiles"][0],
        "https://maps.example.org/tiles/requests/{z}/{x}/{y}.mvt"
    );
    // a Host that is not a host name is refused
    let reply = server
        .get_with(
            "/tiles/requests.json",
            &[(header::HOST, "evil.example/\"x")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["parameter"], "Host");
}

/// The tile decoded by `mapbox_vector_tile.decode` (tile units, y down).
fn python_decode(tile: &[u8]) -> Value {
    let script = r#"
import json, struct, sys
import mapbox_vector_tile
tile = mapbox_vector_tile.decode(sys.stdin.buffer.read(), default_options={"y_coord_down": True})
# doubles as their bits: JSON text would round them
bits = lambda x: {"f64_bits": struct.unpack("<Q", struct.pack("<d", x))[0]}
for layer in tile.values():
    for f in layer["features"]:
        f["properties"] = {k: bits(v) if isinstance(v, float) else v for k, v in f["properties"].items()}
print(json.dumps(tile))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(tile).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A geometry's positions with rings' closing points dropped, as our decoder reads them.
fn python_parts(geometry: &Value) -> Vec<Vec<[i64; 2]>> {
    let pos = |p: &Value| [p[0].as_i64().unwrap(), p[1].as_i64().unwrap()];
    let ring = |r: &Value| {
        let mut v: Vec<[i64; 2]> = r.as_array().unwrap().iter().map(pos).collect();
        v.pop(); // closed by the decoder
        v
    };
    let c = &geometry["coordinates"];
    match geometry["type"].as_str().unwrap() {
        "Point" => vec![vec![pos(c)]],
        "Polygon" => c.as_array().unwrap().iter().map(ring).collect(),
        "MultiPolygon" => c
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p.as_array().unwrap().iter().map(ring))
            .collect(),
        other => panic!("unexpected geometry {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_mapbox_vector_tile_reads_the_same_tiles() {
    if !common::require_python(
        "the mapbox-vector-tile cross-check",
        "mapbox_vector_tile",
        "mapbox-vector-tile",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = common::demo_app(dir.path());
    let catalog = get_json(&server, "/api/v1/layers").await;
    let (z, x, y) = covering_tile(city_extent(&catalog));
    for path in [
        format!("/tiles/requests/{z}/{x}/{y}.mvt?type=streetlight&days=30"),
        format!("/tiles/requests/{z}/{x}/{y}.mvt?days=all"),
        format!("/tiles/hexbins/{z}/{x}/{y}.mvt?days=365&res=9"),
        format!("/tiles/hotspots/{z}/{x}/{y}.mvt?type=streetlight&days=365"),
        format!(
            "/tiles/hotspots/{}/{}/{}.mvt?type=streetlight&days=365",
            z + 2,
            x * 4 + 1,
            y * 4 + 2
        ),
    ] {
        let body = server.get(&path).await.body;
        let ours = decode(&body);
        let theirs = python_decode(&body);
        let names: Vec<&String> = theirs.as_object().unwrap().keys().collect();
        assert_eq!(names, ours.keys().collect::<Vec<_>>(), "{path}");
        for (name, (extent, features)) in &ours {
            let layer = &theirs[name.as_str()];
            assert_eq!(layer["extent"], json!(extent));
            assert_eq!(layer["version"], 2);
            let decoded = layer["features"].as_array().unwrap();
            assert_eq!(decoded.len(), features.len(), "{path}");
            for (f, d) in features.iter().zip(decoded) {
                assert_eq!(d["id"], json!(f.id.unwrap_or(0)), "{path}");
                let props: BTreeMap<String, Value> =
                    serde_json::from_value(d["properties"].clone()).unwrap();
                let ours: BTreeMap<String, Value> = f
                    .props
                    .iter()
                    .map(|(k, v)| match v.as_f64().filter(|_| v.is_f64()) {
                        Some(x) => (k.clone(), json!({"f64_bits": x.to_bits()})),
                        None => (k.clone(), v.clone()),
                    })
                    .collect();
                assert_eq!(props, ours, "{path}");
                assert_eq!(python_parts(&d["geometry"]), f.parts, "{path}: {}", d["id"]);
            }
        }
    }
}
