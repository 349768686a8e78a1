//! Renderings of hot-spot reports and layers: RFC 7946 GeoJSON (counter-clockwise exteriors,
//! 6 decimals) and CSV (work lists, repeat places, Gi* cells, DBSCAN labels). The HTTP layer
//! uses the same helpers for its own layers.

use std::io::Write;
use std::sync::Arc;

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, Position};
use serde_json::json;

use super::report::{
    Area, AreaDetail, Change, HotspotReport, PairLine, ReportDetail, WORK_LIST_COLUMNS,
};
use super::HotspotError;
use crate::analysis::emerging::{Category, EmergingLocation, EmergingResult};
use crate::analysis::knox::KnoxResult;
use crate::analysis::{DbscanResult, GiStarResult, Region};
use crate::methods::Method;
use crate::time::local_time;

impl HotspotReport {
    /// RFC 7946 FeatureCollection: the ranked areas first (in rank order, with SLA and
    /// priority properties), then cold regions and Gi* cells; the parameters used are the
    /// foreign member `parameters`.
    pub fn to_geojson(&self) -> FeatureCollection {
        let mut features: Vec<geojson::Feature> = self
            .areas
            .iter()
            .map(|a| area_feature(a, self.parameters.tz))
            .collect();
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
        if let ReportDetail::Emerging { result } = &self.detail {
            features.extend(
                result
                    .locations
                    .iter()
                    .filter(|l| l.category != Category::None)
                    .map(|l| emerging_feature(result, l, self.parameters.tz)),
            );
        }
        let mut members = JsonObject::new();
        if let ReportDetail::NearRepeat {
            result,
            strongest,
            reading,
            pairs,
        } = &self.detail
        {
            features.extend(pairs.iter().enumerate().map(|(i, p)| pair_feature(i, p)));
            members.insert("knox".into(), knox_json(result, *strongest, reading));
        }
        let mut fc = collection(features);
        members.insert("parameters".into(), self.parameters.to_json());
        if let Some(why) = &self.explanation {
            members.insert("explanation".into(), json!(why));
        }
        if let Some(c) = &self.comparison {
            let tz = self.parameters.tz;
            let count = |change| {
                self.areas
                    .iter()
                    .filter(|a| a.change == Some(change))
                    .count()
            };
            members.insert(
                "compare".into(),
                json!({"previous_start": local_time(Some(c.start), tz),
                       "previous_end": local_time(Some(c.end), tz),
                       "new": count(Change::New), "persisting": count(Change::Persisting),
                       "gone": c.gone.len()}),
            );
            let gone = c.gone.iter().map(|a| {
                let mut f = area_feature(a, tz);
                if let Some(p) = f.properties.as_mut() {
                    p.insert("rank".into(), serde_json::Value::Null);
                }
                f.id = Some(geojson::feature::Id::String(format!("gone-{}", a.id)));
                f
            });
            fc.features.extend(gone);
        }
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
        let time = |t: Option<i64>| local_time(t, tz).unwrap_or_default();
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
        w.write_record(Method::Repeats.spec().columns)
            .map_err(csv_io)?;
        let time = |t: Option<i64>| local_time(t, tz).unwrap_or_default();
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

fn area_feature(a: &Area, tz: chrono_tz::Tz) -> geojson::Feature {
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
    if let Some(change) = a.change {
        m.insert("change".into(), json!(change.as_str()));
    }
    match &a.detail {
        AreaDetail::HotRegion { cells, max_abs_z } => {
            m.insert("cells".into(), json!(cells));
            m.insert("max_abs_z".into(), json!(round(*max_abs_z)));
        }
        AreaDetail::Emerging {
            cells,
            max_abs_z,
            category,
        } => {
            m.insert("cells".into(), json!(cells));
            m.insert("max_abs_z".into(), json!(round(*max_abs_z)));
            m.insert("category".into(), json!(category.as_str()));
            m.insert("category_code".into(), json!(category_code(*category)));
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
            m.insert("recurring_types".into(), json!(a.significance as u64));
            m.insert("first".into(), json!(local_time(*first, tz)));
            m.insert("last".into(), json!(local_time(*last, tz)));
        }
    }
    feature(a.id.clone(), geometry, props)
}

/// `h3,count,z,p,bin`, one row per study-area cell.
pub fn write_gistar_csv(result: &GiStarResult, out: &mut dyn Write) -> Result<(), HotspotError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(Method::Gistar.spec().columns)
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

/// `h3,category,trend_tau,trend_p,hot_steps,cold_steps,final_z`, one row per location.
pub fn write_emerging_csv(
    result: &EmergingResult,
    out: &mut dyn Write,
) -> Result<(), HotspotError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(Method::Emerging.spec().columns)
        .map_err(csv_io)?;
    for l in &result.locations {
        w.write_record([
            l.cell.to_string(),
            l.category.as_str().to_string(),
            format!("{:.6}", l.trend.tau),
            format!("{:.6e}", l.trend.p),
            l.hot_steps().to_string(),
            l.cold_steps().to_string(),
            format!("{:.6}", l.z.last().copied().unwrap_or(0.0)),
        ])
        .map_err(csv_io)?;
    }
    w.flush()?;
    Ok(())
}

/// One line on a cube: locations, steps and how many of each category there are.
pub fn emerging_summary(result: &EmergingResult) -> String {
    let mut counts: Vec<(Category, usize)> = Category::ALL
        .iter()
        .map(|&c| {
            (
                c,
                result.locations.iter().filter(|l| l.category == c).count(),
            )
        })
        .filter(|&(c, n)| n > 0 && c != Category::None)
        .collect();
    counts.sort_by_key(|&(c, _)| c);
    let listed: Vec<String> = counts
        .iter()
        .map(|(c, n)| format!("{n} {}", c.as_str().replace('_', " ")))
        .collect();
    format!(
        "{} cells x {} steps of {} days; {}",
        result.locations.len(),
        result.steps,
        result.step_days,
        if listed.is_empty() {
            "no emerging pattern".to_string()
        } else {
            listed.join(", ")
        }
    )
}

/// A location of the cube (kind `location`): its category (and its position in the legend,
/// `category_code`), trend, and counts, z and hot/cold per step with each step's end.
fn emerging_feature(result: &EmergingResult, l: &EmergingLocation, tz: chrono_tz::Tz) -> Feature {
    let code = category_code(l.category);
    let ends: Vec<Option<String>> = (0..result.steps)
        .map(|i| local_time(Some(result.step_start(i + 1)), tz))
        .collect();
    feature(
        format!("location-{}", l.cell),
        GeometryValue::MultiPolygon {
            coordinates: vec![vec![cell_ring(l.cell)]],
        },
        json!({
            "kind": "location",
            "h3": l.cell.to_string(),
            "category": l.category.as_str(),
            "category_code": code,
            "count": l.counts.iter().map(|&c| u64::from(c)).sum::<u64>(),
            "hot_steps": l.hot_steps(),
            "cold_steps": l.cold_steps(),
            "trend_tau": round(l.trend.tau),
            "trend_p": l.trend.p,
            "final_z": round(l.z.last().copied().unwrap_or(0.0)),
            "step_ends": ends,
            "counts": l.counts,
            "z": l.z.iter().map(|&z| (z * 1000.0).round() / 1000.0).collect::<Vec<_>>(),
            "bins": l.bins,
        }),
    )
}

/// `distance_band,time_band,observed,expected,expected_independent,knox_ratio,p`, one row per
/// cell of the Knox table (band labels as `0-100`, `500+`; an undefined ratio empty).
pub fn write_knox_csv(result: &KnoxResult, out: &mut dyn Write) -> Result<(), HotspotError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(Method::NearRepeat.spec().columns)
        .map_err(csv_io)?;
    for c in &result.cells {
        w.write_record([
            result.distance_labels[c.distance_band].clone(),
            result.time_labels[c.time_band].clone(),
            c.observed.to_string(),
            format!("{:.4}", c.expected),
            format!("{:.4}", c.expected_independent),
            c.knox_ratio.map(|r| format!("{r:.4}")).unwrap_or_default(),
            format!("{:.4}", c.p),
        ])
        .map_err(csv_io)?;
    }
    w.flush()?;
    Ok(())
}

