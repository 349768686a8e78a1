//! `POST requests.json`: the body parsed as form fields (urlencoded or a JSON object),
//! validated field by field, checked against the catalog and the city, stored, and answered
//! with the new id and a token. The parser is callable without HTTP (the fuzz target
//! `open311_post` runs it).

use std::collections::BTreeMap;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::Value;

use super::super::params::{coordinate, form_pairs};
use super::super::{ApiError, ServerState, MAX_BODY_BYTES};
use super::service_notice;
use crate::model::{RawRequest, ServiceRequest, SourceLocation, Status};
use crate::store::{NewRequest, UpsertOutcome};

/// Longest description accepted, in characters (as the GeoReport v2 spec suggests).
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
const MAX_SHORT_FIELD_CHARS: usize = 256;
const MAX_URL_CHARS: usize = 2_048;

/// Reads the POST body as form fields (urlencoded or JSON object), refusing duplicates.
pub(crate) async fn post_fields(
    headers: &HeaderMap,
    body: Body,
) -> Result<BTreeMap<String, String>, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::TooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let bytes = to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::TooLarge {
            limit: MAX_BODY_BYTES,
        })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/x-www-form-urlencoded");
    parse_post_fields(content_type, &bytes)
}

/// Parses a POST body already read into memory as form fields: `content_type` picks
/// `application/x-www-form-urlencoded` (also for `""`) or `application/json` (an object of
/// strings, numbers or booleans; `null` is absent). Duplicate names, bytes that are not
/// UTF-8 (also once percent-decoded) and other media types are refused. The body-size limit
/// is the caller's (the handler applies [`MAX_BODY_BYTES`]).
pub fn parse_post_fields(
    content_type: &str,
    bytes: &[u8],
) -> Result<BTreeMap<String, String>, ApiError> {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" | "" => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| ApiError::bad("body", "is not valid UTF-8"))?;
            form_pairs(text, "body")
        }
        "application/json" => json_fields(bytes),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type {other:?} is not accepted: send application/x-www-form-urlencoded or application/json"
        ))),
    }
}

fn json_fields(bytes: &[u8]) -> Result<BTreeMap<String, String>, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad("body", format!("is not valid JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(ApiError::bad("body", "must be a JSON object of fields"));
    };
    let mut map = BTreeMap::new();
    for (k, v) in object {
        let text = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            _ => return Err(ApiError::bad(k, "must be a string or a number")),
        };
        map.insert(k, text);
    }
    Ok(map)
}

/// Constant-time comparison of a presented key with each configured key.
pub(crate) fn key_allowed(presented: &str, keys: &[String]) -> bool {
    keys.iter().fold(false, |ok, key| {
        let same_len = key.len() == presented.len();
        let diff = key
            .bytes()
            .zip(presented.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        ok | (same_len && diff == 0)
    })
}

/// A text field: trimmed, empty = absent, limited in length and free of control characters.
fn text_field(
    fields: &BTreeMap<String, String>,
    name: &str,
    max_chars: usize,
) -> Result<Option<String>, ApiError> {
    let Some(value) = fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(ApiError::bad(
            name,
            format!("is {chars} characters long; at most {max_chars} are accepted"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ApiError::bad(name, "contains control characters"));
    }
    Ok(Some(value.to_string()))
}

/// `local@domain.tld` with no spaces: enough to catch typing errors and injected text.
fn plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';'))
                && !domain.contains('@')
        }
        None => false,
    }
}

/// Validates POST fields into a raw request (everything but the catalog and extent checks).
fn raw_from_post(fields: &BTreeMap<String, String>) -> Result<RawRequest, ApiError> {
    if let Some(attr) = fields.keys().find(|k| k.starts_with("attribute")) {
        return Err(ApiError::bad(
            attr.as_str(),
            "this service defines no attributes",
        ));
    }
    let service_code = text_field(fields, "service_code", MAX_SHORT_FIELD_CHARS)?
        .ok_or_else(|| ApiError::bad("service_code", "is required"))?;
    let lat = coordinate(fields.get("lat").map(String::as_str), "lat", 90.0)?;
    let long = coordinate(fields.get("long").map(String::as_str), "long", 180.0)?;
    let address = text_field(fields, "address_string", MAX_SHORT_FIELD_CHARS)?;
    // lat/long win over address_string; an address alone is geocoded on acceptance
    let location = match (lat, long) {
        (Some(lat), Some(lon)) => Some(SourceLocation::LonLat { lon, lat }),
        (Some(_), None) => return Err(ApiError::bad("long", "is required with lat")),
        (None, Some(_)) => return Err(ApiError::bad("lat", "is required with long")),
        (None, None) if address.is_some() => None,
        (None, None) => {
            return Err(ApiError::bad(
                "lat/long",
                "a location (lat and long, or address_string) is required",
            ))
        }
    };
    for short in [
        "email",
        "first_name",
        "last_name",
        "phone",
        "device_id",
        "account_id",
        "address_id",
        "jurisdiction_id",
    ] {
        text_field(fields, short, MAX_SHORT_FIELD_CHARS)?;
    }
    if let Some(email) = text_field(fields, "email", MAX_SHORT_FIELD_CHARS)? {
        if !plausible_email(&email) {
            return Err(ApiError::bad(
                "email",
                format!("{email:?} is not an email address"),
            ));
        }
    }
    let media_url = text_field(fields, "media_url", MAX_URL_CHARS)?;
    if let Some(url) = &media_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(ApiError::bad("media_url", "must be an http(s) URL"));
        }
    }
    Ok(RawRequest {
        line: 1,
        service_code: Some(service_code),
        status: Some(Status::Open),
        requested_datetime: Some(Utc::now()),
        address,
        location,
        description: text_field(fields, "description", MAX_DESCRIPTION_CHARS)?,
        media_url,
        ..Default::default()
    })
}

