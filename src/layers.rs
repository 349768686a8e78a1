//! Map layers computed from the index: hex-bin density, per-district statistics and per-type
//! summaries of a [`Selection`].
//!
//! Pure functions over an [`IndexSnapshot`]; `hotspots::render` and the HTTP layer render
//! them.

use std::collections::HashMap;

use h3o::{CellIndex, Resolution};

use crate::boundaries::BoundaryLayer;
use crate::index::{IndexSnapshot, IndexedRequest};
use crate::model::Status;
use crate::selection::{for_each_match, for_each_position, Selection};

/// Counts of a group of requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub open: u64,
    /// Open past the SLA due time at the layer's `as_of`.
    pub overdue: u64,
}

impl Tally {
    /// The tally of these requests at `as_of`.
    pub fn of<'a>(requests: impl IntoIterator<Item = &'a IndexedRequest>, as_of: i64) -> Tally {
        let mut t = Tally::default();
        for r in requests {
            t.add(r, as_of);
        }
        t
    }

    fn add(&mut self, r: &IndexedRequest, as_of: i64) {
        self.count += 1;
        if r.status == Status::Open {
            self.open += 1;
            if r.is_overdue(as_of) {
                self.overdue += 1;
            }
        }
    }
}

/// One hexagon of the density layer.
#[derive(Debug, Clone, PartialEq)]
pub struct HexBin {
    pub cell: CellIndex,
    pub tally: Tally,
}

/// Matching requests counted per H3 cell at `resolution`, busiest cell first (ties by cell).
pub fn hexbins(
    snapshot: &IndexSnapshot,
    selection: &Selection,
    resolution: Resolution,
    as_of: i64,
) -> Vec<HexBin> {
    let mut bins: HashMap<CellIndex, Tally> = HashMap::new();
    for_each_position(snapshot, selection, |_, index, i| {
        let cell = index.cells_at(resolution)[i];
        bins.entry(cell)
            .or_default()
            .add(&index.requests()[i], as_of)
    });
    let mut out: Vec<HexBin> = bins
        .into_iter()
        .map(|(cell, tally)| HexBin { cell, tally })
        .collect();
    out.sort_by(|a, b| b.tally.count.cmp(&a.tally.count).then(a.cell.cmp(&b.cell)));
    out
}

/// Statistics of one district for a choropleth.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictStats {
    /// Index of the feature in its layer.
    pub feature: usize,
    pub tally: Tally,
    /// `count` per km² of the district.
    pub per_km2: f64,
}

/// Matching requests counted per feature of `layer` (from the district each request was
/// tagged with at intake), one entry per feature in layer order, empty districts included.
/// Also returns how many matching requests fall in no feature of the layer.
pub fn district_stats(
    snapshot: &IndexSnapshot,
    selection: &Selection,
    layer: &BoundaryLayer,
    as_of: i64,
) -> (Vec<DistrictStats>, u64) {
    let position: HashMap<&str, usize> = layer
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let mut tallies = vec![Tally::default(); layer.features.len()];
    let mut outside = 0;
    for_each_match(snapshot, selection, |_, r| {
        match r.district(&layer.id).and_then(|id| position.get(id)) {
            Some(&i) => tallies[i].add(r, as_of),
            None => outside += 1,
        }
    });
    let stats = tallies
        .into_iter()
        .enumerate()
        .map(|(i, tally)| {
            let area = layer.features[i].area_km2;
            DistrictStats {
                feature: i,
                tally,
                per_km2: if area > 0.0 {
                    tally.count as f64 / area
                } else {
                    0.0
                },
            }
        })
        .collect();
    (stats, outside)
}

