//! `/api/v1/geocode?q=&zipcode=` and `/api/v1/reverse?lat=&lon=`: the city's geocoder over
//! HTTP, with JSON problems naming the bad parameter.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::error::Problem;
use super::{ApiError, AppState};
use crate::geocode::{Geocoder, MAX_INPUT_LEN};

/// Query parameters, each at most once.
fn params(raw: Option<&str>) -> Result<BTreeMap<String, String>, Problem> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::bad("query", format!("not a valid query string: {e}")))?;
    let mut out = BTreeMap::new();
    for (k, v) in pairs {
        if out.contains_key(&k) {
            return Err(ApiError::bad(k, "given more than once").into());
        }
        out.insert(k, v);
    }
    Ok(out)
}

fn geocoder(state: &AppState) -> Result<Arc<Geocoder>, Problem> {
    state.app.geocoder.clone().ok_or_else(|| {
        ApiError::NotFound(
            "this city has no geocoding reference data (set addresses/streets in its config)"
                .into(),
        )
        .into()
    })
}

/// `GET /api/v1/geocode?q=ADDRESS[&zipcode=Z]`: 200 with the best match and candidates;
/// 404 with `"error"`, the reason and suggestions when nothing matches.
pub async fn geocode(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    geocode_inner(&state, raw.as_deref()).unwrap_or_else(IntoResponse::into_response)
}

fn geocode_inner(state: &AppState, raw: Option<&str>) -> Result<Response, Problem> {
    let params = params(raw)?;
    let q = params.get("q").map(|q| q.trim()).unwrap_or("");
    if q.is_empty() {
        return Err(ApiError::bad("q", "is required: the address to locate").into());
    }
    if q.len() > MAX_INPUT_LEN {
        let reason = format!(
            "is {} bytes long; at most {MAX_INPUT_LEN} are accepted",
            q.len()
        );
        return Err(ApiError::bad("q", reason).into());
    }
    let zipcode = params
        .get("zipcode")
        .map(|z| z.trim())
        .filter(|z| !z.is_empty());
    if let Some(z) = zipcode.filter(|z| crate::geocode::reference::parse_zip(z).is_none()) {
        return Err(ApiError::bad("zipcode", format!("{z:?} is not a 5-digit ZIP code")).into());
    }
    let result = geocoder(state)?.geocode(q, zipcode);
    let status = if result.best.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let mut body = serde_json::to_value(&result)
        .map_err(|e| ApiError::Internal(format!("geocode result: {e}")))?;
    if result.best.is_none() {
        body["error"] = format!(
            "no match for q: {}",
            result.reason.as_deref().unwrap_or("nothing close enough")
        )
        .into();
        body["parameter"] = "q".into();
    }
    Ok((status, Json(body)).into_response())
}

/// A coordinate parameter: required, a finite number within ±`limit`.
fn coordinate(params: &BTreeMap<String, String>, name: &str, limit: f64) -> Result<f64, Problem> {
    let text = params.get(name).map(|v| v.trim()).unwrap_or("");
    if text.is_empty() {
        return Err(ApiError::bad(name, "is required").into());
    }
    let value: f64 = text
        .parse()
        .map_err(|_| ApiError::bad(name, format!("{text:?} is not a number")))?;
    if !value.is_finite() {
        return Err(ApiError::bad(name, format!("{text:?} is not a finite number")).into());
    }
    if value.abs() > limit {
        let reason = format!("{value} is out of range (-{limit} to {limit})");
        return Err(ApiError::bad(name, reason).into());
    }
    Ok(value)
}

/// `GET /api/v1/reverse?lat=&lon=`: the nearest address point and street segment.
pub async fn reverse(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<crate::geocode::Reverse>, Problem> {
    let params = params(raw.as_deref())?;
    let lat = coordinate(&params, "lat", 90.0)?;
    let lon = coordinate(&params, "lon", 180.0)?;
    geocoder(&state)?
        .reverse(lon, lat)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("the reference data is empty".into()).into())
}
