//! One hot-spot query end to end: select, analyse, summarize SLA per region / cluster /
//! repeat place, rank by priority, and render (GeoJSON, work-list CSV, repeats CSV).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use geo::{Centroid, GeodesicArea};
use geojson::{FeatureCollection, GeometryValue, JsonObject};
use serde_json::json;

use super::{
    collection, csv_io, feature, gistar_geojson, multipolygon, pos, round, select_at_least,
    HotspotError, Method, RequestRef, Selected, Selection, MIN_REQUESTS,
};
use crate::analysis::defaults::{DEFAULT_EPS_M, DEFAULT_MIN_POINTS};
use crate::analysis::repeats::{address_key, RepeatInput, DEFAULT_MIN_REQUESTS};
use crate::analysis::sla::{priority_cmp, priority_reason, summarize, SlaTimes};
use crate::analysis::{
    auto_resolution, dbscan, gistar_h3, hot_cold_regions, repeat_addresses, DbscanParams,
    DbscanResult, GiStarParams, GiStarResult, PriorityInput, Region, RegionKind, SlaSummary,
};
use crate::catalog::Catalog;
use crate::index::{IndexSnapshot, IndexedRequest};
use crate::model::Status;

/// How many most frequent addresses each area lists.
pub const TOP_ADDRESSES: usize = 5;

/// The columns of [`HotspotReport::write_work_list_csv`].
pub const WORK_LIST_COLUMNS: [&str; 11] = [
    "rank",
    "area",
    "service_request_id",
    "service_code",
    "status",
    "requested_datetime",
    "expected_datetime",
    "days_overdue",
    "address",
    "lat",
    "lon",
];

/// A hot-spot query: which requests, which method, and its parameters (`None` = the
/// documented default, see [`crate::analysis::defaults`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotQuery {
    pub selection: Selection,
    pub method: Method,
    /// Gi* H3 resolution; `None` chooses it from the data ([`auto_resolution`]).
    pub res: Option<u8>,
    /// Gi* neighbourhood ring (default 1).
    pub k: u32,
    /// Gi* bins with Benjamini–Hochberg FDR (default true).
    pub fdr: bool,
    /// DBSCAN radius in metres (default 100).
    pub eps_m: Option<f64>,
    /// DBSCAN core-point threshold, the point included (default 5).
    pub min_points: Option<usize>,
    /// Repeats: requests a place needs (default 3).
    pub min_requests: Option<usize>,
    /// Reference time of the SLA figures (unix seconds); `None` = the snapshot's newest
    /// `requested_datetime` ([`IndexSnapshot::newest_requested`]).
    pub as_of: Option<i64>,
}

impl Default for HotspotQuery {
    fn default() -> Self {
        HotspotQuery {
            selection: Selection::default(),
            method: Method::Gistar,
            res: None,
            k: 1,
            fdr: true,
            eps_m: None,
            min_points: None,
            min_requests: None,
            as_of: None,
        }
    }
}

/// The parameters a report was computed with (defaults resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct Parameters {
    pub method: Method,
    /// Service codes analysed (sorted).
    pub codes: Vec<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub status: Option<Status>,
    /// SLA reference time (unix seconds); `None` when no request has a requested time.
    pub as_of: Option<i64>,
    /// Requests selected.
    pub requests: usize,
    /// Gi*: resolution used, and whether it was `"given"` or `"auto"`.
    pub resolution: Option<u8>,
    pub resolution_rule: Option<&'static str>,
    pub k: Option<u32>,
    pub fdr: Option<bool>,
    pub eps_m: Option<f64>,
    pub min_points: Option<usize>,
    pub min_requests: Option<usize>,
}

