//! `/api/v1/` map layers: the catalog (`layers`), request points, hex-bin density and
//! district choropleths. GeoJSON per RFC 7946 (lon/lat, counter-clockwise exteriors,
//! 6 decimals, `application/geo+json`), cached until the index changes.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use geojson::{GeometryValue, JsonObject};
use h3o::Resolution;
use serde_json::{json, Value};

use super::error::Problem;
use super::formats::LayerFormat;
use super::params::{Params, Scope, FILTER_PARAMS};
use super::respond::{cache_key, cached, Rendered, Work, GEOJSON, JSON};
use super::{ApiError, ServerState};
use crate::boundaries::BoundaryLayer;
use crate::hotspots::{cell_ring, collection, feature, multipolygon, pos, round};
use crate::index::IndexedRequest;
use crate::layers::{district_stats, hexbins, type_summaries, DistrictStats, HexBin, Tally};
use crate::methods::{HEX_RES, LIMIT};
use crate::selection::{for_each_match, DEFAULT_DAYS, MAX_DAYS};
use crate::time::{day_anchor, local_time};

/// A layer's features with its foreign members (GeoJSON only), in `format`; `name` names it
/// in a GeoPackage.
fn layer_body(
    format: LayerFormat,
    name: &str,
    features: Vec<geojson::Feature>,
    extra: JsonObject,
) -> Result<Rendered, ApiError> {
    let mut fc = collection(features);
    fc.foreign_members = Some(extra);
    format.render(&fc, name)
}

