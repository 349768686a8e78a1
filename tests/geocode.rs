//! The geocoder on the demo city (messy spellings of its own addresses, interpolation
//! against the generator's geometry, intersections), through the CLI, HTTP (in-process),
//! Open311 POST and import, and on real Philadelphia addresses when the shared data is present.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use hotspot::city::City;
use hotspot::config::Config;
use hotspot::demo::AddressPoint;
use hotspot::geocode::{parse_address, Geocoder, MatchType, ParsedAddress, ACCEPT_SCORE};
use hotspot::projection::haversine_m;
use serde_json::Value;

const API_KEY: &str = "test-key-riverton";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn demo_points() -> Vec<AddressPoint> {
    let file = std::fs::File::open(fixture("fixtures/demo/addresses.csv")).unwrap();
    hotspot::demo::read_addresses_csv(file).unwrap()
}

fn demo_geocoder() -> Geocoder {
    Geocoder::from_files(
        &[fixture("fixtures/demo/addresses.csv")],
        Some(&fixture("fixtures/demo/streets.geojson")),
    )
    .unwrap()
    .unwrap()
}

/// A config of the demo city (its reference data and extent, no seeding) in `dir`.
fn demo_config(dir: &Path) -> PathBuf {
    let path = dir.join("hotspot.toml");
    let text = format!(
        "name = \"Riverton test\"\ntimezone = \"America/New_York\"\n\
         extent = [-75.460, 39.948, -75.340, 40.022]\napi_keys = [\"{API_KEY}\"]\n\
         catalog = {:?}\naddresses = [{:?}]\nstreets = {:?}\n",
        Config::bundled_catalog().display().to_string(),
        fixture("fixtures/demo/addresses.csv").display().to_string(),
        fixture("fixtures/demo/streets.geojson")
            .display()
            .to_string(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

// ---------------------------------------------------------------- messy spellings

/// Spelled ordinals up to 49 (`FIFTH`, `TWENTY-FIRST`).
fn spelled_ordinal(n: u32) -> String {
    const ONES: [&str; 10] = [
        "", "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH",
    ];
    const TEENS: [&str; 10] = [
        "TENTH",
        "ELEVENTH",
        "TWELFTH",
        "THIRTEENTH",
        "FOURTEENTH",
        "FIFTEENTH",
        "SIXTEENTH",
        "SEVENTEENTH",
        "EIGHTEENTH",
        "NINETEENTH",
    ];
    const TENS: [&str; 5] = ["", "", "TWENTY", "THIRTY", "FORTY"];
    const TENTHS: [&str; 5] = ["", "", "TWENTIETH", "THIRTIETH", "FORTIETH"];
    match n {
        1..=9 => ONES[n as usize].into(),
        10..=19 => TEENS[n as usize - 10].into(),
        _ if n % 10 == 0 => TENTHS[n as usize / 10].into(),
        _ => format!("{}-{}", TENS[n as usize / 10], ONES[n as usize % 10]),
    }
}

fn spell_out(word: &str) -> &str {
    match word {
        "ST" => "Street",
        "AVE" => "Avenue",
        "RD" => "Road",
        "BLVD" => "Boulevard",
        "N" => "North",
        "S" => "South",
        other => other,
    }
}

/// The street name with one letter of its longest alphabetic word changed.
fn typo(street: &str) -> Option<String> {
    let words: Vec<&str> = street.split(' ').collect();
    let (k, word) = words
        .iter()
        .enumerate()
        .filter(|(_, w)| w.len() >= 5 && w.bytes().all(|b| b.is_ascii_alphabetic()))
        .max_by_key(|(_, w)| w.len())?;
    let mut letters: Vec<u8> = word.bytes().collect();
    let i = letters.len() / 2;
    letters[i] = if letters[i] == b'X' { b'Q' } else { b'X' };
    let mut out = words.clone();
    let changed = String::from_utf8(letters).ok()?;
    out[k] = &changed;
    Some(out.join(" "))
}

/// One of ten rewritings of an address point, chosen by `k`.
fn messy(p: &AddressPoint, k: usize) -> String {
    let words: Vec<&str> = p.street.split(' ').collect();
    let number = p.number;
    match k % 10 {
        0 => format!("{number} {}", p.street.to_lowercase()),
        1 => {
            let w: Vec<&str> = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if i == words.len() - 1 {
                        spell_out(w)
                    } else {
                        w
                    }
                })
                .collect();
            format!("{number} {}", w.join(" "))
        }
        2 => {
            let w: Vec<&str> = words.iter().map(|w| spell_out(w)).collect();
            format!("{number} {}", w.join(" ").to_lowercase())
        }
        3 => {
            let w: Vec<String> = words
                .iter()
                .map(|w| {
                    let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
                    match digits.parse::<u32>() {
                        Ok(n) if digits.len() < w.len() => spelled_ordinal(n),
                        _ => w.to_string(),
                    }
                })
                .collect();
            format!("{number} {}", w.join(" "))
        }
        4 => format!("{number} {} Apt 2", p.street),
        5 => format!("{number} {} #3", p.street.to_lowercase()),
        6 => format!("{number} {}, Riverton PA {}", p.street, p.postcode),
        7 => format!("{number} {}", words[..words.len() - 1].join(" ")),
        8 => match typo(&p.street) {
            Some(t) => format!("{number} {t}"),
            None => format!("{number} {}", p.street),
        },
        _ => format!("{number}-{:02} {}", (number + 4) % 100, p.street),
    }
}

#[test]
fn demo_addresses_in_messy_spellings_land_on_their_points() {
    let g = demo_geocoder();
    let points = demo_points();
    let mut within = 0;
    let mut misses = Vec::new();
    let mut kinds: HashMap<MatchType, usize> = HashMap::new();
    for (k, p) in points.iter().enumerate() {
        let query = messy(p, k);
        let result = g.geocode(&query, None);
        let best = result.accepted(ACCEPT_SCORE);
        let d = best.map(|m| haversine_m(m.lon, m.lat, p.lon, p.lat));
        if let Some(m) = best {
            *kinds.entry(m.match_type).or_default() += 1;
        }
        if d.is_some_and(|d| d <= 30.0) {
            within += 1;
        } else if misses.len() < 10 {
            misses.push(format!("{query:?} → {d:?} {:?}", result.best));
        }
    }
    let rate = within as f64 / points.len() as f64;
    println!(
        "demo messy spellings: {within} of {} within 30 m ({:.2} %), match types {kinds:?}",
        points.len(),
        rate * 100.0
    );
    assert!(rate >= 0.98, "{rate}: {misses:#?}");
    // the typo rows really went through the fuzzy matcher
    assert!(kinds.get(&MatchType::Fuzzy).copied().unwrap_or(0) > points.len() / 40);
}

// ---------------------------------------------------------------- interpolation

struct DemoSegment {
    name: String,
    a: [f64; 2],
    b: [f64; 2],
    left: Option<(u32, u32)>,
    right: Option<(u32, u32)>,
}

fn demo_segments() -> Vec<DemoSegment> {
    let text = std::fs::read_to_string(fixture("fixtures/demo/streets.geojson")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let pos = |v: &Value| [v[0].as_f64().unwrap(), v[1].as_f64().unwrap()];
    let range = |p: &Value, f: &str, t: &str| Some((p[f].as_u64()? as u32, p[t].as_u64()? as u32));
    doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let c = f["geometry"]["coordinates"].as_array().unwrap();
            let p = &f["properties"];
            DemoSegment {
                name: p["FULLNAME"].as_str().unwrap().to_string(),
                a: pos(&c[0]),
                b: pos(&c[c.len() - 1]),
                left: range(p, "LFROMADD", "LTOADD"),
                right: range(p, "RFROMADD", "RTOADD"),
            }
        })
        .collect()
}