impl Parameters {
    /// As a JSON object (the `parameters` member of the GeoJSON).
    pub fn to_json(&self) -> serde_json::Value {
        let mut o = json!({
            "method": self.method.as_str(),
            "types": self.codes,
            "start": self.start.map(|t| t.to_rfc3339()),
            "end": self.end.map(|t| t.to_rfc3339()),
            "status": self.status.map(Status::as_str),
            "as_of": self.as_of.and_then(rfc3339_utc),
            "requests": self.requests,
        });
        let m = o.as_object_mut().expect("object");
        let mut put = |k: &str, v: serde_json::Value| {
            if !v.is_null() {
                m.insert(k.into(), v);
            }
        };
        put("res", json!(self.resolution));
        put("res_rule", json!(self.resolution_rule));
        put("k", json!(self.k));
        put("fdr", json!(self.fdr));
        put("eps_m", json!(self.eps_m));
        put("min_points", json!(self.min_points));
        put("min_requests", json!(self.min_requests));
        o
    }

    /// One line for a terminal: `res 9 (auto), k 1, FDR on, as of 2026-10-31T...`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let (Some(r), Some(rule)) = (self.resolution, self.resolution_rule) {
            parts.push(format!("res {r} ({rule})"));
        }
        if let Some(k) = self.k {
            parts.push(format!("k {k}"));
        }
        if let Some(f) = self.fdr {
            parts.push(format!("FDR {}", if f { "on" } else { "off" }));
        }
        if let Some(e) = self.eps_m {
            parts.push(format!("eps {e} m"));
        }
        if let Some(m) = self.min_points {
            parts.push(format!("min points {m}"));
        }
        if let Some(m) = self.min_requests {
            parts.push(format!("min requests {m}"));
        }
        parts.push(format!(
            "SLA as of {}",
            self.as_of
                .and_then(rfc3339_utc)
                .unwrap_or_else(|| "-".into())
        ));
        parts.join(", ")
    }
}

/// What an [`Area`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaKind {
    /// A Gi* hot-spot region (connected cells at 95 %+).
    HotRegion,
    /// A DBSCAN cluster.
    Cluster,
    /// A place with repeated requests.
    Repeat,
}

impl AreaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaKind::HotRegion => "hot_region",
            AreaKind::Cluster => "cluster",
            AreaKind::Repeat => "repeat",
        }
    }
}

/// Method-specific facts of an area.
#[derive(Debug, Clone, PartialEq)]
pub enum AreaDetail {
    HotRegion {
        /// Cells in the region.
        cells: usize,
        max_abs_z: f64,
    },
    Cluster {
        /// DBSCAN cluster id (0 = largest).
        cluster: u32,
        core_count: usize,
        /// Geodesic area of the buffered hull, hectares.
        area_ha: f64,
    },
    Repeat {
        /// Place key ([`crate::analysis::repeats::PlaceKey::key`]).
        key: String,
        /// Normalized address (`None`: keyed by location).
        address: Option<String>,
        /// First and last requested time (unix seconds).
        first: Option<i64>,
        last: Option<i64>,
    },
}

/// An open request of an area, for the work list.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkItem {
    pub id: Arc<str>,
    pub service_code: Arc<str>,
    pub status: Status,
    pub requested: Option<i64>,
    pub expected: Option<i64>,
    /// Days past due at `as_of` (`None`: not overdue).
    pub days_overdue: Option<f64>,
    pub address: Option<Arc<str>>,
    pub lon: f64,
    pub lat: f64,
}

/// A ranked hot region, cluster or repeat place.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// 1 = work on first.
    pub rank: usize,
    pub kind: AreaKind,
    /// `H<n>` (hot region n by request count), `C<id>` (cluster id) or the place (normalized
    /// address, else `lat,lon`).
    pub id: String,
    /// Region multipolygon, cluster hull (polygon) or repeat place (point), WGS84.
    pub geometry: geo::Geometry<f64>,
    pub centroid: geo::Point<f64>,
    pub sla: SlaSummary,
    /// Max |z| (region), requests per hectare (cluster) or recurring types (repeat: types
    /// with at least two requests at the place).
    pub significance: f64,
    pub priority_reason: String,
    /// Requests per service code, most first.
    pub types: Vec<(String, usize)>,
    /// Most frequent normalized addresses among the members, with counts (at most
    /// [`TOP_ADDRESSES`]).
    pub top_addresses: Vec<(String, usize)>,
    /// Ids of every member request.
    pub members: Vec<Arc<str>>,
    /// The open members: overdue first (most overdue first), then oldest requested first.
    pub work: Vec<WorkItem>,
    pub detail: AreaDetail,
}