/// The Knox table as the `knox` member of the layer: labels, cells, the strongest band and
/// the reading.
fn knox_json(
    result: &KnoxResult,
    strongest: Option<(usize, usize)>,
    reading: &str,
) -> serde_json::Value {
    json!({
        "distance_bands": result.distance_labels,
        "time_bands": result.time_labels,
        "events": result.events,
        "pairs": result.pairs,
        "permutations": result.permutations,
        "strongest": strongest.map(|(d, t)| json!({
            "distance_band": result.distance_labels[d],
            "time_band": result.time_labels[t],
        })),
        "reading": reading,
        "cells": result.cells.iter().map(|c| json!({
            "distance_band": result.distance_labels[c.distance_band],
            "time_band": result.time_labels[c.time_band],
            "observed": c.observed,
            "expected": (c.expected * 1e4).round() / 1e4,
            "expected_independent": (c.expected_independent * 1e4).round() / 1e4,
            "knox_ratio": c.knox_ratio.map(|r| (r * 1e4).round() / 1e4),
            "p": c.p,
        })).collect::<Vec<_>>(),
    })
}

/// A pair of the strongest band as a line (`kind` `near_repeat_pair`).
fn pair_feature(i: usize, p: &PairLine) -> Feature {
    feature(
        format!("pair-{}", i + 1),
        GeometryValue::LineString {
            coordinates: p.points.iter().map(|c| pos(c.x, c.y)).collect(),
        },
        json!({
            "kind": "near_repeat_pair",
            "first": p.ids[0].as_ref(),
            "second": p.ids[1].as_ref(),
            "distance_m": (p.distance_m * 10.0).round() / 10.0,
            "days_apart": (p.days * 100.0).round() / 100.0,
        }),
    )
}