/// Where the demo generator puts house `n` of a side (see `src/demo/addresses.rs`): a
/// fraction of the block between 8 % and 92 % (15–85 % on diagonals), 12 m to the side.
fn generator_position(s: &DemoSegment, from: u32, n: u32, left: bool) -> (f64, f64) {
    let ky = 111_045.0;
    let kx = ky * 39.985_f64.to_radians().cos();
    let (dx, dy) = ((s.b[0] - s.a[0]) * kx, (s.b[1] - s.a[1]) * ky);
    let len = dx.hypot(dy);
    let diagonal = dx.abs() > 1.0 && dy.abs() > 1.0;
    let (t0, t1) = if diagonal { (0.15, 0.85) } else { (0.08, 0.92) };
    // number = from + 2 floor(49.999 u): the middle of u's bin for this number
    let u = (f64::from(n - from) + 1.0) / 100.0;
    let t = t0 + u * (t1 - t0);
    let sign = if left { 1.0 } else { -1.0 };
    let (nx, ny) = (-dy / len * sign, dx / len * sign);
    let x = dx * t + nx * 12.0;
    let y = dy * t + ny * 12.0;
    (s.a[0] + x / kx, s.a[1] + y / ky)
}

#[test]
fn interpolated_numbers_land_where_the_generator_puts_them() {
    let g = demo_geocoder();
    let known: HashSet<(String, u32)> = demo_points()
        .into_iter()
        .map(|p| (p.street, p.number))
        .collect();
    let (mut n, mut within, mut worst) = (0, 0, 0.0_f64);
    let mut kinds: HashMap<MatchType, usize> = HashMap::new();
    for s in demo_segments().iter().step_by(3) {
        for (range, left) in [(s.left, true), (s.right, false)] {
            let Some((from, to)) = range else { continue };
            for number in (from..=to).step_by(2) {
                if known.contains(&(s.name.clone(), number)) {
                    continue;
                }
                let (lon, lat) = generator_position(s, from, number, left);
                let r = g.geocode(&format!("{number} {}", s.name), None);
                let m = r.best.expect("located");
                *kinds.entry(m.match_type).or_default() += 1;
                let d = haversine_m(m.lon, m.lat, lon, lat);
                worst = worst.max(d);
                n += 1;
                if d <= 30.0 {
                    within += 1;
                }
            }
        }
    }
    println!("interpolated: {within} of {n} within 30 m, worst {worst:.1} m, {kinds:?}");
    assert!(n > 5_000, "{n}");
    assert_eq!(kinds.get(&MatchType::Interpolated), Some(&n));
    assert!(
        within as f64 >= 0.99 * n as f64,
        "{within} of {n}, worst {worst}"
    );
}

