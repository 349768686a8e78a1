//! Per-area summaries: for each hot region, cluster or repeat place, the SLA figures of its
//! member requests, their types and top addresses, the work items, and the priority rank.

use std::collections::HashMap;
use std::sync::Arc;

use geo::{Centroid, GeodesicArea};

use super::query::{RequestRef, Selected};
use super::report::{Area, AreaDetail, AreaKind, WorkItem, TOP_ADDRESSES};
use super::HotspotError;
use crate::analysis::repeats::{address_key, RepeatInput};
use crate::analysis::sla::{priority_cmp, priority_reason, summarize};
use crate::analysis::{repeat_addresses, DbscanResult, PriorityInput, Region, SlaSummary};
use crate::index::{IndexSnapshot, IndexedRequest};
use crate::model::Status;

/// Access to the selected requests' index records, and the per-area summaries.
pub(super) struct Members<'a> {
    sel: &'a Selected,
    requests: Vec<&'a [IndexedRequest]>,
    codes: Vec<Arc<str>>,
    as_of: Option<i64>,
}

impl<'a> Members<'a> {
    pub(super) fn new(snapshot: &'a IndexSnapshot, sel: &'a Selected, as_of: Option<i64>) -> Self {
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
        let sla = summarize(recs.iter().map(|(_, r)| r.sla_times()), as_of);
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
                days_overdue: r.sla_times().days_overdue(as_of),
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
    pub(super) fn region_areas(
        &self,
        hot: &[Region],
        cells: &[h3o::CellIndex],
    ) -> Result<Vec<Area>, HotspotError> {
        self.region_areas_with(hot, cells, |r| AreaDetail::HotRegion {
            cells: r.cells.len(),
            max_abs_z: r.max_abs_z,
        })
    }

    /// [`Members::region_areas`] with each area's detail made from its region by `detail`.
    pub(super) fn region_areas_with(
        &self,
        hot: &[Region],
        cells: &[h3o::CellIndex],
        detail: impl Fn(&Region) -> AreaDetail,
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
                    detail(r),
                )
            })
            .collect();
        Ok(rank(areas))
    }

    pub(super) fn cluster_areas(&self, result: &DbscanResult) -> Vec<Area> {
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

    pub(super) fn repeat_areas(&self, min_requests: usize) -> Result<Vec<Area>, HotspotError> {
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
            change: None,
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