/// Method-specific results beyond the ranked areas.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportDetail {
    Gistar {
        /// Every study-area cell with z, p and bin.
        result: GiStarResult,
        /// Cold regions (not ranked: nothing to work on).
        cold_regions: Vec<Region>,
    },
    Dbscan {
        /// Labels of every selected request (in `ids` order), core flags and clusters.
        result: DbscanResult,
        ids: Vec<Arc<str>>,
    },
    Repeats,
}

/// The answer to a [`HotspotQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotReport {
    pub parameters: Parameters,
    /// Hot regions, clusters or repeat places in rank order.
    pub areas: Vec<Area>,
    pub detail: ReportDetail,
}

/// Each selected request's own H3 cell at `resolution` (the cell its point falls in, which
/// near cell edges can differ from its finest cell's ancestor): from the index's per-type
/// cache when the selection came from `snapshot`, else computed from the points.
pub fn exact_cells(
    snapshot: &IndexSnapshot,
    sel: &Selected,
    resolution: u8,
) -> Result<Vec<h3o::CellIndex>, HotspotError> {
    let res = h3o::Resolution::try_from(resolution)
        .map_err(|e| crate::analysis::AnalysisError::param("res", e.to_string()))?;
    if sel.refs.len() != sel.points.len() {
        return Ok(sel
            .points
            .iter()
            .zip(&sel.cells)
            .map(|(p, c)| {
                h3o::LatLng::new(p.y, p.x)
                    .map(|ll| ll.to_cell(res))
                    .unwrap_or_else(|_| c.parent(res).unwrap_or(*c))
            })
            .collect());
    }
    let per_type: Vec<&[h3o::CellIndex]> = sel
        .codes
        .iter()
        .map(|code| snapshot.of_type(code).map_or(&[][..], |t| t.cells_at(res)))
        .collect();
    Ok(sel
        .refs
        .iter()
        .zip(&sel.cells)
        .map(|(r, c)| {
            per_type[r.code as usize]
                .get(r.index as usize)
                .copied()
                .unwrap_or_else(|| c.parent(res).unwrap_or(*c))
        })
        .collect())
}

fn rfc3339_utc(t: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(t, 0).map(|d| d.to_rfc3339())
}

fn validate(q: &HotspotQuery) -> Result<(), HotspotError> {
    let bad = |name, reason: String| {
        Err(HotspotError::Analysis(
            crate::analysis::AnalysisError::InvalidParameter { name, reason },
        ))
    };
    if let Some(r) = q.res {
        if r > 15 {
            return bad("res", format!("H3 resolution must be 0..=15, got {r}"));
        }
    }
    if let Some(e) = q.eps_m {
        if !e.is_finite() || e <= 0.0 {
            return bad(
                "eps_m",
                format!("must be a positive number of metres, got {e}"),
            );
        }
    }
    if q.min_points == Some(0) {
        return bad("min_points", "must be at least 1, got 0".into());
    }
    if let Some(m) = q.min_requests {
        if m < 2 {
            return bad("min_requests", format!("must be at least 2, got {m}"));
        }
    }
    Ok(())
}

