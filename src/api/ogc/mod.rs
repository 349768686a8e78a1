//! OGC API – Features – Part 1 (Core, GeoJSON, OpenAPI 3.0) at `/ogc`: the landing page,
//! conformance, the API definition ([`openapi`]), the collections ([`collections`]) and
//! their items ([`items`]), every link absolute ([`links`]). JSON only (`f=json`); errors are
//! OGC exceptions ([`OgcException`]).

pub mod collections;
pub mod items;
pub mod links;
pub mod openapi;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::error::OgcException;
use super::params::Params;
use super::respond::{on_renderer, Rendered, Work};
use super::{ApiError, ServerState};
use crate::selection::Page;
use collections::Collection;
use items::{ItemsQuery, WholeLayer};
use links::{link, Base, GEOJSON_TYPE, JSON_TYPE, OPENAPI_TYPE};

/// The conformance classes implemented.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];

type Answer = Result<Response, OgcException>;

/// Routes of the OGC API (full paths, merged into the server's router).
pub fn router() -> Router<ServerState> {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/", get(landing))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/api", get(api))
        .route("/ogc/collections", get(collections_list))
        .route("/ogc/collections/{id}", get(collection))
        .route("/ogc/collections/{id}/items", get(items_page))
        .route("/ogc/collections/{id}/items/{feature}", get(item))
        .route("/ogc/{*rest}", get(not_found))
}

/// A JSON body of `media_type`, with the layers' weak ETag.
fn respond(body: &Value, media_type: &'static str, headers: &HeaderMap) -> Response {
    Rendered::new(body.to_string().into_bytes(), media_type).respond(headers)
}

/// The query of a document that takes only `f`.
fn format_only(raw: Option<&str>) -> Result<(), ApiError> {
    items::check_format(&Params::parse(raw, &["f"], false)?)
}

async fn not_found() -> OgcException {
    OgcException(ApiError::NotFound(
        "no such OGC API resource (see /ogc)".into(),
    ))
}

/// `GET /ogc`: the landing page.
async fn landing(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    format_only(raw.as_deref())?;
    let base = Base::of(&headers, &uri)?;
    let body = json!({
        "title": format!("{}: 311 service requests and hot spots", state.city.config.name),
        "description": "OGC API – Features of Hotspot: service requests, hex bins, hot-spot \
                        regions and cells, clusters, repeat addresses and boundary layers.",
        "links": [
            link(&base.url(""), "self", JSON_TYPE, "This document"),
            link(&base.url("/api"), "service-desc", OPENAPI_TYPE, "The API definition"),
            link(&base.url("/conformance"), "conformance", JSON_TYPE, "Conformance classes"),
            link(&base.url("/collections"), "data", JSON_TYPE, "The collections"),
        ],
    });
    Ok(respond(&body, JSON_TYPE, &headers))
}

/// `GET /ogc/conformance`.
async fn conformance(RawQuery(raw): RawQuery, headers: HeaderMap) -> Answer {
    format_only(raw.as_deref())?;
    Ok(respond(
        &json!({"conformsTo": CONFORMANCE}),
        JSON_TYPE,
        &headers,
    ))
}

/// `GET /ogc/api`: the OpenAPI 3.0 definition.
async fn api(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    format_only(raw.as_deref())?;
    let base = Base::of(&headers, &uri)?;
    let snapshot = state.city.index.snapshot();
    let all = collections::all(&state.city, &snapshot);
    let body = openapi::document(&state.city, &all, &base);
    Ok(respond(&body, OPENAPI_TYPE, &headers))
}

/// `GET /ogc/collections`.
async fn collections_list(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    format_only(raw.as_deref())?;
    let base = Base::of(&headers, &uri)?;
    let snapshot = state.city.index.snapshot();
    let list: Vec<Value> = collections::all(&state.city, &snapshot)
        .iter()
        .map(|c| collections::document(&state.city, &snapshot, c, &base))
        .collect();
    let body = json!({
        "links": [link(&base.url("/collections"), "self", JSON_TYPE, "The collections")],
        "collections": list,
    });
    Ok(respond(&body, JSON_TYPE, &headers))
}

/// `GET /ogc/collections/{id}`.
async fn collection(
    State(state): State<ServerState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    format_only(raw.as_deref())?;
    let base = Base::of(&headers, &uri)?;
    let snapshot = state.city.index.snapshot();
    let c = collections::find(&state.city, &snapshot, &id)?;
    let body = collections::document(&state.city, &snapshot, &c, &base);
    Ok(respond(&body, JSON_TYPE, &headers))
}

