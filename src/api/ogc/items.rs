//! The items of a collection: the query (`limit`, `offset`, `bbox`, `datetime`, property
//! filters), the page of request points read from the index in the store's list order, and
//! the pages of the derived layers, each built whole once per filter and data version and
//! kept ([`crate::api::tile_sources::SourceCache`]).

use std::sync::Arc;

use chrono_tz::Tz;
use geojson::Feature;
use serde_json::{json, Value};

use super::collections::{Collection, Kind};
use crate::api::layers::{district_features, hexbin_features, request_feature};
use crate::api::params::{datetime, Params};
use crate::api::respond::Work;
use crate::api::{hotspots, tiles, ApiError, ServerState};
use crate::index::{IndexSnapshot, IndexedRequest};
use crate::model::Status;
use crate::selection::{
    count_matches, newest_first_page, resolve_types, window, Days, Page, Selection, DEFAULT_DAYS,
};
use crate::time::{day_anchor, Bound};

/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page; a larger `limit` is served as this (the standard allows it).
pub const MAX_LIMIT: usize = 10_000;

/// Parameters every collection's items take.
pub const COMMON_PARAMS: &[&str] = &["f", "limit", "offset", "bbox", "datetime", "status"];

/// A parsed items request.
pub struct ItemsQuery {
    pub page: Page,
    pub selection: Selection,
    /// `(layer, district id)` of `district=LAYER:ID`.
    pub district: Option<(String, String)>,
    /// The anchor of overdue counts and default windows.
    pub as_of: i64,
    pub params: Params,
}

/// Refuses any `f` but `json` (the only representation served).
pub fn check_format(params: &Params) -> Result<(), ApiError> {
    match params.get("f") {
        None | Some("json") | Some("geojson") => Ok(()),
        Some(other) => Err(ApiError::bad(
            "f",
            format!("{other:?} is not a served format (json)"),
        )),
    }
}

impl ItemsQuery {
    /// Reads the query of `collection`'s items on `snapshot`.
    pub fn parse(
        state: &ServerState,
        snapshot: &IndexSnapshot,
        collection: &Collection,
        raw: Option<&str>,
    ) -> Result<ItemsQuery, ApiError> {
        let city = &state.city;
        let mut allowed = COMMON_PARAMS.to_vec();
        allowed.extend(collection.kind.params());
        let params = Params::parse(raw, &allowed, false)?;
        check_format(&params)?;
        let tz = city.config.timezone;
        let as_of = day_anchor(snapshot.newest_requested(), tz);
        let limit = match params.int("limit", DEFAULT_LIMIT as i64, 1..=i64::MAX)? {
            n if n as u64 > MAX_LIMIT as u64 => MAX_LIMIT,
            n => n as usize,
        };
        let offset = params.int("offset", 0, 0..=i64::MAX)?;
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let (start, end) = match params.get("datetime") {
            Some(text) => parse_datetime(text, tz)?,
            None if collection.kind.is_requests() => (None, None),
            None => window(None, None, Days::Last(DEFAULT_DAYS), as_of)
                .map_err(|e| ApiError::bad("datetime", e.to_string()))?,
        };
        let selection = Selection {
            codes: codes(state, snapshot, &collection.kind, &params)?,
            start,
            end,
            status: status(&params)?,
            bbox: params.bbox()?,
        };
        let district = params
            .get("district")
            .map(|text| district(state, text))
            .transpose()?;
        Ok(ItemsQuery {
            page: Page { limit, offset },
            selection,
            district,
            as_of,
            params,
        })
    }
}

/// `datetime`: an instant (a bare date is that whole day) or an interval `start/end`, either
/// end open as `..` or empty.
pub fn parse_datetime(text: &str, tz: Tz) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let read = |part: &str, bound| -> Result<Option<i64>, ApiError> {
        let part = part.trim();
        if part.is_empty() || part == ".." {
            return Ok(None);
        }
        Ok(Some(datetime("datetime", part, tz, bound)?.timestamp()))
    };
    let (start, end) = match text.split('/').collect::<Vec<_>>()[..] {
        [instant] if instant.trim() != ".." => {
            (read(instant, Bound::Start)?, read(instant, Bound::End)?)
        }
        [start, end] => (read(start, Bound::Start)?, read(end, Bound::End)?),
        _ => {
            return Err(ApiError::bad(
                "datetime",
                format!(
                    "{text:?} is not an instant or an interval START/END (`..` for an open end)"
                ),
            ))
        }
    };
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(ApiError::bad(
                "datetime",
                "the interval ends before it starts",
            ));
        }
    }
    Ok((start, end))
}