/// A category's position in [`Category::ALL`] (the legend's `category_code`).
fn category_code(c: Category) -> usize {
    Category::ALL.iter().position(|&x| x == c).unwrap_or(16)
}

/// `service_request_id,cluster`, one row per request: `ids` labelled by `result` (same
/// order; −1 = noise).
pub fn write_dbscan_csv(
    ids: &[Arc<str>],
    result: &DbscanResult,
    out: &mut dyn Write,
) -> Result<(), HotspotError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(Method::Dbscan.spec().columns)
        .map_err(csv_io)?;
    for (id, label) in ids.iter().zip(&result.labels) {
        w.write_record([id.as_ref(), &label.to_string()])
            .map_err(csv_io)?;
    }
    w.flush()?;
    Ok(())
}

fn csv_io(e: csv::Error) -> HotspotError {
    HotspotError::Io(std::io::Error::other(e))
}

/// An H3 cell's boundary as a closed, counter-clockwise GeoJSON ring.
pub fn cell_ring(cell: h3o::CellIndex) -> Vec<Position> {
    let boundary = cell.boundary();
    boundary
        .iter()
        .chain(boundary.iter().take(1))
        .map(|ll| pos(ll.lng(), ll.lat()))
        .collect()
}

/// Gi* cells (kind `cell`, id the H3 index) and dissolved regions (kind `hot_region` /
/// `cold_region`, id `hot-N` / `cold-N`) as GeoJSON, every geometry a MultiPolygon (one
/// geometry type per layer, as GIS clients expect).
pub fn gistar_geojson(result: &GiStarResult, regions: &[Region]) -> FeatureCollection {
    let mut features: Vec<Feature> = result
        .cells
        .iter()
        .map(|c| {
            feature(
                c.cell.to_string(),
                GeometryValue::MultiPolygon {
                    coordinates: vec![vec![cell_ring(c.cell)]],
                },
                json!({"kind": "cell", "h3": c.cell.to_string(), "count": c.count, "z": round(c.z),
                       "p": c.p, "bin": c.bin, "neighbours": c.neighbours}),
            )
        })
        .collect();
    let (mut hot, mut cold) = (0, 0);
    for (i, r) in regions.iter().enumerate() {
        let (kind, id) = match r.kind {
            crate::analysis::RegionKind::Hot => {
                hot += 1;
                ("hot_region", format!("hot-{hot}"))
            }
            crate::analysis::RegionKind::Cold => {
                cold += 1;
                ("cold_region", format!("cold-{cold}"))
            }
        };
        features.push(feature(
            id,
            multipolygon(&r.geometry),
            json!({"kind": kind, "rank": i + 1, "cells": r.cells.len(), "count": r.total_count,
                   "max_abs_z": round(r.max_abs_z),
                   "centroid": [round(r.centroid.x()), round(r.centroid.y())]}),
        ));
    }
    collection(features)
}

/// Rounds to 6 decimals (about 0.1 m), the precision of every rendering.
pub fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A GeoJSON position with 6 decimals.
pub fn pos(x: f64, y: f64) -> Position {
    Position::from(vec![round(x), round(y)])
}

/// RFC 7946 polygons: counter-clockwise exteriors, clockwise holes, 6 decimals.
pub fn multipolygon(mp: &geo::MultiPolygon<f64>) -> GeometryValue {
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

/// A feature with a top-level `id` (unique in its layer), this geometry and properties (a
/// JSON object).
pub fn feature(
    id: impl Into<String>,
    value: GeometryValue,
    properties: serde_json::Value,
) -> Feature {
    let properties: Option<JsonObject> = match properties {
        serde_json::Value::Object(o) => Some(o),
        _ => None,
    };
    Feature {
        id: Some(geojson::feature::Id::String(id.into())),
        geometry: Some(Geometry::new(value)),
        properties,
        ..Default::default()
    }
}

/// A feature collection without a bbox or foreign members.
pub fn collection(features: Vec<Feature>) -> FeatureCollection {
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}