#[test]
fn intersections_land_on_the_crossing() {
    let g = demo_geocoder();
    // nodes shared by exactly two differently named streets
    let mut nodes: HashMap<(i64, i64), (Vec<String>, [f64; 2])> = HashMap::new();
    for s in demo_segments() {
        for p in [s.a, s.b] {
            let key = ((p[0] * 1e6).round() as i64, (p[1] * 1e6).round() as i64);
            let entry = nodes.entry(key).or_insert_with(|| (Vec::new(), p));
            if !entry.0.contains(&s.name) {
                entry.0.push(s.name.clone());
            }
        }
    }
    let (mut n, mut on) = (0, 0);
    let connectors = [" & ", " and ", " at "];
    for (k, (names, p)) in nodes.values().enumerate() {
        let [a, b] = names.as_slice() else { continue };
        // N 5TH ST and S 5TH ST meet at MARKET: one street, not a crossing
        let strip = |s: &str| {
            s.trim_start_matches("N ")
                .trim_start_matches("S ")
                .to_string()
        };
        if strip(a) == strip(b) {
            continue;
        }
        let q = format!("{a}{}{}", connectors[k % 3], b.to_lowercase());
        let r = g.geocode(&q, None);
        n += 1;
        match r.best {
            Some(m) if haversine_m(m.lon, m.lat, p[0], p[1]) < 2.0 => {
                assert_eq!(m.match_type, MatchType::Intersection, "{q}");
                on += 1;
            }
            other => println!("{q}: {other:?}"),
        }
    }
    println!("intersections: {on} of {n} on the shared node");
    assert!(n > 500 && on as f64 >= 0.99 * n as f64, "{on} of {n}");
    // a crossing in the middle of segments: the diagonal avenue and a grid street
    let r = g.geocode("Ridge Ave & Girard Ave", None).best.unwrap();
    assert_eq!(r.match_type, MatchType::Intersection);
}