/// Runs a query on a snapshot. `study_area` is the city's Gi* study area (see
/// [`super::load_study_area`]). Prefer [`super::HotspotCache::get_or_compute`] in servers.
pub fn compute_report(
    snapshot: &IndexSnapshot,
    catalog: &Catalog,
    query: &HotspotQuery,
    study_area: Option<&geo::MultiPolygon<f64>>,
) -> Result<HotspotReport, HotspotError> {
    validate(query)?;
    let minimum = match query.method {
        Method::Repeats => 1,
        _ => MIN_REQUESTS,
    };
    let sel = select_at_least(snapshot, catalog, &query.selection, minimum)?;
    let as_of = query.as_of.or(snapshot.newest_requested());
    let mut parameters = Parameters {
        method: query.method,
        codes: sel.codes.clone(),
        start: query.selection.start,
        end: query.selection.end,
        status: query.selection.status,
        as_of,
        requests: sel.points.len(),
        resolution: None,
        resolution_rule: None,
        k: None,
        fdr: None,
        eps_m: None,
        min_points: None,
        min_requests: None,
    };
    let ctx = Members::new(snapshot, &sel, as_of);
    match query.method {
        Method::Gistar => {
            let (resolution, rule) = match query.res {
                Some(r) => (r, "given"),
                None => (auto_resolution(sel.cells.iter().copied()), "auto"),
            };
            let params = GiStarParams {
                resolution,
                k: query.k,
                fdr: query.fdr,
                study_area,
            };
            let cells = exact_cells(snapshot, &sel, resolution)?;
            let result = gistar_h3(cells.iter().copied(), &params)?;
            let regions = hot_cold_regions(&result.cells)?;
            parameters.resolution = Some(resolution);
            parameters.resolution_rule = Some(rule);
            parameters.k = Some(query.k);
            parameters.fdr = Some(query.fdr);
            let (hot, cold): (Vec<Region>, Vec<Region>) =
                regions.into_iter().partition(|r| r.kind == RegionKind::Hot);
            let areas = ctx.region_areas(&hot, &cells)?;
            Ok(HotspotReport {
                parameters,
                areas,
                detail: ReportDetail::Gistar {
                    result,
                    cold_regions: cold,
                },
            })
        }
        Method::Dbscan => {
            let params = DbscanParams {
                eps_m: query.eps_m.unwrap_or(DEFAULT_EPS_M),
                min_points: query.min_points.unwrap_or(DEFAULT_MIN_POINTS),
            };
            let result = dbscan(&sel.points, &params)?;
            parameters.eps_m = Some(params.eps_m);
            parameters.min_points = Some(params.min_points);
            let areas = ctx.cluster_areas(&result);
            Ok(HotspotReport {
                parameters,
                areas,
                detail: ReportDetail::Dbscan {
                    result,
                    ids: sel.ids(snapshot),
                },
            })
        }
        Method::Repeats => {
            let min = query.min_requests.unwrap_or(DEFAULT_MIN_REQUESTS);
            parameters.min_requests = Some(min);
            let areas = ctx.repeat_areas(min)?;
            Ok(HotspotReport {
                parameters,
                areas,
                detail: ReportDetail::Repeats,
            })
        }
    }
}

/// Access to the selected requests' index records, and the per-area summaries.
struct Members<'a> {
    sel: &'a Selected,
    requests: Vec<&'a [IndexedRequest]>,
    codes: Vec<Arc<str>>,
    as_of: Option<i64>,
}

impl<'a> Members<'a> {
    fn new(snapshot: &'a IndexSnapshot, sel: &'a Selected, as_of: Option<i64>) -> Self {
        Members {
            sel,
            requests: sel
                .codes
                .iter()
                .map(|c| snapshot.of_type(c).map_or(&[][..], |t| t.requests()))
                .collect(),
            codes: sel.codes.iter().map(|c| Arc::from(c.as_str())).collect(),
            as_of,
        }
    }

