//! `/api/v1/geocode?q=&zipcode=` and `/api/v1/reverse?lat=&lon=`: the city's geocoder over
//! HTTP, with JSON problems naming the bad parameter.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::error::Problem;
use super::params::{coordinate, Params};
use super::{ApiError, ServerState};
use crate::geocode::{Geocoder, MAX_INPUT_LEN};

fn geocoder(state: &ServerState) -> Result<Arc<Geocoder>, Problem> {
    state.city.geocoder.clone().ok_or_else(|| {
        ApiError::NotFound(
            "this city has no geocoding reference data (set addresses/streets in its config)"
                .into(),
        )
        .into()
    })
}

/// `GET /api/v1/geocode?q=ADDRESS[&zipcode=Z]`: 200 with the best match and candidates;
/// 404 with `"error"`, the reason and suggestions when nothing matches.
pub async fn geocode(State(state): State<ServerState>, RawQuery(raw): RawQuery) -> Response {
    geocode_inner(&state, raw.as_deref()).unwrap_or_else(IntoResponse::into_response)
}

fn geocode_inner(state: &ServerState, raw: Option<&str>) -> Result<Response, Problem> {
    let params = Params::parse(raw, &["q", "zipcode"], false)?;
    let q = params.get("q").unwrap_or("");
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
    let zipcode = params.get("zipcode");
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
        .map_err(ApiError::internal("serializing a geocode result"))?;
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
fn required(params: &Params, name: &str, limit: f64) -> Result<f64, Problem> {
    coordinate(params.get(name), name, limit)?
        .ok_or_else(|| ApiError::bad(name, "is required").into())
}

/// `GET /api/v1/reverse?lat=&lon=`: the nearest address point and street segment.
pub async fn reverse(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<crate::geocode::Reverse>, Problem> {
    let params = Params::parse(raw.as_deref(), &["lat", "lon"], false)?;
    let lat = required(&params, "lat", 90.0)?;
    let lon = required(&params, "lon", 180.0)?;
    geocoder(&state)?
        .reverse(lon, lat)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("the reference data is empty".into()).into())
}
