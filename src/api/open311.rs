//! Open311 GeoReport v2 endpoints: services, requests (GET and POST), single requests, tokens.
//! JSON only; errors as `[{"code":N,"description":"..."}]`.

use std::collections::BTreeMap;

use axum::body::{to_bytes, Body};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;

use super::{ApiError, AppState, MAX_BODY_BYTES};
use crate::model::{RawRequest, ServiceRequest, SourceLocation, Status};
use crate::store::{InsertOutcome, NewRequest, Query};

/// Longest description accepted, in characters (as the GeoReport v2 spec suggests).
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
/// Largest `page_size` (and the default).
pub const MAX_PAGE_SIZE: usize = 1_000;
/// Default time window of `requests.json`, in days, ending at the newest request.
pub const DEFAULT_WINDOW_DAYS: i64 = 90;
const MAX_SHORT_FIELD_CHARS: usize = 256;
const MAX_URL_CHARS: usize = 2_048;
const MAX_IDS: usize = 1_000;

/// Routes under `/open311/v2`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/services.json", get(services))
        .route("/services/{file}", get(service_definition))
        .route("/requests.json", get(list_requests).post(post_request))
        .route("/requests/{file}", get(one_request))
        .route("/tokens/{file}", get(token))
        .route("/requests.xml", axum::routing::any(xml_not_served))
        .route("/services.xml", axum::routing::any(xml_not_served))
}

/// A service in `services.json`.
#[derive(Serialize)]
struct ServiceEntry<'a> {
    service_code: &'a str,
    service_name: &'a str,
    description: &'a str,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: &'a str,
}

async fn services(State(state): State<AppState>) -> Response {
    let list: Vec<ServiceEntry<'_>> = state
        .app
        .catalog
        .services()
        .iter()
        .map(|s| ServiceEntry {
            service_code: &s.code,
            service_name: &s.name,
            description: &s.description,
            metadata: false,
            kind: "realtime",
            keywords: s.keywords.join(", "),
            group: &s.group,
        })
        .collect();
    Json(list).into_response()
}

async fn service_definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let code = json_stem(&file)?;
    let service = state.app.catalog.get(code).ok_or_else(|| {
        ApiError::NotFound(format!(
            "service_code {code:?} is not a service of this city"
        ))
    })?;
    Ok(Json(serde_json::json!({
        "service_code": service.code,
        "attributes": [],
    })))
}

/// GeoReport v2's XML variants: a clear 404 rather than "no such resource".
async fn xml_not_served() -> ApiError {
    ApiError::NotFound("only the .json format is served (GeoReport v2 JSON)".into())
}

/// The id in `{id}.json`; other formats are not served.
fn json_stem(file: &str) -> Result<&str, ApiError> {
    match file.strip_suffix(".json") {
        Some(stem) if !stem.is_empty() => Ok(stem),
        _ => Err(ApiError::NotFound(format!(
            "{file:?}: only the .json format is served"
        ))),
    }
}

/// A request as GeoReport v2 renders it.
#[derive(Serialize)]
pub struct Open311Request<'a> {
    service_request_id: &'a str,
    status: &'static str,
    status_notes: Option<&'a str>,
    service_name: &'a str,
    service_code: &'a str,
    description: Option<&'a str>,
    agency_responsible: Option<&'a str>,
    service_notice: Option<String>,
    requested_datetime: Option<String>,
    updated_datetime: Option<String>,
    expected_datetime: Option<String>,
    address: Option<&'a str>,
    address_id: Option<&'a str>,
    zipcode: Option<&'a str>,
    lat: f64,
    long: f64,
    media_url: Option<&'a str>,
}

impl<'a> Open311Request<'a> {
    /// Renders `r` with datetimes in the city's time zone (with offset).
    pub fn new(r: &'a ServiceRequest, tz: Tz, sla_days: Option<f64>) -> Self {
        let time = |t: Option<DateTime<Utc>>| t.map(|t| format_time(t, tz));
        Open311Request {
            service_request_id: &r.service_request_id,
            status: r.status.as_str(),
            status_notes: r.status_notes.as_deref(),
            service_name: &r.service_name,
            service_code: &r.service_code,
            description: r.description.as_deref(),
            agency_responsible: r.agency_responsible.as_deref(),
            service_notice: sla_days.map(service_notice),
            requested_datetime: time(r.requested_datetime),
            updated_datetime: time(r.updated_datetime),
            expected_datetime: time(r.expected_datetime),
            address: r.address.as_deref(),
            address_id: None,
            zipcode: r.zipcode.as_deref(),
            lat: round6(r.lat),
            long: round6(r.lon),
            media_url: r.media_url.as_deref(),
        }
    }
}

