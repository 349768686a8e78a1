//! `/tiles/`: the map layers as Mapbox Vector Tiles (MVT 2.1, `{layer}/{z}/{x}/{y}.mvt`) with
//! a TileJSON 3.0 document per layer (`{layer}.json`), for MapLibre, QGIS and other GIS
//! clients. Layers: `requests` (points, grouped into clusters where a tile would hold too
//! many: [`crate::tiles::cluster`]), `hexbins` and `hotspots` (cut from the whole layer,
//! [`super::tile_sources`]). Each takes the filters of its GeoJSON layer under `/api/v1/`
//! except `bbox` (a tile is its own box); tiles are cached and tagged like the layers.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use h3o::Resolution;
use serde_json::{json, Value as Json};

use super::error::Problem;
use super::params::{Params, Scope};
use super::respond::{cache_key, cached, Rendered, Work, JSON, MVT};
use super::{hotspots, ApiError, ServerState};
use crate::index::IndexedRequest;
use crate::layers::hexbins;
use crate::methods::{MethodOptions, HEX_RES};
use crate::selection::{for_each_match, Selection};
use crate::tiles::cluster::{self, Group};
use crate::tiles::mvt::{self, Geometry, Layer, Value};
use crate::tiles::{zoom_to_fit, FeatureSet, TileId, EXTENT, MAX_LATITUDE};
use crate::time::local_time;

/// Feature ids of clusters start here (request points use the request's `seq`, below it).
pub const CLUSTER_ID_BASE: u64 = 1 << 52;

/// A layer served as tiles.
struct TileLayer {
    id: &'static str,
    description: &'static str,
    /// The deepest zoom its TileJSON advertises (clients draw deeper zooms from it).
    maxzoom: u8,
    /// The properties of its features and their types, for TileJSON's `fields`.
    fields: &'static [(&'static str, &'static str)],
}

const LAYERS: &[TileLayer] = &[
    TileLayer {
        id: "requests",
        description: "311 requests as points; where a tile would hold more than 3,000, requests \
                      sharing a 64-unit square are one cluster point with their count",
        maxzoom: 18,
        fields: &[
            ("service_request_id", "String"),
            ("service_code", "String"),
            ("status", "String"),
            ("requested_datetime", "String"),
            ("overdue", "Boolean"),
            ("cluster", "Boolean"),
            ("count", "Number"),
            ("open", "Number"),
            ("overdue_count", "Number"),
        ],
    },
    TileLayer {
        id: "hexbins",
        description: "Requests counted per H3 hexagon (res: the hexagons' resolution)",
        maxzoom: 16,
        fields: &[
            ("h3", "String"),
            ("count", "Number"),
            ("open", "Number"),
            ("overdue", "Number"),
        ],
    },
    TileLayer {
        id: "hotspots",
        description: "Gi* cells and hot and cold regions (method=gistar), or DBSCAN cluster \
                      hulls (method=dbscan), ranked by SLA priority",
        maxzoom: 16,
        fields: &[
            ("id", "String"),
            ("kind", "String"),
            ("rank", "Number"),
            ("count", "Number"),
            ("open", "Number"),
            ("overdue", "Number"),
            ("late", "Number"),
            ("share_overdue", "Number"),
            ("oldest_open_days", "Number"),
            ("median_days_to_close", "Number"),
            ("significance", "Number"),
            ("priority_reason", "String"),
            ("types", "String"),
            ("top_addresses", "String"),
            ("centroid", "String"),
            ("cells", "Number"),
            ("max_abs_z", "Number"),
            ("h3", "String"),
            ("z", "Number"),
            ("p", "Number"),
            ("bin", "Number"),
            ("neighbours", "Number"),
            ("cluster", "Number"),
            ("core_count", "Number"),
            ("area_ha", "Number"),
            ("requests_per_ha", "Number"),
        ],
    },
];

/// Routes under `/tiles`.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route("/{file}", get(tilejson))
        .route("/{layer}/{z}/{x}/{y}", get(tile))
        .fallback(|| async {
            Problem(ApiError::NotFound(
                "no such tile resource: tiles are /tiles/{layer}/{z}/{x}/{y}.mvt, TileJSON \
                 /tiles/{layer}.json (layers: requests, hexbins, hotspots)"
                    .into(),
            ))
        })
}

