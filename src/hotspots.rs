//! Hot-spot queries: select requests (types, time window, status) from the index and run an
//! analysis method on them, with CSV and GeoJSON renderings. Used by `hotspot hotspots` and
//! the HTTP layers. The algorithms themselves live in [`crate::analysis`].
//!
//! * [`HotspotQuery`] → [`compute_report`] → [`HotspotReport`]: the parameters actually used,
//!   the ranked hot regions / clusters / repeat places with SLA summary, priority and work
//!   list, rendered by [`HotspotReport::to_geojson`] and [`HotspotReport::write_work_list_csv`].
//! * [`HotspotCache`]: reports keyed by the types' index generations, so a new request of a
//!   selected type is never answered from a stale report.

mod cache;
mod report;

pub use cache::{HotspotCache, DEFAULT_CACHE_CAPACITY};
pub use report::{
    compute_report, exact_cells, Area, AreaDetail, AreaKind, HotspotQuery, HotspotReport,
    Parameters, ReportDetail, WorkItem, WORK_LIST_COLUMNS,
};

use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use geo::Coord;
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, Position};
use serde_json::json;

use crate::analysis::gistar::merge_counts;
use crate::analysis::{
    dbscan, gistar_from_counts, gistar_h3, hot_cold_regions, par_chunks, AnalysisError, CellCounts,
    DbscanParams, DbscanResult, GiStarParams, GiStarResult, Region,
};
use crate::catalog::{slug, Catalog};
use crate::index::IndexSnapshot;
use crate::model::Status;

/// Fewer requests than this give no meaningful hot-spot statistics.
pub const MIN_REQUESTS: usize = 30;

/// Errors of a hot-spot query; each names the parameter or says what is missing.
#[derive(Debug, thiserror::Error)]
pub enum HotspotError {
    #[error("type {0:?} matches no service code, name or alias in the data (try one of: {1})")]
    UnknownType(String, String),
    #[error(
        "only {found} requests match (types {types}, window {window}): at least {minimum} \
         are needed for a meaningful hot-spot analysis; widen the window or add types"
    )]
    TooFew {
        found: usize,
        minimum: usize,
        types: String,
        window: String,
    },
    #[error("start is after end")]
    ReversedWindow,
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
}

/// Analysis method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Getis-Ord Gi* on H3 cells with FDR-corrected confidence bins.
    Gistar,
    /// DBSCAN clusters of request points.
    Dbscan,
    /// Places (normalized addresses) with repeated requests.
    Repeats,
}

impl Method {
    /// The CLI and API spelling: `gistar`, `dbscan`, `repeats`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Gistar => "gistar",
            Method::Dbscan => "dbscan",
            Method::Repeats => "repeats",
        }
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "gistar" | "gi*" | "gi" => Ok(Method::Gistar),
            "dbscan" => Ok(Method::Dbscan),
            "repeats" => Ok(Method::Repeats),
            other => Err(format!(
                "unknown method {other:?} (expected gistar, dbscan or repeats)"
            )),
        }
    }
}

/// Which requests to analyse. Empty `types` means every type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub types: Vec<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub status: Option<Status>,
}

/// The selected requests: lon/lat points, finest H3 cells and index references, in the same
/// order (ids come from [`Selected::ids`], so Gi* never touches them).
#[derive(Debug, Clone, Default)]
pub struct Selected {
    pub points: Vec<Coord<f64>>,
    /// Each request's H3 cell at the index's base resolution (Gi* aggregates these).
    pub cells: Vec<h3o::CellIndex>,
    /// The service codes the selection resolved to (sorted, no duplicates).
    pub codes: Vec<String>,
    /// Where each request lives in the snapshot it was selected from (empty for
    /// [`Selected::from_points`]).
    pub refs: Vec<RequestRef>,
}

/// A request's place in an [`IndexSnapshot`]: `codes[code]`'s [`crate::index::TypeIndex`],
/// position `index` in its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestRef {
    pub code: u32,
    pub index: u32,
}

