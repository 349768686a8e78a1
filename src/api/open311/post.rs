//! `POST requests.{json,xml}`: the body parsed as form fields (urlencoded or a JSON object),
//! validated field by field (every bad field reported at once), checked against the catalog
//! (404 for an unknown service), the service's attributes and the city, stored, and answered
//! `201` with the new id. The parser is callable without HTTP (the fuzz target
//! `open311_post` runs it).

use std::collections::BTreeMap;

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::Utc;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use super::super::params::{coordinate, form_list, Params};
use super::super::{ApiError, ServerState, MAX_BODY_BYTES};
use super::attributes::{self, attribute_name};
use super::render::{service_notice, Format, One, PostAnswer};
use crate::model::{RawRequest, ServiceRequest, SourceLocation, Status};
use crate::store::{NewRequest, UpsertOutcome};

/// Longest description accepted, in characters (as the GeoReport v2 spec suggests).
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
const MAX_SHORT_FIELD_CHARS: usize = 256;
const MAX_URL_CHARS: usize = 2_048;

/// The fields of a POST body: each name at most once, except list fields (names ending in
/// `[]`, such as `attribute[code][]`), whose values are kept in the order sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostFields {
    /// Single fields by name.
    pub fields: BTreeMap<String, String>,
    /// List fields by name (with its `[]`).
    pub lists: BTreeMap<String, Vec<String>>,
}

impl PostFields {
    /// The value of a single field, as sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The value of a single field, trimmed, when given and not blank.
    fn nonblank(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    fn insert(&mut self, name: String, value: String) -> Result<(), ApiError> {
        if name.ends_with("[]") {
            self.lists.entry(name).or_default().push(value);
        } else {
            match self.fields.entry(name) {
                std::collections::btree_map::Entry::Occupied(e) => {
                    return Err(ApiError::bad(e.key().clone(), "given more than once"));
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(value);
                }
            }
        }
        Ok(())
    }

    /// The attribute answers sent: code → values (`attribute[code]` gives one,
    /// `attribute[code][]` one per repetition). A code sent in both forms, or a field that
    /// starts like an attribute but is not one, is refused.
    pub fn attributes(&self) -> Result<BTreeMap<String, Vec<String>>, Vec<ApiError>> {
        let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut errors = Vec::new();
        let singles = self
            .fields
            .iter()
            .map(|(k, v)| (k, std::slice::from_ref(v)));
        let lists = self.lists.iter().map(|(k, v)| (k, v.as_slice()));
        for (name, values) in singles.chain(lists) {
            if !name.starts_with("attribute") {
                continue;
            }
            let Some((code, _)) = attribute_name(name) else {
                errors.push(ApiError::bad(
                    name.as_str(),
                    "is not an attribute field: send attribute[code], or attribute[code][] for each value of a multivaluelist",
                ));
                continue;
            };
            if answers.contains_key(code) {
                errors.push(ApiError::bad(
                    format!("attribute[{code}]"),
                    "given both as attribute[code] and attribute[code][]",
                ));
                continue;
            }
            answers.insert(code.to_string(), values.to_vec());
        }
        if errors.is_empty() {
            Ok(answers)
        } else {
            Err(errors)
        }
    }
}

/// Reads the POST body as form fields (urlencoded or JSON object).
pub(crate) async fn post_fields(headers: &HeaderMap, body: Body) -> Result<PostFields, ApiError> {
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
/// strings, numbers or booleans, `null` being absent; a list field `name[]` may also be an
/// array of them). A name given twice (other than a list field), bytes that are not UTF-8
/// (also once percent-decoded) and other media types are refused. The body-size limit is
/// the caller's (the handler applies [`MAX_BODY_BYTES`]).
pub fn parse_post_fields(content_type: &str, bytes: &[u8]) -> Result<PostFields, ApiError> {
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
            let mut fields = PostFields::default();
            for (k, v) in form_list(text, "body")? {
                fields.insert(k, v)?;
            }
            Ok(fields)
        }
        "application/json" => json_fields(bytes),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type {other:?} is not accepted: send application/x-www-form-urlencoded or application/json"
        ))),
    }
}

fn json_scalar(name: &str, v: Value) -> Result<Option<String>, ApiError> {
    Ok(Some(match v {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => return Ok(None),
        _ => return Err(ApiError::bad(name, "must be a string or a number")),
    }))
}