    fn get(&self, r: RequestRef) -> &'a IndexedRequest {
        &self.requests[r.code as usize][r.index as usize]
    }

    fn as_of(&self) -> i64 {
        self.as_of.unwrap_or(i64::MIN)
    }

    /// SLA, types, top addresses, members and work items of selected requests `idx`.
    fn summarize(&self, idx: &[usize]) -> Summary {
        let as_of = self.as_of();
        let recs: Vec<(RequestRef, &IndexedRequest)> = idx
            .iter()
            .map(|&i| self.sel.refs[i])
            .map(|r| (r, self.get(r)))
            .collect();
        let sla = summarize(recs.iter().map(|(_, r)| SlaTimes::from(*r)), as_of);
        let mut types: HashMap<u32, usize> = HashMap::new();
        let mut addresses: HashMap<&str, usize> = HashMap::new();
        for (rf, r) in &recs {
            *types.entry(rf.code).or_default() += 1;
            if let Some(a) = r.address.as_deref() {
                *addresses.entry(a).or_default() += 1;
            }
        }
        // normalize each distinct address text once, then merge counts per place
        let mut places: HashMap<String, usize> = HashMap::new();
        for (text, n) in addresses {
            if let Some(key) = address_key(text).and_then(|k| k.address) {
                *places.entry(key).or_default() += n;
            }
        }
        let mut top_addresses: Vec<(String, usize)> = places.into_iter().collect();
        top_addresses.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top_addresses.truncate(TOP_ADDRESSES);
        let mut types: Vec<(String, usize)> = types
            .into_iter()
            .map(|(c, n)| (self.codes[c as usize].to_string(), n))
            .collect();
        types.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut work: Vec<WorkItem> = recs
            .iter()
            .filter(|(_, r)| r.status == Status::Open)
            .map(|(rf, r)| WorkItem {
                id: Arc::clone(&r.id),
                service_code: Arc::clone(&self.codes[rf.code as usize]),
                status: r.status,
                requested: r.requested,
                expected: r.expected,
                days_overdue: SlaTimes::from(*r).days_overdue(as_of),
                address: r.address.clone(),
                lon: r.lon,
                lat: r.lat,
            })
            .collect();
        work.sort_by(|a, b| {
            b.days_overdue
                .unwrap_or(-1.0)
                .total_cmp(&a.days_overdue.unwrap_or(-1.0))
                .then(
                    a.requested
                        .unwrap_or(i64::MAX)
                        .cmp(&b.requested.unwrap_or(i64::MAX)),
                )
                .then_with(|| a.id.cmp(&b.id))
        });
        Summary {
            sla,
            types,
            top_addresses,
            members: recs.iter().map(|(_, r)| Arc::clone(&r.id)).collect(),
            work,
        }
    }

    /// Hot regions as areas; `cells` are the selected requests' cells at the analysis
    /// resolution (in selection order).
    fn region_areas(
        &self,
        hot: &[Region],
        cells: &[h3o::CellIndex],
    ) -> Result<Vec<Area>, HotspotError> {
        let mut region_of: HashMap<h3o::CellIndex, usize> = HashMap::new();
        for (i, r) in hot.iter().enumerate() {
            for c in &r.cells {
                region_of.insert(*c, i);
            }
        }
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); hot.len()];
        for (i, c) in cells.iter().enumerate() {
            if let Some(&r) = region_of.get(c) {
                members[r].push(i);
            }
        }
        let areas = hot
            .iter()
            .zip(members)
            .enumerate()
            .map(|(i, (r, m))| {
                let s = self.summarize(&m);
                let reason = priority_reason(&s.sla, &format!("max |z| {:.2}", r.max_abs_z));
                s.into_area(
                    AreaKind::HotRegion,
                    format!("H{}", i + 1),
                    geo::Geometry::MultiPolygon(r.geometry.clone()),
                    r.centroid,
                    r.max_abs_z,
                    reason,
                    AreaDetail::HotRegion {
                        cells: r.cells.len(),
                        max_abs_z: r.max_abs_z,
                    },
                )
            })
            .collect();
        Ok(rank(areas))
    }

    fn cluster_areas(&self, result: &DbscanResult) -> Vec<Area> {
        let slot: HashMap<u32, usize> = result
            .clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); result.clusters.len()];
        for (i, &l) in result.labels.iter().enumerate() {
            if let Some(&s) = u32::try_from(l).ok().and_then(|l| slot.get(&l)) {
                members[s].push(i);
            }
        }
        let areas = result
            .clusters
            .iter()
            .zip(members)
            .map(|(c, m)| {
                let s = self.summarize(&m);
                let area_ha = c.hull.geodesic_area_unsigned() / 10_000.0;
                let density = if area_ha > 0.0 {
                    c.count as f64 / area_ha
                } else {
                    0.0
                };
                let reason = priority_reason(&s.sla, &format!("{density:.1} requests/ha"));
                s.into_area(
                    AreaKind::Cluster,
                    format!("C{}", c.id),
                    geo::Geometry::Polygon(c.hull.clone()),
                    c.centroid,
                    density,
                    reason,
                    AreaDetail::Cluster {
                        cluster: c.id,
                        core_count: c.core_count,
                        area_ha,
                    },
                )
            })
            .collect();
        rank(areas)
    }

    fn repeat_areas(&self, min_requests: usize) -> Result<Vec<Area>, HotspotError> {
        let as_of = self.as_of();
        let inputs: Vec<RepeatInput<'_>> = self
            .sel
            .refs
            .iter()
            .map(|&rf| {
                let r = self.get(rf);
                RepeatInput {
                    address: r.address.as_deref(),
                    lon: r.lon,
                    lat: r.lat,
                    type_id: rf.code as usize,
                    requested: r.requested,
                    open: r.status == Status::Open,
                    overdue: r.is_overdue(as_of),
                }
            })
            .collect();
        let groups = repeat_addresses(&inputs, min_requests)?;
        Ok(groups
            .into_iter()
            .enumerate()
            .map(|(i, g)| {
                let s = self.summarize(&g.members);
                let types = s
                    .types
                    .iter()
                    .map(|(c, n)| format!("{c} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut reason = format!(
                    "{} recurring of {} types ({types}), {} requests",
                    g.recurring_types(),
                    g.distinct_types(),
                    g.requests()
                );
                reason.push_str("; ");
                reason.push_str(&priority_reason(&s.sla, ""));
                let point = geo::Point::new(g.lon, g.lat);
                let id = g
                    .place
                    .address
                    .clone()
                    .unwrap_or_else(|| format!("{:.5},{:.5}", g.lat, g.lon));
                let mut area = s.into_area(
                    AreaKind::Repeat,
                    id,
                    geo::Geometry::Point(point),
                    point,
                    g.recurring_types() as f64,
                    reason,
                    AreaDetail::Repeat {
                        key: g.place.key,
                        address: g.place.address,
                        first: g.first,
                        last: g.last,
                    },
                );
                area.rank = i + 1;
                area
            })
            .collect())
    }
}

