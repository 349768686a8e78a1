//! Reverse geocoding: the nearest address point and the nearest street segment to a point
//! (R-trees in the local metric frame), with the house number the segment's range gives
//! that spot on its side. Final distances are great-circle (haversine).

use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;
use serde::Serialize;

use super::geometry;
use super::reference::Reference;
use crate::projection::haversine_m;

type PointEntry = GeomWithData<[f64; 2], u32>;
type LineEntry = GeomWithData<Line<[f64; 2]>, u32>;

/// R-trees of a reference's address points and segment pieces.
pub struct ReverseIndex {
    points: RTree<PointEntry>,
    lines: RTree<LineEntry>,
}

/// The nearest address point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearestAddress {
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
    pub distance_m: f64,
}

/// The nearest street segment, and the address its range gives the spot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearestStreet {
    pub street: String,
    /// Id of the segment in the source file.
    pub segment_id: String,
    /// `left` or `right` of the segment's direction.
    pub side: &'static str,
    /// Interpolated house number on that side (its parity), when the side has a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub house_number: Option<u32>,
    /// `house_number street`, or the street alone.
    pub address: String,
    /// The closest point of the centerline.
    pub lat: f64,
    pub lon: f64,
    pub distance_m: f64,
}

/// Both nearest features; `address` is the closer one's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reverse {
    pub lat: f64,
    pub lon: f64,
    /// The nearer of the two: the address point's address or the segment's.
    pub address: String,
    pub distance_m: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_address: Option<NearestAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_street: Option<NearestStreet>,
}

impl ReverseIndex {
    /// Bulk-loads the trees.
    pub fn build(reference: &Reference) -> ReverseIndex {
        let points = reference
            .points
            .iter()
            .enumerate()
            .map(|(k, p)| GeomWithData::new(p.xy, k as u32))
            .collect();
        let lines = reference
            .segments
            .iter()
            .enumerate()
            .flat_map(|(k, s)| {
                s.line
                    .windows(2)
                    .map(move |w| GeomWithData::new(Line::new(w[0], w[1]), k as u32))
            })
            .collect();
        ReverseIndex {
            points: RTree::bulk_load(points),
            lines: RTree::bulk_load(lines),
        }
    }

    /// The nearest address and street to `(lon, lat)`; `None` for an empty reference.
    pub fn reverse(&self, reference: &Reference, lon: f64, lat: f64) -> Option<Reverse> {
        let q = reference.frame.to_xy(lon, lat);
        let nearest_address = self.points.nearest_neighbor(&q).map(|e| {
            let p = &reference.points[e.data as usize];
            let half = if p.half { " 1/2" } else { "" };
            NearestAddress {
                address: format!(
                    "{}{half} {}",
                    p.number, reference.streets[p.street as usize].full
                ),
                lat: p.lat,
                lon: p.lon,
                zipcode: p.zip.map(|z| format!("{z:05}")),
                distance_m: round1(haversine_m(lon, lat, p.lon, p.lat)),
            }
        });
        let nearest_street = self
            .lines
            .nearest_neighbor(&q)
            .map(|e| street_at(reference, e.data, q, lon, lat));
        let (address, distance_m) = match (&nearest_address, &nearest_street) {
            (Some(a), Some(s)) if s.distance_m < a.distance_m && s.house_number.is_some() => {
                (s.address.clone(), s.distance_m)
            }
            (Some(a), _) => (a.address.clone(), a.distance_m),
            (None, Some(s)) => (s.address.clone(), s.distance_m),
            (None, None) => return None,
        };
        Some(Reverse {
            lat,
            lon,
            address,
            distance_m,
            nearest_address,
            nearest_street,
        })
    }
}

/// The spot of segment `k` nearest to `q`, with the house number its side's range gives.
fn street_at(reference: &Reference, k: u32, q: geometry::Xy, lon: f64, lat: f64) -> NearestStreet {
    let seg = &reference.segments[k as usize];
    let pr = geometry::project(&seg.line, &seg.cum, q);
    let (side_name, side) = if pr.offset >= 0.0 {
        ("left", seg.left.as_ref())
    } else {
        ("right", seg.right.as_ref())
    };
    let house_number = side.map(|s| {
        let n = s.number_at(pr.measure).round() as u32;
        let (lo, hi) = (s.from.min(s.to), s.from.max(s.to));
        // keep the side's parity, inside its range
        let n = if s.from % 2 == s.to % 2 && n % 2 != s.from % 2 {
            if n < hi {
                n + 1
            } else {
                n - 1
            }
        } else {
            n
        };
        n.clamp(lo, hi)
    });
    let street = reference.streets[seg.street as usize].full.clone();
    let (clon, clat) = reference.frame.to_lon_lat(pr.closest);
    NearestStreet {
        address: match house_number {
            Some(n) => format!("{n} {street}"),
            None => street.clone(),
        },
        street,
        segment_id: seg.id.clone(),
        side: side_name,
        house_number,
        lat: round6(clat),
        lon: round6(clon),
        distance_m: round1(haversine_m(lon, lat, clon, clat)),
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}
