//! The bundled demo city, "Riverton": a deterministic synthetic city (streets with
//! address ranges, address points, boundary layers and a year of 311 requests with
//! planted hot spots) that makes a first run of Hotspot show everything it does.
//!
//! Riverton is an 8 km × 6 km grid around (39.985, −75.400) in America/New_York:
//! numbered north–south streets (`N 5TH ST` / `S 5TH ST`, split at MARKET ST, numbers
//! growing westward from FRONT ST), named east–west streets, two diagonal avenues
//! (RIDGE AVE, LANCASTER AVE), a river crossed by bridges and two parks. House numbers
//! run 100 per block from the baselines, even on the west/south side.
//!
//! [`generate`] builds everything in memory (requests in well under a second in
//! release builds); [`write_reference_files`] writes the reference files that are
//! committed to the repository (`cargo run --example gen_demo` regenerates them).
//! Requests are not written: the service generates them when it starts on an empty
//! data directory. The planted clusters and repeat addresses are ground truth for tests.

mod addresses;
mod boundaries;
mod calendar;
mod frame;
mod layout;
pub mod live;
mod planted;
mod profiles;
mod requests;
mod streets;
#[cfg(test)]
mod tests;

use std::io::Write;
use std::path::Path;

pub use addresses::{read_csv as read_addresses_csv, AddressPoint};
pub use planted::PlantedHotspot;

use crate::catalog::Catalog;
use crate::model::ServiceRequest;

/// Seed of every random choice in the demo city.
const SEED: u64 = 0x5249_5645_5254_4f4e; // "RIVERTON"

/// The generated demo city.
#[derive(Debug, Clone)]
pub struct DemoCity {
    /// Street centerlines: one LineString per block with TIGER-style properties.
    pub streets: geojson::FeatureCollection,
    /// Address points (OpenAddresses layout).
    pub addresses: Vec<AddressPoint>,
    /// Boundary layers as `(layer id, FeatureCollection)`: `council_districts`,
    /// `zip_codes`, `police_districts`, `neighborhoods`, `city_limits`.
    pub boundaries: Vec<(String, geojson::FeatureCollection)>,
    /// One year of requests (2025-11-01 to 2026-10-31, America/New_York), sorted by
    /// request time; `districts` left empty for the boundary tagger.
    pub requests: Vec<ServiceRequest>,
    /// The planted hot spots (ground truth).
    pub planted: Vec<PlantedHotspot>,
    /// Addresses ("1234 N 5TH ST") planted with many requests of several types.
    pub repeat_addresses: Vec<String>,
}

/// Local time the demo year ends: 2026-10-31 23:59:59 America/New_York, in UTC. Requests
/// open past their expected time at this instant are overdue.
pub fn end_of_year() -> chrono::DateTime<chrono::Utc> {
    calendar::end()
}

/// Generates Riverton. Deterministic: the same catalog gives the same city. Pass the
/// bundled catalog (`fixtures/catalog.toml`); services it lacks are left out.
pub fn generate(catalog: &Catalog) -> DemoCity {
    let network = streets::network();
    let layers = boundaries::layers(SEED);
    let zips = layers
        .iter()
        .find(|l| l.id == "zip_codes")
        .expect("zip layer exists");
    let zip_of = |cell: (i32, i32)| zips.feature_of(cell).unwrap_or_default().to_string();
    let addresses = addresses::address_points(&network.segments, zip_of);
    let sites: Vec<requests::Site> = addresses
        .iter()
        .map(|a| requests::Site {
            lon: a.lon,
            lat: a.lat,
            address: a.text(),
            zipcode: a.postcode.clone(),
        })
        .collect();
    let corners: Vec<requests::Site> = network
        .intersections
        .iter()
        .map(|c| {
            let [lon, lat] = frame::to_lon_lat(c.x, c.y);
            let cell = layout::cell_at(c.x, c.y).unwrap_or((0, 0));
            requests::Site {
                lon,
                lat,
                address: c.name.clone(),
                zipcode: zip_of(cell),
            }
        })
        .collect();
    let generated = requests::generate(catalog, &sites, &corners, SEED);
    DemoCity {
        streets: streets::to_geojson(&network, zip_of),
        addresses,
        boundaries: layers
            .iter()
            .map(|l| (l.id.to_string(), l.to_geojson()))
            .collect(),
        requests: generated.requests,
        planted: generated.planted,
        repeat_addresses: generated.repeat_addresses,
    }
}

