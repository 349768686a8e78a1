//! The report model (ranked areas with SLA figures, the parameters used, method details) and
//! the method run that fills it: [`compute_report`].

use std::sync::Arc;

use serde_json::json;

use super::query::{exact_cells, minimum_requests, select, HotspotQuery};
use super::summary::Members;
use super::HotspotError;
use crate::analysis::emerging::{emerging_hotspots, Category, EmergingParams, EmergingResult};
use crate::analysis::knox::{self, KnoxResult};
use crate::analysis::{
    auto_resolution, count_cells, dbscan, gistar_from_counts, hot_cold_regions, CellStat,
    DbscanParams, DbscanResult, GiStarParams, GiStarResult, Region, RegionKind, SlaSummary,
};
use crate::index::IndexSnapshot;
use crate::methods::Method;
use crate::model::Status;
use crate::time::local_time;

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

/// The parameters a report was computed with (defaults resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct Parameters {
    pub method: Method,
    /// Service codes analysed (sorted).
    pub codes: Vec<String>,
    /// The window (unix seconds).
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub status: Option<Status>,
    /// SLA reference time (unix seconds); `None` when no request has a requested time.
    pub as_of: Option<i64>,
    /// Requests selected.
    pub requests: usize,
    /// The city's time zone (times are written with its offset).
    pub tz: chrono_tz::Tz,
    /// Gi*: resolution used, and whether it was `"given"` or `"auto"`.
    pub resolution: Option<u8>,
    pub resolution_rule: Option<&'static str>,
    pub k: Option<u32>,
    pub fdr: Option<bool>,
    pub eps_m: Option<f64>,
    pub min_points: Option<usize>,
    pub min_requests: Option<usize>,
    /// Emerging hot spots: days per step, time lag and number of steps used.
    pub step_days: Option<u32>,
    pub lag: Option<u32>,
    pub steps: Option<u32>,
    /// Near repeats: band edges (metres, days) and permutations used.
    pub distance_bands: Option<Vec<f64>>,
    pub time_bands: Option<Vec<f64>>,
    pub permutations: Option<u32>,
}