fn json_fields(bytes: &[u8]) -> Result<PostFields, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad("body", format!("is not valid JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(ApiError::bad("body", "must be a JSON object of fields"));
    };
    let mut fields = PostFields::default();
    for (k, v) in object {
        match v {
            Value::Array(items) if k.ends_with("[]") => {
                for item in items {
                    if let Some(text) = json_scalar(&k, item)? {
                        fields.insert(k.clone(), text)?;
                    }
                }
            }
            v => {
                if let Some(text) = json_scalar(&k, v)? {
                    fields.insert(k, text)?;
                }
            }
        }
    }
    Ok(fields)
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
    fields: &PostFields,
    name: &str,
    max_chars: usize,
) -> Result<Option<String>, ApiError> {
    let Some(value) = fields.nonblank(name) else {
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

/// Collects the errors of several checks, so that a POST hears of every bad field at once.
#[derive(Default)]
struct Errors(Vec<ApiError>);

impl Errors {
    /// The value of `result`, or `None` with its error kept.
    fn take<T>(&mut self, result: Result<T, ApiError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    fn push(&mut self, field: &str, reason: impl Into<String>) {
        self.0.push(ApiError::bad(field, reason));
    }

    /// `Ok(value)` when no error was kept, else all of them.
    fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ApiError> {
        match ApiError::all(self.0) {
            None => Ok(value()),
            Some(e) => Err(e),
        }
    }
}

/// Validates POST fields into a raw request (everything but the catalog, attributes and
/// extent), collecting every bad field.
fn raw_from_post(fields: &PostFields, errors: &mut Errors) -> Option<RawRequest> {
    let service_code = errors
        .take(text_field(fields, "service_code", MAX_SHORT_FIELD_CHARS))
        .flatten();
    if service_code.is_none() && fields.nonblank("service_code").is_none() {
        errors.push("service_code", "is required");
    }
    let lat = errors.take(coordinate(fields.get("lat"), "lat", 90.0));
    let long = errors.take(coordinate(fields.get("long"), "long", 180.0));
    let address = errors
        .take(text_field(fields, "address_string", MAX_SHORT_FIELD_CHARS))
        .flatten();
    // lat/long win over address_string; an address alone is geocoded on acceptance
    let location = match (lat, long) {
        (Some(Some(lat)), Some(Some(lon))) => Some(SourceLocation::LonLat { lon, lat }),
        (Some(Some(_)), Some(None)) => {
            errors.push("long", "is required with lat");
            None
        }
        (Some(None), Some(Some(_))) => {
            errors.push("lat", "is required with long");
            None
        }
        (Some(None), Some(None)) if fields.nonblank("address_string").is_none() => {
            errors.push(
                "lat/long",
                "a location (lat and long, or address_string) is required",
            );
            None
        }
        _ => None, // an address alone, or a coordinate whose error is kept
    };
    for short in [
        "first_name",
        "last_name",
        "phone",
        "device_id",
        "account_id",
        "address_id",
        "jurisdiction_id",
    ] {
        errors.take(text_field(fields, short, MAX_SHORT_FIELD_CHARS));
    }
    if let Some(Some(email)) = errors.take(text_field(fields, "email", MAX_SHORT_FIELD_CHARS)) {
        if !plausible_email(&email) {
            errors.push("email", format!("{email:?} is not an email address"));
        }
    }
    let media_url = errors
        .take(text_field(fields, "media_url", MAX_URL_CHARS))
        .flatten();
    if let Some(url) = &media_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            errors.push("media_url", "must be an http(s) URL");
        }
    }
    let description = errors
        .take(text_field(fields, "description", MAX_DESCRIPTION_CHARS))
        .flatten();
    Some(RawRequest {
        line: 1,
        service_code: Some(service_code?),
        status: Some(Status::Open),
        requested_datetime: Some(Utc::now()),
        address,
        location,
        description,
        media_url,
        ..Default::default()
    })
}

/// Validates parsed POST fields into a [`RawRequest`], as the handler does after the
/// `api_key` check: `service_code` required; `lat` and `long` together, finite and in range,
/// or an `address_string`; text fields bounded and free of control characters; a plausible
/// `email`; an http(s) `media_url`; well-formed `attribute[...]` names. Every bad field is
/// reported at once ([`ApiError::Invalid`] when there are several). The catalog, the
/// attribute answers and the city extent are checked later, on acceptance.
pub fn raw_request_from_fields(fields: &PostFields) -> Result<RawRequest, ApiError> {
    let mut errors = Errors::default();
    let raw = raw_from_post(fields, &mut errors);
    if let Err(list) = fields.attributes() {
        errors.0.extend(list);
    }
    match (errors.finish(|| ())?, raw) {
        ((), Some(raw)) => Ok(raw),
        ((), None) => Err(ApiError::bad("service_code", "is required")),
    }
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

/// A field of the body, else of the query string (Open311 clients put `api_key` and
/// `jurisdiction_id` in either), blank = absent.
fn body_or_query<'a>(fields: &'a PostFields, query: &'a Params, name: &str) -> Option<&'a str> {
    fields.nonblank(name).or_else(|| query.get(name))
}

/// Checks a POST against the catalog (404 for an unknown service), its fields and its
/// attribute answers (every problem at once, 400), then the city's extent and geocoder.
fn accept_post(state: &ServerState, fields: &PostFields) -> Result<ServiceRequest, ApiError> {
    let city = &state.city;
    let code = fields.nonblank("service_code").unwrap_or_default();
    let service = match code {
        "" => None,
        code => Some(city.catalog.get(code).ok_or_else(|| {
            ApiError::NotFound(format!(
                "service_code {code:?} is not a service of this city (see services.json)"
            ))
        })?),
    };
    let mut errors = Errors::default();
    let raw = raw_from_post(fields, &mut errors);
    let given = match fields.attributes() {
        Ok(given) => given,
        Err(list) => {
            errors.0.extend(list);
            BTreeMap::new()
        }
    };
    let answers = match service.map(|s| attributes::check(s, &given, city.config.timezone)) {
        Some(Ok(answers)) => answers,
        Some(Err(list)) => {
            errors.0.extend(list);
            BTreeMap::new()
        }
        None => BTreeMap::new(),
    };
    let Some(raw) = errors.finish(|| raw)? else {
        return Err(ApiError::bad("service_code", "is required"));
    };
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
    request.attributes = answers;
    request.address_id = fields.nonblank("address_id").map(str::to_string);
    Ok(request)
}

/// The handler of `POST requests.{json,xml}` in `format`; counts the outcome.
pub(super) async fn post_request(
    state: ServerState,
    query: Option<String>,
    headers: HeaderMap,
    format: Format,
    body: Body,
) -> Response {
    let result = post_request_inner(&state, query.as_deref(), &headers, format, body).await;
    let counter = if result.is_ok() {
        &state.metrics.posts_accepted
    } else {
        &state.metrics.posts_rejected
    };
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    result.unwrap_or_else(|e| format.error(e))
}

/// Stores a valid POST and answers `201` with the new id, once committed. Hotspot stores a
/// request before it answers, so the answer carries the `service_request_id` and never a
/// `token` (GeoReport v2 gives one or the other); `Location` points at the stored request.
async fn post_request_inner(
    state: &ServerState,
    query: Option<&str>,
    headers: &HeaderMap,
    format: Format,
    body: Body,
) -> Result<Response, ApiError> {
    let fields = post_fields(headers, body).await?;
    let query = Params::parse_any(query)?;
    let key = body_or_query(&fields, &query, "api_key").unwrap_or("");
    if key.is_empty() || !key_allowed(key, &state.city.config.api_keys) {
        return Err(ApiError::Forbidden(
            "api_key is missing or not valid".into(),
        ));
    }
    super::check_jurisdiction(state, body_or_query(&fields, &query, "jurisdiction_id"))?;
    let request = accept_post(state, &fields)?;
    let sla = state.city.catalog.sla_days(&request.service_code);
    let outcome = state
        .city
        .store
        .writer()
        .upsert(vec![NewRequest {
            request,
            token: None,
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
    let location = format!(
        "/open311/v2/requests/{}.{}",
        utf8_percent_encode(&id, PATH_SEGMENT),
        format.extension()
    );
    let answer = One([PostAnswer {
        service_request_id: id,
        service_notice: sla.map(service_notice),
        account_id: fields.nonblank("account_id").map(str::to_string),
    }]);
    let mut response = format.reply(StatusCode::CREATED, &answer);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Characters escaped in a path segment (all but unreserved ones).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