/// Resolves type names to the service codes present in the index (sorted, no duplicates).
pub fn resolve_types(
    snapshot: &IndexSnapshot,
    catalog: &Catalog,
    types: &[String],
) -> Result<Vec<String>, HotspotError> {
    if types.is_empty() {
        return Ok(snapshot.types().map(|(c, _)| c.to_string()).collect());
    }
    let mut codes = types
        .iter()
        .map(|t| {
            let code = catalog
                .lookup(t)
                .map(|s| s.code.clone())
                .unwrap_or_else(|| slug(t));
            if snapshot.of_type(&code).is_some() || catalog.get(&code).is_some() {
                Ok(code)
            } else {
                let known: Vec<&str> = snapshot.types().map(|(c, _)| c).collect();
                Err(HotspotError::UnknownType(t.clone(), known.join(", ")))
            }
        })
        .collect::<Result<Vec<String>, _>>()?;
    codes.sort();
    codes.dedup();
    Ok(codes)
}

/// Selects the requests of the given types inside the window (on `requested_datetime`;
/// requests without one are kept only when no window is given) and status. Fewer than
/// [`MIN_REQUESTS`] is an error.
pub fn select(
    snapshot: &IndexSnapshot,
    catalog: &Catalog,
    sel: &Selection,
) -> Result<Selected, HotspotError> {
    select_at_least(snapshot, catalog, sel, MIN_REQUESTS)
}

/// [`select`] with another minimum number of requests (repeats need no 30).
pub fn select_at_least(
    snapshot: &IndexSnapshot,
    catalog: &Catalog,
    sel: &Selection,
    minimum: usize,
) -> Result<Selected, HotspotError> {
    let (codes, filter) = selection_filter(snapshot, catalog, sel)?;
    let mut out = Selected {
        codes: codes.clone(),
        ..Default::default()
    };
    let most: usize = codes
        .iter()
        .filter_map(|c| snapshot.of_type(c))
        .map(|t| t.len())
        .sum();
    out.points.reserve(most);
    out.cells.reserve(most);
    out.refs.reserve(most);
    for (ci, code) in codes.iter().enumerate() {
        let Some(t) = snapshot.of_type(code) else {
            continue;
        };
        for (i, r) in t.requests().iter().enumerate() {
            if filter.admits(r) {
                out.points.push(Coord { x: r.lon, y: r.lat });
                out.cells.push(r.cell);
                out.refs.push(RequestRef {
                    code: ci as u32,
                    index: i as u32,
                });
            }
        }
    }
    if out.points.len() < minimum {
        return Err(too_few(sel, &codes, out.points.len(), minimum));
    }
    Ok(out)
}

/// The selection's service codes and its window/status filter.
fn selection_filter(
    snapshot: &IndexSnapshot,
    catalog: &Catalog,
    sel: &Selection,
) -> Result<(Vec<String>, crate::layers::Filter), HotspotError> {
    if let (Some(s), Some(e)) = (sel.start, sel.end) {
        if s > e {
            return Err(HotspotError::ReversedWindow);
        }
    }
    let codes = resolve_types(snapshot, catalog, &sel.types)?;
    let filter = crate::layers::Filter {
        start: sel.start.map(|t| t.timestamp()),
        end: sel.end.map(|t| t.timestamp()),
        status: sel.status,
        ..Default::default()
    };
    Ok((codes, filter))
}

/// The error for a selection of `found` requests, under `minimum`.
fn too_few(sel: &Selection, codes: &[String], found: usize, minimum: usize) -> HotspotError {
    let window = match (sel.start, sel.end) {
        (None, None) => "all time".to_string(),
        (s, e) => format!(
            "{} to {}",
            s.map(|t| t.to_rfc3339()).unwrap_or_else(|| "…".into()),
            e.map(|t| t.to_rfc3339()).unwrap_or_else(|| "…".into())
        ),
    };
    HotspotError::TooFew {
        found,
        minimum,
        types: codes.join(","),
        window,
    }
}

impl Selected {
    /// The selected requests' ids (empty for [`Selected::from_points`]); `snapshot` must be
    /// the one the selection was made from.
    pub fn ids(&self, snapshot: &IndexSnapshot) -> Vec<Arc<str>> {
        let types: Vec<Option<&crate::index::TypeIndex>> =
            self.codes.iter().map(|c| snapshot.of_type(c)).collect();
        self.refs
            .iter()
            .filter_map(|r| {
                let t = types.get(r.code as usize).copied().flatten()?;
                t.requests()
                    .get(r.index as usize)
                    .map(|q| Arc::clone(&q.id))
            })
            .collect()
    }