/// Writes a FeatureCollection with one feature per line (compact, diff-friendly).
fn write_feature_collection(fc: &geojson::FeatureCollection, path: &Path) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for (k, f) in fc.features.iter().enumerate() {
        if k > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut out, f)?;
    }
    out.write_all(b"\n]}\n")?;
    out.flush()
}

/// The ground truth as written to `fixtures/demo/planted.json`.
pub fn ground_truth_json(city: &DemoCity) -> serde_json::Value {
    serde_json::json!({
        "city": "Riverton",
        "planted": city.planted,
        "repeat_addresses": city.repeat_addresses,
    })
}

/// The demo configuration (`fixtures/demo/hotspot.toml`) for the city's extent.
pub fn config_toml(city: &DemoCity) -> String {
    let [min_lon, min_lat, max_lon, max_lat] = extent(city);
    format!(
        "# Riverton, the bundled demo city. Generated by `cargo run --example gen_demo`: do not edit.\n\
         # The demo's write key is demo-key-riverton-311 (Open311 POST api_key).\n\
         name = \"Riverton\"\n\
         timezone = \"America/New_York\"\n\
         extent = [{min_lon:.3}, {min_lat:.3}, {max_lon:.3}, {max_lat:.3}]\n\
         h3_resolution = 9\n\
         api_keys = [\"demo-key-riverton-311\"]\n\
         catalog = \"../catalog.toml\"\n\
         boundaries = \"../../boundaries\"\n\
         study_area = \"../../boundaries/city_limits.geojson\"\n\
         addresses = [\"addresses.csv\"]\n\
         streets = \"streets.geojson\"\n\
         demo = true\n\
         \n\
         [crs]\n\
         csv = \"EPSG:2272\"\n"
    )
}

/// The city limits' bounding box grown by about 1 km, rounded outward to 0.001°.
fn extent(city: &DemoCity) -> [f64; 4] {
    let mut bb = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for (_, fc) in city.boundaries.iter().filter(|(id, _)| id == "city_limits") {
        for f in &fc.features {
            let Some(g) = &f.geometry else { continue };
            let Ok(mp) = geo::MultiPolygon::<f64>::try_from(&g.value).or_else(|_| {
                geo::Polygon::<f64>::try_from(&g.value).map(|p| geo::MultiPolygon(vec![p]))
            }) else {
                continue;
            };
            for c in mp.0.iter().flat_map(|p| p.exterior().coords()) {
                bb = [
                    bb[0].min(c.x),
                    bb[1].min(c.y),
                    bb[2].max(c.x),
                    bb[3].max(c.y),
                ];
            }
        }
    }
    let floor = |v: f64| (v * 1000.0).floor() / 1000.0;
    let ceil = |v: f64| (v * 1000.0).ceil() / 1000.0;
    [
        floor(bb[0] - 0.012),
        floor(bb[1] - 0.009),
        ceil(bb[2] + 0.012),
        ceil(bb[3] + 0.009),
    ]
}

/// Writes the committed reference files under `repo_root`: `boundaries/<layer>.geojson`,
/// `fixtures/demo/streets.geojson`, `fixtures/demo/addresses.csv`,
/// `fixtures/demo/planted.json` and `fixtures/demo/hotspot.toml`.
pub fn write_reference_files(city: &DemoCity, repo_root: &Path) -> std::io::Result<()> {
    let bdir = repo_root.join("boundaries");
    let ddir = repo_root.join("fixtures").join("demo");
    std::fs::create_dir_all(&bdir)?;
    std::fs::create_dir_all(&ddir)?;
    for (id, fc) in &city.boundaries {
        write_feature_collection(fc, &bdir.join(format!("{id}.geojson")))?;
    }
    write_feature_collection(&city.streets, &ddir.join("streets.geojson"))?;
    let csv = std::fs::File::create(ddir.join("addresses.csv"))?;
    addresses::write_csv(&city.addresses, std::io::BufWriter::new(csv))
        .map_err(std::io::Error::other)?;
    let truth = serde_json::to_string_pretty(&ground_truth_json(city))?;
    std::fs::write(ddir.join("planted.json"), truth + "\n")?;
    std::fs::write(ddir.join("hotspot.toml"), config_toml(city))
}