// ---------------------------------------------------------------- cross streets and notes

/// Each demo street's crossings: (node, the other street's name).
fn crossings() -> HashMap<String, Vec<([f64; 2], String)>> {
    let mut nodes: HashMap<(i64, i64), (Vec<String>, [f64; 2])> = HashMap::new();
    for s in demo_segments() {
        for p in [s.a, s.b] {
            let key = ((p[0] * 1e6).round() as i64, (p[1] * 1e6).round() as i64);
            let entry = nodes.entry(key).or_insert_with(|| (Vec::new(), p));
            if !entry.0.contains(&s.name) {
                entry.0.push(s.name.clone());
            }
        }
    }
    let mut out: HashMap<String, Vec<([f64; 2], String)>> = HashMap::new();
    for (names, p) in nodes.values() {
        for a in names {
            for b in names.iter().filter(|b| *b != a) {
                out.entry(a.clone()).or_default().push((*p, b.clone()));
            }
        }
    }
    out
}

#[test]
fn numbered_addresses_with_a_cross_street_or_note_land_on_their_points() {
    let g = demo_geocoder();
    let crossings = crossings();
    let (mut n, mut within) = (0, 0);
    let mut misses = Vec::new();
    for (k, p) in demo_points().iter().enumerate().step_by(5) {
        let Some(near) = crossings.get(&p.street) else {
            continue;
        };
        // the two nearest crossings of the point's street
        let mut near: Vec<(f64, &str)> = near
            .iter()
            .map(|(q, name)| (haversine_m(p.lon, p.lat, q[0], q[1]), name.as_str()))
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (x, y) = (near[0].1, near.get(1).map_or(near[0].1, |c| c.1));
        let (num, st) = (p.number, &p.street);
        let query = match k % 10 {
            0 => format!("{num} {st} AT {x}"),
            1 => format!("{num} {} @ {}", st.to_lowercase(), x.to_lowercase()),
            2 => format!("{num} {st} & {x}"),
            3 => format!("{num} {st} and {x}"),
            4 => format!("{num} {st} near {x}"),
            5 => format!("{num} {st} between {x} and {y}"),
            6 => format!("{num} {} (at {})", st.to_lowercase(), x.to_lowercase()),
            7 => format!("{num} {st} (AKA {} {st})", num + 1000),
            8 => format!("{num} {st} (rear), Riverton PA {}", p.postcode),
            _ => format!("{num} {st} Apt 2 (corner of {x} [{y}]"),
        };
        n += 1;
        let r = g.geocode(&query, None);
        let d = r
            .accepted(ACCEPT_SCORE)
            .map(|m| haversine_m(m.lon, m.lat, p.lon, p.lat));
        if d.is_some_and(|d| d <= 30.0) {
            within += 1;
        } else if misses.len() < 10 {
            misses.push(format!("{query:?} → {d:?} {:?}", r.reason));
        }
    }
    println!(
        "demo addresses with a cross street or note: {within} of {n} within 30 m ({:.2} %)",
        100.0 * within as f64 / n as f64
    );
    assert!(n > 4_000, "{n}");
    assert!(
        within as f64 >= 0.995 * n as f64,
        "{within} of {n}: {misses:#?}"
    );
    // without a house number the same words are an intersection
    let r = g.geocode("Ridge Ave & Girard Ave (near the park)", None);
    assert_eq!(r.best.unwrap().match_type, MatchType::Intersection);
}

