//! `/api/v1/` hot-spot layers: `hotspots.geojson` (Gi* cells and ranked regions, or DBSCAN
//! clusters), `repeats.geojson` (repeat addresses) and `worklist.csv` (the open requests of
//! the ranked areas). Reports are computed on a rendering thread; the server's layer cache
//! ([`super::respond`]) keeps their renderings.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use geojson::{FeatureCollection, JsonObject};
use serde_json::json;

use super::error::Problem;
use super::formats::LayerFormat;
use super::params::Params;
use super::respond::{cache_key, cached, Rendered, Work, CSV};
use super::{ApiError, ServerState};
use crate::hotspots::{compute_report, HotspotError, HotspotQuery, HotspotReport};
use crate::index::IndexSnapshot;
use crate::methods::{lookup, Method, MethodOptions, MethodSpec, METHODS};
use crate::selection::Selection;

/// The methods `hotspots.geojson` and `worklist.csv` serve (the table's analysis methods
/// shown by that layer).
fn area_methods() -> impl Iterator<Item = &'static MethodSpec> {
    METHODS
        .iter()
        .filter(|m| m.analysis.is_some() && m.layer == "hotspots.geojson")
}

/// Parameters of the area layers (besides the common filter): `method` and every
/// parameter of their methods.
pub(super) fn area_params() -> Vec<&'static str> {
    let mut names = vec!["method"];
    for name in area_methods().flat_map(MethodSpec::param_names) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The scope and hot-spot query a layer's parameters ask for: the whole city (a box only
/// clips the output, so significance does not depend on the viewport).
pub(super) fn query(
    state: &ServerState,
    params: &Params,
    method: Method,
) -> Result<(super::params::Scope, HotspotQuery), ApiError> {
    let scope = params.scope(&state.city)?;
    let query = area_query(state, params, &scope.selection, scope.as_of, method)?;
    Ok((scope, query))
}

/// The hot-spot query of `method` on `selection` without its box, the method's options read
/// from `params`.
pub(super) fn area_query(
    state: &ServerState,
    params: &Params,
    selection: &Selection,
    as_of: i64,
    method: Method,
) -> Result<HotspotQuery, ApiError> {
    Ok(HotspotQuery {
        selection: Selection {
            bbox: None,
            ..selection.clone()
        },
        method,
        options: MethodOptions::parse(method, |name| params.get(name))?,
        as_of: Some(as_of),
        tz: state.city.config.timezone,
    })
}

/// The analysis method of `hotspots.geojson` / `worklist.csv` (default: the first).
pub(super) fn area_method(params: &Params) -> Result<Method, ApiError> {
    let Some(name) = params.get("method") else {
        return Ok(area_methods()
            .next()
            .and_then(|m| m.analysis)
            .expect("an area method"));
    };
    lookup(name)
        .filter(|m| area_methods().any(|a| a.id == m.id))
        .and_then(|m| m.analysis)
        .ok_or_else(|| {
            let ids: Vec<&str> = area_methods().map(|m| m.id).collect();
            ApiError::bad("method", format!("{name:?} is not {}", ids.join(" or ")))
        })
}

/// Whether `compare=previous` was asked for (any other value is refused).
fn compare_previous(params: &Params) -> Result<bool, ApiError> {
    match params.get("compare") {
        None => Ok(false),
        Some("previous") => Ok(true),
        Some(other) => Err(ApiError::bad(
            "compare",
            format!("{other:?} is not previous (the window of the same length before)"),
        )),
    }
}

/// `report` compared with the previous window when `compare` (an empty layer stays as it is).
fn compared(
    state: &ServerState,
    snapshot: &IndexSnapshot,
    query: &HotspotQuery,
    report: Result<HotspotReport, String>,
    compare: bool,
) -> Result<Result<HotspotReport, String>, ApiError> {
    match report {
        Ok(mut r) if compare => {
            crate::hotspots::compare::with_previous(
                snapshot,
                query,
                state.city.study_area.as_deref(),
                &mut r,
            )?;
            Ok(Ok(r))
        }
        other => Ok(other),
    }
}