    /// A selection of bare points (no ids), e.g. for simulations.
    pub fn from_points(points: Vec<Coord<f64>>) -> Result<Selected, HotspotError> {
        let cells = points
            .iter()
            .map(|c| {
                h3o::LatLng::new(c.y, c.x)
                    .map(|ll| ll.to_cell(crate::index::BASE_RESOLUTION))
                    .map_err(|e| AnalysisError::InvalidInput(format!("point {c:?}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Selected {
            points,
            cells,
            codes: Vec::new(),
            refs: Vec::new(),
        })
    }
}

/// Gi* over the selection, with its hot and cold regions.
pub fn run_gistar(
    sel: &Selected,
    params: &GiStarParams<'_>,
) -> Result<(GiStarResult, Vec<Region>), HotspotError> {
    with_regions(gistar_h3(sel.cells.iter().copied(), params)?)
}

/// Gi* straight from the index: counts each selected request in its own H3 cell at
/// `params.resolution` (the index's per-type cell cache) on all worker threads, without
/// materializing the selection, then runs Gi*, FDR and the hot/cold regions. Same result as
/// [`select`] + [`exact_cells`] + [`crate::analysis::gistar_h3`] + regions.
///
/// # Errors
/// As [`select`] (unknown type, reversed window, fewer than [`MIN_REQUESTS`]) and as Gi*.
pub fn gistar_indexed(
    snapshot: &IndexSnapshot,
    catalog: &Catalog,
    sel: &Selection,
    params: &GiStarParams<'_>,
) -> Result<(GiStarResult, Vec<Region>), HotspotError> {
    let counts = count_cells(snapshot, catalog, sel, params.resolution)?;
    with_regions(gistar_from_counts(&counts, params)?)
}

/// A Gi* result with its hot and cold regions.
fn with_regions(result: GiStarResult) -> Result<(GiStarResult, Vec<Region>), HotspotError> {
    let regions = hot_cold_regions(&result.cells)?;
    Ok((result, regions))
}

/// Selected requests per H3 cell at `resolution`, each in the cell its point falls in.
pub fn count_cells(
    snapshot: &IndexSnapshot,
    catalog: &Catalog,
    sel: &Selection,
    resolution: u8,
) -> Result<CellCounts, HotspotError> {
    let res = h3o::Resolution::try_from(resolution)
        .map_err(|e| AnalysisError::param("res", e.to_string()))?;
    let (codes, filter) = selection_filter(snapshot, catalog, sel)?;
    let mut parts = Vec::new();
    for t in codes.iter().filter_map(|code| snapshot.of_type(code)) {
        let cells = t.cells_at(res);
        parts.extend(par_chunks(t.requests(), |offset, requests| {
            count_admitted(requests, &cells[offset..], &filter)
        }));
    }
    let found = parts.iter().map(|(_, n)| n).sum();
    if found < MIN_REQUESTS {
        return Err(too_few(sel, &codes, found, MIN_REQUESTS));
    }
    Ok(merge_counts(parts.into_iter().map(|(counts, _)| counts)))
}

/// Counts the requests `filter` admits per cell (`cells[i]` is `requests[i]`'s cell).
fn count_admitted(
    requests: &[crate::index::IndexedRequest],
    cells: &[h3o::CellIndex],
    filter: &crate::layers::Filter,
) -> (CellCounts, usize) {
    let mut counts = CellCounts::default();
    let mut n = 0;
    for (r, &cell) in requests.iter().zip(cells) {
        if filter.admits(r) {
            *counts.entry(u64::from(cell)).or_insert(0) += 1;
            n += 1;
        }
    }
    (counts, n)
}

/// DBSCAN over the selection.
pub fn run_dbscan(sel: &Selected, params: &DbscanParams) -> Result<DbscanResult, HotspotError> {
    Ok(dbscan(&sel.points, params)?)
}

/// `h3,count,z,p,bin`, one row per study-area cell.
pub fn write_gistar_csv(result: &GiStarResult, out: &mut dyn Write) -> Result<(), HotspotError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["h3", "count", "z", "p", "bin"])
        .map_err(csv_io)?;
    for c in &result.cells {
        w.write_record([
            c.cell.to_string(),
            c.count.to_string(),
            format!("{:.6}", c.z),
            format!("{:.6e}", c.p),
            c.bin.to_string(),
        ])
        .map_err(csv_io)?;
    }
    w.flush()?;
    Ok(())
}

/// `service_request_id,cluster`, one row per request: `ids` labelled by `result` (same
/// order; −1 = noise).
pub fn write_dbscan_csv(
    ids: &[Arc<str>],
    result: &DbscanResult,
    out: &mut dyn Write,
) -> Result<(), HotspotError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["service_request_id", "cluster"])
        .map_err(csv_io)?;
    for (id, label) in ids.iter().zip(&result.labels) {
        w.write_record([id.as_ref(), &label.to_string()])
            .map_err(csv_io)?;
    }
    w.flush()?;
    Ok(())
}

