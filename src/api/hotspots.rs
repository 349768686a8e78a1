//! `/api/v1/` hot-spot layers: `hotspots.geojson` (Gi* cells and ranked regions, or DBSCAN
//! clusters), `repeats.geojson` (repeat addresses) and `worklist.csv` (the open requests of
//! the ranked areas). Reports come from the app's [`crate::hotspots::HotspotCache`].

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::DateTime;
use geojson::{FeatureCollection, JsonObject};
use serde_json::json;

use super::error::Problem;
use super::params::Params;
use super::respond::{cache_key, cached, Rendered, Work, CSV, GEOJSON};
use super::{ApiError, AppState};
use crate::hotspots::{HotspotError, HotspotQuery, HotspotReport, Method, Selection};
use crate::index::IndexSnapshot;
use crate::layers::Filter;

/// Parameters of the Gi* and DBSCAN layers (besides the common filter).
const ANALYSIS_PARAMS: &[&str] = &["method", "res", "k", "fdr", "eps_m", "min_points"];

/// The hot-spot query a layer's parameters ask for.
fn query(
    params: &Params,
    filter: &Filter,
    method: Method,
    as_of: i64,
) -> Result<HotspotQuery, ApiError> {
    let time = |t: Option<i64>| t.and_then(|s| DateTime::from_timestamp(s, 0));
    let mut q = HotspotQuery {
        selection: Selection {
            types: filter.codes.clone(),
            start: time(filter.start),
            end: time(filter.end),
            status: filter.status,
        },
        method,
        as_of: Some(as_of),
        ..Default::default()
    };
    match method {
        Method::Gistar => {
            q.res = params
                .get("res")
                .map(|_| params.int("res", 9, 5..=11).map(|r| r as u8))
                .transpose()?;
            q.k = params.int("k", 1, 1..=5)? as u32;
            q.fdr = params.flag("fdr", true)?;
        }
        Method::Dbscan => {
            q.eps_m = params
                .get("eps_m")
                .map(|_| params.number("eps_m", 100.0, 1.0..=5_000.0))
                .transpose()?;
            q.min_points = params
                .get("min_points")
                .map(|_| params.int("min_points", 5, 1..=1_000).map(|n| n as usize))
                .transpose()?;
        }
        Method::Repeats => {
            q.min_requests = params
                .get("min_requests")
                .map(|_| params.int("min_requests", 3, 2..=1_000).map(|n| n as usize))
                .transpose()?;
        }
    }
    Ok(q)
}

/// The analysis method of `hotspots.geojson` / `worklist.csv` (Gi* or DBSCAN).
fn area_method(params: &Params) -> Result<Method, ApiError> {
    match params.get("method").map(str::to_ascii_lowercase).as_deref() {
        None | Some("gistar") => Ok(Method::Gistar),
        Some("dbscan") => Ok(Method::Dbscan),
        Some(other) => Err(ApiError::bad(
            "method",
            format!("{other:?} is not gistar or dbscan"),
        )),
    }
}

/// A report from the cache; `Ok(None)` when too few requests match (not an error for a
/// map: the layer is empty and says why).
fn report(
    state: &AppState,
    snapshot: &IndexSnapshot,
    query: &HotspotQuery,
) -> Result<Result<std::sync::Arc<HotspotReport>, String>, ApiError> {
    match state
        .app
        .hotspot_cache
        .get_or_compute(snapshot, &state.app.catalog, query)
    {
        Ok(r) => Ok(Ok(r)),
        Err(e @ HotspotError::TooFew { .. }) => Ok(Err(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Keeps the features whose bounds meet `bbox` (the analysis itself always covers the
/// whole study area, so significance does not depend on the viewport).
fn clip(fc: &mut FeatureCollection, bbox: Option<[f64; 4]>) {
    let Some([w, s, e, n]) = bbox else {
        return;
    };
    fc.features.retain(|f| {
        let Some(geometry) = &f.geometry else {
            return false;
        };
        let Ok(g) = geo::Geometry::<f64>::try_from(geometry.value.clone()) else {
            return true;
        };
        geo::BoundingRect::bounding_rect(&g)
            .is_some_and(|r| r.min().x <= e && r.max().x >= w && r.min().y <= n && r.max().y >= s)
    });
}

fn render_geojson(
    outcome: Result<std::sync::Arc<HotspotReport>, String>,
    bbox: Option<[f64; 4]>,
) -> Result<Rendered, ApiError> {
    let fc = match outcome {
        Ok(report) => {
            let mut fc = report.to_geojson();
            clip(&mut fc, bbox);
            fc
        }
        Err(notice) => {
            let mut extra = JsonObject::new();
            extra.insert("notice".into(), json!(notice));
            FeatureCollection {
                bbox: None,
                features: Vec::new(),
                foreign_members: Some(extra),
            }
        }
    };
    let body = serde_json::to_vec(&fc).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Rendered::new(body, GEOJSON))
}

/// A ranked-areas layer as GeoJSON: `route` names it in the cache, `method` picks the
/// analysis from the parameters.
async fn report_layer(
    state: AppState,
    raw: Option<String>,
    headers: HeaderMap,
    route: &str,
    allowed: &[&str],
    method: impl FnOnce(&Params) -> Result<Method, ApiError>,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref(), allowed, true)?;
    let method = method(&params)?;
    let scope = params.scope(&state.app)?;
    let q = query(&params, &scope.filter, method, scope.as_of)?;
    let bbox = scope.filter.bbox;
    let key = cache_key(route, &raw);
    cached(
        &state,
        Work::Report,
        scope.snapshot,
        key,
        scope.version,
        &headers,
        move |state, snapshot| render_geojson(report(state, snapshot, &q)?, bbox),
    )
    .await
}

/// `GET /api/v1/hotspots.geojson`.
pub async fn hotspots(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    report_layer(
        state,
        raw,
        headers,
        "hotspots",
        ANALYSIS_PARAMS,
        area_method,
    )
    .await
}

/// `GET /api/v1/repeats.geojson`.
pub async fn repeats(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    report_layer(state, raw, headers, "repeats", &["min_requests"], |_| {
        Ok(Method::Repeats)
    })
    .await
}

/// `GET /api/v1/worklist.csv`: the open requests of the ranked areas, in work order.
pub async fn work_list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref(), ANALYSIS_PARAMS, true)?;
    if params.get("bbox").is_some() {
        return Err(ApiError::bad("bbox", "a work list covers the whole city; drop bbox").into());
    }
    let method = area_method(&params)?;
    let scope = params.scope(&state.app)?;
    let q = query(&params, &scope.filter, method, scope.as_of)?;
    let key = cache_key("worklist", &raw);
    cached(
        &state,
        Work::Report,
        scope.snapshot,
        key,
        scope.version,
        &headers,
        move |state, snapshot| {
            let tz = state.app.config.timezone;
            let mut body = Vec::new();
            match report(state, snapshot, &q)? {
                Ok(report) => report
                    .write_work_list_csv(&mut body, tz)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
                Err(_) => {
                    body.extend_from_slice(crate::hotspots::WORK_LIST_COLUMNS.join(",").as_bytes())
                }
            }
            if !body.ends_with(b"\n") {
                body.push(b'\n');
            }
            Ok(Rendered::new(body, CSV).download(format!("worklist-{}.csv", method.as_str())))
        },
    )
    .await
}