// ---------------------------------------------------------------- CLI

#[test]
fn cli_geocodes_one_address_and_a_batch() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config(dir.path());
    let config = config.to_str().unwrap();
    let p = &demo_points()[1234];
    let query = format!("{} {}", p.number, p.street.to_lowercase());
    let (ok, out, err) = common::run_hotspot(&["geocode", &query, "--config", config]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["best"]["match_type"], "exact");
    let (lon, lat) = (
        v["best"]["lon"].as_f64().unwrap(),
        v["best"]["lat"].as_f64().unwrap(),
    );
    assert!(haversine_m(lon, lat, p.lon, p.lat) < 1.0);

    // CSV, with reference files given on the command line instead of a config
    let (ok, out, err) = common::run_hotspot(&[
        "geocode",
        "N 5TH ST & MARKET ST",
        "--addresses",
        fixture("fixtures/demo/addresses.csv").to_str().unwrap(),
        "--streets",
        fixture("fixtures/demo/streets.geojson").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "query,lat,lon,match_type,score,matched_address");
    assert!(lines[1].contains(",intersection,"), "{out}");

    let (ok, out, _) = common::run_hotspot(&["geocode", "99 Nowhere Lane", "--config", config]);
    assert!(!ok);
    assert!(out.contains("\"reason\""), "{out}");

    let input = dir.path().join("in.csv");
    let points = demo_points();
    let mut text = String::from("id,address,zipcode\n");
    for (k, p) in points.iter().step_by(97).enumerate() {
        text.push_str(&format!(
            "{k},\"{} {}\",{}\n",
            p.number, p.street, p.postcode
        ));
    }
    text.push_str("x,\"12 Atlantis Way\",\n");
    std::fs::write(&input, &text).unwrap();
    let output = dir.path().join("out.csv");
    let (ok, _, err) = common::run_hotspot(&[
        "geocode",
        "--batch",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--config",
        config,
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("not found"), "{err}");
    let mut reader = csv::Reader::from_path(&output).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "id",
            "address",
            "zipcode",
            "lat",
            "lon",
            "match_type",
            "score",
            "matched_address"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let expected: Vec<&AddressPoint> = points.iter().step_by(97).collect();
    assert_eq!(rows.len(), expected.len() + 1);
    for (row, p) in rows.iter().zip(&expected) {
        assert_eq!(&row[5], "exact", "{row:?}");
        let (lat, lon): (f64, f64) = (row[3].parse().unwrap(), row[4].parse().unwrap());
        assert!(haversine_m(lon, lat, p.lon, p.lat) < 1.0, "{row:?}");
    }
    let last = rows.last().unwrap();
    assert_eq!((&last[3], &last[4], &last[5]), ("", "", "none"));
}

// ---------------------------------------------------------------- HTTP

/// The demo city with its geocoder (router called in-process), and the data directory it
/// lives in.
struct Server {
    inner: common::TestApp,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Server {
    type Target = common::TestApp;
    fn deref(&self) -> &common::TestApp {
        &self.inner
    }
}

fn start_demo() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(&demo_config(dir.path())).unwrap();
    let app = City::open(config, dir.path()).unwrap();
    assert!(app.geocoder.is_some());
    Server {
        inner: common::TestApp::new(app),
        _dir: dir,
    }
}

async fn get(server: &Server, path: &str) -> (u16, Value) {
    let reply = server.get(path).await;
    (reply.status.as_u16(), reply.json_or_null())
}

#[tokio::test]
async fn http_geocode_and_reverse() {
    let server = start_demo();
    let p = &demo_points()[4321];
    let q = format!("{} {}", p.number, p.street);
    let url = format!(
        "/api/v1/geocode?{}",
        serde_urlencoded::to_string([("q", &q)]).unwrap()
    );
    let (status, v) = get(&server, &url).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["best"]["match_type"], "exact");
    assert_eq!(v["best"]["matched_address"], q);
    let (lon, lat) = (
        v["best"]["lon"].as_f64().unwrap(),
        v["best"]["lat"].as_f64().unwrap(),
    );
    assert!(haversine_m(lon, lat, p.lon, p.lat) < 1.0);

    // reverse of the point gives its address back
    let (status, v) = get(
        &server,
        &format!("/api/v1/reverse?lat={}&lon={}", p.lat, p.lon),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["address"], q);
    assert!(v["distance_m"].as_f64().unwrap() < 1.0);
    assert!(v["nearest_street"]["street"].as_str().is_some(), "{v}");

    // ambiguous and unknown queries
    let (status, v) = get(&server, "/api/v1/geocode?q=150+5th+st").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ambiguous"], true);
    assert!(!v["candidates"].as_array().unwrap().is_empty());
    let (status, v) = get(&server, "/api/v1/geocode?q=12+Atlantis+Way").await;
    assert_eq!((status, v["parameter"].as_str()), (404, Some("q")), "{v}");

    let long = "x".repeat(600);
    for (path, parameter) in [
        ("/api/v1/geocode".to_string(), "q"),
        ("/api/v1/geocode?q=".to_string(), "q"),
        ("/api/v1/geocode?q=%20%20".to_string(), "q"),
        (format!("/api/v1/geocode?q={long}"), "q"),
        (
            "/api/v1/geocode?q=1+Market+St&zipcode=abc".to_string(),
            "zipcode",
        ),
        (
            "/api/v1/geocode?q=1+Market+St&q=2+Market+St".to_string(),
            "q",
        ),
        ("/api/v1/reverse?lat=abc&lon=-75.4".to_string(), "lat"),
        ("/api/v1/reverse?lat=NaN&lon=-75.4".to_string(), "lat"),
        ("/api/v1/reverse?lat=39.98&lon=inf".to_string(), "lon"),
        ("/api/v1/reverse?lat=91&lon=-75.4".to_string(), "lat"),
        ("/api/v1/reverse?lat=39.98&lon=-181".to_string(), "lon"),
        ("/api/v1/reverse?lat=39.98".to_string(), "lon"),
    ] {
        let (status, v) = get(&server, &path).await;
        assert_eq!(status, 400, "{path}: {v}");
        assert_eq!(v["parameter"], parameter, "{path}: {v}");
        assert!(
            v["error"].as_str().unwrap().contains(parameter),
            "{path}: {v}"
        );
    }
}