impl Parameters {
    /// As a JSON object (the `parameters` member of the GeoJSON).
    pub fn to_json(&self) -> serde_json::Value {
        let mut o = json!({
            "method": self.method.as_str(),
            "types": self.codes,
            "start": local_time(self.start, self.tz),
            "end": local_time(self.end, self.tz),
            "status": self.status.map(Status::as_str),
            "as_of": local_time(self.as_of, self.tz),
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
        put("step_days", json!(self.step_days));
        put("lag", json!(self.lag));
        put("steps", json!(self.steps));
        put("distance_bands", json!(self.distance_bands));
        put("time_bands", json!(self.time_bands));
        put("permutations", json!(self.permutations));
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
        if let (Some(n), Some(d), Some(l)) = (self.steps, self.step_days, self.lag) {
            parts.push(format!("{n} steps of {d} days, lag {l}"));
        }
        parts.push(format!(
            "SLA as of {}",
            local_time(self.as_of, self.tz).unwrap_or_else(|| "-".into())
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
    /// A region of cells hot in the final step of an emerging hot-spot cube.
    Emerging {
        cells: usize,
        max_abs_z: f64,
        /// The category of its cells that calls for work first: new, else intensifying, else
        /// the first in [`Category`]'s order.
        category: Category,
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
    /// Against the previous window of the same length, when compared.
    pub change: Option<Change>,
}

/// How an area compares with the window of the same length before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Meets no area of the previous window.
    New,
    /// Meets an area of the previous window.
    Persisting,
    /// An area of the previous window that meets none of this one.
    Gone,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Persisting => "persisting",
            Change::Gone => "gone",
        }
    }
}

/// The comparison with the previous window (`compare=previous`).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The previous window (unix seconds, both included).
    pub start: i64,
    pub end: i64,
    /// Areas of the previous window that meet none of this one (unranked).
    pub gone: Vec<Area>,
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
    Emerging {
        /// Every location of the cube with its series, trend and category.
        result: EmergingResult,
    },
    NearRepeat {
        /// The Knox table.
        result: KnoxResult,
        /// The strongest significant close band (distance band, time band), if any.
        strongest: Option<(usize, usize)>,
        /// A sentence that says what the table means.
        reading: String,
        /// Pairs of the strongest band (closest first, at most [`MAX_PAIR_LINES`]).
        pairs: Vec<PairLine>,
    },
}

/// Most pairs of the strongest band drawn.
pub const MAX_PAIR_LINES: usize = 2_000;

/// Two requests of a near-repeat pair.
#[derive(Debug, Clone, PartialEq)]
pub struct PairLine {
    pub ids: [Arc<str>; 2],
    pub points: [geo::Coord<f64>; 2],
    pub distance_m: f64,
    pub days: f64,
}

/// The answer to a [`HotspotQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotReport {
    pub parameters: Parameters,
    /// Hot regions, clusters or repeat places in rank order.
    pub areas: Vec<Area>,
    pub detail: ReportDetail,
    /// Why nothing was found and what would have power (Gi* without a hot spot).
    pub explanation: Option<String>,
    /// Against the previous window, when asked for ([`super::compare::with_previous`]).
    pub comparison: Option<Comparison>,
}

/// Runs a query on a snapshot: selects the requests, runs the method, summarizes and ranks
/// the areas. `study_area` is the city's Gi* study area ([`crate::city::City::study_area`]).
///
/// # Errors
/// An unknown parameter value, a reversed window, fewer than [`MIN_REQUESTS`] requests (one
/// for repeats), or the analysis' own errors.
pub fn compute_report(
    snapshot: &IndexSnapshot,
    query: &HotspotQuery,
    study_area: Option<&geo::MultiPolygon<f64>>,
) -> Result<HotspotReport, HotspotError> {
    query.options.validate()?;
    let sel = select(snapshot, &query.selection, minimum_requests(query.method))?;
    let as_of = query.as_of.or(snapshot.newest_requested());
    let mut parameters = Parameters {
        method: query.method,
        codes: sel.codes.clone(),
        start: query.selection.start,
        end: query.selection.end,
        status: query.selection.status,
        as_of,
        requests: sel.points.len(),
        tz: query.tz,
        resolution: None,
        resolution_rule: None,
        k: None,
        fdr: None,
        eps_m: None,
        min_points: None,
        min_requests: None,
        step_days: None,
        lag: None,
        steps: None,
        distance_bands: None,
        time_bands: None,
        permutations: None,
    };
    let ctx = Members::new(snapshot, &sel, as_of);
    match query.method {
        Method::Gistar => {
            let o = &query.options;
            let (resolution, rule) = match o.res {
                Some(r) => (r, "given"),
                None => (auto_resolution(sel.cells.iter().copied()), "auto"),
            };
            let params = GiStarParams {
                resolution,
                k: o.k,
                fdr: o.fdr,
                study_area,
            };
            let res = params.validate()?;
            let cells = exact_cells(snapshot, &sel, res);
            let result = gistar_from_counts(&count_cells(&cells, res)?, &params)?;
            let regions = hot_cold_regions(&result.cells)?;
            parameters.resolution = Some(resolution);
            parameters.resolution_rule = Some(rule);
            parameters.k = Some(o.k);
            parameters.fdr = Some(o.fdr);
            let (hot, cold): (Vec<Region>, Vec<Region>) =
                regions.into_iter().partition(|r| r.kind == RegionKind::Hot);
            let areas = ctx.region_areas(&hot, &cells)?;
            let explanation = areas
                .is_empty()
                .then(|| super::explain::no_hot_spot(snapshot, query, &sel, &result));
            Ok(HotspotReport {
                parameters,
                areas,
                detail: ReportDetail::Gistar {
                    result,
                    cold_regions: cold,
                },
                explanation,
                comparison: None,
            })
        }
        Method::Dbscan => {
            let params = DbscanParams {
                eps_m: query.options.eps_m_or_default(),
                min_points: query.options.min_points_or_default(),
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
                explanation: None,
                comparison: None,
            })
        }
        Method::Emerging => {
            let o = &query.options;
            let (resolution, rule) = match o.res {
                Some(r) => (r, "given"),
                None => (auto_resolution(sel.cells.iter().copied()), "auto"),
            };
            let params = EmergingParams {
                resolution,
                k: o.k,
                lag: o.lag_or_default(),
                step_days: o.step_days_or_default(),
                steps: o.steps,
                start: query.selection.start,
                end: query.selection.end,
                study_area,
            };
            let res = GiStarParams {
                resolution,
                k: o.k,
                fdr: true,
                study_area,
            }
            .validate()?;
            let cells = exact_cells(snapshot, &sel, res);
            let events: Vec<(h3o::CellIndex, i64)> = cells
                .iter()
                .zip(sel.times(snapshot))
                .filter_map(|(&c, t)| Some((c, t?)))
                .collect();
            let result = emerging_hotspots(&events, &params)?;
            parameters.resolution = Some(resolution);
            parameters.resolution_rule = Some(rule);
            parameters.k = Some(o.k);
            parameters.step_days = Some(params.step_days);
            parameters.lag = Some(params.lag);
            parameters.steps = Some(result.steps);
            let regions = final_step_regions(&result)?;
            let areas = emerging_areas(&ctx, &regions, &cells, &result)?;
            Ok(HotspotReport {
                parameters,
                areas,
                detail: ReportDetail::Emerging { result },
                explanation: None,
                comparison: None,
            })
        }
        Method::NearRepeat => {
            let params = query.options.knox_or_default();
            let ids = sel.ids(snapshot);
            let (events, owners): (Vec<(f64, f64, i64)>, Vec<usize>) = sel
                .points
                .iter()
                .zip(sel.times(snapshot))
                .enumerate()
                .filter_map(|(i, (p, t))| Some(((p.x, p.y, t?), i)))
                .unzip();
            let result = knox::knox(&events, &params)?;
            let strongest = knox::strongest(&result, 0.05, 5);
            let reading = knox::reading(&result, strongest);
            let strongest = strongest.map(|c| (c.distance_band, c.time_band));
            let pairs = match strongest {
                Some((d, t)) => knox::band_pairs(&events, &params, d, t, MAX_PAIR_LINES)?
                    .into_iter()
                    .map(|p| PairLine {
                        ids: [Arc::clone(&ids[owners[p.a]]), Arc::clone(&ids[owners[p.b]])],
                        points: [sel.points[owners[p.a]], sel.points[owners[p.b]]],
                        distance_m: p.distance_m,
                        days: p.days,
                    })
                    .collect(),
                None => Vec::new(),
            };
            parameters.distance_bands = Some(params.distance_bands);
            parameters.time_bands = Some(params.time_bands);
            parameters.permutations = Some(params.permutations);
            Ok(HotspotReport {
                parameters,
                areas: Vec::new(),
                detail: ReportDetail::NearRepeat {
                    result,
                    strongest,
                    reading,
                    pairs,
                },
                explanation: None,
                comparison: None,
            })
        }
        Method::Repeats => {
            let min = query.options.min_requests_or_default();
            parameters.min_requests = Some(min);
            let areas = ctx.repeat_areas(min)?;
            Ok(HotspotReport {
                parameters,
                areas,
                detail: ReportDetail::Repeats,
                explanation: None,
                comparison: None,
            })
        }
    }
}