/// Validates parsed POST fields into a [`RawRequest`], as the handler does after the
/// `api_key` check: `service_code` required; `lat` and `long` together, finite and in range,
/// or an `address_string`; text fields bounded and free of control characters; a plausible
/// `email`; an http(s) `media_url`; no `attribute[...]`. The catalog and the city extent are
/// checked later, on acceptance.
pub fn raw_request_from_fields(fields: &BTreeMap<String, String>) -> Result<RawRequest, ApiError> {
    raw_from_post(fields)
}

/// The POST parser in one call: [`parse_post_fields`] then [`raw_request_from_fields`]
/// (without the `api_key` check, which needs the city's keys). Never panics, whatever the
/// bytes: the fuzz target `open311_post` runs it.
///
/// ```
/// use hotspot::api::open311::parse_post;
/// let raw = parse_post(
///     "application/x-www-form-urlencoded",
///     b"service_code=pothole&lat=39.95&long=-75.16&description=deep",
/// )
/// .unwrap();
/// assert_eq!(raw.service_code.as_deref(), Some("pothole"));
/// assert!(parse_post("application/json", b"[1,2]").is_err());
/// ```
pub fn parse_post(content_type: &str, body: &[u8]) -> Result<RawRequest, ApiError> {
    raw_request_from_fields(&parse_post_fields(content_type, body)?)
}

/// Checks a validated POST against the catalog and the city extent.
fn accept_post(state: &ServerState, raw: RawRequest) -> Result<ServiceRequest, ApiError> {
    let city = &state.city;
    let code = raw.service_code.clone().unwrap_or_default();
    if city.catalog.get(&code).is_none() {
        return Err(ApiError::bad(
            "service_code",
            format!("{code:?} is not a service of this city (see services.json)"),
        ));
    }
    if raw.location.is_none() && city.geocoder.is_none() {
        return Err(ApiError::bad(
            "lat/long",
            "are required: address_string alone cannot be located (no geocoder is configured)",
        ));
    }
    let mut acceptor = city.acceptor("open311", "HS");
    let mut request = acceptor.accept(raw).map_err(|e| {
        let field = match e.field.as_str() {
            "lat/lon" => "lat/long".to_string(),
            "address" => "address_string".to_string(),
            _ => e.field,
        };
        ApiError::bad(field, format!("{}: {}", e.reason, e.detail))
    })?;
    request.service_request_id.clear(); // the store numbers Open311 requests
    Ok(request)
}

pub(super) async fn post_request(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = post_request_inner(&state, &headers, body).await;
    let counter = if result.is_ok() {
        &state.metrics.posts_accepted
    } else {
        &state.metrics.posts_rejected
    };
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn post_request_inner(
    state: &ServerState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let fields = post_fields(headers, body).await?;
    let key = fields.get("api_key").map(String::as_str).unwrap_or("");
    if key.is_empty() || !key_allowed(key, &state.city.config.api_keys) {
        return Err(ApiError::Forbidden(
            "api_key is missing or not valid".into(),
        ));
    }
    let raw = raw_from_post(&fields)?;
    let request = accept_post(state, raw)?;
    let sla = state
        .city
        .catalog
        .get(&request.service_code)
        .and_then(|s| s.sla_days);
    let token = format!("{:032x}", rand::random::<u128>());
    let outcome = state
        .city
        .store
        .writer()
        .upsert(vec![NewRequest {
            request,
            token: Some(token.clone()),
        }])
        .await?;
    let id = match outcome.into_iter().next() {
        Some(UpsertOutcome::New(id)) => id,
        other => {
            return Err(ApiError::Internal {
                context: "storing a new request",
                source: format!("unexpected store outcome {other:?}").into(),
            })
        }
    };
    let body = serde_json::json!([{
        "service_request_id": id,
        "token": token,
        "service_notice": sla.map(service_notice),
        "account_id": fields.get("account_id"),
    }]);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