/// The notice shown with a request of a service with an SLA.
fn service_notice(sla_days: f64) -> String {
    format!("Service level agreement: {sla_days} days")
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// RFC 3339 with the city's offset, to the second.
pub fn format_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Serializes requests as a GeoReport v2 list.
fn render(state: &AppState, requests: &[ServiceRequest]) -> Response {
    let tz = state.app.config.timezone;
    let list: Vec<Open311Request<'_>> = requests
        .iter()
        .map(|r| {
            let sla = state
                .app
                .catalog
                .get(&r.service_code)
                .and_then(|s| s.sla_days);
            Open311Request::new(r, tz, sla)
        })
        .collect();
    Json(list).into_response()
}

/// Query-string pairs; a parameter given twice is an error.
pub(crate) fn query_pairs(raw: Option<&str>) -> Result<BTreeMap<String, String>, ApiError> {
    check_form_utf8(raw.unwrap_or(""))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::bad("query", format!("not a valid query string: {e}")))?;
    unique_pairs(pairs)
}

/// Refuses form or query text whose percent-decoded names or values are not UTF-8 (a
/// decoder would silently replace the bytes), naming the field.
fn check_form_utf8(text: &str) -> Result<(), ApiError> {
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name_bytes = percent_decode(name);
        let field = String::from_utf8_lossy(&name_bytes).into_owned();
        if std::str::from_utf8(&name_bytes).is_err() {
            return Err(ApiError::bad(
                field,
                "the parameter name is not valid UTF-8",
            ));
        }
        if std::str::from_utf8(&percent_decode(value)).is_err() {
            return Err(ApiError::bad(
                field,
                "is not valid UTF-8 once percent-decoded",
            ));
        }
    }
    Ok(())
}

/// `application/x-www-form-urlencoded` decoding of one name or value to bytes.
fn percent_decode(text: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(&text.replace('+', " ")).collect()
}

fn unique_pairs(pairs: Vec<(String, String)>) -> Result<BTreeMap<String, String>, ApiError> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        if map.contains_key(&k) {
            return Err(ApiError::bad(k, "given more than once"));
        }
        map.insert(k, v);
    }
    Ok(map)
}

/// A comma-separated list parameter, trimmed, empty items dropped.
pub(crate) fn list(params: &BTreeMap<String, String>, field: &str) -> Vec<String> {
    params
        .get(field)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a W3C datetime (`2026-03-01T12:00:00-05:00`), a local datetime or a date (in the
/// city's zone; a date as `end_date` means the end of that day).
pub fn parse_datetime(
    field: &str,
    text: &str,
    tz: Tz,
    end_of_day: bool,
) -> Result<DateTime<Utc>, ApiError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S"))
        .ok()
        .or_else(|| {
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            if end_of_day {
                day.and_hms_opt(23, 59, 59)
            } else {
                day.and_hms_opt(0, 0, 0)
            }
        })
        .ok_or_else(|| {
            ApiError::bad(
                field,
                format!("{text:?} is not a W3C datetime such as 2026-03-01T12:00:00-05:00"),
            )
        })?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| ApiError::bad(field, format!("{text:?} does not exist in {tz}")))
}

/// Reads `minLon,minLat,maxLon,maxLat`.
pub fn parse_bbox(text: &str) -> Result<[f64; 4], ApiError> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            ApiError::bad(
                "bbox",
                format!("{text:?} is not four numbers minLon,minLat,maxLon,maxLat"),
            )
        })?;
    let [a, b, c, d]: [f64; 4] = numbers.try_into().map_err(|v: Vec<f64>| {
        ApiError::bad(
            "bbox",
            format!(
                "needs 4 numbers minLon,minLat,maxLon,maxLat, got {}",
                v.len()
            ),
        )
    })?;
    crate::config::Extent::from_array([a, b, c, d])
        .map_err(|reason| ApiError::bad("bbox", reason))?;
    Ok([a, b, c, d])
}

fn parse_count(
    params: &BTreeMap<String, String>,
    field: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match params.get(field) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad(
                field,
                format!("{v:?} is not a whole number from 1 to {max}"),
            )),
        },
    }
}

/// Builds the store query of a `GET requests.json`.
fn requests_query(
    state: &AppState,
    snapshot: &crate::index::IndexSnapshot,
    params: &BTreeMap<String, String>,
) -> Result<Query, ApiError> {
    let tz = state.app.config.timezone;
    let page_size = parse_count(params, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let page = parse_count(params, "page", 1, 1_000_000)?;
    let mut q = Query {
        limit: page_size,
        offset: (page - 1) * page_size,
        ..Default::default()
    };
    q.ids = list(params, "service_request_id");
    if q.ids.len() > MAX_IDS {
        return Err(ApiError::bad(
            "service_request_id",
            format!("at most {MAX_IDS} ids"),
        ));
    }
    if !q.ids.is_empty() {
        // The spec: with ids given, the other filters are ignored.
        return Ok(q);
    }
    q.service_codes = list(params, "service_code");
    q.statuses = list(params, "status")
        .iter()
        .map(|s| s.parse::<Status>().map_err(|e| ApiError::bad("status", e)))
        .collect::<Result<_, _>>()?;
    let start = params
        .get("start_date")
        .map(|t| parse_datetime("start_date", t, tz, false))
        .transpose()?;
    let end = params
        .get("end_date")
        .map(|t| parse_datetime("end_date", t, tz, true))
        .transpose()?;
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(ApiError::bad("end_date", "is before start_date"));
        }
    }
    let window = Duration::days(DEFAULT_WINDOW_DAYS);
    (q.start, q.end) = match (start, end) {
        (None, None) => {
            let newest = snapshot.newest_requested();
            let anchor = newest
                .and_then(|s| DateTime::from_timestamp(s, 0))
                .unwrap_or_else(Utc::now);
            (Some(anchor - window), None)
        }
        (None, Some(e)) => (Some(e - window), Some(e)),
        other => other,
    };
    q.bbox = params.get("bbox").map(|b| parse_bbox(b)).transpose()?;
    Ok(q)
}

