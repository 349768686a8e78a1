//! Times forward geocoding on the demo city: its own addresses (exact address points) and
//! numbers between them (interpolated on the centerlines), on one thread.
//!
//! `cargo run --example bench_geocode [rounds]`

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use hotspot::geocode::{Geocoder, MatchType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let addresses = root.join("fixtures/demo/addresses.csv");
    let streets = root.join("fixtures/demo/streets.geojson");
    let start = Instant::now();
    let geocoder = Geocoder::from_files(std::slice::from_ref(&addresses), Some(&streets))?
        .ok_or("no reference data")?;
    println!(
        "loaded the demo reference in {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );

    let points = hotspot::demo::read_addresses_csv(std::fs::File::open(&addresses)?)?;
    let known: HashSet<(u32, &str)> = points
        .iter()
        .map(|p| (p.number, p.street.as_str()))
        .collect();
    let exact: Vec<String> = points.iter().map(|p| p.text()).collect();
    // the next number on the same side that has no address point
    let between: Vec<String> = points
        .iter()
        .filter_map(|p| {
            let n = (1..=10)
                .map(|k| p.number + 2 * k)
                .find(|n| !known.contains(&(*n, p.street.as_str())))?;
            (n % 100 <= 98).then(|| format!("{n} {}", p.street))
        })
        .collect();

    for (label, queries) in [("exact", &exact), ("interpolated", &between)] {
        let mut kinds = std::collections::BTreeMap::new();
        for q in queries.iter() {
            let kind = geocoder.geocode(q, None).best.map(|m| m.match_type);
            *kinds.entry(format!("{kind:?}")).or_insert(0) += 1;
        }
        let start = Instant::now();
        let mut located = 0usize;
        for _ in 0..rounds {
            for q in queries.iter() {
                let r = geocoder.geocode(std::hint::black_box(q), None);
                located += usize::from(r.best.is_some_and(|m| m.match_type != MatchType::Fuzzy));
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let n = queries.len() * rounds;
        println!(
            "{label:>12}: {n} queries in {secs:.2} s = {:.0} addresses/s on one core ({located} located; {kinds:?})",
            n as f64 / secs
        );
    }
    Ok(())
}