/// `GET /ogc/collections/{id}/items`: a page of features with `numberMatched`,
/// `numberReturned` and `self`/`prev`/`next` links.
async fn items_page(
    State(state): State<ServerState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let base = Base::of(&headers, &uri)?;
    let snapshot = state.city.index.snapshot();
    let c = collections::find(&state.city, &snapshot, &id)?;
    let q = ItemsQuery::parse(&state, &snapshot, &c, raw.as_deref())?;
    let (page, q) = if c.kind.is_requests() {
        let st = state.clone();
        on_renderer(&state, Work::Layer, move || {
            let page = items::requests_page(&st, &snapshot, &q);
            Ok((page, q))
        })
        .await?
    } else {
        let (layer, q) = whole_layer(&state, snapshot, c.clone(), raw.as_deref(), q).await?;
        (items::layer_page(&layer, &q), q)
    };
    let href = base.url(&format!("/collections/{}/items", c.id));
    let links = page_links(&href, raw.as_deref(), &q, &page, &base, &c)?;
    let body = items::collection_body(page, links);
    Ok(respond(&body, GEOJSON_TYPE, &headers))
}

/// The whole derived layer of `q` (built on a renderer), with the query back.
async fn whole_layer(
    state: &ServerState,
    snapshot: std::sync::Arc<crate::index::IndexSnapshot>,
    c: Collection,
    raw: Option<&str>,
    q: ItemsQuery,
) -> Result<(std::sync::Arc<WholeLayer>, ItemsQuery), ApiError> {
    let key = links::filter_key(raw, &["f", "limit", "offset", "bbox"])?;
    let work = items::work(&c.kind);
    let st = state.clone();
    on_renderer(state, work, move || {
        let layer = items::whole_layer(&st, &snapshot, &c, &q, &key)?;
        Ok((layer, q))
    })
    .await
}

/// `self`, `collection` and, where there are more, `next` and `prev` links of a page.
fn page_links(
    href: &str,
    raw: Option<&str>,
    q: &ItemsQuery,
    page: &items::ItemsPage,
    base: &Base,
    c: &Collection,
) -> Result<Vec<Value>, ApiError> {
    let Page { limit, offset } = q.page;
    let here = match raw.filter(|r| !r.is_empty()) {
        Some(r) => format!("{href}?{r}"),
        None => href.to_string(),
    };
    let mut out = vec![
        link(&here, "self", GEOJSON_TYPE, "This page"),
        link(
            &base.url(&format!("/collections/{}", c.id)),
            "collection",
            JSON_TYPE,
            "The collection",
        ),
    ];
    if offset.saturating_add(page.features.len()) < page.matched {
        let next = links::page_query(raw, limit, offset + page.features.len())?;
        out.push(link(
            &format!("{href}?{next}"),
            "next",
            GEOJSON_TYPE,
            "Next page",
        ));
    }
    if offset > 0 {
        let prev = links::page_query(raw, limit, offset.saturating_sub(limit))?;
        out.push(link(
            &format!("{href}?{prev}"),
            "prev",
            GEOJSON_TYPE,
            "Previous page",
        ));
    }
    Ok(out)
}

/// `GET /ogc/collections/{id}/items/{featureId}`: one feature (the items' filters select the
/// derived layer it belongs to).
async fn item(
    State(state): State<ServerState>,
    Path((id, feature)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let base = Base::of(&headers, &uri)?;
    let snapshot = state.city.index.snapshot();
    let c = collections::find(&state.city, &snapshot, &id)?;
    let q = ItemsQuery::parse(&state, &snapshot, &c, raw.as_deref())?;
    let found = if c.kind.is_requests() {
        items::request_by_id(&state, &snapshot, &c.kind, &feature)
    } else {
        let (layer, _) = whole_layer(&state, snapshot, c.clone(), raw.as_deref(), q).await?;
        items::layer_feature(&layer, &feature)
    };
    let Some(found) = found else {
        return Err(ApiError::NotFound(format!(
            "no feature {feature:?} in the collection {:?}",
            c.id
        ))
        .into());
    };
    let collection_href = base.url(&format!("/collections/{}", c.id));
    let self_href = format!(
        "{collection_href}/items/{}",
        percent_encoding::utf8_percent_encode(&feature, links::PATH_SEGMENT)
    );
    let mut body =
        serde_json::to_value(&found).map_err(ApiError::internal("serializing a feature"))?;
    body["links"] = json!([
        link(&self_href, "self", GEOJSON_TYPE, "This feature"),
        link(&collection_href, "collection", JSON_TYPE, "The collection"),
    ]);
    Ok(respond(&body, GEOJSON_TYPE, &headers))
}