async fn list_requests(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = query_pairs(raw.as_deref())?;
    // one snapshot for the default window and the page
    let snapshot = state.app.index.snapshot();
    let q = requests_query(&state, &snapshot, &params)?;
    let store = state.app.store.clone();
    // The page is chosen from the in-memory index (R-tree for a box) and only its rows are
    // read; lists by id go to the store directly.
    let found = tokio::task::spawn_blocking(move || {
        if q.ids.is_empty() {
            store.get_many(&crate::layers::list_page(&snapshot, &q))
        } else {
            store.query(&q)
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(render(&state, &found))
}

async fn one_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let id = json_stem(&file)?.to_string();
    let store = state.app.store.clone();
    let found = tokio::task::spawn_blocking(move || store.get(&id))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    match found {
        Some(r) => Ok(render(&state, std::slice::from_ref(&r))),
        None => Err(ApiError::NotFound(format!(
            "service_request_id {:?} was not found",
            json_stem(&file)?
        ))),
    }
}

async fn token(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let token = json_stem(&file)?.to_string();
    let store = state.app.store.clone();
    let lookup = token.clone();
    let id = tokio::task::spawn_blocking(move || store.token(&lookup))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??
        .ok_or_else(|| ApiError::NotFound(format!("token {token:?} was not found")))?;
    Ok(Json(
        serde_json::json!([{ "service_request_id": id, "token": token }]),
    ))
}

/// Reads the POST body as form fields (urlencoded or JSON object), refusing duplicates.
async fn post_fields(
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
            check_form_utf8(text)?;
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text)
                .map_err(|e| ApiError::bad("body", format!("is not valid form-urlencoded UTF-8: {e}")))?;
            unique_pairs(pairs)
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
fn key_allowed(presented: &str, keys: &[String]) -> bool {
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

fn coordinate(
    fields: &BTreeMap<String, String>,
    name: &str,
    limit: f64,
) -> Result<Option<f64>, ApiError> {
    let Some(text) = fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let value: f64 = text
        .parse()
        .map_err(|_| ApiError::bad(name, format!("{text:?} is not a number")))?;
    if !value.is_finite() {
        return Err(ApiError::bad(
            name,
            format!("{text:?} is not a finite number"),
        ));
    }
    if value.abs() > limit {
        return Err(ApiError::bad(
            name,
            format!("{value} is out of range (-{limit} to {limit})"),
        ));
    }
    Ok(Some(value))
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
    let lat = coordinate(fields, "lat", 90.0)?;
    let long = coordinate(fields, "long", 180.0)?;
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
fn accept_post(state: &AppState, raw: RawRequest) -> Result<ServiceRequest, ApiError> {
    let app = &state.app;
    let code = raw.service_code.clone().unwrap_or_default();
    if app.catalog.get(&code).is_none() {
        return Err(ApiError::bad(
            "service_code",
            format!("{code:?} is not a service of this city (see services.json)"),
        ));
    }
    if raw.location.is_none() && app.geocoder.is_none() {
        return Err(ApiError::bad(
            "lat/long",
            "are required: address_string alone cannot be located (no geocoder is configured)",
        ));
    }
    let mut acceptor = app.acceptor("open311", "HS");
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

async fn post_request(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
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
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let fields = post_fields(headers, body).await?;
    let key = fields.get("api_key").map(String::as_str).unwrap_or("");
    if key.is_empty() || !key_allowed(key, &state.app.config.api_keys) {
        return Err(ApiError::Forbidden(
            "api_key is missing or not valid".into(),
        ));
    }
    let raw = raw_from_post(&fields)?;
    let request = accept_post(state, raw)?;
    let sla = state
        .app
        .catalog
        .get(&request.service_code)
        .and_then(|s| s.sla_days);
    let token = format!("{:032x}", rand::random::<u128>());
    let outcome = state
        .app
        .store
        .writer()
        .insert(vec![NewRequest {
            request,
            token: Some(token.clone()),
        }])
        .await?;
    let id = match outcome.into_iter().next() {
        Some(InsertOutcome::Inserted(id)) => id,
        other => {
            return Err(ApiError::Internal(format!(
                "unexpected store outcome {other:?}"
            )))
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