fn layer(id: &str) -> Result<&'static TileLayer, ApiError> {
    LAYERS.iter().find(|l| l.id == id).ok_or_else(|| {
        let known: Vec<&str> = LAYERS.iter().map(|l| l.id).collect();
        ApiError::NotFound(format!(
            "no tile layer {id:?} (layers: {})",
            known.join(", ")
        ))
    })
}

/// The parameters of a layer's tiles: its GeoJSON layer's, without `bbox`.
fn parse_params(layer: &TileLayer, raw: Option<&str>) -> Result<Params, ApiError> {
    let params = match layer.id {
        "hexbins" => Params::parse(raw, &["res"], true)?,
        "hotspots" => Params::parse(raw, &hotspots::area_params(), true)?,
        _ => Params::parse(raw, &[], true)?,
    };
    if params.get("bbox").is_some() {
        return Err(ApiError::bad(
            "bbox",
            "a tile covers its own box; drop bbox (the tile's z/x/y choose the area)",
        ));
    }
    Ok(params)
}

/// `z`, `x` and `y.mvt` of a tile's path as a tile of the grid.
fn tile_id(z: &str, x: &str, file: &str) -> Result<TileId, ApiError> {
    let Some(y) = file.strip_suffix(".mvt") else {
        return Err(ApiError::NotFound(format!(
            "{file:?}: tiles are served as {{y}}.mvt"
        )));
    };
    let number = |name: &str, text: &str| {
        text.parse::<u32>().map_err(|_| {
            ApiError::bad(
                name,
                format!("{text:?} is not a tile {name}: a whole number from 0"),
            )
        })
    };
    let (z, x, y) = (number("z", z)?, number("x", x)?, number("y", y)?);
    TileId::new(z, x, y).map_err(|e| ApiError::NotFound(format!("no tile {z}/{x}/{y}: {e}")))
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt`.
async fn tile(
    State(state): State<ServerState>,
    Path((layer_id, z, x, file)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let layer = layer(&layer_id)?;
    let tile = tile_id(&z, &x, &file)?;
    let params = parse_params(layer, raw.as_deref())?;
    let key = cache_key(
        &format!("tiles/{}/{}/{}/{}", layer.id, tile.z, tile.x, tile.y),
        &raw,
    );
    match layer.id {
        "requests" => requests_tile(state, params, tile, key, headers).await,
        "hexbins" => hexbins_tile(state, params, raw, tile, key, headers).await,
        _ => hotspots_tile(state, params, raw, tile, key, headers).await,
    }
}

fn mvt_body(layer: Layer) -> Rendered {
    Rendered::new(mvt::encode(&[layer]), MVT)
}

async fn requests_tile(
    state: ServerState,
    params: Params,
    tile: TileId,
    key: String,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let Scope {
        snapshot,
        selection,
        as_of,
        version,
    } = params.scope(&state.city)?;
    let selection = Selection {
        bbox: Some(tile.lonlat_bounds()),
        ..selection
    };
    cached(
        &state,
        Work::Layer,
        snapshot,
        key,
        version,
        &headers,
        move |state, snapshot| {
            let tz = state.city.config.timezone;
            let mut found: Vec<(&str, &IndexedRequest)> = Vec::new();
            for_each_match(snapshot, &selection, |code, r| found.push((code, r)));
            // oldest first, so newer requests draw on top
            found.sort_by_key(|(_, r)| (r.requested, r.seq));
            let points: Vec<[f64; 2]> = found
                .iter()
                .map(|(_, r)| tile.project(r.lon, r.lat))
                .collect();
            let at = |p: [f64; 2]| [p[0].round() as i32, p[1].round() as i32];
            let mut layer = Layer::new("requests", EXTENT);
            for group in cluster::group(&points) {
                match group {
                    Group::Single(i) => {
                        let (code, r) = found[i];
                        let mut props = vec![
                            ("service_request_id", Value::from(r.id.as_ref())),
                            ("service_code", code.into()),
                            ("status", r.status.as_str().into()),
                        ];
                        if let Some(t) = local_time(r.requested, tz) {
                            props.push(("requested_datetime", t.into()));
                        }
                        props.push(("overdue", r.is_overdue(as_of).into()));
                        layer.add(Some(r.seq), &Geometry::Points(vec![at(points[i])]), &props);
                    }
                    Group::Cluster {
                        members,
                        at,
                        square,
                    } => {
                        let tally =
                            crate::layers::Tally::of(members.iter().map(|&i| found[i].1), as_of);
                        let props = [
                            ("cluster", Value::Bool(true)),
                            ("count", Value::from(tally.count)),
                            ("open", Value::from(tally.open)),
                            ("overdue_count", Value::from(tally.overdue)),
                        ];
                        layer.add(
                            Some(CLUSTER_ID_BASE + u64::from(square)),
                            &Geometry::Points(vec![at]),
                            &props,
                        );
                    }
                }
            }
            Ok(mvt_body(layer))
        },
    )
    .await
}

/// The H3 resolution of the hex-bin layer (`res`, default the city's), as `hexbins.geojson`.
pub(super) fn hex_resolution(state: &ServerState, params: &Params) -> Result<Resolution, ApiError> {
    let city_res = i64::from(state.city.config.h3_resolution);
    let res = params.from_table(
        &HEX_RES,
        city_res.clamp(HEX_RES.min as i64, HEX_RES.max as i64),
    )?;
    Resolution::try_from(res as u8).map_err(|e| ApiError::bad("res", e.to_string()))
}

async fn hexbins_tile(
    state: ServerState,
    params: Params,
    raw: Option<String>,
    tile: TileId,
    key: String,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let resolution = hex_resolution(&state, &params)?;
    let Scope {
        snapshot,
        selection,
        as_of,
        version,
    } = params.scope(&state.city)?;
    let source_key = cache_key("hexbins", &raw);
    cached(
        &state,
        Work::Layer,
        snapshot,
        key,
        version,
        &headers,
        move |state, snapshot| {
            let set = state.tile_sources.get_or_build(&source_key, version, || {
                let features = hexbins(snapshot, &selection, resolution, as_of)
                    .into_iter()
                    .map(|b| {
                        let ring: Vec<[f64; 2]> = b
                            .cell
                            .boundary()
                            .iter()
                            .map(|ll| [ll.lng(), ll.lat()])
                            .collect();
                        crate::tiles::SourceFeature::new(
                            Some(u64::from(b.cell)),
                            crate::tiles::LonLat::Polygons(vec![vec![ring]]),
                            vec![
                                ("h3".into(), Value::String(b.cell.to_string())),
                                ("count".into(), b.tally.count.into()),
                                ("open".into(), b.tally.open.into()),
                                ("overdue".into(), b.tally.overdue.into()),
                            ],
                        )
                    })
                    .collect();
                Ok(FeatureSet { features })
            })?;
            Ok(mvt_body(set.tile("hexbins", tile)))
        },
    )
    .await
}

/// A hot-spot feature's MVT id: the H3 index of a Gi* cell, else its position in the
/// GeoJSON layer (1 = first: the top-ranked area).
fn hotspot_id(f: &geojson::Feature, position: usize) -> Option<u64> {
    let props = f.properties.as_ref();
    let kind = props.and_then(|p| p.get("kind")).and_then(Json::as_str);
    let cell = props
        .and_then(|p| p.get("h3"))
        .and_then(Json::as_str)
        .and_then(|h| h.parse::<h3o::CellIndex>().ok());
    match (kind, cell) {
        (Some("cell"), Some(cell)) => Some(u64::from(cell)),
        _ => Some(position as u64 + 1),
    }
}

async fn hotspots_tile(
    state: ServerState,
    params: Params,
    raw: Option<String>,
    tile: TileId,
    key: String,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let method = hotspots::area_method(&params)?;
    let (scope, query) = hotspots::query(&state, &params, method)?;
    let source_key = cache_key("hotspots", &raw);
    let version = scope.version;
    cached(
        &state,
        Work::Report,
        scope.snapshot,
        key,
        version,
        &headers,
        move |state, snapshot| {
            let set = state.tile_sources.get_or_build(&source_key, version, || {
                Ok(match hotspots::report(state, snapshot, &query)? {
                    Ok(report) => FeatureSet::from_geojson(&report.to_geojson(), hotspot_id),
                    Err(_too_few) => FeatureSet::default(),
                })
            })?;
            Ok(mvt_body(set.tile("hotspots", tile)))
        },
    )
    .await
}

// ---- TileJSON ---------------------------------------------------------------------------

/// `http(s)://host` of this request, for TileJSON's absolute tile URLs (TileJSON 3.0 asks
/// for absolute URLs, and MapLibre cannot use relative ones) and the OGC API's links: the `Host` header (HTTP/2: the
/// request's authority), with `https` when a proxy says so in `X-Forwarded-Proto`.
pub(super) fn origin(headers: &HeaderMap, uri: &Uri) -> Result<String, ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .ok_or_else(|| {
            ApiError::bad(
                "Host",
                "absolute links (TileJSON's tiles, OGC API links) need the Host header: a host name and port",
            )
        })?;
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|p| p.to_str().ok())
        .map(|p| p.trim().to_ascii_lowercase());
    let scheme = if proto.as_deref() == Some("https") {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{host}"))
}