/// What the index holds of one service type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeSummary {
    pub code: String,
    pub tally: Tally,
    /// Oldest and newest `requested_datetime` (unix seconds).
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// Per-type counts of everything indexed, in code order.
pub fn type_summaries(snapshot: &IndexSnapshot, as_of: i64) -> Vec<TypeSummary> {
    snapshot
        .types()
        .map(|(code, index)| {
            let mut s = TypeSummary {
                code: code.to_string(),
                tally: Tally::default(),
                first: None,
                last: None,
            };
            for r in index.requests() {
                s.tally.add(r, as_of);
                if let Some(t) = r.requested {
                    s.first = Some(s.first.map_or(t, |f: i64| f.min(t)));
                    s.last = Some(s.last.map_or(t, |l: i64| l.max(t)));
                }
            }
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boundaries::BoundaryLayer;
    use crate::index::Index;
    use crate::model::ServiceRequest;
    use crate::time::DAY;
    use chrono::{TimeZone, Utc};

    fn request(id: &str, code: &str, lon: f64, lat: f64, day: i64, open: bool) -> ServiceRequest {
        let requested = Utc.timestamp_opt(1_700_000_000 + day * DAY, 0).unwrap();
        let mut r = ServiceRequest {
            service_request_id: id.into(),
            service_code: code.into(),
            status: if open { Status::Open } else { Status::Closed },
            requested_datetime: Some(requested),
            expected_datetime: Some(requested + chrono::Duration::days(3)),
            lon,
            lat,
            ..Default::default()
        };
        if lon < 0.5 {
            r.districts.insert("halves".into(), "west".into());
        } else if lon < 1.0 {
            r.districts.insert("halves".into(), "east".into());
        }
        r
    }

    fn sample() -> Index {
        Index::build(vec![
            request("a", "pothole", 0.1, 0.1, 0, true), // overdue by day 10
            request("b", "pothole", 0.1, 0.1, 9, true), // open, not yet due
            request("c", "pothole", 0.7, 0.1, 5, false), // closed
            request("d", "graffiti", 0.7, 0.1, 10, true), // newest
            request("e", "graffiti", 2.0, 0.1, 1, true), // outside both halves
        ])
    }

    fn as_of_day(day: i64) -> i64 {
        1_700_000_000 + day * DAY
    }

    #[test]
    fn hexbins_count_open_and_overdue_per_cell() {
        let index = sample();
        let snap = index.snapshot();
        let bins = hexbins(
            &snap,
            &Selection::default(),
            Resolution::Nine,
            as_of_day(10),
        );
        assert_eq!(bins.len(), 3);
        assert_eq!(bins[2].tally.count, 1, "busiest first");
        let west_cell = h3o::LatLng::new(0.1, 0.1)
            .unwrap()
            .to_cell(Resolution::Nine);
        let west = bins.iter().find(|b| b.cell == west_cell).unwrap();
        assert_eq!(
            west.tally,
            Tally {
                count: 2,
                open: 2,
                overdue: 1
            }
        );
        let total: u64 = bins.iter().map(|b| b.tally.count).sum();
        assert_eq!(total, 5);
    }

    #[test]
    fn district_stats_include_empty_districts_and_density() {
        let layer = BoundaryLayer::from_geojson(
            "halves",
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"id":"west"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[0.5,0],[0.5,1],[0,1],[0,0]]]}},
              {"type":"Feature","properties":{"id":"east"},"geometry":{"type":"Polygon","coordinates":[[[0.5,0],[1,0],[1,1],[0.5,1],[0.5,0]]]}},
              {"type":"Feature","properties":{"id":"north"},"geometry":{"type":"Polygon","coordinates":[[[0,1],[1,1],[1,2],[0,2],[0,1]]]}}]}"#,
            None,
        )
        .unwrap();
        let index = sample();
        let snap = index.snapshot();
        let (stats, outside) = district_stats(&snap, &Selection::default(), &layer, as_of_day(10));
        assert_eq!(outside, 1);
        let by_id: HashMap<&str, &DistrictStats> = stats
            .iter()
            .map(|s| (layer.features[s.feature].id.as_str(), s))
            .collect();
        assert_eq!(by_id["west"].tally.count, 2);
        assert_eq!(by_id["west"].tally.overdue, 1);
        assert_eq!(by_id["east"].tally.count, 2);
        assert_eq!(by_id["east"].tally.open, 1);
        assert_eq!(by_id["north"].tally.count, 0);
        let west_area = layer.features[0].area_km2;
        assert!((by_id["west"].per_km2 - 2.0 / west_area).abs() < 1e-12);
    }

    #[test]
    fn type_summaries_and_newest() {
        let index = sample();
        let snap = index.snapshot();
        assert_eq!(snap.newest_requested(), Some(as_of_day(10)));
        let s = type_summaries(&snap, as_of_day(10));
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].code, "pothole");
        assert_eq!(s[1].tally.count, 3);
        assert_eq!(s[1].first, Some(as_of_day(0)));
        assert_eq!(s[1].last, Some(as_of_day(9)));
        assert_eq!(s[0].tally.overdue, 1); // e: requested day 1, due day 4
    }
}
