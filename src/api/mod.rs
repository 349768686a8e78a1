//! HTTP interface (axum): Open311 GeoReport v2 under `/open311/v2/`, health and metrics.

pub mod error;
pub mod geocode;
pub mod health;
pub mod open311;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::App;
pub use error::ApiError;
use health::Metrics;

/// Largest accepted request body (an Open311 POST is a few kilobytes at most).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Time a client gets to send its request and receive the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub metrics: Arc<Metrics>,
}

/// The whole HTTP interface.
pub fn router(app: Arc<App>) -> Router {
    let state = AppState {
        app,
        metrics: Arc::new(Metrics::default()),
    };
    Router::new()
        .nest("/open311/v2", open311::router())
        .route("/api/v1/geocode", get(geocode::geocode))
        .route("/api/v1/reverse", get(geocode::reverse))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .fallback(|| async { ApiError::NotFound("no such resource".into()) })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            health::count_responses,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM; `on_bound` learns the address actually bound.
pub async fn serve(
    app: Arc<App>,
    bind: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    on_bound(listener.local_addr()?);
    axum::serve(listener, router(app))
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
