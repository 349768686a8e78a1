//! Synthetic benchmark city shared by `benches/analysis.rs` and `examples/bench_analysis.rs`:
//! requests in a Philadelphia-sized area (the city's bounding box, about 27 km × 30 km; the
//! city itself is about 370 km²), 90 % in 300 Gaussian hot spots (σ 50–400 m) and 10 %
//! uniform background, deterministic.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use geo::Coord;
use hotspot::model::{ServiceRequest, Status};

/// Philadelphia's bounding box.
pub const MIN_LON: f64 = -75.28;
pub const MAX_LON: f64 = -74.96;
pub const MIN_LAT: f64 = 39.87;
pub const MAX_LAT: f64 = 40.14;

/// First requested time of the synthetic year (2025-01-01T00:00:00Z).
pub const YEAR_START: i64 = 1_735_689_600;

pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
    }

    /// Standard normal by Box–Muller.
    pub fn normal(&mut self) -> f64 {
        let u = self.next().max(1e-300);
        let v = self.next();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// `n` points: 90 % in 300 Gaussian hot spots, 10 % uniform noise.
pub fn points(n: usize) -> Vec<Coord<f64>> {
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
            if i % 10 < 9 {
                let (lon, lat, sigma) = centres[(rng.next() * 300.0) as usize % 300];
                Coord {
                    x: (lon + rng.normal() * sigma / m_per_deg_lon).clamp(MIN_LON, MAX_LON),
                    y: (lat + rng.normal() * sigma / m_per_deg_lat).clamp(MIN_LAT, MAX_LAT),
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

/// The points as requests of `code` spread over one year (a tenth open, SLA 7 days), lazily.
pub fn requests<'a>(
    pts: &'a [Coord<f64>],
    code: &'a str,
) -> impl Iterator<Item = ServiceRequest> + 'a {
    pts.iter().enumerate().map(move |(i, c)| {
        let requested = YEAR_START + (i as i64 * 31_536_000) / pts.len().max(1) as i64;
        let t = |s: i64| DateTime::<Utc>::from_timestamp(s, 0);
        let open = i % 10 == 0;
        ServiceRequest {
            service_request_id: format!("B{i}"),
            service_code: code.to_string(),
            service_name: code.to_string(),
            status: if open { Status::Open } else { Status::Closed },
            status_notes: None,
            requested_datetime: t(requested),
            updated_datetime: None,
            expected_datetime: t(requested + 7 * 86_400),
            closed_datetime: if open {
                None
            } else {
                t(requested + (i as i64 % 14) * 86_400)
            },
            address: None,
            zipcode: None,
            lat: c.y,
            lon: c.x,
            description: None,
            agency_responsible: None,
            media_url: None,
            source: "bench".into(),
            districts: Default::default(),
            attributes: Default::default(),
            address_id: None,
        }
    })
}

/// Peak resident memory (VmHWM) of this process in MiB, from /proc (Linux; `None` elsewhere).
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