struct Summary {
    sla: SlaSummary,
    types: Vec<(String, usize)>,
    top_addresses: Vec<(String, usize)>,
    members: Vec<Arc<str>>,
    work: Vec<WorkItem>,
}

impl Summary {
    #[allow(clippy::too_many_arguments)]
    fn into_area(
        self,
        kind: AreaKind,
        id: String,
        geometry: geo::Geometry<f64>,
        centroid: geo::Point<f64>,
        significance: f64,
        priority_reason: String,
        detail: AreaDetail,
    ) -> Area {
        let centroid = if centroid.x().is_finite() {
            centroid
        } else {
            geometry.centroid().unwrap_or(centroid)
        };
        Area {
            rank: 0,
            kind,
            id,
            geometry,
            centroid,
            sla: self.sla,
            significance,
            priority_reason,
            types: self.types,
            top_addresses: self.top_addresses,
            members: self.members,
            work: self.work,
            detail,
        }
    }
}

/// Sorts areas by [`priority_cmp`] (ties keep their order) and numbers them from 1.
fn rank(mut areas: Vec<Area>) -> Vec<Area> {
    let key = |a: &Area| PriorityInput {
        sla: a.sla,
        significance: a.significance,
    };
    areas.sort_by(|a, b| priority_cmp(&key(a), &key(b)));
    for (i, a) in areas.iter_mut().enumerate() {
        a.rank = i + 1;
    }
    areas
}