#[tokio::test]
async fn open311_post_with_only_an_address_is_geocoded() {
    let server = start_demo();
    let p = &demo_points()[777];
    let post = |address: String| {
        let fields = vec![
            ("api_key", API_KEY.to_string()),
            ("service_code", "pothole".to_string()),
            ("address_string", address),
            ("description", "deep".to_string()),
        ];
        let server = &server;
        async move { server.post_form("/open311/v2/requests.json", &fields).await }
    };
    let resp = post(format!(
        "{} {} Street",
        p.number,
        p.street.trim_end_matches(" ST")
    ))
    .await;
    assert_eq!(resp.status.as_u16(), 201);
    let v: Value = resp.json();
    let id = v[0]["service_request_id"].as_str().unwrap().to_string();
    let (status, stored) = get(&server, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(status, 200);
    let (lat, lon) = (
        stored[0]["lat"].as_f64().unwrap(),
        stored[0]["long"].as_f64().unwrap(),
    );
    assert!(haversine_m(lon, lat, p.lon, p.lat) < 1.0, "{stored}");

    let before = server.city.store.count().unwrap();
    for address in ["12 Atlantis Way", "150 5th St"] {
        let resp = post(address.to_string()).await;
        assert_eq!(resp.status.as_u16(), 400);
        let v: Value = resp.json();
        let d = v[0]["description"].as_str().unwrap();
        assert!(
            d.starts_with("address_string") && d.contains("candidates"),
            "{d}"
        );
    }
    // "150 5th St" is north or south: both are offered
    assert_eq!(server.city.store.count().unwrap(), before);
}

// ---------------------------------------------------------------- import

#[test]
fn import_geocodes_rows_without_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config(dir.path());
    let data = dir.path().join("data");
    let file = dir.path().join("requests.csv");
    let points = demo_points();
    let mut text =
        String::from("service_request_id,service_name,requested_datetime,address,lat,lon\n");
    for k in 0..20 {
        let p = &points[k * 501];
        text.push_str(&format!(
            "R{k},Pothole,2026-03-01 10:00,{} {},,\n",
            p.number, p.street
        ));
    }
    text.push_str("R20,Pothole,2026-03-01 10:00,12 Atlantis Way,,\n");
    text.push_str("R21,Pothole,2026-03-01 10:00,,39.98,-75.40\n");
    std::fs::write(&file, text).unwrap();
    let (ok, out, err) = common::run_hotspot(&[
        "import",
        file.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("read 22, new 21, updated 0 (moved 0), unchanged 0, rejected 1"),
        "{out}"
    );
    assert!(out.contains("geocoded 20 rows"), "{out}");
    assert!(
        out.contains("line 22: address: address could not be geocoded"),
        "{out}"
    );
    let app = City::open(Config::load(&config).unwrap(), &data).unwrap();
    let mut stored = HashMap::new();
    app.store
        .for_each(|r| {
            stored.insert(r.service_request_id.clone(), r);
        })
        .unwrap();
    for k in 0..20 {
        let (p, r) = (&points[k * 501], &stored[&format!("R{k}")]);
        assert!(haversine_m(r.lon, r.lat, p.lon, p.lat) < 1.0);
    }
}

// ---------------------------------------------------------------- Philadelphia

/// (address, lon, lat) of rows with both.
fn read_pairs(path: &Path, address: &str, lon: &str, lat: &str) -> Vec<(String, f64, f64)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (a, x, y) = (col(address), col(lon), col(lat));
    r.records()
        .map(Result::unwrap)
        .filter_map(|rec| {
            let text = rec[a].trim().to_string();
            let lon = rec[x].trim().parse().ok()?;
            let lat = rec[y].trim().parse().ok()?;
            (!text.is_empty()).then_some((text, lon, lat))
        })
        .collect()
}

