//! `GET /api/v1/trends.json` and `trends.csv`: the selection's trends per time step (opened,
//! closed, open at the step's end, median days to close, share closed within the SLA), for
//! all of it, by type (`by=type`) or by the districts of a boundary layer (`by=LAYER`).

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::error::Problem;
use super::params::{Params, Scope};
use super::respond::{cache_key, cached, Rendered, Work, CSV, JSON};
use super::{ApiError, ServerState};
use crate::trends::{compute, TrendGroups};

/// Parameters besides the common filter.
const TRENDS_PARAMS: &[&str] = &["step_days", "by"];

/// `GET /api/v1/trends.json`.
pub async fn trends_json(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    trends(state, raw, headers, false).await
}

/// `GET /api/v1/trends.csv`.
pub async fn trends_csv(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    trends(state, raw, headers, true).await
}

async fn trends(
    state: ServerState,
    raw: Option<String>,
    headers: HeaderMap,
    csv: bool,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref(), TRENDS_PARAMS, true)?;
    if params.get("bbox").is_some() {
        return Err(ApiError::bad(
            "bbox",
            "trends cover the whole city; group by a boundary layer with by=LAYER",
        )
        .into());
    }
    let step_days = match params.get("step_days") {
        None => 7,
        Some(t) => t
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| {
                ApiError::bad(
                    "step_days",
                    format!("{t:?} is not a whole number from 1 to 366"),
                )
            })?,
    };
    let groups = TrendGroups::parse(params.get("by").unwrap_or("all"), &state.city.boundaries)
        .map_err(|e| ApiError::bad("by", e))?;
    let Scope {
        snapshot,
        selection,
        version,
        ..
    } = params.scope(&state.city)?;
    let route = if csv { "trends.csv" } else { "trends.json" };
    cached(
        &state,
        Work::Layer,
        snapshot,
        cache_key(route, &raw),
        version,
        &headers,
        move |state, snapshot| {
            let city = &state.city;
            let report = compute(
                snapshot,
                &selection,
                step_days,
                &groups,
                &city.catalog,
                &city.boundaries,
            )
            .map_err(|e| ApiError::bad("step_days", e))?;
            let tz = city.config.timezone;
            if csv {
                let mut body = Vec::new();
                report
                    .write_csv(&mut body, tz)
                    .map_err(ApiError::internal("writing trends"))?;
                Ok(Rendered::new(body, CSV).download("trends.csv".to_string()))
            } else {
                let body = serde_json::to_vec(&report.to_json(tz))
                    .map_err(ApiError::internal("serializing trends"))?;
                Ok(Rendered::new(body, JSON))
            }
        },
    )
    .await
}