impl HotspotReport {
    /// RFC 7946 FeatureCollection: the ranked areas first (in rank order, with SLA and
    /// priority properties), then cold regions and Gi* cells; the parameters used are the
    /// foreign member `parameters`.
    pub fn to_geojson(&self) -> FeatureCollection {
        let mut features: Vec<geojson::Feature> = self.areas.iter().map(area_feature).collect();
        if let ReportDetail::Gistar {
            result,
            cold_regions,
        } = &self.detail
        {
            let rest = gistar_geojson(result, cold_regions);
            // gistar_geojson puts cells first, then the (cold) regions: regions before cells
            let (cells, regions): (Vec<_>, Vec<_>) = rest.features.into_iter().partition(|f| {
                f.properties
                    .as_ref()
                    .and_then(|p| p.get("kind"))
                    .is_some_and(|k| k == "cell")
            });
            for mut f in regions {
                if let Some(p) = f.properties.as_mut() {
                    p.insert("rank".into(), serde_json::Value::Null);
                }
                features.push(f);
            }
            features.extend(cells);
        }
        let mut fc = collection(features);
        let mut members = JsonObject::new();
        members.insert("parameters".into(), self.parameters.to_json());
        fc.foreign_members = Some(members);
        fc
    }

    /// The work list: every open request of every area, areas in rank order, each area's
    /// requests most overdue first, then oldest first. Columns: [`WORK_LIST_COLUMNS`];
    /// datetimes RFC 3339 in `tz`; `days_overdue` with one decimal, empty when not overdue.
    pub fn write_work_list_csv(
        &self,
        out: &mut dyn Write,
        tz: chrono_tz::Tz,
    ) -> Result<(), HotspotError> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(WORK_LIST_COLUMNS).map_err(csv_io)?;
        let time = |t: Option<i64>| {
            t.and_then(|t| tz.timestamp_opt(t, 0).single())
                .map(|d| d.to_rfc3339())
                .unwrap_or_default()
        };
        for a in &self.areas {
            for item in &a.work {
                w.write_record([
                    a.rank.to_string(),
                    a.id.clone(),
                    item.id.to_string(),
                    item.service_code.to_string(),
                    item.status.as_str().to_string(),
                    time(item.requested),
                    time(item.expected),
                    item.days_overdue
                        .map(|d| format!("{d:.1}"))
                        .unwrap_or_default(),
                    item.address.as_deref().unwrap_or("").to_string(),
                    format!("{:.6}", item.lat),
                    format!("{:.6}", item.lon),
                ])
                .map_err(csv_io)?;
            }
        }
        w.flush()?;
        Ok(())
    }

    /// Repeat places as CSV: `rank,address,lat,lon,requests,distinct_types,types,open,overdue,first,last`
    /// (`types` = `code:count` joined by `;`, most first; `first`/`last` RFC 3339 in `tz`;
    /// `address` empty for places keyed by location). Other methods write their areas the
    /// same way (address = the area id).
    pub fn write_repeats_csv(
        &self,
        out: &mut dyn Write,
        tz: chrono_tz::Tz,
    ) -> Result<(), HotspotError> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "rank",
            "address",
            "lat",
            "lon",
            "requests",
            "distinct_types",
            "types",
            "open",
            "overdue",
            "first",
            "last",
        ])
        .map_err(csv_io)?;
        let time = |t: Option<i64>| {
            t.and_then(|t| tz.timestamp_opt(t, 0).single())
                .map(|d| d.to_rfc3339())
                .unwrap_or_default()
        };
        for a in &self.areas {
            let (address, first, last) = match &a.detail {
                AreaDetail::Repeat {
                    address,
                    first,
                    last,
                    ..
                } => (address.clone().unwrap_or_default(), *first, *last),
                _ => (a.id.clone(), None, None),
            };
            w.write_record([
                a.rank.to_string(),
                address,
                format!("{:.6}", a.centroid.y()),
                format!("{:.6}", a.centroid.x()),
                a.sla.requests.to_string(),
                a.types.len().to_string(),
                a.types
                    .iter()
                    .map(|(c, n)| format!("{c}:{n}"))
                    .collect::<Vec<_>>()
                    .join(";"),
                a.sla.open.to_string(),
                a.sla.overdue.to_string(),
                time(first),
                time(last),
            ])
            .map_err(csv_io)?;
        }
        w.flush()?;
        Ok(())
    }
}

