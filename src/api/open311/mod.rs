//! Open311 GeoReport v2 endpoints, each in JSON and XML (`.json`, `.xml`): discovery,
//! services, service definitions (with the catalog's attributes), requests (GET and POST),
//! single requests and tokens. Errors list every bad field:
//! `[{"code":N,"description":"..."}]` or `<errors><error>…`. Empty parameters are absent;
//! a `jurisdiction_id` other than the city's is a 404. Bodies are written in [`render`]
//! (XML through [`xml`]); the POST is in [`post`], its attribute answers in [`attributes`].

mod attributes;
mod discovery;
mod notes;
mod post;
mod render;
mod xml;

pub(crate) use post::{key_allowed, post_fields};
pub use post::{
    parse_post, parse_post_fields, raw_request_from_fields, PostFields, MAX_DESCRIPTION_CHARS,
};
pub use render::{Format, Open311Request};

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono_tz::Tz;

use super::params::Params;
use super::{ApiError, ServerState};
use crate::model::{ServiceRequest, Status};
use crate::selection::{list_page, window, Days, Page, Selection, DEFAULT_DAYS};
use crate::store::{HistoryEntry, UpdatedWindow};
use crate::time::{day_anchor, Bound};
use render::{
    split_file, One, RequestList, ServiceDefinition, ServiceEntry, ServiceList, TokenAnswer,
};

/// Largest `page_size` (and the default).
pub const MAX_PAGE_SIZE: usize = 1_000;
const MAX_IDS: usize = 1_000;

/// The format of a route fixed at `.json` (`XML = false`) or `.xml` (`XML = true`).
const fn format(xml: bool) -> Format {
    if xml {
        Format::Xml
    } else {
        Format::Json
    }
}

/// Routes under `/open311/v2`.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route("/discovery.json", get(discovery::discovery::<false>))
        .route("/discovery.xml", get(discovery::discovery::<true>))
        .route("/services.json", get(services::<false>))
        .route("/services.xml", get(services::<true>))
        .route("/services/{file}", get(service_definition))
        .route(
            "/requests.json",
            get(list_requests::<false>).post(post_requests::<false>),
        )
        .route(
            "/requests.xml",
            get(list_requests::<true>).post(post_requests::<true>),
        )
        .route("/requests/{file}", get(one_request))
        .route("/tokens/{file}", get(token))
}

/// Refuses a `jurisdiction_id` other than the city's (404); absent or blank is this city.
pub(super) fn check_jurisdiction(state: &ServerState, given: Option<&str>) -> Result<(), ApiError> {
    let Some(given) = given.map(str::trim).filter(|g| !g.is_empty()) else {
        return Ok(());
    };
    let ours = state.city.config.jurisdiction_id();
    if given.eq_ignore_ascii_case(&ours) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "jurisdiction_id {given:?} is not served here: this endpoint serves {ours:?} ({})",
            state.city.config.name
        )))
    }
}

/// The query string of a GET, with its `jurisdiction_id` checked.
fn get_params(state: &ServerState, raw: Option<&str>) -> Result<Params, ApiError> {
    let params = Params::parse_any(raw)?;
    check_jurisdiction(state, params.get("jurisdiction_id"))?;
    Ok(params)
}

async fn services<const XML: bool>(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let format = format(XML);
    if let Err(e) = get_params(&state, raw.as_deref()) {
        return format.error(e);
    }
    let list = ServiceList(
        state
            .city
            .catalog
            .services()
            .iter()
            .map(ServiceEntry::new)
            .collect(),
    );
    format.reply(StatusCode::OK, &list)
}

/// Answers `result` in `format`: the body or the error.
fn answer(format: Format, result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(|e| format.error(e))
}

async fn service_definition(
    State(state): State<ServerState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (code, format) = match split_file(&file) {
        Ok(split) => split,
        Err(e) => return Format::Json.error(e),
    };
    answer(
        format,
        definition_inner(&state, code, raw.as_deref(), format),
    )
}