fn tally_json(t: &Tally) -> Value {
    json!({"count": t.count, "open": t.open, "overdue": t.overdue})
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// `GET /api/v1/layers`: what the map can show: the city, types with counts and time
/// extent, boundary layers, analysis methods with their parameters and defaults.
pub async fn catalog(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    Params::parse(raw.as_deref(), &[], false)?;
    let snapshot = state.city.index.snapshot();
    let version = snapshot.generation();
    cached(
        &state,
        Work::Layer,
        snapshot,
        cache_key("layers", &None),
        version,
        &headers,
        |state, snapshot| {
            let app = &state.city;
            let tz = app.config.timezone;
            let as_of = day_anchor(snapshot.newest_requested(), tz);
            let summaries = type_summaries(snapshot, as_of);
            let types: Vec<Value> = summaries
                .iter()
                .map(|s| {
                    let service = app.catalog.get(&s.code);
                    merge(
                        json!({
                            "code": s.code,
                            "name": service.map_or(s.code.as_str(), |x| x.name.as_str()),
                            "group": service.map_or("Other", |x| x.group.as_str()),
                            "sla_days": service.and_then(|x| x.sla_days),
                            "first": local_time(s.first, tz),
                            "last": local_time(s.last, tz),
                        }),
                        tally_json(&s.tally),
                    )
                })
                .collect();
            let first = summaries.iter().filter_map(|s| s.first).min();
            let last = summaries.iter().filter_map(|s| s.last).max();
            let boundaries: Vec<Value> = app
                .boundaries
                .layers()
                .iter()
                .map(|l| {
                    json!({"id": l.id, "name": title(&l.id), "features": l.features.len(),
                            "url": format!("/api/v1/boundaries/{}.geojson", l.id)})
                })
                .collect();
            let extent = app
                .config
                .extent
                .map(|e| [e.min_lon, e.min_lat, e.max_lon, e.max_lat]);
            let body = json!({
                "city": {"name": app.config.name, "timezone": tz.name(), "extent": extent,
                         "basemap": app.config.basemap, "demo": app.config.demo,
                         "streets": app.config.streets.is_some()},
                "as_of": local_time(Some(as_of), tz),
                "time_extent": {"start": local_time(first, tz), "end": local_time(last, tz)},
                "total": snapshot.len(),
                "types": types,
                "boundaries": boundaries,
                "defaults": {"days": DEFAULT_DAYS, "res": app.config.h3_resolution,
                             "method": crate::methods::METHODS[0].id, "status": "all"},
                "limits": {"days": MAX_DAYS, "points": LIMIT.max as i64},
                "filters": FILTER_PARAMS,
                "methods": crate::methods::advertise(app.config.h3_resolution),
            });
            Ok(Rendered::new(body.to_string().into_bytes(), JSON))
        },
    )
    .await
}

/// `council_districts` → `Council districts`.
pub(super) fn title(id: &str) -> String {
    let words = id.replace(['_', '-'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// `GET /api/v1/requests.geojson` (or `.gpkg`): request points, newest first, `limit` per
/// `page`.
pub async fn requests(
    State(state): State<ServerState>,
    format: LayerFormat,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref(), &["limit", "page"], true)?;
    let Scope {
        snapshot,
        selection,
        as_of,
        version,
    } = params.scope(&state.city)?;
    let limit =
        params.from_table(&LIMIT, LIMIT.default_number().unwrap_or(LIMIT.max) as i64)? as usize;
    let page = params.int("page", 1, 1..=1_000_000)? as usize;
    cached(
        &state,
        Work::Layer,
        snapshot,
        cache_key(&format.cache_route("requests"), &raw),
        version,
        &headers,
        move |state, snapshot| {
            let app = &state.city;
            let mut found: Vec<(&str, &IndexedRequest)> = Vec::new();
            for_each_match(snapshot, &selection, |code, r| found.push((code, r)));
            found.sort_by(|a, b| b.1.requested.cmp(&a.1.requested).then(a.1.id.cmp(&b.1.id)));
            let total = found.len();
            let features = found
                .iter()
                .skip((page - 1) * limit)
                .take(limit)
                .map(|(code, r)| request_feature(app, code, r, as_of))
                .collect();
            let mut extra = JsonObject::new();
            extra.insert("total".into(), json!(total));
            extra.insert("page".into(), json!(page));
            extra.insert("limit".into(), json!(limit));
            extra.insert("pages".into(), json!(total.div_ceil(limit)));
            layer_body(format, "requests", features, extra)
        },
    )
    .await
}

/// A request point of type `code` with the properties of `requests.geojson`.
pub(super) fn request_feature(
    app: &crate::city::City,
    code: &str,
    r: &IndexedRequest,
    as_of: i64,
) -> geojson::Feature {
    let tz = app.config.timezone;
    let name = app.catalog.get(code).map_or(code, |s| s.name.as_str());
    feature(
        r.id.as_ref(),
        GeometryValue::Point {
            coordinates: pos(r.lon, r.lat),
        },
        json!({"service_request_id": r.id.as_ref(), "service_code": code,
           "service_name": name, "status": r.status.as_str(),
           "requested_datetime": local_time(r.requested, tz),
           "expected_datetime": local_time(r.expected, tz),
           "overdue": r.is_overdue(as_of),
           "address": r.address.as_deref()}),
    )
}

/// Hex bins as features: id and `h3` the H3 index, `count`, `open`, `overdue`.
pub(super) fn hexbin_features(bins: &[HexBin]) -> Vec<geojson::Feature> {
    bins.iter()
        .map(|b| {
            feature(
                b.cell.to_string(),
                GeometryValue::Polygon {
                    coordinates: vec![cell_ring(b.cell)],
                },
                merge(json!({"h3": b.cell.to_string()}), tally_json(&b.tally)),
            )
        })
        .collect()
}

/// A boundary layer's districts as features with their statistics.
pub(super) fn district_features(
    layer: &BoundaryLayer,
    stats: &[DistrictStats],
) -> Vec<geojson::Feature> {
    stats
        .iter()
        .map(|s| {
            let f = &layer.features[s.feature];
            let props = json!({"id": f.id, "name": f.name, "area_km2": round(f.area_km2),
                               "per_km2": round(s.per_km2)});
            feature(
                f.id.as_str(),
                multipolygon(&f.geometry),
                merge(props, tally_json(&s.tally)),
            )
        })
        .collect()
}

/// `GET /api/v1/hexbins.geojson` (or `.gpkg`): H3 cells at `res` with counts, open and
/// overdue.
pub async fn hexbin_layer(
    State(state): State<ServerState>,
    format: LayerFormat,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref(), &["res"], true)?;
    let Scope {
        snapshot,
        selection,
        as_of,
        version,
    } = params.scope(&state.city)?;
    let city_res = i64::from(state.city.config.h3_resolution);
    let res = params.from_table(
        &HEX_RES,
        city_res.clamp(HEX_RES.min as i64, HEX_RES.max as i64),
    )?;
    let resolution =
        Resolution::try_from(res as u8).map_err(|e| ApiError::bad("res", e.to_string()))?;
    cached(
        &state,
        Work::Layer,
        snapshot,
        cache_key(&format.cache_route("hexbins"), &raw),
        version,
        &headers,
        move |_, snapshot| {
            let bins = hexbins(snapshot, &selection, resolution, as_of);
            let max = bins.first().map_or(0, |b| b.tally.count);
            let features = hexbin_features(&bins);
            let mut extra = JsonObject::new();
            extra.insert("res".into(), json!(res));
            extra.insert("max_count".into(), json!(max));
            layer_body(format, "hexbins", features, extra)
        },
    )
    .await
}

/// `GET /api/v1/boundaries/{layer}.geojson` (or `.gpkg`): the layer's districts with count,
/// open, overdue and requests per km² of the filtered requests, ready for a choropleth.
pub async fn boundary_layer(
    State(state): State<ServerState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let Some((layer_id, format)) = LayerFormat::split(&file) else {
        return Err(ApiError::NotFound(format!(
            "{file:?}: boundary layers are served as {{layer}}.geojson or {{layer}}.gpkg"
        ))
        .into());
    };
    if state.city.boundaries.layer(layer_id).is_none() {
        let known: Vec<&str> = state
            .city
            .boundaries
            .layers()
            .iter()
            .map(|l| l.id.as_str())
            .collect();
        return Err(ApiError::NotFound(format!(
            "no boundary layer {layer_id:?} (layers: {})",
            known.join(", ")
        ))
        .into());
    }
    let params = Params::parse(raw.as_deref(), &[], true)?;
    let Scope {
        snapshot,
        selection,
        as_of,
        version,
    } = params.scope(&state.city)?;
    let layer_id = layer_id.to_string();
    cached(
        &state,
        Work::Layer,
        snapshot,
        cache_key(&format.cache_route(&format!("boundaries/{layer_id}")), &raw),
        version,
        &headers,
        move |state, snapshot| {
            let layer = state
                .city
                .boundaries
                .layer(&layer_id)
                .ok_or_else(|| ApiError::NotFound(format!("no boundary layer {layer_id:?}")))?;
            let (stats, outside) = district_stats(snapshot, &selection, layer, as_of);
            let max = stats.iter().map(|s| s.per_km2).fold(0.0, f64::max);
            let features = district_features(layer, &stats);
            let mut extra = JsonObject::new();
            extra.insert("layer".into(), json!(layer.id));
            extra.insert("max_per_km2".into(), json!(round(max)));
            extra.insert("outside".into(), json!(outside));
            layer_body(format, &layer.id, features, extra)
        },
    )
    .await
}

/// `GET /api/v1/streets.geojson`: the city's street centerlines (the config's `streets`
/// file), drawn under the layers so a zoomed-in map reads like a city without a tile server.
pub async fn streets(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    Params::parse(raw.as_deref(), &[], false)?;
    let Some(path) = state.city.config.streets.clone() else {
        return Err(ApiError::NotFound("this city's config names no streets file".into()).into());
    };
    let snapshot = state.city.index.snapshot();
    cached(
        &state,
        Work::Layer,
        snapshot,
        "streets".into(),
        0,
        &headers,
        move |_, _| {
            let body =
                std::fs::read(&path).map_err(ApiError::internal("reading the streets file"))?;
            Ok(Rendered::new(body, GEOJSON))
        },
    )
    .await
}