/// The service codes of `type` (or its synonym `service_code`), or the collection's own.
fn codes(
    state: &ServerState,
    snapshot: &IndexSnapshot,
    kind: &Kind,
    params: &Params,
) -> Result<Vec<String>, ApiError> {
    if let Kind::Requests(Some(code)) = kind {
        return Ok(vec![code.clone()]);
    }
    let name = match (params.get("type"), params.get("service_code")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad(
                "service_code",
                "give type or service_code, not both",
            ))
        }
        (_, Some(_)) => "service_code",
        _ => "type",
    };
    resolve_types(snapshot, &state.city.catalog, &params.list(name))
        .map_err(|e| ApiError::bad(name, e.to_string()))
}

fn status(params: &Params) -> Result<Option<Status>, ApiError> {
    match params.get("status").map(str::to_ascii_lowercase).as_deref() {
        None | Some("all") => Ok(None),
        Some(s) => s
            .parse::<Status>()
            .map(Some)
            .map_err(|_| ApiError::bad("status", format!("{s:?} is not open, closed or all"))),
    }
}

/// `LAYER:ID`, checked against the boundary layers.
fn district(state: &ServerState, text: &str) -> Result<(String, String), ApiError> {
    let boundaries = &state.city.boundaries;
    let layers: Vec<&str> = boundaries.layers().iter().map(|l| l.id.as_str()).collect();
    let Some((layer_id, id)) = text.split_once(':') else {
        return Err(ApiError::bad(
            "district",
            format!("{text:?} is not LAYER:ID (layers: {})", layers.join(", ")),
        ));
    };
    let layer = boundaries.layer(layer_id.trim()).ok_or_else(|| {
        ApiError::bad(
            "district",
            format!(
                "no boundary layer {layer_id:?} (layers: {})",
                layers.join(", ")
            ),
        )
    })?;
    let id = id.trim();
    if !layer.features.iter().any(|f| f.id == id) {
        return Err(ApiError::bad(
            "district",
            format!("the layer {:?} has no district {id:?}", layer.id),
        ));
    }
    Ok((layer.id.clone(), id.to_string()))
}

/// A page of features and how many match in all.
pub struct ItemsPage {
    pub features: Vec<Feature>,
    pub matched: usize,
    /// Why a derived layer is empty (too few requests for its analysis).
    pub notice: Option<String>,
}

/// The page of request points (newest first, ties newest stored first: a stable order, so
/// consecutive pages hold every match exactly once), each with its districts.
pub fn requests_page(state: &ServerState, snapshot: &IndexSnapshot, q: &ItemsQuery) -> ItemsPage {
    let keep = |r: &IndexedRequest| {
        q.district
            .as_ref()
            .is_none_or(|(layer, id)| r.district(layer) == Some(id.as_str()))
    };
    let matched = count_matches(snapshot, &q.selection, keep);
    let features = newest_first_page(snapshot, &q.selection, q.page, keep)
        .into_iter()
        .map(|(code, r)| request_item(state, code, r, q.as_of))
        .collect();
    ItemsPage {
        features,
        matched,
        notice: None,
    }
}

/// A request point as a feature: the properties of `requests.geojson` and, per boundary
/// layer, the id of its district (null outside them).
pub fn request_item(state: &ServerState, code: &str, r: &IndexedRequest, as_of: i64) -> Feature {
    let mut f = request_feature(&state.city, code, r, as_of);
    if let Some(props) = f.properties.as_mut() {
        for layer in state.city.boundaries.layers() {
            props.insert(layer.id.clone(), json!(r.district(&layer.id)));
        }
    }
    f
}

/// The request `id` of a request collection.
pub fn request_by_id(
    state: &ServerState,
    snapshot: &IndexSnapshot,
    kind: &Kind,
    id: &str,
) -> Option<Feature> {
    let as_of = day_anchor(snapshot.newest_requested(), state.city.config.timezone);
    snapshot
        .types()
        .filter(|(code, _)| match kind {
            Kind::Requests(Some(c)) => c == code,
            _ => true,
        })
        .find_map(|(code, index)| {
            index
                .requests()
                .iter()
                .find(|r| r.id.as_ref() == id)
                .map(|r| request_item(state, code, r, as_of))
        })
}