fn definition_inner(
    state: &ServerState,
    code: &str,
    raw: Option<&str>,
    format: Format,
) -> Result<Response, ApiError> {
    get_params(state, raw)?;
    let service = state.city.catalog.get(code).ok_or_else(|| {
        ApiError::NotFound(format!(
            "service_code {code:?} is not a service of this city"
        ))
    })?;
    Ok(format.reply(StatusCode::OK, &ServiceDefinition::new(service)))
}

/// Serializes requests as a GeoReport v2 list; with `histories` (one per request), with the
/// extensions (closed time, notes).
fn render(
    state: &ServerState,
    format: Format,
    requests: &[ServiceRequest],
    histories: Option<&[Vec<HistoryEntry>]>,
) -> Response {
    let tz = state.city.config.timezone;
    let list = RequestList(
        requests
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let sla = state.city.catalog.sla_days(&r.service_code);
                let record = Open311Request::new(r, tz, sla);
                match histories.and_then(|h| h.get(i)) {
                    Some(history) => record.with_history(r, history, tz),
                    None => record,
                }
            })
            .collect(),
    );
    format.reply(StatusCode::OK, &list)
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

/// Renders the requests, with their histories (read on a blocking thread) when `extended`.
async fn with_histories(
    state: &ServerState,
    format: Format,
    requests: Vec<ServiceRequest>,
    extended: bool,
) -> Result<Response, ApiError> {
    if !extended {
        return Ok(render(state, format, &requests, None));
    }
    let store = state.city.store.clone();
    let (requests, histories) = tokio::task::spawn_blocking(move || {
        let histories = store.histories(&requests)?;
        Ok::<_, crate::store::StoreError>((requests, histories))
    })
    .await
    .map_err(ApiError::internal("reading request histories"))??;
    Ok(render(state, format, &requests, Some(&histories)))
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

async fn list_requests<const XML: bool>(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let format = format(XML);
    answer(
        format,
        list_requests_inner(&state, raw.as_deref(), format).await,
    )
}

async fn list_requests_inner(
    state: &ServerState,
    raw: Option<&str>,
    format: Format,
) -> Result<Response, ApiError> {
    let params = get_params(state, raw)?;
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
    with_histories(state, format, found, extended).await
}

async fn post_requests<const XML: bool>(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    post::post_request(state, raw, headers, format(XML), body).await
}

async fn one_request(
    State(state): State<ServerState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (id, format) = match split_file(&file) {
        Ok(split) => split,
        Err(e) => return Format::Json.error(e),
    };
    answer(
        format,
        one_request_inner(&state, id, raw.as_deref(), format).await,
    )
}

async fn one_request_inner(
    state: &ServerState,
    id: &str,
    raw: Option<&str>,
    format: Format,
) -> Result<Response, ApiError> {
    let extended = extensions(&get_params(state, raw)?)?;
    let store = state.city.store.clone();
    let lookup = id.to_string();
    let found = tokio::task::spawn_blocking(move || store.get(&lookup))
        .await
        .map_err(ApiError::internal("reading the store"))??;
    match found {
        Some(r) => with_histories(state, format, vec![r], extended).await,
        None => Err(ApiError::NotFound(format!(
            "service_request_id {id:?} was not found"
        ))),
    }
}

async fn token(
    State(state): State<ServerState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (token, format) = match split_file(&file) {
        Ok(split) => split,
        Err(e) => return Format::Json.error(e),
    };
    answer(
        format,
        token_inner(&state, token, raw.as_deref(), format).await,
    )
}

/// The request id of a token. Hotspot answers POSTs with the id itself, so only tokens
/// issued by earlier versions (kept in the store) are found.
async fn token_inner(
    state: &ServerState,
    token: &str,
    raw: Option<&str>,
    format: Format,
) -> Result<Response, ApiError> {
    get_params(state, raw)?;
    let store = state.city.store.clone();
    let lookup = token.to_string();
    let id = tokio::task::spawn_blocking(move || store.token(&lookup))
        .await
        .map_err(ApiError::internal("reading the store"))??
        .ok_or_else(|| ApiError::NotFound(format!("token {token:?} was not found")))?;
    let answer = One([TokenAnswer {
        service_request_id: id,
        token: token.to_string(),
    }]);
    Ok(format.reply(StatusCode::OK, &answer))
}