/// Rewrites a real address: lower case, suffixes and directionals spelled out, a city and
/// state, a unit.
fn rewrite(text: &str, k: usize) -> String {
    let upper = text.to_uppercase();
    let words = |f: &dyn Fn(&str) -> Option<&'static str>| {
        upper
            .split_whitespace()
            .map(|w| f(w.trim_end_matches('.')).map_or(w.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match k % 5 {
        0 => text.to_lowercase(),
        1 => words(&|w| match w {
            "ST" => Some("STREET"),
            "AVE" => Some("AVENUE"),
            "RD" => Some("ROAD"),
            _ => None,
        }),
        2 => format!("{text}, Philadelphia, PA"),
        3 => format!("{upper} apt 1"),
        _ => words(&|w| match w {
            "N" => Some("NORTH"),
            "S" => Some("SOUTH"),
            "E" => Some("EAST"),
            "W" => Some("WEST"),
            _ => None,
        }),
    }
}

/// What an address file holds for a row: a numbered address up to its first cross street or
/// note ("5501 N. 5th St at Tabor" → "5501 N. 5th St"); other text as it is.
fn before_note(text: &str) -> &str {
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return text;
    }
    let upper = format!("{} ", text.to_ascii_uppercase());
    let cut = [
        "(",
        "@",
        "&",
        ",",
        " AT ",
        " AND ",
        " NEAR ",
        " BETWEEN ",
        " AKA ",
    ]
    .iter()
    .filter_map(|m| upper.find(m))
    .min()
    .unwrap_or(text.len());
    text[..cut.min(text.len())].trim_end()
}

#[test]
fn philadelphia_addresses_geocode_back_to_their_points() {
    let Some(shared) = hotspot::config::shared_data_dir() else {
        println!("skipped: the shared data folder (../shared/data) is absent");
        return;
    };
    let folder = shared.join("philadelphia/addresses");
    let buildings = folder.join("phl_city_buildings.csv");
    let schools = folder.join("phl_school_facilities_201302.csv");
    let markets = folder.join("phl_farmers_markets.csv");
    if !buildings.exists() || !schools.exists() {
        println!("skipped: Philadelphia address files are absent");
        return;
    }
    let mut pairs = read_pairs(&buildings, "ASSET_ADDR", "LNG", "LAT");
    pairs.extend(read_pairs(
        &schools,
        "facil_addr",
        "longitude_0",
        "latitude_0",
    ));
    if markets.exists() {
        pairs.extend(read_pairs(&markets, "ADDRESS", "LON", "LAT"));
    }
    // the reference: every row whose address has a number and a street, as OpenAddresses
    // holds it (number and street only: no cross street, no note)
    let dir = tempfile::tempdir().unwrap();
    let oa = dir.path().join("phl.csv");
    let mut w = csv::Writer::from_path(&oa).unwrap();
    w.write_record(["LON", "LAT", "NUMBER", "STREET", "POSTCODE"])
        .unwrap();
    let mut usable = Vec::new();
    let mut same_address: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
    for (text, lon, lat) in &pairs {
        if let Ok(ParsedAddress::Street(a)) = parse_address(before_note(text)) {
            let zip = a.zipcode.clone().unwrap_or_default();
            let row = [
                lon.to_string(),
                lat.to_string(),
                a.number.to_string(),
                a.street.full(),
                zip,
            ];
            w.write_record(&row).unwrap();
            let key = format!("{} {}", a.number, a.street.full());
            same_address
                .entry(key.clone())
                .or_default()
                .push((*lon, *lat));
            usable.push((text.clone(), key));
        }
    }
    w.flush().unwrap();
    let g = Geocoder::from_files(&[oa], None).unwrap().unwrap();
    // [all, with a cross street or note]: (rows, found, within 30 m)
    let mut counts = [[0usize; 3]; 2];
    let mut misses = Vec::new();
    for (k, (text, key)) in usable.iter().enumerate() {
        let noted = usize::from(before_note(text) != text.as_str());
        let query = rewrite(text, k);
        let r = g.geocode(&query, None);
        let d = r.accepted(ACCEPT_SCORE).map(|m| {
            // several buildings share some addresses: any of their points is right
            same_address[key]
                .iter()
                .map(|(lon, lat)| haversine_m(m.lon, m.lat, *lon, *lat))
                .fold(f64::INFINITY, f64::min)
        });
        for c in counts.iter_mut().take(1 + noted) {
            c[0] += 1;
            c[1] += usize::from(d.is_some());
            c[2] += usize::from(d.is_some_and(|d| d <= 30.0));
        }
        if !d.is_some_and(|d| d <= 30.0) && misses.len() < 10 {
            misses.push(format!("{text:?} as {query:?}: {d:?} {:?}", r.reason));
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    let [[n, found, within], [noted, noted_found, noted_within]] = counts;
    println!(
        "Philadelphia buildings + schools + farmers markets: {} rows, {n} with a numbered \
         address; rewritten: {found} found ({:.2} %), {within} within 30 m ({:.2} %); \
         {noted} with a cross street or note: {noted_found} found, {noted_within} within 30 m",
        pairs.len(),
        pct(found, n),
        pct(within, n)
    );
    println!("first misses: {misses:#?}");
    assert!(n > 2_500, "{n}");
    assert!(noted > 30, "{noted}");
    assert!(found as f64 >= 0.99 * n as f64, "{found} of {n}");
    assert!(within as f64 >= 0.995 * n as f64, "{within} of {n}");
    assert!(
        noted_within as f64 >= 0.95 * noted as f64,
        "{noted_within} of {noted}"
    );
}