/// A report; `Ok(Err(notice))` when too few requests match or the window holds too few
/// steps (not an error for a map: the layer is empty and says why).
pub(super) fn report(
    state: &ServerState,
    snapshot: &IndexSnapshot,
    query: &HotspotQuery,
) -> Result<Result<HotspotReport, String>, ApiError> {
    match compute_report(snapshot, query, state.city.study_area.as_deref()) {
        Ok(r) => Ok(Ok(r)),
        Err(e @ HotspotError::TooFew { .. }) => Ok(Err(e.to_string())),
        Err(HotspotError::Analysis(crate::analysis::AnalysisError::NotEnoughData(why))) => {
            Ok(Err(why))
        }
        Err(e) => Err(e.into()),
    }
}

/// Keeps the features whose bounds meet `bbox` (the analysis itself always covers the
/// whole study area, so significance does not depend on the viewport).
pub(super) fn clip(features: &mut Vec<geojson::Feature>, bbox: Option<[f64; 4]>) {
    let Some([w, s, e, n]) = bbox else {
        return;
    };
    features.retain(|f| {
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

/// A report's features (or, when too few requests match, an empty layer with the `notice`)
/// in `format`; `name` names the layer in a GeoPackage.
fn render_layer(
    outcome: Result<HotspotReport, String>,
    bbox: Option<[f64; 4]>,
    format: LayerFormat,
    name: &str,
) -> Result<Rendered, ApiError> {
    let fc = match outcome {
        Ok(report) => {
            let mut fc = report.to_geojson();
            clip(&mut fc.features, bbox);
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
    format.render(&fc, name)
}

/// A ranked-areas layer in `format`: `route` names it in the cache (and, with the method, in
/// a GeoPackage), `method` picks the analysis from the parameters.
async fn report_layer(
    state: ServerState,
    raw: Option<String>,
    headers: HeaderMap,
    (route, format): (&str, LayerFormat),
    allowed: &[&str],
    method: impl FnOnce(&Params) -> Result<Method, ApiError>,
) -> Result<Response, Problem> {
    let mut allowed = allowed.to_vec();
    allowed.push("compare");
    let params = Params::parse(raw.as_deref(), &allowed, true)?;
    let method = method(&params)?;
    let compare = compare_previous(&params)?;
    let (scope, q) = query(&state, &params, method)?;
    let bbox = scope.selection.bbox;
    let key = cache_key(&format.cache_route(route), &raw);
    let name = match method {
        Method::Repeats => route.to_string(),
        _ => format!("{route}_{}", method.as_str()),
    };
    cached(
        &state,
        Work::Report,
        scope.snapshot,
        key,
        scope.version,
        &headers,
        move |state, snapshot| {
            let report = compared(state, snapshot, &q, report(state, snapshot, &q)?, compare)?;
            render_layer(report, bbox, format, &name)
        },
    )
    .await
}

/// `GET /api/v1/hotspots.geojson` (or `.gpkg`, the layer named `hotspots_{method}`).
pub async fn hotspots(
    State(state): State<ServerState>,
    format: LayerFormat,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let route = ("hotspots", format);
    report_layer(state, raw, headers, route, &area_params(), area_method).await
}

/// `GET /api/v1/repeats.geojson` (or `.gpkg`).
pub async fn repeats(
    State(state): State<ServerState>,
    format: LayerFormat,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let allowed: Vec<&str> = Method::Repeats.spec().param_names().collect();
    report_layer(state, raw, headers, ("repeats", format), &allowed, |_| {
        Ok(Method::Repeats)
    })
    .await
}

/// `GET /api/v1/worklist.csv`: the open requests of the ranked areas, in work order.
pub async fn work_list(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let mut allowed = area_params();
    allowed.push("compare");
    let params = Params::parse(raw.as_deref(), &allowed, true)?;
    let compare = compare_previous(&params)?;
    if params.get("bbox").is_some() {
        return Err(ApiError::bad("bbox", "a work list covers the whole city; drop bbox").into());
    }
    let method = area_method(&params)?;
    let (scope, q) = query(&state, &params, method)?;
    let key = cache_key("worklist", &raw);
    cached(
        &state,
        Work::Report,
        scope.snapshot,
        key,
        scope.version,
        &headers,
        move |state, snapshot| {
            let tz = state.city.config.timezone;
            let mut body = Vec::new();
            match compared(state, snapshot, &q, report(state, snapshot, &q)?, compare)? {
                Ok(report) => report
                    .write_work_list_csv(&mut body, tz)
                    .map_err(ApiError::internal("writing a work list"))?,
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