/// Checks a layer's parameters as its tiles will read them, so a bad filter is refused
/// here, once, rather than by every tile.
fn check_params(state: &ServerState, layer: &TileLayer, params: &Params) -> Result<(), ApiError> {
    match layer.id {
        "hexbins" => {
            hex_resolution(state, params)?;
            params.scope(&state.city)?;
        }
        "hotspots" => {
            let method = hotspots::area_method(params)?;
            MethodOptions::parse(method, |name| params.get(name))?;
            params.scope(&state.city)?;
        }
        _ => {
            params.scope(&state.city)?;
        }
    }
    Ok(())
}

/// `GET /tiles/{layer}.json`: TileJSON 3.0 for the layer's tiles with this query's filter.
async fn tilejson(
    State(state): State<ServerState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let Some(id) = file.strip_suffix(".json") else {
        return Err(ApiError::NotFound(format!(
            "{file:?}: a layer's TileJSON is /tiles/{{layer}}.json"
        ))
        .into());
    };
    let layer = layer(id)?;
    let params = parse_params(layer, raw.as_deref())?;
    check_params(&state, layer, &params)?;
    let origin = origin(&headers, &uri)?;
    let query = raw
        .as_deref()
        .filter(|q| !q.is_empty())
        .map_or(String::new(), |q| format!("?{q}"));
    let key = cache_key(&format!("tiles/{}.json@{origin}", layer.id), &raw);
    let snapshot = state.city.index.snapshot();
    cached(
        &state,
        Work::Layer,
        snapshot,
        key,
        0,
        &headers,
        move |state, _| {
            let city = &state.city.config;
            let bounds = city
                .extent
                .map_or([-180.0, -MAX_LATITUDE, 180.0, MAX_LATITUDE], |e| {
                    [e.min_lon, e.min_lat, e.max_lon, e.max_lat]
                });
            let zoom = zoom_to_fit(bounds, 1024.0, layer.maxzoom);
            let center = [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0];
            let fields: serde_json::Map<String, Json> = layer
                .fields
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            let body = json!({
                "tilejson": "3.0.0",
                "name": format!("{}: {}", city.name, layer.id),
                "description": layer.description,
                "version": "1.0.0",
                "attribution": format!("311 requests: {}", city.name),
                "scheme": "xyz",
                "tiles": [format!("{origin}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt{query}", layer.id)],
                "minzoom": 0,
                "maxzoom": layer.maxzoom,
                "bounds": bounds,
                "center": [center[0], center[1], zoom],
                "vector_layers": [{
                    "id": layer.id,
                    "description": layer.description,
                    "minzoom": 0,
                    "maxzoom": layer.maxzoom,
                    "fields": fields,
                }],
            });
            Ok(Rendered::new(body.to_string().into_bytes(), JSON))
        },
    )
    .await
}
