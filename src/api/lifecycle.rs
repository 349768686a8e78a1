//! Staff updates of a request's status: `POST /api/v1/requests/{id}/status`.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};

use super::open311::{key_allowed, post_fields, Open311Request};
use super::params::datetime;
use super::{ApiError, ServerState};
use crate::model::Status;
use crate::store::{StatusChange, StatusOutcome};
use crate::time::{format_local, Bound};

/// Longest status note accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 4_000;
/// How far ahead of the server's clock an `updated_datetime` may be.
const CLOCK_SKEW_SECS: i64 = 300;
/// Recorded as the source of staff updates in the history.
pub const STAFF_SOURCE: &str = "staff";

/// `POST /api/v1/requests/{id}/status` with `status` (open|closed), optional `status_notes`
/// and `updated_datetime` (default now), and an api key (`api_key` field or `X-Api-Key`
/// header). Answers the request as it is now, with its history; 404 for an unknown id, 409
/// when the stored request was updated after this change, 403 without a valid key.
pub async fn set_status(
    State(state): State<ServerState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let fields = post_fields(&headers, body).await?;
    let key = fields
        .get("api_key")
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
        .unwrap_or("");
    if key.is_empty() || !key_allowed(key, &state.city.config.api_keys) {
        return Err(ApiError::Forbidden(
            "an api key is required to change a request's status (field api_key or header X-Api-Key)"
                .into(),
        ));
    }
    let tz = state.city.config.timezone;
    let change = StatusChange {
        id: id.clone(),
        status: parse_status(fields.get("status"))?,
        status_notes: parse_note(fields.get("status_notes"))?,
        at: parse_time(fields.get("updated_datetime"), tz)?,
        source: STAFF_SOURCE.to_string(),
    };
    match state.city.store.writer().set_status(change).await? {
        StatusOutcome::Updated(request) => {
            let request = *request;
            let store = state.city.store.clone();
            let (request, history) = tokio::task::spawn_blocking(move || {
                let mut histories = store.histories(std::slice::from_ref(&request))?;
                Ok::<_, crate::store::StoreError>((request, histories.remove(0)))
            })
            .await
            .map_err(ApiError::internal("reading the request's history"))??;
            let sla = state.city.catalog.sla_days(&request.service_code);
            let record =
                Open311Request::new(&request, tz, sla).with_history(&request, &history, tz);
            Ok(Json(record).into_response())
        }
        StatusOutcome::NotFound => Err(ApiError::NotFound(format!(
            "service_request_id {id:?} was not found"
        ))),
        StatusOutcome::Stale { stored } => Err(ApiError::Conflict(format!(
            "request {id:?} was already updated at {}, after this change: reload it and try again",
            format_local(stored, tz)
        ))),
    }
}

fn parse_status(text: Option<&str>) -> Result<Status, ApiError> {
    let text = text
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad("status", "is required (open or closed)"))?;
    text.parse().map_err(|e: String| ApiError::bad("status", e))
}

fn parse_note(text: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(note) = text.map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::bad(
            "status_notes",
            format!("is longer than {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(Some(note.to_string()))
}

/// The change's time: the given `updated_datetime` (not in the future), else now; whole
/// seconds, as the store keeps them.
fn parse_time(text: Option<&str>, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, ApiError> {
    let now = Utc::now().timestamp();
    let Some(text) = text.map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return DateTime::from_timestamp(now, 0)
            .ok_or_else(|| ApiError::bad("updated_datetime", "the server's clock is invalid"));
    };
    let at = datetime("updated_datetime", text, tz, Bound::Start)?;
    if at.timestamp() > now + CLOCK_SKEW_SECS {
        return Err(ApiError::bad("updated_datetime", "is in the future"));
    }
    Ok(at)
}