pub(crate) fn csv_io(e: csv::Error) -> HotspotError {
    HotspotError::Io(std::io::Error::other(e))
}

/// An H3 cell's boundary as a closed, counter-clockwise GeoJSON ring.
pub(crate) fn cell_ring(cell: h3o::CellIndex) -> Vec<Position> {
    let boundary = cell.boundary();
    boundary
        .iter()
        .chain(boundary.iter().take(1))
        .map(|ll| pos(ll.lng(), ll.lat()))
        .collect()
}

/// Gi* cells (kind `cell`) and dissolved regions (kind `hot_region` / `cold_region`) as GeoJSON.
pub fn gistar_geojson(result: &GiStarResult, regions: &[Region]) -> FeatureCollection {
    let mut features: Vec<Feature> = result
        .cells
        .iter()
        .map(|c| {
            feature(
                GeometryValue::Polygon {
                    coordinates: vec![cell_ring(c.cell)],
                },
                json!({"kind": "cell", "h3": c.cell.to_string(), "count": c.count, "z": round(c.z),
                       "p": c.p, "bin": c.bin, "neighbours": c.neighbours}),
            )
        })
        .collect();
    for (i, r) in regions.iter().enumerate() {
        let kind = match r.kind {
            crate::analysis::RegionKind::Hot => "hot_region",
            crate::analysis::RegionKind::Cold => "cold_region",
        };
        features.push(feature(
            multipolygon(&r.geometry),
            json!({"kind": kind, "rank": i + 1, "cells": r.cells.len(), "count": r.total_count,
                   "max_abs_z": round(r.max_abs_z),
                   "centroid": [round(r.centroid.x()), round(r.centroid.y())]}),
        ));
    }
    collection(features)
}

/// DBSCAN cluster hulls with counts and centroids as GeoJSON.
pub fn dbscan_geojson(result: &DbscanResult) -> FeatureCollection {
    let features = result
        .clusters
        .iter()
        .map(|c| {
            feature(
                multipolygon(&geo::MultiPolygon(vec![c.hull.clone()])),
                json!({"kind": "cluster", "cluster": c.id, "count": c.count, "core_count": c.core_count,
                       "centroid": [round(c.centroid.x()), round(c.centroid.y())]}),
            )
        })
        .collect();
    collection(features)
}

pub(crate) fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

pub(crate) fn pos(x: f64, y: f64) -> Position {
    Position::from(vec![round(x), round(y)])
}

/// RFC 7946 polygons: counter-clockwise exteriors, clockwise holes, 6 decimals.
pub(crate) fn multipolygon(mp: &geo::MultiPolygon<f64>) -> GeometryValue {
    use geo::orient::{Direction, Orient};
    let mp = mp.orient(Direction::Default);
    let ring = |ls: &geo::LineString<f64>| ls.coords().map(|c| pos(c.x, c.y)).collect::<Vec<_>>();
    GeometryValue::MultiPolygon {
        coordinates: mp
            .iter()
            .map(|p| {
                std::iter::once(ring(p.exterior()))
                    .chain(p.interiors().iter().map(ring))
                    .collect()
            })
            .collect(),
    }
}

pub(crate) fn feature(value: GeometryValue, properties: serde_json::Value) -> Feature {
    let properties: Option<JsonObject> = match properties {
        serde_json::Value::Object(o) => Some(o),
        _ => None,
    };
    Feature {
        geometry: Some(Geometry::new(value)),
        properties,
        ..Default::default()
    }
}

pub(crate) fn collection(features: Vec<Feature>) -> FeatureCollection {
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// The study-area polygon of a config (all features of its GeoJSON file, merged), or `None`
/// when the config names none.
pub fn load_study_area(
    config: &crate::config::Config,
) -> Result<Option<geo::MultiPolygon<f64>>, crate::boundaries::BoundaryError> {
    let Some(path) = &config.study_area else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(path).map_err(|source| crate::boundaries::BoundaryError::Read {
            path: path.display().to_string(),
            source,
        })?;
    let layer = crate::boundaries::BoundaryLayer::from_geojson("study_area", &text, None)?;
    let polygons = layer
        .features
        .into_iter()
        .flat_map(|f| f.geometry.0)
        .collect();
    Ok(Some(geo::MultiPolygon(polygons)))
}
