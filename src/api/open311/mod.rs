//! Open311 GeoReport v2 endpoints: services, requests (GET and POST), single requests, tokens.
//! JSON only; errors as `[{"code":N,"description":"..."}]`. The POST parser is in [`post`].

mod post;

use post::post_request;
pub use post::{parse_post, parse_post_fields, raw_request_from_fields, MAX_DESCRIPTION_CHARS};

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;

use super::params::Params;
use super::{ApiError, ServerState};
use crate::model::{ServiceRequest, Status};
use crate::selection::{list_page, window, Days, Page, Selection, DEFAULT_DAYS};
use crate::time::{day_anchor, format_local, Bound};

/// Largest `page_size` (and the default).
pub const MAX_PAGE_SIZE: usize = 1_000;
const MAX_IDS: usize = 1_000;

/// Routes under `/open311/v2`.
pub fn router() -> Router<ServerState> {
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

async fn services(State(state): State<ServerState>) -> Response {
    let list: Vec<ServiceEntry<'_>> = state
        .city
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
    State(state): State<ServerState>,
    Path(file): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let code = json_stem(&file)?;
    let service = state.city.catalog.get(code).ok_or_else(|| {
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
        let time = |t: Option<DateTime<Utc>>| t.map(|t| format_local(t, tz));
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

/// Serializes requests as a GeoReport v2 list.
fn render(state: &ServerState, requests: &[ServiceRequest]) -> Response {
    let tz = state.city.config.timezone;
    let list: Vec<Open311Request<'_>> = requests
        .iter()
        .map(|r| {
            let sla = state
                .city
                .catalog
                .get(&r.service_code)
                .and_then(|s| s.sla_days);
            Open311Request::new(r, tz, sla)
        })
        .collect();
    Json(list).into_response()
}

/// The selection, page and ids of a `GET requests.json`.
struct ListQuery {
    selection: Selection,
    page: Page,
    ids: Vec<String>,
}

/// Reads a `GET requests.json` query: `service_request_id` (then the other filters are
/// ignored, as the spec says), `service_code`, `status`, `start_date`/`end_date` (the core's
/// window rule, 90 days by default), `bbox`, `page` and `page_size`.
fn list_query(
    params: &Params,
    snapshot: &crate::index::IndexSnapshot,
    tz: Tz,
) -> Result<ListQuery, ApiError> {
    let page_size =
        params.int("page_size", MAX_PAGE_SIZE as i64, 1..=MAX_PAGE_SIZE as i64)? as usize;
    let page_number = params.int("page", 1, 1..=1_000_000)? as usize;
    let page = Page {
        limit: page_size,
        offset: (page_number - 1) * page_size,
    };
    let ids = params.list("service_request_id");
    if ids.len() > MAX_IDS {
        return Err(ApiError::bad(
            "service_request_id",
            format!("at most {MAX_IDS} ids"),
        ));
    }
    if !ids.is_empty() {
        return Ok(ListQuery {
            selection: Selection::default(),
            page,
            ids,
        });
    }
    let statuses = params
        .list("status")
        .iter()
        .map(|s| s.parse::<Status>().map_err(|e| ApiError::bad("status", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let status = match statuses.as_slice() {
        [one] => Some(*one),
        [first, rest @ ..] if rest.iter().all(|s| s == first) => Some(*first),
        _ => None,
    };
    let (start, end) = window(
        params.time("start_date", tz, Bound::Start)?,
        params.time("end_date", tz, Bound::End)?,
        Days::Last(DEFAULT_DAYS),
        day_anchor(snapshot.newest_requested(), tz),
    )
    .map_err(|_| ApiError::bad("end_date", "is before start_date"))?;
    let mut codes = params.list("service_code");
    codes.sort();
    codes.dedup();
    Ok(ListQuery {
        selection: Selection {
            codes,
            start,
            end,
            status,
            bbox: params.bbox()?,
        },
        page,
        ids,
    })
}

async fn list_requests(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse_any(raw.as_deref())?;
    // one snapshot for the default window and the page
    let snapshot = state.city.index.snapshot();
    let q = list_query(&params, &snapshot, state.city.config.timezone)?;
    let store = state.city.store.clone();
    // The page is chosen from the in-memory index (R-tree for a box) and only its rows are
    // read; lists by id go to the store directly.
    let found = tokio::task::spawn_blocking(move || {
        if q.ids.is_empty() {
            store.get_many(&list_page(&snapshot, &q.selection, q.page))
        } else {
            store.list_ids(&q.ids, q.page)
        }
    })
    .await
    .map_err(ApiError::internal("listing requests"))??;
    Ok(render(&state, &found))
}

async fn one_request(
    State(state): State<ServerState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let id = json_stem(&file)?.to_string();
    let store = state.city.store.clone();
    let found = tokio::task::spawn_blocking(move || store.get(&id))
        .await
        .map_err(ApiError::internal("reading the store"))??;
    match found {
        Some(r) => Ok(render(&state, std::slice::from_ref(&r))),
        None => Err(ApiError::NotFound(format!(
            "service_request_id {:?} was not found",
            json_stem(&file)?
        ))),
    }
}

async fn token(
    State(state): State<ServerState>,
    Path(file): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let token = json_stem(&file)?.to_string();
    let store = state.city.store.clone();
    let lookup = token.clone();
    let id = tokio::task::spawn_blocking(move || store.token(&lookup))
        .await
        .map_err(ApiError::internal("reading the store"))??
        .ok_or_else(|| ApiError::NotFound(format!("token {token:?} was not found")))?;
    Ok(Json(
        serde_json::json!([{ "service_request_id": id, "token": token }]),
    ))
}
