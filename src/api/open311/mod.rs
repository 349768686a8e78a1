//! Open311 GeoReport v2 endpoints: services, requests (GET and POST), single requests, tokens.
//! JSON only; errors as `[{"code":N,"description":"..."}]`. The POST parser is in [`post`].

mod post;

use post::post_request;
pub(crate) use post::{key_allowed, post_fields};
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
use crate::store::{HistoryEntry, UpdatedWindow};
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
    /// Extension (`extensions=true`): when the request was closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_datetime: Option<String>,
    /// Extension (`extensions=true`): the status history, as Chicago's and Boston's servers
    /// give it.
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<Vec<Note>>,
}

/// One entry of a request's status history (`extensions=true`).
#[derive(Serialize)]
pub struct Note {
    datetime: Option<String>,
    /// `opened`, `closed`, `reopened` or `update`.
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    summary: String,
    description: Option<String>,
    source: String,
}

/// A request's history as notes: each entry says what changed relative to the one before.
pub fn notes(history: &[HistoryEntry], tz: Tz) -> Vec<Note> {
    let mut before: Option<Status> = None;
    history
        .iter()
        .map(|e| {
            let (kind, summary) = match (before, e.status) {
                (None, Status::Open) => ("opened", "Request opened"),
                (None, Status::Closed) | (Some(Status::Open), Status::Closed) => {
                    ("closed", "Request closed")
                }
                (Some(Status::Closed), Status::Open) => ("reopened", "Request reopened"),
                (Some(_), _) => ("update", "Status notes updated"),
            };
            before = Some(e.status);
            Note {
                datetime: e.at.map(|t| format_local(t, tz)),
                kind,
                status: e.status.as_str(),
                summary: summary.to_string(),
                description: e.status_notes.clone(),
                source: e.source.clone(),
            }
        })
        .collect()
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
            closed_datetime: None,
            notes: None,
        }
    }

    /// Adds the extensions: closed time and status history.
    pub fn with_history(mut self, r: &ServiceRequest, history: &[HistoryEntry], tz: Tz) -> Self {
        self.closed_datetime = r.closed_datetime.map(|t| format_local(t, tz));
        self.notes = Some(notes(history, tz));
        self
    }
}

/// The notice shown with a request of a service with an SLA.
fn service_notice(sla_days: f64) -> String {
    format!("Service level agreement: {sla_days} days")
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Serializes requests as a GeoReport v2 list; with `histories` (one per request), with the
/// extensions.
fn render(
    state: &ServerState,
    requests: &[ServiceRequest],
    histories: Option<&[Vec<HistoryEntry>]>,
) -> Response {
    let tz = state.city.config.timezone;
    let list: Vec<Open311Request<'_>> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let sla = state
                .city
                .catalog
                .get(&r.service_code)
                .and_then(|s| s.sla_days);
            let record = Open311Request::new(r, tz, sla);
            match histories.and_then(|h| h.get(i)) {
                Some(history) => record.with_history(r, history, tz),
                None => record,
            }
        })
        .collect();
    Json(list).into_response()
}

/// Whether `extensions=true` asks for the extensions.
fn extensions(params: &Params) -> Result<bool, ApiError> {
    match params.get("extensions") {
        None | Some("" | "false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::bad(
            "extensions",
            format!("{other:?} is not true or false"),
        )),
    }
}

/// The requests with their histories when `extended`, read on a blocking thread.
async fn with_histories(
    state: &ServerState,
    requests: Vec<ServiceRequest>,
    extended: bool,
) -> Result<Response, ApiError> {
    if !extended {
        return Ok(render(state, &requests, None));
    }
    let store = state.city.store.clone();
    let (requests, histories) = tokio::task::spawn_blocking(move || {
        let histories = requests
            .iter()
            .map(|r| store.history(&r.service_request_id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, crate::store::StoreError>((requests, histories))
    })
    .await
    .map_err(ApiError::internal("reading request histories"))??;
    Ok(render(state, &requests, Some(&histories)))
}

/// The selection, page and ids of a `GET requests.json`.
struct ListQuery {
    selection: Selection,
    /// `updated_after` / `updated_before` (then the list is read from the store).
    updated: UpdatedWindow,
    page: Page,
    ids: Vec<String>,
    /// `extensions=true`: closed time and status history.
    extended: bool,
}

/// Reads a `GET requests.json` query: `service_request_id` (then the other filters are
/// ignored, as the spec says), `service_code`, `status`, `start_date`/`end_date` (the core's
/// window rule, 90 days by default, or no window when an update bound is given),
/// `updated_after`/`updated_before` (Chicago's extension), `bbox`, `page`, `page_size` and
/// `extensions`.
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
    let extended = extensions(params)?;
    if !ids.is_empty() {
        return Ok(ListQuery {
            selection: Selection::default(),
            updated: UpdatedWindow::default(),
            page,
            ids,
            extended,
        });
    }
    let updated = UpdatedWindow {
        after: params.time("updated_after", tz, Bound::Start)?,
        before: params.time("updated_before", tz, Bound::End)?,
    };
    if let (Some(after), Some(before)) = (updated.after, updated.before) {
        if before < after {
            return Err(ApiError::bad("updated_before", "is before updated_after"));
        }
    }
    let by_update = updated != UpdatedWindow::default();
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
        if by_update {
            Days::All
        } else {
            Days::Last(DEFAULT_DAYS)
        },
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
        updated,
        page,
        ids,
        extended,
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
    let extended = q.extended;
    // The page is chosen from the in-memory index (R-tree for a box) and only its rows are
    // read; lists by id or by update time go to the store directly.
    let found = tokio::task::spawn_blocking(move || {
        if !q.ids.is_empty() {
            store.list_ids(&q.ids, q.page)
        } else if q.updated != UpdatedWindow::default() {
            store.list_updated(&q.selection, q.updated, q.page)
        } else {
            store.get_many(&list_page(&snapshot, &q.selection, q.page))
        }
    })
    .await
    .map_err(ApiError::internal("listing requests"))??;
    with_histories(&state, found, extended).await
}

async fn one_request(
    State(state): State<ServerState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let extended = extensions(&Params::parse_any(raw.as_deref())?)?;
    let id = json_stem(&file)?.to_string();
    let store = state.city.store.clone();
    let found = tokio::task::spawn_blocking(move || store.get(&id))
        .await
        .map_err(ApiError::internal("reading the store"))??;
    match found {
        Some(r) => with_histories(&state, vec![r], extended).await,
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
