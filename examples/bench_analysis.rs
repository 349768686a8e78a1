//! Times Gi* and DBSCAN on 1,000,000 synthetic points in a Philadelphia-sized
//! area (clustered + uniform noise, deterministic).
//!
//! `cargo run --release --example bench_analysis [n_points]`

use geo::Coord;
use hotspot::analysis::{dbscan, gistar_h3, gistar_points, DbscanParams, GiStarParams};
use std::time::Instant;

/// Philadelphia's bounding box, roughly 30 km × 40 km.
const MIN_LON: f64 = -75.28;
const MAX_LON: f64 = -74.96;
const MIN_LAT: f64 = 39.87;
const MAX_LAT: f64 = 40.14;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
    }

    /// Standard normal by Box–Muller.
    fn normal(&mut self) -> f64 {
        let u = self.next().max(1e-300);
        let v = self.next();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// 60 % of the points in 300 Gaussian hot spots (σ 50–400 m), 40 % uniform.
fn points(n: usize) -> Vec<Coord<f64>> {
    let mut rng = Lcg(20_240_601);
    let centres: Vec<(f64, f64, f64)> = (0..300)
        .map(|_| {
            let lon = MIN_LON + rng.next() * (MAX_LON - MIN_LON);
            let lat = MIN_LAT + rng.next() * (MAX_LAT - MIN_LAT);
            (lon, lat, 50.0 + rng.next() * 350.0)
        })
        .collect();
    let m_per_deg_lat = 111_195.0;
    let m_per_deg_lon = m_per_deg_lat * 40.0f64.to_radians().cos();
    (0..n)
        .map(|i| {
            if i % 5 < 3 {
                let (lon, lat, sigma) = centres[(rng.next() * 300.0) as usize % 300];
                Coord {
                    x: lon + rng.normal() * sigma / m_per_deg_lon,
                    y: lat + rng.normal() * sigma / m_per_deg_lat,
                }
            } else {
                Coord {
                    x: MIN_LON + rng.next() * (MAX_LON - MIN_LON),
                    y: MIN_LAT + rng.next() * (MAX_LAT - MIN_LAT),
                }
            }
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let pts = points(n);
    println!(
        "{n} points, {} threads",
        std::thread::available_parallelism()?.get()
    );

    let params = GiStarParams::default();
    let t = Instant::now();
    let cells: Vec<h3o::CellIndex> = pts
        .iter()
        .map(|c| h3o::LatLng::new(c.y, c.x).map(|ll| ll.to_cell(h3o::Resolution::Nine)))
        .collect::<Result<_, _>>()?;
    let t_cells = t.elapsed();

    let t = Instant::now();
    let g = gistar_h3(cells.iter().copied(), &params)?;
    let t_gi_cells = t.elapsed();
    let hot = g.cells.iter().filter(|c| c.bin >= 2).count();
    println!(
        "Gi* from res-9 cells (aggregation + study area + z + FDR): {:.1} ms  [{} study cells, {hot} hot (bin>=2)]",
        t_gi_cells.as_secs_f64() * 1e3,
        g.cells.len()
    );

    let t = Instant::now();
    let g2 = gistar_points(&pts, &params)?;
    let t_gi_pts = t.elapsed();
    assert_eq!(g, g2);
    println!(
        "Gi* from lat/lon points (incl. lat/lon -> cell on all cores): {:.1} ms  (single-thread lat/lon -> cell alone: {:.1} ms)",
        t_gi_pts.as_secs_f64() * 1e3,
        t_cells.as_secs_f64() * 1e3
    );

    let t = Instant::now();
    let regions = hotspot::analysis::hot_cold_regions(&g.cells)?;
    println!(
        "regions: {:.1} ms  [{} regions]",
        t.elapsed().as_secs_f64() * 1e3,
        regions.len()
    );

    let t = Instant::now();
    let db = dbscan(
        &pts,
        &DbscanParams {
            eps_m: 100.0,
            min_points: 5,
        },
    )?;
    let t_db = t.elapsed();
    let noise = db.labels.iter().filter(|&&l| l < 0).count();
    println!(
        "DBSCAN eps 100 m, min 5 (incl. hulls): {:.1} ms  [{} clusters, {} core, {noise} noise]",
        t_db.as_secs_f64() * 1e3,
        db.clusters.len(),
        db.core.iter().filter(|&&c| c).count()
    );
    Ok(())
}