/// Connected locations that are hot in the cube's final step.
fn final_step_regions(result: &EmergingResult) -> Result<Vec<Region>, HotspotError> {
    let stats: Vec<CellStat> = result
        .locations
        .iter()
        .map(|l| CellStat {
            cell: l.cell,
            count: l.counts.iter().map(|&c| u64::from(c)).sum(),
            z: l.z.last().copied().unwrap_or(0.0),
            p: l.p.last().copied().unwrap_or(1.0),
            bin: if l.bins.last() == Some(&1) { 2 } else { 0 },
            neighbours: 0,
        })
        .collect();
    Ok(hot_cold_regions(&stats)?
        .into_iter()
        .filter(|r| r.kind == RegionKind::Hot)
        .collect())
}

/// Regions hot in the final step as areas, each with the category that calls for work first
/// among its cells ([`work_category`]); those holding a new or intensifying hot spot
/// first (each group in SLA priority order), their priority reason saying so.
fn emerging_areas(
    ctx: &Members<'_>,
    regions: &[Region],
    cells: &[h3o::CellIndex],
    result: &EmergingResult,
) -> Result<Vec<Area>, HotspotError> {
    let category: std::collections::HashMap<h3o::CellIndex, Category> = result
        .locations
        .iter()
        .map(|l| (l.cell, l.category))
        .collect();
    let mut areas = ctx.region_areas_with(regions, cells, |r| AreaDetail::Emerging {
        cells: r.cells.len(),
        max_abs_z: r.max_abs_z,
        category: work_category(r.cells.iter().filter_map(|c| category.get(c).copied())),
    })?;
    let urgent = |a: &Area| match a.detail {
        AreaDetail::Emerging { category, .. } => {
            matches!(category, Category::NewHot | Category::IntensifyingHot).then_some(category)
        }
        _ => None,
    };
    for a in &mut areas {
        if let Some(c) = urgent(a) {
            let words = match c {
                Category::NewHot => "new hot spot",
                _ => "intensifying hot spot",
            };
            a.priority_reason = format!("{words}; {}", a.priority_reason);
        }
    }
    areas.sort_by_key(|a| urgent(a).is_none());
    for (i, a) in areas.iter_mut().enumerate() {
        a.rank = i + 1;
    }
    Ok(areas)
}

/// Of a region's categories, the one that calls for work first: new, else intensifying, else
/// the first in [`Category`]'s order.
fn work_category(categories: impl Iterator<Item = Category> + Clone) -> Category {
    [Category::NewHot, Category::IntensifyingHot]
        .into_iter()
        .find(|c| categories.clone().any(|x| x == *c))
        .or_else(|| categories.min())
        .unwrap_or(Category::None)
}