fn area_feature(a: &Area) -> geojson::Feature {
    let geometry = match &a.geometry {
        geo::Geometry::MultiPolygon(mp) => multipolygon(mp),
        geo::Geometry::Polygon(p) => multipolygon(&geo::MultiPolygon(vec![p.clone()])),
        geo::Geometry::Point(p) => GeometryValue::Point {
            coordinates: pos(p.x(), p.y()),
        },
        other => multipolygon(&geo::MultiPolygon(
            geo::BoundingRect::bounding_rect(other)
                .map(|r| vec![r.to_polygon()])
                .unwrap_or_default(),
        )),
    };
    let opt = |v: Option<f64>| v.map(|d| (d * 10.0).round() / 10.0);
    let mut props = json!({
        "kind": a.kind.as_str(),
        "rank": a.rank,
        "id": a.id,
        "count": a.sla.requests,
        "open": a.sla.open,
        "overdue": a.sla.overdue,
        "late": a.sla.late,
        "share_overdue": (a.sla.share_overdue * 1000.0).round() / 1000.0,
        "oldest_open_days": opt(a.sla.oldest_open_days),
        "median_days_to_close": opt(a.sla.median_days_to_close),
        "significance": round(a.significance),
        "priority_reason": a.priority_reason,
        "types": a.types.iter().map(|(c, n)| json!({"service_code": c, "count": n})).collect::<Vec<_>>(),
        "top_addresses": a.top_addresses.iter().map(|(s, n)| json!({"address": s, "count": n})).collect::<Vec<_>>(),
        "centroid": [round(a.centroid.x()), round(a.centroid.y())],
    });
    let m = props.as_object_mut().expect("object");
    match &a.detail {
        AreaDetail::HotRegion { cells, max_abs_z } => {
            m.insert("cells".into(), json!(cells));
            m.insert("max_abs_z".into(), json!(round(*max_abs_z)));
        }
        AreaDetail::Cluster {
            cluster,
            core_count,
            area_ha,
        } => {
            m.insert("cluster".into(), json!(cluster));
            m.insert("core_count".into(), json!(core_count));
            m.insert("area_ha".into(), json!((area_ha * 100.0).round() / 100.0));
            m.insert("requests_per_ha".into(), json!(round(a.significance)));
        }
        AreaDetail::Repeat {
            address,
            first,
            last,
            ..
        } => {
            m.insert("address".into(), json!(address));
            m.insert("distinct_types".into(), json!(a.types.len()));
            m.insert("recurring_types".into(), json!(a.significance));
            m.insert("first".into(), json!(first.and_then(rfc3339_utc)));
            m.insert("last".into(), json!(last.and_then(rfc3339_utc)));
        }
    }
    feature(geometry, props)
}