/// A whole derived layer: its features in the layer's order and, when empty for want of
/// requests, why.
#[derive(Debug, Default)]
pub struct WholeLayer {
    pub features: Vec<Feature>,
    pub notice: Option<String>,
}

/// How heavy a derived layer is to build.
pub fn work(kind: &Kind) -> Work {
    match kind.method() {
        Some(_) => Work::Report,
        None => Work::Layer,
    }
}

/// Builds a derived layer whole (call on a renderer, [`crate::api::respond::on_renderer`]):
/// the existing `/api/v1` renderings of the same layer, over the whole city.
pub fn build_layer(
    state: &ServerState,
    snapshot: &IndexSnapshot,
    kind: &Kind,
    q: &ItemsQuery,
) -> Result<WholeLayer, ApiError> {
    let selection = Selection {
        bbox: None,
        ..q.selection.clone()
    };
    if let Some(method) = kind.method() {
        let query = hotspots::area_query(state, &q.params, &selection, q.as_of, method)?;
        let report = match hotspots::report(state, snapshot, &query)? {
            Ok(report) => report,
            Err(notice) => {
                return Ok(WholeLayer {
                    features: Vec::new(),
                    notice: Some(notice),
                })
            }
        };
        let is_cell = |f: &Feature| {
            f.properties
                .as_ref()
                .and_then(|p| p.get("kind"))
                .is_some_and(|k| k == "cell")
        };
        let features = report
            .to_geojson()
            .features
            .into_iter()
            .filter(|f| match kind {
                Kind::Cells => is_cell(f),
                Kind::Regions => !is_cell(f),
                _ => true,
            })
            .collect();
        return Ok(WholeLayer {
            features,
            notice: None,
        });
    }
    let features = match kind {
        Kind::Hexbins => {
            let resolution = tiles::hex_resolution(state, &q.params)?;
            hexbin_features(&crate::layers::hexbins(
                snapshot, &selection, resolution, q.as_of,
            ))
        }
        Kind::Boundary(id) => {
            let layer = state
                .city
                .boundaries
                .layer(id)
                .ok_or_else(|| ApiError::NotFound(format!("no boundary layer {id:?}")))?;
            let (stats, _) = crate::layers::district_stats(snapshot, &selection, layer, q.as_of);
            district_features(layer, &stats)
        }
        _ => Vec::new(),
    };
    Ok(WholeLayer {
        features,
        notice: None,
    })
}

/// The page of a whole derived layer: the features whose bounds meet `bbox`, then `offset`
/// and `limit`.
pub fn layer_page(layer: &WholeLayer, q: &ItemsQuery) -> ItemsPage {
    let mut features = layer.features.clone();
    hotspots::clip(&mut features, q.selection.bbox);
    let matched = features.len();
    let features = features
        .into_iter()
        .skip(q.page.offset)
        .take(q.page.limit)
        .collect();
    ItemsPage {
        features,
        matched,
        notice: layer.notice.clone(),
    }
}

/// The feature `id` of a whole derived layer.
pub fn layer_feature(layer: &WholeLayer, id: &str) -> Option<Feature> {
    layer
        .features
        .iter()
        .find(|f| match &f.id {
            Some(geojson::feature::Id::String(s)) => s == id,
            Some(geojson::feature::Id::Number(n)) => n.to_string() == id,
            None => false,
        })
        .cloned()
}

/// A page as a GeoJSON FeatureCollection with OGC's members.
pub fn collection_body(page: ItemsPage, links: Vec<Value>) -> Value {
    let returned = page.features.len();
    let mut body = json!({
        "type": "FeatureCollection",
        "features": page.features,
        "numberMatched": page.matched,
        "numberReturned": returned,
        "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "links": links,
    });
    if let Some(notice) = page.notice {
        body["notice"] = json!(notice);
    }
    body
}

/// Kept whole derived layers.
pub type LayerCache = crate::api::tile_sources::SourceCache<WholeLayer>;

/// The whole layer of `q` on `collection`, built once per filter and data version.
pub fn whole_layer(
    state: &ServerState,
    snapshot: &IndexSnapshot,
    collection: &Collection,
    q: &ItemsQuery,
    filter_key: &str,
) -> Result<Arc<WholeLayer>, ApiError> {
    let version = crate::api::params::data_version(snapshot, &q.selection.codes, q.as_of);
    let key = format!("{}?{filter_key}", collection.id);
    state.ogc_layers.get_or_build(&key, version, || {
        build_layer(state, snapshot, &collection.kind, q)
    })
}
