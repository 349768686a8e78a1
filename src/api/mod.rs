//! HTTP interface (axum): Open311 GeoReport v2 under `/open311/v2/`, map layers under
//! `/api/v1/`, vector tiles under `/tiles/`, OGC API – Features under `/ogc`, health and metrics, and the map front end
//! (`web/`) at `/`.

pub mod error;
pub mod events;
pub mod formats;
pub mod geocode;
pub mod health;
pub mod hotspots;
pub mod layers;
pub mod lifecycle;
pub mod ogc;
pub mod open311;
pub mod params;
pub mod ranges;
pub mod respond;
pub mod tile_sources;
pub mod tiles;
pub mod trends;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::city::City;
pub use error::ApiError;
use health::Metrics;

/// Largest accepted request body (an Open311 POST is a few kilobytes at most).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Time a client gets to send its request and receive the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The server's state, shared by every handler: the core's city plus what only a server
/// needs (metrics, the layer cache, rendering limits).
#[derive(Clone)]
pub struct ServerState {
    pub city: Arc<City>,
    pub metrics: Arc<Metrics>,
    /// Rendered layers (served a bounded time after their data changed).
    pub responses: Arc<respond::ResponseCache>,
    /// Permits to render an uncached layer ([`respond::CONCURRENT_RENDERS`]).
    pub renders: Arc<tokio::sync::Semaphore>,
    /// Permits to compute a hot-spot report ([`respond::CONCURRENT_REPORTS`]).
    pub reports: Arc<tokio::sync::Semaphore>,
    /// Whole layers that vector tiles are cut from ([`tile_sources`]).
    pub tile_sources: Arc<tile_sources::SourceCache>,
    /// Whole derived layers that the OGC API's pages are cut from ([`ogc::items`]).
    pub ogc_layers: Arc<ogc::items::LayerCache>,
}

/// The whole HTTP interface.
pub fn router(city: Arc<City>) -> Router {
    let refresh = std::time::Duration::from_millis(city.config.layer_refresh_ms);
    let state = ServerState {
        city,
        metrics: Arc::new(Metrics::default()),
        responses: Arc::new(respond::ResponseCache::new(
            respond::CACHE_CAPACITY,
            refresh,
        )),
        renders: Arc::new(tokio::sync::Semaphore::new(respond::CONCURRENT_RENDERS)),
        reports: Arc::new(tokio::sync::Semaphore::new(respond::CONCURRENT_REPORTS)),
        tile_sources: Arc::default(),
        ogc_layers: Arc::default(),
    };
    Router::new()
        .nest("/open311/v2", open311::router())
        .nest("/api/v1", api_v1())
        .nest("/tiles", tiles::router())
        .merge(ogc::router())
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .nest_service("/vendor/maplibre-gl", maplibre_files())
        .fallback_service(web_files())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(cors())
        .layer(axum::middleware::from_fn(same_origin_writes))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(respond::weak_etag_when_encoded))
        .layer(axum::middleware::from_fn(ranges::identity_for_ranges))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            health::count_and_log,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Routes under `/api/v1`.
fn api_v1() -> Router<ServerState> {
    Router::new()
        .route("/layers", get(layers::catalog))
        .route("/requests.geojson", get(layers::requests))
        .route("/requests.gpkg", get(layers::requests))
        .route("/hexbins.geojson", get(layers::hexbin_layer))
        .route("/hexbins.gpkg", get(layers::hexbin_layer))
        .route("/streets.geojson", get(layers::streets))
        .route("/boundaries/{file}", get(layers::boundary_layer))
        .route("/hotspots.geojson", get(hotspots::hotspots))
        .route("/hotspots.gpkg", get(hotspots::hotspots))
        .route("/repeats.geojson", get(hotspots::repeats))
        .route("/repeats.gpkg", get(hotspots::repeats))
        .route("/worklist.csv", get(hotspots::work_list))
        .route("/trends.json", get(trends::trends_json))
        .route("/trends.csv", get(trends::trends_csv))
        .route("/geocode", get(geocode::geocode))
        .route("/reverse", get(geocode::reverse))
        .route(
            "/requests/{id}/status",
            axum::routing::post(lifecycle::set_status),
        )
        .route("/events", get(events::events))
        .fallback(|| async {
            error::Problem(ApiError::NotFound(
                "no such /api/v1 resource (see /api/v1/layers)".into(),
            ))
        })
}

/// The map front end's own files (`web/public`); unknown paths get the API's 404.
fn web_files() -> ServeDir<axum::routing::MethodRouter> {
    ServeDir::new(crate::config::bundled("web/public"))
        .append_index_html_on_directories(true)
        .fallback(axum::routing::any(|| async {
            ApiError::NotFound("no such resource".into())
        }))
}

/// MapLibre GL JS as installed from npm (`web/node_modules`, by `npm ci`): the ES module,
/// its worker side by side, and the css.
fn maplibre_files() -> ServeDir<axum::routing::MethodRouter> {
    let dir = crate::config::bundled("web/node_modules/maplibre-gl/dist");
    if !dir.is_dir() {
        tracing::warn!(
            dir = %dir.display(),
            "MapLibre GL JS is not installed: run `npm ci` in web/ (bash .ci/setup does) or the map page cannot draw"
        );
    }
    ServeDir::new(dir).fallback(axum::routing::any(|| async {
        ApiError::NotFound("no such file of MapLibre GL JS".into())
    }))
}

/// Cross-origin reads are open (any site may embed the layers, revalidate them with
/// `If-None-Match`, ask for byte ranges and read their `ETag`); writes are not (see
/// [`same_origin_writes`]).
fn cors() -> CorsLayer {
    use axum::http::header;
    CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([header::IF_NONE_MATCH, header::RANGE, header::IF_RANGE])
        .expose_headers([
            header::ETAG,
            header::ACCEPT_RANGES,
            header::CONTENT_RANGE,
            header::CONTENT_DISPOSITION,
        ])
}

/// Refuses writes that a browser sends from another site (`Sec-Fetch-Site: cross-site`, or an
/// `Origin` whose host is not this server's), so a page elsewhere cannot post with a visitor's
/// browser; clients that are not browsers send neither header and are not affected. Answers
/// to writes never carry `Access-Control-Allow-Origin`.
async fn same_origin_writes(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let method = request.method().clone();
    if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    if is_cross_origin(request.headers()) {
        return ApiError::Forbidden(
            "cross-origin writes are not accepted: post from this server's own pages or from a non-browser client".into(),
        )
        .into_response();
    }
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    response
}

/// Whether a browser marked the request as coming from another site.
fn is_cross_origin(headers: &axum::http::HeaderMap) -> bool {
    use axum::http::header;
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
    };
    if text("sec-fetch-site").is_some_and(|s| s.eq_ignore_ascii_case("cross-site")) {
        return true;
    }
    match (text(header::ORIGIN.as_str()), text(header::HOST.as_str())) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            !origin_host.eq_ignore_ascii_case(host)
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Serves until Ctrl-C or SIGTERM; `on_bound` learns the address actually bound.
pub async fn serve(
    city: Arc<City>,
    bind: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    on_bound(listener.local_addr()?);
    axum::serve(listener, router(city))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
